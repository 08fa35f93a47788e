/* SPDX-License-Identifier: MIT */
/*
 * RFC 2047 encoded words ("=?charset?Q|B?text?=") in header values,
 * decoded to UTF-8 (charset conversion via charset-utf8.h).
 *
 *  - Q and B encodings (RFC 2047 §4), "charset*language" (RFC 2231 §5);
 *  - whitespace between adjacent encoded words is dropped (§6.2), and
 *    adjacent words in the same charset are converted together, so a
 *    multibyte character split across two words still decodes;
 *  - a malformed word (bad syntax, bad Q escape, non-base64 data, space
 *    inside) and a word in an unknown charset are left as they are (§6.2);
 *  - encoded words are also recognised inside other text (lenient; many
 *    mailers do not separate them with whitespace);
 *  - text outside encoded words is kept, invalid UTF-8 there and in the
 *    result of the conversion becomes U+FFFD, as does a decoded NUL byte.
 *
 * Bounded: memory and output are proportional to the input (each input
 * byte gives at most one character of output).
 */
#ifndef ROOST_RFC2047_H
#define ROOST_RFC2047_H

/* Decode an unfolded header value and append the UTF-8 text to dest.
   Returns true if at least one encoded word was decoded. */
bool rfc2047_decode_utf8(const void *data, size_t size, struct str *dest);

/* NUL-terminated convenience form; the result is from pool. NULL in ->
   NULL out. */
const char *rfc2047_decode_utf8_str(pool_t pool, const char *value);

#endif
