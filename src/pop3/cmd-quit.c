/* SPDX-License-Identifier: MIT */
/*
 * QUIT (RFC 1939 §6): the UPDATE state removes the messages marked
 * deleted (pop3-maildrop.c: expunged, or flagged with pop3_delete_type =
 * flag / pop3_deleted_flag), then the session ends. If some could not be
 * removed the reply is -ERR [SYS/TEMP] (the rest stay for the next
 * session).
 */
#include "lib.h"
#include "pop3-common.h"

void
cmd_quit(struct pop3_client *client,
	 const struct pop3_command *cmd ATTR_UNUSED)
{
	client->quit = true;
	if (pop3_maildrop_update(client) < 0) {
		pop3_client_err(client, "[SYS/TEMP] Some deleted messages "
				"were not removed.");
		pop3_client_disconnect(client, "Logged out (update failed)");
		return;
	}
	pop3_client_ok(client, client->expunged_count > 0 ?
		       "Logging out, messages deleted." : "Logging out.");
	pop3_client_disconnect(client, "Logged out");
}
