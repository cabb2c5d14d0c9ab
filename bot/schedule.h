/*
 * schedule.h - the schedule file (schedules/NAME.conf, libconfig syntax;
 * contract in chathost.conf(5)) and the next chat instant in the chat's zone.
 */
#ifndef CHATHOST_SCHEDULE_H
#define CHATHOST_SCHEDULE_H

#include <stdbool.h>
#include <time.h>

#include "common.h"
#include "watchconf.h"

#define CH_MAX_ALSO_ZONES 8

#define CH_MAX_WARN_BEFORE 8
#define CH_MAX_REMINDERS 8

/* A reminder posted before the chat (reminders = ( { before; text; } )):
 * its text may hold {title}, {time}, {day}, {date} and {also}
 * (ch_plan_reminder_text). */
struct ch_reminder {
	int before;  /* minutes before the chat's start, 1 to 20160 */
	char *text;  /* owned */
	int line;
};
#define CH_MAX_NETS 4

/* One network the chat is hosted on (networks = [...]). */
struct ch_schedule_net {
	char *name;        /* owned: "x", "bluesky", "mastodon" */
	char *base_url;    /* owned: X's api.base_url / x.base_url, Bluesky's
			      bluesky.service */
	char *credentials; /* owned, resolved, or NULL: the environment */
	int line_credentials; /* 0: not set */
};

struct ch_schedule {
	char *path;     /* owned: the file as given */
	char *dir;      /* owned: its directory */
	char *name;     /* owned; names the log folder */
	char *hashtag;  /* owned; "#ICMIchat" (a leading # is added if absent) */
	int weekday;    /* 0 = Sunday .. 6 = Saturday */
	int hour, minute;
	char *timezone; /* owned; IANA name, checked against the tz database */
	int duration;          /* minutes, default 60 */
	int first_question;    /* minutes after the intro, default 5 */
	int question_interval; /* minutes, default 10 */
	bool thread;           /* default true */
	char *topics_dir;      /* owned; resolved against dir; default "../topics" */
	char *logs_dir;        /* owned; resolved against dir; default "../logs",
	                          or $LOGS_DIRECTORY's first folder if set */
	char *base_url;        /* owned; default "https://api.x.com" (X's) */
	char *credentials;     /* owned; resolved (~ expanded) or NULL if unset
				  (X's) */
	/* the networks, in the order of networks = [...] (default: x); X's
	 * entry copies base_url and credentials above */
	struct ch_schedule_net nets[CH_MAX_NETS];
	size_t n_nets;
	char *bsky_service;    /* owned; default "https://bsky.social" */
	char *bsky_credentials; /* owned or NULL */
	int line_bsky_credentials;
	char *masto_instance;  /* owned; default "https://mastodon.social" */
	char *masto_credentials; /* owned or NULL */
	int line_masto_credentials;
	char *masto_visibility; /* owned; "public" (default) or "unlisted" */
	char *language;        /* owned; the posts' language, default "en" */
	/* X's prices (pay-per-use, US dollars; api.prices or x.prices) */
	double price_post;     /* a post created, default 0.015 */
	double price_post_url; /* a post with a URL, default 0.20 */
	double price_read;     /* a post read (once per UTC day), 0.005 */
	/* extensions (chathost.conf(5)) */
	int capture_after;     /* minutes after the wrap-up, default 30 */
	int search_budget;     /* search requests per 15 minutes, default 60 */
	int late_limit;        /* minutes, default 10 */
	int warn_before[CH_MAX_WARN_BEFORE]; /* minutes; default 2880,1440,60 */
	int n_warn_before;
	struct ch_watch watch; /* the care watch (watch.on), owned */
	struct ch_reminder reminders[CH_MAX_REMINDERS]; /* earliest first */
	size_t n_reminders;
	char *also_zones[CH_MAX_ALSO_ZONES]; /* owned: where members abroad
						live (also_zones), IANA names */
	size_t n_also_zones;
	int line_also_zones;
	bool chat;             /* a chat is scheduled (weekday and time): a
				  schedule with a watch group only has none */
	char *notify_webhook;  /* owned or NULL */
	char *notify_command;  /* owned or NULL */
	/* lines of keys, for messages that point back at the schedule */
	int line_weekday, line_time, line_timezone, line_duration;
	int line_topics, line_logs, line_credentials; /* 0: not set (default) */
};

/* The chat's start in each of s's also_zones: one line each, "Europe/London
 * 18:00 (Tue)", into buf (caller's, at least 64 bytes per zone). */
void ch_schedule_also_times(const struct ch_schedule *s, time_t start,
			    char *buf, size_t size);
/* The usual offset (seconds) of also-zone i to the chat's zone for the
 * chat starting at start: its own, unless it holds for fewer than five
 * weeks in a row (the weeks between two countries' clock changes): then
 * the one of the weeks before. */
long ch_schedule_also_usual(const struct ch_schedule *s, size_t i,
			   time_t start);
/* The offset of also-zone i to the chat's zone at instant t (seconds). */
long ch_schedule_also_offset(const struct ch_schedule *s, size_t i, time_t t);

/* X's prices since February 2026 (the defaults of api.prices). */
#define CH_X_PRICE_POST 0.015
#define CH_X_PRICE_POST_URL 0.20
#define CH_X_PRICE_READ 0.005

/* 0 if s schedules a chat; else -1, said on stderr for command cmd (a
 * schedule that holds a care watch only). */
int ch_schedule_need_chat(const struct ch_schedule *s, const char *cmd);

/* Loads and validates path. Every problem is appended to d as
 * FILE:LINE: message. Returns 0 if the file is valid, -1 otherwise (s is
 * then still safe to ch_schedule_free). */
int ch_schedule_load(struct ch_schedule *s, const char *path,
		     struct ch_diags *d);
void ch_schedule_free(struct ch_schedule *s);

/* Start instant of the chat on local date y-m-d (the DST rule of chtime.h).
 * Returns 0 or -1. */
int ch_schedule_start(const struct ch_schedule *s, int y, int m, int d,
		      time_t *start);
/* The next chat: the first chat (on the schedule's weekday) whose end
 * (start + duration) is after now, so a chat in progress is "next".
 * Writes its date "YYYY-MM-DD" into date (>= 11 bytes) and its start. */
int ch_schedule_next(const struct ch_schedule *s, time_t now, char *date,
		     time_t *start);

/* Fills conf (borrowing from s and n) to open network n of the chat;
 * returns conf. */
struct ch_net_conf;
struct ch_net_conf *ch_schedule_net_conf(const struct ch_schedule *s,
					 const struct ch_schedule_net *n,
					 struct ch_net_conf *conf);

/* The network called name among the chat's, or NULL. */
const struct ch_schedule_net *ch_schedule_net(const struct ch_schedule *s,
					      const char *name);
/* --api-base: "URL" (X's base URL) or "NAME=URL" (that network's) replaces
 * the schedule's URL. Returns 0, or -1 with err (an unknown network, a URL
 * the policy refuses). */
int ch_schedule_set_url(struct ch_schedule *s, const char *arg,
			struct ch_error *err);

/* "Tuesday" etc. for 0..6 */
const char *ch_weekday_name(int wd);

/* The chat's files, in one place: the folder LOGS/NAME (a rehearsal's:
 * LOGS/NAME/rehearsal), and in it DATE.state.json, DATE.jsonl and
 * DATE.control.json (control.h). Each returns a new string (caller
 * frees). */
char *ch_chat_dir(const struct ch_schedule *s, bool rehearsal);
char *ch_chat_state_path(const struct ch_schedule *s, const char *date,
			 bool rehearsal);
char *ch_chat_log_path(const struct ch_schedule *s, const char *date,
		       bool rehearsal);
char *ch_chat_control_path(const struct ch_schedule *s, const char *date,
			   bool rehearsal);
/* The state of the chat on network net: the first network's is
 * DATE.state.json (which also holds what the chat shares: the poll, the
 * title, the rehearsal's timeline), another's DATE.NET.state.json. */
char *ch_chat_net_state_path(const struct ch_schedule *s, const char *date,
			     bool rehearsal, const char *net);

/* What check warns about in a valid schedule (the file still works):
 * a zone abbreviation or a fixed offset where a zone with daylight saving
 * time is almost certainly meant. Adds to w. */
void ch_schedule_warnings(const struct ch_schedule *s, struct ch_diags *w);

/* A notify group { webhook; command; } (the schedule's, or a watch
 * category's): each checked as the schedule's is, every problem into d
 * as FILE:LINE naming it by name ("notify", "watch.categories[0].notify");
 * what is valid into *webhook and *command (new strings). */
void ch_notify_group_load(const struct ch_cfg *c, const config_setting_t *nt,
			  const char *name, char **webhook, char **command,
			  struct ch_diags *d);

#endif
