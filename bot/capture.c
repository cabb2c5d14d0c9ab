/* capture.c - live capture of the chat's posts into the participation log,
 * within the search budget, and the backfill of what it missed (see
 * capture.h for the state layout and the budget rules). */
#include "capture.h"

#include "clock.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attrib.h"
#include "chtime.h"
#include "http.h"
#include "log.h"

#define CHAT_MARGIN 300.0      /* chat seconds searched before the intro */
#define MIN_REQUEST 0.25       /* real seconds a request needs at least */
#define MAX_RESULTS 100
#define MAX_PAGES_BACKFILL 1000 /* per range: a runaway guard */
#define SEARCH_REACH (7 * 86400.0 - 120.0) /* search/recent reaches 7 days */
#define MAX_RATE_WAIT 960.0    /* backfill: longest wait for a reset */
#define MAX_GAPS 64

/* The capture (capture.h): its settings and its own bookkeeping. */
struct ch_capture {
	struct ch_capture_conf k;    /* a copy; n_questions >= 0 */
	/* budget */
	double budget_window_start;
	int budget_used;
	double wait_until;           /* 429 / exhausted budget: no search before */
	long reads;                  /* posts read from the API (billing) */
	long logged;                 /* lines written */
	long requests;               /* search requests made */
	double last_poll;            /* real instant of the last cycle, 0: none */
	int last_pages;              /* requests the last cycle made */
	int fails;                   /* consecutive failed cycles (backoff) */
	double not_before;           /* a cycle refused for lack of time */
	long rate_remaining;         /* search's x-rate-limit-remaining, -1 */
	double rate_reset;           /* search's x-rate-limit-reset, 0 */
	void *prefetch;              /* owned: the worker (struct prefetch) */
};

/* ---- small helpers ------------------------------------------------------ */

static double now_of(struct ch_capture *c)
{
	return c->k.clock ? c->k.clock(c->k.clock_ctx) : ch_clock_now();
}

static void sleep_to(struct ch_capture *c, double t)
{
	if (c->k.sleep_until) {
		c->k.sleep_until(c->k.clock_ctx, t);
		return;
	}
	for (;;) {
		double d = t - now_of(c);
		struct timespec ts;

		if (d <= 0)
			return;
		ts.tv_sec = (time_t)d;
		ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

static double window_len(const struct ch_capture *c)
{
	return 15.0 * 60.0 / c->k.speed;
}

static double interval(const struct ch_capture *c)
{
	int budget = c->k.s->search_budget > 0 ? c->k.s->search_budget : 1;

	return window_len(c) / budget;
}

static double margin(const struct ch_capture *c)
{
	return CHAT_MARGIN / c->k.speed;
}

static void iso_at(double t, char *buf, size_t size, int round_up)
{
	double f = round_up ? ceil(t) : floor(t);

	ch_format_utc((time_t)f, buf, size);
}

static json_t *cap_obj(struct ch_capture *c)
{
	return ch_state_obj(c->k.st, "capture");
}

static void set_counter(json_t *cap, const char *key, long v)
{
	json_object_set_new(cap, key, json_integer(v));
}

static void save_counters(struct ch_capture *c)
{
	json_t *cap = cap_obj(c);

	set_counter(cap, "reads", c->reads);
	set_counter(cap, "logged", c->logged);
	set_counter(cap, "requests", c->requests);
}

/* ---- coverage ------------------------------------------------------------ */

static int range_of(json_t *r, double *from, double *to)
{
	if (!json_is_array(r) || json_array_size(r) != 2 ||
	    !json_is_number(json_array_get(r, 0)) ||
	    !json_is_number(json_array_get(r, 1)))
		return -1;
	*from = json_number_value(json_array_get(r, 0));
	*to = json_number_value(json_array_get(r, 1));
	return *from < *to ? 0 : -1;
}

static int cmp_range(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0;
}

void ch_capture_cover(json_t *ranges, double from, double to)
{
	double (*v)[2] = NULL;
	size_t n = 0, i, m = 0;

	if (!json_is_array(ranges))
		return;
	v = ch_xcalloc(json_array_size(ranges) + 1, sizeof *v);
	for (i = 0; i < json_array_size(ranges); i++)
		if (range_of(json_array_get(ranges, i), &v[n][0], &v[n][1]) == 0)
			n++;
	if (from < to) {
		v[n][0] = from;
		v[n][1] = to;
		n++;
	}
	qsort(v, n, sizeof *v, cmp_range);
	for (i = 0; i < n; i++) {
		if (m > 0 && v[i][0] <= v[m - 1][1]) {
			if (v[i][1] > v[m - 1][1])
				v[m - 1][1] = v[i][1];
			continue;
		}
		v[m][0] = v[i][0];
		v[m][1] = v[i][1];
		m++;
	}
	json_array_clear(ranges);
	for (i = 0; i < m; i++)
		json_array_append_new(ranges, json_pack("[f,f]", v[i][0],
							 v[i][1]));
	free(v);
}

size_t ch_capture_gaps(json_t *ranges, double lo, double hi,
		       double (*gaps)[2], size_t max)
{
	json_t *tmp = json_array();
	size_t n = 0, i;
	double at = lo;

	/* a merged, sorted copy */
	for (i = 0; json_is_array(ranges) && i < json_array_size(ranges); i++)
		json_array_append(tmp, json_array_get(ranges, i));
	ch_capture_cover(tmp, 0, 0);
	for (i = 0; i < json_array_size(tmp) && at < hi; i++) {
		double f, t;

		if (range_of(json_array_get(tmp, i), &f, &t) < 0)
			continue;
		if (t <= at)
			continue;
		if (f > at) {
			if (n < max) {
				gaps[n][0] = at;
				gaps[n][1] = f < hi ? f : hi;
			}
			n++;
		}
		at = t;
	}
	if (at < hi) {
		if (n < max) {
			gaps[n][0] = at;
			gaps[n][1] = hi;
		}
		n++;
	}
	json_decref(tmp);
	return n;
}

/* ---- attribution context from the state ------------------------------------ */

struct actx {
	struct ch_attrib_ctx a;
	const char **ids;  /* owned array of borrowed ids */
	double *times;     /* owned */
};

static void actx_load(struct ch_capture *c, struct actx *x)
{
	int i, n = c->k.n_questions > 0 ? c->k.n_questions : 0;
	char key[24];

	memset(x, 0, sizeof *x);
	x->ids = ch_xcalloc((size_t)n + 1, sizeof *x->ids);
	x->times = ch_xcalloc((size_t)n + 1, sizeof *x->times);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "q%d", i + 1);
		x->ids[i] = ch_state_post_id(c->k.st, key);
		x->times[i] = ch_state_post_time(c->k.st, key);
	}
	x->a.host_id = c->k.host_id;
	x->a.intro_id = ch_state_post_id(c->k.st, "intro");
	x->a.wrapup_id = ch_state_post_id(c->k.st, "wrapup");
	x->a.n_questions = n;
	x->a.q_ids = x->ids;
	x->a.q_times = x->times;
	x->a.wrapup_time = ch_state_post_time(c->k.st, "wrapup");
}

/* Whether host post t is a copy of one of this chat's posts that is not
 * this chat's (same text, another id: a rehearsal's, or an earlier run's
 * that was refused or not found): it and the answers in its thread belong
 * to another chat. */
static bool foreign_copy(struct ch_capture *c, const struct actx *x,
			 const struct ch_msg *t)
{
	json_t *posts = json_object_get(c->k.st->root, "posts"), *p;
	const char *key;

	if (!t->id || !t->text || !x->a.host_id ||
	    strcmp(t->author_id ? t->author_id : "", x->a.host_id) != 0)
		return false;
	json_object_foreach(posts, key, p) {
		const char *id = ch_json_str(p, "id"), *text = ch_json_str(p, "text");

		if (id && strcmp(id, t->id) == 0)
			return false;
		if (text && ch_net_same_text(c->k.net, t->text, text) &&
		    (!id || strcmp(id, t->id) != 0))
			return true;
	}
	return false;
}

static bool in_ids(json_t *ids, const char *id)
{
	size_t i;
	json_t *v;

	if (!id)
		return false;
	json_array_foreach(ids, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
			return true;
	return false;
}

/* Learns the page's foreign copies (kept in the capture state, so a
 * restart knows them too), then says whether t belongs to another chat. */
static void learn_foreign(struct ch_capture *c, const struct actx *x,
			  const struct ch_msg_page *page)
{
	json_t *cap = ch_state_obj(c->k.st, "capture");
	json_t *ids = json_object_get(cap, "foreign");
	size_t i;

	for (i = 0; i < page->n; i++) {
		const struct ch_msg *t = &page->msgs[i];

		if (!foreign_copy(c, x, t))
			continue;
		if (!json_is_array(ids)) {
			ids = json_array();
			json_object_set_new(cap, "foreign", ids);
		}
		if (!in_ids(ids, t->id)) {
			ch_log(CH_LOG_WARN,
			       "search: post %s is a copy of this chat's post made by another run (a rehearsal?): it and its thread are left out",
			       t->id);
			json_array_append_new(ids, json_string(t->id));
		}
	}
}

static bool is_foreign(struct ch_capture *c, const struct ch_msg *t)
{
	json_t *ids = json_object_get(ch_state_obj(c->k.st, "capture"), "foreign");

	return json_is_array(ids) &&
	       (in_ids(ids, t->id) || in_ids(ids, t->in_reply_to_id) ||
		in_ids(ids, t->conversation_id));
}

static void actx_free(struct actx *x)
{
	free(x->ids);
	free(x->times);
}

/* Attributes the page's new posts and queues their lines (written and
 * made durable by the flush at the end of the cycle). Returns 0, or -1 if
 * the log refuses a line. */
static int take_page(struct ch_capture *c, const struct actx *x,
		     const struct ch_msg_page *page, struct ch_error *err)
{
	size_t i;

	c->reads += (long)page->n;
	if (c->k.take) {
		int r = c->k.take(c->k.sink_ctx, page, err);

		if (r < 0)
			return -1;
		c->logged += r;
		return 0;
	}
	learn_foreign(c, x, page);
	for (i = 0; i < page->n; i++) {
		const struct ch_msg *t = &page->msgs[i];
		struct ch_attribution a;
		struct ch_log_entry e;
		double created;
		int r;

		if (t->is_repost)
			continue;
		if (!t->id || !t->created_at || !t->author_id || !t->text) {
			ch_log(CH_LOG_DEBUG,
			       "search: a post without %s was skipped",
			       !t->id ? "an id" : !t->created_at ? "created_at"
				 : !t->author_id ? "author_id" : "text");
			continue;
		}
		if (ch_replylog_has(c->k.log, t->id) || is_foreign(c, t))
			continue;
		if (ch_attrib_parse_time(t->created_at, &created) < 0)
			created = NAN;
		ch_attribute(&x->a, t, created, &a);
		memset(&e, 0, sizeof e);
		e.id = t->id;
		e.created_at = t->created_at;
		e.author_id = t->author_id;
		e.username = t->username;
		e.name = t->name;
		e.kind = a.kind;
		e.question = a.question;
		e.attributed_by = a.by;
		e.in_reply_to_id = t->in_reply_to_id;
		e.text = t->text;
		e.net = c->k.net->ops->name;
		e.url = t->url;
		e.edit_of = t->edit_of;
		e.links = t->links;
		r = ch_replylog_queue(c->k.log, &e, err);
		if (r < 0)
			return -1;
		c->logged += r;
		if (r > 0 && c->k.seen)
			c->k.seen(c->k.seen_ctx, c->k.net->ops->name, t);
	}
	return 0;
}

/* ---- the search, the rate limits ---------------------------------------- */

/* Before a request: its timeout cut to budget_s. */
static void search_prep(struct ch_capture *c, double budget_s)
{
	if (c->k.net) {
		long total = (long)(budget_s * 1000.0);

		if (total > CH_HTTP_TIMEOUT_MS)
			total = CH_HTTP_TIMEOUT_MS;
		ch_net_set_timeouts(c->k.net,
				    total < CH_HTTP_CONNECT_TIMEOUT_MS
					    ? total : CH_HTTP_CONNECT_TIMEOUT_MS,
				    total);
	}
}

/* The request itself: the only part the prefetch worker runs (it touches
 * c->k.net and the search hook's context, nothing else of c). */
static int search_call(struct ch_capture *c, const struct ch_net_read *req,
		       struct ch_msg_page *page, struct ch_error *err)
{
	if (c->k.search) {
		memset(page, 0, sizeof *page);
		return c->k.search(c->k.search_ctx, c->k.net, req, page, err);
	}
	return ch_net_read(c->k.net, req, page, err);
}

/* After a request (r: its result): counters, budget, rate limits. */
static void search_done(struct ch_capture *c, int r)
{
	if (c->k.net)
		ch_net_set_timeouts(c->k.net, 0, 0);
	c->requests++;
	c->budget_used++;
	if (c->k.net) {
		if (c->k.net->rate_remaining >= 0) {
			c->rate_remaining = c->k.net->rate_remaining;
			c->rate_reset = c->k.net->rate_reset;
		}
		/* a rate limit, or the usage cap or the credits used up: no
		 * read until the reset (not known: 15 chat minutes, then one
		 * request to see) */
		if (r < 0 && (c->k.net->last == CH_NETFAIL_WAIT ||
			      c->k.net->last == CH_NETFAIL_EXHAUSTED)) {
			double now = now_of(c);
			double until = c->k.net->wait_until > 0
					       ? c->k.net->wait_until
					       : now + window_len(c) / 4;

			if (until < now + interval(c))
				until = now + interval(c);
			c->wait_until = until;
			c->rate_remaining = 0;
			c->rate_reset = until;
		}
	}
}

static int do_search(struct ch_capture *c, const struct ch_net_read *req,
		     struct ch_msg_page *page, double budget_s,
		     struct ch_error *err)
{
	int r;

	search_prep(c, budget_s);
	r = search_call(c, req, page, err);
	search_done(c, r);
	return r;
}

/* ---- the prefetch: the next page is fetched and parsed on a second core
 * while this one attributes and queues the current page ------------------ */

/* slot: IDLE -> WORK (handed over) -> RUNNING (the worker took it) ->
 * DONE (result ready) -> IDLE (taken); a WORK the worker has not taken yet
 * when the cycle wants the page is taken back and run by the cycle's thread
 * itself (the worker did not get a CPU: waiting for it would only be
 * slower than no worker). */
enum { PF_IDLE, PF_WORK, PF_RUNNING, PF_DONE, PF_QUIT };

struct prefetch {
	struct ch_capture *c;        /* borrowed */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started;                /* the worker thread runs */
	bool busy;                   /* a request was handed over, not taken */
	int slot;                    /* PF_*: the one-slot handoff */
	/* the request (owned copies) and its result */
	char *tag, *root, *since, *start_time, *end_time, *token;
	struct ch_net_read req;
	struct ch_msg_page page;   /* owned until taken */
	struct ch_error err;
	int rc;
	/* a page the cycle is done with, freed by the worker: the thread
	 * that allocated it, so malloc's per-thread arenas stay local */
	struct ch_msg_page spent;  /* owned */
};

static void *prefetch_main(void *arg)
{
	struct prefetch *f = arg;
	struct ch_msg_page spent;

	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (f->slot != PF_WORK && f->slot != PF_QUIT)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->slot == PF_QUIT)
			break;
		f->slot = PF_RUNNING;
		pthread_mutex_unlock(&f->mu);
		memset(&f->page, 0, sizeof f->page);
		ch_error_clear(&f->err);
		f->rc = search_call(f->c, &f->req, &f->page, &f->err);
		pthread_mutex_lock(&f->mu);
		f->slot = PF_DONE;
		pthread_cond_broadcast(&f->cv);
		/* then free what the cycle handed back meanwhile */
		spent = f->spent;
		memset(&f->spent, 0, sizeof f->spent);
		pthread_mutex_unlock(&f->mu);
		ch_msg_page_free(&spent);
		pthread_mutex_lock(&f->mu);
	}
	spent = f->spent;
	memset(&f->spent, 0, sizeof f->spent);
	pthread_mutex_unlock(&f->mu);
	ch_msg_page_free(&spent);
	return NULL;
}

/* Frees a page the cycle is done with: on the worker if it runs (it frees
 * it after its current request), else here. */
static void prefetch_recycle(struct prefetch *f, struct ch_msg_page *page)
{
	if (f->started) {
		pthread_mutex_lock(&f->mu);
		if (!f->spent.msgs && !f->spent.newest &&
		    !f->spent.next) {
			f->spent = *page;
			memset(page, 0, sizeof *page);
		}
		pthread_mutex_unlock(&f->mu);
	}
	ch_msg_page_free(page);
}

/* The capture's prefetch (made on first use, owned by c). */
static struct prefetch *prefetch_of(struct ch_capture *c)
{
	struct prefetch *f = c->prefetch;

	if (!f) {
		f = ch_xcalloc(1, sizeof *f);
		f->c = c;
		f->slot = PF_IDLE;
		c->prefetch = f;
	}
	return f;
}

static void prefetch_req_free(struct prefetch *f)
{
	free(f->tag);
	free(f->root);
	free(f->since);
	free(f->start_time);
	free(f->end_time);
	free(f->token);
	f->tag = f->root = f->since = NULL;
	f->start_time = f->end_time = f->token = NULL;
}

/* Hands req to the worker (started on first use). Returns 0, or -1 if no
 * thread could be started: the caller then searches itself. The caller
 * did search_prep(); prefetch_take() does search_done(). */
static int prefetch_give(struct prefetch *f, const struct ch_net_read *req)
{
	if (!f->started) {
		sigset_t all, old;
		int r;

		if (pthread_mutex_init(&f->mu, NULL))
			return -1;
		if (pthread_cond_init(&f->cv, NULL)) {
			pthread_mutex_destroy(&f->mu);
			return -1;
		}
		/* the worker takes no signal: SIGTERM/SIGHUP must reach the
		 * host's thread (and interrupt its sleeps) */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		r = pthread_create(&f->th, NULL, prefetch_main, f);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (r) {
			pthread_cond_destroy(&f->cv);
			pthread_mutex_destroy(&f->mu);
			return -1;
		}
		f->started = true;
	}
	prefetch_req_free(f);
	f->tag = ch_xstrdup(req->tag);
	f->root = ch_xstrdup(req->root_id);
	f->since = ch_xstrdup(req->since);
	f->start_time = ch_xstrdup(req->start_time);
	f->end_time = ch_xstrdup(req->end_time);
	f->token = ch_xstrdup(req->cursor);
	f->req = *req;
	f->req.tag = f->tag;
	f->req.root_id = f->root;
	f->req.since = f->since;
	f->req.start_time = f->start_time;
	f->req.end_time = f->end_time;
	f->req.cursor = f->token;
	pthread_mutex_lock(&f->mu);
	f->slot = PF_WORK;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	f->busy = true;
	return 0;
}

/* Waits for the handed-over request and takes its result (the page moves
 * to *page, the error to *err). Returns the request's 0 or -1. */
static int prefetch_take(struct prefetch *f, struct ch_msg_page *page,
			 struct ch_error *err)
{
	bool mine = false;
	int rc;

	pthread_mutex_lock(&f->mu);
	if (f->slot == PF_WORK && !f->c->k.wait_worker) {
		f->slot = PF_IDLE; /* not started yet: do it here */
		mine = true;
	}
	while (!mine && f->slot != PF_DONE)
		pthread_cond_wait(&f->cv, &f->mu);
	f->slot = PF_IDLE;
	pthread_mutex_unlock(&f->mu);
	f->busy = false;
	if (mine) {
		rc = search_call(f->c, &f->req, page, err);
	} else {
		*page = f->page;
		memset(&f->page, 0, sizeof f->page);
		if (f->rc < 0)
			ch_error_set(err, f->err.source, f->err.line, "%s",
				     f->err.text);
		rc = f->rc;
	}
	search_done(f->c, rc);
	return rc;
}

/* At a cycle's end: waits for a request still out (its page is dropped,
 * the request counted). The worker stays for the next cycle. */
static void prefetch_drain(struct prefetch *f)
{
	if (f->busy) {
		struct ch_msg_page page;
		struct ch_error e;

		ch_error_clear(&e);
		prefetch_take(f, &page, &e);
		ch_msg_page_free(&page);
	}
	prefetch_req_free(f);
}

/* Stops and joins the worker, frees everything. */
static void prefetch_end(struct prefetch *f)
{
	prefetch_drain(f);
	if (f->started) {
		pthread_mutex_lock(&f->mu);
		f->slot = PF_QUIT;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->th, NULL);
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		f->started = false;
	}
	prefetch_req_free(f);
}

/* The earliest real instant a request may start by the budget alone. */
static double budget_due(struct ch_capture *c, double now)
{
	double due = now, w = window_len(c);
	int budget = c->k.s->search_budget > 0 ? c->k.s->search_budget : 1;

	if (now >= c->budget_window_start + w) {
		c->budget_window_start = now;
		c->budget_used = 0;
	}
	if (c->budget_used >= budget)
		due = c->budget_window_start + w;
	if (c->wait_until > due)
		due = c->wait_until;
	if (c->rate_remaining == 0 && c->rate_reset > due)
		due = c->rate_reset;
	return due;
}

/* ---- init / next_due --------------------------------------------------------- */

struct ch_capture *ch_capture_new(const struct ch_capture_conf *k,
				  struct ch_error *err)
{
	struct ch_capture *c;
	json_t *cap;

	if (!k || !k->s || !k->net || !k->st) {
		ch_error_set(err, "capture", 0,
			     "internal error: capture needs the schedule, the network and the state");
		return NULL;
	}
	if (!(k->speed > 0) || !(k->window_end > k->window_start)) {
		ch_error_set(err, "capture", 0,
			     "internal error: bad capture window or speed");
		return NULL;
	}
	c = ch_xcalloc(1, sizeof *c);
	c->k = *k;
	if (c->k.n_questions < 0)
		c->k.n_questions = 0;
	c->rate_remaining = -1;
	cap = cap_obj(c);
	c->reads = (long)ch_json_num(cap, "reads", 0);
	c->logged = (long)ch_json_num(cap, "logged", 0);
	c->requests = (long)ch_json_num(cap, "requests", 0);
	if (!json_is_array(json_object_get(cap, "covered")))
		json_object_set_new(cap, "covered", json_array());
	return c;
}

void ch_capture_counts(const struct ch_capture *c,
		       struct ch_capture_counts *out)
{
	out->reads = c->reads;
	out->logged = c->logged;
	out->requests = c->requests;
	out->last_pages = c->last_pages;
}

void ch_capture_free(struct ch_capture *c)
{
	/* everything else is borrowed; the state keeps what must survive */
	if (!c)
		return;
	if (c->prefetch) {
		prefetch_end(c->prefetch);
		free(c->prefetch);
	}
	free(c);
}

double ch_capture_next_due(struct ch_capture *c, double now)
{
	json_t *cap = cap_obj(c);
	double live_to = ch_json_num(cap, "live_to", 0);
	double due, spacing = interval(c), hard;
	int pages = c->last_pages > 0 ? c->last_pages : 1;

	if (live_to >= c->k.window_end)
		return HUGE_VAL;
	/* adapted from the rate-limit headers: spread what remains */
	if (c->rate_remaining > 0 && c->rate_reset > now) {
		double s = (c->rate_reset - now) / (double)c->rate_remaining;

		if (s > spacing)
			spacing = s;
	}
	if (c->fails > 0)
		spacing *= (double)(1 << (c->fails < 3 ? c->fails : 3));
	due = c->last_poll > 0 ? c->last_poll + spacing * pages
			       : c->k.window_start;
	/* never later than needed: the window's end must be searched */
	if (due > c->k.window_end && c->last_poll < c->k.window_end)
		due = c->k.window_end;
	if (due < c->k.window_start)
		due = c->k.window_start;
	if (c->not_before > due)
		due = c->not_before;
	hard = budget_due(c, now);
	if (hard > due)
		due = hard;
	return due;
}

/* What the chat reads: its hashtag, and the thread of its first post
 * once that is posted (a threaded chat). Strings borrowed from c. */
static void chat_read(struct ch_capture *c, struct ch_net_read *req)
{
	const char *intro = ch_state_post_id(c->k.st, "intro");
	const char *tag = c->k.s->hashtag ? c->k.s->hashtag : "";

	memset(req, 0, sizeof *req);
	if (c->k.read) {
		c->k.read(c->k.sink_ctx, req);
		req->max = MAX_RESULTS;
		return;
	}
	req->tag = tag[0] == '#' ? tag + 1 : tag;
	req->root_id = c->k.s->thread ? intro : NULL;
	req->max = MAX_RESULTS;
}

char *ch_capture_query(struct ch_capture *c)
{
	struct ch_net_read req;

	chat_read(c, &req);
	return ch_net_describe(c->k.net, &req);
}

/* ---- one live cycle --------------------------------------------------------- */

/* The cursors a pagination has followed: a server whose next page names
 * one of them again (a Link rel=next that repeats) would keep the read on
 * one page forever, so the pagination ends there. At most MAX_CURSORS. */
#define MAX_CURSORS 200
struct cursors {
	char *v[MAX_CURSORS]; /* owned */
	size_t n;
};

/* Whether a pagination may go on to next: not when it was followed
 * already, or MAX_CURSORS were (said once, at warn level). Else next is
 * remembered. */
static bool cursor_new(struct cursors *k, const char *next, const char *net)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->v[i], next) == 0) {
			ch_log(CH_LOG_WARN, "%s: the next page is one already read (%.120s): the pagination ends there",
			       net, next);
			return false;
		}
	if (k->n == MAX_CURSORS) {
		ch_log(CH_LOG_WARN, "%s: more than %d pages in one read: the pagination ends there",
		       net, MAX_CURSORS);
		return false;
	}
	k->v[k->n++] = ch_xstrdup(next);
	return true;
}

static void cursors_free(struct cursors *k)
{
	while (k->n)
		free(k->v[--k->n]);
}

struct cycle {
	char *query;       /* owned: the read's description (X: the query) */
	char *root;        /* owned or NULL: the thread read with the tag */
	char *since_id;    /* owned or NULL */
	char *start_time;  /* owned or NULL */
	char *token;       /* owned or NULL */
	char *newest;      /* owned or NULL */
	double from, started;
	struct cursors seen;  /* the cursors this pagination followed */
};

static void cycle_free(struct cycle *y)
{
	cursors_free(&y->seen);
	free(y->query);
	free(y->root);
	free(y->since_id);
	free(y->start_time);
	free(y->token);
	free(y->newest);
}

static void pending_save(json_t *cap, const struct cycle *y)
{
	json_t *p = json_object();

	json_object_set_new(p, "query", json_string(y->query));
	json_object_set_new(p, "next_token", json_string(y->token));
	if (y->newest)
		json_object_set_new(p, "newest_id", json_string(y->newest));
	if (y->since_id)
		json_object_set_new(p, "since_id", json_string(y->since_id));
	if (y->start_time)
		json_object_set_new(p, "start_time",
				    json_string(y->start_time));
	json_object_set_new(p, "from", json_real(y->from));
	json_object_set_new(p, "started", json_real(y->started));
	json_object_set_new(cap, "pending", p);
}

/* Sets up the cycle: resumes a pending pagination of the same query, or
 * starts a new search from since_id (or from the window's start). */
static void cycle_start(struct ch_capture *c, json_t *cap, struct cycle *y,
			double now)
{
	json_t *p = json_object_get(cap, "pending");
	const char *since = ch_json_str(cap, "since_id");
	const char *intro = ch_state_post_id(c->k.st, "intro");
	const char *prevq = ch_json_str(cap, "query");

	memset(y, 0, sizeof *y);
	y->query = ch_capture_query(c);
	y->root = c->k.s->thread && !c->k.read ? ch_xstrdup(intro) : NULL;
	if (json_is_object(p) && ch_json_str(p, "next_token") &&
	    ch_json_str(p, "query") &&
	    strcmp(ch_json_str(p, "query"), y->query) == 0) {
		y->token = ch_xstrdup(ch_json_str(p, "next_token"));
		cursor_new(&y->seen, y->token, c->k.net->ops->name);
		y->newest = ch_xstrdup(ch_json_str(p, "newest_id"));
		y->since_id = ch_xstrdup(ch_json_str(p, "since_id"));
		y->start_time = ch_xstrdup(ch_json_str(p, "start_time"));
		y->from = ch_json_num(p, "from", c->k.window_start - margin(c));
		y->started = ch_json_num(p, "started", now);
		return;
	}
	json_object_del(cap, "pending");
	y->from = ch_json_num(cap, "live_to", 0);
	if (y->from <= 0)
		y->from = c->k.window_start - margin(c);
	y->started = now;
	if (since) {
		/* the query gained the chat's conversation: its posts are
		 * all newer than the intro, so search from there once */
		if (prevq && strcmp(prevq, y->query) != 0 && intro &&
		    ch_net_cursor_cmp(c->k.net, intro, since) < 0)
			since = intro;
		y->since_id = ch_xstrdup(since);
	} else {
		char t[32];

		iso_at(y->from, t, sizeof t, 0);
		y->start_time = ch_xstrdup(t);
	}
}

/* A request may start at t: the budget allows it and there is time for it
 * before must_return_by (else the host must not call again before then). */
static bool may_search(struct ch_capture *c, double t, double must_return_by)
{
	if (budget_due(c, t) > t)
		return false;
	if (must_return_by - t < MIN_REQUEST) {
		c->not_before = must_return_by;
		return false;
	}
	return true;
}

static void cycle_req(struct ch_capture *c, const struct cycle *y,
		      struct ch_net_read *req)
{
	chat_read(c, req);
	if (!c->k.read)
		req->root_id = y->root;
	req->since = y->since_id;
	req->start_time = y->start_time;
	req->cursor = y->token;
}

/* Puts back the capture state as it was at the cycle's start (snap), when
 * the lines the cycle queued are not all on disk: the cursor must not pass
 * them (they stay queued, with their ids, for the next flush). */
static void cap_rollback(json_t *cap, json_t *snap)
{
	if (!snap)
		return;
	json_object_clear(cap);
	json_object_update(cap, snap);
}

/* Makes what was read durable: the log's queued lines first, then the
 * state. If the lines cannot be written (or undo: the cycle failed), the
 * changes to the capture state since snap are undone, so the saved cursor
 * and coverage never pass a line that is not on disk. Returns 0, or -1
 * (err) if a write failed. */
static int commit_reads(struct ch_capture *c, json_t *cap, json_t *snap,
			bool undo, struct ch_error *err)
{
	struct ch_error serr;
	int rc = 0;

	ch_error_clear(&serr);
	if (c->k.log && ch_replylog_flush(c->k.log, &serr) < 0) {
		ch_error_set(err, serr.source, serr.line, "%s", serr.text);
		rc = -1;
		undo = true;
	}
	if (undo)
		cap_rollback(cap, snap);
	save_counters(c);
	ch_error_clear(&serr);
	if (ch_state_save(c->k.st, &serr) < 0) {
		ch_error_set(err, serr.source, serr.line, "%s", serr.text);
		rc = -1;
	}
	return rc;
}

int ch_capture_poll(struct ch_capture *c, double now, double must_return_by,
		    struct ch_error *err)
{
	json_t *cap = cap_obj(c), *snap = NULL;
	struct cycle y;
	struct actx x;
	struct prefetch *pf = prefetch_of(c);
	struct ch_error serr;
	int rc = -1, done = 0, failed = 0, pages = 0;
	bool ahead = false, pf_off = false, rollback = false;

	memset(&y, 0, sizeof y);
	memset(&x, 0, sizeof x);
	if (must_return_by - now < MIN_REQUEST) {
		/* no time for a request: the host must not call again
		 * before then */
		c->not_before = must_return_by;
		return 0;
	}
	c->last_poll = now;
	snap = json_deep_copy(cap);
	actx_load(c, &x);
	cycle_start(c, cap, &y, now);
	/* Page N is attributed and queued here while page N+1 (its
	 * next_token known once N is parsed) is fetched and parsed by the
	 * prefetch worker; the same checks come before every request. */
	for (;;) {
		struct ch_net_read req;
		struct ch_msg_page page;
		double t;
		bool cut = false;
		int r;

		memset(&page, 0, sizeof page);
		ch_error_clear(&serr);
		if (ahead) {
			r = prefetch_take(pf, &page, &serr);
			ahead = false;
		} else {
			/* cut by the budget or the next post: the pagination
			 * goes on in the next cycle (not a failure) */
			t = now_of(c);
			if (!may_search(c, t, must_return_by))
				break;
			cycle_req(c, &y, &req);
			pages++;
			r = do_search(c, &req, &page, must_return_by - t, &serr);
		}
		if (r < 0) {
			ch_error_set(err, serr.source, serr.line, "%s",
				     serr.text);
			failed = 1;
			/* a resumed token the API refuses: start afresh */
			if (y.token && c->k.net->last == CH_NETFAIL_REFUSED) {
				free(y.token);
				y.token = NULL;
				json_object_del(cap, "pending");
			}
			ch_msg_page_free(&page);
			break;
		}
		if (!y.newest && page.newest)
			y.newest = ch_xstrdup(page.newest);
		free(y.token);
		y.token = page.next && cursor_new(&y.seen, page.next, c->k.net->ops->name)
				  ? ch_xstrdup(page.next) : NULL;
		if (y.token) {
			pending_save(cap, &y);
			t = now_of(c);
			if (!may_search(c, t, must_return_by)) {
				cut = true;
			} else if (!pf_off && !c->k.serial) {
				cycle_req(c, &y, &req);
				search_prep(c, must_return_by - t);
				if (prefetch_give(pf, &req) == 0) {
					pages++;
					ahead = true;
				} else {
					pf_off = true; /* no thread: search here */
				}
			}
		}
		if (take_page(c, &x, &page, err) < 0) {
			ch_msg_page_free(&page);
			c->fails++;
			rollback = true;
			goto cleanup;
		}
		prefetch_recycle(pf, &page);
		if (!y.token) {
			done = 1;
			break;
		}
		if (cut)
			break;
	}
	if (done) {
		const char *since = ch_json_str(cap, "since_id");

		if (y.newest && (!since || ch_net_cursor_cmp(c->k.net, y.newest, since) > 0))
			json_object_set_new(cap, "since_id",
					    json_string(y.newest));
		json_object_set_new(cap, "query", json_string(y.query));
		json_object_set_new(cap, "live_to", json_real(y.started));
		json_object_del(cap, "pending");
		ch_capture_cover(json_object_get(cap, "covered"), y.from,
				 y.started);
		c->fails = 0;
		rc = 0;
	} else {
		if (y.token)
			pending_save(cap, &y);
		if (failed && c->k.net->last != CH_NETFAIL_WAIT &&
		    c->k.net->last != CH_NETFAIL_EXHAUSTED)
			c->fails++;
		rc = failed ? -1 : 0;
	}
cleanup:
	prefetch_drain(pf);
	c->last_pages = pages;
	if (commit_reads(c, cap, snap, rollback, err) < 0) {
		if (rc == 0)
			c->fails++;
		rc = -1;
	}
	json_decref(snap);
	actx_free(&x);
	cycle_free(&y);
	return rc;
}

/* ---- backfill ------------------------------------------------------------------ */

/* Searches [from, to] completely. Returns 0, or -1 with err. */
static int backfill_range(struct ch_capture *c, const struct actx *x,
			  double from, double to,
			  struct ch_error *err)
{
	char st[32], et[32];
	char *token = NULL;
	struct cursors seen = {0};
	int rc = -1, pages = 0, retries = 0;

	iso_at(from, st, sizeof st, 0);
	iso_at(to, et, sizeof et, 1);
	ch_log(CH_LOG_INFO, "backfill: searching %s .. %s", st, et);
	for (;;) {
		struct ch_net_read req;
		struct ch_msg_page page;
		struct ch_error serr;
		double t = now_of(c);

		if (c->rate_remaining == 0 && c->rate_reset > t) {
			if (c->rate_reset - t > MAX_RATE_WAIT) {
				ch_error_set(err, "search", 0,
					     "rate limited for too long; run 'chathost run --backfill' later");
				goto cleanup;
			}
			sleep_to(c, c->rate_reset);
			c->rate_remaining = -1;
		}
		if (pages >= MAX_PAGES_BACKFILL) {
			ch_error_set(err, "search", 0,
				     "more than %d pages for %s .. %s",
				     MAX_PAGES_BACKFILL, st, et);
			goto cleanup;
		}
		memset(&page, 0, sizeof page);
		chat_read(c, &req);
		req.start_time = st;
		req.end_time = et;
		req.cursor = token;
		ch_error_clear(&serr);
		pages++;
		if (do_search(c, &req, &page, CH_HTTP_TIMEOUT_MS / 1000.0,
			      &serr) < 0) {
			enum ch_netfail f = c->k.net->last;

			ch_msg_page_free(&page);
			if (retries < 3 && (f == CH_NETFAIL_WAIT ||
					    f == CH_NETFAIL_RETRY)) {
				double until = f == CH_NETFAIL_WAIT
						       ? c->wait_until
						       : now_of(c) + (1 << retries);

				retries++;
				if (until - now_of(c) > MAX_RATE_WAIT) {
					ch_error_set(err, serr.source, serr.line,
						     "%s", serr.text);
					goto cleanup;
				}
				sleep_to(c, until);
				continue;
			}
			ch_error_set(err, serr.source, serr.line, "%s",
				     serr.text);
			goto cleanup;
		}
		retries = 0;
		if (take_page(c, x, &page, err) < 0) {
			ch_msg_page_free(&page);
			goto cleanup;
		}
		free(token);
		token = page.next && cursor_new(&seen, page.next, c->k.net->ops->name)
				? ch_xstrdup(page.next) : NULL;
		ch_msg_page_free(&page);
		if (!token)
			break;
	}
	rc = 0;
cleanup:
	cursors_free(&seen);
	free(token);
	return rc;
}

/* Right after the window: one more live cycle (since_id) picks up the
 * tail of the window, and whatever a failing search missed, at the cost of
 * the new posts only. Gives up on a failure (the ranges then follow). */
static void final_live(struct ch_capture *c, double hi)
{
	json_t *cap = cap_obj(c);
	int i;

	for (i = 0; i < 20; i++) {
		struct ch_error e;
		double now = now_of(c), due;

		if (ch_json_num(cap, "live_to", 0) >= hi)
			return;
		due = budget_due(c, now);
		if (due > now) {
			if (due - now > MAX_RATE_WAIT)
				return;
			sleep_to(c, due);
			now = now_of(c);
		}
		ch_error_clear(&e);
		c->not_before = 0;
		if (ch_capture_poll(c, now, now + MAX_RATE_WAIT, &e) < 0) {
			ch_log(CH_LOG_WARN, "search: %s", e.text);
			if (c->k.net->last != CH_NETFAIL_WAIT)
				return;
		}
	}
}

int ch_capture_backfill(struct ch_capture *c, bool full, struct ch_error *err)
{
	json_t *cap = cap_obj(c), *snap = NULL;
	json_t *covered = json_object_get(cap, "covered");
	double gaps[MAX_GAPS][2];
	double lo = c->k.window_start - margin(c), hi = c->k.window_end;
	double now = now_of(c), reach = now - SEARCH_REACH;
	double live_to = ch_json_num(cap, "live_to", 0);
	double lag = c->k.net->ops->end_lag;
	size_t n, i;
	struct actx x;
	struct ch_error serr;
	int rc = 0;

	memset(&x, 0, sizeof x);
	if (!json_is_array(covered)) {
		covered = json_array();
		json_object_set_new(cap, "covered", covered);
	}
	if (!full && live_to > 0 && live_to < hi && now >= hi &&
	    now - hi < window_len(c) && ch_json_str(cap, "since_id")) {
		final_live(c, hi);
		now = now_of(c);
		covered = json_object_get(cap, "covered");
	}
	snap = json_deep_copy(cap);
	if (full) {
		n = hi > lo ? 1 : 0;
		gaps[0][0] = lo;
		gaps[0][1] = hi;
	} else {
		n = ch_capture_gaps(covered, lo, hi, gaps, MAX_GAPS);
	}
	if (n == 0) {
		ch_log(CH_LOG_INFO, "backfill: nothing missed");
		goto cleanup;
	}
	/* the network may want end_time some seconds before the request
	 * (end_lag; X: 10 s): wait that long, or cut (the rest is left for a
	 * later 'chathost run --backfill') */
	if (hi > now - lag) {
		if (hi + lag - now <= lag + 1.0)
			sleep_to(c, hi + lag);
		now = now_of(c);
		if (hi > now - lag)
			hi = now - lag;
		for (i = 0; i < n && i < MAX_GAPS; i++)
			if (gaps[i][1] > hi)
				gaps[i][1] = hi;
	}
	if (n > MAX_GAPS)
		n = MAX_GAPS; /* the rest on the next run */
	actx_load(c, &x);
	for (i = 0; i < n; i++) {
		double from = gaps[i][0], to = gaps[i][1];

		if (to <= from)
			continue;
		if (to <= reach) {
			ch_error_set(err, "search", 0,
				     "posts from more than 7 days ago cannot be searched any more; the log misses them");
			rc = -1;
			continue;
		}
		if (from < reach)
			from = reach;
		ch_error_clear(&serr);
		if (backfill_range(c, &x, from, to, &serr) < 0) {
			ch_error_set(err, serr.source, serr.line, "%s",
				     serr.text);
			rc = -1;
			if (c->k.net->last == CH_NETFAIL_CREDENTIALS)
				break;
			continue;
		}
		ch_capture_cover(covered, from, to);
	}
cleanup:
	if (commit_reads(c, cap, snap, false, err) < 0)
		rc = -1;
	json_decref(snap);
	actx_free(&x);
	return rc;
}
