/* fuzz_tweetlen.c - libFuzzer entry for the weighted length (bot/tweetlen.h).
 * The input is the post's text as bytes (any bytes: malformed UTF-8 is part
 * of the contract). Checks the promises: the result is deterministic, its
 * flags agree with the weight, an invalid index lies inside the text, the
 * weight is bounded by the input size, and the NUL-terminated convenience
 * gives the same weight. ASan/UBSan catch overreads (the text is not
 * NUL-terminated) and undefined behaviour. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tweetlen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ch_tweetlen a, b;
	char *z;

	ch_tweetlen((const char *)data, size, &a);
	if (a.weighted < 0 || a.too_long != (a.weighted > CH_TWEET_MAX))
		abort();
	if (a.valid && (a.invalid_at >= 0 || a.too_long || size == 0))
		abort();
	if (a.invalid_at >= 0 && (size_t)a.invalid_at >= size)
		abort();
	if (a.invalid_at < 0 && a.invalid_cp != 0)
		abort();
	/* URLs (23 for >= 4 bytes) are the heaviest per byte */
	if ((size_t)a.weighted > 6 * size + 23)
		abort();
	ch_tweetlen((const char *)data, size, &b);
	if (a.weighted != b.weighted || a.valid != b.valid ||
	    a.too_long != b.too_long || a.invalid_at != b.invalid_at ||
	    a.invalid_cp != b.invalid_cp)
		abort();
	if (memchr(data, '\0', size) == NULL) {
		z = malloc(size + 1);
		if (!z)
			return 0;
		memcpy(z, data, size);
		z[size] = '\0';
		if (ch_tweetlen_weighted(z) != a.weighted)
			abort();
		free(z);
	}
	return 0;
}
