/*
 * fuzz_schedule.c - libFuzzer entry point for the schedule loader: the
 * input is written to a temp file and loaded with ch_schedule_load; a
 * valid schedule is also asked for its next chat.
 *
 * Build (clang):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ibot \
 *     tests/fuzz/fuzz_schedule.c bot/common.c bot/chtime.c bot/cfgcheck.c \
 *     bot/schedule.c -lconfig -o tests/fuzz/fuzz_schedule
 *   tests/fuzz/fuzz_schedule -max_total_time=60 NEWDIR tests/fuzz/corpus/schedule
 * (or `make fuzz`, which runs every tests/fuzz/fuzz_*.c)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "schedule.h"

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
	char path[] = "/tmp/ch_fuzz_schedule_XXXXXX";
	struct ch_schedule s;
	struct ch_diags d = {0};
	char date[11];
	time_t start;
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
	if (ch_schedule_load(&s, path, &d) == 0) {
		ch_schedule_next(&s, (time_t)1772625600, date, &start);
	}
	for (size_t i = 0; i < d.n; i++) {
		/* every message names the file */
		if (d.items[i].text[0] == '\0')
			abort();
	}
	ch_schedule_free(&s);
	ch_diags_free(&d);
	unlink(path);
	return 0;
}
