/* cli_recap.c - chathost recap: the recap of one chat (recap.c), and with
 * --post a short recap thread on every network of the schedule, each post
 * made at most once (publish.h; its own state file beside the chat's,
 * DATE[.NET].recap.state.json). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chtime.h"
#include "cli.h"
#include "clock.h"
#include "log.h"
#include "plan.h"
#include "publish.h"
#include "report.h"
#include "report_model.h"
#include "schedule.h"
#include "state.h"
#include "net/net.h"

static const char recap_usage[] =
	"usage: chathost recap [--format text|md|html] [--out FILE] [--tz ZONE]\n"
	"                      [--post SCHEDULE --url URL [--api-base [NET=]URL]]\n"
	"                      LOGFILE\n"
	"  The recap of the chat in LOGFILE (LOGS/NAME/YYYY-MM-DD.jsonl): per\n"
	"  question the answers in order with their authors, the links people\n"
	"  shared (whole, as the network gives them), the top contributors and\n"
	"  the first-timers (the other logs of its folder are its history).\n"
	"  --format F        text (default), md (Markdown) or html (one\n"
	"                    self-contained page)\n"
	"  -o, --out FILE    write to FILE (atomically) instead of stdout\n"
	"  --tz ZONE         show times in ZONE (default: the chat's own zone)\n"
	"  --post SCHEDULE   also post a short recap thread (thanks, counts, the\n"
	"                    link --url URL to the published recap) on every\n"
	"                    network of SCHEDULE, each post at most once\n"
	"                    (what it posts is said on stderr)\n"
	"  Exit status: 0 ok, 1 a file is not a log or cannot be written,\n"
	"  2 usage, 3 a network did not take the thread.\n";

struct recap {
	const char *log;         /* borrowed: LOGFILE */
	const char *format, *out, *tz, *sched, *url;
	const char *api_base[CH_MAX_NETS]; /* borrowed */
	int n_api_base;
	char date[11];
	bool rehearsal;
};

/* The chat's figures (the log's folder as its history). Returns 0 or -1. */
static int build(const struct recap *o, struct ch_rp *r, const char *format)
{
	char *dir = ch_dirname(o->log);
	char *inputs[1];
	struct ch_report_opts ro;
	int rc;

	memset(&ro, 0, sizeof ro);
	inputs[0] = dir;
	ro.format = format;
	ro.out = o->out;
	ro.since = ro.until = o->date;
	ro.tz = o->tz;
	ro.core_min = 3;
	ro.core_window = 8;
	ro.rehearsals = true;
	ro.inputs = inputs;
	ro.n_inputs = 1;
	rc = ch_report_run_into(&ro, r);
	free(dir);
	return rc;
}

/* The thread's two posts (caller frees both). */
static void thread_texts(const struct ch_rp_chat *c, const char *hashtag,
			 const char *url, char **one, char **two)
{
	long answers = 0;
	int first = 0;
	size_t i;
	struct ch_buf b = {0};

	for (i = 0; i < c->n_questions; i++)
		answers += c->questions[i].answers;
	for (i = 0; i < c->n_authors; i++)
		first += c->authors[i].first_timer;
	ch_buf_printf(&b, "Thanks to the %zu people who joined %s", c->n_authors,
		      hashtag);
	if (c->title && strlen(c->title) < 90)
		ch_buf_printf(&b, " on %s", c->title);
	ch_buf_printf(&b, "! %ld answers to %zu questions", answers,
		      c->n_questions);
	if (first)
		ch_buf_printf(&b, ", and a warm welcome to our %d first-timer%s",
			      first, first == 1 ? "" : "s");
	ch_buf_puts(&b, ".");
	*one = ch_buf_steal(&b);
	ch_buf_free(&b);
	*two = ch_xasprintf("Every answer and every link you shared, in one place: %s %s",
			    url, hashtag);
}

/* The recap's state on network name. Caller frees. */
static char *state_path(const struct recap *o, const struct ch_schedule *s,
			const char *name)
{
	char *dir = ch_chat_dir(s, o->rehearsal);
	char *p = strcmp(name, s->nets[0].name) == 0
			  ? ch_xasprintf("%s/%s.recap.state.json", dir, o->date)
			  : ch_xasprintf("%s/%s.%s.recap.state.json", dir, o->date, name);

	free(dir);
	return p;
}

/* Posts key (text, replying to reply_to) once on n. Returns 0 or -1. */
static int post_once(struct ch_net *n, const char *me, struct ch_state *st,
		     const char *key, const char *text, const char *reply_to,
		     const char *title)
{
	struct ch_publish pb;
	struct ch_net_post np;
	struct ch_error err;
	char what[96], nkey[32];
	enum ch_pub_result r;

	if (ch_state_post_id(st, key)) {
		fprintf(stderr, "  %s: %s was posted already (id %s)\n", title, key,
		       ch_state_post_id(st, key));
		return 0;
	}
	memset(&pb, 0, sizeof pb);
	memset(&np, 0, sizeof np);
	snprintf(what, sizeof what, "the recap's %s on %s", key, title);
	pb.net = n;
	pb.me_id = me;
	pb.late_at = ch_clock_now() + 60.0; /* by hand: a minute of retries */
	pb.what = what;
	np.text = text;
	np.reply_to = reply_to;
	np.root_id = reply_to;
	r = CH_PUB_NOT_FOUND;
	if (ch_state_post_pending(st, key)) {
		pb.intent_at = ch_json_num(json_object_get(ch_state_obj(st, "posts"), key),
					   "intent_at", 0);
		np.key = ch_json_str(json_object_get(ch_state_obj(st, "posts"), key), "key");
		r = ch_publish_resolve(&pb, &np);
	}
	if (r == CH_PUB_NOT_FOUND || r == CH_PUB_UNREADABLE) {
		ch_error_clear(&err);
		ch_state_set_intent(st, key, text, ch_clock_now());
		ch_net_new_key(n, nkey, sizeof nkey);
		if (nkey[0])
			json_object_set_new(json_object_get(ch_state_obj(st, "posts"), key),
					    "key", json_string(nkey));
		if (ch_state_save(st, &err) < 0) {
			fprintf(stderr, "chathost recap: %s: %s\n", err.source, err.text);
			return -1;
		}
		pb.intent_at = ch_clock_now();
		np.key = nkey[0] ? nkey : NULL;
		r = ch_publish(&pb, &np);
	}
	if (r != CH_PUB_POSTED) {
		fprintf(stderr, "chathost recap: %s: not posted (%s%s%s)\n", what,
			pb.skipped ? pb.skipped : "failed", pb.err.text[0] ? ": " : "",
			pb.err.text);
		return -1;
	}
	ch_state_set_posted(st, key, pb.id, ch_clock_now());
	ch_error_clear(&err);
	if (ch_state_save(st, &err) < 0)
		fprintf(stderr, "chathost recap: %s: %s\n", err.source, err.text);
	fprintf(stderr, "  %s: posted %s (id %s)\n", title, key, pb.id);
	return 0;
}

/* The thread on network i of s. Returns 0 or -1 (said). */
static int post_on(const struct recap *o, struct ch_schedule *s, size_t i,
		   const char *one, const char *two)
{
	struct ch_net_conf conf;
	struct ch_net n;
	struct ch_state st;
	struct ch_error err;
	char me[CH_NET_ID_MAX], user[160];
	char *path = state_path(o, s, s->nets[i].name);
	const char *title = s->nets[i].name;
	int rc = -1;
	bool open = false;

	memset(&st, 0, sizeof st);
	ch_error_clear(&err);
	ch_schedule_net_conf(s, &s->nets[i], &conf);
	if (ch_net_open_named(&n, s->nets[i].name, &conf, &err) < 0)
		goto cleanup;
	open = true;
	title = n.ops->title;
	if (ch_net_whoami(&n, ch_clock_now() + 10, NULL, me, sizeof me, user,
			  sizeof user, &err) < 0 ||
	    ch_state_open(&st, path, &err) < 0)
		goto cleanup;
	if (post_once(&n, me, &st, "recap1", one, NULL, title) == 0 &&
	    post_once(&n, me, &st, "recap2", two, ch_state_post_id(&st, "recap1"),
		      title) == 0)
		rc = 0;
cleanup:
	if (err.text[0])
		fprintf(stderr, "chathost recap: %s: %s\n", title, err.text);
	if (st.root)
		ch_state_free(&st);
	if (open)
		ch_net_close(&n);
	free(path);
	return rc;
}

/* --post: the thread on every network of the schedule; one failing never
 * stops another. Returns an exit status. */
static int post_thread(const struct recap *o, const struct ch_rp_chat *c)
{
	struct ch_schedule s = {0};
	struct ch_diags d = {0};
	struct ch_error err;
	char *one = NULL, *two = NULL;
	size_t i, bad = 0;
	int k, rc = CH_EXIT_INPUT;

	ch_error_clear(&err);
	if (ch_schedule_load(&s, o->sched, &d) < 0) {
		ch_diags_print(&d, stderr);
		goto cleanup;
	}
	for (k = 0; k < o->n_api_base; k++)
		if (ch_schedule_set_url(&s, o->api_base[k], &err) < 0) {
			ch_error_print(&err, stderr);
			goto cleanup;
		}
	thread_texts(c, s.hashtag, o->url, &one, &two);
	ch_plan_check_nets(&s, one, "the recap's first post", NULL, "--post", 0,
			   false, &d);
	ch_plan_check_nets(&s, two, "the recap's second post", NULL, "--post", 0,
			   false, &d);
	if (d.n) {
		ch_diags_print(&d, stderr);
		goto cleanup;
	}
	fprintf(stderr, "the recap thread of the %s chat on %s:\n", s.hashtag,
		o->date);
	for (i = 0; i < s.n_nets; i++)
		bad += post_on(o, &s, i, one, two) < 0;
	rc = bad ? CH_EXIT_NETWORK : CH_EXIT_OK;
cleanup:
	free(one);
	free(two);
	ch_diags_free(&d);
	ch_schedule_free(&s);
	return rc;
}

/* The LOGFILE's date and whether it is a rehearsal's. Returns 0 or the
 * usage error. */
static int log_date(struct recap *o)
{
	const char *base = strrchr(o->log, '/');
	int y, m, d;

	base = base ? base + 1 : o->log;
	if (strlen(base) != 16 || strcmp(base + 10, ".jsonl") != 0 ||
	    (snprintf(o->date, sizeof o->date, "%.10s", base),
	     ch_parse_date(o->date, &y, &m, &d) < 0))
		return ch_usage_error(recap_usage,
				      "recap: %s: give a chat's log, LOGS/NAME/YYYY-MM-DD.jsonl",
				      o->log);
	o->rehearsal = strstr(o->log, "/rehearsal/") != NULL ||
		       strncmp(o->log, "rehearsal/", 10) == 0;
	return 0;
}

static int parse(struct recap *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"out", required_argument, NULL, 'o'},
		{"tz", required_argument, NULL, 'z'},
		{"post", required_argument, NULL, 'p'},
		{"url", required_argument, NULL, 'u'},
		{"api-base", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 0;
	opterr = 0;
	o->format = "text";
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (c == 'f')
			o->format = optarg;
		else if (c == 'o')
			o->out = optarg;
		else if (c == 'z')
			o->tz = optarg;
		else if (c == 'p')
			o->sched = optarg;
		else if (c == 'u')
			o->url = optarg;
		else if (c == 'a' && o->n_api_base < CH_MAX_NETS)
			o->api_base[o->n_api_base++] = optarg;
		else if (c == 'h') {
			fputs(recap_usage, stdout);
			return -1;
		} else {
			return ch_bad_option(recap_usage, "recap", "o:h", argv);
		}
	}
	if (strcmp(o->format, "text") && strcmp(o->format, "md") &&
	    strcmp(o->format, "html"))
		return ch_usage_error(recap_usage,
				      "recap: --format %s: give text, md or html",
				      o->format);
	if (!o->sched != !o->url)
		return ch_usage_error(recap_usage,
				      "recap: --post SCHEDULE and --url URL go together");
	if (o->url && strncmp(o->url, "https://", 8) != 0 &&
	    strncmp(o->url, "http://", 7) != 0)
		return ch_usage_error(recap_usage,
				      "recap: --url %s: give the published recap's web address",
				      o->url);
	if (argc - optind != 1)
		return ch_usage_error(recap_usage, "recap: give one LOGFILE");
	o->log = argv[optind];
	return log_date(o);
}

int ch_cmd_recap(int argc, char **argv)
{
	struct recap o;
	struct ch_rp r;
	char format[16];
	int rc;

	memset(&o, 0, sizeof o);
	rc = parse(&o, argc, argv);
	if (rc)
		return rc < 0 ? CH_EXIT_OK : rc;
	ch_log_setup(CH_LOG_WARN, NULL);
	memset(&r, 0, sizeof r);
	snprintf(format, sizeof format, "recap-%s", o.format);
	rc = build(&o, &r, format);
	if (rc == CH_EXIT_OK && o.sched)
		rc = post_thread(&o, &r.chats[r.detail]);
	if (r.chats)
		ch_rp_free(&r);
	return rc;
}
