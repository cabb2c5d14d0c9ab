/*
 * plan.h - the plan: a pure function from (schedule, topic, chat date) to
 * the timed posts with their exact text. check, preview and run all use
 * it, so what a content manager previews is what is posted.
 */
#ifndef CHATHOST_PLAN_H
#define CHATHOST_PLAN_H

#include <time.h>

#include "common.h"
#include "schedule.h"
#include "topic.h"

enum ch_post_kind {
	CH_POST_INTRO, CH_POST_QUESTION, CH_POST_WRAPUP,
	CH_POST_REMINDER, /* before the chat (schedule's reminders) */
	CH_POST_NOTICE    /* a cancelled chat's notice (control.h) */
};

struct ch_post {
	enum ch_post_kind kind;
	int number;        /* question number (1-based); 0 for intro/wrap-up */
	char key[16];      /* stable id in the state: "intro", "q3",
			      "wrapup", "remind1440", "notice" */
	int offset;        /* minutes after the chat start (a reminder's:
			      minus its minutes before) */
	time_t at;         /* absolute instant */
	char *text;        /* owned; exact text posted (hashtag added) */
	int weighted;      /* twitter-text weighted length */
	int line;          /* line in the topic file it came from */
	int reply_to_intro; /* 1 if posted as a reply to the intro (thread) */
	int given_label;   /* a question whose text started with "Qn:": n */
};

struct ch_plan {
	char date[11];       /* chat date "YYYY-MM-DD" (local) */
	time_t start, end;   /* intro and wrap-up instants */
	char *topic_path;    /* owned copy of the topic file's path */
	struct ch_post *posts; /* owned array, in time order */
	size_t n_posts;
	struct ch_diags warnings; /* owned: what check warns about */
};

/* Adds the hashtag to text unless text already contains it (matched
 * case-insensitively as a whole tag). Returns a new string (caller frees). */
char *ch_plan_with_hashtag(const char *text, const char *hashtag);

/* Builds the plan for body (one topic or a chosen candidate) on date
 * ("YYYY-MM-DD"). Checks every post: weighted length <= 280, no invalid
 * characters, no two posts with the same text, no question at or after the
 * end, questions in time order (posts due in the same minute go out one
 * after the other, in file order). Every problem goes to d as TOPICFILE:LINE: message. Returns 0,
 * or -1 with the problems in d (the plan is then still safe to free and
 * holds every post that could be built). */
int ch_plan_build(struct ch_plan *p, const struct ch_schedule *s,
		  const struct ch_topic_body *body, const char *topic_path,
		  const char *date, struct ch_diags *d);
void ch_plan_free(struct ch_plan *p);

/* Checks a topic file against its schedule: the date falls on the
 * schedule's weekday (and, when the file sits in the topics folder, matches
 * its file name), a poll closes before the chat starts. Problems go to d.
 * Returns 0 or -1. */
int ch_plan_check_topic(const struct ch_topic *t, const struct ch_schedule *s,
			struct ch_diags *d);

/* The one "fits in a post" check: text must be valid UTF-8 without the
 * characters X refuses, and at most CH_TWEET_MAX as X counts it. Problems
 * go to d at src:line, naming the text name (the length problem names
 * whole if given, e.g. "the poll's post (poll.text and #tag)"). */
void ch_plan_check_text(const char *text, const char *name,
			const char *whole, const char *src, int line,
			struct ch_diags *d);

/* The same check for the networks of schedule s (NULL: X): X's rule where
 * X is one of them, each other network's length rule; first_only: the
 * first network only (where the poll goes). */
void ch_plan_check_nets(const struct ch_schedule *s, const char *text,
			const char *name, const char *whole, const char *src,
			int line, bool first_only, struct ch_diags *d);

/* Reminder r of schedule s for the chat starting at start on the topic
 * titled title, its placeholders filled: {title}, {time} ("13:00 New
 * York time"), {day} ("Tuesday"), {date} ("2026-12-08"), {also} ("18:00
 * in London, 05:00 Wed in Sydney": the also_zones). Without the hashtag.
 * Returns a new string (caller frees). */
char *ch_plan_reminder_text(const struct ch_schedule *s,
			    const struct ch_reminder *r, const char *title,
			    time_t start);

/* "intro", "Q3", "wrap-up" into buf (>= 16 bytes); returns buf. */
const char *ch_plan_post_label(const struct ch_post *p, char *buf,
			       size_t size);

#endif
