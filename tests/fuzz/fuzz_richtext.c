/* fuzz_richtext.c - libFuzzer entry for a Bluesky post's rich text
 * (bot/net/bluesky/richtext.h): its grapheme count and its facets, the
 * input being a question's text. Checks what the PDS would refuse: every
 * facet's byte range lies inside the text, in order, and not empty; a tag
 * is at most 640 bytes; a link is a web address with a host. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "net/bluesky/richtext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	json_t *facets, *f;
	size_t i;
	long g, last_end = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	g = ch_bsky_graphemes(text, strlen(text));
	if (g < 0 || (size_t)g > strlen(text))
		abort();
	facets = ch_bsky_facets(text);
	if (!json_is_array(facets))
		abort();
	json_array_foreach(facets, i, f) {
		json_t *ix = json_object_get(f, "index");
		json_t *feat = json_array_get(json_object_get(f, "features"), 0);
		long s = (long)json_integer_value(json_object_get(ix, "byteStart"));
		long e = (long)json_integer_value(json_object_get(ix, "byteEnd"));
		const char *tag = json_string_value(json_object_get(feat, "tag"));
		const char *uri = json_string_value(json_object_get(feat, "uri"));

		if (s < last_end || e <= s || (size_t)e > strlen(text))
			abort();
		last_end = e;
		if (tag && strlen(tag) > 640)
			abort();
		if (uri && !ch_url_is_web(uri, strlen(uri)))
			abort();
		if (!tag && !uri)
			abort();
	}
	json_decref(facets);
	free(text);
	return 0;
}
