/*
 * Verifying a log served as static tiles, with no ledger: the entry
 * bundles are the source of the verification engine (verify_int.h), so the
 * entries get exactly the checks `mledger verify` gives a ledger (encoding,
 * seq, prev chain, signatures, every rule replayed). There is no stored
 * state to compare; instead the tree the replay rebuilt must equal every
 * hash tile of the checkpoint's tree and the checkpoint's root.
 */
#include "tiles_int.h"
#include "tree.h"
#include "verify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tiles_source {
	mledger_tiles *t;
	uint64_t size;            /* entries in the checkpoint's tree */
	const mledger_verify_opts *opts;
	uint64_t next;            /* next bundle to read */
	/*
	 * The bundles of the last two chunks handed out: the engine still
	 * checks the signatures of one chunk while it reads the next.
	 */
	struct held {
		uint8_t *data[64];
		mledger_tile_entry *entries[64];
		size_t n;
	} held[2];
	unsigned newest;          /* which of held the last chunk is in */
	int pending;              /* a bundle fault, reported next call */
	char pending_msg[512];
	uint64_t pending_seq;
} tiles_source;

static void release(struct held *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->data[i]);
		free(h->entries[i]);
	}
	h->n = 0;
}

static void release_all(tiles_source *ts)
{
	release(&ts->held[0]);
	release(&ts->held[1]);
}

/* A fault in what the directory serves is a verdict; I/O trouble is not. */
static bool is_verdict(int error)
{
	return error == MLEDGER_ENOTFOUND || error == MLEDGER_EFORMAT ||
	       error == MLEDGER_ETOOBIG;
}

static int fail_at(mledger_verify_result *result, uint64_t seq, int error)
{
	result->failed = true;
	result->bad_seq = seq;
	result->entries = seq;
	return error;
}

static int tiles_next(void *ctx, mledger_ventry *out, size_t max, size_t *n,
		      mledger_verify_result *result)
{
	tiles_source *ts = ctx;
	/* Rounded up without overflow: a signed size may be near 2^64. */
	uint64_t nbundles = ts->size / MLEDGER_TILE_WIDTH +
			    (ts->size % MLEDGER_TILE_WIDTH != 0);

	struct held *h;

	*n = 0;
	/* The chunk before the last is settled by now: reuse its place. */
	ts->newest ^= 1;
	h = &ts->held[ts->newest];
	release(h);
	if (ts->pending < 0) {
		mledger_error_set(ts->pending, "%s", ts->pending_msg);
		return fail_at(result, ts->pending_seq, ts->pending);
	}
	while (ts->next < nbundles && *n + MLEDGER_TILE_WIDTH <= max &&
	       h->n < sizeof(h->data) / sizeof(h->data[0])) {
		uint64_t first = ts->next * MLEDGER_TILE_WIDTH;
		unsigned width;
		int error = mledger_tiles_read_bundle(&h->data[h->n],
						      &h->entries[h->n],
						      &width, ts->t, ts->next);

		if (error < 0) {
			if (!is_verdict(error))
				return error;
			/* The entries before it come first in the log. */
			mledger_error_prefix("entry %llu",
					     (unsigned long long)first);
			if (*n == 0)
				return fail_at(result, first, error);
			ts->pending = error;
			ts->pending_seq = first;
			snprintf(ts->pending_msg, sizeof(ts->pending_msg), "%s",
				 mledger_error_last());
			break;
		}
		for (unsigned i = 0; i < width; i++) {
			out[*n].key = first + i;
			out[*n].data = h->entries[h->n][i].data;
			out[*n].len = h->entries[h->n][i].len;
			(*n)++;
		}
		h->n++;
		ts->next++;
	}
	return 0;
}

static uint64_t shr(uint64_t v, unsigned bits)
{
	return bits >= 64 ? 0 : v >> bits;
}

/* The first entry under hash i of level-l tiles (saturating). */
static uint64_t first_entry(unsigned level, uint64_t i)
{
	unsigned bits = MLEDGER_TILE_HEIGHT * level;

	return bits >= 64 || i > (UINT64_MAX >> bits) ? UINT64_MAX : i << bits;
}

/* Tile (level, index) equals the replayed tree's hashes. */
static int check_tile(tiles_source *ts, const mledger_state *st,
		      unsigned level, uint64_t index,
		      mledger_verify_result *result)
{
	uint8_t (*h)[MLEDGER_HASH_BYTES] = NULL, node[MLEDGER_HASH_BYTES];
	char rel[MLEDGER_TILE_PATH_MAX];
	size_t n;
	int error;

	if ((error = mledger_tiles_read_tile(&h, &n, ts->t, level, index)) < 0) {
		if (is_verdict(error))
			fail_at(result, first_entry(level, index *
						    MLEDGER_TILE_WIDTH), error);
		return error;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t at = index * MLEDGER_TILE_WIDTH + i;

		if ((error = mledger_tree_node(node, st,
					       MLEDGER_TILE_HEIGHT * level,
					       at)) < 0)
			break;
		if (memcmp(node, h[i], MLEDGER_HASH_BYTES) != 0) {
			mledger_tile_path(rel, level, index, (unsigned)n);
			error = mledger_error_set(MLEDGER_ECHAIN,
				"%s: hash %zu is not the tree of the entries",
				rel, i);
			fail_at(result, first_entry(level, at), error);
			break;
		}
	}
	free(h);
	return error;
}

static int tiles_finish(void *ctx, mledger_store *scratch,
			mledger_verify_result *result)
{
	tiles_source *ts = ctx;
	const mledger_checkpoint *cp = mledger_tiles_checkpoint(ts->t);
	uint8_t root[MLEDGER_HASH_BYTES];
	mledger_state st = {NULL, &scratch->db};
	uint64_t entries = result->entries;
	int error = 0;

	release_all(ts);
	if ((error = mledger_store_begin(scratch, false, &st.txn)) < 0)
		return error;
	for (unsigned l = 0; l <= MLEDGER_TILE_LEVEL_MAX / MLEDGER_TILE_HEIGHT &&
			     shr(ts->size, MLEDGER_TILE_HEIGHT * l) > 0 &&
			     error == 0; l++) {
		uint64_t tiles = shr(ts->size, MLEDGER_TILE_HEIGHT * (l + 1));

		if (shr(ts->size, MLEDGER_TILE_HEIGHT * l) % MLEDGER_TILE_WIDTH)
			tiles++;
		for (uint64_t n = 0; n < tiles && error == 0; n++)
			error = check_tile(ts, &st, l, n, result);
	}
	if (error == 0 && (error = mledger_tree_hash(root, &st, ts->size)) == 0 &&
	    memcmp(root, cp->root, MLEDGER_HASH_BYTES) != 0) {
		error = mledger_error_set(MLEDGER_ECHAIN,
			"the %llu entries do not hash to the checkpoint's root",
			(unsigned long long)ts->size);
		result->failed = true;
		result->bad_seq = 0;
	}
	mdb_txn_abort(st.txn);
	if (error == 0 && ts->opts->trusted_size > 0)
		error = mledger_verify_trusted(scratch, ts->opts, ts->size,
					       result);
	if (error == 0)
		result->entries = entries;
	return error;
}

int mledger_tiles_verify(mledger_verify_result *result, mledger_tiles *t,
			 const mledger_verify_opts *opts)
{
	mledger_verify_opts defaults = MLEDGER_VERIFY_OPTS_INIT;
	struct mledger_ledger keys_only;
	tiles_source ts;
	mledger_vsource src;
	int error;

	memset(result, 0, sizeof(*result));
	if (opts == NULL)
		opts = &defaults;
	memset(&ts, 0, sizeof(ts));
	ts.t = t;
	ts.opts = opts;
	ts.size = mledger_tiles_checkpoint(t)->size;
	/* The replay fills the key cache of a ledger handle and reads nothing
	 * else of it: a handle with only a cache stands in for the ledger. */
	memset(&keys_only, 0, sizeof(keys_only));
	if ((error = mledger_keycache_new(&keys_only.keys)) < 0)
		return error;
	memset(&src, 0, sizeof(src));
	src.next = tiles_next;
	src.finish = tiles_finish;
	src.ctx = &ts;
	src.total = ts.size;
	src.keys = &keys_only;
	src.map_size = MLEDGER_MAP_SIZE_DEFAULT;
	error = mledger_verify_run(result, &src, opts);
	release_all(&ts);
	mledger_keycache_free(keys_only.keys);
	return error;
}
