/* main.c - command-line dispatch only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "chtime.h"
#include "cli.h"
#include "notify.h"

static const char usage[] =
	"usage: chathost COMMAND [OPTIONS] ...\n"
	"\n"
	"  check   SCHEDULE [TOPIC...]      validate; every problem as FILE:LINE: message\n"
	"  length  [TEXT]                   weighted length of a post as X counts it\n"
	"  preview [--now ISO8601] [--date YYYY-MM-DD] SCHEDULE\n"
	"                                   the next (or given) chat's timeline\n"
	"  run     [--once] [--date YYYY-MM-DD] [--rehearse[=SPEED]] [--dry-run]\n"
	"          [--api-base URL] [--backfill [--full]] [-v|-q] SCHEDULE\n"
	"                                   host the chats: post on time, capture answers\n"
	"  poll    status|post|close SCHEDULE [--date D]\n"
	"                                   the poll that picks a crowdsourced topic\n"
	"  report  [--format text|csv|json|html] [--out FILE] [--since DATE]\n"
	"          [--until DATE] [--tz ZONE] LOGDIR|LOGFILE...\n"
	"                                   the participation review\n"
	"  recap   [--format text|md|html] [--out FILE] [--post SCHEDULE --url URL] LOGFILE\n"
	"                                   the chat's answers, links, contributors, first-timers\n"
	"  status  [--json] [--offline] SCHEDULE\n"
	"                                   the next chat, its topic, poll, accounts, the last\n"
	"  pause|resume|cancel [--date D] [--rehearse] [--notice TEXT] SCHEDULE\n"
	"                                   stop a chat's posts for a while, or for good\n"
	"  watch   [--rehearse[=SPEED]] [--api-base [NET=]URL] SCHEDULE\n"
	"                                   the care watch: no one waits for an answer\n"
	"\n"
	"  chathost COMMAND --help          a command's own options\n"
	"  chathost --version\n"
	"\n"
	"Exit status: 0 ok, 1 invalid input, 2 usage, 3 network or API failure.\n"
	"See chathost(1) and chathost.conf(5).\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"check", ch_cmd_check},
		{"length", ch_cmd_length},
		{"preview", ch_cmd_preview},
		{"run", ch_cmd_run},
		{"poll", ch_cmd_poll},
		{"report", ch_cmd_report},
		{"watch", ch_cmd_watch},
		{"status", ch_cmd_status},
		{"pause", ch_cmd_pause},
		{"resume", ch_cmd_resume},
		{"cancel", ch_cmd_cancel},
		{"recap", ch_cmd_recap},
	};
	struct timespec ts;
	size_t i;

	/* the one seeding of rand(): backoff jitter (host.c), a tie drawn by
	 * lot (poll.c) */
	clock_gettime(CLOCK_REALTIME, &ts);
	srand((unsigned)ts.tv_nsec ^ (unsigned)ts.tv_sec ^ (unsigned)getpid());
#ifdef __linux__
	/* the keys and tokens it reads never land in a core dump, and no
	 * other process of the user's may read its memory */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
	/* TZ present before any thread starts (chtime.c) */
	ch_tz_init();
	ch_umask_init();
	if (argc < 2) {
		fputs(usage, stderr);
		return CH_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return CH_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("chathost %s\n", CH_VERSION);
		return CH_EXIT_OK;
	}
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0) {
			int rc = cmds[i].fn(argc - 1, argv + 1);

			/* the alerts still queued for the notifiers (notify.h) */
			ch_notify_drain(CH_NOTIFY_DRAIN_S);
			return rc;
		}
	fprintf(stderr, "chathost: unknown command '%s'\n%s", argv[1], usage);
	return CH_EXIT_USAGE;
}
