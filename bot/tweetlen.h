/*
 * tweetlen.h - the twitter-text v3 weighted length of a post.
 *
 * Rules (twitter-text config v3): the text is NFC-normalised; each code
 * point weighs 100 (counted as 1) in the ranges 0-4351, 8192-8205,
 * 8208-8223, 8242-8247 and 200 (2) elsewhere; every URL (with or without
 * a scheme, per twitter-text's URL extractor) counts 23; an emoji
 * sequence counts 2; the maximum is 280. U+FFFE, U+FEFF and U+FFFF (and
 * the range U+202A-U+202E direction marks per twitter-text) make a post
 * invalid, as does malformed UTF-8.
 */
#ifndef CHATHOST_TWEETLEN_H
#define CHATHOST_TWEETLEN_H

#include <stdbool.h>
#include <stddef.h>

#define CH_TWEET_MAX 280

struct ch_tweetlen {
	int weighted;      /* weighted length (units of 1, not 100) */
	bool valid;        /* false: empty, invalid char or bad UTF-8 */
	bool too_long;     /* weighted > CH_TWEET_MAX */
	long invalid_at;   /* code point index of the first invalid char, or -1 */
	unsigned invalid_cp; /* that code point (0 for malformed UTF-8) */
};

/* Measures text (len bytes of UTF-8). Never fails; see r->valid. */
void ch_tweetlen(const char *text, size_t len, struct ch_tweetlen *r);

/* Convenience: the weighted length of a NUL-terminated string. */
int ch_tweetlen_weighted(const char *text);

#endif
