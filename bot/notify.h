/*
 * notify.h - early warnings: tell a person, ahead of the chat, that
 * something will make it fail (the next chat's topic file is missing or
 * invalid, a poll could not be read, the credentials check failed).
 *
 * A warning is always one log line at warn level (log.h). In addition, if
 * the schedule sets them (chathost.conf(5)):
 *  - notify.webhook: a JSON POST {"text": MESSAGE} (Slack and Mattermost
 *    incoming webhooks accept it) through the one HTTP wrapper (http.h);
 *  - notify.command: run as /bin/sh -c COMMAND with MESSAGE and a newline
 *    on its standard input, its standard output sent to stderr, killed
 *    (with its process group) after CH_NOTIFY_TIMEOUT_MS.
 * A webhook URL's path often is its secret (Slack), so messages about a
 * webhook name only its scheme and host.
 *
 * Topic warnings are sent at s->warn_before[i] minutes before the chat's
 * start (default 2880, 1440, 60: 48 h, 24 h, 1 h). The caller keeps, per
 * chat (in the chat's state), a bit mask of the offsets already checked:
 * bit i set = the check for s->warn_before[i] has been done. Start each
 * chat with 0. Where the program was not running at an offset's instant
 * (started late, suspended), the offsets passed meanwhile are checked
 * once, together, at the next call: one warning, not several.
 */
#ifndef CHATHOST_NOTIFY_H
#define CHATHOST_NOTIFY_H

#include <time.h>

#include "common.h"
#include "schedule.h"

#define CH_NOTIFY_TIMEOUT_MS 10000 /* webhook request and command */
#define CH_NOTIFY_MAX_PROBLEMS 3   /* FILE:LINE problems quoted in a warning */

/* ---- sending ------------------------------------------------------------ */

/* Sends message (one line; borrowed) as a warning: the log line at warn
 * level, then the webhook and/or the command of s (either may be unset).
 * Both channels are tried even if the first fails. Returns 0 if every
 * configured channel delivered it (or none is configured), -1 with err
 * filled by the first failure otherwise. */
int ch_notify_send(const struct ch_schedule *s, const char *message,
		   struct ch_error *err);

/* The same, without waiting: the log line now, the webhook and the
 * command from a worker thread of their own, one message after another
 * (at most CH_NOTIFY_QUEUE waiting; past that the oldest is dropped, said
 * in the log). What a chat or a watch alerts goes this way, so that no
 * post waits for a notifier that does not answer. message is copied. */
#define CH_NOTIFY_QUEUE 256
void ch_notify_async(const struct ch_schedule *s, const char *message);
/* The same to the webhook and the command given (either may be NULL):
 * a watch category's own team (categories[].notify). */
void ch_notify_async_to(const char *webhook, const char *command,
			const char *message);
/* Waits up to seconds for the queued messages to be sent (main, before
 * it exits). Returns how many were left unsent (each said in the log). */
size_t ch_notify_drain(double seconds);
/* How long main and the hand-off to the waiter give them: a stop by
 * systemd (30 s) or by hand is not held up long. */
#define CH_NOTIFY_DRAIN_S 4.0

/* POSTs {"text": message} as application/json to url (http or https).
 * Any 2xx status is success. Returns 0 or -1 (err names only the URL's
 * scheme and host). */
int ch_notify_webhook(const char *url, const char *message, long timeout_ms,
		      struct ch_error *err);

/* Runs /bin/sh -c command with message and "\n" on stdin; waits at most
 * timeout_ms, then kills it (SIGTERM, then SIGKILL, to its process group).
 * Returns 0 if it exited with status 0, -1 with err saying how it ended
 * (exit status N, killed by signal N, timed out) otherwise. */
int ch_notify_command(const char *command, const char *message,
		      int timeout_ms, struct ch_error *err);

/* ---- when (pure) ---------------------------------------------------------- */

/* The offsets due at now and not in done: bit i set when
 * start - s->warn_before[i] minutes <= now < start. 0 when nothing is due
 * (and always 0 once the chat has started). */
unsigned ch_notify_due(const struct ch_schedule *s, time_t start, time_t now,
		       unsigned done);

/* The next instant after now at which an offset not in done falls due, or
 * 0 if none is left. The host loop sleeps no later than this. */
time_t ch_notify_next(const struct ch_schedule *s, time_t start, time_t now,
		      unsigned done);

/* ---- what (reads the topic file) ------------------------------------------ */

/* Checks the topic file of the chat on date (YYYY-MM-DD) starting at start,
 * the way `chathost check` does (ch_topic_load, ch_plan_check_topic, and
 * ch_plan_build of the topic or of every candidate). Returns 0 if it is
 * valid (*message NULL), 1 if it is missing or invalid with *message set
 * to the warning (caller frees), e.g.
 *   "the topic file topics/2026-12-01.conf for the #ICMIchat chat on
 *    Tuesday 2026-12-01 13:00 America/New_York (in 24 hours) is missing:
 *    write it, then run chathost check schedules/icmichat.conf
 *    topics/2026-12-01.conf"
 * or "... is invalid: FILE:LINE: problem; FILE:LINE: problem (and 2 more
 * problems): fix it, then run chathost check ..." with at most
 * CH_NOTIFY_MAX_PROBLEMS problems quoted. now only words the "(in N
 * hours)". Never returns -1. */
int ch_notify_topic_problem(const struct ch_schedule *s, const char *date,
			    time_t start, time_t now, char **message);

/* ---- the host loop's entry point ------------------------------------------ */

/* Call each time the host loop wakes, with the next chat (ch_schedule_next:
 * its date and start), the current time and the chat's mask of offsets
 * already checked (*done, updated here; save it in the chat's state when
 * it changed). If an offset is due: checks the topic file and, if it is
 * missing or invalid, sends one warning (ch_notify_send). Returns 0 if
 * nothing was due or the file is valid, 1 if a warning was sent and
 * delivered, -1 if a warning was sent but a channel failed (err filled;
 * the warn log line was written; the offset still counts as done, so a
 * broken webhook does not repeat the warning every wake). */
int ch_notify_check_topic(const struct ch_schedule *s, const char *date,
			  time_t start, time_t now, unsigned *done,
			  struct ch_error *err);

#endif
