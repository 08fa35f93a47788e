/* SPDX-License-Identifier: MIT */
/*
 * CHECK (RFC 3501 §6.4.1; removed in RFC 9051 but still sent by clients):
 * every change is durable when it is made, so it is a sync like NOOP.
 */
#include "lib.h"
#include "imap-commands.h"

bool
cmd_check(struct client_command *cmd)
{
	if (!imap_arg_is_eol(cmd->args))
		return client_command_bad(cmd, "CHECK takes no arguments.");
	return client_command_finish(cmd, "OK Check completed.");
}
