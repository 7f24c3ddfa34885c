/*
 * Fuzz target for entries, the bytes a ledger stores and an auditor reads
 * back from a bundle or a damaged store. mledger_entry_parse must accept
 * exactly the canonical {event, prev, seq, time} maps with a 32-byte prev,
 * and what it accepts must re-encode through the library's entry encoder to
 * the same bytes. mledger_entry_to_json must succeed exactly when the entry,
 * its signed event and the event's body all parse, and then give JSON that
 * parses. The input is also wrapped as the event of an entry, so mutations
 * reach the inner decoders without keeping an outer bin length right.
 * Built with libFuzzer under clang, and with tests/fuzz/replay.c everywhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codec.h"
#include "ledger_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_entry: %s (%s)\n", why, mledger_error_last());
	abort();
}

static void check_failure(int rc, const char *what)
{
	char why[128];

	if (rc != MLEDGER_EFORMAT && rc != MLEDGER_ETOOBIG) {
		snprintf(why, sizeof(why), "%s: unexpected code %d", what, rc);
		fail(why);
	}
}

/* Whether to_json should succeed: entry, signed event and body all parse. */
static bool inner_ok(const mledger_entry *e)
{
	mledger_signed sev;
	mledger_doc doc;

	if (mledger_signed_parse(&sev, e->event, e->event_len) < 0)
		return false;
	if (mledger_doc_parse(&doc, sev.body, sev.body_len,
			      MLEDGER_EVENT_MAX) < 0)
		return false;
	mledger_doc_free(&doc);
	return true;
}

static void check_entry(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	mledger_entry e;
	uint8_t *out = NULL;
	size_t out_len;
	char *json = NULL;
	bool expect_json;
	json_t *j;
	int rc;

	rc = mledger_entry_parse(&e, data, size);
	if (rc < 0) {
		check_failure(rc, "mledger_entry_parse");
		if (mledger_entry_to_json(&json, data, size, false) != rc ||
		    json != NULL)
			fail("mledger_entry_to_json disagrees with mledger_entry_parse");
		return;
	}
	if (e.prev < data || e.prev + MLEDGER_HASH_BYTES > data + size ||
	    e.event < data || e.event + e.event_len > data + size)
		fail("mledger_entry_parse points outside its input");
	if (mledger_entry_encode(&out, &out_len, e.seq, e.time, e.prev,
				 e.event, e.event_len) < 0)
		fail("a parsed entry does not encode");
	if (out_len != size || memcmp(out, data, size) != 0)
		fail("a parsed entry re-encodes to different bytes");
	free(out);

	expect_json = inner_ok(&e);
	rc = mledger_entry_to_json(&json, data, size, size % 2 == 0);
	if (rc < 0) {
		if (expect_json)
			fail("mledger_entry_to_json refused a well-formed entry");
		check_failure(rc, "mledger_entry_to_json");
		if (json != NULL)
			fail("mledger_entry_to_json set *out on failure");
		return;
	}
	if (!expect_json)
		fail("mledger_entry_to_json accepted a malformed event");
	/* jansson's parser refuses \u0000 in keys (JSON allows it). */
	j = json_loads(json, JSON_ALLOW_NUL, &jerr);
	if ((j == NULL && strstr(json, "\\u0000") == NULL) ||
	    (j != NULL && !json_is_object(j)))
		fail("mledger_entry_to_json wrote JSON that does not parse");
	json_decref(j);
	free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t prev[MLEDGER_HASH_BYTES] = {0xab};
	uint8_t *wrapped;
	size_t wrapped_len;

	check_entry(data, size);
	/* The input as the event of entry 7. */
	if (mledger_entry_encode(&wrapped, &wrapped_len, 7, 1790000000u, prev,
				 data, size) < 0)
		fail("cannot wrap the input in an entry");
	check_entry(wrapped, wrapped_len);
	free(wrapped);
	return 0;
}
