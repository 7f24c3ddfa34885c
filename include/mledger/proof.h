/*
 * The verifiable log: the entries form an RFC 9162 Merkle tree (leaf hash
 * SHA-256(0x00 || entry), node hash SHA-256(0x01 || left || right)), so any
 * entry can be proved included in a tree of a given size with log2(n)
 * hashes, and any two tree sizes proved consistent. These functions check
 * proofs and need no ledger: an auditor runs them with the hashes alone.
 */
#ifndef MLEDGER_PROOF_H
#define MLEDGER_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "mledger/error.h"
#include "mledger/key.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLEDGER_PROOF_MAX 64  /* hashes in any proof of a tree < 2^64 */

typedef struct mledger_ledger mledger_ledger;

/* The root of the tree of the first size entries of the ledger. */
int mledger_ledger_root(uint8_t out[MLEDGER_HASH_BYTES],
			mledger_ledger *ledger, uint64_t size);

/*
 * The inclusion proof of entry index in the tree of size entries, leaf side
 * first (*proof malloc'd, *n hashes). EINVAL if index >= size, ENOTFOUND if
 * the ledger is smaller than size.
 */
int mledger_prove_inclusion(uint8_t (**proof)[MLEDGER_HASH_BYTES], size_t *n,
			    mledger_ledger *ledger, uint64_t index,
			    uint64_t size);

/* The consistency proof from old_size to new_size (*proof malloc'd). */
int mledger_prove_consistency(uint8_t (**proof)[MLEDGER_HASH_BYTES],
			      size_t *n, mledger_ledger *ledger,
			      uint64_t old_size, uint64_t new_size);

/* SHA-256(0x00 || data): the leaf hash of one entry. */
void mledger_leaf_hash(uint8_t out[MLEDGER_HASH_BYTES], const uint8_t *data,
		       size_t len);

/* SHA-256(0x01 || left || right). */
void mledger_node_hash(uint8_t out[MLEDGER_HASH_BYTES],
		       const uint8_t left[MLEDGER_HASH_BYTES],
		       const uint8_t right[MLEDGER_HASH_BYTES]);

/* The root of the tree over the given leaf hashes (SHA-256("") if n = 0). */
void mledger_merkle_root(uint8_t out[MLEDGER_HASH_BYTES],
			 const uint8_t (*leaves)[MLEDGER_HASH_BYTES], size_t n);

/*
 * Check that leaf (the leaf hash of entry index) is in the tree of size
 * with the given root, by an RFC 9162 inclusion proof of nproof hashes.
 * 0 if it is; MLEDGER_ECHAIN with the reason if not.
 */
MLEDGER_WARN_UNUSED int mledger_inclusion_verify(
	uint64_t index, uint64_t size, const uint8_t leaf[MLEDGER_HASH_BYTES],
	const uint8_t (*proof)[MLEDGER_HASH_BYTES], size_t nproof,
	const uint8_t root[MLEDGER_HASH_BYTES]);

/*
 * Check that the tree of size old_size with old_root is a prefix of the tree
 * of new_size with new_root, by an RFC 9162 consistency proof.
 */
MLEDGER_WARN_UNUSED int mledger_consistency_verify(
	uint64_t old_size, uint64_t new_size,
	const uint8_t old_root[MLEDGER_HASH_BYTES],
	const uint8_t new_root[MLEDGER_HASH_BYTES],
	const uint8_t (*proof)[MLEDGER_HASH_BYTES], size_t nproof);

#ifdef __cplusplus
}
#endif
#endif
