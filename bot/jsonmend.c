/* jsonmend.c - JSON with malformed text mended before parsing (jsonmend.h). */
#include "jsonmend.h"

#include <stdbool.h>
#include <string.h>

#include "common.h"

#include <utf8proc.h>

#define REPL_UTF8 "\xEF\xBF\xBD"
#define REPL_ESC "\\uFFFD"

/* The length of the valid UTF-8 sequence at p (n bytes left), or 0
 * (utf8proc: overlong forms and surrogates are invalid too). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t k;

	if (p[0] < 0x80)
		return 1;
	k = utf8proc_iterate(p, (utf8proc_ssize_t)(n < 4 ? n : 4), &cp);
	return k > 0 ? (size_t)k : 0;
}

/* The value of the 4 hex digits at p, or -1. */
static long hex4(const char *p, size_t n)
{
	long v = 0;
	size_t i;

	if (n < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* The escape at s[i] (a backslash, inside a string) into b; returns the
 * bytes it took. A \u escape of NUL or of an unpaired surrogate is
 * mended; a pair is copied whole. */
static size_t escape(struct ch_buf *b, const char *s, size_t i, size_t len,
		     size_t *mended)
{
	long u, lo;

	if (i + 1 >= len || s[i + 1] != 'u' || (u = hex4(s + i + 2, len - i - 2)) < 0) {
		size_t take = i + 1 < len ? 2 : 1;

		ch_buf_append(b, s + i, take);
		return take;
	}
	if (u >= 0xD800 && u <= 0xDBFF && i + 11 < len && s[i + 6] == '\\' &&
	    s[i + 7] == 'u' && (lo = hex4(s + i + 8, len - i - 8)) >= 0xDC00 && lo <= 0xDFFF) {
		ch_buf_append(b, s + i, 12);
		return 12;
	}
	if (u == 0 || (u >= 0xD800 && u <= 0xDFFF)) {
		ch_buf_puts(b, REPL_ESC);
		(*mended)++;
	} else {
		ch_buf_append(b, s + i, 6);
	}
	return 6;
}

json_t *ch_json_loadb_mended(const char *buf, size_t len, size_t flags,
			     json_error_t *je, size_t *mended)
{
	struct ch_buf b = {0};
	size_t i = 0, n = 0;
	bool in_str = false;
	json_t *root;

	if (mended)
		*mended = 0;
	/* most pages are well formed: read as they are */
	root = buf ? json_loadb(buf, len, flags, je) : NULL;
	if (root)
		return root;
	while (buf && i < len) {
		const unsigned char *p = (const unsigned char *)buf + i;
		size_t k;

		if (in_str && *p == '\\') {
			i += escape(&b, buf, i, len, &n);
			continue;
		}
		if (*p == '"')
			in_str = !in_str;
		k = utf8_len(p, len - i);
		if (k == 0) {
			ch_buf_puts(&b, REPL_UTF8);
			n++;
			i++;
			continue;
		}
		ch_buf_append(&b, p, k);
		i += k;
	}
	if (mended)
		*mended = n;
	root = json_loadb(b.data ? b.data : "", b.len, flags, je);
	ch_buf_free(&b);
	return root;
}
