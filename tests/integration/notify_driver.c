/* notify_driver.c - drives ch_notify_check_topic at a rehearsed instant,
 * standing in for the host loop (bot/host.c) in notify_webhook.py.
 *
 *   notify_driver SCHEDULE DATE OFFSET DONE
 *
 * OFFSET: seconds relative to the chat's start (negative = before it);
 * DONE: the mask of warn_before offsets already checked. Prints
 * "rc=R done=D next=N" (N: the next due instant relative to the start, in
 * seconds, or "none") and exits 0, or exits 2 on a usage or schedule
 * error. Log lines go to stderr as in chathost. */
#include <stdio.h>
#include <stdlib.h>

#include "chtime.h"
#include "log.h"
#include "notify.h"
#include "schedule.h"

int main(int argc, char **argv)
{
	struct ch_schedule s = {0};
	struct ch_diags d = {0};
	struct ch_error err;
	int y, m, day, rc, status = 2;
	time_t start, now, next;
	unsigned done;

	if (argc != 5) {
		fprintf(stderr, "usage: notify_driver SCHEDULE DATE OFFSET DONE\n");
		return 2;
	}
	if (ch_schedule_load(&s, argv[1], &d) != 0) {
		ch_diags_print(&d, stderr);
		goto cleanup;
	}
	ch_log_setup(CH_LOG_INFO, s.name);
	if (ch_parse_date(argv[2], &y, &m, &day) != 0 ||
	    ch_schedule_start(&s, y, m, day, &start) != 0) {
		fprintf(stderr, "notify_driver: bad date %s\n", argv[2]);
		goto cleanup;
	}
	now = start + strtol(argv[3], NULL, 10);
	done = (unsigned)strtoul(argv[4], NULL, 10);
	ch_error_clear(&err);
	rc = ch_notify_check_topic(&s, argv[2], start, now, &done, &err);
	if (rc < 0)
		fprintf(stderr, "notify_driver: ");
	if (rc < 0)
		ch_error_print(&err, stderr);
	next = ch_notify_next(&s, start, now, done);
	if (next)
		printf("rc=%d done=%u next=%ld\n", rc, done,
		       (long)(next - start));
	else
		printf("rc=%d done=%u next=none\n", rc, done);
	status = 0;
cleanup:
	ch_diags_free(&d);
	ch_schedule_free(&s);
	return status;
}
