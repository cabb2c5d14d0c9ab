/* cli_status.c - chathost status: what the service is doing and will do,
 * read from the files and the chats' states; it never posts (issue 19,
 * first part). */
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chtime.h"
#include "control.h"
#include "cli.h"
#include "lock.h"
#include "log.h"
#include "notify.h"
#include "poll.h"
#include "schedule.h"
#include "state.h"
#include "topic.h"
#include "net/net.h"

static const char status_usage[] =
	"usage: chathost status [--json] [--offline] [--now ISO8601] SCHEDULE\n"
	"  What the service is doing and will do: the next chat (local time and\n"
	"  UTC), its topic file and whether it passes check, the poll, per\n"
	"  network whether the account answers, the last chat's outcome. It\n"
	"  reads the files and the states; it never posts.\n"
	"  --json            for scripts\n"
	"  --offline         do not ask the networks who the account is\n"
	"  --now ISO8601     as if it were this instant\n";

/* The content manager's decision about the chat on date (control.h) into
 * o: "control" (running, paused, cancelled), with who decided and when. */
static void control_of(const struct ch_schedule *s, const char *date, json_t *o)
{
	struct ch_control c;
	struct ch_error err;
	char *path = ch_chat_control_path(s, date, false);
	json_t *last;

	ch_error_clear(&err);
	if (ch_control_read(&c, path, &err) < 0)
		json_object_set_new(o, "control_problem", json_string(err.text));
	json_object_set_new(o, "control", json_string(ch_control_state_name(c.state)));
	last = json_array_get(c.events, json_array_size(c.events) - 1);
	if (c.state != CH_CTL_RUNNING && last) {
		json_object_set(o, "control_by", json_object_get(last, "by"));
		json_object_set(o, "control_at", json_object_get(last, "at"));
	}
	if (c.notice)
		json_object_set_new(o, "notice", json_string(c.notice));
	ch_control_free(&c);
	free(path);
}

/* The next chat: date, start, topic file and whether it passes check. */
static json_t *next_chat(const struct ch_schedule *s, time_t now)
{
	json_t *o = json_object();
	char date[11], local[40], utc[40];
	struct tm tm;
	time_t start;
	char *path, *problem = NULL;

	/* a chat whose window (the hour and capture_after) holds now is the
	 * one in progress */
	if (ch_schedule_next(s, now - (time_t)(s->duration + s->capture_after) * 60,
			     date, &start) < 0)
		return o;
	if (start <= now) {
		char *sp = ch_chat_state_path(s, date, false);
		json_t *st = json_load_file(sp, 0, NULL), *p;
		const char *key;
		long made = 0;

		json_object_foreach(json_object_get(st, "posts"), key, p)
			made += ch_json_str(p, "id") != NULL;
		json_object_set_new(o, "in_progress", json_true());
		json_object_set_new(o, "posts_made", json_integer(made));
		json_decref(st);
		free(sp);
	}
	ch_utc_to_local(s->timezone, start, &tm, NULL);
	strftime(local, sizeof local, "%A %Y-%m-%d %H:%M", &tm);
	ch_format_utc(start, utc, sizeof utc);
	path = ch_topic_path(s->topics_dir, date);
	json_object_set_new(o, "date", json_string(date));
	json_object_set_new(o, "local", json_string(local));
	json_object_set_new(o, "timezone", json_string(s->timezone));
	json_object_set_new(o, "utc", json_string(utc));
	if (s->n_also_zones) {
		char also[CH_MAX_ALSO_ZONES * 64];

		ch_schedule_also_times(s, start, also, sizeof also);
		json_object_set_new(o, "also", json_string(also));
	}
	json_object_set_new(o, "in_hours", json_real((double)(start - now) / 3600.0));
	control_of(s, date, o);
	json_object_set_new(o, "topic_file", json_string(path));
	json_object_set_new(o, "topic_exists", json_boolean(access(path, F_OK) == 0));
	ch_notify_topic_problem(s, date, start, now, &problem);
	json_object_set_new(o, "topic_ok", json_boolean(problem == NULL));
	if (problem)
		json_object_set_new(o, "topic_problem", json_string(problem));
	free(problem);
	free(path);
	return o;
}

/* The next chat's poll, from its topic file and its state. */
static json_t *poll_of(const struct ch_schedule *s, const char *date)
{
	struct ch_topic t = {0};
	struct ch_diags d = {0};
	char *path = ch_topic_path(s->topics_dir, date);
	json_t *o = NULL;
	struct ch_error err;
	size_t w;
	int r;

	if (ch_topic_load(&t, path, &d) < 0 || !t.has_poll)
		goto cleanup;
	o = json_object();
	json_object_set_new(o, "text", json_string(t.poll.text ? t.poll.text : ""));
	json_object_set_new(o, "post_at", json_string(t.poll.post_at ? t.poll.post_at : ""));
	ch_error_clear(&err);
	r = ch_poll_preview_winner(s, &t, &w, &err);
	json_object_set_new(o, "decided", json_boolean(r == 1));
	if (r == 1)
		json_object_set_new(o, "winner", json_string(t.candidates[w].label));
cleanup:
	ch_topic_free(&t);
	ch_diags_free(&d);
	free(path);
	return o ? o : json_null();
}

/* Per network: whether its account answers (one look-up), unless offline. */
static json_t *nets_of(const struct ch_schedule *s, bool offline)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < s->n_nets; i++) {
		const struct ch_net_ops *ops = ch_net_find(s->nets[i].name);
		json_t *o = json_pack("{s:s}", "net", s->nets[i].name);
		struct ch_net_conf conf;
		struct ch_net n;
		struct ch_error err;
		char id[CH_NET_ID_MAX], user[160];

		ch_error_clear(&err);
		if (!offline && ops) {
			ch_schedule_net_conf(s, &s->nets[i], &conf);
			if (ch_net_open_named(&n, s->nets[i].name, &conf, &err) == 0) {
				ch_net_set_timeouts(&n, 5000, 10000);
				if (ch_net_whoami_once(&n, id, sizeof id, user,
						       sizeof user, &err) == 0)
					json_object_set_new(o, "account", json_string(user));
				ch_net_close(&n);
			}
			json_object_set_new(o, "answers", json_boolean(err.text[0] == '\0'));
			if (err.text[0])
				json_object_set_new(o, "problem", json_string(err.text));
		}
		json_array_append_new(a, o);
	}
	return a;
}

/* One network's state of a chat, added to the counts. */
struct tally {
	long made, skipped, failed, logged;
	bool done, all_done;
	char *not_hosted; /* owned or NULL */
};

static void tally_state(const char *path, struct tally *t)
{
	json_t *st = json_load_file(path, 0, NULL), *p;
	const char *key;

	if (!st)
		return;
	json_object_foreach(json_object_get(st, "posts"), key, p) {
		const char *why = ch_json_str(p, "skipped");

		t->made += ch_json_str(p, "id") != NULL;
		if (!why || ch_json_str(p, "id"))
			continue;
		t->skipped++;
		/* as decided (chathost cancel, pause): not a failure */
		t->failed += strcmp(why, "cancelled") != 0 &&
			     strcmp(why, "late (paused)") != 0;
	}
	t->logged += (long)ch_json_num(json_object_get(st, "capture"), "logged", 0);
	t->done = true;
	t->all_done = t->all_done && json_is_true(json_object_get(st, "done"));
	if (!t->not_hosted && ch_json_str(st, "not_hosted"))
		t->not_hosted = ch_xstrdup(ch_json_str(st, "not_hosted"));
	json_decref(st);
}

/* The last chat before date: its posts made and skipped, its answers, on
 * every network of the schedule (each network keeps a state of its own). */
static json_t *last_chat(const struct ch_schedule *s, const char *before)
{
	char *dir = ch_chat_dir(s, false), last[11] = "";
	DIR *d = opendir(dir);
	struct dirent *e;
	struct tally t = {0, 0, 0, 0, false, true, NULL};
	json_t *o = NULL;
	size_t i;

	while (d && (e = readdir(d)) != NULL)
		if (strlen(e->d_name) == 16 && strcmp(e->d_name + 10, ".jsonl") == 0 &&
		    strncmp(e->d_name, before, 10) < 0 && strncmp(e->d_name, last, 10) > 0)
			snprintf(last, sizeof last, "%.10s", e->d_name);
	if (d)
		closedir(d);
	if (!last[0])
		goto cleanup;
	for (i = 0; i < s->n_nets || i == 0; i++) {
		char *path = ch_chat_net_state_path(s, last, false,
						    s->n_nets ? s->nets[i].name : NULL);

		tally_state(path, &t);
		free(path);
	}
	o = json_object();
	control_of(s, last, o);
	json_object_update_new(o, json_pack("{s:s, s:I, s:I, s:b}", "date", last, "posts_made",
		      (json_int_t)t.made, "posts_skipped", (json_int_t)t.skipped,
		      "done", t.done && t.all_done));
	json_object_set_new(o, "answers_captured", json_integer((json_int_t)t.logged));
	if (t.not_hosted)
		json_object_set_new(o, "not_hosted", json_string(t.not_hosted));
	json_object_set_new(o, "outcome",
			    json_string(ch_json_str(o, "control") &&
						strcmp(ch_json_str(o, "control"), "cancelled") == 0
					? "cancelled"
					: t.not_hosted ? "not hosted"
					: t.failed ? "posts skipped (exit 3)"
					: t.done && t.all_done ? "ok" : "not finished"));
cleanup:
	free(t.not_hosted);
	free(dir);
	return o ? o : json_null();
}

/* Each network's account, as asked (or not: --offline). */
static void print_nets(json_t *o)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(o, "networks"), i, v) {
		const struct ch_net_ops *ops = ch_net_find(ch_json_str(v, "net"));
		const char *title = ops ? ops->title : ch_json_str(v, "net");

		if (!json_object_get(v, "answers"))
			printf("  %-11s (not asked: --offline)\n", title);
		else if (json_is_true(json_object_get(v, "answers")))
			printf("  %-11s @%s answers\n", title, ch_json_str(v, "account"));
		else
			printf("  %-11s DOES NOT ANSWER: %s\n", title, ch_json_str(v, "problem"));
	}
}

static void print_text(const struct ch_schedule *s, json_t *o)
{
	json_t *n = json_object_get(o, "next"), *p = json_object_get(o, "poll");
	json_t *l = json_object_get(o, "last");

	printf("%s %s\n", s->name, s->hashtag ? s->hashtag : "");
	if (json_is_true(json_object_get(n, "in_progress")))
		printf("  NOW         the chat of %s %s (%s) is on: %lld posts made\n",
		       ch_json_str(n, "local"), ch_json_str(n, "timezone"),
		       ch_json_str(n, "utc"), (long long)ch_json_num(n, "posts_made", 0));
	else
		printf("  next chat   %s %s (%s; in %.1f h)\n", ch_json_str(n, "local"),
		       ch_json_str(n, "timezone"), ch_json_str(n, "utc"),
		       ch_json_num(n, "in_hours", 0));
	if (ch_json_str(n, "also"))
		printf("  also        %s\n", ch_json_str(n, "also"));
	if (ch_json_str(n, "control") && strcmp(ch_json_str(n, "control"), "running"))
		printf("  decided     %s by %s at %s%s%s%s\n",
		       strcmp(ch_json_str(n, "control"), "paused") == 0
			       ? "PAUSED (chathost resume goes on)" : "CANCELLED",
		       ch_json_str(n, "control_by") ? ch_json_str(n, "control_by") : "?",
		       ch_json_str(n, "control_at") ? ch_json_str(n, "control_at") : "?",
		       ch_json_str(n, "notice") ? "; notice \"" : "",
		       ch_json_str(n, "notice") ? ch_json_str(n, "notice") : "",
		       ch_json_str(n, "notice") ? "\"" : "");
	if (ch_json_str(n, "control_problem"))
		printf("  decided     UNREADABLE: %s\n", ch_json_str(n, "control_problem"));
	printf("  topic       %s: %s\n", ch_json_str(n, "topic_file"),
	       json_is_true(json_object_get(n, "topic_ok")) ? "passes check"
	       : json_is_true(json_object_get(n, "topic_exists")) ? "INVALID"
								    : "MISSING");
	if (ch_json_str(n, "topic_problem"))
		printf("              %s\n", ch_json_str(n, "topic_problem"));
	if (json_is_object(p))
		printf("  poll        \"%s\", posted from %s: %s%s\n",
		       ch_json_str(p, "text"), ch_json_str(p, "post_at"),
		       json_is_true(json_object_get(p, "decided")) ? "won by " : "not decided",
		       ch_json_str(p, "winner") ? ch_json_str(p, "winner") : "");
	print_nets(o);
	if (json_is_object(l))
		printf("  last chat   %s: %s; %lld posts made, %lld skipped, %lld answers captured\n",
		       ch_json_str(l, "date"), ch_json_str(l, "outcome"),
		       (long long)ch_json_num(l, "posts_made", 0),
		       (long long)ch_json_num(l, "posts_skipped", 0),
		       (long long)ch_json_num(l, "answers_captured", 0));
	else
		printf("  last chat   (none yet)\n");
}

/* A care watch's schedule: whether its watch runs, its newest care log,
 * its networks' accounts. */
static json_t *watch_status(const struct ch_schedule *s, bool offline)
{
	char *dir = ch_xasprintf("%s/%s/care", s->logs_dir, s->name);
	char newest[17] = "";
	long pid = ch_lock_holder(dir);
	DIR *d = opendir(dir);
	struct dirent *e;
	json_t *o;

	while (d && (e = readdir(d)) != NULL)
		if (strlen(e->d_name) == 16 && strcmp(e->d_name + 10, ".jsonl") == 0 &&
		    strcmp(e->d_name, newest) > 0)
			snprintf(newest, sizeof newest, "%s", e->d_name);
	if (d)
		closedir(d);
	o = json_pack("{s:s, s:{s:s, s:b, s:o, s:o}, s:o}", "schedule", s->path,
		      "watch", "care_folder", dir, "running", pid > 0,
		      "pid", pid > 0 ? json_integer(pid) : json_null(),
		      "newest_log", newest[0] ? json_string(newest) : json_null(),
		      "networks", nets_of(s, offline));
	free(dir);
	return o;
}

static void print_watch(const struct ch_schedule *s, json_t *o)
{
	json_t *w = json_object_get(o, "watch");

	printf("%s (a care watch)\n", s->name);
	if (json_is_true(json_object_get(w, "running")))
		printf("  watch       running (pid %lld)\n",
		       (long long)json_integer_value(json_object_get(w, "pid")));
	else
		printf("  watch       NOT RUNNING: start it with chathost watch %s\n", s->path);
	if (ch_json_str(w, "newest_log"))
		printf("  care log    %s/%s\n", ch_json_str(w, "care_folder"),
		       ch_json_str(w, "newest_log"));
	else
		printf("  care log    none yet (in %s)\n", ch_json_str(w, "care_folder"));
	print_nets(o);
}

/* A chat's schedule: the next chat, its poll, the networks, the last. */
static json_t *chat_status(const struct ch_schedule *s, time_t now, bool offline)
{
	json_t *o = json_object(), *n = next_chat(s, now);

	json_object_set_new(o, "schedule", json_string(s->path));
	json_object_set_new(o, "next", n);
	json_object_set_new(o, "poll", ch_json_str(n, "date")
					       ? poll_of(s, ch_json_str(n, "date"))
					       : json_null());
	json_object_set_new(o, "networks", nets_of(s, offline));
	json_object_set_new(o, "last", last_chat(s, ch_json_str(n, "date")
							 ? ch_json_str(n, "date")
							 : "9999"));
	return o;
}

int ch_cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"offline", no_argument, NULL, 'o'},
		{"now", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ch_schedule s = {0};
	struct ch_diags d = {0};
	bool as_json = false, offline = false;
	time_t now = time(NULL);
	json_t *o = NULL;
	int c, rc = CH_EXIT_INPUT;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			as_json = true;
		else if (c == 'o')
			offline = true;
		else if (c == 'n') {
			if (ch_parse_now(status_usage, "status", optarg, &now))
				return CH_EXIT_USAGE;
		} else if (c == 'h') {
			fputs(status_usage, stdout);
			return CH_EXIT_OK;
		} else {
			return ch_bad_option(status_usage, "status", "h", argv);
		}
	}
	if (argc - optind != 1)
		return ch_usage_error(status_usage, "status: give one SCHEDULE file");
	ch_log_setup(CH_LOG_ERROR, NULL);
	if (ch_schedule_load(&s, argv[optind], &d) < 0) {
		ch_diags_print(&d, stderr);
		goto cleanup;
	}
	o = s.chat ? chat_status(&s, now, offline) : watch_status(&s, offline);
	if (as_json) {
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (s.chat) {
		print_text(&s, o);
	} else {
		print_watch(&s, o);
	}
	rc = CH_EXIT_OK;
cleanup:
	json_decref(o);
	ch_diags_free(&d);
	ch_schedule_free(&s);
	return rc;
}
