/*
 * chat.h - the chat engine's own header, shared by host.c (the run
 * command's service loop), chat.c, chat_post.c and chat_wait.c: struct
 * chat (one chat on one network), the run's signal flags, and the
 * engine's functions that cross those files. Not for other modules.
 */
#ifndef CHATHOST_CHAT_H
#define CHATHOST_CHAT_H

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

/* The run's signal flags (host.c): stop_flag is raised by SIGTERM and
 * SIGINT; reload_gen counts SIGHUPs, reload_seen is each thread's own;
 * the further networks' threads, woken by SIGUSR2 */
extern volatile sig_atomic_t stop_flag;
extern volatile sig_atomic_t reload_gen;
extern _Thread_local sig_atomic_t reload_seen;
extern pthread_t net_threads[CH_MAX_NETS];
extern volatile sig_atomic_t n_net_threads;
/* a SIGHUP seen during the capture after the last post, where the
 * schedule cannot change under the networks' threads: applied once the
 * chat is over */
extern volatile sig_atomic_t reload_deferred;
/* the run's clock (ch_host_opts.clock): set once by ch_host_main before
 * any thread starts, read by every thread of the run */
extern const struct ch_clock *clk;

/* A post's last stretch is spent reading the clock, not asleep: a
 * sleeping process wakes up to a few milliseconds late on a busy machine. */
#define SPIN_LEAD 0.002

/* A wait longer than this (seconds) is spent in chathost-wait, a process
 * that holds none of the network libraries' memory. */
#define WAITER_MIN 900.0

/* Longest sleep without re-reading the wall clock (seconds). */
#define MAX_SLEEP_CHUNK 300.0

#define reload_flag (reload_gen != reload_seen)

/* A further network of the run (networks = [...] beyond the first). */
struct run_net {
	struct ch_net net;             /* owned when open */
	bool open, have_me;
	char me_id[160], me_user[160];
};

/* Everything one chat needs; owned by chat_host(). */
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

/* Posts the topic poll at its time, reads the result when it closes, and
 * rebuilds the plan for the winner. Decides by the tie rule, ahead of the
 * chat, when the result cannot be read in time. Returns an exit status. */

/* SIGHUP while waiting for a chat: re-read the schedule only (the topic
 * is read when the chat comes). */

/* In the "warned" bits of the chat's state: the networks' reads were
 * checked (probe_reads). */
#define PROBED_BIT (1u << 30)

/* How long before a reminder its run starts (seconds): the account
 * look-ups, the topic and the connections are ready when it is due. */
#define REMIND_LEAD 60

/* " on Bluesky": the network a chat's summary line is about (two %s);
 * nothing in a dry run, which has none. */
#define ON_NET(c) ((c)->x ? " on " : ""), ((c)->x ? (c)->x->ops->title : "")

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

/* Loads the schedule and the credentials, takes the chat folder's lock,
 * and refuses a rehearsal on a real network without --yes. Returns an
 * exit status. */

/* The next chat's date and start after not_before (0: now), or --date's.
 * Returns 0 or an exit status. */

/* ---- the engine's functions that cross its files ---- */

void chat_board_chat(struct chat *c, const char *log_path);
int chat_host(struct chat *c, struct run_net *extra, size_t n_extra);
void chat_alert(const struct chat *c, const char *msg);
int chat_cancel_rest(struct chat *c);
void chat_capture_sleep(void *ctx, double t);
void chat_free(struct chat *c);
int chat_posts(struct chat *c);
size_t chat_chosen(struct chat *c, const struct ch_topic *t);
void chat_control_read(struct chat *c);
void chat_cost_start(struct chat *c);
const struct ch_net_ops *chat_find_ops(const struct ch_host_opts *o,
					 const char *name);
int chat_load_plan(struct chat *c, struct ch_topic *t, struct ch_plan *p);
void chat_log_host_post(struct chat *c, const struct ch_post *p,
			  const char *id, double at);
int chat_publish_nap(void *ctx, double t);
double chat_real_at(const struct chat *c, time_t t);
void chat_reload(struct chat *c);
double chat_run_now(void *ctx);
int chat_save_state(struct chat *c);
int chat_wait_for(struct chat *c, double t, const struct ch_post *p);
int chat_wait_reloading(struct chat *c, double t);
void chat_archive_rehearsal(const char *state_path, const char *log_path);
void chat_timeline(struct chat *c);
int chat_load_plan_waiting(struct chat *c);
void chat_not_hosted(struct chat *c, const char *why);
int chat_poll_phase(struct chat *c);
int chat_pre_wait(struct chat *c, time_t start, struct run_net *extra,
		    size_t n_extra);
void chat_reload_into(struct ch_schedule *s, const char *path);
size_t chat_report_skipped(struct chat *c);
double ch_now(void);
int ch_sleep_until(double t, double max_chunk);
void chat_exec_blocked(const char *path, char **argv);
int chat_nap_until(double t);
void chat_reload_done(void);
bool chat_stopped(void);
int chat_whoami_sleep(double t);

#endif
