/*
 * Throughput of mledger_key_verify for Ed25519, the check every submitted
 * event goes through, on one thread and on N threads sharing one key (N =
 * the online CPUs, or argv[1]). Each run lasts about two seconds over a
 * 200-byte message, about the size of a small event body. The output is one
 * "name value" line per figure so scripts can compare it with
 * `openssl speed ed25519`, the ceiling this wrapper should come close to.
 * The one-thread figure counts the thread's own CPU time, as `openssl speed`
 * counts user time, so the two stay comparable on a busy machine; the
 * N-thread figure is wall-clock throughput, what the machine delivers.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mledger/key.h"

#define RUN_SECONDS 2.0
#define MSG_BYTES 200
#define MAX_THREADS 256

struct worker {
	clockid_t clock;          /* what "two seconds" is measured on */
	const mledger_key *key;
	const uint8_t *msg;
	const uint8_t *sig;
	unsigned long long count; /* successful verifications */
	int failed;               /* a verification that should pass did not */
	double seconds;           /* how long this worker ran */
};

static double now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	double start = now(w->clock), t = start;

	/* Read the clock every 64 calls so timing costs nothing measurable. */
	while (t - start < RUN_SECONDS) {
		int i;

		for (i = 0; i < 64; i++) {
			if (mledger_key_verify(w->key, w->msg, MSG_BYTES, w->sig,
					       MLEDGER_SIG_BYTES) != 0) {
				w->failed = 1;
				return NULL;
			}
		}
		w->count += 64;
		t = now(w->clock);
	}
	w->seconds = t - start;
	return NULL;
}

/* Verifications per second summed over n threads; < 0 on failure. */
static double run(const mledger_key *key, const uint8_t *msg,
		  const uint8_t *sig, long n, clockid_t clock)
{
	struct worker workers[MAX_THREADS];
	pthread_t threads[MAX_THREADS];
	double rate = 0;
	long i;

	for (i = 0; i < n; i++) {
		workers[i] = (struct worker){ clock, key, msg, sig, 0, 0, 0 };
		if (pthread_create(&threads[i], NULL, work, &workers[i]) != 0) {
			fprintf(stderr, "bench_verify: cannot start thread %ld\n", i);
			n = i;
			rate = -1;
			break;
		}
	}
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < n && rate >= 0; i++) {
		if (workers[i].failed) {
			fprintf(stderr, "bench_verify: verification failed: %s\n",
				mledger_error_last());
			return -1;
		}
		rate += (double)workers[i].count / workers[i].seconds;
	}
	return rate;
}

static long parse_threads(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < 1 || n > MAX_THREADS)
		return -1;
	return n;
}

int main(int argc, char **argv)
{
	uint8_t msg[MSG_BYTES], sig[MLEDGER_SIG_BYTES];
	mledger_key *key = NULL;
	double one, many;
	long n;
	size_t i;

	if (argc > 2) {
		fprintf(stderr, "usage: bench_verify [THREADS]\n");
		return 2;
	}
	if (argc == 2) {
		n = parse_threads(argv[1]);
		if (n < 0) {
			fprintf(stderr, "bench_verify: THREADS must be 1..%d, not %s\n",
				MAX_THREADS, argv[1]);
			return 2;
		}
	} else {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		if (n < 1)
			n = 1;
		if (n > MAX_THREADS)
			n = MAX_THREADS;
	}

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 131 + 7);
	if (mledger_key_generate(&key, MLEDGER_ALG_ED25519) < 0 ||
	    mledger_key_sign(sig, key, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "bench_verify: %s\n", mledger_error_last());
		mledger_key_free(key);
		return 1;
	}

	one = run(key, msg, sig, 1, CLOCK_THREAD_CPUTIME_ID);
	many = one >= 0 ? run(key, msg, sig, n, CLOCK_MONOTONIC) : -1;
	mledger_key_free(key);
	if (one < 0 || many < 0)
		return 1;
	printf("verify_1core_per_s %.0f\n", one);
	printf("verify_ncore_per_s %.0f threads %ld\n", many, n);
	return 0;
}
