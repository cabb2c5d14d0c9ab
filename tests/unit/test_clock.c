/* test_clock.c - the one clock: now, sleeping until an instant (cut short
 * by a stop test), a rehearsal's timeline. */
#include <check.h>
#include <stdbool.h>

#include "clock.h"

static int asks;

static bool stop_now(void)
{
	asks++;
	return true;
}

START_TEST(test_sleep_until)
{
	double t0 = ch_clock_now();

	/* an instant 50 ms ahead: reached, not before it */
	ck_assert_int_eq(ch_clock_sleep_until(t0 + 0.05, 300, NULL), 0);
	ck_assert(ch_clock_now() >= t0 + 0.05);
	/* an instant in the past: at once */
	ck_assert_int_eq(ch_clock_sleep_until(t0 - 10, 300, NULL), 0);
	/* a stop test that says stop: at once, asked before any sleep */
	asks = 0;
	t0 = ch_clock_now();
	ck_assert_int_eq(ch_clock_sleep_until(t0 + 60, 300, stop_now), 1);
	ck_assert_int_eq(asks, 1);
	ck_assert(ch_clock_now() - t0 < 1.0);
}
END_TEST

START_TEST(test_timeline)
{
	struct ch_timeline real = {1000.0, 1000, 1.0};
	struct ch_timeline rehearsal = {5000.5, 1800000000, 60.0};

	ck_assert(ch_timeline_real(&real, 1600) == 1600.0);
	/* an hour of chat time is a minute of a 60x rehearsal */
	ck_assert(ch_timeline_real(&rehearsal, 1800000000 + 3600) == 5060.5);
	ck_assert(ch_timeline_real(&rehearsal, 1800000000 - 600) == 4990.5);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sleep_until);
	tcase_add_test(tc, test_timeline);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
