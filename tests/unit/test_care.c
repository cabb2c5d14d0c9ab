/* test_care.c - the care watch: its schedule group (staffed periods across
 * a DST change, handles per network, categories) and its cases (opened,
 * joined, answered, the alerts at warn_after and sla once each, also
 * after a restart, the clock of a post made outside the staffed hours),
 * on an injected clock and a temporary log folder. */
#include <check.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "care.h"
#include "cfgcheck.h"
#include "chtime.h"
#include "schedule.h"
#include "net/net.h"

static char dir[] = "/tmp/chathost-care-XXXXXX";

static void load_watch(struct ch_schedule *s, const char *body)
{
	char path[256];
	struct ch_diags d = {0};
	FILE *fp;

	snprintf(path, sizeof path, "%s/s.conf", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "name = \"ev\";\ntimezone = \"America/New_York\";\nlogs = \".\";\n"
		    "watch = {\n%s\n};\n", body);
	fclose(fp);
	ck_assert_msg(ch_schedule_load(s, path, &d) == 0, "%s",
		      d.n ? d.items[0].text : "");
	ch_diags_free(&d);
}

static time_t utc(const char *iso)
{
	time_t t;

	ck_assert_int_eq(ch_parse_iso8601(iso, &t), 0);
	return t;
}

START_TEST(test_periods_and_dst)
{
	struct ch_schedule s = {0};
	time_t a, b;

	load_watch(&s, "accounts = [ \"@ICMI\" ]; staff = [ \"@care\" ];\n"
		       "hours = ( { days = \"Mon-Fri\"; from = \"08:00\"; to = \"18:00\"; },\n"
		       "          { days = \"Sun\"; from = \"10:00\"; to = \"24:00\"; } );\n"
		       "dates = { from = \"2027-03-12\"; to = \"2027-03-16\"; };");
	/* Friday 2027-03-12 (EST, UTC-5): 13:00Z-23:00Z */
	ck_assert_int_eq(ch_watch_period(&s.watch, s.timezone, utc("2027-03-12T12:00:00Z"), &a, &b), 1);
	ck_assert_int_eq(a, utc("2027-03-12T13:00:00Z"));
	ck_assert_int_eq(b, utc("2027-03-12T23:00:00Z"));
	ck_assert(ch_watch_staffed(&s.watch, s.timezone, utc("2027-03-12T15:00:00Z")));
	ck_assert(!ch_watch_staffed(&s.watch, s.timezone, utc("2027-03-12T23:00:00Z")));
	/* after Friday: Sunday 2027-03-14 is the day the clocks go forward
	 * (EDT, UTC-4): 10:00 EDT = 14:00Z until midnight = 04:00Z */
	ck_assert_int_eq(ch_watch_period(&s.watch, s.timezone, utc("2027-03-13T00:00:00Z"), &a, &b), 1);
	ck_assert_int_eq(a, utc("2027-03-14T14:00:00Z"));
	ck_assert_int_eq(b, utc("2027-03-15T04:00:00Z"));
	/* Monday in EDT: 12:00Z */
	ck_assert_int_eq(ch_watch_period(&s.watch, s.timezone, utc("2027-03-15T05:00:00Z"), &a, &b), 1);
	ck_assert_int_eq(a, utc("2027-03-15T12:00:00Z"));
	/* past the dates: none */
	ck_assert_int_eq(ch_watch_period(&s.watch, s.timezone, utc("2027-03-17T00:00:00Z"), &a, &b), 0);
	ch_schedule_free(&s);
}
END_TEST

START_TEST(test_handles_and_categories)
{
	struct ch_schedule s = {0};
	const char *v[8];

	load_watch(&s, "accounts = { x = [ \"@ICMI\" ]; bluesky = [ \"icmi.bsky.social\" ]; };\n"
		       "staff = [ \"@ICMI_care\", \"@ana\" ];\n"
		       "hours = ( { days = \"daily\"; from = \"00:00\"; to = \"24:00\"; } );\n"
		       "categories = ( { name = \"wifi\"; words = [ \"wifi\", \"Wi-Fi\" ]; },\n"
		       "               { name = \"room temperature\"; words = [ \"hot\", \"cold\" ]; } );");
	ck_assert_uint_eq(ch_watch_handles(s.watch.accounts, s.watch.n_accounts, "x", v, 8), 1);
	ck_assert_str_eq(v[0], "icmi");
	ck_assert_uint_eq(ch_watch_handles(s.watch.accounts, s.watch.n_accounts, "bluesky", v, 8), 1);
	ck_assert_str_eq(v[0], "icmi.bsky.social");
	ck_assert_uint_eq(ch_watch_handles(s.watch.accounts, s.watch.n_accounts, "mastodon", v, 8), 0);
	ck_assert(ch_watch_is_staff(&s.watch, "x", "icmi_CARE", NULL));
	ck_assert(ch_watch_is_staff(&s.watch, "bluesky", "@ana", NULL));
	ck_assert(!ch_watch_is_staff(&s.watch, "x", "anna", NULL));
	ck_assert_str_eq(ch_watch_category(&s.watch, "The WI-FI is down #ICMI27"), "wifi");
	ck_assert_str_eq(ch_watch_category(&s.watch, "room B is so hot"), "room temperature");
	ck_assert_ptr_null(ch_watch_category(&s.watch, "a shot of coffee")); /* whole words */
	ch_schedule_free(&s);
}
END_TEST

/* watch.words: phrases named as whole words, case and accents aside. */
START_TEST(test_words)
{
	struct ch_schedule s;

	load_watch(&s, "words = [ \"ICMI 2027\", \"Café Expo\" ];\n"
		       "staff = [ \"@care\" ];\n"
		       "hours = ( { days = \"daily\"; from = \"00:00\"; to = \"24:00\"; } );");
	ck_assert_uint_eq(s.watch.n_words, 2);
	ck_assert_str_eq(ch_watch_named(&s.watch, "see you at icmi  2027!"), "ICMI 2027");
	ck_assert_str_eq(ch_watch_named(&s.watch, "the CAFE EXPO room is hot"), "Café Expo");
	ck_assert_str_eq(ch_watch_named(&s.watch, "(ICMI 2027)"), "ICMI 2027");
	ck_assert_str_eq(ch_watch_named(&s.watch, "ICMI 2027\u2014so hot"), "ICMI 2027");
	ck_assert_ptr_null(ch_watch_named(&s.watch, "ICMI 20270"));
	ck_assert_ptr_null(ch_watch_named(&s.watch, "XICMI 2027"));
	ck_assert_ptr_null(ch_watch_named(&s.watch, "ICMI 2026"));
	ck_assert_ptr_null(ch_watch_named(&s.watch, "ICMI2027"));
	ck_assert(ch_text_has_phrase("mail @care now", "@care"));
	ck_assert(!ch_text_has_phrase("mail @care_team now", "@care"));
	ck_assert(!ch_text_has_phrase("bad \xff utf-8", "bad"));
	ch_schedule_free(&s);
}
END_TEST

/* Mastodon's handles in their local and remote forms: a bare handle is
 * the instance's own account, a full one is matched by its domain. */
START_TEST(test_staff_mastodon_forms)
{
	struct ch_schedule s;

	load_watch(&s, "hashtags = [ \"#ICMI27\" ];\nstaff = { mastodon = [ \"mstaff\", \"@care@events.example\" ]; };\n"
		       "hours = ( { days = \"daily\"; from = \"00:00\"; to = \"24:00\"; } );");
	ck_assert(ch_watch_is_staff(&s.watch, "mastodon", "mstaff", "events.example"));
	ck_assert(ch_watch_is_staff(&s.watch, "mastodon", "mstaff@Events.Example", "events.example"));
	ck_assert(ch_watch_is_staff(&s.watch, "mastodon", "care", "events.example"));
	ck_assert(ch_watch_is_staff(&s.watch, "mastodon", "@care@events.example", "events.example"));
	/* the same name on another instance is someone else */
	ck_assert(!ch_watch_is_staff(&s.watch, "mastodon", "mstaff@evil.example", "events.example"));
	ck_assert(!ch_watch_is_staff(&s.watch, "mastodon", "care", "other.example"));
	ck_assert(!ch_watch_is_staff(&s.watch, "x", "mstaff", NULL));
	ch_schedule_free(&s);
}
END_TEST

/* ---- cases ---- */

static char alerts[16][400];
static char alert_cats[16][40];
static int n_alerts;

static void on_alert(void *ctx, const char *category, const char *msg)
{
	(void)ctx;
	if (n_alerts < 16) {
		snprintf(alerts[n_alerts], sizeof alerts[0], "%s", msg);
		snprintf(alert_cats[n_alerts], sizeof alert_cats[0], "%s",
			 category ? category : "-");
	}
	n_alerts++;
}

static struct ch_schedule sched;
static struct ch_care *care;
static char logdir[300];
static const char *care_day; /* conf.day of the next care_up */
static const char *care_staff = "\"@care\""; /* the next care_up's staff */

static void care_up(double now, const char *hours)
{
	struct ch_care_conf k;
	struct ch_error err;
	char body[600];

	snprintf(body, sizeof body,
		 "accounts = [ \"@ICMI\" ]; staff = [ %s ];\n"
		 "hours = ( %s );\nwarn_after = 3; sla = 5;\n"
		 "categories = ( { name = \"wifi\"; words = [ \"wifi\" ]; } );",
		 care_staff, hours);
	memset(&sched, 0, sizeof sched);
	load_watch(&sched, body);
	snprintf(logdir, sizeof logdir, "%s/care", dir);
	memset(&k, 0, sizeof k);
	k.w = &sched.watch;
	k.tz = sched.timezone;
	k.dir = logdir;
	k.day = care_day;
	k.speed = 1;
	k.alert = on_alert;
	ch_error_clear(&err);
	care = ch_care_open(&k, now, &err);
	ck_assert_msg(care != NULL, "%s", err.text);
	ch_care_add_me(care, "x", "999", NULL);
}

static void care_down(void)
{
	ch_care_close(care);
	ch_schedule_free(&sched);
}

static struct ch_msg msg(const char *id, const char *author_id,
			 const char *user, const char *created,
			 const char *reply_to, const char *conv, const char *text)
{
	struct ch_msg m;

	memset(&m, 0, sizeof m);
	m.id = (char *)(uintptr_t)id;
	m.author_id = (char *)(uintptr_t)author_id;
	m.username = (char *)(uintptr_t)user;
	m.created_at = (char *)(uintptr_t)created;
	m.in_reply_to_id = (char *)(uintptr_t)reply_to;
	m.conversation_id = (char *)(uintptr_t)(conv ? conv : id);
	m.text = (char *)(uintptr_t)text;
	return m;
}

static int take(struct ch_msg *v, size_t n, double now)
{
	struct ch_msg_page page;
	struct ch_error err;

	memset(&page, 0, sizeof page);
	page.msgs = v;
	page.n = n;
	ch_error_clear(&err);
	return ch_care_take(care, "x", &page, now, &err);
}

/* The events of the care logs, in order: "opened:10 answered:10 ...". */
static void events(char *out, size_t size)
{
	char cmd[400];
	FILE *fp;
	char line[4096];
	size_t len = 0;

	out[0] = '\0';
	snprintf(cmd, sizeof cmd, "cat %s/*.jsonl 2>/dev/null", logdir);
	fp = popen(cmd, "r");
	while (fp && fgets(line, sizeof line, fp)) {
		json_t *o = json_loads(line, 0, NULL);
		const char *ev = json_string_value(json_object_get(o, "event"));
		const char *id = json_string_value(json_object_get(o, "id"));

		len += (size_t)snprintf(out + len, size - len, "%s%s:%s",
					len ? " " : "", ev ? ev : "?", id ? id : "?");
		json_decref(o);
	}
	if (fp)
		pclose(fp);
}

START_TEST(test_cases_alerts_restart)
{
	double t0 = (double)utc("2027-05-03T14:00:00Z"); /* Monday 10:00 EDT */
	struct ch_msg a[] = {
		/* the answer comes first in a page: newest first */
		msg("12", "2", "care", "2027-05-03T14:01:00.000Z", "10", "10", "@ana on it"),
		msg("10", "1", "ana", "2027-05-03T14:00:00.000Z", NULL, NULL, "@ICMI the wifi is down"),
		msg("11", "3", "bo", "2027-05-03T14:00:30.000Z", NULL, NULL, "@ICMI room B is hot"),
		msg("13", "3", "bo", "2027-05-03T14:00:40.000Z", "11", "11", "still hot"),
		msg("14", "999", "bot", "2027-05-03T14:00:50.000Z", "11", "11", "bot says hi"),
		msg("15", "2", "care", "2027-05-03T14:00:55.000Z", NULL, NULL, "staff, not a reply"),
	};
	char ev[2048];

	n_alerts = 0;
	care_up(t0, "{ days = \"Mon-Fri\"; from = \"08:00\"; to = \"18:00\"; }");
	ck_assert_int_eq(take(a, 6, t0 + 70), 4);
	events(ev, sizeof ev);
	ck_assert_str_eq(ev, "opened:10 opened:11 joined:11 answered:10");
	ck_assert_uint_eq(ch_care_open_cases(care), 1);
	/* bo's case waits from 14:00:30: warned at +3 min, breached at +5 */
	ck_assert(fabs(ch_care_tick(care, t0 + 100) - (t0 + 30 + 180)) < 0.01);
	ck_assert_int_eq(n_alerts, 0);
	ch_care_tick(care, t0 + 30 + 180);
	ck_assert_int_eq(n_alerts, 1);
	ck_assert_ptr_nonnull(strstr(alerts[0], "@bo on X has waited 3 min"));
	ck_assert_str_eq(alert_cats[0], "-"); /* uncategorised: the main team */
	ck_assert_ptr_nonnull(strstr(alerts[0], "room B is hot"));
	ch_care_tick(care, t0 + 30 + 200); /* not again */
	ck_assert_int_eq(n_alerts, 1);
	/* a restart: the cases come back from the log, no alert again */
	care_down();
	care_up(t0 + 250, "{ days = \"Mon-Fri\"; from = \"08:00\"; to = \"18:00\"; }");
	ck_assert_uint_eq(ch_care_open_cases(care), 1);
	ch_care_tick(care, t0 + 260);
	ck_assert_int_eq(n_alerts, 1);
	ck_assert_int_eq(take(a, 6, t0 + 265), 0); /* read again: nothing new */
	ch_care_tick(care, t0 + 30 + 300);
	ck_assert_int_eq(n_alerts, 2);
	ck_assert_ptr_nonnull(strstr(alerts[1], "SLA breached"));
	{
		struct ch_msg r[] = {msg("16", "2", "care", "2027-05-03T14:06:00.000Z",
					 "13", "11", "sorry, fixing the AC")};

		ck_assert_int_eq(take(r, 1, t0 + 361), 1);
	}
	ck_assert_uint_eq(ch_care_open_cases(care), 0);
	events(ev, sizeof ev);
	ck_assert_str_eq(ev, "opened:10 opened:11 joined:11 answered:10 warned:11 breached:11 answered:11");
	care_down();
}
END_TEST

START_TEST(test_outside_hours_clock)
{
	/* Monday 2027-05-03 07:00 EDT: before the 08:00 opening */
	double t0 = (double)utc("2027-05-03T11:00:00Z");
	struct ch_msg a[] = {msg("20", "1", "ana", "2027-05-03T11:00:00.000Z", NULL, NULL,
				 "@ICMI early bird")};
	double next;

	n_alerts = 0;
	care_up(t0, "{ days = \"Mon-Fri\"; from = \"08:00\"; to = \"18:00\"; }");
	ck_assert_int_eq(take(a, 1, t0 + 5), 1);
	/* its clock starts at 08:00 EDT = 12:00Z: warned at 12:03Z */
	next = ch_care_tick(care, t0 + 10);
	ck_assert(fabs(next - (double)utc("2027-05-03T12:03:00Z")) < 0.01);
	ck_assert_int_eq(n_alerts, 0);
	ck_assert(fabs(ch_care_staffed(care, t0, (double)utc("2027-05-03T12:10:00Z")) - 600) < 0.01);
	/* a staffed period ending: 17:59 EDT + 3 staffed minutes = next day */
	ck_assert(fabs(ch_care_staffed(care, (double)utc("2027-05-03T21:59:00Z"),
				       (double)utc("2027-05-04T12:02:00Z")) - 180) < 0.01);
	care_down();
	/* the opening says the staffed period it falls in (local) and how
	 * the post was found */
	{
		char cmd[400], all[8192] = "";
		FILE *fp;
		size_t n;

		snprintf(cmd, sizeof cmd, "cat %s/*.jsonl", logdir);
		fp = popen(cmd, "r");
		ck_assert_ptr_nonnull(fp);
		n = fread(all, 1, sizeof all - 1, fp);
		all[n] = '\0';
		pclose(fp);
		ck_assert_ptr_nonnull(strstr(all, "\"period\":\"2027-05-03 08:00-18:00\""));
		ck_assert_ptr_nonnull(strstr(all, "\"found\":\"mention\""));
	}
}
END_TEST

/* A chat's welcome names its log by the chat's date, not the wall
 * date: a rehearsal of an old chat, run months later, writes beside that
 * chat's log, and a restart reads it back. */
START_TEST(test_log_named_by_chat_day)
{
	double t0 = (double)utc("2027-05-03T14:00:00Z");
	struct ch_msg a[] = {msg("30", "1", "ana", "2027-05-03T14:00:00.000Z", NULL, NULL,
				 "@ICMI the wifi is down")};
	char path[400];

	n_alerts = 0;
	care_day = "2026-12-01";
	care_up(t0, "{ days = \"Mon-Sun\"; from = \"00:00\"; to = \"23:59\"; }");
	ck_assert_int_eq(take(a, 1, t0 + 5), 1);
	snprintf(path, sizeof path, "%s/2026-12-01.jsonl", logdir);
	ck_assert_int_eq(access(path, F_OK), 0);
	snprintf(path, sizeof path, "%s/2027-05-03.jsonl", logdir);
	ck_assert_int_ne(access(path, F_OK), 0);
	care_down();
	/* restarted later the same day: the open case is read back */
	care_up(t0 + 60, "{ days = \"Mon-Sun\"; from = \"00:00\"; to = \"23:59\"; }");
	ck_assert_uint_eq(ch_care_open_cases(care), 1);
	care_down();
	care_day = NULL;
}
END_TEST

/* In a watch whose staff names the account chathost reads as (the
 * event's own account: the team's desk), its replies answer a case; its
 * other posts still open none (issue 35, item 1). */
START_TEST(test_own_account_as_staff)
{
	double t0 = (double)utc("2027-05-03T14:00:00Z"); /* Monday 10:00 EDT */
	struct ch_msg a[] = {
		msg("41", "999", "ICMI", "2027-05-03T14:01:00.000Z", "40", "40", "@ana on it"),
		msg("40", "1", "ana", "2027-05-03T14:00:00.000Z", NULL, NULL, "@ICMI the wifi is down"),
		msg("42", "999", "ICMI", "2027-05-03T14:00:30.000Z", NULL, NULL, "Welcome all!"),
	};
	char ev[1024];

	n_alerts = 0;
	care_staff = "\"@ICMI\", \"@care\"";
	care_up(t0, "{ days = \"Mon-Fri\"; from = \"08:00\"; to = \"18:00\"; }");
	ck_assert_int_eq(take(a, 3, t0 + 70), 2);
	events(ev, sizeof ev);
	ck_assert_str_eq(ev, "opened:40 answered:40");
	ck_assert_uint_eq(ch_care_open_cases(care), 0);
	care_down();
	care_staff = "\"@care\"";
}
END_TEST

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(dir, sizeof dir, "/tmp/chathost-care-XXXXXX");
}

static Suite *suite(void)
{
	Suite *s = suite_create("care");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_periods_and_dst);
	tcase_add_test(tc, test_handles_and_categories);
	tcase_add_test(tc, test_staff_mastodon_forms);
	tcase_add_test(tc, test_words);
	tcase_add_test(tc, test_cases_alerts_restart);
	tcase_add_test(tc, test_log_named_by_chat_day);
	tcase_add_test(tc, test_own_account_as_staff);
	tcase_add_test(tc, test_outside_hours_clock);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
