/* test_host.c - the chat loop (host.c) on an injected clock and an
 * in-memory network: a whole chat runs in a moment of real time, and its
 * timing and ordering are asserted exactly (what the integration tests
 * prove against the fake X API at 60x and more, to the millisecond here).
 *
 * The clock's time moves only when the loop sleeps (to the instant it
 * sleeps until) and by one microsecond per reading (code takes time: a
 * busy wait ends). The network is named "x" for the schedule; it keeps
 * its posts with the clock's instant, answers each question 30 s later
 * (A1, A2, ... with the hashtag), and fails on request. */
#include <check.h>

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chtime.h"
#include "cli.h"
#include "clock.h"
#include "host.h"
#include "net/net.h"
#include "plan.h"
#include "replylog.h"
#include "schedule.h"
#include "topic.h"

#define T0 1796130000.0 /* Tuesday 2026-12-01 13:00 UTC: the chat */
#define MAXP 64

/* ---- the clock ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static double vnow;

static double v_now(void *ctx)
{
	double t;

	(void)ctx;
	pthread_mutex_lock(&mu);
	vnow += 1e-6;
	t = vnow;
	pthread_mutex_unlock(&mu);
	return t;
}

static int v_sleep(void *ctx, double t, double max_chunk, bool (*stop)(void))
{
	(void)ctx;
	(void)max_chunk;
	if (stop && stop())
		return 1;
	pthread_mutex_lock(&mu);
	if (t > vnow)
		vnow = t;
	pthread_mutex_unlock(&mu);
	return 0;
}

static const struct ch_clock vclock = {v_now, v_sleep, NULL};

/* ---- the network ---- */

struct mpost {
	char id[24];
	char *text;
	char reply_to[24];
	double at;       /* the clock's instant it was made */
	bool answer;     /* a participant's (not the host's) */
	char author[16];
	int intent_ok;   /* host posts: 1 if its intent was on disk first */
};

static struct mpost posts[MAXP];
static int n_posts;
static long next_id = 1000;
static char statepath[512];
/* faults: posts fail (class fail_kind) while the clock is in
 * [fail_from, fail_to); maybe_sent: the next post is made but answered
 * as a timeout */
static double fail_from, fail_to;
static enum ch_netfail fail_kind = CH_NETFAIL_RETRY;
static int maybe_sent;

/* Whether the state on disk holds an intent for text without an id. */
static int intent_on_disk(const char *text)
{
	json_t *root = json_load_file(statepath, 0, NULL), *ps, *o;
	const char *k;
	int ok = 0;

	ps = json_object_get(root, "posts");
	json_object_foreach(ps, k, o) {
		const char *t = json_string_value(json_object_get(o, "text"));

		if (t && strcmp(t, text) == 0 && json_object_get(o, "intent_at") &&
		    !json_object_get(o, "id"))
			ok = 1;
	}
	json_decref(root);
	return ok;
}

static struct mpost *add_post(const char *text, const char *reply_to,
			      double at, bool answer, const char *author)
{
	struct mpost *m;

	ck_assert_int_lt(n_posts, MAXP);
	m = &posts[n_posts++];
	snprintf(m->id, sizeof m->id, "%ld", next_id++);
	m->text = strdup(text);
	snprintf(m->reply_to, sizeof m->reply_to, "%s", reply_to ? reply_to : "");
	m->at = at;
	m->answer = answer;
	snprintf(m->author, sizeof m->author, "%s", author);
	return m;
}

static int m_check(const char *file, struct ch_error *err)
{
	(void)file;
	(void)err;
	return 0;
}

static int m_open(struct ch_net *n, const struct ch_net_conf *conf,
		  struct ch_error *err)
{
	(void)conf;
	(void)err;
	n->impl = &posts;
	return 0;
}

static void m_close(struct ch_net *n)
{
	(void)n;
}

static int m_whoami(struct ch_net *n, char *id, size_t id_n, char *user,
		    size_t user_n, struct ch_error *err)
{
	(void)n;
	(void)err;
	snprintf(id, id_n, "1");
	snprintf(user, user_n, "host");
	return 0;
}

static int m_warm(struct ch_net *n, struct ch_error *err)
{
	(void)n;
	(void)err;
	return 0;
}

static int m_post(struct ch_net *n, const struct ch_net_post *p, char *id,
		  size_t id_n, struct ch_error *err)
{
	double now = v_now(NULL);
	struct mpost *m;
	int q;

	n->last_sent.tv_sec = (time_t)now;
	n->last_sent.tv_nsec = (long)((now - floor(now)) * 1e9);
	pthread_mutex_lock(&mu);
	if (now >= fail_from && now < fail_to) {
		pthread_mutex_unlock(&mu);
		n->last = fail_kind;
		ch_error_set(err, "mem", 0, "503 Service Unavailable");
		return -1;
	}
	m = add_post(p->text, p->reply_to, now, false, "host");
	m->intent_ok = intent_on_disk(p->text);
	snprintf(id, id_n, "%s", m->id);
	/* a question is answered 30 s later */
	if (sscanf(p->text, "Q%d", &q) == 1) {
		char a[64];

		snprintf(a, sizeof a, "A%d my answer #ICMIchat", q);
		add_post(a, m->id, now + 30, true, "ann");
	}
	if (maybe_sent) {
		maybe_sent = 0;
		pthread_mutex_unlock(&mu);
		n->last = CH_NETFAIL_MAYBE_SENT;
		ch_error_set(err, "mem", 0, "timed out after sending");
		return -1;
	}
	pthread_mutex_unlock(&mu);
	return 0;
}

static int m_find_mine(struct ch_net *n, const char *me_id,
		       const struct ch_net_post *p, double since, char *id,
		       size_t id_n, struct ch_error *err)
{
	int i, found = 0;

	(void)n;
	(void)me_id;
	(void)since;
	(void)err;
	pthread_mutex_lock(&mu);
	for (i = 0; i < n_posts && !found; i++)
		if (!posts[i].answer && strcmp(posts[i].text, p->text) == 0) {
			snprintf(id, id_n, "%s", posts[i].id);
			found = 1;
		}
	pthread_mutex_unlock(&mu);
	return found;
}

static void fill_msg(struct ch_msg *m, const struct mpost *p)
{
	char when[40];

	ch_format_time_ms((long long)llround(p->at * 1000.0), when, sizeof when);
	m->id = strdup(p->id);
	m->created_at = strdup(when);
	m->author_id = strdup(p->answer ? "7" : "1");
	m->username = strdup(p->author);
	m->name = strdup(p->author);
	m->text = strdup(p->text);
	m->in_reply_to_id = p->reply_to[0] ? strdup(p->reply_to) : NULL;
}

/* Every post made by now and newer than since, newest first. */
static int m_read(struct ch_net *n, const struct ch_net_read *r,
		  struct ch_msg_page *page, struct ch_error *err)
{
	double now = v_now(NULL);
	int i;

	(void)err;
	memset(page, 0, sizeof *page);
	n->rate_remaining = -1;
	pthread_mutex_lock(&mu);
	page->msgs = calloc(MAXP, sizeof *page->msgs);
	for (i = n_posts - 1; i >= 0; i--) {
		if (posts[i].at > now ||
		    (r->since && atol(posts[i].id) <= atol(r->since)))
			continue;
		fill_msg(&page->msgs[page->n++], &posts[i]);
		if (!page->newest)
			page->newest = strdup(posts[i].id);
	}
	pthread_mutex_unlock(&mu);
	page->count = (long)page->n;
	return 0;
}

static char *m_describe(const struct ch_net_read *r)
{
	(void)r;
	return strdup("mem");
}

static int m_cursor_cmp(const char *a, const char *b)
{
	long x = atol(a), y = atol(b);

	return x < y ? -1 : x > y;
}

static bool m_same_text(const char *got, const char *text)
{
	return strcmp(got, text) == 0;
}

static int m_poll_lookup(struct ch_net *n, const char *post_id,
			 struct ch_poll_result *res, struct ch_error *err)
{
	(void)n;
	(void)post_id;
	(void)res;
	ch_error_set(err, "mem", 0, "no polls");
	return -1;
}

static void m_set_timeouts(struct ch_net *n, long c, long t)
{
	(void)n;
	(void)c;
	(void)t;
}

static long m_length(const char *text, size_t len, long *limit)
{
	(void)text;
	*limit = 280;
	return (long)len;
}

static char *m_url_of(const struct ch_net *n, const char *id,
		      const char *username)
{
	(void)n;
	(void)id;
	(void)username;
	return NULL;
}

static const struct ch_net_ops mem_ops = {
	.name = "x",
	.title = "Mem",
	.env_names = "none",
	.env_probe = "NONE",
	.check_credentials = m_check,
	.open = m_open,
	.close = m_close,
	.whoami = m_whoami,
	.warm = m_warm,
	.post = m_post,
	.find_mine = m_find_mine,
	.read = m_read,
	.describe = m_describe,
	.cursor_cmp = m_cursor_cmp,
	.same_text = m_same_text,
	.poll_lookup = m_poll_lookup,
	.set_timeouts = m_set_timeouts,
	.length = m_length,
	.url_of = m_url_of,
};

static const struct ch_net_ops *mem_find(const char *name)
{
	return strcmp(name, "x") == 0 ? &mem_ops : NULL;
}

/* ---- the chat ---- */

static char dir[64], sched[128], logpath[512];
static struct ch_plan plan;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	struct ch_schedule s;
	struct ch_topic t;
	struct ch_diags d = {0};
	char path[256], text[1024];

	snprintf(dir, sizeof dir, "/tmp/chhost.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/topics", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/topics/2026-12-01.conf", dir);
	write_file(path,
		   "date = \"2026-12-01\";\ntitle = \"Queues\";\n"
		   "intro = \"Welcome to #ICMIchat on queues\";\n"
		   "questions = ( \"Q1 How long do you wait?\",\n"
		   "  \"Q2 Who answers first?\", \"Q3 What would you change?\" );\n"
		   "wrapup = \"Thanks all\";\n");
	snprintf(sched, sizeof sched, "%s/chat.conf", dir);
	snprintf(text, sizeof text,
		 "name = \"testchat\";\nhashtag = \"#ICMIchat\";\n"
		 "weekday = \"Tuesday\";\ntime = \"13:00\";\n"
		 "timezone = \"UTC\";\nduration = 10;\nfirst_question = 1;\n"
		 "question_interval = 2;\ncapture_after = 2;\nlate_limit = 3;\n"
		 "thread = true;\ntopics = \"%s/topics\";\nlogs = \"%s/logs\";\n"
		 "networks = [ \"x\" ];\n",
		 dir, dir);
	write_file(sched, text);
	snprintf(statepath, sizeof statepath,
		 "%s/logs/testchat/2026-12-01.state.json", dir);
	snprintf(logpath, sizeof logpath, "%s/logs/testchat/2026-12-01.jsonl",
		 dir);
	ck_assert_int_eq(ch_schedule_load(&s, sched, &d), 0);
	ck_assert_int_eq(ch_topic_load(&t, path, &d), 0);
	ck_assert_int_eq(ch_plan_build(&plan, &s, &t.candidates[0], path,
				       "2026-12-01", &d), 0);
	ck_assert_int_eq((int)plan.n_posts, 5);
	ck_assert(plan.start == (time_t)T0);
	ch_topic_free(&t);
	ch_schedule_free(&s);
	ch_diags_free(&d);
	setenv("CHATHOST_NO_WAITER", "1", 1);
}

static void teardown(void)
{
	char cmd[128];

	ch_plan_free(&plan);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static int run_chat_at(double from, double speed)
{
	struct ch_host_opts o;

	memset(&o, 0, sizeof o);
	o.schedule_path = sched;
	o.once = true;
	o.date = "2026-12-01";
	o.speed = speed;
	o.yes = speed > 0; /* the in-memory network has X's address */
	o.clock = &vclock;
	o.net_find = mem_find;
	vnow = from;
	return ch_host_main(&o);
}

static int run_chat(double from)
{
	return run_chat_at(from, 0);
}

/* The host's post with text starting with prefix, or NULL. */
static struct mpost *host_post(const char *prefix)
{
	int i;

	for (i = 0; i < n_posts; i++)
		if (!posts[i].answer &&
		    strncmp(posts[i].text, prefix, strlen(prefix)) == 0)
			return &posts[i];
	return NULL;
}

static int host_posts(void)
{
	int i, n = 0;

	for (i = 0; i < n_posts; i++)
		n += !posts[i].answer;
	return n;
}

/* The log's lines: answers per question, and the skipped events. */
struct seen {
	int answers[8];
	int skipped;
	char skipped_key[32];
};

static int see(const struct ch_log_entry *e, void *ctx)
{
	struct seen *s = ctx;

	if (e->kind == CH_KIND_EVENT) {
		if (e->event && strcmp(e->event, "skipped") == 0)
			s->skipped++;
		return 0;
	}
	if (e->kind == CH_KIND_ANSWER && e->question > 0 && e->question < 8)
		s->answers[e->question]++;
	return 0;
}

static struct seen read_log(void)
{
	struct seen s;
	struct ch_error err;

	memset(&s, 0, sizeof s);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_replylog_read(logpath, see, &s, NULL, NULL, 0, &err),
			 0);
	return s;
}

/* Every post at its planned instant, to the millisecond, in order, each
 * after its intent is on disk; the questions in the intro's thread; every
 * answer captured under its question. */
START_TEST(on_time_in_order)
{
	struct mpost *intro;
	struct seen s;
	size_t i;
	int k = 0;

	ck_assert_int_eq(run_chat(T0 - 120), CH_EXIT_OK);
	ck_assert_int_eq(host_posts(), 5);
	for (i = 0; i < (size_t)n_posts; i++) {
		const struct mpost *m = &posts[i];

		if (m->answer)
			continue;
		ck_assert_str_eq(m->text, plan.posts[k].text);
		ck_assert_msg(m->at >= (double)plan.posts[k].at &&
				      m->at < (double)plan.posts[k].at + 0.001,
			      "%s at %+.6f s", plan.posts[k].key,
			      m->at - (double)plan.posts[k].at);
		ck_assert_msg(m->intent_ok, "%s: no intent on disk before it",
			      plan.posts[k].key);
		k++;
	}
	intro = host_post("Welcome");
	ck_assert_ptr_nonnull(intro);
	ck_assert_str_eq(host_post("Q1")->reply_to, intro->id);
	ck_assert_str_eq(host_post("Q3")->reply_to, intro->id);
	s = read_log();
	ck_assert_int_eq(s.answers[1], 1);
	ck_assert_int_eq(s.answers[2], 1);
	ck_assert_int_eq(s.answers[3], 1);
	ck_assert_int_eq(s.skipped, 0);
	/* the capture ran to the window's end: duration + capture_after */
	ck_assert(vnow >= T0 + 12 * 60);
}
END_TEST

/* The network refuses posts from Q2's instant until past its late_limit
 * (3 minutes): Q2 is retried, then skipped as late and logged; Q3, due
 * in the outage's shadow, is posted as soon as the network takes it,
 * within its own late_limit; the run exits 3 (a post was not made). */
START_TEST(late_limit_skips)
{
	double q2 = (double)plan.posts[2].at, q3 = (double)plan.posts[3].at;
	struct seen s;

	ck_assert_str_eq(plan.posts[2].key, "q2");
	fail_from = q2 - 1;
	fail_to = q2 + 3 * 60 + 10;
	ck_assert_int_eq(run_chat(T0 - 120), CH_EXIT_NETWORK);
	ck_assert_ptr_null(host_post("Q2"));
	ck_assert_ptr_nonnull(host_post("Q3"));
	ck_assert(host_post("Q3")->at >= fail_to);
	ck_assert(host_post("Q3")->at < q3 + 3 * 60);
	ck_assert_int_eq(host_posts(), 4);
	s = read_log();
	ck_assert_int_eq(s.skipped, 1);
	ck_assert_int_eq(s.answers[2], 0);
	ck_assert_int_eq(s.answers[3], 1);
}
END_TEST

/* A post whose answer was lost (made, then a timeout) is found among the
 * account's posts and never made twice. */
START_TEST(maybe_sent_not_twice)
{
	maybe_sent = 1;
	ck_assert_int_eq(run_chat(T0 - 120), CH_EXIT_OK);
	ck_assert_int_eq(host_posts(), 5);
	ck_assert(host_post("Welcome")->at < T0 + 0.001);
	ck_assert_int_eq(read_log().answers[1], 1);
}
END_TEST

/* A restart after a crash between Q1's intent and its answer: Q1 is found
 * on the network (not posted again), the rest are posted on time. */
START_TEST(restart_resolves_intent)
{
	struct mpost *m;
	char text[1024];
	int before;

	/* the first run: until Q1 is made, then "killed" (its state kept) */
	fail_from = (double)plan.posts[2].at - 1;
	fail_to = 1e12;
	fail_kind = CH_NETFAIL_CREDENTIALS;
	ck_assert_int_ne(run_chat(T0 - 120), CH_EXIT_OK);
	ck_assert_ptr_nonnull(host_post("Q1"));
	before = host_posts();
	ck_assert_int_eq(before, 2);
	/* the state as a crash right after Q1 left it: intent, no id */
	{
		json_t *root = json_load_file(statepath, 0, NULL);
		json_t *q1 = json_object_get(json_object_get(root, "posts"), "q1");

		ck_assert_ptr_nonnull(q1);
		json_object_del(q1, "id");
		json_object_del(q1, "posted_at");
		ck_assert_int_eq(json_dump_file(root, statepath, 0), 0);
		json_decref(root);
	}
	(void)text;
	fail_from = fail_to = 0;
	fail_kind = CH_NETFAIL_RETRY;
	ck_assert_int_eq(run_chat((double)plan.posts[1].at + 30), CH_EXIT_OK);
	ck_assert_int_eq(host_posts(), 5);
	m = host_post("Q2");
	ck_assert_ptr_nonnull(m);
	ck_assert(m->at >= (double)plan.posts[2].at &&
		  m->at < (double)plan.posts[2].at + 0.001);
}
END_TEST

/* A rehearsal at 60x, begun on any day: the plan's intervals divided by
 * 60, to the millisecond, in order; its own state, not the chat's. */
START_TEST(rehearsal_compressed)
{
	double t0 = T0 + 86400 * 3 + 1234.5;
	int i, k = 0;
	double first = 0;

	ck_assert_int_eq(run_chat_at(t0, 60), CH_EXIT_OK);
	ck_assert_int_eq(host_posts(), 5);
	for (i = 0; i < n_posts; i++) {
		double want;

		if (posts[i].answer)
			continue;
		if (k == 0)
			first = posts[i].at;
		ck_assert_str_eq(posts[i].text, plan.posts[k].text);
		want = first + (double)(plan.posts[k].at - plan.posts[0].at) / 60;
		ck_assert_msg(posts[i].at >= want && posts[i].at < want + 0.001,
			      "%s at %+.6f s", plan.posts[k].key, posts[i].at - want);
		k++;
	}
	ck_assert(first > t0 && first < t0 + 60);
	ck_assert_int_eq(access(statepath, F_OK), -1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("host");
	TCase *tc = tcase_create("chat loop");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, on_time_in_order);
	tcase_add_test(tc, late_limit_skips);
	tcase_add_test(tc, maybe_sent_not_twice);
	tcase_add_test(tc, restart_resolves_intent);
	tcase_add_test(tc, rehearsal_compressed);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
