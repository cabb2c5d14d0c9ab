/*
 * richtext.h - what a Bluesky post's text needs besides the text: its
 * length in grapheme clusters (the 300 limit), its facets (hashtags and
 * links at UTF-8 byte offsets: the PDS does not check them, so they are
 * computed here and tested byte-exact), and record keys (TIDs).
 * Unicode comes from utf8proc; nothing here allocates except
 * ch_bsky_facets (which returns a new JSON array).
 */
#ifndef CHATHOST_BSKY_RICHTEXT_H
#define CHATHOST_BSKY_RICHTEXT_H

#include <stddef.h>

#include <jansson.h>

#define CH_BSKY_MAX_GRAPHEMES 300
#define CH_BSKY_MAX_BYTES 3000   /* the post lexicon's maxLength of text */
#define CH_BSKY_MAX_TAG 64      /* a hashtag's graphemes, '#' not counted */
#define CH_BSKY_TID_LEN 13

/* Grapheme clusters in text[0..len) (invalid UTF-8 counts a cluster per
 * bad byte). */
long ch_bsky_graphemes(const char *text, size_t len);

/* The facets of text, as app.bsky.richtext.facet objects:
 *   {"index":{"byteStart":B,"byteEnd":E},
 *    "features":[{"$type":"app.bsky.richtext.facet#tag","tag":"T"}]}
 * for a '#' (or U+FF03) at the start or after white space followed by a
 * tag that is not all digits, trailing punctuation cut, at most 64
 * graphemes (the range covers the '#'); and "#link" with "uri" for
 * http:// and https:// URLs (trailing .,;:!? and an unbalanced ')' cut).
 * Returns a new array (empty when none). */
json_t *ch_bsky_facets(const char *text);

/* A TID for the instant now (epoch seconds) with clock id clock_id
 * (0-1023): 13 characters of base32-sortable, NUL-terminated in out
 * (>= 14 bytes). Later instants give larger TIDs (as strings). */
void ch_bsky_tid(double now, unsigned clock_id, char *out, size_t n);
/* 1 if s is a syntactically valid TID. */
int ch_bsky_tid_ok(const char *s);

#endif
