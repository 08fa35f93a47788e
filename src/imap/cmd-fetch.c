/* SPDX-License-Identifier: MIT */
/*
 * FETCH sequence-set items (RFC 9051 §6.4.5) and UID FETCH (§6.4.9, via
 * cmd-uid.c). The work is in imap-fetch.c; bodies stream with
 * backpressure, so this command may span several output flushes.
 */
#include "lib.h"
#include "imap-commands.h"
#include "imap-fetch.h"

bool
cmd_fetch_run(struct client_command *cmd, const struct imap_arg *args)
{
	struct imap_fetch *fetch;
	const char *set, *error;
	uint32_t *seqs, count;

	/* items: one list, or one item (BODY[HEADER.FIELDS (...)] is
	   three arguments; imap_fetch_parse() checks the end) */
	if (!imap_arg_get_atom(&args[0], &set) ||
	    args[1].type == IMAP_ARG_EOL)
		return client_command_bad(cmd, "FETCH needs a sequence set "
					  "and items.");
	fetch = imap_fetch_parse(cmd, &args[1], &error);
	if (fetch == NULL)
		return client_command_bad(cmd, error);
	if (imap_seqset_resolve(cmd, set, cmd->uid, &seqs, &count,
				&error) < 0)
		return client_command_bad(cmd, error);
	imap_fetch_set_messages(fetch, seqs, count);
	cmd->context = fetch;
	cmd->free_context = imap_fetch_free;
	cmd->func = imap_fetch_continue;
	return imap_fetch_continue(cmd);
}

bool
cmd_fetch(struct client_command *cmd)
{
	return cmd_fetch_run(cmd, cmd->args);
}
