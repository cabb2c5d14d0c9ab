/* html.c - a status's HTML content as plain text (html.h). */
#include "html.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "net/net.h"

/* Appends code point cp as UTF-8 (an invalid one as U+FFFD). */
static void put_cp(struct ch_buf *b, unsigned long cp)
{
	char u[4];

	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		u[0] = (char)cp;
		ch_buf_append(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		ch_buf_append(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		ch_buf_append(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		ch_buf_append(b, u, 4);
	}
}

static const struct {
	const char *name;
	unsigned long cp;
} entities[] = {
	{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'},
	{"apos", '\''}, {"nbsp", 0xA0}, {NULL, 0},
};

/* Decodes the entity at s ('&'), appending it; returns the bytes used
 * (1 and a plain '&' when it is not one). */
static size_t entity(const char *s, size_t n, struct ch_buf *b)
{
	size_t i, k;

	if (n >= 3 && s[1] == '#') {
		bool hex = s[2] == 'x' || s[2] == 'X';
		char *end;
		unsigned long cp;
		const char *d = s + (hex ? 3 : 2);

		if ((hex && n > 3 && strchr("0123456789abcdefABCDEF", *d) && *d) ||
		    (!hex && *d >= '0' && *d <= '9')) {
			cp = strtoul(d, &end, hex ? 16 : 10);
			if ((size_t)(end - s) < n && *end == ';' &&
			    end - d <= 8) {
				put_cp(b, cp);
				return (size_t)(end - s) + 1;
			}
		}
	}
	for (i = 0; entities[i].name; i++) {
		k = strlen(entities[i].name);
		if (n >= k + 2 && strncmp(s + 1, entities[i].name, k) == 0 &&
		    s[k + 1] == ';') {
			put_cp(b, entities[i].cp);
			return k + 2;
		}
	}
	ch_buf_append(b, "&", 1);
	return 1;
}

/* Decodes text with entities (s[0..n)) into b. */
static void decoded(const char *s, size_t n, struct ch_buf *b)
{
	size_t i = 0;

	while (i < n) {
		if (s[i] == '&') {
			i += entity(s + i, n - i, b);
		} else {
			size_t j = i;

			while (j < n && s[j] != '&')
				j++;
			ch_buf_append(b, s + i, j - i);
			i = j;
		}
	}
}

/* One tag: its name (lowercase), whether it closes, and the values of
 * href and class (decoded). */
struct tag {
	char name[16];
	bool closing;
	struct ch_buf href, cls;
};

static const char *attr_value(const char *p, const char *end, size_t *len)
{
	char q;
	const char *v;

	if (p >= end || (*p != '"' && *p != '\'')) {
		v = p;
		while (p < end && *p != ' ' && *p != '>' && *p != '\t' &&
		       *p != '\n')
			p++;
		*len = (size_t)(p - v);
		return v;
	}
	q = *p++;
	v = p;
	while (p < end && *p != q)
		p++;
	*len = (size_t)(p - v);
	return v;
}

/* Reads the tag at s ('<') into t; gt is the first '>' after s, or NULL
 * (the caller finds it once for many tags: a strchr per '<' made 1 MB of
 * '<' quadratic). Returns its length, or 0 if s does not start a tag. */
static size_t read_tag(const char *s, const char *gt, struct tag *t)
{
	const char *p = s + 1;
	size_t k = 0;

	if (!gt)
		return 0;
	t->closing = *p == '/';
	if (t->closing)
		p++;
	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return 0;
	while (p < gt && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9'))) {
		if (k + 1 < sizeof t->name)
			t->name[k++] = (char)(*p | 0x20);
		p++;
	}
	t->name[k] = '\0';
	while (p < gt) {
		struct ch_buf *dst = NULL;
		const char *v;
		size_t vl;

		if (strncasecmp(p, "href=", 5) == 0 &&
		    (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n')) {
			dst = &t->href;
			p += 5;
		} else if (strncasecmp(p, "class=", 6) == 0 &&
			   (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n')) {
			dst = &t->cls;
			p += 6;
		} else {
			if (*p == '"' || *p == '\'') {
				attr_value(p, gt, &vl);
				p += vl + 2;
				continue;
			}
			p++;
			continue;
		}
		v = attr_value(p, gt, &vl);
		decoded(v, vl, dst);
		p = v + vl + (v > p ? 1 : 0);
	}
	return (size_t)(gt - s) + 1;
}

/* Ends the text so far with a blank line (a new paragraph), unless it is
 * empty or ends with one already. */
static void paragraph(struct ch_buf *b)
{
	if (b->len == 0)
		return;
	if (b->len >= 2 && b->data[b->len - 1] == '\n' &&
	    b->data[b->len - 2] == '\n')
		return;
	ch_buf_puts(b, b->len && b->data[b->len - 1] == '\n' ? "\n" : "\n\n");
}

char *ch_masto_text(const char *html)
{
	return ch_masto_text_links(html, NULL);
}

char *ch_masto_text_links(const char *html, char **links)
{
	struct ch_buf b = {0};
	char *cut = html && strlen(html) > CH_MASTO_HTML_MAX
			    ? ch_xstrndup(html, CH_MASTO_HTML_MAX) : NULL;
	const char *s = cut ? cut : html ? html : "", *gt = s;
	int skip_link = 0; /* inside a link shown as its URL */

	ch_buf_puts(&b, "");
	while (*s) {
		struct tag t;
		size_t n;

		if (*s != '<') {
			n = strcspn(s, "<");
			if (!skip_link)
				decoded(s, n, &b);
			s += n;
			continue;
		}
		memset(&t, 0, sizeof t);
		if (gt && gt <= s)
			gt = strchr(s, '>');
		n = read_tag(s, gt, &t);
		if (n == 0) {
			if (!skip_link)
				ch_buf_append(&b, "<", 1);
			s++;
			continue;
		}
		if (strcmp(t.name, "br") == 0 && !skip_link) {
			ch_buf_puts(&b, "\n");
		} else if (strcmp(t.name, "p") == 0 && !t.closing) {
			paragraph(&b);
		} else if (strcmp(t.name, "a") == 0 && t.closing) {
			skip_link = 0;
		} else if (strcmp(t.name, "a") == 0 && t.href.len &&
			   !strstr(ch_buf_str(&t.cls), "mention") &&
			   !strstr(ch_buf_str(&t.cls), "hashtag")) {
			ch_buf_append(&b, t.href.data, t.href.len);
			if (links)
				ch_links_add(links, ch_buf_str(&t.href));
			skip_link = 1;
		}
		ch_buf_free(&t.href);
		ch_buf_free(&t.cls);
		s += n;
	}
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	free(cut);
	return ch_buf_steal(&b);
}
