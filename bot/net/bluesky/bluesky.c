/* bluesky.c - Bluesky behind the network interface (net.h): posts as
 * app.bsky.feed.post records with a record key chosen with the intent (so
 * a post whose fate is unknown is looked up by its key, never made
 * twice), the chat read as searchPosts for the hashtag plus the thread of
 * the chat's first post, filtered here by tag, time and "since" (servers
 * differ in what they honour of those parameters). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/net.h"

#include "chtime.h"
#include "clock.h"
#include "http.h"
#include "log.h"
#include "richtext.h"
#include "secrets.h"
#include "xrpc.h"

#define POST_NSID "app.bsky.feed.post"
#define SRC "Bluesky"
#define THREAD_DEPTH 100
#define SINCE_SLACK_MS 2000 /* re-read this much before "since" */
#define MAX_CIDS 64

struct cid_ref {
	char *uri;  /* owned */
	char *cid;  /* owned */
};

struct bsky {
	struct ch_xrpc x;                  /* owned */
	struct cid_ref cids[MAX_CIDS];     /* the posts made: uri -> cid */
	size_t n_cids;
	unsigned clock_id;                 /* of the TIDs made here */
	char lang[8];                      /* the posts' langs[0] */
};

static const char *const env[2] = {"BSKY_IDENTIFIER", "BSKY_APP_PASSWORD"};
static const char *const keys[2] = {"identifier", "app_password"};

static const struct ch_secrets_spec spec = {
	.n = 2,
	.env = env,
	.keys = keys,
	.env_list = "BSKY_IDENTIFIER, BSKY_APP_PASSWORD",
	.key_list = "identifier, app_password",
	.setting = "bluesky.credentials",
	.source = "Settings > Privacy and security > App passwords",
};

static struct bsky *B(struct ch_net *n)
{
	return n->impl;
}

/* After every call: what the XRPC client saw, in the neutral terms. */
static int sync_(struct ch_net *n, int r)
{
	return ch_net_sync(n, &B(n)->x.out, r);
}

static int b_check_credentials(const char *file, struct ch_error *err)
{
	return ch_secrets_check(&spec, file, err);
}

static int b_open(struct ch_net *n, const struct ch_net_conf *conf,
		  struct ch_error *err)
{
	struct bsky *b;
	char *v[2];
	int r;

	if (ch_secrets_load(&spec, v, conf->credentials, err) < 0)
		return -1;
	b = ch_xcalloc(1, sizeof *b);
	r = ch_xrpc_init(&b->x, conf->base_url, v[0], v[1], err);
	ch_secret_free(&v[0]);
	ch_secret_free(&v[1]);
	if (r < 0) {
		free(b);
		return -1;
	}
	b->x.verbose = conf->verbose;
	b->clock_id = (unsigned)rand() & 1023u;
	snprintf(b->lang, sizeof b->lang, "%s",
		 conf->language ? conf->language : "en");
	n->impl = b;
	return 0;
}

static void b_close(struct ch_net *n)
{
	struct bsky *b = B(n);
	size_t i;

	for (i = 0; i < b->n_cids; i++) {
		free(b->cids[i].uri);
		free(b->cids[i].cid);
	}
	ch_xrpc_free(&b->x);
	free(b);
}

static int b_whoami(struct ch_net *n, char *id, size_t id_n, char *user,
		    size_t user_n, struct ch_error *err)
{
	struct ch_xrpc *x = &B(n)->x;
	int r = ch_xrpc_fresh(x, CH_XRPC_REFRESH_MARGIN, err);

	if (r == 0) {
		snprintf(id, id_n, "%s", x->did);
		snprintf(user, user_n, "%s", x->handle);
	}
	return sync_(n, r);
}

/* Ahead of a post: a session that outlasts it, and the connection open. */
static int b_warm(struct ch_net *n, struct ch_error *err)
{
	struct ch_xrpc *x = &B(n)->x;

	if (ch_xrpc_fresh(x, CH_XRPC_REFRESH_MARGIN, err) < 0)
		return sync_(n, -1);
	return sync_(n, ch_xrpc_warm(x, err));
}

static void cid_remember(struct bsky *b, const char *uri, const char *cid)
{
	struct cid_ref *c;

	if (!uri || !cid)
		return;
	if (b->n_cids == MAX_CIDS) {
		free(b->cids[0].uri);
		free(b->cids[0].cid);
		memmove(b->cids, b->cids + 1, (MAX_CIDS - 1) * sizeof *b->cids);
		b->n_cids--;
	}
	c = &b->cids[b->n_cids++];
	c->uri = ch_xstrdup(uri);
	c->cid = ch_xstrdup(cid);
}

/* at://DID/COLLECTION/RKEY -> its parts (pointers into a copy). */
static int uri_split(const char *uri, char *buf, size_t n, const char **did,
		     const char **coll, const char **rkey)
{
	char *a, *b;

	if (!uri || strncmp(uri, "at://", 5) != 0 ||
	    (size_t)snprintf(buf, n, "%s", uri + 5) >= n)
		return -1;
	a = strchr(buf, '/');
	b = a ? strchr(a + 1, '/') : NULL;
	if (!a || !b || strchr(b + 1, '/'))
		return -1;
	*a = *b = '\0';
	*did = buf;
	*coll = a + 1;
	*rkey = b + 1;
	return 0;
}

/* com.atproto.repo.getRecord of uri: 1 and *rec (new reference), 0 not
 * there, -1 failed. */
static int get_record(struct ch_net *n, const char *uri, json_t **rec,
		      struct ch_error *err)
{
	struct ch_xrpc *x = &B(n)->x;
	struct ch_buf q = {0};
	struct ch_error e;
	const char *did, *coll, *rkey;
	char buf[512];
	int r;

	*rec = NULL;
	if (uri_split(uri, buf, sizeof buf, &did, &coll, &rkey) < 0) {
		n->last = CH_NETFAIL_REFUSED;
		ch_error_set(err, SRC, 0, "\"%.80s\" is not an at:// record URI",
			     uri ? uri : "");
		return -1;
	}
	ch_xrpc_q(&q, "repo", did);
	ch_xrpc_q(&q, "collection", coll);
	ch_xrpc_q(&q, "rkey", rkey);
	ch_error_clear(&e);
	r = ch_xrpc_call(x, "com.atproto.repo.getRecord", ch_buf_str(&q),
			 NULL, rec, &e);
	ch_buf_free(&q);
	if (r < 0 && x->out.status == 400 && strcmp(x->error, "RecordNotFound") == 0) {
		sync_(n, 0);
		return 0;
	}
	if (r < 0)
		ch_error_set(err, e.source, e.line, "%s", e.text);
	return sync_(n, r) < 0 ? -1 : 1;
}

/* The cid of a post (made here, or looked up). NULL with err if not. */
static const char *cid_of(struct ch_net *n, const char *uri,
			  struct ch_error *err)
{
	struct bsky *b = B(n);
	json_t *rec = NULL;
	size_t i;
	int r;

	for (i = 0; i < b->n_cids; i++)
		if (strcmp(b->cids[i].uri, uri) == 0)
			return b->cids[i].cid;
	r = get_record(n, uri, &rec, err);
	if (r == 1)
		cid_remember(b, uri, json_string_value(json_object_get(rec, "cid")));
	json_decref(rec);
	if (r == 0) {
		n->last = CH_NETFAIL_REFUSED;
		ch_error_set(err, SRC, 0, "the post replied to (%s) is gone", uri);
	}
	for (i = 0; r == 1 && i < b->n_cids; i++)
		if (strcmp(b->cids[i].uri, uri) == 0)
			return b->cids[i].cid;
	if (r == 1) {
		n->last = CH_NETFAIL_BAD_RESPONSE;
		ch_error_set(err, SRC, 0, "getRecord of %s gave no cid", uri);
	}
	return NULL;
}

/* The record of a post: text, facets, createdAt, langs, reply. */
static json_t *post_record(struct ch_net *n, const struct ch_net_post *p,
			   struct ch_error *err)
{
	json_t *rec = json_object();
	char now[40];

	ch_format_time_ms((long long)llround(ch_clock_now() * 1000.0), now,
			  sizeof now);
	json_object_set_new(rec, "$type", json_string(POST_NSID));
	json_object_set_new(rec, "text", json_string(p->text));
	json_object_set_new(rec, "facets", ch_bsky_facets(p->text));
	json_object_set_new(rec, "createdAt", json_string(now));
	json_object_set_new(rec, "langs", json_pack("[s]", B(n)->lang));
	if (p->reply_to) {
		const char *root = p->root_id ? p->root_id : p->reply_to;
		const char *pcid = cid_of(n, p->reply_to, err);
		const char *rcid = pcid ? cid_of(n, root, err) : NULL;

		if (!pcid || !rcid) {
			json_decref(rec);
			return NULL;
		}
		json_object_set_new(rec, "reply",
				    json_pack("{s:{s:s,s:s},s:{s:s,s:s}}",
					      "root", "uri", root, "cid", rcid,
					      "parent", "uri", p->reply_to,
					      "cid", pcid));
	}
	return rec;
}

static int b_post(struct ch_net *n, const struct ch_net_post *p, char *id,
		  size_t id_n, struct ch_error *err)
{
	struct ch_xrpc *x = &B(n)->x;
	json_t *rec, *body, *out = NULL;
	const char *uri;
	int r = -1;

	if (ch_xrpc_fresh(x, 30, err) < 0)
		return sync_(n, -1);
	rec = post_record(n, p, err);
	if (!rec)
		return -1;
	body = json_pack("{s:s,s:s,s:o}", "repo", x->did, "collection",
			 POST_NSID, "record", rec);
	if (p->key && *p->key)
		json_object_set_new(body, "rkey", json_string(p->key));
	r = ch_xrpc_call(x, "com.atproto.repo.createRecord", NULL, body, &out,
			 err);
	sync_(n, r);
	/* the key is taken: by this post, made before (the reference PDS
	 * answers 500 then, a RETRY, which is looked up all the same) */
	if (r < 0 && x->out.status >= 400 && x->out.status < 500 && p->key &&
	    *p->key && (strcmp(x->error, "RecordAlreadyExists") == 0 ||
			strstr(err->text, "already exists"))) {
		n->last = CH_NETFAIL_MAYBE_SENT;
		goto cleanup;
	}
	if (r < 0)
		goto cleanup;
	uri = json_string_value(json_object_get(out, "uri"));
	if (!uri) {
		n->last = CH_NETFAIL_BAD_RESPONSE;
		ch_error_set(err, SRC, 0, "createRecord gave no uri");
		r = -1;
		goto cleanup;
	}
	cid_remember(B(n), uri, json_string_value(json_object_get(out, "cid")));
	snprintf(id, id_n, "%s", uri);
cleanup:
	json_decref(out);
	json_decref(body);
	return r;
}

static int b_find_mine(struct ch_net *n, const char *me_id,
		       const struct ch_net_post *p, double since, char *id,
		       size_t id_n, struct ch_error *err)
{
	json_t *rec = NULL;
	char *uri;
	int r;

	(void)since;
	if (!p->key || !*p->key) {
		n->last = CH_NETFAIL_REFUSED;
		ch_error_set(err, SRC, 0,
			     "the post has no record key: it cannot be looked up");
		return -1;
	}
	uri = ch_xasprintf("at://%s/%s/%s", me_id, POST_NSID, p->key);
	r = get_record(n, uri, &rec, err);
	if (r == 1) {
		const char *cid = json_string_value(json_object_get(rec, "cid"));

		cid_remember(B(n), uri, cid);
		snprintf(id, id_n, "%s", uri);
	}
	json_decref(rec);
	free(uri);
	return r;
}

/* ---- reading the chat ---------------------------------------------------- */

static char *dup_str(json_t *o, const char *key)
{
	return ch_xstrdup(json_string_value(json_object_get(o, key)));
}

/* The post a record quotes: its embed app.bsky.embed.record (record.uri),
 * or app.bsky.embed.recordWithMedia (record.record.uri); NULL if none. */
static char *quoted_uri(json_t *rec)
{
	json_t *e = json_object_get(json_object_get(rec, "embed"), "record");
	const char *uri = json_string_value(json_object_get(e, "uri"));

	if (!uri)
		uri = json_string_value(json_object_get(json_object_get(e, "record"), "uri"));
	return uri ? ch_xstrdup(uri) : NULL;
}

/* The links a post shares: its link facets' URIs (the whole address,
 * which the text may show shortened) and an external embed's. */
static void links_of(json_t *pv, json_t *rec, struct ch_msg *m)
{
	json_t *f, *x, *embed;
	size_t i, j;

	json_array_foreach(json_object_get(rec, "facets"), i, f)
		json_array_foreach(json_object_get(f, "features"), j, x) {
			const char *type = json_string_value(json_object_get(x, "$type"));

			if (type && strcmp(type, "app.bsky.richtext.facet#link") == 0)
				ch_links_add(&m->links, json_string_value(
						     json_object_get(x, "uri")));
		}
	embed = json_object_get(rec, "embed");
	if (!json_is_object(embed))
		embed = json_object_get(pv, "embed");
	x = json_object_get(embed, "external");
	if (json_is_object(x))
		ch_links_add(&m->links, json_string_value(json_object_get(x, "uri")));
}

/* A postView (searchPosts, a thread node's "post") as a message. */
static int msg_of(json_t *pv, struct ch_msg *m)
{
	json_t *author = json_object_get(pv, "author");
	json_t *rec = json_object_get(pv, "record");
	json_t *reply = json_object_get(rec, "reply");
	const char *uri = json_string_value(json_object_get(pv, "uri"));
	const char *handle = json_string_value(json_object_get(author, "handle"));
	const char *slash = uri ? strrchr(uri, '/') : NULL;

	memset(m, 0, sizeof *m);
	if (!uri || !json_is_object(rec) || !json_is_object(author))
		return -1;
	m->id = ch_xstrdup(uri);
	if (handle && slash)
		m->url = ch_xasprintf("https://bsky.app/profile/%s/post/%s",
				      handle, slash + 1);
	m->created_at = dup_str(rec, "createdAt");
	m->author_id = dup_str(author, "did");
	m->username = ch_xstrdup(handle);
	m->name = dup_str(author, "displayName");
	m->text = dup_str(rec, "text");
	m->in_reply_to_id = ch_xstrdup(json_string_value(
		json_object_get(json_object_get(reply, "parent"), "uri")));
	m->conversation_id = ch_xstrdup(json_string_value(
		json_object_get(json_object_get(reply, "root"), "uri")));
	if (!m->conversation_id)
		m->conversation_id = ch_xstrdup(uri);
	m->quote_of = quoted_uri(rec);
	links_of(pv, rec, m);
	return 0;
}

static long long ms_of(const char *iso)
{
	long long ms = 0;

	if (!iso || ch_parse_time_ms(iso, true, &ms) < 0)
		return -1;
	return ms;
}

struct rd {
	const struct ch_net_read *r;
	/* what a search page must carry: the tag (without '#'), or else a
	 * mention (a handle), or else a phrase (watch.words: searched as
	 * its words, which Bluesky's search finds in any order and the
	 * reference AppView as a substring; kept only when named as whole
	 * words); none: an author's feed, all of it */
	const char *tag, *mention, *phrase;
	long long start, end, since; /* ms; -1: none */
	long long oldest;            /* of the search page (ms) */
	long long newest;            /* of everything read (ms) */
};

/* Whether text mentions @handle (ASCII case aside, a whole handle). */
static bool mentions(const char *text, const char *handle)
{
	size_t n = strlen(handle);
	const char *p;

	for (p = strchr(text, '@'); p; p = strchr(p + 1, '@'))
		if (strncasecmp(p + 1, handle, n) == 0 &&
		    !(isalnum((unsigned char)p[n + 1]) || p[n + 1] == '.' ||
		      p[n + 1] == '-' || p[n + 1] == '_'))
			return true;
	return false;
}

/* Whether a post read belongs in the page: its tag (or the chat's
 * thread), the time range, newer than since. */
static int wanted(struct rd *d, const struct ch_msg *m, long long indexed,
		  int in_thread)
{
	long long created = ms_of(m->created_at);
	long long at = indexed > 0 ? indexed : created;

	if (created < 0 || !m->text)
		return 0;
	if (!in_thread && d->tag && !ch_text_has_tag(m->text, d->tag))
		return 0;
	if (!in_thread && d->phrase && !ch_text_has_phrase(m->text, d->phrase))
		return 0;
	if (!in_thread && !d->tag && d->mention && !mentions(m->text, d->mention))
		return 0;
	if (d->start >= 0 && created < d->start)
		return 0;
	if (d->end >= 0 && created >= d->end)
		return 0;
	if (d->since >= 0 && at < d->since - SINCE_SLACK_MS)
		return 0;
	return 1;
}

/* One searchPosts page for d's tag or mention (or, author set, one page
 * of that account's own feed) into page. */
static int search_page(struct ch_net *n, struct rd *d, struct ch_msg_page *page,
		       const char *author, struct ch_error *err)
{
	struct ch_xrpc *x = &B(n)->x;
	struct ch_buf q = {0};
	json_t *out = NULL, *posts, *pv, *item;
	const char *cursor;
	char *hash = d->tag ? ch_xasprintf("#%s", d->tag)
		     : d->phrase ? ch_xstrdup(d->phrase)
				 : ch_xasprintf("@%s", d->mention ? d->mention : "");
	char lim[16];
	size_t i;
	int r;

	snprintf(lim, sizeof lim, "%d", d->r->max > 0 && d->r->max <= 100
						 ? d->r->max : 100);
	if (author) {
		ch_xrpc_q(&q, "actor", author);
		ch_xrpc_q(&q, "filter", "posts_with_replies");
	} else {
		ch_xrpc_q(&q, "q", hash);
		ch_xrpc_q(&q, "sort", "latest");
		if (d->tag)
			ch_xrpc_q(&q, "tag", d->tag);
		else if (d->mention)
			ch_xrpc_q(&q, "mentions", d->mention);
	}
	ch_xrpc_q(&q, "limit", lim);
	if (d->r->cursor)
		ch_xrpc_q(&q, "cursor", d->r->cursor);
	r = ch_xrpc_call(x, author ? "app.bsky.feed.getAuthorFeed"
				   : "app.bsky.feed.searchPosts",
			 ch_buf_str(&q), NULL, &out, err);
	free(hash);
	ch_buf_free(&q);
	if (sync_(n, r) < 0)
		goto cleanup;
	posts = json_object_get(out, author ? "feed" : "posts");
	if (!json_is_array(posts)) {
		n->last = CH_NETFAIL_BAD_RESPONSE;
		ch_error_set(err, SRC, 0, "%s: no posts array",
			     author ? "getAuthorFeed" : "searchPosts");
		r = -1;
		goto cleanup;
	}
	d->oldest = -1;
	json_array_foreach(posts, i, item) {
		struct ch_msg m;
		long long at;

		/* a feed item wraps its post; a repost in a feed is no post
		 * of the account's */
		pv = author ? json_object_get(item, "post") : item;
		if (author && json_object_get(item, "reason"))
			continue;
		at = ms_of(json_string_value(json_object_get(pv, "indexedAt")));
		if (msg_of(pv, &m) < 0)
			continue;
		if (at < 0)
			at = ms_of(m.created_at);
		if (at >= 0 && (d->oldest < 0 || at < d->oldest))
			d->oldest = at;
		if (at > d->newest)
			d->newest = at;
		if (wanted(d, &m, at, 0))
			ch_msg_page_add_once(page, &m);
		else
			ch_msg_clear(&m);
	}
	cursor = json_string_value(json_object_get(out, "cursor"));
	/* the next page only while it can hold posts still wanted */
	if (cursor && json_array_size(posts) > 0 &&
	    !(d->since >= 0 && d->oldest >= 0 &&
	      d->oldest < d->since - SINCE_SLACK_MS) &&
	    !(d->start >= 0 && d->oldest >= 0 && d->oldest < d->start))
		page->next = ch_xstrdup(cursor);
cleanup:
	json_decref(out);
	return r;
}

/* A thread node and its replies, depth first, into page. */
static void walk_thread(struct rd *d, json_t *node, struct ch_msg_page *page,
			int depth)
{
	json_t *pv = json_object_get(node, "post"), *replies, *child;
	struct ch_msg m;
	size_t i;

	if (depth > THREAD_DEPTH + 1 || !json_is_object(pv))
		return;
	if (msg_of(pv, &m) == 0) {
		long long at = ms_of(json_string_value(json_object_get(pv, "indexedAt")));

		if (at > d->newest)
			d->newest = at;
		if (wanted(d, &m, at, 1))
			ch_msg_page_add_once(page, &m);
		else
			ch_msg_clear(&m);
	}
	replies = json_object_get(node, "replies");
	json_array_foreach(replies, i, child)
		walk_thread(d, child, page, depth + 1);
}

static int thread_read(struct ch_net *n, struct rd *d,
		       struct ch_msg_page *page, struct ch_error *err)
{
	struct ch_xrpc *x = &B(n)->x;
	struct ch_buf q = {0};
	json_t *out = NULL;
	char depth[16];
	int r;

	snprintf(depth, sizeof depth, "%d", THREAD_DEPTH);
	ch_xrpc_q(&q, "uri", d->r->root_id);
	ch_xrpc_q(&q, "depth", depth);
	ch_xrpc_q(&q, "parentHeight", "0");
	r = ch_xrpc_call(x, "app.bsky.feed.getPostThread", ch_buf_str(&q),
			 NULL, &out, err);
	ch_buf_free(&q);
	if (sync_(n, r) == 0)
		walk_thread(d, json_object_get(out, "thread"), page, 0);
	json_decref(out);
	return r;
}

/* Deleted posts: getPosts answers with the posts that still exist (a
 * deleted one, or one no longer shown, is left out). */
static int b_gone(struct ch_net *n, const char *const *ids, size_t n_ids,
		  bool *gone, struct ch_error *err)
{
	struct ch_xrpc *x = &B(n)->x;
	struct ch_buf q = {0};
	json_t *out = NULL, *p;
	size_t i, k;
	int r;

	for (i = 0; i < n_ids; i++)
		ch_xrpc_q(&q, "uris", ids[i]);
	r = ch_xrpc_call(x, "app.bsky.feed.getPosts", ch_buf_str(&q), NULL,
			 &out, err);
	ch_buf_free(&q);
	if (sync_(n, r) < 0)
		goto cleanup;
	if (!json_is_array(json_object_get(out, "posts"))) {
		ch_error_set(err, "Bluesky", 0, "getPosts: no posts in the answer");
		n->last = CH_NETFAIL_BAD_RESPONSE;
		r = -1;
		goto cleanup;
	}
	for (i = 0; i < n_ids; i++) {
		gone[i] = true;
		json_array_foreach(json_object_get(out, "posts"), k, p) {
			const char *uri = json_string_value(json_object_get(p, "uri"));

			if (uri && strcmp(uri, ids[i]) == 0)
				gone[i] = false;
		}
	}
cleanup:
	json_decref(out);
	return r;
}

/* The care watch's read: each hashtag and each mention searched, each
 * staff member's own feed read (their replies answer cases), one page
 * each, newest first: a watch reads often, and "since" keeps each read to
 * what is new. */
static int watch_read(struct ch_net *n, struct rd *d, struct ch_msg_page *page,
		      struct ch_error *err)
{
	struct ch_msg_page one;
	size_t i;

	size_t nt = d->r->n_tags, nm = d->r->n_mentions, nw = d->r->n_words;

	for (i = 0; i < nt + nm + nw + d->r->n_authors; i++) {
		const char *author = NULL;
		int r;

		d->tag = i < nt ? d->r->tags[i] : NULL;
		d->mention = i >= nt && i < nt + nm ? d->r->mentions[i - nt] : NULL;
		d->phrase = i >= nt + nm && i < nt + nm + nw
				    ? d->r->words[i - nt - nm] : NULL;
		if (i >= nt + nm + nw)
			author = d->r->authors[i - nt - nm - nw];
		memset(&one, 0, sizeof one);
		r = search_page(n, d, &one, author, err);
		free(one.next); /* one page per term and read */
		one.next = NULL;
		if (r < 0 && (author || d->phrase) && n->last == CH_NETFAIL_REFUSED) {
			/* a staff handle with no account, a phrase the search
			 * refuses: the others still count (check says so) */
			ch_log(CH_LOG_INFO, "watch: %s %s: %s", author ? "staff" : "words",
			       author ? author : d->phrase, err->text);
			ch_error_clear(err);
			n->last = CH_NETFAIL_NONE;
			r = 0;
		}
		if (r < 0) {
			ch_msg_page_free(&one);
			ch_msg_page_free(page);
			return -1;
		}
		while (one.n > 0)
			ch_msg_page_add_once(page, &one.msgs[--one.n]);
		ch_msg_page_free(&one);
	}
	return 0;
}

static long long bound(const char *iso)
{
	return iso ? ms_of(iso) : -1;
}

static int b_read(struct ch_net *n, const struct ch_net_read *r,
		  struct ch_msg_page *page, struct ch_error *err)
{
	struct rd d;
	char newest[40];

	memset(&d, 0, sizeof d);
	d.r = r;
	d.start = bound(r->start_time);
	d.end = bound(r->end_time);
	d.since = bound(r->since);
	d.newest = d.since;
	if (ch_net_read_is_watch(r)) {
		if (watch_read(n, &d, page, err) < 0)
			return -1;
		goto done;
	}
	if (!r->tag || !*r->tag) {
		n->last = CH_NETFAIL_REFUSED;
		ch_error_set(err, SRC, 0, "no hashtag to search for");
		return -1;
	}
	d.tag = r->tag;
	if (search_page(n, &d, page, NULL, err) < 0)
		return -1;
	/* the thread once per pagination, with its first page */
	if (r->root_id && !r->cursor && thread_read(n, &d, page, err) < 0) {
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

static char *b_describe(const struct ch_net_read *r)
{
	const char *tag = r->tag ? r->tag : "";

	if (ch_net_read_is_watch(r))
		return ch_net_describe_watch("bluesky", r);
	if (r->root_id)
		return ch_xasprintf("bluesky #%s + thread %s", tag, r->root_id);
	return ch_xasprintf("bluesky #%s", tag);
}

/* Cursors are instants (ISO 8601, UTC): they order as strings; a post id
 * (an at:// URI) orders with nothing. */
static int b_cursor_cmp(const char *a, const char *b)
{
	if (strncmp(a, "at://", 5) == 0 || strncmp(b, "at://", 5) == 0)
		return 0;
	return strcmp(a, b);
}

static bool b_same_text(const char *got, const char *text)
{
	return strcmp(got, text) == 0;
}

static void b_set_timeouts(struct ch_net *n, long connect_ms, long total_ms)
{
	ch_http_set_timeouts(B(n)->x.http, connect_ms, total_ms);
}

static void b_new_key(char *key, size_t n, double now)
{
	static unsigned clock_id;

	if (!clock_id)
		clock_id = 1 + ((unsigned)rand() % 1023u);
	ch_bsky_tid(now, clock_id, key, n);
}

static long b_length(const char *text, size_t len, long *limit)
{
	if (limit)
		*limit = CH_BSKY_MAX_GRAPHEMES;
	return ch_bsky_graphemes(text, len);
}

static char *b_url_of(const struct ch_net *n, const char *id,
			 const char *username)
{
	(void)n;
	const char *slash = id ? strrchr(id, '/') : NULL;

	if (!slash || !username || !*username)
		return NULL;
	return ch_xasprintf("https://bsky.app/profile/%s/post/%s", username,
			    slash + 1);
}

/* "facets: #ICMIchat [16,25), https://x.org/p [32,47)" (UTF-8 bytes). */
static char *b_post_detail(const char *text)
{
	json_t *f = ch_bsky_facets(text), *x;
	struct ch_buf b = {0};
	size_t i;

	json_array_foreach(f, i, x) {
		json_t *feat = json_array_get(json_object_get(x, "features"), 0);
		json_t *ix = json_object_get(x, "index");
		const char *tag = json_string_value(json_object_get(feat, "tag"));
		const char *uri = json_string_value(json_object_get(feat, "uri"));

		ch_buf_printf(&b, "%s%s%s [%lld,%lld)", i ? ", " : "facets: ",
			      tag ? "#" : "", tag ? tag : uri ? uri : "?",
			      (long long)json_integer_value(json_object_get(ix, "byteStart")),
			      (long long)json_integer_value(json_object_get(ix, "byteEnd")));
	}
	json_decref(f);
	if (!b.len)
		ch_buf_puts(&b, "no facets");
	return ch_buf_steal(&b);
}

const struct ch_net_ops ch_net_bluesky = {
	.name = "bluesky",
	.title = "Bluesky",
	.env_names = "BSKY_IDENTIFIER and BSKY_APP_PASSWORD",
	.env_probe = "BSKY_IDENTIFIER",
	.end_lag = 0.0,
	.check_credentials = b_check_credentials,
	.open = b_open,
	.close = b_close,
	.whoami = b_whoami,
	.warm = b_warm,
	.post = b_post,
	.find_mine = b_find_mine,
	.read = b_read,
	.describe = b_describe,
	.cursor_cmp = b_cursor_cmp,
	.same_text = b_same_text,
	.poll_lookup = NULL,
	.set_timeouts = b_set_timeouts,
	.new_key = b_new_key,
	.length = b_length,
	.max_bytes = CH_BSKY_MAX_BYTES,
	.url_of = b_url_of,
	.post_detail = b_post_detail,
	.gone = b_gone,
};
