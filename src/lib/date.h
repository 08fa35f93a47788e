/* SPDX-License-Identifier: MIT */
/*
 * Dates: RFC 5322 (Date: headers) and IMAP (INTERNALDATE date-time and
 * SEARCH date) formatting and parsing. Times are time_t (UTC seconds) plus
 * a timezone offset in minutes east of UTC.
 */
#ifndef ROOST_DATE_H
#define ROOST_DATE_H

#include <time.h>

/* "Sun, 22 Nov 2026 20:01:02 +0100". Returned string is from pool. An
   offset beyond +-99:59 is taken as +0000, and a t outside the years
   0..9999 as the epoch: corrupt stored values are not trusted. */
const char *rfc5322_date_format(pool_t pool, time_t t, int tz_offset_min);
/* Accepts RFC 5322 with the obsolete forms (optional weekday and seconds,
   2- and 3-digit years, named zones UT/GMT/EST..., military and unknown
   zones as -0000, comments and extra whitespace). Fields are range-checked
   (31 Apr and 29 Feb 2023 are rejected; a weekday must be a real name but
   need not match); text after the zone is ignored. A missing zone is
   -0000. 0 on success, -1 if unparsable. */
int rfc5322_date_parse(const char *str, time_t *time_r, int *tz_offset_min_r)
	ATTR_NODISCARD;

/* IMAP date-time: "22-Nov-2026 20:01:02 +0100" (RFC 3501 §9, day padded
   with a space: " 2-Nov-2026 ..."). */
const char *imap_datetime_format(pool_t pool, time_t t, int tz_offset_min);
/* Accepts a space- or 0-padded day or a 1-digit day; 0 or -1. */
int imap_datetime_parse(const char *str, time_t *time_r, int *tz_offset_min_r)
	ATTR_NODISCARD;
/* IMAP date (SEARCH BEFORE/ON/SINCE): "22-Nov-2026" -> midnight UTC of that
   day in *time_r. */
int imap_date_parse(const char *str, time_t *time_r) ATTR_NODISCARD;

/* Local timezone offset in minutes at t. */
int date_local_tz_offset(time_t t);

#endif
