/* test_oauth.c - OAuth 1.0a signing: the published docs.x.com example, a
 * GET with query parameters recomputed independently, unicode encoding. */
#include <check.h>

#include "mut.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/x/creds.h"
#include "net/x/oauth.h"

/* liboauth's <oauth.h> is shadowed by bot/oauth.h under -Ibot, so the two
 * liboauth primitives used for the independent recomputation are declared
 * here, exactly as in liboauth's header. */
char *oauth_url_escape(const char *string);
char *oauth_sign_hmac_sha1(const char *m, const char *k);

/* The "Creating a signature" example from docs.x.com. */
static char fx_api_key[] = "xvz1evFS4wEEPTGEFPHBog";
static char fx_api_secret[] = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";
static char fx_access_token[] = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb";
static char fx_access_token_secret[] = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";
static struct ch_creds example_creds = {
	.api_key = fx_api_key,
	.api_secret = fx_api_secret,
	.access_token = fx_access_token,
	.access_token_secret = fx_access_token_secret,
};
#define EX_NONCE "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"
#define EX_TS 1318622958LL

START_TEST(test_docs_example_signature)
{
	struct ch_error err = {0};
	char *h = ch_oauth_header_at(&example_creds, "POST",
		"https://api.x.com/1.1/statuses/update.json?include_entities=true",
		"status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21",
		EX_NONCE, EX_TS, &err);
	char *sig;

	ck_assert_msg(h != NULL, "%s", err.text);
	ck_assert_str_eq(err.text, "");
	sig = ch_oauth_header_param(h, "oauth_signature");
	ck_assert_ptr_nonnull(sig);
	ck_assert_str_eq(sig, "Ls93hJiZbQ3akF3HF3x1Bz8/zU4=");
	/* the header carries the signature percent-encoded */
	ck_assert_ptr_nonnull(strstr(h, "oauth_signature=\"Ls93hJiZbQ3akF3HF3x1Bz8%2FzU4%3D\""));
	ck_assert_ptr_nonnull(strstr(h, "oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\""));
	ck_assert_ptr_nonnull(strstr(h, "oauth_nonce=\"" EX_NONCE "\""));
	ck_assert_ptr_nonnull(strstr(h, "oauth_timestamp=\"1318622958\""));
	ck_assert_ptr_nonnull(strstr(h, "oauth_signature_method=\"HMAC-SHA1\""));
	ck_assert_ptr_nonnull(strstr(h, "oauth_version=\"1.0\""));
	ck_assert_ptr_nonnull(strstr(h, "oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\""));
	ck_assert(strncmp(h, "OAuth oauth_consumer_key=\"", 26) == 0);
	/* neither secret, nor the body or query parameters, in the header */
	ck_assert_ptr_null(strstr(h, example_creds.api_secret));
	ck_assert_ptr_null(strstr(h, example_creds.access_token_secret));
	ck_assert_ptr_null(strstr(h, "include_entities"));
	ck_assert_ptr_null(strstr(h, "status"));
	free(sig);
	free(h);
}
END_TEST

START_TEST(test_form_body_is_signed_json_is_not)
{
	struct ch_error err = {0};
	const char *url = "https://api.x.com/1.1/statuses/update.json?include_entities=true";
	char *a = ch_oauth_header_at(&example_creds, "POST", url, "status=a", EX_NONCE, EX_TS, &err);
	char *b = ch_oauth_header_at(&example_creds, "POST", url, "status=b", EX_NONCE, EX_TS, &err);
	char *c = ch_oauth_header_at(&example_creds, "POST", url, NULL, EX_NONCE, EX_TS, &err);
	char *d = ch_oauth_header_at(&example_creds, "POST",
		"https://api.x.com/1.1/statuses/update.json?include_entities=false",
		NULL, EX_NONCE, EX_TS, &err);
	char *e = ch_oauth_header_at(&example_creds, "GET", url, NULL, EX_NONCE, EX_TS, &err);

	ck_assert(a && b && c && d && e);
	ck_assert_str_ne(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_str_ne(c, d); /* query parameters are signed */
	ck_assert_str_ne(c, e); /* the method is signed */
	free(a); free(b); free(c); free(d); free(e);
}
END_TEST

/* Recomputes the signature of a GET with query parameters by hand: the
 * base string built here, HMAC-SHA1 via liboauth's primitive. */
START_TEST(test_signed_get_recomputed)
{
	struct ch_error err = {0};
	const char *url = "https://api.x.com/2/tweets/search/recent?"
		"query=%23ICMIchat%20-is%3Aretweet&max_results=100&"
		"tweet.fields=created_at%2Cauthor_id";
	char *h = ch_oauth_header_at(&example_creds, "GET", url, NULL,
				     "abcNONCE123", 1700000000LL, &err);
	char *sig, *expect, *key, *params, *base;

	ck_assert_msg(h != NULL, "%s", err.text);
	/* sorted parameters, each name and value percent-encoded */
	params = strdup(
		"max_results=100&"
		"oauth_consumer_key=xvz1evFS4wEEPTGEFPHBog&"
		"oauth_nonce=abcNONCE123&"
		"oauth_signature_method=HMAC-SHA1&"
		"oauth_timestamp=1700000000&"
		"oauth_token=370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb&"
		"oauth_version=1.0&"
		"query=%23ICMIchat%20-is%3Aretweet&"
		"tweet.fields=created_at%2Cauthor_id");
	{
		char *pe = oauth_url_escape(params);
		char *ue = oauth_url_escape("https://api.x.com/2/tweets/search/recent");
		size_t n = strlen(pe) + strlen(ue) + 16;
		base = malloc(n);
		snprintf(base, n, "GET&%s&%s", ue, pe);
		free(pe);
		free(ue);
	}
	key = strdup("kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw&"
		     "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE");
	expect = oauth_sign_hmac_sha1(base, key);
	sig = ch_oauth_header_param(h, "oauth_signature");
	ck_assert_ptr_nonnull(sig);
	ck_assert_str_eq(sig, expect);
	free(sig); free(expect); free(key); free(params); free(base); free(h);
}
END_TEST

/* Unicode text in a query: percent-encoded UTF-8 bytes, upper-case hex;
 * the signature must match one computed over the RFC 3986 encoding. */
START_TEST(test_unicode_percent_encoding)
{
	struct ch_error err = {0};
	/* "café ☕ +1" percent-encoded */
	const char *url = "https://api.x.com/2/tweets/search/recent?"
		"query=caf%C3%A9%20%E2%98%95%20%2B1";
	char *h = ch_oauth_header_at(&example_creds, "GET", url, NULL,
				     "n1", 42LL, &err);
	char *esc = oauth_url_escape("caf\xc3\xa9 \xe2\x98\x95 +1");
	char *sig, *expect, *base, *pe, *ue;
	char params[1024];

	ck_assert_str_eq(esc, "caf%C3%A9%20%E2%98%95%20%2B1");
	ck_assert_msg(h != NULL, "%s", err.text);
	snprintf(params, sizeof params,
		 "oauth_consumer_key=xvz1evFS4wEEPTGEFPHBog&oauth_nonce=n1&"
		 "oauth_signature_method=HMAC-SHA1&oauth_timestamp=42&"
		 "oauth_token=370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb&"
		 "oauth_version=1.0&query=%s", esc);
	pe = oauth_url_escape(params);
	ue = oauth_url_escape("https://api.x.com/2/tweets/search/recent");
	base = malloc(strlen(pe) + strlen(ue) + 8);
	sprintf(base, "GET&%s&%s", ue, pe);
	expect = oauth_sign_hmac_sha1(base,
		"kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw&"
		"LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE");
	sig = ch_oauth_header_param(h, "oauth_signature");
	ck_assert_str_eq(sig, expect);
	free(sig); free(expect); free(base); free(pe); free(ue); free(esc); free(h);
}
END_TEST

START_TEST(test_random_nonce_and_time)
{
	struct ch_error err = {0};
	const char *url = "https://api.x.com/2/users/me";
	char *a = ch_oauth_header(&example_creds, "GET", url, NULL, &err);
	char *b = ch_oauth_header(&example_creds, "GET", url, NULL, &err);
	char *na = ch_oauth_header_param(a, "oauth_nonce");
	char *nb = ch_oauth_header_param(b, "oauth_nonce");
	char *ts = ch_oauth_header_param(a, "oauth_timestamp");
	long long t;

	ck_assert(a && b && na && nb && ts);
	ck_assert_str_ne(na, nb);
	ck_assert_uint_ge(strlen(na), 15);
	t = atoll(ts);
	ck_assert(t > 1700000000LL);
	ck_assert(llabs(t - (long long)time(NULL)) < 5);
	free(a); free(b); free(na); free(nb); free(ts);
}
END_TEST

START_TEST(test_bad_input_errors)
{
	struct ch_error err = {0};
	struct ch_creds empty = {0};
	struct ch_creds ctl = example_creds;
	char *h;

	h = ch_oauth_header(&empty, "GET", "https://api.x.com/2/users/me", NULL, &err);
	ck_assert_ptr_null(h);
	ck_assert_ptr_nonnull(strstr(err.text, "X_API_KEY"));
	ch_error_clear(&err);
	h = ch_oauth_header(&example_creds, "GET", "api.x.com/2/users/me", NULL, &err);
	ck_assert_ptr_null(h);
	ck_assert_ptr_nonnull(strstr(err.text, "URL"));
	ch_error_clear(&err);
	ctl.api_secret = mut("abc\ndef");
	h = ch_oauth_header(&ctl, "GET", "https://api.x.com/", NULL, &err);
	ck_assert_ptr_null(h);
	ck_assert_ptr_null(strstr(err.text, "abc"));
}
END_TEST

START_TEST(test_header_param_parsing)
{
	char *v;

	v = ch_oauth_header_param("OAuth a=\"1\", oauth_x=\"%41%2B\"", "oauth_x");
	ck_assert_str_eq(v, "A+");
	free(v);
	ck_assert_ptr_null(ch_oauth_header_param("OAuth a=\"1\"", "b"));
	ck_assert_ptr_null(ch_oauth_header_param("OAuth a=\"1", "a"));
	ck_assert_ptr_null(ch_oauth_header_param(NULL, "a"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("oauth");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_docs_example_signature);
	tcase_add_test(tc, test_form_body_is_signed_json_is_not);
	tcase_add_test(tc, test_signed_get_recomputed);
	tcase_add_test(tc, test_unicode_percent_encoding);
	tcase_add_test(tc, test_random_nonce_and_time);
	tcase_add_test(tc, test_bad_input_errors);
	tcase_add_test(tc, test_header_param_parsing);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
