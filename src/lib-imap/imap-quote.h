/* SPDX-License-Identifier: MIT */
/*
 * Response writers for strings: each picks the lightest encoding that can
 * carry the value (atom, quoted string, literal). A client-supplied string
 * is only ever written through these, never used as a format string.
 */
#ifndef ROOST_IMAP_QUOTE_H
#define ROOST_IMAP_QUOTE_H

/* Longer strings are written as literals even when quoting would work. */
#define IMAP_QUOTED_MAX_LENGTH 1024

enum imap_string_encoding {
	IMAP_STRING_ATOM = 0,
	IMAP_STRING_QUOTED,
	IMAP_STRING_LITERAL,
};

/* The encoding imap_append_astring() would choose. */
enum imap_string_encoding imap_astring_encoding(const void *data,
						size_t size);
/* astring (RFC 9051 §9): an atom when every byte is an ASTRING-CHAR (and
   the string is not empty), else quoted, else a literal "{n}\r\n" + data
   (CR, LF, 8-bit bytes, or long). */
void imap_append_astring(struct str *dest, const char *str);
/* The same for a UTF-8 string sent to a client that enabled UTF-8
   (RFC 6855 §3, IMAP4rev2): 8-bit bytes may be quoted. The caller
   guarantees valid UTF-8. */
void imap_append_astring_utf8(struct str *dest, const char *str);
/* string: quoted or literal, never an atom. data may hold any byte but
   NUL (IMAP literals cannot carry NUL; the caller must not pass it). */
void imap_append_string(struct str *dest, const void *data, size_t size);
/* nstring: NIL for NULL, else imap_append_string(). */
void imap_append_nstring(struct str *dest, const char *str);

#endif
