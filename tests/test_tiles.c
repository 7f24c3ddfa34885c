/*
 * Static tlog-tiles: tile paths as C2SP spells them, the entry-bundle
 * framing, the tiles written for ledgers around the tile boundaries (1,
 * 255, 256, 257, 513 and 65537 entries) against the ledger's own leaf
 * hashes, roots and proofs, the incremental writer (what a re-run writes),
 * and the reader and verify --tiles refusing tampered tiles, bundles and
 * checkpoints with a reason.
 */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

typedef uint8_t hash[MLEDGER_HASH_BYTES];

static char *dir;          /* the ledger */
static char out[4096];     /* the tiles */
static fx_actor op, auditor;
static mledger_ledger *ledger;

static void setup(void)
{
	dir = fx_tmpdir();
	snprintf(out, sizeof(out), "%s-tiles", dir);
	op = (fx_actor){"operator", fx_key(1), 1};
	auditor = (fx_actor){"auditor", fx_key(2), 1};
	ledger = fx_ledger(dir, &op);
}

static void teardown(void)
{
	mledger_ledger_close(ledger);
	mledger_key_free(op.key);
	mledger_key_free(auditor.key);
	fx_rmdir(strdup(out));
	fx_rmdir(dir);
}

TestSuite(tiles, .init = setup, .fini = teardown);

/* ---- paths and bundles --------------------------------------------------- */

Test(tiles, path_encoding)
{
	char p[MLEDGER_TILE_PATH_MAX];

	cr_assert_eq(mledger_tile_path(p, 0, 1234067, 256), 0);
	cr_assert_str_eq(p, "tile/0/x001/x234/067");
	cr_assert_eq(mledger_tile_path(p, 0, 0, 256), 0);
	cr_assert_str_eq(p, "tile/0/000");
	cr_assert_eq(mledger_tile_path(p, 1, 1000, 256), 0);
	cr_assert_str_eq(p, "tile/1/x001/000");
	cr_assert_eq(mledger_tile_path(p, 2, 0, 1), 0);
	cr_assert_str_eq(p, "tile/2/000.p/1");
	cr_assert_eq(mledger_tile_path(p, 0, 273, 112), 0);
	cr_assert_str_eq(p, "tile/0/273.p/112");
	cr_assert_eq(mledger_tile_entries_path(p, 1234067, 255), 0);
	cr_assert_str_eq(p, "tile/entries/x001/x234/067.p/255");
	cr_assert_eq(mledger_tile_entries_path(p, 5, 256), 0);
	cr_assert_str_eq(p, "tile/entries/005");
	cr_assert_eq(mledger_tile_path(p, 63, UINT64_MAX, 255), 0);
	cr_assert_str_eq(p, "tile/63/x018/x446/x744/x073/x709/x551/615.p/255");
	cr_assert_eq(mledger_tile_path(p, 64, 0, 256), MLEDGER_EINVAL);
	cr_assert_eq(mledger_tile_path(p, 0, 0, 0), MLEDGER_EINVAL);
	cr_assert_eq(mledger_tile_path(p, 0, 0, 257), MLEDGER_EINVAL);
	cr_assert_eq(mledger_tile_entries_path(p, UINT64_MAX, 255), 0);
	cr_assert_str_eq(p, "tile/entries/x018/x446/x744/x073/x709/x551/615.p/255");
}

Test(tiles, bundle_split)
{
	static const uint8_t good[] = {0, 1, 'a', 0, 3, 'b', 'c', 'd'};
	static const uint8_t empty[] = {0, 0, 0, 1, 'a'};
	static const uint8_t past[] = {0, 1, 'a', 1, 0, 'b'};
	mledger_tile_entry e[3];

	cr_assert_eq(mledger_tile_bundle_split(e, 2, good, sizeof(good)), 0);
	cr_assert_eq(e[0].len, 1);
	cr_assert_eq(e[0].data[0], 'a');
	cr_assert_eq(e[1].len, 3);
	cr_assert_eq(memcmp(e[1].data, "bcd", 3), 0);
	/* One entry too few, one too many, a length past the end, empty. */
	cr_assert_eq(mledger_tile_bundle_split(e, 3, good, sizeof(good)), MLEDGER_EFORMAT);
	cr_assert_eq(mledger_tile_bundle_split(e, 1, good, sizeof(good)), MLEDGER_EFORMAT);
	cr_assert(strstr(mledger_error_last(), "bytes after") != NULL);
	cr_assert_eq(mledger_tile_bundle_split(e, 2, past, sizeof(past)), MLEDGER_EFORMAT);
	cr_assert(strstr(mledger_error_last(), "runs past the end") != NULL);
	cr_assert_eq(mledger_tile_bundle_split(e, 2, empty, sizeof(empty)), MLEDGER_EFORMAT);
	cr_assert_eq(mledger_tile_bundle_split(e, 2, good, MLEDGER_TILE_BUNDLE_MAX + 1),
		          MLEDGER_ETOOBIG);
}

/* ---- ledgers of a given size --------------------------------------------- */

static fx_bytes attest(void)
{
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_ATTEST;
	ev.u.attest.target = MLEDGER_TARGET_ACTOR;
	ev.u.attest.id = "operator";
	ev.u.attest.scheme = "IRMA";
	ev.u.attest.result = "IRMA 75";
	memset(ev.u.attest.doc_sha256, 0x5a, MLEDGER_HASH_BYTES);
	return fx_sign(&auditor, &ev);
}

/* Grow the ledger to size entries: an auditor, then its attestations,
 * submitted in large batches so big ledgers stay cheap. */
static void grow(uint64_t size)
{
	mledger_submit_opts so = MLEDGER_SUBMIT_OPTS_INIT;
	uint64_t have;
	hash head;

	cr_assert_eq(mledger_ledger_head(&have, head, ledger), 0);
	if (have == 1 && size > 1) {
		fx_bytes ev = fx_enroll(&op, &auditor, MLEDGER_ROLE_AUDITOR);

		cr_assert_eq(fx_submit1(ledger, ev), 0, "%s", mledger_error_last());
		free(ev.data);
		have = 2;
	}
	while (have < size) {
		size_t n = size - have > 8192 ? 8192 : (size_t)(size - have);
		const uint8_t **evs = calloc(n, sizeof(*evs));
		size_t *lens = calloc(n, sizeof(*lens));
		mledger_submit_result res;

		for (size_t i = 0; i < n; i++) {
			fx_bytes b = attest();

			evs[i] = b.data;
			lens[i] = b.len;
		}
		cr_assert_eq(mledger_submit(&res, ledger, evs, lens, n, &so), 0,
			     "%s", mledger_error_last());
		mledger_submit_result_free(&res);
		for (size_t i = 0; i < n; i++)
			free((void *)evs[i]);
		free(evs);
		free(lens);
		have += n;
	}
}

/* Sign a checkpoint at the current size and write the tiles. */
static mledger_tiles_stats publish(void)
{
	mledger_tiles_stats st;
	char *note = NULL;

	cr_assert_eq(mledger_checkpoint_make(&note, ledger, op.key), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(mledger_tiles_write(&st, ledger, out, note, strlen(note)),
		     0, "%s", mledger_error_last());
	free(note);
	return st;
}

static mledger_tiles *open_tiles(void)
{
	mledger_tiles *t = NULL;
	int err = mledger_tiles_open(&t, out, NULL);

	cr_assert_eq(err, 0, "%s", mledger_error_last());
	return t;
}

static bool exists(const char *rel)
{
	char p[8192];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", out, rel);
	return stat(p, &sb) == 0;
}

static long file_size(const char *rel)
{
	char p[8192];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", out, rel);
	return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

/* Files under the tiles directory, counted. */
static size_t nfiles;
static int count_one(const char *path, const struct stat *sb, int flag,
		     struct FTW *ftw)
{
	(void)path;
	(void)sb;
	(void)ftw;
	if (flag == FTW_F)
		nfiles++;
	return 0;
}

static size_t count_files(void)
{
	nfiles = 0;
	nftw(out, count_one, 16, FTW_PHYS);
	return nfiles;
}

/*
 * The tiles of a ledger of size entries: every tile holds what the ledger's
 * own leaf hashes give, its root is the ledger's, proofs from it equal the
 * ledger's, entries read back authenticated, and it verifies in full.
 */
static void check_size(uint64_t size, bool full_verify)
{
	mledger_tiles *t;
	hash root, lroot, *leaves = calloc(size, sizeof(hash));
	uint8_t (*h)[MLEDGER_HASH_BYTES] = NULL;
	size_t n;

	for (uint64_t i = 0; i < size; i++) {
		uint8_t *e;
		size_t len;

		cr_assert_eq(mledger_entry_get(&e, &len, ledger, i), 0);
		mledger_leaf_hash(leaves[i], e, len);
		free(e);
	}
	t = open_tiles();
	cr_assert(mledger_tiles_key_from_genesis(t));
	cr_assert_eq(mledger_tiles_checkpoint(t)->size, size);
	/* Level 0 tiles are the leaf hashes; level 1 the roots of 256. */
	for (uint64_t k = 0; k * 256 < size; k++) {
		size_t w = size - k * 256 < 256 ? (size_t)(size - k * 256) : 256;

		cr_assert_eq(mledger_tiles_read_tile(&h, &n, t, 0, k), 0, "%s",
			     mledger_error_last());
		cr_assert_eq(n, w);
		cr_assert_eq(memcmp(h, leaves[k * 256], w * sizeof(hash)), 0,
			     "level 0 tile %llu", (unsigned long long)k);
		free(h);
	}
	for (uint64_t k = 0; k < size / 256; k++) {
		mledger_merkle_root(root, (const hash *)leaves + k * 256, 256);
		cr_assert_eq(mledger_tiles_read_tile(&h, &n, t, 1, k / 256), 0);
		cr_assert_eq(memcmp(h[k % 256], root, sizeof(hash)), 0);
		free(h);
	}
	cr_assert_eq(mledger_tiles_root(root, t, size), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(mledger_ledger_root(lroot, ledger, size), 0);
	cr_assert_eq(memcmp(root, lroot, sizeof(hash)), 0);
	cr_assert_eq(memcmp(root, mledger_tiles_checkpoint(t)->root,
			    sizeof(hash)), 0);
	/* Proofs at the edges and across tile boundaries, for tree sizes
	 * around the boundaries too. */
	uint64_t sizes[] = {1, 2, 3, 255, 256, 257, size / 2, size - 1, size};
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		uint64_t s = sizes[si];
		uint64_t idx[] = {0, s / 2, s - 1, 255, 256, 65535};

		if (s == 0 || s > size)
			continue;
		for (size_t j = 0; j < sizeof(idx) / sizeof(idx[0]); j++) {
			uint8_t (*a)[MLEDGER_HASH_BYTES] = NULL, (*b)[MLEDGER_HASH_BYTES] = NULL;
			size_t na, nb;

			if (idx[j] >= s)
				continue;
			cr_assert_eq(mledger_tiles_prove_inclusion(&a, &na, t,
					idx[j], s), 0, "%s", mledger_error_last());
			cr_assert_eq(mledger_prove_inclusion(&b, &nb, ledger,
					idx[j], s), 0);
			cr_assert_eq(na, nb);
			cr_assert_eq(memcmp(a, b, na * sizeof(hash)), 0,
				     "proof of %llu in %llu",
				     (unsigned long long)idx[j],
				     (unsigned long long)s);
			free(a);
			free(b);
			cr_assert_eq(mledger_tiles_prove_consistency(&a, &na, t,
					idx[j] + 1, s), 0, "%s", mledger_error_last());
			cr_assert_eq(mledger_prove_consistency(&b, &nb, ledger,
					idx[j] + 1, s), 0);
			cr_assert_eq(na, nb);
			cr_assert_eq(memcmp(a, b, na * sizeof(hash)), 0);
			free(a);
			free(b);
		}
	}
	{
		uint8_t *e;
		size_t len;

		cr_assert_eq(mledger_tiles_entry(&e, &len, t, size - 1), 0,
			     "%s", mledger_error_last());
		mledger_leaf_hash(root, e, len);
		cr_assert_eq(memcmp(root, leaves[size - 1], sizeof(hash)), 0);
		free(e);
		cr_assert_eq(mledger_tiles_entry(&e, &len, t, size),
			     MLEDGER_ENOTFOUND);
	}
	if (full_verify) {
		mledger_verify_result res;

		cr_assert_eq(mledger_tiles_verify(&res, t, NULL), 0, "%s",
			     mledger_error_last());
		cr_assert_eq(res.entries, size);
	}
	mledger_tiles_free(t);
	free(leaves);
}

Test(tiles, size_1)
{
	mledger_tiles_stats st = publish();

	cr_assert_eq(st.size, 1);
	cr_assert_eq(st.tiles, 1);
	cr_assert_eq(st.bundles, 1);
	cr_assert(exists("checkpoint"));
	cr_assert_eq(file_size("tile/0/000.p/1"), 32);
	cr_assert(exists("tile/entries/000.p/1"));
	cr_assert_eq(count_files(), 3);
	check_size(1, true);
}

Test(tiles, size_255)
{
	grow(255);
	publish();
	cr_assert_eq(file_size("tile/0/000.p/255"), 255 * 32);
	cr_assert(exists("tile/entries/000.p/255"));
	cr_assert_eq(count_files(), 3);
	check_size(255, true);
}

Test(tiles, size_256)
{
	grow(256);
	publish();
	/* A full level 0 tile and a level 1 tile of width 1 (the spec's
	 * example); no partial level 0 tile. */
	cr_assert_eq(file_size("tile/0/000"), 8192);
	cr_assert_eq(file_size("tile/1/000.p/1"), 32);
	cr_assert(exists("tile/entries/000"));
	cr_assert_eq(count_files(), 4);
	check_size(256, true);
}

Test(tiles, size_257_and_513)
{
	grow(257);
	publish();
	cr_assert(exists("tile/0/000"));
	cr_assert(exists("tile/0/001.p/1"));
	cr_assert(exists("tile/entries/001.p/1"));
	cr_assert(exists("tile/1/000.p/1"));
	cr_assert_eq(count_files(), 6);
	check_size(257, true);
	grow(513);
	publish();
	cr_assert(exists("tile/0/001"));
	cr_assert(exists("tile/0/002.p/1"));
	cr_assert(exists("tile/1/000.p/2"));
	check_size(513, true);
}

Test(tiles, size_65537, .timeout = 600)
{
	mledger_tiles_stats st;

	grow(65537);
	st = publish();
	/* 256 full level 0 tiles and one of width 1, one full level 1 tile,
	 * and a level 2 tile of width 1. */
	cr_assert_eq(st.tiles, 256 + 1 + 1 + 1);
	cr_assert_eq(st.bundles, 257);
	cr_assert(exists("tile/0/255"));
	cr_assert(exists("tile/0/256.p/1"));
	cr_assert(exists("tile/entries/256.p/1"));
	cr_assert(exists("tile/1/000"));
	cr_assert(exists("tile/2/000.p/1"));
	cr_assert(!exists("tile/1/001.p/1"));
	check_size(65537, false);
}

/* ---- incremental ------------------------------------------------------------ */

Test(tiles, incremental)
{
	mledger_tiles_stats st;
	struct stat before, after;
	char p[8192], *note = NULL;
	uint64_t size;

	grow(300);
	st = publish();
	cr_assert_eq(st.old_size, 0);
	cr_assert_eq(st.tiles, 3);      /* 0/000, 0/001.p/44, 1/000.p/1 */
	cr_assert_eq(st.bundles, 2);
	snprintf(p, sizeof(p), "%s/tile/0/000", out);
	cr_assert_eq(stat(p, &before), 0);

	/* The same checkpoint again: nothing at all is written. */
	cr_assert_eq(mledger_checkpoint_latest(&note, &size, ledger), 0);
	cr_assert_eq(size, 300);
	cr_assert_eq(mledger_tiles_write(&st, ledger, out, note, strlen(note)), 0);
	cr_assert_eq(st.old_size, 300);
	cr_assert(!st.checkpoint);
	cr_assert_eq(st.tiles + st.bundles + st.bytes, 0);
	free(note);

	/* One more entry: only the partial level 0 tile and bundle. */
	grow(301);
	st = publish();
	cr_assert_eq(st.old_size, 300);
	cr_assert_eq(st.tiles, 1);
	cr_assert_eq(st.bundles, 1);
	cr_assert(st.checkpoint);
	cr_assert(exists("tile/0/001.p/45"));
	cr_assert(exists("tile/0/001.p/44"));  /* kept for older readers */
	cr_assert_eq(stat(p, &after), 0);
	cr_assert_eq(after.st_ino, before.st_ino, "a full tile was rewritten");
	cr_assert_eq(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);

	/* To 512: full tile 1 completes, level 1 grows to width 2. */
	grow(512);
	st = publish();
	cr_assert_eq(st.tiles, 2);
	cr_assert_eq(st.bundles, 1);
	cr_assert(exists("tile/0/001"));
	cr_assert(exists("tile/1/000.p/2"));
	check_size(512, true);
}

Test(tiles, needs_a_checkpoint_of_this_ledger)
{
	char *note = NULL, *other_note = NULL;
	mledger_tiles_stats st;
	fx_actor op2 = {"operator", fx_key(9), 1};
	char *dir2 = fx_tmpdir();
	mledger_ledger *l2 = fx_ledger(dir2, &op2);
	uint64_t size;

	cr_assert_eq(mledger_checkpoint_latest(&note, &size, ledger),
		     MLEDGER_ENOTFOUND);
	/* Same origin, another operator: its signature does not open. */
	cr_assert_eq(mledger_checkpoint_make(&other_note, l2, op2.key), 0);
	cr_assert_eq(mledger_tiles_write(&st, ledger, out, other_note,
					 strlen(other_note)), MLEDGER_EBADSIG);
	cr_assert_eq(count_files(), 0);
	/* An older checkpoint than the one already published: refused. */
	grow(2);
	cr_assert_eq(mledger_checkpoint_make(&note, ledger, op.key), 0);
	grow(3);
	publish();
	cr_assert_eq(mledger_tiles_write(&st, ledger, out, note, strlen(note)),
		     MLEDGER_EINVAL);
	free(note);
	free(other_note);
	mledger_ledger_close(l2);
	mledger_key_free(op2.key);
	fx_rmdir(dir2);
}

/* ---- tampering ----------------------------------------------------------- */

static void flip(const char *rel, long at)
{
	char p[8192];
	FILE *f;
	int c;

	snprintf(p, sizeof(p), "%s/%s", out, rel);
	f = fopen(p, "r+b");
	cr_assert_not_null(f, "%s", p);
	if (at < 0) {
		fseek(f, 0, SEEK_END);
		at += ftell(f);
	}
	fseek(f, at, SEEK_SET);
	c = fgetc(f);
	fseek(f, at, SEEK_SET);
	fputc(c ^ 0x01, f);
	fclose(f);
}

/* Open under the operator's key (opening by the genesis key already
 * proves entry 0 through the tiles), then verify: it must fail. */
static int verify_fails(mledger_verify_result *res)
{
	mledger_tiles_open_opts o = MLEDGER_TILES_OPEN_OPTS_INIT;
	mledger_tiles *t = NULL;
	int err;

	o.key = op.key;
	cr_assert_eq(mledger_tiles_open(&t, out, &o), 0, "%s",
		     mledger_error_last());
	err = mledger_tiles_verify(res, t, NULL);

	mledger_tiles_free(t);
	cr_assert(err < 0);
	cr_assert(res->failed);
	return err;
}

Test(tiles, tampered_tile)
{
	mledger_verify_result res;
	mledger_tiles *t = NULL;

	grow(300);
	publish();
	flip("tile/0/001.p/44", 32 * 3 + 5);
	/* Opened by the genesis key, entry 0's proof crosses this tile. */
	cr_assert_eq(mledger_tiles_open(&t, out, NULL), MLEDGER_ECHAIN);
	cr_assert(strstr(mledger_error_last(), "entry 0: inclusion proof") != NULL);
	cr_assert_eq(verify_fails(&res), MLEDGER_ECHAIN);
	cr_assert(strstr(mledger_error_last(), "tile/0/001.p/44: hash 3") != NULL,
		  "%s", mledger_error_last());
	cr_assert_eq(res.bad_seq, 259);
}

Test(tiles, tampered_level1_tile)
{
	mledger_verify_result res;

	grow(300);
	publish();
	flip("tile/1/000.p/1", 0);
	cr_assert_eq(verify_fails(&res), MLEDGER_ECHAIN);
	cr_assert(strstr(mledger_error_last(), "tile/1/000.p/1") != NULL);
}

Test(tiles, tampered_entry)
{
	mledger_verify_result res;

	grow(300);
	publish();
	/* The last byte of the last entry: its time, under no signature. */
	flip("tile/entries/001.p/44", -1);
	verify_fails(&res);
	cr_assert_eq(res.bad_seq, 299, "%s", mledger_error_last());
	/* And a byte in the middle of an earlier entry's signed event. */
	flip("tile/entries/001.p/44", -1);
	flip("tile/entries/000", 4000);
	verify_fails(&res);
	cr_assert_lt(res.bad_seq, 256);
}

Test(tiles, truncated_and_missing_files)
{
	mledger_verify_result res;
	char p[8192];

	grow(300);
	publish();
	snprintf(p, sizeof(p), "%s/tile/0/000", out);
	cr_assert_eq(truncate(p, 8191), 0);
	cr_assert_eq(verify_fails(&res), MLEDGER_EFORMAT);
	cr_assert(strstr(mledger_error_last(), "tile/0/000: 8191 bytes") != NULL,
		  "%s", mledger_error_last());
	snprintf(p, sizeof(p), "%s/tile/entries/001.p/44", out);
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(verify_fails(&res), MLEDGER_ENOTFOUND);
	cr_assert_eq(res.bad_seq, 256);
}

Test(tiles, tampered_checkpoint)
{
	mledger_tiles *t = NULL;
	mledger_tiles_open_opts o = MLEDGER_TILES_OPEN_OPTS_INIT;
	mledger_key *other = fx_key(7);
	char *vkey = NULL;

	grow(10);
	publish();
	/* The operator's key, given: opens. Another key: refused. */
	o.key = op.key;
	cr_assert_eq(mledger_tiles_open(&t, out, &o), 0, "%s", mledger_error_last());
	cr_assert(!mledger_tiles_key_from_genesis(t));
	mledger_tiles_free(t);
	t = NULL;
	cr_assert_eq(mledger_note_vkey(&vkey, "test.example/ledger", other), 0);
	o.key = NULL;
	o.vkey = vkey;
	cr_assert_eq(mledger_tiles_open(&t, out, &o), MLEDGER_EBADSIG);
	cr_assert_null(t);
	free(vkey);
	mledger_key_free(other);
	/* A changed origin line: the signature no longer holds. */
	flip("checkpoint", 0);
	cr_assert_eq(mledger_tiles_open(&t, out, NULL), MLEDGER_EBADSIG);
	cr_assert(strstr(mledger_error_last(), "checkpoint") != NULL, "%s",
		  mledger_error_last());
}

Test(tiles, checkpoint_of_another_log_by_the_genesis_key)
{
	mledger_tiles *t = NULL;

	grow(10);
	publish();
	/* Replace entry 0 in bundle 0 by garbage of the same length: the
	 * genesis entry no longer decodes, so no key can be found. */
	flip("tile/entries/000.p/10", 10);
	cr_assert(mledger_tiles_open(&t, out, NULL) < 0);
	cr_assert_null(t);
}
