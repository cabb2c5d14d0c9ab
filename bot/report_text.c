/* report_text.c - the report for the terminal (text, 100 columns) and as
 * CSV (RFC 4180), plus the column-width helpers. */
#include "report_model.h"
#include "net/net.h"
#include "chtime.h"

#include <string.h>
#include <time.h>

#define COLS 100

const char *ch_rp_username(const struct ch_rp_author *a)
{
	return a->username ? a->username : a->author_id;
}

void ch_rp_fmt_time(long long ms, char *buf, size_t size, bool hhmm)
{
	time_t t;
	struct tm tm;

	if (ms == CH_RP_NONE) {
		snprintf(buf, size, "-");
		return;
	}
	t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	gmtime_r(&t, &tm);
	if (hhmm)
		strftime(buf, size, "%H:%M", &tm);
	else
		strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void ch_rp_fmt_iso_ms(long long ms, char *buf, size_t size)
{
	if (ms == CH_RP_NONE)
		snprintf(buf, size, "-");
	else
		ch_format_time_ms(ms, buf, size);
}

/* The zone's offset is looked up once per quarter hour of time shown
 * (every zone changes its offset on a quarter hour): a transcript of
 * thousands of posts loads the zone a handful of times. */
static char off_tz[128];
static long long off_key = -1;
static long off_sec;

void ch_rp_fmt_hhmm(const struct ch_rp *r, long long ms, char *buf,
		    size_t size)
{
	time_t t;
	struct tm tm;
	long long key;

	if (ms == CH_RP_NONE || !r->tz) {
		ch_rp_fmt_time(ms, buf, size, true);
		return;
	}
	t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	key = (long long)(t >= 0 ? t / 900 : (t - 899) / 900);
	if (off_key != key || strcmp(off_tz, r->tz) != 0) {
		if (ch_utc_to_local(r->tz, t, &tm, &off_sec) < 0)
			off_sec = 0;
		snprintf(off_tz, sizeof off_tz, "%s", r->tz);
		off_key = strlen(r->tz) < sizeof off_tz ? key : -1;
	}
	t += (time_t)off_sec;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%H:%M", &tm);
}

const char *ch_rp_zone(const struct ch_rp *r)
{
	return r->tz ? r->tz : "UTC";
}

/* Decodes one code point; *n its length (1 for a bad byte, cp -1). */
static long decode(const unsigned char *p, size_t *n)
{
	if (p[0] < 0x80) {
		*n = 1;
		return p[0];
	}
	if ((p[0] & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
		*n = 2;
		return ((long)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
	}
	if ((p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 &&
	    (p[2] & 0xC0) == 0x80) {
		*n = 3;
		return ((long)(p[0] & 0x0F) << 12) | ((long)(p[1] & 0x3F) << 6) |
		       (p[2] & 0x3F);
	}
	if ((p[0] & 0xF8) == 0xF0 && (p[1] & 0xC0) == 0x80 &&
	    (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80) {
		*n = 4;
		return ((long)(p[0] & 0x07) << 18) |
		       ((long)(p[1] & 0x3F) << 12) |
		       ((long)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
	}
	*n = 1;
	return -1;
}

static int cp_width(long cp)
{
	if (cp < 0)
		return 1;
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return 0;
	if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x0483 && cp <= 0x0489) ||
	    (cp >= 0x0591 && cp <= 0x05BD) || (cp >= 0x064B && cp <= 0x065F) ||
	    (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
	    (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x20D0 && cp <= 0x20FF) ||
	    (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFE20 && cp <= 0xFE2F) ||
	    cp == 0xFEFF || (cp >= 0xE0000 && cp <= 0xE01EF))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
	    (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	    (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	    (cp >= 0xFFE0 && cp <= 0xFFE6) ||
	    (cp >= 0x1F300 && cp <= 0x1F64F) ||
	    (cp >= 0x1F680 && cp <= 0x1F6FF) ||
	    (cp >= 0x1F900 && cp <= 0x1F9FF) ||
	    (cp >= 0x20000 && cp <= 0x3FFFD))
		return 2;
	return 1;
}

int ch_rp_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;
	int w = 0;

	while (*p) {
		w += cp_width(decode(p, &n));
		p += n;
	}
	return w;
}

void ch_rp_pad(struct ch_buf *b, const char *s, int width, bool left)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	struct ch_buf tmp = {0};
	int w = 0, cw, total = 0;
	size_t n;
	long cp;

	/* does it fit? */
	total = ch_rp_width((const char *)p);
	while (*p) {
		cp = decode(p, &n);
		if (cp == '\n' || cp == '\t' || cp == '\r') {
			cp = ' ';
			cw = 1;
		} else {
			cw = cp_width(cp);
		}
		if (total > width && w + cw > width - 1)
			break;
		if (w + cw > width)
			break;
		if (cp == ' ' && n == 1)
			ch_buf_puts(&tmp, " ");
		else if (cp < 0)
			ch_buf_puts(&tmp, "?");
		else if (cw > 0 || cp >= 0x20)
			ch_buf_append(&tmp, p, n);
		w += cw;
		p += n;
	}
	if (*p) {
		ch_buf_puts(&tmp, "\xE2\x80\xA6"); /* … */
		w++;
	}
	if (!left)
		for (; w < width; w++)
			ch_buf_puts(b, " ");
	ch_buf_append(b, tmp.data ? tmp.data : "", tmp.len);
	if (left)
		for (; w < width; w++)
			ch_buf_puts(b, " ");
	ch_buf_free(&tmp);
}

static void pad_num(struct ch_buf *b, long v, int width)
{
	char t[32];

	snprintf(t, sizeof t, "%ld", v);
	ch_rp_pad(b, t, width, false);
}

static void fmt_delay(long long ms, char *buf, size_t size)
{
	long long s;

	if (ms == CH_RP_NONE) {
		snprintf(buf, size, "-");
		return;
	}
	s = ms / 1000;
	if (ms <= -1000) /* answered before the question was logged */
		snprintf(buf, size, "-%lld:%02lld", (-s) / 60, (-s) % 60);
	else if (ms < 0)
		snprintf(buf, size, "0:00");
	else
		snprintf(buf, size, "%lld:%02lld", s / 60, s % 60);
}

static void who(struct ch_buf *b, const char *name, const char *username)
{
	if (name && name[0] && username)
		ch_buf_printf(b, "%s (@%s)", name, username);
	else if (username)
		ch_buf_printf(b, "@%s", username);
	else
		ch_buf_puts(b, name ? name : "?");
}

static void emit(struct ch_buf *line, FILE *fp)
{
	/* strip trailing spaces */
	while (line->len && line->data[line->len - 1] == ' ')
		line->data[--line->len] = '\0';
	fputs(ch_buf_str(line), fp);
	fputc('\n', fp);
	line->len = 0;
	if (line->data)
		line->data[0] = '\0';
}

static void heading(FILE *fp, const char *title)
{
	fprintf(fp, "\n%s\n", title);
	fprintf(fp, "%.*s\n", (int)strlen(title),
		"----------------------------------------------------------");
}

static void people_list(FILE *fp, const struct ch_rp *r, const int *gids,
			size_t n)
{
	struct ch_buf line = {0}, tmp = {0};
	size_t i;
	int col = 2, w;

	ch_buf_puts(&line, "  ");
	for (i = 0; i < n; i++) {
		const struct ch_rp_person *p = &r->people[gids[i]];

		tmp.len = 0;
		who(&tmp, p->name, p->username ? p->username : p->author_id);
		if (i + 1 < n)
			ch_buf_puts(&tmp, ",");
		w = ch_rp_width(ch_buf_str(&tmp));
		if (w > COLS - 4)
			w = COLS - 4;
		if (col > 2 && col + 1 + w > COLS) {
			emit(&line, fp);
			ch_buf_puts(&line, "  ");
			col = 2;
		}
		if (col > 2) {
			ch_buf_puts(&line, " ");
			col++;
		}
		ch_rp_pad(&line, ch_buf_str(&tmp), w, true);
		col += w;
	}
	if (n == 0)
		ch_buf_puts(&line, "(none)");
	emit(&line, fp);
	ch_buf_free(&line);
	ch_buf_free(&tmp);
}

/* Columns a code point takes as wrapped() shows it (see put_cp). */
static int shown_width(long cp)
{
	return cp < 0 ? 1 : cp < 0x20 ? 0 : cp_width(cp);
}

static bool is_blank(long cp)
{
	return cp == ' ' || cp == '\n' || cp == '\r' || cp == '\t';
}

/* Appends the code point at p (n bytes) as it is shown: an invalid byte as
 * "?", control characters not at all. Returns its columns. */
static int put_cp(struct ch_buf *b, const unsigned char *p, size_t n,
		  long cp)
{
	if (cp < 0)
		ch_buf_puts(b, "?");
	else if (cp >= 0x20)
		ch_buf_append(b, p, n);
	return shown_width(cp);
}

/* Text wrapped to COLS with a hanging indent: words move whole to the next
 * line; a word wider than a line (a long URL) is cut where the line ends.
 * Runs of blanks and line breaks become one space. */
static void wrapped(FILE *fp, const char *prefix, int indent, const char *s)
{
	struct ch_buf line = {0};
	const unsigned char *p = (const unsigned char *)s, *q;
	int col, ww, start;
	size_t n;
	long cp;

	ch_buf_puts(&line, prefix);
	col = start = ch_rp_width(prefix);
	for (;;) {
		while (*p && (cp = decode(p, &n), is_blank(cp)))
			p += n;
		if (!*p)
			break;
		/* the word's width */
		ww = 0;
		for (q = p; *q && (cp = decode(q, &n), !is_blank(cp)); q += n)
			ww += shown_width(cp);
		if (col > start && col + 1 + ww > COLS) {
			emit(&line, fp);
			ch_buf_printf(&line, "%*s", indent, "");
			col = start = indent;
		} else if (col > start) {
			ch_buf_puts(&line, " ");
			col++;
		}
		for (; p < q; p += n) {
			cp = decode(p, &n);
			if (col + shown_width(cp) > COLS && col > start) {
				emit(&line, fp);
				ch_buf_printf(&line, "%*s", indent, "");
				col = start = indent;
			}
			col += put_cp(&line, p, n, cp);
		}
	}
	emit(&line, fp);
	ch_buf_free(&line);
}

static void transcript_post(FILE *fp, const struct ch_rp *r,
			    const struct ch_rp_post *p, bool nets)
{
	struct ch_buf pre = {0};
	char hm[16];

	ch_rp_fmt_hhmm(r, p->ms, hm, sizeof hm);
	ch_buf_printf(&pre, "    %s  ", hm);
	if (nets)
		ch_buf_printf(&pre, "[%s] ", p->net ? p->net : "x");
	if (p->host) {
		ch_buf_puts(&pre, "HOST ");
	}
	who(&pre, p->name, p->username ? p->username : p->author_id);
	if (!p->host && p->attributed_by != CH_ATTR_NONE &&
	    p->attributed_by != CH_ATTR_LABEL)
		ch_buf_printf(&pre, " [by %s]", ch_attrib_name(p->attributed_by)
						       ? ch_attrib_name(p->attributed_by)
						       : "other");
	ch_buf_puts(&pre, ": ");
	if (ch_rp_width(ch_buf_str(&pre)) > 50) {
		wrapped(fp, ch_buf_str(&pre), 12, "");
		wrapped(fp, "            ", 12, p->text);
	} else {
		wrapped(fp, ch_buf_str(&pre), 12, p->text);
	}
	ch_buf_free(&pre);
}

/* The title line and "This chat". */
/* "X cost $1.22: 8 posts $0.120, 1 with a URL $0.200, 213 posts read
 * of which 180 billed $0.900". */
static void cost_line(FILE *fp, const struct ch_rp_cost *k)
{
	const struct ch_net_ops *ops = ch_net_find(k->net);

	/* to the tenth of a cent, as its parts: $0.185, never "$0.18" */
	fprintf(fp, "  Cost on %s $%.3f: %ld post%s $%.3f",
		ops ? ops->title : k->net, k->dollars,
		k->posts, k->posts == 1 ? "" : "s",
		(double)(k->posts - k->posts_url) * k->price_post +
			(double)k->posts_url * k->price_post_url);
	if (k->posts_url)
		fprintf(fp, " (%ld with a URL at $%.3f)", k->posts_url,
			k->price_post_url);
	fprintf(fp, ", %ld posts read, %ld billed $%.3f\n", k->reads,
		k->billed, (double)k->billed * k->price_read);
}

static void text_summary(const struct ch_rp *r, const struct ch_rp_chat *c,
			 FILE *fp)
{
	size_t i;
	char t1[40];
	long n_in = 0, idx = 0;

	for (i = 0; i < r->n_chats; i++)
		if (r->chats[i].in_range) {
			n_in++;
			if ((long)i <= r->detail)
				idx = n_in;
		}
	fprintf(fp, "%s of %s  (chat %ld of %ld reported; %zu log%s read, "
		    "%ld line%s",
		c->rehearsal > 0 ? "Rehearsal" : "Chat", c->date, idx, n_in,
		r->n_chats, r->n_chats == 1 ? "" : "s", r->lines,
		r->lines == 1 ? "" : "s");
	if (r->bad)
		fprintf(fp, ", %ld bad skipped", r->bad);
	fprintf(fp, ")\n");
	if (c->title || c->hashtag)
		fprintf(fp, "%s%s%s%s%s\n", c->title ? c->title : "",
			c->title && c->hashtag ? " " : "",
			c->hashtag ? "(" : "", c->hashtag ? c->hashtag : "",
			c->hashtag ? ")" : "");
	fprintf(fp, "%s\n", c->path);

	heading(fp, "This chat");
	if (c->decided)
		fprintf(fp, "  DECIDED: %s\n", c->decided);
	if (c->host_posts == 0 && (c->not_hosted || c->n_not_posted))
		fprintf(fp, "  NOT HOSTED: %s\n",
			c->not_hosted ? c->not_hosted : c->not_posted);
	else if (c->n_not_posted)
		fprintf(fp, "  NOT POSTED: %d post%s: %s\n", c->n_not_posted,
			c->n_not_posted == 1 ? "" : "s", c->not_posted);
	if (c->n_alone)
		fprintf(fp, "  POSTED ON %s OWN, not as a reply: %s\n",
			c->n_alone == 1 ? "ITS" : "THEIR", c->alone);
	if (c->cost.known)
		cost_line(fp, &c->cost);
	fprintf(fp, "  Participants          %6zu   first-timers %d, returning %d\n",
		c->n_authors, c->first_timers, c->returning);
	fprintf(fp, "  Posts                 %6ld   and %ld by the host\n",
		c->posts, c->host_posts);
	if (c->n_nets > 1 || (c->n_nets == 1 && strcmp(c->nets[0].net, "x")))
		for (i = 0; i < c->n_nets; i++)
			fprintf(fp, "    on %-16s %6d   participants (first-timers %d, returning %d), %ld posts and %ld by the host\n",
				c->nets[i].net, c->nets[i].participants,
				c->nets[i].first_timers, c->nets[i].returning,
				c->nets[i].posts, c->nets[i].host_posts);
	fprintf(fp, "  Replies without label %6ld   attributed by reply or time\n",
		c->unlabelled);
	if (c->deleted)
		fprintf(fp, "  Deleted by authors    %6ld   left out of every count\n",
			c->deleted);
	if (c->busiest_ms != CH_RP_NONE) {
		ch_rp_fmt_hhmm(r, c->busiest_ms, t1, sizeof t1);
		fprintf(fp, "  Busiest minute         %5s   %d posts\n", t1,
			c->busiest_posts);
	}
	fprintf(fp, "  Core group            %6d   took part in %d+ of the last %d chats\n",
		c->core, r->core_min, r->core_window);
	fprintf(fp, "  Lapsed regulars       %6d   core last week, absent now\n",
		c->lapsed);
	if (c->first_timers > 0) {
		long long med;
		int w = ch_rp_welcomed(c, &med);
		char d[80] = "";

		if (med != CH_RP_NONE)
			snprintf(d, sizeof d, ", median %lld:%02lld after their first post",
				 med / 60000, (med / 1000) % 60);
		fprintf(fp, "  First-timers welcomed %6d   of %d%s\n", w,
			c->first_timers, d);
	}
	if (c->retention >= 0)
		fprintf(fp, "  Retention             %5.0f%%   of last chat's participants came back\n",
			c->retention * 100);
	fprintf(fp, "  Times are %s.\n", ch_rp_zone(r));
	if (c->rehearsal > 0)
		fprintf(fp, "  A rehearsal at %gx: its times are put back on the chat's own timeline.\n",
			c->rehearsal);
}

static void text_questions(const struct ch_rp *r, const struct ch_rp_chat *c,
			   FILE *fp)
{
	struct ch_buf line = {0};
	char t1[40], t2[40];
	size_t i;

	heading(fp, "Questions");
	if (c->n_questions == 0) {
		fprintf(fp, "  (no questions or answers logged)\n");
		return;
	}
	fprintf(fp, "  Q    Posted  Answers  Labelled  First answer  Question\n");
	for (i = 0; i < c->n_questions; i++) {
		const struct ch_rp_question *q = &c->questions[i];

		ch_rp_fmt_hhmm(r, q->posted_ms, t1, sizeof t1);
		fmt_delay(q->posted_ms != CH_RP_NONE && q->first_ms != CH_RP_NONE
				  ? q->first_ms - q->posted_ms
				  : CH_RP_NONE,
			  t2, sizeof t2);
		ch_buf_printf(&line, "  Q%-3d %6s  ", q->number, t1);
		pad_num(&line, q->answers, 7);
		ch_buf_puts(&line, "  ");
		pad_num(&line, q->labelled, 8);
		ch_buf_puts(&line, "  ");
		ch_rp_pad(&line, t2, 12, false);
		ch_buf_puts(&line, "  ");
		ch_rp_pad(&line, q->text ? q->text : "(not logged)", COLS - 50,
			  true);
		emit(&line, fp);
	}
	ch_buf_free(&line);
}

/* Top contributors, first-timers to welcome, lapsed regulars. */
static void text_people(const struct ch_rp *r, const struct ch_rp_chat *c,
			FILE *fp)
{
	struct ch_buf line = {0}, tmp = {0};
	int *gids = NULL;
	size_t i, n, top;

	heading(fp, "Top contributors");
	top = c->n_authors < CH_RP_TOP ? c->n_authors : CH_RP_TOP;
	if (top == 0)
		fprintf(fp, "  (nobody took part)\n");
	else
		fprintf(fp, "   #  %-30s  %-24s  Posts  Answers  New\n", "Name",
			"Username");
	for (i = 0; i < top; i++) {
		const struct ch_rp_author *a = &c->authors[i];

		ch_buf_printf(&line, "  %2zu  ", i + 1);
		ch_rp_pad(&line, a->name ? a->name : "", 30, true);
		ch_buf_puts(&line, "  ");
		tmp.len = 0;
		ch_buf_printf(&tmp, "@%s", ch_rp_username(a));
		ch_rp_pad(&line, ch_buf_str(&tmp), 24, true);
		ch_buf_puts(&line, "  ");
		pad_num(&line, a->posts, 5);
		ch_buf_puts(&line, "  ");
		pad_num(&line, a->answers, 7);
		ch_buf_puts(&line, a->first_timer ? "  yes" : "");
		emit(&line, fp);
	}

	heading(fp, "First-timers the host has not replied to (welcome them!)");
	gids = ch_xmalloc((c->n_authors + 1) * sizeof *gids);
	for (i = 0, n = 0; i < c->n_authors; i++)
		if (c->authors[i].first_timer && !c->authors[i].host_replied)
			gids[n++] = c->authors[i].gid;
	people_list(fp, r, gids, n);

	heading(fp, "Lapsed regulars (core group last chat, absent this one)");
	people_list(fp, r, c->lapsed_gids, c->n_lapsed);
	free(gids);
	ch_buf_free(&line);
	ch_buf_free(&tmp);
}

static void text_weeks(const struct ch_rp *r, FILE *fp)
{
	char t1[40];
	size_t i;

	heading(fp, "Week by week");
	fprintf(fp, "  Date        Participants  First-timers  Returning   Posts  Retention  Core  Lapsed\n");
	for (i = 0; i < r->n_chats; i++) {
		const struct ch_rp_chat *w = &r->chats[i];

		if (!w->in_range)
			continue;
		if (w->retention >= 0)
			snprintf(t1, sizeof t1, "%.0f%%", w->retention * 100);
		else
			snprintf(t1, sizeof t1, "-");
		fprintf(fp, "  %s  %12zu  %12d  %9d  %6ld  %9s  %4d  %6d\n",
			w->date, w->n_authors, w->first_timers, w->returning,
			w->posts, t1, w->core, w->lapsed);
	}
}

static void text_transcript(const struct ch_rp *r, const struct ch_rp_chat *c,
			    FILE *fp)
{
	struct ch_buf tmp = {0};
	size_t i, k;

	heading(fp, "Transcript");
	for (k = 0; k <= c->n_questions; k++) {
		size_t qn = k < c->n_questions ? k + 1 : 0;
		bool any = false;

		if (qn) {
			const struct ch_rp_question *q = &c->questions[k];

			tmp.len = 0;
			if (q->text)
				ch_buf_puts(&tmp, q->text);
			else
				ch_buf_printf(&tmp, "Q%zu (question not logged)",
					      qn);
			wrapped(fp, "", 4, ch_buf_str(&tmp));
		} else {
			fprintf(fp, "Other posts (no question)\n");
		}
		for (i = 0; i < c->n_tposts; i++) {
			const struct ch_rp_post *p = &c->tposts[i];

			if ((size_t)p->question != qn)
				continue;
			if (p->host && p->kind == CH_KIND_HOST && qn &&
			    c->questions[k].text &&
			    (p->ms == c->questions[k].posted_ms ||
			     c->n_nets > 1) &&
			    strcmp(p->text, c->questions[k].text) == 0)
				continue; /* the question itself (each network's) */
			transcript_post(fp, r, p, c->n_nets > 1);
			any = true;
		}
		if (!any)
			fprintf(fp, "    (none)\n");
	}
	ch_buf_free(&tmp);
}

/* Written whole, then with every control character a name or a post
 * brought in removed: a text report goes to a terminal. */
int ch_rp_write_text(const struct ch_rp *r, FILE *fp)
{
	const struct ch_rp_chat *c = &r->chats[r->detail];
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int rc = -1;

	if (!mem)
		return -1;
	text_summary(r, c, mem);
	text_questions(r, c, mem);
	text_people(r, c, mem);
	text_weeks(r, mem);
	text_transcript(r, c, mem);
	if (fclose(mem) == 0) {
		ch_fputs_clean(buf, fp);
		rc = ferror(fp) ? -1 : 0;
	}
	free(buf);
	return rc;
}

void ch_rp_csv_field(FILE *fp, const char *s, bool last)
{
	if (!s)
		s = "";
	if (*s && strchr("=+-@\t\r", *s)) {
		char *safe = ch_xasprintf("'%s", s);

		ch_rp_csv_field(fp, safe, last);
		free(safe);
		return;
	}
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', fp);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', fp);
			fputc(*s, fp);
		}
		fputc('"', fp);
	} else {
		fputs(s, fp);
	}
	fputs(last ? "\r\n" : ",", fp);
}

void ch_rp_csv_id(FILE *fp, const char *id, bool last)
{
	/* as text (="..."): a spreadsheet would round a long number;
	 * quoted as CSV quotes a cell with quotes */
	fputs("\"=\"\"", fp);
	for (; id && *id; id++) {
		if (*id == '"')
			fputs("\"\"\"\"", fp);
		else if (*id != '\r' && *id != '\n')
			fputc(*id, fp);
	}
	fputs(last ? "\"\"\"\r\n" : "\"\"\",", fp);
}

int ch_rp_write_csv(const struct ch_rp *r, FILE *fp)
{
	static const char *const head[] = {
		"date", "author_id", "username", "name", "posts", "answers",
		"unlabelled_replies", "first_post_at", "first_timer", "core",
		"host_replied", "title", "hashtag", "net"};
	size_t i, k, h;
	char num[3][24], t[40];

	/* a byte-order mark: spreadsheets then read the file as UTF-8 */
	fputs(CH_RP_CSV_BOM, fp);
	for (h = 0; h < sizeof head / sizeof *head; h++)
		ch_rp_csv_field(fp, head[h], h + 1 == sizeof head / sizeof *head);
	for (i = 0; i < r->n_chats; i++) {
		const struct ch_rp_chat *c = &r->chats[i];

		if (!c->in_range)
			continue;
		for (k = 0; k < c->n_authors; k++) {
			const struct ch_rp_author *a = &c->authors[k];

			snprintf(num[0], sizeof num[0], "%d", a->posts);
			snprintf(num[1], sizeof num[1], "%d", a->answers);
			snprintf(num[2], sizeof num[2], "%d", a->unlabelled);
			ch_rp_fmt_time(a->first_ms, t, sizeof t, false);
			ch_rp_csv_field(fp, c->date, false);
			ch_rp_csv_id(fp, a->author_id, false);
			ch_rp_csv_field(fp, a->username, false);
			ch_rp_csv_field(fp, a->name, false);
			ch_rp_csv_field(fp, num[0], false);
			ch_rp_csv_field(fp, num[1], false);
			ch_rp_csv_field(fp, num[2], false);
			ch_rp_csv_field(fp, t, false);
			ch_rp_csv_field(fp, a->first_timer ? "yes" : "no", false);
			ch_rp_csv_field(fp, a->core ? "yes" : "no", false);
			ch_rp_csv_field(fp, a->host_replied ? "yes" : "no", false);
			ch_rp_csv_field(fp, c->title, false);
			ch_rp_csv_field(fp, c->hashtag, false);
			ch_rp_csv_field(fp, a->net ? a->net : "x", true);
		}
	}
	return ferror(fp) ? -1 : 0;
}
