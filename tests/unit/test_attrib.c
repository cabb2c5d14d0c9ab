/* test_attrib.c - answer labels and attribution rules (bot/attrib.h). */
#include <check.h>

#include "mut.h"
#include <math.h>
#include <string.h>

#include "attrib.h"

static int label(const char *s)
{
	return ch_label_parse(s, strlen(s), NULL);
}

START_TEST(label_forms)
{
	/* every form named in the issue */
	ck_assert_int_eq(label("A1 great question"), 1);
	ck_assert_int_eq(label("A1: I hate hold music"), 1);
	ck_assert_int_eq(label("a1 - hold music"), 1);
	ck_assert_int_eq(label("A 1) hold music"), 1);
	ck_assert_int_eq(label("A1/ hold music"), 1);
	ck_assert_int_eq(label("A1&2 both"), 1);
	ck_assert_int_eq(label("A2"), 2);
	ck_assert_int_eq(label("A3."), 3);
	ck_assert_int_eq(label("A4,then"), 4);
	ck_assert_int_eq(label("(A5) yes"), 5);
	ck_assert_int_eq(label("*A6* yes"), 6);
	ck_assert_int_eq(label("A7\xe2\x80\x94 dash"), 7);
	ck_assert_int_eq(label("A 8: spaced"), 8);
	ck_assert_int_eq(label("a 9) spaced lowercase first word"), 9);
	ck_assert_int_eq(label("A 2 - spaced dash"), 2);
	ck_assert_int_eq(label("A 3"), 3);
	ck_assert_int_eq(label("A1\nnext line"), 1);
	ck_assert_int_eq(label("  \tA4 leading space"), 4);
	ck_assert_int_eq(label("A1\xf0\x9f\x98\x80 emoji"), 1);
}
END_TEST

START_TEST(label_multi_digit)
{
	ck_assert_int_eq(label("A10: ten"), 10);
	ck_assert_int_eq(label("A12"), 12);
	ck_assert_int_eq(label("a100 -"), 100);
	ck_assert_int_eq(label("A999"), 999);
	ck_assert_int_eq(label("A1000"), 0);
	ck_assert_int_eq(label("A0"), 0);
	ck_assert_int_eq(label("A01"), 1);
}
END_TEST

START_TEST(label_more)
{
	struct ch_label l;
	const char *s = "A1&2&A3 all of them";

	ck_assert_int_eq(ch_label_parse(s, strlen(s), &l), 1);
	ck_assert_int_eq(l.n_more, 2);
	ck_assert_int_eq(l.more[0], 2);
	ck_assert_int_eq(l.more[1], 3);
	ck_assert_uint_eq(l.offset, 0);
	ck_assert_uint_eq(l.length, 7);

	s = "@host A2 / 3: both";
	ck_assert_int_eq(ch_label_parse(s, strlen(s), &l), 2);
	ck_assert_int_eq(l.n_more, 1);
	ck_assert_int_eq(l.more[0], 3);
	ck_assert_uint_eq(l.offset, 6);

	s = "A4+A5";
	ck_assert_int_eq(ch_label_parse(s, strlen(s), &l), 4);
	ck_assert_int_eq(l.n_more, 1);
	ck_assert_int_eq(l.more[0], 5);

	s = "A1/ nothing more";
	ck_assert_int_eq(ch_label_parse(s, strlen(s), &l), 1);
	ck_assert_int_eq(l.n_more, 0);
	ck_assert_uint_eq(l.length, 2);

	/* many numbers: the first CH_LABEL_MORE kept, no overflow */
	s = "A1&2&3&4&5&6&7&8&9&10&11&12";
	ck_assert_int_eq(ch_label_parse(s, strlen(s), &l), 1);
	ck_assert_int_eq(l.n_more, CH_LABEL_MORE);
	ck_assert_int_eq(l.more[CH_LABEL_MORE - 1], CH_LABEL_MORE + 1);
}
END_TEST

START_TEST(label_mentions_and_position)
{
	ck_assert_int_eq(label("@host A2: yes"), 2);
	ck_assert_int_eq(label("@host @alice A3 - yes"), 3);
	ck_assert_int_eq(label(".@host A4 yes"), 4);
	ck_assert_int_eq(label("@host: A5 yes"), 5);
	ck_assert_int_eq(label("#ICMIchat A2: hold music"), 2);
	ck_assert_int_eq(label("Great question! A3: hold music"), 3);
	ck_assert_int_eq(label("@a @b @c @d @e @f A6"), 6);
	/* beyond the first three words: not near the start */
	ck_assert_int_eq(label("I think that A1 is the answer"), 0);
	ck_assert_int_eq(label("one two three A1"), 0);
	ck_assert_int_eq(label("one two A1"), 1);
}
END_TEST

START_TEST(label_negatives)
{
	ck_assert_int_eq(label("AI is changing support"), 0);
	ck_assert_int_eq(label("As a customer I hate waiting"), 0);
	ck_assert_int_eq(label("A+ service"), 0);
	ck_assert_int_eq(label("A"), 0);
	ck_assert_int_eq(label(""), 0);
	ck_assert_int_eq(label("A1b is a vitamin"), 0);
	ck_assert_int_eq(label("AA1 battery"), 0);
	ck_assert_int_eq(label("xA1"), 0);
	ck_assert_int_eq(label("Q1: the question"), 0);
	ck_assert_int_eq(label("https://t.co/A1 link"), 0);
	ck_assert_int_eq(label("@A1 hi"), 0);          /* a mention */
	ck_assert_int_eq(label("A 2 hour wait is the worst"), 0);
	ck_assert_int_eq(label("I have a 1) plan"), 0); /* lowercase spaced, not first */
	ck_assert_int_eq(label("a 1-year-old"), 0);
	ck_assert_int_eq(label("A-1"), 0);
	ck_assert_int_eq(ch_label_parse(NULL, 0, NULL), 0);
	/* length is honoured: no NUL needed, nothing read past len */
	ck_assert_int_eq(ch_label_parse("A12", 2, NULL), 1);
	ck_assert_int_eq(ch_label_parse("A1", 1, NULL), 0);
}
END_TEST

START_TEST(label_zeroed_when_none)
{
	struct ch_label l;

	memset(&l, 0x5a, sizeof l);
	ck_assert_int_eq(ch_label_parse("hello", 5, &l), 0);
	ck_assert_int_eq(l.question, 0);
	ck_assert_int_eq(l.n_more, 0);
}
END_TEST

/* A chat: Q1 at 1000.4, Q2 at 1600.9, Q3 not posted, wrap-up at 3000.2 */
static const char *const q_ids[] = {"101", "102", NULL};
static const double q_times[] = {1000.4, 1600.9, 0};

static struct ch_attrib_ctx ctx(void)
{
	struct ch_attrib_ctx c;

	memset(&c, 0, sizeof c);
	c.host_id = "9";
	c.intro_id = "100";
	c.wrapup_id = "199";
	c.n_questions = 3;
	c.q_ids = q_ids;
	c.q_times = q_times;
	c.wrapup_time = 3000.2;
	return c;
}

static struct ch_msg tw(const char *id, const char *author, const char *text,
			  const char *reply_to, const char *conv)
{
	struct ch_msg t;

	memset(&t, 0, sizeof t);
	t.id = mut(id);
	t.author_id = mut(author);
	t.text = mut(text);
	t.in_reply_to_id = mut(reply_to);
	t.conversation_id = mut(conv);
	return t;
}

START_TEST(attrib_label_wins)
{
	struct ch_attrib_ctx c = ctx();
	struct ch_msg t = tw("500", "7", "@host A2: yes", "101", "100");
	struct ch_attribution a;

	ch_attribute(&c, &t, 1200, &a);
	ck_assert_int_eq(a.kind, CH_KIND_ANSWER);
	ck_assert_int_eq(a.question, 2);
	ck_assert_int_eq(a.by, CH_ATTR_LABEL);
	ck_assert_int_eq(a.label.question, 2);
	/* a label for Q3 before Q3 was posted still counts */
	t = tw("501", "7", "A3 early", NULL, NULL);
	ch_attribute(&c, &t, 1200, &a);
	ck_assert_int_eq(a.question, 3);
	ck_assert_int_eq(a.by, CH_ATTR_LABEL);
	/* after the wrap-up too */
	ch_attribute(&c, &t, 5000, &a);
	ck_assert_int_eq(a.question, 3);
	/* A4 is beyond the 3 questions: no label, falls to time */
	t = tw("502", "7", "A4 nope", NULL, NULL);
	ch_attribute(&c, &t, 1200, &a);
	ck_assert_int_eq(a.kind, CH_KIND_OTHER);
	ck_assert_int_eq(a.question, 1);
	ck_assert_int_eq(a.by, CH_ATTR_TIME);
	/* unknown number of questions: any label counts */
	c.n_questions = 0;
	ch_attribute(&c, &t, 1200, &a);
	ck_assert_int_eq(a.question, 4);
	ck_assert_int_eq(a.by, CH_ATTR_LABEL);
}
END_TEST

START_TEST(attrib_reply_rule)
{
	struct ch_attrib_ctx c = ctx();
	struct ch_msg t = tw("600", "7", "hold music", "101", "100");
	struct ch_attribution a;

	/* a reply to Q1 posted while Q2 is open is still Q1 */
	ch_attribute(&c, &t, 1700, &a);
	ck_assert_int_eq(a.kind, CH_KIND_ANSWER);
	ck_assert_int_eq(a.question, 1);
	ck_assert_int_eq(a.by, CH_ATTR_REPLY);
	t = tw("601", "7", "me too", "102", "100");
	ch_attribute(&c, &t, 2000, &a);
	ck_assert_int_eq(a.question, 2);
	ck_assert_int_eq(a.by, CH_ATTR_REPLY);
	/* a reply to another participant in the thread: kind reply, time */
	t = tw("602", "8", "agreed!", "600", "100");
	ch_attribute(&c, &t, 1700, &a);
	ck_assert_int_eq(a.kind, CH_KIND_REPLY);
	ck_assert_int_eq(a.question, 2);
	ck_assert_int_eq(a.by, CH_ATTR_TIME);
	/* in the conversation without in_reply_to (as the API may give) */
	t = tw("603", "8", "agreed!", NULL, "100");
	ch_attribute(&c, &t, 1100, &a);
	ck_assert_int_eq(a.kind, CH_KIND_REPLY);
	ck_assert_int_eq(a.question, 1);
	/* a reply to the intro before Q1: no question */
	t = tw("604", "8", "hi all", "100", "100");
	ch_attribute(&c, &t, 900, &a);
	ck_assert_int_eq(a.kind, CH_KIND_REPLY);
	ck_assert_int_eq(a.question, 0);
	ck_assert_int_eq(a.by, CH_ATTR_NONE);
}
END_TEST

START_TEST(attrib_time_rule)
{
	struct ch_attrib_ctx c = ctx();
	struct ch_msg t = tw("700", "7", "just a thought #chat", NULL, "700");
	struct ch_attribution a;

	ch_attribute(&c, &t, 999, &a); /* before Q1 */
	ck_assert_int_eq(a.kind, CH_KIND_OTHER);
	ck_assert_int_eq(a.question, 0);
	ck_assert_int_eq(a.by, CH_ATTR_NONE);
	/* created_at has whole seconds: the second Q1 was posted in counts */
	ch_attribute(&c, &t, 1000, &a);
	ck_assert_int_eq(a.question, 1);
	ck_assert_int_eq(a.by, CH_ATTR_TIME);
	ch_attribute(&c, &t, 1599, &a);
	ck_assert_int_eq(a.question, 1);
	ch_attribute(&c, &t, 1600, &a);
	ck_assert_int_eq(a.question, 2);
	/* Q3 never posted: Q2 stays open until the wrap-up */
	ch_attribute(&c, &t, 2999.999, &a);
	ck_assert_int_eq(a.question, 2);
	ch_attribute(&c, &t, 3000, &a); /* the wrap-up's second */
	ck_assert_int_eq(a.question, 0);
	ck_assert_int_eq(a.by, CH_ATTR_NONE);
	ch_attribute(&c, &t, 9000, &a);
	ck_assert_int_eq(a.question, 0);
	/* unknown time */
	ch_attribute(&c, &t, NAN, &a);
	ck_assert_int_eq(a.question, 0);
	ch_attribute(&c, &t, -1, &a);
	ck_assert_int_eq(a.question, 0);
	/* no wrap-up yet: the last question stays open */
	c.wrapup_time = 0;
	ck_assert_int_eq(ch_attrib_open_question(&c, 9000), 2);
	/* nothing posted at all */
	c.q_times = NULL;
	ck_assert_int_eq(ch_attrib_open_question(&c, 9000), 0);
}
END_TEST

START_TEST(attrib_host_posts)
{
	struct ch_attrib_ctx c = ctx();
	struct ch_msg t = tw("102", "9", "Q2: why? #chat", "100", "100");
	struct ch_attribution a;

	ch_attribute(&c, &t, 1601, &a);
	ck_assert_int_eq(a.kind, CH_KIND_HOST);
	ck_assert_int_eq(a.question, 2);
	ck_assert_int_eq(a.by, CH_ATTR_NONE);
	t = tw("100", "9", "Welcome! A1, A2... #chat", NULL, "100");
	ch_attribute(&c, &t, 900, &a);
	ck_assert_int_eq(a.kind, CH_KIND_HOST);
	ck_assert_int_eq(a.question, 0);
	/* a host post the state does not know (a reply by hand) */
	t = tw("800", "9", "A1: thanks!", "600", "100");
	ch_attribute(&c, &t, 1200, &a);
	ck_assert_int_eq(a.kind, CH_KIND_HOST);
	ck_assert_int_eq(a.question, 0);
	ck_assert_int_eq(a.by, CH_ATTR_NONE);
	/* host id unknown (NULL): the state's ids still say host */
	c.host_id = NULL;
	t = tw("199", NULL, "Thanks for joining", "100", "100");
	ch_attribute(&c, &t, 3001, &a);
	ck_assert_int_eq(a.kind, CH_KIND_HOST);
	/* every field NULL: no crash */
	t = tw(NULL, NULL, NULL, NULL, NULL);
	ch_attribute(&c, &t, 1200, &a);
	ck_assert_int_eq(a.kind, CH_KIND_OTHER);
	ck_assert_int_eq(a.question, 1);
}
END_TEST

START_TEST(parse_time)
{
	double t;

	ck_assert_int_eq(ch_attrib_parse_time("1970-01-01T00:00:00.000Z", &t), 0);
	ck_assert(t == 0);
	ck_assert_int_eq(ch_attrib_parse_time("2026-12-01T18:07:12.000Z", &t), 0);
	ck_assert(t == 1796148432.0);
	ck_assert_int_eq(ch_attrib_parse_time("2026-12-01T18:07:12.250Z", &t), 0);
	ck_assert(fabs(t - 1796148432.25) < 1e-6);
	ck_assert_int_eq(ch_attrib_parse_time("2026-12-01T18:07:12Z", &t), 0);
	ck_assert(t == 1796148432.0);
	ck_assert_int_eq(ch_attrib_parse_time("2026-12-01T13:07:12-05:00", &t), 0);
	ck_assert(t == 1796148432.0);
	ck_assert_int_eq(ch_attrib_parse_time("2024-02-29T00:00:00Z", &t), 0);
	ck_assert_int_eq(ch_attrib_parse_time("2023-02-29T00:00:00Z", &t), -1);
	ck_assert_int_eq(ch_attrib_parse_time("2026-13-01T00:00:00Z", &t), -1);
	ck_assert_int_eq(ch_attrib_parse_time("2026-12-01T24:00:00Z", &t), -1);
	ck_assert_int_eq(ch_attrib_parse_time("2026-12-01T18:07:12", &t), -1);
	ck_assert_int_eq(ch_attrib_parse_time("2026-12-01T18:07:12.Z", &t), -1);
	ck_assert_int_eq(ch_attrib_parse_time("2026-12-01T18:07:12Zx", &t), -1);
	ck_assert_int_eq(ch_attrib_parse_time("2026-12-01", &t), -1);
	ck_assert_int_eq(ch_attrib_parse_time("", &t), -1);
	ck_assert_int_eq(ch_attrib_parse_time(NULL, &t), -1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("attrib");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, label_forms);
	tcase_add_test(tc, label_multi_digit);
	tcase_add_test(tc, label_more);
	tcase_add_test(tc, label_mentions_and_position);
	tcase_add_test(tc, label_negatives);
	tcase_add_test(tc, label_zeroed_when_none);
	tcase_add_test(tc, attrib_label_wins);
	tcase_add_test(tc, attrib_reply_rule);
	tcase_add_test(tc, attrib_time_rule);
	tcase_add_test(tc, attrib_host_posts);
	tcase_add_test(tc, parse_time);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
