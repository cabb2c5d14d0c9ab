/*
 * xrpc.h - an XRPC client with a session: the calls of the AT Protocol
 * over the one libcurl wrapper (http.h), authenticated with an app
 * password. createSession makes the session; refreshSession renews it
 * before the access token expires (its JWT "exp", less a margin) and
 * whenever a call answers ExpiredToken, which Bluesky sends as HTTP 400,
 * not 401; a refresh token that is refused falls back to a new
 * createSession. Tokens and the password are wiped when freed and never
 * printed (the request trace shows "Authorization: Bearer [redacted]").
 *
 * Every call returns 0, or -1 with err filled with a message a user can
 * act on and x->last set to the neutral failure class (net.h).
 */
#ifndef CHATHOST_BSKY_XRPC_H
#define CHATHOST_BSKY_XRPC_H

#include <time.h>

#include <jansson.h>

#include "common.h"
#include "net/net.h"

struct ch_http;

struct ch_xrpc {
	char *service;          /* owned: the PDS's base URL, no trailing / */
	char *identifier;       /* owned: handle or DID */
	char *password;         /* owned, wiped: the app password */
	char *access;           /* owned, wiped: accessJwt, NULL: none */
	char *refresh;          /* owned, wiped: refreshJwt */
	char *did;              /* owned: the session's account */
	char *handle;           /* owned */
	double access_exp;      /* the access token's expiry (epoch s), 0 */
	struct ch_http *http;   /* owned */
	int verbose;
	long sessions;          /* createSession calls made */
	long refreshes;         /* refreshSession calls made */
	/* the last call (RateLimit-Remaining and -Reset) */
	struct ch_net_outcome out;
	char error[64];         /* the XRPC error name ("ExpiredToken"), "" */
};

/* Refresh this long before the access token expires (seconds). */
#define CH_XRPC_REFRESH_MARGIN 300.0

/* Sets up x for service (https://, or http:// to loopback) and the
 * identifier and app password (copied). No request yet. */
int ch_xrpc_init(struct ch_xrpc *x, const char *service,
		 const char *identifier, const char *password,
		 struct ch_error *err);
void ch_xrpc_free(struct ch_xrpc *x);

/* Makes sure a session exists whose access token is valid for at least
 * margin seconds more: createSession, or refreshSession. */
int ch_xrpc_fresh(struct ch_xrpc *x, double margin, struct ch_error *err);

/* One authenticated call: GET with query (may be NULL; already
 * percent-encoded "a=b&c=d") when body is NULL, else POST of body (JSON).
 * The session is made fresh first; an ExpiredToken answer refreshes it
 * and the call is made once more. On success *out is the parsed answer
 * (new reference; an empty object for an empty body). */
int ch_xrpc_call(struct ch_xrpc *x, const char *nsid, const char *query,
		 json_t *body, json_t **out, struct ch_error *err);

/* Opens the connection to the service ahead of a post (no call made). */
int ch_xrpc_warm(struct ch_xrpc *x, struct ch_error *err);

/* Pure: the neutral class of a non-2xx XRPC answer {"error","message"};
 * fills err (source "Bluesky") and name (the error name, >= 64 bytes).
 * Exposed for tests. */
enum ch_netfail ch_xrpc_classify(long status, const char *body, size_t len,
				 char *name, size_t name_n,
				 struct ch_error *err);

/* Pure: the "exp" claim of a JWT (epoch seconds), 0 if it has none. */
double ch_xrpc_jwt_exp(const char *jwt);

/* Appends "&key=value" (value percent-encoded) to q. */
void ch_xrpc_q(struct ch_buf *q, const char *key, const char *value);

#endif
