/*
 * The verification engine and where its entries come from. verify.c checks
 * and replays entries in chunks; a source hands it the next chunk: the
 * ledger's entries database (mledger_verify) or a directory of tlog tiles
 * (mledger_tiles_verify). After the last entry the source checks what it
 * holds beside the entries against the replayed scratch store.
 */
#ifndef MLEDGER_VERIFY_INT_H
#define MLEDGER_VERIFY_INT_H

#include "ledger_int.h"
#include "store.h"

/* One entry as the source holds it. */
typedef struct mledger_ventry {
	uint64_t key;             /* the position the source holds it at */
	const uint8_t *data;      /* valid until the source's second call
				     after (the engine checks one chunk's
				     signatures while it reads the next) */
	size_t len;
} mledger_ventry;

typedef struct mledger_vsource {
	/*
	 * Fill out with up to max entries in order; *n = 0 at the end. A
	 * fault of the source's own (a malformed file) sets the error and
	 * result->failed / bad_seq itself.
	 */
	int (*next)(void *ctx, mledger_ventry *out, size_t max, size_t *n,
		    mledger_verify_result *result);
	/*
	 * After every entry replayed into scratch: check the rest (stored
	 * state, tiles, checkpoint). Sets result->failed on a verdict.
	 */
	int (*finish)(void *ctx, mledger_store *scratch,
		      mledger_verify_result *result);
	void *ctx;
	uint64_t total;           /* entries expected, for progress */
	mledger_ledger *keys;     /* whose key cache the replay fills: the
				     replay reads nothing else of it */
	uint64_t map_size;        /* scratch store's first map size */
} mledger_vsource;

/*
 * For a run since a verified checkpoint (opts->trusted_size, whose
 * signatures were not checked again): the replayed tree at that size must
 * have the checkpoint's root. Sets result->failed on a verdict.
 */
int mledger_verify_trusted(mledger_store *scratch,
			   const mledger_verify_opts *opts, uint64_t total,
			   mledger_verify_result *result);

/* Check and replay every entry of src into a fresh scratch store. */
int mledger_verify_run(mledger_verify_result *result, mledger_vsource *src,
		       const mledger_verify_opts *opts);

#endif
