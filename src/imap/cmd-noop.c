/* SPDX-License-Identifier: MIT */
/* NOOP (RFC 9051 §6.1.2): only the mailbox sync at its end. */
#include "lib.h"
#include "imap-commands.h"

bool
cmd_noop(struct client_command *cmd)
{
	if (!imap_arg_is_eol(cmd->args))
		return client_command_bad(cmd, "NOOP takes no arguments.");
	return client_command_finish(cmd, "OK NOOP completed.");
}
