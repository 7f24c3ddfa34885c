/*
 * mledger export and mledger audit: bundles (proto/bundles.md). `export`
 * writes everything needed to judge one lot into one file; `audit` judges
 * such a file with nothing but the operator's key, then prints the lot's
 * provenance tree and share report exactly as `trace` and `share` print
 * them on the ledger. Audit needs no ledger and never opens one.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
	OPT_TRUST = OPT_FIRST_LOCAL,
	OPT_LOT,
	OPT_FORMAT,
	OPT_THREADS,
	OPT_TILES,
};

/* mledger export LOT [-o BUNDLE] [--key OPERATOR_KEY] */
int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, OPT_KEY},
		{"output", required_argument, NULL, 'o'},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	const char *key_path = NULL, *out = NULL, *lot;
	mledger_ledger *ledger = NULL;
	mledger_key *key = NULL;
	uint8_t *bundle = NULL;
	size_t len = 0;
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
	if (optind >= argc)
		return cli_missing("LOT");
	if (optind + 1 < argc)
		return cli_usage_error("unexpected argument '%s'",
				       argv[optind + 1]);
	lot = argv[optind];
	if (key_path != NULL &&
	    (rc = cli_load_key(&key, key_path, true)) != CLI_OK)
		return rc;
	/* Only making a checkpoint writes to the ledger. */
	if ((rc = cli_open_ledger(&ledger, key == NULL)) != CLI_OK)
		goto done;
	if ((err = mledger_bundle_export(&bundle, &len, ledger, lot, key)) < 0) {
		rc = cli_lib_error(err, "export");
		goto done;
	}
	rc = cli_write_output(out, bundle, len);
done:
	free(bundle);
	mledger_ledger_close(ledger);
	mledger_key_free(key);
	return rc;
}

/*
 * --trust: a key file (PEM, as `mledger key new` writes), a file holding a
 * verifier key (as `mledger vkey` prints), or a verifier key itself.
 */
static int load_trust(mledger_audit_opts *o, mledger_key **key, char **vkey,
		      const char *arg)
{
	struct stat st;
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	if (stat(arg, &st) != 0) {
		if (strchr(arg, '+') == NULL)
			return cli_usage_error("--trust '%s': no such file, and not a verifier key NAME+KEYID+BASE64",
					       arg);
		o->trust_vkey = arg;
		return CLI_OK;
	}
	if ((rc = cli_read_file(&data, &len, arg, 64 * 1024)) != CLI_OK)
		return rc;
	/* A verifier key file: one line with no PEM armour. */
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len > 0 && memchr(data, '+', len) != NULL &&
	    memchr(data, '\n', len) == NULL && memchr(data, '\0', len) == NULL &&
	    memcmp(data, "-----", len < 5 ? len : 5) != 0) {
		if ((*vkey = malloc(len + 1)) == NULL) {
			free(data);
			cli_error("out of memory");
			return CLI_STORAGE;
		}
		memcpy(*vkey, data, len);
		(*vkey)[len] = '\0';
		o->trust_vkey = *vkey;
		free(data);
		return CLI_OK;
	}
	free(data);
	if ((rc = cli_load_key(key, arg, false)) != CLI_OK)
		return rc;
	o->trust_key = *key;
	return CLI_OK;
}

/* The first line of an audit: what was checked, for a person to paste. */
static void print_summary(const mledger_audit_summary *s)
{
	char root[2 * MLEDGER_HASH_BYTES + 1];

	mledger_hex(root, s->root, MLEDGER_HASH_BYTES);
	printf("audit ok: lot %s, %llu entries proved and %llu signatures checked against checkpoint %s size %llu root %s",
	       s->lot, (unsigned long long)s->entries,
	       (unsigned long long)s->signatures, s->origin,
	       (unsigned long long)s->size, root);
	if (s->served_size > 0)
		printf("; every entry also proved into the served log of %llu entries",
		       (unsigned long long)s->served_size);
	if (s->partial > 0)
		printf("; %llu transform%s also consumed lots outside the bundle and %s checked for the lots in it only",
		       (unsigned long long)s->partial, s->partial == 1 ? "" : "s",
		       s->partial == 1 ? "was" : "were");
	printf("\n");
}

static json_t *summary_json(const mledger_audit_summary *s)
{
	char root[2 * MLEDGER_HASH_BYTES + 1];

	mledger_hex(root, s->root, MLEDGER_HASH_BYTES);
	return json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:o}",
			 "lot", s->lot, "origin", s->origin,
			 "size", (json_int_t)s->size, "root", root,
			 "entries", (json_int_t)s->entries,
			 "signatures", (json_int_t)s->signatures,
			 "partial", (json_int_t)s->partial,
			 "lots", (json_int_t)s->lots,
			 "served_size", s->served_size > 0
				? json_integer((json_int_t)s->served_size)
				: json_null());
}

/* Print text the library rendered, ending it with one newline. */
static void print_rendered(const char *text)
{
	size_t n = strlen(text);

	fputs(text, stdout);
	if (n == 0 || text[n - 1] != '\n')
		fputc('\n', stdout);
}

static int print_report(const mledger_audit *audit,
			const mledger_share_report *report, bool json)
{
	char *trace = NULL, *share = NULL;
	json_t *obj, *tj, *sj;
	int err, rc = CLI_OK;

	if ((err = mledger_trace_render(&trace, mledger_audit_trace(audit),
					json ? MLEDGER_TRACE_JSON
					     : MLEDGER_TRACE_TREE)) < 0 ||
	    (err = mledger_share_render(&share, report, json)) < 0) {
		rc = cli_lib_error(err, "audit");
		goto done;
	}
	if (!json) {
		print_summary(mledger_audit_summary_of(audit));
		print_rendered(trace);
		fputc('\n', stdout);
		print_rendered(share);
		goto done;
	}
	tj = json_loads(trace, 0, NULL);
	sj = json_loads(share, 0, NULL);
	obj = json_pack("{s:o, s:o*, s:o*}", "audit",
			summary_json(mledger_audit_summary_of(audit)),
			"trace", tj, "share", sj);
	if (tj == NULL || sj == NULL) {
		json_decref(obj);
		cli_error("audit: the report is not valid JSON");
		rc = CLI_STORAGE;
		goto done;
	}
	if ((err = cli_print_json(obj)) < 0)
		rc = cli_lib_error(err, "audit");
done:
	free(trace);
	free(share);
	return rc;
}

/* mledger audit BUNDLE --trust KEY [--lot ID] [--policy NAME | --policy-file F]
 *                     [--year Y] [--date D] [--format tree|json]
 *                     [--tiles DIR] [--json] */
int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{"trust", required_argument, NULL, OPT_TRUST},
		{"lot", required_argument, NULL, OPT_LOT},
		CLI_SHARE_OPTIONS,
		{"format", required_argument, NULL, OPT_FORMAT},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"tiles", required_argument, NULL, OPT_TILES},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	mledger_audit_opts ao = MLEDGER_AUDIT_OPTS_INIT;
	struct cli_share_args sa = CLI_SHARE_ARGS_INIT;
	mledger_share_report *report = NULL;
	mledger_policy *policy = NULL;
	mledger_audit *audit = NULL;
	mledger_key *key = NULL;
	mledger_tiles_open_opts to = MLEDGER_TILES_OPEN_OPTS_INIT;
	const char *trust = NULL, *tiles = NULL;
	char *vkey = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	uint64_t threads;
	bool json = false;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_TRUST:
			trust = optarg;
			break;
		case OPT_LOT:
			ao.lot = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "tree") != 0)
				return cli_usage_error("bad --format '%s': expected tree or json",
						       optarg);
			break;
		case OPT_THREADS:
			if (cli_parse_u64(&threads, optarg, "--threads"))
				return CLI_USAGE;
			if (threads == 0 || threads > 1024)
				return cli_usage_error("bad --threads '%s': expected 1 to 1024",
						       optarg);
			ao.threads = (unsigned)threads;
			break;
		case OPT_TILES:
			tiles = optarg;
			break;
		default:
			if (cli_share_option(&sa, c, optarg) != CLI_OK)
				return CLI_USAGE;
		}
	}
	if (optind >= argc)
		return cli_missing("BUNDLE");
	if (optind + 1 < argc)
		return cli_usage_error("unexpected argument '%s'",
				       argv[optind + 1]);
	if (trust == NULL)
		return cli_missing("--trust");
	json = json || cli.json;
	if ((rc = load_trust(&ao, &key, &vkey, trust)) != CLI_OK ||
	    (rc = cli_share_policy(&policy, &sa)) != CLI_OK ||
	    (rc = cli_read_file(&data, &len, argv[optind],
				MLEDGER_BUNDLE_MAX)) != CLI_OK)
		goto done;
	/* The served log is opened under the same trusted key. */
	to.vkey = ao.trust_vkey;
	to.key = ao.trust_key;
	if (tiles != NULL &&
	    (err = mledger_tiles_open(&ao.tiles, tiles, &to)) < 0) {
		rc = cli_lib_error(err, tiles);
		goto done;
	}
	if ((err = mledger_bundle_audit(&audit, data, len, &ao)) < 0 ||
	    (err = mledger_share_compute(&report, mledger_audit_trace(audit),
					 policy, &sa.opts)) < 0) {
		rc = cli_lib_error(err, "audit");
		goto done;
	}
	rc = print_report(audit, report, json);
done:
	mledger_share_report_free(report);
	mledger_audit_free(audit);
	mledger_tiles_free(ao.tiles);
	mledger_policy_free(policy);
	mledger_key_free(key);
	free(vkey);
	free(data);
	return rc;
}
