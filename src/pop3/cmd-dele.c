/* SPDX-License-Identifier: MIT */
/* DELE msg (RFC 1939 §5): only a mark; QUIT removes (pop3-maildrop.c). */
#include "lib.h"
#include "pop3-common.h"

void
cmd_dele(struct pop3_client *client, const struct pop3_command *cmd)
{
	uint32_t seq;

	if (!pop3_client_get_msg(client, cmd->args[0], &seq))
		return;
	client->msgs[seq - 1].deleted = true;
	client->deleted_count++;
	client->deleted_size += client->msgs[seq - 1].size;
	client->dele_count++;
	pop3_client_ok(client, "Marked to be deleted.");
}
