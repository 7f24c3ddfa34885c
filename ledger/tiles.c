/*
 * Writing a ledger as static C2SP tlog-tiles (proto/tiles.md): tile paths,
 * the entry-bundle framing, and the incremental writer. Hash tiles are read
 * straight from the stored Merkle tree: the hash at position i of tile
 * (L, N) is the complete subtree of 256^L entries from (256 N + i) 256^L,
 * which the hashes database already holds as node (8 L, 256 N + i). Each
 * file goes to a temporary name in its own directory and is renamed into
 * place, so a web server never serves half a tile; the checkpoint is
 * renamed last, so it never names tiles that are not there yet.
 */
#define _POSIX_C_SOURCE 200809L
#include "mledger/tiles.h"

#include "ledger_int.h"
#include "tiles_int.h"
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "x001/x234/067": 3-digit groups, all but the last prefixed with x. */
static size_t put_index(char *out, size_t cap, uint64_t index)
{
	unsigned groups[7];
	size_t n = 0, o = 0;

	do {
		groups[n++] = (unsigned)(index % 1000);
		index /= 1000;
	} while (index > 0);
	while (n-- > 0) {
		int k = snprintf(out + o, cap - o, n > 0 ? "x%03u/" : "%03u",
				 groups[n]);

		if (k < 0 || (size_t)k >= cap - o)
			return 0;
		o += (size_t)k;
	}
	return o;
}

static int tile_path(char out[MLEDGER_TILE_PATH_MAX], const char *level,
		     uint64_t index, unsigned width)
{
	size_t o;
	int k;

	if (width == 0 || width > MLEDGER_TILE_WIDTH)
		return mledger_error_set(MLEDGER_EINVAL,
			"tile width %u is not 1..%d", width, MLEDGER_TILE_WIDTH);
	k = snprintf(out, MLEDGER_TILE_PATH_MAX, "tile/%s/", level);
	if (k < 0 || (o = put_index(out + k, MLEDGER_TILE_PATH_MAX - (size_t)k,
				    index)) == 0)
		return mledger_error_set(MLEDGER_EINVAL, "tile path too long");
	o += (size_t)k;
	if (width < MLEDGER_TILE_WIDTH)
		snprintf(out + o, MLEDGER_TILE_PATH_MAX - o, ".p/%u", width);
	return 0;
}

int mledger_tile_path(char out[MLEDGER_TILE_PATH_MAX], unsigned level,
		      uint64_t index, unsigned width)
{
	char l[4];

	if (level > MLEDGER_TILE_LEVEL_MAX)
		return mledger_error_set(MLEDGER_EINVAL,
			"tile level %u is past %d", level, MLEDGER_TILE_LEVEL_MAX);
	snprintf(l, sizeof(l), "%u", level);
	return tile_path(out, l, index, width);
}

int mledger_tile_entries_path(char out[MLEDGER_TILE_PATH_MAX], uint64_t index,
			      unsigned width)
{
	return tile_path(out, "entries", index, width);
}

int mledger_tile_bundle_split(mledger_tile_entry *out, unsigned width,
			      const uint8_t *data, size_t len)
{
	size_t off = 0;

	if (len > MLEDGER_TILE_BUNDLE_MAX)
		return mledger_error_set(MLEDGER_ETOOBIG,
			"entry bundle: %zu bytes, more than the %u-byte limit",
			len, MLEDGER_TILE_BUNDLE_MAX);
	for (unsigned i = 0; i < width; i++) {
		size_t n;

		if (len - off < 2)
			return mledger_error_set(MLEDGER_EFORMAT,
				"entry bundle: ends before entry %u of %u", i,
				width);
		n = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (n == 0 || n > len - off)
			return mledger_error_set(MLEDGER_EFORMAT,
				n == 0 ? "entry bundle: entry %u is empty"
				       : "entry bundle: entry %u runs past the end",
				i);
		out[i].data = data + off;
		out[i].len = n;
		off += n;
	}
	if (off != len)
		return mledger_error_set(MLEDGER_EFORMAT,
			"entry bundle: %zu bytes after its %u entries",
			len - off, width);
	return 0;
}

/* ---- files -------------------------------------------------------------- */

/* Flush the directory holding path, so a rename into it is durable. */
static int sync_parent(const char *path)
{
	char parent[4096];
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL ? 0 : (size_t)(slash - path);
	int fd, rc;

	if (n == 0 || n >= sizeof(parent))
		return 0;
	memcpy(parent, path, n);
	parent[n] = '\0';
	if ((fd = open(parent, O_RDONLY | O_DIRECTORY)) < 0)
		return mledger_error_set(MLEDGER_EIO, "cannot open %s: %s",
					 parent, strerror(errno));
	rc = fsync(fd);
	close(fd);
	return rc == 0 ? 0 : mledger_error_set(MLEDGER_EIO,
		"cannot flush %s: %s", parent, strerror(errno));
}

/* Make every directory on the way to dir/rel's file. */
static int make_parents(const char *path, size_t dir_len)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return mledger_error_set(MLEDGER_EINVAL, "path too long: %s",
					 path);
	memcpy(buf, path, n + 1);
	for (size_t i = dir_len + 1; i < n; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) == 0) {
			/* A new directory's entry must be as durable as its files. */
			int error = sync_parent(buf);

			if (error < 0)
				return error;
		} else if (errno != EEXIST) {
			return mledger_error_set(MLEDGER_EIO,
				"cannot create %s: %s", buf, strerror(errno));
		}
		buf[i] = '/';
	}
	return 0;
}

/*
 * Write data to dir/rel by a temporary file in the same directory and a
 * rename: a reader sees the old file or the whole new one. The data is
 * flushed before the rename and the directory after it, so after a crash a
 * renamed file is complete and still there: the checkpoint, written last,
 * never names tiles a crash lost.
 */
static int write_atomic(const char *dir, const char *rel, const uint8_t *data,
			size_t len)
{
	char path[4096], tmp[4096 + 16];
	size_t off = 0;
	int fd, n, error = 0;

	n = snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return mledger_error_set(MLEDGER_EINVAL, "path too long: %s",
					 dir);
	if ((error = make_parents(path, strlen(dir))) < 0)
		return error;
	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0)
		return mledger_error_set(MLEDGER_EIO, "cannot create %s: %s",
					 tmp, strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			error = mledger_error_set(MLEDGER_EIO,
				"cannot write %s: %s", tmp, strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	/* Served files are world-readable, as a web server needs them. */
	if (error == 0 && (fchmod(fd, 0644) != 0 || fdatasync(fd) != 0))
		error = mledger_error_set(MLEDGER_EIO, "cannot write %s: %s",
					  tmp, strerror(errno));
	if (close(fd) != 0 && error == 0)
		error = mledger_error_set(MLEDGER_EIO, "cannot write %s: %s",
					  tmp, strerror(errno));
	if (error == 0 && rename(tmp, path) != 0)
		error = mledger_error_set(MLEDGER_EIO, "cannot rename %s: %s",
					  tmp, strerror(errno));
	if (error < 0) {
		unlink(tmp);
		return error;
	}
	return sync_parent(path);
}

/* ---- the writer ----------------------------------------------------------- */

typedef struct writer {
	const char *dir;
	const char *note;
	size_t note_len;
	mledger_checkpoint cp;
	mledger_tiles_stats *stats;
	const char *vkey;
	uint8_t *buf;             /* a tile or bundle being assembled */
} writer;

static int write_tile(writer *w, const mledger_state *st, unsigned level,
		      uint64_t index, unsigned width)
{
	char rel[MLEDGER_TILE_PATH_MAX];
	int error;

	if ((error = mledger_tile_path(rel, level, index, width)) < 0)
		return error;
	for (unsigned i = 0; i < width; i++)
		if ((error = mledger_tree_node(w->buf + i * MLEDGER_HASH_BYTES,
					       st, MLEDGER_TILE_HEIGHT * level,
					       index * MLEDGER_TILE_WIDTH + i)) < 0)
			return error;
	if ((error = write_atomic(w->dir, rel, w->buf,
				  (size_t)width * MLEDGER_HASH_BYTES)) < 0)
		return error;
	w->stats->tiles++;
	w->stats->bytes += (uint64_t)width * MLEDGER_HASH_BYTES;
	return 0;
}

static int write_bundle(writer *w, const mledger_state *st, uint64_t index,
			unsigned width)
{
	char rel[MLEDGER_TILE_PATH_MAX];
	size_t off = 0;
	int error, rc;

	if ((error = mledger_tile_entries_path(rel, index, width)) < 0)
		return error;
	for (unsigned i = 0; i < width; i++) {
		uint64_t seq = index * MLEDGER_TILE_WIDTH + i;
		MDB_val k = mledger_seq_key(&seq), v;

		if ((rc = mdb_get(st->txn, st->db->entries, &k, &v)) != 0)
			return mledger_store_error(rc, "reading an entry");
		if (v.mv_size > MLEDGER_TILE_ENTRY_MAX)
			return mledger_error_set(MLEDGER_ETOOBIG,
				"entry %llu is %zu bytes; a tlog-tiles entry bundle holds entries of at most %u",
				(unsigned long long)seq, v.mv_size,
				MLEDGER_TILE_ENTRY_MAX);
		w->buf[off] = (uint8_t)(v.mv_size >> 8);
		w->buf[off + 1] = (uint8_t)v.mv_size;
		memcpy(w->buf + off + 2, v.mv_data, v.mv_size);
		off += 2 + v.mv_size;
	}
	if ((error = write_atomic(w->dir, rel, w->buf, off)) < 0)
		return error;
	w->stats->bundles++;
	w->stats->bytes += off;
	return 0;
}

/* v >> bits, 0 once every bit is shifted out (256^8 overflows). */
static uint64_t shr(uint64_t v, unsigned bits)
{
	return bits >= 64 ? 0 : v >> bits;
}

/*
 * The size of the checkpoint already in dir if it is one of this ledger's
 * tree (its root matches the stored tree at its size), else 0: then every
 * tile is written again.
 */
static int old_size(uint64_t *out, bool *same, writer *w,
		    const mledger_state *st)
{
	uint8_t *data = NULL, root[MLEDGER_HASH_BYTES];
	char *text = NULL;
	mledger_checkpoint old;
	size_t len;
	int error;

	*out = 0;
	*same = false;
	error = mledger_tiles_read_file(&data, &len, w->dir, "checkpoint",
					MLEDGER_NOTE_MAX);
	/* None, or one that is not a checkpoint at all: write it all anew. */
	if (error == MLEDGER_ENOTFOUND || error == MLEDGER_ETOOBIG ||
	    error == MLEDGER_EFORMAT) {
		mledger_error_clear();
		return 0;
	}
	if (error < 0)
		return error;
	if (mledger_note_open(&text, (const char *)data, len, w->vkey) == 0 &&
	    mledger_checkpoint_parse(&old, text) == 0 &&
	    strcmp(old.origin, w->cp.origin) == 0) {
		if (old.size > w->cp.size) {
			error = mledger_error_set(MLEDGER_EINVAL,
				"%s holds a checkpoint of %llu entries, newer than this one of %llu",
				w->dir, (unsigned long long)old.size,
				(unsigned long long)w->cp.size);
		} else if (mledger_tree_hash(root, st, old.size) == 0 &&
			   memcmp(root, old.root, MLEDGER_HASH_BYTES) == 0) {
			*out = old.size;
			*same = len == w->note_len &&
				memcmp(data, w->note, len) == 0;
		}
	}
	/* A checkpoint that is not one of this tree is just overwritten. */
	if (error == 0)
		mledger_error_clear();
	free(text);
	free(data);
	return error;
}

static int do_write(const mledger_state *st, void *ctx)
{
	writer *w = ctx;
	uint8_t root[MLEDGER_HASH_BYTES];
	uint64_t s = w->cp.size, o;
	bool same;
	int error;

	if ((error = mledger_tree_root_at(root, st, s)) < 0)
		return error;
	if (memcmp(root, w->cp.root, MLEDGER_HASH_BYTES) != 0)
		return mledger_error_set(MLEDGER_ECHAIN,
			"the checkpoint's root is not the ledger's at size %llu",
			(unsigned long long)s);
	if ((error = old_size(&o, &same, w, st)) < 0)
		return error;
	w->stats->old_size = o;
	if (same)
		return 0;
	for (unsigned l = 0; l <= MLEDGER_TILE_LEVEL_MAX / MLEDGER_TILE_HEIGHT &&
			     shr(s, MLEDGER_TILE_HEIGHT * l) > 0; l++) {
		unsigned up = MLEDGER_TILE_HEIGHT * (l + 1);
		uint64_t full_new = shr(s, up), full_old = shr(o, up);
		unsigned w_new = (unsigned)(shr(s, up - MLEDGER_TILE_HEIGHT) % 256);
		unsigned w_old = (unsigned)(shr(o, up - MLEDGER_TILE_HEIGHT) % 256);

		/* Full tiles never change: only those completed since. */
		for (uint64_t n = full_old; n < full_new; n++)
			if ((error = write_tile(w, st, l, n, 256)) < 0 ||
			    (l == 0 && (error = write_bundle(w, st, n, 256)) < 0))
				return error;
		if (w_new == 0 || (full_new == full_old && w_new == w_old))
			continue;
		if ((error = write_tile(w, st, l, full_new, w_new)) < 0 ||
		    (l == 0 && (error = write_bundle(w, st, full_new, w_new)) < 0))
			return error;
	}
	if ((error = write_atomic(w->dir, "checkpoint", (const uint8_t *)w->note,
				  w->note_len)) < 0)
		return error;
	w->stats->checkpoint = true;
	w->stats->bytes += w->note_len;
	return 0;
}

int mledger_tiles_write(mledger_tiles_stats *stats, mledger_ledger *l,
			const char *dir, const char *note, size_t note_len)
{
	writer w;
	char *vkey = NULL, *text = NULL;
	int error;

	memset(stats, 0, sizeof(*stats));
	memset(&w, 0, sizeof(w));
	w.dir = dir;
	w.note = note;
	w.note_len = note_len;
	w.stats = stats;
	if ((error = mledger_ledger_vkey(&vkey, l)) < 0)
		return error;
	w.vkey = vkey;
	if ((error = mledger_note_open(&text, note, note_len, vkey)) < 0) {
		mledger_error_prefix("checkpoint");
		goto done;
	}
	if ((error = mledger_checkpoint_parse(&w.cp, text)) < 0)
		goto done;
	if (strcmp(w.cp.origin, mledger_ledger_origin(l)) != 0) {
		error = mledger_error_set(MLEDGER_ECHAIN,
			"a checkpoint of %s, not of this ledger (%s)",
			w.cp.origin, mledger_ledger_origin(l));
		goto done;
	}
	stats->size = w.cp.size;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		error = mledger_error_set(MLEDGER_EIO, "cannot create %s: %s",
					  dir, strerror(errno));
		goto done;
	}
	/* Big enough for a full bundle of the largest entries. */
	if ((w.buf = malloc(MLEDGER_TILE_BUNDLE_MAX)) == NULL) {
		error = MLEDGER_NOMEM();
		goto done;
	}
	error = mledger_with_state(l, do_write, &w);
done:
	free(w.buf);
	free(text);
	free(vkey);
	return error;
}
