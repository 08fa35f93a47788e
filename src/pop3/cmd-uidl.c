/* SPDX-License-Identifier: MIT */
/*
 * UIDL [msg] (RFC 1939 §7) in the pop3_uidl_format (pop3-uidl.h; default
 * Dovecot's %08Xu%08Xv), so that clients moving from Dovecot do not
 * download everything again (doc/migration.md).
 */
#include "lib.h"
#include "pop3-common.h"

void
cmd_uidl(struct pop3_client *client, const struct pop3_command *cmd)
{
	struct str *line;
	uint32_t seq;

	if (cmd->arg_count > 0) {
		if (!pop3_client_get_msg(client, cmd->args[0], &seq))
			return;
		line = str_create(client->cmd_pool, 128);
		str_printfa(line, "%u ", seq);
		if (pop3_maildrop_uidl(client, seq, line) < 0) {
			pop3_client_err(client, "[SYS/TEMP] Internal error "
					"reading the message.");
			return;
		}
		pop3_client_ok(client, str_c(line));
		return;
	}
	pop3_client_ok(client, NULL);
	pop3_send_listing(client, POP3_SEND_UIDL);
}
