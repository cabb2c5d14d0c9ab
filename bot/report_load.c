/* report_load.c - loading the chats' logs into the report's model
 * (report_model.h), in parallel: each log's posts, the state files beside
 * it, the counts per question, per network and per author, the transcript.
 * The model across weeks and the command are report.c. */
#include "report_model.h"
#include "smap.h"
#include "state.h"
#include "net/net.h"
#include "chtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- loading one chat (runs in a worker thread) ------------------------- */

struct rec {
	int author;
	int question;
	long long ms;
	enum ch_attrib attrib;
	bool host_kind;
	bool dropped;    /* an earlier version of an edited post, or a post
			    its author deleted */
	const char *key; /* its id key (stable) */
};

struct load {
	struct ch_rp_chat *c;
	char *buf;              /* the file; map keys point into it */
	struct ch_smap ids;        /* post id -> record index */
	struct ch_smap authors;    /* author_id -> index in c->authors */
	struct ch_smap edits;      /* an edited post's first id -> the record
				   of its newest version */
	size_t cap_authors;
	const char **unames;    /* borrowed (buffer or arena): latest */
	const char **dnames;    /* username / name per author */
	struct rec *recs;
	size_t n_recs, cap_recs;
	char **targets;         /* owned: in_reply_to_id of host posts */
	long long *target_ms;   /* owned: when each of those was made */
	size_t n_targets;
	char **qtext;           /* owned: host Qn texts, [n-1] */
	long long *qposted;
	size_t n_q;
	char **reply_to;        /* detail chat: owned in_reply_to per tpost */
	size_t cap_tposts;
	/* a rehearsal: real ms -> chat ms = base + (ms - start) * speed */
	double r_start_ms, r_base_ms, r_speed;
};

#define TWEPOCH_MS 1288834974657LL /* X ids: (ms - this) << 22 | sequence */

/* X gives created_at in whole seconds, but a post id carries its own
 * creation time to the millisecond. A time of whole seconds whose id is
 * such an id of the same second gets the id's milliseconds: answers and
 * the question they answer (logged to the ms) keep their real order. */
static long long refine_ms(const char *id, long long ms)
{
	unsigned long long v = 0, sf;
	const char *p;

	if (ms < 0 || ms % 1000 != 0 || !id || !*id)
		return ms;
	for (p = id; *p; p++) {
		if (*p < '0' || *p > '9' || p - id >= 19)
			return ms;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	sf = (v >> 22) + (unsigned long long)TWEPOCH_MS;
	return sf / 1000 == (unsigned long long)ms / 1000 ? (long long)sf : ms;
}

/* created_ms on the chat's own timeline (the identity unless the log is a
 * rehearsal's). */
static long long chat_ms(const struct load *L, long long ms)
{
	if (L->r_speed <= 0)
		return ms;
	return llround(L->r_base_ms + ((double)ms - L->r_start_ms) * L->r_speed);
}

/* The state file beside a log: DATE.jsonl[.N] -> DATE.state.json[.N].
 * Returns a new string or NULL when path has no ".jsonl". */
char *ch_rp_state_path_of(const char *path)
{
	const char *p = NULL, *q = path;

	while ((q = strstr(q, ".jsonl")) != NULL)
		p = q++;
	if (!p)
		return NULL;
	return ch_xasprintf("%.*s.state.json%s", (int)(p - path), path, p + 6);
}

/* The posts a state records as not posted ("posts".KEY.skipped) or as
 * posted on their own ("standalone"), appended to c's lists; on (" on
 * mastodon") names a further network's state. */
static void load_posts_facts(struct ch_rp_chat *c, json_t *root,
			     const char *on)
{
	json_t *posts = root ? json_object_get(root, "posts") : NULL, *p;
	struct ch_buf b = {0}, a = {0};
	const char *key;

	if (c->not_posted)
		ch_buf_puts(&b, c->not_posted);
	if (c->alone)
		ch_buf_puts(&a, c->alone);
	json_object_foreach(posts, key, p) {
		const char *why = ch_json_str(p, "skipped");
		const char *alone = ch_json_str(p, "standalone");

		if (why && !ch_json_str(p, "id")) {
			ch_buf_printf(&b, "%s%s%s (%s)", c->n_not_posted ? ", " : "",
				      key, on, why);
			c->n_not_posted++;
		}
		if (alone && ch_json_str(p, "id")) {
			ch_buf_printf(&a, "%s%s%s (%s)", c->n_alone ? ", " : "",
				      key, on, alone);
			c->n_alone++;
		}
	}
	free(c->not_posted);
	free(c->alone);
	c->not_posted = c->n_not_posted ? ch_buf_steal(&b) : NULL;
	c->alone = c->n_alone ? ch_buf_steal(&a) : NULL;
	ch_buf_free(&b);
	ch_buf_free(&a);
}

/* A billed network's "cost" in a state. */
static void load_cost(struct ch_rp_chat *c, json_t *root)
{
	json_t *o = root ? json_object_get(root, "cost") : NULL;
	struct ch_rp_cost *k = &c->cost;

	if (!json_is_object(o) || k->known)
		return;
	k->known = true;
	snprintf(k->net, sizeof k->net, "%s",
		 ch_json_str(o, "net") ? ch_json_str(o, "net") : "x");
	k->posts = (long)ch_json_num(o, "posts", 0);
	k->posts_url = (long)ch_json_num(o, "posts_with_url", 0);
	k->reads = (long)ch_json_num(o, "reads", 0);
	k->billed = (long)ch_json_num(o, "reads_billed", 0);
	k->price_post = ch_json_num(o, "price_post", 0);
	k->price_post_url = ch_json_num(o, "price_post_with_url", 0);
	k->price_read = ch_json_num(o, "price_read", 0);
	k->dollars = ch_json_num(o, "dollars", 0);
}

/* The further networks' states beside the log (DATE.NET.state.json):
 * their posts not made, made on their own, and their cost. */
static void load_net_states(struct ch_rp_chat *c, const char *sp)
{
	const char *names = ch_net_names(), *p = names;

	/* (a rehearsal's archived DATE.state.json.N has none) */
	while (*p) {
		size_t n = strcspn(p, ", ");
		char *end = ch_xasprintf(".%.*s.state.json", (int)n, p);
		char *path = ch_path_swap_end(sp, ".state.json", end);
		char *on = ch_xasprintf(" on %.*s", (int)n, p);
		json_t *root = path ? json_load_file(path, 0, NULL) : NULL;

		if (json_is_object(root)) {
			load_posts_facts(c, root, on);
			load_cost(c, root);
		}
		json_decref(root);
		free(on);
		free(path);
		free(end);
		p += n;
		p += strspn(p, ", ");
	}
}

/* The content manager's decisions about the chat (control.h), from
 * DATE.control.json beside the state sp, as one line. */
static void load_decided(struct ch_rp_chat *c, const char *sp)
{
	char *path = ch_path_swap_end(sp, ".state.json", ".control.json");
	json_t *root, *ev;
	struct ch_buf b = {0};
	size_t i;

	if (!path)
		return;
	root = json_load_file(path, 0, NULL);
	json_array_foreach(json_object_get(root, "events"), i, ev) {
		const char *a = ch_json_str(ev, "action");

		if (!a)
			continue;
		ch_buf_printf(&b, "%s%s by %s at %s", i ? ", " : "",
			      strcmp(a, "pause") == 0 ? "paused"
			      : strcmp(a, "resume") == 0 ? "resumed"
			      : strcmp(a, "cancel") == 0 ? "cancelled" : a,
			      ch_json_str(ev, "by") ? ch_json_str(ev, "by") : "?",
			      ch_json_str(ev, "at") ? ch_json_str(ev, "at") : "?");
		if (ch_json_str(ev, "notice"))
			ch_buf_printf(&b, " (notice: \"%s\")", ch_json_str(ev, "notice"));
	}
	free(c->decided);
	c->decided = b.len ? ch_buf_steal(&b) : NULL;
	ch_buf_free(&b);
	json_decref(root);
	free(path);
}

/* What the state file beside the log tells (none of it is needed: no
 * state, an unreadable or an older one leaves things as they are):
 *  - "timezone": the chat's zone, for the times shown;
 *  - a rehearsal's log holds real times, compressed SPEED times: how to
 *    put them back on the chat's timeline ("rehearsal":{"start","speed",
 *    "base"}). */
static void load_state_facts(struct load *L)
{
	char *sp = ch_rp_state_path_of(L->c->path);
	json_t *root = NULL, *rh, *tz;
	double start, speed, base;

	if (!sp)
		goto cleanup;
	root = json_load_file(sp, 0, NULL);
	tz = root ? json_object_get(root, "timezone") : NULL;
	if (json_is_string(tz) && json_string_length(tz) > 0 &&
	    json_string_length(tz) < 100)
		L->c->timezone = ch_xstrdup(json_string_value(tz));
	load_posts_facts(L->c, root, "");
	load_cost(L->c, root);
	load_net_states(L->c, sp);
	load_decided(L->c, sp);
	if (json_is_string(json_object_get(root, "not_hosted")))
		L->c->not_hosted = ch_xstrdup(json_string_value(
			json_object_get(root, "not_hosted")));
	if (json_is_string(json_object_get(root, "title")))
		L->c->title = ch_xstrdup(json_string_value(json_object_get(root, "title")));
	if (json_is_string(json_object_get(root, "hashtag")))
		L->c->hashtag = ch_xstrdup(json_string_value(json_object_get(root, "hashtag")));
	rh = root ? json_object_get(root, "rehearsal") : NULL;
	if (!json_is_object(rh) ||
	    !json_is_number(json_object_get(rh, "start")) ||
	    !json_is_number(json_object_get(rh, "speed")) ||
	    !json_is_number(json_object_get(rh, "base")))
		goto cleanup;
	start = json_number_value(json_object_get(rh, "start"));
	speed = json_number_value(json_object_get(rh, "speed"));
	base = json_number_value(json_object_get(rh, "base"));
	if (!(speed > 0 && speed <= 1e6) || !(fabs(start) < 1e11) ||
	    !(fabs(base) < 1e11))
		goto cleanup;
	L->r_start_ms = start * 1000.0;
	L->r_base_ms = base * 1000.0;
	L->r_speed = speed;
	L->c->rehearsal = speed;
cleanup:
	json_decref(root);
	free(sp);
}

static void grow_q(struct load *L, int q)
{
	size_t i;

	if ((size_t)q <= L->n_q)
		return;
	L->qtext = ch_xrealloc(L->qtext, (size_t)q * sizeof *L->qtext);
	L->qposted = ch_xrealloc(L->qposted, (size_t)q * sizeof *L->qposted);
	for (i = L->n_q; i < (size_t)q; i++) {
		L->qtext[i] = NULL;
		L->qposted[i] = CH_RP_NONE;
	}
	L->n_q = (size_t)q;
}

/* Wrapper that keeps id keys alive: ids are kept in a per-chat arena when
 * they do not point into the file buffer (jansson fallback lines). */
struct idarena {
	char **items;
	size_t n, cap;
};

struct loadctx {
	struct load *L;
	struct idarena arena;
	size_t buf_len;
};

/* s itself if it lives in the file buffer, else a copy in the arena. */
static const char *stable(struct loadctx *lc, const char *s)
{
	if (!s || (s >= lc->L->buf && s < lc->L->buf + lc->buf_len))
		return s;
	if (lc->arena.n == lc->arena.cap) {
		lc->arena.cap = lc->arena.cap ? lc->arena.cap * 2 : 16;
		lc->arena.items = ch_xrealloc(lc->arena.items,
					      lc->arena.cap *
						      sizeof *lc->arena.items);
	}
	return lc->arena.items[lc->arena.n++] = ch_xstrdup(s);
}

/* Whether X id a is newer than b (snowflakes: longer, or larger). */
static bool id_newer(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la != lb ? la > lb : strcmp(a, b) > 0;
}

/* Edited posts count once, as their newest version: record ri (its id
 * key) is an edit of root (a key), or root itself (root NULL); the older
 * versions are dropped, whichever order the log holds them in. */
static void edit_seen(struct load *L, const char *root, int ri)
{
	const char *key = L->recs[ri].key;
	int j;

	if (!root) {
		/* a first version logged after one of its edits */
		if (L->edits.n && ch_smap_get(&L->edits, key) >= 0)
			L->recs[ri].dropped = true;
		return;
	}
	j = ch_smap_get(&L->edits, root);
	if (j < 0) {
		int a = ch_smap_get(&L->ids, root);

		if (a >= 0)
			L->recs[a].dropped = true;
		ch_smap_set(&L->edits, root, ri);
	} else if (id_newer(key, L->recs[j].key)) {
		L->recs[j].dropped = true;
		ch_smap_set(&L->edits, root, ri);
	} else {
		L->recs[ri].dropped = true;
	}
}

/* A post its author deleted (the network said so after the chat): left
 * out of the counts and the transcript, as every version of it is. */
static void deleted_seen(struct loadctx *lc, const struct ch_log_entry *e)
{
	struct load *L = lc->L;
	const char *net = e->net && *e->net ? e->net : "x";
	char *k = strcmp(net, "x") == 0 ? ch_xstrdup(e->id)
					 : ch_xasprintf("%s:%s", net, e->id);
	int ri = ch_smap_get(&L->ids, k);

	free(k);
	if (ri < 0 || L->recs[ri].dropped)
		return;
	L->recs[ri].dropped = true;
	L->c->deleted++;
}

static int load_cb(const struct ch_log_entry *e, void *ctx)
{
	struct loadctx *lc = ctx;
	struct load *L = lc->L;
	struct ch_rp_chat *c = L->c;
	struct ch_rp_author *a;
	struct ch_rp_post *p;
	const char *key = e->id, *net, *who;
	struct ch_rp_net *cn;
	struct rec *r;
	long long ms;
	int ai, ri;

	if (e->kind == CH_KIND_EVENT) {
		if (e->event && e->id && strcmp(e->event, "deleted") == 0)
			deleted_seen(lc, e);
		return 0;
	}
	net = e->net && *e->net ? e->net : "x";
	if (strcmp(net, "x") == 0) {
		key = stable(lc, e->id);
		who = e->author_id;
	} else {
		/* ids and accounts are unique within their network */
		char *k = ch_xasprintf("%s:%s", net, e->id);

		key = stable(lc, k);
		free(k);
		k = ch_xasprintf("%s:%s", net, e->author_id);
		who = stable(lc, k);
		free(k);
	}
	ri = (int)L->n_recs;
	if (ch_smap_put(&L->ids, key, ri) != ri) {
		c->duplicates++;
		return 0;
	}
	if (L->n_recs == L->cap_recs) {
		L->cap_recs = L->cap_recs ? L->cap_recs * 2 : 4096;
		L->recs = ch_xrealloc(L->recs, L->cap_recs * sizeof *L->recs);
	}
	cn = ch_rp_net_of(c, net);
	if (cn && e->kind == CH_KIND_HOST)
		cn->host_posts++;
	ai = ch_smap_get(&L->authors, who);
	if (ai < 0) {
		if (c->n_authors == L->cap_authors) {
			L->cap_authors = L->cap_authors ? L->cap_authors * 2
							: 256;
			c->authors = ch_xrealloc(c->authors,
						 L->cap_authors *
							 sizeof *c->authors);
			L->unames = ch_xrealloc(L->unames, L->cap_authors *
							       sizeof *L->unames);
			L->dnames = ch_xrealloc(L->dnames, L->cap_authors *
							       sizeof *L->dnames);
		}
		ai = (int)c->n_authors++;
		L->unames[ai] = L->dnames[ai] = NULL;
		a = &c->authors[ai];
		memset(a, 0, sizeof *a);
		a->author_id = ch_xstrdup(e->author_id);
		a->net = ch_xstrdup(net);
		a->key = ch_xstrdup(who);
		a->first_ms = CH_RP_NONE;
		a->welcomed_ms = CH_RP_NONE;
		ch_smap_put(&L->authors, a->key, ai);
	}
	if (e->username)
		L->unames[ai] = stable(lc, e->username);
	if (e->name)
		L->dnames[ai] = stable(lc, e->name);

	ms = chat_ms(L, refine_ms(e->id, e->created_ms));
	r = &L->recs[L->n_recs++];
	r->author = ai;
	r->question = e->question;
	r->ms = ms;
	r->attrib = e->attributed_by;
	r->host_kind = e->kind == CH_KIND_HOST;
	r->dropped = false;
	r->key = key;
	if (e->edit_of && *e->edit_of) {
		char *k = strcmp(net, "x") == 0
				  ? ch_xstrdup(e->edit_of)
				  : ch_xasprintf("%s:%s", net, e->edit_of);

		edit_seen(L, stable(lc, k), ri);
		free(k);
	} else {
		edit_seen(L, NULL, ri);
	}
	if (e->kind == CH_KIND_HOST) {
		if (e->question > 0) {
			grow_q(L, e->question);
			if (L->qposted[e->question - 1] == CH_RP_NONE ||
			    ms < L->qposted[e->question - 1]) {
				L->qposted[e->question - 1] = ms;
				free(L->qtext[e->question - 1]);
				L->qtext[e->question - 1] =
					ch_xstrdup(e->text);
			}
		}
		if (e->in_reply_to_id) {
			L->target_ms = ch_xrealloc(L->target_ms,
						   (L->n_targets + 1) *
							   sizeof *L->target_ms);
			L->target_ms[L->n_targets] = ms;
			L->targets = ch_xrealloc(L->targets,
						 (L->n_targets + 1) *
							 sizeof *L->targets);
			L->targets[L->n_targets++] =
				ch_xstrdup(e->in_reply_to_id);
		}
	}
	if (c->detail) {
		if (c->n_tposts == L->cap_tposts) {
			L->cap_tposts = L->cap_tposts ? L->cap_tposts * 2 : 256;
			c->tposts = ch_xrealloc(c->tposts, L->cap_tposts *
							      sizeof *c->tposts);
			L->reply_to = ch_xrealloc(L->reply_to,
						  L->cap_tposts *
							  sizeof *L->reply_to);
		}
		L->reply_to[c->n_tposts] = ch_xstrdup(e->in_reply_to_id);
		p = &c->tposts[c->n_tposts++];
		memset(p, 0, sizeof *p);
		p->id = ch_xstrdup(e->id);
		if (L->r_speed > 0) {
			char t[40];

			ch_rp_fmt_iso_ms(ms, t, sizeof t);
			p->created_at = ch_xstrdup(t);
		} else {
			p->created_at = ch_xstrdup(e->created_at);
		}
		p->author_id = ch_xstrdup(e->author_id);
		p->net = ch_xstrdup(net);
		p->username = ch_xstrdup(e->username);
		p->name = ch_xstrdup(e->name);
		p->text = ch_xstrdup(e->text);
		p->links = ch_xstrdup(e->links);
		p->ms = ms;
		p->kind = e->kind;
		p->attributed_by = e->attributed_by;
		p->question = e->question;
	}
	return 0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int cmp_author(const void *a, const void *b)
{
	const struct ch_rp_author *x = a, *y = b;
	int c;

	if (x->posts != y->posts)
		return y->posts - x->posts;
	c = strcmp(ch_rp_username(x), ch_rp_username(y));
	return c ? c : strcmp(x->author_id, y->author_id);
}

static int cmp_tpost(const void *a, const void *b)
{
	const struct ch_rp_post *x = a, *y = b;

	if (x->ms != y->ms)
		return (x->ms > y->ms) - (x->ms < y->ms);
	return strcmp(x->id, y->id);
}

static void free_author(struct ch_rp_author *a)
{
	free(a->author_id);
	free(a->net);
	free(a->key);
	free(a->username);
	free(a->name);
}

/* Turns the records into the chat's figures. */
/* The busiest minute of the participants' posts (mins: their minutes,
 * sorted here). */
static void busiest_minute(struct ch_rp_chat *c, long long *mins, size_t nm)
{
	size_t i, j;

	if (nm > 1)
		qsort(mins, nm, sizeof *mins, cmp_ll);
	c->busiest_ms = CH_RP_NONE;
	for (i = 0; i < nm; i = j) {
		for (j = i; j < nm && mins[j] == mins[i]; j++)
			;
		if ((int)(j - i) > c->busiest_posts) {
			c->busiest_posts = (int)(j - i);
			c->busiest_ms = mins[i] * 60000;
		}
	}
}

/* Posts per minute from the chat's start to its last post (or past its
 * last question). */
static void per_minute(struct load *L, const long long *mins, size_t nm,
		       long long last_ms)
{
	struct ch_rp_chat *c = L->c;
	long long m0;
	size_t i, n;

	if (c->start_ms == CH_RP_NONE || !nm)
		return;
	m0 = c->start_ms >= 0 ? c->start_ms / 60000
			      : (c->start_ms - 59999) / 60000;
	n = last_ms / 60000 >= m0 ? (size_t)(last_ms / 60000 - m0) + 1 : 1;
	if (n > CH_RP_MAX_MINUTES)
		n = CH_RP_MAX_MINUTES;
	for (i = 0; i < L->n_q; i++)
		if (L->qposted[i] != CH_RP_NONE &&
		    L->qposted[i] / 60000 - m0 + 2 > (long long)n &&
		    L->qposted[i] / 60000 - m0 + 2 <= CH_RP_MAX_MINUTES)
			n = (size_t)(L->qposted[i] / 60000 - m0 + 2);
	c->n_minutes = n;
	c->per_minute = ch_xcalloc(n, sizeof *c->per_minute);
	for (i = 0; i < nm; i++)
		if (mins[i] >= m0 && mins[i] - m0 < (long long)n)
			c->per_minute[mins[i] - m0]++;
}

/* Host posts counted, the chat's start, and the questions (as many as
 * the highest one answered or posted). */
static void count_host_and_questions(struct load *L, const bool *is_host)
{
	struct ch_rp_chat *c = L->c;
	size_t i, maxq = L->n_q;

	c->start_ms = CH_RP_NONE;
	for (i = 0; i < L->n_recs; i++) {
		struct rec *r = &L->recs[i];

		if (is_host[r->author]) {
			c->host_posts++;
			if (c->start_ms == CH_RP_NONE || r->ms < c->start_ms)
				c->start_ms = r->ms;
			continue;
		}
		if (r->question > 0 && (size_t)r->question > maxq)
			maxq = (size_t)r->question;
	}
	c->n_questions = maxq;
	c->questions = ch_xcalloc(maxq ? maxq : 1, sizeof *c->questions);
	for (i = 0; i < maxq; i++) {
		struct ch_rp_question *q = &c->questions[i];

		q->number = (int)i + 1;
		q->posted_ms = i < L->n_q ? L->qposted[i] : CH_RP_NONE;
		q->text = i < L->n_q ? L->qtext[i] : NULL;
		if (i < L->n_q)
			L->qtext[i] = NULL;
		q->first_ms = CH_RP_NONE;
	}
}

/* How much earlier than its question an answer may seem (ms on the chat's
 * timeline): some servers give whole seconds (X, snac), and a rehearsal's
 * second is speed seconds of the chat. */
static long long before_slack(const struct load *L)
{
	return llround(999.0 * (L->r_speed > 1 ? L->r_speed : 1));
}

/* Each participant post into the counts (per author, per question);
 * mins gets its minute. Returns how many; *first and *last the earliest
 * and latest. */
static size_t count_posts(struct load *L, const bool *is_host,
			  long long *mins, long long *first, long long *last)
{
	struct ch_rp_chat *c = L->c;
	size_t i, nm = 0;

	for (i = 0; i < L->n_recs; i++) {
		struct rec *r = &L->recs[i];
		struct ch_rp_author *a;

		if (is_host[r->author] || r->dropped)
			continue;
		a = &c->authors[r->author];
		c->posts++;
		a->posts++;
		if (a->first_ms == CH_RP_NONE || r->ms < a->first_ms)
			a->first_ms = r->ms;
		if (*first == CH_RP_NONE || r->ms < *first)
			*first = r->ms;
		if (*last == CH_RP_NONE || r->ms > *last)
			*last = r->ms;
		/* a post made before its question was asked (a greeting with
		 * "A1" in it) is no answer to it: no negative first answer */
		if (r->question > 0 &&
		    c->questions[r->question - 1].posted_ms != CH_RP_NONE &&
		    r->ms < c->questions[r->question - 1].posted_ms -
				    before_slack(L))
			r->question = 0;
		if (r->question > 0) {
			struct ch_rp_question *q = &c->questions[r->question - 1];

			q->answers++;
			a->answers++;
			if (r->attrib == CH_ATTR_LABEL)
				q->labelled++;
			if (q->first_ms == CH_RP_NONE || r->ms < q->first_ms)
				q->first_ms = r->ms;
			/* never before its question: a network that dates to
			 * the whole second (Bluesky, Mastodon) puts an answer
			 * made right after it up to a second before */
			if (q->posted_ms != CH_RP_NONE && q->first_ms < q->posted_ms)
				q->first_ms = q->posted_ms;
		}
		if (r->attrib == CH_ATTR_REPLY || r->attrib == CH_ATTR_TIME) {
			c->unlabelled++;
			a->unlabelled++;
		}
		mins[nm++] = r->ms >= 0 ? r->ms / 60000 : (r->ms - 59999) / 60000;
	}
	return nm;
}

/* Keeps the participants only (not the host, not authors without a
 * post), sorted. */
static void keep_participants(struct ch_rp_chat *c, const bool *is_host)
{
	size_t i, j;

	for (i = 0, j = 0; i < c->n_authors; i++) {
		if (is_host[i] || c->authors[i].posts == 0) {
			free_author(&c->authors[i]);
			continue;
		}
		if (i != j)
			c->authors[j] = c->authors[i];
		j++;
	}
	c->n_authors = j;
	if (c->n_authors > 1)
		qsort(c->authors, c->n_authors, sizeof *c->authors,
		      cmp_author);
}

static void tpost_free(struct ch_rp_post *p)
{
	free(p->id);
	free(p->created_at);
	free(p->author_id);
	free(p->net);
	free(p->username);
	free(p->name);
	free(p->text);
	free(p->links);
	memset(p, 0, sizeof *p);
}

/* The transcript shows an edited post once, as its newest version (the
 * transcript's posts are the records, one for one, until here). */
static void drop_edited(struct load *L)
{
	struct ch_rp_chat *c = L->c;
	size_t i, j;

	for (i = 0, j = 0; i < c->n_tposts; i++) {
		if (i < L->n_recs && L->recs[i].dropped) {
			tpost_free(&c->tposts[i]);
			free(L->reply_to[i]);
			continue;
		}
		c->tposts[j] = c->tposts[i];
		L->reply_to[j] = L->reply_to[i];
		j++;
	}
	c->n_tposts = j;
}

/* The transcript of the reviewed chat: who is the host, which question a
 * host reply belongs to, time order. */
static void transcript_sections(struct load *L, const bool *is_host)
{
	struct ch_rp_chat *c = L->c;
	size_t i;
	int ri;

	for (i = 0; i < c->n_tposts; i++) {
		struct ch_rp_post *p = &c->tposts[i];

		ri = ch_smap_get(&L->ids, p->id);
		p->host = ri >= 0 ? is_host[L->recs[ri].author]
				  : p->kind == CH_KIND_HOST;
		/* as in count_posts: made before its question, no answer */
		if (!p->host && p->question > 0 &&
		    (size_t)p->question <= c->n_questions &&
		    c->questions[p->question - 1].posted_ms != CH_RP_NONE &&
		    p->ms < c->questions[p->question - 1].posted_ms -
				    before_slack(L))
			p->question = 0;
		if (p->host && p->question == 0 && L->reply_to[i]) {
			ri = ch_smap_get(&L->ids, L->reply_to[i]);
			if (ri >= 0 && !is_host[L->recs[ri].author])
				p->question = L->recs[ri].question;
		}
	}
	if (c->n_tposts > 1)
		qsort(c->tposts, c->n_tposts, sizeof *c->tposts, cmp_tpost);
}

static void finish_chat(struct load *L)
{
	struct ch_rp_chat *c = L->c;
	bool *is_host = ch_xcalloc(c->n_authors ? c->n_authors : 1,
				   sizeof *is_host);
	long long *mins = ch_xmalloc((L->n_recs ? L->n_recs : 1) *
				     sizeof *mins);
	long long first_any = CH_RP_NONE, last_ms = CH_RP_NONE;
	size_t i, nm;
	int ri;

	for (i = 0; i < c->n_authors; i++) {
		c->authors[i].username = ch_xstrdup(L->unames[i]);
		c->authors[i].name = ch_xstrdup(L->dnames[i]);
	}
	for (i = 0; i < L->n_recs; i++)
		if (L->recs[i].host_kind)
			is_host[L->recs[i].author] = true;
	count_host_and_questions(L, is_host);
	nm = count_posts(L, is_host, mins, &first_any, &last_ms);
	/* host replies */
	for (i = 0; i < L->n_targets; i++) {
		struct ch_rp_author *a;

		ri = ch_smap_get(&L->ids, L->targets[i]);
		if (ri < 0)
			continue;
		a = &c->authors[L->recs[ri].author];
		a->host_replied = true;
		if (a->welcomed_ms == CH_RP_NONE || L->target_ms[i] < a->welcomed_ms)
			a->welcomed_ms = L->target_ms[i];
	}
	busiest_minute(c, mins, nm);
	if (c->start_ms == CH_RP_NONE)
		c->start_ms = first_any;
	per_minute(L, mins, nm, last_ms);
	keep_participants(c, is_host);
	if (c->detail) {
		drop_edited(L);
		transcript_sections(L, is_host);
	}
	free(is_host);
	free(mins);
}

static void free_load(struct load *L)
{
	size_t i;

	ch_smap_free(&L->ids);
	ch_smap_free(&L->authors);
	ch_smap_free(&L->edits);
	free(L->unames);
	free(L->dnames);
	free(L->recs);
	for (i = 0; i < L->n_targets; i++)
		free(L->targets[i]);
	free(L->targets);
	free(L->target_ms);
	for (i = 0; i < L->n_q; i++)
		free(L->qtext[i]);
	free(L->qtext);
	free(L->qposted);
	if (L->reply_to)
		for (i = 0; i < L->c->n_tposts; i++)
			free(L->reply_to[i]);
	free(L->reply_to);
}

/* Per-thread memory reused from one file to the next (fresh pages cost a
 * page fault and zeroing each). */
struct wmem {
	char *buf;
	size_t cap;
	struct ch_smap ids, authors; /* emptied between files */
	struct rec *recs;
	size_t cap_recs;
};

/* Reads path into m->buf (one spare byte). Returns 0 or -1 with err. */
static int read_into(struct wmem *m, const char *path, size_t *len,
		     struct ch_error *err)
{
	struct stat sb;
	size_t got = 0;
	ssize_t r;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ch_error_set(err, path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		ch_error_set(err, path, 0, "not a regular file");
		goto cleanup;
	}
	if (m->cap < (size_t)sb.st_size + 2) {
		m->cap = (size_t)sb.st_size + 2;
		free(m->buf);
		m->buf = ch_xmalloc(m->cap);
	}
	for (;;) {
		if (got + 1 >= m->cap) { /* the file grew meanwhile */
			m->cap *= 2;
			m->buf = ch_xrealloc(m->buf, m->cap);
		}
		r = read(fd, m->buf + got, m->cap - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ch_error_set(err, path, 0, "read error: %s",
				     strerror(errno));
			goto cleanup;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	m->buf[got] = '\0';
	*len = got;
	rc = 0;
cleanup:
	close(fd);
	return rc;
}

static void load_chat(struct ch_rp_chat *c, struct wmem *m)
{
	struct load L;
	struct loadctx lc;
	struct ch_error err;
	size_t len, i;

	memset(&L, 0, sizeof L);
	memset(&lc, 0, sizeof lc);
	ch_error_clear(&err);
	L.c = c;
	if (read_into(m, c->path, &len, &err)) {
		c->error = ch_xasprintf("%s", err.text);
		return;
	}
	L.buf = m->buf;
	L.recs = m->recs;
	L.cap_recs = m->cap_recs;
	L.ids = m->ids;
	L.authors = m->authors;
	lc.L = &L;
	lc.buf_len = len;
	load_state_facts(&L);
	ch_smap_reserve(&L.ids, len / 160 + 16);
	ch_smap_reserve(&L.authors, 256);
	ch_replylog_scan(L.buf, len, c->path, load_cb, &lc, &c->st, &c->bad,
			 CH_RP_BAD_SHOWN);
	finish_chat(&L);
	m->recs = L.recs; /* keep for the next file */
	m->cap_recs = L.cap_recs;
	L.recs = NULL;
	m->ids = L.ids;
	m->authors = L.authors;
	ch_smap_clear(&m->ids);
	ch_smap_clear(&m->authors);
	memset(&L.ids, 0, sizeof L.ids);
	memset(&L.authors, 0, sizeof L.authors);
	free_load(&L);
	for (i = 0; i < lc.arena.n; i++)
		free(lc.arena.items[i]);
	free(lc.arena.items);
}

struct pool {
	pthread_mutex_t mu;
	struct ch_rp *r;
	size_t next;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	struct wmem m = {0};
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->r->n_chats)
			break;
		load_chat(&p->r->chats[i], &m);
	}
	free(m.buf);
	free(m.recs);
	ch_smap_free(&m.ids);
	ch_smap_free(&m.authors);
	return NULL;
}

void ch_rp_load_all(struct ch_rp *r)
{
	pthread_t th[8];
	struct pool p;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt, i, started = 0;

	if (ncpu < 1)
		ncpu = 1;
	nt = (size_t)ncpu;
	if (nt > 8)
		nt = 8;
	if (nt > r->n_chats)
		nt = r->n_chats;
	p.r = r;
	p.next = 0;
	pthread_mutex_init(&p.mu, NULL);
	for (i = 1; i < nt; i++)
		if (pthread_create(&th[started], NULL, worker, &p) == 0)
			started++;
	worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p.mu);
}


void ch_rp_free(struct ch_rp *r)
{
	size_t i, k;

	for (i = 0; i < r->n_chats; i++) {
		struct ch_rp_chat *c = &r->chats[i];

		free(c->path);
		free(c->error);
		for (k = 0; k < c->n_authors; k++)
			free_author(&c->authors[k]);
		free(c->authors);
		for (k = 0; k < c->n_questions; k++)
			free(c->questions[k].text);
		free(c->questions);
		free(c->per_minute);
		ch_diags_free(&c->bad);
		free(c->lapsed_gids);
		for (k = 0; k < c->n_tposts; k++)
			tpost_free(&c->tposts[k]);
		free(c->tposts);
		free(c->timezone);
		free(c->not_posted);
		free(c->alone);
		free(c->not_hosted);
		free(c->decided);
		free(c->title);
		free(c->hashtag);
	}
	free(r->chats);
	free(r->tz);
	free(r->people);
	memset(r, 0, sizeof *r);
}
