/* api.c - Mastodon REST calls with a bearer token (api.h). */
#include "api.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "http.h"
#include "jsonmend.h"
#include "secrets.h"

#define SRC "Mastodon"

int ch_masto_api_init(struct ch_masto_api *a, const char *base,
		      const char *token, struct ch_error *err)
{
	struct ch_error uerr;
	size_t n;

	memset(a, 0, sizeof *a);
	a->out.rate_remaining = -1;
	ch_error_clear(&uerr);
	if (ch_http_check_url(base, &uerr) != 0) {
		ch_error_set(err, SRC, 0, "instance URL: %s", uerr.text);
		return -1;
	}
	a->base = ch_xstrdup(base);
	n = strlen(a->base);
	while (n > 0 && a->base[n - 1] == '/')
		a->base[--n] = '\0';
	a->token = ch_xstrdup(token);
	a->http = ch_http_new(err);
	if (!a->http) {
		ch_masto_api_free(a);
		return -1;
	}
	return 0;
}

void ch_masto_api_free(struct ch_masto_api *a)
{
	if (!a)
		return;
	ch_http_free(a->http);
	free(a->base);
	ch_secret_free(&a->token);
	memset(a, 0, sizeof *a);
}

/* Printable, short: a message as a server sent it. */
static void clean(char *dst, size_t n, const char *src)
{
	size_t i = 0;

	for (; src && *src && i + 1 < n; src++)
		dst[i++] = ((unsigned char)*src < 0x20 || *src == 0x7f) ? ' ' : *src;
	dst[i] = '\0';
}

enum ch_netfail ch_masto_classify(long status, const char *body, size_t len,
				  struct ch_error *err)
{
	json_t *root = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	char m[300] = "";
	enum ch_netfail kind;

	if (json_is_object(root))
		clean(m, sizeof m, json_string_value(json_object_get(root, "error")));
	if (status == 401) {
		kind = CH_NETFAIL_CREDENTIALS;
		ch_error_set(err, SRC, 0,
			     "401 %s: check the access token (MASTODON_ACCESS_TOKEN or the credentials file; it needs the read and write scopes)",
			     m[0] ? m : "Unauthorized");
	} else if (status == 403) {
		kind = CH_NETFAIL_CREDENTIALS;
		ch_error_set(err, SRC, 0, "403 %s", m[0] ? m : "Forbidden");
	} else if (status == 429) {
		kind = CH_NETFAIL_WAIT;
		ch_error_set(err, SRC, 0, "429 rate limited%s%s",
			     m[0] ? ": " : "", m);
	} else if (status >= 500 && status <= 599) {
		kind = CH_NETFAIL_RETRY;
		ch_error_set(err, SRC, 0, "%ld server error%s%s; retry later",
			     status, m[0] ? ": " : "", m);
	} else {
		kind = CH_NETFAIL_REFUSED;
		ch_error_set(err, SRC, 0, "%ld %s", status,
			     m[0] ? m : "refused");
	}
	json_decref(root);
	return kind;
}

void ch_masto_link_next(const char *link, const char *base, char *out,
			size_t n)
{
	const char *p = link;

	if (n)
		out[0] = '\0';
	while (p && (p = strchr(p, '<')) != NULL) {
		const char *end = strchr(p, '>');
		const char *sep, *rel;
		size_t ul, bl = strlen(base);

		if (!end)
			return;
		sep = strchr(end, ',');
		rel = strstr(end, "rel=\"next\"");
		if (rel && (!sep || rel < sep)) {
			ul = (size_t)(end - p - 1);
			/* only a page of the same instance */
			if (ul >= n || ul < bl || strncmp(p + 1, base, bl) != 0 ||
			    (p[1 + bl] != '/' && p[1 + bl] != '?'))
				return;
			memcpy(out, p + 1, ul);
			out[ul] = '\0';
			return;
		}
		p = end;
	}
}

/* The request's URL: an absolute URL on the instance as it is, or the
 * base, the path and the query. */
static char *url_of(const struct ch_masto_api *a, const char *path,
		    const char *query)
{
	if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0)
		return ch_xstrdup(path);
	if (query && *query)
		return ch_xasprintf("%s%s?%s", a->base, path, query);
	return ch_xasprintf("%s%s", a->base, path);
}

/* What the answer of a successful request holds: JSON (object or array). */
static int parse_answer(struct ch_masto_api *a, const char *path,
			const struct ch_http_response *resp, json_t **out,
			struct ch_error *err)
{
	*out = resp->body.len ? ch_json_loadb_mended(resp->body.data,
						     resp->body.len, 0, NULL, NULL)
			      : json_object();
	if (json_is_object(*out) || json_is_array(*out))
		return 0;
	json_decref(*out);
	*out = NULL;
	a->out.last = CH_NETFAIL_BAD_RESPONSE;
	ch_error_set(err, SRC, 0, "%.80s: the answer is not JSON", path);
	return -1;
}

int ch_masto_call(struct ch_masto_api *a, const char *method,
		  const char *path, const char *form, const char *idem_key,
		  json_t **out, struct ch_error *err)
{
	struct ch_http_request req = {0};
	struct ch_http_response resp = {0};
	struct ch_error e;
	bool post = strcmp(method, "GET") != 0;
	char *url, *hdr = NULL, *idem = NULL;
	int ret = -1;

	*out = NULL;
	a->out.last = CH_NETFAIL_NONE;
	a->out.wait_until = 0;
	a->next[0] = '\0';
	ch_error_clear(&e);
	url = url_of(a, path, post ? NULL : form);
	req.method = method;
	req.url = url;
	req.authorization = hdr = ch_xasprintf("Bearer %s", a->token);
	if (post) {
		req.body = form ? form : "";
		req.body_len = strlen(req.body);
		req.content_type = "application/x-www-form-urlencoded";
		/* a status libcurl resent on its own after a cut could be a
		 * second one where the server ignores Idempotency-Key: a cut
		 * is a failure, and the account's statuses are looked up */
		req.no_resend = 1;
	}
	if (idem_key)
		req.header = idem = ch_xasprintf("Idempotency-Key: %s", idem_key);
	ch_http_set_verbose(a->http, a->verbose);
	ret = ch_http_request(a->http, &req, &resp, &e);
	a->out.status = resp.status;
	a->out.last_sent = resp.sent_at;
	a->out.last_connects = resp.num_connects;
	a->out.rate_remaining = resp.rate_remaining;
	a->out.rate_reset = (double)resp.rate_reset;
	if (ret != 0) {
		a->out.last = resp.fail == CH_HTTP_FAIL_TOO_LARGE
				  ? CH_NETFAIL_BAD_RESPONSE
			  : resp.fail == CH_HTTP_FAIL_URL ? CH_NETFAIL_REFUSED
							  : CH_NETFAIL_RETRY;
		ch_error_set(err, SRC, 0, "%s%s",
			     a->out.last == CH_NETFAIL_RETRY ? "network error: " : "",
			     e.text);
		ret = -1;
		goto cleanup;
	}
	if (resp.status < 200 || resp.status > 299) {
		a->out.last = ch_masto_classify(resp.status, resp.body.data,
					    resp.body.len, err);
		if (a->out.last == CH_NETFAIL_WAIT)
			a->out.wait_until = resp.rate_reset > 0
						? (double)resp.rate_reset
						: ch_clock_now() + 60;
		ret = -1;
		goto cleanup;
	}
	ch_masto_link_next(resp.link, a->base, a->next, sizeof a->next);
	ret = parse_answer(a, path, &resp, out, err);
cleanup:
	ch_secret_free(&hdr);
	free(idem);
	free(url);
	ch_http_response_free(&resp);
	return ret;
}

int ch_masto_warm(struct ch_masto_api *a, struct ch_error *err)
{
	struct ch_error e;
	char *url = ch_xasprintf("%s/api/v1/instance", a->base);
	int r;

	ch_error_clear(&e);
	ch_http_set_verbose(a->http, a->verbose);
	r = ch_http_warm(a->http, url, &a->out.last_connects, &e);
	free(url);
	if (r != 0) {
		a->out.last = CH_NETFAIL_RETRY;
		ch_error_set(err, SRC, 0, "cannot connect: %s", e.text);
	}
	return r;
}
