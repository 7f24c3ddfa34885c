/*
 * A batch of signed events on its way into the state, shared by append and
 * verify: decode every event and check every signature in parallel, resolve
 * each key id to a parsed key in order (keys enrolled earlier in the same
 * batch count), then hand the events one by one to the rules.
 */
#ifndef MLEDGER_BATCH_H
#define MLEDGER_BATCH_H

#include "keycache.h"
#include "parallel.h"
#include "state.h"

typedef struct mledger_item {
	const uint8_t *data;      /* signed event bytes (borrowed) */
	size_t len;
	mledger_signed sev;       /* points into data */
	mledger_event *ev;        /* decoded body, owned */
	const mledger_key *key;   /* resolved signing key, or NULL */
	bool sig_checked;         /* the signature verified against key */
	bool async;               /* left to a background check (sigjob) */
	int error;                /* decoding fault, 0 if none */
	int sig_error;            /* signature fault, 0 if none (EBADSIG) */
	char message[256];        /* mledger_error_last() of either fault */
} mledger_item;

/* Record the current thread's last error into the item. */
void mledger_item_fail(mledger_item *it, int error);

/* Decode data into sev and ev (sets error on failure). */
void mledger_item_decode(mledger_item *it);

/* mledger_item_decode on every item, in parallel. */
void mledger_batch_decode(mledger_item *items, size_t n, unsigned threads);

/* The same in the background; mledger_job_finish(job, n) completes it. */
void mledger_batch_decode_start(mledger_job *job, mledger_item *items,
				size_t n, unsigned threads);

/*
 * In order: put the keys each item introduces (genesis, enroll, rekey) into
 * the cache, then look up each item's kid in the cache or in st.
 */
int mledger_batch_resolve(mledger_item *items, size_t n, mledger_keycache *c,
			  const mledger_state *st);

/* Check the signature of every resolved item, in parallel. */
void mledger_batch_verify(mledger_item *items, size_t n, unsigned threads);

/*
 * The same checks in the background, so the caller can apply the rules
 * meanwhile. Items that are resolved, undamaged and not yet checked are
 * marked async and belong to the job until it is finished: the caller may
 * read their event but not their signature fields. Items not marked async
 * (no key yet) are the caller's, through mledger_item_ensure_signed().
 */
typedef struct mledger_sigjob {
	mledger_job job;
	mledger_item *items;
	size_t n;
} mledger_sigjob;

void mledger_sigjob_start(mledger_sigjob *j, mledger_item *items, size_t n,
			  unsigned threads);

/*
 * Check at least the items below upto, wait for the threads, and return
 * the index of the first item below upto whose signature failed, or upto
 * if none did. It may overwrite the calling thread's error: keep what
 * matters first. Safe to call again with the same upto, or on a job never
 * started (zeroed): then it only looks.
 */
size_t mledger_sigjob_finish(mledger_sigjob *j, size_t upto);

/*
 * Make sure one item has a checked signature, resolving its key from st if
 * the batch pass could not (a key enrolled by another process meanwhile).
 * Returns 0 or the error (EKEY unknown key, EBADSIG). Not for async items
 * while their job runs.
 */
int mledger_item_ensure_signed(mledger_item *it, mledger_keycache *c,
			       const mledger_state *st);

void mledger_batch_free(mledger_item *items, size_t n);

#endif
