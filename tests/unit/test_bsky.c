/* test_bsky.c - Bluesky's pure parts: the length in grapheme clusters,
 * facets at UTF-8 byte offsets (ASCII, emoji and CJK hashtags, links),
 * TIDs, XRPC error classes and the JWT expiry. */
#include <check.h>
#include <string.h>

#include "net/bluesky/richtext.h"
#include "net/bluesky/xrpc.h"

static long g(const char *s)
{
	return ch_bsky_graphemes(s, strlen(s));
}

START_TEST(test_graphemes)
{
	char buf[1024];
	int i;

	ck_assert_int_eq(g(""), 0);
	ck_assert_int_eq(g("Q1: why? #chat"), 14);
	/* a family of four joined by ZWJ is one cluster */
	ck_assert_int_eq(g("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D"
			   "\xF0\x9F\x91\xA7\xE2\x80\x8D\xF0\x9F\x91\xA6"), 1);
	/* a flag (two regional indicators) is one; two flags are two */
	ck_assert_int_eq(g("\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7"), 1);
	ck_assert_int_eq(g("\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7\xF0\x9F\x87\xA9\xF0\x9F\x87\xAA"), 2);
	/* e + combining acute is one; CJK one per character */
	ck_assert_int_eq(g("e\xCC\x81"), 1);
	ck_assert_int_eq(g("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"), 3);
	/* CR LF is one cluster */
	ck_assert_int_eq(g("a\r\nb"), 3);
	/* a bad byte counts one */
	ck_assert_int_eq(g("a\xFF" "b"), 3);
	/* 300 is the limit: 300 emoji fit, as 300 letters do */
	buf[0] = '\0';
	for (i = 0; i < 250; i++)
		strcat(buf, "\xF0\x9F\xA6\x8B");
	ck_assert_int_eq(g(buf), 250);
}
END_TEST

/* The facet at index i: its byte range, type and value. */
static void facet_is(json_t *f, size_t i, long start, long end,
		     const char *type, const char *value)
{
	json_t *x = json_array_get(f, i), *feat;

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(x, "index"), "byteStart")), start);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(x, "index"), "byteEnd")), end);
	feat = json_array_get(json_object_get(x, "features"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(feat, "$type")), type);
	ck_assert_str_eq(json_string_value(json_object_get(
				 feat, strstr(type, "#tag") ? "tag" : "uri")), value);
}

#define TAG "app.bsky.richtext.facet#tag"
#define LINK "app.bsky.richtext.facet#link"

START_TEST(test_facets)
{
	json_t *f;

	f = ch_bsky_facets("Q1: what helps? #TestChat");
	ck_assert_int_eq(json_array_size(f), 1);
	facet_is(f, 0, 16, 25, TAG, "TestChat");
	json_decref(f);
	/* an emoji before the tag moves it by the emoji's 4 bytes */
	f = ch_bsky_facets("\xF0\x9F\xA6\x8B hi #chat, #two!");
	ck_assert_int_eq(json_array_size(f), 2);
	facet_is(f, 0, 8, 13, TAG, "chat");
	facet_is(f, 1, 15, 19, TAG, "two");
	json_decref(f);
	/* a CJK tag: 3 bytes per character */
	f = ch_bsky_facets("A1 #\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
	ck_assert_int_eq(json_array_size(f), 1);
	facet_is(f, 0, 3, 13, TAG, "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
	json_decref(f);
	/* an emoji tag */
	f = ch_bsky_facets("#\xF0\x9F\xA6\x8B" "chat");
	ck_assert_int_eq(json_array_size(f), 1);
	facet_is(f, 0, 0, 9, TAG, "\xF0\x9F\xA6\x8B" "chat");
	json_decref(f);
	/* not tags: inside a word, digits only, a lone '#', the keycap */
	f = ch_bsky_facets("a#b #123 # x #\xEF\xB8\x8F\xE2\x83\xA3");
	ck_assert_int_eq(json_array_size(f), 0);
	json_decref(f);
	/* a link, its trailing full stop left out; a ')' it does not open */
	f = ch_bsky_facets("see https://example.com/a?b=1. (https://x.org/p)");
	ck_assert_int_eq(json_array_size(f), 2);
	facet_is(f, 0, 4, 29, LINK, "https://example.com/a?b=1");
	facet_is(f, 1, 32, 47, LINK, "https://x.org/p");
	json_decref(f);
	/* never a facet the lexicon refuses: no host ("use https://."), a
	 * control character inside (found by fuzz_richtext) */
	f = ch_bsky_facets("use https://. or http:///x now");
	ck_assert_int_eq(json_array_size(f), 0);
	json_decref(f);
	f = ch_bsky_facets("see https://exa\x03omc.g? #T");
	ck_assert_int_eq(json_array_size(f), 2);
	facet_is(f, 0, 4, 15, LINK, "https://exa");
	json_decref(f);
}
END_TEST

START_TEST(test_tid)
{
	char a[16], b[16];

	ch_bsky_tid(1796140800.0, 5, a, sizeof a);
	ch_bsky_tid(1796140800.000002, 5, b, sizeof b);
	ck_assert_int_eq((int)strlen(a), CH_BSKY_TID_LEN);
	ck_assert(ch_bsky_tid_ok(a));
	ck_assert(ch_bsky_tid_ok(b));
	ck_assert(strcmp(a, b) < 0);
	ck_assert(!ch_bsky_tid_ok("3n3mg76dhmk2"));
	ck_assert(!ch_bsky_tid_ok("zn3mg76dhmk2r"));
	ck_assert(!ch_bsky_tid_ok("3n3mg76dhmk21"));
	/* a TID the reference PDS made */
	ck_assert(ch_bsky_tid_ok("3n3mg76dhmk2r"));
}
END_TEST

START_TEST(test_classify)
{
	struct ch_error err;
	char name[64];

	ch_error_clear(&err);
	ck_assert_int_eq(ch_xrpc_classify(400, "{\"error\":\"ExpiredToken\",\"message\":\"Token has expired\"}",
					  54, name, sizeof name, &err),
			 CH_NETFAIL_CREDENTIALS);
	ck_assert_str_eq(name, "ExpiredToken");
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xrpc_classify(401, "{\"error\":\"AuthenticationRequired\",\"message\":\"Invalid identifier or password\"}",
					  77, name, sizeof name, &err),
			 CH_NETFAIL_CREDENTIALS);
	ck_assert(strstr(err.text, "app password"));
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xrpc_classify(429, NULL, 0, name, sizeof name, &err),
			 CH_NETFAIL_WAIT);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xrpc_classify(502, "<html>", 6, name, sizeof name, &err),
			 CH_NETFAIL_RETRY);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xrpc_classify(400, "{\"error\":\"InvalidRequest\",\"message\":\"bad\\u0001x\"}",
					  49, name, sizeof name, &err),
			 CH_NETFAIL_REFUSED);
	ck_assert(!strchr(err.text, '\001'));
}
END_TEST

START_TEST(test_jwt_exp)
{
	/* {"alg":"HS256"}.{"scope":"x","exp":1796140800}.sig */
	ck_assert(ch_xrpc_jwt_exp("eyJhbGciOiJIUzI1NiJ9."
				  "eyJzY29wZSI6IngiLCJleHAiOjE3OTYxNDA4MDB9.c2ln") ==
		  1796140800.0);
	ck_assert(ch_xrpc_jwt_exp("nodots") == 0);
	ck_assert(ch_xrpc_jwt_exp("a.!!!.c") == 0);
	ck_assert(ch_xrpc_jwt_exp(NULL) == 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bsky");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_graphemes);
	tcase_add_test(tc, test_facets);
	tcase_add_test(tc, test_tid);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_jwt_exp);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
