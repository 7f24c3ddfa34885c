/*
 * The set of entries a bundle of a lot holds (bundle_int.h). A worklist of
 * seqs starts with entry 0 and the histories of the lots in the trace; each
 * entry taken off the list names actors, and the first time an actor is
 * named its whole subjects history joins the list. A small open-addressing
 * set of seqs and a string map of actors keep every entry and actor to one
 * visit, so the cost is linear in the size of the result.
 */
#include "bundle_int.h"

#include "strmap.h"

#include <stdlib.h>
#include <string.h>

typedef struct closure {
	uint64_t *list;           /* seqs in the order found */
	size_t n, cap;
	uint64_t *slots;          /* set of seqs + 1 (0 = empty slot) */
	size_t nslots;            /* power of two */
	mledger_strmap actors;    /* actors already expanded */
	const mledger_state *st;
} closure;

static size_t slot_of(uint64_t v, size_t mask)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	v ^= v >> 33;
	return (size_t)v & mask;
}

static int grow_set(closure *c)
{
	size_t nslots = c->nslots ? c->nslots * 2 : 1024;
	uint64_t *slots = calloc(nslots, sizeof(*slots));

	if (slots == NULL)
		return MLEDGER_NOMEM();
	for (size_t i = 0; i < c->nslots; i++) {
		size_t j;

		if (c->slots[i] == 0)
			continue;
		for (j = slot_of(c->slots[i], nslots - 1); slots[j] != 0;
		     j = (j + 1) & (nslots - 1))
			;
		slots[j] = c->slots[i];
	}
	free(c->slots);
	c->slots = slots;
	c->nslots = nslots;
	return 0;
}

/* Add seq to the set and the worklist unless it is there already. */
static int add_seq(closure *c, uint64_t seq)
{
	size_t j;
	int error;

	if (seq == UINT64_MAX)
		return mledger_error_set(MLEDGER_EFORMAT, "entry seq out of range");
	if (2 * (c->n + 1) > c->nslots && (error = grow_set(c)) < 0)
		return error;
	for (j = slot_of(seq + 1, c->nslots - 1); c->slots[j] != 0;
	     j = (j + 1) & (c->nslots - 1))
		if (c->slots[j] == seq + 1)
			return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		uint64_t *list = realloc(c->list, cap * sizeof(*list));

		if (list == NULL)
			return MLEDGER_NOMEM();
		c->list = list;
		c->cap = cap;
	}
	c->slots[j] = seq + 1;
	c->list[c->n++] = seq;
	return 0;
}

/* Every seq stored under key in a DUPSORT index of 8-byte seqs. */
static int add_index(closure *c, MDB_dbi dbi, const char *key)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	MDB_cursor *cur;
	int error = 0, rc;

	if ((rc = mdb_cursor_open(c->st->txn, dbi, &cur)) != 0)
		return mledger_store_error(rc, "reading an index");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		if (v.mv_size != 8) {
			error = mledger_error_set(MLEDGER_EIO,
				"stored index is damaged; run mledger verify");
			break;
		}
		if ((error = add_seq(c, mledger_be64_get(v.mv_data))) < 0)
			break;
	}
	mdb_cursor_close(cur);
	if (error == 0 && rc != 0 && rc != MDB_NOTFOUND)
		error = mledger_store_error(rc, "reading an index");
	return error;
}

static int add_actor(closure *c, const char *id)
{
	size_t seen;

	if (id == NULL || mledger_strmap_get(&c->actors, id, &seen))
		return 0;
	if (mledger_strmap_put(&c->actors, id, 1) < 0)
		return MLEDGER_NOMEM();
	return add_index(c, c->st->db->subjects, id);
}

/* The actors an event names, besides lots. */
static int add_named(closure *c, const mledger_event *ev)
{
	int error;

	if ((error = add_actor(c, ev->actor)) < 0)
		return error;
	switch (ev->type) {
	case MLEDGER_EV_GENESIS:
		return add_actor(c, ev->u.genesis.operator_.id);
	case MLEDGER_EV_ACTOR_ENROLL:
		return add_actor(c, ev->u.enroll.subject.id);
	case MLEDGER_EV_ACTOR_REKEY:
		return add_actor(c, ev->u.rekey.subject);
	case MLEDGER_EV_ACTOR_REVOKE:
		return add_actor(c, ev->u.revoke.subject);
	case MLEDGER_EV_LOT_SHIP:
		return add_actor(c, ev->u.ship.to);
	case MLEDGER_EV_LOT_ATTEST:
		if (ev->u.attest.target == MLEDGER_TARGET_ACTOR)
			return add_actor(c, ev->u.attest.id);
		if (ev->u.attest.target == MLEDGER_TARGET_FACILITY)
			return add_actor(c, ev->u.attest.owner);
		return 0;
	default:
		return 0;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int mledger_bundle_closure(uint64_t **out, size_t *n, const mledger_state *st,
			   const mledger_trace *trace,
			   mledger_bundle_event_fn event, void *ctx)
{
	closure c;
	int error = 0;

	*out = NULL;
	*n = 0;
	memset(&c, 0, sizeof(c));
	c.actors = (mledger_strmap)MLEDGER_STRMAP_INIT;
	c.st = st;
	if ((error = add_seq(&c, 0)) < 0)
		goto done;
	for (size_t i = 0; i < mledger_trace_count(trace); i++)
		if ((error = add_index(&c, st->db->lot_events,
				mledger_trace_node_at(trace, i)->lot)) < 0)
			goto done;
	for (size_t i = 0; i < c.n; i++) {
		const mledger_event *ev = NULL;

		if ((error = event(ctx, c.list[i], &ev)) < 0 ||
		    (error = add_named(&c, ev)) < 0)
			goto done;
	}
	qsort(c.list, c.n, sizeof(*c.list), cmp_u64);
	*out = c.list;
	*n = c.n;
	c.list = NULL;
done:
	free(c.list);
	free(c.slots);
	mledger_strmap_free(&c.actors);
	return error;
}
