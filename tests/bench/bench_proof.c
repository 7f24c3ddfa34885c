/*
 * The verifiable-log benchmark: on an existing ledger, how long the
 * operator's checkpoint and an auditor's proofs take to produce.
 *
 *   bench_proof LEDGER_DIR OPERATOR_KEY [RUNS]
 *
 * Times, in microseconds, the median and the worst of RUNS (default 101)
 * calls of: mledger_ledger_root at the head (the Merkle root from the
 * stored subtrees), the same root made into a signed C2SP checkpoint
 * note (what a checkpoint costs before it is stored), mledger_checkpoint_make
 * (that, plus the durable commit that stores it), an inclusion proof of a random entry in the whole tree, and a consistency
 * proof from a random older size; each proof is checked once by the
 * library so a wrong proof cannot pass for a fast one. Beside them, the
 * disk's own floor for a durable commit, measured the same way: writing a
 * page to a file in the ledger's directory and fdatasync()ing it (an LMDB
 * commit does that twice: data pages, then the meta page). Prints
 * "name value" lines.
 */
#include "mledger.h"
#include "ledger_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUNS_MAX 100000

static void die(const char *what)
{
	fprintf(stderr, "bench_proof: %s: %s\n", what, mledger_error_last());
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Print the median and the worst of t[0..n). */
static void report(const char *name, double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%s_us %.1f\n%s_max_us %.1f\n", name, t[n / 2], name, t[n - 1]);
}

/* A uniform 64-bit value below n (n > 0), from a fixed-seed xorshift. */
static uint64_t below(uint64_t n)
{
	static uint64_t x = 0x9e3779b97f4a7c15u;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x % n;
}

/* The median time of writing one page to a file in dir and syncing it. */
static void time_fsync(const char *dir, double *t, int runs)
{
	static char page[4096];
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/bench-fsync.tmp", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0) {
		perror(path);
		exit(1);
	}
	for (int r = 0; r < runs; r++) {
		double t0 = now_us();

		page[0] = (char)r;
		if (pwrite(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page) ||
		    fdatasync(fd) != 0) {
			perror(path);
			exit(1);
		}
		t[r] = now_us() - t0;
	}
	close(fd);
	unlink(path);
	report("fsync", t, runs);
}

int main(int argc, char **argv)
{
	uint8_t root[MLEDGER_HASH_BYTES], head[MLEDGER_HASH_BYTES];
	uint8_t leaf[MLEDGER_HASH_BYTES], old_root[MLEDGER_HASH_BYTES];
	mledger_ledger *ledger = NULL;
	mledger_key *key = NULL;
	uint64_t size;
	double *t;
	int runs;

	if (argc < 3 || argc > 4) {
		fprintf(stderr,
			"usage: bench_proof LEDGER_DIR OPERATOR_KEY [RUNS]\n");
		return 2;
	}
	runs = argc > 3 ? atoi(argv[3]) : 101;
	if (runs < 1 || runs > RUNS_MAX) {
		fprintf(stderr, "bench_proof: RUNS must be 1..%d\n", RUNS_MAX);
		return 2;
	}
	if ((t = calloc((size_t)runs, sizeof(*t))) == NULL)
		return 1;
	if (mledger_ledger_open(&ledger, argv[1], NULL) < 0)
		die(argv[1]);
	if (mledger_key_load(&key, argv[2]) < 0)
		die(argv[2]);
	if (mledger_ledger_head(&size, head, ledger) < 0 || size < 2)
		die("the ledger needs two entries or more");
	printf("entries %llu\n", (unsigned long long)size);

	for (int r = 0; r < runs; r++) {
		double t0 = now_us();

		if (mledger_ledger_root(root, ledger, size) < 0)
			die("root");
		t[r] = now_us() - t0;
	}
	report("root", t, runs);

	for (int r = 0; r < runs; r++) {
		char *text = NULL, *note = NULL;
		double t0 = now_us();

		if (mledger_ledger_root(root, ledger, size) < 0 ||
		    mledger_checkpoint_text(&text, mledger_ledger_origin(ledger),
					    size, root) < 0 ||
		    mledger_note_sign(&note, text,
				      mledger_ledger_origin(ledger), key) < 0)
			die("signing a checkpoint");
		t[r] = now_us() - t0;
		free(text);
		free(note);
	}
	report("checkpoint_sign", t, runs);

	for (int r = 0; r < runs; r++) {
		char *note = NULL;
		double t0 = now_us();

		if (mledger_checkpoint_make(&note, ledger, key) < 0)
			die("checkpoint");
		t[r] = now_us() - t0;
		free(note);
	}
	report("checkpoint", t, runs);

	for (int r = 0; r < runs; r++) {
		uint8_t (*proof)[MLEDGER_HASH_BYTES] = NULL;
		uint64_t index = below(size);
		size_t n;
		double t0 = now_us();

		if (mledger_prove_inclusion(&proof, &n, ledger, index, size) < 0)
			die("inclusion proof");
		t[r] = now_us() - t0;
		if (r == 0) {
			uint8_t *entry = NULL;
			size_t len;

			if (mledger_entry_get(&entry, &len, ledger, index) < 0)
				die("entry");
			mledger_leaf_hash(leaf, entry, len);
			free(entry);
			if (mledger_inclusion_verify(index, size, leaf, proof, n,
						     root) < 0)
				die("the inclusion proof does not verify");
		}
		free(proof);
	}
	report("inclusion", t, runs);

	for (int r = 0; r < runs; r++) {
		uint8_t (*proof)[MLEDGER_HASH_BYTES] = NULL;
		uint64_t old = 1 + below(size - 1);
		size_t n;
		double t0 = now_us();

		if (mledger_prove_consistency(&proof, &n, ledger, old, size) < 0)
			die("consistency proof");
		t[r] = now_us() - t0;
		if (r == 0 &&
		    (mledger_ledger_root(old_root, ledger, old) < 0 ||
		     mledger_consistency_verify(old, size, old_root, root,
						proof, n) < 0))
			die("the consistency proof does not verify");
		free(proof);
	}
	report("consistency", t, runs);
	time_fsync(argv[1], t, runs);

	free(t);
	mledger_key_free(key);
	mledger_ledger_close(ledger);
	return 0;
}
