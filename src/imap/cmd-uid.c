/* SPDX-License-Identifier: MIT */
/*
 * UID FETCH and UID STORE (RFC 9051 §6.4.9): the same commands with UIDs
 * in the sequence set and UID in every FETCH response.
 */
#include "lib.h"
#include "imap-commands.h"

bool
cmd_uid(struct client_command *cmd)
{
	const char *sub;

	if (!imap_arg_get_atom(&cmd->args[0], &sub))
		return client_command_bad(cmd, "UID needs a command.");
	cmd->uid = true;
	if (str_casecmp_ascii(sub, "FETCH") == 0)
		return cmd_fetch_run(cmd, &cmd->args[1]);
	if (str_casecmp_ascii(sub, "STORE") == 0)
		return cmd_store_run(cmd, &cmd->args[1]);
	return client_command_bad(cmd, "Unknown UID command.");
}
