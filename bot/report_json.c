/* report_json.c - the report as JSON (stable keys, in a fixed order). */
#include "report_model.h"

#include <jansson.h>
#include <string.h>

static json_t *jstr_or_null(const char *s)
{
	json_t *j;

	if (!s)
		return json_null();
	j = json_string(s);
	return j ? j : json_null();
}

static json_t *jtime(long long ms)
{
	char t[40];

	if (ms == CH_RP_NONE)
		return json_null();
	/* keep the milliseconds the log has: ...T18:16:02.250Z */
	ch_rp_fmt_iso_ms(ms, t, sizeof t);
	return json_string(t);
}

static json_t *person(const char *author_id, const char *username,
		      const char *name, const char *net)
{
	json_t *o = json_object();

	json_object_set_new(o, "net", json_string(net ? net : "x"));
	json_object_set_new(o, "author_id", jstr_or_null(author_id));
	json_object_set_new(o, "username", jstr_or_null(username));
	json_object_set_new(o, "name", jstr_or_null(name));
	return o;
}

/* What the chat cost on a network that bills (X), or null. */
static json_t *cost_json(const struct ch_rp_cost *k)
{
	if (!k->known)
		return json_null();
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f}",
			 "net", k->net, "posts", (json_int_t)k->posts,
			 "posts_with_url", (json_int_t)k->posts_url,
			 "reads", (json_int_t)k->reads,
			 "reads_billed", (json_int_t)k->billed,
			 "price_post", k->price_post,
			 "price_post_with_url", k->price_post_url,
			 "price_read", k->price_read, "dollars", k->dollars);
}

static json_t *chat_json(const struct ch_rp *r, const struct ch_rp_chat *c)
{
	json_t *o = json_object(), *a, *q, *x;
	size_t i, top;

	json_object_set_new(o, "date", json_string(c->date));
	json_object_set_new(o, "file", jstr_or_null(c->path));
	json_object_set_new(o, "timezone", jstr_or_null(c->timezone));
	json_object_set_new(o, "title", jstr_or_null(c->title));
	json_object_set_new(o, "hashtag", jstr_or_null(c->hashtag));
	if (c->rehearsal > 0)
		json_object_set_new(o, "rehearsal_speed",
				    json_real(c->rehearsal));
	json_object_set_new(o, "hosted",
			    json_boolean(!(c->host_posts == 0 &&
					   (c->not_hosted || c->n_not_posted))));
	json_object_set_new(o, "not_posted", jstr_or_null(c->not_posted));
	json_object_set_new(o, "posted_on_their_own", jstr_or_null(c->alone));
	json_object_set_new(o, "cost", cost_json(&c->cost));
	json_object_set_new(o, "not_hosted_reason", jstr_or_null(c->not_hosted));
	json_object_set_new(o, "decided", jstr_or_null(c->decided));
	json_object_set_new(o, "participants",
			    json_integer((json_int_t)c->n_authors));
	json_object_set_new(o, "posts", json_integer(c->posts));
	json_object_set_new(o, "host_posts", json_integer(c->host_posts));
	a = json_array();
	for (i = 0; i < c->n_nets; i++)
		json_array_append_new(
			a, json_pack("{s:s,s:i,s:i,s:i,s:I,s:I}", "net",
				     c->nets[i].net, "participants",
				     c->nets[i].participants, "first_timers",
				     c->nets[i].first_timers, "returning",
				     c->nets[i].returning, "posts",
				     (json_int_t)c->nets[i].posts, "host_posts",
				     (json_int_t)c->nets[i].host_posts));
	json_object_set_new(o, "networks", a);
	a = json_array();
	for (i = 0; i < c->n_questions; i++)
		json_array_append_new(a, json_integer(c->questions[i].answers));
	json_object_set_new(o, "answers_per_question", a);
	a = json_array();
	for (i = 0; i < c->n_questions; i++) {
		const struct ch_rp_question *qq = &c->questions[i];

		q = json_object();
		json_object_set_new(q, "number", json_integer(qq->number));
		json_object_set_new(q, "text", jstr_or_null(qq->text));
		json_object_set_new(q, "posted_at", jtime(qq->posted_ms));
		json_object_set_new(q, "answers", json_integer(qq->answers));
		json_object_set_new(q, "labelled", json_integer(qq->labelled));
		json_object_set_new(q, "first_answer_at", jtime(qq->first_ms));
		json_object_set_new(
			q, "first_answer_delay_seconds",
			qq->posted_ms != CH_RP_NONE && qq->first_ms != CH_RP_NONE
				? json_real((double)(qq->first_ms -
						     qq->posted_ms) /
					    1000.0)
				: json_null());
		json_array_append_new(a, q);
	}
	json_object_set_new(o, "questions", a);
	json_object_set_new(o, "unlabelled_replies",
			    json_integer(c->unlabelled));
	if (c->busiest_ms != CH_RP_NONE) {
		x = json_object();
		json_object_set_new(x, "minute", jtime(c->busiest_ms));
		json_object_set_new(x, "posts",
				    json_integer(c->busiest_posts));
		json_object_set_new(o, "busiest_minute", x);
	} else {
		json_object_set_new(o, "busiest_minute", json_null());
	}
	top = c->n_authors < CH_RP_TOP ? c->n_authors : CH_RP_TOP;
	a = json_array();
	for (i = 0; i < top; i++) {
		const struct ch_rp_author *au = &c->authors[i];

		x = person(au->author_id, au->username, au->name, au->net);
		json_object_set_new(x, "posts", json_integer(au->posts));
		json_object_set_new(x, "answers", json_integer(au->answers));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "top_contributors", a);
	json_object_set_new(o, "first_timers", json_integer(c->first_timers));
	json_object_set_new(o, "returning", json_integer(c->returning));
	json_object_set_new(o, "core", json_integer(c->core));
	json_object_set_new(o, "lapsed", json_integer(c->lapsed));
	json_object_set_new(o, "retention", c->retention >= 0
						    ? json_real(c->retention)
						    : json_null());
	a = json_array();
	for (i = 0; i < c->n_lapsed; i++) {
		const struct ch_rp_person *p = &r->people[c->lapsed_gids[i]];

		json_array_append_new(a, person(p->author_id, p->username,
						p->name, p->net));
	}
	json_object_set_new(o, "lapsed_regulars", a);
	a = json_array();
	for (i = 0; i < c->n_authors; i++) {
		const struct ch_rp_author *au = &c->authors[i];

		if (au->first_timer && !au->host_replied)
			json_array_append_new(a, person(au->author_id,
							au->username,
							au->name, au->net));
	}
	json_object_set_new(o, "first_timers_not_replied", a);
	{
		long long med;
		int w = ch_rp_welcomed(c, &med);

		json_object_set_new(o, "first_timers_welcomed", json_integer(w));
		json_object_set_new(o, "welcome_median_s",
				    med == CH_RP_NONE ? json_null()
						      : json_real((double)med / 1000.0));
	}
	json_object_set_new(o, "lines", json_integer(c->st.lines));
	json_object_set_new(o, "bad_lines", json_integer(c->st.bad));
	json_object_set_new(o, "duplicate_ids", json_integer(c->duplicates));
	json_object_set_new(o, "deleted_by_authors", json_integer(c->deleted));
	return o;
}

static json_t *transcript_json(const struct ch_rp_chat *c)
{
	json_t *o = json_object(), *secs = json_array(), *sec, *posts, *p;
	size_t k, i;

	json_object_set_new(o, "date", json_string(c->date));
	for (k = 0; k <= c->n_questions; k++) {
		size_t qn = k < c->n_questions ? k + 1 : 0;

		sec = json_object();
		json_object_set_new(sec, "question",
				    qn ? json_integer((json_int_t)qn)
				       : json_null());
		json_object_set_new(sec, "text",
				    qn ? jstr_or_null(c->questions[k].text)
				       : json_null());
		posts = json_array();
		for (i = 0; i < c->n_tposts; i++) {
			const struct ch_rp_post *tp = &c->tposts[i];

			if ((size_t)tp->question != qn)
				continue;
			p = json_object();
			json_object_set_new(p, "net",
					    json_string(tp->net ? tp->net : "x"));
			json_object_set_new(p, "id", json_string(tp->id));
			json_object_set_new(p, "created_at",
					    json_string(tp->created_at));
			json_object_set_new(p, "author_id",
					    jstr_or_null(tp->author_id));
			json_object_set_new(p, "username",
					    jstr_or_null(tp->username));
			json_object_set_new(p, "name", jstr_or_null(tp->name));
			json_object_set_new(p, "host", json_boolean(tp->host));
			json_object_set_new(
				p, "kind",
				json_string(ch_entry_kind_name(tp->kind)));
			json_object_set_new(
				p, "attributed_by",
				jstr_or_null(ch_attrib_name(tp->attributed_by)));
			json_object_set_new(p, "text", jstr_or_null(tp->text));
			json_array_append_new(posts, p);
		}
		json_object_set_new(sec, "posts", posts);
		json_array_append_new(secs, sec);
	}
	json_object_set_new(o, "sections", secs);
	return o;
}

int ch_rp_write_json(const struct ch_rp *r, FILE *fp)
{
	json_t *root = json_object(), *chats = json_array(),
	       *weeks = json_array(), *w, *core;
	size_t i;
	int rc;

	json_object_set_new(root, "generator", json_string("chathost report"));
	core = json_object();
	json_object_set_new(core, "min", json_integer(r->core_min));
	json_object_set_new(core, "window", json_integer(r->core_window));
	json_object_set_new(root, "core_rule", core);
	json_object_set_new(root, "since", jstr_or_null(r->since));
	json_object_set_new(root, "until", jstr_or_null(r->until));
	json_object_set_new(root, "logs_read",
			    json_integer((json_int_t)r->n_chats));
	json_object_set_new(root, "lines", json_integer(r->lines));
	json_object_set_new(root, "bad_lines", json_integer(r->bad));
	json_object_set_new(root, "people",
			    json_integer((json_int_t)r->n_people));
	for (i = 0; i < r->n_chats; i++) {
		const struct ch_rp_chat *c = &r->chats[i];

		if (!c->in_range)
			continue;
		json_array_append_new(chats, chat_json(r, c));
		w = json_object();
		json_object_set_new(w, "date", json_string(c->date));
		json_object_set_new(w, "participants",
				    json_integer((json_int_t)c->n_authors));
		json_object_set_new(w, "first_timers",
				    json_integer(c->first_timers));
		json_object_set_new(w, "returning",
				    json_integer(c->returning));
		json_object_set_new(w, "posts", json_integer(c->posts));
		json_object_set_new(w, "retention",
				    c->retention >= 0 ? json_real(c->retention)
						      : json_null());
		json_array_append_new(weeks, w);
	}
	json_object_set_new(root, "chats", chats);
	json_object_set_new(root, "participants_by_week", weeks);
	json_object_set_new(root, "transcript",
			    r->detail >= 0
				    ? transcript_json(&r->chats[r->detail])
				    : json_null());
	rc = json_dumpf(root, fp, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	fputc('\n', fp);
	json_decref(root);
	return rc ? -1 : 0;
}
