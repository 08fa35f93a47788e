/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for smtp-params: MAIL parameters (SIZE, BODY, SMTPUTF8,
 * unknown ones), BDAT arguments (sizes at the uoff_t limit and one past,
 * LAST, junk), xtext decoding (escapes, the value length limit at limit
 * and limit + 1, NUL/CR/LF), and XCLIENT/XFORWARD attribute lists.
 */
#include "lib.h"
#include "smtp-params.h"

#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

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

static int
mail_params(const char *args, struct smtp_mail_params *params,
	    enum smtp_param_error *code)
{
	struct smtp_path path;
	const char *error = NULL;
	char *line = p_strdup_printf(pool, "FROM:<a@b.example>%s%s",
				     *args == '\0' ? "" : " ", args);

	if (smtp_path_parse(pool, line, "FROM:", true, &path, &error) < 0)
		return -2;
	if (smtp_mail_params_parse(&path, params, code, &error) < 0) {
		assert_non_null(error);
		return -1;
	}
	assert_int_equal(*code, SMTP_PARAM_ERR_NONE);
	return 0;
}

static void
test_mail_params_ok(void **state ATTR_UNUSED)
{
	struct smtp_mail_params p;
	enum smtp_param_error code;

	assert_int_equal(mail_params("", &p, &code), 0);
	assert_false(p.has_size);
	assert_int_equal(p.body, SMTP_BODY_UNSPECIFIED);
	assert_false(p.smtputf8);

	assert_int_equal(mail_params("SIZE=1234 BODY=8bitmime SMTPUTF8", &p,
				     &code), 0);
	assert_true(p.has_size);
	assert_int_equal(p.size, 1234);
	assert_int_equal(p.body, SMTP_BODY_8BITMIME);
	assert_true(p.smtputf8);

	assert_int_equal(mail_params("body=7BIT size=0", &p, &code), 0);
	assert_int_equal(p.body, SMTP_BODY_7BIT);
	assert_int_equal(p.size, 0);
	assert_int_equal(mail_params("BODY=BINARYMIME", &p, &code), 0);
	assert_int_equal(p.body, SMTP_BODY_BINARYMIME);
	/* 20 digits, the largest uoff_t */
	assert_int_equal(mail_params("SIZE=18446744073709551615", &p, &code),
			 0);
	assert_true(p.size == UINT64_MAX);
}

static void
test_mail_params_bad(void **state ATTR_UNUSED)
{
	static const char *const syntax[] = {
		"SIZE", "SIZE=-1", "SIZE=+1", "SIZE=1k", "SIZE=0x10",
		"SIZE=18446744073709551616", "SIZE=99999999999999999999",
		"SIZE=000000000000000000001", "BODY", "BODY=8BIT",
		"BODY=7BITS", "SMTPUTF8=yes",
	};
	struct smtp_mail_params p;
	enum smtp_param_error code;

	for (size_t i = 0; i < N_ELEMENTS(syntax); i++) {
		assert_int_equal(mail_params(syntax[i], &p, &code), -1);
		assert_int_equal(code, SMTP_PARAM_ERR_SYNTAX);
	}
	assert_int_equal(mail_params("RET=FULL", &p, &code), -1);
	assert_int_equal(code, SMTP_PARAM_ERR_UNSUPPORTED);
	assert_int_equal(mail_params("SIZE=1 AUTH=<>", &p, &code), -1);
	assert_int_equal(code, SMTP_PARAM_ERR_UNSUPPORTED);
}

static void
bdat_ok(const char *args, uoff_t size, bool last)
{
	const char *error = NULL;
	uoff_t size_r = 12345;
	bool last_r = !last;

	if (smtp_bdat_parse(args, &size_r, &last_r, &error) < 0)
		fail_msg("BDAT %s: %s", args, error);
	assert_true(size_r == size);
	assert_int_equal(last_r, last);
}

static void
test_bdat(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"", " ", "LAST", "-1", "+1", "1x", "1 FIRST", "1 LAST x",
		"1LAST", "0x10", "18446744073709551616",
		"999999999999999999999", "1\tLAST", "1 LAST LAST",
	};
	const char *error;
	uoff_t size;
	bool last;

	bdat_ok("0", 0, false);
	bdat_ok("0 LAST", 0, true);
	bdat_ok("100 last", 100, true);
	bdat_ok("5  LAST", 5, true);
	bdat_ok("18446744073709551615", UINT64_MAX, false);
	bdat_ok("007", 7, false);
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		error = NULL;
		if (smtp_bdat_parse(bad[i], &size, &last, &error) == 0)
			fail_msg("BDAT '%s' accepted", bad[i]);
		assert_non_null(error);
	}
}

static void
test_xtext(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"a+", "a+4", "+GG", "a=b", "a b", "+00", "+0D", "+0A", "\x7f",
		"\xc3\xa4",
	};
	const char *value;
	char buf[SMTP_XATTR_VALUE_MAX_LEN + 2];

	assert_int_equal(smtp_xtext_decode(pool, "", 10, &value), 0);
	assert_string_equal(value, "");
	assert_int_equal(smtp_xtext_decode(pool, "mx.example", 10, &value),
			 0);
	assert_string_equal(value, "mx.example");
	assert_int_equal(smtp_xtext_decode(pool, "a+20b+2Bc+3d", 100,
					   &value), 0);
	assert_string_equal(value, "a b+c=");
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		if (smtp_xtext_decode(pool, bad[i], 100, &value) == 0)
			fail_msg("xtext '%s' accepted", bad[i]);
	}
	/* the limit counts decoded octets: limit ok, limit + 1 not */
	memset(buf, 'x', sizeof(buf) - 2);
	buf[sizeof(buf) - 2] = '\0';
	assert_int_equal(smtp_xtext_decode(pool, buf, SMTP_XATTR_VALUE_MAX_LEN,
					   &value), 0);
	buf[sizeof(buf) - 2] = 'x';
	buf[sizeof(buf) - 1] = '\0';
	assert_int_equal(smtp_xtext_decode(pool, buf, SMTP_XATTR_VALUE_MAX_LEN,
					   &value), -1);
	assert_int_equal(smtp_xtext_decode(pool, "+41+42", 2, &value), 0);
	assert_string_equal(value, "AB");
	assert_int_equal(smtp_xtext_decode(pool, "+41+42+43", 2, &value), -1);
}

static void
test_xattrs(void **state ATTR_UNUSED)
{
	static const char *const names[] = { "ADDR", "NAME", "HELO", NULL };
	static const char *const bad[] = {
		"", "   ", "ADDR", "=x", "PORT=25", "ADDR=a b=c",
		"ADDR=+zz", "ADDRESSADDRESSADDRESSADDRESSADDRESS=1",
		"ADDR=1 ADDR=2 ADDR=3 ADDR=4 ADDR=5 ADDR=6 ADDR=7 ADDR=8 "
		"ADDR=9 ADDR=10 ADDR=11 ADDR=12 ADDR=13",
	};
	struct smtp_xattr attrs[SMTP_XATTR_MAX_COUNT];
	const char *error;
	int count;

	count = smtp_xattrs_parse(pool, "addr=192.0.2.1  Name=mx+20x "
				  "HELO=[UNAVAILABLE]", names, attrs, &error);
	assert_int_equal(count, 3);
	assert_string_equal(attrs[0].name, "ADDR");
	assert_string_equal(attrs[0].value, "192.0.2.1");
	assert_string_equal(attrs[1].name, "NAME");
	assert_string_equal(attrs[1].value, "mx x");
	assert_true(smtp_xattr_value_is_unavailable(attrs[2].value));
	assert_false(smtp_xattr_value_is_unavailable(attrs[0].value));
	/* exactly the maximum count */
	count = smtp_xattrs_parse(pool, "ADDR=1 ADDR=2 ADDR=3 ADDR=4 ADDR=5 "
				  "ADDR=6 ADDR=7 ADDR=8 ADDR=9 ADDR=10 "
				  "ADDR=11 ADDR=12", names, attrs, &error);
	assert_int_equal(count, SMTP_XATTR_MAX_COUNT);
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		error = NULL;
		if (smtp_xattrs_parse(pool, bad[i], names, attrs, &error) >= 0)
			fail_msg("attributes '%s' accepted", bad[i]);
		assert_non_null(error);
	}
}

static void
test_address_is_ascii(void **state ATTR_UNUSED)
{
	struct smtp_address a = { .localpart = "alice", .domain = "x.org" };

	assert_true(smtp_address_is_ascii(&a));
	a.domain = NULL;
	assert_true(smtp_address_is_ascii(&a));
	a.localpart = "j\xc3\xb6s\xc3\xa9";
	assert_false(smtp_address_is_ascii(&a));
	a.localpart = "a";
	a.domain = "ex\xc3\xa4mple.org";
	assert_false(smtp_address_is_ascii(&a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mail_params_ok),
		cmocka_unit_test(test_mail_params_bad),
		cmocka_unit_test(test_bdat),
		cmocka_unit_test(test_xtext),
		cmocka_unit_test(test_xattrs),
		cmocka_unit_test(test_address_is_ascii),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
