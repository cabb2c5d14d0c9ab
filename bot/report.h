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

/* argv[0] is "report". Returns the exit status: 0 ok, 1 invalid input or
 * no logs (or the output cannot be written), 2 usage. */
int ch_report_main(int argc, char **argv);

#endif
