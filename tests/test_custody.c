/*
 * Custody rules, each with a passing and a failing case: register, ship,
 * receive, transform, adjust, attest; mass and element balance with exact
 * integers; custody, receiver and time rules; and that every rejection
 * leaves the ledger as it was and verify still passes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static char *dir;
static fx_actor op, miner, refiner, maker, auditor, recycler;
static mledger_ledger *ledger;

static const mledger_element spodumene[] = {{"Li", 60000}};
static const mledger_element hydroxide[] = {{"Li", 165000}};

/* Enroll a with one facility (id, country). */
static void enroll_at(fx_actor *a, uint32_t roles, const char *fac,
		      const char *cc)
{
	mledger_pubkey pk;
	mledger_facility f;
	mledger_event ev;
	fx_bytes b;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_ACTOR_ENROLL;
	ev.u.enroll.subject = fx_record(a->id, roles, &pk, a->key);
	f.id = fac;
	memcpy(f.country, cc, 3);
	ev.u.enroll.subject.facilities = &f;
	ev.u.enroll.subject.nfacilities = 1;
	b = fx_sign(&op, &ev);
	cr_assert_eq(fx_submit1(ledger, b), 0, "%s", mledger_error_last());
	free(b.data);
}

static void setup(void)
{
	dir = fx_tmpdir();
	op = (fx_actor){"operator", fx_key(1), 1};
	miner = (fx_actor){"ca.mine", fx_key(2), 1};
	refiner = (fx_actor){"us.refiner", fx_key(3), 1};
	maker = (fx_actor){"us.cells", fx_key(4), 1};
	auditor = (fx_actor){"org.audit", fx_key(5), 1};
	recycler = (fx_actor){"ca.recycler", fx_key(6), 1};
	ledger = fx_ledger(dir, &op);
	enroll_at(&miner, MLEDGER_ROLE_MINER, "whabouchi", "CA");
	enroll_at(&refiner, MLEDGER_ROLE_PROCESSOR, "kings-mountain", "US");
	enroll_at(&maker, MLEDGER_ROLE_MANUFACTURER, "gigafactory", "US");
	enroll_at(&auditor, MLEDGER_ROLE_AUDITOR, "office", "CH");
	enroll_at(&recycler, MLEDGER_ROLE_RECYCLER, "kingston", "CA");
}

static void teardown(void)
{
	mledger_ledger_close(ledger);
	mledger_key_free(op.key);
	mledger_key_free(miner.key);
	mledger_key_free(refiner.key);
	mledger_key_free(maker.key);
	mledger_key_free(auditor.key);
	mledger_key_free(recycler.key);
	fx_rmdir(dir);
}

TestSuite(custody, .init = setup, .fini = teardown);

static void ok(fx_bytes ev)
{
	cr_assert_eq(fx_submit1(ledger, ev), 0, "%s", mledger_error_last());
	free(ev.data);
}

static void rejected(fx_bytes ev, int code, const char *words)
{
	fx_head before = fx_head_of(ledger);
	int error = fx_submit1(ledger, ev);

	cr_assert_eq(error, code, "expected %s, got %s: %s",
		     mledger_strerror(code), mledger_strerror(error),
		     mledger_error_last());
	cr_assert(strstr(mledger_error_last(), words) != NULL,
		  "message \"%s\" lacks \"%s\"", mledger_error_last(), words);
	cr_assert(fx_head_eq(before, fx_head_of(ledger)));
	free(ev.data);
}

static void verified(void)
{
	mledger_verify_result vr;

	cr_assert_eq(mledger_verify(&vr, ledger, NULL), 0, "%s",
		     mledger_error_last());
}

static fx_bytes reg(fx_actor *a, const char *lot, uint64_t mass,
		    const char *site, const char *cc, mledger_origin origin,
		    uint64_t time)
{
	mledger_event ev = fx_register_event(lot, mass, site, cc);

	ev.time = time;
	ev.u.reg.content = spodumene;
	ev.u.reg.origin = origin;
	return fx_sign(a, &ev);
}

static fx_bytes ship(fx_actor *a, const char *lot, const char *to,
		     uint64_t time)
{
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_SHIP;
	ev.time = time;
	ev.u.ship.lot = lot;
	ev.u.ship.to = to;
	ev.u.ship.ref = "BOL-1";
	return fx_sign(a, &ev);
}

static fx_bytes receive(fx_actor *a, const char *lot, uint64_t mass,
			uint64_t time)
{
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_RECEIVE;
	ev.time = time;
	ev.u.receive.lot = lot;
	ev.u.receive.mass_g = mass;
	return fx_sign(a, &ev);
}

static fx_bytes adjust(fx_actor *a, const char *lot, uint64_t mass)
{
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_ADJUST;
	ev.time = FX_TIME + 100;
	ev.u.adjust.lot = lot;
	ev.u.adjust.kind = MLEDGER_ADJUST_SAMPLE;
	ev.u.adjust.mass_g = mass;
	return fx_sign(a, &ev);
}

/* One input, one output lithium hydroxide transform at the refinery. */
static fx_bytes refine(fx_actor *a, const char *in, uint64_t in_g,
		       const char *out, uint64_t out_g, const char *fac,
		       const char *cc, uint64_t time)
{
	mledger_lot_input i = {in, in_g};
	mledger_lot_output o;
	mledger_event ev;

	memset(&o, 0, sizeof(o));
	o.lot = out;
	o.material = "lithium-hydroxide";
	o.mass_g = out_g;
	o.content = hydroxide;
	o.ncontent = 1;
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_TRANSFORM;
	ev.time = time;
	ev.u.transform.inputs = &i;
	ev.u.transform.ninputs = 1;
	ev.u.transform.outputs = &o;
	ev.u.transform.noutputs = 1;
	ev.u.transform.stage = MLEDGER_STAGE_REFINING;
	ev.u.transform.facility = fac;
	memcpy(ev.u.transform.country, cc, 3);
	ev.u.transform.has_value_added = true;
	ev.u.transform.value_added_cents = 123456;
	ev.u.transform.model = MLEDGER_MODEL_SEGREGATED;
	return fx_sign(a, &ev);
}

/* Miner registers 1 t, ships it to the refiner, who receives 990 kg. */
static void to_refiner(void)
{
	ok(reg(&miner, "LI-1", 1000000, "whabouchi", "CA",
	       MLEDGER_ORIGIN_EXTRACTION, FX_TIME));
	ok(ship(&miner, "LI-1", refiner.id, FX_TIME + 10));
	ok(receive(&refiner, "LI-1", 990000, FX_TIME + 20));
}

Test(custody, register_rules)
{
	mledger_lot *lot = NULL;

	ok(reg(&miner, "LI-1", 1000000, "whabouchi", "CA",
	       MLEDGER_ORIGIN_EXTRACTION, FX_TIME));
	cr_assert_eq(mledger_lot_get(&lot, ledger, "LI-1"), 0);
	cr_assert_str_eq(lot->custodian, miner.id);
	cr_assert_eq(lot->remaining_g, 1000000);
	cr_assert_eq(lot->status, MLEDGER_LOT_ACTIVE);
	cr_assert_eq(lot->created_seq, 6);
	cr_assert_eq(lot->ncontent, 1);
	cr_assert_eq(lot->content[0].ppm, 60000);
	mledger_lot_free(lot);

	rejected(reg(&miner, "LI-1", 5, "whabouchi", "CA",
		     MLEDGER_ORIGIN_EXTRACTION, FX_TIME), MLEDGER_EEXISTS,
		 "lot LI-1 already exists");
	rejected(reg(&miner, "LI-2", 5, "elsewhere", "CA",
		     MLEDGER_ORIGIN_EXTRACTION, FX_TIME), MLEDGER_ERULE,
		 "not a facility of ca.mine");
	rejected(reg(&miner, "LI-2", 5, "whabouchi", "US",
		     MLEDGER_ORIGIN_EXTRACTION, FX_TIME), MLEDGER_ERULE,
		 "is in CA, not US");
	rejected(reg(&miner, "LI-2", 5, "whabouchi", "CA",
		     MLEDGER_ORIGIN_RECYCLING, FX_TIME), MLEDGER_EROLE,
		 "needs the recycler role");
	rejected(reg(&refiner, "LI-2", 5, "kings-mountain", "US",
		     MLEDGER_ORIGIN_EXTRACTION, FX_TIME), MLEDGER_EROLE,
		 "needs the miner role");
	ok(reg(&recycler, "BM-1", 5000, "kingston", "CA",
	       MLEDGER_ORIGIN_RECYCLING, FX_TIME));
	verified();
}

Test(custody, ship_and_receive_rules)
{
	mledger_lot *lot = NULL;

	ok(reg(&miner, "LI-1", 1000000, "whabouchi", "CA",
	       MLEDGER_ORIGIN_EXTRACTION, FX_TIME));
	rejected(ship(&refiner, "LI-1", maker.id, FX_TIME), MLEDGER_ECUSTODY,
		 "in the custody of ca.mine, not us.refiner");
	rejected(ship(&miner, "LI-9", refiner.id, FX_TIME), MLEDGER_ENOTFOUND,
		 "lot LI-9 is not in the ledger");
	rejected(ship(&miner, "LI-1", "nobody", FX_TIME), MLEDGER_ERULE,
		 "receiver nobody is not an enrolled actor");
	rejected(ship(&miner, "LI-1", miner.id, FX_TIME), MLEDGER_ERULE,
		 "to itself");
	rejected(ship(&miner, "LI-1", refiner.id, FX_TIME - 1), MLEDGER_ETIME,
		 "is before");
	ok(ship(&miner, "LI-1", refiner.id, FX_TIME + 10));
	cr_assert_eq(mledger_lot_get(&lot, ledger, "LI-1"), 0);
	cr_assert_eq(lot->status, MLEDGER_LOT_IN_TRANSIT);
	cr_assert_str_eq(lot->receiver, refiner.id);
	mledger_lot_free(lot);
	/* In transit: nobody ships or adjusts it, only the receiver takes it. */
	rejected(ship(&miner, "LI-1", maker.id, FX_TIME + 11), MLEDGER_ERULE,
		 "in transit to us.refiner");
	rejected(adjust(&miner, "LI-1", 5), MLEDGER_ERULE, "in transit");
	rejected(receive(&maker, "LI-1", 10, FX_TIME + 20), MLEDGER_ECUSTODY,
		 "in transit to us.refiner, not to us.cells");
	rejected(receive(&refiner, "LI-1", 1000001, FX_TIME + 20),
		 MLEDGER_EMASS, "1000001 g received, only 1000000 g were shipped");
	rejected(receive(&refiner, "LI-1", 990000, FX_TIME + 9), MLEDGER_ETIME,
		 "is before");
	ok(receive(&refiner, "LI-1", 990000, FX_TIME + 20));
	rejected(receive(&refiner, "LI-1", 10, FX_TIME + 21), MLEDGER_ECUSTODY,
		 "not in transit");
	cr_assert_eq(mledger_lot_get(&lot, ledger, "LI-1"), 0);
	cr_assert_str_eq(lot->custodian, refiner.id);
	cr_assert_eq(lot->remaining_g, 990000);
	cr_assert_null(lot->receiver);
	mledger_lot_free(lot);
	verified();
}

Test(custody, transform_rules)
{
	mledger_lot *lot = NULL;

	to_refiner();
	/* Li in: 990000 g x 60000 ppm = 59400 g. Out at 165000 ppm: 360000 g
	 * of hydroxide is exactly 59400 g of Li; one gram more is too much. */
	rejected(refine(&refiner, "LI-1", 990000, "LIOH-1", 360001,
			"kings-mountain", "US", FX_TIME + 30),
		 MLEDGER_EMASS, "Li out (59400.165000 g) exceeds Li in (59400 g)");
	rejected(refine(&refiner, "LI-1", 990001, "LIOH-1", 100,
			"kings-mountain", "US", FX_TIME + 30),
		 MLEDGER_EMASS, "990001 g requested, 990000 g remain");
	rejected(refine(&maker, "LI-1", 10, "LIOH-1", 1, "gigafactory", "US",
			FX_TIME + 30), MLEDGER_ECUSTODY, "in the custody of");
	rejected(refine(&refiner, "LI-1", 10, "LIOH-1", 1, "gigafactory", "US",
			FX_TIME + 30), MLEDGER_ERULE, "not a facility of us.refiner");
	rejected(refine(&refiner, "LI-1", 10, "LIOH-1", 1, "kings-mountain",
			"CA", FX_TIME + 30), MLEDGER_ERULE, "is in US, not CA");
	rejected(refine(&refiner, "LI-1", 10, "LI-1", 1, "kings-mountain",
			"US", FX_TIME + 30), MLEDGER_EEXISTS, "already exists");
	rejected(refine(&refiner, "LI-1", 10, "LIOH-1", 1, "kings-mountain",
			"US", FX_TIME + 19), MLEDGER_ETIME, "is before");
	rejected(refine(&auditor, "LI-1", 10, "LIOH-1", 1, "office", "CH",
			FX_TIME + 30), MLEDGER_EROLE, "processor");
	ok(refine(&refiner, "LI-1", 990000, "LIOH-1", 360000, "kings-mountain",
		  "US", FX_TIME + 30));
	cr_assert_eq(mledger_lot_get(&lot, ledger, "LI-1"), 0);
	cr_assert_eq(lot->status, MLEDGER_LOT_CONSUMED);
	cr_assert_eq(lot->remaining_g, 0);
	mledger_lot_free(lot);
	cr_assert_eq(mledger_lot_get(&lot, ledger, "LIOH-1"), 0);
	cr_assert_str_eq(lot->custodian, refiner.id);
	cr_assert_eq(lot->mass_g, 360000);
	mledger_lot_free(lot);
	rejected(refine(&refiner, "LI-1", 1, "LIOH-2", 1, "kings-mountain",
			"US", FX_TIME + 40), MLEDGER_EMASS, "consumed");
	verified();
}

Test(custody, mass_is_checked_within_one_batch)
{
	fx_bytes evs[2];
	const uint8_t *data[2];
	size_t lens[2];
	mledger_submit_result res;
	fx_head before;

	to_refiner();
	before = fx_head_of(ledger);
	/* Two transforms of 600 kg each from 990 kg: the second must fail. */
	evs[0] = refine(&refiner, "LI-1", 600000, "LIOH-1", 1000,
			"kings-mountain", "US", FX_TIME + 30);
	evs[1] = refine(&refiner, "LI-1", 600000, "LIOH-2", 1000,
			"kings-mountain", "US", FX_TIME + 30);
	for (int i = 0; i < 2; i++) {
		data[i] = evs[i].data;
		lens[i] = evs[i].len;
	}
	cr_assert_eq(mledger_submit(&res, ledger, data, lens, 2, NULL),
		     MLEDGER_EMASS);
	cr_assert(strstr(mledger_error_last(),
			 "600000 g requested, 390000 g remain") != NULL, "%s",
		  mledger_error_last());
	mledger_submit_result_free(&res);
	cr_assert(fx_head_eq(before, fx_head_of(ledger)));
	for (int i = 0; i < 2; i++)
		free(evs[i].data);
}

Test(custody, adjust_rules)
{
	mledger_lot *lot = NULL;

	to_refiner();
	rejected(adjust(&miner, "LI-1", 5), MLEDGER_ECUSTODY, "custody");
	rejected(adjust(&refiner, "LI-1", 990001), MLEDGER_EMASS,
		 "990001 g requested, 990000 g remain");
	ok(adjust(&refiner, "LI-1", 1000));
	ok(adjust(&refiner, "LI-1", 989000));
	cr_assert_eq(mledger_lot_get(&lot, ledger, "LI-1"), 0);
	cr_assert_eq(lot->status, MLEDGER_LOT_CONSUMED);
	mledger_lot_free(lot);
	verified();
}

static fx_bytes attest(fx_actor *a, mledger_target_kind kind, const char *id,
		       const char *owner)
{
	mledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_ATTEST;
	ev.u.attest.target = kind;
	ev.u.attest.id = id;
	ev.u.attest.owner = owner;
	ev.u.attest.scheme = "IRMA";
	ev.u.attest.result = "IRMA 75";
	ev.u.attest.valid_from = FX_TIME;
	ev.u.attest.valid_until = FX_TIME + 86400 * 365;
	memset(ev.u.attest.doc_sha256, 0x5a, MLEDGER_HASH_BYTES);
	return fx_sign(a, &ev);
}

Test(custody, attest_rules_and_history)
{
	uint64_t *seqs = NULL;
	size_t n = 0;

	to_refiner();
	ok(attest(&auditor, MLEDGER_TARGET_LOT, "LI-1", NULL));
	ok(attest(&auditor, MLEDGER_TARGET_ACTOR, miner.id, NULL));
	ok(attest(&auditor, MLEDGER_TARGET_FACILITY, "whabouchi", miner.id));
	rejected(attest(&miner, MLEDGER_TARGET_LOT, "LI-1", NULL),
		 MLEDGER_EROLE, "auditor");
	rejected(attest(&auditor, MLEDGER_TARGET_LOT, "LI-9", NULL),
		 MLEDGER_ENOTFOUND, "LI-9");
	rejected(attest(&auditor, MLEDGER_TARGET_FACILITY, "nowhere", miner.id),
		 MLEDGER_ENOTFOUND, "not a facility");
	cr_assert_eq(mledger_lot_history(&seqs, &n, ledger, "LI-1"), 0);
	cr_assert_eq(n, 4);   /* register, ship, receive, attest */
	cr_assert_eq(seqs[0], 6);
	cr_assert_eq(seqs[3], 9);
	free(seqs);
	cr_assert_eq(mledger_lot_history(&seqs, &n, ledger, "LI-9"),
		     MLEDGER_ENOTFOUND);
	verified();
}

static int count_lot(void *ctx, const mledger_lot *lot)
{
	(void)lot;
	(*(int *)ctx)++;
	return 0;
}

Test(custody, list_filters)
{
	int n = 0;

	to_refiner();
	ok(reg(&miner, "LI-2", 5000, "whabouchi", "CA",
	       MLEDGER_ORIGIN_EXTRACTION, FX_TIME + 50));
	cr_assert_eq(mledger_lot_list(ledger, NULL, 0, count_lot, &n), 0);
	cr_assert_eq(n, 2);
	n = 0;
	cr_assert_eq(mledger_lot_list(ledger, miner.id, 0, count_lot, &n), 0);
	cr_assert_eq(n, 1);
	n = 0;
	cr_assert_eq(mledger_lot_list(ledger, NULL, MLEDGER_LOT_CONSUMED,
				      count_lot, &n), 0);
	cr_assert_eq(n, 0);
}

Test(custody, content_lists)
{
	mledger_element e[MLEDGER_ELEMENTS_MAX];
	size_t n = 0;

	cr_assert_eq(mledger_content_parse(e, &n, "Ni=800000,Li=70000,Co=100000"),
		     0, "%s", mledger_error_last());
	cr_assert_eq(n, 3);
	cr_assert_str_eq(e[0].symbol, "Co");
	cr_assert_str_eq(e[2].symbol, "Ni");
	cr_assert_eq(mledger_content_parse(e, &n, "Xx=5"), MLEDGER_EINVAL);
	cr_assert_eq(mledger_content_parse(e, &n, "Li=0"), MLEDGER_EINVAL);
	cr_assert_eq(mledger_content_parse(e, &n, "Li=1000001"), MLEDGER_EINVAL);
	cr_assert_eq(mledger_content_parse(e, &n, "Li=600000,Ni=600000"),
		     MLEDGER_EINVAL);
	cr_assert(strstr(mledger_error_last(), "1200000 ppm") != NULL);
	cr_assert_eq(mledger_content_parse(e, &n, "Li=5,Li=6"), MLEDGER_EINVAL);
	cr_assert_eq(mledger_content_parse(e, &n, "Li"), MLEDGER_EINVAL);
	cr_assert_eq(mledger_content_parse(e, &n, "Li=-5"), MLEDGER_EINVAL);
	cr_assert_eq(mledger_content_parse(e, &n, ""), MLEDGER_EINVAL);
	cr_assert(mledger_element_valid("C"));
	cr_assert(!mledger_element_valid("c"));
	cr_assert(!mledger_element_valid("Hx"));
}

/* Every one- and two-letter string: a symbol exactly when IUPAC has it. */
Test(custody, element_symbols_exactly_the_118)
{
	static const char *const iupac[] = {
		"H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na",
		"Mg", "Al", "Si", "P", "S", "Cl", "Ar", "K", "Ca", "Sc", "Ti",
		"V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As",
		"Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru",
		"Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe", "Cs",
		"Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy",
		"Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir",
		"Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra",
		"Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es",
		"Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds",
		"Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};
	size_t valid = 0;

	cr_assert_eq(sizeof(iupac) / sizeof(iupac[0]), 118);
	for (int a = 1; a < 256; a++)
		for (int b = 0; b < 256; b++) {
			char s[3] = {(char)a, (char)b, 0};
			bool want = false;

			for (size_t i = 0; i < 118 && !want; i++)
				want = strcmp(iupac[i], s) == 0;
			cr_assert_eq(mledger_element_valid(s) != 0, want,
				     "\"%s\"", s);
			valid += want;
		}
	cr_assert_eq(valid, 118);
	cr_assert(!mledger_element_valid(""));
	cr_assert(!mledger_element_valid("Lia"));
	cr_assert(!mledger_element_valid(NULL));
}
