/* cli_poll.c - chathost poll status|post|close (crowdsourced topics). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chtime.h"
#include "clock.h"
#include "cli.h"
#include "log.h"
#include "plan.h"
#include "poll.h"
#include "replylog.h"
#include "schedule.h"
#include "state.h"
#include "topic.h"
#include "net/net.h"

static const char poll_usage[] =
	"usage: chathost poll status|post|close SCHEDULE [--date YYYY-MM-DD]\n"
	"                    [--api-base URL] [--rehearsal] [-v | -q]\n"
	"  The poll that picks the topic of a chat whose topic file holds\n"
	"  candidates and a poll (the next chat, or the chat on --date).\n"
	"  status            show the poll, its live tally (X votes + extra\n"
	"                    votes) and the candidate that would win now\n"
	"  post              post the poll now (never a second one)\n"
	"  close             decide the contest now with the votes so far\n"
	"  --date DATE       the chat on DATE instead of the next one\n"
	"  --api-base URL    use URL instead of api.base_url (https://, or\n"
	"                    http:// to a loopback address)\n"
	"  --rehearsal       the rehearsal's state (LOGS/NAME/rehearsal/)\n"
	"  -v, --verbose     trace requests (secrets redacted)\n"
	"  -q, --quiet       warnings and errors only\n"
	"Exit status: 0 ok, 1 invalid files, 2 usage, 3 network or API failure.\n";

enum action { ACT_STATUS, ACT_POST, ACT_CLOSE };

/* Everything one command needs; owned by ch_cmd_poll(). */
struct pctx {
	struct ch_schedule s;
	struct ch_topic t;
	struct ch_state st;
	struct ch_replylog *log; /* owned, NULL until open */
	struct ch_net x;
	bool state_open, have_x, rehearsal;
	const char *api_base; /* borrowed */
	char date[11];
	time_t start;         /* the chat's start */
	char *dir;            /* owned: the log folder */
};

static void fmt_local(const struct ch_schedule *s, time_t t, char *buf,
		      size_t n)
{
	struct tm tm;

	ch_utc_to_local(s->timezone, t, &tm, NULL);
	strftime(buf, n, "%Y-%m-%d %H:%M", &tm);
}

/* The poll's post_at as an instant; -1 if it cannot be computed. */
static int post_at_instant(const struct pctx *c, time_t *out)
{
	return ch_poll_post_at(&c->t.poll, c->s.timezone, out);
}

/* Sets up the X API client (credentials, base URL). Returns an exit
 * status (0 ok). */
static int need_x(struct pctx *c)
{
	struct ch_error err;
	struct ch_net_conf conf;

	if (c->have_x)
		return CH_EXIT_OK;
	ch_error_clear(&err);
	ch_schedule_net_conf(&c->s, &c->s.nets[0], &conf);
	if (c->api_base)
		conf.base_url = c->api_base;
	if (ch_net_open_named(&c->x, c->s.nets[0].name, &conf, &err) < 0) {
		ch_error_print(&err, stderr);
		return CH_EXIT_INPUT;
	}
	c->have_x = true;
	return CH_EXIT_OK;
}

/* Opens the state (and, with write, the log folder and the log). Returns
 * an exit status. */
static int open_files(struct pctx *c, bool write)
{
	struct ch_error err;
	char *path = NULL, *log_path = NULL;
	int rc = CH_EXIT_OK;

	ch_error_clear(&err);
	c->dir = ch_chat_dir(&c->s, c->rehearsal);
	path = ch_chat_state_path(&c->s, c->date, c->rehearsal);
	if (write && ch_mkdir_p(c->dir) < 0) {
		fprintf(stderr, "%s: cannot create the log folder: %s\n", c->dir,
			strerror(errno));
		rc = CH_EXIT_INPUT;
		goto cleanup;
	}
	if (ch_state_open(&c->st, path, &err) < 0) {
		ch_error_print(&err, stderr);
		rc = CH_EXIT_INPUT;
		goto cleanup;
	}
	c->state_open = true;
	if (!write)
		goto cleanup;
	log_path = ch_chat_log_path(&c->s, c->date, c->rehearsal);
	c->log = ch_replylog_open(log_path, &err);
	if (!c->log) {
		ch_error_print(&err, stderr);
		rc = CH_EXIT_INPUT;
		goto cleanup;
	}
cleanup:
	free(path);
	free(log_path);
	return rc;
}

static const char *rule_words(const char *rule)
{
	if (!rule)
		return "";
	if (strcmp(rule, "votes") == 0)
		return "most votes";
	if (strcmp(rule, "tie-first") == 0)
		return "a tie: the first listed of the tied wins (poll.tie = \"first\")";
	if (strcmp(rule, "tie-random") == 0)
		return "a tie: a random one of the tied wins (poll.tie = \"random\")";
	if (strcmp(rule, "no-votes") == 0)
		return "no votes at all: the tie rule among all candidates";
	return rule;
}


/* The real instant the poll was posted (0: not posted). */
static double poll_posted_at(const struct pctx *c)
{
	return ch_json_num(json_object_get(c->st.root, "poll"), "posted_at", 0);
}

/* When the poll closes on X: duration after it was posted (by hand or by
 * run), else after its post_at. Returns 0 or -1. */
static int poll_closes(const struct pctx *c, time_t *out)
{
	double posted = poll_posted_at(c);
	time_t at;

	if (posted > 0)
		at = (time_t)posted;
	else if (post_at_instant(c, &at) < 0)
		return -1;
	*out = at + (time_t)c->t.poll.duration * 60;
	return 0;
}

static void print_header(struct pctx *c)
{
	char *text = ch_poll_text(&c->s, &c->t);
	char when[32], chat[32];
	time_t at;

	fmt_local(&c->s, c->start, chat, sizeof chat);
	printf("poll for the %s chat on %s %s (%s)\n", c->s.name, chat,
	       c->s.timezone, c->t.path);
	printf("  text:    %s\n", text);
	if (poll_closes(c, &at) == 0) {
		fmt_local(&c->s, at, when, sizeof when);
		printf("  timing:  post_at %s, open %d minutes, closes %s%s\n",
		       c->t.poll.post_at, c->t.poll.duration, when,
		       poll_posted_at(c) > 0 ? " (from when it was posted)" : "");
	}
	if (c->t.poll.extra_votes)
		printf("  extra:   %s\n", c->t.poll.extra_votes);
	free(text);
}

static void print_row(const struct ch_topic *t, size_t i, long x, long extra,
		      bool x_known, bool mark, const char *mark_text)
{
	char xs[32];

	if (x_known)
		snprintf(xs, sizeof xs, "%ld", x);
	else
		snprintf(xs, sizeof xs, "-");
	printf("    %zu. %-25s %6s X + %ld extra = %ld%s%s\n", i + 1,
	       t->candidates[i].label ? t->candidates[i].label : "", xs, extra,
	       (x_known ? x : 0) + extra, mark ? "  <- " : "",
	       mark ? mark_text : "");
}

/* Prints a recorded decision. */
static void print_decided(struct pctx *c, size_t w)
{
	json_t *p = json_object_get(c->st.root, "poll");
	json_t *votes = json_object_get(p, "votes");
	const char *by = ch_json_str(p, "decided_by");
	const char *why = ch_json_str(p, "why");
	double at = ch_json_num(p, "decided_at", 0);
	char when[32] = "";
	size_t i;

	if (at > 0)
		fmt_local(&c->s, (time_t)at, when, sizeof when);
	if (json_is_object(votes)) {
		printf("  votes:\n");
		for (i = 0; i < c->t.n_candidates; i++) {
			json_t *v = json_object_get(votes,
						    c->t.candidates[i].label);

			print_row(&c->t, i, (long)ch_json_num(v, "x", 0),
				  (long)ch_json_num(v, "extra", 0), true,
				  i == w, "winner");
		}
	}
	printf("  decided: %zu. %s (decided_by %s; %s)%s%s\n", w + 1,
	       w < c->t.n_candidates ? c->t.candidates[w].label : "?",
	       by ? by : "?", rule_words(ch_json_str(p, "rule")),
	       when[0] ? " at " : "", when);
	if (why)
		printf("  why:     %s\n", why);
	if (w < c->t.n_candidates)
		printf("  hosted:  \"%s\"\n", c->t.candidates[w].title);
}

static void print_posted(struct pctx *c)
{
	json_t *p = json_object_get(c->st.root, "poll");
	const char *id = ch_json_str(p, "id");
	char when[32];

	if (id) {
		fmt_local(&c->s, (time_t)ch_json_num(p, "posted_at", 0), when,
			  sizeof when);
		printf("  posted:  id %s at %s\n", id, when);
	} else if (json_object_get(p, "intent_at")) {
		printf("  posted:  a post was started but its id was not recorded (chathost poll post resolves it)\n");
	} else {
		printf("  posted:  not yet\n");
	}
}

static int do_status(struct pctx *c)
{
	struct ch_poll_tally ta;
	struct ch_error err;
	size_t i, w;
	int rc = CH_EXIT_OK, r;

	if ((rc = open_files(c, false)) != CH_EXIT_OK)
		return rc;
	print_header(c);
	print_posted(c);
	if (ch_poll_winner(&c->st, &w)) {
		print_decided(c, w);
		return CH_EXIT_OK;
	}
	if (ch_json_str(json_object_get(c->st.root, "poll"), "id") &&
	    (rc = need_x(c)) != CH_EXIT_OK)
		return rc;
	ch_error_clear(&err);
	r = ch_poll_tally(c->have_x ? &c->x : NULL, &c->t, &c->st, &ta, &err);
	printf("  status:  %s\n",
	       !ta.posted ? "not posted: the extra votes only"
	       : !ta.x_read ? "the poll on X could not be read"
	       : ta.closed ? "closed on X, not decided yet (chathost poll close, or the bot decides)"
			   : "open");
	printf("  tally:\n");
	for (i = 0; i < ta.n; i++)
		print_row(&c->t, i, ta.x[i], ta.extra[i], ta.x_read,
			  i == ta.winner, "would win now");
	printf("  would win now: %zu. %s (%s)\n", ta.winner + 1,
	       c->t.candidates[ta.winner].label, rule_words(ta.rule));
	fflush(stdout);
	if (r < 0) {
		ch_error_print(&err, stderr);
		rc = ta.posted && !ta.x_read ? CH_EXIT_NETWORK : CH_EXIT_INPUT;
	}
	return rc;
}

static int lookup_me(struct pctx *c, char *id, size_t n)
{
	struct ch_error err;
	char user[128];

	/* one try (no sleep): a person is waiting at the terminal */
	ch_error_clear(&err);
	if (ch_net_whoami(&c->x, 0, NULL, id, n, user, sizeof user, &err) < 0)
		return c->x.last == CH_NETFAIL_CREDENTIALS ? CH_EXIT_INPUT
						  : CH_EXIT_NETWORK;
	return CH_EXIT_OK;
}

static int do_post(struct pctx *c)
{
	struct ch_error err;
	struct ch_publish pb;
	char me[CH_NET_ID_MAX];
	const char *id;
	size_t w;
	int rc, r;

	if ((rc = open_files(c, true)) != CH_EXIT_OK)
		return rc;
	id = ch_json_str(json_object_get(c->st.root, "poll"), "id");
	if (id) {
		printf("the poll was posted already (id %s); not posting a second one\n",
		       id);
		return CH_EXIT_OK;
	}
	if (ch_poll_winner(&c->st, &w)) {
		printf("the contest is decided already (%zu. %s); not posting the poll\n",
		       w + 1,
		       w < c->t.n_candidates ? c->t.candidates[w].label : "?");
		return CH_EXIT_INPUT;
	}
	if (!c->rehearsal) {
		time_t closes = time(NULL) + (time_t)c->t.poll.duration * 60;

		if (closes > c->start) {
			char a[32], b[32];

			fmt_local(&c->s, closes, a, sizeof a);
			fmt_local(&c->s, c->start, b, sizeof b);
			fprintf(stderr,
				"%s:%d: posted now, the poll (%d minutes) would close at %s, after the chat starts (%s %s): shorten poll.duration\n",
				c->t.path, c->t.poll.duration_line,
				c->t.poll.duration, a, b, c->s.timezone);
			return CH_EXIT_INPUT;
		}
	}
	if ((rc = need_x(c)) != CH_EXIT_OK || (rc = lookup_me(c, me, sizeof me)))
		return rc;
	ch_error_clear(&err);
	memset(&pb, 0, sizeof pb);
	pb.net = &c->x;
	pb.me_id = me;
	/* by hand: a failing network is tried again for a minute */
	pb.late_at = ch_clock_now() + 60.0;
	r = ch_poll_post(&pb, &c->s, &c->t, &c->st, c->log, &err);
	if (r == 1) {
		ch_error_print(&err, stderr);
		return CH_EXIT_NETWORK;
	}
	if (r < 0) {
		ch_error_print(&err, stderr);
		return c->x.last == CH_NETFAIL_CREDENTIALS || c->x.last == CH_NETFAIL_NONE
			       ? CH_EXIT_INPUT
			       : CH_EXIT_NETWORK;
	}
	{
		char when[32];
		time_t at;

		printf("posted the poll (id %s)",
		       ch_json_str(json_object_get(c->st.root, "poll"), "id"));
		if (poll_closes(c, &at) == 0) {
			fmt_local(&c->s, at, when, sizeof when);
			printf("; it closes %s %s", when, c->s.timezone);
		}
		printf("\n");
	}
	return CH_EXIT_OK;
}

static int do_close(struct pctx *c)
{
	struct ch_error err;
	size_t w;
	int rc, r;

	if ((rc = open_files(c, true)) != CH_EXIT_OK)
		return rc;
	if (ch_poll_winner(&c->st, &w)) {
		printf("decided already:\n");
		print_decided(c, w);
		return CH_EXIT_OK;
	}
	if (ch_json_str(json_object_get(c->st.root, "poll"), "id") &&
	    (rc = need_x(c)) != CH_EXIT_OK)
		return rc;
	ch_error_clear(&err);
	r = ch_poll_decide(c->have_x ? &c->x : NULL, &c->s, &c->t, &c->st,
			   c->log, true, &w, &err);
	if (r < 0) {
		ch_error_print(&err, stderr);
		return c->have_x && c->x.last != CH_NETFAIL_NONE ? CH_EXIT_NETWORK
							       : CH_EXIT_INPUT;
	}
	printf("closed by hand:\n");
	print_decided(c, w);
	if (ch_json_str(json_object_get(c->st.root, "poll"), "id")) {
		char when[32];
		time_t at;

		if (poll_closes(c, &at) == 0 && at > time(NULL)) {
			fmt_local(&c->s, at, when, sizeof when);
			printf("  note:    the poll stays open on X until %s %s (X cannot end a poll early); votes from now on do not count\n",
			       when, c->s.timezone);
		}
	}
	return CH_EXIT_OK;
}

static void pctx_free(struct pctx *c)
{
	ch_replylog_close(c->log, NULL);
	if (c->state_open)
		ch_state_free(&c->st);
	if (c->have_x)
		ch_net_close(&c->x);
	ch_topic_free(&c->t);
	ch_schedule_free(&c->s);
	free(c->dir);
}

int ch_cmd_poll(int argc, char **argv)
{
	static const struct option opts[] = {
		{"date", required_argument, NULL, 'd'},
		{"api-base", required_argument, NULL, 'a'},
		{"rehearsal", no_argument, NULL, 'r'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct pctx c;
	struct ch_diags d = {0};
	enum ch_log_level level = CH_LOG_INFO;
	enum action act;
	const char *date = NULL;
	char *topic_path = NULL;
	int opt, y, m, dd, rc = CH_EXIT_OK;

	memset(&c, 0, sizeof c);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (ch_parse_date(optarg, &y, &m, &dd) < 0)
				return ch_usage_error(poll_usage,
						      "poll: --date %s is not a date YYYY-MM-DD",
						      optarg);
			date = optarg;
			break;
		case 'a':
			c.api_base = optarg;
			break;
		case 'r':
			c.rehearsal = true;
			break;
		case 'v':
			level = CH_LOG_DEBUG;
			break;
		case 'q':
			level = CH_LOG_WARN;
			break;
		case 'h':
			fputs(poll_usage, stdout);
			return CH_EXIT_OK;
		default:
			return ch_bad_option(poll_usage, "poll", "vqh", argv);
		}
	}
	if (argc - optind != 2)
		return ch_usage_error(poll_usage,
				      "poll: give an action (status, post or close) and one SCHEDULE file");
	if (strcmp(argv[optind], "status") == 0)
		act = ACT_STATUS;
	else if (strcmp(argv[optind], "post") == 0)
		act = ACT_POST;
	else if (strcmp(argv[optind], "close") == 0)
		act = ACT_CLOSE;
	else
		return ch_usage_error(poll_usage,
				      "poll: unknown action '%s': status, post or close",
				      argv[optind]);
	ch_log_setup(level, NULL);

	if (ch_schedule_load(&c.s, argv[optind + 1], &d) < 0 ||
	    ch_schedule_need_chat(&c.s, "poll") < 0) {
		rc = CH_EXIT_INPUT;
		goto cleanup;
	}
	ch_log_setup(level, c.s.name);
	if (date) {
		snprintf(c.date, sizeof c.date, "%s", date);
		if (ch_weekday(y, m, dd) != c.s.weekday) {
			fprintf(stderr,
				"chathost: poll: %s is a %s; %s chats are on %ss\n",
				date, ch_weekday_name(ch_weekday(y, m, dd)),
				c.s.name, ch_weekday_name(c.s.weekday));
			rc = CH_EXIT_INPUT;
			goto cleanup;
		}
		if (ch_schedule_start(&c.s, y, m, dd, &c.start) < 0) {
			fprintf(stderr, "chathost: poll: cannot compute the time of %s\n",
				date);
			rc = CH_EXIT_INPUT;
			goto cleanup;
		}
	} else if (ch_schedule_next(&c.s, time(NULL), c.date, &c.start) < 0) {
		fprintf(stderr, "chathost: poll: cannot compute the next chat\n");
		rc = CH_EXIT_INPUT;
		goto cleanup;
	}
	topic_path = ch_topic_path(c.s.topics_dir, c.date);
	if (access(topic_path, F_OK) != 0) {
		fprintf(stderr,
			"%s: no topic file for the chat on %s: write it (candidates and a poll), then run chathost check\n",
			topic_path, c.date);
		rc = CH_EXIT_INPUT;
		goto cleanup;
	}
	if (ch_topic_load(&c.t, topic_path, &d) < 0 ||
	    ch_plan_check_topic(&c.t, &c.s, &d) < 0 ||
	    ch_poll_check(&c.s, &c.t, &d) < 0) {
		rc = CH_EXIT_INPUT;
		goto cleanup;
	}
	if (!c.t.has_poll) {
		fprintf(stderr,
			"%s: the chat on %s has one topic, no poll: nothing to do (a poll topic file holds candidates and poll = { ... })\n",
			topic_path, c.date);
		rc = CH_EXIT_INPUT;
		goto cleanup;
	}
	switch (act) {
	case ACT_STATUS:
		rc = do_status(&c);
		break;
	case ACT_POST:
		rc = do_post(&c);
		break;
	case ACT_CLOSE:
		rc = do_close(&c);
		break;
	}
cleanup:
	fflush(stdout);
	ch_diags_print(&d, stderr);
	ch_diags_free(&d);
	free(topic_path);
	pctx_free(&c);
	return rc;
}
