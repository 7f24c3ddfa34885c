/*
 * Helpers shared by the suites that test event bodies (test_event.c,
 * test_lot_events.c): reading the golden vectors, keys and kids from seeds,
 * and a canonical msgpack writer for JSON values that is independent of the
 * event encoder, so a body can be written as JSON, changed one field at a
 * time, and fed to the decoder, which must refuse each fault with its code
 * and a message naming it, or accept and re-encode to the very same bytes.
 */
#include "bodies.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "ledger_int.h"
#include "vectors/vectors.h"

/* ---- vectors and keys --------------------------------------------------- */

fx_bytes read_vector(const char *name)
{
	char path[4096];
	fx_bytes b = {NULL, 0};
	long size;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", MLEDGER_VECTORS_DIR, name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	cr_assert_geq(size, 0);
	rewind(f);
	b.len = (size_t)size;
	b.data = malloc(b.len + 1);
	cr_assert_not_null(b.data);
	cr_assert_eq(fread(b.data, 1, b.len, f), b.len, "short read of %s", path);
	fclose(f);
	return b;
}

void sha256_hex(char out[2 * MLEDGER_HASH_BYTES + 1],
		       const uint8_t *data, size_t len)
{
	uint8_t hash[MLEDGER_HASH_BYTES];

	mledger_sha256(hash, data, len);
	mledger_hex(out, hash, sizeof(hash));
}

void key_hex(char out[2 * MLEDGER_PUBKEY_MAX + 1], uint8_t seed)
{
	uint8_t pub[MLEDGER_PUBKEY_MAX];
	size_t len;
	mledger_key *k = vec_key(seed);

	cr_assert_not_null(k);
	cr_assert_eq(mledger_key_public(pub, &len, k), 0);
	mledger_hex(out, pub, len);
	mledger_key_free(k);
}

void kid_of(uint8_t kid[MLEDGER_KID_BYTES], uint8_t seed)
{
	mledger_key *k = vec_key(seed);

	cr_assert_not_null(k);
	cr_assert_eq(mledger_key_id(kid, k), 0);
	mledger_key_free(k);
}

void kid_hex(char out[2 * MLEDGER_KID_BYTES + 1], uint8_t seed)
{
	uint8_t kid[MLEDGER_KID_BYTES];

	kid_of(kid, seed);
	mledger_hex(out, kid, sizeof(kid));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	cr_assert_fail("bad hex digit '%c'", c);
	return 0;
}

/* ---- bodies as JSON ----------------------------------------------------- */

/*
 * A canonical msgpack writer for JSON values, independent of the event
 * encoder: objects become maps with their keys sorted, strings "hex:..."
 * become bin, other strings str, integers uint (int when negative),
 * true/false bool, null nil.
 */
static int key_order(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	return mledger_key_cmp(x, strlen(x), y, strlen(y));
}

static void w_json(mledger_writer *w, json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *keys[64];
		const char *k;
		json_t *v;
		size_t n = 0;

		json_object_foreach(j, k, v) {
			cr_assert_lt(n, 64);
			keys[n++] = k;
		}
		qsort(keys, n, sizeof(keys[0]), key_order);
		mledger_w_map(w, n);
		for (size_t i = 0; i < n; i++) {
			mledger_w_key(w, keys[i]);
			w_json(w, json_object_get(j, keys[i]));
		}
		break;
	}
	case JSON_ARRAY:
		mledger_w_array(w, json_array_size(j));
		for (size_t i = 0; i < json_array_size(j); i++)
			w_json(w, json_array_get(j, i));
		break;
	case JSON_STRING: {
		const char *s = json_string_value(j);
		size_t len = json_string_length(j);

		if (len >= 4 && memcmp(s, "hex:", 4) == 0) {
			size_t n = (len - 4) / 2;
			uint8_t *bin = malloc(n + 1);

			cr_assert_not_null(bin);
			for (size_t i = 0; i < n; i++)
				bin[i] = (uint8_t)(hexval(s[4 + 2 * i]) << 4 |
						   hexval(s[5 + 2 * i]));
			mledger_w_bin(w, bin, n);
			free(bin);
		} else {
			mledger_w_strn(w, s, len);
		}
		break;
	}
	case JSON_INTEGER:
		if (json_integer_value(j) >= 0)
			mledger_w_uint(w, (uint64_t)json_integer_value(j));
		else
			mledger_w_int(w, json_integer_value(j));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		mledger_w_bool(w, json_is_true(j));
		break;
	case JSON_NULL:
		mledger_w_nil(w);
		break;
	default:
		cr_assert_fail("no floats in bodies");
	}
}

/* Canonical bytes of j; j is released. */
fx_bytes encode_json(json_t *j)
{
	mledger_writer w;
	fx_bytes b = {NULL, 0};

	cr_assert_not_null(j, "json_pack failed");
	mledger_w_init(&w);
	w_json(&w, j);
	json_decref(j);
	cr_assert_eq(mledger_w_finish(&b.data, &b.len, &w), 0, "%s",
		     mledger_error_last());
	return b;
}

/*
 * Replace the value at path ("subject/keys/0/pub") with v, add it if the
 * last step names a new field, or remove it when v is NULL. Takes v.
 */
json_t *with(json_t *root, const char *path, json_t *v)
{
	char buf[256], *step, *next;
	json_t *at = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (step = buf; (next = strchr(step, '/')) != NULL; step = next + 1) {
		*next = '\0';
		at = json_is_array(at) ? json_array_get(at, strtoul(step, NULL, 10))
				       : json_object_get(at, step);
		cr_assert_not_null(at, "no %s in %s", step, path);
	}
	if (json_is_array(at)) {
		size_t i = strtoul(step, NULL, 10);

		if (v == NULL)
			cr_assert_eq(json_array_remove(at, i), 0);
		else if (i == json_array_size(at))
			cr_assert_eq(json_array_append_new(at, v), 0);
		else
			cr_assert_eq(json_array_set_new(at, i, v), 0);
	} else if (v == NULL) {
		cr_assert_eq(json_object_del(at, step), 0, "no %s to remove", path);
	} else {
		cr_assert_eq(json_object_set_new(at, step, v), 0);
	}
	return root;
}

json_t *hex_json(const char *hex)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "hex:%s", hex);
	return json_string(buf);
}

/* The decoder must refuse body with code and a message holding word. */
void expect_refused(fx_bytes body, int code, const char *word)
{
	mledger_event *ev = (mledger_event *)&ev;
	int rc;

	mledger_error_clear();
	rc = mledger_event_decode(&ev, body.data, body.len);
	cr_expect_eq(rc, code, "expected %d, got %d (%s)", code, rc,
		     mledger_error_last());
	cr_expect_not_null(strstr(mledger_error_last(), word),
			   "message \"%s\" lacks \"%s\"", mledger_error_last(),
			   word);
	cr_expect_null(ev, "*out not cleared on failure");
	if (rc == 0)
		mledger_event_free(ev);
	free(body.data);
}

/*
 * Whatever decodes must re-encode to the same bytes: one event, one
 * encoding (proto/events.md). Used for inputs the decoder may either refuse
 * or accept, as long as it does not accept two spellings of one event.
 */
void expect_refused_or_same(fx_bytes body)
{
	mledger_event *ev = NULL;
	uint8_t *out = NULL;
	size_t out_len = 0;
	int rc = mledger_event_decode(&ev, body.data, body.len);

	if (rc == 0) {
		cr_assert_eq(mledger_event_encode(&out, &out_len, ev), 0, "%s",
			     mledger_error_last());
		cr_expect(out_len == body.len &&
			  memcmp(out, body.data, body.len) == 0,
			  "a body decodes and re-encodes to other bytes (%zu -> %zu): two encodings of one event",
			  body.len, out_len);
		free(out);
		mledger_event_free(ev);
	} else {
		cr_expect_eq(rc, MLEDGER_EFORMAT, "%s", mledger_error_last());
	}
	free(body.data);
}
