/*
 * report_model.h - the report's computed figures, shared by report.c (load
 * and compute) and the writers report_text.c (text, csv), report_json.c
 * and report_html.c. Every struct is owned by its struct ch_rp (freed by
 * ch_rp_free); writers only borrow.
 */
#ifndef CHATHOST_REPORT_MODEL_H
#define CHATHOST_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common.h"
#include "replylog.h"

#define CH_RP_NONE (-9223372036854775807LL - 1) /* "no time" */
#define CH_RP_TOP 10        /* top contributors listed */
#define CH_RP_MAX_MINUTES 240 /* answers-per-minute series length cap */
#define CH_RP_MAX_NETS 4    /* networks told apart in a chat */

/* One participant of one chat. */
struct ch_rp_author {
	char *author_id;   /* owned */
	char *net;         /* owned: "x", "bluesky" (a line without net: x) */
	char *key;         /* owned: who across chats: author_id on X,
			      "NET:author_id" elsewhere */
	char *username;    /* owned; NULL if never logged */
	char *name;        /* owned; NULL if never logged */
	int gid;           /* index into ch_rp.people */
	int posts;
	int answers;       /* posts attributed to a question */
	int unlabelled;    /* attributed_by reply or time */
	long long first_ms;
	bool first_timer;
	bool core;         /* in the core group as of this chat */
	bool host_replied; /* a host post replied to one of their posts */
	long long welcomed_ms; /* the first host reply to one of their posts
				  (CH_RP_NONE: none) */
};

struct ch_rp_question {
	int number;
	char *text;          /* owned; the host's Qn post, NULL if not logged */
	long long posted_ms; /* CH_RP_NONE if no Qn post */
	int answers;
	int labelled;
	long long first_ms;  /* first answer, CH_RP_NONE if none */
};

/* A transcript line (the reviewed chat only); strings owned. */
struct ch_rp_post {
	char *id, *created_at, *username, *name, *text, *author_id;
	char *net;     /* "x", "bluesky" */
	char *links;   /* the links it shares, expanded, space-separated;
			  NULL if none */
	long long ms;
	enum ch_entry_kind kind;
	enum ch_attrib attributed_by;
	int question;  /* the section it goes to (0: other posts) */
	bool host;
};

struct ch_rp_chat {
	char *path;          /* owned */
	char date[11];       /* YYYY-MM-DD */
	bool in_range;       /* reported (--since/--until) */
	bool detail;         /* the reviewed chat: transcript kept */
	char *error;         /* owned; the file could not be read */
	char *timezone;      /* owned; the chat's zone, from the state file
	                        beside the log; NULL if not known */
	char *title;         /* owned; the topic's title (state), or NULL */
	char *hashtag;       /* owned; the chat's hashtag (state), or NULL */
	char *not_posted;    /* owned; "q6 (duplicate), ..." from the state
	                        file beside the log; NULL if all were made */
	int n_not_posted;
	char *alone;         /* owned; "q3 (X refused the reply: ...)": posts
				made on their own instead of as replies, or
				NULL */
	int n_alone;
	/* what the chat cost on a network that bills (X), from its state */
	struct ch_rp_cost {
		bool known;
		char net[16];
		long posts, posts_url, reads, billed;
		double price_post, price_post_url, price_read, dollars;
	} cost;
	char *decided;       /* owned; "paused by ana at ..., resumed by ana
				at ...": the content manager's decisions
				(DATE.control.json beside the log), or NULL */
	char *not_hosted;    /* owned; why the chat was not hosted at all
	                        (state "not_hosted"), or NULL */
	double rehearsal;    /* > 0: a rehearsal at this speed, its times
	                        put back on the chat's own timeline (from
	                        the state file beside the log) */

	struct ch_rp_author *authors; /* owned; participants, by posts desc */
	size_t n_authors;
	long posts, host_posts, unlabelled, duplicates;
	long deleted;        /* posts their authors deleted (a "deleted"
	                        event in the log): left out of everything */
	struct ch_rp_question *questions; /* owned; [n-1] is Qn */
	size_t n_questions;
	long long start_ms;  /* first host post (or first post); CH_RP_NONE */
	long long busiest_ms;/* start of the busiest minute; CH_RP_NONE */
	int busiest_posts;
	int *per_minute;     /* owned; participant posts per minute from start */
	size_t n_minutes;

	struct ch_replylog_stats st;
	struct ch_diags bad; /* first few bad lines */

	/* across weeks */
	int first_timers, returning, core, lapsed, retained;
	double retention;    /* < 0: no previous chat */
	int *lapsed_gids;    /* owned */
	size_t n_lapsed;

	/* per network, in the order first seen in the log */
	struct ch_rp_net {
		char net[16];
		long posts;          /* participants' posts */
		long host_posts;
		int participants, first_timers, returning;
	} nets[CH_RP_MAX_NETS];
	size_t n_nets;

	struct ch_rp_post *tposts; /* owned (detail chat), time order */
	size_t n_tposts;
};

/* One person across the series. */
struct ch_rp_person {
	const char *author_id, *username, *name; /* borrowed from a chat */
	const char *net;                         /* borrowed from a chat */
	int chats;      /* chats taken part in so far */
	int last_chat;  /* index of the last one, -1 */
	int window;     /* chats within the core window */
	bool core;
};

struct ch_rp {
	struct ch_rp_chat *chats; /* owned; by date */
	size_t n_chats;
	struct ch_rp_person *people; /* owned */
	size_t n_people;
	int core_min, core_window;
	const char *since, *until; /* borrowed; NULL if not given */
	long detail;               /* index of the reviewed chat, -1 none */
	char *tz;                  /* owned; zone of the HH:MM times shown
	                              (text, html); NULL: UTC */
	long lines, bad;
};

/* Bad lines of a log shown by name (the rest counted). */
#define CH_RP_BAD_SHOWN 5

void ch_rp_free(struct ch_rp *r);

/* report_load.c: loads every chat of r->chats (each chat's file set) from
 * its log and the state files beside it, in parallel worker threads. */
void ch_rp_load_all(struct ch_rp *r);
/* The state file beside a log: DATE.jsonl[.N] -> DATE.state.json[.N]; a
 * new string, or NULL when path has no ".jsonl". */
char *ch_rp_state_path_of(const char *path);

/* The entry of network net in c->nets (added if there is room), or NULL. */
struct ch_rp_net *ch_rp_net_of(struct ch_rp_chat *c, const char *net);

/* The name shown for a person: "name (@username)" pieces. */
const char *ch_rp_username(const struct ch_rp_author *a);
/* The chat's first-timers welcomed (a host reply to one of their posts):
 * how many, and the median delay from their first post (ms; CH_RP_NONE
 * when none was). */
int ch_rp_welcomed(const struct ch_rp_chat *c, long long *median_ms);

/* Formats ms as "2026-12-01T18:07:12Z" (buf >= 32) or "HH:MM" (hhmm),
 * in UTC. */
void ch_rp_fmt_time(long long ms, char *buf, size_t size, bool hhmm);
/* Formats ms as "2026-12-01T18:07:12.250Z", UTC to the millisecond
 * (buf >= 32). */
void ch_rp_fmt_iso_ms(long long ms, char *buf, size_t size);
/* Formats ms as "HH:MM" in r->tz (UTC if NULL). Not thread-safe: the
 * writers run on one thread. */
void ch_rp_fmt_hhmm(const struct ch_rp *r, long long ms, char *buf,
		    size_t size);
/* "UTC" or r->tz: where the HH:MM times are. */
const char *ch_rp_zone(const struct ch_rp *r);

/* Terminal columns taken by UTF-8 s (wide East Asian and emoji count 2,
 * combining marks 0, control characters 0). */
int ch_rp_width(const char *s);
/* Appends s to b cut/padded to exactly width columns (a cut ends in "…";
 * newlines and tabs become spaces). left: pad right. */
void ch_rp_pad(struct ch_buf *b, const char *s, int width, bool left);

/* Writes s with &, <, >, " and ' as HTML entities. */
void ch_rp_html_esc(FILE *fp, const char *s);
/* The one CSV writer's cells (report_text.c), for every CSV chathost
 * writes: a cell quoted where needed, a cell a spreadsheet would take for
 * a formula (= + - @, a tab or a carriage return first) led by an
 * apostrophe; an id as text (="..."), never a rounded number. last ends
 * the row (CRLF). A file starts with CH_RP_CSV_BOM (UTF-8 for Excel). */
#define CH_RP_CSV_BOM "\xEF\xBB\xBF"
void ch_rp_csv_field(FILE *fp, const char *s, bool last);
void ch_rp_csv_id(FILE *fp, const char *id, bool last);

int ch_rp_write_text(const struct ch_rp *r, FILE *fp);
int ch_rp_write_csv(const struct ch_rp *r, FILE *fp);
int ch_rp_write_json(const struct ch_rp *r, FILE *fp);
int ch_rp_write_html(const struct ch_rp *r, FILE *fp);
/* The recap of the reviewed chat (recap.c): format "text", "md" or
 * "html". Returns 0 or -1 (a write failed). */
int ch_rp_write_recap(const struct ch_rp *r, FILE *fp, const char *format);

#endif
