/* recap.c - the recap of one chat (chathost recap): what hosts used to
 * assemble by hand after the hour. Per question, the answers in order
 * with their authors; the links people shared, whole (the network's own
 * link data, not the shortened form in the text); the top contributors;
 * the first-timers. As plain text, Markdown, or one self-contained HTML
 * page. Built on the report's model (report_model.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_model.h"

enum fmt { F_TEXT, F_MD, F_HTML };

struct out {
	FILE *fp;
	enum fmt f;
	const struct ch_rp *r;
	const struct ch_rp_chat *c;
};

/* Markdown: the characters that would change how text reads, escaped. */
static void md_esc(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		if (strchr("\\`*_{}[]<>()#+!|~", *s))
			fputc('\\', fp);
		if (*s == '\n')
			fputs("  \n", fp);
		else
			fputc(*s, fp);
	}
}

/* s as the format needs it (text: as is, one line per line). */
static void put(const struct out *o, const char *s)
{
	if (o->f == F_HTML)
		ch_rp_html_esc(o->fp, s);
	else if (o->f == F_MD)
		md_esc(o->fp, s);
	else
		ch_fputs_clean(s, o->fp);
}

/* A post's text with X's t.co links replaced by the links they stand
 * for (in order), when the post gives as many links as it has t.co
 * links; caller frees. */
static char *shown_text(const struct ch_rp_post *p)
{
	const char *t = p->text ? p->text : "", *q;
	const char *l = p->links;
	struct ch_buf b = {0};
	size_t n_tco = 0, n_links = 0;
	char *out;

	for (q = t; (q = strstr(q, "https://t.co/")) != NULL; q++)
		n_tco++;
	for (q = l; q && *q; q += strcspn(q, " "), q += strspn(q, " "))
		n_links++;
	if (!n_tco || n_tco != n_links)
		return ch_xstrdup(t);
	while ((q = strstr(t, "https://t.co/")) != NULL) {
		size_t len = strcspn(l, " ");

		ch_buf_printf(&b, "%.*s%.*s", (int)(q - t), t, (int)len, l);
		t = q + strcspn(q, " \n\t");
		l += len;
		l += strspn(l, " ");
	}
	ch_buf_puts(&b, t);
	out = ch_buf_steal(&b);
	ch_buf_free(&b);
	return out;
}

static void heading(const struct out *o, const char *title)
{
	if (o->f == F_HTML) {
		fputs("<h2>", o->fp);
		put(o, title);
		fputs("</h2>\n", o->fp);
	} else if (o->f == F_MD) {
		fprintf(o->fp, "\n## %s\n\n", title);
	} else {
		fprintf(o->fp, "\n%s\n", title);
		size_t i;

		for (i = 0; i < strlen(title); i++)
			fputc('-', o->fp);
		fputc('\n', o->fp);
	}
}

/* "Name (@user)" or "@user". */
static void who(const struct out *o, const char *name, const char *user)
{
	if (o->f == F_HTML)
		fputs("<b>", o->fp);
	if (name && *name) {
		put(o, name);
		fputs(" (", o->fp);
	}
	fputc('@', o->fp);
	put(o, user ? user : "?");
	if (name && *name)
		fputc(')', o->fp);
	if (o->f == F_HTML)
		fputs("</b>", o->fp);
}

/* One answer: time, author, text. */
static void answer(const struct out *o, const struct ch_rp_post *p)
{
	char hm[16], *text = shown_text(p);

	ch_rp_fmt_hhmm(o->r, p->ms, hm, sizeof hm);
	if (o->f == F_HTML)
		fprintf(o->fp, "<li><span class=t>%s</span> ", hm);
	else if (o->f == F_MD)
		fprintf(o->fp, "- %s ", hm);
	else
		fprintf(o->fp, "  %s  ", hm);
	who(o, p->name, p->username);
	if (p->net && strcmp(p->net, "x") != 0)
		fprintf(o->fp, " on %s", p->net);
	fputs(o->f == F_TEXT ? "\n        " : ": ", o->fp);
	if (o->f == F_TEXT) {
		char *clean = ch_strip_controls(text, true);
		const char *s;

		for (s = clean; *s; s++) {
			fputc(*s, o->fp);
			if (*s == '\n')
				fputs("        ", o->fp);
		}
		free(clean);
	} else {
		put(o, text);
	}
	fputs(o->f == F_HTML ? "</li>\n" : "\n", o->fp);
	free(text);
}

/* Per question: the host's question, then its answers in time order. */
static void questions(const struct out *o)
{
	const struct ch_rp_chat *c = o->c;
	size_t q, i;

	for (q = 0; q <= c->n_questions; q++) {
		int n = q < c->n_questions ? (int)q + 1 : 0;
		char title[64];
		size_t shown = 0;

		for (i = 0; i < c->n_tposts; i++)
			shown += !c->tposts[i].host && c->tposts[i].question == n;
		if (n == 0 && shown == 0)
			continue;
		if (n)
			snprintf(title, sizeof title, "Q%d (%d answer%s)", n,
				 c->questions[q].answers,
				 c->questions[q].answers == 1 ? "" : "s");
		else
			snprintf(title, sizeof title, "Other posts (%zu)", shown);
		heading(o, title);
		if (n && c->questions[q].text) {
			fputs(o->f == F_HTML ? "<p class=q>" : o->f == F_MD ? "> " : "", o->fp);
			put(o, c->questions[q].text);
			fputs(o->f == F_HTML ? "</p>\n" : "\n\n", o->fp);
		}
		if (o->f == F_HTML)
			fputs("<ul>\n", o->fp);
		for (i = 0; i < c->n_tposts; i++)
			if (!c->tposts[i].host && c->tposts[i].question == n)
				answer(o, &c->tposts[i]);
		if (o->f == F_HTML)
			fputs("</ul>\n", o->fp);
	}
}

/* A link in Markdown's <...> form: every byte that could end it or be
 * read as markup (<, >, quotes, backslash, brackets, spaces, non-ASCII)
 * percent-encoded, which leaves the address the same. */
static void md_url(FILE *fp, const char *url)
{
	const unsigned char *p;

	for (p = (const unsigned char *)url; *p; p++) {
		if (isalnum(*p) || strchr("-._~:/?#@!$&*+,;=%()", *p))
			fputc(*p, fp);
		else
			fprintf(fp, "%%%02X", *p);
	}
}

/* One link shared, in the writer's form. */
static void link_line(const struct out *o, const struct ch_rp_post *p, const char *url)
{
	if (o->f == F_HTML) {
		fputs("<li><a href=\"", o->fp);
		put(o, url);
		fputs("\" rel=\"nofollow noopener\">", o->fp);
		put(o, url);
		fputs("</a> ", o->fp);
	} else if (o->f == F_MD) {
		fputs("- <", o->fp);
		md_url(o->fp, url);
		fputs("> ", o->fp);
	} else {
		fputs("  ", o->fp);
		ch_fputs_clean(url, o->fp);
		fputs("\n    ", o->fp);
	}
	fputs("shared by ", o->fp);
	who(o, p->name, p->username);
	if (p->question)
		fprintf(o->fp, " (Q%d)", p->question);
	fputs(o->f == F_HTML ? "</li>\n" : "\n", o->fp);
}

struct shared {
	char *url;       /* owned */
	size_t order;    /* its place among all the links, in post order */
	size_t post;     /* its post's index in the chat's tposts */
};

static int cmp_shared_url(const void *a, const void *b)
{
	const struct shared *x = a, *y = b;
	int c = strcmp(x->url, y->url);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int cmp_shared_order(const void *a, const void *b)
{
	const struct shared *x = a, *y = b;

	return (x->order > y->order) - (x->order < y->order);
}

/* The links people shared, each once, with who shared it first: sorted
 * by address to drop the repeats, then back in order (n log n, whatever
 * a log holds). Only web addresses: a log is input like any other. */
static void links(const struct out *o)
{
	const struct ch_rp_chat *c = o->c;
	struct shared *v = NULL;
	size_t i, n = 0, cap = 0, k = 0;

	for (i = 0; i < c->n_tposts; i++) {
		const struct ch_rp_post *p = &c->tposts[i];
		const char *l = p->links;

		while (!p->host && l && *l) {
			size_t len = strcspn(l, " ");

			if (ch_url_is_web(l, len)) {
				if (n == cap) {
					cap = cap ? cap * 2 : 16;
					v = ch_xrealloc(v, cap * sizeof *v);
				}
				v[n].url = ch_xstrndup(l, len);
				v[n].order = n;
				v[n].post = i;
				n++;
			}
			l += len;
			l += strspn(l, " ");
		}
	}
	if (n)
		qsort(v, n, sizeof *v, cmp_shared_url);
	for (i = 0; i < n; i++) {
		if (k && strcmp(v[k - 1].url, v[i].url) == 0) {
			free(v[i].url);
			continue;
		}
		v[k++] = v[i];
	}
	if (k)
		qsort(v, k, sizeof *v, cmp_shared_order);
	if (k) {
		heading(o, "Links shared");
		if (o->f == F_HTML)
			fputs("<ul>\n", o->fp);
	}
	for (i = 0; i < k; i++) {
		link_line(o, &c->tposts[v[i].post], v[i].url);
		free(v[i].url);
	}
	if (k && o->f == F_HTML)
		fputs("</ul>\n", o->fp);
	free(v);
}

/* Top contributors (by posts), then the first-timers. */
static void people(const struct out *o)
{
	const struct ch_rp_chat *c = o->c;
	size_t i, n = 0;

	heading(o, "Top contributors");
	fputs(o->f == F_HTML ? "<ol>\n" : "", o->fp);
	for (i = 0; i < c->n_authors && i < CH_RP_TOP; i++) {
		const struct ch_rp_author *a = &c->authors[i];

		fprintf(o->fp, o->f == F_HTML ? "<li>" : o->f == F_MD ? "%zu. " : "  %2zu. ",
			i + 1);
		who(o, a->name, a->username);
		fprintf(o->fp, ": %d post%s, %d answer%s%s", a->posts,
			a->posts == 1 ? "" : "s", a->answers,
			a->answers == 1 ? "" : "s",
			o->f == F_HTML ? "</li>\n" : "\n");
	}
	fputs(o->f == F_HTML ? "</ol>\n" : "", o->fp);
	for (i = 0; i < c->n_authors; i++)
		n += c->authors[i].first_timer;
	heading(o, "First-timers");
	if (n == 0)
		fputs(o->f == F_HTML ? "<p>None this week.</p>\n"
				     : "  None this week.\n", o->fp);
	fputs(o->f == F_HTML && n ? "<ul>\n" : "", o->fp);
	for (i = 0; i < c->n_authors; i++) {
		if (!c->authors[i].first_timer)
			continue;
		fputs(o->f == F_HTML ? "<li>" : o->f == F_MD ? "- " : "  ", o->fp);
		who(o, c->authors[i].name, c->authors[i].username);
		fputs(o->f == F_HTML ? "</li>\n" : "\n", o->fp);
	}
	fputs(o->f == F_HTML && n ? "</ul>\n" : "", o->fp);
}

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
	"<meta name=viewport content=\"width=device-width, initial-scale=1\">\n"
	"<title>Recap</title>\n<style>\n"
	"body{font:16px/1.5 system-ui,sans-serif;max-width:46em;margin:2em auto;"
	"padding:0 1em;color:#222}\n"
	"h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;"
	"border-bottom:1px solid #ddd}\n"
	".sub{color:#666}.q{font-style:italic;background:#f4f4f8;padding:.5em;"
	"border-left:3px solid #88a}\n"
	"ul,ol{padding-left:1.3em}li{margin:.4em 0;white-space:pre-line}"
	".t{color:#666;font-variant-numeric:tabular-nums}\n"
	"a{color:#1a5fb4;word-break:break-all}\n</style></head><body>\n";

/* The title and the figures of the hour. */
static void head(const struct out *o)
{
	const struct ch_rp_chat *c = o->c;
	int first = 0;
	size_t i;

	for (i = 0; i < c->n_authors; i++)
		first += c->authors[i].first_timer;
	if (o->f == F_HTML) {
		fputs(html_head, o->fp);
		fputs("<h1>", o->fp);
		put(o, c->hashtag ? c->hashtag : "");
		fputs(" recap", o->fp);
		if (c->title) {
			fputs(": ", o->fp);
			put(o, c->title);
		}
		fprintf(o->fp, "</h1>\n<p class=sub>%s &middot; times in ", c->date);
		put(o, ch_rp_zone(o->r));
		fprintf(o->fp, "</p>\n<p>%zu people took part (%d for the first time), with %ld posts.</p>\n",
			c->n_authors, first, c->posts);
		return;
	}
	if (o->f == F_MD)
		fputs("# ", o->fp);
	put(o, c->hashtag ? c->hashtag : "");
	fputs(" recap", o->fp);
	if (c->title) {
		fputs(": ", o->fp);
		put(o, c->title);
	}
	fprintf(o->fp, "\n%s%s, times in %s\n\n%zu people took part (%d for the first time), with %ld posts.\n",
		o->f == F_MD ? "\n" : "", c->date, ch_rp_zone(o->r), c->n_authors,
		first, c->posts);
}

int ch_rp_write_recap(const struct ch_rp *r, FILE *fp, const char *format)
{
	struct out o;
	char *buf = NULL;
	size_t len = 0;
	int rc = -1;

	if (r->detail < 0 || (size_t)r->detail >= r->n_chats)
		return -1;
	/* written whole, then without the control characters a name or a
	 * post brought in (every format may reach a terminal) */
	o.fp = open_memstream(&buf, &len);
	if (!o.fp)
		return -1;
	o.f = strcmp(format, "html") == 0 ? F_HTML
	      : strcmp(format, "md") == 0 ? F_MD : F_TEXT;
	o.r = r;
	o.c = &r->chats[r->detail];
	head(&o);
	questions(&o);
	links(&o);
	people(&o);
	if (o.f == F_HTML)
		fputs("<p class=sub>Made by chathost.</p>\n</body></html>\n", o.fp);
	if (fclose(o.fp) == 0) {
		ch_fputs_clean(buf, fp);
		rc = ferror(fp) ? -1 : 0;
	}
	free(buf);
	return rc;
}
