/* SPDX-License-Identifier: MIT */
/*
 * Fuzz RFC 2047 decoding (src/lib-mail/rfc2047.h) and what is built on
 * it: the RFC 5256 base subject (imap-base-subject.h) with the
 * i;unicode-casemap normalization (unicode-casemap.h). Needs libiconv
 * (glibc) and, when built with HAVE_LIBUNISTRING, -lunistring.
 *
 * Properties:
 *  - the decoded text is valid UTF-8 without NUL bytes, at most 16 bytes
 *    per input byte (bounded output);
 *  - input without "=?" decodes to itself (after U+FFFD replacement) and
 *    reports that nothing was decoded;
 *  - the base subject is valid UTF-8, has no leading or trailing space,
 *    no two spaces in a row, no tab, CR or LF;
 *  - case mapping is stable on ASCII: casemap(casemap(x)) == casemap(x)
 *    when x is ASCII.
 */
#include "lib.h"
#include "charset-utf8.h"
#include "rfc2047.h"
#include "unicode-casemap.h"
#include "imap-base-subject.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT 8192

static void
check_utf8(pool_t pool, const char *s, size_t len)
{
	struct str *valid = str_create(pool, len + 1);

	charset_utf8_append_valid(valid, s, len);
	fuzz_check(str_len(valid) == len && memcmp(str_c(valid), s, len) == 0);
}

static bool
has_encoded_start(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + 1 < size; i++) {
		if (data[i] == '=' && data[i + 1] == '?')
			return true;
	}
	return false;
}

static void
check_decode(pool_t pool, const uint8_t *data, size_t size)
{
	struct str *out = str_create(pool, size * 2 + 16);
	bool decoded = rfc2047_decode_utf8(data, size, out);

	check_utf8(pool, str_c(out), str_len(out));
	fuzz_check(memchr(str_c(out), '\0', str_len(out)) == NULL ||
		   memchr(data, '\0', size) != NULL);
	fuzz_check(str_len(out) <= size * 16);
	if (!has_encoded_start(data, size)) {
		struct str *valid = str_create(pool, size + 1);

		charset_utf8_append_valid(valid, data, size);
		fuzz_check(!decoded);
		fuzz_check(strcmp(str_c(valid), str_c(out)) == 0);
	}
}

static void
check_base_subject(pool_t pool, const char *subject)
{
	bool reply;
	const char *base = imap_get_base_subject(pool, subject, &reply);
	size_t len = strlen(base);

	check_utf8(pool, base, len);
	fuzz_check(strpbrk(base, "\t\r\n") == NULL);
	fuzz_check(strstr(base, "  ") == NULL);
	fuzz_check(len == 0 || (base[0] != ' ' && base[len - 1] != ' '));
}

static void
check_casemap(pool_t pool, const char *str)
{
	for (const char *p = str; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			return;
	}
	const char *once = unicode_casemap_str(pool, str);
	fuzz_check(strcmp(unicode_casemap_str(pool, once), once) == 0);
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-rfc2047");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;

	pool_t pool = pool_create_arena("fuzz rfc2047", 4096);
	char *str = fuzz_strndup(data, size);

	check_decode(pool, data, size);
	check_base_subject(pool, str);
	check_casemap(pool, str);
	xfree(str);
	pool_destroy(&pool);
	return 0;
}
