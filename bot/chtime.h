/*
 * chtime.h - civil time in a named IANA time zone, UTC conversions and
 * ISO 8601 parsing/formatting. Nothing here allocates.
 *
 * Local-time rule for DST transitions (documented in chathost.conf(5)):
 *  - a local time that does not exist (the clocks jump over it, e.g. 02:30
 *    on a spring-forward night) is moved forward by the length of the gap
 *    (02:30 becomes 03:30 new time): the chat happens as soon as the wall
 *    clock passes the time it would have shown;
 *  - a local time that exists twice (fall-back night) is the first of the
 *    two (the earlier instant, still on daylight time).
 */
#ifndef CHATHOST_CHTIME_H
#define CHATHOST_CHTIME_H

#include <stdbool.h>
#include <time.h>

#include "common.h"

/* Makes TZ present in the environment (the system's zone, as glibc reads
 * an unset TZ, when it is unset; an empty TZ is UTC and is kept), so that the zone conversions
 * below only ever replace its value. Call it once, before any thread
 * starts (main() does). */
void ch_tz_init(void);

/* true if tz names a zone in the tz database (a file under
 * /usr/share/zoneinfo or $TZDIR that is a TZif file). */
bool ch_tz_valid(const char *tz);

/* Days since 1970-01-01 of a proleptic Gregorian date (no time zone). */
long ch_days_from_civil(int y, int m, int d);
/* Weekday of a date, 0 = Sunday .. 6 = Saturday. */
int ch_weekday(int y, int m, int d);
/* UTC broken-down time -> epoch seconds (a portable timegm). */
time_t ch_timegm(const struct tm *tm);

/* Local wall time (y-m-d h:mi) in zone tz -> instant, with the DST rule
 * above. Sets *adjusted (may be NULL) to 1 if the time fell into a gap,
 * 2 if it was ambiguous, 0 otherwise. Returns 0, or -1 on error. */
int ch_local_to_utc(const char *tz, int y, int mo, int d, int h, int mi,
		    time_t *out, int *adjusted);
/* Instant -> local broken-down time in zone tz (tm_gmtoff-free: the
 * offset east of UTC in seconds goes to *offset, which may be NULL). */
int ch_utc_to_local(const char *tz, time_t t, struct tm *out, long *offset);

/* Parses "YYYY-MM-DD" (a real calendar date). Returns 0 or -1. */
int ch_parse_date(const char *s, int *y, int *m, int *d);
/* Parses "HH:MM" (00:00..23:59). Returns 0 or -1. */
int ch_parse_hhmm(const char *s, int *h, int *mi);
/* The one ISO 8601 parser: "YYYY-MM-DD(T| )HH:MM[:SS[.fff...]]" and a
 * zone, "Z", "+HH:MM", "+HHMM" or "-HH:MM" (required: a time without one
 * is ambiguous), to ms since the epoch (the fraction's first 3 digits).
 * need_seconds: ":SS" is required too (a log's created_at). Allocation-
 * free and fast (the report reads millions). Returns 0 or -1. */
int ch_parse_time_ms(const char *s, bool need_seconds, long long *ms);
/* ch_parse_time_ms to whole seconds (rounded down). Returns 0 or -1. */
int ch_parse_iso8601(const char *s, time_t *out);
/* The one millisecond formatter: ms since the epoch as
 * "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (>= 25 bytes). */
void ch_format_time_ms(long long ms, char *buf, size_t size);
/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). */
void ch_format_utc(time_t t, char *buf, size_t size);

#endif
