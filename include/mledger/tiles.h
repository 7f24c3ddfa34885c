/*
 * Static C2SP tlog-tiles (proto/tiles.md). A directory holding the signed
 * checkpoint, the Merkle tree as hash tiles tile/<L>/<N>[.p/<W>] and the
 * entries as bundles tile/entries/<N>[.p/<W>] is the whole log as plain
 * files, so any static web server or CDN can serve it to auditors. The
 * writer makes such a directory from a ledger, incrementally; the reader
 * opens one with no ledger at all, checks its checkpoint, reads tiles and
 * bundles as untrusted bytes (every file size-capped and length-checked),
 * computes proofs from the tiles and verifies the whole log.
 */
#ifndef MLEDGER_TILES_H
#define MLEDGER_TILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mledger/error.h"
#include "mledger/key.h"
#include "mledger/ledger.h"
#include "mledger/note.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLEDGER_TILE_HEIGHT 8    /* tree levels per tile */
#define MLEDGER_TILE_WIDTH 256   /* hashes in a full tile, entries in a full bundle */
#define MLEDGER_TILE_BYTES (MLEDGER_TILE_WIDTH * MLEDGER_HASH_BYTES)
#define MLEDGER_TILE_LEVEL_MAX 63
/* An entry bundle prefixes each entry with a big-endian uint16 length. */
#define MLEDGER_TILE_ENTRY_MAX 65535u
#define MLEDGER_TILE_BUNDLE_MAX (MLEDGER_TILE_WIDTH * (2u + MLEDGER_TILE_ENTRY_MAX))
/* "tile/entries/x018/x446/x744/x073/x709/x551/615.p/255" and a NUL. */
#define MLEDGER_TILE_PATH_MAX 64

/*
 * The path of hash tile (level, index) of width hashes, relative to the
 * log's root: "tile/<L>/<N>" for width 256, "tile/<L>/<N>.p/<W>" for a
 * partial tile of width 1..255. <N> is index in 3-digit groups, all but the
 * last prefixed with x: 1234067 -> "x001/x234/067". EINVAL for a level past
 * 63 or a width outside 1..256.
 */
int mledger_tile_path(char out[MLEDGER_TILE_PATH_MAX], unsigned level,
		      uint64_t index, unsigned width);

/* The path of entry bundle index: "tile/entries/<N>[.p/<W>]". */
int mledger_tile_entries_path(char out[MLEDGER_TILE_PATH_MAX], uint64_t index,
			      unsigned width);

/* One entry of a bundle: borrowed from the bundle's bytes. */
typedef struct mledger_tile_entry {
	const uint8_t *data;
	size_t len;
} mledger_tile_entry;

/*
 * Split an entry bundle into exactly width entries (out has width slots).
 * MLEDGER_EFORMAT, naming the entry, if a length runs past the end, an
 * entry is empty, or bytes are left over; ETOOBIG past
 * MLEDGER_TILE_BUNDLE_MAX.
 */
int mledger_tile_bundle_split(mledger_tile_entry *out, unsigned width,
			      const uint8_t *data, size_t len);

/* ---- writing ---------------------------------------------------------- */

typedef struct mledger_tiles_stats {
	uint64_t size;            /* tree size of the checkpoint written */
	uint64_t old_size;        /* size of the checkpoint already there; 0 */
	uint64_t tiles;           /* hash tiles written */
	uint64_t bundles;         /* entry bundles written */
	uint64_t bytes;           /* bytes written, the checkpoint included */
	bool checkpoint;          /* the checkpoint file was written */
} mledger_tiles_stats;

/*
 * Write the log of ledger up to the size of the signed checkpoint note into
 * dir (created if missing) as tlog tiles. note must be a checkpoint of this
 * ledger signed by its operator (mledger_checkpoint_make() or
 * mledger_checkpoint_latest()). Incremental: the checkpoint already in dir
 * (if it is one of this ledger) says which tiles exist, and only new tiles
 * and new partial tiles are written; each file is written to a temporary
 * name and renamed, and the checkpoint last, so a reader never sees half a
 * file or a checkpoint whose tiles are missing. Nothing is written when dir
 * is already at this checkpoint. Errors: EBADSIG (not the operator's
 * checkpoint), ECHAIN (a checkpoint of another tree), EINVAL (dir holds a
 * newer checkpoint), ETOOBIG (an entry longer than 65535 bytes), EIO.
 */
int mledger_tiles_write(mledger_tiles_stats *stats, mledger_ledger *ledger,
			const char *dir, const char *note, size_t note_len);

/*
 * The most recent checkpoint stored by mledger_checkpoint_make() (*note
 * malloc'd, *size its tree size). ENOTFOUND if none was ever made.
 */
int mledger_checkpoint_latest(char **note, uint64_t *size,
			      mledger_ledger *ledger);

/* ---- reading ---------------------------------------------------------- */

typedef struct mledger_tiles mledger_tiles;

typedef struct mledger_tiles_open_opts {
	unsigned int version;     /* MLEDGER_TILES_OPEN_OPTS_VERSION */
	const char *vkey;         /* a C2SP verifier key to trust, or NULL */
	const mledger_key *key;   /* or an Ed25519 public key, named by the
				     checkpoint's origin; or NULL */
} mledger_tiles_open_opts;

#define MLEDGER_TILES_OPEN_OPTS_VERSION 1
#define MLEDGER_TILES_OPEN_OPTS_INIT {MLEDGER_TILES_OPEN_OPTS_VERSION, NULL, NULL}

/*
 * Open the tiles in dir and check the checkpoint's signature: by opts->vkey
 * or opts->key when given, else by an Ed25519 key the genesis entry (entry
 * 0, read from the first bundle) gives the operator, in which case entry 0
 * must also be proved included under the checkpoint. Free with
 * mledger_tiles_free(). Errors: EBADSIG, EFORMAT (a malformed checkpoint or
 * file), ECHAIN (entry 0 not in the tree), ENOTFOUND (a missing file), EIO.
 */
MLEDGER_WARN_UNUSED int mledger_tiles_open(mledger_tiles **out,
					   const char *dir,
					   const mledger_tiles_open_opts *opts);
void mledger_tiles_free(mledger_tiles *tiles);

/* The verified checkpoint. Borrowed; lives with tiles. */
const mledger_checkpoint *mledger_tiles_checkpoint(const mledger_tiles *tiles);

/* The verifier key that signed it. Borrowed; lives with tiles. */
const char *mledger_tiles_vkey(const mledger_tiles *tiles);

/* true if that key came from the genesis entry rather than the caller. */
bool mledger_tiles_key_from_genesis(const mledger_tiles *tiles);

/*
 * The hashes of tile (level, index) as the checkpoint's tree has it: full,
 * or the partial tile of that size (*out malloc'd, *n hashes). ENOTFOUND
 * for a tile the tree does not have or a missing file, EFORMAT for a file
 * of the wrong length. The hashes are as read: unauthenticated until a
 * proof built from them is checked against the checkpoint's root.
 */
int mledger_tiles_read_tile(uint8_t (**out)[MLEDGER_HASH_BYTES], size_t *n,
			    mledger_tiles *tiles, unsigned level,
			    uint64_t index);

/*
 * The RFC 9162 inclusion proof of entry index in the tree of size entries
 * (size <= the checkpoint's), computed from the hash tiles (*proof
 * malloc'd, *n hashes), as mledger_prove_inclusion() gives it from a
 * ledger. Unauthenticated: check it with mledger_inclusion_verify()
 * against a root you trust (the checkpoint's for size = its size).
 */
int mledger_tiles_prove_inclusion(uint8_t (**proof)[MLEDGER_HASH_BYTES],
				  size_t *n, mledger_tiles *tiles,
				  uint64_t index, uint64_t size);

/* The consistency proof from old_size to new_size, from the tiles. */
int mledger_tiles_prove_consistency(uint8_t (**proof)[MLEDGER_HASH_BYTES],
				    size_t *n, mledger_tiles *tiles,
				    uint64_t old_size, uint64_t new_size);

/* The root of the tree of size entries (<= the checkpoint's), from tiles. */
int mledger_tiles_root(uint8_t out[MLEDGER_HASH_BYTES], mledger_tiles *tiles,
		       uint64_t size);

/*
 * The bytes of entry index (*out malloc'd), authenticated: its leaf hash is
 * proved included under the checkpoint's root with a proof from the tiles.
 * ECHAIN if it is not; ENOTFOUND past the checkpoint's size.
 */
MLEDGER_WARN_UNUSED int mledger_tiles_entry(uint8_t **out, size_t *len,
					    mledger_tiles *tiles,
					    uint64_t index);

/*
 * Verify the whole log in the tiles, with no ledger: every entry bundle
 * split and every entry's encoding, seq and prev link checked, every
 * signature, every rule replayed from entry 0 (exactly as mledger_verify()
 * does), the bundles holding exactly the checkpoint's size, and the tree
 * recomputed from the entries equal to every hash tile of the checkpoint's
 * tree and to its root. opts->threads, progress and trusted_size /
 * trusted_root are used as by mledger_verify(): with an earlier checkpoint
 * (opened by the caller under the same key), the served tree must extend
 * it and the signatures below it are not checked again. As
 * mledger_verify(): 0, or the first fault with
 * result->failed set and result->bad_seq naming the entry (a tile fault
 * names the first entry the tile covers).
 */
MLEDGER_WARN_UNUSED int mledger_tiles_verify(mledger_verify_result *result,
					     mledger_tiles *tiles,
					     const mledger_verify_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
