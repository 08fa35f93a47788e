/* SPDX-License-Identifier: MIT */
#include "lib.h"
#include "unicode-casemap.h"
#include "imap-base-subject.h"

#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

static void
test_casemap(void **state ATTR_UNUSED)
{
	assert_string_equal(unicode_casemap_str(pool, "ABC def"), "abc def");
	assert_string_equal(unicode_casemap_str(pool, ""), "");
#ifdef HAVE_LIBUNISTRING
	/* RFC 5051: canonically / compatibly equivalent strings equal */
	const char *e = unicode_casemap_str(pool, "\xC3\xA9");	/* é */
	assert_string_equal(unicode_casemap_str(pool, "\xC3\x89"), e);
	assert_string_equal(unicode_casemap_str(pool, "e\xCC\x81"), e);
	assert_string_equal(unicode_casemap_str(pool, "E\xCC\x81"), e);
	assert_string_equal(e, "e\xCC\x81");
	/* NFKD: U+FB01 LATIN SMALL LIGATURE FI */
	assert_string_equal(unicode_casemap_str(pool, "\xEF\xAC\x81"), "fi");
	/* full case folding: U+00DF */
	assert_string_equal(unicode_casemap_str(pool, "Stra\xC3\x9F" "e"),
			    "strasse");
	/* Greek final sigma and sigma fold together */
	assert_string_equal(unicode_casemap_str(pool, "\xCF\x82"),
			    unicode_casemap_str(pool, "\xCE\xA3"));
#endif
	/* invalid UTF-8 becomes U+FFFD, NUL-safe via the append form */
	assert_string_equal(unicode_casemap_str(pool, "A\xFF"),
			    "a\xEF\xBF\xBD");
	struct str *s = str_create(pool, 16);
	unicode_casemap_append(s, "A\0B", 3);
	assert_int_equal(s->len, 3);
	assert_memory_equal(s->data, "a\0b", 3);
}

static void
test_base_subject(void **state ATTR_UNUSED)
{
	static const struct {
		const char *in, *out;
		bool reply;
	} tests[] = {
		{ "test", "test", false },
		{ "Re: test", "test", true },
		{ "Re: Re: RE: test", "test", true },
		{ "re : test", "test", true },
		{ "Re[2]: test", "test", true },
		{ "Re [2]: test", "test", true },
		{ "Fwd: test", "test", true },
		{ "Fw: test", "test", true },
		{ "FWD:test", "test", true },
		{ "test (fwd)", "test", true },
		{ "test (fwd) (FWD)  ", "test", true },
		{ "[list] test", "test", false },
		{ "[list] [x] test", "test", false },
		{ "[list]", "[list]", false },
		{ "[list] [x]", "[x]", false },
		{ "RE:  [list] Re: test (fwd)", "test", true },
		{ "[list] Re: test", "test", true },
		{ "[fwd: hello]", "hello", true },
		{ "[Fwd: Re: hello]", "hello", true },
		{ "Re: [fwd: Re: x (fwd)]", "x", true },
		{ "[fwd: ]", "", true },
		{ "  spaced\t\tout \r\n here ", "spaced out here", false },
		{ "re: ", "", true },
		{ "(fwd)", "", true },
		{ "", "", false },
		{ "Re:", "", true },
		{ "Ref: x", "ref: x", false },
		{ "re", "re", false },
		{ "Re: [unclosed blob", "[unclosed blob", true },
		{ "Fwd[x] [y]: z", "fwd[x] [y]: z", false },
		{ "Fwd[x]: [y] z", "z", true },
		{ "=?utf-8?q?Re=3A_=C3=84pfel?=", "a\xCC\x88pfel", true },
		{ "=?utf-8?q?Re=3A?= =?utf-8?q?_x?=", "x", true },
	};
	for (size_t i = 0; i < N_ELEMENTS(tests); i++) {
		bool reply;
		const char *out = imap_get_base_subject(pool, tests[i].in,
							&reply);
#ifndef HAVE_LIBUNISTRING
		if (strchr(tests[i].in, '=') != NULL)
			continue;
#endif
		if (strcmp(out, tests[i].out) != 0 || reply != tests[i].reply)
			fail_msg("\"%s\": got \"%s\" reply=%d", tests[i].in,
				 out, reply);
	}
	assert_string_equal(imap_get_base_subject(pool, NULL, NULL), "");
}

static void
test_base_subject_long(void **state ATTR_UNUSED)
{
	struct str *s = str_create(pool, 1024);

	/* many leaders: linear work, nothing left over */
	for (unsigned int i = 0; i < 20000; i++)
		str_append(s, "Re: [l] ");
	str_append(s, "x");
	assert_string_equal(imap_get_base_subject(pool, s->data, NULL), "x");
	str_clear(s);
	for (unsigned int i = 0; i < 20000; i++)
		str_append(s, "[fwd: ");
	str_append(s, "x");
	for (unsigned int i = 0; i < 20000; i++)
		str_append(s, "]");
	assert_string_equal(imap_get_base_subject(pool, s->data, NULL), "x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_casemap),
		cmocka_unit_test(test_base_subject),
		cmocka_unit_test(test_base_subject_long),
	};
	int ret;

	pool = pool_create_arena("test", 4096);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	pool_destroy(&pool);
	return ret;
}
