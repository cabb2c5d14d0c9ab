/* xrpc.c - XRPC calls with an app-password session (xrpc.h). */
#include "xrpc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "clock.h"
#include "http.h"
#include "jsonmend.h"
#include "log.h"
#include "secrets.h"

#define SRC "Bluesky"

static void wipe_free(char **s)
{
	ch_secret_free(s);
}

int ch_xrpc_init(struct ch_xrpc *x, const char *service,
		 const char *identifier, const char *password,
		 struct ch_error *err)
{
	struct ch_error uerr;
	size_t n;

	memset(x, 0, sizeof *x);
	x->out.rate_remaining = -1;
	ch_error_clear(&uerr);
	if (ch_http_check_url(service, &uerr) != 0) {
		ch_error_set(err, SRC, 0, "service URL: %s", uerr.text);
		return -1;
	}
	x->service = ch_xstrdup(service);
	n = strlen(x->service);
	while (n > 0 && x->service[n - 1] == '/')
		x->service[--n] = '\0';
	x->identifier = ch_xstrdup(identifier);
	x->password = ch_xstrdup(password);
	x->http = ch_http_new(err);
	if (!x->http) {
		ch_xrpc_free(x);
		return -1;
	}
	return 0;
}

void ch_xrpc_free(struct ch_xrpc *x)
{
	if (!x)
		return;
	ch_http_free(x->http);
	free(x->service);
	free(x->identifier);
	wipe_free(&x->password);
	wipe_free(&x->access);
	wipe_free(&x->refresh);
	free(x->did);
	free(x->handle);
	memset(x, 0, sizeof *x);
}

/* Printable, short: an error name or message as a server sent it. */
static void clean(char *dst, size_t n, const char *src)
{
	size_t i = 0;

	for (; src && *src && i + 1 < n; src++)
		dst[i++] = ((unsigned char)*src < 0x20 || *src == 0x7f) ? ' ' : *src;
	dst[i] = '\0';
}

enum ch_netfail ch_xrpc_classify(long status, const char *body, size_t len,
				 char *name, size_t name_n,
				 struct ch_error *err)
{
	json_t *root = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	char e[64] = "", m[300] = "";
	enum ch_netfail kind;

	if (json_is_object(root)) {
		clean(e, sizeof e, json_string_value(json_object_get(root, "error")));
		clean(m, sizeof m, json_string_value(json_object_get(root, "message")));
	}
	snprintf(name, name_n, "%s", e);
	if (status == 400 && strcmp(e, "ExpiredToken") == 0) {
		kind = CH_NETFAIL_CREDENTIALS;
		ch_error_set(err, SRC, 0, "the session expired (ExpiredToken)");
	} else if (status == 401 || (status == 400 &&
				     (strcmp(e, "AuthenticationRequired") == 0 ||
				      strcmp(e, "InvalidToken") == 0 ||
				      strcmp(e, "AccountTakedown") == 0))) {
		kind = CH_NETFAIL_CREDENTIALS;
		ch_error_set(err, SRC, 0,
			     "%ld %s: check the identifier and the app password (BSKY_IDENTIFIER, BSKY_APP_PASSWORD or the credentials file)%s%s",
			     status, e[0] ? e : "Unauthorized",
			     m[0] ? "; the server said: " : "", m);
	} else if (status == 403) {
		kind = CH_NETFAIL_CREDENTIALS;
		ch_error_set(err, SRC, 0, "403 %s%s%s", e[0] ? e : "Forbidden",
			     m[0] ? ": " : "", m);
	} else if (status == 429) {
		kind = CH_NETFAIL_WAIT;
		ch_error_set(err, SRC, 0, "429 rate limited%s%s",
			     m[0] ? ": " : "", m);
	} else if (status >= 500 && status <= 599) {
		kind = CH_NETFAIL_RETRY;
		ch_error_set(err, SRC, 0, "%ld server error%s%s; retry later",
			     status, m[0] ? ": " : "", m[0] ? m : e);
	} else {
		kind = CH_NETFAIL_REFUSED;
		ch_error_set(err, SRC, 0, "%ld %s%s%s", status,
			     e[0] ? e : "refused", m[0] ? ": " : "", m);
	}
	json_decref(root);
	return kind;
}

/* base64url without padding -> bytes (NUL-terminated); NULL if bad. */
static char *b64url_decode(const char *s, size_t n)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = ch_xmalloc(n * 3 / 4 + 4);
	unsigned v = 0;
	int bits = 0;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		const char *p = s[i] ? strchr(a, s[i]) : NULL;

		if (!p) {
			free(out);
			return NULL;
		}
		v = (v << 6) | (unsigned)(p - a);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (char)((v >> bits) & 0xFF);
		}
	}
	out[k] = '\0';
	return out;
}

double ch_xrpc_jwt_exp(const char *jwt)
{
	const char *a = jwt ? strchr(jwt, '.') : NULL;
	const char *b = a ? strchr(a + 1, '.') : NULL;
	char *payload;
	json_t *root;
	double exp = 0;

	if (!b)
		return 0;
	payload = b64url_decode(a + 1, (size_t)(b - a - 1));
	if (!payload)
		return 0;
	root = json_loads(payload, 0, NULL);
	if (json_is_number(json_object_get(root, "exp")))
		exp = json_number_value(json_object_get(root, "exp"));
	json_decref(root);
	free(payload);
	return exp;
}

void ch_xrpc_q(struct ch_buf *q, const char *key, const char *value)
{
	ch_http_query_add(q, key, value);
}

/* One request. auth: the bearer token or NULL. On success *out is the
 * parsed 2xx body. */
static int request(struct ch_xrpc *x, const char *nsid, const char *query,
		   json_t *body, bool post, const char *auth, json_t **out,
		   struct ch_error *err)
{
	struct ch_http_request req = {0};
	struct ch_http_response resp = {0};
	struct ch_error e;
	char *url, *hdr = NULL, *dump = NULL;
	int ret = -1;

	*out = NULL;
	x->out.last = CH_NETFAIL_NONE;
	x->error[0] = '\0';
	x->out.wait_until = 0;
	ch_error_clear(&e);
	url = query && *query
		? ch_xasprintf("%s/xrpc/%s?%s", x->service, nsid, query)
		: ch_xasprintf("%s/xrpc/%s", x->service, nsid);
	req.method = post ? "POST" : "GET";
	req.url = url;
	if (auth)
		req.authorization = hdr = ch_xasprintf("Bearer %s", auth);
	if (body) {
		dump = json_dumps(body, JSON_COMPACT);
		req.body = dump;
		req.body_len = strlen(dump);
		req.content_type = "application/json";
	}
	ch_http_set_verbose(x->http, x->verbose);
	ret = ch_http_request(x->http, &req, &resp, &e);
	x->out.status = resp.status;
	x->out.last_sent = resp.sent_at;
	x->out.last_connects = resp.num_connects;
	x->out.rate_remaining = resp.rate_remaining;
	x->out.rate_reset = (double)resp.rate_reset;
	if (ret != 0) {
		x->out.last = resp.fail == CH_HTTP_FAIL_TOO_LARGE
				  ? CH_NETFAIL_BAD_RESPONSE
			  : resp.fail == CH_HTTP_FAIL_URL ? CH_NETFAIL_REFUSED
							  : CH_NETFAIL_RETRY;
		ch_error_set(err, SRC, 0, "%s%s",
			     x->out.last == CH_NETFAIL_RETRY ? "network error: " : "",
			     e.text);
		ret = -1;
		goto cleanup;
	}
	if (resp.status < 200 || resp.status > 299) {
		x->out.last = ch_xrpc_classify(resp.status, resp.body.data,
					   resp.body.len, x->error,
					   sizeof x->error, err);
		if (x->out.last == CH_NETFAIL_WAIT)
			x->out.wait_until = resp.rate_reset > 0
						? (double)resp.rate_reset
						: ch_clock_now() + 60;
		ret = -1;
		goto cleanup;
	}
	*out = resp.body.len ? ch_json_loadb_mended(resp.body.data, resp.body.len,
						    0, NULL, NULL)
			     : json_object();
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		x->out.last = CH_NETFAIL_BAD_RESPONSE;
		ch_error_set(err, SRC, 0, "%s: the answer is not a JSON object",
			     nsid);
		ret = -1;
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (hdr)
		ch_secret_free(&hdr);
	free(dump);
	free(url);
	ch_http_response_free(&resp);
	return ret;
}

/* Takes the tokens of a createSession / refreshSession answer. */
static int take_session(struct ch_xrpc *x, json_t *s, struct ch_error *err)
{
	const char *a = json_string_value(json_object_get(s, "accessJwt"));
	const char *r = json_string_value(json_object_get(s, "refreshJwt"));
	const char *did = json_string_value(json_object_get(s, "did"));
	const char *handle = json_string_value(json_object_get(s, "handle"));

	if (!a || !r || !did) {
		x->out.last = CH_NETFAIL_BAD_RESPONSE;
		ch_error_set(err, SRC, 0,
			     "the session answer lacks accessJwt, refreshJwt or did");
		return -1;
	}
	wipe_free(&x->access);
	wipe_free(&x->refresh);
	x->access = ch_xstrdup(a);
	x->refresh = ch_xstrdup(r);
	free(x->did);
	x->did = ch_xstrdup(did);
	free(x->handle);
	x->handle = ch_xstrdup(handle ? handle : did);
	x->access_exp = ch_xrpc_jwt_exp(a);
	return 0;
}

static int login(struct ch_xrpc *x, struct ch_error *err)
{
	json_t *body = json_pack("{s:s,s:s}", "identifier", x->identifier,
				 "password", x->password);
	json_t *out = NULL;
	int r;

	x->sessions++;
	r = request(x, "com.atproto.server.createSession", NULL, body, true,
		    NULL, &out, err);
	if (r == 0)
		r = take_session(x, out, err);
	else if (x->out.last == CH_NETFAIL_REFUSED && x->out.status == 401)
		x->out.last = CH_NETFAIL_CREDENTIALS;
	json_decref(out);
	json_decref(body);
	return r;
}

static int refresh(struct ch_xrpc *x, struct ch_error *err)
{
	json_t *out = NULL;
	struct ch_error e;
	int r;

	ch_error_clear(&e);
	x->refreshes++;
	r = request(x, "com.atproto.server.refreshSession", NULL, NULL, true,
		    x->refresh, &out, &e);
	if (r == 0)
		r = take_session(x, out, err);
	json_decref(out);
	if (r < 0 && x->out.last == CH_NETFAIL_CREDENTIALS) {
		/* the refresh token expired or was revoked: log in again */
		ch_log(CH_LOG_INFO, "Bluesky: %s; logging in again", e.text);
		return login(x, err);
	}
	if (r < 0)
		ch_error_set(err, e.source, e.line, "%s", e.text);
	return r;
}

int ch_xrpc_fresh(struct ch_xrpc *x, double margin, struct ch_error *err)
{
	if (!x->access || !x->refresh)
		return login(x, err);
	if (x->access_exp > 0 && ch_clock_now() + margin >= x->access_exp)
		return refresh(x, err);
	return 0;
}

int ch_xrpc_call(struct ch_xrpc *x, const char *nsid, const char *query,
		 json_t *body, json_t **out, struct ch_error *err)
{
	struct ch_error e;
	int r, tries;

	*out = NULL;
	for (tries = 0; tries < 2; tries++) {
		if (ch_xrpc_fresh(x, 30, err) < 0)
			return -1;
		ch_error_clear(&e);
		r = request(x, nsid, query, body, body != NULL, x->access, out,
			    &e);
		if (r == 0)
			return 0;
		if (strcmp(x->error, "ExpiredToken") != 0 || tries > 0)
			break;
		/* expired early (a clock apart from the server's): renew */
		ch_log(CH_LOG_INFO, "Bluesky: the access token expired; refreshing the session");
		x->access_exp = 1;
	}
	ch_error_set(err, e.source, e.line, "%s", e.text);
	return -1;
}

int ch_xrpc_warm(struct ch_xrpc *x, struct ch_error *err)
{
	struct ch_error e;
	char *url = ch_xasprintf("%s/xrpc/_health", x->service);
	int r;

	ch_error_clear(&e);
	ch_http_set_verbose(x->http, x->verbose);
	r = ch_http_warm(x->http, url, &x->out.last_connects, &e);
	free(url);
	if (r != 0) {
		x->out.last = CH_NETFAIL_RETRY;
		ch_error_set(err, SRC, 0, "cannot connect: %s", e.text);
	}
	return r;
}
