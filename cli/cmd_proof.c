/*
 * The verifiable-log commands: signed checkpoints, the operator's verifier
 * key, and inclusion and consistency proofs, which anyone can check with the
 * hashes alone (proto/checkpoints.md).
 */
#include "common.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t hash_t[MLEDGER_HASH_BYTES];

/* Print a proof as hex lines, or as JSON with what describes it. */
static int print_proof(json_t *what, const hash_t *proof, size_t n,
		       const uint8_t root[MLEDGER_HASH_BYTES])
{
	char hex[2 * MLEDGER_HASH_BYTES + 1];
	json_t *arr;

	mledger_hex(hex, root, MLEDGER_HASH_BYTES);
	if (!cli.json) {
		printf("root %s\n", hex);
		for (size_t i = 0; i < n; i++) {
			mledger_hex(hex, proof[i], MLEDGER_HASH_BYTES);
			printf("%s\n", hex);
		}
		json_decref(what);
		return CLI_OK;
	}
	json_object_set_new(what, "root", json_string(hex));
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		mledger_hex(hex, proof[i], MLEDGER_HASH_BYTES);
		json_array_append_new(arr, json_string(hex));
	}
	json_object_set_new(what, "proof", arr);
	return cli_print_json(what);
}

static int current_size(uint64_t *size, mledger_ledger *ledger)
{
	uint8_t head[MLEDGER_HASH_BYTES];
	int err = mledger_ledger_head(size, head, ledger);

	return err < 0 ? cli_lib_error(err, NULL) : CLI_OK;
}

/* mledger checkpoint --key OPERATOR_KEY [-o FILE] */
int cmd_checkpoint(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, OPT_KEY},
		{"output", required_argument, NULL, 'o'},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	const char *key_path = NULL, *out = NULL;
	mledger_ledger *ledger = NULL;
	mledger_key *key = NULL;
	char *note = NULL;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":ho:", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_KEY:
			key_path = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (key_path == NULL)
		return cli_missing("--key");
	if ((rc = cli_load_key(&key, key_path, true)) != CLI_OK)
		return rc;
	if ((rc = cli_open_ledger(&ledger, false)) != CLI_OK)
		goto done;
	if ((err = mledger_checkpoint_make(&note, ledger, key)) < 0) {
		rc = cli_lib_error(err, "checkpoint");
		goto done;
	}
	if (out != NULL)
		rc = cli_write_output(out, (const uint8_t *)note, strlen(note));
	else
		fputs(note, stdout);
done:
	free(note);
	mledger_ledger_close(ledger);
	mledger_key_free(key);
	return rc;
}

/* mledger vkey: the operator's verifier key, for auditors to trust. */
int cmd_vkey(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	mledger_ledger *ledger = NULL;
	char *vkey = NULL;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		if (c == CLI_GETOPT_HELP)
			return CLI_OK;
		return CLI_USAGE;
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if ((rc = cli_open_ledger(&ledger, true)) != CLI_OK)
		return rc;
	if ((err = mledger_ledger_vkey(&vkey, ledger)) < 0)
		rc = cli_lib_error(err, "vkey");
	else if (cli.json)
		rc = cli_print_json(json_pack("{s:s}", "vkey", vkey));
	else
		printf("%s\n", vkey);
	free(vkey);
	mledger_ledger_close(ledger);
	return rc;
}

/* mledger prove SEQ [--size N] */
int cmd_prove(int argc, char **argv)
{
	enum { OPT_SIZE = OPT_FIRST_LOCAL };
	static const struct option opts[] = {
		{"size", required_argument, NULL, OPT_SIZE},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	uint8_t root[MLEDGER_HASH_BYTES];
	hash_t *proof = NULL;
	mledger_ledger *ledger = NULL;
	uint64_t seq, size = 0;
	bool has_size = false;
	size_t n;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_SIZE:
			if (cli_parse_u64(&size, optarg, "--size"))
				return CLI_USAGE;
			has_size = true;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("expected one SEQ");
	if (cli_parse_u64(&seq, argv[optind], "SEQ"))
		return CLI_USAGE;
	if ((rc = cli_open_ledger(&ledger, true)) != CLI_OK)
		return rc;
	if (!has_size && (rc = current_size(&size, ledger)) != CLI_OK)
		goto done;
	if (seq >= size) {
		cli_error("no entry %" PRIu64 " in a tree of %" PRIu64 " entries",
			  seq, size);
		rc = CLI_REJECTED;
		goto done;
	}
	if ((err = mledger_prove_inclusion(&proof, &n, ledger, seq, size)) < 0 ||
	    (err = mledger_ledger_root(root, ledger, size)) < 0) {
		rc = cli_lib_error(err, "prove");
		goto done;
	}
	if (!cli.json)
		printf("entry %" PRIu64 " in the tree of %" PRIu64 " entries: %zu hashes\n",
		       seq, size, n);
	rc = print_proof(json_pack("{s:I, s:I}", "seq", (json_int_t)seq,
				   "size", (json_int_t)size),
			 (const hash_t *)proof, n, root);
done:
	free(proof);
	mledger_ledger_close(ledger);
	return rc;
}

/* mledger consistency OLD NEW */
int cmd_consistency(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	uint8_t root[MLEDGER_HASH_BYTES];
	hash_t *proof = NULL;
	mledger_ledger *ledger = NULL;
	uint64_t old_size, new_size;
	size_t n;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		if (c == CLI_GETOPT_HELP)
			return CLI_OK;
		return CLI_USAGE;
	}
	if (optind + 2 != argc)
		return cli_usage_error("expected OLD and NEW tree sizes");
	if (cli_parse_u64(&old_size, argv[optind], "OLD") ||
	    cli_parse_u64(&new_size, argv[optind + 1], "NEW"))
		return CLI_USAGE;
	if ((rc = cli_open_ledger(&ledger, true)) != CLI_OK)
		return rc;
	if ((err = mledger_prove_consistency(&proof, &n, ledger, old_size,
					     new_size)) < 0 ||
	    (err = mledger_ledger_root(root, ledger, new_size)) < 0) {
		rc = cli_lib_error(err, "consistency");
		goto done;
	}
	if (!cli.json)
		printf("tree of %" PRIu64 " entries is a prefix of the tree of %" PRIu64 ": %zu hashes\n",
		       old_size, new_size, n);
	rc = print_proof(json_pack("{s:I, s:I}", "old_size", (json_int_t)old_size,
				   "new_size", (json_int_t)new_size),
			 (const hash_t *)proof, n, root);
done:
	free(proof);
	mledger_ledger_close(ledger);
	return rc;
}
