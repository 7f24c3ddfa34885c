/*
 * Run a loop body over n items on several threads. Used for the work that
 * dominates append and verify: decoding and checking signatures, which are
 * independent per event. A job is the same loop started in the background,
 * so the caller can do ordered work (the rules) while the threads check
 * signatures, and then join in.
 */
#ifndef MLEDGER_PARALLEL_H
#define MLEDGER_PARALLEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define MLEDGER_THREADS_MAX 64

/* Call fn(ctx, i) for every i in [0, n) on up to `threads` threads
 * (0 = one per online core). Returns when all calls have returned. */
void mledger_parallel_for(size_t n, unsigned threads,
			  void (*fn)(void *ctx, size_t i), void *ctx);

/* Number of online cores (at least 1). */
unsigned mledger_cores(void);

/* A loop running in the background; fields are private to parallel.c. */
typedef struct mledger_job {
	atomic_size_t next;       /* first index not yet handed out */
	atomic_size_t limit;      /* indices from here on need not run */
	void (*fn)(void *ctx, size_t i);
	void *ctx;
	pthread_t tids[MLEDGER_THREADS_MAX];
	unsigned started;         /* background threads running */
	bool active;              /* started and not yet finished */
} mledger_job;

/*
 * Start fn(ctx, i) for i in [0, n) on `threads` - 1 background threads
 * (0 = one per online core); the calling thread makes up the last one when
 * it calls mledger_job_finish(). With one thread, or if no thread can be
 * started, everything runs in mledger_job_finish().
 */
void mledger_job_start(mledger_job *job, size_t n, unsigned threads,
		       void (*fn)(void *ctx, size_t i), void *ctx);

/*
 * Run the calls not yet started below `upto` on the calling thread, wait
 * for the background threads and end the job. Every i < upto has been run
 * when it returns; calls at or above upto may or may not have been. Does
 * nothing for a job that is not active (finished, or never started).
 */
void mledger_job_finish(mledger_job *job, size_t upto);

#endif
