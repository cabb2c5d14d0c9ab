/* test_poll.c - the topic poll: choosing, matching X options, the extra
 * votes CSV, recording decisions in the state and the log, posting once. */
#include <check.h>

#include "mut.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loopsrv.h"
#include "clock.h"
#include "poll.h"

/* ---- fixtures ---- */

/* ch_poll_post as chathost poll post calls it: a minute to get through */
static int post_poll(struct ch_net *x, const char *me,
		     const struct ch_schedule *s, const struct ch_topic *t,
		     struct ch_state *st, struct ch_replylog *lg,
		     struct ch_error *err)
{
	struct ch_publish pb;

	memset(&pb, 0, sizeof pb);
	pb.net = x;
	pb.me_id = me;
	pb.late_at = ch_clock_now() + 60.0;
	return ch_poll_post(&pb, s, t, st, lg, err);
}


static char tmpdir[256];

static void mk_tmp(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_poll.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tmp(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *tmp_path(const char *name)
{
	return ch_xasprintf("%s/%s", tmpdir, name);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* A topic with n candidates labelled as given (no file behind it). */
static void make_topic(struct ch_topic *t, size_t n, const char *const *labels,
		       enum ch_tie_rule tie, const char *extra)
{
	size_t i;

	memset(t, 0, sizeof *t);
	t->path = ch_xstrdup("topics/2026-12-01.conf");
	snprintf(t->date, sizeof t->date, "2026-12-01");
	t->has_poll = true;
	t->poll.text = ch_xstrdup("What should we chat about?");
	t->poll.post_at = ch_xstrdup("2026-11-24 14:00");
	t->poll.duration = 60;
	t->poll.tie = tie;
	t->poll.extra_votes = extra ? ch_xstrdup(extra) : NULL;
	t->candidates = ch_xcalloc(n, sizeof *t->candidates);
	t->n_candidates = n;
	for (i = 0; i < n; i++) {
		t->candidates[i].label = ch_xstrdup(labels[i]);
		t->candidates[i].title = ch_xasprintf("Title %zu", i + 1);
		t->candidates[i].intro = ch_xstrdup("intro");
		t->candidates[i].wrapup = ch_xstrdup("wrapup");
		t->candidates[i].questions = ch_xcalloc(1, sizeof(struct ch_question));
	}
}

static const char *const L3[] = {"Pet peeves", "AI in the contact center",
				 "Metrics"};

static void make_schedule(struct ch_schedule *s)
{
	memset(s, 0, sizeof *s);
	s->name = ch_xstrdup("testchat");
	s->hashtag = ch_xstrdup("#ICMIchat");
	s->timezone = ch_xstrdup("America/New_York");
	s->logs_dir = ch_xasprintf("%s/logs", tmpdir);
}

static struct ch_poll_tally tally_of(size_t n, const long *total)
{
	struct ch_poll_tally ta;
	size_t i;

	memset(&ta, 0, sizeof ta);
	ta.n = n;
	for (i = 0; i < n; i++)
		ta.total[i] = total[i];
	return ta;
}

/* ---- choosing ---- */

START_TEST(test_choose_most_votes)
{
	long v[] = {3, 9, 4};
	struct ch_poll_tally ta = tally_of(3, v);

	ch_poll_choose(CH_TIE_FIRST, &ta);
	ck_assert_uint_eq(ta.winner, 1);
	ck_assert_str_eq(ta.rule, "votes");
	ch_poll_choose(CH_TIE_RANDOM, &ta);
	ck_assert_uint_eq(ta.winner, 1);
	ck_assert_str_eq(ta.rule, "votes");
}
END_TEST

START_TEST(test_choose_tie_first)
{
	long v[] = {2, 7, 1, 7};
	struct ch_poll_tally ta = tally_of(4, v);

	ch_poll_choose(CH_TIE_FIRST, &ta);
	ck_assert_uint_eq(ta.winner, 1); /* the first listed of the tied */
	ck_assert_str_eq(ta.rule, "tie-first");
}
END_TEST

START_TEST(test_choose_tie_random)
{
	long v[] = {5, 2, 5, 5};
	int seen[4] = {0};
	int k;

	srand(12345);
	for (k = 0; k < 400; k++) {
		struct ch_poll_tally ta = tally_of(4, v);

		ch_poll_choose(CH_TIE_RANDOM, &ta);
		ck_assert_str_eq(ta.rule, "tie-random");
		ck_assert_uint_ne(ta.winner, 1); /* never one not in the tie */
		seen[ta.winner]++;
	}
	ck_assert_int_gt(seen[0], 50);
	ck_assert_int_gt(seen[2], 50);
	ck_assert_int_gt(seen[3], 50);
}
END_TEST

START_TEST(test_choose_no_votes)
{
	long v[] = {0, 0, 0};
	struct ch_poll_tally ta = tally_of(3, v);
	int seen[3] = {0}, k;

	ch_poll_choose(CH_TIE_FIRST, &ta);
	ck_assert_uint_eq(ta.winner, 0);
	ck_assert_str_eq(ta.rule, "no-votes");
	for (k = 0; k < 300; k++) {
		ta = tally_of(3, v);
		ch_poll_choose(CH_TIE_RANDOM, &ta);
		ck_assert_str_eq(ta.rule, "no-votes");
		seen[ta.winner]++;
	}
	ck_assert(seen[0] && seen[1] && seen[2]);
}
END_TEST

/* ---- matching X options to candidates ---- */

static struct ch_poll_option opt(int pos, const char *label, long votes)
{
	struct ch_poll_option o = {pos, mut(label), votes};

	return o;
}

START_TEST(test_match_by_label_and_position)
{
	struct ch_topic t;
	struct ch_poll_option o[3];
	struct ch_poll_result r = {0};
	struct ch_error err;
	long x[4];

	make_topic(&t, 3, L3, CH_TIE_FIRST, NULL);
	ch_error_clear(&err);
	/* reordered on X and in another case: matched by label */
	o[0] = opt(1, "metrics", 4);
	o[1] = opt(2, " Pet Peeves ", 6);
	o[2] = opt(3, "AI in the contact center", 1);
	r.options = o;
	r.n_options = 3;
	ck_assert_int_eq(ch_poll_match(&t, &r, x, &err), 0);
	ck_assert_int_eq(x[0], 6);
	ck_assert_int_eq(x[1], 1);
	ck_assert_int_eq(x[2], 4);
	/* a label X changed: by position */
	o[0] = opt(1, "Pet peeves", 1);
	o[1] = opt(2, "AI in the contact cent", 2);
	o[2] = opt(3, "Metrics", 3);
	ck_assert_int_eq(ch_poll_match(&t, &r, x, &err), 0);
	ck_assert_int_eq(x[1], 2);
	ch_topic_free(&t);
}
END_TEST

START_TEST(test_match_unknown_option)
{
	struct ch_topic t;
	struct ch_poll_option o[3];
	struct ch_poll_result r = {0};
	struct ch_error err;
	long x[4];

	make_topic(&t, 2, L3, CH_TIE_FIRST, NULL);
	ch_error_clear(&err);
	o[0] = opt(1, "Pet peeves", 1);
	o[1] = opt(2, "AI in the contact center", 2);
	o[2] = opt(3, "Something else", 3);
	r.options = o;
	r.n_options = 3;
	ck_assert_int_eq(ch_poll_match(&t, &r, x, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "\"Something else\""));
	ck_assert_ptr_nonnull(strstr(err.text, "chathost poll close"));
	ch_topic_free(&t);
}
END_TEST

/* ---- the extra votes CSV ---- */

static int csv(const char *text, long *votes, struct ch_diags *d)
{
	struct ch_topic t;
	char *p = tmp_path("votes.csv");
	int rc;

	write_file(p, text);
	make_topic(&t, 3, L3, CH_TIE_FIRST, p);
	rc = ch_poll_extra_votes(&t, votes, d);
	ch_topic_free(&t);
	free(p);
	return rc;
}

START_TEST(test_csv_good)
{
	struct ch_diags d = {0};
	long v[4];

	mk_tmp();
	ck_assert_int_eq(csv("\xEF\xBB\xBFlabel,votes\r\n"
			     "Pet peeves,3\r\n"
			     "\r\n"
			     "\"AI in the contact center\", 12\r\n"
			     "  metrics ,0\r\n"
			     "Pet peeves,4\r\n",
			     v, &d),
			 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(v[0], 7); /* two lines for one label are added */
	ck_assert_int_eq(v[1], 12);
	ck_assert_int_eq(v[2], 0);
	/* no header, quoted quotes, no final newline */
	ck_assert_int_eq(csv("\"Metrics\",\"5\"\nPet peeves,1", v, &d), 0);
	ck_assert_int_eq(v[2], 5);
	ck_assert_int_eq(v[0], 1);
	ck_assert_int_eq(csv("", v, &d), 0);
	ck_assert_int_eq(v[0] + v[1] + v[2], 0);
	ch_diags_free(&d);
	rm_tmp();
}
END_TEST

START_TEST(test_csv_errors_with_lines)
{
	struct ch_diags d = {0};
	long v[4];

	mk_tmp();
	ck_assert_int_eq(csv("label,votes\n"
			     "Pet peeves,3\n"
			     "Nope,4\n"            /* line 3: no such candidate */
			     "Metrics,many\n"      /* line 4: not a count */
			     "Metrics,-2\n"        /* line 5: negative */
			     "Metrics\n"           /* line 6: one field */
			     "\"Metr\"ics\",1\n"   /* line 7: text after quote */
			     "Metrics,1,2\n"       /* line 8: three fields */
			     "\"two\nlines\",1\n"  /* line 9-10: no candidate */
			     "Metr\"ics,1\n"       /* line 11: stray quote */
			     "Metrics,2\n",
			     v, &d),
			 -1);
	ck_assert_uint_eq(d.n, 8);
	ck_assert_int_eq(d.items[0].line, 3);
	ck_assert_ptr_nonnull(strstr(d.items[0].text, "\"Nope\" matches no candidate"));
	ck_assert_ptr_nonnull(strstr(d.items[0].text, "\"Pet peeves\", \"AI in the contact center\", \"Metrics\""));
	ck_assert_int_eq(d.items[1].line, 4);
	ck_assert_ptr_nonnull(strstr(d.items[1].text, "\"many\" is not a count"));
	ck_assert_int_eq(d.items[2].line, 5);
	ck_assert_int_eq(d.items[3].line, 6);
	ck_assert_ptr_nonnull(strstr(d.items[3].text, "two fields"));
	ck_assert_int_eq(d.items[4].line, 7);
	ck_assert_int_eq(d.items[5].line, 8);
	ck_assert_int_eq(d.items[6].line, 9);
	ck_assert_int_eq(d.items[7].line, 11);
	ck_assert_str_eq(d.items[0].source + strlen(d.items[0].source) - 9,
			 "votes.csv");
	ck_assert_int_eq(v[0] + v[1] + v[2], 0); /* nothing counted on error */
	ch_diags_free(&d);
	rm_tmp();
}
END_TEST

START_TEST(test_csv_missing_and_unclosed)
{
	struct ch_topic t;
	struct ch_diags d = {0};
	long v[4];

	mk_tmp();
	make_topic(&t, 3, L3, CH_TIE_FIRST, "/nonexistent/votes.csv");
	ck_assert_int_eq(ch_poll_extra_votes(&t, v, &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.items[0].source, "/nonexistent/votes.csv");
	ck_assert_ptr_nonnull(strstr(d.items[0].text, "cannot read"));
	ch_topic_free(&t);
	ch_diags_free(&d);
	ck_assert_int_eq(csv("Metrics,1\n\"Pet peeves,2\n", v, &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.items[0].line, 2);
	ck_assert_ptr_nonnull(strstr(d.items[0].text, "not closed"));
	ch_diags_free(&d);
	rm_tmp();
}
END_TEST

/* ---- recording in the state and the log ---- */

struct logscan {
	int results, posted;
};

static int count_events(const struct ch_log_entry *e, void *ctx)
{
	struct logscan *ls = ctx;

	if (e->kind == CH_KIND_EVENT && strcmp(e->event, "poll_result") == 0)
		ls->results++;
	if (e->kind == CH_KIND_EVENT && strcmp(e->event, "poll_posted") == 0)
		ls->posted++;
	return 0;
}

static struct logscan scan_log(const char *path)
{
	struct logscan ls = {0, 0};
	struct ch_error err;

	ch_error_clear(&err);
	ck_assert_int_eq(ch_replylog_read(path, count_events, &ls, NULL, NULL,
					  0, &err), 0);
	return ls;
}

START_TEST(test_fallback_and_winner)
{
	struct ch_topic t;
	struct ch_state st = {0}, st2 = {0};
	struct ch_replylog *lg;
	struct ch_error err;
	char *sp, *lp;
	size_t w = 99;
	json_t *p;

	mk_tmp();
	sp = tmp_path("s.state.json");
	lp = tmp_path("s.jsonl");
	make_topic(&t, 3, L3, CH_TIE_FIRST, NULL);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_state_open(&st, sp, &err), 0);
	lg = ch_replylog_open(lp, &err);
	ck_assert_ptr_nonnull(lg);
	ck_assert_int_eq(ch_poll_winner(&st, &w), 0);
	ck_assert_uint_eq(ch_poll_fallback(&t, &st, lg, "HTTP 500"), 0);
	ck_assert_int_eq(ch_poll_winner(&st, &w), 1);
	ck_assert_uint_eq(w, 0);
	/* a second fallback (or decide) keeps the decision, logs nothing */
	ck_assert_uint_eq(ch_poll_fallback(&t, &st, lg, "again"), 0);
	ck_assert_int_eq(ch_poll_decide(NULL, NULL, &t, &st, lg, false, &w,
					&err), 1);
	ch_replylog_close(lg, NULL);
	/* saved: read back from disk */
	ck_assert_int_eq(ch_state_open(&st2, sp, &err), 0);
	p = json_object_get(st2.root, "poll");
	ck_assert_str_eq(ch_json_str(p, "decided_by"), "unreadable");
	ck_assert_str_eq(ch_json_str(p, "why"), "HTTP 500");
	ck_assert_str_eq(ch_json_str(p, "label"), "Pet peeves");
	ck_assert_str_eq(ch_json_str(p, "rule"), "tie-first");
	ck_assert(json_is_true(json_object_get(p, "logged")));
	ck_assert_int_eq(scan_log(lp).results, 1);
	ch_state_free(&st);
	ch_state_free(&st2);
	ch_topic_free(&t);
	free(sp);
	free(lp);
	rm_tmp();
}
END_TEST

START_TEST(test_decide_not_posted)
{
	struct ch_topic t;
	struct ch_state st = {0};
	struct ch_error err;
	char *sp, *cp;
	size_t w = 99;
	json_t *p, *v;

	mk_tmp();
	sp = tmp_path("s.state.json");
	cp = tmp_path("votes.csv");
	write_file(cp, "label,votes\nMetrics,4\nPet peeves,2\n");
	make_topic(&t, 3, L3, CH_TIE_FIRST, cp);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_state_open(&st, sp, &err), 0);
	/* not posted: the bot cannot decide on its own */
	ck_assert_int_eq(ch_poll_decide(NULL, NULL, &t, &st, NULL, false, &w,
					&err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "not posted"));
	ck_assert_int_eq(ch_poll_winner(&st, &w), 0);
	/* closed by hand: the extra votes decide */
	ch_error_clear(&err);
	ck_assert_int_eq(ch_poll_decide(NULL, NULL, &t, &st, NULL, true, &w,
					&err), 1);
	ck_assert_uint_eq(w, 2);
	p = json_object_get(st.root, "poll");
	ck_assert_str_eq(ch_json_str(p, "decided_by"), "closed-by-hand");
	ck_assert_str_eq(ch_json_str(p, "rule"), "votes");
	v = json_object_get(json_object_get(p, "votes"), "Metrics");
	ck_assert_int_eq((int)ch_json_num(v, "extra", -1), 4);
	ck_assert_int_eq((int)ch_json_num(v, "x", -1), 0);
	ck_assert_int_eq((int)ch_json_num(v, "total", -1), 4);
	ch_state_free(&st);
	ch_topic_free(&t);
	free(sp);
	free(cp);
	rm_tmp();
}
END_TEST

START_TEST(test_decide_bad_csv_records_nothing)
{
	struct ch_topic t;
	struct ch_state st = {0};
	struct ch_error err;
	char *sp, *cp;
	size_t w;

	mk_tmp();
	sp = tmp_path("s.state.json");
	cp = tmp_path("votes.csv");
	write_file(cp, "label,votes\nMetrics,4\nNope,2\n");
	make_topic(&t, 3, L3, CH_TIE_FIRST, cp);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_state_open(&st, sp, &err), 0);
	ck_assert_int_eq(ch_poll_decide(NULL, NULL, &t, &st, NULL, true, &w,
					&err), -1);
	ck_assert_str_eq(err.source, cp);
	ck_assert_int_eq(err.line, 3);
	ck_assert_int_eq(ch_poll_winner(&st, &w), 0);
	ck_assert_int_eq(access(sp, F_OK), -1); /* nothing saved */
	ch_state_free(&st);
	ch_topic_free(&t);
	free(sp);
	free(cp);
	rm_tmp();
}
END_TEST

START_TEST(test_text_and_check)
{
	struct ch_topic t;
	struct ch_schedule s;
	struct ch_diags d = {0};
	char *text;

	mk_tmp();
	make_schedule(&s);
	make_topic(&t, 3, L3, CH_TIE_FIRST, NULL);
	text = ch_poll_text(&s, &t);
	ck_assert_str_eq(text, "What should we chat about? #ICMIchat");
	free(text);
	free(t.poll.text);
	t.poll.text = ch_xstrdup("Vote in #icmichat today");
	text = ch_poll_text(&s, &t);
	ck_assert_str_eq(text, "Vote in #icmichat today");
	free(text);
	ck_assert_int_eq(ch_poll_check(&s, &t, &d), 0);
	free(t.poll.text);
	t.poll.text = ch_xmalloc(300);
	memset(t.poll.text, 'a', 299);
	t.poll.text[299] = '\0';
	t.poll.text_line = 7;
	ck_assert_int_eq(ch_poll_check(&s, &t, &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.items[0].line, 7);
	ck_assert_ptr_nonnull(strstr(d.items[0].text, "309 characters"));
	ch_diags_free(&d);
	ch_topic_free(&t);
	ch_schedule_free(&s);
	rm_tmp();
}
END_TEST

START_TEST(test_preview_winner)
{
	struct ch_topic t;
	struct ch_schedule s;
	struct ch_error err;
	char *dir, *path;
	size_t w = 99;

	mk_tmp();
	make_schedule(&s);
	make_topic(&t, 3, L3, CH_TIE_FIRST, NULL);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_poll_preview_winner(&s, &t, &w, &err), 0);
	path = ch_chat_state_path(&s, "2026-12-01", false);
	ck_assert_str_eq(path + strlen(tmpdir),
			 "/logs/testchat/2026-12-01.state.json");
	dir = ch_xasprintf("%s/logs", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	free(dir);
	dir = ch_xasprintf("%s/logs/testchat", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	/* the label wins over the index (the file was reordered) */
	write_file(path, "{\"poll\":{\"winner\":0,\"label\":\"metrics\"}}");
	ck_assert_int_eq(ch_poll_preview_winner(&s, &t, &w, &err), 1);
	ck_assert_uint_eq(w, 2);
	write_file(path, "{\"poll\":{\"id\":\"5\"}}");
	ck_assert_int_eq(ch_poll_preview_winner(&s, &t, &w, &err), 0);
	write_file(path, "{\"poll\":");
	ck_assert_int_eq(ch_poll_preview_winner(&s, &t, &w, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "damaged"));
	free(dir);
	free(path);
	path = ch_chat_state_path(&s, "2026-12-01", true);
	ck_assert_str_eq(path + strlen(tmpdir),
			 "/logs/testchat/rehearsal/2026-12-01.state.json");
	free(path);
	ch_topic_free(&t);
	ch_schedule_free(&s);
	rm_tmp();
}
END_TEST

/* ---- against the loopback server ---- */

static struct loopsrv srv;
static struct ch_net x; /* X on the loopback server */

static void srv_setup(void)
{
	struct ch_error err;
	struct ch_net_conf conf;
	char base[64];

	ch_error_clear(&err);
	memset(&srv, 0, sizeof srv);
	ck_assert_int_eq(loopsrv_start(&srv), 0);
	snprintf(base, sizeof base, "http://127.0.0.1:%d", srv.port);
	setenv("X_API_KEY", "ck", 1);
	setenv("X_API_SECRET", "cs", 1);
	setenv("X_ACCESS_TOKEN", "at", 1);
	setenv("X_ACCESS_TOKEN_SECRET", "ats", 1);
	memset(&conf, 0, sizeof conf);
	conf.base_url = base;
	ck_assert_msg(ch_net_open_named(&x, "x", &conf, &err) == 0, "%s",
		      err.text);
	mk_tmp();
}

static void srv_teardown(void)
{
	(void)loopsrv_dead_port; /* loopsrv.h helper this test does not need */
	ch_net_close(&x);
	loopsrv_stop(&srv);
	rm_tmp();
}

#define POLL_BODY(status, a, b, c)                                           \
	"{\"data\":[{\"id\":\"100\",\"text\":\"t\",\"attachments\":{\"poll_ids\":[\"p9\"]}}]," \
	"\"includes\":{\"polls\":[{\"id\":\"p9\",\"voting_status\":\"" status "\"," \
	"\"end_datetime\":\"2026-11-24T20:00:00.000Z\",\"options\":["           \
	"{\"position\":1,\"label\":\"Pet peeves\",\"votes\":" #a "},"          \
	"{\"position\":2,\"label\":\"AI in the contact center\",\"votes\":" #b "}," \
	"{\"position\":3,\"label\":\"Metrics\",\"votes\":" #c "}]}]}}"

static void state_with_id(struct ch_state *st, const char *path)
{
	struct ch_error err;

	ch_error_clear(&err);
	ck_assert_int_eq(ch_state_open(st, path, &err), 0);
	json_object_set_new(ch_state_obj(st, "poll"), "id", json_string("100"));
}

START_TEST(test_decide_open_then_closed)
{
	struct ch_topic t;
	struct ch_state st = {0};
	struct ch_replylog *lg;
	struct ch_error err;
	char *sp = tmp_path("s.state.json"), *lp = tmp_path("s.jsonl");
	char *cp = tmp_path("votes.csv");
	size_t w = 99;
	json_t *p;

	write_file(cp, "Metrics,5\n");
	make_topic(&t, 3, L3, CH_TIE_FIRST, cp);
	state_with_id(&st, sp);
	ch_error_clear(&err);
	lg = ch_replylog_open(lp, &err);
	ck_assert_ptr_nonnull(lg);
	srv.canned_status = 200;
	srv.canned_body = POLL_BODY("open", 4, 7, 1);
	ck_assert_int_eq(ch_poll_decide(&x, NULL, &t, &st, lg, false, &w, &err),
			 0);
	ck_assert_uint_eq(w, 1); /* 4, 7, 1+5 */
	ck_assert_int_eq(ch_poll_winner(&st, &w), 0);
	ck_assert_ptr_nonnull(strstr(srv.last_req, "GET /2/tweets?"));
	ck_assert_ptr_nonnull(strstr(srv.last_req, "ids=100"));
	ck_assert_ptr_nonnull(strstr(srv.last_req, "attachments.poll_ids"));
	/* closed, and the extra votes turn it: 4, 7, 3+5 */
	srv.canned_body = POLL_BODY("closed", 4, 7, 3);
	ck_assert_msg(ch_poll_decide(&x, NULL, &t, &st, lg, false, &w, &err) == 1,
		      "%s", err.text);
	ck_assert_uint_eq(w, 2);
	p = json_object_get(st.root, "poll");
	ck_assert_str_eq(ch_json_str(p, "decided_by"), "votes");
	ck_assert_str_eq(ch_json_str(p, "poll_id"), "p9");
	ck_assert_str_eq(ch_json_str(p, "label"), "Metrics");
	ck_assert_int_eq((int)ch_json_num(json_object_get(json_object_get(p, "votes"),
							   "Metrics"), "total", 0), 8);
	/* decided: no further request */
	{
		int before = srv.requests;

		ck_assert_int_eq(ch_poll_decide(&x, NULL, &t, &st, lg, false,
						&w, &err), 1);
		ck_assert_int_eq(srv.requests, before);
	}
	ch_replylog_close(lg, NULL);
	ck_assert_int_eq(scan_log(lp).results, 1);
	ch_state_free(&st);
	ch_topic_free(&t);
	free(sp);
	free(lp);
	free(cp);
}
END_TEST

START_TEST(test_decide_tie_and_unreadable)
{
	struct ch_topic t;
	struct ch_state st = {0};
	struct ch_error err;
	char *sp = tmp_path("s.state.json");
	size_t w = 99;

	make_topic(&t, 3, L3, CH_TIE_FIRST, NULL);
	state_with_id(&st, sp);
	ch_error_clear(&err);
	srv.canned_status = 503;
	srv.canned_body = "{\"title\":\"Service Unavailable\",\"status\":503}";
	ck_assert_int_eq(ch_poll_decide(&x, NULL, &t, &st, NULL, false, &w, &err),
			 -1);
	ck_assert(x.last == CH_NETFAIL_RETRY);
	ck_assert_int_eq(ch_poll_winner(&st, &w), 0);
	ch_error_clear(&err);
	srv.canned_status = 200;
	srv.canned_body = POLL_BODY("closed", 2, 6, 6);
	ck_assert_int_eq(ch_poll_decide(&x, NULL, &t, &st, NULL, false, &w, &err),
			 1);
	ck_assert_uint_eq(w, 1);
	ck_assert_str_eq(ch_json_str(json_object_get(st.root, "poll"),
				     "decided_by"), "tie-first");
	ch_state_free(&st);
	ch_topic_free(&t);
	free(sp);
}
END_TEST

START_TEST(test_post_once)
{
	struct ch_topic t;
	struct ch_schedule s;
	struct ch_state st = {0};
	struct ch_replylog *lg;
	struct ch_error err;
	char *sp = tmp_path("s.state.json"), *lp = tmp_path("s.jsonl");
	json_t *p;

	make_schedule(&s);
	make_topic(&t, 3, L3, CH_TIE_FIRST, NULL);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_state_open(&st, sp, &err), 0);
	lg = ch_replylog_open(lp, &err);
	ck_assert_ptr_nonnull(lg);
	srv.canned_status = 201;
	srv.canned_body = "{\"data\":{\"id\":\"555\",\"text\":\"x\"}}";
	ck_assert_msg(post_poll(&x, "1", &s, &t, &st, lg, &err) == 0, "%s",
		      err.text);
	ck_assert_int_eq(srv.requests, 1);
	ck_assert_ptr_nonnull(strstr(srv.last_req, "POST /2/tweets"));
	ck_assert_ptr_nonnull(strstr(srv.last_req,
				     "What should we chat about? #ICMIchat"));
	ck_assert_ptr_nonnull(strstr(srv.last_req, "\"AI in the contact center\""));
	ck_assert_ptr_nonnull(strstr(srv.last_req, "\"duration_minutes\":60"));
	p = json_object_get(st.root, "poll");
	ck_assert_str_eq(ch_json_str(p, "id"), "555");
	ck_assert_str_eq(ch_json_str(p, "text"),
			 "What should we chat about? #ICMIchat");
	/* again: nothing sent */
	ck_assert_int_eq(post_poll(&x, "1", &s, &t, &st, lg, &err), 0);
	ck_assert_int_eq(srv.requests, 1);
	ch_replylog_close(lg, NULL);
	ck_assert_int_eq(scan_log(lp).posted, 1);
	ch_state_free(&st);
	/* on disk */
	ck_assert_int_eq(ch_state_open(&st, sp, &err), 0);
	ck_assert_str_eq(ch_json_str(json_object_get(st.root, "poll"), "id"),
			 "555");
	ch_state_free(&st);
	ch_topic_free(&t);
	ch_schedule_free(&s);
	free(sp);
	free(lp);
}
END_TEST

START_TEST(test_post_resolves_lost_id)
{
	struct ch_topic t;
	struct ch_schedule s;
	struct ch_state st = {0};
	struct ch_error err;
	char *sp = tmp_path("s.state.json");
	json_t *p;

	make_schedule(&s);
	make_topic(&t, 3, L3, CH_TIE_FIRST, NULL);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_state_open(&st, sp, &err), 0);
	/* a run that died between the intent and the id */
	p = ch_state_obj(&st, "poll");
	json_object_set_new(p, "text",
			    json_string("What should we chat about? #ICMIchat"));
	json_object_set_new(p, "intent_at", json_real(1.0));
	srv.canned_status = 200;
	srv.canned_body =
		"{\"data\":[{\"id\":\"9\",\"text\":\"other\","
		"\"created_at\":\"2026-12-01T18:00:01.000Z\"},"
		"{\"id\":\"8\",\"text\":\"What should we chat about? #ICMIchat\","
		"\"created_at\":\"2026-12-01T18:00:00.000Z\"}],"
		"\"meta\":{\"result_count\":2}}";
	ck_assert_msg(post_poll(&x, "1", &s, &t, &st, NULL, &err) == 0, "%s",
		      err.text);
	ck_assert_int_eq(srv.requests, 1); /* the lookup only, no post */
	ck_assert_ptr_nonnull(strstr(srv.last_req, "GET /2/users/1/tweets"));
	ck_assert_str_eq(ch_json_str(p, "id"), "8");
	/* without the account's id it refuses rather than risk a second poll */
	json_object_del(p, "id");
	ch_error_clear(&err);
	ck_assert_int_eq(post_poll(&x, NULL, &s, &t, &st, NULL, &err), -1);
	ck_assert_int_eq(srv.requests, 1);
	ch_state_free(&st);
	ch_topic_free(&t);
	ch_schedule_free(&s);
	free(sp);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("poll");
	TCase *tc = tcase_create("pure");
	TCase *net = tcase_create("net");

	tcase_add_test(tc, test_choose_most_votes);
	tcase_add_test(tc, test_choose_tie_first);
	tcase_add_test(tc, test_choose_tie_random);
	tcase_add_test(tc, test_choose_no_votes);
	tcase_add_test(tc, test_match_by_label_and_position);
	tcase_add_test(tc, test_match_unknown_option);
	tcase_add_test(tc, test_csv_good);
	tcase_add_test(tc, test_csv_errors_with_lines);
	tcase_add_test(tc, test_csv_missing_and_unclosed);
	tcase_add_test(tc, test_fallback_and_winner);
	tcase_add_test(tc, test_decide_not_posted);
	tcase_add_test(tc, test_decide_bad_csv_records_nothing);
	tcase_add_test(tc, test_text_and_check);
	tcase_add_test(tc, test_preview_winner);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(net, srv_setup, srv_teardown);
	tcase_add_test(net, test_decide_open_then_closed);
	tcase_add_test(net, test_decide_tie_and_unreadable);
	tcase_add_test(net, test_post_once);
	tcase_add_test(net, test_post_resolves_lost_id);
	suite_add_tcase(s, net);
	return s;
}

#include "unit.h"
