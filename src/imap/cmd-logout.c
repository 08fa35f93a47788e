/* SPDX-License-Identifier: MIT */
/* LOGOUT (RFC 9051 §6.1.3): BYE, tagged OK, then close. */
#include "lib.h"
#include "imap-commands.h"

bool
cmd_logout(struct client_command *cmd)
{
	if (!imap_arg_is_eol(cmd->args))
		return client_command_bad(cmd, "LOGOUT takes no arguments.");
	client_send_line(cmd->client, "* BYE Logging out.");
	/* no sync: the session ends */
	client_unselect(cmd->client);
	cmd->client->logout = true;
	return client_command_finish(cmd, "OK Logout completed.");
}
