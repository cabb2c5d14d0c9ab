/* control.c - the control file of one chat (control.h). */
#include "control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chtime.h"
#include "state.h"

#define CONTROL_MAX (1024 * 1024)

const char *ch_control_state_name(enum ch_control_state st)
{
	return st == CH_CTL_PAUSED ? "paused"
	       : st == CH_CTL_CANCELLED ? "cancelled" : "running";
}

static enum ch_control_state state_of(const char *name)
{
	if (name && strcmp(name, "paused") == 0)
		return CH_CTL_PAUSED;
	if (name && strcmp(name, "cancelled") == 0)
		return CH_CTL_CANCELLED;
	return CH_CTL_RUNNING;
}

int ch_control_read(struct ch_control *c, const char *path,
		    struct ch_error *err)
{
	json_error_t jerr;
	json_t *root = NULL;
	char *text = NULL;
	int rc = -1;

	memset(c, 0, sizeof *c);
	c->events = json_array();
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	text = ch_read_file(path, CONTROL_MAX, NULL, err);
	if (!text)
		goto cleanup;
	root = json_loads(text, 0, &jerr);
	if (!json_is_object(root)) {
		ch_error_set(err, path, jerr.line,
			     "not a control file: %s", root ? "not an object"
							  : jerr.text);
		goto cleanup;
	}
	c->state = state_of(ch_json_str(root, "state"));
	if (ch_json_str(root, "notice"))
		c->notice = ch_xstrdup(ch_json_str(root, "notice"));
	if (json_is_array(json_object_get(root, "events")))
		json_array_extend(c->events, json_object_get(root, "events"));
	rc = 0;
cleanup:
	json_decref(root);
	free(text);
	return rc;
}

void ch_control_free(struct ch_control *c)
{
	free(c->notice);
	json_decref(c->events);
	memset(c, 0, sizeof *c);
}

/* The state action leads to from st; -1: refused (err), 1: unchanged. */
static int transition(enum ch_control_state st, const char *action,
		      enum ch_control_state *to, struct ch_error *err)
{
	if (st == CH_CTL_CANCELLED) {
		ch_error_set(err, NULL, 0,
			     "the chat is cancelled already; a cancelled chat cannot be %s",
			     strcmp(action, "cancel") == 0 ? "cancelled again"
			     : strcmp(action, "pause") == 0 ? "paused" : "resumed");
		return strcmp(action, "cancel") == 0 ? 1 : -1;
	}
	if (strcmp(action, "pause") == 0)
		*to = CH_CTL_PAUSED;
	else if (strcmp(action, "resume") == 0)
		*to = CH_CTL_RUNNING;
	else if (strcmp(action, "cancel") == 0)
		*to = CH_CTL_CANCELLED;
	else {
		ch_error_set(err, NULL, 0, "unknown action %s", action);
		return -1;
	}
	if (*to == st) {
		ch_error_set(err, NULL, 0, "the chat is %s already",
			     ch_control_state_name(st));
		return 1;
	}
	return 0;
}

int ch_control_apply(const char *path, const char *date, const char *action,
		     const char *user, double at, const char *notice,
		     struct ch_error *err)
{
	struct ch_control c;
	enum ch_control_state to = CH_CTL_RUNNING;
	char when[40];
	json_t *root = NULL, *ev;
	char *text = NULL;
	int rc;

	if (ch_control_read(&c, path, err) < 0) {
		rc = -1;
		goto cleanup;
	}
	rc = transition(c.state, action, &to, err);
	if (rc != 0)
		goto cleanup;
	ch_format_time_ms((long long)(at * 1000.0), when, sizeof when);
	ev = json_pack("{s:s, s:s, s:s, s:f}", "action", action, "by",
		       user ? user : "?", "at", when, "at_s", at);
	if (notice)
		json_object_set_new(ev, "notice", json_string(notice));
	json_array_append_new(c.events, ev);
	root = json_pack("{s:s, s:s, s:O}", "date", date, "state",
			 ch_control_state_name(to), "events", c.events);
	if (to == CH_CTL_CANCELLED && notice)
		json_object_set_new(root, "notice", json_string(notice));
	text = json_dumps(root, JSON_INDENT(2));
	if (!text || ch_write_file_atomic(path, text, strlen(text), 0644, err) < 0)
		rc = -1;
cleanup:
	free(text);
	json_decref(root);
	ch_control_free(&c);
	return rc;
}
