/* cli_files.c - chathost check, length and preview: the file commands. */
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chtime.h"
#include "cli.h"
#include "plan.h"
#include "net/net.h"
#include "poll.h"
#include "replylog.h"
#include "schedule.h"
#include "topic.h"
#include "tweetlen.h"

int ch_bad_option(const char *usage, const char *cmd, const char *optstring,
		  char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const char *o = optopt ? strchr(optstring, optopt) : NULL;

	/* getopt's own message is off (opterr = 0): one line per mistake */
	if (optopt && arg[0] == '-' && arg[1] != '-')
		return ch_usage_error(usage, "%s: option -%c %s", cmd, optopt,
				      o && o[1] == ':' ? "needs a value"
						       : "is unknown");
	if (strncmp(arg, "--", 2) == 0 && strchr(arg, '=') == NULL && optopt)
		return ch_usage_error(usage, "%s: option %s needs a value", cmd,
				      arg);
	return ch_usage_error(usage, "%s: unknown option %s", cmd, arg);
}

int ch_parse_now(const char *usage, const char *cmd, const char *arg,
		 time_t *now)
{
	long long ms;
	char *z;
	bool no_zone;

	if (ch_parse_iso8601(arg, now) == 0)
		return 0;
	z = ch_xasprintf("%sZ", arg);
	no_zone = ch_parse_time_ms(z, false, &ms) == 0;
	free(z);
	if (no_zone)
		return ch_usage_error(usage,
				      "%s: --now %s has no offset: add Z (UTC) or the offset, e.g. %sZ or %s-05:00",
				      cmd, arg, arg, arg);
	return ch_usage_error(usage,
			      "%s: --now %s is not an ISO 8601 time such as 2026-03-04T12:00:00Z",
			      cmd, arg);
}

int ch_parse_speed(const char *usage, const char *cmd, const char *arg,
		   double *speed)
{
	char *end;

	*speed = 60;
	if (!arg)
		return 0;
	*speed = strtod(arg, &end);
	if (*end || end == arg || !(*speed >= 1 && *speed <= 100000))
		return ch_usage_error(usage,
				      "%s: --rehearse=%s: SPEED is a number from 1 to 100000",
				      cmd, arg);
	return 0;
}

int ch_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("chathost: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
	return CH_EXIT_USAGE;
}


static const char length_usage[] =
	"usage: chathost length [--network NET] [TEXT]\n"
	"  Prints \"<length> <ok|too long>\" of TEXT (or of standard input,\n"
	"  one trailing newline removed) as the network counts it: X's\n"
	"  weighted length by default; with --network bluesky or mastodon,\n"
	"  that network's count, its limit, and the limit a text hits.\n"
	"  Exit 0 if it fits in a post, 1 if not.\n";

/* The length as a network other than X counts it (ops: its rule). */
static int length_on(const struct ch_net_ops *ops, const char *text, size_t len)
{
	long limit = 0, n = ops->length(text, len, &limit);

	if (n > limit) {
		printf("%ld too long: at most %ld characters on %s\n", n, limit,
		       ops->title);
		return CH_EXIT_INPUT;
	}
	if (ops->max_bytes && len > ops->max_bytes) {
		printf("%ld too long: %zu bytes in UTF-8, at most %zu on %s\n", n, len,
		       ops->max_bytes, ops->title);
		return CH_EXIT_INPUT;
	}
	if (len == 0) {
		printf("%ld invalid: empty\n", n);
		return CH_EXIT_INPUT;
	}
	printf("%ld ok (at most %ld on %s)\n", n, limit, ops->title);
	return CH_EXIT_OK;
}

int ch_cmd_length(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"network", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	struct ch_buf in = {0};
	struct ch_tweetlen r;
	const struct ch_net_ops *ops = NULL;
	const char *text;
	size_t len;
	int c, rc = CH_EXIT_OK;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hn:", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(length_usage, stdout);
			return CH_EXIT_OK;
		}
		if (c == 'n') {
			ops = ch_net_find(optarg);
			if (!ops)
				return ch_usage_error(length_usage,
						      "length: --network %s: no such network", optarg);
			continue;
		}
		return ch_bad_option(length_usage, "length", "+hn:", argv);
	}
	if (argc - optind > 1)
		return ch_usage_error(length_usage,
				      "length: give one TEXT (quote it)");
	if (optind < argc) {
		text = argv[optind];
		len = strlen(text);
	} else {
		char chunk[4096];
		size_t n;

		while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
			if (in.len + n > (1u << 20)) {
				fputs("chathost: length: input larger than 1 MiB\n",
				      stderr);
				rc = CH_EXIT_INPUT;
				goto cleanup;
			}
			ch_buf_append(&in, chunk, n);
		}
		if (in.len && in.data[in.len - 1] == '\n')
			in.len--;
		if (in.len && in.data[in.len - 1] == '\r')
			in.len--;
		text = ch_buf_str(&in);
		len = in.len;
	}
	if (ops && strcmp(ops->name, "x") != 0) {
		rc = length_on(ops, text, len);
		goto cleanup;
	}
	ch_tweetlen(text, len, &r);
	if (r.invalid_at >= 0 && r.invalid_cp) {
		printf("%d invalid: U+%04X at character %ld\n", r.weighted,
		       r.invalid_cp, r.invalid_at + 1);
		rc = CH_EXIT_INPUT;
	} else if (r.invalid_at >= 0) {
		printf("%d invalid: not UTF-8 at character %ld\n", r.weighted,
		       r.invalid_at + 1);
		rc = CH_EXIT_INPUT;
	} else if (!r.valid && !r.too_long) {
		printf("%d invalid: empty\n", r.weighted);
		rc = CH_EXIT_INPUT;
	} else if (r.too_long) {
		printf("%d too long\n", r.weighted);
		rc = CH_EXIT_INPUT;
	} else {
		printf("%d ok\n", r.weighted);
	}
cleanup:
	ch_buf_free(&in);
	return rc;
}

static const char preview_usage[] =
	"usage: chathost preview [--now ISO8601] [--date YYYY-MM-DD] SCHEDULE\n"
	"  Shows the next chat (or the chat on --date) as it will be posted:\n"
	"  each post's local time, UTC time, weighted length and exact text.\n"
	"  --now ISO8601     compute \"next\" as if it were this instant\n"
	"  --date DATE       the chat on this date (on the schedule's weekday)\n";

/* HH:MM of t in zone tz. */
static void format_hhmm(const char *tz, time_t t, char *buf, size_t size)
{
	struct tm tm;

	ch_utc_to_local(tz, t, &tm, NULL);
	strftime(buf, size, "%H:%M", &tm);
}

static void format_offset(long off, char *buf, size_t size)
{
	long a = (off < 0 ? -off : off) % 86400;

	snprintf(buf, size, "UTC%c%02ld:%02ld", off < 0 ? '-' : '+', a / 3600,
		 (a / 60) % 60);
}

/* One timeline row; text may span lines (continuations are indented). */
static void print_row(const struct ch_schedule *s, time_t at, const char *what,
		      int weighted, const char *text)
{
	char local[16], utc[16];
	struct tm tm;
	const char *p;

	format_hhmm(s->timezone, at, local, sizeof local);
	gmtime_r(&at, &tm);
	strftime(utc, sizeof utc, "%H:%MZ", &tm);
	if (weighted >= 0)
		printf("  %-5s  %-6s  %3d  %-7s ", local, utc, weighted, what);
	else
		printf("  %-5s  %-6s  %3s  %-7s ", local, utc, "-", what);
	for (p = text; *p; p++) {
		putchar(*p);
		if (*p == '\n')
			printf("%32s", "");
	}
	putchar('\n');
}

static void print_header(const struct ch_schedule *s, const char *date,
			 time_t start)
{
	char when[64], utc[32];
	long off = 0;
	struct tm tm;
	char offs[32];

	ch_utc_to_local(s->timezone, start, &tm, &off);
	strftime(when, sizeof when, "%A %Y-%m-%d %H:%M", &tm);
	format_offset(off, offs, sizeof offs);
	gmtime_r(&start, &tm);
	strftime(utc, sizeof utc, "%Y-%m-%d %H:%M UTC", &tm);
	printf("%s %s: %s %s (%s) = %s, %d minutes\n", s->name, s->hashtag,
	       when, s->timezone, offs, utc, s->duration);
	if (s->n_also_zones) {
		char also[CH_MAX_ALSO_ZONES * 64];

		ch_schedule_also_times(s, start, also, sizeof also);
		printf("also: %s\n", also);
	}
	{
		int y, m, d, adjusted = 0;
		time_t t;

		if (ch_parse_date(date, &y, &m, &d) == 0 &&
		    ch_local_to_utc(s->timezone, y, m, d, s->hour, s->minute,
				    &t, &adjusted) == 0 && adjusted == 1)
			printf("note: %02d:%02d does not exist on %s in %s (the clocks jump forward); the chat starts when the clocks pass it\n",
			       s->hour, s->minute, date, s->timezone);
		else if (adjusted == 2)
			printf("note: %02d:%02d happens twice on %s in %s (the clocks fall back); the chat starts at the first\n",
			       s->hour, s->minute, date, s->timezone);
	}
}

/* The networks the posts go to at these instants, and how each network
 * other than X counts them (LEN is X's weighted length). */
static void print_nets(const struct ch_schedule *s, const struct ch_plan *p)
{
	size_t i, k;
	char what[16];

	if (s->n_nets == 1 && strcmp(s->nets[0].name, "x") == 0)
		return;
	printf("\n  Every post goes out at its instant on");
	for (i = 0; i < s->n_nets; i++) {
		const struct ch_net_ops *ops = ch_net_find(s->nets[i].name);

		printf("%s%s", i == 0 ? " " : i + 1 == s->n_nets ? " and " : ", ",
		       ops ? ops->title : s->nets[i].name);
	}
	printf(".\n");
	for (i = 0; i < s->n_nets; i++) {
		const struct ch_net_ops *ops = ch_net_find(s->nets[i].name);
		long limit = 0;

		if (!ops || strcmp(ops->name, "x") == 0)
			continue;
		printf("  %s counts (at most %ld):", ops->title,
		       (ops->length("", 0, &limit), limit));
		for (k = 0; k < p->n_posts; k++) {
			const struct ch_post *post = &p->posts[k];

			printf("%s %s %ld", k ? "," : "",
			       ch_plan_post_label(post, what, sizeof what),
			       ops->length(post->text, strlen(post->text), NULL));
			if (ops->max_bytes && strlen(post->text) > ops->max_bytes / 2)
				printf(" (%zu of %zu bytes)", strlen(post->text),
				       ops->max_bytes);
		}
		printf("\n");
	}
}

/* The reminders of the plan (before the chat: each with its day). */
static void print_reminders(const struct ch_schedule *s,
			    const struct ch_plan *p)
{
	size_t i;
	bool any = false;

	for (i = 0; i < p->n_posts; i++) {
		const struct ch_post *post = &p->posts[i];
		char local[40], utc[16];
		struct tm tm;

		if (post->kind != CH_POST_REMINDER)
			continue;
		if (!any)
			printf("\n  Reminders, before the chat:\n");
		any = true;
		ch_utc_to_local(s->timezone, post->at, &tm, NULL);
		strftime(local, sizeof local, "%a %Y-%m-%d %H:%M", &tm);
		gmtime_r(&post->at, &tm);
		strftime(utc, sizeof utc, "%H:%MZ", &tm);
		printf("  %s  %s  %3d  %s\n", local, utc, post->weighted,
		       post->text);
	}
}

static void print_plan(const struct ch_schedule *s, const struct ch_plan *p)
{
	size_t i;
	char what[16];

	print_reminders(s, p);
	printf("\n  %-5s  %-6s  %3s  %-7s %s\n", "LOCAL", "UTC", "LEN", "POST",
	       "TEXT");
	for (i = 0; i < p->n_posts; i++) {
		const struct ch_post *post = &p->posts[i];

		if (post->kind == CH_POST_REMINDER)
			continue;

		print_row(s, post->at,
			  ch_plan_post_label(post, what, sizeof what),
			  post->weighted, post->text);
	}
	if (s->thread)
		printf("\n  Questions and wrap-up are posted as replies to the intro (thread).\n");
	print_nets(s, p);
}

/* ---- what the chat will cost on X (pay-per-use) ---- */

/* The posts an earlier chat's log holds that X returned (participants'
 * posts on X: each billed once when read). */
static int count_x_post(const struct ch_log_entry *e, void *ctx)
{
	if (e->kind != CH_KIND_EVENT && e->kind != CH_KIND_HOST &&
	    (!e->net || strcmp(e->net, "x") == 0))
		(*(long *)ctx)++;
	return 0;
}

static int cmp_desc(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

/* The posts read (billed) in the last chats before date, at most four,
 * from their states' "cost" or else their logs. Returns the average and
 * sets *n to how many chats it is made of (0: none to go by). */
static double reads_of_last_chats(const struct ch_schedule *s,
				  const char *date, int *n)
{
	char *dir = ch_xasprintf("%s/%s", s->logs_dir, s->name);
	struct dirent **names = NULL;
	int k, count = scandir(dir, &names, NULL, alphasort);
	char **dates = ch_xcalloc(count > 0 ? (size_t)count : 1, sizeof *dates);
	size_t nd = 0, i;
	double sum = 0;

	*n = 0;
	for (k = 0; k < count; k++) {
		const char *f = names[k]->d_name;

		if (strlen(f) == 16 && strcmp(f + 10, ".jsonl") == 0 &&
		    strncmp(f, date, 10) < 0)
			dates[nd++] = ch_xstrndup(f, 10);
		free(names[k]);
	}
	free(names);
	qsort(dates, nd, sizeof *dates, cmp_desc);
	for (i = 0; i < nd && *n < 4; i++) {
		char *st = ch_chat_net_state_path(s, dates[i], false, "x");
		char *log = ch_xasprintf("%s/%s.jsonl", dir, dates[i]);
		json_t *root = json_load_file(st, 0, NULL);
		json_t *cost = json_object_get(root, "cost");
		long posts = 0;

		if (json_is_object(cost)) {
			sum += ch_json_num(cost, "reads_billed", 0);
			(*n)++;
		} else if (ch_replylog_read(log, count_x_post, &posts, NULL,
					    NULL, 0, NULL) == 0) {
			sum += (double)posts;
			(*n)++;
		}
		json_decref(root);
		free(st);
		free(log);
	}
	for (i = 0; i < nd; i++)
		free(dates[i]);
	free(dates);
	free(dir);
	return *n ? sum / *n : 0;
}

/* What the chat will cost on X at the schedule's prices: its posts (a
 * post with a URL flagged, at its price) and the reads, estimated from
 * the last chats. */
static void print_cost(const struct ch_schedule *s, const struct ch_plan *p,
		       bool poll)
{
	size_t i, urls = 0, posts = p->n_posts + (poll ? 1 : 0);
	const struct ch_net_ops *x = NULL;
	char what[16];
	double reads, dollars;
	int n;

	for (i = 0; i < s->n_nets; i++) {
		const struct ch_net_ops *ops = ch_net_find(s->nets[i].name);

		if (ops && ops->billed)
			x = ops;
	}
	if (!x)
		return;
	/* the poll goes out on the first network only */
	if (poll && s->n_nets && !ch_net_find(s->nets[0].name)->billed)
		posts--, poll = false;
	printf("\n  Cost on %s (pay-per-use: $%.3f a post, $%.3f with a URL, $%.3f a post read):\n",
	       x->title, s->price_post, s->price_post_url, s->price_read);
	for (i = 0; i < p->n_posts; i++) {
		struct ch_tweetlen r;

		ch_tweetlen(p->posts[i].text, strlen(p->posts[i].text), &r);
		if (r.urls == 0)
			continue;
		urls++;
		printf("    %s has a URL: $%.3f instead of $%.3f\n",
		       ch_plan_post_label(&p->posts[i], what, sizeof what),
		       s->price_post_url, s->price_post);
	}
	dollars = (double)(posts - urls) * s->price_post +
		  (double)urls * s->price_post_url;
	printf("    posts  %3zu%s  $%.3f\n", posts, poll ? " (the poll too)" : "",
	       dollars);
	reads = reads_of_last_chats(s, p->date, &n);
	if (n) {
		printf("    reads  %3.0f  $%.3f  (the posts read in the last %d chat%s, on average)\n",
		       reads, reads * s->price_read, n, n == 1 ? "" : "s");
		printf("    total       $%.2f\n", dollars + reads * s->price_read);
	} else {
		printf("    reads    ?  (no earlier chat to go by: $%.3f for each post read)\n",
		       s->price_read);
		printf("    total       $%.2f and the reads\n", dollars);
	}
}

/* The slots of a chat whose topic file is missing: the times only. */
static void print_slots(const struct ch_schedule *s, time_t start)
{
	int at, n = 0;
	char what[16];

	printf("\n  %-5s  %-6s  %3s  %-7s %s\n", "LOCAL", "UTC", "LEN", "POST",
	       "TEXT");
	print_row(s, start, "intro", -1, "(no topic file)");
	for (at = s->first_question; at < s->duration;
	     at += s->question_interval) {
		snprintf(what, sizeof what, "Q%d", ++n);
		print_row(s, start + (time_t)at * 60, what, -1,
			  "(default question time)");
	}
	print_row(s, start + (time_t)s->duration * 60, "wrap-up", -1,
		  "(no topic file)");
}

int ch_cmd_preview(int argc, char **argv)
{
	static const struct option opts[] = {
		{"now", required_argument, NULL, 'n'},
		{"date", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ch_schedule s = {0};
	struct ch_topic t = {0};
	struct ch_diags d = {0};
	const char *date_arg = NULL;
	char date[11];
	char *topic_path = NULL;
	time_t now = time(NULL), start;
	int c, y, m, dd, rc = CH_EXIT_OK;
	size_t i, winner = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "n:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (ch_parse_now(preview_usage, "preview", optarg, &now))
				return CH_EXIT_USAGE;
			break;
		case 'd':
			date_arg = optarg;
			if (ch_parse_date(optarg, &y, &m, &dd) < 0)
				return ch_usage_error(preview_usage,
						      "preview: --date %s is not a date YYYY-MM-DD",
						      optarg);
			break;
		case 'h':
			fputs(preview_usage, stdout);
			return CH_EXIT_OK;
		default:
			return ch_bad_option(preview_usage, "preview", "n:d:h", argv);
		}
	}
	if (argc - optind != 1)
		return ch_usage_error(preview_usage,
				      "preview: give one SCHEDULE file");
	if (ch_schedule_load(&s, argv[optind], &d) < 0 ||
	    ch_schedule_need_chat(&s, "preview") < 0) {
		rc = CH_EXIT_INPUT;
		goto cleanup;
	}
	if (date_arg) {
		snprintf(date, sizeof date, "%s", date_arg);
		if (ch_weekday(y, m, dd) != s.weekday) {
			fprintf(stderr,
				"chathost: preview: %s is a %s, but the chat %s is on %ss: give a date on that day\n",
				date, ch_weekday_name(ch_weekday(y, m, dd)),
				s.name, ch_weekday_name(s.weekday));
			rc = CH_EXIT_INPUT;
			goto cleanup;
		}
		if (ch_schedule_start(&s, y, m, dd, &start) < 0) {
			fprintf(stderr, "chathost: preview: cannot compute the time of %s\n", date);
			rc = CH_EXIT_INPUT;
			goto cleanup;
		}
	} else if (ch_schedule_next(&s, now, date, &start) < 0) {
		fprintf(stderr, "chathost: preview: cannot compute the next chat\n");
		rc = CH_EXIT_INPUT;
		goto cleanup;
	}
	print_header(&s, date, start);
	topic_path = ch_topic_path(s.topics_dir, date);
	if (access(topic_path, F_OK) != 0) {
		printf("topic: %s is missing: write it (see chathost.conf(5)), then run chathost check\n",
		       topic_path);
		print_slots(&s, start);
		rc = CH_EXIT_INPUT;
		goto cleanup;
	}
	if (ch_topic_load(&t, topic_path, &d) < 0) {
		rc = CH_EXIT_INPUT;
		goto cleanup;
	}
	ch_plan_check_topic(&t, &s, &d);
	if (t.has_poll) {
		printf("topic: %s: chosen by a poll: \"%s\"\n", topic_path,
		       t.poll.text ? t.poll.text : "");
		printf("  poll posted %s %s for %d minutes; candidates:\n",
		       t.poll.post_at ? t.poll.post_at : "?", s.timezone,
		       t.poll.duration);
		for (i = 0; i < t.n_candidates; i++)
			printf("  %zu. %s: %s\n", i + 1,
			       t.candidates[i].label ? t.candidates[i].label : "",
			       t.candidates[i].title ? t.candidates[i].title : "");
		{
			struct ch_error perr;
			int r;

			ch_error_clear(&perr);
			r = ch_poll_preview_winner(&s, &t, &winner, &perr);
			if (r == 1) {
				printf("  the poll chose %zu. %s; its timeline:\n",
				       winner + 1, t.candidates[winner].label);
			} else {
				if (r < 0)
					ch_diags_add_error(&d, &perr);
				winner = 0;
				printf("  (undecided: the timeline of candidate 1 follows)\n");
			}
		}
	} else {
		printf("topic: %s: %s\n", topic_path,
		       t.candidates[0].title ? t.candidates[0].title : "");
	}
	{
		struct ch_plan p;

		ch_plan_build(&p, &s, &t.candidates[winner], t.path, date, &d);
		print_plan(&s, &p);
		print_cost(&s, &p, t.has_poll);
		ch_plan_free(&p);
	}
	if (d.n)
		rc = CH_EXIT_INPUT;
cleanup:
	fflush(stdout);
	ch_diags_print(&d, stderr);
	ch_diags_free(&d);
	ch_topic_free(&t);
	ch_schedule_free(&s);
	free(topic_path);
	return rc;
}
