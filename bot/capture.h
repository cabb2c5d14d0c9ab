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
 * only what was missed (an outage, a crash, a rate-limit gap).
 *
 * All instants are real (wall-clock) epoch seconds; in a rehearsal the host
 * passes the compressed timeline's real instants and `speed`, and the
 * search budget is per 15 *chat* minutes (15 * 60 / speed real seconds).
 */
#ifndef CHATHOST_CAPTURE_H
#define CHATHOST_CAPTURE_H

#include <stdbool.h>

#include "common.h"
#include "replylog.h"
#include "schedule.h"
#include "state.h"
#include "xapi.h"

struct ch_capture {
	const struct ch_schedule *s; /* borrowed */
	struct ch_xapi *x;           /* borrowed */
	struct ch_state *st;         /* borrowed; posts' ids and times read
					from it on every cycle */
	struct ch_replylog *log;     /* borrowed */
	const char *host_id;         /* borrowed: the account's user id */
	const char *host_username;   /* borrowed */
	double window_start;         /* real instants of the capture window */
	double window_end;
	double speed;                /* 1 for a real chat */
	int n_questions;             /* Qn keys "q1".."qN" in the state */
	/* budget bookkeeping (private to capture.c) */
	double budget_window_start;
	int budget_used;
	double wait_until;           /* 429 / exhausted budget: no search before */
	long reads;                  /* posts read from the API (billing) */
	long logged;                 /* lines written */
};

/* Sets up c (all pointers borrowed). Returns 0 or -1. */
int ch_capture_init(struct ch_capture *c, const struct ch_schedule *s,
		    struct ch_xapi *x, struct ch_state *st,
		    struct ch_replylog *log, const char *host_id,
		    const char *host_username, double window_start,
		    double window_end, double speed, int n_questions,
		    struct ch_error *err);
/* The real instant when the next poll cycle may run (budget, rate limit,
 * window); > window_end when no more live polls are due. */
double ch_capture_next_due(const struct ch_capture *c, double now);
/* One poll cycle; it returns by must_return_by (the request timeout is cut
 * to fit), leaving a gap for the backfill if it could not finish. Saves the
 * state and flushes the log. Returns 0, or -1 with err (the caller logs it
 * and goes on: a failed search never stops the chat). */
int ch_capture_poll(struct ch_capture *c, double now, double must_return_by,
		    struct ch_error *err);
/* After the window: searches the uncovered ranges (all of the window when
 * full) with start_time/end_time. Returns 0 or -1. */
int ch_capture_backfill(struct ch_capture *c, bool full, struct ch_error *err);
void ch_capture_free(struct ch_capture *c);

#endif
