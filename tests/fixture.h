/*
 * Shared test fixture: a fresh ledger in a mkdtemp() directory, keys made
 * from fixed seeds so runs are repeatable, and builders for the events the
 * suites append. Criterion runs each test in its own process, so every test
 * gets its own directory.
 */
#ifndef MLEDGER_TEST_FIXTURE_H
#define MLEDGER_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mledger.h"

#define FX_TIME 1790000000u  /* a fixed event time: 2026-09 */

typedef struct fx_actor {
	const char *id;
	mledger_key *key;
	uint64_t next_seq;        /* actor_seq for its next event */
} fx_actor;

typedef struct fx_bytes {
	uint8_t *data;
	size_t len;
} fx_bytes;

/* A temporary directory, removed (with all below it) by fx_rmdir. */
char *fx_tmpdir(void);
void fx_rmdir(char *dir);

/* An Ed25519 key from a seed made of one repeated byte. */
mledger_key *fx_key(uint8_t seed_byte);

/* A record with one key (the actor's), country CA and no facilities. */
mledger_actor_record fx_record(const char *id, uint32_t roles,
			       mledger_pubkey *key_storage,
			       const mledger_key *key);

/*
 * A lot.register of mass grams of spodumene concentrate (Li 2.79 %) mined
 * at site in country cc, at FX_TIME (lot and site borrowed): to adjust
 * before signing.
 */
mledger_event fx_register_event(const char *lot, uint64_t mass,
				const char *site, const char *cc);

/* The same, signed by a. */
fx_bytes fx_register(fx_actor *a, const char *lot, uint64_t mass,
		     const char *site, const char *cc);

/* Sign ev with a's key, filling actor, actor_seq (a->next_seq++) and time. */
fx_bytes fx_sign(fx_actor *a, mledger_event *ev);

/* A new ledger in dir whose operator is op (id "operator"). */
mledger_ledger *fx_ledger(const char *dir, fx_actor *op);

/* Signed enrolment of subject (a fresh actor with key) by registrar. */
fx_bytes fx_enroll(fx_actor *registrar, fx_actor *subject, uint32_t roles);

/* Submit one event atomically; returns the library's code. */
int fx_submit1(mledger_ledger *l, fx_bytes ev);

/* Entry count and head hash, to check a rejection changed nothing. */
typedef struct fx_head {
	uint64_t size;
	uint8_t hash[MLEDGER_HASH_BYTES];
} fx_head;
fx_head fx_head_of(mledger_ledger *l);
bool fx_head_eq(fx_head a, fx_head b);

#endif
