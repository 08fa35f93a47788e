/* SPDX-License-Identifier: MIT */
/*
 * UIDL [msg] (RFC 1939 §7) in Dovecot's default format %08Xu%08Xv: the
 * IMAP UID and the UIDVALIDITY as 8 upper-case hex digits each, so that
 * clients moving from Dovecot do not download everything again.
 */
#include "lib.h"
#include "pop3-common.h"

static const char *
uidl_format(struct pop3_client *client, uint32_t seq)
{
	return pop3_client_fmt(client, "%u %08X%08X", seq,
			       client->msgs[seq - 1].uid, client->uidvalidity);
}

void
cmd_uidl(struct pop3_client *client, const struct pop3_command *cmd)
{
	uint32_t seq;

	if (cmd->arg_count > 0) {
		if (pop3_client_get_msg(client, cmd->args[0], &seq))
			pop3_client_ok(client, uidl_format(client, seq));
		return;
	}
	pop3_client_ok(client, NULL);
	for (seq = 1; seq <= client->count; seq++) {
		if (client->msgs[seq - 1].deleted)
			continue;
		pop3_client_send_line(client, uidl_format(client, seq));
		if (seq % 1024 == 0)
			pool_clear(client->cmd_pool);
	}
	pop3_client_send_line(client, ".");
}
