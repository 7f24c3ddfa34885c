/*
 * Run a loop body over n items on several threads. Used for the work that
 * dominates append and verify: decoding and checking signatures, which are
 * independent per event.
 */
#ifndef MLEDGER_PARALLEL_H
#define MLEDGER_PARALLEL_H

#include <stddef.h>

/* Call fn(ctx, i) for every i in [0, n) on up to `threads` threads
 * (0 = one per online core). Returns when all calls have returned. */
void mledger_parallel_for(size_t n, unsigned threads,
			  void (*fn)(void *ctx, size_t i), void *ctx);

/* Number of online cores (at least 1). */
unsigned mledger_cores(void);

#endif
