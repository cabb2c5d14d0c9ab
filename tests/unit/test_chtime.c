/* test_chtime.c - civil time, DST rule, ISO 8601 (bot/chtime.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chtime.h"

static time_t iso(const char *s)
{
	time_t t = 0;

	ck_assert_msg(ch_parse_iso8601(s, &t) == 0, "cannot parse %s", s);
	return t;
}

static void expect_local(const char *tz, int y, int mo, int d, int h, int mi,
			 const char *want_utc, int want_adj)
{
	time_t t = 0;
	int adj = -1;
	char buf[32];

	ck_assert_int_eq(ch_local_to_utc(tz, y, mo, d, h, mi, &t, &adj), 0);
	ch_format_utc(t, buf, sizeof buf);
	ck_assert_msg(strcmp(buf, want_utc) == 0,
		      "%s %04d-%02d-%02d %02d:%02d -> %s, want %s", tz, y, mo,
		      d, h, mi, buf, want_utc);
	ck_assert_int_eq(adj, want_adj);
}

START_TEST(test_days_weekday_timegm)
{
	struct tm tm;
	time_t t;

	ck_assert_int_eq(ch_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(ch_days_from_civil(2000, 3, 1), 11017);
	ck_assert_int_eq(ch_days_from_civil(1969, 12, 31), -1);
	ck_assert_int_eq(ch_weekday(1970, 1, 1), 4);
	ck_assert_int_eq(ch_weekday(2026, 12, 1), 2);  /* a Tuesday */
	ck_assert_int_eq(ch_weekday(2026, 3, 8), 0);   /* a Sunday */
	ck_assert_int_eq(ch_weekday(1969, 12, 28), 0);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 1;
	tm.tm_mday = 28;
	tm.tm_hour = 23;
	tm.tm_min = 59;
	tm.tm_sec = 59;
	t = ch_timegm(&tm);
	ck_assert_int_eq((long long)t, 1772323199LL);
	/* month overflow normalises */
	tm.tm_mon = 13; /* Feb of the next year */
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	ck_assert_int_eq((long long)ch_timegm(&tm), (long long)iso("2027-02-01T00:00:00Z"));
	/* every day of 2024..2028 agrees with gmtime_r */
	for (t = iso("2024-01-01T00:00:00Z"); t < iso("2029-01-01T00:00:00Z");
	     t += 86400 + 3601) {
		struct tm g;

		gmtime_r(&t, &g);
		ck_assert_int_eq((long long)ch_timegm(&g), (long long)t);
		ck_assert_int_eq(ch_weekday(g.tm_year + 1900, g.tm_mon + 1,
					    g.tm_mday), g.tm_wday);
	}
}
END_TEST

START_TEST(test_tz_valid)
{
	ck_assert(ch_tz_valid("America/New_York"));
	ck_assert(ch_tz_valid("Europe/London"));
	ck_assert(ch_tz_valid("Australia/Sydney"));
	ck_assert(ch_tz_valid("Asia/Kolkata"));
	ck_assert(ch_tz_valid("UTC"));
	ck_assert(!ch_tz_valid("America/Nowhere"));
	ck_assert(!ch_tz_valid("America"));         /* a folder */
	ck_assert(!ch_tz_valid(""));
	ck_assert(!ch_tz_valid(NULL));
	ck_assert(!ch_tz_valid("/etc/passwd"));
	ck_assert(!ch_tz_valid("../../../etc/passwd"));
	ck_assert(!ch_tz_valid("America/../Europe/London"));
	ck_assert(!ch_tz_valid("America/New York"));
	ck_assert(!ch_tz_valid("EST5EDT,M3.2.0,M11.1.0")); /* POSIX rule */
}
END_TEST

START_TEST(test_tz_dir_not_tzif)
{
	char dir[] = "/tmp/ch_tzdir_XXXXXX";
	char path[256];
	const char *old = getenv("TZDIR");
	char *saved = old ? strdup(old) : NULL;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/Fake", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("not a zone file\n", fp);
	fclose(fp);
	snprintf(path, sizeof path, "%s/Real", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("TZif2...", fp);
	fclose(fp);
	setenv("TZDIR", dir, 1);
	ck_assert(!ch_tz_valid("Fake"));
	ck_assert(ch_tz_valid("Real"));
	ck_assert(!ch_tz_valid("America/New_York"));
	if (saved)
		setenv("TZDIR", saved, 1);
	else
		unsetenv("TZDIR");
	free(saved);
	snprintf(path, sizeof path, "%s/Fake", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/Real", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_new_york)
{
	expect_local("America/New_York", 2026, 3, 3, 13, 0,
		     "2026-03-03T18:00:00Z", 0);
	expect_local("America/New_York", 2026, 3, 10, 13, 0,
		     "2026-03-10T17:00:00Z", 0);
	expect_local("America/New_York", 2026, 11, 3, 13, 0,
		     "2026-11-03T18:00:00Z", 0);
	/* gap: 02:30 does not exist on 2026-03-08 -> 03:30 EDT */
	expect_local("America/New_York", 2026, 3, 8, 2, 30,
		     "2026-03-08T07:30:00Z", 1);
	expect_local("America/New_York", 2026, 3, 8, 2, 0,
		     "2026-03-08T07:00:00Z", 1);
	expect_local("America/New_York", 2026, 3, 8, 1, 59,
		     "2026-03-08T06:59:00Z", 0);
	expect_local("America/New_York", 2026, 3, 8, 3, 0,
		     "2026-03-08T07:00:00Z", 0);
	/* overlap: 01:30 exists twice on 2026-11-01 -> the first (EDT) */
	expect_local("America/New_York", 2026, 11, 1, 1, 30,
		     "2026-11-01T05:30:00Z", 2);
	expect_local("America/New_York", 2026, 11, 1, 0, 59,
		     "2026-11-01T04:59:00Z", 0);
	expect_local("America/New_York", 2026, 11, 1, 2, 0,
		     "2026-11-01T07:00:00Z", 0);
}
END_TEST

START_TEST(test_london_sydney_kolkata_utc)
{
	expect_local("Europe/London", 2026, 3, 29, 1, 30,
		     "2026-03-29T01:30:00Z", 1); /* gap 01:00-02:00 */
	expect_local("Europe/London", 2026, 10, 25, 1, 30,
		     "2026-10-25T00:30:00Z", 2); /* first: BST */
	expect_local("Europe/London", 2026, 7, 1, 13, 0,
		     "2026-07-01T12:00:00Z", 0);
	expect_local("Europe/London", 2026, 12, 1, 13, 0,
		     "2026-12-01T13:00:00Z", 0);
	/* southern hemisphere: DST in the (northern) winter */
	expect_local("Australia/Sydney", 2026, 10, 4, 2, 30,
		     "2026-10-03T16:30:00Z", 1); /* 03:30 AEDT */
	expect_local("Australia/Sydney", 2026, 4, 5, 2, 30,
		     "2026-04-04T15:30:00Z", 2); /* first: AEDT */
	expect_local("Australia/Sydney", 2026, 1, 13, 13, 0,
		     "2026-01-13T02:00:00Z", 0);
	expect_local("Australia/Sydney", 2026, 7, 14, 13, 0,
		     "2026-07-14T03:00:00Z", 0);
	expect_local("Asia/Kolkata", 2026, 3, 8, 2, 30,
		     "2026-03-07T21:00:00Z", 0);
	expect_local("Asia/Kolkata", 2026, 12, 1, 13, 0,
		     "2026-12-01T07:30:00Z", 0);
	expect_local("UTC", 2026, 3, 8, 2, 30, "2026-03-08T02:30:00Z", 0);
	expect_local("UTC", 2028, 2, 29, 23, 59, "2028-02-29T23:59:00Z", 0);
}
END_TEST

START_TEST(test_gap_at_midnight)
{
	/* Havana springs forward at 00:00 -> 01:00 on 2026-03-08 */
	expect_local("America/Havana", 2026, 3, 8, 0, 30,
		     "2026-03-08T05:30:00Z", 1);
	expect_local("America/Havana", 2026, 3, 8, 0, 0,
		     "2026-03-08T05:00:00Z", 1);
	expect_local("America/Havana", 2026, 3, 7, 23, 59,
		     "2026-03-08T04:59:00Z", 0);
	/* Santiago springs forward at 24:00 on 2026-09-05 */
	expect_local("America/Santiago", 2026, 9, 6, 0, 30,
		     "2026-09-06T04:30:00Z", 1);
	/* Santiago falls back at 24:00 -> 23:00 on 2026-04-04: 23:30 twice */
	expect_local("America/Santiago", 2026, 4, 4, 23, 30,
		     "2026-04-05T02:30:00Z", 2);
}
END_TEST

START_TEST(test_tz_restored)
{
	time_t t;
	const char *now;

	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	ck_assert_int_eq(ch_local_to_utc("America/New_York", 2026, 1, 1, 0, 0,
					 &t, NULL), 0);
	now = getenv("TZ");
	ck_assert_ptr_nonnull(now);
	ck_assert_str_eq(now, "Asia/Tokyo");
}
END_TEST

/* An unset TZ becomes the system's zone, present in the environment, and
 * a conversion only replaces the value: the environment's array never
 * moves under another thread's getenv(), and the local zone is the same. */
START_TEST(test_tz_init_in_place)
{
	extern char **environ;
	char **env0;
	struct tm a, b;
	time_t t = 1790000000, u;
	int i;

	unsetenv("TZ");
	tzset();
	localtime_r(&t, &a);
	ch_tz_init();
	ck_assert_ptr_nonnull(getenv("TZ"));
	ck_assert_str_eq(getenv("TZ"), ":/etc/localtime");
	localtime_r(&t, &b);
	ck_assert_int_eq(a.tm_hour, b.tm_hour);
	ck_assert_int_eq(a.tm_min, b.tm_min);
	env0 = environ;
	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(ch_local_to_utc(i % 2 ? "Europe/London" :
						 "Australia/Sydney", 2026, 1,
						 1, 0, 0, &u, NULL), 0);
		ck_assert_ptr_eq(environ, env0);
	}
	ck_assert_str_eq(getenv("TZ"), ":/etc/localtime");
	/* an empty TZ (UTC to glibc) is kept as it is */
	setenv("TZ", "", 1);
	ch_tz_init();
	ck_assert_str_eq(getenv("TZ"), "");
	ck_assert_int_eq(ch_local_to_utc("Europe/London", 2026, 1, 1, 0, 0, &u,
					 NULL), 0);
	ck_assert_str_eq(getenv("TZ"), "");
}
END_TEST

START_TEST(test_local_errors)
{
	time_t t;

	ck_assert_int_eq(ch_local_to_utc("Mars/Olympus", 2026, 1, 1, 0, 0, &t,
					 NULL), -1);
	ck_assert_int_eq(ch_local_to_utc("UTC", 2026, 2, 30, 0, 0, &t, NULL),
			 -1);
	ck_assert_int_eq(ch_local_to_utc("UTC", 2026, 1, 1, 24, 0, &t, NULL),
			 -1);
	ck_assert_int_eq(ch_local_to_utc("UTC", 2026, 1, 1, 0, 60, &t, NULL),
			 -1);
}
END_TEST

START_TEST(test_utc_to_local)
{
	struct tm tm;
	long off = 0;

	ck_assert_int_eq(ch_utc_to_local("America/New_York",
					 iso("2026-03-10T17:00:00Z"), &tm, &off), 0);
	ck_assert_int_eq(tm.tm_hour, 13);
	ck_assert_int_eq(off, -4 * 3600);
	ck_assert_int_eq(ch_utc_to_local("Asia/Kolkata",
					 iso("2026-12-01T07:30:00Z"), &tm, &off), 0);
	ck_assert_int_eq(tm.tm_hour, 13);
	ck_assert_int_eq(tm.tm_min, 0);
	ck_assert_int_eq(off, 19800);
	ck_assert_int_eq(ch_utc_to_local("Australia/Sydney",
					 iso("2026-01-13T02:00:00Z"), &tm, &off), 0);
	ck_assert_int_eq(off, 11 * 3600);
	ck_assert_int_eq(ch_utc_to_local("Nope/Nope", 0, &tm, &off), -1);
}
END_TEST

START_TEST(test_parse_date_hhmm)
{
	int y, m, d, h, mi;

	ck_assert_int_eq(ch_parse_date("2026-12-01", &y, &m, &d), 0);
	ck_assert_int_eq(y, 2026);
	ck_assert_int_eq(m, 12);
	ck_assert_int_eq(d, 1);
	ck_assert_int_eq(ch_parse_date("2028-02-29", &y, &m, &d), 0);
	ck_assert_int_eq(ch_parse_date("2026-02-29", &y, &m, &d), -1);
	ck_assert_int_eq(ch_parse_date("2100-02-29", &y, &m, &d), -1);
	ck_assert_int_eq(ch_parse_date("2000-02-29", &y, &m, &d), 0);
	ck_assert_int_eq(ch_parse_date("2026-13-01", &y, &m, &d), -1);
	ck_assert_int_eq(ch_parse_date("2026-04-31", &y, &m, &d), -1);
	ck_assert_int_eq(ch_parse_date("2026-12-1", &y, &m, &d), -1);
	ck_assert_int_eq(ch_parse_date("2026-12-01x", &y, &m, &d), -1);
	ck_assert_int_eq(ch_parse_date("12/01/2026", &y, &m, &d), -1);
	ck_assert_int_eq(ch_parse_date("", &y, &m, &d), -1);

	ck_assert_int_eq(ch_parse_hhmm("13:00", &h, &mi), 0);
	ck_assert_int_eq(h, 13);
	ck_assert_int_eq(mi, 0);
	ck_assert_int_eq(ch_parse_hhmm("9:05", &h, &mi), 0);
	ck_assert_int_eq(h, 9);
	ck_assert_int_eq(mi, 5);
	ck_assert_int_eq(ch_parse_hhmm("00:00", &h, &mi), 0);
	ck_assert_int_eq(ch_parse_hhmm("23:59", &h, &mi), 0);
	ck_assert_int_eq(ch_parse_hhmm("24:00", &h, &mi), -1);
	ck_assert_int_eq(ch_parse_hhmm("25:00", &h, &mi), -1);
	ck_assert_int_eq(ch_parse_hhmm("12:61", &h, &mi), -1);
	ck_assert_int_eq(ch_parse_hhmm("1pm", &h, &mi), -1);
	ck_assert_int_eq(ch_parse_hhmm("13:00:00", &h, &mi), -1);
	ck_assert_int_eq(ch_parse_hhmm("13:0", &h, &mi), -1);
	ck_assert_int_eq(ch_parse_hhmm("", &h, &mi), -1);
}
END_TEST

START_TEST(test_iso8601)
{
	time_t t;
	char buf[32];

	ck_assert_int_eq((long long)iso("1970-01-01T00:00:00Z"), 0);
	ck_assert_int_eq((long long)iso("2026-03-04T12:00:00Z"), 1772625600LL);
	ck_assert_int_eq((long long)iso("2026-03-04T07:00:00-05:00"), 1772625600LL);
	ck_assert_int_eq((long long)iso("2026-03-04T17:30:00+05:30"), 1772625600LL);
	ck_assert_int_eq((long long)iso("2026-03-04T17:30:00+0530"), 1772625600LL);
	ck_assert_int_eq((long long)iso("2026-03-04T12:00Z"), 1772625600LL);
	/* a time without its zone is ambiguous: refused, never taken as UTC */
	ck_assert_int_eq(ch_parse_iso8601("2026-03-04T12:00:00", &t), -1);
	ck_assert_int_eq(ch_parse_iso8601("2026-03-04T12:00", &t), -1);
	ck_assert_int_eq((long long)iso("2026-03-04T12:00:00.123Z"), 1772625600LL);
	ck_assert_int_eq((long long)iso("2026-03-04 12:00:00Z"), 1772625600LL);
	ck_assert_int_eq(ch_parse_iso8601("2026-03-04", &t), -1);
	ck_assert_int_eq(ch_parse_iso8601("2026-03-04T25:00:00Z", &t), -1);
	ck_assert_int_eq(ch_parse_iso8601("2026-02-30T12:00:00Z", &t), -1);
	ck_assert_int_eq(ch_parse_iso8601("2026-03-04T12:00:00Zjunk", &t), -1);
	ck_assert_int_eq(ch_parse_iso8601("2026-03-04T12:00:00+5", &t), -1);
	ck_assert_int_eq(ch_parse_iso8601("2026-03-04T12:00:00.Z", &t), -1);
	ck_assert_int_eq(ch_parse_iso8601("now", &t), -1);
	ck_assert_int_eq(ch_parse_iso8601("", &t), -1);
	ch_format_utc(1772625600, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-03-04T12:00:00Z");
	/* the one parser in ms, and the one ms formatter, round trip */
	{
		long long ms = 0;

		ck_assert_int_eq(ch_parse_time_ms("2026-03-04T12:00:00.123Z", true, &ms), 0);
		ck_assert_int_eq(ms, 1772625600123LL);
		ch_format_time_ms(ms, buf, sizeof buf);
		ck_assert_str_eq(buf, "2026-03-04T12:00:00.123Z");
		ck_assert_int_eq(ch_parse_time_ms("2026-03-04T12:00Z", true, &ms), -1);
		ck_assert_int_eq(ch_parse_time_ms("2026-03-04T12:00Z", false, &ms), 0);
		ck_assert_int_eq(ch_parse_time_ms("1969-12-31T23:59:59.500Z", true, &ms), 0);
		ck_assert_int_eq(ms, -500LL);
		ch_format_time_ms(ms, buf, sizeof buf);
		ck_assert_str_eq(buf, "1969-12-31T23:59:59.500Z");
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("chtime");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_days_weekday_timegm);
	tcase_add_test(tc, test_tz_valid);
	tcase_add_test(tc, test_tz_dir_not_tzif);
	tcase_add_test(tc, test_new_york);
	tcase_add_test(tc, test_london_sydney_kolkata_utc);
	tcase_add_test(tc, test_gap_at_midnight);
	tcase_add_test(tc, test_tz_restored);
	tcase_add_test(tc, test_tz_init_in_place);
	tcase_add_test(tc, test_local_errors);
	tcase_add_test(tc, test_utc_to_local);
	tcase_add_test(tc, test_parse_date_hhmm);
	tcase_add_test(tc, test_iso8601);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
