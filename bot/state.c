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
	char *text = json_dumps(st->root, JSON_INDENT(1) | JSON_SORT_KEYS);
	struct ch_error werr;
	size_t len;
	int rc = -1;

	if (!text) {
		ch_error_set(err, st->path, 0, "cannot encode the state");
		return -1;
	}
	len = strlen(text);
	text[len] = '\n'; /* json_dumps' NUL becomes the final newline */
	ch_error_clear(&werr);
	if (ch_write_file_atomic(st->path, text, len + 1, 0600, &werr) == 0)
		rc = 0;
	else
		ch_error_set(err, werr.source, 0, "cannot write state: %s",
			     werr.text);
	free(text);
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

int ch_json_lines(const char *path, void (*cb)(void *ctx, json_t *o),
		  void *ctx)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!fp)
		return -1;
	while (getline(&line, &cap, fp) > 0) {
		json_t *o = json_loads(line, 0, NULL);

		if (json_is_object(o))
			cb(ctx, o);
		json_decref(o);
	}
	free(line);
	fclose(fp);
	return 0;
}
