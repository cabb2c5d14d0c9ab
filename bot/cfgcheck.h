/*
 * cfgcheck.h - helpers shared by the schedule and topic file loaders:
 * reading a libconfig file with file:line diagnostics, type checks with
 * messages a content manager understands, unknown-key reports with a
 * "did you mean", and UTF-8 counting. Internal to bot/ (schedule.c,
 * topic.c); every problem is appended to a struct ch_diags.
 */
#ifndef CHATHOST_CFGCHECK_H
#define CHATHOST_CFGCHECK_H

#include <libconfig.h>
#include <stdbool.h>

#include "common.h"

/* Largest file the loaders accept. */
#define CH_CFG_MAX_BYTES (1024 * 1024)

/* A parsed file; owns cfg and the source text. Zero-initialise, then
 * ch_cfg_open; always ch_cfg_close afterwards (also after a failure). */
struct ch_cfg {
	config_t cfg;
	bool inited;
	char *text;       /* owned: the file's bytes, NUL-terminated */
	const char *path; /* borrowed: the name used in messages */
	struct ch_diags *warn; /* borrowed or NULL: where warnings go */
};

/* Reads and parses path. A missing file gives "FILE: cannot open: ...",
 * a syntax error libconfig's line and text; numbers too large for a
 * setting and @include directives are reported too. Returns 0 or -1. */
int ch_cfg_open(struct ch_cfg *c, const char *path, struct ch_diags *d);
void ch_cfg_close(struct ch_cfg *c);

/* The line of a setting. For list elements libconfig may report the line
 * of the next token; this walks back over lines that hold only closing
 * brackets, separators and comments. */
int ch_cfg_line(const struct ch_cfg *c, const config_setting_t *s);

/* "a string", "a whole number", "true/false", "a group { }" ... */
const char *ch_cfg_type_name(const config_setting_t *s);

/* Reports every member of group whose name is not in known (a
 * NULL-terminated list), with a "did you mean" for near misses. where is
 * "" at the top level or e.g. "in api" for a group. */
void ch_cfg_check_keys(const struct ch_cfg *c, const config_setting_t *group,
		       const char *const *known, const char *where,
		       struct ch_diags *d);

/* Getters: return 1 if key is present with the right type (value in
 * *out, borrowed from the config for strings), 0 if absent, -1 if present
 * with the wrong type (reported as "NAME must be WHAT, not TYPE").
 * name is how the setting is called in messages ("api.base_url"); *line
 * (may be NULL) receives its line. */
int ch_cfg_string(const struct ch_cfg *c, const config_setting_t *group,
		  const char *key, const char *name, const char *what,
		  const char **out, int *line, struct ch_diags *d);
int ch_cfg_int(const struct ch_cfg *c, const config_setting_t *group,
	       const char *key, const char *name, const char *what, int *out,
	       int *line, struct ch_diags *d);
int ch_cfg_bool(const struct ch_cfg *c, const config_setting_t *group,
		const char *key, const char *name, bool *out, int *line,
		struct ch_diags *d);
/* Reports a setting of the wrong type (used for elements). */
void ch_cfg_type_error(const struct ch_cfg *c, const config_setting_t *s,
		       const char *name, const char *what,
		       struct ch_diags *d);

/* Number of code points of valid UTF-8 s, or -1 if s is not valid UTF-8. */
long ch_utf8_count(const char *s);
/* true if s is empty or holds only spaces, tabs and line breaks. */
bool ch_blank(const char *s);
/* Levenshtein distance, ASCII case-insensitive. */
int ch_edit_distance(const char *a, const char *b);

#endif
