/* bench_capture.c - how many posts per second the capture takes from
 * search pages into the participation log, through the bot's own poll
 * cycle (ch_capture_poll: budget and time checks, search, attribution,
 * queued lines, one flush (fdatasync) and one state save per cycle, and
 * the prefetch worker that fetches and parses page N+1 while page N is
 * logged). Only the HTTP exchange is replaced: the search hook hands the
 * canned body of the requested page (X's format, 100 posts, includes.users,
 * replies, labels, retweet-free) to ch_xapi_parse_page, as ch_xapi_search
 * does with the body it receives. Prints a Markdown table (to stdout).
 *   bench_capture [PAGES] [LOGDIR] [PAGES_PER_CYCLE] [serial|pipe] [RUNS]
 * (default 3000 pages, /tmp, 3 pages per poll cycle; 0: all pages in one
 * cycle, i.e. one flush at the end: the CPU cost alone; "serial": the
 * prefetch worker off, every page fetched in turn; RUNS (default 3) fresh
 * logs, the median posts/s reported). Exit 0: target met, 2: not met,
 * 1: failure (a post read but not logged exactly once is a failure). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "common.h"
#include "replylog.h"
#include "state.h"
#include "net/x/xapi.h"

#define PER_PAGE 100

struct feed {
	char **bodies;     /* owned: the canned page bodies */
	int pages;
	int per_cycle;     /* pages per poll cycle */
	int cycle;         /* set by main between cycles */
	double t_parse;    /* summed in the hook (one request at a time) */
	long calls;
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *const texts[] = {
	"A1: Hold music on a loop, and being told my call is important. #ICMIchat",
	"@chathost_demo a2 - when the bot can't hand me to a human\\nand I have to start over #ICMIchat",
	"Totally agree with this one \\u2014 the worst \\ud83d\\ude29",
	"A 3) Being asked for my account number \\\"three times\\\" #ICMIchat",
	"Great question! A1&2 both: transparency. #ICMIchat",
	"I think it depends on the team size #ICMIchat",
};

/* A search page in X's format: ids descending from top; next: page
 * number of the next page of the same pagination, or -1 (the last). */
static char *make_page(long long top, long long t0, int next)
{
	struct ch_buf b = {0};
	int i;

	ch_buf_puts(&b, "{\"data\":[");
	for (i = 0; i < PER_PAGE; i++) {
		long long id = top - i;
		long long t = t0 + (top - i) % 3600;
		char created[32];
		time_t tt = (time_t)t;
		struct tm tm;
		int reply = i % 3 == 1;

		gmtime_r(&tt, &tm);
		strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
		ch_buf_printf(&b,
			"%s{\"id\":\"%lld\",\"text\":\"%s\",\"created_at\":\"%s\","
			"\"author_id\":\"%d\",\"conversation_id\":\"%s\","
			"\"edit_history_tweet_ids\":[\"%lld\"]",
			i ? "," : "", id, texts[i % 6], created, 1000 + i % 40,
			reply ? "1869000000000000100" : "0", id);
		if (reply)
			ch_buf_printf(&b,
				",\"in_reply_to_user_id\":\"1\",\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"%s\"}]",
				i % 2 ? "1869000000000000102" : "1869000000000000999");
		ch_buf_puts(&b, "}");
	}
	ch_buf_puts(&b, "],\"includes\":{\"users\":[");
	for (i = 0; i < 40; i++)
		ch_buf_printf(&b,
			"%s{\"id\":\"%d\",\"name\":\"Ana Souza \\u00e9 %d\",\"username\":\"user_%d\"}",
			i ? "," : "", 1000 + i, i, i);
	ch_buf_printf(&b, "]},\"meta\":{\"newest_id\":\"%lld\",\"oldest_id\":\"%lld\","
		      "\"result_count\":%d", top, top - PER_PAGE + 1, PER_PAGE);
	if (next >= 0)
		ch_buf_printf(&b, ",\"next_token\":\"p%d\"", next);
	ch_buf_puts(&b, "}}");
	return ch_buf_steal(&b);
}

/* The search hook: the canned body of the requested page, parsed as
 * ch_xapi_search parses the body it receives. */
static int feed_search(void *ctx, struct ch_net *net,
		       const struct ch_net_read *req, struct ch_msg_page *page,
		       struct ch_error *err)
{
	struct feed *f = ctx;
	int p = req->cursor ? atoi(req->cursor + 1)
				: f->cycle * f->per_cycle;
	double a = now_mono();
	int r;

	net->rate_remaining = -1;
	net->rate_reset = 0;
	if (p < 0 || p >= f->pages) {
		net->last = CH_NETFAIL_REFUSED;
		ch_error_set(err, "bench", 0, "no page %d", p);
		return -1;
	}
	r = ch_xapi_parse_page(f->bodies[p], strlen(f->bodies[p]), page, err);
	net->last = r < 0 ? CH_NETFAIL_BAD_RESPONSE : CH_NETFAIL_NONE;
	f->t_parse += now_mono() - a;
	f->calls++;
	return r;
}

static int count_post(const struct ch_log_entry *e, void *ctx)
{
	if (e->kind != CH_KIND_EVENT)
		(*(long *)ctx)++;
	return 0;
}

struct result {
	double secs;      /* wall time of the poll cycles */
	double t_parse;   /* of which in ch_xapi_parse_page */
	long posts;       /* read */
	long logged;      /* ch_capture_poll's count */
	long in_log;      /* post lines in the file afterwards */
};

/* One run: a fresh state and log in dir, every page through
 * ch_capture_poll, per_cycle pages per cycle. Returns 0 or -1. */
static int run_once(struct feed *f, const char *dir, int cycles, bool serial,
		    struct result *res, struct ch_error *err)
{
	long long t0 = 1796148000;
	struct ch_schedule s;
	struct ch_net x; /* X's table, opened on nothing */
	struct ch_state st;
	struct ch_replylog *lg;
	struct ch_capture *c = NULL;
	struct ch_capture_conf k;
	char logpath[256], statepath[256];
	double start;
	int rc = -1;
	bool st_open = false;
	struct ch_capture_counts n;

	memset(&s, 0, sizeof s);
	memset(&x, 0, sizeof x);
	x.ops = ch_net_find("x");
	lg = NULL;
	memset(res, 0, sizeof *res);
	f->t_parse = 0;
	s.hashtag = (char *)"#ICMIchat";
	s.thread = true;
	s.search_budget = INT_MAX / 4; /* the budget never waits here */
	snprintf(logpath, sizeof logpath, "%s/bench_capture.%ld.jsonl", dir,
		 (long)getpid());
	snprintf(statepath, sizeof statepath, "%s/bench_capture.%ld.state.json",
		 dir, (long)getpid());
	unlink(logpath);
	unlink(statepath);
	if (ch_state_open(&st, statepath, err) < 0)
		goto cleanup;
	st_open = true;
	ch_state_set_posted(&st, "intro", "1869000000000000100", (double)t0);
	ch_state_set_posted(&st, "q1", "1869000000000000101", (double)t0 + 300);
	ch_state_set_posted(&st, "q2", "1869000000000000102", (double)t0 + 900);
	ch_state_set_posted(&st, "q3", "1869000000000000103", (double)t0 + 1500);
	ch_state_set_posted(&st, "wrapup", "1869000000000000104",
			    (double)t0 + 3000);
	lg = ch_replylog_open(logpath, err);
	if (!lg)
		goto cleanup;
	memset(&k, 0, sizeof k);
	k.s = &s;
	k.net = &x;
	k.st = &st;
	k.log = lg;
	k.host_id = "1";
	k.host_username = "chathost_demo";
	k.window_start = (double)t0;
	k.window_end = (double)t0 + 4800;
	k.speed = 1;
	k.n_questions = 3;
	k.search = feed_search;
	k.search_ctx = f;
	k.serial = serial;
	c = ch_capture_new(&k, err);
	if (!c)
		goto cleanup;
	start = now_mono();
	for (f->cycle = 0; f->cycle < cycles; f->cycle++) {
		struct timespec ts;
		double now;

		clock_gettime(CLOCK_REALTIME, &ts);
		now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
		if (ch_capture_poll(c, now, now + 3600, err) < 0)
			goto cleanup;
	}
	res->secs = now_mono() - start;
	res->t_parse = f->t_parse;
	ch_capture_counts(c, &n);
	res->posts = n.reads;
	res->logged = n.logged;
	if (ch_replylog_read(logpath, count_post, &res->in_log, NULL, NULL, 0,
			     err) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	ch_capture_free(c);
	ch_replylog_close(lg, NULL);
	if (st_open)
		ch_state_free(&st);
	unlink(logpath);
	unlink(statepath);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int pages = argc > 1 ? atoi(argv[1]) : 3000;
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	int per_cycle = argc > 3 ? atoi(argv[3]) : 3;
	bool serial = argc > 4 && strcmp(argv[4], "serial") == 0;
	int runs = argc > 5 ? atoi(argv[5]) : 3;
	long long t0 = 1796148000;
	struct feed f;
	struct result res[16];
	struct ch_error err;
	double rate[16], med;
	long bytes = 0;
	int p, i, cycles, rc = 1;

	if (pages <= 0)
		pages = 3000;
	if (per_cycle <= 0 || per_cycle > pages)
		per_cycle = pages;
	if (runs < 1 || runs > 16)
		runs = 3;
	cycles = (pages + per_cycle - 1) / per_cycle;
	memset(&f, 0, sizeof f);
	f.pages = pages;
	f.per_cycle = per_cycle;
	f.bodies = ch_xcalloc((size_t)pages, sizeof *f.bodies);
	for (p = 0; p < pages; p++) {
		int last = (p + 1) % per_cycle == 0 || p + 1 == pages;

		f.bodies[p] = make_page(1869000000100000000LL -
						(long long)p * PER_PAGE,
					t0, last ? -1 : p + 1);
		bytes += (long)strlen(f.bodies[p]);
	}
	ch_error_clear(&err);
	for (i = 0; i < runs; i++) {
		if (run_once(&f, dir, cycles, serial, &res[i], &err) < 0)
			goto fail;
		if (res[i].logged != res[i].posts ||
		    res[i].in_log != res[i].posts) {
			fprintf(stderr, "bench_capture: %ld posts read but %ld "
				"logged, %ld in the log\n", res[i].posts,
				res[i].logged, res[i].in_log);
			goto cleanup;
		}
		rate[i] = res[i].posts / res[i].secs;
	}
	qsort(rate, (size_t)runs, sizeof *rate, cmp_double);
	med = rate[runs / 2];
	if (per_cycle < pages)
		printf("%d pages per poll cycle: each cycle flushes the log "
		       "(one write + fdatasync) and saves the state (fsync), as "
		       "in a chat. Prefetch worker %s.\n\n",
		       per_cycle, serial ? "off (serial)" : "on");
	else
		printf("All pages in one poll cycle (one flush at the end): "
		       "the CPU cost alone. Prefetch worker %s.\n\n",
		       serial ? "off (serial)" : "on");
	printf("| measure | value |\n|---|---|\n");
	printf("| search pages | %d x %d posts (%.1f MB of JSON), %d poll cycle%s |\n",
	       pages, PER_PAGE, bytes / 1e6, cycles, cycles == 1 ? "" : "s");
	printf("| posts read / logged (ch_capture_poll) / lines in the log | %ld / %ld / %ld |\n",
	       res[0].posts, res[0].logged, res[0].in_log);
	printf("| runs | %d |\n", runs);
	printf("| total time (first run) | %.3f s |\n", res[0].secs);
	/* bench/results.py picks up the "posts/s, page to log" figures:
	 * the bot's own configuration only (prefetch worker on) */
	printf("| **posts/s%s (ch_capture_poll), median** | **%.0f** |\n",
	       serial ? " without the prefetch worker" : ", page to log", med);
	printf("| min / max | %.0f / %.0f |\n", rate[0], rate[runs - 1]);
	printf("| of which parsing (ch_xapi_parse_page in the search hook%s; first run) | %.3f s (%.0f ns/post) |\n",
	       serial ? "" : ", on the worker, overlapped", res[0].t_parse,
	       res[0].t_parse / res[0].posts * 1e9);
	if (per_cycle < pages)
		printf("| per cycle (first run) | %.2f ms (%.0f posts) |\n",
		       res[0].secs / cycles * 1e3,
		       (double)res[0].posts / cycles);
	printf("| target | > 100000 posts/s: %s |\n",
	       med > 100000 ? "met" : "NOT met");
	rc = med > 100000 ? 0 : 2;
	goto cleanup;
fail:
	fprintf(stderr, "bench_capture: %s\n", err.text);
cleanup:
	for (p = 0; p < pages; p++)
		free(f.bodies[p]);
	free(f.bodies);
	return rc;
}
