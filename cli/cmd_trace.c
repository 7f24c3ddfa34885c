/*
 * mledger trace and mledger share: a lot's provenance. `trace` builds the
 * ancestry DAG of a lot back to the lots registered at their origin and
 * prints it as an indented tree, JSON or Graphviz dot; `share` computes,
 * over the same DAG, the report of which part of the lot's element content
 * was extracted, processed, recycled or fully sourced in a policy's region,
 * and what passed through a foreign entity of concern. Both are read-only
 * and leave all the work to the library (mledger_trace_*, mledger_share_*);
 * what is here is reading options, choosing the policy and printing. The
 * options of a share report are read here for `audit` too (common.h).
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

enum {
	OPT_FORMAT = OPT_FIRST_LOCAL,
};

/* Print text the library rendered, ending it with one newline. */
static void print_rendered(const char *text)
{
	size_t n = strlen(text);

	fputs(text, stdout);
	if (n == 0 || text[n - 1] != '\n')
		fputc('\n', stdout);
}

/* Build the DAG of lot; prints why not ("no lot X") and returns exit code. */
static int build_trace(mledger_trace **out, mledger_ledger **ledger,
		       const char *lot)
{
	int err, rc;

	if ((rc = cli_open_ledger(ledger, true)) != CLI_OK)
		return rc;
	if ((err = mledger_trace_build(out, *ledger, lot)) < 0)
		return cli_lib_error(err, NULL);
	return CLI_OK;
}

/* The one positional LOT after the options; exit code on failure. */
static int positional_lot(const char **lot, int argc, char **argv)
{
	if (optind >= argc)
		return cli_missing("LOT");
	if (optind + 1 < argc)
		return cli_usage_error("unexpected argument '%s'",
				       argv[optind + 1]);
	*lot = argv[optind];
	return CLI_OK;
}

/* mledger trace LOT [--format tree|json|dot] [--json] */
int cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, OPT_FORMAT},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	mledger_trace_format format = 0;
	mledger_ledger *ledger = NULL;
	mledger_trace *trace = NULL;
	const char *lot = NULL;
	char *text = NULL;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_FORMAT:
			if (strcmp(optarg, "tree") == 0)
				format = MLEDGER_TRACE_TREE;
			else if (strcmp(optarg, "json") == 0)
				format = MLEDGER_TRACE_JSON;
			else if (strcmp(optarg, "dot") == 0)
				format = MLEDGER_TRACE_DOT;
			else
				return cli_usage_error("bad --format '%s': expected tree, json or dot",
						       optarg);
			break;
		default:
			return CLI_USAGE;
		}
	}
	if ((rc = positional_lot(&lot, argc, argv)) != CLI_OK)
		return rc;
	if (cli.json && format != 0 && format != MLEDGER_TRACE_JSON)
		return cli_usage_error("--json asks for JSON, --format for another format: give one");
	if (format == 0)
		format = cli.json ? MLEDGER_TRACE_JSON : MLEDGER_TRACE_TREE;
	if ((rc = build_trace(&trace, &ledger, lot)) != CLI_OK)
		goto done;
	if ((err = mledger_trace_render(&text, trace, format)) < 0) {
		rc = cli_lib_error(err, NULL);
		goto done;
	}
	print_rendered(text);
done:
	free(text);
	mledger_trace_free(trace);
	mledger_ledger_close(ledger);
	return rc;
}

/*
 * The policy to judge by: a shipped one by name, or a file. A name the
 * library does not ship and a file that is not a valid policy are usage
 * errors; a file that cannot be read is an I/O error.
 */
int cli_load_policy(mledger_policy **out, const char *name,
		    const char *file)
{
	int err;

	if (file != NULL) {
		err = mledger_policy_load(out, file);
		if (err == MLEDGER_EIO || err == MLEDGER_ENOMEM)
			return cli_lib_error(err, NULL);
		if (err < 0) {
			cli_error("%s", mledger_error_last());
			return CLI_USAGE;
		}
		return CLI_OK;
	}
	err = mledger_policy_builtin(out, name);
	if (err == MLEDGER_ENOMEM)
		return cli_lib_error(err, NULL);
	if (err < 0)
		return cli_usage_error("bad --policy '%s': %s", name,
				       mledger_error_last());
	return CLI_OK;
}

int cli_share_option(struct cli_share_args *a, int c, const char *arg)
{
	uint64_t year, day;

	switch (c) {
	case OPT_POLICY:
		a->policy = arg;
		return CLI_OK;
	case OPT_POLICY_FILE:
		a->policy_file = arg;
		return CLI_OK;
	case OPT_YEAR:
		if (cli_parse_u64(&year, arg, "--year"))
			return CLI_USAGE;
		if (year < 1900 || year > 9999)
			return cli_usage_error("bad --year '%s': expected a year from 1900 to 9999",
					       arg);
		a->opts.year = (int)year;
		return CLI_OK;
	case OPT_DATE:
		if (cli_parse_date(&day, arg, "--date"))
			return CLI_USAGE;
		a->opts.date = arg;
		return CLI_OK;
	default:
		return -1;
	}
}

int cli_share_policy(mledger_policy **out, const struct cli_share_args *a)
{
	if (a->policy != NULL && a->policy_file != NULL)
		return cli_usage_error("give --policy NAME or --policy-file FILE, not both");
	return cli_load_policy(out, a->policy ? a->policy : "usmca",
			       a->policy_file);
}

/* mledger share LOT [--policy NAME | --policy-file FILE] [--year Y]
 *                   [--date YYYY-MM-DD] [--json] */
int cmd_share(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_SHARE_OPTIONS,
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_share_args sa = CLI_SHARE_ARGS_INIT;
	mledger_share_report *report = NULL;
	mledger_policy *policy = NULL;
	mledger_ledger *ledger = NULL;
	mledger_trace *trace = NULL;
	const char *lot = NULL;
	char *text = NULL;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		if (c == CLI_GETOPT_HELP)
			return CLI_OK;
		if (cli_share_option(&sa, c, optarg) != CLI_OK)
			return CLI_USAGE;
	}
	if ((rc = positional_lot(&lot, argc, argv)) != CLI_OK)
		return rc;
	if ((rc = cli_share_policy(&policy, &sa)) != CLI_OK)
		return rc;
	if ((rc = build_trace(&trace, &ledger, lot)) != CLI_OK)
		goto done;
	if ((err = mledger_share_compute(&report, trace, policy, &sa.opts)) < 0 ||
	    (err = mledger_share_render(&text, report, cli.json)) < 0) {
		rc = cli_lib_error(err, NULL);
		goto done;
	}
	print_rendered(text);
done:
	free(text);
	mledger_share_report_free(report);
	mledger_trace_free(trace);
	mledger_ledger_close(ledger);
	mledger_policy_free(policy);
	return rc;
}
