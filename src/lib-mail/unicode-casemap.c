/* SPDX-License-Identifier: MIT */
/*
 * RFC 5051 normalization through libunistring. The input is cleaned of
 * invalid UTF-8 first because u8_casefold() rejects it.
 */
#include "lib.h"
#include "charset-utf8.h"
#include "unicode-casemap.h"

#ifdef HAVE_LIBUNISTRING
#  include <unicase.h>
#  include <uninorm.h>
#endif

#ifdef HAVE_LIBUNISTRING
static bool
casemap_unistring(struct str *dest, const struct str *valid)
{
	size_t len = 0;
	uint8_t *folded;

	folded = u8_casefold((const uint8_t *)str_c(valid), str_len(valid),
			     NULL, UNINORM_NFKD, NULL, &len);
	if (folded == NULL)
		return false;
	str_append_n(dest, folded, len);
	free(folded);
	return true;
}
#endif

static void
casemap_ascii(struct str *dest, const struct str *valid)
{
	for (size_t i = 0; i < str_len(valid); i++) {
		char c = str_c(valid)[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + ('a' - 'A'));
		str_append_c(dest, c);
	}
}

void
unicode_casemap_append(struct str *dest, const void *data, size_t size)
{
	struct str *valid = str_create(system_pool, size + 1);

	charset_utf8_append_valid(valid, data, size);
#ifdef HAVE_LIBUNISTRING
	/* fails only on out of memory: fall back to ASCII */
	if (!casemap_unistring(dest, valid))
		casemap_ascii(dest, valid);
#else
	casemap_ascii(dest, valid);
#endif
	str_free(&valid);
}

const char *
unicode_casemap_str(pool_t pool, const char *str)
{
	struct str *dest = str_create(pool, strlen(str) + 16);

	unicode_casemap_append(dest, str, strlen(str));
	return str_c(dest);
}
