/*
 * A fork-join loop on POSIX threads. Items are handed out in small chunks
 * from an atomic counter, so a slow item (a P-256 key among Ed25519 ones)
 * does not leave other threads idle. The calling thread works too; if a
 * thread cannot be started the remaining ones, at least the caller, finish
 * the loop, so the result never depends on thread creation succeeding.
 */
#include "parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#define CHUNK 8
#define THREADS_MAX 64

typedef struct loop {
	atomic_size_t next;
	size_t n;
	void (*fn)(void *ctx, size_t i);
	void *ctx;
} loop;

static void *run(void *arg)
{
	loop *l = arg;

	for (;;) {
		size_t start = atomic_fetch_add(&l->next, CHUNK);

		if (start >= l->n)
			break;
		for (size_t i = start; i < start + CHUNK && i < l->n; i++)
			l->fn(l->ctx, i);
	}
	return NULL;
}

unsigned mledger_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1u : (unsigned)n;
}

void mledger_parallel_for(size_t n, unsigned threads,
			  void (*fn)(void *ctx, size_t i), void *ctx)
{
	pthread_t tids[THREADS_MAX];
	unsigned started = 0;
	loop l;

	if (threads == 0)
		threads = mledger_cores();
	if (threads > THREADS_MAX)
		threads = THREADS_MAX;
	if ((size_t)threads > (n + CHUNK - 1) / CHUNK)
		threads = (unsigned)((n + CHUNK - 1) / CHUNK);
	atomic_init(&l.next, 0);
	l.n = n;
	l.fn = fn;
	l.ctx = ctx;
	for (unsigned t = 1; t < threads; t++) {
		if (pthread_create(&tids[started], NULL, run, &l) != 0)
			break;
		started++;
	}
	run(&l);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
}
