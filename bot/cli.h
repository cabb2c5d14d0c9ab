/*
 * cli.h - the commands of chathost(1). Each takes the command's own argv
 * (argv[0] is the command name) and returns the exit status:
 * 0 ok, 1 invalid input (files), 2 usage, 3 network/API failure.
 */
#ifndef CHATHOST_CLI_H
#define CHATHOST_CLI_H

#include <stdio.h>
#include <time.h>

#define CH_EXIT_OK 0
#define CH_EXIT_INPUT 1
#define CH_EXIT_USAGE 2
#define CH_EXIT_NETWORK 3

#define CH_VERSION "0.1.0"

int ch_cmd_check(int argc, char **argv);   /* cli_check.c */
int ch_cmd_length(int argc, char **argv);  /* cli_files.c */
int ch_cmd_preview(int argc, char **argv); /* cli_files.c */
int ch_cmd_run(int argc, char **argv);     /* cli_run.c */
int ch_cmd_poll(int argc, char **argv);    /* cli_poll.c */
int ch_cmd_report(int argc, char **argv);  /* cli_report.c */
int ch_cmd_watch(int argc, char **argv);   /* cli_watch.c */
int ch_cmd_status(int argc, char **argv);  /* cli_status.c */
int ch_cmd_pause(int argc, char **argv);   /* cli_control.c */
int ch_cmd_resume(int argc, char **argv);  /* cli_control.c */
int ch_cmd_cancel(int argc, char **argv);  /* cli_control.c */
int ch_cmd_recap(int argc, char **argv);   /* cli_recap.c */

/* Prints "chathost CMD: MESSAGE" and the command's usage to stderr and
 * returns CH_EXIT_USAGE. */
/* Parses the --now ARG of command cmd into *now; a time without its
 * offset is refused, never taken as UTC. Returns 0 or CH_EXIT_USAGE
 * (said, with the usage). */
int ch_parse_now(const char *usage, const char *cmd, const char *arg,
		 time_t *now);
/* Parses --rehearse's SPEED of command cmd (NULL: the default, 60) into
 * *speed: a number from 1 to 100000. Returns 0 or CH_EXIT_USAGE (said). */
int ch_parse_speed(const char *usage, const char *cmd, const char *arg,
		   double *speed);
/* After getopt_long returned '?' (with opterr = 0): the one line that
 * names the option that is unknown or lacks its value, then the usage. */
int ch_bad_option(const char *usage, const char *cmd, const char *optstring,
		  char **argv);
int ch_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
