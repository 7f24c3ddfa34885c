/* Internal side of tiles.h: what the writer, reader and verifier share. */
#ifndef MLEDGER_TILES_INT_H
#define MLEDGER_TILES_INT_H

#include "mledger/tiles.h"

/*
 * Read dir/rel whole (*out malloc'd, *len bytes), refusing more than cap
 * bytes before reading any (the files may come from a web server).
 * ENOTFOUND if the file does not exist, ETOOBIG past cap, EIO otherwise.
 */
int mledger_tiles_read_file(uint8_t **out, size_t *len, const char *dir,
			    const char *rel, size_t cap);

/*
 * Entry bundle index of the checkpoint's tree, read and split into its
 * entries (*out malloc'd with width slots, borrowing from *data, also
 * malloc'd; *width set). ENOTFOUND past the tree's size.
 */
int mledger_tiles_read_bundle(uint8_t **data, mledger_tile_entry **out,
			      unsigned *width, mledger_tiles *tiles,
			      uint64_t index);

/* The directory the tiles were opened from. Borrowed. */
const char *mledger_tiles_dir(const mledger_tiles *tiles);

#endif
