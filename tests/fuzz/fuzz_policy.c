/*
 * Fuzz target for policy files, which users pass with --policy-file:
 * mledger_policy_parse must refuse anything malformed with EINVAL or
 * ETOOBIG and a message, and never crash on what it accepts.
 * Built with libFuzzer under clang, and with tests/fuzz/replay.c everywhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mledger/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mledger_policy *p = NULL;
	int rc = mledger_policy_parse(&p, (const char *)data, size);

	if (rc < 0) {
		if ((rc != MLEDGER_EINVAL && rc != MLEDGER_ETOOBIG) || p != NULL) {
			fprintf(stderr, "fuzz_policy: code %d (%s)\n", rc,
				mledger_error_last());
			abort();
		}
		return 0;
	}
	if (p == NULL || mledger_policy_name(p)[0] == '\0') {
		fprintf(stderr, "fuzz_policy: accepted without a name\n");
		abort();
	}
	mledger_policy_free(p);
	return 0;
}
