/*
 * mledger actor enroll|rekey|revoke|show. The first three build an
 * actor.* event from their options and hand it to cli_event_emit(), which
 * signs it and appends it, or writes it out under `mledger sign`; so the
 * options are checked once here, the same way for both paths. `show`
 * prints an actor as the ledger knows it now.
 */
#include "common.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_ID = OPT_FIRST_LOCAL,
	OPT_NAME,
	OPT_ROLE,
	OPT_COUNTRY,
	OPT_PUBKEY,
	OPT_FACILITY,
	OPT_OWNER_COUNTRY,
	OPT_OWNER_SHARE,
	OPT_STATE_OWNED,
	OPT_RETIRE_KEY,
	OPT_RETIRE,
	OPT_KID,
	OPT_REASON,
};

/*
 * A percentage with at most two decimals ("25", "25.5", "33.33") in basis
 * points, 0..10000. Done by hand: strtod would accept "1e2", "nan" and
 * binary rounding, none of which belong in an ownership record.
 */
static int parse_share(uint32_t *out, const char *s)
{
	uint32_t whole = 0, frac = 0;
	size_t i = 0, nwhole = 0, nfrac = 0;

	while (s[i] >= '0' && s[i] <= '9' && nwhole < 4) {
		whole = whole * 10 + (uint32_t)(s[i] - '0');
		i++;
		nwhole++;
	}
	if (nwhole == 0)
		goto bad;
	if (s[i] == '.') {
		i++;
		while (s[i] >= '0' && s[i] <= '9' && nfrac < 3) {
			frac = frac * 10 + (uint32_t)(s[i] - '0');
			i++;
			nfrac++;
		}
		if (nfrac == 0 || nfrac > 2)
			goto bad;
		if (nfrac == 1)
			frac *= 10;
	}
	if (s[i] != '\0')
		goto bad;
	if (whole > 100 || (whole == 100 && frac > 0))
		return cli_usage_error("bad --owner-share '%s': must be between 0 and 100",
				       s);
	*out = whole * 100 + frac;
	return CLI_OK;
bad:
	return cli_usage_error("bad --owner-share '%s': expected a percentage like 51 or 33.33",
			       s);
}

/* "ID:CC" into a facility; the id is copied into *store (caller frees). */
static int parse_facility(mledger_facility *out, char **store,
			  const char *arg)
{
	const char *colon = strrchr(arg, ':');
	size_t idlen;

	if (colon == NULL || colon == arg)
		return cli_usage_error("bad --facility '%s': expected ID:CC, like whabouchi-mine:CA",
				       arg);
	idlen = (size_t)(colon - arg);
	if (idlen > MLEDGER_ID_MAX)
		return cli_usage_error("bad --facility '%s': id longer than %d bytes",
				       arg, MLEDGER_ID_MAX);
	if (cli_parse_country(out->country, colon + 1, "--facility"))
		return CLI_USAGE;
	*store = malloc(idlen + 1);
	if (*store == NULL) {
		cli_error("out of memory");
		return CLI_STORAGE;
	}
	memcpy(*store, arg, idlen);
	(*store)[idlen] = '\0';
	out->id = *store;
	return CLI_OK;
}

/* The kid of a public key file. */
static int kid_of_file(uint8_t kid[MLEDGER_KID_BYTES], const char *path)
{
	mledger_pubkey pub;
	int rc, err;

	if ((rc = cli_load_pubkey(&pub, path)) != CLI_OK)
		return rc;
	err = mledger_kid_compute(kid, pub.alg, pub.pub, pub.len);
	if (err < 0)
		return cli_lib_error(err, path);
	return CLI_OK;
}

/* mledger actor enroll --key FILE --id ID --name NAME --role ROLES
 *                      --country CC --pubkey FILE.pub [...] */
int cmd_actor_enroll(int argc, char **argv)
{
	static const struct option opts[] = {
		{"id", required_argument, NULL, OPT_ID},
		{"name", required_argument, NULL, OPT_NAME},
		{"role", required_argument, NULL, OPT_ROLE},
		{"roles", required_argument, NULL, OPT_ROLE},
		{"country", required_argument, NULL, OPT_COUNTRY},
		{"pubkey", required_argument, NULL, OPT_PUBKEY},
		{"facility", required_argument, NULL, OPT_FACILITY},
		{"owner-country", required_argument, NULL, OPT_OWNER_COUNTRY},
		{"owner-share", required_argument, NULL, OPT_OWNER_SHARE},
		{"state-owned", no_argument, NULL, OPT_STATE_OWNED},
		CLI_EVENT_OPTIONS,
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_event_opts eo;
	mledger_event ev;
	mledger_actor_record *r = &ev.u.enroll.subject;
	mledger_pubkey keys[MLEDGER_KEYS_MAX];
	mledger_facility facilities[MLEDGER_FACILITIES_MAX];
	char *facility_ids[MLEDGER_FACILITIES_MAX];
	size_t nkeys = 0, nfacilities = 0, i;
	bool has_country = false, has_share = false;
	int c, err, rc = CLI_OK;

	memset(&eo, 0, sizeof(eo));
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_ACTOR_ENROLL;

	while ((c = cli_getopt(argc, argv, ":ho:", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			rc = CLI_OK;
			goto done;
		case OPT_ID:
			r->id = optarg;
			break;
		case OPT_NAME:
			r->name = optarg;
			break;
		case OPT_ROLE:
			if (mledger_roles_parse(&r->roles, optarg) < 0) {
				rc = cli_usage_error("bad --role '%s': %s", optarg,
						     mledger_error_last());
				goto done;
			}
			break;
		case OPT_COUNTRY:
			if ((rc = cli_parse_country(r->country, optarg,
						    "--country")))
				goto done;
			has_country = true;
			break;
		case OPT_PUBKEY:
			if (nkeys == MLEDGER_KEYS_MAX) {
				rc = cli_usage_error("at most %d --pubkey",
						     MLEDGER_KEYS_MAX);
				goto done;
			}
			if ((rc = cli_load_pubkey(&keys[nkeys], optarg)))
				goto done;
			nkeys++;
			break;
		case OPT_FACILITY:
			if (nfacilities == MLEDGER_FACILITIES_MAX) {
				rc = cli_usage_error("at most %d --facility",
						     MLEDGER_FACILITIES_MAX);
				goto done;
			}
			if ((rc = parse_facility(&facilities[nfacilities],
						 &facility_ids[nfacilities],
						 optarg)))
				goto done;
			nfacilities++;
			break;
		case OPT_OWNER_COUNTRY:
			if ((rc = cli_parse_country(r->owner_country, optarg,
						    "--owner-country")))
				goto done;
			break;
		case OPT_OWNER_SHARE:
			if ((rc = parse_share(&r->owner_share_bp, optarg)))
				goto done;
			has_share = true;
			break;
		case OPT_STATE_OWNED:
			r->state_owned = true;
			break;
		default:
			err = cli_event_option(&eo, c, optarg);
			if (err != 0) {
				rc = CLI_USAGE;
				goto done;
			}
			break;
		}
	}
	if (optind < argc) {
		rc = cli_usage_error("unexpected argument '%s'", argv[optind]);
		goto done;
	}
	if (r->id == NULL) {
		rc = cli_missing("--id ID");
		goto done;
	}
	if (r->name == NULL) {
		rc = cli_missing("--name NAME");
		goto done;
	}
	if (r->roles == 0) {
		rc = cli_missing("--role ROLE[,ROLE]");
		goto done;
	}
	if (!has_country) {
		rc = cli_missing("--country CC");
		goto done;
	}
	if (nkeys == 0) {
		rc = cli_missing("--pubkey FILE.pub");
		goto done;
	}
	if (has_share && r->owner_country[0] == '\0') {
		rc = cli_usage_error("--owner-share needs --owner-country");
		goto done;
	}
	if (r->state_owned && r->owner_country[0] == '\0') {
		rc = cli_usage_error("--state-owned needs --owner-country (whose state)");
		goto done;
	}
	r->keys = keys;
	r->nkeys = nkeys;
	r->facilities = facilities;
	r->nfacilities = nfacilities;
	rc = cli_event_emit(&ev, &eo);
done:
	for (i = 0; i < nfacilities; i++)
		free(facility_ids[i]);
	return rc;
}

/* mledger actor rekey --key FILE --id ID --pubkey NEW.pub
 *                     [--retire-key OLD.pub | --retire KIDHEX] */
int cmd_actor_rekey(int argc, char **argv)
{
	static const struct option opts[] = {
		{"id", required_argument, NULL, OPT_ID},
		{"pubkey", required_argument, NULL, OPT_PUBKEY},
		{"retire-key", required_argument, NULL, OPT_RETIRE_KEY},
		{"retire", required_argument, NULL, OPT_RETIRE},
		CLI_EVENT_OPTIONS,
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_event_opts eo;
	mledger_event ev;
	const char *pubkey = NULL, *retire_key = NULL, *retire = NULL;
	int c, rc;

	memset(&eo, 0, sizeof(eo));
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_ACTOR_REKEY;

	while ((c = cli_getopt(argc, argv, ":ho:", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_ID:
			ev.u.rekey.subject = optarg;
			break;
		case OPT_PUBKEY:
			pubkey = optarg;
			break;
		case OPT_RETIRE_KEY:
			retire_key = optarg;
			break;
		case OPT_RETIRE:
			retire = optarg;
			break;
		default:
			CLI_TAKE_EVENT_OPTION(&eo, c);
			break;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (ev.u.rekey.subject == NULL)
		return cli_missing("--id ID");
	if (pubkey == NULL)
		return cli_missing("--pubkey NEW.pub");
	if (retire_key != NULL && retire != NULL)
		return cli_usage_error("give --retire-key or --retire, not both");
	if ((rc = cli_load_pubkey(&ev.u.rekey.add, pubkey)))
		return rc;
	if (retire_key != NULL) {
		if ((rc = kid_of_file(ev.u.rekey.retire, retire_key)))
			return rc;
		ev.u.rekey.has_retire = true;
	} else if (retire != NULL) {
		if ((rc = cli_parse_hex(ev.u.rekey.retire, MLEDGER_KID_BYTES,
					retire, "--retire")))
			return rc;
		ev.u.rekey.has_retire = true;
	}
	return cli_event_emit(&ev, &eo);
}

/* mledger actor revoke --key FILE --id ID [--pubkey FILE.pub | --kid KIDHEX]
 *                      [--reason TEXT] */
int cmd_actor_revoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{"id", required_argument, NULL, OPT_ID},
		{"pubkey", required_argument, NULL, OPT_PUBKEY},
		{"kid", required_argument, NULL, OPT_KID},
		{"reason", required_argument, NULL, OPT_REASON},
		CLI_EVENT_OPTIONS,
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_event_opts eo;
	mledger_event ev;
	const char *pubkey = NULL, *kid = NULL;
	int c, rc;

	memset(&eo, 0, sizeof(eo));
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_ACTOR_REVOKE;

	while ((c = cli_getopt(argc, argv, ":ho:", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_ID:
			ev.u.revoke.subject = optarg;
			break;
		case OPT_PUBKEY:
			pubkey = optarg;
			break;
		case OPT_KID:
			kid = optarg;
			break;
		case OPT_REASON:
			ev.u.revoke.reason = optarg;
			break;
		default:
			CLI_TAKE_EVENT_OPTION(&eo, c);
			break;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (ev.u.revoke.subject == NULL)
		return cli_missing("--id ID");
	if (pubkey != NULL && kid != NULL)
		return cli_usage_error("give --pubkey or --kid, not both");
	if (pubkey != NULL) {
		if ((rc = kid_of_file(ev.u.revoke.kid, pubkey)))
			return rc;
		ev.u.revoke.has_kid = true;
	} else if (kid != NULL) {
		if ((rc = cli_parse_hex(ev.u.revoke.kid, MLEDGER_KID_BYTES, kid,
					"--kid")))
			return rc;
		ev.u.revoke.has_kid = true;
	}
	return cli_event_emit(&ev, &eo);
}

/* One key of a record: alg, kid, public key hex. */
static int key_fields(const char **alg, char kidhex[2 * MLEDGER_KID_BYTES + 1],
		      char pubhex[2 * MLEDGER_PUBKEY_MAX + 1],
		      const mledger_pubkey *k)
{
	uint8_t kid[MLEDGER_KID_BYTES];
	int err;

	*alg = mledger_alg_name(k->alg);
	if (*alg == NULL)
		*alg = "unknown";
	err = mledger_kid_compute(kid, k->alg, k->pub, k->len);
	if (err < 0)
		return err;
	mledger_hex(kidhex, kid, sizeof(kid));
	mledger_hex(pubhex, k->pub, k->len);
	return 0;
}

static json_t *actor_json(const mledger_actor *a)
{
	const mledger_actor_record *r = &a->record;
	json_t *obj, *roles, *facilities, *keys, *owner;
	uint32_t bit;
	size_t i;

	roles = json_array();
	for (bit = 1; bit & MLEDGER_ROLE_ALL; bit <<= 1) {
		if (r->roles & bit)
			json_array_append_new(roles,
					      json_string(mledger_role_name(bit)));
	}
	facilities = json_array();
	for (i = 0; i < r->nfacilities; i++)
		json_array_append_new(facilities,
				      json_pack("{s:s, s:s}",
						"id", r->facilities[i].id,
						"country", r->facilities[i].country));
	keys = json_array();
	for (i = 0; i < r->nkeys; i++) {
		char kidhex[2 * MLEDGER_KID_BYTES + 1];
		char pubhex[2 * MLEDGER_PUBKEY_MAX + 1];
		const char *alg;

		if (key_fields(&alg, kidhex, pubhex, &r->keys[i]) < 0)
			continue;
		json_array_append_new(keys,
				      json_pack("{s:s, s:s, s:s}", "alg", alg,
						"kid", kidhex, "public", pubhex));
	}
	if (r->owner_country[0] != '\0')
		owner = json_pack("{s:s, s:I, s:b}",
				  "country", r->owner_country,
				  "share_bp", (json_int_t)r->owner_share_bp,
				  "state_owned", r->state_owned);
	else
		owner = json_null();
	obj = json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:I, s:I, s:b}",
			"id", r->id,
			"name", r->name,
			"roles", roles,
			"country", r->country,
			"facilities", facilities,
			"owner", owner,
			"enrolled_keys", keys,
			"enrolled_seq", (json_int_t)a->enrolled_seq,
			"last_actor_seq", (json_int_t)a->last_actor_seq,
			"revoked", a->revoked);
	if (obj != NULL && a->revoked)
		json_object_set_new(obj, "revoked_seq",
				    json_integer((json_int_t)a->revoked_seq));
	return obj;
}

/*
 * The keys shown are those of the enrolment record: the public API does not
 * expose keys added by actor.rekey or the retired and revoked state of each
 * key, so the label says what the list is rather than implying more.
 */
static void actor_print(const mledger_actor *a)
{
	const mledger_actor_record *r = &a->record;
	char roles[256];
	size_t i;

	mledger_roles_format(roles, sizeof(roles), r->roles);
	printf("id              %s\n", r->id);
	printf("name            %s\n", r->name);
	printf("roles           %s\n", roles);
	printf("country         %s\n", r->country);
	for (i = 0; i < r->nfacilities; i++)
		printf("%-16s%s (%s)\n", i == 0 ? "facilities" : "",
		       r->facilities[i].id, r->facilities[i].country);
	if (r->owner_country[0] != '\0')
		printf("owner           %s, %u.%02u%%%s\n", r->owner_country,
		       r->owner_share_bp / 100, r->owner_share_bp % 100,
		       r->state_owned ? ", state-owned" : "");
	printf("enrolled        seq %" PRIu64 "\n", a->enrolled_seq);
	for (i = 0; i < r->nkeys; i++) {
		char kidhex[2 * MLEDGER_KID_BYTES + 1];
		char pubhex[2 * MLEDGER_PUBKEY_MAX + 1];
		const char *alg;

		if (key_fields(&alg, kidhex, pubhex, &r->keys[i]) < 0)
			continue;
		printf("%-16s%s %s\n", i == 0 ? "enrolment keys" : "", alg,
		       kidhex);
	}
	printf("last actor seq  %" PRIu64 "\n", a->last_actor_seq);
	if (a->revoked)
		printf("status          revoked at seq %" PRIu64 "\n",
		       a->revoked_seq);
	else
		printf("status          active\n");
}

/* mledger actor show ID [--json] */
int cmd_actor_show(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	mledger_ledger *ledger = NULL;
	mledger_actor *actor = NULL;
	const char *id;
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
		return cli_missing("ID");
	if (optind + 1 < argc)
		return cli_usage_error("unexpected argument '%s'",
				       argv[optind + 1]);
	id = argv[optind];
	if ((rc = cli_open_ledger(&ledger, true)) != CLI_OK)
		return rc;
	err = mledger_actor_get(&actor, ledger, id);
	if (err == MLEDGER_ENOTFOUND) {
		cli_error("no actor '%s' in the ledger", id);
		rc = CLI_REJECTED;
		goto done;
	} else if (err < 0) {
		rc = cli_lib_error(err, NULL);
		goto done;
	}
	if (cli.json)
		rc = cli_print_json(actor_json(actor));
	else
		actor_print(actor);
done:
	mledger_actor_free(actor);
	mledger_ledger_close(ledger);
	return rc;
}
