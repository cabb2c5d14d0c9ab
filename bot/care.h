/*
 * care.h - the care watch's cases: who is waiting for an answer, since
 * when, and the alerts when they wait too long (chathost.conf(5), WATCH).
 *
 * Every post the watch reads (watch.c, through the capture engine) comes
 * here with ch_care_take():
 *  - a post by the bot itself, or a repost, changes nothing;
 *  - a post by staff that replies to a case's post (or in the thread the
 *    case's post started) answers that case, the first such reply only;
 *    a staff reply read before its case is kept and answers the case when
 *    it opens;
 *  - a post by anyone else joins the open case of the same author in the
 *    same thread (a follow-up), else opens a case.
 * A case's clock starts when its post was created, or, for a post made
 * outside the staffed hours, when the next staffed period opens; it runs
 * only in staffed time. ch_care_tick() sends, through the alert hook, one
 * alert when a case has waited warn_after minutes and one at sla
 * (breached), each once per case, also across restarts.
 *
 * The care log: LOGS/NAME/care/YYYY-MM-DD.jsonl (the local day of the
 * event), one JSON line per event ("kind":"event", "event": opened,
 * joined, warned, breached, answered, staff), written and made durable
 * before anything is said: net, id, url, author, author_id, text,
 * created_at, seen_at, clock_at, category; for an answer answered_by,
 * reply_id, response_s (staffed seconds from the clock's start to the
 * reply's creation); for an alert waited_s. ch_care_open() rebuilds the
 * cases from the last 7 days' logs, so a restart never alerts twice and
 * never forgets a case.
 *
 * Time: every instant is real epoch seconds; a rehearsal (staffed_from
 * set) is staffed from then on and its minutes pass speed times faster.
 * now is passed in (unit tests use their own clock).
 *
 * Threads: take, tick and add_me may be called from different threads (one
 * per network, and the watch's main thread): struct ch_care locks itself.
 *
 * Ownership: ch_care_open() returns the cases, ch_care_close() frees them.
 * Pointers in the settings are borrowed and must outlive them.
 */
#ifndef CHATHOST_CARE_H
#define CHATHOST_CARE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "common.h"
#include "watchconf.h"
#include "net/net.h"

#define CH_CARE_NETS 8

struct ch_case;

/* The settings of a watch's cases (all borrowed, for the cases' life). */
struct ch_care_conf {
	const struct ch_watch *w;
	const char *tz;              /* the schedule's zone */
	const char *dir;             /* the care logs' folder */
	const char *day;             /* a chat's welcome: its date
					(YYYY-MM-DD) names its log, whatever
					the wall date; NULL: the local day of
					each event (a watch) */
	double speed;                /* minutes pass this much faster (1) */
	double staffed_from;         /* > 0, a rehearsal: staffed from here
					on, whatever the hours say */
	/* the alert: a one-line message (the notifiers) about a case of
	 * category (NULL: uncategorised; its own team may hear of it,
	 * categories[].notify); may be NULL */
	void (*alert)(void *ctx, const char *category, const char *message);
	void *alert_ctx;
	/* A chat's welcome (run with a watch group): one case per person,
	 * every post of theirs joins it (category "first-timer"), a reply by
	 * staff or by the host's account answers it, and the notifiers hear
	 * only of a breach (sla): "not welcomed". The caller passes only
	 * first-timers' posts and the replies that may welcome them. */
	bool welcome;
};

/* A watch's cases; the state is private to care.c. */
struct ch_care;

/* Opens the watch's cases on conf (copied): rebuilds them from the logs in
 * conf->dir of the last 7 days before now. Returns them, owned by the
 * caller (ch_care_close), or NULL (err: a log cannot be read). */
struct ch_care *ch_care_open(const struct ch_care_conf *conf, double now,
			     struct ch_error *err);
/* Frees k (NULL: nothing to do). */
void ch_care_close(struct ch_care *k);
/* The bot's own account on network net ("x", its id): its posts change
 * nothing. At most CH_CARE_NETS; safe beside take and tick. */
void ch_care_add_me(struct ch_care *k, const char *net, const char *id,
		    const char *home);

/* The posts of a page read on network net (its name). Returns how many
 * events were logged, or -1 (err) if one could not be written (the
 * capture then reads the page again). */
int ch_care_take(struct ch_care *k, const char *net,
		 const struct ch_msg_page *page, double now,
		 struct ch_error *err);

/* The alerts due at now: logged, then sent. Returns the real instant
 * when the next one falls due (HUGE_VAL: none). */
double ch_care_tick(struct ch_care *k, double now);

/* Staffed seconds between from and to (real instants). */
double ch_care_staffed(const struct ch_care *k, double from, double to);

/* For tests and the report: the cases now (counts). */
size_t ch_care_open_cases(struct ch_care *k);

#endif
