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

enum {
	OPT_THREADS = OPT_FIRST_LOCAL,
	OPT_SINCE,
};

/*
 * Read and open a checkpoint under the operator's verifier key; its origin
 * must be this ledger's. Prints its own error and returns an exit code.
 */
static int load_checkpoint(mledger_checkpoint *cp, mledger_ledger *ledger,
			   const char *path)
{
	uint8_t *data = NULL;
	char *vkey = NULL, *text = NULL;
	size_t len;
	int err, rc;

	if ((rc = cli_read_file(&data, &len, path, MLEDGER_NOTE_MAX)) != CLI_OK)
		return rc;
	if ((err = mledger_ledger_vkey(&vkey, ledger)) < 0 ||
	    (err = mledger_note_open(&text, (const char *)data, len, vkey)) < 0 ||
	    (err = mledger_checkpoint_parse(cp, text)) < 0) {
		rc = cli_lib_error(err, path);
		goto done;
	}
	if (strcmp(cp->origin, mledger_ledger_origin(ledger)) != 0) {
		cli_error("%s: a checkpoint of %s, not of this ledger (%s)", path,
			  cp->origin, mledger_ledger_origin(ledger));
		rc = CLI_REJECTED;
	}
done:
	free(text);
	free(vkey);
	free(data);
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

/* mledger verify [--since CHECKPOINT] [--threads N] [--json] */
int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"threads", required_argument, NULL, OPT_THREADS},
		{"since", required_argument, NULL, OPT_SINCE},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	mledger_verify_opts vopts = MLEDGER_VERIFY_OPTS_INIT;
	mledger_verify_result res = {0, false, 0};
	mledger_ledger *ledger = NULL;
	struct cli_progress progress;
	mledger_checkpoint cp;
	const char *since = NULL;
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
		default:
			return CLI_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
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
