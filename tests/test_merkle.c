/*
 * The Merkle tree: the published RFC 6962 / 9162 reference values, and every
 * root, inclusion proof and consistency proof of a 64-entry ledger, for every
 * (index, size) and (old, new) up to 64, against a naive recursive reading of
 * the RFC written here; then the negative cases (a flipped bit, a truncated
 * proof, an extra hash, a wrong size) and a tampered stored tree.
 */
#include <criterion/criterion.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define N 64

typedef uint8_t hash[MLEDGER_HASH_BYTES];

static const char *const reference_roots[8] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

Test(merkle, published_reference_tree)
{
	static const char *const leaves[8] = {"", "\x00", "\x10", "\x20\x21",
		"\x30\x31", "\x40\x41\x42\x43",
		"\x50\x51\x52\x53\x54\x55\x56\x57",
		"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
	static const size_t lens[8] = {0, 1, 1, 2, 2, 4, 8, 16};
	hash h[8], root;
	char hex[65];

	for (int i = 0; i < 8; i++)
		mledger_leaf_hash(h[i], (const uint8_t *)leaves[i], lens[i]);
	for (size_t n = 1; n <= 8; n++) {
		mledger_merkle_root(root, (const hash *)h, n);
		mledger_hex(hex, root, sizeof(root));
		cr_assert_str_eq(hex, reference_roots[n - 1], "size %zu", n);
	}
	mledger_merkle_root(root, NULL, 0);
	mledger_hex(hex, root, sizeof(root));
	cr_assert_str_eq(hex,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* ---- a naive reading of RFC 9162 --------------------------------------- */

static size_t k_of(size_t n)
{
	size_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

static void naive_mth(hash out, const hash *d, size_t n)
{
	hash l, r;
	size_t k;

	if (n == 1) {
		memcpy(out, d[0], sizeof(hash));
		return;
	}
	k = k_of(n);
	naive_mth(l, d, k);
	naive_mth(r, d + k, n - k);
	mledger_node_hash(out, l, r);
}

static void naive_path(hash *out, size_t *n, size_t m, const hash *d,
		       size_t size)
{
	size_t k;

	if (size == 1)
		return;
	k = k_of(size);
	if (m < k) {
		naive_path(out, n, m, d, k);
		naive_mth(out[(*n)++], d + k, size - k);
	} else {
		naive_path(out, n, m - k, d + k, size - k);
		naive_mth(out[(*n)++], d, k);
	}
}

static void naive_subproof(hash *out, size_t *n, size_t m, const hash *d,
			   size_t size, bool b)
{
	size_t k;

	if (m == size) {
		if (!b)
			naive_mth(out[(*n)++], d, size);
		return;
	}
	k = k_of(size);
	if (m <= k) {
		naive_subproof(out, n, m, d, k, b);
		naive_mth(out[(*n)++], d + k, size - k);
	} else {
		naive_subproof(out, n, m - k, d + k, size - k, false);
		naive_mth(out[(*n)++], d, k);
	}
}

/* ---- a 64-entry ledger -------------------------------------------------- */

static char *dir;
static fx_actor op;
static mledger_ledger *ledger;
static hash leaf[N];

static void setup(void)
{
	dir = fx_tmpdir();
	op = (fx_actor){"operator", fx_key(1), 1};
	ledger = fx_ledger(dir, &op);
	for (int i = 1; i < N; i++) {
		char id[32];
		fx_actor a = {id, fx_key((uint8_t)(i + 10)), 1};
		fx_bytes ev;

		snprintf(id, sizeof(id), "actor-%d", i);
		ev = fx_enroll(&op, &a, MLEDGER_ROLE_MINER);
		cr_assert_eq(fx_submit1(ledger, ev), 0, "%s", mledger_error_last());
		free(ev.data);
		mledger_key_free(a.key);
	}
	for (uint64_t i = 0; i < N; i++) {
		uint8_t *e;
		size_t len;

		cr_assert_eq(mledger_entry_get(&e, &len, ledger, i), 0);
		mledger_leaf_hash(leaf[i], e, len);
		free(e);
	}
}

static void teardown(void)
{
	mledger_ledger_close(ledger);
	mledger_key_free(op.key);
	fx_rmdir(dir);
}

TestSuite(tree, .init = setup, .fini = teardown, .timeout = 120);

Test(tree, roots_of_every_size)
{
	hash want, got;

	for (size_t n = 1; n <= N; n++) {
		naive_mth(want, (const hash *)leaf, n);
		cr_assert_eq(mledger_ledger_root(got, ledger, n), 0, "%s",
			     mledger_error_last());
		cr_assert_eq(memcmp(want, got, sizeof(hash)), 0, "size %zu", n);
	}
	cr_assert_eq(mledger_ledger_root(got, ledger, N + 1), MLEDGER_ENOTFOUND);
}

Test(tree, inclusion_proofs_for_every_index_and_size)
{
	for (size_t n = 1; n <= N; n++) {
		hash root;

		naive_mth(root, (const hash *)leaf, n);
		for (size_t m = 0; m < n; m++) {
			hash want[MLEDGER_PROOF_MAX];
			hash *got = NULL;
			size_t nwant = 0, ngot = 0;

			naive_path(want, &nwant, m, (const hash *)leaf, n);
			cr_assert_eq(mledger_prove_inclusion(&got, &ngot, ledger,
							     m, n), 0);
			cr_assert_eq(ngot, nwant, "(%zu, %zu)", m, n);
			cr_assert_eq(memcmp(got, want, nwant * sizeof(hash)), 0,
				     "(%zu, %zu)", m, n);
			cr_assert_eq(mledger_inclusion_verify(m, n, leaf[m],
				(const hash *)got, ngot, root), 0, "(%zu, %zu): %s",
				m, n, mledger_error_last());
			/* Negative cases: each must be refused. */
			if (ngot > 0) {
				got[ngot - 1][5] ^= 0x10;
				cr_assert_neq(mledger_inclusion_verify(m, n, leaf[m],
					(const hash *)got, ngot, root), 0);
				got[ngot - 1][5] ^= 0x10;
				cr_assert_neq(mledger_inclusion_verify(m, n, leaf[m],
					(const hash *)got, ngot - 1, root), 0);
			}
			{
				hash *extra = calloc(ngot + 1, sizeof(hash));

				memcpy(extra, got, ngot * sizeof(hash));
				cr_assert_neq(mledger_inclusion_verify(m, n, leaf[m],
					(const hash *)extra, ngot + 1, root), 0);
				free(extra);
			}
			if (n > 1)
				cr_assert_neq(mledger_inclusion_verify(m, n, leaf[(m + 1) % n],
					(const hash *)got, ngot, root), 0);
			/* Claimed for the next size, against that size's root. */
			if (n < N) {
				hash next;

				naive_mth(next, (const hash *)leaf, n + 1);
				cr_assert_neq(mledger_inclusion_verify(m, n + 1,
					leaf[m], (const hash *)got, ngot, next),
					0, "(%zu, %zu) wrong size", m, n);
			}
			free(got);
		}
	}
	{
		hash *p = NULL;
		size_t np;

		cr_assert_eq(mledger_prove_inclusion(&p, &np, ledger, 5, 5),
			     MLEDGER_EINVAL);
	}
}

Test(tree, consistency_proofs_for_every_pair)
{
	for (size_t n = 1; n <= N; n++) {
		hash new_root;

		naive_mth(new_root, (const hash *)leaf, n);
		for (size_t m = 1; m <= n; m++) {
			hash old_root, want[MLEDGER_PROOF_MAX];
			hash *got = NULL;
			size_t nwant = 0, ngot = 0;

			naive_mth(old_root, (const hash *)leaf, m);
			if (m < n)
				naive_subproof(want, &nwant, m, (const hash *)leaf,
					       n, true);
			cr_assert_eq(mledger_prove_consistency(&got, &ngot, ledger,
							       m, n), 0);
			cr_assert_eq(ngot, nwant, "(%zu, %zu)", m, n);
			cr_assert_eq(memcmp(got, want, nwant * sizeof(hash)), 0);
			cr_assert_eq(mledger_consistency_verify(m, n, old_root,
				new_root, (const hash *)got, ngot), 0,
				"(%zu, %zu): %s", m, n, mledger_error_last());
			if (ngot > 0) {
				got[0][0] ^= 1;
				cr_assert_neq(mledger_consistency_verify(m, n,
					old_root, new_root, (const hash *)got, ngot), 0);
				got[0][0] ^= 1;
				cr_assert_neq(mledger_consistency_verify(m, n,
					old_root, new_root, (const hash *)got,
					ngot - 1), 0);
				/* A forked history: another old root. */
				cr_assert_neq(mledger_consistency_verify(m, n,
					new_root, old_root, (const hash *)got, ngot), 0);
			}
			if (m < n && n < N) {
				hash next;

				naive_mth(next, (const hash *)leaf, n + 1);
				cr_assert_neq(mledger_consistency_verify(m, n + 1,
					old_root, next, (const hash *)got, ngot), 0);
			}
			free(got);
		}
	}
}

Test(tree, tampered_stored_tree_fails_verify)
{
	mledger_verify_result vr;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t key[9] = {1, 0, 0, 0, 0, 0, 0, 0, 3}, bad[32];
	MDB_val k = {sizeof(key), key}, v = {sizeof(bad), bad};

	cr_assert_eq(mledger_verify(&vr, ledger, NULL), 0, "%s",
		     mledger_error_last());
	mledger_ledger_close(ledger);
	ledger = NULL;
	memset(bad, 0x42, sizeof(bad));
	cr_assert_eq(mdb_env_create(&env), 0);
	cr_assert_eq(mdb_env_set_maxdbs(env, 16), 0);
	cr_assert_eq(mdb_env_open(env, dir, 0, 0644), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, "hashes", 0, &dbi), 0);
	cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	cr_assert_eq(mledger_ledger_open(&ledger, dir, NULL), 0);
	cr_assert_eq(mledger_verify(&vr, ledger, NULL), MLEDGER_ESTATE);
	cr_assert(strstr(mledger_error_last(), "Merkle") != NULL, "%s",
		  mledger_error_last());
}
