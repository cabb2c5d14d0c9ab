/* cli_poll.c - chathost poll status|post|close (crowdsourced topics). */
#include "cli.h"

static const char poll_usage[] =
	"usage: chathost poll status|post|close SCHEDULE [--date YYYY-MM-DD]\n";

int ch_cmd_poll(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ch_usage_error(poll_usage, "poll: not built in this version yet");
}
