/*
 * mledger tiles DIR: write the ledger into DIR as static C2SP tlog-tiles
 * (proto/tiles.md), so any web server or CDN can serve it to auditors, who
 * check it with `mledger verify --tiles`. The tiles are cut at a signed
 * checkpoint: the latest one made if it covers the whole ledger, otherwise
 * a new one signed with --key. Re-runs write only what is new.
 */
#include "common.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/*
 * The checkpoint to publish (*note malloc'd): the latest stored one if it
 * covers the head, else a new one signed with key_path
 * (mledger_checkpoint_covering). Prints its own error and returns an exit
 * code.
 */
static int pick_checkpoint(char **note, mledger_ledger *ledger,
			   const char *key_path)
{
	mledger_key *key = NULL;
	uint64_t size;
	int err, rc = CLI_OK;

	if (key_path != NULL &&
	    (rc = cli_load_key(&key, key_path, true)) != CLI_OK)
		return rc;
	if ((err = mledger_checkpoint_covering(note, &size, ledger, key)) < 0)
		rc = cli_lib_error(err, "tiles");
	mledger_key_free(key);
	return rc;
}

/* mledger tiles DIR [--key OPERATOR_KEY] [--json] */
int cmd_tiles(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, OPT_KEY},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	const char *key_path = NULL, *dir;
	mledger_ledger *ledger = NULL;
	mledger_tiles_stats st;
	char *note = NULL;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_KEY:
			key_path = optarg;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("expected one DIR");
	dir = argv[optind];
	/* Signing a new checkpoint stores it: that needs a writable ledger. */
	if ((rc = cli_open_ledger(&ledger, key_path == NULL)) != CLI_OK)
		return rc;
	if ((rc = pick_checkpoint(&note, ledger, key_path)) != CLI_OK)
		goto done;
	if ((err = mledger_tiles_write(&st, ledger, dir, note,
				       strlen(note))) < 0) {
		rc = cli_lib_error(err, dir);
		goto done;
	}
	if (cli.json)
		rc = cli_print_json(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:b}",
			"dir", dir, "size", (json_int_t)st.size,
			"old_size", (json_int_t)st.old_size,
			"tiles", (json_int_t)st.tiles,
			"bundles", (json_int_t)st.bundles,
			"bytes", (json_int_t)st.bytes,
			"checkpoint", st.checkpoint));
	else if (!st.checkpoint)
		printf("%s: already at tree size %" PRIu64 "; nothing written\n",
		       dir, st.size);
	else
		printf("%s: tree size %" PRIu64 " (was %" PRIu64 "): %" PRIu64 " hash tiles, %" PRIu64 " entry bundles and the checkpoint written, %" PRIu64 " bytes\n",
		       dir, st.size, st.old_size, st.tiles, st.bundles,
		       st.bytes);
done:
	free(note);
	mledger_ledger_close(ledger);
	return rc;
}
