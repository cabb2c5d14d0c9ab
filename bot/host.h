/*
 * host.h - runs the plan: waits for each chat without busy polling, posts
 * each item at its instant (absolute-deadline sleep, connection warmed
 * ahead), records intent and id in the state around each post, captures
 * the answers between posts, then backfills.
 */
#ifndef CHATHOST_HOST_H
#define CHATHOST_HOST_H

#include <stdbool.h>

#include "clock.h"
#include "net/net.h"

struct ch_host_opts {
	const char *schedule_path; /* borrowed */
	bool once;                 /* the next chat only, then exit */
	const char *date;          /* borrowed; NULL: the next chat */
	double speed;              /* 0: real time; >0: rehearsal speed */
	bool dry_run;              /* print posts, send nothing */
	const char *api_base;      /* borrowed; NULL: the schedule's (X's,
				      or the first --api-base) */
	const char *api_bases[5];  /* borrowed: every --api-base, "URL" (X)
				      or "NET=URL", in order */
	int n_api_bases;
	bool backfill;             /* --backfill: only the backfill of date */
	bool full;                 /* --full: backfill the whole window */
	bool yes;                  /* --yes: a rehearsal may post to a real
				      (not loopback) network */
	const char *board;         /* borrowed: --board ADDR:PORT, or NULL */
	const char *board_token;   /* borrowed: --board-token FILE, or NULL */
	const struct ch_clock *clock; /* borrowed; NULL: the wall clock.
				      Another clock (a test's) is the
				      chat loop's time: its waits, posts'
				      instants, the capture's and the
				      publishing's clock; such a run never
				      becomes chathost-wait */
	/* borrowed; NULL: ch_net_find. The networks a run opens by name
	 * (a test's in-memory network) */
	const struct ch_net_ops *(*net_find)(const char *name);
	int argc;                  /* the run command's own arguments (argv[0] */
	char **argv;               /* is "run"), borrowed: to exec again after
				      a long wait in chathost-wait */
};

/* Runs until stopped (SIGTERM/SIGINT: exit 0) or, with once, after one
 * chat. Returns the exit status (cli.h). */
int ch_host_main(const struct ch_host_opts *o);

/* Real time now, as epoch seconds with sub-microsecond resolution. */
double ch_now(void);
/* Sleeps until the real instant t (absolute deadline on CLOCK_REALTIME),
 * at most max_chunk seconds at a time so that clock steps and suspends are
 * noticed; returns early (returning 1) when a signal flag is raised. */
int ch_sleep_until(double t, double max_chunk);

#endif
