/* SPDX-License-Identifier: MIT */
/* base64, IMAP modified UTF-7 and dates. */
#include "lib.h"
#include "base64.h"
#include "date.h"
#include "utf7.h"

#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

static const char *
b64(const char *in)
{
	struct str *s = str_create(pool, 64);
	base64_encode(in, strlen(in), s);
	return str_c(s);
}

static int
unb64(const char *in, const char **out_r)
{
	struct buffer *buf = buffer_create(pool, 64, 1024);
	if (base64_decode(in, strlen(in), buf) < 0)
		return -1;
	*out_r = p_strndup(pool, buf->data, buf->used);
	return 0;
}

static void
test_base64_vectors(void **state ATTR_UNUSED)
{
	/* RFC 4648 §10 */
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	const char *out;

	for (size_t i = 0; i < N_ELEMENTS(vec); i++) {
		assert_string_equal(b64(vec[i][0]), vec[i][1]);
		assert_int_equal(unb64(vec[i][1], &out), 0);
		assert_string_equal(out, vec[i][0]);
	}
}

static void
test_base64_invalid(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"Zg=", "Zg", "Z===", "Zm9v!", "Zg==Zg==", "Zh==", "Zm9=",
		"Zm 9", "=Zg=",
	};
	const char *out;

	for (size_t i = 0; i < N_ELEMENTS(bad); i++)
		assert_int_equal(unb64(bad[i], &out), -1);
	/* the output limit holds */
	struct buffer *small = buffer_create(pool, 4, 2);
	assert_int_equal(base64_decode("Zm9v", 4, small), -1);
}

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
test_utf7_roundtrip(void **state ATTR_UNUSED)
{
	static const char *const vec[][2] = {
		{ "INBOX", "INBOX" },
		{ "a&b", "a&-b" },
		{ "&", "&-" },
		/* RFC 3501 §5.1.3 example */
		{ "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
		  "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
		{ "Entw\xc3\xbc" "rfe", "Entw&APw-rfe" },
		/* non-BMP: U+1F600 as a surrogate pair */
		{ "\xf0\x9f\x98\x80", "&2D3eAA-" },
	};

	for (size_t i = 0; i < N_ELEMENTS(vec); i++) {
		assert_string_equal(to7(vec[i][0]), vec[i][1]);
		assert_string_equal(to8(vec[i][1]), vec[i][0]);
		assert_true(imap_utf7_is_valid(vec[i][1]));
	}
}

static void
test_utf7_invalid(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"&",		/* unterminated */
		"&AGE-",	/* 'a' must be direct */
		"&AOQ",		/* no '-' */
		"&AOQ-&AOQ-",	/* two runs back to back */
		"&AOR-",	/* non-zero leftover bits */
		"&2D0-",	/* unpaired high surrogate */
		"&3gA-",	/* lone low surrogate */
		"\xc3\xa4",	/* raw 8-bit */
		"a\tb",		/* control */
		"&AO!-",	/* bad base64 */
	};

	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		assert_null(to8(bad[i]));
		assert_false(imap_utf7_is_valid(bad[i]));
	}
	struct str *s = str_create(pool, 16);
	assert_int_equal(imap_utf8_to_utf7("\xff", s), -1);
	assert_int_equal(imap_utf8_to_utf7("\xed\xa0\x80", s), -1);
	assert_int_equal(imap_utf8_to_utf7("\xc0\xaf", s), -1);
}

static void
test_dates(void **state ATTR_UNUSED)
{
	time_t t;
	int tz;

	assert_int_equal(rfc5322_date_parse("Sun, 22 Nov 2026 20:01:02 +0100",
					    &t, &tz), 0);
	assert_int_equal(tz, 60);
	assert_int_equal((long long)t, 1795374062LL);
	assert_string_equal(rfc5322_date_format(pool, t, tz),
			    "Sun, 22 Nov 2026 20:01:02 +0100");
	assert_string_equal(imap_datetime_format(pool, t, tz),
			    "22-Nov-2026 20:01:02 +0100");
	assert_string_equal(imap_datetime_format(pool, t - 20 * 86400, tz),
			    " 2-Nov-2026 20:01:02 +0100");
	/* obsolete forms: no weekday, no seconds, 2-digit year, zone names,
	   comments */
	assert_int_equal(rfc5322_date_parse("22 Nov 26 19:01 GMT", &t, &tz), 0);
	assert_int_equal((long long)t, 1795374060LL);
	assert_int_equal(rfc5322_date_parse("Sun, 22 Nov 2026 14:01:02 EST "
					    "(Eastern)", &t, &tz), 0);
	assert_int_equal(tz, -300);
	assert_int_equal((long long)t, 1795374062LL);
	assert_int_equal(rfc5322_date_parse("garbage", &t, &tz), -1);
	assert_int_equal(rfc5322_date_parse("32 Nov 2026 10:00 +0000", &t,
					    &tz), -1);
	assert_int_equal(rfc5322_date_parse("1 Foo 2026 10:00 +0000", &t,
					    &tz), -1);
	assert_int_equal(imap_datetime_parse("22-Nov-2026 20:01:02 +0100", &t,
					     &tz), 0);
	assert_int_equal((long long)t, 1795374062LL);
	assert_int_equal(imap_datetime_parse(" 2-Nov-2026 20:01:02 +0100", &t,
					     &tz), 0);
	assert_int_equal(imap_datetime_parse("22-Nov-2026 20:01:02", &t, &tz),
			 -1);
	assert_int_equal(imap_date_parse("1-Jan-2000", &t), 0);
	assert_int_equal((long long)t, 946684800LL);
	assert_int_equal(imap_date_parse("1-Jan-2000x", &t), -1);
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
		cmocka_unit_test_setup_teardown(test_base64_vectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base64_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf7_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf7_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dates, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
