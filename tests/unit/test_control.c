/* test_control.c - the control file of one chat (control.h): a missing
 * file is a running chat; pause, resume and cancel move between the
 * states and append who decided and when; what changes nothing says so;
 * a cancelled chat stays cancelled; an unreadable file is an error that
 * leaves the chat running; the file is replaced whole. */
#include <check.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"

static char dir[] = "/tmp/chathost-control-XXXXXX";
static char path[256];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/2026-12-08.control.json", dir);
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(dir, sizeof dir, "/tmp/chathost-control-XXXXXX");
}

static enum ch_control_state state_now(size_t *n_events)
{
	struct ch_control c;
	struct ch_error err;
	enum ch_control_state st;

	ch_error_clear(&err);
	ck_assert_int_eq(ch_control_read(&c, path, &err), 0);
	st = c.state;
	*n_events = json_array_size(c.events);
	ch_control_free(&c);
	return st;
}

START_TEST(test_missing_is_running)
{
	size_t n = 9;

	ck_assert_int_eq(state_now(&n), CH_CTL_RUNNING);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_pause_resume)
{
	struct ch_error err;
	struct ch_control c;
	json_t *ev;
	size_t n;

	ch_error_clear(&err);
	ck_assert_int_eq(ch_control_apply(path, "2026-12-08", "pause", "ana",
					  1796148450.25, NULL, &err), 0);
	ck_assert_int_eq(state_now(&n), CH_CTL_PAUSED);
	ck_assert_uint_eq(n, 1);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_control_apply(path, "2026-12-08", "pause", "bo",
					  1796148460, NULL, &err), 1);
	ck_assert_ptr_nonnull(strstr(err.text, "paused already"));
	ck_assert_int_eq(state_now(&n), CH_CTL_PAUSED);
	ck_assert_uint_eq(n, 1); /* nothing changed, nothing appended */
	ch_error_clear(&err);
	ck_assert_int_eq(ch_control_apply(path, "2026-12-08", "resume", "bo",
					  1796148470, NULL, &err), 0);
	ck_assert_int_eq(ch_control_read(&c, path, &err), 0);
	ck_assert_int_eq(c.state, CH_CTL_RUNNING);
	ck_assert_uint_eq(json_array_size(c.events), 2);
	ev = json_array_get(c.events, 0);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "by")), "ana");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "action")), "pause");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "at")),
			 "2026-12-01T18:07:30.250Z");
	ev = json_array_get(c.events, 1);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "by")), "bo");
	ch_control_free(&c);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_control_apply(path, "2026-12-08", "resume", "bo",
					  1796148480, NULL, &err), 1);
}
END_TEST

START_TEST(test_cancel_is_final)
{
	struct ch_error err;
	struct ch_control c;
	size_t n;

	ch_error_clear(&err);
	ck_assert_int_eq(ch_control_apply(path, "2026-12-08", "pause", "ana",
					  1796148450, NULL, &err), 0);
	ck_assert_int_eq(ch_control_apply(path, "2026-12-08", "cancel", "ana",
					  1796148460, "No chat today", &err), 0);
	ck_assert_int_eq(ch_control_read(&c, path, &err), 0);
	ck_assert_int_eq(c.state, CH_CTL_CANCELLED);
	ck_assert_str_eq(c.notice, "No chat today");
	ch_control_free(&c);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_control_apply(path, "2026-12-08", "resume", "bo",
					  1796148470, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "cannot be resumed"));
	ch_error_clear(&err);
	ck_assert_int_eq(ch_control_apply(path, "2026-12-08", "pause", "bo",
					  1796148470, NULL, &err), -1);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_control_apply(path, "2026-12-08", "cancel", "bo",
					  1796148470, NULL, &err), 1);
	ck_assert_int_eq(state_now(&n), CH_CTL_CANCELLED);
	ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(test_unreadable)
{
	struct ch_error err;
	struct ch_control c;
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs("{\"state\": \"paused\", ", fp); /* torn */
	fclose(fp);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_control_read(&c, path, &err), -1);
	ck_assert_int_eq(c.state, CH_CTL_RUNNING);
	ck_assert_ptr_nonnull(strstr(err.text, "not a control file"));
	ch_control_free(&c);
	/* a decision is refused rather than built on a file it cannot read */
	ch_error_clear(&err);
	ck_assert_int_eq(ch_control_apply(path, "2026-12-08", "pause", "ana",
					  1796148450, NULL, &err), -1);
	unlink(path);
	ch_error_clear(&err);
	ck_assert_int_eq(ch_control_apply(path, "2026-12-08", "dance", "ana",
					  1796148450, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "unknown action"));
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(ch_control_state_name(CH_CTL_RUNNING), "running");
	ck_assert_str_eq(ch_control_state_name(CH_CTL_PAUSED), "paused");
	ck_assert_str_eq(ch_control_state_name(CH_CTL_CANCELLED), "cancelled");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_missing_is_running);
	tcase_add_test(tc, test_pause_resume);
	tcase_add_test(tc, test_cancel_is_final);
	tcase_add_test(tc, test_unreadable);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
