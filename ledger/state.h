/*
 * The registry state the rules read and write: actors and their keys, kept
 * in the actors, actor_seqs and keys databases within the caller's
 * transaction. Values are canonical msgpack (proto/storage.md) so two replays
 * of the same entries produce byte-identical state, which `verify` compares.
 */
#ifndef MLEDGER_STATE_H
#define MLEDGER_STATE_H

#include "mledger/ledger.h"
#include "mledger/lot.h"

#include "arena.h"
#include "store.h"

/* A transaction on a store: what the rules operate on. */
typedef struct mledger_state {
	MDB_txn *txn;
	const mledger_dbs *db;
} mledger_state;

typedef struct mledger_key_state {
	char actor[MLEDGER_ID_MAX + 1];   /* owner */
	uint64_t added;                   /* entry seq that added it */
	bool retired;
	uint64_t retired_seq;             /* entry seq from which it is invalid */
	mledger_pubkey pub;
} mledger_key_state;

/* An actor's stored state; pub is first so the public handle casts back. */
typedef struct mledger_actor_state {
	mledger_actor pub;
	mledger_arena arena;
	uint8_t (*kids)[MLEDGER_KID_BYTES]; /* every key ever added, in order */
	size_t nkids;
	unsigned extra_refs;      /* holders besides the first (the cache) */
} mledger_actor_state;

int mledger_state_key_get(mledger_key_state *out, const mledger_state *st,
			  const uint8_t kid[MLEDGER_KID_BYTES]);
int mledger_state_key_put(const mledger_state *st,
			  const uint8_t kid[MLEDGER_KID_BYTES],
			  const mledger_key_state *ks);

/*
 * Load an actor (ENOTFOUND if unknown); free with mledger_actor_state_free.
 * The result must not be modified: it may be shared with the actor cache.
 */
int mledger_state_actor_get(mledger_actor_state **out, const mledger_state *st,
			    const char *id);
void mledger_actor_state_free(mledger_actor_state *a);

/*
 * A cache of decoded actors for the calling thread's write transaction st,
 * from begin to end: the rules read the signer of every event, and often
 * the same few actors. A write of an actor drops it from the cache, so a
 * hit is always what the transaction holds. Only for the thread's one
 * transaction that applies rules (append, or verify's replay); reads in
 * any other transaction, nested ones included, are not cached.
 */
void mledger_state_cache_begin(const mledger_state *st);
void mledger_state_cache_end(void);

/* 0 if actor id is enrolled, MLEDGER_ENOTFOUND if not; nothing decoded. */
int mledger_state_actor_exists(const mledger_state *st, const char *id);

/* Store an actor: record, enrolled, revoked and the kid list. */
int mledger_state_actor_put(const mledger_state *st,
			    const mledger_actor_record *record,
			    uint64_t enrolled, bool revoked,
			    uint64_t revoked_seq,
			    const uint8_t (*kids)[MLEDGER_KID_BYTES],
			    size_t nkids);

/* Highest actor_seq used by id (0 if none yet). */
int mledger_state_actor_seq_get(uint64_t *out, const mledger_state *st,
				const char *id);
int mledger_state_actor_seq_put(const mledger_state *st, const char *id,
				uint64_t seq);

/* A lot's stored state; pub first so the public handle casts back. */
typedef struct mledger_lot_state {
	mledger_lot pub;
	mledger_arena arena;
} mledger_lot_state;

/* Load a lot (ENOTFOUND if unknown); free with mledger_lot_state_free. */
int mledger_state_lot_get(mledger_lot_state **out, const mledger_state *st,
			  const char *id);
void mledger_lot_state_free(mledger_lot_state *lot);

/* 1 if a lot with this id exists, 0 if not, or a negative error. */
int mledger_state_lot_exists(const mledger_state *st, const char *id);

/* Store a lot (all fields of lot; content as given, sorted by symbol). */
int mledger_state_lot_put(const mledger_state *st, const mledger_lot *lot);

/* Record that entry seq concerns lot id. */
int mledger_state_lot_event_add(const mledger_state *st, const char *id,
				uint64_t seq);

/* Decode a stored lot value (used by lookups and by listing). */
int mledger_lot_state_decode(mledger_lot_state **out, const char *id,
			     size_t id_len, const uint8_t *val, size_t len);

/* Record that entry seq concerns actor id (subjects: registry, attest). */
int mledger_state_subject_add(const mledger_state *st, const char *id,
			      uint64_t seq);

/* Big-endian 64-bit integer codec for fixed-width values. */
void mledger_be64_put(uint8_t out[8], uint64_t v);
uint64_t mledger_be64_get(const uint8_t in[8]);

#endif
