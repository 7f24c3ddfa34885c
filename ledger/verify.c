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

/*
 * A chunk in flight. Its signatures are still being checked in the
 * background while the next chunk is read, decoded and chained, so the
 * serial steps between chunks do not leave a core idle; its faults are
 * settled before anything of the next chunk is judged, which keeps the
 * first fault in log order the one reported.
 */
typedef struct vchunk {
	vitem *v;
	mledger_ventry *e;
	mledger_item *items;      /* NULL when the chunk is settled */
	size_t n;
	size_t first_bad;         /* entries before it decode and chain */
	bool chain_broken;        /* and first_bad breaks the chain */
	mledger_sigjob job;       /* zeroed when none was started */
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
 * Wait for the signature checks of c's entries below upto; the first of
 * them that failed is returned as the fault, else 0.
 */
static int sigs_upto(verifier *vf, vchunk *c, size_t upto)
{
	size_t at = mledger_sigjob_finish(&c->job, upto);

	return at < upto ? sig_fault(vf, &c->v[at], &c->items[at]) : 0;
}

/* Finish c: wait for all its checks, free its items, report a bad one. */
static int settle(verifier *vf, vchunk *c)
{
	int error = 0;

	if (c->items == NULL)
		return 0;
	error = sigs_upto(vf, c, c->first_bad);
	mledger_sigjob_finish(&c->job, 0);
	mledger_batch_free(c->items, c->n);
	c->items = NULL;
	memset(&c->job, 0, sizeof(c->job));
	return error;
}

/*
 * Read c's entries in parallel and check the chain in order, up to the
 * first entry that is damaged, does not decode or does not link.
 */
static int decode_chunk(verifier *vf, vchunk *c)
{
	if ((c->items = calloc(c->n, sizeof(*c->items))) == NULL)
		return MLEDGER_NOMEM();
	mledger_parallel_for(c->n, vf->threads, parse_one, c);
	c->chain_broken = false;
	for (c->first_bad = 0; c->first_bad < c->n; c->first_bad++) {
		vitem *v = &c->v[c->first_bad];

		if (!v->entry_ok || c->items[c->first_bad].error)
			break;
		if (memcmp(v->entry.prev, vf->prev, MLEDGER_HASH_BYTES) != 0) {
			c->chain_broken = true;
			break;
		}
		memcpy(vf->prev, v->hash, MLEDGER_HASH_BYTES);
	}
	return 0;
}

/*
 * Resolve c's keys against the replayed state so far, settle the chunk
 * before it, then start c's signature checks in the background.
 */
static int start_sigs(verifier *vf, vchunk *c, vchunk *before)
{
	mledger_state st = {NULL, &vf->scratch.db};
	int error;

	if ((error = mledger_store_begin(&vf->scratch, false, &st.txn)) < 0)
		return error;
	error = mledger_batch_resolve(c->items, c->first_bad, vf->l->keys, &st);
	mdb_txn_abort(st.txn);
	if (error < 0)
		return error;
	if ((error = settle(vf, before)) < 0)
		return error;
	/* Entries under a verified checkpoint were checked before. */
	for (size_t i = 0; i < c->first_bad && c->v[i].key < vf->trusted; i++)
		c->items[i].sig_checked = c->items[i].error == 0 &&
					  c->items[i].key != NULL;
	mledger_sigjob_start(&c->job, c->items, c->first_bad, vf->threads);
	return 0;
}

/*
 * Replay c's good entries into the scratch store; retried whole if its map
 * fills. A rule fault is reported only after the signatures before it.
 */
static int replay(verifier *vf, vchunk *c)
{
	mledger_state st;
	MDB_txn *txn;
	int error;

	if ((error = mledger_store_begin(&vf->scratch, true, &txn)) < 0)
		return error;
	st.txn = txn;
	st.db = &vf->scratch.db;
	mledger_state_cache_begin(&st);
	for (size_t i = 0; i < c->first_bad; i++) {
		mledger_item *it = &c->items[i];
		vitem *v = &c->v[i];
		char saved[512];

		if ((it->async ||
		     (error = mledger_item_ensure_signed(it, vf->l->keys, &st)) == 0) &&
		    (error = mledger_rules_apply(&st, v->key, it->ev,
						 it->sev.kid)) == 0 &&
		    (error = mledger_tree_append(&st, v->key, v->data,
						 v->len)) == 0)
			continue;
		mledger_state_cache_end();
		mdb_txn_abort(txn);
		if (error == MLEDGER_EMAPFULL || error == MLEDGER_ENOMEM)
			return error;
		/* A bad signature at or before i is the earlier fault. */
		snprintf(saved, sizeof(saved), "%s", mledger_error_last());
		if ((error = sigs_upto(vf, c, i + 1)) < 0)
			return error;
		mledger_error_set(error, "%s", saved);
		return bad(vf, v->key, error);
	}
	mledger_state_cache_end();
	return mledger_store_error(mdb_txn_commit(txn), "verify scratch store");
}

static int check_chunk(verifier *vf, vchunk *c, vchunk *before)
{
	int error;

	if ((error = decode_chunk(vf, c)) < 0 ||
	    (error = start_sigs(vf, c, before)) < 0)
		return error;
	while ((error = replay(vf, c)) == MLEDGER_EMAPFULL) {
		if ((error = mledger_store_grow(&vf->scratch)) < 0)
			return error;
	}
	if (error < 0 || c->first_bad == c->n)
		return error;
	/* The good entries' signatures come before the damaged entry. */
	if ((error = sigs_upto(vf, c, c->first_bad)) < 0)
		return error;
	if (c->chain_broken)
		error = mledger_error_set(MLEDGER_ECHAIN,
			"prev does not match the hash of entry %llu",
			(unsigned long long)(c->v[c->first_bad].key - 1));
	else
		error = mledger_error_set(c->items[c->first_bad].error, "%s",
					  c->items[c->first_bad].message);
	return bad(vf, c->v[c->first_bad].key, error);
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

int mledger_verify_trusted(mledger_store *scratch,
			   const mledger_verify_opts *opts, uint64_t total,
			   mledger_verify_result *result)
{
	uint8_t root[MLEDGER_HASH_BYTES];
	mledger_state st = {NULL, &scratch->db};
	int error;

	result->failed = true;
	if (opts->trusted_size > total)
		return mledger_error_set(MLEDGER_ECHAIN,
			"the checkpoint covers %llu entries but the log has %llu: it was truncated",
			(unsigned long long)opts->trusted_size,
			(unsigned long long)total);
	if ((error = mledger_store_begin(scratch, false, &st.txn)) < 0)
		return error;
	error = mledger_tree_hash(root, &st, opts->trusted_size);
	mdb_txn_abort(st.txn);
	if (error < 0)
		return error;
	if (memcmp(root, opts->trusted_root, MLEDGER_HASH_BYTES) != 0)
		return mledger_error_set(MLEDGER_ECHAIN,
			"the first %llu entries do not hash to the checkpoint's root: history was rewritten",
			(unsigned long long)opts->trusted_size);
	result->failed = false;
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

/* Stop c's background checks and free it, whatever they found. */
static void discard(vchunk *c)
{
	mledger_sigjob_finish(&c->job, 0);
	mledger_batch_free(c->items, c->n);
	c->items = NULL;
	free(c->v);
	free(c->e);
}

/* The next chunk's entries from src into c, each at the seq expected. */
static int read_chunk(verifier *vf, vchunk *c, mledger_vsource *src)
{
	int error;

	c->n = 0;
	memset(&c->job, 0, sizeof(c->job));
	if ((error = src->next(src->ctx, c->e, CHUNK, &c->n, vf->result)) < 0)
		return error;
	memset(c->v, 0, c->n * sizeof(*c->v));
	for (size_t i = 0; i < c->n; i++) {
		if (c->e[i].key != vf->expect) {
			c->n = 0;
			vf->result->failed = true;
			vf->result->bad_seq = vf->expect;
			vf->result->entries = vf->expect;
			return mledger_error_set(MLEDGER_ECHAIN,
				"entry %llu is missing (the next stored entry is %llu)",
				(unsigned long long)vf->expect,
				(unsigned long long)c->e[i].key);
		}
		c->v[i].key = c->e[i].key;
		c->v[i].data = c->e[i].data;
		c->v[i].len = c->e[i].len;
		vf->expect++;
	}
	return 0;
}

int mledger_verify_run(mledger_verify_result *result, mledger_vsource *src,
		       const mledger_verify_opts *opts)
{
	verifier vf;
	vchunk chunks[2];
	unsigned cur = 0;
	int error;

	memset(result, 0, sizeof(*result));
	memset(&vf, 0, sizeof(vf));
	memset(chunks, 0, sizeof(chunks));
	vf.l = src->keys;
	vf.result = result;
	vf.threads = opts->threads;
	vf.trusted = opts->trusted_size;
	if ((error = open_scratch(&vf, src->map_size)) < 0)
		goto done;
	for (unsigned i = 0; i < 2; i++)
		if ((chunks[i].v = calloc(CHUNK, sizeof(*chunks[i].v))) == NULL ||
		    (chunks[i].e = calloc(CHUNK, sizeof(*chunks[i].e))) == NULL) {
			error = MLEDGER_NOMEM();
			goto done;
		}
	for (;; cur ^= 1) {
		vchunk *c = &chunks[cur], *before = &chunks[cur ^ 1];
		int fault;

		/* A fault here comes after any in the chunk still checked. */
		if ((error = read_chunk(&vf, c, src)) < 0) {
			char saved[512];

			snprintf(saved, sizeof(saved), "%s", mledger_error_last());
			if ((fault = settle(&vf, before)) < 0)
				error = fault;
			else
				mledger_error_set(error, "%s", saved);
			goto done;
		}
		if (c->n == 0)
			break;
		if ((error = check_chunk(&vf, c, before)) < 0)
			goto done;
		result->entries += c->n;
		if (opts->progress)
			opts->progress(opts->progress_ctx, result->entries,
				       src->total);
	}
	if ((error = settle(&vf, &chunks[cur ^ 1])) < 0)
		goto done;
	if (result->entries == 0) {
		result->failed = true;
		error = mledger_error_set(MLEDGER_ECHAIN,
					  "the ledger has no genesis entry");
		goto done;
	}
	error = src->finish(src->ctx, &vf.scratch, result);
done:
	/* No background check may outlive the entries it reads. */
	discard(&chunks[0]);
	discard(&chunks[1]);
	remove_scratch(&vf);
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

	if (ls->opts->trusted_size > 0 &&
	    (error = mledger_verify_trusted(scratch, ls->opts, ls->total,
					    result)) < 0)
		return error;
	/* compare_state reads only these of the verifier. */
	memset(&vf, 0, sizeof(vf));
	vf.l = ls->l;
	vf.scratch = *scratch;
	vf.result = result;
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
