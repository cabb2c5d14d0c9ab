/*
 * fuzz_topic.c - libFuzzer entry point for the topic loader: the input is
 * written to a temp file and loaded with ch_topic_load.
 *
 * Build (clang):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ibot \
 *     tests/fuzz/fuzz_topic.c bot/common.c bot/chtime.c bot/cfgcheck.c \
 *     bot/topic.c -lconfig -o tests/fuzz/fuzz_topic
 *   tests/fuzz/fuzz_topic -max_total_time=60 NEWDIR tests/fuzz/corpus/topic
 * (or `make fuzz`, which runs every tests/fuzz/fuzz_*.c)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "topic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libconfig 1.5 leaks the buffer of a string token that a syntax error
 * discards (e.g. a file holding just ""): its bug, not ours. */
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig.so\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/ch_fuzz_topic_XXXXXX";
	struct ch_topic t;
	struct ch_diags d = {0};
	size_t i, q;
	int fd = mkstemp(path);
	FILE *fp;

	if (fd < 0)
		return 0;
	fp = fdopen(fd, "wb");
	if (!fp) {
		close(fd);
		unlink(path);
		return 0;
	}
	fwrite(data, 1, size, fp);
	fclose(fp);
	ch_topic_load(&t, path, &d);
	/* the loaded structure never holds NULL texts, valid or not */
	for (i = 0; i < t.n_candidates; i++) {
		const struct ch_topic_body *b = &t.candidates[i];

		if (!b->title || !b->intro || !b->wrapup || !b->questions)
			abort();
		for (q = 0; q < b->n_questions; q++) {
			if (!b->questions[q].text)
				abort();
		}
		if (t.has_poll && !b->label)
			abort();
	}
	if (d.n == 0 && strlen(t.date) != 10)
		abort();
	ch_topic_free(&t);
	ch_diags_free(&d);
	unlink(path);
	return 0;
}
