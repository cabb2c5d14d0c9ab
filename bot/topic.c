/*
 * topic.c - the topic file (topics/YYYY-MM-DD.conf): one topic, or 2-4
 * candidates and a poll. Every problem is reported as FILE:LINE: message.
 *
 * Checks that need the schedule too (the date is on the chat's weekday,
 * the poll closes before the chat, post lengths) live in plan.c.
 */
#include "topic.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfgcheck.h"
#include "chtime.h"

#define LABEL_MAX 25
#define MIN_CANDIDATES 2
#define MAX_CANDIDATES 4
#define POLL_MIN 5
#define POLL_MAX 10080

static const char *const top_keys[] = {
	"date", "title", "intro", "questions", "wrapup", "poll", "candidates",
	NULL};
static const char *const body_keys[] = {
	"label", "title", "intro", "questions", "wrapup", NULL};
static const char *const poll_keys[] = {
	"text", "post_at", "duration", "extra_votes", "tie", NULL};
static const char *const question_keys[] = {"text", "at", NULL};
static const char *const single_keys[] = {
	"title", "intro", "questions", "wrapup", NULL};

/* A text setting that must not be empty: returns 1 and sets *out (owned
 * copy) if present and valid, 0 if absent, -1 if invalid (reported). */
static int get_text(const struct ch_cfg *c, const config_setting_t *g,
		    const char *key, const char *name, char **out, int *line,
		    struct ch_diags *d)
{
	const char *v = NULL;
	int r = ch_cfg_string(c, g, key, name, "a string", &v, line, d);

	if (r != 1)
		return r;
	if (ch_blank(v)) {
		ch_diags_add(d, c->path, *line,
			     "%s is empty: write the text between the quotes",
			     name);
		return -1;
	}
	free(*out);
	*out = ch_xstrdup(v);
	return 1;
}

static void load_question(const struct ch_cfg *c, config_setting_t *q,
			  struct ch_question *out, size_t idx, const char *pfx,
			  struct ch_diags *d)
{
	char name[64];
	int t = config_setting_type(q);
	int line = ch_cfg_line(c, q);

	snprintf(name, sizeof name, "%squestion %zu", pfx, idx + 1);
	out->at = -1;
	out->line = line;
	if (t == CONFIG_TYPE_STRING) {
		const char *v = config_setting_get_string(q);

		if (ch_blank(v))
			ch_diags_add(d, c->path, line,
				     "%s is empty: write the question between "
				     "the quotes", name);
		else
			out->text = ch_xstrdup(v);
	} else if (t == CONFIG_TYPE_GROUP) {
		char tname[80];
		int r, at = -1, at_line = line;

		ch_cfg_check_keys(c, q, question_keys, "in a question", d);
		snprintf(tname, sizeof tname, "%s text", name);
		r = get_text(c, q, "text", tname, &out->text, &line, d);
		if (r == 0)
			ch_diags_add(d, c->path, out->line,
				     "%s has no text: write { text = \"...\"; "
				     "at = 25; }", name);
		else if (r == 1)
			out->line = line;
		snprintf(tname, sizeof tname, "%s: at", name);
		r = ch_cfg_int(c, q, "at", tname,
			       "a whole number of minutes after the intro",
			       &at, &at_line, d);
		if (r == 1 && at < 0)
			ch_diags_add(d, c->path, at_line,
				     "%s: at = %d is negative; give the minutes "
				     "after the intro (0 or more)", name, at);
		else if (r == 1)
			out->at = at;
	} else {
		ch_cfg_type_error(c, q, name,
				  "a string or a group { text = \"...\"; at = "
				  "25; }", d);
	}
	if (!out->text)
		out->text = ch_xstrdup("");
}

static void load_questions(const struct ch_cfg *c, const config_setting_t *g,
			   struct ch_topic_body *b, const char *pfx, int gline,
			   struct ch_diags *d)
{
	config_setting_t *qs = config_setting_get_member(g, "questions");
	char name[64];
	int t, n, i;

	snprintf(name, sizeof name, "%squestions", pfx);
	if (!qs) {
		ch_diags_add(d, c->path, gline,
			     "%smissing questions: add questions = ( \"...\", "
			     "\"...\" ); (1 to %d)", pfx, CH_MAX_QUESTIONS);
		return;
	}
	t = config_setting_type(qs);
	if (t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_ARRAY) {
		ch_cfg_type_error(c, qs, name,
				  "a list ( \"question 1\", \"question 2\" )",
				  d);
		return;
	}
	n = config_setting_length(qs);
	if (n < 1 || n > CH_MAX_QUESTIONS) {
		ch_diags_add(d, c->path, ch_cfg_line(c, qs),
			     "%s: a chat has 1 to %d questions; this one has %d",
			     name, CH_MAX_QUESTIONS, n);
		if (n < 1)
			return;
	}
	b->questions = ch_xcalloc((size_t)n, sizeof *b->questions);
	b->n_questions = (size_t)n;
	for (i = 0; i < n; i++)
		load_question(c, config_setting_get_elem(qs, (unsigned)i),
			      &b->questions[i], (size_t)i, pfx, d);
}

/* Loads title/intro/questions/wrapup (and label for candidates) from
 * group g. pfx names the group in messages ("" or "candidate 2: "). */
static void load_body(const struct ch_cfg *c, const config_setting_t *g,
		      struct ch_topic_body *b, bool candidate, const char *pfx,
		      int gline, struct ch_diags *d)
{
	char name[64];
	int r;

	b->line = gline;
	if (candidate) {
		snprintf(name, sizeof name, "%slabel", pfx);
		r = get_text(c, g, "label", name, &b->label, &b->label_line, d);
		if (r == 0)
			ch_diags_add(d, c->path, gline,
				     "%shas no label: add label = \"...\"; (the "
				     "poll option, 1 to %d characters)", pfx,
				     LABEL_MAX);
		if (!b->label)
			b->label_line = b->label_line ? b->label_line : gline;
	}
	snprintf(name, sizeof name, "%stitle", pfx);
	get_text(c, g, "title", name, &b->title, &b->title_line, d);
	snprintf(name, sizeof name, "%sintro", pfx);
	r = get_text(c, g, "intro", name, &b->intro, &b->intro_line, d);
	if (r == 0)
		ch_diags_add(d, c->path, gline,
			     "%smissing intro: add intro = \"Welcome to ...\"; "
			     "(the first post of the chat)", pfx);
	load_questions(c, g, b, pfx, gline, d);
	snprintf(name, sizeof name, "%swrapup", pfx);
	r = get_text(c, g, "wrapup", name, &b->wrapup, &b->wrapup_line, d);
	if (r == 0)
		ch_diags_add(d, c->path, gline,
			     "%smissing wrapup: add wrapup = \"Thanks for "
			     "joining ...\"; (the last post)", pfx);
	/* never leave NULL texts behind, even in an invalid file */
	if (!b->title)
		b->title = ch_xstrdup(b->label ? b->label : "");
	if (!b->intro)
		b->intro = ch_xstrdup("");
	if (!b->wrapup)
		b->wrapup = ch_xstrdup("");
	if (!b->questions)
		b->questions = ch_xcalloc(1, sizeof *b->questions);
}

/* ASCII case-insensitive comparison (labels are compared this way). */
static bool same_label(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

static void check_label(const struct ch_cfg *c, struct ch_topic_body *b,
			const char *pfx, struct ch_diags *d)
{
	long n;

	if (!b->label)
		return;
	n = ch_utf8_count(b->label);
	if (n < 0)
		ch_diags_add(d, c->path, b->label_line,
			     "%slabel is not valid UTF-8: save the file as "
			     "UTF-8", pfx);
	else if (n > LABEL_MAX)
		ch_diags_add(d, c->path, b->label_line,
			     "%slabel \"%s\" has %ld characters; a poll option "
			     "has 1 to %d: shorten it", pfx, b->label, n,
			     LABEL_MAX);
	else if (strpbrk(b->label, "\n\r\t"))
		ch_diags_add(d, c->path, b->label_line,
			     "%slabel holds a line break or tab: a poll "
			     "option is one line", pfx);
}

static void load_poll(const struct ch_cfg *c, config_setting_t *p,
		      struct ch_topic *t, struct ch_diags *d)
{
	struct ch_poll_spec *ps = &t->poll;
	const char *v = NULL;
	char *dir;
	int r, y, m, dd, h, mi;

	ps->line = ch_cfg_line(c, p);
	ps->duration = 0;
	ps->tie = CH_TIE_FIRST;
	if (!config_setting_is_group(p)) {
		ch_cfg_type_error(c, p, "poll",
				  "a group { text = ...; post_at = ...; "
				  "duration = ...; }", d);
		return;
	}
	ch_cfg_check_keys(c, p, poll_keys, "in poll", d);
	r = get_text(c, p, "text", "poll.text", &ps->text, &ps->text_line, d);
	if (r == 0)
		ch_diags_add(d, c->path, ps->line,
			     "poll has no text: add text = \"What should we "
			     "chat about?\";");

	r = ch_cfg_string(c, p, "post_at", "poll.post_at",
			  "a string \"YYYY-MM-DD HH:MM\"", &v, &ps->post_at_line,
			  d);
	if (r == 0) {
		ch_diags_add(d, c->path, ps->line,
			     "poll has no post_at: add post_at = \"YYYY-MM-DD "
			     "HH:MM\"; (local time in the schedule's time "
			     "zone)");
	} else if (r == 1) {
		char datepart[11];
		size_t len = strlen(v);

		if (len == 16 && v[10] == ' ')
			memcpy(datepart, v, 10);
		datepart[10] = '\0';
		if (len != 16 || v[10] != ' ' ||
		    ch_parse_date(datepart, &y, &m, &dd) != 0 ||
		    !isdigit((unsigned char)v[11]) ||
		    ch_parse_hhmm(v + 11, &h, &mi) != 0)
			ch_diags_add(d, c->path, ps->post_at_line,
				     "poll.post_at \"%s\" is not a date and "
				     "time: write \"YYYY-MM-DD HH:MM\" (24-hour"
				     " local time, e.g. \"2026-11-24 14:00\")",
				     v);
		else {
			ps->post_at = ch_xstrdup(v);
			ps->post_at_ymdhm[0] = y;
			ps->post_at_ymdhm[1] = m;
			ps->post_at_ymdhm[2] = dd;
			ps->post_at_ymdhm[3] = h;
			ps->post_at_ymdhm[4] = mi;
		}
	}

	r = ch_cfg_int(c, p, "duration", "poll.duration",
		       "a whole number of minutes", &ps->duration,
		       &ps->duration_line, d);
	if (r == 0)
		ch_diags_add(d, c->path, ps->line,
			     "poll has no duration: add duration = 1440; "
			     "(minutes the poll stays open, %d to %d)",
			     POLL_MIN, POLL_MAX);
	else if (r == 1 && (ps->duration < POLL_MIN || ps->duration > POLL_MAX))
		ch_diags_add(d, c->path, ps->duration_line,
			     "poll.duration = %d is out of range: a poll stays "
			     "open %d to %d minutes (7 days)", ps->duration,
			     POLL_MIN, POLL_MAX);

	v = NULL;
	r = ch_cfg_string(c, p, "extra_votes", "poll.extra_votes",
			  "a string (the path of a CSV file)", &v,
			  &ps->extra_votes_line, d);
	if (r == 1 && ch_blank(v)) {
		ch_diags_add(d, c->path, ps->extra_votes_line,
			     "poll.extra_votes is empty: give the path of a "
			     "label,votes CSV file or remove the setting");
	} else if (r == 1) {
		dir = ch_dirname(t->path);
		ps->extra_votes = ch_path_resolve(dir, v);
		free(dir);
	}

	v = NULL;
	r = ch_cfg_string(c, p, "tie", "poll.tie", "a string", &v, NULL, d);
	if (r == 1) {
		if (strcasecmp(v, "first") == 0)
			ps->tie = CH_TIE_FIRST;
		else if (strcasecmp(v, "random") == 0)
			ps->tie = CH_TIE_RANDOM;
		else
			ch_diags_add(d, c->path,
				     ch_cfg_line(c, config_setting_get_member(
							    p, "tie")),
				     "poll.tie \"%s\" is not a tie rule: write "
				     "\"first\" (the first candidate listed "
				     "wins) or \"random\"", v);
	}
}

static void load_candidates(const struct ch_cfg *c, config_setting_t *cs,
			    struct ch_topic *t, struct ch_diags *d)
{
	int n, i, j, type = config_setting_type(cs);
	char pfx[32];

	if (type != CONFIG_TYPE_LIST) {
		ch_cfg_type_error(c, cs, "candidates",
				  "a list ( { label = ...; ... }, { ... } )", d);
		return;
	}
	n = config_setting_length(cs);
	if (n < MIN_CANDIDATES || n > MAX_CANDIDATES)
		ch_diags_add(d, c->path, ch_cfg_line(c, cs),
			     "a poll offers %d to %d candidates; this file has "
			     "%d", MIN_CANDIDATES, MAX_CANDIDATES, n);
	if (n == 0)
		return;
	t->candidates = ch_xcalloc((size_t)n, sizeof *t->candidates);
	t->n_candidates = (size_t)n;
	for (i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(cs, (unsigned)i);
		struct ch_topic_body *b = &t->candidates[i];
		int gline = ch_cfg_line(c, g);

		snprintf(pfx, sizeof pfx, "candidate %d: ", i + 1);
		if (!config_setting_is_group(g)) {
			char name[32];

			snprintf(name, sizeof name, "candidate %d", i + 1);
			ch_cfg_type_error(c, g, name,
					  "a group { label = ...; intro = ...; "
					  "questions = ...; wrapup = ...; }", d);
			b->line = gline;
			b->title = ch_xstrdup("");
			b->intro = ch_xstrdup("");
			b->wrapup = ch_xstrdup("");
			b->label = ch_xstrdup("");
			b->questions = ch_xcalloc(1, sizeof *b->questions);
			continue;
		}
		ch_cfg_check_keys(c, g, body_keys, "in a candidate", d);
		load_body(c, g, b, true, pfx, gline, d);
		check_label(c, b, pfx, d);
		if (!b->label)
			continue;
		for (j = 0; j < i; j++) {
			if (t->candidates[j].label &&
			    same_label(t->candidates[j].label, b->label)) {
				ch_diags_add(d, c->path, b->label_line,
					     "%slabel \"%s\" is already used by "
					     "candidate %d (line %d): poll "
					     "options must differ", pfx,
					     b->label, j + 1,
					     t->candidates[j].label_line);
				break;
			}
		}
	}
	/* the contract: candidates always have a label (never NULL) */
	for (i = 0; i < n; i++) {
		if (!t->candidates[i].label)
			t->candidates[i].label = ch_xstrdup("");
	}
}

int ch_topic_load(struct ch_topic *t, const char *path, struct ch_diags *d)
{
	struct ch_cfg c = {0};
	config_setting_t *root, *poll, *cands;
	size_t before = d->n, k;
	const char *v = NULL;
	int r, y, m, dd;

	memset(t, 0, sizeof *t);
	t->path = ch_xstrdup(path);
	c.warn = &t->warnings;
	if (ch_cfg_open(&c, path, d) != 0)
		goto cleanup;
	root = config_root_setting(&c.cfg);
	ch_cfg_check_keys(&c, root, top_keys, "", d);

	r = ch_cfg_string(&c, root, "date", "date", "a string \"YYYY-MM-DD\"",
			  &v, &t->date_line, d);
	if (r == 0)
		ch_diags_add(d, path, 0,
			     "missing required setting \"date\": add e.g. "
			     "date = \"2026-12-01\"; (the chat's date)");
	else if (r == 1 && ch_parse_date(v, &y, &m, &dd) != 0)
		ch_diags_add(d, path, t->date_line,
			     "date \"%s\" is not a real date: write YYYY-MM-DD,"
			     " e.g. \"2026-12-01\"", v);
	else if (r == 1)
		memcpy(t->date, v, sizeof t->date); /* validated: 10 chars + NUL */

	poll = config_setting_get_member(root, "poll");
	cands = config_setting_get_member(root, "candidates");
	if (poll || cands) {
		t->has_poll = poll != NULL;
		for (k = 0; single_keys[k]; k++) {
			config_setting_t *x =
				config_setting_get_member(root, single_keys[k]);

			if (x)
				ch_diags_add(d, path, ch_cfg_line(&c, x),
					     "%s does not belong beside a poll: "
					     "a file holds either one topic "
					     "(title, intro, questions, wrapup) "
					     "or candidates and a poll; move it "
					     "into each candidate",
					     single_keys[k]);
		}
		if (poll)
			load_poll(&c, poll, t, d);
		else
			ch_diags_add(d, path, ch_cfg_line(&c, cands),
				     "candidates need a poll to choose between "
				     "them: add poll = { text = \"...\"; "
				     "post_at = \"YYYY-MM-DD HH:MM\"; duration "
				     "= 1440; };");
		if (cands)
			load_candidates(&c, cands, t, d);
		else
			ch_diags_add(d, path, ch_cfg_line(&c, poll),
				     "a poll needs candidates: add candidates ="
				     " ( { label = \"...\"; intro = \"...\"; "
				     "questions = ( \"...\" ); wrapup = \"...\";"
				     " }, ... );");
	} else {
		t->candidates = ch_xcalloc(1, sizeof *t->candidates);
		t->n_candidates = 1;
		load_body(&c, root, &t->candidates[0], false, "", 0, d);
	}
cleanup:
	ch_cfg_close(&c);
	return d->n > before ? -1 : 0;
}

static void body_free(struct ch_topic_body *b)
{
	size_t i;

	free(b->label);
	free(b->title);
	free(b->intro);
	free(b->wrapup);
	for (i = 0; i < b->n_questions; i++)
		free(b->questions[i].text);
	free(b->questions);
}

void ch_topic_free(struct ch_topic *t)
{
	size_t i;

	if (!t)
		return;
	free(t->path);
	for (i = 0; i < t->n_candidates; i++)
		body_free(&t->candidates[i]);
	free(t->candidates);
	free(t->poll.text);
	free(t->poll.post_at);
	free(t->poll.extra_votes);
	ch_diags_free(&t->warnings);
	memset(t, 0, sizeof *t);
}

char *ch_topic_path(const char *topics_dir, const char *date)
{
	return ch_xasprintf("%s/%s.conf", topics_dir, date);
}

int ch_poll_post_at(const struct ch_poll_spec *ps, const char *tz,
		    time_t *out)
{
	const int *v = ps->post_at_ymdhm;

	if (!ps->post_at || !tz)
		return -1;
	return ch_local_to_utc(tz, v[0], v[1], v[2], v[3], v[4], out, NULL);
}
