/*
 * mledger export: the bundle of one lot (proto/bundles.md). The trace of
 * the lot is built first; then, in one read snapshot, the checkpoint that
 * covers the whole ledger is read, the set of entries is computed
 * (bundle_closure.c) and each entry is written with its inclusion proof
 * against that checkpoint. Everything in the set is older than the trace's
 * snapshot's newest lot and the checkpoint covers the snapshot, so every
 * entry has a proof. Output is canonical msgpack with the entries in seq
 * order, so the same ledger, lot and checkpoint give the same bytes.
 */
#include "mledger/bundle.h"
#include "mledger/note.h"

#include "bundle_int.h"
#include "codec.h"
#include "ledger_int.h"
#include "tree.h"

#include <stdlib.h>
#include <string.h>

#define MAKE_ATTEMPTS 3   /* checkpoints made while the ledger keeps growing */

typedef struct exporter {
	mledger_state st;
	mledger_event **evs;      /* decoded for the closure, freed at the end */
	size_t nevs, cap;
} exporter;

static int ledger_event(void *ctx, uint64_t seq, const mledger_event **out)
{
	exporter *x = ctx;
	uint64_t key = seq;
	MDB_val k = mledger_seq_key(&key), v;
	mledger_entry e;
	mledger_signed sev;
	mledger_event *ev = NULL;
	int rc;

	if ((rc = mdb_get(x->st.txn, x->st.db->entries, &k, &v)) != 0)
		return mledger_store_error(rc, "reading an entry to export");
	if (x->nevs == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 256;
		mledger_event **evs = realloc(x->evs, cap * sizeof(*evs));

		if (evs == NULL)
			return MLEDGER_NOMEM();
		x->evs = evs;
		x->cap = cap;
	}
	if (mledger_entry_parse(&e, v.mv_data, v.mv_size) < 0 ||
	    mledger_signed_parse(&sev, e.event, e.event_len) < 0 ||
	    mledger_event_decode(&ev, sev.body, sev.body_len) < 0)
		return mledger_error_prefix("entry %llu", (unsigned long long)seq);
	x->evs[x->nevs++] = ev;
	*out = ev;
	return 0;
}

/*
 * Open a read snapshot of the ledger with a stored checkpoint of exactly
 * its entries (mledger_checkpoint_covering(), which makes one with key if
 * allowed), taking another if an append came in between. On success the
 * caller owns x->st.txn and *note.
 */
static int covering_snapshot(exporter *x, char **note, uint64_t *size,
			     mledger_ledger *l, const mledger_key *key)
{
	uint8_t head[MLEDGER_HASH_BYTES];
	uint64_t have;
	int error;

	for (int attempt = 0;; attempt++) {
		if ((error = mledger_checkpoint_covering(note, size, l, key)) < 0)
			return error;
		if ((error = mledger_store_begin(&l->store, false,
						 &x->st.txn)) < 0)
			break;
		if ((error = mledger_store_head(&have, head, &l->store,
						x->st.txn)) < 0)
			break;
		if (have == *size)
			return 0;
		mdb_txn_abort(x->st.txn);
		x->st.txn = NULL;
		free(*note);
		*note = NULL;
		if (attempt == MAKE_ATTEMPTS)
			return mledger_error_set(MLEDGER_EBUSY,
				"the ledger grew under each of %d checkpoints made for the export; try again",
				MAKE_ATTEMPTS);
	}
	if (x->st.txn != NULL)
		mdb_txn_abort(x->st.txn);
	x->st.txn = NULL;
	free(*note);
	*note = NULL;
	return error;
}

static int write_bundle(uint8_t **out, size_t *out_len, exporter *x,
			const char *lot, const char *note, uint64_t size,
			const uint64_t *seqs, size_t n)
{
	mledger_writer w;
	int error = 0;

	mledger_w_init(&w);
	mledger_w_map(&w, 4);
	mledger_w_key(&w, "checkpoint");
	mledger_w_bin(&w, (const uint8_t *)note, strlen(note));
	mledger_w_key(&w, "entries");
	mledger_w_array(&w, n);
	for (size_t i = 0; i < n && error == 0; i++) {
		uint8_t (*proof)[MLEDGER_HASH_BYTES] = NULL;
		uint64_t key = seqs[i];
		MDB_val k = mledger_seq_key(&key), v;
		size_t np = 0;
		int rc;

		if ((rc = mdb_get(x->st.txn, x->st.db->entries, &k, &v)) != 0) {
			error = mledger_store_error(rc, "reading an entry to export");
			break;
		}
		if ((error = mledger_tree_inclusion(&proof, &np, &x->st, seqs[i],
						    size)) < 0)
			break;
		mledger_w_map(&w, 2);
		mledger_w_key(&w, "entry");
		mledger_w_bin(&w, v.mv_data, v.mv_size);
		mledger_w_key(&w, "proof");
		mledger_w_array(&w, np);
		for (size_t j = 0; j < np; j++)
			mledger_w_bin(&w, proof[j], MLEDGER_HASH_BYTES);
		free(proof);
		if (w.buf.len > MLEDGER_BUNDLE_MAX)
			error = mledger_error_set(MLEDGER_ETOOBIG,
				"the bundle of lot %s would be over the cap of %zu bytes",
				lot, MLEDGER_BUNDLE_MAX);
	}
	if (error < 0) {
		mledger_w_free(&w);
		return error;
	}
	mledger_w_key(&w, "lot");
	mledger_w_str(&w, lot);
	mledger_w_key(&w, "version");
	mledger_w_uint(&w, MLEDGER_BUNDLE_VERSION);
	if ((error = mledger_w_finish(out, out_len, &w)) == 0 &&
	    *out_len > MLEDGER_BUNDLE_MAX) {
		free(*out);
		*out = NULL;
		error = mledger_error_set(MLEDGER_ETOOBIG,
			"the bundle of lot %s would be over the cap of %zu bytes",
			lot, MLEDGER_BUNDLE_MAX);
	}
	return error;
}

int mledger_bundle_export(uint8_t **out, size_t *out_len, mledger_ledger *l,
			  const char *lot, const mledger_key *key)
{
	exporter x;
	mledger_trace *trace = NULL;
	uint64_t *seqs = NULL, size = 0;
	size_t n = 0;
	char *note = NULL;
	int error;

	*out = NULL;
	*out_len = 0;
	memset(&x, 0, sizeof(x));
	x.st.db = &l->store.db;
	/* First the trace: every lot in it is then older than the snapshot. */
	if ((error = mledger_trace_build(&trace, l, lot)) < 0 ||
	    (error = covering_snapshot(&x, &note, &size, l, key)) < 0)
		goto done;
	if ((error = mledger_bundle_closure(&seqs, &n, &x.st, trace,
					    ledger_event, &x)) < 0)
		goto done;
	if (n > MLEDGER_BUNDLE_ENTRIES_MAX) {
		error = mledger_error_set(MLEDGER_ETOOBIG,
			"the bundle of lot %s would hold %zu entries, over the cap of %u",
			lot, n, MLEDGER_BUNDLE_ENTRIES_MAX);
		goto done;
	}
	error = write_bundle(out, out_len, &x, lot, note, size, seqs, n);
done:
	if (x.st.txn != NULL)
		mdb_txn_abort(x.st.txn);
	for (size_t i = 0; i < x.nevs; i++)
		mledger_event_free(x.evs[i]);
	free(x.evs);
	free(seqs);
	free(note);
	mledger_trace_free(trace);
	return error;
}
