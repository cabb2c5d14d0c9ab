/* secrets.c - a network's secrets from the environment or from a mode
 * 0600 libconfig file. No message ever contains a secret: errors name
 * variables, keys, files and lines only. */
#include "secrets.h"

#include "cfgcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CH_CREDS_MAX_FILE (64 * 1024)
#define CH_CREDS_MAX_LEN 512

/* memset through a volatile pointer, so the compiler cannot drop it. */
static void *(*const volatile ch_creds_memset)(void *, int, size_t) = memset;

void ch_secret_wipe(char *s, size_t n)
{
	if (s)
		ch_creds_memset(s, 0, n);
}

void ch_secret_free(char **s)
{
	if (*s) {
		ch_secret_wipe(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* Printable ASCII only, not too long (a stray newline or a pasted quote
 * would make a request that fails in a confusing way). */
static int ch_creds_value_ok(const char *v)
{
	size_t n = 0;

	for (; *v; v++, n++)
		if ((unsigned char)*v <= 0x20 || (unsigned char)*v >= 0x7f)
			return 0;
	return n > 0 && n <= CH_CREDS_MAX_LEN;
}

static int ch_creds_from_env(const struct ch_secrets_spec *sp, char **out,
			     int *found, struct ch_error *err)
{
	const char *v[CH_SECRETS_MAX];
	char missing[128] = "", present[128] = "";
	int i, n = 0;

	for (i = 0; i < sp->n; i++) {
		v[i] = getenv(sp->env[i]);
		if (v[i] && !*v[i])
			v[i] = NULL;
		if (v[i]) {
			n++;
			snprintf(present + strlen(present),
				 sizeof present - strlen(present), "%s%s",
				 present[0] ? ", " : "", sp->env[i]);
		} else {
			snprintf(missing + strlen(missing),
				 sizeof missing - strlen(missing), "%s%s",
				 missing[0] ? ", " : "", sp->env[i]);
		}
	}
	*found = n;
	if (n == 0)
		return 0;
	if (n < sp->n) {
		ch_error_set(err, "credentials", 0,
			     "%s not set (but %s %s): set %s %s, or none of "
			     "them to use the credentials file", missing,
			     present, n == 1 ? "is" : "are",
			     sp->n == 2 ? "both" : "all four of", sp->env_list);
		return -1;
	}
	for (i = 0; i < sp->n; i++) {
		if (!ch_creds_value_ok(v[i])) {
			ch_error_set(err, "credentials", 0,
				     "%s holds spaces, control or non-ASCII "
				     "characters, or is longer than %d "
				     "characters; copy the value again from "
				     "%s", sp->env[i], CH_CREDS_MAX_LEN,
				     sp->source);
			return -1;
		}
	}
	for (i = 0; i < sp->n; i++)
		out[i] = ch_xstrdup(v[i]);
	return 0;
}

/* Reads the file through an open descriptor (checked with fstat, so the
 * file checked is the file read) into a buffer the caller wipes. */
static char *ch_creds_read(const struct ch_secrets_spec *sp, const char *file,
			   size_t *len, struct ch_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	int fd;

	/* O_NONBLOCK: a FIFO must be refused, not waited on */
	fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			ch_error_set(err, file, 0,
				     "no such credentials file; create it "
				     "(mode 0600) with %s, or set %s",
				     sp->key_list, sp->env_list);
		else
			ch_error_set(err, file, 0, "cannot open: %s",
				     strerror(errno));
		goto cleanup;
	}
	if (fstat(fd, &st) != 0) {
		ch_error_set(err, file, 0, "cannot stat: %s", strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		ch_error_set(err, file, 0,
			     "not a regular file; name the credentials file");
		goto cleanup;
	}
	if (st.st_uid != geteuid()) {
		/* its owner could put other keys in it at any time */
		ch_error_set(err, file, 0,
			     "owned by another user (uid %ld, not %ld); the credentials file must be your own",
			     (long)st.st_uid, (long)geteuid());
		goto cleanup;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		ch_error_set(err, file, 0,
			     "%s by others (mode %04o); run: chmod 600 %s",
			     (st.st_mode & (S_IRGRP | S_IROTH)) ? "readable"
								: "writable",
			     (unsigned)(st.st_mode & 07777), file);
		goto cleanup;
	}
	if (st.st_size > CH_CREDS_MAX_FILE) {
		ch_error_set(err, file, 0,
			     "too large for a credentials file (%lld bytes)",
			     (long long)st.st_size);
		goto cleanup;
	}
	buf = ch_xmalloc(CH_CREDS_MAX_FILE + 1);
	for (;;) {
		ssize_t r = read(fd, buf + n, CH_CREDS_MAX_FILE - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ch_error_set(err, file, 0, "read error: %s",
				     strerror(errno));
			ch_secret_wipe(buf, n);
			free(buf);
			buf = NULL;
			goto cleanup;
		}
		if (r == 0 || n + (size_t)r >= CH_CREDS_MAX_FILE) {
			n += (size_t)r;
			break;
		}
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;

cleanup:
	if (fd >= 0)
		close(fd);
	return buf;
}

/* A setting of the file whose name is close to a key it lacks: "did you
 * mean" (set in err, so it is what the user sees first). */
static void misspelt(const struct ch_secrets_spec *sp, const config_t *cfg,
		     const char *file, struct ch_error *err)
{
	config_setting_t *root = config_root_setting(cfg);
	int i, k, n = config_setting_length(root);

	for (i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(s);

		for (k = 0; name && k < sp->n; k++) {
			int dist = ch_edit_distance(name, sp->keys[k]);

			if (dist > 0 && dist <= 3 &&
			    !config_lookup(cfg, sp->keys[k])) {
				ch_error_set(err, file,
					     config_setting_source_line(s),
					     "unknown setting \"%s\"; did you mean \"%s\"? (the file needs %s)",
					     name, sp->keys[k], sp->key_list);
				return;
			}
		}
	}
}

static int ch_creds_from_file(const struct ch_secrets_spec *sp, char **out,
			      const char *file, struct ch_error *err)
{
	config_t cfg;
	char *buf = NULL;
	size_t len = 0;
	char missing[128] = "";
	int i, ret = -1, cfg_init = 0;

	buf = ch_creds_read(sp, file, &len, err);
	if (!buf)
		goto cleanup;
	config_init(&cfg);
	cfg_init = 1;
	if (config_read_string(&cfg, buf) != CONFIG_TRUE) {
		/* libconfig's text is the kind of error, never the content */
		ch_error_set(err, file, config_error_line(&cfg), "%s",
			     config_error_text(&cfg));
		goto cleanup;
	}
	for (i = 0; i < sp->n; i++) {
		config_setting_t *s = config_lookup(&cfg, sp->keys[i]);
		const char *v;

		if (!s) {
			snprintf(missing + strlen(missing),
				 sizeof missing - strlen(missing), "%s%s",
				 missing[0] ? ", " : "", sp->keys[i]);
			continue;
		}
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			ch_error_set(err, file, config_setting_source_line(s),
				     "%s must be a string in double quotes",
				     sp->keys[i]);
			goto cleanup;
		}
		v = config_setting_get_string(s);
		if (!v || !ch_creds_value_ok(v)) {
			ch_error_set(err, file, config_setting_source_line(s),
				     "%s is empty, longer than %d characters or "
				     "holds spaces, control or non-ASCII "
				     "characters; copy it again from %s",
				     sp->keys[i], CH_CREDS_MAX_LEN,
				     sp->source);
			goto cleanup;
		}
	}
	if (missing[0]) {
		misspelt(sp, &cfg, file, err);
		ch_error_set(err, file, 0, "missing %s; the file needs %s",
			     missing, sp->key_list);
		goto cleanup;
	}
	for (i = 0; i < sp->n; i++) {
		const char *v = NULL;
		config_lookup_string(&cfg, sp->keys[i], &v);
		out[i] = ch_xstrdup(v);
	}
	ret = 0;

cleanup:
	if (cfg_init) {
		/* wipe libconfig's copies of the secrets before it frees them */
		for (i = 0; i < sp->n; i++) {
			config_setting_t *s = config_lookup(&cfg, sp->keys[i]);
			const char *v;
			if (s && config_setting_type(s) == CONFIG_TYPE_STRING &&
			    (v = config_setting_get_string(s)))
				ch_secret_wipe((char *)(uintptr_t)v, strlen(v));
		}
		config_destroy(&cfg);
	}
	if (buf) {
		ch_secret_wipe(buf, len);
		free(buf);
	}
	return ret;
}

int ch_secrets_load(const struct ch_secrets_spec *sp, char **out,
		    const char *file, struct ch_error *err)
{
	char *path = NULL;
	int found = 0, ret = -1, i;

	for (i = 0; i < sp->n; i++)
		out[i] = NULL;
	if (ch_creds_from_env(sp, out, &found, err) != 0)
		goto cleanup;
	if (found == sp->n) {
		ret = 0;
		goto cleanup;
	}
	if (!file || !*file) {
		ch_error_set(err, "credentials", 0,
			     "no credentials: set %s, or name a credentials file (%s in the schedule; libconfig, mode 0600, keys %s)",
			     sp->env_list, sp->setting, sp->key_list);
		goto cleanup;
	}
	path = ch_path_resolve(NULL, file);
	ret = ch_creds_from_file(sp, out, path, err);

cleanup:
	if (ret != 0)
		for (i = 0; i < sp->n; i++)
			ch_secret_free(&out[i]);
	free(path);
	return ret;
}

int ch_secrets_check(const struct ch_secrets_spec *sp, const char *file,
		     struct ch_error *err)
{
	char *v[CH_SECRETS_MAX];
	int i;

	if (ch_secrets_load(sp, v, file, err) < 0)
		return -1;
	for (i = 0; i < sp->n; i++)
		ch_secret_free(&v[i]);
	return 0;
}
