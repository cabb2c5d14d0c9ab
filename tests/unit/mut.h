/* mut.h - writable copies of string literals for test fixtures whose
 * structs hold `char *` (no const cast away: -Wcast-qual). The copies are
 * kept in a static table until the process ends (reachable, not leaked). */
#ifndef CHATHOST_MUT_H
#define CHATHOST_MUT_H

#include <stdlib.h>
#include <string.h>

static char *mut(const char *s)
{
	static char *keep[4096];
	static size_t n_keep;
	char *p;

	if (!s)
		return NULL;
	p = strdup(s);
	if (!p)
		abort();
	if (n_keep < sizeof keep / sizeof keep[0])
		keep[n_keep++] = p;
	return p;
}

#endif
