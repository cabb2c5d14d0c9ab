/*
 * replylog.h - the participation log: JSON Lines, one line per post id
 * (contract: chathost(1), FILES), written during a chat and read
 * by the report.
 *
 * Line format (one JSON object, no newline inside: newlines in texts are
 * escaped as \n; UTF-8 is written as is, not as \u escapes):
 *
 *   {"id":"…","created_at":"2026-12-01T18:07:12.000Z","author_id":"…",
 *    "username":"…","name":"…","kind":"host|answer|reply|other",
 *    "question":3,"attributed_by":"label|reply|time","in_reply_to_id":"…",
 *    "text":"…"}
 *
 * Extensions to the contract (allowed: "extend it freely"):
 *  - "name": the author's display name.
 *  - "net": the network ("x", "bluesky"; a line without it is X) and
 *    "url": the post's web address (null where unknown). "id" is unique
 *    within its network.
 *  - event lines: {"kind":"event","event":"NAME","at":"…", ...}. They record
 *    what happened during capture (a poll result, a skipped post). They
 *    carry no post; readers that only want posts skip them quietly. They
 *    are not keyed by id and never count against the one-line-per-id rule.
 *
 * Writer guarantees:
 *  - lines are built in memory (one reusable jansson object per log,
 *    serialised with json_dumpb) and queued whole in a buffer; the queue
 *    goes to the file in whole lines, by one write(2) per flush (or
 *    earlier, when it passes 256 KiB), on an O_APPEND descriptor, so lines
 *    never interleave and a crash tears at most the last line of the batch
 *    being written; readers skip a torn last line;
 *  - a failed or short write keeps the queue: the whole lines that reached
 *    the file leave it, a torn fragment after them is truncated away (if
 *    that fails too, the next write starts with a newline), the rest stays
 *    queued and is written again by the next flush;
 *  - one line per id: the in-memory id set gets an id when its line is
 *    queued, so a second append of that id writes nothing even before the
 *    first line reached the file; opening an existing log loads the ids
 *    already in it, so a restart never writes a second line for one id;
 *  - if the file ends in a torn line (no final newline) when it is opened,
 *    the fragment is cut away (the file is truncated after its last whole
 *    line), so the post it held is captured again whole; if the cut fails,
 *    a newline is written first, so the fragment stays a single bad line
 *    that readers skip, and new lines stay whole;
 *  - ch_replylog_queue() only queues (the capture's poll cycle);
 *    ch_replylog_append() and ch_replylog_event() queue and write the queue
 *    at once (no fdatasync), as one line per call always did;
 *  - ch_replylog_flush() writes the queue, then makes the file durable
 *    (fdatasync); call it at the end of each poll cycle, and record what
 *    the queued lines stand for (a capture cursor in the state) only after
 *    it returned 0: a line still queued is lost by a crash;
 *  - ch_replylog_close() flushes first; lines it could not write are lost.
 *
 * Reader: streams the lines of a file (read whole into memory, parsed in
 * place by a fast scanner that extracts just the fields below; lines it is
 * not sure about - nested values, unusual escapes, invalid UTF-8 - go to
 * jansson, which has the last word). Bad lines (torn last line, not JSON,
 * not an object, a required field missing or of the wrong type) are
 * counted and skipped; the first few are described as FILE:LINE: skipped:
 * REASON. Blank lines are ignored. Duplicate ids are NOT filtered here
 * (the report does that).
 *
 * Required fields of a post line: id, created_at (ISO 8601 UTC, "Z" or an
 * offset), author_id, kind, text (strings). Optional: username, name,
 * in_reply_to_id, attributed_by (string or null), question (integer or
 * null). An unknown kind reads as CH_KIND_OTHER; an unknown attributed_by
 * as CH_ATTR_OTHER.
 */
#ifndef CHATHOST_REPLYLOG_H
#define CHATHOST_REPLYLOG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <pthread.h>

#include "common.h"

enum ch_entry_kind {
	CH_KIND_HOST = 0,
	CH_KIND_ANSWER,
	CH_KIND_REPLY,
	CH_KIND_OTHER,
	CH_KIND_EVENT, /* extension: not a post; only kind and event are set,
			  and id and net where the event names a post */
};

enum ch_attrib {
	CH_ATTR_NONE = 0, /* null or absent */
	CH_ATTR_LABEL,
	CH_ATTR_REPLY,
	CH_ATTR_TIME,
	CH_ATTR_OTHER,    /* a value this version does not know */
};

/* One log line. Writing: every string is borrowed from the caller (NULL
 * writes null / omits optional fields). Reading: every string is borrowed
 * from the reader and valid only during the callback. */
struct ch_log_entry {
	const char *id;
	const char *created_at;     /* "2026-12-01T18:07:12.000Z" */
	long long created_ms;       /* reading: created_at as ms since the epoch */
	const char *author_id;
	const char *username;       /* NULL if absent */
	const char *name;           /* display name; NULL if absent */
	enum ch_entry_kind kind;
	int question;               /* 1..n; 0 = null/none */
	enum ch_attrib attributed_by;
	const char *in_reply_to_id; /* NULL if none */
	const char *text;
	const char *event;          /* CH_KIND_EVENT only: the event's name */
	const char *net;            /* "x", "bluesky"; NULL: absent (X) */
	const char *url;            /* the post's web address; NULL if none */
	const char *edit_of;        /* an edited post: its first version's
				       id (the line that this one replaces
				       in the report); NULL if none */
	const char *links;          /* the links it shares, expanded (the
				       network's link data), separated by
				       spaces; NULL if none */
};

/* "host", "answer", ...; "label", "reply", "time", NULL for NONE. */
const char *ch_entry_kind_name(enum ch_entry_kind k);
const char *ch_attrib_name(enum ch_attrib a);

/* ---- writer ------------------------------------------------------------ */

/* The log's writer; its state is private to replylog.c. A writer is
 * shared by the threads of one chat (one per network): every call below
 * holds its mutex. */
struct ch_replylog;

/* Opens (creating, mode 0644) the log at path for appending; the folder
 * must exist. Loads the ids already in the file, and ends a torn last
 * line. Returns the writer, owned by the caller (ch_replylog_close frees
 * it), or NULL with err. */
struct ch_replylog *ch_replylog_open(const char *path, struct ch_error *err);
/* true if a line for id is in the log. */
bool ch_replylog_has(const struct ch_replylog *lg, const char *id);
/* Queues e as one line unless its id is already logged or queued; the
 * line reaches the file at the next flush (or append/event, or earlier when
 * the queue passes 256 KiB). Returns 1 if it was queued, 0 if the id was
 * already there (nothing queued), -1 on error (the log is not open; e->id,
 * created_at, author_id or text NULL: nothing queued). A write failure is
 * reported by the next flush, not here. */
int ch_replylog_queue(struct ch_replylog *lg, const struct ch_log_entry *e,
		      struct ch_error *err);
/* ch_replylog_queue(), then writes the queue (no fdatasync). Returns 1 if
 * it was queued and written, 0 if the id was already there, -1 on error:
 * as for queue, or the write failed (the line then stays queued, with its
 * id in the set, and the next flush writes it). */
int ch_replylog_append(struct ch_replylog *lg, const struct ch_log_entry *e,
		       struct ch_error *err);
/* Appends an event line {"kind":"event","event":EVENT,"at":NOW, FIELDS...}
 * after whatever is queued, and writes the queue (no fdatasync).
 * fields: a JSON object whose members are added (borrowed; may be NULL);
 * "kind" and "event" in it are ignored, "at" in it wins. Returns 0, or -1
 * (not open, cannot serialise: nothing queued; the write failed: the line
 * stays queued for the next flush). */
int ch_replylog_event(struct ch_replylog *lg, const char *event,
		      json_t *fields, struct ch_error *err);
/* Writes the queue, then fdatasync if anything was written since the last
 * fdatasync. Returns 0 (every queued line is on disk), or -1 (the lines
 * not written stay queued: see the guarantees above). */
int ch_replylog_flush(struct ch_replylog *lg, struct ch_error *err);
/* Bytes queued and not yet written (0 after a successful flush). */
size_t ch_replylog_queued(const struct ch_replylog *lg);
/* Flushes, closes and frees lg with everything it holds, the queue too
 * (NULL: nothing to do). Returns 0, or -1 if the final flush/close failed
 * (then the lines it could not write are lost). */
int ch_replylog_close(struct ch_replylog *lg, struct ch_error *err);

/* Serialises e as one line ending in "\n" (caller frees), or NULL if a
 * required field is NULL. Exposed for tests. */
char *ch_replylog_format(const struct ch_log_entry *e);

/* ---- reader ------------------------------------------------------------ */

struct ch_replylog_stats {
	long lines;   /* lines seen (blank ones included) */
	long posts;   /* post lines handed to the callback */
	long events;  /* event lines */
	long bad;     /* skipped lines */
};

/* Called for every good line (post or event). Return 0 to go on, non-zero
 * to stop reading (that value is returned by the reader). */
typedef int (*ch_replylog_cb)(const struct ch_log_entry *e, void *ctx);

/* Reads the log at path. Bad lines: counted in st->bad; the first max_bad
 * of them (max_bad may be 0; bad may be NULL) are added to bad as
 * "PATH:LINE: skipped: REASON". Returns 0, the callback's non-zero value,
 * or -1 with err filled if the file cannot be read. st may be NULL. */
int ch_replylog_read(const char *path, ch_replylog_cb cb, void *ctx,
		     struct ch_replylog_stats *st, struct ch_diags *bad,
		     size_t max_bad, struct ch_error *err);

/* Same as ch_replylog_read on a buffer already in memory. buf is parsed
 * IN PLACE (strings are NUL-terminated and unescaped in it), so entries
 * may point into it; buf[len] must be writable (it is set to '\0').
 * name is used in messages. */
int ch_replylog_scan(char *buf, size_t len, const char *name,
		     ch_replylog_cb cb, void *ctx,
		     struct ch_replylog_stats *st, struct ch_diags *bad,
		     size_t max_bad);

/* Reads a whole file into a new buffer with one spare byte (caller frees);
 * NULL with err filled on failure. For callers that keep the buffer alive
 * after ch_replylog_scan (the report's transcript). */
char *ch_replylog_slurp(const char *path, size_t *len, struct ch_error *err);

/* Parses one line (without its newline) into e. fast: the in-place scanner
 * with the jansson fallback (line is modified; strings point into it or
 * into *hold); !fast: jansson only (strings point into *hold). *hold is a
 * jansson value the caller must json_decref() after using e (may be set to
 * NULL). Returns 0, or -1 with *why set to a static reason ("not JSON",
 * "missing field \"id\"", ...). Exposed for tests. */
int ch_replylog_parse_line(char *line, size_t len, bool fast,
			   struct ch_log_entry *e, json_t **hold,
			   const char **why);

/* A log's created_at "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)" to ms
 * since the epoch: ch_parse_time_ms (chtime.h) with the seconds required.
 * Returns 0 or -1. */
int ch_replylog_parse_time(const char *s, long long *ms);

#endif
