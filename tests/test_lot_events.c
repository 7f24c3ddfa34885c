/*
 * Criterion suite for the custody event bodies (ledger/event_lot.c, the lot
 * half of event_decode.c) and the custody rules' messages (rules_lot.c), as
 * proto/events.md documents them. The six lot vectors under tests/vectors/
 * are rebuilt and compared byte for byte, checked against SHA256SUMS,
 * decoded, re-encoded and re-signed, written again as JSON by the
 * independent writer of bodies.c, and appended after the registry vectors
 * to make one valid ledger. Each body is then mutated one field at a time
 * and every fault must be refused with its code and a word of its message;
 * the encoder refuses the same faults in the struct; the enumerations and
 * element content lists parse as documented; and each custody rule, broken
 * on top of the vector ledger, fails with the message the page shows.
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bodies.h"
#include "fixture.h"
#include "ledger_int.h"
#include "vectors/vectors.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the six bodies as JSON --------------------------------------------- */

static json_t *register_json(void)
{
	return json_pack("{s:s, s:i, s:{s:i, s:i, s:i}, s:s, s:s, s:s, s:I,"
			 " s:s, s:s, s:s, s:I, s:s, s:I}",
		"actor", VEC_MINER_ID, "actor_seq", 2,
		"content", "Al", 110000, "Li", 27900, "Si", 230000,
		"country", "CA", "hts", "2530.90", "lot", VEC_LOT_ORE,
		"mass_g", (json_int_t)20000000,
		"material", "spodumene-concentrate", "origin", "extraction",
		"site", VEC_MINE_ID, "time", (json_int_t)VEC_TIME_REGISTER,
		"type", "lot.register", "value_cents", (json_int_t)2000000);
}

static json_t *ship_json(void)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:I, s:s, s:s}",
		"actor", VEC_MINER_ID, "actor_seq", 3, "lot", VEC_LOT_ORE,
		"ref", "BOL WHA-2026-0042", "time", (json_int_t)VEC_TIME_SHIP,
		"to", VEC_REFINER_ID, "type", "lot.ship");
}

static json_t *receive_json(void)
{
	return json_pack("{s:s, s:i, s:s, s:I, s:I, s:s}",
		"actor", VEC_REFINER_ID, "actor_seq", 1, "lot", VEC_LOT_ORE,
		"mass_g", (json_int_t)19950000,
		"time", (json_int_t)VEC_TIME_RECEIVE, "type", "lot.receive");
}

static json_t *transform_json(void)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:[{s:s, s:I}], s:s,"
			 " s:[{s:{s:i}, s:s, s:s, s:I, s:s, s:I},"
			 " {s:{s:i, s:i}, s:s, s:I, s:s}],"
			 " s:s, s:I, s:s, s:I}",
		"actor", VEC_REFINER_ID, "actor_seq", 2, "country", "US",
		"facility", VEC_REFINERY_ID,
		"inputs", "lot", VEC_LOT_ORE, "mass_g", (json_int_t)19950000,
		"model", "segregated",
		"outputs",
		  "content", "Li", 165000, "hts", "2825.20", "lot", VEC_LOT_LHM,
		  "mass_g", (json_int_t)2870000, "material", "lithium-hydroxide",
		  "value_cents", (json_int_t)2870000,
		  "content", "Al", 140000, "Si", 290000, "lot", VEC_LOT_RESIDUE,
		  "mass_g", (json_int_t)15000000,
		  "material", "aluminosilicate-residue",
		"stage", "refining", "time", (json_int_t)VEC_TIME_TRANSFORM,
		"type", "lot.transform", "value_added_cents", (json_int_t)875000);
}

static json_t *adjust_json(void)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:I, s:s, s:I, s:s}",
		"actor", VEC_REFINER_ID, "actor_seq", 3, "kind", "sample",
		"lot", VEC_LOT_LHM, "mass_g", (json_int_t)500,
		"reason", "assay sample for customer qualification",
		"time", (json_int_t)VEC_TIME_ADJUST, "type", "lot.adjust");
}

static json_t *attest_json(void)
{
	char doc[2 * MLEDGER_HASH_BYTES + 1];

	sha256_hex(doc, (const uint8_t *)VEC_AUDIT_DOC, strlen(VEC_AUDIT_DOC));
	return json_pack("{s:s, s:i, s:o, s:s, s:s, s:{s:s, s:s, s:s}, s:I,"
			 " s:s, s:I, s:I}",
		"actor", VEC_AUDITOR_ID, "actor_seq", 1,
		"doc_sha256", hex_json(doc), "result", "IRMA 75",
		"scheme", "IRMA",
		"target", "id", VEC_REFINERY_ID, "kind", "facility",
		  "owner", VEC_REFINER_ID,
		"time", (json_int_t)VEC_TIME_ATTEST, "type", "lot.attest",
		"valid_from", (json_int_t)VEC_VALID_FROM,
		"valid_until", (json_int_t)VEC_VALID_UNTIL);
}

static const struct lot_vector {
	int which;
	const char *file;
	mledger_event_type type;
	json_t *(*json)(void);
} lot_vectors[] = {
	{VEC_REGISTER, "register.mle", MLEDGER_EV_LOT_REGISTER, register_json},
	{VEC_SHIP, "ship.mle", MLEDGER_EV_LOT_SHIP, ship_json},
	{VEC_RECEIVE, "receive.mle", MLEDGER_EV_LOT_RECEIVE, receive_json},
	{VEC_TRANSFORM, "transform.mle", MLEDGER_EV_LOT_TRANSFORM,
	 transform_json},
	{VEC_ADJUST, "adjust.mle", MLEDGER_EV_LOT_ADJUST, adjust_json},
	{VEC_ATTEST, "attest.mle", MLEDGER_EV_LOT_ATTEST, attest_json},
};

/* Fields a body leaves out when they do not apply (proto/events.md). */
static bool optional_field(const char *key)
{
	static const char *const opt[] = {"hts", "model", "reason", "ref",
		"secondary", "valid_from", "valid_until", "value_added_cents",
		"value_cents"};

	for (size_t i = 0; i < COUNT(opt); i++)
		if (strcmp(opt[i], key) == 0)
			return true;
	return false;
}

/* The lot vector's body with one change, which must be refused. */
static void refused(json_t *(*make)(void), const char *path, json_t *v,
		    int code, const char *word)
{
	expect_refused(encode_json(with(make(), path, v)), code, word);
}

/* The lot vector's body with one change, which must decode as itself. */
static void accepted(json_t *(*make)(void), const char *path, json_t *v)
{
	fx_bytes b = encode_json(with(make(), path, v));
	mledger_event *ev = NULL;

	cr_expect_eq(mledger_event_decode(&ev, b.data, b.len), 0,
		     "%s: %s", path, mledger_error_last());
	mledger_event_free(ev);
	expect_refused_or_same(b);
}

/* b with the n bytes from, found exactly once, replaced by to. */
static fx_bytes patched(fx_bytes b, const char *from, const char *to,
			size_t n)
{
	uint8_t *at = NULL;

	for (size_t i = 0; i + n <= b.len; i++) {
		if (memcmp(b.data + i, from, n) == 0) {
			cr_assert_null(at, "the bytes to patch occur twice");
			at = b.data + i;
		}
	}
	cr_assert_not_null(at, "the bytes to patch are not there");
	memcpy(at, to, n);
	return b;
}

/* The first n element symbols, in atomic number order. */
static const char *const periodic[] = {
	"H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al",
	"Si", "P", "S", "Cl", "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn",
	"Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb",
	"Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In",
	"Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm",
	"Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta",
	"W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At",
	"Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm", "Bk",
	"Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt",
	"Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og",
};

/* A content map of the first n elements at ppm each. */
static json_t *content_of(size_t n, int ppm)
{
	json_t *c = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(c, periodic[i], json_integer(ppm));
	return c;
}

/* ---- golden vectors ----------------------------------------------------- */

/* The SHA-256 that SHA256SUMS lists for name. */
static void listed_sum(char out[2 * MLEDGER_HASH_BYTES + 1], const char *name)
{
	fx_bytes sums = read_vector("SHA256SUMS");
	char *line, *save = NULL;

	out[0] = '\0';
	sums.data[sums.len] = '\0';
	for (line = strtok_r((char *)sums.data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strlen(line) > 66 && strcmp(line + 66, name) == 0) {
			memcpy(out, line, 64);
			out[64] = '\0';
		}
	}
	free(sums.data);
	cr_assert_neq(out[0], '\0', "SHA256SUMS does not list %s", name);
}

Test(lot_vectors, rebuilt_bytes_and_sums_match_the_files)
{
	vec_file v[VEC_COUNT];

	cr_assert_eq(vec_build(v), 0, "%s", mledger_error_last());
	for (size_t i = 0; i < COUNT(lot_vectors); i++) {
		const vec_file *built = &v[lot_vectors[i].which];
		fx_bytes f = read_vector(lot_vectors[i].file);
		char want[2 * MLEDGER_HASH_BYTES + 1], got[sizeof(want)];

		cr_assert_str_eq(built->name, lot_vectors[i].file);
		cr_expect(f.len == built->len &&
			  memcmp(f.data, built->data, f.len) == 0,
			  "%s: the code now writes other bytes (%zu, the file has %zu): the wire format changed",
			  lot_vectors[i].file, built->len, f.len);
		listed_sum(want, lot_vectors[i].file);
		sha256_hex(got, f.data, f.len);
		cr_expect_str_eq(got, want, "%s: SHA-256 %s, SHA256SUMS says %s",
				 lot_vectors[i].file, got, want);
		free(f.data);
	}
	vec_free(v);
}

/* Parse, decode, re-encode, re-sign, verify with the signer's key. */
Test(lot_vectors, signed_events_round_trip)
{
	for (size_t i = 0; i < COUNT(lot_vectors); i++) {
		const char *file = lot_vectors[i].file;
		fx_bytes f = read_vector(file);
		mledger_key *key = vec_key(vec_signer_seed(lot_vectors[i].which));
		uint8_t kid[MLEDGER_KID_BYTES];
		mledger_event *ev = NULL, *again = NULL;
		mledger_signed sev;
		uint8_t *out;
		size_t out_len;

		cr_assert_not_null(key);
		cr_assert_eq(mledger_signed_parse(&sev, f.data, f.len), 0,
			     "%s: %s", file, mledger_error_last());
		cr_assert_eq(mledger_event_decode(&ev, sev.body, sev.body_len),
			     0, "%s: %s", file, mledger_error_last());
		cr_expect_eq(ev->type, lot_vectors[i].type, "%s", file);

		cr_assert_eq(mledger_event_encode(&out, &out_len, ev), 0, "%s",
			     mledger_error_last());
		cr_expect(out_len == sev.body_len &&
			  memcmp(out, sev.body, out_len) == 0,
			  "%s: body does not re-encode to itself", file);
		cr_expect_eq(mledger_event_decode(&again, out, out_len), 0);
		mledger_event_free(again);
		free(out);

		cr_assert_eq(mledger_event_sign(&out, &out_len, ev, key), 0);
		cr_expect(out_len == f.len && memcmp(out, f.data, f.len) == 0,
			  "%s: re-signing gives other bytes", file);
		free(out);

		cr_assert_eq(mledger_key_id(kid, key), 0);
		cr_expect_eq(memcmp(sev.kid, kid, sizeof(kid)), 0,
			     "%s: kid is not the signer's", file);
		cr_expect_eq(mledger_signed_verify(&sev, key), 0, "%s: %s",
			     file, mledger_error_last());
		mledger_event_free(ev);
		mledger_key_free(key);
		free(f.data);
	}
}

Test(lot_vectors, json_writer_agrees_with_the_encoder)
{
	for (size_t i = 0; i < COUNT(lot_vectors); i++) {
		fx_bytes f = read_vector(lot_vectors[i].file);
		fx_bytes b = encode_json(lot_vectors[i].json());
		mledger_signed sev;

		cr_assert_eq(mledger_signed_parse(&sev, f.data, f.len), 0);
		cr_expect(b.len == sev.body_len &&
			  memcmp(b.data, sev.body, b.len) == 0,
			  "%s: the test's JSON template is not the vector's body",
			  lot_vectors[i].file);
		free(b.data);
		free(f.data);
	}
}

/* The decoded vectors hold what vectors.c put in, optional fields too. */
Test(lot_vectors, decoded_fields)
{
	fx_bytes f[COUNT(lot_vectors)];
	mledger_event *ev[COUNT(lot_vectors)];
	uint8_t doc[MLEDGER_HASH_BYTES];

	for (size_t i = 0; i < COUNT(lot_vectors); i++) {
		mledger_signed sev;

		f[i] = read_vector(lot_vectors[i].file);
		cr_assert_eq(mledger_signed_parse(&sev, f[i].data, f[i].len), 0);
		cr_assert_eq(mledger_event_decode(&ev[i], sev.body,
						  sev.body_len), 0);
	}
	cr_expect_eq(ev[0]->u.reg.ncontent, 3);
	cr_expect_str_eq(ev[0]->u.reg.content[1].symbol, "Li");
	cr_expect_eq(ev[0]->u.reg.content[1].ppm, 27900);
	cr_expect_eq(ev[0]->u.reg.origin, MLEDGER_ORIGIN_EXTRACTION);
	cr_expect_str_eq(ev[0]->u.reg.hts, "2530.90");
	cr_expect(ev[0]->u.reg.has_value && !ev[0]->u.reg.secondary);
	cr_expect_str_eq(ev[1]->u.ship.ref, "BOL WHA-2026-0042");
	cr_expect_eq(ev[2]->u.receive.mass_g, 19950000);
	cr_expect_eq(ev[3]->u.transform.noutputs, 2);
	cr_expect_eq(ev[3]->u.transform.model, MLEDGER_MODEL_SEGREGATED);
	cr_expect_eq(ev[3]->u.transform.stage, MLEDGER_STAGE_REFINING);
	cr_expect_eq(ev[3]->u.transform.value_added_cents, 875000);
	cr_expect_str_eq(ev[3]->u.transform.outputs[0].hts, "2825.20");
	cr_expect_null(ev[3]->u.transform.outputs[1].hts);
	cr_expect(!ev[3]->u.transform.outputs[1].has_value);
	cr_expect_eq(ev[4]->u.adjust.kind, MLEDGER_ADJUST_SAMPLE);
	cr_expect_eq(ev[5]->u.attest.target, MLEDGER_TARGET_FACILITY);
	cr_expect_str_eq(ev[5]->u.attest.owner, VEC_REFINER_ID);
	cr_expect_eq(ev[5]->u.attest.valid_until, VEC_VALID_UNTIL);
	mledger_sha256(doc, (const uint8_t *)VEC_AUDIT_DOC,
		       strlen(VEC_AUDIT_DOC));
	cr_expect_eq(memcmp(ev[5]->u.attest.doc_sha256, doc, sizeof(doc)), 0);
	for (size_t i = 0; i < COUNT(lot_vectors); i++) {
		mledger_event_free(ev[i]);
		free(f[i].data);
	}
}

/* Genesis, then the other twelve vectors as one batch. */
static mledger_ledger *vector_ledger(const char *dir)
{
	mledger_submit_opts opts = MLEDGER_SUBMIT_OPTS_INIT;
	mledger_submit_result res;
	const uint8_t *data[VEC_EVENTS - 1];
	size_t lens[VEC_EVENTS - 1];
	fx_bytes f[VEC_EVENTS];
	mledger_ledger *l = NULL;
	vec_file names[VEC_COUNT];

	cr_assert_eq(vec_build(names), 0);
	for (int i = 0; i < VEC_EVENTS; i++)
		f[i] = read_vector(names[vec_event_order[i]].name);
	cr_assert_eq(mledger_ledger_create(&l, dir, f[0].data, f[0].len, NULL),
		     0, "%s", mledger_error_last());
	for (int i = 1; i < VEC_EVENTS; i++) {
		data[i - 1] = f[i].data;
		lens[i - 1] = f[i].len;
	}
	opts.time = VEC_TIME_ATTEST + 1;
	cr_assert_eq(mledger_submit(&res, l, data, lens, VEC_EVENTS - 1, &opts),
		     0, "%s", mledger_error_last());
	cr_assert_eq(res.appended, VEC_EVENTS - 1);
	mledger_submit_result_free(&res);
	for (int i = 0; i < VEC_EVENTS; i++)
		free(f[i].data);
	vec_free(names);
	return l;
}

static void expect_lot(mledger_ledger *l, const char *id, uint64_t remaining,
		       mledger_lot_status status, uint64_t created)
{
	mledger_lot *lot = NULL;

	cr_assert_eq(mledger_lot_get(&lot, l, id), 0, "%s: %s", id,
		     mledger_error_last());
	cr_expect_eq(lot->remaining_g, remaining, "%s: %" PRIu64 " g remain",
		     id, lot->remaining_g);
	cr_expect_eq(lot->status, status, "%s", id);
	cr_expect_str_eq(lot->custodian, VEC_REFINER_ID, "%s", id);
	cr_expect_eq(lot->created_seq, created, "%s", id);
	mledger_lot_free(lot);
}

static void expect_history(mledger_ledger *l, const char *id,
			   const uint64_t *want, size_t n)
{
	uint64_t *seqs = NULL;
	size_t got = 0;

	cr_assert_eq(mledger_lot_history(&seqs, &got, l, id), 0);
	cr_expect_eq(got, n, "%s: %zu entries", id, got);
	for (size_t i = 0; i < n && i < got; i++)
		cr_expect_eq(seqs[i], want[i], "%s: entry %zu", id, i);
	free(seqs);
}

Test(lot_vectors, make_a_valid_ledger)
{
	static const uint64_t ore[] = {7, 8, 9, 10};
	static const uint64_t lhm[] = {10, 11};
	static const uint64_t residue[] = {10};
	mledger_verify_result vres;
	char *dir = fx_tmpdir();
	mledger_ledger *l = vector_ledger(dir);
	mledger_lot *lot = NULL;

	cr_expect_eq(mledger_verify(&vres, l, NULL), 0, "%s",
		     mledger_error_last());
	expect_lot(l, VEC_LOT_ORE, 0, MLEDGER_LOT_CONSUMED, 7);
	expect_lot(l, VEC_LOT_LHM, 2870000 - 500, MLEDGER_LOT_ACTIVE, 10);
	expect_lot(l, VEC_LOT_RESIDUE, 15000000, MLEDGER_LOT_ACTIVE, 10);
	/* The attestation names a facility, so no lot's history holds it. */
	expect_history(l, VEC_LOT_ORE, ore, COUNT(ore));
	expect_history(l, VEC_LOT_LHM, lhm, COUNT(lhm));
	expect_history(l, VEC_LOT_RESIDUE, residue, COUNT(residue));

	/* The record proto/storage.md shows, field by field. */
	cr_assert_eq(mledger_lot_get(&lot, l, VEC_LOT_LHM), 0);
	cr_expect_eq(lot->ncontent, 1);
	cr_expect_str_eq(lot->content[0].symbol, "Li");
	cr_expect_eq(lot->content[0].ppm, 165000);
	cr_expect_str_eq(lot->hts, "2825.20");
	cr_expect_eq(lot->last_time, VEC_TIME_ADJUST);
	cr_expect_eq(lot->mass_g, 2870000);
	cr_expect_str_eq(lot->material, "lithium-hydroxide");
	cr_expect_null(lot->receiver);
	cr_expect(lot->has_value && lot->value_cents == 2870000);
	mledger_lot_free(lot);
	cr_assert_eq(mledger_lot_get(&lot, l, VEC_LOT_RESIDUE), 0);
	cr_expect_null(lot->hts);
	cr_expect(!lot->has_value);
	mledger_lot_free(lot);
	mledger_ledger_close(l);
	fx_rmdir(dir);
}

Test(lot_vectors, summaries)
{
	static const char *const want[] = {
		"lot.register WHA-SC6-2026-0001: 20000000 g spodumene-concentrate from extraction ca.example-mining.whabouchi.mine (CA) by ca.example-mining.whabouchi",
		"lot.ship WHA-SC6-2026-0001 from ca.example-mining.whabouchi to us.example-refining.kings-mountain",
		"lot.receive WHA-SC6-2026-0001: 19950000 g by us.example-refining.kings-mountain",
		"lot.transform refining at us.example-refining.kings-mountain.plant (US): 1 input -> KM-LHM-2026-0001, ... by us.example-refining.kings-mountain",
		"lot.adjust KM-LHM-2026-0001: 500 g sample by us.example-refining.kings-mountain",
		"lot.attest facility us.example-refining.kings-mountain.plant: IRMA IRMA 75 by ch.example-assurance",
	};

	for (size_t i = 0; i < COUNT(lot_vectors); i++) {
		mledger_event ev;
		vec_storage st;
		char buf[512];

		cr_assert_eq(vec_event(&ev, &st, lot_vectors[i].which), 0);
		mledger_event_summary(buf, sizeof(buf), &ev);
		cr_expect_str_eq(buf, want[i]);
	}
}

/* ---- decoder: what it refuses ------------------------------------------ */

Test(lot_decode, unknown_field)
{
	for (size_t i = 0; i < COUNT(lot_vectors); i++)
		refused(lot_vectors[i].json, "zone", json_string("x"),
			MLEDGER_EFORMAT, "unknown field \"zone\"");
	refused(transform_json, "inputs/0/grade", json_string("SC6"),
		MLEDGER_EFORMAT, "unknown field \"grade\"");
	refused(transform_json, "outputs/1/colour", json_string("grey"),
		MLEDGER_EFORMAT, "unknown field \"colour\"");
	refused(attest_json, "target/scope", json_string("all"),
		MLEDGER_EFORMAT, "unknown field \"scope\"");
	/* Another lot type's field: "to" belongs to lot.ship. */
	refused(register_json, "to", json_string(VEC_REFINER_ID),
		MLEDGER_EFORMAT, "unknown field \"to\"");
	/* A lot body under another lot type's name. */
	refused(receive_json, "type", json_string("lot.adjust"),
		MLEDGER_EFORMAT, "missing");
}

/* Every required field, taken away in turn, is named as missing. */
Test(lot_decode, missing_field)
{
	static const char *const nested[] = {"inputs/0/lot", "inputs/0/mass_g",
		"outputs/0/content", "outputs/0/lot", "outputs/0/mass_g",
		"outputs/0/material", "outputs/1/lot"};
	size_t tried = 0;

	for (size_t i = 0; i < COUNT(lot_vectors); i++) {
		json_t *body = lot_vectors[i].json();
		const char *key;
		json_t *v;

		json_object_foreach(body, key, v) {
			if (optional_field(key))
				continue;
			refused(lot_vectors[i].json, key, NULL, MLEDGER_EFORMAT,
				"missing");
			tried++;
		}
		json_decref(body);
	}
	/* register 11, ship 6, receive 6, transform 9, adjust 7, attest 8 */
	cr_expect_eq(tried, 47, "%zu required fields", tried);
	for (size_t i = 0; i < COUNT(nested); i++)
		refused(transform_json, nested[i], NULL, MLEDGER_EFORMAT,
			"missing");
	refused(attest_json, "target/id", NULL, MLEDGER_EFORMAT,
		"\"id\" missing");
	refused(attest_json, "target/kind", NULL, MLEDGER_EFORMAT,
		"\"kind\" missing");
}

/* Each optional field may be left out; what decodes re-encodes the same. */
Test(lot_decode, optional_fields_may_be_absent)
{
	for (size_t i = 0; i < COUNT(lot_vectors); i++) {
		json_t *body = lot_vectors[i].json();
		const char *key;
		json_t *v;

		json_object_foreach(body, key, v)
			if (optional_field(key))
				accepted(lot_vectors[i].json, key, NULL);
		json_decref(body);
	}
	accepted(transform_json, "outputs/0/hts", NULL);
	accepted(transform_json, "outputs/0/value_cents", NULL);
	accepted(transform_json, "outputs/1/value_cents", json_integer(0));
	accepted(transform_json, "outputs/1/hts", json_string("2620.99"));
	/* Zero is a value like any other for the money fields. */
	accepted(register_json, "value_cents", json_integer(0));
	accepted(transform_json, "value_added_cents", json_integer(0));
	/* One validity date without the other. */
	accepted(attest_json, "valid_until", NULL);
	accepted(attest_json, "valid_from", NULL);
	/* An empty content map is a lot with no element declared. */
	accepted(register_json, "content", json_object());
}

Test(lot_decode, wrong_type)
{
	refused(register_json, "mass_g", json_string("20000000"),
		MLEDGER_EFORMAT, "unsigned integer");
	refused(register_json, "content", json_pack("[s]", "Li"),
		MLEDGER_EFORMAT, "a map");
	refused(register_json, "content/Li", json_string("27900"),
		MLEDGER_EFORMAT, "ppm in 1..1000000");
	refused(register_json, "content/Li", json_integer(-5), MLEDGER_EFORMAT,
		"ppm in 1..1000000");
	refused(register_json, "value_cents", json_integer(-1),
		MLEDGER_EFORMAT, "unsigned integer");
	refused(register_json, "secondary", json_integer(1), MLEDGER_EFORMAT,
		"only as true");
	refused(register_json, "origin", json_integer(1), MLEDGER_EFORMAT,
		"a string");
	refused(transform_json, "inputs", json_object(), MLEDGER_EFORMAT,
		"an array");
	refused(transform_json, "inputs/0", json_string(VEC_LOT_ORE),
		MLEDGER_EFORMAT, "an input must be a map");
	refused(transform_json, "outputs/0", json_string(VEC_LOT_LHM),
		MLEDGER_EFORMAT, "an output must be a map");
	refused(attest_json, "target", json_string(VEC_REFINERY_ID),
		MLEDGER_EFORMAT, "a map");
	refused(attest_json, "doc_sha256", json_string("00"), MLEDGER_EFORMAT,
		"byte string");
	refused(ship_json, "ref", json_integer(42), MLEDGER_EFORMAT,
		"a string");
}

Test(lot_decode, content_symbols)
{
	refused(register_json, "content/Xx", json_integer(5), MLEDGER_EFORMAT,
		"\"Xx\" is not an element symbol");
	refused(register_json, "content/li", json_integer(5), MLEDGER_EFORMAT,
		"not an element symbol");
	refused(register_json, "content/LI", json_integer(5), MLEDGER_EFORMAT,
		"not an element symbol");
	refused(register_json, "content/Lit", json_integer(5), MLEDGER_EFORMAT,
		"element symbols");
	refused(register_json, "content/", json_integer(5), MLEDGER_EFORMAT,
		"element symbols");
	refused(transform_json, "outputs/1/content/Qq", json_integer(5),
		MLEDGER_EFORMAT, "not an element symbol");
}

Test(lot_decode, content_ppm)
{
	refused(register_json, "content/Li", json_integer(0), MLEDGER_EFORMAT,
		"Li content 0 ppm is not in 1..1000000");
	refused(register_json, "content/Li", json_integer(1000001),
		MLEDGER_EFORMAT, "1..1000000");
	refused(register_json, "content/Al", json_integer(742101),
		MLEDGER_EFORMAT, "add up to 1000001 ppm, over 1000000");
	refused(transform_json, "outputs/0/content/Li", json_integer(0),
		MLEDGER_EFORMAT, "1..1000000");
	/* 1000000 in total is pure material, and allowed. */
	accepted(register_json, "content/Al", json_integer(742100));
	accepted(register_json, "content",
		 json_pack("{s:i}", "C", 1000000));
}

/*
 * The encoding of a content map is its keys in byte order; a map out of
 * order is not canonical and never reaches the content check.
 */
Test(lot_decode, content_out_of_order)
{
	fx_bytes b = encode_json(register_json());

	/* {"Al", "Li", "Si"} becomes {"Ti", "Li", "Si"}. */
	expect_refused(patched(b, "\xa2" "Al", "\xa2" "Ti", 3),
		       MLEDGER_EFORMAT, "out of order");
	b = encode_json(register_json());
	/* {"Al", "Li", "Si"} becomes {"Al", "Al", "Si"}: a repeated key. */
	expect_refused(patched(b, "\xa2" "Li", "\xa2" "Al", 3),
		       MLEDGER_EFORMAT, "duplicate");
}

Test(lot_decode, content_size)
{
	refused(register_json, "content",
		content_of(MLEDGER_ELEMENTS_MAX + 1, 1), MLEDGER_EFORMAT,
		"more than 32 elements");
	refused(transform_json, "outputs/0/content",
		content_of(MLEDGER_ELEMENTS_MAX + 1, 1), MLEDGER_EFORMAT,
		"more than 32 elements");
	accepted(register_json, "content",
		 content_of(MLEDGER_ELEMENTS_MAX, 31250));
}

/*
 * A content key with a NUL byte ("C\0") is valid UTF-8 and canonical
 * msgpack, but no element symbol: cutting it at the NUL would read "C" and
 * re-encode to other bytes, a second encoding of one event.
 */
Test(lot_decode, nul_in_content_key_is_not_a_second_encoding)
{
	fx_bytes b = encode_json(with(register_json(), "content",
				      json_pack("{s:i, s:i}", "Ca", 5, "Li",
						27900)));

	expect_refused_or_same(patched(b, "\xa2" "Ca", "\xa2" "C\0", 3));
	b = encode_json(with(register_json(), "content",
			     json_pack("{s:i}", "Ca", 5)));
	expect_refused(patched(b, "\xa2" "Ca", "\xa2" "C\0", 3),
		       MLEDGER_EFORMAT, "element");
}

Test(lot_decode, masses)
{
	static const struct {
		json_t *(*make)(void);
		const char *path;
	} at[] = {
		{register_json, "mass_g"}, {receive_json, "mass_g"},
		{adjust_json, "mass_g"}, {transform_json, "inputs/0/mass_g"},
		{transform_json, "outputs/0/mass_g"},
	};

	for (size_t i = 0; i < COUNT(at); i++) {
		refused(at[i].make, at[i].path, json_integer(0),
			MLEDGER_EFORMAT, "mass 0 g is not in 1..2^50 g");
		refused(at[i].make, at[i].path,
			json_integer((json_int_t)(1ull << 50) + 1),
			MLEDGER_EFORMAT, "1125899906842625 g is not in 1..2^50 g");
	}
	accepted(register_json, "mass_g", json_integer((json_int_t)(1ull << 50)));
	accepted(register_json, "mass_g", json_integer(1));
}

Test(lot_decode, unknown_names)
{
	refused(register_json, "origin", json_string("volcanic"),
		MLEDGER_EFORMAT, "unknown origin \"volcanic\"");
	refused(register_json, "origin", json_string("Extraction"),
		MLEDGER_EFORMAT, "unknown origin");
	refused(transform_json, "stage", json_string("teleport"),
		MLEDGER_EFORMAT, "unknown stage \"teleport\"");
	refused(transform_json, "stage", json_string(""), MLEDGER_EFORMAT,
		"unknown stage");
	refused(transform_json, "stage",
		json_string("refining-with-a-very-long-suffix-added"),
		MLEDGER_EFORMAT, "unknown stage");
	refused(transform_json, "model", json_string("vibes"), MLEDGER_EFORMAT,
		"unknown model \"vibes\"");
	refused(transform_json, "model", json_string("none"), MLEDGER_EFORMAT,
		"unknown model");
	refused(adjust_json, "kind", json_string("theft"), MLEDGER_EFORMAT,
		"unknown kind \"theft\"");
	refused(attest_json, "target/kind", json_string("planet"),
		MLEDGER_EFORMAT, "unknown kind \"planet\"");
	refused(register_json, "origin", json_stringn("extraction\0", 11),
		MLEDGER_EFORMAT, "unknown origin");
}

/* Every documented name decodes, and to its value. */
Test(lot_decode, every_name_decodes)
{
	for (int s = MLEDGER_STAGE_REFINING; s <= MLEDGER_STAGE_ALLOYING; s++) {
		fx_bytes b = encode_json(with(transform_json(), "stage",
			json_string(mledger_stage_name((mledger_stage)s))));
		mledger_event *ev = NULL;

		cr_assert_eq(mledger_event_decode(&ev, b.data, b.len), 0, "%s",
			     mledger_error_last());
		cr_expect_eq(ev->u.transform.stage, (mledger_stage)s);
		mledger_event_free(ev);
		expect_refused_or_same(b);
	}
	accepted(transform_json, "model", json_string("controlled-blending"));
	accepted(transform_json, "model", json_string("mass-balance"));
	accepted(adjust_json, "kind", json_string("loss"));
	accepted(adjust_json, "kind", json_string("scrap"));
	accepted(register_json, "origin", json_string("recycling"));
	accepted(attest_json, "target",
		 json_pack("{s:s, s:s}", "id", VEC_LOT_LHM, "kind", "lot"));
	accepted(attest_json, "target",
		 json_pack("{s:s, s:s}", "id", VEC_REFINER_ID, "kind",
			   "actor"));
}

Test(lot_decode, secondary)
{
	fx_bytes b;
	mledger_event *ev = NULL;

	refused(register_json, "secondary", json_false(), MLEDGER_EFORMAT,
		"\"secondary\" is present only as true");
	expect_refused(encode_json(with(with(register_json(), "origin",
					     json_string("recycling")),
					"secondary", json_true())),
		       MLEDGER_EFORMAT,
		       "only an extraction lot is marked secondary");
	b = encode_json(with(register_json(), "secondary", json_true()));
	cr_assert_eq(mledger_event_decode(&ev, b.data, b.len), 0, "%s",
		     mledger_error_last());
	cr_expect(ev->u.reg.secondary);
	mledger_event_free(ev);
	expect_refused_or_same(b);
}

Test(lot_decode, transform_inputs_and_outputs)
{
	json_t *many = json_array();

	refused(transform_json, "inputs", json_array(), MLEDGER_EFORMAT,
		"needs 1 to 256 inputs and 1 to 256 outputs");
	refused(transform_json, "outputs", json_array(), MLEDGER_EFORMAT,
		"needs 1 to 256 inputs");
	refused(transform_json, "inputs/1",
		json_pack("{s:s, s:i}", "lot", VEC_LOT_ORE, "mass_g", 1),
		MLEDGER_EFORMAT, "lists input lot WHA-SC6-2026-0001 twice");
	refused(transform_json, "outputs/1/lot", json_string(VEC_LOT_LHM),
		MLEDGER_EFORMAT, "lists output lot KM-LHM-2026-0001 twice");
	for (int i = 0; i < MLEDGER_LOT_IO_MAX + 1; i++) {
		char id[32];

		snprintf(id, sizeof(id), "IN-%03d", i);
		json_array_append_new(many, json_pack("{s:s, s:i}", "lot", id,
						      "mass_g", 1));
	}
	refused(transform_json, "inputs", many, MLEDGER_ETOOBIG,
		"more than 256 inputs or outputs");
	refused(transform_json, "inputs/0/lot", json_string("WHA SC6"),
		MLEDGER_EFORMAT, "input lot id");
	refused(transform_json, "outputs/0/hts", json_string(""),
		MLEDGER_EFORMAT, "HTS code is empty");
}

Test(lot_decode, transform_of_256_inputs_decodes)
{
	json_t *many = json_array();

	for (int i = 0; i < MLEDGER_LOT_IO_MAX; i++) {
		char id[32];

		snprintf(id, sizeof(id), "IN-%03d", i);
		json_array_append_new(many, json_pack("{s:s, s:i}", "lot", id,
						      "mass_g", 1));
	}
	accepted(transform_json, "inputs", many);
}

Test(lot_decode, attest_target)
{
	refused(attest_json, "target/owner", NULL, MLEDGER_EFORMAT,
		"a facility is named with its owning actor");
	refused(attest_json, "target/kind", json_string("lot"),
		MLEDGER_EFORMAT, "and only a facility");
	refused(attest_json, "target/kind", json_string("actor"),
		MLEDGER_EFORMAT, "and only a facility");
	refused(attest_json, "target/owner", json_string("us example"),
		MLEDGER_EFORMAT, "facility owner");
	refused(attest_json, "target/id", json_string(""), MLEDGER_EFORMAT,
		"attested id is empty");
}

Test(lot_decode, attest_dates_and_document)
{
	char doc[2 * (MLEDGER_HASH_BYTES + 1) + 1];

	refused(attest_json, "valid_until", json_integer(VEC_VALID_FROM - 1),
		MLEDGER_EFORMAT, "valid until is before valid from");
	refused(attest_json, "valid_from", json_integer(0), MLEDGER_EFORMAT,
		"validity dates are omitted, not zero");
	refused(attest_json, "valid_until", json_integer(0), MLEDGER_EFORMAT,
		"omitted, not zero");
	/* A certificate valid for one second is still a range. */
	accepted(attest_json, "valid_until", json_integer(VEC_VALID_FROM));
	/* 31 and 33 bytes of hash. */
	memset(doc, 'a', sizeof(doc) - 1);
	doc[sizeof(doc) - 1] = '\0';
	doc[2 * (MLEDGER_HASH_BYTES - 1)] = '\0';
	refused(attest_json, "doc_sha256", hex_json(doc), MLEDGER_EFORMAT,
		"doc_sha256 must be 32 bytes");
	doc[2 * (MLEDGER_HASH_BYTES - 1)] = 'a';
	refused(attest_json, "doc_sha256", hex_json(doc), MLEDGER_EFORMAT,
		"32 bytes");
	refused(attest_json, "scheme", json_string(""), MLEDGER_EFORMAT,
		"scheme is empty");
	refused(attest_json, "result", json_string(""), MLEDGER_EFORMAT,
		"result is empty");
}

Test(lot_decode, bad_country)
{
	static const char *const bad[] = {"Canada", "ca", "C", "", "C1", "CAN"};

	for (size_t i = 0; i < COUNT(bad); i++) {
		refused(register_json, "country", json_string(bad[i]),
			MLEDGER_EFORMAT, "\"country\" is not an ISO 3166-1 alpha-2 code");
		refused(transform_json, "country", json_string(bad[i]),
			MLEDGER_EFORMAT, "ISO 3166-1");
	}
	/* Unknown origin, as customs forms allow. */
	accepted(register_json, "country", json_string("ZZ"));
}

Test(lot_decode, text_and_ids)
{
	char name[MLEDGER_NAME_MAX + 2];

	refused(ship_json, "ref", json_string(""), MLEDGER_EFORMAT,
		"shipment reference is empty");
	refused(adjust_json, "reason", json_string(""), MLEDGER_EFORMAT,
		"reason is empty");
	memset(name, 'r', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	refused(adjust_json, "reason", json_string(name), MLEDGER_EFORMAT,
		"longer than 256 bytes");
	refused(register_json, "lot", json_string("WHA SC6"), MLEDGER_EFORMAT,
		"lot id \"WHA SC6\" has a character");
	refused(register_json, "material", json_string(""), MLEDGER_EFORMAT,
		"material is empty");
	refused(register_json, "site", json_string("mine\n"), MLEDGER_EFORMAT,
		"site");
	refused(register_json, "hts", json_string("2530 90"), MLEDGER_EFORMAT,
		"HTS code");
	refused(ship_json, "to", json_string(""), MLEDGER_EFORMAT,
		"receiving actor is empty");
	expect_refused_or_same(encode_json(with(ship_json(), "ref",
		json_stringn("BOL\0 1", 6))));
	expect_refused_or_same(encode_json(with(attest_json(), "scheme",
		json_stringn("IRMA\0", 5))));
}

/* ---- encoder: the same faults in the struct ----------------------------- */

static void expect_encode_einval(const mledger_event *ev, const char *word)
{
	uint8_t *out = NULL;
	size_t len = 0;
	int rc;

	mledger_error_clear();
	rc = mledger_event_encode(&out, &len, ev);
	cr_expect_eq(rc, MLEDGER_EINVAL, "expected EINVAL, got %d (%s)", rc,
		     mledger_error_last());
	cr_expect_not_null(strstr(mledger_error_last(), word),
			   "message \"%s\" lacks \"%s\"", mledger_error_last(),
			   word);
	if (rc == 0)
		free(out);
}

static mledger_event lot_ev(int which)
{
	mledger_event ev;
	vec_storage st;

	cr_assert_eq(vec_event(&ev, &st, which), 0);
	return ev;
}

Test(lot_encode, checks_content)
{
	mledger_element c[MLEDGER_ELEMENTS_MAX + 1];
	mledger_event ev = lot_ev(VEC_REGISTER);

	ev.u.reg.content = c;
	memcpy(c, (mledger_element[]){{"Li", 5}, {"Al", 5}}, 2 * sizeof(c[0]));
	ev.u.reg.ncontent = 2;
	expect_encode_einval(&ev, "elements out of order or repeated at Al");
	memcpy(c, (mledger_element[]){{"Li", 5}, {"Li", 5}}, 2 * sizeof(c[0]));
	expect_encode_einval(&ev, "out of order or repeated at Li");
	memcpy(c, (mledger_element[]){{"Xx", 5}}, sizeof(c[0]));
	ev.u.reg.ncontent = 1;
	expect_encode_einval(&ev, "\"Xx\" is not an element symbol");
	memcpy(c, (mledger_element[]){{"Li", 0}}, sizeof(c[0]));
	expect_encode_einval(&ev, "0 ppm is not in 1..1000000");
	memcpy(c, (mledger_element[]){{"Li", 1000001}}, sizeof(c[0]));
	expect_encode_einval(&ev, "1..1000000");
	memcpy(c, (mledger_element[]){{"Li", 600000}, {"Ni", 400001}},
	       2 * sizeof(c[0]));
	ev.u.reg.ncontent = 2;
	expect_encode_einval(&ev, "1000001 ppm, over 1000000");
	for (size_t i = 0; i < COUNT(c); i++) {
		snprintf(c[i].symbol, sizeof(c[i].symbol), "%s", periodic[i]);
		c[i].ppm = 1;
	}
	ev.u.reg.ncontent = COUNT(c);
	expect_encode_einval(&ev, "more than 32 elements");
}

Test(lot_encode, checks_each_type)
{
	mledger_lot_input twice[2] = {{VEC_LOT_ORE, 1}, {VEC_LOT_ORE, 2}};
	mledger_lot_output out[2];
	mledger_event ev;

	ev = lot_ev(VEC_REGISTER);
	ev.u.reg.mass_g = 0;
	expect_encode_einval(&ev, "lot mass 0 g is not in 1..2^50 g");
	ev = lot_ev(VEC_REGISTER);
	ev.u.reg.origin = (mledger_origin)0;
	expect_encode_einval(&ev, "unknown origin");
	ev = lot_ev(VEC_REGISTER);
	ev.u.reg.origin = MLEDGER_ORIGIN_RECYCLING;
	ev.u.reg.secondary = true;
	expect_encode_einval(&ev, "only an extraction lot is marked secondary");
	ev = lot_ev(VEC_REGISTER);
	memcpy(ev.u.reg.country, "ca", 3);
	expect_encode_einval(&ev, "ISO 3166-1");

	ev = lot_ev(VEC_SHIP);
	ev.u.ship.ref = "";
	expect_encode_einval(&ev, "shipment reference is empty");
	ev = lot_ev(VEC_RECEIVE);
	ev.u.receive.mass_g = (1ull << 50) + 1;
	expect_encode_einval(&ev, "received mass 1125899906842625 g");

	ev = lot_ev(VEC_TRANSFORM);
	ev.u.transform.ninputs = 0;
	expect_encode_einval(&ev, "needs 1 to 256 inputs");
	ev = lot_ev(VEC_TRANSFORM);
	ev.u.transform.inputs = twice;
	ev.u.transform.ninputs = 2;
	expect_encode_einval(&ev, "lists input lot WHA-SC6-2026-0001 twice");
	ev = lot_ev(VEC_TRANSFORM);
	memcpy(out, ev.u.transform.outputs, sizeof(out));
	out[1].lot = out[0].lot;
	ev.u.transform.outputs = out;
	expect_encode_einval(&ev, "lists output lot KM-LHM-2026-0001 twice");
	ev = lot_ev(VEC_TRANSFORM);
	ev.u.transform.stage = (mledger_stage)0;
	expect_encode_einval(&ev, "unknown stage");
	ev = lot_ev(VEC_TRANSFORM);
	ev.u.transform.model = (mledger_custody_model)99;
	expect_encode_einval(&ev, "unknown chain-of-custody model");

	ev = lot_ev(VEC_ADJUST);
	ev.u.adjust.kind = (mledger_adjust_kind)0;
	expect_encode_einval(&ev, "unknown kind");

	ev = lot_ev(VEC_ATTEST);
	ev.u.attest.target = (mledger_target_kind)9;
	expect_encode_einval(&ev, "unknown target");
	ev = lot_ev(VEC_ATTEST);
	ev.u.attest.owner = NULL;
	expect_encode_einval(&ev, "a facility is named with its owning actor");
	ev = lot_ev(VEC_ATTEST);
	ev.u.attest.target = MLEDGER_TARGET_LOT;
	expect_encode_einval(&ev, "and only a facility");
	ev = lot_ev(VEC_ATTEST);
	ev.u.attest.valid_until = ev.u.attest.valid_from - 1;
	expect_encode_einval(&ev, "valid until is before valid from");
}

/* Optional fields follow the struct: absent, or present with their value. */
Test(lot_encode, optional_fields_follow_the_struct)
{
	mledger_event ev = lot_ev(VEC_REGISTER);
	mledger_event *back = NULL;
	uint8_t *out;
	size_t len;

	ev.u.reg.hts = NULL;
	ev.u.reg.has_value = false;
	ev.u.reg.secondary = true;
	cr_assert_eq(mledger_event_encode(&out, &len, &ev), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(mledger_event_decode(&back, out, len), 0);
	cr_expect_null(back->u.reg.hts);
	cr_expect(!back->u.reg.has_value);
	cr_expect(back->u.reg.secondary);
	mledger_event_free(back);
	free(out);

	ev = lot_ev(VEC_ATTEST);
	ev.u.attest.valid_from = 0;
	ev.u.attest.valid_until = 0;
	cr_assert_eq(mledger_event_encode(&out, &len, &ev), 0);
	cr_assert_eq(mledger_event_decode(&back, out, len), 0);
	cr_expect_eq(back->u.attest.valid_from, 0);
	cr_expect_eq(back->u.attest.valid_until, 0);
	mledger_event_free(back);
	free(out);
}

/* ---- names, elements and content lists ---------------------------------- */

typedef const char *(*name_fn)(int);
typedef int (*parse_fn)(int *, const char *);

static const char *origin_name(int v) { return mledger_origin_name((mledger_origin)v); }
static const char *stage_name(int v) { return mledger_stage_name((mledger_stage)v); }
static const char *model_name(int v) { return mledger_model_name((mledger_custody_model)v); }
static const char *adjust_name(int v) { return mledger_adjust_name((mledger_adjust_kind)v); }
static const char *target_name(int v) { return mledger_target_name((mledger_target_kind)v); }

static int origin_parse(int *out, const char *n)
{
	mledger_origin v = (mledger_origin)0;
	int rc = mledger_origin_parse(&v, n);

	*out = (int)v;
	return rc;
}

static int stage_parse(int *out, const char *n)
{
	mledger_stage v = (mledger_stage)0;
	int rc = mledger_stage_parse(&v, n);

	*out = (int)v;
	return rc;
}

static int model_parse(int *out, const char *n)
{
	mledger_custody_model v = MLEDGER_MODEL_NONE;
	int rc = mledger_model_parse(&v, n);

	*out = (int)v;
	return rc;
}

static int adjust_parse(int *out, const char *n)
{
	mledger_adjust_kind v = (mledger_adjust_kind)0;
	int rc = mledger_adjust_parse(&v, n);

	*out = (int)v;
	return rc;
}

static int target_parse(int *out, const char *n)
{
	mledger_target_kind v = (mledger_target_kind)0;
	int rc = mledger_target_parse(&v, n);

	*out = (int)v;
	return rc;
}

/* names[v - 1] is the name of value v; values run from 1, none past. */
static void round_trip(name_fn name, parse_fn parse, const char *what,
		       const char *const *names, size_t n)
{
	char known[512] = "", msg[600];
	size_t used = 0;
	int v = -1;

	for (size_t i = 0; i < n; i++) {
		cr_expect_str_eq(name((int)i + 1), names[i], "%s %zu", what,
				 i + 1);
		cr_expect_eq(parse(&v, names[i]), 0, "%s", names[i]);
		cr_expect_eq(v, (int)i + 1, "%s", names[i]);
		used += (size_t)snprintf(known + used, sizeof(known) - used,
					 "%s%s", i ? ", " : "", names[i]);
	}
	cr_expect_null(name(0), "%s 0 has a name", what);
	cr_expect_null(name((int)n + 1), "%s %zu has a name", what, n + 1);
	cr_expect_null(name(-1));
	cr_expect_eq(parse(&v, "bogus"), MLEDGER_EINVAL);
	snprintf(msg, sizeof(msg), "unknown %s \"bogus\" (known: %s)", what,
		 known);
	cr_expect_str_eq(mledger_error_last(), msg);
	/* Names are exact: no case folding, no prefixes. */
	cr_expect_eq(parse(&v, ""), MLEDGER_EINVAL);
	for (size_t i = 0; i < n; i++) {
		char upper[64];

		snprintf(upper, sizeof(upper), "%s", names[i]);
		upper[0] = (char)(upper[0] - 'a' + 'A');
		cr_expect_eq(parse(&v, upper), MLEDGER_EINVAL, "%s", upper);
		upper[strlen(upper) - 1] = '\0';
		cr_expect_eq(parse(&v, upper + 1), MLEDGER_EINVAL);
	}
}

Test(lot_names, every_name_round_trips)
{
	static const char *const origins[] = {"extraction", "recycling"};
	static const char *const stages[] = {"refining", "smelting",
		"casting", "precursor", "cathode", "anode", "cell", "module",
		"pack", "assembly", "recycling", "split", "merge",
		"concentration", "conversion", "alloying"};
	static const char *const models[] = {"segregated",
		"controlled-blending", "mass-balance"};
	static const char *const adjusts[] = {"loss", "sample", "scrap"};
	static const char *const targets[] = {"lot", "actor", "facility"};

	round_trip(origin_name, origin_parse, "origin", origins,
		   COUNT(origins));
	round_trip(stage_name, stage_parse, "stage", stages, COUNT(stages));
	round_trip(model_name, model_parse, "chain-of-custody model", models,
		   COUNT(models));
	round_trip(adjust_name, adjust_parse, "adjustment", adjusts,
		   COUNT(adjusts));
	round_trip(target_name, target_parse, "attestation target", targets,
		   COUNT(targets));
	cr_expect_eq(MLEDGER_STAGE_ALLOYING, 16);
	cr_expect_null(mledger_model_name(MLEDGER_MODEL_NONE));
}

Test(lot_names, element_symbols)
{
	static const char *const bad[] = {"", "c", "li", "LI", "Xx", "J", "Q",
		"Uue", "Lix", " Li", "Li ", "L", "Hx", "A", "Z"};

	cr_expect_eq(COUNT(periodic), 118);
	for (size_t i = 0; i < COUNT(periodic); i++)
		cr_expect(mledger_element_valid(periodic[i]), "%s",
			  periodic[i]);
	for (size_t i = 0; i < COUNT(bad); i++)
		cr_expect(!mledger_element_valid(bad[i]), "\"%s\"", bad[i]);
	cr_expect(!mledger_element_valid(NULL));
}

static void content_refused(const char *list, const char *word)
{
	mledger_element e[MLEDGER_ELEMENTS_MAX];
	size_t n = 0;

	cr_expect_eq(mledger_content_parse(e, &n, list), MLEDGER_EINVAL,
		     "\"%s\" parsed", list);
	cr_expect_not_null(strstr(mledger_error_last(), word),
			   "\"%s\": message \"%s\" lacks \"%s\"", list,
			   mledger_error_last(), word);
}

Test(lot_names, content_parse)
{
	mledger_element e[MLEDGER_ELEMENTS_MAX];
	char list[512];
	size_t n = 0, used = 0;

	cr_assert_eq(mledger_content_parse(e, &n, "Si=230000,Li=27900,Al=110000"),
		     0, "%s", mledger_error_last());
	cr_assert_eq(n, 3);
	cr_expect_str_eq(e[0].symbol, "Al");
	cr_expect_eq(e[0].ppm, 110000);
	cr_expect_str_eq(e[1].symbol, "Li");
	cr_expect_str_eq(e[2].symbol, "Si");
	cr_expect_eq(e[2].ppm, 230000);
	cr_assert_eq(mledger_content_parse(e, &n, "C=1000000"), 0);
	cr_expect_eq(n, 1);
	cr_expect_eq(e[0].ppm, 1000000);

	for (size_t i = 0; i < MLEDGER_ELEMENTS_MAX; i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used,
					 "%s%s=1", i ? "," : "", periodic[i]);
	cr_expect_eq(mledger_content_parse(e, &n, list), 0, "%s",
		     mledger_error_last());
	cr_expect_eq(n, MLEDGER_ELEMENTS_MAX);
	snprintf(list + used, sizeof(list) - used, ",%s=1",
		 periodic[MLEDGER_ELEMENTS_MAX]);
	content_refused(list, "more than 32 elements");

	content_refused("Xx=5", "content: \"Xx\" is not an element symbol");
	content_refused("li=5", "not an element symbol");
	content_refused("Li=0", "Li=0 is not a whole number of ppm in 1..1000000");
	content_refused("Li=1000001", "1..1000000");
	content_refused("Li=-5", "whole number");
	content_refused("Li=+5", "whole number");
	content_refused("Li=5x", "whole number");
	content_refused("Li=5.5", "whole number");
	content_refused("Li=600000,Ni=400001",
			"element contents add up to 1000001 ppm, over 1000000");
	content_refused("Li=5,Li=6", "out of order or repeated at Li");
	content_refused("Li", "is not ELEMENT=PPM");
	content_refused("Li=", "is not ELEMENT=PPM");
	content_refused("=5", "is not ELEMENT=PPM");
	content_refused("Lit=5", "is not ELEMENT=PPM");
	content_refused("Li=5,,Ni=6", "is not ELEMENT=PPM");
	content_refused("Li=5,", "ends with a comma");
	content_refused("", "content list is empty");
}

/* ---- rules at append, on top of the vector ledger ----------------------- */

static char *rules_dir;
static mledger_ledger *rules_ledger;
static fx_actor op, miner, refiner, auditor;

static void rules_setup(void)
{
	rules_dir = fx_tmpdir();
	rules_ledger = vector_ledger(rules_dir);
	/* Next actor_seqs: the vectors used operator 1-6, miner 1-3,
	 * refiner 1-3, auditor 1. */
	op = (fx_actor){VEC_OPERATOR_ID, fx_key(VEC_OPERATOR_SEED), 7};
	miner = (fx_actor){VEC_MINER_ID, fx_key(VEC_MINER_SEED3), 4};
	refiner = (fx_actor){VEC_REFINER_ID, fx_key(VEC_REFINER_SEED), 4};
	auditor = (fx_actor){VEC_AUDITOR_ID, fx_key(VEC_AUDITOR_SEED), 2};
}

static void rules_teardown(void)
{
	mledger_ledger_close(rules_ledger);
	mledger_key_free(op.key);
	mledger_key_free(miner.key);
	mledger_key_free(refiner.key);
	mledger_key_free(auditor.key);
	fx_rmdir(rules_dir);
}

TestSuite(lot_rules, .init = rules_setup, .fini = rules_teardown);

/* After the vectors: every event here is dated later than all of them. */
#define T (VEC_TIME_ATTEST + 3600)

static void ok(fx_bytes ev)
{
	cr_assert_eq(fx_submit1(rules_ledger, ev), 0, "%s",
		     mledger_error_last());
	free(ev.data);
}

/* Rejected with code and exactly the message proto/events.md shows. */
static void rejected(fx_bytes ev, int code, const char *message)
{
	fx_head before = fx_head_of(rules_ledger);
	int error = fx_submit1(rules_ledger, ev);

	cr_expect_eq(error, code, "expected %s, got %s: %s",
		     mledger_strerror(code), mledger_strerror(error),
		     mledger_error_last());
	cr_expect_not_null(strstr(mledger_error_last(), message),
			   "message \"%s\" is not \"%s\"", mledger_error_last(),
			   message);
	cr_expect(fx_head_eq(before, fx_head_of(rules_ledger)));
	free(ev.data);
}

static fx_bytes reg(fx_actor *a, const char *lot, mledger_origin origin,
		    const char *site, const char *cc)
{
	mledger_event ev = lot_ev(VEC_REGISTER);

	ev.time = T;
	ev.u.reg.lot = lot;
	ev.u.reg.origin = origin;
	ev.u.reg.site = site;
	memcpy(ev.u.reg.country, cc, 3);
	return fx_sign(a, &ev);
}

static fx_bytes ship(fx_actor *a, const char *lot, const char *to,
		     uint64_t time)
{
	mledger_event ev = lot_ev(VEC_SHIP);

	ev.time = time;
	ev.u.ship.lot = lot;
	ev.u.ship.to = to;
	return fx_sign(a, &ev);
}

static fx_bytes receive(fx_actor *a, const char *lot, uint64_t mass)
{
	mledger_event ev = lot_ev(VEC_RECEIVE);

	ev.time = T + 10;
	ev.u.receive.lot = lot;
	ev.u.receive.mass_g = mass;
	return fx_sign(a, &ev);
}

static fx_bytes adjust(fx_actor *a, const char *lot, uint64_t mass)
{
	mledger_event ev = lot_ev(VEC_ADJUST);

	ev.time = T;
	ev.u.adjust.lot = lot;
	ev.u.adjust.mass_g = mass;
	return fx_sign(a, &ev);
}

/* The residue, in_g of it, into out_g of out with content {Al: al}. */
static fx_bytes remake(fx_actor *a, mledger_stage stage, const char *facility,
		       uint64_t in_g, const char *out, uint64_t out_g,
		       uint32_t al)
{
	mledger_element content = {"Al", al};
	mledger_lot_input in = {VEC_LOT_RESIDUE, in_g};
	mledger_lot_output o = {out, "alumina", out_g, &content, 1, NULL,
				false, 0};
	mledger_event ev = lot_ev(VEC_TRANSFORM);

	ev.time = T;
	ev.u.transform.inputs = &in;
	ev.u.transform.outputs = &o;
	ev.u.transform.noutputs = 1;
	ev.u.transform.stage = stage;
	ev.u.transform.facility = facility;
	return fx_sign(a, &ev);
}

static fx_bytes transform_of(fx_actor *a, const char *in, const char *out)
{
	mledger_element content = {"Li", 1};
	mledger_lot_input i = {in, 1};
	mledger_lot_output o = {out, "lithium-carbonate", 1, &content, 1, NULL,
				false, 0};
	mledger_event ev = lot_ev(VEC_TRANSFORM);

	ev.time = T;
	ev.u.transform.inputs = &i;
	ev.u.transform.outputs = &o;
	ev.u.transform.noutputs = 1;
	return fx_sign(a, &ev);
}

static fx_bytes attest(fx_actor *a, mledger_target_kind kind, const char *id,
		       const char *owner)
{
	mledger_event ev = lot_ev(VEC_ATTEST);

	ev.time = T;
	ev.u.attest.target = kind;
	ev.u.attest.id = id;
	ev.u.attest.owner = owner;
	return fx_sign(a, &ev);
}

Test(lot_rules, register)
{
	rejected(reg(&refiner, "WHA-SC6-2026-0002", MLEDGER_ORIGIN_EXTRACTION,
		     VEC_REFINERY_ID, "US"), MLEDGER_EROLE,
		 "lot.register: actor us.example-refining.kings-mountain may not register a lot of extraction origin: it needs the miner role");
	rejected(reg(&miner, "WHA-SC6-2026-0002", MLEDGER_ORIGIN_RECYCLING,
		     VEC_MINE_ID, "CA"), MLEDGER_EROLE,
		 "lot.register: actor ca.example-mining.whabouchi may not register a lot of recycling origin: it needs the recycler role");
	rejected(reg(&miner, "WHA-SC6-2026-0002", MLEDGER_ORIGIN_EXTRACTION,
		     VEC_REFINERY_ID, "US"), MLEDGER_ERULE,
		 "lot.register: us.example-refining.kings-mountain.plant is not a facility of ca.example-mining.whabouchi (enroll it with the actor)");
	rejected(reg(&miner, "WHA-SC6-2026-0002", MLEDGER_ORIGIN_EXTRACTION,
		     VEC_MINE_ID, "ZZ"), MLEDGER_ERULE,
		 "lot.register: facility ca.example-mining.whabouchi.mine of ca.example-mining.whabouchi is in CA, not ZZ");
	rejected(reg(&miner, VEC_LOT_ORE, MLEDGER_ORIGIN_EXTRACTION,
		     VEC_MINE_ID, "CA"), MLEDGER_EEXISTS,
		 "lot.register: lot WHA-SC6-2026-0001 already exists");
	ok(reg(&miner, "WHA-SC6-2026-0002", MLEDGER_ORIGIN_EXTRACTION,
	       VEC_MINE_ID, "CA"));
}

Test(lot_rules, ship)
{
	fx_actor rail = {"ca.example-rail", fx_key(0x07), 1};
	mledger_event ev;

	/* A receiver that was enrolled, then revoked (entries 13 and 14). */
	ok(fx_enroll(&op, &rail, MLEDGER_ROLE_CARRIER));
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_ACTOR_REVOKE;
	ev.time = T;
	ev.u.revoke.subject = rail.id;
	ok(fx_sign(&op, &ev));
	mledger_key_free(rail.key);

	rejected(ship(&refiner, "KM-LHM-2026-0099", VEC_MINER_ID, T),
		 MLEDGER_ENOTFOUND,
		 "lot.ship: lot KM-LHM-2026-0099 is not in the ledger");
	rejected(ship(&miner, VEC_LOT_LHM, VEC_AUDITOR_ID, T),
		 MLEDGER_ECUSTODY,
		 "lot.ship: lot KM-LHM-2026-0001 is in the custody of us.example-refining.kings-mountain, not ca.example-mining.whabouchi");
	rejected(ship(&refiner, VEC_LOT_LHM, VEC_REFINER_ID, T), MLEDGER_ERULE,
		 "lot.ship: us.example-refining.kings-mountain ships lot KM-LHM-2026-0001 to itself");
	rejected(ship(&refiner, VEC_LOT_LHM, "ca.nobody", T), MLEDGER_ERULE,
		 "lot.ship: receiver ca.nobody is not an enrolled actor");
	rejected(ship(&refiner, VEC_LOT_LHM, "ca.example-rail", T),
		 MLEDGER_ERULE,
		 "lot.ship: receiver ca.example-rail was revoked at entry 14");
	rejected(ship(&refiner, VEC_LOT_ORE, VEC_MINER_ID, T), MLEDGER_EMASS,
		 "lot.ship: lot WHA-SC6-2026-0001 is consumed: 0 g remain");
	rejected(ship(&refiner, VEC_LOT_LHM, VEC_MINER_ID, VEC_TIME_ADJUST - 1),
		 MLEDGER_ETIME,
		 "lot.ship: event time 1791126799 is before 1791126800, the time of lot KM-LHM-2026-0001's previous event");
	ok(ship(&refiner, VEC_LOT_LHM, VEC_MINER_ID, T));
	rejected(ship(&refiner, VEC_LOT_LHM, VEC_AUDITOR_ID, T), MLEDGER_ERULE,
		 "lot.ship: lot KM-LHM-2026-0001 is in transit to ca.example-mining.whabouchi");
	rejected(adjust(&refiner, VEC_LOT_LHM, 1), MLEDGER_ERULE,
		 "lot.adjust: lot KM-LHM-2026-0001 is in transit to ca.example-mining.whabouchi");
}

Test(lot_rules, receive)
{
	ok(ship(&refiner, VEC_LOT_LHM, VEC_MINER_ID, T));
	rejected(receive(&auditor, VEC_LOT_LHM, 1), MLEDGER_ECUSTODY,
		 "lot.receive: lot KM-LHM-2026-0001 is in transit to ca.example-mining.whabouchi, not to ch.example-assurance");
	rejected(receive(&refiner, VEC_LOT_RESIDUE, 1), MLEDGER_ECUSTODY,
		 "lot.receive: lot KM-RES-2026-0001 is not in transit (it is active with us.example-refining.kings-mountain)");
	rejected(receive(&miner, VEC_LOT_LHM, 2869501), MLEDGER_EMASS,
		 "lot.receive: lot KM-LHM-2026-0001: 2869501 g received, only 2869500 g were shipped");
	rejected(receive(&miner, "KM-LHM-2026-0099", 1), MLEDGER_ENOTFOUND,
		 "lot.receive: lot KM-LHM-2026-0099 is not in the ledger");
	ok(receive(&miner, VEC_LOT_LHM, 2869000));
}

Test(lot_rules, transform)
{
	rejected(remake(&auditor, MLEDGER_STAGE_REFINING, VEC_REFINERY_ID, 1,
			"KM-AL-1", 1, 1), MLEDGER_EROLE,
		 "lot.transform: actor ch.example-assurance may not transform lots: it needs the processor, manufacturer or recycler role");
	rejected(remake(&refiner, MLEDGER_STAGE_RECYCLING, VEC_REFINERY_ID, 1,
			"KM-AL-1", 1, 1), MLEDGER_EROLE,
		 "lot.transform: actor us.example-refining.kings-mountain may not record a recycling step: it needs the recycler role");
	rejected(remake(&refiner, MLEDGER_STAGE_REFINING, VEC_MINE_ID, 1,
			"KM-AL-1", 1, 1), MLEDGER_ERULE,
		 "lot.transform: ca.example-mining.whabouchi.mine is not a facility of us.example-refining.kings-mountain (enroll it with the actor)");
	rejected(remake(&refiner, MLEDGER_STAGE_REFINING, VEC_REFINERY_ID,
			15000001, "KM-AL-1", 1, 1), MLEDGER_EMASS,
		 "lot.transform: lot KM-RES-2026-0001: 15000001 g requested, 15000000 g remain");
	rejected(remake(&refiner, MLEDGER_STAGE_REFINING, VEC_REFINERY_ID, 1,
			VEC_LOT_LHM, 1, 1), MLEDGER_EEXISTS,
		 "lot.transform: lot KM-LHM-2026-0001 already exists");
	/* Al in: 1000 g x 140000 ppm = 140 g; out: 501 g x 280000 ppm. */
	rejected(remake(&refiner, MLEDGER_STAGE_REFINING, VEC_REFINERY_ID,
			1000, "KM-AL-1", 501, 280000), MLEDGER_EMASS,
		 "lot.transform: Al out (140.280000 g) exceeds Al in (140 g)");
	rejected(transform_of(&refiner, VEC_LOT_ORE, "KM-LC-1"), MLEDGER_EMASS,
		 "lot.transform: lot WHA-SC6-2026-0001 is consumed: 0 g remain");
	rejected(transform_of(&miner, VEC_LOT_LHM, "KM-LC-1"), MLEDGER_ERULE,
		 "lot.transform: us.example-refining.kings-mountain.plant is not a facility of ca.example-mining.whabouchi");
	ok(remake(&refiner, MLEDGER_STAGE_REFINING, VEC_REFINERY_ID, 1000,
		  "KM-AL-1", 500, 280000));
}

Test(lot_rules, adjust)
{
	rejected(adjust(&miner, VEC_LOT_LHM, 1), MLEDGER_ECUSTODY,
		 "lot.adjust: lot KM-LHM-2026-0001 is in the custody of us.example-refining.kings-mountain, not ca.example-mining.whabouchi");
	rejected(adjust(&refiner, VEC_LOT_LHM, 2869501), MLEDGER_EMASS,
		 "lot.adjust: lot KM-LHM-2026-0001: 2869501 g requested, 2869500 g remain");
	ok(adjust(&refiner, VEC_LOT_LHM, 2869500));
	rejected(adjust(&refiner, VEC_LOT_LHM, 1), MLEDGER_EMASS,
		 "lot.adjust: lot KM-LHM-2026-0001 is consumed: 0 g remain");
}

Test(lot_rules, attest)
{
	rejected(attest(&refiner, MLEDGER_TARGET_LOT, VEC_LOT_LHM, NULL),
		 MLEDGER_EROLE,
		 "lot.attest: actor us.example-refining.kings-mountain may not attest: it needs the auditor role");
	rejected(attest(&auditor, MLEDGER_TARGET_LOT, "KM-LHM-2026-0099", NULL),
		 MLEDGER_ENOTFOUND,
		 "lot.attest: lot KM-LHM-2026-0099 is not in the ledger");
	rejected(attest(&auditor, MLEDGER_TARGET_ACTOR, "ca.nobody", NULL),
		 MLEDGER_ENOTFOUND, "lot.attest: actor ca.nobody is not enrolled");
	rejected(attest(&auditor, MLEDGER_TARGET_FACILITY, VEC_MINE_ID,
			VEC_REFINER_ID), MLEDGER_ENOTFOUND,
		 "lot.attest: ca.example-mining.whabouchi.mine is not a facility of us.example-refining.kings-mountain");
	ok(attest(&auditor, MLEDGER_TARGET_LOT, VEC_LOT_ORE, NULL));
	ok(attest(&auditor, MLEDGER_TARGET_ACTOR, VEC_MINER_ID, NULL));
}

/* The signer rules of every type hold for lot events too. */
Test(lot_rules, replay_and_keys)
{
	fx_actor old = {VEC_MINER_ID, fx_key(VEC_MINER_SEED), 4};
	fx_bytes again = read_vector("register.mle");

	rejected(again, MLEDGER_EREPLAY,
		 "lot.register by ca.example-mining.whabouchi: actor_seq 2 is not above 3, the last one used (replayed or reordered)");
	rejected(reg(&old, "WHA-SC6-2026-0002", MLEDGER_ORIGIN_EXTRACTION,
		     VEC_MINE_ID, "CA"), MLEDGER_EKEY,
		 "lot.register signed with key 8a9f9ec9c250d939fe3dc822c0b45ae0 of ca.example-mining.whabouchi, revoked or retired at entry 2");
	mledger_key_free(old.key);
}

Test(lot_rules, rejections_leave_a_ledger_that_verifies)
{
	mledger_verify_result vres;

	rejected(adjust(&refiner, VEC_LOT_LHM, 2869501), MLEDGER_EMASS,
		 "requested");
	ok(adjust(&refiner, VEC_LOT_LHM, 500));
	cr_expect_eq(mledger_verify(&vres, rules_ledger, NULL), 0, "%s",
		     mledger_error_last());
}
