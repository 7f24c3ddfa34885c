/*
 * Fuzz target for signed events and event bodies, the bytes every submitter
 * controls. The input is parsed as a signed event {body, kid, sig}; when
 * that fails it is taken as a bare body instead, so mutations reach the body
 * decoder without having to keep a bin length right. Beyond "does not
 * crash", it checks the property the strict decoder exists for: a body that
 * decodes re-encodes through mledger_event_encode to the very same bytes
 * (one event, one encoding), and decodes again. Failures must carry a
 * decoder's code (EFORMAT or ETOOBIG, never ENOMEM for bad input) and a
 * message. mledger_body_to_json must give parseable JSON for every canonical
 * map and refuse everything else with a decoder's code; mledger_event_summary
 * must not crash on anything that decodes.
 * Built with libFuzzer under clang, and with tests/fuzz/replay.c everywhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codec.h"
#include "mledger/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_event: %s (%s)\n", why, mledger_error_last());
	abort();
}

/* A decoder's failure: one of its codes, with a message. */
static void check_failure(int rc, const char *what)
{
	char why[128];

	if (rc != MLEDGER_EFORMAT && rc != MLEDGER_ETOOBIG) {
		snprintf(why, sizeof(why), "%s: unexpected code %d", what, rc);
		fail(why);
	}
	if (mledger_error_last()[0] == '\0' ||
	    strcmp(mledger_error_last(), mledger_strerror(rc)) == 0) {
		snprintf(why, sizeof(why), "%s: failure without a message", what);
		fail(why);
	}
}

static void check_json(const uint8_t *body, size_t len, bool canonical)
{
	bool is_map = len > 0 && ((body[0] & 0xf0) == 0x80 || body[0] == 0xde ||
				  body[0] == 0xdf);
	json_error_t jerr;
	json_t *j;
	char *out = NULL;
	int rc = mledger_body_to_json(&out, body, len, len % 2 == 0);

	if (rc < 0) {
		/* A canonical map renders; anything else is refused, as such. */
		check_failure(rc, "mledger_body_to_json");
		if (canonical && is_map)
			fail("mledger_body_to_json refused a canonical map");
		if (out != NULL)
			fail("mledger_body_to_json set *out on failure");
		return;
	}
	if (!canonical)
		fail("mledger_body_to_json accepted a non-canonical body");
	/*
	 * jansson's own parser refuses \u0000 in an object key, which JSON
	 * allows and a canonical map key may hold; check the rest.
	 */
	j = json_loads(out, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (j == NULL && strstr(out, "\\u0000") == NULL)
		fail("mledger_body_to_json wrote JSON that does not parse");
	json_decref(j);
	free(out);
}

static void check_body(const uint8_t *body, size_t len)
{
	mledger_event *ev = NULL, *again = NULL;
	uint8_t *out = NULL;
	size_t out_len = 0;
	char summary[512], tiny[8];
	bool canonical;
	int rc;

	canonical = mledger_canon_check(body, len, MLEDGER_EVENT_MAX,
					MLEDGER_DEPTH_MAX) == 0;
	check_json(body, len, canonical);

	rc = mledger_event_decode(&ev, body, len);
	if (rc < 0) {
		check_failure(rc, "mledger_event_decode");
		if (ev != NULL)
			fail("mledger_event_decode set *out on failure");
		return;
	}
	if (!canonical)
		fail("mledger_event_decode accepted a non-canonical body");

	mledger_event_summary(summary, sizeof(summary), ev);
	mledger_event_summary(tiny, sizeof(tiny), ev);
	if (memchr(summary, '\0', sizeof(summary)) == NULL ||
	    memchr(tiny, '\0', sizeof(tiny)) == NULL)
		fail("summary is not NUL-terminated");

	rc = mledger_event_encode(&out, &out_len, ev);
	if (rc < 0)
		fail("a decoded event does not encode");
	if (out_len != len || memcmp(out, body, len) != 0)
		fail("a decoded body re-encodes to different bytes");
	if (mledger_event_decode(&again, out, out_len) < 0)
		fail("a re-encoded body does not decode");
	mledger_event_free(again);
	free(out);
	mledger_event_free(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mledger_signed sev;
	int rc = mledger_signed_parse(&sev, data, size);

	if (rc == 0) {
		if (sev.body < data || sev.body + sev.body_len > data + size ||
		    sev.kid < data || sev.kid + MLEDGER_KID_BYTES > data + size ||
		    sev.sig < data || sev.sig + MLEDGER_SIG_BYTES > data + size)
			fail("mledger_signed_parse points outside its input");
		check_body(sev.body, sev.body_len);
	} else {
		check_failure(rc, "mledger_signed_parse");
		check_body(data, size);
	}
	return 0;
}
