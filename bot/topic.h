/*
 * topic.h - the topic file (topics/YYYY-MM-DD.conf, libconfig syntax;
 * contract in chathost.conf(5)): one topic, or 2-4 candidates and a poll.
 */
#ifndef CHATHOST_TOPIC_H
#define CHATHOST_TOPIC_H

#include <stdbool.h>
#include <time.h>

#include "common.h"

#define CH_MAX_QUESTIONS 20

struct ch_question {
	char *text; /* owned */
	int at;     /* minutes after the intro, or -1 when not given */
	int line;
};

/* One hostable topic: the file's own, or one candidate. */
struct ch_topic_body {
	char *label;  /* owned; candidates only (poll option, never NULL in a
			 poll file), else NULL */
	char *title;  /* owned; never NULL: "" or the label when absent */
	char *intro;  /* owned */
	char *wrapup; /* owned */
	struct ch_question *questions; /* owned array */
	size_t n_questions;
	int line, label_line, title_line, intro_line, wrapup_line;
};

enum ch_tie_rule { CH_TIE_FIRST = 0, CH_TIE_RANDOM = 1 };

struct ch_poll_spec {
	char *text;        /* owned */
	char *post_at;     /* owned; "YYYY-MM-DD HH:MM" local time */
	int post_at_ymdhm[5]; /* post_at parsed by the loader (when post_at
				 is set): year, month, day, hour, minute */
	int duration;      /* minutes, 5-10080 */
	char *extra_votes; /* owned; resolved path of a label,votes CSV, or NULL */
	enum ch_tie_rule tie;
	int line, text_line, post_at_line, duration_line, extra_votes_line;
};

/* The poll's post_at as an instant in the schedule's zone tz (the DST
 * rule of chtime.h). Returns 0, or -1 if the poll has no valid post_at. */
int ch_poll_post_at(const struct ch_poll_spec *ps, const char *tz,
		    time_t *out);

struct ch_topic {
	char *path;    /* owned */
	char date[11]; /* "YYYY-MM-DD" */
	int date_line;
	bool has_poll;
	struct ch_poll_spec poll;         /* valid when has_poll */
	struct ch_topic_body *candidates; /* owned array; a single-topic file
					     holds exactly one, label NULL */
	size_t n_candidates;
	struct ch_diags warnings; /* owned: what check warns about (the file
				     works, probably not as meant) */
};

/* Loads and validates path on its own (syntax, types, ranges). Every
 * problem goes to d as FILE:LINE: message. Returns 0 if valid, -1 if not
 * (t is still safe to free). */
int ch_topic_load(struct ch_topic *t, const char *path, struct ch_diags *d);
void ch_topic_free(struct ch_topic *t);

/* The topic file for a date: "<topics_dir>/<date>.conf" (caller frees). */
char *ch_topic_path(const char *topics_dir, const char *date);

#endif
