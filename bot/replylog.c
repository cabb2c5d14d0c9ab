/* replylog.c - the participation log: append-only writer, fast reader. */
#include "replylog.h"

#include "chtime.h"
#include "topic.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const kind_names[] = {"host", "answer", "reply", "other",
					 "event"};
static const char *const attrib_names[] = {NULL, "label", "reply", "time",
					   "other"};

const char *ch_entry_kind_name(enum ch_entry_kind k)
{
	if ((unsigned)k > CH_KIND_EVENT)
		return "other";
	return kind_names[k];
}

const char *ch_attrib_name(enum ch_attrib a)
{
	if ((unsigned)a > CH_ATTR_OTHER)
		return NULL;
	return attrib_names[a];
}

/* The writer (replylog.h); everything owned. */
struct ch_replylog {
	int fd;           /* -1 when closed */
	char *path;       /* owned */
	char **ids;       /* owned hash set (open addressing) of owned ids */
	size_t n_ids;
	size_t cap_ids;   /* power of two */
	bool dirty;       /* written since the last fdatasync */
	char *out;        /* owned: queued whole lines, not yet written */
	size_t out_len;
	size_t out_cap;
	bool out_stuck;   /* the last write failed: no early writes until a
			     flush succeeds */
	bool torn;        /* the file ends in a torn fragment: the next write
			     starts with a newline */
	json_t *enc;      /* owned: the reusable line object */
	pthread_mutex_t *mu; /* owned: held by every call that reads or
				writes the writer's state (the networks'
				threads share one log) */
};

/* ---- time -------------------------------------------------------------- */

int ch_replylog_parse_time(const char *s, long long *ms)
{
	return ch_parse_time_ms(s, true, ms);
}

/* ---- fields shared by both parsers -------------------------------------- */

enum { T_ABSENT = 0, T_NULL, T_STR, T_INT, T_OTHER };

enum field {
	F_ID,
	F_CREATED,
	F_AUTHOR,
	F_USERNAME,
	F_NAME,
	F_KIND,
	F_QUESTION,
	F_ATTR,
	F_REPLY,
	F_TEXT,
	F_EVENT,
	F_NET,
	F_URL,
	F_EDIT,
	F_LINKS,
	F_N
};

static const char *const missing_msg[F_N] = {
	"missing field \"id\"", "missing field \"created_at\"",
	"missing field \"author_id\"", "", "", "missing field \"kind\"", "",
	"", "", "missing field \"text\"", "", "", "", "", ""};
static const char *const bad_msg[F_N] = {
	"field \"id\" is not a string",
	"field \"created_at\" is not a string",
	"field \"author_id\" is not a string",
	"field \"username\" is not a string",
	"field \"name\" is not a string",
	"field \"kind\" is not a string",
	"field \"question\" is not a question's number (0 to 20) or null",
	"field \"attributed_by\" is not a string",
	"field \"in_reply_to_id\" is not a string",
	"field \"text\" is not a string",
	"field \"event\" is not a string",
	"field \"net\" is not a string",
	"field \"url\" is not a string",
	"field \"edit_of\" is not a string",
	"field \"links\" is not a string"};

struct fval {
	int type;
	const char *s;  /* T_STR: NUL-terminated */
	long long i;    /* T_INT */
	/* fast path only: the span in the line */
	char *beg, *end;
	bool esc;
};

static int field_index(const char *k, size_t n)
{
	switch (n) {
	case 2:
		return memcmp(k, "id", 2) == 0 ? F_ID : -1;
	case 3:
		if (memcmp(k, "net", 3) == 0)
			return F_NET;
		return memcmp(k, "url", 3) == 0 ? F_URL : -1;
	case 4:
		if (memcmp(k, "name", 4) == 0)
			return F_NAME;
		if (memcmp(k, "kind", 4) == 0)
			return F_KIND;
		if (memcmp(k, "text", 4) == 0)
			return F_TEXT;
		return -1;
	case 5:
		if (memcmp(k, "links", 5) == 0)
			return F_LINKS;
		return memcmp(k, "event", 5) == 0 ? F_EVENT : -1;
	case 7:
		return memcmp(k, "edit_of", 7) == 0 ? F_EDIT : -1;
	case 8:
		if (memcmp(k, "username", 8) == 0)
			return F_USERNAME;
		if (memcmp(k, "question", 8) == 0)
			return F_QUESTION;
		return -1;
	case 9:
		return memcmp(k, "author_id", 9) == 0 ? F_AUTHOR : -1;
	case 10:
		return memcmp(k, "created_at", 10) == 0 ? F_CREATED : -1;
	case 13:
		return memcmp(k, "attributed_by", 13) == 0 ? F_ATTR : -1;
	case 14:
		return memcmp(k, "in_reply_to_id", 14) == 0 ? F_REPLY : -1;
	default:
		return -1;
	}
}

static int opt_str(const struct fval *v, int f, const char **out,
		   const char **why)
{
	*out = NULL;
	if (v->type == T_STR)
		*out = v->s;
	else if (v->type != T_ABSENT && v->type != T_NULL) {
		*why = bad_msg[f];
		return -1;
	}
	return 0;
}

static int req_str(const struct fval *v, int f, const char **out,
		   const char **why)
{
	if (v->type == T_ABSENT) {
		*why = missing_msg[f];
		return -1;
	}
	if (v->type != T_STR) {
		*why = bad_msg[f];
		return -1;
	}
	*out = v->s;
	return 0;
}

static int fields_to_entry(const struct fval *f, struct ch_log_entry *e,
			   const char **why)
{
	const char *kind = NULL, *attr = NULL;
	int k;

	memset(e, 0, sizeof *e);
	if (req_str(&f[F_KIND], F_KIND, &kind, why))
		return -1;
	if (kind[0] == 'e' && strcmp(kind, "event") == 0) {
		e->kind = CH_KIND_EVENT;
		/* an event about a post ("deleted") names it */
		return opt_str(&f[F_EVENT], F_EVENT, &e->event, why) ||
		       opt_str(&f[F_ID], F_ID, &e->id, why) ||
		       opt_str(&f[F_NET], F_NET, &e->net, why);
	}
	/* one strcmp per line: the first letters differ */
	e->kind = CH_KIND_OTHER;
	for (k = 0; k < CH_KIND_EVENT; k++)
		if (kind[0] == kind_names[k][0] &&
		    strcmp(kind, kind_names[k]) == 0)
			e->kind = (enum ch_entry_kind)k;
	if (req_str(&f[F_ID], F_ID, &e->id, why) ||
	    req_str(&f[F_CREATED], F_CREATED, &e->created_at, why) ||
	    req_str(&f[F_AUTHOR], F_AUTHOR, &e->author_id, why) ||
	    req_str(&f[F_TEXT], F_TEXT, &e->text, why) ||
	    opt_str(&f[F_USERNAME], F_USERNAME, &e->username, why) ||
	    opt_str(&f[F_NAME], F_NAME, &e->name, why) ||
	    opt_str(&f[F_REPLY], F_REPLY, &e->in_reply_to_id, why) ||
	    opt_str(&f[F_ATTR], F_ATTR, &attr, why) ||
	    opt_str(&f[F_NET], F_NET, &e->net, why) ||
	    opt_str(&f[F_URL], F_URL, &e->url, why) ||
	    opt_str(&f[F_EDIT], F_EDIT, &e->edit_of, why) ||
	    opt_str(&f[F_LINKS], F_LINKS, &e->links, why))
		return -1;
	if (!e->id[0] || !e->author_id[0]) {
		*why = !e->id[0] ? "field \"id\" is empty"
				 : "field \"author_id\" is empty";
		return -1;
	}
	if (ch_replylog_parse_time(e->created_at, &e->created_ms)) {
		*why = "field \"created_at\" is not an ISO 8601 time";
		return -1;
	}
	_Static_assert(CH_MAX_QUESTIONS == 20, "the message above says 20");
	if (f[F_QUESTION].type == T_INT) {
		/* a question of a topic: 1,000,000 made a 483 MB report */
		if (f[F_QUESTION].i < 0 || f[F_QUESTION].i > CH_MAX_QUESTIONS) {
			*why = bad_msg[F_QUESTION];
			return -1;
		}
		e->question = (int)f[F_QUESTION].i;
	} else if (f[F_QUESTION].type != T_ABSENT &&
		   f[F_QUESTION].type != T_NULL) {
		*why = bad_msg[F_QUESTION];
		return -1;
	}
	e->attributed_by = CH_ATTR_NONE;
	if (attr) {
		e->attributed_by = CH_ATTR_OTHER;
		for (k = CH_ATTR_LABEL; k < CH_ATTR_OTHER; k++)
			if (attr[0] == attrib_names[k][0] &&
			    strcmp(attr, attrib_names[k]) == 0)
				e->attributed_by = (enum ch_attrib)k;
	}
	return 0;
}

/* ---- jansson path ------------------------------------------------------- */

static int parse_jansson(const char *line, size_t len, struct ch_log_entry *e,
			 json_t **hold, const char **why)
{
	struct fval f[F_N];
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	int idx;

	memset(f, 0, sizeof f);
	root = json_loadb(line, len, 0, &jerr);
	if (!root) {
		*why = "not JSON";
		return -1;
	}
	*hold = root;
	if (!json_is_object(root)) {
		*why = "not a JSON object";
		return -1;
	}
	json_object_foreach(root, key, v) {
		idx = field_index(key, strlen(key));
		if (idx < 0)
			continue;
		if (json_is_string(v)) {
			f[idx].type = T_STR;
			f[idx].s = json_string_value(v);
			/* a string with an embedded NUL cannot be used */
			if (strlen(f[idx].s) != json_string_length(v))
				f[idx].type = T_OTHER;
		} else if (json_is_integer(v)) {
			f[idx].type = T_INT;
			f[idx].i = (long long)json_integer_value(v);
		} else if (json_is_null(v)) {
			f[idx].type = T_NULL;
		} else {
			f[idx].type = T_OTHER;
		}
	}
	return fields_to_entry(f, e, why);
}

/* ---- fast in-place path ------------------------------------------------- */

/* Length of the valid UTF-8 sequence (2-4 bytes) at p, or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];

	if (c >= 0xC2 && c <= 0xDF) {
		if (end - p >= 2 && (p[1] & 0xC0) == 0x80)
			return 2;
		return 0;
	}
	if (c >= 0xE0 && c <= 0xEF) {
		if (end - p < 3 || (p[1] & 0xC0) != 0x80 ||
		    (p[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && p[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && p[1] >= 0xA0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (end - p < 4 || (p[1] & 0xC0) != 0x80 ||
		    (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && p[1] < 0x90)
			return 0;
		if (c == 0xF4 && p[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex4(const unsigned char *p)
{
	int a = hexval(p[0]), b = hexval(p[1]), c = hexval(p[2]),
	    d = hexval(p[3]);

	if (a < 0 || b < 0 || c < 0 || d < 0)
		return -1;
	return (a << 12) | (b << 8) | (c << 4) | d;
}

/* Scans the string body starting after the opening quote. Returns the
 * position of the closing quote, or NULL if the fast path must give up. */
static unsigned char *scan_string(unsigned char *p, const unsigned char *end,
				  bool *esc)
{
	size_t n;
	int cp;

	while (p < end) {
		unsigned char c = *p;

		if (c == '"')
			return p;
		if (c == '\\') {
			*esc = true;
			if (end - p < 2)
				return NULL;
			c = p[1];
			if (c == 'u') {
				if (end - p < 6)
					return NULL;
				cp = hex4(p + 2);
				/* NUL and surrogates: let jansson judge */
				if (cp <= 0 || (cp >= 0xD800 && cp <= 0xDFFF))
					return NULL;
				p += 6;
			} else if (c == '"' || c == '\\' || c == '/' ||
				   c == 'b' || c == 'f' || c == 'n' ||
				   c == 'r' || c == 't') {
				p += 2;
			} else {
				return NULL;
			}
			continue;
		}
		if (c < 0x20)
			return NULL;
		if (c < 0x80) {
			p++;
			continue;
		}
		n = utf8_len(p, end);
		if (!n)
			return NULL;
		p += n;
	}
	return NULL;
}

/* Unescapes [beg, end) in place and NUL-terminates; escapes were checked. */
static void unescape(char *beg, char *end)
{
	char *r = beg, *w = beg;
	int cp;

	while (r < end) {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		switch (r[1]) {
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 't': *w++ = '\t'; break;
		case 'u':
			cp = hex4((const unsigned char *)r + 2);
			if (cp < 0x80) {
				*w++ = (char)cp;
			} else if (cp < 0x800) {
				*w++ = (char)(0xC0 | (cp >> 6));
				*w++ = (char)(0x80 | (cp & 0x3F));
			} else {
				*w++ = (char)(0xE0 | (cp >> 12));
				*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
				*w++ = (char)(0x80 | (cp & 0x3F));
			}
			r += 6;
			continue;
		default: *w++ = r[1]; break;
		}
		r += 2;
	}
	*w = '\0';
}

static inline unsigned char *skip_ws(unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Phase 1 validates the whole line without touching it; phase 2 writes.
 * Returns 0 when f is filled, 1 when jansson must decide. */
static int scan_fast(char *line, size_t len, struct fval *f)
{
	unsigned char *p = (unsigned char *)line;
	const unsigned char *end = p + len;
	unsigned char *ks, *ke, *vs;
	bool esc;
	int idx, i;

	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return 1;
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}') {
		p++;
		goto done;
	}
	for (;;) {
		if (p >= end || *p != '"')
			return 1;
		ks = ++p;
		while (p < end && *p != '"' && *p != '\\' && *p >= 0x20 &&
		       *p < 0x80)
			p++;
		if (p >= end || *p != '"')
			return 1;
		ke = p++;
		p = skip_ws(p, end);
		if (p >= end || *p != ':')
			return 1;
		p = skip_ws(p + 1, end);
		if (p >= end)
			return 1;
		idx = field_index((const char *)ks, (size_t)(ke - ks));
		vs = p;
		if (*p == '"') {
			esc = false;
			p = scan_string(p + 1, end, &esc);
			if (!p)
				return 1;
			if (idx >= 0) {
				f[idx].type = T_STR;
				f[idx].beg = (char *)vs + 1;
				f[idx].end = (char *)p;
				f[idx].esc = esc;
			}
			p++;
		} else if (*p == 'n') {
			if (end - p < 4 || memcmp(p, "null", 4))
				return 1;
			p += 4;
			if (idx >= 0)
				f[idx].type = T_NULL;
		} else if (*p == 't' || *p == 'f') {
			size_t n = *p == 't' ? 4 : 5;

			if ((size_t)(end - p) < n ||
			    memcmp(p, *p == 't' ? "true" : "false", n))
				return 1;
			p += n;
			if (idx >= 0)
				f[idx].type = T_OTHER;
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			long long v = 0;
			int nd = 0;
			bool neg = *p == '-';

			if (neg)
				p++;
			if (p < end && *p == '0' && p + 1 < end &&
			    p[1] >= '0' && p[1] <= '9')
				return 1;
			while (p < end && *p >= '0' && *p <= '9') {
				v = v * 10 + (*p - '0');
				p++;
				if (++nd > 15)
					return 1;
			}
			if (nd == 0 || (p < end && (*p == '.' || *p == 'e' ||
						    *p == 'E')))
				return 1;
			if (idx >= 0) {
				f[idx].type = T_INT;
				f[idx].i = neg ? -v : v;
			}
		} else {
			return 1;
		}
		p = skip_ws(p, end);
		if (p >= end)
			return 1;
		if (*p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (*p == '}') {
			p++;
			break;
		}
		return 1;
	}
done:
	p = skip_ws(p, end);
	if (p != end)
		return 1;
	for (i = 0; i < F_N; i++) {
		if (f[i].type != T_STR)
			continue;
		if (f[i].esc)
			unescape(f[i].beg, f[i].end);
		else
			*f[i].end = '\0';
		f[i].s = f[i].beg;
	}
	return 0;
}

int ch_replylog_parse_line(char *line, size_t len, bool fast,
			   struct ch_log_entry *e, json_t **hold,
			   const char **why)
{
	struct fval f[F_N];

	*hold = NULL;
	*why = NULL;
	if (fast) {
		memset(f, 0, sizeof f);
		if (scan_fast(line, len, f) == 0)
			return fields_to_entry(f, e, why);
	}
	return parse_jansson(line, len, e, hold, why);
}

/* ---- reader ------------------------------------------------------------- */

static bool blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

int ch_replylog_scan(char *buf, size_t len, const char *name,
		     ch_replylog_cb cb, void *ctx,
		     struct ch_replylog_stats *st, struct ch_diags *bad,
		     size_t max_bad)
{
	struct ch_replylog_stats local = {0};
	struct ch_log_entry e;
	char *p = buf, *end = buf + len, *nl;
	size_t reported = 0, n;
	const char *why;
	json_t *hold;
	long lineno = 0;
	int rc = 0;

	if (!st)
		st = &local;
	buf[len] = '\0';
	while (p < end) {
		bool torn = false;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			nl = end;
			torn = true;
		}
		n = (size_t)(nl - p);
		lineno++;
		st->lines++;
		if (blank(p, n)) {
			p = nl + 1;
			continue;
		}
		*nl = '\0';
		if (ch_replylog_parse_line(p, n, true, &e, &hold, &why)) {
			st->bad++;
			if (torn)
				why = "torn last line (no newline at the end)";
			if (bad && reported < max_bad) {
				ch_diags_add(bad, name, (int)lineno,
					     "skipped: %s", why);
				reported++;
			}
		} else {
			if (e.kind == CH_KIND_EVENT)
				st->events++;
			else
				st->posts++;
			if (cb)
				rc = cb(&e, ctx);
		}
		json_decref(hold);
		if (rc)
			return rc;
		p = nl + 1;
	}
	return 0;
}

char *ch_replylog_slurp(const char *path, size_t *len, struct ch_error *err)
{
	struct stat sb;
	char *buf = NULL;
	size_t got = 0, cap;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ch_error_set(err, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		ch_error_set(err, path, 0, "not a regular file");
		goto fail;
	}
	cap = (size_t)sb.st_size + 1;
	buf = ch_xmalloc(cap + 1);
	for (;;) {
		if (got == cap) { /* the file grew while we read it */
			cap *= 2;
			buf = ch_xrealloc(buf, cap + 1);
		}
		r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ch_error_set(err, path, 0, "read error: %s",
				     strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

int ch_replylog_read(const char *path, ch_replylog_cb cb, void *ctx,
		     struct ch_replylog_stats *st, struct ch_diags *bad,
		     size_t max_bad, struct ch_error *err)
{
	size_t len;
	char *buf;
	int rc;

	buf = ch_replylog_slurp(path, &len, err);
	if (!buf)
		return -1;
	rc = ch_replylog_scan(buf, len, path, cb, ctx, st, bad, max_bad);
	free(buf);
	return rc;
}

/* ---- writer ------------------------------------------------------------- */



#define OUT_HIGH (256u * 1024u) /* queued bytes that are written early */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t id_slot(char **ids, size_t cap, const char *id)
{
	size_t i = (size_t)hash_str(id) & (cap - 1);

	while (ids[i] && strcmp(ids[i], id) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static void id_add(struct ch_replylog *lg, const char *id)
{
	size_t i, j, ocap;
	char **old;

	if ((lg->n_ids + 1) * 2 > lg->cap_ids) {
		old = lg->ids;
		ocap = lg->cap_ids;
		lg->cap_ids = ocap ? ocap * 2 : 256;
		lg->ids = ch_xcalloc(lg->cap_ids, sizeof *lg->ids);
		for (j = 0; j < ocap; j++)
			if (old[j])
				lg->ids[id_slot(lg->ids, lg->cap_ids,
						old[j])] = old[j];
		free(old);
	}
	i = id_slot(lg->ids, lg->cap_ids, id);
	if (!lg->ids[i]) {
		lg->ids[i] = ch_xstrdup(id);
		lg->n_ids++;
	}
}

static bool has_id(const struct ch_replylog *lg, const char *id)
{
	if (!lg->cap_ids || !id)
		return false;
	return lg->ids[id_slot(lg->ids, lg->cap_ids, id)] != NULL;
}

/* Every public writer call holds the log's mutex (several networks'
 * threads share one log). */
static void lock(const struct ch_replylog *lg)
{
	pthread_mutex_lock(lg->mu);
}

static void unlock(const struct ch_replylog *lg)
{
	pthread_mutex_unlock(lg->mu);
}

bool ch_replylog_has(const struct ch_replylog *lg, const char *id)
{
	bool r;

	lock(lg);
	r = has_id(lg, id);
	unlock(lg);
	return r;
}

static int load_id(const struct ch_log_entry *e, void *ctx)
{
	if (e->kind != CH_KIND_EVENT)
		id_add(ctx, e->id);
	return 0;
}

/* Room for n more bytes (and a NUL) in the queue. */
static void out_reserve(struct ch_replylog *lg, size_t n)
{
	size_t cap = lg->out_cap ? lg->out_cap : 4096;

	if (lg->out_len + n + 1 <= lg->out_cap)
		return;
	while (cap < lg->out_len + n + 1)
		cap *= 2;
	lg->out = ch_xrealloc(lg->out, cap);
	lg->out_cap = cap;
}

/* Appends v compactly and a newline to the queue; -1 if jansson cannot
 * serialise it (nothing is queued then). */
static int out_dump(struct ch_replylog *lg, const json_t *v)
{
	size_t avail, need;

	out_reserve(lg, 512);
	avail = lg->out_cap - lg->out_len - 1;
	need = json_dumpb(v, lg->out + lg->out_len, avail, JSON_COMPACT);
	if (need == 0)
		return -1;
	if (need > avail) {
		out_reserve(lg, need);
		avail = lg->out_cap - lg->out_len - 1;
		if (json_dumpb(v, lg->out + lg->out_len, avail,
			       JSON_COMPACT) != need)
			return -1;
	}
	lg->out_len += need;
	lg->out[lg->out_len++] = '\n';
	return 0;
}

/* write(2) until all n bytes are out (EINTR retried). Returns 0, or the
 * errno of the failure (-1 for a write of nothing); *done: bytes out. */
static int write_all(int fd, const char *p, size_t n, size_t *done)
{
	ssize_t w;

	*done = 0;
	while (*done < n) {
		do
			w = write(fd, p + *done, n - *done);
		while (w < 0 && errno == EINTR);
		if (w < 0)
			return errno ? errno : -1;
		if (w == 0)
			return -1;
		*done += (size_t)w;
	}
	return 0;
}

/* Writes the queue (whole lines) to the file. On a failure the whole lines
 * that reached the file leave the queue, a torn fragment after them is
 * truncated away (or, if that fails, remembered: the next write starts
 * with a newline), and the rest stays queued for the next try. */
static int out_write(struct ch_replylog *lg, struct ch_error *err)
{
	size_t done = 0, whole = 0;
	off_t pos;
	int e;

	if (lg->fd < 0) {
		ch_error_set(err, lg->path, 0, "the log is not open");
		return -1;
	}
	if (lg->torn) {
		e = write_all(lg->fd, "\n", 1, &done);
		if (e)
			goto fail;
		lg->torn = false;
		lg->dirty = true;
	}
	if (lg->out_len == 0)
		return 0;
	e = write_all(lg->fd, lg->out, lg->out_len, &done);
	if (e == 0) {
		lg->out_len = 0;
		lg->dirty = true;
		lg->out_stuck = false;
		return 0;
	}
	if (done > 0) {
		/* keep the whole lines that made it; cut a torn one away */
		lg->dirty = true;
		for (whole = done; whole > 0 && lg->out[whole - 1] != '\n';
		     whole--)
			;
		pos = lseek(lg->fd, 0, SEEK_CUR);
		if (done > whole &&
		    (pos < (off_t)(done - whole) ||
		     ftruncate(lg->fd, pos - (off_t)(done - whole)) != 0))
			lg->torn = true;
		memmove(lg->out, lg->out + whole, lg->out_len - whole);
		lg->out_len -= whole;
	}
fail:
	lg->out_stuck = true;
	ch_error_set(err, lg->path, 0,
		     "cannot write: %s; %zu bytes of whole lines stay queued",
		     e > 0 ? strerror(e) : "short write (disk full?)",
		     lg->out_len);
	return -1;
}

/* A torn last line (a crash or a full disk in the middle of a write)
 * is cut away, so that the post it held is captured again whole; sb gets
 * the new size. If the cut fails, the file is left as it is (the caller
 * then ends the fragment with a newline). Returns 0, or -1 (errno) if the
 * file cannot be read. */
static int cut_torn_tail(int fd, struct stat *sb)
{
	char buf[4096];
	off_t end = sb->st_size;

	while (end > 0) {
		size_t n = end > (off_t)sizeof buf ? sizeof buf : (size_t)end;
		ssize_t got = pread(fd, buf, n, end - (off_t)n);
		size_t i;

		if (got != (ssize_t)n)
			return -1;
		for (i = n; i > 0; i--)
			if (buf[i - 1] == '\n')
				break;
		if (i > 0) {
			end = end - (off_t)n + (off_t)i;
			break;
		}
		end -= (off_t)n;
	}
	if (end == sb->st_size)
		return 0;
	if (ftruncate(fd, end) == 0)
		sb->st_size = end;
	return 0;
}

struct ch_replylog *ch_replylog_open(const char *path, struct ch_error *err)
{
	struct ch_replylog *lg = ch_xcalloc(1, sizeof *lg);
	struct ch_error rerr;
	struct stat sb;
	char last;

	lg->path = ch_xstrdup(path);
	lg->mu = ch_xmalloc(sizeof *lg->mu);
	pthread_mutex_init(lg->mu, NULL);
	/* never through a link (one planted in a shared logs folder would
	 * have run cut and append another's file), never a FIFO or device */
	lg->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
			    O_NONBLOCK, 0644);
	if (lg->fd < 0) {
		ch_error_set(err, path, 0, "cannot open the log: %s",
			     errno == ELOOP ? "it is a symbolic link (refused: a log is a file of its own)"
					    : strerror(errno));
		goto fail;
	}
	if (fstat(lg->fd, &sb)) {
		ch_error_set(err, path, 0, "cannot stat: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		ch_error_set(err, path, 0, "cannot open the log: not a regular file");
		goto fail;
	}
	fcntl(lg->fd, F_SETFL, fcntl(lg->fd, F_GETFL) & ~O_NONBLOCK);
	if (sb.st_size > 0 && cut_torn_tail(lg->fd, &sb) < 0) {
		ch_error_set(err, path, 0, "cannot read: %s", strerror(errno));
		goto fail;
	}
	if (sb.st_size > 0) {
		ch_error_clear(&rerr);
		if (ch_replylog_read(path, load_id, lg, NULL, NULL, 0,
				     &rerr) < 0) {
			ch_error_set(err, rerr.source, rerr.line, "%s",
				     rerr.text);
			goto fail;
		}
		if (pread(lg->fd, &last, 1, sb.st_size - 1) != 1) {
			ch_error_set(err, path, 0, "cannot read: %s",
				     strerror(errno));
			goto fail;
		}
		/* a torn tail: end it now, so new lines start whole */
		lg->torn = last != '\n';
		if (lg->torn && out_write(lg, err))
			goto fail;
	}
	return lg;
fail:
	ch_replylog_close(lg, NULL);
	return NULL;
}

/* ---- the line encoder: one reusable object, values replaced in place ---- */

enum wfield {
	W_ID,
	W_CREATED,
	W_AUTHOR,
	W_USERNAME,
	W_NAME,
	W_KIND,
	W_QUESTION,
	W_ATTR,
	W_REPLY,
	W_TEXT,
	W_NET,
	W_URL,
	W_EDIT,
	W_LINKS,
	W_N
};

/* the line's keys, in the order they are written */
static const char *const wkeys[W_N] = {
	"id", "created_at", "author_id", "username", "name", "kind",
	"question", "attributed_by", "in_reply_to_id", "text", "net", "url",
	"edit_of", "links"};

static json_t *enc_new(void)
{
	json_t *o = json_object();
	int i;

	if (!o)
		return NULL;
	for (i = 0; i < W_NET; i++)
		if (json_object_set_new(o, wkeys[i], json_null())) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/* s with every invalid UTF-8 byte replaced by U+FFFD (caller frees). */
static char *utf8_fix(const char *s, size_t len)
{
	struct ch_buf b = {0};
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n;

	while (p < end) {
		if (*p < 0x80) {
			ch_buf_append(&b, p, 1);
			p++;
		} else if ((n = utf8_len(p, end)) != 0) {
			ch_buf_append(&b, p, n);
			p += n;
		} else {
			ch_buf_puts(&b, "\xEF\xBF\xBD");
			p++;
		}
	}
	ch_buf_str(&b);
	return ch_buf_steal(&b);
}

/* Sets the value at iter to the string s (NULL: null), reusing the string
 * object already there. Returns 0 or -1. */
static int enc_str(json_t *o, void *iter, const char *s)
{
	json_t *v = json_object_iter_value(iter);
	size_t len;
	char *fixed;
	int rc;

	if (!s)
		return json_is_null(v) ? 0
				       : json_object_iter_set_new(o, iter,
								  json_null());
	len = strlen(s);
	if (json_is_string(v)) {
		if (json_string_setn(v, s, len) == 0)
			return 0;
	} else {
		v = json_stringn(s, len);
		if (v)
			return json_object_iter_set_new(o, iter, v);
		v = json_string("");
		if (!v || json_object_iter_set_new(o, iter, v))
			return -1;
	}
	fixed = utf8_fix(s, len);
	rc = json_string_setn(v, fixed, strlen(fixed));
	free(fixed);
	return rc;
}

/* Sets the value at iter to the integer i (i <= 0: null). */
static int enc_int(json_t *o, void *iter, int i)
{
	json_t *v = json_object_iter_value(iter);

	if (i <= 0)
		return json_is_null(v) ? 0
				       : json_object_iter_set_new(o, iter,
								  json_null());
	if (json_is_integer(v))
		return json_integer_set(v, i);
	return json_object_iter_set_new(o, iter, json_integer(i));
}

/* Fills the encoder o with e. Returns 0, or -1 if a required field is
 * NULL or jansson fails. */
static int enc_fill(json_t *o, const struct ch_log_entry *e)
{
	const char *vals[W_N];
	void *it = json_object_iter(o);
	int i;

	if (!e->id || !e->created_at || !e->author_id || !e->text)
		return -1;
	vals[W_ID] = e->id;
	vals[W_CREATED] = e->created_at;
	vals[W_AUTHOR] = e->author_id;
	vals[W_USERNAME] = e->username;
	vals[W_NAME] = e->name;
	vals[W_KIND] = ch_entry_kind_name(e->kind == CH_KIND_EVENT
						  ? CH_KIND_OTHER : e->kind);
	vals[W_QUESTION] = NULL;
	vals[W_ATTR] = ch_attrib_name(e->attributed_by);
	vals[W_REPLY] = e->in_reply_to_id;
	vals[W_TEXT] = e->text;
	vals[W_NET] = e->net;
	vals[W_URL] = e->url;
	vals[W_EDIT] = e->edit_of;
	vals[W_LINKS] = e->links;
	for (i = 0; i < W_NET; i++, it = json_object_iter_next(o, it)) {
		if (!it)
			return -1;
		if (i == W_QUESTION ? enc_int(o, it, e->question)
				    : enc_str(o, it, vals[i]))
			return -1;
	}
	/* net and url only when known: an X line without them reads the
	 * same, and is byte for byte what older versions wrote */
	for (i = W_NET; i < W_N; i++) {
		if (!vals[i]) {
			json_object_del(o, wkeys[i]);
			continue;
		}
		it = json_object_iter_at(o, wkeys[i]);
		if (it ? enc_str(o, it, vals[i])
		       : json_object_set_new(o, wkeys[i], json_string("")) ||
			 enc_str(o, json_object_iter_at(o, wkeys[i]), vals[i]))
			return -1;
	}
	return 0;
}

char *ch_replylog_format(const struct ch_log_entry *e)
{
	struct ch_replylog tmp;
	char *line = NULL;

	memset(&tmp, 0, sizeof tmp);
	tmp.enc = enc_new();
	if (!tmp.enc || enc_fill(tmp.enc, e) || out_dump(&tmp, tmp.enc))
		goto cleanup;
	tmp.out[tmp.out_len] = '\0';
	line = tmp.out;
	tmp.out = NULL;
cleanup:
	json_decref(tmp.enc);
	free(tmp.out);
	return line;
}

/* ---- queue, append, event, flush, close --------------------------------- */

static int queue_locked(struct ch_replylog *lg, const struct ch_log_entry *e,
			struct ch_error *err)
{
	if (lg->fd < 0) {
		ch_error_set(err, lg->path, 0, "the log is not open");
		return -1;
	}
	if (e->id && has_id(lg, e->id))
		return 0;
	if (!lg->enc)
		lg->enc = enc_new();
	if (!lg->enc || enc_fill(lg->enc, e) || out_dump(lg, lg->enc)) {
		ch_error_set(err, lg->path, 0,
			     "cannot log a post without id, created_at, "
			     "author_id or text");
		return -1;
	}
	id_add(lg, e->id);
	/* written early when large; a failure here is reported (and the
	 * write retried) by the next flush */
	if (lg->out_len >= OUT_HIGH && !lg->out_stuck)
		out_write(lg, NULL);
	return 1;
}

int ch_replylog_queue(struct ch_replylog *lg, const struct ch_log_entry *e,
		      struct ch_error *err)
{
	int r;

	lock(lg);
	r = queue_locked(lg, e, err);
	unlock(lg);
	return r;
}

int ch_replylog_append(struct ch_replylog *lg, const struct ch_log_entry *e,
		       struct ch_error *err)
{
	int r;

	lock(lg);
	r = queue_locked(lg, e, err);
	if (r == 1 && out_write(lg, err))
		r = -1;
	unlock(lg);
	return r;
}

int ch_replylog_event(struct ch_replylog *lg, const char *event,
		      json_t *fields, struct ch_error *err)
{
	char now[32];
	const char *key;
	json_t *o, *v;
	struct tm tm;
	time_t t = time(NULL);
	char *fixed = NULL;
	int rc = -1;

	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = json_object();
	json_object_set_new(o, "kind", json_string("event"));
	if (!event)
		event = "";
	v = json_string(event);
	if (!v) {
		fixed = utf8_fix(event, strlen(event));
		v = json_string(fixed);
	}
	json_object_set_new(o, "event", v ? v : json_string(""));
	json_object_set_new(o, "at", json_string(now));
	if (json_is_object(fields)) {
		json_object_foreach(fields, key, v) {
			if (strcmp(key, "kind") && strcmp(key, "event"))
				json_object_set(o, key, v);
		}
	}
	lock(lg);
	if (lg->fd < 0)
		ch_error_set(err, lg->path, 0, "the log is not open");
	else if (out_dump(lg, o))
		ch_error_set(err, lg->path, 0, "cannot serialise the event");
	else if (out_write(lg, err) == 0)
		rc = 0;
	unlock(lg);
	json_decref(o);
	free(fixed);
	return rc;
}

static int flush_locked(struct ch_replylog *lg, struct ch_error *err)
{
	if (lg->fd < 0)
		return 0;
	if ((lg->out_len || lg->torn) && out_write(lg, err))
		return -1;
	if (!lg->dirty)
		return 0;
	if (fdatasync(lg->fd)) {
		ch_error_set(err, lg->path, 0, "cannot flush the log: %s",
			     strerror(errno));
		return -1;
	}
	lg->dirty = false;
	return 0;
}

int ch_replylog_flush(struct ch_replylog *lg, struct ch_error *err)
{
	int r;

	lock(lg);
	r = flush_locked(lg, err);
	unlock(lg);
	return r;
}

size_t ch_replylog_queued(const struct ch_replylog *lg)
{
	size_t n;

	lock(lg);
	n = lg->out_len;
	unlock(lg);
	return n;
}

int ch_replylog_close(struct ch_replylog *lg, struct ch_error *err)
{
	size_t i;
	int rc = 0;

	if (!lg)
		return 0;
	if (lg->fd >= 0) {
		if (flush_locked(lg, err))
			rc = -1;
		if (close(lg->fd)) {
			ch_error_set(err, lg->path, 0, "cannot close: %s",
				     strerror(errno));
			rc = -1;
		}
	}
	for (i = 0; i < lg->cap_ids; i++)
		free(lg->ids[i]);
	free(lg->ids);
	free(lg->path);
	free(lg->out);
	json_decref(lg->enc);
	pthread_mutex_destroy(lg->mu);
	free(lg->mu);
	free(lg);
	return rc;
}
