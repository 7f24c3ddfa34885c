/*
 * The golden vectors' inputs and builder (vectors.h). Events go through the
 * public API (mledger_event_sign; Ed25519 signatures are deterministic, so
 * the same inputs always give the same bytes). Entries use the library's
 * own entry encoder, since the public API gives entry 0 the time of the
 * call and the vectors need a fixed one.
 */
#include "vectors.h"

#include <stdlib.h>
#include <string.h>

#include "ledger_int.h"

static const char *const names[VEC_COUNT] = {
	[VEC_GENESIS] = "genesis.mle",
	[VEC_ENROLL] = "enroll.mle",
	[VEC_REKEY] = "rekey.mle",
	[VEC_REVOKE] = "revoke.mle",
	[VEC_ENTRY0] = "entry0.bin",
	[VEC_ENTRY1] = "entry1.bin",
};

mledger_key *vec_key(uint8_t seed_byte)
{
	uint8_t seed[MLEDGER_ED25519_SEED_BYTES];
	mledger_key *k = NULL;

	memset(seed, seed_byte, sizeof(seed));
	if (mledger_key_from_seed(&k, seed, sizeof(seed)) < 0)
		return NULL;
	return k;
}

/* Public key and kid of the key made from seed_byte. */
static int pub_of(mledger_pubkey *pub, uint8_t kid[MLEDGER_KID_BYTES],
		  uint8_t seed_byte)
{
	mledger_key *k = vec_key(seed_byte);
	int error;

	if (k == NULL)
		return mledger_error_code();
	memset(pub, 0, sizeof(*pub));
	pub->alg = mledger_key_alg(k);
	if ((error = mledger_key_public(pub->pub, &pub->len, k)) == 0)
		error = mledger_key_id(kid, k);
	mledger_key_free(k);
	return error;
}

int vec_event(mledger_event *ev, vec_storage *st, int which)
{
	uint8_t kid[MLEDGER_KID_BYTES];
	mledger_actor_record *r;
	int error;

	memset(ev, 0, sizeof(*ev));
	memset(st, 0, sizeof(*st));
	switch (which) {
	case VEC_GENESIS:
		ev->type = MLEDGER_EV_GENESIS;
		ev->actor = VEC_OPERATOR_ID;
		ev->actor_seq = 1;
		ev->time = VEC_TIME_GENESIS;
		ev->u.genesis.origin = VEC_ORIGIN;
		r = &ev->u.genesis.operator_;
		r->id = VEC_OPERATOR_ID;
		r->name = "Example Ledger Operator";
		r->roles = MLEDGER_ROLE_OPERATOR | MLEDGER_ROLE_REGISTRAR;
		memcpy(r->country, "CA", 3);
		r->keys = st->keys;
		r->nkeys = 1;
		return pub_of(&st->keys[0], kid, VEC_OPERATOR_SEED);
	case VEC_ENROLL:
		ev->type = MLEDGER_EV_ACTOR_ENROLL;
		ev->actor = VEC_OPERATOR_ID;
		ev->actor_seq = 2;
		ev->time = VEC_TIME_ENROLL;
		r = &ev->u.enroll.subject;
		r->id = VEC_MINER_ID;
		/* Names are UTF-8: "Minière Exemple Whabouchi". */
		r->name = "Mini\xc3\xa8re Exemple Whabouchi";
		r->roles = MLEDGER_ROLE_MINER | MLEDGER_ROLE_PROCESSOR;
		memcpy(r->country, "CA", 3);
		st->facility.id = VEC_MINER_ID ".mine";
		memcpy(st->facility.country, "CA", 3);
		r->facilities = &st->facility;
		r->nfacilities = 1;
		memcpy(r->owner_country, "US", 3);
		r->owner_share_bp = 2500;
		r->state_owned = false;
		r->keys = st->keys;
		r->nkeys = 1;
		return pub_of(&st->keys[0], kid, VEC_MINER_SEED);
	case VEC_REKEY:
		ev->type = MLEDGER_EV_ACTOR_REKEY;
		ev->actor = VEC_MINER_ID;
		ev->actor_seq = 1;
		ev->time = VEC_TIME_REKEY;
		ev->u.rekey.subject = VEC_MINER_ID;
		if ((error = pub_of(&ev->u.rekey.add, kid, VEC_MINER_SEED2)) < 0 ||
		    (error = pub_of(&st->keys[0], ev->u.rekey.retire,
				    VEC_MINER_SEED)) < 0)
			return error;
		ev->u.rekey.has_retire = true;
		return 0;
	case VEC_REVOKE:
		ev->type = MLEDGER_EV_ACTOR_REVOKE;
		ev->actor = VEC_OPERATOR_ID;
		ev->actor_seq = 3;
		ev->time = VEC_TIME_REVOKE;
		ev->u.revoke.subject = VEC_MINER_ID;
		ev->u.revoke.has_kid = true;
		ev->u.revoke.reason = "key reported lost";
		return pub_of(&st->keys[0], ev->u.revoke.kid, VEC_MINER_SEED2);
	default:
		return mledger_error_set(MLEDGER_EINVAL, "no event vector %d",
					 which);
	}
}

/* Who signs each event vector: the seed of the signing key. */
static uint8_t signer_seed(int which)
{
	return which == VEC_REKEY ? VEC_MINER_SEED : VEC_OPERATOR_SEED;
}

static int sign_one(vec_file *out, int which)
{
	mledger_event ev;
	vec_storage st;
	mledger_key *key;
	int error;

	if ((error = vec_event(&ev, &st, which)) < 0)
		return error;
	if ((key = vec_key(signer_seed(which))) == NULL)
		return mledger_error_code();
	error = mledger_event_sign(&out->data, &out->len, &ev, key);
	mledger_key_free(key);
	return error;
}

int vec_build(vec_file out[VEC_COUNT])
{
	static const uint8_t zero[MLEDGER_HASH_BYTES];
	uint8_t prev[MLEDGER_HASH_BYTES];
	int error = 0;

	memset(out, 0, sizeof(*out) * VEC_COUNT);
	for (int i = 0; i < VEC_COUNT; i++)
		out[i].name = names[i];
	for (int i = VEC_GENESIS; i <= VEC_REVOKE && error == 0; i++)
		error = sign_one(&out[i], i);
	if (error == 0)
		error = mledger_entry_encode(&out[VEC_ENTRY0].data,
					     &out[VEC_ENTRY0].len, 0,
					     VEC_TIME_GENESIS, zero,
					     out[VEC_GENESIS].data,
					     out[VEC_GENESIS].len);
	if (error == 0) {
		mledger_sha256(prev, out[VEC_ENTRY0].data, out[VEC_ENTRY0].len);
		error = mledger_entry_encode(&out[VEC_ENTRY1].data,
					     &out[VEC_ENTRY1].len, 1,
					     VEC_TIME_ENROLL + 1, prev,
					     out[VEC_ENROLL].data,
					     out[VEC_ENROLL].len);
	}
	if (error < 0)
		vec_free(out);
	return error;
}

void vec_free(vec_file v[VEC_COUNT])
{
	for (int i = 0; i < VEC_COUNT; i++) {
		free(v[i].data);
		v[i].data = NULL;
		v[i].len = 0;
	}
}
