/*
 * xapi.h - the X API v2 calls chathost makes (X behind the network
 * interface: x.c; the core never includes this header), on top of http.h (one
 * persistent libcurl handle, so the connection stays warm) and oauth.h
 * (every request signed, OAuth 1.0a user context).
 *
 * All functions return 0 on success or -1 with err filled with a message a
 * user can act on (401: check the credentials; 403 duplicate content; 429:
 * rate limited until HH:MM; the libcurl error text for network failures),
 * and set x->last to what kind of failure it was, so callers can decide to
 * retry, wait or resolve a duplicate.
 */
#ifndef CHATHOST_XAPI_H
#define CHATHOST_XAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common.h"
#include "creds.h"
#include "net/net.h"

struct ch_http; /* http.h */

enum ch_xfail {
	CH_XFAIL_NONE = 0,
	CH_XFAIL_NETWORK,   /* connect/timeout/cut connection: retry with backoff */
	CH_XFAIL_SERVER,    /* 5xx: retry with backoff */
	CH_XFAIL_RATELIMIT, /* 429: wait until x->rate.reset */
	CH_XFAIL_DUPLICATE, /* 403 duplicate content: the text was posted already */
	CH_XFAIL_AUTH,      /* 401/403 other: credentials or permissions */
	CH_XFAIL_CLIENT,    /* other 4xx, and a 403 that refuses this one
			       request (not the app or the account) */
	CH_XFAIL_REPLY_REFUSED, /* 403: the reply rule (X allows a reply
				   only where the replied-to author
				   mentioned or quoted the account) */
	CH_XFAIL_USAGE_CAP, /* the app's usage cap (429 usage-capped): no
			       reads until x->rate.reset, or unknown */
	CH_XFAIL_CREDITS,   /* 402, or a refusal that says the credits are
			       used up: nothing billed works until bought */
	CH_XFAIL_PARSE,     /* malformed or unexpected JSON / too large */
};

struct ch_ratelimit {
	long limit;     /* x-rate-limit-limit, -1 if absent */
	long remaining; /* x-rate-limit-remaining, -1 if absent */
	time_t reset;   /* x-rate-limit-reset (epoch seconds), 0 if absent */
};

struct ch_xapi {
	char *base_url;            /* owned, no trailing slash */
	const struct ch_creds *creds; /* borrowed; must outlive x */
	struct ch_http *http;      /* owned */
	enum ch_xfail last;        /* kind of the last failure */
	long last_status;          /* HTTP status of the last response, 0 if none */
	struct ch_ratelimit rate;  /* headers of the last response */
	int verbose;               /* >0: trace requests on stderr, secrets redacted */
	struct timespec last_sent; /* wall clock when the last request started
				      to go out (CLOCK_REALTIME); zero if none */
	long last_connects;        /* new connections the last request opened
				      (0: the warm connection was reused) */
	/* called with every page of posts read (search, the account's
	 * posts), for the billing; NULL: none */
	void (*on_page)(void *ctx, const struct ch_msg_page *page);
	void *on_page_ctx;         /* borrowed */
};

/* base_url must be https://, or http:// only to a loopback address
 * (127.0.0.0/8, ::1, localhost); anything else is refused. */
int ch_xapi_init(struct ch_xapi *x, const char *base_url,
		 const struct ch_creds *creds, struct ch_error *err);
void ch_xapi_free(struct ch_xapi *x);

/* Connect and total timeouts of every request in milliseconds (defaults
 * 5000 / 20000; values <= 0 restore them). */
void ch_xapi_set_timeouts(struct ch_xapi *x, long connect_ms, long total_ms);

/* Opens the connection (TCP + TLS) ahead of a post, with a request that
 * costs no rate limit, so the post at its instant pays one round trip. */
int ch_xapi_warm(struct ch_xapi *x, struct ch_error *err);

struct ch_xapi_poll_req {
	const char *const *options; /* 2-4 labels, 1-25 characters */
	size_t n_options;
	int duration_minutes;       /* 5-10080 */
};

/* POST /2/tweets. reply_to and poll may be NULL. The new post's id goes
 * to id (>= 32 bytes). */
int ch_xapi_post(struct ch_xapi *x, const char *text, const char *reply_to,
		 const struct ch_xapi_poll_req *poll, char *id, size_t id_size,
		 struct ch_error *err);

/* GET /2/users/me: the account's id and username (>= 32 / 64 bytes). */
int ch_xapi_me(struct ch_xapi *x, char *id, size_t id_size, char *username,
	       size_t username_size, struct ch_error *err);

struct ch_search_req {
	const char *query;       /* e.g. "#ICMIchat -is:retweet" (<= 512 chars) */
	const char *since_id;    /* NULL if none */
	const char *start_time;  /* ISO 8601 or NULL */
	const char *end_time;    /* ISO 8601 or NULL */
	const char *next_token;  /* NULL for the first page */
	int max_results;         /* 10-100 */
};

/* GET /2/tweets/search/recent with tweet.fields=created_at,author_id,
 * conversation_id,referenced_tweets,in_reply_to_user_id,
 * expansions=author_id, user.fields=username,name. */
int ch_xapi_search(struct ch_xapi *x, const struct ch_search_req *req,
		   struct ch_msg_page *page, struct ch_error *err);

/* GET /2/users/:id/tweets (the account's recent posts, newest first),
 * max_results 5-100, to find a post whose id was lost in a crash. */
int ch_xapi_user_tweets(struct ch_xapi *x, const char *user_id,
			int max_results, struct ch_msg_page *page,
			struct ch_error *err);

/* Pure parser of a search / user-tweets / tweet-lookup response body;
 * exposed for tests, benchmarks and fuzzing. Returns 0 or -1. */
int ch_xapi_parse_page(const char *json, size_t len,
		       struct ch_msg_page *page, struct ch_error *err);
void ch_msg_page_free(struct ch_msg_page *page);

/* GET /2/tweets?ids=TWEET&expansions=attachments.poll_ids&
 * poll.fields=options,voting_status,end_datetime */
/* The account's latest direct messages received and sent (GET
 * /2/dm_events, MessageCreate, 50), newest first, each a direct message
 * (ch_msg.direct) whose conversation_id is its dm_conversation_id. 0 or
 * -1 (err, x->last). */
int ch_xapi_dm_events(struct ch_xapi *x, struct ch_msg_page *page,
		      struct ch_error *err);
int ch_xapi_poll_lookup(struct ch_xapi *x, const char *tweet_id,
			struct ch_poll_result *res, struct ch_error *err);
/* Pure parser for the above response; for tests and fuzzing. */
int ch_xapi_parse_poll(const char *json, size_t len,
		       struct ch_poll_result *res, struct ch_error *err);

/* Pure: what a non-2xx response means. Fills err (source "X API") with a
 * message a user can act on, built from the problem JSON {"title",
 * "detail","type","status"} (or v1 {"errors":[{"message"}]}) in body:
 * 402, or any 4xx whose problem speaks of credits -> CH_XFAIL_CREDITS;
 * a problem of type usage-capped (UsageCapExceeded) -> CH_XFAIL_USAGE_CAP;
 * 401 -> CH_XFAIL_AUTH "401 Unauthorized: check the credentials (...)";
 * 403 "duplicate content" -> CH_XFAIL_DUPLICATE; 403 "Reply to this
 * conversation is not allowed..." -> CH_XFAIL_REPLY_REFUSED; a 403 whose
 * type or words concern the app or the account (client-forbidden,
 * oauth1-permissions, "app", "client", "account", "suspended", ...) ->
 * AUTH; any other 403 -> CH_XFAIL_CLIENT (this request is refused);
 * 429 -> CH_XFAIL_RATELIMIT "rate limited until HH:MM UTC" (of
 * rate->reset; rate may be NULL); 5xx -> CH_XFAIL_SERVER; other ->
 * CH_XFAIL_CLIENT. The message quotes X's detail and, for a 400, its
 * errors[0].message. body may be NULL or not JSON. Exposed for tests. */
enum ch_xfail ch_xapi_classify(long status, const char *body, size_t len,
			       const struct ch_ratelimit *rate,
			       struct ch_error *err);

/* true if got (a post's text as the API returns it) is text: X returns
 * "&", "<" and ">" as "&amp;", "&lt;" and "&gt;" in v2 texts. */
bool ch_xapi_same_text(const char *got, const char *text);

/* Clock difference allowed between this machine and X's servers when a
 * found post's creation is compared with the intent (seconds; X's
 * created_at also drops the milliseconds). */
#define CH_XAPI_INTENT_SKEW 2.0

/* The one look-up of a post whose fate is unknown (after a crash, a cut
 * connection, a "duplicate" refusal): text among the account's 20 most
 * recent posts (as X escapes it: ch_xapi_same_text), made at or after
 * since, the real instant the intent to post it was recorded (an older
 * post with the same text, a rehearsal's or last week's, is not this
 * chat's). Returns 1 (id filled), 0 not there, -1 the look-up failed
 * (err; x->last says why). */
int ch_xapi_find_mine(struct ch_xapi *x, const char *me_id, const char *text,
		      double since, char *id, size_t n, struct ch_error *err);

#endif
