/* poll.c - crowdsourced topics: post the poll, tally it, choose the winner. */
#include "poll.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "clock.h"
#include "plan.h"
#include "tweetlen.h"

#define CSV_MAX (1u << 20)     /* the extra votes file: at most 1 MiB */
#define VOTES_MAX 1000000000L  /* more votes in one line is a typo */

static double now_real(void)
{
	return ch_clock_now();
}

char *ch_poll_text(const struct ch_schedule *s, const struct ch_topic *t)
{
	return ch_plan_with_hashtag(t->poll.text ? t->poll.text : "",
				    s->hashtag);
}

/* The state's "poll" object (created empty if missing); borrowed. */
static json_t *poll_obj(struct ch_state *st)
{
	return ch_state_obj(st, "poll");
}

int ch_poll_winner(struct ch_state *st, size_t *winner)
{
	json_t *p = json_object_get(st->root, "poll");
	json_t *w = p ? json_object_get(p, "winner") : NULL;

	if (!json_is_integer(w) || json_integer_value(w) < 0)
		return 0;
	*winner = (size_t)json_integer_value(w);
	return 1;
}

/* ---- labels ------------------------------------------------------------ */

/* Compares a and b ignoring ASCII case and leading/trailing blanks. */
static bool label_eq(const char *a, const char *b)
{
	size_t la, lb;

	while (*a == ' ' || *a == '\t')
		a++;
	while (*b == ' ' || *b == '\t')
		b++;
	la = strlen(a);
	lb = strlen(b);
	while (la && (a[la - 1] == ' ' || a[la - 1] == '\t'))
		la--;
	while (lb && (b[lb - 1] == ' ' || b[lb - 1] == '\t'))
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* Index of the candidate whose label is label, or -1. */
static long find_label(const struct ch_topic *t, const char *label)
{
	size_t i;

	for (i = 0; i < t->n_candidates; i++)
		if (t->candidates[i].label &&
		    label_eq(t->candidates[i].label, label))
			return (long)i;
	return -1;
}

static void labels_list(const struct ch_topic *t, char *buf, size_t size)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < t->n_candidates && off < size; i++) {
		int n = snprintf(buf + off, size - off, "%s\"%s\"",
				 i ? ", " : "",
				 t->candidates[i].label ? t->candidates[i].label
							: "");
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

/* ---- extra votes (CSV) ---------------------------------------------------- */

/* One CSV record: up to 3 fields (more is an error). Fields are owned
 * copies. Returns 0, or -1 with *why set (static text). *p advances past
 * the record's end of line; *line counts the lines the record spans. */
struct csv_rec {
	char *f[3];
	bool quoted[3];
	int n;
};

static void csv_rec_free(struct csv_rec *r)
{
	int i;

	for (i = 0; i < 3; i++) {
		free(r->f[i]);
		r->f[i] = NULL;
	}
	r->n = 0;
}

static int csv_record(const char **pp, int *line, struct csv_rec *r,
		      const char **why)
{
	const char *p = *pp;
	struct ch_buf b = {0};
	int rc = 0;

	memset(r, 0, sizeof *r);
	for (;;) {
		bool quoted = false;

		/* one field */
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			quoted = true;
			p++;
			for (;;) {
				if (*p == '\0') {
					*why = "a quoted field is not closed: add the closing \"";
					rc = -1;
					goto cleanup;
				}
				if (*p == '"' && p[1] == '"') {
					ch_buf_append(&b, "\"", 1);
					p += 2;
					continue;
				}
				if (*p == '"') {
					p++;
					break;
				}
				if (*p == '\n')
					(*line)++;
				ch_buf_append(&b, p, 1);
				p++;
			}
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != ',' && *p != '\n' && *p != '\r' && *p != '\0') {
				*why = "text after a closing quote: a quoted field ends at its closing \"";
				rc = -1;
				goto cleanup;
			}
		} else {
			const char *s = p, *e;

			while (*p && *p != ',' && *p != '\n' && *p != '\r')
				p++;
			e = p;
			while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			if (memchr(s, '"', (size_t)(e - s))) {
				*why = "a quote \" inside an unquoted field: quote the whole field and double the inner quotes";
				rc = -1;
				goto cleanup;
			}
			ch_buf_append(&b, s, (size_t)(e - s));
		}
		if (r->n == 3) {
			*why = "more than two fields: write label,votes";
			rc = -1;
			goto cleanup;
		}
		r->quoted[r->n] = quoted;
		r->f[r->n++] = ch_buf_steal(&b);
		if (!r->f[r->n - 1])
			r->f[r->n - 1] = ch_xstrdup("");
		if (*p == ',') {
			p++;
			continue;
		}
		break;
	}
cleanup:
	/* skip to the end of the line (also after an error) */
	while (*p && *p != '\n')
		p++;
	if (*p == '\n')
		p++;
	*pp = p;
	ch_buf_free(&b);
	return rc;
}

/* true if the record holds only empty unquoted fields (a blank line). */
static bool csv_blank(const struct csv_rec *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->f[i][0] || r->quoted[i])
			return false;
	return true;
}

int ch_poll_extra_votes(const struct ch_topic *t, long *votes,
			struct ch_diags *d)
{
	const char *path = t->poll.extra_votes;
	struct ch_error err;
	char *text = NULL;
	const char *p;
	size_t len, i, before = d->n;
	int line = 1;
	bool first = true;
	char names[256];

	for (i = 0; i < t->n_candidates; i++)
		votes[i] = 0;
	if (!path)
		return 0;
	ch_error_clear(&err);
	text = ch_read_file(path, CSV_MAX, &len, &err);
	if (!text) {
		ch_diags_add(d, path, 0,
			     "cannot read the extra votes (poll.extra_votes in %s): %s",
			     t->path, err.text);
		goto cleanup;
	}
	if (strlen(text) != len) {
		ch_diags_add(d, path, 0,
			     "holds a NUL byte: it is not a text file; write label,votes lines");
		goto cleanup;
	}
	labels_list(t, names, sizeof names);
	p = text;
	if (strncmp(p, "\xEF\xBB\xBF", 3) == 0) /* UTF-8 byte order mark */
		p += 3;
	while (*p) {
		struct csv_rec r;
		const char *why = NULL;
		int at = line;
		char *end;
		long n, c;

		line++;
		if (csv_record(&p, &line, &r, &why) < 0) {
			ch_diags_add(d, path, at, "%s", why);
			csv_rec_free(&r);
			first = false;
			continue;
		}
		if (csv_blank(&r)) {
			csv_rec_free(&r);
			continue;
		}
		if (first && r.n == 2 && strcasecmp(r.f[0], "label") == 0 &&
		    strcasecmp(r.f[1], "votes") == 0) {
			first = false;
			csv_rec_free(&r);
			continue; /* the header line */
		}
		first = false;
		if (r.n != 2) {
			ch_diags_add(d, path, at,
				     "expected two fields, label,votes (e.g. \"Pet peeves,12\"), found %d",
				     r.n);
			csv_rec_free(&r);
			continue;
		}
		c = find_label(t, r.f[0]);
		errno = 0;
		n = strtol(r.f[1], &end, 10);
		if (!r.f[1][0] || *end || errno || n < 0 || n > VOTES_MAX) {
			ch_diags_add(d, path, at,
				     "votes \"%s\" is not a count: write a whole number from 0 to %ld",
				     r.f[1], VOTES_MAX);
		} else if (c < 0) {
			ch_diags_add(d, path, at,
				     "label \"%s\" matches no candidate of %s (%s): fix the label or remove the line",
				     r.f[0], t->path, names);
		} else if (votes[c] > VOTES_MAX - n) {
			ch_diags_add(d, path, at, "too many votes for \"%s\"",
				     r.f[0]);
		} else {
			votes[c] += n;
		}
		csv_rec_free(&r);
	}
cleanup:
	free(text);
	if (d->n > before) {
		for (i = 0; i < t->n_candidates; i++)
			votes[i] = 0;
		return -1;
	}
	return 0;
}

/* ---- choosing -------------------------------------------------------------- */

void ch_poll_choose(enum ch_tie_rule tie, struct ch_poll_tally *ta)
{
	size_t i, tied[CH_POLL_MAX_OPTIONS], nt = 0;
	long best = -1;

	ta->winner = 0;
	ta->rule = "votes";
	if (ta->n == 0)
		return;
	for (i = 0; i < ta->n && i < CH_POLL_MAX_OPTIONS; i++) {
		if (ta->total[i] > best) {
			best = ta->total[i];
			nt = 0;
		}
		if (ta->total[i] == best)
			tied[nt++] = i;
	}
	if (nt == 1) {
		ta->winner = tied[0];
		return;
	}
	if (tie == CH_TIE_RANDOM)
		ta->winner = tied[(size_t)rand() % nt];
	else
		ta->winner = tied[0];
	if (best == 0)
		ta->rule = "no-votes";
	else
		ta->rule = tie == CH_TIE_RANDOM ? "tie-random" : "tie-first";
}

int ch_poll_match(const struct ch_topic *t, const struct ch_poll_result *r,
		  long *x, struct ch_error *err)
{
	bool used[CH_POLL_MAX_OPTIONS] = {false};
	long map[CH_POLL_MAX_OPTIONS];
	size_t i, n = t->n_candidates;

	for (i = 0; i < n; i++)
		x[i] = 0;
	if (r->n_options > CH_POLL_MAX_OPTIONS) {
		ch_error_set(err, "x-api", 0,
			     "the poll on X has %zu options; a poll has 2 to 4",
			     r->n_options);
		return -1;
	}
	/* by label first, then the rest by position */
	for (i = 0; i < r->n_options; i++) {
		long c = r->options[i].label
				 ? find_label(t, r->options[i].label)
				 : -1;

		if (c >= 0 && used[c])
			c = -1;
		map[i] = c;
		if (c >= 0)
			used[c] = true;
	}
	for (i = 0; i < r->n_options; i++) {
		long pos = r->options[i].position - 1;

		if (map[i] >= 0)
			continue;
		if (pos >= 0 && (size_t)pos < n && !used[pos]) {
			map[i] = pos;
			used[pos] = true;
			continue;
		}
		ch_error_set(err, t->path, 0,
			     "the poll on X has the option \"%s\", which matches no candidate: was the topic file changed after the poll was posted? Put the label back, or decide by hand with chathost poll close",
			     r->options[i].label ? r->options[i].label : "");
		return -1;
	}
	for (i = 0; i < r->n_options; i++)
		x[map[i]] += r->options[i].votes < 0 ? 0 : r->options[i].votes;
	return 0;
}

int ch_poll_tally(struct ch_net *x, const struct ch_topic *t,
		  struct ch_state *st, struct ch_poll_tally *ta,
		  struct ch_error *err)
{
	struct ch_poll_result res;
	struct ch_diags d = {0};
	json_t *p = json_object_get(st->root, "poll");
	const char *id = ch_json_str(p, "id");
	size_t i;
	int rc = 0;

	memset(&res, 0, sizeof res);
	memset(ta, 0, sizeof *ta);
	if (t->n_candidates > CH_POLL_MAX_OPTIONS) {
		ch_error_set(err, t->path, 0,
			     "the topic file has %zu candidates; a poll offers 2 to %d",
			     t->n_candidates, CH_POLL_MAX_OPTIONS);
		return -1;
	}
	ta->n = t->n_candidates;
	ta->posted = id != NULL;
	if (ch_json_str(p, "poll_id"))
		snprintf(ta->poll_id, sizeof ta->poll_id, "%s",
			 ch_json_str(p, "poll_id"));
	if (id && x) {
		if (ch_net_poll_lookup(x, id, &res, err) < 0) {
			rc = -1;
		} else if (ch_poll_match(t, &res, ta->x, err) < 0) {
			x->last = CH_NETFAIL_BAD_RESPONSE;
			rc = -1;
		} else {
			ta->x_read = true;
			ta->closed = res.voting_status &&
				     strcmp(res.voting_status, "closed") == 0;
			if (!res.voting_status && res.end_datetime) {
				long long ms;

				if (ch_replylog_parse_time(res.end_datetime,
							   &ms) == 0)
					ta->closed = (double)ms / 1000.0 <=
						     now_real();
			}
			if (res.poll_id)
				snprintf(ta->poll_id, sizeof ta->poll_id, "%s",
					 res.poll_id);
			if (res.end_datetime)
				snprintf(ta->end_datetime,
					 sizeof ta->end_datetime, "%s",
					 res.end_datetime);
		}
	}
	if (ch_poll_extra_votes(t, ta->extra, &d) < 0) {
		if (d.n)
			ch_error_set(err, d.items[0].source, d.items[0].line,
				     "%s%s", d.items[0].text,
				     d.n > 1 ? " (and more problems in this file)"
					     : "");
		if (x && rc == 0)
			x->last = CH_NETFAIL_NONE;
		rc = -1;
	}
	for (i = 0; i < ta->n; i++)
		ta->total[i] = ta->x[i] + ta->extra[i];
	ch_poll_choose(t->poll.tie, ta);
	ch_diags_free(&d);
	ch_poll_result_free(&res);
	return rc;
}

/* ---- recording --------------------------------------------------------------- */

static json_t *votes_json(const struct ch_topic *t,
			  const struct ch_poll_tally *ta)
{
	json_t *v = json_object();
	size_t i;

	for (i = 0; i < ta->n; i++)
		json_object_set_new(v, t->candidates[i].label,
				    json_pack("{s:I, s:I, s:I}", "x",
					      (json_int_t)ta->x[i], "extra",
					      (json_int_t)ta->extra[i], "total",
					      (json_int_t)ta->total[i]));
	return v;
}

/* Writes the poll_result event line for the decision in the state, once
 * ("logged" in the state says it is written). */
static void log_result(struct ch_state *st, struct ch_replylog *log)
{
	json_t *p = json_object_get(st->root, "poll");
	json_t *f;
	struct ch_error err;
	const char *k;
	json_t *v;

	if (!log || !json_is_object(p) ||
	    json_is_true(json_object_get(p, "logged")))
		return;
	f = json_object();
	json_object_foreach(p, k, v) {
		if (strcmp(k, "id") == 0)
			json_object_set(f, "tweet_id", v);
		else if (strcmp(k, "intent_at") != 0 &&
			 strcmp(k, "logged") != 0 && strcmp(k, "text") != 0)
			json_object_set(f, k, v);
	}
	ch_error_clear(&err);
	if (ch_replylog_event(log, "poll_result", f, &err) == 0 &&
	    ch_replylog_flush(log, &err) == 0) {
		json_object_set_new(p, "logged", json_true());
		if (ch_state_save(st, &err) < 0)
			ch_log(CH_LOG_WARN, "%s: %s", err.source, err.text);
	} else {
		ch_log(CH_LOG_WARN, "%s: %s", err.source, err.text);
	}
	json_decref(f);
}

/* Records the decision in the state and saves it; on a save failure the
 * state is put back as it was. Returns 0 or -1. */
static int record(const struct ch_topic *t, struct ch_state *st,
		  const struct ch_poll_tally *ta, const char *decided_by,
		  const char *why, struct ch_error *err)
{
	json_t *p = poll_obj(st);
	json_t *old = json_deep_copy(p);
	int rc = 0;

	if (ta->x_read || t->poll.extra_votes)
		json_object_set_new(p, "votes", votes_json(t, ta));
	if (ta->poll_id[0])
		json_object_set_new(p, "poll_id", json_string(ta->poll_id));
	if (ta->x_read)
		json_object_set_new(p, "voting_status",
				    json_string(ta->closed ? "closed" : "open"));
	json_object_set_new(p, "winner", json_integer((json_int_t)ta->winner));
	json_object_set_new(p, "label",
			    json_string(t->candidates[ta->winner].label
						? t->candidates[ta->winner].label
						: ""));
	json_object_set_new(p, "decided_by", json_string(decided_by));
	json_object_set_new(p, "rule", json_string(ta->rule));
	json_object_set_new(p, "decided_at", json_real(now_real()));
	if (why)
		json_object_set_new(p, "why", json_string(why));
	json_object_del(p, "logged");
	if (ch_state_save(st, err) < 0) {
		json_object_set_new(st->root, "poll", old);
		old = NULL;
		rc = -1;
	}
	json_decref(old);
	return rc;
}

/* A decision by the tie rule is said at warn level, ahead of the chat. */
static void warn_rule(const struct ch_topic *t, const struct ch_poll_tally *ta)
{
	const char *tie = t->poll.tie == CH_TIE_RANDOM ? "random" : "first";
	struct ch_buf b = {0};
	size_t i;

	if (strcmp(ta->rule, "no-votes") == 0) {
		ch_log(CH_LOG_WARN,
		       "%s: the poll got no votes at all: hosting \"%s\" by the tie rule (poll.tie = \"%s\")",
		       t->date, t->candidates[ta->winner].label, tie);
		return;
	}
	if (strncmp(ta->rule, "tie-", 4) != 0)
		return;
	for (i = 0; i < ta->n; i++)
		if (ta->total[i] == ta->total[ta->winner])
			ch_buf_printf(&b, "%s\"%s\"", b.len ? ", " : "",
				      t->candidates[i].label);
	ch_log(CH_LOG_WARN,
	       "%s: the poll ended in a tie (%s, %ld votes each): hosting \"%s\" by the tie rule (poll.tie = \"%s\")",
	       t->date, ch_buf_str(&b), ta->total[ta->winner],
	       t->candidates[ta->winner].label, tie);
	ch_buf_free(&b);
}

int ch_poll_decide(struct ch_net *x, const struct ch_schedule *s,
		   const struct ch_topic *t, struct ch_state *st,
		   struct ch_replylog *log, bool close_now, size_t *winner,
		   struct ch_error *err)
{
	struct ch_poll_tally ta;
	const char *by;

	(void)s;
	if (ch_poll_winner(st, winner)) {
		log_result(st, log);
		return 1;
	}
	if (!t->has_poll || t->n_candidates < 2) {
		ch_error_set(err, t->path, 0,
			     "the topic file has no poll and candidates");
		return -1;
	}
	if (!ch_json_str(json_object_get(st->root, "poll"), "id") &&
	    !close_now) {
		ch_error_set(err, st->path, 0,
			     "the poll was not posted: post it with chathost poll post, or decide with chathost poll close");
		return -1;
	}
	if (ch_poll_tally(x, t, st, &ta, err) < 0)
		return -1;
	*winner = ta.winner;
	if (!close_now && !ta.closed)
		return 0;
	if (close_now)
		by = "closed-by-hand";
	else
		by = ta.rule;
	if (record(t, st, &ta, by, NULL, err) < 0)
		return -1;
	log_result(st, log);
	warn_rule(t, &ta);
	return 1;
}

size_t ch_poll_fallback(const struct ch_topic *t, struct ch_state *st,
			struct ch_replylog *log, const char *why)
{
	struct ch_poll_tally ta;
	struct ch_error err;
	size_t w;

	if (ch_poll_winner(st, &w) && w < t->n_candidates) {
		log_result(st, log);
		return w;
	}
	memset(&ta, 0, sizeof ta);
	ta.n = t->n_candidates < CH_POLL_MAX_OPTIONS ? t->n_candidates
						     : CH_POLL_MAX_OPTIONS;
	ch_poll_choose(t->poll.tie, &ta); /* all zero: the tie rule */
	ta.rule = t->poll.tie == CH_TIE_RANDOM ? "tie-random" : "tie-first";
	ch_error_clear(&err);
	if (record(t, st, &ta, "unreadable", why ? why : "unknown", &err) < 0) {
		/* keep going: the chat must be hosted; record in memory */
		ch_log(CH_LOG_ERROR, "%s: %s", err.source, err.text);
		json_object_set_new(poll_obj(st), "winner",
				    json_integer((json_int_t)ta.winner));
		json_object_set_new(poll_obj(st), "decided_by",
				    json_string("unreadable"));
	}
	log_result(st, log);
	return ta.winner;
}

/* ---- posting ------------------------------------------------------------------ */

static void log_posted(const struct ch_topic *t, struct ch_replylog *log,
		       const char *id, const char *text)
{
	json_t *f, *opts;
	size_t i;

	if (!log)
		return;
	opts = json_array();
	for (i = 0; i < t->n_candidates; i++)
		json_array_append_new(opts,
				      json_string(t->candidates[i].label
							  ? t->candidates[i].label
							  : ""));
	f = json_pack("{s:s, s:s, s:o, s:i}", "tweet_id", id, "text", text,
		      "options", opts, "duration_minutes", t->poll.duration);
	if (f) {
		ch_replylog_event(log, "poll_posted", f, NULL);
		ch_replylog_flush(log, NULL);
	}
	json_decref(f);
}

static int set_posted(const struct ch_topic *t, struct ch_state *st,
		      struct ch_replylog *log, const char *id,
		      const char *text, struct ch_error *err)
{
	json_t *p = poll_obj(st);

	json_object_set_new(p, "id", json_string(id));
	json_object_set_new(p, "posted_at", json_real(now_real()));
	log_posted(t, log, id, text);
	return ch_state_save(st, err);
}

/* The outcome of the poll's ch_publish: recorded, or said in err. */
static int poll_outcome(struct ch_publish *pb, enum ch_pub_result r,
			const struct ch_topic *t, struct ch_state *st,
			struct ch_replylog *log, const char *text,
			struct ch_error *err)
{
	switch (r) {
	case CH_PUB_POSTED:
		if (pb->found)
			ch_log(CH_LOG_INFO, "the poll was posted already (id %s)",
			       pb->id);
		return set_posted(t, st, log, pb->id, text, err);
	case CH_PUB_SKIPPED:
		if (strcmp(pb->skipped, "refused") == 0 ||
		    strcmp(pb->skipped, "exhausted") == 0) {
			/* the network's refusal: the caller falls back */
			ch_error_set(err, pb->err.source, pb->err.line, "%s",
				     pb->err.text);
			return -1;
		}
		ch_error_set(err, st->path, 0, "the poll was not posted: %s",
			     strcmp(pb->skipped, "late") == 0
				     ? "it is too late (it would close after the chat starts)"
			     : strcmp(pb->skipped, "duplicate") == 0
				     ? "the network says it is a duplicate, but it is not among the account's recent posts"
				     : "it cannot be found out whether it was posted");
		return 1;
	case CH_PUB_STOPPED:
		ch_error_set(err, st->path, 0, "stopped before the poll was posted");
		return -1;
	default:
		ch_error_set(err, pb->err.source, pb->err.line, "%s",
			     pb->err.text);
		return -1;
	}
}

int ch_poll_post(struct ch_publish *pb, const struct ch_schedule *s,
		 const struct ch_topic *t, struct ch_state *st,
		 struct ch_replylog *log, struct ch_error *err)
{
	const char *opts[CH_POLL_MAX_OPTIONS];
	struct ch_net_poll req;
	struct ch_net_post np;
	char *text = NULL;
	json_t *p;
	size_t i, w;
	int rc = -1;
	enum ch_pub_result r;

	if (!t->has_poll || t->n_candidates < 2 ||
	    t->n_candidates > CH_POLL_MAX_OPTIONS) {
		ch_error_set(err, t->path, 0,
			     "the topic file has no poll with 2 to 4 candidates");
		return -1;
	}
	p = poll_obj(st);
	if (ch_json_str(p, "id") || ch_poll_winner(st, &w))
		return 0; /* posted already, or decided: never a second poll */
	text = ch_poll_text(s, t);
	pb->what = "the poll";
	memset(&np, 0, sizeof np);
	if (json_object_get(p, "intent_at") && ch_json_str(p, "text")) {
		/* an earlier run may have posted it and died before it could
		 * record the id: look before posting again */
		np.text = ch_json_str(p, "text");
		pb->intent_at = ch_json_num(p, "intent_at", 0);
		r = ch_publish_resolve(pb, &np);
		if (r == CH_PUB_UNREADABLE && !pb->me_id) {
			ch_error_set(err, st->path, 0,
				     "an earlier run started posting the poll but did not record its id; cannot check the account's posts");
			goto cleanup;
		}
		if (r == CH_PUB_UNREADABLE) {
			ch_error_set(err, st->path, 0,
				     "an earlier run started posting the poll but did not record its id, and the account's posts cannot be read");
			goto cleanup;
		}
		if (r != CH_PUB_NOT_FOUND) {
			rc = poll_outcome(pb, r, t, st, log, np.text, err);
			goto cleanup;
		}
	}
	json_object_set_new(p, "text", json_string(text));
	json_object_set_new(p, "intent_at", json_real(now_real()));
	if (ch_state_save(st, err) < 0)
		goto cleanup; /* no post without the intent on disk */
	for (i = 0; i < t->n_candidates; i++)
		opts[i] = t->candidates[i].label;
	req.options = opts;
	req.n_options = t->n_candidates;
	req.duration_minutes = t->poll.duration;
	np.text = text;
	np.poll = &req;
	pb->intent_at = ch_json_num(p, "intent_at", 0);
	r = ch_publish(pb, &np);
	rc = poll_outcome(pb, r, t, st, log, text, err);
cleanup:
	free(text);
	return rc;
}

/* ---- preview and check ----------------------------------------------------------- */

int ch_poll_preview_winner(const struct ch_schedule *s,
			   const struct ch_topic *t, size_t *winner,
			   struct ch_error *err)
{
	char *path = ch_chat_state_path(s, t->date, false);
	struct ch_state st = {0};
	const char *label;
	size_t w;
	long c;
	int rc = 0;

	if (access(path, F_OK) != 0)
		goto cleanup;
	if (ch_state_open(&st, path, err) < 0) {
		rc = -1;
		goto cleanup;
	}
	if (!ch_poll_winner(&st, &w))
		goto cleanup;
	label = ch_json_str(json_object_get(st.root, "poll"), "label");
	c = label ? find_label(t, label) : -1;
	if (c >= 0) {
		*winner = (size_t)c;
		rc = 1;
	} else if (w < t->n_candidates) {
		*winner = w;
		rc = 1;
	}
cleanup:
	ch_state_free(&st);
	free(path);
	return rc;
}

int ch_poll_check(const struct ch_schedule *s, const struct ch_topic *t,
		  struct ch_diags *d)
{
	long votes[CH_POLL_MAX_OPTIONS];
	size_t before = d->n;
	char *text, *whole;
	int line;

	if (!t->has_poll || !t->poll.text)
		return 0;
	line = t->poll.text_line ? t->poll.text_line : t->poll.line;
	if (s->n_nets > 0) {
		const struct ch_net_ops *ops = ch_net_find(s->nets[0].name);

		/* the poll goes out on the chat's first network */
		if (ops && !ops->poll_lookup)
			ch_diags_add(d, t->path, t->poll.line,
				     "the poll is posted on the chat's first network, %s, which has no polls: list a network with polls (x) first in the schedule's networks",
				     ops->title);
	}
	text = ch_poll_text(s, t);
	whole = ch_xasprintf("the poll's post (poll.text and %s)", s->hashtag);
	ch_plan_check_nets(s, text, "poll.text", whole, t->path, line, true, d);
	free(whole);
	free(text);
	if (t->poll.extra_votes && access(t->poll.extra_votes, F_OK) == 0 &&
	    t->n_candidates <= CH_POLL_MAX_OPTIONS)
		ch_poll_extra_votes(t, votes, d);
	return d->n > before ? -1 : 0;
}
