/* care.c - the care watch's cases and alerts (see care.h). */
#include "care.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chtime.h"
#include "log.h"
#include "replylog.h"
#include "state.h"

#define EARLY_MAX 256    /* staff replies kept until their case opens */
#define LOAD_DAYS 7

struct ch_case {
	char net[16];
	char *id, *url, *author_id, *username, *text, *category;
	char *conversation_id, *created_at;
	char **ids;          /* owned: the case's posts (first, follow-ups) */
	size_t n_ids;
	double created, seen, clock;
	bool warned, breached, answered;
	bool direct;         /* a direct message: its text kept nowhere */
	double answered_at;
	char *answered_by, *reply_id;
};

/* The cases (care.h). */
struct ch_care {
	struct ch_care_conf c;       /* a copy; speed > 0 */
	/* the bot's own account per network ("x", its id, the domain of
	 * its bare handles: struct ch_net's home) */
	struct { char net[16]; char id[CH_NET_ID_MAX]; char home[128]; }
		me[CH_CARE_NETS];
	size_t n_me;
	pthread_mutex_t mu;
	struct ch_case *cases;       /* owned */
	size_t n, cap;
	struct ch_case *early;       /* owned: staff replies read before
					their case (a small ring) */
	size_t n_early;
	long alerts;                 /* alerts sent by this process */
};

static void case_free(struct ch_case *c)
{
	size_t i;

	free(c->id);
	free(c->url);
	free(c->author_id);
	free(c->username);
	free(c->text);
	free(c->category);
	free(c->conversation_id);
	free(c->created_at);
	for (i = 0; i < c->n_ids; i++)
		free(c->ids[i]);
	free(c->ids);
	free(c->answered_by);
	free(c->reply_id);
	memset(c, 0, sizeof *c);
}

static void case_add_id(struct ch_case *c, const char *id)
{
	c->ids = ch_xrealloc(c->ids, (c->n_ids + 1) * sizeof *c->ids);
	c->ids[c->n_ids++] = ch_xstrdup(id);
}

static bool case_has(const struct ch_case *c, const char *net, const char *id)
{
	size_t i;

	if (!id || strcmp(c->net, net) != 0)
		return false;
	for (i = 0; i < c->n_ids; i++)
		if (strcmp(c->ids[i], id) == 0)
			return true;
	return false;
}

/* Whether post m (on net) is in case c's thread: a reply to one of its
 * posts or a quote of one, or in the thread its first post started. */
static bool in_thread(const struct ch_case *c, const char *net,
		      const struct ch_msg *m)
{
	if (strcmp(c->net, net) != 0)
		return false;
	if (case_has(c, net, m->in_reply_to_id) || case_has(c, net, m->quote_of))
		return true;
	/* a direct message's thread is its conversation */
	if (m->direct && c->direct)
		return m->conversation_id && c->conversation_id &&
		       strcmp(m->conversation_id, c->conversation_id) == 0;
	return m->conversation_id && c->id &&
	       strcmp(m->conversation_id, c->id) == 0;
}

static double ms_of(const char *iso)
{
	long long ms;

	return iso && ch_parse_time_ms(iso, false, &ms) == 0 ? (double)ms / 1000.0
							      : NAN;
}

/* ---- staffed time ---------------------------------------------------------- */

double ch_care_staffed(const struct ch_care *k, double from, double to)
{
	double sum = 0, t = from;
	int guard = 0;

	if (!(to > from))
		return 0;
	if (k->c.staffed_from > 0 || !k->c.w || k->c.w->n_hours == 0) {
		double start = from > k->c.staffed_from ? from : k->c.staffed_from;

		return to > start ? to - start : 0;
	}
	while (t < to && guard++ < 2000) {
		time_t a, b;

		if (ch_watch_period(k->c.w, k->c.tz, (time_t)floor(t), &a, &b) != 1 ||
		    (double)a >= to)
			break;
		if ((double)a > t)
			t = (double)a;
		sum += fmin((double)b, to) - t;
		t = (double)b;
	}
	return sum;
}

/* When a post made at t starts to wait: t if staffed, else the opening of
 * the next staffed period (never, HUGE_VAL, if none). */
static double clock_of(const struct ch_care *k, double t)
{
	time_t a, b;

	if (k->c.staffed_from > 0 || !k->c.w || k->c.w->n_hours == 0)
		return t > k->c.staffed_from ? t : k->c.staffed_from;
	if (ch_watch_period(k->c.w, k->c.tz, (time_t)floor(t), &a, &b) != 1)
		return HUGE_VAL;
	return (double)a > t ? (double)a : t;
}

/* The staffed period a case whose clock starts at clock falls in, as the
 * care lead reads it: "2027-05-03 08:00-18:00" (the schedule's zone);
 * "rehearsal" in a rehearsal or a welcome (staffed from the start). */
static void period_of(const struct ch_care *k, double clock, char *buf,
		      size_t n)
{
	time_t a, b;
	struct tm ta, tb;

	snprintf(buf, n, "rehearsal");
	if (k->c.staffed_from > 0 || !k->c.w || k->c.w->n_hours == 0 ||
	    !isfinite(clock) ||
	    ch_watch_period(k->c.w, k->c.tz, (time_t)floor(clock), &a, &b) != 1 ||
	    ch_utc_to_local(k->c.tz, a, &ta, NULL) < 0 ||
	    ch_utc_to_local(k->c.tz, b, &tb, NULL) < 0)
		return;
	snprintf(buf, n, "%04d-%02d-%02d %02d:%02d-%02d:%02d", ta.tm_year + 1900,
		 ta.tm_mon + 1, ta.tm_mday, ta.tm_hour, ta.tm_min,
		 tb.tm_mday != ta.tm_mday && tb.tm_hour == 0 && tb.tm_min == 0 ? 24 : tb.tm_hour,
		 tb.tm_min);
}

/* The real instant at which a case whose clock started at clock has
 * waited `wait` staffed seconds. */
static double due_at(const struct ch_care *k, double clock, double wait)
{
	double t = clock;
	int guard = 0;

	if (k->c.staffed_from > 0 || !k->c.w || k->c.w->n_hours == 0)
		return clock + wait;
	while (guard++ < 2000) {
		time_t a, b;

		if (ch_watch_period(k->c.w, k->c.tz, (time_t)floor(t), &a, &b) != 1)
			return HUGE_VAL;
		if ((double)a > t)
			t = (double)a;
		if ((double)b - t >= wait)
			return t + wait;
		wait -= (double)b - t;
		t = (double)b;
	}
	return HUGE_VAL;
}

/* ---- the log ---------------------------------------------------------------- */

static char *log_path(const struct ch_care *k, double now)
{
	struct tm tm;
	char day[16] = "unknown";

	if (k->c.day)
		return ch_xasprintf("%s/%s.jsonl", k->c.dir, k->c.day);
	if (ch_utc_to_local(k->c.tz, (time_t)floor(now), &tm, NULL) == 0)
		strftime(day, sizeof day, "%Y-%m-%d", &tm);
	return ch_xasprintf("%s/%s.jsonl", k->c.dir, day);
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

static void set_time(json_t *o, const char *key, double t)
{
	char buf[40];

	if (!isfinite(t))
		return;
	ch_format_time_ms((long long)floor(t * 1000.0), buf, sizeof buf);
	json_object_set_new(o, key, json_string(buf));
}

/* The case's fields, for any of its events (caller owns). */
static json_t *case_fields(const struct ch_case *c)
{
	json_t *o = json_object();

	set_str(o, "net", c->net);
	set_str(o, "id", c->id);
	set_str(o, "url", c->url);
	set_str(o, "author", c->username);
	set_str(o, "author_id", c->author_id);
	set_str(o, "text", c->text);
	if (c->direct)
		json_object_set_new(o, "direct", json_true());
	set_str(o, "created_at", c->created_at);
	set_time(o, "seen_at", c->seen);
	set_time(o, "clock_at", c->clock);
	set_str(o, "conversation_id", c->conversation_id);
	json_object_set_new(o, "category",
			    c->category ? json_string(c->category) : json_null());
	return o;
}

/* The watch's thresholds on an opening (chat seconds), for the report. */
static void thresholds(const struct ch_care *k, json_t *o)
{
	json_object_set_new(o, "warn_after_s", json_integer(k->c.w->warn_after * 60));
	json_object_set_new(o, "sla_s", json_integer(k->c.w->sla * 60));
}

/* One event line, durable before anything is said. Steals fields. */
static int log_event(struct ch_care *k, double now, const char *event,
		     json_t *fields, struct ch_error *err)
{
	struct ch_replylog *lg = NULL;
	char *path = log_path(k, now);
	int rc = -1;

	set_time(fields, "at", now);
	if (ch_mkdir_p(k->c.dir) < 0) {
		ch_error_set(err, k->c.dir, 0, "cannot create the care log folder");
		goto cleanup;
	}
	lg = ch_replylog_open(path, err);
	if (!lg)
		goto cleanup;
	if (ch_replylog_event(lg, event, fields, err) < 0 ||
	    ch_replylog_flush(lg, err) < 0) {
		ch_replylog_close(lg, NULL);
		goto cleanup;
	}
	rc = ch_replylog_close(lg, err);
cleanup:
	json_decref(fields);
	free(path);
	return rc;
}

/* ---- cases ------------------------------------------------------------------ */

static struct ch_case *new_case(struct ch_care *k)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 64;
		k->cases = ch_xrealloc(k->cases, k->cap * sizeof *k->cases);
	}
	memset(&k->cases[k->n], 0, sizeof k->cases[k->n]);
	return &k->cases[k->n++];
}

static struct ch_case *find_case(struct ch_care *k, const char *net,
				 const char *id)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (case_has(&k->cases[i], net, id))
			return &k->cases[i];
	return NULL;
}

/* The domain of network net's bare handles ("" if none or unknown). */
static const char *home_of(const struct ch_care *k, const char *net)
{
	size_t i;

	for (i = 0; i < k->n_me; i++)
		if (strcmp(k->me[i].net, net) == 0)
			return k->me[i].home;
	return "";
}

static bool is_me(const struct ch_care *k, const char *net, const char *author)
{
	size_t i;

	for (i = 0; author && i < k->n_me; i++)
		if (strcmp(k->me[i].net, net) == 0 &&
		    strcmp(k->me[i].id, author) == 0)
			return true;
	return false;
}

/* Records staff reply r as case c's answer: logged, then said. */
static int answer(struct ch_care *k, struct ch_case *c, const struct ch_case *r,
		  double now, struct ch_error *err)
{
	json_t *f = case_fields(c);
	double resp = ch_care_staffed(k, c->clock, r->created);

	json_object_set_new(f, "answered_by", json_string(r->username ? r->username : ""));
	set_str(f, "reply_id", r->id);
	set_str(f, "reply_url", r->url);
	set_time(f, "answered_at", r->created);
	/* chat seconds: a rehearsal's are put back on its own timeline */
	json_object_set_new(f, "response_s",
			    json_real(floor(resp * k->c.speed * 10) / 10));
	if (log_event(k, now, "answered", f, err) < 0)
		return -1;
	c->answered = true;
	c->answered_at = r->created;
	c->answered_by = ch_xstrdup(r->username);
	c->reply_id = ch_xstrdup(r->id);
	ch_log(CH_LOG_INFO, "care: @%s answered @%s on %s after %.0f s",
	       r->username ? r->username : "?", c->username ? c->username : "?",
	       c->net, resp);
	return 1;
}

/* A case struct for a post (its strings copied). */
static void case_of(struct ch_case *c, const char *net, const struct ch_msg *m,
		    double now)
{
	snprintf(c->net, sizeof c->net, "%s", net);
	c->id = ch_xstrdup(m->id);
	c->url = ch_xstrdup(m->url);
	c->author_id = ch_xstrdup(m->author_id);
	c->username = ch_xstrdup(m->username);
	/* a direct message's words stay between its author and the team's
	 * app: not in the log, the alerts, the reports or the board */
	c->direct = m->direct;
	c->text = m->direct ? NULL : ch_xstrdup(m->text);
	c->conversation_id = ch_xstrdup(m->conversation_id);
	c->created_at = ch_xstrdup(m->created_at);
	c->created = ms_of(m->created_at);
	if (!isfinite(c->created))
		c->created = now;
	c->seen = now;
	case_add_id(c, m->id);
}

/* A staff post: answers the open case it replies in, or waits for it. */
static int take_staff(struct ch_care *k, const char *net,
		      const struct ch_msg *m, double now, struct ch_error *err)
{
	struct ch_case r;
	const char *to;
	size_t i;
	json_t *f;

	if (!m->in_reply_to_id && !m->conversation_id && !m->quote_of)
		return 0; /* not a reply nor a quote: answers nothing */
	for (i = 0; i < k->n; i++) {
		struct ch_case *c = &k->cases[i];

		if (!c->answered && in_thread(c, net, m) &&
		    ms_of(m->created_at) >= c->created - 1) {
			int rc;

			memset(&r, 0, sizeof r);
			case_of(&r, net, m, now);
			rc = answer(k, c, &r, now, err);
			case_free(&r);
			return rc;
		}
	}
	to = m->in_reply_to_id ? m->in_reply_to_id : m->quote_of;
	if (!to || find_case(k, net, to))
		return 0; /* no reply, or to a case answered already */
	for (i = 0; i < k->n_early; i++)
		if (strcmp(k->early[i].net, net) == 0 &&
		    strcmp(k->early[i].id, m->id) == 0)
			return 0; /* kept already */
	/* read before its case (pages come newest first): kept, logged so
	 * that a restart keeps it too */
	memset(&r, 0, sizeof r);
	case_of(&r, net, m, now);
	f = case_fields(&r);
	set_str(f, "in_reply_to_id", to);
	if (log_event(k, now, "staff", f, err) < 0) {
		case_free(&r);
		return -1;
	}
	if (k->n_early == EARLY_MAX) {
		case_free(&k->early[0]);
		memmove(k->early, k->early + 1, (EARLY_MAX - 1) * sizeof *k->early);
		k->n_early--;
	}
	r.reply_id = ch_xstrdup(to); /* what it replies to (or quotes) */
	k->early[k->n_early++] = r;
	return 1;
}

/* A new case: an early staff reply in its thread answers it at once. */
/* How a watch found post m: "direct" (a direct message), "mention" (of a
 * watched account), "hashtag", "words" (it names the event), else
 * "thread" (a reply in a case's thread, a post its network listed
 * otherwise). */
static const char *found_by(const struct ch_care *k, const char *net,
			    const struct ch_msg *m)
{
	const char *names[CH_WATCH_MAX];
	size_t i, n;

	if (m->direct)
		return "direct";
	n = ch_watch_handles(k->c.w->accounts, k->c.w->n_accounts, net, names,
			     CH_WATCH_MAX);
	for (i = 0; i < n; i++) {
		/* "@care@events.example", or "@care" at its home instance */
		char buf[CH_NET_ID_MAX];
		char *at = ch_xasprintf("@%s", names[i]);
		char *local = ch_xasprintf("@%s", ch_handle_local(names[i], home_of(k, net),
								   buf, sizeof buf));
		bool yes = ch_text_has_phrase(m->text, at) ||
			   ch_text_has_phrase(m->text, local);

		free(at);
		free(local);
		if (yes)
			return "mention";
	}
	for (i = 0; i < k->c.w->n_hashtags; i++)
		if (ch_text_has_tag(m->text, k->c.w->hashtags[i]))
			return "hashtag";
	return ch_watch_named(k->c.w, m->text) ? "words" : "thread";
}

static int open_case(struct ch_care *k, const char *net, const struct ch_msg *m,
		     double now, struct ch_error *err)
{
	struct ch_case *c = new_case(k);
	size_t i;
	json_t *f;

	case_of(c, net, m, now);
	c->clock = clock_of(k, c->created);
	c->category = ch_xstrdup(k->c.welcome ? "first-timer"
					    : ch_watch_category(k->c.w, m->text));
	f = case_fields(c);
	thresholds(k, f);
	if (!k->c.welcome && k->c.w) {
		char period[64];

		json_object_set_new(f, "found", json_string(found_by(k, net, m)));
		period_of(k, c->clock, period, sizeof period);
		json_object_set_new(f, "period", json_string(period));
	}
	if (log_event(k, now, "opened", f, err) < 0) {
		case_free(c);
		k->n--;
		return -1;
	}
	ch_log(CH_LOG_INFO, "care: case %s on %s opened by @%s (%s)", c->id,
	       net, c->username ? c->username : "?",
	       c->category ? c->category : "uncategorised");
	for (i = 0; i < k->n_early; i++) {
		struct ch_case *r = &k->early[i];

		if (strcmp(r->net, net) == 0 && strcmp(r->reply_id, c->id) == 0 &&
		    r->created >= c->created - 1)
			return answer(k, c, r, now, err) < 0 ? -1 : 2;
	}
	return 1;
}

/* One post. Returns events logged, or -1. */
static int take_one(struct ch_care *k, const char *net, const struct ch_msg *m,
		    double now, struct ch_error *err)
{
	size_t i;
	json_t *f;

	if (!m->id || !m->text || m->is_repost || find_case(k, net, m->id))
		return 0;
	/* the bot's own posts open nothing; its replies answer where its
	 * account is a person's too: the host's in a chat (replies by hand
	 * welcome), the team's desk in a watch whose staff names it */
	if (is_me(k, net, m->author_id))
		return (m->in_reply_to_id || m->quote_of || m->direct) &&
			       (k->c.welcome || ch_watch_is_staff(k->c.w, net, m->username, home_of(k, net)))
			       ? take_staff(k, net, m, now, err) : 0;
	if (ch_watch_is_staff(k->c.w, net, m->username, home_of(k, net)))
		return take_staff(k, net, m, now, err);
	for (i = 0; i < k->n; i++) {
		struct ch_case *c = &k->cases[i];

		if (c->answered || !c->author_id || !m->author_id ||
		    strcmp(c->author_id, m->author_id) != 0 ||
		    strcmp(c->net, net) != 0 || (!k->c.welcome && !in_thread(c, net, m)))
			continue;
		f = case_fields(c);
		set_str(f, "post_id", m->id);
		set_str(f, "post_text", m->direct ? NULL : m->text);
		if (log_event(k, now, "joined", f, err) < 0)
			return -1;
		case_add_id(c, m->id);
		return 1;
	}
	return open_case(k, net, m, now, err);
}

static int cmp_created(const void *a, const void *b)
{
	const struct ch_msg *x = *(const struct ch_msg *const *)a;
	const struct ch_msg *y = *(const struct ch_msg *const *)b;
	int c = strcmp(x->created_at ? x->created_at : "",
		       y->created_at ? y->created_at : "");

	return c ? c : strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

int ch_care_take(struct ch_care *k, const char *net,
		 const struct ch_msg_page *page, double now,
		 struct ch_error *err)
{
	const struct ch_msg **v;
	size_t i;
	int n = 0, r = 0;

	if (!page->n)
		return 0;
	/* oldest first: a case opens before its answer is taken */
	v = ch_xcalloc(page->n, sizeof *v);
	for (i = 0; i < page->n; i++)
		v[i] = &page->msgs[i];
	qsort(v, page->n, sizeof *v, cmp_created);
	pthread_mutex_lock(&k->mu);
	for (i = 0; i < page->n && r >= 0; i++) {
		r = take_one(k, net, v[i], now, err);
		if (r > 0)
			n += r;
	}
	pthread_mutex_unlock(&k->mu);
	free(v);
	return r < 0 ? -1 : n;
}

/* ---- alerts ----------------------------------------------------------------- */

/* The alert's one line (caller frees). */
static char *say(struct ch_care *k, const struct ch_case *c, bool breach,
		 double waited)
{
	const struct ch_net_ops *ops = ch_net_find(c->net);
	char *msg;
	char txt[200];
	size_t n;

	snprintf(txt, sizeof txt, "%s", c->direct ? "(a direct message: read it in the app)"
					  : c->text ? c->text : "");
	for (n = 0; txt[n]; n++)
		if (txt[n] == '\n' || txt[n] == '\r')
			txt[n] = ' ';

	if (k->c.welcome)
		msg = ch_xasprintf(
			"welcome: first-timer @%s on %s has not been welcomed after %.0f min: \"%s\" %s",
			c->username ? c->username : "?", ops ? ops->title : c->net,
			floor(waited * k->c.speed / 60.0 + 0.5), txt,
			c->url ? c->url : "");
	else
		msg = ch_xasprintf(
		"%s: @%s on %s has waited %.0f min for an answer%s (%s): \"%s\" %s",
		breach ? "SLA breached" : "care", c->username ? c->username : "?",
		ops ? ops->title : c->net, floor(waited * k->c.speed / 60.0 + 0.5),
		breach ? ", past the SLA" : "",
		c->category ? c->category : "uncategorised", txt,
		c->url ? c->url : "");
	/* the notifiers log it themselves */
	ch_log(k->c.alert ? CH_LOG_DEBUG : breach ? CH_LOG_WARN : CH_LOG_INFO,
	       "%s", msg);
	k->alerts++;
	return msg;
}

/* The case's next threshold: its instant, and whether it is the breach. */
static double next_due(const struct ch_care *k, const struct ch_case *c,
		       bool *breach)
{
	double warn = (double)k->c.w->warn_after * 60.0 / k->c.speed;
	double sla = (double)k->c.w->sla * 60.0 / k->c.speed;

	*breach = c->warned;
	if (c->answered || c->breached || !isfinite(c->clock))
		return HUGE_VAL;
	return due_at(k, c->clock, c->warned ? sla : warn);
}

double ch_care_tick(struct ch_care *k, double now)
{
	double next = HUGE_VAL;
	struct ch_buf said = {0}; /* the alerts, sent once the lock is let go:
				     a slow webhook never holds the reads */
	size_t i, len;
	const char *m;

	pthread_mutex_lock(&k->mu);
	for (i = 0; i < k->n; i++) {
		struct ch_case *c = &k->cases[i];
		struct ch_error err;
		bool breach;
		double due;
		json_t *f;

		while ((due = next_due(k, c, &breach)) <= now) {
			double waited = ch_care_staffed(k, c->clock, now);

			f = case_fields(c);
			json_object_set_new(f, "waited_s",
					    json_real(floor(waited * k->c.speed * 10) / 10));
			ch_error_clear(&err);
			if (log_event(k, now, breach ? "breached" : "warned", f,
				      &err) < 0) {
				ch_log(CH_LOG_ERROR, "care: %s", err.text);
				due = now + 5; /* said when it can be written */
				break;
			}
			if (breach)
				c->breached = true;
			else
				c->warned = true;
			if (breach || !k->c.welcome) { /* a welcome: the breach only */
				char *msg = say(k, c, breach, waited);

				/* "CATEGORY\0MESSAGE\0": sent once unlocked */
				ch_buf_append(&said, c->category ? c->category : "",
					      strlen(c->category ? c->category : "") + 1);
				ch_buf_append(&said, msg, strlen(msg) + 1);
				free(msg);
			}
		}
		if (due < next)
			next = due;
	}
	pthread_mutex_unlock(&k->mu);
	len = said.len;
	for (m = said.data; k->c.alert && m && m < said.data + len; ) {
		const char *cat = m, *msg = m + strlen(m) + 1;

		k->c.alert(k->c.alert_ctx, *cat ? cat : NULL, msg);
		m = msg + strlen(msg) + 1;
	}
	ch_buf_free(&said);
	return next;
}

size_t ch_care_open_cases(struct ch_care *k)
{
	size_t i, n = 0;

	pthread_mutex_lock(&k->mu);
	for (i = 0; i < k->n; i++)
		n += !k->cases[i].answered;
	pthread_mutex_unlock(&k->mu);
	return n;
}

/* ---- open, close: the cases from the logs ------------------------------------ */

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A case (or an early staff reply) as a log line gives it. */
static void case_from_json(struct ch_case *c, json_t *o)
{
	snprintf(c->net, sizeof c->net, "%s", jstr(o, "net") ? jstr(o, "net") : "x");
	c->id = ch_xstrdup(jstr(o, "id"));
	c->url = ch_xstrdup(jstr(o, "url"));
	c->author_id = ch_xstrdup(jstr(o, "author_id"));
	c->username = ch_xstrdup(jstr(o, "author"));
	c->text = ch_xstrdup(jstr(o, "text"));
	c->direct = json_is_true(json_object_get(o, "direct"));
	c->category = ch_xstrdup(jstr(o, "category"));
	c->conversation_id = ch_xstrdup(jstr(o, "conversation_id"));
	c->created_at = ch_xstrdup(jstr(o, "created_at"));
	c->created = ms_of(c->created_at);
	c->seen = ms_of(jstr(o, "seen_at"));
	c->clock = jstr(o, "clock_at") ? ms_of(jstr(o, "clock_at")) : HUGE_VAL;
	if (c->id)
		case_add_id(c, c->id);
}

static void apply_line(struct ch_care *k, json_t *o)
{
	const char *ev = jstr(o, "event"), *net = jstr(o, "net");
	struct ch_case *c;

	if (!ev || !jstr(o, "id"))
		return;
	net = net ? net : "x";
	if (strcmp(ev, "staff") == 0) {
		struct ch_case r;

		if (k->n_early == EARLY_MAX || !jstr(o, "in_reply_to_id"))
			return;
		memset(&r, 0, sizeof r);
		case_from_json(&r, o);
		r.reply_id = ch_xstrdup(jstr(o, "in_reply_to_id"));
		k->early[k->n_early++] = r;
		return;
	}
	if (strcmp(ev, "opened") == 0) {
		if (!find_case(k, net, jstr(o, "id")))
			case_from_json(new_case(k), o);
		return;
	}
	c = find_case(k, net, jstr(o, "id"));
	if (!c)
		return;
	if (strcmp(ev, "joined") == 0 && jstr(o, "post_id") &&
	    !case_has(c, net, jstr(o, "post_id")))
		case_add_id(c, jstr(o, "post_id"));
	else if (strcmp(ev, "warned") == 0)
		c->warned = true;
	else if (strcmp(ev, "breached") == 0)
		c->warned = c->breached = true;
	else if (strcmp(ev, "answered") == 0 && !c->answered) {
		c->answered = true;
		c->answered_at = ms_of(jstr(o, "answered_at"));
		c->answered_by = ch_xstrdup(jstr(o, "answered_by"));
		c->reply_id = ch_xstrdup(jstr(o, "reply_id"));
	}
}

static void apply_cb(void *ctx, json_t *o)
{
	apply_line(ctx, o);
}

static int load_file(struct ch_care *k, const char *path, struct ch_error *err)
{
	if (ch_json_lines(path, apply_cb, k) < 0) {
		ch_error_set(err, path, 0, "cannot read the care log");
		return -1;
	}
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct ch_care *ch_care_open(const struct ch_care_conf *conf, double now,
			     struct ch_error *err)
{
	struct ch_care *k = ch_xcalloc(1, sizeof *k);
	DIR *dir;
	struct dirent *e;
	char **names = NULL, first[16] = "";
	size_t n = 0, i;
	struct tm tm;
	int rc = 0;

	k->c = *conf;
	pthread_mutex_init(&k->mu, NULL);
	k->early = ch_xcalloc(EARLY_MAX, sizeof *k->early);
	if (!(k->c.speed > 0))
		k->c.speed = 1;
	if (ch_utc_to_local(k->c.tz, (time_t)floor(now) - LOAD_DAYS * 86400, &tm,
			    NULL) == 0)
		strftime(first, sizeof first, "%Y-%m-%d", &tm);
	dir = opendir(k->c.dir);
	while (dir && (e = readdir(dir)) != NULL) {
		if (strlen(e->d_name) != 16 || strcmp(e->d_name + 10, ".jsonl") != 0 ||
		    (strncmp(e->d_name, first, 10) < 0 &&
		     !(k->c.day && strncmp(e->d_name, k->c.day, 10) == 0)))
			continue;
		names = ch_xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = ch_xasprintf("%s/%s", k->c.dir, e->d_name);
	}
	if (dir)
		closedir(dir);
	if (n)
		qsort(names, n, sizeof *names, cmp_name);
	for (i = 0; i < n; i++) {
		if (rc == 0 && load_file(k, names[i], err) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	if (rc < 0) {
		ch_care_close(k);
		return NULL;
	}
	return k;
}

void ch_care_add_me(struct ch_care *k, const char *net, const char *id,
		    const char *home)
{
	pthread_mutex_lock(&k->mu);
	if (id && k->n_me < CH_CARE_NETS) {
		snprintf(k->me[k->n_me].net, sizeof k->me[0].net, "%s", net);
		snprintf(k->me[k->n_me].id, sizeof k->me[0].id, "%s", id);
		snprintf(k->me[k->n_me].home, sizeof k->me[0].home, "%s",
			 home ? home : "");
		k->n_me++;
	}
	pthread_mutex_unlock(&k->mu);
}

void ch_care_close(struct ch_care *k)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < k->n; i++)
		case_free(&k->cases[i]);
	free(k->cases);
	for (i = 0; k->early && i < k->n_early; i++)
		case_free(&k->early[i]);
	free(k->early);
	pthread_mutex_destroy(&k->mu);
	free(k);
}
