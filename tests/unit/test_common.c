/* test_common.c - errors, diagnostics, buffers and path helpers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

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

static Suite *suite(void)
{
	Suite *s = suite_create("common");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_path_resolve);
	tcase_add_test(tc, test_error_first_wins);
	tcase_add_test(tc, test_diags_sorted);
	tcase_add_test(tc, test_buf);
	tcase_add_test(tc, test_read_file_cap);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
