/*
 * Fuzz target for bundles, which an auditor receives from anyone and must
 * treat as untrusted: mledger_bundle_audit under the operator key of the
 * test fixture (tests/fixture.c: an Ed25519 key from 32 bytes of 0x01), so
 * the seeds (bundles of the chain in tests/test_bundle.c) get past the
 * checkpoint and the fuzzer reaches the proofs, the replay and the trace.
 * Every failure must be one of the documented codes; an audit that passes
 * must describe a trace whose first node is the bundle's lot.
 * Built with libFuzzer under clang, and with tests/fuzz/replay.c everywhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_bundle: %s (%s)\n", why, mledger_error_last());
	abort();
}

static const mledger_key *operator_key(void)
{
	static mledger_key *key;
	uint8_t seed[MLEDGER_ED25519_SEED_BYTES];

	if (key == NULL) {
		memset(seed, 1, sizeof(seed));
		if (mledger_key_from_seed(&key, seed, sizeof(seed)) < 0)
			fail("cannot make the key");
	}
	return key;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mledger_audit_opts o = MLEDGER_AUDIT_OPTS_INIT;
	mledger_audit *a = NULL;
	const mledger_audit_summary *s;
	const mledger_trace_node *root;
	int rc;

	o.trust_key = operator_key();
	o.threads = 1;
	rc = mledger_bundle_audit(&a, data, size, &o);
	if (rc < 0) {
		switch (rc) {
		case MLEDGER_EFORMAT: case MLEDGER_ETOOBIG: case MLEDGER_EBADSIG:
		case MLEDGER_ECHAIN: case MLEDGER_EKEY: case MLEDGER_ENOTFOUND:
		case MLEDGER_EEXISTS: case MLEDGER_EROLE: case MLEDGER_EREPLAY:
		case MLEDGER_ERULE: case MLEDGER_ECUSTODY: case MLEDGER_EMASS:
		case MLEDGER_ETIME:
			break;
		default:
			fail("unexpected error code");
		}
		if (a != NULL)
			fail("audit set on failure");
		return 0;
	}
	s = mledger_audit_summary_of(a);
	root = mledger_trace_node_at(mledger_audit_trace(a), 0);
	if (root == NULL || strcmp(root->lot, s->lot) != 0 || s->entries == 0 ||
	    s->signatures > s->entries || s->lots == 0)
		fail("audit passed with an inconsistent summary");
	mledger_audit_free(a);
	return 0;
}
