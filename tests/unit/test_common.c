/* test_common.c - errors, diagnostics, buffers and path helpers. */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "lock.h"
#include "net/net.h"

static void check_resolve(const char *base, const char *path, const char *want)
{
	char *got = ch_path_resolve(base, path);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_path_resolve)
{
	check_resolve("schedules", "../topics", "topics");
	check_resolve("/etc/chathost/schedules", "../topics", "/etc/chathost/topics");
	check_resolve("a/b", "../../../x", "../x");
	check_resolve("..", "../x", "../../x");
	check_resolve("a", "x", "a/x");
	check_resolve(".", "x", "x");
	check_resolve("a", "/abs", "/abs");
	setenv("HOME", "/home/u", 1);
	check_resolve("a", "~/c.conf", "/home/u/c.conf");
}
END_TEST

START_TEST(test_error_first_wins)
{
	struct ch_error e;

	ch_error_clear(&e);
	ch_error_set(&e, "f.conf", 3, "first %d", 1);
	ch_error_set(&e, "g.conf", 4, "second");
	ck_assert_str_eq(e.source, "f.conf");
	ck_assert_int_eq(e.line, 3);
	ck_assert_str_eq(e.text, "first 1");
}
END_TEST

START_TEST(test_diags_sorted)
{
	struct ch_diags d = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ch_diags_add(&d, "b.conf", 2, "b2");
	ch_diags_add(&d, "a.conf", 9, "a9");
	ch_diags_add(&d, "a.conf", 1, "a1");
	ch_diags_add(&d, "a.conf", 0, "a0");
	ch_diags_print(&d, fp);
	fclose(fp);
	ck_assert_str_eq(buf, "a.conf: a0\na.conf:1: a1\na.conf:9: a9\nb.conf:2: b2\n");
	free(buf);
	ch_diags_free(&d);
}
END_TEST

START_TEST(test_buf)
{
	struct ch_buf b = {0};
	char *s;
	int i;

	ck_assert_str_eq(ch_buf_str(&b), "");
	for (i = 0; i < 1000; i++)
		ch_buf_printf(&b, "%d,", i);
	ck_assert_uint_eq(b.len, strlen(b.data));
	ck_assert(strncmp(b.data, "0,1,2,", 6) == 0);
	s = ch_buf_steal(&b);
	ck_assert_ptr_null(b.data);
	free(s);
	s = ch_xasprintf("%s-%d", "x", 42);
	ck_assert_str_eq(s, "x-42");
	free(s);
}
END_TEST

START_TEST(test_read_file_cap)
{
	struct ch_error e;
	char path[] = "/tmp/ch_common_XXXXXX";
	int fd = mkstemp(path);
	char *s;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "0123456789", 10), 10);
	close(fd);
	ch_error_clear(&e);
	s = ch_read_file(path, 5, NULL, &e);
	ck_assert_ptr_null(s);
	ck_assert(strstr(e.text, "larger") != NULL);
	ch_error_clear(&e);
	s = ch_read_file(path, 100, NULL, &e);
	ck_assert_str_eq(s, "0123456789");
	free(s);
	unlink(path);
	ch_error_clear(&e);
	ck_assert_ptr_null(ch_read_file(path, 100, NULL, &e));
	ck_assert(strstr(e.text, "cannot open") != NULL);
}
END_TEST

/* A FIFO, a folder: refused at once, never waited on. */
START_TEST(test_regular_only)
{
	char dir[] = "/tmp/ch_common_XXXXXX";
	char *fifo, *f;
	struct ch_error e;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	fifo = ch_xasprintf("%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ch_error_clear(&e);
	ck_assert_ptr_null(ch_read_file(fifo, 100, NULL, &e));
	ck_assert_ptr_nonnull(strstr(e.text, "not a regular file (a FIFO)"));
	ch_error_clear(&e);
	ck_assert_ptr_null(ch_read_file(dir, 100, NULL, &e));
	ck_assert_ptr_nonnull(strstr(e.text, "a folder"));
	/* the atomic write: whole file, mode, no temp left behind */
	f = ch_xasprintf("%s/out", dir);
	ch_error_clear(&e);
	ck_assert_int_eq(ch_write_file_atomic(f, "abc\n", 4, 0600, &e), 0);
	{
		struct stat sb;
		char *t = ch_read_file(f, 100, NULL, &e);

		ck_assert_str_eq(t, "abc\n");
		free(t);
		ck_assert_int_eq(stat(f, &sb), 0);
		ck_assert_int_eq((int)(sb.st_mode & 0777), 0600);
	}
	/* a folder that is not there: an error naming the file */
	ch_error_clear(&e);
	{
		char *g = ch_xasprintf("%s/nope/out", dir);

		ck_assert_int_eq(ch_write_file_atomic(g, "x", 1, 0644, &e), -1);
		ck_assert_ptr_nonnull(strstr(e.source, "nope/out"));
		free(g);
	}
	/* not a regular file (as /dev/null is): written in place, never
	 * renamed over */
	{
		struct stat sb;
		char buf[8] = "";
		int rd = open(fifo, O_RDONLY | O_NONBLOCK);

		ck_assert_int_ge(rd, 0);
		ch_error_clear(&e);
		ck_assert_int_eq(ch_write_file_atomic(fifo, "hi", 2, 0644, &e), 0);
		ck_assert_int_eq((int)read(rd, buf, sizeof buf), 2);
		ck_assert_str_eq(buf, "hi");
		close(rd);
		ck_assert_int_eq(lstat(fifo, &sb), 0);
		ck_assert(S_ISFIFO(sb.st_mode));
	}
	/* a symbolic link planted where the output goes (report.html ->
	 * ../victim.conf in a shared folder) is refused: neither the link
	 * nor its file changes (issue 30, item 2); a dangling one too */
	{
		struct stat sb;
		char *l = ch_xasprintf("%s/link", dir), *t;
		char *dl = ch_xasprintf("%s/dangling", dir);
		char *gone = ch_xasprintf("%s/gone", dir);

		ck_assert_int_eq(symlink(f, l), 0);
		ch_error_clear(&e);
		ck_assert_int_eq(ch_write_file_atomic(l, "new\n", 4, 0600, &e), -1);
		ck_assert_ptr_nonnull(strstr(e.text, "symbolic link"));
		ck_assert_int_eq(lstat(l, &sb), 0);
		ck_assert(S_ISLNK(sb.st_mode));
		t = ch_read_file(f, 100, NULL, &e);
		ck_assert_str_eq(t, "abc\n");
		free(t);
		ck_assert_int_eq(symlink(gone, dl), 0);
		ch_error_clear(&e);
		ck_assert_int_eq(ch_write_file_atomic(dl, "new\n", 4, 0600, &e), -1);
		ck_assert_int_ne(access(gone, F_OK), 0);
		unlink(l);
		unlink(dl);
		free(l);
		free(dl);
		free(gone);
	}
	/* the temporary file leaves nothing behind, under no fixed name */
	{
		char *cmd = ch_xasprintf("ls -A %s | grep -v -x -e out -e fifo | grep -c .", dir);
		FILE *p = popen(cmd, "r");
		char n[16] = "";

		ck_assert_ptr_nonnull(fgets(n, sizeof n, p));
		pclose(p);
		ck_assert_str_eq(n, "0\n");
		free(cmd);
	}
	unlink(f);
	unlink(fifo);
	rmdir(dir);
	free(f);
	free(fifo);
}
END_TEST

/* One holder per folder: a second taker is refused with the holder's pid;
 * the lock goes with its descriptor (and so with its process). */
START_TEST(test_lock)
{
	char dir[] = "/tmp/ch_lock_XXXXXX";
	struct ch_error e;
	int fd, status;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ch_error_clear(&e);
	fd = ch_lock_dir(dir, &e);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	pid = fork();
	if (pid == 0) {
		struct ch_error ce;
		char want[64];

		ch_error_clear(&ce);
		snprintf(want, sizeof want, "already running (pid %ld)",
			 (long)getppid());
		_exit(ch_lock_dir(dir, &ce) < 0 && strstr(ce.text, want) ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	close(fd);
	/* released: the next one takes it */
	ch_error_clear(&e);
	fd = ch_lock_dir(dir, &e);
	ck_assert_int_ge(fd, 0);
	close(fd);
	{
		char *l = ch_xasprintf("%s/.lock", dir);

		unlink(l);
		free(l);
	}
	rmdir(dir);
}
END_TEST

START_TEST(test_path_swap_end)
{
	char *p = ch_path_swap_end("logs/c/2026-12-01.state.json", ".state.json",
				   ".control.json");

	ck_assert_str_eq(p, "logs/c/2026-12-01.control.json");
	free(p);
	p = ch_path_swap_end("a.state.json", ".state.json", ".mastodon.state.json");
	ck_assert_str_eq(p, "a.mastodon.state.json");
	free(p);
	/* a rehearsal's archived state, a shorter name: not one */
	ck_assert_ptr_null(ch_path_swap_end("a.state.json.2", ".state.json", ".x"));
	ck_assert_ptr_null(ch_path_swap_end("json", ".state.json", ".x"));
}
END_TEST

/* Only web addresses are links: what a participant's facet or a server's
 * href can carry is refused at capture (issue 30, item 1). */
START_TEST(test_handle_same)
{
	ck_assert(ch_handle_same("@ICMI", "icmi", NULL));
	ck_assert(ch_handle_same("ana.bsky.social", "@Ana.bsky.social", ""));
	ck_assert(!ch_handle_same("ana", "anna", NULL));
	{
		char b[64];

		ck_assert_str_eq(ch_handle_local("@care@EV.example", "ev.example", b, sizeof b), "care");
		ck_assert_str_eq(ch_handle_local("care@other.example", "ev.example", b, sizeof b),
				 "care@other.example");
		ck_assert_str_eq(ch_handle_local("@care", "ev.example", b, sizeof b), "care");
		ck_assert_str_eq(ch_handle_local("care@ev.example", NULL, b, sizeof b), "care@ev.example");
	}
	/* no home: a full and a bare handle differ */
	ck_assert(!ch_handle_same("care", "care@ev.example", NULL));
	ck_assert(ch_handle_same("care", "care@EV.example", "ev.example"));
	ck_assert(ch_handle_same("@care@ev.example", "CARE", "ev.example"));
	ck_assert(!ch_handle_same("care@evil.example", "care", "ev.example"));
	ck_assert(!ch_handle_same("care@ev.example", "carey@ev.example", "ev.example"));
	ck_assert(!ch_handle_same(NULL, "care", "ev.example"));
	ck_assert(!ch_handle_same("", "care", "ev.example"));
	/* snac on a port of its own writes it in the account */
	ck_assert(ch_handle_same("bob", "bob@127.0.0.1:47461", "127.0.0.1:47461"));
	ck_assert(!ch_handle_same("bob", "bob@127.0.0.1:47461", "127.0.0.1"));
}
END_TEST

START_TEST(test_url_is_web)
{
	static const char *const good[] = {
		"https://example.com", "http://example.com/a?b=1#c", "HTTPS://EXAMPLE.COM/",
		"https://a.example/<img/src=x>", "https://user@host.example/", NULL};
	static const char *const bad[] = {
		"javascript:alert(1)", "JAVASCRIPT://%0aalert(1)", "data:text/html,x",
		"https://", "http:///path", "https://?q", "https://#f", "https://:80/",
		"https://a.example/\x1b[2J", "https://a b.example/", "https://a\\b/",
		"vbscript:x", "ftp://a.example/", "//a.example/", "", NULL};
	size_t i;

	for (i = 0; good[i]; i++)
		ck_assert_msg(ch_url_is_web(good[i], strlen(good[i])), "%s", good[i]);
	for (i = 0; bad[i]; i++)
		ck_assert_msg(!ch_url_is_web(bad[i], strlen(bad[i])), "%s", bad[i]);
	ck_assert(!ch_url_is_web(NULL, 0));
	/* the length is the address's: what follows is not read */
	ck_assert(ch_url_is_web("https://a.example javascript:", 17));
}
END_TEST

START_TEST(test_links_add_web_only_bounded)
{
	char *links = NULL, url[64];
	int i;

	ch_links_add(&links, "javascript:alert(document.cookie)");
	ch_links_add(&links, "data:text/html,<script>alert(1)</script>");
	ck_assert_ptr_null(links);
	ch_links_add(&links, "https://a.example/x");
	ch_links_add(&links, "https://a.example/x");
	ck_assert_str_eq(links, "https://a.example/x");
	/* 40,000 links in one post: the list stops at its bound */
	for (i = 0; i < 40000; i++) {
		snprintf(url, sizeof url, "https://h%d.example/", i);
		ch_links_add(&links, url);
	}
	ck_assert_uint_le(strlen(links), CH_LINKS_MAX_BYTES);
	ck_assert_uint_gt(strlen(links), CH_LINKS_MAX_BYTES - 64);
	free(links);
}
END_TEST

START_TEST(test_strip_controls)
{
	char *s = ch_strip_controls("Mal\x1b[2J\x1b]0;t\x07 \xc2\x9b" "31m\r\nok\tyes\x7f \xc3\xa9", true);

	ck_assert_str_eq(s, "Mal[2J]0;t 31m\nok\tyes \xc3\xa9");
	free(s);
	s = ch_strip_controls("a\nb\tc", false);
	ck_assert_str_eq(s, "a b c");
	free(s);
	ck_assert_ptr_null(ch_strip_controls(NULL, true));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("common");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_path_resolve);
	tcase_add_test(tc, test_error_first_wins);
	tcase_add_test(tc, test_diags_sorted);
	tcase_add_test(tc, test_buf);
	tcase_add_test(tc, test_read_file_cap);
	tcase_add_test(tc, test_regular_only);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_path_swap_end);
	tcase_add_test(tc, test_url_is_web);
	tcase_add_test(tc, test_handle_same);
	tcase_add_test(tc, test_links_add_web_only_bounded);
	tcase_add_test(tc, test_strip_controls);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
