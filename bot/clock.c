/* clock.c - the wall clock, sleeping until an instant, timelines. */
#include "clock.h"

#include <math.h>

/* The longest nap of the wall clock (seconds). */
#define WALL_CHUNK 1.0

double ch_clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ch_clock_sleep_until(double t, double max_chunk, bool (*stop)(void))
{
	for (;;) {
		double now = ch_clock_now(), until;
		struct timespec ts;

		if (stop && stop())
			return 1;
		if (now >= t)
			return 0;
		until = t - now > max_chunk ? now + max_chunk : t;
		ts.tv_sec = (time_t)until;
		ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
		if (ts.tv_nsec >= 1000000000L)
			ts.tv_nsec = 999999999L;
		clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL);
	}
}

double ch_timeline_real(const struct ch_timeline *tl, time_t t)
{
	return tl->rstart + (double)(t - tl->tbase) / tl->speed;
}

static double wall_now(void *ctx)
{
	(void)ctx;
	return ch_clock_now();
}

static int wall_sleep(void *ctx, double t, double max_chunk,
		      bool (*stop)(void))
{
	(void)ctx;
	/* naps of a second at most: a stop raised between the check and the
	 * sleep (a signal taken just then) is still seen within a second */
	return ch_clock_sleep_until(t, fmin(max_chunk, WALL_CHUNK), stop);
}

const struct ch_clock ch_clock_wall = {wall_now, wall_sleep, NULL};
