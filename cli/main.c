/*
 * mledger's entry point and its one command table. Global options
 * (--ledger DIR, --json, --help, --version) are read before the command
 * words; each handler reads its own options, and accepts --ledger, --json
 * and --help again after the command. The table is the single source of
 * the command list, the help texts and what `mledger sign` may wrap, so
 * adding a command is adding one row and one handler.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

static int cmd_help(int argc, char **argv);

/* Options accepted by every event-producing command, for their help. */
static const char event_flags[] =
	"  --key FILE        the signer's private key file\n"
	"  --actor ID        signing actor (default: the actor owning --key)\n"
	"  --actor-seq N     actor sequence number (default: its last + 1 when\n"
	"                    appending; under mledger sign the current time in\n"
	"                    microseconds, so an offline signer needs no ledger)\n"
	"  --time UNIX       event time in Unix seconds (default: now)\n"
	"  -o, --output FILE under mledger sign: write the signed event here\n"
	"                    (default: stdout, never a terminal)\n";

static const struct cli_command commands[] = {
	{"init", NULL, cmd_init,
	 "create a ledger and its genesis entry",
	 "--origin NAME --operator-key FILE [--operator-id ID] [--name NAME] [--country CC]",
	 "  --origin NAME         the ledger's name (its C2SP origin line)\n"
	 "  --operator-key FILE   the operator's private key; it signs the genesis\n"
	 "  --operator-id ID      the operator's actor id (default: operator)\n"
	 "  --name NAME           the operator's display name (default: its id)\n"
	 "  --country CC          the operator's country (default: US)\n"
	 "  --actor-seq N, --time UNIX   as for other events (defaults 1, now)\n",
	 false},
	{"key", "new", cmd_key_new,
	 "generate a key pair: FILE (private, mode 0600) and FILE.pub; print its kid",
	 "FILE [--alg ed25519|p256]",
	 "  --alg ALG   ed25519 (default) or p256\n",
	 false},
	{"key", "show", cmd_key_show,
	 "show a key file's algorithm, kid and public key, or its vkey",
	 "FILE [--vkey [--origin NAME]] [--json]",
	 "  --vkey          print the C2SP verifier key auditors trust (Ed25519)\n"
	 "  --origin NAME   the key name for --vkey (default: the ledger's origin)\n",
	 false},
	{"actor", "enroll", cmd_actor_enroll,
	 "enrol an actor (signed by an operator or registrar)",
	 "--key FILE --id ID --name NAME --role ROLE[,ROLE] --country CC --pubkey FILE.pub [options]",
	 "  --id ID               the new actor's id\n"
	 "  --name NAME           display name\n"
	 "  --role LIST           comma-separated: operator, registrar, miner,\n"
	 "                        processor, manufacturer, recycler, auditor, carrier\n"
	 "  --country CC          ISO 3166-1 alpha-2 country code\n"
	 "  --pubkey FILE.pub     a public key of the actor (repeatable)\n"
	 "  --facility ID:CC      a facility and its country (repeatable)\n"
	 "  --owner-country CC    controlling owner's country\n"
	 "  --owner-share PCT     its equity share, 0..100, up to 2 decimals\n"
	 "  --state-owned         owned by the government of --owner-country\n",
	 true},
	{"actor", "rekey", cmd_actor_rekey,
	 "add a key to an actor, optionally retiring an old one",
	 "--key FILE --id ID --pubkey NEW.pub [--retire-key OLD.pub | --retire KIDHEX]",
	 "  --id ID               the actor whose keys change\n"
	 "  --pubkey NEW.pub      the key to add\n"
	 "  --retire-key OLD.pub  a key to retire, by its file\n"
	 "  --retire KIDHEX       a key to retire, by its kid\n",
	 true},
	{"actor", "revoke", cmd_actor_revoke,
	 "revoke one key of an actor, or the whole actor (signed by a registrar)",
	 "--key FILE --id ID [--pubkey FILE.pub | --kid KIDHEX] [--reason TEXT]",
	 "  --id ID               the actor\n"
	 "  --pubkey FILE.pub     revoke this key only, by its file\n"
	 "  --kid KIDHEX          revoke this key only, by its kid\n"
	 "  --reason TEXT         why, recorded in the event\n",
	 true},
	{"actor", "show", cmd_actor_show,
	 "show an actor as the ledger knows it now",
	 "ID [--json]",
	 NULL,
	 false},
	{"lot", "register", cmd_lot_register,
	 "register a lot at its origin: a mine, or a recycling feed",
	 "--key FILE --lot ID --material CODE --mass-g N --content EL=PPM[,EL=PPM...] --origin extraction|recycling --country CC --site ID [options]",
	 "  --lot ID              the new lot's id, unique in the ledger\n"
	 "  --material CODE       spodumene-concentrate, NiSO4, black-mass, ...\n"
	 "  --mass-g N            its mass in whole grams (a tonne is 1000000)\n"
	 "  --content LIST        element content in ppm by mass: Li=27900,Fe=4000\n"
	 "  --origin ORIGIN       extraction (a miner) or recycling (a recycler)\n"
	 "  --country CC          the site's country; ZZ when unknown\n"
	 "  --site ID             the signer's facility where the lot arose\n"
	 "  --hts CODE            HS/HTS code (e.g. 2530.90)\n"
	 "  --value-cents N       its value in US cents\n"
	 "  --secondary           extraction from tailings, slag or other waste\n",
	 true},
	{"lot", "ship", cmd_lot_ship,
	 "ship a lot to another actor (signed by its custodian)",
	 "--key FILE --lot ID --to ACTOR [--ref TEXT]",
	 "  --lot ID              the lot shipped, whole\n"
	 "  --to ACTOR            the actor that is to receive it\n"
	 "  --ref TEXT            bill of lading, invoice or other reference\n",
	 true},
	{"lot", "receive", cmd_lot_receive,
	 "take custody of a lot shipped to you; the shortfall is transit loss",
	 "--key FILE --lot ID --mass-g N",
	 "  --lot ID              the lot in transit to the signer\n"
	 "  --mass-g N            the mass received, in whole grams\n",
	 true},
	{"lot", "transform", cmd_lot_transform,
	 "consume input lots and make new ones: refining, cathode, cell, ...",
	 "--key FILE --in LOT=GRAMS... --out LOT:MATERIAL:GRAMS[:EL=PPM,...]... --stage NAME --facility ID --country CC [options]",
	 "  --in LOT=GRAMS        mass consumed from an input lot (repeatable)\n"
	 "  --out LOT:MATERIAL:GRAMS[:EL=PPM,...]\n"
	 "                        an output lot and its content (repeatable); no\n"
	 "                        element may come out that did not go in\n"
	 "  --stage NAME          refining, smelting, casting, precursor, cathode,\n"
	 "                        anode, cell, module, pack, assembly, recycling,\n"
	 "                        split, merge, concentration, conversion, alloying\n"
	 "  --facility ID         the signer's facility where it happens\n"
	 "  --country CC          that facility's country\n"
	 "  --value-added-cents N the step's value added, in US cents\n"
	 "  --model MODEL         segregated, controlled-blending or mass-balance\n"
	 "  --out-value LOT=CENTS the value of an output lot (repeatable)\n"
	 "  --out-hts LOT=CODE    the HS/HTS code of an output lot (repeatable)\n",
	 true},
	{"lot", "adjust", cmd_lot_adjust,
	 "record mass leaving a lot as loss, sample or scrap",
	 "--key FILE --lot ID --mass-g N --kind loss|sample|scrap [--reason TEXT]",
	 "  --lot ID              the lot, in the signer's custody\n"
	 "  --mass-g N            the mass removed, in whole grams\n"
	 "  --kind KIND           loss, sample or scrap\n"
	 "  --reason TEXT         why, recorded in the event\n",
	 true},
	{"lot", "attest", cmd_lot_attest,
	 "attach an auditor's certification or finding to a lot, actor or facility",
	 "--key FILE --target lot|actor|facility --id ID [--owner ACTOR] --scheme NAME --result TEXT (--doc FILE | --doc-sha256 HEX) [options]",
	 "  --target KIND         lot, actor or facility\n"
	 "  --id ID               the lot, actor or facility attested\n"
	 "  --owner ACTOR         for a facility: the actor it belongs to\n"
	 "  --scheme NAME         IRMA, Copper Mark, RMI, TSM, ...\n"
	 "  --result TEXT         the level or finding\n"
	 "  --doc FILE            the report; its SHA-256 is recorded (- for stdin)\n"
	 "  --doc-sha256 HEX      or the report's SHA-256 itself\n"
	 "  --valid-from DATE     YYYY-MM-DD, from midnight UTC\n"
	 "  --valid-until DATE    YYYY-MM-DD, through the end of that day UTC\n",
	 true},
	{"lot", "show", cmd_lot_show,
	 "show a lot as the ledger knows it now",
	 "ID [--json]",
	 NULL,
	 false},
	{"lot", "history", cmd_lot_history,
	 "list the entries about a lot: SEQ TIME TYPE SUMMARY",
	 "ID [--json]",
	 NULL,
	 false},
	{"lot", "list", cmd_lot_list,
	 "list lots: id, material, remaining mass, status, custodian",
	 "[--custodian ACTOR] [--status active|in-transit|consumed] [--json]",
	 "  --custodian ACTOR   only lots held by (or shipped by) this actor\n"
	 "  --status STATUS     only active, in-transit or consumed lots\n",
	 false},
	{"trace", NULL, cmd_trace,
	 "show a lot's ancestry back to the lots registered at their origin",
	 "LOT [--format tree|json|dot] [--json]",
	 "  --format FORMAT   tree (default), json, or dot for Graphviz;\n"
	 "                    --json is --format json\n",
	 false},
	{"share", NULL, cmd_share,
	 "compute a lot's sourced shares under a policy",
	 "LOT [--policy NAME | --policy-file FILE] [--year Y] [--date YYYY-MM-DD] [--json]",
	 "  --policy NAME       usmca (default), ira-30d, feoc, eu-battery, aim\n"
	 "  --policy-file FILE  a policy of your own (JSON, as under policies/)\n"
	 "  --year Y            the year whose thresholds apply (default: this year)\n"
	 "  --date YYYY-MM-DD   date acquired or placed in service\n",
	 false},
	{"sign", NULL, cmd_sign,
	 "sign an event offline, to mledger submit elsewhere",
	 "GROUP VERB [args] [-o FILE]",
	 "  GROUP VERB [args]   an event command and its options, as below\n"
	 "  -o, --output FILE   where to write the signed event (default:\n"
	 "                      stdout, never a terminal)\n"
	 "  --actor ID          with it, no ledger is needed to sign\n",
	 false},
	{"submit", NULL, cmd_submit,
	 "append signed event files as one atomic batch",
	 "FILE... [--each] [--partial]",
	 "  FILE         a signed event or concatenated events; - for stdin\n"
	 "  --each       each file its own batch, committed in turn; a refused\n"
	 "               file does not stop the others (faster for many files)\n"
	 "  --partial    append the valid events and report the rejected ones\n",
	 false},
	{"log", NULL, cmd_log,
	 "list entries: SEQ TIME TYPE SUMMARY",
	 "[--from SEQ] [--limit N] [--json]",
	 "  --from SEQ   first entry (default 0)\n"
	 "  --limit N    at most N entries\n",
	 false},
	{"show", NULL, cmd_show,
	 "show one entry in full",
	 "SEQ [--json]",
	 NULL,
	 false},
	{"status", NULL, cmd_status,
	 "show the ledger's origin, size and head hash",
	 "[--json]",
	 NULL,
	 false},
	{"verify", NULL, cmd_verify,
	 "check the whole ledger: hash chain, signatures, rules and state",
	 "[--since CHECKPOINT] [--tiles DIR [--trust KEY]] [--threads N] [--json]",
	 "  --since FILE  a checkpoint verified before: the entries it covers\n"
	 "                must still hash to its root; only later signatures\n"
	 "                are checked (an auditor's daily run; with --tiles,\n"
	 "                opened under the served checkpoint's key)\n"
	 "  --tiles DIR   verify the log served as tlog-tiles in DIR, with no\n"
	 "                ledger: entries, rules, hash tiles, checkpoint root\n"
	 "  --trust KEY   with --tiles: the checkpoint's key (public key file\n"
	 "                or C2SP vkey); default: the genesis entry's operator\n"
	 "  --threads N   signature checks in parallel (default: all cores)\n",
	 false},
	{"checkpoint", NULL, cmd_checkpoint,
	 "sign the Merkle root at the current size (C2SP checkpoint)",
	 "--key OPERATOR_KEY [-o FILE]",
	 "  --key FILE      the operator's Ed25519 private key\n"
	 "  -o, --output F  write the signed note to F (default: stdout)\n",
	 false},
	{"vkey", NULL, cmd_vkey,
	 "print the operator's verifier key (C2SP vkey) for auditors",
	 "[--json]",
	 NULL,
	 false},
	{"prove", NULL, cmd_prove,
	 "print the inclusion proof of entry SEQ (RFC 9162)",
	 "SEQ [--size N] [--json]",
	 "  --size N   the tree size to prove against (default: now)\n",
	 false},
	{"consistency", NULL, cmd_consistency,
	 "print the consistency proof from tree size OLD to NEW (RFC 9162)",
	 "OLD NEW [--json]",
	 NULL,
	 false},
	{"tiles", NULL, cmd_tiles,
	 "write the log as static C2SP tlog-tiles for any web server",
	 "DIR [--key OPERATOR_KEY] [--json]",
	 "  --key FILE  sign a new checkpoint if the latest does not cover the\n"
	 "              ledger (default: publish the latest checkpoint)\n",
	 false},
	{"export", NULL, cmd_export,
	 "write everything needed to judge one lot offline into a bundle",
	 "LOT [-o BUNDLE] [--key OPERATOR_KEY]",
	 "  -o, --output FILE  where to write the bundle (default: stdout, never\n"
	 "                     a terminal)\n"
	 "  --key FILE         the operator's private key: makes a checkpoint when\n"
	 "                     no stored one covers the whole ledger\n",
	 false},
	{"audit", NULL, cmd_audit,
	 "check a bundle offline and print the lot's trace and shares",
	 "BUNDLE --trust KEY [--lot ID] [--policy NAME | --policy-file FILE] [--year Y] [--date YYYY-MM-DD] [--format tree|json] [--tiles DIR] [--json]",
	 "  --trust KEY         the operator's key: a public key file, a file with\n"
	 "                      its verifier key, or the verifier key itself\n"
	 "                      (as mledger vkey prints it)\n"
	 "  --lot ID            fail unless the bundle is of this lot\n"
	 "  --policy NAME       usmca (default), ira-30d, feoc, eu-battery, aim\n"
	 "  --policy-file FILE  a policy of your own (JSON, as under policies/)\n"
	 "  --year Y, --date D  as for mledger share\n"
	 "  --format FORMAT     tree (default) or json; --json is --format json\n"
	 "  --threads N         signature checks in parallel (default: all cores)\n"
	 "  --tiles DIR         also prove every entry into a served copy of the\n"
	 "                      log (mledger tiles), consistent with the bundle's\n",
	 false},
	{"help", NULL, cmd_help,
	 "show this help, or a command's",
	 "[COMMAND [VERB]]",
	 NULL,
	 false},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char exit_codes[] =
	"exit codes:\n"
	"  0  ok\n"
	"  1  rejected or verification failed: event rejected by a rule, bad\n"
	"     signature, malformed/non-canonical/oversized event file, verify\n"
	"     failure, no such entry, actor or lot\n"
	"  2  usage: unknown command or option, missing or malformed argument,\n"
	"     bad country code, mass or content list, unknown role, algorithm,\n"
	"     stage, model, kind or policy, a policy file that is not valid\n"
	"  3  storage or I/O: cannot read or write a file, no ledger at DIR,\n"
	"     ledger locked, out of memory\n";

static const char global_flags[] =
	"global options (before or after the command):\n"
	"  --ledger DIR   the ledger directory (default: $MLEDGER_DIR, else ./ledger)\n"
	"  --json         machine-readable output\n"
	"  --help         help for mledger or a command\n"
	"  --version      print the version\n";

const struct cli_command *cli_find_command(const char *group,
					   const char *verb)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++) {
		const struct cli_command *c = &commands[i];

		if (strcmp(c->group, group) != 0)
			continue;
		if (c->verb == NULL && verb == NULL)
			return c;
		if (c->verb != NULL && verb != NULL &&
		    strcmp(c->verb, verb) == 0)
			return c;
	}
	return NULL;
}

/* True when group names verbs ("actor"), false for one-word commands. */
static bool group_has_verbs(const char *group)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].group, group) == 0)
			return commands[i].verb != NULL;
	}
	return false;
}

static bool group_exists(const char *group)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].group, group) == 0)
			return true;
	}
	return false;
}

static void print_command_line(FILE *f, const struct cli_command *c)
{
	char words[64];

	if (c->verb != NULL)
		snprintf(words, sizeof(words), "%s %s", c->group, c->verb);
	else
		snprintf(words, sizeof(words), "%s", c->group);
	fprintf(f, "  %-14s %s\n", words, c->help);
}

void cli_usage(FILE *f, const struct cli_command *c)
{
	size_t i;

	if (c->verb != NULL)
		fprintf(f, "usage: mledger %s %s %s\n\n%s\n", c->group,
			c->verb, c->synopsis, c->help);
	else
		fprintf(f, "usage: mledger %s %s\n\n%s\n", c->group,
			c->synopsis, c->help);
	if (c->flags != NULL)
		fprintf(f, "\noptions:\n%s", c->flags);
	if (c->handler == cmd_sign) {
		fprintf(f, "\ncommands it signs:\n");
		for (i = 0; i < NCOMMANDS; i++) {
			if (commands[i].signable)
				print_command_line(f, &commands[i]);
		}
	}
	if (c->signable)
		fprintf(f, "\nevent options:\n%s", event_flags);
	fprintf(f, "\n%s\n%s", global_flags, exit_codes);
}

static void usage_group(FILE *f, const char *group)
{
	bool signable = false;
	size_t i;

	fprintf(f, "usage: mledger %s VERB [options]\n\nverbs:\n", group);
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].group, group) == 0)
			print_command_line(f, &commands[i]);
	}
	fprintf(f, "\n");
	for (i = 0; i < NCOMMANDS; i++) {
		const struct cli_command *c = &commands[i];

		if (strcmp(c->group, group) != 0)
			continue;
		fprintf(f, "mledger %s %s %s\n", c->group, c->verb,
			c->synopsis);
		if (c->flags != NULL)
			fprintf(f, "%s", c->flags);
		fprintf(f, "\n");
		signable = signable || c->signable;
	}
	if (signable)
		fprintf(f, "event options (every verb that makes an event):\n%s\n",
			event_flags);
	fprintf(f, "%s\n%s", global_flags, exit_codes);
}

static void usage_main(FILE *f)
{
	size_t i;

	fprintf(f, "usage: mledger [--ledger DIR] [--json] COMMAND [args]\n\n"
		   "A tamper-evident custody ledger for critical minerals.\n\n"
		   "commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		print_command_line(f, &commands[i]);
	fprintf(f, "\nmledger COMMAND --help shows a command's options.\n\n%s\n%s",
		global_flags, exit_codes);
}

/* mledger help [COMMAND [VERB]] */
static int cmd_help(int argc, char **argv)
{
	const struct cli_command *c;

	if (argc < 2) {
		usage_main(stdout);
		return CLI_OK;
	}
	if (!group_exists(argv[1]))
		return cli_usage_error("unknown command '%s'", argv[1]);
	if (argc < 3 || !group_has_verbs(argv[1])) {
		if (group_has_verbs(argv[1]))
			usage_group(stdout, argv[1]);
		else
			cli_usage(stdout, cli_find_command(argv[1], NULL));
		return CLI_OK;
	}
	c = cli_find_command(argv[1], argv[2]);
	if (c == NULL)
		return cli_usage_error("unknown command '%s %s'", argv[1],
				       argv[2]);
	cli_usage(stdout, c);
	return CLI_OK;
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"version", no_argument, NULL, 'V'},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	const struct cli_command *c;
	const char *group, *verb = NULL;
	bool help = false;
	int opt, first;

	/* '+': stop at the command word; what follows is the handler's. */
	optind = 0;
	while ((opt = cli_getopt(argc, argv, "+:hV", opts)) != -1) {
		switch (opt) {
		case CLI_GETOPT_HELP:
			help = true;
			break;
		case 'V':
			printf("mledger %s\n", MLEDGER_VERSION);
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (optind >= argc) {
		if (help) {
			usage_main(stdout);
			return CLI_OK;
		}
		usage_main(stderr);
		return CLI_USAGE;
	}
	first = optind;
	group = argv[first];
	if (!group_exists(group)) {
		cli_error("unknown command '%s' (see mledger --help)", group);
		return CLI_USAGE;
	}
	if (group_has_verbs(group)) {
		if (first + 1 >= argc || is_help(argv[first + 1])) {
			if (help || first + 1 < argc) {
				usage_group(stdout, group);
				return CLI_OK;
			}
			usage_group(stderr, group);
			return CLI_USAGE;
		}
		verb = argv[first + 1];
		first++;
	}
	c = cli_find_command(group, verb);
	if (c == NULL) {
		cli_error("unknown command '%s %s' (see mledger %s --help)",
			  group, verb, group);
		return CLI_USAGE;
	}
	cli.cmd = c;
	if (help) {
		cli_usage(stdout, c);
		return CLI_OK;
	}
	/* The handler sees argv[0] = its last command word, like a program. */
	optind = 0;
	return c->handler(argc - first, argv + first);
}
