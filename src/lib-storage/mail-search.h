/* SPDX-License-Identifier: MIT */
/*
 * SEARCH over a mailbox view: a parsed tree of RFC 9051 §6.4.4 search keys
 * (the protocol builds it; this module knows no IMAP syntax) evaluated per
 * message, first from what the index holds (sequence and UID sets, flags,
 * keywords, internal date, size, modseq) and only when that does not
 * decide, from the message: the header (RFC 2047 decoded, converted to
 * UTF-8) for HEADER/FROM/.../SENT*, the MIME parts (transfer-decoded,
 * charset-converted text) for BODY and TEXT. String comparisons use
 * i;unicode-casemap (RFC 5051) substring matching, as RFC 9051 asks.
 *
 * Mapping of IMAP keys to the tree (the protocol's job):
 *   ALL                    SEARCH_ALL
 *   <seq-set>, UID <set>   SEARCH_SEQSET / SEARCH_UIDSET ("*" resolved by
 *                          the caller to the highest seq / UID)
 *   ANSWERED DELETED DRAFT FLAGGED SEEN RECENT
 *                          SEARCH_FLAGS with that flag (all given flags
 *                          must be set); UN* = negate; NEW = RECENT and
 *                          not SEEN; OLD = not RECENT
 *   KEYWORD k / UNKEYWORD k   SEARCH_KEYWORD (negate)
 *   BEFORE ON SINCE        SEARCH_BEFORE/ON/SINCE (internal date's day)
 *   SENTBEFORE SENTON SENTSINCE   the Date: header's day
 *   LARGER n / SMALLER n   SEARCH_LARGER / SEARCH_SMALLER (RFC822.SIZE)
 *   HEADER f s             SEARCH_HEADER field=f value=s ("" = has f)
 *   FROM TO CC BCC SUBJECT SEARCH_HEADER with that field name
 *   BODY s / TEXT s        SEARCH_BODY / SEARCH_TEXT
 *   MODSEQ n               SEARCH_MODSEQ (RFC 7162)
 *   NOT k                  negate on k
 *   OR a b                 SEARCH_OR with subargs a -> b
 *   ( ... )                SEARCH_SUB with subargs (all must match)
 * Dates are the midnight UTC of the day (imap_date_parse() gives that);
 * comparisons use the day in the message's own time zone and disregard
 * the time, as RFC 9051 says.
 *
 * Limits: a message's text is examined up to MAIL_SEARCH_MAX_MESSAGE_SIZE
 * bytes (the rest is not searched); at most MAIL_SEARCH_MAX_DEPTH nested
 * levels of OR/SUB/NOT are evaluated (deeper: the search fails with
 * MAIL_ERROR_PARAMS).
 */
#ifndef ROOST_MAIL_SEARCH_H
#define ROOST_MAIL_SEARCH_H

#include "mail-storage.h"

#define MAIL_SEARCH_MAX_MESSAGE_SIZE (64 * 1024 * 1024)
#define MAIL_SEARCH_MAX_DEPTH 100

enum mail_search_arg_type {
	SEARCH_ALL = 0,
	SEARCH_SEQSET,
	SEARCH_UIDSET,
	SEARCH_FLAGS,
	SEARCH_KEYWORD,
	SEARCH_BEFORE,
	SEARCH_ON,
	SEARCH_SINCE,
	SEARCH_SENTBEFORE,
	SEARCH_SENTON,
	SEARCH_SENTSINCE,
	SEARCH_LARGER,
	SEARCH_SMALLER,
	SEARCH_HEADER,
	SEARCH_BODY,
	SEARCH_TEXT,
	SEARCH_MODSEQ,
	SEARCH_OR,
	SEARCH_SUB,
};

struct mail_search_arg {
	/* next key in the same list (AND of the list; for SEARCH_OR the
	   alternatives) */
	struct mail_search_arg *next;
	enum mail_search_arg_type type;
	bool negate;		/* NOT */

	/* SEARCH_SEQSET, SEARCH_UIDSET */
	const struct mail_range *ranges;
	unsigned int range_count;
	/* SEARCH_FLAGS (MAIL_RECENT allowed) */
	enum mail_flags flags;
	/* SEARCH_KEYWORD: the keyword; SEARCH_HEADER: the field name */
	const char *name;
	/* SEARCH_HEADER, SEARCH_BODY, SEARCH_TEXT: UTF-8 text */
	const char *value;
	/* SEARCH_BEFORE..SEARCH_SENTSINCE: midnight UTC of the day */
	time_t date;
	/* SEARCH_LARGER, SEARCH_SMALLER */
	uoff_t size;
	/* SEARCH_MODSEQ */
	uint64_t modseq;
	/* SEARCH_OR, SEARCH_SUB */
	struct mail_search_arg *subargs;
};

/* A zeroed key from pool (builder convenience). */
struct mail_search_arg *mail_search_arg_new(pool_t pool,
					    enum mail_search_arg_type type);

/* Evaluate args (an AND list) on every message of the view. The matching
   sequence numbers, ascending, go to *seqs_r (from pool; NULL if none).
   -1 on error (mail_user_get_last_error()); a message expunged by another
   process meanwhile simply does not match. */
int mailbox_search(struct mailbox *box, const struct mail_search_arg *args,
		   pool_t pool, uint32_t **seqs_r, unsigned int *count_r)
	ATTR_NODISCARD;

/* Evaluate args on one message (1 match, 0 not, -1 error). */
int mailbox_search_match(struct mailbox *box, uint32_t seq,
			 const struct mail_search_arg *args) ATTR_NODISCARD;

#endif
