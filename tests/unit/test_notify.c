/* test_notify.c - early warnings: when they are due, what they say, and
 * that the command channel delivers (the webhook is exercised end to end
 * by tests/integration/notify_webhook.py). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chtime.h"
#include "notify.h"
#include "schedule.h"

#define H 3600

/* A schedule built by hand for the pure functions. */
static void hand_schedule(struct ch_schedule *s)
{
	memset(s, 0, sizeof *s);
	s->warn_before[0] = 2880;
	s->warn_before[1] = 1440;
	s->warn_before[2] = 60;
	s->n_warn_before = 3;
}

static const time_t START = 1796148000; /* 2026-12-01T18:00:00Z */

START_TEST(due_at_each_offset)
{
	struct ch_schedule s;

	hand_schedule(&s);
	ck_assert_uint_eq(ch_notify_due(&s, START, START - 49 * H, 0), 0);
	ck_assert_uint_eq(ch_notify_due(&s, START, START - 48 * H - 1, 0), 0);
	ck_assert_uint_eq(ch_notify_due(&s, START, START - 48 * H, 0), 1u);
	ck_assert_uint_eq(ch_notify_due(&s, START, START - 30 * H, 1u), 0);
	ck_assert_uint_eq(ch_notify_due(&s, START, START - 24 * H, 1u), 2u);
	ck_assert_uint_eq(ch_notify_due(&s, START, START - 2 * H, 3u), 0);
	ck_assert_uint_eq(ch_notify_due(&s, START, START - 1 * H, 3u), 4u);
	ck_assert_uint_eq(ch_notify_due(&s, START, START - 1, 7u), 0);
}
END_TEST

START_TEST(due_late_start_merges_offsets)
{
	struct ch_schedule s;

	hand_schedule(&s);
	/* started 2 hours before: 48 h and 24 h both passed, one check */
	ck_assert_uint_eq(ch_notify_due(&s, START, START - 2 * H, 0), 3u);
	/* 10 minutes before: all three */
	ck_assert_uint_eq(ch_notify_due(&s, START, START - 600, 0), 7u);
	/* the chat has started: nothing, whatever was missed */
	ck_assert_uint_eq(ch_notify_due(&s, START, START, 0), 0);
	ck_assert_uint_eq(ch_notify_due(&s, START, START + 5 * H, 0), 0);
}
END_TEST

START_TEST(next_deadline)
{
	struct ch_schedule s;

	hand_schedule(&s);
	ck_assert_int_eq((long)ch_notify_next(&s, START, START - 72 * H, 0),
			 (long)(START - 48 * H));
	ck_assert_int_eq((long)ch_notify_next(&s, START, START - 48 * H, 1u),
			 (long)(START - 24 * H));
	ck_assert_int_eq((long)ch_notify_next(&s, START, START - 20 * H, 3u),
			 (long)(START - 1 * H));
	ck_assert_int_eq((long)ch_notify_next(&s, START, START - 20 * H, 7u),
			 0);
	ck_assert_int_eq((long)ch_notify_next(&s, START, START, 0), 0);
}
END_TEST

START_TEST(unsorted_offsets)
{
	struct ch_schedule s;

	memset(&s, 0, sizeof s);
	s.warn_before[0] = 30;
	s.warn_before[1] = 4320; /* 3 days */
	s.n_warn_before = 2;
	ck_assert_uint_eq(ch_notify_due(&s, START, START - 72 * H, 0), 2u);
	ck_assert_int_eq((long)ch_notify_next(&s, START, START - 72 * H, 2u),
			 (long)(START - 1800));
	ck_assert_uint_eq(ch_notify_due(&s, START, START - 1800, 2u), 1u);
	/* no offsets at all: never due */
	s.n_warn_before = 0;
	ck_assert_uint_eq(ch_notify_due(&s, START, START - 1, 0), 0);
	ck_assert_int_eq((long)ch_notify_next(&s, START, START - 99 * H, 0), 0);
}
END_TEST

/* ---- the command channel ------------------------------------------------ */

static char tmpdir[256];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_notify.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char *cmd = ch_xasprintf("rm -rf '%s'", tmpdir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static char *slurp(const char *path)
{
	struct ch_error err;

	ch_error_clear(&err);
	return ch_read_file(path, 1 << 20, NULL, &err);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

START_TEST(command_gets_message_on_stdin)
{
	struct ch_error err;
	char *out, *cmd, *got;

	make_tmpdir();
	out = ch_xasprintf("%s/msg", tmpdir);
	cmd = ch_xasprintf("cat > '%s'", out);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_notify_command(cmd, "héllo \"world\"", 5000, &err),
			 0);
	ck_assert_str_eq(err.text, "");
	got = slurp(out);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, "héllo \"world\"\n");
	free(got);
	free(cmd);
	free(out);
	remove_tmpdir();
}
END_TEST

/* notify.command gets only the documented variables (no X key, no app
 * password) and none of chathost's descriptors (issue 30, item 10). */
START_TEST(command_clean_env_and_fds)
{
	struct ch_error err;
	char *out, *cmd, *got;
	int fd = open("/dev/null", O_RDONLY);

	make_tmpdir();
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 57), 57); /* no close-on-exec */
	setenv("X_API_SECRET", "s3cret-x", 1);
	setenv("BSKY_APP_PASSWORD", "s3cret-b", 1);
	setenv("TZ", "Europe/Berlin", 1);
	out = ch_xasprintf("%s/env", tmpdir);
	cmd = ch_xasprintf("{ env; [ -e /proc/self/fd/57 ] && echo FD57-LEAKED; "
			   "[ -e /proc/self/fd/%d ] && echo FD-LEAKED; true; } > '%s'", fd, out);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_notify_command(cmd, "x", 5000, &err), 0);
	got = slurp(out);
	ck_assert_ptr_nonnull(got);
	ck_assert_ptr_null(strstr(got, "s3cret"));
	ck_assert_ptr_null(strstr(got, "LEAKED"));
	ck_assert_ptr_nonnull(strstr(got, "TZ=Europe/Berlin"));
	ck_assert_ptr_nonnull(strstr(got, "PATH="));
	free(got);
	free(cmd);
	free(out);
	close(57);
	close(fd);
	unsetenv("X_API_SECRET");
	unsetenv("BSKY_APP_PASSWORD");
	remove_tmpdir();
}
END_TEST

START_TEST(command_exit_status_reported)
{
	struct ch_error err;

	ch_error_clear(&err);
	ck_assert_int_eq(ch_notify_command("cat >/dev/null; exit 3", "x", 5000,
					   &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "exited with status 3"));
	ck_assert_str_eq(err.source, "notify.command");

	ch_error_clear(&err);
	ck_assert_int_eq(ch_notify_command("no-such-command-xyz 2>/dev/null",
					   "x", 5000, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "status 127"));

	ch_error_clear(&err);
	ck_assert_int_eq(ch_notify_command("kill -9 $$", "x", 5000, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "killed by signal 9"));
}
END_TEST

START_TEST(command_timeout_kills_it)
{
	struct ch_error err;
	struct timespec a, b;
	double secs;

	ch_error_clear(&err);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(ch_notify_command("sleep 30", "x", 300, &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	ck_assert_msg(secs < 3.0, "took %.2f s", secs);
	ck_assert_msg(secs >= 0.29, "took only %.2f s", secs);
	ck_assert_ptr_nonnull(strstr(err.text, "did not finish"));
}
END_TEST

START_TEST(command_not_reading_stdin)
{
	/* a message larger than a pipe buffer, to a command that never reads
	 * it: no SIGPIPE death, no hang, and its exit status 0 counts */
	struct ch_error err;
	size_t n = 512 * 1024;
	char *big = ch_xmalloc(n + 1);

	memset(big, 'a', n);
	big[n] = '\0';
	ch_error_clear(&err);
	ck_assert_int_eq(ch_notify_command("exit 0", big, 5000, &err), 0);
	ck_assert_str_eq(err.text, "");
	/* ... and one that reads part of it, then fails */
	ch_error_clear(&err);
	ck_assert_int_eq(ch_notify_command("head -c 10 >/dev/null; exit 4",
					   big, 5000, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "status 4"));
	free(big);
}
END_TEST

START_TEST(webhook_refused_without_leaking_path)
{
	struct ch_error err;

	/* plain http to a non-loopback host: refused before any traffic */
	ch_error_clear(&err);
	ck_assert_int_eq(ch_notify_webhook("http://192.0.2.1/T000/B000/SECRET",
					   "x", 1000, &err), -1);
	ck_assert_ptr_null(strstr(err.text, "SECRET"));
	ck_assert_ptr_nonnull(strstr(err.text, "http://192.0.2.1"));
	/* nothing listening on loopback port 1 */
	ch_error_clear(&err);
	ck_assert_int_eq(ch_notify_webhook("http://127.0.0.1:1/hooks/SECRET",
					   "x", 2000, &err), -1);
	ck_assert_ptr_null(strstr(err.text, "SECRET"));
	ck_assert_ptr_nonnull(strstr(err.text, "not reached"));
}
END_TEST

START_TEST(send_without_channels_only_logs)
{
	struct ch_schedule s;
	struct ch_error err;

	hand_schedule(&s);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_notify_send(&s, "just a log line", &err), 0);
	ck_assert_str_eq(err.text, "");
}
END_TEST

/* An alert never waits for its notifier (issue 30, item 6): the command
 * is held on a FIFO the test controls; ch_notify_async returns while it
 * waits there, then, released, it runs to its end; the messages go in
 * order, one at a time, and drain says when all are out. */
START_TEST(async_never_waits)
{
	struct ch_schedule s;
	char *fifo, *out, *got;
	int fd = -1, i;

	make_tmpdir();
	hand_schedule(&s);
	fifo = ch_xasprintf("%s/hold", tmpdir);
	out = ch_xasprintf("%s/out", tmpdir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	s.notify_command = ch_xasprintf("cat >> '%s'; read x < '%s'", out, fifo);
	ch_notify_async(&s, "first");
	ch_notify_async(&s, "second");
	/* returned at once: the first command now waits on the FIFO */
	for (i = 0; i < 500 && fd < 0; i++) {
		fd = open(fifo, O_WRONLY | O_NONBLOCK);
		if (fd < 0)
			nanosleep(&(struct timespec){0, 10000000L}, NULL);
	}
	ck_assert_int_ge(fd, 0);
	got = slurp(out);
	ck_assert_str_eq(got, "first\n");
	free(got);
	ck_assert_int_eq(write(fd, "go\n", 3), 3);
	close(fd);
	fd = -1;
	/* the second command runs once the first has ended (one at a time):
	 * its output is there before it waits; only then is the FIFO's
	 * reader its own (the first's may still hold it open, and a "go"
	 * written to a reader on its way out is lost: a race valgrind's
	 * pace showed) */
	for (i = 0; i < 1000; i++) {
		got = slurp(out);
		if (got && strcmp(got, "first\nsecond\n") == 0)
			i = 1000;
		free(got);
		if (i < 1000)
			nanosleep(&(struct timespec){0, 10000000L}, NULL);
	}
	for (i = 0; i < 500 && fd < 0; i++) {
		fd = open(fifo, O_WRONLY | O_NONBLOCK);
		if (fd < 0)
			nanosleep(&(struct timespec){0, 10000000L}, NULL);
	}
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "go\n", 3), 3);
	close(fd);
	ck_assert_uint_eq(ch_notify_drain(15), 0);
	got = slurp(out);
	ck_assert_str_eq(got, "first\nsecond\n");
	free(got);
	free(s.notify_command);
	free(fifo);
	free(out);
	remove_tmpdir();
}
END_TEST

START_TEST(send_reports_failing_channel)
{
	struct ch_schedule s;
	struct ch_error err;
	char *out;
	char *got;

	make_tmpdir();
	hand_schedule(&s);
	out = ch_xasprintf("%s/both", tmpdir);
	s.notify_webhook = ch_xstrdup("http://127.0.0.1:1/x");
	s.notify_command = ch_xasprintf("cat > '%s'", out);
	ch_error_clear(&err);
	/* the webhook fails, the command is still run */
	ck_assert_int_eq(ch_notify_send(&s, "warn me", &err), -1);
	ck_assert_str_eq(err.source, "notify.webhook");
	got = slurp(out);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, "warn me\n");
	free(got);
	free(s.notify_webhook);
	free(s.notify_command);
	free(out);
	remove_tmpdir();
}
END_TEST

/* ---- the topic check ---------------------------------------------------- */

static const char *const TOPIC_OK =
	"date = \"2026-12-01\";\n"
	"title = \"Customer service pet peeves\";\n"
	"intro = \"Welcome! Today: customer service pet peeves.\";\n"
	"questions = (\n"
	"  \"What is your biggest pet peeve as a customer?\",\n"
	"  \"How do you turn a peeve into a fix?\"\n"
	");\n"
	"wrapup = \"Thanks for joining!\";\n";

/* date on a Wednesday, and a question longer than 280 */
static const char *const TOPIC_BAD =
	"date = \"2026-12-02\";\n"
	"title = \"Bad\";\n"
	"intro = \"Welcome!\";\n"
	"questions = ( \"What?\" );\n"
	"wrapup = \"Bye\"\n";

static void load_sched(struct ch_schedule *s, const char *extra)
{
	struct ch_diags d = {0};
	char *dir = ch_xasprintf("%s/schedules", tmpdir);
	char *tdir = ch_xasprintf("%s/topics", tmpdir);
	char *path = ch_xasprintf("%s/schedules/icmichat.conf", tmpdir);
	char *text = ch_xasprintf(
		"name = \"icmichat\";\nhashtag = \"#ICMIchat\";\n"
		"weekday = \"Tuesday\";\ntime = \"13:00\";\n"
		"timezone = \"America/New_York\";\n%s", extra);

	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(mkdir(tdir, 0755), 0);
	write_file(path, text);
	if (ch_schedule_load(s, path, &d) != 0)
		ch_diags_print(&d, stderr);
	ck_assert_uint_eq(d.n, 0);
	ch_diags_free(&d);
	free(text);
	free(path);
	free(tdir);
	free(dir);
}

static time_t chat_start(const struct ch_schedule *s)
{
	time_t t = 0;

	ck_assert_int_eq(ch_schedule_start(s, 2026, 12, 1, &t), 0);
	ck_assert_int_eq((long)t, (long)START);
	return t;
}

START_TEST(topic_missing_message)
{
	struct ch_schedule s;
	char *msg = NULL;
	time_t start;

	make_tmpdir();
	load_sched(&s, "");
	start = chat_start(&s);
	ck_assert_int_eq(ch_notify_topic_problem(&s, "2026-12-01", start,
						 start - 24 * H, &msg), 1);
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "/topics/2026-12-01.conf for the #ICMIchat "
				  "chat on Tuesday 2026-12-01 13:00 "
				  "America/New_York (in 24 hours) is missing: "
				  "write it, then run chathost check ") != NULL,
		      "%s", msg);
	ck_assert_ptr_null(strchr(msg, '\n'));
	free(msg);
	ck_assert_int_eq(ch_notify_topic_problem(&s, "2026-12-01", start,
						 start - 1800, &msg), 1);
	ck_assert_ptr_nonnull(strstr(msg, "(in 30 minutes)"));
	free(msg);
	ch_schedule_free(&s);
	remove_tmpdir();
}
END_TEST

START_TEST(topic_invalid_and_valid)
{
	struct ch_schedule s;
	char *msg = NULL, *path;
	time_t start;

	make_tmpdir();
	load_sched(&s, "");
	start = chat_start(&s);
	path = ch_xasprintf("%s/topics/2026-12-01.conf", tmpdir);
	write_file(path, TOPIC_BAD);
	ck_assert_int_eq(ch_notify_topic_problem(&s, "2026-12-01", start,
						 start - 48 * H, &msg), 1);
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "(in 48 hours) is invalid: ") != NULL, "%s",
		      msg);
	ck_assert_msg(strstr(msg, "/topics/2026-12-01.conf:") != NULL, "%s",
		      msg);
	ck_assert_msg(strstr(msg, ": fix it, then run chathost check ") != NULL,
		      "%s", msg);
	ck_assert_ptr_null(strchr(msg, '\n'));
	free(msg);
	msg = NULL;

	write_file(path, TOPIC_OK);
	ck_assert_int_eq(ch_notify_topic_problem(&s, "2026-12-01", start,
						 start - 48 * H, &msg), 0);
	ck_assert_ptr_null(msg);
	free(path);
	ch_schedule_free(&s);
	remove_tmpdir();
}
END_TEST

START_TEST(check_topic_sequence)
{
	struct ch_schedule s;
	struct ch_error err;
	char *extra, *out, *got, *path;
	unsigned done = 0;
	time_t start;

	make_tmpdir();
	out = ch_xasprintf("%s/warnings", tmpdir);
	extra = ch_xasprintf("notify = { command = \"cat >> '%s'\"; };\n", out);
	load_sched(&s, extra);
	start = chat_start(&s);
	ch_error_clear(&err);

	/* three days before: nothing due, nothing written */
	ck_assert_int_eq(ch_notify_check_topic(&s, "2026-12-01", start,
					       start - 72 * H, &done, &err), 0);
	ck_assert_uint_eq(done, 0);
	ck_assert_int_eq(access(out, F_OK), -1);
	/* 48 h: missing */
	ck_assert_int_eq(ch_notify_check_topic(&s, "2026-12-01", start,
					       start - 48 * H, &done, &err), 1);
	ck_assert_uint_eq(done, 1u);
	/* again a minute later: already done */
	ck_assert_int_eq(ch_notify_check_topic(&s, "2026-12-01", start,
					       start - 48 * H + 60, &done,
					       &err), 0);
	/* 24 h: now invalid */
	path = ch_xasprintf("%s/topics/2026-12-01.conf", tmpdir);
	write_file(path, TOPIC_BAD);
	ck_assert_int_eq(ch_notify_check_topic(&s, "2026-12-01", start,
					       start - 24 * H, &done, &err), 1);
	ck_assert_uint_eq(done, 3u);
	/* 1 h: fixed, no warning, but the offset is done */
	write_file(path, TOPIC_OK);
	ck_assert_int_eq(ch_notify_check_topic(&s, "2026-12-01", start,
					       start - 1 * H, &done, &err), 0);
	ck_assert_uint_eq(done, 7u);
	ck_assert_str_eq(err.text, "");

	got = slurp(out);
	ck_assert_ptr_nonnull(got);
	ck_assert_msg(strstr(got, "(in 48 hours) is missing") != NULL, "%s",
		      got);
	ck_assert_msg(strstr(got, "(in 24 hours) is invalid") != NULL, "%s",
		      got);
	ck_assert_msg(strstr(got, "(in 1 ") == NULL, "%s", got);
	{ /* exactly two lines */
		int lines = 0;
		const char *p;

		for (p = got; *p; p++)
			lines += *p == '\n';
		ck_assert_int_eq(lines, 2);
	}
	free(got);
	free(path);
	free(extra);
	free(out);
	ch_schedule_free(&s);
	remove_tmpdir();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("notify");
	TCase *when = tcase_create("when");
	TCase *send = tcase_create("send");
	TCase *topic = tcase_create("topic");

	tcase_add_test(when, due_at_each_offset);
	tcase_add_test(when, due_late_start_merges_offsets);
	tcase_add_test(when, next_deadline);
	tcase_add_test(when, unsorted_offsets);
	tcase_set_timeout(send, 20);
	tcase_add_test(send, command_gets_message_on_stdin);
	tcase_add_test(send, command_exit_status_reported);
	tcase_add_test(send, command_clean_env_and_fds);
	tcase_add_test(send, command_timeout_kills_it);
	tcase_add_test(send, command_not_reading_stdin);
	tcase_add_test(send, webhook_refused_without_leaking_path);
	tcase_add_test(send, send_without_channels_only_logs);
	tcase_add_test(send, send_reports_failing_channel);
	tcase_add_test(send, async_never_waits);
	tcase_set_timeout(topic, 20);
	tcase_add_test(topic, topic_missing_message);
	tcase_add_test(topic, topic_invalid_and_valid);
	tcase_add_test(topic, check_topic_sequence);
	suite_add_tcase(s, when);
	suite_add_tcase(s, send);
	suite_add_tcase(s, topic);
	return s;
}

#include "unit.h"
