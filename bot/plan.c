/* plan.c - schedule + topic + date -> the timed posts, and their checks. */
#include "plan.h"

#include "net/net.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chtime.h"
#include "tweetlen.h"

static int is_tag_char(unsigned char c)
{
	/* ASCII letters, digits, underscore, and any non-ASCII byte (a
	 * hashtag may hold letters of any script) */
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* true if p (in text) lies inside a link: the word around it (up to the
 * last space before it) holds "://" or starts with "www." */
static bool in_url(const char *text, const char *p)
{
	const char *w = p, *q;

	while (w > text && !isspace((unsigned char)w[-1]))
		w--;
	if (strncasecmp(w, "www.", 4) == 0)
		return true;
	for (q = w; q + 3 <= p; q++)
		if (strncmp(q, "://", 3) == 0)
			return true;
	return false;
}

/* true if text holds hashtag (which starts with '#') as a whole tag, not
 * inside a link (https://example.com/#ICMIchat is no hashtag) */
static int has_hashtag(const char *text, const char *hashtag)
{
	size_t n = strlen(hashtag);
	const char *p;

	if (n < 2)
		return 1;
	for (p = text; *p; p++) {
		if (*p != '#')
			continue;
		if (strncasecmp(p, hashtag, n) == 0 &&
		    !is_tag_char((unsigned char)p[n]) &&
		    (p == text || !is_tag_char((unsigned char)p[-1])) &&
		    !in_url(text, p))
			return 1;
	}
	return 0;
}

/* The question label a text already starts with ("Q3: ...", "q3 - ...",
 * "Q3. ..."): its number, or 0. *rest is set past it. */
static int given_label(const char *text, const char **rest)
{
	const char *p = text;
	int n = 0, digits = 0;

	while (*p == ' ')
		p++;
	if (*p != 'Q' && *p != 'q')
		return 0;
	for (p++; isdigit((unsigned char)*p) && digits < 3; p++, digits++)
		n = n * 10 + (*p - '0');
	if (!digits || isdigit((unsigned char)*p))
		return 0;
	if (*p == ':' || *p == '.' || *p == ')')
		p++;
	else if (p[0] == ' ' && p[1] == '-' && p[2] == ' ')
		p += 2;
	else
		return 0;
	while (*p == ' ')
		p++;
	*rest = p;
	return n;
}

char *ch_plan_with_hashtag(const char *text, const char *hashtag)
{
	size_t len = strlen(text);

	if (has_hashtag(text, hashtag))
		return ch_xstrdup(text);
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len == 0)
		return ch_xstrdup(hashtag);
	return ch_xasprintf("%.*s %s", (int)len, text, hashtag);
}

const char *ch_plan_post_label(const struct ch_post *p, char *buf,
			       size_t size)
{
	if (p->kind == CH_POST_QUESTION)
		snprintf(buf, size, "Q%d", p->number);
	else if (p->kind == CH_POST_REMINDER)
		snprintf(buf, size, "reminder %d min before", -p->offset);
	else
		snprintf(buf, size, "%s",
			 p->kind == CH_POST_INTRO ? "intro"
			 : p->kind == CH_POST_NOTICE ? "notice" : "wrap-up");
	return buf;
}

static const char *post_name(const struct ch_post *p, char *buf, size_t size)
{
	switch (p->kind) {
	case CH_POST_INTRO:
		return "the intro";
	case CH_POST_WRAPUP:
		return "the wrap-up";
	case CH_POST_NOTICE:
		return "the notice";
	case CH_POST_REMINDER:
		snprintf(buf, size, "the reminder %d minutes before", -p->offset);
		return buf;
	case CH_POST_QUESTION:
		break;
	}
	snprintf(buf, size, "Q%d", p->number);
	return buf;
}

/* "New York" of "America/New_York". */
static void zone_city(const char *tz, char *buf, size_t size)
{
	const char *slash = strrchr(tz, '/');
	size_t i;

	snprintf(buf, size, "%s", slash ? slash + 1 : tz);
	for (i = 0; buf[i]; i++)
		if (buf[i] == '_')
			buf[i] = ' ';
}

/* {also}: the chat's time in each of s's also_zones. */
static void also_text(const struct ch_schedule *s, time_t start,
		      struct ch_buf *b)
{
	struct tm home, tm;
	size_t i;

	ch_utc_to_local(s->timezone, start, &home, NULL);
	for (i = 0; i < s->n_also_zones; i++) {
		char city[64], hm[32];

		ch_utc_to_local(s->also_zones[i], start, &tm, NULL);
		zone_city(s->also_zones[i], city, sizeof city);
		strftime(hm, sizeof hm,
			 tm.tm_mday != home.tm_mday ? "%H:%M %a" : "%H:%M", &tm);
		ch_buf_printf(b, "%s%s in %s", i ? ", " : "", hm, city);
	}
}

char *ch_plan_reminder_text(const struct ch_schedule *s,
			    const struct ch_reminder *r, const char *title,
			    time_t start)
{
	struct ch_buf b = {0};
	const char *p = r->text;
	struct tm tm;
	char *out;

	ch_utc_to_local(s->timezone, start, &tm, NULL);
	while (*p) {
		char v[64], city[64];

		if (strncmp(p, "{title}", 7) == 0) {
			ch_buf_puts(&b, title ? title : "");
			p += 7;
		} else if (strncmp(p, "{time}", 6) == 0) {
			strftime(v, sizeof v, "%H:%M", &tm);
			zone_city(s->timezone, city, sizeof city);
			ch_buf_printf(&b, "%s %s time", v, city);
			p += 6;
		} else if (strncmp(p, "{day}", 5) == 0) {
			ch_buf_puts(&b, ch_weekday_name(tm.tm_wday));
			p += 5;
		} else if (strncmp(p, "{date}", 6) == 0) {
			strftime(v, sizeof v, "%Y-%m-%d", &tm);
			ch_buf_puts(&b, v);
			p += 6;
		} else if (strncmp(p, "{also}", 6) == 0) {
			also_text(s, start, &b);
			p += 6;
		} else {
			ch_buf_printf(&b, "%c", *p++);
		}
	}
	out = ch_xstrdup(b.len ? ch_buf_str(&b) : "");
	ch_buf_free(&b);
	return out;
}

/* The schedule's reminders, before the intro (earliest first). */
static void add_reminders(struct ch_plan *p, const struct ch_schedule *s,
			  const char *title)
{
	size_t i;

	for (i = 0; i < s->n_reminders; i++) {
		const struct ch_reminder *r = &s->reminders[i];
		struct ch_post *post;
		char *text;

		p->posts = ch_xrealloc(p->posts, (p->n_posts + 1) * sizeof *p->posts);
		post = &p->posts[p->n_posts++];
		memset(post, 0, sizeof *post);
		post->kind = CH_POST_REMINDER;
		snprintf(post->key, sizeof post->key, "remind%d", r->before);
		post->offset = -r->before;
		post->at = p->start - (time_t)r->before * 60;
		post->line = r->line;
		text = ch_plan_reminder_text(s, r, title, p->start);
		post->text = ch_plan_with_hashtag(text, s->hashtag);
		post->weighted = ch_tweetlen_weighted(post->text);
		free(text);
	}
}

static void add_post(struct ch_plan *p, enum ch_post_kind kind, int number,
		     int offset, const char *text, int line,
		     const struct ch_schedule *s)
{
	struct ch_post *post;

	p->posts = ch_xrealloc(p->posts, (p->n_posts + 1) * sizeof *p->posts);
	post = &p->posts[p->n_posts++];
	memset(post, 0, sizeof *post);
	post->kind = kind;
	post->number = number;
	if (kind == CH_POST_INTRO)
		snprintf(post->key, sizeof post->key, "intro");
	else if (kind == CH_POST_WRAPUP)
		snprintf(post->key, sizeof post->key, "wrapup");
	else
		snprintf(post->key, sizeof post->key, "q%d", number);
	post->offset = offset;
	post->at = p->start + (time_t)offset * 60;
	post->line = line;
	post->reply_to_intro = s->thread && kind != CH_POST_INTRO;
	if (kind == CH_POST_QUESTION) {
		const char *rest = text;
		char *q;

		/* a text that already carries a label is not labelled twice */
		post->given_label = given_label(text, &rest);
		q = ch_xasprintf("Q%d: %s", number, rest);

		post->text = ch_plan_with_hashtag(q, s->hashtag);
		free(q);
	} else {
		post->text = ch_plan_with_hashtag(text, s->hashtag);
	}
	post->weighted = ch_tweetlen_weighted(post->text);
}

/* X's length rule, and the characters X refuses (and invalid UTF-8,
 * which no network takes) when with_length is false too. */
static void check_x(const char *text, const char *name, const char *whole,
		    const char *src, int line, bool with_length,
		    struct ch_diags *d)
{
	struct ch_tweetlen r;

	ch_tweetlen(text, strlen(text), &r);
	if (r.invalid_at >= 0 && r.invalid_cp)
		ch_diags_add(d, src, line,
			     "%s holds the character U+%04X (at character %ld), which X does not allow; remove it",
			     name, r.invalid_cp, r.invalid_at + 1);
	else if (r.invalid_at >= 0)
		ch_diags_add(d, src, line, "%s is not valid UTF-8; save the file as UTF-8",
			     name);
	if (with_length && r.too_long)
		ch_diags_add(d, src, line,
			     "%s is %d characters long as X counts them (at most %d): shorten it by %d",
			     whole ? whole : name, r.weighted, CH_TWEET_MAX,
			     r.weighted - CH_TWEET_MAX);
}

void ch_plan_check_text(const char *text, const char *name,
			const char *whole, const char *src, int line,
			struct ch_diags *d)
{
	check_x(text, name, whole, src, line, true, d);
}

/* Whether X is one of the chat's networks (none set: X). */
static bool hosts_on_x(const struct ch_schedule *s)
{
	size_t i;

	if (!s || s->n_nets == 0)
		return true;
	for (i = 0; i < s->n_nets; i++)
		if (strcmp(s->nets[i].name, "x") == 0)
			return true;
	return false;
}

/* X bills a post with a URL 13 times a post without: worth a warning. */
static void check_price(struct ch_plan *p, const struct ch_schedule *s,
			const struct ch_post *post, const char *name,
			const char *src)
{
	struct ch_tweetlen r;

	if (!s || !hosts_on_x(s))
		return;
	ch_tweetlen(post->text, strlen(post->text), &r);
	if (r.urls == 0 || s->price_post_url <= s->price_post)
		return;
	if (s->price_post > 0)
		ch_diags_add(&p->warnings, src, post->line,
			     "%s has a URL: on X a post with a URL costs $%.3f, %.0f times a post without ($%.3f)",
			     name, s->price_post_url,
			     s->price_post_url / s->price_post, s->price_post);
	else
		ch_diags_add(&p->warnings, src, post->line,
			     "%s has a URL: on X a post with a URL costs $%.3f",
			     name, s->price_post_url);
}

void ch_plan_check_nets(const struct ch_schedule *s, const char *text,
			const char *name, const char *whole, const char *src,
			int line, bool first_only, struct ch_diags *d)
{
	size_t i, n_nets = s ? (first_only && s->n_nets ? 1 : s->n_nets) : 0;
	bool x = !s || s->n_nets == 0;

	for (i = 0; i < n_nets; i++)
		if (strcmp(s->nets[i].name, "x") == 0)
			x = true;
	check_x(text, name, whole, src, line, x, d);
	for (i = 0; i < n_nets; i++) {
		const struct ch_net_ops *ops = ch_net_find(s->nets[i].name);
		long limit = 0, n;

		if (!ops || strcmp(ops->name, "x") == 0)
			continue;
		n = ops->length(text, strlen(text), &limit);
		if (n > limit)
			ch_diags_add(d, src, line,
				     "%s is %ld characters long as %s counts them (at most %ld): shorten it by %ld",
				     whole ? whole : name, n, ops->title, limit,
				     n - limit);
		else if (ops->max_bytes && strlen(text) > ops->max_bytes)
			ch_diags_add(d, src, line,
				     "%s is %zu bytes long in UTF-8 (at most %zu on %s, whatever the characters): shorten it by %zu bytes",
				     whole ? whole : name, strlen(text), ops->max_bytes,
				     ops->title, strlen(text) - ops->max_bytes);
	}
}

/* Length, validity and duplicate checks on every post. */
static void check_posts(struct ch_plan *p, const struct ch_schedule *s,
			const char *src, struct ch_diags *d)
{
	size_t i, j;
	char buf[48], other[48];

	for (i = 0; i < p->n_posts; i++) {
		const struct ch_post *post = &p->posts[i];
		const char *name = post_name(post, buf, sizeof buf);
		/* a reminder comes from the schedule */
		const char *from = post->kind == CH_POST_REMINDER ? s->path : src;

		ch_plan_check_nets(s, post->text, name, NULL, from, post->line,
				   false, d);
		check_price(p, s, post, name, from);
		if (post->given_label && post->given_label != post->number)
			ch_diags_add(d, src, post->line,
				     "%s starts with the label \"Q%d\": chathost numbers the questions itself (\"%s: ...\"); remove the label from the text",
				     name, post->given_label, name);
		for (j = 0; j < i; j++) {
			if (strcmp(p->posts[j].text, post->text) == 0) {
				ch_diags_add(d, from, post->line,
					     "%s has the same text as %s (line %d); X refuses duplicate posts: make them differ",
					     name,
					     post_name(&p->posts[j], other,
						       sizeof other),
					     p->posts[j].line);
				break;
			}
		}
	}
}

int ch_plan_build(struct ch_plan *p, const struct ch_schedule *s,
		  const struct ch_topic_body *body, const char *topic_path,
		  const char *date, struct ch_diags *d)
{
	const char *src = topic_path ? topic_path : "(topic)";
	size_t before = d->n;
	int y, m, dd, prev = 0;
	size_t i;

	memset(p, 0, sizeof *p);
	snprintf(p->date, sizeof p->date, "%s", date);
	p->topic_path = ch_xstrdup(topic_path);
	if (ch_parse_date(date, &y, &m, &dd) < 0 ||
	    ch_schedule_start(s, y, m, dd, &p->start) < 0) {
		ch_diags_add(d, src, 0, "cannot compute the chat time for %s",
			     date);
		return -1;
	}
	p->end = p->start + (time_t)s->duration * 60;

	add_reminders(p, s, body->title);
	add_post(p, CH_POST_INTRO, 0, 0, body->intro ? body->intro : "",
		 body->intro_line, s);
	for (i = 0; i < body->n_questions; i++) {
		const struct ch_question *q = &body->questions[i];
		int n = (int)i + 1;
		int at = q->at >= 0 ? q->at
				    : (i == 0 ? s->first_question
					      : prev + s->question_interval);

		if (at >= s->duration) {
			ch_diags_add(d, src, q->line,
				     "Q%d would be posted at minute %d, %s the end of the chat (minute %d, the wrap-up): move it earlier or lengthen duration in %s",
				     n, at, at == s->duration ? "at" : "after",
				     s->duration, s->path);
			continue;
		}
		if (at < prev || (at == prev && i > 0)) {
			ch_diags_add(d, src, q->line,
				     "Q%d at minute %d %s the question before it (minute %d): questions go in increasing time order",
				     n, at, at == prev ? "is at the same minute as" : "comes before",
				     prev);
			continue;
		}
		if (at == 0)
			ch_diags_add(&p->warnings, src, q->line,
				     "Q%d is posted at the intro's minute (at = 0): people have no time to read the intro first; ask it a minute or more later",
				     n);
		add_post(p, CH_POST_QUESTION, n, at, q->text ? q->text : "",
			 q->line, s);
		prev = at;
	}
	add_post(p, CH_POST_WRAPUP, 0, s->duration,
		 body->wrapup ? body->wrapup : "", body->wrapup_line, s);
	check_posts(p, s, src, d);
	return d->n > before ? -1 : 0;
}

void ch_plan_free(struct ch_plan *p)
{
	size_t i;

	for (i = 0; i < p->n_posts; i++)
		free(p->posts[i].text);
	free(p->posts);
	free(p->topic_path);
	ch_diags_free(&p->warnings);
	memset(p, 0, sizeof *p);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* A reminder that names the title ({title}) of a poll's topic must come
 * after the poll has chosen it. */
static void check_reminder_titles(const struct ch_topic *t,
				  const struct ch_schedule *s, time_t start,
				  time_t closes, struct ch_diags *d)
{
	size_t i;

	for (i = 0; i < s->n_reminders; i++) {
		const struct ch_reminder *r = &s->reminders[i];

		if (strstr(r->text, "{title}") &&
		    start - (time_t)r->before * 60 < closes)
			ch_diags_add(d, s->path, r->line,
				     "the reminder %d minutes before uses {title}, but the poll of %s chooses the title only when it closes, later: remind later, or leave {title} out",
				     r->before, t->path);
	}
}

int ch_plan_check_topic(const struct ch_topic *t, const struct ch_schedule *s,
			struct ch_diags *d)
{
	size_t before = d->n;
	const char *base = base_name(t->path);
	int y, m, dd, wd;
	time_t start;

	if (ch_parse_date(t->date, &y, &m, &dd) < 0)
		return -1; /* reported by the topic loader */
	wd = ch_weekday(y, m, dd);
	if (wd != s->weekday)
		ch_diags_add(d, t->path, t->date_line,
			     "date %s is a %s, but %s chats are on %ss (%s): fix the date",
			     t->date, ch_weekday_name(wd), s->name,
			     ch_weekday_name(s->weekday), s->path);
	if (strlen(base) == 15 && strcmp(base + 10, ".conf") == 0 &&
	    isdigit((unsigned char)base[0]) && strncmp(base, t->date, 10) != 0)
		ch_diags_add(d, t->path, t->date_line,
			     "date %s does not match the file name %s: rename the file or fix the date",
			     t->date, base);
	if (t->has_poll && t->poll.post_at &&
	    ch_schedule_start(s, y, m, dd, &start) == 0) {
		time_t post_at, closes;
		char cbuf[32], sbuf[32];

		if (ch_poll_post_at(&t->poll, s->timezone, &post_at) == 0) {
			closes = post_at + (time_t)t->poll.duration * 60;
			if (closes > start) {
				struct tm tm;

				ch_utc_to_local(s->timezone, closes, &tm, NULL);
				strftime(cbuf, sizeof cbuf, "%Y-%m-%d %H:%M",
					 &tm);
				ch_utc_to_local(s->timezone, start, &tm, NULL);
				strftime(sbuf, sizeof sbuf, "%Y-%m-%d %H:%M",
					 &tm);
				ch_diags_add(d, t->path, t->poll.duration_line,
					     "the poll closes at %s, after the chat starts (%s %s): post it earlier or shorten poll.duration",
					     cbuf, sbuf, s->timezone);
			}
			check_reminder_titles(t, s, start, closes, d);
		}
	}
	return d->n > before ? -1 : 0;
}
