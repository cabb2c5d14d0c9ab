/* cli_watch.c - chathost watch: its options (the watch itself: watch.c). */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "watch.h"

static const char watch_usage[] =
	"usage: chathost watch [--rehearse[=SPEED]] [--api-base [NET=]URL]...\n"
	"                      [--for SECONDS] [--board ADDR:PORT [--board-token FILE]]\n"
	"                      [-v|-q] SCHEDULE\n"
	"  The care watch of the schedule's watch group: mentions of its\n"
	"  accounts and posts with its hashtags open cases on every network;\n"
	"  a staff reply answers them; the notifiers hear of a case unanswered\n"
	"  after warn_after and after sla minutes of staffed time. Until\n"
	"  stopped (SIGTERM, SIGINT: exit 0).\n"
	"  --rehearse[=N]    staffed from now, minutes N times faster (60)\n"
	"  --api-base [NET=]URL  use URL instead of the schedule's for network\n"
	"                    NET (X without NET=); repeatable\n"
	"  --for SECONDS     stop after this many seconds\n"
	"  --board ADDR:PORT serve the live board of the open cases there (as\n"
	"                    run's; not loopback: --board-token FILE or\n"
	"                    CHATHOST_BOARD_TOKEN)\n"
	"  -v, --verbose     trace every request; -q, --quiet: warnings only\n";

int ch_cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{"rehearse", optional_argument, NULL, 'r'},
		{"api-base", required_argument, NULL, 'a'},
		{"for", required_argument, NULL, 'f'},
		{"board", required_argument, NULL, 'B'},
		{"board-token", required_argument, NULL, 'T'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ch_watch_opts o;
	enum ch_log_level level = CH_LOG_INFO;
	char *end;
	int c;

	memset(&o, 0, sizeof o);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (ch_parse_speed(watch_usage, "watch", optarg, &o.speed))
				return CH_EXIT_USAGE;
			break;
		case 'a':
			if (o.n_api_bases == 5)
				return ch_usage_error(watch_usage,
						      "watch: --api-base: at most 5");
			o.api_bases[o.n_api_bases++] = optarg;
			break;
		case 'f':
			o.stop_after = strtod(optarg, &end);
			if (*end || !(o.stop_after > 0))
				return ch_usage_error(watch_usage,
						      "watch: --for %s: give a number of seconds",
						      optarg);
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
			fputs(watch_usage, stdout);
			return CH_EXIT_OK;
		default:
			return ch_bad_option(watch_usage, "watch", "vqh", argv);
		}
	}
	if (argc - optind != 1)
		return ch_usage_error(watch_usage, "watch: give one SCHEDULE file");
	if (o.board_token && !o.board)
		return ch_usage_error(watch_usage, "watch: --board-token goes with --board");
	o.schedule_path = argv[optind];
	ch_log_setup(level, NULL);
	return ch_watch_main(&o);
}
