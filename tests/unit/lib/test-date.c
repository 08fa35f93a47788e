/* SPDX-License-Identifier: MIT */
/* RFC 5322 and IMAP dates: formatting, parsing of good and broken forms,
   timezones. */
#include "lib.h"
#include "date.h"

#include <setjmp.h>
#include <cmocka.h>

/* 2026-11-22 19:01:02 UTC */
#define T_2026 1795374062LL
#define DATE_TZ_LIMIT (99 * 60 + 59)

static pool_t pool;

static void
test_format(void **state ATTR_UNUSED)
{
	time_t t = (time_t)T_2026;

	assert_string_equal(rfc5322_date_format(pool, t, 60),
			    "Sun, 22 Nov 2026 20:01:02 +0100");
	assert_string_equal(rfc5322_date_format(pool, t, 0),
			    "Sun, 22 Nov 2026 19:01:02 +0000");
	/* crossing midnight backwards changes the weekday and day */
	assert_string_equal(rfc5322_date_format(pool, t, -20 * 60),
			    "Sat, 21 Nov 2026 23:01:02 -2000");
	assert_string_equal(rfc5322_date_format(pool, t, 5 * 60 + 30),
			    "Mon, 23 Nov 2026 00:31:02 +0530");
	assert_string_equal(rfc5322_date_format(pool, t, -(3 * 60 + 30)),
			    "Sun, 22 Nov 2026 15:31:02 -0330");
	assert_string_equal(rfc5322_date_format(pool, 0, 0),
			    "Thu, 1 Jan 1970 00:00:00 +0000");
	assert_string_equal(imap_datetime_format(pool, t, 60),
			    "22-Nov-2026 20:01:02 +0100");
	assert_string_equal(imap_datetime_format(pool, t - 20 * 86400, 60),
			    " 2-Nov-2026 20:01:02 +0100");
	assert_string_equal(imap_datetime_format(pool, 0, -60),
			    "31-Dec-1969 23:00:00 -0100");
	/* nonsense from a corrupt file must not crash or print garbage */
	assert_non_null(rfc5322_date_format(pool, t, INT_MIN));
	assert_non_null(imap_datetime_format(pool, (time_t)INT64_MAX, 0));
	assert_non_null(rfc5322_date_format(pool, (time_t)INT64_MIN, 60));
}

static void
check_5322(const char *str, long long expect_t, int expect_tz)
{
	time_t t;
	int tz;

	if (rfc5322_date_parse(str, &t, &tz) < 0)
		fail_msg("failed to parse: %s", str);
	if ((long long)t != expect_t || tz != expect_tz) {
		fail_msg("%s: got %lld %d, expected %lld %d", str,
			 (long long)t, tz, expect_t, expect_tz);
	}
}

static void
test_rfc5322_parse(void **state ATTR_UNUSED)
{
	check_5322("Sun, 22 Nov 2026 20:01:02 +0100", T_2026, 60);
	check_5322("22 Nov 2026 20:01:02 +0100", T_2026, 60);
	check_5322("sun,22 nov 2026 20:01:02 +0100", T_2026, 60);
	check_5322("  Sun , 22  Nov\r\n 2026 20 : 01 : 02 +0100 (CET)",
		   T_2026, 60);
	check_5322("(x) Sun, (y (nested)) 22 Nov 2026 20:01:02 +0100",
		   T_2026, 60);
	check_5322("Sun, 22 Nov 2026 14:01:02 -0500", T_2026, -300);
	check_5322("Mon, 23 Nov 2026 00:31:02 +0530", T_2026, 330);
	check_5322("Sun, 22 Nov 2026 19:01:02 -0000", T_2026, 0);
	check_5322("Sun, 22-Nov-2026 20:01:02 +0100", T_2026, 60);
	/* obsolete forms (RFC 5322 §4.3) */
	check_5322("22 Nov 26 19:01 GMT", T_2026 - 2, 0);
	check_5322("22 Nov 126 19:01:02 UT", T_2026, 0);
	check_5322("1 Jan 49 00:00:00 +0000", 2493072000LL, 0);
	check_5322("1 Jan 50 00:00:00 +0000", -631152000LL, 0);
	check_5322("1 Jan 00 00:00:00 +0000", 946684800LL, 0);
	check_5322("Sun, 22 Nov 2026 14:01:02 EST", T_2026, -300);
	check_5322("Sun, 22 Nov 2026 15:01:02 EDT", T_2026, -240);
	check_5322("Sun, 22 Nov 2026 13:01:02 CST", T_2026, -360);
	check_5322("Sun, 22 Nov 2026 14:01:02 CDT", T_2026, -300);
	check_5322("Sun, 22 Nov 2026 12:01:02 MST", T_2026, -420);
	check_5322("Sun, 22 Nov 2026 13:01:02 MDT", T_2026, -360);
	check_5322("Sun, 22 Nov 2026 11:01:02 pst", T_2026, -480);
	check_5322("Sun, 22 Nov 2026 12:01:02 PDT", T_2026, -420);
	/* military, unknown and missing zones mean -0000 */
	check_5322("Sun, 22 Nov 2026 19:01:02 Z", T_2026, 0);
	check_5322("Sun, 22 Nov 2026 19:01:02 A", T_2026, 0);
	check_5322("Sun, 22 Nov 2026 19:01:02 CEST", T_2026, 0);
	check_5322("Sun, 22 Nov 2026 19:01:02", T_2026, 0);
	/* a leap second stays in its minute; a leap day exists */
	check_5322("31 Dec 1999 23:59:60 +0000", 946684799LL, 0);
	check_5322("29 Feb 2024 12:00:00 +0000", 1709208000LL, 0);
	check_5322("31 Dec 9999 23:59:59 +0000", 253402300799LL, 0);
}

static void
test_rfc5322_broken(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"", "garbage", "Sun,", "Sun, 22",
		/* weekday without ',' */
		"Sun 22 Nov 2026 20:01:02 +0100",
		"Sunday, 22 Nov 2026 20:01:02 +0100",
		"Foo, 22 Nov 2026 20:01:02 +0100",
		"22 November 2026 20:01:02 +0100",
		"22 Foo 2026 10:00 +0000",
		"32 Nov 2026 10:00 +0000",
		"0 Nov 2026 10:00 +0000",
		"31 Nov 2026 10:00 +0000",
		"29 Feb 2023 10:00 +0000",
		"29 Feb 1900 10:00 +0000",
		"123 Nov 2026 10:00 +0000",
		"22 Nov 2 10:00 +0000",
		"22 Nov 20266 10:00 +0000",
		"22 Nov 1899 10:00 +0000",
		"22 Nov 2026 24:00 +0000",
		"22 Nov 2026 10:60 +0000",
		"22 Nov 2026 10:00:61 +0000",
		"22 Nov 2026 10 +0000",
		"22 Nov 2026 10: +0000",
		"22 Nov 2026 100:00 +0000",
		"22 Nov 2026 10:00 +01",
		"22 Nov 2026 10:00 +01000",
		"22 Nov 2026 10:00 +0160",
		"22 Nov 2026 10:00 +",
		"22 Nov 2026 (unterminated 10:00 +0000",
		"-1 Nov 2026 10:00 +0000",
	};
	time_t t;
	int tz;

	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		if (rfc5322_date_parse(bad[i], &t, &tz) == 0)
			fail_msg("parsed a broken date: %s", bad[i]);
	}
}

static void
test_imap_datetime(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"", "22-Nov-2026 20:01:02",
		"22-Nov-2026 20:01:02 0100",
		"22-Nov-2026 20:01:02 +0100 ",
		"22-Nov-2026 20:01:02  +0100",
		"22-Nov-2026 20:01 +0100",
		"22-Nov-2026 2:01:02 +0100",
		"22-Nov-26 20:01:02 +0100",
		"22-November-2026 20:01:02 +0100",
		"22 Nov 2026 20:01:02 +0100",
		"022-Nov-2026 20:01:02 +0100",
		" 22-Nov-2026 20:01:02 +0100",
		"  2-Nov-2026 20:01:02 +0100",
		"31-Nov-2026 20:01:02 +0100",
		"22-Nov-2026 20:01:02 +0160",
		"22-Nov-2026 20:01:02 EST",
		"Sun, 22-Nov-2026 20:01:02 +0100",
	};
	time_t t;
	int tz;

	assert_int_equal(imap_datetime_parse("22-Nov-2026 20:01:02 +0100",
					     &t, &tz), 0);
	assert_int_equal((long long)t, T_2026);
	assert_int_equal(tz, 60);
	assert_int_equal(imap_datetime_parse("22-nov-2026 18:31:02 -0030",
					     &t, &tz), 0);
	assert_int_equal((long long)t, T_2026);
	assert_int_equal(tz, -30);
	/* space-padded, zero-padded and 1-digit days */
	static const char *const day2[] = {
		" 2-Nov-2026 20:01:02 +0100", "02-Nov-2026 20:01:02 +0100",
		"2-Nov-2026 20:01:02 +0100",
	};
	for (size_t i = 0; i < N_ELEMENTS(day2); i++) {
		assert_int_equal(imap_datetime_parse(day2[i], &t, &tz), 0);
		assert_int_equal((long long)t, T_2026 - 20 * 86400);
	}
	/* format -> parse round trip */
	for (int off = -720; off <= 840; off += 45) {
		const char *s = imap_datetime_format(pool, (time_t)T_2026, off);
		assert_int_equal(imap_datetime_parse(s, &t, &tz), 0);
		assert_int_equal((long long)t, T_2026);
		assert_int_equal(tz, off);
		s = rfc5322_date_format(pool, (time_t)T_2026, off);
		assert_int_equal(rfc5322_date_parse(s, &t, &tz), 0);
		assert_int_equal((long long)t, T_2026);
		assert_int_equal(tz, off);
	}
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		if (imap_datetime_parse(bad[i], &t, &tz) == 0)
			fail_msg("parsed a broken date-time: '%s'", bad[i]);
	}
}

static void
test_imap_date(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"", "1-Jan-2000x", "1-Jan-00", "1-January-2000", "01-Jan",
		" 1-Jan-2000", "001-Jan-2000", "30-Feb-2000", "1 Jan 2000",
		"1-Jan-2000 00:00:00 +0000",
	};
	time_t t;

	assert_int_equal(imap_date_parse("1-Jan-2000", &t), 0);
	assert_int_equal((long long)t, 946684800LL);
	assert_int_equal(imap_date_parse("01-JAN-2000", &t), 0);
	assert_int_equal((long long)t, 946684800LL);
	assert_int_equal(imap_date_parse("22-Nov-2026", &t), 0);
	assert_int_equal((long long)t, T_2026 - (19 * 3600 + 62));
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		if (imap_date_parse(bad[i], &t) == 0)
			fail_msg("parsed a broken date: '%s'", bad[i]);
	}
}

static void
test_local_tz(void **state ATTR_UNUSED)
{
	/* POSIX TZ strings need no zoneinfo files; their sign is
	   inverted ("west of UTC is positive") */
	assert_int_equal(setenv("TZ", "UTC0", 1), 0);
	tzset();
	assert_int_equal(date_local_tz_offset((time_t)T_2026), 0);
	assert_int_equal(setenv("TZ", "IST-5:30", 1), 0);
	tzset();
	assert_int_equal(date_local_tz_offset((time_t)T_2026), 330);
	assert_int_equal(setenv("TZ", "XST3XDT,M3.2.0,M11.1.0", 1), 0);
	tzset();
	/* November 22 is after the switch back: standard time */
	assert_int_equal(date_local_tz_offset((time_t)T_2026), -180);
	/* July is daylight time */
	assert_int_equal(date_local_tz_offset((time_t)1783000000), -120);
	/* parsing and formatting ignore the local zone */
	time_t t;
	int tz;
	assert_int_equal(imap_date_parse("1-Jan-2000", &t), 0);
	assert_int_equal((long long)t, 946684800LL);
	assert_int_equal(rfc5322_date_parse("22 Nov 2026 19:01:02 +0000", &t,
					    &tz), 0);
	assert_int_equal((long long)t, T_2026);
	unsetenv("TZ");
	tzset();
}

static uint32_t
rnd(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* Mutated dates: the parsers must never crash or read past the end, and
   whatever they accept must be in range. */
static void
test_mutations(void **state ATTR_UNUSED)
{
	static const char *const seeds[] = {
		"Sun, 22 Nov 2026 20:01:02 +0100 (CET)",
		"22-Nov-2026 20:01:02 +0100",
		" 2-Nov-2026",
	};
	static const char noise[] = "0123456789 :-+(),\\AZaz\t";
	uint32_t seed = 4242;
	char buf[64];
	time_t t;
	int tz;

	for (int n = 0; n < 100000; n++) {
		const char *src = seeds[n % N_ELEMENTS(seeds)];
		size_t len = strlen(src);
		memcpy(buf, src, len + 1);
		for (int m = rnd(&seed) % 4; m >= 0; m--) {
			size_t pos = rnd(&seed) % len;
			buf[pos] = noise[rnd(&seed) % (sizeof(noise) - 1)];
		}
		buf[rnd(&seed) % (len + 1)] = '\0';
		if (rfc5322_date_parse(buf, &t, &tz) == 0)
			assert_true(abs(tz) <= DATE_TZ_LIMIT);
		if (imap_datetime_parse(buf, &t, &tz) == 0)
			assert_true(abs(tz) <= DATE_TZ_LIMIT);
		if (imap_date_parse(buf, &t) == 0)
			assert_int_equal(((long long)t % 86400 + 86400) % 86400,
					 0);
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
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_rfc5322_parse),
		cmocka_unit_test(test_rfc5322_broken),
		cmocka_unit_test(test_imap_datetime),
		cmocka_unit_test(test_imap_date),
		cmocka_unit_test(test_local_tz),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
