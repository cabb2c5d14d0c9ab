/* common.c - errors, diagnostics, buffers, allocation helpers. */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void ch_error_clear(struct ch_error *err)
{
	if (!err)
		return;
	err->source[0] = '\0';
	err->line = 0;
	err->text[0] = '\0';
}

void ch_error_set(struct ch_error *err, const char *source, int line,
		  const char *fmt, ...)
{
	va_list ap;

	if (!err || err->text[0])
		return;
	snprintf(err->source, sizeof err->source, "%s", source ? source : "");
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof err->text, fmt, ap);
	va_end(ap);
	if (!err->text[0])
		snprintf(err->text, sizeof err->text, "unknown error");
}

void ch_error_print(const struct ch_error *err, FILE *fp)
{
	if (err->source[0] && err->line > 0)
		fprintf(fp, "%s:%d: %s\n", err->source, err->line, err->text);
	else if (err->source[0])
		fprintf(fp, "%s: %s\n", err->source, err->text);
	else
		fprintf(fp, "%s\n", err->text);
}

void ch_diags_vadd(struct ch_diags *d, const char *source, int line,
		   const char *fmt, va_list ap)
{
	struct ch_error *e;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->items = ch_xrealloc(d->items, d->cap * sizeof *d->items);
	}
	e = &d->items[d->n++];
	ch_error_clear(e);
	snprintf(e->source, sizeof e->source, "%s", source ? source : "");
	e->line = line;
	vsnprintf(e->text, sizeof e->text, fmt, ap);
}

void ch_diags_add(struct ch_diags *d, const char *source, int line,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ch_diags_vadd(d, source, line, fmt, ap);
	va_end(ap);
}

void ch_diags_add_error(struct ch_diags *d, const struct ch_error *err)
{
	if (err && err->text[0])
		ch_diags_add(d, err->source, err->line, "%s", err->text);
}

static int diag_cmp(const struct ch_error *a, const struct ch_error *b)
{
	int c = strcmp(a->source, b->source);

	if (c)
		return c;
	return (a->line > b->line) - (a->line < b->line);
}

void ch_diags_sort(struct ch_diags *d)
{
	size_t i, j;

	/* insertion sort: stable, and lists are short */
	for (i = 1; i < d->n; i++) {
		struct ch_error tmp = d->items[i];

		for (j = i; j > 0 && diag_cmp(&d->items[j - 1], &tmp) > 0; j--)
			d->items[j] = d->items[j - 1];
		d->items[j] = tmp;
	}
}

void ch_diags_print(struct ch_diags *d, FILE *fp)
{
	size_t i;

	ch_diags_sort(d);
	for (i = 0; i < d->n; i++)
		ch_error_print(&d->items[i], fp);
}

void ch_diags_free(struct ch_diags *d)
{
	free(d->items);
	d->items = NULL;
	d->n = d->cap = 0;
}

static void buf_reserve(struct ch_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap *= 2;
	b->data = ch_xrealloc(b->data, b->cap);
}

void ch_buf_append(struct ch_buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void ch_buf_puts(struct ch_buf *b, const char *s)
{
	ch_buf_append(b, s, strlen(s));
}

/* The one formatter into a buffer: measures, grows, writes. */
static void buf_vprintf(struct ch_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	char probe[1];
	int n;

	va_copy(aq, ap);
	n = vsnprintf(probe, sizeof probe, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void ch_buf_printf(struct ch_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *ch_buf_str(struct ch_buf *b)
{
	return b->data ? b->data : "";
}

char *ch_buf_steal(struct ch_buf *b)
{
	char *p = b->data ? b->data : ch_xstrdup("");

	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void ch_buf_free(struct ch_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static void oom(void)
{
	fputs("chathost: out of memory\n", stderr);
	abort();
}

void *ch_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *ch_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *ch_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom();
	return q;
}

char *ch_xstrdup(const char *s)
{
	return s ? ch_xstrndup(s, strlen(s)) : NULL;
}

char *ch_xstrndup(const char *s, size_t n)
{
	char *p = ch_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *ch_xasprintf(const char *fmt, ...)
{
	struct ch_buf b = {0};
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return ch_buf_steal(&b);
}

FILE *ch_open_regular(const char *path, struct ch_error *err)
{
	struct stat sb;
	FILE *fp = NULL;
	int fd;

	/* O_NONBLOCK: opening a FIFO for reading would wait for a writer */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ch_error_set(err, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) != 0) {
		ch_error_set(err, path, 0, "cannot stat: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		ch_error_set(err, path, 0, "not a regular file (%s); name a file",
			     S_ISDIR(sb.st_mode)    ? "a folder"
			     : S_ISFIFO(sb.st_mode) ? "a FIFO"
			     : S_ISSOCK(sb.st_mode) ? "a socket"
						    : "a device");
		close(fd);
		return NULL;
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	fp = fdopen(fd, "rb");
	if (!fp) {
		ch_error_set(err, path, 0, "cannot open: %s", strerror(errno));
		close(fd);
	}
	return fp;
}

char *ch_read_file(const char *path, size_t max, size_t *len_out,
		   struct ch_error *err)
{
	FILE *fp = NULL;
	struct ch_buf b = {0};
	char chunk[65536];
	size_t n;
	char *out = NULL;

	fp = ch_open_regular(path, err);
	if (!fp)
		goto cleanup;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		if (b.len + n > max) {
			ch_error_set(err, path, 0, "file larger than %zu bytes",
				     max);
			goto cleanup;
		}
		ch_buf_append(&b, chunk, n);
	}
	if (ferror(fp)) {
		ch_error_set(err, path, 0, "read error: %s", strerror(errno));
		goto cleanup;
	}
	if (len_out)
		*len_out = b.len;
	out = ch_buf_steal(&b);
cleanup:
	if (fp)
		fclose(fp);
	ch_buf_free(&b);
	return out;
}

int ch_mkdir_p(const char *path)
{
	char *p = ch_xstrdup(path), *q;
	int rc = 0, saved = 0;

	for (q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			rc = -1;
			saved = errno;
		}
		*q = '/';
	}
	if (mkdir(p, 0755) != 0 && errno != EEXIST) {
		rc = -1;
		saved = errno;
	}
	free(p);
	if (rc)
		errno = saved;
	return rc;
}

char *ch_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return ch_xstrdup(".");
	if (slash == path)
		return ch_xstrdup("/");
	return ch_xstrndup(path, (size_t)(slash - path));
}

/* base/path, with each leading "../" of path taking away the last
 * component of base while base has one (so "schedules" + "../topics"
 * reads "topics", as a content manager would write it). */
static char *path_join(const char *base, const char *path)
{
	size_t blen = strlen(base);
	char *out;

	while (strncmp(path, "../", 3) == 0 && blen > 0) {
		size_t start;

		while (blen > 1 && base[blen - 1] == '/')
			blen--;
		for (start = blen; start > 0 && base[start - 1] != '/'; start--)
			;
		if (blen - start == 2 && strncmp(base + start, "..", 2) == 0)
			break;
		if (blen - start == 1 && base[start] == '.')
			break;
		blen = start;
		path += 3;
		while (blen > 1 && base[blen - 1] == '/')
			blen--;
		if (blen == 1 && base[0] == '/')
			break;
	}
	if (blen == 0)
		return ch_xstrdup(path);
	if (blen == 1 && base[0] == '/')
		return ch_xasprintf("/%s", path);
	out = ch_xasprintf("%.*s/%s", (int)blen, base, path);
	return out;
}

char *ch_path_resolve(const char *base_dir, const char *path)
{
	const char *home;

	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
		home = getenv("HOME");
		return ch_xasprintf("%s%s", home ? home : "", path + 1);
	}
	if (path[0] == '/' || !base_dir || !base_dir[0] ||
	    strcmp(base_dir, ".") == 0)
		return ch_xstrdup(path);
	return path_join(base_dir, path);
}

/* Writes all of data to fd; 0, or -1 with err about name. */
static int write_all(int fd, const char *name, const char *p, size_t len,
		     struct ch_error *err)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ch_error_set(err, name, 0, "%s",
				     n < 0 ? strerror(errno) : "short write (disk full?)");
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* A target that is not a regular file (/dev/null, /dev/stdout, a FIFO)
 * is written in place: renaming over it would replace the device. */
static int write_in_place(const char *path, const void *data, size_t len,
			  struct ch_error *err)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), rc;

	if (fd < 0) {
		ch_error_set(err, path, 0, "%s", strerror(errno));
		return -1;
	}
	rc = write_all(fd, path, data, len, err);
	if (close(fd) != 0 && rc == 0) {
		ch_error_set(err, path, 0, "%s", strerror(errno));
		rc = -1;
	}
	return rc;
}

static mode_t the_umask;
static bool umask_known;

void ch_umask_init(void)
{
	the_umask = umask(022);
	umask(the_umask);
	umask_known = true;
}

/* A new file beside path, with a name no one can guess (mkstemp: created
 * with O_EXCL, so never through a planted link), close-on-exec, of mode
 * less the umask. Returns its descriptor and *tmp (caller frees), or -1
 * (err). */
static int temp_beside(const char *path, unsigned mode, char **tmp,
		       struct ch_error *err)
{
	char *dir = ch_dirname(path);
	const char *base = strrchr(path, '/');
	int fd;

	if (!umask_known)
		ch_umask_init();
	*tmp = ch_xasprintf("%s/.%s.XXXXXX", dir, base ? base + 1 : path);
	free(dir);
	fd = mkstemp(*tmp);
	if (fd < 0) {
		ch_error_set(err, path, 0, "a temporary file beside it: %s",
			     strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (fchmod(fd, (mode_t)mode & ~the_umask) != 0) {
		ch_error_set(err, *tmp, 0, "%s", strerror(errno));
		close(fd);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	return fd;
}

int ch_write_file_atomic(const char *path, const void *data, size_t len,
			 unsigned mode, struct ch_error *err)
{
	char *tmp = NULL, *dir = ch_dirname(path);
	int fd = -1, dfd = -1, rc = -1;
	struct stat sb;

	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		free(dir);
		return write_in_place(path, data, len, err);
	}
	if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		ch_error_set(err, path, 0, "is a symbolic link: not written through (it may point at another's file); name the file itself");
		goto cleanup;
	}
	fd = temp_beside(path, mode, &tmp, err);
	if (fd < 0)
		goto cleanup;
	if (write_all(fd, tmp, data, len, err) < 0)
		goto cleanup;
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		ch_error_set(err, tmp, 0, "%s", strerror(errno));
		unlink(tmp);
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		ch_error_set(err, path, 0, "renaming over it: %s", strerror(errno));
		unlink(tmp);
		goto cleanup;
	}
	dfd = open(dir, O_RDONLY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	rc = 0;
cleanup:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (dfd >= 0)
		close(dfd);
	free(tmp);
	free(dir);
	return rc;
}

char *ch_path_swap_end(const char *path, const char *from, const char *to)
{
	size_t n = strlen(path), k = strlen(from);

	if (n < k || strcmp(path + n - k, from) != 0)
		return NULL;
	return ch_xasprintf("%.*s%s", (int)(n - k), path, to);
}

bool ch_url_is_web(const char *url, size_t n)
{
	size_t i, skip;

	if (!url)
		return false;
	if (n >= 8 && strncasecmp(url, "https://", 8) == 0)
		skip = 8;
	else if (n >= 7 && strncasecmp(url, "http://", 7) == 0)
		skip = 7;
	else
		return false;
	/* a host: not empty, not a path, query, fragment or port alone */
	if (n == skip || strchr("/?#:@", url[skip]))
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c <= ' ' || c == 0x7f || c == '\\')
			return false;
	}
	return true;
}

char *ch_strip_controls(const char *s, bool keep_newlines)
{
	const unsigned char *p;
	char *out, *o;

	if (!s)
		return NULL;
	out = o = ch_xmalloc(strlen(s) + 1);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n' || *p == '\t') {
			*o++ = keep_newlines ? (char)*p : ' ';
		} else if (*p < 0x20 || *p == 0x7f) {
			continue;
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			p++; /* a C1 control, U+0080..U+009F */
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	return out;
}

void ch_fputs_clean(const char *s, FILE *fp)
{
	char *c = ch_strip_controls(s, true);

	if (c)
		fputs(c, fp);
	free(c);
}

bool ch_dir_is_shared(const char *dir)
{
	struct stat sb;

	return dir && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	       (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

/* "https://hooks.example.com" from a URL: scheme and host only, since a
 * webhook's path is often its secret. Caller frees. */
char *ch_url_origin(const char *url)
{
	const char *p = strstr(url, "://");
	size_t n;

	if (!p)
		return ch_xstrdup("(webhook)");
	p += 3;
	n = strcspn(p, "/?#");
	/* drop any user:password@ */
	{
		const char *at = memchr(p, '@', n);

		if (at) {
			n -= (size_t)(at + 1 - p);
			p = at + 1;
		}
	}
	return ch_xasprintf("%.*s://%.*s", (int)(strstr(url, "://") - url),
			    url, (int)n, p);
}

/* Splits handle h (no leading '@') into its user part's length and its
 * domain (home when it has none). */
static const char *handle_split(const char *h, size_t *user_n,
				const char *home)
{
	const char *at = strchr(h, '@');

	*user_n = at ? (size_t)(at - h) : strlen(h);
	return at ? at + 1 : (home ? home : "");
}

char *ch_handle_local(const char *h, const char *home, char *buf, size_t n)
{
	size_t user_n;
	const char *dom;

	h += *h == '@';
	dom = handle_split(h, &user_n, NULL);
	if (home && *home && *dom && strcasecmp(dom, home) == 0)
		snprintf(buf, n, "%.*s", (int)user_n, h);
	else
		snprintf(buf, n, "%s", h);
	return buf;
}

bool ch_handle_same(const char *a, const char *b, const char *home)
{
	size_t an, bn;
	const char *ad, *bd;

	if (!a || !b)
		return false;
	a += *a == '@';
	b += *b == '@';
	if (!home || !*home)
		return strcasecmp(a, b) == 0;
	ad = handle_split(a, &an, home);
	bd = handle_split(b, &bn, home);
	return an == bn && strncasecmp(a, b, an) == 0 &&
	       strcasecmp(ad, bd) == 0;
}
