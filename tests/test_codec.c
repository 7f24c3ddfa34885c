/*
 * Criterion suite for the canonical msgpack codec (ledger/codec.c). The codec
 * decides which bytes get signed and hashed, so the tests pin it from both
 * sides: the writer must produce the shortest form at every size boundary and
 * round-trip through the reader, and the checker must refuse every other
 * spelling of a value (one hand-written byte string per rule, checked for
 * the error code and the wording of the message). A golden vector, kept as
 * hex and as its SHA-256, guards the wire format against silent drift.
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "codec.h"

/* ---- helpers ------------------------------------------------------------ */

/* Decode hex with optional spaces into a malloc'd buffer. */
static uint8_t *unhex(const char *hex, size_t *out_len)
{
	size_t n = strlen(hex), len = 0;
	uint8_t *out = malloc(n / 2 + 1);
	int hi = -1;

	cr_assert_not_null(out);
	for (; *hex != '\0'; hex++) {
		int v = 0;
		char c = *hex;

		if (c == ' ')
			continue;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			cr_assert_fail("bad hex digit '%c'", c);
		if (hi < 0) {
			hi = v;
		} else {
			out[len++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	cr_assert_eq(hi, -1, "odd number of hex digits");
	*out_len = len;
	return out;
}

static void tohex(char *dst, size_t size, const uint8_t *p, size_t len)
{
	size_t i;

	cr_assert_geq(size, 2 * len + 1);
	for (i = 0; i < len; i++)
		snprintf(dst + 2 * i, 3, "%02x", p[i]);
	dst[2 * len] = '\0';
}

static void finish_ok(uint8_t **out, size_t *out_len, mledger_writer *w)
{
	int rc = mledger_w_finish(out, out_len, w);

	cr_assert_eq(rc, 0, "finish: %d %s", rc, mledger_error_last());
	cr_assert_eq(mledger_canon_check(*out, *out_len, SIZE_MAX,
					 MLEDGER_DEPTH_MAX), 0,
		     "writer output fails the check: %s", mledger_error_last());
}

/* Check that bytes are rejected with code and a message containing word. */
static void expect_reject_bytes(const uint8_t *p, size_t len, int code,
				const char *word, const char *what)
{
	int rc;

	mledger_error_clear();
	rc = mledger_canon_check(p, len, SIZE_MAX, MLEDGER_DEPTH_MAX);
	cr_expect_eq(rc, code, "%s: expected %d, got %d (%s)", what, code, rc,
		     mledger_error_last());
	cr_expect_not_null(strstr(mledger_error_last(), word),
			   "%s: message \"%s\" lacks \"%s\"", what,
			   mledger_error_last(), word);
}

static void expect_reject(const char *hex, int code, const char *word)
{
	size_t len;
	uint8_t *p = unhex(hex, &len);

	expect_reject_bytes(p, len, code, word, hex);
	free(p);
}

static void expect_accept(const char *hex)
{
	size_t len;
	uint8_t *p = unhex(hex, &len);
	int rc = mledger_canon_check(p, len, SIZE_MAX, MLEDGER_DEPTH_MAX);

	cr_expect_eq(rc, 0, "%s: rejected: %s", hex, mledger_error_last());
	free(p);
}

static void expect_error(int rc, int code, const char *word)
{
	cr_expect_eq(rc, code, "got %d (%s)", rc, mledger_error_last());
	cr_expect_not_null(strstr(mledger_error_last(), word),
			   "message \"%s\" lacks \"%s\"", mledger_error_last(),
			   word);
}

/* A header (hex) followed by n bytes of fill. */
static uint8_t *with_payload(const char *hex, size_t n, uint8_t fill,
			     size_t *out_len)
{
	size_t hlen;
	uint8_t *h = unhex(hex, &hlen);
	uint8_t *p = malloc(hlen + n);

	cr_assert_not_null(p);
	memcpy(p, h, hlen);
	memset(p + hlen, fill, n);
	free(h);
	*out_len = hlen + n;
	return p;
}

/* n nested arrays around a nil: depth n. */
static uint8_t *nested(size_t n, size_t *out_len)
{
	uint8_t *p = malloc(n + 1);

	cr_assert_not_null(p);
	memset(p, 0x91, n);
	p[n] = 0xc0;
	*out_len = n + 1;
	return p;
}

/* ---- buffer ------------------------------------------------------------- */

Test(buf, grows_geometrically)
{
	mledger_buf b = MLEDGER_BUF_INIT;
	size_t i, reallocs = 0, last_cap = 0;
	uint8_t *out;
	size_t len;

	for (i = 0; i < 100000; i++) {
		uint8_t c = (uint8_t)i;

		cr_assert_eq(mledger_buf_put(&b, &c, 1), 0);
		if (b.cap != last_cap) {
			reallocs++;
			last_cap = b.cap;
		}
	}
	cr_assert_eq(b.len, 100000);
	cr_assert_leq(reallocs, 12, "%zu reallocations", reallocs);
	cr_assert_eq(mledger_buf_detach(&out, &len, &b), 0);
	cr_assert_eq(len, 100000);
	for (i = 0; i < len; i++)
		cr_assert_eq(out[i], (uint8_t)i);
	cr_assert_null(b.data);
	free(out);
	mledger_buf_free(&b);
}

Test(buf, overflow_is_sticky)
{
	mledger_buf b = MLEDGER_BUF_INIT;
	uint8_t *out = (uint8_t *)"x";
	size_t len = 7;

	cr_assert_eq(mledger_buf_put(&b, "abc", 3), 0);
	cr_assert_eq(mledger_buf_reserve(&b, SIZE_MAX), MLEDGER_ENOMEM);
	cr_assert(b.failed);
	cr_assert_eq(mledger_buf_reserve(&b, SIZE_MAX - 2), MLEDGER_ENOMEM);
	cr_assert_eq(mledger_buf_put(&b, "d", 1), MLEDGER_ENOMEM);
	cr_assert_eq(b.len, 3);
	cr_assert_eq(mledger_buf_detach(&out, &len, &b), MLEDGER_ENOMEM);
	cr_assert_null(out);
	cr_assert_eq(len, 0);
	cr_assert_null(b.data);
	cr_assert(!b.failed);
	mledger_buf_free(&b);
	mledger_buf_free(NULL);
}

Test(buf, detach_empty_gives_a_pointer)
{
	mledger_buf b = MLEDGER_BUF_INIT;
	uint8_t *out = NULL;
	size_t len = 9;

	cr_assert_eq(mledger_buf_put(&b, NULL, 0), 0);
	cr_assert_eq(mledger_buf_detach(&out, &len, &b), 0);
	cr_assert_not_null(out);
	cr_assert_eq(len, 0);
	free(out);
}

/* ---- writer round trips ------------------------------------------------- */

struct uint_case {
	uint64_t v;
	uint8_t head;
	size_t len;
};

Test(writer, uint_boundaries)
{
	static const struct uint_case cases[] = {
		{0, 0x00, 1}, {127, 0x7f, 1}, {128, 0xcc, 2}, {255, 0xcc, 2},
		{256, 0xcd, 3}, {65535, 0xcd, 3}, {65536, 0xce, 5},
		{UINT32_MAX, 0xce, 5}, {(uint64_t)UINT32_MAX + 1, 0xcf, 9},
		{UINT64_MAX, 0xcf, 9},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mledger_writer w;
		mledger_doc doc;
		uint8_t *out;
		size_t len;

		mledger_w_init(&w);
		mledger_w_uint(&w, cases[i].v);
		finish_ok(&out, &len, &w);
		cr_expect_eq(len, cases[i].len, "%" PRIu64 ": len %zu",
			     cases[i].v, len);
		cr_expect_eq(out[0], cases[i].head, "%" PRIu64 ": head %02x",
			     cases[i].v, out[0]);
		cr_assert_eq(mledger_doc_parse(&doc, out, len, len), 0);
		cr_expect_eq(doc.root.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
		cr_expect_eq(doc.root.via.u64, cases[i].v);
		mledger_doc_free(&doc);
		free(out);
	}
}

struct int_case {
	int64_t v;
	uint8_t head;
	size_t len;
};

Test(writer, int_boundaries)
{
	static const struct int_case cases[] = {
		{-1, 0xff, 1}, {-32, 0xe0, 1}, {-33, 0xd0, 2}, {-128, 0xd0, 2},
		{-129, 0xd1, 3}, {-32768, 0xd1, 3}, {-32769, 0xd2, 5},
		{INT32_MIN, 0xd2, 5}, {(int64_t)INT32_MIN - 1, 0xd3, 9},
		{INT64_MIN, 0xd3, 9},
		/* non-negative values go out in the uint forms */
		{0, 0x00, 1}, {127, 0x7f, 1}, {128, 0xcc, 2}, {65536, 0xce, 5},
		{INT64_MAX, 0xcf, 9},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mledger_writer w;
		mledger_doc doc;
		uint8_t *out;
		size_t len;

		mledger_w_init(&w);
		mledger_w_int(&w, cases[i].v);
		finish_ok(&out, &len, &w);
		cr_expect_eq(len, cases[i].len, "%" PRId64 ": len %zu",
			     cases[i].v, len);
		cr_expect_eq(out[0], cases[i].head, "%" PRId64 ": head %02x",
			     cases[i].v, out[0]);
		cr_assert_eq(mledger_doc_parse(&doc, out, len, len), 0);
		if (cases[i].v < 0) {
			cr_expect_eq(doc.root.type,
				     MSGPACK_OBJECT_NEGATIVE_INTEGER);
			cr_expect_eq(doc.root.via.i64, cases[i].v);
		} else {
			cr_expect_eq(doc.root.type,
				     MSGPACK_OBJECT_POSITIVE_INTEGER);
			cr_expect_eq(doc.root.via.u64, (uint64_t)cases[i].v);
		}
		mledger_doc_free(&doc);
		free(out);
	}
}

struct len_case {
	size_t n;
	uint8_t head;
	size_t hlen;
};

static void str_round_trip(const struct len_case *c, bool bin)
{
	mledger_writer w;
	mledger_doc doc;
	uint8_t *out, *body;
	size_t len, i;

	body = malloc(c->n + 1);
	cr_assert_not_null(body);
	for (i = 0; i < c->n; i++)
		body[i] = (uint8_t)('a' + i % 26);
	mledger_w_init(&w);
	if (bin)
		mledger_w_bin(&w, body, c->n);
	else
		mledger_w_strn(&w, (const char *)body, c->n);
	finish_ok(&out, &len, &w);
	cr_expect_eq(len, c->hlen + c->n, "%zu: len %zu", c->n, len);
	cr_expect_eq(out[0], c->head, "%zu: head %02x", c->n, out[0]);
	cr_assert_eq(mledger_doc_parse(&doc, out, len, len), 0);
	if (bin) {
		cr_assert_eq(doc.root.type, MSGPACK_OBJECT_BIN);
		cr_assert_eq(doc.root.via.bin.size, c->n);
		cr_expect(c->n == 0 ||
			  memcmp(doc.root.via.bin.ptr, body, c->n) == 0);
	} else {
		cr_assert_eq(doc.root.type, MSGPACK_OBJECT_STR);
		cr_assert_eq(doc.root.via.str.size, c->n);
		cr_expect(c->n == 0 ||
			  memcmp(doc.root.via.str.ptr, body, c->n) == 0);
	}
	mledger_doc_free(&doc);
	free(out);
	free(body);
}

Test(writer, str_boundaries)
{
	static const struct len_case cases[] = {
		{0, 0xa0, 1}, {31, 0xbf, 1}, {32, 0xd9, 2}, {255, 0xd9, 2},
		{256, 0xda, 3}, {65535, 0xda, 3}, {65536, 0xdb, 5},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		str_round_trip(&cases[i], false);
}

Test(writer, bin_boundaries)
{
	static const struct len_case cases[] = {
		{0, 0xc4, 2}, {255, 0xc4, 2}, {256, 0xc5, 3},
		{65535, 0xc5, 3}, {65536, 0xc6, 5},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		str_round_trip(&cases[i], true);
}

static void container_round_trip(const struct len_case *c, bool map)
{
	mledger_writer w;
	mledger_doc doc;
	uint8_t *out;
	size_t len, i;
	char key[32];

	mledger_w_init(&w);
	if (map)
		mledger_w_map(&w, c->n);
	else
		mledger_w_array(&w, c->n);
	for (i = 0; i < c->n; i++) {
		if (map) {
			/* fixed width, so numeric order is bytewise order */
			snprintf(key, sizeof(key), "k%06zu", i);
			mledger_w_key(&w, key);
		}
		mledger_w_uint(&w, i % 100);
	}
	finish_ok(&out, &len, &w);
	cr_expect_eq(out[0], c->head, "%zu: head %02x", c->n, out[0]);
	cr_expect_eq(len, c->hlen + c->n * (map ? 9 : 1), "%zu: len %zu",
		     c->n, len);
	cr_assert_eq(mledger_doc_parse(&doc, out, len, len), 0);
	if (map) {
		cr_assert_eq(doc.root.type, MSGPACK_OBJECT_MAP);
		cr_assert_eq(doc.root.via.map.size, c->n);
		if (c->n > 0) {
			uint64_t v;

			snprintf(key, sizeof(key), "k%06zu", c->n - 1);
			cr_assert_eq(mledger_get_uint(&v, &doc.root, key, "t"), 0);
			cr_expect_eq(v, (c->n - 1) % 100);
		}
	} else {
		cr_assert_eq(doc.root.type, MSGPACK_OBJECT_ARRAY);
		cr_assert_eq(doc.root.via.array.size, c->n);
	}
	mledger_doc_free(&doc);
	free(out);
}

Test(writer, array_boundaries)
{
	static const struct len_case cases[] = {
		{0, 0x90, 1}, {15, 0x9f, 1}, {16, 0xdc, 3},
		{65535, 0xdc, 3}, {65536, 0xdd, 5},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		container_round_trip(&cases[i], false);
}

Test(writer, map_boundaries)
{
	static const struct len_case cases[] = {
		{0, 0x80, 1}, {15, 0x8f, 1}, {16, 0xde, 3},
		{65535, 0xde, 3}, {65536, 0xdf, 5},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		container_round_trip(&cases[i], true);
}

Test(writer, bool_and_nil)
{
	mledger_writer w;
	uint8_t *out;
	size_t len;

	mledger_w_init(&w);
	mledger_w_array(&w, 3);
	mledger_w_bool(&w, true);
	mledger_w_bool(&w, false);
	mledger_w_nil(&w);
	finish_ok(&out, &len, &w);
	cr_assert_eq(len, 4);
	cr_assert_eq(memcmp(out, "\x93\xc3\xc2\xc0", 4), 0);
	free(out);
}

static void expect_finish_fails(mledger_writer *w, int code, const char *word)
{
	uint8_t *out = (uint8_t *)"x";
	size_t len = 5;
	int rc = mledger_w_finish(&out, &len, w);

	cr_expect_eq(rc, code, "finish: %d (%s)", rc, mledger_error_last());
	cr_expect_not_null(strstr(mledger_error_last(), word), "%s",
			   mledger_error_last());
	cr_expect_null(out);
	cr_expect_eq(len, 0);
	cr_expect_null(w->buf.data);
}

Test(writer, refuses_unsorted_keys)
{
	mledger_writer w;

	mledger_w_init(&w);
	mledger_w_map(&w, 2);
	mledger_w_key(&w, "b");
	mledger_w_nil(&w);
	mledger_w_key(&w, "a");
	mledger_w_nil(&w);
	expect_finish_fails(&w, MLEDGER_EFORMAT, "out of order");
}

Test(writer, refuses_duplicate_keys)
{
	mledger_writer w;

	mledger_w_init(&w);
	mledger_w_map(&w, 2);
	mledger_w_key(&w, "a");
	mledger_w_nil(&w);
	mledger_w_key(&w, "a");
	mledger_w_nil(&w);
	expect_finish_fails(&w, MLEDGER_EFORMAT, "duplicate");
}

Test(writer, refuses_incomplete_and_extra_values)
{
	mledger_writer w;

	mledger_w_init(&w);
	expect_finish_fails(&w, MLEDGER_EFORMAT, "truncated");

	mledger_w_init(&w);
	mledger_w_array(&w, 2);
	mledger_w_nil(&w);
	expect_finish_fails(&w, MLEDGER_EFORMAT, "truncated");

	mledger_w_init(&w);
	mledger_w_nil(&w);
	mledger_w_nil(&w);
	expect_finish_fails(&w, MLEDGER_EFORMAT, "trailing");
}

Test(writer, refuses_bad_utf8_null_and_depth)
{
	mledger_writer w;
	int i;

	mledger_w_init(&w);
	mledger_w_strn(&w, "\xc0\x80", 2);
	expect_finish_fails(&w, MLEDGER_EFORMAT, "UTF-8");

	mledger_w_init(&w);
	mledger_w_array(&w, 1);
	mledger_w_str(&w, NULL);
	expect_finish_fails(&w, MLEDGER_EINVAL, "NULL");

	mledger_w_init(&w);
	for (i = 0; i < MLEDGER_DEPTH_MAX + 1; i++)
		mledger_w_array(&w, 1);
	mledger_w_nil(&w);
	expect_finish_fails(&w, MLEDGER_ETOOBIG, "deeper");
}

Test(writer, refuses_lengths_past_32_bits)
{
	mledger_writer w;

	if (SIZE_MAX <= UINT32_MAX)
		return; /* cannot be expressed on this platform */
	mledger_w_init(&w);
	mledger_w_array(&w, (size_t)UINT32_MAX + 1);
	expect_finish_fails(&w, MLEDGER_ETOOBIG, "2^32-1");
}

/* ---- golden vector ------------------------------------------------------ */

/*
 * {"a": [1, -1, -200, true, nil], "bin": h'00ff', "id": "LI-0042",
 *  "mass": 1200000, "ppm": {"Li": 60000}}, annotated in proto/encoding.md.
 */
static const char golden_hex[] =
	"85a1619501ffd1ff38c3c0a362696ec40200ffa26964a74c492d30303432"
	"a46d617373ce00124f80a370706d81a24c69cdea60";
static const char golden_sha256[] =
	"5544029f6b542c6b77cc7eb158858a9196e9fffccdbcba7225e2865cd19f235a";

static void write_golden(uint8_t **out, size_t *out_len)
{
	static const uint8_t bin[] = {0x00, 0xff};
	mledger_writer w;

	mledger_w_init(&w);
	mledger_w_map(&w, 5);
	mledger_w_key(&w, "a");
	mledger_w_array(&w, 5);
	mledger_w_uint(&w, 1);
	mledger_w_int(&w, -1);
	mledger_w_int(&w, -200);
	mledger_w_bool(&w, true);
	mledger_w_nil(&w);
	mledger_w_key(&w, "bin");
	mledger_w_bin(&w, bin, sizeof(bin));
	mledger_w_key(&w, "id");
	mledger_w_str(&w, "LI-0042");
	mledger_w_key(&w, "mass");
	mledger_w_uint(&w, 1200000);
	mledger_w_key(&w, "ppm");
	mledger_w_map(&w, 1);
	mledger_w_key(&w, "Li");
	mledger_w_uint(&w, 60000);
	finish_ok(out, out_len, &w);
}

Test(golden, example_document)
{
	uint8_t *out, digest[SHA256_DIGEST_LENGTH];
	char hex[256], dhex[2 * SHA256_DIGEST_LENGTH + 1];
	size_t len;

	write_golden(&out, &len);
	tohex(hex, sizeof(hex), out, len);
	cr_expect_str_eq(hex, golden_hex);
	SHA256(out, len, digest);
	tohex(dhex, sizeof(dhex), digest, sizeof(digest));
	cr_expect_str_eq(dhex, golden_sha256);
	free(out);
}

Test(golden, every_truncation_fails)
{
	uint8_t *p;
	size_t len, n;

	p = unhex(golden_hex, &len);
	cr_assert_eq(mledger_canon_check(p, len, len, MLEDGER_DEPTH_MAX), 0);
	for (n = 0; n < len; n++) {
		mledger_doc doc;
		char what[32];
		/* a fresh copy of exactly n bytes, so ASan sees any overread */
		uint8_t *q = malloc(n ? n : 1);

		cr_assert_not_null(q);
		memcpy(q, p, n);
		snprintf(what, sizeof(what), "prefix %zu", n);
		expect_reject_bytes(q, n, MLEDGER_EFORMAT, "truncated", what);
		cr_expect_eq(mledger_doc_parse(&doc, q, n, len), MLEDGER_EFORMAT);
		mledger_doc_free(&doc);
		free(q);
	}
	free(p);
}

Test(golden, size_cap)
{
	uint8_t *p;
	size_t len;

	p = unhex(golden_hex, &len);
	cr_expect_eq(mledger_canon_check(p, len, len, MLEDGER_DEPTH_MAX), 0);
	cr_expect_eq(mledger_canon_check(p, len, len - 1, MLEDGER_DEPTH_MAX),
		     MLEDGER_ETOOBIG);
	cr_expect_not_null(strstr(mledger_error_last(), "cap"));
	free(p);
}

/* ---- checker: rejections ------------------------------------------------ */

Test(canon, accepts_every_allowed_type)
{
	expect_accept("c0");
	expect_accept("c2");
	expect_accept("c3");
	expect_accept("00");
	expect_accept("7f");
	expect_accept("e0");
	expect_accept("ff");
	expect_accept("cc 80");
	expect_accept("cd 01 00");
	expect_accept("ce 00 01 00 00");
	expect_accept("cf 00 00 00 01 00 00 00 00");
	expect_accept("d0 df");
	expect_accept("d1 ff 7f");
	expect_accept("d2 ff ff 7f ff");
	expect_accept("d3 ff ff ff ff 7f ff ff ff");
	expect_accept("d3 80 00 00 00 00 00 00 00");
	expect_accept("a0");
	expect_accept("c4 00");
	expect_accept("90");
	expect_accept("80");
	expect_accept("82 a1 61 c0 a2 61 61 c0");
}

Test(canon, refuses_floats_ext_and_c1)
{
	expect_reject("ca 00 00 00 00", MLEDGER_EFORMAT, "float");
	expect_reject("cb 00 00 00 00 00 00 00 00", MLEDGER_EFORMAT, "float");
	expect_reject("c7 01 01 00", MLEDGER_EFORMAT, "ext");
	expect_reject("c8 00 01 01 00", MLEDGER_EFORMAT, "ext");
	expect_reject("c9 00 00 00 01 01 00", MLEDGER_EFORMAT, "ext");
	expect_reject("d4 01 00", MLEDGER_EFORMAT, "ext");
	expect_reject("d5 01 00 00", MLEDGER_EFORMAT, "ext");
	expect_reject("d6 ff 00 00 00 00", MLEDGER_EFORMAT, "ext");
	expect_reject("d7 ff 00 00 00 00 00 00 00 00", MLEDGER_EFORMAT, "ext");
	expect_reject("d8 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
		      MLEDGER_EFORMAT, "ext");
	expect_reject("c1", MLEDGER_EFORMAT, "0xc1");
	/* inside a container the offset points at the value */
	expect_reject("92 c0 ca 00 00 00 00", MLEDGER_EFORMAT, "offset 2");
}

Test(canon, refuses_long_uint_forms)
{
	expect_reject("cc 7f", MLEDGER_EFORMAT, "uint8 0x7f at offset 0 has a shorter form");
	expect_reject("cc 00", MLEDGER_EFORMAT, "shorter");
	expect_reject("cd 00 ff", MLEDGER_EFORMAT, "uint16");
	expect_reject("cd 00 05", MLEDGER_EFORMAT, "shorter");
	expect_reject("ce 00 00 ff ff", MLEDGER_EFORMAT, "uint32");
	expect_reject("cf 00 00 00 00 ff ff ff ff", MLEDGER_EFORMAT, "uint64");
}

Test(canon, refuses_long_or_non_negative_int_forms)
{
	expect_reject("d0 05", MLEDGER_EFORMAT, "non-negative");
	expect_reject("d0 00", MLEDGER_EFORMAT, "non-negative");
	expect_reject("d1 00 80", MLEDGER_EFORMAT, "non-negative");
	expect_reject("d2 00 00 00 01", MLEDGER_EFORMAT, "non-negative");
	expect_reject("d3 7f ff ff ff ff ff ff ff", MLEDGER_EFORMAT, "non-negative");
	expect_reject("d0 e0", MLEDGER_EFORMAT, "int8 -32");
	expect_reject("d0 ff", MLEDGER_EFORMAT, "shorter");
	expect_reject("d1 ff 80", MLEDGER_EFORMAT, "int16 -128");
	expect_reject("d1 ff df", MLEDGER_EFORMAT, "shorter");
	expect_reject("d2 ff ff 80 00", MLEDGER_EFORMAT, "int32 -32768");
	expect_reject("d3 ff ff ff ff 80 00 00 00", MLEDGER_EFORMAT,
		      "int64 -2147483648");
	expect_reject("d3 ff ff ff ff ff ff ff ff", MLEDGER_EFORMAT, "shorter");
}

struct long_len_case {
	const char *head;
	size_t n;
	uint8_t fill;
	const char *word;
};

Test(canon, refuses_long_length_forms)
{
	static const struct long_len_case cases[] = {
		{"d9 1f", 31, 'a', "str8 length 31"},
		{"d9 00", 0, 'a', "str8"},
		{"da 00 ff", 255, 'a', "str16 length 255"},
		{"da 00 05", 5, 'a', "str16"},
		{"db 00 00 ff ff", 65535, 'a', "str32 length 65535"},
		{"c5 00 ff", 255, 0, "bin16 length 255"},
		{"c5 00 00", 0, 0, "bin16"},
		{"c6 00 00 ff ff", 65535, 0, "bin32 length 65535"},
		{"dc 00 0f", 15, 0xc0, "array16 length 15"},
		{"dc 00 00", 0, 0xc0, "array16"},
		{"dd 00 00 ff ff", 65535, 0xc0, "array32 length 65535"},
		{"de 00 0f", 30, 0xc0, "map16 length 15"},
		{"de 00 00", 0, 0xc0, "map16"},
		{"df 00 00 ff ff", 0, 0xc0, "map32 length 65535"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		uint8_t *p = with_payload(cases[i].head, cases[i].n,
					  cases[i].fill, &len);

		expect_reject_bytes(p, len, MLEDGER_EFORMAT, cases[i].word,
				    cases[i].head);
		expect_reject_bytes(p, len, MLEDGER_EFORMAT, "shorter form",
				    cases[i].head);
		free(p);
	}
}

Test(canon, refuses_non_string_keys)
{
	expect_reject("81 01 c0", MLEDGER_EFORMAT, "not a string");
	expect_reject("81 c4 01 61 c0", MLEDGER_EFORMAT, "not a string");
	expect_reject("81 c0 c0", MLEDGER_EFORMAT, "not a string");
	expect_reject("81 90 c0", MLEDGER_EFORMAT, "not a string");
	expect_reject("82 a1 61 c0 02 c0", MLEDGER_EFORMAT, "offset 4");
}

Test(canon, refuses_duplicate_keys)
{
	expect_reject("82 a1 61 c0 a1 61 c0", MLEDGER_EFORMAT, "duplicate");
	expect_reject("82 a1 61 c0 a1 61 c0", MLEDGER_EFORMAT, "\"a\"");
	/* in a nested map */
	expect_reject("81 a1 6d 82 a0 01 a0 02", MLEDGER_EFORMAT, "duplicate");
}

Test(canon, refuses_unsorted_keys)
{
	expect_reject("82 a1 63 c0 a1 62 c0", MLEDGER_EFORMAT,
		      "map keys out of order at offset 4 (\"b\" after \"c\")");
	/* shorter first on a common prefix */
	expect_reject("82 a2 61 61 c0 a1 61 c0", MLEDGER_EFORMAT, "out of order");
	/* bytewise: 'B' (0x42) sorts before 'a' (0x61) */
	expect_reject("82 a1 61 c0 a1 42 c0", MLEDGER_EFORMAT, "out of order");
	expect_accept("82 a1 42 c0 a1 61 c0");
	/* bytewise on UTF-8, so U+00E9 sorts after 'z' */
	expect_reject("82 a2 c3 a9 c0 a1 7a c0", MLEDGER_EFORMAT, "out of order");
	expect_accept("82 a1 7a c0 a2 c3 a9 c0");
	/* the order is per map: a nested map starts afresh */
	expect_accept("82 a1 61 81 a1 7a c0 a1 62 81 a1 61 c0");
	/* a key is quoted with escapes, not raw */
	expect_reject("82 a1 62 c0 a1 0a c0", MLEDGER_EFORMAT, "\\x0a");
}

Test(canon, refuses_invalid_utf8)
{
	expect_reject("a2 c0 80", MLEDGER_EFORMAT, "UTF-8");        /* overlong NUL */
	expect_reject("a2 c1 bf", MLEDGER_EFORMAT, "UTF-8");        /* overlong */
	expect_reject("a3 e0 80 80", MLEDGER_EFORMAT, "UTF-8");     /* overlong 3 */
	expect_reject("a4 f0 80 80 80", MLEDGER_EFORMAT, "UTF-8");  /* overlong 4 */
	expect_reject("a3 ed a0 80", MLEDGER_EFORMAT, "UTF-8");     /* U+D800 */
	expect_reject("a3 ed bf bf", MLEDGER_EFORMAT, "UTF-8");     /* U+DFFF */
	expect_reject("a4 f4 90 80 80", MLEDGER_EFORMAT, "UTF-8");  /* > U+10FFFF */
	expect_reject("a4 f5 80 80 80", MLEDGER_EFORMAT, "UTF-8");
	expect_reject("a1 80", MLEDGER_EFORMAT, "UTF-8");           /* stray continuation */
	expect_reject("a1 ff", MLEDGER_EFORMAT, "UTF-8");
	expect_reject("a2 e2 82", MLEDGER_EFORMAT, "UTF-8");        /* truncated sequence */
	expect_reject("a2 c3 41", MLEDGER_EFORMAT, "UTF-8");        /* bad continuation */
	expect_reject("a4 f0 9f 92 41", MLEDGER_EFORMAT, "UTF-8");
	expect_reject("a3 61 62 c0", MLEDGER_EFORMAT,
		      "invalid UTF-8 in string at offset 0 (bad sequence at offset 3)");
	expect_reject("81 a2 c0 80 c0", MLEDGER_EFORMAT, "UTF-8");  /* in a key */
	expect_accept("a2 c2 80");
	expect_accept("a3 ed 9f bf");       /* U+D7FF */
	expect_accept("a3 ee 80 80");       /* U+E000 */
	expect_accept("a3 ef bf bf");
	expect_accept("a4 f0 9f 92 8e");
	expect_accept("a4 f4 8f bf bf");    /* U+10FFFF */
}

Test(canon, utf8_valid)
{
	cr_expect(mledger_utf8_valid(NULL, 0));
	cr_expect(mledger_utf8_valid((const uint8_t *)"", 0));
	cr_expect(mledger_utf8_valid((const uint8_t *)"Li-\xc3\xa9", 5));
	cr_expect(!mledger_utf8_valid((const uint8_t *)"\xc3", 1));
	cr_expect(!mledger_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));
	cr_expect(!mledger_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4));
	cr_expect(!mledger_utf8_valid((const uint8_t *)"\xc0\x80", 2));
}

Test(canon, key_cmp)
{
	cr_expect_eq(mledger_key_cmp("a", 1, "a", 1), 0);
	cr_expect_eq(mledger_key_cmp("", 0, "", 0), 0);
	cr_expect_lt(mledger_key_cmp("", 0, "a", 1), 0);
	cr_expect_lt(mledger_key_cmp("a", 1, "aa", 2), 0);
	cr_expect_gt(mledger_key_cmp("b", 1, "aa", 2), 0);
	cr_expect_lt(mledger_key_cmp("B", 1, "a", 1), 0);
	cr_expect_gt(mledger_key_cmp("\xc3\xa9", 2, "z", 1), 0);
}

Test(canon, depth_cap)
{
	uint8_t *p;
	size_t len;
	mledger_doc doc;

	p = nested(MLEDGER_DEPTH_MAX, &len);
	cr_expect_eq(mledger_canon_check(p, len, len, MLEDGER_DEPTH_MAX), 0,
		     "%s", mledger_error_last());
	cr_expect_eq(mledger_doc_parse(&doc, p, len, len), 0);
	mledger_doc_free(&doc);
	free(p);

	p = nested(MLEDGER_DEPTH_MAX + 1, &len);
	expect_reject_bytes(p, len, MLEDGER_ETOOBIG, "deeper", "depth 17");
	cr_expect_eq(mledger_doc_parse(&doc, p, len, len), MLEDGER_ETOOBIG);
	mledger_doc_free(&doc);
	free(p);

	/* an empty container counts as a level too */
	expect_accept("91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 90");
	expect_reject("91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 80",
		      MLEDGER_ETOOBIG, "offset 16");
	/* a scalar alone is depth 0 */
	cr_expect_eq(mledger_canon_check((const uint8_t *)"\xc0", 1, 1, 0), 0);
	cr_expect_eq(mledger_canon_check((const uint8_t *)"\x90", 1, 1, 0),
		     MLEDGER_ETOOBIG);
	cr_expect_eq(mledger_canon_check((const uint8_t *)"\xc0", 1, 1, -1),
		     MLEDGER_EINVAL);
}

Test(canon, depth_cap_past_the_stack_frames)
{
	uint8_t *p;
	size_t len;

	/* caps above the checker's on-stack frames use a heap stack */
	p = nested(100, &len);
	cr_expect_eq(mledger_canon_check(p, len, len, 100), 0, "%s",
		     mledger_error_last());
	cr_expect_eq(mledger_canon_check(p, len, len, 99), MLEDGER_ETOOBIG);
	cr_expect_eq(mledger_canon_check(p, len, len, INT_MAX), 0);
	free(p);
	/* maps alternate keys and values all the way down */
	expect_accept("81 a0 81 a0 81 a0 81 a0 c0");
}

Test(canon, huge_counts_fail_fast, .timeout = 2)
{
	expect_reject("dd ff ff ff ff 01 02 03", MLEDGER_EFORMAT, "truncated");
	expect_reject("dd ff ff ff ff 01 02 03", MLEDGER_EFORMAT, "4294967295");
	expect_reject("df ff ff ff ff a0 c0 a1", MLEDGER_EFORMAT, "truncated");
	expect_reject("db ff ff ff ff 61 62 63", MLEDGER_EFORMAT, "truncated");
	expect_reject("c6 ff ff ff ff 61 62 63", MLEDGER_EFORMAT, "truncated");
	/* nested: each level is checked against what remains */
	expect_reject("92 dd ff ff ff ff c0 c0", MLEDGER_EFORMAT, "offset 1");
}

Test(canon, truncation_messages)
{
	expect_reject("", MLEDGER_EFORMAT, "truncated");
	expect_reject("cd 01", MLEDGER_EFORMAT,
		      "truncated: value at offset 0 needs 1 more byte");
	expect_reject("92 c0 cf 00 00 00 01", MLEDGER_EFORMAT,
		      "truncated: value at offset 2 needs 4 more bytes");
	expect_reject("a5 61 62", MLEDGER_EFORMAT, "needs 3 more bytes");
	expect_reject("dc 00", MLEDGER_EFORMAT, "truncated");
	expect_reject("92 c0", MLEDGER_EFORMAT, "truncated");
	expect_reject("81 a1 61", MLEDGER_EFORMAT, "truncated");
}

Test(canon, trailing_bytes)
{
	expect_reject("c0 c0", MLEDGER_EFORMAT, "trailing bytes after value at offset 1");
	expect_reject("91 c0 00", MLEDGER_EFORMAT, "offset 2");
	expect_reject("80 80", MLEDGER_EFORMAT, "trailing");
}

Test(canon, bad_arguments)
{
	cr_expect_eq(mledger_canon_check(NULL, 1, 10, 4), MLEDGER_EINVAL);
	cr_expect_eq(mledger_canon_check(NULL, 0, 10, 4), MLEDGER_EFORMAT);
}

/* ---- stream reader ------------------------------------------------------ */

Test(next, splits_a_stream)
{
	size_t len, n = 99, off = 0, count = 0;
	uint8_t *p = unhex("c0 91 01 a1 61 81 a0 cd 01 00", &len);
	static const size_t sizes[] = {1, 2, 2, 5};

	while (off < len) {
		cr_assert_eq(mledger_canon_next(&n, p + off, len - off,
						MLEDGER_EVENT_MAX,
						MLEDGER_DEPTH_MAX), 0,
			     "%s", mledger_error_last());
		cr_assert_lt(count, 4);
		cr_expect_eq(n, sizes[count]);
		off += n;
		count++;
	}
	cr_expect_eq(count, 4);
	free(p);
}

Test(next, golden_twice)
{
	size_t len, n;
	uint8_t *g = unhex(golden_hex, &len);
	uint8_t *two = malloc(2 * len);

	cr_assert_not_null(two);
	memcpy(two, g, len);
	memcpy(two + len, g, len);
	cr_expect_eq(mledger_canon_next(&n, two, 2 * len, len, 16), 0);
	cr_expect_eq(n, len);
	/* one byte under the value's size: too big, whatever follows */
	expect_error(mledger_canon_next(&n, two, 2 * len, len - 1, 16),
		     MLEDGER_ETOOBIG, "cap");
	cr_expect_eq(n, 0);
	/* a plain prefix with no cap in the way is truncated */
	expect_error(mledger_canon_next(&n, two, len - 1, len, 16),
		     MLEDGER_EFORMAT, "truncated");
	free(two);
	free(g);
}

Test(next, refusals)
{
	size_t n = 5;

	expect_error(mledger_canon_next(&n, (const uint8_t *)"", 0, 100, 16),
		     MLEDGER_EFORMAT, "truncated");
	expect_error(mledger_canon_next(&n, (const uint8_t *)"\xcc\x05\xc0",
					3, 100, 16),
		     MLEDGER_EFORMAT, "shorter");
	expect_error(mledger_canon_next(&n, (const uint8_t *)"\x82\xa1\x62\xc0\xa1\x61\xc0",
					7, 100, 16),
		     MLEDGER_EFORMAT, "out of order");
	/* a forged count is refused at the cap, not read up to it */
	expect_error(mledger_canon_next(&n, (const uint8_t *)"\xdd\xff\xff\xff\xff\xc0\xc0\xc0\xc0\xc0",
					10, 8, 16),
		     MLEDGER_ETOOBIG, "cap");
	expect_error(mledger_canon_next(&n, (const uint8_t *)"\x91\x91\xc0", 3, 100, 1),
		     MLEDGER_ETOOBIG, "deeper");
	expect_error(mledger_canon_next(&n, NULL, 3, 100, 1),
		     MLEDGER_EINVAL, "NULL");
}

/* ---- reader and accessors ----------------------------------------------- */

/*
 * {"arr": [1], "b": true, "bin": h'01', "m": {}, "n": 5, "neg": -1,
 *  "s": "xyz"}
 */
static const char fields_hex[] =
	"87 a3 617272 91 01 a1 62 c3 a3 62696e c4 01 01 a1 6d 80"
	" a1 6e 05 a3 6e6567 ff a1 73 a3 78797a";

/* The doc borrows from its input, so the bytes live in static storage. */
static uint8_t fields_bytes[64];

static void parse_fields(mledger_doc *doc)
{
	size_t len;
	uint8_t *p = unhex(fields_hex, &len);

	cr_assert_leq(len, sizeof(fields_bytes));
	memcpy(fields_bytes, p, len);
	free(p);
	cr_assert_eq(mledger_doc_parse(doc, fields_bytes, len,
				       MLEDGER_EVENT_MAX), 0,
		     "%s", mledger_error_last());
}

Test(access, present_fields)
{
	mledger_doc doc;
	const msgpack_object_array *arr;
	const msgpack_object *m;
	const uint8_t *bin;
	const char *s;
	size_t len;
	uint64_t u;
	bool b = false;

	parse_fields(&doc);
	cr_assert_eq(mledger_get_str(&s, &len, &doc.root, "s", "t"), 0);
	cr_expect_eq(len, 3);
	cr_expect_eq(memcmp(s, "xyz", 3), 0);
	cr_assert_eq(mledger_get_bin(&bin, &len, &doc.root, "bin", "t"), 0);
	cr_expect_eq(len, 1);
	cr_expect_eq(bin[0], 1);
	cr_assert_eq(mledger_get_uint(&u, &doc.root, "n", "t"), 0);
	cr_expect_eq(u, 5);
	cr_assert_eq(mledger_get_bool_opt(&b, &doc.root, "b", "t"), 1);
	cr_expect(b);
	cr_assert_eq(mledger_get_array(&arr, &doc.root, "arr", "t"), 0);
	cr_expect_eq(arr->size, 1);
	cr_expect_eq(arr->ptr[0].via.u64, 1);
	cr_assert_eq(mledger_get_map(&m, &doc.root, "m", "t"), 0);
	cr_expect_eq(m->via.map.size, 0);
	cr_expect_not_null(mledger_map_find(&doc.root, "neg"));
	cr_expect_not_null(mledger_map_find(&doc.root, "arr"));
	cr_expect_null(mledger_map_find(&doc.root, "ne"));
	cr_expect_null(mledger_map_find(&doc.root, ""));
	cr_expect_null(mledger_map_find(&doc.root, "zzz"));
	mledger_doc_free(&doc);
}

Test(access, missing_fields)
{
	mledger_doc doc;
	const msgpack_object_array *arr;
	const msgpack_object *m;
	const uint8_t *bin;
	const char *s;
	size_t len;
	uint64_t u;

	parse_fields(&doc);
	expect_error(mledger_get_str(&s, &len, &doc.root, "name",
				     "actor.enroll body"),
		     MLEDGER_EFORMAT, "actor.enroll body: field \"name\" missing");
	expect_error(mledger_get_bin(&bin, &len, &doc.root, "x", "t"),
		     MLEDGER_EFORMAT, "missing");
	expect_error(mledger_get_uint(&u, &doc.root, "x", "t"),
		     MLEDGER_EFORMAT, "missing");
	expect_error(mledger_get_array(&arr, &doc.root, "x", "t"),
		     MLEDGER_EFORMAT, "missing");
	expect_error(mledger_get_map(&m, &doc.root, "x", "t"),
		     MLEDGER_EFORMAT, "missing");
	mledger_doc_free(&doc);
}

Test(access, wrong_types)
{
	mledger_doc doc;
	const msgpack_object_array *arr;
	const msgpack_object *m;
	const uint8_t *bin;
	const char *s;
	size_t len;
	uint64_t u;
	bool b;

	parse_fields(&doc);
	expect_error(mledger_get_str(&s, &len, &doc.root, "bin", "lot"),
		     MLEDGER_EFORMAT, "lot: field \"bin\" must be a string");
	expect_error(mledger_get_bin(&bin, &len, &doc.root, "s", "t"),
		     MLEDGER_EFORMAT, "must be");
	expect_error(mledger_get_uint(&u, &doc.root, "neg", "t"),
		     MLEDGER_EFORMAT, "unsigned integer");
	expect_error(mledger_get_uint(&u, &doc.root, "b", "t"),
		     MLEDGER_EFORMAT, "unsigned integer");
	expect_error(mledger_get_bool_opt(&b, &doc.root, "n", "t"),
		     MLEDGER_EFORMAT, "boolean");
	expect_error(mledger_get_array(&arr, &doc.root, "m", "t"),
		     MLEDGER_EFORMAT, "array");
	expect_error(mledger_get_map(&m, &doc.root, "arr", "t"),
		     MLEDGER_EFORMAT, "map");
	expect_error(mledger_get_str_opt(&s, &len, &doc.root, "n", "t"),
		     MLEDGER_EFORMAT, "string");
	/* the container itself must be a map */
	expect_error(mledger_get_uint(&u, &doc.root.via.map.ptr[0].val, "n",
				      "lot"),
		     MLEDGER_EFORMAT, "lot: must be a map");
	cr_expect_null(mledger_map_find(&doc.root.via.map.ptr[0].val, "n"));
	cr_expect_null(mledger_map_find(NULL, "n"));
	mledger_doc_free(&doc);
}

Test(access, optional_fields)
{
	mledger_doc doc;
	const msgpack_object_array *arr = NULL;
	const msgpack_object *m = NULL;
	const uint8_t *bin = NULL;
	const char *s = "default";
	size_t len = 42;
	uint64_t u = 7;
	bool b = true;

	parse_fields(&doc);
	/* absent: 0, and the preset default stays */
	cr_expect_eq(mledger_get_str_opt(&s, &len, &doc.root, "x", "t"), 0);
	cr_expect_str_eq(s, "default");
	cr_expect_eq(len, 42);
	cr_expect_eq(mledger_get_bin_opt(&bin, &len, &doc.root, "x", "t"), 0);
	cr_expect_null(bin);
	cr_expect_eq(mledger_get_uint_opt(&u, &doc.root, "x", "t"), 0);
	cr_expect_eq(u, 7);
	cr_expect_eq(mledger_get_bool_opt(&b, &doc.root, "x", "t"), 0);
	cr_expect(b);
	cr_expect_eq(mledger_get_array_opt(&arr, &doc.root, "x", "t"), 0);
	cr_expect_null(arr);
	cr_expect_eq(mledger_get_map_opt(&m, &doc.root, "x", "t"), 0);
	cr_expect_null(m);
	/* present: 1 */
	cr_expect_eq(mledger_get_str_opt(&s, &len, &doc.root, "s", "t"), 1);
	cr_expect_eq(len, 3);
	cr_expect_eq(mledger_get_bin_opt(&bin, &len, &doc.root, "bin", "t"), 1);
	cr_expect_eq(len, 1);
	cr_expect_eq(mledger_get_uint_opt(&u, &doc.root, "n", "t"), 1);
	cr_expect_eq(u, 5);
	cr_expect_eq(mledger_get_array_opt(&arr, &doc.root, "arr", "t"), 1);
	cr_expect_not_null(arr);
	cr_expect_eq(mledger_get_map_opt(&m, &doc.root, "m", "t"), 1);
	cr_expect_not_null(m);
	/* present with the wrong type: an error, not "absent" */
	expect_error(mledger_get_uint_opt(&u, &doc.root, "s", "t"),
		     MLEDGER_EFORMAT, "must be");
	expect_error(mledger_get_map_opt(&m, &doc.root, "s", "t"),
		     MLEDGER_EFORMAT, "must be");
	expect_error(mledger_get_array_opt(&arr, &doc.root, "s", "t"),
		     MLEDGER_EFORMAT, "must be");
	expect_error(mledger_get_bin_opt(&bin, &len, &doc.root, "s", "t"),
		     MLEDGER_EFORMAT, "must be");
	mledger_doc_free(&doc);
}

Test(access, map_only)
{
	static const char *const all[] = {"arr", "b", "bin", "m", "n", "neg",
					  "s", "extra"};
	static const char *const some[] = {"arr", "b", "bin", "m", "n", "s"};
	mledger_doc doc;

	parse_fields(&doc);
	cr_expect_eq(mledger_map_only(&doc.root, "t", all, 8), 0);
	expect_error(mledger_map_only(&doc.root, "actor.enroll body", some, 6),
		     MLEDGER_EFORMAT, "actor.enroll body: unknown field \"neg\"");
	expect_error(mledger_map_only(&doc.root, "t", NULL, 0),
		     MLEDGER_EFORMAT, "unknown field \"arr\"");
	expect_error(mledger_map_only(&doc.root.via.map.ptr[0].val, "t", all, 8),
		     MLEDGER_EFORMAT, "must be a map");
	mledger_doc_free(&doc);
}

Test(access, map_only_names_the_foreign_field)
{
	static const char *const allowed[] = {"id", "name"};
	mledger_doc doc;
	size_t len;
	uint8_t *p = unhex("83 a3 666f6f c0 a2 6964 01 a4 6e616d65 a0", &len);

	cr_assert_eq(mledger_doc_parse(&doc, p, len, len), 0);
	expect_error(mledger_map_only(&doc.root, "actor.enroll body", allowed, 2),
		     MLEDGER_EFORMAT, "actor.enroll body: unknown field \"foo\"");
	mledger_doc_free(&doc);
	free(p);
}

Test(access, map_find_in_a_large_map)
{
	mledger_writer w;
	mledger_doc doc;
	uint8_t *out;
	size_t len, i;
	char key[32];

	mledger_w_init(&w);
	mledger_w_map(&w, 1000);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%04zu", i);
		mledger_w_key(&w, key);
		mledger_w_uint(&w, i);
	}
	finish_ok(&out, &len, &w);
	cr_assert_eq(mledger_doc_parse(&doc, out, len, len), 0);
	for (i = 0; i < 1000; i++) {
		const msgpack_object *o;

		snprintf(key, sizeof(key), "k%04zu", i);
		o = mledger_map_find(&doc.root, key);
		cr_assert_not_null(o, "%s", key);
		cr_assert_eq(o->via.u64, i);
	}
	cr_expect_null(mledger_map_find(&doc.root, "k"));
	cr_expect_null(mledger_map_find(&doc.root, "k10000"));
	mledger_doc_free(&doc);
	free(out);
}

Test(access, doc_parse_failures_leave_a_freeable_doc)
{
	mledger_doc doc;

	cr_expect_eq(mledger_doc_parse(&doc, (const uint8_t *)"\xcc\x01", 2, 2),
		     MLEDGER_EFORMAT);
	mledger_doc_free(&doc);
	mledger_doc_free(&doc);
	mledger_doc_free(NULL);
	cr_expect_eq(mledger_doc_parse(&doc, (const uint8_t *)"\xc0", 1, 0),
		     MLEDGER_ETOOBIG);
	mledger_doc_free(&doc);
}
