/* SPDX-License-Identifier: MIT */
/*
 * CLOSE (RFC 9051 §6.4.1): expunge \Deleted messages silently (only in
 * read-write mode), then leave the selected state.
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-commands.h"
#include "imap-expunge.h"

bool
cmd_close(struct client_command *cmd)
{
	struct client *client = cmd->client;

	if (!imap_arg_is_eol(cmd->args))
		return client_command_bad(cmd, "CLOSE takes no arguments.");
	if (!mailbox_is_readonly(client->box) &&
	    imap_expunge_deleted(client, false) < 0) {
		client_unselect(client);
		return client_command_storage_error(cmd);
	}
	client_unselect(client);
	return client_command_finish(cmd, "OK Close completed.");
}
