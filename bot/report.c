/* report.c - `chathost report`: arguments and files, the figures across
 * weeks, the chats picked, the writers run. Loading the logs is
 * report_load.c; the writers are report_text.c, report_json.c and
 * report_html.c. */
#include "report.h"
#include "cli.h"
#include "report_model.h"
#include "smap.h"
#include "state.h"
#include "net/net.h"
#include "chtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


/* ---- across weeks ------------------------------------------------------- */

struct ch_rp_net *ch_rp_net_of(struct ch_rp_chat *c, const char *net)
{
	size_t i;

	for (i = 0; i < c->n_nets; i++)
		if (strcmp(c->nets[i].net, net) == 0)
			return &c->nets[i];
	if (c->n_nets == CH_RP_MAX_NETS)
		return NULL;
	snprintf(c->nets[c->n_nets].net, sizeof c->nets[0].net, "%s", net);
	return &c->nets[c->n_nets++];
}

/* A participant's part in their network's figures. */
static void count_net(struct ch_rp_chat *c, const struct ch_rp_author *a)
{
	struct ch_rp_net *n = ch_rp_net_of(c, a->net ? a->net : "x");

	if (!n)
		return;
	n->participants++;
	n->posts += a->posts;
	if (a->first_timer)
		n->first_timers++;
	else
		n->returning++;
}

static void compute_series(struct ch_rp *r)
{
	struct ch_smap people = {0};
	size_t cap = 0, i, k;
	int *core = NULL, *ncore = NULL;
	size_t n_core = 0, n_ncore;
	int K = r->core_min, N = r->core_window;

	for (i = 0; i < r->n_chats; i++) {
		struct ch_rp_chat *c = &r->chats[i];
		struct ch_rp_person *pp;
		int g;

		for (k = 0; k < c->n_authors; k++) {
			struct ch_rp_author *a = &c->authors[k];

			g = ch_smap_get(&people, a->key);
			if (g < 0) {
				if (r->n_people == cap) {
					cap = cap ? cap * 2 : 1024;
					r->people = ch_xrealloc(
						r->people,
						cap * sizeof *r->people);
				}
				g = (int)r->n_people++;
				pp = &r->people[g];
				memset(pp, 0, sizeof *pp);
				pp->last_chat = -1;
				ch_smap_put(&people, a->key, g);
			}
			pp = &r->people[g];
			a->gid = g;
			pp->author_id = a->author_id;
			pp->net = a->net;
			if (a->username)
				pp->username = a->username;
			if (a->name)
				pp->name = a->name;
			a->first_timer = pp->chats == 0;
			if (a->first_timer)
				c->first_timers++;
			else
				c->returning++;
			count_net(c, a);
			if (i > 0 && pp->last_chat == (int)i - 1)
				c->retained++;
			pp->chats++;
			pp->last_chat = (int)i;
			pp->window++;
		}
		if (i >= (size_t)N) {
			struct ch_rp_chat *old = &r->chats[i - (size_t)N];

			for (k = 0; k < old->n_authors; k++)
				r->people[old->authors[k].gid].window--;
		}
		c->retention = -1;
		if (i > 0 && r->chats[i - 1].n_authors)
			c->retention = (double)c->retained /
				       (double)r->chats[i - 1].n_authors;
		/* lapsed: core as of the previous chat, absent now */
		c->lapsed_gids = ch_xmalloc((n_core ? n_core : 1) *
					    sizeof *c->lapsed_gids);
		for (k = 0; k < n_core; k++)
			if (r->people[core[k]].last_chat != (int)i)
				c->lapsed_gids[c->n_lapsed++] = core[k];
		c->lapsed = (int)c->n_lapsed;
		/* new core: previous core and this chat's participants */
		ncore = ch_xmalloc((n_core + c->n_authors + 1) * sizeof *ncore);
		n_ncore = 0;
		for (k = 0; k < n_core; k++)
			r->people[core[k]].core = false;
		for (k = 0; k < n_core; k++) {
			struct ch_rp_person *p = &r->people[core[k]];

			if (p->window >= K && !p->core) {
				p->core = true;
				ncore[n_ncore++] = core[k];
			}
		}
		for (k = 0; k < c->n_authors; k++) {
			struct ch_rp_person *p = &r->people[c->authors[k].gid];

			if (p->window >= K && !p->core) {
				p->core = true;
				ncore[n_ncore++] = c->authors[k].gid;
			}
			c->authors[k].core = p->core;
		}
		c->core = (int)n_ncore;
		free(core);
		core = ncore;
		n_core = n_ncore;
	}
	free(core);
	ch_smap_free(&people);
}

/* ---- arguments and files ------------------------------------------------ */

static bool date_name(const char *base, char *date)
{
	int y, m, d;

	if (strlen(base) != 16 || strcmp(base + 10, ".jsonl") != 0)
		return false;
	if (sscanf(base, "%4d-%2d-%2d", &y, &m, &d) != 3 || base[4] != '-' ||
	    base[7] != '-')
		return false;
	{
		char t[32];
		long long ms;

		snprintf(t, sizeof t, "%.10sT00:00:00Z", base);
		if (ch_replylog_parse_time(t, &ms))
			return false;
	}
	memcpy(date, base, 10);
	date[10] = '\0';
	return true;
}

struct flist {
	char **paths;
	char (*dates)[11];
	size_t n, cap;
};

static void flist_add(struct flist *f, char *path, const char *date)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->paths = ch_xrealloc(f->paths, f->cap * sizeof *f->paths);
		f->dates = ch_xrealloc(f->dates, f->cap * sizeof *f->dates);
	}
	f->paths[f->n] = path;
	snprintf(f->dates[f->n], 11, "%s", date);
	f->n++;
}

static int first_post_cb(const struct ch_log_entry *e, void *ctx)
{
	char *date = ctx;
	char t[32];

	if (e->kind == CH_KIND_EVENT)
		return 0;
	ch_rp_fmt_time(e->created_ms, t, sizeof t, false);
	memcpy(date, t, 10);
	date[10] = '\0';
	return 1;
}

static int add_arg(struct flist *f, const char *arg)
{
	struct stat sb;
	DIR *dir = NULL;
	struct dirent *de;
	struct ch_error err;
	char date[11];
	const char *base;
	size_t before = f->n;
	int subdirs = 0, rc = -1;

	if (stat(arg, &sb)) {
		fprintf(stderr, "chathost report: %s: %s\n", arg,
			strerror(errno));
		return -1;
	}
	if (S_ISDIR(sb.st_mode)) {
		dir = opendir(arg);
		if (!dir) {
			fprintf(stderr, "chathost report: %s: %s\n", arg,
				strerror(errno));
			goto cleanup;
		}
		while ((de = readdir(dir)) != NULL) {
			size_t al = strlen(arg);
			char *p = ch_xasprintf("%.*s/%s",
					       (int)(al > 1 && arg[al - 1] == '/'
							     ? al - 1
							     : al),
					       arg, de->d_name);
			struct stat es;

			if (date_name(de->d_name, date) && stat(p, &es) == 0 &&
			    S_ISREG(es.st_mode)) {
				flist_add(f, p, date);
				continue;
			}
			if (de->d_name[0] != '.' && stat(p, &es) == 0 &&
			    S_ISDIR(es.st_mode))
				subdirs++;
			free(p);
		}
		if (f->n == before) {
			fprintf(stderr,
				"chathost report: %s: no YYYY-MM-DD.jsonl logs "
				"here%s\n",
				arg,
				subdirs ? "; it holds folders: name one chat's "
					  "folder (LOGS/NAME)"
					: "");
			goto cleanup;
		}
		rc = 0;
		goto cleanup;
	}
	base = strrchr(arg, '/');
	base = base ? base + 1 : arg;
	if (!date_name(base, date)) {
		ch_error_clear(&err);
		strcpy(date, "0000-00-00");
		if (ch_replylog_read(arg, first_post_cb, date, NULL, NULL, 0,
				     &err) < 0) {
			fprintf(stderr, "chathost report: ");
			ch_error_print(&err, stderr);
			goto cleanup;
		}
		if (strcmp(date, "0000-00-00") == 0) {
			fprintf(stderr,
				"chathost report: %s: not a chathost log (no post in it gives the chat's date); name a LOGS/NAME folder or its YYYY-MM-DD.jsonl files\n",
				arg);
			goto cleanup;
		}
	}
	flist_add(f, ch_xstrdup(arg), date);
	rc = 0;
cleanup:
	if (dir)
		closedir(dir);
	return rc;
}


static int cmp_chat(const void *a, const void *b)
{
	const struct ch_rp_chat *x = a, *y = b;
	int c = strcmp(x->date, y->date);

	return c ? c : strcmp(x->path, y->path);
}

/* Whether the log at path is a rehearsal's: in a "rehearsal" folder, or
 * its state file says so. */
static bool is_rehearsal_log(const char *path)
{
	char *sp = ch_rp_state_path_of(path);
	json_t *root;
	bool yes = strstr(path, "/rehearsal/") != NULL ||
		   strncmp(path, "rehearsal/", 10) == 0;

	if (!yes && sp && (root = json_load_file(sp, 0, NULL)) != NULL) {
		yes = json_is_object(json_object_get(root, "rehearsal"));
		json_decref(root);
	}
	free(sp);
	return yes;
}

/* Leaves out rehearsal logs given beside real ones, unless asked for
 * (--rehearsals). Returns how many were left out. */
static size_t drop_rehearsals(struct flist *fl, bool keep)
{
	bool *reh = ch_xcalloc(fl->n ? fl->n : 1, sizeof *reh);
	size_t i, n = 0, real = 0;

	for (i = 0; i < fl->n; i++) {
		reh[i] = is_rehearsal_log(fl->paths[i]);
		real += !reh[i];
	}
	if (!keep && real > 0) {
		for (i = 0; i < fl->n; i++) {
			if (reh[i]) {
				free(fl->paths[i]);
				continue;
			}
			fl->paths[n] = fl->paths[i];
			memcpy(fl->dates[n], fl->dates[i], 11);
			n++;
		}
		i = fl->n - n;
		fl->n = n;
		free(reh);
		return i;
	}
	free(reh);
	return 0;
}

/* Whether writing the report to out would replace something it must
 * never replace: one of its inputs, a log, a state file. */
static bool out_forbidden(const char *out, const struct flist *fl)
{
	struct stat so, si;
	size_t i, n = strlen(out);

	const char *base = strrchr(out, '/');

	base = base ? base + 1 : out;
	/* a chat's lock too: replaced, it let a second run start */
	if ((n >= 6 && strcmp(out + n - 6, ".jsonl") == 0) ||
	    strstr(out, ".jsonl.") || strstr(out, ".state.json") ||
	    strstr(out, ".control.json") || strcmp(base, ".lock") == 0)
		return true;
	if (stat(out, &so) != 0)
		return false;
	for (i = 0; i < fl->n; i++) {
		char *sp = ch_rp_state_path_of(fl->paths[i]);
		bool same = stat(fl->paths[i], &si) == 0 &&
			    si.st_dev == so.st_dev && si.st_ino == so.st_ino;

		if (!same && sp && stat(sp, &si) == 0)
			same = si.st_dev == so.st_dev && si.st_ino == so.st_ino;
		free(sp);
		if (same)
			return true;
	}
	return false;
}

/* The chats of fl (within --until), sorted, the reviewed one marked.
 * Returns 0, or -1 when none is in range (said on stderr). */
static int pick_chats(struct ch_rp *r, struct flist *fl,
		      const struct ch_report_opts *o)
{
	size_t k, n_in = 0;

	r->core_min = o->core_min;
	r->core_window = o->core_window;
	r->since = o->since;
	r->until = o->until;
	r->chats = ch_xcalloc(fl->n ? fl->n : 1, sizeof *r->chats);
	for (k = 0; k < fl->n; k++) {
		/* chats after --until are no history for anything shown */
		if (o->until && strcmp(fl->dates[k], o->until) > 0) {
			free(fl->paths[k]);
			continue;
		}
		r->chats[r->n_chats].path = fl->paths[k];
		memcpy(r->chats[r->n_chats].date, fl->dates[k], 11);
		r->n_chats++;
	}
	fl->n = 0; /* the chats own the paths now */
	if (r->n_chats > 1)
		qsort(r->chats, r->n_chats, sizeof *r->chats, cmp_chat);
	for (k = 0; k < r->n_chats; k++) {
		struct ch_rp_chat *c = &r->chats[k];

		c->in_range = !o->since || strcmp(c->date, o->since) >= 0;
		if (c->in_range) {
			n_in++;
			r->detail = (long)k;
		}
	}
	if (n_in == 0) {
		fprintf(stderr, "chathost report: no chat logs between %s and %s\n",
			o->since ? o->since : "the start",
			o->until ? o->until : "the end");
		return -1;
	}
	r->chats[r->detail].detail = true;
	return 0;
}

/* Loads every chat and computes the figures. Returns 0, or -1 if a file
 * cannot be read or is not a log (said on stderr). */
int ch_report_build(struct ch_rp *r, const char *tz)
{
	size_t k, shown = 0, bad_files = 0;

	ch_rp_load_all(r);
	for (k = 0; k < r->n_chats; k++) {
		struct ch_rp_chat *c = &r->chats[k];
		size_t d;

		if (c->error) {
			fprintf(stderr, "chathost report: %s\n", c->error);
			return -1;
		}
		if (c->st.posts == 0 && c->st.events == 0 && c->st.bad > 0) {
			fprintf(stderr,
				"chathost report: %s: not a chathost log (none of its %ld lines is a post or an event); name a LOGS/NAME folder or its YYYY-MM-DD.jsonl files\n",
				c->path, c->st.lines);
			return -1;
		}
		r->lines += c->st.lines;
		r->bad += c->st.bad;
		if (c->st.bad)
			bad_files++;
		for (d = 0; d < c->bad.n && shown < CH_RP_BAD_SHOWN; d++, shown++)
			ch_error_print(&c->bad.items[d], stderr);
	}
	if (r->bad)
		fprintf(stderr,
			"chathost report: %ld bad line%s skipped in %zu file%s (the report leaves them out)\n",
			r->bad, r->bad == 1 ? "" : "s", bad_files,
			bad_files == 1 ? "" : "s");
	compute_series(r);
	/* times in --tz, else in the reviewed chat's own zone, else UTC */
	if (tz)
		r->tz = ch_xstrdup(tz);
	else if (r->chats[r->detail].timezone &&
		 ch_tz_valid(r->chats[r->detail].timezone))
		r->tz = ch_xstrdup(r->chats[r->detail].timezone);
	if (r->tz && strcmp(r->tz, "UTC") == 0) {
		free(r->tz);
		r->tz = NULL;
	}
	return 0;
}

static int write_format(struct ch_rp *r, const char *format, FILE *fp)
{
	if (strncmp(format, "recap-", 6) == 0)
		return ch_rp_write_recap(r, fp, format + 6);
	if (strcmp(format, "text") == 0)
		return ch_rp_write_text(r, fp);
	if (strcmp(format, "csv") == 0)
		return ch_rp_write_csv(r, fp);
	if (strcmp(format, "json") == 0)
		return ch_rp_write_json(r, fp);
	return ch_rp_write_html(r, fp);
}

/* Writes the report to out (atomically: a temp file renamed over it) or
 * to stdout. Returns 0 or -1 (said on stderr). */
static int write_report(struct ch_rp *r, const struct ch_report_opts *o)
{
	struct ch_error err;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int wrc;

	if (!o->out || strcmp(o->out, "-") == 0) {
		wrc = write_format(r, o->format, stdout);
		if (fflush(stdout) || ferror(stdout))
			wrc = -1;
		if (wrc)
			fprintf(stderr, "chathost report: cannot write the output\n");
		return wrc ? -1 : 0;
	}
	/* built in memory, then written atomically over o->out */
	fp = open_memstream(&buf, &len);
	if (!fp) {
		fprintf(stderr, "chathost report: out of memory\n");
		return -1;
	}
	wrc = write_format(r, o->format, fp);
	if (fclose(fp) || wrc) {
		fprintf(stderr, "chathost report: cannot build the report\n");
		free(buf);
		return -1;
	}
	ch_error_clear(&err);
	wrc = ch_write_file_atomic(o->out, buf, len, 0644, &err);
	if (wrc)
		fprintf(stderr, "chathost report: cannot write %s: %s\n", o->out,
			err.text);
	free(buf);
	return wrc ? -1 : 0;
}

int ch_report_run_into(const struct ch_report_opts *o, struct ch_rp *r)
{
	struct flist fl = {0};
	size_t k, dropped;
	int i, rc = CH_EXIT_INPUT;

	memset(r, 0, sizeof *r);
	r->detail = -1;
	for (i = 0; i < o->n_inputs; i++)
		if (add_arg(&fl, o->inputs[i]))
			goto cleanup;
	if (o->out && strcmp(o->out, "-") != 0 && out_forbidden(o->out, &fl)) {
		fprintf(stderr,
			"chathost report: --out %s: refusing to write over a log, a state, control or lock file or one of the report's inputs; name a new file (e.g. report.html)\n",
			o->out);
		rc = CH_EXIT_USAGE;
		goto cleanup;
	}
	dropped = drop_rehearsals(&fl, o->rehearsals);
	if (dropped)
		fprintf(stderr,
			"chathost report: %zu rehearsal log%s left out (add --rehearsals to count them)\n",
			dropped, dropped == 1 ? "" : "s");
	if (pick_chats(r, &fl, o) < 0 || ch_report_build(r, o->tz) < 0 ||
	    write_report(r, o) < 0)
		goto cleanup;
	rc = CH_EXIT_OK;
cleanup:
	for (k = 0; k < fl.n; k++)
		free(fl.paths[k]);
	free(fl.paths);
	free(fl.dates);
	return rc;
}

int ch_report_run(const struct ch_report_opts *o)
{
	struct ch_rp r;
	int rc = ch_report_run_into(o, &r);

	if (r.chats)
		ch_rp_free(&r);
	return rc;
}

static int cmp_ll_asc(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int ch_rp_welcomed(const struct ch_rp_chat *c, long long *median_ms)
{
	long long *v = ch_xcalloc(c->n_authors + 1, sizeof *v);
	size_t i, n = 0;

	for (i = 0; i < c->n_authors; i++) {
		const struct ch_rp_author *a = &c->authors[i];

		if (!a->first_timer || a->welcomed_ms == CH_RP_NONE)
			continue;
		v[n++] = a->first_ms != CH_RP_NONE && a->welcomed_ms > a->first_ms
				 ? a->welcomed_ms - a->first_ms : 0;
	}
	qsort(v, n, sizeof *v, cmp_ll_asc);
	*median_ms = n == 0 ? CH_RP_NONE
		     : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	return (int)n;
}
