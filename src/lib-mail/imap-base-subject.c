/* SPDX-License-Identifier: MIT */
/*
 * RFC 5256 §2.1. The ABNF used (after case mapping, so lowercase):
 *   subj-refwd   = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
 *   subj-blob    = "[" *BLOBCHAR "]" *WSP
 *   subj-leader  = (*subj-blob subj-refwd) / WSP
 *   subj-trailer = "(fwd)" / WSP
 *   subj-fwd-hdr = "[fwd:"   subj-fwd-trl = "]"
 * WSP is a single space here: step 1 turned tabs and line breaks into
 * spaces and collapsed runs.
 */
#include "lib.h"
#include "rfc2047.h"
#include "unicode-casemap.h"
#include "imap-base-subject.h"

struct subject {
	const char *s;
	size_t start, end;
	bool is_reply_or_fwd;
};

/* Step 1 (after decoding and case mapping): tabs and line breaks to
   spaces, runs of spaces to one. */
static void
normalize_space(struct str *dest, const struct str *src)
{
	bool last_space = false;

	for (size_t i = 0; i < str_len(src); i++) {
		char c = str_c(src)[i];

		if (c == '\t' || c == '\r' || c == '\n')
			c = ' ';
		if (c == ' ' && last_space)
			continue;
		last_space = c == ' ';
		str_append_c(dest, c);
	}
}

/* subj-blob at p: its length (with trailing spaces), 0 if none. */
static size_t
match_blob(const char *p, const char *end)
{
	const char *q = p;

	if (q >= end || *q != '[')
		return 0;
	for (q++; q < end && *q != '[' && *q != ']'; q++) ;
	if (q >= end || *q != ']')
		return 0;
	for (q++; q < end && *q == ' '; q++) ;
	return (size_t)(q - p);
}

static size_t
match_refwd(const char *p, const char *end)
{
	const char *q = p;
	size_t left = (size_t)(end - p);

	if (left >= 2 && memcmp(q, "re", 2) == 0)
		q += 2;
	else if (left >= 3 && memcmp(q, "fwd", 3) == 0)
		q += 3;
	else if (left >= 2 && memcmp(q, "fw", 2) == 0)
		q += 2;
	else
		return 0;
	for (; q < end && *q == ' '; q++) ;
	q += match_blob(q, end);
	if (q >= end || *q != ':')
		return 0;
	return (size_t)(q + 1 - p);
}

/* Step 2: remove subj-trailer repeatedly. */
static void
remove_trailers(struct subject *subj)
{
	for (;;) {
		const char *s = subj->s;

		if (subj->end > subj->start && s[subj->end - 1] == ' ') {
			subj->end--;
		} else if (subj->end - subj->start >= 5 &&
			   memcmp(s + subj->end - 5, "(fwd)", 5) == 0) {
			subj->end -= 5;
			subj->is_reply_or_fwd = true;
		} else {
			break;
		}
	}
}

/* Step 3: one subj-leader; false if none. */
static bool
remove_leader(struct subject *subj)
{
	const char *p = subj->s + subj->start, *end = subj->s + subj->end;
	const char *q = p;
	size_t len;

	if (p < end && *p == ' ') {
		subj->start++;
		return true;
	}
	while ((len = match_blob(q, end)) > 0)
		q += len;
	if ((len = match_refwd(q, end)) == 0)
		return false;
	subj->start += (size_t)(q - p) + len;
	subj->is_reply_or_fwd = true;
	return true;
}

/* Step 4: a subj-blob, if something is left after it. */
static bool
remove_blob(struct subject *subj)
{
	const char *p = subj->s + subj->start, *end = subj->s + subj->end;
	size_t len = match_blob(p, end);

	if (len == 0 || p + len >= end)
		return false;
	subj->start += len;
	return true;
}

/* Step 6: "[fwd:" subject "]". */
static bool
remove_fwd_wrapper(struct subject *subj)
{
	const char *p = subj->s + subj->start;
	size_t len = subj->end - subj->start;

	if (len < 6 || memcmp(p, "[fwd:", 5) != 0 || p[len - 1] != ']')
		return false;
	subj->start += 5;
	subj->end--;
	subj->is_reply_or_fwd = true;
	return true;
}

static void
extract_base(struct subject *subj)
{
	do {
		remove_trailers(subj);
		for (;;) {
			bool changed = false;

			while (remove_leader(subj))
				changed = true;
			if (remove_blob(subj))
				changed = true;
			if (!changed)
				break;
		}
	} while (remove_fwd_wrapper(subj));
}

const char *
imap_get_base_subject(pool_t pool, const char *subject,
		      bool *is_reply_or_fwd_r)
{
	struct str *decoded, *mapped, *norm;
	struct subject subj;
	const char *result;

	if (subject == NULL)
		subject = "";
	decoded = str_create(system_pool, strlen(subject) + 16);
	(void)rfc2047_decode_utf8(subject, strlen(subject), decoded);
	mapped = str_create(system_pool, str_len(decoded) + 16);
	unicode_casemap_append(mapped, str_c(decoded), str_len(decoded));
	norm = str_create(system_pool, str_len(mapped) + 1);
	normalize_space(norm, mapped);

	memset(&subj, 0, sizeof(subj));
	subj.s = str_c(norm);
	subj.end = str_len(norm);
	extract_base(&subj);
	result = p_strndup(pool, subj.s + subj.start, subj.end - subj.start);
	if (is_reply_or_fwd_r != NULL)
		*is_reply_or_fwd_r = subj.is_reply_or_fwd;
	str_free(&decoded);
	str_free(&mapped);
	str_free(&norm);
	return result;
}
