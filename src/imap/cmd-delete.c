/* SPDX-License-Identifier: MIT */
/*
 * DELETE mailbox (RFC 9051 §6.3.5). INBOX cannot be deleted; a mailbox
 * with children loses its messages and stays as a \Noselect parent (the
 * storage does this). Deleting the selected mailbox unselects it first
 * (RFC 9051 allows deleting it; our view would point at nothing).
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-commands.h"

bool
cmd_delete(struct client_command *cmd)
{
	struct client *client = cmd->client;
	const char *arg, *name, *error;

	if (!imap_arg_get_astring(&cmd->args[0], &arg) ||
	    !imap_arg_is_eol(&cmd->args[1]))
		return client_command_bad(cmd, "DELETE needs one mailbox "
					  "name.");
	name = client_mailbox_name_decode(client, cmd->pool, arg, &error);
	if (name == NULL)
		return client_command_bad(cmd, error);
	if (str_casecmp_ascii(name, "INBOX") == 0)
		return client_command_finish(cmd, "NO [CANNOT] INBOX cannot "
					     "be deleted.");
	if (client_is_selected(client, name)) {
		client_unselect(client);
		client_send_line(client, "* OK [CLOSED] Mailbox deleted.");
	}
	if (mail_user_delete_mailbox(client->user, name) < 0)
		return client_command_storage_error(cmd);
	return client_command_finish(cmd, "OK Delete completed.");
}
