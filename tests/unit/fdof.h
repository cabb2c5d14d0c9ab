/* fdof.h - for the unit tests: the descriptor this process holds open
 * on a path, to inject a disk failure by putting /dev/full in its place
 * with dup2, from outside the writer. Included by one test file each. */
#ifndef CHATHOST_TEST_FDOF_H
#define CHATHOST_TEST_FDOF_H

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The descriptor this process holds open on path (the log's writer keeps
 * its own): a disk failure is injected by putting /dev/full in its place
 * with dup2, from outside the writer. -1 if none. */
static int fd_of(const char *path)
{
	char want[PATH_MAX], link[300], got[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int fd = -1;
	ssize_t n;

	if (!realpath(path, want) || !(d = opendir("/proc/self/fd")))
		return -1;
	while (fd < 0 && (de = readdir(d)) != NULL) {
		snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
		n = readlink(link, got, sizeof got - 1);
		if (n <= 0)
			continue;
		got[n] = '\0';
		if (strcmp(got, want) == 0)
			fd = atoi(de->d_name);
	}
	closedir(d);
	return fd;
}

#endif
