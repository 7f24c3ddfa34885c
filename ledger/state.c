/*
 * Actor and key state records. Each is a small canonical msgpack map; the
 * actor's highest actor_seq lives apart in actor_seqs as a fixed 8-byte value
 * because it changes with every event the actor signs, while the rest of the
 * actor changes only on enrolment, rekey and revocation.
 */
#include "state.h"

#include "event_int.h"

#include <stdlib.h>
#include <string.h>

void mledger_be64_put(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t mledger_be64_get(const uint8_t in[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | in[i];
	return v;
}

static int put(const mledger_state *st, MDB_dbi dbi, const void *key,
	       size_t klen, const void *val, size_t vlen, const char *what)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};

	return mledger_store_error(mdb_put(st->txn, dbi, &k, &v, 0), what);
}

static int get(MDB_val *out, const mledger_state *st, MDB_dbi dbi,
	       const void *key, size_t klen)
{
	MDB_val k = {klen, (void *)key};
	int rc = mdb_get(st->txn, dbi, &k, out);

	if (rc == MDB_NOTFOUND)
		return MLEDGER_ENOTFOUND;
	return mledger_store_error(rc, "reading ledger state");
}

/* Stored state is written by this library; damage to it is an I/O fault. */
static int damaged(const char *what)
{
	return mledger_error_set(MLEDGER_EIO,
		"stored %s is damaged; run mledger verify", what);
}

int mledger_state_key_get(mledger_key_state *out, const mledger_state *st,
			  const uint8_t kid[MLEDGER_KID_BYTES])
{
	static const char *const fields[] = {"actor", "added", "alg", "pub",
					     "retired"};
	const char *what = "key state", *actor, *alg;
	const uint8_t *pub;
	size_t actor_len, alg_len, pub_len;
	char name[16];
	MDB_val v;
	mledger_doc doc;
	int error;

	if ((error = get(&v, st, st->db->keys, kid, MLEDGER_KID_BYTES)) < 0)
		return error;
	if (mledger_doc_parse(&doc, v.mv_data, v.mv_size, MLEDGER_EVENT_MAX) < 0)
		return damaged(what);
	memset(out, 0, sizeof(*out));
	if ((error = mledger_map_only(&doc.root, what, fields, 5)) < 0 ||
	    (error = mledger_get_str(&actor, &actor_len, &doc.root, "actor", what)) < 0 ||
	    (error = mledger_get_uint(&out->added, &doc.root, "added", what)) < 0 ||
	    (error = mledger_get_str(&alg, &alg_len, &doc.root, "alg", what)) < 0 ||
	    (error = mledger_get_bin(&pub, &pub_len, &doc.root, "pub", what)) < 0 ||
	    (error = mledger_get_uint_opt(&out->retired_seq, &doc.root,
					  "retired", what)) < 0 ||
	    actor_len > MLEDGER_ID_MAX || alg_len >= sizeof(name) ||
	    pub_len > MLEDGER_PUBKEY_MAX) {
		mledger_doc_free(&doc);
		return damaged(what);
	}
	out->retired = error == 1;
	memcpy(out->actor, actor, actor_len);
	out->actor[actor_len] = '\0';
	memcpy(name, alg, alg_len);
	name[alg_len] = '\0';
	memcpy(out->pub.pub, pub, pub_len);
	out->pub.len = pub_len;
	mledger_doc_free(&doc);
	if (mledger_alg_parse(&out->pub.alg, name) < 0)
		return damaged(what);
	return 0;
}

int mledger_state_key_put(const mledger_state *st,
			  const uint8_t kid[MLEDGER_KID_BYTES],
			  const mledger_key_state *ks)
{
	mledger_writer w;
	uint8_t *val;
	size_t len;
	int error;

	mledger_w_init(&w);
	mledger_w_map(&w, ks->retired ? 5 : 4);
	mledger_w_key(&w, "actor");
	mledger_w_str(&w, ks->actor);
	mledger_w_key(&w, "added");
	mledger_w_uint(&w, ks->added);
	mledger_w_key(&w, "alg");
	mledger_w_str(&w, mledger_alg_name(ks->pub.alg));
	mledger_w_key(&w, "pub");
	mledger_w_bin(&w, ks->pub.pub, ks->pub.len);
	if (ks->retired) {
		mledger_w_key(&w, "retired");
		mledger_w_uint(&w, ks->retired_seq);
	}
	if ((error = mledger_w_finish(&val, &len, &w)) < 0)
		return error;
	error = put(st, st->db->keys, kid, MLEDGER_KID_BYTES, val, len,
		    "storing a key");
	free(val);
	return error;
}

/*
 * The actor cache: direct-mapped by a hash of the id, one decoded actor per
 * slot, each holding one reference. Thread-local since each thread has at
 * most one transaction applying rules.
 */
#define CACHE_SLOTS 256u

static _Thread_local struct {
	MDB_txn *txn;             /* the transaction cached, NULL if none */
	mledger_actor_state *slot[CACHE_SLOTS];
} cache;

static size_t cache_slot(const char *id)
{
	uint32_t h = 2166136261u;   /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h & (CACHE_SLOTS - 1);
}

static void cache_drop(const char *id)
{
	mledger_actor_state **s = &cache.slot[cache_slot(id)];

	if (*s != NULL && strcmp((*s)->pub.record.id, id) == 0) {
		mledger_actor_state_free(*s);
		*s = NULL;
	}
}

static void cache_clear(void)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		mledger_actor_state_free(cache.slot[i]);
		cache.slot[i] = NULL;
	}
}

void mledger_state_cache_begin(const mledger_state *st)
{
	cache_clear();
	cache.txn = st->txn;
}

void mledger_state_cache_end(void)
{
	cache_clear();
	cache.txn = NULL;
}

static int actor_decode(mledger_actor_state **out, const mledger_state *st,
			const char *id);

int mledger_state_actor_get(mledger_actor_state **out, const mledger_state *st,
			    const char *id)
{
	mledger_actor_state **s;
	int error;

	if (cache.txn == NULL || cache.txn != st->txn)
		return actor_decode(out, st, id);
	s = &cache.slot[cache_slot(id)];
	if (*s == NULL || strcmp((*s)->pub.record.id, id) != 0) {
		if ((error = actor_decode(out, st, id)) < 0)
			return error;
		if (strcmp((*out)->pub.record.id, id) != 0)
			return 0;   /* damaged: never let it answer for another id */
		mledger_actor_state_free(*s);
		*s = *out;
	}
	(*s)->extra_refs++;
	*out = *s;
	return 0;
}

static int actor_decode(mledger_actor_state **out, const mledger_state *st,
			const char *id)
{
	static const char *const fields[] = {"enrolled", "keys", "record",
					     "revoked"};
	const char *what = "actor state";
	const msgpack_object *record;
	const msgpack_object_array *kids;
	mledger_actor_state *a;
	mledger_doc doc;
	MDB_val v;
	int error;

	*out = NULL;
	if ((error = get(&v, st, st->db->actors, id, strlen(id))) < 0)
		return error;
	if (mledger_doc_parse(&doc, v.mv_data, v.mv_size, MLEDGER_EVENT_MAX) < 0)
		return damaged(what);
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		mledger_doc_free(&doc);
		return MLEDGER_NOMEM();
	}
	if ((error = mledger_map_only(&doc.root, what, fields, 4)) < 0 ||
	    (error = mledger_get_uint(&a->pub.enrolled_seq, &doc.root,
				      "enrolled", what)) < 0 ||
	    (error = mledger_get_array(&kids, &doc.root, "keys", what)) < 0 ||
	    (error = mledger_get_map(&record, &doc.root, "record", what)) < 0 ||
	    (error = mledger_get_uint_opt(&a->pub.revoked_seq, &doc.root,
					  "revoked", what)) < 0)
		goto fail;
	a->pub.revoked = error == 1;
	if ((error = mledger_decode_record(&a->pub.record, &a->arena, record,
					   what)) < 0)
		goto fail;
	a->kids = mledger_arena_alloc(&a->arena,
				      MLEDGER_KID_BYTES * (kids->size + 1u));
	if (a->kids == NULL) {
		error = MLEDGER_NOMEM();
		goto fail;
	}
	for (uint32_t i = 0; i < kids->size; i++) {
		const msgpack_object *o = &kids->ptr[i];

		if (o->type != MSGPACK_OBJECT_BIN ||
		    o->via.bin.size != MLEDGER_KID_BYTES) {
			error = MLEDGER_EFORMAT;
			goto fail;
		}
		memcpy(a->kids[i], o->via.bin.ptr, MLEDGER_KID_BYTES);
	}
	a->nkids = kids->size;
	mledger_doc_free(&doc);
	*out = a;
	return 0;
fail:
	mledger_doc_free(&doc);
	mledger_actor_state_free(a);
	if (error == MLEDGER_ENOMEM)
		return error;
	return damaged(what);
}

int mledger_state_actor_exists(const mledger_state *st, const char *id)
{
	MDB_val v;

	return get(&v, st, st->db->actors, id, strlen(id));
}

void mledger_actor_state_free(mledger_actor_state *a)
{
	if (a == NULL)
		return;
	if (a->extra_refs > 0) {
		a->extra_refs--;
		return;
	}
	mledger_arena_free(&a->arena);
	free(a);
}

int mledger_state_actor_put(const mledger_state *st,
			    const mledger_actor_record *record,
			    uint64_t enrolled, bool revoked,
			    uint64_t revoked_seq,
			    const uint8_t (*kids)[MLEDGER_KID_BYTES],
			    size_t nkids)
{
	mledger_writer w;
	uint8_t *val;
	size_t len;
	int error;

	mledger_w_init(&w);
	mledger_w_map(&w, revoked ? 4 : 3);
	mledger_w_key(&w, "enrolled");
	mledger_w_uint(&w, enrolled);
	mledger_w_key(&w, "keys");
	mledger_w_array(&w, nkids);
	for (size_t i = 0; i < nkids; i++)
		mledger_w_bin(&w, kids[i], MLEDGER_KID_BYTES);
	mledger_w_key(&w, "record");
	mledger_w_actor_record(&w, record);
	if (revoked) {
		mledger_w_key(&w, "revoked");
		mledger_w_uint(&w, revoked_seq);
	}
	if ((error = mledger_w_finish(&val, &len, &w)) < 0)
		return error;
	/* Whatever the transaction: a child's write reaches its parent. */
	cache_drop(record->id);
	error = put(st, st->db->actors, record->id, strlen(record->id), val,
		    len, "storing an actor");
	free(val);
	return error;
}

int mledger_state_actor_seq_get(uint64_t *out, const mledger_state *st,
				const char *id)
{
	MDB_val v;
	int error = get(&v, st, st->db->actor_seqs, id, strlen(id));

	if (error == MLEDGER_ENOTFOUND) {
		*out = 0;
		return 0;
	}
	if (error < 0)
		return error;
	if (v.mv_size != 8)
		return damaged("actor sequence number");
	*out = mledger_be64_get(v.mv_data);
	return 0;
}

int mledger_state_actor_seq_put(const mledger_state *st, const char *id,
				uint64_t seq)
{
	uint8_t val[8];

	mledger_be64_put(val, seq);
	return put(st, st->db->actor_seqs, id, strlen(id), val, sizeof(val),
		   "storing an actor sequence number");
}

int mledger_state_subject_add(const mledger_state *st, const char *id,
			      uint64_t seq)
{
	uint8_t be[8];
	MDB_val k = {strlen(id), (void *)id}, v = {sizeof(be), be};

	mledger_be64_put(be, seq);
	return mledger_store_error(mdb_put(st->txn, st->db->subjects, &k, &v, 0),
				   "indexing an entry about an actor");
}
