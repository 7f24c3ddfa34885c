/*
 * Checkpoints of a ledger: the root of its Merkle tree at its current size,
 * in a C2SP signed note by the operator under the ledger's origin. Each one
 * made is kept in the checkpoints database, so the operator can show which
 * roots it has committed to.
 */
#include "mledger/note.h"
#include "mledger/proof.h"
#include "mledger/tiles.h"

#include "ledger_int.h"
#include "state.h"
#include "tree.h"

#include <stdlib.h>
#include <string.h>

/* An active Ed25519 key of the operator: the given one, or the first. */
static int operator_key(mledger_pubkey *out, mledger_ledger *l,
			const uint8_t *kid)
{
	mledger_actor_key *keys = NULL;
	size_t n = 0;
	int error;

	if ((error = mledger_actor_keys(&keys, &n, l, l->operator_id)) < 0)
		return error;
	error = mledger_error_set(MLEDGER_EKEY, kid
		? "that key is not an active key of the operator %s"
		: "the operator %s has no active Ed25519 key", l->operator_id);
	for (size_t i = 0; i < n; i++) {
		if (keys[i].retired || keys[i].pub.alg != MLEDGER_ALG_ED25519 ||
		    (kid && memcmp(keys[i].kid, kid, MLEDGER_KID_BYTES) != 0))
			continue;
		*out = keys[i].pub;
		error = 0;
		break;
	}
	free(keys);
	return error;
}

int mledger_ledger_vkey(char **out, mledger_ledger *l)
{
	mledger_pubkey pk;
	mledger_key *key = NULL;
	int error;

	*out = NULL;
	if ((error = operator_key(&pk, l, NULL)) < 0 ||
	    (error = mledger_key_from_public(&key, pk.alg, pk.pub, pk.len)) < 0)
		return error;
	error = mledger_note_vkey(out, l->origin, key);
	mledger_key_free(key);
	return error;
}

int mledger_checkpoint_make(char **note, mledger_ledger *l,
			    const mledger_key *key)
{
	uint8_t kid[MLEDGER_KID_BYTES], root[MLEDGER_HASH_BYTES], be[8];
	uint8_t head[MLEDGER_HASH_BYTES];
	mledger_pubkey pk;
	mledger_state st = {NULL, &l->store.db};
	char *text = NULL;
	uint64_t size;
	MDB_val k, v;
	int error, rc;

	*note = NULL;
	if (!mledger_key_has_private(key))
		return mledger_error_set(MLEDGER_EINVAL,
			"a checkpoint is signed with the operator's private key");
	if ((error = mledger_key_id(kid, key)) < 0 ||
	    (error = operator_key(&pk, l, kid)) < 0)
		return error;
	/* One write transaction: the size, the root and the record agree. */
	while ((error = mledger_store_begin(&l->store, true, &st.txn)) == 0) {
		if ((error = mledger_store_head(&size, head, &l->store,
						st.txn)) < 0 ||
		    (error = mledger_tree_root_at(root, &st, size)) < 0 ||
		    (error = mledger_checkpoint_text(&text, l->origin, size,
						     root)) < 0 ||
		    (error = mledger_note_sign(note, text, l->origin, key)) < 0)
			break;
		mledger_be64_put(be, size);
		k.mv_size = sizeof(be);
		k.mv_data = be;
		v.mv_size = strlen(*note);
		v.mv_data = *note;
		rc = mdb_put(st.txn, l->store.db.checkpoints, &k, &v, 0);
		if (rc == 0)
			rc = mdb_txn_commit(st.txn);
		else
			mdb_txn_abort(st.txn);
		st.txn = NULL;
		error = mledger_store_error(rc, "storing the checkpoint");
		if (error != MLEDGER_EMAPFULL ||
		    (error = mledger_store_grow(&l->store)) < 0)
			break;
		free(text);
		free(*note);
		text = *note = NULL;
	}
	if (st.txn != NULL)
		mdb_txn_abort(st.txn);
	free(text);
	if (error < 0) {
		free(*note);
		*note = NULL;
	}
	return error;
}

/*
 * The newest stored checkpoint as of st's transaction (*note malloc'd, *size
 * its tree size); MLEDGER_ENOTFOUND if none was ever made. The checkpoints
 * database is keyed by big-endian size: the last is newest.
 */
static int latest_in(char **note, uint64_t *size, const mledger_state *st)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(st->txn, st->db->checkpoints, &cur)) != 0)
		return mledger_store_error(rc, "reading checkpoints");
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"no checkpoint has been made; run mledger checkpoint --key OPERATOR_KEY");
	if (rc != 0)
		return mledger_store_error(rc, "reading checkpoints");
	if (k.mv_size != 8 || v.mv_size > MLEDGER_NOTE_MAX)
		return mledger_error_set(MLEDGER_EIO,
					 "a stored checkpoint is malformed");
	if ((*note = malloc(v.mv_size + 1)) == NULL)
		return MLEDGER_NOMEM();
	memcpy(*note, v.mv_data, v.mv_size);
	(*note)[v.mv_size] = '\0';
	*size = mledger_be64_get(k.mv_data);
	return 0;
}

typedef struct latest_query {
	char **note;
	uint64_t *size;
} latest_query;

static int do_latest(const mledger_state *st, void *ctx)
{
	latest_query *q = ctx;

	return latest_in(q->note, q->size, st);
}

int mledger_checkpoint_latest(char **note, uint64_t *size, mledger_ledger *l)
{
	latest_query q = {note, size};
	int error;

	*note = NULL;
	*size = 0;
	if ((error = mledger_with_state(l, do_latest, &q)) < 0) {
		free(*note);
		*note = NULL;
	}
	return error;
}

/* How many times a checkpoint is made while the ledger keeps growing. */
#define COVER_ATTEMPTS 3

typedef struct cover_query {
	mledger_ledger *l;
	char **note;
	uint64_t *size;           /* of the newest checkpoint (0: none) */
	uint64_t have;            /* entries in the ledger */
} cover_query;

static int do_cover(const mledger_state *st, void *ctx)
{
	cover_query *q = ctx;
	uint8_t head[MLEDGER_HASH_BYTES];
	int error;

	if ((error = mledger_store_head(&q->have, head, &q->l->store,
					st->txn)) < 0)
		return error;
	error = latest_in(q->note, q->size, st);
	if (error == MLEDGER_ENOTFOUND) {
		mledger_error_clear();
		return 0;
	}
	return error;
}

int mledger_checkpoint_covering(char **note, uint64_t *size,
				mledger_ledger *l, const mledger_key *key)
{
	cover_query q = {l, note, size, 0};
	int error;

	for (int attempt = 0;; attempt++) {
		*note = NULL;
		*size = 0;
		if ((error = mledger_with_state(l, do_cover, &q)) < 0)
			break;
		if (*note != NULL && *size == q.have)
			return 0;
		free(*note);
		*note = NULL;
		if (key == NULL && *size == 0)
			return mledger_error_set(MLEDGER_ENOTFOUND,
				"no checkpoint has been made: run mledger checkpoint --key OPERATOR_KEY, or give the operator key");
		if (key == NULL)
			return mledger_error_set(MLEDGER_ENOTFOUND,
				"the newest checkpoint covers %llu of the ledger's %llu entries: run mledger checkpoint --key OPERATOR_KEY, or give the operator key",
				(unsigned long long)*size,
				(unsigned long long)q.have);
		if (attempt == COVER_ATTEMPTS)
			return mledger_error_set(MLEDGER_EBUSY,
				"the ledger grew under each of %d checkpoints made of it; try again",
				COVER_ATTEMPTS);
		if ((error = mledger_checkpoint_make(note, l, key)) < 0)
			break;
		free(*note);
		*note = NULL;
	}
	free(*note);
	*note = NULL;
	return error;
}
