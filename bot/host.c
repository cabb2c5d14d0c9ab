/* host.c - chathost run: the service loop (signals, the networks opened
 * once, the next chat, the waiter hand-off); each chat is hosted by the
 * engine (chat.h). */
#include "host.h"
#include "chat.h"

/* The run's signal flags and clock: chat.h */
volatile sig_atomic_t stop_flag;
volatile sig_atomic_t reload_gen;
_Thread_local sig_atomic_t reload_seen;
pthread_t net_threads[CH_MAX_NETS];
volatile sig_atomic_t n_net_threads;
volatile sig_atomic_t reload_deferred;
const struct ch_clock *clk = &ch_clock_wall;

/* The thread that installed the handlers (the run's main thread). */
static pthread_t main_thread;

/* The process-wide pieces of a run: schedule, account, lock. */
struct run {
	const struct ch_host_opts *o;
	struct ch_schedule s;
	struct ch_net x;               /* the first network (networks[0]) */
	bool have_x, have_me;
	char me_id[160], me_user[160];
	struct run_net extra[CH_MAX_NETS]; /* the further networks */
	size_t n_extra;
	int lock_fd;
	struct ch_board *board;        /* owned: --board, or NULL */
};

static bool chat_done(const struct run *r, const char *date);

static void on_signal(int sig)
{
	sig_atomic_t i;

	if (sig == SIGHUP)
		reload_gen++;
	else if (sig != SIGUSR2) {
		stop_flag = 1;
		ch_http_stop_all(); /* a hung request ends too */
	}
	if (sig != SIGUSR2) {
		for (i = 0; i < n_net_threads; i++)
			pthread_kill(net_threads[i], SIGUSR2);
		/* taken by another thread (the kernel may pick any that does
		 * not block it; valgrind did): the main thread's sleep is cut
		 * short too, or a SIGTERM waits out a 5-minute nap */
		if (!pthread_equal(pthread_self(), main_thread))
			pthread_kill(main_thread, SIGUSR2);
	}
}

/* reload_flag is seen: the reload is applied (or not wanted). */
void chat_reload_done(void)
{
	reload_seen = reload_gen;
}

static void install_signals(void)
{
	struct sigaction sa;
	sigset_t set;

	main_thread = pthread_self();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: sleeps wake up at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* chathost-wait hands over with these blocked (see exec_blocked):
	 * a signal sent during the exec waits for the handlers above */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* execv with SIGTERM, SIGINT and SIGHUP blocked, so that one sent while
 * the new program starts is kept pending until it has its handlers (a
 * blocked signal survives exec; its handler does not). Returns only if
 * execv failed (the mask restored). */
void chat_exec_blocked(const char *path, char **argv)
{
	sigset_t set, old;

	ch_notify_drain(CH_NOTIFY_DRAIN_S); /* an exec would lose them */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	execv(path, argv);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

double ch_now(void)
{
	return clk->now(clk->ctx);
}

bool chat_stopped(void)
{
	return stop_flag != 0;
}

static bool stopped_or_reload(void)
{
	return stop_flag || reload_flag;
}

/* Sleeps until t; returns 1 early on a stop or a reload request (the
 * caller looks at which). */
int ch_sleep_until(double t, double max_chunk)
{
	return clk->sleep_until(clk->ctx, t, max_chunk, stopped_or_reload);
}

/* A backoff or rate-limit wait: returns 1 only if stopped (a reload is
 * left pending for the loop, so that a SIGHUP never cuts such a wait
 * short: the flag stays raised and would turn them into busy loops). */
int chat_nap_until(double t)
{
	return clk->sleep_until(clk->ctx, t, MAX_SLEEP_CHUNK, chat_stopped);
}

/* A wait of the account look-up: cut short by SIGTERM/SIGINT. */
int chat_whoami_sleep(double t)
{
	return chat_nap_until(t);
}

/* The real instant the chat starting at start stops being worth trying:
 * the end of its capture window. */
static double window_close(const struct run *r, time_t start)
{
	double len = (double)(r->s.duration + r->s.capture_after) * 60.0;

	if (r->o->speed > 0)
		return ch_now() + 11.0 + len / r->o->speed;
	return (double)start + len;
}

/* Who the account is, asked until deadline. Returns 0, or an exit status
 * (the notifiers told, for a real chat). */
static int ensure_me(struct run *r, double deadline, const char *date,
		     bool tell)
{
	struct ch_error err;
	int m;
	char *msg;

	if (r->have_me || !r->have_x)
		return CH_EXIT_OK;
	ch_error_clear(&err);
	m = ch_net_whoami(&r->x, deadline, chat_whoami_sleep, r->me_id,
			   sizeof r->me_id, r->me_user, sizeof r->me_user, &err);
	if (m == 0) {
		r->have_me = true;
		ch_log(CH_LOG_INFO, "posting as @%s", r->me_user);
		return CH_EXIT_OK;
	}
	if (m == -3)
		return CH_EXIT_OK;
	msg = m == -1 && r->x.last == CH_NETFAIL_EXHAUSTED
		? ch_xasprintf("the %s bot cannot use its %s account: %s",
			       r->s.hashtag, r->x.ops->title, err.text)
		: m == -1
		? ch_xasprintf("the %s bot cannot use its %s account (%s failed): check the credentials before the next chat",
			       r->s.hashtag, r->x.ops->title,
			       strcmp(r->x.ops->name, "x") == 0
				       ? "GET /2/users/me" : "the log-in")
		: ch_xasprintf("the %s bot cannot reach %s (%s)%s%s",
			       r->s.hashtag, r->x.ops->title, r->s.nets[0].base_url,
			       date ? ": the chat is not hosted on " : "; it tries again before the chat",
			       date ? date : "");
	ch_log(CH_LOG_ERROR, "%s", msg);
	if (r->o->speed <= 0 && (tell || m == -1)) {
		ch_notify_async(&r->s, msg);
	}
	free(msg);
	return CH_EXIT_NETWORK;
}

/* --api-base applied to the schedule, and every network's URL checked
 * (a URL refused outright is said as such, before asking for --yes).
 * Returns 0 or -1 (said). */
static int run_urls(struct run *r)
{
	struct ch_error err, uerr;
	int i;
	size_t k;

	for (i = 0; i < r->o->n_api_bases; i++) {
		ch_error_clear(&err);
		if (ch_schedule_set_url(&r->s, r->o->api_bases[i], &err) < 0) {
			ch_error_print(&err, stderr);
			return -1;
		}
	}
	for (k = 0; k < r->s.n_nets; k++) {
		const struct ch_net_ops *ops = chat_find_ops(r->o, r->s.nets[k].name);

		ch_error_clear(&err);
		ch_error_clear(&uerr);
		if (ch_http_check_url(r->s.nets[k].base_url, &uerr) < 0) {
			ch_error_set(&err, strcmp(ops->name, "x") == 0
						   ? "X API" : ops->title,
				     0, "base URL: %s", uerr.text);
			ch_error_print(&err, stderr);
			return -1;
		}
	}
	return 0;
}

/* The first network URL that is not a local server, or NULL. */
static const char *real_url(const struct run *r)
{
	size_t k;

	for (k = 0; k < r->s.n_nets; k++)
		if (!ch_http_url_is_loopback(r->s.nets[k].base_url))
			return r->s.nets[k].base_url;
	return NULL;
}

/* --board: the live board, for the run's chats. Returns 0 or -1 (said). */
static int start_board(struct run *r)
{
	struct ch_error err;

	ch_error_clear(&err);
	r->board = ch_board_open(r->o->board, r->o->board_token, &err);
	if (!r->board) {
		ch_error_print(&err, stderr);
		return -1;
	}
	return 0;
}

static int run_open(struct run *r)
{
	const struct ch_host_opts *o = r->o;
	struct ch_diags d = {0};
	struct ch_error err, uerr;
	struct ch_net_conf conf;
	const char *base;
	char *dir;
	size_t i;
	int rc = CH_EXIT_INPUT;

	ch_error_clear(&err);
	ch_error_clear(&uerr);
	if (ch_schedule_load(&r->s, o->schedule_path, &d) < 0) {
		ch_diags_print(&d, stderr);
		goto cleanup;
	}
	if (ch_schedule_need_chat(&r->s, "run") < 0)
		goto cleanup;
	ch_log_setup(ch_log_enabled(CH_LOG_DEBUG) ? CH_LOG_DEBUG
		     : ch_log_enabled(CH_LOG_INFO) ? CH_LOG_INFO
						   : CH_LOG_WARN,
		     r->s.name);
	if (o->dry_run) {
		rc = CH_EXIT_OK;
		goto cleanup;
	}
	if (run_urls(r) < 0)
		goto cleanup;
	if (o->speed > 0 && !o->yes && !o->backfill && (base = real_url(r))) {
		fprintf(stderr,
			"chathost: --rehearse posts for real: every post of the rehearsal goes to %s as your account, in public, %g times faster than the chat.\n"
			"chathost: to rehearse without posting use --dry-run, or a local server with --api-base; to post anyway add --yes\n",
			base, o->speed);
		rc = CH_EXIT_USAGE;
		goto cleanup;
	}
	dir = ch_chat_dir(&r->s, o->speed > 0);
	r->lock_fd = ch_lock_dir(dir, &err);
	free(dir);
	if (r->lock_fd < 0) {
		ch_error_print(&err, stderr);
		goto cleanup;
	}
	if (o->board && !o->backfill && start_board(r) < 0) {
		rc = CH_EXIT_USAGE;
		goto cleanup;
	}
	if (ch_net_open_in(&r->x, o->net_find, r->s.nets[0].name,
			   ch_schedule_net_conf(&r->s, &r->s.nets[0], &conf),
			   &err) < 0) {
		ch_error_print(&err, stderr);
		goto cleanup;
	}
	r->have_x = true;
	for (i = 1; i < r->s.n_nets; i++) {
		struct run_net *e = &r->extra[r->n_extra++];

		ch_error_clear(&err);
		if (ch_net_open_in(&e->net, o->net_find, r->s.nets[i].name,
				   ch_schedule_net_conf(&r->s, &r->s.nets[i],
							&conf),
				   &err) < 0) {
			ch_error_print(&err, stderr);
			goto cleanup;
		}
		e->open = true;
	}
	rc = CH_EXIT_OK;
cleanup:
	ch_diags_free(&d);
	return rc;
}

/* A chat whose last post's time has passed but whose window has not (its
 * wrap-up within late_limit, its capture within capture_after), begun by
 * an earlier run and not done: a restart finishes it first. A stop just
 * before the wrap-up and a start just after it lost the wrap-up, the
 * capture's end and the backfill, the run turning to next week's chat.
 * Replaces date and start with it. */
static void resume_ended_chat(const struct run *r, time_t now, char *date,
			      time_t *start)
{
	int tail = r->s.capture_after > r->s.late_limit ? r->s.capture_after
							 : r->s.late_limit;
	char pdate[11];
	time_t pstart;
	char *path;
	bool begun;

	if (ch_schedule_next(&r->s, now - (time_t)tail * 60, pdate, &pstart) < 0 ||
	    pstart == *start || pstart + (time_t)r->s.duration * 60 > now ||
	    now >= pstart + (time_t)(r->s.duration + tail) * 60)
		return;
	path = ch_chat_state_path(&r->s, pdate, false);
	begun = access(path, F_OK) == 0;
	free(path);
	if (!begun || chat_done(r, pdate))
		return;
	ch_log(CH_LOG_INFO, "%s: its last post's time has passed, its window has not: finishing it first",
	       pdate);
	memcpy(date, pdate, sizeof pdate);
	*start = pstart;
}

static int next_chat(struct run *r, time_t not_before, char *date,
		     time_t *start)
{
	int y, m, dd;
	time_t from = (time_t)floor(ch_now());

	if (r->o->date) {
		snprintf(date, 11, "%s", r->o->date);
		if (ch_parse_date(r->o->date, &y, &m, &dd) < 0 ||
		    ch_schedule_start(&r->s, y, m, dd, start) < 0) {
			ch_log(CH_LOG_ERROR, "--date %s: not a date", r->o->date);
			return CH_EXIT_USAGE;
		}
		if (ch_weekday(y, m, dd) != r->s.weekday) {
			ch_log(CH_LOG_ERROR,
			       "--date %s is a %s, but the chat %s is on %ss: give a date on that day",
			       r->o->date, ch_weekday_name(ch_weekday(y, m, dd)),
			       r->s.name, ch_weekday_name(r->s.weekday));
			return CH_EXIT_INPUT;
		}
		return CH_EXIT_OK;
	}
	if (not_before > from)
		from = not_before;
	if (ch_schedule_next(&r->s, from, date, start) < 0) {
		ch_log(CH_LOG_ERROR, "cannot compute the next chat");
		return CH_EXIT_INPUT;
	}
	if (not_before <= (time_t)floor(ch_now()))
		resume_ended_chat(r, from, date, start);
	return CH_EXIT_OK;
}

/* Whether the real chat on date is done already (its state says so). */
static bool chat_done(const struct run *r, const char *date)
{
	struct ch_state st;
	struct ch_error err;
	char *path = ch_chat_state_path(&r->s, date, false);
	bool done = false;

	memset(&st, 0, sizeof st);
	ch_error_clear(&err);
	if (access(path, F_OK) == 0 && ch_state_open(&st, path, &err) == 0)
		done = json_is_true(json_object_get(st.root, "done"));
	ch_state_free(&st);
	free(path);
	return done;
}

/* A network left out of a chat: said, and (a real chat) told through
 * the notifiers. */
static void tell_run(const struct run *r, const char *msg)
{
	ch_log(CH_LOG_ERROR, "%s", msg);
	if (r->o->speed > 0)
		return;
	ch_notify_async(&r->s, msg);
}

/* Who the account is on each further network (a try of a few seconds); a
 * network that does not answer is left out of this chat, said and told,
 * and the others go on. */
static void extra_me(struct run *r, const char *date)
{
	size_t i;

	for (i = 0; i < r->n_extra; i++) {
		struct run_net *e = &r->extra[i];
		struct ch_error err;
		char *msg;

		if (!e->open || e->have_me || r->o->dry_run)
			continue;
		ch_error_clear(&err);
		if (ch_net_whoami(&e->net, ch_now() + 10, chat_whoami_sleep, e->me_id,
				  sizeof e->me_id, e->me_user,
				  sizeof e->me_user, &err) == 0) {
			e->have_me = true;
			ch_log(CH_LOG_INFO, "posting on %s as @%s",
			       e->net.ops->title, e->me_user);
			continue;
		}
		msg = ch_xasprintf("the %s chat on %s: %s does not answer (%s); asked again until its last post's late_limit",
				   r->s.hashtag, date, e->net.ops->title,
				   err.text);
		tell_run(r, msg);
		free(msg);
	}
}

/* The first network and further network k change places (the network,
 * its account). */
static void swap_nets(struct run *r, size_t k)
{
	struct run_net *e = &r->extra[k];
	struct ch_net n = r->x;
	char id[sizeof r->me_id], user[sizeof r->me_user];

	r->x = e->net;
	e->net = n;
	memcpy(id, r->me_id, sizeof id);
	memcpy(user, r->me_user, sizeof user);
	memcpy(r->me_id, e->me_id, sizeof id);
	memcpy(r->me_user, e->me_user, sizeof user);
	memcpy(e->me_id, id, sizeof id);
	memcpy(e->me_user, user, sizeof user);
	r->have_me = e->have_me;
	e->have_me = false;
}

/* Several networks, and the first one's account cannot be used (asked
 * for a few seconds more): a further network that can takes its place
 * for this chat, so one network failing never stops the others; said and
 * told. Returns the further network's index it swapped with, or -1. */
static long promote_net(struct run *r, const char *date)
{
	struct ch_error err;
	char *msg;
	size_t k;

	extra_me(r, date);
	for (k = 0; k < r->n_extra && !r->extra[k].have_me; k++)
		;
	if (k == r->n_extra)
		return -1;
	ch_error_clear(&err);
	if (ch_net_whoami(&r->x, ch_now() + 10, chat_whoami_sleep, r->me_id,
			  sizeof r->me_id, r->me_user, sizeof r->me_user,
			  &err) == 0) {
		r->have_me = true;
		return -1;
	}
	if (stop_flag)
		return -1;
	msg = ch_xasprintf("the %s chat on %s goes on without %s, which cannot be used (%s): it is hosted on the other networks",
			   r->s.hashtag, date, r->x.ops->title, err.text);
	tell_run(r, msg);
	free(msg);
	swap_nets(r, k);
	return (long)k;
}

/* Sets c up for the chat on date in r (nothing owned yet). */
static void chat_init(struct chat *c, struct run *r, const char *date,
		      time_t start)
{
	memset(c, 0, sizeof *c);
	c->log_owner = true;
	c->o = r->o;
	c->s = &r->s;
	c->x = r->have_x ? &r->x : NULL;
	c->lock_fd = r->lock_fd;
	c->start = start;
	c->board = &r->board;
	snprintf(c->date, sizeof c->date, "%s", date);
}

/* The networks' accounts, then the chat on them (host_chat); or, with
 * c->remind_only, its reminders due now. Returns an exit status. */
static int host_on_nets(struct run *r, struct chat *c, time_t start)
{
	const struct ch_host_opts *o = r->o;
	const char *date = c->date;
	long promoted = -1;
	int rc;

	if (!r->have_me && r->have_x && r->n_extra > 0 && !o->backfill &&
	    !o->dry_run)
		promoted = promote_net(r, date);
	if (c->remind_only && !r->have_me && r->have_x) {
		/* a reminder waits for no one: one more try, then without */
		ensure_me(r, ch_now() + 30, NULL, false);
		if (!r->have_me) {
			ch_log(CH_LOG_ERROR, "%s: its reminder is not posted: %s cannot be reached",
			       date, r->x.ops->title);
			rc = CH_EXIT_NETWORK;
			goto cleanup;
		}
	}
	/* X cannot be reached: ask until the chat's start quietly, then say
	 * at its start time that it is not being hosted, and go on asking
	 * until its window has passed */
	if (!r->have_me && r->have_x && o->speed <= 0 &&
	    ensure_me(r, (double)start, NULL, false) != CH_EXIT_OK) {
		char *msg = ch_xasprintf(
			"the %s chat on %s is not being hosted: %s cannot be reached; chathost keeps trying until its window has passed",
			r->s.hashtag, date, r->x.ops->title);

		/* refused credentials, credits used up: said already, no
		 * point in asking */
		if (stop_flag || r->x.last == CH_NETFAIL_CREDENTIALS ||
		    r->x.last == CH_NETFAIL_REFUSED ||
		    r->x.last == CH_NETFAIL_EXHAUSTED) {
			free(msg);
			rc = stop_flag ? CH_EXIT_OK : CH_EXIT_NETWORK;
			goto cleanup;
		}
		ch_log(CH_LOG_ERROR, "%s", msg);
		ch_notify_async(&r->s, msg);
		free(msg);
	}
	rc = ensure_me(r, window_close(r, start), date, true);
	if (rc != CH_EXIT_OK || stop_flag)
		goto cleanup;
	c->me_id = r->me_id[0] ? r->me_id : NULL;
	c->me_username = r->me_user[0] ? r->me_user : NULL;
	extra_me(r, date);
	rc = chat_host(c, r->extra, r->n_extra);
cleanup:
	if (promoted >= 0) {
		/* the first network is back in its place for the next chat;
		 * this one was not hosted there */
		swap_nets(r, (size_t)promoted);
		if (rc == CH_EXIT_OK && !c->remind_only)
			rc = CH_EXIT_NETWORK;
	}
	return rc;
}

/* The chat on date, starting at start: waits for it (posting its
 * reminders on the way), then hosts it. *next is set past it when it
 * is done already. Returns an exit status. */
static int run_one(struct run *r, const char *date, time_t start,
		   time_t *next)
{
	const struct ch_host_opts *o = r->o;
	struct chat c;
	int rc, w;

	chat_init(&c, r, date, start);
	if (o->speed <= 0 && !o->dry_run && !o->backfill && chat_done(r, date)) {
		ch_log(CH_LOG_INFO, "the chat on %s is done already%s", date,
		       o->once || o->date ? "" : "; on to the next one");
		*next = start + 86400;
		return CH_EXIT_OK;
	}
	if (o->speed <= 0 && !o->backfill) {
		char when[64];
		struct tm tm;

		ch_utc_to_local(r->s.timezone, start, &tm, NULL);
		strftime(when, sizeof when, "%A %Y-%m-%d %H:%M", &tm);
		ch_log(CH_LOG_INFO, "next chat: %s %s", when, r->s.timezone);
	}
	if (o->backfill && o->speed <= 0 && ch_now() < (double)start) {
		ch_log(CH_LOG_ERROR,
		       "--backfill: the chat on %s has not started yet: nothing to backfill",
		       date);
		return CH_EXIT_INPUT;
	}
	for (;;) {
		time_t tried;

		w = chat_pre_wait(&c, start, r->extra, r->n_extra);
		if (w == 1)
			return CH_EXIT_OK;
		c.remind_only = w == 2;
		rc = host_on_nets(r, &c, start);
		if (!c.remind_only || stop_flag)
			break;
		/* the reminders due now are done with: wait for the next */
		tried = c.remind_at;
		chat_free(&c);
		chat_init(&c, r, date, start);
		c.remind_tried = tried;
		if (rc != CH_EXIT_OK)
			ch_log(CH_LOG_WARN, "%s: a reminder was not posted everywhere; the chat goes on",
			       date);
	}
	if (c.done_already)
		*next = start + 86400;
	chat_free(&c);
	return rc;
}

int ch_host_main(const struct ch_host_opts *o)
{
	struct run r;
	time_t next = 0;
	size_t i;
	int rc;

	memset(&r, 0, sizeof r);
	r.o = o;
	r.lock_fd = -1;
	clk = o->clock ? o->clock : &ch_clock_wall;
	install_signals();
	rc = run_open(&r);
	if (rc != CH_EXIT_OK)
		goto cleanup;
	/* the account now if it answers; if X cannot be reached, the service
	 * waits (in chathost-wait) and asks again before the chat */
	if (r.have_x && !o->backfill) {
		rc = ensure_me(&r, ch_now() + (o->once || o->date ? 0 : 30),
			       NULL, !(o->once || o->date));
		if (rc != CH_EXIT_OK && (r.x.last == CH_NETFAIL_CREDENTIALS ||
					 r.x.last == CH_NETFAIL_REFUSED))
			goto cleanup;
		rc = CH_EXIT_OK;
	}
	while (!stop_flag) {
		char date[11];
		time_t start;
		int cr = next_chat(&r, next, date, &start);

		if (cr != CH_EXIT_OK) {
			rc = cr;
			break;
		}
		cr = run_one(&r, date, start, &next);
		if (cr != CH_EXIT_OK)
			rc = cr;
		if (stop_flag || o->once || o->date || o->backfill)
			break;
		if (cr != CH_EXIT_OK) {
			/* a chat that failed must not spin: wait for its
			 * end before looking at the next one */
			if (chat_nap_until((double)start + r.s.duration * 60.0 + 1))
				break;
			next = start + 86400;
		}
		if (reload_flag || reload_deferred)
			chat_reload_into(&r.s, o->schedule_path);
	}
	if (stop_flag) {
		ch_log(CH_LOG_INFO, "stopped by a signal");
		rc = CH_EXIT_OK;
	}
cleanup:
	if (r.have_x)
		ch_net_close(&r.x);
	for (i = 0; i < r.n_extra; i++)
		if (r.extra[i].open)
			ch_net_close(&r.extra[i].net);
	if (r.lock_fd >= 0)
		close(r.lock_fd);
	ch_board_stop(r.board);
	ch_schedule_free(&r.s);
	return rc;
}
