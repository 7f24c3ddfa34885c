/*
 * Lot queries of the public API: one lot, its history, and a filtered walk
 * over all lots, each in one read transaction.
 */
#include "ledger_int.h"
#include "state.h"

#include <stdlib.h>
#include <string.h>

static int begin(mledger_state *st, mledger_ledger *l)
{
	st->db = &l->store.db;
	return mledger_store_begin(&l->store, false, &st->txn);
}

int mledger_lot_get(mledger_lot **out, mledger_ledger *l, const char *id)
{
	mledger_lot_state *ls = NULL;
	mledger_state st;
	int error;

	*out = NULL;
	if (strlen(id) > MLEDGER_ID_MAX || id[0] == '\0')
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"no lot %.64s in the ledger", id);
	if ((error = begin(&st, l)) < 0)
		return error;
	error = mledger_state_lot_get(&ls, &st, id);
	mdb_txn_abort(st.txn);
	if (error == MLEDGER_ENOTFOUND)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"no lot %s in the ledger", id);
	if (error < 0)
		return error;
	*out = &ls->pub;
	return 0;
}

void mledger_lot_free(mledger_lot *lot)
{
	mledger_lot_state_free((mledger_lot_state *)lot);
}

int mledger_lot_history(uint64_t **seqs, size_t *n, mledger_ledger *l,
			const char *id)
{
	MDB_cursor *cur = NULL;
	MDB_val k = {strlen(id), (void *)id}, v;
	mledger_state st;
	uint64_t *out = NULL;
	size_t count = 0, cap = 0;
	int error, rc;

	*seqs = NULL;
	*n = 0;
	if (id[0] == '\0' || strlen(id) > MLEDGER_ID_MAX)
		return mledger_error_set(MLEDGER_ENOTFOUND,
					 "no lot %.64s in the ledger", id);
	if ((error = begin(&st, l)) < 0)
		return error;
	if ((rc = mdb_cursor_open(st.txn, st.db->lot_events, &cur)) != 0) {
		error = mledger_store_error(rc, "reading lot history");
		goto done;
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	if (rc == MDB_NOTFOUND) {
		error = mledger_error_set(MLEDGER_ENOTFOUND,
					  "no lot %.128s in the ledger", id);
		goto done;
	}
	while (rc == 0) {
		if (v.mv_size != 8) {
			error = mledger_error_set(MLEDGER_EIO,
				"stored lot history is damaged; run mledger verify");
			goto done;
		}
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			uint64_t *grown = realloc(out, ncap * sizeof(*out));

			if (grown == NULL) {
				error = MLEDGER_NOMEM();
				goto done;
			}
			out = grown;
			cap = ncap;
		}
		out[count++] = mledger_be64_get(v.mv_data);
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
	}
	if (rc != MDB_NOTFOUND)
		error = mledger_store_error(rc, "reading lot history");
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	mdb_txn_abort(st.txn);
	if (error < 0) {
		free(out);
		return error;
	}
	*seqs = out;
	*n = count;
	return 0;
}

int mledger_lot_list(mledger_ledger *l, const char *custodian,
		     mledger_lot_status status, mledger_lot_fn fn, void *ctx)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	mledger_state st;
	int error, rc;

	if ((error = begin(&st, l)) < 0)
		return error;
	if ((rc = mdb_cursor_open(st.txn, st.db->lots, &cur)) != 0) {
		mdb_txn_abort(st.txn);
		return mledger_store_error(rc, "listing lots");
	}
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		mledger_lot_state *ls = NULL;

		if ((error = mledger_lot_state_decode(&ls, k.mv_data, k.mv_size,
						      v.mv_data, v.mv_size)) < 0)
			break;
		if ((custodian == NULL ||
		     strcmp(ls->pub.custodian, custodian) == 0) &&
		    (status == 0 || ls->pub.status == status))
			error = fn(ctx, &ls->pub);
		mledger_lot_state_free(ls);
		if (error != 0)
			break;
	}
	if (error == 0 && rc != MDB_NOTFOUND)
		error = mledger_store_error(rc, "listing lots");
	mdb_cursor_close(cur);
	mdb_txn_abort(st.txn);
	return error;
}
