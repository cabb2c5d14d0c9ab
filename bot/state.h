/*
 * state.h - crash-safe per-chat state: LOGS/NAME/YYYY-MM-DD.state.json.
 *
 * The state is a JSON object held in memory (jansson) and written whole by
 * ch_state_save(): a temp file beside it, fsync, rename over the old file,
 * fsync of the directory. A crash leaves either the old or the new file.
 *
 * Layout (an extension point for every module; unknown keys are kept):
 *   {"version":1, "date":"2026-12-01", "timezone":"America/New_York",
 *    "rehearsal":{"start":<epoch s, float>, "speed":60,
 *                 "base":<epoch s: the chat instant that start stands for>}
 *                | absent,
 *    "posts":{"intro":{"text":..., "intent_at":<epoch>, "id":"...",
 *                      "posted_at":<epoch float>} | {"skipped":"late"}, ...},
 *    "me":{"id":..., "username":...},
 *    "capture":{...}, "poll":{...}, "warned":{...}, "done":true}
 */
#ifndef CHATHOST_STATE_H
#define CHATHOST_STATE_H

#include <jansson.h>
#include <time.h>

#include "common.h"

struct ch_state {
	char *path;   /* owned */
	json_t *root; /* owned reference */
};

/* Loads path, or starts an empty state if the file does not exist. A file
 * that exists but is not a JSON object is an error (it is never
 * overwritten: the user must look at it). Returns 0 or -1. */
int ch_state_open(struct ch_state *st, const char *path, struct ch_error *err);
/* Writes the state durably (temp file, fsync, rename, fsync dir). */
int ch_state_save(struct ch_state *st, struct ch_error *err);
void ch_state_free(struct ch_state *st);

/* The object under key (created empty if missing). Borrowed reference,
 * valid until the key is replaced or the state is freed. */
json_t *ch_state_obj(struct ch_state *st, const char *key);

/* The posts: each plan item by its key ("intro", "q3", "wrapup", "poll"). */
const char *ch_state_post_id(struct ch_state *st, const char *key); /* borrowed or NULL */
/* true if an intent was recorded but no id (the crash window). */
int ch_state_post_pending(struct ch_state *st, const char *key);
const char *ch_state_post_skipped(struct ch_state *st, const char *key); /* reason or NULL */
void ch_state_set_intent(struct ch_state *st, const char *key,
			 const char *text, double at);
void ch_state_set_posted(struct ch_state *st, const char *key, const char *id,
			 double posted_at);
void ch_state_set_skipped(struct ch_state *st, const char *key,
			  const char *why);
/* Real instant the post was made (0 if not posted). */
double ch_state_post_time(struct ch_state *st, const char *key);

/* Rehearsal timeline: returns 1 and fills start/speed if recorded. The
 * real instant start stands for the chat instant base; the chat's time t
 * happens at real start + (t - base) / speed (base lets the report put a
 * rehearsal's posts back on the chat's own timeline). */
int ch_state_rehearsal(struct ch_state *st, double *start, double *speed);
void ch_state_set_rehearsal(struct ch_state *st, double start, double speed,
			    double base);

/* Small typed accessors on any object (borrowed strings). */
const char *ch_json_str(json_t *obj, const char *key);
double ch_json_num(json_t *obj, const char *key, double dflt);
/* Each line of the JSON Lines file path that is an object, to cb (the
 * object borrowed for the call); other lines are skipped. Returns 0, or
 * -1 if the file cannot be read. */
int ch_json_lines(const char *path, void (*cb)(void *ctx, json_t *o),
		  void *ctx);

#endif
