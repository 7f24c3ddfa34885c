/*
 * A hash map from strings to size_t, for the lookups trace and share make
 * once per lot and actor (lot id -> node, actor id -> cached record). Keys
 * are copied into the map's arena, or borrowed (mledger_strmap_intern).
 */
#ifndef MLEDGER_STRMAP_H
#define MLEDGER_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

typedef struct mledger_strmap {
	struct mledger_strmap_slot *slots;
	size_t cap;               /* power of two, or 0 before first put */
	size_t used;
	mledger_arena keys;
} mledger_strmap;

#define MLEDGER_STRMAP_INIT {NULL, 0, 0, MLEDGER_ARENA_INIT}

/* *out = value of key and true, or false if absent. */
bool mledger_strmap_get(const mledger_strmap *m, const char *key, size_t *out);

/* Insert or replace; MLEDGER_ENOMEM on failure. */
int mledger_strmap_put(mledger_strmap *m, const char *key, size_t value);

/*
 * One probe for "find or add": if key is present, *out = its value and 1 is
 * returned; else key -> value is inserted, *out = value and 0 is returned.
 * The key is not copied: it must live as long as the map (the trace keeps
 * its lot ids in its own arena, so a copy here would be a second one).
 * MLEDGER_ENOMEM on failure.
 */
int mledger_strmap_intern(mledger_strmap *m, const char *key, size_t value,
			  size_t *out);

void mledger_strmap_free(mledger_strmap *m);

#endif
