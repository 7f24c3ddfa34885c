/*
 * The ledger: create and open, append in batches (atomic and partial), every
 * registry rule with a passing and a failing case, a map that must grow, two
 * processes appending at once, and a clean verify after all of it.
 */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"

static char *dir;
static fx_actor op, miner, refiner;
static mledger_ledger *ledger;

static void setup(void)
{
	dir = fx_tmpdir();
	op = (fx_actor){"operator", fx_key(1), 1};
	miner = (fx_actor){"ca.example-mining.whabouchi", fx_key(2), 1};
	refiner = (fx_actor){"us.example-refining.kings-mountain", fx_key(3), 1};
	ledger = fx_ledger(dir, &op);
}

static void teardown(void)
{
	mledger_ledger_close(ledger);
	mledger_key_free(op.key);
	mledger_key_free(miner.key);
	mledger_key_free(refiner.key);
	fx_rmdir(dir);
}

TestSuite(ledger, .init = setup, .fini = teardown);

static void expect_verified(uint64_t entries)
{
	mledger_verify_result vr;

	cr_assert_eq(mledger_verify(&vr, ledger, NULL), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(vr.entries, entries);
	cr_assert(!vr.failed);
}

/* Submitting ev fails with code and leaves the ledger as it was. */
static void expect_rejected(fx_bytes ev, int code, const char *words)
{
	fx_head before = fx_head_of(ledger);
	int error = fx_submit1(ledger, ev);

	cr_assert_eq(error, code, "expected %s, got %s: %s",
		     mledger_strerror(code), mledger_strerror(error),
		     mledger_error_last());
	if (words != NULL)
		cr_assert(strstr(mledger_error_last(), words) != NULL,
			  "message \"%s\" lacks \"%s\"", mledger_error_last(),
			  words);
	cr_assert(fx_head_eq(before, fx_head_of(ledger)),
		  "a rejected event changed the ledger");
	free(ev.data);
}

static void expect_ok(fx_bytes ev)
{
	cr_assert_eq(fx_submit1(ledger, ev), 0, "%s", mledger_error_last());
	free(ev.data);
}

static fx_bytes rekey_ev(fx_actor *signer, const char *subject,
		      const mledger_key *add, const mledger_key *retire)
{
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_ACTOR_REKEY;
	ev.u.rekey.subject = subject;
	ev.u.rekey.add.alg = mledger_key_alg(add);
	cr_assert_eq(mledger_key_public(ev.u.rekey.add.pub, &ev.u.rekey.add.len,
					add), 0);
	if (retire != NULL) {
		ev.u.rekey.has_retire = true;
		cr_assert_eq(mledger_key_id(ev.u.rekey.retire, retire), 0);
	}
	return fx_sign(signer, &ev);
}

static fx_bytes revoke_ev(fx_actor *signer, const char *subject,
		       const mledger_key *key)
{
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_ACTOR_REVOKE;
	ev.u.revoke.subject = subject;
	ev.u.revoke.reason = "key compromised";
	if (key != NULL) {
		ev.u.revoke.has_kid = true;
		cr_assert_eq(mledger_key_id(ev.u.revoke.kid, key), 0);
	}
	return fx_sign(signer, &ev);
}

Test(ledger, create_then_open)
{
	fx_head h = fx_head_of(ledger);
	mledger_ledger *again = NULL;

	cr_assert_eq(h.size, 1);
	cr_assert_str_eq(mledger_ledger_origin(ledger), "test.example/ledger");
	mledger_ledger_close(ledger);
	ledger = NULL;
	cr_assert_eq(mledger_ledger_open(&ledger, dir, NULL), 0, "%s",
		     mledger_error_last());
	cr_assert(fx_head_eq(h, fx_head_of(ledger)));
	cr_assert_eq(mledger_ledger_create(&again, dir, NULL, 0, NULL),
		     MLEDGER_EEXISTS);
	expect_verified(1);
}

Test(ledger, open_missing_is_notfound)
{
	mledger_ledger *l = NULL;
	char path[4096];

	snprintf(path, sizeof(path), "%s/nothing-here", dir);
	cr_assert_eq(mledger_ledger_open(&l, path, NULL), MLEDGER_ENOTFOUND);
	cr_assert(strstr(mledger_error_last(), "no ledger at") != NULL);
}

Test(ledger, genesis_by_another_key_leaves_nothing)
{
	fx_actor imposter = {"operator", fx_key(9), 1};
	mledger_pubkey pk;
	mledger_event ev;
	mledger_ledger *l = NULL;
	char path[4096];
	struct stat sb;
	fx_bytes g;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_GENESIS;
	ev.u.genesis.origin = "x";
	/* Names op's key but is signed by another one. */
	ev.u.genesis.operator_ = fx_record("operator", MLEDGER_ROLE_OPERATOR,
					   &pk, op.key);
	g = fx_sign(&imposter, &ev);
	snprintf(path, sizeof(path), "%s/second", dir);
	cr_assert_eq(mledger_ledger_create(&l, path, g.data, g.len, NULL),
		     MLEDGER_EKEY, "%s", mledger_error_last());
	cr_assert_neq(stat(path, &sb), 0, "a failed create left %s", path);
	free(g.data);
	mledger_key_free(imposter.key);
}

Test(ledger, enroll_and_roles)
{
	fx_actor auditor = {"org.example-audit", fx_key(4), 1};

	expect_ok(fx_enroll(&op, &miner, MLEDGER_ROLE_MINER));
	/* A miner is no registrar. */
	expect_rejected(fx_enroll(&miner, &refiner, MLEDGER_ROLE_PROCESSOR),
			MLEDGER_EROLE, "registrar");
	expect_ok(fx_enroll(&op, &refiner, MLEDGER_ROLE_PROCESSOR |
			    MLEDGER_ROLE_REGISTRAR));
	/* A registrar may enroll. */
	expect_ok(fx_enroll(&refiner, &auditor, MLEDGER_ROLE_AUDITOR));
	/* Nobody becomes a second operator. */
	{
		fx_actor other = {"another-operator", fx_key(5), 1};

		expect_rejected(fx_enroll(&op, &other, MLEDGER_ROLE_OPERATOR),
				MLEDGER_EROLE, "one operator");
		mledger_key_free(other.key);
	}
	expect_verified(4);
	mledger_key_free(auditor.key);
}

Test(ledger, duplicate_actor_and_key)
{
	fx_actor twin = {"ca.example-mining.twin", miner.key, 1};

	expect_ok(fx_enroll(&op, &miner, MLEDGER_ROLE_MINER));
	expect_rejected(fx_enroll(&op, &miner, MLEDGER_ROLE_MINER),
			MLEDGER_EEXISTS, "already enrolled");
	/* Another actor with the miner's key. */
	expect_rejected(fx_enroll(&op, &twin, MLEDGER_ROLE_MINER),
			MLEDGER_EEXISTS, "already enrolled");
}

Test(ledger, replay_and_reorder_rejected)
{
	fx_bytes ev = fx_enroll(&op, &miner, MLEDGER_ROLE_MINER);
	fx_bytes copy = {malloc(ev.len), ev.len};

	memcpy(copy.data, ev.data, ev.len);
	expect_ok(ev);
	expect_rejected(copy, MLEDGER_EREPLAY, "actor_seq");
	/* An older sequence number than the last used. */
	op.next_seq = 1;
	expect_rejected(fx_enroll(&op, &refiner, MLEDGER_ROLE_PROCESSOR),
			MLEDGER_EREPLAY, "not above");
}

Test(ledger, unknown_and_foreign_keys_rejected)
{
	fx_actor stranger = {"operator", fx_key(7), 100};
	fx_actor posing = {"operator", miner.key, 100};

	expect_rejected(fx_enroll(&stranger, &refiner, MLEDGER_ROLE_PROCESSOR),
			MLEDGER_EKEY, "does not know");
	expect_ok(fx_enroll(&op, &miner, MLEDGER_ROLE_MINER));
	/* Names the operator but is signed with the miner's key. */
	expect_rejected(fx_enroll(&posing, &refiner, MLEDGER_ROLE_PROCESSOR),
			MLEDGER_EKEY, "signed with key");
	mledger_key_free(stranger.key);
}

Test(ledger, tampered_signature_and_body_rejected)
{
	fx_bytes ev = fx_enroll(&op, &miner, MLEDGER_ROLE_MINER);
	fx_bytes sig = {malloc(ev.len), ev.len};

	memcpy(sig.data, ev.data, ev.len);
	sig.data[sig.len - 1] ^= 0x01;   /* last byte of sig */
	expect_rejected(sig, MLEDGER_EBADSIG, "signature");
	/* A byte inside the body's actor name: still canonical, bad sig. */
	{
		uint8_t *p = memmem(ev.data, ev.len, "whabouchi", 9);

		cr_assert_not_null(p);
		p[0] = 'W';
	}
	expect_rejected(ev, MLEDGER_EBADSIG, NULL);
}

Test(ledger, rekey_and_retire)
{
	mledger_key *new_key = fx_key(20);
	fx_actor old_self, new_self;

	expect_ok(fx_enroll(&op, &miner, MLEDGER_ROLE_MINER));
	/* The miner rotates its own key, retiring the old one. */
	expect_ok(rekey_ev(&miner, miner.id, new_key, miner.key));
	old_self = miner;
	new_self = miner;
	new_self.key = new_key;
	expect_rejected(rekey_ev(&old_self, miner.id, fx_key(21), NULL),
			MLEDGER_EKEY, "retired");
	expect_ok(rekey_ev(&new_self, miner.id, fx_key(22), NULL));
	/* Somebody else's key may not be rotated by a non-registrar. */
	expect_ok(fx_enroll(&op, &refiner, MLEDGER_ROLE_PROCESSOR));
	expect_rejected(rekey_ev(&refiner, miner.id, fx_key(23), NULL),
			MLEDGER_EROLE, "may not rekey");
	/* The operator, a registrar, may. */
	expect_ok(rekey_ev(&op, miner.id, fx_key(24), NULL));
	expect_verified(6);
	mledger_key_free(new_key);
}

Test(ledger, revoke_key_and_actor)
{
	mledger_key *second = fx_key(30);
	fx_actor miner2;

	expect_ok(fx_enroll(&op, &miner, MLEDGER_ROLE_MINER));
	expect_ok(rekey_ev(&miner, miner.id, second, NULL));
	expect_ok(revoke_ev(&op, miner.id, miner.key));
	/* The revoked key is refused, the other still works. */
	expect_rejected(rekey_ev(&miner, miner.id, fx_key(31), NULL), MLEDGER_EKEY,
			"revoked or retired");
	miner2 = miner;
	miner2.key = second;
	expect_ok(rekey_ev(&miner2, miner.id, fx_key(32), NULL));
	/* The whole actor. */
	expect_ok(revoke_ev(&op, miner.id, NULL));
	expect_rejected(rekey_ev(&miner2, miner.id, fx_key(33), NULL),
			MLEDGER_EKEY, "revoked");
	expect_rejected(revoke_ev(&op, miner.id, NULL), MLEDGER_EKEY, "revoked");
	/* The operator cannot be revoked, nor its last key. */
	expect_rejected(revoke_ev(&op, "operator", NULL), MLEDGER_ERULE,
			"cannot be revoked");
	expect_rejected(revoke_ev(&op, "operator", op.key), MLEDGER_ERULE,
			"last active key");
	expect_verified(6);
	{
		mledger_actor_key *keys = NULL;
		size_t n = 0;

		cr_assert_eq(mledger_actor_keys(&keys, &n, ledger, miner.id), 0);
		cr_assert_eq(n, 3);
		cr_assert(keys[0].retired);
		cr_assert_eq(keys[0].added_seq, 1);
		cr_assert_eq(keys[0].retired_seq, 3);
		cr_assert(!keys[1].retired);
		cr_assert_eq(keys[2].added_seq, 4);
		free(keys);
		cr_assert_eq(mledger_actor_keys(&keys, &n, ledger, "nobody"),
			     MLEDGER_ENOTFOUND);
	}
	mledger_key_free(second);
}

Test(ledger, second_genesis_rejected)
{
	mledger_pubkey pk;
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_GENESIS;
	ev.u.genesis.origin = "again";
	ev.u.genesis.operator_ = fx_record("operator", MLEDGER_ROLE_OPERATOR,
					   &pk, op.key);
	expect_rejected(fx_sign(&op, &ev), MLEDGER_ERULE, "entry 0");
}

Test(ledger, batch_is_atomic)
{
	fx_bytes evs[3];
	const uint8_t *data[3];
	size_t lens[3];
	mledger_submit_result res;
	fx_head before = fx_head_of(ledger);

	evs[0] = fx_enroll(&op, &miner, MLEDGER_ROLE_MINER);
	evs[1] = fx_enroll(&op, &miner, MLEDGER_ROLE_MINER); /* duplicate */
	evs[2] = fx_enroll(&op, &refiner, MLEDGER_ROLE_PROCESSOR);
	for (int i = 0; i < 3; i++) {
		data[i] = evs[i].data;
		lens[i] = evs[i].len;
	}
	cr_assert_eq(mledger_submit(&res, ledger, data, lens, 3, NULL),
		     MLEDGER_EEXISTS);
	cr_assert(strstr(mledger_error_last(), "event 2 of 3") != NULL, "%s",
		  mledger_error_last());
	cr_assert_eq(res.appended, 0);
	cr_assert_eq(res.nrejected, 1);
	cr_assert_eq(res.rejected[0].index, 1);
	mledger_submit_result_free(&res);
	cr_assert(fx_head_eq(before, fx_head_of(ledger)));

	/* Partial: the good two go in, in order. */
	{
		mledger_submit_opts o = MLEDGER_SUBMIT_OPTS_INIT;

		o.partial = true;
		cr_assert_eq(mledger_submit(&res, ledger, data, lens, 3, &o), 0,
			     "%s", mledger_error_last());
		cr_assert_eq(res.appended, 2);
		cr_assert_eq(res.first_seq, 1);
		cr_assert_eq(res.nrejected, 1);
		cr_assert_eq(res.rejected[0].index, 1);
		cr_assert_eq(res.rejected[0].code, MLEDGER_EEXISTS);
		mledger_submit_result_free(&res);
	}
	for (int i = 0; i < 3; i++)
		free(evs[i].data);
	expect_verified(3);
}

Test(ledger, keys_enrolled_earlier_in_the_batch)
{
	fx_bytes evs[2];
	const uint8_t *data[2];
	size_t lens[2];
	mledger_submit_result res;
	mledger_key *k2 = fx_key(40);

	evs[0] = fx_enroll(&op, &miner, MLEDGER_ROLE_MINER);
	evs[1] = rekey_ev(&miner, miner.id, k2, NULL);
	for (int i = 0; i < 2; i++) {
		data[i] = evs[i].data;
		lens[i] = evs[i].len;
	}
	cr_assert_eq(mledger_submit(&res, ledger, data, lens, 2, NULL), 0,
		     "%s", mledger_error_last());
	cr_assert_eq(res.appended, 2);
	mledger_submit_result_free(&res);
	for (int i = 0; i < 2; i++)
		free(evs[i].data);
	mledger_key_free(k2);
}

Test(ledger, garbage_and_truncated_rejected)
{
	fx_bytes ev = fx_enroll(&op, &miner, MLEDGER_ROLE_MINER);
	fx_bytes cut = {malloc(ev.len), ev.len / 2};
	fx_bytes junk = {malloc(16), 16};

	memcpy(cut.data, ev.data, ev.len);
	memset(junk.data, 0xc1, 16);
	expect_rejected(cut, MLEDGER_EFORMAT, "truncated");
	expect_rejected(junk, MLEDGER_EFORMAT, NULL);
	free(ev.data);
}

Test(ledger, actor_queries)
{
	mledger_actor *a = NULL;
	uint8_t kid[MLEDGER_KID_BYTES];
	char *owner = NULL;

	expect_ok(fx_enroll(&op, &miner, MLEDGER_ROLE_MINER));
	cr_assert_eq(mledger_actor_get(&a, ledger, miner.id), 0);
	cr_assert_str_eq(a->record.id, miner.id);
	cr_assert_eq(a->record.roles, MLEDGER_ROLE_MINER);
	cr_assert_eq(a->enrolled_seq, 1);
	cr_assert_eq(a->last_actor_seq, 0);
	mledger_actor_free(a);
	cr_assert_eq(mledger_actor_get(&a, ledger, "operator"), 0);
	cr_assert_eq(a->last_actor_seq, 2);
	mledger_actor_free(a);
	cr_assert_eq(mledger_actor_get(&a, ledger, "nobody"), MLEDGER_ENOTFOUND);
	cr_assert_eq(mledger_key_id(kid, miner.key), 0);
	cr_assert_eq(mledger_actor_by_kid(&owner, ledger, kid), 0);
	cr_assert_str_eq(owner, miner.id);
	free(owner);
}

Test(ledger, entry_json)
{
	uint8_t *e = NULL;
	size_t len;
	char *text = NULL;
	json_t *j;
	json_error_t jerr;

	cr_assert_eq(mledger_entry_get(&e, &len, ledger, 0), 0);
	cr_assert_eq(mledger_entry_to_json(&text, e, len, false), 0);
	j = json_loads(text, 0, &jerr);
	cr_assert_not_null(j, "%s", jerr.text);
	cr_assert_eq(json_integer_value(json_object_get(j, "seq")), 0);
	cr_assert_str_eq(json_string_value(json_object_get(j, "prev")),
		"0000000000000000000000000000000000000000000000000000000000000000");
	cr_assert_str_eq(json_string_value(json_object_get(
		json_object_get(j, "event"), "type")), "ledger.genesis");
	json_decref(j);
	free(text);
	free(e);
	cr_assert_eq(mledger_entry_get(&e, &len, ledger, 5), MLEDGER_ENOTFOUND);
}

/* Enroll n actors with ids prefix-<i>, in batches of batch events. */
static void enroll_many(mledger_ledger *l, fx_actor *registrar,
			const char *prefix, int n, int batch)
{
	for (int start = 0; start < n; start += batch) {
		int m = n - start < batch ? n - start : batch;
		fx_bytes *evs = calloc((size_t)m, sizeof(*evs));
		const uint8_t **data = calloc((size_t)m, sizeof(*data));
		size_t *lens = calloc((size_t)m, sizeof(*lens));
		mledger_submit_result res;

		for (int i = 0; i < m; i++) {
			char id[64];
			uint8_t seed[32] = {0};
			fx_actor a = {id, NULL, 1};

			snprintf(id, sizeof(id), "%s-%d", prefix, start + i);
			memcpy(seed, id, strlen(id) < 32 ? strlen(id) : 32);
			cr_assert_eq(mledger_key_from_seed(&a.key, seed, 32), 0);
			evs[i] = fx_enroll(registrar, &a, MLEDGER_ROLE_MINER);
			mledger_key_free(a.key);
			data[i] = evs[i].data;
			lens[i] = evs[i].len;
		}
		cr_assert_eq(mledger_submit(&res, l, data, lens, (size_t)m, NULL),
			     0, "%s", mledger_error_last());
		mledger_submit_result_free(&res);
		for (int i = 0; i < m; i++)
			free(evs[i].data);
		free(evs);
		free(data);
		free(lens);
	}
}

/*
 * A new ledger in dir/small whose map of map_size bytes fills soon (256 KiB:
 * after a few hundred entries), operated by op (signing as op2, whose seq
 * goes on from there).
 */
static mledger_ledger *small_ledger(fx_actor *op2, size_t map_size)
{
	mledger_open_opts o = MLEDGER_OPEN_OPTS_INIT;
	mledger_ledger *small = NULL;
	mledger_pubkey pk;
	mledger_event ev;
	char path[4096];
	fx_bytes g;

	o.map_size = map_size;
	snprintf(path, sizeof(path), "%s/small", dir);
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_GENESIS;
	ev.u.genesis.origin = "small";
	ev.u.genesis.operator_ = fx_record("operator", MLEDGER_ROLE_OPERATOR,
					   &pk, op.key);
	g = fx_sign(op2, &ev);
	cr_assert_eq(mledger_ledger_create(&small, path, g.data, g.len, &o), 0,
		     "%s", mledger_error_last());
	free(g.data);
	return small;
}

Test(ledger, map_grows_when_full, .timeout = 120)
{
	fx_actor op2 = {"operator", op.key, 1000};
	mledger_ledger *small = small_ledger(&op2, 256 * 1024);
	mledger_verify_result vr;
	uint64_t size;
	uint8_t hash[32];

	enroll_many(small, &op2, "grow", 2000, 500);
	cr_assert_eq(mledger_ledger_head(&size, hash, small), 0);
	cr_assert_eq(size, 2001);
	cr_assert_eq(mledger_verify(&vr, small, NULL), 0, "%s",
		     mledger_error_last());
	mledger_ledger_close(small);
}

Test(ledger, two_processes_append_at_once, .timeout = 120)
{
	fx_actor regs[2] = {{"registrar-a", fx_key(50), 1},
			    {"registrar-b", fx_key(51), 1}};
	pid_t pids[2];
	uint64_t size;
	uint8_t hash[32];

	expect_ok(fx_enroll(&op, &regs[0], MLEDGER_ROLE_REGISTRAR));
	expect_ok(fx_enroll(&op, &regs[1], MLEDGER_ROLE_REGISTRAR));
	mledger_ledger_close(ledger);
	ledger = NULL;
	for (int p = 0; p < 2; p++) {
		pids[p] = fork();
		cr_assert_neq(pids[p], -1);
		if (pids[p] == 0) {
			mledger_ledger *l = NULL;

			if (mledger_ledger_open(&l, dir, NULL) != 0)
				_exit(2);
			enroll_many(l, &regs[p], p ? "b" : "a", 300, 10);
			mledger_ledger_close(l);
			_exit(0);
		}
	}
	for (int p = 0; p < 2; p++) {
		int status;

		cr_assert_eq(waitpid(pids[p], &status, 0), pids[p]);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "appending process %d failed", p);
	}
	cr_assert_eq(mledger_ledger_open(&ledger, dir, NULL), 0);
	cr_assert_eq(mledger_ledger_head(&size, hash, ledger), 0);
	cr_assert_eq(size, 3 + 600);
	expect_verified(603);
	mledger_key_free(regs[0].key);
	mledger_key_free(regs[1].key);
}

/*
 * A batch of n enrolments of distinct actors by the operator, with the
 * enrolment at `dup` (if not -1) a second one of actor 0 (a rule fault) and
 * the signature at `bad` (if not -1) damaged. Long enough that the
 * background signature checks and the rules run at the same time.
 */
#define FAULT_BATCH 64

static int submit_faulty(mledger_submit_result *res, int dup, int bad,
			 bool partial)
{
	static char ids[FAULT_BATCH][32];
	fx_actor actors[FAULT_BATCH];
	fx_bytes evs[FAULT_BATCH];
	const uint8_t *data[FAULT_BATCH];
	size_t lens[FAULT_BATCH];
	mledger_submit_opts o = MLEDGER_SUBMIT_OPTS_INIT;
	int error;

	for (int i = 0; i < FAULT_BATCH; i++) {
		snprintf(ids[i], sizeof(ids[i]), "ca.example-%02d", i);
		actors[i] = (fx_actor){ids[i], fx_key((uint8_t)(100 + i)), 1};
		evs[i] = fx_enroll(&op, &actors[i == dup ? 0 : i],
				   MLEDGER_ROLE_MINER);
		if (i == bad)
			evs[i].data[evs[i].len - 1] ^= 0x01;
		data[i] = evs[i].data;
		lens[i] = evs[i].len;
	}
	o.partial = partial;
	o.threads = 2;
	error = mledger_submit(res, ledger, data, lens, FAULT_BATCH, &o);
	for (int i = 0; i < FAULT_BATCH; i++) {
		free(evs[i].data);
		mledger_key_free(actors[i].key);
	}
	return error;
}

static void expect_fault(int dup, int bad, int code, size_t index)
{
	mledger_submit_result res;
	fx_head before = fx_head_of(ledger);
	char words[32];
	int error = submit_faulty(&res, dup, bad, false);

	cr_assert_eq(error, code, "expected %s, got %s: %s",
		     mledger_strerror(code), mledger_strerror(error),
		     mledger_error_last());
	snprintf(words, sizeof(words), "event %zu of %d", index + 1,
		 FAULT_BATCH);
	cr_assert(strstr(mledger_error_last(), words) != NULL,
		  "\"%s\" does not name %s", mledger_error_last(), words);
	cr_assert_eq(res.appended, 0);
	cr_assert_eq(res.nrejected, 1);
	cr_assert_eq(res.rejected[0].index, index);
	cr_assert_eq(res.rejected[0].code, code);
	mledger_submit_result_free(&res);
	cr_assert(fx_head_eq(before, fx_head_of(ledger)));
}

Test(ledger, batch_reports_its_first_fault)
{
	/* A rule fault before a bad signature, and the other way round. */
	expect_fault(10, 50, MLEDGER_EEXISTS, 10);
	expect_fault(50, 10, MLEDGER_EBADSIG, 10);
	/* Both in one event: the signature is checked first. */
	expect_fault(30, 30, MLEDGER_EBADSIG, 30);
	/* The last event's signature, after every rule held. */
	expect_fault(-1, FAULT_BATCH - 1, MLEDGER_EBADSIG, FAULT_BATCH - 1);
	expect_fault(-1, 0, MLEDGER_EBADSIG, 0);
	expect_verified(1);
}

Test(ledger, partial_batch_skips_bad_signatures_and_rules)
{
	mledger_submit_result res;

	cr_assert_eq(submit_faulty(&res, 20, 40, true), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(res.appended, FAULT_BATCH - 2);
	cr_assert_eq(res.nrejected, 2);
	cr_assert_eq(res.rejected[0].index, 20);
	cr_assert_eq(res.rejected[0].code, MLEDGER_EEXISTS);
	cr_assert_eq(res.rejected[1].index, 40);
	cr_assert_eq(res.rejected[1].code, MLEDGER_EBADSIG);
	mledger_submit_result_free(&res);
	expect_verified(FAULT_BATCH - 1);
}

/*
 * The rules keep decoded actors for the length of a batch; a rekey or a
 * revocation earlier in the same batch must be seen by the events after it.
 */
Test(ledger, actor_changes_seen_within_a_batch)
{
	mledger_key *k1 = miner.key, *k2 = fx_key(21), *k3 = fx_key(22),
		    *k4 = fx_key(23);
	fx_bytes evs[5];
	const uint8_t *data[5];
	size_t lens[5];
	mledger_submit_result res;
	fx_head before = fx_head_of(ledger);

	evs[0] = fx_enroll(&op, &miner, MLEDGER_ROLE_MINER);
	evs[1] = rekey_ev(&miner, miner.id, k2, k1);    /* signed by k1 */
	miner.key = k2;
	evs[2] = rekey_ev(&miner, miner.id, k3, NULL);  /* by the new key */
	evs[3] = revoke_ev(&op, miner.id, NULL);        /* the whole actor */
	miner.key = k3;
	evs[4] = rekey_ev(&miner, miner.id, k4, NULL);  /* after revocation */
	for (int i = 0; i < 5; i++) {
		data[i] = evs[i].data;
		lens[i] = evs[i].len;
	}
	cr_assert_eq(mledger_submit(&res, ledger, data, lens, 5, NULL),
		     MLEDGER_EKEY, "%s", mledger_error_last());
	cr_assert(strstr(mledger_error_last(), "event 5 of 5") != NULL &&
		  strstr(mledger_error_last(), "revoked") != NULL, "%s",
		  mledger_error_last());
	mledger_submit_result_free(&res);
	cr_assert(fx_head_eq(before, fx_head_of(ledger)));

	/* The first four go in as one batch and replay the same way. */
	cr_assert_eq(mledger_submit(&res, ledger, data, lens, 4, NULL), 0,
		     "%s", mledger_error_last());
	mledger_submit_result_free(&res);
	expect_verified(5);

	/* A key retired earlier in a batch no longer signs in it. */
	{
		fx_actor r = {"us.example-recycling", fx_key(24), 1};
		mledger_key *r1 = r.key, *r2 = fx_key(25);

		for (int i = 0; i < 3; i++)
			free(evs[i].data);
		evs[0] = fx_enroll(&op, &r, MLEDGER_ROLE_RECYCLER);
		evs[1] = rekey_ev(&r, r.id, r2, r1);
		evs[2] = rekey_ev(&r, r.id, k4, NULL);      /* still by r1 */
		for (int i = 0; i < 3; i++) {
			data[i] = evs[i].data;
			lens[i] = evs[i].len;
		}
		cr_assert_eq(mledger_submit(&res, ledger, data, lens, 3, NULL),
			     MLEDGER_EKEY, "%s", mledger_error_last());
		cr_assert(strstr(mledger_error_last(), "event 3 of 3") != NULL,
			  "%s", mledger_error_last());
		mledger_submit_result_free(&res);
		mledger_key_free(r1);
		mledger_key_free(r2);
	}
	for (int i = 0; i < 5; i++)
		free(evs[i].data);
	miner.key = k1;
	mledger_key_free(k2);
	mledger_key_free(k3);
	mledger_key_free(k4);
}

/* What the per-batch callback saw: called in order, each batch durable. */
typedef struct each_seen {
	mledger_ledger *l;
	size_t calls;
	uint64_t size;            /* ledger size at the last call */
} each_seen;

static void each_done(void *ctx, size_t k, const mledger_submit_result *r)
{
	each_seen *s = ctx;
	uint8_t hash[32];
	uint64_t size;

	cr_assert_eq(k, s->calls, "batch %zu reported as the %zu-th", k,
		     s->calls);
	s->calls++;
	/* Reported once committed: the ledger already holds it. */
	cr_assert_eq(mledger_ledger_head(&size, hash, s->l), 0);
	cr_assert_eq(size, s->size + r->appended);
	if (r->appended > 0)
		cr_assert_eq(r->first_seq + r->appended, size);
	s->size = size;
}

/*
 * Several batches in one call, each its own transaction: a refused one
 * leaves the others in, and a batch may use a key enrolled by the batch
 * before it (whose keys are resolved while that one commits).
 */
Test(ledger, submit_each_batches_in_turn)
{
	each_seen seen = {ledger, 0, 1};
	fx_actor dup = miner;
	mledger_key *k2 = fx_key(41);
	fx_bytes evs[4];
	const uint8_t *data[4];
	size_t lens[4];
	mledger_batch_in in[4];
	mledger_submit_result res[4];

	evs[0] = fx_enroll(&op, &miner, MLEDGER_ROLE_MINER);
	evs[1] = rekey_ev(&miner, miner.id, k2, NULL);
	evs[2] = fx_enroll(&op, &dup, MLEDGER_ROLE_MINER); /* already there */
	evs[3] = fx_enroll(&op, &refiner, MLEDGER_ROLE_PROCESSOR);
	for (int i = 0; i < 4; i++) {
		data[i] = evs[i].data;
		lens[i] = evs[i].len;
		in[i] = (mledger_batch_in){&data[i], &lens[i], 1};
	}
	cr_assert_eq(mledger_submit_each(res, ledger, in, 4, NULL, each_done,
					 &seen), MLEDGER_EEXISTS, "%s",
		     mledger_error_last());
	cr_assert_eq(seen.calls, 4);
	cr_assert_eq(res[0].appended, 1);
	cr_assert_eq(res[0].first_seq, 1);
	cr_assert_eq(res[1].appended, 1);
	cr_assert_eq(res[1].first_seq, 2);
	cr_assert_eq(res[2].appended, 0);
	cr_assert_eq(res[2].nrejected, 1);
	cr_assert_eq(res[2].rejected[0].code, MLEDGER_EEXISTS);
	cr_assert_eq(res[3].appended, 1);
	cr_assert_eq(res[3].first_seq, 3);
	for (int i = 0; i < 4; i++) {
		mledger_submit_result_free(&res[i]);
		free(evs[i].data);
	}
	mledger_key_free(k2);
	expect_verified(4);
}

/*
 * Many batches, the map growing under them: with a map this small the
 * commit itself fills it now and then, after the next batch was started,
 * and the write phase runs again.
 */
static void submit_each_into_small_map(size_t map_size, size_t per)
{
	enum { TOTAL = 2000, MAX_BATCHES = 200 };
	const size_t BATCHES = TOTAL / per, PER = per; /* <= MAX_BATCHES */
	fx_actor op2 = {"operator", op.key, 1};
	mledger_ledger *small = small_ledger(&op2, map_size);
	static fx_bytes evs[TOTAL];
	static const uint8_t *data[TOTAL];
	static size_t lens[TOTAL];
	mledger_batch_in in[MAX_BATCHES];
	mledger_submit_result res[MAX_BATCHES];
	mledger_verify_result vr;
	uint64_t size;
	uint8_t hash[32];

	for (size_t i = 0; i < BATCHES * PER; i++) {
		char id[64];
		uint8_t seed[32] = {0};
		fx_actor a = {id, NULL, 1};

		snprintf(id, sizeof(id), "each-%zu", i);
		memcpy(seed, id, strlen(id));
		cr_assert_eq(mledger_key_from_seed(&a.key, seed, 32), 0);
		evs[i] = fx_enroll(&op2, &a, MLEDGER_ROLE_MINER);
		mledger_key_free(a.key);
		data[i] = evs[i].data;
		lens[i] = evs[i].len;
	}
	for (size_t k = 0; k < BATCHES; k++)
		in[k] = (mledger_batch_in){data + k * PER, lens + k * PER, PER};
	cr_assert_eq(mledger_submit_each(res, small, in, BATCHES, NULL, NULL,
					 NULL), 0, "%s", mledger_error_last());
	for (size_t k = 0; k < BATCHES; k++) {
		cr_assert_eq(res[k].appended, PER);
		cr_assert_eq(res[k].first_seq, 1 + (uint64_t)k * PER);
		mledger_submit_result_free(&res[k]);
	}
	cr_assert_eq(mledger_ledger_head(&size, hash, small), 0);
	cr_assert_eq(size, 1 + BATCHES * PER);
	cr_assert_eq(mledger_verify(&vr, small, NULL), 0, "%s",
		     mledger_error_last());
	mledger_ledger_close(small);
	for (size_t i = 0; i < BATCHES * PER; i++)
		free(evs[i].data);
}

Test(ledger, submit_each_grows_the_map, .timeout = 120)
{
	submit_each_into_small_map(256 * 1024, 250);
}

Test(ledger, submit_each_commit_fills_the_map, .timeout = 120)
{
	submit_each_into_small_map(64 * 1024, 10);
}
