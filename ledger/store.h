/*
 * The LMDB side of the ledger: one environment, its named databases, and the
 * transaction helpers that turn LMDB's codes into mledger errors and grow the
 * map when it fills. The same layout serves the ledger itself and the scratch
 * environment that `verify` replays into.
 *
 * Databases (proto/storage.md):
 *   entries     seq (native uint64, MDB_INTEGERKEY) -> entry bytes
 *   meta        "version" -> store format version (uint32 big-endian)
 *   actors      actor id -> actor state (canonical msgpack)
 *   actor_seqs  actor id -> highest actor_seq used (uint64 big-endian)
 *   keys        key id -> key state (canonical msgpack)
 *   lots        lot id -> lot state (canonical msgpack)
 *   lot_events  lot id -> seqs of the entries about it (uint64 big-endian,
 *               MDB_DUPSORT | MDB_DUPFIXED, so in order)
 *   hashes      (level, index) -> hash of the complete Merkle subtree of
 *               2^level entries from index * 2^level (proto/storage.md)
 *   checkpoints tree size (uint64 big-endian) -> signed checkpoint note
 *   subjects    actor id -> seqs of the entries about the actor: its
 *               enrolment (or genesis), rekeys, revocations, and
 *               attestations on it or its facilities (as lot_events)
 */
#ifndef MLEDGER_STORE_H
#define MLEDGER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <lmdb.h>

#include "error_int.h"

#define MLEDGER_MAP_SIZE_DEFAULT (256ull << 20)

typedef struct mledger_dbs {
	MDB_dbi entries;
	MDB_dbi meta;
	MDB_dbi actors;
	MDB_dbi actor_seqs;
	MDB_dbi keys;
	MDB_dbi lots;
	MDB_dbi lot_events;
	MDB_dbi hashes;
	MDB_dbi checkpoints;
	MDB_dbi subjects;
} mledger_dbs;

typedef struct mledger_store {
	MDB_env *env;
	mledger_dbs db;
	bool read_only;
} mledger_store;

enum {
	MLEDGER_STORE_CREATE = 1u << 0,   /* create the databases */
	MLEDGER_STORE_RDONLY = 1u << 1,
	MLEDGER_STORE_NOSYNC = 1u << 2,   /* scratch: durability not needed */
};

/* Open (or with CREATE, make) the environment in dir. */
int mledger_store_open(mledger_store *s, const char *dir, unsigned flags,
		       uint64_t map_size);
void mledger_store_close(mledger_store *s);

/* Begin a transaction, adopting a map grown by another process. */
int mledger_store_begin(mledger_store *s, bool write, MDB_txn **out);

/* Double the map size (after MDB_MAP_FULL; no transaction may be open). */
int mledger_store_grow(mledger_store *s);

/* Map an LMDB return code to an mledger error with a message naming what. */
int mledger_store_error(int rc, const char *what);

/* Key of an entry: seq as the native integer LMDB's INTEGERKEY wants. */
static inline MDB_val mledger_seq_key(uint64_t *seq)
{
	MDB_val k = {sizeof(*seq), seq};
	return k;
}

#endif
