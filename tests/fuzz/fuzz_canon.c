/*
 * Fuzz target for the canonical msgpack checker, the first code to touch
 * bytes that arrive from outside (submitted events, bundles). Beyond "does
 * not crash", it checks the property the checker exists for: whatever it
 * accepts, msgpack-c must unpack, and writing the unpacked value back out
 * through the ledger's own writer must give the very same bytes. A value
 * with a second encoding that slipped past the checker would show up here
 * as a mismatch, and one the writer cannot produce as a failed finish. The
 * stream reader (mledger_canon_next) and mledger_doc_parse must agree with
 * the checker on every input.
 * Built with libFuzzer under clang, and with tests/fuzz/replay.c everywhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_canon: %s (%s)\n", why, mledger_error_last());
	abort();
}

/* Write o back out; abort on anything the checker should have refused. */
static void reencode(mledger_writer *w, const msgpack_object *o)
{
	uint32_t i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		mledger_w_nil(w);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		mledger_w_bool(w, o->via.boolean);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		mledger_w_uint(w, o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		if (o->via.i64 >= 0)
			fail("negative integer object holds a non-negative value");
		mledger_w_int(w, o->via.i64);
		break;
	case MSGPACK_OBJECT_STR:
		if (!mledger_utf8_valid((const uint8_t *)o->via.str.ptr,
					o->via.str.size))
			fail("accepted a string that is not UTF-8");
		mledger_w_strn(w, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		mledger_w_bin(w, (const uint8_t *)o->via.bin.ptr,
			      o->via.bin.size);
		break;
	case MSGPACK_OBJECT_ARRAY:
		mledger_w_array(w, o->via.array.size);
		for (i = 0; i < o->via.array.size; i++)
			reencode(w, &o->via.array.ptr[i]);
		break;
	case MSGPACK_OBJECT_MAP:
		mledger_w_map(w, o->via.map.size);
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object_kv *kv = &o->via.map.ptr[i];

			if (kv->key.type != MSGPACK_OBJECT_STR)
				fail("accepted a map key that is not a string");
			reencode(w, &kv->key);
			reencode(w, &kv->val);
		}
		break;
	default:
		fail("accepted a float or ext");
	}
}

/*
 * Every key that can be spelled as a C string must be found by
 * mledger_map_find(), which relies on the checker's key order.
 */
static void check_lookups(const msgpack_object *o)
{
	char key[64];
	uint32_t i;

	if (o->type == MSGPACK_OBJECT_ARRAY) {
		for (i = 0; i < o->via.array.size; i++)
			check_lookups(&o->via.array.ptr[i]);
		return;
	}
	if (o->type != MSGPACK_OBJECT_MAP)
		return;
	for (i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		size_t n = kv->key.via.str.size;

		if (n < sizeof(key) && (n == 0 ||
		    memchr(kv->key.via.str.ptr, '\0', n) == NULL)) {
			if (n > 0)
				memcpy(key, kv->key.via.str.ptr, n);
			key[n] = '\0';
			if (mledger_map_find(o, key) != &kv->val)
				fail("mledger_map_find missed a key");
		}
		check_lookups(&kv->val);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mledger_writer w;
	mledger_doc doc;
	uint8_t *out;
	size_t out_len;
	int rc;

	rc = mledger_canon_check(data, size, MLEDGER_ENTRY_MAX,
				 MLEDGER_DEPTH_MAX);
	if (rc < 0) {
		if (rc != MLEDGER_EFORMAT && rc != MLEDGER_ETOOBIG)
			fail("unexpected error code");
		if (strstr(mledger_error_last(), "offset") == NULL &&
		    strstr(mledger_error_last(), "cap") == NULL)
			fail("error message names no offset");
	}
	if (mledger_doc_parse(&doc, data, size, MLEDGER_ENTRY_MAX) != rc)
		fail("mledger_doc_parse disagrees with mledger_canon_check");
	/* The stream reader must cut exactly what the checker accepts. */
	if (mledger_canon_next(&out_len, data, size, MLEDGER_ENTRY_MAX,
			       MLEDGER_DEPTH_MAX) == 0) {
		if (mledger_canon_check(data, out_len, MLEDGER_ENTRY_MAX,
					MLEDGER_DEPTH_MAX) < 0)
			fail("mledger_canon_next cut a value the check refuses");
		if (rc == 0 && out_len != size)
			fail("mledger_canon_next cut a whole value short");
	} else if (rc == 0) {
		fail("mledger_canon_next refused a value the check accepts");
	}
	if (rc < 0) {
		mledger_doc_free(&doc);
		return 0;
	}

	check_lookups(&doc.root);
	mledger_w_init(&w);
	reencode(&w, &doc.root);
	if (mledger_w_finish(&out, &out_len, &w) < 0)
		fail("the writer refused an accepted value");
	if (out_len != size || memcmp(out, data, size) != 0)
		fail("accepted bytes do not re-encode to themselves");
	free(out);
	mledger_doc_free(&doc);
	return 0;
}
