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
 * Work to start once a batch has passed every check but before its commit,
 * which waits on the disk: the next batch's key resolution and signature
 * checks (mledger_submit_each). Called with the state the commit will
 * make durable, again if a retry of the write phase gets there again.
 */
typedef struct before_commit {
	void (*fn)(void *ctx, const mledger_state *st);
	void *ctx;
} before_commit;

/*
 * One attempt at the write phase; MLEDGER_EMAPFULL asks for a retry. A
 * whole batch (not partial) is checked while job still checks signatures;
 * the commit waits for the job and happens only if every signature held.
 */
static int write_batch(mledger_submit_result *r, mledger_ledger *l,
		       mledger_item *items, size_t n, uint64_t now,
		       bool partial, mledger_sigjob *job,
		       const before_commit *hook)
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
	if (hook != NULL && hook->fn != NULL)
		hook->fn(hook->ctx, &st);
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

/* A batch on its way in: decoded, its keys resolved, its signatures
 * being checked in the background. */
typedef struct inbound {
	mledger_item *items;
	size_t n;
	mledger_job decode;       /* background decoding, when pipelined */
	mledger_sigjob job;       /* zeroed until started */
} inbound;

static int inbound_init(inbound *b, const uint8_t *const *events,
			const size_t *lens, size_t n)
{
	memset(b, 0, sizeof(*b));
	if ((b->items = calloc(n, sizeof(*b->items))) == NULL)
		return MLEDGER_NOMEM();
	b->n = n;
	for (size_t i = 0; i < n; i++) {
		b->items[i].data = events[i];
		b->items[i].len = lens[i];
	}
	return 0;
}

/* Whatever happened, no thread may still read the items. */
static void inbound_free(inbound *b)
{
	mledger_job_finish(&b->decode, 0);
	mledger_sigjob_finish(&b->job, 0);
	mledger_batch_free(b->items, b->n);
	memset(b, 0, sizeof(*b));
}

/*
 * Resolve b's keys against st (or a fresh read snapshot if st is NULL),
 * then check its signatures: all of them now for a partial batch, in the
 * background on `threads` threads for a whole one.
 */
static int inbound_check(inbound *b, mledger_ledger *l, const mledger_state *st,
			 bool partial, unsigned threads)
{
	mledger_state snap;
	int error;

	if (st == NULL) {
		if ((error = mledger_store_begin(&l->store, false,
						 &snap.txn)) < 0)
			return error;
		snap.db = &l->store.db;
		error = mledger_batch_resolve(b->items, b->n, l->keys, &snap);
		mdb_txn_abort(snap.txn);
	} else {
		error = mledger_batch_resolve(b->items, b->n, l->keys, st);
	}
	if (error < 0)
		return error;
	if (partial)
		mledger_batch_verify(b->items, b->n, threads);
	else
		mledger_sigjob_start(&b->job, b->items, b->n, threads);
	return 0;
}

/* The write phase of b, the map grown as often as it fills. */
static int inbound_write(mledger_submit_result *r, mledger_ledger *l,
			 inbound *b, const mledger_submit_opts *opts,
			 const before_commit *hook)
{
	uint64_t now = opts->time ? opts->time : (uint64_t)time(NULL);
	int error;

	while ((error = write_batch(r, l, b->items, b->n, now, opts->partial,
				    &b->job, hook)) == MLEDGER_EMAPFULL) {
		if ((error = mledger_store_grow(&l->store)) < 0)
			break;
	}
	if (error < 0)
		r->appended = 0;
	return error;
}

static int result_init(mledger_submit_result *r, size_t n)
{
	memset(r, 0, sizeof(*r));
	if ((r->rejected = calloc(n, sizeof(*r->rejected))) == NULL)
		return MLEDGER_NOMEM();
	return 0;
}

int mledger_submit(mledger_submit_result *result, mledger_ledger *l,
		   const uint8_t *const *events, const size_t *lens, size_t n,
		   const mledger_submit_opts *opts)
{
	mledger_submit_opts defaults = MLEDGER_SUBMIT_OPTS_INIT;
	inbound b;
	int error;

	memset(result, 0, sizeof(*result));
	memset(&b, 0, sizeof(b));
	if (opts == NULL)
		opts = &defaults;
	if (n == 0)
		return mledger_error_set(MLEDGER_EINVAL, "no events to submit");
	if (l->store.read_only)
		return mledger_error_set(MLEDGER_EINVAL,
					 "the ledger is open read-only");
	if ((error = result_init(result, n)) < 0 ||
	    (error = inbound_init(&b, events, lens, n)) < 0)
		goto done;
	mledger_batch_decode(b.items, n, opts->threads);
	/*
	 * Keys are resolved against a snapshot (the write phase re-checks). A
	 * whole batch checks signatures beside the rules, from before the
	 * write lock is taken, so concurrent submitters still overlap.
	 */
	if ((error = inbound_check(&b, l, NULL, opts->partial,
				   opts->threads)) < 0)
		goto done;
	error = inbound_write(result, l, &b, opts, NULL);
done:
	inbound_free(&b);
	if (error < 0)
		result->appended = 0;
	return error;
}

/* What the hook of one batch's commit needs to start the next batch. */
typedef struct next_batch {
	inbound *b;
	mledger_ledger *l;
	unsigned threads;
	bool started;             /* its signature checks are running */
	int error;                /* of starting them */
} next_batch;

static void start_next(void *ctx, const mledger_state *st)
{
	next_batch *nb = ctx;

	/* A commit that filled the map reruns the write phase: once only. */
	if (nb->started)
		return;
	mledger_job_finish(&nb->b->decode, nb->b->n);
	nb->error = inbound_check(nb->b, nb->l, st, false, nb->threads);
	nb->started = true;
}

/* A fault that ends the whole run rather than one batch. */
static bool stops_all(int error)
{
	return error == MLEDGER_ENOMEM || error == MLEDGER_EIO ||
	       error == MLEDGER_EMAPFULL || error == MLEDGER_EINVAL ||
	       error == MLEDGER_ECRYPTO || error == MLEDGER_EBUSY;
}

/*
 * Batch k+1 is decoded while batch k runs its rules, and its signatures
 * are checked while batch k's commit waits on the disk: the threads are
 * one more than the cores then, so that the disk wait leaves no core idle.
 */
int mledger_submit_each(mledger_submit_result *results, mledger_ledger *l,
			const mledger_batch_in *batches, size_t nbatches,
			const mledger_submit_opts *opts,
			mledger_batch_done_fn *done, void *done_ctx)
{
	mledger_submit_opts defaults = MLEDGER_SUBMIT_OPTS_INIT;
	inbound in[2];
	unsigned threads;
	int first = 0, error = 0;
	size_t k;

	memset(in, 0, sizeof(in));
	for (k = 0; k < nbatches; k++)
		memset(&results[k], 0, sizeof(results[k]));
	if (opts == NULL)
		opts = &defaults;
	if (opts->partial) {
		for (k = 0; k < nbatches; k++) {
			error = mledger_submit(&results[k], l, batches[k].events,
					       batches[k].lens, batches[k].n,
					       opts);
			if (error < 0 && stops_all(error))
				return error;
			if (done != NULL)
				done(done_ctx, k, &results[k]);
			if (error < 0 && first == 0)
				first = error;
		}
		return first;
	}
	for (k = 0; k < nbatches; k++)
		if (batches[k].n == 0)
			return mledger_error_set(MLEDGER_EINVAL,
				"batch %zu of %zu has no events", k + 1,
				nbatches);
	if (l->store.read_only)
		return mledger_error_set(MLEDGER_EINVAL,
					 "the ledger is open read-only");
	threads = (opts->threads ? opts->threads : mledger_cores()) + 1;
	if (threads > MLEDGER_THREADS_MAX)
		threads = MLEDGER_THREADS_MAX;
	if (nbatches == 0)
		return 0;
	if ((error = inbound_init(&in[0], batches[0].events, batches[0].lens,
				  batches[0].n)) < 0)
		goto done;
	mledger_batch_decode(in[0].items, in[0].n, opts->threads);
	if ((error = inbound_check(&in[0], l, NULL, false, threads)) < 0)
		goto done;
	for (k = 0; k < nbatches; k++) {
		inbound *cur = &in[k % 2], *nxt = &in[(k + 1) % 2];
		next_batch nb = {nxt, l, threads, false, 0};
		before_commit hook = {start_next, &nb};
		int rc;

		if ((error = result_init(&results[k], batches[k].n)) < 0)
			goto done;
		if (k + 1 < nbatches) {
			if ((error = inbound_init(nxt, batches[k + 1].events,
						  batches[k + 1].lens,
						  batches[k + 1].n)) < 0)
				goto done;
			mledger_batch_decode_start(&nxt->decode, nxt->items,
						   nxt->n, opts->threads);
		}
		rc = inbound_write(&results[k], l, cur, opts,
				   k + 1 < nbatches ? &hook : NULL);
		inbound_free(cur);
		if (rc < 0 && stops_all(rc)) {
			error = rc;
			goto done;
		}
		if (rc < 0 && first == 0)
			first = rc;
		if (done != NULL)
			done(done_ctx, k, &results[k]);
		if (k + 1 == nbatches)
			break;
		/* Batch k was refused: its hook never ran. */
		if (!nb.started)
			start_next(&nb, NULL);
		if ((error = nb.error) < 0)
			goto done;
	}
	error = first;
done:
	inbound_free(&in[0]);
	inbound_free(&in[1]);
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
