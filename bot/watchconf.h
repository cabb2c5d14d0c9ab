/*
 * watchconf.h - the schedule's watch group: the care watch over an
 * event's or a chat's mentions and hashtags (chathost.conf(5), WATCH).
 *
 *   watch = {
 *     accounts   = [ "@ICMI" ];          // mentions of these open cases
 *     hashtags   = [ "#ICMI27" ];        // so do posts with these
 *     staff      = [ "@ICMI", "@icmi_care" ];  // their replies answer
 *     hours      = ( { days = "Mon-Fri"; from = "08:00"; to = "18:00"; } );
 *     dates      = { from = "2027-05-03"; to = "2027-05-06"; };  // optional
 *     warn_after = 3;                    // minutes: the first alert
 *     sla        = 5;                    // minutes: breached
 *     categories = ( { name = "wifi"; words = [ "wifi", "internet" ]; } );
 *   };
 *
 * accounts and staff may instead be groups per network where the handles
 * differ: accounts = { x = [ "@ICMI" ]; bluesky = [ "icmi.bsky.social" ]; }.
 * Handles are kept without '@', ASCII-lowercased; hashtags without '#';
 * category words lowercased (matched case-insensitively, as whole words).
 *
 * Besides the loader (schedule.c calls it), the pure questions the watch
 * and its report ask: is t staffed, when does the next period open, is an
 * account staff, which category does a text fall in. Times are UTC epoch
 * seconds; periods are local to the schedule's zone (DST-correct).
 *
 * Ownership: struct ch_watch owns every string in it; ch_watch_free.
 */
#ifndef CHATHOST_WATCHCONF_H
#define CHATHOST_WATCHCONF_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common.h"

#define CH_WATCH_MAX 32

struct ch_cfg;

struct ch_watch_handle {
	char net[16];  /* "" on every network */
	char *name;    /* owned: without '@', lowercase */
};

struct ch_watch_hours {
	unsigned days; /* bit d set: staffed on tm_wday d (0 Sunday) */
	int from, to;  /* minutes after local midnight, from < to <= 1440 */
};

struct ch_watch_category {
	char *name;    /* owned */
	char **words;  /* owned, lowercase */
	size_t n_words;
	/* owned or NULL: its own team's notifiers (categories[].notify);
	 * both NULL: its alerts go to the schedule's notify */
	char *notify_webhook;
	char *notify_command;
};

struct ch_watch {
	bool on;                   /* the schedule has a watch group */
	int line;
	struct ch_watch_handle accounts[CH_WATCH_MAX];
	size_t n_accounts;
	struct ch_watch_handle staff[CH_WATCH_MAX];
	size_t n_staff;
	char *hashtags[CH_WATCH_MAX]; /* owned, without '#' */
	size_t n_hashtags;
	char *words[CH_WATCH_MAX];    /* owned: phrases that name the event
					 ("ICMI 2027"); a post naming one
					 opens a case (net.h,
					 ch_text_has_phrase) */
	size_t n_words;
	struct ch_watch_hours hours[CH_WATCH_MAX];
	size_t n_hours;
	int date_from, date_to;    /* YYYYMMDD (local), 0: none */
	int warn_after, sla;       /* minutes, warn_after < sla */
	struct ch_watch_category categories[CH_WATCH_MAX];
	size_t n_categories;
};

/* The first of w's words that text names (ch_text_has_phrase), or NULL
 * (borrowed). */
const char *ch_watch_named(const struct ch_watch *w, const char *text);

/* Loads the watch group g (not NULL) of the file c into w; every problem
 * as FILE:LINE into d. */
void ch_watch_load(struct ch_watch *w, const struct ch_cfg *c,
		   const config_setting_t *g, struct ch_diags *d);
void ch_watch_free(struct ch_watch *w);

/* The staffed period in force at t, or else the next one to open, in
 * zone tz: 1 with [*from, *to), or 0 if none opens within 400 days (or
 * after the watch's dates). */
int ch_watch_period(const struct ch_watch *w, const char *tz, time_t t,
		    time_t *from, time_t *to);
/* The end of the last staffed period that ended at or before t (within
 * the week before), or 0. */
time_t ch_watch_prev_end(const struct ch_watch *w, const char *tz, time_t t);
/* Whether t is staffed. */
bool ch_watch_staffed(const struct ch_watch *w, const char *tz, time_t t);

/* Whether username (a handle as the network gives it, '@' or not) is
 * staff on network net, whose bare handles belong to home (struct ch_net's
 * home; NULL: none): common.h, ch_handle_same. */
bool ch_watch_is_staff(const struct ch_watch *w, const char *net,
		       const char *username, const char *home);
/* The handles of list h (accounts or staff) that apply to network net,
 * into out (borrowed; at most max). Returns how many. */
size_t ch_watch_handles(const struct ch_watch_handle *h, size_t n,
			const char *net, const char **out, size_t max);
/* The first category whose words occur in text (as whole words, case
 * aside), or NULL: uncategorised. */
const char *ch_watch_category(const struct ch_watch *w, const char *text);

#endif
