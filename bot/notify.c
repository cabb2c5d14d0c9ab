/* notify.c - early warnings: the log line, the webhook, the command; and
 * the check of the next chat's topic file at the warn_before offsets. */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "chtime.h"
#include "http.h"
#include "log.h"
#include "plan.h"
#include "topic.h"

/* ---- small helpers ------------------------------------------------------ */

/* Milliseconds on the monotonic clock. */
static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* ---- the webhook ---------------------------------------------------------- */

int ch_notify_webhook(const char *url, const char *message, long timeout_ms,
		      struct ch_error *err)
{
	struct ch_http *h = NULL;
	struct ch_http_response resp;
	struct ch_http_request req;
	struct ch_error herr;
	json_t *obj = NULL;
	char *body = NULL;
	char *origin = ch_url_origin(url);
	int rc = -1;

	memset(&resp, 0, sizeof resp);
	ch_error_clear(&herr);
	if (ch_http_check_url(url, &herr) != 0) {
		/* herr quotes the whole URL: keep only the origin */
		ch_error_set(err, "notify.webhook", 0,
			     "webhook %s refused: notify.webhook must be an "
			     "https:// URL (plain http:// only to a loopback "
			     "host)", origin);
		goto cleanup;
	}
	obj = json_pack("{s:s}", "text", message);
	if (!obj) {
		ch_error_set(err, "notify.webhook", 0,
			     "the warning is not valid UTF-8; not sent");
		goto cleanup;
	}
	body = json_dumps(obj, JSON_COMPACT);
	if (!body) {
		ch_error_set(err, "notify.webhook", 0, "out of memory");
		goto cleanup;
	}
	h = ch_http_new(&herr);
	if (!h) {
		ch_error_set(err, "notify.webhook", 0, "%s", herr.text);
		goto cleanup;
	}
	ch_http_set_stoppable(h, 0); /* delivered on the way out too */
	ch_http_set_timeouts(h, timeout_ms < 5000 ? timeout_ms : 5000,
			     timeout_ms);
	ch_http_set_max_response(h, 64 * 1024);
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = url;
	req.content_type = "application/json";
	req.body = body;
	req.body_len = strlen(body);
	if (ch_http_request(h, &req, &resp, &herr) != 0) {
		/* herr may quote the URL: keep only the origin */
		ch_error_set(err, "notify.webhook", 0,
			     "webhook %s not reached (%s)", origin,
			     resp.fail == CH_HTTP_FAIL_NETWORK
				     ? "network error or timeout"
				     : resp.fail == CH_HTTP_FAIL_TOO_LARGE
					       ? "response too large"
					       : "URL refused");
		goto cleanup;
	}
	if (resp.status < 200 || resp.status > 299) {
		ch_error_set(err, "notify.webhook", 0,
			     "webhook %s answered HTTP %ld; check notify.webhook",
			     origin, resp.status);
		goto cleanup;
	}
	rc = 0;
cleanup:
	ch_http_response_free(&resp);
	ch_http_free(h);
	free(body);
	json_decref(obj);
	free(origin);
	return rc;
}

/* ---- the command ---------------------------------------------------------- */

/* The variables a command gets (chathost.conf(5), notify.command): the
 * ones a shell needs, from chathost's own environment where set. The
 * rest (the X keys, the Bluesky app password, a token) never reach it. */
static const char *const kept_env[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE",
	"LC_MESSAGES", "TZ", "TMPDIR", NULL};

/* The command's environment, built before fork (caller frees each and
 * the array). */
static char **child_env(void)
{
	char **env = ch_xcalloc(sizeof kept_env / sizeof kept_env[0] + 1, sizeof *env);
	size_t i, n = 0;

	for (i = 0; kept_env[i]; i++) {
		const char *v = getenv(kept_env[i]);

		if (v)
			env[n++] = ch_xasprintf("%s=%s", kept_env[i], v);
		else if (strcmp(kept_env[i], "PATH") == 0)
			env[n++] = ch_xstrdup("PATH=/usr/local/bin:/usr/bin:/bin");
	}
	return env;
}

static void free_env(char **env)
{
	size_t i;

	for (i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* Closes every descriptor from 3 up in the child: no socket, pipe or log
 * of chathost's is inherited, whatever was opened without close-on-exec. */
static void close_inherited(void)
{
	struct rlimit rl;
	long max = 1024, fd;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = (long)rl.rlim_cur;
	if (max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		close((int)fd);
}

/* In the child: stdin from the pipe, stdout to stderr, default signals,
 * its own process group, nothing else inherited; then the shell with
 * env. Only async-signal-safe calls. */
static void exec_child(int rfd, int wfd, const char *command, char **env)
{
	static const int sigs[] = {SIGPIPE, SIGTERM, SIGINT, SIGHUP,
				   SIGCHLD, SIGQUIT, SIGALRM};
	struct sigaction sa;
	sigset_t none;
	size_t i;

	setpgid(0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close(wfd);
	if (rfd != STDIN_FILENO) {
		if (dup2(rfd, STDIN_FILENO) < 0)
			_exit(127);
		close(rfd);
	}
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(127);
	close_inherited();
	execle("/bin/sh", "sh", "-c", command, (char *)NULL, env);
	_exit(127);
}

/* Writes all of buf to the non-blocking fd before deadline (monotonic ms).
 * SIGPIPE is blocked meanwhile and a SIGPIPE raised by this write is
 * consumed. Returns 0, or -1 with errno (EPIPE: the command did not read
 * its input, which is not an error of ours; ETIMEDOUT). */
static int write_all(int fd, const char *buf, size_t len, long long deadline)
{
	sigset_t pipe_set, old, pending;
	int was_pending, rc = 0, saved = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};
			long long left = deadline - mono_ms();

			if (left <= 0) {
				rc = -1;
				saved = ETIMEDOUT;
				break;
			}
			poll(&pfd, 1, (int)left);
			continue;
		}
		rc = -1;
		saved = errno;
		break;
	}
	if (rc != 0 && saved == EPIPE && !was_pending) {
		struct timespec zero = {0, 0};

		sigtimedwait(&pipe_set, NULL, &zero);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return rc;
}

/* Waits for pid until deadline; 1 if it ended (*status set), 0 if not. */
static int wait_until(pid_t pid, int *status, long long deadline)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		struct timespec ts = {0, 5 * 1000 * 1000};

		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR)
			return 1; /* not ours to wait for any more */
		if (mono_ms() >= deadline)
			return 0;
		nanosleep(&ts, NULL);
	}
}

int ch_notify_command(const char *command, const char *message,
		      int timeout_ms, struct ch_error *err)
{
	int fds[2] = {-1, -1};
	pid_t pid = -1;
	int status = 0, rc = -1, timed_out = 0;
	long long deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	char *input = ch_xasprintf("%s\n", message);
	char **env = child_env();

	if (pipe(fds) != 0) {
		ch_error_set(err, "notify.command", 0, "pipe: %s",
			     strerror(errno));
		goto cleanup;
	}
	/* not into a command another thread starts meanwhile */
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	pid = fork();
	if (pid < 0) {
		ch_error_set(err, "notify.command", 0, "fork: %s",
			     strerror(errno));
		goto cleanup;
	}
	if (pid == 0)
		exec_child(fds[0], fds[1], command, env);
	setpgid(pid, pid); /* also in the parent: no race with kill() */
	close(fds[0]);
	fds[0] = -1;
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
	if (write_all(fds[1], input, strlen(input), deadline) != 0 &&
	    errno == ETIMEDOUT)
		timed_out = 1;
	close(fds[1]);
	fds[1] = -1;
	if (timed_out || !wait_until(pid, &status, deadline)) {
		timed_out = 1;
		kill(-pid, SIGTERM);
		if (!wait_until(pid, &status, mono_ms() + 500)) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
		}
		kill(-pid, SIGKILL); /* anything the shell left behind */
	}
	pid = -1;
	if (timed_out) {
		ch_error_set(err, "notify.command", 0,
			     "notify.command did not finish within %d s and "
			     "was killed", (timeout_ms + 999) / 1000);
		goto cleanup;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = 0;
	} else if (WIFEXITED(status)) {
		ch_error_set(err, "notify.command", 0,
			     "notify.command exited with status %d%s",
			     WEXITSTATUS(status),
			     WEXITSTATUS(status) == 127
				     ? " (command not found?)" : "");
	} else if (WIFSIGNALED(status)) {
		ch_error_set(err, "notify.command", 0,
			     "notify.command was killed by signal %d",
			     WTERMSIG(status));
	} else {
		ch_error_set(err, "notify.command", 0,
			     "notify.command ended abnormally");
	}
cleanup:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(input);
	free_env(env);
	return rc;
}

/* ---- sending -------------------------------------------------------------- */

int ch_notify_send(const struct ch_schedule *s, const char *message,
		   struct ch_error *err)
{
	struct ch_error e1, e2;
	int rc = 0;

	ch_log(CH_LOG_WARN, "%s", message);
	ch_error_clear(&e1);
	ch_error_clear(&e2);
	if (s->notify_webhook && s->notify_webhook[0] &&
	    ch_notify_webhook(s->notify_webhook, message,
			      CH_NOTIFY_TIMEOUT_MS, &e1) != 0) {
		ch_log(CH_LOG_ERROR, "warning not delivered: %s", e1.text);
		ch_error_set(err, e1.source, 0, "%s", e1.text);
		rc = -1;
	}
	if (s->notify_command && s->notify_command[0] &&
	    ch_notify_command(s->notify_command, message,
			      CH_NOTIFY_TIMEOUT_MS, &e2) != 0) {
		ch_log(CH_LOG_ERROR, "warning not delivered: %s", e2.text);
		ch_error_set(err, e2.source, 0, "%s", e2.text);
		rc = -1;
	}
	return rc;
}

/* ---- the queue: alerts sent by a worker --------------------------------------- */

struct queued {
	char *message; /* owned */
	char *webhook; /* owned or NULL */
	char *command; /* owned or NULL */
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* a message queued, or one sent */
	struct queued v[CH_NOTIFY_QUEUE];
	size_t head, n;
	bool busy;              /* the worker is sending one */
	bool started;
} q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {{0}}, 0, 0, false, false};

static void queued_free(struct queued *m)
{
	free(m->message);
	free(m->webhook);
	free(m->command);
	memset(m, 0, sizeof *m);
}

static void send_one(const struct queued *m)
{
	struct ch_error e;

	ch_error_clear(&e);
	if (m->webhook && ch_notify_webhook(m->webhook, m->message,
					    CH_NOTIFY_TIMEOUT_MS, &e) != 0)
		ch_log(CH_LOG_ERROR, "warning not delivered: %s", e.text);
	ch_error_clear(&e);
	if (m->command && ch_notify_command(m->command, m->message,
					    CH_NOTIFY_TIMEOUT_MS, &e) != 0)
		ch_log(CH_LOG_ERROR, "warning not delivered: %s", e.text);
}

static void *worker_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&q.mu);
	for (;;) {
		struct queued m;

		while (q.n == 0)
			pthread_cond_wait(&q.cv, &q.mu);
		m = q.v[q.head];
		memset(&q.v[q.head], 0, sizeof q.v[q.head]);
		q.head = (q.head + 1) % CH_NOTIFY_QUEUE;
		q.n--;
		q.busy = true;
		pthread_mutex_unlock(&q.mu);
		send_one(&m);
		queued_free(&m);
		pthread_mutex_lock(&q.mu);
		q.busy = false;
		pthread_cond_broadcast(&q.cv);
	}
	return NULL;
}

/* Starts the worker, every signal blocked in it (they are the main
 * thread's). Called locked. */
static bool start_worker(void)
{
	pthread_t t;
	sigset_t all, old;
	int r;

	/* a command that does not read its input: EPIPE, never a signal
	 * (valgrind delivered the worker's blocked SIGPIPE to another thread) */
	signal(SIGPIPE, SIG_IGN);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&t, NULL, worker_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return false;
	pthread_detach(t);
	q.started = true;
	return true;
}

void ch_notify_async(const struct ch_schedule *s, const char *message)
{
	ch_notify_async_to(s->notify_webhook, s->notify_command, message);
}

void ch_notify_async_to(const char *webhook, const char *command,
			const char *message)
{
	bool hook = webhook && webhook[0];
	bool cmd = command && command[0];
	struct queued *m;

	ch_log(CH_LOG_WARN, "%s", message);
	if (!hook && !cmd)
		return;
	pthread_mutex_lock(&q.mu);
	if (!q.started && !start_worker()) {
		pthread_mutex_unlock(&q.mu);
		ch_log(CH_LOG_ERROR, "warning not delivered: no thread for the notifiers");
		return;
	}
	if (q.n == CH_NOTIFY_QUEUE) {
		ch_log(CH_LOG_ERROR, "warning not delivered: %d waiting already; dropped: %s",
		       CH_NOTIFY_QUEUE, q.v[q.head].message);
		queued_free(&q.v[q.head]);
		q.head = (q.head + 1) % CH_NOTIFY_QUEUE;
		q.n--;
	}
	m = &q.v[(q.head + q.n) % CH_NOTIFY_QUEUE];
	m->message = ch_xstrdup(message);
	m->webhook = hook ? ch_xstrdup(webhook) : NULL;
	m->command = cmd ? ch_xstrdup(command) : NULL;
	q.n++;
	pthread_cond_broadcast(&q.cv);
	pthread_mutex_unlock(&q.mu);
}

size_t ch_notify_drain(double seconds)
{
	struct timespec until;
	size_t left, i;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)seconds;
	until.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q.mu);
	while ((q.n || q.busy) &&
	       pthread_cond_timedwait(&q.cv, &q.mu, &until) == 0)
		;
	left = q.n + (q.busy ? 1 : 0);
	for (i = 0; i < q.n; i++)
		ch_log(CH_LOG_ERROR, "warning not delivered (chathost is ending): %s",
		       q.v[(q.head + i) % CH_NOTIFY_QUEUE].message);
	pthread_mutex_unlock(&q.mu);
	return left;
}

/* ---- when ------------------------------------------------------------------ */

unsigned ch_notify_due(const struct ch_schedule *s, time_t start, time_t now,
		       unsigned done)
{
	unsigned due = 0;
	int i;

	if (now >= start)
		return 0;
	for (i = 0; i < s->n_warn_before && i < CH_MAX_WARN_BEFORE; i++) {
		if (s->warn_before[i] <= 0 || (done & (1u << i)))
			continue;
		if (now >= start - (time_t)s->warn_before[i] * 60)
			due |= 1u << i;
	}
	return due;
}

time_t ch_notify_next(const struct ch_schedule *s, time_t start, time_t now,
		      unsigned done)
{
	time_t next = 0;
	int i;

	if (now >= start)
		return 0;
	for (i = 0; i < s->n_warn_before && i < CH_MAX_WARN_BEFORE; i++) {
		time_t at = start - (time_t)s->warn_before[i] * 60;

		if (s->warn_before[i] <= 0 || (done & (1u << i)))
			continue;
		if (at > now && (next == 0 || at < next))
			next = at;
	}
	return next;
}

/* ---- what ------------------------------------------------------------------ */

/* "in 24 hours", "in 1 hour", "in 45 minutes" */
static void format_left(char *buf, size_t size, time_t start, time_t now)
{
	long m = ((long)(start - now) + 30) / 60;

	if (m >= 90)
		snprintf(buf, size, "in %ld hours", (m + 30) / 60);
	else if (m == 60)
		snprintf(buf, size, "in 1 hour");
	else
		snprintf(buf, size, "in %ld minute%s", m, m == 1 ? "" : "s");
}

/* Appends the first CH_NOTIFY_MAX_PROBLEMS diagnostics (sorted as
 * ch_diags_print sorts them) to b. */
static void append_problems(struct ch_buf *b, struct ch_diags *d)
{
	struct ch_buf tmp = {0};
	FILE *fp;
	char *text = NULL;
	size_t len = 0, shown = 0;
	const char *p;

	/* ch_diags_print sorts, then prints: reuse it into memory */
	fp = open_memstream(&text, &len);
	if (!fp)
		return;
	ch_diags_print(d, fp);
	fclose(fp);
	p = text;
	while (p && *p && shown < CH_NOTIFY_MAX_PROBLEMS) {
		size_t n = strcspn(p, "\n");

		if (shown)
			ch_buf_puts(&tmp, "; ");
		ch_buf_append(&tmp, p, n);
		shown++;
		p += n;
		if (*p == '\n')
			p++;
	}
	ch_buf_puts(b, ch_buf_str(&tmp));
	if (d->n > shown)
		ch_buf_printf(b, " (and %zu more problem%s)", d->n - shown,
			      d->n - shown == 1 ? "" : "s");
	ch_buf_free(&tmp);
	free(text);
}

int ch_notify_topic_problem(const struct ch_schedule *s, const char *date,
			    time_t start, time_t now, char **message)
{
	struct ch_topic t;
	struct ch_diags d = {0};
	struct ch_buf b = {0};
	struct stat st;
	struct tm tm;
	char when[96], left[32], *path = ch_topic_path(s->topics_dir, date);
	int rc = 0;
	size_t i;

	memset(&t, 0, sizeof t);
	*message = NULL;
	if (ch_utc_to_local(s->timezone, start, &tm, NULL) == 0)
		snprintf(when, sizeof when, "%s %04d-%02d-%02d %02d:%02d %s",
			 ch_weekday_name(tm.tm_wday), tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 s->timezone);
	else
		snprintf(when, sizeof when, "%s", date);
	format_left(left, sizeof left, start, now);
	ch_buf_printf(&b, "the topic file %s for the %s chat on %s (%s) is ",
		      path, s->hashtag, when, left);
	if (stat(path, &st) != 0 && errno == ENOENT) {
		ch_buf_puts(&b, "missing: write it");
		rc = 1;
		goto cleanup;
	}
	if (ch_topic_load(&t, path, &d) == 0 &&
	    ch_plan_check_topic(&t, s, &d) == 0) {
		for (i = 0; i < t.n_candidates; i++) {
			struct ch_plan p;

			memset(&p, 0, sizeof p);
			ch_plan_build(&p, s, &t.candidates[i], path, date, &d);
			ch_plan_free(&p);
		}
	}
	if (d.n == 0)
		goto cleanup; /* valid */
	ch_buf_puts(&b, "invalid: ");
	append_problems(&b, &d);
	ch_buf_puts(&b, ": fix it");
	rc = 1;
cleanup:
	if (rc == 1) {
		ch_buf_printf(&b, ", then run chathost check %s %s", s->path,
			      path);
		*message = ch_buf_steal(&b);
	}
	ch_buf_free(&b);
	ch_diags_free(&d);
	ch_topic_free(&t);
	free(path);
	return rc;
}

/* ---- the host loop's entry point ---------------------------------------- */

int ch_notify_check_topic(const struct ch_schedule *s, const char *date,
			  time_t start, time_t now, unsigned *done,
			  struct ch_error *err)
{
	unsigned due = ch_notify_due(s, start, now, *done);
	char *message = NULL;
	int rc = 0;

	if (!due)
		goto cleanup;
	*done |= due;
	if (ch_notify_topic_problem(s, date, start, now, &message) == 0) {
		ch_log(CH_LOG_INFO, "topic file for %s checked: ready", date);
		goto cleanup;
	}
	rc = ch_notify_send(s, message, err) == 0 ? 1 : -1;
cleanup:
	free(message);
	return rc;
}
