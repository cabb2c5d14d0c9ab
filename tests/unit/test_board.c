/* test_board.c - the live board's server (board.h): which addresses are
 * loopback, where its token comes from and what it must be, and one
 * board on 127.0.0.1 serving its page and its events: the chat given,
 * then each line written to a tailed file, resumed after Last-Event-ID. */
#include <check.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "board.h"

static char dir[] = "/tmp/chathost-board-XXXXXX";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	unsetenv("CHATHOST_BOARD_TOKEN");
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(dir, sizeof dir, "/tmp/chathost-board-XXXXXX");
}

START_TEST(test_loopback)
{
	struct ch_error err;

	ch_error_clear(&err);
	ck_assert_int_eq(ch_board_loopback("127.0.0.1:8080", &err), 1);
	ck_assert_int_eq(ch_board_loopback("127.1.2.3:0", &err), 1);
	ck_assert_int_eq(ch_board_loopback("[::1]:8080", &err), 1);
	ck_assert_int_eq(ch_board_loopback("0.0.0.0:8080", &err), 0);
	ck_assert_int_eq(ch_board_loopback("[::]:8080", &err), 0);
	ck_assert_int_eq(ch_board_loopback("192.168.1.5:80", &err), 0);
	ck_assert_int_eq(ch_board_loopback("8080", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "ADDRESS:PORT"));
	ch_error_clear(&err);
	ck_assert_int_eq(ch_board_loopback("127.0.0.1:http", &err), -1);
}
END_TEST

START_TEST(test_token)
{
	struct ch_error err;
	char path[300];
	char *tok;
	FILE *fp;

	ch_error_clear(&err);
	ck_assert_ptr_null(ch_board_token(NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.text, "needs a token"));
	setenv("CHATHOST_BOARD_TOKEN", "short", 1);
	ch_error_clear(&err);
	ck_assert_ptr_null(ch_board_token(NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.text, "16 characters"));
	setenv("CHATHOST_BOARD_TOKEN", "a-long-enough-token-1234", 1);
	tok = ch_board_token(NULL, &err);
	ck_assert_str_eq(tok, "a-long-enough-token-1234");
	free(tok);
	snprintf(path, sizeof path, "%s/token", dir);
	fp = fopen(path, "w");
	fputs("from-the-file-0123456789\nsecond line\n", fp);
	fclose(fp);
	chmod(path, 0640);
	ch_error_clear(&err);
	ck_assert_ptr_null(ch_board_token(path, &err));
	ck_assert_ptr_nonnull(strstr(err.text, "chmod 600"));
	chmod(path, 0600);
	tok = ch_board_token(path, &err);
	ck_assert_str_eq(tok, "from-the-file-0123456789");
	free(tok);
}
END_TEST

/* GET target with extra headers; up to size-1 bytes of the answer (the
 * stream's first, then the connection is closed). */
static void get_as(int port, const char *host, const char *target,
		   const char *headers, char *out, size_t size, const char *until)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t n = 0;
	char req[512];
	ssize_t r;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(0x7f000001);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	if (host)
		snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n",
			 target, host, headers);
	else
		snprintf(req, sizeof req, "GET %s HTTP/1.0\r\n%s\r\n", target, headers);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	out[0] = '\0';
	while (n < size - 1 && (r = read(fd, out + n, size - 1 - n)) > 0) {
		n += (size_t)r;
		out[n] = '\0';
		if (until && strstr(out, until))
			break;
	}
	close(fd);
}

static void get(int port, const char *target, const char *headers, char *out,
		size_t size, const char *until)
{
	get_as(port, "127.0.0.1", target, headers, out, size, until);
}

START_TEST(test_serve)
{
	struct ch_error err;
	struct ch_board *b;
	char url[128], buf[8192], path[300];
	json_t *chat = json_pack("{s:s, s:s}", "hashtag", "#ICMIchat",
				 "timezone", "America/New_York");
	int port;
	FILE *fp;

	ch_error_clear(&err);
	ck_assert_ptr_null(ch_board_start("0.0.0.0:0", NULL, url, sizeof url, &err));
	ck_assert_ptr_nonnull(strstr(err.text, "needs a token"));
	b = ch_board_start("127.0.0.1:0", NULL, url, sizeof url, &err);
	ck_assert_msg(b != NULL, "%s", err.text);
	ck_assert_int_eq(sscanf(url, "http://127.0.0.1:%d/", &port), 1);
	ck_assert_int_gt(port, 0);
	ch_board_chat(b, chat);
	snprintf(path, sizeof path, "%s/2026-12-01.jsonl", dir);
	fp = fopen(path, "w");
	fputs("{\"kind\":\"answer\",\"id\":\"1\",\"text\":\"A1 <b>x</b>\"}\nnot json\n", fp);
	fclose(fp);
	ch_board_tail(b, path, "line", false);
	get(port, "/", "", buf, sizeof buf, "</html>");
	ck_assert_ptr_nonnull(strstr(buf, "200 OK"));
	ck_assert_ptr_nonnull(strstr(buf, "Content-Security-Policy: default-src 'none'"));
	ck_assert_ptr_null(strstr(buf, "{{NONCE}}"));
	get(port, "/events", "", buf, sizeof buf, "event: line");
	ck_assert_ptr_nonnull(strstr(buf, "id: 1\nevent: chat\ndata: {\"hashtag\":\"#ICMIchat\""));
	ck_assert_ptr_nonnull(strstr(buf, "id: 2\nevent: line\ndata: {\"kind\":\"answer\",\"id\":\"1\",\"text\":\"A1 <b>x</b>\"}"));
	/* a line written later; a reconnect after id 2 gets only it */
	fp = fopen(path, "a");
	fputs("{\"kind\":\"answer\",\"id\":\"2\",\"text\":\"A2\"}\n", fp);
	fclose(fp);
	get(port, "/events", "Last-Event-ID: 2\r\n", buf, sizeof buf, "\"A2\"");
	ck_assert_ptr_null(strstr(buf, "id: 1\n"));
	ck_assert_ptr_null(strstr(buf, "id: 2\n"));
	ck_assert_ptr_nonnull(strstr(buf, "id: 3\nevent: line\n"));
	get(port, "/nope", "", buf, sizeof buf, NULL);
	ck_assert_ptr_nonnull(strstr(buf, "404"));
	/* the largest id a client could claim is taken as none (its next
	 * would overflow: UBSan, make check-sanitize, caught it) */
	get(port, "/events", "Last-Event-ID: 9223372036854775807\r\n", buf, sizeof buf,
	    "\"A2\"");
	ck_assert_ptr_nonnull(strstr(buf, "200 OK"));
	ck_assert_ptr_nonnull(strstr(buf, "id: 1\nevent: chat\n"));
	/* DNS rebinding: a page under another name gets nothing (421) */
	get_as(port, "evil.example", "/", "", buf, sizeof buf, NULL);
	ck_assert_ptr_nonnull(strstr(buf, " 421 "));
	ck_assert_ptr_null(strstr(buf, "</html>"));
	get_as(port, "evil.example:80", "/events", "", buf, sizeof buf, NULL);
	ck_assert_ptr_nonnull(strstr(buf, " 421 "));
	get_as(port, "127.0.0.1.evil.example", "/", "", buf, sizeof buf, NULL);
	ck_assert_ptr_nonnull(strstr(buf, " 421 "));
	get_as(port, NULL, "/", "", buf, sizeof buf, NULL);
	ck_assert_ptr_nonnull(strstr(buf, " 421 "));
	snprintf(url, sizeof url, "localhost:%d", port);
	get_as(port, url, "/", "", buf, sizeof buf, "</html>");
	ck_assert_ptr_nonnull(strstr(buf, "200 OK"));
	get_as(port, "LOCALHOST", "/", "", buf, sizeof buf, "</html>");
	ck_assert_ptr_nonnull(strstr(buf, "200 OK"));
	ch_board_stop(b);
	json_decref(chat);
}
END_TEST

/* A connection from src (a loopback address) to the board's port, idle. */
static int idle_conn(const char *src, int port)
{
	struct sockaddr_in a, from;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&from, 0, sizeof from);
	from.sin_family = AF_INET;
	inet_pton(AF_INET, src, &from.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&from, sizeof from), 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(0x7f000001);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

/* Slow connections from one address take only its share (issue 30,
 * item 8): the next from it is closed at once, another address is
 * served. */
START_TEST(test_per_address_limit)
{
	struct ch_error err;
	struct ch_board *b;
	char url[128], req[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", buf[512];
	int port, fds[CH_BOARD_PER_ADDRESS], extra, other, i;
	ssize_t n, got = 0;

	ch_error_clear(&err);
	b = ch_board_start("127.0.0.1:0", NULL, url, sizeof url, &err);
	ck_assert_msg(b != NULL, "%s", err.text);
	ck_assert_int_eq(sscanf(url, "http://127.0.0.1:%d/", &port), 1);
	for (i = 0; i < CH_BOARD_PER_ADDRESS; i++)
		fds[i] = idle_conn("127.0.0.1", port);
	extra = idle_conn("127.0.0.1", port);
	/* closed unanswered: read sees the end (or a reset) */
	n = read(extra, buf, sizeof buf);
	ck_assert_int_le(n, 0);
	close(extra);
	other = idle_conn("127.0.0.2", port);
	ck_assert_int_eq(write(other, req, strlen(req)), (ssize_t)strlen(req));
	while (got < (ssize_t)sizeof buf - 1 &&
	       (n = read(other, buf + got, sizeof buf - 1 - (size_t)got)) > 0)
		got += n;
	buf[got > 0 ? got : 0] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "200 OK"));
	close(other);
	for (i = 0; i < CH_BOARD_PER_ADDRESS; i++)
		close(fds[i]);
	ch_board_stop(b);
}
END_TEST

/* Connections whose headers never come are few and short-lived (issue
 * 30, item 8): 64 at most wait for their headers (the next is refused
 * at once, whatever its address), and each is cut after 10 s, after
 * which the board serves again. */
START_TEST(test_pending_pool_and_deadline)
{
	struct ch_error err;
	struct ch_board *b;
	char url[128], buf[512], src[32];
	const char *part = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	const char *req = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	int port, fds[64], extra, i;
	ssize_t n, got = 0;

	ch_error_clear(&err);
	b = ch_board_start("127.0.0.1:0", NULL, url, sizeof url, &err);
	ck_assert_msg(b != NULL, "%s", err.text);
	ck_assert_int_eq(sscanf(url, "http://127.0.0.1:%d/", &port), 1);
	for (i = 0; i < 64; i++) {
		snprintf(src, sizeof src, "127.0.0.%d", 2 + i / 16);
		fds[i] = idle_conn(src, port);
		ck_assert_int_eq(write(fds[i], part, strlen(part)), (ssize_t)strlen(part));
	}
	nanosleep(&(struct timespec){0, 300000000L}, NULL);
	extra = idle_conn("127.0.0.9", port);
	n = read(extra, buf, sizeof buf);
	ck_assert_int_le(n, 0); /* refused: the pool is full */
	close(extra);
	/* past the deadline every one of them is cut */
	for (i = 0; i < 64; i++) {
		n = read(fds[i], buf, sizeof buf); /* blocks until cut */
		ck_assert_int_le(n, 0);
		close(fds[i]);
	}
	/* served again once their threads have closed them */
	for (i = 0; i < 50; i++) {
		extra = idle_conn("127.0.0.9", port);
		got = 0;
		if (send(extra, req, strlen(req), MSG_NOSIGNAL) == (ssize_t)strlen(req))
			while (got < (ssize_t)sizeof buf - 1 &&
			       (n = read(extra, buf + got, sizeof buf - 1 - (size_t)got)) > 0)
				got += n;
		buf[got > 0 ? got : 0] = '\0';
		close(extra);
		if (strstr(buf, "200 OK"))
			break;
		nanosleep(&(struct timespec){0, 100000000L}, NULL);
	}
	ck_assert_ptr_nonnull(strstr(buf, "200 OK"));
	ch_board_stop(b);
}
END_TEST

/* The token's link sets the cookie HttpOnly and SameSite=Strict, and
 * Secure where a proxy in front ended TLS (issue 30, item 12). */
START_TEST(test_cookie_secure_behind_tls)
{
	struct ch_error err;
	struct ch_board *b;
	char url[128], buf[2048], target[96];
	int port;

	ch_error_clear(&err);
	b = ch_board_start("0.0.0.0:0", "a-long-enough-token-1234", url, sizeof url, &err);
	ck_assert_msg(b != NULL, "%s", err.text);
	ck_assert_int_eq(sscanf(url, "http://0.0.0.0:%d/", &port), 1);
	snprintf(target, sizeof target, "/?token=a-long-enough-token-1234");
	get(port, target, "", buf, sizeof buf, "\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(buf, "303"));
	ck_assert_ptr_nonnull(strstr(buf, "HttpOnly; SameSite=Strict\r\n"));
	ck_assert_ptr_null(strstr(buf, "Secure"));
	get(port, target, "X-Forwarded-Proto: https\r\n", buf, sizeof buf, "\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(buf, "HttpOnly; SameSite=Strict; Secure"));
	get(port, target, "Forwarded: for=192.0.2.1;proto=https\r\n", buf, sizeof buf,
	    "\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(buf, "; Secure"));
	get(port, "/", "", buf, sizeof buf, "\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(buf, "401"));
	ch_board_stop(b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("board");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, test_loopback);
	tcase_add_test(tc, test_token);
	tcase_add_test(tc, test_serve);
	tcase_add_test(tc, test_cookie_secure_behind_tls);
	tcase_add_test(tc, test_per_address_limit);
	tcase_add_test(tc, test_pending_pool_and_deadline);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
