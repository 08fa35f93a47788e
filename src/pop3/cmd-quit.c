/* SPDX-License-Identifier: MIT */
/*
 * QUIT (RFC 1939 §6): the UPDATE state expunges the messages marked
 * deleted, then the session ends. If some could not be removed the reply
 * is -ERR (the rest stay for the next session).
 */
#include "lib.h"
#include "pop3-common.h"

static int
update_state(struct pop3_client *client)
{
	uint32_t view_seq;
	int ret = 0;

	for (uint32_t seq = client->count; seq > 0; seq--) {
		const struct pop3_message *msg = &client->msgs[seq - 1];

		if (!msg->deleted)
			continue;
		/* the view's numbers shift as we expunge: find by UID */
		if (mailbox_lookup_seq(client->box, msg->uid, &view_seq) <= 0)
			continue;	/* already expunged by someone else */
		if (mailbox_expunge(client->box, view_seq) < 0) {
			e_error(client->event, "expunging uid %u failed: %s",
				msg->uid,
				mail_user_get_last_error(client->user, NULL));
			ret = -1;
			continue;
		}
		client->expunged_count++;
	}
	return ret;
}

void
cmd_quit(struct pop3_client *client,
	 const struct pop3_command *cmd ATTR_UNUSED)
{
	if (client->deleted_count > 0 && update_state(client) < 0) {
		pop3_client_err(client, "[SYS/TEMP] Some deleted messages "
				"were not removed.");
		pop3_client_disconnect(client, "Logged out (expunge failed)");
		return;
	}
	pop3_client_ok(client, "Logging out.");
	pop3_client_disconnect(client, "Logged out");
}
