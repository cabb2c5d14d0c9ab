/*
 * chtime.c - civil time in named IANA zones, UTC conversions, ISO 8601.
 *
 * Zone conversions switch the TZ environment variable for the duration of
 * one call (setenv + tzset), then restore the previous value, holding one
 * process-wide mutex meanwhile, so two conversions never overlap (`run`
 * hosts each further network of a chat in a thread of its own, and a
 * SIGHUP there rebuilds that thread's plan).
 *
 * The environment itself stays safe for the other threads: main() calls
 * ch_tz_init() before any thread starts, so TZ is always present and a
 * switch only replaces its value in place (glibc keeps every value it
 * was given, and never moves the environment's array for a replacement).
 * A getenv() elsewhere (libcurl's proxy variables, the resolver) reads
 * the old or the new value, never freed memory; unsetenv() is never
 * called.
 *
 * What else could read the zone while it is switched does not:
 *  - `run`: the capture's prefetch worker (capture.c) reads no zone
 *    (xapi.c shows a rate limit's reset in UTC, log.c stamps lines in UTC),
 *    nor do the network threads outside these conversions, nor the board
 *    (board.c sends instants as epoch numbers; the page shows them);
 *  - `report`: the loader threads (report.c load_all) read and count, and
 *    are joined before the writers convert times to the chat's zone;
 *  - `watch` and a chat's welcome: the networks' threads and the alerts'
 *    (care.c, watchconf.c) convert only through these calls.
 */
#include "chtime.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ZONE_NAME_MAX 200

bool ch_tz_valid(const char *tz)
{
	const char *dir, *p;
	char path[1024];
	char magic[4];
	struct stat st;
	FILE *fp = NULL;
	bool ok = false;
	size_t len;

	if (!tz)
		goto cleanup;
	len = strlen(tz);
	if (len == 0 || len > ZONE_NAME_MAX || tz[0] == '/' || tz[0] == '.' ||
	    tz[len - 1] == '/' || strstr(tz, "..") || strstr(tz, "//"))
		goto cleanup;
	for (p = tz; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
			goto cleanup;
	}
	dir = getenv("TZDIR");
	if (!dir || !dir[0])
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, tz) >= sizeof path)
		goto cleanup;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		goto cleanup;
	fp = fopen(path, "rb");
	if (!fp)
		goto cleanup;
	if (fread(magic, 1, sizeof magic, fp) != sizeof magic)
		goto cleanup;
	ok = memcmp(magic, "TZif", 4) == 0;
cleanup:
	if (fp)
		fclose(fp);
	return ok;
}

/* Howard Hinnant's days_from_civil. */
long ch_days_from_civil(int y, int m, int d)
{
	long yy = (long)y - (m <= 2);
	long era = (yy >= 0 ? yy : yy - 399) / 400;
	long yoe = yy - era * 400;
	long mp = (m + 9) % 12;
	long doy = (153 * mp + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

int ch_weekday(int y, int m, int d)
{
	long days = ch_days_from_civil(y, m, d);
	long wd = (days + 4) % 7; /* 1970-01-01 was a Thursday */

	return (int)(wd < 0 ? wd + 7 : wd);
}

time_t ch_timegm(const struct tm *tm)
{
	long y = (long)tm->tm_year + 1900;
	long mon = tm->tm_mon;
	long days;

	/* normalise the month so out-of-range tm_mon still works */
	y += mon / 12;
	mon %= 12;
	if (mon < 0) {
		mon += 12;
		y--;
	}
	days = ch_days_from_civil((int)y, (int)mon + 1, 1) + tm->tm_mday - 1;
	return (time_t)days * 86400 + (time_t)tm->tm_hour * 3600 +
	       (time_t)tm->tm_min * 60 + tm->tm_sec;
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m == 2)
		return leap ? 29 : 28;
	return dim[m - 1];
}

static bool valid_date(int y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= days_in_month(y, m);
}

/* The saved TZ while a zone is switched in; owned by tz_enter/tz_leave. */
struct tz_saved {
	char *old; /* owned copy of the previous TZ (TZ_SYSTEM for unset) */
};

static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;

/* The system's zone spelled as TZ: what an unset TZ means to glibc. */
#define TZ_SYSTEM ":/etc/localtime"

void ch_tz_init(void)
{
	const char *tz = getenv("TZ");

	if (!tz)
		setenv("TZ", TZ_SYSTEM, 1);
	tzset();
}

static int tz_enter(const char *tz, struct tz_saved *sv)
{
	const char *old;

	pthread_mutex_lock(&tz_mu);
	old = getenv("TZ");
	sv->old = ch_xstrdup(old ? old : TZ_SYSTEM);
	if (setenv("TZ", tz, 1) != 0) {
		free(sv->old);
		sv->old = NULL;
		pthread_mutex_unlock(&tz_mu);
		return -1;
	}
	tzset();
	return 0;
}

/* Puts the previous zone back: a replacement, never an unsetenv (see the
 * top of this file). */
static void tz_leave(struct tz_saved *sv)
{
	setenv("TZ", sv->old, 1);
	tzset();
	free(sv->old);
	sv->old = NULL;
	pthread_mutex_unlock(&tz_mu);
}

/* Offset east of UTC (seconds) of instant t in the current TZ. */
static int offset_at(time_t t, long *off)
{
	struct tm lt;

	if (!localtime_r(&t, &lt))
		return -1;
	*off = (long)(ch_timegm(&lt) - t);
	return 0;
}

/* Does instant t show wall time W (seconds, wall clock read as UTC)? */
static bool shows_wall(time_t t, time_t wall)
{
	long off;

	return offset_at(t, &off) == 0 && t + off == wall;
}

int ch_local_to_utc(const char *tz, int y, int mo, int d, int h, int mi,
		    time_t *out, int *adjusted)
{
	struct tz_saved sv = {0};
	struct tm tm;
	time_t wall, cand[6], best = 0, t, lo, hi, mid;
	size_t nc = 0, i;
	int nfound = 0, isdst, rc = -1;
	bool entered = false, distinct = false;
	long off;

	if (adjusted)
		*adjusted = 0;
	if (!ch_tz_valid(tz) || !valid_date(y, mo, d) || h < 0 || h > 23 ||
	    mi < 0 || mi > 59)
		goto cleanup;
	if (tz_enter(tz, &sv) != 0)
		goto cleanup;
	entered = true;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	wall = ch_timegm(&tm);

	/* mktime with both DST flags (and "unknown"), each verified below */
	for (isdst = -1; isdst <= 1; isdst++) {
		struct tm probe = tm;

		probe.tm_isdst = isdst;
		t = mktime(&probe);
		if (t != (time_t)-1)
			cand[nc++] = t;
	}
	/* plus the offsets in force around that day, for zones whose
	 * offset changes are not DST changes */
	for (i = 0; i < 3; i++) {
		time_t probe_t = wall + ((time_t)i - 1) * 86400;

		if (offset_at(probe_t, &off) == 0)
			cand[nc++] = wall - off;
	}
	for (i = 0; i < nc; i++) {
		if (!shows_wall(cand[i], wall))
			continue;
		if (nfound == 0 || cand[i] < best)
			best = cand[i];
		nfound++;
	}
	for (i = 0; i < nc; i++) {
		if (cand[i] != best && shows_wall(cand[i], wall))
			distinct = true;
	}
	if (nfound > 0) {
		*out = best;
		if (adjusted && distinct)
			*adjusted = 2;
		rc = 0;
		goto cleanup;
	}

	/* A gap: find the transition T (the first instant whose wall clock
	 * is past W) and read W with the offset in force just before it. */
	lo = wall - 2 * 86400;
	hi = wall + 2 * 86400;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (offset_at(mid, &off) != 0)
			goto cleanup;
		if (mid + off > wall)
			hi = mid;
		else
			lo = mid;
	}
	if (offset_at(hi - 1, &off) != 0)
		goto cleanup;
	*out = wall - off;
	if (adjusted)
		*adjusted = 1;
	rc = 0;
cleanup:
	if (entered)
		tz_leave(&sv);
	return rc;
}

int ch_utc_to_local(const char *tz, time_t t, struct tm *out, long *offset)
{
	struct tz_saved sv = {0};
	int rc = -1;
	bool entered = false;

	if (!ch_tz_valid(tz))
		goto cleanup;
	if (tz_enter(tz, &sv) != 0)
		goto cleanup;
	entered = true;
	if (!localtime_r(&t, out))
		goto cleanup;
	if (offset)
		*offset = (long)(ch_timegm(out) - t);
	rc = 0;
cleanup:
	if (entered)
		tz_leave(&sv);
	return rc;
}

/* Reads exactly n digits at *p into *v and advances *p. */
static int digits(const char **p, int n, int *v)
{
	int i, x = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

static int parse_date_at(const char **p, int *y, int *m, int *d)
{
	if (digits(p, 4, y) || **p != '-')
		return -1;
	(*p)++;
	if (digits(p, 2, m) || **p != '-')
		return -1;
	(*p)++;
	if (digits(p, 2, d))
		return -1;
	return valid_date(*y, *m, *d) ? 0 : -1;
}

int ch_parse_date(const char *s, int *y, int *m, int *d)
{
	const char *p = s;
	int yy, mm, dd;

	if (!s || parse_date_at(&p, &yy, &mm, &dd) || *p)
		return -1;
	*y = yy;
	*m = mm;
	*d = dd;
	return 0;
}

int ch_parse_hhmm(const char *s, int *h, int *mi)
{
	const char *p = s;
	int hh, mm;

	if (!s)
		return -1;
	/* "H:MM" or "HH:MM" */
	if (isdigit((unsigned char)p[0]) && p[1] == ':') {
		if (digits(&p, 1, &hh))
			return -1;
	} else if (digits(&p, 2, &hh)) {
		return -1;
	}
	if (*p != ':')
		return -1;
	p++;
	if (digits(&p, 2, &mm) || *p)
		return -1;
	if (hh > 23 || mm > 59)
		return -1;
	*h = hh;
	*mi = mm;
	return 0;
}

static int two(const char *s, int *out)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

/* "Z", "+HH:MM", "+HHMM", "-HH:MM" at *pp: the offset in seconds. */
static int zone_at(const char **pp, long *off)
{
	const char *p = *pp;
	int oh, om, sign;

	if (*p == 'Z' || *p == 'z') {
		*off = 0;
		*pp = p + 1;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p == '-' ? -1 : 1;
	if (two(p + 1, &oh))
		return -1;
	p += 3;
	if (*p == ':')
		p++;
	if (two(p, &om) || oh > 23 || om > 59)
		return -1;
	*off = sign * (oh * 3600L + om * 60L);
	*pp = p + 2;
	return 0;
}

int ch_parse_time_ms(const char *s, bool need_seconds, long long *ms)
{
	const char *p;
	int y, mo, d, h, mi, sec = 0, frac = 0, n;
	long off;

	if (!s)
		return -1;
	p = s;
	if (parse_date_at(&p, &y, &mo, &d) ||
	    (*p != 'T' && *p != 't' && *p != ' ') || two(p + 1, &h) ||
	    p[3] != ':' || two(p + 4, &mi))
		return -1;
	p += 6;
	if (*p == ':') {
		if (two(p + 1, &sec))
			return -1;
		p += 3;
		if (*p == '.' || *p == ',') {
			p++;
			for (n = 0; *p >= '0' && *p <= '9'; p++, n++)
				if (n < 3)
					frac = frac * 10 + (*p - '0');
			if (n == 0)
				return -1;
			for (; n < 3; n++)
				frac *= 10;
		}
	} else if (need_seconds) {
		return -1;
	}
	if (h > 23 || mi > 59 || sec > 60 || zone_at(&p, &off) || *p)
		return -1;
	*ms = ((long long)ch_days_from_civil(y, mo, d) * 86400LL +
	       h * 3600LL + mi * 60LL + sec - off) * 1000LL + frac;
	return 0;
}

int ch_parse_iso8601(const char *s, time_t *out)
{
	long long ms;

	if (ch_parse_time_ms(s, false, &ms) < 0)
		return -1;
	*out = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	return 0;
}

void ch_format_utc(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (!size)
		return;
	if (!gmtime_r(&t, &tm) ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
}

void ch_format_time_ms(long long ms, char *buf, size_t size)
{
	long long sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	time_t t = (time_t)sec;
	struct tm tm;
	char base[24];

	if (!size)
		return;
	if (!gmtime_r(&t, &tm) ||
	    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, size, "%s.%03dZ", base, (int)(ms - sec * 1000));
}
