/* SPDX-License-Identifier: MIT */
/* IMAP modified UTF-7 (RFC 3501 §5.1.3) both ways, every non-canonical
   form rejected, and UTF-8 validation. */
#include "lib.h"
#include "utf7.h"

#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

static const char *
to7(const char *in)
{
	struct str *s = str_create(pool, 64);

	assert_int_equal(imap_utf8_to_utf7(in, s), 0);
	return str_c(s);
}

static const char *
to8(const char *in)
{
	struct str *s = str_create(pool, 64);

	if (imap_utf7_to_utf8(in, s) < 0)
		return NULL;
	return str_c(s);
}

static void
test_roundtrip(void **state ATTR_UNUSED)
{
	static const char *const vec[][2] = {
		{ "", "" },
		{ "INBOX", "INBOX" },
		{ "a&b", "a&-b" },
		{ "&", "&-" },
		{ "&&", "&-&-" },
		{ "~peter/mail/-x_ !\"#", "~peter/mail/-x_ !\"#" },
		/* RFC 3501 §5.1.3 example: 台北 and 日本語 */
		{ "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
		  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
		  "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
		{ "Entw\xc3\xbc" "rfe", "Entw&APw-rfe" },
		{ "\xc3\xa4\xc3\xb6", "&AOQA9g-" },
		/* a run, then "&-", then a run: not back to back */
		{ "\xc3\xa4&\xc3\xb6", "&AOQ-&-&APY-" },
		/* non-BMP: U+1F600 as the surrogate pair D83D DE00 */
		{ "\xf0\x9f\x98\x80", "&2D3eAA-" },
		{ "\xf0\x9f\x98\x80\xc3\xa4", "&2D3eAADk-" },
		/* U+FFFF, and controls that are not printable ASCII */
		{ "\xef\xbf\xbf", "&,,8-" },
		{ "a\tb", "a&AAk-b" },
		{ "\x7f", "&AH8-" },
	};

	for (size_t i = 0; i < N_ELEMENTS(vec); i++) {
		assert_string_equal(to7(vec[i][0]), vec[i][1]);
		assert_string_equal(to8(vec[i][1]), vec[i][0]);
		assert_true(imap_utf7_is_valid(vec[i][1]));
	}
	/* "&-" followed by a literal '-' */
	assert_string_equal(to8("&--"), "&-");
}

static void
test_invalid(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"&",		/* unterminated */
		"a&AOQ",	/* no '-' */
		"&AGE-",	/* 'a' must be written directly */
		"&ACY-",	/* "&-" spelled otherwise */
		"&AOQ-&APY-",	/* two runs back to back */
		"&AOR-",	/* non-zero leftover bits */
		"&AOQA-",	/* a superfluous character */
		"&AA-",		/* an empty run that is not "&-" */
		"&AAA-",	/* U+0000 */
		"&2D0-",	/* unpaired high surrogate */
		"&2D0A5A-",	/* high surrogate then a BMP character */
		"&2D3YPQ-",	/* two high surrogates */
		"&3gA-",	/* lone low surrogate */
		"&3gDYPQ-",	/* low before high */
		"&2D0-&3gA-",	/* a pair split over two runs */
		"\xc3\xa4",	/* raw 8-bit */
		"a\tb",		/* raw control */
		"a\x7f",
		"&AO!-",	/* outside the alphabet */
		"&AO/-",	/* '/' is ',' in modified base64 */
		"&AOQ=-",	/* no padding in modified base64 */
		"& -",
	};

	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		assert_null(to8(bad[i]));
		assert_false(imap_utf7_is_valid(bad[i]));
	}
}

static void
test_error_leaves_dest(void **state ATTR_UNUSED)
{
	struct str *s = str_create(pool, 16);

	str_append(s, "prefix/");
	assert_int_equal(imap_utf7_to_utf8("ok&AOQ-then&AGE-", s), -1);
	assert_string_equal(str_c(s), "prefix/");
	assert_int_equal(imap_utf7_to_utf8("&AOQ-", s), 0);
	assert_string_equal(str_c(s), "prefix/\xc3\xa4");
}

static void
test_utf8_to_utf7_invalid(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"\xff", "\x80", "a\xc3", "\xed\xa0\x80", "\xc0\xaf",
		"\xe0\x80\xaf", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
	};

	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		struct str *s = str_create(pool, 16);
		assert_int_equal(imap_utf8_to_utf7(bad[i], s), -1);
	}
}

static void
test_utf8_is_valid(void **state ATTR_UNUSED)
{
	static const char *const good[] = {
		"", "ascii", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80",
		"\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
		"\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
	};
	static const char *const bad[] = {
		"\x80",			/* continuation first */
		"\xc0\x80", "\xc1\xbf",	/* overlong 2-byte */
		"\xe0\x9f\xbf",		/* overlong 3-byte */
		"\xf0\x8f\xbf\xbf",	/* overlong 4-byte */
		"\xed\xa0\x80", "\xed\xbf\xbf",	/* surrogates */
		"\xf4\x90\x80\x80",	/* above U+10FFFF */
		"\xf5\x80\x80\x80", "\xff",
		"\xc3", "\xe2\x82", "\xf0\x9f\x98",	/* truncated */
		"\xc3\x28",		/* bad continuation */
	};

	for (size_t i = 0; i < N_ELEMENTS(good); i++)
		assert_true(utf8_is_valid(good[i], strlen(good[i])));
	for (size_t i = 0; i < N_ELEMENTS(bad); i++)
		assert_false(utf8_is_valid(bad[i], strlen(bad[i])));
	/* the size is explicit: NUL is valid, bytes past size are unseen */
	assert_true(utf8_is_valid("a\0b", 3));
	assert_true(utf8_is_valid("ab\xff", 2));
	assert_false(utf8_is_valid("\xc3\xa4", 1));
}

/* xorshift: deterministic, so a failure is reproducible */
static uint32_t
rnd(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* Canonical means one encoding per name: whatever decodes must encode
   back to exactly the same bytes. Random strings over an alphabet rich in
   '&', '-' and base64 characters hit the corner cases. */
static void
test_canonical_property(void **state ATTR_UNUSED)
{
	static const char alphabet[] = "&&&---AAOQgD23e,+8Z9ya\x7f";
	uint32_t seed = 12345;
	char in[16];
	size_t valid = 0;

	for (int n = 0; n < 200000; n++) {
		size_t len = rnd(&seed) % (sizeof(in) - 1);
		for (size_t i = 0; i < len; i++)
			in[i] = alphabet[rnd(&seed) % (sizeof(alphabet) - 1)];
		in[len] = '\0';
		pool_clear(pool);
		const char *utf8 = to8(in);
		assert_true((utf8 != NULL) == imap_utf7_is_valid(in));
		if (utf8 == NULL)
			continue;
		valid++;
		assert_true(utf8_is_valid(utf8, strlen(utf8)));
		if (strcmp(to7(utf8), in) != 0)
			fail_msg("not canonical: '%s'", in);
	}
	/* the alphabet makes valid runs common enough to mean something */
	assert_true(valid > 1000);
}

static int
setup(void **state ATTR_UNUSED)
{
	pool = pool_create_arena("test", 1024);
	return 0;
}

static int
teardown(void **state ATTR_UNUSED)
{
	pool_destroy(&pool);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_error_leaves_dest),
		cmocka_unit_test(test_utf8_to_utf7_invalid),
		cmocka_unit_test(test_utf8_is_valid),
		cmocka_unit_test(test_canonical_property),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
