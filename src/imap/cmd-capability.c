/* SPDX-License-Identifier: MIT */
/* CAPABILITY (RFC 9051 §6.1.1). */
#include "lib.h"
#include "imap-commands.h"

bool
cmd_capability(struct client_command *cmd)
{
	struct str *str;

	if (!imap_arg_is_eol(cmd->args))
		return client_command_bad(cmd, "CAPABILITY takes no arguments.");
	str = str_create(cmd->pool, 512);
	str_printfa(str, "* CAPABILITY %s",
		    imap_capability_get(cmd->pool, cmd->client->set));
	client_send_line(cmd->client, str_c(str));
	return client_command_finish(cmd, "OK Capability completed.");
}
