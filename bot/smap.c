/* smap.c - a string -> int hash map (smap.h). */
#include "smap.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

static uint32_t hash_s(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

static size_t slot_of(const struct ch_smap *m, const char *k, uint32_t h)
{
	size_t i = h & (m->cap - 1);

	while (m->slots[i].key &&
	       (m->slots[i].hash != h || strcmp(m->slots[i].key, k) != 0))
		i = (i + 1) & (m->cap - 1);
	return i;
}

int ch_smap_get(const struct ch_smap *m, const char *k)
{
	size_t i;

	if (!m->cap)
		return -1;
	i = slot_of(m, k, hash_s(k));
	return m->slots[i].key ? m->slots[i].val : -1;
}

/* Makes room for at least want entries at load <= 1/2. */
void ch_smap_reserve(struct ch_smap *m, size_t want)
{
	struct ch_smap_slot *old = m->slots;
	size_t ocap = m->cap, cap = m->cap ? m->cap : 1024, i, j;

	while (want * 2 > cap)
		cap *= 2;
	if (cap == m->cap)
		return;
	m->cap = cap;
	m->slots = ch_xcalloc(cap, sizeof *m->slots);
	for (j = 0; j < ocap; j++) {
		if (!old[j].key)
			continue;
		for (i = old[j].hash & (cap - 1); m->slots[i].key;
		     i = (i + 1) & (cap - 1))
			;
		m->slots[i] = old[j];
	}
	free(old);
}

/* Inserts k -> v unless k is present; returns the value stored. */
int ch_smap_put(struct ch_smap *m, const char *k, int v)
{
	uint32_t h = hash_s(k);
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		ch_smap_reserve(m, m->n + 1);
	i = slot_of(m, k, h);
	if (m->slots[i].key)
		return m->slots[i].val;
	m->slots[i].key = k;
	m->slots[i].hash = h;
	m->slots[i].val = v;
	m->n++;
	return v;
}

/* Sets k -> v, present or not. */
void ch_smap_set(struct ch_smap *m, const char *k, int v)
{
	size_t i;

	ch_smap_put(m, k, v);
	i = slot_of(m, k, hash_s(k));
	m->slots[i].val = v;
}

void ch_smap_clear(struct ch_smap *m)
{
	if (m->cap)
		memset(m->slots, 0, m->cap * sizeof *m->slots);
	m->n = 0;
}

void ch_smap_free(struct ch_smap *m)
{
	free(m->slots);
	memset(m, 0, sizeof *m);
}
