/* SPDX-License-Identifier: MIT */
/*
 * RETR msg (RFC 1939 §5): the whole message, streamed (pop3-send.c). Once
 * it has been sent completely it counts as retrieved: \Seen for IMAP at
 * the end of the session (unless pop3_no_flag_updates), in one pass, as
 * Dovecot does, and deleted at QUIT when EXPIRE is 0.
 */
#include "lib.h"
#include "pop3-common.h"

void
cmd_retr(struct pop3_client *client, const struct pop3_command *cmd)
{
	uint32_t seq;

	if (!pop3_client_get_msg(client, cmd->args[0], &seq))
		return;
	(void)pop3_send_message(client, seq, false, UINT32_MAX);
}
