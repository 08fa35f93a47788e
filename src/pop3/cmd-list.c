/* SPDX-License-Identifier: MIT */
/* LIST [msg] (RFC 1939 §5): sizes are the CRLF (virtual) sizes. */
#include "lib.h"
#include "pop3-common.h"

void
cmd_list(struct pop3_client *client, const struct pop3_command *cmd)
{
	uint32_t seq;

	if (cmd->arg_count > 0) {
		if (!pop3_client_get_msg(client, cmd->args[0], &seq))
			return;
		pop3_client_ok(client, pop3_client_fmt(client, "%u %llu", seq,
			(unsigned long long)client->msgs[seq - 1].size));
		return;
	}
	pop3_client_ok(client, pop3_client_fmt(client, "%u messages:",
		client->count - client->deleted_count));
	/* a bounded line each; the output buffer absorbs them (a maildrop
	   of 100k messages is ~2 MB of listing) */
	for (seq = 1; seq <= client->count; seq++) {
		if (client->msgs[seq - 1].deleted)
			continue;
		pop3_client_send_line(client, pop3_client_fmt(client,
			"%u %llu", seq,
			(unsigned long long)client->msgs[seq - 1].size));
		if (seq % 1024 == 0)
			pool_clear(client->cmd_pool);
	}
	pop3_client_send_line(client, ".");
}
