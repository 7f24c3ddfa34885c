/*
 * RFC 9162 Merkle tree hashing and proof verification (sections 2.1.1,
 * 2.1.3.2 and 2.1.4.2), written from the RFC's algorithms. Verification is
 * the part an auditor runs on untrusted proofs: every length is checked and
 * a proof with hashes left over or missing is refused, never read past.
 */
#include "mledger/proof.h"

#include "error_int.h"

#include <openssl/crypto.h>
#include <string.h>

void mledger_leaf_hash(uint8_t out[MLEDGER_HASH_BYTES], const uint8_t *data,
		       size_t len)
{
	static const uint8_t prefix = 0x00;

	mledger_sha256_concat(out, &prefix, 1, data, len);
}

void mledger_node_hash(uint8_t out[MLEDGER_HASH_BYTES],
		       const uint8_t left[MLEDGER_HASH_BYTES],
		       const uint8_t right[MLEDGER_HASH_BYTES])
{
	uint8_t buf[1 + 2 * MLEDGER_HASH_BYTES];

	buf[0] = 0x01;
	memcpy(buf + 1, left, MLEDGER_HASH_BYTES);
	memcpy(buf + 1 + MLEDGER_HASH_BYTES, right, MLEDGER_HASH_BYTES);
	mledger_sha256(out, buf, sizeof(buf));
}

/* Largest power of two strictly less than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

void mledger_merkle_root(uint8_t out[MLEDGER_HASH_BYTES],
			 const uint8_t (*leaves)[MLEDGER_HASH_BYTES], size_t n)
{
	uint8_t l[MLEDGER_HASH_BYTES], r[MLEDGER_HASH_BYTES];
	uint64_t k;

	if (n == 0) {
		mledger_sha256(out, (const uint8_t *)"", 0);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], MLEDGER_HASH_BYTES);
		return;
	}
	k = split_point(n);
	mledger_merkle_root(l, leaves, (size_t)k);
	mledger_merkle_root(r, leaves + k, n - (size_t)k);
	mledger_node_hash(out, l, r);
}

int mledger_inclusion_verify(uint64_t index, uint64_t size,
			     const uint8_t leaf[MLEDGER_HASH_BYTES],
			     const uint8_t (*proof)[MLEDGER_HASH_BYTES],
			     size_t nproof,
			     const uint8_t root[MLEDGER_HASH_BYTES])
{
	uint8_t r[MLEDGER_HASH_BYTES];
	uint64_t fn = index, sn = size - 1;

	if (index >= size)
		return mledger_error_set(MLEDGER_ECHAIN,
			"inclusion proof: index %llu is not in a tree of size %llu",
			(unsigned long long)index, (unsigned long long)size);
	memcpy(r, leaf, MLEDGER_HASH_BYTES);
	for (size_t i = 0; i < nproof; i++) {
		if (sn == 0)
			return mledger_error_set(MLEDGER_ECHAIN,
				"inclusion proof: %zu hashes too many", nproof - i);
		if ((fn & 1) || fn == sn) {
			mledger_node_hash(r, proof[i], r);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			mledger_node_hash(r, r, proof[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return mledger_error_set(MLEDGER_ECHAIN,
			"inclusion proof: too short for a tree of size %llu",
			(unsigned long long)size);
	if (CRYPTO_memcmp(r, root, MLEDGER_HASH_BYTES) != 0)
		return mledger_error_set(MLEDGER_ECHAIN,
			"inclusion proof: entry %llu does not lead to the root",
			(unsigned long long)index);
	return 0;
}

int mledger_consistency_verify(uint64_t old_size, uint64_t new_size,
			       const uint8_t old_root[MLEDGER_HASH_BYTES],
			       const uint8_t new_root[MLEDGER_HASH_BYTES],
			       const uint8_t (*proof)[MLEDGER_HASH_BYTES],
			       size_t nproof)
{
	uint8_t fr[MLEDGER_HASH_BYTES], sr[MLEDGER_HASH_BYTES];
	uint64_t fn, sn;
	size_t i = 0;

	if (old_size > new_size)
		return mledger_error_set(MLEDGER_ECHAIN,
			"consistency proof: the old tree (%llu) is larger than the new (%llu)",
			(unsigned long long)old_size,
			(unsigned long long)new_size);
	if (old_size == new_size) {
		if (nproof != 0)
			return mledger_error_set(MLEDGER_ECHAIN,
				"consistency proof: equal sizes need an empty proof");
		if (CRYPTO_memcmp(old_root, new_root, MLEDGER_HASH_BYTES) != 0)
			return mledger_error_set(MLEDGER_ECHAIN,
				"consistency proof: same size, different roots: the log forked");
		return 0;
	}
	if (old_size == 0)
		return nproof == 0 ? 0 : mledger_error_set(MLEDGER_ECHAIN,
			"consistency proof: an empty old tree needs an empty proof");
	if (nproof == 0)
		return mledger_error_set(MLEDGER_ECHAIN,
					 "consistency proof: empty");
	/* If the old size is a power of two, its root starts the proof. */
	fn = old_size - 1;
	sn = new_size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	if ((old_size & (old_size - 1)) == 0) {
		memcpy(fr, old_root, MLEDGER_HASH_BYTES);
		memcpy(sr, old_root, MLEDGER_HASH_BYTES);
	} else {
		memcpy(fr, proof[0], MLEDGER_HASH_BYTES);
		memcpy(sr, proof[0], MLEDGER_HASH_BYTES);
		i = 1;
	}
	for (; i < nproof; i++) {
		if (sn == 0)
			return mledger_error_set(MLEDGER_ECHAIN,
				"consistency proof: %zu hashes too many",
				nproof - i);
		if ((fn & 1) || fn == sn) {
			mledger_node_hash(fr, proof[i], fr);
			mledger_node_hash(sr, proof[i], sr);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			mledger_node_hash(sr, sr, proof[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return mledger_error_set(MLEDGER_ECHAIN,
			"consistency proof: too short");
	if (CRYPTO_memcmp(fr, old_root, MLEDGER_HASH_BYTES) != 0)
		return mledger_error_set(MLEDGER_ECHAIN,
			"consistency proof: does not lead to the old root: history was rewritten");
	if (CRYPTO_memcmp(sr, new_root, MLEDGER_HASH_BYTES) != 0)
		return mledger_error_set(MLEDGER_ECHAIN,
			"consistency proof: does not lead to the new root");
	return 0;
}
