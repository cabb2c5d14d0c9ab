/* x.c - X behind the network interface (net.h): the table of operations
 * over xapi.c, X's failure kinds mapped to the neutral classes, the chat's
 * read as X's search query. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/net.h"

#include "chtime.h"
#include "creds.h"
#include "log.h"
#include "tweetlen.h"
#include "xapi.h"

/* The posts read in one UTC day: X bills a post read once a day. */
struct dayset {
	char **ids;   /* owned open-addressing set of owned ids */
	size_t n, cap;
	long day;     /* the UTC day (epoch days) the set is for */
};

struct xnet {
	struct ch_creds creds; /* owned */
	struct ch_xapi x;      /* owned */
	struct dayset read;    /* owned */
	struct ch_net_usage usage; /* copied to the ch_net after each call
				      (which may move: no pointer to it) */
	bool dm_told;          /* a refused direct message read: said once */
};

static void dayset_clear(struct dayset *d)
{
	size_t i;

	for (i = 0; i < d->cap; i++)
		free(d->ids[i]);
	free(d->ids);
	memset(d, 0, sizeof *d);
}

static size_t dayset_slot(const struct dayset *d, const char *id)
{
	size_t h = 1469598103934665603ULL, i;

	for (i = 0; id[i]; i++)
		h = (h ^ (unsigned char)id[i]) * 1099511628211ULL;
	for (i = h & (d->cap - 1); d->ids[i] && strcmp(d->ids[i], id) != 0;
	     i = (i + 1) & (d->cap - 1))
		;
	return i;
}

/* Adds id; true if it was not read yet today (then it is billed). */
static bool dayset_add(struct dayset *d, const char *id, long day)
{
	size_t i;

	if (d->day != day)
		dayset_clear(d);
	d->day = day;
	if ((d->n + 1) * 2 > d->cap) {
		struct dayset bigger = { NULL, 0, d->cap ? d->cap * 2 : 256, day };

		bigger.ids = ch_xcalloc(bigger.cap, sizeof *bigger.ids);
		for (i = 0; i < d->cap; i++)
			if (d->ids[i]) {
				bigger.ids[dayset_slot(&bigger, d->ids[i])] =
					d->ids[i];
				bigger.n++;
			}
		free(d->ids);
		*d = bigger;
	}
	i = dayset_slot(d, id);
	if (d->ids[i])
		return false;
	d->ids[i] = ch_xstrdup(id);
	d->n++;
	return true;
}

/* A post read: counted, and billed once per UTC day. */
static void count_read(struct xnet *xn, const char *id)
{
	xn->usage.reads++;
	if (id && dayset_add(&xn->read, id, (long)(time(NULL) / 86400)))
		xn->usage.billed++;
}

static void count_page(void *ctx, const struct ch_msg_page *page)
{
	size_t i;

	for (i = 0; i < page->n; i++)
		count_read(ctx, page->msgs[i].id);
}

static struct ch_xapi *X(struct ch_net *n)
{
	return &((struct xnet *)n->impl)->x;
}

static enum ch_netfail neutral(enum ch_xfail f)
{
	switch (f) {
	case CH_XFAIL_NONE:
		return CH_NETFAIL_NONE;
	case CH_XFAIL_NETWORK:
	case CH_XFAIL_SERVER:
		return CH_NETFAIL_RETRY;
	case CH_XFAIL_RATELIMIT:
		return CH_NETFAIL_WAIT;
	case CH_XFAIL_DUPLICATE:
		return CH_NETFAIL_MAYBE_SENT;
	case CH_XFAIL_AUTH:
		return CH_NETFAIL_CREDENTIALS;
	case CH_XFAIL_CLIENT:
		return CH_NETFAIL_REFUSED;
	case CH_XFAIL_REPLY_REFUSED:
		return CH_NETFAIL_REPLY_REFUSED;
	case CH_XFAIL_USAGE_CAP:
	case CH_XFAIL_CREDITS:
		return CH_NETFAIL_EXHAUSTED;
	case CH_XFAIL_PARSE:
		return CH_NETFAIL_BAD_RESPONSE;
	}
	return CH_NETFAIL_BAD_RESPONSE;
}

/* After every call: what the X client saw, in the neutral terms. */
static int sync_(struct ch_net *n, int r)
{
	struct ch_xapi *x = X(n);

	n->last = r < 0 ? neutral(x->last) : CH_NETFAIL_NONE;
	n->last_status = x->last_status;
	n->wait_until = n->last == CH_NETFAIL_WAIT ||
				 x->last == CH_XFAIL_USAGE_CAP
			 ? (double)x->rate.reset : 0;
	n->rate_remaining = x->rate.remaining;
	n->rate_reset = (double)x->rate.reset;
	n->last_sent = x->last_sent;
	n->last_connects = x->last_connects;
	n->usage = ((struct xnet *)n->impl)->usage;
	return r;
}

static int x_check_credentials(const char *file, struct ch_error *err)
{
	struct ch_creds c = {0};
	int r = ch_creds_load(&c, file, err);

	ch_creds_free(&c);
	return r;
}

static int x_open(struct ch_net *n, const struct ch_net_conf *conf,
		  struct ch_error *err)
{
	struct xnet *xn = ch_xcalloc(1, sizeof *xn);

	if (ch_creds_load(&xn->creds, conf->credentials, err) < 0 ||
	    ch_xapi_init(&xn->x, conf->base_url, &xn->creds, err) < 0) {
		ch_creds_free(&xn->creds);
		free(xn);
		return -1;
	}
	xn->x.verbose = conf->verbose;
	xn->x.on_page = count_page;
	xn->x.on_page_ctx = xn;
	n->impl = xn;
	return 0;
}

static void x_close(struct ch_net *n)
{
	struct xnet *xn = n->impl;

	ch_xapi_free(&xn->x);
	ch_creds_free(&xn->creds);
	dayset_clear(&xn->read);
	free(xn);
}

static int x_whoami(struct ch_net *n, char *id, size_t id_n, char *user,
		    size_t user_n, struct ch_error *err)
{
	return sync_(n, ch_xapi_me(X(n), id, id_n, user, user_n, err));
}

static int x_warm(struct ch_net *n, struct ch_error *err)
{
	return sync_(n, ch_xapi_warm(X(n), err));
}

/* Whether X sees a URL in text (it bills such a post apart). */
static bool has_url(const char *text)
{
	struct ch_tweetlen r;

	ch_tweetlen(text, strlen(text), &r);
	return r.urls > 0;
}

static int x_post(struct ch_net *n, const struct ch_net_post *p, char *id,
		  size_t id_n, struct ch_error *err)
{
	struct ch_xapi_poll_req req;

	if (p->poll) {
		req.options = p->poll->options;
		req.n_options = p->poll->n_options;
		req.duration_minutes = p->poll->duration_minutes;
	}
	if (sync_(n, ch_xapi_post(X(n), p->text, p->reply_to,
				  p->poll ? &req : NULL, id, id_n, err)) < 0)
		return -1;
	((struct xnet *)n->impl)->usage.posts++;
	if (has_url(p->text))
		((struct xnet *)n->impl)->usage.posts_url++;
	n->usage = ((struct xnet *)n->impl)->usage;
	return 0;
}

static int x_find_mine(struct ch_net *n, const char *me_id,
		       const struct ch_net_post *p, double since, char *id,
		       size_t id_n, struct ch_error *err)
{
	return sync_(n, ch_xapi_find_mine(X(n), me_id, p->text, since, id,
					  id_n, err));
}

/* The care watch's query: "(#a OR @b OR from:c OR \"d e\") -is:retweet"
 * (X searches a quoted phrase as it is). */
static char *watch_query(const struct ch_net_read *r)
{
	struct ch_buf b = {0};
	size_t i, n = 0;

	ch_buf_puts(&b, "(");
	for (i = 0; i < r->n_tags; i++)
		ch_buf_printf(&b, "%s#%s", n++ ? " OR " : "", r->tags[i]);
	for (i = 0; i < r->n_mentions; i++)
		ch_buf_printf(&b, "%s@%s", n++ ? " OR " : "", r->mentions[i]);
	for (i = 0; i < r->n_authors; i++)
		ch_buf_printf(&b, "%sfrom:%s", n++ ? " OR " : "", r->authors[i]);
	for (i = 0; i < r->n_words; i++)
		ch_buf_printf(&b, "%s\"%s\"", n++ ? " OR " : "", r->words[i]);
	ch_buf_puts(&b, ") -is:retweet");
	return ch_buf_steal(&b);
}

/* "(#tag OR conversation_id:<root>) -is:retweet", or "#tag -is:retweet"
 * before the chat's first post is there. */
static char *x_describe(const struct ch_net_read *r)
{
	const char *tag = r->tag ? r->tag : "";

	if (ch_net_read_is_watch(r))
		return watch_query(r);

	if (tag[0] == '#')
		tag++;
	if (r->root_id)
		return ch_xasprintf("(#%s OR conversation_id:%s) -is:retweet",
				    tag, r->root_id);
	return ch_xasprintf("#%s -is:retweet", tag);
}

static char *x_url_of(const struct ch_net *n, const char *id,
			 const char *username)
{
	(void)n;
	return ch_xasprintf("https://x.com/%s/status/%s",
			    username && *username ? username : "i", id);
}

static int x_cursor_cmp(const char *a, const char *b);

/* A care watch's first page gets the account's direct messages too
 * (private cases), those the search's own bounds would take: newer than
 * since (DM event ids are snowflakes too), not before start_time. A
 * refusal (an app without the DM permission, a rate limit) is said once
 * and leaves the watch's other reads as they are. */
static void watch_dms(struct ch_net *n, const struct ch_net_read *r,
		      struct ch_msg_page *page)
{
	struct xnet *xn = n->impl;
	struct ch_msg_page dms;
	struct ch_error err;

	ch_error_clear(&err);
	if (ch_xapi_dm_events(X(n), &dms, &err) < 0) {
		if (!xn->dm_told)
			ch_log(CH_LOG_WARN, "watch: X direct messages not read: %s (give the app the Direct Messages permission)",
			       err.text);
		xn->dm_told = true;
		ch_msg_page_free(&dms);
		return;
	}
	while (dms.n > 0) {
		struct ch_msg *m = &dms.msgs[--dms.n];
		long long at = 0, from = 0;

		if ((r->since && x_cursor_cmp(m->id, r->since) <= 0) ||
		    (r->start_time && ch_parse_time_ms(m->created_at, false, &at) == 0 &&
		     ch_parse_time_ms(r->start_time, false, &from) == 0 && at < from))
			ch_msg_clear(m);
		else
			ch_msg_page_add_once(page, m);
	}
	ch_msg_page_free(&dms);
}

static int x_read(struct ch_net *n, const struct ch_net_read *r,
		  struct ch_msg_page *page, struct ch_error *err)
{
	struct ch_search_req req;
	char *query = x_describe(r);
	int ret;

	memset(&req, 0, sizeof req);
	req.query = query;
	req.since_id = r->since;
	req.start_time = r->start_time;
	req.end_time = r->end_time;
	req.next_token = r->cursor;
	req.max_results = r->max;
	ret = sync_(n, ch_xapi_search(X(n), &req, page, err));
	free(query);
	if (ret == 0 && !r->cursor && ch_net_read_is_watch(r))
		watch_dms(n, r, page);
	for (size_t i = 0; ret == 0 && i < page->n; i++)
		if (page->msgs[i].id && !page->msgs[i].url)
			page->msgs[i].url = x_url_of(n, page->msgs[i].id,
						     page->msgs[i].username);
	return ret;
}

/* X's ids are snowflakes: a longer id is newer, equal lengths compare as
 * strings. */
static int x_cursor_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

static int x_poll_lookup(struct ch_net *n, const char *post_id,
			 struct ch_poll_result *res, struct ch_error *err)
{
	if (sync_(n, ch_xapi_poll_lookup(X(n), post_id, res, err)) < 0)
		return -1;
	count_read(n->impl, post_id);
	n->usage = ((struct xnet *)n->impl)->usage;
	return 0;
}

static void x_set_timeouts(struct ch_net *n, long connect_ms, long total_ms)
{
	ch_xapi_set_timeouts(X(n), connect_ms, total_ms);
}

static long x_length(const char *text, size_t len, long *limit)
{
	struct ch_tweetlen r;

	ch_tweetlen(text, len, &r);
	if (limit)
		*limit = 280;
	return (long)r.weighted;
}


const struct ch_net_ops ch_net_x = {
	.name = "x",
	.title = "X",
	.env_names = "X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET",
	.env_probe = "X_API_KEY",
	.end_lag = 10.0,
	.billed = true,
	.check_credentials = x_check_credentials,
	.open = x_open,
	.close = x_close,
	.whoami = x_whoami,
	.warm = x_warm,
	.post = x_post,
	.find_mine = x_find_mine,
	.read = x_read,
	.describe = x_describe,
	.cursor_cmp = x_cursor_cmp,
	.same_text = ch_xapi_same_text,
	.poll_lookup = x_poll_lookup,
	.set_timeouts = x_set_timeouts,
	.new_key = NULL,
	.length = x_length,
	.url_of = x_url_of,
};
