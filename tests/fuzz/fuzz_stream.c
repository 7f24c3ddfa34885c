/*
 * Fuzz target for batch files: signed events laid end to end, as `mledger
 * submit` reads them. mledger_signed_next is called over the whole input,
 * cutting one value after another, until it fails or the input is used up.
 * Every cut must be non-empty, inside the input and under the event cap,
 * and hold exactly one canonical value that mledger_signed_parse accepts,
 * as submit will hand it on; a failure must be EFORMAT or ETOOBIG.
 * Built with libFuzzer under clang, and with tests/fuzz/replay.c everywhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "mledger/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_stream: %s (%s)\n", why, mledger_error_last());
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t left = size;

	while (left > 0) {
		mledger_signed sev;
		size_t n = 0;
		int rc = mledger_signed_next(&n, p, left);

		if (rc < 0) {
			if (rc != MLEDGER_EFORMAT && rc != MLEDGER_ETOOBIG)
				fail("unexpected error code");
			break;
		}
		if (n == 0 || n > left)
			fail("cut outside the input");
		if (n > MLEDGER_EVENT_MAX)
			fail("cut past the event cap");
		if (mledger_canon_check(p, n, MLEDGER_EVENT_MAX,
					MLEDGER_DEPTH_MAX) < 0)
			fail("cut a value the checker refuses");
		if (mledger_signed_parse(&sev, p, n) < 0)
			fail("cut a value that is not a signed event");
		p += n;
		left -= n;
	}
	/* An empty stream holds no event, and says so. */
	if (size == 0) {
		size_t n = 0;

		if (mledger_signed_next(&n, data, 0) != MLEDGER_EFORMAT)
			fail("an empty stream is not refused");
	}
	return 0;
}
