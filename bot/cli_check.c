/* cli_check.c - chathost check: every chat-day risk of a schedule, days
 * ahead. Errors (exit 1) and warnings (the file works, but probably not
 * as meant) are printed as FILE:LINE: message. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chtime.h"
#include "cli.h"
#include "plan.h"
#include "poll.h"
#include "schedule.h"
#include "topic.h"

/* How far ahead the topic files of the coming chats are checked. */
#define CHECK_DAYS 31

static const char check_usage[] =
	"usage: chathost check [--now ISO8601] [--online] SCHEDULE [TOPIC...]\n"
	"  Validates the schedule and every problem a chat day would meet:\n"
	"  with no TOPIC, the topic files of the chats of the coming month\n"
	"  (the next chat's must exist), topic files whose name is not their\n"
	"  date, the credentials file, the topics and logs folders; else each\n"
	"  TOPIC. Prints every problem as FILE:LINE: message, warnings as\n"
	"  FILE:LINE: warning: message. Exit 1 if there is an error.\n"
	"  --now ISO8601     check as if it were this instant (with its offset)\n"
	"  --online          also ask X who the account is\n";

struct check {
	const struct ch_schedule *s;
	time_t now;
	struct ch_diags d; /* errors */
	struct ch_diags w; /* warnings */
};

/* The poll's timing as of now: a post_at already past is posted at once
 * by run (a warning); an extra votes file that is not there is an error. */
static void check_poll_timing(struct check *k, const struct ch_topic *t)
{
	time_t at;
	char buf[32];
	struct tm tm;

	if (!t->has_poll)
		return;
	if (t->poll.extra_votes && access(t->poll.extra_votes, F_OK) != 0)
		ch_diags_add(&k->w, t->path, t->poll.extra_votes_line,
			     "poll.extra_votes %s does not exist yet: it is read when the poll closes; write it by then (label,votes lines) or remove the setting",
			     t->poll.extra_votes);
	if (ch_poll_post_at(&t->poll, k->s->timezone, &at) == 0 && at < k->now) {
		ch_utc_to_local(k->s->timezone, at, &tm, NULL);
		strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
		ch_diags_add(&k->w, t->path, t->poll.post_at_line,
			     "poll.post_at %s (%s) is past: run posts the poll as soon as it starts; set a later time or post it now with chathost poll post",
			     buf, k->s->timezone);
	}
}

/* Checks one topic file against the schedule. Returns 0 if valid. */
static int check_topic_file(struct check *k, const char *path)
{
	struct ch_topic t = {0};
	size_t i, before = k->d.n;

	if (ch_topic_load(&t, path, &k->d) == 0) {
		ch_plan_check_topic(&t, k->s, &k->d);
		if (t.has_poll)
			ch_poll_check(k->s, &t, &k->d);
		for (i = 0; i < t.n_candidates; i++) {
			struct ch_plan p;

			size_t j;

			ch_plan_build(&p, k->s, &t.candidates[i], t.path,
				      t.date, &k->d);
			for (j = 0; j < p.warnings.n; j++)
				ch_diags_add_error(&k->w, &p.warnings.items[j]);
			ch_plan_free(&p);
		}
		check_poll_timing(k, &t);
	}
	for (i = 0; i < t.warnings.n; i++)
		ch_diags_add_error(&k->w, &t.warnings.items[i]);
	ch_topic_free(&t);
	return k->d.n > before ? -1 : 0;
}

/* The topic files of the chats of the coming month: the next chat's must
 * exist; every one that exists must be valid. */
/* Members abroad: a chat of the month whose time in one of also_zones is
 * not its usual one (the weeks between two countries' clock changes). */
static void check_also(struct check *k, const char *date, time_t start)
{
	size_t i;

	for (i = 0; i < k->s->n_also_zones; i++) {
		long usual = ch_schedule_also_usual(k->s, i, start);
		long off = ch_schedule_also_offset(k->s, i, start);
		struct tm tm;
		char at[16], was[16];
		time_t u = start + usual - off;

		if (off == usual)
			continue;
		ch_utc_to_local(k->s->also_zones[i], start, &tm, NULL);
		strftime(at, sizeof at, "%H:%M", &tm);
		ch_utc_to_local(k->s->also_zones[i], u, &tm, NULL);
		strftime(was, sizeof was, "%H:%M", &tm);
		ch_diags_add(&k->w, k->s->path, k->s->line_also_zones,
			     "the chat on %s is at %s in %s, not %s as usual (the clocks change there on another date): tell the members there",
			     date, at, k->s->also_zones[i], was);
	}
}

static void check_month(struct check *k)
{
	time_t from = k->now, start;
	char date[11];
	int n;

	for (n = 0; n < 6; n++) {
		char *path;

		if (ch_schedule_next(k->s, from, date, &start) < 0 ||
		    start > k->now + CHECK_DAYS * 86400)
			break;
		check_also(k, date, start);
		path = ch_topic_path(k->s->topics_dir, date);
		if (access(path, F_OK) != 0) {
			if (n == 0)
				ch_diags_add(&k->d, path, 0,
					     "the next chat (%s) has no topic file: write it",
					     date);
		} else if (check_topic_file(k, path) == 0) {
			printf("%s: ok\n", path);
		}
		free(path);
		from = start + (time_t)k->s->duration * 60 + 1;
	}
}

/* Topic files that run never reads: a file whose name is not the date it
 * holds (topics/dec1.conf dated 2026-12-01). */
static void check_names(struct check *k)
{
	DIR *dp = opendir(k->s->topics_dir);
	struct dirent *de;

	while (dp && (de = readdir(dp)) != NULL) {
		size_t n = strlen(de->d_name);
		struct ch_diags quiet = {0};
		struct ch_topic t = {0};
		char *path;
		int y, m, d;

		if (n < 6 || strcmp(de->d_name + n - 5, ".conf") != 0 ||
		    (n == 15 && de->d_name[4] == '-' && de->d_name[7] == '-'))
			continue;
		path = ch_xasprintf("%s/%s", k->s->topics_dir, de->d_name);
		if (ch_topic_load(&t, path, &quiet) == 0 &&
		    ch_parse_date(t.date, &y, &m, &d) == 0)
			ch_diags_add(&k->w, path, t.date_line,
				     "this file holds the chat of %s, but run reads only %s.conf for it: rename the file to %s.conf",
				     t.date, t.date, t.date);
		ch_topic_free(&t);
		ch_diags_free(&quiet);
		free(path);
	}
	if (dp)
		closedir(dp);
}

/* A folder the schedule names (topics or logs): there (the logs folder
 * is created by run when missing), a folder, writable for the logs.
 * Returns 0 or -1 (said). */
static int check_folder(struct check *k, const char *dir, const char *key,
			int line, bool logs)
{
	struct stat sb;
	const char *where = line ? "" : " (the default: set it in the schedule)";
	size_t before = k->d.n;

	if (stat(dir, &sb) != 0) {
		if (!logs || errno != ENOENT)
			ch_diags_add(&k->d, k->s->path, line,
				     "%s folder %s: %s%s", key, dir,
				     strerror(errno), where);
	} else if (!S_ISDIR(sb.st_mode)) {
		ch_diags_add(&k->d, k->s->path, line,
			     "%s folder %s is not a folder (it is a file)%s",
			     key, dir, where);
	} else if (logs && access(dir, W_OK | X_OK) != 0) {
		ch_diags_add(&k->d, k->s->path, line,
			     "%s folder %s is not writable: %s%s", key, dir,
			     strerror(errno), where);
	} else if (logs && ch_dir_is_shared(dir)) {
		ch_diags_add(&k->w, k->s->path, line,
			     "%s folder %s is writable by other users: one of them could plant a link where chathost writes (chmod go-w it)%s",
			     key, dir, where);
	}
	return k->d.n > before ? -1 : 0;
}

/* The credentials file of network n (if the schedule names one): there,
 * mode 0600, the keys it needs; --online: who the account is. */
static void check_net_creds(struct check *k, const struct ch_schedule_net *n,
			    bool online)
{
	const struct ch_net_ops *ops = ch_net_find(n->name);
	struct ch_error err;
	struct ch_net x;
	struct ch_net_conf conf;
	char id[CH_NET_ID_MAX], user[160];

	ch_error_clear(&err);
	if (!ops)
		return;
	if (!n->credentials && !online) {
		/* what run would stop on: said ahead of the chat */
		if (!getenv(ops->env_probe))
			ch_diags_add(&k->w, k->s->path, 0,
				     "no credentials for %s: name a credentials file in the schedule or set %s in run's environment (run stops without them)",
				     ops->title, ops->env_names);
		return;
	}
	if (n->credentials && !online && access(n->credentials, F_OK) != 0 &&
	    errno == ENOENT && !getenv(ops->env_probe)) {
		ch_diags_add(&k->w, k->s->path, n->line_credentials,
			     "the credentials file %s does not exist: run needs it unless %s are set in its environment",
			     n->credentials, ops->env_names);
		return;
	}
	if (!online) {
		if (ops->check_credentials(n->credentials, &err) < 0)
			ch_diags_add_error(&k->d, &err);
		return;
	}
	if (ch_net_open_named(&x, ops->name, ch_schedule_net_conf(k->s, n, &conf),
			      &err) < 0) {
		ch_diags_add_error(&k->d, &err);
		return;
	}
	if (ch_net_whoami(&x, 0, NULL, id, sizeof id, user, sizeof user,
			  &err) == 0)
		printf("%s: the account is @%s (id %s)\n", ops->title, user, id);
	else
		ch_diags_add(&k->d, ops->title, 0, "%s", err.text);
	ch_net_close(&x);
}

/* Every network's credentials. */
static void check_creds(struct check *k, bool online)
{
	size_t i;

	for (i = 0; i < k->s->n_nets; i++)
		check_net_creds(k, &k->s->nets[i], online);
}

/* The watch's read on X is one search query: X takes at most 512
 * characters. */
static void check_watch_query(struct check *k)
{
	const struct ch_watch *w = &k->s->watch;
	const char *men[CH_WATCH_MAX], *auth[CH_WATCH_MAX];
	struct ch_net_read r;
	const struct ch_net_ops *x = ch_net_find("x");
	char *q;

	if (!w->on || !x || !ch_schedule_net(k->s, "x"))
		return;
	memset(&r, 0, sizeof r);
	r.tags = (const char *const *)w->hashtags;
	r.n_tags = w->n_hashtags;
	r.mentions = men;
	r.n_mentions = ch_watch_handles(w->accounts, w->n_accounts, "x", men,
					CH_WATCH_MAX);
	r.authors = auth;
	r.n_authors = ch_watch_handles(w->staff, w->n_staff, "x", auth,
				       CH_WATCH_MAX);
	q = x->describe(&r);
	if (strlen(q) > 512)
		ch_diags_add(&k->d, k->s->path, w->line,
			     "the watch's search on X is %zu characters long (X takes at most 512): watch fewer accounts, hashtags or staff there",
			     strlen(q));
	free(q);
}

/* Prints the errors, then the warnings (each sorted by file and line). */
static void print_all(struct check *k)
{
	size_t i;

	ch_diags_print(&k->d, stderr);
	ch_diags_sort(&k->w);
	for (i = 0; i < k->w.n; i++) {
		struct ch_error *e = &k->w.items[i];

		if (e->line > 0)
			fprintf(stderr, "%s:%d: warning: %s\n", e->source,
				e->line, e->text);
		else
			fprintf(stderr, "%s: warning: %s\n", e->source, e->text);
	}
}

int ch_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{"now", required_argument, NULL, 'n'},
		{"online", no_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ch_schedule s = {0};
	struct check k;
	bool online = false;
	int c, i, rc = CH_EXIT_OK;

	memset(&k, 0, sizeof k);
	k.now = time(NULL);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'n') {
			if (ch_parse_now(check_usage, "check", optarg, &k.now))
				return CH_EXIT_USAGE;
		} else if (c == 'o') {
			online = true;
		} else if (c == 'h') {
			fputs(check_usage, stdout);
			return CH_EXIT_OK;
		} else {
			return ch_bad_option(check_usage, "check", "h", argv);
		}
	}
	if (optind >= argc)
		return ch_usage_error(check_usage, "check: missing SCHEDULE");
	k.s = &s;
	if (ch_schedule_load(&s, argv[optind], &k.d) < 0) {
		/* topic checks need a valid schedule; still parse the topics
		 * on their own so that every problem is reported at once */
		for (i = optind + 1; i < argc; i++) {
			struct ch_topic t = {0};

			ch_topic_load(&t, argv[i], &k.d);
			ch_topic_free(&t);
		}
		rc = CH_EXIT_INPUT;
		goto cleanup;
	}
	printf("%s: ok\n", s.path);
	ch_schedule_warnings(&s, &k.w);
	check_watch_query(&k);
	check_folder(&k, s.logs_dir, "logs", s.line_logs, true);
	check_creds(&k, online);
	if (!s.chat)
		printf("%s: a care watch only (no weekday and time: no chat)\n",
		       s.path);
	if (optind + 1 == argc && s.chat &&
	    check_folder(&k, s.topics_dir, "topics", s.line_topics, false) == 0) {
		check_month(&k);
		check_names(&k);
	}
	for (i = optind + 1; i < argc; i++)
		if (check_topic_file(&k, argv[i]) == 0)
			printf("%s: ok\n", argv[i]);
	if (k.d.n)
		rc = CH_EXIT_INPUT;
cleanup:
	fflush(stdout);
	print_all(&k);
	ch_diags_free(&k.d);
	ch_diags_free(&k.w);
	ch_schedule_free(&s);
	return rc;
}
