/*
 * jsonmend.h - a server's JSON read whole even when one post in it is
 * malformed text: one bad post loses nothing but its bad characters.
 *
 * jansson refuses a whole document for one invalid UTF-8 byte, one lone
 * surrogate escape (\uD800 with no pair) or one \u0000 (allowed only
 * with JSON_ALLOW_NUL, and then cut at by json_string_value). A search
 * page of 100 answers was lost for one such post. Here each of those
 * becomes U+FFFD, the Unicode replacement character, before parsing.
 */
#ifndef CHATHOST_JSONMEND_H
#define CHATHOST_JSONMEND_H

#include <jansson.h>
#include <stddef.h>

/* json_loadb of the len bytes at buf (flags, je as json_loadb's) after
 * mending: invalid UTF-8 sequences, unpaired surrogate escapes and
 * \u0000 escapes each become U+FFFD. *mended (may be NULL) gets how many
 * were mended. Returns a new reference, or NULL (je says why). */
json_t *ch_json_loadb_mended(const char *buf, size_t len, size_t flags,
			     json_error_t *je, size_t *mended);

#endif
