/* SPDX-License-Identifier: MIT */
/* RETR msg (RFC 1939 §5): the whole message, streamed (pop3-send.c). */
#include "lib.h"
#include "pop3-common.h"

void
cmd_retr(struct pop3_client *client, const struct pop3_command *cmd)
{
	uint32_t seq, view_seq;

	if (!pop3_client_get_msg(client, cmd->args[0], &seq))
		return;
	if (!pop3_send_message(client, seq, false, UINT32_MAX))
		return;
	client->retr_count++;
	client->retr_bytes += client->msgs[seq - 1].size;
	/* like Dovecot by default: a retrieved message is \Seen for IMAP */
	if (mailbox_lookup_seq(client->box, client->msgs[seq - 1].uid,
			       &view_seq) > 0 &&
	    mailbox_update_flags(client->box, view_seq, MODIFY_ADD,
				 MAIL_SEEN) < 0)
		e_warning(client->event, "could not set \\Seen after RETR");
}
