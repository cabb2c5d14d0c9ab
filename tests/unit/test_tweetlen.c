/* test_tweetlen.c - the twitter-text v3 weighted length: the transcribed
 * twitter-text conformance cases (tests/data/twitter-text/validate-v3.tsv)
 * and our own cases (NFC, CJK, emoji, URLs, limits, invalid input). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "tweetlen.h"

/* ---- conformance data ------------------------------------------------- */

#define CONF_FILE "twitter-text/validate-v3.tsv"
#define CONF_CASES 25 /* rows in the file: a lost row fails the test */

static char *read_conf(void)
{
	static const char *const dirs[] = {"tests/data", "../data", "../../tests/data"};
	const char *env = getenv("CH_TEST_DATA_DIR");
	char path[512];
	char *text;
	size_t i;

	if (env) {
		snprintf(path, sizeof path, "%s/%s", env, CONF_FILE);
		return ch_read_file(path, 1 << 20, NULL, NULL);
	}
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dirs[i], CONF_FILE);
		if ((text = ch_read_file(path, 1 << 20, NULL, NULL)) != NULL)
			return text;
	}
	return NULL;
}

static void put_utf8(struct ch_buf *b, unsigned long c)
{
	char u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xC0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xE0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[3] = (char)(0x80 | (c & 0x3F));
		n = 4;
	}
	ch_buf_append(b, u, n);
}

static unsigned long hexval(const char *s, int n)
{
	char tmp[9];

	ck_assert_int_le(n, 8);
	memcpy(tmp, s, (size_t)n);
	tmp[n] = '\0';
	return strtoul(tmp, NULL, 16);
}

/* Expands the escapes of src[0..n) (see the data file's header) into b;
 * stops at an unescaped ')' when nested; returns the characters used. */
static size_t unescape(const char *src, size_t n, struct ch_buf *b, int nested)
{
	size_t i = 0;

	while (i < n) {
		if (nested && src[i] == ')')
			return i;
		if (src[i] != '\\' || i + 1 >= n) {
			ch_buf_append(b, src + i, 1);
			i++;
			continue;
		}
		switch (src[i + 1]) {
		case 'n': ch_buf_append(b, "\n", 1); i += 2; break;
		case 't': ch_buf_append(b, "\t", 1); i += 2; break;
		case '\\': ch_buf_append(b, "\\", 1); i += 2; break;
		case ')': ch_buf_append(b, ")", 1); i += 2; break;
		case 'u': put_utf8(b, hexval(src + i + 2, 4)); i += 6; break;
		case 'U': put_utf8(b, hexval(src + i + 2, 8)); i += 10; break;
		case '*': {
			char *end;
			unsigned long k, count = strtoul(src + i + 2, &end, 10);
			struct ch_buf one = {0};
			size_t used;

			ck_assert_msg(*end == '(', "bad \\* escape");
			used = unescape(end + 1, n - (size_t)(end + 1 - src), &one, 1);
			for (k = 0; k < count; k++)
				ch_buf_append(b, ch_buf_str(&one), one.len);
			ch_buf_free(&one);
			i = (size_t)(end + 1 - src) + used + 1;
			break;
		}
		default:
			ck_abort_msg("unknown escape \\%c", src[i + 1]);
		}
	}
	return i;
}

static size_t utf16_len(const char *s, size_t n)
{
	size_t i, u = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c & 0xC0) != 0x80)
			u += c >= 0xF0 ? 2 : 1;
	}
	return u;
}

struct conf_case {
	char *fields[6]; /* section weighted valid display_end text description */
};

/* Splits row `want` of the data (0-based, comments skipped) into fields;
 * returns the number of rows. data is modified. */
static int conf_row(char *data, int want, struct conf_case *out)
{
	char *line = data, *next;
	int row = 0;

	for (; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		if (row == want) {
			int f = 0;
			char *p = line;

			for (f = 0; f < 6; f++) {
				out->fields[f] = p;
				p = strchr(p, '\t');
				if (!p) {
					ck_assert_int_eq(f, 5);
					break;
				}
				*p++ = '\0';
			}
		}
		row++;
	}
	return row;
}

START_TEST(test_conformance)
{
	char *data = read_conf();
	struct conf_case c = {{NULL}};
	struct ch_buf text = {0};
	struct ch_tweetlen r;
	int rows;

	ck_assert_msg(data != NULL, "cannot read tests/data/" CONF_FILE);
	rows = conf_row(data, _i, &c);
	ck_assert_int_eq(rows, CONF_CASES);
	ck_assert_ptr_nonnull(c.fields[5]);
	unescape(c.fields[4], strlen(c.fields[4]), &text, 0);
	/* the transcription: the text's UTF-16 length is displayRangeEnd + 1 */
	ck_assert_msg(utf16_len(ch_buf_str(&text), text.len) ==
			      (size_t)atol(c.fields[3]) + 1,
		      "%s: %s: transcribed text has %zu UTF-16 units, want %ld",
		      c.fields[0], c.fields[5], utf16_len(ch_buf_str(&text), text.len),
		      atol(c.fields[3]) + 1);
	ch_tweetlen(ch_buf_str(&text), text.len, &r);
	ck_assert_msg(r.weighted == atoi(c.fields[1]), "%s: %s: weighted %d, want %s",
		      c.fields[0], c.fields[5], r.weighted, c.fields[1]);
	ck_assert_msg(r.valid == (strcmp(c.fields[2], "true") == 0),
		      "%s: %s: valid %d, want %s", c.fields[0], c.fields[5],
		      r.valid, c.fields[2]);
	ck_assert_int_eq(r.too_long, r.weighted > 280);
	ch_buf_free(&text);
	free(data);
}
END_TEST

/* ---- our own cases ---------------------------------------------------- */

struct own_case {
	const char *text;
	int weighted;
	int valid;
	long invalid_at;
	unsigned invalid_cp;
};

static const struct own_case own[] = {
	/* empty and blank (String.trim() empties it): 0, invalid */
	{"", 0, 0, -1, 0},
	{"  \n\t ", 0, 0, -1, 0},
	/* Latin */
	{"hello world", 11, 1, -1, 0},
	{"caf\xc3\xa9", 4, 1, -1, 0},                /* café, precomposed */
	{"cafe\xcc\x81", 4, 1, -1, 0},               /* e + U+0301: NFC composes */
	{"A\xcc\x8a", 1, 1, -1, 0},                  /* A + ring = U+00C5 */
	{"\xe2\x84\xab", 1, 1, -1, 0},               /* U+212B ANGSTROM -> U+00C5 */
	/* canonical reordering: e + U+0302 + U+0323 -> U+1EC7 (weighs 2) */
	{"e\xcc\x82\xcc\xa3", 2, 1, -1, 0},
	/* e + U+0301 + U+0323: U+1EB9 U+0301 (no single composite) */
	{"e\xcc\x81\xcc\xa3", 3, 1, -1, 0},
	/* A + ring + dot below: reordered to U+1EA0 U+030A (2 + 1); without
	 * reordering it would be U+00C5 U+0323 (1 + 1) */
	{"A\xcc\x8a\xcc\xa3", 3, 1, -1, 0},
	/* a leading combining mark stays */
	{"\xcc\x81""a", 2, 1, -1, 0},
	/* Hangul: conjoining jamo (U+1100.. weigh 2 each) compose to one syllable */
	{"\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", 2, 1, -1, 0},
	{"\xea\xb0\x80\xe1\x86\xa8", 2, 1, -1, 0},   /* U+AC00 + T jamo */
	/* CJK: 2 each */
	{"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 6, 1, -1, 0},
	{"\xe3\x81\x82 a", 4, 1, -1, 0},
	/* the weight-1 General Punctuation ranges, and neighbours */
	{"\xe2\x80\x94", 1, 1, -1, 0},               /* U+2014 em dash */
	{"\xe2\x80\xa6", 2, 1, -1, 0},               /* U+2026 ellipsis */
	{"\xe2\x80\xb2", 1, 1, -1, 0},               /* U+2032 prime */
	{"\xe2\x80\xb8", 2, 1, -1, 0},               /* U+2038 */
	{"\xe1\x83\xbf", 1, 1, -1, 0},               /* U+10FF (4351) */
	/* emoji: a sequence counts 2 */
	{"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"
	 "\xe2\x80\x8d\xf0\x9f\x91\xa6", 2, 1, -1, 0},          /* family ZWJ */
	{"\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", 2, 1, -1, 0},      /* thumbs up + tone */
	{"\xf0\x9f\x87\xaf\xf0\x9f\x87\xb5", 2, 1, -1, 0},      /* flag JP */
	{"\xf0\x9f\x87\xaf\xf0\x9f\x87\xb5\xf0\x9f\x87\xab\xf0\x9f\x87\xb7", 4, 1, -1, 0},
	{"\xf0\x9f\x87\xaf", 2, 1, -1, 0},                      /* lone RI */
	{"1\xef\xb8\x8f\xe2\x83\xa3", 2, 1, -1, 0},             /* keycap 1 */
	{"#\xe2\x83\xa3", 2, 1, -1, 0},                         /* keycap # */
	{"12", 2, 1, -1, 0},
	{"\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2\xf3\xa0\x81\xb3\xf3\xa0\x81\xa3"
	 "\xf3\xa0\x81\xb4\xf3\xa0\x81\xbf", 2, 1, -1, 0},       /* Scotland tags */
	{"\xe2\x9d\xa4\xef\xb8\x8f", 2, 1, -1, 0},              /* heart + VS16 */
	{"\xe2\x9d\xa4\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x94\xa5", 2, 1, -1, 0}, /* heart on fire */
	{"\xe2\x98\xba\xef\xb8\x8e", 4, 1, -1, 0},              /* U+263A + VS15: text */
	{"\xc2\xa9", 1, 1, -1, 0},                              /* (c) alone: 1 */
	{"\xc2\xa9\xef\xb8\x8f", 2, 1, -1, 0},                  /* (c) + VS16: emoji */
	{"a\xef\xb8\x8f", 3, 1, -1, 0},                         /* stray VS16 */
	{"\xf0\x9f\x98\x80\xe2\x80\x8d", 3, 1, -1, 0},          /* trailing ZWJ: 1 */
	/* 5 men joined: at most 4 elements make one emoji, then ZWJ 1 + man 2 */
	{"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa8"
	 "\xe2\x80\x8d\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa8", 5, 1, -1, 0},
	{"\xf0\x9f\x90\xb1\xf0\x9f\x8f\xbd", 4, 1, -1, 0},      /* cat is no modifier base */
	/* URLs: 23 each, with or without a scheme */
	{"https://example.com/path?x=1", 23, 1, -1, 0},
	{"http://example.com", 23, 1, -1, 0},
	{"HTTPS://www.ExaMPLE.COM/index.html", 23, 1, -1, 0},
	{"example.com", 23, 1, -1, 0},
	{"www.example.co.uk/a/b", 23, 1, -1, 0},
	{"foo.jp", 23, 1, -1, 0},
	{"see example.com/foo.", 28, 1, -1, 0},        /* the final '.' is not part */
	{"(see example.com)", 29, 1, -1, 0},
	{"foo.notatld", 11, 1, -1, 0},
	{"a.b", 3, 1, -1, 0},
	{"@example.com", 12, 1, -1, 0},
	{"$example.com", 12, 1, -1, 0},
	{"#example.com", 12, 1, -1, 0},
	{"x.example.com", 23, 1, -1, 0},
	{"ftp://example.com", 17, 1, -1, 0},           /* no URL after '/' */
	{"http://t.co/abc's", 25, 1, -1, 0},           /* t.co: slug only */
	{"http://192.168.0.1/", 19, 1, -1, 0},         /* no TLD: not a URL */
	{"http://\xe2\x98\x83.net/", 23, 1, -1, 0},    /* unicode host */
	{"\xe2\x98\x83.net", 6, 1, -1, 0},             /* ... needs the scheme */
	{"twitter.com\xe3\x81\x93\xe3\x82\x8c", 27, 1, -1, 0}, /* CJK after URL */
	{"\xe4\xb8\xad\xe5\x9b\xbd\xe8\xaa\x9e" "example.com", 29, 1, -1, 0},
	{"example.com,example.org", 47, 1, -1, 0},
	{"http://-leadingdash.com/abcdef", 30, 1, -1, 0}, /* bad host, no URL */
	{"http://example.com:8080/x y", 25, 1, -1, 0},
	{"http://en.wikipedia.org/wiki/Primer_(film)", 23, 1, -1, 0},
	/* URL extraction, from twitter-text's extractor tests (the URLs they
	 * expect count 23, the rest by character) */
	{"http://\xe3\x81\x82\xe3\x81\x82.com",
	 23, 1, -1, 0},
	{"http://\xe3\x81\x82-\xe3\x81\x82.com",
	 23, 1, -1, 0},
	{"foo.baz foo.co.jp www.xxxxxxx.baz www.foo.co.uk wwwww.xxxxxxx foo.comm foo.somecom foo.govedu foo.jp",
	 141, 1, -1, 0},
	{"example.com\xe3\x81\xa6\xe3\x81\x99\xe3\x81\xa8\xe3\x81\xa7\xe3\x81\x99twitter.\xe3\x81\xbf\xe3\x82\x93\xe3\x81\xaa\xe3\x81\xa7\xe3\x81\x99",
	 60, 1, -1, 0},
	{"\xe3\x81\x93\xe3\x82\x8c\xe3\x81\xaf\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82" "example.com/path/index.html\xe4\xb8\xad\xe5\x9b\xbd\xe8\xaa\x9e" "example.com/path\xed\x95\x9c\xea\xb5\xad",
	 74, 1, -1, 0},
	{"#test.com @test.com #http://test.com @http://test.com",
	 53, 1, -1, 0},
	{"I really like http://t.co/pbY2NfTZ's website",
	 47, 1, -1, 0},
	{"http://xn--\xe3\x81\xaf\xe3\x81\x98\xe3\x82\x81\xe3\x82\x88\xe3\x81\x86.com/index.html",
	 36, 1, -1, 0},
	{"test http://-leadingdash.com",
	 28, 1, -1, 0},
	{"twitter.com\xe3\x81\x93\xe3\x82\x8c\xe3\x81\xaf\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82" "example.com\xe4\xb8\xad\xe5\x9b\xbd\xe8\xaa\x9et.co/abcde\xed\x95\x9c\xea\xb5\xadtwitter.com example2.com\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88twitter.com/abcde",
	 173, 1, -1, 0},
	{"(http://example.com/path_(foo))",
	 25, 1, -1, 0},
	{"http://foo.com/bar.",
	 24, 1, -1, 0},
	{"http://user:PASSW0RD@example.com:8080/login.php",
	 47, 1, -1, 0},
	/* invalid characters and bytes */
	{"abc\xef\xbb\xbf" "def", 8, 0, 3, 0xFEFF},
	{"\xef\xbf\xbe", 2, 0, 0, 0xFFFE},
	{"x\xef\xbf\xbf", 3, 0, 1, 0xFFFF},
	{"e\xcc\x81\xef\xbb\xbf", 3, 0, 2, 0xFEFF},   /* index in the input */
	{"ab\xff" "cd", 6, 0, 2, 0},
	{"\xc0\xaf", 4, 0, 0, 0},                     /* overlong */
	{"\xed\xa0\x80", 6, 0, 0, 0},                 /* UTF-16 surrogate */
	{"ab\xe6\x97", 6, 0, 2, 0},                   /* cut short */
	{"\xf4\x90\x80\x80", 8, 0, 0, 0},             /* > U+10FFFF */
	/* directional marks are valid in the current twitter-text */
	{"\xe2\x80\xaa" "abc", 5, 1, -1, 0},
};

START_TEST(test_own)
{
	const struct own_case *c = &own[_i];
	struct ch_tweetlen r;

	ch_tweetlen(c->text, strlen(c->text), &r);
	ck_assert_msg(r.weighted == c->weighted, "case %d \"%s\": weighted %d, want %d",
		      _i, c->text, r.weighted, c->weighted);
	ck_assert_msg(r.valid == (c->valid != 0), "case %d \"%s\": valid %d", _i,
		      c->text, r.valid);
	ck_assert_msg(r.invalid_at == c->invalid_at,
		      "case %d \"%s\": invalid_at %ld, want %ld", _i, c->text,
		      r.invalid_at, c->invalid_at);
	ck_assert_uint_eq(r.invalid_cp, c->invalid_cp);
	ck_assert(!r.too_long);
}
END_TEST

static char *repeat(const char *s, size_t times, const char *tail)
{
	struct ch_buf b = {0};
	size_t i;

	for (i = 0; i < times; i++)
		ch_buf_puts(&b, s);
	ch_buf_puts(&b, tail);
	ch_buf_str(&b);
	return ch_buf_steal(&b);
}

START_TEST(test_limits)
{
	struct ch_tweetlen r;
	char *t;

	t = repeat("a", 280, "");
	ch_tweetlen(t, strlen(t), &r);
	ck_assert_int_eq(r.weighted, 280);
	ck_assert(r.valid);
	ck_assert(!r.too_long);
	free(t);

	t = repeat("a", 281, "");
	ch_tweetlen(t, strlen(t), &r);
	ck_assert_int_eq(r.weighted, 281);
	ck_assert(!r.valid);
	ck_assert(r.too_long);
	ck_assert_int_eq(r.invalid_at, -1);
	free(t);

	/* 140 CJK = 280; one more = 282 */
	t = repeat("\xe6\x97\xa5", 140, "");
	ck_assert_int_eq(ch_tweetlen_weighted(t), 280);
	free(t);
	t = repeat("\xe6\x97\xa5", 140, "!");
	ck_assert_int_eq(ch_tweetlen_weighted(t), 281);
	free(t);

	/* 256 + space + URL = 280; 257 = 281 */
	t = repeat("a", 256, " https://example.com/a/very/long/path/that/is/long");
	ch_tweetlen(t, strlen(t), &r);
	ck_assert_int_eq(r.weighted, 280);
	ck_assert(r.valid);
	free(t);
	t = repeat("a", 257, " example.com");
	ch_tweetlen(t, strlen(t), &r);
	ck_assert_int_eq(r.weighted, 281);
	ck_assert(r.too_long);
	free(t);

	/* 140 flags = 280 */
	t = repeat("\xf0\x9f\x87\xaf\xf0\x9f\x87\xb5", 140, "");
	ck_assert_int_eq(ch_tweetlen_weighted(t), 280);
	free(t);

	/* an invalid character in an over-long text: both reported */
	t = repeat("a", 300, "\xef\xbb\xbf");
	ch_tweetlen(t, strlen(t), &r);
	ck_assert_int_eq(r.weighted, 302);
	ck_assert(r.too_long);
	ck_assert_int_eq(r.invalid_at, 300);
	free(t);
}
END_TEST

START_TEST(test_embedded_nul_and_null)
{
	struct ch_tweetlen r;

	ch_tweetlen("a\0b", 3, &r);
	ck_assert_int_eq(r.weighted, 3);
	ck_assert(r.valid);
	ch_tweetlen(NULL, 0, &r);
	ck_assert_int_eq(r.weighted, 0);
	ck_assert(!r.valid);
	ck_assert_int_eq(ch_tweetlen_weighted("abc"), 3);
	ck_assert_int_eq(ch_tweetlen_weighted(NULL), 0);
}
END_TEST

/* Long, hostile inputs must stay linear: each runs well inside Check's
 * timeout (a quadratic scan of 1 MiB would not). */
START_TEST(test_linear_time)
{
	static const char *const units[] = {
		"a.", "a-", "a_", "a.b-", ".com", "http://", "http://a.",
		"e\xcc\x81", "\xcc\x81", "\xcc\xa3\xcc\x81", "(", "x.com/(",
		"\xf0\x9f\x91\xa8\xe2\x80\x8d", "1\xef\xb8\x8f", "\xe1\x84\x80",
		"example.com/", "a.co?", "\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7",
	};
	size_t i;

	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t times = (1u << 20) / strlen(units[i]);
		char *t = repeat(units[i], times, "");
		struct ch_tweetlen r;

		ch_tweetlen(t, strlen(t), &r);
		ck_assert_int_gt(r.weighted, 0);
		ck_assert(r.too_long);
		free(t);
	}
}
END_TEST

/* Over the conformance and own cases, inputs that differ only in
 * normalisation form measure the same. */
START_TEST(test_nfc_forms_agree)
{
	/* NFD and NFC of "Ålesund café Привет ё" */
	const char *nfc = "\xc3\x85lesund caf\xc3\xa9 \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2"
			  "\xd0\xb5\xd1\x82 \xd1\x91";
	const char *nfd = "A\xcc\x8alesund cafe\xcc\x81 \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2"
			  "\xd0\xb5\xd1\x82 \xd0\xb5\xcc\x88";

	ck_assert_int_eq(ch_tweetlen_weighted(nfc), ch_tweetlen_weighted(nfd));
	ck_assert_int_eq(ch_tweetlen_weighted(nfc), 21);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tweetlen");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_conformance, 0, CONF_CASES);
	tcase_add_loop_test(tc, test_own, 0, (int)(sizeof own / sizeof own[0]));
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_embedded_nul_and_null);
	tcase_add_test(tc, test_linear_time);
	tcase_add_test(tc, test_nfc_forms_agree);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
