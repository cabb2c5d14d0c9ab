/* fuzz_logread.c - libFuzzer entry for the participation log's reader
 * (bot/replylog.h), the input being a log file's bytes: a hand-edited,
 * torn or hostile log. Checks its promises: it ends, every line is a post,
 * an event or a bad line counted, and a post's question is within a
 * topic's bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replylog.h"
#include "topic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_entry(const struct ch_log_entry *e, void *ctx)
{
	(void)ctx;
	if (e->question < 0 || e->question > CH_MAX_QUESTIONS)
		abort();
	if (e->kind != CH_KIND_EVENT && (!e->id || !e->created_at))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	struct ch_replylog_stats st;
	struct ch_diags bad;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memset(&st, 0, sizeof st);
	memset(&bad, 0, sizeof bad);
	ch_replylog_scan(buf, size, "fuzz.jsonl", check_entry, NULL, &st, &bad, 8);
	if (st.posts + st.events + st.bad > st.lines)
		abort();
	ch_diags_free(&bad);
	free(buf);
	return 0;
}
