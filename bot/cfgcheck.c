/* cfgcheck.c - libconfig loading and checking helpers (see cfgcheck.h). */
#include "cfgcheck.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Past the comment at i (#, //, or a block comment); counts lines. */
static size_t skip_comment(const char *s, size_t len, size_t i, int *line)
{
	if (s[i] == '#' || s[i + 1] == '/') {
		while (i < len && s[i] != '\n')
			i++;
		return i;
	}
	i += 2;
	while (i < len && !(s[i] == '*' && i + 1 < len && s[i + 1] == '/')) {
		if (s[i] == '\n')
			(*line)++;
		i++;
	}
	return i < len ? i + 2 : len;
}

/* From the opening quote at i to the closing one (or the end of the line
 * or of the text, for a string not closed). */
static size_t skip_string(const char *s, size_t len, size_t i)
{
	i++;
	while (i < len && s[i] != '"' && s[i] != '\n') {
		if (s[i] == '\\' && i + 1 < len && s[i + 1] != '\n')
			i++;
		i++;
	}
	return i;
}

/* Scans the source like libconfig's lexer does (strings, comments, names,
 * numbers) for what libconfig 1.5 would accept silently: integers that
 * overflow (it truncates them) and @include directives (which would read
 * other files); and warns (warn may be NULL) of two strings in a list
 * with no comma between them, which libconfig joins into one item.
 * Returns the number of problems reported. */
static int prescan(const char *path, const char *s, size_t len,
		   struct ch_diags *d, struct ch_diags *warn)
{
	size_t i = 0;
	int line = 1, bad = 0, depth = 0;
	bool line_start = true, after_string = false;

	while (i < len) {
		char ch = s[i];

		if (ch == '\n') {
			line++;
			i++;
			line_start = true;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\r') {
			i++;
			continue;
		}
		if (ch == '@' && line_start &&
		    strncmp(s + i, "@include", 8) == 0) {
			ch_diags_add(d, path, line,
				     "@include is not supported: put every "
				     "setting in this file");
			bad++;
		}
		line_start = false;
		if (ch == '#' || (ch == '/' && i + 1 < len && s[i + 1] == '/') ||
		    (ch == '/' && i + 1 < len && s[i + 1] == '*')) {
			i = skip_comment(s, len, i, &line);
			continue;
		}
		if (ch == '"') {
			int start_line = line;

			if (after_string && depth > 0 && warn)
				ch_diags_add(warn, path, line,
					     "two texts with no comma between them are joined into one item: put a comma between the items of a list");
			i = skip_string(s, len, i);
			if (i >= len || s[i] == '\n') {
				/* libconfig would read on into the next lines and
				 * report a later line (and leak on the error).
				 * What follows is garbled by the stray quote: stop
				 * at this, the first such problem. */
				ch_diags_add(d, path, start_line,
					     "text in quotes is not closed on this "
					     "line: end it with \" (write \\n for a "
					     "line break; split a long text as "
					     "\"part one \" \"part two\")");
				return bad + 1;
			}
			i++;
			after_string = true;
			continue;
		}
		after_string = false;
		depth += ch == '(' ? 1 : ch == ')' && depth > 0 ? -1 : 0;
		if (isalpha((unsigned char)ch) || ch == '*') {
			while (i < len && (isalnum((unsigned char)s[i]) ||
					   strchr("-_*", s[i])))
				i++;
			continue;
		}
		if (isdigit((unsigned char)ch)) {
			size_t start = i;
			uint64_t v = 0;
			bool hex = false, big = false, isfloat = false;

			if (ch == '0' && i + 1 < len &&
			    (s[i + 1] == 'x' || s[i + 1] == 'X')) {
				hex = true;
				i += 2;
			}
			while (i < len && (hex ? isxdigit((unsigned char)s[i])
					       : isdigit((unsigned char)s[i]))) {
				int dv = isdigit((unsigned char)s[i])
						 ? s[i] - '0'
						 : tolower((unsigned char)s[i]) -
							   'a' + 10;

				v = v * (hex ? 16 : 10) + (uint64_t)dv;
				if (v > (uint64_t)UINT32_MAX)
					big = true;
				i++;
			}
			if (!hex && i < len &&
			    (s[i] == '.' || s[i] == 'e' || s[i] == 'E'))
				isfloat = true;
			if (i < len && s[i] == 'L')
				big = false; /* a 64-bit literal: range-checked later */
			else if (!hex && v > INT_MAX)
				big = true;
			if (big && !isfloat) {
				ch_diags_add(d, path, line,
					     "number %.*s is too large",
					     (int)(i - start > 30 ? 30 : i - start),
					     s + start);
				bad++;
			}
			while (i < len && (isalnum((unsigned char)s[i]) ||
					   s[i] == '.' || s[i] == '+' ||
					   s[i] == '-'))
				i++;
			continue;
		}
		i++;
	}
	return bad;
}

/* The first byte of s that is not part of valid UTF-8, or NULL. */
static const char *bad_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		size_t n, k;

		if (*p < 0x80) {
			p++;
			continue;
		}
		n = (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3
		    : (*p & 0xF8) == 0xF0 ? 4 : 0;
		if (n == 0 || (size_t)(end - p) < n || (*p == 0xC0 || *p == 0xC1))
			return (const char *)p;
		for (k = 1; k < n; k++)
			if ((p[k] & 0xC0) != 0x80)
				return (const char *)p;
		p += n;
	}
	return NULL;
}

static int line_of(const char *s, const char *at)
{
	int line = 1;

	for (; s < at; s++)
		line += *s == '\n';
	return line;
}

/* Files as people save them: UTF-16 (Windows "Unicode"), NUL bytes,
 * Latin-1 or another encoding that is not UTF-8. Returns 0 or -1. */
static int check_encoding(const char *path, const char *s, size_t len,
			  struct ch_diags *d)
{
	const char *bad;

	if (len >= 2 && (((unsigned char)s[0] == 0xFF && (unsigned char)s[1] == 0xFE) ||
			 ((unsigned char)s[0] == 0xFE && (unsigned char)s[1] == 0xFF))) {
		ch_diags_add(d, path, 0,
			     "the file is UTF-16 (Windows \"Unicode\"): save it as UTF-8");
		return -1;
	}
	if (memchr(s, '\0', len)) {
		ch_diags_add(d, path, 0,
			     "contains a NUL byte: this is not a text file (UTF-16? save it as UTF-8)");
		return -1;
	}
	bad = bad_utf8(s, len);
	if (bad) {
		ch_diags_add(d, path, line_of(s, bad),
			     "not UTF-8: byte 0x%02X is not valid UTF-8 (Latin-1 or Windows-1252?): save the file as UTF-8",
			     (unsigned char)*bad);
		return -1;
	}
	return 0;
}

/* A hint for a syntax error from what its line holds: the ways a file
 * saved by a word processor or written like a .env file goes wrong. */
static const char *syntax_hint(const char *text, int line)
{
	const char *p = text, *e;
	int n = 1;

	while (n < line && (p = strchr(p, '\n')) != NULL) {
		p++;
		n++;
	}
	if (!p)
		return NULL;
	e = strchr(p, '\n');
	if (!e)
		e = p + strlen(p);
	for (n = 0; p + n < e; n++) {
		if (strncmp(p + n, "\xE2\x80\x9C", 3) == 0 ||
		    strncmp(p + n, "\xE2\x80\x9D", 3) == 0)
			return "curly quotes \xE2\x80\x9C \xE2\x80\x9D are not quotes here (a word processor put them in): use straight double quotes \"...\"";
		if (strncmp(p + n, "\xE2\x80\x98", 3) == 0 ||
		    strncmp(p + n, "\xE2\x80\x99", 3) == 0 || p[n] == '\'')
			return "text in single quotes: use double quotes \"...\"";
	}
	while (p < e && isspace((unsigned char)*p))
		p++;
	for (n = 0; p + n < e && (isalnum((unsigned char)p[n]) || p[n] == '_'); n++)
		;
	if (n > 0 && p + n < e && p[n] == '=' && p + n + 1 < e &&
	    !strchr(" \"(\[{", p[n + 1]) && !isdigit((unsigned char)p[n + 1]))
		return "a KEY=value line: write name = \"value\"; (spaces optional, the text in double quotes)";
	return NULL;
}

/* Parses c->text (after a UTF-8 byte-order mark) with libconfig. */
static int parse(struct ch_cfg *c, struct ch_diags *d)
{
	const char *src = c->text;

	if (strncmp(src, "\xEF\xBB\xBF", 3) == 0)
		src += 3; /* a byte-order mark: Windows editors write one */
	config_init(&c->cfg);
	c->inited = true;
	if (!config_read_string(&c->cfg, src)) {
		const char *t = config_error_text(&c->cfg);
		const char *hint = "";
		int line = config_error_line(&c->cfg);
		const char *why = syntax_hint(src, line);

		if (!t)
			t = "syntax error";
		if (strcmp(t, "syntax error") == 0 && why) {
			ch_diags_add(d, c->path, line, "%s", why);
			return -1;
		}
		if (strcmp(t, "syntax error") == 0)
			hint = " (libconfig syntax: name = value; strings in "
			       "double quotes, groups in { }, lists in ( ))";
		else if (strstr(t, "duplicate"))
			hint = ": each setting appears once; remove or rename "
			       "one";
		else if (strstr(t, "mismatched"))
			hint = ": an array [ ] holds values of one type; use a "
			       "list ( ) to mix them";
		ch_diags_add(d, c->path, line, "%s%s", t, hint);
		return -1;
	}
	return 0;
}

int ch_cfg_open(struct ch_cfg *c, const char *path, struct ch_diags *d)
{
	struct ch_error err;
	size_t len = 0;

	ch_error_clear(&err);
	c->path = path;
	c->text = ch_read_file(path, CH_CFG_MAX_BYTES, &len, &err);
	if (!c->text) {
		ch_diags_add_error(d, &err);
		return -1;
	}
	if (check_encoding(path, c->text, len, d) < 0)
		return -1;
	/* before parsing: libconfig would follow @include while parsing */
	if (prescan(path, c->text, len, d, c->warn) > 0)
		return -1;
	return parse(c, d);
}

void ch_cfg_close(struct ch_cfg *c)
{
	if (c->inited)
		config_destroy(&c->cfg);
	c->inited = false;
	free(c->text);
	c->text = NULL;
}

/* true if the line starting at p holds no value token. */
static bool line_is_closing(const char *p)
{
	for (; *p && *p != '\n'; p++) {
		if (strchr(" \t\r),;]}", *p))
			continue;
		if (*p == '#' || (p[0] == '/' && (p[1] == '/' || p[1] == '*')))
			return true;
		return false;
	}
	return true;
}

int ch_cfg_line(const struct ch_cfg *c, const config_setting_t *s)
{
	int line = s ? (int)config_setting_source_line(s) : 0;
	const char **starts = NULL;
	const char *p;
	int n = 0, cap = 0, out = line;

	if (!c->text || line <= 1 || config_setting_name(s))
		return line;
	/* index line starts up to the reported line */
	for (p = c->text; *p && n < line; ) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			starts = ch_xrealloc(starts, (size_t)cap * sizeof *starts);
		}
		starts[n++] = p;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	while (out > 1 && out <= n && line_is_closing(starts[out - 1]))
		out--;
	free(starts);
	return out;
}

const char *ch_cfg_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP: return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "a whole number";
	case CONFIG_TYPE_FLOAT: return "a decimal number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "true/false";
	case CONFIG_TYPE_ARRAY: return "an array [ ... ]";
	case CONFIG_TYPE_LIST: return "a list ( ... )";
	default: return "empty";
	}
}

int ch_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int *row, prev, tmp, best;

	if (la > 64 || lb > 64)
		return 99;
	row = ch_xmalloc((lb + 1) * sizeof *row);
	for (j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			int cost = tolower((unsigned char)a[i - 1]) !=
				   tolower((unsigned char)b[j - 1]);

			tmp = row[j];
			best = prev + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

void ch_cfg_check_keys(const struct ch_cfg *c, const config_setting_t *group,
		       const char *const *known, const char *where,
		       struct ch_diags *d)
{
	int i, n = config_setting_length(group);
	size_t k;

	for (i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(m);
		const char *best = NULL;
		int bestd = 99;
		struct ch_buf list = {0};

		if (!name)
			continue;
		for (k = 0; known[k]; k++) {
			int dist;

			if (strcmp(name, known[k]) == 0)
				break;
			dist = ch_edit_distance(name, known[k]);
			if (dist < bestd) {
				bestd = dist;
				best = known[k];
			}
		}
		if (known[k])
			continue;
		if (best && (bestd <= 2 || (size_t)bestd * 3 <= strlen(best)) &&
		    (size_t)bestd < strlen(name)) {
			ch_diags_add(d, c->path, ch_cfg_line(c, m),
				     "unknown setting \"%s\"%s%s; did you mean "
				     "\"%s\"?", name, where[0] ? " " : "",
				     where, best);
		} else {
			for (k = 0; known[k]; k++)
				ch_buf_printf(&list, "%s%s", k ? ", " : "",
					      known[k]);
			ch_diags_add(d, c->path, ch_cfg_line(c, m),
				     "unknown setting \"%s\"%s%s (known "
				     "settings: %s)", name, where[0] ? " " : "",
				     where, ch_buf_str(&list));
		}
		ch_buf_free(&list);
	}
}

void ch_cfg_type_error(const struct ch_cfg *c, const config_setting_t *s,
		       const char *name, const char *what,
		       struct ch_diags *d)
{
	int t = config_setting_type(s);
	const char *hint = "";

	if (t == CONFIG_TYPE_STRING && strstr(what, "number"))
		hint = " (write it without quotes)";
	else if (t != CONFIG_TYPE_STRING && strstr(what, "string"))
		hint = " (put it in double quotes)";
	else if (t == CONFIG_TYPE_STRING && strstr(what, "true"))
		hint = " (write true or false without quotes)";
	ch_diags_add(d, c->path, ch_cfg_line(c, s), "%s must be %s, not %s%s",
		     name, what, ch_cfg_type_name(s), hint);
}

int ch_cfg_string(const struct ch_cfg *c, const config_setting_t *group,
		  const char *key, const char *name, const char *what,
		  const char **out, int *line, struct ch_diags *d)
{
	config_setting_t *s = config_setting_get_member(group, key);

	if (!s)
		return 0;
	if (line)
		*line = ch_cfg_line(c, s);
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		ch_cfg_type_error(c, s, name, what, d);
		return -1;
	}
	*out = config_setting_get_string(s);
	return 1;
}

int ch_cfg_int(const struct ch_cfg *c, const config_setting_t *group,
	       const char *key, const char *name, const char *what, int *out,
	       int *line, struct ch_diags *d)
{
	config_setting_t *s = config_setting_get_member(group, key);
	long long v;

	if (!s)
		return 0;
	if (line)
		*line = ch_cfg_line(c, s);
	if (config_setting_type(s) == CONFIG_TYPE_INT) {
		*out = config_setting_get_int(s);
		return 1;
	}
	if (config_setting_type(s) == CONFIG_TYPE_INT64) {
		v = config_setting_get_int64(s);
		if (v > INT_MAX || v < INT_MIN) {
			ch_diags_add(d, c->path, ch_cfg_line(c, s),
				     "%s: number %lld is too large", name, v);
			return -1;
		}
		*out = (int)v;
		return 1;
	}
	ch_cfg_type_error(c, s, name, what, d);
	return -1;
}

int ch_cfg_bool(const struct ch_cfg *c, const config_setting_t *group,
		const char *key, const char *name, bool *out, int *line,
		struct ch_diags *d)
{
	config_setting_t *s = config_setting_get_member(group, key);

	if (!s)
		return 0;
	if (line)
		*line = ch_cfg_line(c, s);
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		ch_cfg_type_error(c, s, name, "true or false", d);
		return -1;
	}
	*out = config_setting_get_bool(s) != 0;
	return 1;
}

long ch_utf8_count(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	while (*p) {
		unsigned cp;
		int k, i;

		if (p[0] < 0x80) {
			p++;
			n++;
			continue;
		}
		if ((p[0] & 0xE0) == 0xC0) {
			k = 1;
			cp = p[0] & 0x1F;
		} else if ((p[0] & 0xF0) == 0xE0) {
			k = 2;
			cp = p[0] & 0x0F;
		} else if ((p[0] & 0xF8) == 0xF0) {
			k = 3;
			cp = p[0] & 0x07;
		} else {
			return -1;
		}
		for (i = 1; i <= k; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) ||
		    (k == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return -1;
		p += k + 1;
		n++;
	}
	return n;
}

bool ch_blank(const char *s)
{
	for (; *s; s++) {
		if (!strchr(" \t\r\n", *s))
			return false;
	}
	return true;
}
