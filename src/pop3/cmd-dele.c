/* SPDX-License-Identifier: MIT */
/*
 * DELE, RSET, NOOP and QUIT. Deletions are only marks until QUIT enters the
 * UPDATE state (RFC 1939 §6): a dropped connection deletes nothing.
 */
#include "lib.h"
#include "pop3-common.h"

void
cmd_dele(struct pop3_client *client, const struct pop3_command *cmd)
{
	uint32_t seq;

	if (!pop3_get_msg(client, cmd->args[0], &seq))
		return;
	client->msgs[seq - 1].deleted = true;
	client->deleted_count++;
	client->deleted_size += client->msgs[seq - 1].size;
	client->dele_count++;
	pop3_client_send(client, "+OK Marked to be deleted.");
}

void
cmd_rset(struct pop3_client *client, const struct pop3_command *cmd ATTR_UNUSED)
{
	for (uint32_t i = 0; i < client->count; i++)
		client->msgs[i].deleted = false;
	client->deleted_count = 0;
	client->deleted_size = 0;
	pop3_client_send(client, "+OK");
}

void
cmd_noop(struct pop3_client *client, const struct pop3_command *cmd ATTR_UNUSED)
{
	pop3_client_send(client, "+OK");
}

/* The UPDATE state: expunge what was marked, highest first. */
static int
update_state(struct pop3_client *client)
{
	int ret = 0;

	for (uint32_t seq = client->count; seq > 0; seq--) {
		if (!client->msgs[seq - 1].deleted)
			continue;
		uint32_t view_seq;
		/* the view may have changed order: find by UID */
		if (mailbox_lookup_seq(client->box, client->msgs[seq - 1].uid,
				       &view_seq) <= 0)
			continue;	/* already gone */
		if (mailbox_expunge(client->box, view_seq) < 0)
			ret = -1;
	}
	return ret;
}

void
cmd_quit(struct pop3_client *client, const struct pop3_command *cmd ATTR_UNUSED)
{
	if (client->deleted_count > 0 && update_state(client) < 0) {
		pop3_client_send(client, "-ERR [SYS/TEMP] Some deleted "
				 "messages were not removed.");
	} else {
		pop3_client_send(client, "+OK Logging out.");
	}
	pop3_client_disconnect(client, "Logged out");
}
