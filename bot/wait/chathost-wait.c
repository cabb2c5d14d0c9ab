/*
 * chathost-wait - the small process `chathost run` becomes while the next
 * thing to do is far away.
 *
 *     chathost-wait WAKE CHATHOST ARG...
 *
 * `chathost run` loads libcurl, OpenSSL, liboauth and NSS, whose pages
 * alone hold some 12 MiB. When nothing is due for a long time (the next
 * chat a week away), it execs this program, which links only the C
 * library: it sleeps until WAKE (epoch seconds), re-reading the wall clock
 * at least every 5 minutes, then execs CHATHOST ARG... again (the same
 * process id, so systemd and scripts see one process throughout).
 *
 * SIGTERM, SIGINT: exit 0 at once (nothing is being written).
 * SIGHUP: exec CHATHOST now, which re-reads the schedule and topic files.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHUNK 300

static volatile sig_atomic_t got_stop, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t old;
	char *end;
	long long wake;

	if (argc < 3) {
		fputs("usage: chathost-wait WAKE CHATHOST ARG...\n"
		      "  (started by chathost run; not meant to be run by hand)\n",
		      stderr);
		return 2;
	}
	errno = 0;
	wake = strtoll(argv[1], &end, 10);
	if (errno || *end || wake < 0) {
		fprintf(stderr, "chathost-wait: WAKE %s is not epoch seconds\n",
			argv[1]);
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* chathost execs this with the three blocked: one sent meanwhile is
	 * pending and is delivered here, now that the handlers are set */
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &sa.sa_mask, &old);
	while (!got_stop && !got_hup) {
		struct timespec now, until;

		clock_gettime(CLOCK_REALTIME, &now);
		if ((long long)now.tv_sec >= wake)
			break;
		until.tv_sec = (time_t)(wake - now.tv_sec > MAX_CHUNK
						? now.tv_sec + MAX_CHUNK
						: wake);
		until.tv_nsec = 0;
		clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &until, NULL);
	}
	if (got_stop)
		return 0;
	/* the same hand-over back to chathost */
	sigprocmask(SIG_BLOCK, &sa.sa_mask, NULL);
	execv(argv[2], argv + 2);
	sigprocmask(SIG_SETMASK, &old, NULL);
	fprintf(stderr, "chathost-wait: cannot run %s: %s\n", argv[2],
		strerror(errno));
	return 3;
}
