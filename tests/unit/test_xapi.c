/* test_xapi.c - X API parsers on canned JSON, problem JSON -> messages and
 * failure kinds, and whole calls against the in-test loopback server. */
#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/x/creds.h"
#include "http.h"
#include "net/x/oauth.h"
#include "net/x/xapi.h"
#include "loopsrv.h"

#define PAGE_GOOD \
	"{\"data\":[" \
	"{\"id\":\"1001\",\"text\":\"A1: hello #ICMIchat\",\"author_id\":\"7\"," \
	"\"created_at\":\"2026-12-01T18:07:12.000Z\",\"conversation_id\":\"900\"," \
	"\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"900\"}]}," \
	"{\"id\":\"1002\",\"text\":\"RT @x: hi\",\"author_id\":\"8\"," \
	"\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"55\"}]}," \
	"{\"id\":\"1003\",\"text\":\"quote\",\"author_id\":\"99\"," \
	"\"referenced_tweets\":[{\"type\":\"quoted\",\"id\":\"56\"}]}]," \
	"\"includes\":{\"users\":[" \
	"{\"id\":\"8\",\"username\":\"bob\",\"name\":\"Bob B\"}," \
	"{\"id\":\"7\",\"username\":\"alice\",\"name\":\"Alice \\u00e9\"}]}," \
	"\"meta\":{\"newest_id\":\"1003\",\"oldest_id\":\"1001\"," \
	"\"result_count\":3,\"next_token\":\"tok2\"}}"

static int parse_fails(const char *json, const char *needle)
{
	struct ch_msg_page page;
	struct ch_error err = {0};
	int rc = ch_xapi_parse_page(json, strlen(json), &page, &err);

	ck_assert_msg(rc == -1, "accepted: %s", json);
	ck_assert_ptr_null(page.msgs);
	ck_assert_uint_eq(page.n, 0);
	ck_assert_str_eq(err.source, "X API");
	ck_assert_msg(strstr(err.text, needle), "'%s' lacks '%s'", err.text, needle);
	return 1;
}

START_TEST(test_parse_good_page)
{
	struct ch_msg_page page;
	struct ch_error err = {0};

	ck_assert_int_eq(ch_xapi_parse_page(PAGE_GOOD, strlen(PAGE_GOOD), &page, &err), 0);
	ck_assert_uint_eq(page.n, 3);
	ck_assert_str_eq(page.msgs[0].id, "1001");
	ck_assert_str_eq(page.msgs[0].text, "A1: hello #ICMIchat");
	ck_assert_str_eq(page.msgs[0].username, "alice");
	ck_assert_str_eq(page.msgs[0].name, "Alice \xc3\xa9");
	ck_assert_str_eq(page.msgs[0].created_at, "2026-12-01T18:07:12.000Z");
	ck_assert_str_eq(page.msgs[0].conversation_id, "900");
	ck_assert_str_eq(page.msgs[0].in_reply_to_id, "900");
	ck_assert(!page.msgs[0].is_repost);
	ck_assert_str_eq(page.msgs[1].username, "bob");
	ck_assert(page.msgs[1].is_repost);
	ck_assert_ptr_null(page.msgs[1].in_reply_to_id);
	ck_assert_ptr_null(page.msgs[1].created_at);
	/* author not in includes: no username, no crash */
	ck_assert_ptr_null(page.msgs[2].username);
	ck_assert_ptr_null(page.msgs[2].in_reply_to_id);
	ck_assert(!page.msgs[2].is_repost);
	ck_assert_str_eq(page.newest, "1003");
	ck_assert_str_eq(page.next, "tok2");
	ck_assert_int_eq(page.count, 3);
	ch_msg_page_free(&page);
	ck_assert_ptr_null(page.msgs);
	ch_msg_page_free(&page); /* twice is harmless */
}
END_TEST

START_TEST(test_parse_missing_includes_and_empty)
{
	struct ch_msg_page page;
	struct ch_error err = {0};
	const char *a = "{\"data\":[{\"id\":\"1\",\"text\":\"t\",\"author_id\":\"7\"}],"
			"\"meta\":{\"result_count\":1,\"newest_id\":\"1\"}}";
	const char *b = "{\"meta\":{\"result_count\":0}}";
	const char *c = "{\"data\":[],\"includes\":{},\"meta\":{}}";
	const char *d = "{}";

	ck_assert_int_eq(ch_xapi_parse_page(a, strlen(a), &page, &err), 0);
	ck_assert_uint_eq(page.n, 1);
	ck_assert_ptr_null(page.msgs[0].username);
	ck_assert_ptr_null(page.next);
	ch_msg_page_free(&page);
	ck_assert_int_eq(ch_xapi_parse_page(b, strlen(b), &page, &err), 0);
	ck_assert_uint_eq(page.n, 0);
	ck_assert_int_eq(page.count, 0);
	ck_assert_ptr_null(page.newest);
	ch_msg_page_free(&page);
	ck_assert_int_eq(ch_xapi_parse_page(c, strlen(c), &page, &err), 0);
	ck_assert_uint_eq(page.n, 0);
	ch_msg_page_free(&page);
	ck_assert_int_eq(ch_xapi_parse_page(d, strlen(d), &page, &err), 0);
	ch_msg_page_free(&page);
	ck_assert_str_eq(err.text, "");
}
END_TEST

START_TEST(test_parse_malformed)
{
	parse_fails("", "malformed JSON");
	parse_fails("{\"data\":[", "malformed JSON");
	parse_fails("{\"data\":[{\"id\":\"1\",\"text\":\"x\"}]} trailing", "malformed JSON");
	parse_fails("\xff\xfe", "malformed JSON");
	parse_fails("[1,2]", "not a JSON object");
	parse_fails("\"str\"", "malformed JSON");
	{
		struct ch_msg_page page;
		struct ch_error err = {0};
		ck_assert_int_eq(ch_xapi_parse_page(NULL, 0, &page, &err), -1);
	}
}
END_TEST

START_TEST(test_parse_wrong_types)
{
	/* the page's own shape: an answer that cannot be read */
	parse_fails("{\"data\":{}}", "data is not an array");
	parse_fails("{\"includes\":[]}", "includes is not an object");
	parse_fails("{\"includes\":{\"users\":{}}}", "includes.users is not an array");
	parse_fails("{\"meta\":[]}", "meta is not an object");
	parse_fails("{\"meta\":{\"newest_id\":5}}", "meta.newest_id is not a string");
	parse_fails("{\"meta\":{\"result_count\":\"3\"}}", "meta.result_count");
	parse_fails("{\"meta\":{\"result_count\":-1}}", "meta.result_count");
}
END_TEST

/* Parses json, which must be accepted; the page into page. */
static void parse_ok(const char *json, struct ch_msg_page *page)
{
	struct ch_error err = {0};

	ck_assert_msg(ch_xapi_parse_page(json, strlen(json), page, &err) == 0,
		      "refused: %s: %s", json, err.text);
}

/* One post that cannot be used never stalls the capture: it is left out,
 * the rest of the page is read; a missing created_at comes from the id. */
START_TEST(test_parse_skips_only_the_unusable)
{
	struct ch_msg_page page;

	parse_ok("{\"data\":[1,{\"id\":1,\"text\":\"x\"},{\"text\":\"x\"},"
		 "{\"id\":\"2\"},{\"id\":\"3\",\"text\":\"kept\"}],"
		 "\"meta\":{\"result_count\":5}}", &page);
	ck_assert_uint_eq(page.n, 1);
	ck_assert_str_eq(page.msgs[0].id, "3");
	ck_assert_int_eq(page.count, 5); /* what X said it returned */
	ch_msg_page_free(&page);

	/* fields of the wrong type count as absent */
	parse_ok("{\"data\":[{\"id\":\"1\",\"text\":\"x\",\"created_at\":5,"
		 "\"author_id\":7,\"referenced_tweets\":{}},"
		 "{\"id\":\"2\",\"text\":\"y\",\"referenced_tweets\":[{\"type\":1},"
		 "{\"type\":\"replied_to\",\"id\":\"1\"}]}],"
		 "\"includes\":{\"users\":[{\"id\":7},\"x\",{\"id\":\"8\",\"username\":\"b\"}]}}",
		 &page);
	ck_assert_uint_eq(page.n, 2);
	ck_assert_ptr_null(page.msgs[0].created_at); /* "1": no snowflake */
	ck_assert_ptr_null(page.msgs[0].author_id);
	ck_assert_str_eq(page.msgs[1].in_reply_to_id, "1");
	ch_msg_page_free(&page);

	/* created_at from the snowflake id: (ms - 1288834974657) << 22 */
	parse_ok("{\"data\":[{\"id\":\"1995446521346457600\",\"text\":\"A1 #c\"}]}",
		 &page);
	ck_assert_uint_eq(page.n, 1);
	ck_assert_str_eq(page.msgs[0].created_at, "2025-12-01T10:54:58.949Z");
	ch_msg_page_free(&page);
}
END_TEST

/* One post with a NUL, a lone surrogate or a raw invalid byte loses its
 * bad characters only, never the page (issue 30, item 4): 18 answers,
 * three of them malformed, all 18 read. */
START_TEST(test_parse_malformed_text_keeps_page)
{
	struct ch_msg_page page;
	struct ch_buf b = {0};
	int i;

	ch_buf_puts(&b, "{\"data\":[");
	for (i = 0; i < 18; i++) {
		const char *t = i == 3 ? "A1 nul\\u0000here" : i == 7 ? "A2 \\ud83d alone"
				: i == 11 ? "A3 raw \xff\xfe byte" : i == 12 ? "A3 pair \\ud83d\\ude00 ok"
				: "A1 fine";

		ch_buf_printf(&b, "%s{\"id\":\"%d\",\"text\":\"%s #c\"}", i ? "," : "",
			      100 + i, t);
	}
	ch_buf_puts(&b, "]}");
	parse_ok(ch_buf_str(&b), &page);
	ck_assert_uint_eq(page.n, 18);
	ck_assert_str_eq(page.msgs[3].text, "A1 nul\xEF\xBF\xBDhere #c");
	ck_assert_str_eq(page.msgs[7].text, "A2 \xEF\xBF\xBD alone #c");
	ck_assert_str_eq(page.msgs[11].text, "A3 raw \xEF\xBF\xBD\xEF\xBF\xBD byte #c");
	ck_assert_str_eq(page.msgs[12].text, "A3 pair \xF0\x9F\x98\x80 ok #c");
	ch_msg_page_free(&page);
	ch_buf_free(&b);
}
END_TEST

/* X's 2026 answers: a long post's whole text in note_tweet, edits, the
 * 2.167 edition's names, HTML-escaped text, errors beside data. */
START_TEST(test_parse_long_edited_and_renamed)
{
	struct ch_msg_page page;

	parse_ok("{\"data\":[{\"id\":\"20\",\"text\":\"A1: cut\\u2026\","
		 "\"note_tweet\":{\"text\":\"A1: the whole long answer &amp; more\"},"
		 "\"edit_history_tweet_ids\":[\"20\"]},"
		 "{\"id\":\"30\",\"text\":\"A2 &lt;b&gt; &amp;amp;\","
		 "\"edit_history_tweet_ids\":[\"25\",\"30\"]},"
		 "{\"id\":\"40\",\"text\":\"cut\",\"note_post\":{\"text\":\"whole\"},"
		 "\"edit_history_post_ids\":[\"35\",\"40\"],"
		 "\"referenced_posts\":[{\"type\":\"replied_to\",\"id\":\"9\"}]}],"
		 "\"errors\":[{\"detail\":\"Could not find tweet with ids: [21].\"}]}",
		 &page);
	ck_assert_uint_eq(page.n, 3);
	ck_assert_str_eq(page.msgs[0].text, "A1: the whole long answer & more");
	ck_assert_ptr_null(page.msgs[0].edit_of);
	ck_assert_str_eq(page.msgs[1].text, "A2 <b> &amp;");
	ck_assert_str_eq(page.msgs[1].edit_of, "25");
	ck_assert_str_eq(page.msgs[2].text, "whole");
	ck_assert_str_eq(page.msgs[2].edit_of, "35");
	ck_assert_str_eq(page.msgs[2].in_reply_to_id, "9");
	ch_msg_page_free(&page);
}
END_TEST

/* The links a post shares: entities.urls' whole addresses (unwound_url
 * first), a long post's from its note_tweet, each once; a photo's own link
 * and what is no web address are none. */
START_TEST(test_parse_links)
{
	struct ch_msg_page page;

	parse_ok("{\"data\":[{\"id\":\"20\",\"text\":\"see https://t.co/a and https://t.co/b\","
		 "\"entities\":{\"urls\":[{\"url\":\"https://t.co/a\","
		 "\"expanded_url\":\"https://bit.ly/x\",\"unwound_url\":\"https://cx.example.org/x\"},"
		 "{\"url\":\"https://t.co/b\",\"expanded_url\":\"https://cx.example.org/y\"},"
		 "{\"url\":\"https://t.co/c\",\"expanded_url\":\"https://cx.example.org/y\"},"
		 "{\"url\":\"https://t.co/p\",\"expanded_url\":\"https://x.com/a/status/1/photo/1\","
		 "\"media_key\":\"3_1\"},"
		 "{\"url\":\"https://t.co/j\",\"expanded_url\":\"javascript:alert(1)\"},"
		 "{\"expanded_url\":7}]}},"
		 "{\"id\":\"30\",\"text\":\"cut\",\"note_tweet\":{\"text\":\"whole https://t.co/n\","
		 "\"entities\":{\"urls\":[{\"expanded_url\":\"https://cx.example.org/long\"}]}}},"
		 "{\"id\":\"40\",\"text\":\"none\",\"entities\":{\"urls\":\"oops\"}}]}",
		 &page);
	ck_assert_uint_eq(page.n, 3);
	ck_assert_str_eq(page.msgs[0].links,
			 "https://cx.example.org/x https://cx.example.org/y");
	ck_assert_str_eq(page.msgs[1].links, "https://cx.example.org/long");
	ck_assert_ptr_null(page.msgs[2].links);
	ch_msg_page_free(&page);
}
END_TEST

START_TEST(test_parse_huge_numbers)
{
	parse_fails("{\"meta\":{\"result_count\":99999999999999999999999}}", "malformed JSON");
	parse_fails("{\"meta\":{\"result_count\":1e999}}", "malformed JSON");
	parse_fails("{\"meta\":{\"result_count\":1e300}}", "meta.result_count");
	parse_fails("{\"meta\":{\"result_count\":9223372036854775807}}", "meta.result_count");
}
END_TEST

/* 100 users, 100 posts: every author joined right (no quadratic scan is
 * visible here, but a wrong join would be) and the page is fast. */
START_TEST(test_parse_full_page_join)
{
	struct ch_buf b = {0};
	struct ch_msg_page page;
	struct ch_error err = {0};
	int i;
	clock_t t0;
	double secs;

	ch_buf_puts(&b, "{\"data\":[");
	for (i = 0; i < 100; i++)
		ch_buf_printf(&b, "%s{\"id\":\"%d\",\"text\":\"A%d: answer number %d\","
			      "\"author_id\":\"%d\",\"created_at\":\"2026-12-01T18:07:12.000Z\","
			      "\"conversation_id\":\"1\"}", i ? "," : "", 5000 + i,
			      i % 9, i, 1000 + (i * 37) % 100);
	ch_buf_puts(&b, "],\"includes\":{\"users\":[");
	for (i = 0; i < 100; i++)
		ch_buf_printf(&b, "%s{\"id\":\"%d\",\"username\":\"user%d\",\"name\":\"User %d\"}",
			      i ? "," : "", 1000 + i, 1000 + i, i);
	ch_buf_puts(&b, "]},\"meta\":{\"result_count\":100,\"newest_id\":\"5099\"}}");
	t0 = clock();
	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(ch_xapi_parse_page(b.data, b.len, &page, &err), 0);
		if (i < 199)
			ch_msg_page_free(&page);
	}
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ck_assert_uint_eq(page.n, 100);
	for (i = 0; i < 100; i++) {
		char want[32];
		snprintf(want, sizeof want, "user%d", 1000 + (i * 37) % 100);
		ck_assert_str_eq(page.msgs[i].username, want);
	}
	/* 20,000 posts; generous bound even under sanitizers/valgrind */
	ck_assert_msg(secs < 20.0, "%.2f s", secs);
	ch_msg_page_free(&page);
	ch_buf_free(&b);
}
END_TEST

#define POLL_GOOD \
	"{\"data\":[{\"id\":\"42\",\"text\":\"vote\",\"attachments\":{\"poll_ids\":[\"p2\"]}}]," \
	"\"includes\":{\"polls\":[" \
	"{\"id\":\"p1\",\"voting_status\":\"open\",\"options\":[{\"position\":1,\"label\":\"no\",\"votes\":0}]}," \
	"{\"id\":\"p2\",\"voting_status\":\"closed\",\"end_datetime\":\"2026-11-27T14:00:00.000Z\"," \
	"\"options\":[{\"position\":1,\"label\":\"Pet peeves\",\"votes\":12}," \
	"{\"position\":2,\"label\":\"AI\",\"votes\":30}]}]}}"

START_TEST(test_parse_poll)
{
	struct ch_poll_result r;
	struct ch_error err = {0};

	ck_assert_int_eq(ch_xapi_parse_poll(POLL_GOOD, strlen(POLL_GOOD), &r, &err), 0);
	ck_assert_str_eq(r.poll_id, "p2");
	ck_assert_str_eq(r.voting_status, "closed");
	ck_assert_str_eq(r.end_datetime, "2026-11-27T14:00:00.000Z");
	ck_assert_uint_eq(r.n_options, 2);
	ck_assert_int_eq(r.options[0].position, 1);
	ck_assert_str_eq(r.options[0].label, "Pet peeves");
	ck_assert_int_eq(r.options[0].votes, 12);
	ck_assert_int_eq(r.options[1].votes, 30);
	ch_poll_result_free(&r);
	ch_poll_result_free(&r);
}
END_TEST

static void poll_fails(const char *json, const char *needle)
{
	struct ch_poll_result r;
	struct ch_error err = {0};

	ck_assert_msg(ch_xapi_parse_poll(json, strlen(json), &r, &err) == -1,
		      "accepted: %s", json);
	ck_assert_ptr_null(r.options);
	ck_assert_msg(strstr(err.text, needle), "'%s' lacks '%s'", err.text, needle);
}

START_TEST(test_parse_poll_bad)
{
	poll_fails("{\"data\":[{\"id\":\"42\",\"text\":\"x\"}]}", "has no poll");
	poll_fails("{\"errors\":[{\"detail\":\"Could not find tweet with ids: [42].\"}]}",
		   "Could not find tweet");
	poll_fails("{\"includes\":{\"polls\":{}}}", "includes.polls is not an array");
	poll_fails("{\"includes\":{\"polls\":[1]}}", "holds no object");
	poll_fails("{\"includes\":{\"polls\":[{\"id\":\"p\",\"voting_status\":\"open\"}]}}",
		   "poll.options");
	poll_fails("{\"includes\":{\"polls\":[{\"id\":\"p\",\"voting_status\":\"open\","
		   "\"options\":[{\"position\":1,\"label\":\"a\",\"votes\":\"5\"}]}]}}",
		   "options[0]");
	poll_fails("{\"includes\":{\"polls\":[{\"id\":\"p\",\"voting_status\":\"open\","
		   "\"options\":[{\"position\":1,\"label\":\"a\",\"votes\":1},"
		   "{\"position\":9,\"label\":\"b\",\"votes\":1}]}]}}", "options[1]");
	poll_fails("{\"includes\":{\"polls\":[{\"id\":\"p\",\"voting_status\":\"open\","
		   "\"options\":[{\"position\":1,\"label\":\"a\",\"votes\":-4}]}]}}", "options[0]");
	poll_fails("{\"includes\":{\"polls\":[{\"voting_status\":\"open\",\"options\":[]}]}}",
		   "poll.id is missing");
	poll_fails("not json", "malformed JSON");
}
END_TEST

START_TEST(test_classify)
{
	struct ch_error err = {0};
	struct ch_ratelimit rate = { 300, 0, 0 };
	const char *p401 = "{\"title\":\"Unauthorized\",\"type\":\"about:blank\",\"status\":401,\"detail\":\"Unauthorized\"}";
	const char *p403d = "{\"detail\":\"You are not allowed to create a Tweet with duplicate content.\","
			    "\"type\":\"about:blank\",\"title\":\"Forbidden\",\"status\":403}";
	const char *p403 = "{\"title\":\"Forbidden\",\"detail\":\"You are not permitted to perform this action.\",\"status\":403}";
	const char *p403app = "{\"title\":\"Unsupported Authentication\",\"detail\":\"Your client app is not configured with the appropriate oauth1 app permissions for this endpoint.\",\"type\":\"https://api.twitter.com/2/problems/oauth1-permissions\",\"status\":403}";
	const char *p403enr = "{\"title\":\"Client Forbidden\",\"detail\":\"This request must be made using an approved developer account that is enrolled in the requested endpoint.\",\"type\":\"https://api.twitter.com/2/problems/client-forbidden\",\"reason\":\"client-not-enrolled\",\"status\":403}";
	const char *p403susp = "{\"title\":\"Forbidden\",\"detail\":\"Your account is suspended and is not permitted to access this feature.\",\"status\":403}";
	const char *p403reply = "{\"title\":\"Forbidden\",\"detail\":\"Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.\",\"type\":\"about:blank\",\"status\":403}";
	const char *p402 = "{\"title\":\"Payment Required\",\"detail\":\"Your enrolled account does not have any credits to fulfill this request.\",\"type\":\"about:blank\",\"status\":402}";
	const char *p403cred = "{\"title\":\"Forbidden\",\"detail\":\"Your account has no credits left.\",\"status\":403}";
	const char *p429cap = "{\"title\":\"UsageCapExceeded\",\"detail\":\"Usage cap exceeded: Monthly product cap\",\"type\":\"https://api.twitter.com/2/problems/usage-capped\",\"period\":\"Monthly\",\"scope\":\"Product\",\"status\":429}";
	const char *p429 = "{\"title\":\"Too Many Requests\",\"detail\":\"Too Many Requests\",\"type\":\"about:blank\",\"status\":429}";
	const char *p503 = "{\"title\":\"Service Unavailable\",\"detail\":\"Service Unavailable\",\"status\":503}";
	const char *p400 = "{\"errors\":[{\"message\":\"Invalid query\\nparam\"}],\"title\":\"Invalid Request\"}";
	const char *p400b = "{\"errors\":[{\"parameters\":{\"tweet.fields\":[\"bogus\"]},\"message\":\"The `tweet.fields` query parameter value [bogus] is not one of [article,attachments]\"}],\"title\":\"Invalid Request\",\"detail\":\"One or more parameters to your request was invalid.\",\"type\":\"https://api.twitter.com/2/problems/invalid-request\"}";
	struct tm tm;
	char hhmm[16], want[64];
	time_t reset;

	ck_assert_int_eq(ch_xapi_classify(401, p401, strlen(p401), NULL, &err), CH_XFAIL_AUTH);
	ck_assert_str_eq(err.source, "X API");
	ck_assert(strncmp(err.text, "401 Unauthorized: check the credentials (X_API_KEY, X_API_SECRET, "
			  "X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET or the credentials file)", 120) == 0);
	ch_error_clear(&err);

	ck_assert_int_eq(ch_xapi_classify(403, p403d, strlen(p403d), NULL, &err), CH_XFAIL_DUPLICATE);
	ck_assert_ptr_nonnull(strstr(err.text, "duplicate content"));
	ch_error_clear(&err);
	/* a 403 that does not say it concerns the app or the account
	 * refuses this one request: X's words, no guess */
	ck_assert_int_eq(ch_xapi_classify(403, p403, strlen(p403), NULL, &err), CH_XFAIL_CLIENT);
	ck_assert_str_eq(err.text, "403 Forbidden: You are not permitted to perform this action.");
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_classify(403, p403app, strlen(p403app), NULL, &err), CH_XFAIL_AUTH);
	ck_assert_ptr_nonnull(strstr(err.text, "oauth1 app permissions"));
	ck_assert_ptr_nonnull(strstr(err.text, "concerns the app or the account"));
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_classify(403, p403enr, strlen(p403enr), NULL, &err), CH_XFAIL_AUTH);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_classify(403, p403susp, strlen(p403susp), NULL, &err), CH_XFAIL_AUTH);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_classify(403, p403reply, strlen(p403reply), NULL, &err), CH_XFAIL_REPLY_REFUSED);
	ck_assert_ptr_nonnull(strstr(err.text, "Reply to this conversation is not allowed"));
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_classify(402, p402, strlen(p402), NULL, &err), CH_XFAIL_CREDITS);
	ck_assert(strncmp(err.text, "402 Payment Required", 20) == 0);
	ck_assert_ptr_nonnull(strstr(err.text, "credits are used up"));
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_classify(403, p403cred, strlen(p403cred), NULL, &err), CH_XFAIL_CREDITS);
	ch_error_clear(&err);
	rate.reset = 1798761600; /* 2027-01-01 00:00 UTC */
	ck_assert_int_eq(ch_xapi_classify(429, p429cap, strlen(p429cap), &rate, &err), CH_XFAIL_USAGE_CAP);
	ck_assert_ptr_nonnull(strstr(err.text, "usage cap"));
	ck_assert_ptr_nonnull(strstr(err.text, "2027-01-01 00:00 UTC"));
	ch_error_clear(&err);

	reset = time(NULL) + 600;
	rate.reset = reset;
	localtime_r(&reset, &tm);
	strftime(hhmm, sizeof hhmm, "%H:%M", &tm);
	snprintf(want, sizeof want, "rate limited until %s", hhmm);
	ck_assert_int_eq(ch_xapi_classify(429, p429, strlen(p429), &rate, &err), CH_XFAIL_RATELIMIT);
	ck_assert_msg(strstr(err.text, want), "%s", err.text);
	ck_assert(strncmp(err.text, "429 Too Many Requests", 21) == 0);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_classify(429, NULL, 0, NULL, &err), CH_XFAIL_RATELIMIT);
	ck_assert_ptr_nonnull(strstr(err.text, "rate limited"));
	ch_error_clear(&err);

	ck_assert_int_eq(ch_xapi_classify(503, p503, strlen(p503), NULL, &err), CH_XFAIL_SERVER);
	ck_assert(strncmp(err.text, "503 Service Unavailable", 23) == 0);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_classify(502, "<html>bad gateway</html>", 24, NULL, &err), CH_XFAIL_SERVER);
	ch_error_clear(&err);

	ck_assert_int_eq(ch_xapi_classify(400, p400, strlen(p400), NULL, &err), CH_XFAIL_CLIENT);
	ck_assert_ptr_nonnull(strstr(err.text, "Invalid query param")); /* newline cleaned */
	ch_error_clear(&err);
	/* a 400 shows X's detail and its errors[].message */
	ck_assert_int_eq(ch_xapi_classify(400, p400b, strlen(p400b), NULL, &err), CH_XFAIL_CLIENT);
	ck_assert_str_eq(err.text, "400 Bad Request: One or more parameters to your request was invalid. (The `tweet.fields` query parameter value [bogus] is not one of [article,attachments])");
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_classify(404, "{\"detail\":5}", 12, NULL, &err), CH_XFAIL_CLIENT);
	ck_assert_str_eq(err.text, "404 Not Found");
}
END_TEST

/* ---- whole calls against the loopback server ---- */

static struct loopsrv srv;
static char fx_api_key[] = "ckey";
static char fx_api_secret[] = "csecretXYZ";
static char fx_access_token[] = "1-tok";
static char fx_access_token_secret[] = "tsecretXYZ";
static struct ch_creds creds = {
	.api_key = fx_api_key, .api_secret = fx_api_secret,
	.access_token = fx_access_token, .access_token_secret = fx_access_token_secret,
};
static struct ch_xapi x;

static void srv_setup(void)
{
	struct ch_error err = {0};
	char base[64];

	ck_assert_int_eq(loopsrv_start(&srv), 0);
	snprintf(base, sizeof base, "http://127.0.0.1:%d/", srv.port);
	ck_assert_msg(ch_xapi_init(&x, base, &creds, &err) == 0, "%s", err.text);
}

static void srv_teardown(void)
{
	ch_xapi_free(&x);
	loopsrv_stop(&srv);
}

START_TEST(test_init_refuses_plain_http)
{
	struct ch_xapi y;
	struct ch_error err = {0};

	ck_assert_int_eq(ch_xapi_init(&y, "http://api.x.com", &creds, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "loopback"));
	ck_assert_ptr_null(y.http);
	ck_assert_int_eq(ch_xapi_init(&y, "https://api.x.com/", &creds, &err), 0);
	ck_assert_str_eq(y.base_url, "https://api.x.com");
	ch_xapi_free(&y);
}
END_TEST

START_TEST(test_post_warm_and_body)
{
	struct ch_error err = {0};
	char id[32];
	const char *opts[] = { "Pet peeves", "AI in the contact center" };
	struct ch_xapi_poll_req poll = { opts, 2, 1440 };
	char *auth, *sig, *expect_auth;
	const char *hdr, *eol;
	char url[128];

	ck_assert_int_eq(ch_xapi_warm(&x, &err), 0);
	ck_assert_int_eq(x.last_connects, 1);
	srv.canned_status = 201;
	srv.canned_body = "{\"data\":{\"id\":\"1234567890\",\"text\":\"Q1: hi #ICMIchat\"}}";
	ck_assert_msg(ch_xapi_post(&x, "Q1: hi \"you\" #ICMIchat", "999", &poll, id,
				   sizeof id, &err) == 0, "%s", err.text);
	ck_assert_str_eq(id, "1234567890");
	ck_assert_int_eq(x.last_connects, 0); /* the warm connection was used */
	ck_assert_int_eq(srv.accepts, 1);
	ck_assert_int_eq(x.last_status, 201);
	ck_assert(x.last_sent.tv_sec > 0);
	ck_assert_ptr_nonnull(strstr(srv.last_req, "POST /2/tweets HTTP/1.1"));
	ck_assert_ptr_nonnull(strstr(srv.last_req,
		"{\"text\":\"Q1: hi \\\"you\\\" #ICMIchat\",\"reply\":{\"in_reply_to_tweet_id\":\"999\"},"
		"\"poll\":{\"options\":[\"Pet peeves\",\"AI in the contact center\"],\"duration_minutes\":1440}}"));
	/* the Authorization header signs method + URL only (JSON not signed) */
	hdr = strstr(srv.last_req, "Authorization: ");
	ck_assert_ptr_nonnull(hdr);
	eol = strstr(hdr, "\r\n");
	auth = strndup(hdr + 15, (size_t)(eol - hdr - 15));
	{
		char *nonce = ch_oauth_header_param(auth, "oauth_nonce");
		char *ts = ch_oauth_header_param(auth, "oauth_timestamp");
		snprintf(url, sizeof url, "http://127.0.0.1:%d/2/tweets", srv.port);
		expect_auth = ch_oauth_header_at(&creds, "POST", url, NULL, nonce,
						 atoll(ts), &err);
		ck_assert_str_eq(auth, expect_auth);
		free(nonce);
		free(ts);
	}
	sig = ch_oauth_header_param(auth, "oauth_signature");
	ck_assert_ptr_nonnull(sig);
	ck_assert_ptr_null(strstr(srv.last_req, "csecretXYZ"));
	ck_assert_ptr_null(strstr(srv.last_req, "tsecretXYZ"));
	free(sig);
	free(auth);
	free(expect_auth);
}
END_TEST

START_TEST(test_post_input_errors)
{
	struct ch_error err = {0};
	char id[32];
	const char *one[] = { "only" };
	const char *longopt[] = { "a", "this label is far too long to be one" };
	struct ch_xapi_poll_req p1 = { one, 1, 60 };
	struct ch_xapi_poll_req p2 = { longopt, 2, 60 };
	const char *ok2[] = { "a", "b" };
	struct ch_xapi_poll_req p3 = { ok2, 2, 3 };

	ck_assert_int_eq(ch_xapi_post(&x, "", NULL, NULL, id, sizeof id, &err), -1);
	ck_assert_int_eq(x.last, CH_XFAIL_CLIENT);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_post(&x, "bad \xff utf8", NULL, NULL, id, sizeof id, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "UTF-8"));
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_post(&x, "t", "12ab", NULL, id, sizeof id, &err), -1);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_post(&x, "t", NULL, &p1, id, sizeof id, &err), -1);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_post(&x, "t", NULL, &p2, id, sizeof id, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "option 2"));
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_post(&x, "t", NULL, &p3, id, sizeof id, &err), -1);
	ck_assert_int_eq(srv.requests, 0); /* nothing was sent */
	/* an id that does not fit the caller's buffer */
	ch_error_clear(&err);
	srv.canned_status = 201;
	srv.canned_body = "{\"data\":{\"id\":\"123456789012345678901234567890123456\"}}";
	ck_assert_int_eq(ch_xapi_post(&x, "t", NULL, NULL, id, sizeof id, &err), -1);
	ck_assert_int_eq(x.last, CH_XFAIL_PARSE);
	ch_error_clear(&err);
	srv.canned_body = "{\"data\":{\"id\":5}}";
	ck_assert_int_eq(ch_xapi_post(&x, "t", NULL, NULL, id, sizeof id, &err), -1);
	ck_assert_int_eq(x.last, CH_XFAIL_PARSE);
}
END_TEST

START_TEST(test_search_query_encoding)
{
	struct ch_error err = {0};
	struct ch_msg_page page;
	struct ch_search_req req = {
		.query = "#ICMIchat caf\xc3\xa9 -is:retweet", .since_id = "1000",
		.start_time = "2026-12-01T18:00:00Z", .max_results = 100,
	};

	srv.canned_status = 200;
	srv.canned_body = PAGE_GOOD;
	ck_assert_msg(ch_xapi_search(&x, &req, &page, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(page.n, 3);
	ck_assert_ptr_nonnull(strstr(srv.last_req,
		"GET /2/tweets/search/recent?query=%23ICMIchat%20caf%C3%A9%20-is%3Aretweet"
		"&max_results=100&since_id=1000&start_time=2026-12-01T18%3A00%3A00Z"
		"&tweet.fields=created_at%2Cauthor_id%2Cconversation_id%2Creferenced_tweets"
		"%2Cin_reply_to_user_id%2Cnote_tweet%2Cedit_history_tweet_ids%2Centities"
			 "&expansions=author_id&user.fields=username%2Cname HTTP/1.1"));
	ch_msg_page_free(&page);
	/* bad request parameters are refused before sending */
	req.max_results = 5;
	ck_assert_int_eq(ch_xapi_search(&x, &req, &page, &err), -1);
	ck_assert_int_eq(x.last, CH_XFAIL_CLIENT);
	/* malformed page from the server */
	ch_error_clear(&err);
	req.max_results = 10;
	srv.canned_body = "{\"data\":{\"id\":1}}";
	ck_assert_int_eq(ch_xapi_search(&x, &req, &page, &err), -1);
	ck_assert_int_eq(x.last, CH_XFAIL_PARSE);
	ck_assert_ptr_nonnull(strstr(err.text, "data is not an array"));
}
END_TEST

START_TEST(test_problem_responses)
{
	struct ch_error err = {0};
	char id[32], name[64];
	char headers[256];
	time_t reset = time(NULL) + 900;
	struct tm tm;
	char want[64], hhmm[16];

	srv.canned_status = 401;
	srv.canned_body = "{\"title\":\"Unauthorized\",\"type\":\"about:blank\",\"status\":401,\"detail\":\"Unauthorized\"}";
	ck_assert_int_eq(ch_xapi_me(&x, id, sizeof id, name, sizeof name, &err), -1);
	ck_assert_int_eq(x.last, CH_XFAIL_AUTH);
	ck_assert_int_eq(x.last_status, 401);
	ck_assert_ptr_nonnull(strstr(err.text, "401 Unauthorized: check the credentials"));

	ch_error_clear(&err);
	srv.canned_status = 403;
	srv.canned_body = "{\"detail\":\"You are not allowed to create a Tweet with duplicate content.\",\"status\":403}";
	ck_assert_int_eq(ch_xapi_post(&x, "same", NULL, NULL, id, sizeof id, &err), -1);
	ck_assert_int_eq(x.last, CH_XFAIL_DUPLICATE);

	ch_error_clear(&err);
	snprintf(headers, sizeof headers, "x-rate-limit-limit: 100\r\nx-rate-limit-remaining: 0\r\n"
		 "x-rate-limit-reset: %lld\r\n", (long long)reset);
	srv.canned_status = 429;
	srv.canned_headers = headers;
	srv.canned_body = "{\"title\":\"Too Many Requests\",\"status\":429}";
	ck_assert_int_eq(ch_xapi_post(&x, "t", NULL, NULL, id, sizeof id, &err), -1);
	ck_assert_int_eq(x.last, CH_XFAIL_RATELIMIT);
	ck_assert_int_eq(x.rate.limit, 100);
	ck_assert_int_eq(x.rate.remaining, 0);
	ck_assert(x.rate.reset == reset);
	localtime_r(&reset, &tm);
	strftime(hhmm, sizeof hhmm, "%H:%M", &tm);
	snprintf(want, sizeof want, "rate limited until %s", hhmm);
	ck_assert_msg(strstr(err.text, want), "%s", err.text);

	ch_error_clear(&err);
	srv.canned_status = 503;
	srv.canned_headers = NULL;
	srv.canned_body = "{\"title\":\"Service Unavailable\",\"status\":503}";
	ck_assert_int_eq(ch_xapi_me(&x, id, sizeof id, name, sizeof name, &err), -1);
	ck_assert_int_eq(x.last, CH_XFAIL_SERVER);
	ck_assert_int_eq(x.rate.limit, -1);

	ch_error_clear(&err);
	srv.canned_status = 200;
	srv.canned_body = "{\"data\":{\"id\":\"77\",\"username\":\"icmi\"}}";
	ck_assert_int_eq(ch_xapi_me(&x, id, sizeof id, name, sizeof name, &err), 0);
	ck_assert_str_eq(id, "77");
	ck_assert_str_eq(name, "icmi");
	ck_assert_int_eq(x.last, CH_XFAIL_NONE);
	ck_assert_ptr_nonnull(strstr(srv.last_req, "GET /2/users/me HTTP/1.1"));
	ck_assert_int_eq(srv.accepts, 1); /* one connection all along */
}
END_TEST

START_TEST(test_poll_lookup_and_user_tweets)
{
	struct ch_error err = {0};
	struct ch_poll_result r;
	struct ch_msg_page page;

	srv.canned_status = 200;
	srv.canned_body = POLL_GOOD;
	ck_assert_msg(ch_xapi_poll_lookup(&x, "42", &r, &err) == 0, "%s", err.text);
	ck_assert_str_eq(r.poll_id, "p2");
	ck_assert_ptr_nonnull(strstr(srv.last_req,
		"GET /2/tweets?ids=42&expansions=attachments.poll_ids&"
		"poll.fields=options%2Cvoting_status%2Cend_datetime HTTP/1.1"));
	ch_poll_result_free(&r);
	ck_assert_int_eq(ch_xapi_poll_lookup(&x, "../x", &r, &err), -1);
	ch_error_clear(&err);
	srv.canned_body = PAGE_GOOD;
	ck_assert_int_eq(ch_xapi_user_tweets(&x, "77", 20, &page, &err), 0);
	ck_assert_uint_eq(page.n, 3);
	ck_assert_ptr_nonnull(strstr(srv.last_req, "GET /2/users/77/tweets?max_results=20&"));
	ch_msg_page_free(&page);
}
END_TEST

START_TEST(test_network_error)
{
	struct ch_xapi y;
	struct ch_error err = {0};
	char base[64], id[32];

	snprintf(base, sizeof base, "http://127.0.0.1:%d", loopsrv_dead_port());
	ck_assert_int_eq(ch_xapi_init(&y, base, &creds, &err), 0);
	ck_assert_int_eq(ch_xapi_post(&y, "t", NULL, NULL, id, sizeof id, &err), -1);
	ck_assert_int_eq(y.last, CH_XFAIL_NETWORK);
	ck_assert_str_eq(err.source, "X API");
	ck_assert_msg(strstr(err.text, "network error: POST http://127.0.0.1:") &&
		      (strstr(err.text, "Failed to connect") || strstr(err.text, "Couldn't connect")),
		      "%s", err.text);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_xapi_warm(&y, &err), -1);
	ck_assert_int_eq(y.last, CH_XFAIL_NETWORK);
	ch_xapi_free(&y);
}
END_TEST

START_TEST(test_timeout_is_network)
{
	struct ch_xapi y;
	struct ch_error err = {0};
	char base[64];
	struct ch_msg_page page;
	struct ch_search_req req = { .query = "#x", .max_results = 10 };

	snprintf(base, sizeof base, "http://127.0.0.1:%d/hang", srv.port);
	ck_assert_int_eq(ch_xapi_init(&y, base, &creds, &err), 0);
	ch_xapi_set_timeouts(&y, 1000, 300);
	ck_assert_int_eq(ch_xapi_search(&y, &req, &page, &err), -1);
	ck_assert_int_eq(y.last, CH_XFAIL_NETWORK);
	ck_assert_ptr_nonnull(strstr(err.text, "timed out"));
	ch_xapi_free(&y);
}
END_TEST

START_TEST(test_no_creds)
{
	struct ch_xapi y;
	struct ch_error err = {0};
	char id[32], name[32];
	char base[64];

	snprintf(base, sizeof base, "http://127.0.0.1:%d", srv.port);
	ck_assert_int_eq(ch_xapi_init(&y, base, NULL, &err), 0);
	ck_assert_int_eq(ch_xapi_me(&y, id, sizeof id, name, sizeof name, &err), -1);
	ck_assert_int_eq(y.last, CH_XFAIL_AUTH);
	ck_assert_ptr_nonnull(strstr(err.text, "X_API_KEY"));
	ch_xapi_free(&y);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("xapi");
	TCase *tp = tcase_create("parse");
	TCase *tc = tcase_create("calls");

	tcase_set_timeout(tp, 60);
	tcase_add_test(tp, test_parse_good_page);
	tcase_add_test(tp, test_parse_missing_includes_and_empty);
	tcase_add_test(tp, test_parse_malformed);
	tcase_add_test(tp, test_parse_wrong_types);
	tcase_add_test(tp, test_parse_skips_only_the_unusable);
	tcase_add_test(tp, test_parse_malformed_text_keeps_page);
	tcase_add_test(tp, test_parse_long_edited_and_renamed);
	tcase_add_test(tp, test_parse_links);
	tcase_add_test(tp, test_parse_huge_numbers);
	tcase_add_test(tp, test_parse_full_page_join);
	tcase_add_test(tp, test_parse_poll);
	tcase_add_test(tp, test_parse_poll_bad);
	tcase_add_test(tp, test_classify);
	suite_add_tcase(s, tp);

	tcase_add_checked_fixture(tc, srv_setup, srv_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_init_refuses_plain_http);
	tcase_add_test(tc, test_post_warm_and_body);
	tcase_add_test(tc, test_post_input_errors);
	tcase_add_test(tc, test_search_query_encoding);
	tcase_add_test(tc, test_problem_responses);
	tcase_add_test(tc, test_poll_lookup_and_user_tweets);
	tcase_add_test(tc, test_network_error);
	tcase_add_test(tc, test_timeout_is_network);
	tcase_add_test(tc, test_no_creds);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
