/* lock.c - the per-chat-folder run lock (flock). */
#define _DEFAULT_SOURCE /* flock(2) */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_ENV "CHATHOST_LOCK_FD"

/* The descriptor named in the environment if it is open on path's file. */
static int inherited(const char *path)
{
	const char *v = getenv(LOCK_ENV);
	struct stat a, b;
	char *end;
	long fd;

	if (!v || !*v)
		return -1;
	fd = strtol(v, &end, 10);
	unsetenv(LOCK_ENV);
	if (*end || fd < 3 || fd > 65535)
		return -1;
	if (fstat((int)fd, &a) != 0 || stat(path, &b) != 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return -1;
	return (int)fd;
}

static void write_pid(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) != n)
		(void)ftruncate(fd, 0);
}

static long holder_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int ch_lock_dir(const char *dir, struct ch_error *err)
{
	char *path = ch_xasprintf("%s/.lock", dir);
	int fd = -1;

	if (ch_mkdir_p(dir) < 0) {
		ch_error_set(err, dir, 0, "cannot create the folder: %s",
			     strerror(errno));
		goto cleanup;
	}
	fd = inherited(path);
	if (fd < 0)
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		ch_error_set(err, path, 0, "cannot open the run lock: %s",
			     strerror(errno));
		goto cleanup;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		long pid = holder_pid(fd);

		if (e == EWOULDBLOCK && pid > 0)
			ch_error_set(err, dir, 0,
				     "already running (pid %ld): another chathost holds this folder (a run hosting the chat, or a watch); stop that one first",
				     pid);
		else if (e == EWOULDBLOCK)
			ch_error_set(err, dir, 0,
				     "already running: another chathost holds %s",
				     path);
		else
			ch_error_set(err, path, 0, "cannot lock: %s",
				     strerror(e));
		close(fd);
		fd = -1;
		goto cleanup;
	}
	write_pid(fd);
cleanup:
	free(path);
	return fd;
}

long ch_lock_holder(const char *dir)
{
	char *path = ch_xasprintf("%s/.lock", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	long pid = 0;

	if (fd >= 0) {
		if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK)
			pid = holder_pid(fd);
		close(fd); /* drops a shared lock taken */
	}
	free(path);
	return pid;
}

void ch_lock_pass_on(int fd)
{
	char v[16];

	if (fd < 0)
		return;
	snprintf(v, sizeof v, "%d", fd);
	(void)fcntl(fd, F_SETFD, 0);
	setenv(LOCK_ENV, v, 1);
}
