/* test_capture.c - the live capture and the backfill (bot/capture.h)
 * against an in-test fake of the search endpoint (the capture's search,
 * clock and sleep hooks): since_id, pagination, budget, 429, failures,
 * coverage, backfill, restart, attribution into the log. */
#include <check.h>

#include "mut.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "attrib.h"
#include "capture.h"

#define T0 1796148000.0 /* the intro: 2026-12-01T18:00:00Z */
#define MAXTW 1200

struct ftweet {
	char id[24];
	double created;
	char author[16];
	char text[160];
	char reply_to[24];
	char conv[24];
	int rt;
};

struct fake {
	struct ftweet tw[MAXTW]; /* ascending ids and times */
	int n;
	long next_id;
	double now;
	int page_size;
	int calls;
	/* scripted failures: calls fail_from..fail_to (1-based) fail */
	int fail_from, fail_to;
	enum ch_netfail fail_kind;
	double fail_reset;
	bool stuck_next;     /* a page after the first names its own cursor
				as the next again (a Link that repeats) */
	long remaining;      /* rate headers sent back; -1: none */
	double reset;
	/* the last request */
	char q[600], since[32], start[32], end[32], token[32];
	int off_main;        /* calls made on another thread (the prefetch) */
};

static pthread_t main_thread;

static struct fake *F;
static char dir[64];
static char logpath[128], statepath[128];
static struct ch_schedule S;
static struct ch_net X; /* X's table, opened on nothing */
static struct ch_state ST;
static struct ch_replylog *LG;

/* The threads of this process (/proc/self/task). */
static int threads(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

#include "fdof.h"
static struct ch_capture *C;
static bool OPT_SERIAL, OPT_WAIT; /* the next open_capture's pipeline */

static void add(const char *author, const char *text, const char *reply_to,
		const char *conv, double at, int rt)
{
	struct ftweet *t = &F->tw[F->n++];

	ck_assert_int_lt(F->n, MAXTW);
	snprintf(t->id, sizeof t->id, "%ld", F->next_id++);
	t->created = at;
	snprintf(t->author, sizeof t->author, "%s", author);
	snprintf(t->text, sizeof t->text, "%s", text);
	snprintf(t->reply_to, sizeof t->reply_to, "%s", reply_to ? reply_to : "");
	snprintf(t->conv, sizeof t->conv, "%s", conv ? conv : "");
	t->rt = rt;
}

static char *iso(double t)
{
	char buf[40];
	struct tm tm;
	time_t s = (time_t)floor(t);

	gmtime_r(&s, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	return ch_xstrdup(buf);
}

static int idlt(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la != lb ? la < lb : strcmp(a, b) < 0;
}

static int fake_search(void *ctx, struct ch_net *net,
		       const struct ch_net_read *req, struct ch_msg_page *page,
		       struct ch_error *err)
{
	double st = -1, et = -1;

	int i, k = 0;
	size_t cap = 0;

	(void)ctx;
	F->calls++;
	if (!pthread_equal(pthread_self(), main_thread))
		F->off_main++;
	{
		char *q = ch_net_describe(net, req);

		snprintf(F->q, sizeof F->q, "%s", q);
		free(q);
	}
	snprintf(F->since, sizeof F->since, "%s", req->since ? req->since : "");
	snprintf(F->start, sizeof F->start, "%s", req->start_time ? req->start_time : "");
	snprintf(F->end, sizeof F->end, "%s", req->end_time ? req->end_time : "");
	snprintf(F->token, sizeof F->token, "%s", req->cursor ? req->cursor : "");
	ck_assert_int_eq(req->max, 100);
	net->rate_remaining = F->remaining;
	net->rate_reset = (double)(time_t)F->reset;
	net->wait_until = 0;
	memset(page, 0, sizeof *page);
	if (F->calls >= F->fail_from && F->calls <= F->fail_to) {
		net->last = F->fail_kind;
		if (F->fail_kind == CH_NETFAIL_WAIT) {
			net->rate_remaining = 0;
			net->rate_reset = (double)(time_t)F->fail_reset;
			net->wait_until = (double)(time_t)F->fail_reset;
		}
		ch_error_set(err, "x-api", 0, "scripted failure %d", F->calls);
		return -1;
	}
	net->last = CH_NETFAIL_NONE;
	if (req->start_time)
		ck_assert_int_eq(ch_attrib_parse_time(req->start_time, &st), 0);
	if (req->end_time)
		ck_assert_int_eq(ch_attrib_parse_time(req->end_time, &et), 0);
	for (i = F->n - 1; i >= 0; i--) {
		struct ftweet *t = &F->tw[i];
		struct ch_msg *o;

		if (t->created > F->now)
			continue; /* not posted yet */
		if (req->cursor && !idlt(t->id, req->cursor))
			continue;
		if (req->since && !idlt(req->since, t->id))
			break;
		if (st >= 0 && floor(t->created) < st)
			continue;
		if (et >= 0 && floor(t->created) >= et)
			continue;
		if (k == F->page_size) {
			page->next = ch_xstrdup(page->msgs[k - 1].id);
			break;
		}
		if ((size_t)k == cap) {
			cap = cap ? cap * 2 : 16;
			page->msgs = ch_xrealloc(page->msgs,
						   cap * sizeof *page->msgs);
		}
		o = &page->msgs[k++];
		memset(o, 0, sizeof *o);
		o->id = ch_xstrdup(t->id);
		o->created_at = iso(t->created);
		o->author_id = ch_xstrdup(t->author);
		o->username = ch_xasprintf("user%s", t->author);
		o->name = ch_xstrdup("Näme \"quoted\"");
		o->text = ch_xstrdup(t->text);
		o->in_reply_to_id = t->reply_to[0] ? ch_xstrdup(t->reply_to) : NULL;
		o->conversation_id = ch_xstrdup(t->conv[0] ? t->conv : t->id);
		o->is_repost = t->rt != 0;
	}
	page->n = (size_t)k;
	page->count = k;
	if (k)
		page->newest = ch_xstrdup(page->msgs[0].id);
	if (F->stuck_next && req->cursor) {
		free(page->next);
		page->next = ch_xstrdup(req->cursor);
	}
	return 0;
}

static double fake_clock(void *ctx)
{
	(void)ctx;
	return F->now;
}

static void fake_sleep(void *ctx, double t)
{
	(void)ctx;
	if (t > F->now)
		F->now = t;
}

/* Counts log lines per id; fails on a duplicate. */
struct tally {
	int posts;
	int dup;
	char ids[MAXTW][24];
	int q[MAXTW];
	int kind[MAXTW];
	int by[MAXTW];
};

static int tally_cb(const struct ch_log_entry *e, void *ctx)
{
	struct tally *t = ctx;
	int i;

	if (e->kind == CH_KIND_EVENT)
		return 0;
	for (i = 0; i < t->posts; i++)
		if (strcmp(t->ids[i], e->id) == 0)
			t->dup++;
	snprintf(t->ids[t->posts], sizeof t->ids[0], "%s", e->id);
	t->q[t->posts] = e->question;
	t->kind[t->posts] = e->kind;
	t->by[t->posts] = e->attributed_by;
	t->posts++;
	return 0;
}

static struct tally *read_log(void)
{
	static struct tally t;
	struct ch_error err;

	memset(&t, 0, sizeof t);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_replylog_read(logpath, tally_cb, &t, NULL, NULL, 0,
					  &err), 0);
	ck_assert_int_eq(t.dup, 0);
	return &t;
}

static int find(struct tally *t, const char *id)
{
	int i;

	for (i = 0; i < t->posts; i++)
		if (strcmp(t->ids[i], id) == 0)
			return i;
	return -1;
}

/* The capture's settings on the test's globals (speed 1: a real chat). */
static struct ch_capture_conf conf_of(double speed)
{
	struct ch_capture_conf k;

	memset(&k, 0, sizeof k);
	k.s = &S;
	k.net = &X;
	k.st = &ST;
	k.log = LG;
	k.host_id = "9";
	k.host_username = "host";
	k.window_start = T0;
	k.window_end = T0 + 3600 / speed;
	k.speed = speed;
	k.n_questions = 3;
	k.search = fake_search;
	k.clock = fake_clock;
	k.sleep_until = fake_sleep;
	k.serial = OPT_SERIAL;
	k.wait_worker = OPT_WAIT;
	return k;
}

static void open_capture(double speed)
{
	struct ch_capture_conf k;
	struct ch_error err;

	ch_error_clear(&err);
	ck_assert_int_eq(ch_state_open(&ST, statepath, &err), 0);
	LG = ch_replylog_open(logpath, &err);
	ck_assert_ptr_nonnull(LG);
	k = conf_of(speed);
	C = ch_capture_new(&k, &err);
	ck_assert_msg(C != NULL, "%s", err.text);
}

/* The capture's counts. */
static struct ch_capture_counts N(void)
{
	struct ch_capture_counts n;

	ch_capture_counts(C, &n);
	return n;
}

static void close_capture(void)
{
	ch_capture_free(C);
	C = NULL;
	ck_assert_int_eq(ch_replylog_close(LG, NULL), 0);
	ch_state_free(&ST);
}

/* A chat at speed 1: intro T0 (id 100), Q1 T0+300, Q2 T0+900, Q3
 * T0+1500, wrap-up T0+2400; window until T0+3600. */
static void setup(void)
{
	main_thread = pthread_self();
	F = calloc(1, sizeof *F);
	F->next_id = 1000;
	F->page_size = 100;
	F->remaining = -1;
	F->now = T0;
	snprintf(dir, sizeof dir, "/tmp/chcap.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(logpath, sizeof logpath, "%s/chat.jsonl", dir);
	snprintf(statepath, sizeof statepath, "%s/chat.state.json", dir);
	memset(&S, 0, sizeof S);
	S.hashtag = mut("#chat");
	S.thread = true;
	S.search_budget = 60;
	S.capture_after = 30;
	memset(&X, 0, sizeof X);
	X.ops = ch_net_find("x");
	X.rate_remaining = -1;
	open_capture(1);
	ch_state_set_posted(&ST, "intro", "100", T0 + 0.3);
	ch_state_set_posted(&ST, "q1", "101", T0 + 300.4);
	ch_state_set_posted(&ST, "q2", "102", T0 + 900.2);
	ch_state_set_posted(&ST, "q3", "103", T0 + 1500.2);
	ch_state_set_posted(&ST, "wrapup", "104", T0 + 2400.2);
}

static void teardown(void)
{
	char cmd[128];

	close_capture();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(F);
}

static int poll_at(double t)
{
	struct ch_error err;

	F->now = t;
	ch_error_clear(&err);
	return ch_capture_poll(C, t, t + 60, &err);
}

static json_t *capst(void)
{
	return ch_state_obj(&ST, "capture");
}

START_TEST(query_forms)
{
	char *q = ch_capture_query(C);

	ck_assert_str_eq(q, "(#chat OR conversation_id:100) -is:retweet");
	free(q);
	S.thread = false;
	q = ch_capture_query(C);
	ck_assert_str_eq(q, "#chat -is:retweet");
	free(q);
	S.thread = true;
	json_object_del(json_object_get(ST.root, "posts"), "intro");
	q = ch_capture_query(C);
	ck_assert_str_eq(q, "#chat -is:retweet");
	free(q);
}
END_TEST

START_TEST(cover_and_gaps)
{
	json_t *r = json_array();
	double g[4][2];

	ch_capture_cover(r, 10, 20);
	ch_capture_cover(r, 30, 40);
	ch_capture_cover(r, 20, 25);  /* touches: merged */
	ch_capture_cover(r, 5, 5);    /* empty: ignored */
	ck_assert_uint_eq(json_array_size(r), 2);
	ck_assert(json_number_value(json_array_get(json_array_get(r, 0), 1)) == 25);
	ck_assert_uint_eq(ch_capture_gaps(r, 0, 50, g, 4), 3);
	ck_assert(g[0][0] == 0 && g[0][1] == 10);
	ck_assert(g[1][0] == 25 && g[1][1] == 30);
	ck_assert(g[2][0] == 40 && g[2][1] == 50);
	ck_assert_uint_eq(ch_capture_gaps(r, 12, 18, g, 4), 0);
	ck_assert_uint_eq(ch_capture_gaps(r, 12, 35, g, 4), 1);
	ck_assert(g[0][0] == 25 && g[0][1] == 30);
	ck_assert_uint_eq(ch_capture_gaps(r, 0, 50, g, 1), 3); /* only 1 written */
	ch_capture_cover(r, 0, 100); /* swallows everything */
	ck_assert_uint_eq(json_array_size(r), 1);
	ck_assert_uint_eq(ch_capture_gaps(r, 0, 100, g, 4), 0);
	/* garbage in the state is ignored, not trusted */
	json_array_append_new(r, json_string("x"));
	json_array_append_new(r, json_pack("[i,i]", 300, 200));
	ck_assert_uint_eq(ch_capture_gaps(r, 0, 150, g, 4), 1);
	ck_assert(g[0][0] == 100 && g[0][1] == 150);
	json_decref(r);
}
END_TEST

START_TEST(first_poll_and_since_id)
{
	json_t *cap = capst();
	struct tally *t;

	add("7", "last week #chat", NULL, NULL, T0 - 86400, 0);
	add("7", "early bird #chat", NULL, NULL, T0 - 100, 0);
	ck_assert(ch_capture_next_due(C, T0) <= T0);
	ck_assert_int_eq(poll_at(T0 + 10), 0);
	/* first cycle: from the window's start minus the margin */
	ck_assert_str_eq(F->since, "");
	ck_assert_str_eq(F->start, "2026-12-01T17:55:00Z");
	ck_assert_str_eq(F->q, "(#chat OR conversation_id:100) -is:retweet");
	ck_assert_str_eq(ch_json_str(cap, "since_id"), "1001");
	ck_assert(ch_json_num(cap, "live_to", 0) == T0 + 10);
	add("8", "A1: yes #chat", "101", "100", T0 + 320, 0);
	ck_assert_int_eq(poll_at(T0 + 330), 0);
	ck_assert_str_eq(F->since, "1001");
	ck_assert_str_eq(F->start, "");
	ck_assert_str_eq(ch_json_str(cap, "since_id"), "1002");
	/* nothing new: since_id stays */
	ck_assert_int_eq(poll_at(T0 + 400), 0);
	ck_assert_str_eq(ch_json_str(cap, "since_id"), "1002");
	ck_assert_int_eq(N().reads, 2);
	ck_assert_int_eq(N().logged, 2);
	ck_assert_int_eq(N().requests, 3);
	/* one continuous covered range */
	ck_assert_uint_eq(json_array_size(json_object_get(cap, "covered")), 1);
	t = read_log();
	ck_assert_int_eq(t->posts, 2);
	ck_assert_int_lt(find(t, "1000"), 0); /* last week: not searched */
	/* the state on disk has it too */
	ch_state_free(&ST);
	ck_assert_int_eq(ch_state_open(&ST, statepath, NULL), 0);
	ck_assert_str_eq(ch_json_str(capst(), "since_id"), "1002");
	ck_assert_int_eq((int)ch_json_num(capst(), "reads", 0), 2);
}
END_TEST

START_TEST(attribution_into_log)
{
	struct tally *t;
	int i;

	add("7", "before Q1 #chat", NULL, NULL, T0 + 60, 0);          /* 1000 */
	add("7", "A1: hold music #chat", NULL, NULL, T0 + 320, 0);    /* 1001 */
	add("8", "hate it", "101", "100", T0 + 330, 0);               /* 1002 */
	add("8", "@user7 so true", "1001", "100", T0 + 340, 0);       /* 1003 */
	add("9", "Q2: why? #chat", "100", "100", T0 + 900, 0);        /* 1004 host */
	add("7", "RT @x: A1 nice", NULL, NULL, T0 + 905, 1);          /* 1005 rt */
	add("6", "a2 - better bots #chat", NULL, NULL, T0 + 910, 0);  /* 1006 */
	add("6", "thoughts #chat", NULL, NULL, T0 + 1000, 0);         /* 1007 */
	add("6", "bye #chat", NULL, NULL, T0 + 2500, 0);              /* 1008 */
	ck_assert_int_eq(poll_at(T0 + 2600), 0);
	t = read_log();
	ck_assert_int_eq(t->posts, 8);
	ck_assert_int_lt(find(t, "1005"), 0);
	ck_assert_int_eq(N().reads, 9);
	ck_assert_int_eq(N().logged, 8);
	i = find(t, "1000");
	ck_assert_int_eq(t->kind[i], CH_KIND_OTHER);
	ck_assert_int_eq(t->q[i], 0);
	i = find(t, "1001");
	ck_assert_int_eq(t->kind[i], CH_KIND_ANSWER);
	ck_assert_int_eq(t->q[i], 1);
	ck_assert_int_eq(t->by[i], CH_ATTR_LABEL);
	i = find(t, "1002");
	ck_assert_int_eq(t->kind[i], CH_KIND_ANSWER);
	ck_assert_int_eq(t->by[i], CH_ATTR_REPLY);
	i = find(t, "1003");
	ck_assert_int_eq(t->kind[i], CH_KIND_REPLY);
	ck_assert_int_eq(t->q[i], 1);
	ck_assert_int_eq(t->by[i], CH_ATTR_TIME);
	i = find(t, "1004");
	ck_assert_int_eq(t->kind[i], CH_KIND_HOST);
	i = find(t, "1006");
	ck_assert_int_eq(t->q[i], 2);
	ck_assert_int_eq(t->by[i], CH_ATTR_LABEL);
	i = find(t, "1007");
	ck_assert_int_eq(t->kind[i], CH_KIND_OTHER);
	ck_assert_int_eq(t->q[i], 2);
	ck_assert_int_eq(t->by[i], CH_ATTR_TIME);
	i = find(t, "1008");
	ck_assert_int_eq(t->q[i], 0);
}
END_TEST

START_TEST(pagination)
{
	int i;

	for (i = 0; i < 250; i++)
		add("7", "A1 #chat", NULL, NULL, T0 + 301 + i, 0);
	ck_assert_int_eq(poll_at(T0 + 600), 0);
	ck_assert_int_eq(F->calls, 3);
	ck_assert_str_ne(F->token, "");
	ck_assert_int_eq(N().reads, 250);
	ck_assert_int_eq(N().logged, 250);
	ck_assert_int_eq(N().last_pages, 3);
	ck_assert_ptr_null(json_object_get(capst(), "pending"));
	ck_assert_str_eq(ch_json_str(capst(), "since_id"), "1249");
	ck_assert_int_eq(read_log()->posts, 250);
	/* the budget counts pages: the next cycle waits 3 intervals */
	ck_assert(fabs(ch_capture_next_due(C, T0 + 600) - (T0 + 600 + 3 * 15)) < 1e-6);
}
END_TEST

/* A server whose next page repeats the one just read (a Mastodon Link
 * rel=next naming itself) ends the pagination there: the cycle is done
 * (nothing left pending, the thread read afresh next time), and a
 * backfill ends too instead of running its 1,000 pages (issue 30, 5). */
START_TEST(pagination_repeated_cursor)
{
	struct ch_error err;
	int i;

	for (i = 0; i < 250; i++)
		add("7", "A1 #chat", NULL, NULL, T0 + 301 + i, 0);
	F->stuck_next = true;
	ck_assert_int_eq(poll_at(T0 + 600), 0);
	ck_assert_int_eq(F->calls, 2);
	ck_assert_ptr_null(json_object_get(capst(), "pending"));
	ck_assert_int_eq(read_log()->posts, 200);
	F->calls = 0;
	F->now = T0 + 2 * 86400;
	ch_error_clear(&err);
	ck_assert_int_eq(ch_capture_backfill(C, true, &err), 0);
	ck_assert_int_eq(F->calls, 2);
	ck_assert_int_eq(read_log()->posts, 200);
}
END_TEST

START_TEST(ratelimit_mid_pagination)
{
	int i;
	double due;

	for (i = 0; i < 250; i++)
		add("7", "A1 #chat", NULL, NULL, T0 + 301 + i, 0);
	F->fail_from = F->fail_to = 2;
	F->fail_kind = CH_NETFAIL_WAIT;
	F->fail_reset = T0 + 700;
	ck_assert_int_eq(poll_at(T0 + 600), -1);
	ck_assert_int_eq(N().reads, 100);
	ck_assert_ptr_nonnull(json_object_get(capst(), "pending"));
	ck_assert_ptr_null(json_object_get(capst(), "since_id"));
	/* waits for the reset */
	due = ch_capture_next_due(C, T0 + 601);
	ck_assert(due >= T0 + 700);
	/* resumes from the token: nothing read twice */
	ck_assert_int_eq(poll_at(due), 0);
	ck_assert_str_ne(F->token, "");
	ck_assert_int_eq(N().reads, 250);
	ck_assert_int_eq(N().logged, 250);
	ck_assert_ptr_null(json_object_get(capst(), "pending"));
	ck_assert_str_eq(ch_json_str(capst(), "since_id"), "1249");
	ck_assert_int_eq(read_log()->posts, 250);
	/* covered from the window start, continuously, to the first
	 * cycle's start (the resumed pagination belongs to it) */
	ck_assert_uint_eq(json_array_size(json_object_get(capst(), "covered")), 1);
	ck_assert(ch_json_num(capst(), "live_to", 0) == T0 + 600);
}
END_TEST

START_TEST(failure_keeps_since_id)
{
	struct ch_error err;

	add("7", "A1 #chat", NULL, NULL, T0 + 310, 0);
	ck_assert_int_eq(poll_at(T0 + 320), 0);
	add("7", "A1 more #chat", NULL, NULL, T0 + 330, 0);
	F->fail_from = 2;
	F->fail_to = 3;
	F->fail_kind = CH_NETFAIL_RETRY;
	F->now = T0 + 340;
	ch_error_clear(&err);
	ck_assert_int_eq(ch_capture_poll(C, T0 + 340, T0 + 400, &err), -1);
	ck_assert_str_eq(err.text, "scripted failure 2");
	ck_assert_str_eq(ch_json_str(capst(), "since_id"), "1000");
	/* backoff: 2 intervals */
	ck_assert(fabs(ch_capture_next_due(C, T0 + 340) - (T0 + 340 + 30)) < 1e-6);
	ck_assert_int_eq(poll_at(T0 + 370), -1);
	ck_assert(fabs(ch_capture_next_due(C, T0 + 370) - (T0 + 370 + 60)) < 1e-6);
	ck_assert_int_eq(poll_at(T0 + 430), 0);
	ck_assert_str_eq(F->since, "1000");
	ck_assert_int_eq(read_log()->posts, 2);
	ck_assert_int_eq(N().reads, 2);
	ck_assert_uint_eq(json_array_size(json_object_get(capst(), "covered")), 1);
	ck_assert(fabs(ch_capture_next_due(C, T0 + 430) - (T0 + 445)) < 1e-6);
}
END_TEST

START_TEST(budget_and_rate_headers)
{
	double due;
	int calls;

	S.search_budget = 4; /* one request per 225 s */
	ck_assert_int_eq(poll_at(T0 + 5), 0);
	ck_assert(fabs(ch_capture_next_due(C, T0 + 5) - (T0 + 230)) < 1e-6);
	/* the headers say fewer remain than the budget would spend */
	F->remaining = 1;
	F->reset = T0 + 1200;
	ck_assert_int_eq(poll_at(T0 + 230), 0);
	due = ch_capture_next_due(C, T0 + 230);
	ck_assert(fabs(due - (T0 + 230 + 970)) < 1e-6);
	/* none remain: wait for the reset */
	F->remaining = 0;
	ck_assert_int_eq(poll_at(T0 + 1200 - 1), 0);
	ck_assert(ch_capture_next_due(C, T0 + 1200) >= T0 + 1200);
	/* the budget itself: 2 requests per 900 s, both spent from T0+2100
	 * (after the reset, the headers say nothing more) */
	S.search_budget = 2;
	F->remaining = -1;
	calls = F->calls;
	ck_assert_int_eq(poll_at(T0 + 2100), 0);
	due = ch_capture_next_due(C, T0 + 2100);
	ck_assert(due < T0 + 3000);
	ck_assert_int_eq(poll_at(due), 0);
	ck_assert_int_eq(F->calls, calls + 2);
	ck_assert(ch_capture_next_due(C, due + 1) >= T0 + 3000);
	/* a cycle never exceeds it */
	ck_assert_int_eq(poll_at(due + 1), 0);
	ck_assert_int_eq(N().last_pages, 0);
	ck_assert_int_eq(F->calls, calls + 2);
}
END_TEST

START_TEST(no_time_no_request)
{
	struct ch_error err;
	int calls = F->calls;

	ch_error_clear(&err);
	F->now = T0 + 100;
	ck_assert_int_eq(ch_capture_poll(C, T0 + 100, T0 + 100.1, &err), 0);
	ck_assert_int_eq(F->calls, calls);
	ck_assert(ch_capture_next_due(C, T0 + 100) >= T0 + 100.1);
	/* past the window: no more live polls once it is covered */
	ck_assert_int_eq(poll_at(T0 + 3700), 0);
	ck_assert(isinf(ch_capture_next_due(C, T0 + 3700)));
}
END_TEST

START_TEST(window_end_not_skipped)
{
	/* the headers allow one request per 900 s */
	F->remaining = 10;
	F->reset = T0 + 3000 + 9000;
	ck_assert_int_eq(poll_at(T0 + 3000), 0);
	/* the next would be at T0+3900, but the window ends at T0+3600 */
	ck_assert(fabs(ch_capture_next_due(C, T0 + 3001) - (T0 + 3600)) < 1e-6);
}
END_TEST

START_TEST(backfill_after_outage)
{
	struct ch_error err;
	struct tally *t;

	add("7", "A1 #chat", NULL, NULL, T0 + 310, 0);
	ck_assert_int_eq(poll_at(T0 + 320), 0);
	/* the search is down from here to the end of the window */
	add("7", "A2 #chat", NULL, NULL, T0 + 910, 0);
	add("8", "A3 #chat", NULL, NULL, T0 + 1510, 0);
	F->fail_from = 2;
	F->fail_to = 1000;
	F->fail_kind = CH_NETFAIL_RETRY;
	ck_assert_int_eq(poll_at(T0 + 1000), -1);
	ck_assert_int_eq(poll_at(T0 + 2000), -1);
	/* two days later, by hand: a range search, not since_id */
	F->fail_to = 0;
	F->now = T0 + 2 * 86400;
	ch_error_clear(&err);
	ck_assert_int_eq(ch_capture_backfill(C, false, &err), 0);
	ck_assert_str_eq(F->since, "");
	ck_assert_str_eq(F->start, "2026-12-01T18:05:20Z"); /* live_to */
	ck_assert_str_eq(F->end, "2026-12-01T19:00:00Z");   /* window end */
	t = read_log();
	ck_assert_int_eq(t->posts, 3);
	ck_assert_int_eq(t->q[find(t, "1002")], 3);
	ck_assert_int_eq(N().reads, 3);
	/* covered now: a second backfill reads nothing */
	ck_assert_uint_eq(json_array_size(json_object_get(capst(), "covered")), 1);
	F->calls = 0;
	ck_assert_int_eq(ch_capture_backfill(C, false, &err), 0);
	ck_assert_int_eq(F->calls, 0);
	/* full: sweeps the whole window, logs nothing twice */
	ck_assert_int_eq(ch_capture_backfill(C, true, &err), 0);
	ck_assert_int_eq(F->calls, 1);
	ck_assert_str_eq(F->start, "2026-12-01T17:55:00Z");
	ck_assert_int_eq(read_log()->posts, 3);
	ck_assert_int_eq(N().logged, 3);
}
END_TEST

START_TEST(backfill_right_after_window)
{
	struct ch_error err;

	add("7", "A1 #chat", NULL, NULL, T0 + 310, 0);
	ck_assert_int_eq(poll_at(T0 + 320), 0);
	add("7", "A3 #chat", NULL, NULL, T0 + 3500, 0);
	F->fail_from = 2;
	F->fail_to = 2;
	F->fail_kind = CH_NETFAIL_RETRY;
	ck_assert_int_eq(poll_at(T0 + 3550), -1);
	/* the host calls the backfill at the window's end: one since_id
	 * search picks up the tail, no range search needed */
	F->now = T0 + 3601;
	ch_error_clear(&err);
	ck_assert_int_eq(ch_capture_backfill(C, false, &err), 0);
	ck_assert_str_eq(F->since, "1000");
	ck_assert_str_eq(F->end, "");
	ck_assert_int_eq(read_log()->posts, 2);
	ck_assert_int_eq(N().reads, 2);
	ck_assert(isinf(ch_capture_next_due(C, F->now)));
}
END_TEST

START_TEST(backfill_too_old)
{
	struct ch_error err;

	F->now = T0 + 9 * 86400;
	ch_error_clear(&err);
	ck_assert_int_eq(ch_capture_backfill(C, false, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "7 days"));
	ck_assert_int_eq(F->calls, 0);
}
END_TEST

START_TEST(backfill_waits_out_429)
{
	struct ch_error err;

	add("7", "A1 #chat", NULL, NULL, T0 + 310, 0);
	F->fail_from = F->fail_to = 1;
	F->fail_kind = CH_NETFAIL_WAIT;
	F->now = T0 + 86400;
	F->fail_reset = F->now + 300;
	ch_error_clear(&err);
	ck_assert_int_eq(ch_capture_backfill(C, false, &err), 0);
	ck_assert_int_eq(F->calls, 2);
	ck_assert(F->now >= T0 + 86400 + 300);
	ck_assert_int_eq(read_log()->posts, 1);
}
END_TEST

START_TEST(restart_no_duplicates)
{
	int i;

	for (i = 0; i < 30; i++)
		add("7", "A1 #chat", NULL, NULL, T0 + 301 + i, 0);
	ck_assert_int_eq(poll_at(T0 + 400), 0);
	close_capture();
	/* a crash and a restart: same log, same state */
	for (i = 0; i < 30; i++)
		add("8", "A2 #chat", NULL, NULL, T0 + 901 + i, 0);
	open_capture(1);
	ck_assert_int_eq(N().reads, 30);
	ck_assert_int_eq(poll_at(T0 + 1000), 0);
	ck_assert_str_eq(F->since, "1029");
	ck_assert_int_eq(N().reads, 60);
	ck_assert_int_eq(read_log()->posts, 60);
	/* a host post logged by the host loop first is not logged again */
	add("9", "Q3: last #chat", "100", "100", T0 + 1500, 0);
	ck_assert_int_eq(poll_at(T0 + 1510), 0);
	ck_assert_int_eq(N().logged, 61);
}
END_TEST

START_TEST(log_write_failure)
{
	struct ch_error err;
	int logfd, saved, full;

	add("7", "A1 #chat", NULL, NULL, T0 + 310, 0);
	ck_assert_int_eq(poll_at(T0 + 320), 0);
	/* a cycle whose log cannot be written: -1, not a crash */
	add("7", "A2 #chat", NULL, NULL, T0 + 910, 0);
	logfd = fd_of(logpath);
	ck_assert_int_ge(logfd, 0);
	saved = dup(logfd);
	full = open("/dev/full", O_WRONLY);
	ck_assert_int_ge(full, 0);
	ck_assert_int_eq(dup2(full, logfd), logfd);
	close(full);
	F->now = T0 + 920;
	ch_error_clear(&err);
	ck_assert_int_eq(ch_capture_poll(C, T0 + 920, T0 + 980, &err), -1);
	ck_assert_str_ne(err.text, "");
	/* the cursor did not pass the line that is not on disk */
	ck_assert_str_eq(ch_json_str(capst(), "since_id"), "1000");
	ck_assert_ptr_null(json_object_get(capst(), "pending"));
	ck_assert(ch_json_num(capst(), "live_to", 0) == T0 + 320);
	/* nor did the state on disk */
	{
		struct ch_state st2;

		ck_assert_int_eq(ch_state_open(&st2, statepath, NULL), 0);
		ck_assert_str_eq(ch_json_str(ch_state_obj(&st2, "capture"),
					     "since_id"), "1000");
		ch_state_free(&st2);
	}
	ck_assert_uint_gt(ch_replylog_queued(LG), 0);
	ck_assert(ch_replylog_has(LG, "1001"));
	/* the disk is back: the next cycle reads the post again, and its
	 * flush writes the queued line, once */
	ck_assert_int_eq(dup2(saved, logfd), logfd);
	close(saved);
	ck_assert_int_eq(poll_at(T0 + 1000), 0);
	ck_assert_str_eq(F->since, "1000");
	ck_assert_str_eq(ch_json_str(capst(), "since_id"), "1001");
	ck_assert_uint_eq(ch_replylog_queued(LG), 0);
	ck_assert_int_eq(read_log()->posts, 2);
	ck_assert_int_eq(N().logged, 2);
}
END_TEST

/* ---- the pipeline: the same log, byte for byte, as page after page ---- */

/* A chat's worth of posts: labels, replies to the questions, replies to
 * answers, retweets, posts before and after the questions. */
static void add_crowd(int n)
{
	static const char *const texts[] = {
		"A1: hold music #chat", "hate it", "@user7 so true",
		"a2 - better bots #chat", "thoughts #chat", "RT @x: A1 nice",
		"A 3) \"quoted\" and\nnewline #chat", "Näme ünïcode 🌸 #chat"};
	static const char *const replies[] = {NULL, "101", "1001", NULL, NULL,
					      NULL, "103", NULL};
	char author[8];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(author, sizeof author, "%d", 10 + i % 37);
		add(author, texts[i % 8], replies[i % 8],
		    replies[i % 8] ? "100" : NULL, T0 + 60 + i * 2.5,
		    i % 8 == 5);
	}
}

/* Posts of add_crowd(n) that are logged (every 8th from the 6th is a
 * retweet). */
static int crowd_posts(int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += i % 8 != 5;
	return k;
}

static char *slurp_log(size_t *len)
{
	struct ch_error err;
	char *d;

	ch_error_clear(&err);
	d = ch_read_file(logpath, 1 << 24, len, &err);
	ck_assert_ptr_nonnull(d);
	return d;
}

/* Runs polls at the given instants with the pipeline off (mode 0), on
 * and always waiting for the worker (1), or on as in the bot (2: a request
 * the worker has not started is taken back), and returns the log's bytes;
 * the state's capture object goes to *cap. */
static char *run_polls(int mode, const double *at, int n_at, int fail_call,
		       size_t *len, json_t **cap, int *calls, int *off_main)
{
	int i;

	close_capture();
	unlink(logpath);
	unlink(statepath);
	F->calls = 0;
	F->off_main = 0;
	F->fail_from = F->fail_to = fail_call;
	F->fail_kind = CH_NETFAIL_RETRY;
	OPT_SERIAL = mode == 0;
	OPT_WAIT = mode == 1;
	open_capture(1);
	OPT_SERIAL = OPT_WAIT = false;
	ch_state_set_posted(&ST, "intro", "100", T0 + 0.3);
	ch_state_set_posted(&ST, "q1", "101", T0 + 300.4);
	ch_state_set_posted(&ST, "q2", "102", T0 + 900.2);
	ch_state_set_posted(&ST, "q3", "103", T0 + 1500.2);
	ch_state_set_posted(&ST, "wrapup", "104", T0 + 2400.2);
	for (i = 0; i < n_at; i++)
		poll_at(at[i]);
	*cap = json_deep_copy(capst());
	json_object_del(*cap, "reads"); /* compared separately */
	*calls = F->calls;
	*off_main = F->off_main;
	ck_assert_int_eq(read_log()->dup, 0);
	return slurp_log(len);
}

static void same_both_ways(const double *at, int n_at, int fail_call,
			   int want_posts)
{
	size_t l1, l2;
	json_t *c1, *c2;
	int calls1, calls2, off1, off2, mode;
	long reads1, logged1;
	char *a = run_polls(0, at, n_at, fail_call, &l1, &c1, &calls1, &off1);
	char *b;

	reads1 = N().reads;
	logged1 = N().logged;
	ck_assert_int_eq(off1, 0);
	for (mode = 1; mode <= 2; mode++) {
		b = run_polls(mode, at, n_at, fail_call, &l2, &c2, &calls2,
			      &off2);
		if (mode == 1)
			ck_assert_int_gt(off2, 0); /* the worker fetched */
		ck_assert_int_eq(calls1, calls2);
		ck_assert_uint_eq(l1, l2);
		ck_assert_int_eq(memcmp(a, b, l1), 0);
		ck_assert(json_equal(c1, c2));
		ck_assert_int_eq(N().reads, reads1);
		ck_assert_int_eq(N().logged, logged1);
		ck_assert_int_eq(read_log()->posts, want_posts);
		json_decref(c2);
		free(b);
	}
	json_decref(c1);
	free(a);
}

START_TEST(pipeline_same_log_as_serial)
{
	static const double at[] = {T0 + 3000};

	add_crowd(1150); /* 12 pages of 100 */
	same_both_ways(at, 1, 0, crowd_posts(1150));
	ck_assert_int_eq(F->calls, 12);
	ck_assert_int_eq(N().last_pages, 12);
}
END_TEST

START_TEST(pipeline_same_log_over_cycles)
{
	static const double at[] = {T0 + 400, T0 + 900, T0 + 1700, T0 + 3000};

	add_crowd(1150);
	same_both_ways(at, 4, 0, crowd_posts(1150));
}
END_TEST

START_TEST(pipeline_prefetch_fails)
{
	/* the 4th request (a prefetched page) fails: the cycle stops there,
	 * its token pending; the next cycle resumes; as without the worker */
	static const double at[] = {T0 + 3000, T0 + 3100};

	add_crowd(1150);
	same_both_ways(at, 2, 4, crowd_posts(1150));
	ck_assert_ptr_null(json_object_get(capst(), "pending"));
}
END_TEST

START_TEST(pipeline_cut_by_budget)
{
	/* 2 requests per 15 minutes: a cycle stops after 2 pages with the
	 * rest pending, and no request beyond the budget is ever made */
	static const double at[] = {T0 + 3000, T0 + 3100, T0 + 3901,
				    T0 + 4802};

	S.search_budget = 2;
	add_crowd(550);
	same_both_ways(at, 4, 0, crowd_posts(550));
	ck_assert_int_eq(F->calls, 6);
	ck_assert_int_eq(N().last_pages, 2);
}
END_TEST



START_TEST(rehearsal_speed)
{
	close_capture();
	open_capture(60);
	/* 15 chat minutes = 15 real seconds; budget 60: one per 0.25 s */
	ck_assert_int_eq(poll_at(T0 + 1), 0);
	ck_assert(fabs(ch_capture_next_due(C, T0 + 1) - (T0 + 1.25)) < 1e-6);
	/* margin of 5 chat minutes = 5 real seconds */
	ck_assert_str_eq(F->start, "2026-12-01T17:59:55Z");
}
END_TEST

START_TEST(init_checks)
{
	struct ch_capture_conf k;
	struct ch_error err;

	ch_error_clear(&err);
	k = conf_of(1);
	k.window_end = T0 - 1;
	ck_assert_ptr_null(ch_capture_new(&k, &err));
	ck_assert_str_ne(err.text, "");
	ch_error_clear(&err);
	k = conf_of(1);
	k.s = NULL;
	ck_assert_ptr_null(ch_capture_new(&k, &err));
	ck_assert_str_ne(err.text, "");
	ch_error_clear(&err);
	k = conf_of(1);
	k.speed = 0;
	ck_assert_ptr_null(ch_capture_new(&k, &err));
	ck_assert_str_ne(err.text, "");
	ck_assert_ptr_null(ch_capture_new(NULL, &err));
	ch_capture_free(NULL);
}
END_TEST

static volatile sig_atomic_t usr1_hits, usr1_on_main;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_hits++;
	usr1_on_main = pthread_equal(pthread_self(), main_thread);
}

/* The worker stays between cycles but never takes a signal: SIGTERM and
 * SIGHUP must reach (and wake) the host's thread. */
START_TEST(pipeline_worker_takes_no_signal)
{
	struct sigaction sa;
	sigset_t one, old;
	struct timespec ts = {0, 100 * 1000 * 1000};

	close_capture();
	OPT_WAIT = true;
	open_capture(1);
	OPT_WAIT = false;
	ch_state_set_posted(&ST, "intro", "100", T0 + 0.3);
	ch_state_set_posted(&ST, "q1", "101", T0 + 300.4);
	ch_state_set_posted(&ST, "q2", "102", T0 + 900.2);
	ch_state_set_posted(&ST, "q3", "103", T0 + 1500.2);
	ch_state_set_posted(&ST, "wrapup", "104", T0 + 2400.2);
	add_crowd(350);
	ck_assert_int_eq(threads(), 1);
	ck_assert_int_eq(poll_at(T0 + 3000), 0);
	ck_assert_int_gt(F->off_main, 0);
	ck_assert_int_eq(threads(), 2); /* the worker is still there */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, &one, &old), 0);
	usr1_hits = 0;
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	nanosleep(&ts, NULL);
	/* blocked here, so only the worker could have taken it: it did not */
	ck_assert_int_eq(usr1_hits, 0);
	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
	ck_assert_int_eq(usr1_hits, 1);
	ck_assert(usr1_on_main);
	/* a second cycle reuses the worker */
	add_crowd(300);
	ck_assert_int_eq(poll_at(T0 + 3500), 0);
	ck_assert_int_eq(read_log()->posts, crowd_posts(350) + crowd_posts(300));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, query_forms);
	tcase_add_test(tc, cover_and_gaps);
	tcase_add_test(tc, first_poll_and_since_id);
	tcase_add_test(tc, attribution_into_log);
	tcase_add_test(tc, pagination);
	tcase_add_test(tc, pagination_repeated_cursor);
	tcase_add_test(tc, ratelimit_mid_pagination);
	tcase_add_test(tc, failure_keeps_since_id);
	tcase_add_test(tc, budget_and_rate_headers);
	tcase_add_test(tc, no_time_no_request);
	tcase_add_test(tc, window_end_not_skipped);
	tcase_add_test(tc, backfill_after_outage);
	tcase_add_test(tc, backfill_right_after_window);
	tcase_add_test(tc, backfill_too_old);
	tcase_add_test(tc, backfill_waits_out_429);
	tcase_add_test(tc, pipeline_same_log_as_serial);
	tcase_add_test(tc, pipeline_same_log_over_cycles);
	tcase_add_test(tc, pipeline_prefetch_fails);
	tcase_add_test(tc, pipeline_cut_by_budget);
	tcase_add_test(tc, pipeline_worker_takes_no_signal);
	tcase_add_test(tc, restart_no_duplicates);
	tcase_add_test(tc, log_write_failure);
	tcase_add_test(tc, rehearsal_speed);
	tcase_add_test(tc, init_checks);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
