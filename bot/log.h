/*
 * log.h - one line per event on stderr: "LEVEL NAME: message".
 * Line-buffered. Under systemd (JOURNAL_STREAM set, or CH_LOG_PRIORITY=1)
 * each line starts with a syslog priority prefix "<3>", "<4>", "<6>", "<7>"
 * so journald files it at the right level.
 */
#ifndef CHATHOST_LOG_H
#define CHATHOST_LOG_H

enum ch_log_level {
	CH_LOG_ERROR = 0,
	CH_LOG_WARN = 1,
	CH_LOG_INFO = 2,
	CH_LOG_DEBUG = 3, /* -v: request traces */
};

/* Sets the verbosity (default CH_LOG_INFO; -q -> CH_LOG_WARN, -v ->
 * CH_LOG_DEBUG) and the chat name shown on every line (copied). */
void ch_log_setup(enum ch_log_level max, const char *name);
/* true if a message of level would be printed */
int ch_log_enabled(enum ch_log_level level);
void ch_log(enum ch_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
