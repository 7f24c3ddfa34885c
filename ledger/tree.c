/*
 * The stored Merkle tree. A node is the hash of a complete subtree of 2^level
 * entries starting at entry index * 2^level, keyed by its level (one byte)
 * and index (eight bytes, big-endian). Appending entry n stores its leaf and,
 * while n is the right child of its parent, the parent: one hash on average.
 * Any other subtree hash, and so any root or proof (RFC 9162 sections 2.1.1,
 * 2.1.3.1 and 2.1.4.1), is combined from the stored complete ones. The
 * combining works on any source of complete-subtree hashes (mledger_nodes),
 * so proofs from static tiles (tiles_read.c) share it.
 */
#include "tree.h"

#include "mledger/proof.h"

#include <stdlib.h>
#include <string.h>

static void node_key(uint8_t key[9], unsigned level, uint64_t index)
{
	key[0] = (uint8_t)level;
	mledger_be64_put(key + 1, index);
}

int mledger_tree_node(uint8_t out[MLEDGER_HASH_BYTES], const mledger_state *st,
		      unsigned level, uint64_t index)
{
	uint8_t key[9];
	MDB_val k = {sizeof(key), key}, v;
	int rc;

	node_key(key, level, index);
	rc = mdb_get(st->txn, st->db->hashes, &k, &v);
	if (rc == MDB_NOTFOUND || (rc == 0 && v.mv_size != MLEDGER_HASH_BYTES))
		return mledger_error_set(MLEDGER_EIO,
			"the stored Merkle tree lacks node (%u, %llu); run mledger verify",
			level, (unsigned long long)index);
	if (rc != 0)
		return mledger_store_error(rc, "reading the Merkle tree");
	memcpy(out, v.mv_data, MLEDGER_HASH_BYTES);
	return 0;
}

static int put_node(const mledger_state *st, unsigned level, uint64_t index,
		    const uint8_t hash[MLEDGER_HASH_BYTES])
{
	uint8_t key[9];
	MDB_val k = {sizeof(key), key}, v = {MLEDGER_HASH_BYTES, (void *)hash};

	node_key(key, level, index);
	return mledger_store_error(mdb_put(st->txn, st->db->hashes, &k, &v, 0),
				   "storing the Merkle tree");
}

int mledger_tree_append(const mledger_state *st, uint64_t seq,
			const uint8_t *entry, size_t len)
{
	uint8_t h[MLEDGER_HASH_BYTES], left[MLEDGER_HASH_BYTES];
	unsigned level = 0;
	uint64_t index = seq;
	int error;

	mledger_leaf_hash(h, entry, len);
	if ((error = put_node(st, 0, seq, h)) < 0)
		return error;
	while (index & 1) {
		if ((error = mledger_tree_node(left, st, level, index - 1)) < 0)
			return error;
		mledger_node_hash(h, left, h);
		level++;
		index >>= 1;
		if ((error = put_node(st, level, index, h)) < 0)
			return error;
	}
	return 0;
}

static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

/* MTH of entries [start, end), end > start. */
static int mth(uint8_t out[MLEDGER_HASH_BYTES], const mledger_nodes *st,
	       uint64_t start, uint64_t end)
{
	uint64_t n = end - start, k;
	uint8_t l[MLEDGER_HASH_BYTES], r[MLEDGER_HASH_BYTES];
	int error;

	if ((n & (n - 1)) == 0 && start % n == 0) {
		unsigned level = 0;

		while ((1ull << level) < n)
			level++;
		return st->get(out, st->ctx, level, start >> level);
	}
	k = split_point(n);
	if ((error = mth(l, st, start, start + k)) < 0 ||
	    (error = mth(r, st, start + k, end)) < 0)
		return error;
	mledger_node_hash(out, l, r);
	return 0;
}

static int check_size(const mledger_state *st, uint64_t size)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t have = 0;
	int rc;

	if ((rc = mdb_cursor_open(st->txn, st->db->entries, &cur)) != 0)
		return mledger_store_error(rc, "reading the ledger size");
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == 0) {
		memcpy(&have, k.mv_data, sizeof(have));
		have++;
	}
	if (size > have)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"the ledger has %llu entries, not %llu",
			(unsigned long long)have, (unsigned long long)size);
	return 0;
}

static int state_node(uint8_t out[MLEDGER_HASH_BYTES], void *ctx,
		      unsigned level, uint64_t index)
{
	return mledger_tree_node(out, ctx, level, index);
}

/* The stored tree of st as a node source. */
static mledger_nodes state_nodes(const mledger_state *st)
{
	mledger_nodes n = {state_node, (void *)st};

	return n;
}

int mledger_nodes_root(uint8_t out[MLEDGER_HASH_BYTES],
		       const mledger_nodes *nodes, uint64_t size)
{
	if (size == 0) {
		mledger_sha256(out, (const uint8_t *)"", 0);
		return 0;
	}
	return mth(out, nodes, 0, size);
}

int mledger_tree_hash(uint8_t out[MLEDGER_HASH_BYTES],
		      const mledger_state *st, uint64_t size)
{
	mledger_nodes n = state_nodes(st);

	return mledger_nodes_root(out, &n, size);
}

int mledger_tree_root_at(uint8_t out[MLEDGER_HASH_BYTES],
			 const mledger_state *st, uint64_t size)
{
	int error;

	if ((error = check_size(st, size)) < 0)
		return error;
	return mledger_tree_hash(out, st, size);
}

typedef struct path {
	uint8_t (*h)[MLEDGER_HASH_BYTES];
	size_t n;
} path;

static int path_add(path *p, const mledger_nodes *st, uint64_t start,
		    uint64_t end)
{
	if (p->n == MLEDGER_PROOF_MAX)
		return mledger_error_set(MLEDGER_EINVAL, "proof too long");
	return mth(p->h[p->n++], st, start, end);
}

/* PATH(m, D[start:end]) of RFC 9162 2.1.3.1, hashes appended leaf first. */
static int inclusion(path *p, const mledger_nodes *st, uint64_t m,
		     uint64_t start, uint64_t end)
{
	uint64_t k;
	int error;

	if (end - start <= 1)
		return 0;
	k = split_point(end - start);
	if (m < k) {
		if ((error = inclusion(p, st, m, start, start + k)) < 0)
			return error;
		return path_add(p, st, start + k, end);
	}
	if ((error = inclusion(p, st, m - k, start + k, end)) < 0)
		return error;
	return path_add(p, st, start, start + k);
}

/* SUBPROOF(m, D[start:end], b) of RFC 9162 2.1.4.1. */
static int subproof(path *p, const mledger_nodes *st, uint64_t m,
		    uint64_t start, uint64_t end, bool b)
{
	uint64_t n = end - start, k;
	int error;

	if (m == n)
		return b ? 0 : path_add(p, st, start, end);
	k = split_point(n);
	if (m <= k) {
		if ((error = subproof(p, st, m, start, start + k, b)) < 0)
			return error;
		return path_add(p, st, start + k, end);
	}
	if ((error = subproof(p, st, m - k, start + k, end, false)) < 0)
		return error;
	return path_add(p, st, start, start + k);
}

static int path_new(path *p)
{
	p->n = 0;
	p->h = malloc(MLEDGER_PROOF_MAX * MLEDGER_HASH_BYTES);
	return p->h ? 0 : MLEDGER_NOMEM();
}

int mledger_nodes_inclusion(uint8_t (**out)[MLEDGER_HASH_BYTES], size_t *n,
			    const mledger_nodes *nodes, uint64_t index,
			    uint64_t size)
{
	path p;
	int error;

	*out = NULL;
	*n = 0;
	if (index >= size)
		return mledger_error_set(MLEDGER_EINVAL,
			"entry %llu is not in a tree of %llu entries",
			(unsigned long long)index, (unsigned long long)size);
	if ((error = path_new(&p)) < 0)
		return error;
	if ((error = inclusion(&p, nodes, index, 0, size)) < 0) {
		free(p.h);
		return error;
	}
	*out = p.h;
	*n = p.n;
	return 0;
}

int mledger_nodes_consistency(uint8_t (**out)[MLEDGER_HASH_BYTES], size_t *n,
			      const mledger_nodes *nodes, uint64_t old_size,
			      uint64_t new_size)
{
	path p;
	int error;

	*out = NULL;
	*n = 0;
	if (old_size > new_size)
		return mledger_error_set(MLEDGER_EINVAL,
			"the old size %llu is larger than the new %llu",
			(unsigned long long)old_size,
			(unsigned long long)new_size);
	if ((error = path_new(&p)) < 0)
		return error;
	if (old_size > 0 && old_size < new_size &&
	    (error = subproof(&p, nodes, old_size, 0, new_size, true)) < 0) {
		free(p.h);
		return error;
	}
	*out = p.h;
	*n = p.n;
	return 0;
}

int mledger_tree_inclusion(uint8_t (**out)[MLEDGER_HASH_BYTES], size_t *n,
			   const mledger_state *st, uint64_t index,
			   uint64_t size)
{
	mledger_nodes nodes = state_nodes(st);
	int error;

	*out = NULL;
	*n = 0;
	if (index < size && (error = check_size(st, size)) < 0)
		return error;
	return mledger_nodes_inclusion(out, n, &nodes, index, size);
}

int mledger_tree_consistency(uint8_t (**out)[MLEDGER_HASH_BYTES], size_t *n,
			     const mledger_state *st, uint64_t old_size,
			     uint64_t new_size)
{
	mledger_nodes nodes = state_nodes(st);
	int error;

	*out = NULL;
	*n = 0;
	if (old_size <= new_size && (error = check_size(st, new_size)) < 0)
		return error;
	return mledger_nodes_consistency(out, n, &nodes, old_size, new_size);
}

/* ---- the public side: proofs from a ledger ---------------------------- */

#include "ledger_int.h"

typedef struct proof_query {
	uint64_t a, b;
	uint8_t *root;
	uint8_t (**proof)[MLEDGER_HASH_BYTES];
	size_t *n;
} proof_query;

static int do_root(const mledger_state *st, void *ctx)
{
	proof_query *q = ctx;

	return mledger_tree_root_at(q->root, st, q->a);
}

static int do_inclusion(const mledger_state *st, void *ctx)
{
	proof_query *q = ctx;

	return mledger_tree_inclusion(q->proof, q->n, st, q->a, q->b);
}

static int do_consistency(const mledger_state *st, void *ctx)
{
	proof_query *q = ctx;

	return mledger_tree_consistency(q->proof, q->n, st, q->a, q->b);
}

int mledger_ledger_root(uint8_t out[MLEDGER_HASH_BYTES], mledger_ledger *l,
			uint64_t size)
{
	proof_query q = {size, 0, out, NULL, NULL};

	return mledger_with_state(l, do_root, &q);
}

int mledger_prove_inclusion(uint8_t (**proof)[MLEDGER_HASH_BYTES], size_t *n,
			    mledger_ledger *l, uint64_t index, uint64_t size)
{
	proof_query q = {index, size, NULL, proof, n};

	return mledger_with_state(l, do_inclusion, &q);
}

int mledger_prove_consistency(uint8_t (**proof)[MLEDGER_HASH_BYTES],
			      size_t *n, mledger_ledger *l, uint64_t old_size,
			      uint64_t new_size)
{
	proof_query q = {old_size, new_size, NULL, proof, n};

	return mledger_with_state(l, do_consistency, &q);
}
