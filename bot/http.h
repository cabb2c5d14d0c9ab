/*
 * http.h - the one libcurl wrapper. A struct ch_http owns one persistent
 * easy handle, so a connection opened by ch_http_warm() (or any request)
 * is reused by the next request to the same host.
 *
 * Always: TLS peer and host verification on (there is no way to turn it
 * off), protocols limited to http and https, plain http:// only to a
 * loopback host (127.0.0.0/8, [::1], localhost), connect and total
 * timeouts, a cap on the response size, TCP_NODELAY, TCP keep-alive,
 * CURLOPT_NOSIGNAL. Redirects are not followed.
 *
 * A request fails (-1) only when no complete HTTP response arrived (URL
 * refused, network error, timeout, response too large); any HTTP status,
 * 4xx and 5xx included, is a success at this level: look at resp->status.
 */
#ifndef CHATHOST_HTTP_H
#define CHATHOST_HTTP_H

#include <stddef.h>
#include <time.h>

#include "common.h"

#define CH_HTTP_CONNECT_TIMEOUT_MS 5000L
#define CH_HTTP_TIMEOUT_MS 20000L
#define CH_HTTP_MAX_RESPONSE (4u * 1024u * 1024u) /* bytes of body */

struct ch_http; /* opaque; owns a CURL easy handle */

enum ch_http_fail {
	CH_HTTP_OK = 0,
	CH_HTTP_FAIL_URL,       /* URL refused by the policy or malformed */
	CH_HTTP_FAIL_NETWORK,   /* connect, TLS, timeout, cut connection */
	CH_HTTP_FAIL_TOO_LARGE, /* body larger than the cap: transfer aborted */
};

struct ch_http_request {
	const char *method;        /* "GET", "POST", "HEAD", "DELETE", "PUT" */
	const char *url;           /* absolute, query percent-encoded (borrowed) */
	const char *authorization; /* header value or NULL; never printed */
	const char *content_type;  /* of the body, e.g. "application/json" */
	const char *body;          /* borrowed; NULL for none */
	size_t body_len;
	const char *header;        /* one more header line "Name: value"
				      (Mastodon's Idempotency-Key), or NULL */
	int no_resend;             /* never send the body twice: libcurl
				      resends a request silently when a
				      reused connection dies before the
				      answer, which may follow a request the
				      server applied; with this set that
				      request fails instead (a network error)
				      and the caller looks before resending */
};

struct ch_http_response {
	long status;               /* HTTP status, 0 if none arrived */
	struct ch_buf body;        /* owned; NUL-terminated */
	char content_type[128];    /* "" if absent */
	long rate_limit;           /* x-rate-limit-limit, -1 if absent */
	long rate_remaining;       /* x-rate-limit-remaining, -1 if absent */
	long long rate_reset;      /* x-rate-limit-reset (epoch s), 0 if absent;
				      Mastodon's x-ratelimit-remaining and
				      x-ratelimit-reset (ISO 8601) fill the
				      same fields */
	char link[1024];           /* the Link header (pagination), "" */
	struct timespec sent_at;   /* wall clock (CLOCK_REALTIME) when the
				      request started to go out on the
				      connection; zero if it never did */
	long num_connects;         /* new connections this request opened
				      (0: a warm connection was reused) */
	double total_seconds;      /* whole transfer */
	enum ch_http_fail fail;    /* why the request failed, CH_HTTP_OK if not */
};

/* A new handle with the default timeouts and size cap. Caller frees with
 * ch_http_free(). Returns NULL with err filled if libcurl fails. */
struct ch_http *ch_http_new(struct ch_error *err);
void ch_http_free(struct ch_http *h);

/* Timeouts in milliseconds; values <= 0 restore the defaults. */
void ch_http_set_timeouts(struct ch_http *h, long connect_ms, long total_ms);
/* Response body cap in bytes; 0 restores the default. */
void ch_http_set_max_response(struct ch_http *h, size_t max_bytes);
/* >0: trace each request's headers on stderr with the Authorization
 * header shown as "Authorization: OAuth [redacted]"; >1 adds libcurl's
 * informational lines. */
void ch_http_set_verbose(struct ch_http *h, int verbose);

/* The URL policy alone: 0 if url may be fetched, else -1 with a message
 * (https:// always; http:// only to a loopback host; nothing else). */
int ch_http_check_url(const char *url, struct ch_error *err);
/* 1 if url is http:// or https:// to a loopback host (a local server:
 * nothing sent there is public), else 0. */
int ch_http_url_is_loopback(const char *url);

/* Performs one request. resp must be zero-initialised or freed before
 * reuse; it is filled even on failure (status, headers, fail). */
int ch_http_request(struct ch_http *h, const struct ch_http_request *req,
		    struct ch_http_response *resp, struct ch_error *err);

/* Opens (or keeps) the connection to url's host without an API call: a
 * HEAD request whose status, whatever it is, is ignored. num_connects_out
 * (may be NULL) receives how many new connections it opened. */
int ch_http_warm(struct ch_http *h, const char *url, long *num_connects_out,
		 struct ch_error *err);

/* The process is stopping (SIGTERM, SIGINT): every request of a stoppable
 * handle (the default) in flight or to come ends soon, as a network
 * failure, "stopped": a read at once, a request with a body (a post,
 * which may have been applied: its sender looks it up next time) after
 * CH_HTTP_STOP_GRACE_MS, time for a post the server is answering to
 * finish and be recorded. Async-signal-safe: a signal handler calls it.
 * So a run ends within seconds whatever a server does, well inside a
 * service manager's stop timeout. */
#define CH_HTTP_STOP_GRACE_MS 2000L
void ch_http_stop_all(void);
/* Whether h's requests end on ch_http_stop_all (default 1). The alerts'
 * handle says 0: an alert already queued is still delivered on the way
 * out (notify.h, ch_notify_drain bounds that wait). */
void ch_http_set_stoppable(struct ch_http *h, int stoppable);

/* Frees what the response owns and zeroes it. */
void ch_http_response_free(struct ch_http_response *resp);

/* Appends "key=value" to a query string q ("&" between pairs), value
 * percent-encoded. */
void ch_http_query_add(struct ch_buf *q, const char *key, const char *value);

#endif
