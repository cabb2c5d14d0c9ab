/* richtext.c - grapheme length, facets and TIDs of Bluesky posts. */
#include "richtext.h"

#include "common.h"

#include "tweetlen.h"

#include <math.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

/* One code point at s[0..len): its value in *cp (-1 for a bad byte) and
 * its length in bytes (>= 1). */
static size_t next_cp(const char *s, size_t len, int32_t *cp)
{
	utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s,
					      (utf8proc_ssize_t)len, cp);

	if (k < 1) {
		*cp = -1;
		return 1;
	}
	return (size_t)k;
}

long ch_bsky_graphemes(const char *text, size_t len)
{
	return ch_graphemes(text, len);
}

static bool is_space(int32_t cp)
{
	utf8proc_category_t c;

	if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
	    cp == '\f' || cp == '\v')
		return true;
	if (cp < 0)
		return false;
	c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL ||
	       c == UTF8PROC_CATEGORY_ZP;
}

/* Characters that end a tag as white space does (zero-width and soft
 * hyphen, as Bluesky's tag rule). */
static bool is_tag_stop(int32_t cp)
{
	return is_space(cp) || cp == 0x00AD || cp == 0x2060 ||
	       cp == 0x200A || cp == 0x200B || cp == 0x200C ||
	       cp == 0x200D || cp == 0x20E2;
}

static bool is_punct(int32_t cp)
{
	utf8proc_category_t c;

	if (cp < 0)
		return false;
	c = utf8proc_category(cp);
	return c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO;
}

static bool is_digit(int32_t cp)
{
	return cp >= 0 && utf8proc_category(cp) == UTF8PROC_CATEGORY_ND;
}

/* The code point that ends at s[end] (its start in *start). */
static int32_t cp_before(const char *s, size_t begin, size_t end,
			 size_t *start)
{
	size_t i = end;
	int32_t cp;

	do
		i--;
	while (i > begin && ((unsigned char)s[i] & 0xC0) == 0x80);
	next_cp(s + i, end - i, &cp);
	*start = i;
	return cp;
}

static void add_facet(json_t *out, size_t start, size_t end,
		      const char *type, const char *key, const char *value,
		      size_t value_len)
{
	json_t *f = json_object(), *feat = json_object();

	json_object_set_new(f, "index",
			    json_pack("{s:I,s:I}", "byteStart",
				      (json_int_t)start, "byteEnd",
				      (json_int_t)end));
	json_object_set_new(feat, "$type", json_string(type));
	json_object_set_new(feat, key, json_stringn(value, value_len));
	json_object_set_new(f, "features", json_pack("[o]", feat));
	json_array_append_new(out, f);
}

/* A tag from after its '#' at s[i] (body_at): its end, or 0 if none. */
static size_t tag_end(const char *s, size_t body_at, size_t len)
{
	size_t i = body_at, end, st;
	bool meaningful = false;
	int32_t cp;

	while (i < len) {
		size_t k = next_cp(s + i, len - i, &cp);

		if (cp < 0 || is_tag_stop(cp))
			break;
		i += k;
	}
	end = i;
	/* trailing punctuation is not part of the tag */
	while (end > body_at) {
		cp = cp_before(s, body_at, end, &st);
		if (!is_punct(cp))
			break;
		end = st;
	}
	if (end == body_at)
		return 0;
	if (next_cp(s + body_at, end - body_at, &cp) && cp == 0xFE0F)
		return 0; /* "#️⃣" is the keycap emoji, not a tag */
	for (i = body_at; i < end;) {
		i += next_cp(s + i, end - i, &cp);
		if (!is_digit(cp) && !is_punct(cp))
			meaningful = true;
	}
	if (!meaningful ||
	    ch_bsky_graphemes(s + body_at, end - body_at) > CH_BSKY_MAX_TAG)
		return 0;
	return end;
}

/* A link at s[i] ("http://" or "https://"): its end, or 0. */
static size_t link_end(const char *s, size_t i, size_t len)
{
	size_t p = i, open = 0, close = 0, end;
	int32_t cp;

	if (strncmp(s + i, "https://", 8) == 0)
		p += 8;
	else if (strncmp(s + i, "http://", 7) == 0)
		p += 7;
	else
		return 0;
	if (p >= len || is_space((unsigned char)s[p]))
		return 0;
	while (p < len) {
		size_t k = next_cp(s + p, len - p, &cp);

		/* a control character ends it too: never inside a link */
		if (cp < 0x20 || is_space(cp) || (cp >= 0x7f && cp <= 0x9f))
			break;
		open += cp == '(';
		close += cp == ')';
		p += k;
	}
	end = p;
	while (end > i && strchr(".,;:!?\"'", s[end - 1]) && s[end - 1])
		end--;
	if (end > i && s[end - 1] == ')' && close > open)
		end--;
	/* a facet the lexicon takes: a web address with a host */
	return ch_url_is_web(s + i, end - i) ? end : 0;
}

json_t *ch_bsky_facets(const char *text)
{
	json_t *out = json_array();
	size_t len = strlen(text), i = 0;
	int32_t prev = ' ';

	while (i < len) {
		int32_t cp;
		size_t k = next_cp(text + i, len - i, &cp), end;

		if ((cp == '#' || cp == 0xFF03) && is_space(prev) &&
		    (end = tag_end(text, i + k, len)) > 0) {
			add_facet(out, i, end, "app.bsky.richtext.facet#tag",
				  "tag", text + i + k, end - i - k);
			prev = 'x';
			i = end;
			continue;
		}
		if ((cp == 'h') && (i == 0 || is_space(prev) || prev == '(') &&
		    (end = link_end(text, i, len)) > 0) {
			add_facet(out, i, end, "app.bsky.richtext.facet#link",
				  "uri", text + i, end - i);
			prev = 'x';
			i = end;
			continue;
		}
		prev = cp;
		i += k;
	}
	return out;
}

static const char b32s[] = "234567abcdefghijklmnopqrstuvwxyz";

void ch_bsky_tid(double now, unsigned clock_id, char *out, size_t n)
{
	uint64_t us = (uint64_t)llround(now * 1e6) & ((UINT64_C(1) << 53) - 1);
	uint64_t v = (us << 10) | (clock_id & 1023u);
	char buf[CH_BSKY_TID_LEN + 1];
	int i;

	for (i = CH_BSKY_TID_LEN - 1; i >= 0; i--) {
		buf[i] = b32s[v & 31];
		v >>= 5;
	}
	buf[CH_BSKY_TID_LEN] = '\0';
	if (n)
		snprintf(out, n, "%s", buf);
}

int ch_bsky_tid_ok(const char *s)
{
	size_t i;

	if (!s || strlen(s) != CH_BSKY_TID_LEN)
		return 0;
	/* the first character carries the top bit, which is 0 */
	if (!strchr("234567abcdefghij", s[0]))
		return 0;
	for (i = 0; i < CH_BSKY_TID_LEN; i++)
		if (!s[i] || !strchr(b32s, s[i]))
			return 0;
	return 1;
}
