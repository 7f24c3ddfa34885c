/*
 * Bundles: export and audit round trip on a small chain built from real
 * signed events, deterministic bytes, and the refusals: every single-byte
 * flip and every truncation of a bundle, each entry removed in turn, a
 * proof altered, an entry swapped in from another lot or from another
 * ledger, a checkpoint signed by another key, a wrong trusted key; and an
 * audit against a served copy of the log (tiles). Also the
 * store index bundles rely on (subjects): checked by verify, and a store
 * without it refused on open.
 *
 * The chain (entry numbers as appended):
 *    0 genesis        1-4 enrol miner, refiner, maker, auditor
 *    5 ORE-A, 6 ORE-B registered by the miner
 *    7, 8 ORE-A shipped to the refiner and received; 9, 10 the same, ORE-B
 *   11 refiner: 600 kg of ORE-A -> HYD-1
 *   12 refiner: the rest of ORE-A + all of ORE-B -> HYD-2
 *   13, 14 HYD-1 shipped to the maker and received
 *   15 maker: HYD-1 -> PROD
 *   16 auditor attests ORE-A; 17 auditor attests the miner's pit
 * The bundle of PROD holds 0-5, 7, 8, 11-17: entry 12 consumed ORE-A into
 * another product, so it is checked only for ORE-A.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "ledger_int.h"
#include "fixture.h"

static char *dir;
static fx_actor op, miner, refiner, maker, auditor;
static mledger_ledger *ledger;

static const mledger_element ore_li[] = {{"Li", 27900}};
static const mledger_element hyd_li[] = {{"Li", 165000}};
static const mledger_element prod_li[] = {{"Li", 71000}};

/* The ledger's receive time for the entries (0: now). */
static uint64_t receive_time;

/* Append an event already signed (b is freed). */
static void submit_signed(fx_bytes b)
{
	mledger_submit_opts o = MLEDGER_SUBMIT_OPTS_INIT;
	mledger_submit_result res;
	const uint8_t *data = b.data;

	o.time = receive_time;
	cr_assert_eq(mledger_submit(&res, ledger, &data, &b.len, 1, &o), 0,
		     "%s", mledger_error_last());
	mledger_submit_result_free(&res);
	free(b.data);
}

static void submit(fx_actor *a, mledger_event *ev)
{
	submit_signed(fx_sign(a, ev));
}

static void enroll(fx_actor *a, uint32_t roles, const char *facility,
		   const char *cc)
{
	mledger_pubkey pk;
	mledger_facility f = {facility, {cc[0], cc[1], 0}};
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_ACTOR_ENROLL;
	ev.u.enroll.subject = fx_record(a->id, roles, &pk, a->key);
	memcpy(ev.u.enroll.subject.country, cc, 3);
	if (facility != NULL) {
		ev.u.enroll.subject.facilities = &f;
		ev.u.enroll.subject.nfacilities = 1;
	}
	submit(&op, &ev);
}

static void reg(const char *lot)
{
	submit_signed(fx_register(&miner, lot, 1000000, "pit", "CA"));
}

static void move(const char *lot, fx_actor *from, fx_actor *to, uint64_t mass)
{
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_SHIP;
	ev.u.ship.lot = lot;
	ev.u.ship.to = to->id;
	submit(from, &ev);
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_RECEIVE;
	ev.u.receive.lot = lot;
	ev.u.receive.mass_g = mass;
	submit(to, &ev);
}

/* A refining-style transform of in into one output lot, signed by a. */
static fx_bytes signed_transform(fx_actor *a, const mledger_lot_input *in,
				 size_t nin, const char *out, uint64_t mass,
				 const mledger_element *content,
				 const char *facility, mledger_stage stage)
{
	mledger_lot_output o = {out, "product", mass, content, 1, NULL, false, 0};
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_TRANSFORM;
	ev.u.transform.inputs = in;
	ev.u.transform.ninputs = nin;
	ev.u.transform.outputs = &o;
	ev.u.transform.noutputs = 1;
	ev.u.transform.stage = stage;
	ev.u.transform.facility = facility;
	memcpy(ev.u.transform.country, "US", 3);
	ev.u.transform.model = MLEDGER_MODEL_SEGREGATED;
	return fx_sign(a, &ev);
}

static void transform(fx_actor *a, const mledger_lot_input *in, size_t nin,
		      const char *out, uint64_t mass,
		      const mledger_element *content, const char *facility,
		      mledger_stage stage)
{
	submit_signed(signed_transform(a, in, nin, out, mass, content,
				       facility, stage));
}

static void attest(mledger_target_kind target, const char *id,
		   const char *owner)
{
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_ATTEST;
	ev.u.attest.target = target;
	ev.u.attest.id = id;
	ev.u.attest.owner = owner;
	ev.u.attest.scheme = "IRMA";
	ev.u.attest.result = "IRMA 75";
	memset(ev.u.attest.doc_sha256, 0x5a, MLEDGER_HASH_BYTES);
	submit(&auditor, &ev);
}

/* The chain of the file comment, in a new ledger in d. */
static mledger_ledger *build_chain(const char *d)
{
	const mledger_lot_input a1[] = {{"ORE-A", 600000}};
	const mledger_lot_input a2[] = {{"ORE-A", 400000}, {"ORE-B", 1000000}};
	const mledger_lot_input h1[] = {{"HYD-1", 90000}};

	op.next_seq = miner.next_seq = refiner.next_seq = 1;
	maker.next_seq = auditor.next_seq = 1;
	ledger = fx_ledger(d, &op);
	enroll(&miner, MLEDGER_ROLE_MINER, "pit", "CA");
	enroll(&refiner, MLEDGER_ROLE_PROCESSOR, "refinery", "US");
	enroll(&maker, MLEDGER_ROLE_MANUFACTURER, "plant", "US");
	enroll(&auditor, MLEDGER_ROLE_AUDITOR, NULL, "CH");
	reg("ORE-A");
	reg("ORE-B");
	move("ORE-A", &miner, &refiner, 1000000);
	move("ORE-B", &miner, &refiner, 1000000);
	transform(&refiner, a1, 1, "HYD-1", 90000, hyd_li, "refinery",
		  MLEDGER_STAGE_REFINING);
	transform(&refiner, a2, 2, "HYD-2", 150000, hyd_li, "refinery",
		  MLEDGER_STAGE_REFINING);
	move("HYD-1", &refiner, &maker, 90000);
	transform(&maker, h1, 1, "PROD", 200000, prod_li, "plant",
		  MLEDGER_STAGE_CATHODE);
	attest(MLEDGER_TARGET_LOT, "ORE-A", NULL);
	attest(MLEDGER_TARGET_FACILITY, "pit", "ca.miner");
	return ledger;
}

static void setup(void)
{
	dir = fx_tmpdir();
	op = (fx_actor){"operator", fx_key(1), 1};
	miner = (fx_actor){"ca.miner", fx_key(2), 1};
	refiner = (fx_actor){"us.refiner", fx_key(3), 1};
	maker = (fx_actor){"us.maker", fx_key(4), 1};
	auditor = (fx_actor){"ch.auditor", fx_key(5), 1};
	build_chain(dir);
}

static void teardown(void)
{
	mledger_ledger_close(ledger);
	mledger_key_free(op.key);
	mledger_key_free(miner.key);
	mledger_key_free(refiner.key);
	mledger_key_free(maker.key);
	mledger_key_free(auditor.key);
	fx_rmdir(dir);
}

TestSuite(bundle, .init = setup, .fini = teardown, .timeout = 300);

static fx_bytes export_of(const char *lot)
{
	fx_bytes b = {NULL, 0};

	cr_assert_eq(mledger_bundle_export(&b.data, &b.len, ledger, lot, op.key),
		     0, "%s", mledger_error_last());
	return b;
}

/* Audit with the operator's key; returns the code, frees the audit. */
static int audit_with(const uint8_t *data, size_t len, const mledger_key *key,
		      const char *lot)
{
	mledger_audit_opts o = MLEDGER_AUDIT_OPTS_INIT;
	mledger_audit *a = NULL;
	int error;

	o.trust_key = key;
	o.lot = lot;
	o.threads = 2;
	error = mledger_bundle_audit(&a, data, len, &o);
	cr_assert((error == 0) == (a != NULL));
	mledger_audit_free(a);
	return error;
}

static int audit(const uint8_t *data, size_t len)
{
	return audit_with(data, len, op.key, NULL);
}

/* ---- a bundle taken apart and put together again -------------------------- */

typedef struct bentry {
	const uint8_t *entry;
	size_t len;
	uint64_t seq;
	uint8_t proof[MLEDGER_PROOF_MAX][MLEDGER_HASH_BYTES];
	size_t nproof;
} bentry;

typedef struct bundle {
	mledger_doc doc;
	const uint8_t *note;
	size_t note_len;
	char lot[MLEDGER_ID_MAX + 1];
	bentry *e;
	size_t n;
} bundle;

static void split(bundle *b, const fx_bytes *bytes)
{
	const msgpack_object_array *arr;
	const char *lot;
	size_t lot_len;

	memset(b, 0, sizeof(*b));
	cr_assert_eq(mledger_doc_parse(&b->doc, bytes->data, bytes->len,
				       MLEDGER_BUNDLE_MAX), 0);
	cr_assert_eq(mledger_get_bin(&b->note, &b->note_len, &b->doc.root,
				     "checkpoint", "bundle"), 0);
	cr_assert_eq(mledger_get_str(&lot, &lot_len, &b->doc.root, "lot",
				     "bundle"), 0);
	memcpy(b->lot, lot, lot_len);
	cr_assert_eq(mledger_get_array(&arr, &b->doc.root, "entries", "bundle"), 0);
	b->n = arr->size;
	b->e = calloc(b->n + 1, sizeof(*b->e));
	for (size_t i = 0; i < b->n; i++) {
		const msgpack_object_array *p;
		mledger_entry e;

		cr_assert_eq(mledger_get_bin(&b->e[i].entry, &b->e[i].len,
					     &arr->ptr[i], "entry", "e"), 0);
		cr_assert_eq(mledger_get_array(&p, &arr->ptr[i], "proof", "e"), 0);
		cr_assert_eq(mledger_entry_parse(&e, b->e[i].entry, b->e[i].len), 0);
		b->e[i].seq = e.seq;
		b->e[i].nproof = p->size;
		for (size_t j = 0; j < p->size; j++)
			memcpy(b->e[i].proof[j], p->ptr[j].via.bin.ptr,
			       MLEDGER_HASH_BYTES);
	}
}

static fx_bytes join(const bundle *b)
{
	mledger_writer w;
	fx_bytes out;

	mledger_w_init(&w);
	mledger_w_map(&w, 4);
	mledger_w_key(&w, "checkpoint");
	mledger_w_bin(&w, b->note, b->note_len);
	mledger_w_key(&w, "entries");
	mledger_w_array(&w, b->n);
	for (size_t i = 0; i < b->n; i++) {
		mledger_w_map(&w, 2);
		mledger_w_key(&w, "entry");
		mledger_w_bin(&w, b->e[i].entry, b->e[i].len);
		mledger_w_key(&w, "proof");
		mledger_w_array(&w, b->e[i].nproof);
		for (size_t j = 0; j < b->e[i].nproof; j++)
			mledger_w_bin(&w, b->e[i].proof[j], MLEDGER_HASH_BYTES);
	}
	mledger_w_key(&w, "lot");
	mledger_w_str(&w, b->lot);
	mledger_w_key(&w, "version");
	mledger_w_uint(&w, MLEDGER_BUNDLE_VERSION);
	cr_assert_eq(mledger_w_finish(&out.data, &out.len, &w), 0);
	return out;
}

static void bundle_free(bundle *b)
{
	free(b->e);
	mledger_doc_free(&b->doc);
}

static size_t index_of(const bundle *b, uint64_t seq)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->e[i].seq == seq)
			return i;
	cr_assert_fail("entry %llu is not in the bundle", (unsigned long long)seq);
	return 0;
}

/* ---- round trip ----------------------------------------------------------- */

static char *share_text(const mledger_trace *t)
{
	mledger_policy *p = NULL;
	mledger_share_options so = MLEDGER_SHARE_OPTIONS_INIT;
	mledger_share_report *r = NULL;
	char *text = NULL;

	so.year = 2026;
	cr_assert_eq(mledger_policy_builtin(&p, "usmca"), 0);
	cr_assert_eq(mledger_share_compute(&r, t, p, &so), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(mledger_share_render(&text, r, true), 0);
	mledger_share_report_free(r);
	mledger_policy_free(p);
	return text;
}

Test(bundle, round_trip)
{
	static const uint64_t want[] = {0, 1, 2, 3, 4, 5, 7, 8, 11, 12, 13,
					14, 15, 16, 17};
	fx_bytes b = export_of("PROD");
	mledger_audit_opts o = MLEDGER_AUDIT_OPTS_INIT;
	mledger_audit *a = NULL;
	const mledger_audit_summary *s;
	mledger_trace *lt = NULL;
	char *t1 = NULL, *t2 = NULL, *s1, *s2;
	bundle parts;

	split(&parts, &b);
	cr_assert_eq(parts.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < parts.n; i++)
		cr_assert_eq(parts.e[i].seq, want[i], "entry %zu is %llu", i,
			     (unsigned long long)parts.e[i].seq);
	bundle_free(&parts);

	o.trust_key = op.key;
	cr_assert_eq(mledger_bundle_audit(&a, b.data, b.len, &o), 0, "%s",
		     mledger_error_last());
	s = mledger_audit_summary_of(a);
	cr_assert_str_eq(s->lot, "PROD");
	cr_assert_str_eq(s->origin, "test.example/ledger");
	cr_assert_eq(s->size, 18);
	cr_assert_eq(s->entries, 15);
	cr_assert_eq(s->signatures, 15);
	cr_assert_eq(s->partial, 1);
	cr_assert_eq(s->lots, 3);

	/* The same trace and the same shares as from the ledger. */
	cr_assert_eq(mledger_trace_build(&lt, ledger, "PROD"), 0);
	cr_assert_eq(mledger_trace_render(&t1, lt, MLEDGER_TRACE_JSON), 0);
	cr_assert_eq(mledger_trace_render(&t2, mledger_audit_trace(a),
					  MLEDGER_TRACE_JSON), 0);
	cr_assert_str_eq(t2, t1);
	s1 = share_text(lt);
	s2 = share_text(mledger_audit_trace(a));
	cr_assert_str_eq(s2, s1);
	free(t1);
	free(t2);
	free(s1);
	free(s2);
	mledger_trace_free(lt);
	mledger_audit_free(a);

	/* A vkey string does as well as the key. */
	{
		char *vkey = NULL;

		cr_assert_eq(mledger_ledger_vkey(&vkey, ledger), 0);
		o.trust_key = NULL;
		o.trust_vkey = vkey;
		cr_assert_eq(mledger_bundle_audit(&a, b.data, b.len, &o), 0,
			     "%s", mledger_error_last());
		mledger_audit_free(a);
		free(vkey);
	}
	free(b.data);
}

Test(bundle, deterministic)
{
	fx_bytes a = export_of("PROD"), b = export_of("PROD");

	cr_assert_eq(a.len, b.len);
	cr_assert_eq(memcmp(a.data, b.data, a.len), 0);
	free(a.data);
	free(b.data);
}

/* Open the tiles in pub under the operator's key. */
static mledger_tiles *open_served(const char *pub)
{
	mledger_tiles_open_opts to = MLEDGER_TILES_OPEN_OPTS_INIT;
	mledger_tiles *t = NULL;

	to.key = op.key;
	cr_assert_eq(mledger_tiles_open(&t, pub, &to), 0, "%s",
		     mledger_error_last());
	return t;
}

/* Publish the ledger as tiles in pub at a new checkpoint. */
static void publish(const char *pub)
{
	mledger_tiles_stats st;
	char *note = NULL;

	cr_assert_eq(mledger_checkpoint_make(&note, ledger, op.key), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(mledger_tiles_write(&st, ledger, pub, note, strlen(note)),
		     0, "%s", mledger_error_last());
	free(note);
}

/* Audit b against the served log in pub; *served its tree size. */
static int audit_served(const fx_bytes *b, const char *pub, uint64_t *served)
{
	mledger_audit_opts o = MLEDGER_AUDIT_OPTS_INIT;
	mledger_audit *a = NULL;
	int error;

	o.trust_key = op.key;
	o.tiles = open_served(pub);
	error = mledger_bundle_audit(&a, b->data, b->len, &o);
	*served = error == 0 ? mledger_audit_summary_of(a)->served_size : 0;
	mledger_audit_free(a);
	mledger_tiles_free(o.tiles);
	return error;
}

Test(bundle, audit_against_a_served_log)
{
	char old[4096], pub[4096], tile[4096 + 64];
	uint8_t head[MLEDGER_HASH_BYTES];
	fx_bytes b = export_of("PROD"), newer;
	uint64_t served, s0, s1;
	FILE *f;

	/* Served at the bundle's size, then grown past it: both hold it. */
	cr_assert_eq(mledger_ledger_head(&s0, head, ledger), 0);
	snprintf(old, sizeof(old), "%s/old", dir);
	snprintf(pub, sizeof(pub), "%s/pub", dir);
	publish(old);
	cr_assert_eq(audit_served(&b, old, &served), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(served, s0);
	attest(MLEDGER_TARGET_LOT, "PROD", NULL);
	publish(pub);
	cr_assert_eq(mledger_ledger_head(&s1, head, ledger), 0);
	cr_assert_eq(audit_served(&b, pub, &served), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(served, s1);

	/* A bundle newer than the served log. */
	newer = export_of("PROD");
	cr_assert_eq(audit_served(&newer, old, &served), MLEDGER_ECHAIN);
	cr_assert(strstr(mledger_error_last(), "fewer than") != NULL, "%s",
		  mledger_error_last());
	free(newer.data);

	/* A served tile that does not hash to the served checkpoint. */
	snprintf(tile, sizeof(tile), "%s/tile/0/000.p/%llu", pub,
		 (unsigned long long)s1);
	cr_assert_not_null(f = fopen(tile, "r+b"), "%s", tile);
	cr_assert_eq(fputc(0xff, f), 0xff);
	fclose(f);
	cr_assert_neq(audit_served(&b, pub, &served), 0);
	cr_assert(strstr(mledger_error_last(), "served log") != NULL, "%s",
		  mledger_error_last());
	free(b.data);
}

Test(bundle, export_needs_a_covering_checkpoint)
{
	fx_bytes b = {NULL, 0};
	char *note = NULL;
	mledger_event ev;

	cr_assert_eq(mledger_bundle_export(&b.data, &b.len, ledger, "PROD",
					   NULL), MLEDGER_ENOTFOUND);
	cr_assert(strstr(mledger_error_last(), "mledger checkpoint") != NULL);
	cr_assert_eq(mledger_checkpoint_make(&note, ledger, op.key), 0);
	free(note);
	cr_assert_eq(mledger_bundle_export(&b.data, &b.len, ledger, "PROD",
					   NULL), 0);
	free(b.data);
	/* One more entry and the checkpoint no longer covers the ledger. */
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_ATTEST;
	attest(MLEDGER_TARGET_ACTOR, "ca.miner", NULL);
	cr_assert_eq(mledger_bundle_export(&b.data, &b.len, ledger, "PROD",
					   NULL), MLEDGER_ENOTFOUND);
	cr_assert_eq(mledger_bundle_export(&b.data, &b.len, ledger, "NO-LOT",
					   op.key), MLEDGER_ENOTFOUND);
	/* The attestation on the miner joins the bundle of PROD. */
	b = export_of("PROD");
	{
		bundle parts;

		split(&parts, &b);
		cr_assert_eq(parts.e[parts.n - 1].seq, 18);
		bundle_free(&parts);
	}
	cr_assert_eq(audit(b.data, b.len), 0, "%s", mledger_error_last());
	free(b.data);
}

/* ---- refusals ------------------------------------------------------------- */

/* A bundle small enough to flip every byte of: ORE-B's. */
Test(bundle, every_byte_flip_is_refused)
{
	fx_bytes b = export_of("ORE-B");
	uint8_t *t = malloc(b.len);

	cr_assert_eq(audit(b.data, b.len), 0, "%s", mledger_error_last());
	for (size_t i = 0; i < b.len; i++) {
		static const uint8_t masks[] = {0x01, 0x80, 0xff};

		for (size_t m = 0; m < sizeof(masks); m++) {
			memcpy(t, b.data, b.len);
			t[i] ^= masks[m];
			cr_assert_neq(audit(t, b.len), 0,
				      "byte %zu ^ 0x%02x of %zu accepted", i,
				      masks[m], b.len);
		}
	}
	free(t);
	free(b.data);
}

Test(bundle, every_truncation_is_refused)
{
	fx_bytes b = export_of("PROD");

	for (size_t n = 0; n < b.len; n++)
		cr_assert_neq(audit(b.data, n), 0, "%zu of %zu bytes accepted",
			      n, b.len);
	free(b.data);
}

/*
 * Every entry removed in turn. What a bundle cannot prove is completeness
 * (proto/bundles.md): an attestation left out (16, 17) or a consumption of
 * an ancestor into another product left out (12) looks like a ledger
 * without it. Every other entry of this chain is needed by a later one or
 * by the trace, so its absence is refused.
 */
Test(bundle, entry_removed)
{
	fx_bytes b = export_of("PROD");
	bundle parts;

	split(&parts, &b);
	for (size_t k = 0; k < parts.n; k++) {
		bundle less = parts;
		uint64_t seq = parts.e[k].seq;
		bentry *e = calloc(parts.n, sizeof(*e));
		fx_bytes t;
		int error;

		for (size_t i = 0, j = 0; i < parts.n; i++)
			if (i != k)
				e[j++] = parts.e[i];
		less.e = e;
		less.n = parts.n - 1;
		t = join(&less);
		error = audit(t.data, t.len);
		if (seq == 12 || seq == 16 || seq == 17)
			cr_assert_eq(error, 0, "without entry %llu: %s",
				     (unsigned long long)seq, mledger_error_last());
		else
			cr_assert_neq(error, 0, "entry %llu removed unnoticed",
				      (unsigned long long)seq);
		free(t.data);
		free(e);
	}
	bundle_free(&parts);
	free(b.data);
}

Test(bundle, proof_altered)
{
	fx_bytes b = export_of("PROD"), t;
	bundle parts;
	size_t k;
	bentry saved;

	split(&parts, &b);
	k = index_of(&parts, 11);
	saved = parts.e[k];
	/* A hash changed, one dropped, one added, two swapped. */
	parts.e[k].proof[1][5] ^= 0x10;
	t = join(&parts);
	cr_assert_eq(audit(t.data, t.len), MLEDGER_ECHAIN);
	cr_assert(strstr(mledger_error_last(),
			 "inclusion proof: entry 11 does not lead") != NULL, "%s",
		  mledger_error_last());
	free(t.data);
	parts.e[k] = saved;
	parts.e[k].nproof--;
	t = join(&parts);
	cr_assert_eq(audit(t.data, t.len), MLEDGER_ECHAIN);
	free(t.data);
	parts.e[k] = saved;
	parts.e[k].nproof++;
	t = join(&parts);
	cr_assert_eq(audit(t.data, t.len), MLEDGER_ECHAIN);
	free(t.data);
	parts.e[k] = saved;
	memcpy(parts.e[k].proof[0], saved.proof[1], MLEDGER_HASH_BYTES);
	memcpy(parts.e[k].proof[1], saved.proof[0], MLEDGER_HASH_BYTES);
	t = join(&parts);
	cr_assert_eq(audit(t.data, t.len), MLEDGER_ECHAIN);
	free(t.data);
	/* The proof of another entry. */
	parts.e[k] = saved;
	memcpy(parts.e[k].proof, parts.e[k + 1].proof, sizeof(saved.proof));
	parts.e[k].nproof = parts.e[k + 1].nproof;
	t = join(&parts);
	cr_assert_eq(audit(t.data, t.len), MLEDGER_ECHAIN);
	free(t.data);
	/* Out of order. */
	parts.e[k] = parts.e[k + 1];
	parts.e[k + 1] = saved;
	t = join(&parts);
	cr_assert_eq(audit(t.data, t.len), MLEDGER_ECHAIN);
	free(t.data);
	bundle_free(&parts);
	free(b.data);
}

/* Entries of ORE-B, proved against the same checkpoint, put into PROD's. */
/* parts with entries e[0..n) instead: refused, entry 6 not PROD's. */
static void expect_entry_6_refused(const bundle *parts, bentry *e, size_t n)
{
	bundle more = *parts;
	fx_bytes t;

	more.e = e;
	more.n = n;
	t = join(&more);
	cr_assert_eq(audit(t.data, t.len), MLEDGER_ECHAIN, "%s",
		     mledger_error_last());
	cr_assert(strstr(mledger_error_last(), "entry 6 does not belong") != NULL,
		  "%s", mledger_error_last());
	free(t.data);
}

Test(bundle, entry_swapped_in_from_another_lot)
{
	fx_bytes b = export_of("PROD"), other = export_of("ORE-B"), t;
	bundle parts, ob;
	bentry *e;
	size_t k;

	split(&parts, &b);
	split(&ob, &other);
	e = calloc(parts.n + 1, sizeof(*e));
	/* Entry 13 (HYD-1 shipped) replaced by entry 9 (ORE-B shipped). */
	k = index_of(&parts, 13);
	memcpy(e, parts.e, parts.n * sizeof(*e));
	e[k] = ob.e[index_of(&ob, 9)];
	{
		bundle swapped = parts;

		/* keep the seqs increasing: 9 goes between 8 and 11 */
		size_t at = index_of(&parts, 11);

		memmove(&e[at + 1], &e[at], (k - at) * sizeof(*e));
		e[at] = ob.e[index_of(&ob, 9)];
		swapped.e = e;
		t = join(&swapped);
		cr_assert_neq(audit(t.data, t.len), 0, "entry 9 for entry 13");
		free(t.data);
	}
	/* Entry 6 (ORE-B registered) added. ORE-B is outside PROD's
	 * ancestry, so entry 12, which takes it, skips it as an input whose
	 * history the bundle need not hold; the extra entry is refused as
	 * one that has no place in a bundle of PROD. */
	memcpy(e, parts.e, parts.n * sizeof(*e));
	k = index_of(&parts, 7);
	memmove(&e[k + 1], &e[k], (parts.n - k) * sizeof(*e));
	e[k] = ob.e[index_of(&ob, 6)];
	expect_entry_6_refused(&parts, e, parts.n + 1);
	/* All of ORE-B's history added (6, 9, 10): every rule holds, but
	 * they are not PROD's. */
	free(e);
	e = calloc(parts.n + 3, sizeof(*e));
	{
		size_t j = 0;

		for (size_t i = 0; i < parts.n; i++) {
			if (parts.e[i].seq == 7)
				e[j++] = ob.e[index_of(&ob, 6)];
			if (parts.e[i].seq == 11) {
				e[j++] = ob.e[index_of(&ob, 9)];
				e[j++] = ob.e[index_of(&ob, 10)];
			}
			e[j++] = parts.e[i];
		}
		expect_entry_6_refused(&parts, e, j);
	}
	/* A bundle of ORE-B relabelled as PROD's. */
	snprintf(ob.lot, sizeof(ob.lot), "PROD");
	t = join(&ob);
	cr_assert_neq(audit(t.data, t.len), 0);
	free(t.data);
	free(e);
	bundle_free(&ob);
	bundle_free(&parts);
	free(other.data);
	free(b.data);
}

/* The same chain in a second ledger: same events, other receive times. */
Test(bundle, entry_swapped_in_from_another_ledger)
{
	fx_bytes b = export_of("PROD"), ob, t;
	mledger_ledger *first = ledger;
	char *dir2 = fx_tmpdir();
	bundle parts, other;
	size_t k;

	/* Another receive time, so that the entries differ even when both
	 * ledgers are made within one second. */
	receive_time = 2000000000;
	build_chain(dir2);
	ob = export_of("PROD");
	mledger_ledger_close(ledger);
	ledger = first;
	split(&parts, &b);
	split(&other, &ob);
	k = index_of(&parts, 13);
	parts.e[k] = other.e[index_of(&other, 13)];
	t = join(&parts);
	cr_assert_eq(audit(t.data, t.len), MLEDGER_ECHAIN, "%s",
		     mledger_error_last());
	free(t.data);
	bundle_free(&parts);
	/* Its checkpoint with our entries, and the whole other bundle. */
	split(&parts, &b);
	parts.note = other.note;
	parts.note_len = other.note_len;
	t = join(&parts);
	cr_assert_neq(audit(t.data, t.len), 0);
	free(t.data);
	cr_assert_eq(audit(ob.data, ob.len), 0, "%s", mledger_error_last());
	bundle_free(&other);
	bundle_free(&parts);
	free(ob.data);
	free(b.data);
	fx_rmdir(dir2);
}

Test(bundle, checkpoint_of_another_key)
{
	fx_bytes b = export_of("PROD"), t;
	mledger_key *stranger = fx_key(9);
	char *text = NULL, *note = NULL;
	const char *blank;
	bundle parts;

	split(&parts, &b);
	blank = strstr((const char *)parts.note, "\n\n");
	cr_assert_not_null(blank);
	text = strndup((const char *)parts.note, (size_t)(blank - (const char *)parts.note) + 1);
	cr_assert_eq(mledger_note_sign(&note, text, "test.example/ledger",
				       stranger), 0);
	parts.note = (const uint8_t *)note;
	parts.note_len = strlen(note);
	t = join(&parts);
	/* Refused under the operator's key: no signature of it. */
	cr_assert_eq(audit(t.data, t.len), MLEDGER_EBADSIG);
	/* Under the stranger's key the note opens, but it is not the
	 * operator's key. */
	cr_assert_eq(audit_with(t.data, t.len, stranger, NULL), MLEDGER_EKEY,
		     "%s", mledger_error_last());
	/* And the honest bundle under the stranger's key. */
	cr_assert_eq(audit_with(b.data, b.len, stranger, NULL), MLEDGER_EBADSIG);
	cr_assert_eq(audit_with(b.data, b.len, miner.key, NULL), MLEDGER_EBADSIG);
	cr_assert_eq(audit_with(b.data, b.len, op.key, "HYD-1"), MLEDGER_ECHAIN);
	free(t.data);
	free(text);
	free(note);
	bundle_free(&parts);
	mledger_key_free(stranger);
	free(b.data);
}

Test(bundle, caps_and_arguments)
{
	fx_bytes b = export_of("PROD");
	mledger_audit_opts o = MLEDGER_AUDIT_OPTS_INIT;
	mledger_audit *a = NULL;

	cr_assert_eq(mledger_bundle_audit(&a, b.data, b.len, &o), MLEDGER_EINVAL);
	o.trust_vkey = "test.example/ledger+00000000+AAAA";
	cr_assert_eq(mledger_bundle_audit(&a, b.data, b.len, &o), MLEDGER_EINVAL);
	cr_assert_null(a);
	cr_assert_eq(audit(b.data, MLEDGER_BUNDLE_MAX + 1), MLEDGER_ETOOBIG);
	free(b.data);
}

/* A bundle of a million one-byte values is refused before it is unpacked. */
Test(bundle, tiny_values_are_refused_before_unpacking)
{
	const size_t n = 1000000;
	mledger_writer w;
	fx_bytes b;

	mledger_w_init(&w);
	mledger_w_map(&w, 4);
	mledger_w_key(&w, "checkpoint");
	mledger_w_bin(&w, (const uint8_t *)"x", 1);
	mledger_w_key(&w, "entries");
	mledger_w_array(&w, n);
	for (size_t i = 0; i < n; i++)
		mledger_w_nil(&w);
	mledger_w_key(&w, "lot");
	mledger_w_str(&w, "L");
	mledger_w_key(&w, "version");
	mledger_w_uint(&w, MLEDGER_BUNDLE_VERSION);
	cr_assert_eq(mledger_w_finish(&b.data, &b.len, &w), 0);
	cr_assert_eq(audit(b.data, b.len), MLEDGER_ETOOBIG);
	cr_assert(strstr(mledger_error_last(), "values in") != NULL, "%s",
		  mledger_error_last());
	free(b.data);
}

/* ---- the subjects index --------------------------------------------------- */

Test(bundle, verify_checks_the_subjects_index)
{
	mledger_verify_result vr;
	char path[4096];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t be[8] = {0, 0, 0, 0, 0, 0, 0, 3};
	MDB_val k = {8, (void *)"ca.miner"}, v = {8, be};

	cr_assert_eq(mledger_verify(&vr, ledger, NULL), 0, "%s",
		     mledger_error_last());
	mledger_ledger_close(ledger);
	ledger = NULL;
	snprintf(path, sizeof(path), "%s", dir);
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	cr_assert_eq(mdb_env_open(env, path, 0, 0644), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, "subjects", MDB_DUPSORT | MDB_DUPFIXED,
				  &dbi), 0);
	cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	cr_assert_eq(mledger_ledger_open(&ledger, dir, NULL), 0);
	cr_assert_eq(mledger_verify(&vr, ledger, NULL), MLEDGER_ESTATE);
	cr_assert(strstr(mledger_error_last(), "actor histories") != NULL, "%s",
		  mledger_error_last());
}

Test(bundle, store_of_version_1_is_refused)
{
	mledger_ledger *l = NULL;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	mledger_ledger_close(ledger);
	ledger = NULL;
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	cr_assert_eq(mdb_env_open(env, dir, 0, 0644), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, "subjects", 0, &dbi), 0);
	cr_assert_eq(mdb_drop(txn, dbi, 1), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	cr_assert_eq(mledger_ledger_open(&l, dir, NULL), MLEDGER_EIO);
	cr_assert(strstr(mledger_error_last(), "version 2") != NULL, "%s",
		  mledger_error_last());
}

/* ---- the fuzz corpus -------------------------------------------------------- */

#define CORPUS MLEDGER_VECTORS_DIR "/../fuzz/corpus/bundle"

static void write_seed(const char *name, const uint8_t *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", CORPUS, name);
	cr_assert_not_null(f = fopen(path, "wb"), "%s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

/*
 * The seed bundles of tests/fuzz/corpus/bundle (*.mlb) were exported from
 * this suite's chain; they must still audit under the fixture's operator
 * key, which guards the format against unnoticed change. With
 * MLEDGER_WRITE_CORPUS=1 in the environment the seeds are written afresh.
 */
Test(bundle, corpus_seeds_still_audit)
{
	DIR *d;
	struct dirent *e;
	int seen = 0;

	if (getenv("MLEDGER_WRITE_CORPUS") != NULL) {
		static const char *const lots[] = {"PROD", "ORE-B", "HYD-2"};

		for (size_t i = 0; i < 3; i++) {
			fx_bytes b = export_of(lots[i]);
			char name[64];

			snprintf(name, sizeof(name), "%s.mlb", lots[i]);
			write_seed(name, b.data, b.len);
			if (i == 0)
				write_seed("truncated.bad", b.data, b.len / 2);
			free(b.data);
		}
		write_seed("empty-map.bad", (const uint8_t *)"\x80", 1);
	}
	cr_assert_not_null(d = opendir(CORPUS), "%s", CORPUS);
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		size_t n = strlen(e->d_name);
		uint8_t *buf;
		long len;
		FILE *f;

		if (n < 4 || strcmp(e->d_name + n - 4, ".mlb") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", CORPUS, e->d_name);
		cr_assert_not_null(f = fopen(path, "rb"));
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		buf = malloc((size_t)len);
		cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		cr_assert_eq(audit(buf, (size_t)len), 0, "%s: %s", e->d_name,
			     mledger_error_last());
		free(buf);
		seen++;
	}
	closedir(d);
	cr_assert_geq(seen, 3, "no seed bundles in %s", CORPUS);
}

/* ---- a log the operator should never have signed -------------------------- */

/* RFC 9162 PATH(m, D[n]) over leaf hashes l, leaf side first. */
static void naive_path(uint8_t (*out)[MLEDGER_HASH_BYTES], size_t *np,
		       const uint8_t (*l)[MLEDGER_HASH_BYTES], size_t n,
		       size_t m)
{
	size_t k = 1;

	if (n <= 1)
		return;
	while (k * 2 < n)
		k *= 2;
	if (m < k) {
		naive_path(out, np, l, k, m);
		mledger_merkle_root(out[(*np)++], l + k, n - k);
	} else {
		naive_path(out, np, l + k, n - k, m - k);
		mledger_merkle_root(out[(*np)++], l, k);
	}
}

/*
 * A log signed by the operator in which a transform consumes a lot that is
 * registered only later: the full rules refuse it at append, and so must
 * audit, though in its partial mode an absent input looks like a lot
 * outside the bundle. Entries: 0 genesis, 1-2 enrol miner and refiner (as
 * in the ledger), 3 refiner: X -> P (X does not exist yet), 4 X
 * registered, 5-6 X shipped to the refiner and received, 7 refiner: P + X
 * -> Q. The bundle of Q holds them all.
 */
Test(bundle, ancestry_made_before_its_inputs_is_refused)
{
	static const mledger_element p_li[] = {{"Li", 100000}};
	static const mledger_element q_li[] = {{"Li", 1000}};
	const mledger_lot_input early[] = {{"X", 1000}};
	const mledger_lot_input late[] = {{"P", 500}, {"X", 1000000}};
	const char *origin = mledger_ledger_origin(ledger);
	fx_bytes ev[8], out;
	uint8_t leaves[8][MLEDGER_HASH_BYTES], root[MLEDGER_HASH_BYTES];
	uint8_t prev[MLEDGER_HASH_BYTES] = {0};
	uint8_t *entries[8];
	size_t lens[8];
	char *text = NULL, *note = NULL;
	mledger_event e;
	bundle b;

	for (uint64_t s = 0; s < 3; s++) {
		mledger_entry en;

		cr_assert_eq(mledger_entry_get(&out.data, &out.len, ledger, s), 0);
		cr_assert_eq(mledger_entry_parse(&en, out.data, out.len), 0);
		ev[s].data = malloc(en.event_len);
		memcpy(ev[s].data, en.event, en.event_len);
		ev[s].len = en.event_len;
		free(out.data);
	}
	ev[3] = signed_transform(&refiner, early, 1, "P", 500, p_li,
				 "refinery", MLEDGER_STAGE_REFINING);
	memset(&e, 0, sizeof(e));
	e.type = MLEDGER_EV_LOT_REGISTER;
	e.u.reg.lot = "X";
	e.u.reg.material = "spodumene-concentrate";
	e.u.reg.mass_g = 1000000;
	e.u.reg.content = ore_li;
	e.u.reg.ncontent = 1;
	e.u.reg.origin = MLEDGER_ORIGIN_EXTRACTION;
	memcpy(e.u.reg.country, "CA", 3);
	e.u.reg.site = "pit";
	ev[4] = fx_sign(&miner, &e);
	memset(&e, 0, sizeof(e));
	e.type = MLEDGER_EV_LOT_SHIP;
	e.u.ship.lot = "X";
	e.u.ship.to = refiner.id;
	ev[5] = fx_sign(&miner, &e);
	memset(&e, 0, sizeof(e));
	e.type = MLEDGER_EV_LOT_RECEIVE;
	e.u.receive.lot = "X";
	e.u.receive.mass_g = 1000000;
	ev[6] = fx_sign(&refiner, &e);
	ev[7] = signed_transform(&refiner, late, 2, "Q", 100000, q_li,
				 "refinery", MLEDGER_STAGE_REFINING);

	for (size_t i = 0; i < 8; i++) {
		cr_assert_eq(mledger_entry_encode(&entries[i], &lens[i], i,
						  FX_TIME, prev, ev[i].data,
						  ev[i].len), 0);
		mledger_sha256(prev, entries[i], lens[i]);
		mledger_leaf_hash(leaves[i], entries[i], lens[i]);
	}
	mledger_merkle_root(root, (const uint8_t (*)[MLEDGER_HASH_BYTES])leaves, 8);
	cr_assert_eq(mledger_checkpoint_text(&text, origin, 8, root), 0);
	cr_assert_eq(mledger_note_sign(&note, text, origin, op.key), 0);

	memset(&b, 0, sizeof(b));
	b.note = (const uint8_t *)note;
	b.note_len = strlen(note);
	snprintf(b.lot, sizeof(b.lot), "Q");
	b.n = 8;
	b.e = calloc(8, sizeof(*b.e));
	for (size_t i = 0; i < 8; i++) {
		b.e[i].entry = entries[i];
		b.e[i].len = lens[i];
		b.e[i].seq = i;
		naive_path(b.e[i].proof, &b.e[i].nproof,
			   (const uint8_t (*)[MLEDGER_HASH_BYTES])leaves, 8, i);
	}
	out = join(&b);
	cr_assert_eq(audit(out.data, out.len), MLEDGER_ERULE, "%s",
		     mledger_error_last());
	cr_assert(strstr(mledger_error_last(), "lot P of the ancestry") != NULL,
		  "%s", mledger_error_last());

	free(out.data);
	free(b.e);
	for (size_t i = 0; i < 8; i++) {
		free(entries[i]);
		free(ev[i].data);
	}
	free(text);
	free(note);
}

/*
 * A lot made beside an ancestry lot, then consumed together with it: the
 * bundle holds the transform that made both but only the ancestry lot's
 * own history, so the replay must take the other as outside the bundle
 * rather than check its custody from a stale state.
 */
Test(bundle, sibling_consumed_with_an_ancestry_lot)
{
	const mledger_lot_input c_in[] = {{"ORE-C", 1000000}};
	const mledger_lot_input both[] = {{"TWIN-A", 80000},
					  {"TWIN-B", 80000}};
	const mledger_lot_output twins[] = {
		{"TWIN-A", "hydroxide", 80000, hyd_li, 1, NULL, false, 0},
		{"TWIN-B", "hydroxide", 80000, hyd_li, 1, NULL, false, 0},
	};
	static const char *const audited[] = {"TWIN-A", "TWIN-B", "CELL-T"};
	mledger_event ev;

	reg("ORE-C");
	move("ORE-C", &miner, &refiner, 1000000);
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_TRANSFORM;
	ev.u.transform.inputs = c_in;
	ev.u.transform.ninputs = 1;
	ev.u.transform.outputs = twins;
	ev.u.transform.noutputs = 2;
	ev.u.transform.stage = MLEDGER_STAGE_REFINING;
	ev.u.transform.facility = "refinery";
	memcpy(ev.u.transform.country, "US", 3);
	ev.u.transform.model = MLEDGER_MODEL_SEGREGATED;
	submit(&refiner, &ev);
	move("TWIN-A", &refiner, &maker, 80000);
	move("TWIN-B", &refiner, &maker, 80000);
	transform(&maker, both, 2, "CELL-T", 200000, prod_li, "plant",
		  MLEDGER_STAGE_CATHODE);
	for (size_t i = 0; i < sizeof(audited) / sizeof(audited[0]); i++) {
		fx_bytes b = export_of(audited[i]);

		cr_assert_eq(audit(b.data, b.len), 0, "%s: %s", audited[i],
			     mledger_error_last());
		free(b.data);
	}
}
