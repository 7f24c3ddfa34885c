/*
 * mledger verify: check the whole ledger from entry 0 (encodings, sequence
 * numbers and the hash chain, every signature against the key valid at its
 * entry, every rule replayed, and the stored state against the replay). It
 * is the command an auditor runs, so it says in one line either that all
 * of it holds or which entry is the first that does not and why.
 */
#include "common.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_THREADS = OPT_FIRST_LOCAL,
	OPT_SINCE,
	OPT_TILES,
	OPT_TRUST,
};

/*
 * Read a checkpoint and open it under vkey; its origin must be origin.
 * Prints its own error and returns an exit code.
 */
static int open_checkpoint(mledger_checkpoint *cp, const char *path,
			   const char *vkey, const char *origin)
{
	uint8_t *data = NULL;
	char *text = NULL;
	size_t len;
	int err, rc;

	if ((rc = cli_read_file(&data, &len, path, MLEDGER_NOTE_MAX)) != CLI_OK)
		return rc;
	if ((err = mledger_note_open(&text, (const char *)data, len, vkey)) < 0 ||
	    (err = mledger_checkpoint_parse(cp, text)) < 0) {
		rc = cli_lib_error(err, path);
		goto done;
	}
	if (strcmp(cp->origin, origin) != 0) {
		cli_error("%s: a checkpoint of %s, not of this log (%s)", path,
			  cp->origin, origin);
		rc = CLI_REJECTED;
	}
done:
	free(text);
	free(data);
	return rc;
}

/* The same under the operator's verifier key, for this ledger. */
static int load_checkpoint(mledger_checkpoint *cp, mledger_ledger *ledger,
			   const char *path)
{
	char *vkey = NULL;
	int err, rc;

	if ((err = mledger_ledger_vkey(&vkey, ledger)) < 0)
		return cli_lib_error(err, path);
	rc = open_checkpoint(cp, path, vkey, mledger_ledger_origin(ledger));
	free(vkey);
	return rc;
}

/* The library's message names the entry too: say it once. */
static const char *without_entry_prefix(const char *msg, uint64_t seq)
{
	char prefix[48];
	int n;

	n = snprintf(prefix, sizeof(prefix), "entry %" PRIu64 ": ", seq);
	if (n > 0 && strncmp(msg, prefix, (size_t)n) == 0)
		return msg + n;
	return msg;
}

/*
 * verify --tiles DIR: the log served as static tiles, with no ledger. The
 * checkpoint is trusted under --trust (a public key file or a C2SP vkey),
 * else under the operator key the genesis entry names, and the output says
 * which. With --since, an earlier checkpoint opened under the same key
 * must be a prefix of the served tree: the auditor's daily run.
 */
static int verify_tiles(const char *dir, const char *trust, const char *since,
			mledger_verify_opts *vopts)
{
	mledger_checkpoint old;
	mledger_tiles_open_opts topts = MLEDGER_TILES_OPEN_OPTS_INIT;
	mledger_verify_result res = {0, false, 0};
	mledger_tiles *tiles = NULL;
	mledger_key *key = NULL;
	struct cli_progress progress;
	int err, rc = CLI_OK;

	if (trust != NULL && access(trust, F_OK) == 0) {
		if ((rc = cli_load_key(&key, trust, false)) != CLI_OK)
			return rc;
		topts.key = key;
	} else if (trust != NULL) {
		if (strchr(trust, '+') == NULL) {
			rc = cli_usage_error("--trust '%s': neither a key file nor a vkey",
					     trust);
			goto done;
		}
		topts.vkey = trust;
	}
	if ((err = mledger_tiles_open(&tiles, dir, &topts)) < 0) {
		rc = cli_lib_error(err, dir);
		goto done;
	}
	if (since != NULL) {
		if ((rc = open_checkpoint(&old, since, mledger_tiles_vkey(tiles),
				mledger_tiles_checkpoint(tiles)->origin)) != CLI_OK)
			goto done;
		vopts->trusted_size = old.size;
		memcpy(vopts->trusted_root, old.root, sizeof(old.root));
	}
	cli_progress_start(&progress, "verifying");
	vopts->progress = cli_progress_cb;
	vopts->progress_ctx = &progress;
	err = mledger_tiles_verify(&res, tiles, vopts);
	cli_progress_end(&progress);
	if (err < 0 && !res.failed) {
		rc = cli_lib_error(err, "verify");
		goto done;
	}
	if (cli.json) {
		json_t *j = json_pack("{s:b, s:I, s:s, s:s}", "ok", err == 0,
			"entries", (json_int_t)res.entries,
			"vkey", mledger_tiles_vkey(tiles),
			"trusted", mledger_tiles_key_from_genesis(tiles) ?
				   "genesis" : "given");

		if (err < 0) {
			json_object_set_new(j, "bad_seq",
					    json_integer((json_int_t)res.bad_seq));
			json_object_set_new(j, "code",
					    json_string(mledger_strerror(err)));
			json_object_set_new(j, "error",
					    json_string(mledger_error_last()));
		}
		rc = cli_print_json(j);
		if (rc == CLI_OK && err < 0)
			rc = CLI_REJECTED;
		goto done;
	}
	if (err < 0) {
		cli_error("verify failed: %s", mledger_error_last());
		rc = CLI_REJECTED;
		goto done;
	}
	printf("verified %" PRIu64 " entries from the tiles in %s: hash chain, signatures, rules, hash tiles and checkpoint root OK\n",
	       res.entries, dir);
	printf("checkpoint signed by %s (%s)\n", mledger_tiles_vkey(tiles),
	       mledger_tiles_key_from_genesis(tiles)
	       ? "the operator key named by the genesis entry: pass --trust to pin it"
	       : "the trusted key");
	if (since != NULL)
		printf("consistent with the checkpoint of %" PRIu64 " entries in %s; signatures checked from entry %" PRIu64 " on\n",
		       old.size, since, old.size);
done:
	mledger_tiles_free(tiles);
	mledger_key_free(key);
	return rc;
}

/* mledger verify [--since CHECKPOINT] [--tiles DIR [--trust KEY]] ... */
int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"threads", required_argument, NULL, OPT_THREADS},
		{"since", required_argument, NULL, OPT_SINCE},
		{"tiles", required_argument, NULL, OPT_TILES},
		{"trust", required_argument, NULL, OPT_TRUST},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	mledger_verify_opts vopts = MLEDGER_VERIFY_OPTS_INIT;
	mledger_verify_result res = {0, false, 0};
	mledger_ledger *ledger = NULL;
	struct cli_progress progress;
	mledger_checkpoint cp;
	const char *since = NULL, *tiles = NULL, *trust = NULL;
	uint64_t threads;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_THREADS:
			if (cli_parse_u64(&threads, optarg, "--threads"))
				return CLI_USAGE;
			if (threads == 0 || threads > 1024)
				return cli_usage_error("bad --threads '%s': expected 1..1024",
						       optarg);
			vopts.threads = (unsigned int)threads;
			break;
		case OPT_SINCE:
			since = optarg;
			break;
		case OPT_TILES:
			tiles = optarg;
			break;
		case OPT_TRUST:
			trust = optarg;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (trust != NULL && tiles == NULL)
		return cli_usage_error("--trust goes with --tiles");
	if (tiles != NULL)
		return verify_tiles(tiles, trust, since, &vopts);
	if ((rc = cli_open_ledger(&ledger, true)) != CLI_OK)
		return rc;
	if (since != NULL) {
		if ((rc = load_checkpoint(&cp, ledger, since)) != CLI_OK)
			goto done;
		vopts.trusted_size = cp.size;
		memcpy(vopts.trusted_root, cp.root, sizeof(cp.root));
	}

	cli_progress_start(&progress, "verifying");
	vopts.progress = cli_progress_cb;
	vopts.progress_ctx = &progress;
	err = mledger_verify(&res, ledger, &vopts);
	cli_progress_end(&progress);

	if (err == 0) {
		if (cli.json)
			rc = cli_print_json(json_pack("{s:b, s:I}", "ok", 1,
						      "entries",
						      (json_int_t)res.entries));
		else
			printf("verified %" PRIu64 " entries: hash chain, signatures, rules and state OK\n",
			       res.entries);
		if (!cli.json && since != NULL)
			printf("consistent with the checkpoint of %" PRIu64 " entries in %s; signatures checked from entry %" PRIu64 " on\n",
			       cp.size, since, cp.size);
		goto done;
	}
	if (!res.failed) {
		/* Verification could not run to the end: not a verdict. */
		rc = cli_lib_error(err, "verify");
		goto done;
	}
	if (cli.json) {
		rc = cli_print_json(json_pack("{s:b, s:I, s:I, s:s, s:s}",
					      "ok", 0,
					      "entries", (json_int_t)res.entries,
					      "bad_seq", (json_int_t)res.bad_seq,
					      "code", mledger_strerror(err),
					      "error", mledger_error_last()));
		if (rc == CLI_OK)
			rc = CLI_REJECTED;
	} else {
		cli_error("verify failed at entry %" PRIu64 ": %s", res.bad_seq,
			  without_entry_prefix(mledger_error_last(), res.bad_seq));
		rc = CLI_REJECTED;
	}
done:
	mledger_ledger_close(ledger);
	return rc;
}
