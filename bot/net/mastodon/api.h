/*
 * api.h - Mastodon's client REST API with a bearer token: one request, its
 * answer classified into the neutral failure classes of net.h, the rate
 * limit (X-RateLimit-Remaining, X-RateLimit-Reset as ISO 8601, 429) and
 * the Link header of a page.
 *
 * Ownership: struct ch_masto_api owns its handle, base URL and token
 * (wiped on free); answers are new references the caller releases.
 */
#ifndef CHATHOST_MASTO_API_H
#define CHATHOST_MASTO_API_H

#include <time.h>

#include <jansson.h>

#include "common.h"
#include "net/net.h"

struct ch_http;

struct ch_masto_api {
	char *base;             /* owned: the instance, no trailing slash */
	char *token;            /* owned, wiped: the access token */
	struct ch_http *http;   /* owned */
	int verbose;
	/* the last call (X-RateLimit-Remaining and -Reset) */
	struct ch_net_outcome out;
	char next[1024];        /* the Link header's rel="next", "" */
};

/* Sets up a for the instance (https://, or http:// to loopback). Returns 0
 * or -1 (err). */
int ch_masto_api_init(struct ch_masto_api *a, const char *base,
		      const char *token, struct ch_error *err);
void ch_masto_api_free(struct ch_masto_api *a);

/* One call: method, path (from the base, "/api/v1/...") or an absolute URL
 * on the instance (a Link), a query or form (percent-encoded, may be NULL:
 * a query for GET, the form body for POST), an Idempotency-Key (or NULL).
 * On 2xx *out is the JSON answer (new reference). Returns 0, or -1 with
 * err and a->last. */
int ch_masto_call(struct ch_masto_api *a, const char *method,
		  const char *path, const char *form, const char *idem_key,
		  json_t **out, struct ch_error *err);

/* Opens the connection to the instance ahead of a post. */
int ch_masto_warm(struct ch_masto_api *a, struct ch_error *err);

/* Pure: the neutral class of a non-2xx answer {"error": "..."}, err
 * filled with what the server said. */
enum ch_netfail ch_masto_classify(long status, const char *body, size_t len,
				  struct ch_error *err);

/* Pure: the URL of rel="next" in a Link header into out ("" if none, or
 * if it is not on base: a page is never fetched from elsewhere). */
void ch_masto_link_next(const char *link, const char *base, char *out,
			size_t n);

#endif
