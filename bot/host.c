/* host.c - the event loop of chathost run. */
#include "host.h"

#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "capture.h"
#include "chtime.h"
#include "cli.h"
#include "clock.h"
#include "control.h"
#include "http.h"
#include "lock.h"
#include "net/net.h"
#include "log.h"
#include "notify.h"
#include "plan.h"
#include "poll.h"
#include "publish.h"
#include "welcome.h"
#include "replylog.h"
#include "schedule.h"
#include "state.h"
#include "topic.h"

/* A post's last stretch is spent reading the clock, not asleep: a
 * sleeping process wakes up to a few milliseconds late on a busy machine. */
#define SPIN_LEAD 0.002

/* A wait longer than this (seconds) is spent in chathost-wait, a process
 * that holds none of the network libraries' memory. */
#define WAITER_MIN 900.0

/* Longest sleep without re-reading the wall clock (seconds). */
#define MAX_SLEEP_CHUNK 300.0

static volatile sig_atomic_t stop_flag;
/* SIGHUP counts up; each thread hosting a network applies a reload once
 * per count (reload_seen is its own) */
static volatile sig_atomic_t reload_gen;
static _Thread_local sig_atomic_t reload_seen;
#define reload_flag (reload_gen != reload_seen)

/* The threads hosting the chat's further networks: a signal the main
 * thread takes is passed on to them as SIGUSR2, which only cuts their
 * sleeps short (they block the others). */
static pthread_t net_threads[CH_MAX_NETS];
static volatile sig_atomic_t n_net_threads;

/* The thread that installed the handlers (the run's main thread). */
static pthread_t main_thread;

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

/* A SIGHUP seen where the schedule cannot change under the networks'
 * threads (the capture after the last post): the service re-reads it
 * once the chat is over, before it decides what comes next. */
static volatile sig_atomic_t reload_deferred;

/* reload_flag is seen: the reload is applied (or not wanted). */
static void reload_done(void)
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
static void exec_blocked(const char *path, char **argv)
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

/* The run's clock (ch_host_opts.clock): set once by ch_host_main before
 * any thread starts, read by every thread of the run. */
static const struct ch_clock *clk = &ch_clock_wall;

double ch_now(void)
{
	return clk->now(clk->ctx);
}

static bool stopped(void)
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
static int nap_until(double t)
{
	return clk->sleep_until(clk->ctx, t, MAX_SLEEP_CHUNK, stopped);
}

/* A further network of the run (networks = [...] beyond the first). */
struct run_net {
	struct ch_net net;             /* owned when open */
	bool open, have_me;
	char me_id[160], me_user[160];
};

/* Everything one chat needs; owned by host_chat(). */
struct chat {
	const struct ch_host_opts *o;  /* borrowed */
	struct ch_schedule *s;         /* borrowed (the loop owns it) */
	struct ch_net *x;              /* borrowed; NULL in a dry run: the
					  network this chat is hosted on */
	const char *me_id;             /* borrowed */
	const char *me_username;       /* borrowed */
	char date[11];
	struct ch_topic topic;         /* owned */
	struct ch_plan plan;           /* owned */
	struct ch_state st;            /* owned */
	struct ch_replylog *log;       /* the chat's one log, NULL until
					  open: owned when log_owner (the
					  first network's chat), else the
					  first network's, borrowed */
	bool log_owner, state_open;
	struct ch_capture *cap;        /* owned; NULL: no capture */
	time_t start;                  /* the chat's start (plan time) */
	struct ch_timeline tl;         /* real = rstart + (t - tbase) / speed;
					  tbase: the chat's start, or its
					  poll's post_at */
	char *dir;                     /* owned: the log folder */
	bool state_failed;             /* the last state write failed */
	bool state_alerted;            /* ... and the notifier was told */
	bool done_already;             /* the chat was done before this run */
	long polls_failed;             /* failed searches (live, backfill) */
	bool exhausted_told;           /* reads stopped by the usage cap or
					  the credits: said once */
	struct ch_net_usage cost_base; /* the state's "cost" when opened
					  (earlier runs of this chat) */
	struct ch_net_usage usage0;    /* the network's usage then */
	bool cost_on;                  /* cost_start was called */
	struct ch_welcome *wel;        /* borrowed: the chat's welcome (a
					  watch group), the first network's
					  wel_store; NULL: none */
	struct ch_welcome wel_store;   /* owned by the first network's chat */
	char search_error[CH_ERROR_TEXT_LEN]; /* the last search failure */
	int lock_fd;                   /* borrowed: the run lock (lock.h) */
	enum ch_control_state ctl;     /* the content manager's decision
					  (control.h), as last read */
	char *notice;                  /* owned: a cancel's notice, or NULL */
	bool ctl_bad;                  /* the control file is unreadable
					  (said once) */
	double resumed_at;             /* the real instant the last pause
					  ended (0: none) */
	bool remind_only;              /* this run of the chat posts only
					  the reminders due at remind_at
					  (a real chat, before it loads) */
	time_t remind_at;
	time_t remind_tried;           /* reminders up to this instant were
					  tried (posted, skipped, or not:
					  no valid topic file) */
	struct ch_board **board;       /* borrowed: the run's board slot
					  (board.h); NULL or *board NULL:
					  none */
};

static void board_chat(struct chat *c, const char *log_path);

static double real_at(const struct chat *c, time_t t)
{
	return ch_timeline_real(&c->tl, t);
}


/* "Q3", or "Q3 on Bluesky" on a network other than X (messages). */
static const char *net_label(const struct chat *c, const struct ch_post *p,
			     char *buf, size_t n)
{
	size_t k;

	ch_plan_post_label(p, buf, n);
	k = strlen(buf);
	if (c->x && strcmp(c->x->ops->name, "x") != 0 && k < n)
		snprintf(buf + k, n - k, " on %s", c->x->ops->title);
	return buf;
}

/* Why p went out on its own instead of as a reply, or NULL. */
static const char *standalone_of(struct chat *c, const struct ch_post *p)
{
	return ch_json_str(json_object_get(ch_state_obj(&c->st, "posts"),
					   p->key), "standalone");
}

/* Appends the host's own post to the log. */
static void log_host_post(struct chat *c, const struct ch_post *p,
			  const char *id, double at)
{
	struct ch_log_entry e;
	struct ch_error err;
	char created[40];
	char *url;

	if (!c->log)
		return;
	ch_error_clear(&err);
	memset(&e, 0, sizeof e);
	ch_format_time_ms((long long)floor(at * 1000.0), created, sizeof created);
	e.id = id;
	e.created_at = created;
	e.author_id = c->me_id ? c->me_id : "";
	e.username = c->me_username;
	e.kind = CH_KIND_HOST;
	e.question = p->kind == CH_POST_QUESTION ? p->number : 0;
	e.attributed_by = CH_ATTR_NONE;
	e.in_reply_to_id = p->reply_to_intro && !standalone_of(c, p)
				   ? ch_state_post_id(&c->st, "intro")
				   : NULL;
	e.text = p->text;
	e.net = c->x ? c->x->ops->name : NULL;
	url = c->x ? ch_net_url(c->x, id, c->me_username) : NULL;
	e.url = url;
	if (ch_replylog_append(c->log, &e, &err) < 0)
		ch_log(CH_LOG_ERROR, "%s", err.text);
	ch_replylog_flush(c->log, NULL);
	free(url);
}

/* Records a skipped post in the log as an event line. */
static void log_skip(struct chat *c, const struct ch_post *p, const char *why)
{
	json_t *f;

	if (!c->log)
		return;
	f = json_pack("{s:s, s:s, s:s}", "key", p->key, "reason", why, "text",
		      p->text);
	if (c->x)
		json_object_set_new(f, "net", json_string(c->x->ops->name));
	ch_replylog_event(c->log, "skipped", f, NULL);
	json_decref(f);
	ch_replylog_flush(c->log, NULL);
}

/* Sends msg through the schedule's notifiers (real chats only: a
 * rehearsal's trouble is seen on its terminal). */
static void alert(const struct chat *c, const char *msg)
{
	if (c->o->speed > 0 || c->o->dry_run)
		return;
	/* a worker sends it: no post waits for a notifier */
	ch_notify_async(c->s, msg);
}

/* On a network that bills (X): where the chat's state opens, what
 * earlier runs of the chat used, and where this run's count starts. */
static void cost_start(struct chat *c)
{
	json_t *o = json_object_get(c->st.root, "cost");

	memset(&c->cost_base, 0, sizeof c->cost_base);
	c->cost_base.posts = (long)ch_json_num(o, "posts", 0);
	c->cost_base.posts_url = (long)ch_json_num(o, "posts_with_url", 0);
	c->cost_base.reads = (long)ch_json_num(o, "reads", 0);
	c->cost_base.billed = (long)ch_json_num(o, "reads_billed", 0);
	if (c->x)
		c->usage0 = c->x->usage;
	c->cost_on = true;
}

/* The chat's "cost" in its state: posts made, posts read and billed, and
 * what they cost at the schedule's prices (US dollars). */
static void cost_to_state(struct chat *c)
{
	struct ch_net_usage u = c->cost_base;
	double dollars;

	if (!c->cost_on || !c->x || !c->x->ops->billed)
		return;
	u.posts += c->x->usage.posts - c->usage0.posts;
	u.posts_url += c->x->usage.posts_url - c->usage0.posts_url;
	u.reads += c->x->usage.reads - c->usage0.reads;
	u.billed += c->x->usage.billed - c->usage0.billed;
	dollars = (double)(u.posts - u.posts_url) * c->s->price_post +
		  (double)u.posts_url * c->s->price_post_url +
		  (double)u.billed * c->s->price_read;
	json_object_set_new(
		c->st.root, "cost",
		json_pack("{s:s, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f}",
			  "net", c->x->ops->name, "posts", (json_int_t)u.posts,
			  "posts_with_url", (json_int_t)u.posts_url,
			  "reads", (json_int_t)u.reads,
			  "reads_billed", (json_int_t)u.billed,
			  "price_post", c->s->price_post,
			  "price_post_with_url", c->s->price_post_url,
			  "price_read", c->s->price_read,
			  "dollars", floor(dollars * 1000.0 + 0.5) / 1000.0));
}

/* Writes the state. Returns 0, or -1 (logged; the first failure of a
 * chat is also sent to the notifiers). */
static int save_state(struct chat *c)
{
	struct ch_error err;

	ch_error_clear(&err);
	if (!c->state_open)
		return 0;
	if (!c->o->dry_run)
		cost_to_state(c);
	if (ch_state_save(&c->st, &err) == 0) {
		if (c->state_failed)
			ch_log(CH_LOG_INFO, "%s: the state can be written again",
			       c->st.path);
		c->state_failed = false;
		return 0;
	}
	ch_log(CH_LOG_ERROR, "%s: %s", err.source, err.text);
	c->state_failed = true;
	if (!c->state_alerted) {
		char *msg = ch_xasprintf(
			"the %s chat on %s cannot write its state (%s: %s): nothing more is posted until it can; free space, and a restart looks up what was posted",
			c->s->hashtag, c->date, err.source, err.text);

		c->state_alerted = true;
		alert(c, msg);
		free(msg);
	}
	return -1;
}

/* The real instant the intent to post key was recorded (0 if none). */
static double intent_at(struct chat *c, const char *key)
{
	return ch_json_num(json_object_get(ch_state_obj(&c->st, "posts"), key),
			   "intent_at", 0);
}

/* The record key chosen with p's intent, or NULL. */
static const char *post_key(struct chat *c, const struct ch_post *p)
{
	return ch_json_str(json_object_get(ch_state_obj(&c->st, "posts"),
					   p->key), "key");
}

/* Records the intent to post p at due, durably. Returns 0, or -1 if it
 * could not be written: then it is not recorded in memory either, and p
 * must not be posted (a post that cannot be recorded is never made). */
static int write_intent(struct chat *c, const struct ch_post *p, double due)
{
	json_t *posts = ch_state_obj(&c->st, "posts");
	/* a copy: ch_state_set_intent changes the object in place */
	json_t *old = json_deep_copy(json_object_get(posts, p->key));

	ch_state_set_intent(&c->st, p->key, p->text, ch_now());
	json_object_set_new(json_object_get(posts, p->key), "due",
			    json_real(due));
	/* where the network has record keys, the post's key is chosen now,
	 * with its intent: a post whose fate is unknown is found by it */
	if (c->x) {
		char key[32];

		ch_net_new_key(c->x, key, sizeof key);
		if (key[0])
			json_object_set_new(json_object_get(posts, p->key),
					    "key", json_string(key));
	}
	if (save_state(c) == 0) {
		json_decref(old);
		return 0;
	}
	if (old)
		json_object_set_new(posts, p->key, old);
	else
		json_object_del(posts, p->key);
	return -1;
}

/* The real instant past which p is not posted any more. */
static double late_at_of(const struct chat *c, double due)
{
	return due + (double)c->s->late_limit * 60.0 / c->tl.speed;
}

/* Records p as posted with id (state first, then the log). */
static void record_posted(struct chat *c, const struct ch_post *p,
			  const char *id, const char *how)
{
	double at = ch_now();
	char what[48];

	ch_state_set_posted(&c->st, p->key, id, at);
	save_state(c);
	ch_log(CH_LOG_INFO, "%s %s %s (id %s)", c->date,
	       net_label(c, p, what, sizeof what), how, id);
	log_host_post(c, p, id, at);
}

/* Records p as skipped for why, in the state and as an event line. */
static void record_skipped(struct chat *c, const struct ch_post *p,
			   const char *why)
{
	ch_state_set_skipped(&c->st, p->key, why);
	save_state(c);
	log_skip(c, p, why);
}

/* The wait of a chat's nap (publish.h): a stop cuts it short. */
static int publish_nap(void *ctx, double t)
{
	(void)ctx;
	return nap_until(t);
}

/* The network named name: the run's own lookup (ch_host_opts.net_find)
 * or the registry's. */
static const struct ch_net_ops *find_ops(const struct ch_host_opts *o,
					 const char *name)
{
	return o->net_find ? o->net_find(name) : ch_net_find(name);
}

/* The run's clock, for publish.h and capture.h. */
static double run_now(void *ctx)
{
	(void)ctx;
	return ch_now();
}

/* Sets pb up to post or look up p, due at the real instant due; what is
 * the caller's buffer for its label (at least 64 bytes). */
static void publish_of(struct chat *c, const struct ch_post *p, double due,
		       struct ch_publish *pb, struct ch_net_post *np,
		       char *what, size_t what_n)
{
	char label[48];

	memset(pb, 0, sizeof *pb);
	memset(np, 0, sizeof *np);
	snprintf(what, what_n, "%s %s", c->date,
		 net_label(c, p, label, sizeof label));
	pb->net = c->x;
	pb->me_id = c->me_id;
	pb->intent_at = intent_at(c, p->key);
	pb->due = due;
	pb->late_at = late_at_of(c, due);
	pb->late_limit = c->s->late_limit;
	pb->what = what;
	pb->rate_wait = 60.0 / c->tl.speed;
	pb->nap = publish_nap;
	pb->now = run_now;
	np->text = p->text;
	np->key = post_key(c, p);
	/* the thread, as the post is made: a look-up matches it too */
	np->reply_to = p->reply_to_intro ? ch_state_post_id(&c->st, "intro")
					 : NULL;
	np->root_id = np->reply_to;
}

/* --dry-run on several networks, or another than X: how each network
 * counts the post, and what it adds to it (Bluesky: facets). */
static void dry_run_nets(const struct chat *c, const struct ch_post *p)
{
	size_t i;

	if (c->s->n_nets == 1 && strcmp(c->s->nets[0].name, "x") == 0)
		return;
	for (i = 0; i < c->s->n_nets; i++) {
		const struct ch_net_ops *ops = find_ops(c->o, c->s->nets[i].name);
		char *detail;
		long limit = 0, n;

		if (!ops)
			continue;
		n = ops->length(p->text, strlen(p->text), &limit);
		detail = ops->post_detail ? ops->post_detail(p->text) : NULL;
		printf("              on %s: %ld of %ld characters%s%s\n",
		       ops->title, n, limit, detail ? "; " : "",
		       detail ? detail : "");
		free(detail);
	}
}

/* Records p's intent before its post (wait_for writes it ahead of the
 * instant, so that an fsync never delays the post); an intent that
 * cannot be written means no post: wait and write it again, until
 * late_at. Returns 0 on disk, 1 skipped, -2 stopped. */
static int ensure_intent(struct chat *c, const struct ch_post *p, double due,
			 const char *what)
{
	double late_at = late_at_of(c, due), backoff = 0.5;

	while (!ch_state_post_pending(&c->st, p->key)) {
		double now = ch_now();

		if (now > late_at) {
			ch_log(CH_LOG_WARN,
			       "%s skipped: %.0f s late, more than late_limit (%d min)",
			       what, now - due, c->s->late_limit);
			record_skipped(c, p, "late");
			return 1;
		}
		if (write_intent(c, p, due) == 0)
			return 0;
		ch_log(CH_LOG_ERROR,
		       "%s: not posted: its intent cannot be recorded in the state",
		       what);
		if (nap_until(fmin(ch_now() + backoff, late_at + 0.001)))
			return -2;
		if (backoff < 30)
			backoff *= 2;
		if (ch_now() > late_at) {
			ch_log(CH_LOG_WARN,
			       "%s skipped: the state could not be written until late_limit",
			       what);
			record_skipped(c, p, "state not writable");
			return 1;
		}
	}
	return 0;
}

/* --dry-run: the post as it would go out. */
static void dry_run_post(const struct chat *c, const struct ch_post *p)
{
	char local[32], label[48];
	struct tm tm;

	ch_utc_to_local(c->s->timezone, p->at, &tm, NULL);
	strftime(local, sizeof local, "%H:%M", &tm);
	printf("%s %-7s %s%s\n", local, net_label(c, p, label, sizeof label),
	       p->text, p->reply_to_intro ? "  [reply to intro]" : "");
	dry_run_nets(c, p);
	fflush(stdout);
}

/* A post the network refused (publish.h: "refused", "exhausted"):
 * skipped with its words, so that the log, the closing line and the
 * report say what the network said; the chat goes on. */
static void skipped_by_net(struct chat *c, const struct ch_post *p,
			   const struct ch_publish *pb)
{
	char *why;

	if (strcmp(pb->skipped, "refused") != 0 &&
	    strcmp(pb->skipped, "exhausted") != 0) {
		record_skipped(c, p, pb->skipped);
		return;
	}
	why = ch_xasprintf("%s by %s: %s", pb->skipped, c->x->ops->title,
			   pb->err.text);
	record_skipped(c, p, why);
	free(why);
}

/* p goes out as a post of its own, not as a reply (the network refused
 * the reply: why): the state says so, for the log line and the report. */
static void mark_standalone(struct chat *c, const struct ch_post *p,
			    const char *why)
{
	json_t *e = json_object_get(ch_state_obj(&c->st, "posts"), p->key);

	if (json_is_object(e))
		json_object_set_new(e, "standalone", json_string(why));
}

/* Posts p at most once (publish.h: retries, rate limits, look-ups after
 * any failure that may hide a post made, nothing past late_limit) and
 * records the outcome. Returns 0 posted, 1 skipped, -1 failed for good
 * (fatal: credentials), -2 stopped. */
static int do_post(struct chat *c, const struct ch_post *p, double due)
{
	char what[96];
	struct ch_publish pb;
	struct ch_net_post np;
	int r;

	if (c->o->dry_run) {
		dry_run_post(c, p);
		return 0;
	}
	publish_of(c, p, due, &pb, &np, what, sizeof what);
	if (p->reply_to_intro && !np.reply_to)
		ch_log(CH_LOG_WARN,
		       "%s: the intro was not posted; posting it on its own",
		       what);
	r = ensure_intent(c, p, due, what);
	if (r != 0)
		return r;
	pb.intent_at = intent_at(c, p->key);
	np.key = post_key(c, p);
	switch (ch_publish(&pb, &np)) {
	case CH_PUB_POSTED:
		if (pb.standalone[0])
			mark_standalone(c, p, pb.standalone);
		if (pb.found) {
			record_posted(c, p, pb.id, "was posted already");
		} else {
			double at = ch_now();
			char label[48];

			ch_state_set_posted(&c->st, p->key, pb.id, at);
			save_state(c);
			ch_log(CH_LOG_INFO,
			       "%s posted %s (id %s; sent %+.2f ms after its instant, %ld new connections)",
			       c->date, net_label(c, p, label, sizeof label),
			       pb.id,
			       ((double)c->x->last_sent.tv_sec +
				(double)c->x->last_sent.tv_nsec / 1e9 - due) *
				       1000.0,
			       c->x->last_connects);
			log_host_post(c, p, pb.id, at);
		}
		return 0;
	case CH_PUB_SKIPPED:
		skipped_by_net(c, p, &pb);
		return 1;
	case CH_PUB_STOPPED:
		return -2;
	default:
		return -1;
	}
}

/* The control file's events not yet in the chat's log, logged once each
 * ("control_logged" in the state counts them); only the chat that owns
 * the log (the first network's) logs them. */
static void control_log(struct chat *c, json_t *events)
{
	size_t i, n, size = json_array_size(events);

	if (!c->log || !c->log_owner || !c->state_open)
		return;
	n = (size_t)ch_json_num(c->st.root, "control_logged", 0);
	for (i = n; i < size; i++)
		ch_replylog_event(c->log, "control", json_array_get(events, i),
				  NULL);
	if (n == size)
		return;
	ch_replylog_flush(c->log, NULL);
	json_object_set_new(c->st.root, "control_logged",
			    json_integer((json_int_t)size));
	save_state(c);
}

/* Reads the chat's control file (control.h): the decision, the notice,
 * and the events for the log. An unreadable file changes nothing (said
 * once). */
static void control_read(struct chat *c)
{
	struct ch_control ctl;
	struct ch_error err;
	char *path;

	if (c->o->dry_run || c->o->backfill)
		return;
	path = ch_chat_control_path(c->s, c->date, c->o->speed > 0);
	ch_error_clear(&err);
	if (ch_control_read(&ctl, path, &err) < 0) {
		if (!c->ctl_bad)
			ch_log(CH_LOG_WARN, "%s: %s; the chat goes on as it was",
			       err.source, err.text);
		c->ctl_bad = true;
		goto cleanup;
	}
	c->ctl_bad = false;
	if (ctl.state != c->ctl) {
		json_t *last = json_array_get(ctl.events,
					      json_array_size(ctl.events) - 1);
		char on[48] = "";

		if (c->x && strcmp(c->x->ops->name, "x") != 0)
			snprintf(on, sizeof on, " on %s", c->x->ops->title);
		ch_log(CH_LOG_INFO, "%s%s: the chat is %s (by %s)", c->date, on,
		       ch_control_state_name(ctl.state),
		       ch_json_str(last, "by") ? ch_json_str(last, "by") : "?");
		c->ctl = ctl.state;
	}
	{
		size_t i;
		json_t *ev;

		/* the last resume (late posts are then "late (paused)") */
		json_array_foreach(ctl.events, i, ev)
			if (ch_json_str(ev, "action") &&
			    strcmp(ch_json_str(ev, "action"), "resume") == 0)
				c->resumed_at = ch_json_num(ev, "at_s", 0);
	}
	free(c->notice);
	c->notice = ctl.notice;
	ctl.notice = NULL;
	control_log(c, ctl.events);
cleanup:
	ch_control_free(&ctl);
	free(path);
}

/* The capture's sleep (capture.h hook): a wait that a stop cuts short;
 * the capture's next request then fails or finishes at once, and what it
 * did not read is left to the next run's backfill. */
static void capture_sleep(void *ctx, double t)
{
	(void)ctx;
	nap_until(t);
}

/* A failed live search: logged and counted; the usage cap or the
 * credits used up stop the reads (capture.c waits for the reset) but not
 * the posts, and the host is told once. */
static void search_failed(struct chat *c, const struct ch_error *err)
{
	ch_log(CH_LOG_WARN, "search: %s", err->text);
	c->polls_failed++;
	snprintf(c->search_error, sizeof c->search_error, "%s", err->text);
	if (c->x->last == CH_NETFAIL_EXHAUSTED && !c->exhausted_told) {
		char *msg = ch_xasprintf(
			"the %s chat on %s: reading %s stopped (%s); the questions are still posted, and the answers are read again after the reset or with chathost run --backfill --date %s",
			c->s->hashtag, c->date, c->x->ops->title, err->text,
			c->date);

		c->exhausted_told = true;
		ch_log(CH_LOG_WARN, "%s", msg);
		alert(c, msg);
		free(msg);
	}
}

/* Runs capture cycles and sleeps until the real instant t. With a post
 * p, lead seconds before t it records the intent (an fsync must not delay
 * the post) and warms the connection. Returns 1 if stopped. */
static int wait_for(struct chat *c, double t, const struct ch_post *p)
{
	bool warm = p != NULL;
	double lead = fmin(10.0, 60.0 / c->tl.speed);
	double guard = lead + 0.05;
	bool warmed = !warm || c->o->dry_run;

	for (;;) {
		double now = ch_now(), wake = t;

		if (stop_flag)
			return 1;
		if (reload_flag)
			return 0; /* the caller reloads and calls again */
		if (now >= t)
			return 0;
		if (!warmed && now >= t - lead) {
			struct ch_error err;

			/* a pause or cancel not signalled is seen here */
			control_read(c);
			if (c->ctl != CH_CTL_RUNNING)
				return 0;
			ch_error_clear(&err);
			if (!ch_state_post_pending(&c->st, p->key))
				(void)write_intent(c, p, t); /* do_post retries */
			if (ch_net_warm(c->x, &err) < 0)
				ch_log(CH_LOG_DEBUG, "warming the connection: %s",
				       err.text);
			warmed = true;
			continue;
		}
		if (warm && warmed && t - now <= SPIN_LEAD) {
			while (ch_now() < t && !stop_flag)
				;
			return stop_flag ? 1 : 0;
		}
		if (!warmed)
			wake = t - lead;
		else if (warm)
			wake = t - SPIN_LEAD;
		if (c->wel)
			wake = fmin(wake, fmax(ch_welcome_tick(c->wel, now), now + 0.05));
		if (c->cap) {
			double due = ch_capture_next_due(c->cap, now);

			if (due <= now && t - now > guard) {
				struct ch_error err;

				ch_error_clear(&err);
				if (ch_capture_poll(c->cap, now, t - guard,
						    &err) < 0)
					search_failed(c, &err);
				continue;
			}
			if (due > now && due < wake && due < t - guard)
				wake = due;
		}
		if (ch_sleep_until(wake, MAX_SLEEP_CHUNK) && stop_flag)
			return 1;
	}
}

static void chat_free(struct chat *c)
{
	ch_capture_free(c->cap);
	if (c->log_owner)
		ch_replylog_close(c->log, NULL);
	if (c->state_open)
		ch_state_free(&c->st);
	ch_plan_free(&c->plan);
	ch_topic_free(&c->topic);
	free(c->dir);
	free(c->notice);
}

/* The candidate to host: the poll's recorded winner, else the first. */
static size_t chosen(struct chat *c, const struct ch_topic *t)
{
	size_t w = 0;

	if (t->has_poll && c->state_open && ch_poll_winner(&c->st, &w) &&
	    w < t->n_candidates)
		return w;
	return 0;
}

/* Loads the topic and builds the plan for c->date (for a poll topic, of
 * the winner as far as it is known). Returns 0 or -1 (problems logged). */
static int load_plan(struct chat *c, struct ch_topic *t, struct ch_plan *p)
{
	struct ch_diags d = {0};
	char *path = ch_topic_path(c->s->topics_dir, c->date);
	int rc = -1;
	size_t i;

	memset(p, 0, sizeof *p);
	if (access(path, F_OK) != 0) {
		ch_log(CH_LOG_ERROR,
		       "%s: no topic file for the chat on %s: write it, then run chathost check",
		       path, c->date);
		goto cleanup;
	}
	if (ch_topic_load(t, path, &d) == 0 &&
	    ch_plan_check_topic(t, c->s, &d) == 0) {
		/* every candidate must be hostable, whoever wins */
		for (i = 0; i < t->n_candidates; i++) {
			struct ch_plan other;

			if (i == chosen(c, t))
				continue;
			ch_plan_build(&other, c->s, &t->candidates[i], t->path,
				      c->date, &d);
			ch_plan_free(&other);
		}
		ch_plan_build(p, c->s, &t->candidates[chosen(c, t)], t->path,
			      c->date, &d);
	}
	for (i = 0; i < d.n; i++)
		ch_log(CH_LOG_ERROR, "%s:%d: %s", d.items[i].source,
		       d.items[i].line, d.items[i].text);
	rc = d.n ? -1 : 0;
cleanup:
	ch_diags_free(&d);
	free(path);
	return rc;
}

/* SIGHUP: re-read the schedule and the topic; keep the old plan if the
 * edit is invalid. */
static void reload(struct chat *c)
{
	struct ch_schedule ns = {0};
	struct ch_topic nt = {0};
	struct ch_plan np;
	struct ch_diags d = {0};
	struct ch_schedule *old = c->s;
	size_t i;

	reload_done();
	memset(&np, 0, sizeof np);
	control_read(c);
	ch_log(CH_LOG_INFO, "SIGHUP: re-reading %s", c->o->schedule_path);
	if (ch_schedule_load(&ns, c->o->schedule_path, &d) < 0) {
		for (i = 0; i < d.n; i++)
			ch_log(CH_LOG_ERROR, "%s:%d: %s", d.items[i].source,
			       d.items[i].line, d.items[i].text);
		ch_log(CH_LOG_WARN, "the edit is invalid; keeping the old plan");
		goto cleanup;
	}
	c->s = &ns;
	if (load_plan(c, &nt, &np) < 0) {
		c->s = old;
		ch_log(CH_LOG_WARN, "the edit is invalid; keeping the old plan");
		goto cleanup;
	}
	/* the timeline of a chat in progress keeps its start; the texts,
	 * times and settings take effect for the posts still due */
	ch_schedule_free(old);
	*old = ns;
	memset(&ns, 0, sizeof ns);
	c->s = old;
	ch_plan_free(&c->plan);
	ch_topic_free(&c->topic);
	c->plan = np;
	c->topic = nt;
	memset(&np, 0, sizeof np);
	memset(&nt, 0, sizeof nt);
	ch_log(CH_LOG_INFO, "reloaded: %zu posts planned", c->plan.n_posts);
	if (c->log_owner)
		board_chat(c, NULL);
cleanup:
	ch_plan_free(&np);
	ch_topic_free(&nt);
	ch_schedule_free(&ns);
	ch_diags_free(&d);
}

/* Waits (capturing) until the real instant t, applying a SIGHUP's reload
 * on the way: wait_for() returns early on one. Returns 1 if stopped. */
static int wait_reloading(struct chat *c, double t)
{
	for (;;) {
		if (wait_for(c, t, NULL))
			return 1;
		if (!reload_flag)
			return 0;
		reload(c);
		if (c->ctl == CH_CTL_CANCELLED)
			return 0;
	}
}

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
static void archive_rehearsal(const char *state_path, const char *log_path)
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
	return nap_until(until);
}

/* Posts the topic poll at its time, reads the result when it closes, and
 * rebuilds the plan for the winner. Decides by the tie rule, ahead of the
 * chat, when the result cannot be read in time. Returns an exit status. */
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
		pb.nap = publish_nap;
		pb.now = run_now;
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

static int poll_phase(struct chat *c)
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
	closes = real_at(c, post_at + (time_t)c->topic.poll.duration * 60);
	/* posted by hand (chathost poll post), it closes a duration after */
	if (ch_json_num(ch_state_obj(&c->st, "poll"), "posted_at", 0) > 0)
		closes = ch_json_num(ch_state_obj(&c->st, "poll"), "posted_at", 0) +
			 (double)c->topic.poll.duration * 60.0 / c->tl.speed;
	/* decide at the latest 5 chat minutes before the chat starts */
	decide_by = real_at(c, c->start) - 300.0 / c->tl.speed;
	if (!json_object_get(ch_state_obj(&c->st, "poll"), "id")) {
		if (wait_reloading(c, real_at(c, post_at)) ||
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
	if (wait_reloading(c, closes) || c->ctl == CH_CTL_CANCELLED)
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

		if (load_plan(c, &t, &c->plan) < 0) {
			ch_topic_free(&t);
			return CH_EXIT_INPUT;
		}
		ch_topic_free(&c->topic);
		c->topic = t;
	}
	return CH_EXIT_OK;
}

/* SIGHUP while waiting for a chat: re-read the schedule only (the topic
 * is read when the chat comes). */
/* Re-reads the schedule at path into *s; an invalid edit keeps *s. */
static void reload_into(struct ch_schedule *s, const char *path)
{
	struct ch_schedule ns = {0};
	struct ch_diags d = {0};
	size_t i;

	reload_done();
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
	reload_into(c->s, c->o->schedule_path);
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
	exec_blocked(waiter, argv);
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

/* In the "warned" bits of the chat's state: the networks' reads were
 * checked (probe_reads). */
#define PROBED_BIT (1u << 30)

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

/* How long before a reminder its run starts (seconds): the account
 * look-ups, the topic and the connections are ready when it is due. */
#define REMIND_LEAD 60

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
static int pre_wait(struct chat *c, time_t start, struct run_net *extra,
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
		control_read(c);
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
static size_t report_skipped(struct chat *c)
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
		alert(c, amsg);
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
static void not_hosted(struct chat *c, const char *why)
{
	char *msg = ch_xasprintf("the %s chat on %s is not hosted: %s",
				 c->s->hashtag, c->date, why);

	ch_log(CH_LOG_ERROR, "%s", msg);
	if (c->o->speed <= 0 && !c->o->dry_run && !c->o->backfill) {
		log_not_hosted(c, why);
		state_file_set(c, "not_hosted", json_string(why));
		alert(c, msg);
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
static int load_plan_waiting(struct chat *c)
{
	bool told = false;
	char *path = ch_topic_path(c->s->topics_dir, c->date);
	int rc = -1;

	for (;;) {
		double now = ch_now(), late, wake;

		ch_topic_free(&c->topic);
		memset(&c->topic, 0, sizeof c->topic);
		if (load_plan(c, &c->topic, &c->plan) == 0) {
			rc = 0;
			break;
		}
		if (c->o->speed > 0 || c->o->dry_run || c->o->backfill ||
		    c->remind_only)
			break;
		control_read(c);
		if (c->ctl == CH_CTL_CANCELLED)
			break; /* host_chat posts its notice, if any */
		late = (double)c->start + (double)c->s->late_limit * 60.0;
		if (now >= (double)c->start && !told) {
			char *why = ch_xasprintf(
				"its topic file %s is %s; write it (chathost check) within %d minutes and it is still hosted",
				path, access(path, F_OK) ? "missing" : "invalid",
				c->s->late_limit);

			not_hosted(c, why);
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
static void chat_timeline(struct chat *c)
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

/* Logs again the host's posts that the state holds but the log lacks (a
 * line lost to a full disk or a torn write). */
static void relog_host_posts(struct chat *c)
{
	size_t i;

	for (i = 0; i < c->plan.n_posts; i++) {
		const struct ch_post *p = &c->plan.posts[i];
		const char *id = ch_state_post_id(&c->st, p->key);

		if (id && !ch_replylog_has(c->log, id))
			log_host_post(c, p, id, ch_state_post_time(&c->st, p->key));
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
		archive_rehearsal(state_path, log_path);
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
	cost_start(c);
	if (save_state(c) < 0 && !c->o->backfill)
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
		.window_start = real_at(c, c->plan.start),
		.window_end = window_end,
		.speed = c->tl.speed,
		.n_questions = (int)c->topic.candidates[0].n_questions,
		/* the backfill's waits (end_time lag, rate-limit resets of
		 * up to 16 minutes) end on SIGTERM/SIGINT too */
		.clock = run_now,
		.sleep_until = capture_sleep,
		.seen = c->wel ? ch_welcome_seen : NULL,
		.seen_ctx = c->wel,
	};
	struct ch_error err;

	ch_error_clear(&err);
	c->cap = ch_capture_new(&k, &err);
	if (!c->cap)
		ch_log(CH_LOG_WARN, "capture: %s", err.text);
}

/* The crash window of p: an intent without an id. Returns 0 to go on and
 * post it, 1 resolved (posted before, or skipped), -2 stopped. */
static int resolve_pending(struct chat *c, const struct ch_post *p, double due)
{
	char what[96];
	struct ch_publish pb;
	struct ch_net_post np;

	publish_of(c, p, due, &pb, &np, what, sizeof what);
	switch (ch_publish_resolve(&pb, &np)) {
	case CH_PUB_POSTED:
		record_posted(c, p, pb.id, "was posted before the restart");
		return 1;
	case CH_PUB_SKIPPED:
		record_skipped(c, p, pb.skipped);
		return 1;
	case CH_PUB_STOPPED:
		return -2;
	default:
		/* not posted, or cannot look (a resend of a post made is
		 * refused as a duplicate) */
		return 0;
	}
}

/* While the chat is paused: nothing is posted, the capture goes on, and
 * the control file is read every 2 seconds (at once on SIGHUP, which
 * also reloads the plan: *replanned is then set). Returns 1 if stopped,
 * else 0 once it runs again or is cancelled. */
static int pause_wait(struct chat *c, bool *replanned)
{
	ch_log(CH_LOG_INFO, "%s: paused: nothing is posted until chathost resume",
	       c->date);
	while (c->ctl == CH_CTL_PAUSED) {
		if (wait_for(c, ch_now() + 2.0, NULL))
			return 1;
		if (reload_flag) {
			reload(c);
			*replanned = true;
		} else {
			control_read(c);
		}
	}
	return 0;
}

/* The notice of a cancel (cancel --notice), posted once on this network
 * with a post's exactly-once rules. Returns 0, -1 fatal, -2 stopped. */
static int post_notice(struct chat *c)
{
	struct ch_post p;
	double due;
	int r = 0;

	if (!c->notice || ch_state_post_id(&c->st, "notice") ||
	    ch_state_post_skipped(&c->st, "notice"))
		return 0;
	memset(&p, 0, sizeof p);
	p.kind = CH_POST_NOTICE;
	snprintf(p.key, sizeof p.key, "notice");
	p.text = ch_plan_with_hashtag(c->notice, c->s->hashtag);
	p.at = (time_t)floor(ch_now());
	due = ch_json_num(json_object_get(ch_state_obj(&c->st, "posts"),
					  "notice"), "due", ch_now());
	if (ch_state_post_pending(&c->st, p.key))
		r = resolve_pending(c, &p, due);
	if (r == 0)
		r = do_post(c, &p, due);
	free(p.text);
	return r == -2 ? -2 : r == -1 ? -1 : 0;
}

/* A cancelled chat: each post not made is skipped as "cancelled" (one
 * whose fate is unknown is looked up first), then the notice is posted.
 * Returns an exit status, or -2 if stopped. */
static int cancel_rest(struct chat *c)
{
	size_t i;
	int r;

	for (i = 0; i < c->plan.n_posts; i++) {
		const struct ch_post *p = &c->plan.posts[i];

		if (ch_state_post_id(&c->st, p->key) ||
		    ch_state_post_skipped(&c->st, p->key))
			continue;
		if (ch_state_post_pending(&c->st, p->key)) {
			r = resolve_pending(c, p, real_at(c, p->at));
			if (r == -2)
				return -2;
			if (r == 1)
				continue;
		}
		record_skipped(c, p, "cancelled");
	}
	r = post_notice(c);
	return r == -2 ? -2 : r == -1 ? CH_EXIT_NETWORK : CH_EXIT_OK;
}

/* Before p: the content manager's decision. Returns 0 to go on with p, 1
 * p is done with (skipped: it fell past late_limit while paused), 2 the
 * chat is cancelled, 3 the plan was reloaded meanwhile (p is gone: walk
 * the new one), -2 stopped. */
static int obey_control(struct chat *c, const struct ch_post *p, double due)
{
	bool replanned = false;

	control_read(c);
	if (c->ctl == CH_CTL_PAUSED && pause_wait(c, &replanned))
		return -2;
	if (c->ctl == CH_CTL_CANCELLED)
		return 2;
	if (replanned)
		return 3;
	if (c->resumed_at >= due && ch_now() > late_at_of(c, due) &&
	    !ch_state_post_pending(&c->st, p->key)) {
		char what[48];

		ch_log(CH_LOG_WARN, "%s %s skipped: it fell due while the chat was paused, more than late_limit (%d min) ago",
		       c->date, net_label(c, p, what, sizeof what),
		       c->s->late_limit);
		record_skipped(c, p, "late (paused)");
		return 1;
	}
	return 0;
}

/* " on Bluesky": the network a chat's summary line is about (two %s);
 * nothing in a dry run, which has none. */
#define ON_NET(c) ((c)->x ? " on " : ""), ((c)->x ? (c)->x->ops->title : "")

/*
 * The posts, each at its instant. Wall-clock jumps: every instant here is
 * CLOCK_REALTIME (the plan's times are wall-clock instants, and sleeps are
 * absolute deadlines on that clock, re-read at least every MAX_SLEEP_CHUNK
 * seconds), so:
 *  - a backward jump only makes the loop wait longer; it can never post
 *    an item twice, because each post is keyed in the state ("posts".KEY:
 *    intent, then id, or "skipped") before and after it is sent, and an
 *    item with an id or a skip is never visited again - not after a jump,
 *    a reload or a restart either;
 *  - a forward jump makes the items whose instants it passed due at once:
 *    each is posted if it is still within late_limit of its instant, else
 *    skipped and logged as a "skipped" event line (do_post), never posted
 *    out of context; a rehearsal resumed long after its start is the same
 *    case (crash/signal tests);
 *  - a jump in the middle of a post changes nothing: the intent is on
 *    disk, and an unknown outcome is looked up before any resend.
 * Returns an exit status, or -2 if stopped.
 */
static int chat_posts(struct chat *c)
{
	size_t i;

	ch_log(CH_LOG_INFO, "%s%s%s: %zu posts planned from %s%s", c->date,
	       ON_NET(c), c->plan.n_posts, c->plan.topic_path,
	       c->o->speed > 0 ? " (rehearsal)" : "");
	for (i = 0; i < c->plan.n_posts; i++) {
		const struct ch_post *p = &c->plan.posts[i];
		double due = real_at(c, p->at);
		int r;

		if (c->remind_only &&
		    (p->kind != CH_POST_REMINDER || p->at > c->remind_at))
			break;
		if (!c->o->dry_run) {
			if (ch_state_post_id(&c->st, p->key) ||
			    ch_state_post_skipped(&c->st, p->key))
				continue;
			r = obey_control(c, p, due);
			if (r == -2)
				return -2;
			if (r == 2)
				return cancel_rest(c);
			if (r == 1)
				continue;
			if (r == 3) {
				i = (size_t)-1;
				continue;
			}
			if (ch_state_post_pending(&c->st, p->key)) {
				r = resolve_pending(c, p, due);
				if (r == -2)
					return -2;
				if (r == 1)
					continue;
			}
		}
		if (wait_for(c, due, p))
			return -2;
		if (reload_flag || c->ctl != CH_CTL_RUNNING) {
			if (reload_flag)
				reload(c);
			i = (size_t)-1; /* walk the new plan from its start */
			continue;
		}
		r = do_post(c, p, due);
		if (r == -2)
			return -2;
		if (r == -1)
			return CH_EXIT_NETWORK;
	}
	return CH_EXIT_OK;
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

/* The chat's posts on one network, read back from the log: those to ask
 * about and those already said deleted. */
#define GONE_MAX_CHECKED 1000
struct gone_scan {
	const char *net;          /* borrowed */
	char **ids;               /* owned, each owned */
	size_t n;
	char **said;              /* owned: ids with a "deleted" event */
	size_t n_said;
};

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
		alert(c, msg);
		free(msg);
		rc = CH_EXIT_NETWORK;
	}
	if (c->log && ch_replylog_flush(c->log, &err) < 0) {
		char *msg = ch_xasprintf(
			"%s: %zu bytes of the log %s could not be written (%s); free space and run again: the posts are looked up and captured again",
			c->date, ch_replylog_queued(c->log), log_path, err.text);

		ch_log(CH_LOG_ERROR, "%s", msg);
		alert(c, msg);
		free(msg);
		rc = CH_EXIT_NETWORK;
	}
	if (c->o->backfill)
		return rc;
	if (report_skipped(c))
		rc = CH_EXIT_NETWORK;
	if (!backfilled)
		return rc;
	json_object_set_new(c->st.root, "done", json_true());
	if (save_state(c) < 0)
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
				    ? c->topic.candidates[chosen(c, &c->topic)].title
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
static void board_chat(struct chat *c, const char *log_path)
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
			"due", real_at(c, p->at), "text", p->text));
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
	alert(c, msg);
}

/* With a watch group, the chat's first-timers are watched (welcome.h). */
static void welcome_open(struct chat *c)
{
	struct ch_error err;

	if (!c->s->watch.on || c->o->backfill || c->o->dry_run)
		return;
	ch_error_clear(&err);
	if (ch_welcome_open(&c->wel_store, c->s, c->date, c->o->speed > 0,
			    c->tl.speed, real_at(c, c->plan.start), welcome_alert,
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

	control_read(c);
	if (c->ctl == CH_CTL_CANCELLED && !c->o->backfill && !posted_any(c)) {
		/* cancelled before anything was posted: nothing to capture */
		r = cancel_rest(c);
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
			if (wait_for(c, window_end, NULL))
				return CH_EXIT_OK;
			if (!reload_flag)
				break;
			reload_done();
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

/* A further network's chat, hosted by a thread of its own beside the
 * first network's: its own schedule copy (a SIGHUP reloads it), topic,
 * plan, state file and capture; the log is the first network's. */
struct net_chat {
	struct chat c;
	struct ch_schedule s;   /* owned */
	pthread_t th;
	bool open, started;
	int rc;
	double window_end;
	const char *log_path;   /* borrowed */
	/* the network's account, when it did not answer before the chat:
	 * its thread asks again (into these buffers, the run's) */
	bool need_me;
	char *me_id, *me_user;  /* borrowed: the run's buffers */
	size_t me_id_size, me_user_size;
};

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
		archive_rehearsal(path, NULL);
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
	cost_start(c);
	/* a network not answering yet writes nothing until it does */
	rc = 0;
	if (c->me_id && save_state(c) < 0 && !c->o->backfill)
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
	if (load_plan(c, &c->topic, &c->plan) < 0) {
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

static int whoami_sleep(double t);

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
	double last = c->plan.n_posts ? real_at(c, c->plan.posts[c->plan.n_posts - 1].at)
				      : e->window_end;
	double until = last + (double)c->s->late_limit * 60.0 / c->tl.speed;
	double step = fmin(30.0, 60.0 / c->tl.speed);
	struct ch_error err;

	ch_error_clear(&err);
	while (!stop_flag && ch_now() < until) {
		ch_error_clear(&err);
		if (ch_net_whoami(c->x, fmin(until, ch_now() + 10), whoami_sleep,
				  e->me_id, e->me_id_size, e->me_user,
				  e->me_user_size, &err) == 0) {
			ch_log(CH_LOG_INFO, "%s: %s answers now: posting as @%s",
			       c->date, c->x->ops->title, e->me_user);
			c->me_id = e->me_id;
			c->me_username = e->me_user;
			if (c->wel)
				ch_welcome_me(c->wel, c->x->ops->name, e->me_id, c->x->home);
			return save_state(c) == 0 || c->o->backfill;
		}
		if (c->x->last == CH_NETFAIL_EXHAUSTED)
			break;
		nap_until(fmin(until, ch_now() + step));
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
static int host_chat(struct chat *c, struct run_net *extra, size_t n_extra)
{
	struct net_chat nets[CH_MAX_NETS];
	char *state_path = NULL, *log_path = NULL;
	double window_end;
	size_t i, n_nets = 0;
	int rc, r;

	memset(nets, 0, sizeof nets);
	control_read(c);
	r = load_plan_waiting(c);
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
		rc = poll_phase(c);
		if (rc != CH_EXIT_OK || stop_flag)
			goto cleanup;
	}
	chat_about(c);
	if (!c->remind_only)
		welcome_open(c);
	board_chat(c, log_path);
	window_end = real_at(c, c->plan.end) +
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

/* A wait of the account look-up: cut short by SIGTERM/SIGINT. */
static int whoami_sleep(double t)
{
	return nap_until(t);
}

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
	m = ch_net_whoami(&r->x, deadline, whoami_sleep, r->me_id,
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
		const struct ch_net_ops *ops = find_ops(r->o, r->s.nets[k].name);

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

/* Loads the schedule and the credentials, takes the chat folder's lock,
 * and refuses a rehearsal on a real network without --yes. Returns an
 * exit status. */
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

/* The next chat's date and start after not_before (0: now), or --date's.
 * Returns 0 or an exit status. */
static bool chat_done(const struct run *r, const char *date);

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
		if (ch_net_whoami(&e->net, ch_now() + 10, whoami_sleep, e->me_id,
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
	if (ch_net_whoami(&r->x, ch_now() + 10, whoami_sleep, r->me_id,
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
	rc = host_chat(c, r->extra, r->n_extra);
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

		w = pre_wait(&c, start, r->extra, r->n_extra);
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
			if (nap_until((double)start + r.s.duration * 60.0 + 1))
				break;
			next = start + 86400;
		}
		if (reload_flag || reload_deferred)
			reload_into(&r.s, o->schedule_path);
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
