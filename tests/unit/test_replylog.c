/* test_replylog.c - the participation log: writer, reader, fast scanner. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "fdof.h"
#include "replylog.h"

static char tmpdir[64];

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_replylog.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char *cmd = ch_xasprintf("rm -rf '%s'", tmpdir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static char *tpath(const char *name)
{
	return ch_xasprintf("%s/%s", tmpdir, name);
}

static void write_file(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(s, fp);
	fclose(fp);
}

/* Collected copies of what the reader handed over. */
struct got {
	struct ch_log_entry e[16];
	char *s[16][9];
	size_t n;
	long events;
};

static char *dup_or_null(const char *s)
{
	return s ? ch_xstrdup(s) : NULL;
}

static int collect(const struct ch_log_entry *e, void *ctx)
{
	struct got *g = ctx;

	if (e->kind == CH_KIND_EVENT) {
		g->events++;
		return 0;
	}
	ck_assert_uint_lt(g->n, 16);
	g->e[g->n] = *e;
	g->s[g->n][0] = dup_or_null(e->id);
	g->s[g->n][1] = dup_or_null(e->created_at);
	g->s[g->n][2] = dup_or_null(e->author_id);
	g->s[g->n][3] = dup_or_null(e->username);
	g->s[g->n][4] = dup_or_null(e->name);
	g->s[g->n][5] = dup_or_null(e->in_reply_to_id);
	g->s[g->n][6] = dup_or_null(e->text);
	g->n++;
	return 0;
}

static void got_free(struct got *g)
{
	size_t i, k;

	for (i = 0; i < g->n; i++)
		for (k = 0; k < 9; k++)
			free(g->s[i][k]);
	memset(g, 0, sizeof *g);
}

static void assert_str_eq_null(const char *a, const char *b)
{
	if (!a || !b)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

static const struct ch_log_entry sample[] = {
	{.id = "1864000000000000001", .created_at = "2026-12-01T18:07:12.000Z",
	 .author_id = "42", .username = "zoë_ü", .name = "Zoë \"Z\" Ünal 🌸",
	 .kind = CH_KIND_ANSWER, .question = 3, .attributed_by = CH_ATTR_LABEL,
	 .in_reply_to_id = NULL,
	 .text = "A3: line one\nline \"two\"\t\\ back\\slash / 中文 \x01 end"},
	{.id = "1864000000000000002", .created_at = "2026-12-01T18:08:00.500Z",
	 .author_id = "43", .username = "li", .name = "李小龍",
	 .kind = CH_KIND_REPLY, .question = 1, .attributed_by = CH_ATTR_REPLY,
	 .in_reply_to_id = "1864000000000000001", .text = "同意！\r\n👍🏽"},
	{.id = "1864000000000000003", .created_at = "2026-12-01T18:00:00.000Z",
	 .author_id = "900", .username = NULL, .name = NULL,
	 .kind = CH_KIND_HOST, .question = 0, .attributed_by = CH_ATTR_NONE,
	 .in_reply_to_id = NULL, .text = ""},
};

static void check_same(const struct got *g, size_t i,
		       const struct ch_log_entry *want)
{
	ck_assert_str_eq(g->s[i][0], want->id);
	ck_assert_str_eq(g->s[i][1], want->created_at);
	ck_assert_str_eq(g->s[i][2], want->author_id);
	assert_str_eq_null(g->s[i][3], want->username);
	assert_str_eq_null(g->s[i][4], want->name);
	assert_str_eq_null(g->s[i][5], want->in_reply_to_id);
	ck_assert_str_eq(g->s[i][6], want->text);
	ck_assert_int_eq(g->e[i].kind, want->kind);
	ck_assert_int_eq(g->e[i].question, want->question);
	ck_assert_int_eq(g->e[i].attributed_by, want->attributed_by);
}

START_TEST(round_trip_exact)
{
	struct ch_replylog *lg;
	struct ch_error err;
	struct ch_replylog_stats st = {0};
	struct got g = {0};
	char *path = tpath("2026-12-01.jsonl"), *data;
	size_t i, len;

	ch_error_clear(&err);
	lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ch_replylog_append(lg, &sample[i], &err), 1);
	ck_assert_int_eq(ch_replylog_flush(lg, &err), 0);
	ck_assert_int_eq(ch_replylog_close(lg, &err), 0);

	data = ch_read_file(path, 1 << 20, &len, &err);
	ck_assert_ptr_nonnull(data);
	/* three whole lines; UTF-8 written as is, not \u escaped */
	ck_assert_int_eq(data[len - 1], '\n');
	ck_assert_ptr_nonnull(strstr(data, "Zoë \\\"Z\\\" Ünal 🌸"));
	ck_assert_ptr_null(strstr(data, "\\u00eb"));
	ck_assert_ptr_nonnull(strstr(data, "\"name\":\"李小龍\""));
	{
		int nl = 0;

		for (i = 0; i < len; i++)
			nl += data[i] == '\n';
		ck_assert_int_eq(nl, 3);
	}
	free(data);

	ck_assert_int_eq(ch_replylog_read(path, collect, &g, &st, NULL, 0,
					  &err),
			 0);
	ck_assert_uint_eq(g.n, 3);
	ck_assert_int_eq(st.posts, 3);
	ck_assert_int_eq(st.bad, 0);
	for (i = 0; i < 3; i++)
		check_same(&g, i, &sample[i]);
	ck_assert(g.e[0].created_ms == 1796148432000LL);
	ck_assert(g.e[1].created_ms == 1796148480500LL);
	got_free(&g);
	free(path);
}
END_TEST

/* An edited post's line names its first version (edit_of); read back. */
static int edit_cb(const struct ch_log_entry *e, void *ctx)
{
	char *out = ctx;

	snprintf(out, 64, "%s<%s", e->id, e->edit_of ? e->edit_of : "-");
	return 0;
}

START_TEST(edit_of_round_trip)
{
	struct ch_replylog *lg;
	struct ch_error err;
	struct ch_log_entry e = sample[0];
	char *path = tpath("2026-12-01.jsonl"), *data, seen[64] = "";
	size_t len;

	ch_error_clear(&err);
	e.id = "1864000000000000009";
	e.edit_of = "1864000000000000001";
	lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
	ck_assert_int_eq(ch_replylog_append(lg, &e, &err), 1);
	ck_assert_int_eq(ch_replylog_close(lg, &err), 0);
	data = ch_read_file(path, 1 << 20, &len, &err);
	ck_assert_ptr_nonnull(strstr(data, ",\"edit_of\":\"1864000000000000001\"}"));
	free(data);
	ck_assert_int_eq(ch_replylog_read(path, edit_cb, seen, NULL, NULL, 0, &err), 0);
	ck_assert_str_eq(seen, "1864000000000000009<1864000000000000001");
	free(path);
}
END_TEST

START_TEST(restart_never_duplicates)
{
	struct ch_replylog *lg;
	struct ch_error err;
	struct ch_replylog_stats st = {0};
	char *path = tpath("log.jsonl");

	ch_error_clear(&err);
	lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
	ck_assert_int_eq(ch_replylog_append(lg, &sample[0], &err), 1);
	ck_assert_int_eq(ch_replylog_append(lg, &sample[0], &err), 0);
	ck_assert(ch_replylog_has(lg, sample[0].id));
	ck_assert(!ch_replylog_has(lg, sample[1].id));
	ck_assert_int_eq(ch_replylog_close(lg, &err), 0);

	lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
	ck_assert(ch_replylog_has(lg, sample[0].id));
	ck_assert_int_eq(ch_replylog_append(lg, &sample[0], &err), 0);
	ck_assert_int_eq(ch_replylog_append(lg, &sample[1], &err), 1);
	ck_assert_int_eq(ch_replylog_close(lg, &err), 0);

	ck_assert_int_eq(ch_replylog_read(path, NULL, NULL, &st, NULL, 0, &err),
			 0);
	ck_assert_int_eq(st.posts, 2);
	ck_assert_int_eq(st.lines, 2);
	free(path);
}
END_TEST

START_TEST(reopen_after_torn_line)
{
	struct ch_replylog *lg;
	struct ch_error err;
	struct ch_replylog_stats st = {0};
	struct ch_diags bad = {0};
	struct got g = {0};
	char *path = tpath("torn.jsonl");
	char *line = ch_replylog_format(&sample[0]);

	/* a crash left half a line behind */
	{
		char *s = ch_xasprintf("%s{\"id\":\"77\",\"created_at\":\"20",
				       line);

		write_file(path, s);
		free(s);
	}
	ck_assert_int_eq(ch_replylog_read(path, NULL, NULL, &st, &bad, 5, &err),
			 0);
	ck_assert_int_eq(st.bad, 1);
	ck_assert_uint_eq(bad.n, 1);
	ck_assert_int_eq(bad.items[0].line, 2);
	ck_assert_str_eq(bad.items[0].text,
			 "skipped: torn last line (no newline at the end)");
	ch_diags_free(&bad);

	ch_error_clear(&err);
	lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
	/* the torn post is not taken as logged: its capture writes it again */
	ck_assert(!ch_replylog_has(lg, "77"));
	ck_assert_int_eq(ch_replylog_append(lg, &sample[1], &err), 1);
	ck_assert_int_eq(ch_replylog_close(lg, &err), 0);
	memset(&st, 0, sizeof st);
	ck_assert_int_eq(ch_replylog_read(path, collect, &g, &st, &bad, 5,
					  &err),
			 0);
	/* the fragment was cut away on open; the new line follows the last
	 * whole one */
	ck_assert_uint_eq(g.n, 2);
	check_same(&g, 1, &sample[1]);
	ck_assert_int_eq(st.bad, 0);
	ck_assert_uint_eq(bad.n, 0);
	ch_diags_free(&bad);
	got_free(&g);
	free(line);
	free(path);
}
END_TEST

START_TEST(reader_reports_bad_lines)
{
	struct ch_replylog_stats st = {0};
	struct ch_diags bad = {0};
	struct ch_error err;
	struct got g = {0};
	char *path = tpath("bad.jsonl");
	char *good = ch_replylog_format(&sample[1]);
	char *s = ch_xasprintf(
		"%s"
		"not json at all\n"
		"\n"
		"[1,2]\n"
		"{\"id\":\"5\",\"created_at\":\"2026-12-01T18:00:00Z\","
		"\"author_id\":\"1\",\"kind\":\"answer\"}\n"
		"{\"id\":5,\"created_at\":\"2026-12-01T18:00:00Z\","
		"\"author_id\":\"1\",\"kind\":\"answer\",\"text\":\"x\"}\n"
		"{\"id\":\"6\",\"created_at\":\"yesterday\",\"author_id\":\"1\","
		"\"kind\":\"answer\",\"text\":\"x\"}\n"
		"{\"id\":\"7\",\"created_at\":\"2026-12-01T18:00:00Z\","
		"\"author_id\":\"1\",\"kind\":\"answer\",\"text\":\"x\","
		"\"question\":\"2\"}\n"
		"{\"kind\":\"event\",\"event\":\"poll_result\",\"votes\":[1,2]}\n"
		"%s"
		"{\"id\":\"8\",\"created_at\":\"2026-12-01T18:0",
		good, good);

	write_file(path, s);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_replylog_read(path, collect, &g, &st, &bad, 4,
					  &err),
			 0);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_int_eq(g.events, 1);
	ck_assert_int_eq(st.events, 1);
	ck_assert_int_eq(st.posts, 2);
	ck_assert_int_eq(st.bad, 7);
	ck_assert_int_eq(st.lines, 11);
	ck_assert_uint_eq(bad.n, 4); /* only the first few are described */
	ck_assert_str_eq(bad.items[0].source, path);
	ck_assert_int_eq(bad.items[0].line, 2);
	ck_assert_str_eq(bad.items[0].text, "skipped: not JSON");
	ck_assert_int_eq(bad.items[1].line, 4);
	ck_assert_str_eq(bad.items[1].text, "skipped: not a JSON object");
	ck_assert_int_eq(bad.items[2].line, 5);
	ck_assert_str_eq(bad.items[2].text, "skipped: missing field \"text\"");
	ck_assert_int_eq(bad.items[3].line, 6);
	ck_assert_str_eq(bad.items[3].text,
			 "skipped: field \"id\" is not a string");
	ch_diags_free(&bad);
	/* all of them, to see the later reasons */
	memset(&st, 0, sizeof st);
	ck_assert_int_eq(ch_replylog_read(path, NULL, NULL, &st, &bad, 100,
					  &err),
			 0);
	ck_assert_uint_eq(bad.n, 7);
	ck_assert_str_eq(bad.items[4].text, "skipped: field \"created_at\" is "
					    "not an ISO 8601 time");
	ck_assert_str_eq(bad.items[5].text, "skipped: field \"question\" is "
					    "not a question's number (0 to 20) or null");
	ck_assert_int_eq(bad.items[6].line, 11);
	ck_assert_str_eq(bad.items[6].text,
			 "skipped: torn last line (no newline at the end)");
	ch_diags_free(&bad);
	got_free(&g);
	free(s);
	free(good);
	free(path);
}
END_TEST

/* A number read from a log is bounded by what it stands for: a line
 * with question 1,000,000 made a 483 MB HTML report from 200 bytes
 * (issue 30, item 12); 20, a topic's most, still reads. */
START_TEST(question_numbers_bounded)
{
	struct ch_replylog_stats st = {0};
	struct ch_error err;
	char *path = tpath("q.jsonl");
#define QLINE "{\"id\":\"%d\",\"created_at\":\"2026-12-01T18:00:00Z\"," \
	      "\"author_id\":\"1\",\"kind\":\"answer\",\"text\":\"x\"," \
	      "\"question\":%d}\n"
	char *s = ch_xasprintf("%s", "");
	int qs[] = {20, 21, 1000000, 2147483647}, i;

	for (i = 0; i < 4; i++) {
		char *l = ch_xasprintf(QLINE, i + 1, qs[i]), *t = ch_xasprintf("%s%s", s, l);

		free(l);
		free(s);
		s = t;
	}
	write_file(path, s);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_replylog_read(path, NULL, NULL, &st, NULL, 0, &err), 0);
	ck_assert_int_eq(st.posts, 1);
	ck_assert_int_eq(st.bad, 3);
	free(s);
	free(path);
}
END_TEST

START_TEST(missing_file_is_an_error)
{
	struct ch_error err;
	char *path = tpath("nope.jsonl");

	ch_error_clear(&err);
	ck_assert_int_eq(ch_replylog_read(path, NULL, NULL, NULL, NULL, 0,
					  &err),
			 -1);
	ck_assert_ptr_nonnull(strstr(err.text, "cannot open"));
	free(path);
}
END_TEST

/* A planted DATE.jsonl link in a shared logs folder: the log is not
 * opened through it, and the file it names is neither cut nor appended
 * to (issue 30, item 2); a FIFO is refused at once, never waited on. */
START_TEST(open_refuses_links_and_fifos)
{
	struct ch_error err;
	char *victim = tpath("victim.conf"), *link = tpath("2026-12-01.jsonl");
	char *fifo = tpath("2026-12-08.jsonl"), *got;
	FILE *fp = fopen(victim, "w");

	ck_assert_ptr_nonnull(fp);
	fputs("name = \"victim\"; /* no newline at the end", fp);
	fclose(fp);
	ck_assert_int_eq(symlink(victim, link), 0);
	ch_error_clear(&err);
	ck_assert_ptr_null(ch_replylog_open(link, &err));
	ck_assert_ptr_nonnull(strstr(err.text, "symbolic link"));
	got = ch_read_file(victim, 1000, NULL, &err);
	ck_assert_str_eq(got, "name = \"victim\"; /* no newline at the end");
	free(got);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ch_error_clear(&err);
	ck_assert_ptr_null(ch_replylog_open(fifo, &err));
	ck_assert_ptr_nonnull(strstr(err.text, "not a regular file"));
	free(victim);
	free(link);
	free(fifo);
}
END_TEST

START_TEST(event_lines)
{
	struct ch_replylog *lg;
	struct ch_error err;
	struct ch_replylog_stats st = {0};
	struct got g = {0};
	char *path = tpath("ev.jsonl"), *data;
	json_t *f = json_pack("{s:s, s:i, s:s}", "poll_id", "p1", "votes", 12,
			      "kind", "sneaky");

	ch_error_clear(&err);
	lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
	ck_assert_int_eq(ch_replylog_event(lg, "poll_result", f, &err), 0);
	ck_assert_int_eq(ch_replylog_event(lg, "skipped", NULL, &err), 0);
	ck_assert_int_eq(ch_replylog_append(lg, &sample[2], &err), 1);
	ck_assert_int_eq(ch_replylog_close(lg, &err), 0);
	json_decref(f);
	data = ch_read_file(path, 1 << 20, NULL, &err);
	ck_assert_ptr_nonnull(strstr(data, "{\"kind\":\"event\",\"event\":"
					   "\"poll_result\",\"at\":\""));
	ck_assert_ptr_nonnull(strstr(data, "\"poll_id\":\"p1\",\"votes\":12}"));
	ck_assert_ptr_null(strstr(data, "sneaky"));
	free(data);
	ck_assert_int_eq(ch_replylog_read(path, collect, &g, &st, NULL, 0,
					  &err),
			 0);
	ck_assert_int_eq(st.events, 2);
	ck_assert_int_eq(st.posts, 1);
	ck_assert_int_eq(st.bad, 0);
	ck_assert_int_eq(g.events, 2);
	got_free(&g);
	free(path);
}
END_TEST

START_TEST(append_rejects_incomplete_and_full_disk)
{
	struct ch_replylog *lg;
	struct ch_error err;
	struct ch_log_entry e = sample[0];
	char *path = tpath("x.jsonl");

	ch_error_clear(&err);
	lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
	e.text = NULL;
	ck_assert_int_eq(ch_replylog_append(lg, &e, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "without id"));
	ck_assert_int_eq(ch_replylog_close(lg, NULL), 0);
	free(path);

	if (access("/dev/full", W_OK) == 0) {
		/* a full disk under an open log (a log is a regular file:
		 * /dev/full is put over its descriptor) */
		char *fpath = tpath("full.jsonl");
		int full = open("/dev/full", O_WRONLY), fd;

		ch_error_clear(&err);
		lg = ch_replylog_open(fpath, &err);
		ck_assert_ptr_nonnull(lg);
		fd = fd_of(fpath);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(dup2(full, fd), fd);
		close(full);
		free(fpath);
		ck_assert_int_eq(ch_replylog_append(lg, &sample[0], &err), -1);
		ck_assert_ptr_nonnull(strstr(err.text, "cannot write"));
		/* the line stays queued (its id too) for the next flush */
		ck_assert(ch_replylog_has(lg, sample[0].id));
		ck_assert_uint_gt(ch_replylog_queued(lg), 0);
		ck_assert_int_eq(ch_replylog_append(lg, &sample[0], &err), 0);
		ch_error_clear(&err);
		ck_assert_int_eq(ch_replylog_flush(lg, &err), -1);
		ck_assert_ptr_nonnull(strstr(err.text, "stay queued"));
		ck_assert_int_eq(ch_replylog_close(lg, NULL), -1);
	}
	ch_error_clear(&err);
	lg = ch_replylog_open("/nonexistent/dir/x.jsonl", &err);
	ck_assert_ptr_null(lg);
	ck_assert_ptr_nonnull(strstr(err.text, "cannot open the log"));
	ck_assert_int_eq(ch_replylog_close(lg, NULL), 0);
}
END_TEST


/* The line as the writer made it before the reusable encoder: a fresh
 * object per line and json_dumps. The new writer must match it byte for
 * byte. */
static char *old_format(const struct ch_log_entry *e)
{
	json_t *o = json_object();
	char *s, *line;
	const char *attr = ch_attrib_name(e->attributed_by);

#define OSTR(k, v) json_object_set_new(o, k, (v) ? json_string(v) : json_null())
	OSTR("id", e->id);
	OSTR("created_at", e->created_at);
	OSTR("author_id", e->author_id);
	OSTR("username", e->username);
	OSTR("name", e->name);
	json_object_set_new(o, "kind", json_string(ch_entry_kind_name(
		e->kind == CH_KIND_EVENT ? CH_KIND_OTHER : e->kind)));
	json_object_set_new(o, "question", e->question > 0
		? json_integer(e->question) : json_null());
	OSTR("attributed_by", attr);
	OSTR("in_reply_to_id", e->in_reply_to_id);
	OSTR("text", e->text);
#undef OSTR
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	line = ch_xasprintf("%s\n", s);
	free(s);
	return line;
}

/* Entries whose optional fields go from set to null and back, so the
 * reused object's values change type in place. */
static struct ch_log_entry mixed(int i, char *id, size_t n)
{
	struct ch_log_entry e = sample[i % 3];

	snprintf(id, n, "18640000000000%05d", i);
	e.id = id;
	if (i % 4 == 1) {
		e.username = NULL;
		e.question = 0;
		e.attributed_by = CH_ATTR_NONE;
	}
	if (i % 5 == 2) {
		e.in_reply_to_id = "1864000000000000001";
		e.kind = CH_KIND_EVENT; /* written as "other" */
		e.question = 7;
	}
	return e;
}

static size_t count_lines(const char *path, size_t *bytes)
{
	struct ch_error err;
	size_t len, i, n = 0;
	char *data;

	ch_error_clear(&err);
	data = ch_read_file(path, 1 << 24, &len, &err);
	if (!data) {
		*bytes = 0;
		return 0;
	}
	for (i = 0; i < len; i++)
		n += data[i] == '\n';
	*bytes = len;
	free(data);
	return n;
}

START_TEST(queued_lines_written_by_flush_and_close)
{
	struct ch_replylog *lg;
	struct ch_error err;
	struct ch_replylog_stats st = {0};
	char *path = tpath("q.jsonl"), id[32], *data, *want;
	size_t bytes, len, off = 0;
	int i;

	ch_error_clear(&err);
	lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
	for (i = 0; i < 20; i++) {
		struct ch_log_entry e = mixed(i, id, sizeof id);

		ck_assert_int_eq(ch_replylog_queue(lg, &e, &err), 1);
		ck_assert(ch_replylog_has(lg, id));
	}
	/* queued, not written */
	ck_assert_uint_eq(count_lines(path, &bytes), 0);
	ck_assert_uint_eq(bytes, 0);
	ck_assert_uint_gt(ch_replylog_queued(lg), 0);
	ck_assert_int_eq(ch_replylog_flush(lg, &err), 0);
	ck_assert_uint_eq(ch_replylog_queued(lg), 0);
	ck_assert_uint_eq(count_lines(path, &bytes), 20);
	/* the lines are what the old writer made, byte for byte */
	data = ch_read_file(path, 1 << 20, &len, &err);
	ck_assert_ptr_nonnull(data);
	for (i = 0; i < 20; i++) {
		struct ch_log_entry e = mixed(i, id, sizeof id);

		want = old_format(&e);
		ck_assert_uint_le(off + strlen(want), len);
		ck_assert_int_eq(memcmp(data + off, want, strlen(want)), 0);
		off += strlen(want);
		free(want);
	}
	ck_assert_uint_eq(off, len);
	free(data);
	/* an event line after queued lines keeps their order */
	{
		struct ch_log_entry e = mixed(20, id, sizeof id);

		ck_assert_int_eq(ch_replylog_queue(lg, &e, &err), 1);
		ck_assert_int_eq(ch_replylog_event(lg, "after", NULL, &err), 0);
		ck_assert_uint_eq(ch_replylog_queued(lg), 0);
		ck_assert_uint_eq(count_lines(path, &bytes), 22);
	}
	/* close writes what is still queued */
	for (i = 21; i < 30; i++) {
		struct ch_log_entry e = mixed(i, id, sizeof id);

		ck_assert_int_eq(ch_replylog_queue(lg, &e, &err), 1);
	}
	ck_assert_uint_eq(count_lines(path, &bytes), 22);
	ck_assert_int_eq(ch_replylog_close(lg, &err), 0);
	ck_assert_uint_eq(count_lines(path, &bytes), 31);
	ck_assert_int_eq(ch_replylog_read(path, NULL, NULL, &st, NULL, 0, &err),
			 0);
	ck_assert_int_eq(st.posts, 30);
	ck_assert_int_eq(st.events, 1);
	ck_assert_int_eq(st.bad, 0);
	free(path);
}
END_TEST

START_TEST(queued_id_never_written_twice)
{
	struct ch_replylog *lg;
	struct ch_error err;
	struct ch_replylog_stats st = {0};
	char *path = tpath("dup.jsonl");
	size_t bytes;

	ch_error_clear(&err);
	lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
	ck_assert_int_eq(ch_replylog_queue(lg, &sample[0], &err), 1);
	/* queued but not yet written: still one line per id */
	ck_assert_int_eq(ch_replylog_queue(lg, &sample[0], &err), 0);
	ck_assert_int_eq(ch_replylog_append(lg, &sample[0], &err), 0);
	ck_assert_uint_eq(count_lines(path, &bytes), 0);
	ck_assert_int_eq(ch_replylog_append(lg, &sample[1], &err), 1);
	/* append wrote the queue: both lines, in order */
	ck_assert_uint_eq(count_lines(path, &bytes), 2);
	ck_assert_int_eq(ch_replylog_queue(lg, &sample[1], &err), 0);
	ck_assert_int_eq(ch_replylog_flush(lg, &err), 0);
	ck_assert_int_eq(ch_replylog_close(lg, &err), 0);
	lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
	ck_assert_int_eq(ch_replylog_queue(lg, &sample[0], &err), 0);
	ck_assert_int_eq(ch_replylog_queue(lg, &sample[1], &err), 0);
	ck_assert_int_eq(ch_replylog_queue(lg, &sample[2], &err), 1);
	ck_assert_int_eq(ch_replylog_close(lg, &err), 0);
	ck_assert_int_eq(ch_replylog_read(path, NULL, NULL, &st, NULL, 0, &err),
			 0);
	ck_assert_int_eq(st.posts, 3);
	ck_assert_int_eq(st.bad, 0);
	/* a line without a required field is refused: nothing queued */
	{
		struct ch_log_entry e = sample[0];

		e.id = "5";
		e.created_at = NULL;
		lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
		ck_assert_int_eq(ch_replylog_queue(lg, &e, &err), -1);
		ck_assert(!ch_replylog_has(lg, "5"));
		ck_assert_uint_eq(ch_replylog_queued(lg), 0);
		ck_assert_int_eq(ch_replylog_close(lg, &err), 0);
	}
	free(path);
}
END_TEST

START_TEST(queued_after_torn_tail)
{
	struct ch_replylog *lg;
	struct ch_error err;
	struct ch_replylog_stats st = {0};
	struct ch_diags bad = {0};
	char *path = tpath("torn2.jsonl"), id[32];
	char *line = ch_replylog_format(&sample[0]);
	char *s = ch_xasprintf("%s{\"id\":\"77\",\"crea", line);
	int i;

	write_file(path, s);
	ch_error_clear(&err);
	lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
	for (i = 0; i < 5; i++) {
		struct ch_log_entry e = mixed(100 + i, id, sizeof id);

		ck_assert_int_eq(ch_replylog_queue(lg, &e, &err), 1);
	}
	ck_assert_int_eq(ch_replylog_flush(lg, &err), 0);
	ck_assert_int_eq(ch_replylog_close(lg, &err), 0);
	ck_assert_int_eq(ch_replylog_read(path, NULL, NULL, &st, &bad, 5, &err),
			 0);
	ck_assert_int_eq(st.posts, 6);
	ck_assert_int_eq(st.bad, 0); /* the fragment was cut away on open */
	ck_assert_uint_eq(bad.n, 0);
	ch_diags_free(&bad);
	free(s);
	free(line);
	free(path);
}
END_TEST

/* A write cut short (file size limit: EFBIG after a partial write): the
 * whole lines that made it stay, the torn one is cut away, the rest stays
 * queued and a later flush writes it, each id once. */
START_TEST(short_write_keeps_the_queue)
{
	struct ch_replylog *lg;
	struct ch_error err;
	struct ch_replylog_stats st = {0};
	struct rlimit rl, old;
	char *path = tpath("short.jsonl"), id[32];
	size_t bytes;
	long n;
	int i, r, lim, back;

	signal(SIGXFSZ, SIG_IGN);
	ch_error_clear(&err);
	lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
	for (i = 0; i < 40; i++) {
		struct ch_log_entry e = mixed(200 + i, id, sizeof id);

		ck_assert_int_eq(ch_replylog_queue(lg, &e, &err), 1);
	}
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	rl = old;
	rl.rlim_cur = 3000; /* well inside the queue, mid-line */
	/* no ck_assert while the limit holds: Check's own messages go
	 * through a file too */
	lim = setrlimit(RLIMIT_FSIZE, &rl);
	r = ch_replylog_flush(lg, &err);
	back = setrlimit(RLIMIT_FSIZE, &old);
	ck_assert_int_eq(lim, 0);
	ck_assert_int_eq(back, 0);
	ck_assert_int_eq(r, -1);
	ck_assert_ptr_nonnull(strstr(err.text, "stay queued"));
	n = (long)count_lines(path, &bytes);
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, 40);
	ck_assert_uint_le(bytes, 3000);
	/* no torn fragment left behind */
	ck_assert_int_eq(ch_replylog_read(path, NULL, NULL, &st, NULL, 0, &err),
			 0);
	ck_assert_int_eq(st.bad, 0);
	ck_assert_int_eq(st.posts, n);
	ck_assert_uint_gt(ch_replylog_queued(lg), 0);
	/* queueing again never duplicates, whether written or still queued */
	for (i = 0; i < 40; i++) {
		struct ch_log_entry e = mixed(200 + i, id, sizeof id);

		ck_assert_int_eq(ch_replylog_queue(lg, &e, &err), 0);
	}
	ch_error_clear(&err);
	ck_assert_int_eq(ch_replylog_flush(lg, &err), 0);
	ck_assert_uint_eq(ch_replylog_queued(lg), 0);
	ck_assert_int_eq(ch_replylog_close(lg, &err), 0);
	memset(&st, 0, sizeof st);
	ck_assert_int_eq(ch_replylog_read(path, NULL, NULL, &st, NULL, 0, &err),
			 0);
	ck_assert_int_eq(st.posts, 40);
	ck_assert_int_eq(st.bad, 0);
	ck_assert_uint_eq(count_lines(path, &bytes), 40);
	free(path);
}
END_TEST

/* A large queue goes to the file early, in whole lines. */
START_TEST(large_queue_written_early)
{
	struct ch_replylog *lg;
	struct ch_error err;
	struct ch_replylog_stats st = {0};
	char *path = tpath("big.jsonl"), id[32];
	size_t bytes, before;
	int i;

	ch_error_clear(&err);
	lg = ch_replylog_open(path, &err);
	ck_assert_ptr_nonnull(lg);
	for (i = 0; i < 3000; i++) {
		struct ch_log_entry e = mixed(1000 + i, id, sizeof id);

		ck_assert_int_eq(ch_replylog_queue(lg, &e, &err), 1);
	}
	before = count_lines(path, &bytes);
	ck_assert_uint_gt(bytes, 256 * 1024 - 1024);
	ck_assert_uint_gt(before, 0);
	ck_assert_uint_lt(before, 3000);
	ck_assert_int_eq(ch_replylog_read(path, NULL, NULL, &st, NULL, 0, &err),
			 0);
	ck_assert_int_eq(st.bad, 0);
	ck_assert_int_eq(ch_replylog_close(lg, &err), 0);
	ck_assert_uint_eq(count_lines(path, &bytes), 3000);
	free(path);
}
END_TEST

START_TEST(invalid_utf8_is_repaired_not_lost)
{
	struct ch_log_entry e = sample[0];
	char *line;

	e.text = "bad \xff byte";
	line = ch_replylog_format(&e);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(line, "bad \xEF\xBF\xBD byte"));
	free(line);
}
END_TEST

/* Lines the fast scanner must treat exactly as jansson does. */
static const char *const tricky[] = {
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"plain\"}",
	" { \"id\" : \"1\" ,\t\"created_at\":\"2026-12-01T18:00:00.123Z\" , \"author_id\":\"a\",\"kind\":\"reply\",\"text\":\"ws\" , \"question\" : 12 } \r",
	"{\"text\":\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u4e2d \\u0041\",\"id\":\"\\u0031\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"pair \\ud83c\\udf38\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"lone \\ud83c\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"nul \\u0000 inside\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"bad \\x escape\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"raw \x01 control\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"bad utf8 \xc3\x28\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"overlong \xc0\xaf\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"surrogate \xed\xa0\x80\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"4byte \xf0\x9f\x8c\xb8 ok\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"x\"} trailing",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"x\",}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"unterminated}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"x\",\"question\":03}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"x\",\"question\":3.0}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"x\",\"question\":-2}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"x\",\"question\":1e2}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"x\",\"question\":null,\"attributed_by\":null,\"in_reply_to_id\":null,\"username\":null}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"x\",\"question\":true}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"x\",\"extra\":{\"nested\":[1,{\"a\":\"}\"}]},\"more\":false}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"first\",\"text\":\"second\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"weird\",\"text\":\"x\",\"attributed_by\":\"magic\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"x\",\"k\\u0065y\":1}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00+01:00\",\"author_id\":\"a\",\"kind\":\"host\",\"text\":\"x\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-02-30T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"host\",\"text\":\"x\"}",
	"{\"id\":\"\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"host\",\"text\":\"x\"}",
	"{\"kind\":\"event\",\"event\":\"poll_result\",\"options\":[{\"label\":\"a\",\"votes\":3}]}",
	"{\"kind\":\"event\"}",
	"{}",
	"[]",
	"\"just a string\"",
	"{\"id\":\"1\" \"created_at\":\"x\"}",
	"{\"id\":nul}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"x\",\"question\":99999999999999999999}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"\\uD83C\\uDF38\\u00E9\",\"name\":\"\\u00\"}",
	"{\"id\":\"1\",\"created_at\":\"2026-12-01T18:00:00Z\",\"author_id\":\"a\",\"kind\":\"answer\",\"text\":\"x\"",
};

START_TEST(fast_path_matches_jansson)
{
	size_t i;

	for (i = 0; i < sizeof tricky / sizeof *tricky; i++) {
		char *a = ch_xstrdup(tricky[i]), *b = ch_xstrdup(tricky[i]);
		struct ch_log_entry ea, eb;
		json_t *ha, *hb;
		const char *wa, *wb;
		int ra, rb;

		ra = ch_replylog_parse_line(a, strlen(a), true, &ea, &ha, &wa);
		rb = ch_replylog_parse_line(b, strlen(b), false, &eb, &hb, &wb);
		ck_assert_msg(ra == rb, "line %zu: fast %d, jansson %d (%s)",
			      i, ra, rb, wb ? wb : "");
		if (ra) {
			ck_assert_msg(strcmp(wa, wb) == 0,
				      "line %zu: '%s' vs '%s'", i, wa, wb);
		} else {
			ck_assert_int_eq(ea.kind, eb.kind);
			assert_str_eq_null(ea.id, eb.id);
			assert_str_eq_null(ea.created_at, eb.created_at);
			ck_assert(ea.created_ms == eb.created_ms);
			assert_str_eq_null(ea.author_id, eb.author_id);
			assert_str_eq_null(ea.username, eb.username);
			assert_str_eq_null(ea.name, eb.name);
			assert_str_eq_null(ea.in_reply_to_id, eb.in_reply_to_id);
			assert_str_eq_null(ea.text, eb.text);
			assert_str_eq_null(ea.event, eb.event);
			ck_assert_int_eq(ea.question, eb.question);
			ck_assert_int_eq(ea.attributed_by, eb.attributed_by);
		}
		json_decref(ha);
		json_decref(hb);
		free(a);
		free(b);
	}
}
END_TEST

/* Random byte edits of good lines: the fast path must agree with jansson
 * on every one (accept/reject, reason, every field). */
START_TEST(fast_path_matches_jansson_mutated)
{
	static const char alphabet[] = "{}[]\":,\\u0123456789abcdefnrtlsA \t\x01\xc3\xa9\xe4\xb8\xad\xf0\x9f\x8c\xb8\xed\xff";
	unsigned long long x = 88172645463325252ULL;
	char *base[3];
	size_t i, k, agree = 0;
	/* fewer rounds under valgrind/ASan (CH_SLOW), same coverage per round */
	size_t rounds = getenv("CH_SLOW") ? 3000 : 30000;

	for (i = 0; i < 3; i++)
		base[i] = ch_replylog_format(&sample[i]);
	for (i = 0; i < rounds; i++) {
		const char *src = base[i % 3];
		size_t len = strlen(src) - 1, edits, pos;
		char *a = ch_xmalloc(len + 8), *b;
		struct ch_log_entry ea, eb;
		json_t *ha, *hb;
		const char *wa, *wb;
		int ra, rb;

		memcpy(a, src, len);
		a[len] = '\0';
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		edits = 1 + x % 3;
		for (k = 0; k < edits; k++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			pos = (x >> 8) % len;
			a[pos] = alphabet[(x >> 32) % (sizeof alphabet - 1)];
		}
		b = ch_xstrndup(a, len);
		ra = ch_replylog_parse_line(a, len, true, &ea, &ha, &wa);
		rb = ch_replylog_parse_line(b, len, false, &eb, &hb, &wb);
		ck_assert_msg(ra == rb, "mutation %zu: fast %d jansson %d: %s",
			      i, ra, rb, b);
		if (ra) {
			ck_assert_str_eq(wa, wb);
		} else {
			ck_assert_int_eq(ea.kind, eb.kind);
			assert_str_eq_null(ea.id, eb.id);
			assert_str_eq_null(ea.created_at, eb.created_at);
			assert_str_eq_null(ea.author_id, eb.author_id);
			assert_str_eq_null(ea.username, eb.username);
			assert_str_eq_null(ea.name, eb.name);
			assert_str_eq_null(ea.in_reply_to_id, eb.in_reply_to_id);
			assert_str_eq_null(ea.text, eb.text);
			ck_assert_int_eq(ea.question, eb.question);
			ck_assert_int_eq(ea.attributed_by, eb.attributed_by);
			agree++;
		}
		json_decref(ha);
		json_decref(hb);
		free(a);
		free(b);
	}
	/* both kinds of outcome were seen */
	ck_assert_uint_gt(agree, rounds / 30);
	ck_assert_uint_lt(agree, rounds - rounds / 30);
	for (i = 0; i < 3; i++)
		free(base[i]);
}
END_TEST

START_TEST(fast_path_values)
{
	char *a = ch_xstrdup(tricky[2]);
	struct ch_log_entry e;
	json_t *h;
	const char *why;

	ck_assert_int_eq(ch_replylog_parse_line(a, strlen(a), true, &e, &h,
						&why),
			 0);
	ck_assert_ptr_null(h); /* handled without jansson */
	ck_assert_str_eq(e.text, "esc \" \\ / \b \f \n \r \t \xc3\xa9 \xe4\xb8\xad A");
	ck_assert_str_eq(e.id, "1");
	free(a);
	a = ch_xstrdup(tricky[23]);
	ck_assert_int_eq(ch_replylog_parse_line(a, strlen(a), true, &e, &h,
						&why),
			 0);
	ck_assert_int_eq(e.kind, CH_KIND_OTHER);
	ck_assert_int_eq(e.attributed_by, CH_ATTR_OTHER);
	json_decref(h);
	free(a);
	a = ch_xstrdup(tricky[22]);
	ck_assert_int_eq(ch_replylog_parse_line(a, strlen(a), true, &e, &h,
						&why),
			 0);
	ck_assert_str_eq(e.text, "second");
	json_decref(h);
	free(a);
}
END_TEST

START_TEST(parse_time)
{
	long long ms;

	ck_assert_int_eq(ch_replylog_parse_time("1970-01-01T00:00:00Z", &ms), 0);
	ck_assert(ms == 0);
	ck_assert_int_eq(ch_replylog_parse_time("2026-12-01T18:07:12.345Z", &ms), 0);
	ck_assert(ms == 1796148432345LL);
	ck_assert_int_eq(ch_replylog_parse_time("2026-12-01T19:07:12.3+01:00", &ms), 0);
	ck_assert(ms == 1796148432300LL);
	ck_assert_int_eq(ch_replylog_parse_time("2024-02-29T00:00:00Z", &ms), 0);
	ck_assert_int_eq(ch_replylog_parse_time("2023-02-29T00:00:00Z", &ms), -1);
	ck_assert_int_eq(ch_replylog_parse_time("2026-12-01T24:00:00Z", &ms), -1);
	ck_assert_int_eq(ch_replylog_parse_time("2026-12-01T18:07:12", &ms), -1);
	ck_assert_int_eq(ch_replylog_parse_time("2026-12-01T18:07:12Zjunk", &ms), -1);
	ck_assert_int_eq(ch_replylog_parse_time("2026-12-01", &ms), -1);
	ck_assert_int_eq(ch_replylog_parse_time("", &ms), -1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("replylog");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, round_trip_exact);
	tcase_add_test(tc, edit_of_round_trip);
	tcase_add_test(tc, restart_never_duplicates);
	tcase_add_test(tc, reopen_after_torn_line);
	tcase_add_test(tc, reader_reports_bad_lines);
	tcase_add_test(tc, missing_file_is_an_error);
	tcase_add_test(tc, question_numbers_bounded);
	tcase_add_test(tc, open_refuses_links_and_fifos);
	tcase_add_test(tc, event_lines);
	tcase_add_test(tc, append_rejects_incomplete_and_full_disk);
	tcase_add_test(tc, invalid_utf8_is_repaired_not_lost);
	tcase_add_test(tc, queued_lines_written_by_flush_and_close);
	tcase_add_test(tc, queued_id_never_written_twice);
	tcase_add_test(tc, queued_after_torn_tail);
	tcase_add_test(tc, short_write_keeps_the_queue);
	tcase_add_test(tc, large_queue_written_early);
	tcase_add_test(tc, fast_path_matches_jansson);
	tcase_add_test(tc, fast_path_matches_jansson_mutated);
	tcase_add_test(tc, fast_path_values);
	tcase_add_test(tc, parse_time);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
