/* cli_control.c - chathost pause|resume|cancel: a content manager's
 * decision about one chat, written for the service (control.h). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chtime.h"
#include "cli.h"
#include "clock.h"
#include "control.h"
#include "lock.h"
#include "log.h"
#include "plan.h"
#include "schedule.h"
#include "state.h"

static const char control_usage[] =
	"usage: chathost pause|resume|cancel [--date YYYY-MM-DD] [--rehearse]\n"
	"                [--notice TEXT] [--now ISO8601] SCHEDULE\n"
	"  pause     the chat posts nothing until resumed (the answers are still\n"
	"            captured); posts that fall past late_limit meanwhile are\n"
	"            skipped and listed\n"
	"  resume    the chat goes on\n"
	"  cancel    the chat posts nothing more, nor its poll; --notice TEXT\n"
	"            posts TEXT (with the hashtag) once on every network\n"
	"  The chat in progress or the next one, or --date's; --rehearse: the\n"
	"  rehearsal's. A running service obeys within seconds.\n";

/* Who ran the command (the log and the report name them). */
static const char *user_name(void)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *sudo = getenv("SUDO_USER");

	if (sudo && *sudo)
		return sudo;
	if (pw && pw->pw_name)
		return pw->pw_name;
	return getenv("USER") ? getenv("USER") : "?";
}

/* The chat's date: --date's (on the schedule's weekday), else the chat
 * in progress or the next one. Returns 0 or an exit status (said). */
static int chat_date(const struct ch_schedule *s, const char *given,
		     time_t now, char *date)
{
	time_t start;
	int y, m, d;

	if (given) {
		if (ch_parse_date(given, &y, &m, &d) < 0 ||
		    ch_schedule_start(s, y, m, d, &start) < 0)
			return ch_usage_error(control_usage,
					      "--date %s: not a date (YYYY-MM-DD)",
					      given);
		if (ch_weekday(y, m, d) != s->weekday) {
			fprintf(stderr,
				"chathost: --date %s is a %s, but the chat %s is on %ss\n",
				given, ch_weekday_name(ch_weekday(y, m, d)),
				s->name, ch_weekday_name(s->weekday));
			return CH_EXIT_INPUT;
		}
		snprintf(date, 11, "%s", given);
		return 0;
	}
	if (ch_schedule_next(s, now - (time_t)(s->duration + s->capture_after) * 60,
			     date, &start) < 0) {
		fprintf(stderr, "chathost: cannot compute the next chat\n");
		return CH_EXIT_INPUT;
	}
	return 0;
}

/* A done chat cannot be decided about any more. */
static bool chat_over(const struct ch_schedule *s, const char *date,
		      bool rehearsal)
{
	char *path = ch_chat_state_path(s, date, rehearsal);
	json_t *st = json_load_file(path, 0, NULL);
	bool done = json_is_true(json_object_get(st, "done"));

	json_decref(st);
	free(path);
	return done;
}

/* --notice must fit in a post on every network, with the hashtag. */
static int notice_ok(const struct ch_schedule *s, const char *notice)
{
	struct ch_diags d = {0};
	char *text = ch_plan_with_hashtag(notice, s->hashtag);
	int rc = 0;

	ch_plan_check_nets(s, text, "the notice", "the notice (with the hashtag)",
			   "--notice", 0, false, &d);
	if (d.n) {
		size_t i;

		for (i = 0; i < d.n; i++)
			fprintf(stderr, "chathost: --notice: %s\n", d.items[i].text);
		rc = CH_EXIT_INPUT;
	}
	ch_diags_free(&d);
	free(text);
	return rc;
}

/* Wakes the service hosting the chat, if one runs. */
static void tell_service(const struct ch_schedule *s, bool rehearsal)
{
	char *dir = ch_chat_dir(s, rehearsal);
	long pid = ch_lock_holder(dir);

	if (pid > 0 && kill((pid_t)pid, SIGHUP) == 0)
		printf("  the service (pid %ld) was told and obeys within seconds\n",
		       pid);
	else if (pid > 0)
		printf("  the service (pid %ld) could not be told (%s): it reads the decision before its next post\n",
		       pid, strerror(errno));
	else
		printf("  no service is running for it: chathost run obeys when it starts\n");
	free(dir);
}

static int control_main(const char *action, int argc, char **argv)
{
	static const struct option opts[] = {
		{"date", required_argument, NULL, 'd'},
		{"rehearse", no_argument, NULL, 'r'},
		{"notice", required_argument, NULL, 'N'},
		{"now", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ch_schedule s = {0};
	struct ch_diags d = {0};
	struct ch_error err;
	const char *given = NULL, *notice = NULL;
	bool rehearsal = false;
	time_t now = time(NULL);
	char date[11], *path = NULL;
	int c, rc = CH_EXIT_INPUT;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'd')
			given = optarg;
		else if (c == 'r')
			rehearsal = true;
		else if (c == 'N')
			notice = optarg;
		else if (c == 'n') {
			if (ch_parse_now(control_usage, action, optarg, &now))
				return CH_EXIT_USAGE;
		} else if (c == 'h') {
			fputs(control_usage, stdout);
			return CH_EXIT_OK;
		} else {
			return ch_bad_option(control_usage, action, "h", argv);
		}
	}
	if (argc - optind != 1)
		return ch_usage_error(control_usage, "%s: give one SCHEDULE file",
				      action);
	if (notice && strcmp(action, "cancel") != 0)
		return ch_usage_error(control_usage, "%s: --notice is for cancel",
				      action);
	ch_log_setup(CH_LOG_ERROR, NULL);
	if (ch_schedule_load(&s, argv[optind], &d) < 0 ||
	    ch_schedule_need_chat(&s, action) < 0) {
		ch_diags_print(&d, stderr);
		goto cleanup;
	}
	rc = chat_date(&s, given, now, date);
	if (rc != 0)
		goto cleanup;
	rc = CH_EXIT_INPUT;
	if (notice && notice_ok(&s, notice))
		goto cleanup;
	if (chat_over(&s, date, rehearsal)) {
		fprintf(stderr, "chathost %s: the %s chat on %s is over\n", action,
			s.hashtag, date);
		goto cleanup;
	}
	path = ch_chat_control_path(&s, date, rehearsal);
	{
		char *dir = ch_dirname(path);

		if (ch_mkdir_p(dir) < 0) {
			fprintf(stderr, "chathost: %s: cannot create the folder: %s\n",
				dir, strerror(errno));
			free(dir);
			goto cleanup;
		}
		free(dir);
	}
	ch_error_clear(&err);
	c = ch_control_apply(path, date, action, user_name(), ch_clock_now(),
			     notice, &err);
	if (c < 0) {
		fprintf(stderr, "chathost %s: %s%s%s\n", action,
			err.source[0] ? err.source : "",
			err.source[0] ? ": " : "", err.text);
		goto cleanup;
	}
	if (c == 1) {
		printf("the %s chat on %s: %s; nothing changed\n", s.hashtag,
		       date, err.text);
		rc = CH_EXIT_OK;
		goto cleanup;
	}
	printf("the %s chat on %s%s is %s (by %s)\n", s.hashtag, date,
	       rehearsal ? " (rehearsal)" : "",
	       strcmp(action, "pause") == 0 ? "paused"
	       : strcmp(action, "resume") == 0 ? "resumed" : "cancelled",
	       user_name());
	tell_service(&s, rehearsal);
	rc = CH_EXIT_OK;
cleanup:
	free(path);
	ch_diags_free(&d);
	ch_schedule_free(&s);
	return rc;
}

int ch_cmd_pause(int argc, char **argv)
{
	return control_main("pause", argc, argv);
}

int ch_cmd_resume(int argc, char **argv)
{
	return control_main("resume", argc, argv);
}

int ch_cmd_cancel(int argc, char **argv)
{
	return control_main("cancel", argc, argv);
}
