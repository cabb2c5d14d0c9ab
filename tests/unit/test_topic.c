/* test_topic.c - the topic file loader (bot/topic.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "topic.h"

static char tmpdir[64];

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ch_topic_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

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

static int load(struct ch_topic *t, const char *text, struct ch_diags *d)
{
	return ch_topic_load(t, write_file("2026-12-01.conf", text), d);
}

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

static void expect_bad(const char *text, size_t n, int line,
		       const char *needle)
{
	struct ch_topic t;
	struct ch_diags d = {0};
	size_t i;

	ck_assert_int_eq(load(&t, text, &d), -1);
	if (d.n != n || !has_diag(&d, line, needle))
		dump(&d);
	ck_assert_uint_eq(d.n, n);
	ck_assert_msg(has_diag(&d, line, needle), "no diag at line %d with %s",
		      line, needle);
	/* even an invalid topic holds no NULL texts */
	for (i = 0; i < t.n_candidates; i++) {
		ck_assert_ptr_nonnull(t.candidates[i].title);
		ck_assert_ptr_nonnull(t.candidates[i].intro);
		ck_assert_ptr_nonnull(t.candidates[i].wrapup);
		ck_assert_ptr_nonnull(t.candidates[i].questions);
	}
	ch_topic_free(&t);
	ch_diags_free(&d);
}

#define SINGLE                                                               \
	"date = \"2026-12-01\";\n"                                           \
	"title = \"Pet peeves\";\n"                                          \
	"intro = \"Welcome!\";\n"                                            \
	"questions = (\n"                                                    \
	"  \"First?\",\n"                                                    \
	"  { text = \"Second?\"; at = 25; },\n"                              \
	"  \"Third?\"\n"                                                     \
	");\n"                                                               \
	"wrapup = \"Thanks!\";\n"

/* 9 lines; then the poll file */
#define CAND(label)                                                          \
	"  { label = \"" label "\"; intro = \"Hi\"; questions = ( \"Q?\" );" \
	" wrapup = \"Bye\"; }"

#define POLLFILE(cands)                                                      \
	"date = \"2026-12-08\";\n"                                           \
	"poll = {\n"                                                         \
	"  text = \"What next?\";\n"                                         \
	"  post_at = \"2026-12-01 14:00\";\n"                                \
	"  duration = 4320;\n"                                               \
	"};\n"                                                               \
	"candidates = (\n" cands "\n);\n"

START_TEST(test_single)
{
	struct ch_topic t;
	struct ch_diags d = {0};
	struct ch_topic_body *b;

	ck_assert_int_eq(load(&t, SINGLE, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_str_eq(t.date, "2026-12-01");
	ck_assert_int_eq(t.date_line, 1);
	ck_assert(!t.has_poll);
	ck_assert_uint_eq(t.n_candidates, 1);
	b = &t.candidates[0];
	ck_assert_ptr_null(b->label);
	ck_assert_str_eq(b->title, "Pet peeves");
	ck_assert_int_eq(b->title_line, 2);
	ck_assert_str_eq(b->intro, "Welcome!");
	ck_assert_int_eq(b->intro_line, 3);
	ck_assert_uint_eq(b->n_questions, 3);
	ck_assert_str_eq(b->questions[0].text, "First?");
	ck_assert_int_eq(b->questions[0].at, -1);
	ck_assert_int_eq(b->questions[0].line, 5);
	ck_assert_str_eq(b->questions[1].text, "Second?");
	ck_assert_int_eq(b->questions[1].at, 25);
	ck_assert_int_eq(b->questions[1].line, 6);
	ck_assert_str_eq(b->questions[2].text, "Third?");
	/* libconfig reports the ')' line for the last element; we correct */
	ck_assert_int_eq(b->questions[2].line, 7);
	ck_assert_str_eq(b->wrapup, "Thanks!");
	ck_assert_int_eq(b->wrapup_line, 9);
	ck_assert_str_eq(t.path, write_file("2026-12-01.conf", SINGLE));
	ch_topic_free(&t);
	ch_diags_free(&d);
}
END_TEST

START_TEST(test_title_optional_array)
{
	struct ch_topic t;
	struct ch_diags d = {0};

	ck_assert_int_eq(load(&t, "date=\"2026-12-01\"; intro=\"i\"; "
				  "questions=[\"a\",\"b\"]; wrapup=\"w\";", &d), 0);
	ck_assert_str_eq(t.candidates[0].title, "");
	ck_assert_uint_eq(t.candidates[0].n_questions, 2);
	ck_assert_str_eq(t.path, write_file("2026-12-01.conf", ""));
	ch_topic_free(&t);
	ch_diags_free(&d);
}
END_TEST

START_TEST(test_poll)
{
	struct ch_topic t;
	struct ch_diags d = {0};
	char want[256];

	ck_assert_int_eq(load(&t,
		"date = \"2026-12-08\";\n"
		"poll = {\n"
		"  text = \"What next?\";\n"
		"  post_at = \"2026-12-01 14:00\";\n"
		"  duration = 4320;\n"
		"  extra_votes = \"votes/linkedin.csv\";\n"
		"  tie = \"random\";\n"
		"};\n"
		"candidates = (\n"
		"  { label = \"Pet peeves\"; title = \"Peeves\"; intro = \"Hi\";\n"
		"    questions = ( \"Q1?\", \"Q2?\" ); wrapup = \"Bye\"; },\n"
		"  { label = \"AI in the contact center\"; intro = \"Hey\";\n"
		"    questions = ( \"Q?\" ); wrapup = \"Ciao\"; },\n"
		"  { label = \"Café ☕ talk\"; intro = \"Yo\";\n"
		"    questions = ( \"Q?\" ); wrapup = \"Later\"; }\n"
		");\n", &d), 0);
	if (d.n)
		dump(&d);
	ck_assert_uint_eq(d.n, 0);
	ck_assert(t.has_poll);
	ck_assert_str_eq(t.date, "2026-12-08");
	ck_assert_str_eq(t.poll.text, "What next?");
	ck_assert_int_eq(t.poll.text_line, 3);
	ck_assert_str_eq(t.poll.post_at, "2026-12-01 14:00");
	ck_assert_int_eq(t.poll.post_at_line, 4);
	ck_assert_int_eq(t.poll.duration, 4320);
	ck_assert_int_eq(t.poll.duration_line, 5);
	snprintf(want, sizeof want, "%s/votes/linkedin.csv", tmpdir);
	ck_assert_str_eq(t.poll.extra_votes, want);
	ck_assert_int_eq(t.poll.extra_votes_line, 6);
	ck_assert_int_eq(t.poll.tie, CH_TIE_RANDOM);
	ck_assert_int_eq(t.poll.line, 2);
	ck_assert_uint_eq(t.n_candidates, 3);
	ck_assert_str_eq(t.candidates[0].label, "Pet peeves");
	ck_assert_str_eq(t.candidates[0].title, "Peeves");
	ck_assert_int_eq(t.candidates[0].label_line, 10);
	ck_assert_uint_eq(t.candidates[0].n_questions, 2);
	ck_assert_str_eq(t.candidates[1].label, "AI in the contact center");
	ck_assert_str_eq(t.candidates[1].title, "AI in the contact center");
	ck_assert_str_eq(t.candidates[1].intro, "Hey");
	ck_assert_int_eq(t.candidates[1].intro_line, 12);
	ck_assert_str_eq(t.candidates[2].label, "Café ☕ talk");
	ch_topic_free(&t);
	ch_diags_free(&d);
}
END_TEST

START_TEST(test_poll_defaults)
{
	struct ch_topic t;
	struct ch_diags d = {0};

	ck_assert_int_eq(load(&t, POLLFILE(CAND("A") ",\n" CAND("B")), &d), 0);
	ck_assert_int_eq(t.poll.tie, CH_TIE_FIRST);
	ck_assert_ptr_null(t.poll.extra_votes);
	ck_assert_uint_eq(t.n_candidates, 2);
	ch_topic_free(&t);
	ch_diags_free(&d);
}
END_TEST

START_TEST(test_missing_file_and_syntax)
{
	struct ch_topic t;
	struct ch_diags d = {0};

	ck_assert_int_eq(ch_topic_load(&t, "/nonexistent/2026-12-01.conf", &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.items[0].line, 0);
	ck_assert_str_eq(d.items[0].text, "cannot open: No such file or directory");
	ch_topic_free(&t);
	ch_diags_free(&d);
	expect_bad("date = \"2026-12-01\";\nintro = \"unterminated;\n"
		   "wrapup = \"x\";\n", 1, 2,
		   "text in quotes is not closed on this line");
	expect_bad("date = \"2026-12-01\";\nintro = \"a\\\"b;\n"
		   "title = \"x\\\\\";\nwrapup = \"c\nd\";\n", 1, 2,
		   "not closed");
	/* escaped quotes and backslashes do not end or open a text */
	expect_bad("date = \"2026-12-01\";\nintro = \"a\\\"b\"; // \"\n"
		   "title = \"x\\\\\";\nwrapup = \"c\nd\";\n", 1, 4,
		   "not closed");
	expect_bad("date = \"2026-12-01\";\nintro = \"open at the end", 1, 2,
		   "not closed");
	expect_bad("date = \"2026-12-01\"\nintro = Welcome;\n", 1, 2,
		   "syntax error");
}
END_TEST

START_TEST(test_required)
{
	struct ch_topic t;
	struct ch_diags d = {0};

	ck_assert_int_eq(load(&t, "title = \"x\";\n", &d), -1);
	ck_assert_uint_eq(d.n, 4);
	ck_assert(has_diag(&d, 0, "missing required setting \"date\""));
	ck_assert(has_diag(&d, 0, "missing intro"));
	ck_assert(has_diag(&d, 0, "missing questions"));
	ck_assert(has_diag(&d, 0, "missing wrapup"));
	ch_topic_free(&t);
	ch_diags_free(&d);
}
END_TEST

START_TEST(test_values)
{
	expect_bad("date = \"2026-02-30\";\nintro=\"i\"; questions=(\"q\"); "
		   "wrapup=\"w\";\n", 1, 1,
		   "date \"2026-02-30\" is not a real date");
	expect_bad("date = \"12/01/2026\";\nintro=\"i\"; questions=(\"q\"); "
		   "wrapup=\"w\";\n", 1, 1, "is not a real date");
	expect_bad("date = 20261201;\nintro=\"i\"; questions=(\"q\"); "
		   "wrapup=\"w\";\n", 1, 1,
		   "date must be a string \"YYYY-MM-DD\", not a whole number");
	expect_bad("date=\"2026-12-01\"; questions=(\"q\"); wrapup=\"w\";\n"
		   "intro = \"  \";\n", 1, 2, "intro is empty");
	expect_bad("date=\"2026-12-01\"; questions=(\"q\"); wrapup=\"w\";\n"
		   "intro = \"i\"; title = \"\";\n", 1, 2, "title is empty");
	expect_bad("date=\"2026-12-01\"; intro=\"i\"; wrapup=\"w\";\n"
		   "questions = ( \"a\",\n \"\" );\n", 1, 3,
		   "question 2 is empty");
	expect_bad("date=\"2026-12-01\"; intro=\"i\"; wrapup=\"w\";\n"
		   "questions = ();\n", 1, 2, "questions: a chat has 1 to 20 "
					      "questions; this one has 0");
	expect_bad("date=\"2026-12-01\"; intro=\"i\"; wrapup=\"w\";\n"
		   "questions = (\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\","
		   "\"9\",\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\","
		   "\"18\",\"19\",\"20\",\"21\");\n", 1, 2,
		   "this one has 21");
	expect_bad("date=\"2026-12-01\"; intro=\"i\"; wrapup=\"w\";\n"
		   "questions = \"just one\";\n", 1, 2,
		   "questions must be a list");
	expect_bad("date=\"2026-12-01\"; intro=\"i\"; wrapup=\"w\";\n"
		   "questions = ( \"a\",\n 42 );\n", 1, 3,
		   "question 2 must be a string or a group");
	expect_bad("date=\"2026-12-01\"; intro=\"i\"; wrapup=\"w\";\n"
		   "questions = ( \"a\",\n { at = 5; } );\n", 1, 3,
		   "question 2 has no text");
	expect_bad("date=\"2026-12-01\"; intro=\"i\"; wrapup=\"w\";\n"
		   "questions = ( { text = \"a\";\n at = -5; } );\n", 1, 3,
		   "question 1: at = -5 is negative");
	expect_bad("date=\"2026-12-01\"; intro=\"i\"; wrapup=\"w\";\n"
		   "questions = ( { text = \"a\";\n at = \"25\"; } );\n", 1, 3,
		   "question 1: at must be a whole number");
	expect_bad("date=\"2026-12-01\"; intro=\"i\"; wrapup=\"w\";\n"
		   "questions = ( { text = \"a\";\n time = 25; } );\n", 1, 3,
		   "unknown setting \"time\" in a question");
	expect_bad("date=\"2026-12-01\"; intro=\"i\"; wrapup=\"w\";\n"
		   "questions=(\"q\");\nwrapup_text = \"x\";\n", 1, 3,
		   "unknown setting \"wrapup_text\"");
	expect_bad("date=\"2026-12-01\"; questions=(\"q\"); wrapup=\"w\";\n"
		   "intro = 5;\n", 1, 2, "intro must be a string");
	expect_bad("date=\"2026-12-01\"; intro=\"i\"; questions=(\"q\"); "
		   "wrapup=\"w\";\nintor = \"x\";\n", 1, 2,
		   "did you mean \"intro\"?");
}
END_TEST

START_TEST(test_poll_rules)
{
	/* wrong number of candidates */
	expect_bad(POLLFILE(CAND("A")), 1, 7, "a poll offers 2 to 4 candidates; "
					      "this file has 1");
	expect_bad(POLLFILE(CAND("A") ",\n" CAND("B") ",\n" CAND("C") ",\n"
			    CAND("D") ",\n" CAND("E")), 1, 7,
		   "this file has 5");
	/* labels */
	expect_bad(POLLFILE(CAND("A") ",\n" CAND("12345678901234567890123456")),
		   1, 9, "has 26 characters");
	expect_bad(POLLFILE(CAND("A") ",\n" CAND("")), 1, 9,
		   "candidate 2: label is empty");
	expect_bad(POLLFILE(CAND("Pet peeves") ",\n" CAND("PET PEEVES")), 1, 9,
		   "candidate 2: label \"PET PEEVES\" is already used by "
		   "candidate 1 (line 8)");
	/* 25 code points of 2-byte characters is fine */
	{
		struct ch_topic t;
		struct ch_diags d = {0};

		ck_assert_int_eq(load(&t, POLLFILE(CAND("A") ",\n" CAND(
			"ééééééééééééééééééééééééé")), &d), 0);
		ch_topic_free(&t);
		ch_diags_free(&d);
	}
	/* poll values */
	expect_bad("date=\"2026-12-08\";\npoll = { text=\"t\"; post_at=\"2026-12-01 14:00\";"
		   "\n duration = 4; };\ncandidates=(\n" CAND("A") ",\n" CAND("B")
		   ");\n", 1, 3, "poll.duration = 4 is out of range");
	expect_bad("date=\"2026-12-08\";\npoll = { text=\"t\"; post_at=\"2026-12-01 14:00\";"
		   "\n duration = 10081; };\ncandidates=(\n" CAND("A") ",\n" CAND("B")
		   ");\n", 1, 3, "poll.duration = 10081");
	expect_bad("date=\"2026-12-08\";\npoll = { text=\"t\"; duration=60;\n"
		   " post_at = \"2026-12-01T14:00\"; };\ncandidates=(\n" CAND("A")
		   ",\n" CAND("B") ");\n", 1, 3,
		   "poll.post_at \"2026-12-01T14:00\" is not a date and time");
	expect_bad("date=\"2026-12-08\";\npoll = { text=\"t\"; duration=60;\n"
		   " post_at = \"2026-12-01 25:00\"; };\ncandidates=(\n" CAND("A")
		   ",\n" CAND("B") ");\n", 1, 3, "is not a date and time");
	expect_bad("date=\"2026-12-08\";\npoll = { text=\"t\"; duration=60;\n"
		   " post_at = \"2026-12-32 10:00\"; };\ncandidates=(\n" CAND("A")
		   ",\n" CAND("B") ");\n", 1, 3, "is not a date and time");
	expect_bad("date=\"2026-12-08\";\npoll = { duration=60; post_at=\"2026-12-01 10:00\";\n"
		   " tie = \"last\"; };\ncandidates=(\n" CAND("A") ",\n" CAND("B")
		   ");\n", 2, 3, "poll.tie \"last\" is not a tie rule");
	expect_bad("date=\"2026-12-08\";\npoll = { text=\"t\"; duration=60; "
		   "post_at=\"2026-12-01 10:00\";\n votes = 3; };\ncandidates=(\n"
		   CAND("A") ",\n" CAND("B") ");\n", 1, 3,
		   "unknown setting \"votes\" in poll");
	expect_bad("date=\"2026-12-08\";\npoll = \"yes\";\ncandidates=(\n"
		   CAND("A") ",\n" CAND("B") ");\n", 1, 2, "poll must be a group");
	/* poll without candidates, candidates without a poll */
	expect_bad("date=\"2026-12-08\";\npoll = { text=\"t\"; duration=60; "
		   "post_at=\"2026-12-01 10:00\"; };\n", 1, 2,
		   "a poll needs candidates");
	expect_bad("date=\"2026-12-08\";\ncandidates=(\n" CAND("A") ",\n"
		   CAND("B") ");\n", 1, 2, "candidates need a poll");
	/* a candidate that is not a group, one missing parts */
	expect_bad(POLLFILE(CAND("A") ",\n \"B\""), 1, 9,
		   "candidate 2 must be a group");
	expect_bad(POLLFILE(CAND("A") ",\n { label = \"B\"; }"), 3, 9,
		   "candidate 2: missing intro");
	expect_bad(POLLFILE(CAND("A") ",\n { intro=\"i\"; questions=(\"q\"); "
			    "wrapup=\"w\"; }"), 1, 9,
		   "candidate 2: has no label");
	expect_bad(POLLFILE(CAND("A") ",\n { label=\"B\"; intro=\"i\"; "
			    "questions=(\"q\"); wrapup=\"w\"; when=1; }"), 1, 9,
		   "unknown setting \"when\" in a candidate");
	/* a missing poll setting */
	expect_bad("date=\"2026-12-08\";\npoll = { duration=60; post_at=\"2026-12-01 10:00\"; };\n"
		   "candidates=(\n" CAND("A") ",\n" CAND("B") ");\n", 1, 2,
		   "poll has no text");
}
END_TEST

START_TEST(test_mixed)
{
	struct ch_topic t;
	struct ch_diags d = {0};

	ck_assert_int_eq(load(&t, POLLFILE(CAND("A") ",\n" CAND("B"))
			     "intro = \"Welcome\";\nquestions = (\"q\");\n", &d), -1);
	if (d.n != 2)
		dump(&d);
	ck_assert_uint_eq(d.n, 2);
	ck_assert(has_diag(&d, 11, "intro does not belong beside a poll"));
	ck_assert(has_diag(&d, 12, "questions does not belong beside a poll"));
	ch_topic_free(&t);
	ch_diags_free(&d);
}
END_TEST

START_TEST(test_all_reported)
{
	struct ch_topic t;
	struct ch_diags d = {0};

	ck_assert_int_eq(load(&t,
		"date = \"2026-13-01\";\n"
		"title = 3;\n"
		"intro = \"\";\n"
		"questions = (\n"
		"  \"\",\n"
		"  { text = \"ok\"; at = -1; },\n"
		"  true\n"
		");\n"
		"wrapup = \"w\";\n"
		"colour = 1;\n", &d), -1);
	if (d.n != 7)
		dump(&d);
	ck_assert_uint_eq(d.n, 7);
	ck_assert(has_diag(&d, 1, "not a real date"));
	ck_assert(has_diag(&d, 2, "title must be a string"));
	ck_assert(has_diag(&d, 3, "intro is empty"));
	ck_assert(has_diag(&d, 5, "question 1 is empty"));
	ck_assert(has_diag(&d, 6, "question 2: at = -1"));
	ck_assert(has_diag(&d, 7, "question 3 must be a string"));
	ck_assert(has_diag(&d, 10, "unknown setting \"colour\""));
	ch_topic_free(&t);
	ch_diags_free(&d);
}
END_TEST

START_TEST(test_topic_path)
{
	char *p = ch_topic_path("/srv/topics", "2026-12-01");

	ck_assert_str_eq(p, "/srv/topics/2026-12-01.conf");
	free(p);
}
END_TEST

START_TEST(test_not_text)
{
	struct ch_topic t;
	struct ch_diags d = {0};
	const char *path = write_file("bin.conf", "");
	FILE *fp = fopen(path, "wb");

	ck_assert_ptr_nonnull(fp);
	fwrite("date = \"x\0\";", 1, 12, fp);
	fclose(fp);
	ck_assert_int_eq(ch_topic_load(&t, path, &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert(has_diag(&d, 0, "NUL byte"));
	ch_topic_free(&t);
	ch_diags_free(&d);
	/* invalid UTF-8 in a label */
	expect_bad(POLLFILE(CAND("A") ",\n" CAND("\xff\xfe")), 1, 9,
		   "not valid UTF-8");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("topic");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_single);
	tcase_add_test(tc, test_title_optional_array);
	tcase_add_test(tc, test_poll);
	tcase_add_test(tc, test_poll_defaults);
	tcase_add_test(tc, test_missing_file_and_syntax);
	tcase_add_test(tc, test_required);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_poll_rules);
	tcase_add_test(tc, test_mixed);
	tcase_add_test(tc, test_all_reported);
	tcase_add_test(tc, test_topic_path);
	tcase_add_test(tc, test_not_text);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
