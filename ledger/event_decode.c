/*
 * The strict decoder of event bodies: canonical bytes only, every field of
 * the right type, no unknown fields, the same shape checks as the encoder, so
 * a body that decodes re-encodes to the very same bytes. The decoded event
 * and everything it points to live in one arena.
 */
#include "event_int.h"

#include "arena.h"

#include <stdlib.h>
#include <string.h>

typedef struct decoded_event {
	mledger_event ev;       /* first: mledger_event_free() casts back */
	mledger_arena arena;
} decoded_event;

typedef struct decoder {
	mledger_arena *arena;
	const char *what;       /* "actor.enroll body", for messages */
} decoder;

static int dup_str(const char **out, decoder *d, const char *s, size_t len)
{
	char *copy = mledger_arena_strndup(d->arena, s, len);

	if (copy == NULL)
		return MLEDGER_NOMEM();
	*out = copy;
	return 0;
}

static int get_id(const char **out, decoder *d, const msgpack_object *map,
		  const char *key, const char *label)
{
	const char *s;
	size_t len;
	int error;

	if ((error = mledger_get_str(&s, &len, map, key, d->what)) < 0 ||
	    (error = mledger_check_id(MLEDGER_EFORMAT, label, s, len)) < 0)
		return error;
	return dup_str(out, d, s, len);
}

static int get_text(const char **out, decoder *d, const msgpack_object *map,
		    const char *key, const char *label, bool optional)
{
	const char *s;
	size_t len;
	int error;

	error = optional ? mledger_get_str_opt(&s, &len, map, key, d->what)
			 : mledger_get_str(&s, &len, map, key, d->what);
	if (error < 0)
		return error;
	if (optional && error == 0) {
		*out = NULL;
		return 0;
	}
	if ((error = mledger_check_text(MLEDGER_EFORMAT, label, s, len,
					MLEDGER_NAME_MAX)) < 0)
		return error;
	return dup_str(out, d, s, len);
}

static int get_country(char out[3], decoder *d, const msgpack_object *map,
		       const char *key)
{
	const char *s;
	size_t len;
	int error;

	if ((error = mledger_get_str(&s, &len, map, key, d->what)) < 0)
		return error;
	if (len != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: \"%s\" is not an ISO 3166-1 alpha-2 code", d->what,
			key);
	out[0] = s[0];
	out[1] = s[1];
	out[2] = '\0';
	return 0;
}

static int get_kid(uint8_t out[MLEDGER_KID_BYTES], decoder *d,
		   const msgpack_object *map, const char *key, bool *present)
{
	const uint8_t *b;
	size_t len;
	int error;

	if ((error = mledger_get_bin_opt(&b, &len, map, key, d->what)) < 0)
		return error;
	*present = error == 1;
	if (!*present)
		return 0;
	if (len != MLEDGER_KID_BYTES)
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: \"%s\" must be a %d-byte key id", d->what, key,
			MLEDGER_KID_BYTES);
	memcpy(out, b, MLEDGER_KID_BYTES);
	return 0;
}

static int decode_pubkey(mledger_pubkey *out, decoder *d,
			 const msgpack_object *obj)
{
	static const char *const fields[] = {"alg", "pub"};
	const char *alg;
	const uint8_t *pub;
	size_t alg_len, pub_len;
	char name[16];
	int error;

	if (obj->type != MSGPACK_OBJECT_MAP)
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: a key must be a map", d->what);
	if ((error = mledger_map_only(obj, d->what, fields, 2)) < 0 ||
	    (error = mledger_get_str(&alg, &alg_len, obj, "alg", d->what)) < 0 ||
	    (error = mledger_get_bin(&pub, &pub_len, obj, "pub", d->what)) < 0)
		return error;
	if (alg_len >= sizeof(name) || memchr(alg, '\0', alg_len) != NULL)
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: unknown key algorithm", d->what);
	memcpy(name, alg, alg_len);
	name[alg_len] = '\0';
	if (mledger_alg_parse(&out->alg, name) < 0)
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: unknown key algorithm \"%s\"", d->what, name);
	if (pub_len > MLEDGER_PUBKEY_MAX)
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: public key of %zu bytes is too long", d->what,
			pub_len);
	memcpy(out->pub, pub, pub_len);
	out->len = pub_len;
	return mledger_check_pubkey(MLEDGER_EFORMAT, d->what, out);
}

static int decode_roles(uint32_t *out, decoder *d, const msgpack_object *map)
{
	const msgpack_object_array *arr;
	uint32_t roles = 0, last = 0;
	int error;

	if ((error = mledger_get_array(&arr, map, "roles", d->what)) < 0)
		return error;
	for (uint32_t i = 0; i < arr->size; i++) {
		const msgpack_object *o = &arr->ptr[i];
		uint32_t bit = 0;

		if (o->type == MSGPACK_OBJECT_STR) {
			for (uint32_t b = 1; b & MLEDGER_ROLE_ALL; b <<= 1) {
				const char *n = mledger_role_name(b);

				if (strlen(n) == o->via.str.size &&
				    memcmp(n, o->via.str.ptr, o->via.str.size) == 0)
					bit = b;
			}
		}
		if (bit == 0)
			return mledger_error_set(MLEDGER_EFORMAT,
				"%s: unknown role at position %u", d->what, i);
		/* One encoding per set of roles: listed in bit order, once. */
		if (bit <= last)
			return mledger_error_set(MLEDGER_EFORMAT,
				"%s: roles out of order or repeated", d->what);
		last = bit;
		roles |= bit;
	}
	if (roles == 0)
		return mledger_error_set(MLEDGER_EFORMAT, "%s: no role given",
					 d->what);
	*out = roles;
	return 0;
}

int mledger_decode_record(mledger_actor_record *r, mledger_arena *arena,
			  const msgpack_object *obj, const char *what)
{
	decoder dd = {arena, what};
	decoder *d = &dd;
	static const char *const fields[] = {"country", "facilities", "id",
		"keys", "name", "owner", "roles", "state_owned"};
	static const char *const fac_fields[] = {"country", "id"};
	static const char *const owner_fields[] = {"country", "share_bp"};
	const msgpack_object_array *arr;
	const msgpack_object *owner;
	int error;

	if (obj->type != MSGPACK_OBJECT_MAP)
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: actor record must be a map", d->what);
	if ((error = mledger_map_only(obj, d->what, fields, 8)) < 0 ||
	    (error = get_id(&r->id, d, obj, "id", "actor id")) < 0 ||
	    (error = get_text(&r->name, d, obj, "name", "actor name", false)) < 0 ||
	    (error = decode_roles(&r->roles, d, obj)) < 0 ||
	    (error = get_country(r->country, d, obj, "country")) < 0)
		return error;

	if ((error = mledger_get_array(&arr, obj, "facilities", d->what)) < 0)
		return error;
	if (arr->size > MLEDGER_FACILITIES_MAX)
		return mledger_error_set(MLEDGER_ETOOBIG,
			"%s: more than %d facilities", d->what,
			MLEDGER_FACILITIES_MAX);
	if (arr->size > 0) {
		mledger_facility *f = mledger_arena_alloc(d->arena,
						sizeof(*f) * arr->size);

		if (f == NULL)
			return MLEDGER_NOMEM();
		for (uint32_t i = 0; i < arr->size; i++) {
			const msgpack_object *fo = &arr->ptr[i];

			if (fo->type != MSGPACK_OBJECT_MAP)
				return mledger_error_set(MLEDGER_EFORMAT,
					"%s: a facility must be a map", d->what);
			if ((error = mledger_map_only(fo, d->what, fac_fields, 2)) < 0 ||
			    (error = get_id(&f[i].id, d, fo, "id", "facility id")) < 0 ||
			    (error = get_country(f[i].country, d, fo, "country")) < 0)
				return error;
		}
		r->facilities = f;
		r->nfacilities = arr->size;
	}

	if ((error = mledger_get_array(&arr, obj, "keys", d->what)) < 0)
		return error;
	if (arr->size == 0 || arr->size > MLEDGER_KEYS_MAX)
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: an actor needs 1 to %d keys", d->what,
			MLEDGER_KEYS_MAX);
	{
		mledger_pubkey *k = mledger_arena_alloc(d->arena,
						sizeof(*k) * arr->size);

		if (k == NULL)
			return MLEDGER_NOMEM();
		for (uint32_t i = 0; i < arr->size; i++)
			if ((error = decode_pubkey(&k[i], d, &arr->ptr[i])) < 0)
				return error;
		r->keys = k;
		r->nkeys = arr->size;
	}

	if ((error = mledger_get_map_opt(&owner, obj, "owner", d->what)) < 0)
		return error;
	if (error == 1) {
		uint64_t share;

		if ((error = mledger_map_only(owner, d->what, owner_fields, 2)) < 0 ||
		    (error = get_country(r->owner_country, d, owner, "country")) < 0 ||
		    (error = mledger_get_uint(&share, owner, "share_bp", d->what)) < 0)
			return error;
		if (share > 10000)
			return mledger_error_set(MLEDGER_EFORMAT,
				"%s: owner share_bp %llu is over 10000", d->what,
				(unsigned long long)share);
		r->owner_share_bp = (uint32_t)share;
	}
	{
		bool so = false;
		const msgpack_object *o = mledger_map_find(obj, "state_owned");

		if (o == NULL || o->type != MSGPACK_OBJECT_BOOLEAN)
			return mledger_error_set(MLEDGER_EFORMAT,
				"%s: field \"state_owned\" must be a boolean",
				d->what);
		so = o->via.boolean;
		r->state_owned = so;
	}
	return mledger_check_record(MLEDGER_EFORMAT, d->what, r);
}

/* ---- lot events -------------------------------------------------------- */

static int get_name(int (*parse)(void *, const char *), void *out, decoder *d,
		    const msgpack_object *map, const char *key, bool optional)
{
	const char *s;
	size_t len;
	char name[32];
	int error;

	error = optional ? mledger_get_str_opt(&s, &len, map, key, d->what)
			 : mledger_get_str(&s, &len, map, key, d->what);
	if (error <= 0 && optional)
		return error;
	if (error < 0)
		return error;
	if (len >= sizeof(name) || memchr(s, '\0', len) != NULL)
		goto bad;
	memcpy(name, s, len);
	name[len] = '\0';
	if (parse(out, name) < 0)
		goto bad;
	return 1;
bad:
	return mledger_error_set(MLEDGER_EFORMAT, "%s: unknown %s \"%.*s\"",
				 d->what, key, (int)(len > 32 ? 32 : len), s);
}

static int parse_origin(void *out, const char *n) { return mledger_origin_parse(out, n); }
static int parse_stage(void *out, const char *n) { return mledger_stage_parse(out, n); }
static int parse_model(void *out, const char *n) { return mledger_model_parse(out, n); }
static int parse_adjust(void *out, const char *n) { return mledger_adjust_parse(out, n); }
static int parse_target(void *out, const char *n) { return mledger_target_parse(out, n); }

static int get_content(const mledger_element **out, size_t *n, decoder *d,
		       const msgpack_object *map)
{
	const msgpack_object *c;
	mledger_element *e;
	int error;

	if ((error = mledger_get_map(&c, map, "content", d->what)) < 0)
		return error;
	if (c->via.map.size > MLEDGER_ELEMENTS_MAX)
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: more than %d elements", d->what,
			MLEDGER_ELEMENTS_MAX);
	e = mledger_arena_alloc(d->arena, sizeof(*e) * (c->via.map.size + 1u));
	if (e == NULL)
		return MLEDGER_NOMEM();
	for (uint32_t i = 0; i < c->via.map.size; i++) {
		const msgpack_object_kv *kv = &c->via.map.ptr[i];

		/* Keys are strings (canonical check); symbols are 1-2 bytes. */
		if (kv->key.via.str.size < 1 || kv->key.via.str.size > 2 ||
		    memchr(kv->key.via.str.ptr, '\0', kv->key.via.str.size) ||
		    kv->val.type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    kv->val.via.u64 > MLEDGER_PPM)
			return mledger_error_set(MLEDGER_EFORMAT,
				"%s: content must map element symbols to ppm in 1..1000000",
				d->what);
		memcpy(e[i].symbol, kv->key.via.str.ptr, kv->key.via.str.size);
		e[i].ppm = (uint32_t)kv->val.via.u64;
	}
	*out = e;
	*n = c->via.map.size;
	return mledger_check_content(MLEDGER_EFORMAT, d->what, e, *n);
}

static int get_value(bool *has, uint64_t *out, decoder *d,
		     const msgpack_object *map, const char *key)
{
	int error = mledger_get_uint_opt(out, map, key, d->what);

	if (error < 0)
		return error;
	*has = error == 1;
	return 0;
}

static int decode_register(mledger_ev_register *r, decoder *d,
			   const msgpack_object *root)
{
	static const char *const fields[] = {"actor", "actor_seq", "content",
		"country", "hts", "lot", "mass_g", "material", "origin",
		"secondary", "site", "time", "type", "value_cents"};
	const msgpack_object *sec;
	int error;

	if ((error = mledger_map_only(root, d->what, fields, 14)) < 0 ||
	    (error = get_id(&r->lot, d, root, "lot", "lot id")) < 0 ||
	    (error = get_id(&r->material, d, root, "material", "material")) < 0 ||
	    (error = mledger_get_uint(&r->mass_g, root, "mass_g", d->what)) < 0 ||
	    (error = get_content(&r->content, &r->ncontent, d, root)) < 0 ||
	    (error = get_name(parse_origin, &r->origin, d, root, "origin",
			      false)) < 0 ||
	    (error = get_country(r->country, d, root, "country")) < 0 ||
	    (error = get_id(&r->site, d, root, "site", "site")) < 0 ||
	    (error = get_value(&r->has_value, &r->value_cents, d, root,
			       "value_cents")) < 0)
		return error;
	if (mledger_map_find(root, "hts") != NULL &&
	    (error = get_id(&r->hts, d, root, "hts", "HTS code")) < 0)
		return error;
	sec = mledger_map_find(root, "secondary");
	if (sec != NULL) {
		/* Present only when true: one encoding per meaning. */
		if (sec->type != MSGPACK_OBJECT_BOOLEAN || !sec->via.boolean)
			return mledger_error_set(MLEDGER_EFORMAT,
				"%s: \"secondary\" is present only as true",
				d->what);
		r->secondary = true;
	}
	return 0;
}

static int decode_transform(mledger_ev_transform *t, decoder *d,
			    const msgpack_object *root)
{
	static const char *const fields[] = {"actor", "actor_seq", "country",
		"facility", "inputs", "model", "outputs", "stage", "time",
		"type", "value_added_cents"};
	static const char *const in_fields[] = {"lot", "mass_g"};
	static const char *const out_fields[] = {"content", "hts", "lot",
		"mass_g", "material", "value_cents"};
	const msgpack_object_array *ins, *outs;
	mledger_lot_input *in;
	mledger_lot_output *out;
	int error;

	if ((error = mledger_map_only(root, d->what, fields, 11)) < 0 ||
	    (error = get_id(&t->facility, d, root, "facility", "facility")) < 0 ||
	    (error = get_country(t->country, d, root, "country")) < 0 ||
	    (error = get_name(parse_stage, &t->stage, d, root, "stage",
			      false)) < 0 ||
	    (error = get_name(parse_model, &t->model, d, root, "model",
			      true)) < 0 ||
	    (error = get_value(&t->has_value_added, &t->value_added_cents, d,
			       root, "value_added_cents")) < 0 ||
	    (error = mledger_get_array(&ins, root, "inputs", d->what)) < 0 ||
	    (error = mledger_get_array(&outs, root, "outputs", d->what)) < 0)
		return error;
	if (ins->size > MLEDGER_LOT_IO_MAX || outs->size > MLEDGER_LOT_IO_MAX)
		return mledger_error_set(MLEDGER_ETOOBIG,
			"%s: more than %d inputs or outputs", d->what,
			MLEDGER_LOT_IO_MAX);
	in = mledger_arena_alloc(d->arena, sizeof(*in) * (ins->size + 1u));
	out = mledger_arena_alloc(d->arena, sizeof(*out) * (outs->size + 1u));
	if (in == NULL || out == NULL)
		return MLEDGER_NOMEM();
	for (uint32_t i = 0; i < ins->size; i++) {
		const msgpack_object *o = &ins->ptr[i];

		if (o->type != MSGPACK_OBJECT_MAP)
			return mledger_error_set(MLEDGER_EFORMAT,
				"%s: an input must be a map", d->what);
		if ((error = mledger_map_only(o, d->what, in_fields, 2)) < 0 ||
		    (error = get_id(&in[i].lot, d, o, "lot", "input lot id")) < 0 ||
		    (error = mledger_get_uint(&in[i].mass_g, o, "mass_g",
					      d->what)) < 0)
			return error;
	}
	for (uint32_t i = 0; i < outs->size; i++) {
		const msgpack_object *o = &outs->ptr[i];

		if (o->type != MSGPACK_OBJECT_MAP)
			return mledger_error_set(MLEDGER_EFORMAT,
				"%s: an output must be a map", d->what);
		if ((error = mledger_map_only(o, d->what, out_fields, 6)) < 0 ||
		    (error = get_id(&out[i].lot, d, o, "lot",
				    "output lot id")) < 0 ||
		    (error = get_id(&out[i].material, d, o, "material",
				    "material")) < 0 ||
		    (error = mledger_get_uint(&out[i].mass_g, o, "mass_g",
					      d->what)) < 0 ||
		    (error = get_content(&out[i].content, &out[i].ncontent, d,
					 o)) < 0 ||
		    (error = get_value(&out[i].has_value, &out[i].value_cents,
				       d, o, "value_cents")) < 0)
			return error;
		if (mledger_map_find(o, "hts") != NULL &&
		    (error = get_id(&out[i].hts, d, o, "hts", "HTS code")) < 0)
			return error;
	}
	t->inputs = in;
	t->ninputs = ins->size;
	t->outputs = out;
	t->noutputs = outs->size;
	return 0;
}

static int decode_attest(mledger_ev_attest *a, decoder *d,
			 const msgpack_object *root)
{
	static const char *const fields[] = {"actor", "actor_seq", "doc_sha256",
		"result", "scheme", "target", "time", "type", "valid_from",
		"valid_until"};
	static const char *const target_fields[] = {"id", "kind", "owner"};
	const msgpack_object *target;
	const uint8_t *doc;
	size_t doc_len;
	int error;

	if ((error = mledger_map_only(root, d->what, fields, 10)) < 0 ||
	    (error = get_text(&a->scheme, d, root, "scheme", "scheme", false)) < 0 ||
	    (error = get_text(&a->result, d, root, "result", "result", false)) < 0 ||
	    (error = mledger_get_bin(&doc, &doc_len, root, "doc_sha256",
				     d->what)) < 0 ||
	    (error = mledger_get_uint_opt(&a->valid_from, root, "valid_from",
					  d->what)) < 0 ||
	    (error = mledger_get_uint_opt(&a->valid_until, root, "valid_until",
					  d->what)) < 0 ||
	    (error = mledger_get_map(&target, root, "target", d->what)) < 0 ||
	    (error = mledger_map_only(target, d->what, target_fields, 3)) < 0 ||
	    (error = get_name(parse_target, &a->target, d, target, "kind",
			      false)) < 0 ||
	    (error = get_id(&a->id, d, target, "id", "attested id")) < 0)
		return error;
	if (doc_len != MLEDGER_HASH_BYTES)
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: doc_sha256 must be %d bytes", d->what,
			MLEDGER_HASH_BYTES);
	memcpy(a->doc_sha256, doc, MLEDGER_HASH_BYTES);
	if (mledger_map_find(target, "owner") != NULL &&
	    (error = get_id(&a->owner, d, target, "owner",
			    "facility owner")) < 0)
		return error;
	/* Zero means "not stated" and is encoded by absence. */
	if ((mledger_map_find(root, "valid_from") && a->valid_from == 0) ||
	    (mledger_map_find(root, "valid_until") && a->valid_until == 0))
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: validity dates are omitted, not zero", d->what);
	return 0;
}

int mledger_decode_lot_body(mledger_event *ev, mledger_arena *arena,
			    const msgpack_object *root, const char *what)
{
	static const char *const ship_fields[] = {"actor", "actor_seq", "lot",
		"ref", "time", "to", "type"};
	static const char *const receive_fields[] = {"actor", "actor_seq",
		"lot", "mass_g", "time", "type"};
	static const char *const adjust_fields[] = {"actor", "actor_seq",
		"kind", "lot", "mass_g", "reason", "time", "type"};
	decoder dd = {arena, what};
	decoder *d = &dd;
	int error;

	switch (ev->type) {
	case MLEDGER_EV_LOT_REGISTER:
		error = decode_register(&ev->u.reg, d, root);
		break;
	case MLEDGER_EV_LOT_SHIP:
		if ((error = mledger_map_only(root, what, ship_fields, 7)) < 0 ||
		    (error = get_id(&ev->u.ship.lot, d, root, "lot", "lot id")) < 0 ||
		    (error = get_id(&ev->u.ship.to, d, root, "to",
				    "receiving actor")) < 0)
			return error;
		error = get_text(&ev->u.ship.ref, d, root, "ref",
				 "shipment reference", true);
		break;
	case MLEDGER_EV_LOT_RECEIVE:
		if ((error = mledger_map_only(root, what, receive_fields, 6)) < 0 ||
		    (error = get_id(&ev->u.receive.lot, d, root, "lot",
				    "lot id")) < 0)
			return error;
		error = mledger_get_uint(&ev->u.receive.mass_g, root, "mass_g",
					 what);
		break;
	case MLEDGER_EV_LOT_TRANSFORM:
		error = decode_transform(&ev->u.transform, d, root);
		break;
	case MLEDGER_EV_LOT_ADJUST:
		if ((error = mledger_map_only(root, what, adjust_fields, 8)) < 0 ||
		    (error = get_id(&ev->u.adjust.lot, d, root, "lot",
				    "lot id")) < 0 ||
		    (error = get_name(parse_adjust, &ev->u.adjust.kind, d, root,
				      "kind", false)) < 0 ||
		    (error = mledger_get_uint(&ev->u.adjust.mass_g, root,
					      "mass_g", what)) < 0)
			return error;
		error = get_text(&ev->u.adjust.reason, d, root, "reason",
				 "reason", true);
		break;
	case MLEDGER_EV_LOT_ATTEST:
		error = decode_attest(&ev->u.attest, d, root);
		break;
	default:
		return mledger_error_set(MLEDGER_EFORMAT, "%s: not a lot event",
					 what);
	}
	if (error < 0)
		return error;
	/* The encoder's shape checks, so decode(encode(x)) round-trips. */
	return mledger_check_lot_event(MLEDGER_EFORMAT, ev);
}

static int decode_body(mledger_event *ev, decoder *d, const msgpack_object *root)
{
	static const char *const genesis_fields[] = {"actor", "actor_seq",
		"operator", "origin", "time", "type"};
	static const char *const enroll_fields[] = {"actor", "actor_seq",
		"subject", "time", "type"};
	static const char *const rekey_fields[] = {"actor", "actor_seq", "add",
		"retire", "subject", "time", "type"};
	static const char *const revoke_fields[] = {"actor", "actor_seq", "kid",
		"reason", "subject", "time", "type"};
	const msgpack_object *sub;
	const char *type;
	size_t type_len;
	char name[32];
	int error;

	if (root->type != MSGPACK_OBJECT_MAP)
		return mledger_error_set(MLEDGER_EFORMAT,
					 "event body must be a map");
	if ((error = mledger_get_str(&type, &type_len, root, "type",
				     "event body")) < 0)
		return error;
	if (type_len >= sizeof(name) || memchr(type, '\0', type_len) != NULL)
		return mledger_error_set(MLEDGER_EFORMAT,
					 "event body: unknown event type");
	memcpy(name, type, type_len);
	name[type_len] = '\0';
	if (mledger_event_type_parse(&ev->type, name) < 0)
		return mledger_error_set(MLEDGER_EFORMAT,
			"event body: unknown event type \"%s\"", name);
	d->what = mledger_event_type_name(ev->type);

	if ((error = get_id(&ev->actor, d, root, "actor", "signing actor")) < 0 ||
	    (error = mledger_get_uint(&ev->actor_seq, root, "actor_seq", d->what)) < 0 ||
	    (error = mledger_get_uint(&ev->time, root, "time", d->what)) < 0)
		return error;
	if (ev->actor_seq == 0)
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: actor_seq must be at least 1", d->what);

	switch (ev->type) {
	case MLEDGER_EV_GENESIS:
		if ((error = mledger_map_only(root, d->what, genesis_fields, 6)) < 0 ||
		    (error = get_text(&ev->u.genesis.origin, d, root, "origin",
				      "origin", false)) < 0 ||
		    (error = mledger_get_map(&sub, root, "operator", d->what)) < 0)
			return error;
		if (ev->u.genesis.origin[0] == '\0' ||
		    strchr(ev->u.genesis.origin, '\n') != NULL)
			return mledger_error_set(MLEDGER_EFORMAT,
				"%s: origin must be one non-empty line", d->what);
		return mledger_decode_record(&ev->u.genesis.operator_, d->arena,
					     sub, d->what);
	case MLEDGER_EV_ACTOR_ENROLL:
		if ((error = mledger_map_only(root, d->what, enroll_fields, 5)) < 0 ||
		    (error = mledger_get_map(&sub, root, "subject", d->what)) < 0)
			return error;
		return mledger_decode_record(&ev->u.enroll.subject, d->arena, sub,
					     d->what);
	case MLEDGER_EV_ACTOR_REKEY:
		if ((error = mledger_map_only(root, d->what, rekey_fields, 7)) < 0 ||
		    (error = get_id(&ev->u.rekey.subject, d, root, "subject",
				    "rekey subject")) < 0 ||
		    (error = mledger_get_map(&sub, root, "add", d->what)) < 0 ||
		    (error = decode_pubkey(&ev->u.rekey.add, d, sub)) < 0)
			return error;
		return get_kid(ev->u.rekey.retire, d, root, "retire",
			       &ev->u.rekey.has_retire);
	case MLEDGER_EV_ACTOR_REVOKE:
		if ((error = mledger_map_only(root, d->what, revoke_fields, 7)) < 0 ||
		    (error = get_id(&ev->u.revoke.subject, d, root, "subject",
				    "revoke subject")) < 0 ||
		    (error = get_text(&ev->u.revoke.reason, d, root, "reason",
				      "revoke reason", true)) < 0)
			return error;
		return get_kid(ev->u.revoke.kid, d, root, "kid",
			       &ev->u.revoke.has_kid);
	default:
		return mledger_decode_lot_body(ev, d->arena, root, d->what);
	}
}

/* The event in a parsed body; the doc is freed either way. */
static int decode_doc(mledger_event **out, mledger_doc *doc)
{
	decoded_event *de = calloc(1, sizeof(*de));
	decoder d;
	int error;

	if (de == NULL) {
		mledger_doc_free(doc);
		return MLEDGER_NOMEM();
	}
	d.arena = &de->arena;
	d.what = "event body";
	error = decode_body(&de->ev, &d, &doc->root);
	mledger_doc_free(doc);
	if (error < 0) {
		mledger_event_free(&de->ev);
		return error;
	}
	*out = &de->ev;
	return 0;
}

int mledger_event_decode(mledger_event **out, const uint8_t *body, size_t len)
{
	mledger_doc doc;

	*out = NULL;
	if (mledger_doc_parse(&doc, body, len, MLEDGER_EVENT_MAX) < 0)
		return mledger_error_prefix("event body");
	return decode_doc(out, &doc);
}

/*
 * The bin under the first key of a canonical map, read in place. In an
 * entry ({"event", "prev", "seq", "time"}) and a signed event ({"body",
 * "kid", "sig"}) the wanted field sorts first, so a stored record needs no
 * unpacking to reach it. Every read is bounded by len.
 */
static int first_bin(const uint8_t **out, size_t *out_len, const uint8_t *p,
		     size_t len, const char *key)
{
	size_t klen = strlen(key), at = 2 + klen, n;

	if (len < at + 2 || (p[0] & 0xf0) != 0x80 || p[0] == 0x80 ||
	    p[1] != (0xa0 | klen) || memcmp(p + 2, key, klen) != 0)
		return -1;
	switch (p[at]) {
	case 0xc4:
		n = p[at + 1];
		at += 2;
		break;
	case 0xc5:
		if (len < at + 3)
			return -1;
		n = (size_t)p[at + 1] << 8 | p[at + 2];
		at += 3;
		break;
	case 0xc6:
		if (len < at + 5)
			return -1;
		n = (size_t)p[at + 1] << 24 | (size_t)p[at + 2] << 16 |
		    (size_t)p[at + 3] << 8 | p[at + 4];
		at += 5;
		break;
	default:
		return -1;
	}
	if (n > len - at)
		return -1;
	*out = p + at;
	*out_len = n;
	return 0;
}

int mledger_event_decode_stored(mledger_event **out, const uint8_t *entry,
				size_t len)
{
	const uint8_t *sev, *body;
	size_t sev_len, body_len;
	mledger_doc doc;

	*out = NULL;
	if (len > MLEDGER_ENTRY_MAX ||
	    first_bin(&sev, &sev_len, entry, len, "event") < 0 ||
	    first_bin(&body, &body_len, sev, sev_len, "body") < 0)
		return mledger_error_set(MLEDGER_EIO,
			"stored entry is damaged; run mledger verify");
	if (mledger_doc_parse_stored(&doc, body, body_len,
				     MLEDGER_EVENT_MAX) < 0)
		return mledger_error_prefix("event body");
	return decode_doc(out, &doc);
}

void mledger_event_free(mledger_event *ev)
{
	decoded_event *de = (decoded_event *)ev;

	if (de == NULL)
		return;
	mledger_arena_free(&de->arena);
	free(de);
}
