/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the UIDL formats: Dovecot's variables and modifiers
 * (X is lower-case hex, as Dovecot's), zero padding and cutting, the
 * Courier escape, the RFC 1939 character range, and parse errors.
 */
#include "lib.h"
#include "pop3-uidl.h"

#include <setjmp.h>
#include <cmocka.h>

static const struct pop3_uidl_values values = {
	.uid = 26,
	.uidvalidity = 1795398644,
	.filename = "1700000001.M1P2+x.host",
	.guid = "1700000001.M1P2+x.host",
	.md5_hex = "0123456789abcdef0123456789abcdef",
};

static void
check(const char *format, const char *expected)
{
	const char *error = NULL;
	struct pop3_uidl_format *fmt = pop3_uidl_format_parse(format, &error);
	struct str *out = str_create(system_pool, 64);

	assert_non_null(fmt);
	pop3_uidl_format_write(fmt, &values, out);
	assert_string_equal(str_c(out), expected);
	pop3_uidl_format_free(&fmt);
	assert_null(fmt);
	str_free(&out);
}

static void
check_error(const char *format)
{
	const char *error = NULL;

	assert_null(pop3_uidl_format_parse(format, &error));
	assert_non_null(error);
}

static void
test_dovecot_default(void **state ATTR_UNUSED)
{
	check("%08Xu%08Xv", "0000001a6b039bf4");
	check("%08XUu%08XUv", "0000001A6B039BF4");
	check("%08Xv%08Xu", "6b039bf40000001a");
}

static void
test_plain_variables(void **state ATTR_UNUSED)
{
	check("%v-%u", "1795398644-26");
	check("UID%u-%v", "UID26-1795398644");
	check("%v.%u", "1795398644.26");
	check("%u", "26");
	check("%f", "1700000001.M1P2+x.host");
	check("%g", "1700000001.M1P2+x.host");
	check("%m", "0123456789abcdef0123456789abcdef");
	check("%%%u%%", "%26%");
}

static void
test_width_and_modifiers(void **state ATTR_UNUSED)
{
	check("%4f", "1700");
	check("%05u", "00026");
	check("%1u", "2");
	check("%Uf", "1700000001.M1P2+X.HOST");
	check("%Lm", "0123456789abcdef0123456789abcdef");
	check("%Cf", "1700000001.M1P2+2Bx.host");
	check("%Xf", "0");	/* not a number: Dovecot gives 0 */
}

static void
test_unsafe_characters(void **state ATTR_UNUSED)
{
	/* RFC 1939: 0x21..0x7e only */
	check("a b", "a+20b");
	check("x\177", "x+7F");
}

static void
test_parse_errors(void **state ATTR_UNUSED)
{
	check_error("");
	check_error("%");
	check_error("%q");
	check_error("%08X");
	check_error("%99u");
	check_error("%XXXXXXXXXu");
	char long_format[POP3_UIDL_FORMAT_MAX_LENGTH + 2];
	memset(long_format, 'a', sizeof(long_format) - 1);
	long_format[sizeof(long_format) - 1] = '\0';
	check_error(long_format);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dovecot_default),
		cmocka_unit_test(test_plain_variables),
		cmocka_unit_test(test_width_and_modifiers),
		cmocka_unit_test(test_unsafe_characters),
		cmocka_unit_test(test_parse_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
