/* watch.c - chathost watch: the care watch's loop (see watch.h). */
#include "watch.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "capture.h"
#include "care.h"
#include "chtime.h"
#include "cli.h"
#include "clock.h"
#include "http.h"
#include "lock.h"
#include "log.h"
#include "notify.h"
#include "schedule.h"
#include "state.h"
#include "net/net.h"

#define REHEARSAL_HOURS 10.0  /* a rehearsal's staffed period, chat hours */
#define NAP 0.2               /* a sleep's longest chunk: a stop is seen */

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
	ch_http_stop_all(); /* a hung request ends too */
}

static bool stopped(void)
{
	return stop_flag != 0;
}

struct wnet {
	struct ch_watch_run *w;      /* borrowed */
	struct ch_net net;           /* owned when open */
	bool open;
	const char *name;            /* borrowed: "x" */
	pthread_t th;
	bool started;
	/* the read, borrowed from the schedule's watch */
	const char *mentions[CH_WATCH_MAX], *authors[CH_WATCH_MAX];
	size_t n_mentions, n_authors;
	char me_id[CH_NET_ID_MAX];   /* the bot's account here; "": unknown */
	int rc;
};

struct ch_watch_run {
	const struct ch_watch_opts *o;
	struct ch_schedule s;        /* owned */
	struct ch_care *care;        /* owned once opened */
	struct wnet nets[CH_MAX_NETS];
	size_t n_nets;
	char *dir;                   /* owned: the care folder */
	int lock_fd;                 /* owned: the care folder's lock, or -1 */
	double start;                /* real instant the watch started */
	struct ch_board *board;      /* owned: --board, or NULL */
};

/* ---- the read and the sink (capture.h hooks) ---- */

static void watch_read(void *ctx, struct ch_net_read *req)
{
	struct wnet *n = ctx;
	const struct ch_watch *w = &n->w->s.watch;

	req->tags = (const char *const *)w->hashtags;
	req->n_tags = w->n_hashtags;
	req->mentions = n->mentions;
	req->n_mentions = n->n_mentions;
	req->authors = n->authors;
	req->n_authors = n->n_authors;
	req->words = (const char *const *)w->words;
	req->n_words = w->n_words;
}

static int watch_take(void *ctx, const struct ch_msg_page *page,
		      struct ch_error *err)
{
	struct wnet *n = ctx;

	return ch_care_take(n->w->care, n->name, page, ch_clock_now(), err);
}

/* ---- one network ---- */

/* The staffed period in force at now or the next: 1, or 0 if none. */
static int period_at(struct ch_watch_run *w, double now, double *from,
		     double *to)
{
	time_t a, b;
	double len;

	if (w->o->speed > 0) {
		/* back-to-back periods of REHEARSAL_HOURS chat hours */
		len = REHEARSAL_HOURS * 3600.0 / w->o->speed;
		*from = w->start + floor((now - w->start) / len) * len;
		*to = *from + len;
		return 1;
	}
	if (ch_watch_period(&w->s.watch, w->s.timezone, (time_t)floor(now), &a, &b) != 1)
		return 0;
	*from = (double)a;
	*to = (double)b;
	return 1;
}

/* Where the first read of a period starts: the end of the period before
 * (what came in while nobody was staffed), at most six days back. */
static double window_from(struct ch_watch_run *w, double from)
{
	time_t prev;

	if (w->o->speed > 0) /* the hour before the rehearsal: "unstaffed" */
		return from <= w->start ? from - 3600.0 : from;
	prev = ch_watch_prev_end(&w->s.watch, w->s.timezone, (time_t)from - 1);
	if (prev <= 0 || from - (double)prev > 6 * 86400.0)
		return from - 6 * 86400.0;
	return (double)prev;
}

static void capture_sleep(void *ctx, double t)
{
	(void)ctx;
	ch_clock_sleep_until(t, NAP, stopped);
}

/* One staffed period on network n: live reads until its end, then the
 * backfill of what they missed. */
static void run_period(struct wnet *n, double from, double to)
{
	struct ch_watch_run *w = n->w;
	struct ch_capture *cap = NULL;
	struct ch_capture_conf k;
	struct ch_state st;
	struct ch_error err;
	struct tm tm;
	char day[16] = "day", *path;
	double wfrom = window_from(w, from);

	ch_error_clear(&err);
	memset(&st, 0, sizeof st);
	if (ch_utc_to_local(w->s.timezone, (time_t)from, &tm, NULL) == 0)
		strftime(day, sizeof day, "%Y-%m-%d", &tm);
	path = ch_xasprintf("%s/%s.%s.state.json", w->dir, day, n->name);
	memset(&k, 0, sizeof k);
	k.s = &w->s;
	k.net = &n->net;
	k.st = &st;
	k.window_start = wfrom;
	k.window_end = to;
	k.speed = w->o->speed > 0 ? w->o->speed : 1;
	k.read = watch_read;
	k.take = watch_take;
	k.sink_ctx = n;
	k.sleep_until = capture_sleep;
	if (ch_mkdir_p(w->dir) < 0 || ch_state_open(&st, path, &err) < 0 ||
	    !(cap = ch_capture_new(&k, &err))) {
		ch_log(CH_LOG_ERROR, "watch on %s: %s", n->net.ops->title,
		       err.text[0] ? err.text : "cannot open the state");
		ch_state_free(&st);
		free(path);
		ch_clock_sleep_until(fmin(to, ch_clock_now() + 60), NAP, stopped);
		return;
	}
	ch_log(CH_LOG_INFO, "watch on %s: staffed until %.0f s from now",
	       n->net.ops->title, to - ch_clock_now());
	while (!stopped()) {
		double now = ch_clock_now(), due = ch_capture_next_due(cap, now);

		if (now >= to)
			break;
		if (due <= now) {
			ch_error_clear(&err);
			if (ch_capture_poll(cap, now, fmin(to, now + 30), &err) < 0)
				ch_log(CH_LOG_WARN, "watch on %s: %s",
				       n->net.ops->title, err.text);
			continue;
		}
		ch_clock_sleep_until(fmin(due, to), NAP, stopped);
	}
	if (!stopped()) {
		ch_error_clear(&err);
		if (ch_capture_backfill(cap, false, &err) < 0)
			ch_log(CH_LOG_WARN, "watch on %s: backfill: %s",
			       n->net.ops->title, err.text);
	}
	ch_capture_free(cap);
	ch_state_free(&st);
	free(path);
}

static void *net_main(void *arg)
{
	struct wnet *n = arg;
	struct ch_watch_run *w = n->w;

	while (!stopped()) {
		double now = ch_clock_now(), from, to;

		if (!period_at(w, now, &from, &to)) {
			ch_log(CH_LOG_WARN,
			       "watch on %s: no staffed period ahead (watch.hours, watch.dates)",
			       n->net.ops->title);
			break;
		}
		if (from > now) {
			ch_log(CH_LOG_INFO, "watch on %s: next staffed period in %.0f min",
			       n->net.ops->title, (from - now) / 60.0);
			ch_clock_sleep_until(from, NAP, stopped);
			continue;
		}
		run_period(n, from, to);
	}
	return NULL;
}

/* ---- the run ---- */

/* An alert to its category's own team where it has one (a wifi case
 * to IT), else to the schedule's notifiers. A worker sends it: the
 * capture never waits for a notifier. */
static void on_alert(void *ctx, const char *category, const char *msg)
{
	struct ch_watch_run *w = ctx;
	const struct ch_watch *wt = &w->s.watch;
	size_t i;

	for (i = 0; category && i < wt->n_categories; i++) {
		const struct ch_watch_category *k = &wt->categories[i];

		if (strcmp(k->name, category) == 0 &&
		    (k->notify_webhook || k->notify_command)) {
			ch_notify_async_to(k->notify_webhook, k->notify_command, msg);
			return;
		}
	}
	ch_notify_async(&w->s, msg);
}

/* Opens every network of the schedule and asks who the bot is there (its
 * own posts never answer a case). A network that cannot be opened is
 * said and left out: the others are watched. Returns how many opened. */
static size_t open_nets(struct ch_watch_run *w)
{
	size_t i;

	for (i = 0; i < w->s.n_nets && i < CH_MAX_NETS; i++) {
		struct wnet *n = &w->nets[w->n_nets];
		const struct ch_schedule_net *sn = &w->s.nets[i];
		struct ch_net_conf conf;
		struct ch_error err;
		char id[CH_NET_ID_MAX], user[160];

		memset(n, 0, sizeof *n);
		n->w = w;
		n->name = sn->name;
		ch_error_clear(&err);
		ch_schedule_net_conf(&w->s, sn, &conf);
		if (ch_net_open_named(&n->net, sn->name, &conf, &err) < 0) {
			ch_log(CH_LOG_ERROR, "watch: %s: %s", sn->name, err.text);
			continue;
		}
		n->open = true;
		if (ch_net_whoami(&n->net, ch_clock_now() + 10, NULL, id, sizeof id,
				  user, sizeof user, &err) == 0) {
			snprintf(n->me_id, sizeof n->me_id, "%s", id);
			ch_log(CH_LOG_INFO, "watch on %s as @%s", n->net.ops->title, user);
		}
		n->n_mentions = ch_watch_handles(w->s.watch.accounts,
						 w->s.watch.n_accounts, sn->name,
						 n->mentions, CH_WATCH_MAX);
		n->n_authors = ch_watch_handles(w->s.watch.staff, w->s.watch.n_staff,
						sn->name, n->authors, CH_WATCH_MAX);
		w->n_nets++;
	}
	return w->n_nets;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Loads the schedule and applies --api-base. Returns 0 or an exit status. */
static int load(struct ch_watch_run *w)
{
	struct ch_diags d = {0};
	struct ch_error err;
	size_t i;
	int rc = CH_EXIT_INPUT;

	if (ch_schedule_load(&w->s, w->o->schedule_path, &d) < 0) {
		ch_diags_print(&d, stderr);
		goto cleanup;
	}
	if (!w->s.watch.on) {
		fprintf(stderr,
			"chathost watch: %s has no watch group: see WATCH in chathost.conf(5)\n",
			w->s.path);
		goto cleanup;
	}
	for (i = 0; i < w->o->n_api_bases; i++) {
		ch_error_clear(&err);
		if (ch_schedule_set_url(&w->s, w->o->api_bases[i], &err) < 0) {
			fprintf(stderr, "chathost watch: --api-base: %s\n", err.text);
			rc = CH_EXIT_USAGE;
			goto cleanup;
		}
	}
	rc = 0;
cleanup:
	ch_diags_free(&d);
	return rc;
}

/* A rehearsal's start: kept in the care folder, so that a restart within
 * its staffed period goes on with the same rehearsal (its cases' clocks
 * and the period's end stay as they were). */
static void rehearsal_start(struct ch_watch_run *w)
{
	char *path = ch_xasprintf("%s/rehearsal.json", w->dir);
	json_t *o = json_load_file(path, 0, NULL);
	double was = ch_json_num(o, "start", 0);
	double len = REHEARSAL_HOURS * 3600.0 / w->o->speed;
	struct ch_error err;
	char *text;

	if (was > 0 && was <= w->start && w->start - was < len &&
	    ch_json_num(o, "speed", 0) == w->o->speed) {
		w->start = was;
		ch_log(CH_LOG_INFO, "watch: going on with the rehearsal started %.0f s ago",
		       ch_clock_now() - was);
	} else {
		json_decref(o);
		o = json_pack("{s:f, s:f}", "start", w->start, "speed", w->o->speed);
		text = json_dumps(o, JSON_COMPACT);
		ch_error_clear(&err);
		if (ch_mkdir_p(w->dir) < 0 || !text ||
		    ch_write_file_atomic(path, text, strlen(text), 0644, &err) < 0)
			ch_log(CH_LOG_WARN, "watch: %s: cannot keep the rehearsal's start",
			       path);
		free(text);
	}
	json_decref(o);
	free(path);
}

static int start(struct ch_watch_run *w)
{
	struct ch_care_conf k;
	struct ch_error err;
	sigset_t all, old;
	size_t i;

	w->dir = ch_xasprintf("%s/%s%s/care", w->s.logs_dir, w->s.name,
			      w->o->speed > 0 ? "/rehearsal" : "");
	/* one watch per schedule, as one run per chat: a second would send
	 * every alert twice and log every breach twice */
	ch_error_clear(&err);
	w->lock_fd = ch_lock_dir(w->dir, &err);
	if (w->lock_fd < 0) {
		ch_log(CH_LOG_ERROR, "watch: %s: %s", err.source, err.text);
		return CH_EXIT_USAGE;
	}
	if (w->o->speed > 0)
		rehearsal_start(w);
	memset(&k, 0, sizeof k);
	k.w = &w->s.watch;
	k.tz = w->s.timezone;
	k.dir = w->dir;
	k.speed = w->o->speed > 0 ? w->o->speed : 1;
	k.staffed_from = w->o->speed > 0 ? w->start : 0;
	k.alert = on_alert;
	k.alert_ctx = w;
	if (open_nets(w) == 0) {
		ch_log(CH_LOG_ERROR, "watch: no network could be opened");
		return CH_EXIT_NETWORK;
	}
	ch_error_clear(&err);
	w->care = ch_care_open(&k, ch_clock_now(), &err);
	if (!w->care) {
		ch_log(CH_LOG_ERROR, "watch: %s: %s", err.source, err.text);
		return CH_EXIT_INPUT;
	}
	for (i = 0; i < w->n_nets; i++)
		if (w->nets[i].me_id[0])
			ch_care_add_me(w->care, w->nets[i].name, w->nets[i].me_id,
				       w->nets[i].net.home);
	/* the threads take no signal: the main thread sees them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < w->n_nets; i++)
		w->nets[i].started =
			pthread_create(&w->nets[i].th, NULL, net_main, &w->nets[i]) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

/* --board: the watch's cases live (board.h: the care folder tailed).
 * Returns 0 or an exit status (said). */
static int watch_board(struct ch_watch_run *w)
{
	struct ch_error err;
	json_t *o, *nets = json_array();
	size_t i;

	ch_error_clear(&err);
	w->board = ch_board_open(w->o->board, w->o->board_token, &err);
	if (!w->board) {
		ch_error_print(&err, stderr);
		json_decref(nets);
		return CH_EXIT_USAGE;
	}
	for (i = 0; i < w->s.n_nets; i++)
		json_array_append_new(nets, json_string(w->s.nets[i].name));
	o = json_pack("{s:s, s:s, s:s, s:f, s:o, s:[]}", "hashtag", w->s.name,
		      "title", "care watch", "timezone", w->s.timezone, "speed",
		      w->o->speed > 0 ? w->o->speed : 1.0, "networks", nets, "posts");
	ch_board_chat(w->board, o);
	json_decref(o);
	ch_board_tail(w->board, w->dir, "care", true);
	return 0;
}

int ch_watch_main(const struct ch_watch_opts *o)
{
	struct ch_watch_run *w = ch_xcalloc(1, sizeof *w);
	size_t i;
	int rc;

	w->o = o;
	w->lock_fd = -1;
	w->start = ch_clock_now();
	stop_flag = 0;
	install_signals();
	rc = load(w);
	if (rc)
		goto cleanup;
	ch_log_setup(ch_log_enabled(CH_LOG_DEBUG) ? CH_LOG_DEBUG
		     : ch_log_enabled(CH_LOG_INFO) ? CH_LOG_INFO
						   : CH_LOG_WARN,
		     w->s.name);
	rc = start(w);
	if (rc)
		goto cleanup;
	if (o->board && (rc = watch_board(w)) != 0)
		goto cleanup;
	ch_log(CH_LOG_INFO, "watch: %zu network%s, %zu open case%s", w->n_nets,
	       w->n_nets == 1 ? "" : "s", ch_care_open_cases(w->care),
	       ch_care_open_cases(w->care) == 1 ? "" : "s");
	while (!stopped()) {
		double now = ch_clock_now(), next = ch_care_tick(w->care, now);

		if (o->stop_after > 0 && now - w->start >= o->stop_after)
			break;
		ch_clock_sleep_until(fmin(next, now + 1.0), NAP, stopped);
	}
	stop_flag = 1;
	for (i = 0; i < w->n_nets; i++)
		if (w->nets[i].started)
			pthread_join(w->nets[i].th, NULL);
	ch_log(CH_LOG_INFO, "watch: stopped; %zu case%s still open",
	       ch_care_open_cases(w->care),
	       ch_care_open_cases(w->care) == 1 ? "" : "s");
	rc = CH_EXIT_OK;
cleanup:
	for (i = 0; i < w->n_nets; i++)
		if (w->nets[i].open)
			ch_net_close(&w->nets[i].net);
	ch_board_stop(w->board);
	ch_care_close(w->care);
	ch_schedule_free(&w->s);
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	free(w->dir);
	free(w);
	return rc;
}
