/* loopsrv.h - a tiny HTTP/1.1 server on 127.0.0.1 in a thread, for the
 * unit tests of http and xapi. One connection at a time, keep-alive, canned
 * responses chosen by path:
 *   /hang   never answers (until the client goes away or the test ends)
 *   /big    announces and streams 8 MiB
 *   /close  answers and closes the connection
 *   /echo   200 with the request body as the response body
 *   other   the canned response (status, extra headers, body) if set,
 *           else 200 {"ok":true}; HEAD gets the headers only.
 * It records the last request (head and body) and counts connections. */
#ifndef CHATHOST_LOOPSRV_H
#define CHATHOST_LOOPSRV_H

#include <netinet/in.h>
#include <sys/select.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

struct loopsrv {
	int lfd;
	int port;
	pthread_t th;
	volatile int stop;
	pthread_mutex_t mu;
	int accepts;              /* connections accepted */
	int requests;             /* requests answered */
	char last_req[65536];     /* head + body of the last request */
	size_t last_len;
	/* canned response for "other" paths; NULL body: {"ok":true} */
	int canned_status;
	const char *canned_headers; /* extra header lines, each "\r\n"-ended */
	const char *canned_body;
};

/* 1 if fd is readable within ms milliseconds. (select, not poll: under
 * -Ibot, <poll.h> is the project's bot/poll.h.) */
static int loopsrv_wait(int fd, int ms)
{
	fd_set rd;
	struct timeval tv = { 0, ms * 1000 };

	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	return select(fd + 1, &rd, NULL, NULL, &tv) > 0;
}

static int loopsrv_send(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The Content-Length value in a request head, 0 if none. */
static size_t loopsrv_content_length(const char *head, const char *eoh)
{
	const char *p;

	for (p = head; p && p < eoh; p = strstr(p, "\r\n")) {
		p += 2;
		if (strncasecmp(p, "content-length:", 15) == 0)
			return (size_t)strtoul(p + 15, NULL, 10);
	}
	return 0;
}

/* Reads one request into buf; returns its length, 0 on EOF/stop. */
static size_t loopsrv_read(struct loopsrv *s, int fd, char *buf, size_t cap)
{
	size_t len = 0, need = 0;
	char *eoh;

	for (;;) {
		ssize_t r;

		if (s->stop)
			return 0;
		if (!loopsrv_wait(fd, 50))
			continue;
		r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r <= 0)
			return 0;
		len += (size_t)r;
		buf[len] = '\0';
		eoh = strstr(buf, "\r\n\r\n");
		if (eoh && !need) {
			need = (size_t)(eoh + 4 - buf) +
			       loopsrv_content_length(buf, eoh);
		}
		if (need && len >= need)
			return len;
		if (len >= cap - 1)
			return len;
	}
}

static void loopsrv_reply(int fd, int status, const char *extra,
			  const char *body, size_t blen, int head, int close_it)
{
	char hdr[2048];
	int n = snprintf(hdr, sizeof hdr,
			 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\n%s%s\r\n", status, blen,
			 extra ? extra : "",
			 close_it ? "Connection: close\r\n" : "");
	loopsrv_send(fd, hdr, (size_t)n);
	if (!head && blen)
		loopsrv_send(fd, body, blen);
}

static void loopsrv_serve(struct loopsrv *s, int fd)
{
	static char buf[1 << 20];

	for (;;) {
		size_t len = loopsrv_read(s, fd, buf, sizeof buf);
		char method[16] = "", path[1024] = "";
		char *eoh;
		int head;

		if (!len)
			return;
		sscanf(buf, "%15s %1023s", method, path);
		head = strcmp(method, "HEAD") == 0;
		pthread_mutex_lock(&s->mu);
		s->last_len = len < sizeof s->last_req - 1 ? len : sizeof s->last_req - 1;
		memcpy(s->last_req, buf, s->last_len);
		s->last_req[s->last_len] = '\0';
		s->requests++;
		pthread_mutex_unlock(&s->mu);
		if (strncmp(path, "/hang", 5) == 0) {
			while (!s->stop) {
				char c;
				if (loopsrv_wait(fd, 50) && recv(fd, &c, 1, 0) <= 0)
					return;
			}
			return;
		} else if (strncmp(path, "/big", 4) == 0) {
			static char chunk[65536];
			size_t total = 8u << 20, sent = 0;
			char hdr[256];
			int n = snprintf(hdr, sizeof hdr,
					 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
					 "Content-Length: %zu\r\n\r\n", total);
			memset(chunk, 'x', sizeof chunk);
			if (loopsrv_send(fd, hdr, (size_t)n) != 0)
				return;
			while (sent < total && !s->stop) {
				if (loopsrv_send(fd, chunk, sizeof chunk) != 0)
					return;
				sent += sizeof chunk;
			}
			return;
		} else if (strncmp(path, "/close", 6) == 0) {
			loopsrv_reply(fd, 200, NULL, "{}", 2, head, 1);
			return;
		} else if (strncmp(path, "/echo", 5) == 0) {
			eoh = strstr(buf, "\r\n\r\n");
			loopsrv_reply(fd, 200, NULL, eoh + 4,
				      len - (size_t)(eoh + 4 - buf), head, 0);
		} else if (s->canned_status && !head) {
			const char *b = s->canned_body ? s->canned_body : "";
			loopsrv_reply(fd, s->canned_status, s->canned_headers,
				      b, strlen(b), head, 0);
		} else {
			loopsrv_reply(fd, 200, NULL, "{\"ok\":true}", 11, head, 0);
		}
	}
}

static void *loopsrv_main(void *arg)
{
	struct loopsrv *s = arg;

	while (!s->stop) {
		int fd;

		if (!loopsrv_wait(s->lfd, 50))
			continue;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&s->mu);
		s->accepts++;
		pthread_mutex_unlock(&s->mu);
		loopsrv_serve(s, fd);
		close(fd);
	}
	return NULL;
}

/* Starts the server on an ephemeral port of 127.0.0.1; 0 or -1. */
static int loopsrv_start(struct loopsrv *s)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int one = 1;

	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (s->lfd < 0)
		return -1;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(s->lfd, 8) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&a, &al) != 0) {
		close(s->lfd);
		return -1;
	}
	s->port = ntohs(a.sin_port);
	if (pthread_create(&s->th, NULL, loopsrv_main, s) != 0) {
		close(s->lfd);
		return -1;
	}
	return 0;
}

static void loopsrv_stop(struct loopsrv *s)
{
	s->stop = 1;
	pthread_join(s->th, NULL);
	close(s->lfd);
	pthread_mutex_destroy(&s->mu);
}

/* A port on 127.0.0.1 with nothing listening (bound, then closed). */
static int loopsrv_dead_port(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 1;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

#endif
