/* report_html.c - the report as one self-contained HTML page: inline CSS
 * and inline SVG charts, no scripts, fonts or styles from elsewhere. */
#include "report_model.h"
#include "net/net.h"

#include <stdlib.h>
#include <string.h>

void ch_rp_html_esc(FILE *fp, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: fputc(*s, fp);
		}
	}
}

static void esc(FILE *fp, const char *s)
{
	ch_rp_html_esc(fp, s);
}

static void who(FILE *fp, const char *name, const char *username)
{
	if (name && name[0]) {
		fputs("<b>", fp);
		esc(fp, name);
		fputs("</b> ", fp);
	}
	fputs("<span class=u>@", fp);
	esc(fp, username);
	fputs("</span>", fp);
}

static const char css[] =
	"*{box-sizing:border-box}"
	"body{margin:0;background:#f4f6f9;color:#1d2330;font:15px/1.45 "
	"system-ui,-apple-system,'Segoe UI','DejaVu Sans',sans-serif}"
	"main{max-width:1080px;margin:0 auto;padding:28px 24px 60px}"
	"h1{font-size:26px;margin:0 0 4px}h2{font-size:18px;margin:0 0 12px}"
	".sub{color:#5b6478;margin:0 0 22px}"
	".warn{background:#fdecea;color:#8a1c12;border-radius:8px;padding:10px 14px}"
	".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(124px,1fr));"
	"gap:12px;margin-bottom:18px}"
	".card{background:#fff;border-radius:10px;padding:14px 16px;"
	"box-shadow:0 1px 3px rgba(20,30,60,.08)}"
	".card .n{font-size:28px;font-weight:700}.card .l{color:#5b6478;font-size:13px}"
	"section{background:#fff;border-radius:10px;padding:18px 20px;margin:0 0 18px;"
	"box-shadow:0 1px 3px rgba(20,30,60,.08)}"
	"table{border-collapse:collapse;width:100%;font-size:14px}"
	"th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e6e9ef;"
	"vertical-align:top}th{color:#5b6478;font-weight:600}"
	"td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}"
	".u{color:#5b6478}.tag{display:inline-block;font-size:12px;padding:0 6px;"
	"border-radius:8px;background:#fde8d4;color:#8a4a10;margin-left:4px}"
	".host{background:#e4efff}.people{columns:2;column-gap:28px;margin:0;"
	"padding-left:18px}"
	".q{font-weight:600;margin:16px 0 6px}.post{margin:0 0 6px 12px;"
	"white-space:pre-wrap}.t{color:#5b6478;font-variant-numeric:tabular-nums;"
	"margin-right:6px}"
	"svg{width:100%;height:auto;display:block}"
	"svg text{font:12px system-ui,'DejaVu Sans',sans-serif;fill:#5b6478}"
	".legend span{display:inline-block;width:12px;height:12px;border-radius:3px;"
	"margin:0 6px 0 14px;vertical-align:-1px}"
	".none{color:#8a93a6}";

static void chart_minutes(FILE *fp, const struct ch_rp_chat *c)
{
	const double W = 1000, H = 240, L = 40, R = 10, T = 20, B = 30;
	double bw, x, h;
	long long m0;
	int max = 1;
	size_t i;

	if (!c->n_minutes || c->start_ms == CH_RP_NONE) {
		fputs("<p class=none>No answers were logged.</p>", fp);
		return;
	}
	for (i = 0; i < c->n_minutes; i++)
		if (c->per_minute[i] > max)
			max = c->per_minute[i];
	m0 = c->start_ms / 60000;
	bw = (W - L - R) / (double)c->n_minutes;
	fprintf(fp, "<svg viewBox='0 0 %.0f %.0f' role=img aria-label='posts "
		    "per minute'>",
		W, H);
	fprintf(fp, "<line x1=%.0f y1=%.0f x2=%.0f y2=%.0f stroke='#c9ced8'/>",
		L, H - B, W - R, H - B);
	fprintf(fp, "<text x=%.0f y=%.0f text-anchor=end>%d</text>", L - 6,
		T + 4, max);
	fprintf(fp, "<text x=%.0f y=%.0f text-anchor=end>0</text>", L - 6,
		H - B + 4);
	for (i = 0; i < c->n_minutes; i++) {
		h = (H - T - B) * c->per_minute[i] / max;
		x = L + bw * (double)i;
		if (c->per_minute[i])
			fprintf(fp, "<rect x=%.1f y=%.1f width=%.1f height=%.1f "
				    "fill='#3b82f6' rx=1><title>+%zu min: %d "
				    "posts</title></rect>",
				x + bw * 0.1, H - B - h, bw * 0.8, h, i,
				c->per_minute[i]);
		if (i % 10 == 0)
			fprintf(fp, "<text x=%.1f y=%.0f text-anchor=middle>"
				    "+%zu</text>",
				x + bw / 2, H - B + 18, i);
	}
	for (i = 0; i < c->n_questions; i++) {
		const struct ch_rp_question *q = &c->questions[i];
		long long off;

		if (q->posted_ms == CH_RP_NONE)
			continue;
		off = q->posted_ms / 60000 - m0;
		if (off < 0 || off >= (long long)c->n_minutes)
			continue;
		x = L + bw * (double)off + bw / 2;
		fprintf(fp, "<line x1=%.1f y1=%.0f x2=%.1f y2=%.0f "
			    "stroke='#f97316' stroke-width=1.5 "
			    "stroke-dasharray='4 3'/>"
			    "<text x=%.1f y=%.0f text-anchor=middle "
			    "style='fill:#c2410c;font-weight:600'>Q%d</text>",
			x, T, x, H - B, x, T - 6, q->number);
	}
	fputs("</svg><p class='legend u'><span style='background:#3b82f6'>"
	      "</span>participant posts per minute (minutes after the start)"
	      "<span style='background:#f97316'></span>question posted</p>",
	      fp);
}

static void chart_questions(FILE *fp, const struct ch_rp_chat *c)
{
	const double W = 1000, H = 220, L = 40, R = 10, T = 20, B = 30;
	double bw, x, h, hl;
	int max = 1;
	size_t i;

	if (!c->n_questions) {
		fputs("<p class=none>No questions were logged.</p>", fp);
		return;
	}
	for (i = 0; i < c->n_questions; i++)
		if (c->questions[i].answers > max)
			max = c->questions[i].answers;
	bw = (W - L - R) / (double)c->n_questions;
	fprintf(fp, "<svg viewBox='0 0 %.0f %.0f' role=img aria-label='answers "
		    "per question'>",
		W, H);
	fprintf(fp, "<line x1=%.0f y1=%.0f x2=%.0f y2=%.0f stroke='#c9ced8'/>",
		L, H - B, W - R, H - B);
	for (i = 0; i < c->n_questions; i++) {
		const struct ch_rp_question *q = &c->questions[i];
		double bwid = bw * 0.6 > 90 ? 90 : bw * 0.6;

		h = (H - T - B) * q->answers / max;
		hl = (H - T - B) * q->labelled / max;
		x = L + bw * (double)i + (bw - bwid) / 2;
		fprintf(fp, "<rect x=%.1f y=%.1f width=%.1f height=%.1f "
			    "fill='#93c5fd' rx='2'/>",
			x, H - B - h, bwid, h);
		fprintf(fp, "<rect x=%.1f y=%.1f width=%.1f height=%.1f "
			    "fill='#2563eb' rx=2><title>Q%d: %d answers, %d "
			    "labelled</title></rect>",
			x, H - B - hl, bwid, hl, q->number, q->answers,
			q->labelled);
		fprintf(fp, "<text x=%.1f y=%.1f text-anchor=middle "
			    "style='fill:#1d2330;font-weight:600'>%d</text>",
			x + bwid / 2, H - B - h - 5, q->answers);
		fprintf(fp, "<text x=%.1f y=%.0f text-anchor=middle>Q%d</text>",
			x + bwid / 2, H - B + 18, q->number);
	}
	fputs("</svg><p class='legend u'><span style='background:#2563eb'>"
	      "</span>labelled (A1, A2...)<span style='background:#93c5fd'>"
	      "</span>attributed by reply or time</p>",
	      fp);
}

static void chart_weeks(FILE *fp, const struct ch_rp *r)
{
	const double W = 1000, H = 240, L = 40, R = 10, T = 20, B = 40;
	double bw, x, hr, hf, bwid;
	size_t i, n = 0, k = 0, every;
	int max = 1;

	for (i = 0; i < r->n_chats; i++)
		if (r->chats[i].in_range) {
			n++;
			if ((int)r->chats[i].n_authors > max)
				max = (int)r->chats[i].n_authors;
		}
	every = n > 12 ? (n + 11) / 12 : 1;
	bw = (W - L - R) / (double)n;
	bwid = bw * 0.7 > 60 ? 60 : bw * 0.7;
	fprintf(fp, "<svg viewBox='0 0 %.0f %.0f' role=img "
		    "aria-label='participants per week'>",
		W, H);
	fprintf(fp, "<line x1=%.0f y1=%.0f x2=%.0f y2=%.0f stroke='#c9ced8'/>",
		L, H - B, W - R, H - B);
	fprintf(fp, "<text x=%.0f y=%.0f text-anchor=end>%d</text>", L - 6,
		T + 4, max);
	for (i = 0; i < r->n_chats; i++) {
		const struct ch_rp_chat *c = &r->chats[i];

		if (!c->in_range)
			continue;
		hr = (H - T - B) * c->returning / max;
		hf = (H - T - B) * c->first_timers / max;
		x = L + bw * (double)k + (bw - bwid) / 2;
		fprintf(fp, "<g><title>%s: %zu participants, %d first-timers, "
			    "%d returning</title>"
			    "<rect x=%.1f y=%.1f width=%.1f height=%.1f "
			    "fill='#0ea5e9'/>"
			    "<rect x=%.1f y=%.1f width=%.1f height=%.1f "
			    "fill='#f59e0b'/></g>",
			c->date, c->n_authors, c->first_timers, c->returning,
			x, H - B - hr, bwid, hr, x, H - B - hr - hf, bwid, hf);
		if (k % every == 0 || k + 1 == n)
			fprintf(fp, "<text x=%.1f y=%.0f text-anchor=middle>"
				    "%.5s</text>",
				x + bwid / 2, H - B + 16, c->date + 5);
		k++;
	}
	fputs("</svg><p class='legend u'><span style='background:#0ea5e9'>"
	      "</span>returning<span style='background:#f59e0b'></span>"
	      "first-timers</p>",
	      fp);
}

static void card(FILE *fp, long n, const char *label)
{
	fprintf(fp, "<div class=card><div class=n>%ld</div><div class=l>%s"
		    "</div></div>",
		n, label);
}

static void people(FILE *fp, const struct ch_rp *r, const int *gids,
		   size_t n)
{
	size_t i;

	if (!n) {
		fputs("<p class=none>Nobody.</p>", fp);
		return;
	}
	fputs("<ul class=people>", fp);
	for (i = 0; i < n; i++) {
		const struct ch_rp_person *p = &r->people[gids[i]];

		fputs("<li>", fp);
		who(fp, p->name, p->username ? p->username : p->author_id);
		fputs("</li>", fp);
	}
	fputs("</ul>", fp);
}

static void delay(FILE *fp, const struct ch_rp_question *q)
{
	long long s;

	if (q->posted_ms == CH_RP_NONE || q->first_ms == CH_RP_NONE) {
		fputs("&ndash;", fp);
		return;
	}
	s = (q->first_ms - q->posted_ms) / 1000;
	if (s < 0) /* answered before the question was logged */
		fprintf(fp, "-%lld:%02lld", -s / 60, -s % 60);
	else
		fprintf(fp, "%lld:%02lld", s / 60, s % 60);
}

/* The page's head, title, the not-hosted warning and the cards. */
static void html_head(const struct ch_rp *r, const struct ch_rp_chat *c,
		      FILE *fp)
{
	fputs("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
	      "<meta name=viewport content='width=device-width,initial-scale=1'>",
	      fp);
	fputs(c->rehearsal > 0 ? "<title>Rehearsal review " : "<title>Chat review ",
	      fp);
	esc(fp, c->date);
	fprintf(fp, "</title><style>%s</style></head><body><main>", css);
	fputs(c->rehearsal > 0 ? "<h1>Rehearsal review: " : "<h1>Chat review: ", fp);
	esc(fp, c->date);
	if (c->title) {
		fputs(" &middot; ", fp);
		esc(fp, c->title);
	}
	fputs("</h1><p class=sub>", fp);
	if (c->hashtag) {
		esc(fp, c->hashtag);
		fputs(" &middot; ", fp);
	}
	esc(fp, c->path);
	fprintf(fp, " &middot; %zu log%s, %ld lines read", r->n_chats,
		r->n_chats == 1 ? "" : "s", r->lines);
	if (r->bad)
		fprintf(fp, " &middot; %ld bad line%s skipped", r->bad,
			r->bad == 1 ? "" : "s");
	fputs(" &middot; times in ", fp);
	esc(fp, ch_rp_zone(r));
	if (c->rehearsal > 0)
		fprintf(fp, " &middot; a rehearsal at %gx, its times put back "
			    "on the chat&rsquo;s own timeline", c->rehearsal);
	fputs("</p>", fp);
	if (c->decided) {
		fputs("<p class=warn><b>Decided:</b> ", fp);
		esc(fp, c->decided);
		fputs("</p>", fp);
	}
	if (c->host_posts == 0 && (c->not_hosted || c->n_not_posted)) {
		fputs("<p class=warn><b>Not hosted:</b> ", fp);
		esc(fp, c->not_hosted ? c->not_hosted : c->not_posted);
		fputs("</p>", fp);
	} else if (c->n_not_posted) {
		fprintf(fp, "<p class=warn><b>%d post%s not posted:</b> ",
			c->n_not_posted, c->n_not_posted == 1 ? "" : "s");
		esc(fp, c->not_posted);
		fputs("</p>", fp);
	}
	if (c->n_alone) {
		fprintf(fp, "<p class=warn><b>Posted on %s own, not as a reply:</b> ",
			c->n_alone == 1 ? "its" : "their");
		esc(fp, c->alone);
		fputs("</p>", fp);
	}
	if (c->cost.known) {
		const struct ch_rp_cost *k = &c->cost;

		const struct ch_net_ops *ops = ch_net_find(k->net);

		fputs("<p class=cost>Cost on ", fp);
		esc(fp, ops ? ops->title : k->net);
		fprintf(fp, " <b>$%.2f</b>: %ld post%s", k->dollars, k->posts,
			k->posts == 1 ? "" : "s");
		if (k->posts_url)
			fprintf(fp, " (%ld with a URL at $%.3f)", k->posts_url,
				k->price_post_url);
		fprintf(fp, ", %ld posts read, %ld billed</p>", k->reads,
			k->billed);
	}
	fputs("<div class=cards>", fp);
	card(fp, (long)c->n_authors, "participants");
	card(fp, c->posts, "posts");
	card(fp, c->first_timers, "first-timers");
	card(fp, c->returning, "returning");
	card(fp, c->core, "core group");
	card(fp, c->lapsed, "lapsed regulars");
	card(fp, c->unlabelled, "replies without a label");
	fputs("</div>", fp);
	if (c->n_nets > 1 || (c->n_nets == 1 && strcmp(c->nets[0].net, "x"))) {
		size_t i;

		fputs("<p class=nets>", fp);
		for (i = 0; i < c->n_nets; i++) {
			fprintf(fp, "%s<b>", i ? "; " : "");
			esc(fp, c->nets[i].net);
			fprintf(fp, "</b>: %d participants (%d first-timers), %ld posts",
				c->nets[i].participants, c->nets[i].first_timers,
				c->nets[i].posts);
		}
		fputs("</p>", fp);
	}
}

int ch_rp_write_html(const struct ch_rp *r, FILE *fp)
{
	const struct ch_rp_chat *c = &r->chats[r->detail];
	int *gids;
	size_t i, k, n;
	char t[40];

	html_head(r, c, fp);

	fputs("<section><h2>Posts per minute</h2>", fp);
	chart_minutes(fp, c);
	if (c->busiest_ms != CH_RP_NONE) {
		ch_rp_fmt_hhmm(r, c->busiest_ms, t, sizeof t);
		fprintf(fp, "<p>Busiest minute: <b>%s</b> with %d posts.</p>",
			t, c->busiest_posts);
	}
	fputs("</section><section><h2>Answers per question</h2>", fp);
	chart_questions(fp, c);
	if (c->n_questions) {
		fputs("<table><tr><th>Q</th><th>Posted</th><th class=r>"
		      "Answers</th><th class=r>Labelled</th><th class=r>First "
		      "answer after</th><th>Question</th></tr>",
		      fp);
		for (i = 0; i < c->n_questions; i++) {
			const struct ch_rp_question *q = &c->questions[i];

			ch_rp_fmt_hhmm(r, q->posted_ms, t, sizeof t);
			fprintf(fp, "<tr><td>Q%d</td><td>%s</td><td class=r>%d"
				    "</td><td class=r>%d</td><td class=r>",
				q->number, t, q->answers, q->labelled);
			delay(fp, q);
			fputs("</td><td>", fp);
			esc(fp, q->text ? q->text : "(not logged)");
			fputs("</td></tr>", fp);
		}
		fputs("</table>", fp);
	}
	fputs("</section><section><h2>Participants per week</h2>", fp);
	chart_weeks(fp, r);
	fputs("<table><tr><th>Date</th><th class=r>Participants</th>"
	      "<th class=r>First-timers</th><th class=r>Returning</th>"
	      "<th class=r>Posts</th><th class=r>Retention</th>"
	      "<th class=r>Core</th><th class=r>Lapsed</th></tr>",
	      fp);
	for (i = 0; i < r->n_chats; i++) {
		const struct ch_rp_chat *w = &r->chats[i];

		if (!w->in_range)
			continue;
		if (w->retention >= 0)
			snprintf(t, sizeof t, "%.0f%%", w->retention * 100);
		else
			snprintf(t, sizeof t, "&ndash;");
		fprintf(fp, "<tr><td>%s</td><td class=r>%zu</td><td class=r>"
			    "%d</td><td class=r>%d</td><td class=r>%ld</td>"
			    "<td class=r>%s</td><td class=r>%d</td>"
			    "<td class=r>%d</td></tr>",
			w->date, w->n_authors, w->first_timers, w->returning,
			w->posts, t, w->core, w->lapsed);
	}
	fputs("</table></section>", fp);

	fputs("<section><h2>Welcome these first-timers</h2><p class=u>"
	      "First-timers the host has not replied to yet.</p>",
	      fp);
	gids = ch_xmalloc((c->n_authors + 1) * sizeof *gids);
	for (i = 0, n = 0; i < c->n_authors; i++)
		if (c->authors[i].first_timer && !c->authors[i].host_replied)
			gids[n++] = c->authors[i].gid;
	people(fp, r, gids, n);
	free(gids);
	fputs("</section><section><h2>Lapsed regulars</h2><p class=u>In the "
	      "core group as of the last chat, absent from this one.</p>",
	      fp);
	people(fp, r, c->lapsed_gids, c->n_lapsed);
	fputs("</section>", fp);

	fputs("<section><h2>Top contributors</h2><table><tr><th>#</th><th>"
	      "Who</th><th class=r>Posts</th><th class=r>Answers</th></tr>",
	      fp);
	for (i = 0; i < c->n_authors && i < CH_RP_TOP; i++) {
		const struct ch_rp_author *a = &c->authors[i];

		fprintf(fp, "<tr><td>%zu</td><td>", i + 1);
		who(fp, a->name, ch_rp_username(a));
		if (a->first_timer)
			fputs("<span class=tag>first time</span>", fp);
		fprintf(fp, "</td><td class=r>%d</td><td class=r>%d</td></tr>",
			a->posts, a->answers);
	}
	fputs("</table></section>", fp);

	fputs("<section><h2>Transcript</h2>", fp);
	for (k = 0; k <= c->n_questions; k++) {
		size_t qn = k < c->n_questions ? k + 1 : 0;

		fputs("<div class=q>", fp);
		if (qn) {
			if (c->questions[k].text)
				esc(fp, c->questions[k].text);
			else
				fprintf(fp, "Q%zu (question not logged)", qn);
		} else {
			fputs("Other posts", fp);
		}
		fputs("</div>", fp);
		for (i = 0; i < c->n_tposts; i++) {
			const struct ch_rp_post *p = &c->tposts[i];

			if ((size_t)p->question != qn)
				continue;
			ch_rp_fmt_hhmm(r, p->ms, t, sizeof t);
			fprintf(fp, "<p class='post%s'><span class=t>%s</span>",
				p->host ? " host" : "", t);
			who(fp, p->name, p->username ? p->username
						     : p->author_id);
			fputs(": ", fp);
			esc(fp, p->text);
			fputs("</p>", fp);
		}
	}
	fputs("</section></main></body></html>\n", fp);
	return ferror(fp) ? -1 : 0;
}
