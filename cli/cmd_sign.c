/*
 * mledger sign GROUP VERB [args]: sign an event offline. It runs the very
 * handler of the direct command, so the event is built and checked the same
 * way, with cli.sign_mode set: cli_event_emit() then writes the signed bytes
 * to -o FILE or stdout instead of appending them. A signer needs only its
 * key and --actor, never the ledger, so keys can stay on the machine (or
 * HSM host) that holds them; `mledger submit` appends the files elsewhere.
 */
#include "common.h"

#include <string.h>

int cmd_sign(int argc, char **argv)
{
	const struct cli_command *target;
	const struct cli_command *self = cli.cmd;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		if (self != NULL)
			cli_usage(argc < 2 ? stderr : stdout, self);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (argc < 3)
		return cli_usage_error("missing the verb: mledger sign %s VERB ...",
				       argv[1]);
	target = cli_find_command(argv[1], argv[2]);
	if (target == NULL || !target->signable)
		return cli_usage_error("'%s %s' is not a command that makes an event",
				       argv[1], argv[2]);
	cli.sign_mode = true;
	cli.cmd = target;
	/* The handler sees argv[0] = the verb, as when run directly. */
	optind = 0;
	return target->handler(argc - 2, argv + 2);
}
