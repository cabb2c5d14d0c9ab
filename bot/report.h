/*
 * report.h - `chathost report`: the participation review a content manager
 * reads after the chat.
 *
 *   chathost report [--format text|csv|json|html] [--out FILE]
 *                   [--since DATE] [--until DATE]
 *                   [--core K/N | --core-min K --core-window N]
 *                   LOGDIR|LOGFILE...
 *
 * A LOGDIR is one chat series (LOGS/NAME): its YYYY-MM-DD.jsonl files, one
 * per chat, ordered by the date in the file name. Several arguments are
 * merged into one series. A LOGFILE whose name is not YYYY-MM-DD.jsonl is
 * dated by its first post (UTC).
 *
 * --since/--until (YYYY-MM-DD, inclusive) choose the chats reported; every
 * earlier log still counts as history (first-timers, core group). The
 * detailed review (questions, top contributors, names to welcome,
 * transcript) is of the latest chat reported; json and csv carry the
 * figures of every chat reported.
 *
 * Definitions (also in chathost(1)):
 *  - host posts: kind "host", and any post by an account that wrote a
 *    kind "host" post in that log; never counted as participation;
 *  - participants: distinct authors of the other posts; posts: their posts;
 *  - answers per question n: every participant post attributed to
 *    question n (label, reply or time); "labelled" counts attributed_by
 *    "label" only; replies without a label: attributed_by reply or time;
 *  - first answer delay: earliest answer to Qn minus the host's Qn post;
 *  - first-timer: in no earlier log of the series; returning: the others;
 *  - core group: took part in >= K of the last N chats including this one
 *    (default 3 of 8); lapsed regulars: core as of the previous chat and
 *    absent from this one; retention: share of the previous chat's
 *    participants who came back;
 *  - welcome list: first-timers none of whose posts got a host reply
 *    (a host post whose in_reply_to_id is one of their posts).
 *  - a post's time: created_at; whole seconds (as X gives them) take the
 *    milliseconds of the post's X id when it is of the same second; a
 *    rehearsal's times (state file beside the log with "rehearsal":
 *    {"start","speed","base"}) are put back on the chat's timeline.
 * A post id logged twice counts once; bad lines are skipped, counted, and
 * the first few reported on stderr as FILE:LINE: skipped: REASON.
 */
#ifndef CHATHOST_REPORT_H
#define CHATHOST_REPORT_H

#include <stdbool.h>

struct ch_rp; /* report_model.h */

/* What `chathost report` was asked (cli_report.c parses and checks it);
 * every string is borrowed. */
struct ch_report_opts {
	const char *format;      /* text, csv, json or html */
	const char *out;         /* NULL or "-": stdout */
	const char *since;       /* YYYY-MM-DD or NULL */
	const char *until;       /* YYYY-MM-DD or NULL */
	const char *tz;          /* a tz database zone or NULL */
	int core_min, core_window;
	bool rehearsals;         /* count rehearsal logs given beside real ones */
	bool care;               /* the care watch's report (carereport.h) */
	char *const *inputs;     /* LOGDIR|LOGFILE... */
	int n_inputs;
};

/* Reads the inputs, builds and writes the report. Returns the exit status:
 * 0 ok, 1 a file cannot be read or is not a log, or the output cannot be
 * written, 2 --out names something the report must not replace. */
int ch_report_run(const struct ch_report_opts *o);
/* The same, and the report's model is left in *r for the caller
 * (ch_rp_free when r->chats is set, also after a failure); recap.c's
 * command reads the reviewed chat from it. */
int ch_report_run_into(const struct ch_report_opts *o, struct ch_rp *r);

/* Loads the chats of r (paths and dates set, the detail chat marked) and
 * computes every figure; times in tz (NULL: the chat's own zone). Returns
 * 0, or -1 if a file cannot be read or is not a log (said on stderr). */
int ch_report_build(struct ch_rp *r, const char *tz);

#endif
