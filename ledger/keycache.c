/*
 * Open-addressing hash table from kid to parsed key. Kids are SHA-256
 * prefixes, so their first bytes are already a uniform hash.
 */
#include "keycache.h"

#include "error_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
	uint8_t kid[MLEDGER_KID_BYTES];
	bool used;               /* false: empty slot */
	bool bad;                /* pub does not parse */
	mledger_pubkey pub;      /* raw key, parsed on first use */
	mledger_key *key;        /* NULL until parsed */
} slot;

struct mledger_keycache {
	slot *slots;
	size_t cap;              /* power of two */
	size_t used;
};

static size_t slot_of(const uint8_t kid[MLEDGER_KID_BYTES], size_t cap)
{
	size_t h = 0;

	for (int i = 0; i < 8; i++)
		h = (h << 8) | kid[i];
	return h & (cap - 1);
}

int mledger_keycache_new(mledger_keycache **out)
{
	mledger_keycache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return MLEDGER_NOMEM();
	c->cap = 64;
	c->slots = calloc(c->cap, sizeof(slot));
	if (c->slots == NULL) {
		free(c);
		return MLEDGER_NOMEM();
	}
	*out = c;
	return 0;
}

void mledger_keycache_free(mledger_keycache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->cap; i++)
		mledger_key_free(c->slots[i].key);
	free(c->slots);
	free(c);
}

static slot *lookup(const mledger_keycache *c,
		    const uint8_t kid[MLEDGER_KID_BYTES])
{
	for (size_t i = slot_of(kid, c->cap);; i = (i + 1) & (c->cap - 1)) {
		slot *s = &c->slots[i];

		if (!s->used)
			return NULL;
		if (memcmp(s->kid, kid, MLEDGER_KID_BYTES) == 0)
			return s;
	}
}

/* Parse a slot's key if that has not been done; NULL if it does not parse. */
static const mledger_key *parsed(slot *s)
{
	if (s->key == NULL && !s->bad &&
	    mledger_key_from_public(&s->key, s->pub.alg, s->pub.pub,
				    s->pub.len) < 0) {
		s->key = NULL;
		s->bad = true;
	}
	return s->key;
}

const mledger_key *mledger_keycache_find(const mledger_keycache *c,
					 const uint8_t kid[MLEDGER_KID_BYTES])
{
	slot *s = lookup(c, kid);

	return s == NULL ? NULL : parsed(s);
}

static slot *insert(slot *slots, size_t cap, const uint8_t *kid)
{
	size_t i = slot_of(kid, cap);

	while (slots[i].used)
		i = (i + 1) & (cap - 1);
	memcpy(slots[i].kid, kid, MLEDGER_KID_BYTES);
	slots[i].used = true;
	return &slots[i];
}

static int grow(mledger_keycache *c)
{
	size_t cap = c->cap * 2;
	slot *slots = calloc(cap, sizeof(slot));

	if (slots == NULL)
		return MLEDGER_NOMEM();
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].used)
			*insert(slots, cap, c->slots[i].kid) = c->slots[i];
	free(c->slots);
	c->slots = slots;
	c->cap = cap;
	return 0;
}

int mledger_keycache_note(mledger_keycache *c,
			  const uint8_t kid[MLEDGER_KID_BYTES],
			  const mledger_pubkey *pub)
{
	uint8_t check[MLEDGER_KID_BYTES];
	slot *s;
	int error;

	if (lookup(c, kid) != NULL)
		return 0;
	if ((error = mledger_kid_compute(check, pub->alg, pub->pub, pub->len)) < 0)
		return error;
	if (memcmp(check, kid, MLEDGER_KID_BYTES) != 0)
		return mledger_error_set(MLEDGER_EINVAL,
					 "key bytes do not match their key id");
	if ((c->used + 1) * 4 > c->cap * 3 && (error = grow(c)) < 0)
		return error;
	s = insert(c->slots, c->cap, kid);
	s->pub = *pub;
	c->used++;
	return 0;
}

int mledger_keycache_add(const mledger_key **out, mledger_keycache *c,
			 const uint8_t kid[MLEDGER_KID_BYTES],
			 const mledger_pubkey *pub)
{
	int error;

	*out = NULL;
	if ((error = mledger_keycache_note(c, kid, pub)) < 0)
		return error;
	if ((*out = mledger_keycache_find(c, kid)) == NULL)
		return mledger_error_set(MLEDGER_EFORMAT, "not a valid %s key",
					 mledger_alg_name(pub->alg));
	return 0;
}
