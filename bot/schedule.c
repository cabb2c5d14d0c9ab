/*
 * schedule.c - the schedule file (schedules/NAME.conf) and the next chat
 * instant. Every problem in the file is reported as FILE:LINE: message.
 */
#include "schedule.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfgcheck.h"
#include "chtime.h"
#include "http.h"
#include "net/net.h"

#define NAME_MAX_LEN 64
#define HASHTAG_MAX_LEN 100
#define MAX_DURATION 1440          /* a chat lasts at most a day */
#define MAX_WARN_MINUTES (14 * 1440)

static const char *const top_keys[] = {
	"name", "hashtag", "weekday", "time", "timezone", "duration",
	"first_question", "question_interval", "thread", "topics", "logs",
	"api", "capture_after", "search_budget", "late_limit", "warn_before",
	"notify", "networks", "x", "bluesky", "mastodon", "language", "watch",
	"also_zones", "reminders", NULL};
static const char *const reminder_keys[] = {"before", "text", NULL};
static const char *const api_keys[] = {"base_url", "credentials", "prices",
						NULL};
static const char *const price_keys[] = {"post", "post_with_url", "read",
					  NULL};
static const char *const bsky_keys[] = {"service", "credentials", NULL};
static const char *const masto_keys[] = {"instance", "credentials",
					 "visibility", NULL};
static const char *const known_nets[] = {"x", "bluesky", "mastodon", NULL};
#define KNOWN_NETS "x, bluesky, mastodon"
static const char *const notify_keys[] = {"webhook", "command", NULL};

static const char *const day_names[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"};

const char *ch_weekday_name(int wd)
{
	if (wd < 0 || wd > 6)
		return "?";
	return day_names[wd];
}

/* Full English day names (any case) and 3-letter abbreviations. */
static int parse_weekday(const char *s)
{
	int i;

	for (i = 0; i < 7; i++) {
		if (strcasecmp(s, day_names[i]) == 0 ||
		    (strlen(s) == 3 && strncasecmp(s, day_names[i], 3) == 0))
			return i;
	}
	return -1;
}

static const char *near_weekday(const char *s)
{
	int i, best = -1, bestd = 3;

	for (i = 0; i < 7; i++) {
		int dist = ch_edit_distance(s, day_names[i]);

		if (dist < bestd) {
			bestd = dist;
			best = i;
		}
	}
	return best >= 0 ? day_names[best] : NULL;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > NAME_MAX_LEN || s[0] == '.')
		return false;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	}
	return true;
}

/* Body of a hashtag (after '#'): letters (ASCII or any non-ASCII
 * character), digits and underscores, not only digits. */
static bool valid_hashtag_body(const char *s)
{
	const unsigned char *p;
	bool nondigit = false;
	long n = ch_utf8_count(s);

	if (n <= 0 || n > HASHTAG_MAX_LEN)
		return false;
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80 || isalpha(*p) || *p == '_')
			nondigit = true;
		else if (!isdigit(*p))
			return false;
	}
	return nondigit;
}

static bool valid_url(const char *s)
{
	const char *host;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return false;
	if (!*host || *host == '/')
		return false;
	for (; *s; s++) {
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

/* "48h", "30m", "2d", "1h30m", "90" (minutes). Returns minutes or -1. */
static long parse_duration(const char *s)
{
	long total = 0, v;
	const char *p = s;
	bool any = false;

	while (*p) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = 0;
		while (isdigit((unsigned char)*p)) {
			v = v * 10 + (*p - '0');
			if (v > 1000000)
				return -1;
			p++;
		}
		if (*p == 'd') {
			v *= 1440;
			p++;
		} else if (*p == 'h') {
			v *= 60;
			p++;
		} else if (*p == 'm') {
			p++;
			if (strncmp(p, "in", 2) == 0)
				p += 2;
		} else if (*p != '\0' || any) {
			return -1;
		}
		total += v;
		any = true;
		if (total > 10000000)
			return -1;
	}
	return any ? total : -1;
}

/* A string getter that also rejects empty values. Returns 1 if set. */
static int get_text(const struct ch_cfg *c, const config_setting_t *g,
		    const char *key, const char *name, const char **out,
		    int *line, struct ch_diags *d)
{
	int r = ch_cfg_string(c, g, key, name, "a string", out, line, d);

	if (r == 1 && ch_blank(*out)) {
		ch_diags_add(d, c->path, *line, "%s is empty: give it a value",
			     name);
		return -1;
	}
	return r;
}

static void missing(const struct ch_cfg *c, const char *key,
		    const char *example, struct ch_diags *d)
{
	ch_diags_add(d, c->path, 0,
		     "missing required setting \"%s\": add e.g. %s", key,
		     example);
}

/* An integer setting with bounds [lo, hi]; returns 1 if set and valid. */
static int get_minutes(const struct ch_cfg *c, const config_setting_t *g,
		       const char *key, int lo, int hi, const char *range,
		       int *out, int *line_out, struct ch_diags *d)
{
	int v = 0, line = 0;
	int r = ch_cfg_int(c, g, key, key, "a whole number of minutes", &v,
			   &line, d);

	if (line_out && r != 0)
		*line_out = line;
	if (r != 1)
		return r;
	if (v < lo || v > hi) {
		ch_diags_add(d, c->path, line, "%s = %d is out of range: %s",
			     key, v, range);
		return -1;
	}
	*out = v;
	return 1;
}

static void load_warn_before(struct ch_schedule *s, const struct ch_cfg *c,
			     const config_setting_t *root, struct ch_diags *d)
{
	config_setting_t *w = config_setting_get_member(root, "warn_before");
	config_setting_t *e;
	int i, n, t;
	long v;

	if (!w)
		return;
	t = config_setting_type(w);
	if (t == CONFIG_TYPE_STRING || t == CONFIG_TYPE_INT) {
		e = w;
		n = 1;
	} else if (t == CONFIG_TYPE_LIST || t == CONFIG_TYPE_ARRAY) {
		e = NULL;
		n = config_setting_length(w);
	} else {
		ch_cfg_type_error(c, w, "warn_before",
				  "a list of durations like [\"48h\", \"1h\"]",
				  d);
		return;
	}
	if (n > CH_MAX_WARN_BEFORE) {
		ch_diags_add(d, c->path, ch_cfg_line(c, w),
			     "warn_before has %d entries; at most %d are "
			     "allowed", n, CH_MAX_WARN_BEFORE);
		return;
	}
	s->n_warn_before = 0;
	for (i = 0; i < n; i++) {
		config_setting_t *x = e ? e : config_setting_get_elem(w, (unsigned)i);
		int xt = config_setting_type(x);

		if (xt == CONFIG_TYPE_INT) {
			v = config_setting_get_int(x);
		} else if (xt == CONFIG_TYPE_STRING) {
			v = parse_duration(config_setting_get_string(x));
			if (v < 0) {
				ch_diags_add(d, c->path, ch_cfg_line(c, x),
					     "warn_before: \"%s\" is not a "
					     "duration (write e.g. \"48h\", "
					     "\"30m\", \"2d\" or a number of "
					     "minutes)",
					     config_setting_get_string(x));
				continue;
			}
		} else {
			ch_cfg_type_error(c, x, "warn_before entry",
					  "a duration string like \"24h\" or a "
					  "whole number of minutes", d);
			continue;
		}
		if (v <= 0 || v > MAX_WARN_MINUTES) {
			ch_diags_add(d, c->path, ch_cfg_line(c, x),
				     "warn_before: %ld minutes is out of range "
				     "(1 minute to 14 days)", v);
			continue;
		}
		s->warn_before[s->n_warn_before++] = (int)v;
	}
}


/* The URL policy of every URL chathost fetches (http.h): https://, or
 * http:// to a loopback host only. */
static bool url_allowed(const char *url)
{
	return ch_http_check_url(url, NULL) == 0;
}
/* A URL setting (KEY "what" of group g) into *out, checked against the
 * URL policy, without a trailing slash. */
static void load_url(const struct ch_cfg *c, const config_setting_t *g,
		     const char *key, const char *what, const char *example,
		     char **out, struct ch_diags *d)
{
	const char *v = NULL;
	int line = 0;

	if (get_text(c, g, key, what, &v, &line, d) != 1)
		return;
	if (!valid_url(v))
		ch_diags_add(d, c->path, line,
			     "%s \"%s\" is not an http:// or https:// URL (e.g. \"%s\")",
			     what, v, example);
	else if (!url_allowed(v))
		ch_diags_add(d, c->path, line,
			     "%s \"%s\" refused: plain http:// is allowed only to a loopback address (127.0.0.1, [::1], localhost); use https://",
			     what, v);
	else {
		free(*out);
		*out = ch_xstrdup(v);
		/* no trailing slash: paths are appended to it */
		while (strlen(*out) > 8 && (*out)[strlen(*out) - 1] == '/')
			(*out)[strlen(*out) - 1] = '\0';
	}
}

/* X's prices: prices = { post; post_with_url; read; } in US dollars,
 * each a number from 0 to 100. */
static void load_prices(struct ch_schedule *s, const struct ch_cfg *c,
			const config_setting_t *api, const char *name,
			struct ch_diags *d)
{
	config_setting_t *g = config_setting_get_member(api, "prices");
	double *out[] = { &s->price_post, &s->price_post_url, &s->price_read };
	char what[48];
	size_t i;

	if (!g)
		return;
	snprintf(what, sizeof what, "%s.prices", name);
	if (!config_setting_is_group(g)) {
		ch_cfg_type_error(c, g, what,
				  "a group { post = 0.015; post_with_url = 0.20; read = 0.005; }",
				  d);
		return;
	}
	snprintf(what, sizeof what, "in %s.prices", name);
	ch_cfg_check_keys(c, g, price_keys, what, d);
	for (i = 0; price_keys[i]; i++) {
		config_setting_t *v = config_setting_get_member(g, price_keys[i]);
		double x;

		if (!v)
			continue;
		snprintf(what, sizeof what, "%s.prices.%s", name, price_keys[i]);
		if (!config_setting_is_number(v)) {
			ch_cfg_type_error(c, v, what,
					  "a price in US dollars (0.015)", d);
			continue;
		}
		x = config_setting_get_float(v);
		if (config_setting_type(v) != CONFIG_TYPE_FLOAT)
			x = (double)config_setting_get_int64(v);
		if (!(x >= 0 && x <= 100)) {
			ch_diags_add(d, c->path, ch_cfg_line(c, v),
				     "%s must be from 0 to 100 (US dollars), not %g",
				     what, x);
			continue;
		}
		*out[i] = x;
	}
}

/* X's group: "api" (the older name) or "x". */
static void load_api(struct ch_schedule *s, const struct ch_cfg *c,
		     const config_setting_t *root, struct ch_diags *d)
{
	config_setting_t *api = config_setting_get_member(root, "api");
	const char *name = "api";
	char what[32];
	const char *v = NULL;
	int line = 0;

	if (!api) {
		api = config_setting_get_member(root, "x");
		name = "x";
	} else if (config_setting_get_member(root, "x")) {
		ch_diags_add(d, c->path,
			     ch_cfg_line(c, config_setting_get_member(root, "x")),
			     "both api and x are set: they are the same group (X's); keep one");
	}
	if (!api)
		return;
	if (!config_setting_is_group(api)) {
		ch_cfg_type_error(c, api, name, "a group { base_url = ...; }",
				  d);
		return;
	}
	snprintf(what, sizeof what, "in %s", name);
	ch_cfg_check_keys(c, api, api_keys, what, d);
	snprintf(what, sizeof what, "%s.base_url", name);
	load_url(c, api, "base_url", what, "https://api.x.com", &s->base_url, d);
	snprintf(what, sizeof what, "%s.credentials", name);
	if (get_text(c, api, "credentials", what, &v, &line, d) == 1) {
		s->credentials = ch_path_resolve(s->dir, v);
		s->line_credentials = line;
	}
	load_prices(s, c, api, name, d);
}

/* A network's group: bluesky = { service; credentials; }, mastodon =
 * { instance; credentials; visibility; }. */
static void load_net_group(struct ch_schedule *s, const struct ch_cfg *c,
			   const config_setting_t *root, const char *name,
			   const char *url_key, const char *const *keys,
			   char **url, char **cred, int *cred_line,
			   struct ch_diags *d)
{
	config_setting_t *g = config_setting_get_member(root, name);
	char what[64], shape[96];
	const char *v = NULL;
	int line = 0;

	if (!g)
		return;
	if (!config_setting_is_group(g)) {
		snprintf(shape, sizeof shape,
			 "a group { %s = ...; credentials = ...; }", url_key);
		ch_cfg_type_error(c, g, name, shape, d);
		return;
	}
	snprintf(what, sizeof what, "in %s", name);
	ch_cfg_check_keys(c, g, keys, what, d);
	snprintf(what, sizeof what, "%s.%s", name, url_key);
	load_url(c, g, url_key, what, *url, url, d);
	snprintf(what, sizeof what, "%s.credentials", name);
	if (get_text(c, g, "credentials", what, &v, &line, d) == 1) {
		free(*cred);
		*cred = ch_path_resolve(s->dir, v);
		*cred_line = line;
	}
}

static void load_mastodon(struct ch_schedule *s, const struct ch_cfg *c,
			  const config_setting_t *root, struct ch_diags *d)
{
	config_setting_t *g = config_setting_get_member(root, "mastodon");
	const char *v = NULL;
	int line = 0;

	load_net_group(s, c, root, "mastodon", "instance", masto_keys,
		       &s->masto_instance, &s->masto_credentials,
		       &s->line_masto_credentials, d);
	if (!g || !config_setting_is_group(g) ||
	    get_text(c, g, "visibility", "mastodon.visibility", &v, &line,
		     d) != 1)
		return;
	if (strcmp(v, "public") != 0 && strcmp(v, "unlisted") != 0) {
		ch_diags_add(d, c->path, line,
			     "mastodon.visibility \"%s\": public or unlisted (a chat's posts must be seen: private and direct posts reach only followers or the mentioned)",
			     v);
		return;
	}
	free(s->masto_visibility);
	s->masto_visibility = ch_xstrdup(v);
}

/* language = "en": the language of the chat's posts (Bluesky's langs,
 * Mastodon's language), an ISO 639 code of 2 or 3 lowercase letters. */
static void load_language(struct ch_schedule *s, const struct ch_cfg *c,
			  const config_setting_t *root, struct ch_diags *d)
{
	const char *v = NULL;
	int line = 0;
	size_t n, i;

	if (get_text(c, root, "language", "language", &v, &line, d) != 1)
		return;
	n = strlen(v);
	for (i = 0; i < n && v[i] >= 'a' && v[i] <= 'z'; i++)
		;
	if (i != n || n < 2 || n > 3) {
		ch_diags_add(d, c->path, line,
			     "language \"%s\" is not an ISO 639 language code (2 or 3 lowercase letters, e.g. \"en\", \"de\", \"pt\")",
			     v);
		return;
	}
	free(s->language);
	s->language = ch_xstrdup(v);
}

/* The placeholders a reminder's text may hold: NULL if all are known,
 * else the first unknown one (borrowed from text, its length in *n). */
static const char *bad_placeholder(const char *text, int *n)
{
	static const char *const known[] = {"{title}", "{time}", "{day}",
					    "{date}", "{also}", NULL};
	const char *p = text;
	size_t i;

	while ((p = strchr(p, '{')) != NULL) {
		const char *end = strchr(p, '}');

		for (i = 0; known[i]; i++)
			if (strncmp(p, known[i], strlen(known[i])) == 0)
				break;
		if (!known[i]) {
			*n = end ? (int)(end - p + 1) : (int)strlen(p);
			return p;
		}
		p += strlen(known[i]);
	}
	return NULL;
}

/* One entry of reminders: { before = MINUTES; text = "..."; } */
static void load_reminder(struct ch_schedule *s, const struct ch_cfg *c,
			  const config_setting_t *g, int k, struct ch_diags *d)
{
	struct ch_reminder r = {0};
	const char *text = NULL, *bad;
	int got, n, line;
	size_t i;

	r.line = ch_cfg_line(c, g);
	if (!config_setting_is_group(g)) {
		ch_cfg_type_error(c, g, "reminders entry",
				  "a group { before = MINUTES; text = \"...\"; }", d);
		return;
	}
	ch_cfg_check_keys(c, g, reminder_keys, "in a reminder", d);
	got = ch_cfg_int(c, g, "before", "reminders.before",
			 "a whole number of minutes", &r.before, &line, d);
	if (got == 0)
		ch_diags_add(d, s->path, r.line,
			     "reminders[%d] has no before = MINUTES; (how long before the chat it is posted)",
			     k);
	else if (got == 1 && (r.before < 1 || r.before > MAX_WARN_MINUTES))
		ch_diags_add(d, s->path, line,
			     "reminders: before = %d is out of range: 1 to %d minutes (14 days)",
			     r.before, MAX_WARN_MINUTES);
	got = ch_cfg_string(c, g, "text", "reminders.text", "the reminder's text",
			    &text, &line, d);
	if (got == 0 || (got == 1 && ch_blank(text)))
		ch_diags_add(d, s->path, got ? line : r.line,
			     "reminders[%d] has no text = \"...\"; (what is posted)", k);
	else if (got == 1 && (bad = bad_placeholder(text, &n)) != NULL)
		ch_diags_add(d, s->path, line,
			     "reminders: %.*s is not a placeholder; a reminder's text may use {title}, {time}, {day}, {date} and {also}",
			     n, bad);
	for (i = 0; i < s->n_reminders; i++)
		if (s->reminders[i].before == r.before)
			ch_diags_add(d, s->path, r.line,
				     "reminders: two reminders %d minutes before (line %d): give each its own time",
				     r.before, s->reminders[i].line);
	if (got != 1 || !text || s->n_reminders >= CH_MAX_REMINDERS)
		return;
	r.text = ch_xstrdup(text);
	s->reminders[s->n_reminders++] = r;
}

/* reminders = ( { before = 1440; text = "..."; }, ... ); earliest first */
static void load_reminders(struct ch_schedule *s, const struct ch_cfg *c,
			   const config_setting_t *root, struct ch_diags *d)
{
	config_setting_t *l = config_setting_get_member(root, "reminders");
	int i, n;

	if (!l)
		return;
	if (!config_setting_is_list(l) && !config_setting_is_array(l)) {
		ch_cfg_type_error(c, l, "reminders",
				  "a list ( { before = MINUTES; text = \"...\"; }, ... )", d);
		return;
	}
	n = config_setting_length(l);
	if (n > CH_MAX_REMINDERS)
		ch_diags_add(d, s->path, ch_cfg_line(c, l),
			     "reminders has %d entries; at most %d are kept",
			     n, CH_MAX_REMINDERS);
	for (i = 0; i < n; i++)
		load_reminder(s, c, config_setting_get_elem(l, (unsigned)i), i + 1, d);
	/* earliest first: the most minutes before */
	for (i = 1; i < (int)s->n_reminders; i++) {
		struct ch_reminder r = s->reminders[i];
		int j = i - 1;

		while (j >= 0 && s->reminders[j].before < r.before) {
			s->reminders[j + 1] = s->reminders[j];
			j--;
		}
		s->reminders[j + 1] = r;
	}
}

/* also_zones = [ "Europe/London", "Australia/Sydney" ]; */
static void load_also_zones(struct ch_schedule *s, const struct ch_cfg *c,
			    const config_setting_t *root, struct ch_diags *d)
{
	config_setting_t *a = config_setting_get_member(root, "also_zones");
	int i;

	if (!a)
		return;
	s->line_also_zones = ch_cfg_line(c, a);
	if (!config_setting_is_array(a) && !config_setting_is_list(a)) {
		ch_cfg_type_error(c, a, "also_zones",
				  "a list of zones [ \"Europe/London\" ]", d);
		return;
	}
	for (i = 0; i < config_setting_length(a); i++) {
		config_setting_t *e = config_setting_get_elem(a, (unsigned)i);
		const char *v = config_setting_get_string(e);

		if (!v || !ch_tz_valid(v)) {
			ch_diags_add(d, c->path, ch_cfg_line(c, e),
				     "also_zones[%d] \"%s\" is not a zone of the tz database (e.g. \"Europe/London\")",
				     i, v ? v : "");
			continue;
		}
		if (s->n_also_zones < CH_MAX_ALSO_ZONES)
			s->also_zones[s->n_also_zones++] = ch_xstrdup(v);
	}
}

long ch_schedule_also_offset(const struct ch_schedule *s, size_t i, time_t t)
{
	long a = 0, b = 0;
	struct tm tm;

	ch_utc_to_local(s->timezone, t, &tm, &a);
	ch_utc_to_local(s->also_zones[i], t, &tm, &b);
	return b - a;
}

long ch_schedule_also_usual(const struct ch_schedule *s, size_t i,
			   time_t start)
{
	long v[41];
	time_t at[41], from = start - 20 * 7 * 86400;
	char date[11];
	int n = 0, me = -1, k, lo, hi;

	/* the chats of the 20 weeks around start, each one's offset */
	for (k = 0; k < 41 && ch_schedule_next(s, from, date, &at[n]) == 0; k++) {
		v[n] = ch_schedule_also_offset(s, i, at[n]);
		if (at[n] == start)
			me = n;
		from = at[n] + 86400;
		n++;
	}
	if (me < 0)
		return ch_schedule_also_offset(s, i, start);
	/* a run of 5 weeks or more is usual; a shorter one lies between two
	 * clock changes: the run before it is what the members know */
	for (lo = me; lo > 0 && v[lo - 1] == v[me]; lo--)
		;
	for (hi = me; hi + 1 < n && v[hi + 1] == v[me]; hi++)
		;
	if (hi - lo + 1 >= 5 || lo == 0)
		return v[me];
	return v[lo - 1];
}

void ch_schedule_also_times(const struct ch_schedule *s, time_t start,
			    char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < s->n_also_zones && len < size; i++) {
		struct tm tm;
		char hm[32];

		ch_utc_to_local(s->also_zones[i], start, &tm, NULL);
		strftime(hm, sizeof hm, "%H:%M (%a)", &tm);
		len += (size_t)snprintf(buf + len, size - len, "%s%s %s",
					i ? ", " : "", s->also_zones[i], hm);
	}
}

static bool net_known(const char *name)
{
	size_t i;

	for (i = 0; known_nets[i]; i++)
		if (strcmp(known_nets[i], name) == 0)
			return true;
	return false;
}

/* networks = [ "x", "bluesky" ]: known names, each once. */
static void load_networks(struct ch_schedule *s, const struct ch_cfg *c,
			  const config_setting_t *root, struct ch_diags *d)
{
	config_setting_t *a = config_setting_get_member(root, "networks");
	int i, n;

	if (!a)
		return;
	if (!config_setting_is_array(a) && !config_setting_is_list(a)) {
		ch_cfg_type_error(c, a, "networks",
				  "an array of names, e.g. [ \"x\", \"bluesky\", \"mastodon\" ]",
				  d);
		return;
	}
	n = config_setting_length(a);
	if (n == 0)
		ch_diags_add(d, c->path, ch_cfg_line(c, a),
			     "networks is empty: name at least one of " KNOWN_NETS);
	for (i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(a, (unsigned)i);
		const char *v = config_setting_get_string(e);
		size_t k;

		if (!v) {
			ch_cfg_type_error(c, e, "networks", "a string", d);
			continue;
		}
		if (!net_known(v)) {
			ch_diags_add(d, c->path, ch_cfg_line(c, a),
				     "networks: unknown network \"%s\" (known: " KNOWN_NETS ")",
				     v);
			continue;
		}
		for (k = 0; k < s->n_nets; k++)
			if (strcmp(s->nets[k].name, v) == 0)
				break;
		if (k < s->n_nets) {
			ch_diags_add(d, c->path, ch_cfg_line(c, a),
				     "networks: \"%s\" is named twice", v);
			continue;
		}
		if (s->n_nets == CH_MAX_NETS)
			break;
		s->nets[s->n_nets++].name = ch_xstrdup(v);
	}
}

/* Each network's URL and credentials, from its group. */
static void fill_nets(struct ch_schedule *s)
{
	size_t i;

	if (s->n_nets == 0)
		s->nets[s->n_nets++].name = ch_xstrdup("x");
	for (i = 0; i < s->n_nets; i++) {
		struct ch_schedule_net *n = &s->nets[i];
		const char *url = s->base_url, *cred = s->credentials;
		int line = s->line_credentials;

		if (strcmp(n->name, "bluesky") == 0) {
			url = s->bsky_service;
			cred = s->bsky_credentials;
			line = s->line_bsky_credentials;
		} else if (strcmp(n->name, "mastodon") == 0) {
			url = s->masto_instance;
			cred = s->masto_credentials;
			line = s->line_masto_credentials;
		}
		free(n->base_url);
		free(n->credentials);
		n->base_url = ch_xstrdup(url);
		n->credentials = ch_xstrdup(cred);
		n->line_credentials = line;
	}
}

struct ch_net_conf *ch_schedule_net_conf(const struct ch_schedule *s,
					 const struct ch_schedule_net *n,
					 struct ch_net_conf *conf)
{
	memset(conf, 0, sizeof *conf);
	conf->base_url = n->base_url;
	conf->credentials = n->credentials;
	conf->language = s->language;
	conf->visibility = s->masto_visibility;
	return conf;
}

const struct ch_schedule_net *ch_schedule_net(const struct ch_schedule *s,
					      const char *name)
{
	size_t i;

	for (i = 0; i < s->n_nets; i++)
		if (strcmp(s->nets[i].name, name) == 0)
			return &s->nets[i];
	return NULL;
}

int ch_schedule_set_url(struct ch_schedule *s, const char *arg,
			struct ch_error *err)
{
	const char *eq = strchr(arg, '=');
	const char *url = arg;
	char name[16] = "x";
	size_t i;

	if (eq && strncmp(arg, "http", 4) != 0) {
		snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
		url = eq + 1;
		if (!net_known(name)) {
			ch_error_set(err, "--api-base", 0,
				     "unknown network \"%s\" (known: " KNOWN_NETS ")",
				     name);
			return -1;
		}
	}
	if (ch_http_check_url(url, err) < 0)
		return -1;
	if (strcmp(name, "x") == 0) {
		free(s->base_url);
		s->base_url = ch_xstrdup(url);
	} else if (strcmp(name, "bluesky") == 0) {
		free(s->bsky_service);
		s->bsky_service = ch_xstrdup(url);
	} else {
		free(s->masto_instance);
		s->masto_instance = ch_xstrdup(url);
	}
	for (i = 0; i < s->n_nets; i++)
		if (strcmp(s->nets[i].name, name) == 0) {
			free(s->nets[i].base_url);
			s->nets[i].base_url = ch_xstrdup(url);
		}
	return 0;
}

void ch_notify_group_load(const struct ch_cfg *c, const config_setting_t *nt,
			  const char *name, char **webhook, char **command,
			  struct ch_diags *d)
{
	const char *v = NULL;
	char what[96], in[96];
	int line = 0;

	if (!config_setting_is_group(nt)) {
		ch_cfg_type_error(c, nt, name,
				  "a group { webhook = \"...\"; command = "
				  "\"...\"; }", d);
		return;
	}
	snprintf(in, sizeof in, "in %s", name);
	ch_cfg_check_keys(c, nt, notify_keys, in, d);
	snprintf(what, sizeof what, "%s.webhook", name);
	if (get_text(c, nt, "webhook", what, &v, &line, d) == 1) {
		/* named by scheme and host only: its path is often a secret */
		char *origin = ch_url_origin(v);

		if (!valid_url(v))
			ch_diags_add(d, c->path, line,
				     "%s is not an http:// or https:// URL", what);
		else if (!url_allowed(v))
			ch_diags_add(d, c->path, line,
				     "%s %s/... refused: plain http:// is allowed only to a loopback address (127.0.0.1, [::1], localhost); use https://",
				     what, origin);
		else
			*webhook = ch_xstrdup(v);
		free(origin);
	}
	snprintf(what, sizeof what, "%s.command", name);
	if (get_text(c, nt, "command", what, &v, &line, d) == 1)
		*command = ch_xstrdup(v);
}

static void load_notify(struct ch_schedule *s, const struct ch_cfg *c,
			const config_setting_t *root, struct ch_diags *d)
{
	config_setting_t *nt = config_setting_get_member(root, "notify");

	if (nt)
		ch_notify_group_load(c, nt, "notify", &s->notify_webhook,
				     &s->notify_command, d);
}

static void set_defaults(struct ch_schedule *s, const char *path)
{
	memset(s, 0, sizeof *s);
	s->path = ch_xstrdup(path);
	s->dir = ch_dirname(path);
	s->weekday = -1;
	s->duration = 60;
	s->first_question = 5;
	s->question_interval = 10;
	s->thread = true;
	s->base_url = ch_xstrdup("https://api.x.com");
	s->bsky_service = ch_xstrdup("https://bsky.social");
	s->masto_instance = ch_xstrdup("https://mastodon.social");
	s->masto_visibility = ch_xstrdup("public");
	s->language = ch_xstrdup("en");
	s->capture_after = 30;
	s->search_budget = 60;
	s->price_post = CH_X_PRICE_POST;
	s->price_post_url = CH_X_PRICE_POST_URL;
	s->price_read = CH_X_PRICE_READ;
	s->late_limit = 10;
	s->warn_before[0] = 2880;
	s->warn_before[1] = 1440;
	s->warn_before[2] = 60;
	s->n_warn_before = 3;
}

/*
 * Without a logs key the logs go to ../logs next to the schedule, or, when
 * systemd gave the service a LogsDirectory=, to the first folder it names
 * in $LOGS_DIRECTORY (colon-separated, absolute): under the sandbox the
 * schedule's own folder is read-only.  Returns a new string (caller frees).
 */
static char *default_logs_dir(const char *dir)
{
	const char *env = getenv("LOGS_DIRECTORY");
	char *first, *out;

	if (!env || env[0] != '/')
		return ch_path_resolve(dir, "../logs");
	first = ch_xasprintf("%.*s", (int)strcspn(env, ":"), env);
	out = ch_path_resolve(dir, first);
	free(first);
	return out;
}


/* Zone abbreviations people write for a zone with daylight saving time
 * (or a name that is no zone), and the IANA zone almost certainly meant. */
static const struct {
	const char *abbr, *zone;
} zone_abbrs[] = {
	{"EST", "America/New_York"},  {"EDT", "America/New_York"},
	{"CST", "America/Chicago"},   {"CDT", "America/Chicago"},
	{"MST", "America/Denver"},    {"MDT", "America/Denver"},
	{"PST", "America/Los_Angeles"}, {"PDT", "America/Los_Angeles"},
	{"AKST", "America/Anchorage"}, {"HST", "Pacific/Honolulu"},
	{"GMT", "Europe/London"},     {"BST", "Europe/London"},
	{"WET", "Europe/Lisbon"},     {"CET", "Europe/Paris"},
	{"CEST", "Europe/Paris"},     {"MET", "Europe/Paris"},
	{"EET", "Europe/Athens"},     {"AEST", "Australia/Sydney"},
	{"AEDT", "Australia/Sydney"}, {"IST", "Asia/Kolkata"},
};

static const char *abbr_zone(const char *tz)
{
	size_t i;

	for (i = 0; i < sizeof zone_abbrs / sizeof zone_abbrs[0]; i++)
		if (strcasecmp(tz, zone_abbrs[i].abbr) == 0)
			return zone_abbrs[i].zone;
	return NULL;
}

/* A fixed offset: Etc/GMT+5, GMT-3, UTC+1... (UTC itself is meant). */
static bool fixed_offset(const char *tz)
{
	const char *p = tz;

	if (strncasecmp(p, "Etc/", 4) == 0)
		p += 4;
	if (strncasecmp(p, "GMT", 3) == 0 || strncasecmp(p, "UTC", 3) == 0)
		p += 3;
	else
		return false;
	return (*p == '+' || *p == '-') && isdigit((unsigned char)p[1]);
}

/* The closest zone name to tz in the database (TZDIR), for "did you
 * mean"; NULL if none is close. Caller frees. */
static char *closest_zone(const char *tz)
{
	const char *dir = getenv("TZDIR");
	const char *areas[] = {"", "Africa", "America", "Antarctica", "Asia",
			       "Atlantic", "Australia", "Europe", "Indian",
			       "Pacific", "America/Argentina", "America/Indiana"};
	char *best = NULL;
	int best_d = 4;
	size_t i;

	if (!dir || !dir[0])
		dir = "/usr/share/zoneinfo";
	for (i = 0; i < sizeof areas / sizeof areas[0]; i++) {
		char *path = ch_xasprintf("%s/%s", dir, areas[i]);
		DIR *dp = opendir(path);
		struct dirent *de;

		while (dp && (de = readdir(dp)) != NULL) {
			char *name;
			int dist;

			if (de->d_name[0] == '.')
				continue;
			name = areas[i][0] ? ch_xasprintf("%s/%s", areas[i], de->d_name)
					   : ch_xstrdup(de->d_name);
			dist = ch_edit_distance(tz, name);
			if (dist < best_d && ch_tz_valid(name)) {
				free(best);
				best = name;
				best_d = dist;
			} else {
				free(name);
			}
		}
		if (dp)
			closedir(dp);
		free(path);
	}
	return best;
}

/* Why timezone tz (not valid) is refused, with what to write instead. */
static void zone_error(struct ch_diags *d, const char *path, int line,
		       const char *tz)
{
	const char *dir = getenv("TZDIR");
	const char *meant = abbr_zone(tz);
	char *near = NULL;

	if (!dir || !dir[0])
		dir = "/usr/share/zoneinfo";
	if (!ch_tz_valid("UTC") && !ch_tz_valid("Etc/UTC")) {
		ch_diags_add(d, path, line,
			     "the time zone database is missing (%s has no zones): install it (apt-get install tzdata), then check again",
			     dir);
		return;
	}
	if (meant) {
		ch_diags_add(d, path, line,
			     "timezone \"%s\" is not a zone name: write timezone = \"%s\"; (or another IANA name)",
			     tz, meant);
		return;
	}
	near = closest_zone(tz);
	if (near)
		ch_diags_add(d, path, line,
			     "timezone \"%s\" is not in the time zone database: did you mean \"%s\"?",
			     tz, near);
	else
		ch_diags_add(d, path, line,
			     "timezone \"%s\" is not in the time zone database:"
			     " use an IANA name like \"America/New_York\" or "
			     "\"Europe/London\"", tz);
	free(near);
}

void ch_schedule_warnings(const struct ch_schedule *s, struct ch_diags *w)
{
	const char *meant;

	if (!s->timezone)
		return;
	meant = abbr_zone(s->timezone);
	if (meant)
		ch_diags_add(w, s->path, s->line_timezone,
			     "timezone \"%s\" never changes for daylight saving time: for a chat in %s write timezone = \"%s\";",
			     s->timezone, meant, meant);
	else if (fixed_offset(s->timezone))
		ch_diags_add(w, s->path, s->line_timezone,
			     "timezone \"%s\" is a fixed offset that never changes for daylight saving time: name the city's zone, e.g. \"America/New_York\"",
			     s->timezone);
}
/* topics = "..."; logs = "...": resolved against the schedule's folder. */
static void load_folders(struct ch_schedule *s, const struct ch_cfg *c,
			 const config_setting_t *root, struct ch_diags *d)
{
	const char *v = NULL;
	int line = 0;

	if (get_text(c, root, "topics", "topics", &v, &line, d) == 1) {
		s->topics_dir = ch_path_resolve(s->dir, v);
		s->line_topics = line;
	}
	if (get_text(c, root, "logs", "logs", &v, &line, d) == 1) {
		s->logs_dir = ch_path_resolve(s->dir, v);
		s->line_logs = line;
	}
}

/* The networks: their groups, the posts' language, networks = [...]. */
static void load_all_networks(struct ch_schedule *s, const struct ch_cfg *c,
			      const config_setting_t *root, struct ch_diags *d)
{
	load_api(s, c, root, d);
	load_net_group(s, c, root, "bluesky", "service", bsky_keys,
		       &s->bsky_service, &s->bsky_credentials,
		       &s->line_bsky_credentials, d);
	load_mastodon(s, c, root, d);
	load_language(s, c, root, d);
	load_networks(s, c, root, d);
	load_also_zones(s, c, root, d);
}

int ch_schedule_load(struct ch_schedule *s, const char *path,
		     struct ch_diags *d)
{
	struct ch_cfg c = {0};
	config_setting_t *root;
	size_t before = d->n;
	const char *v = NULL;
	int line = 0, r, dur_line = 0, fq_line = 0, qi_line = 0;
	bool fq_set = false;
	bool dur_ok = true;

	set_defaults(s, path);
	if (ch_cfg_open(&c, path, d) != 0)
		goto cleanup;
	root = config_root_setting(&c.cfg);
	ch_cfg_check_keys(&c, root, top_keys, "", d);

	r = get_text(&c, root, "name", "name", &v, &line, d);
	if (r == 0)
		missing(&c, "name", "name = \"mychat\"; (names the log folder)",
			d);
	else if (r == 1 && !valid_name(v))
		ch_diags_add(d, path, line,
			     "name \"%s\" is not a safe folder name: use "
			     "letters, digits, '.', '_' and '-' (at most %d, "
			     "not starting with '.')", v, NAME_MAX_LEN);
	else if (r == 1)
		s->name = ch_xstrdup(v);

	/* a schedule with a watch group and neither weekday nor time holds
	 * a care watch only: no chat, no chat settings required */
	s->chat = !config_setting_get_member(root, "watch") ||
		  config_setting_get_member(root, "weekday") ||
		  config_setting_get_member(root, "time");
	r = get_text(&c, root, "hashtag", "hashtag", &v, &line, d);
	if (r == 0 && s->chat)
		missing(&c, "hashtag", "hashtag = \"#MyChat\";", d);
	else if (r == 1 && !valid_hashtag_body(v[0] == '#' ? v + 1 : v))
		ch_diags_add(d, path, line,
			     "hashtag \"%s\" is not a valid hashtag: write '#' "
			     "then letters, digits or '_' (not only digits), "
			     "e.g. \"#ICMIchat\"", v);
	else if (r == 1)
		s->hashtag = v[0] == '#' ? ch_xstrdup(v)
					 : ch_xasprintf("#%s", v);

	r = get_text(&c, root, "weekday", "weekday", &v, &line, d);
	s->line_weekday = line;
	if (r == 0 && s->chat) {
		missing(&c, "weekday", "weekday = \"Tuesday\";", d);
	} else if (r == 1) {
		s->weekday = parse_weekday(v);
		if (s->weekday < 0) {
			const char *near = near_weekday(v);

			if (near)
				ch_diags_add(d, path, line,
					     "weekday \"%s\" is not a day of the "
					     "week (Monday..Sunday); did you "
					     "mean \"%s\"?", v, near);
			else
				ch_diags_add(d, path, line,
					     "weekday \"%s\" is not a day of the "
					     "week (Monday..Sunday)", v);
		}
	}

	line = 0;
	r = get_text(&c, root, "time", "time", &v, &line, d);
	s->line_time = line;
	if (r == 0 && s->chat)
		missing(&c, "time", "time = \"13:00\"; (24-hour local time)", d);
	else if (r == 1 && ch_parse_hhmm(v, &s->hour, &s->minute) != 0)
		ch_diags_add(d, path, line,
			     "time \"%s\" is not a time of day: write HH:MM "
			     "on the 24-hour clock, 00:00 to 23:59 (e.g. "
			     "\"13:00\" for 1 p.m.)", v);

	line = 0;
	r = get_text(&c, root, "timezone", "timezone", &v, &line, d);
	s->line_timezone = line;
	if (r == 0)
		missing(&c, "timezone",
			"timezone = \"America/New_York\"; (an IANA zone name)",
			d);
	else if (r == 1 && !ch_tz_valid(v))
		zone_error(d, path, line, v);
	else if (r == 1)
		s->timezone = ch_xstrdup(v);

	r = get_minutes(&c, root, "duration", 1, MAX_DURATION,
			"a chat lasts 1 to 1440 minutes (24 hours)",
			&s->duration, &dur_line, d);
	s->line_duration = dur_line;
	if (r < 0)
		dur_ok = false;
	r = get_minutes(&c, root, "first_question", 0, 100000,
			"it must be 0 or more minutes after the intro",
			&s->first_question, &fq_line, d);
	fq_set = r == 1;
	if (r == 0)
		fq_line = 0;
	if (dur_ok && r >= 0 && s->first_question >= s->duration)
		ch_diags_add(d, path, fq_set ? fq_line : dur_line,
			     "first_question = %d is not before the end of the "
			     "chat (duration = %d): ask it earlier or make the "
			     "chat longer", s->first_question, s->duration);
	get_minutes(&c, root, "question_interval", 1, MAX_DURATION,
		    "the minutes between questions must be 1 to 1440",
		    &s->question_interval, &qi_line, d);

	ch_cfg_bool(&c, root, "thread", "thread", &s->thread, NULL, d);

	load_folders(s, &c, root, d);
	load_all_networks(s, &c, root, d);

	get_minutes(&c, root, "capture_after", 0, 10080,
		    "keep capturing replies 0 to 10080 minutes (7 days) after "
		    "the wrap-up", &s->capture_after, NULL, d);
	r = ch_cfg_int(&c, root, "search_budget", "search_budget",
		       "a whole number of search requests per 15 minutes",
		       &s->search_budget, &line, d);
	if (r == 1 && (s->search_budget < 1 || s->search_budget > 10000)) {
		ch_diags_add(d, path, line,
			     "search_budget = %d is out of range: 1 to 10000 "
			     "search requests per 15 minutes",
			     s->search_budget);
		s->search_budget = 60;
	}
	get_minutes(&c, root, "late_limit", 0, MAX_DURATION,
		    "a post more than 0 to 1440 minutes late is skipped",
		    &s->late_limit, NULL, d);
	load_warn_before(s, &c, root, d);
	load_reminders(s, &c, root, d);
	load_notify(s, &c, root, d);
	if (config_setting_get_member(root, "watch"))
		ch_watch_load(&s->watch, &c, config_setting_get_member(root, "watch"),
			      d);

cleanup:
	if (!s->topics_dir)
		s->topics_dir = ch_path_resolve(s->dir, "../topics");
	if (!s->logs_dir)
		s->logs_dir = default_logs_dir(s->dir);
	fill_nets(s);
	ch_cfg_close(&c);
	return d->n > before ? -1 : 0;
}

int ch_schedule_need_chat(const struct ch_schedule *s, const char *cmd)
{
	if (s->chat)
		return 0;
	fprintf(stderr,
		"chathost %s: %s holds a care watch only (no weekday and time: no chat); run chathost watch %s\n",
		cmd, s->path, s->path);
	return -1;
}

void ch_schedule_free(struct ch_schedule *s)
{
	size_t i;

	if (!s)
		return;
	free(s->path);
	free(s->dir);
	free(s->name);
	free(s->hashtag);
	free(s->timezone);
	free(s->topics_dir);
	free(s->logs_dir);
	free(s->base_url);
	free(s->credentials);
	free(s->bsky_service);
	free(s->bsky_credentials);
	free(s->masto_instance);
	free(s->masto_credentials);
	free(s->masto_visibility);
	free(s->language);
	for (i = 0; i < s->n_nets; i++) {
		free(s->nets[i].name);
		free(s->nets[i].base_url);
		free(s->nets[i].credentials);
	}
	free(s->notify_webhook);
	free(s->notify_command);
	ch_watch_free(&s->watch);
	for (i = 0; i < s->n_also_zones; i++)
		free(s->also_zones[i]);
	for (i = 0; i < s->n_reminders; i++)
		free(s->reminders[i].text);
	memset(s, 0, sizeof *s);
}

int ch_schedule_start(const struct ch_schedule *s, int y, int m, int d,
		      time_t *start)
{
	if (!s->timezone)
		return -1;
	return ch_local_to_utc(s->timezone, y, m, d, s->hour, s->minute, start,
			       NULL);
}

int ch_schedule_next(const struct ch_schedule *s, time_t now, char *date,
		     time_t *start)
{
	struct tm lt, day;
	long days;
	time_t t, st;
	int i, wd;

	if (!s->timezone || s->weekday < 0 || s->weekday > 6)
		return -1;
	if (ch_utc_to_local(s->timezone, now, &lt, NULL) != 0)
		return -1;
	/* start two days back: a chat (at most 24 hours) that began then may
	 * still be running */
	days = ch_days_from_civil(lt.tm_year + 1900, lt.tm_mon + 1,
				  lt.tm_mday) - 2;
	wd = (int)(((days + 4) % 7 + 7) % 7);
	days += (s->weekday - wd + 7) % 7;
	for (i = 0; i < 4; i++, days += 7) {
		t = (time_t)days * 86400;
		if (!gmtime_r(&t, &day))
			return -1;
		if (ch_schedule_start(s, day.tm_year + 1900, day.tm_mon + 1,
				      day.tm_mday, &st) != 0)
			return -1;
		if (st + (time_t)s->duration * 60 > now) {
			char buf[32];

			snprintf(buf, sizeof buf, "%04d-%02d-%02d",
				 day.tm_year + 1900, day.tm_mon + 1,
				 day.tm_mday);
			memcpy(date, buf, 11);
			date[10] = '\0';
			*start = st;
			return 0;
		}
	}
	return -1;
}

char *ch_chat_dir(const struct ch_schedule *s, bool rehearsal)
{
	return ch_xasprintf("%s/%s%s", s->logs_dir, s->name,
			    rehearsal ? "/rehearsal" : "");
}

char *ch_chat_state_path(const struct ch_schedule *s, const char *date,
			 bool rehearsal)
{
	return ch_xasprintf("%s/%s%s/%s.state.json", s->logs_dir, s->name,
			    rehearsal ? "/rehearsal" : "", date);
}

char *ch_chat_net_state_path(const struct ch_schedule *s, const char *date,
			     bool rehearsal, const char *net)
{
	if (!net || (s->n_nets > 0 && strcmp(s->nets[0].name, net) == 0))
		return ch_chat_state_path(s, date, rehearsal);
	return ch_xasprintf("%s/%s%s/%s.%s.state.json", s->logs_dir, s->name,
			    rehearsal ? "/rehearsal" : "", date, net);
}

char *ch_chat_control_path(const struct ch_schedule *s, const char *date,
			   bool rehearsal)
{
	return ch_xasprintf("%s/%s%s/%s.control.json", s->logs_dir, s->name,
			    rehearsal ? "/rehearsal" : "", date);
}

char *ch_chat_log_path(const struct ch_schedule *s, const char *date,
		       bool rehearsal)
{
	return ch_xasprintf("%s/%s%s/%s.jsonl", s->logs_dir, s->name,
			    rehearsal ? "/rehearsal" : "", date);
}
