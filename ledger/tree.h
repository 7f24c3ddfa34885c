/*
 * The Merkle tree over the entries, kept in the hashes database: each
 * append stores the new leaf and every complete subtree it completes, so
 * the root of any size and any proof need O(log n) lookups.
 */
#ifndef MLEDGER_TREE_H
#define MLEDGER_TREE_H

#include "state.h"

/*
 * A source of complete-subtree hashes: get() fills out with the hash of the
 * 2^level entries from index * 2^level, or returns an error. The stored
 * tree is one source; a directory of tlog tiles is another.
 */
typedef int (*mledger_node_fn)(uint8_t out[MLEDGER_HASH_BYTES], void *ctx,
			       unsigned level, uint64_t index);
typedef struct mledger_nodes {
	mledger_node_fn get;
	void *ctx;
} mledger_nodes;

/* Root of the tree of size leaves (SHA-256("") for 0) from a node source. */
int mledger_nodes_root(uint8_t out[MLEDGER_HASH_BYTES],
		       const mledger_nodes *nodes, uint64_t size);

/* RFC 9162 inclusion and consistency proofs from a node source. */
int mledger_nodes_inclusion(uint8_t (**out)[MLEDGER_HASH_BYTES], size_t *n,
			    const mledger_nodes *nodes, uint64_t index,
			    uint64_t size);
int mledger_nodes_consistency(uint8_t (**out)[MLEDGER_HASH_BYTES], size_t *n,
			      const mledger_nodes *nodes, uint64_t old_size,
			      uint64_t new_size);

/* The stored hash of the complete subtree (level, index); EIO if absent. */
int mledger_tree_node(uint8_t out[MLEDGER_HASH_BYTES], const mledger_state *st,
		      unsigned level, uint64_t index);

/* Add entry seq (its exact bytes) as the next leaf. */
int mledger_tree_append(const mledger_state *st, uint64_t seq,
			const uint8_t *entry, size_t len);

/* Root of the first size leaves stored, without checking the entries
 * database (the scratch store of verify holds the tree but no entries). */
int mledger_tree_hash(uint8_t out[MLEDGER_HASH_BYTES],
		      const mledger_state *st, uint64_t size);

/* Root of the first size entries (size <= entries appended). */
int mledger_tree_root_at(uint8_t out[MLEDGER_HASH_BYTES],
			 const mledger_state *st, uint64_t size);

/* RFC 9162 inclusion proof of index in the tree of size; *out malloc'd. */
int mledger_tree_inclusion(uint8_t (**out)[MLEDGER_HASH_BYTES], size_t *n,
			   const mledger_state *st, uint64_t index,
			   uint64_t size);

/* RFC 9162 consistency proof from old_size to new_size; *out malloc'd. */
int mledger_tree_consistency(uint8_t (**out)[MLEDGER_HASH_BYTES], size_t *n,
			     const mledger_state *st, uint64_t old_size,
			     uint64_t new_size);

#endif
