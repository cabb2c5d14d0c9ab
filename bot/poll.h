/*
 * poll.h - crowdsourced topics: the poll that picks which candidate of a
 * topic file is hosted (DESIGN.md, topic file with `poll` and
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
 * The host loop (host.c) drives the timeline: it waits until the poll's
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
#include "xapi.h"

/* The poll's post text: poll.text with the schedule's hashtag added.
 * Caller frees. */
char *ch_poll_text(const struct ch_schedule *s, const struct ch_topic *t);

/* Posts the poll unless the state has its id already (intent recorded
 * first, then the id; an intent without id is resolved by looking at the
 * account's recent posts, me_id, before posting again). Saves the state.
 * Returns 0 (posted or already posted) or -1 with err (x->last says what
 * kind of failure). */
int ch_poll_post(struct ch_xapi *x, const char *me_id,
		 const struct ch_schedule *s, const struct ch_topic *t,
		 struct ch_state *st, struct ch_replylog *log,
		 struct ch_error *err);

/* Reads the poll (GET /2/tweets?ids=...&expansions=attachments.poll_ids&
 * poll.fields=options,voting_status,end_datetime), adds poll.extra_votes
 * (CSV label,votes), and, if the poll is closed (or close_now), chooses the
 * winner (most votes; a tie or no votes at all -> poll.tie rule: "first"
 * listed of the tied / of all, or "random"), records votes and winner in
 * the state (saved) and the log. *winner = 0-based candidate index.
 * Returns 1 decided, 0 still open (nothing recorded; *winner is who would
 * win now), -1 error (unreadable: err says why). Already decided (state):
 * returns 1 at once without a request. */
int ch_poll_decide(struct ch_xapi *x, const struct ch_schedule *s,
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

/* Reads the extra votes CSV (label,votes; a header line "label,votes" is
 * allowed; RFC 4180 quoting) into votes[i] for candidates[i]; a label that
 * matches no candidate, a bad count or a malformed line is reported as
 * FILE:LINE: message. Returns 0 or -1. */
int ch_poll_extra_votes(const struct ch_topic *t, long *votes,
			struct ch_diags *d);

#endif
