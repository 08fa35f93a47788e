/* SPDX-License-Identifier: MIT */
/*
 * RFC 5322 and IMAP dates (date.h). Parsing never trusts the input: every
 * number has a digit-count limit, every field a range check (including the
 * day of the month), and the conversion uses timegm() so that the local
 * timezone of the process plays no part.
 */
#include "lib.h"
#include "date.h"

/* "+9959" is the largest offset the 4-digit zone syntax can express */
#define DATE_TZ_MAX_MIN (99 * 60 + 59)

static const char *const month_names[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char *const weekday_names[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};

/* RFC 5322 §4.3 obsolete zones. Military zones and unknown names are not
   listed: §4.3 says to treat them as "-0000" (no information). */
static const struct {
	const char *name;
	int offset_min;
} zone_names[] = {
	{ "UT", 0 }, { "GMT", 0 }, { "UTC", 0 },
	{ "EST", -5 * 60 }, { "EDT", -4 * 60 }, { "CST", -6 * 60 },
	{ "CDT", -5 * 60 }, { "MST", -7 * 60 }, { "MDT", -6 * 60 },
	{ "PST", -8 * 60 }, { "PDT", -7 * 60 },
};

int
date_local_tz_offset(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

/* Broken-down wall clock time at t in the given zone. Out-of-range inputs
   are clamped rather than trusted (a corrupt index must not crash us). */
static void
local_tm(time_t t, int *tz_offset_min, struct tm *tm_r)
{
	time_t local;

	if (*tz_offset_min > DATE_TZ_MAX_MIN ||
	    *tz_offset_min < -DATE_TZ_MAX_MIN)
		*tz_offset_min = 0;
	if (__builtin_add_overflow(t, (time_t)*tz_offset_min * 60, &local) ||
	    gmtime_r(&local, tm_r) == NULL ||
	    tm_r->tm_year + 1900 > 9999 || tm_r->tm_year + 1900 < 0) {
		local = 0;
		*tz_offset_min = 0;
		gmtime_r(&local, tm_r);
	}
}

static void
tz_format(char *buf, size_t size, int tz_offset_min)
{
	int off = tz_offset_min < 0 ? -tz_offset_min : tz_offset_min;

	snprintf(buf, size, "%c%02d%02d", tz_offset_min < 0 ? '-' : '+',
		 off / 60, off % 60);
}

const char *
rfc5322_date_format(pool_t pool, time_t t, int tz_offset_min)
{
	struct tm tm;
	char tz[16];

	local_tm(t, &tz_offset_min, &tm);
	tz_format(tz, sizeof(tz), tz_offset_min);
	return p_strdup_printf(pool, "%s, %d %s %04d %02d:%02d:%02d %s",
			       weekday_names[tm.tm_wday], tm.tm_mday,
			       month_names[tm.tm_mon], tm.tm_year + 1900,
			       tm.tm_hour, tm.tm_min, tm.tm_sec, tz);
}

const char *
imap_datetime_format(pool_t pool, time_t t, int tz_offset_min)
{
	struct tm tm;
	char tz[16];

	local_tm(t, &tz_offset_min, &tm);
	tz_format(tz, sizeof(tz), tz_offset_min);
	return p_strdup_printf(pool, "%2d-%s-%04d %02d:%02d:%02d %s",
			       tm.tm_mday, month_names[tm.tm_mon],
			       tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
			       tm.tm_sec, tz);
}

/* --- a small tokenizer over the date text --- */

struct date_parser {
	const char *p;
};

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skip folding white space and (nested) comments, RFC 5322 §3.2.2. An
   unterminated comment swallows the rest, which then fails to parse. */
static void
skip_cfws(struct date_parser *dp)
{
	size_t depth = 0;

	for (; *dp->p != '\0'; dp->p++) {
		char c = *dp->p;
		if (depth > 0) {
			if (c == '\\' && dp->p[1] != '\0')
				dp->p++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			continue;
		}
		if (c == '(')
			depth = 1;
		else if (!is_wsp(c))
			break;
	}
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* min..max digits, and no digit may follow. */
static int
parse_num(struct date_parser *dp, unsigned int min_digits,
	  unsigned int max_digits, int *num_r)
{
	unsigned int n = 0;
	int num = 0;

	while (is_digit(*dp->p) && n < max_digits) {
		num = num * 10 + (*dp->p - '0');
		dp->p++;
		n++;
	}
	if (n < min_digits || is_digit(*dp->p))
		return -1;
	*num_r = num;
	return 0;
}

static size_t
word_len(const char *p)
{
	size_t len = 0;

	while ((p[len] >= 'a' && p[len] <= 'z') ||
	       (p[len] >= 'A' && p[len] <= 'Z'))
		len++;
	return len;
}

/* Index of a 3-letter name (case-insensitive), or -1. */
static int
name_lookup(const char *const *names, int count, const char *word,
	    size_t len)
{
	if (len != 3)
		return -1;
	for (int i = 0; i < count; i++) {
		if (strncasecmp(word, names[i], 3) == 0)
			return i;
	}
	return -1;
}

static int
parse_month(struct date_parser *dp, int *mon_r)
{
	size_t len = word_len(dp->p);

	*mon_r = name_lookup(month_names, 12, dp->p, len);
	if (*mon_r < 0)
		return -1;
	dp->p += len;
	return 0;
}

/* "+hhmm" / "-hhmm" */
static int
parse_numeric_zone(struct date_parser *dp, int *tz_r)
{
	int sign = *dp->p == '-' ? -1 : 1;
	int hhmm;

	dp->p++;
	if (parse_num(dp, 4, 4, &hhmm) < 0 || hhmm % 100 >= 60)
		return -1;
	*tz_r = sign * ((hhmm / 100) * 60 + hhmm % 100);
	return 0;
}

static int
parse_zone(struct date_parser *dp, int *tz_r)
{
	skip_cfws(dp);
	if (*dp->p == '+' || *dp->p == '-')
		return parse_numeric_zone(dp, tz_r);

	size_t len = word_len(dp->p);
	*tz_r = 0;	/* a missing, military or unknown zone: -0000 */
	for (size_t i = 0; i < N_ELEMENTS(zone_names); i++) {
		if (strlen(zone_names[i].name) == len &&
		    strncasecmp(dp->p, zone_names[i].name, len) == 0) {
			*tz_r = zone_names[i].offset_min;
			break;
		}
	}
	dp->p += len;
	return 0;
}

static bool
is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
days_in_month(int year, int mon)
{
	static const int days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	return mon == 1 && is_leap_year(year) ? 29 : days[mon];
}

static int
make_time(const struct tm *fields, int tz, time_t *time_r)
{
	struct tm tm = *fields;
	int year = tm.tm_year;

	if (year < 1900 || year > 9999 || tm.tm_mon < 0 || tm.tm_mon > 11 ||
	    tm.tm_mday < 1 || tm.tm_mday > days_in_month(year, tm.tm_mon) ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	if (tm.tm_sec == 60)
		tm.tm_sec = 59;	/* leap second: stay in the minute */
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*time_r = t - (time_t)tz * 60;
	return 0;
}

/* Optional "Day ," at the start; the name must be a real weekday (we do
   not insist that it matches the date, as RFC 5322 only says SHOULD). */
static int
parse_weekday(struct date_parser *dp)
{
	size_t len = word_len(dp->p);

	if (len == 0)
		return 0;
	if (name_lookup(weekday_names, 7, dp->p, len) < 0)
		return -1;
	dp->p += len;
	skip_cfws(dp);
	if (*dp->p != ',')
		return -1;
	dp->p++;
	skip_cfws(dp);
	return 0;
}

/* day month year, with 2- and 3-digit years per RFC 5322 §4.3. Also takes
   '-' between the parts, as some old mailers wrote. */
static int
parse_rfc5322_day(struct date_parser *dp, struct tm *tm)
{
	if (parse_num(dp, 1, 2, &tm->tm_mday) < 0)
		return -1;
	skip_cfws(dp);
	if (*dp->p == '-')
		dp->p++;
	if (parse_month(dp, &tm->tm_mon) < 0)
		return -1;
	skip_cfws(dp);
	if (*dp->p == '-')
		dp->p++;
	const char *ystart = dp->p;
	if (parse_num(dp, 2, 4, &tm->tm_year) < 0)
		return -1;
	if (dp->p - ystart == 2)
		tm->tm_year += tm->tm_year < 50 ? 2000 : 1900;
	else if (dp->p - ystart == 3)
		tm->tm_year += 1900;
	return 0;
}

/* hh:mm[:ss], comments and spaces allowed around ':' (obs-time). */
static int
parse_rfc5322_time(struct date_parser *dp, struct tm *tm)
{
	skip_cfws(dp);
	if (parse_num(dp, 1, 2, &tm->tm_hour) < 0)
		return -1;
	skip_cfws(dp);
	if (*dp->p++ != ':')
		return -1;
	skip_cfws(dp);
	if (parse_num(dp, 1, 2, &tm->tm_min) < 0)
		return -1;
	skip_cfws(dp);
	if (*dp->p == ':') {
		dp->p++;
		skip_cfws(dp);
		if (parse_num(dp, 1, 2, &tm->tm_sec) < 0)
			return -1;
	}
	return 0;
}

int
rfc5322_date_parse(const char *str, time_t *time_r, int *tz_offset_min_r)
{
	struct date_parser dp = { .p = str };
	struct tm tm;
	int tz;

	memset(&tm, 0, sizeof(tm));
	skip_cfws(&dp);
	if (parse_weekday(&dp) < 0 || parse_rfc5322_day(&dp, &tm) < 0 ||
	    parse_rfc5322_time(&dp, &tm) < 0 || parse_zone(&dp, &tz) < 0)
		return -1;
	/* whatever follows the zone is ignored, as real mailers append
	   zone names and other notes ("+0100 (CET)", "-0500 EST") */
	if (make_time(&tm, tz, time_r) < 0)
		return -1;
	*tz_offset_min_r = tz;
	return 0;
}

/* date-day-fixed "-" date-month "-" date-year (RFC 3501 §9); also a plain
   1-digit day. With allow_space, " 2" is the fixed form of day 2. */
static int
parse_imap_date(struct date_parser *dp, struct tm *tm, bool allow_space)
{
	if (allow_space && *dp->p == ' ') {
		dp->p++;
		if (parse_num(dp, 1, 1, &tm->tm_mday) < 0)
			return -1;
	} else if (parse_num(dp, 1, 2, &tm->tm_mday) < 0) {
		return -1;
	}
	if (*dp->p++ != '-')
		return -1;
	if (word_len(dp->p) != 3 || parse_month(dp, &tm->tm_mon) < 0)
		return -1;
	if (*dp->p++ != '-' || parse_num(dp, 4, 4, &tm->tm_year) < 0)
		return -1;
	return 0;
}

int
imap_datetime_parse(const char *str, time_t *time_r, int *tz_offset_min_r)
{
	struct date_parser dp = { .p = str };
	struct tm tm;
	int tz;

	memset(&tm, 0, sizeof(tm));
	if (parse_imap_date(&dp, &tm, true) < 0)
		return -1;
	if (*dp.p++ != ' ' || parse_num(&dp, 2, 2, &tm.tm_hour) < 0 ||
	    *dp.p++ != ':' || parse_num(&dp, 2, 2, &tm.tm_min) < 0 ||
	    *dp.p++ != ':' || parse_num(&dp, 2, 2, &tm.tm_sec) < 0 ||
	    *dp.p++ != ' ')
		return -1;
	if ((*dp.p != '+' && *dp.p != '-') ||
	    parse_numeric_zone(&dp, &tz) < 0 || *dp.p != '\0')
		return -1;
	if (make_time(&tm, tz, time_r) < 0)
		return -1;
	*tz_offset_min_r = tz;
	return 0;
}

int
imap_date_parse(const char *str, time_t *time_r)
{
	struct date_parser dp = { .p = str };
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (parse_imap_date(&dp, &tm, false) < 0 || *dp.p != '\0')
		return -1;
	return make_time(&tm, 0, time_r);
}
