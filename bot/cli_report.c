/* cli_report.c - chathost report: option parsing for the review. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "chtime.h"
#include "cli.h"
#include "replylog.h"
#include "report.h"
#include "carereport.h"

static const char report_usage[] =
	"usage: chathost report [--format text|csv|json|html] [--out FILE]\n"
	"                       [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
	"                       [--tz ZONE] [--rehearsals] [--care]\n"
	"                       [--core K/N | --core-min K --core-window N]\n"
	"                       LOGDIR|LOGFILE...\n"
	"  The participation review of a chat series: LOGDIR is one chat's log\n"
	"  folder (LOGS/NAME, its YYYY-MM-DD.jsonl files); several arguments are\n"
	"  merged into one series. The latest chat is reviewed in detail.\n"
	"  --format F        text (default), csv, json or html\n"
	"  -o, --out FILE    write to FILE (atomically) instead of stdout; never\n"
	"                    over one of the inputs, a .jsonl log or a state file\n"
	"  --since DATE      report the chats from DATE on (earlier ones still\n"
	"                    count as history: first-timers, core group)\n"
	"  --until DATE      leave out the chats after DATE\n"
	"  --tz ZONE         show times in ZONE (default: the chat's own zone;\n"
	"                    json and csv stay in UTC)\n"
	"  --rehearsals      count rehearsal logs too; without it a rehearsal\n"
	"                    given beside real chats is left out (a rehearsal\n"
	"                    alone is reported, marked as a rehearsal)\n"
	"  --care            the care watch's review instead: its cases from\n"
	"                    LOGDIR/care (or care logs given), answered and\n"
	"                    within the SLA, response median and p90, per staff\n"
	"                    member, category and network, the late and unanswered\n"
	"  --core K/N        core group: took part in K of the last N chats\n"
	"                    (default 3/8); also --core-min K, --core-window N\n"
	"  -h, --help        this text\n"
	"  Exit status: 0 ok, 1 a file is not a log or cannot be written,\n"
	"  2 usage.\n";

static int parse_int(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < -1000000 || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_core(const char *s, int *k, int *n)
{
	const char *slash = strchr(s, '/');
	char *a;
	int rc;

	if (!slash)
		return -1;
	a = ch_xstrndup(s, (size_t)(slash - s));
	rc = parse_int(a, k) || parse_int(slash + 1, n) ? -1 : 0;
	free(a);
	return rc;
}

static bool valid_date(const char *s)
{
	int y, m, d;

	return s && ch_parse_date(s, &y, &m, &d) == 0;
}

/* Checks the values together. Returns 0 or the usage error's status. */
static int check_opts(const struct ch_report_opts *o)
{
	if (strcmp(o->format, "text") && strcmp(o->format, "csv") &&
	    strcmp(o->format, "json") && strcmp(o->format, "html"))
		return ch_usage_error(report_usage,
				      "report: --format %s: use text, csv, json or html",
				      o->format);
	if (o->tz && !ch_tz_valid(o->tz))
		return ch_usage_error(report_usage,
				      "report: --tz %s: not a time zone of the tz database (e.g. America/New_York, UTC)",
				      o->tz);
	if (o->core_min < 1 || o->core_window < 1 ||
	    o->core_min > o->core_window || o->core_window > 10000)
		return ch_usage_error(report_usage,
				      "report: core group %d of %d: need 1 <= K <= N",
				      o->core_min, o->core_window);
	if (o->since && !valid_date(o->since))
		return ch_usage_error(report_usage,
				      "report: --since %s: expected a date YYYY-MM-DD",
				      o->since);
	if (o->until && !valid_date(o->until))
		return ch_usage_error(report_usage,
				      "report: --until %s: expected a date YYYY-MM-DD",
				      o->until);
	if (o->n_inputs < 1)
		return ch_usage_error(report_usage,
				      "report: name a log folder or log file");
	return 0;
}

int ch_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"out", required_argument, NULL, 'o'},
		{"since", required_argument, NULL, 's'},
		{"until", required_argument, NULL, 'u'},
		{"tz", required_argument, NULL, 'z'},
		{"core", required_argument, NULL, 'c'},
		{"core-min", required_argument, NULL, 'k'},
		{"core-window", required_argument, NULL, 'n'},
		{"rehearsals", no_argument, NULL, 'r'},
		{"care", no_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ch_report_opts o;
	int c, rc;

	memset(&o, 0, sizeof o);
	o.format = "text";
	o.core_min = 3;
	o.core_window = 8;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o.format = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 's':
			o.since = optarg;
			break;
		case 'u':
			o.until = optarg;
			break;
		case 'z':
			o.tz = optarg;
			break;
		case 'c':
			if (parse_core(optarg, &o.core_min, &o.core_window))
				return ch_usage_error(report_usage,
						      "report: --core %s: expected K/N, e.g. 3/8",
						      optarg);
			break;
		case 'k':
			if (parse_int(optarg, &o.core_min))
				return ch_usage_error(report_usage,
						      "report: --core-min %s: not a number",
						      optarg);
			break;
		case 'n':
			if (parse_int(optarg, &o.core_window))
				return ch_usage_error(report_usage,
						      "report: --core-window %s: not a number",
						      optarg);
			break;
		case 'r':
			o.rehearsals = true;
			break;
		case 'C':
			o.care = true;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return CH_EXIT_OK;
		default:
			return ch_bad_option(report_usage, "report", "+o:h", argv);
		}
	}
	o.inputs = argv + optind;
	o.n_inputs = argc - optind;
	rc = check_opts(&o);
	if (rc)
		return rc;
	return o.care ? ch_care_report_run(&o) : ch_report_run(&o);
}
