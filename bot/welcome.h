/*
 * welcome.h - a chat's welcome: with a watch group in a chat's schedule,
 * chathost run makes a case (care.h) of each first-timer - a participant
 * of no earlier chat of the series - and tells the host through the
 * notifiers when one has not been welcomed (a reply from the host's
 * account or from staff) within the watch's sla minutes of the chat.
 *
 * The capture (capture.h, its seen hook) hands over every post it logs;
 * the posts of people seen in the earlier chats' logs are left out. The
 * cases go to LOGS/NAME/care/YYYY-MM-DD.jsonl (a rehearsal's under
 * rehearsal/care/) with category "first-timer", so report --care shows
 * them too. One welcome serves every network of the chat (it locks
 * itself): the further networks' threads hand their posts to the same.
 *
 * Ownership: struct ch_welcome owns its care and its set of earlier
 * participants; ch_welcome_close() frees them.
 */
#ifndef CHATHOST_WELCOME_H
#define CHATHOST_WELCOME_H

#include <stdbool.h>

#include "care.h"
#include "schedule.h"

struct ch_welcome {
	struct ch_care *care; /* owned when open */
	char **past;         /* owned, sorted: "net:author_id" of the earlier
				chats' participants */
	size_t n_past;
	char *dir;           /* owned: the care folder */
};

/* Opens the welcome of the chat on date (YYYY-MM-DD) of s: its earlier
 * chats are read from the real log folder. The chat is staffed from
 * staffed_from (its real start), its minutes speed times faster; alert
 * gets each "not welcomed" message. Returns 0 or -1 (err). */
int ch_welcome_open(struct ch_welcome *wl, const struct ch_schedule *s,
		    const char *date, bool rehearsal, double speed,
		    double staffed_from,
		    void (*alert)(void *ctx, const char *category,
				  const char *message), void *ctx,
		    struct ch_error *err);
/* The bot's account on network net (its posts welcome, by hand). */
void ch_welcome_me(struct ch_welcome *wl, const char *net, const char *id,
		   const char *home);
/* The capture's seen hook: ctx is the struct ch_welcome. */
void ch_welcome_seen(void *ctx, const char *net, const struct ch_msg *m);
/* Sends what is due at now; returns when the next is (HUGE_VAL: none). */
double ch_welcome_tick(struct ch_welcome *wl, double now);
void ch_welcome_close(struct ch_welcome *wl);

#endif
