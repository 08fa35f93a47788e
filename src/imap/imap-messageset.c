/* SPDX-License-Identifier: MIT */
/*
 * Sequence sets to message numbers (imap_seqset_resolve() in
 * imap-client.h). Message sequence numbers must exist (RFC 9051 §9: a
 * number over the count is an error); UIDs that do not exist are ignored
 * and "n:*" always includes the highest UID (RFC 3501 §6.4.8).
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-seqset.h"
#include "imap-client.h"
#include "imap-seqset-write.h"

/* Bounded by the line length anyway; this caps the work per command. */
#define IMAP_SEQSET_MAX_RANGES 10000

static int
resolve_seqs(struct client_command *cmd, struct imap_seq_set *set,
	     uint32_t **seqs_r, uint32_t *count_r, const char **error_r)
{
	uint32_t count = cmd->client->known_count, n = 0;
	uint32_t *seqs;

	if (count == 0) {
		*error_r = "No messages in the mailbox.";
		return -1;
	}
	imap_seq_set_normalize(set, count);
	for (size_t i = 0; i < set->ranges.count; i++) {
		if (set->ranges.v[i].seq2 > count) {
			*error_r = "Invalid message sequence number.";
			return -1;
		}
		n += set->ranges.v[i].seq2 - set->ranges.v[i].seq1 + 1;
	}
	seqs = p_malloc(cmd->pool, sizeof(*seqs) * (n + 1));
	n = 0;
	for (size_t i = 0; i < set->ranges.count; i++) {
		for (uint32_t s = set->ranges.v[i].seq1;
		     s <= set->ranges.v[i].seq2; s++)
			seqs[n++] = s;
	}
	*seqs_r = seqs;
	*count_r = n;
	return 0;
}

static void
resolve_uids(struct client_command *cmd, struct imap_seq_set *set,
	     uint32_t **seqs_r, uint32_t *count_r)
{
	struct mailbox *box = cmd->client->box;
	uint32_t count = cmd->client->known_count, n = 0;
	uint32_t *seqs = p_malloc(cmd->pool, sizeof(*seqs) * (count + 1));

	imap_seq_set_normalize(set, count == 0 ? 0 :
			       mailbox_get_uid(box, count));
	for (uint32_t seq = 1; seq <= count; seq++) {
		if (imap_seq_set_contains(set, mailbox_get_uid(box, seq)))
			seqs[n++] = seq;
	}
	*seqs_r = seqs;
	*count_r = n;
}

int
imap_seqset_resolve(struct client_command *cmd, const char *str, bool uid,
		    uint32_t **seqs_r, uint32_t *count_r,
		    const char **error_r)
{
	struct imap_seq_set set;

	if (imap_seq_set_parse(cmd->pool, str, IMAP_SEQSET_MAX_RANGES, &set,
			       error_r) < 0)
		return -1;
	if (!uid)
		return resolve_seqs(cmd, &set, seqs_r, count_r, error_r);
	resolve_uids(cmd, &set, seqs_r, count_r);
	return 0;
}

void
imap_uidset_append(struct str *dest, const uint32_t *uids,
		   unsigned int count)
{
	unsigned int i = 0;

	while (i < count) {
		unsigned int j = i;

		while (j + 1 < count && uids[j + 1] == uids[j] + 1)
			j++;
		if (i > 0)
			str_append_c(dest, ',');
		if (j == i)
			str_printfa(dest, "%u", uids[i]);
		else
			str_printfa(dest, "%u:%u", uids[i], uids[j]);
		i = j + 1;
	}
}
