/*
 * Event types, roles, and the canonical encoder of event bodies. The field
 * layout of every body is documented in proto/events.md; the writer emits
 * map keys in the canonical (bytewise) order written out in each function.
 */
#include "event_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {
	[MLEDGER_EV_GENESIS] = "ledger.genesis",
	[MLEDGER_EV_ACTOR_ENROLL] = "actor.enroll",
	[MLEDGER_EV_ACTOR_REKEY] = "actor.rekey",
	[MLEDGER_EV_ACTOR_REVOKE] = "actor.revoke",
	[MLEDGER_EV_LOT_REGISTER] = "lot.register",
	[MLEDGER_EV_LOT_SHIP] = "lot.ship",
	[MLEDGER_EV_LOT_RECEIVE] = "lot.receive",
	[MLEDGER_EV_LOT_TRANSFORM] = "lot.transform",
	[MLEDGER_EV_LOT_ADJUST] = "lot.adjust",
	[MLEDGER_EV_LOT_ATTEST] = "lot.attest",
};
#define NTYPES (sizeof(type_names) / sizeof(type_names[0]))

static const char *const role_names[] = {
	"operator", "registrar", "miner", "processor",
	"manufacturer", "recycler", "auditor", "carrier",
};
#define NROLES (sizeof(role_names) / sizeof(role_names[0]))

const char *mledger_event_type_name(mledger_event_type type)
{
	if ((size_t)type >= NTYPES || (int)type <= 0)
		return NULL;
	return type_names[type];
}

int mledger_event_type_parse(mledger_event_type *out, const char *name)
{
	for (size_t i = 1; i < NTYPES; i++) {
		if (type_names[i] != NULL && strcmp(type_names[i], name) == 0) {
			*out = (mledger_event_type)i;
			return 0;
		}
	}
	return mledger_error_set(MLEDGER_EINVAL, "unknown event type \"%s\"",
				 name);
}

const char *mledger_role_name(uint32_t role)
{
	for (size_t i = 0; i < NROLES; i++)
		if (role == (1u << i))
			return role_names[i];
	return NULL;
}

int mledger_roles_parse(uint32_t *out, const char *list)
{
	uint32_t roles = 0;
	const char *p = list;

	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		size_t i;

		for (i = 0; i < NROLES; i++)
			if (strlen(role_names[i]) == len &&
			    memcmp(role_names[i], p, len) == 0)
				break;
		if (i == NROLES)
			return mledger_error_set(MLEDGER_EINVAL,
				"unknown role \"%.*s\" (known: operator, registrar, miner, processor, manufacturer, recycler, auditor, carrier)",
				(int)(len > 64 ? 64 : len), p);
		roles |= 1u << i;
		p += len;
		if (*p == ',')
			p++;
	}
	if (roles == 0)
		return mledger_error_set(MLEDGER_EINVAL, "no role given");
	*out = roles;
	return 0;
}

void mledger_roles_format(char *buf, size_t size, uint32_t roles)
{
	size_t used = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < NROLES; i++) {
		int n;

		if (!(roles & (1u << i)))
			continue;
		n = snprintf(buf + used, size - used, "%s%s",
			     used ? "," : "", role_names[i]);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
}

int mledger_country_valid(const char *cc)
{
	return cc != NULL && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' &&
	       cc[1] <= 'Z' && cc[2] == '\0';
}

int mledger_check_id(int code, const char *what, const char *s, size_t len)
{
	if (s == NULL || len == 0)
		return mledger_error_set(code, "%s is empty", what);
	if (len > MLEDGER_ID_MAX)
		return mledger_error_set(code, "%s is longer than %d bytes",
					 what, MLEDGER_ID_MAX);
	/* Ids appear in paths, URLs and reports: printable ASCII, no spaces. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			return mledger_error_set(code,
				"%s \"%.*s\" has a character that is not printable ASCII (or a space) at position %zu",
				what, (int)(len > 64 ? 64 : len), s, i);
	}
	return 0;
}

int mledger_check_text(int code, const char *what, const char *s, size_t len,
		       size_t max)
{
	if (s == NULL)
		return mledger_error_set(code, "%s is missing", what);
	if (len > max)
		return mledger_error_set(code, "%s is longer than %zu bytes",
					 what, max);
	if (!mledger_utf8_valid((const uint8_t *)s, len))
		return mledger_error_set(code, "%s is not valid UTF-8", what);
	/* C strings end at NUL: one inside would not survive a round trip. */
	if (memchr(s, '\0', len) != NULL)
		return mledger_error_set(code, "%s contains a NUL byte", what);
	return 0;
}

int mledger_check_pubkey(int code, const char *what, const mledger_pubkey *k)
{
	size_t want;

	switch (k->alg) {
	case MLEDGER_ALG_ED25519: want = 32; break;
	case MLEDGER_ALG_P256: want = 65; break;
	default:
		return mledger_error_set(code, "%s: unknown key algorithm",
					 what);
	}
	if (k->len != want)
		return mledger_error_set(code,
			"%s: %s public key must be %zu bytes, not %zu", what,
			mledger_alg_name(k->alg), want, k->len);
	return 0;
}

int mledger_check_record(int code, const char *what,
			 const mledger_actor_record *r)
{
	int error;

	if ((error = mledger_check_id(code, "actor id", r->id,
				      r->id ? strlen(r->id) : 0)) < 0 ||
	    (error = mledger_check_text(code, "actor name", r->name,
					r->name ? strlen(r->name) : 0,
					MLEDGER_NAME_MAX)) < 0)
		return mledger_error_prefix("%s", what);
	if (r->roles == 0 || (r->roles & ~(uint32_t)MLEDGER_ROLE_ALL) != 0)
		return mledger_error_set(code, "%s: actor %s has no valid role",
					 what, r->id);
	if (!mledger_country_valid(r->country))
		return mledger_error_set(code,
			"%s: actor %s: country \"%s\" is not an ISO 3166-1 alpha-2 code",
			what, r->id, r->country);
	if (r->nfacilities > MLEDGER_FACILITIES_MAX)
		return mledger_error_set(code, "%s: actor %s has more than %d facilities",
					 what, r->id, MLEDGER_FACILITIES_MAX);
	for (size_t i = 0; i < r->nfacilities; i++) {
		const mledger_facility *f = &r->facilities[i];

		if ((error = mledger_check_id(code, "facility id", f->id,
					      f->id ? strlen(f->id) : 0)) < 0)
			return mledger_error_prefix("%s: actor %s", what, r->id);
		if (!mledger_country_valid(f->country))
			return mledger_error_set(code,
				"%s: facility %s: country \"%s\" is not an ISO 3166-1 alpha-2 code",
				what, f->id, f->country);
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->facilities[j].id, f->id) == 0)
				return mledger_error_set(code,
					"%s: facility %s listed twice", what,
					f->id);
	}
	if (r->owner_country[0] != '\0' &&
	    !mledger_country_valid(r->owner_country))
		return mledger_error_set(code,
			"%s: actor %s: owner country \"%s\" is not an ISO 3166-1 alpha-2 code",
			what, r->id, r->owner_country);
	if (r->owner_country[0] == '\0' &&
	    (r->owner_share_bp != 0 || r->state_owned))
		return mledger_error_set(code,
			"%s: actor %s: an owner share or state ownership needs an owner country",
			what, r->id);
	if (r->owner_share_bp > 10000)
		return mledger_error_set(code,
			"%s: actor %s: owner share %u.%02u %% is over 100 %%",
			what, r->id, r->owner_share_bp / 100,
			r->owner_share_bp % 100);
	if (r->nkeys == 0 || r->nkeys > MLEDGER_KEYS_MAX)
		return mledger_error_set(code,
			"%s: actor %s must have 1 to %d keys", what, r->id,
			MLEDGER_KEYS_MAX);
	for (size_t i = 0; i < r->nkeys; i++) {
		if ((error = mledger_check_pubkey(code, what, &r->keys[i])) < 0)
			return error;
		for (size_t j = 0; j < i; j++)
			if (r->keys[j].alg == r->keys[i].alg &&
			    r->keys[j].len == r->keys[i].len &&
			    memcmp(r->keys[j].pub, r->keys[i].pub,
				   r->keys[i].len) == 0)
				return mledger_error_set(code,
					"%s: actor %s lists one key twice",
					what, r->id);
	}
	return 0;
}

void mledger_w_pubkey(mledger_writer *w, const mledger_pubkey *k)
{
	mledger_w_map(w, 2);
	mledger_w_key(w, "alg");
	mledger_w_str(w, mledger_alg_name(k->alg));
	mledger_w_key(w, "pub");
	mledger_w_bin(w, k->pub, k->len);
}

void mledger_w_actor_record(mledger_writer *w, const mledger_actor_record *r)
{
	bool owner = r->owner_country[0] != '\0';
	size_t nroles = 0;

	for (uint32_t bit = 1; bit & MLEDGER_ROLE_ALL; bit <<= 1)
		nroles += (r->roles & bit) != 0;

	mledger_w_map(w, owner ? 8 : 7);
	mledger_w_key(w, "country");
	mledger_w_str(w, r->country);
	mledger_w_key(w, "facilities");
	mledger_w_array(w, r->nfacilities);
	for (size_t i = 0; i < r->nfacilities; i++) {
		mledger_w_map(w, 2);
		mledger_w_key(w, "country");
		mledger_w_str(w, r->facilities[i].country);
		mledger_w_key(w, "id");
		mledger_w_str(w, r->facilities[i].id);
	}
	mledger_w_key(w, "id");
	mledger_w_str(w, r->id);
	mledger_w_key(w, "keys");
	mledger_w_array(w, r->nkeys);
	for (size_t i = 0; i < r->nkeys; i++)
		mledger_w_pubkey(w, &r->keys[i]);
	mledger_w_key(w, "name");
	mledger_w_str(w, r->name);
	if (owner) {
		mledger_w_key(w, "owner");
		mledger_w_map(w, 2);
		mledger_w_key(w, "country");
		mledger_w_str(w, r->owner_country);
		mledger_w_key(w, "share_bp");
		mledger_w_uint(w, r->owner_share_bp);
	}
	mledger_w_key(w, "roles");
	mledger_w_array(w, nroles);
	for (uint32_t bit = 1; bit & MLEDGER_ROLE_ALL; bit <<= 1)
		if (r->roles & bit)
			mledger_w_str(w, mledger_role_name(bit));
	mledger_w_key(w, "state_owned");
	mledger_w_bool(w, r->state_owned);
}

/* The fields every body starts with, up to the first type-specific one. */
static void w_head(mledger_writer *w, const mledger_event *ev, size_t nfields)
{
	mledger_w_map(w, nfields);
	mledger_w_key(w, "actor");
	mledger_w_str(w, ev->actor);
	mledger_w_key(w, "actor_seq");
	mledger_w_uint(w, ev->actor_seq);
}

/* The fields every body ends with. */
static void w_tail(mledger_writer *w, const mledger_event *ev)
{
	mledger_w_key(w, "time");
	mledger_w_uint(w, ev->time);
	mledger_w_key(w, "type");
	mledger_w_str(w, mledger_event_type_name(ev->type));
}

static int check_event(const mledger_event *ev)
{
	const int code = MLEDGER_EINVAL;
	const char *name = mledger_event_type_name(ev->type);
	int error;

	if (name == NULL)
		return mledger_error_set(code, "unknown event type %d",
					 (int)ev->type);
	if ((error = mledger_check_id(code, "signing actor", ev->actor,
				      ev->actor ? strlen(ev->actor) : 0)) < 0)
		return error;
	if (ev->actor_seq == 0)
		return mledger_error_set(code, "%s: actor_seq must be at least 1",
					 name);
	switch (ev->type) {
	case MLEDGER_EV_GENESIS:
		if ((error = mledger_check_text(code, "origin", ev->u.genesis.origin,
				ev->u.genesis.origin ? strlen(ev->u.genesis.origin) : 0,
				MLEDGER_NAME_MAX)) < 0)
			return error;
		if (ev->u.genesis.origin[0] == '\0' ||
		    strchr(ev->u.genesis.origin, '\n') != NULL)
			return mledger_error_set(code,
				"origin must be one non-empty line");
		return mledger_check_record(code, name, &ev->u.genesis.operator_);
	case MLEDGER_EV_ACTOR_ENROLL:
		return mledger_check_record(code, name, &ev->u.enroll.subject);
	case MLEDGER_EV_ACTOR_REKEY:
		if ((error = mledger_check_id(code, "rekey subject",
				ev->u.rekey.subject,
				ev->u.rekey.subject ? strlen(ev->u.rekey.subject) : 0)) < 0)
			return error;
		return mledger_check_pubkey(code, name, &ev->u.rekey.add);
	case MLEDGER_EV_ACTOR_REVOKE:
		if ((error = mledger_check_id(code, "revoke subject",
				ev->u.revoke.subject,
				ev->u.revoke.subject ? strlen(ev->u.revoke.subject) : 0)) < 0)
			return error;
		if (ev->u.revoke.reason != NULL)
			return mledger_check_text(code, "revoke reason",
				ev->u.revoke.reason, strlen(ev->u.revoke.reason),
				MLEDGER_NAME_MAX);
		return 0;
	default:
		return mledger_check_lot_event(code, ev);
	}
}

int mledger_event_encode(uint8_t **out, size_t *out_len,
			 const mledger_event *ev)
{
	mledger_writer w;
	int error;

	if ((error = check_event(ev)) < 0)
		return error;
	mledger_w_init(&w);
	switch (ev->type) {
	case MLEDGER_EV_GENESIS:
		w_head(&w, ev, 6);
		mledger_w_key(&w, "operator");
		mledger_w_actor_record(&w, &ev->u.genesis.operator_);
		mledger_w_key(&w, "origin");
		mledger_w_str(&w, ev->u.genesis.origin);
		break;
	case MLEDGER_EV_ACTOR_ENROLL:
		w_head(&w, ev, 5);
		mledger_w_key(&w, "subject");
		mledger_w_actor_record(&w, &ev->u.enroll.subject);
		break;
	case MLEDGER_EV_ACTOR_REKEY:
		w_head(&w, ev, ev->u.rekey.has_retire ? 7 : 6);
		mledger_w_key(&w, "add");
		mledger_w_pubkey(&w, &ev->u.rekey.add);
		if (ev->u.rekey.has_retire) {
			mledger_w_key(&w, "retire");
			mledger_w_bin(&w, ev->u.rekey.retire, MLEDGER_KID_BYTES);
		}
		mledger_w_key(&w, "subject");
		mledger_w_str(&w, ev->u.rekey.subject);
		break;
	case MLEDGER_EV_ACTOR_REVOKE:
		w_head(&w, ev, 5 + (size_t)ev->u.revoke.has_kid +
				       (ev->u.revoke.reason != NULL));
		if (ev->u.revoke.has_kid) {
			mledger_w_key(&w, "kid");
			mledger_w_bin(&w, ev->u.revoke.kid, MLEDGER_KID_BYTES);
		}
		if (ev->u.revoke.reason != NULL) {
			mledger_w_key(&w, "reason");
			mledger_w_str(&w, ev->u.revoke.reason);
		}
		mledger_w_key(&w, "subject");
		mledger_w_str(&w, ev->u.revoke.subject);
		break;
	default:
		/* Lot bodies interleave their fields with time and type. */
		mledger_encode_lot_body(&w, ev);
		return mledger_w_finish(out, out_len, &w);
	}
	w_tail(&w, ev);
	return mledger_w_finish(out, out_len, &w);
}
