/*
 * common.h - errors, diagnostics, growable buffers and allocation helpers
 * shared by every module.
 *
 * Error convention (the jansson json_error_t way): functions return 0 on
 * success and -1 on failure, and fill a caller-supplied struct ch_error.
 * The first error wins: ch_error_set() does nothing if the error already
 * holds a message, so the root cause is what the user sees.
 *
 * Where every problem must be reported (the file checks), functions append
 * to a struct ch_diags instead, which collects FILE:LINE: message items.
 */
#ifndef CHATHOST_COMMON_H
#define CHATHOST_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CH_ERROR_SOURCE_LEN 256
#define CH_ERROR_TEXT_LEN 512

struct ch_error {
	char source[CH_ERROR_SOURCE_LEN]; /* file name or subsystem ("x-api") */
	int line;                         /* 1-based; 0 when no line applies */
	char text[CH_ERROR_TEXT_LEN];     /* what is wrong and what to do */
};

/* Empties err (err may be NULL: then every ch_error_* call is a no-op). */
void ch_error_clear(struct ch_error *err);
/* Sets err unless it already holds a message (first error wins). */
void ch_error_set(struct ch_error *err, const char *source, int line,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Prints "SOURCE:LINE: text", "SOURCE: text" or "text" and a newline. */
void ch_error_print(const struct ch_error *err, FILE *fp);

/* A list of diagnostics; owns its array. Zero-initialise before use. */
struct ch_diags {
	struct ch_error *items; /* owned */
	size_t n;
	size_t cap;
};

void ch_diags_add(struct ch_diags *d, const char *source, int line,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ch_diags_vadd(struct ch_diags *d, const char *source, int line,
		   const char *fmt, va_list ap);
/* Appends a copy of err (if it holds a message). */
void ch_diags_add_error(struct ch_diags *d, const struct ch_error *err);
/* Sorts by source then line (stable). */
void ch_diags_sort(struct ch_diags *d);
/* Sorts by source then line (stable), then prints each item as ch_error_print. */
void ch_diags_print(struct ch_diags *d, FILE *fp);
void ch_diags_free(struct ch_diags *d);

/* A growable byte buffer, always NUL-terminated; owns data. Zero-init ok. */
struct ch_buf {
	char *data; /* owned; NULL until the first append */
	size_t len;
	size_t cap;
};

void ch_buf_append(struct ch_buf *b, const void *p, size_t n);
void ch_buf_puts(struct ch_buf *b, const char *s);
void ch_buf_printf(struct ch_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Returns the data (never NULL: "" when empty); the buffer still owns it. */
const char *ch_buf_str(struct ch_buf *b);
/* Hands the data over to the caller (free() it) and empties the buffer. */
char *ch_buf_steal(struct ch_buf *b);
void ch_buf_free(struct ch_buf *b);

/* Allocation helpers: on out-of-memory they print a message and abort(),
 * so callers need not check. The caller owns (free()s) what they return. */
void *ch_xmalloc(size_t n);
void *ch_xcalloc(size_t n, size_t size);
void *ch_xrealloc(void *p, size_t n);
char *ch_xstrdup(const char *s);        /* NULL in, NULL out */
char *ch_xstrndup(const char *s, size_t n);
char *ch_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens path for reading if it is a regular file (never waits: a FIFO,
 * a device or a folder is refused at once). Returns the stream (caller
 * fcloses) or NULL with err filled. */
FILE *ch_open_regular(const char *path, struct ch_error *err);

/* Reads a whole file into a new NUL-terminated string (caller frees).
 * Only a regular file (ch_open_regular).
 * Returns NULL and fills err on failure; *len_out may be NULL. */
char *ch_read_file(const char *path, size_t max, size_t *len_out,
		   struct ch_error *err);

/* The one atomic file write: data to a temp file beside path (mode less
 * the umask; an unguessable name created with O_EXCL, so never through a
 * planted link), fsync, rename over path, fsync of the folder. A crash
 * leaves the old file or the new one, never a part. Returns 0, or -1
 * with err filled (the file it concerns and the system's reason; the
 * temp file removed). A path that is not a regular file (/dev/null,
 * /dev/stdout, a FIFO: what the user named) is written in place, never
 * renamed over; a symbolic link to a regular file, or a dangling one, is
 * refused (in a shared folder it may have been planted to point at
 * another's file). Used by the state and the --out of report and recap. */
int ch_write_file_atomic(const char *path, const void *data, size_t len,
			 unsigned mode, struct ch_error *err);

/* Reads the umask once, for the atomic write's files: main calls it
 * before any thread starts (reading it means setting it for a moment). */
void ch_umask_init(void);

/* Whether the folder dir may be written by other users (group- or
 * world-writable): someone else could plant a link or a file there where
 * chathost writes. False when it is not there. */
bool ch_dir_is_shared(const char *dir);

/* mkdir -p: creates path and its missing parents (mode 0755).
 * Returns 0, or -1 with errno set. */
int ch_mkdir_p(const char *path);

/* path with its ending from replaced by to ("D.state.json" ->
 * "D.control.json"), or NULL when path does not end with from. Caller
 * frees. */
char *ch_path_swap_end(const char *path, const char *from, const char *to);

/* Directory part of path ("." if none); caller frees. */
char *ch_dirname(const char *path);
/* path resolved against base_dir unless absolute; a leading "~/" expands to
 * $HOME. Caller frees. */
char *ch_path_resolve(const char *base_dir, const char *path);

/* True if the n bytes at url are a web address: "http://" or "https://"
 * (the scheme in any case), a host, and no space, control character or
 * backslash. The only links chathost keeps from a post or writes into a
 * report: a javascript: or data: link never becomes a live link. */
bool ch_url_is_web(const char *url, size_t n);

/* "https://hooks.example.com" of a URL: its scheme and host only (no
 * user, password, path or query: a webhook's path is often its secret).
 * Caller frees. */
char *ch_url_origin(const char *url);

/* Whether handles a and b name the same account: a leading '@' aside,
 * ASCII case aside, and where a network's handles may carry a domain
 * (Mastodon's "care@events.example"), a handle without one belongs to
 * home (the instance the account is read on; NULL or "": handles carry
 * no domain, compared whole). "care", "@care@events.example" and
 * "CARE@events.example" are one account at home "events.example";
 * "care@elsewhere.example" is another. */
bool ch_handle_same(const char *a, const char *b, const char *home);
/* Handle h in its local form at home: "care" for "@care@events.example"
 * at home "events.example"; otherwise h without its leading '@'. Into
 * buf (size n); returns buf. */
char *ch_handle_local(const char *h, const char *home, char *buf, size_t n);

/* s for a terminal or a one-line log: C0 and C1 control characters (ESC
 * sequences, carriage returns, U+0080..U+009F) and DEL removed, a newline
 * and a tab kept when keep_newlines, else each turned into a space;
 * invalid UTF-8 is left for the writer to judge. A new string (caller
 * frees); NULL in, NULL out. */
char *ch_strip_controls(const char *s, bool keep_newlines);
/* fputs of ch_strip_controls(s, true): text from a post or a name, to a
 * terminal or a text file. */
void ch_fputs_clean(const char *s, FILE *fp);

#endif
