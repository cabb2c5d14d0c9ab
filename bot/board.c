/* board.c - the live board (board.h). */
#define _GNU_SOURCE /* getaddrinfo's flags, IN6_IS_ADDR_LOOPBACK, gettid */
#include "board.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define MAX_EVENTS 50000
#define MAX_TAILS 8
#define TAIL_EVERY_MS 200
#define KEEPALIVE_S 15
#define MAX_LINE (1024 * 1024)
#define COOKIE "chathost_board"

extern const char ch_board_page[]; /* board_page.c, from board.html */

struct tail {
	char *path;      /* owned: the file, or the folder (dir) */
	char *file;      /* owned: the file read now (dir: its newest) */
	const char *kind;
	bool dir;
	off_t off;
};

/* A connection, from its accept: until its request's headers are in it
 * is "pending" (no token read yet). Pending connections are few (a pool
 * of PENDING_MAX, the rest refused at accept) and short-lived (cut at
 * HEADER_DEADLINE_S): slow ones cannot lock out everyone else. */
#define PENDING_MAX 64
#define HEADER_DEADLINE_S 10.0
#define MAX_CONNS 512
struct conn {
	int fd;
	double since;     /* accepted at (real instant) */
	bool used, headers, cut;
};

struct ch_board {
	struct MHD_Daemon *d;
	struct conn conns[MAX_CONNS]; /* under mu */
	int pending;                  /* under mu: used, no headers yet */
	char *token;             /* owned or NULL */
	char host[INET6_ADDRSTRLEN + 2]; /* the bound address as a Host names
					    it ("127.0.0.1", "[::1]") */
	bool any_host;           /* bound to every address, with a token:
				    any Host (the token guards it) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char **frames;           /* owned: SSE frames, ids first_id.. */
	size_t n, cap;
	long first_id;
	bool stopping;
	bool draining;           /* the feeder's last pass, then it ends */
	int streams;             /* clients connected to /events */
	struct tail tails[MAX_TAILS];
	size_t n_tails;
	pthread_t feeder;
	bool feeder_on;
};

/* ---- the events ---------------------------------------------------------- */

/* The clients' threads yield the CPU to the posting and the capture: on
 * Linux each runs at nice 10, elsewhere at the process's own priority.
 * (The one thread that reads the files keeps its priority: it is cheap,
 * and the pages' freshness depends on it.) A post never waits for a page. */
static void background(void)
{
#ifdef __linux__
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
#endif
}

/* Appends an event (data: one line of JSON). Locked by the caller, who
 * wakes the streams once its events are in. */
static void push_locked(struct ch_board *b, const char *type, const char *data)
{
	long id = b->first_id + (long)b->n;

	if (b->n == MAX_EVENTS) {
		size_t half = MAX_EVENTS / 2, i;

		for (i = 0; i < half; i++)
			free(b->frames[i]);
		memmove(b->frames, b->frames + half,
			(b->n - half) * sizeof *b->frames);
		b->n -= half;
		b->first_id += (long)half;
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->frames = ch_xrealloc(b->frames, b->cap * sizeof *b->frames);
	}
	b->frames[b->n++] = ch_xasprintf("id: %ld\nevent: %s\ndata: %s\n\n", id,
					 type, data);
}

void ch_board_chat(struct ch_board *b, json_t *chat)
{
	char *data;

	if (!b || !chat)
		return;
	data = json_dumps(chat, JSON_COMPACT);
	if (!data)
		return;
	pthread_mutex_lock(&b->mu);
	push_locked(b, "chat", data);
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	free(data);
}

/* ---- tailing the files --------------------------------------------------- */

/* The newest YYYY-MM-DD.jsonl in dir, or NULL. Caller frees. */
static char *newest_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char best[32] = "";

	while (d && (e = readdir(d)) != NULL)
		if (strlen(e->d_name) == 16 && strcmp(e->d_name + 10, ".jsonl") == 0 &&
		    e->d_name[4] == '-' && strcmp(e->d_name, best) > 0)
			snprintf(best, sizeof best, "%s", e->d_name);
	if (d)
		closedir(d);
	return best[0] ? ch_xasprintf("%s/%s", dir, best) : NULL;
}

/* Each whole JSON object line of buf[0..len) becomes an event of t's
 * kind. Returns how many bytes it used (up to the last newline). */
static size_t lines_to_events(struct ch_board *b, const struct tail *t,
			      char *buf, size_t len)
{
	size_t used = 0;

	while (used < len) {
		char *nl = memchr(buf + used, '\n', len - used);
		json_t *o;

		if (!nl)
			break;
		*nl = '\0';
		o = json_loads(buf + used, 0, NULL);
		if (json_is_object(o)) {
			char *data = json_dumps(o, JSON_COMPACT);

			if (data) {
				pthread_mutex_lock(&b->mu);
				push_locked(b, t->kind, data);
				pthread_mutex_unlock(&b->mu);
				free(data);
			}
		}
		json_decref(o);
		used = (size_t)(nl - buf) + 1;
	}
	return used;
}

/* Reads what was appended to t's file since the last time. */
static void tail_once(struct ch_board *b, struct tail *t)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	if (t->dir) {
		char *f = newest_in(t->path);

		if (f && (!t->file || strcmp(f, t->file) != 0)) {
			free(t->file);
			t->file = f;
			t->off = 0;
		} else {
			free(f);
		}
	}
	if (!t->file || (fd = open(t->file, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (fstat(fd, &st) == 0 && st.st_size < t->off)
		t->off = 0; /* replaced (a rehearsal archived): from its start */
	if (fstat(fd, &st) == 0 && st.st_size > t->off) {
		size_t want = (size_t)(st.st_size - t->off);

		if (want > MAX_LINE)
			want = MAX_LINE;
		buf = ch_xmalloc(want + 1);
		n = pread(fd, buf, want, t->off);
		if (n > 0) {
			size_t used = lines_to_events(b, t, buf, (size_t)n);

			/* a line longer than the cap is skipped whole */
			if (used == 0 && (size_t)n == MAX_LINE)
				used = (size_t)n;
			t->off += (off_t)used;
		}
		free(buf);
	}
	close(fd);
}

/* Cuts the connections whose request's headers are not in by the
 * deadline (shutdown: their thread sees the end and closes them). */
static void cut_slow_locked(struct ch_board *b, double now)
{
	size_t i;

	for (i = 0; i < MAX_CONNS; i++) {
		struct conn *k = &b->conns[i];

		if (k->used && !k->headers && !k->cut &&
		    now - k->since > HEADER_DEADLINE_S) {
			shutdown(k->fd, SHUT_RDWR);
			k->cut = true;
		}
	}
}

static void *feeder_main(void *arg)
{
	struct ch_board *b = arg;

	for (;;) {
		struct timespec ts;
		size_t i, n;
		bool last;

		pthread_mutex_lock(&b->mu);
		n = b->n_tails;
		last = b->draining;
		pthread_mutex_unlock(&b->mu);
		/* tails are only added (a fixed array; an entry is set before
		 * n_tails counts it); their file and offset are this thread's */
		for (i = 0; i < n; i++)
			tail_once(b, &b->tails[i]);
		pthread_mutex_lock(&b->mu);
		pthread_cond_broadcast(&b->cv); /* the streams: once a pass */
		cut_slow_locked(b, ch_clock_now());
		pthread_mutex_unlock(&b->mu);
		if (last)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TAIL_EVERY_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&b->mu);
		if (!b->draining)
			pthread_cond_timedwait(&b->cv, &b->mu, &ts);
		pthread_mutex_unlock(&b->mu);
	}
	return NULL;
}

void ch_board_tail(struct ch_board *b, const char *path, const char *kind,
		   bool dir_kind)
{
	size_t i;

	if (!b || !path)
		return;
	pthread_mutex_lock(&b->mu);
	for (i = 0; i < b->n_tails; i++)
		if (strcmp(b->tails[i].path, path) == 0)
			break;
	if (i == b->n_tails && b->n_tails < MAX_TAILS) {
		struct tail *t = &b->tails[b->n_tails++];

		memset(t, 0, sizeof *t);
		t->path = ch_xstrdup(path);
		t->kind = strcmp(kind, "care") == 0 ? "care" : "line";
		t->dir = dir_kind;
		if (!dir_kind)
			t->file = ch_xstrdup(path);
	}
	pthread_mutex_unlock(&b->mu);
}

/* ---- the stream of one client -------------------------------------------- */

struct sse {
	struct ch_board *b;
	long next;        /* the next event id to send */
	char *frame;      /* owned: what is being sent */
	size_t len, off;
};

/* libmicrohttpd's reader (a thread per connection: it may wait). */
static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse *s = cls;
	struct ch_board *b = s->b;
	size_t n;

	if (pos == 0)
		background(); /* this connection's thread */
	if (s->off == s->len) {
		struct timespec ts;
		int r = 0;

		free(s->frame);
		s->frame = NULL;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += KEEPALIVE_S;
		pthread_mutex_lock(&b->mu);
		if (s->next < b->first_id)
			s->next = b->first_id; /* it fell behind the oldest kept */
		while (!b->stopping && s->next >= b->first_id + (long)b->n &&
		       r == 0)
			r = pthread_cond_timedwait(&b->cv, &b->mu, &ts);
		if (b->stopping) {
			pthread_mutex_unlock(&b->mu);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		if (s->next < b->first_id + (long)b->n)
			s->frame = ch_xstrdup(b->frames[s->next++ - b->first_id]);
		pthread_mutex_unlock(&b->mu);
		if (!s->frame)
			s->frame = ch_xstrdup(": keepalive\n\n");
		s->len = strlen(s->frame);
		s->off = 0;
	}
	n = s->len - s->off < max ? s->len - s->off : max;
	memcpy(buf, s->frame + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static void sse_free(void *cls)
{
	struct sse *s = cls;

	pthread_mutex_lock(&s->b->mu);
	s->b->streams--;
	pthread_mutex_unlock(&s->b->mu);
	free(s->frame);
	free(s);
}

/* ---- requests -------------------------------------------------------------- */

/* Constant-time comparison of a given secret with the token. */
static bool same_secret(const char *given, const char *token)
{
	size_t a = given ? strlen(given) : 0, b = strlen(token), i;
	unsigned char diff = (unsigned char)(a != b);

	for (i = 0; i < b; i++)
		diff |= (unsigned char)((i < a ? given[i] : 0) ^ token[i]);
	return given && diff == 0;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status,
				 const char *text, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Whether a proxy in front says the visitor came over TLS
 * (X-Forwarded-Proto: https, or Forwarded: ...proto=https). */
static bool behind_tls(struct MHD_Connection *c)
{
	const char *xf = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     "X-Forwarded-Proto");
	const char *fw = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Forwarded");

	return (xf && strncasecmp(xf, "https", 5) == 0) ||
	       (fw && (strstr(fw, "proto=https") || strstr(fw, "proto=\"https\"")));
}

/* Whether the request may see the board; may answer it itself (the
 * token's link: the cookie and a redirect). Returns 1 allowed, 0
 * answered or refused (*ret set). */
static int allowed(struct ch_board *b, struct MHD_Connection *c,
		   const char *url, enum MHD_Result *ret)
{
	const char *auth, *q;
	struct MHD_Response *r;
	char *cookie;

	if (!b->token)
		return 1;
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (auth && strncmp(auth, "Bearer ", 7) == 0 && same_secret(auth + 7, b->token))
		return 1;
	if (same_secret(MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE),
			b->token))
		return 1;
	q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	if (q && strcmp(url, "/") == 0 && same_secret(q, b->token)) {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		/* behind a proxy that ends TLS, the cookie goes over TLS only */
		cookie = ch_xasprintf("%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
				      COOKIE, b->token, behind_tls(c) ? "; Secure" : "");
		MHD_add_response_header(r, "Set-Cookie", cookie);
		MHD_add_response_header(r, "Location", "/");
		MHD_add_response_header(r, "Cache-Control", "no-store");
		MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
		*ret = MHD_queue_response(c, 303, r);
		MHD_destroy_response(r);
		free(cookie);
		return 0;
	}
	*ret = send_text(c, 401, "chathost board: a token is needed (Authorization: Bearer, or the board's link with ?token=)\n",
			 "text/plain; charset=utf-8");
	return 0;
}

/* The page, its nonce in the policy and in its style and script tags. */
static enum MHD_Result send_page(struct MHD_Connection *c)
{
	unsigned char raw[16];
	char nonce[40], *page, *csp;
	struct MHD_Response *r;
	struct ch_buf out = {0};
	const char *p = ch_board_page, *q;
	enum MHD_Result ret;
	size_t i;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, raw, sizeof raw) != (ssize_t)sizeof raw) {
		for (i = 0; i < sizeof raw; i++)
			raw[i] = (unsigned char)rand();
	}
	if (fd >= 0)
		close(fd);
	for (i = 0; i < sizeof raw; i++)
		snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
	while ((q = strstr(p, "{{NONCE}}")) != NULL) {
		ch_buf_printf(&out, "%.*s%s", (int)(q - p), p, nonce);
		p = q + 9;
	}
	ch_buf_puts(&out, p);
	page = ch_buf_steal(&out);
	ch_buf_free(&out);
	r = MHD_create_response_from_buffer(strlen(page), page, MHD_RESPMEM_MUST_FREE);
	csp = ch_xasprintf("default-src 'none'; script-src 'nonce-%s'; style-src 'nonce-%s'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
			   nonce, nonce);
	MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	free(csp);
	return ret;
}

static enum MHD_Result send_events(struct ch_board *b, struct MHD_Connection *c)
{
	const char *last = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							"Last-Event-ID");
	struct sse *s = ch_xcalloc(1, sizeof *s);
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *end;
	long v;

	s->b = b;
	s->next = 1;
	if (last) {
		errno = 0;
		v = strtol(last, &end, 10);
		/* the last id seen; LONG_MAX would overflow the next one */
		if (!errno && end != last && !*end && v >= 0 && v < LONG_MAX)
			s->next = v + 1;
	}
	pthread_mutex_lock(&b->mu);
	b->streams++;
	pthread_mutex_unlock(&b->mu);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, s,
					      sse_free);
	MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* Whether the request's Host names this board: its bound address,
 * localhost, 127.0.0.1 or [::1], any port. A web page whose name was
 * rebound to 127.0.0.1 sends its own name, and gets 421: it cannot read
 * the board through the visitor's browser (DNS rebinding). */
static bool host_ok(const struct ch_board *b, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	static const char *const names[] = {"localhost", "127.0.0.1", "[::1]", NULL};
	size_t n, i;

	if (b->any_host)
		return true;
	if (!h || !*h)
		return false;
	if (h[0] == '[')
		n = strcspn(h, "]") + (strchr(h, ']') ? 1 : 0);
	else
		n = strcspn(h, ":");
	if (h[n] && (h[n] != ':' || strspn(h + n + 1, "0123456789") != strlen(h + n + 1)))
		return false;
	if (strlen(b->host) == n && strncasecmp(h, b->host, n) == 0)
		return true;
	for (i = 0; names[i]; i++)
		if (strlen(names[i]) == n && strncasecmp(h, names[i], n) == 0)
			return true;
	return false;
}

/* MHD_OPTION_NOTIFY_CONNECTION: a connection accepted, or closed. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct ch_board *b = cls;
	struct conn *k = *socket_ctx;
	const union MHD_ConnectionInfo *ci;
	size_t i;

	pthread_mutex_lock(&b->mu);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		for (i = 0; ci && i < MAX_CONNS && !*socket_ctx; i++)
			if (!b->conns[i].used) {
				b->conns[i] = (struct conn){ci->connect_fd, ch_clock_now(),
							   true, false, false};
				b->pending++;
				*socket_ctx = &b->conns[i];
			}
	} else if (k) {
		if (!k->headers)
			b->pending--;
		k->used = false;
		*socket_ctx = NULL;
	}
	pthread_mutex_unlock(&b->mu);
}

/* MHD's accept policy: none while the pool of pending ones is full. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr,
				 socklen_t len)
{
	struct ch_board *b = cls;
	bool ok;

	(void)addr;
	(void)len;
	pthread_mutex_lock(&b->mu);
	ok = b->pending < PENDING_MAX;
	pthread_mutex_unlock(&b->mu);
	return ok ? MHD_YES : MHD_NO;
}

/* The request's headers are in: the connection leaves the pending pool. */
static void headers_in(struct ch_board *b, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = ci ? ci->socket_context : NULL;

	if (!k)
		return;
	pthread_mutex_lock(&b->mu);
	if (k->used && !k->headers) {
		k->headers = true;
		b->pending--;
	}
	pthread_mutex_unlock(&b->mu);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct ch_board *b = cls;
	enum MHD_Result ret = MHD_NO;

	headers_in(b, c);
	(void)version;
	(void)upload;
	(void)con_cls;
	if (*upload_size)
		return MHD_NO;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_text(c, 405, "chathost board: read-only (GET)\n",
				 "text/plain; charset=utf-8");
	if (!host_ok(b, c))
		return send_text(c, 421, "chathost board: this board is not served under that name\n",
				 "text/plain; charset=utf-8");
	if (!allowed(b, c, url, &ret))
		return ret;
	if (strcmp(url, "/") == 0)
		return send_page(c);
	if (strcmp(url, "/events") == 0)
		return send_events(b, c);
	return send_text(c, 404, "chathost board: no such page\n",
			 "text/plain; charset=utf-8");
}

/* ---- start and stop ------------------------------------------------------ */

/* addr as a socket address. Returns 0 or -1 (err). */
static int parse_addr(const char *addr, struct sockaddr_storage *ss,
		      socklen_t *len, struct ch_error *err)
{
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints, *res = NULL;
	char host[256];
	size_t hl;
	int r;

	if (!colon || colon == addr || !colon[1]) {
		ch_error_set(err, "--board", 0,
			     "%s: give ADDRESS:PORT (e.g. 127.0.0.1:8080, [::1]:8080)",
			     addr);
		return -1;
	}
	hl = (size_t)(colon - addr);
	if (addr[0] == '[' && hl >= 2 && addr[hl - 1] == ']') {
		addr++;
		hl -= 2;
	}
	if (hl >= sizeof host) {
		ch_error_set(err, "--board", 0, "%s: address too long", addr);
		return -1;
	}
	memcpy(host, addr, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	r = getaddrinfo(host, colon + 1, &hints, &res);
	if (r != 0 || !res) {
		ch_error_set(err, "--board", 0, "%s: %s", addr,
			     r ? gai_strerror(r) : "no address");
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		static const unsigned char v4[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
						     0xff, 0xff};

		if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
			return true;
		return memcmp(a->sin6_addr.s6_addr, v4, 12) == 0 &&
		       a->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

int ch_board_loopback(const char *addr, struct ch_error *err)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (parse_addr(addr, &ss, &len, err) < 0)
		return -1;
	return is_loopback(&ss) ? 1 : 0;
}

char *ch_board_token(const char *file, struct ch_error *err)
{
	char *tok = NULL;
	struct stat st;

	if (file) {
		if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
			ch_error_set(err, file, 0, "the board's token file: %s",
				     errno ? strerror(errno) : "not a regular file");
			return NULL;
		}
		if (st.st_mode & 077) {
			ch_error_set(err, file, 0,
				     "the board's token file can be read by others (mode %03o): chmod 600 %s",
				     (unsigned)(st.st_mode & 0777), file);
			return NULL;
		}
		tok = ch_read_file(file, 4096, NULL, err);
		if (!tok)
			return NULL;
		tok[strcspn(tok, "\r\n")] = '\0';
	} else if (getenv("CHATHOST_BOARD_TOKEN")) {
		tok = ch_xstrdup(getenv("CHATHOST_BOARD_TOKEN"));
	} else {
		ch_error_set(err, "--board", 0,
			     "a board on an address other than loopback needs a token: --board-token FILE (mode 0600) or CHATHOST_BOARD_TOKEN");
		return NULL;
	}
	if (strlen(tok) < 16 || strcspn(tok, " \t;,\"") != strlen(tok)) {
		ch_error_set(err, file ? file : "CHATHOST_BOARD_TOKEN", 0,
			     "the board's token must be 16 characters or more, without spaces, quotes, commas or semicolons");
		free(tok);
		return NULL;
	}
	return tok;
}

/* "http://H:P/" of the listening socket. */
static void board_url(struct ch_board *b, const struct sockaddr_storage *ss,
		      char *url, size_t size)
{
	const union MHD_DaemonInfo *di =
		MHD_get_daemon_info(b->d, MHD_DAEMON_INFO_BIND_PORT);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = di ? di->port : 0;

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, host,
			  sizeof host);
	else
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr,
			  host, sizeof host);
	snprintf(url, size, ss->ss_family == AF_INET6 ? "http://[%s]:%u/"
						      : "http://%s:%u/",
		 host, port);
	snprintf(b->host, sizeof b->host, ss->ss_family == AF_INET6 ? "[%s]" : "%s",
		 host);
	b->any_host = b->token && ((ss->ss_family == AF_INET &&
				    strcmp(host, "0.0.0.0") == 0) ||
				   (ss->ss_family == AF_INET6 && strcmp(host, "::") == 0));
}

struct ch_board *ch_board_start(const char *addr, const char *token,
				char *url, size_t url_size,
				struct ch_error *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct ch_board *b;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_INTERNAL_POLLING_THREAD;

	if (parse_addr(addr, &ss, &len, err) < 0)
		return NULL;
	if (!is_loopback(&ss) && !token) {
		ch_error_set(err, "--board", 0,
			     "%s is not a loopback address: the board needs a token (--board-token FILE or CHATHOST_BOARD_TOKEN)",
			     addr);
		return NULL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	b = ch_xcalloc(1, sizeof *b);
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	b->first_id = 1;
	b->token = !is_loopback(&ss) ? ch_xstrdup(token) : NULL;
	b->d = MHD_start_daemon(flags, 0, on_accept, b, on_request, b,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, b,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)512,
				/* one address cannot hold every connection
				 * (slow ones, before any token is read) */
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				(unsigned)CH_BOARD_PER_ADDRESS,
				MHD_OPTION_THREAD_STACK_SIZE, (size_t)256 * 1024,
				MHD_OPTION_END);
	if (!b->d) {
		ch_error_set(err, "--board", 0, "%s: cannot listen there (in use, or not this machine's)",
			     addr);
		ch_board_stop(b);
		return NULL;
	}
	board_url(b, &ss, url, url_size);
	if (pthread_create(&b->feeder, NULL, feeder_main, b) == 0)
		b->feeder_on = true;
	return b;
}

struct ch_board *ch_board_open(const char *addr, const char *token_file,
			       struct ch_error *err)
{
	struct ch_board *b;
	char url[128], *token = NULL;
	int lb = ch_board_loopback(addr, err);

	if (lb < 0)
		return NULL;
	if (lb == 0 && !(token = ch_board_token(token_file, err)))
		return NULL;
	b = ch_board_start(addr, token, url, sizeof url, err);
	free(token);
	if (b)
		ch_log(CH_LOG_INFO, "board: %s%s", url,
		       lb ? "" : " (a token is needed: open it once as ...?token=TOKEN)");
	return b;
}

void ch_board_stop(struct ch_board *b)
{
	size_t i;

	if (!b)
		return;
	/* what the files hold by now still reaches the open pages: the
	 * feeder's last pass, and half a second for the streams to send it */
	pthread_mutex_lock(&b->mu);
	b->draining = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	if (b->feeder_on)
		pthread_join(b->feeder, NULL);
	pthread_mutex_lock(&b->mu);
	i = (size_t)b->streams;
	pthread_mutex_unlock(&b->mu);
	if (i > 0)
		ch_clock_sleep_until(ch_clock_now() + 0.5, 0.5, NULL);
	pthread_mutex_lock(&b->mu);
	b->stopping = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	if (b->d)
		MHD_stop_daemon(b->d);
	for (i = 0; i < b->n; i++)
		free(b->frames[i]);
	free(b->frames);
	for (i = 0; i < b->n_tails; i++) {
		free(b->tails[i].path);
		free(b->tails[i].file);
	}
	free(b->token);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	free(b);
}
