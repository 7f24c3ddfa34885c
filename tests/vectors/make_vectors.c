/*
 * Writes the golden vectors (vectors.h) into a directory, with a SHA256SUMS
 * file in sha256sum's format, after checking that the thirteen events are
 * accepted by a fresh ledger in order and that it then verifies. It is built
 * but never run by the tests: the vectors pin the wire formats, so making
 * new ones is a deliberate act, and tests/test_event.c fails until the
 * stored files and the code agree again.
 *   cmake --build build --target make_vectors
 *   ./build/tests/vectors/make_vectors tests/vectors
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vectors.h"

static int fail(const char *what)
{
	fprintf(stderr, "make_vectors: %s: %s\n", what, mledger_error_last());
	return 1;
}

/* Remove the scratch ledger made by check_ledger. */
static void remove_dir(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

/* The events must make a valid ledger, or they are no example to follow. */
static int check_ledger(const vec_file *v)
{
	mledger_submit_opts opts = MLEDGER_SUBMIT_OPTS_INIT;
	mledger_submit_result res;
	mledger_verify_result vres;
	const uint8_t *events[VEC_EVENTS - 1];
	size_t lens[VEC_EVENTS - 1];
	mledger_ledger *l = NULL;
	char dir[] = "/tmp/mledger-vectors-XXXXXX";
	int error;

	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "make_vectors: cannot make a scratch directory\n");
		return 1;
	}
	/* Genesis makes the ledger; the others follow as one batch. */
	for (int i = 1; i < VEC_EVENTS; i++) {
		events[i - 1] = v[vec_event_order[i]].data;
		lens[i - 1] = v[vec_event_order[i]].len;
	}
	opts.time = VEC_TIME_ATTEST;
	error = mledger_ledger_create(&l, dir, v[VEC_GENESIS].data,
				      v[VEC_GENESIS].len, NULL);
	if (error == 0) {
		error = mledger_submit(&res, l, events, lens, VEC_EVENTS - 1,
				       &opts);
		mledger_submit_result_free(&res);
	}
	if (error == 0)
		error = mledger_verify(&vres, l, NULL);
	mledger_ledger_close(l);
	remove_dir(dir);
	return error < 0 ? fail("the events do not make a valid ledger") : 0;
}

static int write_file(const char *dir, const char *name, const void *data,
		      size_t len)
{
	char path[4096];
	FILE *f;
	int ok;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		fprintf(stderr, "make_vectors: path too long\n");
		return 1;
	}
	f = fopen(path, "wb");
	if (f == NULL) {
		perror(path);
		return 1;
	}
	ok = fwrite(data, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	if (!ok) {
		perror(path);
		return 1;
	}
	printf("wrote %s (%zu bytes)\n", path, len);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const vec_file *)a)->name, ((const vec_file *)b)->name);
}

/* SHA256SUMS: "<64 hex digits>  <name>\n" per file, sorted by name. */
static int write_sums(const char *dir, const vec_file *v)
{
	vec_file sorted[VEC_COUNT];
	char sums[VEC_COUNT * 128];
	size_t used = 0;

	memcpy(sorted, v, sizeof(sorted));
	qsort(sorted, VEC_COUNT, sizeof(sorted[0]), by_name);
	for (int i = 0; i < VEC_COUNT; i++) {
		uint8_t hash[MLEDGER_HASH_BYTES];
		char hex[2 * MLEDGER_HASH_BYTES + 1];

		mledger_sha256(hash, sorted[i].data, sorted[i].len);
		mledger_hex(hex, hash, sizeof(hash));
		used += (size_t)snprintf(sums + used, sizeof(sums) - used,
					 "%s  %s\n", hex, sorted[i].name);
	}
	return write_file(dir, "SHA256SUMS", sums, used);
}

int main(int argc, char **argv)
{
	vec_file v[VEC_COUNT];
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: make_vectors DIR   (normally tests/vectors)\n");
		return 2;
	}
	if (vec_build(v) < 0)
		return fail("building the vectors");
	rc = check_ledger(v);
	for (int i = 0; i < VEC_COUNT && rc == 0; i++)
		rc = write_file(argv[1], v[i].name, v[i].data, v[i].len);
	if (rc == 0)
		rc = write_sums(argv[1], v);
	vec_free(v);
	return rc;
}
