/*
 * tweetlen.c - the twitter-text v3 weighted length (see tweetlen.h).
 *
 * One call: (1) a pass over the UTF-8 that checks it, finds the first
 * invalid character and decides whether NFC can change anything; (2) the
 * text is decoded into code points, NFC-normalised by utf8proc when it
 * holds anything from U+0300 on; (3) the weighting loop: URLs
 * (twitter-text's extractor, emulated without regular expressions) weigh
 * 23, emoji sequences 2, other code points 1 or 2 by the v3 ranges.
 * Everything is linear in the length of the text (utf8proc's ordering of
 * combining marks is not, so a text of over NFC_MAX_CPS code points is
 * counted without NFC); the only allocation is one block per call, and
 * none for short texts.
 *
 * Where this differs from twitter-text (Java, v3.1):
 * - Emoji: twitter-text matches a generated list of emoji sequences
 *   (TwitterTextEmojiRegex); this follows the UTS #51 grammar instead
 *   (Extended_Pictographic + VS16 or a skin tone on a modifier base, ZWJ
 *   chains of up to 4 such elements, flags as any regional indicator
 *   pair, keycaps, tag sequences), so a sequence newer than twitter-text's
 *   list still counts 2. Kept from twitter-text: (c) and (R) are emoji only
 *   with VS16, VS15 (text presentation) stops an emoji, a skin tone after a
 *   non-base is a character of its own.
 * - TLDs: the list in unicode_tables.h is an older twitter-text list (all
 *   ccTLDs, about 1000 gTLDs); some newer gTLDs are missing.
 * - IDN: hosts are checked like IDN.toASCII (labels of 1-63 characters
 *   after punycode, no "xn--" prefix on a non-ASCII label) without
 *   nameprep's case folding and NFKC beyond ASCII.
 */
#include "tweetlen.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "unicode_tables.h"

#include <utf8proc.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* twitter-text config v3 */
#define URL_WEIGHT 23       /* transformedURLLength */
#define EMOJI_WEIGHT 2      /* defaultWeight 200 / scale 100 */
#define MAX_URL_LENGTH 4096 /* Extractor.MAX_URL_LENGTH (UTF-16 units) */
#define MAX_TCO_SLUG 40
#define MAX_LABEL 63        /* IDN.toASCII label limit */

#define ZWJ 0x200Du
#define VS15 0xFE0Eu
#define VS16 0xFE0Fu
#define KEYCAP 0x20E3u
#define MAX_ZWJ_ELEMENTS 4

/* Words of stack used before falling back to one heap block. */
#define STACK_WORDS 4096

/* ---- table look-ups ---------------------------------------------------- */

static bool in_table(const struct ch_ucrange *t, size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;

	if (n == 0 || cp < t[0].lo || cp > t[n - 1].hi)
		return false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp < t[mid].lo)
			hi = mid;
		else if (cp > t[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static bool is_invalid_char(uint32_t cp)
{
	/* twitter-text Regex.INVALID_CHARACTERS */
	return cp == 0xFFFE || cp == 0xFEFF || cp == 0xFFFF;
}

static int cp_weight(uint32_t cp)
{
	if (cp <= 4351 || (cp >= 8192 && cp <= 8205) ||
	    (cp >= 8208 && cp <= 8223) || (cp >= 8242 && cp <= 8247))
		return 1;
	return 2;
}

/* ---- UTF-8 -------------------------------------------------------------- */

/* Decodes one code point at s[0..n); returns its byte length, or 0 when the
 * bytes are not well-formed UTF-8 (overlong, surrogate, > U+10FFFF, cut). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* ---- NFC ---------------------------------------------------------------- */

/* NFC through utf8proc: the canonical decomposition, ordering and
 * composition of the Unicode standard (utf8proc_decompose with
 * UTF8PROC_COMPOSE, then utf8proc_normalize_utf32). */
#define NFC_OPTS (UTF8PROC_STABLE | UTF8PROC_COMPOSE)
/* utf8proc orders a run of combining marks by exchanges (quadratic in the
 * run): a text of more code points than this is counted without NFC. It
 * is over the limit by far whatever NFC would do (composition at most
 * merges a mark into the character before it), so only the exact figure
 * of a hostile, megabyte-long text differs from twitter-text's. */
#define NFC_MAX_CPS 8192

/* ---- character classes of the twitter-text URL regex ------------------- */

static bool is_ascii_alnum(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static uint32_t ascii_lower(uint32_t c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Regex.LATIN_ACCENTS_CHARS */
static bool is_latin_accent(uint32_t c)
{
	if (c < 0xC0)
		return false;
	if (c <= 0x24F)
		return c != 0xD7 && c != 0xF7;
	switch (c) {
	case 0x253: case 0x254: case 0x256: case 0x257: case 0x259:
	case 0x25B: case 0x263: case 0x268: case 0x26F: case 0x272:
	case 0x289: case 0x28B: case 0x2BB:
		return true;
	default:
		break;
	}
	return (c >= 0x300 && c <= 0x36F) || (c >= 0x1E00 && c <= 0x1EFF);
}

static bool is_cyrillic(uint32_t c)
{
	return c >= 0x400 && c <= 0x4FF;
}

/* URL_VALID_CHARS: a domain label character */
static bool is_dchar(uint32_t c)
{
	return is_ascii_alnum(c) || is_latin_accent(c);
}

/* a character of a label run: URL_VALID_CHARS, '-' or '_' */
static bool is_run(uint32_t c)
{
	return is_dchar(c) || c == '-' || c == '_';
}

static bool is_ascii_punct(uint32_t c)
{
	return c < 0x80 && strchr("-_!\"#$%&'()*+,./:;<=>?@[]^`{|}~", (int)c) &&
	       c != 0;
}

/* URL_VALID_UNICODE_CHARS: not punctuation, \s, \p{Z} or General Punctuation */
static bool is_uchar(uint32_t c)
{
	if (is_ascii_punct(c) || c == ' ' || (c >= '\t' && c <= '\r'))
		return false;
	if (c >= 0x2000 && c <= 0x206F)
		return false;
	return !in_table(ch_space_sep_table, NELEM(ch_space_sep_table), c);
}

/* URL_VALID_GENERAL_PATH_CHARS */
static bool is_path_char(uint32_t c)
{
	if (c < 0x80)
		return is_ascii_alnum(c) ||
		       (c && strchr("!*';:=+,.$/%#[]-_~|&@", (int)c));
	return c == 0x2013 || is_latin_accent(c) || is_cyrillic(c);
}

/* URL_VALID_PATH_ENDING_CHARS (without the balanced parentheses) */
static bool is_path_end(uint32_t c)
{
	if (c < 0x80)
		return is_ascii_alnum(c) || (c && strchr("=_#/-+", (int)c));
	return is_latin_accent(c) || is_cyrillic(c);
}

static bool is_query_char(uint32_t c)
{
	return c < 0x80 && (is_ascii_alnum(c) ||
			    (c && strchr("!?*'();:&=+$/%#[]-_.,~|@", (int)c)));
}

static bool is_query_end(uint32_t c)
{
	return c < 0x80 && (is_ascii_alnum(c) || (c && strchr("-_&=#/", (int)c)));
}

/* URL_VALID_PRECEDING_CHARS (the character before a URL) */
static bool is_valid_preceding(uint32_t c)
{
	if (is_ascii_alnum(c) || c == '@' || c == 0xFF20 || c == '$' ||
	    c == '#' || c == 0xFF03)
		return false;
	return !is_invalid_char(c);
}

/* ---- URL extraction ----------------------------------------------------- */

struct urlscan {
	const uint32_t *cp;
	size_t n;
	int32_t *runend;  /* end of the run of label characters at i */
	int32_t *firstus; /* first '_' at or after i within that run */
	int32_t *hostend; /* host end for a label starting after a '.', or -1 */
	size_t scan;      /* where the next Matcher.find() starts */
};

static int tld_cmp(const char *key, size_t klen, const char *tld)
{
	int c = strncmp(key, tld, klen);

	if (c)
		return c;
	return tld[klen] ? -1 : 0;
}

static bool is_tld(const char *key, size_t klen)
{
	size_t lo = 0, hi = NELEM(ch_tld_table);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = tld_cmp(key, klen, ch_tld_table[mid]);

		if (c < 0)
			hi = mid;
		else if (c > 0)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* (?=[^a-z0-9@+-]|$) after position p */
static bool tld_lookahead(const struct urlscan *x, size_t p)
{
	uint32_t c;

	if (p >= x->n)
		return true;
	c = x->cp[p];
	return !(is_ascii_alnum(c) || c == '@' || c == '+' || c == '-');
}

/* Length in code points of the (longest) TLD at p, 0 if none. */
static size_t tld_len(const struct urlscan *x, size_t p)
{
	char key[CH_TLD_MAX_CPS * 4 + 1];
	size_t off[CH_TLD_MAX_CPS + 1];
	size_t k, len = 0;

	off[0] = 0;
	for (k = 0; k < CH_TLD_MAX_CPS && p + k < x->n; k++) {
		uint32_t c = ascii_lower(x->cp[p + k]);

		if (c < 0x80 && !(c >= 'a' && c <= 'z'))
			break;
		if (c < 0x80) {
			key[len++] = (char)c;
		} else if (c < 0x800) {
			key[len++] = (char)(0xC0 | (c >> 6));
			key[len++] = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			key[len++] = (char)(0xE0 | (c >> 12));
			key[len++] = (char)(0x80 | ((c >> 6) & 0x3F));
			key[len++] = (char)(0x80 | (c & 0x3F));
		} else {
			key[len++] = (char)(0xF0 | (c >> 18));
			key[len++] = (char)(0x80 | ((c >> 12) & 0x3F));
			key[len++] = (char)(0x80 | ((c >> 6) & 0x3F));
			key[len++] = (char)(0x80 | (c & 0x3F));
		}
		off[k + 1] = len;
	}
	for (; k > 0; k--)
		if (tld_lookahead(x, p + k) && is_tld(key, off[k]))
			return k;
	return 0;
}

/* URL_PUNYCODE "xn--[-0-9a-z]+" at p: its length, or 0 */
static size_t punycode_tld_len(const struct urlscan *x, size_t p)
{
	size_t k;

	if (p + 4 >= x->n || ascii_lower(x->cp[p]) != 'x' ||
	    ascii_lower(x->cp[p + 1]) != 'n' || x->cp[p + 2] != '-' ||
	    x->cp[p + 3] != '-')
		return 0;
	for (k = p + 4; k < x->n && (is_ascii_alnum(x->cp[k]) || x->cp[k] == '-');)
		k++;
	return k > p + 4 ? k - p : 0;
}

/*
 * Regex URL_VALID_DOMAIN, first alternative, for a host whose first label
 * starts at q: subdomain* domain_name (gTLD | ccTLD | punycode), with as
 * many subdomains as possible (the regex is greedy). Returns the end of the
 * host or -1. Uses hostend[] for the labels after the first.
 */
static long host_at(const struct urlscan *x, size_t q)
{
	size_t e, q2;
	bool vsub, vdom;
	long h;

	if (q >= x->n || !is_dchar(x->cp[q]))
		return -1;
	e = (size_t)x->runend[q];
	if (e >= x->n || x->cp[e] != '.')
		return -1;
	vsub = is_dchar(x->cp[e - 1]);
	vdom = vsub && (size_t)x->firstus[q] >= e;
	q2 = e + 1;
	if (vsub && q2 < x->n && (h = x->hostend[q2]) >= 0)
		return h;
	if (vdom && q2 < x->n) {
		size_t t = tld_len(x, q2);

		if (!t)
			t = punycode_tld_len(x, q2);
		if (t)
			return (long)(q2 + t);
	}
	return -1;
}

/* Second alternative (after a protocol): one label of URL_VALID_UNICODE_CHARS
 * and a gTLD or ccTLD. */
static long unicode_host_at(const struct urlscan *x, size_t q)
{
	size_t j, t;

	if (q >= x->n || !is_uchar(x->cp[q]))
		return -1;
	for (j = q; j < x->n && (is_uchar(x->cp[j]) || x->cp[j] == '-');)
		j++;
	if (j >= x->n || x->cp[j] != '.' || !is_uchar(x->cp[j - 1]))
		return -1;
	t = tld_len(x, j + 1);
	return t ? (long)(j + 1 + t) : -1;
}

/* Punycode (RFC 3492) length of a label, or -1 when over MAX_LABEL. */
static long punycode_len(const uint32_t *in, size_t n)
{
	uint64_t delta = 0, m, q;
	uint32_t next = 128;
	unsigned bias = 72;
	size_t h = 0, b = 0, i;
	long out;

	for (i = 0; i < n; i++)
		if (in[i] < 0x80)
			b++;
	h = b;
	out = (long)b + (b ? 1 : 0);
	while (h < n) {
		m = UINT32_MAX;
		for (i = 0; i < n; i++)
			if (in[i] >= next && in[i] < m)
				m = in[i];
		delta += (m - next) * (h + 1);
		next = (uint32_t)m;
		for (i = 0; i < n; i++) {
			uint64_t k;

			if (in[i] < next)
				delta++;
			if (in[i] != next)
				continue;
			q = delta;
			for (k = 36;; k += 36) {
				uint64_t t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;

				if (q < t)
					break;
				out++;
				q = (q - t) / (36 - t);
			}
			out++;
			if (out > MAX_LABEL)
				return -1;
			/* adapt */
			delta = h == b ? delta / 700 : delta / 2;
			delta += delta / (h + 1);
			for (k = 0; delta > ((36 - 1) * 26) / 2; k += 36)
				delta /= 36 - 1;
			bias = (unsigned)(k + (36 * delta) / (delta + 38));
			delta = 0;
			h++;
		}
		delta++;
		next++;
	}
	return out;
}

/*
 * Extractor.isValidHostAndLength: every label must pass IDN.toASCII (1-63
 * characters once punycode-encoded; a non-ASCII label must not start with
 * "xn--"), and the URL with the ASCII host and a protocol must be at most
 * 4096 UTF-16 units. Approximation: no nameprep mapping beyond ASCII case.
 */
static bool host_ok(const struct urlscan *x, size_t hs, size_t he,
		    size_t url_units, bool proto)
{
	size_t i = hs, host_units = 0, ascii_len = 0;

	while (i <= he) {
		size_t j = i;
		bool ascii = true;
		long plen;

		while (j < he && x->cp[j] != '.') {
			if (x->cp[j] >= 0x80)
				ascii = false;
			host_units += x->cp[j] >= 0x10000 ? 2 : 1;
			j++;
		}
		if (j == i || j - i > MAX_LABEL)
			return false;
		if (ascii) {
			plen = (long)(j - i);
		} else {
			if (j - i >= 4 && ascii_lower(x->cp[i]) == 'x' &&
			    ascii_lower(x->cp[i + 1]) == 'n' &&
			    x->cp[i + 2] == '-' && x->cp[i + 3] == '-')
				return false;
			plen = punycode_len(x->cp + i, j - i);
			if (plen < 0 || plen + 4 > MAX_LABEL)
				return false;
			plen += 4;
		}
		ascii_len += (size_t)plen;
		if (j < he) {
			host_units++;
			ascii_len++;
		}
		i = j + 1;
	}
	return url_units - host_units + ascii_len + (proto ? 0 : 8) <=
	       MAX_URL_LENGTH;
}

static size_t utf16_units(const uint32_t *cp, size_t n)
{
	size_t i, u = n;

	for (i = 0; i < n; i++)
		if (cp[i] >= 0x10000)
			u++;
	return u;
}

/* A balanced "( ... )" of the path at p: its end, or 0. */
static size_t balanced_parens(const struct urlscan *x, size_t p)
{
	size_t j = p + 1, k;

	while (j < x->n && is_path_char(x->cp[j]))
		j++;
	if (j < x->n && x->cp[j] == ')' && j > p + 1)
		return j + 1;
	if (j >= x->n || x->cp[j] != '(')
		return 0;
	k = j + 1;
	while (k < x->n && is_path_char(x->cp[k]))
		k++;
	if (k == j + 1 || k >= x->n || x->cp[k] != ')')
		return 0;
	k++;
	while (k < x->n && is_path_char(x->cp[k]))
		k++;
	return k < x->n && x->cp[k] == ')' ? k + 1 : 0;
}

/* "?" query chars* query ending char, at p (which holds '?'), bounded by
 * lim: its end, or p when there is none. */
static size_t query_at(const struct urlscan *x, size_t p, size_t lim)
{
	size_t j, end = p;

	for (j = p + 1; j < lim && is_query_char(x->cp[j]); j++)
		if (is_query_end(x->cp[j]))
			end = j + 1;
	return end;
}

static bool ci_prefix(const struct urlscan *x, size_t p, const char *s)
{
	for (; *s; s++, p++)
		if (p >= x->n || ascii_lower(x->cp[p]) != (uint32_t)*s)
			return false;
	return true;
}

struct urlmatch {
	size_t start, end; /* the URL entity */
	size_t match_end;  /* where the regex match ended */
	bool valid;
};

/* The regex VALID_URL with its URL group at u (prec: the consumed preceding
 * character, or -1 at the start of the text), then the Extractor's checks. */
static bool match_at(const struct urlscan *x, size_t u, long prec,
		     struct urlmatch *m)
{
	size_t proto = 0, hs, end, j;
	long he;

	if (ci_prefix(x, u, "https://"))
		proto = 8;
	else if (ci_prefix(x, u, "http://"))
		proto = 7;
	hs = u + proto;
	he = host_at(x, hs);
	if (he < 0 && proto)
		he = unicode_host_at(x, hs);
	if (he < 0)
		return false;
	end = (size_t)he;
	/* port */
	if (end + 1 < x->n && x->cp[end] == ':' && x->cp[end + 1] >= '0' &&
	    x->cp[end + 1] <= '9') {
		end++;
		while (end < x->n && x->cp[end] >= '0' && x->cp[end] <= '9')
			end++;
	}
	/* path: up to the last ending character of a run of path characters
	 * and balanced parentheses */
	if (end < x->n && x->cp[end] == '/') {
		size_t pe = end + 1;

		j = end + 1;
		while (j < x->n) {
			size_t b;

			if (x->cp[j] == '(') {
				if ((b = balanced_parens(x, j)) == 0)
					break;
				j = b;
				pe = j;
			} else if (is_path_char(x->cp[j])) {
				j++;
				if (is_path_end(x->cp[j - 1]))
					pe = j;
			} else {
				break;
			}
		}
		end = pe;
	}
	if (end < x->n && x->cp[end] == '?')
		end = query_at(x, end, x->n);

	m->start = u;
	m->end = end;
	m->match_end = end;
	m->valid = false;
	if (!proto && (prec == '-' || prec == '_' || prec == '.' || prec == '/'))
		return true;
	/* t.co: the slug only (at most 40), plus an optional query */
	if (proto && ci_prefix(x, hs, "t.co/")) {
		size_t s = hs + 5;

		for (j = s; j < end && is_ascii_alnum(x->cp[j]); j++)
			;
		if (j > s) {
			if (j - s > MAX_TCO_SLUG)
				return true;
			if (j < end && x->cp[j] == '?')
				j = query_at(x, j, end);
			m->end = j;
		}
	}
	m->valid = host_ok(x, hs, (size_t)he,
			   utf16_units(x->cp + u, m->end - u), proto != 0);
	return true;
}

/* Matcher.find() over VALID_URL plus the Extractor's filtering: the next
 * URL entity at or after x->scan. */
static bool next_url(struct urlscan *x, size_t *start, size_t *end)
{
	struct urlmatch m;

	while (x->scan < x->n) {
		size_t f = x->scan;
		bool found = false;

		if (f + 1 < x->n && is_valid_preceding(x->cp[f]))
			found = match_at(x, f + 1, (long)x->cp[f], &m);
		if (!found && f == 0)
			found = match_at(x, 0, -1, &m);
		if (!found) {
			x->scan = f + 1;
			continue;
		}
		x->scan = m.match_end;
		if (m.valid) {
			*start = m.start;
			*end = m.end;
			return true;
		}
	}
	return false;
}

static void urlscan_init(struct urlscan *x, const uint32_t *cp, size_t n,
			 int32_t *aux)
{
	size_t i;

	x->cp = cp;
	x->n = n;
	x->runend = aux;
	x->firstus = aux + n + 1;
	x->hostend = aux + 2 * (n + 1);
	x->scan = 0;
	for (i = n; i-- > 0;) {
		bool run = is_run(cp[i]), next = i + 1 < n && is_run(cp[i + 1]);

		x->runend[i] = run && next ? x->runend[i + 1] : (int32_t)(run ? i + 1 : i);
		if (!run || cp[i] == '_')
			x->firstus[i] = (int32_t)i;
		else
			x->firstus[i] = next ? x->firstus[i + 1] : (int32_t)(i + 1);
	}
	/* right to left, so a label's successor is known when it is needed */
	for (i = n; i-- > 0;) {
		x->hostend[i] = -1;
		if (i > 0 && cp[i - 1] == '.')
			x->hostend[i] = (int32_t)host_at(x, i);
	}
}

/* ---- emoji -------------------------------------------------------------- */

static bool is_extpict(uint32_t c)
{
	return c >= 0xA9 && in_table(ch_extpict_table, NELEM(ch_extpict_table), c);
}

static bool is_ri(uint32_t c)
{
	return c >= 0x1F1E6 && c <= 0x1F1FF;
}

/* One emoji element at i: a pictograph with an optional VS16 or skin tone
 * modifier (© and ® only with VS16, as in twitter-text; none followed by
 * VS15, the text presentation). Returns its length or 0. */
static size_t emoji_element(const uint32_t *c, size_t n, size_t i)
{
	uint32_t u = c[i], nx = i + 1 < n ? c[i + 1] : 0;

	if (!is_extpict(u) || nx == VS15)
		return 0;
	if (u == 0xA9 || u == 0xAE)
		return nx == VS16 ? 2 : 0;
	if (nx == VS16)
		return 2;
	if (nx >= 0x1F3FB && nx <= 0x1F3FF &&
	    in_table(ch_modbase_table, NELEM(ch_modbase_table), u))
		return 2;
	return 1;
}

/* The emoji sequence at i (flag, keycap, tag sequence, ZWJ sequence of
 * elements): its length in code points, or 0. A ZWJ sequence has at most
 * MAX_ZWJ_ELEMENTS elements (the longest RGI sequences, families and
 * kisses, have 4), so a long chain is not one 2-unit emoji. */
static size_t emoji_len(const uint32_t *c, size_t n, size_t i)
{
	uint32_t u = c[i];
	size_t j, e, k;

	if (u < 0xA9) {
		if ((u >= '0' && u <= '9') || u == '#' || u == '*') {
			j = i + 1;
			if (j < n && c[j] == VS16)
				j++;
			return j < n && c[j] == KEYCAP ? j + 1 - i : 0;
		}
		return 0;
	}
	if (is_ri(u))
		return i + 1 < n && is_ri(c[i + 1]) ? 2 : 0;
	if (u == 0x1F3F4 && i + 1 < n && c[i + 1] >= 0xE0020 && c[i + 1] <= 0xE007E) {
		for (j = i + 1; j < n && c[j] >= 0xE0020 && c[j] <= 0xE007E;)
			j++;
		if (j < n && c[j] == 0xE007F)
			return j + 1 - i;
	}
	if ((e = emoji_element(c, n, i)) == 0)
		return 0;
	j = i + e;
	for (k = 1; k < MAX_ZWJ_ELEMENTS && j + 1 < n && c[j] == ZWJ &&
		    (e = emoji_element(c, n, j + 1)) != 0; k++)
		j += 1 + e;
	return j - i;
}

/* ---- the measure --------------------------------------------------------- */

void ch_tweetlen(const char *text, size_t len, struct ch_tweetlen *r)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t stackbuf[STACK_WORDS];
	uint32_t *mem = NULL, *cps;
	size_t i, ncp = 0, ndec = 0, n, words, pos, ustart = 0, uend = 0;
	bool nfc = false, dot = false, blank = true, have_url = false;
	bool bad_bytes = false;
	struct urlscan us;
	long weighted = 0;

	r->weighted = 0;
	r->urls = 0;
	r->valid = false;
	r->too_long = false;
	r->invalid_at = -1;
	r->invalid_cp = 0;
	if (text == NULL)
		len = 0;

	/* pass 1: UTF-8, invalid characters, whether NFC can change anything */
	for (i = 0; i < len;) {
		uint32_t c;
		size_t k = utf8_decode(s + i, len - i, &c);

		if (k == 0) {
			if (r->invalid_at < 0)
				r->invalid_at = (long)ncp;
			bad_bytes = true;
			c = 0xFFFD;
			k = 1;
		} else if (is_invalid_char(c) && r->invalid_at < 0) {
			r->invalid_at = (long)ncp;
			r->invalid_cp = c;
		}
		if (c > 0x20)
			blank = false;
		if (c == '.')
			dot = true;
		if (c >= 0x300)
			nfc = true; /* NFC may change it: utf8proc decides */
		ncp++;
		i += k;
	}
	/* twitter-text: a text that String.trim() empties counts 0, invalid */
	if (blank)
		goto cleanup;
	if (nfc) {
		/* the decomposed length (UTF-8 without bad bytes only: such
		 * a text is invalid anyway and is counted as it is) */
		utf8proc_ssize_t m = utf8proc_decompose(s, (utf8proc_ssize_t)len,
							NULL, 0, NFC_OPTS);

		if (m < 0 || bad_bytes || ncp > NFC_MAX_CPS)
			nfc = false;
		else
			ndec = (size_t)m > ncp ? (size_t)m : ncp;
	}
	if (nfc) {
		/* decomposition, then scratch for the URL tables */
		words = ndec + 3 * (ndec + 1);
	} else {
		ndec = ncp;
		words = ncp + (dot ? 3 * (ncp + 1) : 0);
	}
	mem = words <= STACK_WORDS ? stackbuf : ch_xmalloc(words * sizeof *mem);
	cps = mem;

	/* pass 2: decode (and normalise) */
	n = 0;
	if (nfc) {
		utf8proc_int32_t *u = (utf8proc_int32_t *)cps;
		utf8proc_ssize_t m = utf8proc_decompose(
			s, (utf8proc_ssize_t)len, u, (utf8proc_ssize_t)ndec,
			NFC_OPTS);

		if (m >= 0)
			m = utf8proc_normalize_utf32(u, m, NFC_OPTS);
		if (m >= 0)
			n = (size_t)m;
		else
			nfc = false; /* cannot happen for a valid text */
	}
	for (i = 0; !nfc && i < len;) {
		uint32_t c;
		size_t k = utf8_decode(s + i, len - i, &c);

		if (k == 0) {
			c = 0xFFFD;
			k = 1;
		}
		cps[n++] = c;
		i += k;
	}

	if (dot) {
		urlscan_init(&us, cps, n, (int32_t *)(cps + ndec));
		have_url = next_url(&us, &ustart, &uend);
	}

	/* pass 3: TwitterTextParser.parseTweet's weighting loop */
	for (pos = 0; pos < n;) {
		size_t e;

		while (have_url && ustart < pos)
			have_url = next_url(&us, &ustart, &uend);
		if (have_url && ustart == pos) {
			weighted += URL_WEIGHT;
			r->urls++;
			pos = uend;
			have_url = next_url(&us, &ustart, &uend);
			continue;
		}
		if ((e = emoji_len(cps, n, pos)) != 0) {
			weighted += EMOJI_WEIGHT;
			pos += e;
			continue;
		}
		weighted += cp_weight(cps[pos]);
		pos++;
	}
	r->weighted = weighted > INT32_MAX ? INT32_MAX : (int)weighted;
	r->too_long = r->weighted > CH_TWEET_MAX;
	r->valid = r->invalid_at < 0 && !r->too_long;

cleanup:
	if (mem != stackbuf)
		free(mem);
}

int ch_tweetlen_weighted(const char *text)
{
	struct ch_tweetlen r;

	ch_tweetlen(text, text ? strlen(text) : 0, &r);
	return r.weighted;
}

long ch_graphemes(const char *text, size_t len)
{
	utf8proc_int32_t state = 0, prev = -1, cp;
	size_t i = 0;
	long n = 0;

	while (i < len) {
		utf8proc_ssize_t k = utf8proc_iterate(
			(const utf8proc_uint8_t *)text + i,
			(utf8proc_ssize_t)(len - i), &cp);

		if (k <= 0) {
			i++;
			n++;
			prev = -1;
			state = 0;
			continue;
		}
		i += (size_t)k;
		if (prev < 0 || utf8proc_grapheme_break_stateful(prev, cp, &state))
			n++;
		prev = cp;
	}
	return n;
}
