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
	[VEC_REKEY2] = "rekey2.mle",
	[VEC_ENROLL2] = "enroll2.mle",
	[VEC_ENROLL3] = "enroll3.mle",
	[VEC_REGISTER] = "register.mle",
	[VEC_SHIP] = "ship.mle",
	[VEC_RECEIVE] = "receive.mle",
	[VEC_TRANSFORM] = "transform.mle",
	[VEC_ADJUST] = "adjust.mle",
	[VEC_ATTEST] = "attest.mle",
};

const int vec_event_order[VEC_EVENTS] = {
	VEC_GENESIS, VEC_ENROLL, VEC_REKEY, VEC_REVOKE, VEC_REKEY2,
	VEC_ENROLL2, VEC_ENROLL3, VEC_REGISTER, VEC_SHIP, VEC_RECEIVE,
	VEC_TRANSFORM, VEC_ADJUST, VEC_ATTEST,
};

/*
 * The lot: 20 t of SC6 spodumene concentrate, of which 19.95 t arrive and
 * are refined. Per element, mass out never exceeds mass in (g x ppm):
 * Li 2870000 x 165000 <= 19950000 x 27900; Al 15000000 x 140000 <=
 * 19950000 x 110000; Si 15000000 x 290000 <= 19950000 x 230000.
 */
static const mledger_element ore_content[] = {
	{"Al", 110000}, {"Li", 27900}, {"Si", 230000},
};
static const mledger_element lhm_content[] = {{"Li", 165000}};
static const mledger_element residue_content[] = {
	{"Al", 140000}, {"Si", 290000},
};
static const mledger_lot_input refine_inputs[] = {{VEC_LOT_ORE, 19950000}};
static const mledger_lot_output refine_outputs[] = {
	{VEC_LOT_LHM, "lithium-hydroxide", 2870000, lhm_content, 1, "2825.20",
	 true, 2870000},
	{VEC_LOT_RESIDUE, "aluminosilicate-residue", 15000000,
	 residue_content, 2, NULL, false, 0},
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

/* An actor record with one key from seed and at most one facility. */
static int record(mledger_actor_record *r, vec_storage *st, const char *id,
		  const char *name, uint32_t roles, const char *country,
		  const char *facility, uint8_t seed)
{
	uint8_t kid[MLEDGER_KID_BYTES];

	r->id = id;
	r->name = name;
	r->roles = roles;
	memcpy(r->country, country, 3);
	if (facility != NULL) {
		st->facility.id = facility;
		memcpy(st->facility.country, country, 3);
		r->facilities = &st->facility;
		r->nfacilities = 1;
	}
	r->keys = st->keys;
	r->nkeys = 1;
	return pub_of(&st->keys[0], kid, seed);
}

/* The six lot events: bodies only, nothing to compute but a hash. */
static int lot_event(mledger_event *ev, int which)
{
	switch (which) {
	case VEC_REGISTER:
		ev->type = MLEDGER_EV_LOT_REGISTER;
		ev->actor = VEC_MINER_ID;
		ev->actor_seq = 2;
		ev->time = VEC_TIME_REGISTER;
		ev->u.reg.lot = VEC_LOT_ORE;
		ev->u.reg.material = "spodumene-concentrate";
		ev->u.reg.mass_g = 20000000;
		ev->u.reg.content = ore_content;
		ev->u.reg.ncontent = 3;
		ev->u.reg.origin = MLEDGER_ORIGIN_EXTRACTION;
		memcpy(ev->u.reg.country, "CA", 3);
		ev->u.reg.site = VEC_MINE_ID;
		ev->u.reg.hts = "2530.90";
		ev->u.reg.has_value = true;
		ev->u.reg.value_cents = 2000000;
		return 0;
	case VEC_SHIP:
		ev->type = MLEDGER_EV_LOT_SHIP;
		ev->actor = VEC_MINER_ID;
		ev->actor_seq = 3;
		ev->time = VEC_TIME_SHIP;
		ev->u.ship.lot = VEC_LOT_ORE;
		ev->u.ship.to = VEC_REFINER_ID;
		ev->u.ship.ref = "BOL WHA-2026-0042";
		return 0;
	case VEC_RECEIVE:
		ev->type = MLEDGER_EV_LOT_RECEIVE;
		ev->actor = VEC_REFINER_ID;
		ev->actor_seq = 1;
		ev->time = VEC_TIME_RECEIVE;
		ev->u.receive.lot = VEC_LOT_ORE;
		ev->u.receive.mass_g = 19950000;
		return 0;
	case VEC_TRANSFORM:
		ev->type = MLEDGER_EV_LOT_TRANSFORM;
		ev->actor = VEC_REFINER_ID;
		ev->actor_seq = 2;
		ev->time = VEC_TIME_TRANSFORM;
		ev->u.transform.inputs = refine_inputs;
		ev->u.transform.ninputs = 1;
		ev->u.transform.outputs = refine_outputs;
		ev->u.transform.noutputs = 2;
		ev->u.transform.stage = MLEDGER_STAGE_REFINING;
		ev->u.transform.facility = VEC_REFINERY_ID;
		memcpy(ev->u.transform.country, "US", 3);
		ev->u.transform.has_value_added = true;
		ev->u.transform.value_added_cents = 875000;
		ev->u.transform.model = MLEDGER_MODEL_SEGREGATED;
		return 0;
	case VEC_ADJUST:
		ev->type = MLEDGER_EV_LOT_ADJUST;
		ev->actor = VEC_REFINER_ID;
		ev->actor_seq = 3;
		ev->time = VEC_TIME_ADJUST;
		ev->u.adjust.lot = VEC_LOT_LHM;
		ev->u.adjust.kind = MLEDGER_ADJUST_SAMPLE;
		ev->u.adjust.mass_g = 500;
		ev->u.adjust.reason = "assay sample for customer qualification";
		return 0;
	case VEC_ATTEST:
		ev->type = MLEDGER_EV_LOT_ATTEST;
		ev->actor = VEC_AUDITOR_ID;
		ev->actor_seq = 1;
		ev->time = VEC_TIME_ATTEST;
		ev->u.attest.target = MLEDGER_TARGET_FACILITY;
		ev->u.attest.id = VEC_REFINERY_ID;
		ev->u.attest.owner = VEC_REFINER_ID;
		ev->u.attest.scheme = "IRMA";
		ev->u.attest.result = "IRMA 75";
		ev->u.attest.valid_from = VEC_VALID_FROM;
		ev->u.attest.valid_until = VEC_VALID_UNTIL;
		mledger_sha256(ev->u.attest.doc_sha256,
			       (const uint8_t *)VEC_AUDIT_DOC,
			       strlen(VEC_AUDIT_DOC));
		return 0;
	default:
		return mledger_error_set(MLEDGER_EINVAL, "no event vector %d",
					 which);
	}
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
	case VEC_REKEY2:
		/* The miner lost both keys; a registrar may rekey anyone. */
		ev->type = MLEDGER_EV_ACTOR_REKEY;
		ev->actor = VEC_OPERATOR_ID;
		ev->actor_seq = 4;
		ev->time = VEC_TIME_REKEY2;
		ev->u.rekey.subject = VEC_MINER_ID;
		return pub_of(&ev->u.rekey.add, kid, VEC_MINER_SEED3);
	case VEC_ENROLL2:
		ev->type = MLEDGER_EV_ACTOR_ENROLL;
		ev->actor = VEC_OPERATOR_ID;
		ev->actor_seq = 5;
		ev->time = VEC_TIME_ENROLL2;
		return record(&ev->u.enroll.subject, st, VEC_REFINER_ID,
			      "Example Refining Kings Mountain",
			      MLEDGER_ROLE_PROCESSOR, "US", VEC_REFINERY_ID,
			      VEC_REFINER_SEED);
	case VEC_ENROLL3:
		ev->type = MLEDGER_EV_ACTOR_ENROLL;
		ev->actor = VEC_OPERATOR_ID;
		ev->actor_seq = 6;
		ev->time = VEC_TIME_ENROLL3;
		return record(&ev->u.enroll.subject, st, VEC_AUDITOR_ID,
			      "Example Assurance", MLEDGER_ROLE_AUDITOR, "CH",
			      NULL, VEC_AUDITOR_SEED);
	default:
		return lot_event(ev, which);
	}
}

uint8_t vec_signer_seed(int which)
{
	switch (which) {
	case VEC_REKEY:
		return VEC_MINER_SEED;
	case VEC_REGISTER:
	case VEC_SHIP:
		return VEC_MINER_SEED3;
	case VEC_RECEIVE:
	case VEC_TRANSFORM:
	case VEC_ADJUST:
		return VEC_REFINER_SEED;
	case VEC_ATTEST:
		return VEC_AUDITOR_SEED;
	default:
		return VEC_OPERATOR_SEED;
	}
}

static int sign_one(vec_file *out, int which)
{
	mledger_event ev;
	vec_storage st;
	mledger_key *key;
	int error;

	if ((error = vec_event(&ev, &st, which)) < 0)
		return error;
	if ((key = vec_key(vec_signer_seed(which))) == NULL)
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
	for (int i = 0; i < VEC_EVENTS && error == 0; i++)
		error = sign_one(&out[vec_event_order[i]], vec_event_order[i]);
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
