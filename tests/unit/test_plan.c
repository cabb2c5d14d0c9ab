/* test_plan.c - the plan: (schedule, topic, date) -> timed posts. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chtime.h"
#include "plan.h"
#include "schedule.h"
#include "topic.h"

static char tmpdir[64];

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ch_plan_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *write_file(const char *name, const char *text)
{
	char *path = ch_xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static const char sched_text[] =
	"name = \"icmichat\";\n"
	"hashtag = \"#ICMIchat\";\n"
	"weekday = \"Tuesday\";\n"
	"time = \"13:00\";\n"
	"timezone = \"America/New_York\";\n";

/* Loads the schedule (with extra settings appended) and the topic. */
static void load(struct ch_schedule *s, struct ch_topic *t, const char *extra,
		 const char *topic)
{
	struct ch_diags d = {0};
	char *text = ch_xasprintf("%s%s", sched_text, extra);
	char *sp = write_file("s.conf", text);
	char *tp = write_file("2026-12-01.conf", topic);

	memset(s, 0, sizeof *s);
	memset(t, 0, sizeof *t);
	ck_assert_int_eq(ch_schedule_load(s, sp, &d), 0);
	if (ch_topic_load(t, tp, &d) != 0) {
		ch_diags_print(&d, stderr);
		ck_abort_msg("topic did not load");
	}
	ch_diags_free(&d);
	free(text);
	free(sp);
	free(tp);
}

static int has(const struct ch_diags *d, int line, const char *needle)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->items[i].line == line && strstr(d->items[i].text, needle))
			return 1;
	return 0;
}

START_TEST(test_timeline)
{
	struct ch_schedule s;
	struct ch_topic t;
	struct ch_plan p;
	struct ch_diags d = {0};
	char utc[32];

	load(&s, &t, "",
	     "date = \"2026-12-01\";\n"
	     "intro = \"Welcome to #ICMIchat! Today: peeves.\";\n"
	     "questions = ( \"First?\", \"Second?\",\n"
	     "  { text = \"Third #icmichat?\"; at = 40; }, \"Fourth?\" );\n"
	     "wrapup = \"Thanks!\";\n");
	ck_assert_int_eq(ch_plan_build(&p, &s, &t.candidates[0], t.path,
				       t.date, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(p.n_posts, 6);
	/* 13:00 America/New_York on 2026-12-01 (EST) is 18:00 UTC */
	ch_format_utc(p.start, utc, sizeof utc);
	ck_assert_str_eq(utc, "2026-12-01T18:00:00Z");
	ck_assert_int_eq(p.end - p.start, 3600);
	ck_assert_str_eq(p.posts[0].key, "intro");
	ck_assert_str_eq(p.posts[0].text, "Welcome to #ICMIchat! Today: peeves.");
	ck_assert_int_eq(p.posts[0].reply_to_intro, 0);
	ck_assert_str_eq(p.posts[1].text, "Q1: First? #ICMIchat");
	ck_assert_int_eq(p.posts[1].offset, 5);
	ck_assert_int_eq(p.posts[1].reply_to_intro, 1);
	ck_assert_int_eq(p.posts[2].offset, 15);
	/* a question holding the tag (any case) gets no second one */
	ck_assert_str_eq(p.posts[3].text, "Q3: Third #icmichat?");
	ck_assert_int_eq(p.posts[3].offset, 40);
	/* the next question follows the one with its own time */
	ck_assert_int_eq(p.posts[4].offset, 50);
	ck_assert_str_eq(p.posts[4].key, "q4");
	ck_assert_str_eq(p.posts[5].key, "wrapup");
	ck_assert_str_eq(p.posts[5].text, "Thanks! #ICMIchat");
	ck_assert_int_eq(p.posts[5].at - p.start, 3600);
	ck_assert_int_eq(p.posts[1].weighted, 20);
	ck_assert_int_eq(p.posts[1].line, 3);
	ck_assert_int_eq(p.posts[3].line, 4);
	ch_plan_free(&p);
	ch_diags_free(&d);
	ch_topic_free(&t);
	ch_schedule_free(&s);
}
END_TEST

START_TEST(test_summer_time)
{
	struct ch_schedule s;
	struct ch_topic t;
	struct ch_plan p;
	struct ch_diags d = {0};
	char utc[32];

	load(&s, &t, "thread = false;\n",
	     "date = \"2026-12-01\";\nintro = \"Hi\";\n"
	     "questions = ( \"One?\" );\nwrapup = \"Bye\";\n");
	ck_assert_int_eq(ch_plan_build(&p, &s, &t.candidates[0], t.path,
				       "2026-03-10", &d), 0);
	ch_format_utc(p.start, utc, sizeof utc);
	ck_assert_str_eq(utc, "2026-03-10T17:00:00Z");
	ck_assert_int_eq(p.posts[1].reply_to_intro, 0);
	ck_assert_str_eq(p.posts[0].text, "Hi #ICMIchat");
	ch_plan_free(&p);
	ch_diags_free(&d);
	ch_topic_free(&t);
	ch_schedule_free(&s);
}
END_TEST

START_TEST(test_errors_at_their_lines)
{
	struct ch_schedule s;
	struct ch_topic t;
	struct ch_plan p;
	struct ch_diags d = {0};
	char long_q[400];

	memset(long_q, 'x', 290);
	long_q[290] = '\0';
	{
		char *topic = ch_xasprintf(
			"date = \"2026-12-01\";\n"
			"intro = \"Hello\";\n"
			"questions = (\n"
			"  \"%s\",\n"             /* line 4: too long */
			"  \"Same?\",\n"          /* line 5 */
			"  \"Same?\",\n"          /* line 6: Q2:/Q3: differ */
			"  { text = \"Late\"; at = 70; },\n" /* line 7: after end */
			"  { text = \"Back\"; at = 10; }\n"  /* line 8: out of order */
			");\n"
			"wrapup = \"Hello\";\n",  /* line 10: same as intro */
			long_q);

		load(&s, &t, "", topic);
		free(topic);
	}
	ck_assert_int_eq(ch_plan_build(&p, &s, &t.candidates[0], t.path,
				       t.date, &d), -1);
	ck_assert_msg(has(&d, 4, "shorten it by"), "too long at 4");
	ck_assert_msg(has(&d, 7, "after the end"), "late at 7");
	ck_assert_msg(has(&d, 8, "comes before the question before it"), "order at 8");
	ck_assert_msg(has(&d, 10, "the wrap-up has the same text as the intro"),
		      "wrapup at 10");
	ck_assert_uint_eq(d.n, 4);
	ch_plan_free(&p);
	ch_diags_free(&d);
	ch_topic_free(&t);
	ch_schedule_free(&s);
}
END_TEST

START_TEST(test_question_at_end)
{
	struct ch_schedule s;
	struct ch_topic t;
	struct ch_plan p;
	struct ch_diags d = {0};

	load(&s, &t, "duration = 30;\n",
	     "date = \"2026-12-01\";\nintro = \"Hi\";\n"
	     "questions = ( { text = \"At the end\"; at = 30; } );\n"
	     "wrapup = \"Bye\";\n");
	ck_assert_int_eq(ch_plan_build(&p, &s, &t.candidates[0], t.path,
				       t.date, &d), -1);
	ck_assert_msg(has(&d, 3, "at the end of the chat"), "at end");
	ch_plan_free(&p);
	ch_diags_free(&d);
	ch_topic_free(&t);
	ch_schedule_free(&s);
}
END_TEST

START_TEST(test_same_minute)
{
	struct ch_schedule s;
	struct ch_topic t;
	struct ch_plan p;
	struct ch_diags d = {0};

	/* increasing time order: two questions in one minute are refused */
	load(&s, &t, "first_question = 0;\n",
	     "date = \"2026-12-01\";\nintro = \"Hi\";\n"
	     "questions = ( \"Now?\", { text = \"Also now?\"; at = 0; } );\n"
	     "wrapup = \"Bye\";\n");
	ck_assert_int_eq(ch_plan_build(&p, &s, &t.candidates[0], t.path,
				       t.date, &d), -1);
	ck_assert_msg(has(&d, 3, "is at the same minute as the question before it"),
		      "same minute");
	ch_plan_free(&p);
	ch_diags_free(&d);
	ch_topic_free(&t);
	ch_schedule_free(&s);
	/* one question at the intro's minute is posted, with a warning */
	load(&s, &t, "first_question = 0;\n",
	     "date = \"2026-12-01\";\nintro = \"Hi\";\n"
	     "questions = ( \"Now?\", \"Later?\" );\n"
	     "wrapup = \"Bye\";\n");
	ck_assert_int_eq(ch_plan_build(&p, &s, &t.candidates[0], t.path,
				       t.date, &d), 0);
	ck_assert_uint_eq(p.n_posts, 4);
	ck_assert_int_eq(p.posts[1].offset, 0);
	ck_assert_str_eq(p.posts[2].key, "q2");
	ck_assert_uint_eq(p.warnings.n, 1);
	ck_assert_ptr_nonnull(strstr(p.warnings.items[0].text, "intro's minute"));
	ch_plan_free(&p);
	ch_diags_free(&d);
	ch_topic_free(&t);
	ch_schedule_free(&s);
}
END_TEST

START_TEST(test_weekday_and_name)
{
	struct ch_schedule s;
	struct ch_topic t;
	struct ch_diags d = {0};

	load(&s, &t, "",
	     "date = \"2026-12-02\";\nintro = \"Hi\";\n"
	     "questions = ( \"Q\" );\nwrapup = \"Bye\";\n");
	ck_assert_int_eq(ch_plan_check_topic(&t, &s, &d), -1);
	ck_assert_msg(has(&d, 1, "is a Wednesday"), "weekday");
	ck_assert_msg(has(&d, 1, "does not match the file name"), "name");
	ck_assert_uint_eq(d.n, 2);
	ch_diags_free(&d);
	ch_topic_free(&t);
	ch_schedule_free(&s);
}
END_TEST

START_TEST(test_with_hashtag)
{
	char *s;

	s = ch_plan_with_hashtag("Hi #ICMIchatter", "#ICMIchat");
	ck_assert_str_eq(s, "Hi #ICMIchatter #ICMIchat");
	free(s);
	s = ch_plan_with_hashtag("Hi #icmichat!", "#ICMIchat");
	ck_assert_str_eq(s, "Hi #icmichat!");
	free(s);
	s = ch_plan_with_hashtag("Trailing  ", "#ICMIchat");
	ck_assert_str_eq(s, "Trailing #ICMIchat");
	free(s);
	s = ch_plan_with_hashtag("x#ICMIchat", "#ICMIchat");
	ck_assert_str_eq(s, "x#ICMIchat #ICMIchat");
	free(s);
}
END_TEST

START_TEST(test_reminders)
{
	struct ch_schedule s;
	struct ch_topic t;
	struct ch_plan p;
	struct ch_diags d = {0};
	char label[48];

	/* given latest first in the file; the plan has them earliest first,
	 * before the intro, each with its placeholders filled */
	load(&s, &t,
	     "also_zones = [ \"Europe/London\", \"Australia/Sydney\" ];\n"
	     "reminders = ( { before = 60; text = \"{title} in an hour: {time} ({also})\"; },\n"
	     "  { before = 1440; text = \"Tomorrow, {day} {date}: {title}\"; } );\n",
	     "date = \"2026-12-01\";\ntitle = \"Pet peeves\";\n"
	     "intro = \"Welcome!\";\nquestions = ( \"First?\" );\nwrapup = \"Thanks!\";\n");
	ck_assert_int_eq(ch_plan_build(&p, &s, &t.candidates[0], t.path,
				       t.date, &d), 0);
	ck_assert_uint_eq(p.n_posts, 5);
	ck_assert_str_eq(p.posts[0].key, "remind1440");
	ck_assert_int_eq(p.posts[0].kind, CH_POST_REMINDER);
	ck_assert_int_eq(p.start - p.posts[0].at, 86400);
	ck_assert_int_eq(p.posts[0].offset, -1440);
	ck_assert_str_eq(p.posts[0].text,
			 "Tomorrow, Tuesday 2026-12-01: Pet peeves #ICMIchat");
	ck_assert_int_eq(p.posts[0].reply_to_intro, 0);
	ck_assert_int_eq(p.posts[0].line, 8);
	ck_assert_str_eq(p.posts[1].key, "remind60");
	/* 13:00 in New York is 18:00 in London, 05:00 the next day in Sydney */
	ck_assert_str_eq(p.posts[1].text,
			 "Pet peeves in an hour: 13:00 New York time (18:00 in London, 05:00 Wed in Sydney) #ICMIchat");
	ck_assert_str_eq(ch_plan_post_label(&p.posts[1], label, sizeof label),
			 "reminder 60 min before");
	ck_assert_str_eq(p.posts[2].key, "intro");
	ch_plan_free(&p);
	ch_diags_free(&d);
	ch_topic_free(&t);
	ch_schedule_free(&s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_timeline);
	tcase_add_test(tc, test_reminders);
	tcase_add_test(tc, test_summer_time);
	tcase_add_test(tc, test_errors_at_their_lines);
	tcase_add_test(tc, test_question_at_end);
	tcase_add_test(tc, test_same_minute);
	tcase_add_test(tc, test_weekday_and_name);
	tcase_add_test(tc, test_with_hashtag);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
