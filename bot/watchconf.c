/* watchconf.c - the schedule's watch group and the questions asked of it
 * (see watchconf.h). */
#include "watchconf.h"
#include "schedule.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfgcheck.h"
#include "chtime.h"
#include "net/net.h"

static const char *const watch_keys[] = {
	"accounts", "hashtags", "words", "staff", "hours", "dates", "warn_after",
	"sla", "categories", NULL};
static const char *const hours_keys[] = {"days", "from", "to", NULL};
static const char *const dates_keys[] = {"from", "to", NULL};
static const char *const category_keys[] = {"name", "words", "notify", NULL};
static const char *const nets[] = {"x", "bluesky", "mastodon", NULL};
static const char *const day_abbr[7] = {"sun", "mon", "tue", "wed", "thu",
					"fri", "sat"};

static char *lower_dup(const char *s)
{
	char *r = ch_xstrdup(s);
	char *p;

	for (p = r; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

/* A handle: "@name", "name", "name@domain" (Mastodon), "a.bsky.social". */
static bool handle_ok(const char *s)
{
	size_t n = 0;

	if (*s == '@')
		s++;
	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && !strchr("_.-@", s[n]))
			return false;
	return n > 0 && n <= 253;
}

/* One list of handles (for network net, "" all) into out. */
static void load_handle_list(const struct ch_cfg *c, const config_setting_t *a,
			     const char *net, const char *name,
			     struct ch_watch_handle *out, size_t *n,
			     struct ch_diags *d)
{
	int i;

	if (!config_setting_is_array(a) && !config_setting_is_list(a)) {
		ch_cfg_type_error(c, a, name, "a list of handles [ \"@ICMI\" ]", d);
		return;
	}
	for (i = 0; i < config_setting_length(a); i++) {
		config_setting_t *e = config_setting_get_elem(a, (unsigned)i);
		const char *v = config_setting_get_string(e);

		if (!v || !handle_ok(v)) {
			ch_diags_add(d, c->path, ch_cfg_line(c, e),
				     "%s[%d] must be an account's handle, e.g. \"@ICMI\"",
				     name, i);
			continue;
		}
		if (*n >= CH_WATCH_MAX) {
			ch_diags_add(d, c->path, ch_cfg_line(c, e),
				     "%s: at most %d handles", name, CH_WATCH_MAX);
			return;
		}
		snprintf(out[*n].net, sizeof out[*n].net, "%s", net);
		out[*n].name = lower_dup(v[0] == '@' ? v + 1 : v);
		(*n)++;
	}
}

/* accounts or staff: a list, or a group of lists per network. */
static void load_handles(const struct ch_cfg *c, const config_setting_t *g,
			 const char *key, struct ch_watch_handle *out,
			 size_t *n, struct ch_diags *d)
{
	config_setting_t *a = config_setting_get_member(g, key);
	char name[48];
	size_t i;

	if (!a)
		return;
	snprintf(name, sizeof name, "watch.%s", key);
	if (!config_setting_is_group(a)) {
		load_handle_list(c, a, "", name, out, n, d);
		return;
	}
	snprintf(name, sizeof name, "in watch.%s", key);
	ch_cfg_check_keys(c, a, nets, name, d);
	for (i = 0; nets[i]; i++) {
		config_setting_t *l = config_setting_get_member(a, nets[i]);

		snprintf(name, sizeof name, "watch.%s.%s", key, nets[i]);
		if (l)
			load_handle_list(c, l, nets[i], name, out, n, d);
	}
}

static void load_hashtags(struct ch_watch *w, const struct ch_cfg *c,
			  const config_setting_t *g, struct ch_diags *d)
{
	config_setting_t *a = config_setting_get_member(g, "hashtags");
	int i;

	if (!a)
		return;
	if (!config_setting_is_array(a) && !config_setting_is_list(a)) {
		ch_cfg_type_error(c, a, "watch.hashtags",
				  "a list of hashtags [ \"#ICMI27\" ]", d);
		return;
	}
	for (i = 0; i < config_setting_length(a); i++) {
		config_setting_t *e = config_setting_get_elem(a, (unsigned)i);
		const char *v = config_setting_get_string(e), *p;
		bool ok = v != NULL;

		if (v && *v == '#')
			v++;
		for (p = v; ok && *p; p++)
			ok = isalnum((unsigned char)*p) || *p == '_';
		if (!ok || !v || !*v || w->n_hashtags >= CH_WATCH_MAX) {
			ch_diags_add(d, c->path, ch_cfg_line(c, e),
				     "watch.hashtags[%d] must be a hashtag, e.g. \"#ICMI27\" (at most %d)",
				     i, CH_WATCH_MAX);
			continue;
		}
		w->hashtags[w->n_hashtags++] = ch_xstrdup(v);
	}
}

/* A phrase of watch.words: at most this many bytes. */
#define WORDS_MAX_BYTES 100

static void load_words(struct ch_watch *w, const struct ch_cfg *c,
		       const config_setting_t *g, struct ch_diags *d)
{
	config_setting_t *a = config_setting_get_member(g, "words");
	int i;

	if (!a)
		return;
	if (!config_setting_is_array(a) && !config_setting_is_list(a)) {
		ch_cfg_type_error(c, a, "watch.words",
				  "a list of phrases [ \"ICMI 2027\" ]", d);
		return;
	}
	for (i = 0; i < config_setting_length(a); i++) {
		config_setting_t *e = config_setting_get_elem(a, (unsigned)i);
		const char *v = config_setting_get_string(e), *p;
		bool ok = v != NULL && strlen(v) <= WORDS_MAX_BYTES;
		bool any = false;

		for (p = v; ok && *p; p++) {
			ok = (unsigned char)*p >= 0x20 && *p != '"' && *p != 0x7f;
			any |= !isspace((unsigned char)*p);
		}
		if (!ok || !any || w->n_words >= CH_WATCH_MAX) {
			ch_diags_add(d, c->path, ch_cfg_line(c, e),
				     "watch.words[%d] must be a phrase of at most %d bytes without quotes, e.g. \"ICMI 2027\" (at most %d phrases)",
				     i, WORDS_MAX_BYTES, CH_WATCH_MAX);
			continue;
		}
		w->words[w->n_words++] = ch_xstrdup(v);
	}
}

const char *ch_watch_named(const struct ch_watch *w, const char *text)
{
	size_t i;

	for (i = 0; text && i < w->n_words; i++)
		if (ch_text_has_phrase(text, w->words[i]))
			return w->words[i];
	return NULL;
}

/* "Mon-Fri", "Sat,Sun", "Tuesday", "daily": a mask of tm_wday bits, or 0. */
static unsigned parse_days(const char *s)
{
	unsigned mask = 0;
	char buf[128], *tok, *save = NULL;

	if (strcasecmp(s, "daily") == 0 || strcasecmp(s, "every day") == 0)
		return 0x7f;
	snprintf(buf, sizeof buf, "%s", s);
	for (tok = strtok_r(buf, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		char *dash = strchr(tok, '-');
		int a = -1, b = -1, i;

		if (dash)
			*dash = '\0';
		for (i = 0; i < 7; i++) {
			if (strncasecmp(tok, day_abbr[i], 3) == 0)
				a = i;
			if (dash && strncasecmp(dash + 1, day_abbr[i], 3) == 0)
				b = i;
		}
		if (a < 0 || (dash && b < 0))
			return 0;
		if (!dash)
			b = a;
		for (i = a;; i = (i + 1) % 7) {
			mask |= 1u << i;
			if (i == b)
				break;
		}
	}
	return mask;
}

/* "08:00", or "24:00" for a period's end: minutes, or -1. */
static int parse_clock(const char *s, bool end)
{
	int h, m;

	if (end && strcmp(s, "24:00") == 0)
		return 1440;
	if (ch_parse_hhmm(s, &h, &m) != 0)
		return -1;
	return h * 60 + m;
}

static void load_one_hours(struct ch_watch *w, const struct ch_cfg *c,
			   const config_setting_t *e, int i, struct ch_diags *d)
{
	const char *days = NULL, *from = NULL, *to = NULL;
	struct ch_watch_hours h;
	char name[40];
	int line = ch_cfg_line(c, e);

	snprintf(name, sizeof name, "in watch.hours[%d]", i);
	ch_cfg_check_keys(c, e, hours_keys, name, d);
	snprintf(name, sizeof name, "watch.hours[%d].days", i);
	ch_cfg_string(c, e, "days", name, "days, e.g. \"Mon-Fri\"", &days, NULL, d);
	snprintf(name, sizeof name, "watch.hours[%d].from", i);
	ch_cfg_string(c, e, "from", name, "a time \"08:00\"", &from, NULL, d);
	snprintf(name, sizeof name, "watch.hours[%d].to", i);
	ch_cfg_string(c, e, "to", name, "a time \"18:00\"", &to, NULL, d);
	h.days = days ? parse_days(days) : 0x7f;
	h.from = from ? parse_clock(from, false) : -1;
	h.to = to ? parse_clock(to, true) : -1;
	if (!h.days)
		ch_diags_add(d, c->path, line,
			     "watch.hours[%d].days \"%s\" is not a list of days: write e.g. \"Mon-Fri\", \"Sat,Sun\" or \"daily\"",
			     i, days);
	else if (h.from < 0 || h.to < 0)
		ch_diags_add(d, c->path, line,
			     "watch.hours[%d] needs from and to as HH:MM on the 24-hour clock (to may be \"24:00\")",
			     i);
	else if (h.to <= h.from)
		ch_diags_add(d, c->path, line,
			     "watch.hours[%d]: to (%s) must be after from (%s); a period past midnight is two periods",
			     i, to, from);
	else if (w->n_hours < CH_WATCH_MAX)
		w->hours[w->n_hours++] = h;
}

static void load_hours(struct ch_watch *w, const struct ch_cfg *c,
		       const config_setting_t *g, struct ch_diags *d)
{
	config_setting_t *a = config_setting_get_member(g, "hours");
	int i;

	if (!a) {
		ch_diags_add(d, c->path, w->line,
			     "watch needs hours: when the team answers, e.g. hours = ( { days = \"Mon-Fri\"; from = \"08:00\"; to = \"18:00\"; } );");
		return;
	}
	if (!config_setting_is_list(a)) {
		ch_cfg_type_error(c, a, "watch.hours",
				  "a list of periods ( { days; from; to; } )", d);
		return;
	}
	for (i = 0; i < config_setting_length(a); i++) {
		config_setting_t *e = config_setting_get_elem(a, (unsigned)i);

		if (!config_setting_is_group(e)) {
			ch_cfg_type_error(c, e, "watch.hours[]",
					  "a period { days; from; to; }", d);
			continue;
		}
		load_one_hours(w, c, e, i, d);
	}
}

static int ymd_of(const char *s)
{
	int y, m, dd;

	if (!s || ch_parse_date(s, &y, &m, &dd) < 0)
		return -1;
	return y * 10000 + m * 100 + dd;
}

static void load_dates(struct ch_watch *w, const struct ch_cfg *c,
		       const config_setting_t *g, struct ch_diags *d)
{
	config_setting_t *a = config_setting_get_member(g, "dates");
	const char *from = NULL, *to = NULL;

	if (!a)
		return;
	if (!config_setting_is_group(a)) {
		ch_cfg_type_error(c, a, "watch.dates",
				  "a group { from = \"2027-05-03\"; to = \"2027-05-06\"; }",
				  d);
		return;
	}
	ch_cfg_check_keys(c, a, dates_keys, "in watch.dates", d);
	ch_cfg_string(c, a, "from", "watch.dates.from", "a date", &from, NULL, d);
	ch_cfg_string(c, a, "to", "watch.dates.to", "a date", &to, NULL, d);
	w->date_from = from ? ymd_of(from) : 0;
	w->date_to = to ? ymd_of(to) : 0;
	if (w->date_from < 0 || w->date_to < 0)
		ch_diags_add(d, c->path, ch_cfg_line(c, a),
			     "watch.dates: from and to are dates YYYY-MM-DD");
	else if (w->date_from && w->date_to && w->date_to < w->date_from)
		ch_diags_add(d, c->path, ch_cfg_line(c, a),
			     "watch.dates: to (%s) is before from (%s)", to, from);
	if (w->date_from < 0)
		w->date_from = 0;
	if (w->date_to < 0)
		w->date_to = 0;
}

static void load_categories(struct ch_watch *w, const struct ch_cfg *c,
			    const config_setting_t *g, struct ch_diags *d)
{
	config_setting_t *a = config_setting_get_member(g, "categories");
	int i, j;

	if (!a)
		return;
	if (!config_setting_is_list(a)) {
		ch_cfg_type_error(c, a, "watch.categories",
				  "a list ( { name; words = [ ... ]; } )", d);
		return;
	}
	for (i = 0; i < config_setting_length(a) && w->n_categories < CH_WATCH_MAX; i++) {
		config_setting_t *e = config_setting_get_elem(a, (unsigned)i);
		config_setting_t *ws = config_setting_get_member(e, "words");
		struct ch_watch_category *k = &w->categories[w->n_categories];
		const char *name = NULL;
		char where[40];

		snprintf(where, sizeof where, "in watch.categories[%d]", i);
		if (!config_setting_is_group(e) ||
		    ch_cfg_string(c, e, "name", "name", "a name", &name, NULL, d) != 1 ||
		    !ws || (!config_setting_is_array(ws) && !config_setting_is_list(ws)) ||
		    config_setting_length(ws) == 0) {
			ch_diags_add(d, c->path, ch_cfg_line(c, e),
				     "watch.categories[%d] must be { name = \"wifi\"; words = [ \"wifi\", \"internet\" ]; }",
				     i);
			continue;
		}
		ch_cfg_check_keys(c, e, category_keys, where, d);
		k->name = ch_xstrdup(name);
		if (config_setting_get_member(e, "notify")) {
			char nname[48];

			snprintf(nname, sizeof nname, "watch.categories[%d].notify", i);
			ch_notify_group_load(c, config_setting_get_member(e, "notify"),
					     nname, &k->notify_webhook,
					     &k->notify_command, d);
		}
		k->words = ch_xcalloc((size_t)config_setting_length(ws), sizeof *k->words);
		for (j = 0; j < config_setting_length(ws); j++) {
			const char *v = config_setting_get_string(
				config_setting_get_elem(ws, (unsigned)j));

			if (v && *v)
				k->words[k->n_words++] = lower_dup(v);
		}
		w->n_categories++;
	}
}

static int get_minutes_in(const struct ch_cfg *c, const config_setting_t *g,
			  const char *key, int *out, int *line,
			  struct ch_diags *d)
{
	char name[32];
	int r;

	snprintf(name, sizeof name, "watch.%s", key);
	r = ch_cfg_int(c, g, key, name, "a whole number of minutes", out, line, d);
	if (r == 1 && (*out < 1 || *out > 1440)) {
		ch_diags_add(d, c->path, *line,
			     "%s = %d is out of range: 1 to 1440 minutes", name,
			     *out);
		return -1;
	}
	return r;
}

void ch_watch_load(struct ch_watch *w, const struct ch_cfg *c,
		   const config_setting_t *g, struct ch_diags *d)
{
	int line = 0, sla_line = 0;

	memset(w, 0, sizeof *w);
	w->on = true;
	w->line = ch_cfg_line(c, g);
	w->warn_after = 3;
	w->sla = 5;
	if (!config_setting_is_group(g)) {
		ch_cfg_type_error(c, g, "watch", "a group { accounts; staff; hours; ... }", d);
		return;
	}
	ch_cfg_check_keys(c, g, watch_keys, "in watch", d);
	load_handles(c, g, "accounts", w->accounts, &w->n_accounts, d);
	load_handles(c, g, "staff", w->staff, &w->n_staff, d);
	load_hashtags(w, c, g, d);
	load_words(w, c, g, d);
	if (w->n_accounts == 0 && w->n_hashtags == 0 && w->n_words == 0)
		ch_diags_add(d, c->path, w->line,
			     "watch needs accounts, hashtags or words to watch, e.g. accounts = [ \"@ICMI\" ];");
	if (w->n_staff == 0)
		ch_diags_add(d, c->path, w->line,
			     "watch needs staff: the accounts whose replies answer a case, e.g. staff = [ \"@icmi_care\" ];");
	load_hours(w, c, g, d);
	load_dates(w, c, g, d);
	get_minutes_in(c, g, "warn_after", &w->warn_after, &line, d);
	get_minutes_in(c, g, "sla", &w->sla, &sla_line, d);
	if (w->warn_after >= w->sla)
		ch_diags_add(d, c->path, line ? line : sla_line ? sla_line : w->line,
			     "watch.warn_after (%d) must be less than watch.sla (%d): the first alert comes before the breach",
			     w->warn_after, w->sla);
	load_categories(w, c, g, d);
}

void ch_watch_free(struct ch_watch *w)
{
	size_t i, j;

	for (i = 0; i < w->n_accounts; i++)
		free(w->accounts[i].name);
	for (i = 0; i < w->n_staff; i++)
		free(w->staff[i].name);
	for (i = 0; i < w->n_hashtags; i++)
		free(w->hashtags[i]);
	for (i = 0; i < w->n_words; i++)
		free(w->words[i]);
	for (i = 0; i < w->n_categories; i++) {
		for (j = 0; j < w->categories[i].n_words; j++)
			free(w->categories[i].words[j]);
		free(w->categories[i].words);
		free(w->categories[i].name);
		free(w->categories[i].notify_webhook);
		free(w->categories[i].notify_command);
	}
	memset(w, 0, sizeof *w);
}

/* ---- periods ------------------------------------------------------------ */

/* y-m-d moved k days (noon UTC, so any day's length is fine). */
static void add_days(int *y, int *m, int *d, int k)
{
	struct tm tm = {0}, out;
	time_t t;

	tm.tm_year = *y - 1900;
	tm.tm_mon = *m - 1;
	tm.tm_mday = 1;
	tm.tm_hour = 12;
	t = ch_timegm(&tm) + ((time_t)(*d - 1) + k) * 86400;
	gmtime_r(&t, &out);
	*y = out.tm_year + 1900;
	*m = out.tm_mon + 1;
	*d = out.tm_mday;
}

/* The periods of the local day y-m-d, in order of opening: into from/to
 * (at most CH_WATCH_MAX). Returns how many. */
static size_t day_periods(const struct ch_watch *w, const char *tz, int y,
			  int m, int dd, time_t *from, time_t *to)
{
	int wd = ch_weekday(y, m, dd), ymd = y * 10000 + m * 100 + dd;
	size_t i, n = 0;

	if ((w->date_from && ymd < w->date_from) ||
	    (w->date_to && ymd > w->date_to))
		return 0;
	for (i = 0; i < w->n_hours; i++) {
		const struct ch_watch_hours *h = &w->hours[i];
		int adj;
		time_t a, b;

		if (!(h->days & (1u << wd)))
			continue;
		if (ch_local_to_utc(tz, y, m, dd, h->from / 60, h->from % 60, &a, &adj) < 0)
			continue;
		if (h->to == 1440) {
			int ny = y, nm = m, nd = dd;

			add_days(&ny, &nm, &nd, 1);
			if (ch_local_to_utc(tz, ny, nm, nd, 0, 0, &b, &adj) < 0)
				continue;
		} else if (ch_local_to_utc(tz, y, m, dd, h->to / 60, h->to % 60,
					   &b, &adj) < 0) {
			continue;
		}
		if (b <= a)
			continue;
		from[n] = a;
		to[n] = b;
		n++;
	}
	return n;
}

int ch_watch_period(const struct ch_watch *w, const char *tz, time_t t,
		    time_t *from, time_t *to)
{
	struct tm tm;
	int k;

	if (!w->on || w->n_hours == 0 || ch_utc_to_local(tz, t, &tm, NULL) < 0)
		return 0;
	/* from the day before (a period ending after midnight's DST shift) */
	for (k = -1; k < 400; k++) {
		time_t a[CH_WATCH_MAX], b[CH_WATCH_MAX], best_a = 0, best_b = 0;
		int y = tm.tm_year + 1900, m = tm.tm_mon + 1, dd = tm.tm_mday;
		size_t n, i;
		bool found = false;

		add_days(&y, &m, &dd, k);
		if (w->date_to && y * 10000 + m * 100 + dd > w->date_to)
			return 0;
		n = day_periods(w, tz, y, m, dd, a, b);
		for (i = 0; i < n; i++)
			if (b[i] > t && (!found || a[i] < best_a)) {
				best_a = a[i];
				best_b = b[i];
				found = true;
			}
		if (found) {
			*from = best_a;
			*to = best_b;
			return 1;
		}
	}
	return 0;
}

time_t ch_watch_prev_end(const struct ch_watch *w, const char *tz, time_t t)
{
	struct tm tm;
	time_t best = 0;
	int k;

	if (!w->on || ch_utc_to_local(tz, t, &tm, NULL) < 0)
		return 0;
	for (k = 0; k >= -7 && !best; k--) {
		time_t a[CH_WATCH_MAX], b[CH_WATCH_MAX];
		int y = tm.tm_year + 1900, m = tm.tm_mon + 1, dd = tm.tm_mday;
		size_t n, i;

		add_days(&y, &m, &dd, k);
		n = day_periods(w, tz, y, m, dd, a, b);
		for (i = 0; i < n; i++)
			if (b[i] <= t && b[i] > best)
				best = b[i];
	}
	return best;
}

bool ch_watch_staffed(const struct ch_watch *w, const char *tz, time_t t)
{
	time_t a, b;

	return ch_watch_period(w, tz, t, &a, &b) == 1 && a <= t;
}

/* ---- accounts, categories ---------------------------------------------- */

size_t ch_watch_handles(const struct ch_watch_handle *h, size_t n,
			const char *net, const char **out, size_t max)
{
	size_t i, k = 0;
	bool per_net = false;

	for (i = 0; i < n; i++)
		if (h[i].net[0] && strcmp(h[i].net, net) == 0)
			per_net = true;
	for (i = 0; i < n && k < max; i++)
		if (per_net ? strcmp(h[i].net, net) == 0 : h[i].net[0] == '\0')
			out[k++] = h[i].name;
	return k;
}

bool ch_watch_is_staff(const struct ch_watch *w, const char *net,
		       const char *username, const char *home)
{
	const char *names[CH_WATCH_MAX];
	size_t n, i;

	if (!username)
		return false;
	n = ch_watch_handles(w->staff, w->n_staff, net, names, CH_WATCH_MAX);
	for (i = 0; i < n; i++)
		if (ch_handle_same(names[i], username, home))
			return true;
	return false;
}

/* Whether word occurs in text as a whole word, ASCII case aside. */
static bool has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = text; *p; p++) {
		unsigned char before = p > text ? (unsigned char)p[-1] : ' ';

		if (strncasecmp(p, word, n) != 0)
			continue;
		if ((isalnum(before) || before >= 0x80) ||
		    isalnum((unsigned char)p[n]) || (unsigned char)p[n] >= 0x80)
			continue;
		return true;
	}
	return false;
}

const char *ch_watch_category(const struct ch_watch *w, const char *text)
{
	size_t i, j;

	for (i = 0; text && i < w->n_categories; i++)
		for (j = 0; j < w->categories[i].n_words; j++)
			if (has_word(text, w->categories[i].words[j]))
				return w->categories[i].name;
	return NULL;
}
