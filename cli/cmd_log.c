/*
 * The read-only views of a ledger: `mledger log` (one line per entry, or a
 * JSON array), `mledger show SEQ` (one entry in full: its hashes, signature
 * and decoded body) and `mledger status` (origin, size, head hash). All of
 * them open the ledger read-only, so they never wait for or block a writer.
 * The entry printers of `log` are shared (cli_entry_print), so that `lot
 * history` lists a lot's entries exactly as `log` lists them all.
 */
#include "common.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_FROM = OPT_FIRST_LOCAL,
	OPT_LIMIT,
};

struct log_ctx {
	struct cli_entry_printer printer;
	int rc;            /* exit code when the walk stopped on an error */
};

/* The decoded parts of one entry. */
struct entry_view {
	mledger_entry entry;
	mledger_signed sev;
	mledger_event *ev;
};

/* Parse entry bytes down to the event; prints and returns an exit code. */
static int entry_view_parse(struct entry_view *v, uint64_t seq,
			    const uint8_t *data, size_t len)
{
	char what[48];
	int err;

	snprintf(what, sizeof(what), "entry %" PRIu64, seq);
	v->ev = NULL;
	if ((err = mledger_entry_parse(&v->entry, data, len)) < 0 ||
	    (err = mledger_signed_parse(&v->sev, v->entry.event,
					v->entry.event_len)) < 0 ||
	    (err = mledger_event_decode(&v->ev, v->sev.body,
					v->sev.body_len)) < 0)
		return cli_lib_error(err, what);
	return CLI_OK;
}

static int entry_line(const struct cli_entry_printer *p, uint64_t seq,
		      const uint8_t *data, size_t len)
{
	struct entry_view v;
	char when[CLI_TIME_MAX];
	char summary[512];
	const char *type, *rest;
	size_t tlen;
	int rc;

	if ((rc = entry_view_parse(&v, seq, data, len)) != CLI_OK)
		return rc;
	cli_format_time(when, v.entry.time);
	type = mledger_event_type_name(v.ev->type);
	if (type == NULL)
		type = "unknown";
	mledger_event_summary(summary, sizeof(summary), v.ev);
	/* The summary repeats the type; the column already shows it. */
	rest = summary;
	tlen = strlen(type);
	if (strncmp(rest, type, tlen) == 0 && rest[tlen] == ' ')
		rest += tlen + 1;
	printf("%*" PRIu64 "  %s  %-14s  %s\n", p->width, seq, when, type,
	       rest);
	mledger_event_free(v.ev);
	return CLI_OK;
}

static int entry_json(struct cli_entry_printer *p, uint64_t seq,
		      const uint8_t *data, size_t len)
{
	char *json = NULL;
	char what[48];
	int err;

	err = mledger_entry_to_json(&json, data, len, false);
	if (err < 0) {
		snprintf(what, sizeof(what), "entry %" PRIu64, seq);
		return cli_lib_error(err, what);
	}
	printf("%s\n  %s", p->first ? "[" : ",", json);
	p->first = false;
	free(json);
	return CLI_OK;
}

int cli_entry_print(struct cli_entry_printer *p, uint64_t seq,
		    const uint8_t *data, size_t len)
{
	return cli.json ? entry_json(p, seq, data, len)
			: entry_line(p, seq, data, len);
}

void cli_entry_print_end(struct cli_entry_printer *p)
{
	if (cli.json)
		printf("%s]\n", p->first ? "[" : "\n");
}

static int log_entry(void *arg, uint64_t seq, const uint8_t *data,
		     size_t len)
{
	struct log_ctx *ctx = arg;

	ctx->rc = cli_entry_print(&ctx->printer, seq, data, len);
	return ctx->rc == CLI_OK ? 0 : -1;
}

/* mledger log [--from SEQ] [--limit N] [--json] */
int cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, OPT_FROM},
		{"limit", required_argument, NULL, OPT_LIMIT},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	mledger_ledger *ledger = NULL;
	uint8_t head[MLEDGER_HASH_BYTES];
	uint64_t from = 0, limit = UINT64_MAX, size = 0, to, n;
	struct log_ctx ctx = {CLI_ENTRY_PRINTER_INIT, CLI_OK};
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_FROM:
			if (cli_parse_u64(&from, optarg, "--from"))
				return CLI_USAGE;
			break;
		case OPT_LIMIT:
			if (cli_parse_u64(&limit, optarg, "--limit"))
				return CLI_USAGE;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if ((rc = cli_open_ledger(&ledger, true)) != CLI_OK)
		return rc;
	if ((err = mledger_ledger_head(&size, head, ledger)) < 0) {
		rc = cli_lib_error(err, NULL);
		goto done;
	}
	to = limit > UINT64_MAX - from ? UINT64_MAX : from + limit;
	for (n = size > 0 ? size - 1 : 0; n >= 10; n /= 10)
		ctx.printer.width++;
	err = mledger_ledger_foreach(ledger, from, to, log_entry, &ctx);
	if (err < 0 && ctx.rc == CLI_OK)
		ctx.rc = cli_lib_error(err, NULL);
	if (ctx.rc == CLI_OK)
		cli_entry_print_end(&ctx.printer);
	rc = ctx.rc;
done:
	mledger_ledger_close(ledger);
	return rc;
}

/* mledger show SEQ [--json] */
int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	mledger_ledger *ledger = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	uint64_t seq;
	struct entry_view v = {0};
	uint8_t hash[MLEDGER_HASH_BYTES];
	char hashhex[2 * MLEDGER_HASH_BYTES + 1];
	char prevhex[2 * MLEDGER_HASH_BYTES + 1];
	char kidhex[2 * MLEDGER_KID_BYTES + 1];
	char sighex[2 * MLEDGER_SIG_BYTES + 1];
	char when[CLI_TIME_MAX];
	char *json = NULL;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (optind >= argc)
		return cli_missing("SEQ");
	if (optind + 1 < argc)
		return cli_usage_error("unexpected argument '%s'",
				       argv[optind + 1]);
	if (cli_parse_u64(&seq, argv[optind], "SEQ"))
		return CLI_USAGE;
	if ((rc = cli_open_ledger(&ledger, true)) != CLI_OK)
		return rc;
	err = mledger_entry_get(&data, &len, ledger, seq);
	if (err == MLEDGER_ENOTFOUND) {
		uint64_t size = 0;

		if (mledger_ledger_head(&size, hash, ledger) == 0)
			cli_error("no entry %" PRIu64 " (the ledger has %" PRIu64 " entries, 0..%" PRIu64 ")",
				  seq, size, size > 0 ? size - 1 : 0);
		else
			cli_error("no entry %" PRIu64, seq);
		rc = CLI_REJECTED;
		goto done;
	} else if (err < 0) {
		rc = cli_lib_error(err, NULL);
		goto done;
	}
	if (cli.json) {
		if ((err = mledger_entry_to_json(&json, data, len, true)) < 0) {
			rc = cli_lib_error(err, NULL);
			goto done;
		}
		printf("%s\n", json);
		goto done;
	}
	if ((rc = entry_view_parse(&v, seq, data, len)) != CLI_OK)
		goto done;
	if ((err = mledger_body_to_json(&json, v.sev.body, v.sev.body_len,
					true)) < 0) {
		rc = cli_lib_error(err, NULL);
		goto done;
	}
	mledger_sha256(hash, data, len);
	mledger_hex(hashhex, hash, sizeof(hash));
	mledger_hex(prevhex, v.entry.prev, MLEDGER_HASH_BYTES);
	mledger_hex(kidhex, v.sev.kid, MLEDGER_KID_BYTES);
	mledger_hex(sighex, v.sev.sig, MLEDGER_SIG_BYTES);
	cli_format_time(when, v.entry.time);
	printf("seq    %" PRIu64 "\n", v.entry.seq);
	printf("time   %s\n", when);
	printf("type   %s\n", mledger_event_type_name(v.ev->type));
	printf("hash   %s\n", hashhex);
	printf("prev   %s\n", prevhex);
	printf("kid    %s\n", kidhex);
	printf("sig    %s\n", sighex);
	printf("body\n%s\n", json);
done:
	free(json);
	mledger_event_free(v.ev);
	free(data);
	mledger_ledger_close(ledger);
	return rc;
}

/* mledger status [--json] */
int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	mledger_ledger *ledger = NULL;
	uint8_t head[MLEDGER_HASH_BYTES];
	char headhex[2 * MLEDGER_HASH_BYTES + 1];
	uint64_t size = 0;
	const char *origin;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if ((rc = cli_open_ledger(&ledger, true)) != CLI_OK)
		return rc;
	if ((err = mledger_ledger_head(&size, head, ledger)) < 0) {
		rc = cli_lib_error(err, NULL);
		goto done;
	}
	mledger_hex(headhex, head, sizeof(head));
	origin = mledger_ledger_origin(ledger);
	if (cli.json) {
		rc = cli_print_json(json_pack("{s:s, s:s, s:I, s:s}",
					      "ledger", cli_ledger_dir(),
					      "origin", origin ? origin : "",
					      "entries", (json_int_t)size,
					      "head", headhex));
	} else {
		printf("ledger   %s\n", cli_ledger_dir());
		printf("origin   %s\n", origin ? origin : "");
		printf("entries  %" PRIu64 "\n", size);
		printf("head     %s\n", headhex);
	}
done:
	mledger_ledger_close(ledger);
	return rc;
}
