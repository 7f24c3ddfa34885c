/*
 * Reading static tlog-tiles with no ledger. Every file is untrusted (it may
 * come from any web server or CDN): sizes are capped before reading, tiles
 * must be exactly width * 32 bytes, bundles must split into exactly width
 * entries, and the checkpoint opens only under a key the caller trusts or,
 * failing that, one the genesis entry names, with entry 0 then proved in
 * the tree. Proofs are combined from tile hashes by the same code that
 * combines them from the stored tree (tree.c, mledger_nodes); a complete
 * subtree between tile levels is the Merkle root of its 2^r hashes in the
 * tile below, which a tile always holds whole.
 */
#define _POSIX_C_SOURCE 200809L
#include "mledger/proof.h"
#include "mledger/tiles.h"

#include "error_int.h"
#include "tiles_int.h"
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE 8  /* tiles kept: a proof touches at most 2 per level */

typedef struct cached_tile {
	bool used;
	unsigned level;
	uint64_t index;
	unsigned width;
	uint8_t h[MLEDGER_TILE_BYTES];
} cached_tile;

struct mledger_tiles {
	char *dir;
	mledger_checkpoint cp;
	char *vkey;               /* the key that opened the checkpoint */
	bool from_genesis;
	cached_tile cache[CACHE];
	size_t next;              /* cache slot to reuse next */
};

int mledger_tiles_read_file(uint8_t **out, size_t *len, const char *dir,
			    const char *rel, size_t cap)
{
	char path[4096];
	struct stat sb;
	uint8_t *buf = NULL;
	size_t off = 0, size;
	int fd, n, error = 0;

	*out = NULL;
	*len = 0;
	n = snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return mledger_error_set(MLEDGER_EINVAL, "path too long: %s",
					 dir);
	/*
	 * What a directory serves is untrusted: a FIFO in it must not block
	 * the open, and whatever is not a regular file is a fault of the
	 * directory (a verdict), not of this machine's storage.
	 */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
		return mledger_error_set(errno == ENOENT ? MLEDGER_ENOTFOUND
			: errno == ELOOP || errno == EISDIR ||
			  errno == ENOTDIR || errno == ENXIO ? MLEDGER_EFORMAT
			: MLEDGER_EIO,
			"cannot read %s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0) {
		error = mledger_error_set(MLEDGER_EIO, "cannot read %s: %s",
					  path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(sb.st_mode)) {
		error = mledger_error_set(MLEDGER_EFORMAT,
					  "%s: not a regular file", path);
		goto done;
	}
	if ((uint64_t)sb.st_size > cap) {
		error = mledger_error_set(MLEDGER_ETOOBIG,
			"%s: %llu bytes, more than the %zu-byte limit", path,
			(unsigned long long)sb.st_size, cap);
		goto done;
	}
	size = (size_t)sb.st_size;
	if ((buf = malloc(size + 1)) == NULL) {
		error = MLEDGER_NOMEM();
		goto done;
	}
	/* Read at most size bytes, then make sure nothing follows. */
	while (off <= size) {
		ssize_t r = read(fd, buf + off, size + 1 - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error = mledger_error_set(MLEDGER_EIO,
				"cannot read %s: %s", path, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	if (off != size) {
		error = mledger_error_set(MLEDGER_EIO,
					  "%s changed while being read", path);
		goto done;
	}
	buf[size] = '\0';
	*out = buf;
	*len = size;
	buf = NULL;
done:
	free(buf);
	close(fd);
	return error;
}

static uint64_t shr(uint64_t v, unsigned bits)
{
	return bits >= 64 ? 0 : v >> bits;
}

/* Width of tile (level, index) in the tree of size s; 0 if it has none. */
static unsigned tile_width(uint64_t s, unsigned level, uint64_t index)
{
	unsigned up = MLEDGER_TILE_HEIGHT * (level + 1);
	uint64_t full = shr(s, up);

	if (index < full)
		return MLEDGER_TILE_WIDTH;
	if (index > full)
		return 0;
	return (unsigned)(shr(s, up - MLEDGER_TILE_HEIGHT) % MLEDGER_TILE_WIDTH);
}

/* Tile (level, index) of the checkpoint's tree, through the cache. */
static int get_tile(const cached_tile **out, mledger_tiles *t, unsigned level,
		    uint64_t index)
{
	char rel[MLEDGER_TILE_PATH_MAX];
	unsigned width;
	uint8_t *data;
	size_t len;
	cached_tile *c;
	int error;

	width = level > MLEDGER_TILE_LEVEL_MAX / MLEDGER_TILE_HEIGHT ? 0
		: tile_width(t->cp.size, level, index);
	if (width == 0)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"the tree of %llu entries has no tile %u/%llu",
			(unsigned long long)t->cp.size, level,
			(unsigned long long)index);
	for (size_t i = 0; i < CACHE; i++) {
		c = &t->cache[i];
		if (c->used && c->level == level && c->index == index &&
		    c->width == width) {
			*out = c;
			return 0;
		}
	}
	if ((error = mledger_tile_path(rel, level, index, width)) < 0)
		return error;
	if ((error = mledger_tiles_read_file(&data, &len, t->dir, rel,
					     MLEDGER_TILE_BYTES)) < 0)
		return error;
	if (len != (size_t)width * MLEDGER_HASH_BYTES) {
		free(data);
		return mledger_error_set(MLEDGER_EFORMAT,
			"%s: %zu bytes, not the %u hashes of %u bytes expected",
			rel, len, width, MLEDGER_HASH_BYTES);
	}
	c = &t->cache[t->next];
	t->next = (t->next + 1) % CACHE;
	c->used = true;
	c->level = level;
	c->index = index;
	c->width = width;
	memcpy(c->h, data, len);
	free(data);
	*out = c;
	return 0;
}

/* mledger_node_fn over the tiles: the hash of 2^level entries at index. */
static int tile_node(uint8_t out[MLEDGER_HASH_BYTES], void *ctx,
		     unsigned level, uint64_t index)
{
	mledger_tiles *t = ctx;
	unsigned tl = level / MLEDGER_TILE_HEIGHT, r = level % MLEDGER_TILE_HEIGHT;
	uint64_t first = index << r;
	size_t count = (size_t)1 << r, off = first % MLEDGER_TILE_WIDTH;
	const cached_tile *c = NULL;
	int error;

	if ((error = get_tile(&c, t, tl, first / MLEDGER_TILE_WIDTH)) < 0)
		return error;
	if (off + count > c->width)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"tile %u/%llu has no hash %zu",
			tl, (unsigned long long)(first / MLEDGER_TILE_WIDTH),
			off + count - 1);
	mledger_merkle_root(out,
		(const uint8_t (*)[MLEDGER_HASH_BYTES])(c->h + off * MLEDGER_HASH_BYTES),
		count);
	return 0;
}

static int check_size(const mledger_tiles *t, uint64_t size)
{
	if (size > t->cp.size)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"the checkpoint covers %llu entries, not %llu",
			(unsigned long long)t->cp.size,
			(unsigned long long)size);
	return 0;
}

int mledger_tiles_prove_inclusion(uint8_t (**proof)[MLEDGER_HASH_BYTES],
				  size_t *n, mledger_tiles *t,
				  uint64_t index, uint64_t size)
{
	mledger_nodes nodes = {tile_node, t};
	int error;

	*proof = NULL;
	*n = 0;
	if ((error = check_size(t, size)) < 0)
		return error;
	return mledger_nodes_inclusion(proof, n, &nodes, index, size);
}

int mledger_tiles_prove_consistency(uint8_t (**proof)[MLEDGER_HASH_BYTES],
				    size_t *n, mledger_tiles *t,
				    uint64_t old_size, uint64_t new_size)
{
	mledger_nodes nodes = {tile_node, t};
	int error;

	*proof = NULL;
	*n = 0;
	if ((error = check_size(t, new_size)) < 0)
		return error;
	return mledger_nodes_consistency(proof, n, &nodes, old_size, new_size);
}

int mledger_tiles_root(uint8_t out[MLEDGER_HASH_BYTES], mledger_tiles *t,
		       uint64_t size)
{
	mledger_nodes nodes = {tile_node, t};
	int error;

	if ((error = check_size(t, size)) < 0)
		return error;
	return mledger_nodes_root(out, &nodes, size);
}

int mledger_tiles_read_tile(uint8_t (**out)[MLEDGER_HASH_BYTES], size_t *n,
			    mledger_tiles *t, unsigned level, uint64_t index)
{
	const cached_tile *c = NULL;
	int error;

	*out = NULL;
	*n = 0;
	if ((error = get_tile(&c, t, level, index)) < 0)
		return error;
	if ((*out = malloc((size_t)c->width * MLEDGER_HASH_BYTES)) == NULL)
		return MLEDGER_NOMEM();
	memcpy(*out, c->h, (size_t)c->width * MLEDGER_HASH_BYTES);
	*n = c->width;
	return 0;
}

int mledger_tiles_read_bundle(uint8_t **data, mledger_tile_entry **out,
			      unsigned *width, mledger_tiles *t,
			      uint64_t index)
{
	char rel[MLEDGER_TILE_PATH_MAX];
	size_t len;
	unsigned w = tile_width(t->cp.size, 0, index);
	int error;

	*data = NULL;
	*out = NULL;
	*width = 0;
	if (w == 0)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"the tree of %llu entries has no entry bundle %llu",
			(unsigned long long)t->cp.size,
			(unsigned long long)index);
	if ((error = mledger_tile_entries_path(rel, index, w)) < 0 ||
	    (error = mledger_tiles_read_file(data, &len, t->dir, rel,
			(size_t)w * (2 + MLEDGER_TILE_ENTRY_MAX))) < 0)
		return error;
	if ((*out = calloc(w, sizeof(**out))) == NULL) {
		error = MLEDGER_NOMEM();
		goto fail;
	}
	if ((error = mledger_tile_bundle_split(*out, w, *data, len)) < 0) {
		mledger_error_prefix("%s", rel);
		goto fail;
	}
	*width = w;
	return 0;
fail:
	free(*out);
	free(*data);
	*out = NULL;
	*data = NULL;
	return error;
}

/* Check that data, claimed to be entry index, is in the checkpoint's tree. */
static int prove_entry(mledger_tiles *t, uint64_t index, const uint8_t *data,
		       size_t len)
{
	uint8_t leaf[MLEDGER_HASH_BYTES];
	uint8_t (*proof)[MLEDGER_HASH_BYTES] = NULL;
	size_t n;
	int error;

	mledger_leaf_hash(leaf, data, len);
	if ((error = mledger_tiles_prove_inclusion(&proof, &n, t, index,
						   t->cp.size)) == 0)
		error = mledger_inclusion_verify(index, t->cp.size, leaf,
			(const uint8_t (*)[MLEDGER_HASH_BYTES])proof, n,
			t->cp.root);
	free(proof);
	if (error < 0)
		mledger_error_prefix("entry %llu", (unsigned long long)index);
	return error;
}

int mledger_tiles_entry(uint8_t **out, size_t *len, mledger_tiles *t,
			uint64_t index)
{
	mledger_tile_entry *e = NULL;
	uint8_t *data = NULL;
	unsigned width;
	size_t i = (size_t)(index % MLEDGER_TILE_WIDTH);
	int error;

	*out = NULL;
	*len = 0;
	if (index >= t->cp.size)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"no entry %llu in a tree of %llu entries",
			(unsigned long long)index,
			(unsigned long long)t->cp.size);
	if ((error = mledger_tiles_read_bundle(&data, &e, &width, t,
					       index / MLEDGER_TILE_WIDTH)) < 0)
		return error;
	if ((error = prove_entry(t, index, e[i].data, e[i].len)) < 0)
		goto done;
	if ((*out = malloc(e[i].len)) == NULL) {
		error = MLEDGER_NOMEM();
		goto done;
	}
	memcpy(*out, e[i].data, e[i].len);
	*len = e[i].len;
done:
	free(e);
	free(data);
	return error;
}

/*
 * Open the note with an Ed25519 key the genesis entry gives the operator.
 * The size comes from the not yet verified checkpoint, only to find the
 * first bundle; everything read is checked once the note opens.
 */
static int open_by_genesis(char **text, mledger_tiles *t, const char *note,
			   size_t note_len)
{
	mledger_tile_entry *e = NULL;
	uint8_t *data = NULL;
	unsigned width;
	mledger_entry entry;
	mledger_signed sev;
	mledger_event *g = NULL;
	int error;

	if (t->cp.size == 0)
		return mledger_error_set(MLEDGER_EFORMAT,
			"checkpoint: an empty tree has no genesis entry to name its key; pass the key to trust");
	if ((error = mledger_tiles_read_bundle(&data, &e, &width, t, 0)) < 0)
		return error;
	if ((error = mledger_entry_parse(&entry, e[0].data, e[0].len)) < 0 ||
	    (error = mledger_signed_parse(&sev, entry.event,
					  entry.event_len)) < 0 ||
	    (error = mledger_event_decode(&g, sev.body, sev.body_len)) < 0) {
		mledger_error_prefix("genesis entry");
		goto done;
	}
	if (g->type != MLEDGER_EV_GENESIS) {
		error = mledger_error_set(MLEDGER_EFORMAT,
			"entry 0 is not a ledger.genesis event");
		goto done;
	}
	error = MLEDGER_EBADSIG;
	for (size_t i = 0; i < g->u.genesis.operator_.nkeys; i++) {
		const mledger_pubkey *pk = &g->u.genesis.operator_.keys[i];
		mledger_key *key = NULL;
		char *vkey = NULL;

		if (pk->alg != MLEDGER_ALG_ED25519 ||
		    mledger_key_from_public(&key, pk->alg, pk->pub, pk->len) < 0 ||
		    mledger_note_vkey(&vkey, g->u.genesis.origin, key) < 0) {
			mledger_key_free(key);
			continue;
		}
		mledger_key_free(key);
		if (mledger_note_open(text, note, note_len, vkey) == 0) {
			t->vkey = vkey;
			error = 0;
			break;
		}
		free(vkey);
	}
	if (error < 0) {
		mledger_error_set(MLEDGER_EBADSIG,
			"checkpoint: not signed by an Ed25519 key the genesis entry gives the operator %s",
			g->u.genesis.operator_.id);
		goto done;
	}
	if ((error = mledger_checkpoint_parse(&t->cp, *text)) < 0)
		goto done;
	if (strcmp(t->cp.origin, g->u.genesis.origin) != 0) {
		error = mledger_error_set(MLEDGER_EBADSIG,
			"checkpoint: of %s, but the genesis entry names %s",
			t->cp.origin, g->u.genesis.origin);
		goto done;
	}
	/* The key is only as good as the genesis entry: it must be entry 0
	 * of the tree the checkpoint signs. */
	error = prove_entry(t, 0, e[0].data, e[0].len);
done:
	mledger_event_free(g);
	free(e);
	free(data);
	return error;
}

int mledger_tiles_open(mledger_tiles **out, const char *dir,
		       const mledger_tiles_open_opts *opts)
{
	mledger_tiles_open_opts defaults = MLEDGER_TILES_OPEN_OPTS_INIT;
	mledger_tiles *t;
	uint8_t *note = NULL;
	char *text = NULL;
	size_t len;
	int error;

	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return MLEDGER_NOMEM();
	if ((t->dir = strdup(dir)) == NULL) {
		error = MLEDGER_NOMEM();
		goto done;
	}
	if ((error = mledger_tiles_read_file(&note, &len, dir, "checkpoint",
					     MLEDGER_NOTE_MAX)) < 0)
		goto done;
	/* Unverified: the origin names the key, the size finds bundle 0. */
	if ((error = mledger_checkpoint_parse(&t->cp, (const char *)note)) < 0) {
		mledger_error_prefix("%s/checkpoint", dir);
		goto done;
	}
	if (opts->vkey != NULL || opts->key != NULL) {
		if (opts->vkey != NULL)
			error = (t->vkey = strdup(opts->vkey)) ? 0 : MLEDGER_NOMEM();
		else
			error = mledger_note_vkey(&t->vkey, t->cp.origin,
						  opts->key);
		if (error < 0 ||
		    (error = mledger_note_open(&text, (const char *)note, len,
					       t->vkey)) < 0 ||
		    (error = mledger_checkpoint_parse(&t->cp, text)) < 0) {
			mledger_error_prefix("%s/checkpoint", dir);
			goto done;
		}
	} else {
		t->from_genesis = true;
		if ((error = open_by_genesis(&text, t, (const char *)note,
					     len)) < 0)
			goto done;
	}
	/* Tiles read before the note opened are read again under it. */
	memset(t->cache, 0, sizeof(t->cache));
	*out = t;
	t = NULL;
done:
	free(text);
	free(note);
	mledger_tiles_free(t);
	return error;
}

void mledger_tiles_free(mledger_tiles *t)
{
	if (t == NULL)
		return;
	free(t->dir);
	free(t->vkey);
	free(t);
}

const mledger_checkpoint *mledger_tiles_checkpoint(const mledger_tiles *t)
{
	return &t->cp;
}

const char *mledger_tiles_vkey(const mledger_tiles *t)
{
	return t->vkey;
}

bool mledger_tiles_key_from_genesis(const mledger_tiles *t)
{
	return t->from_genesis;
}

const char *mledger_tiles_dir(const mledger_tiles *t)
{
	return t->dir;
}
