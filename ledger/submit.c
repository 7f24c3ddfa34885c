/*
 * Append: a batch of signed events becomes entries in one durable write
 * transaction. Decoding and signature checks run in parallel before the write
 * lock is taken, so two processes submitting at once overlap their expensive
 * work and serialise only the short rules-and-write phase. If the map fills,
 * the transaction is dropped, the map doubled and the write phase rerun: the
 * caller sees either every accepted entry durable or nothing.
 */
#include "batch.h"
#include "codec.h"
#include "ledger_int.h"
#include "rules.h"
#include "tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int mledger_store_head(uint64_t *size, uint8_t hash[MLEDGER_HASH_BYTES],
		       const mledger_store *s, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, s->db.entries, &cur)) != 0)
		return mledger_store_error(rc, "reading the ledger head");
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		*size = 0;
		memset(hash, 0, MLEDGER_HASH_BYTES);
		return 0;
	}
	if (rc != 0)
		return mledger_store_error(rc, "reading the ledger head");
	if (k.mv_size != sizeof(uint64_t))
		return mledger_error_set(MLEDGER_EIO, "ledger entry key is damaged");
	memcpy(size, k.mv_data, sizeof(*size));
	(*size)++;
	mledger_sha256(hash, v.mv_data, v.mv_size);
	return 0;
}

static void reject(mledger_submit_result *r, size_t index, int code,
		   const char *message)
{
	mledger_rejection *x = &r->rejected[r->nrejected++];

	x->index = index;
	x->code = code;
	snprintf(x->message, sizeof(x->message), "%s", message);
}

/*
 * Rules and entry for one item; nothing written on failure. With `overlap`,
 * an async item's signature is being checked in the background and is
 * looked at before the commit, not here.
 */
static int append_one(const mledger_state *st, mledger_ledger *l,
		      mledger_item *it, uint64_t seq, uint64_t now,
		      uint8_t prev[MLEDGER_HASH_BYTES], bool overlap)
{
	uint8_t *entry;
	size_t entry_len;
	uint64_t key = seq;
	MDB_val k, v;
	int error;

	if (!(overlap && it->async) &&
	    (error = mledger_item_ensure_signed(it, l->keys, st)) < 0)
		return error;
	if ((error = mledger_rules_apply(st, seq, it->ev, it->sev.kid)) < 0 ||
	    (error = mledger_entry_encode(&entry, &entry_len, seq, now, prev,
					  it->data, it->len)) < 0)
		return error;
	k = mledger_seq_key(&key);
	v.mv_size = entry_len;
	v.mv_data = entry;
	error = mledger_store_error(mdb_put(st->txn, l->store.db.entries, &k, &v,
					    MDB_APPEND),
				    "appending an entry");
	if (error == 0)
		error = mledger_tree_append(st, seq, entry, entry_len);
	if (error == 0)
		mledger_sha256(prev, entry, entry_len);
	free(entry);
	return error;
}

/*
 * The first fault of a whole batch, in log order: item i failed with the
 * current error, unless a signature at or before it failed first. Waits
 * for the background checks of the items up to i. Returns the index of
 * the item at fault, with its error recorded.
 */
static size_t first_fault(mledger_sigjob *job, size_t i, int *error)
{
	char saved[512];
	size_t bad;
	int code = *error;

	snprintf(saved, sizeof(saved), "%s", mledger_error_last());
	bad = mledger_sigjob_finish(job, i + 1);
	if (bad <= i) {
		*error = job->items[bad].sig_error;
		mledger_error_set(*error, "%s", job->items[bad].message);
		return bad;
	}
	mledger_error_set(code, "%s", saved);
	return i;
}

/*
 * One attempt at the write phase; MLEDGER_EMAPFULL asks for a retry. A
 * whole batch (not partial) is checked while job still checks signatures;
 * the commit waits for the job and happens only if every signature held.
 */
static int write_batch(mledger_submit_result *r, mledger_ledger *l,
		       mledger_item *items, size_t n, uint64_t now,
		       bool partial, mledger_sigjob *job)
{
	uint8_t prev[MLEDGER_HASH_BYTES];
	mledger_state st;
	MDB_txn *txn;
	uint64_t size, seq;
	size_t at;
	int error;

	r->nrejected = 0;
	r->appended = 0;
	if ((error = mledger_store_begin(&l->store, true, &txn)) < 0)
		return error;
	st.txn = txn;
	st.db = &l->store.db;
	if ((error = mledger_store_head(&size, prev, &l->store, txn)) < 0)
		goto fail;
	mledger_state_cache_begin(&st);
	seq = size;
	for (size_t i = 0; i < n; i++) {
		mledger_item *it = &items[i];
		MDB_txn *child = NULL;

		error = it->error;
		if (error == 0 && partial) {
			/* A nested transaction undoes just this event. */
			int rc = mdb_txn_begin(l->store.env, txn, 0, &child);

			if ((error = mledger_store_error(rc, "starting an event")) < 0)
				goto fail;
			st.txn = child;
		}
		if (error == 0)
			error = append_one(&st, l, it, seq, now, prev, !partial);
		else
			mledger_error_set(error, "%s", it->message);
		st.txn = txn;
		if (error == MLEDGER_EMAPFULL || error == MLEDGER_ENOMEM ||
		    error == MLEDGER_EIO) {
			if (child != NULL)
				mdb_txn_abort(child);
			goto fail;
		}
		if (error < 0) {
			if (child != NULL)
				mdb_txn_abort(child);
			if (!partial) {
				at = first_fault(job, i, &error);
				goto reject;
			}
			reject(r, i, error, mledger_error_last());
			continue;
		}
		if (child != NULL && (error = mledger_store_error(
				mdb_txn_commit(child), "finishing an event")) < 0)
			goto fail;
		if (r->appended == 0)
			r->first_seq = seq;
		r->appended++;
		seq++;
	}
	if (!partial && (at = mledger_sigjob_finish(job, n)) < n) {
		error = mledger_error_set(items[at].sig_error, "%s",
					  items[at].message);
		goto reject;
	}
	mledger_state_cache_end();
	if ((error = mledger_store_error(mdb_txn_commit(txn),
					 "committing the batch")) < 0) {
		r->appended = 0;
		return error;
	}
	return 0;
reject:
	mledger_error_prefix("event %zu of %zu", at + 1, n);
	reject(r, at, error, mledger_error_last());
fail:
	mledger_state_cache_end();
	mdb_txn_abort(txn);
	r->appended = 0;
	return error;
}

int mledger_submit(mledger_submit_result *result, mledger_ledger *l,
		   const uint8_t *const *events, const size_t *lens, size_t n,
		   const mledger_submit_opts *opts)
{
	mledger_submit_opts defaults = MLEDGER_SUBMIT_OPTS_INIT;
	mledger_item *items = NULL;
	mledger_sigjob job;
	mledger_state st;
	MDB_txn *rtxn;
	uint64_t now;
	int error;

	memset(result, 0, sizeof(*result));
	memset(&job, 0, sizeof(job));
	if (opts == NULL)
		opts = &defaults;
	if (n == 0)
		return mledger_error_set(MLEDGER_EINVAL, "no events to submit");
	if (l->store.read_only)
		return mledger_error_set(MLEDGER_EINVAL,
					 "the ledger is open read-only");
	items = calloc(n, sizeof(*items));
	result->rejected = calloc(n, sizeof(*result->rejected));
	if (items == NULL || result->rejected == NULL) {
		error = MLEDGER_NOMEM();
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		items[i].data = events[i];
		items[i].len = lens[i];
	}
	mledger_batch_decode(items, n, opts->threads);

	/* Resolve keys against a snapshot; the write phase re-checks. */
	if ((error = mledger_store_begin(&l->store, false, &rtxn)) < 0)
		goto done;
	st.txn = rtxn;
	st.db = &l->store.db;
	error = mledger_batch_resolve(items, n, l->keys, &st);
	mdb_txn_abort(rtxn);
	if (error < 0)
		goto done;
	/*
	 * A partial batch needs each verdict before the next event sees the
	 * state; a whole one checks signatures beside the rules, from before
	 * the write lock is taken, so concurrent submitters still overlap.
	 */
	if (opts->partial)
		mledger_batch_verify(items, n, opts->threads);
	else
		mledger_sigjob_start(&job, items, n, opts->threads);

	now = opts->time ? opts->time : (uint64_t)time(NULL);
	while ((error = write_batch(result, l, items, n, now, opts->partial,
				    &job)) == MLEDGER_EMAPFULL) {
		if ((error = mledger_store_grow(&l->store)) < 0)
			break;
	}
done:
	/* Whatever happened, no thread may still read the items. */
	mledger_sigjob_finish(&job, 0);
	mledger_batch_free(items, n);
	if (error < 0)
		result->appended = 0;
	return error;
}

void mledger_submit_result_free(mledger_submit_result *result)
{
	if (result == NULL)
		return;
	free(result->rejected);
	result->rejected = NULL;
	result->nrejected = 0;
}
