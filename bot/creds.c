/* creds.c - the four OAuth secrets from the environment or from a mode
 * 0600 libconfig file. No message ever contains a secret: errors name
 * variables, keys, files and lines only. */
#include "creds.h"

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

static const char *const ch_creds_env[4] = {
	"X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET",
};
static const char *const ch_creds_keys[4] = {
	"api_key", "api_secret", "access_token", "access_token_secret",
};
#define CH_CREDS_ENV_LIST "X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET"
#define CH_CREDS_KEY_LIST "api_key, api_secret, access_token, access_token_secret"

/* memset through a volatile pointer, so the compiler cannot drop it. */
static void *(*const volatile ch_creds_memset)(void *, int, size_t) = memset;

static void ch_creds_wipe(char *s, size_t n)
{
	if (s)
		ch_creds_memset(s, 0, n);
}

static void ch_creds_wipe_free(char **s)
{
	if (*s) {
		ch_creds_wipe(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void ch_creds_free(struct ch_creds *c)
{
	if (!c)
		return;
	ch_creds_wipe_free(&c->api_key);
	ch_creds_wipe_free(&c->api_secret);
	ch_creds_wipe_free(&c->access_token);
	ch_creds_wipe_free(&c->access_token_secret);
}

static char **ch_creds_slot(struct ch_creds *c, int i)
{
	switch (i) {
	case 0: return &c->api_key;
	case 1: return &c->api_secret;
	case 2: return &c->access_token;
	default: return &c->access_token_secret;
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

static int ch_creds_from_env(struct ch_creds *c, int *found,
			     struct ch_error *err)
{
	const char *v[4];
	char missing[128] = "", present[128] = "";
	int i, n = 0;

	for (i = 0; i < 4; i++) {
		v[i] = getenv(ch_creds_env[i]);
		if (v[i] && !*v[i])
			v[i] = NULL;
		if (v[i]) {
			n++;
			snprintf(present + strlen(present),
				 sizeof present - strlen(present), "%s%s",
				 present[0] ? ", " : "", ch_creds_env[i]);
		} else {
			snprintf(missing + strlen(missing),
				 sizeof missing - strlen(missing), "%s%s",
				 missing[0] ? ", " : "", ch_creds_env[i]);
		}
	}
	*found = n;
	if (n == 0)
		return 0;
	if (n < 4) {
		ch_error_set(err, "credentials", 0,
			     "%s not set (but %s %s): set all four of "
			     CH_CREDS_ENV_LIST ", or none of them to use the "
			     "credentials file", missing, present,
			     n == 1 ? "is" : "are");
		return -1;
	}
	for (i = 0; i < 4; i++) {
		if (!ch_creds_value_ok(v[i])) {
			ch_error_set(err, "credentials", 0,
				     "%s holds spaces, control or non-ASCII "
				     "characters, or is longer than %d "
				     "characters; copy the value again from "
				     "the developer portal",
				     ch_creds_env[i], CH_CREDS_MAX_LEN);
			return -1;
		}
	}
	for (i = 0; i < 4; i++)
		*ch_creds_slot(c, i) = ch_xstrdup(v[i]);
	return 0;
}

/* Reads the file through an open descriptor (checked with fstat, so the
 * file checked is the file read) into a buffer the caller wipes. */
static char *ch_creds_read(const char *file, size_t *len, struct ch_error *err)
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
				     "(mode 0600) with " CH_CREDS_KEY_LIST
				     ", or set " CH_CREDS_ENV_LIST);
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
			ch_creds_wipe(buf, n);
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
static void misspelt(const config_t *cfg, const char *file,
		     struct ch_error *err)
{
	config_setting_t *root = config_root_setting(cfg);
	int i, k, n = config_setting_length(root);

	for (i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(s);

		for (k = 0; name && k < 4; k++) {
			int dist = ch_edit_distance(name, ch_creds_keys[k]);

			if (dist > 0 && dist <= 3 &&
			    !config_lookup(cfg, ch_creds_keys[k])) {
				ch_error_set(err, file,
					     config_setting_source_line(s),
					     "unknown setting \"%s\"; did you mean \"%s\"? (the file needs " CH_CREDS_KEY_LIST ")",
					     name, ch_creds_keys[k]);
				return;
			}
		}
	}
}

static int ch_creds_from_file(struct ch_creds *c, const char *file,
			      struct ch_error *err)
{
	config_t cfg;
	char *buf = NULL;
	size_t len = 0;
	char missing[128] = "";
	int i, ret = -1, cfg_init = 0;

	buf = ch_creds_read(file, &len, err);
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
	for (i = 0; i < 4; i++) {
		config_setting_t *s = config_lookup(&cfg, ch_creds_keys[i]);
		const char *v;

		if (!s) {
			snprintf(missing + strlen(missing),
				 sizeof missing - strlen(missing), "%s%s",
				 missing[0] ? ", " : "", ch_creds_keys[i]);
			continue;
		}
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			ch_error_set(err, file, config_setting_source_line(s),
				     "%s must be a string in double quotes",
				     ch_creds_keys[i]);
			goto cleanup;
		}
		v = config_setting_get_string(s);
		if (!v || !ch_creds_value_ok(v)) {
			ch_error_set(err, file, config_setting_source_line(s),
				     "%s is empty, longer than %d characters or "
				     "holds spaces, control or non-ASCII "
				     "characters; copy it again from the "
				     "developer portal", ch_creds_keys[i],
				     CH_CREDS_MAX_LEN);
			goto cleanup;
		}
	}
	if (missing[0]) {
		misspelt(&cfg, file, err);
		ch_error_set(err, file, 0,
			     "missing %s; the file needs " CH_CREDS_KEY_LIST,
			     missing);
		goto cleanup;
	}
	for (i = 0; i < 4; i++) {
		const char *v = NULL;
		config_lookup_string(&cfg, ch_creds_keys[i], &v);
		*ch_creds_slot(c, i) = ch_xstrdup(v);
	}
	ret = 0;

cleanup:
	if (cfg_init) {
		/* wipe libconfig's copies of the secrets before it frees them */
		for (i = 0; i < 4; i++) {
			config_setting_t *s = config_lookup(&cfg, ch_creds_keys[i]);
			const char *v;
			if (s && config_setting_type(s) == CONFIG_TYPE_STRING &&
			    (v = config_setting_get_string(s)))
				ch_creds_wipe((char *)(uintptr_t)v, strlen(v));
		}
		config_destroy(&cfg);
	}
	if (buf) {
		ch_creds_wipe(buf, len);
		free(buf);
	}
	return ret;
}

int ch_creds_load(struct ch_creds *c, const char *file, struct ch_error *err)
{
	char *path = NULL;
	int found = 0, ret = -1;

	memset(c, 0, sizeof *c);
	if (ch_creds_from_env(c, &found, err) != 0)
		goto cleanup;
	if (found == 4) {
		ret = 0;
		goto cleanup;
	}
	if (!file || !*file) {
		ch_error_set(err, "credentials", 0,
			     "no credentials: set " CH_CREDS_ENV_LIST
			     ", or name a credentials file (api.credentials "
			     "in the schedule; libconfig, mode 0600, keys "
			     CH_CREDS_KEY_LIST ")");
		goto cleanup;
	}
	path = ch_path_resolve(NULL, file);
	ret = ch_creds_from_file(c, path, err);

cleanup:
	if (ret != 0)
		ch_creds_free(c);
	free(path);
	return ret;
}
