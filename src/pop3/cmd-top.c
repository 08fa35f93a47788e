/* SPDX-License-Identifier: MIT */
/* TOP msg n (RFC 1939 §7): the header and the first n body lines. */
#include "lib.h"
#include "pop3-common.h"

void
cmd_top(struct pop3_client *client, const struct pop3_command *cmd)
{
	uint32_t seq, lines;

	if (!pop3_client_get_msg(client, cmd->args[0], &seq))
		return;
	if (pop3_parse_count(cmd->args[1], &lines) < 0) {
		pop3_client_bad_command(client, "Invalid line count.");
		return;
	}
	(void)pop3_send_message(client, seq, true, lines);
}
