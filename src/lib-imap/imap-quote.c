/* SPDX-License-Identifier: MIT */
/* String encodings for IMAP responses (imap-quote.h). */
#include "lib.h"
#include "imap-quote.h"

static bool
is_astring_char(unsigned char c)
{
	/* ATOM-CHAR plus "]": no atom-specials "(" ")" "{" SP CTL "%" "*"
	   quoted-specials, and 7-bit only. */
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return strchr("(){%*\"\\", c) == NULL;
}

static bool
is_quotable_char(unsigned char c)
{
	return c != '\0' && c != '\r' && c != '\n' && c < 0x80;
}

static enum imap_string_encoding
astring_encoding(const void *data, size_t size, bool utf8)
{
	const unsigned char *p = data;
	bool atom = size > 0;

	if (size > IMAP_QUOTED_MAX_LENGTH)
		return IMAP_STRING_LITERAL;
	for (size_t i = 0; i < size; i++) {
		if (!is_quotable_char(p[i]) && !(utf8 && p[i] >= 0x80))
			return IMAP_STRING_LITERAL;
		if (!is_astring_char(p[i]))
			atom = false;
	}
	return atom ? IMAP_STRING_ATOM : IMAP_STRING_QUOTED;
}

enum imap_string_encoding
imap_astring_encoding(const void *data, size_t size)
{
	return astring_encoding(data, size, false);
}

static void
append_quoted(struct str *dest, const void *data, size_t size)
{
	const char *p = data;

	str_append_c(dest, '"');
	for (size_t i = 0; i < size; i++) {
		if (p[i] == '"' || p[i] == '\\')
			str_append_c(dest, '\\');
		str_append_c(dest, p[i]);
	}
	str_append_c(dest, '"');
}

static void
append_literal(struct str *dest, const void *data, size_t size)
{
	str_printfa(dest, "{%zu}\r\n", size);
	str_append_n(dest, data, size);
}

static void
append_encoded(struct str *dest, const void *data, size_t size,
	       enum imap_string_encoding enc)
{
	switch (enc) {
	case IMAP_STRING_ATOM:
		str_append_n(dest, data, size);
		break;
	case IMAP_STRING_QUOTED:
		append_quoted(dest, data, size);
		break;
	case IMAP_STRING_LITERAL:
		append_literal(dest, data, size);
		break;
	}
}

void
imap_append_astring(struct str *dest, const char *str)
{
	size_t size = strlen(str);

	append_encoded(dest, str, size, imap_astring_encoding(str, size));
}

void
imap_append_string(struct str *dest, const void *data, size_t size)
{
	enum imap_string_encoding enc = imap_astring_encoding(data, size);

	append_encoded(dest, data, size,
		       enc == IMAP_STRING_ATOM ? IMAP_STRING_QUOTED : enc);
}

void
imap_append_nstring(struct str *dest, const char *str)
{
	if (str == NULL)
		str_append(dest, "NIL");
	else
		imap_append_string(dest, str, strlen(str));
}

void
imap_append_astring_utf8(struct str *dest, const char *str)
{
	size_t size = strlen(str);

	append_encoded(dest, str, size, astring_encoding(str, size, true));
}
