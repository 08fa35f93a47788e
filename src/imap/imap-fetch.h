/* SPDX-License-Identifier: MIT */
/*
 * FETCH items and the response writer: FLAGS, UID, RFC822.SIZE,
 * INTERNALDATE, BODY[] / BODY.PEEK[] with an optional <start.count>
 * partial, RFC822, and the FAST macro. Anything else is refused (BAD): we
 * do not accept what we do not implement (no ENVELOPE, BODYSTRUCTURE or
 * section parts yet, hence no ALL/FULL).
 *
 * Bodies are sent as literals streamed from the mail file with
 * backpressure: imap_fetch_continue() returns false when the output is
 * full and is called again when it drains; a message is never held in
 * memory.
 */
#ifndef ROOST_IMAP_FETCH_H
#define ROOST_IMAP_FETCH_H

struct client_command;
struct imap_fetch;

/* Parse the item argument (atom or list) into a fetch from cmd->pool.
   NULL with *error_r (BAD text) on an unknown or invalid item. */
struct imap_fetch *imap_fetch_parse(struct client_command *cmd,
				    const struct imap_arg *items,
				    const char **error_r);
/* Messages to fetch: seqs (ascending, from cmd->pool). */
void imap_fetch_set_messages(struct imap_fetch *fetch, uint32_t *seqs,
			     uint32_t count);
/* true when finished (tagged reply sent); false: call again on flush. */
bool imap_fetch_continue(struct client_command *cmd);
/* Release open streams (command end or client gone). */
void imap_fetch_free(struct client_command *cmd);

#endif
