/*
 * mledger init: create a ledger whose entry 0 is a ledger.genesis event
 * naming the ledger (its origin) and its operator, an actor with the
 * operator and registrar roles whose key signs the genesis. The operator
 * is thereby enrolled from the first entry on and can enrol everyone else.
 */
#include "common.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	OPT_ORIGIN = OPT_FIRST_LOCAL,
	OPT_OPERATOR_KEY,
	OPT_OPERATOR_ID,
	OPT_NAME,
	OPT_COUNTRY,
};

/* mledger init --origin NAME --operator-key FILE [--operator-id ID]
 *              [--name NAME] [--country CC] */
int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"origin", required_argument, NULL, OPT_ORIGIN},
		{"operator-key", required_argument, NULL, OPT_OPERATOR_KEY},
		{"operator-id", required_argument, NULL, OPT_OPERATOR_ID},
		{"name", required_argument, NULL, OPT_NAME},
		{"country", required_argument, NULL, OPT_COUNTRY},
		{"actor-seq", required_argument, NULL, OPT_ACTOR_SEQ},
		{"time", required_argument, NULL, OPT_TIME},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	const char *origin = NULL, *key_path = NULL;
	const char *operator_id = "operator", *name = NULL;
	const char *dir = NULL;
	char country[3] = "US";
	uint64_t actor_seq = 1, when = (uint64_t)time(NULL);
	mledger_key *key = NULL;
	mledger_pubkey pub;
	mledger_event ev;
	mledger_ledger *ledger = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	uint8_t kid[MLEDGER_KID_BYTES];
	char kidhex[2 * MLEDGER_KID_BYTES + 1];
	char summary[512];
	int c, err, rc = CLI_OK;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_ORIGIN:
			origin = optarg;
			break;
		case OPT_OPERATOR_KEY:
			key_path = optarg;
			break;
		case OPT_OPERATOR_ID:
			operator_id = optarg;
			break;
		case OPT_NAME:
			name = optarg;
			break;
		case OPT_COUNTRY:
			if (cli_parse_country(country, optarg, "--country"))
				return CLI_USAGE;
			break;
		case OPT_ACTOR_SEQ:
			if (cli_parse_u64(&actor_seq, optarg, "--actor-seq"))
				return CLI_USAGE;
			break;
		case OPT_TIME:
			if (cli_parse_u64(&when, optarg, "--time"))
				return CLI_USAGE;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (origin == NULL)
		return cli_missing("--origin NAME");
	if (key_path == NULL)
		return cli_missing("--operator-key FILE");
	if (name == NULL)
		name = operator_id;

	if ((rc = cli_load_key(&key, key_path, true)) != CLI_OK)
		return rc;
	memset(&pub, 0, sizeof(pub));
	pub.alg = mledger_key_alg(key);
	if ((err = mledger_key_public(pub.pub, &pub.len, key)) < 0 ||
	    (err = mledger_key_id(kid, key)) < 0) {
		rc = cli_lib_error(err, key_path);
		goto done;
	}

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_GENESIS;
	ev.actor = operator_id;
	ev.actor_seq = actor_seq;
	ev.time = when;
	ev.u.genesis.origin = origin;
	ev.u.genesis.operator_.id = operator_id;
	ev.u.genesis.operator_.name = name;
	ev.u.genesis.operator_.roles = MLEDGER_ROLE_OPERATOR |
				       MLEDGER_ROLE_REGISTRAR;
	memcpy(ev.u.genesis.operator_.country, country, sizeof(country));
	ev.u.genesis.operator_.keys = &pub;
	ev.u.genesis.operator_.nkeys = 1;

	if ((err = mledger_event_sign(&data, &len, &ev, key)) < 0) {
		rc = cli_lib_error(err, NULL);
		goto done;
	}
	dir = cli_ledger_dir();
	err = mledger_ledger_create(&ledger, dir, data, len, NULL);
	if (err == MLEDGER_EEXISTS) {
		cli_error("a ledger already exists at %s", dir);
		rc = CLI_STORAGE;
		goto done;
	} else if (err < 0) {
		cli_error("cannot create ledger at %s: %s", dir,
			  mledger_error_last());
		/* A genesis the library refuses is a bad argument; anything
		 * else stopped the ledger from being written. */
		rc = err == MLEDGER_EINVAL || err == MLEDGER_EFORMAT ||
		     err == MLEDGER_ERULE ? CLI_USAGE : CLI_STORAGE;
		goto done;
	}
	mledger_hex(kidhex, kid, sizeof(kid));
	mledger_event_summary(summary, sizeof(summary), &ev);
	if (cli.json)
		rc = cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:I}",
					      "ledger", dir,
					      "origin", origin,
					      "operator", operator_id,
					      "kid", kidhex,
					      "seq", (json_int_t)0));
	else
		printf("created ledger %s at %s: seq 0 (%s), operator key %s\n",
		       origin, dir, summary, kidhex);
done:
	mledger_ledger_close(ledger);
	free(data);
	mledger_key_free(key);
	return rc;
}
