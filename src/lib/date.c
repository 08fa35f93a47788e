/* SPDX-License-Identifier: MIT */
/* RFC 5322 and IMAP dates (date.h). */
#include "lib.h"
#include "date.h"

static const char *const month_names[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char *const weekday_names[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};

/* RFC 5322 §4.3 obsolete zones; military zones are treated as -0000. */
static const struct {
	const char *name;
	int offset_min;
} zone_names[] = {
	{ "UT", 0 }, { "GMT", 0 }, { "UTC", 0 }, { "Z", 0 },
	{ "EST", -5 * 60 }, { "EDT", -4 * 60 }, { "CST", -6 * 60 },
	{ "CDT", -5 * 60 }, { "MST", -7 * 60 }, { "MDT", -6 * 60 },
	{ "PST", -8 * 60 }, { "PDT", -7 * 60 },
};

int
date_local_tz_offset(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return (int)(tm.tm_gmtoff / 60);
}

static void
tz_format(char *buf, size_t size, int tz_offset_min)
{
	int off = tz_offset_min < 0 ? -tz_offset_min : tz_offset_min;

	snprintf(buf, size, "%c%02d%02d", tz_offset_min < 0 ? '-' : '+',
		 (off / 60) % 100, off % 60);
}

const char *
rfc5322_date_format(pool_t pool, time_t t, int tz_offset_min)
{
	time_t local = t + (time_t)tz_offset_min * 60;
	struct tm tm;
	char tz[8];

	gmtime_r(&local, &tm);
	tz_format(tz, sizeof(tz), tz_offset_min);
	return p_strdup_printf(pool, "%s, %d %s %04d %02d:%02d:%02d %s",
			       weekday_names[tm.tm_wday], tm.tm_mday,
			       month_names[tm.tm_mon], tm.tm_year + 1900,
			       tm.tm_hour, tm.tm_min, tm.tm_sec, tz);
}

const char *
imap_datetime_format(pool_t pool, time_t t, int tz_offset_min)
{
	time_t local = t + (time_t)tz_offset_min * 60;
	struct tm tm;
	char tz[8];

	gmtime_r(&local, &tm);
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

static void
skip_cfws(struct date_parser *dp)
{
	int depth = 0;

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
		else if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			break;
	}
}

static int
parse_num(struct date_parser *dp, unsigned int min_digits,
	  unsigned int max_digits, int *num_r)
{
	unsigned int n = 0;
	int num = 0;

	while (*dp->p >= '0' && *dp->p <= '9' && n < max_digits) {
		num = num * 10 + (*dp->p - '0');
		dp->p++;
		n++;
	}
	if (n < min_digits || (*dp->p >= '0' && *dp->p <= '9'))
		return -1;
	*num_r = num;
	return 0;
}

static int
parse_month(const char *name, size_t len)
{
	if (len < 3)
		return -1;
	for (int i = 0; i < 12; i++) {
		if (strncasecmp(name, month_names[i], 3) == 0)
			return i;
	}
	return -1;
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

static int
parse_zone(struct date_parser *dp, int *tz_r)
{
	int hhmm;

	skip_cfws(dp);
	if (*dp->p == '+' || *dp->p == '-') {
		int sign = *dp->p == '-' ? -1 : 1;
		dp->p++;
		if (parse_num(dp, 4, 4, &hhmm) < 0 || hhmm % 100 >= 60)
			return -1;
		*tz_r = sign * ((hhmm / 100) * 60 + hhmm % 100);
		return 0;
	}
	size_t len = word_len(dp->p);
	if (len == 0) {
		*tz_r = 0;	/* missing zone: assume UTC */
		return 0;
	}
	for (size_t i = 0; i < N_ELEMENTS(zone_names); i++) {
		if (strlen(zone_names[i].name) == len &&
		    strncasecmp(dp->p, zone_names[i].name, len) == 0) {
			*tz_r = zone_names[i].offset_min;
			dp->p += len;
			return 0;
		}
	}
	*tz_r = 0;	/* military and unknown zones: -0000 */
	dp->p += len;
	return 0;
}

static int
make_time(int year, int mon, int day, int hour, int min, int sec, int tz,
	  time_t *time_r)
{
	struct tm tm;

	if (day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 ||
	    year < 1900 || year > 9999)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec == 60 ? 59 : sec;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*time_r = t - (time_t)tz * 60;
	return 0;
}

int
rfc5322_date_parse(const char *str, time_t *time_r, int *tz_offset_min_r)
{
	struct date_parser dp = { .p = str };
	int day, mon, year, hour, min, sec = 0, tz;

	skip_cfws(&dp);
	size_t len = word_len(dp.p);
	if (len > 0) {
		/* optional day-of-week: any word followed by ',' */
		dp.p += len;
		skip_cfws(&dp);
		if (*dp.p == ',')
			dp.p++;
		skip_cfws(&dp);
	}
	if (parse_num(&dp, 1, 2, &day) < 0)
		return -1;
	skip_cfws(&dp);
	if (*dp.p == '-')
		dp.p++;
	len = word_len(dp.p);
	if ((mon = parse_month(dp.p, len)) < 0)
		return -1;
	dp.p += len;
	skip_cfws(&dp);
	if (*dp.p == '-')
		dp.p++;
	const char *ystart = dp.p;
	if (parse_num(&dp, 2, 4, &year) < 0)
		return -1;
	if (dp.p - ystart == 2)
		year += year < 50 ? 2000 : 1900;
	else if (dp.p - ystart == 3)
		year += 1900;
	skip_cfws(&dp);
	if (parse_num(&dp, 1, 2, &hour) < 0)
		return -1;
	skip_cfws(&dp);
	if (*dp.p++ != ':')
		return -1;
	skip_cfws(&dp);
	if (parse_num(&dp, 1, 2, &min) < 0)
		return -1;
	skip_cfws(&dp);
	if (*dp.p == ':') {
		dp.p++;
		skip_cfws(&dp);
		if (parse_num(&dp, 1, 2, &sec) < 0)
			return -1;
	}
	if (parse_zone(&dp, &tz) < 0)
		return -1;
	if (make_time(year, mon, day, hour, min, sec, tz, time_r) < 0)
		return -1;
	*tz_offset_min_r = tz;
	return 0;
}

int
imap_datetime_parse(const char *str, time_t *time_r, int *tz_offset_min_r)
{
	struct date_parser dp = { .p = str };
	int day, mon, year, hour, min, sec, tz;

	if (*dp.p == ' ')
		dp.p++;
	if (parse_num(&dp, 1, 2, &day) < 0 || *dp.p++ != '-')
		return -1;
	if (word_len(dp.p) != 3 || (mon = parse_month(dp.p, 3)) < 0)
		return -1;
	dp.p += 3;
	if (*dp.p++ != '-' || parse_num(&dp, 4, 4, &year) < 0 ||
	    *dp.p++ != ' ' || parse_num(&dp, 2, 2, &hour) < 0 ||
	    *dp.p++ != ':' || parse_num(&dp, 2, 2, &min) < 0 ||
	    *dp.p++ != ':' || parse_num(&dp, 2, 2, &sec) < 0 ||
	    *dp.p++ != ' ')
		return -1;
	if (*dp.p != '+' && *dp.p != '-')
		return -1;
	if (parse_zone(&dp, &tz) < 0 || *dp.p != '\0')
		return -1;
	if (make_time(year, mon, day, hour, min, sec, tz, time_r) < 0)
		return -1;
	*tz_offset_min_r = tz;
	return 0;
}

int
imap_date_parse(const char *str, time_t *time_r)
{
	struct date_parser dp = { .p = str };
	int day, mon, year;

	if (parse_num(&dp, 1, 2, &day) < 0 || *dp.p++ != '-')
		return -1;
	if (word_len(dp.p) != 3 || (mon = parse_month(dp.p, 3)) < 0)
		return -1;
	dp.p += 3;
	if (*dp.p++ != '-' || parse_num(&dp, 4, 4, &year) < 0 ||
	    *dp.p != '\0')
		return -1;
	return make_time(year, mon, day, 0, 0, 0, 0, time_r);
}
