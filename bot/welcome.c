/* welcome.c - a chat's welcome of its first-timers (see welcome.h). */
#include "welcome.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "replylog.h"

struct past_ctx {
	char **v;
	size_t n, cap;
};

static int collect(const struct ch_log_entry *e, void *ctx)
{
	struct past_ctx *p = ctx;

	if (e->kind == CH_KIND_EVENT || e->kind == CH_KIND_HOST || !e->author_id)
		return 0;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->v = ch_xrealloc(p->v, p->cap * sizeof *p->v);
	}
	p->v[p->n++] = ch_xasprintf("%s:%s", e->net && *e->net ? e->net : "x",
				    e->author_id);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The participants of the chats before date, from their logs. */
static void load_past(struct ch_welcome *wl, const struct ch_schedule *s,
		      const char *date)
{
	char *dir = ch_chat_dir(s, false);
	DIR *d = opendir(dir);
	struct dirent *e;
	struct past_ctx p = {0};
	size_t i, k;

	while (d && (e = readdir(d)) != NULL) {
		char *path;

		if (strlen(e->d_name) != 16 || strcmp(e->d_name + 10, ".jsonl") != 0 ||
		    strncmp(e->d_name, date, 10) >= 0)
			continue;
		path = ch_xasprintf("%s/%s", dir, e->d_name);
		ch_replylog_read(path, collect, &p, NULL, NULL, 0, NULL);
		free(path);
	}
	if (d)
		closedir(d);
	if (p.n)
		qsort(p.v, p.n, sizeof *p.v, cmp_str);
	for (i = 0, k = 0; i < p.n; i++) { /* one of each */
		if (k && strcmp(p.v[k - 1], p.v[i]) == 0) {
			free(p.v[i]);
			continue;
		}
		p.v[k++] = p.v[i];
	}
	wl->past = p.v;
	wl->n_past = k;
	free(dir);
}

int ch_welcome_open(struct ch_welcome *wl, const struct ch_schedule *s,
		    const char *date, bool rehearsal, double speed,
		    double staffed_from,
		    void (*alert)(void *ctx, const char *category,
				  const char *message), void *ctx,
		    struct ch_error *err)
{
	char *chat = ch_chat_dir(s, rehearsal);
	struct ch_care_conf k;

	memset(wl, 0, sizeof *wl);
	wl->dir = ch_xasprintf("%s/care", chat);
	free(chat);
	load_past(wl, s, date);
	memset(&k, 0, sizeof k);
	k.w = &s->watch;
	k.tz = s->timezone;
	k.dir = wl->dir;
	k.day = date;
	k.speed = speed > 0 ? speed : 1;
	k.staffed_from = staffed_from;
	k.welcome = true;
	k.alert = alert;
	k.alert_ctx = ctx;
	wl->care = ch_care_open(&k, ch_clock_now(), err);
	if (!wl->care) {
		free(wl->dir);
		wl->dir = NULL;
		return -1;
	}
	ch_log(CH_LOG_INFO, "welcome: %zu people of the earlier chats; first-timers not welcomed within %d min are said",
	       wl->n_past, s->watch.sla);
	return 0;
}

void ch_welcome_me(struct ch_welcome *wl, const char *net, const char *id,
		   const char *home)
{
	if (wl->care)
		ch_care_add_me(wl->care, net, id, home);
}

static bool is_past(const struct ch_welcome *wl, const char *net,
		    const char *author)
{
	char *key = ch_xasprintf("%s:%s", net, author);
	const char *kp = key;
	bool r = wl->n_past && bsearch(&kp, wl->past, wl->n_past,
				       sizeof *wl->past, cmp_str) != NULL;

	free(key);
	return r;
}

void ch_welcome_seen(void *ctx, const char *net, const struct ch_msg *m)
{
	struct ch_welcome *wl = ctx;
	struct ch_msg one = *m; /* shallow: the care copies what it keeps */
	struct ch_msg_page page;
	struct ch_error err;

	if (!wl->care || !m->author_id || m->is_repost ||
	    is_past(wl, net, m->author_id))
		return;
	memset(&page, 0, sizeof page);
	page.msgs = &one;
	page.n = 1;
	ch_error_clear(&err);
	if (ch_care_take(wl->care, net, &page, ch_clock_now(), &err) < 0)
		ch_log(CH_LOG_WARN, "welcome: %s", err.text);
}

double ch_welcome_tick(struct ch_welcome *wl, double now)
{
	return wl->care ? ch_care_tick(wl->care, now) : HUGE_VAL;
}

void ch_welcome_close(struct ch_welcome *wl)
{
	size_t i;

	ch_care_close(wl->care);
	wl->care = NULL;
	for (i = 0; i < wl->n_past; i++)
		free(wl->past[i]);
	free(wl->past);
	free(wl->dir);
	memset(wl, 0, sizeof *wl);
}
