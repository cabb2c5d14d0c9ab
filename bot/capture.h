/*
 * capture.h - live capture of the chat's answers into the participation
 * log, within a search budget, plus the backfill of the gaps.
 *
 * During the capture window (the intro until capture_after minutes after
 * the wrap-up) the host loop calls ch_capture_poll() whenever
 * ch_capture_next_due() has come and the next post is not too close. One
 * poll cycle searches GET /2/tweets/search/recent for
 * "(#tag OR conversation_id:<intro id>) -is:retweet" (the conversation
 * part only when the chat is threaded and the intro is posted) with
 * since_id and next_token pagination, attributes every post to a question
 * (attrib.h), appends it to the log (one line per id), flushes the log and
 * records in the state (key "capture") the since_id and the time ranges the
 * live capture has covered, so that ch_capture_backfill() afterwards reads
 * only what was missed (an outage, a crash, a rate-limit gap). The lines
 * are queued (replylog.h) and written by one flush at the end of the cycle;
 * the state is saved after that flush, and if the flush fails the cycle's
 * changes to the capture state are undone (the lines stay queued, the next
 * cycle reads those posts again and its flush writes them), so the saved
 * cursor never passes a line that is not on disk.
 *
 * State (ch_state_obj(st, "capture")), all instants real epoch seconds:
 *   since_id   newest post id the live capture has read through
 *   query      the query since_id belongs to
 *   live_to    end of the live coverage (the last completed cycle's start)
 *   covered    [[from, to], ...] merged ranges read completely (live and
 *              backfill); the first live cycle covers from window_start -
 *              margin (5 chat minutes), searching with start_time
 *   pending    {next_token, newest_id, since_id, start_time, query, from,
 *               started}: a cycle cut in the middle of its pagination (time,
 *              budget, 429, failure) is resumed by the next cycle, so no
 *              page is read twice and no gap is left
 *   reads, logged, requests   counters for the billing ratio (reads/logged)
 * A cycle that reaches the end of its pagination covers [live_to, its
 * start]; the since_id search makes the live coverage continuous across
 * failed cycles, so the backfill only reads what lies after the last
 * completed cycle (an outage or crash lasting past the window's end) or
 * what a lost state left out.
 *
 * Budget: at most search_budget requests per 15 chat minutes, spread
 * evenly (one request per 15 min / budget after the last, a multi-page
 * cycle counting each page), never more than x-rate-limit-remaining allows
 * before x-rate-limit-reset (spread over what remains); remaining 0 or a
 * 429 waits until the reset; failures back off (2, 4, 8 intervals).
 *
 * All instants are real (wall-clock) epoch seconds; in a rehearsal the host
 * passes the compressed timeline's real instants and `speed`, and the
 * search budget is per 15 *chat* minutes (15 * 60 / speed real seconds).
 */
#ifndef CHATHOST_CAPTURE_H
#define CHATHOST_CAPTURE_H

#include <stdbool.h>

#include <jansson.h>

#include "common.h"
#include "replylog.h"
#include "schedule.h"
#include "state.h"
#include "net/net.h"

/* A capture's settings: what it reads, where it goes, its window; all
 * borrowed for the capture's life. */
struct ch_capture_conf {
	const struct ch_schedule *s;
	struct ch_net *net;          /* the network read */
	struct ch_state *st;         /* posts' ids and times read from it on
					every cycle; the capture's own state
					in it under "capture" */
	struct ch_replylog *log;     /* NULL where a sink (take) writes what
					it reads itself */
	const char *host_id;         /* the account's user id */
	const char *host_username;
	double window_start;         /* real instants of the capture window */
	double window_end;
	double speed;                /* 1 for a real chat */
	int n_questions;             /* Qn keys "q1".."qN" in the state */
	/* What is read and what becomes of each page: NULL for the chat's
	 * own (its hashtag and its thread; each post attributed to a
	 * question and queued in the log). The care watch sets both
	 * (watch.c): everything else - budget, cursors, coverage, crash
	 * safety, the backfill - is the same capture. read fills req (its
	 * strings borrowed from sink_ctx); take gets each page (its posts
	 * not yet seen) and returns how many it logged, or -1 (err) to undo
	 * the cycle. */
	void (*read)(void *sink_ctx, struct ch_net_read *req);
	int (*take)(void *sink_ctx, const struct ch_msg_page *page,
		    struct ch_error *err);
	void *sink_ctx;
	/* The chat's own capture: called with each post it logs (new to the
	 * log), after its line is queued; NULL: none (the chat's welcome,
	 * chat.c) */
	void (*seen)(void *seen_ctx, const char *net, const struct ch_msg *m);
	void *seen_ctx;
	/* The clock: now and sleep_until (the backfill waits for a
	 * rate-limit reset) instead of the wall clock's, for a chat on an
	 * injected clock (chat.c) and for tests; NULL: the wall clock. */
	double (*clock)(void *clock_ctx);
	void (*sleep_until)(void *clock_ctx, double t);
	void *clock_ctx;
	/* The request, for tests and benchmarks: search instead of
	 * ch_net_read (it must set net->last, wait_until, rate_remaining and
	 * rate_reset as ch_net_read does; net may then be opened on
	 * nothing); NULL: ch_net_read. */
	int (*search)(void *search_ctx, struct ch_net *net,
		      const struct ch_net_read *req, struct ch_msg_page *page,
		      struct ch_error *err);
	void *search_ctx;
	/* Pipeline: while a cycle attributes and queues page N, a worker
	 * thread (no request of it outlives the cycle) fetches and
	 * parses page N+1, whose next_token page N gave; it runs only the
	 * search itself (ch_net_read or the search hook, which must then
	 * touch nothing but net and search_ctx), the same budget and time
	 * checks come before every request, and the log receives the same
	 * lines in the same order. serial: true turns it off (tests, bench).
	 * The worker is started at the first such page and kept (idle, no
	 * signals) until ch_capture_free(). A request the worker has not
	 * started when its page is wanted (it got no CPU) is taken back and
	 * made by the cycle's thread; wait_worker: true never takes one back
	 * (tests that must see the worker do it). */
	bool serial;
	bool wait_worker;
};

/* A capture; its state is private to capture.c. */
struct ch_capture;

/* What a capture has done, counted across runs of its chat (the state
 * keeps them). */
struct ch_capture_counts {
	long reads;      /* posts read from the network (billing) */
	long logged;     /* lines written (or taken by the sink) */
	long requests;   /* search requests made */
	int last_pages;  /* requests the last cycle made */
};

/* A capture on conf (copied; what it points to stays borrowed). Returns
 * it, owned by the caller (ch_capture_free), or NULL with err. */
struct ch_capture *ch_capture_new(const struct ch_capture_conf *conf,
				  struct ch_error *err);
/* Its counts so far. */
void ch_capture_counts(const struct ch_capture *c,
		       struct ch_capture_counts *out);
/* The real instant when the next poll cycle may run (budget, rate limit,
 * window); > window_end when no more live polls are due. */
double ch_capture_next_due(struct ch_capture *c, double now); /* rolls the
								 budget window */
/* One poll cycle; it returns by must_return_by (the request timeout is cut
 * to fit), leaving a gap for the backfill if it could not finish. Saves the
 * state and flushes the log. Returns 0, or -1 with err (the caller logs it
 * and goes on: a failed search never stops the chat). */
int ch_capture_poll(struct ch_capture *c, double now, double must_return_by,
		    struct ch_error *err);
/* After the window: searches the uncovered ranges (all of the window when
 * full) with start_time/end_time. Returns 0 or -1. */
int ch_capture_backfill(struct ch_capture *c, bool full, struct ch_error *err);
/* Stops the prefetch worker (if one was started) and frees c (NULL:
 * nothing to do). */
void ch_capture_free(struct ch_capture *c);

/* ---- extensions, exposed for the host loop's messages and for tests ---- */

/* The search query of the next cycle (caller frees). */
char *ch_capture_query(struct ch_capture *c);

/* Coverage: a JSON array of [from, to] pairs (real epoch seconds), sorted
 * and merged (overlapping or touching ranges become one). Adds [from, to]
 * (ignored unless from < to). */
void ch_capture_cover(json_t *ranges, double from, double to);
/* The parts of [lo, hi] not in ranges, in order, into gaps (at most max
 * pairs). Returns the number of gaps (which may exceed max: only max are
 * written). */
size_t ch_capture_gaps(json_t *ranges, double lo, double hi,
		       double (*gaps)[2], size_t max);

#endif
