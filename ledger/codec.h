/*
 * Canonical msgpack (proto/encoding.md): the one encoding of every signed or
 * hashed structure. Writing goes through msgpack-c's packer into a growable
 * buffer; callers emit map keys in sorted order and mledger_canon_check()
 * guards the result. Reading first runs the strict checker over the raw
 * bytes, which names the first fault it finds, then unpacks with msgpack-c
 * into objects read through the typed accessors below.
 */
#ifndef MLEDGER_CODEC_H
#define MLEDGER_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "error_int.h"

/* Caps for decoding untrusted bytes. */
#define MLEDGER_EVENT_MAX (64u * 1024u)     /* a signed event, whole */
#define MLEDGER_ENTRY_MAX (MLEDGER_EVENT_MAX + 256u)
#define MLEDGER_DEPTH_MAX 16                /* nesting of maps and arrays */

/* ---- growable byte buffer ---------------------------------------------- */

typedef struct mledger_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool failed; /* an allocation failed; every later put is ignored */
} mledger_buf;

#define MLEDGER_BUF_INIT {NULL, 0, 0, false}

int mledger_buf_put(mledger_buf *buf, const void *data, size_t len);
int mledger_buf_reserve(mledger_buf *buf, size_t extra);
/* Give the bytes to the caller (*out malloc'd); the buffer is left empty. */
int mledger_buf_detach(uint8_t **out, size_t *out_len, mledger_buf *buf);
void mledger_buf_free(mledger_buf *buf);

/* ---- canonical writer -------------------------------------------------- */

/*
 * A packer writing into buf. Keys of every map must be emitted in canonical
 * order (bytewise, shorter first on a common prefix); the writer does not
 * sort. Errors are sticky in buf->failed and reported by mledger_w_finish().
 */
typedef struct mledger_writer {
	mledger_buf buf;
	msgpack_packer pk; /* writes into buf; the writer must not move after init */
	int error;         /* first misuse (MLEDGER_ETOOBIG, MLEDGER_EINVAL), else 0 */
} mledger_writer;

void mledger_w_init(mledger_writer *w);
void mledger_w_map(mledger_writer *w, size_t n);
void mledger_w_array(mledger_writer *w, size_t n);
void mledger_w_str(mledger_writer *w, const char *s);          /* NUL-terminated */
void mledger_w_strn(mledger_writer *w, const char *s, size_t len);
void mledger_w_bin(mledger_writer *w, const uint8_t *data, size_t len);
void mledger_w_uint(mledger_writer *w, uint64_t v);
void mledger_w_int(mledger_writer *w, int64_t v);
void mledger_w_bool(mledger_writer *w, bool v);
void mledger_w_nil(mledger_writer *w);
/* A map key: same as mledger_w_str, named for readability at call sites. */
void mledger_w_key(mledger_writer *w, const char *key);

/*
 * Finish: run mledger_canon_check() on the bytes (so nothing non-canonical is
 * ever signed or stored) and hand them over in *out (malloc'd). On failure
 * returns MLEDGER_ENOMEM, MLEDGER_EINVAL (a NULL string), MLEDGER_ETOOBIG (a
 * length past 2^32-1, or nesting deeper than MLEDGER_DEPTH_MAX) or
 * MLEDGER_EFORMAT, and frees the writer's buffer.
 */
int mledger_w_finish(uint8_t **out, size_t *out_len, mledger_writer *w);
void mledger_w_free(mledger_writer *w);

/* ---- strict checker ---------------------------------------------------- */

/*
 * Check that data holds exactly one canonical msgpack value (proto/encoding.md):
 * allowed types nil, bool, int, str, bin, array, map; no float or ext; every
 * integer and length in its shortest form; non-negative integers in the
 * positive forms; str is valid UTF-8 (no overlongs, no surrogates);
 * map keys are str, strictly increasing bytewise (so no duplicates); nesting
 * at most max_depth; no trailing bytes; len at most max_len.
 * Returns 0, MLEDGER_ETOOBIG (size or depth) or MLEDGER_EFORMAT, with a
 * message naming the fault and its byte offset.
 */
int mledger_canon_check(const uint8_t *data, size_t len, size_t max_len,
			int max_depth);

/*
 * Length of the first value in a stream of concatenated canonical values
 * (a file carrying a batch of signed events): *out_len is set to where that
 * value ends, after checking it as mledger_canon_check() would check it
 * alone. Only the first max_len bytes are looked at; a value running past
 * them fails with MLEDGER_ETOOBIG. Returns 0, MLEDGER_ETOOBIG or
 * MLEDGER_EFORMAT (also for an empty stream).
 */
int mledger_canon_next(size_t *out_len, const uint8_t *data, size_t len,
		       size_t max_len, int max_depth);

/* Compare two map keys in canonical order: <0, 0, >0. */
int mledger_key_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* 1 if s[0..len) is valid UTF-8 (RFC 3629: no overlong, no surrogate). */
int mledger_utf8_valid(const uint8_t *s, size_t len);

/* ---- reader ------------------------------------------------------------ */

/*
 * Decoded canonical value. mledger_doc_parse() runs mledger_canon_check()
 * and then unpacks with msgpack-c; root and every object under it live as
 * long as the doc, and strings and bins point into data, which must outlive
 * the doc.
 */
typedef struct mledger_doc {
	msgpack_zone zone;
	msgpack_object root;
} mledger_doc;

int mledger_doc_parse(mledger_doc *doc, const uint8_t *data, size_t len,
		      size_t max_len);

/*
 * As mledger_doc_parse, for a document whose values average at least
 * bytes_per_value bytes (> 0): one holding more than len / bytes_per_value
 * + 16 values is refused with MLEDGER_ETOOBIG before it is unpacked, since
 * unpacking costs a msgpack_object per value however few bytes the value
 * takes (a file of one-byte nils would cost 24 times its size).
 */
int mledger_doc_parse_dense(mledger_doc *doc, const uint8_t *data,
			    size_t len, size_t max_len, size_t bytes_per_value);

/*
 * mledger_doc_parse() without the canonical check, for bytes this ledger
 * checked when it appended them and now reads back from its own store (the
 * trace walk reads one entry per lot; the check was a sixth of its time).
 * msgpack-c still bounds every read and the typed accessors still check
 * every type, so damaged bytes fail cleanly; but a non-canonical value is
 * not named as such. Never for bytes from outside the store.
 */
int mledger_doc_parse_stored(mledger_doc *doc, const uint8_t *data,
			     size_t len, size_t max_len);
void mledger_doc_free(mledger_doc *doc);

/*
 * Typed access to the fields of a map object. `what` names the structure in
 * error messages ("actor.enroll body"). Each getter fails with
 * MLEDGER_EFORMAT ("actor.enroll body: field \"name\" missing" / "... must be
 * a string") when the field is missing or of the wrong type; the _opt forms
 * return 1 if the field is present, 0 if absent, or a negative error.
 * Strings are borrowed from the doc and NOT NUL-terminated.
 */
const msgpack_object *mledger_map_find(const msgpack_object *map,
				       const char *key);
int mledger_map_only(const msgpack_object *map, const char *what,
		     const char *const *allowed, size_t nallowed);
int mledger_get_str(const char **out, size_t *out_len,
		    const msgpack_object *map, const char *key,
		    const char *what);
int mledger_get_str_opt(const char **out, size_t *out_len,
			const msgpack_object *map, const char *key,
			const char *what);
int mledger_get_bin(const uint8_t **out, size_t *out_len,
		    const msgpack_object *map, const char *key,
		    const char *what);
int mledger_get_bin_opt(const uint8_t **out, size_t *out_len,
			const msgpack_object *map, const char *key,
			const char *what);
int mledger_get_uint(uint64_t *out, const msgpack_object *map,
		     const char *key, const char *what);
int mledger_get_uint_opt(uint64_t *out, const msgpack_object *map,
			 const char *key, const char *what);
int mledger_get_bool_opt(bool *out, const msgpack_object *map,
			 const char *key, const char *what);
int mledger_get_array(const msgpack_object_array **out,
		      const msgpack_object *map, const char *key,
		      const char *what);
int mledger_get_array_opt(const msgpack_object_array **out,
			  const msgpack_object *map, const char *key,
			  const char *what);
int mledger_get_map(const msgpack_object **out, const msgpack_object *map,
		    const char *key, const char *what);
int mledger_get_map_opt(const msgpack_object **out, const msgpack_object *map,
			const char *key, const char *what);

#endif
