/*
 * Building the ancestry DAG of a lot. A breadth-first walk from the lot
 * reads, for every lot it meets, the event that created it; a transform adds
 * its inputs to the walk. Nodes are then ordered by the sequence number of
 * their creating entry, newest first: an input always exists before the
 * transform that consumes it, so this order puts every input after the lots
 * made from it, which is all the share computation needs to run in one pass.
 *
 * The walk goes a level at a time, so that a level's reads can be sorted:
 * lot ids in key order, then creating entries in seq order, each entry
 * decoded once however many of its outputs the ancestry holds. Every step
 * is linear in the ancestry (radix sort by seq, one probe per lot, nodes
 * permuted in place); what still grows faster is the cost of memory once
 * the ledger and the trace outgrow the caches (README, Performance).
 */
#include "trace_int.h"

#include "arena.h"
#include "codec.h"
#include "event_int.h"
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
	char *copy;
	int error;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		mledger_trace_node *nodes = realloc(t->nodes, cap * sizeof(*nodes));

		if (nodes == NULL)
			return MLEDGER_NOMEM();
		t->nodes = nodes;
		t->cap = cap;
	}
	/* The map borrows the node's copy of the id: one copy, one probe. */
	if ((copy = dup(t, lot)) == NULL ||
	    (error = mledger_strmap_intern(&t->lots, copy, t->n, out)) < 0)
		return MLEDGER_NOMEM();
	if (error == 1)
		return 0;
	memset(&t->nodes[t->n], 0, sizeof(t->nodes[t->n]));
	t->nodes[t->n++].lot = copy;
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

/*
 * Fill node i, whose lot entry seq created, from that entry's event ev
 * (borrowed). A transform with several outputs in the ancestry fills each
 * of their nodes from one decoded event.
 */
static int fill(mledger_trace *t, const mledger_trace_source *src, size_t i,
		uint64_t seq, const mledger_event *ev)
{
	mledger_trace_node nd;
	mledger_trace_input *in = NULL;
	int error;

	nd = t->nodes[i];
	nd.seq = seq;
	nd.time = ev->time;
	if ((error = actor_of(&nd.actor, t, src, ev->actor)) < 0)
		return error;
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
		if (o == NULL)
			return mledger_error_set(MLEDGER_EFORMAT,
				"entry %llu does not create lot %s",
				(unsigned long long)seq, nd.lot);
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
		if (in == NULL)
			return MLEDGER_NOMEM();
		for (size_t k = 0; k < tf->ninputs; k++) {
			if ((error = node_of(&in[k].node, t, tf->inputs[k].lot)) < 0)
				return error;
			in[k].mass_g = tf->inputs[k].mass_g;
		}
		nd.inputs = in;
		nd.ninputs = tf->ninputs;
	} else {
		return mledger_error_set(MLEDGER_EFORMAT,
			"entry %llu is a %s, which creates no lot",
			(unsigned long long)seq, mledger_event_type_name(ev->type));
	}
	if (nd.material == NULL || nd.content == NULL || nd.facility == NULL)
		return MLEDGER_NOMEM();
	/* node_of may have moved the array: write back by index. */
	t->nodes[i] = nd;
	return 0;
}

/*
 * A node by a sort key: its creating seq, or its lot id. While sorting by
 * lot id, seq holds the id's first 8 bytes big-endian, which decides most
 * comparisons without reading the id itself from the arena: on a large
 * trace those reads were cache misses.
 */
typedef struct ref {
	uint64_t seq;
	const char *lot;
	size_t node;
} ref;

static uint64_t lot_prefix(const char *lot)
{
	uint64_t p = 0;
	size_t i = 0;

	for (; i < 8 && lot[i] != '\0'; i++)
		p = p << 8 | (unsigned char)lot[i];
	/* Pad as strcmp orders: a shorter id sorts first (0 shifts nothing). */
	return i == 0 ? 0 : p << (8 * (8 - i));
}

/* Scratch arrays reused by every level of the walk and by the ordering. */
typedef struct scratch {
	ref *a, *b;
	size_t cap;
} scratch;

static int scratch_reserve(scratch *s, size_t n)
{
	ref *a, *b;

	if (n <= s->cap)
		return 0;
	n = n < 2 * s->cap ? 2 * s->cap : n;
	if ((a = realloc(s->a, n * sizeof(*a))) == NULL)
		return MLEDGER_NOMEM();
	s->a = a;
	if ((b = realloc(s->b, n * sizeof(*b))) == NULL)
		return MLEDGER_NOMEM();
	s->b = b;
	s->cap = n;
	return 0;
}

/*
 * Sort r[0..n) by seq, rising and stable: least-significant-digit radix
 * sort on the bytes the largest seq needs, so sorting stays linear in n
 * (qsort of the nodes themselves showed up as a growing share of the time).
 * tmp has room for n; the result is in r.
 */
static void sort_by_seq(ref *r, ref *tmp, size_t n)
{
	uint64_t max = 0;
	unsigned passes = 0;

	if (n < 32) {
		for (size_t i = 1; i < n; i++) {
			ref x = r[i];
			size_t j = i;

			for (; j > 0 && r[j - 1].seq > x.seq; j--)
				r[j] = r[j - 1];
			r[j] = x;
		}
		return;
	}
	for (size_t i = 0; i < n; i++)
		max = r[i].seq > max ? r[i].seq : max;
	for (unsigned shift = 0; shift < 64 && (max >> shift) != 0;
	     shift += 8) {
		size_t count[257] = {0};
		ref *swap;

		for (size_t i = 0; i < n; i++)
			count[((r[i].seq >> shift) & 0xff) + 1]++;
		for (size_t d = 1; d < 257; d++)
			count[d] += count[d - 1];
		for (size_t i = 0; i < n; i++)
			tmp[count[(r[i].seq >> shift) & 0xff]++] = r[i];
		swap = r;
		r = tmp;
		tmp = swap;
		passes++;
	}
	/* An odd number of passes left the result in the caller's tmp. */
	if (passes % 2 == 1)
		memcpy(tmp, r, n * sizeof(*r));
}

/* Bytewise lot order, as LMDB keeps lot_events; seq holds lot_prefix(). */
static int by_lot(const void *a, const void *b)
{
	const ref *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->lot, y->lot);
}

/*
 * Fill nodes [from, to), one level of the breadth-first walk. A source
 * that can locate lots and read entries separately gets the lots in
 * bytewise order and the entries in seq order, which turns the random
 * reads of a walk into sweeps over each index: on a large ledger the
 * B-tree pages then come from cache instead of from all over the map.
 */
static int fill_level(mledger_trace *t, const mledger_trace_source *src,
		      scratch *s, size_t from, size_t to)
{
	const size_t n = to - from;
	mledger_event *ev = NULL;
	uint64_t seq;
	int error;

	if (src->locate == NULL || src->event_at == NULL) {
		for (size_t i = from; i < to; i++) {
			error = src->creator(src->ctx, t->nodes[i].lot, &seq, &ev);
			if (error == MLEDGER_ENOTFOUND)
				return mledger_error_set(MLEDGER_ENOTFOUND,
					"no lot %.64s in the ledger", t->nodes[i].lot);
			if (error < 0)
				return error;
			error = fill(t, src, i, seq, ev);
			mledger_event_free(ev);
			if (error < 0)
				return error;
		}
		return 0;
	}
	if ((error = scratch_reserve(s, n)) < 0)
		return error;
	for (size_t i = 0; i < n; i++)
		s->a[i] = (ref){lot_prefix(t->nodes[from + i].lot),
				t->nodes[from + i].lot, from + i};
	qsort(s->a, n, sizeof(*s->a), by_lot);
	for (size_t i = 0; i < n; i++) {
		error = src->locate(src->ctx, s->a[i].lot, &s->a[i].seq);
		if (error == MLEDGER_ENOTFOUND)
			return mledger_error_set(MLEDGER_ENOTFOUND,
				"no lot %.64s in the ledger", s->a[i].lot);
		if (error < 0)
			return error;
	}
	sort_by_seq(s->a, s->b, n);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || s->a[i].seq != s->a[i - 1].seq) {
			mledger_event_free(ev);
			ev = NULL;
			if ((error = src->event_at(src->ctx, s->a[i].seq, &ev)) < 0)
				return error;
		}
		if ((error = fill(t, src, s->a[i].node, s->a[i].seq, ev)) < 0)
			break;
	}
	mledger_event_free(ev);
	return error;
}

/*
 * Order nodes newest first, ties (outputs of one transform) by lot id, and
 * point the inputs at their new places. The nodes are permuted in place,
 * each moved once: a second array of them would be fresh memory on every
 * walk, and on a large ancestry its page faults cost more than the sort.
 */
static int order(mledger_trace *t, scratch *s)
{
	size_t out = 0, root;
	int error;

	if ((error = scratch_reserve(s, t->n)) < 0)
		return error;
	for (size_t i = 0; i < t->n; i++)
		s->a[i] = (ref){t->nodes[i].seq, t->nodes[i].lot, i};
	sort_by_seq(s->a, s->b, t->n);
	/*
	 * Runs of equal seq from the newest down, each run by lot id; b[old]
	 * .node becomes the node's new index.
	 */
	for (size_t end = t->n; end > 0;) {
		size_t begin = end - 1;

		while (begin > 0 && s->a[begin - 1].seq == s->a[end - 1].seq)
			begin--;
		if (end - begin > 1) {
			for (size_t k = begin; k < end; k++)
				s->a[k].seq = lot_prefix(s->a[k].lot);
			qsort(s->a + begin, end - begin, sizeof(*s->a), by_lot);
		}
		for (size_t k = begin; k < end; k++)
			s->b[s->a[k].node].node = out++;
		end = begin;
	}
	for (size_t i = 0; i < t->n; i++) {
		mledger_trace_input *in = (mledger_trace_input *)t->nodes[i].inputs;

		for (size_t k = 0; k < t->nodes[i].ninputs; k++)
			in[k].node = s->b[in[k].node].node;
	}
	root = s->b[0].node;
	/* Follow each cycle of the permutation, placing one node per swap. */
	for (size_t i = 0; i < t->n; i++) {
		while (s->b[i].node != i) {
			size_t j = s->b[i].node;
			mledger_trace_node tmp = t->nodes[j];

			t->nodes[j] = t->nodes[i];
			t->nodes[i] = tmp;
			s->b[i].node = s->b[j].node;
			s->b[j].node = j;
		}
	}
	/* Nothing looks lots up by id once the walk is done. */
	mledger_strmap_free(&t->lots);
	/* The traced lot is the newest: nothing in its ancestry is younger. */
	return root == 0 ? 0 : mledger_error_set(MLEDGER_EFORMAT,
		"lot %s is older than its own ancestry", t->nodes[root].lot);
}

int mledger_trace_build_from(mledger_trace **out,
			     const mledger_trace_source *src, const char *lot)
{
	mledger_trace *t = calloc(1, sizeof(*t));
	scratch s = {NULL, NULL, 0};
	size_t root;
	int error;

	*out = NULL;
	if (t == NULL)
		return MLEDGER_NOMEM();
	if ((error = node_of(&root, t, lot)) < 0)
		goto fail;
	/* Each level's lots are the inputs found while filling the last. */
	for (size_t from = 0, to; from < t->n; from = to) {
		to = t->n;
		if ((error = fill_level(t, src, &s, from, to)) < 0)
			goto fail;
	}
	if ((error = order(t, &s)) < 0)
		goto fail;
	free(s.a);
	free(s.b);
	*out = t;
	return 0;
fail:
	free(s.a);
	free(s.b);
	mledger_trace_free(t);
	return error;
}

/* ---- the ledger as a source ------------------------------------------- */

typedef struct ledger_source {
	mledger_ledger *l;
	mledger_state st;         /* one read transaction for the whole walk */
	MDB_cursor *history;      /* on lot_events */
	MDB_cursor *entries;      /* on entries: reads in seq order stay on a page */
} ledger_source;

static int ledger_locate(void *ctx, const char *lot, uint64_t *seq)
{
	ledger_source *s = ctx;
	MDB_val k = {strlen(lot), (void *)lot}, v;
	int rc;

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
	*seq = mledger_be64_get(v.mv_data);
	return 0;
}

static int ledger_event_at(void *ctx, uint64_t seq, mledger_event **ev)
{
	ledger_source *s = ctx;
	MDB_val k = mledger_seq_key(&seq), v;
	int rc;

	if ((rc = mdb_cursor_get(s->entries, &k, &v, MDB_SET_KEY)) != 0)
		return mledger_store_error(rc, "reading a lot's creating entry");
	/* Checked in full when it was appended: decode, do not re-check. */
	if (mledger_event_decode_stored(ev, v.mv_data, v.mv_size) < 0)
		return mledger_error_prefix("entry %llu", (unsigned long long)seq);
	return 0;
}

static int ledger_creator(void *ctx, const char *lot, uint64_t *seq,
			  mledger_event **ev)
{
	int error = ledger_locate(ctx, lot, seq);

	return error < 0 ? error : ledger_event_at(ctx, *seq, ev);
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
	ledger_source s = {l, {NULL, &l->store.db}, NULL, NULL};
	mledger_trace_source src = {&s, ledger_creator, ledger_actor,
				    ledger_locate, ledger_event_at};
	int error, rc;

	*out = NULL;
	if (lot[0] == '\0' || strlen(lot) > MLEDGER_ID_MAX)
		return mledger_error_set(MLEDGER_ENOTFOUND,
					 "no lot %.64s in the ledger", lot);
	if ((error = mledger_store_begin(&l->store, false, &s.st.txn)) < 0)
		return error;
	rc = mdb_cursor_open(s.st.txn, l->store.db.lot_events, &s.history);
	if (rc == 0)
		rc = mdb_cursor_open(s.st.txn, l->store.db.entries, &s.entries);
	if (rc != 0)
		error = mledger_store_error(rc, "reading lot histories");
	else
		error = mledger_trace_build_from(out, &src, lot);
	if (s.history != NULL)
		mdb_cursor_close(s.history);
	if (s.entries != NULL)
		mdb_cursor_close(s.entries);
	mdb_txn_abort(s.st.txn);
	return error;
}
