/*
 * net.h - the network interface: what the core (the chat loop, capture,
 * attribution, the poll, the report) may ask of a social network, and
 * nothing else. Each network is one table of operations (struct
 * ch_net_ops) in its own folder: bot/net/x/ (X API v2), bot/net/bluesky/
 * (XRPC), bot/net/mastodon/ (Mastodon's REST API). The core never includes a header from those folders; it opens a
 * network by name (ch_net_open) and calls the ch_net_* functions below.
 *
 * Errors: every operation returns 0 (or a count) on success and -1 with
 * err filled with a message a user can act on, and sets n->last to the
 * neutral class of the failure, from which the core decides to retry,
 * wait, look the post up, or stop:
 *
 *   RETRY         the network or the server failed (a cut connection, a
 *                 timeout, 5xx): try again later, with backoff. For a post
 *                 it may have gone out: look it up first.
 *   WAIT          rate-limited: nothing before n->wait_until (real epoch
 *                 seconds; 0 if the network did not say).
 *   MAYBE_SENT    the network says the post exists already (X's "duplicate
 *                 content", a record key that is taken): look it up.
 *   REFUSED       the request will not succeed as it is (4xx).
 *   CREDENTIALS   the credentials or the account's permissions (401/403).
 *                 One such answer right after a cut connection can be a
 *                 replay; a second is believed.
 *   BAD_RESPONSE  an answer that cannot be read (malformed, too large).
 *   REPLY_REFUSED the network refuses this post as a reply (X's reply
 *                 rule): it may be posted on its own.
 *   EXHAUSTED     the account's usage cap or credits are used up (X's
 *                 pay-per-use): nothing of the kind before n->wait_until
 *                 (0: not known); never retried in a loop. Posts and reads
 *                 are billed apart: a capped read does not stop the posts.
 *
 * Ownership: struct ch_net is the caller's; ch_net_open fills it and
 * ch_net_close frees what it owns (impl). Messages and pages are owned by
 * the page (ch_msg_page_free). Every const char * argument is borrowed for
 * the call.
 */
#ifndef CHATHOST_NET_H
#define CHATHOST_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "../common.h"

/* Room for any network's post or account id (a Bluesky at:// URI is
 * about 75 bytes). */
#define CH_NET_ID_MAX 256

enum ch_netfail {
	CH_NETFAIL_NONE = 0,
	CH_NETFAIL_RETRY,
	CH_NETFAIL_WAIT,
	CH_NETFAIL_MAYBE_SENT,
	CH_NETFAIL_REFUSED,
	CH_NETFAIL_CREDENTIALS,
	CH_NETFAIL_BAD_RESPONSE,
	CH_NETFAIL_REPLY_REFUSED,
	CH_NETFAIL_EXHAUSTED,
};

/* One post as the log needs it; every string owned, NULL when absent. */
struct ch_msg {
	char *id;              /* unique within its network (X: the post id;
				  Bluesky: the at:// URI) */
	char *url;             /* the post's web address, or NULL */
	char *created_at;      /* ISO 8601 with zone */
	char *author_id;       /* the network's account id */
	char *username;        /* handle / username */
	char *name;            /* display name */
	char *text;            /* as the author wrote it (entities decoded) */
	char *conversation_id; /* the id of its thread's root */
	char *in_reply_to_id;  /* the post it replies to */
	char *quote_of;        /* the post it quotes (a quote post), or NULL */
	bool is_repost;        /* a repost (retweet): never an answer */
	bool direct;           /* not public: a direct message (Mastodon's
				  direct or followers-only status): a care
				  watch's private case, whose text is kept
				  nowhere; never in a chat's log */
	char *edit_of;         /* an edit: its first version's id, which it
				  replaces in the log's view; NULL */
	char *links;           /* the links it shares, expanded from the
				  network's own link data (not the shortened
				  form), separated by spaces; NULL if none */
};

struct ch_msg_page {
	struct ch_msg *msgs;   /* owned array */
	size_t n;
	char *newest;          /* owned or NULL: the "since" cursor that reads
				  only what is newer than this page */
	char *next;            /* owned or NULL: the next page's cursor */
	long count;            /* the posts the network said it returned */
};
void ch_msg_page_free(struct ch_msg_page *page);
/* Frees the strings m owns and zeroes it (not m itself). */
void ch_msg_clear(struct ch_msg *m);
/* Moves the page's messages to the end of dst (src is left empty). */
void ch_msg_page_append(struct ch_msg_page *dst, struct ch_msg_page *src);
/* Moves *m to the end of page unless a message with its id is there
 * already (then *m is cleared): one message per id in a page read from
 * several places (a search and a thread). */
void ch_msg_page_add_once(struct ch_msg_page *page, struct ch_msg *m);
/* Whether text carries #tag (tag without '#') as a whole hashtag, ASCII
 * case-insensitively: for networks whose servers do not filter by tag
 * themselves. */
bool ch_text_has_tag(const char *text, const char *tag);
/* Whether text names phrase as whole words, case and accents aside
 * ("ICMI 2027" in "see you at icmi 2027!", "cafe" in "Café"; not "ICMI
 * 20270"): the care watch's words, for servers whose search is looser
 * than that (word stems, any order). Spaces in phrase match any run of
 * spaces. */
bool ch_text_has_phrase(const char *text, const char *phrase);
/* Adds url to the space-separated list *links (owned; created when NULL)
 * unless it is there already, is no web address (common.h:
 * ch_url_is_web: a javascript: or data: link is never kept), is over
 * 2,000 bytes, or the post's list would pass CH_LINKS_MAX_BYTES (a bound
 * per post, so that a hostile post's thousands of links cost linear
 * work). */
#define CH_LINKS_MAX_BYTES 16384
void ch_links_add(char **links, const char *url);


/* One page of the chat's posts: the hashtag's posts and the thread of
 * the chat's first post, within a time range. */
struct ch_net_read {
	const char *tag;        /* the hashtag without '#' */
	const char *root_id;    /* the chat's first post, whose thread is
				   read too; NULL before it is posted */
	const char *since;      /* a page's newest: only newer posts; NULL */
	const char *start_time; /* ISO 8601 or NULL */
	const char *end_time;   /* ISO 8601 or NULL */
	const char *cursor;     /* NULL for the first page */
	int max;                /* posts per page, 10-100 */
	/* The care watch's read (tag and root_id NULL): the posts that
	 * carry any of these hashtags (without '#'), mention any of these
	 * accounts, or are by any of these accounts (the staff answering);
	 * handles as the network spells them, without '@'. */
	const char *const *tags;
	size_t n_tags;
	const char *const *mentions;
	size_t n_mentions;
	const char *const *authors;
	size_t n_authors;
	/* and the posts that name any of these phrases (watch.words), as
	 * whole words, case and accents aside (ch_text_has_phrase: a
	 * network whose search is looser keeps only those) */
	const char *const *words;
	size_t n_words;
};

struct ch_net_poll {
	const char *const *options; /* 2-4 labels */
	size_t n_options;
	int duration_minutes;
};

struct ch_net_post {
	const char *text;
	const char *reply_to;   /* the post it replies to, or NULL */
	const char *root_id;    /* the thread's root when reply_to is set */
	const struct ch_net_poll *poll; /* NULL: no poll */
	const char *key;        /* the post's key, chosen with its intent
				   (ch_net_new_key), or NULL where the
				   network has none */
};

/* A poll's counts as the network reports them. */
struct ch_poll_option {
	int position;
	char *label; /* owned */
	long votes;
};

struct ch_poll_result {
	char *poll_id;        /* owned */
	char *voting_status;  /* owned: "open" | "closed" */
	char *end_datetime;   /* owned or NULL */
	struct ch_poll_option *options; /* owned array */
	size_t n_options;
};
void ch_poll_result_free(struct ch_poll_result *res);

/* The settings a network is opened with (all borrowed). */
struct ch_net_conf {
	const char *base_url;    /* the API's base URL */
	const char *credentials; /* a credentials file, or NULL: environment */
	const char *language;    /* the posts' language ("en"), or NULL */
	const char *visibility;  /* Mastodon: "public" | "unlisted", or NULL */
	int verbose;
};

struct ch_net;

struct ch_net_ops {
	const char *name;        /* "x", "bluesky", "mastodon" */
	const char *title;       /* "X", "Bluesky" */
	const char *env_names;   /* the credentials' environment variables,
				    for messages */
	const char *env_probe;   /* the first of them */
	double end_lag;          /* a read's end_time must be this many
				    seconds before the request (X: 10) */
	bool billed;             /* posts and reads cost money (X's prices
				    in the schedule): n->usage is counted */
	/* reads the credentials without connecting: 0 or -1 (err) */
	int (*check_credentials)(const char *file, struct ch_error *err);
	int (*open)(struct ch_net *n, const struct ch_net_conf *conf,
		    struct ch_error *err);
	void (*close)(struct ch_net *n);
	int (*whoami)(struct ch_net *n, char *id, size_t id_n, char *user,
		      size_t user_n, struct ch_error *err);
	int (*warm)(struct ch_net *n, struct ch_error *err);
	int (*post)(struct ch_net *n, const struct ch_net_post *p, char *id,
		    size_t id_n, struct ch_error *err);
	/* 1 found, 0 not, -1 failed (see ch_net_find_mine) */
	int (*find_mine)(struct ch_net *n, const char *me_id,
			 const struct ch_net_post *p, double since, char *id,
			 size_t id_n, struct ch_error *err);
	int (*read)(struct ch_net *n, const struct ch_net_read *r,
		    struct ch_msg_page *page, struct ch_error *err);
	char *(*describe)(const struct ch_net_read *r);
	/* orders two "since" cursors (a page's newest, or a post id):
	 * <0, 0 (equal or not comparable), >0 */
	int (*cursor_cmp)(const char *a, const char *b);
	bool (*same_text)(const char *got, const char *text);
	int (*poll_lookup)(struct ch_net *n, const char *post_id,
			   struct ch_poll_result *res, struct ch_error *err);
	void (*set_timeouts)(struct ch_net *n, long connect_ms, long total_ms);
	/* NULL where the network has no post keys */
	void (*new_key)(char *key, size_t n, double now);
	/* the length rule: the text's length, its limit */
	long (*length)(const char *text, size_t len, long *limit);
	/* a limit on the text's UTF-8 bytes beside it (Bluesky's 3,000: 300
	 * graphemes of ZWJ emoji are 3,098 bytes, refused); 0: none */
	size_t max_bytes;
	char *(*url_of)(const struct ch_net *n, const char *id,
			const char *username);
	/* what the network adds to a post's text (Bluesky: its facets), for
	 * --dry-run; NULL: nothing (caller frees) */
	char *(*post_detail)(const char *text);
	/* which of ids (posts read earlier; at most CH_NET_GONE_MAX) the
	 * network says are gone, deleted by their authors: gone[i] set. NULL
	 * where the network does not say it without a billed read (X). */
	int (*gone)(struct ch_net *n, const char *const *ids, size_t n_ids,
		    bool *gone, struct ch_error *err);
};

#define CH_NET_GONE_MAX 25

/* How an API client's last call ended, in the neutral terms: the Bluesky
 * and Mastodon clients each keep one, and ch_net_sync copies it into the
 * struct ch_net their implementation serves. */
struct ch_net_outcome {
	enum ch_netfail last;
	long status;               /* HTTP status, 0 if none */
	double wait_until;         /* WAIT: the rate limit's reset, 0 */
	long rate_remaining;       /* the rate limit's remaining, -1 */
	double rate_reset;         /* its reset (epoch s), 0 */
	struct timespec last_sent; /* wall clock the last request went out */
	long last_connects;        /* connections the last request opened */
};
struct ch_net;
/* After a call of n's client that returned r: copies o into n's neutral
 * fields (n->last is NONE when r >= 0). Returns r. */
int ch_net_sync(struct ch_net *n, const struct ch_net_outcome *o, int r);

/* What a network's requests used, as the network counts them (X bills
 * posts and reads: its pay-per-use); counted from the open. */
struct ch_net_usage {
	long posts;     /* posts created */
	long posts_url; /* of which with a URL (X: 13 times the price) */
	long reads;     /* posts the reads returned */
	long billed;    /* of which billed: the first read of a post in its
			   UTC day (X bills it once a day) */
};

struct ch_net {
	const struct ch_net_ops *ops; /* borrowed (static) */
	void *impl;                /* owned by the implementation */
	enum ch_netfail last;      /* class of the last failure */
	long last_status;          /* HTTP status of the last answer, 0 none */
	double wait_until;         /* WAIT: not before (real epoch s), 0 */
	long rate_remaining;       /* reads left in the window, -1 unknown */
	double rate_reset;         /* when the read window resets, 0 */
	struct timespec last_sent; /* wall clock the last request went out */
	long last_connects;        /* connections the last request opened */
	struct ch_net_usage usage; /* billed networks (ops->billed) */
	char home[128];            /* the domain a handle written without one
				      belongs to (Mastodon: the instance's,
				      learnt by whoami); "" where handles
				      carry none (common.h: ch_handle_same) */
};

/* The networks chathost knows, by name ("x", "bluesky", "mastodon");
 * NULL if none. */
const struct ch_net_ops *ch_net_find(const char *name);
/* The names, for messages: "x, bluesky". */
const char *ch_net_names(void);

/* Opens n on ops. Returns 0, or -1 with err (then nothing to close). */
int ch_net_open(struct ch_net *n, const struct ch_net_ops *ops,
		const struct ch_net_conf *conf, struct ch_error *err);
void ch_net_close(struct ch_net *n);
/* The one set-up of a network client for run, poll and check: the network
 * called name with conf (base URL, credentials file or NULL for the
 * environment, language, visibility), tracing requests when debug logging
 * is on (conf->verbose is ignored). */
int ch_net_open_named(struct ch_net *n, const char *name,
		      const struct ch_net_conf *conf, struct ch_error *err);
/* The same with another lookup of name (NULL: ch_net_find): a run given
 * its own networks (host.h, net_find). */
int ch_net_open_in(struct ch_net *n,
		   const struct ch_net_ops *(*find)(const char *name),
		   const char *name, const struct ch_net_conf *more,
		   struct ch_error *err);

int ch_net_whoami_once(struct ch_net *n, char *id, size_t id_n, char *user,
		       size_t user_n, struct ch_error *err);
int ch_net_warm(struct ch_net *n, struct ch_error *err);
int ch_net_post(struct ch_net *n, const struct ch_net_post *p, char *id,
		size_t id_n, struct ch_error *err);
int ch_net_read(struct ch_net *n, const struct ch_net_read *r,
		struct ch_msg_page *page, struct ch_error *err);
/* Whether r is a care watch's read (tags, mentions, authors; no tag). */
bool ch_net_read_is_watch(const struct ch_net_read *r);
/* "NAME watch #tag @mention from:author ...": a watch read described by a
 * network without a query language of its own; caller frees. */
char *ch_net_describe_watch(const char *name, const struct ch_net_read *r);
/* A readable form of the read (X: its search query); caller frees. */
char *ch_net_describe(const struct ch_net *n, const struct ch_net_read *r);
/* Orders two "since" cursors (a page's newest, or a post id where the
 * network's ids are in time order): <0, >0, or 0 (equal or not
 * comparable). */
int ch_net_cursor_cmp(const struct ch_net *n, const char *a, const char *b);
/* Whether got (a post's text as the network returns it) is text. */
bool ch_net_same_text(const struct ch_net *n, const char *got,
		      const char *text);
int ch_net_poll_lookup(struct ch_net *n, const char *post_id,
		       struct ch_poll_result *res, struct ch_error *err);
void ch_net_set_timeouts(struct ch_net *n, long connect_ms, long total_ms);
/* Whether the network says which posts were deleted (ops->gone). */
bool ch_net_tells_gone(const struct ch_net *n);
/* Which of ids (n_ids <= CH_NET_GONE_MAX) are gone: gone[i]; 0 or -1
 * (err; n->last). An edit's id ("ID~MS", Mastodon) asks for ID. */
int ch_net_gone(struct ch_net *n, const char *const *ids, size_t n_ids,
		bool *gone, struct ch_error *err);
/* A fresh post key into key (>= 16 bytes), or "" where the network has
 * none. */
void ch_net_new_key(const struct ch_net *n, char *key, size_t size);
/* The post's web address, or NULL; caller frees. */
char *ch_net_url(const struct ch_net *n, const char *id,
		 const char *username);

/* Clock difference allowed between this machine and a network's servers
 * when a found post's creation is compared with the intent (seconds; X's
 * created_at drops the milliseconds). */
#define CH_NET_INTENT_SKEW 2.0

/* The one look-up of a post whose fate is unknown (after a crash, a cut
 * connection, a "duplicate" answer): p among the account's recent posts,
 * made at or after since, the real instant the intent to post it was
 * recorded (an older post with the same text, a rehearsal's or last
 * week's, is not this chat's); where the network has post keys, by its
 * key. Returns 1 (id filled), 0 not there, -1 the look-up failed (err;
 * n->last says why). */
int ch_net_find_mine(struct ch_net *n, const char *me_id,
		     const struct ch_net_post *p, double since, char *id,
		     size_t id_n, struct ch_error *err);

/* The one look-up of the own account, each failure logged. A network
 * failure is asked again (backoff 1 s doubling to 60 s, through
 * sleep_until, which returns non-zero to stop) until deadline (real epoch
 * seconds; no sleep_until: one try). A first CREDENTIALS answer is asked
 * again too (a replayed request after a cut connection); a second one is
 * believed; a refusal or the credits used up (EXHAUSTED) is believed at
 * once. Returns 0, -1 refused (credentials, credits), -2 not reached by
 * deadline, -3 stopped. */
int ch_net_whoami(struct ch_net *n, double deadline,
		  int (*sleep_until)(double t), char *id, size_t id_n,
		  char *user, size_t user_n, struct ch_error *err);

#endif
