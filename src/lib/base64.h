/* SPDX-License-Identifier: MIT */
/* Base64 (RFC 4648 §4) encoding and strict decoding. */
#ifndef ROOST_BASE64_H
#define ROOST_BASE64_H

#define BASE64_ENCODED_SIZE(n) (((n) + 2) / 3 * 4)

void base64_encode(const void *src, size_t src_size, struct str *dest);
/* Strict: only the alphabet and '=' padding at the end; no whitespace.
   Appends decoded bytes to dest. -1 on invalid input (dest then holds
   garbage beyond its old length, truncate it). */
int base64_decode(const void *src, size_t src_size, struct buffer *dest)
	ATTR_NODISCARD;
/* Lenient MIME variant (RFC 2045 §6.8): skips whitespace and characters
   outside the alphabet; stops at '='. */
int base64_decode_mime(const void *src, size_t src_size, struct buffer *dest);

#endif
