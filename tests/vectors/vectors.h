/*
 * The inputs of the golden vectors under tests/vectors/ (proto/events.md,
 * proto/entries.md): fixed RFC 8032 seeds, ids, times and actor_seqs, and
 * the function that turns them into bytes. make_vectors.c writes what it
 * builds to files; tests/test_event.c builds it again and compares with the
 * files, so a change to any wire format fails loudly. The four events form a
 * valid ledger in this order: genesis, enroll, rekey, revoke.
 */
#ifndef MLEDGER_TEST_VECTORS_H
#define MLEDGER_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "mledger.h"

#define VEC_OPERATOR_SEED 0x01  /* seed bytes 0x01 x 32: the operator */
#define VEC_MINER_SEED 0x02     /* 0x02 x 32: the miner's first key */
#define VEC_MINER_SEED2 0x03    /* 0x03 x 32: the key its rekey adds */

#define VEC_OPERATOR_ID "example.operator"
#define VEC_MINER_ID "ca.example-mining.whabouchi"
#define VEC_ORIGIN "example.org/mineral-ledger"

#define VEC_TIME_GENESIS 1790000000u  /* event and entry 0 */
#define VEC_TIME_ENROLL 1790000060u   /* event; entry 1 is one second later */
#define VEC_TIME_REKEY 1790000120u
#define VEC_TIME_REVOKE 1790000180u

enum {
	VEC_GENESIS,    /* genesis.mle: signed ledger.genesis */
	VEC_ENROLL,     /* enroll.mle: signed actor.enroll of the miner */
	VEC_REKEY,      /* rekey.mle: the miner adds key 0x03, retires 0x02 */
	VEC_REVOKE,     /* revoke.mle: the operator revokes key 0x03 */
	VEC_ENTRY0,     /* entry0.bin: genesis as entry 0, zero prev */
	VEC_ENTRY1,     /* entry1.bin: enroll as entry 1, chained to entry 0 */
	VEC_COUNT
};

typedef struct vec_file {
	const char *name;         /* file name under tests/vectors/ */
	uint8_t *data;            /* malloc'd */
	size_t len;
} vec_file;

/*
 * The unsigned event of vector which (VEC_GENESIS .. VEC_REVOKE). Strings
 * are static; keys and facilities point into *storage, which must outlive
 * the event.
 */
typedef struct vec_storage {
	mledger_pubkey keys[2];
	mledger_facility facility;
} vec_storage;
int vec_event(mledger_event *out, vec_storage *storage, int which);

/* An Ed25519 key from a seed of one repeated byte; NULL on failure. */
mledger_key *vec_key(uint8_t seed_byte);

/* Build every vector into out[0 .. VEC_COUNT); 0 or an MLEDGER_E* code. */
int vec_build(vec_file out[VEC_COUNT]);
void vec_free(vec_file v[VEC_COUNT]);

#endif
