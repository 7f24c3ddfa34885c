/*
 * The bundle benchmark: export and audit of a battery whose ancestry is
 * about a thousand events. A supply tree is built in a fresh ledger in
 * $TMPDIR: 4^(LEVELS-1) ore lots registered at mines, each shipped to a
 * refiner and received there; every four lots of one level are made into
 * one lot of the next by a transform, which is shipped and received in
 * turn, up to the one battery at the top. With LEVELS 5 that is 256 ore
 * lots and 1,021 custody events, plus the enrolments. Every event is signed
 * by its actor. A checkpoint is made, and then, best of RUNS, the time of
 * mledger_bundle_export of the battery, of mledger_bundle_audit of the
 * bundle (proofs, signatures, rules, trace), and of the share report over
 * the audited trace, which together are what `mledger export` and
 * `mledger audit` do besides reading and writing the file.
 *
 *   bench_bundle [LEVELS [RUNS]]     defaults 5 and 5
 *
 * Prints "name value" lines: events, entries, bundle_bytes, build_s,
 * export_ms, audit_ms, share_ms, total_ms.
 */
#include "mledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LEVELS_MAX 7
#define KINDS_ACTORS 4            /* actors per level */

typedef struct actor {
	char id[32];
	char site[16];
	char country[3];
	mledger_key *key;
	uint64_t seq;
} actor;

static actor actors[LEVELS_MAX][KINDS_ACTORS];
static mledger_key *op;
static uint64_t op_seq = 1, clock_s = 1790000000;
static uint8_t **evs;
static size_t *lens, nevs, capevs;
static const mledger_element li[] = {{"Li", 20000}};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_bundle: %s: %s\n", what, mledger_error_last());
	exit(1);
}

/* Sign ev for a (NULL: the operator) and queue it for the batch. */
static void queue(mledger_event *ev, actor *a)
{
	if (nevs == capevs) {
		capevs = capevs ? capevs * 2 : 1024;
		evs = realloc(evs, capevs * sizeof(*evs));
		lens = realloc(lens, capevs * sizeof(*lens));
		if (evs == NULL || lens == NULL)
			die("out of memory");
	}
	ev->actor = a ? a->id : "operator";
	ev->actor_seq = a ? a->seq++ : op_seq++;
	ev->time = clock_s++;
	if (mledger_event_sign(&evs[nevs], &lens[nevs], ev, a ? a->key : op) < 0)
		die("signing");
	nevs++;
}

static void enroll_all(int levels)
{
	static const char *const cc[4] = {"US", "CA", "CN", "AU"};

	for (int l = 0; l < levels; l++) {
		for (int i = 0; i < KINDS_ACTORS; i++) {
			actor *a = &actors[l][i];
			mledger_pubkey pk;
			mledger_facility f;
			mledger_event ev;

			snprintf(a->id, sizeof(a->id), "level%d-actor%d", l, i);
			snprintf(a->site, sizeof(a->site), "site-%d", i);
			memcpy(a->country, cc[(l + i) % 4], 3);
			a->seq = 1;
			if (mledger_key_generate(&a->key, MLEDGER_ALG_ED25519) < 0)
				die("key");
			memset(&ev, 0, sizeof(ev));
			ev.type = MLEDGER_EV_ACTOR_ENROLL;
			ev.u.enroll.subject.id = a->id;
			ev.u.enroll.subject.name = a->id;
			ev.u.enroll.subject.roles = l == 0 ? MLEDGER_ROLE_MINER
				: MLEDGER_ROLE_PROCESSOR | MLEDGER_ROLE_MANUFACTURER;
			memcpy(ev.u.enroll.subject.country, a->country, 3);
			f.id = a->site;
			memcpy(f.country, a->country, 3);
			ev.u.enroll.subject.facilities = &f;
			ev.u.enroll.subject.nfacilities = 1;
			pk.alg = MLEDGER_ALG_ED25519;
			mledger_key_public(pk.pub, &pk.len, a->key);
			ev.u.enroll.subject.keys = &pk;
			ev.u.enroll.subject.nkeys = 1;
			queue(&ev, NULL);
		}
	}
}

/* Lot j of level l: its id, and the actor that holds it when made. */
static void lot_id(char out[24], int l, uint64_t j)
{
	snprintf(out, 24, "L%d-%06llu", l, (unsigned long long)j);
}

static actor *maker(int l, uint64_t j)
{
	return &actors[l][j % KINDS_ACTORS];
}

/* Make lot j of level l (mass returned), then ship it up unless top. */
static uint64_t make(int l, uint64_t j, int top)
{
	char id[24], to_id[24];
	mledger_event ev;
	actor *a = maker(l, j);
	uint64_t mass = 0;

	(void)to_id;
	lot_id(id, l, j);
	memset(&ev, 0, sizeof(ev));
	if (l == 0) {
		mass = 1000000;
		ev.type = MLEDGER_EV_LOT_REGISTER;
		ev.u.reg.lot = id;
		ev.u.reg.material = "ore";
		ev.u.reg.mass_g = mass;
		ev.u.reg.content = li;
		ev.u.reg.ncontent = 1;
		ev.u.reg.origin = MLEDGER_ORIGIN_EXTRACTION;
		memcpy(ev.u.reg.country, a->country, 3);
		ev.u.reg.site = a->site;
		queue(&ev, a);
	} else {
		char in_ids[4][24];
		mledger_lot_input in[4];
		mledger_lot_output out;

		for (int k = 0; k < 4; k++) {
			uint64_t m = make(l - 1, 4 * j + (uint64_t)k, 0);

			lot_id(in_ids[k], l - 1, 4 * j + (uint64_t)k);
			in[k] = (mledger_lot_input){in_ids[k], m};
			mass += m;
		}
		mass /= 2;
		out = (mledger_lot_output){id, "product", mass, li, 1, NULL,
					   false, 0};
		memset(&ev, 0, sizeof(ev));
		ev.type = MLEDGER_EV_LOT_TRANSFORM;
		ev.u.transform.inputs = in;
		ev.u.transform.ninputs = 4;
		ev.u.transform.outputs = &out;
		ev.u.transform.noutputs = 1;
		ev.u.transform.stage = MLEDGER_STAGE_REFINING;
		ev.u.transform.facility = a->site;
		memcpy(ev.u.transform.country, a->country, 3);
		ev.u.transform.model = MLEDGER_MODEL_SEGREGATED;
		queue(&ev, a);
	}
	if (top)
		return mass;
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_SHIP;
	ev.u.ship.lot = id;
	ev.u.ship.to = maker(l + 1, j / 4)->id;
	queue(&ev, a);
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_LOT_RECEIVE;
	ev.u.receive.lot = id;
	ev.u.receive.mass_g = mass;
	queue(&ev, maker(l + 1, j / 4));
	return mass;
}

static mledger_ledger *build(const char *dir, int levels, char top[24])
{
	mledger_ledger *l = NULL;
	mledger_submit_result res;
	mledger_pubkey opk;
	mledger_event ev;
	uint8_t *g;
	size_t glen;
	char *note = NULL;

	if (mledger_key_generate(&op, MLEDGER_ALG_ED25519) < 0)
		die("key");
	memset(&ev, 0, sizeof(ev));
	ev.type = MLEDGER_EV_GENESIS;
	ev.actor = "operator";
	ev.actor_seq = op_seq++;
	ev.time = clock_s;
	ev.u.genesis.origin = "bench.example/bundle";
	ev.u.genesis.operator_.id = "operator";
	ev.u.genesis.operator_.name = "operator";
	ev.u.genesis.operator_.roles = MLEDGER_ROLE_OPERATOR | MLEDGER_ROLE_REGISTRAR;
	memcpy(ev.u.genesis.operator_.country, "US", 3);
	opk.alg = MLEDGER_ALG_ED25519;
	mledger_key_public(opk.pub, &opk.len, op);
	ev.u.genesis.operator_.keys = &opk;
	ev.u.genesis.operator_.nkeys = 1;
	if (mledger_event_sign(&g, &glen, &ev, op) < 0 ||
	    mledger_ledger_create(&l, dir, g, glen, NULL) < 0)
		die("creating the ledger");
	free(g);
	enroll_all(levels);
	make(levels - 1, 0, 1);
	lot_id(top, levels - 1, 0);
	if (mledger_submit(&res, l, (const uint8_t *const *)evs, lens, nevs,
			   NULL) < 0)
		die("appending the chain");
	mledger_submit_result_free(&res);
	if (mledger_checkpoint_make(&note, l, op) < 0)
		die("checkpoint");
	free(note);
	return l;
}

int main(int argc, char **argv)
{
	int levels = argc > 1 ? atoi(argv[1]) : 5;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	char tmpl[4096], path[4200], top[24];
	const char *tmp = getenv("TMPDIR");
	double t0, build_s, best_export = 1e9, best_audit = 1e9, best_share = 1e9;
	double best_total = 1e9;
	mledger_policy *policy = NULL;
	mledger_ledger *l;
	size_t bytes = 0;
	uint64_t entries = 0;

	if (levels < 2 || levels > LEVELS_MAX || runs < 1) {
		fprintf(stderr, "usage: bench_bundle [LEVELS (2-%d) [RUNS]]\n",
			LEVELS_MAX);
		return 2;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/mledger-bench-bundle-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(tmpl) == NULL)
		die("mkdtemp");
	t0 = now();
	l = build(tmpl, levels, top);
	build_s = now() - t0;
	if (mledger_policy_builtin(&policy, "usmca") < 0)
		die("policy");
	for (int r = 0; r < runs; r++) {
		mledger_audit_opts o = MLEDGER_AUDIT_OPTS_INIT;
		mledger_share_report *rep = NULL;
		mledger_audit *a = NULL;
		uint8_t *b = NULL;
		char *text = NULL;
		double t1 = now(), t2, t3, t4;

		if (mledger_bundle_export(&b, &bytes, l, top, NULL) < 0)
			die("export");
		t2 = now();
		o.trust_key = op;
		if (mledger_bundle_audit(&a, b, bytes, &o) < 0)
			die("audit");
		t3 = now();
		if (mledger_share_compute(&rep, mledger_audit_trace(a), policy,
					  NULL) < 0 ||
		    mledger_share_render(&text, rep, false) < 0)
			die("share");
		t4 = now();
		entries = mledger_audit_summary_of(a)->entries;
		best_export = t2 - t1 < best_export ? t2 - t1 : best_export;
		best_audit = t3 - t2 < best_audit ? t3 - t2 : best_audit;
		best_share = t4 - t3 < best_share ? t4 - t3 : best_share;
		best_total = t4 - t1 < best_total ? t4 - t1 : best_total;
		free(text);
		mledger_share_report_free(rep);
		mledger_audit_free(a);
		free(b);
	}
	printf("events %zu\n", nevs + 1);
	printf("entries %llu\n", (unsigned long long)entries);
	printf("bundle_bytes %zu\n", bytes);
	printf("build_s %.2f\n", build_s);
	printf("export_ms %.1f\n", best_export * 1e3);
	printf("audit_ms %.1f\n", best_audit * 1e3);
	printf("share_ms %.1f\n", best_share * 1e3);
	printf("total_ms %.1f\n", best_total * 1e3);
	mledger_policy_free(policy);
	mledger_ledger_close(l);
	mledger_key_free(op);
	for (int lv = 0; lv < levels; lv++)
		for (int i = 0; i < KINDS_ACTORS; i++)
			mledger_key_free(actors[lv][i].key);
	for (size_t i = 0; i < nevs; i++)
		free(evs[i]);
	free(evs);
	free(lens);
	snprintf(path, sizeof(path), "%s/data.mdb", tmpl);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", tmpl);
	unlink(path);
	rmdir(tmpl);
	return 0;
}
