/* test_http.c - the libcurl wrapper against an in-test loopback server:
 * connection reuse after warm, size cap, connect refused, timeout,
 * rate-limit headers, URL policy, redacted trace. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "loopsrv.h"

static struct loopsrv srv;
static char base[64];

static void setup(void)
{
	ck_assert_int_eq(loopsrv_start(&srv), 0);
	snprintf(base, sizeof base, "http://127.0.0.1:%d", srv.port);
}

static void teardown(void)
{
	loopsrv_stop(&srv);
}

/* base + path in one of a few rotating static buffers */
static char *url(const char *path)
{
	static char u[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(u[i], sizeof u[i], "%s%s", base, path);
	return u[i];
}

START_TEST(test_get_ok)
{
	struct ch_error err = {0};
	struct ch_http *h = ch_http_new(&err);
	struct ch_http_request req = { .method = "GET", .url = url("/x?a=1") };
	struct ch_http_response resp = {0};
	struct timespec before, after;

	ck_assert_ptr_nonnull(h);
	clock_gettime(CLOCK_REALTIME, &before);
	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), 0);
	clock_gettime(CLOCK_REALTIME, &after);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(ch_buf_str(&resp.body), "{\"ok\":true}");
	ck_assert_str_eq(resp.content_type, "application/json");
	ck_assert_int_eq(resp.rate_limit, -1);
	ck_assert_int_eq(resp.rate_remaining, -1);
	ck_assert_int_eq(resp.fail, CH_HTTP_OK);
	ck_assert_int_eq(resp.num_connects, 1);
	/* the send time lies within the call */
	ck_assert(resp.sent_at.tv_sec >= before.tv_sec);
	ck_assert(resp.sent_at.tv_sec <= after.tv_sec);
	ck_assert_ptr_nonnull(strstr(srv.last_req, "GET /x?a=1 HTTP/1.1"));
	ch_http_response_free(&resp);
	ch_http_free(h);
}
END_TEST

START_TEST(test_warm_then_reuse)
{
	struct ch_error err = {0};
	struct ch_http *h = ch_http_new(&err);
	struct ch_http_request req = {
		.method = "POST", .url = url("/echo"),
		.authorization = "OAuth oauth_consumer_key=\"k\"",
		.content_type = "application/json",
		.body = "{\"text\":\"hi\"}", .body_len = 13,
	};
	struct ch_http_response resp = {0};
	long nc = -1;

	ck_assert_int_eq(ch_http_warm(h, url("/"), &nc, &err), 0);
	ck_assert_int_eq(nc, 1);
	ck_assert_ptr_nonnull(strstr(srv.last_req, "HEAD / HTTP/1.1"));
	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), 0);
	ck_assert_int_eq(resp.num_connects, 0); /* reused */
	ck_assert_int_eq(srv.accepts, 1);
	ck_assert_int_eq(srv.requests, 2);
	ck_assert_str_eq(ch_buf_str(&resp.body), "{\"text\":\"hi\"}");
	ck_assert_ptr_nonnull(strstr(srv.last_req, "POST /echo HTTP/1.1"));
	ck_assert_ptr_nonnull(strstr(srv.last_req, "Authorization: OAuth oauth_consumer_key=\"k\""));
	ck_assert_ptr_nonnull(strstr(srv.last_req, "Content-Type: application/json"));
	ck_assert_ptr_null(strstr(srv.last_req, "Expect:"));
	/* a GET after the POST reuses it too and sends no body */
	req.method = "GET";
	req.url = url("/y");
	req.body = NULL;
	req.body_len = 0;
	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), 0);
	ck_assert_int_eq(resp.num_connects, 0);
	ck_assert_ptr_nonnull(strstr(srv.last_req, "GET /y HTTP/1.1"));
	ck_assert_ptr_null(strstr(srv.last_req, "Content-Length"));
	ck_assert_int_eq(srv.accepts, 1);
	/* a server that closes forces a new connection, transparently */
	req.url = url("/close");
	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), 0);
	req.url = url("/z");
	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), 0);
	ck_assert_int_eq(resp.num_connects, 1);
	ck_assert_int_eq(srv.accepts, 2);
	ch_http_response_free(&resp);
	ch_http_free(h);
}
END_TEST

START_TEST(test_size_cap)
{
	struct ch_error err = {0};
	struct ch_http *h = ch_http_new(&err);
	struct ch_http_request req = { .method = "GET", .url = url("/big") };
	struct ch_http_response resp = {0};

	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), -1);
	ck_assert_int_eq(resp.fail, CH_HTTP_FAIL_TOO_LARGE);
	ck_assert_ptr_nonnull(strstr(err.text, "larger than 4194304 bytes"));
	ck_assert_ptr_nonnull(strstr(err.text, "GET http://127.0.0.1"));
	ck_assert_uint_le(resp.body.len, CH_HTTP_MAX_RESPONSE);
	/* a smaller cap applies too */
	ch_error_clear(&err);
	ch_http_set_max_response(h, 5);
	req.url = url("/plain");
	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "larger than 5 bytes"));
	ch_error_clear(&err);
	ch_http_set_max_response(h, 11);
	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), 0);
	ch_http_response_free(&resp);
	ch_http_free(h);
}
END_TEST

START_TEST(test_connect_refused)
{
	struct ch_error err = {0};
	struct ch_http *h = ch_http_new(&err);
	char u[128];
	struct ch_http_request req = { .method = "GET", .url = u };
	struct ch_http_response resp = {0};

	snprintf(u, sizeof u, "http://127.0.0.1:%d/2/users/me", loopsrv_dead_port());
	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), -1);
	ck_assert_int_eq(resp.fail, CH_HTTP_FAIL_NETWORK);
	ck_assert_int_eq(resp.status, 0);
	/* libcurl's own error buffer text, after what was requested */
	ck_assert_msg(strstr(err.text, "Failed to connect") ||
		      strstr(err.text, "Couldn't connect"), "%s", err.text);
	ck_assert_ptr_nonnull(strstr(err.text, "GET http://127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(err.text, "/2/users/me: "));
	ch_http_response_free(&resp);
	ch_http_free(h);
}
END_TEST

START_TEST(test_timeout)
{
	struct ch_error err = {0};
	struct ch_http *h = ch_http_new(&err);
	struct ch_http_request req = { .method = "GET", .url = url("/hang") };
	struct ch_http_response resp = {0};
	struct timespec a, b;
	double secs;

	ch_http_set_timeouts(h, 1000, 300);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	ck_assert_int_eq(resp.fail, CH_HTTP_FAIL_NETWORK);
	ck_assert_msg(strstr(err.text, "timed out"), "%s", err.text);
	ck_assert(secs >= 0.25 && secs < 3.0);
	ch_http_response_free(&resp);
	ch_http_free(h);
}
END_TEST

START_TEST(test_rate_limit_headers)
{
	struct ch_error err = {0};
	struct ch_http *h = ch_http_new(&err);
	struct ch_http_request req = { .method = "GET", .url = url("/2/tweets/search/recent") };
	struct ch_http_response resp = {0};

	srv.canned_status = 429;
	srv.canned_headers = "x-rate-limit-limit: 300\r\n"
			     "X-Rate-Limit-Remaining: 0\r\n"
			     "x-rate-limit-reset:  1790000000 \r\n";
	srv.canned_body = "{\"title\":\"Too Many Requests\",\"status\":429}";
	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), 0);
	ck_assert_int_eq(resp.status, 429);
	ck_assert_int_eq(resp.rate_limit, 300);
	ck_assert_int_eq(resp.rate_remaining, 0);
	ck_assert(resp.rate_reset == 1790000000LL);
	ck_assert_ptr_nonnull(strstr(ch_buf_str(&resp.body), "Too Many"));
	/* garbage values are ignored, not misread */
	srv.canned_headers = "x-rate-limit-limit: 12abc\r\n"
			     "x-rate-limit-remaining: -3\r\n"
			     "x-rate-limit-reset: 99999999999999999999999\r\n";
	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), 0);
	ck_assert_int_eq(resp.rate_limit, -1);
	ck_assert_int_eq(resp.rate_remaining, -1);
	ck_assert(resp.rate_reset == 0);
	ch_http_response_free(&resp);
	ch_http_free(h);
}
END_TEST

START_TEST(test_url_policy)
{
	static const char *ok[] = {
		"https://api.x.com", "https://api.x.com/2/tweets",
		"http://127.0.0.1:8080/", "http://127.9.8.7/", "http://[::1]:9/",
		"http://localhost:1234/x", "HTTP://LOCALHOST/",
	};
	static const char *bad[] = {
		"http://api.x.com/", "http://10.0.0.1/", "http://192.168.1.1/",
		"http://127.0.0.1.example.com/", "http://localhost.example.com/",
		"http://[::2]/", "ftp://127.0.0.1/", "file:///etc/passwd",
		"gopher://127.0.0.1/", "api.x.com", "", "http://",
	};
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct ch_error err = {0};
		ck_assert_msg(ch_http_check_url(ok[i], &err) == 0, "%s: %s", ok[i], err.text);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ch_error err = {0};
		ck_assert_msg(ch_http_check_url(bad[i], &err) == -1, "%s accepted", bad[i]);
		ck_assert(err.text[0] != '\0');
	}
	{
		struct ch_error err = {0};
		ch_http_check_url("http://api.x.com/", &err);
		ck_assert_ptr_nonnull(strstr(err.text, "loopback"));
		ck_assert_ptr_nonnull(strstr(err.text, "use https://"));
	}
}
END_TEST

START_TEST(test_request_refuses_bad_url)
{
	struct ch_error err = {0};
	struct ch_http *h = ch_http_new(&err);
	struct ch_http_request req = { .method = "GET", .url = "http://example.com/" };
	struct ch_http_response resp = {0};

	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), -1);
	ck_assert_int_eq(resp.fail, CH_HTTP_FAIL_URL);
	ck_assert_ptr_nonnull(strstr(err.text, "refused"));
	ch_http_response_free(&resp);
	ch_http_free(h);
}
END_TEST

START_TEST(test_trace_redacts_authorization)
{
	struct ch_error err = {0};
	struct ch_http *h = ch_http_new(&err);
	struct ch_http_request req = {
		.method = "GET", .url = url("/t"),
		.authorization = "OAuth oauth_consumer_key=\"SEKRITKEY\", oauth_signature=\"SIGSIG\"",
	};
	struct ch_http_response resp = {0};
	char path[] = "/tmp/ch_trace_XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	char *log;
	struct ch_error rerr = {0};

	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	dup2(fd, 2);
	ch_http_set_verbose(h, 2);
	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	log = ch_read_file(path, 1 << 20, NULL, &rerr);
	unlink(path);
	ck_assert_ptr_nonnull(log);
	ck_assert_ptr_nonnull(strstr(log, "> GET /t HTTP/1.1"));
	ck_assert_ptr_nonnull(strstr(log, "> Authorization: OAuth [redacted]"));
	ck_assert_ptr_nonnull(strstr(log, "< HTTP/1.1 200"));
	ck_assert_ptr_null(strstr(log, "SEKRITKEY"));
	ck_assert_ptr_null(strstr(log, "SIGSIG"));
	/* but the server got the real header */
	ck_assert_ptr_nonnull(strstr(srv.last_req, "SEKRITKEY"));
	free(log);
	ch_http_response_free(&resp);
	ch_http_free(h);
}
END_TEST

START_TEST(test_get_with_body_refused)
{
	struct ch_error err = {0};
	struct ch_http *h = ch_http_new(&err);
	struct ch_http_request req = { .method = "GET", .url = url("/"), .body = "x", .body_len = 1 };
	struct ch_http_response resp = {0};

	ck_assert_int_eq(ch_http_request(h, &req, &resp, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "no body"));
	ck_assert_int_eq(srv.requests, 0);
	ch_http_response_free(&resp);
	ch_http_free(h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("loopback");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_get_ok);
	tcase_add_test(tc, test_warm_then_reuse);
	tcase_add_test(tc, test_size_cap);
	tcase_add_test(tc, test_connect_refused);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_rate_limit_headers);
	tcase_add_test(tc, test_url_policy);
	tcase_add_test(tc, test_request_refuses_bad_url);
	tcase_add_test(tc, test_trace_redacts_authorization);
	tcase_add_test(tc, test_get_with_body_refused);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
