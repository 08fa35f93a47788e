/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the IMAP modified UTF-7 codec (src/lib/utf7.h) in both directions
 * with its properties (RELIABILITY.md row 2):
 *  - valid UTF-8 always encodes, to printable ASCII that is valid mUTF-7,
 *    and decodes back to the same bytes: decode(encode(x)) == x;
 *  - invalid UTF-8 is refused, and dest is left as it was;
 *  - an accepted mUTF-7 name re-encodes to the very same bytes (one name,
 *    one encoding: every non-canonical form must be refused), and
 *    imap_utf7_is_valid() agrees with imap_utf7_to_utf8();
 *  - a refused name leaves dest as it was.
 * The input (up to its first NUL) is tried as both a UTF-8 and an mUTF-7
 * name.
 */
#include "lib.h"
#include "utf7.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT 4096
#define PREFIX "prefix/"

static void
check_utf8_side(pool_t pool, const char *name, size_t len)
{
	struct str *enc = str_create(pool, 64), *dec = str_create(pool, 64);
	bool valid = utf8_is_valid(name, len);

	str_append(enc, PREFIX);
	if (imap_utf8_to_utf7(name, enc) < 0) {
		fuzz_check(!valid);
		fuzz_check(strcmp(str_c(enc), PREFIX) == 0);
		return;
	}
	fuzz_check(valid);
	const char *utf7 = str_c(enc) + strlen(PREFIX);
	for (const char *p = utf7; *p != '\0'; p++)
		fuzz_check(*p >= 0x20 && *p < 0x7f);
	fuzz_check(imap_utf7_is_valid(utf7));
	if (imap_utf7_to_utf8(utf7, dec) < 0)
		fuzz_fail("encode(\"%s\") = \"%s\" does not decode", name, utf7);
	if (strcmp(str_c(dec), name) != 0)
		fuzz_fail("decode(encode(x)) != x: \"%s\" -> \"%s\" -> \"%s\"",
			  name, utf7, str_c(dec));
}

static void
check_utf7_side(pool_t pool, const char *name)
{
	struct str *dec = str_create(pool, 64), *enc = str_create(pool, 64);
	bool valid = imap_utf7_is_valid(name);

	str_append(dec, PREFIX);
	if (imap_utf7_to_utf8(name, dec) < 0) {
		fuzz_check(!valid);
		fuzz_check(strcmp(str_c(dec), PREFIX) == 0);
		return;
	}
	fuzz_check(valid);
	const char *utf8 = str_c(dec) + strlen(PREFIX);
	fuzz_check(utf8_is_valid(utf8, strlen(utf8)));
	if (imap_utf8_to_utf7(utf8, enc) < 0)
		fuzz_fail("accepted \"%s\" decodes to invalid UTF-8", name);
	if (strcmp(str_c(enc), name) != 0)
		fuzz_fail("non-canonical mUTF-7 accepted: \"%s\" -> \"%s\" -> "
			  "\"%s\"", name, utf8, str_c(enc));
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-imap-utf7");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;

	pool_t pool = pool_create_arena("fuzz utf7", 1024);
	char *name = fuzz_strndup(data, size);
	size_t len = strlen(name);

	check_utf8_side(pool, name, len);
	check_utf7_side(pool, name);
	xfree(name);
	pool_destroy(&pool);
	return 0;
}
