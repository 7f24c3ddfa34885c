/*
 * A bump allocator for objects that live and die together, such as a decoded
 * event and all its strings and arrays: one free releases everything.
 */
#ifndef MLEDGER_ARENA_H
#define MLEDGER_ARENA_H

#include <stddef.h>

typedef struct mledger_arena_chunk mledger_arena_chunk;

typedef struct mledger_arena {
	mledger_arena_chunk *head;
} mledger_arena;

#define MLEDGER_ARENA_INIT {NULL}

/* size bytes aligned for any type, zeroed; NULL when out of memory. */
void *mledger_arena_alloc(mledger_arena *arena, size_t size);

/* A NUL-terminated copy of s[0..len); NULL when out of memory. */
char *mledger_arena_strndup(mledger_arena *arena, const char *s, size_t len);

void mledger_arena_free(mledger_arena *arena);

#endif
