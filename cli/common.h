/*
 * What every command of the mledger CLI shares: the command table entry,
 * the global options, the exit-code mapping, error printing, strict
 * argument parsing, file reading and writing, time formatting, progress on
 * a terminal, and the one path by which every event-producing command signs
 * its event and either appends it or writes it out for `mledger sign`. The
 * CLI is a thin layer over the public libmledger API; nothing here knows
 * about LMDB, OpenSSL or msgpack.
 */
#ifndef MLEDGER_CLI_COMMON_H
#define MLEDGER_CLI_COMMON_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "mledger.h"

/*
 * Exit codes, the same for every command (also shown by `mledger --help`):
 *   0  ok
 *   1  rejected or verification failed: an event rejected by a ledger rule,
 *      a bad signature, a malformed, non-canonical or oversized event file,
 *      a verify failure, no such entry, actor or lot
 *   2  usage: unknown command or option, a missing or malformed argument,
 *      a bad country code, mass or content list, an unknown role,
 *      algorithm, stage, model, kind or policy, a key file that holds no
 *      usable key, a policy file that is not a valid policy
 *   3  storage or I/O: a file that cannot be read or written, a file or
 *      ledger already where one would be created, no ledger at DIR, the
 *      ledger locked, out of memory, a failing crypto library
 */
enum {
	CLI_OK = 0,
	CLI_REJECTED = 1,
	CLI_USAGE = 2,
	CLI_STORAGE = 3,
};

/* Handlers return one of the exit codes above. */
typedef int (*cli_handler)(int argc, char **argv);

/* One row of the command table in main.c. */
struct cli_command {
	const char *group;     /* "actor", or the whole command ("init") */
	const char *verb;      /* "enroll"; NULL for one-word commands */
	cli_handler handler;
	const char *help;      /* one line */
	const char *synopsis;  /* arguments after the command words */
	const char *flags;     /* one option per line, or NULL */
	bool signable;         /* makes an event: `mledger sign` accepts it */
};

/* Options that hold for the whole run. */
struct cli_globals {
	const char *ledger_dir;  /* --ledger DIR; NULL: $MLEDGER_DIR or ./ledger */
	bool json;               /* --json */
	bool sign_mode;          /* under `mledger sign`: write, do not append */
	const struct cli_command *cmd; /* the command running, for its --help */
};

extern struct cli_globals cli;

/* ---- command handlers (one file per group) ---------------------------- */

int cmd_init(int argc, char **argv);
int cmd_key_new(int argc, char **argv);
int cmd_key_show(int argc, char **argv);
int cmd_actor_enroll(int argc, char **argv);
int cmd_actor_rekey(int argc, char **argv);
int cmd_actor_revoke(int argc, char **argv);
int cmd_actor_show(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_lot_register(int argc, char **argv);
int cmd_lot_ship(int argc, char **argv);
int cmd_lot_receive(int argc, char **argv);
int cmd_lot_transform(int argc, char **argv);
int cmd_lot_adjust(int argc, char **argv);
int cmd_lot_attest(int argc, char **argv);
int cmd_lot_show(int argc, char **argv);
int cmd_lot_history(int argc, char **argv);
int cmd_lot_list(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_share(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_vkey(int argc, char **argv);
int cmd_prove(int argc, char **argv);
int cmd_consistency(int argc, char **argv);
int cmd_tiles(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_audit(int argc, char **argv);

/* ---- command table (main.c) ------------------------------------------- */

/* The table row for "group verb" (verb NULL for one-word commands). */
const struct cli_command *cli_find_command(const char *group,
					   const char *verb);

/* Print the usage of one command to f. */
void cli_usage(FILE *f, const struct cli_command *cmd);

/* ---- options ----------------------------------------------------------- */

/* Long-option values past the range of characters. */
enum {
	OPT_LEDGER = 0x100,
	OPT_JSON,
	OPT_KEY,
	OPT_ACTOR,
	OPT_ACTOR_SEQ,
	OPT_TIME,
	OPT_POLICY,       /* the options of a share report (share, audit) */
	OPT_POLICY_FILE,
	OPT_YEAR,
	OPT_DATE,
	OPT_FIRST_LOCAL,  /* handlers number their own options from here */
};

/* Options every command accepts, for the end of its option table. */
#define CLI_COMMON_OPTIONS \
	{"ledger", required_argument, NULL, OPT_LEDGER}, \
	{"json", no_argument, NULL, OPT_JSON}, \
	{"help", no_argument, NULL, 'h'}

/* Options every event-producing command accepts. */
#define CLI_EVENT_OPTIONS \
	{"key", required_argument, NULL, OPT_KEY}, \
	{"actor", required_argument, NULL, OPT_ACTOR}, \
	{"actor-seq", required_argument, NULL, OPT_ACTOR_SEQ}, \
	{"time", required_argument, NULL, OPT_TIME}, \
	{"output", required_argument, NULL, 'o'}

/* cli_getopt() results besides option characters and -1. */
#define CLI_GETOPT_HELP (-2)   /* --help was printed: return CLI_OK */
#define CLI_GETOPT_ERROR (-3)  /* a usage error was printed */

/*
 * getopt_long() that handles --ledger, --json and --help itself and prints
 * one clear line for an unknown option or a missing value. shortopts must
 * start with ':' so a missing value is told apart from an unknown option.
 * The caller resets optind to 0 before the first call for an argv.
 */
int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/* ---- errors ------------------------------------------------------------ */

/* The exit code for a libmledger error code (see the table above). */
int cli_exit_code(int err);

/* Print "mledger: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Print "mledger: <what>: <mledger_error_last()>" (or without the what when
 * it is NULL) and return cli_exit_code(err).
 */
int cli_lib_error(int err, const char *what);

/* Print a usage error naming the command's --help and return CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Usage error for a required option that was not given. */
int cli_missing(const char *option);

/*
 * Split a batch message of the library, "event K of N: rest", into the
 * zero-based index K-1 and rest. Returns false when msg has no such prefix.
 */
bool cli_batch_message(const char *msg, size_t *index, const char **rest);

/* ---- parsing ----------------------------------------------------------- */

/*
 * Strict unsigned decimal: digits only (no sign, space, or base prefix),
 * no overflow. On failure prints "bad <what> '<s>': ..." and returns
 * CLI_USAGE.
 */
int cli_parse_u64(uint64_t *out, const char *s, const char *what);

/*
 * A calendar date "YYYY-MM-DD" (1970-01-01 to 9999-12-31, a day that
 * exists) as the Unix time of its midnight UTC. CLI_USAGE naming what.
 */
int cli_parse_date(uint64_t *out, const char *s, const char *what);

/* Exactly len bytes of hex (either case) into out; CLI_USAGE naming what. */
int cli_parse_hex(uint8_t *out, size_t len, const char *s, const char *what);

/*
 * A country code for option what: two ASCII letters, stored upper-case
 * in out. CLI_USAGE with an example otherwise.
 */
int cli_parse_country(char out[3], const char *s, const char *what);

/* ---- files ------------------------------------------------------------- */

#define CLI_SUBMIT_FILE_MAX ((size_t)1 << 30) /* one submit input: 1 GiB */

/*
 * Read a whole file ("-" for stdin) of at most cap bytes into *out
 * (malloc'd; *out_len may be 0). Prints its own error: CLI_STORAGE when the
 * file cannot be read, CLI_REJECTED when it is larger than cap.
 */
int cli_read_file(uint8_t **out, size_t *out_len, const char *path,
		  size_t cap);

/*
 * Write bytes to path, or to stdout when path is NULL or "-"; binary data
 * is never written to a terminal. Prints its own error (CLI_USAGE for a
 * terminal, CLI_STORAGE for I/O).
 */
int cli_write_output(const char *path, const uint8_t *data, size_t len);

/*
 * Load a key file; need_private makes a public-only file a usage error.
 * Prints its own error and returns an exit code.
 */
int cli_load_key(mledger_key **out, const char *path, bool need_private);

/* The raw public key of a key file, for actor records and key ids. */
int cli_load_pubkey(mledger_pubkey *out, const char *path);

/*
 * The policy to judge shares by: a shipped one by name, or a file
 * (cmd_trace.c). Prints its own error and returns an exit code.
 */
int cli_load_policy(mledger_policy **out, const char *name, const char *file);

/* What a share report is computed under: share's and audit's options. */
#define CLI_SHARE_OPTIONS \
	{"policy", required_argument, NULL, OPT_POLICY}, \
	{"policy-file", required_argument, NULL, OPT_POLICY_FILE}, \
	{"year", required_argument, NULL, OPT_YEAR}, \
	{"date", required_argument, NULL, OPT_DATE}

struct cli_share_args {
	const char *policy;           /* --policy NAME (default usmca) */
	const char *policy_file;      /* --policy-file FILE */
	mledger_share_options opts;   /* --year, --date */
};

#define CLI_SHARE_ARGS_INIT {NULL, NULL, MLEDGER_SHARE_OPTIONS_INIT}

/*
 * Take option c with its argument if it is one of CLI_SHARE_OPTIONS:
 * CLI_OK, or CLI_USAGE (printed) for a bad value; -1 if c is another.
 */
int cli_share_option(struct cli_share_args *a, int c, const char *arg);

/* Load the policy the options name (cli_load_policy; both is a usage error). */
int cli_share_policy(mledger_policy **out, const struct cli_share_args *a);

/* ---- ledger ------------------------------------------------------------ */

/* --ledger, else $MLEDGER_DIR, else ./ledger. */
const char *cli_ledger_dir(void);

/*
 * Open the ledger; prints "no ledger at DIR" (CLI_STORAGE) when there is
 * none, and other failures through cli_lib_error().
 */
int cli_open_ledger(mledger_ledger **out, bool read_only);

/* ---- output ------------------------------------------------------------ */

#define CLI_TIME_MAX 32

/* Unix seconds as ISO 8601 UTC, "2026-11-23T15:04:05Z". */
void cli_format_time(char out[CLI_TIME_MAX], uint64_t t);

/* Lower-case hex of bytes, malloc'd; NULL when out of memory. */
char *cli_hex_dup(const uint8_t *data, size_t len);

/*
 * Print a JSON value (indented, reals to 15 significant digits so 27.9 is
 * not shown as 27.899999999999999) on stdout and release it; NULL is ENOMEM.
 */
int cli_print_json(json_t *value);

/*
 * Entries printed as `mledger log` prints them (cmd_log.c): one line each
 * (SEQ TIME TYPE SUMMARY), or with --json the elements of one JSON array.
 * Start with CLI_ENTRY_PRINTER_INIT, set width to the digits of the largest
 * seq to align the column, call cli_entry_print() per entry and
 * cli_entry_print_end() once after the last.
 */
struct cli_entry_printer {
	int width;         /* digits of the largest seq, to align columns */
	bool first;        /* no JSON element printed yet */
};

#define CLI_ENTRY_PRINTER_INIT {1, true}

/* Print one entry; on failure prints why and returns the exit code. */
int cli_entry_print(struct cli_entry_printer *p, uint64_t seq,
		    const uint8_t *data, size_t len);

/* Close the JSON array (prints "[]" when no entry was printed). */
void cli_entry_print_end(struct cli_entry_printer *p);

/* Progress on stderr, shown only when stderr is a terminal. */
struct cli_progress {
	const char *label;
	bool active;             /* stderr is a terminal */
	bool shown;              /* a line is on screen and must be cleared */
	uint64_t last_ms;        /* when the line was last redrawn */
};

void cli_progress_start(struct cli_progress *p, const char *label);
void cli_progress_update(struct cli_progress *p, uint64_t done,
			 uint64_t total);
void cli_progress_end(struct cli_progress *p);
/* Adapter for mledger_progress_fn; ctx is a struct cli_progress. */
void cli_progress_cb(void *ctx, uint64_t done, uint64_t total);

/* ---- events ------------------------------------------------------------ */

/* The options shared by every command that makes an event. */
struct cli_event_opts {
	const char *key_path;    /* --key: the signer's private key */
	const char *actor;       /* --actor: signing actor; NULL = key's owner */
	uint64_t actor_seq;      /* --actor-seq, when has_actor_seq */
	bool has_actor_seq;
	uint64_t time;           /* --time (Unix seconds), when has_time */
	bool has_time;
	const char *output;      /* -o FILE under `mledger sign` */
};

/*
 * Take c if it is one of CLI_EVENT_OPTIONS: returns 0 when taken, -1 when c
 * is not an event option, or CLI_USAGE for a bad value.
 */
int cli_event_option(struct cli_event_opts *o, int c, const char *arg);

/*
 * Take an event option inside a handler's option switch, for handlers with
 * nothing to clean up: returns CLI_USAGE from the handler for a bad value
 * or an option it does not know (cli_getopt has said which).
 */
#define CLI_TAKE_EVENT_OPTION(o, c) \
	do { \
		int r_ = cli_event_option((o), (c), optarg); \
		if (r_ < 0) \
			return CLI_USAGE; \
		if (r_ > 0) \
			return r_; \
	} while (0)

/*
 * Sign ev with --key and append it (a batch of one), or under `mledger sign`
 * write the signed bytes to -o FILE or stdout. Fills in ev->actor (--actor,
 * else the actor that owns the key), ev->actor_seq (--actor-seq; else for a
 * direct append the actor's last sequence number plus one; else, when
 * signing offline, the current time in microseconds, which grows without
 * the signer ever needing the ledger) and ev->time (--time, else now).
 * Prints what happened and returns an exit code.
 */
int cli_event_emit(mledger_event *ev, const struct cli_event_opts *o);

#endif
