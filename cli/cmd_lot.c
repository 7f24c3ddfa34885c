/*
 * mledger lot register|ship|receive|transform|adjust|attest|show|history|list.
 * The six event verbs build a lot.* event from their options, check here
 * everything that can be checked without the ledger (masses in whole grams,
 * content lists, country codes, stages, models, kinds, origins, dates), and
 * hand the event to cli_event_emit(), which signs it and appends it, or
 * writes it out under `mledger sign`; so a malformed command never gets as
 * far as a signature, and both paths check the same way. The custody rules
 * (who holds a lot, how much remains, element balance, time order) are the
 * library's, enforced at append. The three queries show a lot as the ledger
 * knows it now, the entries about it, and a filtered list of lots.
 */
#include "common.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_LOT = OPT_FIRST_LOCAL,
	OPT_MATERIAL,
	OPT_MASS,
	OPT_CONTENT,
	OPT_ORIGIN,
	OPT_COUNTRY,
	OPT_SITE,
	OPT_HTS,
	OPT_VALUE,
	OPT_SECONDARY,
	OPT_TO,
	OPT_REF,
	OPT_IN,
	OPT_OUT,
	OPT_STAGE,
	OPT_FACILITY,
	OPT_VALUE_ADDED,
	OPT_MODEL,
	OPT_OUT_VALUE,
	OPT_OUT_HTS,
	OPT_KIND,
	OPT_REASON,
	OPT_TARGET,
	OPT_ID,
	OPT_OWNER,
	OPT_SCHEME,
	OPT_RESULT,
	OPT_DOC,
	OPT_DOC_SHA256,
	OPT_VALID_FROM,
	OPT_VALID_UNTIL,
	OPT_CUSTODIAN,
	OPT_STATUS,
};

/* An attested document is hashed whole; past this it is refused. */
#define DOC_FILE_MAX ((size_t)1 << 30)

/* ---- argument parsing --------------------------------------------------- */

/* Digits only, no overflow, from the span s[0..len). */
static bool span_u64(uint64_t *out, const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		uint64_t d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* A mass in whole grams, at least 1, from the span s[0..len). */
static bool span_grams(uint64_t *out, const char *s, size_t len)
{
	return span_u64(out, s, len) && *out > 0;
}

/* --mass-g N: whole grams, at least 1; "12kg" or "1.5" are refused. */
static int parse_mass(uint64_t *out, const char *s, const char *what)
{
	if (!span_grams(out, s, strlen(s)))
		return cli_usage_error("bad %s '%s': expected whole grams, at least 1 (a tonne is 1000000)",
				       what, s);
	return CLI_OK;
}

static int parse_content(mledger_element *out, size_t *n, const char *s,
			 const char *what)
{
	if (mledger_content_parse(out, n, s) < 0)
		return cli_usage_error("bad %s '%s': %s", what, s,
				       mledger_error_last());
	return CLI_OK;
}

/* A name the library did not know: its message lists the known ones. */
static int bad_name(const char *what, const char *s)
{
	return cli_usage_error("bad %s '%s': %s", what, s,
			       mledger_error_last());
}

/* Copy the id s[0..len) of option what (whole argument arg) into out. */
static int copy_id(char out[MLEDGER_ID_MAX + 1], const char *s, size_t len,
		   const char *what, const char *arg)
{
	if (len == 0)
		return cli_usage_error("bad %s '%s': the lot id is empty", what,
				       arg);
	if (len > MLEDGER_ID_MAX)
		return cli_usage_error("bad %s '%s': lot id longer than %d bytes",
				       what, arg, MLEDGER_ID_MAX);
	memcpy(out, s, len);
	out[len] = '\0';
	return CLI_OK;
}

/* ---- lot register ------------------------------------------------------- */

/* mledger lot register --key FILE --lot ID --material CODE --mass-g N
 *   --content EL=PPM[,...] --origin extraction|recycling --country CC
 *   --site ID [--hts CODE] [--value-cents N] [--secondary] */
int cmd_lot_register(int argc, char **argv)
{
	static const struct option opts[] = {
		{"lot", required_argument, NULL, OPT_LOT},
		{"material", required_argument, NULL, OPT_MATERIAL},
		{"mass-g", required_argument, NULL, OPT_MASS},
		{"content", required_argument, NULL, OPT_CONTENT},
		{"origin", required_argument, NULL, OPT_ORIGIN},
		{"country", required_argument, NULL, OPT_COUNTRY},
		{"site", required_argument, NULL, OPT_SITE},
		{"hts", required_argument, NULL, OPT_HTS},
		{"value-cents", required_argument, NULL, OPT_VALUE},
		{"secondary", no_argument, NULL, OPT_SECONDARY},
		CLI_EVENT_OPTIONS,
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_event_opts eo;
	mledger_event ev;
	mledger_ev_register *r = &ev.u.reg;
	mledger_element content[MLEDGER_ELEMENTS_MAX];
	int c;

	memset(&eo, 0, sizeof(eo));
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_REGISTER;

	while ((c = cli_getopt(argc, argv, ":ho:", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_LOT:
			r->lot = optarg;
			break;
		case OPT_MATERIAL:
			r->material = optarg;
			break;
		case OPT_MASS:
			if (parse_mass(&r->mass_g, optarg, "--mass-g"))
				return CLI_USAGE;
			break;
		case OPT_CONTENT:
			if (parse_content(content, &r->ncontent, optarg,
					  "--content"))
				return CLI_USAGE;
			break;
		case OPT_ORIGIN:
			if (mledger_origin_parse(&r->origin, optarg) < 0)
				return bad_name("--origin", optarg);
			break;
		case OPT_COUNTRY:
			if (cli_parse_country(r->country, optarg, "--country"))
				return CLI_USAGE;
			break;
		case OPT_SITE:
			r->site = optarg;
			break;
		case OPT_HTS:
			r->hts = optarg;
			break;
		case OPT_VALUE:
			if (cli_parse_u64(&r->value_cents, optarg,
					  "--value-cents"))
				return CLI_USAGE;
			r->has_value = true;
			break;
		case OPT_SECONDARY:
			r->secondary = true;
			break;
		default:
			CLI_TAKE_EVENT_OPTION(&eo, c);
			break;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (r->lot == NULL)
		return cli_missing("--lot ID");
	if (r->material == NULL)
		return cli_missing("--material CODE");
	if (r->mass_g == 0)
		return cli_missing("--mass-g N");
	if (r->ncontent == 0)
		return cli_missing("--content EL=PPM[,EL=PPM...]");
	if (r->origin == 0)
		return cli_missing("--origin extraction|recycling");
	if (r->country[0] == '\0')
		return cli_missing("--country CC");
	if (r->site == NULL)
		return cli_missing("--site ID");
	if (r->secondary && r->origin != MLEDGER_ORIGIN_EXTRACTION)
		return cli_usage_error("--secondary marks an extraction lot from tailings or slag; a recycling lot is secondary already");
	r->content = content;
	return cli_event_emit(&ev, &eo);
}

/* ---- lot ship, receive, adjust ------------------------------------------ */

/* mledger lot ship --key FILE --lot ID --to ACTOR [--ref TEXT] */
int cmd_lot_ship(int argc, char **argv)
{
	static const struct option opts[] = {
		{"lot", required_argument, NULL, OPT_LOT},
		{"to", required_argument, NULL, OPT_TO},
		{"ref", required_argument, NULL, OPT_REF},
		CLI_EVENT_OPTIONS,
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_event_opts eo;
	mledger_event ev;
	int c;

	memset(&eo, 0, sizeof(eo));
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_SHIP;

	while ((c = cli_getopt(argc, argv, ":ho:", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_LOT:
			ev.u.ship.lot = optarg;
			break;
		case OPT_TO:
			ev.u.ship.to = optarg;
			break;
		case OPT_REF:
			ev.u.ship.ref = optarg;
			break;
		default:
			CLI_TAKE_EVENT_OPTION(&eo, c);
			break;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (ev.u.ship.lot == NULL)
		return cli_missing("--lot ID");
	if (ev.u.ship.to == NULL)
		return cli_missing("--to ACTOR");
	return cli_event_emit(&ev, &eo);
}

/* mledger lot receive --key FILE --lot ID --mass-g N */
int cmd_lot_receive(int argc, char **argv)
{
	static const struct option opts[] = {
		{"lot", required_argument, NULL, OPT_LOT},
		{"mass-g", required_argument, NULL, OPT_MASS},
		CLI_EVENT_OPTIONS,
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_event_opts eo;
	mledger_event ev;
	int c;

	memset(&eo, 0, sizeof(eo));
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_RECEIVE;

	while ((c = cli_getopt(argc, argv, ":ho:", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_LOT:
			ev.u.receive.lot = optarg;
			break;
		case OPT_MASS:
			if (parse_mass(&ev.u.receive.mass_g, optarg, "--mass-g"))
				return CLI_USAGE;
			break;
		default:
			CLI_TAKE_EVENT_OPTION(&eo, c);
			break;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (ev.u.receive.lot == NULL)
		return cli_missing("--lot ID");
	if (ev.u.receive.mass_g == 0)
		return cli_missing("--mass-g N (the mass received)");
	return cli_event_emit(&ev, &eo);
}

/* mledger lot adjust --key FILE --lot ID --mass-g N --kind loss|sample|scrap
 *                    [--reason TEXT] */
int cmd_lot_adjust(int argc, char **argv)
{
	static const struct option opts[] = {
		{"lot", required_argument, NULL, OPT_LOT},
		{"mass-g", required_argument, NULL, OPT_MASS},
		{"kind", required_argument, NULL, OPT_KIND},
		{"reason", required_argument, NULL, OPT_REASON},
		CLI_EVENT_OPTIONS,
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_event_opts eo;
	mledger_event ev;
	mledger_ev_adjust *a = &ev.u.adjust;
	int c;

	memset(&eo, 0, sizeof(eo));
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_ADJUST;

	while ((c = cli_getopt(argc, argv, ":ho:", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_LOT:
			a->lot = optarg;
			break;
		case OPT_MASS:
			if (parse_mass(&a->mass_g, optarg, "--mass-g"))
				return CLI_USAGE;
			break;
		case OPT_KIND:
			if (mledger_adjust_parse(&a->kind, optarg) < 0)
				return bad_name("--kind", optarg);
			break;
		case OPT_REASON:
			a->reason = optarg;
			break;
		default:
			CLI_TAKE_EVENT_OPTION(&eo, c);
			break;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (a->lot == NULL)
		return cli_missing("--lot ID");
	if (a->mass_g == 0)
		return cli_missing("--mass-g N (the mass removed)");
	if (a->kind == 0)
		return cli_missing("--kind loss|sample|scrap");
	return cli_event_emit(&ev, &eo);
}

/* ---- lot transform ------------------------------------------------------ */

/* "LOT=X" options that add to one --out lot: its value or its HTS code. */
struct out_extra {
	const char *arg;          /* the whole option value, for messages */
	size_t idlen;             /* LOT is arg[0..idlen) */
	const char *rest;         /* X, after the '=' */
	bool used;                /* matched an --out lot */
};

/* Everything a transform's options name, in one allocation. */
struct transform_args {
	mledger_lot_input inputs[MLEDGER_LOT_IO_MAX];
	char in_lots[MLEDGER_LOT_IO_MAX][MLEDGER_ID_MAX + 1];
	size_t ninputs;
	mledger_lot_output outputs[MLEDGER_LOT_IO_MAX];
	char out_lots[MLEDGER_LOT_IO_MAX][MLEDGER_ID_MAX + 1];
	char out_materials[MLEDGER_LOT_IO_MAX][MLEDGER_ID_MAX + 1];
	mledger_element out_content[MLEDGER_LOT_IO_MAX][MLEDGER_ELEMENTS_MAX];
	size_t noutputs;
	struct out_extra values[MLEDGER_LOT_IO_MAX];
	size_t nvalues;
	struct out_extra hts[MLEDGER_LOT_IO_MAX];
	size_t nhts;
};

/* --in LOT=GRAMS */
static int parse_in(struct transform_args *t, const char *arg)
{
	const char *eq = strrchr(arg, '=');
	size_t i = t->ninputs;
	int rc;

	if (i == MLEDGER_LOT_IO_MAX)
		return cli_usage_error("at most %d --in", MLEDGER_LOT_IO_MAX);
	if (eq == NULL)
		return cli_usage_error("bad --in '%s': expected LOT=GRAMS", arg);
	if ((rc = copy_id(t->in_lots[i], arg, (size_t)(eq - arg), "--in",
			  arg)) != CLI_OK)
		return rc;
	if (!span_grams(&t->inputs[i].mass_g, eq + 1, strlen(eq + 1)))
		return cli_usage_error("bad --in '%s': GRAMS must be whole grams, at least 1",
				       arg);
	t->inputs[i].lot = t->in_lots[i];
	t->ninputs++;
	return CLI_OK;
}

/* --out LOT:MATERIAL:GRAMS[:EL=PPM,...], split on ':' into at most 4 parts */
static int parse_out(struct transform_args *t, const char *arg)
{
	const char *material, *grams, *content;
	mledger_lot_output *o;
	size_t i = t->noutputs;
	int rc;

	if (i == MLEDGER_LOT_IO_MAX)
		return cli_usage_error("at most %d --out", MLEDGER_LOT_IO_MAX);
	material = strchr(arg, ':');
	grams = material ? strchr(material + 1, ':') : NULL;
	if (grams == NULL)
		return cli_usage_error("bad --out '%s': expected LOT:MATERIAL:GRAMS[:EL=PPM,...]",
				       arg);
	material++;
	grams++;
	content = strchr(grams, ':');
	o = &t->outputs[i];
	if ((rc = copy_id(t->out_lots[i], arg, (size_t)(material - 1 - arg),
			  "--out", arg)) != CLI_OK)
		return rc;
	if (material + 1 == grams)
		return cli_usage_error("bad --out '%s': the material is empty",
				       arg);
	if ((size_t)(grams - 1 - material) > MLEDGER_ID_MAX)
		return cli_usage_error("bad --out '%s': material longer than %d bytes",
				       arg, MLEDGER_ID_MAX);
	memcpy(t->out_materials[i], material, (size_t)(grams - 1 - material));
	t->out_materials[i][grams - 1 - material] = '\0';
	if (!span_grams(&o->mass_g, grams,
			content ? (size_t)(content - grams) : strlen(grams)))
		return cli_usage_error("bad --out '%s': GRAMS must be whole grams, at least 1",
				       arg);
	if (content != NULL &&
	    mledger_content_parse(t->out_content[i], &o->ncontent,
				  content + 1) < 0)
		return cli_usage_error("bad --out '%s': %s", arg,
				       mledger_error_last());
	o->lot = t->out_lots[i];
	o->material = t->out_materials[i];
	o->content = t->out_content[i];
	t->noutputs++;
	return CLI_OK;
}

/* --out-value LOT=CENTS and --out-hts LOT=CODE: matched to outputs later. */
static int parse_extra(struct out_extra *list, size_t *n, const char *arg,
		       const char *what, const char *form)
{
	const char *eq = strrchr(arg, '=');

	if (*n == MLEDGER_LOT_IO_MAX)
		return cli_usage_error("at most %d %s", MLEDGER_LOT_IO_MAX,
				       what);
	if (eq == NULL || eq == arg || eq[1] == '\0')
		return cli_usage_error("bad %s '%s': expected %s", what, arg,
				       form);
	list[*n].arg = arg;
	list[*n].idlen = (size_t)(eq - arg);
	list[*n].rest = eq + 1;
	list[*n].used = false;
	(*n)++;
	return CLI_OK;
}

/* The --out lot an extra option names, or NULL. */
static mledger_lot_output *extra_target(struct transform_args *t,
					const struct out_extra *x)
{
	size_t i;

	for (i = 0; i < t->noutputs; i++) {
		const char *id = t->outputs[i].lot;

		if (strlen(id) == x->idlen && memcmp(id, x->arg, x->idlen) == 0)
			return &t->outputs[i];
	}
	return NULL;
}

/* Attach every --out-value and --out-hts to its output, once each. */
static int apply_extras(struct transform_args *t)
{
	mledger_lot_output *o;
	size_t i;

	for (i = 0; i < t->nvalues; i++) {
		const struct out_extra *x = &t->values[i];

		if ((o = extra_target(t, x)) == NULL)
			return cli_usage_error("bad --out-value '%s': %.*s is not an --out lot",
					       x->arg, (int)x->idlen, x->arg);
		if (o->has_value)
			return cli_usage_error("bad --out-value '%s': a second value for %s",
					       x->arg, o->lot);
		if (!span_u64(&o->value_cents, x->rest, strlen(x->rest)))
			return cli_usage_error("bad --out-value '%s': CENTS must be a whole number of US cents",
					       x->arg);
		o->has_value = true;
	}
	for (i = 0; i < t->nhts; i++) {
		const struct out_extra *x = &t->hts[i];

		if ((o = extra_target(t, x)) == NULL)
			return cli_usage_error("bad --out-hts '%s': %.*s is not an --out lot",
					       x->arg, (int)x->idlen, x->arg);
		if (o->hts != NULL)
			return cli_usage_error("bad --out-hts '%s': a second HTS code for %s",
					       x->arg, o->lot);
		o->hts = x->rest;
	}
	return CLI_OK;
}

/* mledger lot transform --key FILE --in LOT=GRAMS... --out LOT:MAT:GRAMS[:C]...
 *   --stage NAME --facility ID --country CC [--value-added-cents N]
 *   [--model M] [--out-value LOT=CENTS]... [--out-hts LOT=CODE]... */
int cmd_lot_transform(int argc, char **argv)
{
	static const struct option opts[] = {
		{"in", required_argument, NULL, OPT_IN},
		{"out", required_argument, NULL, OPT_OUT},
		{"stage", required_argument, NULL, OPT_STAGE},
		{"facility", required_argument, NULL, OPT_FACILITY},
		{"country", required_argument, NULL, OPT_COUNTRY},
		{"value-added-cents", required_argument, NULL, OPT_VALUE_ADDED},
		{"model", required_argument, NULL, OPT_MODEL},
		{"out-value", required_argument, NULL, OPT_OUT_VALUE},
		{"out-hts", required_argument, NULL, OPT_OUT_HTS},
		CLI_EVENT_OPTIONS,
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_event_opts eo;
	mledger_event ev;
	mledger_ev_transform *tr = &ev.u.transform;
	struct transform_args *t;
	int c, rc = CLI_OK;

	memset(&eo, 0, sizeof(eo));
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_TRANSFORM;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		cli_error("out of memory");
		return CLI_STORAGE;
	}

	while ((c = cli_getopt(argc, argv, ":ho:", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			goto done;
		case OPT_IN:
			rc = parse_in(t, optarg);
			break;
		case OPT_OUT:
			rc = parse_out(t, optarg);
			break;
		case OPT_STAGE:
			if (mledger_stage_parse(&tr->stage, optarg) < 0)
				rc = bad_name("--stage", optarg);
			break;
		case OPT_FACILITY:
			tr->facility = optarg;
			break;
		case OPT_COUNTRY:
			rc = cli_parse_country(tr->country, optarg, "--country");
			break;
		case OPT_VALUE_ADDED:
			rc = cli_parse_u64(&tr->value_added_cents, optarg,
					   "--value-added-cents");
			tr->has_value_added = true;
			break;
		case OPT_MODEL:
			if (mledger_model_parse(&tr->model, optarg) < 0)
				rc = bad_name("--model", optarg);
			break;
		case OPT_OUT_VALUE:
			rc = parse_extra(t->values, &t->nvalues, optarg,
					 "--out-value", "LOT=CENTS");
			break;
		case OPT_OUT_HTS:
			rc = parse_extra(t->hts, &t->nhts, optarg, "--out-hts",
					 "LOT=CODE");
			break;
		default:
			if (cli_event_option(&eo, c, optarg) != 0)
				rc = CLI_USAGE;
			break;
		}
		if (rc != CLI_OK)
			goto done;
	}
	if (optind < argc) {
		rc = cli_usage_error("unexpected argument '%s'", argv[optind]);
	} else if (t->ninputs == 0) {
		rc = cli_missing("--in LOT=GRAMS");
	} else if (t->noutputs == 0) {
		rc = cli_missing("--out LOT:MATERIAL:GRAMS[:EL=PPM,...]");
	} else if (tr->stage == 0) {
		rc = cli_missing("--stage NAME");
	} else if (tr->facility == NULL) {
		rc = cli_missing("--facility ID");
	} else if (tr->country[0] == '\0') {
		rc = cli_missing("--country CC");
	} else if ((rc = apply_extras(t)) == CLI_OK) {
		tr->inputs = t->inputs;
		tr->ninputs = t->ninputs;
		tr->outputs = t->outputs;
		tr->noutputs = t->noutputs;
		rc = cli_event_emit(&ev, &eo);
	}
done:
	free(t);
	return rc;
}

/* ---- lot attest --------------------------------------------------------- */

/* The SHA-256 of a document file ("-" for stdin). */
static int hash_doc(uint8_t out[MLEDGER_HASH_BYTES], const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	if ((rc = cli_read_file(&data, &len, path, DOC_FILE_MAX)) != CLI_OK)
		return rc;
	mledger_sha256(out, data, len);
	free(data);
	return CLI_OK;
}

/* mledger lot attest --key FILE --target lot|actor|facility --id ID
 *   [--owner ACTOR] --scheme NAME --result TEXT (--doc FILE | --doc-sha256 HEX)
 *   [--valid-from YYYY-MM-DD] [--valid-until YYYY-MM-DD] */
int cmd_lot_attest(int argc, char **argv)
{
	static const struct option opts[] = {
		{"target", required_argument, NULL, OPT_TARGET},
		{"id", required_argument, NULL, OPT_ID},
		{"owner", required_argument, NULL, OPT_OWNER},
		{"scheme", required_argument, NULL, OPT_SCHEME},
		{"result", required_argument, NULL, OPT_RESULT},
		{"doc", required_argument, NULL, OPT_DOC},
		{"doc-sha256", required_argument, NULL, OPT_DOC_SHA256},
		{"valid-from", required_argument, NULL, OPT_VALID_FROM},
		{"valid-until", required_argument, NULL, OPT_VALID_UNTIL},
		CLI_EVENT_OPTIONS,
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_event_opts eo;
	mledger_event ev;
	mledger_ev_attest *a = &ev.u.attest;
	const char *doc = NULL, *doc_hex = NULL;
	int c, rc;

	memset(&eo, 0, sizeof(eo));
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_ATTEST;

	while ((c = cli_getopt(argc, argv, ":ho:", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_TARGET:
			if (mledger_target_parse(&a->target, optarg) < 0)
				return bad_name("--target", optarg);
			break;
		case OPT_ID:
			a->id = optarg;
			break;
		case OPT_OWNER:
			a->owner = optarg;
			break;
		case OPT_SCHEME:
			a->scheme = optarg;
			break;
		case OPT_RESULT:
			a->result = optarg;
			break;
		case OPT_DOC:
			doc = optarg;
			break;
		case OPT_DOC_SHA256:
			doc_hex = optarg;
			break;
		case OPT_VALID_FROM:
			if (cli_parse_date(&a->valid_from, optarg,
					   "--valid-from"))
				return CLI_USAGE;
			break;
		case OPT_VALID_UNTIL:
			if (cli_parse_date(&a->valid_until, optarg,
					   "--valid-until"))
				return CLI_USAGE;
			/* Valid through the end of that day, UTC. */
			a->valid_until += 86399;
			break;
		default:
			CLI_TAKE_EVENT_OPTION(&eo, c);
			break;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (a->target == 0)
		return cli_missing("--target lot|actor|facility");
	if (a->id == NULL)
		return cli_missing("--id ID");
	if (a->target == MLEDGER_TARGET_FACILITY && a->owner == NULL)
		return cli_missing("--owner ACTOR (the actor the facility belongs to)");
	if (a->target != MLEDGER_TARGET_FACILITY && a->owner != NULL)
		return cli_usage_error("--owner is for --target facility only");
	if (a->scheme == NULL)
		return cli_missing("--scheme NAME");
	if (a->result == NULL)
		return cli_missing("--result TEXT");
	if (doc != NULL && doc_hex != NULL)
		return cli_usage_error("give --doc FILE or --doc-sha256 HEX, not both");
	if (doc == NULL && doc_hex == NULL)
		return cli_missing("--doc FILE or --doc-sha256 HEX");
	if (a->valid_from != 0 && a->valid_until != 0 &&
	    a->valid_until < a->valid_from)
		return cli_usage_error("--valid-until is before --valid-from");
	if (doc_hex != NULL)
		rc = cli_parse_hex(a->doc_sha256, MLEDGER_HASH_BYTES, doc_hex,
				   "--doc-sha256");
	else
		rc = hash_doc(a->doc_sha256, doc);
	if (rc != CLI_OK)
		return rc;
	return cli_event_emit(&ev, &eo);
}

/* ---- queries ------------------------------------------------------------ */

/* "2.79" for 27900 ppm: a percentage without trailing zeros. */
static void format_percent(char *buf, size_t size, uint32_t ppm)
{
	char frac[8];
	size_t n;

	snprintf(frac, sizeof(frac), "%04u", ppm % 10000u);
	for (n = strlen(frac); n > 0 && frac[n - 1] == '0'; n--)
		frac[n - 1] = '\0';
	if (n == 0)
		snprintf(buf, size, "%u", ppm / 10000u);
	else
		snprintf(buf, size, "%u.%s", ppm / 10000u, frac);
}

static json_t *lot_json(const mledger_lot *l)
{
	json_t *obj, *ppm, *pct;
	char when[CLI_TIME_MAX];
	size_t i;

	ppm = json_object();
	pct = json_object();
	for (i = 0; i < l->ncontent; i++) {
		json_object_set_new(ppm, l->content[i].symbol,
				    json_integer(l->content[i].ppm));
		json_object_set_new(pct, l->content[i].symbol,
				    json_real(l->content[i].ppm / 10000.0));
	}
	cli_format_time(when, l->last_time);
	obj = json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, s:s, s:s, s:o, s:o, s:o, s:I, s:I, s:s}",
			"id", l->id,
			"material", l->material,
			"content_ppm", ppm,
			"content_percent", pct,
			"mass_g", (json_int_t)l->mass_g,
			"remaining_g", (json_int_t)l->remaining_g,
			"status", mledger_lot_status_name(l->status),
			"custodian", l->custodian,
			"receiver", l->receiver ? json_string(l->receiver)
						: json_null(),
			"hts", l->hts ? json_string(l->hts) : json_null(),
			"value_cents", l->has_value
				? json_integer((json_int_t)l->value_cents)
				: json_null(),
			"created_seq", (json_int_t)l->created_seq,
			"last_time", (json_int_t)l->last_time,
			"last_time_utc", when);
	return obj;
}

static void lot_print(const mledger_lot *l)
{
	char when[CLI_TIME_MAX], pct[16];
	size_t i;

	printf("id           %s\n", l->id);
	printf("material     %s\n", l->material);
	for (i = 0; i < l->ncontent; i++) {
		format_percent(pct, sizeof(pct), l->content[i].ppm);
		printf("%-13s%-2s %7u ppm  (%s %%)\n", i == 0 ? "content" : "",
		       l->content[i].symbol, l->content[i].ppm, pct);
	}
	if (l->ncontent == 0)
		printf("content      none recorded\n");
	printf("mass         %" PRIu64 " g\n", l->mass_g);
	printf("remaining    %" PRIu64 " g\n", l->remaining_g);
	if (l->status == MLEDGER_LOT_IN_TRANSIT && l->receiver != NULL)
		printf("status       in-transit to %s\n", l->receiver);
	else
		printf("status       %s\n", mledger_lot_status_name(l->status));
	printf("custodian    %s\n", l->custodian);
	if (l->hts != NULL)
		printf("hts          %s\n", l->hts);
	if (l->has_value)
		printf("value        USD %" PRIu64 ".%02u (%" PRIu64 " cents)\n",
		       l->value_cents / 100,
		       (unsigned int)(l->value_cents % 100), l->value_cents);
	printf("created      entry %" PRIu64 "\n", l->created_seq);
	cli_format_time(when, l->last_time);
	printf("last event   %s\n", when);
}

/* The one positional ID of a query; exit code on failure. */
static int query_id(const char **id, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_GETOPT_HELP;
		default:
			return CLI_USAGE;
		}
	}
	if (optind >= argc)
		return cli_missing("ID");
	if (optind + 1 < argc)
		return cli_usage_error("unexpected argument '%s'",
				       argv[optind + 1]);
	*id = argv[optind];
	return CLI_OK;
}

/* mledger lot show ID [--json] */
int cmd_lot_show(int argc, char **argv)
{
	mledger_ledger *ledger = NULL;
	mledger_lot *lot = NULL;
	const char *id = NULL;
	int err, rc;

	if ((rc = query_id(&id, argc, argv)) != CLI_OK)
		return rc == CLI_GETOPT_HELP ? CLI_OK : rc;
	if ((rc = cli_open_ledger(&ledger, true)) != CLI_OK)
		return rc;
	if ((err = mledger_lot_get(&lot, ledger, id)) < 0) {
		rc = cli_lib_error(err, NULL);
		goto done;
	}
	if (cli.json)
		rc = cli_print_json(lot_json(lot));
	else
		lot_print(lot);
done:
	mledger_lot_free(lot);
	mledger_ledger_close(ledger);
	return rc;
}

/* mledger lot history ID [--json] */
int cmd_lot_history(int argc, char **argv)
{
	struct cli_entry_printer printer = CLI_ENTRY_PRINTER_INIT;
	mledger_ledger *ledger = NULL;
	uint64_t *seqs = NULL, n;
	uint8_t *data = NULL;
	size_t count = 0, len, i;
	const char *id = NULL;
	int err, rc;

	if ((rc = query_id(&id, argc, argv)) != CLI_OK)
		return rc == CLI_GETOPT_HELP ? CLI_OK : rc;
	if ((rc = cli_open_ledger(&ledger, true)) != CLI_OK)
		return rc;
	if ((err = mledger_lot_history(&seqs, &count, ledger, id)) < 0) {
		rc = cli_lib_error(err, NULL);
		goto done;
	}
	for (n = count > 0 ? seqs[count - 1] : 0; n >= 10; n /= 10)
		printer.width++;
	for (i = 0; i < count && rc == CLI_OK; i++) {
		if ((err = mledger_entry_get(&data, &len, ledger, seqs[i])) < 0) {
			rc = cli_lib_error(err, NULL);
			break;
		}
		rc = cli_entry_print(&printer, seqs[i], data, len);
		free(data);
		data = NULL;
	}
	if (rc == CLI_OK)
		cli_entry_print_end(&printer);
done:
	free(seqs);
	mledger_ledger_close(ledger);
	return rc;
}

struct list_ctx {
	bool first;        /* no JSON element printed yet */
	int rc;            /* exit code when the walk stopped on an error */
};

static int list_one(void *arg, const mledger_lot *l)
{
	struct list_ctx *ctx = arg;
	json_t *obj;
	char *json;

	if (!cli.json) {
		printf("%-24s  %-24s  %14" PRIu64 "  %-10s  %s\n", l->id,
		       l->material, l->remaining_g,
		       mledger_lot_status_name(l->status), l->custodian);
		return 0;
	}
	obj = lot_json(l);
	json = obj ? json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(15))
		   : NULL;
	json_decref(obj);
	if (json == NULL) {
		cli_error("out of memory");
		ctx->rc = CLI_STORAGE;
		return -1;
	}
	printf("%s\n  %s", ctx->first ? "[" : ",", json);
	ctx->first = false;
	free(json);
	return 0;
}

/* mledger lot list [--custodian ACTOR] [--status STATUS] [--json] */
int cmd_lot_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{"custodian", required_argument, NULL, OPT_CUSTODIAN},
		{"status", required_argument, NULL, OPT_STATUS},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct list_ctx ctx = {true, CLI_OK};
	mledger_ledger *ledger = NULL;
	mledger_lot_status status = 0;
	const char *custodian = NULL;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case CLI_GETOPT_HELP:
			return CLI_OK;
		case OPT_CUSTODIAN:
			custodian = optarg;
			break;
		case OPT_STATUS:
			if (mledger_lot_status_parse(&status, optarg) < 0)
				return cli_usage_error("bad --status '%s': expected active, in-transit or consumed",
						       optarg);
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if ((rc = cli_open_ledger(&ledger, true)) != CLI_OK)
		return rc;
	if (!cli.json)
		printf("%-24s  %-24s  %14s  %-10s  %s\n", "LOT", "MATERIAL",
		       "REMAINING (g)", "STATUS", "CUSTODIAN");
	err = mledger_lot_list(ledger, custodian, status, list_one, &ctx);
	if (err < 0 && ctx.rc == CLI_OK)
		ctx.rc = cli_lib_error(err, NULL);
	if (cli.json && ctx.rc == CLI_OK)
		printf("%s]\n", ctx.first ? "[" : "\n");
	rc = ctx.rc;
	mledger_ledger_close(ledger);
	return rc;
}
