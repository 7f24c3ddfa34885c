/*
 * mledger audit: judge a bundle (proto/bundles.md) with nothing but the
 * operator's public key. In order, each step trusting only what the one
 * before established:
 *   1. the bundle parses as canonical msgpack within its caps;
 *   2. the checkpoint note verifies with the trusted key;
 *   3. every entry is proved into the checkpoint's tree, the seqs strictly
 *      increase from 0, and entry 0 is the genesis of the checkpoint's
 *      origin; with a served copy of the log (opts->tiles), its checkpoint
 *      is proved consistent with the bundle's and every entry is proved
 *      into it too, from its hash tiles;
 *   4. every event is decoded and its signature checked (in parallel), and
 *      the events are replayed in order through the append rules, in their
 *      partial mode (rules.h), into a scratch store in $TMPDIR, which checks
 *      that each was signed by a key its actor held at that entry;
 *   5. the trusted key is an active key of the operator named by genesis;
 *   6. the lot's trace builds from the replayed state alone, so every lot
 *      in its ancestry has its creating entry in the bundle;
 *   7. the bundle holds exactly the entries its lot calls for
 *      (bundle_closure.c): nothing left out of the indexes the replay
 *      built, nothing swapped in.
 * The first fault ends the audit with one message naming it.
 */
#include "mledger/bundle.h"
#include "mledger/note.h"
#include "mledger/proof.h"
#include "mledger/tiles.h"

#include "batch.h"
#include "bundle_int.h"
#include "codec.h"
#include "event_int.h"
#include "ledger_int.h"
#include "rules.h"
#include "strmap.h"
#include "trace_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mledger_audit {
	mledger_audit_summary sum;
	char lot[MLEDGER_ID_MAX + 1];
	char origin[257];
	mledger_trace *trace;
};

typedef struct auditor {
	const mledger_audit_opts *opts;
	mledger_doc doc;
	char *lot;                /* NUL-terminated copy, in the audit */
	mledger_checkpoint cp;
	size_t n;
	uint64_t *seqs;           /* of each entry, ascending */
	mledger_item *items;      /* the signed event of each entry */
	mledger_store scratch;
	char scratch_dir[4096];
	mledger_keycache *keys;
	mledger_state st;         /* the replay's write transaction */
	mledger_partial partial;
	bool *in_part;            /* entry i was a transform checked in part */
	mledger_strmap scope;     /* the audited lot and its ancestry */
} auditor;

/* ---- 1, 2: the bundle map and its checkpoint ---------------------------- */

static int open_checkpoint(auditor *a, const uint8_t *note, size_t len)
{
	const mledger_audit_opts *o = a->opts;
	const uint8_t *nl;
	char *vkey = NULL, *text = NULL, origin[257];
	int error;

	if (len > MLEDGER_NOTE_MAX)
		return mledger_error_set(MLEDGER_ETOOBIG,
			"bundle: checkpoint of %zu bytes is over the cap of %u",
			len, MLEDGER_NOTE_MAX);
	if (o->trust_vkey == NULL) {
		/* A bare key: name it with the origin the note claims; the
		 * signature over that origin line then decides. */
		nl = memchr(note, '\n', len < sizeof(origin) ? len : sizeof(origin));
		if (nl == NULL || nl == note)
			return mledger_error_set(MLEDGER_EFORMAT,
				"bundle: checkpoint has no origin line");
		memcpy(origin, note, (size_t)(nl - note));
		origin[nl - note] = '\0';
		error = mledger_note_vkey(&vkey, origin, o->trust_key);
		/* A name the key cannot take is the bundle's fault, unless
		 * the key itself is unfit (not Ed25519): then it is the
		 * caller's, as mledger_note_vkey says. */
		if (error == MLEDGER_EINVAL &&
		    mledger_key_alg(o->trust_key) == MLEDGER_ALG_ED25519)
			error = mledger_error_set(MLEDGER_EFORMAT,
				"%s", mledger_error_last());
		if (error < 0)
			return mledger_error_prefix("bundle: checkpoint");
	}
	error = mledger_note_open(&text, (const char *)note, len,
				  vkey ? vkey : o->trust_vkey);
	if (error == 0)
		error = mledger_checkpoint_parse(&a->cp, text);
	if (error < 0)
		mledger_error_prefix("bundle: checkpoint");
	free(vkey);
	free(text);
	return error;
}

static int read_map(auditor *a, const msgpack_object_array **entries)
{
	static const char *const fields[] = {"checkpoint", "entries", "lot",
					     "version"};
	const msgpack_object *root = &a->doc.root;
	const uint8_t *note;
	const char *lot;
	size_t note_len, lot_len;
	uint64_t version;
	int error;

	if (root->type != MSGPACK_OBJECT_MAP)
		return mledger_error_set(MLEDGER_EFORMAT, "bundle: not a map");
	if ((error = mledger_map_only(root, "bundle", fields, 4)) < 0 ||
	    (error = mledger_get_uint(&version, root, "version", "bundle")) < 0)
		return error;
	if (version != MLEDGER_BUNDLE_VERSION)
		return mledger_error_set(MLEDGER_EFORMAT,
			"bundle: version %llu is not one this mledger reads (%d)",
			(unsigned long long)version, MLEDGER_BUNDLE_VERSION);
	if ((error = mledger_get_str(&lot, &lot_len, root, "lot", "bundle")) < 0 ||
	    (error = mledger_get_bin(&note, &note_len, root, "checkpoint",
				     "bundle")) < 0 ||
	    (error = mledger_get_array(entries, root, "entries", "bundle")) < 0)
		return error;
	if ((error = mledger_check_id(MLEDGER_EFORMAT, "bundle: lot", lot,
				      lot_len)) < 0)
		return error;
	if ((*entries)->size == 0)
		return mledger_error_set(MLEDGER_EFORMAT, "bundle: no entries");
	if ((*entries)->size > MLEDGER_BUNDLE_ENTRIES_MAX)
		return mledger_error_set(MLEDGER_ETOOBIG,
			"bundle: %u entries, over the cap of %u",
			(*entries)->size, MLEDGER_BUNDLE_ENTRIES_MAX);
	memcpy(a->lot, lot, lot_len);
	a->lot[lot_len] = '\0';
	return open_checkpoint(a, note, note_len);
}

/* ---- 3: proofs and order -------------------------------------------------- */

/*
 * The served log must have grown from the bundle's checkpoint: same
 * origin, at least as many entries, and a consistency proof from its tiles
 * between the two roots.
 */
static int check_served(auditor *a)
{
	const mledger_checkpoint *cp;
	uint8_t (*proof)[MLEDGER_HASH_BYTES] = NULL;
	size_t n;
	int error;

	if (a->opts->tiles == NULL)
		return 0;
	cp = mledger_tiles_checkpoint(a->opts->tiles);
	if (strcmp(cp->origin, a->cp.origin) != 0)
		return mledger_error_set(MLEDGER_ECHAIN,
			"the served log is %s, the bundle is of %s",
			cp->origin, a->cp.origin);
	if (cp->size < a->cp.size)
		return mledger_error_set(MLEDGER_ECHAIN,
			"the served log has %llu entries, fewer than the %llu of the bundle's checkpoint",
			(unsigned long long)cp->size,
			(unsigned long long)a->cp.size);
	if ((error = mledger_tiles_prove_consistency(&proof, &n, a->opts->tiles,
						     a->cp.size, cp->size)) < 0)
		return mledger_error_prefix("the served log");
	error = mledger_consistency_verify(a->cp.size, cp->size, a->cp.root,
		cp->root, (const uint8_t (*)[MLEDGER_HASH_BYTES])proof, n);
	free(proof);
	if (error < 0)
		return mledger_error_prefix(
			"the served log is not a continuation of the bundle's checkpoint");
	return 0;
}

/* Prove entry seq, with leaf hash leaf, into the served log's tree too. */
static int check_served_entry(auditor *a, uint64_t seq,
			      const uint8_t leaf[MLEDGER_HASH_BYTES])
{
	const mledger_checkpoint *cp;
	uint8_t (*proof)[MLEDGER_HASH_BYTES] = NULL;
	size_t n;
	int error;

	if (a->opts->tiles == NULL)
		return 0;
	cp = mledger_tiles_checkpoint(a->opts->tiles);
	if ((error = mledger_tiles_prove_inclusion(&proof, &n, a->opts->tiles,
						   seq, cp->size)) < 0)
		return mledger_error_prefix("the served log");
	error = mledger_inclusion_verify(seq, cp->size, leaf,
		(const uint8_t (*)[MLEDGER_HASH_BYTES])proof, n, cp->root);
	free(proof);
	if (error < 0)
		return mledger_error_prefix("the served log of %llu entries",
					    (unsigned long long)cp->size);
	return 0;
}

static int check_entry(auditor *a, size_t i, const msgpack_object *obj,
		       uint64_t *seq, mledger_entry *out)
{
	static const char *const fields[] = {"entry", "proof"};
	uint8_t proof[MLEDGER_PROOF_MAX][MLEDGER_HASH_BYTES];
	uint8_t leaf[MLEDGER_HASH_BYTES];
	const msgpack_object_array *arr;
	const uint8_t *data;
	mledger_entry e;
	size_t len;
	int error;

	if (obj->type != MSGPACK_OBJECT_MAP)
		return mledger_error_set(MLEDGER_EFORMAT, "not a map");
	if ((error = mledger_map_only(obj, "entry", fields, 2)) < 0 ||
	    (error = mledger_get_bin(&data, &len, obj, "entry", "entry")) < 0 ||
	    (error = mledger_get_array(&arr, obj, "proof", "entry")) < 0 ||
	    (error = mledger_entry_parse(&e, data, len)) < 0)
		return error;
	if (arr->size > MLEDGER_PROOF_MAX)
		return mledger_error_set(MLEDGER_ETOOBIG,
			"proof of %u hashes is over the cap of %d", arr->size,
			MLEDGER_PROOF_MAX);
	for (uint32_t j = 0; j < arr->size; j++) {
		const msgpack_object *h = &arr->ptr[j];

		if (h->type != MSGPACK_OBJECT_BIN ||
		    h->via.bin.size != MLEDGER_HASH_BYTES)
			return mledger_error_set(MLEDGER_EFORMAT,
				"proof hash %u is not 32 bytes", j + 1);
		memcpy(proof[j], h->via.bin.ptr, MLEDGER_HASH_BYTES);
	}
	if (i == 0 ? e.seq != 0 : e.seq <= a->seqs[i - 1])
		return mledger_error_set(MLEDGER_ECHAIN, i == 0
			? "the first entry must be entry 0, the genesis, not entry %llu"
			: "entry %llu is out of order: seqs must strictly increase",
			(unsigned long long)e.seq);
	if (e.seq >= a->cp.size)
		return mledger_error_set(MLEDGER_ECHAIN,
			"entry %llu is beyond the checkpoint's %llu entries",
			(unsigned long long)e.seq,
			(unsigned long long)a->cp.size);
	mledger_leaf_hash(leaf, data, len);
	if ((error = mledger_inclusion_verify(e.seq, a->cp.size, leaf,
					      (const uint8_t (*)[MLEDGER_HASH_BYTES])proof,
					      arr->size, a->cp.root)) < 0 ||
	    (error = check_served_entry(a, e.seq, leaf)) < 0)
		return error;
	*seq = e.seq;
	*out = e;
	return 0;
}

static int check_entries(auditor *a, const msgpack_object_array *entries)
{
	const mledger_event *g;
	int error;

	mledger_entry *parsed;
	size_t n = entries->size;

	/*
	 * The items (a few hundred bytes each) are made only once every
	 * entry is known to be a real one, so a forged count of tiny array
	 * elements costs no more than the compact arrays here.
	 */
	if ((error = check_served(a)) < 0)
		return error;
	if ((a->seqs = calloc(n, sizeof(*a->seqs))) == NULL ||
	    (parsed = calloc(n, sizeof(*parsed))) == NULL)
		return MLEDGER_NOMEM();
	for (size_t i = 0; i < n; i++) {
		if ((error = check_entry(a, i, &entries->ptr[i], &a->seqs[i],
					 &parsed[i])) < 0) {
			free(parsed);
			return mledger_error_prefix("bundle entry %zu", i + 1);
		}
	}
	if ((a->items = calloc(n, sizeof(*a->items))) == NULL ||
	    (a->in_part = calloc(n, sizeof(*a->in_part))) == NULL) {
		free(parsed);
		return MLEDGER_NOMEM();
	}
	a->n = n;
	for (size_t i = 0; i < n; i++) {
		a->items[i].data = parsed[i].event;
		a->items[i].len = parsed[i].event_len;
	}
	free(parsed);
	mledger_batch_decode(a->items, a->n, a->opts->threads);
	if (a->items[0].error)
		return mledger_error_set(a->items[0].error, "entry 0: %s",
					 a->items[0].message);
	g = a->items[0].ev;
	if (g->type != MLEDGER_EV_GENESIS)
		return mledger_error_set(MLEDGER_ECHAIN,
			"entry 0 is a %s, not the genesis",
			mledger_event_type_name(g->type));
	if (strcmp(g->u.genesis.origin, a->cp.origin) != 0)
		return mledger_error_set(MLEDGER_ECHAIN,
			"the genesis names the ledger %s but the checkpoint is of %s",
			g->u.genesis.origin, a->cp.origin);
	return 0;
}

/* ---- 4: signatures and rules ------------------------------------------------ */

static int open_scratch(auditor *a)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	n = snprintf(a->scratch_dir, sizeof(a->scratch_dir),
		     "%s/mledger-audit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(a->scratch_dir))
		return mledger_error_set(MLEDGER_EIO, "TMPDIR path too long");
	if (mkdtemp(a->scratch_dir) == NULL) {
		a->scratch_dir[0] = '\0';
		return mledger_error_set(MLEDGER_EIO,
			"cannot make a scratch directory for audit in %s",
			tmp && *tmp ? tmp : "/tmp");
	}
	return mledger_store_open(&a->scratch, a->scratch_dir,
				  MLEDGER_STORE_CREATE | MLEDGER_STORE_NOSYNC, 0);
}

static void remove_scratch(auditor *a)
{
	char path[4096 + 16];

	mledger_store_close(&a->scratch);
	if (a->scratch_dir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/data.mdb", a->scratch_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", a->scratch_dir);
	unlink(path);
	rmdir(a->scratch_dir);
}

/*
 * The audited lot and its ancestry as the bundle's events tell it: from the
 * lot, back through the transform that made each lot to its inputs. These
 * are the lots whose whole history the bundle holds; any other lot (one
 * made beside an ancestry lot, consumed later with one) the replay takes
 * as outside the bundle. Worked out from the events alone, before the
 * replay has checked anything: the replay and the trace after it check
 * that the ancestry is really there.
 */
static int find_scope(auditor *a)
{
	mledger_strmap made = MLEDGER_STRMAP_INIT; /* lot -> item making it */
	const char **todo = NULL;
	size_t ntodo = 0, cap = 0, i, k;
	int error = 0;

	for (i = 0; i < a->n && error == 0; i++) {
		const mledger_event *ev = a->items[i].ev;

		if (a->items[i].error)
			continue;
		if (ev->type == MLEDGER_EV_LOT_REGISTER &&
		    !mledger_strmap_get(&made, ev->u.reg.lot, &k))
			error = mledger_strmap_put(&made, ev->u.reg.lot, i);
		for (size_t o = 0; ev->type == MLEDGER_EV_LOT_TRANSFORM &&
				   o < ev->u.transform.noutputs && error == 0; o++) {
			const char *lot = ev->u.transform.outputs[o].lot;

			if (!mledger_strmap_get(&made, lot, &k))
				error = mledger_strmap_put(&made, lot, i);
		}
	}
	if (error == 0 && (todo = malloc(sizeof(*todo))) == NULL)
		error = MLEDGER_NOMEM();
	cap = 1;
	if (error == 0)
		todo[ntodo++] = a->lot;
	while (error == 0 && ntodo > 0) {
		const char *lot = todo[--ntodo];
		const mledger_ev_transform *t;

		if (mledger_strmap_get(&a->scope, lot, &k))
			continue;
		if ((error = mledger_strmap_put(&a->scope, lot, 0)) < 0)
			break;
		if (!mledger_strmap_get(&made, lot, &k) ||
		    a->items[k].ev->type != MLEDGER_EV_LOT_TRANSFORM)
			continue;
		t = &a->items[k].ev->u.transform;
		if (ntodo + t->ninputs > cap) {
			size_t want = 2 * (ntodo + t->ninputs);
			const char **grown = realloc(todo, want * sizeof(*todo));

			if (grown == NULL) {
				error = MLEDGER_NOMEM();
				break;
			}
			todo = grown;
			cap = want;
		}
		for (size_t in = 0; in < t->ninputs; in++)
			todo[ntodo++] = t->inputs[in].lot;
	}
	free(todo);
	mledger_strmap_free(&made);
	return error;
}

static int in_scope(void *ctx, const char *lot)
{
	size_t dummy;

	return mledger_strmap_get(&((auditor *)ctx)->scope, lot, &dummy);
}

/* One pass over the entries in a new write transaction, left open. */
static int replay_once(auditor *a)
{
	int error;

	a->partial = (mledger_partial){0, in_scope, a};
	a->st.db = &a->scratch.db;
	if ((error = mledger_store_begin(&a->scratch, true, &a->st.txn)) < 0)
		return error;
	if ((error = mledger_batch_resolve(a->items, a->n, a->keys, &a->st)) < 0)
		return error;
	mledger_batch_verify(a->items, a->n, a->opts->threads);
	for (size_t i = 0; i < a->n; i++) {
		mledger_item *it = &a->items[i];
		uint64_t before = a->partial.count;

		if (it->error)
			error = mledger_error_set(it->error, "%s", it->message);
		else if ((error = mledger_item_ensure_signed(it, a->keys,
							     &a->st)) == 0)
			error = mledger_rules_apply_partial(&a->st, a->seqs[i],
							    it->ev, it->sev.kid,
							    &a->partial);
		a->in_part[i] = a->partial.count > before;
		if (error == MLEDGER_EMAPFULL || error == MLEDGER_ENOMEM)
			return error;
		if (error < 0)
			return mledger_error_prefix("entry %llu",
						    (unsigned long long)a->seqs[i]);
	}
	return 0;
}

static int replay(auditor *a)
{
	int error;

	if ((error = find_scope(a)) < 0 ||
	    (error = mledger_keycache_new(&a->keys)) < 0 ||
	    (error = open_scratch(a)) < 0)
		return error;
	while ((error = replay_once(a)) == MLEDGER_EMAPFULL) {
		mdb_txn_abort(a->st.txn);
		a->st.txn = NULL;
		if ((error = mledger_store_grow(&a->scratch)) < 0)
			break;
	}
	return error;
}

/* ---- 5: the trusted key is the operator's ---------------------------------- */

static int check_operator(auditor *a)
{
	const char *op = a->items[0].ev->u.genesis.operator_.id;
	const char *trusted = a->opts->trust_vkey;
	mledger_actor_state *actor = NULL;
	char *mine = NULL;
	int error, found = 0;

	if (trusted == NULL) {
		if ((error = mledger_note_vkey(&mine, a->cp.origin,
					       a->opts->trust_key)) < 0)
			return error;
		trusted = mine;
	}
	if ((error = mledger_state_actor_get(&actor, &a->st, op)) < 0)
		goto done;
	for (size_t i = 0; i < actor->nkids && !found && error == 0; i++) {
		mledger_key_state ks;
		mledger_key *key = NULL;
		char *vk = NULL;

		if ((error = mledger_state_key_get(&ks, &a->st,
						   actor->kids[i])) < 0)
			break;
		if (ks.retired || ks.pub.alg != MLEDGER_ALG_ED25519)
			continue;
		if ((error = mledger_key_from_public(&key, ks.pub.alg,
						     ks.pub.pub, ks.pub.len)) == 0 &&
		    (error = mledger_note_vkey(&vk, a->cp.origin, key)) == 0)
			found = strcmp(vk, trusted) == 0;
		mledger_key_free(key);
		free(vk);
	}
	if (error == 0 && !found)
		error = mledger_error_set(MLEDGER_EKEY,
			"the trusted key is not an active key of %s, the operator of %s",
			op, a->cp.origin);
done:
	mledger_actor_state_free(actor);
	free(mine);
	return error;
}

/* ---- 6, 7: the trace and the closure from the replayed state -------------- */

static mledger_item *item_of(auditor *a, uint64_t seq)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->seqs[mid] == seq)
			return &a->items[mid];
		if (a->seqs[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int bundle_creator(void *ctx, const char *lot, uint64_t *seq,
			  mledger_event **ev)
{
	auditor *a = ctx;
	MDB_val k = {strlen(lot), (void *)lot}, v;
	mledger_item *it;
	int rc;

	/* The first of a lot's events is the one that created it. */
	rc = mdb_get(a->st.txn, a->st.db->lot_events, &k, &v);
	if (rc != 0)
		return rc == MDB_NOTFOUND ? MLEDGER_ENOTFOUND
			: mledger_store_error(rc, "reading a lot's history");
	if (v.mv_size != 8)
		return mledger_error_set(MLEDGER_EIO, "audit scratch store damaged");
	*seq = mledger_be64_get(v.mv_data);
	if ((it = item_of(a, *seq)) == NULL)
		return mledger_error_set(MLEDGER_EIO, "audit scratch store damaged");
	return mledger_event_decode(ev, it->sev.body, it->sev.body_len);
}

static int bundle_actor(void *ctx, const char *id, mledger_actor **out)
{
	auditor *a = ctx;
	mledger_actor_state *s = NULL;
	int error = mledger_state_actor_get(&s, &a->st, id);

	if (error == MLEDGER_ENOTFOUND)
		return mledger_error_set(MLEDGER_ENOTFOUND,
					 "no actor %s in the bundle", id);
	*out = s ? &s->pub : NULL;
	return error;
}

static int bundle_event(void *ctx, uint64_t seq, const mledger_event **ev)
{
	mledger_item *it = item_of(ctx, seq);

	if (it == NULL)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"entry %llu is not in the bundle", (unsigned long long)seq);
	*ev = it->ev;
	return 0;
}

static int check_closure(auditor *a, const mledger_trace *trace)
{
	uint64_t *want = NULL;
	size_t n = 0, i;
	int error;

	if ((error = mledger_bundle_closure(&want, &n, &a->st, trace,
					    bundle_event, a)) < 0)
		return error;
	/* want is drawn from the replay of the bundle: a subset of it. */
	for (i = 0; i < n && i < a->n && want[i] == a->seqs[i]; i++)
		;
	if (i < a->n)
		error = mledger_error_set(MLEDGER_ECHAIN,
			"entry %llu does not belong in a bundle of lot %s: it is in no history of the lot's ancestry or of an actor they name",
			(unsigned long long)a->seqs[i], a->lot);
	free(want);
	return error;
}

/*
 * No lot of the ancestry may come from a transform checked in part: its
 * inputs are the ancestry too, so one that was skipped as outside the
 * bundle was either missing (the trace would not build) or made only
 * later in the log, which the full rules refuse.
 */
static int check_whole(auditor *a, const mledger_trace *trace)
{
	for (size_t i = 0; i < mledger_trace_count(trace); i++) {
		const mledger_trace_node *nd = mledger_trace_node_at(trace, i);
		mledger_item *it = item_of(a, nd->seq);

		if (it != NULL && a->in_part[it - a->items])
			return mledger_error_set(MLEDGER_ERULE,
				"entry %llu: lot %s of the ancestry was made by a transform whose inputs were not all in the ledger before it",
				(unsigned long long)nd->seq, nd->lot);
	}
	return 0;
}

static int build(mledger_audit *out, auditor *a)
{
	mledger_trace_source src = {a, bundle_creator, bundle_actor, NULL, NULL};
	int error;

	if (a->opts->lot != NULL && strcmp(a->opts->lot, a->lot) != 0)
		return mledger_error_set(MLEDGER_ECHAIN,
			"the bundle is of lot %s, not %s", a->lot, a->opts->lot);
	if ((error = mledger_trace_build_from(&out->trace, &src, a->lot)) < 0) {
		if (error != MLEDGER_ENOMEM && error != MLEDGER_EIO)
			error = mledger_error_set(MLEDGER_ECHAIN,
				"the bundle does not hold the ancestry of lot %s: %s",
				a->lot, mledger_error_last());
		return error;
	}
	if ((error = check_whole(a, out->trace)) < 0)
		return error;
	return check_closure(a, out->trace);
}

int mledger_bundle_audit(mledger_audit **out, const uint8_t *data, size_t len,
			 const mledger_audit_opts *opts)
{
	mledger_audit *res;
	const msgpack_object_array *entries = NULL;
	auditor a;
	int error;

	*out = NULL;
	if (opts == NULL || (opts->trust_vkey == NULL) == (opts->trust_key == NULL))
		return mledger_error_set(MLEDGER_EINVAL,
			"audit needs the operator's key: a verifier key or a public key");
	/* A malformed trusted key is the caller's fault, not the bundle's. */
	if (opts->trust_vkey != NULL && mledger_vkey_check(opts->trust_vkey) < 0)
		return mledger_error_set(MLEDGER_EINVAL, "trusted key: %s",
					 mledger_error_last());
	if (len > MLEDGER_BUNDLE_MAX)
		return mledger_error_set(MLEDGER_ETOOBIG,
			"bundle of %zu bytes is over the cap of %zu", len,
			MLEDGER_BUNDLE_MAX);
	if ((res = calloc(1, sizeof(*res))) == NULL)
		return MLEDGER_NOMEM();
	memset(&a, 0, sizeof(a));
	a.opts = opts;
	a.lot = res->lot;
	/*
	 * A real bundle spends 20 bytes or more on each value (entries, 34-byte
	 * hashes, keys); one of tiny values is refused before it is unpacked.
	 */
	if ((error = mledger_doc_parse_dense(&a.doc, data, len,
					     MLEDGER_BUNDLE_MAX, 8)) < 0) {
		mledger_error_prefix("bundle");
		goto done;
	}
	if ((error = read_map(&a, &entries)) < 0 ||
	    (error = check_entries(&a, entries)) < 0 ||
	    (error = replay(&a)) < 0 ||
	    (error = check_operator(&a)) < 0 ||
	    (error = build(res, &a)) < 0)
		goto done;
	snprintf(res->origin, sizeof(res->origin), "%s", a.cp.origin);
	res->sum.lot = res->lot;
	res->sum.origin = res->origin;
	res->sum.size = a.cp.size;
	memcpy(res->sum.root, a.cp.root, MLEDGER_HASH_BYTES);
	res->sum.entries = a.n;
	for (size_t i = 0; i < a.n; i++)
		res->sum.signatures += a.items[i].sig_checked;
	res->sum.partial = a.partial.count;
	res->sum.lots = mledger_trace_count(res->trace);
	if (opts->tiles != NULL)
		res->sum.served_size = mledger_tiles_checkpoint(opts->tiles)->size;
	*out = res;
	res = NULL;
done:
	if (a.st.txn != NULL)
		mdb_txn_abort(a.st.txn);
	remove_scratch(&a);
	mledger_keycache_free(a.keys);
	mledger_batch_free(a.items, a.n);
	free(a.in_part);
	mledger_strmap_free(&a.scope);
	free(a.seqs);
	mledger_doc_free(&a.doc);
	mledger_audit_free(res);
	return error;
}

const mledger_audit_summary *mledger_audit_summary_of(const mledger_audit *a)
{
	return &a->sum;
}

const mledger_trace *mledger_audit_trace(const mledger_audit *a)
{
	return a->trace;
}

void mledger_audit_free(mledger_audit *a)
{
	if (a == NULL)
		return;
	mledger_trace_free(a->trace);
	free(a);
}
