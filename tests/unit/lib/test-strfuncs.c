/* SPDX-License-Identifier: MIT */
/* strfuncs.h: checked numbers, prefixes, case, splits, tab-escaping,
   secrets, hex and session ids. */
#include "lib.h"

#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

static void
test_str_to_uint64(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"18446744073709551616", "18446744073709551620",
		"99999999999999999999", "184467440737095516150",
		"+1", "-1", "-0", " 1", "1 ", "", "0x10", "1a", "a1", "1.0",
		"\t1", "1\n", "\xef\xbc\x91",
	};
	uint64_t n = 12345;

	assert_int_equal(str_to_uint64("18446744073709551615", &n), 0);
	assert_true(n == UINT64_MAX);
	assert_int_equal(str_to_uint64("0", &n), 0);
	assert_true(n == 0);
	assert_int_equal(str_to_uint64("007", &n), 0);
	assert_true(n == 7);
	assert_int_equal(str_to_uint64("1844674407370955161", &n), 0);
	assert_true(n == UINT64_MAX / 10);
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		assert_int_equal(str_to_uint64(bad[i], &n), -1);
	}
}

static void
test_str_to_small(void **state ATTR_UNUSED)
{
	uint32_t n32;
	unsigned int u;

	assert_int_equal(str_to_uint32("4294967295", &n32), 0);
	assert_true(n32 == UINT32_MAX);
	assert_int_equal(str_to_uint32("4294967296", &n32), -1);
	assert_int_equal(str_to_uint32("18446744073709551616", &n32), -1);
	assert_int_equal(str_to_uint32("+5", &n32), -1);
	assert_int_equal(str_to_uint32("", &n32), -1);
	assert_int_equal(str_to_uint("4294967295", &u), 0);
	assert_true(u == UINT_MAX);
	assert_int_equal(str_to_uint("4294967296", &u), -1);
	assert_int_equal(str_to_uint("12", &u), 0);
	assert_int_equal(u, 12);
}

static void
test_str_parse_uint64(void **state ATTR_UNUSED)
{
	uint64_t n;
	const char *end;

	assert_int_equal(str_parse_uint64("123abc", &n, &end), 0);
	assert_true(n == 123);
	assert_string_equal(end, "abc");
	assert_int_equal(str_parse_uint64("18446744073709551615}", &n, &end),
			 0);
	assert_true(n == UINT64_MAX);
	assert_string_equal(end, "}");
	assert_int_equal(str_parse_uint64("18446744073709551616}", &n, &end),
			 -1);
	assert_int_equal(str_parse_uint64("abc", &n, &end), -1);
	assert_int_equal(str_parse_uint64("", &n, &end), -1);
	assert_int_equal(str_parse_uint64("-1", &n, &end), -1);
	assert_int_equal(str_parse_uint64("+1", &n, &end), -1);
}

static void
test_prefix_case(void **state ATTR_UNUSED)
{
	char buf[] = "MiXeD 123 \xc3\x84";

	assert_true(str_begins("INBOX.Sent", "INBOX"));
	assert_true(str_begins("INBOX", ""));
	assert_false(str_begins("INB", "INBOX"));
	assert_true(str_begins_icase("inbox.Sent", "INBOX"));
	assert_false(str_begins_icase("in", "INBOX"));
	assert_true(str_ends("file.conf", ".conf"));
	assert_false(str_ends("conf", ".conf"));
	assert_true(str_ends("x", ""));
	assert_int_equal(str_casecmp_ascii("InBoX", "INBOX"), 0);
	assert_true(str_casecmp_ascii("a", "B") < 0);
	assert_true(str_casecmp_ascii("b", "A") > 0);
	assert_true(str_casecmp_ascii("ab", "a") > 0);
	assert_true(str_casecmp_ascii("", "a") < 0);
	assert_true(str_casecmp_ascii("\xc3\xa4", "\xc3\x84") != 0);
	str_lcase_ascii(buf);
	assert_string_equal(buf, "mixed 123 \xc3\x84");
	str_ucase_ascii(buf);
	assert_string_equal(buf, "MIXED 123 \xc3\x84");
}

static void
test_split(void **state ATTR_UNUSED)
{
	char **parts = p_strsplit(pool, "a,,b", ",");

	assert_int_equal(strv_length(parts), 3);
	assert_string_equal(parts[0], "a");
	assert_string_equal(parts[1], "");
	assert_string_equal(parts[2], "b");
	assert_null(parts[3]);
	parts = p_strsplit(pool, "", ",");
	assert_int_equal(strv_length(parts), 1);
	assert_string_equal(parts[0], "");
	parts = p_strsplit(pool, "k=v\tx", "\t=");
	assert_int_equal(strv_length(parts), 3);
	assert_string_equal(parts[2], "x");
	parts = p_strsplit(pool, ",", ",");
	assert_int_equal(strv_length(parts), 2);

	parts = p_strsplit_spaces(pool, "  a  b ", " ");
	assert_int_equal(strv_length(parts), 2);
	assert_string_equal(parts[0], "a");
	assert_string_equal(parts[1], "b");
	parts = p_strsplit_spaces(pool, "   ", " ");
	assert_int_equal(strv_length(parts), 0);
	parts = p_strsplit_spaces(pool, "", " ");
	assert_int_equal(strv_length(parts), 0);
	parts = p_strsplit_spaces(pool, "imap\t pop3  lmtp", " \t");
	assert_int_equal(strv_length(parts), 3);
	assert_string_equal(parts[2], "lmtp");
}

static void
test_tabescape(void **state ATTR_UNUSED)
{
	char all[256];
	struct str *s = str_create(pool, 16);

	/* doc/protocols.md: \001 -> \0011, TAB -> \001t, CR -> \001r,
	   LF -> \001n */
	assert_string_equal(p_str_tabescape(pool, "a\tb\001c\rd\ne"),
			    "a\001tb\0011c\001rd\001ne");
	assert_string_equal(p_str_tabescape(pool, "plain"), "plain");
	assert_string_equal(p_str_tabescape(pool, ""), "");
	str_append(s, "x=");
	str_append_tabescaped(s, "1\t2");
	assert_string_equal(str_c(s), "x=1\001t2");

	/* round trip of every byte value */
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	const char *esc = p_str_tabescape(pool, all);
	assert_null(strchr(esc, '\t'));
	assert_null(strchr(esc, '\r'));
	assert_null(strchr(esc, '\n'));
	assert_string_equal(p_str_tabunescape(pool, esc), all);
	const char *orig = "\001\001t\t\n\n";
	assert_string_equal(p_str_tabunescape(pool,
					      p_str_tabescape(pool, orig)),
			    orig);
	/* unknown escapes keep the character; a trailing \001 is kept */
	assert_string_equal(p_str_tabunescape(pool, "a\001xb"), "axb");
	assert_string_equal(p_str_tabunescape(pool, "a\001"), "a\001");
}

static void
test_secrets(void **state ATTR_UNUSED)
{
	unsigned char secret[32];

	assert_true(mem_equals_timing_safe("abc", "abc", 3));
	assert_false(mem_equals_timing_safe("abc", "abd", 3));
	assert_false(mem_equals_timing_safe("xbc", "abc", 3));
	assert_true(mem_equals_timing_safe("", "", 0));
	memset(secret, 0x5a, sizeof(secret));
	safe_memset0(secret, sizeof(secret));
	for (size_t i = 0; i < sizeof(secret); i++)
		assert_int_equal(secret[i], 0);
}

static void
test_hex_session_id(void **state ATTR_UNUSED)
{
	struct str *s = str_create(pool, 4);
	char ids[64][17];

	str_append_hex(s, "\x00\x9f\xff\x10", 4);
	assert_string_equal(str_c(s), "009fff10");
	for (size_t i = 0; i < N_ELEMENTS(ids); i++) {
		session_id_generate(ids[i]);
		assert_int_equal(strlen(ids[i]), 16);
		assert_int_equal(strspn(ids[i], "0123456789abcdef"), 16);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(ids[i], ids[j]);
	}
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
		cmocka_unit_test(test_str_to_uint64),
		cmocka_unit_test(test_str_to_small),
		cmocka_unit_test(test_str_parse_uint64),
		cmocka_unit_test(test_prefix_case),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_tabescape),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_hex_session_id),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
