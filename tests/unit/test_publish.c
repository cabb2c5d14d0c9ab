/* test_publish.c - the one "post and resolve" (publish.c) on a scripted
 * network and an injected clock: what is sent, what is looked up, how long
 * it waits, and when it gives up - without a server or a real sleep. */
#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "publish.h"

/* ---- a scripted network ---- */

#define MAXSTEP 64

/* One scripted answer: a failure class (NONE: success), and for a post
 * whether it went out all the same (the look-up then finds it). */
struct step {
	enum ch_netfail fail;
	bool went_out;
	double wait_until; /* WAIT: the network's reset, relative to t0 */
};

struct script {
	struct step posts[MAXSTEP];
	size_t n_posts, i_post;
	struct step finds[MAXSTEP]; /* the look-ups' own failures */
	size_t n_finds, i_find;
	bool exists;          /* a post went out: find_mine finds it */
	double now;           /* the injected clock */
	double t0;
	double post_at[MAXSTEP]; /* when each post was sent */
	bool as_reply[MAXSTEP];  /* whether it was sent as a reply */
	double naps[MAXSTEP];    /* every nap's target */
	size_t n_naps;
	int stop_after_naps;  /* >0: the nth nap says stop */
};

static struct script sc;

static int fake_post(struct ch_net *n, const struct ch_net_post *p, char *id,
		     size_t id_n, struct ch_error *err)
{
	struct step st = {CH_NETFAIL_NONE, true, 0};

	if (sc.i_post < sc.n_posts)
		st = sc.posts[sc.i_post];
	if (sc.i_post < MAXSTEP) {
		sc.post_at[sc.i_post] = sc.now;
		sc.as_reply[sc.i_post] = p->reply_to != NULL;
	}
	sc.i_post++;
	if (st.went_out)
		sc.exists = true;
	if (st.fail == CH_NETFAIL_NONE) {
		snprintf(id, id_n, "post-%zu", sc.i_post);
		return 0;
	}
	n->last = st.fail;
	n->wait_until = st.wait_until > 0 ? sc.t0 + st.wait_until : 0;
	ch_error_set(err, "fake", 0, "scripted failure %d", (int)st.fail);
	return -1;
}

static int fake_find(struct ch_net *n, const char *me_id,
		     const struct ch_net_post *p, double since, char *id,
		     size_t id_n, struct ch_error *err)
{
	struct step st = {CH_NETFAIL_NONE, false, 0};

	(void)me_id;
	(void)p;
	(void)since;
	if (sc.i_find < sc.n_finds)
		st = sc.finds[sc.i_find];
	sc.i_find++;
	if (st.fail != CH_NETFAIL_NONE) {
		n->last = st.fail;
		n->wait_until = st.wait_until > 0 ? sc.t0 + st.wait_until : 0;
		ch_error_set(err, "fake", 0, "scripted look-up failure");
		return -1;
	}
	if (!sc.exists)
		return 0;
	snprintf(id, id_n, "found");
	return 1;
}

static const struct ch_net_ops fake_ops = {
	.name = "fake",
	.title = "Fake",
	.post = fake_post,
	.find_mine = fake_find,
};

static double clock_now(void *ctx)
{
	(void)ctx;
	return sc.now;
}

static int clock_nap(void *ctx, double until)
{
	(void)ctx;
	if (sc.n_naps < MAXSTEP)
		sc.naps[sc.n_naps] = until;
	sc.n_naps++;
	if (until > sc.now)
		sc.now = until;
	return sc.stop_after_naps > 0 && (int)sc.n_naps >= sc.stop_after_naps;
}

static struct ch_net net;
static struct ch_publish pb;
static struct ch_net_post np;

/* A post due now (t0 = 1000), late after late seconds. */
static void setup(double late)
{
	memset(&sc, 0, sizeof sc);
	memset(&net, 0, sizeof net);
	memset(&pb, 0, sizeof pb);
	memset(&np, 0, sizeof np);
	sc.t0 = sc.now = 1000.0;
	net.ops = &fake_ops;
	pb.net = &net;
	pb.me_id = "42";
	pb.intent_at = sc.t0 - 10;
	pb.due = sc.t0;
	pb.late_at = sc.t0 + late;
	pb.late_limit = (int)(late / 60);
	pb.what = "2026-12-01 Q1";
	pb.now = clock_now;
	pb.nap = clock_nap;
	np.text = "Q1 What is it? #ICMIchat";
	srand(1);
}

static void script_posts(const struct step *s, size_t n)
{
	memcpy(sc.posts, s, n * sizeof *s);
	sc.n_posts = n;
}

static void script_finds(const struct step *s, size_t n)
{
	memcpy(sc.finds, s, n * sizeof *s);
	sc.n_finds = n;
}

/* ---- posting ---- */

START_TEST(test_posted_at_once)
{
	setup(600);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_POSTED);
	ck_assert_str_eq(pb.id, "post-1");
	ck_assert(!pb.found);
	ck_assert_int_eq(pb.attempts, 1);
	ck_assert_int_eq(pb.lookups, 0);
	ck_assert_uint_eq(sc.n_naps, 0);
}
END_TEST

START_TEST(test_cut_after_it_went_out_is_found_not_resent)
{
	struct step s[] = {{CH_NETFAIL_RETRY, true, 0}};

	setup(600);
	script_posts(s, 1);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_POSTED);
	ck_assert(pb.found);
	ck_assert_str_eq(pb.id, "found");
	ck_assert_int_eq(pb.attempts, 1);
	ck_assert_int_eq(pb.lookups, 1);
}
END_TEST

START_TEST(test_5xx_not_sent_backs_off_and_posts)
{
	struct step s[] = {{CH_NETFAIL_RETRY, false, 0},
			   {CH_NETFAIL_RETRY, false, 0},
			   {CH_NETFAIL_NONE, true, 0}};

	setup(600);
	script_posts(s, 3);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_POSTED);
	ck_assert(!pb.found);
	ck_assert_int_eq(pb.attempts, 3);
	ck_assert_int_eq(pb.lookups, 2); /* looked up before each resend */
	ck_assert_uint_eq(sc.n_naps, 2);
	/* 0.5 s then 1 s, with jitter x0.5-1.5 */
	ck_assert(sc.post_at[1] - sc.post_at[0] >= 0.25 &&
		  sc.post_at[1] - sc.post_at[0] <= 0.75);
	ck_assert(sc.post_at[2] - sc.post_at[1] >= 0.5 &&
		  sc.post_at[2] - sc.post_at[1] <= 1.5);
}
END_TEST

START_TEST(test_backoff_is_capped_and_ends_at_late)
{
	struct step s[MAXSTEP];
	size_t i;

	for (i = 0; i < MAXSTEP; i++)
		s[i] = (struct step){CH_NETFAIL_RETRY, false, 0};
	setup(300);
	script_posts(s, MAXSTEP);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_SKIPPED);
	ck_assert_str_eq(pb.skipped, "late");
	for (i = 1; i < (size_t)pb.attempts && i < MAXSTEP; i++) {
		ck_assert(sc.post_at[i] - sc.post_at[i - 1] <= 45.0 + 1e-9);
		ck_assert(sc.post_at[i] <= pb.late_at);
	}
	ck_assert(pb.attempts > 5);
	ck_assert(sc.now <= pb.late_at + 0.001 + 1e-9);
}
END_TEST

START_TEST(test_duplicate_not_found_is_skipped)
{
	struct step s[] = {{CH_NETFAIL_MAYBE_SENT, false, 0}};

	setup(600);
	script_posts(s, 1);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_SKIPPED);
	ck_assert_str_eq(pb.skipped, "duplicate");
	ck_assert_int_eq(pb.attempts, 1);
}
END_TEST

START_TEST(test_duplicate_found)
{
	struct step s[] = {{CH_NETFAIL_MAYBE_SENT, true, 0}};

	setup(600);
	script_posts(s, 1);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_POSTED);
	ck_assert(pb.found);
}
END_TEST

START_TEST(test_one_credentials_answer_is_retried_two_are_believed)
{
	struct step once[] = {{CH_NETFAIL_CREDENTIALS, false, 0},
			      {CH_NETFAIL_NONE, true, 0}};
	struct step twice[] = {{CH_NETFAIL_CREDENTIALS, false, 0},
			       {CH_NETFAIL_CREDENTIALS, false, 0},
			       {CH_NETFAIL_NONE, true, 0}};

	setup(600);
	script_posts(once, 2);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_POSTED);
	ck_assert_int_eq(pb.attempts, 2);

	setup(600);
	script_posts(twice, 3);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_FAILED);
	ck_assert_int_eq(pb.attempts, 2);
	ck_assert_int_eq(net.last, CH_NETFAIL_CREDENTIALS);
	ck_assert_ptr_nonnull(strstr(pb.err.text, "scripted failure"));
}
END_TEST

START_TEST(test_refused_is_skipped_at_once)
{
	struct step s[] = {{CH_NETFAIL_REFUSED, false, 0}};

	/* a 4xx refusal of this one post: nothing went out, nothing to look
	 * up, the same request would be refused again: skipped, with the
	 * network's words, and the chat goes on */
	setup(600);
	script_posts(s, 1);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_SKIPPED);
	ck_assert_str_eq(pb.skipped, "refused");
	ck_assert_int_eq(pb.attempts, 1);
	ck_assert_int_eq(pb.lookups, 0);
	ck_assert_int_eq(net.last, CH_NETFAIL_REFUSED);
	ck_assert_ptr_nonnull(strstr(pb.err.text, "scripted failure"));
}
END_TEST

START_TEST(test_exhausted_is_not_retried)
{
	struct step s[] = {{CH_NETFAIL_EXHAUSTED, false, 0}};

	setup(600);
	script_posts(s, 1);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_SKIPPED);
	ck_assert_str_eq(pb.skipped, "exhausted");
	ck_assert_int_eq(pb.attempts, 1);
	ck_assert_int_eq(pb.lookups, 0);
	ck_assert_uint_eq(sc.n_naps, 0);
}
END_TEST

START_TEST(test_refused_reply_goes_out_on_its_own)
{
	struct step s[] = {{CH_NETFAIL_REPLY_REFUSED, false, 0},
			   {CH_NETFAIL_NONE, true, 0}};

	setup(600);
	np.reply_to = "intro-1";
	np.root_id = "intro-1";
	script_posts(s, 2);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_POSTED);
	ck_assert_int_eq(pb.attempts, 2);
	ck_assert(sc.as_reply[0]);
	ck_assert(!sc.as_reply[1]);
	ck_assert_uint_eq(sc.n_naps, 0); /* at once: nothing went out */
	ck_assert_ptr_nonnull(strstr(pb.standalone, "scripted failure"));
	ck_assert_str_eq(np.reply_to, "intro-1"); /* the caller's is kept */

	/* a post that was no reply and is refused "as a reply": skipped */
	setup(600);
	script_posts(s, 1);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_SKIPPED);
	ck_assert_str_eq(pb.skipped, "refused");
	ck_assert_str_eq(pb.standalone, "");
}
END_TEST

START_TEST(test_rate_limit_waits_for_the_reset)
{
	struct step s[] = {{CH_NETFAIL_WAIT, false, 40},
			   {CH_NETFAIL_NONE, true, 0}};

	setup(600);
	script_posts(s, 2);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_POSTED);
	ck_assert_int_eq(pb.attempts, 2);
	ck_assert_int_eq(pb.lookups, 0); /* a 429 posted nothing */
	ck_assert(sc.post_at[1] >= sc.t0 + 41.0);
}
END_TEST

START_TEST(test_rate_limit_past_late_skips)
{
	struct step s[] = {{CH_NETFAIL_WAIT, false, 900},
			   {CH_NETFAIL_NONE, true, 0}};

	setup(300);
	script_posts(s, 2);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_SKIPPED);
	ck_assert_str_eq(pb.skipped, "late");
	ck_assert_int_eq(pb.attempts, 1);
	/* it waited only until late_at, not until the reset */
	ck_assert(sc.now < sc.t0 + 301.0);
}
END_TEST

START_TEST(test_rate_limit_without_reset_waits_rate_wait)
{
	struct step s[] = {{CH_NETFAIL_WAIT, false, 0},
			   {CH_NETFAIL_NONE, true, 0}};

	setup(600);
	pb.rate_wait = 6.0; /* a rehearsal ten times faster */
	script_posts(s, 2);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_POSTED);
	ck_assert(sc.post_at[1] - sc.post_at[0] >= 6.0 - 1e-9 &&
		  sc.post_at[1] - sc.post_at[0] < 7.0);
}
END_TEST

START_TEST(test_unreadable_account_until_late_is_unresolved)
{
	struct step s[] = {{CH_NETFAIL_RETRY, true, 0}};
	struct step f[MAXSTEP];
	size_t i;

	for (i = 0; i < MAXSTEP; i++)
		f[i] = (struct step){CH_NETFAIL_RETRY, false, 0};
	setup(120);
	script_posts(s, 1);
	script_finds(f, MAXSTEP);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_SKIPPED);
	ck_assert_str_eq(pb.skipped, "unresolved");
	ck_assert_int_eq(pb.attempts, 1); /* never sent blindly again */
	ck_assert(pb.lookups > 3);
}
END_TEST

START_TEST(test_stop_during_a_backoff)
{
	struct step s[] = {{CH_NETFAIL_RETRY, false, 0},
			   {CH_NETFAIL_RETRY, false, 0}};

	setup(600);
	sc.stop_after_naps = 1;
	script_posts(s, 2);
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_STOPPED);
	ck_assert_int_eq(pb.attempts, 1);
}
END_TEST

START_TEST(test_already_late_sends_nothing)
{
	setup(60);
	sc.now = pb.late_at + 1;
	ck_assert_int_eq(ch_publish(&pb, &np), CH_PUB_SKIPPED);
	ck_assert_str_eq(pb.skipped, "late");
	ck_assert_int_eq(pb.attempts, 0);
}
END_TEST

/* ---- resolving an intent without an id ---- */

START_TEST(test_resolve)
{
	struct step refused[] = {{CH_NETFAIL_CREDENTIALS, false, 0},
				 {CH_NETFAIL_CREDENTIALS, false, 0}};

	setup(600);
	sc.exists = true;
	ck_assert_int_eq(ch_publish_resolve(&pb, &np), CH_PUB_POSTED);
	ck_assert(pb.found);
	ck_assert_int_eq(pb.attempts, 0);

	setup(600);
	ck_assert_int_eq(ch_publish_resolve(&pb, &np), CH_PUB_NOT_FOUND);

	setup(600);
	script_finds(refused, 2);
	ck_assert_int_eq(ch_publish_resolve(&pb, &np), CH_PUB_UNREADABLE);
	ck_assert_int_eq(pb.lookups, 2); /* a first 401 is asked again */

	setup(600);
	pb.me_id = NULL;
	ck_assert_int_eq(ch_publish_resolve(&pb, &np), CH_PUB_UNREADABLE);
}
END_TEST

START_TEST(test_resolve_waits_out_a_rate_limit)
{
	struct step f[] = {{CH_NETFAIL_WAIT, false, 30}};

	setup(600);
	sc.exists = true;
	script_finds(f, 1);
	ck_assert_int_eq(ch_publish_resolve(&pb, &np), CH_PUB_POSTED);
	ck_assert(sc.now >= sc.t0 + 31.0);
	ck_assert_int_eq(pb.lookups, 2);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("publish");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_posted_at_once);
	tcase_add_test(tc, test_cut_after_it_went_out_is_found_not_resent);
	tcase_add_test(tc, test_5xx_not_sent_backs_off_and_posts);
	tcase_add_test(tc, test_backoff_is_capped_and_ends_at_late);
	tcase_add_test(tc, test_duplicate_not_found_is_skipped);
	tcase_add_test(tc, test_duplicate_found);
	tcase_add_test(tc, test_one_credentials_answer_is_retried_two_are_believed);
	tcase_add_test(tc, test_refused_is_skipped_at_once);
	tcase_add_test(tc, test_exhausted_is_not_retried);
	tcase_add_test(tc, test_refused_reply_goes_out_on_its_own);
	tcase_add_test(tc, test_rate_limit_waits_for_the_reset);
	tcase_add_test(tc, test_rate_limit_past_late_skips);
	tcase_add_test(tc, test_rate_limit_without_reset_waits_rate_wait);
	tcase_add_test(tc, test_unreadable_account_until_late_is_unresolved);
	tcase_add_test(tc, test_stop_during_a_backoff);
	tcase_add_test(tc, test_already_late_sends_nothing);
	tcase_add_test(tc, test_resolve);
	tcase_add_test(tc, test_resolve_waits_out_a_rate_limit);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
