/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the date parsers (src/lib/date.h): rfc5322_date_parse(),
 * imap_datetime_parse() and imap_date_parse() on the input (up to its
 * first NUL), with round-trip properties:
 *  - an accepted RFC 5322 date, formatted again with rfc5322_date_format(),
 *    parses back to the same time and zone (same for IMAP date-time);
 *  - an accepted IMAP date is midnight UTC and its formatted date-time
 *    parses back;
 *  - every accepted zone is within +-99:59.
 */
#include "lib.h"
#include "date.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT 1024
#define TZ_MAX_MIN (99 * 60 + 59)

static void
check_rfc5322(pool_t pool, const char *str)
{
	time_t t, t2;
	int tz, tz2;

	if (rfc5322_date_parse(str, &t, &tz) < 0)
		return;
	fuzz_check(tz >= -TZ_MAX_MIN && tz <= TZ_MAX_MIN);
	const char *again = rfc5322_date_format(pool, t, tz);
	if (rfc5322_date_parse(again, &t2, &tz2) < 0)
		fuzz_fail("formatted date does not parse: \"%s\"", again);
	if (t2 != t || tz2 != tz)
		fuzz_fail("rfc5322 round trip: \"%s\" -> \"%s\"", str, again);
	/* the same instant as an IMAP date-time */
	again = imap_datetime_format(pool, t, tz);
	if (imap_datetime_parse(again, &t2, &tz2) < 0 || t2 != t || tz2 != tz)
		fuzz_fail("imap date-time round trip: \"%s\"", again);
}

static void
check_imap_datetime(pool_t pool, const char *str)
{
	time_t t, t2;
	int tz, tz2;

	if (imap_datetime_parse(str, &t, &tz) < 0)
		return;
	fuzz_check(tz >= -TZ_MAX_MIN && tz <= TZ_MAX_MIN);
	const char *again = imap_datetime_format(pool, t, tz);
	if (imap_datetime_parse(again, &t2, &tz2) < 0 || t2 != t || tz2 != tz)
		fuzz_fail("imap date-time round trip: \"%s\" -> \"%s\"",
			  str, again);
}

static void
check_imap_date(pool_t pool, const char *str)
{
	time_t t, t2;
	int tz2;

	if (imap_date_parse(str, &t) < 0)
		return;
	fuzz_check(t % 86400 == 0);
	const char *again = imap_datetime_format(pool, t, 0);
	if (imap_datetime_parse(again, &t2, &tz2) < 0 || t2 != t || tz2 != 0)
		fuzz_fail("imap date: \"%s\" -> \"%s\"", str, again);
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-date");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;

	pool_t pool = pool_create_arena("fuzz date", 256);
	char *str = fuzz_strndup(data, size);

	check_rfc5322(pool, str);
	check_imap_datetime(pool, str);
	check_imap_date(pool, str);
	xfree(str);
	pool_destroy(&pool);
	return 0;
}
