/* bench_capture.c - how many posts per second the capture takes from
 * search pages into the participation log: canned X search pages (100
 * posts each, includes.users, replies, labels) are parsed with
 * ch_xapi_parse_page, attributed (attrib.h) and appended to a fresh log
 * (replylog.h), flushed (fdatasync) every FLUSH_PAGES pages as a poll
 * cycle does. Prints a Markdown table of the figures (to stdout).
 *   bench_capture [PAGES] [LOGDIR] [FLUSH_PAGES]
 * (default 3000 pages, /tmp, a flush every 3 pages; 0: once at the end) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attrib.h"
#include "common.h"
#include "replylog.h"
#include "xapi.h"

#define PER_PAGE 100

static double now(void)
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

/* A search page in X's format: ids descending from top. */
static char *make_page(long long top, long long t0)
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
		      "\"result_count\":%d,\"next_token\":\"b26v89c19zqg8o3fpdg\"}}",
		      top, top - PER_PAGE + 1, PER_PAGE);
	return ch_buf_steal(&b);
}

int main(int argc, char **argv)
{
	int pages = argc > 1 ? atoi(argv[1]) : 3000;
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	int flush_pages = argc > 3 ? atoi(argv[3]) : 3;
	static const char *const qids[] = {"1869000000000000101",
					   "1869000000000000102",
					   "1869000000000000103"};
	double qtimes[3];
	long long t0 = 1796148000;
	struct ch_attrib_ctx ctx;
	struct ch_replylog lg;
	struct ch_error err;
	char **bodies, path[256];
	double t_parse = 0, t_attr = 0, t_total, start;
	long posts = 0, logged = 0, bytes = 0;
	int p, rc = 1;

	if (pages <= 0)
		pages = 3000;
	memset(&lg, 0, sizeof lg);
	lg.fd = -1;
	qtimes[0] = (double)t0 + 300;
	qtimes[1] = (double)t0 + 900;
	qtimes[2] = (double)t0 + 1500;
	memset(&ctx, 0, sizeof ctx);
	ctx.host_id = "1";
	ctx.intro_id = "1869000000000000100";
	ctx.n_questions = 3;
	ctx.q_ids = qids;
	ctx.q_times = qtimes;
	ctx.wrapup_time = (double)t0 + 3000;
	bodies = ch_xcalloc((size_t)pages, sizeof *bodies);
	for (p = 0; p < pages; p++) {
		bodies[p] = make_page(1869000000100000000LL -
					      (long long)p * PER_PAGE, t0);
		bytes += (long)strlen(bodies[p]);
	}
	snprintf(path, sizeof path, "%s/bench_capture.%ld.jsonl", dir,
		 (long)getpid());
	unlink(path);
	ch_error_clear(&err);
	if (ch_replylog_open(&lg, path, &err) < 0)
		goto fail;
	start = now();
	for (p = 0; p < pages; p++) {
		struct ch_tweet_page page;
		double a = now(), b;
		size_t i;

		memset(&page, 0, sizeof page);
		if (ch_xapi_parse_page(bodies[p], strlen(bodies[p]), &page,
				       &err) < 0)
			goto fail;
		b = now();
		t_parse += b - a;
		for (i = 0; i < page.n; i++) {
			const struct ch_tweet *t = &page.tweets[i];
			struct ch_attribution at;
			struct ch_log_entry e;
			double created, c0 = now();
			int r;

			posts++;
			if (t->is_retweet || ch_replylog_has(&lg, t->id))
				continue;
			if (ch_attrib_parse_time(t->created_at, &created) < 0)
				created = -1;
			ch_attribute(&ctx, t, created, &at);
			t_attr += now() - c0;
			memset(&e, 0, sizeof e);
			e.id = t->id;
			e.created_at = t->created_at;
			e.author_id = t->author_id;
			e.username = t->username;
			e.name = t->name;
			e.kind = at.kind;
			e.question = at.question;
			e.attributed_by = at.by;
			e.in_reply_to_id = t->in_reply_to_id;
			e.text = t->text;
			r = ch_replylog_append(&lg, &e, &err);
			if (r < 0)
				goto fail;
			logged += r;
		}
		ch_tweet_page_free(&page);
		if (flush_pages > 0 && (p + 1) % flush_pages == 0 &&
		    ch_replylog_flush(&lg, &err) < 0)
			goto fail;
	}
	if (ch_replylog_flush(&lg, &err) < 0)
		goto fail;
	t_total = now() - start;
	if (flush_pages > 0)
		printf("Flushed (fdatasync) every %d pages, as a poll cycle does.\n\n",
		       flush_pages);
	else
		printf("Flushed once at the end: the CPU cost alone.\n\n");
	printf("| measure | value |\n|---|---|\n");
	printf("| search pages | %d x %d posts (%.1f MB of JSON) |\n", pages,
	       PER_PAGE, bytes / 1e6);
	printf("| posts logged | %ld of %ld |\n", logged, posts);
	printf("| total time | %.3f s |\n", t_total);
	printf("| **posts/s, page to log (parse + attribute + append + flush)** | **%.0f** |\n",
	       posts / t_total);
	printf("| of which parsing (ch_xapi_parse_page) | %.3f s |\n", t_parse);
	printf("| of which attribution (ch_attribute, timer included) | %.3f s (%.0f ns/post) |\n",
	       t_attr, t_attr / posts * 1e9);
	printf("| the rest: ch_replylog_append + flush | %.3f s |\n",
	       t_total - t_parse - t_attr);
	printf("| target | > 100000 posts/s: %s |\n",
	       posts / t_total > 100000 ? "met" : "NOT met");
	rc = posts / t_total > 100000 ? 0 : 2;
	goto cleanup;
fail:
	fprintf(stderr, "bench_capture: %s\n", err.text);
cleanup:
	ch_replylog_close(&lg, NULL);
	unlink(path);
	for (p = 0; p < pages; p++)
		free(bodies[p]);
	free(bodies);
	return rc;
}
