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
