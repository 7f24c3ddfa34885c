/*
 * Fuzz target for tile entry bundles (tile/entries/<N>), which a verifier
 * downloads from any web server and must treat as untrusted: the first
 * input byte gives the width the tile path promises (1 to 256), the rest is
 * the bundle, split by mledger_tile_bundle_split. A split that succeeds
 * must hand back exactly width non-empty entries that lie inside the input,
 * back to back, with every byte accounted for; a failure must be one of
 * the documented codes. Built with libFuzzer under clang, and with
 * tests/fuzz/replay.c everywhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mledger/tiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_tile_bundle: %s (%s)\n", why, mledger_error_last());
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mledger_tile_entry out[MLEDGER_TILE_WIDTH];
	const uint8_t *body = data + 1;
	unsigned width;
	size_t off = 0;
	int rc;

	if (size == 0)
		return 0;
	width = (unsigned)data[0] + 1;
	rc = mledger_tile_bundle_split(out, width, body, size - 1);
	if (rc < 0) {
		if (rc != MLEDGER_EFORMAT && rc != MLEDGER_ETOOBIG)
			fail("unexpected error code");
		return 0;
	}
	for (unsigned i = 0; i < width; i++) {
		/* Each entry follows its two-byte big-endian length. */
		off += 2;
		if (out[i].data != body + off || out[i].len == 0 ||
		    out[i].len > size - 1 - off)
			fail("an entry outside the bundle");
		off += out[i].len;
	}
	if (off != size - 1)
		fail("bytes left over after a successful split");
	return 0;
}
