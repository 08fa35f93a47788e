/* SPDX-License-Identifier: MIT */
/* LIST [msg] (RFC 1939 §5): sizes are the CRLF (virtual) sizes, exactly
   the bytes RETR sends before dot-stuffing. */
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
	pop3_client_ok(client, pop3_client_fmt(client,
		"%u messages (%llu octets)",
		client->count - client->deleted_count,
		(unsigned long long)(client->total_size -
				     client->deleted_size)));
	pop3_send_listing(client, POP3_SEND_LIST);
}
