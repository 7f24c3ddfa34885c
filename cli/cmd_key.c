/*
 * mledger key new|show: generate a signing key pair into PEM files and show
 * what a key file holds. The private half is written with mode 0600 and
 * neither file is ever overwritten, so a slip of the command line cannot
 * destroy the only copy of a key an actor is enrolled with.
 */
#include "common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	OPT_ALG = OPT_FIRST_LOCAL,
};

/* Refuse early when path exists, so no half of a pair gets written. */
static int check_absent(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0) {
		cli_error("%s already exists; refusing to overwrite a key file",
			  path);
		return CLI_STORAGE;
	}
	if (errno != ENOENT) {
		cli_error("cannot create %s: %s", path, strerror(errno));
		return CLI_STORAGE;
	}
	return CLI_OK;
}

/* mledger key new FILE [--alg ed25519|p256] */
int cmd_key_new(int argc, char **argv)
{
	static const struct option opts[] = {
		{"alg", required_argument, NULL, OPT_ALG},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	mledger_alg alg = MLEDGER_ALG_ED25519;
	mledger_key *key = NULL;
	uint8_t kid[MLEDGER_KID_BYTES];
	char kidhex[2 * MLEDGER_KID_BYTES + 1];
	char *pubpath = NULL;
	const char *path;
	size_t n;
	int c, err, rc = CLI_OK;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_ALG:
			if (mledger_alg_parse(&alg, optarg) < 0)
				return cli_usage_error("unknown --alg '%s': expected ed25519 or p256",
						       optarg);
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (optind >= argc)
		return cli_missing("FILE (where to write the private key)");
	if (optind + 1 < argc)
		return cli_usage_error("unexpected argument '%s'",
				       argv[optind + 1]);
	path = argv[optind];

	n = strlen(path) + sizeof(".pub");
	pubpath = malloc(n);
	if (pubpath == NULL) {
		cli_error("out of memory");
		return CLI_STORAGE;
	}
	snprintf(pubpath, n, "%s.pub", path);
	if ((rc = check_absent(path)) != CLI_OK ||
	    (rc = check_absent(pubpath)) != CLI_OK)
		goto done;

	if ((err = mledger_key_generate(&key, alg)) < 0 ||
	    (err = mledger_key_id(kid, key)) < 0) {
		rc = cli_lib_error(err, NULL);
		goto done;
	}
	if ((err = mledger_key_save_private(key, path)) < 0) {
		rc = err == MLEDGER_EEXISTS ? CLI_STORAGE : cli_exit_code(err);
		cli_error("%s", mledger_error_last());
		goto done;
	}
	if ((err = mledger_key_save_public(key, pubpath)) < 0) {
		/* Do not leave a private key without its public half. */
		cli_error("%s", mledger_error_last());
		unlink(path);
		rc = err == MLEDGER_EEXISTS ? CLI_STORAGE : cli_exit_code(err);
		goto done;
	}
	mledger_hex(kidhex, kid, sizeof(kid));
	if (cli.json)
		rc = cli_print_json(json_pack("{s:s, s:s, s:s, s:s}",
					      "alg", mledger_alg_name(alg),
					      "kid", kidhex,
					      "private", path,
					      "public", pubpath));
	else
		printf("%s\n", kidhex);
done:
	mledger_key_free(key);
	free(pubpath);
	return rc;
}

/*
 * The C2SP vkey of key under the ledger's origin: name is --origin, else
 * the origin of the ledger at --ledger / $MLEDGER_DIR, so an operator can
 * print the key auditors should trust with or without the ledger at hand.
 */
static int print_vkey(const mledger_key *key, const char *origin,
		      const char *path)
{
	mledger_ledger *ledger = NULL;
	char *vkey = NULL;
	int err, rc;

	if (origin == NULL) {
		if ((rc = cli_open_ledger(&ledger, true)) != CLI_OK)
			return rc;
		origin = mledger_ledger_origin(ledger);
	}
	if ((err = mledger_note_vkey(&vkey, origin, key)) < 0)
		rc = cli_lib_error(err, path);
	else if (cli.json)
		rc = cli_print_json(json_pack("{s:s, s:s}", "origin", origin,
					      "vkey", vkey));
	else
		rc = printf("%s\n", vkey) < 0 ? CLI_STORAGE : CLI_OK;
	free(vkey);
	mledger_ledger_close(ledger);
	return rc;
}

/* mledger key show FILE [--vkey [--origin NAME]] [--json] */
int cmd_key_show(int argc, char **argv)
{
	enum { OPT_VKEY = OPT_FIRST_LOCAL, OPT_ORIGIN };
	static const struct option opts[] = {
		{"vkey", no_argument, NULL, OPT_VKEY},
		{"origin", required_argument, NULL, OPT_ORIGIN},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	mledger_key *key = NULL;
	uint8_t kid[MLEDGER_KID_BYTES];
	char kidhex[2 * MLEDGER_KID_BYTES + 1];
	uint8_t pub[MLEDGER_PUBKEY_MAX];
	char pubhex[2 * MLEDGER_PUBKEY_MAX + 1];
	size_t publen = 0;
	const char *path, *alg, *origin = NULL;
	bool priv, vkey = false;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case OPT_VKEY:
			vkey = true;
			break;
		case OPT_ORIGIN:
			origin = optarg;
			break;
		case CLI_GETOPT_HELP:
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (optind >= argc)
		return cli_missing("FILE (a key file)");
	if (optind + 1 < argc)
		return cli_usage_error("unexpected argument '%s'",
				       argv[optind + 1]);
	if (origin != NULL && !vkey)
		return cli_usage_error("--origin goes with --vkey");
	path = argv[optind];

	if ((rc = cli_load_key(&key, path, false)) != CLI_OK)
		return rc;
	if (vkey) {
		rc = print_vkey(key, origin, path);
		goto done;
	}
	if ((err = mledger_key_id(kid, key)) < 0 ||
	    (err = mledger_key_public(pub, &publen, key)) < 0) {
		rc = cli_lib_error(err, path);
		goto done;
	}
	mledger_hex(kidhex, kid, sizeof(kid));
	mledger_hex(pubhex, pub, publen);
	alg = mledger_alg_name(mledger_key_alg(key));
	priv = mledger_key_has_private(key) != 0;
	if (cli.json) {
		rc = cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:b}",
					      "file", path,
					      "alg", alg ? alg : "unknown",
					      "kid", kidhex,
					      "public", pubhex,
					      "private", priv));
	} else {
		printf("file     %s\n", path);
		printf("alg      %s\n", alg ? alg : "unknown");
		printf("kid      %s\n", kidhex);
		printf("public   %s\n", pubhex);
		printf("private  %s\n", priv ? "yes" : "no");
	}
done:
	mledger_key_free(key);
	return rc;
}
