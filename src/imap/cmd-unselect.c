/* SPDX-License-Identifier: MIT */
/* UNSELECT (RFC 3691, RFC 9051 §6.4.2): close without expunging. */
#include "lib.h"
#include "imap-commands.h"

bool
cmd_unselect(struct client_command *cmd)
{
	if (!imap_arg_is_eol(cmd->args))
		return client_command_bad(cmd, "UNSELECT takes no arguments.");
	client_unselect(cmd->client);
	return client_command_finish(cmd, "OK Unselect completed.");
}
