/*
 * Open addressing with linear probing and FNV-1a hashes; the table doubles
 * at three quarters full. Nothing is ever removed, which keeps probing
 * simple.
 */
#include "strmap.h"

#include "error_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct mledger_strmap_slot {
	const char *key;          /* NULL: empty */
	size_t value;
	uint64_t hash;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ull;
	}
	return h;
}

bool mledger_strmap_get(const mledger_strmap *m, const char *key, size_t *out)
{
	uint64_t h;

	if (m->cap == 0)
		return false;
	h = fnv1a(key);
	for (size_t i = (size_t)h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		const struct mledger_strmap_slot *s = &m->slots[i];

		if (s->key == NULL)
			return false;
		if (s->hash == h && strcmp(s->key, key) == 0) {
			*out = s->value;
			return true;
		}
	}
}

static int grow(mledger_strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct mledger_strmap_slot *slots = calloc(cap, sizeof(*slots));

	if (slots == NULL)
		return MLEDGER_NOMEM();
	for (size_t i = 0; i < m->cap; i++) {
		const struct mledger_strmap_slot *s = &m->slots[i];
		size_t j;

		if (s->key == NULL)
			continue;
		for (j = (size_t)s->hash & (cap - 1); slots[j].key != NULL;
		     j = (j + 1) & (cap - 1))
			;
		slots[j] = *s;
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

/*
 * Make room for one more key, then find key's slot (hash h): 1 if the slot
 * holds key, 0 if it is the empty slot where key goes, or a negative error.
 */
static int slot_for(size_t *slot, mledger_strmap *m, const char *key,
		    uint64_t h)
{
	size_t i;
	int error;

	if ((m->used + 1) * 4 > m->cap * 3 && (error = grow(m)) < 0)
		return error;
	for (i = (size_t)h & (m->cap - 1); m->slots[i].key != NULL;
	     i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].hash == h && strcmp(m->slots[i].key, key) == 0) {
			*slot = i;
			return 1;
		}
	}
	*slot = i;
	return 0;
}

int mledger_strmap_put(mledger_strmap *m, const char *key, size_t value)
{
	uint64_t h = fnv1a(key);
	size_t i;
	int found = slot_for(&i, m, key, h);

	if (found < 0)
		return found;
	if (!found) {
		m->slots[i].key = mledger_arena_strndup(&m->keys, key,
							strlen(key));
		if (m->slots[i].key == NULL)
			return MLEDGER_NOMEM();
		m->slots[i].hash = h;
		m->used++;
	}
	m->slots[i].value = value;
	return 0;
}

int mledger_strmap_intern(mledger_strmap *m, const char *key, size_t value,
			  size_t *out)
{
	uint64_t h = fnv1a(key);
	size_t i;
	int found = slot_for(&i, m, key, h);

	if (found < 0)
		return found;
	if (found) {
		*out = m->slots[i].value;
		return 1;
	}
	m->slots[i].key = key;
	m->slots[i].hash = h;
	m->slots[i].value = value;
	m->used++;
	*out = value;
	return 0;
}

void mledger_strmap_free(mledger_strmap *m)
{
	free(m->slots);
	mledger_arena_free(&m->keys);
	m->slots = NULL;
	m->cap = m->used = 0;
}
