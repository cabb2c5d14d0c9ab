/*
 * publish.c - one post made at most once: post, look up, retry, give up
 * (see publish.h).
 */
#include "publish.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

static double pub_now(const struct ch_publish *pb)
{
	return pb->now ? pb->now(pb->ctx) : ch_clock_now();
}

/* Sleeps until t (never past late_at + 1 ms); 1 if stopped. */
static int pub_nap(struct ch_publish *pb, double t)
{
	t = fmin(t, pb->late_at + 0.001);
	if (pb->nap)
		return pb->nap(pb->ctx, t);
	return ch_clock_sleep_until(t, 5.0, NULL);
}

/* A backoff step: the wait (jitter x0.5-1.5), then the next step. */
static double jittered(double *backoff)
{
	double wait = *backoff * (0.5 + (double)rand() / RAND_MAX);

	if (*backoff < 30)
		*backoff *= 2;
	return wait;
}

/* np among the account's posts since the intent, asked again while the
 * look-up itself fails, until late_at. Returns 1 found, 0 not, -1 still
 * unknown at late_at, -2 stopped, -3 refused (credentials twice, or an
 * access level without reads). */
static int find_until_late(struct ch_publish *pb, const struct ch_net_post *np)
{
	double backoff = 0.5;
	int refused = 0;

	for (;;) {
		struct ch_error e;
		enum ch_netfail f;
		int r;

		ch_error_clear(&e);
		pb->lookups++;
		r = ch_net_find_mine(pb->net, pb->me_id, np, pb->intent_at,
				     pb->id, sizeof pb->id, &e);
		if (r >= 0)
			return r;
		f = pb->net->last;
		ch_log(CH_LOG_WARN, "cannot look up the account's recent posts: %s",
		       e.text);
		/* a first 401/403 may be libcurl's resend of a cut request
		 * with its spent nonce: ask once more */
		if (!pb->me_id ||
		    ((f == CH_NETFAIL_CREDENTIALS || f == CH_NETFAIL_REFUSED) &&
		     refused++))
			return -3;
		if (f == CH_NETFAIL_WAIT && pb->net->wait_until > 0) {
			if (pub_nap(pb, fmin(pb->net->wait_until + 1,
					     pb->late_at)))
				return -2;
		} else if (pub_nap(pb, fmin(pub_now(pb) + jittered(&backoff),
					    pb->late_at))) {
			return -2;
		}
		if (pub_now(pb) >= pb->late_at)
			return -1;
	}
}

enum ch_pub_result ch_publish_resolve(struct ch_publish *pb,
				      const struct ch_net_post *np)
{
	int r = find_until_late(pb, np);

	switch (r) {
	case 1:
		pb->found = true;
		return CH_PUB_POSTED;
	case 0:
		return CH_PUB_NOT_FOUND;
	case -2:
		return CH_PUB_STOPPED;
	case -1:
		ch_log(CH_LOG_ERROR,
		       "%s: cannot find out whether it was posted (the account's posts cannot be read) and it is now late; not posting it again",
		       pb->what);
		pb->skipped = "unresolved";
		return CH_PUB_SKIPPED;
	default:
		return CH_PUB_UNREADABLE;
	}
}

/* after_failure's "post again (after a backoff)" */
#define PUB_AGAIN 100

/* After a failed post of class f whose message is in pb->err: decides.
 * Returns a result, or PUB_AGAIN. */
static int after_failure(struct ch_publish *pb, const struct ch_net_post *np,
			 enum ch_netfail f, int *refused)
{
	enum ch_pub_result r;

	ch_log(CH_LOG_WARN, "%s: %s", pb->what, pb->err.text);
	/* it may have been posted: look before posting again or giving up */
	r = ch_publish_resolve(pb, np);
	if (r == CH_PUB_POSTED || r == CH_PUB_SKIPPED || r == CH_PUB_STOPPED)
		return r;
	/* not found, or the account's posts cannot be read: a resend is then
	 * refused as a duplicate if the post went out */
	if (f == CH_NETFAIL_MAYBE_SENT) {
		ch_log(CH_LOG_ERROR,
		       "%s: %s reports it as a duplicate, but it is not among the account's recent posts; not posting it again",
		       pb->what, pb->net->ops->title);
		pb->skipped = "duplicate";
		return CH_PUB_SKIPPED;
	}
	/* one 401/403 may be libcurl's resend of a cut request with its
	 * spent nonce: not posted, so post again, freshly signed; a second
	 * one is believed */
	if (f == CH_NETFAIL_CREDENTIALS && (*refused)++) {
		ch_log(CH_LOG_ERROR, "%s: %s", pb->what, pb->err.text);
		pb->net->last = f;
		return CH_PUB_FAILED;
	}
	return PUB_AGAIN;
}

/* A refusal of this one post (4xx, the reply rule where it is no reply,
 * the credits or the usage cap): nothing went out, and the same request
 * would be refused again; skipped with the network's words in pb->err. */
static enum ch_pub_result refused_skip(struct ch_publish *pb, enum ch_netfail f)
{
	ch_log(CH_LOG_ERROR, "%s: not posted: %s", pb->what, pb->err.text);
	pb->net->last = f;
	pb->skipped = f == CH_NETFAIL_EXHAUSTED ? "exhausted" : "refused";
	return CH_PUB_SKIPPED;
}

/* The reply rule: np again as a post of its own (into alone), or a skip
 * when it was no reply. Returns PUB_AGAIN or a result. */
static int reply_refused(struct ch_publish *pb, const struct ch_net_post **np,
			 struct ch_net_post *alone)
{
	if (!(*np)->reply_to)
		return refused_skip(pb, CH_NETFAIL_REFUSED);
	ch_log(CH_LOG_WARN, "%s: %s; posting it on its own, not as a reply",
	       pb->what, pb->err.text);
	snprintf(pb->standalone, sizeof pb->standalone, "%s", pb->err.text);
	*alone = **np;
	alone->reply_to = NULL;
	alone->root_id = NULL;
	*np = alone;
	return PUB_AGAIN;
}

enum ch_pub_result ch_publish(struct ch_publish *pb,
			      const struct ch_net_post *np)
{
	double backoff = 0.5;
	int refused = 0;
	struct ch_net_post alone;

	pb->found = false;
	pb->skipped = NULL;
	pb->standalone[0] = '\0';
	for (;;) {
		double now = pub_now(pb);
		enum ch_netfail f;
		int r;

		if (now > pb->late_at) {
			if (pb->due > 0)
				ch_log(CH_LOG_WARN,
				       "%s skipped: %.0f s late, more than late_limit (%d min)",
				       pb->what, now - pb->due, pb->late_limit);
			else
				ch_log(CH_LOG_WARN, "%s skipped: too late",
				       pb->what);
			pb->skipped = "late";
			return CH_PUB_SKIPPED;
		}
		ch_error_clear(&pb->err);
		pb->attempts++;
		if (ch_net_post(pb->net, np, pb->id, sizeof pb->id, &pb->err) ==
		    0)
			return CH_PUB_POSTED;
		f = pb->net->last; /* a look-up overwrites pb->net->last */
		switch (f) {
		case CH_NETFAIL_WAIT:
			ch_log(CH_LOG_WARN, "%s: %s", pb->what, pb->err.text);
			/* a reset beyond late_at: wait only until then */
			if (pub_nap(pb, pb->net->wait_until > 0
						? pb->net->wait_until + 1
						: now + (pb->rate_wait > 0
								 ? pb->rate_wait
								 : 60.0)))
				return CH_PUB_STOPPED;
			continue;
		case CH_NETFAIL_NONE:
			ch_log(CH_LOG_ERROR, "%s: %s", pb->what, pb->err.text);
			return CH_PUB_FAILED;
		case CH_NETFAIL_REPLY_REFUSED:
			r = reply_refused(pb, &np, &alone);
			if (r == PUB_AGAIN)
				continue; /* at once: nothing went out */
			return (enum ch_pub_result)r;
		case CH_NETFAIL_REFUSED:
		case CH_NETFAIL_EXHAUSTED:
			return refused_skip(pb, f);
		default:
			r = after_failure(pb, np, f, &refused);
			if (r != PUB_AGAIN)
				return (enum ch_pub_result)r;
			break;
		}
		ch_log(CH_LOG_WARN, "%s: not posted; retrying", pb->what);
		if (pub_nap(pb, pub_now(pb) + jittered(&backoff)))
			return CH_PUB_STOPPED;
	}
}
