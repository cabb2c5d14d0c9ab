/* mastodon.c - Mastodon behind the network interface (net.h): statuses
 * posted with an Idempotency-Key chosen with the intent (a resend after a
 * crash carries the same key; since servers keep keys an hour at most, or
 * not at all, a post whose fate is unknown is looked up among the
 * account's own statuses first), the chat read as the hashtag's timeline
 * (followed by its Link header, never a guessed URL) plus the context of
 * the chat's first post, filtered here by tag and time. Status content is
 * HTML: the log keeps its plain text (html.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <strings.h>

#include "net/net.h"

#include "api.h"
#include "chtime.h"
#include "html.h"
#include "http.h"
#include "log.h"
#include "secrets.h"
#include "tweetlen.h"

#define SRC "Mastodon"
#define DEFAULT_MAX_CHARS 500
#define URL_WEIGHT 23
#define MAX_URLS 32
#define PAGE_LIMIT 40
/* A status read again this long before "since": the ids and times of
 * federated statuses follow their creation, and one may arrive after newer
 * ones were read (the log keeps one line per id) */
#define SINCE_SLACK_MS 120000LL

struct posted_url {
	char *id;   /* owned */
	char *url;  /* owned */
};

struct masto {
	struct ch_masto_api a;          /* owned */
	char visibility[16];
	char lang[8];
	struct posted_url urls[MAX_URLS]; /* the statuses made: id -> url */
	size_t n_urls;
	bool no_batch;                  /* GET /api/v1/statuses?id[] unknown
					   (before Mastodon 4.3, snac) */
};

static const char *const env[1] = {"MASTODON_ACCESS_TOKEN"};
static const char *const keys[1] = {"access_token"};

static const struct ch_secrets_spec spec = {
	.n = 1,
	.env = env,
	.keys = keys,
	.env_list = "MASTODON_ACCESS_TOKEN",
	.key_list = "access_token",
	.setting = "mastodon.credentials",
	.source = "Preferences > Development > New application (scopes read and write)",
};

/* The server's limit, read once by whoami from /api/v2/instance (shared by
 * the length rule, which has no network at hand: written by a network's
 * thread, read by any, hence atomic). */
static _Atomic long max_chars = DEFAULT_MAX_CHARS;

static struct masto *M(const struct ch_net *n)
{
	return n->impl;
}

/* Copies the API's last call into the neutral fields; returns r. */
static int sync_(struct ch_net *n, int r)
{
	return ch_net_sync(n, &M(n)->a.out, r);
}

static int m_check_credentials(const char *file, struct ch_error *err)
{
	return ch_secrets_check(&spec, file, err);
}

static int m_open(struct ch_net *n, const struct ch_net_conf *conf,
		  struct ch_error *err)
{
	struct masto *m;
	char *v[1];
	int r;

	if (ch_secrets_load(&spec, v, conf->credentials, err) < 0)
		return -1;
	m = ch_xcalloc(1, sizeof *m);
	r = ch_masto_api_init(&m->a, conf->base_url, v[0], err);
	ch_secret_free(&v[0]);
	if (r < 0) {
		free(m);
		return -1;
	}
	m->a.verbose = conf->verbose;
	snprintf(m->visibility, sizeof m->visibility, "%s",
		 conf->visibility ? conf->visibility : "public");
	snprintf(m->lang, sizeof m->lang, "%s",
		 conf->language ? conf->language : "en");
	n->impl = m;
	return 0;
}

static void m_close(struct ch_net *n)
{
	struct masto *m = M(n);
	size_t i;

	for (i = 0; i < m->n_urls; i++) {
		free(m->urls[i].id);
		free(m->urls[i].url);
	}
	ch_masto_api_free(&m->a);
	free(m);
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The server's status length limit, where it says (best effort). */
static void read_limit(struct ch_net *n)
{
	json_t *out = NULL;
	struct ch_error e;
	json_int_t v;

	ch_error_clear(&e);
	if (ch_masto_call(&M(n)->a, "GET", "/api/v2/instance", NULL, NULL,
			  &out, &e) == 0) {
		v = json_integer_value(json_object_get(
			json_object_get(json_object_get(out, "configuration"),
					"statuses"),
			"max_characters"));
		if (v >= 100 && v <= 100000)
			atomic_store(&max_chars, (long)v);
		if (str(out, "domain") && *str(out, "domain"))
			snprintf(n->home, sizeof n->home, "%s", str(out, "domain"));
	}
	json_decref(out);
}

/* The instance's domain from the account's address, until the instance
 * says it (read_limit): the domain of a handle written without one, with
 * its port where the address has one (snac on a port of its own writes
 * accounts as "bob@127.0.0.1:47461"). */
static void home_of_url(struct ch_net *n, const char *url)
{
	char *origin = url ? ch_url_origin(url) : NULL;
	const char *h = origin ? strstr(origin, "://") : NULL;

	if (h && !n->home[0]) {
		h += 3;
		snprintf(n->home, sizeof n->home, "%.*s", (int)strcspn(h, "/"), h);
	}
	free(origin);
}

static int m_whoami(struct ch_net *n, char *id, size_t id_n, char *user,
		    size_t user_n, struct ch_error *err)
{
	json_t *out = NULL;
	int r = ch_masto_call(&M(n)->a, "GET",
			      "/api/v1/accounts/verify_credentials", NULL,
			      NULL, &out, err);

	if (r == 0 && (!str(out, "id") || !str(out, "acct"))) {
		M(n)->a.out.last = CH_NETFAIL_BAD_RESPONSE;
		ch_error_set(err, SRC, 0,
			     "verify_credentials: no id or acct in the answer");
		r = -1;
	}
	if (r == 0) {
		snprintf(id, id_n, "%s", str(out, "id"));
		snprintf(user, user_n, "%s", str(out, "acct"));
		home_of_url(n, str(out, "url"));
	}
	json_decref(out);
	sync_(n, r);
	if (r == 0) {
		read_limit(n);
		sync_(n, 0);
	}
	return r;
}

static int m_warm(struct ch_net *n, struct ch_error *err)
{
	return sync_(n, ch_masto_warm(&M(n)->a, err));
}

static void url_remember(struct masto *m, const char *id, const char *url)
{
	if (!id || !url)
		return;
	if (m->n_urls == MAX_URLS) {
		free(m->urls[0].id);
		free(m->urls[0].url);
		memmove(m->urls, m->urls + 1, (MAX_URLS - 1) * sizeof *m->urls);
		m->n_urls--;
	}
	m->urls[m->n_urls].id = ch_xstrdup(id);
	m->urls[m->n_urls].url = ch_xstrdup(url);
	m->n_urls++;
}

/* The form of a status: text, visibility, language, reply, poll. */
static char *status_form(const struct masto *m, const struct ch_net_post *p)
{
	struct ch_buf f = {0};
	size_t i;

	ch_http_query_add(&f, "status", p->text);
	ch_http_query_add(&f, "visibility", m->visibility);
	ch_http_query_add(&f, "language", m->lang);
	if (p->reply_to)
		ch_http_query_add(&f, "in_reply_to_id", p->reply_to);
	if (p->poll) {
		char secs[24];

		for (i = 0; i < p->poll->n_options; i++)
			ch_http_query_add(&f, "poll[options][]",
					  p->poll->options[i]);
		snprintf(secs, sizeof secs, "%d",
			 p->poll->duration_minutes * 60);
		ch_http_query_add(&f, "poll[expires_in]", secs);
	}
	return ch_buf_steal(&f);
}

static int m_post(struct ch_net *n, const struct ch_net_post *p, char *id,
		  size_t id_n, struct ch_error *err)
{
	struct masto *m = M(n);
	json_t *out = NULL;
	char *form = status_form(m, p);
	int r;

	r = ch_masto_call(&m->a, "POST", "/api/v1/statuses", form,
			  p->key && *p->key ? p->key : NULL, &out, err);
	free(form);
	if (r == 0 && !str(out, "id")) {
		m->a.out.last = CH_NETFAIL_BAD_RESPONSE;
		ch_error_set(err, SRC, 0, "the status was answered without an id");
		r = -1;
	}
	if (r == 0 && p->poll && !json_is_object(json_object_get(out, "poll")))
		/* posted, but as a plain status: its results cannot be read,
		 * and the poll's tie rule decides */
		ch_log(CH_LOG_WARN,
		       "Mastodon: the instance posted the poll's text without its poll: it does not take polls through the API");
	if (r == 0) {
		snprintf(id, id_n, "%s", str(out, "id"));
		url_remember(m, str(out, "id"), str(out, "url"));
	}
	json_decref(out);
	return sync_(n, r);
}

/* ---- statuses as messages ------------------------------------------------ */

static bool same_text(const char *got, const char *text)
{
	/* Mastodon keeps the text; its HTML turns line breaks into <br> and
	 * paragraphs: compare with runs of white space as one space */
	while (*got && *text) {
		bool ws_g = *got == ' ' || *got == '\n' || *got == '\t';
		bool ws_t = *text == ' ' || *text == '\n' || *text == '\t';

		if (ws_g && ws_t) {
			while (*got == ' ' || *got == '\n' || *got == '\t')
				got++;
			while (*text == ' ' || *text == '\n' || *text == '\t')
				text++;
			continue;
		}
		if (*got != *text)
			return false;
		got++;
		text++;
	}
	while (*got == ' ' || *got == '\n')
		got++;
	while (*text == ' ' || *text == '\n')
		text++;
	return *got == '\0' && *text == '\0';
}

static bool m_same_text(const char *got, const char *text)
{
	return same_text(got, text);
}

static long long ms_of(const char *iso);

/* A status as a message (its text from its HTML). An edited status keeps
 * its id on Mastodon (and snac), its text changed and edited_at set: each
 * version is its own message, "ID~MS" (MS: edited_at in milliseconds, so
 * that a later version's id sorts after), an edit of ID, which it replaces
 * in the log's view (net.h, edit_of) as X's edits do. */
static int msg_of(json_t *st, struct ch_msg *msg)
{
	json_t *acct = json_object_get(st, "account"), *q;
	long long edited = ms_of(str(st, "edited_at"));

	memset(msg, 0, sizeof *msg);
	if (!str(st, "id") || !str(st, "created_at") || !json_is_object(acct) ||
	    !str(acct, "id"))
		return -1;
	if (edited > 0) {
		msg->id = ch_xasprintf("%s~%013lld", str(st, "id"), edited);
		msg->edit_of = ch_xstrdup(str(st, "id"));
	} else {
		msg->id = ch_xstrdup(str(st, "id"));
	}
	msg->url = ch_xstrdup(str(st, "url"));
	msg->created_at = ch_xstrdup(str(st, "created_at"));
	msg->author_id = ch_xstrdup(str(acct, "id"));
	msg->username = ch_xstrdup(str(acct, "acct") ? str(acct, "acct")
						     : str(acct, "username"));
	msg->name = ch_xstrdup(str(acct, "display_name"));
	msg->text = ch_masto_text_links(str(st, "content"), &msg->links);
	msg->in_reply_to_id = ch_xstrdup(str(st, "in_reply_to_id"));
	/* a quote (Mastodon 4.5: quote.quoted_status; some servers give the
	 * quoted status itself) */
	q = json_object_get(st, "quote");
	if (json_is_object(json_object_get(q, "quoted_status")))
		q = json_object_get(q, "quoted_status");
	msg->quote_of = ch_xstrdup(str(q, "id"));
	msg->is_repost = json_is_object(json_object_get(st, "reblog"));
	msg->direct = str(st, "visibility") &&
		      (strcmp(str(st, "visibility"), "direct") == 0 ||
		       strcmp(str(st, "visibility"), "private") == 0);
	return 0;
}

static long long ms_of(const char *iso)
{
	long long ms = 0;

	if (!iso || ch_parse_time_ms(iso, false, &ms) < 0)
		return -1;
	return ms;
}

/* "/api/v1/" HEAD SEGMENT TAIL with SEGMENT (an id, a tag) percent-encoded
 * as one path segment. Caller frees. */
static char *api_path(const char *head, const char *seg, const char *tail)
{
	struct ch_buf q = {0};
	char *path;

	ch_http_query_add(&q, "s", seg);
	path = ch_xasprintf("/api/v1/%s%s%s", head, ch_buf_str(&q) + 2, tail);
	ch_buf_free(&q);
	return path;
}

/* GET of a list of statuses (a page): *out the array. what names it in a
 * message. Returns 0, or -1 with err and n->last. */
static int get_list(struct ch_net *n, const char *path, const char *query,
		    const char *what, json_t **out, struct ch_error *err)
{
	int r = ch_masto_call(&M(n)->a, "GET", path, query, NULL, out, err);

	if (sync_(n, r) < 0)
		return -1;
	if (!json_is_array(*out)) {
		n->last = CH_NETFAIL_BAD_RESPONSE;
		ch_error_set(err, SRC, 0, "%s: not a list", what);
		return -1;
	}
	return 0;
}

static int m_find_mine(struct ch_net *n, const char *me_id,
		       const struct ch_net_post *p, double since, char *id,
		       size_t id_n, struct ch_error *err)
{
	struct ch_buf q = {0};
	json_t *out = NULL, *st;
	char *path = api_path("accounts/", me_id, "/statuses");
	size_t i;
	int r;

	ch_http_query_add(&q, "limit", "40");
	ch_http_query_add(&q, "exclude_reblogs", "true");
	r = get_list(n, path, ch_buf_str(&q), "the account's statuses", &out,
		     err);
	free(path);
	ch_buf_free(&q);
	if (r < 0)
		goto cleanup;
	r = 0;
	json_array_foreach(out, i, st) {
		long long at = ms_of(str(st, "created_at"));
		const char *reply = str(st, "in_reply_to_id");
		char *text;
		bool same;

		if (at < 0 || (double)at / 1000.0 < since - CH_NET_INTENT_SKEW)
			continue;
		if ((p->reply_to != NULL) != (reply != NULL) ||
		    (reply && strcmp(reply, p->reply_to) != 0))
			continue;
		text = ch_masto_text(str(st, "content"));
		same = same_text(text, p->text);
		free(text);
		if (same && str(st, "id")) {
			snprintf(id, id_n, "%s", str(st, "id"));
			url_remember(M(n), str(st, "id"), str(st, "url"));
			r = 1;
			break;
		}
	}
cleanup:
	json_decref(out);
	return r;
}

/* ---- reading the chat ---------------------------------------------------- */

/* The status's tags (Mastodon lists them) or its text carry the tag. */
static int tagged(json_t *st, const char *text, const char *tag)
{
	json_t *t;
	size_t i;

	json_array_foreach(json_object_get(st, "tags"), i, t)
		if (str(t, "name") && strcasecmp(str(t, "name"), tag) == 0)
			return 1;
	return text && ch_text_has_tag(text, tag);
}

struct rd {
	const struct ch_net_read *r;
	const char *tag;             /* the tag a timeline's statuses carry;
					NULL: take all (a thread, a feed) */
	const char *phrase;          /* a search's phrase (watch.words): the
					statuses that name it, only */
	long long start, end, since; /* ms; -1: none */
	long long oldest;            /* of the timeline page (ms) */
	long long newest;            /* of everything read (ms) */
};

/* The statuses of list into page, those of the chat's tag (or all, in
 * its thread), in the time range, not older than since (less the
 * slack). */
static void take(struct rd *d, json_t *list, int in_thread,
		 struct ch_msg_page *page)
{
	json_t *st;
	size_t i;

	json_array_foreach(list, i, st) {
		struct ch_msg m;
		long long at, touched;

		if (msg_of(st, &m) < 0)
			continue;
		at = ms_of(m.created_at);
		/* an edit is news when it was made, however old its post */
		touched = m.edit_of ? ms_of(str(st, "edited_at")) : at;
		if (!in_thread && (d->oldest < 0 || at < d->oldest))
			d->oldest = at;
		if (at > d->newest)
			d->newest = at;
		/* a direct or followers-only status is never a chat's (its
		 * log and recap are public): only a watch's private case */
		if (at < 0 || m.is_repost || !m.text ||
		    (m.direct && !ch_net_read_is_watch(d->r)) ||
		    (!in_thread && d->tag && !tagged(st, m.text, d->tag)) ||
		    (d->phrase && !ch_text_has_phrase(m.text, d->phrase)) ||
		    (d->start >= 0 && at < d->start) ||
		    (d->end >= 0 && at >= d->end) ||
		    (d->since >= 0 && touched < d->since - SINCE_SLACK_MS)) {
			ch_msg_clear(&m);
			continue;
		}
		ch_msg_page_add_once(page, &m);
	}
}

static int timeline_page(struct ch_net *n, struct rd *d,
			 struct ch_msg_page *page, struct ch_error *err)
{
	struct ch_masto_api *a = &M(n)->a;
	struct ch_buf q = {0};
	json_t *out = NULL;
	char *path = NULL, lim[16];
	int r;

	snprintf(lim, sizeof lim, "%d", PAGE_LIMIT);
	if (!d->r->cursor) {
		path = api_path("timelines/tag/", d->tag, "");
		ch_http_query_add(&q, "limit", lim);
	}
	/* a next page: the Link's URL as it is (api.c keeps it on the
	 * instance) */
	r = get_list(n, d->r->cursor ? d->r->cursor : path,
		     d->r->cursor ? NULL : ch_buf_str(&q), "the tag's timeline",
		     &out, err);
	free(path);
	ch_buf_free(&q);
	if (r < 0)
		goto cleanup;
	d->oldest = -1;
	take(d, out, 0, page);
	/* the next (older) page only while it can hold statuses wanted */
	if (a->next[0] && json_array_size(out) > 0 &&
	    !(d->since >= 0 && d->oldest >= 0 &&
	      d->oldest < d->since - SINCE_SLACK_MS) &&
	    !(d->start >= 0 && d->oldest >= 0 && d->oldest < d->start))
		page->next = ch_xstrdup(a->next);
cleanup:
	json_decref(out);
	return r;
}

/* GET /api/v1/statuses/:id/context's descendants into page; *out keeps
 * the answer (new reference) for the caller to look into. */
static int context_of(struct ch_net *n, struct rd *d, const char *id,
		      struct ch_msg_page *page, json_t **out,
		      struct ch_error *err)
{
	char *path = api_path("statuses/", id, "/context");
	int r;

	r = ch_masto_call(&M(n)->a, "GET", path, NULL, NULL, out, err);
	free(path);
	if (sync_(n, r) == 0)
		take(d, json_object_get(*out, "descendants"), 1, page);
	return r;
}

/* Whether one of list replies to id. */
static bool has_reply(json_t *list, const char *id)
{
	json_t *st;
	size_t i;

	json_array_foreach(list, i, st)
		if (str(st, "in_reply_to_id") &&
		    strcmp(str(st, "in_reply_to_id"), id) == 0)
			return true;
	return false;
}

/* The chat's thread: the context of its first post. Mastodon lists the
 * whole tree; a server that lists only the direct replies (snac) shows a
 * reply count on a question whose replies are missing: their context is
 * read too. */
static int context_read(struct ch_net *n, struct rd *d,
			struct ch_msg_page *page, struct ch_error *err)
{
	json_t *out = NULL, *desc, *st;
	size_t i;
	int r = context_of(n, d, d->r->root_id, page, &out, err);

	desc = json_object_get(out, "descendants");
	json_array_foreach(desc, i, st) {
		json_t *sub = NULL;

		if (r < 0)
			break;
		if (!str(st, "id") || !str(st, "in_reply_to_id") ||
		    strcmp(str(st, "in_reply_to_id"), d->r->root_id) != 0 ||
		    json_integer_value(json_object_get(st, "replies_count")) <= 0 ||
		    has_reply(desc, str(st, "id")))
			continue;
		r = context_of(n, d, str(st, "id"), page, &sub, err);
		json_decref(sub);
	}
	json_decref(out);
	return r;
}

static long long bound(const char *iso)
{
	return iso ? ms_of(iso) : -1;
}

/* Whether status st mentions one of the handles, each in its local or
 * full form (home: the instance's domain). */
static bool mentions_any(json_t *st, const char *const *h, size_t n,
			 const char *home)
{
	json_t *m;
	size_t i, k;

	json_array_foreach(json_object_get(st, "mentions"), i, m)
		for (k = 0; k < n; k++)
			if (ch_handle_same(str(m, "acct"), h[k], home) ||
			    (!*home && ch_handle_same(str(m, "username"), h[k], NULL)))
				return true;
	return false;
}

/* The mentions of the watched accounts: the bot's own notifications (an
 * instance tells an account only of its own mentions). */
static int mentions_read(struct ch_net *n, struct rd *d,
			 struct ch_msg_page *page, struct ch_error *err)
{
	struct ch_buf q = {0};
	json_t *out = NULL, *list = json_array(), *no;
	size_t i;
	int r;

	ch_http_query_add(&q, "types[]", "mention");
	ch_http_query_add(&q, "limit", "40");
	r = get_list(n, "/api/v1/notifications", ch_buf_str(&q),
		     "the notifications", &out, err);
	ch_buf_free(&q);
	json_array_foreach(out, i, no)
		if (json_is_object(json_object_get(no, "status")) &&
		    mentions_any(json_object_get(no, "status"), d->r->mentions,
				 d->r->n_mentions, n->home))
			json_array_append(list, json_object_get(no, "status"));
	if (r == 0) {
		d->tag = NULL;
		take(d, list, 1, page);
	}
	json_decref(list);
	json_decref(out);
	return r;
}

/* The statuses that name a phrase (watch.words): the instance's full-text
 * search (GET /api/v2/search, type statuses), where it has one; a search
 * is looser than a phrase, so only those naming it are kept. */
static int phrase_read(struct ch_net *n, struct rd *d, const char *phrase,
		       struct ch_msg_page *page, struct ch_error *err)
{
	struct ch_buf q = {0};
	json_t *out = NULL;
	char *quoted = ch_xasprintf("\"%s\"", phrase);
	int r;

	ch_http_query_add(&q, "q", quoted);
	ch_http_query_add(&q, "type", "statuses");
	ch_http_query_add(&q, "limit", "40");
	r = ch_masto_call(&M(n)->a, "GET", "/api/v2/search", ch_buf_str(&q),
			  NULL, &out, err);
	ch_buf_free(&q);
	free(quoted);
	if (sync_(n, r) == 0 && !json_is_array(json_object_get(out, "statuses"))) {
		n->last = CH_NETFAIL_BAD_RESPONSE;
		ch_error_set(err, SRC, 0, "search: no statuses in the answer");
		r = -1;
	}
	if (r == 0) {
		d->tag = NULL;
		d->phrase = phrase;
		take(d, json_object_get(out, "statuses"), 0, page);
		d->phrase = NULL;
	}
	json_decref(out);
	return r;
}

/* A staff member's own statuses (their replies answer cases). */
static int author_read(struct ch_net *n, struct rd *d, const char *handle,
		       struct ch_msg_page *page, struct ch_error *err)
{
	struct ch_buf q = {0};
	json_t *acct = NULL, *out = NULL;
	char *path = NULL, local[256];
	int r;

	/* a local account in its local form: what every server looks up */
	ch_http_query_add(&q, "acct",
			  ch_handle_local(handle, n->home, local, sizeof local));
	r = ch_masto_call(&M(n)->a, "GET", "/api/v1/accounts/lookup",
			  ch_buf_str(&q), NULL, &acct, err);
	ch_buf_free(&q);
	if (sync_(n, r) < 0 || !str(acct, "id")) {
		json_decref(acct);
		return r < 0 ? -1 : 0;
	}
	path = api_path("accounts/", str(acct, "id"), "/statuses");
	ch_http_query_add(&q, "limit", "40");
	r = get_list(n, path, ch_buf_str(&q), "a staff member's statuses", &out,
		     err);
	if (r == 0) {
		d->tag = NULL;
		take(d, out, 1, page);
	}
	ch_buf_free(&q);
	free(path);
	json_decref(out);
	json_decref(acct);
	return r;
}

/* The care watch's read: each hashtag's timeline, the mentions of the
 * watched accounts, each staff member's statuses; one page each. */
static int watch_read(struct ch_net *n, struct rd *d, struct ch_msg_page *page,
		      struct ch_error *err)
{
	size_t i;

	for (i = 0; i < d->r->n_tags; i++) {
		struct ch_msg_page one;
		int r;

		memset(&one, 0, sizeof one);
		d->tag = d->r->tags[i];
		r = timeline_page(n, d, &one, err);
		free(one.next);
		one.next = NULL;
		while (r == 0 && one.n > 0)
			ch_msg_page_add_once(page, &one.msgs[--one.n]);
		ch_msg_page_free(&one);
		if (r < 0)
			goto fail;
	}
	if (d->r->n_mentions && mentions_read(n, d, page, err) < 0)
		goto fail;
	for (i = 0; i < d->r->n_words; i++) {
		if (phrase_read(n, d, d->r->words[i], page, err) == 0)
			continue;
		if (n->last != CH_NETFAIL_REFUSED)
			goto fail;
		/* an instance that refuses searches: the mentions and tags
		 * are still watched */
		ch_log(CH_LOG_INFO, "watch: words \"%s\": %s", d->r->words[i],
		       err->text);
		ch_error_clear(err);
		n->last = CH_NETFAIL_NONE;
	}
	for (i = 0; i < d->r->n_authors; i++) {
		if (author_read(n, d, d->r->authors[i], page, err) == 0)
			continue;
		if (n->last != CH_NETFAIL_REFUSED)
			goto fail;
		/* a staff handle with no account: the others still count */
		ch_log(CH_LOG_INFO, "watch: staff %s: %s", d->r->authors[i],
		       err->text);
		ch_error_clear(err);
		n->last = CH_NETFAIL_NONE;
	}
	return 0;
fail:
	ch_msg_page_free(page);
	return -1;
}

/* Whether s is an instant (a cursor this network made), not a status id. */
static bool is_instant(const char *s)
{
	return strlen(s) >= 20 && s[4] == '-' && s[10] == 'T';
}

static int m_read(struct ch_net *n, const struct ch_net_read *r,
		  struct ch_msg_page *page, struct ch_error *err)
{
	struct rd d;
	char newest[40];

	memset(&d, 0, sizeof d);
	d.r = r;
	d.start = bound(r->start_time);
	d.end = bound(r->end_time);
	d.since = r->since && is_instant(r->since) ? bound(r->since) : -1;
	d.newest = d.since;
	if (ch_net_read_is_watch(r)) {
		if (watch_read(n, &d, page, err) < 0)
			return -1;
		goto done;
	}
	if (!r->tag || !*r->tag) {
		n->last = CH_NETFAIL_REFUSED;
		ch_error_set(err, SRC, 0, "no hashtag to read");
		return -1;
	}
	d.tag = r->tag;
	if (timeline_page(n, &d, page, err) < 0)
		return -1;
	/* the thread once per pagination, with its first page */
	if (r->root_id && !r->cursor && context_read(n, &d, page, err) < 0) {
		ch_msg_page_free(page);
		return -1;
	}
done:
	page->count = (long)page->n;
	if (d.newest > 0) {
		ch_format_time_ms(d.newest, newest, sizeof newest);
		page->newest = ch_xstrdup(newest);
	}
	return 0;
}

static char *m_describe(const struct ch_net_read *r)
{
	const char *tag = r->tag ? r->tag : "";

	if (ch_net_read_is_watch(r))
		return ch_net_describe_watch("mastodon", r);
	if (r->root_id)
		return ch_xasprintf("mastodon #%s + context of %s", tag,
				    r->root_id);
	return ch_xasprintf("mastodon #%s", tag);
}

/* Cursors are instants (ISO 8601, UTC, one format): they order as
 * strings; a status id orders with nothing. */
static int m_cursor_cmp(const char *a, const char *b)
{
	if (!is_instant(a) || !is_instant(b))
		return 0;
	return strcmp(a, b);
}

/* ---- polls --------------------------------------------------------------- */

static int m_poll_lookup(struct ch_net *n, const char *post_id,
			 struct ch_poll_result *res, struct ch_error *err)
{
	struct ch_masto_api *a = &M(n)->a;
	json_t *st = NULL, *poll = NULL, *opt;
	char *path;
	size_t i;
	int r;

	path = api_path("statuses/", post_id, "");
	r = ch_masto_call(a, "GET", path, NULL, NULL, &st, err);
	free(path);
	if (sync_(n, r) < 0)
		goto cleanup;
	if (!str(json_object_get(st, "poll"), "id")) {
		n->last = CH_NETFAIL_REFUSED;
		ch_error_set(err, SRC, 0,
			     "status %s has no poll (the instance does not take polls through the API)",
			     post_id);
		r = -1;
		goto cleanup;
	}
	path = api_path("polls/", str(json_object_get(st, "poll"), "id"), "");
	r = ch_masto_call(a, "GET", path, NULL, NULL, &poll, err);
	free(path);
	if (sync_(n, r) < 0)
		goto cleanup;
	if (!json_is_array(json_object_get(poll, "options"))) {
		n->last = CH_NETFAIL_BAD_RESPONSE;
		ch_error_set(err, SRC, 0, "poll of %s: no options", post_id);
		r = -1;
		goto cleanup;
	}
	res->poll_id = ch_xstrdup(str(poll, "id"));
	res->voting_status = ch_xstrdup(
		json_is_true(json_object_get(poll, "expired")) ? "closed"
							       : "open");
	res->end_datetime = ch_xstrdup(str(poll, "expires_at"));
	res->n_options = json_array_size(json_object_get(poll, "options"));
	res->options = ch_xcalloc(res->n_options ? res->n_options : 1,
				  sizeof *res->options);
	json_array_foreach(json_object_get(poll, "options"), i, opt) {
		res->options[i].position = (int)i + 1;
		res->options[i].label = ch_xstrdup(str(opt, "title"));
		res->options[i].votes = (long)json_integer_value(
			json_object_get(opt, "votes_count"));
	}
cleanup:
	json_decref(st);
	json_decref(poll);
	return r;
}

/* ---- the rest of the table ---------------------------------------------- */

static void m_set_timeouts(struct ch_net *n, long connect_ms, long total_ms)
{
	ch_http_set_timeouts(M(n)->a.http, connect_ms, total_ms);
}

/* An Idempotency-Key for a post, chosen with its intent: unique to the
 * post (time and randomness), kept in the state, sent again on a resend. */
static void m_new_key(char *key, size_t n, double now)
{
	snprintf(key, n, "chathost-%llx-%08x", (unsigned long long)(now * 1e6),
		 (unsigned)rand());
}

/* Where a URL starts at s[i]: "http://" or "https://" after a space or at
 * the start; its end (the next white space). */
static size_t url_end(const char *s, size_t i, size_t len)
{
	size_t j = i;

	if (i > 0 && s[i - 1] != ' ' && s[i - 1] != '\n' && s[i - 1] != '(')
		return 0;
	if (strncmp(s + i, "https://", 8) != 0 && strncmp(s + i, "http://", 7) != 0)
		return 0;
	while (j < len && s[j] != ' ' && s[j] != '\n' && s[j] != '\t')
		j++;
	return j;
}

/* A mention @user@domain at s[i]: where its domain part starts (the
 * second '@'), its end; 0 if there is none. */
static size_t mention_domain(const char *s, size_t i, size_t len,
			     size_t *end)
{
	size_t j = i + 1, at = 0;

	if (s[i] != '@' || (i > 0 && s[i - 1] != ' ' && s[i - 1] != '\n' &&
			    s[i - 1] != '('))
		return 0;
	while (j < len && (s[j] == '_' || s[j] == '.' || s[j] == '-' ||
			   s[j] == '@' || (s[j] >= '0' && s[j] <= '9') ||
			   (s[j] >= 'a' && s[j] <= 'z') ||
			   (s[j] >= 'A' && s[j] <= 'Z'))) {
		if (s[j] == '@') {
			if (at)
				return 0;
			at = j;
		}
		j++;
	}
	*end = j;
	return at > i + 1 && j > at + 1 ? at : 0;
}

/* Mastodon's rule: characters (grapheme clusters), each URL as 23, a
 * mention @user@domain as @user; the server's limit (500 by default). */
static long m_length(const char *text, size_t len, long *limit)
{
	long n = 0;
	size_t i = 0, from = 0, e, at;

	if (limit)
		*limit = atomic_load(&max_chars);
	while (i < len) {
		if ((e = url_end(text, i, len)) > i) {
			n += ch_graphemes(text + from, i - from) + URL_WEIGHT;
			i = from = e;
		} else if ((at = mention_domain(text, i, len, &e)) > 0) {
			n += ch_graphemes(text + from, at - from);
			i = from = e;
		} else {
			i++;
		}
	}
	return n + ch_graphemes(text + from, len - from);
}

static char *m_url_of(const struct ch_net *n, const char *id,
		      const char *username)
{
	const struct masto *m = M(n);
	size_t i;

	for (i = 0; m && i < m->n_urls; i++)
		if (strcmp(m->urls[i].id, id) == 0)
			return ch_xstrdup(m->urls[i].url);
	if (!m || !username || !*username)
		return NULL;
	return ch_xasprintf("%s/@%s/%s", m->a.base, username, id);
}

static char *m_post_detail(const char *text)
{
	(void)text;
	return ch_xasprintf("public, URLs count as %d", URL_WEIGHT);
}

/* The status id an id of ours stands for ("ID~MS", an edit: ID). */
static void status_id(const char *id, char *out, size_t n)
{
	snprintf(out, n, "%.*s", (int)strcspn(id, "~"), id);
}

/* Deleted statuses, one request for all: GET /api/v1/statuses?id[]=
 * (Mastodon 4.3) lists those that still exist. 1: the server has no such
 * list (404): ask one by one. */
static int gone_batch(struct ch_net *n, const char *const *ids, size_t n_ids,
		      bool *gone, struct ch_error *err)
{
	struct ch_buf q = {0};
	json_t *out = NULL, *st;
	char id[CH_NET_ID_MAX];
	size_t i, k;
	int r;

	for (i = 0; i < n_ids; i++) {
		status_id(ids[i], id, sizeof id);
		ch_http_query_add(&q, "id[]", id);
	}
	r = ch_masto_call(&M(n)->a, "GET", "/api/v1/statuses", ch_buf_str(&q),
			  NULL, &out, err);
	ch_buf_free(&q);
	if (r < 0 && M(n)->a.out.status == 404) {
		json_decref(out);
		M(n)->no_batch = true;
		ch_error_clear(err); /* an answer, not a failure */
		return 1;
	}
	if (sync_(n, r) == 0 && !json_is_array(out)) {
		ch_error_set(err, SRC, 0, "statuses: no list in the answer");
		n->last = CH_NETFAIL_BAD_RESPONSE;
		r = -1;
	}
	for (i = 0; r == 0 && i < n_ids; i++) {
		status_id(ids[i], id, sizeof id);
		gone[i] = true;
		json_array_foreach(out, k, st)
			if (str(st, "id") && strcmp(str(st, "id"), id) == 0)
				gone[i] = false;
	}
	json_decref(out);
	return r;
}

/* Deleted statuses: "404 Record not found" for a status deleted (or no
 * longer shown to the account); all at once where the server can. */
static int m_gone(struct ch_net *n, const char *const *ids, size_t n_ids,
		  bool *gone, struct ch_error *err)
{
	size_t i;
	int r = M(n)->no_batch ? 1 : gone_batch(n, ids, n_ids, gone, err);

	if (r <= 0)
		return r;
	for (i = 0; i < n_ids; i++) {
		char id[CH_NET_ID_MAX], *path;
		json_t *out = NULL;

		status_id(ids[i], id, sizeof id);
		path = api_path("statuses/", id, "");
		r = ch_masto_call(&M(n)->a, "GET", path, NULL, NULL, &out, err);
		free(path);
		json_decref(out);
		if (r < 0 && M(n)->a.out.status == 404) {
			gone[i] = true;
			ch_error_clear(err); /* the answer: deleted */
			continue;
		}
		if (sync_(n, r) < 0)
			return -1;
	}
	sync_(n, 0);
	return 0;
}

const struct ch_net_ops ch_net_mastodon = {
	.name = "mastodon",
	.title = "Mastodon",
	.env_names = "MASTODON_ACCESS_TOKEN",
	.env_probe = "MASTODON_ACCESS_TOKEN",
	.end_lag = 0.0,
	.check_credentials = m_check_credentials,
	.open = m_open,
	.close = m_close,
	.whoami = m_whoami,
	.warm = m_warm,
	.post = m_post,
	.find_mine = m_find_mine,
	.read = m_read,
	.describe = m_describe,
	.cursor_cmp = m_cursor_cmp,
	.same_text = m_same_text,
	.poll_lookup = m_poll_lookup,
	.set_timeouts = m_set_timeouts,
	.new_key = m_new_key,
	.length = m_length,
	.url_of = m_url_of,
	.post_detail = m_post_detail,
	.gone = m_gone,
};
