/* chat_wait.c - the chat engine before the chat: the topic poll, the
 * early warnings, reminders, the waiter hand-off, the networks probed,
 * a rehearsal's timeline. */
#include "chat.h"

/* A finished rehearsal's control file (DATE.control.json beside its
 * state) goes aside with it as DATE.control.json.N, unless it was written
 * after the rehearsal ended (a decision about the next one). */
static void archive_control(const char *state_path, int n)
{
	char *path = ch_path_swap_end(state_path, ".state.json", ".control.json");
	struct stat a, b;
	char *to;

	if (!path)
		return;
	to = ch_xasprintf("%s.%d", path, n);
	if (stat(path, &a) == 0 && stat(state_path, &b) == 0 &&
	    a.st_mtime <= b.st_mtime)
		rename(path, to);
	free(to);
	free(path);
}

/* Moves a finished rehearsal's files aside so a new one starts afresh. */
void chat_archive_rehearsal(const char *state_path, const char *log_path)
{
	int n;

	for (n = 1; n < 1000; n++) {
		char *a = ch_xasprintf("%s.%d", state_path, n);
		char *b = log_path ? ch_xasprintf("%s.%d", log_path, n) : NULL;
		int free_slot = access(a, F_OK) != 0 &&
				(!b || access(b, F_OK) != 0);

		if (free_slot) {
			if (b)
				archive_control(state_path, n);
			rename(state_path, a);
			if (b)
				rename(log_path, b);
		}
		free(a);
		free(b);
		if (free_slot)
			return;
	}
}

/* The poll's post_at as an instant. Returns 0 or -1. */
static int poll_post_at(const struct chat *c, time_t *out)
{
	return ch_poll_post_at(&c->topic.poll, c->s->timezone, out);
}

/* Sleeps a backoff step (real seconds), bounded by limit. Returns 1 if
 * stopped. */
static int backoff_sleep(double *step, double limit)
{
	double until = ch_now() + *step * (0.5 + (double)rand() / RAND_MAX);

	if (until > limit)
		until = limit;
	if (*step < 60)
		*step *= 2;
	return chat_nap_until(until);
}

/* The poll could not decide (unreadable, still open, refused): the tie
 * rule chooses, the notifiers hear. Returns the candidate. */
static size_t poll_fall_back(struct chat *c, const char *why)
{
	size_t w = ch_poll_fallback(&c->topic, &c->st, c->log, why);
	char *msg = ch_xasprintf(
		"the poll for the %s chat on %s could not be read before the chat (%s); hosting \"%s\" by the tie rule",
		c->s->hashtag, c->date, why, c->topic.candidates[w].label);

	ch_notify_async(c->s, msg);
	free(msg);
	return w;
}

/* Posts the poll (publish.h), trying until closes. Returns 0 posted (or
 * given up: the poll's reading falls back later), 2 the network refused
 * it (err), -1 the credentials were refused, -2 stopped. */
static int poll_post_until(struct chat *c, double closes, struct ch_error *err)
{
	double step = 0.5;

	for (;;) {
		struct ch_publish pb;
		int r;

		memset(&pb, 0, sizeof pb);
		pb.net = c->x;
		pb.me_id = c->me_id;
		pb.late_at = closes;
		pb.rate_wait = 60.0 / c->tl.speed;
		pb.nap = chat_publish_nap;
		pb.now = chat_run_now;
		ch_error_clear(err);
		r = ch_poll_post(&pb, c->s, &c->topic, &c->st, c->log, err);
		if (r == 0) {
			ch_log(CH_LOG_INFO, "%s: poll posted (%s)", c->date,
			       c->topic.poll.text);
			return 0;
		}
		ch_log(CH_LOG_WARN, "%s: posting the poll: %s", c->date,
		       err->text);
		if (r < 0 && c->x->last == CH_NETFAIL_CREDENTIALS)
			return -1;
		if (r < 0 && (c->x->last == CH_NETFAIL_REFUSED ||
			      c->x->last == CH_NETFAIL_REPLY_REFUSED ||
			      c->x->last == CH_NETFAIL_EXHAUSTED))
			return 2;
		if (r == 1 || ch_now() >= closes)
			return 0;
		/* the state could not be written */
		if (backoff_sleep(&step, closes))
			return -2;
	}
}

int chat_poll_phase(struct chat *c)
{
	struct ch_error err;
	time_t post_at;
	double closes, decide_by, step;
	size_t w = 0;
	int r;

	if (ch_poll_winner(&c->st, &w))
		goto build;
	if (c->ctl == CH_CTL_CANCELLED)
		return CH_EXIT_OK; /* no poll for a cancelled chat */
	if (poll_post_at(c, &post_at) < 0) {
		ch_log(CH_LOG_ERROR, "%s: poll.post_at is not a local time",
		       c->topic.path);
		return CH_EXIT_INPUT;
	}
	closes = chat_real_at(c, post_at + (time_t)c->topic.poll.duration * 60);
	/* posted by hand (chathost poll post), it closes a duration after */
	if (ch_json_num(ch_state_obj(&c->st, "poll"), "posted_at", 0) > 0)
		closes = ch_json_num(ch_state_obj(&c->st, "poll"), "posted_at", 0) +
			 (double)c->topic.poll.duration * 60.0 / c->tl.speed;
	/* decide at the latest 5 chat minutes before the chat starts */
	decide_by = chat_real_at(c, c->start) - 300.0 / c->tl.speed;
	if (!json_object_get(ch_state_obj(&c->st, "poll"), "id")) {
		if (chat_wait_reloading(c, chat_real_at(c, post_at)) ||
		    c->ctl == CH_CTL_CANCELLED)
			return CH_EXIT_OK;
		r = poll_post_until(c, closes, &err);
		if (r == -2)
			return CH_EXIT_OK;
		if (r == -1)
			return CH_EXIT_NETWORK;
		if (r == 2) {
			/* the network refused the poll: no result will come */
			w = poll_fall_back(c, err.text);
			goto build;
		}
	}
	if (chat_wait_reloading(c, closes) || c->ctl == CH_CTL_CANCELLED)
		return CH_EXIT_OK;
	step = 0.5;
	for (;;) {
		ch_error_clear(&err);
		r = ch_poll_decide(c->x, c->s, &c->topic, &c->st, c->log,
				   false, &w, &err);
		if (r == 1)
			break;
		if (r < 0)
			ch_log(CH_LOG_WARN, "%s: reading the poll: %s", c->date,
			       err.text);
		if (ch_now() >= decide_by) {
			w = poll_fall_back(c, r < 0 ? err.text
						    : "the poll was still open");
			break;
		}
		if (backoff_sleep(&step, decide_by))
			return CH_EXIT_OK;
	}
	ch_log(CH_LOG_INFO, "%s: the poll chose \"%s\"", c->date,
	       c->topic.candidates[w].label);
build:
	ch_plan_free(&c->plan);
	{
		struct ch_topic t = {0};

		if (chat_load_plan(c, &t, &c->plan) < 0) {
			ch_topic_free(&t);
			return CH_EXIT_INPUT;
		}
		ch_topic_free(&c->topic);
		c->topic = t;
	}
	return CH_EXIT_OK;
}

/* Re-reads the schedule at path into *s; an invalid edit keeps *s. */
void chat_reload_into(struct ch_schedule *s, const char *path)
{
	struct ch_schedule ns = {0};
	struct ch_diags d = {0};
	size_t i;

	chat_reload_done();
	reload_deferred = 0;
	ch_log(CH_LOG_INFO, "SIGHUP: re-reading %s", path);
	if (ch_schedule_load(&ns, path, &d) < 0) {
		for (i = 0; i < d.n; i++)
			ch_log(CH_LOG_ERROR, "%s:%d: %s", d.items[i].source,
			       d.items[i].line, d.items[i].text);
		ch_log(CH_LOG_WARN, "the edit is invalid; keeping the old schedule");
		ch_schedule_free(&ns);
	} else {
		ch_schedule_free(s);
		*s = ns;
	}
	ch_diags_free(&d);
}

static void reload_schedule(struct chat *c)
{
	chat_reload_into(c->s, c->o->schedule_path);
}

/* The poll's post_at of the date's topic file, if it has a valid one. */
static int topic_poll_at(struct chat *c, time_t *at)
{
	struct ch_diags d = {0};
	struct ch_topic t = {0};
	char *path = ch_topic_path(c->s->topics_dir, c->date);
	int rc = -1;

	if (access(path, F_OK) == 0 && ch_topic_load(&t, path, &d) == 0 &&
	    t.has_poll)
		rc = ch_poll_post_at(&t.poll, c->s->timezone, at);
	ch_topic_free(&t);
	ch_diags_free(&d);
	free(path);
	return rc;
}

/* The warn_before checks already done for this chat (a bit each, see
 * notify.h), kept in the chat's state so that a restart or a stay in
 * chathost-wait never sends a warning twice. */
static char *chat_state_path(const struct chat *c)
{
	return ch_chat_state_path(c->s, c->date, false);
}

static unsigned load_warned(const struct chat *c)
{
	struct ch_state st;
	struct ch_error err;
	char *path = chat_state_path(c);
	unsigned done = 0;

	ch_error_clear(&err);
	if (ch_state_open(&st, path, &err) == 0)
		done = (unsigned)ch_json_num(st.root, "warned", 0);
	ch_state_free(&st);
	free(path);
	return done;
}

/* Sets key to value (a new reference, stolen) in the chat's state file
 * outside the chat (the chat's own state may not be open yet). */
static void state_file_set(const struct chat *c, const char *key, json_t *value)
{
	struct ch_state st;
	struct ch_error err;
	char *path = chat_state_path(c);
	char *dir = ch_dirname(path);

	memset(&st, 0, sizeof st);
	ch_error_clear(&err);
	if (ch_mkdir_p(dir) == 0 && ch_state_open(&st, path, &err) == 0) {
		json_object_set_new(st.root, key, value);
		value = NULL;
		json_object_set_new(st.root, "date", json_string(c->date));
		if (ch_state_save(&st, &err) < 0)
			ch_log(CH_LOG_WARN, "%s: %s", err.source, err.text);
	} else if (err.text[0]) {
		ch_log(CH_LOG_WARN, "%s: %s", err.source, err.text);
	}
	json_decref(value);
	ch_state_free(&st);
	free(dir);
	free(path);
}

static void save_warned(const struct chat *c, unsigned done)
{
	state_file_set(c, "warned", json_integer(done));
}

/* chathost-wait beside this binary, or in ../libexec/chathost/. */
static char *find_waiter(char *self, size_t self_size)
{
	ssize_t n = readlink("/proc/self/exe", self, self_size - 1);
	char *dir, *path;

	if (n <= 0 || (size_t)n >= self_size - 1)
		return NULL;
	self[n] = '\0';
	dir = ch_dirname(self);
	path = ch_xasprintf("%s/chathost-wait", dir);
	if (access(path, X_OK) != 0) {
		free(path);
		path = ch_xasprintf("%s/../libexec/chathost/chathost-wait", dir);
		if (access(path, X_OK) != 0) {
			free(path);
			path = NULL;
		}
	}
	free(dir);
	return path;
}

/* Becomes chathost-wait until wake, which then runs this command again.
 * Returns only if that cannot be done (the caller then waits itself). */
static void wait_in_waiter(const struct chat *c, double wake)
{
	char self[4096], when[32];
	char *waiter, **argv;
	int i;

	if (!c->o->argv || getenv("CHATHOST_NO_WAITER") || clk != &ch_clock_wall)
		return;
	waiter = find_waiter(self, sizeof self);
	if (!waiter)
		return;
	argv = ch_xcalloc((size_t)c->o->argc + 4, sizeof *argv);
	snprintf(when, sizeof when, "%lld", (long long)wake);
	argv[0] = waiter;
	argv[1] = when;
	argv[2] = self;
	for (i = 0; i < c->o->argc; i++)
		argv[3 + i] = c->o->argv[i];
	{
		char at[32];
		time_t w = (time_t)wake;
		struct tm tm;

		ch_utc_to_local(c->s->timezone, w, &tm, NULL);
		strftime(at, sizeof at, "%Y-%m-%d %H:%M", &tm);
		ch_log(CH_LOG_INFO, "nothing to do until %s %s: waiting in %s",
		       at, c->s->timezone, waiter);
	}
	fflush(NULL);
	if (c->board && *c->board) {
		/* no board while waiting in chathost-wait: the next run of
		 * this command starts it again */
		ch_board_stop(*c->board);
		*c->board = NULL;
	}
	ch_lock_pass_on(c->lock_fd);
	chat_exec_blocked(waiter, argv);
	ch_log(CH_LOG_WARN, "cannot run %s: %s; waiting here", waiter,
	       strerror(errno));
	free(argv);
	free(waiter);
}

/* Whether the topic file of the chat on c->date is missing or invalid. */
static bool topic_bad(const struct chat *c, time_t start)
{
	char *msg = NULL;
	int bad = ch_notify_topic_problem(c->s, c->date, start,
					  (time_t)floor(ch_now()), &msg);

	free(msg);
	return bad != 0;
}

/* One read of the chat's hashtag on n (the last 10 minutes, at most 10
 * posts): a network that refuses this app its reads (X's access levels,
 * the credits, the usage cap) is said ahead of the chat, while it can
 * still be fixed. A network that cannot be reached now is not. */
static void probe_net(const struct chat *c, struct ch_net *n)
{
	struct ch_net_read rd;
	struct ch_msg_page page;
	struct ch_error err;
	char from[40], to[40];
	const char *tag = c->s->hashtag ? c->s->hashtag : "";
	double now = ch_now();
	char *msg;

	memset(&rd, 0, sizeof rd);
	memset(&page, 0, sizeof page);
	ch_error_clear(&err);
	ch_format_utc((time_t)(now - 600), from, sizeof from);
	ch_format_utc((time_t)(now - n->ops->end_lag - 1), to, sizeof to);
	rd.tag = tag[0] == '#' ? tag + 1 : tag;
	rd.start_time = from;
	rd.end_time = to;
	rd.max = 10;
	if (ch_net_read(n, &rd, &page, &err) == 0) {
		ch_log(CH_LOG_INFO, "%s: reading %s on %s works (%zu posts)",
		       c->date, c->s->hashtag, n->ops->title, page.n);
		ch_msg_page_free(&page);
		return;
	}
	ch_msg_page_free(&page);
	if (n->last == CH_NETFAIL_WAIT || n->last == CH_NETFAIL_BAD_RESPONSE) {
		ch_log(CH_LOG_INFO, "%s: reading %s on %s could not be checked now: %s",
		       c->date, c->s->hashtag, n->ops->title, err.text);
		return;
	}
	if (n->last == CH_NETFAIL_RETRY)
		msg = ch_xasprintf(
			"the %s chat on %s: %s cannot be reached at its early warning (%s); chathost asks again before the chat",
			c->s->hashtag, c->date, n->ops->title, err.text);
	else
		msg = ch_xasprintf(
		"the %s chat on %s: reading its answers on %s does not work for this app (%s); fix it before the chat, or its answers are not captured",
		c->s->hashtag, c->date, n->ops->title, err.text);
	ch_notify_async(c->s, msg);
	free(msg);
}

/* The reads of every network of the chat, checked once (PROBED_BIT in
 * *done) at the first early warning, or before the chat at the latest. */
static void probe_reads(const struct chat *c, struct run_net *extra,
			size_t n_extra, unsigned *done)
{
	size_t i;

	if (*done & PROBED_BIT)
		return;
	*done |= PROBED_BIT;
	if (c->x)
		probe_net(c, c->x);
	for (i = 0; i < n_extra; i++)
		if (extra[i].open)
			probe_net(c, &extra[i].net);
}

/* The earliest of the chat's reminders still to post before it loads at
 * load_at: not posted or skipped (the first network's state), not past
 * its late_limit (the chat then records it as late). 0 if none. */
static time_t next_reminder(const struct chat *c, time_t start,
			    time_t load_at, double now)
{
	struct ch_state st;
	struct ch_error err;
	char *path = chat_state_path(c);
	time_t best = 0;
	size_t i;

	memset(&st, 0, sizeof st);
	ch_error_clear(&err);
	if (c->s->n_reminders == 0 ||
	    (access(path, F_OK) == 0 && ch_state_open(&st, path, &err) < 0))
		goto cleanup;
	for (i = 0; i < c->s->n_reminders; i++) {
		time_t at = start - (time_t)c->s->reminders[i].before * 60;
		char key[16];

		snprintf(key, sizeof key, "remind%d", c->s->reminders[i].before);
		if (at >= load_at || (double)at + c->s->late_limit * 60.0 < now)
			continue;
		if (st.root && (ch_state_post_id(&st, key) ||
				ch_state_post_skipped(&st, key)))
			continue;
		if (at <= c->remind_tried)
			continue;
		if (!best || at < best)
			best = at;
	}
cleanup:
	if (st.root)
		ch_state_free(&st);
	free(path);
	return best;
}

/* Before a real chat: waits (re-reading the clock at least every 5
 * minutes) until 10 minutes before the chat or its poll, sending the early
 * warnings about its topic file on the way; in the last hour a missing or
 * invalid topic file ends the wait at once (the chat's load then reads it
 * every minute). Long waits are spent in chathost-wait. Returns 2 when a
 * reminder is due at c->remind_at (REMIND_LEAD ahead), 1 if
 * stopped. */
int chat_pre_wait(struct chat *c, time_t start, struct run_net *extra,
		    size_t n_extra)
{
	unsigned done, before;
	struct ch_error err;

	if (c->o->speed > 0 || c->o->dry_run || c->o->backfill)
		return 0;
	done = load_warned(c);
	for (;;) {
		double now = ch_now(), wake;
		time_t load_at = start - 600, poll_at, next, remind;

		/* a cancel is obeyed at once: its notice goes out now */
		chat_control_read(c);
		if (c->ctl == CH_CTL_CANCELLED)
			return 0;

		if (topic_poll_at(c, &poll_at) == 0 && poll_at - 600 < load_at)
			load_at = poll_at - 600;
		remind = next_reminder(c, start, load_at, now);
		if (remind && now >= (double)(remind - REMIND_LEAD)) {
			c->remind_at = remind;
			return 2;
		}
		/* the warnings due now first, even where the wait ends here:
		 * the last hour's ("1h") was lost when a missing topic ended
		 * the wait before it was sent */
		ch_error_clear(&err);
		before = done;
		if (ch_notify_check_topic(c->s, c->date, start, (time_t)now,
					  &done, &err) < 0)
			ch_log(CH_LOG_WARN, "notify: %s", err.text);
		if (done != before)
			probe_reads(c, extra, n_extra, &done);
		if (done != before)
			save_warned(c, done);
		if (now >= (double)load_at ||
		    (now >= (double)(start - 3600) && topic_bad(c, start))) {
			before = done;
			probe_reads(c, extra, n_extra, &done);
			if (done != before)
				save_warned(c, done);
			return 0;
		}
		wake = (double)load_at;
		if (remind && (double)(remind - REMIND_LEAD) < wake)
			wake = (double)(remind - REMIND_LEAD);
		if (now < (double)(start - 3600) && (double)(start - 3600) < wake)
			wake = (double)(start - 3600);
		next = ch_notify_next(c->s, start, (time_t)now, done);
		if (next > 0 && (double)next > now && (double)next < wake)
			wake = (double)next;
		if (wake - now > WAITER_MIN)
			wait_in_waiter(c, wake);
		if (ch_sleep_until(wake, MAX_SLEEP_CHUNK)) {
			if (stop_flag)
				return 1;
			reload_schedule(c);
		}
	}
}

/* Says which posts of the finished chat were not posted (each was logged
 * when it was skipped) so that the one line a host reads says so too, and
 * tells the notifiers. Returns how many. */
size_t chat_report_skipped(struct chat *c)
{
	struct ch_buf b = {0}, m = {0};
	size_t i, n = 0, k = 0;

	for (i = 0; i < c->plan.n_posts; i++) {
		const char *key = c->plan.posts[i].key;
		const char *why = ch_state_post_skipped(&c->st, key);

		if (!why)
			continue;
		/* skipped as the content manager decided: listed, not a
		 * failure */
		if (strcmp(why, "cancelled") == 0 ||
		    strcmp(why, "late (paused)") == 0) {
			ch_buf_printf(&m, "%s%s (%s)", k ? ", " : "", key, why);
			k++;
			continue;
		}
		ch_buf_printf(&b, "%s%s (%s)", n ? ", " : "", key, why);
		n++;
	}
	if (n) {
		char *msg = ch_xasprintf("%s: %zu of %zu posts were not posted: %s",
					 c->date, n, c->plan.n_posts,
					 ch_buf_str(&b));
		char *amsg = ch_xasprintf("the %s chat %s", c->s->hashtag, msg);

		ch_log(CH_LOG_ERROR, "%s", msg);
		chat_alert(c, amsg);
		free(amsg);
		free(msg);
	}
	if (k)
		ch_log(CH_LOG_INFO, "%s: %zu of %zu posts were not posted as decided: %s",
		       c->date, k, c->plan.n_posts, ch_buf_str(&m));
	ch_buf_free(&b);
	ch_buf_free(&m);
	return n;
}

/* An event line in the log of a chat that was not hosted, so that the
 * report says why instead of showing nothing. */
static void log_not_hosted(struct chat *c, const char *why)
{
	struct ch_replylog *lg;
	struct ch_error err;
	char *dir = ch_chat_dir(c->s, false);
	char *path = ch_chat_log_path(c->s, c->date, false);
	json_t *f = json_pack("{s:s}", "reason", why);

	ch_error_clear(&err);
	if (ch_mkdir_p(dir) == 0 &&
	    (lg = ch_replylog_open(path, &err)) != NULL) {
		ch_replylog_event(lg, "not_hosted", f, &err);
		ch_replylog_close(lg, &err);
	}
	if (err.text[0])
		ch_log(CH_LOG_WARN, "%s: %s", err.source, err.text);
	json_decref(f);
	free(path);
	free(dir);
}

/* The chat on c->date is not hosted: log it, say it in the chat's log and
 * through the notifiers (a real chat). */
void chat_not_hosted(struct chat *c, const char *why)
{
	char *msg = ch_xasprintf("the %s chat on %s is not hosted: %s",
				 c->s->hashtag, c->date, why);

	ch_log(CH_LOG_ERROR, "%s", msg);
	if (c->o->speed <= 0 && !c->o->dry_run && !c->o->backfill) {
		log_not_hosted(c, why);
		state_file_set(c, "not_hosted", json_string(why));
		chat_alert(c, msg);
	}
	free(msg);
}

/* While a missing or invalid topic file is read again before the chat:
 * the early warnings falling due meanwhile (warn_before = ["30m"]) are
 * sent, each once (the state's "warned" bits, as before the wait ended). */
static void early_warnings(struct chat *c)
{
	unsigned done = load_warned(c), before = done;
	struct ch_error err;

	ch_error_clear(&err);
	if (ch_now() >= (double)c->start)
		return;
	if (ch_notify_check_topic(c->s, c->date, c->start, (time_t)ch_now(), &done,
				  &err) < 0)
		ch_log(CH_LOG_WARN, "notify: %s", err.text);
	if (done != before)
		save_warned(c, done);
}

/* Loads the topic and the plan. For a real chat whose topic file is
 * missing or invalid, reads it again every minute (and at once on SIGHUP)
 * until the first post's late_limit has passed: a file written late is
 * still hosted. The notifiers hear of it at the chat's start. Returns 0,
 * -1 (not hosted; logged and alerted), or 1 if stopped. */
int chat_load_plan_waiting(struct chat *c)
{
	bool told = false;
	char *path = ch_topic_path(c->s->topics_dir, c->date);
	int rc = -1;

	for (;;) {
		double now = ch_now(), late, wake;

		ch_topic_free(&c->topic);
		memset(&c->topic, 0, sizeof c->topic);
		if (chat_load_plan(c, &c->topic, &c->plan) == 0) {
			rc = 0;
			break;
		}
		if (c->o->speed > 0 || c->o->dry_run || c->o->backfill ||
		    c->remind_only)
			break;
		chat_control_read(c);
		if (c->ctl == CH_CTL_CANCELLED)
			break; /* host_chat posts its notice, if any */
		late = (double)c->start + (double)c->s->late_limit * 60.0;
		if (now >= (double)c->start && !told) {
			char *why = ch_xasprintf(
				"its topic file %s is %s; write it (chathost check) within %d minutes and it is still hosted",
				path, access(path, F_OK) ? "missing" : "invalid",
				c->s->late_limit);

			chat_not_hosted(c, why);
			free(why);
			told = true;
		}
		if (now >= late)
			break;
		early_warnings(c);
		wake = fmin(now + 60.0, now < (double)c->start ? (double)c->start
							     : late);
		ch_log(CH_LOG_INFO, "%s: reading %s again in %.0f s (or on SIGHUP)",
		       c->date, path, wake - now);
		if (ch_sleep_until(wake, MAX_SLEEP_CHUNK)) {
			if (stop_flag) {
				rc = 1;
				break;
			}
			reload_schedule(c);
		}
	}
	if (rc < 0 && c->remind_only)
		ch_log(CH_LOG_ERROR, "%s: its reminder is not posted: no valid topic file",
		       c->date);
	else if (rc < 0 && c->o->speed <= 0 && !c->o->dry_run && !c->o->backfill)
		ch_log(CH_LOG_ERROR, "%s: the chat was not hosted: no valid topic file",
		       c->date);
	free(path);
	return rc;
}

/* A rehearsal's reminders (the plan's first posts) moved to a chat minute
 * apart before its first post of the chat (or of its poll), never later
 * than they are. */
static void compress_reminders(struct chat *c)
{
	size_t i, n = 0;
	bool moved = false;

	while (n < c->plan.n_posts && c->plan.posts[n].kind == CH_POST_REMINDER)
		n++;
	for (i = 0; i < n; i++) {
		time_t at = c->tl.tbase - (time_t)((n - i) * 60);

		if (c->plan.posts[i].at < at) {
			c->plan.posts[i].at = at;
			moved = true;
		}
	}
	if (moved)
		ch_log(CH_LOG_INFO, "%s: the rehearsal plays its %zu reminder%s a chat minute apart before the chat",
		       c->date, n, n == 1 ? "" : "s");
}

/* Sets the chat's timeline from its plan: real = rstart + (t - tbase)/speed. */
void chat_timeline(struct chat *c)
{
	c->start = c->plan.start;
	c->tl.tbase = c->start;
	if (c->topic.has_poll && poll_post_at(c, &c->tl.tbase) < 0)
		c->tl.tbase = c->start;
	/* a rehearsal plays the reminders too, a chat minute apart right
	 * before the chat: a reminder a day ahead would otherwise hold the
	 * intro back 24 h / speed */
	if (c->o->speed > 0)
		compress_reminders(c);
	if (c->plan.n_posts && c->plan.posts[0].at < c->tl.tbase)
		c->tl.tbase = c->plan.posts[0].at;
	c->tl.speed = c->o->speed > 0 ? c->o->speed : 1.0;
	/* a rehearsal starts a moment from now, so that the first post too
	 * gets its intent written and its connection warmed ahead */
	c->tl.rstart = c->o->speed > 0 ? ch_now() + fmin(10.0, 60.0 / c->tl.speed) + 0.2
				    : (double)c->tl.tbase;
}
