/* SPDX-License-Identifier: MIT */
/*
 * RENAME old new (RFC 9051 §6.3.6): with all children; renaming INBOX
 * moves its messages into the new mailbox and leaves INBOX empty (the
 * storage does both). Renaming the selected mailbox unselects it.
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-commands.h"

bool
cmd_rename(struct client_command *cmd)
{
	struct client *client = cmd->client;
	const char *arg1, *arg2, *old_name, *new_name, *error;

	if (!imap_arg_get_astring(&cmd->args[0], &arg1) ||
	    !imap_arg_get_astring(&cmd->args[1], &arg2) ||
	    !imap_arg_is_eol(&cmd->args[2]))
		return client_command_bad(cmd, "RENAME needs two mailbox "
					  "names.");
	old_name = client_mailbox_name_decode(client, cmd->pool, arg1,
					      &error);
	if (old_name == NULL)
		return client_command_bad(cmd, error);
	new_name = client_mailbox_name_decode(client, cmd->pool, arg2,
					      &error);
	if (new_name == NULL)
		return client_command_bad(cmd, error);
	if (str_casecmp_ascii(new_name, "INBOX") == 0)
		return client_command_finish(cmd, "NO [ALREADYEXISTS] INBOX "
					     "always exists.");
	if (client_is_selected(client, old_name)) {
		client_unselect(client);
		client_send_line(client, "* OK [CLOSED] Mailbox renamed.");
	}
	if (mail_user_rename_mailbox(client->user, old_name, new_name) < 0)
		return client_command_storage_error(cmd);
	return client_command_finish(cmd, "OK Rename completed.");
}
