/*
 * Opening, creating and reading a ledger. Creation writes entry 0 through the
 * ordinary append path, so the genesis event passes the same checks as every
 * other; if that fails, the half-made store is removed again.
 */
#include "codec.h"
#include "ledger_int.h"
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const uint8_t store_version[4] = {0, 0, 0, MLEDGER_STORE_VERSION};

static int path_join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return mledger_error_set(MLEDGER_EINVAL, "path too long: %s", dir);
	return 0;
}

static int ledger_new(mledger_ledger **out, const char *dir)
{
	mledger_ledger *l = calloc(1, sizeof(*l));

	if (l == NULL || (l->dir = strdup(dir)) == NULL) {
		free(l);
		return MLEDGER_NOMEM();
	}
	if (mledger_keycache_new(&l->keys) < 0) {
		free(l->dir);
		free(l);
		return MLEDGER_ENOMEM;
	}
	*out = l;
	return 0;
}

/* Read the store version and the origin named by entry 0. */
static int load_meta(mledger_ledger *l)
{
	MDB_txn *txn;
	MDB_val k = {7, (void *)"version"}, v;
	uint64_t zero = 0;
	MDB_val ek = mledger_seq_key(&zero), ev;
	mledger_entry e;
	mledger_signed sev;
	mledger_event *g = NULL;
	int error, rc;

	if ((error = mledger_store_begin(&l->store, false, &txn)) < 0)
		return error;
	rc = mdb_get(txn, l->store.db.meta, &k, &v);
	if (rc == MDB_NOTFOUND || (rc == 0 && (v.mv_size != 4 ||
			memcmp(v.mv_data, store_version, 4) != 0))) {
		mdb_txn_abort(txn);
		return mledger_error_set(MLEDGER_EIO,
			"%s: not a mineral-ledger store of version %d",
			l->dir, MLEDGER_STORE_VERSION);
	}
	if (rc == 0)
		rc = mdb_get(txn, l->store.db.entries, &ek, &ev);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return mledger_store_error(rc, "reading the genesis entry");
	}
	if ((error = mledger_entry_parse(&e, ev.mv_data, ev.mv_size)) < 0 ||
	    (error = mledger_signed_parse(&sev, e.event, e.event_len)) < 0 ||
	    (error = mledger_event_decode(&g, sev.body, sev.body_len)) < 0) {
		mdb_txn_abort(txn);
		return mledger_error_prefix("genesis entry");
	}
	mdb_txn_abort(txn);
	if (g->type != MLEDGER_EV_GENESIS) {
		mledger_event_free(g);
		return mledger_error_set(MLEDGER_EIO,
			"entry 0 is not a ledger.genesis event");
	}
	l->origin = strdup(g->u.genesis.origin);
	l->operator_id = strdup(g->u.genesis.operator_.id);
	mledger_event_free(g);
	return l->origin && l->operator_id ? 0 : MLEDGER_NOMEM();
}

static int write_version(mledger_store *s)
{
	MDB_txn *txn;
	MDB_val k = {7, (void *)"version"}, v = {4, (void *)store_version};
	int error, rc;

	if ((error = mledger_store_begin(s, true, &txn)) < 0)
		return error;
	rc = mdb_put(txn, s->db.meta, &k, &v, 0);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return mledger_store_error(rc, "writing the store version");
	}
	return mledger_store_error(mdb_txn_commit(txn), "creating the ledger");
}

static void remove_store(const char *dir, bool made_dir)
{
	char path[4096];

	if (path_join(path, sizeof(path), dir, "data.mdb") == 0)
		unlink(path);
	if (path_join(path, sizeof(path), dir, "lock.mdb") == 0)
		unlink(path);
	if (made_dir)
		rmdir(dir);
}

int mledger_ledger_create(mledger_ledger **out, const char *dir,
			  const uint8_t *genesis, size_t genesis_len,
			  const mledger_open_opts *opts)
{
	mledger_submit_opts sopts = MLEDGER_SUBMIT_OPTS_INIT;
	mledger_submit_result res;
	mledger_ledger *l = NULL;
	char path[4096];
	bool made_dir = false;
	struct stat sb;
	int error;

	*out = NULL;
	if ((error = path_join(path, sizeof(path), dir, "data.mdb")) < 0)
		return error;
	if (stat(path, &sb) == 0)
		return mledger_error_set(MLEDGER_EEXISTS,
					 "a ledger already exists at %s", dir);
	if (mkdir(dir, 0755) == 0)
		made_dir = true;
	else if (errno != EEXIST)
		return mledger_error_set(MLEDGER_EIO, "cannot create %s: %s",
					 dir, strerror(errno));
	if ((error = ledger_new(&l, dir)) < 0)
		goto fail;
	if ((error = mledger_store_open(&l->store, dir, MLEDGER_STORE_CREATE,
					opts ? opts->map_size : 0)) < 0 ||
	    (error = write_version(&l->store)) < 0)
		goto fail;
	error = mledger_submit(&res, l, &genesis, &genesis_len, 1, &sopts);
	mledger_submit_result_free(&res);
	if (error < 0 || (error = load_meta(l)) < 0)
		goto fail;
	*out = l;
	return 0;
fail:
	mledger_ledger_close(l);
	remove_store(dir, made_dir);
	return error;
}

int mledger_ledger_open(mledger_ledger **out, const char *dir,
			const mledger_open_opts *opts)
{
	mledger_ledger *l = NULL;
	char path[4096];
	unsigned flags = 0;
	struct stat sb;
	int error;

	*out = NULL;
	if ((error = path_join(path, sizeof(path), dir, "data.mdb")) < 0)
		return error;
	if (stat(path, &sb) != 0)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"no ledger at %s (create one with mledger init)", dir);
	if (opts != NULL && opts->read_only)
		flags |= MLEDGER_STORE_RDONLY;
	if ((error = ledger_new(&l, dir)) < 0)
		return error;
	if ((error = mledger_store_open(&l->store, dir, flags,
					opts ? opts->map_size : 0)) < 0 ||
	    (error = load_meta(l)) < 0) {
		mledger_ledger_close(l);
		return error;
	}
	*out = l;
	return 0;
}

void mledger_ledger_close(mledger_ledger *l)
{
	if (l == NULL)
		return;
	mledger_store_close(&l->store);
	mledger_keycache_free(l->keys);
	free(l->origin);
	free(l->operator_id);
	free(l->dir);
	free(l);
}

const char *mledger_ledger_origin(const mledger_ledger *l)
{
	return l->origin;
}

int mledger_ledger_head(uint64_t *size, uint8_t hash[MLEDGER_HASH_BYTES],
			mledger_ledger *l)
{
	MDB_txn *txn;
	int error;

	if ((error = mledger_store_begin(&l->store, false, &txn)) < 0)
		return error;
	error = mledger_store_head(size, hash, &l->store, txn);
	mdb_txn_abort(txn);
	return error;
}

int mledger_entry_get(uint8_t **out, size_t *out_len, mledger_ledger *l,
		      uint64_t seq)
{
	MDB_txn *txn;
	MDB_val k = mledger_seq_key(&seq), v;
	int error, rc;

	*out = NULL;
	if ((error = mledger_store_begin(&l->store, false, &txn)) < 0)
		return error;
	rc = mdb_get(txn, l->store.db.entries, &k, &v);
	if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return mledger_error_set(MLEDGER_ENOTFOUND, "no entry %llu",
					 (unsigned long long)seq);
	}
	if (rc == 0 && (*out = malloc(v.mv_size ? v.mv_size : 1)) != NULL) {
		memcpy(*out, v.mv_data, v.mv_size);
		*out_len = v.mv_size;
	}
	mdb_txn_abort(txn);
	if (rc != 0)
		return mledger_store_error(rc, "reading an entry");
	return *out ? 0 : MLEDGER_NOMEM();
}

int mledger_ledger_foreach(mledger_ledger *l, uint64_t from, uint64_t to,
			   mledger_entry_fn fn, void *ctx)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k = mledger_seq_key(&from), v;
	MDB_cursor_op op = MDB_SET_RANGE;
	int error, rc;

	if ((error = mledger_store_begin(&l->store, false, &txn)) < 0)
		return error;
	if ((rc = mdb_cursor_open(txn, l->store.db.entries, &cur)) != 0) {
		mdb_txn_abort(txn);
		return mledger_store_error(rc, "reading entries");
	}
	error = 0;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		uint64_t seq;

		op = MDB_NEXT;
		memcpy(&seq, k.mv_data, sizeof(seq));
		if (seq >= to)
			break;
		if ((error = fn(ctx, seq, v.mv_data, v.mv_size)) != 0)
			break;
	}
	if (error == 0 && rc != 0 && rc != MDB_NOTFOUND)
		error = mledger_store_error(rc, "reading entries");
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return error;
}

int mledger_with_state(mledger_ledger *l,
		       int (*fn)(const mledger_state *st, void *ctx), void *ctx)
{
	mledger_state st;
	MDB_txn *txn;
	int error;

	if ((error = mledger_store_begin(&l->store, false, &txn)) < 0)
		return error;
	st.txn = txn;
	st.db = &l->store.db;
	error = fn(&st, ctx);
	mdb_txn_abort(txn);
	return error;
}

typedef struct actor_query {
	const char *id;
	mledger_actor_state *found;
	uint64_t last_seq;
} actor_query;

static int actor_lookup(const mledger_state *st, void *ctx)
{
	actor_query *q = ctx;
	int error = mledger_state_actor_get(&q->found, st, q->id);

	if (error == MLEDGER_ENOTFOUND)
		return mledger_error_set(MLEDGER_ENOTFOUND,
					 "no actor %s in the ledger", q->id);
	if (error < 0)
		return error;
	return mledger_state_actor_seq_get(&q->last_seq, st, q->id);
}

int mledger_actor_get(mledger_actor **out, mledger_ledger *l, const char *id)
{
	actor_query q = {id, NULL, 0};
	int error;

	*out = NULL;
	if (strlen(id) > MLEDGER_ID_MAX)
		return mledger_error_set(MLEDGER_ENOTFOUND,
					 "no actor %.64s... in the ledger", id);
	error = mledger_with_state(l, actor_lookup, &q);
	if (error < 0) {
		mledger_actor_state_free(q.found);
		return error;
	}
	q.found->pub.last_actor_seq = q.last_seq;
	*out = &q.found->pub;
	return 0;
}

void mledger_actor_free(mledger_actor *actor)
{
	mledger_actor_state_free((mledger_actor_state *)actor);
}

typedef struct kid_query {
	const uint8_t *kid;
	char *owner;
} kid_query;

static int kid_lookup(const mledger_state *st, void *ctx)
{
	kid_query *q = ctx;
	mledger_key_state ks;
	char hex[2 * MLEDGER_KID_BYTES + 1];
	int error = mledger_state_key_get(&ks, st, q->kid);

	if (error == MLEDGER_ENOTFOUND) {
		mledger_hex(hex, q->kid, MLEDGER_KID_BYTES);
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"key %s is not enrolled in the ledger", hex);
	}
	if (error < 0)
		return error;
	q->owner = strdup(ks.actor);
	return q->owner ? 0 : MLEDGER_NOMEM();
}

int mledger_actor_by_kid(char **out, mledger_ledger *l,
			 const uint8_t kid[MLEDGER_KID_BYTES])
{
	kid_query q = {kid, NULL};
	int error = mledger_with_state(l, kid_lookup, &q);

	*out = q.owner;
	return error;
}

typedef struct keys_query {
	const char *id;
	mledger_actor_key *keys;
	size_t n;
} keys_query;

static int keys_lookup(const mledger_state *st, void *ctx)
{
	keys_query *q = ctx;
	mledger_actor_state *a = NULL;
	int error = mledger_state_actor_get(&a, st, q->id);

	if (error == MLEDGER_ENOTFOUND)
		return mledger_error_set(MLEDGER_ENOTFOUND,
					 "no actor %s in the ledger", q->id);
	if (error < 0)
		return error;
	q->keys = calloc(a->nkids + 1, sizeof(*q->keys));
	if (q->keys == NULL) {
		mledger_actor_state_free(a);
		return MLEDGER_NOMEM();
	}
	for (size_t i = 0; i < a->nkids && error == 0; i++) {
		mledger_key_state ks;

		if ((error = mledger_state_key_get(&ks, st, a->kids[i])) < 0)
			break;
		memcpy(q->keys[i].kid, a->kids[i], MLEDGER_KID_BYTES);
		q->keys[i].pub = ks.pub;
		q->keys[i].added_seq = ks.added;
		q->keys[i].retired = ks.retired;
		q->keys[i].retired_seq = ks.retired_seq;
		q->n++;
	}
	mledger_actor_state_free(a);
	return error;
}

int mledger_actor_keys(mledger_actor_key **out, size_t *n, mledger_ledger *l,
		       const char *id)
{
	keys_query q = {id, NULL, 0};
	int error;

	*out = NULL;
	*n = 0;
	if (strlen(id) > MLEDGER_ID_MAX)
		return mledger_error_set(MLEDGER_ENOTFOUND,
					 "no actor %.64s... in the ledger", id);
	if ((error = mledger_with_state(l, keys_lookup, &q)) < 0) {
		free(q.keys);
		return error;
	}
	*out = q.keys;
	*n = q.n;
	return 0;
}
