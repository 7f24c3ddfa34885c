/*
 * Fuzz target for signed checkpoints, which an auditor receives from the
 * operator and must treat as untrusted: mledger_note_open under a fixed
 * verifier key, then mledger_checkpoint_parse of whatever text it yields.
 * Every failure must be one of the documented codes; a note that opens must
 * be one the key really signed, so the fuzzer can only open the seeds.
 * Built with libFuzzer under clang, and with tests/fuzz/replay.c everywhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mledger/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The C2SP example key (proto/checkpoints.md). */
static const char vkey[] =
	"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_note: %s (%s)\n", why, mledger_error_last());
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = NULL;
	mledger_checkpoint cp;
	int rc = mledger_note_open(&text, (const char *)data, size, vkey);

	if (rc < 0) {
		if (rc != MLEDGER_EFORMAT && rc != MLEDGER_EBADSIG &&
		    rc != MLEDGER_ETOOBIG)
			fail("unexpected error code");
		if (text != NULL)
			fail("text set on failure");
		return 0;
	}
	if (text == NULL || strlen(text) >= size)
		fail("opened text is not a prefix of the note");
	if (memcmp(text, data, strlen(text)) != 0)
		fail("opened text differs from the note's");
	rc = mledger_checkpoint_parse(&cp, text);
	if (rc < 0 && rc != MLEDGER_EFORMAT)
		fail("unexpected checkpoint error");
	free(text);
	return 0;
}
