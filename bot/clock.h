/*
 * clock.h - the one clock of chathost: the wall clock as epoch seconds,
 * sleeping until an instant, and a rehearsal's timeline.
 *
 * Every instant is CLOCK_REALTIME: the plan's times are wall-clock
 * instants, so a sleep is an absolute deadline on that clock, re-read at
 * least every max_chunk seconds (a clock step or a suspend is noticed).
 */
#ifndef CHATHOST_CLOCK_H
#define CHATHOST_CLOCK_H

#include <stdbool.h>
#include <time.h>

/* Real time now, as epoch seconds with sub-microsecond resolution. */
double ch_clock_now(void);

/* Sleeps until the real instant t, at most max_chunk seconds at a time;
 * before each chunk stop (may be NULL) is asked, and a true answer ends
 * the sleep at once. A signal handler that sets a flag stop reads ends
 * the sleep too (the sleep is not restarted). Returns 1 if stopped, 0 at
 * t. */
int ch_clock_sleep_until(double t, double max_chunk, bool (*stop)(void));

/* A clock as the chat loop uses it (host.h: ch_host_opts.clock): now, and
 * a sleep until the instant t, at most max_chunk seconds at a time, that
 * returns 1 at once when stop (may be NULL) says so, 0 at t. The wall
 * clock is ch_clock_wall; a test passes one whose time only moves when
 * the loop sleeps, so a whole chat runs in a moment, exactly on time. */
struct ch_clock {
	double (*now)(void *ctx);
	int (*sleep_until)(void *ctx, double t, double max_chunk,
			   bool (*stop)(void));
	void *ctx;
};

/* The wall clock: ch_clock_now and ch_clock_sleep_until. */
extern const struct ch_clock ch_clock_wall;

/* A chat's timeline: chat time tbase happens at the real instant rstart,
 * and chat time runs speed times faster (1 for a real chat). */
struct ch_timeline {
	double rstart;
	time_t tbase;
	double speed;
};

/* The real instant of chat instant t. */
double ch_timeline_real(const struct ch_timeline *tl, time_t t);

#endif
