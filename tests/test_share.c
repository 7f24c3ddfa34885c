/*
 * Sourced shares against a brute-force reference. Random supply chains are
 * built as real ledger events (mines, refiners, splits, merges, diamonds,
 * recycling, foreign-owned processors, unknown origins, value added on some
 * steps); the reference enumerates every chain from origin to product and
 * adds up chain weights by the definitions, and the one-pass computation
 * must agree to 1e-9 on every field. Then hand-computed scenarios with exact
 * expected fractions.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "event_int.h"
#include "ledger_int.h"
#include "share_int.h"
#include "trace_int.h"

#define NACT 8

static char *dir;
static fx_actor op;
static mledger_ledger *ledger;

typedef struct gen {
	fx_actor a[NACT];
	char id[NACT][16];
	char fac[NACT][16];
	char cc[NACT][3];
	unsigned rng;
	uint64_t time;
	int nlots;
	char lots[512][16];
	int holder[512];          /* actor holding each lot */
	uint64_t left[512];       /* mass remaining */
	mledger_element content[512][3];
	size_t ncontent[512];
} gen;

static gen *g;

static unsigned rnd(unsigned n)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 17;
	g->rng ^= g->rng << 5;
	return n ? g->rng % n : 0;
}

static void setup(void)
{
	dir = fx_tmpdir();
	op = (fx_actor){"operator", fx_key(1), 1};
	ledger = fx_ledger(dir, &op);
	g = calloc(1, sizeof(*g));
}

static void teardown(void)
{
	for (int i = 0; i < NACT; i++)
		mledger_key_free(g->a[i].key);
	free(g);
	mledger_ledger_close(ledger);
	mledger_key_free(op.key);
	fx_rmdir(dir);
}

TestSuite(share, .init = setup, .fini = teardown, .timeout = 300);

static void submit(mledger_event *ev, fx_actor *a)
{
	fx_bytes b = fx_sign(a, ev);

	cr_assert_eq(fx_submit1(ledger, b), 0, "%s", mledger_error_last());
	free(b.data);
}

/* Actor i: roles, country, and optionally foreign ownership. */
static void enroll(int i, uint32_t roles, const char *cc, const char *owner,
		   uint32_t share_bp, bool state)
{
	mledger_pubkey pk;
	mledger_facility f;
	mledger_event ev;

	snprintf(g->id[i], 16, "actor-%d", i);
	snprintf(g->fac[i], 16, "plant-%d", i);
	memcpy(g->cc[i], cc, 3);
	g->a[i] = (fx_actor){g->id[i], fx_key((uint8_t)(40 + i)), 1};
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_ACTOR_ENROLL;
	ev.u.enroll.subject = fx_record(g->id[i], roles, &pk, g->a[i].key);
	memcpy(ev.u.enroll.subject.country, cc, 3);
	f.id = g->fac[i];
	memcpy(f.country, cc, 3);
	ev.u.enroll.subject.facilities = &f;
	ev.u.enroll.subject.nfacilities = 1;
	if (owner) {
		memcpy(ev.u.enroll.subject.owner_country, owner, 3);
		ev.u.enroll.subject.owner_share_bp = share_bp;
		ev.u.enroll.subject.state_owned = state;
	}
	submit(&ev, &op);
}

static int new_lot(int holder, uint64_t mass, const mledger_element *c,
		   size_t nc)
{
	int k = g->nlots++;

	snprintf(g->lots[k], 16, "L%03d", k);
	g->holder[k] = holder;
	g->left[k] = mass;
	memcpy(g->content[k], c, nc * sizeof(*c));
	g->ncontent[k] = nc;
	return k;
}

static void reg(int actor, uint64_t mass, const mledger_element *c, size_t nc,
		mledger_origin origin, bool value)
{
	mledger_event ev;
	int k = new_lot(actor, mass, c, nc);

	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_REGISTER;
	ev.time = g->time;
	ev.u.reg.lot = g->lots[k];
	ev.u.reg.material = "feed";
	ev.u.reg.mass_g = mass;
	ev.u.reg.content = c;
	ev.u.reg.ncontent = nc;
	ev.u.reg.origin = origin;
	memcpy(ev.u.reg.country, g->cc[actor], 3);
	ev.u.reg.site = g->fac[actor];
	ev.u.reg.has_value = value;
	ev.u.reg.value_cents = 1000 + rnd(100000);
	submit(&ev, &g->a[actor]);
}

/* Move lot k to actor `to` (ship and receive, no loss). */
static void move(int k, int to)
{
	mledger_event ev;

	if (g->holder[k] == to)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_SHIP;
	ev.time = g->time;
	ev.u.ship.lot = g->lots[k];
	ev.u.ship.to = g->id[to];
	submit(&ev, &g->a[g->holder[k]]);
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_RECEIVE;
	ev.time = g->time;
	ev.u.receive.lot = g->lots[k];
	ev.u.receive.mass_g = g->left[k];
	submit(&ev, &g->a[to]);
	g->holder[k] = to;
}

/*
 * Transform inputs (lot, mass) at actor into nout outputs that carry, per
 * element, a random part (up to all) of the element mass that went in.
 */
static void transform(int actor, const int *in, const uint64_t *mass, int nin,
		      int nout, mledger_stage stage, bool va)
{
	mledger_lot_input inputs[4];
	mledger_lot_output outs[3];
	mledger_element oc[3][3];
	char syms[3][3];
	uint64_t el_in[3] = {0, 0, 0};
	size_t nsym = 0;
	mledger_event ev;

	for (int i = 0; i < nin; i++) {
		move(in[i], actor);
		inputs[i] = (mledger_lot_input){g->lots[in[i]], mass[i]};
		for (size_t e = 0; e < g->ncontent[in[i]]; e++) {
			size_t s;

			for (s = 0; s < nsym && strcmp(syms[s],
				g->content[in[i]][e].symbol) != 0; s++)
				;
			if (s == nsym)
				memcpy(syms[nsym++], g->content[in[i]][e].symbol, 3);
			el_in[s] += mass[i] * g->content[in[i]][e].ppm;
		}
		g->left[in[i]] -= mass[i];
	}
	for (int o = 0; o < nout; o++) {
		uint64_t m = 1000 + rnd(100000);
		size_t n = 0;

		for (size_t s = 0; s < nsym; s++) {
			/* Its share of el_in, no more than 1e6 ppm. */
			uint64_t ppm = el_in[s] / (uint64_t)nout / m;

			ppm = ppm > 300000 ? 300000 : ppm;
			ppm = ppm * (50 + rnd(51)) / 100;
			if (ppm > 0)
				oc[o][n++] = (mledger_element){{syms[s][0], syms[s][1], 0},
							       (uint32_t)ppm};
		}
		if (n == 0)
			oc[o][n++] = (mledger_element){"Li", 1};
		/* The content list must be in symbol order. */
		for (size_t x = 0; x < n; x++)
			for (size_t y = x + 1; y < n; y++)
				if (strcmp(oc[o][y].symbol, oc[o][x].symbol) < 0) {
					mledger_element t = oc[o][x];

					oc[o][x] = oc[o][y];
					oc[o][y] = t;
				}
		outs[o] = (mledger_lot_output){NULL, "product", m, oc[o], n,
					       NULL, rnd(2) == 0, 5000 + rnd(9999)};
		outs[o].lot = g->lots[new_lot(actor, m, oc[o], n)];
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_TRANSFORM;
	ev.time = g->time;
	ev.u.transform.inputs = inputs;
	ev.u.transform.ninputs = (size_t)nin;
	ev.u.transform.outputs = outs;
	ev.u.transform.noutputs = (size_t)nout;
	ev.u.transform.stage = stage;
	ev.u.transform.facility = g->fac[actor];
	memcpy(ev.u.transform.country, g->cc[actor], 3);
	ev.u.transform.has_value_added = va;
	ev.u.transform.value_added_cents = 100 + rnd(10000);
	submit(&ev, &g->a[actor]);
}

/* ---- the brute-force reference --------------------------------------- */

typedef struct ref {
	const mledger_trace *t;
	const mledger_policy *p;
	const char *sym;
	double pm;
	mledger_shares s;         /* by mass */
	mledger_shares v;         /* by value, undivided */
	double vtotal;
	bool vmissing;
	int chains;
} ref;

static uint32_t ppm(const mledger_trace_node *n, const char *sym)
{
	for (size_t i = 0; i < n->ncontent; i++)
		if (strcmp(n->content[i].symbol, sym) == 0)
			return n->content[i].ppm;
	return 0;
}

static bool in(const char *const *set, const char *cc)
{
	for (; *set; set++)
		if (strcmp(*set, cc) == 0 || strcmp(*set, "*") == 0)
			return true;
	return false;
}

/* The test's own reading of the policies it uses (usmca, ira-30d). */
static const char *const na[] = {"US", "CA", "MX", NULL};
static const char *const fta[] = {"US", "AU", "BH", "CA", "CL", "CO", "CR",
	"DO", "SV", "GT", "HN", "IL", "JO", "KR", "MX", "MA", "NI", "OM", "PA",
	"PE", "SG", "JP", NULL};
static const char *const feoc_cc[] = {"CN", "RU", "KP", "IR", NULL};

static bool feoc_actor(const mledger_trace_actor *a)
{
	return in(feoc_cc, a->country) ||
	       (a->owner_country[0] && in(feoc_cc, a->owner_country) &&
		(a->state_owned || a->owner_share_bp >= 2500));
}

typedef struct chain {
	size_t node[256];
	size_t n;
} chain;

static void judge_chain(ref *r, const chain *c, double w, bool ira)
{
	const mledger_trace_node *o = mledger_trace_node_at(r->t, c->node[c->n - 1]);
	const char *const *ext_region = ira ? fta : na;
	const char *const *proc_region = ira ? fta : na;
	bool rec_any = o->kind == MLEDGER_NODE_TRANSFORMED ||
		       o->origin == MLEDGER_ORIGIN_RECYCLING;
	bool ext = !rec_any && in(ext_region, o->country);
	bool rec = rec_any && in(na, o->country);
	bool all_in = true, all_va = true, feoc = feoc_actor(&o->actor);
	int64_t va_in = 0, va_all = 0;
	int steps = 0;
	bool processed;

	/* Steps after the origin: every transform but split and merge. */
	for (size_t k = 0; k + 1 < c->n; k++) {
		const mledger_trace_node *s = mledger_trace_node_at(r->t, c->node[k]);

		if (s->stage == MLEDGER_STAGE_SPLIT || s->stage == MLEDGER_STAGE_MERGE)
			continue;
		steps++;
		all_in = all_in && in(proc_region, s->country);
		feoc = feoc || feoc_actor(&s->actor);
		if (!s->has_value_added)
			all_va = false;
		else {
			va_all += (int64_t)s->value_added_cents;
			if (in(proc_region, s->country))
				va_in += (int64_t)s->value_added_cents;
		}
	}
	processed = steps > 0 && all_va ? 2 * va_in >= va_all : all_in;

	mledger_shares x = {
		ext ? w : 0, processed ? w : 0, rec ? w : 0,
		(ext || rec) && processed ? w : 0,
		strcmp(o->country, "ZZ") == 0 ? w : 0, feoc ? w : 0,
		rec_any || o->secondary ? w : 0,
		ira ? (ext || rec || processed ? w : 0) : 0,
	};
	r->s.extracted += x.extracted;
	r->s.processed += x.processed;
	r->s.recycled += x.recycled;
	r->s.sourced += x.sourced;
	r->s.unknown_origin += x.unknown_origin;
	r->s.feoc += x.feoc;
	r->s.secondary += x.secondary;
	r->s.qualifying += x.qualifying;
	if (!o->has_value) {
		r->vmissing = true;
	} else {
		double content = 0, k;

		for (size_t e = 0; e < o->ncontent; e++)
			content += o->content[e].ppm;
		k = (double)o->value_cents / ((double)o->mass_g * content / 1e6) * r->pm;
		r->v.extracted += k * x.extracted;
		r->v.processed += k * x.processed;
		r->v.recycled += k * x.recycled;
		r->v.sourced += k * x.sourced;
		r->v.unknown_origin += k * x.unknown_origin;
		r->v.feoc += k * x.feoc;
		r->v.secondary += k * x.secondary;
		r->v.qualifying += k * x.qualifying;
		r->vtotal += k * w;
	}
	r->chains++;
}

/* Every path from node i down to an origin, with its weight. */
static void walk(ref *r, chain *c, size_t i, double w, bool ira)
{
	const mledger_trace_node *n = mledger_trace_node_at(r->t, i);
	double denom = 0;

	c->node[c->n++] = i;
	if (n->kind == MLEDGER_NODE_REGISTERED ||
	    n->stage == MLEDGER_STAGE_RECYCLING) {
		judge_chain(r, c, w, ira);
		c->n--;
		return;
	}
	for (size_t k = 0; k < n->ninputs; k++)
		denom += (double)n->inputs[k].mass_g *
			 ppm(mledger_trace_node_at(r->t, n->inputs[k].node), r->sym);
	for (size_t k = 0; k < n->ninputs && denom > 0; k++) {
		double f = (double)n->inputs[k].mass_g *
			   ppm(mledger_trace_node_at(r->t, n->inputs[k].node),
			       r->sym) / denom;

		if (f > 0)
			walk(r, c, n->inputs[k].node, w * f, ira);
	}
	c->n--;
}

static void expect_close(double got, double want, const char *what,
			 const char *sym, unsigned seed)
{
	cr_assert(fabs(got - want) <= 1e-9, "seed %u, %s %s: got %.12f, want %.12f",
		  seed, sym, what, got, want);
}

static void expect_shares(const mledger_shares *got, const mledger_shares *want,
			  const char *sym, unsigned seed, bool ira)
{
	expect_close(got->extracted, want->extracted, "extracted", sym, seed);
	expect_close(got->processed, want->processed, "processed", sym, seed);
	expect_close(got->recycled, want->recycled, "recycled", sym, seed);
	expect_close(got->sourced, want->sourced, "sourced", sym, seed);
	expect_close(got->unknown_origin, want->unknown_origin, "unknown", sym, seed);
	expect_close(got->feoc, want->feoc, "feoc", sym, seed);
	expect_close(got->secondary, want->secondary, "secondary", sym, seed);
	if (ira)
		expect_close(got->qualifying, want->qualifying, "qualifying", sym,
			     seed);
}

static void scale(mledger_shares *s, double k)
{
	s->extracted *= k;
	s->processed *= k;
	s->recycled *= k;
	s->sourced *= k;
	s->unknown_origin *= k;
	s->feoc *= k;
	s->secondary *= k;
	s->qualifying *= k;
}

static void add(mledger_shares *a, const mledger_shares *b)
{
	a->extracted += b->extracted;
	a->processed += b->processed;
	a->recycled += b->recycled;
	a->sourced += b->sourced;
	a->unknown_origin += b->unknown_origin;
	a->feoc += b->feoc;
	a->secondary += b->secondary;
	a->qualifying += b->qualifying;
}

/* Compare the library with the reference for lot under policy name. */
static int compare(const char *lot, const char *policy, unsigned seed)
{
	bool ira = strcmp(policy, "ira-30d") == 0;
	mledger_trace *t = NULL;
	mledger_policy *p = NULL;
	mledger_share_report *rep = NULL;
	mledger_share_options o = MLEDGER_SHARE_OPTIONS_INIT;
	const mledger_trace_node *prod;
	mledger_shares total, vsum, got;
	double pm_total = 0, vtotal = 0;
	bool vmissing = false;
	int chains = 0;

	memset(&total, 0, sizeof(total));
	memset(&vsum, 0, sizeof(vsum));
	o.year = 2024;
	cr_assert_eq(mledger_trace_build(&t, ledger, lot), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(mledger_policy_builtin(&p, policy), 0);
	cr_assert_eq(mledger_share_compute(&rep, t, p, &o), 0, "%s",
		     mledger_error_last());
	prod = mledger_trace_node_at(t, 0);
	for (size_t e = 0; e < prod->ncontent; e++) {
		chain *c = calloc(1, sizeof(*c));
		ref r;

		memset(&r, 0, sizeof(r));
		r.t = t;
		r.p = p;
		r.sym = prod->content[e].symbol;
		r.pm = (double)prod->mass_g * prod->content[e].ppm / 1e6;

		walk(&r, c, 0, 1.0, ira);
		free(c);
		cr_assert_eq(mledger_share_get(&got, rep, r.sym), 0);
		expect_shares(&got, &r.s, r.sym, seed, ira);
		chains += r.chains;
		scale(&r.s, r.pm);
		add(&total, &r.s);
		pm_total += r.pm;
		add(&vsum, &r.v);
		vtotal += r.vtotal;
		vmissing = vmissing || r.vmissing;
	}
	scale(&total, 1 / pm_total);
	cr_assert_eq(mledger_share_get(&got, rep, NULL), 0);
	expect_shares(&got, &total, "total", seed, ira);
	if (vmissing) {
		cr_assert_eq(mledger_share_by_value(&got, rep), MLEDGER_ENOTFOUND);
	} else {
		scale(&vsum, 1 / vtotal);
		cr_assert_eq(mledger_share_by_value(&got, rep), 0);
		expect_shares(&got, &vsum, "by value", seed, ira);
	}
	mledger_share_report_free(rep);
	mledger_policy_free(p);
	mledger_trace_free(t);
	return chains;
}

static void random_chain(unsigned seed)
{
	static const char *const countries[] = {"CA", "US", "CN", "CL", "ZZ",
						"AU", "MX", "CD"};
	const mledger_element mixes[3][3] = {
		{{"Li", 60000}}, {{"Co", 20000}, {"Ni", 150000}},
		{{"Co", 5000}, {"Li", 20000}, {"Ni", 50000}}};

	g->rng = seed;
	g->time = FX_TIME;
	for (int i = 0; i < NACT; i++) {
		const char *cc = countries[rnd(8)];
		uint32_t roles = MLEDGER_ROLE_MINER | MLEDGER_ROLE_PROCESSOR |
				 MLEDGER_ROLE_RECYCLER | MLEDGER_ROLE_MANUFACTURER;
		int own = (int)rnd(4);

		enroll(i, roles, cc, own == 0 ? "CN" : NULL,
		       (uint32_t)rnd(5000), own == 0 && rnd(2));
	}
	for (int i = 0; i < 4; i++) {
		int m = (int)rnd(3);

		reg((int)rnd(NACT), 200000 + rnd(800000), mixes[m],
		    m == 0 ? 1 : m == 1 ? 2 : 3,
		    rnd(5) == 0 ? MLEDGER_ORIGIN_RECYCLING
				: MLEDGER_ORIGIN_EXTRACTION, rnd(4) != 0);
	}
	for (int step = 0; step < 10; step++) {
		int cand[512], nc = 0, nin, ins[3];
		uint64_t mass[3];
		static const mledger_stage stages[] = {MLEDGER_STAGE_REFINING,
			MLEDGER_STAGE_SPLIT, MLEDGER_STAGE_MERGE,
			MLEDGER_STAGE_CATHODE, MLEDGER_STAGE_RECYCLING,
			MLEDGER_STAGE_CELL};

		g->time += 10;
		for (int k = 0; k < g->nlots; k++)
			if (g->left[k] > 10)
				cand[nc++] = k;
		if (nc == 0)
			break;
		nin = 1 + (int)rnd(nc < 3 ? (unsigned)nc : 3);
		for (int i = 0; i < nin; i++) {
			int pick;
			bool dup;

			do {
				pick = cand[rnd((unsigned)nc)];
				dup = false;
				for (int j = 0; j < i; j++)
					dup = dup || ins[j] == pick;
			} while (dup);
			ins[i] = pick;
			/* Sometimes all of it, else part: shared inputs. */
			mass[i] = rnd(3) == 0 ? g->left[pick]
					      : 1 + rnd((unsigned)(g->left[pick] / 2));
		}
		transform((int)rnd(NACT), ins, mass, nin, 1 + (int)rnd(2),
			  stages[rnd(6)], rnd(3) != 0);
	}
}

Test(share, agrees_with_brute_force_on_random_chains)
{
	int total = 0;

	for (unsigned seed = 1; seed <= 12; seed++) {
		if (seed > 1) {
			teardown();
			setup();
		}
		random_chain(seed * 7919u);
		/* The newest lots have the deepest ancestries. */
		for (int k = g->nlots - 1; k >= 0 && k >= g->nlots - 4; k--) {
			total += compare(g->lots[k], "usmca", seed);
			total += compare(g->lots[k], "ira-30d", seed);
		}
	}
	cr_assert_gt(total, 200, "only %d chains compared", total);
}

/* ---- hand-computed scenarios ----------------------------------------- */

/* An explicit transform: outputs of one element each, given mass and ppm. */
static void xform(int actor, mledger_stage stage, const int *ins,
		  const uint64_t *mass, int nin, const uint64_t *out_g,
		  const uint32_t *out_ppm, int nout, const char *sym,
		  bool va, uint64_t va_cents)
{
	mledger_lot_input inputs[4];
	mledger_lot_output outs[3];
	mledger_element oc[3];
	mledger_event ev;

	g->time += 10;
	for (int i = 0; i < nin; i++) {
		move(ins[i], actor);
		inputs[i] = (mledger_lot_input){g->lots[ins[i]], mass[i]};
		g->left[ins[i]] -= mass[i];
	}
	for (int o = 0; o < nout; o++) {
		oc[o] = (mledger_element){{sym[0], sym[1], 0}, out_ppm[o]};
		outs[o] = (mledger_lot_output){NULL, "product", out_g[o], &oc[o],
					       1, NULL, false, 0};
		outs[o].lot = g->lots[new_lot(actor, out_g[o], &oc[o], 1)];
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_TRANSFORM;
	ev.time = g->time;
	ev.u.transform.inputs = inputs;
	ev.u.transform.ninputs = (size_t)nin;
	ev.u.transform.outputs = outs;
	ev.u.transform.noutputs = (size_t)nout;
	ev.u.transform.stage = stage;
	ev.u.transform.facility = g->fac[actor];
	memcpy(ev.u.transform.country, g->cc[actor], 3);
	ev.u.transform.has_value_added = va;
	ev.u.transform.value_added_cents = va_cents;
	submit(&ev, &g->a[actor]);
}

static mledger_share_report *report(const char *lot, const char *policy,
				    int year, mledger_trace **t)
{
	mledger_policy *p = NULL;
	mledger_share_report *r = NULL;
	mledger_share_options o = MLEDGER_SHARE_OPTIONS_INIT;

	o.year = year;
	cr_assert_eq(mledger_trace_build(t, ledger, lot), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(mledger_policy_builtin(&p, policy), 0);
	cr_assert_eq(mledger_share_compute(&r, *t, p, &o), 0, "%s",
		     mledger_error_last());
	mledger_policy_free(p);
	return r;
}

static const mledger_element li6[] = {{"Li", 60000}};

#define EXPECT(field, value) \
	cr_assert(fabs(s.field - (value)) < 1e-12, #field ": got %.15f, want %.15f", \
		  s.field, (double)(value))

Test(share, diamond_split_and_remerged)
{
	const int a = 0, b = 1, c = 2;
	mledger_trace *t = NULL;
	mledger_share_report *r;
	mledger_shares s;

	enroll(a, MLEDGER_ROLE_MINER, "CA", NULL, 0, false);
	enroll(b, MLEDGER_ROLE_PROCESSOR, "US", NULL, 0, false);
	enroll(c, MLEDGER_ROLE_PROCESSOR, "CN", NULL, 0, false);
	g->time = FX_TIME;
	reg(a, 1000000, li6, 1, MLEDGER_ORIGIN_EXTRACTION, false);   /* L000 */
	/* Split 60 kg of Li 1:3, refine one part in the US, one in China. */
	{
		int in[] = {0};
		uint64_t m[] = {1000000}, og[] = {250000, 750000};
		uint32_t ppm_out[] = {60000, 60000};

		xform(b, MLEDGER_STAGE_SPLIT, in, m, 1, og, ppm_out, 2, "Li", false, 0);
	}
	{
		int in[] = {1};                                    /* L001 */
		uint64_t m[] = {250000}, og[] = {100000};
		uint32_t ppm_out[] = {150000};

		xform(b, MLEDGER_STAGE_REFINING, in, m, 1, og, ppm_out, 1, "Li", false, 0);
	}
	{
		int in[] = {2};                                    /* L002 */
		uint64_t m[] = {750000}, og[] = {300000};
		uint32_t ppm_out[] = {150000};

		xform(c, MLEDGER_STAGE_REFINING, in, m, 1, og, ppm_out, 1, "Li", false, 0);
	}
	{
		int in[] = {3, 4};                                 /* L003, L004 */
		uint64_t m[] = {100000, 300000}, og[] = {400000};
		uint32_t ppm_out[] = {150000};

		xform(b, MLEDGER_STAGE_MERGE, in, m, 2, og, ppm_out, 1, "Li", false, 0);
	}
	r = report("L005", "usmca", 2026, &t);
	cr_assert_eq(mledger_trace_count(t), 6);
	cr_assert_eq(mledger_share_get(&s, r, "Li"), 0);
	/* 15 kg of Li went through the US refinery, 45 kg through China. */
	EXPECT(extracted, 1.0);
	EXPECT(processed, 0.25);
	EXPECT(sourced, 0.25);
	EXPECT(feoc, 0.75);
	EXPECT(unknown_origin, 0.0);
	EXPECT(recycled, 0.0);
	cr_assert_eq(r->nfeoc, 1);
	mledger_share_report_free(r);
	mledger_trace_free(t);
}

Test(share, foreign_owned_processor_and_unknown_origin)
{
	mledger_trace *t = NULL;
	mledger_share_report *r;
	mledger_shares s;

	enroll(0, MLEDGER_ROLE_MINER, "CA", NULL, 0, false);
	enroll(1, MLEDGER_ROLE_MINER, "ZZ", NULL, 0, false);
	/* A Canadian refiner 30 % owned from China: an entity of concern. */
	enroll(2, MLEDGER_ROLE_PROCESSOR, "CA", "CN", 3000, false);
	/* A US refiner 10 % owned from China: not. */
	enroll(3, MLEDGER_ROLE_PROCESSOR, "US", "CN", 1000, false);
	g->time = FX_TIME;
	reg(0, 500000, li6, 1, MLEDGER_ORIGIN_EXTRACTION, true);  /* 30 kg Li */
	reg(1, 500000, li6, 1, MLEDGER_ORIGIN_EXTRACTION, true);  /* 30 kg Li */
	{
		int in[] = {0};
		uint64_t m[] = {500000}, og[] = {200000};
		uint32_t ppm_out[] = {150000};

		xform(2, MLEDGER_STAGE_REFINING, in, m, 1, og, ppm_out, 1, "Li", false, 0);
	}
	{
		int in[] = {2, 1};
		uint64_t m[] = {200000, 500000}, og[] = {400000};
		uint32_t ppm_out[] = {150000};

		xform(3, MLEDGER_STAGE_CATHODE, in, m, 2, og, ppm_out, 1, "Li", false, 0);
	}
	r = report("L003", "usmca", 2026, &t);
	cr_assert_eq(mledger_share_get(&s, r, "Li"), 0);
	/* Half from the Canadian mine (refined in CA, cathode in US). */
	EXPECT(extracted, 0.5);
	EXPECT(unknown_origin, 0.5);
	/* The unknown half's only step (cathode, US) is in the region. */
	EXPECT(processed, 1.0);
	EXPECT(sourced, 0.5);
	EXPECT(feoc, 0.5);
	mledger_share_report_free(r);
	mledger_trace_free(t);
}

Test(share, recycled_input_and_partial_value_added)
{
	mledger_trace *t = NULL;
	mledger_share_report *r;
	mledger_shares s;
	const mledger_element black_mass[] = {{"Li", 30000}};

	enroll(0, MLEDGER_ROLE_MINER, "CL", NULL, 0, false);
	enroll(1, MLEDGER_ROLE_RECYCLER, "CA", NULL, 0, false);
	enroll(2, MLEDGER_ROLE_PROCESSOR, "US", NULL, 0, false);
	enroll(3, MLEDGER_ROLE_PROCESSOR, "KR", NULL, 0, false);
	g->time = FX_TIME;
	reg(0, 1000000, li6, 1, MLEDGER_ORIGIN_EXTRACTION, true); /* 60 kg Li */
	reg(1, 1000000, black_mass, 1, MLEDGER_ORIGIN_RECYCLING, true); /* 30 kg */
	/* Chilean Li refined in Korea with value added 900 (outside USMCA). */
	{
		int in[] = {0};
		uint64_t m[] = {1000000}, og[] = {400000};
		uint32_t ppm_out[] = {150000};

		xform(3, MLEDGER_STAGE_REFINING, in, m, 1, og, ppm_out, 1, "Li", true, 900);
	}
	/* Recycled Li refined in the US, no value recorded. */
	{
		int in[] = {1};
		uint64_t m[] = {1000000}, og[] = {200000};
		uint32_t ppm_out[] = {150000};

		xform(2, MLEDGER_STAGE_REFINING, in, m, 1, og, ppm_out, 1, "Li", false, 0);
	}
	/* Both into a US cathode with value added 1000. */
	{
		int in[] = {2, 3};
		uint64_t m[] = {400000, 200000}, og[] = {600000};
		uint32_t ppm_out[] = {150000};

		xform(2, MLEDGER_STAGE_CATHODE, in, m, 2, og, ppm_out, 1, "Li", true, 1000);
	}
	r = report("L004", "usmca", 2026, &t);
	cr_assert_eq(mledger_share_get(&s, r, "Li"), 0);
	/*
	 * 2/3 from Chile: steps KR (900) and US (1000), all valued, so the
	 * value rule holds: 1000 of 1900 in region. 1/3 recycled in Canada:
	 * one step unvalued, so the all-steps rule: US and US, processed.
	 */
	EXPECT(extracted, 0.0);
	EXPECT(recycled, 1.0 / 3);
	EXPECT(secondary, 1.0 / 3);
	EXPECT(processed, 1.0);
	EXPECT(sourced, 1.0 / 3);
	mledger_share_report_free(r);
	mledger_trace_free(t);

	/* Under ira-30d Chile and Korea are FTA partners: all qualifies. */
	r = report("L004", "ira-30d", 2024, &t);
	cr_assert_eq(mledger_share_get(&s, r, NULL), 0);
	EXPECT(extracted, 2.0 / 3);
	EXPECT(qualifying, 1.0);
	cr_assert(r->has_threshold);
	cr_assert(r->meets);
	mledger_share_report_free(r);
	mledger_trace_free(t);
}

Test(share, aluminium_smelted_in_one_country_cast_in_another)
{
	mledger_trace *t = NULL;
	mledger_share_report *r;
	mledger_shares s;
	const mledger_element bauxite[] = {{"Al", 250000}};

	enroll(0, MLEDGER_ROLE_MINER, "AU", NULL, 0, false);
	enroll(1, MLEDGER_ROLE_PROCESSOR, "CA", NULL, 0, false);
	enroll(2, MLEDGER_ROLE_PROCESSOR, "AE", NULL, 0, false);
	enroll(3, MLEDGER_ROLE_PROCESSOR, "MX", NULL, 0, false);
	enroll(4, MLEDGER_ROLE_RECYCLER, "US", NULL, 0, false);
	g->time = FX_TIME;
	reg(0, 4000000, bauxite, 1, MLEDGER_ORIGIN_EXTRACTION, false); /* 1 t Al */
	reg(4, 200000, (const mledger_element[]){{"Al", 1000000}}, 1,
	    MLEDGER_ORIGIN_RECYCLING, false);                    /* 0.2 t Al */
	{
		int in[] = {0};
		uint64_t m[] = {4000000}, og[] = {300000, 700000};
		uint32_t ppm_out[] = {1000000, 1000000};

		/* Alumina refined in Canada, in two lots ... */
		xform(1, MLEDGER_STAGE_REFINING, in, m, 1, og, ppm_out, 2, "Al",
		      false, 0);
	}
	{
		int in[] = {2};                                    /* 0.3 t */
		uint64_t m[] = {300000}, og[] = {300000};
		uint32_t ppm_out[] = {1000000};

		/* ... smelted 30 % in Canada ... */
		xform(1, MLEDGER_STAGE_SMELTING, in, m, 1, og, ppm_out, 1, "Al",
		      false, 0);
	}
	{
		int in[] = {3};                                    /* 0.7 t */
		uint64_t m[] = {700000}, og[] = {700000};
		uint32_t ppm_out[] = {1000000};

		/* ... and 70 % in the UAE ... */
		xform(2, MLEDGER_STAGE_SMELTING, in, m, 1, og, ppm_out, 1, "Al",
		      false, 0);
	}
	{
		int in[] = {4, 5, 1};                              /* + scrap */
		uint64_t m[] = {300000, 700000, 200000}, og[] = {1200000};
		uint32_t ppm_out[] = {1000000};

		/* ... and cast with 0.2 t of US scrap in Mexico. */
		xform(3, MLEDGER_STAGE_CASTING, in, m, 3, og, ppm_out, 1, "Al",
		      false, 0);
	}
	r = report("L006", "aim", 2026, &t);
	cr_assert_eq(mledger_share_get(&s, r, "Al"), 0);
	EXPECT(secondary, 0.2 / 1.2);
	cr_assert(r->has_al);
	cr_assert_eq(r->nsmelt, 2);
	cr_assert_str_eq(r->smelt[0].country, "AE");
	cr_assert(fabs(r->smelt[0].share - 0.7) < 1e-12);
	cr_assert_str_eq(r->smelt[1].country, "CA");
	cr_assert(fabs(r->smelt[1].share - 0.3) < 1e-12);
	cr_assert(r->has_cast);
	cr_assert_str_eq(r->cast.country, "MX");
	cr_assert(fabs(r->cast.share - 1.0) < 1e-12);
	mledger_share_report_free(r);
	mledger_trace_free(t);
}

/* ---- the trace walk ---------------------------------------------------- */

Test(share, outputs_of_one_transform_ordered_by_lot_id)
{
	mledger_trace *t = NULL;
	mledger_share_report *r;
	mledger_shares s;

	enroll(0, MLEDGER_ROLE_MINER, "CA", NULL, 0, false);
	enroll(1, MLEDGER_ROLE_PROCESSOR, "US", NULL, 0, false);
	g->time = FX_TIME;
	reg(0, 900000, li6, 1, MLEDGER_ORIGIN_EXTRACTION, false);    /* L000 */
	{
		int in[] = {0};
		uint64_t m[] = {900000}, og[] = {200000, 300000, 400000};
		uint32_t ppm_out[] = {60000, 60000, 60000};

		/* L001..L003: three outputs of one entry, all in the ancestry. */
		xform(1, MLEDGER_STAGE_SPLIT, in, m, 1, og, ppm_out, 3, "Li",
		      false, 0);
	}
	{
		/* Consumed out of id order, so the order is the walk's doing. */
		int in[] = {3, 1, 2};
		uint64_t m[] = {400000, 200000, 300000}, og[] = {900000};
		uint32_t ppm_out[] = {60000};

		xform(1, MLEDGER_STAGE_MERGE, in, m, 3, og, ppm_out, 1, "Li",
		      false, 0);
	}
	r = report("L004", "usmca", 2026, &t);
	cr_assert_eq(mledger_trace_count(t), 5);
	{
		static const char *const want[] = {"L004", "L001", "L002",
						   "L003", "L000"};
		const mledger_trace_node *root = mledger_trace_node_at(t, 0);

		for (size_t i = 0; i < 5; i++)
			cr_assert_str_eq(mledger_trace_node_at(t, i)->lot, want[i],
					 "node %zu", i);
		/* The three outputs share one seq, filled from one entry. */
		cr_assert_eq(mledger_trace_node_at(t, 1)->seq,
			     mledger_trace_node_at(t, 3)->seq);
		cr_assert_eq(mledger_trace_node_at(t, 2)->mass_g, 300000);
		cr_assert_eq(root->ninputs, 3);
		cr_assert_eq(root->inputs[0].node, 3);
		cr_assert_eq(root->inputs[0].mass_g, 400000);
		cr_assert_eq(root->inputs[1].node, 1);
		cr_assert_eq(root->inputs[2].node, 2);
		for (size_t i = 1; i < 4; i++) {
			const mledger_trace_node *n = mledger_trace_node_at(t, i);

			cr_assert_eq(n->ninputs, 1);
			cr_assert_eq(n->inputs[0].node, 4);
		}
	}
	cr_assert_eq(mledger_share_get(&s, r, "Li"), 0);
	EXPECT(extracted, 1.0);
	EXPECT(processed, 1.0);
	mledger_share_report_free(r);
	mledger_trace_free(t);
}

/*
 * A source with only creator and actor, as an audit bundle provides: the
 * builder falls back to one lookup per lot, and must build the same trace
 * as the batched walk over the ledger. This source reads entries through
 * the public API, with every canonical check.
 */
static int public_creator(void *ctx, const char *lot, uint64_t *seq,
			  mledger_event **ev)
{
	uint64_t *seqs = NULL;
	uint8_t *bytes = NULL;
	size_t n = 0, len = 0;
	mledger_entry e;
	mledger_signed sev;
	int error;

	if ((error = mledger_lot_history(&seqs, &n, ctx, lot)) < 0)
		return error;
	*seq = seqs[0];
	free(seqs);
	if ((error = mledger_entry_get(&bytes, &len, ctx, *seq)) < 0)
		return error;
	if ((error = mledger_entry_parse(&e, bytes, len)) == 0 &&
	    (error = mledger_signed_parse(&sev, e.event, e.event_len)) == 0)
		error = mledger_event_decode(ev, sev.body, sev.body_len);
	free(bytes);
	return error;
}

static int public_actor(void *ctx, const char *id, mledger_actor **out)
{
	return mledger_actor_get(out, ctx, id);
}

static void same_trace(const mledger_trace *a, const mledger_trace *b)
{
	cr_assert_eq(mledger_trace_count(a), mledger_trace_count(b));
	for (size_t i = 0; i < mledger_trace_count(a); i++) {
		const mledger_trace_node *x = mledger_trace_node_at(a, i);
		const mledger_trace_node *y = mledger_trace_node_at(b, i);

		cr_assert_str_eq(x->lot, y->lot, "node %zu", i);
		cr_assert_str_eq(x->material, y->material);
		cr_assert_str_eq(x->facility, y->facility);
		cr_assert_str_eq(x->actor.id, y->actor.id);
		cr_assert_eq(x->seq, y->seq);
		cr_assert_eq(x->kind, y->kind);
		cr_assert_eq(x->mass_g, y->mass_g);
		cr_assert_eq(x->ncontent, y->ncontent);
		cr_assert_eq(x->ninputs, y->ninputs);
		for (size_t k = 0; k < x->ninputs; k++) {
			cr_assert_eq(x->inputs[k].node, y->inputs[k].node);
			cr_assert_eq(x->inputs[k].mass_g, y->inputs[k].mass_g);
			/* Every input is older, so it sits further down. */
			cr_assert_gt(x->inputs[k].node, i);
		}
		if (i > 0)
			cr_assert_geq(mledger_trace_node_at(a, i - 1)->seq, x->seq);
	}
}

Test(share, creator_only_source_builds_the_same_trace)
{
	int compared = 0;

	for (unsigned seed = 1; seed <= 6; seed++) {
		if (seed > 1) {
			teardown();
			setup();
		}
		random_chain(seed * 104729u);
		for (int k = g->nlots - 1; k >= 0 && k >= g->nlots - 3; k--) {
			mledger_trace_source src = {ledger, public_creator,
						    public_actor, NULL, NULL};
			mledger_trace *a = NULL, *b = NULL;

			cr_assert_eq(mledger_trace_build(&a, ledger, g->lots[k]), 0,
				     "%s", mledger_error_last());
			cr_assert_eq(mledger_trace_build_from(&b, &src, g->lots[k]),
				     0, "%s", mledger_error_last());
			same_trace(a, b);
			compared += (int)mledger_trace_count(a);
			mledger_trace_free(a);
			mledger_trace_free(b);
		}
	}
	cr_assert_gt(compared, 30, "only %d nodes compared", compared);
	{
		mledger_trace_source src = {ledger, public_creator, public_actor,
					    NULL, NULL};
		mledger_trace *t = NULL;

		cr_assert_eq(mledger_trace_build(&t, ledger, "NO-SUCH-LOT"),
			     MLEDGER_ENOTFOUND);
		cr_assert_eq(mledger_trace_build_from(&t, &src, "NO-SUCH-LOT"),
			     MLEDGER_ENOTFOUND);
		cr_assert_null(t);
	}
}

/* The trace reads stored entries without the canonical re-check. */
static int stored_matches(void *ctx, uint64_t seq, const uint8_t *data,
			  size_t len)
{
	int *count = ctx;
	mledger_entry e;
	mledger_signed sev;
	mledger_event *a = NULL, *b = NULL;
	uint8_t *cut;

	cr_assert_eq(mledger_entry_parse(&e, data, len), 0);
	cr_assert_eq(mledger_signed_parse(&sev, e.event, e.event_len), 0);
	cr_assert_eq(mledger_event_decode(&a, sev.body, sev.body_len), 0);
	cr_assert_eq(mledger_event_decode_stored(&b, data, len), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(a->type, b->type, "entry %llu", (unsigned long long)seq);
	cr_assert_eq(a->time, b->time);
	cr_assert_eq(a->actor_seq, b->actor_seq);
	cr_assert_str_eq(a->actor, b->actor);
	if (a->type == MLEDGER_EV_LOT_TRANSFORM) {
		cr_assert_eq(a->u.transform.ninputs, b->u.transform.ninputs);
		cr_assert_eq(a->u.transform.noutputs, b->u.transform.noutputs);
		cr_assert_str_eq(a->u.transform.outputs[0].lot,
				 b->u.transform.outputs[0].lot);
	}
	mledger_event_free(a);
	mledger_event_free(b);
	/* Damaged wrappers fail cleanly: cut short, or a wrong first key. */
	cut = malloc(len);
	memcpy(cut, data, len);
	cr_assert_eq(mledger_event_decode_stored(&b, cut, len / 2), MLEDGER_EIO);
	cr_assert_eq(mledger_event_decode_stored(&b, cut, 8), MLEDGER_EIO);
	cut[2] = 'f';   /* "event" -> "fvent" */
	cr_assert_eq(mledger_event_decode_stored(&b, cut, len), MLEDGER_EIO);
	cr_assert_null(b);
	free(cut);
	(*count)++;
	return 0;
}

Test(share, stored_entries_decode_like_checked_ones)
{
	int count = 0;

	random_chain(31337u);
	cr_assert_eq(mledger_ledger_foreach(ledger, 0, UINT64_MAX,
					    stored_matches, &count), 0,
		     "%s", mledger_error_last());
	cr_assert_gt(count, 20);
}
