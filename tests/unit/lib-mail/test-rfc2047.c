/* SPDX-License-Identifier: MIT */
#include "lib.h"
#include "rfc2047.h"

#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

static const char *
decode(const char *in)
{
	return rfc2047_decode_utf8_str(pool, in);
}

/* RFC 2047 §8, the examples table and the example headers. */
static void
test_rfc_examples(void **state ATTR_UNUSED)
{
	static const struct { const char *in, *out; } tests[] = {
		{ "(=?ISO-8859-1?Q?a?=)", "(a)" },
		{ "(=?ISO-8859-1?Q?a?= b)", "(a b)" },
		{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)" },
		{ "(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)" },
		{ "(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)" },
		{ "(=?ISO-8859-1?Q?a_b?=)", "(a b)" },
		{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)" },
		{ "=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
		  "Keith Moore <moore@cs.utk.edu>" },
		{ "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
		  "Keld J\xC3\xB8rn Simonsen <keld@dkuug.dk>" },
		{ "=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
		  "Andr\xC3\xA9 Pirard <PIRARD@vm1.ulg.ac.be>" },
		{ "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?= "
		  "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
		  "If you can read this you understand the example." },
		{ "=?ISO-8859-1?Q?Olle_J=E4rnefors?= <ojarnef@admin.kth.se>",
		  "Olle J\xC3\xA4rnefors <ojarnef@admin.kth.se>" },
		{ "Nathaniel Borenstein <nsb@thumper.bellcore.com> "
		  "(=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)",
		  "Nathaniel Borenstein <nsb@thumper.bellcore.com> "
		  "(\xD7\x9D\xD7\x95\xD7\x9C\xD7\xA9 \xD7\x9F\xD7\x91 "
		  "\xD7\x99\xD7\x9C\xD7\x98\xD7\xA4\xD7\xA0)" },
		/* RFC 2231 §5 language */
		{ "=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore" },
	};
	for (size_t i = 0; i < N_ELEMENTS(tests); i++)
		assert_string_equal(decode(tests[i].in), tests[i].out);
}

static void
test_malformed(void **state ATTR_UNUSED)
{
	static const char *const kept[] = {
		"=?utf-8?q?a b?=", "=?utf-8?x?abc?=", "=?utf-8?q?=ZZ?=",
		"=?utf-8?q?a=?=", "=?utf-8?b?ab#c?=", "=?utf-8?q?abc",
		"=??q?abc?=", "=?utf-8?q?a?b?=", "=?x-no-such-charset?q?a?=",
		"=?", "=?utf-8", "=?utf-8?", "=?utf-8?q", "=?utf-8?q?",
		"= ?utf-8?q?a?=", "plain text", "",
		"=?a234567890123456789012345678901234567890123456789012345"
		"67890123456?q?a?=",
	};
	for (size_t i = 0; i < N_ELEMENTS(kept); i++)
		assert_string_equal(decode(kept[i]), kept[i]);
}

static void
test_joining(void **state ATTR_UNUSED)
{
	static const struct { const char *in, *out; } tests[] = {
		/* a UTF-8 character split over two words */
		{ "=?utf-8?q?=C3?= =?utf-8?q?=A9t=C3=A9?=",
		  "\xC3\xA9t\xC3\xA9" },
		{ "=?utf-8?b?w6k=?=\t=?UTF-8?B?w6k=?=",
		  "\xC3\xA9\xC3\xA9" },
		/* b64 without padding is accepted */
		{ "=?utf-8?b?w6k?=", "\xC3\xA9" },
		/* text between words is kept */
		{ "=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b" },
		{ "Hello=?utf-8?q?W?=orld", "HelloWorld" },
		/* unknown charset between decoded words keeps spaces */
		{ "=?utf-8?q?a?= =?x-bad?q?b?= =?utf-8?q?c?=",
		  "a =?x-bad?q?b?= c" },
		/* a malformed word between good ones */
		{ "=?utf-8?q?a?= =?utf-8?q?=Z?= =?utf-8?q?c?=",
		  "a =?utf-8?q?=Z?= c" },
		{ "=?utf-8?q?" "?=x", "x" },
		/* NUL and bad UTF-8 become U+FFFD */
		{ "=?utf-8?q?a=00b?=", "a\xEF\xBF\xBD" "b" },
		{ "=?utf-8?q?=FF?=", "\xEF\xBF\xBD" },
		{ "raw \xFF", "raw \xEF\xBF\xBD" },
		{ "==?utf-8?q?a?==", "=a=" },
		{ "=?utf-8?q?=3F=3D?=", "?=" },
	};
	for (size_t i = 0; i < N_ELEMENTS(tests); i++)
		assert_string_equal(decode(tests[i].in), tests[i].out);
	assert_null(rfc2047_decode_utf8_str(pool, NULL));
}

static void
test_return_and_bounds(void **state ATTR_UNUSED)
{
	struct str *s = str_create(pool, 16);

	assert_false(rfc2047_decode_utf8("abc", 3, s));
	assert_true(rfc2047_decode_utf8("=?utf-8?q?a?=", 13, s));
	/* many words: output stays proportional */
	struct str *in = str_create(pool, 1024);
	for (unsigned int i = 0; i < 5000; i++)
		str_append(in, i % 2 == 0 ? "=?utf-8?q?a?= " :
			   "=?iso-8859-1?q?b?= ");
	str_clear(s);
	assert_true(rfc2047_decode_utf8(in->data, in->len, s));
	assert_int_equal(s->len, 5001);	/* "abab...ab " */
	/* not NUL-terminated input: nothing read past size */
	char buf[13];
	memcpy(buf, "=?utf-8?q?a?=", 13);
	str_clear(s);
	(void)rfc2047_decode_utf8(buf, 12, s);
	assert_string_equal(s->data, "=?utf-8?q?a?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_examples),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_joining),
		cmocka_unit_test(test_return_and_bounds),
	};
	int ret;

	pool = pool_create_arena("test", 4096);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	pool_destroy(&pool);
	return ret;
}
