/* SPDX-License-Identifier: MIT */
/*
 * EXPUNGE (RFC 9051 §6.4.3): remove every \Deleted message, from the
 * highest sequence number down so that each "* n EXPUNGE" is valid when
 * sent. CLOSE uses the same loop without the responses.
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-commands.h"
#include "imap-expunge.h"

int
imap_expunge_deleted(struct client *client, bool send_responses)
{
	struct mailbox *box = client->box;
	struct mail_info info;
	uint32_t seq = mailbox_get_count(box);

	for (; seq > 0; seq--) {
		if (mailbox_get_info(box, seq, &info) < 0)
			return -1;
		if ((info.flags & MAIL_DELETED) == 0)
			continue;
		if (mailbox_expunge(box, seq) < 0)
			return -1;
		if (seq > client->known_count)
			continue;	/* the client never heard of it */
		client->known_count--;
		if (send_responses) {
			struct str *str = str_create(client->cmd_pool, 32);

			str_printfa(str, "* %u EXPUNGE", seq);
			client_send_line(client, str_c(str));
		}
	}
	return 0;
}

bool
cmd_expunge(struct client_command *cmd)
{
	struct client *client = cmd->client;

	if (!imap_arg_is_eol(cmd->args))
		return client_command_bad(cmd, "EXPUNGE takes no arguments.");
	if (mailbox_is_readonly(client->box))
		return client_command_finish(cmd, "NO [READ-ONLY] "
					     "Mailbox is read-only.");
	if (imap_expunge_deleted(client, true) < 0)
		return client_command_storage_error(cmd);
	return client_command_finish(cmd, "OK Expunge completed.");
}
