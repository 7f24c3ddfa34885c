/*
 * Helpers for the suites that test event bodies (bodies.c): the golden
 * vectors read from tests/vectors/, keys and kids from seeds as hex, an
 * independent JSON-to-canonical-msgpack writer with a path-based editor,
 * and the two checks every decoder test comes down to: refused with this
 * code and this word, or accepted and re-encoded to the very same bytes.
 */
#ifndef MLEDGER_TEST_BODIES_H
#define MLEDGER_TEST_BODIES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fixture.h"
#include "mledger.h"

/* The bytes of tests/vectors/<name>, malloc'd (one spare byte at the end). */
fx_bytes read_vector(const char *name);

/* Lower-case hex of the SHA-256 of data. */
void sha256_hex(char out[2 * MLEDGER_HASH_BYTES + 1], const uint8_t *data,
		size_t len);

/* Raw public key, key id, and key id in hex of the key made from seed. */
void key_hex(char out[2 * MLEDGER_PUBKEY_MAX + 1], uint8_t seed);
void kid_of(uint8_t kid[MLEDGER_KID_BYTES], uint8_t seed);
void kid_hex(char out[2 * MLEDGER_KID_BYTES + 1], uint8_t seed);

/*
 * Canonical msgpack of j, written without the event encoder: objects become
 * maps with sorted keys, "hex:..." strings bin, other strings str, integers
 * uint (int when negative), true/false bool, null nil. Takes j.
 */
fx_bytes encode_json(json_t *j);

/*
 * Replace the value at path ("outputs/0/content/Li") with v, add it if the
 * last step names a new field or the end of an array, or remove it when v
 * is NULL. Takes v; returns root.
 */
json_t *with(json_t *root, const char *path, json_t *v);

/* The JSON string "hex:<hex>", which encode_json writes as bin. */
json_t *hex_json(const char *hex);

/* The decoder must refuse body with code and a message holding word. */
void expect_refused(fx_bytes body, int code, const char *word);

/* body must be refused (EFORMAT) or decode and re-encode to itself. */
void expect_refused_or_same(fx_bytes body);

#endif
