/* SPDX-License-Identifier: MIT */
/*
 * IMAP sequence sets (RFC 9051 §9 "sequence-set"): "1", "2:4", "*",
 * "5:*", "4:2" (ranges in any order), comma-separated. The same syntax is
 * used for message sequence numbers and for UIDs; "*" is resolved by the
 * caller (the last sequence number, or the highest UID in use).
 */
#ifndef ROOST_IMAP_SEQSET_H
#define ROOST_IMAP_SEQSET_H

/* 0 stands for "*" (0 is never a valid number) until resolved. After
   parsing a range may have seq1 > seq2; after imap_seq_set_normalize()
   ranges are sorted, disjoint and seq1 <= seq2. */
struct imap_seq_range {
	uint32_t seq1, seq2;
};

struct imap_seq_set {
	ARRAY(struct imap_seq_range) ranges;
};

/* Parse str. The ranges array is allocated from pool; at most max_ranges
   ranges are accepted (a bound on client input). 0 on success, -1 with a
   static client-safe *error_r: empty set, 0, a number over 4294967295,
   leading zeros are fine, signs and junk are not. */
int imap_seq_set_parse(pool_t pool, const char *str, unsigned int max_ranges,
		       struct imap_seq_set *set_r, const char **error_r)
	ATTR_NODISCARD;
/* true if any range uses "*". */
bool imap_seq_set_has_star(const struct imap_seq_set *set);
/* Replace "*" by star (which may be 0: an empty mailbox, then a range
   "*" or "n:*" becomes n..n or is dropped when both ends are "*"), order
   each range, sort and merge. */
void imap_seq_set_normalize(struct imap_seq_set *set, uint32_t star);
/* After normalize: true if num is in the set (binary search). */
bool imap_seq_set_contains(const struct imap_seq_set *set, uint32_t num);

#endif
