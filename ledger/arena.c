/*
 * Bump allocator: each request carved from the newest chunk or a fresh one.
 * The first chunk is small (most arenas hold one decoded event); each fresh
 * chunk doubles the last up to CHUNK_MAX, so an arena holding a large trace
 * costs a few hundred mallocs rather than one per kilobyte, while staying
 * under malloc's mmap threshold, where memory is reused rather than
 * faulted in afresh. Nothing is freed until the whole arena is.
 */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct mledger_arena_chunk {
	mledger_arena_chunk *next;
	size_t used;
	size_t size;
	alignas(max_align_t) unsigned char data[];
};

#define CHUNK_MIN 1024u
#define CHUNK_MAX (64u * 1024u)

void *mledger_arena_alloc(mledger_arena *arena, size_t size)
{
	const size_t align = alignof(max_align_t);
	mledger_arena_chunk *c = arena->head;
	size_t need, at;

	if (size > SIZE_MAX / 2)
		return NULL;
	need = (size + align - 1) & ~(align - 1);
	if (need == 0)
		need = align;
	if (c == NULL || c->size - c->used < need) {
		size_t csize = c == NULL ? CHUNK_MIN
			: c->size < CHUNK_MAX ? 2 * c->size : CHUNK_MAX;

		if (csize < need)
			csize = need;
		c = malloc(sizeof(*c) + csize);
		if (c == NULL)
			return NULL;
		c->next = arena->head;
		c->used = 0;
		c->size = csize;
		arena->head = c;
	}
	at = c->used;
	c->used += need;
	memset(c->data + at, 0, need);
	return c->data + at;
}

char *mledger_arena_strndup(mledger_arena *arena, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = mledger_arena_alloc(arena, len + 1);
	if (p == NULL)
		return NULL;
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void mledger_arena_free(mledger_arena *arena)
{
	mledger_arena_chunk *c = arena->head;

	while (c != NULL) {
		mledger_arena_chunk *next = c->next;

		free(c);
		c = next;
	}
	arena->head = NULL;
}
