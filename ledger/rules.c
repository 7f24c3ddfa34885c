/*
 * Registry rules: who may sign what. Every event is checked in the same
 * order: the signer exists and is not revoked, the key is the signer's and
 * active at this entry, the actor sequence number is new, the role allows the
 * event type; then the type's own rules. Checks first, writes after: a
 * rejected event leaves the state untouched.
 */
#include "rules.h"
#include "rules_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void kid_hex(char out[2 * MLEDGER_KID_BYTES + 1],
		    const uint8_t kid[MLEDGER_KID_BYTES])
{
	mledger_hex(out, kid, MLEDGER_KID_BYTES);
}

static int put_new_keys(const mledger_state *st, uint64_t seq, const char *actor,
			const mledger_pubkey *keys, size_t n,
			uint8_t (*kids_out)[MLEDGER_KID_BYTES])
{
	int error;

	for (size_t i = 0; i < n; i++) {
		mledger_key_state ks;

		memset(&ks, 0, sizeof(ks));
		snprintf(ks.actor, sizeof(ks.actor), "%s", actor);
		ks.added = seq;
		ks.pub = keys[i];
		if ((error = mledger_kid_compute(kids_out[i], keys[i].alg,
						 keys[i].pub, keys[i].len)) < 0 ||
		    (error = mledger_state_key_put(st, kids_out[i], &ks)) < 0)
			return error;
	}
	return 0;
}

/* Every key of a new record must be a valid key unknown to the ledger. */
static int check_keys_new(const mledger_state *st, const mledger_pubkey *keys,
			  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t kid[MLEDGER_KID_BYTES];
		mledger_key_state ks;
		char hex[2 * MLEDGER_KID_BYTES + 1];
		int error;

		/*
		 * The bytes must be a key: a P-256 point on the curve. An
		 * Ed25519 key is any 32 bytes (OpenSSL does not decode the
		 * point until it verifies), so for those the length is the
		 * whole check, and building a key object just to drop it
		 * would cost more than the rest of the event's rules.
		 */
		if (keys[i].alg == MLEDGER_ALG_ED25519) {
			if (keys[i].len != 32) {
				mledger_error_set(MLEDGER_EFORMAT,
					"an Ed25519 public key is 32 bytes, not %zu",
					keys[i].len);
				return mledger_error_prefix("actor key %zu", i + 1);
			}
		} else {
			mledger_key *parsed = NULL;

			if ((error = mledger_key_from_public(&parsed, keys[i].alg,
							     keys[i].pub,
							     keys[i].len)) < 0)
				return mledger_error_prefix("actor key %zu", i + 1);
			mledger_key_free(parsed);
		}
		if ((error = mledger_kid_compute(kid, keys[i].alg, keys[i].pub,
						 keys[i].len)) < 0)
			return error;
		error = mledger_state_key_get(&ks, st, kid);
		if (error == 0) {
			kid_hex(hex, kid);
			return mledger_error_set(MLEDGER_EEXISTS,
				"key %s is already enrolled (actor %s)", hex,
				ks.actor);
		}
		if (error != MLEDGER_ENOTFOUND)
			return error;
	}
	return 0;
}

static int apply_genesis(const mledger_state *st, uint64_t seq,
			 const mledger_event *ev,
			 const uint8_t kid[MLEDGER_KID_BYTES])
{
	const mledger_actor_record *op = &ev->u.genesis.operator_;
	uint8_t kids[MLEDGER_KEYS_MAX][MLEDGER_KID_BYTES];
	bool signed_by_operator = false;
	int error;

	if (seq != 0)
		return mledger_error_set(MLEDGER_ERULE,
			"ledger.genesis may only be entry 0, not entry %llu",
			(unsigned long long)seq);
	if (strcmp(ev->actor, op->id) != 0)
		return mledger_error_set(MLEDGER_ERULE,
			"ledger.genesis must be signed by its operator %s, not %s",
			op->id, ev->actor);
	if (!(op->roles & MLEDGER_ROLE_OPERATOR))
		return mledger_error_set(MLEDGER_EROLE,
			"ledger.genesis: actor %s lacks the operator role", op->id);
	for (size_t i = 0; i < op->nkeys; i++) {
		if ((error = mledger_kid_compute(kids[i], op->keys[i].alg,
						 op->keys[i].pub,
						 op->keys[i].len)) < 0)
			return error;
		if (memcmp(kids[i], kid, MLEDGER_KID_BYTES) == 0)
			signed_by_operator = true;
	}
	if (!signed_by_operator)
		return mledger_error_set(MLEDGER_EKEY,
			"ledger.genesis is not signed by one of the operator keys it names");
	if ((error = check_keys_new(st, op->keys, op->nkeys)) < 0)
		return error;

	if ((error = put_new_keys(st, seq, op->id, op->keys, op->nkeys, kids)) < 0 ||
	    (error = mledger_state_actor_put(st, op, seq, false, 0,
					     (const uint8_t (*)[MLEDGER_KID_BYTES])kids,
					     op->nkeys)) < 0 ||
	    (error = mledger_state_subject_add(st, op->id, seq)) < 0)
		return error;
	return mledger_state_actor_seq_put(st, op->id, ev->actor_seq);
}

static bool may_register_actors(uint32_t roles)
{
	return (roles & (MLEDGER_ROLE_OPERATOR | MLEDGER_ROLE_REGISTRAR)) != 0;
}

static int apply_enroll(const mledger_state *st, uint64_t seq,
			const mledger_event *ev,
			const mledger_actor_state *signer)
{
	const mledger_actor_record *r = &ev->u.enroll.subject;
	uint8_t kids[MLEDGER_KEYS_MAX][MLEDGER_KID_BYTES];
	int error;

	if (!may_register_actors(signer->pub.record.roles))
		return mledger_error_set(MLEDGER_EROLE,
			"actor %s may not sign actor.enroll: it needs the operator or registrar role",
			ev->actor);
	error = mledger_state_actor_exists(st, r->id);
	if (error == 0)
		return mledger_error_set(MLEDGER_EEXISTS,
			"actor %s is already enrolled", r->id);
	if (error != MLEDGER_ENOTFOUND)
		return error;
	if (r->roles & MLEDGER_ROLE_OPERATOR)
		return mledger_error_set(MLEDGER_EROLE,
			"actor.enroll: a ledger has one operator, named by its genesis; %s cannot be enrolled as another",
			r->id);
	if ((error = check_keys_new(st, r->keys, r->nkeys)) < 0)
		return error;

	if ((error = put_new_keys(st, seq, r->id, r->keys, r->nkeys, kids)) < 0 ||
	    (error = mledger_state_subject_add(st, r->id, seq)) < 0)
		return error;
	return mledger_state_actor_put(st, r, seq, false, 0,
				       (const uint8_t (*)[MLEDGER_KID_BYTES])kids,
				       r->nkeys);
}

/* The subject of a rekey or revoke: enrolled and not revoked. */
static int load_subject(mledger_actor_state **out, const mledger_state *st,
			const char *type, const char *id)
{
	int error = mledger_state_actor_get(out, st, id);

	if (error == MLEDGER_ENOTFOUND)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"%s: actor %s is not enrolled", type, id);
	if (error < 0)
		return error;
	if ((*out)->pub.revoked) {
		uint64_t at = (*out)->pub.revoked_seq;

		mledger_actor_state_free(*out);
		*out = NULL;
		return mledger_error_set(MLEDGER_EKEY,
			"%s: actor %s was revoked at entry %llu", type, id,
			(unsigned long long)at);
	}
	return 0;
}

/* An active key of the subject, by kid, for retire or revoke. */
static int load_active_key(mledger_key_state *ks, const mledger_state *st,
			   const char *type, const char *subject,
			   const uint8_t kid[MLEDGER_KID_BYTES])
{
	char hex[2 * MLEDGER_KID_BYTES + 1];
	int error = mledger_state_key_get(ks, st, kid);

	kid_hex(hex, kid);
	if (error == MLEDGER_ENOTFOUND || (error == 0 && strcmp(ks->actor, subject) != 0))
		return mledger_error_set(MLEDGER_EKEY,
			"%s: key %s is not a key of %s", type, hex, subject);
	if (error < 0)
		return error;
	if (ks->retired)
		return mledger_error_set(MLEDGER_EKEY,
			"%s: key %s of %s was already retired at entry %llu",
			type, hex, subject, (unsigned long long)ks->retired_seq);
	return 0;
}

/* Store subject with one more kid in its list. */
static int put_with_kid(const mledger_state *st, const mledger_actor_state *a,
			const uint8_t kid[MLEDGER_KID_BYTES], bool revoked,
			uint64_t revoked_seq)
{
	uint8_t (*kids)[MLEDGER_KID_BYTES];
	size_t n = a->nkids;
	int error;

	kids = malloc(MLEDGER_KID_BYTES * (n + 1));
	if (kids == NULL)
		return MLEDGER_NOMEM();
	memcpy(kids, a->kids, MLEDGER_KID_BYTES * n);
	if (kid != NULL)
		memcpy(kids[n++], kid, MLEDGER_KID_BYTES);
	error = mledger_state_actor_put(st, &a->pub.record, a->pub.enrolled_seq,
					revoked, revoked_seq,
					(const uint8_t (*)[MLEDGER_KID_BYTES])kids,
					n);
	free(kids);
	return error;
}

/* Number of keys of a that are not retired. */
static int count_active(size_t *out, const mledger_state *st,
			const mledger_actor_state *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->nkids; i++) {
		mledger_key_state ks;
		int error = mledger_state_key_get(&ks, st, a->kids[i]);

		if (error < 0)
			return error;
		n += !ks.retired;
	}
	*out = n;
	return 0;
}

static int apply_rekey(const mledger_state *st, uint64_t seq,
		       const mledger_event *ev,
		       const mledger_actor_state *signer)
{
	const char *type = "actor.rekey";
	const char *subject = ev->u.rekey.subject;
	uint8_t kid[MLEDGER_KID_BYTES];
	mledger_actor_state *a = NULL;
	mledger_key_state retired, added;
	int error;

	if (strcmp(ev->actor, subject) != 0 &&
	    !may_register_actors(signer->pub.record.roles))
		return mledger_error_set(MLEDGER_EROLE,
			"actor %s may not rekey %s: only %s itself or a registrar may",
			ev->actor, subject, subject);
	if ((error = load_subject(&a, st, type, subject)) < 0)
		return error;
	if (a->nkids >= 1024) {
		error = mledger_error_set(MLEDGER_ERULE,
			"%s: actor %s has reached 1024 keys", type, subject);
		goto done;
	}
	if (ev->u.rekey.has_retire &&
	    (error = load_active_key(&retired, st, type, subject,
				     ev->u.rekey.retire)) < 0)
		goto done;
	if ((error = check_keys_new(st, &ev->u.rekey.add, 1)) < 0)
		goto done;

	memset(&added, 0, sizeof(added));
	snprintf(added.actor, sizeof(added.actor), "%s", subject);
	added.added = seq;
	added.pub = ev->u.rekey.add;
	if ((error = mledger_kid_compute(kid, added.pub.alg, added.pub.pub,
					 added.pub.len)) < 0 ||
	    (error = mledger_state_key_put(st, kid, &added)) < 0 ||
	    (error = put_with_kid(st, a, kid, false, 0)) < 0 ||
	    (error = mledger_state_subject_add(st, subject, seq)) < 0)
		goto done;
	if (ev->u.rekey.has_retire) {
		retired.retired = true;
		retired.retired_seq = seq;
		error = mledger_state_key_put(st, ev->u.rekey.retire, &retired);
	}
done:
	mledger_actor_state_free(a);
	return error;
}

static int apply_revoke(const mledger_state *st, uint64_t seq,
			const mledger_event *ev,
			const mledger_actor_state *signer)
{
	const char *type = "actor.revoke";
	const char *subject = ev->u.revoke.subject;
	mledger_actor_state *a = NULL;
	mledger_key_state ks;
	size_t active;
	bool is_operator;
	int error;

	if (!may_register_actors(signer->pub.record.roles))
		return mledger_error_set(MLEDGER_EROLE,
			"actor %s may not sign actor.revoke: it needs the operator or registrar role",
			ev->actor);
	if ((error = load_subject(&a, st, type, subject)) < 0)
		return error;
	/* The operator is the actor that entry 0 enrolled. */
	is_operator = a->pub.enrolled_seq == 0;
	if (!ev->u.revoke.has_kid) {
		if (is_operator) {
			error = mledger_error_set(MLEDGER_ERULE,
				"%s: the ledger operator %s cannot be revoked; rekey it instead",
				type, subject);
			goto done;
		}
		error = put_with_kid(st, a, NULL, true, seq);
		goto done;
	}
	if ((error = load_active_key(&ks, st, type, subject, ev->u.revoke.kid)) < 0 ||
	    (error = count_active(&active, st, a)) < 0)
		goto done;
	if (active <= 1 && is_operator) {
		error = mledger_error_set(MLEDGER_ERULE,
			"%s: that is the last active key of the ledger operator %s",
			type, subject);
		goto done;
	}
	ks.retired = true;
	ks.retired_seq = seq;
	error = mledger_state_key_put(st, ev->u.revoke.kid, &ks);
done:
	/* Both ways out that succeed (whole actor, one key) land here. */
	if (error == 0)
		error = mledger_state_subject_add(st, subject, seq);
	mledger_actor_state_free(a);
	return error;
}

/* The checks common to every event after genesis: who signed, with what. */
static int check_signer(mledger_actor_state **out, const mledger_state *st,
			const mledger_event *ev,
			const uint8_t kid[MLEDGER_KID_BYTES])
{
	const char *type = mledger_event_type_name(ev->type);
	char hex[2 * MLEDGER_KID_BYTES + 1];
	mledger_key_state ks;
	uint64_t last;
	int error;

	kid_hex(hex, kid);
	error = mledger_state_actor_get(out, st, ev->actor);
	if (error == MLEDGER_ENOTFOUND)
		return mledger_error_set(MLEDGER_EKEY,
			"%s signed by %s, which is not an enrolled actor", type,
			ev->actor);
	if (error < 0)
		return error;
	if ((*out)->pub.revoked)
		return mledger_error_set(MLEDGER_EKEY,
			"%s signed by %s, which was revoked at entry %llu", type,
			ev->actor, (unsigned long long)(*out)->pub.revoked_seq);
	error = mledger_state_key_get(&ks, st, kid);
	if (error == MLEDGER_ENOTFOUND)
		return mledger_error_set(MLEDGER_EKEY,
			"%s signed with key %s, which the ledger does not know",
			type, hex);
	if (error < 0)
		return error;
	if (strcmp(ks.actor, ev->actor) != 0)
		return mledger_error_set(MLEDGER_EKEY,
			"%s names actor %s but is signed with key %s of %s",
			type, ev->actor, hex, ks.actor);
	if (ks.retired)
		return mledger_error_set(MLEDGER_EKEY,
			"%s signed with key %s of %s, revoked or retired at entry %llu",
			type, hex, ev->actor, (unsigned long long)ks.retired_seq);
	if ((error = mledger_state_actor_seq_get(&last, st, ev->actor)) < 0)
		return error;
	if (ev->actor_seq <= last)
		return mledger_error_set(MLEDGER_EREPLAY,
			"%s by %s: actor_seq %llu is not above %llu, the last one used (replayed or reordered)",
			type, ev->actor, (unsigned long long)ev->actor_seq,
			(unsigned long long)last);
	return 0;
}

static int apply(const mledger_state *st, uint64_t seq,
		 const mledger_event *ev, const uint8_t kid[MLEDGER_KID_BYTES],
		 mledger_partial *partial)
{
	mledger_actor_state *signer = NULL;
	int error;

	if (ev->type == MLEDGER_EV_GENESIS)
		return apply_genesis(st, seq, ev, kid);
	if (seq == 0)
		return mledger_error_set(MLEDGER_ERULE,
			"entry 0 must be ledger.genesis, not %s",
			mledger_event_type_name(ev->type));
	if ((error = check_signer(&signer, st, ev, kid)) < 0)
		goto done;

	switch (ev->type) {
	case MLEDGER_EV_ACTOR_ENROLL:
		error = apply_enroll(st, seq, ev, signer);
		break;
	case MLEDGER_EV_ACTOR_REKEY:
		error = apply_rekey(st, seq, ev, signer);
		break;
	case MLEDGER_EV_ACTOR_REVOKE:
		error = apply_revoke(st, seq, ev, signer);
		break;
	default:
		error = mledger_rules_apply_lot(st, seq, ev, signer, partial);
		break;
	}
	if (error == 0)
		error = mledger_state_actor_seq_put(st, ev->actor,
						    ev->actor_seq);
done:
	mledger_actor_state_free(signer);
	return error;
}

int mledger_rules_apply(const mledger_state *st, uint64_t seq,
			const mledger_event *ev,
			const uint8_t kid[MLEDGER_KID_BYTES])
{
	return apply(st, seq, ev, kid, NULL);
}

int mledger_rules_apply_partial(const mledger_state *st, uint64_t seq,
				const mledger_event *ev,
				const uint8_t kid[MLEDGER_KID_BYTES],
				mledger_partial *partial)
{
	return apply(st, seq, ev, kid, partial);
}
