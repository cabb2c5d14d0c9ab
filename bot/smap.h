/*
 * smap.h - a string -> int hash map (open addressing, keys borrowed:
 * they must outlive the map), for the report's ids and accounts. A map is
 * zeroed to start; ch_smap_free frees its slots (the keys are the
 * caller's).
 */
#ifndef CHATHOST_SMAP_H
#define CHATHOST_SMAP_H

#include <stddef.h>
#include <stdint.h>

struct ch_smap_slot {
	const char *key; /* NULL: empty */
	uint32_t hash;   /* compared before the key */
	int val;
};

struct ch_smap {
	struct ch_smap_slot *slots;
	size_t n, cap;
};

/* The value of key k, or -1. */
int ch_smap_get(const struct ch_smap *m, const char *k);
/* Adds k -> v unless k is there: returns the value k has now. */
int ch_smap_put(struct ch_smap *m, const char *k, int v);
/* Sets k -> v, replacing any value. */
void ch_smap_set(struct ch_smap *m, const char *k, int v);
/* Room for want keys without growing. */
void ch_smap_reserve(struct ch_smap *m, size_t want);
/* Empties m, keeping its slots for reuse. */
void ch_smap_clear(struct ch_smap *m);
void ch_smap_free(struct ch_smap *m);

#endif
