/* fuzz_xapi.c - libFuzzer entry point for the X API response parsers
 * (ch_xapi_parse_page, ch_xapi_parse_poll, ch_xapi_classify).
 * Build and run with clang (bot/oauth.c is compiled without -Ibot so that
 * <oauth.h> is liboauth's):
 *   CF="-g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 \
 *       -fsanitize=fuzzer-no-link,address,undefined"
 *   clang $CF -c bot/oauth.c -o /tmp/oauth.o
 *   clang $CF -Ibot -c bot/xapi.c -o /tmp/xapi.o   (same for http, common)
 *   clang -g -fsanitize=fuzzer,address,undefined -std=c11 \
 *     -D_POSIX_C_SOURCE=200809L -Ibot tests/fuzz/fuzz_xapi.c /tmp/*.o \
 *     $(pkg-config --libs jansson libcurl oauth) -lpthread -o /tmp/fuzz_xapi
 *   /tmp/fuzz_xapi -max_total_time=60 tests/fuzz/corpus/xapi
 * Seeds: tests/fuzz/corpus/xapi/ (search pages, a poll lookup, problem
 * JSON, malformed and wrongly typed input). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/x/xapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ch_msg_page page;
	struct ch_poll_result poll;
	struct ch_error err = {{0}, 0, {0}};
	size_t i;

	if (ch_xapi_parse_page((const char *)data, size, &page, &err) == 0) {
		/* touch every field so a bad pointer shows up */
		for (i = 0; i < page.n; i++) {
			const struct ch_msg *t = &page.msgs[i];
			if (!t->id || !t->text)
				__builtin_trap();
			(void)strlen(t->id);
			(void)strlen(t->text);
			if (t->username)
				(void)strlen(t->username);
			if (t->in_reply_to_id)
				(void)strlen(t->in_reply_to_id);
		}
		ch_msg_page_free(&page);
	} else if (!err.text[0] || page.msgs || page.n) {
		__builtin_trap(); /* a failure must say why and own nothing */
	}
	ch_error_clear(&err);
	if (ch_xapi_parse_poll((const char *)data, size, &poll, &err) == 0) {
		for (i = 0; i < poll.n_options; i++)
			(void)strlen(poll.options[i].label);
		ch_poll_result_free(&poll);
	} else if (!err.text[0] || poll.options) {
		__builtin_trap();
	}
	ch_error_clear(&err);
	(void)ch_xapi_classify(429, (const char *)data, size, NULL, &err);
	return 0;
}
