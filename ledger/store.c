/*
 * LMDB environment handling. The ledger is one environment holding several
 * named databases; this file opens and creates them, maps LMDB's return codes
 * onto mledger errors, and grows the memory map, since LMDB fails a write
 * with MDB_MAP_FULL rather than growing by itself.
 */
#include "store.h"

#include "mledger/ledger.h"

#include <errno.h>
#include <string.h>

#define DB_COUNT 10

int mledger_store_error(int rc, const char *what)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_NOTFOUND:
		return mledger_error_set(MLEDGER_ENOTFOUND, "%s: not found", what);
	case MDB_MAP_FULL:
		return mledger_error_set(MLEDGER_EMAPFULL, "%s: storage map full",
					 what);
	case MDB_READERS_FULL:
		return mledger_error_set(MLEDGER_EBUSY,
			"%s: too many readers on the ledger", what);
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return mledger_error_set(MLEDGER_EIO, "%s: ledger storage is damaged: %s",
					 what, mdb_strerror(rc));
	case ENOMEM:
		return mledger_error_set(MLEDGER_ENOMEM, "%s: out of memory", what);
	case EAGAIN:
	case EBUSY:
		return mledger_error_set(MLEDGER_EBUSY, "%s: ledger is locked: %s",
					 what, mdb_strerror(rc));
	default:
		return mledger_error_set(MLEDGER_EIO, "%s: %s", what,
					 mdb_strerror(rc));
	}
}

static int open_dbs(mledger_store *s, unsigned flags)
{
	static const char *const names[DB_COUNT] = {
		"entries", "meta", "actors", "actor_seqs", "keys", "lots",
		"lot_events", "hashes", "checkpoints", "subjects"};
	MDB_dbi *slots[DB_COUNT] = {&s->db.entries, &s->db.meta,
		&s->db.actors, &s->db.actor_seqs, &s->db.keys, &s->db.lots,
		&s->db.lot_events, &s->db.hashes, &s->db.checkpoints,
		&s->db.subjects};
	/* entries are keyed by integer; lot_events and subjects hold sorted
	 * fixed seqs. */
	const unsigned extra[DB_COUNT] = {MDB_INTEGERKEY, 0, 0, 0, 0, 0,
		MDB_DUPSORT | MDB_DUPFIXED, 0, 0, MDB_DUPSORT | MDB_DUPFIXED};
	unsigned create = (flags & MLEDGER_STORE_CREATE) ? MDB_CREATE : 0;
	MDB_txn *txn;
	int rc;

	rc = mdb_txn_begin(s->env, NULL,
			   (flags & MLEDGER_STORE_RDONLY) ? MDB_RDONLY : 0, &txn);
	if (rc != 0)
		return mledger_store_error(rc, "opening the ledger");
	for (int i = 0; i < DB_COUNT; i++) {
		unsigned dbflags = create | extra[i];

		rc = mdb_dbi_open(txn, names[i], dbflags, slots[i]);
		if (rc != 0) {
			mdb_txn_abort(txn);
			if (rc == MDB_NOTFOUND)
				return mledger_error_set(MLEDGER_EIO,
					"the ledger has no \"%s\" database: not a mineral-ledger store of version %d",
					names[i], MLEDGER_STORE_VERSION);
			return mledger_store_error(rc, "opening the ledger");
		}
	}
	rc = mdb_txn_commit(txn);
	return mledger_store_error(rc, "opening the ledger");
}

int mledger_store_open(mledger_store *s, const char *dir, unsigned flags,
		       uint64_t map_size)
{
	unsigned envflags = MDB_NOTLS;
	int rc, dead;

	_Static_assert(sizeof(size_t) == sizeof(uint64_t),
		       "entries are keyed by a size_t-wide sequence number");
	memset(s, 0, sizeof(*s));
	s->read_only = (flags & MLEDGER_STORE_RDONLY) != 0;
	if (s->read_only)
		envflags |= MDB_RDONLY;
	if (flags & MLEDGER_STORE_NOSYNC)
		envflags |= MDB_NOSYNC | MDB_NOMETASYNC;
	if ((rc = mdb_env_create(&s->env)) != 0)
		return mledger_store_error(rc, "creating the storage environment");
	if ((rc = mdb_env_set_maxdbs(s->env, 16)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, 256)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, map_size ? map_size
						       : MLEDGER_MAP_SIZE_DEFAULT)) != 0)
		goto fail;
	if ((rc = mdb_env_open(s->env, dir, envflags, 0644)) != 0) {
		int error = rc == ENOENT
			? mledger_error_set(MLEDGER_ENOTFOUND, "no ledger at %s", dir)
			: rc == EACCES
			? mledger_error_set(MLEDGER_EIO,
				"cannot open the ledger at %s: permission denied", dir)
			: mledger_store_error(rc, dir);

		mdb_env_close(s->env);
		s->env = NULL;
		return error;
	}
	/* Slots of readers that died (a killed process) would pin old pages. */
	if (!s->read_only)
		mdb_reader_check(s->env, &dead);
	if ((rc = open_dbs(s, flags)) < 0) {
		mdb_env_close(s->env);
		s->env = NULL;
		return rc;
	}
	return 0;
fail:
	mdb_env_close(s->env);
	s->env = NULL;
	return mledger_store_error(rc, "configuring the storage environment");
}

void mledger_store_close(mledger_store *s)
{
	if (s == NULL || s->env == NULL)
		return;
	mdb_env_close(s->env);
	s->env = NULL;
}

int mledger_store_begin(mledger_store *s, bool write, MDB_txn **out)
{
	int rc;

	rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, out);
	if (rc == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt its size and retry. */
		if ((rc = mdb_env_set_mapsize(s->env, 0)) == 0)
			rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY,
					   out);
	}
	return mledger_store_error(rc, write ? "starting a write transaction"
					     : "starting a read transaction");
}

int mledger_store_grow(mledger_store *s)
{
	MDB_envinfo info;
	int rc;

	if ((rc = mdb_env_info(s->env, &info)) != 0)
		return mledger_store_error(rc, "reading the map size");
	if (info.me_mapsize > SIZE_MAX / 2)
		return mledger_error_set(MLEDGER_EIO, "storage map cannot grow further");
	rc = mdb_env_set_mapsize(s->env, info.me_mapsize * 2);
	return mledger_store_error(rc, "growing the storage map");
}
