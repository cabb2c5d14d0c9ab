/* chat.c - the chat engine: a chat opened on each network (its state,
 * log, capture), the further networks' threads, the capture window, the
 * backfill, the deleted posts, the closing lines. */
#include "chat.h"

/* Logs again the host's posts that the state holds but the log lacks (a
 * line lost to a full disk or a torn write). */
static void relog_host_posts(struct chat *c)
{
	size_t i;

	for (i = 0; i < c->plan.n_posts; i++) {
		const struct ch_post *p = &c->plan.posts[i];
		const char *id = ch_state_post_id(&c->st, p->key);

		if (id && !ch_replylog_has(c->log, id))
			chat_log_host_post(c, p, id, ch_state_post_time(&c->st, p->key));
	}
}

/* A rehearsal's state: a finished one is moved aside (a new rehearsal
 * starts afresh; a backfill keeps it), a recorded timeline is continued.
 * Returns 0 or -1. */
static int open_rehearsal(struct chat *c, const char *state_path,
			  const char *log_path)
{
	struct ch_error err;
	double start, speed;

	ch_error_clear(&err);
	if (!c->o->backfill && json_is_true(json_object_get(c->st.root, "done"))) {
		ch_state_free(&c->st);
		c->state_open = false;
		chat_archive_rehearsal(state_path, log_path);
		if (ch_state_open(&c->st, state_path, &err) < 0) {
			ch_log(CH_LOG_ERROR, "%s", err.text);
			return -1;
		}
		c->state_open = true;
	}
	if (ch_state_rehearsal(&c->st, &start, &speed)) {
		c->tl.rstart = start;
		char when[32];
		time_t t0 = (time_t)start;
		struct tm tm;

		c->tl.speed = speed;
		ch_utc_to_local(c->s->timezone, t0, &tm, NULL);
		strftime(when, sizeof when, "%H:%M:%S", &tm);
		ch_log(CH_LOG_INFO,
		       "continuing the rehearsal started at %s %s at %gx", when,
		       c->s->timezone, speed);
	} else {
		ch_state_set_rehearsal(&c->st, c->tl.rstart, c->tl.speed,
				       (double)c->tl.tbase);
	}
	return 0;
}

/* Opens the chat's state and log (creating the folder). Returns an exit
 * status; CH_EXIT_OK with c->done_already set if a real chat is done. */
static int chat_open(struct chat *c, char **state_path, char **log_path)
{
	struct ch_error err;
	const char *shared;

	ch_error_clear(&err);
	c->dir = ch_chat_dir(c->s, c->o->speed > 0);
	*state_path = ch_chat_net_state_path(c->s, c->date, c->o->speed > 0,
					     c->x ? c->x->ops->name : NULL);
	*log_path = ch_chat_log_path(c->s, c->date, c->o->speed > 0);
	if (c->o->backfill && c->o->speed > 0 && access(*state_path, F_OK)) {
		ch_log(CH_LOG_ERROR,
		       "--backfill --rehearse: %s: no rehearsal of the chat on %s to backfill",
		       *state_path, c->date);
		return CH_EXIT_INPUT;
	}
	if (ch_mkdir_p(c->dir) < 0) {
		ch_log(CH_LOG_ERROR, "%s: cannot create the log folder: %s",
		       c->dir, strerror(errno));
		return CH_EXIT_INPUT;
	}
	shared = ch_dir_is_shared(c->dir) ? c->dir
		 : ch_dir_is_shared(c->s->logs_dir) ? c->s->logs_dir : NULL;
	if (shared)
		ch_log(CH_LOG_WARN, "%s: writable by other users: one of them could plant a link where chathost writes (chmod go-w it)",
		       shared);
	if (ch_state_open(&c->st, *state_path, &err) < 0) {
		ch_log(CH_LOG_ERROR, "%s: %s", err.source, err.text);
		return CH_EXIT_INPUT;
	}
	c->state_open = true;
	if (c->o->speed > 0) {
		if (open_rehearsal(c, *state_path, *log_path) < 0)
			return CH_EXIT_INPUT;
	} else if (!c->o->backfill &&
		   json_is_true(json_object_get(c->st.root, "done"))) {
		c->done_already = true;
		return CH_EXIT_OK;
	}
	json_object_set_new(c->st.root, "date", json_string(c->date));
	json_object_set_new(c->st.root, "timezone", json_string(c->s->timezone));
	json_object_del(c->st.root, "not_hosted"); /* it is, after all */
	chat_cost_start(c);
	if (chat_save_state(c) < 0 && !c->o->backfill)
		return CH_EXIT_NETWORK;
	c->log = ch_replylog_open(*log_path, &err);
	if (!c->log) {
		ch_log(CH_LOG_ERROR, "%s: %s", err.source, err.text);
		return CH_EXIT_INPUT;
	}
	relog_host_posts(c);
	return CH_EXIT_OK;
}

static void chat_capture_init(struct chat *c, double window_end)
{
	struct ch_capture_conf k = {
		.s = c->s,
		.net = c->x,
		.st = &c->st,
		.log = c->log,
		.host_id = c->me_id,
		.host_username = c->me_username,
		.window_start = chat_real_at(c, c->plan.start),
		.window_end = window_end,
		.speed = c->tl.speed,
		.n_questions = (int)c->topic.candidates[0].n_questions,
		/* the backfill's waits (end_time lag, rate-limit resets of
		 * up to 16 minutes) end on SIGTERM/SIGINT too */
		.clock = chat_run_now,
		.sleep_until = chat_capture_sleep,
		.seen = c->wel ? ch_welcome_seen : NULL,
		.seen_ctx = c->wel,
	};
	struct ch_error err;

	ch_error_clear(&err);
	c->cap = ch_capture_new(&k, &err);
	if (!c->cap)
		ch_log(CH_LOG_WARN, "capture: %s", err.text);
}

/* The backfill and its line. Returns an exit status, or -2 if stopped. */
static int chat_backfill(struct chat *c)
{
	struct ch_capture_counts n;
	struct ch_error err;

	if (!c->cap)
		return CH_EXIT_OK;
	ch_error_clear(&err);
	if (ch_capture_backfill(c->cap, c->o->full, &err) < 0) {
		ch_log(CH_LOG_WARN, "backfill: %s", err.text);
		if (!c->search_error[0])
			snprintf(c->search_error, sizeof c->search_error, "%s",
				 err.text);
		c->polls_failed++;
		return CH_EXIT_NETWORK;
	}
	ch_capture_counts(c->cap, &n);
	ch_log(CH_LOG_INFO, "%s%s%s: captured %ld posts (%ld read)", c->date,
	       ON_NET(c), n.logged, n.reads);
	/* stopped in the middle: the next run backfills the rest */
	return stop_flag ? -2 : CH_EXIT_OK;
}

static int gone_cb(const struct ch_log_entry *e, void *ctx)
{
	struct gone_scan *g = ctx;

	if (!e->id || strcmp(e->net ? e->net : "x", g->net) != 0)
		return 0;
	if (e->kind == CH_KIND_EVENT) {
		if (e->event && strcmp(e->event, "deleted") == 0 &&
		    g->n_said < GONE_MAX_CHECKED) {
			g->said = ch_xrealloc(g->said, (g->n_said + 1) * sizeof *g->said);
			g->said[g->n_said++] = ch_xstrdup(e->id);
		}
		return 0;
	}
	if (e->kind == CH_KIND_HOST || g->n >= GONE_MAX_CHECKED)
		return 0;
	g->ids = ch_xrealloc(g->ids, (g->n + 1) * sizeof *g->ids);
	g->ids[g->n++] = ch_xstrdup(e->id);
	return 0;
}

static bool gone_said(const struct gone_scan *g, const char *id)
{
	size_t i;

	for (i = 0; i < g->n_said; i++)
		if (strcmp(g->said[i], id) == 0)
			return true;
	return false;
}

/* Marks the posts their authors deleted, where the network says so (a
 * "deleted" event each: the report leaves them out). Best effort: a
 * failure is said and leaves the rest unmarked. */
static void chat_gone(struct chat *c, const char *log_path)
{
	struct gone_scan g = {.net = c->x->ops->name};
	struct ch_error err;
	size_t i, k, marked = 0;

	ch_error_clear(&err);
	if (ch_replylog_flush(c->log, &err) < 0 ||
	    ch_replylog_read(log_path, gone_cb, &g, NULL, NULL, 0, &err) < 0)
		goto cleanup;
	for (i = 0; i < g.n && !stop_flag; i += CH_NET_GONE_MAX) {
		bool gone[CH_NET_GONE_MAX];
		size_t m = g.n - i < CH_NET_GONE_MAX ? g.n - i : CH_NET_GONE_MAX;

		if (ch_net_gone(c->x, (const char *const *)g.ids + i, m, gone,
				&err) < 0)
			break;
		for (k = 0; k < m; k++) {
			json_t *f;

			if (!gone[k] || gone_said(&g, g.ids[i + k]))
				continue;
			f = json_pack("{ssss}", "net", g.net, "id", g.ids[i + k]);
			if (ch_replylog_event(c->log, "deleted", f, &err) == 0)
				marked++;
			json_decref(f);
		}
	}
	if (marked)
		ch_log(CH_LOG_INFO, "%s%s%s: %zu post%s deleted by their authors: left out of the report",
		       c->date, ON_NET(c), marked, marked == 1 ? "" : "s");
cleanup:
	if (err.text[0])
		ch_log(CH_LOG_WARN, "%s%s%s: deleted posts not all looked up: %s",
		       c->date, ON_NET(c), err.text);
	for (i = 0; i < g.n; i++)
		free(g.ids[i]);
	for (i = 0; i < g.n_said; i++)
		free(g.said[i]);
	free(g.ids);
	free(g.said);
}

/* The lines that close a chat: what was not posted, not captured, not
 * written; then the chat is done unless its backfill failed (the next run
 * backfills again). Returns the exit status. */
static int chat_finish(struct chat *c, const char *log_path, bool backfilled)
{
	struct ch_capture_counts n;
	struct ch_error err;
	int rc = backfilled ? CH_EXIT_OK : CH_EXIT_NETWORK;

	ch_error_clear(&err);
	if (c->cap)
		ch_capture_counts(c->cap, &n);
	if (c->cap && n.logged == 0 && c->polls_failed > 0) {
		char *msg = ch_xasprintf(
			"%s: no answers were captured and %ld searches failed (the last: %s); within 7 days, run: chathost run --backfill --date %s%s %s",
			c->date, c->polls_failed, c->search_error, c->date,
			c->o->speed > 0 ? " --rehearse" : "",
			c->o->schedule_path);

		ch_log(CH_LOG_ERROR, "%s", msg);
		chat_alert(c, msg);
		free(msg);
		rc = CH_EXIT_NETWORK;
	}
	if (c->log && ch_replylog_flush(c->log, &err) < 0) {
		char *msg = ch_xasprintf(
			"%s: %zu bytes of the log %s could not be written (%s); free space and run again: the posts are looked up and captured again",
			c->date, ch_replylog_queued(c->log), log_path, err.text);

		ch_log(CH_LOG_ERROR, "%s", msg);
		chat_alert(c, msg);
		free(msg);
		rc = CH_EXIT_NETWORK;
	}
	if (c->o->backfill)
		return rc;
	if (chat_report_skipped(c))
		rc = CH_EXIT_NETWORK;
	if (!backfilled)
		return rc;
	json_object_set_new(c->st.root, "done", json_true());
	if (chat_save_state(c) < 0)
		return CH_EXIT_NETWORK;
	ch_log(CH_LOG_INFO, "%s%s%s: chat done; log %s", c->date, ON_NET(c),
	       log_path);
	return rc;
}

/* A dry run: the plan's posts printed at their times. */
static int chat_dry_run(struct chat *c)
{
	int r = chat_posts(c);

	return r == -2 ? CH_EXIT_OK : r;
}

/* For the report: what the chat was about, and where. */
static void chat_about(struct chat *c)
{
	const char *title = c->topic.n_candidates
				    ? c->topic.candidates[chat_chosen(c, &c->topic)].title
				    : NULL;

	if (title)
		json_object_set_new(c->st.root, "title", json_string(title));
	json_object_set_new(c->st.root, "hashtag", json_string(c->s->hashtag));
	if (c->x)
		json_object_set_new(c->st.root, "net",
				    json_string(c->x->ops->name));
}

/* The board (board.h): the chat, its zone and plan, and the files it
 * tails (the chat's log; the care folder of a chat with a watch group). */
void chat_board_chat(struct chat *c, const char *log_path)
{
	struct ch_board *b = c->board ? *c->board : NULL;
	json_t *o, *posts, *nets;
	size_t i;

	if (!b || c->o->dry_run)
		return;
	posts = json_array();
	for (i = 0; i < c->plan.n_posts; i++) {
		const struct ch_post *p = &c->plan.posts[i];
		char label[48];

		json_array_append_new(posts, json_pack("{s:s, s:s, s:f, s:s}",
			"key", p->key, "label", ch_plan_post_label(p, label, sizeof label),
			"due", chat_real_at(c, p->at), "text", p->text));
	}
	nets = json_array();
	for (i = 0; i < c->s->n_nets; i++)
		json_array_append_new(nets, json_string(c->s->nets[i].name));
	o = json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:o, s:o}", "hashtag",
		      c->s->hashtag ? c->s->hashtag : "", "date", c->date,
		      "timezone", c->s->timezone, "speed", c->tl.speed,
		      "rstart", c->tl.rstart, "tbase", (double)c->tl.tbase,
		      "networks", nets, "posts", posts);
	if (ch_json_str(c->st.root, "title"))
		json_object_set_new(o, "title",
				    json_string(ch_json_str(c->st.root, "title")));
	ch_board_chat(b, o);
	json_decref(o);
	if (log_path)
		ch_board_tail(b, log_path, "line", false);
	if (c->wel && c->wel->dir)
		ch_board_tail(b, c->wel->dir, "care", true);
}

/* A "not welcomed" alert: the log line, and the notifiers of a real chat. */
static void welcome_alert(void *ctx, const char *category, const char *msg)
{
	struct chat *c = ctx;

	(void)category; /* "first-timer": the schedule's notifiers */
	ch_log(CH_LOG_WARN, "%s", msg);
	chat_alert(c, msg);
}

/* With a watch group, the chat's first-timers are watched (welcome.h). */
static void welcome_open(struct chat *c)
{
	struct ch_error err;

	if (!c->s->watch.on || c->o->backfill || c->o->dry_run)
		return;
	ch_error_clear(&err);
	if (ch_welcome_open(&c->wel_store, c->s, c->date, c->o->speed > 0,
			    c->tl.speed, chat_real_at(c, c->plan.start), welcome_alert,
			    c, &err) < 0) {
		ch_log(CH_LOG_WARN, "welcome: %s", err.text);
		return;
	}
	c->wel = &c->wel_store;
	if (c->x && c->me_id)
		ch_welcome_me(c->wel, c->x->ops->name, c->me_id, c->x->home);
}

/* Whether any post of the plan was made on this network. */
static bool posted_any(struct chat *c)
{
	size_t i;

	for (i = 0; i < c->plan.n_posts; i++)
		if (ch_state_post_id(&c->st, c->plan.posts[i].key))
			return true;
	return false;
}

/* The chat on one network once its state is open: capture, the posts,
 * the capture until the window closes, the backfill, the closing lines.
 * Returns an exit status. */
static int chat_net_run(struct chat *c, double window_end,
			const char *log_path)
{
	int r;

	chat_control_read(c);
	if (c->ctl == CH_CTL_CANCELLED && !c->o->backfill && !posted_any(c)) {
		/* cancelled before anything was posted: nothing to capture */
		r = chat_cancel_rest(c);
		if (r != CH_EXIT_OK)
			return r == -2 ? CH_EXIT_OK : r;
		return chat_finish(c, log_path, true);
	}
	if (c->remind_only) {
		r = chat_posts(c);
		return r == -2 ? CH_EXIT_OK : r;
	}
	chat_capture_init(c, window_end);
	if (!c->o->backfill) {
		r = chat_posts(c);
		if (r == -2 || r != CH_EXIT_OK)
			return r == -2 ? CH_EXIT_OK : r;
		/* capture until the window closes; a SIGHUP meanwhile is
		 * applied once the chat is over (the posts are made) */
		while (c->cap) {
			if (chat_wait_for(c, window_end, NULL))
				return CH_EXIT_OK;
			if (!reload_flag)
				break;
			chat_reload_done();
			reload_deferred = 1;
			ch_log(CH_LOG_INFO, "SIGHUP: the schedule is re-read when this chat's capture ends");
		}
	}
	r = chat_backfill(c);
	if (r == -2)
		return CH_EXIT_OK;
	if (r == CH_EXIT_OK && c->cap && c->log && c->x && ch_net_tells_gone(c->x))
		chat_gone(c, log_path);
	return chat_finish(c, log_path, r == CH_EXIT_OK);
}

/* Opens e's state beside the first network's chat pc. Returns 0, 1 (the
 * chat is done on this network), -1 (logged). */
static int net_chat_state(struct net_chat *e, struct chat *pc)
{
	struct chat *c = &e->c;
	struct ch_error err;
	char *path = ch_chat_net_state_path(c->s, c->date, c->o->speed > 0,
					    c->x->ops->name);
	int rc = -1;

	ch_error_clear(&err);
	if (ch_state_open(&c->st, path, &err) < 0) {
		ch_log(CH_LOG_ERROR, "%s: %s", err.source, err.text);
		goto cleanup;
	}
	c->state_open = true;
	if (!c->o->backfill && json_is_true(json_object_get(c->st.root, "done"))) {
		if (c->o->speed <= 0) {
			rc = 1;
			goto cleanup;
		}
		/* a finished rehearsal: moved aside, as the first's */
		ch_state_free(&c->st);
		c->state_open = false;
		chat_archive_rehearsal(path, NULL);
		if (ch_state_open(&c->st, path, &err) < 0) {
			ch_log(CH_LOG_ERROR, "%s: %s", err.source, err.text);
			goto cleanup;
		}
		c->state_open = true;
	}
	if (c->o->speed > 0)
		ch_state_set_rehearsal(&c->st, c->tl.rstart, c->tl.speed,
				       (double)c->tl.tbase);
	/* the poll's outcome, so this chat hosts the same candidate */
	if (json_object_get(pc->st.root, "poll"))
		json_object_set(c->st.root, "poll",
				json_object_get(pc->st.root, "poll"));
	json_object_set_new(c->st.root, "date", json_string(c->date));
	json_object_set_new(c->st.root, "timezone", json_string(c->s->timezone));
	json_object_del(c->st.root, "not_hosted");
	chat_cost_start(c);
	/* a network not answering yet writes nothing until it does */
	rc = 0;
	if (c->me_id && chat_save_state(c) < 0 && !c->o->backfill)
		rc = -1;
cleanup:
	free(path);
	return rc;
}

/* A cancelled chat's plan when its topic file is missing or invalid:
 * no posts, the chat's start. */
static void empty_plan(struct chat *c)
{
	ch_plan_free(&c->plan);
	memset(&c->plan, 0, sizeof c->plan);
	snprintf(c->plan.date, sizeof c->plan.date, "%s", c->date);
	c->plan.start = c->plan.end = c->start;
}

/* Sets e up for network net beside the first network's chat pc. Returns
 * 0, 1 (nothing to do on this network) or -1 (logged). */
static int net_chat_open(struct net_chat *e, struct chat *pc,
			 struct ch_net *net, const char *me_id,
			 const char *me_user)
{
	struct chat *c = &e->c;
	struct ch_diags d = {0};
	int r;

	memset(e, 0, sizeof *e);
	if (ch_schedule_load(&e->s, pc->o->schedule_path, &d) < 0) {
		ch_diags_free(&d);
		ch_log(CH_LOG_ERROR, "%s: cannot read the schedule again",
		       pc->o->schedule_path);
		return -1;
	}
	e->open = true;
	c->o = pc->o;
	c->s = &e->s;
	c->x = net;
	c->me_id = me_id;
	c->me_username = me_user;
	snprintf(c->date, sizeof c->date, "%s", pc->date);
	c->start = pc->start;
	c->tl = pc->tl;
	c->lock_fd = pc->lock_fd;
	c->dir = ch_xstrdup(pc->dir);
	c->remind_only = pc->remind_only;
	c->remind_at = pc->remind_at;
	c->log = pc->log;
	r = net_chat_state(e, pc);
	if (r != 0)
		return r;
	if (chat_load_plan(c, &c->topic, &c->plan) < 0) {
		if (pc->ctl != CH_CTL_CANCELLED)
			return -1;
		empty_plan(c);
	}
	chat_about(c);
	relog_host_posts(c);
	return 0;
}

static void net_chat_free(struct net_chat *e)
{
	if (!e->open)
		return;
	chat_free(&e->c);
	ch_schedule_free(&e->s);
	e->open = false;
}

/* A further network that never answered: its state says each post of
 * the plan was skipped and why, so that the report and status say the
 * chat was not hosted there (a state file is otherwise written only once
 * the network answers). */
static void net_not_reached(const struct chat *c)
{
	struct ch_state st;
	struct ch_error err;
	char *path = ch_chat_net_state_path(c->s, c->date, c->o->speed > 0,
					    c->x->ops->name);
	char *dir = ch_dirname(path);
	char *why = ch_xasprintf("%s did not answer", c->x->ops->title);
	size_t i;

	memset(&st, 0, sizeof st);
	ch_error_clear(&err);
	if (c->o->dry_run || ch_mkdir_p(dir) < 0 ||
	    ch_state_open(&st, path, &err) < 0)
		goto cleanup;
	json_object_set_new(st.root, "date", json_string(c->date));
	json_object_set_new(st.root, "not_hosted", json_string(why));
	for (i = 0; i < c->plan.n_posts; i++)
		if (!ch_state_post_id(&st, c->plan.posts[i].key))
			ch_state_set_skipped(&st, c->plan.posts[i].key, why);
	(void)ch_state_save(&st, &err);
cleanup:
	if (err.text[0])
		ch_log(CH_LOG_WARN, "%s: %s", err.source, err.text);
	ch_state_free(&st);
	free(why);
	free(dir);
	free(path);
}

/* A further network that did not answer before the chat (down, a
 * login refused for a moment): asked again, quietly, until the last post
 * of the plan is past its late_limit; what is still within late_limit
 * when it answers is posted. Returns whether it answered. */
static bool net_reach(struct net_chat *e)
{
	struct chat *c = &e->c;
	double last = c->plan.n_posts ? chat_real_at(c, c->plan.posts[c->plan.n_posts - 1].at)
				      : e->window_end;
	double until = last + (double)c->s->late_limit * 60.0 / c->tl.speed;
	double step = fmin(30.0, 60.0 / c->tl.speed);
	struct ch_error err;

	ch_error_clear(&err);
	while (!stop_flag && ch_now() < until) {
		ch_error_clear(&err);
		if (ch_net_whoami(c->x, fmin(until, ch_now() + 10), chat_whoami_sleep,
				  e->me_id, e->me_id_size, e->me_user,
				  e->me_user_size, &err) == 0) {
			ch_log(CH_LOG_INFO, "%s: %s answers now: posting as @%s",
			       c->date, c->x->ops->title, e->me_user);
			c->me_id = e->me_id;
			c->me_username = e->me_user;
			if (c->wel)
				ch_welcome_me(c->wel, c->x->ops->name, e->me_id, c->x->home);
			return chat_save_state(c) == 0 || c->o->backfill;
		}
		if (c->x->last == CH_NETFAIL_EXHAUSTED)
			break;
		chat_nap_until(fmin(until, ch_now() + step));
	}
	if (!stop_flag) {
		ch_log(CH_LOG_ERROR, "%s: not hosted on %s: it did not answer before the last post's late_limit (%s)",
		       c->date, c->x->ops->title, err.text[0] ? err.text : "no answer");
		net_not_reached(c);
	}
	return false;
}

static void *net_chat_main(void *arg)
{
	struct net_chat *e = arg;
	sigset_t set;

	/* signals go to the main thread, which passes them on as SIGUSR2 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* the thread was made with every signal blocked (start_nets): the
	 * main thread's SIGUSR2 must cut its sleeps, or a SIGTERM waited for
	 * its nap to end (25 s before an intro, up to MAX_SLEEP_CHUNK) */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	reload_seen = reload_gen;
	if (e->need_me && !net_reach(e)) {
		e->rc = stop_flag ? CH_EXIT_OK : CH_EXIT_NETWORK;
		return NULL;
	}
	e->rc = chat_net_run(&e->c, e->window_end, e->log_path);
	return NULL;
}

/* The further networks' threads: started, each hosting its chat. */
static void start_nets(struct net_chat *nets, size_t n)
{
	sigset_t all, old;
	size_t i;

	/* the registry is read by the signal handler: fill it with the
	 * signals blocked */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < n; i++) {
		if (!nets[i].open)
			continue;
		if (pthread_create(&nets[i].th, NULL, net_chat_main, &nets[i])) {
			ch_log(CH_LOG_ERROR, "%s: no thread for %s: not hosted there",
			       nets[i].c.date, nets[i].c.x->ops->title);
			nets[i].rc = CH_EXIT_NETWORK;
			continue;
		}
		nets[i].started = true;
		net_threads[n_net_threads] = nets[i].th;
		n_net_threads = n_net_threads + 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Waits for the further networks' threads; the worst exit status. */
static int join_nets(struct net_chat *nets, size_t n, int rc)
{
	sigset_t all, old;
	size_t i;

	for (i = 0; i < n; i++) {
		if (nets[i].started)
			pthread_join(nets[i].th, NULL);
		if (nets[i].rc != CH_EXIT_OK && rc == CH_EXIT_OK)
			rc = nets[i].rc;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	n_net_threads = 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Hosts the chat on c->date, on its first network here and on every
 * further one (nets[0..n_nets)) in a thread of its own. Returns an exit
 * status. */
int chat_host(struct chat *c, struct run_net *extra, size_t n_extra)
{
	struct net_chat nets[CH_MAX_NETS];
	char *state_path = NULL, *log_path = NULL;
	double window_end;
	size_t i, n_nets = 0;
	int rc, r;

	memset(nets, 0, sizeof nets);
	chat_control_read(c);
	r = chat_load_plan_waiting(c);
	if (r < 0 && c->ctl == CH_CTL_CANCELLED && !c->o->dry_run) {
		/* cancelled with no valid topic file: its notice still goes
		 * out */
		empty_plan(c);
		r = 0;
	}
	if (r != 0) {
		rc = r > 0 ? CH_EXIT_OK : CH_EXIT_INPUT;
		goto cleanup;
	}
	chat_timeline(c);
	if (c->o->dry_run) {
		rc = chat_dry_run(c);
		goto cleanup;
	}
	rc = chat_open(c, &state_path, &log_path);
	if (rc != CH_EXIT_OK || c->done_already)
		goto cleanup;
	if (c->topic.has_poll && !c->o->backfill && !c->remind_only) {
		rc = chat_poll_phase(c);
		if (rc != CH_EXIT_OK || stop_flag)
			goto cleanup;
	}
	chat_about(c);
	if (!c->remind_only)
		welcome_open(c);
	chat_board_chat(c, log_path);
	window_end = chat_real_at(c, c->plan.end) +
		     (double)c->s->capture_after * 60.0 / c->tl.speed;
	for (i = 0; i < n_extra; i++) {
		struct net_chat *e = &nets[n_nets];

		if (!extra[i].open || (!extra[i].have_me && c->o->dry_run))
			continue;
		r = net_chat_open(e, c, &extra[i].net,
				  extra[i].have_me ? extra[i].me_id : NULL,
				  extra[i].have_me ? extra[i].me_user : NULL);
		if (r < 0) {
			ch_log(CH_LOG_ERROR, "%s: not hosted on %s", c->date,
			       extra[i].net.ops->title);
			rc = CH_EXIT_INPUT;
		}
		if (r != 0) {
			net_chat_free(e);
			continue;
		}
		e->window_end = window_end;
		e->log_path = log_path;
		e->c.wel = c->wel;
		e->need_me = !extra[i].have_me;
		e->me_id = extra[i].me_id;
		e->me_id_size = sizeof extra[i].me_id;
		e->me_user = extra[i].me_user;
		e->me_user_size = sizeof extra[i].me_user;
		if (c->wel && extra[i].have_me)
			ch_welcome_me(c->wel, extra[i].net.ops->name, extra[i].me_id,
				      extra[i].net.home);
		n_nets++;
	}
	start_nets(nets, n_nets);
	r = chat_net_run(c, window_end, log_path);
	rc = join_nets(nets, n_nets, r != CH_EXIT_OK ? r : rc);
cleanup:
	for (i = 0; i < n_nets; i++)
		net_chat_free(&nets[i]);
	if (c->wel)
		ch_welcome_close(c->wel);
	c->wel = NULL;
	free(state_path);
	free(log_path);
	return rc;
}
