/*
 * Helpers shared by every mledger command: option handling around
 * getopt_long, the mapping of libmledger error codes to the CLI's four exit
 * codes, one-line error messages, strict parsing of numbers, hex and country
 * codes, capped file reading, safe binary output, ledger opening, ISO 8601
 * time, progress on a terminal, and the signing path every event-producing
 * command goes through. Keeping these in one place is what makes every
 * command fail the same way for the same cause.
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct cli_globals cli;

/* ---- errors ------------------------------------------------------------ */

int cli_exit_code(int err)
{
	switch (err) {
	case MLEDGER_OK:
		return CLI_OK;
	case MLEDGER_EINVAL:
		return CLI_USAGE;
	case MLEDGER_ENOMEM:
	case MLEDGER_EIO:
	case MLEDGER_EBUSY:
	case MLEDGER_ECRYPTO:
		return CLI_STORAGE;
	default:
		/* Everything else is about the data: a rule, a signature,
		 * an encoding, an entry or actor that is not there. */
		return CLI_REJECTED;
	}
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("mledger: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_lib_error(int err, const char *what)
{
	if (what != NULL)
		cli_error("%s: %s", what, mledger_error_last());
	else
		cli_error("%s", mledger_error_last());
	return cli_exit_code(err);
}

/* "actor enroll" or "init": the command words, for messages. */
static void command_words(char *buf, size_t size)
{
	const struct cli_command *c = cli.cmd;

	if (c == NULL)
		snprintf(buf, size, "%s", "");
	else if (c->verb != NULL)
		snprintf(buf, size, " %s %s", c->group, c->verb);
	else
		snprintf(buf, size, " %s", c->group);
}

int cli_usage_error(const char *fmt, ...)
{
	char words[96];
	va_list ap;

	command_words(words, sizeof(words));
	fflush(stdout);
	fputs("mledger: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see mledger%s --help)\n", words);
	return CLI_USAGE;
}

int cli_missing(const char *option)
{
	return cli_usage_error("missing %s", option);
}

bool cli_batch_message(const char *msg, size_t *index, const char **rest)
{
	const char *p = msg;
	char *end;
	unsigned long long k;

	if (strncmp(p, "event ", 6) != 0)
		return false;
	p += 6;
	if (*p < '1' || *p > '9')
		return false;
	errno = 0;
	k = strtoull(p, &end, 10);
	if (errno != 0 || strncmp(end, " of ", 4) != 0)
		return false;
	p = end + 4;
	if (*p < '1' || *p > '9')
		return false;
	errno = 0;
	(void)strtoull(p, &end, 10);
	if (errno != 0 || end[0] != ':' || end[1] != ' ')
		return false;
	if (k > SIZE_MAX)
		return false;
	*index = (size_t)(k - 1);
	*rest = end + 2;
	return true;
}

/* ---- options ----------------------------------------------------------- */

int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	int c;

	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, shortopts, longopts, NULL);
		switch (c) {
		case OPT_LEDGER:
			cli.ledger_dir = optarg;
			continue;
		case OPT_JSON:
			cli.json = true;
			continue;
		case 'h':
			if (cli.cmd != NULL)
				cli_usage(stdout, cli.cmd);
			return CLI_GETOPT_HELP;
		case '?':
			if (optopt != 0)
				cli_usage_error("unknown option '-%c'", optopt);
			else
				cli_usage_error("unknown option '%s'",
						argv[optind - 1]);
			return CLI_GETOPT_ERROR;
		case ':':
			cli_usage_error("option '%s' needs a value",
					argv[optind - 1]);
			return CLI_GETOPT_ERROR;
		default:
			return c;
		}
	}
}

/* ---- parsing ----------------------------------------------------------- */

int cli_parse_u64(uint64_t *out, const char *s, const char *what)
{
	unsigned long long v;
	const char *p;
	char *end;

	/* strtoull alone accepts " 12", "+12" and "-12" (as a huge value):
	 * insist on plain digits first. */
	if (*s == '\0')
		return cli_usage_error("bad %s '': expected an unsigned integer",
				       what);
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return cli_usage_error("bad %s '%s': expected an unsigned integer",
					       what, s);
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || *end != '\0' || v > UINT64_MAX)
		return cli_usage_error("bad %s '%s': out of range", what, s);
	*out = (uint64_t)v;
	return CLI_OK;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cli_parse_hex(uint8_t *out, size_t len, const char *s, const char *what)
{
	size_t i;

	if (strlen(s) != 2 * len)
		return cli_usage_error("bad %s '%s': expected %zu hex digits",
				       what, s, 2 * len);
	for (i = 0; i < len; i++) {
		int hi = hex_digit(s[2 * i]);
		int lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return cli_usage_error("bad %s '%s': not hex", what, s);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return CLI_OK;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant's
 * days_from_civil), for years 1970..9999. */
static uint64_t days_from_civil(unsigned int y, unsigned int m,
				unsigned int d)
{
	unsigned int era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (uint64_t)era * 146097 + doe - 719468;
}

int cli_parse_date(uint64_t *out, const char *s, const char *what)
{
	static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30,
						31, 31, 30, 31, 30, 31};
	unsigned int y = 0, m, d;
	bool leap;
	size_t i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		goto bad;
	for (i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			goto bad;
	}
	for (i = 0; i < 4; i++)
		y = y * 10 + (unsigned int)(s[i] - '0');
	m = (unsigned int)(s[5] - '0') * 10 + (unsigned int)(s[6] - '0');
	d = (unsigned int)(s[8] - '0') * 10 + (unsigned int)(s[9] - '0');
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !leap))
		return cli_usage_error("bad %s '%s': no such day (1970-01-01 to 9999-12-31)",
				       what, s);
	*out = days_from_civil(y, m, d) * 86400u;
	return CLI_OK;
bad:
	return cli_usage_error("bad %s '%s': expected a date YYYY-MM-DD",
			       what, s);
}

static bool ascii_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int cli_parse_country(char out[3], const char *s, const char *what)
{
	size_t i;

	if (strlen(s) != 2 || !ascii_letter(s[0]) || !ascii_letter(s[1]))
		return cli_usage_error("bad country code '%s' for %s: expected ISO 3166-1 alpha-2, like CA or US",
				       s, what);
	for (i = 0; i < 2; i++)
		out[i] = (char)(s[i] >= 'a' ? s[i] - 'a' + 'A' : s[i]);
	out[2] = '\0';
	if (!mledger_country_valid(out))
		return cli_usage_error("bad country code '%s' for %s", s, what);
	return CLI_OK;
}

/* ---- files ------------------------------------------------------------- */

int cli_read_file(uint8_t **out, size_t *out_len, const char *path,
		  size_t cap)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "stdin" : path;
	FILE *f;
	uint8_t *buf = NULL;
	size_t len = 0, size = 0;
	struct stat st;
	int rc = CLI_OK;

	f = is_stdin ? stdin : fopen(path, "rb");
	if (f == NULL) {
		cli_error("cannot read %s: %s", name, strerror(errno));
		return CLI_STORAGE;
	}
	/* A regular file's size is known: refuse an oversized one before
	 * reading a byte, and allocate once. */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > cap) {
			cli_error("%s: %" PRIu64 " bytes, more than the %zu-byte limit",
				  name, (uint64_t)st.st_size, cap);
			rc = CLI_REJECTED;
			goto done;
		}
		size = (size_t)st.st_size + 1;
	}
	for (;;) {
		size_t n;

		if (len == size) {
			size_t grow = size < 65536 ? 65536 : size * 2;
			uint8_t *p;

			if (grow > cap + 1)
				grow = cap + 1;
			if (grow <= size) {
				cli_error("%s: more than the %zu-byte limit",
					  name, cap);
				rc = CLI_REJECTED;
				goto done;
			}
			p = realloc(buf, grow);
			if (p == NULL) {
				cli_error("%s: out of memory", name);
				rc = CLI_STORAGE;
				goto done;
			}
			buf = p;
			size = grow;
		} else if (buf == NULL) {
			buf = malloc(size);
			if (buf == NULL) {
				cli_error("%s: out of memory", name);
				rc = CLI_STORAGE;
				goto done;
			}
		}
		n = fread(buf + len, 1, size - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				cli_error("cannot read %s: %s", name,
					  strerror(errno));
				rc = CLI_STORAGE;
				goto done;
			}
			break;
		}
		if (len > cap) {
			cli_error("%s: more than the %zu-byte limit", name, cap);
			rc = CLI_REJECTED;
			goto done;
		}
	}
	*out = buf;
	*out_len = len;
	buf = NULL;
done:
	free(buf);
	if (!is_stdin)
		fclose(f);
	return rc;
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int cli_write_output(const char *path, const uint8_t *data, size_t len)
{
	int fd;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (isatty(STDOUT_FILENO)) {
			cli_error("refusing to write a binary event to a terminal; use -o FILE or redirect stdout");
			return CLI_USAGE;
		}
		fflush(stdout);
		if (write_all(STDOUT_FILENO, data, len) < 0) {
			cli_error("cannot write to stdout: %s", strerror(errno));
			return CLI_STORAGE;
		}
		return CLI_OK;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		return CLI_STORAGE;
	}
	if (write_all(fd, data, len) < 0) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		close(fd);
		return CLI_STORAGE;
	}
	if (close(fd) < 0) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		return CLI_STORAGE;
	}
	return CLI_OK;
}

int cli_load_key(mledger_key **out, const char *path, bool need_private)
{
	mledger_key *key = NULL;
	int err;

	err = mledger_key_load(&key, path);
	if (err < 0) {
		/* The library's message names the path. A file that is there
		 * but holds no key is a bad argument, not a storage fault. */
		cli_error("%s", mledger_error_last());
		return err == MLEDGER_EIO || err == MLEDGER_ENOMEM ?
		       CLI_STORAGE : CLI_USAGE;
	}
	if (need_private && !mledger_key_has_private(key)) {
		mledger_key_free(key);
		return cli_usage_error("%s holds only a public key; signing needs the private key file",
				       path);
	}
	*out = key;
	return CLI_OK;
}

int cli_load_pubkey(mledger_pubkey *out, const char *path)
{
	mledger_key *key = NULL;
	int rc, err;

	rc = cli_load_key(&key, path, false);
	if (rc != CLI_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	out->alg = mledger_key_alg(key);
	err = mledger_key_public(out->pub, &out->len, key);
	mledger_key_free(key);
	if (err < 0)
		return cli_lib_error(err, path);
	return CLI_OK;
}

/* ---- ledger ------------------------------------------------------------ */

const char *cli_ledger_dir(void)
{
	const char *env;

	if (cli.ledger_dir != NULL)
		return cli.ledger_dir;
	env = getenv("MLEDGER_DIR");
	if (env != NULL && *env != '\0')
		return env;
	return "ledger";
}

int cli_open_ledger(mledger_ledger **out, bool read_only)
{
	mledger_open_opts opts = MLEDGER_OPEN_OPTS_INIT;
	const char *dir = cli_ledger_dir();
	int err;

	opts.read_only = read_only;
	err = mledger_ledger_open(out, dir, &opts);
	if (err == MLEDGER_ENOTFOUND) {
		cli_error("no ledger at %s (create one with mledger init, or pass --ledger DIR or set MLEDGER_DIR)",
			  dir);
		return CLI_STORAGE;
	}
	if (err < 0) {
		cli_error("cannot open ledger at %s: %s", dir,
			  mledger_error_last());
		/* Whatever stops the ledger from opening is a storage
		 * problem for the user, even a damaged file. */
		return CLI_STORAGE;
	}
	return CLI_OK;
}

/* ---- output ------------------------------------------------------------ */

void cli_format_time(char out[CLI_TIME_MAX], uint64_t t)
{
	struct tm tm;
	time_t tt;

	/* Past year 9999 the form is no longer ISO 8601's four-digit year:
	 * show the raw seconds instead of a misleading date. */
	if (t > UINT64_C(253402300799)) {
		snprintf(out, CLI_TIME_MAX, "@%" PRIu64, t);
		return;
	}
	tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, CLI_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, CLI_TIME_MAX, "@%" PRIu64, t);
}

char *cli_hex_dup(const uint8_t *data, size_t len)
{
	char *s;

	if (len > (SIZE_MAX - 1) / 2)
		return NULL;
	s = malloc(2 * len + 1);
	if (s != NULL)
		mledger_hex(s, data, len);
	return s;
}

int cli_print_json(json_t *value)
{
	int rc = CLI_OK;

	if (value == NULL) {
		cli_error("out of memory");
		return CLI_STORAGE;
	}
	if (json_dumpf(value, stdout,
		       JSON_INDENT(2) | JSON_REAL_PRECISION(15)) < 0 ||
	    fputc('\n', stdout) == EOF) {
		cli_error("cannot write to stdout");
		rc = CLI_STORAGE;
	}
	json_decref(value);
	return rc;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void cli_progress_start(struct cli_progress *p, const char *label)
{
	p->label = label;
	p->active = isatty(STDERR_FILENO) != 0;
	p->shown = false;
	p->last_ms = 0;
}

void cli_progress_update(struct cli_progress *p, uint64_t done,
			 uint64_t total)
{
	uint64_t t;
	unsigned int pct;

	if (!p->active)
		return;
	/* Redraw at most ten times a second: a terminal is slower than
	 * the loops that report progress. */
	t = now_ms();
	if (p->shown && t - p->last_ms < 100 && done != total)
		return;
	p->last_ms = t;
	pct = total > 0 ? (unsigned int)((double)done * 100.0 / (double)total)
			: 0;
	fprintf(stderr, "\r%s: %" PRIu64 "/%" PRIu64 " (%u%%)", p->label,
		done, total, pct);
	fflush(stderr);
	p->shown = true;
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->active && p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->shown = false;
}

void cli_progress_cb(void *ctx, uint64_t done, uint64_t total)
{
	cli_progress_update(ctx, done, total);
}

/* ---- events ------------------------------------------------------------ */

int cli_event_option(struct cli_event_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_KEY:
		o->key_path = arg;
		return 0;
	case OPT_ACTOR:
		o->actor = arg;
		return 0;
	case OPT_ACTOR_SEQ:
		o->has_actor_seq = true;
		return cli_parse_u64(&o->actor_seq, arg, "--actor-seq");
	case OPT_TIME:
		o->has_time = true;
		return cli_parse_u64(&o->time, arg, "--time");
	case 'o':
		o->output = arg;
		return 0;
	default:
		return -1;
	}
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Under `mledger sign` without --actor: look the key up in a ledger if
 * there is one; an offline signer has to name the actor. */
static int sign_mode_actor(char **owner, const uint8_t kid[MLEDGER_KID_BYTES])
{
	mledger_open_opts opts = MLEDGER_OPEN_OPTS_INIT;
	mledger_ledger *ledger = NULL;
	char kidhex[2 * MLEDGER_KID_BYTES + 1];
	int err, rc = CLI_OK;

	opts.read_only = true;
	err = mledger_ledger_open(&ledger, cli_ledger_dir(), &opts);
	if (err == MLEDGER_ENOTFOUND)
		return cli_usage_error("--actor ID is needed to sign without a ledger (none at %s)",
				       cli_ledger_dir());
	if (err < 0) {
		cli_error("cannot open ledger at %s to find the key's actor: %s",
			  cli_ledger_dir(), mledger_error_last());
		return CLI_STORAGE;
	}
	err = mledger_actor_by_kid(owner, ledger, kid);
	if (err == MLEDGER_ENOTFOUND) {
		mledger_hex(kidhex, kid, MLEDGER_KID_BYTES);
		cli_error("key %s belongs to no enrolled actor; pass --actor ID",
			  kidhex);
		rc = CLI_REJECTED;
	} else if (err < 0) {
		rc = cli_lib_error(err, NULL);
	}
	mledger_ledger_close(ledger);
	return rc;
}

/* Append one signed event and say which entry it became. */
static int append_one(mledger_ledger *ledger, const mledger_event *ev,
		      const uint8_t *data, size_t len)
{
	mledger_submit_opts opts = MLEDGER_SUBMIT_OPTS_INIT;
	mledger_submit_result res;
	char summary[512];
	const char *rest;
	size_t index;
	int err, rc = CLI_OK;

	memset(&res, 0, sizeof(res));
	err = mledger_submit(&res, ledger, &data, &len, 1, &opts);
	if (err < 0) {
		/* A batch of one: "event 1 of 1: " says nothing here. */
		rest = res.nrejected > 0 ? res.rejected[0].message
					 : mledger_error_last();
		(void)cli_batch_message(rest, &index, &rest);
		cli_error("%s", rest);
		rc = cli_exit_code(err);
		goto done;
	}
	mledger_event_summary(summary, sizeof(summary), ev);
	if (cli.json) {
		rc = cli_print_json(json_pack("{s:I, s:s, s:s}",
					      "seq", (json_int_t)res.first_seq,
					      "type", mledger_event_type_name(ev->type),
					      "summary", summary));
	} else {
		printf("appended seq %" PRIu64 " (%s)\n", res.first_seq,
		       summary);
	}
done:
	mledger_submit_result_free(&res);
	return rc;
}

int cli_event_emit(mledger_event *ev, const struct cli_event_opts *o)
{
	mledger_key *key = NULL;
	mledger_ledger *ledger = NULL;
	mledger_actor *actor = NULL;
	uint8_t kid[MLEDGER_KID_BYTES];
	char *owner = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	int err, rc;

	if (o->key_path == NULL)
		return cli_missing("--key FILE (the signer's private key)");
	if (o->output != NULL && !cli.sign_mode)
		return cli_usage_error("-o is for mledger sign; this command appends to the ledger");
	if ((rc = cli_load_key(&key, o->key_path, true)) != CLI_OK)
		goto done;
	if ((err = mledger_key_id(kid, key)) < 0) {
		rc = cli_lib_error(err, o->key_path);
		goto done;
	}
	if (!cli.sign_mode && (rc = cli_open_ledger(&ledger, false)) != CLI_OK)
		goto done;

	ev->actor = o->actor;
	if (ev->actor == NULL) {
		if (cli.sign_mode) {
			rc = sign_mode_actor(&owner, kid);
			if (rc != CLI_OK)
				goto done;
		} else {
			err = mledger_actor_by_kid(&owner, ledger, kid);
			if (err == MLEDGER_ENOTFOUND) {
				char kidhex[2 * MLEDGER_KID_BYTES + 1];

				mledger_hex(kidhex, kid, MLEDGER_KID_BYTES);
				cli_error("%s: key %s belongs to no enrolled actor",
					  o->key_path, kidhex);
				rc = CLI_REJECTED;
				goto done;
			} else if (err < 0) {
				rc = cli_lib_error(err, NULL);
				goto done;
			}
		}
		ev->actor = owner;
	}

	if (o->has_actor_seq) {
		ev->actor_seq = o->actor_seq;
	} else if (cli.sign_mode) {
		ev->actor_seq = now_us();
	} else {
		err = mledger_actor_get(&actor, ledger, ev->actor);
		if (err == MLEDGER_ENOTFOUND) {
			cli_error("no actor '%s' in the ledger", ev->actor);
			rc = CLI_REJECTED;
			goto done;
		} else if (err < 0) {
			rc = cli_lib_error(err, NULL);
			goto done;
		}
		if (actor->last_actor_seq == UINT64_MAX) {
			cli_error("actor '%s' has used its last sequence number",
				  ev->actor);
			rc = CLI_REJECTED;
			goto done;
		}
		ev->actor_seq = actor->last_actor_seq + 1;
	}
	ev->time = o->has_time ? o->time : (uint64_t)time(NULL);

	if ((err = mledger_event_sign(&data, &len, ev, key)) < 0) {
		rc = cli_lib_error(err, NULL);
		goto done;
	}
	if (cli.sign_mode)
		rc = cli_write_output(o->output, data, len);
	else
		rc = append_one(ledger, ev, data, len);
done:
	free(data);
	mledger_actor_free(actor);
	free(owner);
	mledger_ledger_close(ledger);
	mledger_key_free(key);
	return rc;
}
