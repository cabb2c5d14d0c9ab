/*
 * attrib.h - which question a post answers: answer-label parsing and the
 * attribution rules of the participation log (chathost(1)). Pure functions:
 * nothing here allocates, reads a clock or touches a file.
 *
 * Answer labels. After any leading @mentions (replies start with them;
 * ".@name" too), the label must start one of the first CH_LABEL_WORDS
 * whitespace-separated words (a hashtag counts as a word, so
 * "#ICMIchat A1: ..." is labelled). A label is:
 *
 *   [opening punctuation] A DIGITS [ (&|/|+) [A] DIGITS ]... END
 *
 * with A either case, DIGITS 1-3 digits (a number 1..999, the whole run:
 * "A10" is 10, never 1; "A1234" is no label), opening punctuation any of
 * ( [ { " ' * (e.g. "(A2)", "*A3*"), and END the end of the text or any
 * byte that is not an ASCII letter or digit (":", " -", ")", "/", ".",
 * "," , a space, an emoji...). So "A1", "A1:", "a1 -", "A1/", "A1&2",
 * "A1)" are labels; "AI", "As", "A+", "A1b", "AA1", "xA1" are not.
 * The spaced form "A 1" (one or more spaces between A and the digits) is
 * a label only when the digits are followed by punctuation (":", ")",
 * ".", ",", "/", "&", "]", or a dash followed by a space) or the end of
 * the text, so "A 1)" and "A 1: ..." are labels but "A 2 hour wait" is
 * not; with a lowercase "a" it must moreover be the first word after the
 * mentions ("I have a 1) ..." is not labelled).
 * "A1&2" (also "A1/2", "A1+A2", "A1 & 2") attributes to the first number;
 * the further numbers are kept in struct ch_label.more.
 *
 * Attribution of one post (ch_attribute), in this order:
 *  1. host: the post's author is the host account (author_id == host_id),
 *     or its id is one of the bot's own posts (intro, Qn, wrap-up):
 *     kind CH_KIND_HOST, question n for the Qn post (found by id), else 0;
 *     attributed_by NONE.
 *  2. label: a label for question 1..n_questions (a number beyond
 *     n_questions is no label, when n_questions > 0): kind ANSWER,
 *     attributed_by LABEL.
 *  3. reply: in_reply_to_id is the id of the Qn post: kind ANSWER,
 *     question n, attributed_by REPLY.
 *  4. time: the question open when the post was created: the question
 *     posted last at or before created (compared to the second, since X's
 *     created_at has whole seconds), none before Q1 or at/after the
 *     wrap-up (question 0, attributed_by NONE); attributed_by TIME when a
 *     question was open. The kind is then:
 *       REPLY  - the post replies to some post (in_reply_to_id set: a post
 *                in the thread, a reply to another participant or to the
 *                intro) or sits in the chat's conversation
 *                (conversation_id == intro_id);
 *       OTHER  - anything else on the hashtag.
 * So kind "answer" means a labelled post or a reply to a question post.
 */
#ifndef CHATHOST_ATTRIB_H
#define CHATHOST_ATTRIB_H

#include <stddef.h>

#include "replylog.h"
#include "net/net.h"

#define CH_LABEL_WORDS 3   /* label within the first 3 words after mentions */
#define CH_LABEL_MORE 8    /* further numbers of "A1&2&3" kept */
#define CH_LABEL_MAX 999

struct ch_label {
	int question;            /* first number, 1..999; 0 = no label */
	int n_more;              /* further numbers kept in more[] */
	int more[CH_LABEL_MORE];
	size_t offset;           /* byte offset of the label in the text */
	size_t length;           /* its length in bytes (up to END) */
};

/* Finds an answer label near the start of text (len bytes; need not be
 * NUL-terminated; may hold any bytes). Returns the first number (1..999),
 * or 0 if there is no label. out (may be NULL) is filled either way
 * (zeroed when there is no label). Never allocates; reads at most the
 * leading mentions and CH_LABEL_WORDS words. */
int ch_label_parse(const char *text, size_t len, struct ch_label *out);

/* What attribution knows about the chat: all borrowed, NULL when not
 * known/posted. q_ids and q_times have n_questions elements (index 0 is
 * Q1); q_times are the real instants (epoch seconds) the questions were
 * posted, 0 when not posted. */
struct ch_attrib_ctx {
	const char *host_id;
	const char *intro_id;
	const char *wrapup_id;
	int n_questions;
	const char *const *q_ids;
	const double *q_times;
	double wrapup_time;      /* 0 if not posted */
};

struct ch_attribution {
	enum ch_entry_kind kind;
	int question;            /* 0 = null */
	enum ch_attrib by;       /* CH_ATTR_NONE for host posts / no question */
	struct ch_label label;   /* the label found (question 0 if none) */
};

/* Attributes post t, created at the real instant created (epoch seconds;
 * a negative value or NaN = unknown: the time rule then gives no
 * question). Only t->id, author_id, text, in_reply_to_id and
 * conversation_id are looked at; any of them may be NULL. Never fails. */
void ch_attribute(const struct ch_attrib_ctx *ctx, const struct ch_msg *t,
		  double created, struct ch_attribution *out);

/* The question open at the real instant created by the time rule (0 if
 * none). Exposed for tests. */
int ch_attrib_open_question(const struct ch_attrib_ctx *ctx, double created);

/* Parses X's created_at "YYYY-MM-DDTHH:MM:SS[.fff...](Z|+HH:MM|-HH:MM)" to
 * epoch seconds (with the fraction). Returns 0, or -1 if s is not such a
 * time (s may be NULL). Allocation-free and fast. */
int ch_attrib_parse_time(const char *s, double *out);

#endif
