/*
 * Lot state records and the lot -> entries index. A lot's state is a small
 * canonical msgpack map rewritten by every event that touches the lot; the
 * index is an LMDB dup-sorted list of 8-byte big-endian sequence numbers, so
 * a lot's history comes back in order without decoding anything.
 */
#include "state.h"

#include "event_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {
	[MLEDGER_LOT_ACTIVE] = "active",
	[MLEDGER_LOT_IN_TRANSIT] = "in-transit",
	[MLEDGER_LOT_CONSUMED] = "consumed",
};

const char *mledger_lot_status_name(mledger_lot_status status)
{
	if ((int)status <= 0 || (size_t)status >= 4)
		return NULL;
	return status_names[status];
}

int mledger_lot_status_parse(mledger_lot_status *out, const char *name)
{
	for (int i = 1; i < 4; i++) {
		if (strcmp(status_names[i], name) == 0) {
			*out = (mledger_lot_status)i;
			return 0;
		}
	}
	return mledger_error_set(MLEDGER_EINVAL,
		"unknown lot status \"%.32s\" (known: active, in-transit, consumed)",
		name);
}

static int damaged(void)
{
	return mledger_error_set(MLEDGER_EIO,
		"stored lot state is damaged; run mledger verify");
}

static int dup_str(const char **out, mledger_arena *a, const char *s,
		   size_t len)
{
	char *copy = mledger_arena_strndup(a, s, len);

	if (copy == NULL)
		return MLEDGER_NOMEM();
	*out = copy;
	return 0;
}

int mledger_lot_state_decode(mledger_lot_state **out, const char *id,
			     size_t id_len, const uint8_t *val, size_t len)
{
	static const char *const fields[] = {"content", "created", "custodian",
		"hts", "last_time", "mass_g", "material", "receiver",
		"remaining_g", "status", "value_cents"};
	const char *what = "lot state";
	const msgpack_object *content;
	const char *s;
	size_t slen;
	mledger_lot_state *ls;
	mledger_lot *l;
	mledger_element *e;
	mledger_doc doc;
	int error;

	*out = NULL;
	if (mledger_doc_parse(&doc, val, len, MLEDGER_EVENT_MAX) < 0)
		return damaged();
	ls = calloc(1, sizeof(*ls));
	if (ls == NULL) {
		mledger_doc_free(&doc);
		return MLEDGER_NOMEM();
	}
	l = &ls->pub;
	if ((error = mledger_map_only(&doc.root, what, fields, 11)) < 0 ||
	    (error = mledger_get_map(&content, &doc.root, "content", what)) < 0 ||
	    (error = mledger_get_uint(&l->created_seq, &doc.root, "created", what)) < 0 ||
	    (error = mledger_get_uint(&l->last_time, &doc.root, "last_time", what)) < 0 ||
	    (error = mledger_get_uint(&l->mass_g, &doc.root, "mass_g", what)) < 0 ||
	    (error = mledger_get_uint(&l->remaining_g, &doc.root, "remaining_g", what)) < 0 ||
	    (error = mledger_get_uint_opt(&l->value_cents, &doc.root, "value_cents", what)) < 0)
		goto fail;
	l->has_value = error == 1;
	if ((error = dup_str(&l->id, &ls->arena, id, id_len)) < 0 ||
	    (error = mledger_get_str(&s, &slen, &doc.root, "material", what)) < 0 ||
	    (error = dup_str(&l->material, &ls->arena, s, slen)) < 0 ||
	    (error = mledger_get_str(&s, &slen, &doc.root, "custodian", what)) < 0 ||
	    (error = dup_str(&l->custodian, &ls->arena, s, slen)) < 0)
		goto fail;
	if ((error = mledger_get_str_opt(&s, &slen, &doc.root, "receiver", what)) < 0 ||
	    (error == 1 && (error = dup_str(&l->receiver, &ls->arena, s, slen)) < 0) ||
	    (error = mledger_get_str_opt(&s, &slen, &doc.root, "hts", what)) < 0 ||
	    (error == 1 && (error = dup_str(&l->hts, &ls->arena, s, slen)) < 0) ||
	    (error = mledger_get_str(&s, &slen, &doc.root, "status", what)) < 0)
		goto fail;
	l->status = 0;
	for (int i = 1; i < 4; i++)
		if (strlen(status_names[i]) == slen &&
		    memcmp(status_names[i], s, slen) == 0)
			l->status = (mledger_lot_status)i;
	if (l->status == 0 || content->via.map.size > MLEDGER_ELEMENTS_MAX) {
		error = MLEDGER_EFORMAT;
		goto fail;
	}
	e = mledger_arena_alloc(&ls->arena,
				sizeof(*e) * (content->via.map.size + 1u));
	if (e == NULL) {
		error = MLEDGER_NOMEM();
		goto fail;
	}
	for (uint32_t i = 0; i < content->via.map.size; i++) {
		const msgpack_object_kv *kv = &content->via.map.ptr[i];

		if (kv->key.via.str.size > 2 ||
		    kv->val.type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    kv->val.via.u64 > MLEDGER_PPM) {
			error = MLEDGER_EFORMAT;
			goto fail;
		}
		memcpy(e[i].symbol, kv->key.via.str.ptr, kv->key.via.str.size);
		e[i].ppm = (uint32_t)kv->val.via.u64;
	}
	l->content = e;
	l->ncontent = content->via.map.size;
	mledger_doc_free(&doc);
	*out = ls;
	return 0;
fail:
	mledger_doc_free(&doc);
	mledger_lot_state_free(ls);
	return error == MLEDGER_ENOMEM ? error : damaged();
}

int mledger_state_lot_get(mledger_lot_state **out, const mledger_state *st,
			  const char *id)
{
	MDB_val k = {strlen(id), (void *)id}, v;
	int rc = mdb_get(st->txn, st->db->lots, &k, &v);

	*out = NULL;
	if (rc == MDB_NOTFOUND)
		return MLEDGER_ENOTFOUND;
	if (rc != 0)
		return mledger_store_error(rc, "reading a lot");
	return mledger_lot_state_decode(out, id, strlen(id), v.mv_data,
					v.mv_size);
}

int mledger_state_lot_exists(const mledger_state *st, const char *id)
{
	MDB_val k = {strlen(id), (void *)id}, v;
	int rc = mdb_get(st->txn, st->db->lots, &k, &v);

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return mledger_store_error(rc, "reading a lot");
	return 1;
}

void mledger_lot_state_free(mledger_lot_state *lot)
{
	if (lot == NULL)
		return;
	mledger_arena_free(&lot->arena);
	free(lot);
}

int mledger_state_lot_put(const mledger_state *st, const mledger_lot *l)
{
	mledger_writer w;
	MDB_val k, v;
	uint8_t *val;
	size_t len;
	int error;

	mledger_w_init(&w);
	mledger_w_map(&w, 8 + (l->hts ? 1u : 0u) + (l->receiver ? 1u : 0u) +
			      (l->has_value ? 1u : 0u));
	mledger_w_key(&w, "content");
	mledger_w_map(&w, l->ncontent);
	for (size_t i = 0; i < l->ncontent; i++) {
		mledger_w_key(&w, l->content[i].symbol);
		mledger_w_uint(&w, l->content[i].ppm);
	}
	mledger_w_key(&w, "created");
	mledger_w_uint(&w, l->created_seq);
	mledger_w_key(&w, "custodian");
	mledger_w_str(&w, l->custodian);
	if (l->hts) {
		mledger_w_key(&w, "hts");
		mledger_w_str(&w, l->hts);
	}
	mledger_w_key(&w, "last_time");
	mledger_w_uint(&w, l->last_time);
	mledger_w_key(&w, "mass_g");
	mledger_w_uint(&w, l->mass_g);
	mledger_w_key(&w, "material");
	mledger_w_str(&w, l->material);
	if (l->receiver) {
		mledger_w_key(&w, "receiver");
		mledger_w_str(&w, l->receiver);
	}
	mledger_w_key(&w, "remaining_g");
	mledger_w_uint(&w, l->remaining_g);
	mledger_w_key(&w, "status");
	mledger_w_str(&w, mledger_lot_status_name(l->status));
	if (l->has_value) {
		mledger_w_key(&w, "value_cents");
		mledger_w_uint(&w, l->value_cents);
	}
	if ((error = mledger_w_finish(&val, &len, &w)) < 0)
		return error;
	k.mv_size = strlen(l->id);
	k.mv_data = (void *)l->id;
	v.mv_size = len;
	v.mv_data = val;
	error = mledger_store_error(mdb_put(st->txn, st->db->lots, &k, &v, 0),
				    "storing a lot");
	free(val);
	return error;
}

int mledger_state_lot_event_add(const mledger_state *st, const char *id,
				uint64_t seq)
{
	uint8_t be[8];
	MDB_val k = {strlen(id), (void *)id}, v = {sizeof(be), be};

	mledger_be64_put(be, seq);
	return mledger_store_error(mdb_put(st->txn, st->db->lot_events, &k, &v,
					   0),
				   "indexing a lot event");
}
