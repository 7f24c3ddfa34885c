/*
 * verify against tampering: the store is edited behind the library's back
 * with LMDB directly (a byte flipped, an entry deleted, two swapped, state
 * altered) and verify must fail naming the first bad entry.
 */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define ACTORS 6

static char *dir;
static fx_actor op;
static mledger_ledger *ledger;

/* A ledger of 1 + ACTORS entries, closed again. */
static void setup(void)
{
	dir = fx_tmpdir();
	op = (fx_actor){"operator", fx_key(1), 1};
	ledger = fx_ledger(dir, &op);
	for (int i = 0; i < ACTORS; i++) {
		char id[32];
		fx_actor a = {id, fx_key((uint8_t)(10 + i)), 1};
		fx_bytes ev;

		snprintf(id, sizeof(id), "actor-%d", i);
		ev = fx_enroll(&op, &a, MLEDGER_ROLE_MINER);
		cr_assert_eq(fx_submit1(ledger, ev), 0, "%s", mledger_error_last());
		free(ev.data);
		mledger_key_free(a.key);
	}
	mledger_ledger_close(ledger);
	ledger = NULL;
}

static void teardown(void)
{
	mledger_ledger_close(ledger);
	mledger_key_free(op.key);
	fx_rmdir(dir);
}

TestSuite(verify, .init = setup, .fini = teardown);

typedef struct raw {
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
} raw;

static raw raw_open(const char *db)
{
	raw r;

	cr_assert_eq(mdb_env_create(&r.env), 0);
	cr_assert_eq(mdb_env_set_maxdbs(r.env, 16), 0);
	cr_assert_eq(mdb_env_open(r.env, dir, 0, 0644), 0);
	cr_assert_eq(mdb_txn_begin(r.env, NULL, 0, &r.txn), 0);
	cr_assert_eq(mdb_dbi_open(r.txn, db, strcmp(db, "entries") == 0
				  ? MDB_INTEGERKEY : 0, &r.dbi), 0);
	return r;
}

static void raw_close(raw *r)
{
	cr_assert_eq(mdb_txn_commit(r->txn), 0);
	mdb_env_close(r->env);
}

static uint8_t *entry_copy(raw *r, uint64_t seq, size_t *len)
{
	MDB_val k = {sizeof(seq), &seq}, v;
	uint8_t *copy;

	cr_assert_eq(mdb_get(r->txn, r->dbi, &k, &v), 0);
	copy = malloc(v.mv_size);
	memcpy(copy, v.mv_data, v.mv_size);
	*len = v.mv_size;
	return copy;
}

static void entry_put(raw *r, uint64_t seq, const uint8_t *data, size_t len)
{
	MDB_val k = {sizeof(seq), &seq}, v = {len, (void *)data};

	cr_assert_eq(mdb_put(r->txn, r->dbi, &k, &v, 0), 0);
}

/* Run verify on the tampered ledger; returns the result. */
static mledger_verify_result verify_fails(int *code)
{
	mledger_verify_result vr;

	cr_assert_eq(mledger_ledger_open(&ledger, dir, NULL), 0, "%s",
		     mledger_error_last());
	*code = mledger_verify(&vr, ledger, NULL);
	cr_assert_neq(*code, 0, "verify passed a tampered ledger");
	cr_assert(vr.failed);
	mledger_ledger_close(ledger);
	ledger = NULL;
	return vr;
}

Test(verify, untouched_ledger_verifies)
{
	mledger_verify_result vr;

	cr_assert_eq(mledger_ledger_open(&ledger, dir, NULL), 0);
	cr_assert_eq(mledger_verify(&vr, ledger, NULL), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(vr.entries, 1 + ACTORS);
}

Test(verify, every_flipped_byte_of_an_entry_is_found, .timeout = 120)
{
	const uint64_t target = 3;
	size_t len;
	uint8_t *orig;
	raw r = raw_open("entries");

	orig = entry_copy(&r, target, &len);
	raw_close(&r);
	for (size_t off = 0; off < len; off++) {
		uint8_t *bad = malloc(len);
		mledger_verify_result vr;
		int code;

		memcpy(bad, orig, len);
		bad[off] ^= 0x20;
		r = raw_open("entries");
		entry_put(&r, target, bad, len);
		raw_close(&r);
		vr = verify_fails(&code);
		/*
		 * The entry's receive time is not signed, so a changed time
		 * shows as the next entry's broken prev link; any other byte
		 * is caught at the entry itself.
		 */
		cr_assert(vr.bad_seq == target || vr.bad_seq == target + 1,
			  "byte %zu: verify named entry %llu: %s", off,
			  (unsigned long long)vr.bad_seq, mledger_error_last());
		cr_assert(strstr(mledger_error_last(), "entry ") != NULL);
		free(bad);
	}
	r = raw_open("entries");
	entry_put(&r, target, orig, len);
	raw_close(&r);
	free(orig);
}

Test(verify, deleted_entry_is_named)
{
	uint64_t seq = 4;
	MDB_val k = {sizeof(seq), &seq};
	raw r = raw_open("entries");
	mledger_verify_result vr;
	int code;

	cr_assert_eq(mdb_del(r.txn, r.dbi, &k, NULL), 0);
	raw_close(&r);
	vr = verify_fails(&code);
	cr_assert_eq(code, MLEDGER_ECHAIN);
	cr_assert_eq(vr.bad_seq, 4);
	cr_assert(strstr(mledger_error_last(), "entry 4 is missing") != NULL,
		  "%s", mledger_error_last());
}

Test(verify, swapped_entries_are_named)
{
	raw r = raw_open("entries");
	size_t la, lb;
	uint8_t *a = entry_copy(&r, 2, &la), *b = entry_copy(&r, 3, &lb);
	mledger_verify_result vr;
	int code;

	entry_put(&r, 2, b, lb);
	entry_put(&r, 3, a, la);
	raw_close(&r);
	vr = verify_fails(&code);
	cr_assert_eq(code, MLEDGER_ECHAIN);
	cr_assert_eq(vr.bad_seq, 2, "%s", mledger_error_last());
	free(a);
	free(b);
}

Test(verify, resigned_chain_with_a_bad_link_is_found)
{
	/* Entry 5 re-chained to point at entry 3 (entry 4 skipped). */
	raw r = raw_open("entries");
	size_t len;
	uint8_t *e = entry_copy(&r, 5, &len);
	mledger_verify_result vr;
	int code;
	uint8_t *p;

	/* prev is the 32 bytes after the "prev" key and a bin8 header. */
	p = memmem(e, len, "\xa4prev\xc4\x20", 7);
	cr_assert_not_null(p);
	memset(p + 7, 0xab, 32);
	entry_put(&r, 5, e, len);
	raw_close(&r);
	vr = verify_fails(&code);
	cr_assert_eq(code, MLEDGER_ECHAIN);
	cr_assert_eq(vr.bad_seq, 5);
	cr_assert(strstr(mledger_error_last(), "prev") != NULL);
	free(e);
}

Test(verify, altered_state_is_found)
{
	raw r = raw_open("actor_seqs");
	MDB_val k = {7, (void *)"actor-2"};
	uint8_t seq[8] = {0, 0, 0, 0, 0, 0, 0, 9};
	MDB_val v = {8, seq};
	mledger_verify_result vr;
	int code;

	cr_assert_eq(mdb_put(r.txn, r.dbi, &k, &v, 0), 0);
	raw_close(&r);
	vr = verify_fails(&code);
	cr_assert_eq(code, MLEDGER_ESTATE, "%s", mledger_error_last());
	cr_assert_eq(vr.entries, 1 + ACTORS);
	cr_assert(strstr(mledger_error_last(), "actor-2") != NULL, "%s",
		  mledger_error_last());
}

/* ---- faults in different chunks ----------------------------------------- */

/* Entries past two of verify's 4,096-entry chunks. */
#define LONG_LOTS 9000

/*
 * Enroll a miner with a site and append LONG_LOTS lot registrations by it,
 * in a few batches. Returns the ledger's size.
 */
static uint64_t make_long_ledger(void)
{
	fx_actor miner = {"ca.mine", fx_key(40), 1};
	const size_t batch = 3000;
	uint8_t **data = calloc(batch, sizeof(*data));
	const uint8_t **events = calloc(batch, sizeof(*events));
	size_t *lens = calloc(batch, sizeof(*lens));
	mledger_facility site = {"site-1", "CA"};
	mledger_pubkey pk;
	mledger_event enroll;
	fx_bytes signed_enroll;

	cr_assert(data != NULL && events != NULL && lens != NULL);
	cr_assert_eq(mledger_ledger_open(&ledger, dir, NULL), 0);
	memset(&enroll, 0, sizeof(enroll));
	enroll.type = MLEDGER_EV_ACTOR_ENROLL;
	enroll.u.enroll.subject = fx_record(miner.id, MLEDGER_ROLE_MINER, &pk,
					    miner.key);
	enroll.u.enroll.subject.facilities = &site;
	enroll.u.enroll.subject.nfacilities = 1;
	signed_enroll = fx_sign(&op, &enroll);
	cr_assert_eq(fx_submit1(ledger, signed_enroll), 0, "%s",
		     mledger_error_last());
	free(signed_enroll.data);
	for (size_t done = 0; done < LONG_LOTS; done += batch) {
		mledger_submit_result res;

		for (size_t i = 0; i < batch; i++) {
			char lot[32];
			fx_bytes b;

			snprintf(lot, sizeof(lot), "ORE-%05zu", done + i);
			b = fx_register(&miner, lot, 1000000, "site-1", "CA");
			data[i] = b.data;
			events[i] = b.data;
			lens[i] = b.len;
		}
		cr_assert_eq(mledger_submit(&res, ledger, events, lens, batch,
					    NULL), 0, "%s", mledger_error_last());
		mledger_submit_result_free(&res);
		for (size_t i = 0; i < batch; i++)
			free(data[i]);
	}
	mledger_ledger_close(ledger);
	ledger = NULL;
	mledger_key_free(miner.key);
	free(data);
	free(events);
	free(lens);
	return 1 + ACTORS + 1 + LONG_LOTS;
}

/* Flip a bit of the signature stored in entry seq; returns the original. */
static uint8_t *break_signature(uint64_t seq, size_t *len)
{
	static const uint8_t sig_key[] = {0xa3, 's', 'i', 'g', 0xc4, 0x40};
	raw r = raw_open("entries");
	uint8_t *orig = entry_copy(&r, seq, len);
	uint8_t *bad = malloc(*len);
	uint8_t *at;

	memcpy(bad, orig, *len);
	at = memmem(bad, *len, sig_key, sizeof(sig_key));
	cr_assert_not_null(at, "no signature in entry %llu",
			   (unsigned long long)seq);
	at[sizeof(sig_key) + 10] ^= 0x01;
	entry_put(&r, seq, bad, *len);
	raw_close(&r);
	free(bad);
	return orig;
}

/* Overwrite the start of entry seq with junk; returns the original. */
static uint8_t *break_encoding(uint64_t seq, size_t *len)
{
	raw r = raw_open("entries");
	uint8_t *orig = entry_copy(&r, seq, len);
	uint8_t *bad = malloc(*len);

	memcpy(bad, orig, *len);
	bad[0] = 0xc1; /* never used in msgpack */
	entry_put(&r, seq, bad, *len);
	raw_close(&r);
	free(bad);
	return orig;
}

static void restore(uint64_t seq, uint8_t *orig, size_t len)
{
	raw r = raw_open("entries");

	entry_put(&r, seq, orig, len);
	raw_close(&r);
	free(orig);
}

/*
 * Signatures are still being checked while the next chunk is read: a bad
 * signature must still be reported before any fault later in the log,
 * whichever chunk each is in, and one in the last entry must be found.
 */
Test(verify, faults_across_chunks_in_log_order, .timeout = 120)
{
	const uint64_t total = make_long_ledger();
	static const struct {
		uint64_t sig;       /* entry with a bad signature */
		uint64_t junk;      /* later entry that does not decode, or 0 */
	} cases[] = {
		{3000, 5000},       /* chunk 0, then chunk 1 */
		{4095, 4096},       /* last of chunk 0, first of chunk 1 */
		{5000, 8500},       /* chunk 1, then chunk 2 */
		{8500, 0},          /* alone, in the last chunk */
	};
	mledger_verify_result vr;
	int code;

	cr_assert_eq(mledger_ledger_open(&ledger, dir, NULL), 0);
	cr_assert_eq(mledger_verify(&vr, ledger, NULL), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(vr.entries, total);
	mledger_ledger_close(ledger);
	ledger = NULL;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t slen, jlen = 0;
		uint8_t *sorig = break_signature(cases[i].sig, &slen);
		uint8_t *jorig = cases[i].junk
			? break_encoding(cases[i].junk, &jlen) : NULL;

		vr = verify_fails(&code);
		cr_assert_eq(code, MLEDGER_EBADSIG, "case %zu: %s", i,
			     mledger_error_last());
		cr_assert_eq(vr.bad_seq, cases[i].sig, "case %zu: named %llu",
			     i, (unsigned long long)vr.bad_seq);
		cr_assert_eq(vr.entries, cases[i].sig);
		if (jorig != NULL)
			restore(cases[i].junk, jorig, jlen);
		restore(cases[i].sig, sorig, slen);
	}
	/* The last entry of the ledger, settled after the final chunk. */
	{
		size_t slen;
		uint8_t *sorig = break_signature(total - 1, &slen);

		vr = verify_fails(&code);
		cr_assert_eq(code, MLEDGER_EBADSIG, "%s", mledger_error_last());
		cr_assert_eq(vr.bad_seq, total - 1);
		restore(total - 1, sorig, slen);
	}
	/* Junk alone in a later chunk is named where it is. */
	{
		size_t jlen;
		uint8_t *jorig = break_encoding(8000, &jlen);

		vr = verify_fails(&code);
		cr_assert_eq(vr.bad_seq, 8000, "%s", mledger_error_last());
		restore(8000, jorig, jlen);
	}
}
