/*
 * Canonical msgpack for everything the ledger signs or hashes
 * (proto/encoding.md). Writing reuses msgpack-c's packer, which already picks
 * the shortest form of every integer and length, and points it at a growable
 * buffer. Reading cannot trust msgpack-c alone: its unpacker accepts a uint16
 * holding 5 as happily as a fixint 5, so two encodings of one event would
 * hash differently. The strict checker below therefore walks the raw bytes
 * first, rejecting every second spelling of a value with a message that names
 * the fault and its offset; only bytes that pass it are handed to msgpack-c's
 * unpacker and read through the typed field accessors at the end of the file.
 * The same walk, stopped after one value, splits a batch file into events.
 */
#include "codec.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- growable byte buffer ---------------------------------------------- */

/* First allocation: room for a small event without a realloc. */
#define BUF_MIN_CAP 256u

int mledger_buf_reserve(mledger_buf *buf, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	if (buf->failed)
		return MLEDGER_NOMEM();
	if (extra > SIZE_MAX - buf->len)
		goto fail;
	need = buf->len + extra;
	if (need <= buf->cap)
		return 0;
	/* Double until it fits, so n appends cost O(n) copies in total. */
	cap = buf->cap ? buf->cap : BUF_MIN_CAP;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	p = realloc(buf->data, cap);
	if (p == NULL)
		goto fail;
	buf->data = p;
	buf->cap = cap;
	return 0;
fail:
	/* Sticky: a writer makes many puts and checks once at the end. */
	buf->failed = true;
	return MLEDGER_NOMEM();
}

int mledger_buf_put(mledger_buf *buf, const void *data, size_t len)
{
	int error;

	if ((error = mledger_buf_reserve(buf, len)) < 0)
		return error;
	if (len > 0) {
		memcpy(buf->data + buf->len, data, len);
		buf->len += len;
	}
	return 0;
}

int mledger_buf_detach(uint8_t **out, size_t *out_len, mledger_buf *buf)
{
	*out = NULL;
	*out_len = 0;
	if (buf->failed) {
		mledger_buf_free(buf);
		return MLEDGER_NOMEM();
	}
	/* An empty result is still a real allocation: callers test *out. */
	if (buf->data == NULL && mledger_buf_reserve(buf, 1) < 0) {
		mledger_buf_free(buf);
		return MLEDGER_NOMEM();
	}
	*out = buf->data;
	*out_len = buf->len;
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	return 0;
}

void mledger_buf_free(mledger_buf *buf)
{
	if (buf == NULL)
		return;
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->failed = false;
}

/* ---- canonical writer -------------------------------------------------- */

static int writer_put(void *data, const char *bytes, size_t len)
{
	return mledger_buf_put(data, bytes, len) < 0 ? -1 : 0;
}

void mledger_w_init(mledger_writer *w)
{
	mledger_buf empty = MLEDGER_BUF_INIT;

	w->buf = empty;
	w->error = 0;
	msgpack_packer_init(&w->pk, &w->buf, writer_put);
}

/*
 * msgpack has no length form past 32 bits and msgpack-c would silently
 * truncate one, so a longer length is refused here and reported at finish.
 */
static bool w_len_ok(mledger_writer *w, size_t n)
{
	if ((uint64_t)n <= UINT32_MAX)
		return true;
	if (w->error == 0)
		w->error = MLEDGER_ETOOBIG;
	return false;
}

void mledger_w_map(mledger_writer *w, size_t n)
{
	if (w_len_ok(w, n))
		msgpack_pack_map(&w->pk, n);
}

void mledger_w_array(mledger_writer *w, size_t n)
{
	if (w_len_ok(w, n))
		msgpack_pack_array(&w->pk, n);
}

void mledger_w_str(mledger_writer *w, const char *s)
{
	if (s == NULL) {
		if (w->error == 0)
			w->error = MLEDGER_EINVAL;
		return;
	}
	mledger_w_strn(w, s, strlen(s));
}

void mledger_w_strn(mledger_writer *w, const char *s, size_t len)
{
	if (s == NULL && len > 0) {
		if (w->error == 0)
			w->error = MLEDGER_EINVAL;
		return;
	}
	if (!w_len_ok(w, len))
		return;
	msgpack_pack_str(&w->pk, len);
	msgpack_pack_str_body(&w->pk, s, len);
}

void mledger_w_bin(mledger_writer *w, const uint8_t *data, size_t len)
{
	if (data == NULL && len > 0) {
		if (w->error == 0)
			w->error = MLEDGER_EINVAL;
		return;
	}
	if (!w_len_ok(w, len))
		return;
	msgpack_pack_bin(&w->pk, len);
	msgpack_pack_bin_body(&w->pk, data, len);
}

void mledger_w_uint(mledger_writer *w, uint64_t v)
{
	msgpack_pack_uint64(&w->pk, v);
}

void mledger_w_int(mledger_writer *w, int64_t v)
{
	/* msgpack-c writes non-negative values in the uint forms, as required. */
	msgpack_pack_int64(&w->pk, v);
}

void mledger_w_bool(mledger_writer *w, bool v)
{
	if (v)
		msgpack_pack_true(&w->pk);
	else
		msgpack_pack_false(&w->pk);
}

void mledger_w_nil(mledger_writer *w)
{
	msgpack_pack_nil(&w->pk);
}

void mledger_w_key(mledger_writer *w, const char *key)
{
	mledger_w_str(w, key);
}

int mledger_w_finish(uint8_t **out, size_t *out_len, mledger_writer *w)
{
	int error;

	*out = NULL;
	*out_len = 0;
	if (w->error == MLEDGER_ETOOBIG) {
		error = mledger_error_set(MLEDGER_ETOOBIG,
			"writer: a string, byte string, array or map is longer than 2^32-1");
		goto fail;
	}
	if (w->error != 0) {
		error = mledger_error_set(MLEDGER_EINVAL,
					  "writer: NULL string or byte string");
		goto fail;
	}
	if (w->buf.failed) {
		error = MLEDGER_NOMEM();
		goto fail;
	}
	/* Writers build keys by hand; the check catches an unsorted one. */
	error = mledger_canon_check(w->buf.data, w->buf.len, SIZE_MAX,
				    MLEDGER_DEPTH_MAX);
	if (error < 0) {
		mledger_error_prefix("writer produced a non-canonical value");
		goto fail;
	}
	error = mledger_buf_detach(out, out_len, &w->buf);
	w->error = 0;
	return error;
fail:
	mledger_w_free(w);
	return error;
}

void mledger_w_free(mledger_writer *w)
{
	if (w == NULL)
		return;
	mledger_buf_free(&w->buf);
	w->error = 0;
}

/* ---- strict checker ---------------------------------------------------- */

int mledger_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n > 0 ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	if (alen == blen)
		return 0;
	return alen < blen ? -1 : 1;
}

/*
 * Offset of the first byte of the first ill-formed sequence, or len when
 * all of s is well-formed. The ranges are those of RFC 3629's table: the
 * narrowed second byte after E0, ED, F0 and F4 is what rules out overlongs,
 * surrogates and code points past U+10FFFF.
 */
static size_t utf8_bad(const uint8_t *s, size_t len)
{
	const uint64_t high = 0x8080808080808080u;
	size_t i = 0;

	while (i < len) {
		uint64_t w;

		/* Identifiers and names are ASCII: take eight bytes a step. */
		if (len - i >= sizeof(w)) {
			memcpy(&w, s + i, sizeof(w));
			if ((w & high) == 0) {
				i += sizeof(w);
				continue;
			}
		}
		uint8_t c = s[i];
		uint8_t lo = 0x80, hi = 0xbf;
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return i; /* stray continuation, C0/C1 or F5..FF */
		}
		if (n > len - i - 1)
			return i; /* truncated sequence */
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return i;
		i += n + 1;
	}
	return len;
}

int mledger_utf8_valid(const uint8_t *s, size_t len)
{
	if (s == NULL)
		return len == 0;
	return utf8_bad(s, len) == len;
}

/*
 * Quote a map key for an error message: printable ASCII as is, anything else
 * as \xNN, cut with "..." so one hostile key cannot fill the message.
 */
static const char *key_show(char *dst, size_t size, const uint8_t *s,
			    size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		uint8_t c = s[i];

		if (o + 8 > size) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0x0f];
		}
	}
	dst[o] = '\0';
	return dst;
}

/* Room for a shown key: 40 bytes of key, an escape, "..." and NUL. */
#define KEY_SHOW_MAX 48

/* One open map or array the checker is inside. */
struct canon_frame {
	uint64_t left;        /* items still to read; a map counts keys and values */
	bool map;
	const uint8_t *key;   /* previous key of a map; NULL before the first */
	size_t key_len;
};

enum canon_kind { CANON_SCALAR, CANON_STR, CANON_CONTAINER };

/* What one value header turned out to be, for the caller's structure checks. */
struct canon_value {
	enum canon_kind kind;
	const char *name;     /* "map", "array16", ... for messages */
	bool map;             /* container: map rather than array */
	uint64_t count;       /* container: number of elements or pairs */
	const uint8_t *str;   /* string: its bytes, inside the input */
	size_t str_len;
};

/*
 * The bytes being checked. A stream reader checks only the first max_len
 * bytes of a longer input; running off their end then means the value is
 * too big, not that the input is truncated.
 */
struct canon_src {
	const uint8_t *data;
	size_t len;           /* bytes the value must fit in */
	bool capped;          /* len was cut to the cap; more input follows */
};

/* Frames kept on the C stack; deeper caps get a heap stack. */
#define CANON_LOCAL_FRAMES 32

static uint64_t be_read(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Running off the end of src at offset off (where the value began). */
static int canon_short(const struct canon_src *src, size_t off, uint64_t more)
{
	if (src->capped)
		return mledger_error_set(MLEDGER_ETOOBIG,
			"value at offset %zu runs past the cap of %zu bytes",
			off, src->len);
	return mledger_error_set(MLEDGER_EFORMAT,
		"truncated: value at offset %zu needs %" PRIu64 " more byte%s",
		off, more, more == 1 ? "" : "s");
}

/*
 * The n bytes from pos must exist. off is where the value began, so the
 * message points at the value, not the middle of its header.
 */
static int canon_need(const struct canon_src *src, size_t pos, size_t off,
		      uint64_t n)
{
	if (n <= (uint64_t)(src->len - pos))
		return 0;
	return canon_short(src, off, n - (uint64_t)(src->len - pos));
}

/*
 * Read the length field of a str, bin, array or map header at *pos (type
 * byte included), check it is the shortest, and step past the header.
 * min is the smallest length that needs this form.
 */
static int canon_length(uint64_t *out, const struct canon_src *src,
			size_t *pos, size_t width, uint64_t min,
			const char *name)
{
	size_t off = *pos;
	uint64_t n;
	int error;

	if ((error = canon_need(src, off, off, 1 + (uint64_t)width)) < 0)
		return error;
	n = be_read(src->data + off + 1, width);
	if (n < min)
		return mledger_error_set(MLEDGER_EFORMAT,
			"non-canonical: %s length %" PRIu64 " at offset %zu has a shorter form",
			name, n, off);
	*pos = off + 1 + width;
	*out = n;
	return 0;
}

/* Step over the payload of a str or bin whose header ended at *pos. */
static int canon_payload(const struct canon_src *src, size_t *pos, size_t off,
			 uint64_t n)
{
	int error;

	if ((error = canon_need(src, *pos, off, n)) < 0)
		return error;
	*pos += (size_t)n;
	return 0;
}

static int canon_str(struct canon_value *v, const struct canon_src *src,
		     size_t *pos, size_t off, uint64_t n)
{
	const uint8_t *s = src->data + *pos;
	size_t bad;
	int error;

	if ((error = canon_payload(src, pos, off, n)) < 0)
		return error;
	bad = utf8_bad(s, (size_t)n);
	if (bad != (size_t)n)
		return mledger_error_set(MLEDGER_EFORMAT,
			"invalid UTF-8 in string at offset %zu (bad sequence at offset %zu)",
			off, (size_t)(s - src->data) + bad);
	v->kind = CANON_STR;
	v->str = s;
	v->str_len = (size_t)n;
	return 0;
}

/* An unsigned integer in a uint form: must not fit a shorter one. */
static int canon_uint(const struct canon_src *src, size_t *pos, size_t width,
		      uint64_t min, const char *name)
{
	size_t off = *pos;
	uint64_t v;
	int error;

	if ((error = canon_need(src, off, off, 1 + (uint64_t)width)) < 0)
		return error;
	v = be_read(src->data + off + 1, width);
	if (v < min)
		return mledger_error_set(MLEDGER_EFORMAT,
			"non-canonical: %s 0x%" PRIx64 " at offset %zu has a shorter form",
			name, v, off);
	*pos = off + 1 + width;
	return 0;
}

/*
 * A signed integer in an int form: only negative values belong there, and
 * only those below the range of the next shorter form (min is that range's
 * lowest value, e.g. -32 for int8, whose shorter form is negative fixint).
 */
static int canon_int(const struct canon_src *src, size_t *pos, size_t width,
		     int64_t min, const char *name)
{
	size_t off = *pos;
	uint64_t raw, sign;
	int64_t v;
	int error;

	if ((error = canon_need(src, off, off, 1 + (uint64_t)width)) < 0)
		return error;
	raw = be_read(src->data + off + 1, width);
	/* Sign-extend without shifting into the sign bit or casting out of range. */
	sign = (uint64_t)1 << (width * 8 - 1);
	if (raw & sign) {
		uint64_t mag = (width == 8 ? 0 : ((uint64_t)1 << (width * 8))) - raw;

		/* mag is in [1, 2^63]; -(mag - 1) - 1 never overflows. */
		v = -(int64_t)(mag - 1) - 1;
	} else {
		v = (int64_t)raw;
	}
	if (v >= 0)
		return mledger_error_set(MLEDGER_EFORMAT,
			"non-canonical: %s %" PRId64 " at offset %zu is non-negative and must use a uint form",
			name, v, off);
	if (v >= min)
		return mledger_error_set(MLEDGER_EFORMAT,
			"non-canonical: %s %" PRId64 " at offset %zu has a shorter form",
			name, v, off);
	*pos = off + 1 + width;
	return 0;
}

/*
 * Check the value header at *pos and step past it: whole scalars and strings
 * are consumed; for a map or array only the header, leaving the elements to
 * the caller's loop.
 */
static int canon_value(struct canon_value *v, const struct canon_src *src,
		       size_t *pos)
{
	size_t off = *pos;
	uint64_t n;
	uint8_t b;
	int error;

	if ((error = canon_need(src, off, off, 1)) < 0)
		return error;
	b = src->data[off];
	v->kind = CANON_SCALAR;
	v->name = "value";
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
		/* fixints, nil, false, true: one byte, one spelling */
		*pos = off + 1;
		return 0;
	}
	if (b <= 0x9f) {
		/* fixmap 0x80-0x8f, fixarray 0x90-0x9f */
		v->kind = CANON_CONTAINER;
		v->map = b <= 0x8f;
		v->name = v->map ? "map" : "array";
		v->count = b & 0x0fu;
		*pos = off + 1;
		return 0;
	}
	if (b <= 0xbf) {
		/* fixstr 0xa0-0xbf */
		*pos = off + 1;
		return canon_str(v, src, pos, off, b & 0x1fu);
	}
	switch (b) {
	case 0xc1:
		return mledger_error_set(MLEDGER_EFORMAT,
			"reserved byte 0xc1 at offset %zu is not allowed", off);
	case 0xc4:
	case 0xc5:
	case 0xc6: {
		static const uint64_t bin_min[] = {0, 256, 65536};
		static const char *const bin_name[] = {"bin8", "bin16", "bin32"};
		size_t i = (size_t)(b - 0xc4);

		if ((error = canon_length(&n, src, pos, (size_t)1 << i,
					  bin_min[i], bin_name[i])) < 0)
			return error;
		return canon_payload(src, pos, off, n);
	}
	case 0xc7:
	case 0xc8:
	case 0xc9:
	case 0xd4:
	case 0xd5:
	case 0xd6:
	case 0xd7:
	case 0xd8:
		return mledger_error_set(MLEDGER_EFORMAT,
			"ext value at offset %zu is not allowed", off);
	case 0xca:
	case 0xcb:
		return mledger_error_set(MLEDGER_EFORMAT,
			"float at offset %zu is not allowed", off);
	case 0xcc:
		return canon_uint(src, pos, 1, 0x80, "uint8");
	case 0xcd:
		return canon_uint(src, pos, 2, 0x100, "uint16");
	case 0xce:
		return canon_uint(src, pos, 4, 0x10000, "uint32");
	case 0xcf:
		return canon_uint(src, pos, 8, (uint64_t)1 << 32, "uint64");
	case 0xd0:
		return canon_int(src, pos, 1, -32, "int8");
	case 0xd1:
		return canon_int(src, pos, 2, INT8_MIN, "int16");
	case 0xd2:
		return canon_int(src, pos, 4, INT16_MIN, "int32");
	case 0xd3:
		return canon_int(src, pos, 8, INT32_MIN, "int64");
	case 0xd9:
	case 0xda:
	case 0xdb: {
		static const uint64_t str_min[] = {32, 256, 65536};
		static const char *const str_name[] = {"str8", "str16", "str32"};
		size_t i = (size_t)(b - 0xd9);

		if ((error = canon_length(&n, src, pos, (size_t)1 << i,
					  str_min[i], str_name[i])) < 0)
			return error;
		return canon_str(v, src, pos, off, n);
	}
	default: {
		/* 0xdc array16, 0xdd array32, 0xde map16, 0xdf map32 */
		static const char *const names[] = {"array16", "array32",
						    "map16", "map32"};
		size_t i = (size_t)(b - 0xdc);

		v->kind = CANON_CONTAINER;
		v->map = b >= 0xde;
		v->name = names[i];
		return canon_length(&v->count, src, pos,
				    (i & 1) ? 4 : 2, (i & 1) ? 65536 : 16,
				    names[i]);
	}
	}
}

/* A map key: must be a string and sort strictly after the previous one. */
static int canon_key(struct canon_frame *f, const struct canon_value *v,
		     size_t off)
{
	char a[KEY_SHOW_MAX], b[KEY_SHOW_MAX];
	int c;

	if (v->kind != CANON_STR)
		return mledger_error_set(MLEDGER_EFORMAT,
			"map key at offset %zu is not a string", off);
	if (f->key != NULL) {
		c = mledger_key_cmp((const char *)f->key, f->key_len,
				    (const char *)v->str, v->str_len);
		if (c == 0)
			return mledger_error_set(MLEDGER_EFORMAT,
				"duplicate map key \"%s\" at offset %zu",
				key_show(a, sizeof(a), v->str, v->str_len), off);
		if (c > 0)
			return mledger_error_set(MLEDGER_EFORMAT,
				"map keys out of order at offset %zu (\"%s\" after \"%s\")",
				off, key_show(a, sizeof(a), v->str, v->str_len),
				key_show(b, sizeof(b), f->key, f->key_len));
	}
	f->key = v->str;
	f->key_len = v->str_len;
	return 0;
}

/*
 * Check the one value at the start of src and set *end to where it stops,
 * and *values (if not NULL) to how many msgpack values it holds, itself
 * included. Iterative, with an explicit stack of open containers, so
 * hostile nesting costs heap frames bounded by the depth cap rather than C
 * stack.
 */
static int canon_walk(size_t *end, size_t *values,
		      const struct canon_src *src, int max_depth)
{
	struct canon_frame local[CANON_LOCAL_FRAMES];
	struct canon_frame *stack = local;
	size_t cap = CANON_LOCAL_FRAMES, top = 0, pos = 0, count = 0;
	int error = 0;

	/*
	 * Every open container has used at least one byte, so the stack never
	 * holds more than min(max_depth, len) frames.
	 */
	if ((size_t)max_depth > cap && src->len > cap) {
		cap = (size_t)max_depth < src->len ? (size_t)max_depth : src->len;
		stack = calloc(cap, sizeof(*stack));
		if (stack == NULL)
			return MLEDGER_NOMEM();
	}

	do {
		struct canon_frame *parent = top > 0 ? &stack[top - 1] : NULL;
		struct canon_value v;
		size_t off = pos;
		uint64_t need;

		if ((error = canon_value(&v, src, &pos)) < 0)
			goto done;
		count++;
		/* In a map an even count of items left means a key is next. */
		if (parent != NULL && parent->map && parent->left % 2 == 0 &&
		    (error = canon_key(parent, &v, off)) < 0)
			goto done;
		if (parent != NULL)
			parent->left--;
		if (v.kind == CANON_CONTAINER) {
			if (top >= (size_t)max_depth || top >= cap) {
				error = mledger_error_set(MLEDGER_ETOOBIG,
					"%s at offset %zu nests deeper than %d",
					v.name, off, max_depth);
				goto done;
			}
			/*
			 * Each element takes at least one byte: a count the
			 * remaining input cannot hold is refused now, so a
			 * forged 4-billion-element array costs nothing.
			 */
			need = v.map ? 2 * v.count : v.count;
			if (need > (uint64_t)(src->len - pos)) {
				if (src->capped)
					error = canon_short(src, off, 0);
				else
					error = mledger_error_set(MLEDGER_EFORMAT,
						"truncated: %s at offset %zu holds %" PRIu64
						" elements but only %zu bytes remain",
						v.name, off, need, src->len - pos);
				goto done;
			}
			if (need > 0) {
				stack[top].left = need;
				stack[top].map = v.map;
				stack[top].key = NULL;
				stack[top].key_len = 0;
				top++;
			}
		}
		while (top > 0 && stack[top - 1].left == 0)
			top--;
	} while (top > 0);
	*end = pos;
	if (values != NULL)
		*values = count;
done:
	if (stack != local)
		free(stack);
	return error;
}

static int canon_args(const uint8_t *data, size_t len, int max_depth)
{
	if (data == NULL && len > 0)
		return mledger_error_set(MLEDGER_EINVAL,
					 "canonical check: NULL data");
	if (max_depth < 0)
		return mledger_error_set(MLEDGER_EINVAL,
					 "canonical check: negative depth cap");
	return 0;
}

/* mledger_canon_check, also counting the values when values is not NULL. */
static int canon_check(const uint8_t *data, size_t len, size_t max_len,
		       int max_depth, size_t *values)
{
	struct canon_src src = {data, len, false};
	size_t end = 0;
	int error;

	if ((error = canon_args(data, len, max_depth)) < 0)
		return error;
	if (len > max_len)
		return mledger_error_set(MLEDGER_ETOOBIG,
			"value of %zu bytes exceeds the cap of %zu bytes",
			len, max_len);
	if ((error = canon_walk(&end, values, &src, max_depth)) < 0)
		return error;
	if (end != len)
		return mledger_error_set(MLEDGER_EFORMAT,
			"trailing bytes after value at offset %zu", end);
	return 0;
}

int mledger_canon_check(const uint8_t *data, size_t len, size_t max_len,
			int max_depth)
{
	return canon_check(data, len, max_len, max_depth, NULL);
}

int mledger_canon_next(size_t *out_len, const uint8_t *data, size_t len,
		       size_t max_len, int max_depth)
{
	struct canon_src src = {data, len, false};
	size_t end = 0;
	int error;

	*out_len = 0;
	if ((error = canon_args(data, len, max_depth)) < 0)
		return error;
	/* Look no further than the cap: the stream may be far longer. */
	if (len > max_len) {
		src.len = max_len;
		src.capped = true;
	}
	if ((error = canon_walk(&end, NULL, &src, max_depth)) < 0)
		return error;
	*out_len = end;
	return 0;
}

/* ---- reader ------------------------------------------------------------ */

/* Unpack bytes already known to be canonical (or stored as such). */
static int doc_unpack(mledger_doc *doc, const uint8_t *data, size_t len)
{
	msgpack_unpack_return ret;
	size_t off = 0;
	int error;

	/* Small first chunk: an event's objects fit in 2 KiB. */
	if (!msgpack_zone_init(&doc->zone, 2048)) {
		memset(doc, 0, sizeof(*doc));
		return MLEDGER_NOMEM();
	}
	/*
	 * msgpack-c points strings and bins into the input rather than copying
	 * them: the doc borrows from data (codec.h), which saves a copy of
	 * every event on the hot paths of append and verify.
	 */
	ret = msgpack_unpack((const char *)data, len, &off, &doc->zone,
			     &doc->root);
	if (ret == MSGPACK_UNPACK_NOMEM_ERROR) {
		error = MLEDGER_NOMEM();
		goto fail;
	}
	if (ret != MSGPACK_UNPACK_SUCCESS || off != len) {
		/* The checker accepted it, so this is a disagreement with msgpack-c. */
		error = mledger_error_set(MLEDGER_EFORMAT,
			"msgpack-c could not unpack a canonical value (status %d, %zu of %zu bytes)",
			(int)ret, off, len);
		goto fail;
	}
	return 0;
fail:
	mledger_doc_free(doc);
	return error;
}

int mledger_doc_parse(mledger_doc *doc, const uint8_t *data, size_t len,
		      size_t max_len)
{
	int error;

	memset(doc, 0, sizeof(*doc));
	if ((error = mledger_canon_check(data, len, max_len,
					 MLEDGER_DEPTH_MAX)) < 0)
		return error;
	return doc_unpack(doc, data, len);
}

int mledger_doc_parse_dense(mledger_doc *doc, const uint8_t *data,
			    size_t len, size_t max_len, size_t bytes_per_value)
{
	size_t values = 0;
	int error;

	memset(doc, 0, sizeof(*doc));
	if ((error = canon_check(data, len, max_len, MLEDGER_DEPTH_MAX,
				 &values)) < 0)
		return error;
	if (values > len / bytes_per_value + 16)
		return mledger_error_set(MLEDGER_ETOOBIG,
			"%zu values in %zu bytes: more than one per %zu bytes",
			values, len, bytes_per_value);
	return doc_unpack(doc, data, len);
}

int mledger_doc_parse_stored(mledger_doc *doc, const uint8_t *data,
			     size_t len, size_t max_len)
{
	memset(doc, 0, sizeof(*doc));
	if (len > max_len)
		return mledger_error_set(MLEDGER_ETOOBIG,
			"stored value of %zu bytes is over the %zu-byte cap",
			len, max_len);
	return doc_unpack(doc, data, len);
}

void mledger_doc_free(mledger_doc *doc)
{
	if (doc == NULL)
		return;
	/* A zeroed doc (failed or never parsed) has no chunk to release. */
	if (doc->zone.chunk_list.head != NULL)
		msgpack_zone_destroy(&doc->zone);
	memset(doc, 0, sizeof(*doc));
}

/* ---- field accessors --------------------------------------------------- */

/*
 * Binary search: every map reaching here came through mledger_doc_parse(),
 * whose check guarantees string keys in strictly increasing order.
 */
#define MAP_SCAN_MAX 32

const msgpack_object *mledger_map_find(const msgpack_object *map,
				       const char *key)
{
	size_t lo = 0, hi, klen;

	if (map == NULL || key == NULL || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	klen = strlen(key);
	hi = map->via.map.size;
	/*
	 * An event body has a dozen fields: a scan that compares the length
	 * and first byte before anything else beats a binary search whose
	 * every step calls memcmp.
	 */
	if (hi <= MAP_SCAN_MAX) {
		for (size_t i = 0; i < hi; i++) {
			const msgpack_object *k = &map->via.map.ptr[i].key;

			if (k->type != MSGPACK_OBJECT_STR)
				return NULL;
			if (k->via.str.size == klen &&
			    (klen == 0 || (k->via.str.ptr[0] == key[0] &&
					   memcmp(k->via.str.ptr, key, klen) == 0)))
				return &map->via.map.ptr[i].val;
		}
		return NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const msgpack_object *k = &map->via.map.ptr[mid].key;
		int c;

		if (k->type != MSGPACK_OBJECT_STR)
			return NULL;
		c = mledger_key_cmp(k->via.str.ptr, k->via.str.size, key, klen);
		if (c == 0)
			return &map->via.map.ptr[mid].val;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const char *what_or_default(const char *what)
{
	return what != NULL ? what : "value";
}

static int not_a_map(const char *what)
{
	return mledger_error_set(MLEDGER_EFORMAT, "%s: must be a map",
				 what_or_default(what));
}

int mledger_map_only(const msgpack_object *map, const char *what,
		     const char *const *allowed, size_t nallowed)
{
	char shown[KEY_SHOW_MAX];
	uint32_t i;
	size_t j;

	if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
		return not_a_map(what);
	for (i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;

		if (k->type != MSGPACK_OBJECT_STR)
			return mledger_error_set(MLEDGER_EFORMAT,
				"%s: map key is not a string",
				what_or_default(what));
		for (j = 0; j < nallowed; j++) {
			const char *a = allowed[j];

			/* The first byte rules out most names without strlen. */
			if (k->via.str.size == 0 ? a[0] == '\0'
			    : a[0] == k->via.str.ptr[0] &&
			      strlen(a) == k->via.str.size &&
			      memcmp(a, k->via.str.ptr, k->via.str.size) == 0)
				break;
		}
		if (j == nallowed)
			return mledger_error_set(MLEDGER_EFORMAT,
				"%s: unknown field \"%s\"", what_or_default(what),
				key_show(shown, sizeof(shown),
					 (const uint8_t *)k->via.str.ptr,
					 k->via.str.size));
	}
	return 0;
}

/*
 * The one lookup behind every getter: 1 and *out when the field is there
 * with the wanted type, 0 when absent and optional, else an error naming
 * the field. Out parameters of the getters are left untouched on 0, so a
 * caller may preset a default.
 */
static int field(const msgpack_object **out, const msgpack_object *map,
		 const char *key, const char *what, msgpack_object_type type,
		 const char *type_name, bool required)
{
	const msgpack_object *o;

	if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
		return not_a_map(what);
	o = mledger_map_find(map, key);
	if (o == NULL) {
		if (!required)
			return 0;
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: field \"%s\" missing", what_or_default(what), key);
	}
	if (o->type != type)
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: field \"%s\" must be %s", what_or_default(what),
			key, type_name);
	*out = o;
	return 1;
}

static int get_str(const char **out, size_t *out_len, const msgpack_object *map,
		   const char *key, const char *what, bool required)
{
	const msgpack_object *o = NULL;
	int r = field(&o, map, key, what, MSGPACK_OBJECT_STR, "a string",
		      required);

	if (r == 1) {
		*out = o->via.str.ptr;
		*out_len = o->via.str.size;
	}
	return r;
}

int mledger_get_str(const char **out, size_t *out_len,
		    const msgpack_object *map, const char *key,
		    const char *what)
{
	int r = get_str(out, out_len, map, key, what, true);

	return r < 0 ? r : 0;
}

int mledger_get_str_opt(const char **out, size_t *out_len,
			const msgpack_object *map, const char *key,
			const char *what)
{
	return get_str(out, out_len, map, key, what, false);
}

static int get_bin(const uint8_t **out, size_t *out_len,
		   const msgpack_object *map, const char *key,
		   const char *what, bool required)
{
	const msgpack_object *o = NULL;
	int r = field(&o, map, key, what, MSGPACK_OBJECT_BIN, "a byte string",
		      required);

	if (r == 1) {
		*out = (const uint8_t *)o->via.bin.ptr;
		*out_len = o->via.bin.size;
	}
	return r;
}

int mledger_get_bin(const uint8_t **out, size_t *out_len,
		    const msgpack_object *map, const char *key,
		    const char *what)
{
	int r = get_bin(out, out_len, map, key, what, true);

	return r < 0 ? r : 0;
}

int mledger_get_bin_opt(const uint8_t **out, size_t *out_len,
			const msgpack_object *map, const char *key,
			const char *what)
{
	return get_bin(out, out_len, map, key, what, false);
}

static int get_uint(uint64_t *out, const msgpack_object *map, const char *key,
		    const char *what, bool required)
{
	const msgpack_object *o = NULL;
	int r = field(&o, map, key, what, MSGPACK_OBJECT_POSITIVE_INTEGER,
		      "an unsigned integer", required);

	if (r == 1)
		*out = o->via.u64;
	return r;
}

int mledger_get_uint(uint64_t *out, const msgpack_object *map,
		     const char *key, const char *what)
{
	int r = get_uint(out, map, key, what, true);

	return r < 0 ? r : 0;
}

int mledger_get_uint_opt(uint64_t *out, const msgpack_object *map,
			 const char *key, const char *what)
{
	return get_uint(out, map, key, what, false);
}

int mledger_get_bool_opt(bool *out, const msgpack_object *map,
			 const char *key, const char *what)
{
	const msgpack_object *o = NULL;
	int r = field(&o, map, key, what, MSGPACK_OBJECT_BOOLEAN, "a boolean",
		      false);

	if (r == 1)
		*out = o->via.boolean;
	return r;
}

static int get_array(const msgpack_object_array **out,
		     const msgpack_object *map, const char *key,
		     const char *what, bool required)
{
	const msgpack_object *o = NULL;
	int r = field(&o, map, key, what, MSGPACK_OBJECT_ARRAY, "an array",
		      required);

	if (r == 1)
		*out = &o->via.array;
	return r;
}

int mledger_get_array(const msgpack_object_array **out,
		      const msgpack_object *map, const char *key,
		      const char *what)
{
	int r = get_array(out, map, key, what, true);

	return r < 0 ? r : 0;
}

int mledger_get_array_opt(const msgpack_object_array **out,
			  const msgpack_object *map, const char *key,
			  const char *what)
{
	return get_array(out, map, key, what, false);
}

int mledger_get_map(const msgpack_object **out, const msgpack_object *map,
		    const char *key, const char *what)
{
	int r = field(out, map, key, what, MSGPACK_OBJECT_MAP, "a map", true);

	return r < 0 ? r : 0;
}

int mledger_get_map_opt(const msgpack_object **out, const msgpack_object *map,
			const char *key, const char *what)
{
	return field(out, map, key, what, MSGPACK_OBJECT_MAP, "a map", false);
}
