/*
 * publish.h - the one "post and resolve" of chathost: a post made at most
 * once on a network, whatever the network answers. The chat's posts (host)
 * and the topic poll (poll, `chathost poll post`) both go through it.
 *
 * The caller has recorded the intent to post durably (its instant is
 * intent_at) before calling. Then:
 *  - the post is sent; an answer with its id ends it (POSTED);
 *  - after any failure that may hide a post made (a cut connection, a
 *    timeout, a 5xx, an answer that cannot be read, "duplicate", a
 *    credentials answer that can be a replayed request) the account's posts
 *    made since intent_at are looked up (ch_net_find_mine) before anything
 *    is sent again; a look-up that fails is asked again with backoff;
 *  - connection errors and 5xx are retried, backing off 0.5 s doubling to
 *    30 s with jitter x0.5-1.5; a rate limit waits for its reset;
 *  - nothing is sent or waited for past late_at: the post is then skipped,
 *    never posted out of its context;
 *  - a refusal of this one post (4xx: X's refusals that do not concern
 *    the app or the account, the credits or the usage cap) is not sent
 *    again: SKIPPED ("refused", "exhausted") with the network's words in
 *    err; nothing went out, so nothing is looked up;
 *  - a reply the network refuses as a reply (X's reply rule) is sent
 *    again at once as a post of its own (standalone says why);
 *  - a second credentials answer is believed (FAILED).
 *
 * Time: now and nap are the caller's clock (NULL: the wall clock, and a
 * sleep no stop cuts short), so that a unit test can run the whole
 * procedure on an injected clock.
 *
 * Ownership: every pointer in struct ch_publish is borrowed for the call;
 * the results are written into the struct itself.
 */
#ifndef CHATHOST_PUBLISH_H
#define CHATHOST_PUBLISH_H

#include <stdbool.h>

#include "common.h"
#include "net/net.h"

struct ch_publish {
	/* in */
	struct ch_net *net;
	const char *me_id;   /* the account, or NULL: it cannot be looked up */
	double intent_at;    /* real instant the intent was recorded */
	double due;          /* real instant it was due (messages), or 0 */
	double late_at;      /* real instant past which nothing is tried */
	int late_limit;      /* minutes, for the "late" message */
	const char *what;    /* "2026-12-01 Q3 on Bluesky", for messages */
	double rate_wait;    /* a rate limit without a reset: wait this
				long (seconds; 0: 60) */
	double (*now)(void *ctx);
	int (*nap)(void *ctx, double until); /* non-zero: stopped */
	void *ctx;
	/* out */
	char id[CH_NET_ID_MAX];
	bool found;          /* the id was found by a look-up: the post had
				gone out before */
	const char *skipped; /* CH_PUB_SKIPPED: why (static string) */
	struct ch_error err; /* CH_PUB_FAILED, and SKIPPED "refused" or
				"exhausted": what the network said */
	char standalone[512];/* non-empty: posted on its own, not as the
				reply it was to be, because the network
				refused the reply (its words) */
	int attempts;        /* posts sent */
	int lookups;         /* look-ups made */
};

enum ch_pub_result {
	CH_PUB_POSTED = 0,    /* id filled; found says whether by look-up */
	CH_PUB_SKIPPED = 1,   /* not posted, for good: skipped says why
				 ("late", "duplicate", "unresolved",
				 "refused", "exhausted": err) */
	CH_PUB_NOT_FOUND = 2, /* ch_publish_resolve: not among the posts */
	CH_PUB_UNREADABLE = 3,/* ch_publish_resolve: the account's posts
				 cannot be read (refused) */
	CH_PUB_FAILED = -1,   /* refused for good (err; net->last) */
	CH_PUB_STOPPED = -2,  /* nap said stop */
};

/* Posts np (the intent is on disk), or finds that it was posted. */
enum ch_pub_result ch_publish(struct ch_publish *pb,
			      const struct ch_net_post *np);

/* Only the look-up, for an intent found without an id after a restart:
 * POSTED (found), NOT_FOUND, UNREADABLE, SKIPPED ("unresolved": the
 * look-up kept failing until late_at) or STOPPED. */
enum ch_pub_result ch_publish_resolve(struct ch_publish *pb,
				      const struct ch_net_post *np);

#endif
