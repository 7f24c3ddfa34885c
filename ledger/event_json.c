/*
 * Events for people: a one-line summary for `mledger log`, and the JSON of a
 * body (bin as lower-case hex) for `show` and `--json`. JSON is built with
 * jansson so strings are always escaped correctly.
 */
#include "codec.h"
#include "json_int.h"
#include "mledger/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mledger_event_summary(char *buf, size_t size, const mledger_event *ev)
{
	const char *type = mledger_event_type_name(ev->type);
	char roles[128];

	switch (ev->type) {
	case MLEDGER_EV_GENESIS:
		snprintf(buf, size, "%s \"%s\" operated by %s", type,
			 ev->u.genesis.origin, ev->u.genesis.operator_.id);
		return;
	case MLEDGER_EV_ACTOR_ENROLL: {
		const mledger_actor_record *r = &ev->u.enroll.subject;

		mledger_roles_format(roles, sizeof(roles), r->roles);
		snprintf(buf, size, "%s %s (%s, %s) by %s", type, r->id, roles,
			 r->country, ev->actor);
		return;
	}
	case MLEDGER_EV_ACTOR_REKEY: {
		uint8_t kid[MLEDGER_KID_BYTES];
		char hex[2 * MLEDGER_KID_BYTES + 1] = "?";

		if (mledger_kid_compute(kid, ev->u.rekey.add.alg,
					ev->u.rekey.add.pub,
					ev->u.rekey.add.len) == 0)
			mledger_hex(hex, kid, sizeof(kid));
		snprintf(buf, size, "%s %s adds key %s%s by %s", type,
			 ev->u.rekey.subject, hex,
			 ev->u.rekey.has_retire ? " and retires one" : "",
			 ev->actor);
		return;
	}
	case MLEDGER_EV_ACTOR_REVOKE: {
		char hex[2 * MLEDGER_KID_BYTES + 1];

		if (ev->u.revoke.has_kid) {
			mledger_hex(hex, ev->u.revoke.kid, MLEDGER_KID_BYTES);
			snprintf(buf, size, "%s key %s of %s by %s", type, hex,
				 ev->u.revoke.subject, ev->actor);
		} else {
			snprintf(buf, size, "%s actor %s by %s", type,
				 ev->u.revoke.subject, ev->actor);
		}
		return;
	}
	case MLEDGER_EV_LOT_REGISTER:
		snprintf(buf, size, "%s %s: %llu g %s from %s %s (%s) by %s",
			 type, ev->u.reg.lot,
			 (unsigned long long)ev->u.reg.mass_g, ev->u.reg.material,
			 mledger_origin_name(ev->u.reg.origin), ev->u.reg.site,
			 ev->u.reg.country, ev->actor);
		return;
	case MLEDGER_EV_LOT_SHIP:
		snprintf(buf, size, "%s %s from %s to %s", type, ev->u.ship.lot,
			 ev->actor, ev->u.ship.to);
		return;
	case MLEDGER_EV_LOT_RECEIVE:
		snprintf(buf, size, "%s %s: %llu g by %s", type,
			 ev->u.receive.lot,
			 (unsigned long long)ev->u.receive.mass_g, ev->actor);
		return;
	case MLEDGER_EV_LOT_TRANSFORM: {
		const mledger_ev_transform *t = &ev->u.transform;

		snprintf(buf, size, "%s %s at %s (%s): %zu input%s -> %s%s by %s",
			 type, mledger_stage_name(t->stage), t->facility,
			 t->country, t->ninputs, t->ninputs == 1 ? "" : "s",
			 t->outputs[0].lot, t->noutputs > 1 ? ", ..." : "",
			 ev->actor);
		return;
	}
	case MLEDGER_EV_LOT_ADJUST:
		snprintf(buf, size, "%s %s: %llu g %s by %s", type,
			 ev->u.adjust.lot, (unsigned long long)ev->u.adjust.mass_g,
			 mledger_adjust_name(ev->u.adjust.kind), ev->actor);
		return;
	case MLEDGER_EV_LOT_ATTEST:
		snprintf(buf, size, "%s %s %s: %s %s by %s", type,
			 mledger_target_name(ev->u.attest.target),
			 ev->u.attest.id, ev->u.attest.scheme,
			 ev->u.attest.result, ev->actor);
		return;
	}
	snprintf(buf, size, "%s by %s", type ? type : "?", ev->actor);
}

json_t *mledger_object_to_json(const msgpack_object *o)
{
	json_t *j = NULL;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return json_null();
	case MSGPACK_OBJECT_BOOLEAN:
		return json_boolean(o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		/* JSON integers here are signed 64-bit: larger ones as text. */
		if (o->via.u64 > (uint64_t)INT64_MAX) {
			char num[32];

			snprintf(num, sizeof(num), "%llu",
				 (unsigned long long)o->via.u64);
			return json_string(num);
		}
		return json_integer((json_int_t)o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return json_integer((json_int_t)o->via.i64);
	case MSGPACK_OBJECT_STR:
		/* msgpack-c may give an empty string a NULL pointer. */
		return json_stringn(o->via.str.size ? o->via.str.ptr : "",
				    o->via.str.size);
	case MSGPACK_OBJECT_BIN: {
		char *hex = malloc(2 * (size_t)o->via.bin.size + 1);

		if (hex == NULL)
			return NULL;
		mledger_hex(hex, (const uint8_t *)o->via.bin.ptr, o->via.bin.size);
		j = json_string(hex);
		free(hex);
		return j;
	}
	case MSGPACK_OBJECT_ARRAY:
		j = json_array();
		for (uint32_t i = 0; j != NULL && i < o->via.array.size; i++) {
			json_t *v = mledger_object_to_json(&o->via.array.ptr[i]);

			if (v == NULL || json_array_append_new(j, v) < 0) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	case MSGPACK_OBJECT_MAP:
		j = json_object();
		for (uint32_t i = 0; j != NULL && i < o->via.map.size; i++) {
			const msgpack_object_kv *kv = &o->via.map.ptr[i];
			json_t *v;

			if (kv->key.type != MSGPACK_OBJECT_STR)
				continue;
			v = mledger_object_to_json(&kv->val);
			if (v == NULL || json_object_setn_new(j,
					kv->key.via.str.size ? kv->key.via.str.ptr : "",
					kv->key.via.str.size, v) < 0) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	default:
		return NULL;
	}
}

int mledger_json_dump(char **out, json_t *j, bool pretty)
{
	/* 15 significant digits: 0.7 prints as 0.7, not 0.69999999999999996. */
	size_t flags = JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY |
		       JSON_REAL_PRECISION(15);

	flags |= pretty ? JSON_INDENT(2) : JSON_COMPACT;
	*out = json_dumps(j, flags);
	json_decref(j);
	if (*out == NULL)
		return MLEDGER_NOMEM();
	return 0;
}

int mledger_body_to_json(char **out, const uint8_t *body, size_t len,
			 bool pretty)
{
	mledger_doc doc;
	json_t *j;
	int error;

	*out = NULL;
	if ((error = mledger_doc_parse(&doc, body, len, MLEDGER_EVENT_MAX)) < 0)
		return mledger_error_prefix("event body");
	j = mledger_object_to_json(&doc.root);
	mledger_doc_free(&doc);
	if (j == NULL)
		return MLEDGER_NOMEM();
	return mledger_json_dump(out, j, pretty);
}
