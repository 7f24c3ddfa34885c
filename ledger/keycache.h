/*
 * Parsed public keys by key id. Building a key object from raw bytes costs
 * about as much as a signature check, so append and verify keep each key they
 * meet. A kid is a hash of the algorithm and the key bytes, so a cached entry
 * can never be stale: the same kid is always the same key. Whether a key is
 * active is a question for the state, not for this cache.
 */
#ifndef MLEDGER_KEYCACHE_H
#define MLEDGER_KEYCACHE_H

#include "mledger/event.h"

typedef struct mledger_keycache mledger_keycache;

int mledger_keycache_new(mledger_keycache **out);
void mledger_keycache_free(mledger_keycache *c);

/* The cached key for kid, or NULL. Borrowed; lives as long as the cache. */
const mledger_key *mledger_keycache_find(const mledger_keycache *c,
					 const uint8_t kid[MLEDGER_KID_BYTES]);

/*
 * Parse pub, check that it hashes to kid, and cache it; *out borrowed.
 * MLEDGER_EFORMAT if the bytes are not a valid key.
 */
int mledger_keycache_add(const mledger_key **out, mledger_keycache *c,
			 const uint8_t kid[MLEDGER_KID_BYTES],
			 const mledger_pubkey *pub);

#endif
