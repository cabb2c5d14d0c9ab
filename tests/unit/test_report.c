/* test_report.c - chathost report: options, figures, formats. The full
 * figure-by-figure check against an independent computation is
 * tests/integration/report_json.py. */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common.h"
#include "mut.h"
#include "cli.h"
#include "report.h"
#include "report_model.h"

#define LOGS "tests/data/logs/icmichat"

static char tmpdir[64];
static char *out_text; /* last --out contents */
static char *err_text; /* last stderr */

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_report.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char *cmd = ch_xasprintf("rm -rf '%s'", tmpdir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(out_text);
	free(err_text);
	out_text = err_text = NULL;
}

/* Runs ch_cmd_report with argv (NULL-terminated, after "report") and
 * "--out TMP/out"; keeps the output and stderr. */
static int run(const char *const *args)
{
	char *argv[32], *out = ch_xasprintf("%s/out", tmpdir),
	     *errp = ch_xasprintf("%s/stderr", tmpdir);
	int argc = 0, rc, saved, fd;

	argv[argc++] = mut("report");
	argv[argc++] = mut("--out");
	argv[argc++] = out;
	for (; *args; args++)
		argv[argc++] = mut(*args);
	argv[argc] = NULL;
	unlink(out);
	fflush(stderr);
	saved = dup(2);
	fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 2);
	close(fd);
	rc = ch_cmd_report(argc, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	free(out_text);
	free(err_text);
	out_text = ch_read_file(out, 1 << 26, NULL, NULL);
	err_text = ch_read_file(errp, 1 << 20, NULL, NULL);
	free(out);
	free(errp);
	return rc;
}

#define RUN(...) run((const char *const[]){__VA_ARGS__, NULL})

static json_t *run_json(const char *const *args)
{
	json_t *j;
	json_error_t je;

	ck_assert_int_eq(run(args), 0);
	ck_assert_ptr_nonnull(out_text);
	j = json_loads(out_text, 0, &je);
	ck_assert_msg(j != NULL, "json: %s", je.text);
	return j;
}

#define RUN_JSON(...) run_json((const char *const[]){__VA_ARGS__, NULL})

static json_t *chat(json_t *root, size_t i)
{
	return json_array_get(json_object_get(root, "chats"), i);
}

static long long geti(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", k);
	return (long long)json_integer_value(v);
}

static void write_file(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(s, fp);
	fclose(fp);
}

START_TEST(usage_errors_exit_2)
{
	ck_assert_int_eq(RUN("--format", "pdf", LOGS), 2);
	ck_assert_ptr_nonnull(strstr(err_text, "--format pdf"));
	ck_assert_int_eq(RUN("--bogus", LOGS), 2);
	ck_assert_int_eq(RUN("--core", "9/3", LOGS), 2);
	ck_assert_int_eq(RUN("--core", "x", LOGS), 2);
	ck_assert_int_eq(RUN("--core-min", "0", LOGS), 2);
	ck_assert_int_eq(RUN("--since", "2026-13-01", LOGS), 2);
	ck_assert_int_eq(RUN("--until", "tomorrow", LOGS), 2);
	ck_assert_int_eq(RUN("--format"), 2);
	{
		char *argv[] = {mut("report"), NULL};

		ck_assert_int_eq(ch_cmd_report(1, argv), 2);
	}
}
END_TEST

START_TEST(input_errors_exit_1)
{
	char *p = ch_xasprintf("%s/nope", tmpdir), *sub, *f;

	ck_assert_int_eq(RUN(p), 1);
	ck_assert_ptr_nonnull(strstr(err_text, "No such file"));
	ck_assert_int_eq(RUN(tmpdir), 1); /* empty folder */
	ck_assert_ptr_nonnull(strstr(err_text, "no YYYY-MM-DD.jsonl logs"));
	sub = ch_xasprintf("%s/icmichat", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(RUN(tmpdir), 1); /* the parent logs folder */
	ck_assert_ptr_nonnull(strstr(err_text, "name one chat's folder"));
	ck_assert_int_eq(RUN("--since", "2030-01-01", LOGS), 1);
	ck_assert_ptr_nonnull(strstr(err_text, "no chat logs between"));
	f = ch_xasprintf("%s/notes.txt", sub);
	write_file(f, "hello\n");
	ck_assert_int_eq(RUN(sub), 1);
	free(f);
	free(sub);
	free(p);
}
END_TEST

START_TEST(json_figures_by_hand)
{
	json_t *r = RUN_JSON("--format", "json", LOGS), *c, *a, *q;

	ck_assert_uint_eq(json_array_size(json_object_get(r, "chats")), 4);
	ck_assert_int_eq(geti(r, "bad_lines"), 3);
	ck_assert_int_eq(geti(r, "people"), 7);
	/* bad lines reported as FILE:LINE, the report still complete */
	ck_assert_ptr_nonnull(strstr(err_text, "2026-11-24.jsonl:9: skipped: not JSON"));
	ck_assert_ptr_nonnull(strstr(err_text, "2026-11-24.jsonl:10: skipped: missing field \"text\""));
	ck_assert_ptr_nonnull(strstr(err_text, "2026-11-24.jsonl:17: skipped: torn last line"));

	c = chat(r, 0);
	ck_assert_str_eq(json_string_value(json_object_get(c, "date")), "2026-11-10");
	ck_assert_int_eq(geti(c, "participants"), 4);
	ck_assert_int_eq(geti(c, "posts"), 7);
	ck_assert_int_eq(geti(c, "host_posts"), 5);
	a = json_object_get(c, "answers_per_question");
	ck_assert_uint_eq(json_array_size(a), 2);
	ck_assert_int_eq(json_integer_value(json_array_get(a, 0)), 4);
	ck_assert_int_eq(json_integer_value(json_array_get(a, 1)), 2);
	q = json_array_get(json_object_get(c, "questions"), 1);
	ck_assert(fabs(json_real_value(json_object_get(q, "first_answer_delay_seconds")) - 62.25) < 1e-9);
	ck_assert_int_eq(geti(q, "labelled"), 2);
	ck_assert_int_eq(geti(c, "unlabelled_replies"), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(c, "busiest_minute"), "minute")),
			 "2026-11-10T18:06:00.000Z");
	ck_assert_int_eq(geti(json_object_get(c, "busiest_minute"), "posts"), 3);
	ck_assert_int_eq(geti(c, "first_timers"), 4);
	ck_assert_int_eq(geti(c, "returning"), 0);
	ck_assert(json_is_null(json_object_get(c, "retention")));
	/* alice got a host reply; bob, xiaolong, jose did not */
	ck_assert_uint_eq(json_array_size(json_object_get(c, "first_timers_not_replied")), 3);

	c = chat(r, 1); /* the chat with no answers */
	ck_assert_int_eq(geti(c, "participants"), 1);
	a = json_object_get(c, "answers_per_question");
	ck_assert_int_eq(json_integer_value(json_array_get(a, 0)), 0);
	ck_assert_int_eq(json_integer_value(json_array_get(a, 1)), 0);
	q = json_array_get(json_object_get(c, "questions"), 0);
	ck_assert(json_is_null(json_object_get(q, "first_answer_delay_seconds")));
	ck_assert(fabs(json_real_value(json_object_get(c, "retention")) - 0.25) < 1e-9);

	c = chat(r, 2);
	ck_assert_int_eq(geti(c, "participants"), 4);
	ck_assert_int_eq(geti(c, "posts"), 7);
	ck_assert_int_eq(geti(c, "duplicate_ids"), 1);
	ck_assert_int_eq(geti(c, "bad_lines"), 3);
	ck_assert_int_eq(geti(c, "first_timers"), 2);
	ck_assert_int_eq(geti(c, "core"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(c, "busiest_minute"), "minute")),
			 "2026-11-24T18:05:00.000Z");
	a = json_object_get(c, "first_timers_not_replied");
	ck_assert_uint_eq(json_array_size(a), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(a, 0), "name")),
			 "Dave, the \\ Dev");

	c = chat(r, 3);
	ck_assert_int_eq(geti(c, "core"), 2);
	ck_assert_int_eq(geti(c, "lapsed"), 0);
	ck_assert(fabs(json_real_value(json_object_get(c, "retention")) - 0.75) < 1e-9);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "transcript"), "date")),
			 "2026-12-01");
	json_decref(r);
}
END_TEST

/* Writes a chat log with one host post and one answer per author. */
static void synth(const char *dir, const char *date, const char *authors)
{
	char *path = ch_xasprintf("%s/%s.jsonl", dir, date);
	struct ch_buf b = {0};
	const char *p;
	int n = 0;

	ch_buf_printf(&b, "{\"id\":\"h%s\",\"created_at\":\"%sT18:05:00Z\","
			  "\"author_id\":\"host\",\"kind\":\"host\","
			  "\"question\":1,\"text\":\"Q1: hi\"}\n",
		      date, date);
	for (p = authors; *p; p++, n++)
		ch_buf_printf(&b, "{\"id\":\"%s-%c\",\"created_at\":\"%sT18:06:%02dZ\","
				  "\"author_id\":\"%c\",\"username\":\"user_%c\","
				  "\"kind\":\"answer\",\"question\":1,"
				  "\"attributed_by\":\"label\",\"text\":\"A1\"}\n",
			      date, *p, date, n, *p, *p);
	write_file(path, ch_buf_str(&b));
	ch_buf_free(&b);
	free(path);
}

START_TEST(core_group_and_lapsed)
{
	json_t *r, *c, *l;

	synth(tmpdir, "2026-01-06", "xy");
	synth(tmpdir, "2026-01-13", "xz");
	synth(tmpdir, "2026-01-20", "xyz");
	synth(tmpdir, "2026-01-27", "yw");
	synth(tmpdir, "2026-02-03", "w");
	r = RUN_JSON("--format", "json", tmpdir);
	/* default 3 of 8: x is core from 01-20 on; y from 01-27 */
	ck_assert_int_eq(geti(chat(r, 2), "core"), 1);
	c = chat(r, 3);
	ck_assert_int_eq(geti(c, "core"), 2); /* x (absent, 3 of 4) and y */
	ck_assert_int_eq(geti(c, "lapsed"), 1);
	l = json_object_get(c, "lapsed_regulars");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 0), "username")),
			 "user_x");
	ck_assert_int_eq(geti(c, "first_timers"), 1);
	ck_assert(fabs(json_real_value(json_object_get(c, "retention")) - 1.0 / 3) < 1e-9);
	c = chat(r, 4);
	ck_assert_int_eq(geti(c, "lapsed"), 2); /* x and y */
	json_decref(r);

	/* 2 of 3: x drops out of the core when the window passes */
	r = RUN_JSON("--format", "json", "--core", "2/3", tmpdir);
	ck_assert_int_eq(geti(chat(r, 1), "core"), 1);  /* x */
	ck_assert_int_eq(geti(chat(r, 2), "core"), 3);  /* x y z */
	ck_assert_int_eq(geti(chat(r, 3), "core"), 3);  /* x (2 of 3), y, z */
	ck_assert_int_eq(geti(chat(r, 3), "lapsed"), 2); /* x z */
	ck_assert_int_eq(geti(chat(r, 4), "core"), 2);  /* y w */
	json_decref(r);
	r = RUN_JSON("--format", "json", "--core-min", "2", "--core-window",
		     "3", tmpdir);
	ck_assert_int_eq(geti(json_object_get(r, "core_rule"), "min"), 2);
	ck_assert_int_eq(geti(chat(r, 4), "core"), 2);
	json_decref(r);
}
END_TEST

START_TEST(since_until_keep_history)
{
	json_t *r = RUN_JSON("--format", "json", "--since", "2026-11-24", LOGS);

	ck_assert_uint_eq(json_array_size(json_object_get(r, "chats")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "participants_by_week")), 2);
	ck_assert_int_eq(geti(chat(r, 0), "first_timers"), 2);
	ck_assert_int_eq(geti(chat(r, 0), "returning"), 2);
	json_decref(r);
	r = RUN_JSON("--format", "json", "--until", "2026-11-17", LOGS);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "chats")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "transcript"), "date")),
			 "2026-11-17");
	json_decref(r);
}
END_TEST

START_TEST(single_file_named_anyhow)
{
	char *dst = ch_xasprintf("%s/review.jsonl", tmpdir);
	char *src = ch_read_file(LOGS "/2026-12-01.jsonl", 1 << 20, NULL, NULL);
	json_t *r;

	ck_assert_ptr_nonnull(src);
	write_file(dst, src);
	r = RUN_JSON("--format", "json", dst);
	ck_assert_str_eq(json_string_value(json_object_get(chat(r, 0), "date")),
			 "2026-12-01");
	ck_assert_int_eq(geti(chat(r, 0), "first_timers"), 4);
	json_decref(r);
	free(src);
	free(dst);
}
END_TEST

/* One log line (kind host when q_host, else answer) for the tests below. */
static void log_line(FILE *fp, const char *id, const char *at,
		     const char *author, const char *kind, int question)
{
	fprintf(fp,
		"{\"id\":\"%s\",\"created_at\":\"%s\",\"author_id\":\"%s\","
		"\"username\":\"u%s\",\"name\":null,\"kind\":\"%s\","
		"\"question\":%d,\"attributed_by\":%s,\"in_reply_to_id\":null,"
		"\"text\":\"%s %s\"}\n",
		id, at, author, author, kind, question,
		strcmp(kind, "host") ? "\"label\"" : "null",
		strcmp(kind, "host") ? "A1" : "Q1:", id);
}

static double delay_q1(json_t *r)
{
	json_t *q = json_array_get(json_object_get(chat(r, 0), "questions"), 0);

	return json_number_value(
		json_object_get(q, "first_answer_delay_seconds"));
}

/* X gives whole seconds; an id of the same second refines it to the ms,
 * so an answer in the question's own second is not placed before it. */
START_TEST(ids_refine_whole_seconds)
{
	char *path = ch_xasprintf("%s/2026-12-01.jsonl", tmpdir);
	FILE *fp = fopen(path, "w");
	json_t *r;

	ck_assert_ptr_nonnull(fp);
	log_line(fp, "h1", "2026-12-01T18:05:00.350Z", "900", "host", 1);
	/* its id says 18:05:00.800: 0.45 s after the question */
	log_line(fp, "2127826313094889477", "2026-12-01T18:05:00.000Z", "1",
		 "answer", 1);
	fclose(fp);
	r = RUN_JSON("--format", "json", path);
	ck_assert_double_eq_tol(delay_q1(r), 0.45, 1e-9);
	json_decref(r);

	/* an id of another second (18:05:07.250) or no X id: whole seconds */
	fp = fopen(path, "w");
	log_line(fp, "h1", "2026-12-01T18:05:00.350Z", "900", "host", 1);
	log_line(fp, "2127826340148150277", "2026-12-01T18:05:03.000Z", "1",
		 "answer", 1);
	log_line(fp, "12345", "2026-12-01T18:05:04.000Z", "2", "answer", 1);
	fclose(fp);
	r = RUN_JSON("--format", "json", path);
	ck_assert_double_eq_tol(delay_q1(r), 2.65, 1e-9);
	json_decref(r);
	free(path);
}
END_TEST

/* A rehearsal's log holds real, compressed times; the state beside it
 * puts them back on the chat's timeline. */
START_TEST(rehearsal_times_mapped)
{
	char *path = ch_xasprintf("%s/2026-12-01.jsonl", tmpdir);
	char *state = ch_xasprintf("%s/2026-12-01.state.json", tmpdir);
	FILE *fp = fopen(path, "w");
	json_t *r, *c, *t;

	ck_assert_ptr_nonnull(fp);
	/* rehearsed at 60x from 2026-11-23 11:00:00 UTC */
	log_line(fp, "h0", "2026-11-23T11:00:00.000Z", "900", "host", 0);
	log_line(fp, "h1", "2026-11-23T11:00:05.000Z", "900", "host", 1);
	log_line(fp, "a1", "2026-11-23T11:00:06.500Z", "1", "answer", 1);
	fclose(fp);
	write_file(state, "{\"version\":1,\"date\":\"2026-12-01\",\"rehearsal\":"
			  "{\"start\":1795431600.0,\"speed\":60.0,"
			  "\"base\":1796148000.0}}");
	r = RUN_JSON("--format", "json", tmpdir);
	c = chat(r, 0);
	ck_assert_double_eq_tol(
		json_number_value(json_object_get(c, "rehearsal_speed")), 60,
		1e-9);
	ck_assert_double_eq_tol(delay_q1(r), 90, 1e-9);
	ck_assert_str_eq(
		json_string_value(json_object_get(
			json_array_get(json_object_get(c, "questions"), 0),
			"posted_at")),
		"2026-12-01T18:05:00.000Z");
	/* Q1's section: the question, then the answer at 18:06:30 */
	t = json_object_get(json_array_get(json_object_get(json_object_get(
							   r, "transcript"),
						   "sections"),
					   0),
			    "posts");
	ck_assert_uint_eq(json_array_size(t), 2);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(t, 1), "created_at")),
			 "2026-12-01T18:06:30.000Z");
	json_decref(r);
	ck_assert_int_eq(RUN("--format", "text", tmpdir), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "A rehearsal at 60x"));
	ck_assert_ptr_nonnull(strstr(out_text, "18:05"));

	/* an older state without "base": the times stay as logged */
	write_file(state, "{\"version\":1,\"rehearsal\":"
			  "{\"start\":1795431600.0,\"speed\":60.0}}");
	r = RUN_JSON("--format", "json", tmpdir);
	ck_assert_ptr_null(json_object_get(chat(r, 0), "rehearsal_speed"));
	ck_assert_double_eq_tol(delay_q1(r), 1.5, 1e-9);
	json_decref(r);
	/* a state that is not JSON: the same, and no complaint */
	write_file(state, "{\"rehearsal\":");
	r = RUN_JSON("--format", "json", tmpdir);
	ck_assert_double_eq_tol(delay_q1(r), 1.5, 1e-9);
	json_decref(r);
	free(path);
	free(state);
}
END_TEST

/* Times are shown in the chat's own zone (from the state beside the
 * log), or --tz; json stays UTC. */
START_TEST(times_in_the_chats_zone)
{
	char *path = ch_xasprintf("%s/2026-12-01.jsonl", tmpdir);
	char *state = ch_xasprintf("%s/2026-12-01.state.json", tmpdir);
	FILE *fp = fopen(path, "w");
	json_t *r;

	ck_assert_ptr_nonnull(fp);
	log_line(fp, "h1", "2026-12-01T18:05:00.000Z", "900", "host", 1);
	log_line(fp, "a1", "2026-12-01T18:06:30.000Z", "1", "answer", 1);
	fclose(fp);
	ck_assert_int_eq(RUN("--format", "text", tmpdir), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "Times are UTC."));
	ck_assert_ptr_nonnull(strstr(out_text, "    18:06  "));

	write_file(state, "{\"version\":1,\"date\":\"2026-12-01\","
			  "\"timezone\":\"America/New_York\"}");
	ck_assert_int_eq(RUN("--format", "text", tmpdir), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "Times are America/New_York."));
	ck_assert_ptr_nonnull(strstr(out_text, "Q1    13:05"));
	ck_assert_ptr_nonnull(strstr(out_text, "    13:06  "));
	ck_assert_ptr_null(strstr(out_text, "18:06"));
	ck_assert_int_eq(RUN("--format", "html", tmpdir), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "times in America/New_York"));
	ck_assert_ptr_nonnull(strstr(out_text, ">13:06<"));

	/* --tz wins; Kolkata is +05:30 */
	ck_assert_int_eq(RUN("--format", "text", "--tz", "Asia/Kolkata", tmpdir),
			 0);
	ck_assert_ptr_nonnull(strstr(out_text, "    23:36  "));
	ck_assert_int_eq(RUN("--format", "text", "--tz=UTC", tmpdir), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "    18:06  "));
	ck_assert_int_eq(RUN("--tz", "Mars/Olympus", tmpdir), 2);
	ck_assert_ptr_nonnull(strstr(err_text, "Mars/Olympus"));

	r = RUN_JSON("--format", "json", tmpdir);
	ck_assert_str_eq(json_string_value(json_object_get(chat(r, 0),
							   "timezone")),
			 "America/New_York");
	ck_assert_str_eq(
		json_string_value(json_object_get(
			json_array_get(json_object_get(chat(r, 0), "questions"),
				       0),
			"posted_at")),
		"2026-12-01T18:05:00.000Z");
	json_decref(r);

	/* a zone the tz database does not know: UTC, no crash */
	write_file(state, "{\"timezone\":\"Nowhere/Land\"}");
	ck_assert_int_eq(RUN("--format", "text", tmpdir), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "Times are UTC."));
	free(path);
	free(state);
}
END_TEST

START_TEST(csv_rfc4180)
{
	int rows = 0;
	const char *p;

	ck_assert_int_eq(RUN("--format", "csv", LOGS), 0);
	/* a byte-order mark first: spreadsheets then read UTF-8 */
	ck_assert(strncmp(out_text, "\xEF\xBB\xBF" "date,author_id,username,name,posts,",
			  38) == 0);
	/* ids as text ("=""6"""), so a spreadsheet keeps every digit */
	ck_assert_ptr_nonnull(strstr(out_text, ",\"=\"\"6\"\"\",dave,"));
	for (p = out_text; (p = strstr(p, "\r\n")) != NULL; p += 2)
		rows++;
	ck_assert_int_eq(rows, 1 + 4 + 1 + 4 + 4);
	ck_assert_ptr_nonnull(strstr(out_text, ",jose,\"José \"\"Pepe\"\" Núñez\",1,1,1,"));
	ck_assert_ptr_nonnull(strstr(out_text, ",dave,\"Dave, the \\ Dev\",2,"));
}
END_TEST

START_TEST(text_fits_100_columns)
{
	char *line, *save = NULL;
	int n = 0;

	ck_assert_int_eq(RUN("--format", "text", LOGS), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "First-timers the host has not replied to"));
	ck_assert_ptr_nonnull(strstr(out_text, "Erin O'Neil (@erin)"));
	for (line = strtok_r(out_text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n++)
		ck_assert_msg(ch_rp_width(line) <= 100, "too wide: %s", line);
	ck_assert_int_gt(n, 30);
}
END_TEST

/* The transcript wraps between words; only a word wider than a line is
 * cut. */
START_TEST(text_wraps_at_words)
{
	char *path = ch_xasprintf("%s/2026-12-01.jsonl", tmpdir);
	FILE *fp = fopen(path, "w");
	char *line, *save = NULL;
	int i, words = 0, url = 0;

	ck_assert_ptr_nonnull(fp);
	log_line(fp, "h1", "2026-12-01T18:05:00.000Z", "900", "host", 1);
	fprintf(fp, "{\"id\":\"a1\",\"created_at\":\"2026-12-01T18:06:00.000Z\","
		    "\"author_id\":\"1\",\"username\":\"u1\",\"name\":null,"
		    "\"kind\":\"answer\",\"question\":1,\"attributed_by\":"
		    "\"label\",\"in_reply_to_id\":null,\"text\":\"A1:");
	for (i = 0; i < 40; i++)
		fputs(i % 7 ? " wordwrap" : "\\n wordwrap ", fp);
	fputs(" https://example.com/", fp);
	for (i = 0; i < 150; i++)
		fputc('x', fp);
	fputs("\"}\n", fp);
	fclose(fp);
	ck_assert_int_eq(RUN("--format", "text", path), 0);
	for (line = strtok_r(out_text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *w = line;

		ck_assert_msg(ch_rp_width(line) <= 100, "too wide: %s", line);
		while ((w = strstr(w, "wordwrap")) != NULL) {
			words++;
			w++;
		}
		if (strstr(line, "https://example.com/xxx") || url) {
			url++;
			/* the cut URL's lines are full */
			if (url == 1)
				ck_assert_int_eq(ch_rp_width(line), 100);
		}
		if (strstr(line, "wordwrap"))
			ck_assert_msg(strstr(line + strspn(line, " "), "  ") ==
					      NULL ||
					      strstr(line, "18:06  "),
				      "blanks not folded: %s", line);
	}
	ck_assert_int_eq(words, 40);
	ck_assert_int_ge(url, 2);
	free(path);
}
END_TEST

START_TEST(html_self_contained)
{
	const char *p;
	int svgs = 0;

	ck_assert_int_eq(RUN("--format", "html", LOGS), 0);
	ck_assert(strncmp(out_text, "<!DOCTYPE html>", 15) == 0);
	ck_assert_ptr_null(strstr(out_text, "<script"));
	ck_assert_ptr_null(strstr(out_text, "http://"));
	ck_assert_ptr_null(strstr(out_text, "https://"));
	ck_assert_ptr_null(strstr(out_text, "<link"));
	for (p = out_text; (p = strstr(p, "<svg")) != NULL; p++)
		svgs++;
	ck_assert_int_eq(svgs, 3);
	/* names are escaped */
	ck_assert_ptr_nonnull(strstr(out_text, "Erin O&#39;Neil"));
	ck_assert_ptr_null(strstr(out_text, "\"Pepe\""));
}
END_TEST

START_TEST(width_and_pad)
{
	struct ch_buf b = {0};

	ck_assert_int_eq(ch_rp_width("abc"), 3);
	ck_assert_int_eq(ch_rp_width("Zoë"), 3);
	ck_assert_int_eq(ch_rp_width("e\xcc\x81"), 1); /* combining acute */
	ck_assert_int_eq(ch_rp_width("李小龍"), 6);
	ck_assert_int_eq(ch_rp_width("🌸x"), 3);
	ch_rp_pad(&b, "李小龍の広報", 7, true);
	ck_assert_str_eq(ch_buf_str(&b), "李小龍…");
	b.len = 0;
	ch_rp_pad(&b, "李小龍の", 6, true); /* a wide char does not fit */
	ck_assert_str_eq(ch_buf_str(&b), "李小… ");
	ck_assert_int_eq(ch_rp_width(ch_buf_str(&b)), 6);
	b.len = 0;
	ch_rp_pad(&b, "ab", 5, false);
	ck_assert_str_eq(ch_buf_str(&b), "   ab");
	b.len = 0;
	ch_rp_pad(&b, "a\nb", 4, true);
	ck_assert_str_eq(ch_buf_str(&b), "a b ");
	b.len = 0;
	ch_rp_pad(&b, "abcdef", 4, true);
	ck_assert_str_eq(ch_buf_str(&b), "abc…");
	ch_buf_free(&b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, usage_errors_exit_2);
	tcase_add_test(tc, input_errors_exit_1);
	tcase_add_test(tc, json_figures_by_hand);
	tcase_add_test(tc, core_group_and_lapsed);
	tcase_add_test(tc, since_until_keep_history);
	tcase_add_test(tc, single_file_named_anyhow);
	tcase_add_test(tc, ids_refine_whole_seconds);
	tcase_add_test(tc, rehearsal_times_mapped);
	tcase_add_test(tc, times_in_the_chats_zone);
	tcase_add_test(tc, csv_rfc4180);
	tcase_add_test(tc, text_fits_100_columns);
	tcase_add_test(tc, text_wraps_at_words);
	tcase_add_test(tc, html_self_contained);
	tcase_add_test(tc, width_and_pad);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
