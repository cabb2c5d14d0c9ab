/* xapi.c - X API v2 calls (post, search, user tweets, poll lookup, me) and
 * their pure response parsers, on http.h + oauth.h, JSON with jansson.
 * Every response is type-checked: unexpected JSON is CH_XFAIL_PARSE with a
 * message naming the field, never a crash. */
#include "xapi.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "chtime.h"
#include "clock.h"
#include "creds.h"
#include "http.h"
#include "jsonmend.h"
#include "log.h"
#include "oauth.h"

#define CH_XSRC "X API"
#define CH_TWEET_FIELDS "created_at,author_id,conversation_id," \
	"referenced_tweets,in_reply_to_user_id,note_tweet,edit_history_tweet_ids," \
	"entities"

/* ---------------------------------------------------------------- */
/* small JSON helpers                                               */

/* Sets *out to a copy of obj[key] if it is a string; absent or null leaves
 * NULL; another type is an error naming where.key. */
static int ch_j_str(json_t *obj, const char *key, const char *where,
		    size_t idx, int required, char **out, struct ch_error *err)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		if (idx != (size_t)-1)
			ch_error_set(err, CH_XSRC, 0,
				     "unexpected response: %s[%zu].%s is missing",
				     where, idx, key);
		else
			ch_error_set(err, CH_XSRC, 0,
				     "unexpected response: %s.%s is missing",
				     where, key);
		return -1;
	}
	if (!json_is_string(v)) {
		if (idx != (size_t)-1)
			ch_error_set(err, CH_XSRC, 0,
				     "unexpected response: %s[%zu].%s is not a string",
				     where, idx, key);
		else
			ch_error_set(err, CH_XSRC, 0,
				     "unexpected response: %s.%s is not a string",
				     where, key);
		return -1;
	}
	*out = ch_xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

/* The borrowed string obj[key], or NULL if absent or not a string. */
static const char *ch_j_peek(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_t *ch_j_load(const char *json, size_t len, struct ch_error *err)
{
	json_error_t je;
	json_t *root;
	size_t mended = 0;

	if (!json) {
		ch_error_set(err, CH_XSRC, 0, "empty response");
		return NULL;
	}
	root = ch_json_loadb_mended(json, len, 0, &je, &mended);
	if (mended)
		ch_log(CH_LOG_WARN, "X: %zu malformed character%s in an answer (NUL, invalid UTF-8 or a lone surrogate) read as U+FFFD",
		       mended, mended == 1 ? "" : "s");
	if (!root) {
		ch_error_set(err, CH_XSRC, 0,
			     "malformed JSON in the response (byte %d): %s",
			     je.position, je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		ch_error_set(err, CH_XSRC, 0,
			     "unexpected response: not a JSON object");
		json_decref(root);
		return NULL;
	}
	return root;
}

/* Copies s into a user buffer; an error if it does not fit. */
static int ch_copy_out(char *dst, size_t size, const char *s,
		       const char *what, struct ch_error *err)
{
	size_t n = strlen(s);

	if (!dst || n >= size) {
		ch_error_set(err, CH_XSRC, 0,
			     "unexpected response: %s too long (%zu bytes)",
			     what, n);
		return -1;
	}
	memcpy(dst, s, n + 1);
	return 0;
}

/* A server-supplied text, made safe to print: control characters become
 * spaces, at most n-1 bytes. */
static void ch_clean(char *dst, size_t n, const char *src)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; src && src[i] && i + 1 < n; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 ||
			  (unsigned char)src[i] == 0x7f) ? ' ' : src[i];
	dst[i] = '\0';
}

/* ---------------------------------------------------------------- */
/* pages                                                            */

struct ch_user_ref {
	const char *id; /* borrowed from the JSON tree */
	json_t *user;
};

static int ch_user_ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ch_user_ref *)a)->id,
		      ((const struct ch_user_ref *)b)->id);
}

static int ch_parse_users(json_t *root, struct ch_user_ref **out, size_t *n,
			  struct ch_error *err)
{
	json_t *inc = json_object_get(root, "includes");
	json_t *users, *u;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!inc || json_is_null(inc))
		return 0;
	if (!json_is_object(inc)) {
		ch_error_set(err, CH_XSRC, 0,
			     "unexpected response: includes is not an object");
		return -1;
	}
	users = json_object_get(inc, "users");
	if (!users || json_is_null(users))
		return 0;
	if (!json_is_array(users)) {
		ch_error_set(err, CH_XSRC, 0,
			     "unexpected response: includes.users is not an array");
		return -1;
	}
	if (json_array_size(users) == 0)
		return 0;
	*out = ch_xcalloc(json_array_size(users), sizeof **out);
	json_array_foreach(users, i, u) {
		json_t *id = json_object_get(u, "id");

		if (!json_is_object(u) || !json_is_string(id)) {
			ch_log(CH_LOG_DEBUG,
			       "X API: includes.users[%zu] left out: no string id",
			       i);
			continue;
		}
		(*out)[*n].id = json_string_value(id);
		(*out)[*n].user = u;
		(*n)++;
	}
	qsort(*out, *n, sizeof **out, ch_user_ref_cmp);
	return 0;
}

/* The string obj[a], else obj[b] (the 2.167 edition's name), borrowed. */
static json_t *ch_j_either(json_t *obj, const char *a, const char *b)
{
	json_t *v = json_object_get(obj, a);

	return v && !json_is_null(v) ? v : json_object_get(obj, b);
}

/* A copy of the string obj[key], or NULL if absent or not a string. */
static char *ch_j_dup(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v)
		       ? ch_xstrndup(json_string_value(v), json_string_length(v))
		       : NULL;
}

/* X escapes "&", "<" and ">" in a post's text as "&amp;", "&lt;" and
 * "&gt;": the text as its author wrote it, in place. */
static void ch_unescape(char *s)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}};
	char *w = s;

	if (!s)
		return;
	while (*s) {
		size_t i, k = 0;

		for (i = 0; *s == '&' && i < sizeof ents / sizeof ents[0]; i++)
			if (strncmp(s, ents[i].ent, strlen(ents[i].ent)) == 0) {
				k = strlen(ents[i].ent);
				*w++ = ents[i].c;
				break;
			}
		if (k) {
			s += k;
			continue;
		}
		*w++ = *s++;
	}
	*w = '\0';
}

/* A post's creation time from its id: X's ids are snowflakes whose top
 * bits count milliseconds since 2010-11-04T01:42:54.657Z. */
static char *ch_time_of_id(const char *id)
{
	unsigned long long v = 0;
	char buf[40];
	const char *p;

	for (p = id; *p; p++) {
		if (*p < '0' || *p > '9' || v > (~0ULL - 9) / 10)
			return NULL;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (v < (1ULL << 22))
		return NULL; /* not a snowflake: no time in it */
	ch_format_time_ms((long long)(v >> 22) + 1288834974657LL, buf,
			  sizeof buf);
	return ch_xstrdup(buf);
}

/* referenced_tweets (or referenced_posts): the post replied to, the post
 * quoted, and whether it is a repost. Entries that are not {type, id} are
 * ignored. */
static void ch_parse_refs(json_t *t, struct ch_msg *tw)
{
	json_t *refs = ch_j_either(t, "referenced_tweets", "referenced_posts");
	json_t *r;
	size_t j;

	if (!json_is_array(refs))
		return;
	json_array_foreach(refs, j, r) {
		const char *type = ch_j_peek(r, "type");
		const char *rid = ch_j_peek(r, "id");

		if (!type || !rid)
			continue;
		if (strcmp(type, "replied_to") == 0 && !tw->in_reply_to_id)
			tw->in_reply_to_id = ch_xstrdup(rid);
		else if (strcmp(type, "quoted") == 0 && !tw->quote_of)
			tw->quote_of = ch_xstrdup(rid);
		else if (strcmp(type, "retweeted") == 0 ||
			 strcmp(type, "reposted") == 0)
			tw->is_repost = true;
	}
}

/* edit_history_tweet_ids (or edit_history_post_ids), oldest first: an
 * edit's first version, which its id replaces in the log's view. */
static void ch_parse_edits(json_t *t, struct ch_msg *tw)
{
	json_t *h = ch_j_either(t, "edit_history_tweet_ids",
				"edit_history_post_ids");
	const char *first;

	if (!json_is_array(h) || json_array_size(h) < 2)
		return;
	first = json_string_value(json_array_get(h, 0));
	if (first && strcmp(first, tw->id) != 0)
		tw->edit_of = ch_xstrdup(first);
}

/* The links a post shares: entities.urls[].expanded_url (of the long
 * post's note_tweet when there is one), not the t.co form in its text;
 * a photo's or video's own link is not one. */
static void ch_parse_links(json_t *t, json_t *note, struct ch_msg *tw)
{
	json_t *ents = json_object_get(note ? note : t, "entities");
	json_t *u;
	size_t j;

	if (!json_is_object(ents) && note)
		ents = json_object_get(t, "entities");
	json_array_foreach(json_object_get(ents, "urls"), j, u) {
		const char *x = ch_j_peek(u, "unwound_url");

		if (json_object_get(u, "media_key"))
			continue;
		if (!x)
			x = ch_j_peek(u, "expanded_url");
		if (x && (strncmp(x, "https://", 8) == 0 ||
			  strncmp(x, "http://", 7) == 0))
			ch_links_add(&tw->links, x);
	}
}

/* One post of a page into tw. Returns 0, or 1 when it cannot be used (no
 * id, no text): it is left out, said at debug level. Every other field
 * is optional: a missing created_at is taken from the id, a field of the
 * wrong type counts as absent. */
static int ch_parse_tweet(json_t *t, size_t i, struct ch_msg *tw,
			  const struct ch_user_ref *users, size_t n_users)
{
	json_t *note = ch_j_either(t, "note_tweet", "note_post");

	tw->id = ch_j_dup(t, "id");
	/* a long post: its whole text is in note_tweet, text is cut */
	tw->text = ch_j_dup(note, "text");
	if (!tw->text)
		tw->text = ch_j_dup(t, "text");
	if (!tw->id || !tw->text) {
		ch_log(CH_LOG_DEBUG,
		       "X API: post %zu of the page left out: it has no %s",
		       i, !tw->id ? "id" : "text");
		ch_msg_clear(tw);
		return 1;
	}
	ch_unescape(tw->text);
	tw->created_at = ch_j_dup(t, "created_at");
	if (!tw->created_at) {
		tw->created_at = ch_time_of_id(tw->id);
		ch_log(CH_LOG_DEBUG,
		       "X API: post %s has no created_at; %s, from its id",
		       tw->id, tw->created_at ? tw->created_at : "none either");
	}
	tw->author_id = ch_j_dup(t, "author_id");
	tw->conversation_id = ch_j_dup(t, "conversation_id");
	ch_parse_refs(t, tw);
	ch_parse_edits(t, tw);
	ch_parse_links(t, note, tw);
	if (tw->author_id && n_users) {
		struct ch_user_ref key = { tw->author_id, NULL };
		const struct ch_user_ref *u =
			bsearch(&key, users, n_users, sizeof *users,
				ch_user_ref_cmp);
		if (u) {
			tw->username = ch_j_dup(u->user, "username");
			tw->name = ch_j_dup(u->user, "name");
		}
	}
	return 0;
}

/* errors[] beside data: the parts of the answer X could not give (a
 * deleted post, a protected author); said at debug level. */
static void ch_page_errors(json_t *root)
{
	json_t *errs = json_object_get(root, "errors"), *e;
	size_t i;

	if (!json_is_array(errs) || !ch_log_enabled(CH_LOG_DEBUG))
		return;
	json_array_foreach(errs, i, e) {
		const char *d = ch_j_peek(e, "detail");
		char clean[200];

		ch_clean(clean, sizeof clean,
			 d ? d : ch_j_peek(e, "message"));
		ch_log(CH_LOG_DEBUG, "X API: the page also says: %s", clean);
	}
}

int ch_xapi_parse_page(const char *json, size_t len,
		       struct ch_msg_page *page, struct ch_error *err)
{
	json_t *root = NULL, *data, *meta, *t;
	struct ch_user_ref *users = NULL;
	size_t n_users = 0, i;
	int ret = -1;

	memset(page, 0, sizeof *page);
	root = ch_j_load(json, len, err);
	if (!root)
		goto cleanup;
	if (ch_parse_users(root, &users, &n_users, err) != 0)
		goto cleanup;
	data = json_object_get(root, "data");
	if (data && !json_is_null(data)) {
		if (!json_is_array(data)) {
			ch_error_set(err, CH_XSRC, 0,
				     "unexpected response: data is not an array");
			goto cleanup;
		}
		if (json_array_size(data) > 0)
			page->msgs = ch_xcalloc(json_array_size(data),
						  sizeof *page->msgs);
		json_array_foreach(data, i, t) {
			if (!json_is_object(t)) {
				ch_log(CH_LOG_DEBUG,
				       "X API: post %zu of the page left out: not an object",
				       i);
				continue;
			}
			if (ch_parse_tweet(t, i, &page->msgs[page->n], users,
					   n_users) == 0)
				page->n++;
		}
	}
	ch_page_errors(root);
	page->count = (long)page->n;
	meta = json_object_get(root, "meta");
	if (meta && !json_is_null(meta)) {
		json_t *rc;

		if (!json_is_object(meta)) {
			ch_error_set(err, CH_XSRC, 0,
				     "unexpected response: meta is not an object");
			goto cleanup;
		}
		if (ch_j_str(meta, "newest_id", "meta", (size_t)-1, 0,
			     &page->newest, err) ||
		    ch_j_str(meta, "next_token", "meta", (size_t)-1, 0,
			     &page->next, err))
			goto cleanup;
		rc = json_object_get(meta, "result_count");
		if (rc && !json_is_null(rc)) {
			if (!json_is_integer(rc) || json_integer_value(rc) < 0 ||
			    json_integer_value(rc) > 1000000) {
				ch_error_set(err, CH_XSRC, 0,
					     "unexpected response: "
					     "meta.result_count is not a small "
					     "non-negative integer");
				goto cleanup;
			}
			page->count = (long)json_integer_value(rc);
		}
	}
	ret = 0;

cleanup:
	free(users);
	json_decref(root);
	if (ret != 0)
		ch_msg_page_free(page);
	return ret;
}

/* ---------------------------------------------------------------- */
/* polls                                                            */

/* The poll id the first post points at, or NULL. */
static const char *ch_poll_wanted(json_t *root)
{
	json_t *data = json_object_get(root, "data");
	json_t *post = json_is_array(data) ? json_array_get(data, 0) : data;
	json_t *att = json_object_get(post, "attachments");
	json_t *ids = json_object_get(att, "poll_ids");
	json_t *id = json_is_array(ids) ? json_array_get(ids, 0) : NULL;

	return json_is_string(id) ? json_string_value(id) : NULL;
}

int ch_xapi_parse_poll(const char *json, size_t len,
		       struct ch_poll_result *res, struct ch_error *err)
{
	json_t *root = NULL, *inc, *polls, *poll = NULL, *p, *opts, *o;
	const char *want;
	size_t i;
	int ret = -1;

	memset(res, 0, sizeof *res);
	root = ch_j_load(json, len, err);
	if (!root)
		goto cleanup;
	inc = json_object_get(root, "includes");
	polls = json_object_get(inc, "polls");
	if (inc && !json_is_object(inc)) {
		ch_error_set(err, CH_XSRC, 0,
			     "unexpected response: includes is not an object");
		goto cleanup;
	}
	if (polls && !json_is_array(polls)) {
		ch_error_set(err, CH_XSRC, 0,
			     "unexpected response: includes.polls is not an array");
		goto cleanup;
	}
	if (!polls || json_array_size(polls) == 0) {
		json_t *errs = json_object_get(root, "errors");
		json_t *e0 = json_is_array(errs) ? json_array_get(errs, 0) : NULL;
		const char *d = ch_j_peek(e0, "detail");
		char clean[200];

		if (!d)
			d = ch_j_peek(e0, "message");
		ch_clean(clean, sizeof clean, d);
		if (d)
			ch_error_set(err, CH_XSRC, 0, "no poll found: %s", clean);
		else
			ch_error_set(err, CH_XSRC, 0,
				     "the post has no poll (no includes.polls "
				     "in the response); check the poll's post id");
		goto cleanup;
	}
	want = ch_poll_wanted(root);
	json_array_foreach(polls, i, p) {
		const char *id = ch_j_peek(p, "id");
		if (!poll && json_is_object(p))
			poll = p; /* the first, unless one matches */
		if (want && id && strcmp(id, want) == 0) {
			poll = p;
			break;
		}
	}
	if (!poll) {
		ch_error_set(err, CH_XSRC, 0,
			     "unexpected response: includes.polls[] holds no object");
		goto cleanup;
	}
	if (ch_j_str(poll, "id", "poll", (size_t)-1, 1, &res->poll_id, err) ||
	    ch_j_str(poll, "voting_status", "poll", (size_t)-1, 1,
		     &res->voting_status, err) ||
	    ch_j_str(poll, "end_datetime", "poll", (size_t)-1, 0,
		     &res->end_datetime, err))
		goto cleanup;
	opts = json_object_get(poll, "options");
	if (!json_is_array(opts) || json_array_size(opts) == 0 ||
	    json_array_size(opts) > 4) {
		ch_error_set(err, CH_XSRC, 0,
			     "unexpected response: poll.options is not an "
			     "array of 1-4 options");
		goto cleanup;
	}
	res->options = ch_xcalloc(json_array_size(opts), sizeof *res->options);
	json_array_foreach(opts, i, o) {
		json_t *pos = json_object_get(o, "position");
		json_t *votes = json_object_get(o, "votes");
		json_t *label = json_object_get(o, "label");

		if (!json_is_object(o) || !json_is_integer(pos) ||
		    !json_is_string(label) ||
		    (votes && !json_is_integer(votes)) ||
		    json_integer_value(pos) < 1 || json_integer_value(pos) > 4 ||
		    (votes && (json_integer_value(votes) < 0 ||
			       json_integer_value(votes) > 2000000000LL))) {
			ch_error_set(err, CH_XSRC, 0,
				     "unexpected response: poll.options[%zu] "
				     "needs an integer position 1-4, a string "
				     "label and a non-negative integer votes", i);
			goto cleanup;
		}
		res->options[i].position = (int)json_integer_value(pos);
		res->options[i].label = ch_xstrdup(json_string_value(label));
		res->options[i].votes = votes ? (long)json_integer_value(votes) : 0;
		res->n_options = i + 1;
	}
	ret = 0;

cleanup:
	json_decref(root);
	if (ret != 0)
		ch_poll_result_free(res);
	return ret;
}

/* ---------------------------------------------------------------- */
/* errors                                                           */

static const char *ch_status_reason(long status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "HTTP error";
	}
}

/* case-insensitive substring test */
static int ch_contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay && *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* Whether word occurs in hay as a whole word (letters and digits around
 * it do not), ASCII case-insensitively. */
static int ch_has_word(const char *hay, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = hay; p && *p; p++) {
		unsigned char before = p > hay ? (unsigned char)p[-1] : ' ';
		unsigned char after;

		if (strncasecmp(p, word, n) != 0)
			continue;
		after = (unsigned char)p[n];
		if (!isalnum(before) && !isalnum(after))
			return 1;
	}
	return 0;
}

/* What X says in a problem: its title, detail, type and the first
 * errors[] message, each cleaned of control characters. */
struct ch_problem {
	char title[160];
	char detail[300];
	char type[160];
	char message[300]; /* errors[0].message (a 400's specifics) */
};

static void ch_problem_read(const char *body, size_t len, struct ch_problem *pr)
{
	json_t *root = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *errs, *e0;
	const char *detail, *msg;

	memset(pr, 0, sizeof *pr);
	if (!json_is_object(root))
		goto cleanup;
	errs = json_object_get(root, "errors");
	e0 = json_is_array(errs) ? json_array_get(errs, 0) : NULL;
	detail = ch_j_peek(root, "detail");
	msg = ch_j_peek(e0, "message");
	if (!detail)
		detail = ch_j_peek(e0, "detail");
	ch_clean(pr->title, sizeof pr->title, ch_j_peek(root, "title"));
	ch_clean(pr->detail, sizeof pr->detail, detail);
	ch_clean(pr->type, sizeof pr->type, ch_j_peek(root, "type"));
	if (!pr->type[0])
		ch_clean(pr->type, sizeof pr->type, ch_j_peek(e0, "type"));
	if (msg && (!detail || strcmp(msg, detail) != 0))
		ch_clean(pr->message, sizeof pr->message, msg);
cleanup:
	json_decref(root);
}

/* "detail (message)", or the title, without repeating the reason. */
static void ch_problem_words(const struct ch_problem *pr, const char *reason,
			     char *what, size_t n)
{
	const char *d = pr->detail, *t = pr->title;

	if (d[0] && (strcasecmp(d, reason) == 0 || strcasecmp(d, t) == 0))
		d = "";
	if (!d[0] && t[0] && strcasecmp(t, reason) != 0)
		d = t;
	if (d[0] && pr->message[0])
		snprintf(what, n, "%s (%s)", d, pr->message);
	else
		snprintf(what, n, "%s", d[0] ? d : pr->message);
}

static int ch_problem_says(const struct ch_problem *pr, const char *words)
{
	return ch_contains_ci(pr->detail, words) ||
	       ch_contains_ci(pr->title, words) ||
	       ch_contains_ci(pr->message, words);
}

/* A 403 that X says concerns the app or the account (its type, or its
 * words), not this one request. */
static int ch_problem_about_app(const struct ch_problem *pr)
{
	static const char *const types[] = {
		"client-forbidden", "unsupported-authentication",
		"oauth1-permissions", "not-authorized-for-field",
	};
	static const char *const words[] = {
		"app", "apps", "application", "client", "oauth", "oauth1",
		"account", "project", "suspended", "locked", "enrolled",
		"token",
	};
	const char *text[3] = { pr->detail, pr->title, pr->message };
	size_t i, j;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (ch_contains_ci(pr->type, types[i]))
			return 1;
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		for (j = 0; j < 3; j++)
			if (ch_has_word(text[j], words[i]))
				return 1;
	return 0;
}

/* The kind of a refusal that is not a plain status: the credits, the
 * usage cap, the reply rule, a duplicate, the app or account. */
static enum ch_xfail ch_problem_kind(long status, const struct ch_problem *pr)
{
	if (status == 402 ||
	    (status >= 400 && status < 500 && ch_problem_says(pr, "credits") &&
	     !ch_problem_says(pr, "credentials")))
		return CH_XFAIL_CREDITS;
	if (ch_contains_ci(pr->type, "usage-capped") ||
	    ch_problem_says(pr, "UsageCapExceeded") ||
	    ch_problem_says(pr, "usage cap"))
		return CH_XFAIL_USAGE_CAP;
	if (status == 401)
		return CH_XFAIL_AUTH;
	if (status == 429)
		return CH_XFAIL_RATELIMIT;
	if (status >= 500 && status <= 599)
		return CH_XFAIL_SERVER;
	if (status != 403)
		return CH_XFAIL_CLIENT;
	if (ch_problem_says(pr, "duplicate content"))
		return CH_XFAIL_DUPLICATE;
	if (ch_problem_says(pr, "reply to this conversation is not allowed") ||
	    ch_problem_says(pr, "replies to this conversation are not allowed"))
		return CH_XFAIL_REPLY_REFUSED;
	return ch_problem_about_app(pr) ? CH_XFAIL_AUTH : CH_XFAIL_CLIENT;
}

/* "HH:MM UTC" of a reset, or "" when not known. UTC: this may run on the
 * capture's worker thread, which never reads the zone (chtime.c). */
static void ch_reset_hhmm(const struct ch_ratelimit *rate, char *buf, size_t n)
{
	struct tm tm;
	time_t reset = rate ? rate->reset : 0;

	buf[0] = '\0';
	if (reset > 0 && gmtime_r(&reset, &tm))
		strftime(buf, n, "%Y-%m-%d %H:%M UTC", &tm);
}

enum ch_xfail ch_xapi_classify(long status, const char *body, size_t len,
			       const struct ch_ratelimit *rate,
			       struct ch_error *err)
{
	struct ch_problem pr;
	char what[640], until[40];
	const char *reason = ch_status_reason(status);
	const char *sep;
	enum ch_xfail kind;

	ch_problem_read(body, len, &pr);
	ch_problem_words(&pr, reason, what, sizeof what);
	ch_reset_hhmm(rate, until, sizeof until);
	sep = what[0] ? ": " : "";
	kind = ch_problem_kind(status, &pr);
	switch (kind) {
	case CH_XFAIL_CREDITS:
		ch_error_set(err, CH_XSRC, 0,
			     "%ld %s%s%s: the X account's credits are used up; "
			     "buy credits in the X Developer Console (nothing "
			     "is retried until then)", status, reason, sep, what);
		break;
	case CH_XFAIL_USAGE_CAP:
		ch_error_set(err, CH_XSRC, 0,
			     "%ld %s%s%s: the app's usage cap is reached; no "
			     "reads until it resets (%s)", status, reason, sep,
			     what, until[0] ? until : "X did not say when");
		break;
	case CH_XFAIL_AUTH:
		if (status == 401)
			ch_error_set(err, CH_XSRC, 0,
				     "401 Unauthorized: check the credentials "
				     "(X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, "
				     "X_ACCESS_TOKEN_SECRET or the credentials "
				     "file)%s%s",
				     what[0] ? "; the server said: " : "", what);
		else
			ch_error_set(err, CH_XSRC, 0,
				     "403 Forbidden%s%s; X says this concerns "
				     "the app or the account: check its "
				     "permissions (Read and Write) and access "
				     "in the X Developer Console, then "
				     "regenerate the access token", sep, what);
		break;
	case CH_XFAIL_DUPLICATE:
		ch_error_set(err, CH_XSRC, 0,
			     "403 Forbidden: duplicate content: this text was "
			     "posted already (%s)", what[0] ? what : "duplicate");
		break;
	case CH_XFAIL_REPLY_REFUSED:
		ch_error_set(err, CH_XSRC, 0,
			     "403 Forbidden: X refuses the reply%s%s", sep, what);
		break;
	case CH_XFAIL_RATELIMIT:
		if (until[0])
			ch_error_set(err, CH_XSRC, 0,
				     "429 Too Many Requests: rate limited until "
				     "%s%s%s", until + 11, what[0] ? " - " : "",
				     what);
		else
			ch_error_set(err, CH_XSRC, 0,
				     "429 Too Many Requests: rate limited (no "
				     "x-rate-limit-reset header); wait 15 "
				     "minutes%s%s", what[0] ? " - " : "", what);
		break;
	case CH_XFAIL_SERVER:
		ch_error_set(err, CH_XSRC, 0,
			     "%ld %s: server error at X%s%s; retry later",
			     status, reason, sep, what);
		break;
	default:
		ch_error_set(err, CH_XSRC, 0, "%ld %s%s%s", status, reason, sep,
			     what);
		break;
	}
	return kind;
}

/* ---------------------------------------------------------------- */
/* requests                                                         */

int ch_xapi_init(struct ch_xapi *x, const char *base_url,
		 const struct ch_creds *creds, struct ch_error *err)
{
	struct ch_error uerr = {{0}, 0, {0}};
	size_t n;

	memset(x, 0, sizeof *x);
	if (ch_http_check_url(base_url, &uerr) != 0) {
		ch_error_set(err, CH_XSRC, 0, "base URL: %s", uerr.text);
		goto fail;
	}
	x->base_url = ch_xstrdup(base_url);
	n = strlen(x->base_url);
	while (n > 0 && x->base_url[n - 1] == '/')
		x->base_url[--n] = '\0';
	if (strchr(x->base_url, '?') || strchr(x->base_url, '#')) {
		ch_error_set(err, CH_XSRC, 0,
			     "base URL \"%.200s\" must not have a query or "
			     "fragment", base_url);
		goto fail;
	}
	x->creds = creds;
	x->http = ch_http_new(err);
	if (!x->http)
		goto fail;
	return 0;

fail:
	ch_xapi_free(x);
	return -1;
}

void ch_xapi_free(struct ch_xapi *x)
{
	if (!x)
		return;
	ch_http_free(x->http);
	free(x->base_url);
	memset(x, 0, sizeof *x);
}

void ch_xapi_set_timeouts(struct ch_xapi *x, long connect_ms, long total_ms)
{
	ch_http_set_timeouts(x->http, connect_ms, total_ms);
}

int ch_xapi_warm(struct ch_xapi *x, struct ch_error *err)
{
	struct ch_error herr = {{0}, 0, {0}};
	char *url = ch_xasprintf("%s/", x->base_url);
	int ret;

	ch_http_set_verbose(x->http, x->verbose);
	ret = ch_http_warm(x->http, url, &x->last_connects, &herr);
	if (ret != 0) {
		x->last = CH_XFAIL_NETWORK;
		ch_error_set(err, CH_XSRC, 0, "cannot connect: %s", herr.text);
	}
	free(url);
	return ret;
}

/* Wipes and frees a string that held a signature. */
static void ch_wipe_free(char *s)
{
	if (s) {
		volatile char *p = s;
		while (*p)
			*p++ = '\0';
		free(s);
	}
}

/* One signed request; on success resp holds a 2xx response. */
static int ch_xapi_call(struct ch_xapi *x, const char *method,
			const char *path, const char *query,
			const char *json_body, struct ch_http_response *resp,
			struct ch_error *err)
{
	struct ch_http_request req = {0};
	struct ch_error e = {{0}, 0, {0}};
	char *url = NULL, *auth = NULL;
	int ret = -1;

	x->last = CH_XFAIL_NONE;
	x->last_status = 0;
	x->rate.limit = -1;
	x->rate.remaining = -1;
	x->rate.reset = 0;
	url = query && *query
		? ch_xasprintf("%s%s?%s", x->base_url, path, query)
		: ch_xasprintf("%s%s", x->base_url, path);
	if (!x->creds) {
		x->last = CH_XFAIL_AUTH;
		ch_error_set(err, CH_XSRC, 0,
			     "no credentials loaded; set X_API_KEY, "
			     "X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET "
			     "or the credentials file");
		goto cleanup;
	}
	auth = ch_oauth_header(x->creds, method, url, NULL, &e);
	if (!auth) {
		x->last = CH_XFAIL_AUTH;
		ch_error_set(err, CH_XSRC, 0, "%s", e.text);
		goto cleanup;
	}
	req.method = method;
	req.url = url;
	req.authorization = auth;
	if (json_body) {
		req.body = json_body;
		req.body_len = strlen(json_body);
		req.content_type = "application/json";
	}
	ch_http_set_verbose(x->http, x->verbose);
	ret = ch_http_request(x->http, &req, resp, &e);
	x->last_status = resp->status;
	x->last_sent = resp->sent_at;
	x->last_connects = resp->num_connects;
	x->rate.limit = resp->rate_limit;
	x->rate.remaining = resp->rate_remaining;
	x->rate.reset = (time_t)resp->rate_reset;
	if (ret != 0) {
		switch (resp->fail) {
		case CH_HTTP_FAIL_TOO_LARGE:
			x->last = CH_XFAIL_PARSE;
			break;
		case CH_HTTP_FAIL_URL:
			x->last = CH_XFAIL_CLIENT;
			break;
		default:
			x->last = CH_XFAIL_NETWORK;
			break;
		}
		ch_error_set(err, CH_XSRC, 0, "%s%s",
			     x->last == CH_XFAIL_NETWORK ? "network error: " : "",
			     e.text);
		goto cleanup;
	}
	if (resp->status < 200 || resp->status > 299) {
		x->last = ch_xapi_classify(resp->status, resp->body.data,
					   resp->body.len, &x->rate, err);
		ret = -1;
		goto cleanup;
	}
	ret = 0;

cleanup:
	ch_wipe_free(auth);
	free(url);
	return ret;
}

/* Appends "&key=value" (percent-encoded value) to a query. */
static void ch_q_add(struct ch_buf *q, const char *key, const char *value)
{
	ch_http_query_add(q, key, value);
}

/* Number of UTF-8 code points (continuation bytes not counted). */
static size_t ch_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int ch_id_ok(const char *id)
{
	size_t n = 0;

	if (!id)
		return 0;
	for (; id[n]; n++)
		if (id[n] < '0' || id[n] > '9')
			return 0;
	return n > 0 && n <= 24;
}

int ch_xapi_post(struct ch_xapi *x, const char *text, const char *reply_to,
		 const struct ch_xapi_poll_req *poll, char *id, size_t id_size,
		 struct ch_error *err)
{
	struct ch_http_response resp = {0};
	json_t *body = NULL, *root = NULL, *data;
	char *dump = NULL;
	const char *new_id;
	size_t i;
	int ret = -1;

	if (!text || !*text) {
		x->last = CH_XFAIL_CLIENT;
		ch_error_set(err, CH_XSRC, 0, "cannot post an empty text");
		goto cleanup;
	}
	if (reply_to && !ch_id_ok(reply_to)) {
		x->last = CH_XFAIL_CLIENT;
		ch_error_set(err, CH_XSRC, 0,
			     "cannot reply to \"%.40s\": not a post id", reply_to);
		goto cleanup;
	}
	body = json_pack("{s:s}", "text", text);
	if (!body) {
		x->last = CH_XFAIL_CLIENT;
		ch_error_set(err, CH_XSRC, 0,
			     "cannot post: the text is not valid UTF-8");
		goto cleanup;
	}
	if (reply_to)
		json_object_set_new(body, "reply",
				    json_pack("{s:s}", "in_reply_to_tweet_id",
					      reply_to));
	if (poll) {
		json_t *opts;

		if (poll->n_options < 2 || poll->n_options > 4 || !poll->options ||
		    poll->duration_minutes < 5 || poll->duration_minutes > 10080) {
			x->last = CH_XFAIL_CLIENT;
			ch_error_set(err, CH_XSRC, 0,
				     "a poll needs 2-4 options and a duration "
				     "of 5-10080 minutes (got %zu options, %d "
				     "minutes)", poll->n_options,
				     poll->duration_minutes);
			goto cleanup;
		}
		opts = json_array();
		for (i = 0; i < poll->n_options; i++) {
			const char *o = poll->options[i];
			json_t *s = o ? json_string(o) : NULL;
			size_t n = o ? ch_utf8_len(o) : 0;

			if (!s || n < 1 || n > 25) {
				json_decref(s);
				json_decref(opts);
				x->last = CH_XFAIL_CLIENT;
				ch_error_set(err, CH_XSRC, 0,
					     "poll option %zu must be 1-25 "
					     "characters of valid UTF-8", i + 1);
				goto cleanup;
			}
			json_array_append_new(opts, s);
		}
		json_object_set_new(body, "poll",
				    json_pack("{s:o,s:i}", "options", opts,
					      "duration_minutes",
					      poll->duration_minutes));
	}
	dump = json_dumps(body, JSON_COMPACT);
	if (!dump) {
		x->last = CH_XFAIL_CLIENT;
		ch_error_set(err, CH_XSRC, 0, "cannot encode the post as JSON");
		goto cleanup;
	}
	if (ch_xapi_call(x, "POST", "/2/tweets", NULL, dump, &resp, err) != 0)
		goto cleanup;
	root = ch_j_load(resp.body.data, resp.body.len, err);
	data = json_object_get(root, "data");
	new_id = ch_j_peek(data, "id");
	if (!root || !new_id) {
		x->last = CH_XFAIL_PARSE;
		ch_error_set(err, CH_XSRC, 0,
			     "unexpected response to a post: no data.id string");
		goto cleanup;
	}
	if (ch_copy_out(id, id_size, new_id, "data.id", err) != 0) {
		x->last = CH_XFAIL_PARSE;
		goto cleanup;
	}
	ret = 0;

cleanup:
	free(dump);
	json_decref(body);
	json_decref(root);
	ch_http_response_free(&resp);
	return ret;
}

int ch_xapi_me(struct ch_xapi *x, char *id, size_t id_size, char *username,
	       size_t username_size, struct ch_error *err)
{
	struct ch_http_response resp = {0};
	json_t *root = NULL, *data;
	const char *uid, *uname;
	int ret = -1;

	if (ch_xapi_call(x, "GET", "/2/users/me", NULL, NULL, &resp, err) != 0)
		goto cleanup;
	root = ch_j_load(resp.body.data, resp.body.len, err);
	data = json_object_get(root, "data");
	uid = ch_j_peek(data, "id");
	uname = ch_j_peek(data, "username");
	if (!root || !uid || !uname) {
		x->last = CH_XFAIL_PARSE;
		ch_error_set(err, CH_XSRC, 0,
			     "unexpected response from /2/users/me: no "
			     "data.id and data.username strings");
		goto cleanup;
	}
	if (ch_copy_out(id, id_size, uid, "data.id", err) != 0 ||
	    ch_copy_out(username, username_size, uname, "data.username", err) != 0) {
		x->last = CH_XFAIL_PARSE;
		goto cleanup;
	}
	ret = 0;

cleanup:
	json_decref(root);
	ch_http_response_free(&resp);
	return ret;
}

static void ch_q_fields(struct ch_buf *q)
{
	ch_q_add(q, "tweet.fields", CH_TWEET_FIELDS);
	ch_q_add(q, "expansions", "author_id");
	ch_q_add(q, "user.fields", "username,name");
}

static int ch_xapi_get_page(struct ch_xapi *x, const char *path,
			    struct ch_buf *q, struct ch_msg_page *page,
			    struct ch_error *err)
{
	struct ch_http_response resp = {0};
	int ret = -1;

	if (ch_xapi_call(x, "GET", path, ch_buf_str(q), NULL, &resp, err) != 0)
		goto cleanup;
	if (ch_xapi_parse_page(resp.body.data, resp.body.len, page, err) != 0) {
		x->last = CH_XFAIL_PARSE;
		goto cleanup;
	}
	if (x->on_page)
		x->on_page(x->on_page_ctx, page);
	ret = 0;

cleanup:
	ch_http_response_free(&resp);
	return ret;
}

int ch_xapi_search(struct ch_xapi *x, const struct ch_search_req *req,
		   struct ch_msg_page *page, struct ch_error *err)
{
	struct ch_buf q = {0};
	char num[16];
	int ret = -1;

	memset(page, 0, sizeof *page);
	if (!req->query || !*req->query || strlen(req->query) > 512) {
		x->last = CH_XFAIL_CLIENT;
		ch_error_set(err, CH_XSRC, 0,
			     "search query must be 1-512 characters");
		goto cleanup;
	}
	if (req->max_results < 10 || req->max_results > 100) {
		x->last = CH_XFAIL_CLIENT;
		ch_error_set(err, CH_XSRC, 0,
			     "search max_results must be 10-100 (got %d)",
			     req->max_results);
		goto cleanup;
	}
	ch_q_add(&q, "query", req->query);
	snprintf(num, sizeof num, "%d", req->max_results);
	ch_q_add(&q, "max_results", num);
	if (req->since_id)
		ch_q_add(&q, "since_id", req->since_id);
	if (req->start_time)
		ch_q_add(&q, "start_time", req->start_time);
	if (req->end_time)
		ch_q_add(&q, "end_time", req->end_time);
	if (req->next_token)
		ch_q_add(&q, "next_token", req->next_token);
	ch_q_fields(&q);
	ret = ch_xapi_get_page(x, "/2/tweets/search/recent", &q, page, err);

cleanup:
	ch_buf_free(&q);
	return ret;
}

int ch_xapi_user_tweets(struct ch_xapi *x, const char *user_id,
			int max_results, struct ch_msg_page *page,
			struct ch_error *err)
{
	struct ch_buf q = {0};
	char num[16], *path = NULL;
	int ret = -1;

	memset(page, 0, sizeof *page);
	if (!ch_id_ok(user_id)) {
		x->last = CH_XFAIL_CLIENT;
		ch_error_set(err, CH_XSRC, 0, "\"%.40s\" is not a user id",
			     user_id ? user_id : "");
		goto cleanup;
	}
	if (max_results < 5 || max_results > 100) {
		x->last = CH_XFAIL_CLIENT;
		ch_error_set(err, CH_XSRC, 0,
			     "user tweets max_results must be 5-100 (got %d)",
			     max_results);
		goto cleanup;
	}
	snprintf(num, sizeof num, "%d", max_results);
	ch_q_add(&q, "max_results", num);
	ch_q_fields(&q);
	path = ch_xasprintf("/2/users/%s/tweets", user_id);
	ret = ch_xapi_get_page(x, path, &q, page, err);

cleanup:
	free(path);
	ch_buf_free(&q);
	return ret;
}

/* One direct message event as a message: private (direct), its
 * conversation its thread, its sender's handle from includes.users. */
static void dm_msg(json_t *e, json_t *users, struct ch_msg *m)
{
	const char *sender = ch_j_peek(e, "sender_id");
	json_t *u;
	size_t i;

	memset(m, 0, sizeof *m);
	m->id = ch_xstrdup(ch_j_peek(e, "id"));
	m->text = ch_xstrdup(ch_j_peek(e, "text"));
	m->created_at = ch_xstrdup(ch_j_peek(e, "created_at"));
	m->author_id = ch_xstrdup(sender);
	m->conversation_id = ch_xstrdup(ch_j_peek(e, "dm_conversation_id"));
	m->direct = true;
	json_array_foreach(users, i, u)
		if (sender && ch_j_peek(u, "id") &&
		    strcmp(ch_j_peek(u, "id"), sender) == 0) {
			m->username = ch_xstrdup(ch_j_peek(u, "username"));
			m->name = ch_xstrdup(ch_j_peek(u, "name"));
		}
}

int ch_xapi_dm_events(struct ch_xapi *x, struct ch_msg_page *page,
		      struct ch_error *err)
{
	struct ch_http_response resp = {0};
	struct ch_buf q = {0};
	json_error_t jerr;
	json_t *root = NULL, *data, *e;
	size_t i;
	int ret = -1;

	memset(page, 0, sizeof *page);
	ch_q_add(&q, "event_types", "MessageCreate");
	ch_q_add(&q, "dm_event.fields",
		 "id,text,created_at,sender_id,dm_conversation_id,event_type");
	ch_q_add(&q, "expansions", "sender_id");
	ch_q_add(&q, "user.fields", "username,name");
	ch_q_add(&q, "max_results", "50");
	if (ch_xapi_call(x, "GET", "/2/dm_events", ch_buf_str(&q), NULL, &resp,
			 err) != 0)
		goto cleanup;
	root = json_loadb(resp.body.data, resp.body.len, 0, &jerr);
	data = json_object_get(root, "data");
	if (!json_is_object(root) || (data && !json_is_array(data))) {
		x->last = CH_XFAIL_PARSE;
		ch_error_set(err, CH_XSRC, 0, "dm_events: an answer without data");
		goto cleanup;
	}
	page->msgs = ch_xcalloc(json_array_size(data) + 1, sizeof *page->msgs);
	json_array_foreach(data, i, e) {
		if (!ch_j_peek(e, "id") || !ch_j_peek(e, "text") ||
		    !ch_j_peek(e, "created_at"))
			continue;
		dm_msg(e, json_object_get(json_object_get(root, "includes"), "users"),
		       &page->msgs[page->n++]);
	}
	ret = 0;

cleanup:
	json_decref(root);
	ch_buf_free(&q);
	ch_http_response_free(&resp);
	return ret;
}

int ch_xapi_poll_lookup(struct ch_xapi *x, const char *tweet_id,
			struct ch_poll_result *res, struct ch_error *err)
{
	struct ch_http_response resp = {0};
	struct ch_buf q = {0};
	int ret = -1;

	memset(res, 0, sizeof *res);
	if (!ch_id_ok(tweet_id)) {
		x->last = CH_XFAIL_CLIENT;
		ch_error_set(err, CH_XSRC, 0, "\"%.40s\" is not a post id",
			     tweet_id ? tweet_id : "");
		goto cleanup;
	}
	ch_q_add(&q, "ids", tweet_id);
	ch_q_add(&q, "expansions", "attachments.poll_ids");
	ch_q_add(&q, "poll.fields", "options,voting_status,end_datetime");
	if (ch_xapi_call(x, "GET", "/2/tweets", ch_buf_str(&q), NULL, &resp,
			 err) != 0)
		goto cleanup;
	if (ch_xapi_parse_poll(resp.body.data, resp.body.len, res, err) != 0) {
		x->last = CH_XFAIL_PARSE;
		goto cleanup;
	}
	ret = 0;

cleanup:
	ch_buf_free(&q);
	ch_http_response_free(&resp);
	return ret;
}

/* true if got (a post's text as the API returns it) is text: X returns
 * "&", "<" and ">" as "&amp;", "&lt;" and "&gt;" in v2 texts. */
bool ch_xapi_same_text(const char *got, const char *text)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}};

	while (*got && *text) {
		size_t i, n = 0;

		for (i = 0; *got == '&' && i < sizeof ents / sizeof ents[0]; i++) {
			size_t k = strlen(ents[i].ent);

			if (*text == ents[i].c && strncmp(got, ents[i].ent, k) == 0) {
				n = k;
				break;
			}
		}
		if (n) {
			got += n;
			text++;
			continue;
		}
		if (*got != *text)
			return false;
		got++;
		text++;
	}
	return *got == '\0' && *text == '\0';
}

int ch_xapi_find_mine(struct ch_xapi *x, const char *me_id, const char *text,
		      double since, char *id, size_t n, struct ch_error *err)
{
	struct ch_msg_page page;
	size_t i;
	int found = 0;

	memset(&page, 0, sizeof page);
	if (!me_id) {
		x->last = CH_XFAIL_CLIENT;
		ch_error_set(err, CH_XSRC, 0,
			     "the account is not known: its posts cannot be looked up");
		return -1;
	}
	if (ch_xapi_user_tweets(x, me_id, 20, &page, err) < 0) {
		ch_msg_page_free(&page);
		return -1;
	}
	for (i = 0; i < page.n; i++) {
		const struct ch_msg *tw = &page.msgs[i];
		long long ms = 0;

		if (!tw->text || !tw->id || !ch_xapi_same_text(tw->text, text))
			continue;
		if (!tw->created_at ||
		    ch_parse_time_ms(tw->created_at, true, &ms) < 0 ||
		    (double)ms / 1000.0 < since - CH_XAPI_INTENT_SKEW) {
			ch_log(CH_LOG_WARN,
			       "post %s has the same text but was made before this run's intent to post it (%s): not this chat's",
			       tw->id, tw->created_at ? tw->created_at : "no time");
			continue;
		}
		snprintf(id, n, "%s", tw->id);
		found = 1;
		break;
	}
	ch_msg_page_free(&page);
	return found;
}
