/* The ledger handle, shared by the files that implement ledger.h. */
#ifndef MLEDGER_LEDGER_INT_H
#define MLEDGER_LEDGER_INT_H

#include "mledger/ledger.h"

#include "keycache.h"
#include "state.h"
#include "store.h"

struct mledger_ledger {
	mledger_store store;
	char *dir;
	char *origin;             /* from the genesis entry */
	char *operator_id;        /* the actor the genesis entry enrolled */
	mledger_keycache *keys;   /* parsed keys seen so far, by kid */
};

/* Encode an entry {"event", "prev", "seq", "time"} (proto/entries.md). */
int mledger_entry_encode(uint8_t **out, size_t *out_len, uint64_t seq,
			 uint64_t time, const uint8_t prev[MLEDGER_HASH_BYTES],
			 const uint8_t *event, size_t event_len);

/* Number of entries and hash of the last one, within txn. */
int mledger_store_head(uint64_t *size, uint8_t hash[MLEDGER_HASH_BYTES],
		       const mledger_store *s, MDB_txn *txn);

/* Run fn on a read-only snapshot of the ledger's state (one read txn). */
int mledger_with_state(mledger_ledger *ledger,
		       int (*fn)(const mledger_state *st, void *ctx),
		       void *ctx);

/* The C2SP checkpoint text "origin\nsize\nbase64(root)\n" (*out malloc'd). */
int mledger_checkpoint_text(char **out, const char *origin, uint64_t size,
			    const uint8_t root[MLEDGER_HASH_BYTES]);

/* 0 if s is a well-formed C2SP Ed25519 verifier key, else EFORMAT. */
int mledger_vkey_check(const char *s);

#endif
