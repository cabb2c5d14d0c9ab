/*
 * control.h - a content manager's decisions about one chat: pause,
 * resume, cancel (chathost pause|resume|cancel).
 *
 * The decision is a file of its own beside the chat's state,
 * LOGS/NAME/DATE.control.json (a rehearsal's in LOGS/NAME/rehearsal/),
 * written whole and atomically by the command and only read by the
 * service, which owns the state. The command then wakes the service
 * (SIGHUP to the pid in the folder's run lock); the service also reads
 * the file before each post and every 2 seconds while paused, so a
 * service that cannot be signalled still obeys.
 *
 *   {"date": "2026-12-08", "state": "paused",
 *    "notice": "...",                    (cancel --notice only)
 *    "events": [{"action": "pause", "by": "ana", "at": "...Z"}, ...]}
 *
 * The service logs each event once in the chat's log (the count already
 * logged is "control_logged" in its state).
 */
#ifndef CHATHOST_CONTROL_H
#define CHATHOST_CONTROL_H

#include <jansson.h>
#include <stdbool.h>

#include "common.h"

enum ch_control_state { CH_CTL_RUNNING, CH_CTL_PAUSED, CH_CTL_CANCELLED };

struct ch_control {
	enum ch_control_state state;
	char *notice;   /* owned, or NULL: the text to post on a cancel */
	json_t *events; /* owned: the array of events, oldest first */
};

/* Reads path into c (a missing file: running, no events). Returns 0, or
 * -1 with err (c is then running and safe to free). */
int ch_control_read(struct ch_control *c, const char *path,
		    struct ch_error *err);
void ch_control_free(struct ch_control *c);

/* "running", "paused", "cancelled" */
const char *ch_control_state_name(enum ch_control_state st);

/* Applies action ("pause", "resume" or "cancel") by user at (epoch
 * seconds) to the file at path for the chat on date, with notice (cancel
 * only, may be NULL), and writes it atomically. Returns 0 applied, 1
 * nothing to change (said in err: "already paused"), -1 refused or not
 * written (err: "cancelled; a cancelled chat cannot be resumed"). */
int ch_control_apply(const char *path, const char *date, const char *action,
		     const char *user, double at, const char *notice,
		     struct ch_error *err);

#endif
