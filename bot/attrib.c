/* attrib.c - answer labels and the attribution rules (see attrib.h). */
#include "attrib.h"
#include "replylog.h"

#include <math.h>
#include <string.h>

#include "chtime.h"

#define MAX_MENTIONS 64
#define MAX_OPENERS 3

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_opener(unsigned char c)
{
	return c == '(' || c == '[' || c == '{' || c == '"' || c == '\'' ||
	       c == '*';
}

/* Reads 1-3 digits at *p not followed by a letter or digit. Returns the
 * number (0 allowed) and advances *p, or -1. */
static int read_number(const unsigned char *s, size_t len, size_t *p)
{
	size_t q = *p;
	int v = 0, n = 0;

	while (q < len && is_digit(s[q])) {
		if (++n > 3)
			return -1;
		v = v * 10 + (s[q] - '0');
		q++;
	}
	if (n == 0 || (q < len && is_alnum(s[q])))
		return -1;
	*p = q;
	return v;
}

/* 1 if a dash (ASCII "-", en or em dash) starts at q; its length in *n. */
static int dash_at(const unsigned char *s, size_t len, size_t q, size_t *n)
{
	if (s[q] == '-') {
		*n = 1;
		return 1;
	}
	if (q + 2 < len && s[q] == 0xE2 && s[q + 1] == 0x80 &&
	    (s[q + 2] == 0x93 || s[q + 2] == 0x94)) {
		*n = 3;
		return 1;
	}
	return 0;
}

/* Punctuation that ends the spaced form "A 1)" (q: first byte after the
 * digits and any spaces). */
static int spaced_end_ok(const unsigned char *s, size_t len, size_t q)
{
	size_t n;

	if (q >= len)
		return 1;
	switch (s[q]) {
	case ':': case ')': case '.': case ',': case '/': case '&': case ']':
		return 1;
	default:
		break;
	}
	if (dash_at(s, len, q, &n))
		return q + n >= len || is_space(s[q + n]);
	return 0;
}

/* Tries a label at word start p. Returns 1 and fills out, or 0. */
static int label_at(const unsigned char *s, size_t len, size_t p,
		    int first_word, struct ch_label *out)
{
	size_t q = p, end;
	int upper, spaced = 0, v;

	while (q < len && q - p < MAX_OPENERS && is_opener(s[q]))
		q++;
	if (q >= len || (s[q] != 'A' && s[q] != 'a'))
		return 0;
	upper = s[q] == 'A';
	q++;
	while (q < len && (s[q] == ' ' || s[q] == '\t')) {
		spaced = 1;
		q++;
	}
	v = read_number(s, len, &q);
	if (v <= 0)
		return 0;
	end = q;
	if (spaced) {
		size_t r = q;

		if (!upper && !first_word)
			return 0;
		while (r < len && (s[r] == ' ' || s[r] == '\t'))
			r++;
		if (!spaced_end_ok(s, len, r))
			return 0;
	}
	out->question = v;
	out->offset = p;
	/* further numbers: "&2", "/2", "+A2", " & 2" */
	for (;;) {
		size_t r = q;
		int w;

		while (r < len && s[r] == ' ')
			r++;
		if (r >= len || (s[r] != '&' && s[r] != '/' && s[r] != '+'))
			break;
		r++;
		while (r < len && s[r] == ' ')
			r++;
		if (r < len && (s[r] == 'A' || s[r] == 'a'))
			r++;
		w = read_number(s, len, &r);
		if (w <= 0)
			break;
		if (out->n_more < CH_LABEL_MORE)
			out->more[out->n_more++] = w;
		q = end = r;
	}
	out->length = end - p;
	return 1;
}

int ch_label_parse(const char *text, size_t len, struct ch_label *out)
{
	const unsigned char *s = (const unsigned char *)text;
	struct ch_label tmp;
	size_t p = 0;
	int i;

	if (!out)
		out = &tmp;
	memset(out, 0, sizeof *out);
	if (!s)
		return 0;
	while (p < len && is_space(s[p]))
		p++;
	/* leading mentions: "@a @b", ".@a" */
	for (i = 0; i < MAX_MENTIONS && p < len; i++) {
		if (!(s[p] == '@' ||
		      (s[p] == '.' && p + 1 < len && s[p + 1] == '@')))
			break;
		while (p < len && !is_space(s[p]))
			p++;
		while (p < len && is_space(s[p]))
			p++;
	}
	for (i = 0; i < CH_LABEL_WORDS && p < len; i++) {
		if (label_at(s, len, p, i == 0, out))
			return out->question;
		while (p < len && !is_space(s[p]))
			p++;
		while (p < len && is_space(s[p]))
			p++;
	}
	memset(out, 0, sizeof *out);
	return 0;
}

int ch_attrib_open_question(const struct ch_attrib_ctx *ctx, double created)
{
	double best = -1;
	int q = 0, i;

	if (!(created >= 0)) /* NaN too */
		return 0;
	if (ctx->wrapup_time > 0 && created >= floor(ctx->wrapup_time))
		return 0;
	for (i = 0; ctx->q_times && i < ctx->n_questions; i++) {
		double t = ctx->q_times[i];

		if (t > 0 && created >= floor(t) && t >= best) {
			best = t;
			q = i + 1;
		}
	}
	return q;
}

static int same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Question number of the Qn post with this id, 0 if none. */
static int question_by_id(const struct ch_attrib_ctx *ctx, const char *id)
{
	int i;

	if (!id || !ctx->q_ids)
		return 0;
	for (i = 0; i < ctx->n_questions; i++)
		if (same(ctx->q_ids[i], id))
			return i + 1;
	return 0;
}

void ch_attribute(const struct ch_attrib_ctx *ctx, const struct ch_msg *t,
		  double created, struct ch_attribution *out)
{
	int q;

	memset(out, 0, sizeof *out);
	out->kind = CH_KIND_OTHER;
	out->by = CH_ATTR_NONE;
	/* 1. the host's own posts */
	q = question_by_id(ctx, t->id);
	if (q || same(t->author_id, ctx->host_id) ||
	    same(t->id, ctx->intro_id) || same(t->id, ctx->wrapup_id)) {
		out->kind = CH_KIND_HOST;
		out->question = q;
		return;
	}
	/* 2. a label */
	if (t->text &&
	    ch_label_parse(t->text, strlen(t->text), &out->label) > 0 &&
	    (ctx->n_questions <= 0 || out->label.question <= ctx->n_questions)) {
		out->kind = CH_KIND_ANSWER;
		out->question = out->label.question;
		out->by = CH_ATTR_LABEL;
		return;
	}
	/* 3. a reply to a question post */
	q = question_by_id(ctx, t->in_reply_to_id);
	if (q) {
		out->kind = CH_KIND_ANSWER;
		out->question = q;
		out->by = CH_ATTR_REPLY;
		return;
	}
	/* 4. the question open at the time */
	if (t->in_reply_to_id ||
	    (same(t->conversation_id, ctx->intro_id)))
		out->kind = CH_KIND_REPLY;
	out->question = ch_attrib_open_question(ctx, created);
	out->by = out->question ? CH_ATTR_TIME : CH_ATTR_NONE;
}

int ch_attrib_parse_time(const char *s, double *out)
{
	long long ms;

	if (!s || ch_replylog_parse_time(s, &ms) < 0)
		return -1;
	*out = (double)ms / 1000.0;
	return 0;
}
