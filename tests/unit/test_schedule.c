/* test_schedule.c - the schedule file loader and next-chat computation. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chtime.h"
#include "schedule.h"

static char tmpdir[64];

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ch_sched_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Writes text to tmpdir/name and returns the path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

#define BASE                                                                 \
	"name = \"icmichat\";\n"                                             \
	"hashtag = \"#ICMIchat\";\n"                                         \
	"weekday = \"Tuesday\";\n"                                           \
	"time = \"13:00\";\n"                                                \
	"timezone = \"America/New_York\";\n"

/* Loads text; returns the load result, diagnostics in d. */
static int load(struct ch_schedule *s, const char *text, struct ch_diags *d)
{
	return ch_schedule_load(s, write_file("s.conf", text), d);
}

/* true if some diagnostic is on line and contains needle */
static bool has_diag(const struct ch_diags *d, int line, const char *needle)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (d->items[i].line == line &&
		    strstr(d->items[i].text, needle))
			return true;
	}
	return false;
}

static void dump(const struct ch_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "  diag %s:%d: %s\n", d->items[i].source,
			d->items[i].line, d->items[i].text);
}

/* Loads text that must fail with exactly n diagnostics, one on line
 * containing needle. */
static void expect_bad(const char *text, size_t n, int line,
		       const char *needle)
{
	struct ch_schedule s;
	struct ch_diags d = {0};

	ck_assert_int_eq(load(&s, text, &d), -1);
	if (d.n != n || !has_diag(&d, line, needle))
		dump(&d);
	ck_assert_uint_eq(d.n, n);
	ck_assert_msg(has_diag(&d, line, needle), "no diag at line %d with %s",
		      line, needle);
	ch_schedule_free(&s);
	ch_diags_free(&d);
}

START_TEST(test_defaults)
{
	struct ch_schedule s;
	struct ch_diags d = {0};

	unsetenv("LOGS_DIRECTORY");
	ck_assert_int_eq(load(&s, BASE, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_str_eq(s.name, "icmichat");
	ck_assert_str_eq(s.hashtag, "#ICMIchat");
	ck_assert_int_eq(s.weekday, 2);
	ck_assert_int_eq(s.hour, 13);
	ck_assert_int_eq(s.minute, 0);
	ck_assert_str_eq(s.timezone, "America/New_York");
	ck_assert_int_eq(s.duration, 60);
	ck_assert_int_eq(s.first_question, 5);
	ck_assert_int_eq(s.question_interval, 10);
	ck_assert(s.thread);
	/* "../topics" beside a schedule in /tmp/ch_sched_X is /tmp/topics */
	ck_assert_str_eq(s.topics_dir, "/tmp/topics");
	ck_assert_str_eq(s.logs_dir, "/tmp/logs");
	ck_assert_str_eq(s.dir, tmpdir);
	ck_assert_str_eq(s.base_url, "https://api.x.com");
	ck_assert_ptr_null(s.credentials);
	ck_assert_int_eq(s.capture_after, 30);
	ck_assert_int_eq(s.search_budget, 60);
	ck_assert_int_eq(s.late_limit, 10);
	ck_assert_int_eq(s.n_warn_before, 3);
	ck_assert_int_eq(s.warn_before[0], 2880);
	ck_assert_int_eq(s.warn_before[1], 1440);
	ck_assert_int_eq(s.warn_before[2], 60);
	ck_assert_ptr_null(s.notify_webhook);
	ck_assert_ptr_null(s.notify_command);
	ck_assert_int_eq(s.line_weekday, 3);
	ck_assert_int_eq(s.line_time, 4);
	ck_assert_int_eq(s.line_timezone, 5);
	ch_schedule_free(&s);
	ch_diags_free(&d);
}
END_TEST

START_TEST(test_every_field)
{
	struct ch_schedule s;
	struct ch_diags d = {0};
	char want[300];

	setenv("HOME", "/home/cm", 1);
	ck_assert_int_eq(load(&s,
		"name = \"my-chat_2.x\";\n"
		"hashtag = \"CXchat\";\n"
		"weekday = \"thu\";\n"
		"time = \"9:30\";\n"
		"timezone = \"Asia/Kolkata\";\n"
		"duration = 90;\n"
		"first_question = 0;\n"
		"question_interval = 15;\n"
		"thread = false;\n"
		"topics = \"/srv/topics\";\n"
		"logs = \"out/logs\";\n"
		"api = { base_url = \"http://127.0.0.1:8080/\";\n"
		"        credentials = \"~/.config/chathost/credentials.conf\"; };\n"
		"capture_after = 120;\n"
		"search_budget = 300;\n"
		"late_limit = 0;\n"
		"warn_before = (\"2d\", \"90m\", 30, \"1h30m\");\n"
		"notify = { webhook = \"https://hooks.example.com/x\";\n"
		"           command = \"mail -s chathost cm@example.com\"; };\n",
		&d), 0);
	if (d.n)
		dump(&d);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_str_eq(s.name, "my-chat_2.x");
	ck_assert_str_eq(s.hashtag, "#CXchat");
	ck_assert_int_eq(s.weekday, 4);
	ck_assert_int_eq(s.hour, 9);
	ck_assert_int_eq(s.minute, 30);
	ck_assert_str_eq(s.timezone, "Asia/Kolkata");
	ck_assert_int_eq(s.duration, 90);
	ck_assert_int_eq(s.first_question, 0);
	ck_assert_int_eq(s.question_interval, 15);
	ck_assert(!s.thread);
	ck_assert_str_eq(s.topics_dir, "/srv/topics");
	snprintf(want, sizeof want, "%s/out/logs", tmpdir);
	ck_assert_str_eq(s.logs_dir, want);
	ck_assert_str_eq(s.base_url, "http://127.0.0.1:8080");
	ck_assert_str_eq(s.credentials,
			 "/home/cm/.config/chathost/credentials.conf");
	ck_assert_int_eq(s.capture_after, 120);
	ck_assert_int_eq(s.search_budget, 300);
	ck_assert_int_eq(s.late_limit, 0);
	ck_assert_int_eq(s.n_warn_before, 4);
	ck_assert_int_eq(s.warn_before[0], 2880);
	ck_assert_int_eq(s.warn_before[1], 90);
	ck_assert_int_eq(s.warn_before[2], 30);
	ck_assert_int_eq(s.warn_before[3], 90);
	ck_assert_str_eq(s.notify_webhook, "https://hooks.example.com/x");
	ck_assert_str_eq(s.notify_command, "mail -s chathost cm@example.com");
	ck_assert_int_eq(s.line_duration, 6);
	ch_schedule_free(&s);
	ch_diags_free(&d);
}
END_TEST

/* Under systemd's LogsDirectory= the schedule's ../logs is read-only:
 * without a logs key the logs go to $LOGS_DIRECTORY's first folder. */
START_TEST(test_logs_directory)
{
	struct ch_schedule s;
	struct ch_diags d = {0};
	char want[300];

	setenv("LOGS_DIRECTORY", "/var/log/chathost:/var/log/other", 1);
	ck_assert_int_eq(load(&s, BASE, &d), 0);
	ck_assert_str_eq(s.logs_dir, "/var/log/chathost");
	ck_assert_str_eq(s.topics_dir, "/tmp/topics");
	ch_schedule_free(&s);

	/* the schedule's own key wins */
	ck_assert_int_eq(load(&s, BASE "logs = \"out/logs\";\n", &d), 0);
	snprintf(want, sizeof want, "%s/out/logs", tmpdir);
	ck_assert_str_eq(s.logs_dir, want);
	ch_schedule_free(&s);

	/* systemd always sets absolute paths: anything else is ignored */
	setenv("LOGS_DIRECTORY", "relative/logs", 1);
	ck_assert_int_eq(load(&s, BASE, &d), 0);
	ck_assert_str_eq(s.logs_dir, "/tmp/logs");
	ch_schedule_free(&s);
	setenv("LOGS_DIRECTORY", "", 1);
	ck_assert_int_eq(load(&s, BASE, &d), 0);
	ck_assert_str_eq(s.logs_dir, "/tmp/logs");
	ch_schedule_free(&s);
	unsetenv("LOGS_DIRECTORY");
	ck_assert_uint_eq(d.n, 0);
	ch_diags_free(&d);
}
END_TEST

START_TEST(test_weekday_forms)
{
	static const char *const forms[] = {"monday", "MON", "Sunday", "sat",
					    "wEdNeSdAy"};
	static const int want[] = {1, 1, 0, 6, 3};
	size_t i;

	for (i = 0; i < 5; i++) {
		struct ch_schedule s;
		struct ch_diags d = {0};
		char text[512];

		snprintf(text, sizeof text,
			 "name=\"a\"; hashtag=\"#a\"; weekday=\"%s\"; "
			 "time=\"13:00\"; timezone=\"UTC\";", forms[i]);
		ck_assert_int_eq(load(&s, text, &d), 0);
		ck_assert_int_eq(s.weekday, want[i]);
		ch_schedule_free(&s);
		ch_diags_free(&d);
	}
	ck_assert_str_eq(ch_weekday_name(0), "Sunday");
	ck_assert_str_eq(ch_weekday_name(2), "Tuesday");
	ck_assert_str_eq(ch_weekday_name(7), "?");
}
END_TEST

START_TEST(test_missing_file)
{
	struct ch_schedule s;
	struct ch_diags d = {0};

	ck_assert_int_eq(ch_schedule_load(&s, "/nonexistent/x.conf", &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.items[0].source, "/nonexistent/x.conf");
	ck_assert_int_eq(d.items[0].line, 0);
	ck_assert_str_eq(d.items[0].text, "cannot open: No such file or directory");
	ch_schedule_free(&s);
	ch_diags_free(&d);
}
END_TEST

START_TEST(test_syntax_error)
{
	expect_bad(BASE "duration = 60\nthread = ;\n", 1, 7, "syntax error");
	expect_bad(BASE "name = \"again\";\n", 1, 6, "duplicate setting");
	expect_bad(BASE "@include \"/etc/passwd\"\n", 1, 6, "@include");
	expect_bad(BASE "duration = 99999999999;\n", 1, 6, "too large");
}
END_TEST

START_TEST(test_missing_required)
{
	struct ch_schedule s;
	struct ch_diags d = {0};

	ck_assert_int_eq(load(&s, "// nothing here\n", &d), -1);
	ck_assert_uint_eq(d.n, 5);
	ck_assert(has_diag(&d, 0, "missing required setting \"name\""));
	ck_assert(has_diag(&d, 0, "missing required setting \"hashtag\""));
	ck_assert(has_diag(&d, 0, "missing required setting \"weekday\""));
	ck_assert(has_diag(&d, 0, "missing required setting \"time\""));
	ck_assert(has_diag(&d, 0, "missing required setting \"timezone\""));
	ch_schedule_free(&s);
	ch_diags_free(&d);
}
END_TEST

START_TEST(test_unknown_keys)
{
	expect_bad(BASE "durration = 60;\n", 1, 6,
		   "unknown setting \"durration\"; did you mean \"duration\"?");
	expect_bad(BASE "Thread = true;\n", 1, 6, "did you mean \"thread\"");
	expect_bad(BASE "colour = \"blue\";\n", 1, 6,
		   "unknown setting \"colour\" (known settings: name,");
	expect_bad(BASE "api = { base_url = \"https://api.x.com\";\n"
			"  credential = \"x\"; };\n", 1, 7,
		   "unknown setting \"credential\" in api; did you mean "
		   "\"credentials\"?");
	expect_bad(BASE "notify = { hook = \"https://x\"; };\n", 1, 6,
		   "unknown setting \"hook\" in notify");
}
END_TEST

START_TEST(test_wrong_types)
{
	expect_bad(BASE "duration = \"60\";\n", 1, 6,
		   "duration must be a whole number of minutes, not a string "
		   "(write it without quotes)");
	expect_bad(BASE "duration = 60.5;\n", 1, 6,
		   "not a decimal number");
	expect_bad(BASE "thread = \"yes\";\n", 1, 6,
		   "thread must be true or false, not a string");
	expect_bad(BASE "thread = 1;\n", 1, 6,
		   "thread must be true or false, not a whole number");
	expect_bad("name = 5;\nhashtag=\"#a\"; weekday=\"Mon\"; time=\"13:00\";"
		   " timezone=\"UTC\";\n", 1, 1,
		   "name must be a string, not a whole number (put it in "
		   "double quotes)");
	expect_bad(BASE "api = \"https://api.x.com\";\n", 1, 6,
		   "api must be a group");
	expect_bad(BASE "notify = [1];\n", 1, 6, "notify must be a group");
	expect_bad(BASE "topics = 3;\n", 1, 6, "topics must be a string");
	expect_bad(BASE "warn_before = true;\n", 1, 6,
		   "warn_before must be a list of durations");
	expect_bad(BASE "warn_before = ( \"1h\", true );\n", 1, 6,
		   "warn_before entry must be");
	expect_bad(BASE "search_budget = \"lots\";\n", 1, 6,
		   "search_budget must be a whole number");
}
END_TEST

START_TEST(test_values)
{
	expect_bad(BASE "weekday = \"x\";\n", 1, 6, "duplicate");
	expect_bad("name=\"a\"; hashtag=\"#a\"; time=\"13:00\"; timezone=\"UTC\";\n"
		   "weekday = \"Tusday\";\n", 1, 2,
		   "weekday \"Tusday\" is not a day of the week "
		   "(Monday..Sunday); did you mean \"Tuesday\"?");
	expect_bad("name=\"a\"; hashtag=\"#a\"; time=\"13:00\"; timezone=\"UTC\";\n"
		   "weekday = \"Funday\";\n", 1, 2,
		   "is not a day of the week (Monday..Sunday)");
	expect_bad("name=\"a\"; hashtag=\"#a\"; time=\"13:00\"; timezone=\"UTC\";\n"
		   "weekday = \"weekly\";\n", 1, 2,
		   "weekday \"weekly\" is not a day of the week (Monday..Sunday)");
	expect_bad("name=\"a\"; hashtag=\"#a\"; weekday=\"Mon\"; timezone=\"UTC\";\n"
		   "time = \"25:00\";\n", 1, 2, "time \"25:00\" is not a time");
	expect_bad("name=\"a\"; hashtag=\"#a\"; weekday=\"Mon\"; timezone=\"UTC\";\n"
		   "time = \"12:61\";\n", 1, 2, "time \"12:61\"");
	expect_bad("name=\"a\"; hashtag=\"#a\"; weekday=\"Mon\"; timezone=\"UTC\";\n"
		   "time = \"1pm\";\n", 1, 2, "time \"1pm\" is not a time of day");
	expect_bad("name=\"a\"; hashtag=\"#a\"; weekday=\"Mon\"; time=\"13:00\";\n"
		   "timezone = \"America/New_Yrok\";\n", 1, 2,
		   "timezone \"America/New_Yrok\" is not in the time zone "
		   "database");
	expect_bad("name=\"a\"; hashtag=\"#a\"; weekday=\"Mon\"; time=\"13:00\";\n"
		   "timezone = \"../../etc/passwd\";\n", 1, 2,
		   "is not in the time zone database");
	expect_bad("name=\"a\"; hashtag=\"#a\"; weekday=\"Mon\"; time=\"13:00\";\n"
		   "timezone = \"/usr/share/zoneinfo/UTC\";\n", 1, 2,
		   "is not in the time zone database");
	expect_bad(BASE "duration = 0;\n", 1, 6,
		   "duration = 0 is out of range");
	expect_bad(BASE "duration = 1441;\n", 1, 6,
		   "duration = 1441 is out of range");
	expect_bad(BASE "duration = -5;\n", 1, 6, "out of range");
	expect_bad(BASE "first_question = -1;\n", 1, 6,
		   "first_question = -1 is out of range");
	expect_bad(BASE "first_question = 60;\n", 1, 6,
		   "first_question = 60 is not before the end of the chat "
		   "(duration = 60)");
	expect_bad(BASE "duration = 4;\n", 1, 6,
		   "first_question = 5 is not before the end");
	expect_bad(BASE "question_interval = 0;\n", 1, 6,
		   "question_interval = 0 is out of range");
	expect_bad(BASE "capture_after = -1;\n", 1, 6, "capture_after = -1");
	expect_bad(BASE "search_budget = 0;\n", 1, 6, "search_budget = 0");
	expect_bad(BASE "late_limit = 2000;\n", 1, 6, "late_limit = 2000");
	expect_bad(BASE "warn_before = [\"48 hours\"];\n", 1, 6,
		   "\"48 hours\" is not a duration");
	expect_bad(BASE "warn_before = [0];\n", 1, 6, "out of range");
	expect_bad(BASE "warn_before = [1,2,3,4,5,6,7,8,9];\n", 1, 6,
		   "at most 8");
	expect_bad(BASE "api = { base_url = \"ftp://x\"; };\n", 1, 6,
		   "api.base_url \"ftp://x\" is not an http");
	expect_bad(BASE "api = { credentials = \"\"; };\n", 1, 6,
		   "api.credentials is empty");
	expect_bad(BASE "notify = { webhook = \"hooks.example.com\"; };\n", 1, 6,
		   "notify.webhook");
	expect_bad(BASE "notify = { command = \" \"; };\n", 1, 6,
		   "notify.command is empty");
}
END_TEST

START_TEST(test_hashtag_and_name)
{
	expect_bad("name=\"a\"; weekday=\"Mon\"; time=\"13:00\"; timezone=\"UTC\";\n"
		   "hashtag = \"#2026\";\n", 1, 2, "not a valid hashtag");
	expect_bad("name=\"a\"; weekday=\"Mon\"; time=\"13:00\"; timezone=\"UTC\";\n"
		   "hashtag = \"#ICMI chat\";\n", 1, 2, "not a valid hashtag");
	expect_bad("name=\"a\"; weekday=\"Mon\"; time=\"13:00\"; timezone=\"UTC\";\n"
		   "hashtag = \"#\";\n", 1, 2, "not a valid hashtag");
	expect_bad("name=\"a\"; weekday=\"Mon\"; time=\"13:00\"; timezone=\"UTC\";\n"
		   "hashtag = \"#ICMI-chat\";\n", 1, 2, "not a valid hashtag");
	expect_bad("name=\"a\"; weekday=\"Mon\"; time=\"13:00\"; timezone=\"UTC\";\n"
		   "hashtag = \"\";\n", 1, 2, "hashtag is empty");
	expect_bad("hashtag=\"#a\"; weekday=\"Mon\"; time=\"13:00\"; timezone=\"UTC\";\n"
		   "name = \"../etc\";\n", 1, 2, "not a safe folder name");
	expect_bad("hashtag=\"#a\"; weekday=\"Mon\"; time=\"13:00\"; timezone=\"UTC\";\n"
		   "name = \".hidden\";\n", 1, 2, "not a safe folder name");
	expect_bad("hashtag=\"#a\"; weekday=\"Mon\"; time=\"13:00\"; timezone=\"UTC\";\n"
		   "name = \"my chat\";\n", 1, 2, "not a safe folder name");
	expect_bad("hashtag=\"#a\"; weekday=\"Mon\"; time=\"13:00\"; timezone=\"UTC\";\n"
		   "name = \"a/b\";\n", 1, 2, "not a safe folder name");
}
END_TEST

START_TEST(test_all_reported)
{
	struct ch_schedule s;
	struct ch_diags d = {0};

	ck_assert_int_eq(load(&s,
		"name = \"bad name\";\n"
		"hashtag = \"#123\";\n"
		"weekday = \"Tusday\";\n"
		"time = \"1pm\";\n"
		"timezone = \"Mars/Base\";\n"
		"duration = 0;\n"
		"question_interval = -1;\n"
		"thread = \"no\";\n"
		"extra = 1;\n", &d), -1);
	if (d.n != 9)
		dump(&d);
	ck_assert_uint_eq(d.n, 9);
	ck_assert(has_diag(&d, 1, "name"));
	ck_assert(has_diag(&d, 2, "hashtag"));
	ck_assert(has_diag(&d, 3, "weekday"));
	ck_assert(has_diag(&d, 4, "time"));
	ck_assert(has_diag(&d, 5, "timezone"));
	ck_assert(has_diag(&d, 6, "duration"));
	ck_assert(has_diag(&d, 7, "question_interval"));
	ck_assert(has_diag(&d, 8, "thread"));
	ck_assert(has_diag(&d, 9, "extra"));
	ch_schedule_free(&s);
	ch_diags_free(&d);
}
END_TEST

/* --- next chat --- */

static void make_sched(struct ch_schedule *s, const char *weekday,
		       const char *time, const char *tz, int duration)
{
	struct ch_diags d = {0};
	char text[512];

	snprintf(text, sizeof text,
		 "name=\"t\"; hashtag=\"#t\"; weekday=\"%s\"; time=\"%s\"; "
		 "timezone=\"%s\"; duration=%d; first_question=0;", weekday,
		 time, tz, duration);
	ck_assert_int_eq(load(s, text, &d), 0);
	ch_diags_free(&d);
}

static time_t iso(const char *s)
{
	time_t t = 0;

	ck_assert_int_eq(ch_parse_iso8601(s, &t), 0);
	return t;
}

static void expect_next(const char *weekday, const char *time, const char *tz,
			int duration, const char *now, const char *want_date,
			const char *want_start)
{
	struct ch_schedule s;
	char date[11], buf[32];
	time_t start = 0;

	make_sched(&s, weekday, time, tz, duration);
	ck_assert_int_eq(ch_schedule_next(&s, iso(now), date, &start), 0);
	ch_format_utc(start, buf, sizeof buf);
	ck_assert_msg(strcmp(date, want_date) == 0 &&
			      strcmp(buf, want_start) == 0,
		      "%s %s %s now %s: got %s %s, want %s %s", weekday, time,
		      tz, now, date, buf, want_date, want_start);
	ch_schedule_free(&s);
}

START_TEST(test_next_new_york)
{
	const char *ny = "America/New_York";

	/* across spring forward (2026-03-08) */
	expect_next("Tuesday", "13:00", ny, 60, "2026-03-04T12:00:00Z",
		    "2026-03-10", "2026-03-10T17:00:00Z");
	/* across fall back (2026-11-01) */
	expect_next("Tuesday", "13:00", ny, 60, "2026-10-28T12:00:00Z",
		    "2026-11-03", "2026-11-03T18:00:00Z");
	/* the week before each change: still the old offset */
	expect_next("Tuesday", "13:00", ny, 60, "2026-03-01T12:00:00Z",
		    "2026-03-03", "2026-03-03T18:00:00Z");
	expect_next("Tuesday", "13:00", ny, 60, "2026-10-25T12:00:00Z",
		    "2026-10-27", "2026-10-27T17:00:00Z");
	/* Sunday schedules on the change nights themselves */
	expect_next("Sunday", "02:30", ny, 60, "2026-03-07T12:00:00Z",
		    "2026-03-08", "2026-03-08T07:30:00Z");
	expect_next("Sunday", "01:30", ny, 60, "2026-10-31T12:00:00Z",
		    "2026-11-01", "2026-11-01T05:30:00Z");
	/* now on the Tuesday morning local, chat later that day */
	expect_next("Tuesday", "13:00", ny, 60, "2026-03-10T14:00:00Z",
		    "2026-03-10", "2026-03-10T17:00:00Z");
	/* local date differs from the UTC date (late Monday evening NY) */
	expect_next("Tuesday", "13:00", ny, 60, "2026-03-10T03:00:00Z",
		    "2026-03-10", "2026-03-10T17:00:00Z");
}
END_TEST

START_TEST(test_next_in_progress_and_end)
{
	const char *ny = "America/New_York";

	/* in progress: started 17:00Z, ends 18:00Z */
	expect_next("Tuesday", "13:00", ny, 60, "2026-03-10T17:30:00Z",
		    "2026-03-10", "2026-03-10T17:00:00Z");
	expect_next("Tuesday", "13:00", ny, 60, "2026-03-10T17:00:00Z",
		    "2026-03-10", "2026-03-10T17:00:00Z");
	expect_next("Tuesday", "13:00", ny, 60, "2026-03-10T17:59:59Z",
		    "2026-03-10", "2026-03-10T17:00:00Z");
	/* exactly at the end: the next week's */
	expect_next("Tuesday", "13:00", ny, 60, "2026-03-10T18:00:00Z",
		    "2026-03-17", "2026-03-17T17:00:00Z");
	/* a chat over midnight, still running the next local day */
	expect_next("Monday", "23:00", "UTC", 120, "2026-03-10T00:30:00Z",
		    "2026-03-09", "2026-03-09T23:00:00Z");
	expect_next("Monday", "23:00", "UTC", 120, "2026-03-10T01:00:00Z",
		    "2026-03-16", "2026-03-16T23:00:00Z");
	/* a 24-hour chat */
	expect_next("Monday", "00:00", "UTC", 1440, "2026-03-09T23:59:00Z",
		    "2026-03-09", "2026-03-09T00:00:00Z");
}
END_TEST

START_TEST(test_next_other_zones)
{
	/* London: BST starts 2026-03-29, ends 2026-10-25 */
	expect_next("Tuesday", "13:00", "Europe/London", 60,
		    "2026-03-25T12:00:00Z", "2026-03-31",
		    "2026-03-31T12:00:00Z");
	expect_next("Tuesday", "13:00", "Europe/London", 60,
		    "2026-10-21T12:00:00Z", "2026-10-27",
		    "2026-10-27T13:00:00Z");
	/* Sydney: AEDT ends 2026-04-05, starts 2026-10-04 */
	expect_next("Tuesday", "13:00", "Australia/Sydney", 60,
		    "2026-04-01T12:00:00Z", "2026-04-07",
		    "2026-04-07T03:00:00Z");
	expect_next("Tuesday", "13:00", "Australia/Sydney", 60,
		    "2026-09-30T12:00:00Z", "2026-10-06",
		    "2026-10-06T02:00:00Z");
	/* Sydney is already Tuesday while UTC is still Monday */
	expect_next("Tuesday", "09:00", "Australia/Sydney", 60,
		    "2026-10-05T21:00:00Z", "2026-10-06",
		    "2026-10-05T22:00:00Z");
	/* Kolkata: +05:30, no DST */
	expect_next("Tuesday", "13:00", "Asia/Kolkata", 60,
		    "2026-03-04T12:00:00Z", "2026-03-10",
		    "2026-03-10T07:30:00Z");
	expect_next("Tuesday", "13:00", "Asia/Kolkata", 60,
		    "2026-10-28T12:00:00Z", "2026-11-03",
		    "2026-11-03T07:30:00Z");
	expect_next("Tuesday", "13:00", "UTC", 60, "2026-03-04T12:00:00Z",
		    "2026-03-10", "2026-03-10T13:00:00Z");
	/* Havana: gap at midnight */
	expect_next("Sunday", "00:30", "America/Havana", 60,
		    "2026-03-05T12:00:00Z", "2026-03-08",
		    "2026-03-08T05:30:00Z");
}
END_TEST

START_TEST(test_start)
{
	struct ch_schedule s;
	time_t t;
	char buf[32];

	make_sched(&s, "Sunday", "02:30", "America/New_York", 60);
	ck_assert_int_eq(ch_schedule_start(&s, 2026, 3, 8, &t), 0);
	ch_format_utc(t, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-03-08T07:30:00Z");
	ck_assert_int_eq(ch_schedule_start(&s, 2026, 2, 30, &t), -1);
	ch_schedule_free(&s);
	/* an invalid schedule has no start */
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(ch_schedule_start(&s, 2026, 3, 8, &t), -1);
	ck_assert_int_eq(ch_schedule_next(&s, 0, buf, &t), -1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("schedule");
	TCase *tc = tcase_create("load");
	TCase *tn = tcase_create("next");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_field);
	tcase_add_test(tc, test_logs_directory);
	tcase_add_test(tc, test_weekday_forms);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_missing_required);
	tcase_add_test(tc, test_unknown_keys);
	tcase_add_test(tc, test_wrong_types);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_hashtag_and_name);
	tcase_add_test(tc, test_all_reported);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tn, setup, teardown);
	tcase_add_test(tn, test_next_new_york);
	tcase_add_test(tn, test_next_in_progress_and_end);
	tcase_add_test(tn, test_next_other_zones);
	tcase_add_test(tn, test_start);
	suite_add_tcase(s, tn);
	return s;
}

#include "unit.h"
