/*
 * Full verification. Nothing stored beside the entries is trusted: the
 * entries are read in chunks, each entry's encoding, sequence number and prev
 * link checked, every event decoded and its signature checked on all cores,
 * and every event replayed through the append rules into a scratch store
 * built from nothing. At the end the ledger's stored state must equal the
 * replayed state byte for byte. The entries come from a source
 * (verify_int.h): the ledger's entries database here, or static tiles
 * (tiles_verify.c), which share this engine.
 */
#include "batch.h"
#include "codec.h"
#include "ledger_int.h"
#include "parallel.h"
#include "rules.h"
#include "tree.h"
#include "verify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 4096

typedef struct vitem {
	uint64_t key;             /* seq under which it is stored */
	const uint8_t *data;      /* entry bytes, valid in the read txn */
	size_t len;
	mledger_entry entry;
	uint8_t hash[MLEDGER_HASH_BYTES];
	bool entry_ok;            /* parsed, and its seq is its key */
} vitem;

typedef struct vchunk {
	vitem *v;
	mledger_item *items;
} vchunk;

typedef struct verifier {
	mledger_ledger *l;
	mledger_store scratch;
	char scratch_dir[4096];
	unsigned threads;
	mledger_verify_result *result;
	uint64_t trusted;         /* entries below it: signatures not rechecked */
	uint8_t prev[MLEDGER_HASH_BYTES];
	uint64_t expect;          /* next seq expected */
} verifier;

/* Fail verification at entry seq with the current thread's error. */
static int bad(verifier *vf, uint64_t seq, int error)
{
	vf->result->failed = true;
	vf->result->bad_seq = seq;
	vf->result->entries = seq;   /* the entries before it all held */
	mledger_error_prefix("entry %llu", (unsigned long long)seq);
	return error;
}

static void parse_one(void *ctx, size_t i)
{
	vchunk *c = ctx;
	vitem *v = &c->v[i];
	mledger_item *it = &c->items[i];
	int error;

	mledger_sha256(v->hash, v->data, v->len);
	if ((error = mledger_entry_parse(&v->entry, v->data, v->len)) < 0) {
		mledger_item_fail(it, error);
		return;
	}
	if (v->entry.seq != v->key) {
		mledger_error_set(MLEDGER_ECHAIN,
			"stored under seq %llu but records seq %llu",
			(unsigned long long)v->key,
			(unsigned long long)v->entry.seq);
		mledger_item_fail(it, MLEDGER_ECHAIN);
		return;
	}
	v->entry_ok = true;
	it->data = v->entry.event;
	it->len = v->entry.event_len;
	mledger_item_decode(it);
}

/*
 * A fault the background signature checks kept for item it of entry v: a
 * bad signature fails verification there; running out of memory or a
 * failing crypto library is returned as it is, not blamed on the entry.
 */
static int sig_fault(verifier *vf, const vitem *v, const mledger_item *it)
{
	int error = mledger_error_set(it->sig_error, "%s", it->message);

	return it->sig_error == MLEDGER_EBADSIG ? bad(vf, v->key, error) : error;
}

/*
 * Replay one chunk into the scratch store; retried whole if its map fills.
 * The signatures are checked in the background while the rules replay,
 * and the first fault in log order, either kind, is the one reported.
 */
static int replay(verifier *vf, vitem *v, mledger_item *items, size_t n)
{
	mledger_sigjob job;
	mledger_state st;
	MDB_txn *txn;
	size_t at;
	int error;

	if ((error = mledger_store_begin(&vf->scratch, true, &txn)) < 0)
		return error;
	st.txn = txn;
	st.db = &vf->scratch.db;
	mledger_state_cache_begin(&st);
	if ((error = mledger_batch_resolve(items, n, vf->l->keys, &st)) < 0) {
		mledger_state_cache_end();
		mdb_txn_abort(txn);
		return error;
	}
	/* Entries under a verified checkpoint were checked before. */
	for (size_t i = 0; i < n && v[i].key < vf->trusted; i++)
		items[i].sig_checked = items[i].error == 0 && items[i].key != NULL;
	mledger_sigjob_start(&job, items, n, vf->threads);
	for (size_t i = 0; i < n; i++) {
		mledger_item *it = &items[i];
		char saved[512];

		if ((it->async ||
		     (error = mledger_item_ensure_signed(it, vf->l->keys, &st)) == 0) &&
		    (error = mledger_rules_apply(&st, v[i].key, it->ev,
						 it->sev.kid)) == 0 &&
		    (error = mledger_tree_append(&st, v[i].key, v[i].data,
						 v[i].len)) == 0)
			continue;
		mledger_state_cache_end();
		mdb_txn_abort(txn);
		if (error == MLEDGER_EMAPFULL || error == MLEDGER_ENOMEM) {
			mledger_sigjob_finish(&job, 0);
			return error;
		}
		/* A bad signature at or before i is the earlier fault. */
		snprintf(saved, sizeof(saved), "%s", mledger_error_last());
		if ((at = mledger_sigjob_finish(&job, i + 1)) <= i)
			return sig_fault(vf, &v[at], &items[at]);
		mledger_error_set(error, "%s", saved);
		return bad(vf, v[i].key, error);
	}
	mledger_state_cache_end();
	if ((at = mledger_sigjob_finish(&job, n)) < n) {
		mdb_txn_abort(txn);
		return sig_fault(vf, &v[at], &items[at]);
	}
	return mledger_store_error(mdb_txn_commit(txn), "verify scratch store");
}

static int check_chunk(verifier *vf, vitem *v, size_t n)
{
	mledger_item *items = calloc(n, sizeof(*items));
	vchunk c = {v, items};
	size_t first_bad;
	bool chain_broken = false;
	int error;

	if (items == NULL)
		return MLEDGER_NOMEM();
	mledger_parallel_for(n, vf->threads, parse_one, &c);
	/*
	 * The chain first, in order, up to the first entry that is damaged or
	 * does not decode; then the replay of the entries before it, whose
	 * faults (if any) come earlier in the log and so are reported first.
	 */
	for (first_bad = 0; first_bad < n; first_bad++) {
		if (!v[first_bad].entry_ok || items[first_bad].error)
			break;
		if (memcmp(v[first_bad].entry.prev, vf->prev,
			   MLEDGER_HASH_BYTES) != 0) {
			chain_broken = true;
			break;
		}
		memcpy(vf->prev, v[first_bad].hash, MLEDGER_HASH_BYTES);
	}
	while ((error = replay(vf, v, items, first_bad)) == MLEDGER_EMAPFULL) {
		if ((error = mledger_store_grow(&vf->scratch)) < 0)
			break;
	}
	if (error < 0 || first_bad == n)
		goto done;
	if (chain_broken)
		error = mledger_error_set(MLEDGER_ECHAIN,
			"prev does not match the hash of entry %llu",
			(unsigned long long)(v[first_bad].key - 1));
	else
		error = mledger_error_set(items[first_bad].error, "%s",
					  items[first_bad].message);
	error = bad(vf, v[first_bad].key, error);
done:
	mledger_batch_free(items, n);
	return error;
}

/* Compare one state database of the ledger with the replayed one. */
static int compare_db(MDB_txn *a, MDB_dbi da, MDB_txn *b, MDB_dbi db,
		      const char *name)
{
	MDB_cursor *ca, *cb;
	MDB_val ka, va, kb, vb;
	int ra, rb, error = 0;

	if (mdb_cursor_open(a, da, &ca) != 0)
		return mledger_error_set(MLEDGER_EIO, "cannot read %s", name);
	if (mdb_cursor_open(b, db, &cb) != 0) {
		mdb_cursor_close(ca);
		return mledger_error_set(MLEDGER_EIO, "cannot read %s", name);
	}
	ra = mdb_cursor_get(ca, &ka, &va, MDB_FIRST);
	rb = mdb_cursor_get(cb, &kb, &vb, MDB_FIRST);
	while (ra == 0 || rb == 0) {
		const MDB_val *k = ra == 0 ? &ka : &kb;
		char shown[80];
		size_t m = k->mv_size < 32 ? k->mv_size : 32;
		bool printable = true;

		if (ra == 0 && rb == 0 && ka.mv_size == kb.mv_size &&
		    memcmp(ka.mv_data, kb.mv_data, ka.mv_size) == 0 &&
		    va.mv_size == vb.mv_size &&
		    memcmp(va.mv_data, vb.mv_data, va.mv_size) == 0) {
			ra = mdb_cursor_get(ca, &ka, &va, MDB_NEXT);
			rb = mdb_cursor_get(cb, &kb, &vb, MDB_NEXT);
			continue;
		}
		for (size_t i = 0; i < m; i++) {
			unsigned char ch = ((const unsigned char *)k->mv_data)[i];

			printable = printable && ch > 0x20 && ch < 0x7f;
		}
		if (printable)
			snprintf(shown, sizeof(shown), "%.*s", (int)m,
				 (const char *)k->mv_data);
		else
			mledger_hex(shown, k->mv_data, m);
		error = mledger_error_set(MLEDGER_ESTATE,
			"stored %s differ from the replay of the entries, first at %s",
			name, shown);
		break;
	}
	mdb_cursor_close(ca);
	mdb_cursor_close(cb);
	return error;
}

static int compare_state(verifier *vf, MDB_txn *ltxn)
{
	MDB_txn *stxn;
	const mledger_dbs *a = &vf->l->store.db, *b = &vf->scratch.db;
	int error;

	if ((error = mledger_store_begin(&vf->scratch, false, &stxn)) < 0)
		return error;
	if ((error = compare_db(ltxn, a->actors, stxn, b->actors, "actors")) == 0 &&
	    (error = compare_db(ltxn, a->actor_seqs, stxn, b->actor_seqs,
				"actor sequence numbers")) == 0 &&
	    (error = compare_db(ltxn, a->keys, stxn, b->keys, "keys")) == 0 &&
	    (error = compare_db(ltxn, a->lots, stxn, b->lots, "lots")) == 0 &&
	    (error = compare_db(ltxn, a->lot_events, stxn, b->lot_events,
				"lot histories")) == 0 &&
	    (error = compare_db(ltxn, a->subjects, stxn, b->subjects,
				"actor histories")) == 0)
		error = compare_db(ltxn, a->hashes, stxn, b->hashes,
				   "Merkle tree hashes");
	mdb_txn_abort(stxn);
	if (error < 0)
		vf->result->failed = true;
	return error;
}

/* The replayed entries below the checkpoint hash to its root. */
static int check_trusted(verifier *vf, const mledger_verify_opts *opts,
			 uint64_t total)
{
	uint8_t root[MLEDGER_HASH_BYTES];
	mledger_state st = {NULL, &vf->scratch.db};
	int error;

	vf->result->failed = true;
	if (opts->trusted_size > total)
		return mledger_error_set(MLEDGER_ECHAIN,
			"the checkpoint covers %llu entries but the ledger has %llu: it was truncated",
			(unsigned long long)opts->trusted_size,
			(unsigned long long)total);
	if ((error = mledger_store_begin(&vf->scratch, false, &st.txn)) < 0)
		return error;
	error = mledger_tree_hash(root, &st, opts->trusted_size);
	mdb_txn_abort(st.txn);
	if (error < 0)
		return error;
	if (memcmp(root, opts->trusted_root, MLEDGER_HASH_BYTES) != 0)
		return mledger_error_set(MLEDGER_ECHAIN,
			"the first %llu entries do not hash to the checkpoint's root: history was rewritten",
			(unsigned long long)opts->trusted_size);
	vf->result->failed = false;
	return 0;
}

static int open_scratch(verifier *vf, uint64_t map_size)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	n = snprintf(vf->scratch_dir, sizeof(vf->scratch_dir),
		     "%s/mledger-verify-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(vf->scratch_dir))
		return mledger_error_set(MLEDGER_EIO, "TMPDIR path too long");
	if (mkdtemp(vf->scratch_dir) == NULL) {
		vf->scratch_dir[0] = '\0';
		return mledger_error_set(MLEDGER_EIO,
			"cannot make a scratch directory for verify in %s",
			tmp && *tmp ? tmp : "/tmp");
	}
	return mledger_store_open(&vf->scratch, vf->scratch_dir,
				  MLEDGER_STORE_CREATE | MLEDGER_STORE_NOSYNC,
				  map_size);
}

static void remove_scratch(verifier *vf)
{
	char path[4096 + 16];

	mledger_store_close(&vf->scratch);
	if (vf->scratch_dir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/data.mdb", vf->scratch_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", vf->scratch_dir);
	unlink(path);
	rmdir(vf->scratch_dir);
}

int mledger_verify_run(mledger_verify_result *result, mledger_vsource *src,
		       const mledger_verify_opts *opts)
{
	verifier vf;
	vitem *v = NULL;
	mledger_ventry *e = NULL;
	int error;

	memset(result, 0, sizeof(*result));
	memset(&vf, 0, sizeof(vf));
	vf.l = src->keys;
	vf.result = result;
	vf.threads = opts->threads;
	vf.trusted = opts->trusted_size;
	if ((error = open_scratch(&vf, src->map_size)) < 0)
		goto done;
	if ((v = calloc(CHUNK, sizeof(*v))) == NULL ||
	    (e = calloc(CHUNK, sizeof(*e))) == NULL) {
		error = MLEDGER_NOMEM();
		goto done;
	}
	for (;;) {
		size_t n = 0;

		if ((error = src->next(src->ctx, e, CHUNK, &n, result)) < 0)
			goto done;
		if (n == 0)
			break;
		memset(v, 0, n * sizeof(*v));
		for (size_t i = 0; i < n; i++) {
			if (e[i].key != vf.expect) {
				result->failed = true;
				result->bad_seq = vf.expect;
				result->entries = vf.expect;
				error = mledger_error_set(MLEDGER_ECHAIN,
					"entry %llu is missing (the next stored entry is %llu)",
					(unsigned long long)vf.expect,
					(unsigned long long)e[i].key);
				goto done;
			}
			v[i].key = e[i].key;
			v[i].data = e[i].data;
			v[i].len = e[i].len;
			vf.expect++;
		}
		if ((error = check_chunk(&vf, v, n)) < 0)
			goto done;
		result->entries += n;
		if (opts->progress)
			opts->progress(opts->progress_ctx, result->entries,
				       src->total);
	}
	if (result->entries == 0) {
		result->failed = true;
		error = mledger_error_set(MLEDGER_ECHAIN,
					  "the ledger has no genesis entry");
		goto done;
	}
	error = src->finish(src->ctx, &vf.scratch, result);
done:
	remove_scratch(&vf);
	free(e);
	free(v);
	return error;
}

/* ---- the ledger as the source ------------------------------------------ */

typedef struct ledger_source {
	mledger_ledger *l;
	const mledger_verify_opts *opts;
	MDB_txn *txn;
	MDB_cursor *cur;
	int rc;                   /* of the last cursor move */
	bool started;
	uint64_t total;
} ledger_source;

static int ledger_next(void *ctx, mledger_ventry *out, size_t max, size_t *n,
		       mledger_verify_result *result)
{
	ledger_source *ls = ctx;
	MDB_val k, d;

	(void)result;
	*n = 0;
	if (!ls->started) {
		ls->rc = mdb_cursor_get(ls->cur, &k, &d, MDB_FIRST);
		ls->started = true;
	} else if (ls->rc == 0) {
		ls->rc = mdb_cursor_get(ls->cur, &k, &d, MDB_GET_CURRENT);
	}
	while (ls->rc == 0 && *n < max) {
		memcpy(&out[*n].key, k.mv_data, sizeof(out[*n].key));
		out[*n].data = d.mv_data;
		out[*n].len = d.mv_size;
		(*n)++;
		ls->rc = mdb_cursor_get(ls->cur, &k, &d, MDB_NEXT);
	}
	if (ls->rc != 0 && ls->rc != MDB_NOTFOUND)
		return mledger_store_error(ls->rc, "reading entries");
	return 0;
}

static int ledger_finish(void *ctx, mledger_store *scratch,
			 mledger_verify_result *result)
{
	ledger_source *ls = ctx;
	verifier vf;
	int error;

	/* check_trusted and compare_state read only these of the verifier. */
	memset(&vf, 0, sizeof(vf));
	vf.l = ls->l;
	vf.scratch = *scratch;
	vf.result = result;
	if (ls->opts->trusted_size > 0 &&
	    (error = check_trusted(&vf, ls->opts, ls->total)) < 0)
		return error;
	return compare_state(&vf, ls->txn);
}

int mledger_verify(mledger_verify_result *result, mledger_ledger *l,
		   const mledger_verify_opts *opts)
{
	mledger_verify_opts defaults = MLEDGER_VERIFY_OPTS_INIT;
	ledger_source ls;
	mledger_vsource src;
	MDB_envinfo info;
	uint8_t hash[MLEDGER_HASH_BYTES];
	int error, rc;

	memset(result, 0, sizeof(*result));
	if (opts == NULL)
		opts = &defaults;
	memset(&ls, 0, sizeof(ls));
	ls.l = l;
	ls.opts = opts;
	if ((error = mledger_store_begin(&l->store, false, &ls.txn)) < 0 ||
	    (error = mledger_store_head(&ls.total, hash, &l->store,
					ls.txn)) < 0)
		goto done;
	if ((rc = mdb_cursor_open(ls.txn, l->store.db.entries, &ls.cur)) != 0) {
		error = mledger_store_error(rc, "reading entries");
		goto done;
	}
	mdb_env_info(l->store.env, &info);
	memset(&src, 0, sizeof(src));
	src.next = ledger_next;
	src.finish = ledger_finish;
	src.ctx = &ls;
	src.total = ls.total;
	src.keys = l;
	src.map_size = info.me_mapsize;
	error = mledger_verify_run(result, &src, opts);
done:
	if (ls.cur != NULL)
		mdb_cursor_close(ls.cur);
	if (ls.txn != NULL)
		mdb_txn_abort(ls.txn);
	return error;
}
