/* http.c - the one libcurl wrapper: a persistent easy handle per struct
 * ch_http, TLS verification always on, loopback-only plain http, timeouts,
 * a response size cap, rate-limit headers, a redacted request trace. */
#include "http.h"

#include "chtime.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct ch_http {
	CURL *curl;                      /* owned */
	char errbuf[CURL_ERROR_SIZE];
	long connect_ms;
	long total_ms;
	size_t max_response;
	int verbose;
	struct ch_http_response *cur;    /* borrowed during a request */
	int too_large;
	/* a no_resend body, read out by ch_http_read_cb */
	const char *up;                  /* borrowed during a request */
	size_t up_len, up_off;
	int stoppable;                   /* ends on ch_http_stop_all */
	int has_body;                    /* the request in flight sends one */
	double stop_seen;                /* monotonic s the stop was first
					    seen in this request, 0 */
	int stopped;                     /* this request ended by the stop */
};

/* Set once by ch_http_stop_all (a signal handler): read by every
 * transfer's progress callback. */
static volatile sig_atomic_t ch_http_stopping;

static pthread_once_t ch_http_once = PTHREAD_ONCE_INIT;
static CURLcode ch_http_global_rc = CURLE_FAILED_INIT;

static void ch_http_global_init(void)
{
	ch_http_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- URL policy ---- */

static int ch_http_is_loopback_v4(const char *host)
{
	struct in_addr a;
	int parts = 0;
	const char *p;

	/* only the plain dotted-quad form: four decimal parts */
	for (p = host; *p; p++) {
		if (*p == '.')
			parts++;
		else if (!isdigit((unsigned char)*p))
			return 0;
	}
	if (parts != 3 || inet_pton(AF_INET, host, &a) != 1)
		return 0;
	return (ntohl(a.s_addr) >> 24) == 127;
}

static int ch_http_is_loopback_host(const char *host)
{
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0)
		return 1;
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		char inner[INET6_ADDRSTRLEN + 1];
		struct in6_addr a6;

		if (n - 2 >= sizeof inner)
			return 0;
		memcpy(inner, host + 1, n - 2);
		inner[n - 2] = '\0';
		if (inet_pton(AF_INET6, inner, &a6) != 1)
			return 0;
		return memcmp(&a6, &in6addr_loopback, sizeof a6) == 0;
	}
	return ch_http_is_loopback_v4(host);
}

int ch_http_check_url(const char *url, struct ch_error *err)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (!url || !*url) {
		ch_error_set(err, "", 0, "empty URL; use https://HOST");
		goto cleanup;
	}
	u = curl_url();
	if (!u) {
		ch_error_set(err, "", 0, "out of memory parsing a URL");
		goto cleanup;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		ch_error_set(err, "", 0,
			     "\"%.200s\" is not a valid URL; use https://HOST",
			     url);
		goto cleanup;
	}
	if (strcmp(scheme, "https") == 0) {
		rc = 0;
	} else if (strcmp(scheme, "http") == 0) {
		if (ch_http_is_loopback_host(host))
			rc = 0;
		else
			ch_error_set(err, "", 0,
				     "URL \"%.200s\" refused: plain http:// is "
				     "allowed only to a loopback host "
				     "(127.0.0.0/8, [::1], localhost); use "
				     "https://", url);
	} else {
		ch_error_set(err, "", 0,
			     "URL \"%.200s\" refused: only https:// (or http:// "
			     "to a loopback host) is allowed", url);
	}

cleanup:
	curl_free(scheme);
	curl_free(host);
	if (u)
		curl_url_cleanup(u);
	return rc;
}

int ch_http_url_is_loopback(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int yes = 0;

	if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		yes = ch_http_is_loopback_host(host);
	curl_free(host);
	if (u)
		curl_url_cleanup(u);
	return yes;
}

/* ---- callbacks ---- */

void ch_http_stop_all(void)
{
	ch_http_stopping = 1;
}

void ch_http_set_stoppable(struct ch_http *h, int stoppable)
{
	h->stoppable = stoppable;
}

static double ch_http_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* libcurl calls it about once a second and on every chunk: non-zero ends
 * the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int ch_http_progress_cb(void *userdata, curl_off_t dltotal,
			       curl_off_t dlnow, curl_off_t ultotal,
			       curl_off_t ulnow)
{
	struct ch_http *h = userdata;
	double now;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (!ch_http_stopping || !h->stoppable)
		return 0;
	now = ch_http_mono();
	if (h->stop_seen == 0)
		h->stop_seen = now;
	if (h->has_body && now - h->stop_seen < CH_HTTP_STOP_GRACE_MS / 1000.0)
		return 0;
	h->stopped = 1;
	return 1;
}

static size_t ch_http_write_cb(char *ptr, size_t size, size_t nmemb,
			       void *userdata)
{
	struct ch_http *h = userdata;
	size_t n = size * nmemb;

	if (!h->cur)
		return n;
	if (h->cur->body.len + n > h->max_response) {
		h->too_large = 1;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	ch_buf_append(&h->cur->body, ptr, n);
	return n;
}

/* A no_resend request's body, handed to libcurl as it asks. */
static size_t ch_http_read_cb(char *buf, size_t size, size_t nitems,
			      void *userdata)
{
	struct ch_http *h = userdata;
	size_t n = size * nitems, left = h->up_len - h->up_off;

	if (n > left)
		n = left;
	memcpy(buf, h->up + h->up_off, n);
	h->up_off += n;
	return n;
}

/* libcurl rewinds the body to send it again on a fresh connection: allowed
 * only before any of it went out. */
static int ch_http_seek_cb(void *userdata, curl_off_t offset, int origin)
{
	struct ch_http *h = userdata;

	if (origin == SEEK_SET && offset == 0 && h->up_off == 0)
		return CURL_SEEKFUNC_OK;
	return CURL_SEEKFUNC_FAIL;
}

/* Parses a non-negative decimal header value; -1 if it is not one. */
static long long ch_http_parse_num(const char *v, size_t n)
{
	long long x = 0;
	size_t i = 0;

	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	if (i == n || !isdigit((unsigned char)v[i]))
		return -1;
	for (; i < n && isdigit((unsigned char)v[i]); i++) {
		if (x > (LLONG_MAX - 9) / 10)
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' ||
			 v[i] == '\n'))
		i++;
	return i == n ? x : -1;
}

static int ch_http_hdr_is(const char *line, size_t n, const char *name,
			  const char **val, size_t *vlen)
{
	size_t k = strlen(name);

	if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
		return 0;
	*val = line + k + 1;
	*vlen = n - k - 1;
	while (*vlen > 0 && (**val == ' ' || **val == '\t')) {
		(*val)++;
		(*vlen)--;
	}
	while (*vlen > 0 && ((*val)[*vlen - 1] == '\r' ||
			     (*val)[*vlen - 1] == '\n' ||
			     (*val)[*vlen - 1] == ' '))
		(*vlen)--;
	return 1;
}

static size_t ch_http_header_cb(char *buf, size_t size, size_t nitems,
				void *userdata)
{
	struct ch_http *h = userdata;
	struct ch_http_response *r = h->cur;
	size_t n = size * nitems;
	const char *v;
	size_t vl;
	long long x;

	if (!r)
		return n;
	if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* a new response (e.g. after 100 Continue): forget the old */
		r->content_type[0] = '\0';
		r->rate_limit = -1;
		r->rate_remaining = -1;
		r->rate_reset = 0;
		r->link[0] = '\0';
	} else if (ch_http_hdr_is(buf, n, "link", &v, &vl)) {
		if (vl >= sizeof r->link)
			vl = 0; /* a cut Link would point at the wrong page */
		memcpy(r->link, v, vl);
		r->link[vl] = '\0';
	} else if (ch_http_hdr_is(buf, n, "x-ratelimit-remaining", &v, &vl)) {
		x = ch_http_parse_num(v, vl);
		r->rate_remaining = (x >= 0 && x <= LONG_MAX) ? (long)x : -1;
	} else if (ch_http_hdr_is(buf, n, "x-ratelimit-reset", &v, &vl)) {
		char iso[64];
		time_t t;

		if (vl < sizeof iso) {
			memcpy(iso, v, vl);
			iso[vl] = '\0';
			if (ch_parse_iso8601(iso, &t) == 0 && t > 0)
				r->rate_reset = (long long)t;
		}
	} else if (ch_http_hdr_is(buf, n, "content-type", &v, &vl)) {
		if (vl >= sizeof r->content_type)
			vl = sizeof r->content_type - 1;
		memcpy(r->content_type, v, vl);
		r->content_type[vl] = '\0';
	} else if (ch_http_hdr_is(buf, n, "x-rate-limit-limit", &v, &vl)) {
		x = ch_http_parse_num(v, vl);
		r->rate_limit = (x >= 0 && x <= LONG_MAX) ? (long)x : -1;
	} else if (ch_http_hdr_is(buf, n, "x-rate-limit-remaining", &v, &vl)) {
		x = ch_http_parse_num(v, vl);
		r->rate_remaining = (x >= 0 && x <= LONG_MAX) ? (long)x : -1;
	} else if (ch_http_hdr_is(buf, n, "x-rate-limit-reset", &v, &vl)) {
		x = ch_http_parse_num(v, vl);
		r->rate_reset = x > 0 ? x : 0;
	}
	return n;
}

#if LIBCURL_VERSION_NUM >= 0x075000 /* 7.80.0: CURLOPT_PREREQFUNCTION */
static int ch_http_prereq_cb(void *clientp, char *primary_ip, char *local_ip,
			     int primary_port, int local_port)
{
	struct ch_http *h = clientp;

	(void)primary_ip;
	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	if (h->cur)
		clock_gettime(CLOCK_REALTIME, &h->cur->sent_at);
	return CURL_PREREQFUNC_OK;
}
#endif

/* Prints one header line of the trace, redacting credentials. */
static void ch_http_trace_line(char dir, const char *line, size_t n)
{
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	if (n == 0)
		return;
	if ((n >= 14 && strncasecmp(line, "authorization:", 14) == 0) ||
	    (n >= 20 && strncasecmp(line, "proxy-authorization:", 20) == 0)) {
		/* the scheme is no secret: "OAuth", "Bearer" */
		const char *v = memchr(line, ':', n) + 1;
		size_t k;

		while (v < line + n && *v == ' ')
			v++;
		for (k = 0; v + k < line + n && k < 16 &&
			    ((v[k] >= 'A' && v[k] <= 'Z') ||
			     (v[k] >= 'a' && v[k] <= 'z'));
		     k++)
			;
		fprintf(stderr, "%c Authorization: %.*s [redacted]\n", dir,
			(int)k, v);
		return;
	}
	if (n >= 7 && strncasecmp(line, "cookie:", 7) == 0) {
		fprintf(stderr, "%c Cookie: [redacted]\n", dir);
		return;
	}
	fprintf(stderr, "%c %.*s\n", dir, (int)n, line);
}

static int ch_http_debug_cb(CURL *c, curl_infotype type, char *data,
			    size_t size, void *userp)
{
	struct ch_http *h = userp;
	const char *p = data, *end = data + size;

	(void)c;
	switch (type) {
	case CURLINFO_TEXT:
		if (h->verbose > 1)
			ch_http_trace_line('*', data, size);
		break;
	case CURLINFO_HEADER_OUT:
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			ch_http_trace_line('>', p, n);
			p += n + (nl ? 1 : 0);
		}
		break;
	case CURLINFO_HEADER_IN:
		ch_http_trace_line('<', data, size);
		break;
	default:
		break;
	}
	return 0;
}

/* ---- handle ---- */

struct ch_http *ch_http_new(struct ch_error *err)
{
	struct ch_http *h = NULL;
	CURL *c;
	int ok = 1;

	pthread_once(&ch_http_once, ch_http_global_init);
	if (ch_http_global_rc != CURLE_OK) {
		ch_error_set(err, "", 0, "libcurl initialisation failed: %s",
			     curl_easy_strerror(ch_http_global_rc));
		goto cleanup;
	}
	h = ch_xcalloc(1, sizeof *h);
	h->connect_ms = CH_HTTP_CONNECT_TIMEOUT_MS;
	h->total_ms = CH_HTTP_TIMEOUT_MS;
	h->max_response = CH_HTTP_MAX_RESPONSE;
	h->stoppable = 1;
	c = h->curl = curl_easy_init();
	if (!c) {
		ch_error_set(err, "", 0, "libcurl: cannot create a handle");
		goto cleanup;
	}
#define CH_SET(opt, val) ok &= (curl_easy_setopt(c, opt, val) == CURLE_OK)
	CH_SET(CURLOPT_ERRORBUFFER, h->errbuf);
	CH_SET(CURLOPT_NOSIGNAL, 1L);
	CH_SET(CURLOPT_SSL_VERIFYPEER, 1L);
	CH_SET(CURLOPT_SSL_VERIFYHOST, 2L);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
	CH_SET(CURLOPT_PROTOCOLS_STR, "http,https");
	CH_SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	CH_SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	CH_SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	CH_SET(CURLOPT_FOLLOWLOCATION, 0L);
	CH_SET(CURLOPT_TCP_NODELAY, 1L);
	CH_SET(CURLOPT_TCP_KEEPALIVE, 1L);
	CH_SET(CURLOPT_TCP_KEEPIDLE, 30L);
	CH_SET(CURLOPT_TCP_KEEPINTVL, 15L);
	CH_SET(CURLOPT_ACCEPT_ENCODING, "");
	CH_SET(CURLOPT_USERAGENT, "chathost");
	CH_SET(CURLOPT_WRITEFUNCTION, ch_http_write_cb);
	CH_SET(CURLOPT_WRITEDATA, h);
	CH_SET(CURLOPT_HEADERFUNCTION, ch_http_header_cb);
	CH_SET(CURLOPT_HEADERDATA, h);
	CH_SET(CURLOPT_DEBUGFUNCTION, ch_http_debug_cb);
	CH_SET(CURLOPT_DEBUGDATA, h);
	CH_SET(CURLOPT_XFERINFOFUNCTION, ch_http_progress_cb);
	CH_SET(CURLOPT_XFERINFODATA, h);
	CH_SET(CURLOPT_NOPROGRESS, 0L);
#if LIBCURL_VERSION_NUM >= 0x075000
	CH_SET(CURLOPT_PREREQFUNCTION, ch_http_prereq_cb);
	CH_SET(CURLOPT_PREREQDATA, h);
#endif
#undef CH_SET
	if (!ok) {
		ch_error_set(err, "", 0,
			     "libcurl %s lacks a required option (TLS, "
			     "protocol restriction or keep-alive)",
			     curl_version_info(CURLVERSION_NOW)->version);
		goto cleanup;
	}
	return h;

cleanup:
	ch_http_free(h);
	return NULL;
}

void ch_http_free(struct ch_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h);
}

void ch_http_set_timeouts(struct ch_http *h, long connect_ms, long total_ms)
{
	h->connect_ms = connect_ms > 0 ? connect_ms : CH_HTTP_CONNECT_TIMEOUT_MS;
	h->total_ms = total_ms > 0 ? total_ms : CH_HTTP_TIMEOUT_MS;
}

void ch_http_set_max_response(struct ch_http *h, size_t max_bytes)
{
	h->max_response = max_bytes ? max_bytes : CH_HTTP_MAX_RESPONSE;
}

void ch_http_set_verbose(struct ch_http *h, int verbose)
{
	h->verbose = verbose;
}

void ch_http_response_free(struct ch_http_response *resp)
{
	if (!resp)
		return;
	ch_buf_free(&resp->body);
	memset(resp, 0, sizeof *resp);
}

/* "METHOD scheme://host/path" (no query) for messages. */
static void ch_http_what(char *out, size_t n, const char *method,
			 const char *url)
{
	size_t ul = strcspn(url, "?#");

	if (ul > 200)
		ul = 200;
	snprintf(out, n, "%s %.*s", method, (int)ul, url);
}

/* One transfer into resp. A read on a kept-alive connection that the
 * server had closed meanwhile (snac drops idle ones: "Connection reset by
 * peer", nothing received) is made once more, quietly, on a new
 * connection: nothing was applied. A request with a body never is. */
static CURLcode ch_http_perform(struct ch_http *h,
				struct ch_http_response *resp)
{
	CURLcode rc;
	long nconn = 0;

	h->cur = resp;
	rc = curl_easy_perform(h->curl);
	curl_easy_getinfo(h->curl, CURLINFO_NUM_CONNECTS, &nconn);
	if ((rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
	     rc == CURLE_GOT_NOTHING) &&
	    nconn == 0 && !h->has_body && !h->stopped && !h->too_large) {
		ch_buf_free(&resp->body);
		resp->content_type[0] = '\0';
		resp->link[0] = '\0';
		resp->rate_limit = resp->rate_remaining = -1;
		resp->rate_reset = 0;
		h->errbuf[0] = '\0';
		curl_easy_setopt(h->curl, CURLOPT_FRESH_CONNECT, 1L);
		rc = curl_easy_perform(h->curl);
		curl_easy_setopt(h->curl, CURLOPT_FRESH_CONNECT, 0L);
	}
	h->cur = NULL;
	return rc;
}

/* Why a transfer that ended with rc failed: resp->fail and err. */
static void ch_http_failed(const struct ch_http *h, CURLcode rc,
			   const char *what, struct ch_http_response *resp,
			   struct ch_error *err)
{
	if (h->too_large) {
		resp->fail = CH_HTTP_FAIL_TOO_LARGE;
		ch_error_set(err, "", 0,
			     "%s: response larger than %zu bytes; "
			     "transfer aborted", what, h->max_response);
	} else if (h->stopped) {
		resp->fail = CH_HTTP_FAIL_NETWORK;
		ch_error_set(err, "", 0,
			     "%s: stopped (chathost is ending)%s", what,
			     h->has_body ? "; it may have been applied" : "");
	} else if (rc == CURLE_SEND_FAIL_REWIND) {
		resp->fail = CH_HTTP_FAIL_NETWORK;
		ch_error_set(err, "", 0,
			     "%s: the connection was cut after the request went out; not sent again (it may have been applied)",
			     what);
	} else {
		resp->fail = CH_HTTP_FAIL_NETWORK;
		ch_error_set(err, "", 0, "%s: %s", what,
			     h->errbuf[0] ? h->errbuf
					  : curl_easy_strerror(rc));
	}
}

int ch_http_request(struct ch_http *h, const struct ch_http_request *req,
		    struct ch_http_response *resp, struct ch_error *err)
{
	CURL *c = h->curl;
	struct curl_slist *hdrs = NULL, *tmp;
	struct ch_error uerr = {{0}, 0, {0}};
	const char *method;
	char what[256];
	char *line = NULL;
	CURLcode rc;
	int ret = -1;
	long status = 0, nconn = 0;
	double total = 0;

	ch_buf_free(&resp->body);
	memset(resp, 0, sizeof *resp);
	resp->rate_limit = -1;
	resp->rate_remaining = -1;
	method = req->method ? req->method : "GET";
	ch_http_what(what, sizeof what, method, req->url ? req->url : "");

	if (ch_http_check_url(req->url, &uerr) != 0) {
		resp->fail = CH_HTTP_FAIL_URL;
		ch_error_set(err, "", 0, "%s", uerr.text);
		goto cleanup;
	}
	if (req->body && strcmp(method, "GET") == 0) {
		resp->fail = CH_HTTP_FAIL_URL;
		ch_error_set(err, "", 0, "%s: a GET request has no body", what);
		goto cleanup;
	}

	/* per-request options (the handle keeps the previous request's) */
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->total_ms);
	curl_easy_setopt(c, CURLOPT_VERBOSE, h->verbose > 0 ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, (char *)NULL);
	curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(req->body ? req->body_len : 0));
		h->up = req->body ? req->body : "";
		h->up_len = req->body ? req->body_len : 0;
		h->up_off = 0;
		if (req->no_resend) {
			curl_easy_setopt(c, CURLOPT_POST, 1L);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, (char *)NULL);
			curl_easy_setopt(c, CURLOPT_READFUNCTION, ch_http_read_cb);
			curl_easy_setopt(c, CURLOPT_READDATA, h);
			curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, ch_http_seek_cb);
			curl_easy_setopt(c, CURLOPT_SEEKDATA, h);
		} else {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, h->up);
		}
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}

	if (req->authorization) {
		line = ch_xasprintf("Authorization: %s", req->authorization);
		tmp = curl_slist_append(hdrs, line);
		if (!tmp)
			goto oom;
		hdrs = tmp;
	}
	if (req->body && req->content_type) {
		free(line);
		line = ch_xasprintf("Content-Type: %s", req->content_type);
		tmp = curl_slist_append(hdrs, line);
		if (!tmp)
			goto oom;
		hdrs = tmp;
	}
	if (req->header) {
		tmp = curl_slist_append(hdrs, req->header);
		if (!tmp)
			goto oom;
		hdrs = tmp;
	}
	tmp = curl_slist_append(hdrs, "Expect:"); /* no 100-continue wait */
	if (!tmp)
		goto oom;
	hdrs = tmp;
	tmp = curl_slist_append(hdrs, "Accept: application/json");
	if (!tmp)
		goto oom;
	hdrs = tmp;
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

	h->errbuf[0] = '\0';
	h->too_large = 0;
	h->has_body = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
	h->stop_seen = 0;
	h->stopped = 0;
	rc = ch_http_perform(h, resp);

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nconn);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &total);
	resp->status = status;
	resp->num_connects = nconn;
	resp->total_seconds = total;
	if (h->verbose > 0)
		fprintf(stderr, "* %s -> %ld (%.3f s, %s connection)\n", what,
			status, total, nconn ? "new" : "reused");

	if (rc != CURLE_OK) {
		ch_http_failed(h, rc, what, resp, err);
		goto cleanup;
	}
	ch_buf_puts(&resp->body, ""); /* always NUL-terminated, even empty */
	ret = 0;
	goto cleanup;

oom:
	resp->fail = CH_HTTP_FAIL_NETWORK;
	ch_error_set(err, "", 0, "%s: out of memory", what);
cleanup:
	/* drop pointers into memory the caller or this call owns */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, (char *)NULL);
	curl_slist_free_all(hdrs);
	if (line) {
		memset(line, 0, strlen(line));
		free(line);
	}
	return ret;
}

int ch_http_warm(struct ch_http *h, const char *url, long *num_connects_out,
		 struct ch_error *err)
{
	struct ch_http_request req = {0};
	struct ch_http_response resp = {0};
	int ret;

	req.method = "HEAD";
	req.url = url;
	ret = ch_http_request(h, &req, &resp, err);
	if (num_connects_out)
		*num_connects_out = resp.num_connects;
	ch_http_response_free(&resp);
	return ret;
}

void ch_http_query_add(struct ch_buf *q, const char *key, const char *value)
{
	char *esc = curl_easy_escape(NULL, value, 0);

	if (!esc) {
		fprintf(stderr, "chathost: out of memory\n");
		abort();
	}
	ch_buf_printf(q, "%s%s=%s", q->len ? "&" : "", key, esc);
	curl_free(esc);
}
