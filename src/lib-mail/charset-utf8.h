/* SPDX-License-Identifier: MIT */
/* Conversion of any charset iconv knows to UTF-8 (glibc iconv). */
#ifndef ROOST_CHARSET_UTF8_H
#define ROOST_CHARSET_UTF8_H

/* Append data converted from charset to UTF-8 to dest. Invalid or
   truncated sequences become U+FFFD. 0 on success, -1 if the charset is
   unknown (nothing appended). us-ascii and utf-8 (and their aliases) do
   not go through iconv; for them invalid UTF-8 is replaced too. */
int charset_to_utf8(const char *charset, const void *data, size_t size,
		    struct str *dest) ATTR_NODISCARD;

/* Append data with invalid UTF-8 sequences replaced by U+FFFD. */
void charset_utf8_append_valid(struct str *dest, const void *data,
			       size_t size);

#endif
