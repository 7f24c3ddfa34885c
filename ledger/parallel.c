/*
 * A fork-join loop on POSIX threads. Items are handed out in small chunks
 * from an atomic counter, so a slow item (a P-256 key among Ed25519 ones)
 * does not leave other threads idle. The calling thread works too; if a
 * thread cannot be started the remaining ones, at least the caller, finish
 * the loop, so the result never depends on thread creation succeeding.
 */
#include "parallel.h"

#include <unistd.h>

#define CHUNK 8

/* Take chunks until none is left below the limit. */
static void run_items(mledger_job *job)
{
	for (;;) {
		size_t limit = atomic_load(&job->limit);
		size_t start = atomic_fetch_add(&job->next, CHUNK);

		if (start >= limit)
			break;
		for (size_t i = start; i < start + CHUNK && i < limit; i++)
			job->fn(job->ctx, i);
	}
}

static void *run(void *arg)
{
	run_items(arg);
	return NULL;
}

unsigned mledger_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1u : (unsigned)n;
}

void mledger_job_start(mledger_job *job, size_t n, unsigned threads,
		       void (*fn)(void *ctx, size_t i), void *ctx)
{
	if (threads == 0)
		threads = mledger_cores();
	if (threads > MLEDGER_THREADS_MAX)
		threads = MLEDGER_THREADS_MAX;
	if ((size_t)threads > (n + CHUNK - 1) / CHUNK)
		threads = (unsigned)((n + CHUNK - 1) / CHUNK);
	atomic_init(&job->next, 0);
	atomic_init(&job->limit, n);
	job->fn = fn;
	job->ctx = ctx;
	job->started = 0;
	job->active = true;
	for (unsigned t = 1; t < threads; t++) {
		if (pthread_create(&job->tids[job->started], NULL, run, job) != 0)
			break;
		job->started++;
	}
}

void mledger_job_finish(mledger_job *job, size_t upto)
{
	if (!job->active)
		return;
	/* Only lowered: the items below upto are still handed out. */
	if (upto < atomic_load(&job->limit))
		atomic_store(&job->limit, upto);
	run_items(job);
	for (unsigned t = 0; t < job->started; t++)
		pthread_join(job->tids[t], NULL);
	job->started = 0;
	job->active = false;
}

void mledger_parallel_for(size_t n, unsigned threads,
			  void (*fn)(void *ctx, size_t i), void *ctx)
{
	mledger_job job;

	mledger_job_start(&job, n, threads, fn, ctx);
	mledger_job_finish(&job, n);
}
