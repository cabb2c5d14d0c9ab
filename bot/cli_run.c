/* cli_run.c - chathost run: option parsing for the host loop. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "chtime.h"
#include "cli.h"
#include "host.h"
#include "log.h"

static const char run_usage[] =
	"usage: chathost run [--once] [--date YYYY-MM-DD] [--rehearse[=SPEED]]\n"
	"                    [--dry-run] [--api-base [NET=]URL]... [--backfill [--full]]\n"
	"                    [--yes] [--board ADDR:PORT [--board-token FILE]]\n"
	"                    [-v | -q] SCHEDULE\n"
	"  Hosts the chats of SCHEDULE: posts the intro, the questions and the\n"
	"  wrap-up on time and captures the answers into the log.\n"
	"  --once            host the next chat only, then exit\n"
	"  --date DATE       host the chat on DATE (implies --once)\n"
	"  --rehearse[=N]    start now, time runs N times faster (default 60);\n"
	"                    files go to LOGS/NAME/rehearsal/; posting to a\n"
	"                    real (not loopback) network needs --yes\n"
	"  --yes             let a rehearsal post to a real network\n"
	"  --dry-run         print the posts at their times, send nothing\n"
	"  --api-base [NET=]URL  use URL instead of the schedule's for network\n"
	"                    NET (x, bluesky, mastodon; without NET=: x);\n"
	"                    https://, or http:// to a loopback address\n"
	"  --backfill        search what the live capture missed of the chat on\n"
	"                    --date (past chats, up to 7 days back; with\n"
	"                    --rehearse: of that date's rehearsal)\n"
	"  --full            with --backfill: sweep the whole capture window\n"
	"  --board ADDR:PORT serve the live board of the hour there (read-only;\n"
	"                    e.g. 127.0.0.1:8080; port 0: any free one, said\n"
	"                    in the log); an address other than loopback needs\n"
	"                    a token: --board-token FILE (mode 0600) or\n"
	"                    CHATHOST_BOARD_TOKEN\n"
	"  -v, --verbose     trace requests (secrets redacted)\n"
	"  -q, --quiet       warnings and errors only\n";

int ch_cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"once", no_argument, NULL, 'o'},
		{"date", required_argument, NULL, 'd'},
		{"rehearse", optional_argument, NULL, 'r'},
		{"dry-run", no_argument, NULL, 'n'},
		{"api-base", required_argument, NULL, 'a'},
		{"backfill", no_argument, NULL, 'b'},
		{"full", no_argument, NULL, 'f'},
		{"yes", no_argument, NULL, 'y'},
		{"board", required_argument, NULL, 'B'},
		{"board-token", required_argument, NULL, 'T'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ch_host_opts o;
	enum ch_log_level level = CH_LOG_INFO;
	int c, y, m, d;
	bool bare_rehearse = false;
	char *end;

	memset(&o, 0, sizeof o);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.once = true;
			break;
		case 'd':
			if (ch_parse_date(optarg, &y, &m, &d) < 0)
				return ch_usage_error(run_usage,
						      "run: --date %s is not a date YYYY-MM-DD",
						      optarg);
			o.date = optarg;
			break;
		case 'r':
			bare_rehearse = !optarg;
			if (ch_parse_speed(run_usage, "run", optarg, &o.speed))
				return CH_EXIT_USAGE;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'a':
			if (o.n_api_bases == 5)
				return ch_usage_error(run_usage,
						      "run: --api-base: at most 5");
			if (!o.api_base)
				o.api_base = optarg;
			o.api_bases[o.n_api_bases++] = optarg;
			break;
		case 'b':
			o.backfill = true;
			break;
		case 'f':
			o.full = true;
			break;
		case 'y':
			o.yes = true;
			break;
		case 'B':
			o.board = optarg;
			break;
		case 'T':
			o.board_token = optarg;
			break;
		case 'v':
			level = CH_LOG_DEBUG;
			break;
		case 'q':
			level = CH_LOG_WARN;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return CH_EXIT_OK;
		default:
			return ch_bad_option(run_usage, "run", "vqh", argv);
		}
	}
	/* "--rehearse 60 SCHEDULE": the speed given as a word of its own */
	if (bare_rehearse && argc - optind == 2) {
		double v = strtod(argv[optind], &end);

		if (end == argv[optind] || *end)
			return ch_usage_error(run_usage,
					      "run: give one SCHEDULE file (got %s and %s; --rehearse takes a SPEED number, e.g. --rehearse=60)",
					      argv[optind], argv[optind + 1]);
		if (!(v >= 1 && v <= 100000))
			return ch_usage_error(run_usage,
					      "run: --rehearse %s: SPEED is a number from 1 to 100000",
					      argv[optind]);
		o.speed = v;
		optind++;
	}
	if (argc - optind != 1)
		return ch_usage_error(run_usage, "run: give one SCHEDULE file");
	if (o.backfill && !o.date)
		return ch_usage_error(run_usage,
				      "run: --backfill needs --date (the chat to backfill)");
	if (o.full && !o.backfill)
		return ch_usage_error(run_usage, "run: --full goes with --backfill");
	if (o.board_token && !o.board)
		return ch_usage_error(run_usage, "run: --board-token goes with --board");
	if (o.backfill && o.dry_run)
		return ch_usage_error(run_usage,
				      "run: --backfill cannot be combined with --dry-run");
	o.schedule_path = argv[optind];
	o.argc = argc;
	o.argv = argv;
	ch_log_setup(level, NULL);
	return ch_host_main(&o);
}
