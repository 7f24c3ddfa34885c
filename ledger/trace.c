/*
 * Building the ancestry DAG of a lot. A breadth-first walk from the lot
 * reads, for every lot it meets, the event that created it; a transform adds
 * its inputs to the walk. Nodes are then ordered by the sequence number of
 * their creating entry, newest first: an input always exists before the
 * transform that consumes it, so this order puts every input after the lots
 * made from it, which is all the share computation needs to run in one pass.
 */
#include "trace_int.h"

#include "arena.h"
#include "codec.h"
#include "ledger_int.h"
#include "state.h"
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

struct mledger_trace {
	mledger_arena arena;
	mledger_trace_node *nodes;
	size_t n, cap;
	mledger_strmap lots;      /* lot id -> node index */
	mledger_strmap actors;    /* actor id -> index in actor_cache */
	mledger_trace_actor *actor_cache;
	size_t nactors, cap_actors;
};

size_t mledger_trace_count(const mledger_trace *t)
{
	return t->n;
}

const mledger_trace_node *mledger_trace_node_at(const mledger_trace *t,
						size_t i)
{
	return i < t->n ? &t->nodes[i] : NULL;
}

void mledger_trace_free(mledger_trace *t)
{
	if (t == NULL)
		return;
	free(t->nodes);
	free(t->actor_cache);
	mledger_strmap_free(&t->lots);
	mledger_strmap_free(&t->actors);
	mledger_arena_free(&t->arena);
	free(t);
}

static char *dup(mledger_trace *t, const char *s)
{
	return s ? mledger_arena_strndup(&t->arena, s, strlen(s)) : NULL;
}

/* The node of lot, added (empty, to be filled by the walk) if new. */
static int node_of(size_t *out, mledger_trace *t, const char *lot)
{
	int error;

	if (mledger_strmap_get(&t->lots, lot, out))
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		mledger_trace_node *nodes = realloc(t->nodes, cap * sizeof(*nodes));

		if (nodes == NULL)
			return MLEDGER_NOMEM();
		t->nodes = nodes;
		t->cap = cap;
	}
	memset(&t->nodes[t->n], 0, sizeof(t->nodes[t->n]));
	if ((t->nodes[t->n].lot = dup(t, lot)) == NULL ||
	    (error = mledger_strmap_put(&t->lots, lot, t->n)) < 0)
		return MLEDGER_NOMEM();
	*out = t->n++;
	return 0;
}

static int actor_of(mledger_trace_actor *out, mledger_trace *t,
		    const mledger_trace_source *src, const char *id)
{
	mledger_trace_actor *a;
	mledger_actor *rec = NULL;
	size_t i;
	int error;

	if (mledger_strmap_get(&t->actors, id, &i)) {
		*out = t->actor_cache[i];
		return 0;
	}
	if ((error = src->actor(src->ctx, id, &rec)) < 0)
		return error;
	if (t->nactors == t->cap_actors) {
		size_t cap = t->cap_actors ? t->cap_actors * 2 : 16;
		mledger_trace_actor *grown = realloc(t->actor_cache,
						     cap * sizeof(*grown));

		if (grown == NULL) {
			mledger_actor_free(rec);
			return MLEDGER_NOMEM();
		}
		t->actor_cache = grown;
		t->cap_actors = cap;
	}
	a = &t->actor_cache[t->nactors];
	memset(a, 0, sizeof(*a));
	a->id = dup(t, rec->record.id);
	a->name = dup(t, rec->record.name);
	memcpy(a->country, rec->record.country, 3);
	memcpy(a->owner_country, rec->record.owner_country, 3);
	a->owner_share_bp = rec->record.owner_share_bp;
	a->state_owned = rec->record.state_owned;
	mledger_actor_free(rec);
	if (a->id == NULL || a->name == NULL ||
	    mledger_strmap_put(&t->actors, a->id, t->nactors) < 0)
		return MLEDGER_NOMEM();
	*out = t->actor_cache[t->nactors++];
	return 0;
}

static mledger_element *dup_content(mledger_trace *t, const mledger_element *c,
				    size_t n)
{
	mledger_element *copy = mledger_arena_alloc(&t->arena,
						    sizeof(*c) * (n + 1));

	if (copy != NULL && n > 0)
		memcpy(copy, c, sizeof(*c) * n);
	return copy;
}

/* Fill node i from the event that created its lot. */
static int fill(mledger_trace *t, const mledger_trace_source *src, size_t i)
{
	mledger_event *ev = NULL;
	mledger_trace_node nd;
	mledger_trace_input *in = NULL;
	uint64_t seq;
	int error;

	error = src->creator(src->ctx, t->nodes[i].lot, &seq, &ev);
	if (error == MLEDGER_ENOTFOUND)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"no lot %.64s in the ledger", t->nodes[i].lot);
	if (error < 0)
		return error;
	nd = t->nodes[i];
	nd.seq = seq;
	nd.time = ev->time;
	if ((error = actor_of(&nd.actor, t, src, ev->actor)) < 0)
		goto done;
	if (ev->type == MLEDGER_EV_LOT_REGISTER) {
		const mledger_ev_register *r = &ev->u.reg;

		nd.kind = MLEDGER_NODE_REGISTERED;
		nd.material = dup(t, r->material);
		nd.mass_g = r->mass_g;
		nd.content = dup_content(t, r->content, r->ncontent);
		nd.ncontent = r->ncontent;
		nd.has_value = r->has_value;
		nd.value_cents = r->value_cents;
		nd.origin = r->origin;
		nd.secondary = r->secondary;
		nd.facility = dup(t, r->site);
		memcpy(nd.country, r->country, 3);
	} else if (ev->type == MLEDGER_EV_LOT_TRANSFORM) {
		const mledger_ev_transform *tf = &ev->u.transform;
		const mledger_lot_output *o = NULL;

		for (size_t k = 0; k < tf->noutputs && o == NULL; k++)
			if (strcmp(tf->outputs[k].lot, nd.lot) == 0)
				o = &tf->outputs[k];
		if (o == NULL) {
			error = mledger_error_set(MLEDGER_EFORMAT,
				"entry %llu does not create lot %s",
				(unsigned long long)seq, nd.lot);
			goto done;
		}
		nd.kind = MLEDGER_NODE_TRANSFORMED;
		nd.material = dup(t, o->material);
		nd.mass_g = o->mass_g;
		nd.content = dup_content(t, o->content, o->ncontent);
		nd.ncontent = o->ncontent;
		nd.has_value = o->has_value;
		nd.value_cents = o->value_cents;
		nd.stage = tf->stage;
		nd.facility = dup(t, tf->facility);
		memcpy(nd.country, tf->country, 3);
		nd.has_value_added = tf->has_value_added;
		nd.value_added_cents = tf->value_added_cents;
		in = mledger_arena_alloc(&t->arena,
					 sizeof(*in) * (tf->ninputs + 1));
		if (in == NULL) {
			error = MLEDGER_NOMEM();
			goto done;
		}
		for (size_t k = 0; k < tf->ninputs; k++) {
			if ((error = node_of(&in[k].node, t, tf->inputs[k].lot)) < 0)
				goto done;
			in[k].mass_g = tf->inputs[k].mass_g;
		}
		nd.inputs = in;
		nd.ninputs = tf->ninputs;
	} else {
		error = mledger_error_set(MLEDGER_EFORMAT,
			"entry %llu is a %s, which creates no lot",
			(unsigned long long)seq, mledger_event_type_name(ev->type));
		goto done;
	}
	if (nd.material == NULL || nd.content == NULL || nd.facility == NULL) {
		error = MLEDGER_NOMEM();
		goto done;
	}
	/* node_of may have moved the array: write back by index. */
	t->nodes[i] = nd;
done:
	mledger_event_free(ev);
	return error;
}

static int by_seq_desc(const void *a, const void *b)
{
	const mledger_trace_node *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? 1 : -1;
	return strcmp(x->lot, y->lot);
}

/* Order nodes newest first and point the inputs at their new places. */
static int order(mledger_trace *t)
{
	size_t *where = malloc(sizeof(*where) * (t->n + 1));
	size_t root = 0;

	if (where == NULL)
		return MLEDGER_NOMEM();
	/* Remember each node's old index in its inputs' stead for a moment:
	 * sort, then map old indices to new through the lot map. */
	qsort(t->nodes, t->n, sizeof(*t->nodes), by_seq_desc);
	for (size_t i = 0; i < t->n; i++) {
		size_t old;

		mledger_strmap_get(&t->lots, t->nodes[i].lot, &old);
		where[old] = i;
		if (old == 0)
			root = i;
	}
	for (size_t i = 0; i < t->n; i++) {
		mledger_trace_input *in = (mledger_trace_input *)t->nodes[i].inputs;

		for (size_t k = 0; k < t->nodes[i].ninputs; k++)
			in[k].node = where[in[k].node];
	}
	for (size_t i = 0; i < t->n; i++)
		mledger_strmap_put(&t->lots, t->nodes[i].lot, i);
	free(where);
	/* The traced lot is the newest: nothing in its ancestry is younger. */
	return root == 0 ? 0 : mledger_error_set(MLEDGER_EFORMAT,
		"lot %s is older than its own ancestry", t->nodes[root].lot);
}

int mledger_trace_build_from(mledger_trace **out,
			     const mledger_trace_source *src, const char *lot)
{
	mledger_trace *t = calloc(1, sizeof(*t));
	size_t root;
	int error;

	*out = NULL;
	if (t == NULL)
		return MLEDGER_NOMEM();
	if ((error = node_of(&root, t, lot)) < 0)
		goto fail;
	for (size_t i = 0; i < t->n; i++)
		if ((error = fill(t, src, i)) < 0)
			goto fail;
	if ((error = order(t)) < 0)
		goto fail;
	*out = t;
	return 0;
fail:
	mledger_trace_free(t);
	return error;
}

/* ---- the ledger as a source ------------------------------------------- */

typedef struct ledger_source {
	mledger_ledger *l;
	mledger_state st;         /* one read transaction for the whole walk */
	MDB_cursor *history;      /* on lot_events */
} ledger_source;

static int ledger_creator(void *ctx, const char *lot, uint64_t *seq,
			  mledger_event **ev)
{
	ledger_source *s = ctx;
	MDB_val k = {strlen(lot), (void *)lot}, v;
	uint64_t key;
	mledger_entry e;
	mledger_signed sev;
	int error, rc;

	/*
	 * A lot's history starts with the entry that created it, so the
	 * first of its lot_events is that entry: no lot state to decode.
	 */
	if ((rc = mdb_cursor_get(s->history, &k, &v, MDB_SET_KEY)) != 0)
		return rc == MDB_NOTFOUND ? MLEDGER_ENOTFOUND
			: mledger_store_error(rc, "reading a lot's history");
	if (v.mv_size != 8)
		return mledger_error_set(MLEDGER_EIO,
			"stored lot history is damaged; run mledger verify");
	key = mledger_be64_get(v.mv_data);
	k = mledger_seq_key(&key);
	if ((rc = mdb_get(s->st.txn, s->st.db->entries, &k, &v)) != 0)
		return mledger_store_error(rc, "reading a lot's creating entry");
	if ((error = mledger_entry_parse(&e, v.mv_data, v.mv_size)) < 0 ||
	    (error = mledger_signed_parse(&sev, e.event, e.event_len)) < 0 ||
	    (error = mledger_event_decode(ev, sev.body, sev.body_len)) < 0)
		return mledger_error_prefix("entry %llu", (unsigned long long)key);
	*seq = key;
	return 0;
}

static int ledger_actor(void *ctx, const char *id, mledger_actor **out)
{
	ledger_source *s = ctx;
	mledger_actor_state *a = NULL;
	int error = mledger_state_actor_get(&a, &s->st, id);

	if (error == MLEDGER_ENOTFOUND)
		return mledger_error_set(MLEDGER_ENOTFOUND,
					 "no actor %s in the ledger", id);
	*out = a ? &a->pub : NULL;
	return error;
}

int mledger_trace_build(mledger_trace **out, mledger_ledger *l,
			const char *lot)
{
	ledger_source s = {l, {NULL, &l->store.db}, NULL};
	mledger_trace_source src = {&s, ledger_creator, ledger_actor};
	int error, rc;

	*out = NULL;
	if (lot[0] == '\0' || strlen(lot) > MLEDGER_ID_MAX)
		return mledger_error_set(MLEDGER_ENOTFOUND,
					 "no lot %.64s in the ledger", lot);
	if ((error = mledger_store_begin(&l->store, false, &s.st.txn)) < 0)
		return error;
	rc = mdb_cursor_open(s.st.txn, l->store.db.lot_events, &s.history);
	if (rc != 0)
		error = mledger_store_error(rc, "reading lot histories");
	else
		error = mledger_trace_build_from(out, &src, lot);
	if (s.history != NULL)
		mdb_cursor_close(s.history);
	mdb_txn_abort(s.st.txn);
	return error;
}
