/* log.c - leveled, line-buffered event lines on stderr. */
#include "log.h"

#include "chtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum ch_log_level log_max = CH_LOG_INFO;
static char log_name[64] = "chathost";
static int log_journal = -1;

void ch_log_setup(enum ch_log_level max, const char *name)
{
	log_max = max;
	if (name && name[0])
		snprintf(log_name, sizeof log_name, "%s", name);
	setvbuf(stderr, NULL, _IOLBF, 0);
}

int ch_log_enabled(enum ch_log_level level)
{
	return level <= log_max;
}

/* A log line is one line: a newline or a carriage return from a server's
 * answer or a name would forge another line (a "<0>" one under journald),
 * and an escape sequence would reach the terminal. Controls become a
 * space, DEL and C1 controls a '?', in place. */
static void one_line(char *s)
{
	unsigned char *p;

	for (p = (unsigned char *)s; *p; p++) {
		if (*p < 0x20)
			*p = ' ';
		else if (*p == 0x7f)
			*p = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			p[0] = '?';
			p[1] = '?';
			p++;
		}
	}
}

void ch_log(enum ch_log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	static const char *const prio[] = {"<3>", "<4>", "<6>", "<7>"};
	char msg[2048];
	va_list ap;

	if (level > log_max)
		return;
	if (log_journal < 0) {
		const char *p = getenv("CH_LOG_PRIORITY");

		log_journal = getenv("JOURNAL_STREAM") != NULL ||
			      (p && strcmp(p, "1") == 0);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	one_line(msg);
	if (log_journal) {
		fprintf(stderr, "%s%s %s: %s\n", prio[level], names[level],
			log_name, msg);
	} else {
		char ts[32];
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		ch_format_time_ms((long long)now.tv_sec * 1000 +
					  now.tv_nsec / 1000000L,
				  ts, sizeof ts);
		fprintf(stderr, "%s %s %s: %s\n", ts, names[level], log_name,
			msg);
	}
	fflush(stderr);
}
