/* SPDX-License-Identifier: MIT */
/*
 * The base subject of RFC 5256 §2.1 for SORT (SUBJECT) and THREAD
 * (ORDEREDSUBJECT, REFERENCES): RFC 2047 words decoded to UTF-8, the
 * text normalized with i;unicode-casemap (unicode-casemap.h, as RFC 5256
 * §4 requires for the comparisons), whitespace collapsed, then the
 * "Re:", "Fwd:", "[blob]", "(fwd)" and "[fwd: ...]" decorations removed.
 */
#ifndef ROOST_IMAP_BASE_SUBJECT_H
#define ROOST_IMAP_BASE_SUBJECT_H

/* subject is the raw (unfolded) Subject value, NULL for none (gives "").
   Result from pool. *is_reply_or_fwd_r (may be NULL) is set when a
   subj-refwd, "(fwd)" trailer or "[fwd: ...]" wrapper was removed (RFC
   5256 §2.1 steps 2, 3, 6: what THREAD calls a reply or forward). */
const char *imap_get_base_subject(pool_t pool, const char *subject,
				  bool *is_reply_or_fwd_r);

#endif
