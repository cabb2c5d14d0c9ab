/* state.c - the per-chat state file, written atomically. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ch_state_open(struct ch_state *st, const char *path, struct ch_error *err)
{
	json_error_t jerr;
	struct stat sb;

	st->path = ch_xstrdup(path);
	st->root = NULL;
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT) {
			ch_error_set(err, path, 0, "cannot read state: %s",
				     strerror(errno));
			return -1;
		}
		st->root = json_object();
		json_object_set_new(st->root, "version", json_integer(1));
		return 0;
	}
	st->root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!st->root || !json_is_object(st->root)) {
		ch_error_set(err, path, jerr.line > 0 ? jerr.line : 0,
			     "the chat's state file is damaged (%s); it was left as it is: move it away to start this chat's state afresh (the bot may then post again what it had posted)",
			     st->root ? "not a JSON object" : jerr.text);
		json_decref(st->root);
		st->root = NULL;
		return -1;
	}
	return 0;
}

int ch_state_save(struct ch_state *st, struct ch_error *err)
{
	char *tmp = ch_xasprintf("%s.tmp", st->path);
	char *dir = ch_dirname(st->path);
	char *text = NULL;
	int fd = -1, dfd = -1, rc = -1;
	size_t len, off = 0;

	text = json_dumps(st->root, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (!text) {
		ch_error_set(err, st->path, 0, "cannot encode the state");
		goto cleanup;
	}
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ch_error_set(err, tmp, 0, "cannot write state: %s",
			     strerror(errno));
		goto cleanup;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ch_error_set(err, tmp, 0, "cannot write state: %s",
				     strerror(errno));
			goto cleanup;
		}
		off += (size_t)n;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		ch_error_set(err, tmp, 0, "cannot write state: %s",
			     strerror(errno));
		goto cleanup;
	}
	if (close(fd) != 0) {
		fd = -1;
		ch_error_set(err, tmp, 0, "cannot write state: %s",
			     strerror(errno));
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, st->path) != 0) {
		ch_error_set(err, st->path, 0, "cannot replace state: %s",
			     strerror(errno));
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
	free(text);
	free(tmp);
	free(dir);
	return rc;
}

void ch_state_free(struct ch_state *st)
{
	json_decref(st->root);
	st->root = NULL;
	free(st->path);
	st->path = NULL;
}

json_t *ch_state_obj(struct ch_state *st, const char *key)
{
	json_t *o = json_object_get(st->root, key);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(st->root, key, o);
	}
	return o;
}

static json_t *post_obj(struct ch_state *st, const char *key)
{
	return json_object_get(json_object_get(st->root, "posts"), key);
}

static json_t *post_obj_new(struct ch_state *st, const char *key)
{
	json_t *posts = ch_state_obj(st, "posts");
	json_t *o = json_object_get(posts, key);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(posts, key, o);
	}
	return o;
}

const char *ch_state_post_id(struct ch_state *st, const char *key)
{
	return ch_json_str(post_obj(st, key), "id");
}

int ch_state_post_pending(struct ch_state *st, const char *key)
{
	json_t *o = post_obj(st, key);

	return o && json_object_get(o, "intent_at") &&
	       !ch_json_str(o, "id") && !ch_json_str(o, "skipped");
}

const char *ch_state_post_skipped(struct ch_state *st, const char *key)
{
	return ch_json_str(post_obj(st, key), "skipped");
}

void ch_state_set_intent(struct ch_state *st, const char *key,
			 const char *text, double at)
{
	json_t *o = post_obj_new(st, key);

	json_object_set_new(o, "text", json_string(text));
	json_object_set_new(o, "intent_at", json_real(at));
}

void ch_state_set_posted(struct ch_state *st, const char *key, const char *id,
			 double posted_at)
{
	json_t *o = post_obj_new(st, key);

	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "posted_at", json_real(posted_at));
}

void ch_state_set_skipped(struct ch_state *st, const char *key,
			  const char *why)
{
	json_object_set_new(post_obj_new(st, key), "skipped", json_string(why));
}

double ch_state_post_time(struct ch_state *st, const char *key)
{
	return ch_json_num(post_obj(st, key), "posted_at", 0);
}

int ch_state_rehearsal(struct ch_state *st, double *start, double *speed)
{
	json_t *r = json_object_get(st->root, "rehearsal");

	if (!json_is_object(r) || !json_is_number(json_object_get(r, "start")))
		return 0;
	*start = ch_json_num(r, "start", 0);
	*speed = ch_json_num(r, "speed", 60);
	return *speed > 0;
}

void ch_state_set_rehearsal(struct ch_state *st, double start, double speed,
			    double base)
{
	json_t *r = json_object();

	json_object_set_new(r, "start", json_real(start));
	json_object_set_new(r, "speed", json_real(speed));
	json_object_set_new(r, "base", json_real(base));
	json_object_set_new(st->root, "rehearsal", r);
}

const char *ch_json_str(json_t *obj, const char *key)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

double ch_json_num(json_t *obj, const char *key, double dflt)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	return json_is_number(v) ? json_number_value(v) : dflt;
}
