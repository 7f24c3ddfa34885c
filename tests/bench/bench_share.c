/*
 * The trace-and-share benchmark: builds a synthetic supply chain whose final
 * product has an ancestry of about N events (mines register ore, ship it to
 * refiners; refined lots go to cathode makers, cathodes to cell makers, and
 * cells into one pack), every event signed by its actor, then times
 * mledger_trace_build and mledger_share_compute on the product.
 *
 *   bench_share DIR N [RUNS]
 *
 * If DIR already holds a ledger made by an earlier run, it is measured
 * again as it is (building a million-event chain takes minutes).
 * The chain is a tree with fan-in 4 up to subtrees of 4095 events, and the
 * pack merges as many subtrees as it takes to reach N. Transforms record
 * value added, so the value-added rule is exercised. Prints "name value"
 * lines: events, lots, build_s, trace_ms, share_ms, trace_cpu_ms,
 * share_cpu_ms (best CPU time, steadier on a loaded machine), ns_per_event.
 */
#include "mledger.h"
#include "parallel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEVEL 5               /* subtree height: 4^5 ore lots, 4095 events */
#define CHUNK 20000           /* events signed and appended per batch */

/* One kind of actor per level of the tree; level 0 is the mines. */
enum { MINE, REFINER, CATHODE, CELL, MODULE, BLOCK, PACK, NKINDS };

static const char *const kind_name[NKINDS] = {"mine", "refiner", "cathode",
	"cell", "module", "block", "pack"};
static const int kind_count[NKINDS] = {32, 12, 6, 4, 3, 2, 1};
static const char *const countries[NKINDS][8] = {
	{"CA", "AU", "CL", "CN", "ID", "US", "AR", "ZZ"},
	{"US", "CN", "CA", "KR", "CN", "US", "JP", "FI"},
	{"US", "KR", "CN", "CA", "JP", "PL", "US", "KR"},
	{"US", "MX", "JP", "US", "KR", "US", "CA", "HU"},
	{"US", "MX", "CA", "US", "US", "US", "US", "US"},
	{"US", "CA", "US", "US", "US", "US", "US", "US"},
	{"US", "US", "US", "US", "US", "US", "US", "US"},
};
static const mledger_stage kind_stage[NKINDS] = {0, MLEDGER_STAGE_REFINING,
	MLEDGER_STAGE_CATHODE, MLEDGER_STAGE_CELL, MLEDGER_STAGE_MODULE,
	MLEDGER_STAGE_ASSEMBLY, MLEDGER_STAGE_PACK};

typedef struct actor {
	char id[32];
	char facility[32];
	char country[3];
	mledger_key *key;
	uint64_t seq;
} actor;

/* One event to sign, with room for what it points to. */
typedef struct spec {
	mledger_event ev;
	int actor;
	char lot[24], to[32];
	mledger_element content[3];
	mledger_lot_input in[4];
	char in_lot[4][24];
	mledger_lot_output out;
	uint8_t *bytes;
	size_t len;
} spec;

static actor actors[NKINDS][32];
static spec *specs;
static size_t nspecs;
static mledger_ledger *ledger;
static uint64_t lot_counter, clock_s = 1790000000;

static double clock_s_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s_of(CLOCK_MONOTONIC);
}

/* CPU time of this process: steadier than the clock on a shared machine. */
static double cpu(void)
{
	return clock_s_of(CLOCK_PROCESS_CPUTIME_ID);
}

static void die(const char *what)
{
	fprintf(stderr, "bench_share: %s: %s\n", what, mledger_error_last());
	exit(1);
}

static void sign_one(void *ctx, size_t i)
{
	spec *s = &((spec *)ctx)[i];
	actor *a = &actors[s->actor / 100][s->actor % 100];

	if (mledger_event_sign(&s->bytes, &s->len, &s->ev, a->key) < 0)
		die("signing");
}

static void flush(void)
{
	const uint8_t **data = malloc(nspecs * sizeof(*data));
	size_t *lens = malloc(nspecs * sizeof(*lens));
	mledger_submit_result res;

	/* Pointers into specs were set when each spec was made. */
	mledger_parallel_for(nspecs, 0, sign_one, specs);
	for (size_t i = 0; i < nspecs; i++) {
		data[i] = specs[i].bytes;
		lens[i] = specs[i].len;
	}
	if (nspecs > 0 && mledger_submit(&res, ledger, data, lens, nspecs,
					 NULL) < 0)
		die("appending");
	mledger_submit_result_free(&res);
	for (size_t i = 0; i < nspecs; i++)
		free(specs[i].bytes);
	free(data);
	free(lens);
	nspecs = 0;
}

static spec *next(int kind, int index, mledger_event_type type)
{
	spec *s;
	actor *a = &actors[kind][index];

	if (nspecs == CHUNK)
		flush();
	s = &specs[nspecs++];
	memset(s, 0, sizeof(*s));
	s->actor = kind * 100 + index;
	s->ev.type = type;
	s->ev.actor = a->id;
	s->ev.actor_seq = ++a->seq;
	s->ev.time = clock_s;
	return s;
}

/* A lot: its id, holder, mass and content, as the generator tracks it. */
typedef struct glot {
	char id[24];
	int kind, index;
	uint64_t mass;
	mledger_element content[3];
	size_t ncontent;
} glot;

static void ship_to(glot *l, int kind, int index)
{
	spec *s = next(l->kind, l->index, MLEDGER_EV_LOT_SHIP);

	memcpy(s->lot, l->id, sizeof(s->lot));
	memcpy(s->to, actors[kind][index].id, sizeof(s->to));
	s->ev.u.ship.lot = s->lot;
	s->ev.u.ship.to = s->to;
	s = next(kind, index, MLEDGER_EV_LOT_RECEIVE);
	memcpy(s->lot, l->id, sizeof(s->lot));
	s->ev.u.receive.lot = s->lot;
	s->ev.u.receive.mass_g = l->mass;
	l->kind = kind;
	l->index = index;
}

/* Make a lot of the given level in the tree; returns it held by its maker. */
static glot make(int level, uint64_t path)
{
	static const char *const el[3] = {"Co", "Li", "Ni"};
	glot out;

	memset(&out, 0, sizeof(out));
	snprintf(out.id, sizeof(out.id), "L%llu", (unsigned long long)++lot_counter);
	if (level == 0) {
		int m = (int)(path % (uint64_t)kind_count[MINE]);
		spec *s = next(MINE, m, MLEDGER_EV_LOT_REGISTER);

		out.kind = MINE;
		out.index = m;
		out.mass = 1000000 + (path % 7) * 100000;
		/* Mines differ in what they yield: the attribution is real. */
		out.content[0] = (mledger_element){"Co", (uint32_t)(2000 + m * 100)};
		out.content[1] = (mledger_element){"Li", (uint32_t)(m % 3 ? 27900 : 5000)};
		out.content[2] = (mledger_element){"Ni", (uint32_t)(m % 3 ? 10000 : 60000)};
		out.ncontent = 3;
		memcpy(s->lot, out.id, sizeof(s->lot));
		memcpy(s->content, out.content, sizeof(s->content));
		s->ev.u.reg.lot = s->lot;
		s->ev.u.reg.material = "ore";
		s->ev.u.reg.mass_g = out.mass;
		s->ev.u.reg.content = s->content;
		s->ev.u.reg.ncontent = 3;
		s->ev.u.reg.origin = m % 11 == 5 ? MLEDGER_ORIGIN_RECYCLING
						 : MLEDGER_ORIGIN_EXTRACTION;
		memcpy(s->ev.u.reg.country, actors[MINE][m].country, 3);
		s->ev.u.reg.site = actors[MINE][m].facility;
		s->ev.u.reg.has_value = true;
		s->ev.u.reg.value_cents = out.mass / 10;
		return out;
	}
	{
		int kind = level;
		int maker = (int)((path / 3) % (uint64_t)kind_count[kind]);
		glot in[4];
		uint64_t el_mass[3] = {0, 0, 0}, total = 0;
		spec *s;

		for (int c = 0; c < 4; c++) {
			in[c] = make(level - 1, path * 4 + (uint64_t)c);
			ship_to(&in[c], kind, maker);
			total += in[c].mass;
			for (size_t e = 0; e < 3; e++)
				el_mass[e] += in[c].mass * in[c].content[e].ppm;
		}
		clock_s++;
		s = next(kind, maker, MLEDGER_EV_LOT_TRANSFORM);
		out.kind = kind;
		out.index = maker;
		out.mass = total;
		out.ncontent = 3;
		for (size_t e = 0; e < 3; e++)
			out.content[e] = (mledger_element){{el[e][0], el[e][1], 0},
				(uint32_t)(el_mass[e] / total)};
		for (int c = 0; c < 4; c++) {
			memcpy(s->in_lot[c], in[c].id, sizeof(s->in_lot[c]));
			s->in[c] = (mledger_lot_input){s->in_lot[c], in[c].mass};
		}
		memcpy(s->lot, out.id, sizeof(s->lot));
		memcpy(s->content, out.content, sizeof(s->content));
		s->out = (mledger_lot_output){s->lot, kind_name[kind], out.mass,
					      s->content, 3, NULL, false, 0};
		s->ev.u.transform.inputs = s->in;
		s->ev.u.transform.ninputs = 4;
		s->ev.u.transform.outputs = &s->out;
		s->ev.u.transform.noutputs = 1;
		s->ev.u.transform.stage = kind_stage[kind];
		s->ev.u.transform.facility = actors[kind][maker].facility;
		memcpy(s->ev.u.transform.country, actors[kind][maker].country, 3);
		s->ev.u.transform.has_value_added = true;
		s->ev.u.transform.value_added_cents = 1000u * (unsigned)(maker + 1);
		return out;
	}
}

static void setup_ledger(const char *dir)
{
	mledger_key *op = NULL;
	mledger_pubkey opk;
	mledger_event ev;
	uint8_t *g;
	size_t glen;

	if (mledger_key_generate(&op, MLEDGER_ALG_ED25519) < 0)
		die("key");
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_GENESIS;
	ev.actor = "operator";
	ev.actor_seq = 1;
	ev.time = clock_s;
	ev.u.genesis.origin = "bench.example/share";
	ev.u.genesis.operator_.id = "operator";
	ev.u.genesis.operator_.name = "operator";
	ev.u.genesis.operator_.roles = MLEDGER_ROLE_OPERATOR | MLEDGER_ROLE_REGISTRAR;
	memcpy(ev.u.genesis.operator_.country, "US", 3);
	opk.alg = MLEDGER_ALG_ED25519;
	mledger_key_public(opk.pub, &opk.len, op);
	ev.u.genesis.operator_.keys = &opk;
	ev.u.genesis.operator_.nkeys = 1;
	if (mledger_event_sign(&g, &glen, &ev, op) < 0 ||
	    mledger_ledger_create(&ledger, dir, g, glen, NULL) < 0)
		die("creating the ledger");
	free(g);
	for (int k = 0; k < NKINDS; k++) {
		for (int i = 0; i < kind_count[k]; i++) {
			actor *a = &actors[k][i];
			static const uint32_t roles[NKINDS] = {
				MLEDGER_ROLE_MINER | MLEDGER_ROLE_RECYCLER,
				MLEDGER_ROLE_PROCESSOR, MLEDGER_ROLE_PROCESSOR,
				MLEDGER_ROLE_MANUFACTURER, MLEDGER_ROLE_MANUFACTURER,
				MLEDGER_ROLE_MANUFACTURER, MLEDGER_ROLE_MANUFACTURER};
			mledger_facility f;
			mledger_pubkey pk;
			mledger_event e;
			mledger_submit_result res;
			const uint8_t *data;
			uint8_t *b;
			size_t len;

			snprintf(a->id, sizeof(a->id), "%s-%02d", kind_name[k], i);
			snprintf(a->facility, sizeof(a->facility), "site-%02d", i);
			memcpy(a->country, countries[k][i % 8], 3);
			if (mledger_key_generate(&a->key, MLEDGER_ALG_ED25519) < 0)
				die("key");
			memset(&e, 0, sizeof(e));
			e.type = MLEDGER_EV_ACTOR_ENROLL;
			e.actor = "operator";
			e.actor_seq = (uint64_t)(2 + k * 100 + i);
			e.time = clock_s;
			e.u.enroll.subject.id = a->id;
			e.u.enroll.subject.name = a->id;
			e.u.enroll.subject.roles = roles[k];
			memcpy(e.u.enroll.subject.country, a->country, 3);
			f.id = a->facility;
			memcpy(f.country, a->country, 3);
			e.u.enroll.subject.facilities = &f;
			e.u.enroll.subject.nfacilities = 1;
			if (i % 5 == 4) {
				memcpy(e.u.enroll.subject.owner_country, "CN", 3);
				e.u.enroll.subject.owner_share_bp = 3000;
			}
			pk.alg = MLEDGER_ALG_ED25519;
			mledger_key_public(pk.pub, &pk.len, a->key);
			e.u.enroll.subject.keys = &pk;
			e.u.enroll.subject.nkeys = 1;
			if (mledger_event_sign(&b, &len, &e, op) < 0)
				die("signing");
			data = b;
			if (mledger_submit(&res, ledger, &data, &len, 1, NULL) < 0)
				die("enrolling");
			mledger_submit_result_free(&res);
			free(b);
		}
	}
	mledger_key_free(op);
}

int main(int argc, char **argv)
{
	uint64_t target, subtree = 4095, k;
	mledger_policy *policy = NULL;
	double t0, build_s, best_trace = 1e9, best_share = 1e9;
	double cpu_trace = 1e9, cpu_share = 1e9;
	size_t lots = 0;
	int runs;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_share DIR EVENTS [RUNS]\n");
		return 2;
	}
	target = strtoull(argv[2], NULL, 10);
	runs = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 3;
	specs = calloc(CHUNK, sizeof(*specs));
	t0 = now();
	k = target > subtree ? (target - 1) / (subtree + 2) : 1;
	if (mledger_ledger_open(&ledger, argv[1], NULL) == 0)
		goto measure;
	setup_ledger(argv[1]);
	/* The pack merges k subtrees, each shipped to it: 4095 + 2 events. */
	{
		glot pack_in[4096];
		spec *s;
		mledger_lot_input *in = calloc(k, sizeof(*in));
		mledger_element content[3];
		uint64_t el[3] = {0, 0, 0}, total = 0;
		static const char *const sym[3] = {"Co", "Li", "Ni"};

		if (k > 4096 || in == NULL) {
			fprintf(stderr, "bench_share: at most %d events\n",
				4096 * 4097);
			return 2;
		}
		for (uint64_t i = 0; i < k; i++) {
			pack_in[i] = make(LEVEL, i);
			ship_to(&pack_in[i], PACK, 0);
			in[i] = (mledger_lot_input){pack_in[i].id, pack_in[i].mass};
			total += pack_in[i].mass;
			for (int e = 0; e < 3; e++)
				el[e] += pack_in[i].mass * pack_in[i].content[e].ppm;
		}
		for (int e = 0; e < 3; e++)
			content[e] = (mledger_element){{sym[e][0], sym[e][1], 0},
						       (uint32_t)(el[e] / total)};
		clock_s++;
		s = next(PACK, 0, MLEDGER_EV_LOT_TRANSFORM);
		snprintf(s->lot, sizeof(s->lot), "PRODUCT");
		memcpy(s->content, content, sizeof(content));
		s->out = (mledger_lot_output){s->lot, "battery-pack", total,
					      s->content, 3, NULL, false, 0};
		/* The inputs live in `in` and pack_in until the flush below. */
		s->ev.u.transform.inputs = in;
		s->ev.u.transform.ninputs = k;
		s->ev.u.transform.outputs = &s->out;
		s->ev.u.transform.noutputs = 1;
		s->ev.u.transform.stage = MLEDGER_STAGE_PACK;
		s->ev.u.transform.facility = actors[PACK][0].facility;
		memcpy(s->ev.u.transform.country, actors[PACK][0].country, 3);
		flush();
		free(in);
	}
measure:
	build_s = now() - t0;
	if (mledger_policy_builtin(&policy, "usmca") < 0)
		die("policy");
	for (int r = 0; r < runs; r++) {
		mledger_trace *t = NULL;
		mledger_share_report *rep = NULL;
		double c1 = cpu(), t1 = now(), t2, c2, t3, c3;

		if (mledger_trace_build(&t, ledger, "PRODUCT") < 0)
			die("trace");
		t2 = now();
		c2 = cpu();
		if (mledger_share_compute(&rep, t, policy, NULL) < 0)
			die("share");
		t3 = now();
		c3 = cpu();
		if (t3 - t2 < best_share)
			best_share = t3 - t2;
		if (t2 - t1 < best_trace)
			best_trace = t2 - t1;
		if (c3 - c2 < cpu_share)
			cpu_share = c3 - c2;
		if (c2 - c1 < cpu_trace)
			cpu_trace = c2 - c1;
		lots = mledger_trace_count(t);
		mledger_share_report_free(rep);
		mledger_trace_free(t);
	}
	{
		uint64_t events = k * (subtree + 2) + 1;

		printf("events %llu\n", (unsigned long long)events);
		printf("lots %zu\n", lots);
		printf("build_s %.1f\n", build_s);
		printf("trace_ms %.1f\n", best_trace * 1e3);
		printf("share_ms %.1f\n", best_share * 1e3);
		printf("trace_cpu_ms %.1f\n", cpu_trace * 1e3);
		printf("share_cpu_ms %.1f\n", cpu_share * 1e3);
		printf("ns_per_event %.0f\n",
		       (best_trace + best_share) * 1e9 / (double)events);
	}
	mledger_policy_free(policy);
	mledger_ledger_close(ledger);
	free(specs);
	return 0;
}
