/* chat_post.c - the chat engine's posts: intents, the post at its
 * instant, the content manager's pause and cancel, the waits between
 * posts (with capture cycles), the plan loaded and reloaded. */
#include "chat.h"

double chat_real_at(const struct chat *c, time_t t)
{
	return ch_timeline_real(&c->tl, t);
}

/* "Q3", or "Q3 on Bluesky" on a network other than X (messages). */
static const char *net_label(const struct chat *c, const struct ch_post *p,
			     char *buf, size_t n)
{
	size_t k;

	ch_plan_post_label(p, buf, n);
	k = strlen(buf);
	if (c->x && strcmp(c->x->ops->name, "x") != 0 && k < n)
		snprintf(buf + k, n - k, " on %s", c->x->ops->title);
	return buf;
}

/* Why p went out on its own instead of as a reply, or NULL. */
static const char *standalone_of(struct chat *c, const struct ch_post *p)
{
	return ch_json_str(json_object_get(ch_state_obj(&c->st, "posts"),
					   p->key), "standalone");
}

/* Appends the host's own post to the log. */
void chat_log_host_post(struct chat *c, const struct ch_post *p,
			  const char *id, double at)
{
	struct ch_log_entry e;
	struct ch_error err;
	char created[40];
	char *url;

	if (!c->log)
		return;
	ch_error_clear(&err);
	memset(&e, 0, sizeof e);
	ch_format_time_ms((long long)floor(at * 1000.0), created, sizeof created);
	e.id = id;
	e.created_at = created;
	e.author_id = c->me_id ? c->me_id : "";
	e.username = c->me_username;
	e.kind = CH_KIND_HOST;
	e.question = p->kind == CH_POST_QUESTION ? p->number : 0;
	e.attributed_by = CH_ATTR_NONE;
	e.in_reply_to_id = p->reply_to_intro && !standalone_of(c, p)
				   ? ch_state_post_id(&c->st, "intro")
				   : NULL;
	e.text = p->text;
	e.net = c->x ? c->x->ops->name : NULL;
	url = c->x ? ch_net_url(c->x, id, c->me_username) : NULL;
	e.url = url;
	if (ch_replylog_append(c->log, &e, &err) < 0)
		ch_log(CH_LOG_ERROR, "%s", err.text);
	ch_replylog_flush(c->log, NULL);
	free(url);
}

/* Records a skipped post in the log as an event line. */
static void log_skip(struct chat *c, const struct ch_post *p, const char *why)
{
	json_t *f;

	if (!c->log)
		return;
	f = json_pack("{s:s, s:s, s:s}", "key", p->key, "reason", why, "text",
		      p->text);
	if (c->x)
		json_object_set_new(f, "net", json_string(c->x->ops->name));
	ch_replylog_event(c->log, "skipped", f, NULL);
	json_decref(f);
	ch_replylog_flush(c->log, NULL);
}

/* Sends msg through the schedule's notifiers (real chats only: a
 * rehearsal's trouble is seen on its terminal). */
void chat_alert(const struct chat *c, const char *msg)
{
	if (c->o->speed > 0 || c->o->dry_run)
		return;
	/* a worker sends it: no post waits for a notifier */
	ch_notify_async(c->s, msg);
}

/* On a network that bills (X): where the chat's state opens, what
 * earlier runs of the chat used, and where this run's count starts. */
void chat_cost_start(struct chat *c)
{
	json_t *o = json_object_get(c->st.root, "cost");

	memset(&c->cost_base, 0, sizeof c->cost_base);
	c->cost_base.posts = (long)ch_json_num(o, "posts", 0);
	c->cost_base.posts_url = (long)ch_json_num(o, "posts_with_url", 0);
	c->cost_base.reads = (long)ch_json_num(o, "reads", 0);
	c->cost_base.billed = (long)ch_json_num(o, "reads_billed", 0);
	if (c->x)
		c->usage0 = c->x->usage;
	c->cost_on = true;
}

/* The chat's "cost" in its state: posts made, posts read and billed, and
 * what they cost at the schedule's prices (US dollars). */
static void cost_to_state(struct chat *c)
{
	struct ch_net_usage u = c->cost_base;
	double dollars;

	if (!c->cost_on || !c->x || !c->x->ops->billed)
		return;
	u.posts += c->x->usage.posts - c->usage0.posts;
	u.posts_url += c->x->usage.posts_url - c->usage0.posts_url;
	u.reads += c->x->usage.reads - c->usage0.reads;
	u.billed += c->x->usage.billed - c->usage0.billed;
	dollars = (double)(u.posts - u.posts_url) * c->s->price_post +
		  (double)u.posts_url * c->s->price_post_url +
		  (double)u.billed * c->s->price_read;
	json_object_set_new(
		c->st.root, "cost",
		json_pack("{s:s, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f}",
			  "net", c->x->ops->name, "posts", (json_int_t)u.posts,
			  "posts_with_url", (json_int_t)u.posts_url,
			  "reads", (json_int_t)u.reads,
			  "reads_billed", (json_int_t)u.billed,
			  "price_post", c->s->price_post,
			  "price_post_with_url", c->s->price_post_url,
			  "price_read", c->s->price_read,
			  "dollars", floor(dollars * 1000.0 + 0.5) / 1000.0));
}

/* Writes the state. Returns 0, or -1 (logged; the first failure of a
 * chat is also sent to the notifiers). */
int chat_save_state(struct chat *c)
{
	struct ch_error err;

	ch_error_clear(&err);
	if (!c->state_open)
		return 0;
	if (!c->o->dry_run)
		cost_to_state(c);
	if (ch_state_save(&c->st, &err) == 0) {
		if (c->state_failed)
			ch_log(CH_LOG_INFO, "%s: the state can be written again",
			       c->st.path);
		c->state_failed = false;
		return 0;
	}
	ch_log(CH_LOG_ERROR, "%s: %s", err.source, err.text);
	c->state_failed = true;
	if (!c->state_alerted) {
		char *msg = ch_xasprintf(
			"the %s chat on %s cannot write its state (%s: %s): nothing more is posted until it can; free space, and a restart looks up what was posted",
			c->s->hashtag, c->date, err.source, err.text);

		c->state_alerted = true;
		chat_alert(c, msg);
		free(msg);
	}
	return -1;
}

/* The real instant the intent to post key was recorded (0 if none). */
static double intent_at(struct chat *c, const char *key)
{
	return ch_json_num(json_object_get(ch_state_obj(&c->st, "posts"), key),
			   "intent_at", 0);
}

/* The record key chosen with p's intent, or NULL. */
static const char *post_key(struct chat *c, const struct ch_post *p)
{
	return ch_json_str(json_object_get(ch_state_obj(&c->st, "posts"),
					   p->key), "key");
}

/* Records the intent to post p at due, durably. Returns 0, or -1 if it
 * could not be written: then it is not recorded in memory either, and p
 * must not be posted (a post that cannot be recorded is never made). */
static int write_intent(struct chat *c, const struct ch_post *p, double due)
{
	json_t *posts = ch_state_obj(&c->st, "posts");
	/* a copy: ch_state_set_intent changes the object in place */
	json_t *old = json_deep_copy(json_object_get(posts, p->key));

	ch_state_set_intent(&c->st, p->key, p->text, ch_now());
	json_object_set_new(json_object_get(posts, p->key), "due",
			    json_real(due));
	/* where the network has record keys, the post's key is chosen now,
	 * with its intent: a post whose fate is unknown is found by it */
	if (c->x) {
		char key[32];

		ch_net_new_key(c->x, key, sizeof key);
		if (key[0])
			json_object_set_new(json_object_get(posts, p->key),
					    "key", json_string(key));
	}
	if (chat_save_state(c) == 0) {
		json_decref(old);
		return 0;
	}
	if (old)
		json_object_set_new(posts, p->key, old);
	else
		json_object_del(posts, p->key);
	return -1;
}

/* The real instant past which p is not posted any more. */
static double late_at_of(const struct chat *c, double due)
{
	return due + (double)c->s->late_limit * 60.0 / c->tl.speed;
}

/* Records p as posted with id (state first, then the log). */
static void record_posted(struct chat *c, const struct ch_post *p,
			  const char *id, const char *how)
{
	double at = ch_now();
	char what[48];

	ch_state_set_posted(&c->st, p->key, id, at);
	chat_save_state(c);
	ch_log(CH_LOG_INFO, "%s %s %s (id %s)", c->date,
	       net_label(c, p, what, sizeof what), how, id);
	chat_log_host_post(c, p, id, at);
}

/* Records p as skipped for why, in the state and as an event line. */
static void record_skipped(struct chat *c, const struct ch_post *p,
			   const char *why)
{
	ch_state_set_skipped(&c->st, p->key, why);
	chat_save_state(c);
	log_skip(c, p, why);
}

/* The wait of a chat's nap (publish.h): a stop cuts it short. */
int chat_publish_nap(void *ctx, double t)
{
	(void)ctx;
	return chat_nap_until(t);
}

/* The network named name: the run's own lookup (ch_host_opts.net_find)
 * or the registry's. */
const struct ch_net_ops *chat_find_ops(const struct ch_host_opts *o,
					 const char *name)
{
	return o->net_find ? o->net_find(name) : ch_net_find(name);
}

/* The run's clock, for publish.h and capture.h. */
double chat_run_now(void *ctx)
{
	(void)ctx;
	return ch_now();
}

/* Sets pb up to post or look up p, due at the real instant due; what is
 * the caller's buffer for its label (at least 64 bytes). */
static void publish_of(struct chat *c, const struct ch_post *p, double due,
		       struct ch_publish *pb, struct ch_net_post *np,
		       char *what, size_t what_n)
{
	char label[48];

	memset(pb, 0, sizeof *pb);
	memset(np, 0, sizeof *np);
	snprintf(what, what_n, "%s %s", c->date,
		 net_label(c, p, label, sizeof label));
	pb->net = c->x;
	pb->me_id = c->me_id;
	pb->intent_at = intent_at(c, p->key);
	pb->due = due;
	pb->late_at = late_at_of(c, due);
	pb->late_limit = c->s->late_limit;
	pb->what = what;
	pb->rate_wait = 60.0 / c->tl.speed;
	pb->nap = chat_publish_nap;
	pb->now = chat_run_now;
	np->text = p->text;
	np->key = post_key(c, p);
	/* the thread, as the post is made: a look-up matches it too */
	np->reply_to = p->reply_to_intro ? ch_state_post_id(&c->st, "intro")
					 : NULL;
	np->root_id = np->reply_to;
}

/* --dry-run on several networks, or another than X: how each network
 * counts the post, and what it adds to it (Bluesky: facets). */
static void dry_run_nets(const struct chat *c, const struct ch_post *p)
{
	size_t i;

	if (c->s->n_nets == 1 && strcmp(c->s->nets[0].name, "x") == 0)
		return;
	for (i = 0; i < c->s->n_nets; i++) {
		const struct ch_net_ops *ops = chat_find_ops(c->o, c->s->nets[i].name);
		char *detail;
		long limit = 0, n;

		if (!ops)
			continue;
		n = ops->length(p->text, strlen(p->text), &limit);
		detail = ops->post_detail ? ops->post_detail(p->text) : NULL;
		printf("              on %s: %ld of %ld characters%s%s\n",
		       ops->title, n, limit, detail ? "; " : "",
		       detail ? detail : "");
		free(detail);
	}
}

/* Records p's intent before its post (wait_for writes it ahead of the
 * instant, so that an fsync never delays the post); an intent that
 * cannot be written means no post: wait and write it again, until
 * late_at. Returns 0 on disk, 1 skipped, -2 stopped. */
static int ensure_intent(struct chat *c, const struct ch_post *p, double due,
			 const char *what)
{
	double late_at = late_at_of(c, due), backoff = 0.5;

	while (!ch_state_post_pending(&c->st, p->key)) {
		double now = ch_now();

		if (now > late_at) {
			ch_log(CH_LOG_WARN,
			       "%s skipped: %.0f s late, more than late_limit (%d min)",
			       what, now - due, c->s->late_limit);
			record_skipped(c, p, "late");
			return 1;
		}
		if (write_intent(c, p, due) == 0)
			return 0;
		ch_log(CH_LOG_ERROR,
		       "%s: not posted: its intent cannot be recorded in the state",
		       what);
		if (chat_nap_until(fmin(ch_now() + backoff, late_at + 0.001)))
			return -2;
		if (backoff < 30)
			backoff *= 2;
		if (ch_now() > late_at) {
			ch_log(CH_LOG_WARN,
			       "%s skipped: the state could not be written until late_limit",
			       what);
			record_skipped(c, p, "state not writable");
			return 1;
		}
	}
	return 0;
}

/* --dry-run: the post as it would go out. */
static void dry_run_post(const struct chat *c, const struct ch_post *p)
{
	char local[32], label[48];
	struct tm tm;

	ch_utc_to_local(c->s->timezone, p->at, &tm, NULL);
	strftime(local, sizeof local, "%H:%M", &tm);
	printf("%s %-7s %s%s\n", local, net_label(c, p, label, sizeof label),
	       p->text, p->reply_to_intro ? "  [reply to intro]" : "");
	dry_run_nets(c, p);
	fflush(stdout);
}

/* A post the network refused (publish.h: "refused", "exhausted"):
 * skipped with its words, so that the log, the closing line and the
 * report say what the network said; the chat goes on. */
static void skipped_by_net(struct chat *c, const struct ch_post *p,
			   const struct ch_publish *pb)
{
	char *why;

	if (strcmp(pb->skipped, "refused") != 0 &&
	    strcmp(pb->skipped, "exhausted") != 0) {
		record_skipped(c, p, pb->skipped);
		return;
	}
	why = ch_xasprintf("%s by %s: %s", pb->skipped, c->x->ops->title,
			   pb->err.text);
	record_skipped(c, p, why);
	free(why);
}

/* p goes out as a post of its own, not as a reply (the network refused
 * the reply: why): the state says so, for the log line and the report. */
static void mark_standalone(struct chat *c, const struct ch_post *p,
			    const char *why)
{
	json_t *e = json_object_get(ch_state_obj(&c->st, "posts"), p->key);

	if (json_is_object(e))
		json_object_set_new(e, "standalone", json_string(why));
}

/* Posts p at most once (publish.h: retries, rate limits, look-ups after
 * any failure that may hide a post made, nothing past late_limit) and
 * records the outcome. Returns 0 posted, 1 skipped, -1 failed for good
 * (fatal: credentials), -2 stopped. */
static int do_post(struct chat *c, const struct ch_post *p, double due)
{
	char what[96];
	struct ch_publish pb;
	struct ch_net_post np;
	int r;

	if (c->o->dry_run) {
		dry_run_post(c, p);
		return 0;
	}
	publish_of(c, p, due, &pb, &np, what, sizeof what);
	if (p->reply_to_intro && !np.reply_to)
		ch_log(CH_LOG_WARN,
		       "%s: the intro was not posted; posting it on its own",
		       what);
	r = ensure_intent(c, p, due, what);
	if (r != 0)
		return r;
	pb.intent_at = intent_at(c, p->key);
	np.key = post_key(c, p);
	switch (ch_publish(&pb, &np)) {
	case CH_PUB_POSTED:
		if (pb.standalone[0])
			mark_standalone(c, p, pb.standalone);
		if (pb.found) {
			record_posted(c, p, pb.id, "was posted already");
		} else {
			double at = ch_now();
			char label[48];

			ch_state_set_posted(&c->st, p->key, pb.id, at);
			chat_save_state(c);
			ch_log(CH_LOG_INFO,
			       "%s posted %s (id %s; sent %+.2f ms after its instant, %ld new connections)",
			       c->date, net_label(c, p, label, sizeof label),
			       pb.id,
			       ((double)c->x->last_sent.tv_sec +
				(double)c->x->last_sent.tv_nsec / 1e9 - due) *
				       1000.0,
			       c->x->last_connects);
			chat_log_host_post(c, p, pb.id, at);
		}
		return 0;
	case CH_PUB_SKIPPED:
		skipped_by_net(c, p, &pb);
		return 1;
	case CH_PUB_STOPPED:
		return -2;
	default:
		return -1;
	}
}

/* The control file's events not yet in the chat's log, logged once each
 * ("control_logged" in the state counts them); only the chat that owns
 * the log (the first network's) logs them. */
static void control_log(struct chat *c, json_t *events)
{
	size_t i, n, size = json_array_size(events);

	if (!c->log || !c->log_owner || !c->state_open)
		return;
	n = (size_t)ch_json_num(c->st.root, "control_logged", 0);
	for (i = n; i < size; i++)
		ch_replylog_event(c->log, "control", json_array_get(events, i),
				  NULL);
	if (n == size)
		return;
	ch_replylog_flush(c->log, NULL);
	json_object_set_new(c->st.root, "control_logged",
			    json_integer((json_int_t)size));
	chat_save_state(c);
}

/* Reads the chat's control file (control.h): the decision, the notice,
 * and the events for the log. An unreadable file changes nothing (said
 * once). */
void chat_control_read(struct chat *c)
{
	struct ch_control ctl;
	struct ch_error err;
	char *path;

	if (c->o->dry_run || c->o->backfill)
		return;
	path = ch_chat_control_path(c->s, c->date, c->o->speed > 0);
	ch_error_clear(&err);
	if (ch_control_read(&ctl, path, &err) < 0) {
		if (!c->ctl_bad)
			ch_log(CH_LOG_WARN, "%s: %s; the chat goes on as it was",
			       err.source, err.text);
		c->ctl_bad = true;
		goto cleanup;
	}
	c->ctl_bad = false;
	if (ctl.state != c->ctl) {
		json_t *last = json_array_get(ctl.events,
					      json_array_size(ctl.events) - 1);
		char on[48] = "";

		if (c->x && strcmp(c->x->ops->name, "x") != 0)
			snprintf(on, sizeof on, " on %s", c->x->ops->title);
		ch_log(CH_LOG_INFO, "%s%s: the chat is %s (by %s)", c->date, on,
		       ch_control_state_name(ctl.state),
		       ch_json_str(last, "by") ? ch_json_str(last, "by") : "?");
		c->ctl = ctl.state;
	}
	{
		size_t i;
		json_t *ev;

		/* the last resume (late posts are then "late (paused)") */
		json_array_foreach(ctl.events, i, ev)
			if (ch_json_str(ev, "action") &&
			    strcmp(ch_json_str(ev, "action"), "resume") == 0)
				c->resumed_at = ch_json_num(ev, "at_s", 0);
	}
	free(c->notice);
	c->notice = ctl.notice;
	ctl.notice = NULL;
	control_log(c, ctl.events);
cleanup:
	ch_control_free(&ctl);
	free(path);
}

/* The capture's sleep (capture.h hook): a wait that a stop cuts short;
 * the capture's next request then fails or finishes at once, and what it
 * did not read is left to the next run's backfill. */
void chat_capture_sleep(void *ctx, double t)
{
	(void)ctx;
	chat_nap_until(t);
}

/* A failed live search: logged and counted; the usage cap or the
 * credits used up stop the reads (capture.c waits for the reset) but not
 * the posts, and the host is told once. */
static void search_failed(struct chat *c, const struct ch_error *err)
{
	ch_log(CH_LOG_WARN, "search: %s", err->text);
	c->polls_failed++;
	snprintf(c->search_error, sizeof c->search_error, "%s", err->text);
	if (c->x->last == CH_NETFAIL_EXHAUSTED && !c->exhausted_told) {
		char *msg = ch_xasprintf(
			"the %s chat on %s: reading %s stopped (%s); the questions are still posted, and the answers are read again after the reset or with chathost run --backfill --date %s",
			c->s->hashtag, c->date, c->x->ops->title, err->text,
			c->date);

		c->exhausted_told = true;
		ch_log(CH_LOG_WARN, "%s", msg);
		chat_alert(c, msg);
		free(msg);
	}
}

/* Runs capture cycles and sleeps until the real instant t. With a post
 * p, lead seconds before t it records the intent (an fsync must not delay
 * the post) and warms the connection. Returns 1 if stopped. */
int chat_wait_for(struct chat *c, double t, const struct ch_post *p)
{
	bool warm = p != NULL;
	double lead = fmin(10.0, 60.0 / c->tl.speed);
	double guard = lead + 0.05;
	bool warmed = !warm || c->o->dry_run;

	for (;;) {
		double now = ch_now(), wake = t;

		if (stop_flag)
			return 1;
		if (reload_flag)
			return 0; /* the caller reloads and calls again */
		if (now >= t)
			return 0;
		if (!warmed && now >= t - lead) {
			struct ch_error err;

			/* a pause or cancel not signalled is seen here */
			chat_control_read(c);
			if (c->ctl != CH_CTL_RUNNING)
				return 0;
			ch_error_clear(&err);
			if (!ch_state_post_pending(&c->st, p->key))
				(void)write_intent(c, p, t); /* do_post retries */
			if (ch_net_warm(c->x, &err) < 0)
				ch_log(CH_LOG_DEBUG, "warming the connection: %s",
				       err.text);
			warmed = true;
			continue;
		}
		if (warm && warmed && t - now <= SPIN_LEAD) {
			while (ch_now() < t && !stop_flag)
				;
			return stop_flag ? 1 : 0;
		}
		if (!warmed)
			wake = t - lead;
		else if (warm)
			wake = t - SPIN_LEAD;
		if (c->wel)
			wake = fmin(wake, fmax(ch_welcome_tick(c->wel, now), now + 0.05));
		if (c->cap) {
			double due = ch_capture_next_due(c->cap, now);

			if (due <= now && t - now > guard) {
				struct ch_error err;

				ch_error_clear(&err);
				if (ch_capture_poll(c->cap, now, t - guard,
						    &err) < 0)
					search_failed(c, &err);
				continue;
			}
			if (due > now && due < wake && due < t - guard)
				wake = due;
		}
		if (ch_sleep_until(wake, MAX_SLEEP_CHUNK) && stop_flag)
			return 1;
	}
}

void chat_free(struct chat *c)
{
	ch_capture_free(c->cap);
	if (c->log_owner)
		ch_replylog_close(c->log, NULL);
	if (c->state_open)
		ch_state_free(&c->st);
	ch_plan_free(&c->plan);
	ch_topic_free(&c->topic);
	free(c->dir);
	free(c->notice);
}

/* The candidate to host: the poll's recorded winner, else the first. */
size_t chat_chosen(struct chat *c, const struct ch_topic *t)
{
	size_t w = 0;

	if (t->has_poll && c->state_open && ch_poll_winner(&c->st, &w) &&
	    w < t->n_candidates)
		return w;
	return 0;
}

/* Loads the topic and builds the plan for c->date (for a poll topic, of
 * the winner as far as it is known). Returns 0 or -1 (problems logged). */
int chat_load_plan(struct chat *c, struct ch_topic *t, struct ch_plan *p)
{
	struct ch_diags d = {0};
	char *path = ch_topic_path(c->s->topics_dir, c->date);
	int rc = -1;
	size_t i;

	memset(p, 0, sizeof *p);
	if (access(path, F_OK) != 0) {
		ch_log(CH_LOG_ERROR,
		       "%s: no topic file for the chat on %s: write it, then run chathost check",
		       path, c->date);
		goto cleanup;
	}
	if (ch_topic_load(t, path, &d) == 0 &&
	    ch_plan_check_topic(t, c->s, &d) == 0) {
		/* every candidate must be hostable, whoever wins */
		for (i = 0; i < t->n_candidates; i++) {
			struct ch_plan other;

			if (i == chat_chosen(c, t))
				continue;
			ch_plan_build(&other, c->s, &t->candidates[i], t->path,
				      c->date, &d);
			ch_plan_free(&other);
		}
		ch_plan_build(p, c->s, &t->candidates[chat_chosen(c, t)], t->path,
			      c->date, &d);
	}
	for (i = 0; i < d.n; i++)
		ch_log(CH_LOG_ERROR, "%s:%d: %s", d.items[i].source,
		       d.items[i].line, d.items[i].text);
	rc = d.n ? -1 : 0;
cleanup:
	ch_diags_free(&d);
	free(path);
	return rc;
}

/* SIGHUP: re-read the schedule and the topic; keep the old plan if the
 * edit is invalid. */
void chat_reload(struct chat *c)
{
	struct ch_schedule ns = {0};
	struct ch_topic nt = {0};
	struct ch_plan np;
	struct ch_diags d = {0};
	struct ch_schedule *old = c->s;
	size_t i;

	chat_reload_done();
	memset(&np, 0, sizeof np);
	chat_control_read(c);
	ch_log(CH_LOG_INFO, "SIGHUP: re-reading %s", c->o->schedule_path);
	if (ch_schedule_load(&ns, c->o->schedule_path, &d) < 0) {
		for (i = 0; i < d.n; i++)
			ch_log(CH_LOG_ERROR, "%s:%d: %s", d.items[i].source,
			       d.items[i].line, d.items[i].text);
		ch_log(CH_LOG_WARN, "the edit is invalid; keeping the old plan");
		goto cleanup;
	}
	c->s = &ns;
	if (chat_load_plan(c, &nt, &np) < 0) {
		c->s = old;
		ch_log(CH_LOG_WARN, "the edit is invalid; keeping the old plan");
		goto cleanup;
	}
	/* the timeline of a chat in progress keeps its start; the texts,
	 * times and settings take effect for the posts still due */
	ch_schedule_free(old);
	*old = ns;
	memset(&ns, 0, sizeof ns);
	c->s = old;
	ch_plan_free(&c->plan);
	ch_topic_free(&c->topic);
	c->plan = np;
	c->topic = nt;
	memset(&np, 0, sizeof np);
	memset(&nt, 0, sizeof nt);
	ch_log(CH_LOG_INFO, "reloaded: %zu posts planned", c->plan.n_posts);
	if (c->log_owner)
		chat_board_chat(c, NULL);
cleanup:
	ch_plan_free(&np);
	ch_topic_free(&nt);
	ch_schedule_free(&ns);
	ch_diags_free(&d);
}

/* Waits (capturing) until the real instant t, applying a SIGHUP's reload
 * on the way: chat_wait_for() returns early on one. Returns 1 if stopped. */
int chat_wait_reloading(struct chat *c, double t)
{
	for (;;) {
		if (chat_wait_for(c, t, NULL))
			return 1;
		if (!reload_flag)
			return 0;
		chat_reload(c);
		if (c->ctl == CH_CTL_CANCELLED)
			return 0;
	}
}

/* The crash window of p: an intent without an id. Returns 0 to go on and
 * post it, 1 resolved (posted before, or skipped), -2 stopped. */
static int resolve_pending(struct chat *c, const struct ch_post *p, double due)
{
	char what[96];
	struct ch_publish pb;
	struct ch_net_post np;

	publish_of(c, p, due, &pb, &np, what, sizeof what);
	switch (ch_publish_resolve(&pb, &np)) {
	case CH_PUB_POSTED:
		record_posted(c, p, pb.id, "was posted before the restart");
		return 1;
	case CH_PUB_SKIPPED:
		record_skipped(c, p, pb.skipped);
		return 1;
	case CH_PUB_STOPPED:
		return -2;
	default:
		/* not posted, or cannot look (a resend of a post made is
		 * refused as a duplicate) */
		return 0;
	}
}

/* While the chat is paused: nothing is posted, the capture goes on, and
 * the control file is read every 2 seconds (at once on SIGHUP, which
 * also reloads the plan: *replanned is then set). Returns 1 if stopped,
 * else 0 once it runs again or is cancelled. */
static int pause_wait(struct chat *c, bool *replanned)
{
	ch_log(CH_LOG_INFO, "%s: paused: nothing is posted until chathost resume",
	       c->date);
	while (c->ctl == CH_CTL_PAUSED) {
		if (chat_wait_for(c, ch_now() + 2.0, NULL))
			return 1;
		if (reload_flag) {
			chat_reload(c);
			*replanned = true;
		} else {
			chat_control_read(c);
		}
	}
	return 0;
}

/* The notice of a cancel (cancel --notice), posted once on this network
 * with a post's exactly-once rules. Returns 0, -1 fatal, -2 stopped. */
static int post_notice(struct chat *c)
{
	struct ch_post p;
	double due;
	int r = 0;

	if (!c->notice || ch_state_post_id(&c->st, "notice") ||
	    ch_state_post_skipped(&c->st, "notice"))
		return 0;
	memset(&p, 0, sizeof p);
	p.kind = CH_POST_NOTICE;
	snprintf(p.key, sizeof p.key, "notice");
	p.text = ch_plan_with_hashtag(c->notice, c->s->hashtag);
	p.at = (time_t)floor(ch_now());
	due = ch_json_num(json_object_get(ch_state_obj(&c->st, "posts"),
					  "notice"), "due", ch_now());
	if (ch_state_post_pending(&c->st, p.key))
		r = resolve_pending(c, &p, due);
	if (r == 0)
		r = do_post(c, &p, due);
	free(p.text);
	return r == -2 ? -2 : r == -1 ? -1 : 0;
}

/* A cancelled chat: each post not made is skipped as "cancelled" (one
 * whose fate is unknown is looked up first), then the notice is posted.
 * Returns an exit status, or -2 if stopped. */
int chat_cancel_rest(struct chat *c)
{
	size_t i;
	int r;

	for (i = 0; i < c->plan.n_posts; i++) {
		const struct ch_post *p = &c->plan.posts[i];

		if (ch_state_post_id(&c->st, p->key) ||
		    ch_state_post_skipped(&c->st, p->key))
			continue;
		if (ch_state_post_pending(&c->st, p->key)) {
			r = resolve_pending(c, p, chat_real_at(c, p->at));
			if (r == -2)
				return -2;
			if (r == 1)
				continue;
		}
		record_skipped(c, p, "cancelled");
	}
	r = post_notice(c);
	return r == -2 ? -2 : r == -1 ? CH_EXIT_NETWORK : CH_EXIT_OK;
}

/* Before p: the content manager's decision. Returns 0 to go on with p, 1
 * p is done with (skipped: it fell past late_limit while paused), 2 the
 * chat is cancelled, 3 the plan was reloaded meanwhile (p is gone: walk
 * the new one), -2 stopped. */
static int obey_control(struct chat *c, const struct ch_post *p, double due)
{
	bool replanned = false;

	chat_control_read(c);
	if (c->ctl == CH_CTL_PAUSED && pause_wait(c, &replanned))
		return -2;
	if (c->ctl == CH_CTL_CANCELLED)
		return 2;
	if (replanned)
		return 3;
	if (c->resumed_at >= due && ch_now() > late_at_of(c, due) &&
	    !ch_state_post_pending(&c->st, p->key)) {
		char what[48];

		ch_log(CH_LOG_WARN, "%s %s skipped: it fell due while the chat was paused, more than late_limit (%d min) ago",
		       c->date, net_label(c, p, what, sizeof what),
		       c->s->late_limit);
		record_skipped(c, p, "late (paused)");
		return 1;
	}
	return 0;
}

/*
 * The posts, each at its instant. Wall-clock jumps: every instant here is
 * CLOCK_REALTIME (the plan's times are wall-clock instants, and sleeps are
 * absolute deadlines on that clock, re-read at least every MAX_SLEEP_CHUNK
 * seconds), so:
 *  - a backward jump only makes the loop wait longer; it can never post
 *    an item twice, because each post is keyed in the state ("posts".KEY:
 *    intent, then id, or "skipped") before and after it is sent, and an
 *    item with an id or a skip is never visited again - not after a jump,
 *    a reload or a restart either;
 *  - a forward jump makes the items whose instants it passed due at once:
 *    each is posted if it is still within late_limit of its instant, else
 *    skipped and logged as a "skipped" event line (do_post), never posted
 *    out of context; a rehearsal resumed long after its start is the same
 *    case (crash/signal tests);
 *  - a jump in the middle of a post changes nothing: the intent is on
 *    disk, and an unknown outcome is looked up before any resend.
 * Returns an exit status, or -2 if stopped.
 */
int chat_posts(struct chat *c)
{
	size_t i;

	ch_log(CH_LOG_INFO, "%s%s%s: %zu posts planned from %s%s", c->date,
	       ON_NET(c), c->plan.n_posts, c->plan.topic_path,
	       c->o->speed > 0 ? " (rehearsal)" : "");
	for (i = 0; i < c->plan.n_posts; i++) {
		const struct ch_post *p = &c->plan.posts[i];
		double due = chat_real_at(c, p->at);
		int r;

		if (c->remind_only &&
		    (p->kind != CH_POST_REMINDER || p->at > c->remind_at))
			break;
		if (!c->o->dry_run) {
			if (ch_state_post_id(&c->st, p->key) ||
			    ch_state_post_skipped(&c->st, p->key))
				continue;
			r = obey_control(c, p, due);
			if (r == -2)
				return -2;
			if (r == 2)
				return chat_cancel_rest(c);
			if (r == 1)
				continue;
			if (r == 3) {
				i = (size_t)-1;
				continue;
			}
			if (ch_state_post_pending(&c->st, p->key)) {
				r = resolve_pending(c, p, due);
				if (r == -2)
					return -2;
				if (r == 1)
					continue;
			}
		}
		if (chat_wait_for(c, due, p))
			return -2;
		if (reload_flag || c->ctl != CH_CTL_RUNNING) {
			if (reload_flag)
				chat_reload(c);
			i = (size_t)-1; /* walk the new plan from its start */
			continue;
		}
		r = do_post(c, p, due);
		if (r == -2)
			return -2;
		if (r == -1)
			return CH_EXIT_NETWORK;
	}
	return CH_EXIT_OK;
}
