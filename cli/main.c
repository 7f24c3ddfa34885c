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
	 "show a key file's algorithm, kid and public key",
	 "FILE [--json]",
	 NULL,
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
	 "FILE... [--partial]",
	 "  FILE         a signed event or concatenated events; - for stdin\n"
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
	 "[--threads N] [--json]",
	 "  --threads N  signature checks in parallel (default: all cores)\n",
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
	"     failure, no such entry or actor\n"
	"  2  usage: unknown command or option, missing or malformed argument,\n"
	"     bad country code, unknown role or algorithm\n"
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
