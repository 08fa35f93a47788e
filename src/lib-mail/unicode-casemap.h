/* SPDX-License-Identifier: MIT */
/*
 * i;unicode-casemap (RFC 5051) normalization for SEARCH, SORT and THREAD
 * comparisons, using libunistring: invalid UTF-8 becomes U+FFFD, then
 * every character is case folded and the result is decomposed with NFKD
 * (u8_casefold(..., UNINORM_NFKD)). RFC 5051 §2 asks for the titlecase
 * mapping; full case folding equates the same pairs for everything but a
 * few special cases (e.g. U+00DF equals "ss"), as Unicode recommends for
 * caseless matching. Two strings are equal under the comparator iff
 * their normalized forms are byte-equal.
 *
 * Without libunistring (HAVE_LIBUNISTRING unset) only ASCII is folded
 * (to lowercase) and nothing is decomposed.
 *
 * Bounded: the output is at most a small constant times the input
 * (case folding and NFKD expand each character to at most 18).
 */
#ifndef ROOST_UNICODE_CASEMAP_H
#define ROOST_UNICODE_CASEMAP_H

/* Append the normalized form of data to dest. */
void unicode_casemap_append(struct str *dest, const void *data, size_t size);
/* NUL-terminated form; result from pool. */
const char *unicode_casemap_str(pool_t pool, const char *str);

#endif
