/* net.c - the network interface: the registry of networks and the calls
 * the core makes, each a thin dispatch to the network's table (net.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/net.h"

#include <utf8proc.h>

#include "clock.h"
#include "log.h"

extern const struct ch_net_ops ch_net_x;       /* net/x/x.c */
extern const struct ch_net_ops ch_net_bluesky; /* net/bluesky/bluesky.c */
extern const struct ch_net_ops ch_net_mastodon; /* net/mastodon/mastodon.c */

static const struct ch_net_ops *const nets[] = {&ch_net_x, &ch_net_bluesky,
						 &ch_net_mastodon};

const struct ch_net_ops *ch_net_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof nets / sizeof nets[0]; i++)
		if (strcmp(nets[i]->name, name) == 0)
			return nets[i];
	return NULL;
}

const char *ch_net_names(void)
{
	return "x, bluesky, mastodon";
}

void ch_msg_clear(struct ch_msg *t)
{
	free(t->id);
	free(t->url);
	free(t->created_at);
	free(t->author_id);
	free(t->username);
	free(t->name);
	free(t->text);
	free(t->conversation_id);
	free(t->in_reply_to_id);
	free(t->quote_of);
	free(t->edit_of);
	free(t->links);
	memset(t, 0, sizeof *t);
}

void ch_msg_page_free(struct ch_msg_page *page)
{
	size_t i;

	if (!page)
		return;
	for (i = 0; i < page->n; i++)
		ch_msg_clear(&page->msgs[i]);
	free(page->msgs);
	free(page->newest);
	free(page->next);
	memset(page, 0, sizeof *page);
}

void ch_msg_page_add_once(struct ch_msg_page *page, struct ch_msg *m)
{
	size_t i;

	for (i = 0; i < page->n; i++)
		if (strcmp(page->msgs[i].id, m->id) == 0) {
			ch_msg_clear(m);
			return;
		}
	page->msgs = ch_xrealloc(page->msgs, (page->n + 1) * sizeof *page->msgs);
	page->msgs[page->n++] = *m;
}

bool ch_text_has_tag(const char *text, const char *tag)
{
	size_t k = strlen(tag);
	const char *p = text;

	while (p && (p = strchr(p, '#')) != NULL) {
		if (strncasecmp(p + 1, tag, k) == 0) {
			unsigned char c = (unsigned char)p[1 + k];

			if (!(c == '_' || (c >= '0' && c <= '9') ||
			      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      c >= 0x80))
				return true;
		}
		p++;
	}
	return false;
}

/* s folded for matching: NFKD, case folded, marks stripped, runs of
 * white space as one space (utf8proc); NULL if s is no valid UTF-8.
 * Caller frees. */
static char *fold(const char *s)
{
	utf8proc_uint8_t *out = NULL;
	char *p, *q;

	if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &out,
			 UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT |
			 UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD |
			 UTF8PROC_STRIPMARK) < 0)
		return NULL;
	for (p = q = (char *)out; *p; p++) {
		bool sp = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';

		if (sp && q > (char *)out && q[-1] == ' ')
			continue;
		*q++ = sp ? ' ' : *p;
	}
	*q = '\0';
	return (char *)out;
}

/* Whether the character at p (UTF-8) is part of a word: a letter, a
 * digit or '_'. */
static bool word_at(const char *p)
{
	utf8proc_int32_t cp;
	utf8proc_category_t cat;

	if (!*p || utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &cp) < 0)
		return false;
	cat = utf8proc_category(cp);
	return cp == '_' || (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
	       (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

/* The character before p in s (its first byte). */
static const char *before(const char *s, const char *p)
{
	do
		p--;
	while (p > s && ((unsigned char)*p & 0xc0) == 0x80);
	return p;
}

bool ch_text_has_phrase(const char *text, const char *phrase)
{
	char *t = text ? fold(text) : NULL, *w = phrase ? fold(phrase) : NULL;
	const char *p;
	size_t k;
	bool found = false;

	if (!t || !w || !*w)
		goto cleanup;
	k = strlen(w);
	/* a whole word: no letter or digit glued on either side (a phrase
	 * that starts or ends with punctuation needs no edge there) */
	for (p = strstr(t, w); p && !found; p = strstr(p + 1, w))
		found = (p == t || !word_at(w) || !word_at(before(t, p))) &&
			(!word_at(before(w, w + k)) || !word_at(p + k));
cleanup:
	free(t);
	free(w);
	return found;
}

void ch_msg_page_append(struct ch_msg_page *dst, struct ch_msg_page *src)
{
	if (src->n) {
		dst->msgs = ch_xrealloc(dst->msgs,
					(dst->n + src->n) * sizeof *dst->msgs);
		memcpy(dst->msgs + dst->n, src->msgs, src->n * sizeof *src->msgs);
		dst->n += src->n;
	}
	free(src->msgs);
	src->msgs = NULL;
	src->n = 0;
}

void ch_poll_result_free(struct ch_poll_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->n_options; i++)
		free(res->options[i].label);
	free(res->options);
	free(res->poll_id);
	free(res->voting_status);
	free(res->end_datetime);
	memset(res, 0, sizeof *res);
}

int ch_net_open(struct ch_net *n, const struct ch_net_ops *ops,
		const struct ch_net_conf *conf, struct ch_error *err)
{
	memset(n, 0, sizeof *n);
	n->ops = ops;
	n->rate_remaining = -1;
	if (ops->open(n, conf, err) < 0) {
		memset(n, 0, sizeof *n);
		return -1;
	}
	return 0;
}

int ch_net_open_named(struct ch_net *n, const char *name,
		      const struct ch_net_conf *more, struct ch_error *err)
{
	return ch_net_open_in(n, NULL, name, more, err);
}

int ch_net_open_in(struct ch_net *n,
		   const struct ch_net_ops *(*find)(const char *name),
		   const char *name, const struct ch_net_conf *more,
		   struct ch_error *err)
{
	const struct ch_net_ops *ops = find ? find(name) : ch_net_find(name);
	struct ch_net_conf conf = *more;

	if (!ops) {
		memset(n, 0, sizeof *n);
		ch_error_set(err, "networks", 0,
			     "unknown network \"%.40s\" (known: %s)",
			     name ? name : "", ch_net_names());
		return -1;
	}
	conf.verbose = ch_log_enabled(CH_LOG_DEBUG);
	return ch_net_open(n, ops, &conf, err);
}

void ch_net_close(struct ch_net *n)
{
	if (n && n->ops && n->impl)
		n->ops->close(n);
	if (n)
		n->impl = NULL;
}

/* Every call starts with no failure: n->last says what the call did. */
static void start(struct ch_net *n)
{
	n->last = CH_NETFAIL_NONE;
	n->wait_until = 0;
}

int ch_net_whoami_once(struct ch_net *n, char *id, size_t id_n, char *user,
		       size_t user_n, struct ch_error *err)
{
	start(n);
	return n->ops->whoami(n, id, id_n, user, user_n, err);
}

int ch_net_warm(struct ch_net *n, struct ch_error *err)
{
	start(n);
	return n->ops->warm(n, err);
}

int ch_net_post(struct ch_net *n, const struct ch_net_post *p, char *id,
		size_t id_n, struct ch_error *err)
{
	start(n);
	if (p->poll && !n->ops->poll_lookup) {
		n->last = CH_NETFAIL_REFUSED;
		ch_error_set(err, n->ops->title, 0, "%s has no polls",
			     n->ops->title);
		return -1;
	}
	return n->ops->post(n, p, id, id_n, err);
}

int ch_net_read(struct ch_net *n, const struct ch_net_read *r,
		struct ch_msg_page *page, struct ch_error *err)
{
	start(n);
	memset(page, 0, sizeof *page);
	return n->ops->read(n, r, page, err);
}

char *ch_net_describe(const struct ch_net *n, const struct ch_net_read *r)
{
	return n->ops->describe(r);
}

int ch_net_cursor_cmp(const struct ch_net *n, const char *a, const char *b)
{
	return n->ops->cursor_cmp(a, b);
}

bool ch_net_same_text(const struct ch_net *n, const char *got,
		      const char *text)
{
	return n->ops->same_text(got, text);
}

bool ch_net_tells_gone(const struct ch_net *n)
{
	return n->ops->gone != NULL;
}

int ch_net_gone(struct ch_net *n, const char *const *ids, size_t n_ids,
		bool *gone, struct ch_error *err)
{
	size_t i;

	start(n);
	for (i = 0; i < n_ids; i++)
		gone[i] = false;
	if (!n->ops->gone || n_ids == 0)
		return 0;
	if (n_ids > CH_NET_GONE_MAX) {
		n->last = CH_NETFAIL_REFUSED;
		ch_error_set(err, n->ops->title, 0, "at most %d posts a call",
			     CH_NET_GONE_MAX);
		return -1;
	}
	return n->ops->gone(n, ids, n_ids, gone, err);
}

int ch_net_poll_lookup(struct ch_net *n, const char *post_id,
		       struct ch_poll_result *res, struct ch_error *err)
{
	start(n);
	memset(res, 0, sizeof *res);
	if (!n->ops->poll_lookup) {
		n->last = CH_NETFAIL_REFUSED;
		ch_error_set(err, n->ops->title, 0, "%s has no polls",
			     n->ops->title);
		return -1;
	}
	return n->ops->poll_lookup(n, post_id, res, err);
}

void ch_net_set_timeouts(struct ch_net *n, long connect_ms, long total_ms)
{
	if (n->impl)
		n->ops->set_timeouts(n, connect_ms, total_ms);
}

void ch_net_new_key(const struct ch_net *n, char *key, size_t size)
{
	if (size)
		key[0] = '\0';
	if (n->ops->new_key)
		n->ops->new_key(key, size, ch_clock_now());
}

char *ch_net_url(const struct ch_net *n, const char *id, const char *username)
{
	return n->ops->url_of ? n->ops->url_of(n, id, username) : NULL;
}

int ch_net_find_mine(struct ch_net *n, const char *me_id,
		     const struct ch_net_post *p, double since, char *id,
		     size_t id_n, struct ch_error *err)
{
	start(n);
	if (!me_id) {
		n->last = CH_NETFAIL_REFUSED;
		ch_error_set(err, n->ops->title, 0,
			     "the account is not known: its posts cannot be looked up");
		return -1;
	}
	return n->ops->find_mine(n, me_id, p, since, id, id_n, err);
}

int ch_net_whoami(struct ch_net *n, double deadline,
		  int (*sleep_until)(double t), char *id, size_t id_n,
		  char *user, size_t user_n, struct ch_error *err)
{
	double backoff = 1;
	int refused = 0;

	for (;;) {
		double now;

		ch_error_clear(err);
		if (ch_net_whoami_once(n, id, id_n, user, user_n, err) == 0)
			return 0;
		ch_log(CH_LOG_ERROR, "%s", err->text);
		if (n->last == CH_NETFAIL_CREDENTIALS ||
		    n->last == CH_NETFAIL_REFUSED ||
		    n->last == CH_NETFAIL_EXHAUSTED) {
			/* credits used up: said, never asked in a loop */
			if (refused++ || n->last != CH_NETFAIL_CREDENTIALS)
				return -1;
		} else {
			refused = 0;
		}
		now = ch_clock_now();
		if (now >= deadline || !sleep_until)
			return -2;
		if (sleep_until(now + backoff < deadline ? now + backoff : deadline))
			return -3;
		if (backoff < 60)
			backoff *= 2;
	}
}

bool ch_net_read_is_watch(const struct ch_net_read *r)
{
	return !r->tag && (r->n_tags || r->n_mentions || r->n_authors ||
			   r->n_words);
}

char *ch_net_describe_watch(const char *name, const struct ch_net_read *r)
{
	struct ch_buf b = {0};
	size_t i;

	ch_buf_printf(&b, "%s watch", name);
	for (i = 0; i < r->n_tags; i++)
		ch_buf_printf(&b, " #%s", r->tags[i]);
	for (i = 0; i < r->n_mentions; i++)
		ch_buf_printf(&b, " @%s", r->mentions[i]);
	for (i = 0; i < r->n_authors; i++)
		ch_buf_printf(&b, " from:%s", r->authors[i]);
	for (i = 0; i < r->n_words; i++)
		ch_buf_printf(&b, " \"%s\"", r->words[i]);
	return ch_buf_steal(&b);
}

void ch_links_add(char **links, const char *url)
{
	size_t n = url ? strlen(url) : 0, have = *links ? strlen(*links) : 0;
	const char *p;
	char *joined;

	/* a bound per post keeps the work linear, whatever a post holds */
	if (n == 0 || n > 2000 || have + n + 1 > CH_LINKS_MAX_BYTES ||
	    !ch_url_is_web(url, n))
		return;
	for (p = *links; p && (p = strstr(p, url)) != NULL; p += n)
		if ((p == *links || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return;
	joined = *links ? ch_xasprintf("%s %s", *links, url) : ch_xstrdup(url);
	free(*links);
	*links = joined;
}

int ch_net_sync(struct ch_net *n, const struct ch_net_outcome *o, int r)
{
	n->last = r < 0 ? o->last : CH_NETFAIL_NONE;
	n->last_status = o->status;
	n->wait_until = n->last == CH_NETFAIL_WAIT ? o->wait_until : 0;
	n->rate_remaining = o->rate_remaining;
	n->rate_reset = o->rate_reset;
	n->last_sent = o->last_sent;
	n->last_connects = o->last_connects;
	return r;
}
