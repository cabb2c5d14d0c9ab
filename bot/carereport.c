/* carereport.c - chathost report --care (see carereport.h). */
#include "carereport.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "common.h"
#include "state.h"
#include "net/net.h"
#include "report_model.h"

/* One case, as its events tell it; strings owned. */
struct rcase {
	char net[16];
	char *id, *url, *author, *text, *category, *created_at, *date;
	char *found;         /* how the watch found it: mention, hashtag,
				words, thread; NULL before it said */
	char *period;        /* the staffed period it fell in, NULL before
				it said */
	bool direct;         /* a direct message: no text, no link */
	char *answered_by, *reply_url;
	bool answered, warned, breached;
	double response_s;   /* answered: staffed seconds to the answer */
	int sla_s;           /* its SLA (the opening's sla_s; 300) */
};

struct care_rp {
	struct rcase *v;
	size_t n, cap;
	long files;
};

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static struct rcase *find(struct care_rp *r, const char *net, const char *id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].net, net) == 0 && strcmp(r->v[i].id, id) == 0)
			return &r->v[i];
	return NULL;
}

static struct rcase *add(struct care_rp *r, json_t *o, const char *net,
			 const char *date)
{
	struct rcase *c;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = ch_xrealloc(r->v, r->cap * sizeof *r->v);
	}
	c = &r->v[r->n++];
	memset(c, 0, sizeof *c);
	snprintf(c->net, sizeof c->net, "%s", net);
	c->id = ch_xstrdup(jstr(o, "id"));
	c->url = ch_xstrdup(jstr(o, "url"));
	c->author = ch_xstrdup(jstr(o, "author"));
	c->text = ch_xstrdup(jstr(o, "text"));
	c->category = ch_xstrdup(jstr(o, "category"));
	c->found = ch_xstrdup(jstr(o, "found"));
	c->period = ch_xstrdup(jstr(o, "period"));
	c->direct = json_is_true(json_object_get(o, "direct"));
	c->created_at = ch_xstrdup(jstr(o, "created_at"));
	c->date = ch_xstrdup(date);
	c->sla_s = json_is_number(json_object_get(o, "sla_s"))
			   ? (int)json_number_value(json_object_get(o, "sla_s"))
			   : 300;
	return c;
}

static void apply(struct care_rp *r, json_t *o, const char *date)
{
	const char *ev = jstr(o, "event"), *net = jstr(o, "net");
	struct rcase *c;

	if (!ev || !jstr(o, "id") || strcmp(ev, "staff") == 0)
		return;
	net = net ? net : "x";
	c = find(r, net, jstr(o, "id"));
	if (!c)
		c = add(r, o, net, date);
	if (strcmp(ev, "warned") == 0) {
		c->warned = true;
	} else if (strcmp(ev, "breached") == 0) {
		c->breached = true;
	} else if (strcmp(ev, "answered") == 0 && !c->answered) {
		c->answered = true;
		c->answered_by = ch_xstrdup(jstr(o, "answered_by"));
		c->reply_url = ch_xstrdup(jstr(o, "reply_url"));
		c->response_s = json_number_value(json_object_get(o, "response_s"));
	}
}

struct log_ctx {
	struct care_rp *r;
	const char *date;
};

static void apply_cb(void *ctx, json_t *o)
{
	struct log_ctx *lc = ctx;

	apply(lc->r, o, lc->date);
}

static int read_log(struct care_rp *r, const char *path, const char *date)
{
	struct log_ctx lc = { r, date };

	if (ch_json_lines(path, apply_cb, &lc) < 0) {
		fprintf(stderr, "chathost report: %s: cannot read\n", path);
		return -1;
	}
	r->files++;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The care logs of a folder (DATE.jsonl), in date order. */
static int read_dir(struct care_rp *r, const char *dir,
		    const struct ch_report_opts *o)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;
	int rc = 0;

	while (d && (e = readdir(d)) != NULL) {
		const char *f = e->d_name;

		if (strlen(f) != 16 || strcmp(f + 10, ".jsonl") != 0 ||
		    (o->since && strncmp(f, o->since, 10) < 0) ||
		    (o->until && strncmp(f, o->until, 10) > 0))
			continue;
		names = ch_xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = ch_xstrdup(f);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_name);
	for (i = 0; i < n; i++) {
		char *p = ch_xasprintf("%s/%s", dir, names[i]);
		char date[11];

		snprintf(date, sizeof date, "%.10s", names[i]);
		if (read_log(r, p, date) < 0)
			rc = -1;
		free(p);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int read_input(struct care_rp *r, const char *in,
		      const struct ch_report_opts *o)
{
	struct stat sb;
	char *care;
	const char *base;
	char date[11] = "";
	int rc;

	if (stat(in, &sb) < 0) {
		fprintf(stderr, "chathost report: %s: no such file or folder\n", in);
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		base = strrchr(in, '/') ? strrchr(in, '/') + 1 : in;
		snprintf(date, sizeof date, "%.10s", base);
		return read_log(r, in, date);
	}
	care = ch_xasprintf("%s/care", in);
	rc = stat(care, &sb) == 0 && S_ISDIR(sb.st_mode) ? read_dir(r, care, o)
							 : read_dir(r, in, o);
	free(care);
	return rc;
}

/* ---- figures ---- */

/* The SLA the watch used (its first case's), in seconds. */
static int sla_of(const struct care_rp *r)
{
	return r->n ? r->v[0].sla_s : 300;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct stat_row {
	char key[96];
	long cases, answered, in_sla;
	double median, p90;
};

/* The figures of the cases for which pick says yes. */
static void figures(const struct care_rp *r, bool (*pick)(const struct rcase *, const char *),
		    const char *key, struct stat_row *s)
{
	double *v = ch_xcalloc(r->n + 1, sizeof *v);
	size_t i, n = 0;

	memset(s, 0, sizeof *s);
	snprintf(s->key, sizeof s->key, "%s", key ? key : "");
	for (i = 0; i < r->n; i++) {
		const struct rcase *c = &r->v[i];

		if (pick && !pick(c, key))
			continue;
		s->cases++;
		if (!c->answered)
			continue;
		s->answered++;
		s->in_sla += c->response_s <= c->sla_s;
		v[n++] = c->response_s;
	}
	qsort(v, n, sizeof *v, cmp_double);
	s->median = n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : NAN;
	s->p90 = n ? v[(size_t)ceil(0.9 * (double)n) - 1] : NAN;
	free(v);
}

static bool by_net(const struct rcase *c, const char *k)
{
	return strcmp(c->net, k) == 0;
}

static bool by_category(const struct rcase *c, const char *k)
{
	return strcmp(c->category ? c->category : "uncategorised", k) == 0;
}

static bool by_period(const struct rcase *c, const char *k)
{
	return strcmp(c->period ? c->period : "-", k) == 0;
}

static bool by_found(const struct rcase *c, const char *k)
{
	return strcmp(c->found ? c->found : "-", k) == 0;
}

/* Whether a case says how it was found (logs before watch.words did not). */
static bool any_found(const struct care_rp *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].found)
			return true;
	return false;
}

static bool by_staff(const struct rcase *c, const char *k)
{
	return c->answered && strcmp(c->answered_by ? c->answered_by : "", k) == 0;
}

/* The distinct values of a field, in order of first appearance. */
static size_t keys_of(const struct care_rp *r, int which, char keys[][96],
		      size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i < r->n; i++) {
		const struct rcase *c = &r->v[i];
		const char *k = which == 0 ? c->net
				: which == 1 ? (c->category ? c->category : "uncategorised")
				: which == 3 ? (c->found ? c->found : "-")
				: which == 4 ? (c->period ? c->period : "-")
				: (c->answered ? (c->answered_by ? c->answered_by : "") : NULL);

		if (!k)
			continue;
		for (j = 0; j < n && strcmp(keys[j], k) != 0; j++)
			;
		if (j == n && n < max)
			snprintf(keys[n++], 96, "%s", k);
	}
	return n;
}

static void fmt_s(double s, char *buf, size_t n)
{
	if (isnan(s))
		snprintf(buf, n, "-");
	else if (s < 60)
		snprintf(buf, n, "%.0fs", s);
	else
		snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
}

static const char *title_of(const char *net)
{
	const struct ch_net_ops *ops = ch_net_find(net);

	return ops ? ops->title : net;
}

/* ---- text ---- */

static void text_row(FILE *fp, const struct stat_row *s, const char *name)
{
	char med[16], p90[16];

	fmt_s(s->median, med, sizeof med);
	fmt_s(s->p90, p90, sizeof p90);
	fprintf(fp, "  %-22s %6ld %9ld %8ld %5.0f%% %8s %8s\n", name, s->cases,
		s->answered, s->in_sla,
		s->cases ? 100.0 * (double)s->in_sla / (double)s->cases : 0.0, med,
		p90);
}

static void text_table(FILE *fp, const struct care_rp *r, const char *title,
		       int which, bool (*pick)(const struct rcase *, const char *))
{
	char keys[64][96];
	size_t n = keys_of(r, which, keys, 64), i;

	fprintf(fp, "\n%s\n", title);
	fprintf(fp, "  %-22s %6s %9s %8s %6s %8s %8s\n", "", "cases", "answered",
		"in SLA", "share", "median", "p90");
	for (i = 0; i < n; i++) {
		struct stat_row s;

		figures(r, pick, keys[i], &s);
		text_row(fp, &s, which == 0 ? title_of(keys[i]) : keys[i]);
	}
}

static void write_text(FILE *fp, const struct care_rp *r)
{
	struct stat_row all;
	size_t i;
	char med[16], p90[16], resp[16];

	figures(r, NULL, NULL, &all);
	fmt_s(all.median, med, sizeof med);
	fmt_s(all.p90, p90, sizeof p90);
	fprintf(fp, "Care watch: %ld case%s from %ld log%s\n\n", all.cases,
		all.cases == 1 ? "" : "s", r->files, r->files == 1 ? "" : "s");
	fprintf(fp, "  Cases                 %6ld\n", all.cases);
	fprintf(fp, "  Answered              %6ld\n", all.answered);
	fprintf(fp, "  Answered within SLA   %6ld   %.0f%% of the cases (SLA %d min)\n",
		all.in_sla, all.cases ? 100.0 * (double)all.in_sla / (double)all.cases : 0.0,
		sla_of(r) / 60);
	fprintf(fp, "  First response        median %s, p90 %s (staffed time)\n", med, p90);
	text_table(fp, r, "Per staff member", 2, by_staff);
	text_table(fp, r, "Per category", 1, by_category);
	text_table(fp, r, "Per network", 0, by_net);
	if (any_found(r)) {
		text_table(fp, r, "Per staffed period", 4, by_period);
		text_table(fp, r, "Found by", 3, by_found);
	}
	fprintf(fp, "\nNever answered or answered late\n");
	for (i = 0; i < r->n; i++) {
		const struct rcase *c = &r->v[i];

		if (c->answered && c->response_s <= c->sla_s)
			continue;
		fmt_s(c->response_s, resp, sizeof resp);
		fprintf(fp, "  %s %-8s @%s (%s): %s\n    %s%s%s\n", c->date,
			title_of(c->net), c->author ? c->author : "?",
			c->category ? c->category : "uncategorised",
			c->text ? c->text : "", c->url ? c->url : "",
			c->answered ? "  answered after " : "  NEVER ANSWERED",
			c->answered ? resp : "");
	}
}

/* ---- csv, json, html ---- */

static void write_csv(FILE *fp, const struct care_rp *r)
{
	static const char *const head[] = {
		"date", "net", "id", "author", "category", "created_at", "answered",
		"answered_by", "response_s", "within_sla", "warned", "breached", "url",
		"text"};
	size_t i, h;

	/* the chat report's writer: BOM, ids as text, the formula guard */
	fputs(CH_RP_CSV_BOM, fp);
	for (h = 0; h < sizeof head / sizeof *head; h++)
		ch_rp_csv_field(fp, head[h], h + 1 == sizeof head / sizeof *head);
	for (i = 0; i < r->n; i++) {
		const struct rcase *c = &r->v[i];
		char num[32];

		ch_rp_csv_field(fp, c->date, false);
		ch_rp_csv_field(fp, c->net, false);
		ch_rp_csv_id(fp, c->id, false);
		ch_rp_csv_field(fp, c->author, false);
		ch_rp_csv_field(fp, c->category, false);
		ch_rp_csv_field(fp, c->created_at, false);
		ch_rp_csv_field(fp, c->answered ? "yes" : "no", false);
		ch_rp_csv_field(fp, c->answered_by, false);
		snprintf(num, sizeof num, "%.1f", c->response_s);
		ch_rp_csv_field(fp, c->answered ? num : "", false);
		ch_rp_csv_field(fp, c->answered && c->response_s <= c->sla_s ? "yes" : "no", false);
		ch_rp_csv_field(fp, c->warned ? "yes" : "no", false);
		ch_rp_csv_field(fp, c->breached ? "yes" : "no", false);
		ch_rp_csv_field(fp, c->url, false);
		ch_rp_csv_field(fp, c->text, true);
	}
}

static json_t *jnum(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *row_json(const struct stat_row *s, const char *key)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:o, s:o}", key, s->key,
			 "cases", (json_int_t)s->cases, "answered",
			 (json_int_t)s->answered, "within_sla",
			 (json_int_t)s->in_sla, "median_s", jnum(s->median),
			 "p90_s", jnum(s->p90));
}

static json_t *table_json(const struct care_rp *r, int which, const char *key,
			  bool (*pick)(const struct rcase *, const char *))
{
	char keys[64][96];
	size_t n = keys_of(r, which, keys, 64), i;
	json_t *a = json_array();

	for (i = 0; i < n; i++) {
		struct stat_row s;

		figures(r, pick, keys[i], &s);
		json_array_append_new(a, row_json(&s, key));
	}
	return a;
}

static json_t *report_json(const struct care_rp *r)
{
	struct stat_row all;
	json_t *o, *cases = json_array();
	size_t i;

	figures(r, NULL, "all", &all);
	o = json_object();
	json_object_set_new(o, "summary", row_json(&all, "of"));
	json_object_set_new(o, "sla_s", json_integer(sla_of(r)));
	json_object_set_new(o, "per_staff", table_json(r, 2, "staff", by_staff));
	json_object_set_new(o, "per_category", table_json(r, 1, "category", by_category));
	json_object_set_new(o, "per_network", table_json(r, 0, "net", by_net));
	if (any_found(r)) {
		json_object_set_new(o, "per_period", table_json(r, 4, "period", by_period));
		json_object_set_new(o, "found_by", table_json(r, 3, "found", by_found));
	}
	for (i = 0; i < r->n; i++) {
		const struct rcase *c = &r->v[i];
		json_t *x = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:b, s:b, s:b}",
				      "date", c->date, "net", c->net, "id", c->id,
				      "author", c->author, "category", c->category,
				      "url", c->url, "text", c->text, "answered",
				      c->answered, "warned", c->warned, "breached",
				      c->breached);

		if (c->found)
			json_object_set_new(x, "found", json_string(c->found));
		if (c->direct)
			json_object_set_new(x, "direct", json_true());
		if (c->answered) {
			json_object_set_new(x, "answered_by", json_string(c->answered_by ? c->answered_by : ""));
			json_object_set_new(x, "response_s", json_real(c->response_s));
			json_object_set_new(x, "within_sla", json_boolean(c->response_s <= c->sla_s));
		}
		json_array_append_new(cases, x);
	}
	json_object_set_new(o, "cases", cases);
	return o;
}

/* the one HTML escaper (report_html.c) */
static void esc(FILE *fp, const char *s)
{
	ch_rp_html_esc(fp, s);
}

static void html_table(FILE *fp, const struct care_rp *r, const char *title,
		       int which, bool (*pick)(const struct rcase *, const char *))
{
	char keys[64][96], med[16], p90[16];
	size_t n = keys_of(r, which, keys, 64), i;

	fprintf(fp, "<h2>%s</h2><table><tr><th></th><th>cases</th><th>answered</th>"
		    "<th>in SLA</th><th>median</th><th>p90</th></tr>", title);
	for (i = 0; i < n; i++) {
		struct stat_row s;

		figures(r, pick, keys[i], &s);
		fmt_s(s.median, med, sizeof med);
		fmt_s(s.p90, p90, sizeof p90);
		fputs("<tr><td>", fp);
		esc(fp, which == 0 ? title_of(keys[i]) : keys[i]);
		fprintf(fp, "</td><td>%ld</td><td>%ld</td><td>%ld</td><td>%s</td><td>%s</td></tr>",
			s.cases, s.answered, s.in_sla, med, p90);
	}
	fputs("</table>", fp);
}

static void write_html(FILE *fp, const struct care_rp *r)
{
	struct stat_row all;
	char med[16], p90[16], resp[16];
	size_t i;

	figures(r, NULL, NULL, &all);
	fmt_s(all.median, med, sizeof med);
	fmt_s(all.p90, p90, sizeof p90);
	fputs("<!doctype html><html lang=en><meta charset=utf-8><title>Care watch</title>"
	      "<style>body{font:15px/1.4 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
	      "table{border-collapse:collapse}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:right}"
	      "td:first-child,th:first-child{text-align:left}.late{color:#a40}</style>", fp);
	fprintf(fp, "<h1>Care watch</h1><p><b>%ld</b> cases, <b>%ld</b> answered, "
		    "<b>%ld</b> within the SLA of %d min (%.0f%%); first response median "
		    "<b>%s</b>, p90 <b>%s</b> (staffed time).</p>",
		all.cases, all.answered, all.in_sla, sla_of(r) / 60,
		all.cases ? 100.0 * (double)all.in_sla / (double)all.cases : 0.0, med, p90);
	html_table(fp, r, "Per staff member", 2, by_staff);
	html_table(fp, r, "Per category", 1, by_category);
	html_table(fp, r, "Per network", 0, by_net);
	if (any_found(r)) {
		html_table(fp, r, "Per staffed period", 4, by_period);
		html_table(fp, r, "Found by", 3, by_found);
	}
	fputs("<h2>Never answered or answered late</h2><ul>", fp);
	for (i = 0; i < r->n; i++) {
		const struct rcase *c = &r->v[i];

		if (c->answered && c->response_s <= c->sla_s)
			continue;
		fmt_s(c->response_s, resp, sizeof resp);
		fputs("<li class=late>", fp);
		esc(fp, c->date);
		fputs(" <a href=\"", fp);
		esc(fp, c->url);
		fputs("\">@", fp);
		esc(fp, c->author);
		fputs("</a>: ", fp);
		esc(fp, c->text);
		fprintf(fp, " &mdash; %s%s</li>", c->answered ? "answered after " : "never answered",
			c->answered ? resp : "");
	}
	fputs("</ul></html>\n", fp);
}

static int write_out(const struct care_rp *r, const struct ch_report_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct ch_error err;
	int rc = 0;

	if (!fp)
		return -1;
	if (strcmp(o->format, "csv") == 0) {
		write_csv(fp, r);
	} else if (strcmp(o->format, "json") == 0) {
		json_t *j = report_json(r);

		json_dumpf(j, fp, JSON_INDENT(2));
		fputc('\n', fp);
		json_decref(j);
	} else if (strcmp(o->format, "html") == 0) {
		write_html(fp, r);
	} else {
		write_text(fp, r);
	}
	fclose(fp);
	ch_error_clear(&err);
	if (o->out && strcmp(o->out, "-") != 0) {
		if (ch_write_file_atomic(o->out, buf, len, 0644, &err) < 0) {
			fprintf(stderr, "chathost report: %s: %s\n", err.source, err.text);
			rc = -1;
		}
	} else if (fwrite(buf, 1, len, stdout) != len) {
		rc = -1;
	}
	free(buf);
	return rc;
}

int ch_care_report_run(const struct ch_report_opts *o)
{
	struct care_rp r;
	size_t i;
	int k, rc = CH_EXIT_INPUT;

	memset(&r, 0, sizeof r);
	for (k = 0; k < o->n_inputs; k++)
		if (read_input(&r, o->inputs[k], o) < 0)
			goto cleanup;
	if (r.files == 0) {
		fprintf(stderr, "chathost report --care: no care log found (LOGS/NAME/care/YYYY-MM-DD.jsonl)\n");
		goto cleanup;
	}
	if (write_out(&r, o) == 0)
		rc = CH_EXIT_OK;
cleanup:
	for (i = 0; i < r.n; i++) {
		struct rcase *c = &r.v[i];

		free(c->id);
		free(c->url);
		free(c->author);
		free(c->text);
		free(c->category);
		free(c->found);
		free(c->period);
		free(c->created_at);
		free(c->date);
		free(c->answered_by);
		free(c->reply_url);
	}
	free(r.v);
	return rc;
}
