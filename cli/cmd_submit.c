/*
 * mledger submit FILE... [--each] [--partial]: append signed events made
 * elsewhere (by `mledger sign`). Each file holds one signed event or
 * several concatenated; all of them form one batch handed to the library in
 * one call, so the append is one durable transaction: by default one bad
 * event rejects the whole batch and leaves the ledger as it was, and every
 * message names the file and the event's place in it, which is what the
 * person holding the files can act on. With --each every file is a batch
 * of its own (mledger_submit_each), as when files come from many parties:
 * one refused file leaves the others to go in.
 */
#include "common.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_PARTIAL = OPT_FIRST_LOCAL,
	OPT_EACH,
};

/* Show reading progress only when there are enough files to wait for. */
#define PROGRESS_MIN_FILES 64

/* Where one event of the batch came from. */
struct origin {
	size_t file;        /* index into the file list */
	size_t index;       /* zero-based position in its file */
};

struct batch {
	const char **names;      /* per file: path, or "stdin" */
	uint8_t **bufs;          /* per file: its bytes */
	size_t *counts;          /* per file: events it holds */
	size_t nfiles;
	const uint8_t **events;  /* per event: its bytes, inside bufs */
	size_t *lens;
	struct origin *origins;
	size_t n, cap;
	size_t nbad;             /* files or events rejected before submit */
	bool *refused;           /* per file: refused whole while read */
};

static void batch_free(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->nfiles; i++)
		free(b->bufs[i]);
	free(b->names);
	free(b->bufs);
	free(b->counts);
	free(b->events);
	free(b->lens);
	free(b->origins);
	free(b->refused);
}

static int batch_push(struct batch *b, const uint8_t *data, size_t len,
		      size_t file)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		const uint8_t **events = realloc(b->events,
						 cap * sizeof(*events));
		size_t *lens;
		struct origin *origins;

		if (events == NULL)
			return CLI_STORAGE;
		b->events = events;
		lens = realloc(b->lens, cap * sizeof(*lens));
		if (lens == NULL)
			return CLI_STORAGE;
		b->lens = lens;
		origins = realloc(b->origins, cap * sizeof(*origins));
		if (origins == NULL)
			return CLI_STORAGE;
		b->origins = origins;
		b->cap = cap;
	}
	b->events[b->n] = data;
	b->lens[b->n] = len;
	b->origins[b->n].file = file;
	b->origins[b->n].index = b->counts[file];
	b->counts[file]++;
	b->n++;
	return CLI_OK;
}

/*
 * Split file f into its events. mledger_signed_next() cuts one canonical
 * value and says whether it is a signed event at all, so a file of stray
 * bytes is one rejection, not one per byte. A malformed stream cannot be
 * resynchronised: what follows the first bad value is rejected with it.
 * Returns CLI_OK, CLI_REJECTED (already printed) or CLI_STORAGE.
 */
static int batch_split(struct batch *b, size_t f, size_t len)
{
	const uint8_t *data = b->bufs[f];
	size_t off = 0, n;
	int err;

	if (len == 0) {
		cli_error("%s: empty file, no signed event in it",
			  b->names[f]);
		return CLI_REJECTED;
	}
	while (off < len) {
		err = mledger_signed_next(&n, data + off, len - off);
		if (err < 0) {
			if (err == MLEDGER_ENOMEM) {
				cli_error("out of memory");
				return CLI_STORAGE;
			}
			cli_error("%s (event %zu, byte %zu): %s", b->names[f],
				  b->counts[f] + 1, off, mledger_error_last());
			return CLI_REJECTED;
		}
		if (batch_push(b, data + off, n, f) != CLI_OK) {
			cli_error("out of memory");
			return CLI_STORAGE;
		}
		off += n;
	}
	return CLI_OK;
}

/*
 * Read and split every file. A file that cannot be read or split is
 * reported and, with partial or each, left out while the others still go
 * in: with each (and not partial) it is left out whole, since it would
 * have been refused whole as a batch of its own.
 */
static int batch_read(struct batch *b, char **paths, size_t nfiles,
		      bool partial, bool each)
{
	struct cli_progress progress;
	size_t i, len;
	bool seen_stdin = false;
	int rc = CLI_OK;

	b->names = calloc(nfiles, sizeof(*b->names));
	b->bufs = calloc(nfiles, sizeof(*b->bufs));
	b->counts = calloc(nfiles, sizeof(*b->counts));
	b->refused = calloc(nfiles, sizeof(*b->refused));
	if (b->names == NULL || b->bufs == NULL || b->counts == NULL ||
	    b->refused == NULL) {
		cli_error("out of memory");
		return CLI_STORAGE;
	}
	b->nfiles = nfiles;
	cli_progress_start(&progress, "reading");
	for (i = 0; i < nfiles; i++) {
		bool is_stdin = strcmp(paths[i], "-") == 0;

		if (is_stdin && seen_stdin) {
			rc = cli_usage_error("'-' (stdin) given twice");
			break;
		}
		seen_stdin = seen_stdin || is_stdin;
		b->names[i] = is_stdin ? "stdin" : paths[i];
		if (nfiles >= PROGRESS_MIN_FILES)
			cli_progress_update(&progress, i, nfiles);
		rc = cli_read_file(&b->bufs[i], &len, paths[i],
				   CLI_SUBMIT_FILE_MAX);
		if (rc == CLI_OK)
			rc = batch_split(b, i, len);
		if (rc == CLI_REJECTED && (partial || each)) {
			/* Already printed; the other files still go in. */
			b->nbad++;
			rc = CLI_OK;
			if (each && !partial) {
				b->n -= b->counts[i];
				b->counts[i] = 0;
				b->refused[i] = true;
			}
		}
		if (rc != CLI_OK)
			break;
	}
	cli_progress_end(&progress);
	return rc;
}

/* Print one rejection as "FILE (event i of m): why". */
static void print_rejection(const struct batch *b, size_t index, int code,
			    const char *message)
{
	const struct origin *o;
	const char *rest = message;
	size_t k;

	/* The library counts in the whole batch; the user knows files. */
	if (cli_batch_message(message, &k, &rest) && index == SIZE_MAX)
		index = k;
	if (index >= b->n) {
		cli_error("%s", message[0] ? message : mledger_strerror(code));
		return;
	}
	o = &b->origins[index];
	cli_error("%s (event %zu of %zu): %s", b->names[o->file],
		  o->index + 1, b->counts[o->file], rest);
}

static json_t *rejections_json(const struct batch *b,
			       const mledger_submit_result *res)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < res->nrejected; i++) {
		const mledger_rejection *r = &res->rejected[i];
		const char *rest = r->message;
		size_t k;
		json_t *item;

		(void)cli_batch_message(r->message, &k, &rest);
		if (r->index < b->n) {
			const struct origin *o = &b->origins[r->index];

			item = json_pack("{s:s, s:I, s:I, s:s, s:s}",
					 "file", b->names[o->file],
					 "event", (json_int_t)(o->index + 1),
					 "of", (json_int_t)b->counts[o->file],
					 "code", mledger_strerror(r->code),
					 "error", rest);
		} else {
			item = json_pack("{s:s, s:s}",
					 "code", mledger_strerror(r->code),
					 "error", rest);
		}
		json_array_append_new(arr, item);
	}
	return arr;
}

static int print_result(const struct batch *b,
			const mledger_submit_result *res)
{
	uint64_t last = res->first_seq + res->appended - 1;

	if (cli.json) {
		json_t *obj = json_pack("{s:I, s:o}",
					"appended", (json_int_t)res->appended,
					"rejected", rejections_json(b, res));

		if (obj != NULL && res->appended > 0) {
			json_object_set_new(obj, "first_seq",
					    json_integer((json_int_t)res->first_seq));
			json_object_set_new(obj, "last_seq",
					    json_integer((json_int_t)last));
		}
		return cli_print_json(obj);
	}
	if (res->appended == 0)
		printf("appended 0 events\n");
	else if (res->appended == 1)
		printf("appended 1 event: seq %" PRIu64 "\n", res->first_seq);
	else
		printf("appended %" PRIu64 " events: seq %" PRIu64 "..%" PRIu64 "\n",
		       res->appended, res->first_seq, last);
	return CLI_OK;
}

/* What one file's batch came to, as "FILE: appended ..." or its JSON. */
static json_t *file_json(const struct batch *b, size_t f,
			 const mledger_submit_result *res)
{
	json_t *obj, *arr = json_array();

	for (size_t i = 0; arr != NULL && res != NULL && i < res->nrejected;
	     i++) {
		const mledger_rejection *r = &res->rejected[i];
		const char *rest = r->message;
		size_t k;

		(void)cli_batch_message(r->message, &k, &rest);
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s}",
			"event", (json_int_t)(r->index + 1),
			"code", mledger_strerror(r->code), "error", rest));
	}
	obj = json_pack("{s:s, s:I, s:I, s:o}", "file", b->names[f],
			"events", (json_int_t)b->counts[f], "appended",
			(json_int_t)(res != NULL ? res->appended : 0),
			"rejected", arr);
	if (obj != NULL && res != NULL && res->appended > 0) {
		json_object_set_new(obj, "first_seq",
				    json_integer((json_int_t)res->first_seq));
		json_object_set_new(obj, "last_seq", json_integer(
			(json_int_t)(res->first_seq + res->appended - 1)));
	}
	if (obj != NULL && b->refused[f])
		json_object_set_new(obj, "refused", json_true());
	return obj;
}

static void print_file(const struct batch *b, size_t f,
		       const mledger_submit_result *res)
{
	uint64_t last = res->first_seq + res->appended - 1;

	if (res->appended == 0)
		printf("%s: appended 0 events\n", b->names[f]);
	else if (res->appended == 1)
		printf("%s: appended 1 event: seq %" PRIu64 "\n", b->names[f],
		       res->first_seq);
	else
		printf("%s: appended %" PRIu64 " events: seq %" PRIu64 "..%" PRIu64 "\n",
		       b->names[f], res->appended, res->first_seq, last);
}

/* --each as it goes: which batch is which file, and what is printed. */
struct each_run {
	const struct batch *b;
	const size_t *file_of;    /* per batch: its file */
	const size_t *offset;     /* per batch: its first event in b */
	size_t next_file;         /* the first file not yet reported */
	bool refused;             /* some file or event was refused */
};

/* Report the files refused while read, up to (not including) file f. */
static void each_skipped(struct each_run *e, size_t f)
{
	for (; e->next_file < f; e->next_file++) {
		printf("%s: appended 0 events\n", e->b->names[e->next_file]);
		e->refused = true;
	}
}

/* Batch k is final: report it now (a line once its commit is durable). */
static void each_done(void *ctx, size_t k, const mledger_submit_result *r)
{
	struct each_run *e = ctx;
	size_t f = e->file_of[k];

	each_skipped(e, f);
	for (size_t i = 0; i < r->nrejected; i++)
		print_rejection(e->b, e->offset[k] + r->rejected[i].index,
				r->rejected[i].code, r->rejected[i].message);
	print_file(e->b, f, r);
	fflush(stdout);
	if (r->nrejected > 0 || r->appended < e->b->counts[f])
		e->refused = true;
	e->next_file = f + 1;
}

/*
 * --each: every file that was read whole is a batch of its own, appended
 * in the order given. Prints a line per file, each as soon as its batch is
 * final (with --json, one document at the end), and returns the exit code.
 */
static int submit_each(mledger_ledger *ledger, struct batch *b, bool partial)
{
	mledger_submit_opts sopts = MLEDGER_SUBMIT_OPTS_INIT;
	mledger_batch_in *in = calloc(b->nfiles, sizeof(*in));
	mledger_submit_result *res = calloc(b->nfiles, sizeof(*res));
	size_t *file_of = calloc(b->nfiles, sizeof(*file_of));
	size_t *offset = calloc(b->nfiles, sizeof(*offset));
	struct each_run run = {b, file_of, offset, 0, b->nbad > 0};
	size_t nin = 0, at = 0, k;
	json_t *files = NULL;
	int err, rc = CLI_OK;

	if (in == NULL || res == NULL || file_of == NULL || offset == NULL) {
		cli_error("out of memory");
		rc = CLI_STORAGE;
		goto done;
	}
	for (size_t f = 0; f < b->nfiles; f++) {
		if (b->counts[f] > 0) {
			in[nin] = (mledger_batch_in){b->events + at,
						     b->lens + at, b->counts[f]};
			file_of[nin] = f;
			offset[nin] = at;
			nin++;
		}
		at += b->counts[f];
	}
	sopts.partial = partial;
	err = nin == 0 ? 0 : mledger_submit_each(res, ledger, in, nin, &sopts,
		cli.json ? NULL : each_done, &run);
	if (err < 0 && cli_exit_code(err) != CLI_REJECTED) {
		/* The batches reported so far stay appended. */
		cli_error("%s", mledger_error_last());
		rc = cli_exit_code(err);
		goto done;
	}
	if (!cli.json) {
		each_skipped(&run, b->nfiles);
		rc = run.refused ? CLI_REJECTED : CLI_OK;
		goto done;
	}
	if ((files = json_array()) == NULL) {
		rc = CLI_STORAGE;
		goto done;
	}
	k = 0;
	for (size_t f = 0; f < b->nfiles; f++) {
		const mledger_submit_result *r = NULL;

		if (k < nin && file_of[k] == f)
			r = &res[k++];
		if (r == NULL || r->nrejected > 0 || r->appended < b->counts[f])
			rc = CLI_REJECTED;
		json_array_append_new(files, file_json(b, f, r));
	}
	if (rc == CLI_OK && b->nbad > 0)
		rc = CLI_REJECTED;
	if (cli_print_json(json_pack("{s:o}", "files", files)) != CLI_OK)
		rc = CLI_STORAGE;
done:
	for (k = 0; res != NULL && k < nin; k++)
		mledger_submit_result_free(&res[k]);
	free(in);
	free(res);
	free(file_of);
	free(offset);
	return rc;
}

/* mledger submit FILE... [--each] [--partial] */
int cmd_submit(int argc, char **argv)
{
	static const struct option opts[] = {
		{"partial", no_argument, NULL, OPT_PARTIAL},
		{"each", no_argument, NULL, OPT_EACH},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	mledger_submit_opts sopts = MLEDGER_SUBMIT_OPTS_INIT;
	mledger_submit_result res;
	mledger_ledger *ledger = NULL;
	struct batch b;
	bool partial = false, each = false;
	size_t i;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_PARTIAL:
			partial = true;
			break;
		case OPT_EACH:
			each = true;
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (optind >= argc)
		return cli_missing("FILE (signed events to append; - for stdin)");

	memset(&b, 0, sizeof(b));
	memset(&res, 0, sizeof(res));
	/* Open first: no point reading a gigabyte for a ledger not there. */
	if ((rc = cli_open_ledger(&ledger, false)) != CLI_OK)
		goto done;
	rc = batch_read(&b, argv + optind, (size_t)(argc - optind), partial,
			each);
	if (rc != CLI_OK)
		goto done;
	if (each) {
		rc = submit_each(ledger, &b, partial);
		goto done;
	}
	if (b.n == 0) {
		/* Only with --partial: every file was rejected. */
		rc = print_result(&b, &res) != CLI_OK ? CLI_STORAGE
						      : CLI_REJECTED;
		goto done;
	}

	sopts.partial = partial;
	err = mledger_submit(&res, ledger, b.events, b.lens, b.n, &sopts);
	if (err < 0 && !(partial && res.nrejected > 0)) {
		rc = cli_exit_code(err);
		if (rc == CLI_REJECTED) {
			if (res.nrejected > 0)
				print_rejection(&b, res.rejected[0].index,
						res.rejected[0].code,
						res.rejected[0].message);
			else
				print_rejection(&b, SIZE_MAX, err,
						mledger_error_last());
		} else {
			cli_error("%s", mledger_error_last());
		}
		goto done;
	}
	for (i = 0; i < res.nrejected; i++)
		print_rejection(&b, res.rejected[i].index,
				res.rejected[i].code, res.rejected[i].message);
	rc = print_result(&b, &res);
	if (rc == CLI_OK && (res.nrejected > 0 || b.nbad > 0))
		rc = CLI_REJECTED;
done:
	mledger_submit_result_free(&res);
	mledger_ledger_close(ledger);
	batch_free(&b);
	return rc;
}
