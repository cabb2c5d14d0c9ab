/* test_masto.c - Mastodon's pure parts: status HTML as plain text (as real
 * servers write it: Mastodon's links with hidden spans, mentions,
 * hashtags, snac's <br>), the length rule (URLs as 23, a mention's domain
 * not counted, grapheme clusters), the Link header's next page (never
 * another host's), error classes, post keys. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "net/mastodon/api.h"
#include "net/mastodon/html.h"
#include "net/net.h"

static enum ch_netfail cls(long status, const char *body, struct ch_error *e)
{
	return ch_masto_classify(status, body, body ? strlen(body) : 0, e);
}

static void text_is(const char *html, const char *want)
{
	char *got = ch_masto_text(html);

	ck_assert_msg(strcmp(got, want) == 0, "%s -> \"%s\", want \"%s\"", html,
		      got, want);
	free(got);
}

START_TEST(test_text)
{
	text_is(NULL, "");
	text_is("<p>Toot number 0!</p>", "Toot number 0!");
	/* Mastodon 4.6's hashtag anchor (recorded) */
	text_is("<p><a href=\"http://localhost:3000/tags/hoot\" class=\"mention "
		"hashtag\" rel=\"tag\">#<span>hoot</span></a> (hashtag toot)</p>",
		"#hoot (hashtag toot)");
	/* a mention keeps its text */
	text_is("<p><span class=\"h-card\" translate=\"no\"><a href=\"http://"
		"localhost:3000/@mastodonpy_test_2\" class=\"u-url mention\">@<span>"
		"mastodonpy_test_2</span></a></span> same!</p>",
		"@mastodonpy_test_2 same!");
	/* a link: its URL, not the shortened text shown */
	text_is("<p>see <a href=\"https://example.com/a/very/long/path?x=1&amp;y=2\" "
		"target=\"_blank\" rel=\"nofollow noopener\"><span class=\"invisible\">"
		"https://</span><span class=\"ellipsis\">example.com/a/very/lo</span>"
		"<span class=\"invisible\">ng/path?x=1&amp;y=2</span></a> now</p>",
		"see https://example.com/a/very/long/path?x=1&y=2 now");
	/* paragraphs and line breaks */
	text_is("<p>one<br />two</p><p>three</p>", "one\ntwo\n\nthree");
	/* snac: <br> and a trailing one */
	text_is("Welcome to <a href=\"https://h?t=icmichat\" class=\"mention hashtag\" "
		"rel=\"tag\">#ICMIchat</a> today<br>", "Welcome to #ICMIchat today");
	/* entities, numeric and named; a bare & and < survive */
	text_is("<p>A1: &lt;b&gt; &amp; &quot;q&quot; &#39;s&#39; &#x1F600; caf&#233;</p>",
		"A1: <b> & \"q\" 's' \xF0\x9F\x98\x80 caf\xC3\xA9");
	text_is("fish & chips < 3", "fish & chips < 3");
	text_is("<p>unterminated <a href=\"x", "unterminated <a href=\"x");
	/* code points that are not characters: U+FFFD */
	text_is("&#0; &#xD800; &#99999999;",
		"\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD");
	/* too many digits to be one: kept as text */
	text_is("&#1234567890123;", "&#1234567890123;");
}
END_TEST

static long len_of(const char *s, long *limit)
{
	const struct ch_net_ops *ops = ch_net_find("mastodon");

	ck_assert_ptr_nonnull(ops);
	return ops->length(s, strlen(s), limit);
}

/* The links a status shares: each link's href, once; a mention's and a
 * hashtag's links are none. */
START_TEST(test_text_links)
{
	char *links = NULL;
	char *text = ch_masto_text_links(
		"<p>A1 see <a href=\"https://cx.example.org/a?b=1&amp;c=2\" rel=\"nofollow\">"
		"<span class=\"invisible\">https://</span>cx.example.org/a</a> "
		"<span class=\"h-card\"><a href=\"https://m.example/@ann\" class=\"u-url mention\">@ann</a></span> "
		"<a href=\"https://m.example/tags/ICMIchat\" class=\"mention hashtag\" rel=\"tag\">#ICMIchat</a> "
		"again <a href=\"https://cx.example.org/a?b=1&amp;c=2\">x</a></p>", &links);

	ck_assert_str_eq(links, "https://cx.example.org/a?b=1&c=2");
	ck_assert_ptr_nonnull(strstr(text, "#ICMIchat"));
	free(text);
	free(links);
	links = NULL;
	text = ch_masto_text_links("<p>no links #ICMIchat</p>", &links);
	ck_assert_ptr_null(links);
	free(text);
}
END_TEST

/* Hostile content (issue 30, items 1 and 7): a javascript: href is no
 * link; 1 MB of '<' and 40,000 links are read in bounded, linear work:
 * only the first CH_MASTO_HTML_MAX bytes, and a bounded links list. */
START_TEST(test_text_hostile)
{
	size_t big = 1024 * 1024, i, at = 0;
	char *html = malloc(big + 1), *links = NULL, *text;

	text = ch_masto_text_links("<p><a href=\"javascript:alert(1)\">x</a> "
				   "<a href=\"data:text/html,y\">y</a></p>", &links);
	ck_assert_ptr_null(links);
	free(text);
	ck_assert_ptr_nonnull(html);
	memset(html, '<', big);
	html[big] = '\0';
	text = ch_masto_text_links(html, &links);
	ck_assert_uint_eq(strlen(text), CH_MASTO_HTML_MAX);
	free(text);
	for (i = 0; at + 64 < big; i++)
		at += (size_t)snprintf(html + at, big - at,
				       "<a href=\"https://h%zu.example/\">x</a>", i);
	html[at] = '\0';
	text = ch_masto_text_links(html, &links);
	ck_assert_ptr_nonnull(links);
	ck_assert_uint_le(strlen(links), CH_LINKS_MAX_BYTES);
	free(text);
	free(links);
	free(html);
}
END_TEST

START_TEST(test_length)
{
	long limit = 0;
	char *big;

	ck_assert_int_eq(len_of("Q1: why? #chat", &limit), 14);
	ck_assert_int_eq(limit, 500);
	/* a URL counts 23 whatever its length */
	ck_assert_int_eq(len_of("see https://example.com/a/very/long/path/indeed/yes ok",
				NULL), 4 + 23 + 3);
	ck_assert_int_eq(len_of("http://x.co", NULL), 23);
	/* a mention counts without its domain */
	ck_assert_int_eq(len_of("@ann@mastodon.social hi", NULL), 4 + 3);
	ck_assert_int_eq(len_of("@ann hi", NULL), 7);
	/* an e-mail address is not a mention */
	ck_assert_int_eq(len_of("mail ann@example.org", NULL), 20);
	/* grapheme clusters: a ZWJ family is one */
	ck_assert_int_eq(len_of("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9", NULL), 1);
	big = calloc(1, 502);
	memset(big, 'a', 501);
	ck_assert_int_gt(len_of(big, &limit), limit);
	free(big);
}
END_TEST

START_TEST(test_link_next)
{
	char out[256];
	const char *base = "http://localhost:3000";

	/* as recorded from Mastodon 4.6 */
	ch_masto_link_next("<http://localhost:3000/api/v1/timelines/tag/hoot?max_id="
			   "117020593741189701>; rel=\"next\", <http://localhost:3000/"
			   "api/v1/timelines/tag/hoot?min_id=117020593741189701>; "
			   "rel=\"prev\"", base, out, sizeof out);
	ck_assert_str_eq(out, "http://localhost:3000/api/v1/timelines/tag/hoot?"
			      "max_id=117020593741189701");
	/* prev first, next second */
	ch_masto_link_next("<http://localhost:3000/a?min_id=2>; rel=\"prev\", "
			   "<http://localhost:3000/a?max_id=1>; rel=\"next\"",
			   base, out, sizeof out);
	ck_assert_str_eq(out, "http://localhost:3000/a?max_id=1");
	/* only prev: no next page */
	ch_masto_link_next("<http://localhost:3000/a?min_id=2>; rel=\"prev\"", base,
			   out, sizeof out);
	ck_assert_str_eq(out, "");
	/* another host, or a longer host name: refused (the token never goes
	 * elsewhere) */
	ch_masto_link_next("<http://evil.example/a?max_id=1>; rel=\"next\"", base,
			   out, sizeof out);
	ck_assert_str_eq(out, "");
	ch_masto_link_next("<http://localhost:30001/a?max_id=1>; rel=\"next\"", base,
			   out, sizeof out);
	ck_assert_str_eq(out, "");
	ch_masto_link_next("", base, out, sizeof out);
	ck_assert_str_eq(out, "");
	ch_masto_link_next("<http://localhost:3000/a?max_id=1; rel=\"next\"", base,
			   out, sizeof out);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_classify)
{
	struct ch_error e;

	ch_error_clear(&e);
	ck_assert_int_eq(cls(401, "{\"error\":\"The access token is invalid\"}", &e),
			 CH_NETFAIL_CREDENTIALS);
	ck_assert_ptr_nonnull(strstr(e.text, "The access token is invalid"));
	ck_assert_ptr_nonnull(strstr(e.text, "MASTODON_ACCESS_TOKEN"));
	ch_error_clear(&e);
	ck_assert_int_eq(cls(429, "{}", &e), CH_NETFAIL_WAIT);
	ch_error_clear(&e);
	ck_assert_int_eq(cls(503, "<html>", &e), CH_NETFAIL_RETRY);
	ch_error_clear(&e);
	ck_assert_int_eq(cls(422, "{\"error\":\"Validation failed: Text "
				 "character limit of 500 exceeded\"}", &e),
			 CH_NETFAIL_REFUSED);
	ck_assert_ptr_nonnull(strstr(e.text, "limit of 500"));
	ch_error_clear(&e);
	ck_assert_int_eq(cls(404, NULL, &e), CH_NETFAIL_REFUSED);
}
END_TEST

START_TEST(test_keys_and_text)
{
	const struct ch_net_ops *ops = ch_net_find("mastodon");
	char a[64], b[64];

	ops->new_key(a, sizeof a, 1764600000.5);
	ops->new_key(b, sizeof b, 1764600000.5);
	ck_assert_int_gt((long)strlen(a), 16);
	ck_assert_str_ne(a, b);
	/* a status's text compares with white space runs as one */
	ck_assert(ops->same_text("Q1: why?\n\nsay #ICMIchat", "Q1: why? say #ICMIchat"));
	ck_assert(!ops->same_text("Q1: why", "Q1: why?"));
	ck_assert(!ops->same_text("Q1: why? #ICMIchat", "Q2: why? #ICMIchat"));
	ck_assert_int_lt(ops->cursor_cmp("2026-12-01T10:00:00.000Z",
					 "2026-12-01T10:00:01.000Z"), 0);
	ck_assert_int_eq(ops->cursor_cmp("117020593741189701",
					 "2026-12-01T10:00:01.000Z"), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("masto");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_text_links);
	tcase_add_test(tc, test_text_hostile);
	tcase_add_test(tc, test_length);
	tcase_add_test(tc, test_link_next);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_keys_and_text);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
