/* SPDX-License-Identifier: MIT */
/*
 * UID FETCH, UID STORE, UID SEARCH, UID COPY, UID MOVE (RFC 9051 §6.4.9,
 * RFC 6851) and UID EXPUNGE (RFC 4315 §2.1): the same commands with UIDs
 * in the sequence set and UID in every FETCH response. FETCH, STORE and
 * SEARCH never see EXPUNGE responses (RFC 9051 §7.5.1); the others sync
 * fully at their end.
 */
#include "lib.h"
#include "imap-commands.h"

static const struct imap_command uid_sync_def = {
	"UID", cmd_uid, IMAP_CMD_FLAG_SELECTED
};

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
	if (str_casecmp_ascii(sub, "SEARCH") == 0)
		return cmd_search_run(cmd, &cmd->args[1]);
	cmd->def = &uid_sync_def;
	if (str_casecmp_ascii(sub, "COPY") == 0)
		return cmd_copy_run(cmd, &cmd->args[1], false);
	if (str_casecmp_ascii(sub, "MOVE") == 0)
		return cmd_copy_run(cmd, &cmd->args[1], true);
	if (str_casecmp_ascii(sub, "EXPUNGE") == 0)
		return cmd_uid_expunge(cmd, &cmd->args[1]);
	return client_command_bad(cmd, "Unknown UID command.");
}
