/* fuzz_label.c - libFuzzer entry for the answer-label parser and the
 * attribution rules (bot/attrib.h). The input is the post's text (not
 * NUL-terminated for ch_label_parse, which must stay within its length);
 * its first byte also picks the post's time and reply target so the reply
 * and time rules are exercised. Checks the parser's promises: a label is
 * 0 or 1..999, lies inside the text, and attribution gives a question in
 * 0..n_questions (or the label's number). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ids[] = {"101", "102", "103"};
	static const double times[] = {1000.5, 1600.2, 0};
	struct ch_attrib_ctx ctx;
	struct ch_label l;
	struct ch_attribution a;
	struct ch_msg t;
	char *text, created[40];
	double ct;
	int q;

	q = ch_label_parse((const char *)data, size, &l);
	if (q < 0 || q > CH_LABEL_MAX || q != l.question)
		abort();
	if (q && (l.offset + l.length > size || l.length < 2 ||
		  l.n_more < 0 || l.n_more > CH_LABEL_MORE))
		abort();
	/* the same text NUL-terminated, through the whole attribution */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&ctx, 0, sizeof ctx);
	ctx.host_id = "9";
	ctx.intro_id = "100";
	ctx.wrapup_id = "199";
	ctx.n_questions = 3;
	ctx.q_ids = ids;
	ctx.q_times = times;
	ctx.wrapup_time = 3000.1;
	memset(&t, 0, sizeof t);
	t.id = (char *)"500";
	t.author_id = (char *)(size && (data[0] & 1) ? "9" : "7");
	t.text = text;
	t.in_reply_to_id = (char *)(size && (data[0] & 2) ? "102" : NULL);
	t.conversation_id = (char *)"100";
	ch_attribute(&ctx, &t, size ? data[0] * 16.0 : -1, &a);
	if (a.question < 0 || a.question > 3)
		abort();
	if (a.by == CH_ATTR_LABEL && a.question != a.label.question)
		abort();
	/* the time parser on the same bytes */
	if (ch_attrib_parse_time(text, &ct) == 0 && ct != ct)
		abort();
	snprintf(created, sizeof created, "%.*s", (int)(size < 39 ? size : 39),
		 text);
	(void)ch_attrib_parse_time(created, &ct);
	free(text);
	return 0;
}
