/*
 * The ledger: an append-only, hash-chained log of signed events in one LMDB
 * environment, with the state the rules need (actors, keys) kept beside it in
 * the same transactions. One writer at a time across processes; readers never
 * block it. A batch of events is one write transaction, acknowledged only
 * after a durable commit.
 */
#ifndef MLEDGER_LEDGER_H
#define MLEDGER_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mledger/error.h"
#include "mledger/event.h"
#include "mledger/key.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLEDGER_STORE_VERSION 2

typedef struct mledger_ledger mledger_ledger;

/* Progress callback for long operations: done of total units. */
typedef void (*mledger_progress_fn)(void *ctx, uint64_t done, uint64_t total);

typedef struct mledger_open_opts {
	unsigned int version;     /* MLEDGER_OPEN_OPTS_VERSION */
	bool read_only;
	uint64_t map_size;        /* initial LMDB map size; 0 = default */
} mledger_open_opts;

#define MLEDGER_OPEN_OPTS_VERSION 1
#define MLEDGER_OPEN_OPTS_INIT {MLEDGER_OPEN_OPTS_VERSION, false, 0}

/*
 * Create a new ledger in dir (created if missing; must hold no ledger) whose
 * entry 0 is the given signed ledger.genesis event. MLEDGER_EEXISTS if a
 * ledger is already there; nothing is left behind on failure.
 */
int mledger_ledger_create(mledger_ledger **out, const char *dir,
			  const uint8_t *genesis, size_t genesis_len,
			  const mledger_open_opts *opts);

/* Open an existing ledger; MLEDGER_ENOTFOUND if dir holds none. */
int mledger_ledger_open(mledger_ledger **out, const char *dir,
			const mledger_open_opts *opts);

/* Close and free. Accepts NULL. */
void mledger_ledger_close(mledger_ledger *ledger);

/* The origin named by the genesis event. Borrowed; lives with ledger. */
const char *mledger_ledger_origin(const mledger_ledger *ledger);

/* Number of entries and the SHA-256 of the last entry's bytes. */
int mledger_ledger_head(uint64_t *size, uint8_t hash[MLEDGER_HASH_BYTES],
			mledger_ledger *ledger);

typedef struct mledger_submit_opts {
	unsigned int version;     /* MLEDGER_SUBMIT_OPTS_VERSION */
	bool partial;             /* append the valid events, skip the rest;
				     default: one bad event rejects the batch */
	uint64_t time;            /* receive time for the entries; 0 = now */
	unsigned int threads;     /* signature checks in parallel; 0 = cores */
} mledger_submit_opts;

#define MLEDGER_SUBMIT_OPTS_VERSION 1
#define MLEDGER_SUBMIT_OPTS_INIT {MLEDGER_SUBMIT_OPTS_VERSION, false, 0, 0}

/* One event of a batch that was not appended, with why. */
typedef struct mledger_rejection {
	size_t index;             /* position in the batch */
	int code;                 /* MLEDGER_E* */
	char message[256];
} mledger_rejection;

typedef struct mledger_submit_result {
	uint64_t first_seq;       /* seq of the first appended entry */
	uint64_t appended;        /* entries appended (0 if rejected) */
	mledger_rejection *rejected; /* malloc'd, also on failure: the event
					that sank an atomic batch; free with
					mledger_submit_result_free() */
	size_t nrejected;
} mledger_submit_result;

/*
 * Append a batch of signed events in one durable write transaction. By
 * default the batch is atomic: the first invalid event rejects it, the
 * return code and mledger_error_last() say which ("event 3 of 10: ...") and
 * the ledger is left exactly as it was. With opts->partial, invalid events
 * are listed in result->rejected and the rest appended. The function returns
 * only after the commit is durable (or failed).
 */
int mledger_submit(mledger_submit_result *result, mledger_ledger *ledger,
		   const uint8_t *const *events, const size_t *lens, size_t n,
		   const mledger_submit_opts *opts);
void mledger_submit_result_free(mledger_submit_result *result);

/* One batch for mledger_submit_each(): n signed events. */
typedef struct mledger_batch_in {
	const uint8_t *const *events;
	const size_t *lens;
	size_t n;
} mledger_batch_in;

/*
 * Append several batches in order, each as mledger_submit() would: its own
 * durable transaction, atomic unless opts->partial, its outcome in
 * results[k] (free each with mledger_submit_result_free()). A refused batch
 * does not stop the ones after it. The work overlaps between batches (the
 * next one is decoded and its signatures checked while this one's rules
 * run and its commit waits on the disk), so a stream of batches goes in
 * faster than one call each. done (if not NULL) is called on the calling
 * thread with each batch's outcome as soon as it is final: after its
 * commit is durable, or its refusal. Returns 0 if every batch went in, the
 * code of the first refused one otherwise; a fault of the ledger or the
 * machine (storage, memory) ends the run at once and is returned, the
 * batches before it staying appended.
 */
typedef void mledger_batch_done_fn(void *ctx, size_t k,
				   const mledger_submit_result *result);

int mledger_submit_each(mledger_submit_result *results,
			mledger_ledger *ledger,
			const mledger_batch_in *batches, size_t nbatches,
			const mledger_submit_opts *opts,
			mledger_batch_done_fn *done, void *done_ctx);

/* An entry, borrowed from the bytes it was parsed from. */
typedef struct mledger_entry {
	uint64_t seq;
	uint64_t time;            /* ledger receive time, Unix seconds UTC */
	const uint8_t *prev;      /* MLEDGER_HASH_BYTES */
	const uint8_t *event;     /* the signed event bytes */
	size_t event_len;
} mledger_entry;

/* Parse entry bytes (canonical, capped). */
int mledger_entry_parse(mledger_entry *out, const uint8_t *data, size_t len);

/* Copy of the bytes of entry seq (*out malloc'd); ENOTFOUND past the end. */
int mledger_entry_get(uint8_t **out, size_t *out_len, mledger_ledger *ledger,
		      uint64_t seq);

/*
 * Call fn for entries [from, to) in order (to = UINT64_MAX: to the end), in
 * one read transaction. data is valid only during the call. A non-zero
 * return from fn stops the walk and is returned.
 */
typedef int (*mledger_entry_fn)(void *ctx, uint64_t seq, const uint8_t *data,
				size_t len);
int mledger_ledger_foreach(mledger_ledger *ledger, uint64_t from, uint64_t to,
			   mledger_entry_fn fn, void *ctx);

/*
 * JSON of an entry: {"seq", "time", "hash", "prev", "kid", "sig", "event"}
 * with the body decoded. *out malloc'd.
 */
int mledger_entry_to_json(char **out, const uint8_t *data, size_t len,
			  bool pretty);

/* An enrolled actor as the ledger knows it now. */
typedef struct mledger_actor {
	mledger_actor_record record;
	uint64_t enrolled_seq;    /* entry that enrolled it */
	uint64_t last_actor_seq;  /* highest actor_seq it has used */
	bool revoked;
	uint64_t revoked_seq;     /* when revoked is set */
} mledger_actor;

/* Look an actor up by id; ENOTFOUND if unknown. Free with mledger_actor_free. */
int mledger_actor_get(mledger_actor **out, mledger_ledger *ledger,
		      const char *id);
void mledger_actor_free(mledger_actor *actor);

/* One key of an actor, as added by its enrolment or a rekey. */
typedef struct mledger_actor_key {
	uint8_t kid[MLEDGER_KID_BYTES];
	mledger_pubkey pub;
	uint64_t added_seq;       /* entry that added it */
	bool retired;             /* retired by a rekey or revoked */
	uint64_t retired_seq;     /* entry from which it no longer signs */
} mledger_actor_key;

/*
 * Every key an actor has had, in the order added (*out malloc'd, *n set).
 * ENOTFOUND for an unknown actor.
 */
int mledger_actor_keys(mledger_actor_key **out, size_t *n,
		       mledger_ledger *ledger, const char *id);

/* The id of the actor a key id belongs to (*out malloc'd); ENOTFOUND. */
int mledger_actor_by_kid(char **out, mledger_ledger *ledger,
			 const uint8_t kid[MLEDGER_KID_BYTES]);

typedef struct mledger_verify_opts {
	unsigned int version;     /* MLEDGER_VERIFY_OPTS_VERSION */
	unsigned int threads;     /* 0 = all cores */
	mledger_progress_fn progress;
	void *progress_ctx;
	/*
	 * An earlier verified checkpoint: the first trusted_size entries must
	 * hash to trusted_root, and their signatures are not checked again
	 * (an auditor's daily run checks only what is new). 0: none.
	 */
	uint64_t trusted_size;
	uint8_t trusted_root[MLEDGER_HASH_BYTES];
} mledger_verify_opts;

#define MLEDGER_VERIFY_OPTS_VERSION 1
#define MLEDGER_VERIFY_OPTS_INIT {MLEDGER_VERIFY_OPTS_VERSION, 0, NULL, NULL, \
				  0, {0}}

typedef struct mledger_verify_result {
	uint64_t entries;         /* entries checked and found good */
	bool failed;
	uint64_t bad_seq;         /* first bad entry when failed */
} mledger_verify_result;

/*
 * Verify the whole ledger: every entry's encoding, seq and prev link, every
 * signature against the key valid at that seq, every rule replayed from
 * entry 0, and the stored state against the replayed one. Returns 0 if all
 * holds; otherwise the error of the first fault, result->bad_seq naming its
 * entry and mledger_error_last() what is wrong ("entry 42: bad signature").
 */
MLEDGER_WARN_UNUSED int mledger_verify(mledger_verify_result *result,
				       mledger_ledger *ledger,
				       const mledger_verify_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
