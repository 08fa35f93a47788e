/* SPDX-License-Identifier: MIT */
/* SUBSCRIBE and UNSUBSCRIBE (RFC 9051 §6.3.7-8). Names need not exist
   (RFC 9051 allows subscribing to a name that does not exist yet);
   unsubscribing a name that is not subscribed is not an error. */
#include "lib.h"
#include "mail-storage.h"
#include "imap-commands.h"

static bool
subscribe_run(struct client_command *cmd, bool subscribe)
{
	const char *arg, *name, *error;

	if (!imap_arg_get_astring(&cmd->args[0], &arg) ||
	    !imap_arg_is_eol(&cmd->args[1]))
		return client_command_bad(cmd, "Needs one mailbox name.");
	name = client_mailbox_name_decode(cmd->client, cmd->pool, arg,
					  &error);
	if (name == NULL)
		return client_command_bad(cmd, error);
	if (mailbox_name_validate(name) < 0)
		return client_command_finish(cmd, "NO [CANNOT] Invalid "
					     "mailbox name.");
	if (mail_user_set_subscribed(cmd->client->user, name, subscribe) < 0)
		return client_command_storage_error(cmd);
	return client_command_finish(cmd, subscribe ?
				     "OK Subscribe completed." :
				     "OK Unsubscribe completed.");
}

bool
cmd_subscribe(struct client_command *cmd)
{
	return subscribe_run(cmd, true);
}

bool
cmd_unsubscribe(struct client_command *cmd)
{
	return subscribe_run(cmd, false);
}
