/*
 * The inputs of the golden vectors under tests/vectors/ (proto/events.md,
 * proto/entries.md): fixed RFC 8032 seeds, ids, times and actor_seqs, and
 * the function that turns them into bytes. make_vectors.c writes what it
 * builds to files; tests/test_event.c and tests/test_lot_events.c build it
 * again and compare with the files, so a change to any wire format fails
 * loudly. The thirteen events form one valid ledger in vec_event_order: the
 * operator names the ledger and enrolls a miner, whose keys are rekeyed and
 * revoked; the operator gives the miner a new key and enrolls a refiner and
 * an auditor; then one lot of spodumene concentrate is registered, shipped,
 * received, refined into lithium hydroxide (plus a residue), sampled, and
 * the refinery audited.
 */
#ifndef MLEDGER_TEST_VECTORS_H
#define MLEDGER_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "mledger.h"

#define VEC_OPERATOR_SEED 0x01  /* seed bytes 0x01 x 32: the operator */
#define VEC_MINER_SEED 0x02     /* 0x02 x 32: the miner's first key */
#define VEC_MINER_SEED2 0x03    /* 0x03 x 32: the key its rekey adds */
#define VEC_MINER_SEED3 0x04    /* 0x04 x 32: the key the operator adds */
#define VEC_REFINER_SEED 0x05   /* 0x05 x 32: the refiner */
#define VEC_AUDITOR_SEED 0x06   /* 0x06 x 32: the auditor */

#define VEC_OPERATOR_ID "example.operator"
#define VEC_MINER_ID "ca.example-mining.whabouchi"
#define VEC_ORIGIN "example.org/mineral-ledger"
#define VEC_MINE_ID VEC_MINER_ID ".mine"
#define VEC_REFINER_ID "us.example-refining.kings-mountain"
#define VEC_REFINERY_ID VEC_REFINER_ID ".plant"
#define VEC_AUDITOR_ID "ch.example-assurance"
#define VEC_LOT_ORE "WHA-SC6-2026-0001"      /* spodumene concentrate */
#define VEC_LOT_LHM "KM-LHM-2026-0001"       /* lithium hydroxide */
#define VEC_LOT_RESIDUE "KM-RES-2026-0001"   /* aluminosilicate residue */

#define VEC_TIME_GENESIS 1790000000u  /* event and entry 0 */
#define VEC_TIME_ENROLL 1790000060u   /* event; entry 1 is one second later */
#define VEC_TIME_REKEY 1790000120u
#define VEC_TIME_REVOKE 1790000180u
#define VEC_TIME_REKEY2 1790000240u
#define VEC_TIME_ENROLL2 1790000300u
#define VEC_TIME_ENROLL3 1790000360u
#define VEC_TIME_REGISTER 1790086400u /* one day after genesis */
#define VEC_TIME_SHIP 1790172800u
#define VEC_TIME_RECEIVE 1791036800u  /* ten days on the road */
#define VEC_TIME_TRANSFORM 1791123200u
#define VEC_TIME_ADJUST 1791126800u
#define VEC_TIME_ATTEST 1791209600u
#define VEC_VALID_FROM 1790985600u    /* the audit's certificate */
#define VEC_VALID_UNTIL 1885680000u   /* three years later */

enum {
	VEC_GENESIS,    /* genesis.mle: signed ledger.genesis */
	VEC_ENROLL,     /* enroll.mle: signed actor.enroll of the miner */
	VEC_REKEY,      /* rekey.mle: the miner adds key 0x03, retires 0x02 */
	VEC_REVOKE,     /* revoke.mle: the operator revokes key 0x03 */
	VEC_ENTRY0,     /* entry0.bin: genesis as entry 0, zero prev */
	VEC_ENTRY1,     /* entry1.bin: enroll as entry 1, chained to entry 0 */
	VEC_REKEY2,     /* rekey2.mle: the operator gives the miner key 0x04 */
	VEC_ENROLL2,    /* enroll2.mle: the operator enrolls the refiner */
	VEC_ENROLL3,    /* enroll3.mle: the operator enrolls the auditor */
	VEC_REGISTER,   /* register.mle: the miner registers VEC_LOT_ORE */
	VEC_SHIP,       /* ship.mle: the miner ships it to the refiner */
	VEC_RECEIVE,    /* receive.mle: the refiner receives 50 kg less */
	VEC_TRANSFORM,  /* transform.mle: refined into VEC_LOT_LHM, _RESIDUE */
	VEC_ADJUST,     /* adjust.mle: the refiner takes a 500 g sample */
	VEC_ATTEST,     /* attest.mle: the auditor certifies the refinery */
	VEC_COUNT
};

/* The signed events in the order they make a ledger (VEC_EVENTS of them). */
#define VEC_EVENTS 13
extern const int vec_event_order[VEC_EVENTS];

typedef struct vec_file {
	const char *name;         /* file name under tests/vectors/ */
	uint8_t *data;            /* malloc'd */
	size_t len;
} vec_file;

/*
 * The unsigned event of vector which (any but the entries). Strings, lot
 * inputs, outputs and contents are static; keys and facilities point into
 * *storage, which must outlive the event.
 */
typedef struct vec_storage {
	mledger_pubkey keys[2];
	mledger_facility facility;
} vec_storage;
int vec_event(mledger_event *out, vec_storage *storage, int which);

/* An Ed25519 key from a seed of one repeated byte; NULL on failure. */
mledger_key *vec_key(uint8_t seed_byte);

/* The seed byte of the key that signs event vector which. */
uint8_t vec_signer_seed(int which);

/* The document whose SHA-256 attest.mle carries (ASCII, no newline). */
#define VEC_AUDIT_DOC "IRMA audit report: us.example-refining.kings-mountain.plant, 2026"

/* Build every vector into out[0 .. VEC_COUNT); 0 or an MLEDGER_E* code. */
int vec_build(vec_file out[VEC_COUNT]);
void vec_free(vec_file v[VEC_COUNT]);

#endif
