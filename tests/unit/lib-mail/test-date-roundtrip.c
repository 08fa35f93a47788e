/* SPDX-License-Identifier: MIT */
/*
 * Property test (issue 5): parse(serialize(x)) == x for Date: header
 * values (RFC 5322) and IMAP date-times, over generated times and zones,
 * and serialize(parse(s)) == s for the serialized forms. Addresses have
 * the same property test in test-message-address.c.
 */
#include "lib.h"
#include "date.h"

#include <setjmp.h>
#include <cmocka.h>

#define CASES 20000

static pool_t pool;

static uint64_t
rnd(uint64_t *state)
{
	/* splitmix64: deterministic, so a failure is reproducible */
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
gen(uint64_t *state, time_t *t_r, int *tz_r)
{
	/* 1970..9999 and zones -12:00..+14:00 in quarter hours */
	*t_r = (time_t)(rnd(state) % 253402300800ULL);
	*tz_r = (int)(rnd(state) % 105) * 15 - 12 * 60;
}

static void
test_rfc5322_roundtrip(void **state ATTR_UNUSED)
{
	uint64_t seed = 1;

	for (unsigned int i = 0; i < CASES; i++) {
		time_t t, t2;
		int tz, tz2;
		const char *s, *s2;

		gen(&seed, &t, &tz);
		s = rfc5322_date_format(pool, t, tz);
		assert_int_equal(rfc5322_date_parse(s, &t2, &tz2), 0);
		if (t2 != t || tz2 != tz)
			fail_msg("%s: %lld %d -> %lld %d", s, (long long)t, tz,
				 (long long)t2, tz2);
		s2 = rfc5322_date_format(pool, t2, tz2);
		assert_string_equal(s, s2);
		pool_clear(pool);
	}
}

static void
test_imap_datetime_roundtrip(void **state ATTR_UNUSED)
{
	uint64_t seed = 2;

	for (unsigned int i = 0; i < CASES; i++) {
		time_t t, t2;
		int tz, tz2;
		const char *s;

		gen(&seed, &t, &tz);
		s = imap_datetime_format(pool, t, tz);
		assert_int_equal(imap_datetime_parse(s, &t2, &tz2), 0);
		if (t2 != t || tz2 != tz)
			fail_msg("%s: %lld %d -> %lld %d", s, (long long)t, tz,
				 (long long)t2, tz2);
		assert_string_equal(s, imap_datetime_format(pool, t2, tz2));
		pool_clear(pool);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5322_roundtrip),
		cmocka_unit_test(test_imap_datetime_roundtrip),
	};
	int ret;

	pool = pool_create_arena("date", 4096);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	pool_destroy(&pool);
	return ret;
}
