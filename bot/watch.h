/*
 * watch.h - chathost watch: the care watch over an event's social
 * channels (chathost.conf(5), WATCH; the cases: care.h).
 *
 * On every network of the schedule, in a thread of its own, the capture
 * engine (capture.h) reads the watched accounts' mentions, the watched
 * hashtags and the staff's posts during each staffed period (from the end
 * of the period before, so what came in while nobody was staffed is read
 * at the opening), with the schedule's search budget, its cursors and
 * coverage in LOGS/NAME/care/DATE.NET.state.json, and the backfill of
 * what a failure or a restart missed at the period's end. Every page goes
 * to the cases (care.h); the main thread sends the alerts when they fall
 * due, through the schedule's notifiers. SIGTERM or SIGINT: each network
 * finishes its request, its state is saved, exit 0.
 *
 * A rehearsal (--rehearse=SPEED) is staffed from its start (what came in
 * in the real hour before counts as made while unstaffed), its minutes
 * (warn_after, sla, the search budget) SPEED times faster; its files go
 * under LOGS/NAME/rehearsal/care/, and a restart within its staffed period
 * goes on with it.
 */
#ifndef CHATHOST_WATCH_H
#define CHATHOST_WATCH_H

#include <stddef.h>

struct ch_watch_opts {
	const char *schedule_path;
	double speed;                /* 0: real; >= 1: a rehearsal */
	const char *api_bases[5];    /* [NET=]URL, as run's --api-base */
	size_t n_api_bases;
	double stop_after;           /* > 0: stop after this many real
					seconds (tests, benchmarks) */
	const char *board;           /* --board ADDR:PORT, or NULL */
	const char *board_token;     /* --board-token FILE, or NULL */
};

/* Runs the watch until stopped. Returns an exit status. */
int ch_watch_main(const struct ch_watch_opts *o);

#endif
