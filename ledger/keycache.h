/*
 * Public keys by key id, parsed into key objects on first use and kept, so
 * append and verify parse each signing key once rather than once per event;
 * keys that are enrolled but never sign are never parsed. A kid is a hash of
 * the algorithm and the key bytes, so a cached entry can never be stale: the
 * same kid is always the same key. Whether a key is active is a question for
 * the state, not for this cache. Not thread-safe: only the calling thread
 * uses it; worker threads use the key objects it handed out.
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

/*
 * Record pub under kid without parsing it yet: it is parsed the first time
 * mledger_keycache_find() asks for it, so keys that never sign cost a hash,
 * not a key object.
 */
int mledger_keycache_note(mledger_keycache *c,
			  const uint8_t kid[MLEDGER_KID_BYTES],
			  const mledger_pubkey *pub);

#endif
