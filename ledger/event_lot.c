/*
 * The custody events: lot.register, ship, receive, transform, adjust and
 * attest. Their names and enumerations, the element content lists, and the
 * canonical encoding and strict decoding of their bodies (proto/events.md).
 * event.c and event_decode.c call in here for these types.
 */
#include "event_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

/* ---- names ------------------------------------------------------------ */

static const char *const origin_names[] = {
	[MLEDGER_ORIGIN_EXTRACTION] = "extraction",
	[MLEDGER_ORIGIN_RECYCLING] = "recycling",
};

static const char *const stage_names[] = {
	[MLEDGER_STAGE_REFINING] = "refining",
	[MLEDGER_STAGE_SMELTING] = "smelting",
	[MLEDGER_STAGE_CASTING] = "casting",
	[MLEDGER_STAGE_PRECURSOR] = "precursor",
	[MLEDGER_STAGE_CATHODE] = "cathode",
	[MLEDGER_STAGE_ANODE] = "anode",
	[MLEDGER_STAGE_CELL] = "cell",
	[MLEDGER_STAGE_MODULE] = "module",
	[MLEDGER_STAGE_PACK] = "pack",
	[MLEDGER_STAGE_ASSEMBLY] = "assembly",
	[MLEDGER_STAGE_RECYCLING] = "recycling",
	[MLEDGER_STAGE_SPLIT] = "split",
	[MLEDGER_STAGE_MERGE] = "merge",
	[MLEDGER_STAGE_CONCENTRATION] = "concentration",
	[MLEDGER_STAGE_CONVERSION] = "conversion",
	[MLEDGER_STAGE_ALLOYING] = "alloying",
};

static const char *const model_names[] = {
	[MLEDGER_MODEL_SEGREGATED] = "segregated",
	[MLEDGER_MODEL_CONTROLLED_BLENDING] = "controlled-blending",
	[MLEDGER_MODEL_MASS_BALANCE] = "mass-balance",
};

static const char *const adjust_names[] = {
	[MLEDGER_ADJUST_LOSS] = "loss",
	[MLEDGER_ADJUST_SAMPLE] = "sample",
	[MLEDGER_ADJUST_SCRAP] = "scrap",
};

static const char *const target_names[] = {
	[MLEDGER_TARGET_LOT] = "lot",
	[MLEDGER_TARGET_ACTOR] = "actor",
	[MLEDGER_TARGET_FACILITY] = "facility",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, int v)
{
	return v > 0 && (size_t)v < n ? names[v] : NULL;
}

static int parse_name(int *out, const char *const *names, size_t n,
		      const char *name, const char *what)
{
	char known[256];
	size_t used = 0;

	for (size_t i = 1; i < n; i++) {
		if (names[i] != NULL && strcmp(names[i], name) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	known[0] = '\0';
	for (size_t i = 1; i < n && used < sizeof(known); i++) {
		int w = snprintf(known + used, sizeof(known) - used, "%s%s",
				 used ? ", " : "", names[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return mledger_error_set(MLEDGER_EINVAL, "unknown %s \"%.64s\" (known: %s)",
				 what, name, known);
}

#define NAMES(fn, type, table, what)                                         \
	const char *mledger_##fn##_name(type v)                              \
	{                                                                    \
		return name_of(table, COUNT(table), (int)v);                 \
	}                                                                    \
	int mledger_##fn##_parse(type *out, const char *name)                \
	{                                                                    \
		int v = 0, error = parse_name(&v, table, COUNT(table), name, what); \
		if (error == 0)                                              \
			*out = (type)v;                                      \
		return error;                                                \
	}

NAMES(origin, mledger_origin, origin_names, "origin")
NAMES(stage, mledger_stage, stage_names, "stage")
NAMES(model, mledger_custody_model, model_names, "chain-of-custody model")
NAMES(adjust, mledger_adjust_kind, adjust_names, "adjustment")
NAMES(target, mledger_target_kind, target_names, "attestation target")

/* ---- elements --------------------------------------------------------- */

static const char elements[] =
	" H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe"
	" Co Ni Cu Zn Ga Ge As Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In"
	" Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf"
	" Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am"
	" Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og ";

/*
 * Per first letter, a bit per second letter ('a' + i at bit i) and bit 26
 * for the one-letter symbol: built once from the list above, then one load
 * and one test per symbol, which lot contents are full of.
 */
#define ONE_LETTER 26
static uint32_t element_bits[26];
static pthread_once_t element_once = PTHREAD_ONCE_INIT;

static void element_bits_build(void)
{
	for (const char *p = elements; *p != '\0'; p++) {
		if (p[0] < 'A' || p[0] > 'Z')
			continue;
		element_bits[p[0] - 'A'] |= p[1] >= 'a' && p[1] <= 'z'
			? UINT32_C(1) << (p[1] - 'a')
			: UINT32_C(1) << ONE_LETTER;
	}
}

int mledger_element_valid(const char *symbol)
{
	size_t n = symbol ? strlen(symbol) : 0;

	if (n < 1 || n > 2 || symbol[0] < 'A' || symbol[0] > 'Z' ||
	    (n == 2 && (symbol[1] < 'a' || symbol[1] > 'z')))
		return 0;
	pthread_once(&element_once, element_bits_build);
	return (element_bits[symbol[0] - 'A'] &
		(n == 1 ? UINT32_C(1) << ONE_LETTER
			: UINT32_C(1) << (symbol[1] - 'a'))) != 0;
}

static int element_cmp(const void *a, const void *b)
{
	return strcmp(((const mledger_element *)a)->symbol,
		      ((const mledger_element *)b)->symbol);
}

int mledger_check_content(int code, const char *what,
			  const mledger_element *c, size_t n)
{
	uint64_t total = 0;

	if (n > MLEDGER_ELEMENTS_MAX)
		return mledger_error_set(code, "%s: more than %d elements", what,
					 MLEDGER_ELEMENTS_MAX);
	for (size_t i = 0; i < n; i++) {
		if (!mledger_element_valid(c[i].symbol))
			return mledger_error_set(code,
				"%s: \"%s\" is not an element symbol", what,
				c[i].symbol);
		if (c[i].ppm == 0 || c[i].ppm > MLEDGER_PPM)
			return mledger_error_set(code,
				"%s: %s content %u ppm is not in 1..1000000",
				what, c[i].symbol, c[i].ppm);
		/* One encoding per content: symbols in byte order, once. */
		if (i > 0 && strcmp(c[i - 1].symbol, c[i].symbol) >= 0)
			return mledger_error_set(code,
				"%s: elements out of order or repeated at %s",
				what, c[i].symbol);
		total += c[i].ppm;
	}
	if (total > MLEDGER_PPM)
		return mledger_error_set(code,
			"%s: element contents add up to %llu ppm, over 1000000",
			what, (unsigned long long)total);
	return 0;
}

int mledger_content_parse(mledger_element *out, size_t *n, const char *list)
{
	const char *p = list;
	size_t count = 0;

	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		char num[24], *end;
		unsigned long long v;
		size_t slen;

		if (count == MLEDGER_ELEMENTS_MAX)
			return mledger_error_set(MLEDGER_EINVAL,
				"content: more than %d elements",
				MLEDGER_ELEMENTS_MAX);
		slen = eq ? (size_t)(eq - p) : 0;
		if (eq == NULL || slen < 1 || slen > 2 ||
		    len - slen - 1 == 0 || len - slen - 1 >= sizeof(num))
			return mledger_error_set(MLEDGER_EINVAL,
				"content item \"%.*s\" is not ELEMENT=PPM (e.g. Li=60000)",
				(int)(len > 40 ? 40 : len), p);
		memcpy(out[count].symbol, p, slen);
		out[count].symbol[slen] = '\0';
		memcpy(num, eq + 1, len - slen - 1);
		num[len - slen - 1] = '\0';
		if (!mledger_element_valid(out[count].symbol))
			return mledger_error_set(MLEDGER_EINVAL,
				"content: \"%s\" is not an element symbol",
				out[count].symbol);
		if (num[0] < '0' || num[0] > '9')
			goto bad_number;
		v = strtoull(num, &end, 10);
		if (*end != '\0' || v == 0 || v > MLEDGER_PPM)
			goto bad_number;
		out[count].ppm = (uint32_t)v;
		count++;
		p += len;
		if (*p == ',' && *++p == '\0')
			return mledger_error_set(MLEDGER_EINVAL,
				"content list ends with a comma");
		continue;
bad_number:
		return mledger_error_set(MLEDGER_EINVAL,
			"content: %s=%s is not a whole number of ppm in 1..1000000",
			out[count].symbol, num);
	}
	if (count == 0)
		return mledger_error_set(MLEDGER_EINVAL, "content list is empty");
	qsort(out, count, sizeof(*out), element_cmp);
	*n = count;
	return mledger_check_content(MLEDGER_EINVAL, "content", out, count);
}

/* ---- shape checks ----------------------------------------------------- */

static int check_idz(int code, const char *what, const char *s)
{
	return mledger_check_id(code, what, s, s ? strlen(s) : 0);
}

static int check_textz(int code, const char *what, const char *s)
{
	int error = mledger_check_text(code, what, s, s ? strlen(s) : 0,
				       MLEDGER_NAME_MAX);

	if (error == 0 && s[0] == '\0')
		return mledger_error_set(code, "%s is empty", what);
	return error;
}

static int check_mass(int code, const char *what, uint64_t mass)
{
	/* Masses are multiplied by ppm in the element balance: stay far from
	 * overflow even summed over a transform's inputs. */
	if (mass == 0 || mass > (1ull << 50))
		return mledger_error_set(code,
			"%s mass %llu g is not in 1..2^50 g", what,
			(unsigned long long)mass);
	return 0;
}

int mledger_check_lot_event(int code, const mledger_event *ev)
{
	const char *type = mledger_event_type_name(ev->type);
	int error;

	switch (ev->type) {
	case MLEDGER_EV_LOT_REGISTER: {
		const mledger_ev_register *r = &ev->u.reg;

		if ((error = check_idz(code, "lot id", r->lot)) < 0 ||
		    (error = check_idz(code, "material", r->material)) < 0 ||
		    (error = check_mass(code, "lot", r->mass_g)) < 0 ||
		    (error = mledger_check_content(code, type, r->content,
						   r->ncontent)) < 0 ||
		    (error = check_idz(code, "site", r->site)) < 0 ||
		    (r->hts && (error = check_idz(code, "HTS code", r->hts)) < 0))
			return error;
		if (mledger_origin_name(r->origin) == NULL)
			return mledger_error_set(code, "%s: unknown origin", type);
		if (r->secondary && r->origin != MLEDGER_ORIGIN_EXTRACTION)
			return mledger_error_set(code,
				"%s: only an extraction lot is marked secondary (a recycling lot is secondary already)",
				type);
		if (!mledger_country_valid(r->country))
			return mledger_error_set(code,
				"%s: country \"%s\" is not an ISO 3166-1 alpha-2 code (ZZ for unknown)",
				type, r->country);
		return 0;
	}
	case MLEDGER_EV_LOT_SHIP:
		if ((error = check_idz(code, "lot id", ev->u.ship.lot)) < 0 ||
		    (error = check_idz(code, "receiving actor", ev->u.ship.to)) < 0)
			return error;
		return ev->u.ship.ref ? check_textz(code, "shipment reference",
						    ev->u.ship.ref) : 0;
	case MLEDGER_EV_LOT_RECEIVE:
		if ((error = check_idz(code, "lot id", ev->u.receive.lot)) < 0)
			return error;
		return check_mass(code, "received", ev->u.receive.mass_g);
	case MLEDGER_EV_LOT_TRANSFORM: {
		const mledger_ev_transform *t = &ev->u.transform;

		if (t->ninputs == 0 || t->ninputs > MLEDGER_LOT_IO_MAX ||
		    t->noutputs == 0 || t->noutputs > MLEDGER_LOT_IO_MAX)
			return mledger_error_set(code,
				"%s needs 1 to %d inputs and 1 to %d outputs",
				type, MLEDGER_LOT_IO_MAX, MLEDGER_LOT_IO_MAX);
		for (size_t i = 0; i < t->ninputs; i++) {
			if ((error = check_idz(code, "input lot id",
					       t->inputs[i].lot)) < 0 ||
			    (error = check_mass(code, "input",
						t->inputs[i].mass_g)) < 0)
				return error;
			for (size_t j = 0; j < i; j++)
				if (strcmp(t->inputs[j].lot, t->inputs[i].lot) == 0)
					return mledger_error_set(code,
						"%s lists input lot %s twice",
						type, t->inputs[i].lot);
		}
		for (size_t i = 0; i < t->noutputs; i++) {
			const mledger_lot_output *o = &t->outputs[i];

			if ((error = check_idz(code, "output lot id", o->lot)) < 0 ||
			    (error = check_idz(code, "material", o->material)) < 0 ||
			    (error = check_mass(code, "output", o->mass_g)) < 0 ||
			    (error = mledger_check_content(code, type, o->content,
							   o->ncontent)) < 0 ||
			    (o->hts && (error = check_idz(code, "HTS code",
							  o->hts)) < 0))
				return error;
			for (size_t j = 0; j < i; j++)
				if (strcmp(t->outputs[j].lot, o->lot) == 0)
					return mledger_error_set(code,
						"%s lists output lot %s twice",
						type, o->lot);
		}
		if (mledger_stage_name(t->stage) == NULL)
			return mledger_error_set(code, "%s: unknown stage", type);
		if (t->model != MLEDGER_MODEL_NONE &&
		    mledger_model_name(t->model) == NULL)
			return mledger_error_set(code,
				"%s: unknown chain-of-custody model", type);
		if ((error = check_idz(code, "facility", t->facility)) < 0)
			return error;
		if (!mledger_country_valid(t->country))
			return mledger_error_set(code,
				"%s: country \"%s\" is not an ISO 3166-1 alpha-2 code",
				type, t->country);
		return 0;
	}
	case MLEDGER_EV_LOT_ADJUST:
		if ((error = check_idz(code, "lot id", ev->u.adjust.lot)) < 0 ||
		    (error = check_mass(code, "adjusted", ev->u.adjust.mass_g)) < 0)
			return error;
		if (mledger_adjust_name(ev->u.adjust.kind) == NULL)
			return mledger_error_set(code, "%s: unknown kind", type);
		return ev->u.adjust.reason ? check_textz(code, "reason",
							 ev->u.adjust.reason) : 0;
	case MLEDGER_EV_LOT_ATTEST: {
		const mledger_ev_attest *a = &ev->u.attest;

		if (mledger_target_name(a->target) == NULL)
			return mledger_error_set(code, "%s: unknown target", type);
		if ((error = check_idz(code, "attested id", a->id)) < 0 ||
		    (error = check_textz(code, "scheme", a->scheme)) < 0 ||
		    (error = check_textz(code, "result", a->result)) < 0)
			return error;
		if ((a->target == MLEDGER_TARGET_FACILITY) != (a->owner != NULL))
			return mledger_error_set(code,
				"%s: a facility is named with its owning actor, and only a facility",
				type);
		if (a->owner && (error = check_idz(code, "facility owner",
						   a->owner)) < 0)
			return error;
		if (a->valid_from && a->valid_until &&
		    a->valid_until < a->valid_from)
			return mledger_error_set(code,
				"%s: valid until is before valid from", type);
		return 0;
	}
	default:
		return mledger_error_set(code, "not a lot event");
	}
}

/* ---- encoding --------------------------------------------------------- */

/* Map sizes count the optional fields present. */
static size_t opt(bool present)
{
	return present ? 1 : 0;
}

static void w_content(mledger_writer *w, const mledger_element *c, size_t n)
{
	mledger_w_map(w, n);
	for (size_t i = 0; i < n; i++) {
		mledger_w_key(w, c[i].symbol);
		mledger_w_uint(w, c[i].ppm);
	}
}

static void w_common(mledger_writer *w, const mledger_event *ev, size_t n)
{
	mledger_w_map(w, n);
	mledger_w_key(w, "actor");
	mledger_w_str(w, ev->actor);
	mledger_w_key(w, "actor_seq");
	mledger_w_uint(w, ev->actor_seq);
}

static void w_tail(mledger_writer *w, const mledger_event *ev)
{
	mledger_w_key(w, "time");
	mledger_w_uint(w, ev->time);
	mledger_w_key(w, "type");
	mledger_w_str(w, mledger_event_type_name(ev->type));
}

void mledger_encode_lot_body(mledger_writer *w, const mledger_event *ev)
{
	switch (ev->type) {
	case MLEDGER_EV_LOT_REGISTER: {
		const mledger_ev_register *r = &ev->u.reg;

		w_common(w, ev, 11 + opt(r->hts != NULL) + opt(r->secondary) +
				   opt(r->has_value));
		mledger_w_key(w, "content");
		w_content(w, r->content, r->ncontent);
		mledger_w_key(w, "country");
		mledger_w_str(w, r->country);
		if (r->hts) {
			mledger_w_key(w, "hts");
			mledger_w_str(w, r->hts);
		}
		mledger_w_key(w, "lot");
		mledger_w_str(w, r->lot);
		mledger_w_key(w, "mass_g");
		mledger_w_uint(w, r->mass_g);
		mledger_w_key(w, "material");
		mledger_w_str(w, r->material);
		mledger_w_key(w, "origin");
		mledger_w_str(w, mledger_origin_name(r->origin));
		if (r->secondary) {
			mledger_w_key(w, "secondary");
			mledger_w_bool(w, true);
		}
		mledger_w_key(w, "site");
		mledger_w_str(w, r->site);
		w_tail(w, ev);
		if (r->has_value) {
			mledger_w_key(w, "value_cents");
			mledger_w_uint(w, r->value_cents);
		}
		return;
	}
	case MLEDGER_EV_LOT_SHIP:
		w_common(w, ev, 6 + opt(ev->u.ship.ref != NULL));
		mledger_w_key(w, "lot");
		mledger_w_str(w, ev->u.ship.lot);
		if (ev->u.ship.ref) {
			mledger_w_key(w, "ref");
			mledger_w_str(w, ev->u.ship.ref);
		}
		mledger_w_key(w, "time");
		mledger_w_uint(w, ev->time);
		mledger_w_key(w, "to");
		mledger_w_str(w, ev->u.ship.to);
		mledger_w_key(w, "type");
		mledger_w_str(w, mledger_event_type_name(ev->type));
		return;
	case MLEDGER_EV_LOT_RECEIVE:
		w_common(w, ev, 6);
		mledger_w_key(w, "lot");
		mledger_w_str(w, ev->u.receive.lot);
		mledger_w_key(w, "mass_g");
		mledger_w_uint(w, ev->u.receive.mass_g);
		w_tail(w, ev);
		return;
	case MLEDGER_EV_LOT_TRANSFORM: {
		const mledger_ev_transform *t = &ev->u.transform;

		w_common(w, ev, 9 + opt(t->model != MLEDGER_MODEL_NONE) +
				   opt(t->has_value_added));
		mledger_w_key(w, "country");
		mledger_w_str(w, t->country);
		mledger_w_key(w, "facility");
		mledger_w_str(w, t->facility);
		mledger_w_key(w, "inputs");
		mledger_w_array(w, t->ninputs);
		for (size_t i = 0; i < t->ninputs; i++) {
			mledger_w_map(w, 2);
			mledger_w_key(w, "lot");
			mledger_w_str(w, t->inputs[i].lot);
			mledger_w_key(w, "mass_g");
			mledger_w_uint(w, t->inputs[i].mass_g);
		}
		if (t->model != MLEDGER_MODEL_NONE) {
			mledger_w_key(w, "model");
			mledger_w_str(w, mledger_model_name(t->model));
		}
		mledger_w_key(w, "outputs");
		mledger_w_array(w, t->noutputs);
		for (size_t i = 0; i < t->noutputs; i++) {
			const mledger_lot_output *o = &t->outputs[i];

			mledger_w_map(w, 4 + opt(o->hts != NULL) + opt(o->has_value));
			mledger_w_key(w, "content");
			w_content(w, o->content, o->ncontent);
			if (o->hts) {
				mledger_w_key(w, "hts");
				mledger_w_str(w, o->hts);
			}
			mledger_w_key(w, "lot");
			mledger_w_str(w, o->lot);
			mledger_w_key(w, "mass_g");
			mledger_w_uint(w, o->mass_g);
			mledger_w_key(w, "material");
			mledger_w_str(w, o->material);
			if (o->has_value) {
				mledger_w_key(w, "value_cents");
				mledger_w_uint(w, o->value_cents);
			}
		}
		mledger_w_key(w, "stage");
		mledger_w_str(w, mledger_stage_name(t->stage));
		w_tail(w, ev);
		if (t->has_value_added) {
			mledger_w_key(w, "value_added_cents");
			mledger_w_uint(w, t->value_added_cents);
		}
		return;
	}
	case MLEDGER_EV_LOT_ADJUST:
		w_common(w, ev, 7 + opt(ev->u.adjust.reason != NULL));
		mledger_w_key(w, "kind");
		mledger_w_str(w, mledger_adjust_name(ev->u.adjust.kind));
		mledger_w_key(w, "lot");
		mledger_w_str(w, ev->u.adjust.lot);
		mledger_w_key(w, "mass_g");
		mledger_w_uint(w, ev->u.adjust.mass_g);
		if (ev->u.adjust.reason) {
			mledger_w_key(w, "reason");
			mledger_w_str(w, ev->u.adjust.reason);
		}
		w_tail(w, ev);
		return;
	case MLEDGER_EV_LOT_ATTEST: {
		const mledger_ev_attest *a = &ev->u.attest;

		w_common(w, ev, 8 + opt(a->valid_from != 0) +
				   opt(a->valid_until != 0));
		mledger_w_key(w, "doc_sha256");
		mledger_w_bin(w, a->doc_sha256, MLEDGER_HASH_BYTES);
		mledger_w_key(w, "result");
		mledger_w_str(w, a->result);
		mledger_w_key(w, "scheme");
		mledger_w_str(w, a->scheme);
		mledger_w_key(w, "target");
		mledger_w_map(w, a->owner ? 3 : 2);
		mledger_w_key(w, "id");
		mledger_w_str(w, a->id);
		mledger_w_key(w, "kind");
		mledger_w_str(w, mledger_target_name(a->target));
		if (a->owner) {
			mledger_w_key(w, "owner");
			mledger_w_str(w, a->owner);
		}
		w_tail(w, ev);
		if (a->valid_from) {
			mledger_w_key(w, "valid_from");
			mledger_w_uint(w, a->valid_from);
		}
		if (a->valid_until) {
			mledger_w_key(w, "valid_until");
			mledger_w_uint(w, a->valid_until);
		}
		return;
	}
	default:
		return;
	}
}
