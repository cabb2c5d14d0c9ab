/* mut.h - writable copies of string literals for test fixtures whose
 * structs hold `char *` (no const cast away: -Wcast-qual). The copies are
 * owned by a table freed at exit. */
#ifndef CHATHOST_MUT_H
#define CHATHOST_MUT_H

#include <stdlib.h>
#include <string.h>

static char *mut_keep[4096];
static size_t mut_n;

static void mut_free(void)
{
	while (mut_n > 0)
		free(mut_keep[--mut_n]);
}

static char *mut(const char *s)
{
	char *p;

	if (!s)
		return NULL;
	if (mut_n == 0)
		atexit(mut_free);
	if (mut_n == sizeof mut_keep / sizeof mut_keep[0])
		abort(); /* a fixture that large is a bug in the test */
	p = strdup(s);
	if (!p)
		abort();
	mut_keep[mut_n++] = p;
	return p;
}

#endif
