/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for MAIL/RCPT path parsing: plain, null, quoted local parts,
 * address literals, source routes, parameters, the RFC 5321 length limits
 * at limit and limit + 1, and bad syntax of every kind.
 */
#include "lib.h"
#include "smtp-address.h"

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

static const char *
parse_ok(const char *params, const char *prefix, bool allow_null,
	 struct smtp_path *path)
{
	const char *error = NULL;

	if (smtp_path_parse(pool, params, prefix, allow_null, path,
			    &error) < 0)
		fail_msg("unexpected error for %s: %s", params, error);
	return smtp_address_encode(pool, &path->address);
}

static void
parse_fail(const char *params, const char *prefix, bool allow_null)
{
	struct smtp_path path;
	const char *error = NULL;

	if (smtp_path_parse(pool, params, prefix, allow_null, &path,
			    &error) == 0)
		fail_msg("unexpected success for %s", params);
	assert_non_null(error);
}

static void
test_plain_paths(void **state ATTR_UNUSED)
{
	struct smtp_path path;

	assert_string_equal(parse_ok("FROM:<a@b.example>", "FROM:", true,
				     &path), "a@b.example");
	assert_string_equal(path.address.localpart, "a");
	assert_string_equal(path.address.domain, "b.example");
	assert_false(path.is_null);
	assert_int_equal(path.param_count, 0);

	assert_string_equal(parse_ok("from: <first.last+tag@x-y.example>",
				     "FROM:", true, &path),
			    "first.last+tag@x-y.example");
	assert_string_equal(parse_ok("TO:<Postmaster>", "TO:", false, &path),
			    "Postmaster");
	assert_null(path.address.domain);
	assert_string_equal(parse_ok("TO:<user@[192.0.2.1]>", "TO:", false,
				     &path), "user@[192.0.2.1]");
	assert_string_equal(parse_ok("TO:<u@[IPv6:2001:db8::1]>", "TO:", false,
				     &path), "u@[IPv6:2001:db8::1]");
	/* obsolete source route: ignored */
	assert_string_equal(parse_ok("TO:<@relay.example,@r2.example:u@d.example>",
				     "TO:", false, &path), "u@d.example");
	/* UTF-8 (RFC 6531) passes through */
	assert_string_equal(parse_ok("TO:<j\xc3\xb6rg@b\xc3\xbc.example>",
				     "TO:", false, &path),
			    "j\xc3\xb6rg@b\xc3\xbc.example");
}

static void
test_null_path(void **state ATTR_UNUSED)
{
	struct smtp_path path;

	assert_string_equal(parse_ok("FROM:<>", "FROM:", true, &path), "");
	assert_true(path.is_null);
	assert_string_equal(parse_ok("FROM:<> SIZE=5", "FROM:", true, &path),
			    "");
	assert_int_equal(path.param_count, 1);
	parse_fail("TO:<>", "TO:", false);
	/* an empty quoted local part without a domain is not <> (fuzzing
	   found that it encoded back as the null path) */
	parse_fail("TO:<\"\">", "TO:", false);
	parse_fail("FROM:<\"\">", "FROM:", true);
}

static void
test_quoted_localpart(void **state ATTR_UNUSED)
{
	struct smtp_path path;

	assert_string_equal(parse_ok("TO:<\"john doe\"@d.example>", "TO:",
				     false, &path), "\"john doe\"@d.example");
	assert_string_equal(path.address.localpart, "john doe");
	assert_string_equal(parse_ok("TO:<\"a\\\"b\\\\c\"@d>", "TO:", false,
				     &path), "\"a\\\"b\\\\c\"@d");
	assert_string_equal(path.address.localpart, "a\"b\\c");
	/* quoting that was not needed is dropped */
	assert_string_equal(parse_ok("TO:<\"plain\"@d>", "TO:", false, &path),
			    "plain@d");
	assert_string_equal(parse_ok("TO:<\"\"@d>", "TO:", false, &path),
			    "\"\"@d");
	parse_fail("TO:<\"unterminated@d>", "TO:", false);
	parse_fail("TO:<\"tab\there\"@d>", "TO:", false);
	parse_fail("TO:<\"bad\\\x01pair\"@d>", "TO:", false);
	parse_fail("TO:<\"a\"b@d>", "TO:", false);
}

static void
test_params(void **state ATTR_UNUSED)
{
	struct smtp_path path;
	const struct smtp_param *param;

	(void)parse_ok("FROM:<a@b> size=1000  BODY=8BITMIME ENVID=x+2Bq RET",
		       "FROM:", true, &path);
	assert_int_equal(path.param_count, 4);
	param = smtp_path_find_param(&path, "SIZE");
	assert_non_null(param);
	assert_string_equal(param->value, "1000");
	assert_string_equal(smtp_path_find_param(&path, "BODY")->value,
			    "8BITMIME");
	assert_null(smtp_path_find_param(&path, "RET")->value);
	assert_null(smtp_path_find_param(&path, "AUTH"));

	parse_fail("FROM:<a@b> SIZE=", "FROM:", true);
	parse_fail("FROM:<a@b> =5", "FROM:", true);
	parse_fail("FROM:<a@b> -X=5", "FROM:", true);
	parse_fail("FROM:<a@b> SIZE=1 SIZE=2", "FROM:", true);
	parse_fail("FROM:<a@b> X=a=b", "FROM:", true);
	parse_fail("FROM:<a@b>SIZE=1", "FROM:", true);
	parse_fail("FROM:<a@b> X=\x01", "FROM:", true);
}

static void
test_param_limits(void **state ATTR_UNUSED)
{
	struct str *s = str_create(pool, 4096);
	struct smtp_path path;

	str_append(s, "FROM:<a@b>");
	for (unsigned int i = 0; i < SMTP_MAX_PARAMS; i++)
		str_printfa(s, " X%u=1", i);
	(void)parse_ok(str_c(s), "FROM:", true, &path);
	assert_int_equal(path.param_count, SMTP_MAX_PARAMS);
	str_append(s, " ONEMORE");
	parse_fail(str_c(s), "FROM:", true);

	str_truncate(s, 0);
	str_append(s, "FROM:<a@b> X=");
	for (unsigned int i = 0; i < SMTP_PARAM_VALUE_MAX_LEN; i++)
		str_append_c(s, 'v');
	(void)parse_ok(str_c(s), "FROM:", true, &path);
	str_append_c(s, 'v');
	parse_fail(str_c(s), "FROM:", true);
}

static void
test_length_limits(void **state ATTR_UNUSED)
{
	struct str *s = str_create(pool, 512);
	struct smtp_path path;

	/* local part: 64 ok, 65 refused */
	str_append(s, "TO:<");
	for (unsigned int i = 0; i < SMTP_LOCALPART_MAX_LEN; i++)
		str_append_c(s, 'l');
	str_append(s, "@d>");
	(void)parse_ok(str_c(s), "TO:", false, &path);
	str_truncate(s, 0);
	str_append(s, "TO:<");
	for (unsigned int i = 0; i <= SMTP_LOCALPART_MAX_LEN; i++)
		str_append_c(s, 'l');
	str_append(s, "@d>");
	parse_fail(str_c(s), "TO:", false);

	/* the whole path: 256 octets with the brackets ok, 257 refused
	   (domain labels of 50 keep the domain itself under 255) */
	for (size_t total = SMTP_PATH_MAX_LEN; total <= SMTP_PATH_MAX_LEN + 1;
	     total++) {
		str_truncate(s, 0);
		str_append(s, "TO:<u@");
		size_t domain_len = total - strlen("<u@>");
		for (size_t i = 0; i < domain_len; i++)
			str_append_c(s, i % 50 == 49 ? '.' : 'd');
		str_append_c(s, '>');
		if (total == SMTP_PATH_MAX_LEN)
			(void)parse_ok(str_c(s), "TO:", false, &path);
		else
			parse_fail(str_c(s), "TO:", false);
	}
}

static void
test_bad_syntax(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"", "TO", "TO:", "TO:a@b", "TO:<a@b", "TO:<a@b>>", "TO:<<a@b>",
		"TO:<a b@c>", "TO:<a@b c>", "TO:<a@>", "TO:<@>", "TO:<a@.b>",
		"TO:<a@b..c>", "TO:<a@[]>", "TO:<a@[1.2.3.4>", "TO:<@r:>",
		"TO:<@r,a@b>", "TO:<a@b\r>", "TO:<a@b>x", "TO:  <a@b>",
		"TO:<a\x01@b>", "FROM:<a@b>",
	};

	for (size_t i = 0; i < N_ELEMENTS(bad); i++)
		parse_fail(bad[i], "TO:", false);
	parse_fail("TO:<a@b>", "FROM:", true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_paths),
		cmocka_unit_test(test_null_path),
		cmocka_unit_test(test_quoted_localpart),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_param_limits),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_bad_syntax),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
