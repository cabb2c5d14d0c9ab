/*
 * poll.h - crowdsourced topics: the poll that picks which candidate of a
 * topic file is hosted (chathost.conf(5), topic file with `poll` and
 * `candidates`).
 *
 * Everything is recorded in the chat's state under "poll":
 *   {"text":..., "intent_at":..., "id":"<tweet id>", "poll_id":...,
 *    "votes":{"<label>":{"x":N,"extra":M,"total":N+M}, ...},
 *    "winner":<0-based index>, "label":"...", "decided_by":
 *    "votes"|"tie-first"|"tie-random"|"no-votes"|"unreadable"|"closed-by-hand",
 *    "decided_at":<epoch>}
 * and each decision as an event line in the chat's log
 * ({"kind":"event","event":"poll_result",...}).
 *
 * The chat engine (chat.h) drives the timeline: it waits until the poll's
 * post_at, calls ch_poll_post(), waits until the poll closes, calls
 * ch_poll_decide() (retrying while it fails, until shortly before the
 * chat), and falls back to ch_poll_fallback() when the result could not be
 * read in time. Then it hosts candidates[winner].
 */
#ifndef CHATHOST_POLL_H
#define CHATHOST_POLL_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"
#include "replylog.h"
#include "schedule.h"
#include "state.h"
#include "topic.h"
#include "net/net.h"
#include "publish.h"

/* The poll's post text: poll.text with the schedule's hashtag added.
 * Caller frees. */
char *ch_poll_text(const struct ch_schedule *s, const struct ch_topic *t);

/* Posts the poll unless the state has its id already: the intent is
 * recorded first, then the post goes through ch_publish (publish.h: the
 * same retries and look-ups as the chat's posts); an intent without id,
 * left by an earlier run, is looked up among the account's posts before
 * anything is posted. pb is the caller's set-up: net, me_id, late_at (the
 * poll is not posted past it) and the clock; poll fills the rest. Saves
 * the state. Returns 0 (posted or already posted), 1 not posted for good
 * (err says why: too late, a duplicate not found), or -1 with err
 * (pb->net->last says what kind of failure). */
int ch_poll_post(struct ch_publish *pb, const struct ch_schedule *s,
		 const struct ch_topic *t, struct ch_state *st,
		 struct ch_replylog *log, struct ch_error *err);

/* Reads the poll (GET /2/tweets?ids=...&expansions=attachments.poll_ids&
 * poll.fields=options,voting_status,end_datetime), adds poll.extra_votes
 * (CSV label,votes), and, if the poll is closed (or close_now), chooses the
 * winner (most votes; a tie or no votes at all -> poll.tie rule: "first"
 * listed of the tied / of all, or "random"), records votes and winner in
 * the state (saved) and the log. *winner = 0-based candidate index.
 * Returns 1 decided, 0 still open (nothing recorded; *winner is who would
 * win now), -1 error (unreadable: err says why). Already decided (state):
 * returns 1 at once without a request. */
int ch_poll_decide(struct ch_net *x, const struct ch_schedule *s,
		   const struct ch_topic *t, struct ch_state *st,
		   struct ch_replylog *log, bool close_now, size_t *winner,
		   struct ch_error *err);

/* The result could not be read in time (or the poll was never posted):
 * chooses by the tie rule among all candidates, records it with
 * decided_by "unreadable" and why, and returns the index. */
size_t ch_poll_fallback(const struct ch_topic *t, struct ch_state *st,
			struct ch_replylog *log, const char *why);

/* The recorded winner: 1 and *winner if decided, else 0. */
int ch_poll_winner(struct ch_state *st, size_t *winner);

/* ---- extensions (beyond the lead's first contract) ------------------- */

#define CH_POLL_MAX_OPTIONS 4

/* The tally of a poll at one moment: X votes (if the poll was posted and
 * read), extra votes (poll.extra_votes) and the candidate who wins by the
 * rules (most votes; tie / no votes -> poll.tie). */
struct ch_poll_tally {
	size_t n;                          /* candidates (<= 4) */
	long x[CH_POLL_MAX_OPTIONS];       /* X votes per candidate */
	long extra[CH_POLL_MAX_OPTIONS];   /* extra votes per candidate */
	long total[CH_POLL_MAX_OPTIONS];
	bool posted;                       /* the state has the poll's post id */
	bool x_read;                       /* the X poll was read */
	bool closed;                       /* X says voting_status "closed" */
	char poll_id[32];                  /* "" if unknown */
	char end_datetime[40];             /* "" if unknown */
	size_t winner;                     /* 0-based */
	const char *rule; /* static: "votes", "tie-first", "tie-random",
			     "no-votes" */
};

/* Pure: chooses ta->winner and ta->rule from ta->total[0..n-1] by the rules
 * (most votes; a tie -> the first listed of the tied, or a random one of
 * them; no votes at all -> the first candidate, or a random one). */
void ch_poll_choose(enum ch_tie_rule tie, struct ch_poll_tally *ta);

/* Pure: maps the options of an X poll to the candidates (by label, ASCII
 * case-insensitive, blanks trimmed; else by position) and puts their votes
 * in x[0..n_candidates-1] (zeroed first). An option that matches no
 * candidate is an error. Returns 0 or -1. */
int ch_poll_match(const struct ch_topic *t, const struct ch_poll_result *r,
		  long *x, struct ch_error *err);

/* Reads the live tally without recording anything: the X poll if posted
 * (one GET; x may be NULL to skip it: then x_read is false), plus the extra
 * votes. Returns 0, or -1 with err (the X poll could not be read, or the
 * extra votes file is bad); on -1 the parts read are still filled. */
int ch_poll_tally(struct ch_net *x, const struct ch_topic *t,
		  struct ch_state *st, struct ch_poll_tally *ta,
		  struct ch_error *err);


/* For chathost preview: reads the (real, not rehearsal) state of the chat
 * on t->date. Returns 1 and *winner (checked against t: the recorded label
 * wins over the recorded index, in case the file was reordered) if the
 * poll is decided, 0 if not (or no state yet), -1 if the state file is
 * damaged (err says so). */
int ch_poll_preview_winner(const struct ch_schedule *s,
			   const struct ch_topic *t, size_t *winner,
			   struct ch_error *err);

/* Checks for chathost check that need poll.c: the poll's text with the
 * hashtag fits in a post (weighted length <= 280, valid characters), and
 * the extra votes file, if it exists already, is valid. Problems go to d.
 * Returns 0 or -1. */
int ch_poll_check(const struct ch_schedule *s, const struct ch_topic *t,
		  struct ch_diags *d);

/* Reads the extra votes CSV (label,votes; a header line "label,votes" is
 * allowed; RFC 4180 quoting) into votes[i] for candidates[i]; a label that
 * matches no candidate, a bad count or a malformed line is reported as
 * FILE:LINE: message. Returns 0 or -1. */
int ch_poll_extra_votes(const struct ch_topic *t, long *votes,
			struct ch_diags *d);

#endif
