/*
 * The shared test fixture (fixture.h). Failures here abort the test with
 * Criterion's assertions, so suites can call these without checking.
 */
#define _XOPEN_SOURCE 700   /* nftw */
#include "fixture.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *fx_tmpdir(void)
{
	char tmpl[] = "/tmp/mledger-test-XXXXXX";
	char *dir = mkdtemp(tmpl);

	cr_assert_not_null(dir, "mkdtemp failed");
	return strdup(dir);
}

static int remove_one(const char *path, const struct stat *sb, int flag,
		      struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fx_rmdir(char *dir)
{
	if (dir == NULL)
		return;
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

mledger_key *fx_key(uint8_t seed_byte)
{
	uint8_t seed[MLEDGER_ED25519_SEED_BYTES];
	mledger_key *k = NULL;

	memset(seed, seed_byte, sizeof(seed));
	cr_assert_eq(mledger_key_from_seed(&k, seed, sizeof(seed)), 0, "%s",
		     mledger_error_last());
	return k;
}

mledger_actor_record fx_record(const char *id, uint32_t roles,
			       mledger_pubkey *key_storage,
			       const mledger_key *key)
{
	mledger_actor_record r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.name = id;
	r.roles = roles;
	memcpy(r.country, "CA", 3);
	key_storage->alg = mledger_key_alg(key);
	cr_assert_eq(mledger_key_public(key_storage->pub, &key_storage->len,
					key), 0);
	r.keys = key_storage;
	r.nkeys = 1;
	return r;
}

fx_bytes fx_sign(fx_actor *a, mledger_event *ev)
{
	fx_bytes b = {NULL, 0};

	ev->actor = a->id;
	ev->actor_seq = a->next_seq++;
	if (ev->time == 0)
		ev->time = FX_TIME;
	cr_assert_eq(mledger_event_sign(&b.data, &b.len, ev, a->key), 0, "%s",
		     mledger_error_last());
	return b;
}

mledger_ledger *fx_ledger(const char *dir, fx_actor *op)
{
	mledger_pubkey pk;
	mledger_event ev;
	mledger_ledger *l = NULL;
	fx_bytes g;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_GENESIS;
	ev.u.genesis.origin = "test.example/ledger";
	ev.u.genesis.operator_ = fx_record(op->id, MLEDGER_ROLE_OPERATOR |
					   MLEDGER_ROLE_REGISTRAR, &pk, op->key);
	g = fx_sign(op, &ev);
	cr_assert_eq(mledger_ledger_create(&l, dir, g.data, g.len, NULL), 0,
		     "%s", mledger_error_last());
	free(g.data);
	return l;
}

fx_bytes fx_enroll(fx_actor *registrar, fx_actor *subject, uint32_t roles)
{
	mledger_pubkey pk;
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_ACTOR_ENROLL;
	ev.u.enroll.subject = fx_record(subject->id, roles, &pk, subject->key);
	return fx_sign(registrar, &ev);
}

int fx_submit1(mledger_ledger *l, fx_bytes ev)
{
	mledger_submit_result res;
	const uint8_t *data = ev.data;
	int error = mledger_submit(&res, l, &data, &ev.len, 1, NULL);

	mledger_submit_result_free(&res);
	return error;
}

fx_head fx_head_of(mledger_ledger *l)
{
	fx_head h;

	cr_assert_eq(mledger_ledger_head(&h.size, h.hash, l), 0);
	return h;
}

bool fx_head_eq(fx_head a, fx_head b)
{
	return a.size == b.size && memcmp(a.hash, b.hash, sizeof(a.hash)) == 0;
}

mledger_event fx_register_event(const char *lot, uint64_t mass,
				const char *site, const char *cc)
{
	static const mledger_element spodumene[] = {{"Li", 27900}};
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_REGISTER;
	ev.time = FX_TIME;
	ev.u.reg.lot = lot;
	ev.u.reg.material = "spodumene-concentrate";
	ev.u.reg.mass_g = mass;
	ev.u.reg.content = spodumene;
	ev.u.reg.ncontent = 1;
	ev.u.reg.origin = MLEDGER_ORIGIN_EXTRACTION;
	memcpy(ev.u.reg.country, cc, 2);
	ev.u.reg.country[2] = '\0';
	ev.u.reg.site = site;
	return ev;
}

fx_bytes fx_register(fx_actor *a, const char *lot, uint64_t mass,
		     const char *site, const char *cc)
{
	mledger_event ev = fx_register_event(lot, mass, site, cc);

	return fx_sign(a, &ev);
}
