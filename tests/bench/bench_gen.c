/*
 * bench_gen [--seed S] [--singles K] [--mix actors|custody] DIR N: the
 * input of the ingest and verify benchmarks (tests/bench/run). It writes
 * DIR/operator.key (the operator's private key, for `mledger init
 * --operator-key`), DIR/genesis-origin.txt (the origin to init with) and
 * DIR/events-0000.mle, events-0001.mle, ... holding N signed events,
 * 10,000 per file, that a ledger created by `mledger init` with the
 * default operator id ("operator", actor_seq 1) accepts in file order;
 * with --singles, K more events follow them, one per file
 * (DIR/single-0000.mle, ...), for timing the submission of one event. The
 * default mix, actors, is registry work: the operator enrols registrars,
 * registrars enrol miners, processors, manufacturers, recyclers and
 * carriers with facilities, countries and sometimes foreign owners, and
 * those actors rotate their keys with actor.rekey, each retiring the key
 * that signs the rotation. The custody mix is lot work instead: the
 * operator enrols miners, processors and manufacturers, and then lots are
 * registered at mines, shipped, received and transformed (plan_custody()
 * tells how). Everything is Ed25519 and derived from the seed S (default
 * 1), so the same arguments always give the same bytes. The event plan is
 * drawn on one thread, since each event depends on the ones before it; the
 * keys and signatures, which take nearly all of the time, are computed on
 * every core.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mledger.h"

#define EVENTS_PER_FILE 10000
#define EVENTS_MAX 100000000UL
#define THREADS_MAX 64
#define WORK_CHUNK 64
#define BASE_TIME 1767225600u     /* 2026-01-01T00:00:00Z */
#define REKEY_PERCENT 35          /* of the events after the registrars */
#define REGISTRAR_EVERY 10000     /* one registrar per this many events */
#define REGISTRARS_MAX 32
#define ACTOR_ID_MAX 64           /* "ca.bench-recycling-000123" and such */
#define LOT_ID_MAX 32             /* "bench-lot-00000123" */

/* The custody mix: who takes part, and how lots flow between them. */
#define CUSTODY_MINERS 64
#define CUSTODY_PROCESSORS 16
#define CUSTODY_MANUFACTURERS 8
#define CUSTODY_ACTORS (CUSTODY_MINERS + CUSTODY_PROCESSORS + \
			CUSTODY_MANUFACTURERS)
#define FIRST_MINER 1u            /* actor indices, in order of enrolment */
#define FIRST_PROCESSOR (FIRST_MINER + CUSTODY_MINERS)
#define FIRST_MANUFACTURER (FIRST_PROCESSOR + CUSTODY_PROCESSORS)
#define CUSTODY_BATCH 4           /* concentrate lots per refinery batch */
#define CUSTODY_WEIGHT 32         /* draw weight of a new registration */
#define CUSTODY_MASS_MIN 20000000u /* a concentrate lot: 20 t ... */
#define CUSTODY_MASS_SPREAD 12000001u /* ... to 32 t */

/* What an actor is, drawn when it is planned. */
enum kind {
	KIND_OPERATOR,
	KIND_REGISTRAR,
	KIND_MINER,
	KIND_PROCESSOR,
	KIND_MANUFACTURER,
	KIND_RECYCLER,
	KIND_CARRIER,
};

typedef struct actor {
	uint8_t kind;             /* enum kind */
	uint8_t country;          /* index into countries[] */
	uint32_t key;             /* the key that signs its next event */
	uint64_t next_seq;        /* actor_seq of its next event */
} actor;

/* One event of the plan: who signs what, with which key. */
typedef struct planned {
	uint8_t type;             /* mledger_event_type */
	uint8_t nkeys;            /* enroll: keys the subject starts with */
	uint8_t ninputs;          /* transform: lots used from inputs[] */
	uint32_t signer;          /* actor index; 0 is the operator */
	uint32_t signer_key;      /* key index that signs */
	uint32_t subject;         /* actor enrolled or rekeyed */
	uint32_t new_key;         /* first key added */
	uint64_t actor_seq;
	uint32_t lot;             /* lot registered, shipped, received or made */
	uint32_t to;              /* ship: the receiving actor */
	uint32_t inputs[CUSTODY_BATCH]; /* transform: lots used up */
} planned;

/* What the custody mix makes: concentrate at the mines, refined to
 * hydroxide, made into cathode. Lithium is the one element followed. */
enum lot_kind {
	LOT_CONCENTRATE,
	LOT_HYDROXIDE,
	LOT_CATHODE,
};

static const struct {
	const char *material;
	uint32_t li_ppm;          /* typical lithium content */
} lot_kinds[] = {
	{"spodumene-concentrate", 27900},        /* about 6 % Li2O */
	{"lithium-hydroxide-monohydrate", 165000},
	/* Heavier than the hydroxide in it: the nickel, manganese and cobalt
	 * come from inputs this workload does not trace. */
	{"NMC811-cathode", 72000},
};

/* A lot of the custody mix. Mass and content never change once it is made,
 * so the signing threads can read them while nothing writes. */
typedef struct lot_rec {
	uint64_t mass_g;
	uint32_t ppm;             /* lithium */
	uint32_t holder;          /* planning: custodian, or receiver in transit */
	uint8_t kind;             /* enum lot_kind */
} lot_rec;

/* Work the custody plan may do next: a transform of received lots. */
typedef struct pending {
	uint32_t actor;
	uint8_t n;
	uint32_t in[CUSTODY_BATCH];
} pending;

typedef struct gen {
	uint64_t seed;
	planned *plan;
	size_t nevents;
	bool custody;             /* --mix custody */
	lot_rec *lots;
	size_t nlots;
	size_t ntype[MLEDGER_EV_LOT_ATTEST + 1]; /* planned events per type */
	actor *actors;
	size_t nactors;
	uint8_t (*pubs)[32];      /* public key of every key index */
	size_t nkeys;
	mledger_key **signers;    /* private keys of the operator and registrars */
	size_t nsigners;
	uint8_t **out;            /* signed bytes of the file being made */
	size_t *out_len;
	size_t first;             /* plan index of out[0] */
	atomic_int failed;
	char message[512];        /* the first failure */
	pthread_mutex_t lock;
} gen;

static const char *const countries[] = {
	"CA", "US", "MX", "AU", "CL", "AR", "CN", "ID", "CD", "ZA",
	"BR", "DE", "JP", "KR", "FI", "NO", "PH", "GB", "SE", "MA",
};
#define NCOUNTRIES (sizeof(countries) / sizeof(countries[0]))

static const char *const kind_names[] = {
	"operator", "registrar", "mining", "refining", "cells", "recycling",
	"freight",
};

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n) from the stream. */
static uint32_t draw(uint64_t *state, uint32_t n)
{
	return (uint32_t)(splitmix64(state) % n);
}

static void fail(gen *g, const char *what)
{
	pthread_mutex_lock(&g->lock);
	if (atomic_load(&g->failed) == 0)
		snprintf(g->message, sizeof(g->message), "%s: %s", what,
			 mledger_error_last());
	atomic_store(&g->failed, 1);
	pthread_mutex_unlock(&g->lock);
}

/* The 32-byte Ed25519 seed of key index k: SHA-256 of seed and index. */
static void key_seed(uint8_t out[MLEDGER_ED25519_SEED_BYTES], uint64_t seed,
		     uint64_t k)
{
	uint8_t in[16 + 8 + 8];

	memcpy(in, "mledger-bench-k\n", 16);
	for (int i = 0; i < 8; i++) {
		in[16 + i] = (uint8_t)(seed >> (56 - 8 * i));
		in[24 + i] = (uint8_t)(k >> (56 - 8 * i));
	}
	mledger_sha256(out, in, sizeof(in));
}

static int key_make(mledger_key **out, uint64_t seed, uint64_t k)
{
	uint8_t s[MLEDGER_ED25519_SEED_BYTES];
	int error;

	key_seed(s, seed, k);
	error = mledger_key_from_seed(out, s, sizeof(s));
	memset(s, 0, sizeof(s));
	return error;
}

/* Run fn(g, i) for i in [0, n) on `threads` threads. */
typedef struct job {
	gen *g;
	size_t n;
	atomic_size_t next;
	void (*fn)(gen *g, size_t i);
} job;

static void *job_run(void *arg)
{
	job *j = arg;

	for (;;) {
		size_t start = atomic_fetch_add(&j->next, WORK_CHUNK);

		if (start >= j->n || atomic_load(&j->g->failed))
			break;
		for (size_t i = start; i < start + WORK_CHUNK && i < j->n; i++)
			j->fn(j->g, i);
	}
	return NULL;
}

static void parallel(gen *g, size_t n, unsigned threads,
		     void (*fn)(gen *g, size_t i))
{
	pthread_t tids[THREADS_MAX];
	unsigned started = 0;
	job j;

	j.g = g;
	j.n = n;
	j.fn = fn;
	atomic_init(&j.next, 0);
	for (unsigned t = 1; t < threads; t++) {
		if (pthread_create(&tids[started], NULL, job_run, &j) != 0)
			break;
		started++;
	}
	job_run(&j);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
}

/*
 * Draw the plan: registrars first (one per REGISTRAR_EVERY events, signed
 * by the operator from actor_seq 2 on, as the genesis used 1), then
 * enrolments by a random registrar mixed with rotations of a random
 * enrolled actor.
 */
static int plan_make(gen *g)
{
	static const uint8_t kinds[] = {
		KIND_MINER, KIND_MINER, KIND_PROCESSOR, KIND_PROCESSOR,
		KIND_MANUFACTURER, KIND_MANUFACTURER, KIND_MANUFACTURER,
		KIND_RECYCLER, KIND_CARRIER, KIND_CARRIER,
	};
	uint64_t rng = g->seed ^ 0x5eedbe0c4ull;
	size_t n = g->nevents, nreg, first_other;

	nreg = n / REGISTRAR_EVERY;
	if (nreg < 1)
		nreg = 1;
	if (nreg > REGISTRARS_MAX)
		nreg = REGISTRARS_MAX;
	if (nreg > n)
		nreg = n;
	first_other = 1 + nreg;
	g->plan = calloc(n, sizeof(*g->plan));
	/* At most one actor per event, plus the operator. */
	g->actors = calloc(n + 1, sizeof(*g->actors));
	if (g->plan == NULL || g->actors == NULL)
		return -1;
	g->actors[0] = (actor){KIND_OPERATOR, 1, 0, 2};
	g->nactors = 1;
	g->nkeys = 1;
	for (size_t i = 0; i < n; i++) {
		planned *p = &g->plan[i];
		actor *s, *a;

		if (i < nreg || g->nactors == first_other ||
		    draw(&rng, 100) >= REKEY_PERCENT) {
			/* An enrolment: by the operator for registrars. */
			uint32_t signer = i < nreg ? 0
				: (uint32_t)(1 + draw(&rng, (uint32_t)nreg));

			s = &g->actors[signer];
			a = &g->actors[g->nactors];
			a->kind = i < nreg ? KIND_REGISTRAR
				: kinds[draw(&rng, sizeof(kinds))];
			a->country = (uint8_t)draw(&rng, NCOUNTRIES);
			a->key = (uint32_t)g->nkeys;
			a->next_seq = 1;
			p->type = MLEDGER_EV_ACTOR_ENROLL;
			p->subject = (uint32_t)g->nactors;
			/* One actor in eight keeps a second, offline key;
			 * registrars have one, so key j is registrar j's. */
			p->nkeys = i >= nreg && draw(&rng, 8) == 0 ? 2 : 1;
			g->nactors++;
		} else {
			/* A rotation, signed by the key it retires. */
			uint32_t who = (uint32_t)(first_other +
				draw(&rng, (uint32_t)(g->nactors - first_other)));

			s = a = &g->actors[who];
			p->type = MLEDGER_EV_ACTOR_REKEY;
			p->subject = who;
			p->nkeys = 1;
		}
		p->signer = (uint32_t)(s - g->actors);
		p->signer_key = s->key;
		p->actor_seq = s->next_seq++;
		p->new_key = (uint32_t)g->nkeys;
		g->nkeys += p->nkeys;
		if (p->type == MLEDGER_EV_ACTOR_REKEY)
			a->key = p->new_key;
	}
	g->nsigners = first_other;
	return 0;
}

/*
 * Draw the custody plan. The operator enrols the miners, then the
 * processors, then the manufacturers, each with one facility at home
 * (actor_seq 2 on, as the genesis used 1). After that each event either
 * registers a concentrate lot at a random mine or does one piece of pending
 * work, picked at random: a lot waiting to be shipped, a lot in transit, a
 * transform waiting. Concentrate goes to a random refinery, which turns
 * every CUSTODY_BATCH lots it has received into one lot of hydroxide; that
 * goes to a random cathode plant, which makes it into cathode. Picking work
 * at random rather than in order keeps many lots and actors in flight, as
 * on a real ledger, and since a registration weighs as much as
 * CUSTODY_WEIGHT pieces of work, the backlog settles at a few times that
 * and the mix at what the flow dictates: per 4 concentrate lots, 4
 * registrations, 5 shipments, 5 receipts and 2 transforms (25, 31, 31 and
 * 12.5 %). Every event comes after the ones it depends on, and the plan
 * index is the time, so custody, receivers and times all agree.
 */
static int plan_custody(gen *g)
{
	/* Where each kind is likely to be, as indices into countries[]. */
	static const uint8_t homes[3][8] = {
		{3, 4, 5, 6, 0, 10, 9, 1},      /* mines: AU CL AR CN CA BR ZA US */
		{6, 6, 6, 1, 0, 14, 11, 3},     /* refineries: CN ... FI DE AU */
		{6, 13, 12, 11, 1, 18, 6, 13},  /* cathode plants: CN KR JP ... */
	};
	uint64_t rng = g->seed ^ 0xc057bd1ull;
	size_t n = g->nevents, nenrol = CUSTODY_ACTORS;
	size_t nship = 0, ntransit = 0, nwork = 0;
	uint32_t *ship_q, *transit_q;          /* lot indices */
	pending *work;
	uint32_t held[CUSTODY_PROCESSORS][CUSTODY_BATCH];
	uint8_t nheld[CUSTODY_PROCESSORS] = {0};
	int rc = -1;

	if (nenrol > n)
		nenrol = n;
	g->plan = calloc(n, sizeof(*g->plan));
	g->actors = calloc(1 + CUSTODY_ACTORS, sizeof(*g->actors));
	/* Each event makes at most one lot, and so queues at most one. */
	g->lots = calloc(n, sizeof(*g->lots));
	ship_q = calloc(n, sizeof(*ship_q));
	transit_q = calloc(n, sizeof(*transit_q));
	work = calloc(n, sizeof(*work));
	if (g->plan == NULL || g->actors == NULL || g->lots == NULL ||
	    ship_q == NULL || transit_q == NULL || work == NULL)
		goto done;
	g->actors[0] = (actor){KIND_OPERATOR, 1, 0, 2};
	g->nactors = 1;
	g->nkeys = 1;
	for (size_t i = 0; i < n; i++) {
		planned *p = &g->plan[i];
		uint32_t signer;

		if (i < nenrol) {
			actor *a = &g->actors[g->nactors];

			a->kind = i < CUSTODY_MINERS ? KIND_MINER
				: i < CUSTODY_MINERS + CUSTODY_PROCESSORS
				? KIND_PROCESSOR : KIND_MANUFACTURER;
			a->country = homes[a->kind - KIND_MINER][draw(&rng, 8)];
			a->key = (uint32_t)g->nkeys;
			a->next_seq = 1;
			p->type = MLEDGER_EV_ACTOR_ENROLL;
			p->subject = (uint32_t)g->nactors;
			p->nkeys = 1;
			p->new_key = (uint32_t)g->nkeys;
			g->nactors++;
			g->nkeys++;
			signer = 0;
		} else {
			size_t u = draw(&rng, (uint32_t)(CUSTODY_WEIGHT + nship +
							 ntransit + nwork));

			if (u < CUSTODY_WEIGHT) {
				lot_rec *l = &g->lots[g->nlots];

				signer = FIRST_MINER + draw(&rng, CUSTODY_MINERS);
				l->mass_g = CUSTODY_MASS_MIN +
					    draw(&rng, CUSTODY_MASS_SPREAD);
				l->ppm = lot_kinds[LOT_CONCENTRATE].li_ppm;
				l->holder = signer;
				l->kind = LOT_CONCENTRATE;
				p->type = MLEDGER_EV_LOT_REGISTER;
				p->lot = (uint32_t)g->nlots++;
				ship_q[nship++] = p->lot;
			} else if ((u -= CUSTODY_WEIGHT) < nship) {
				lot_rec *l = &g->lots[ship_q[u]];

				p->type = MLEDGER_EV_LOT_SHIP;
				p->lot = ship_q[u];
				ship_q[u] = ship_q[--nship];
				signer = l->holder;
				l->holder = l->kind == LOT_CONCENTRATE
					? FIRST_PROCESSOR + draw(&rng, CUSTODY_PROCESSORS)
					: FIRST_MANUFACTURER +
					  draw(&rng, CUSTODY_MANUFACTURERS);
				p->to = l->holder;
				transit_q[ntransit++] = p->lot;
			} else if ((u -= nship) < ntransit) {
				const lot_rec *l = &g->lots[transit_q[u]];

				p->type = MLEDGER_EV_LOT_RECEIVE;
				p->lot = transit_q[u];
				transit_q[u] = transit_q[--ntransit];
				signer = l->holder;
				if (l->kind == LOT_CONCENTRATE) {
					uint32_t k = signer - FIRST_PROCESSOR;

					held[k][nheld[k]++] = p->lot;
					if (nheld[k] == CUSTODY_BATCH) {
						work[nwork].actor = signer;
						work[nwork].n = CUSTODY_BATCH;
						memcpy(work[nwork].in, held[k],
						       sizeof(held[k]));
						nwork++;
						nheld[k] = 0;
					}
				} else {
					work[nwork].actor = signer;
					work[nwork].n = 1;
					work[nwork].in[0] = p->lot;
					nwork++;
				}
			} else {
				pending w = work[u -= ntransit];
				lot_rec *out = &g->lots[g->nlots];
				uint64_t li = 0;

				work[u] = work[--nwork];
				/* Every input whole, and all of its lithium in
				 * the output: the balance holds with the ppm
				 * rounded down. */
				for (uint8_t k = 0; k < w.n; k++)
					li += g->lots[w.in[k]].mass_g *
					      g->lots[w.in[k]].ppm;
				out->kind = (uint8_t)(g->lots[w.in[0]].kind + 1);
				out->mass_g = li / lot_kinds[out->kind].li_ppm;
				out->ppm = (uint32_t)(li / out->mass_g);
				out->holder = w.actor;
				signer = w.actor;
				p->type = MLEDGER_EV_LOT_TRANSFORM;
				p->lot = (uint32_t)g->nlots++;
				p->ninputs = w.n;
				memcpy(p->inputs, w.in, sizeof(w.in));
				/* Cathode stays at the plant that made it. */
				if (out->kind == LOT_HYDROXIDE)
					ship_q[nship++] = p->lot;
			}
		}
		p->signer = signer;
		p->signer_key = g->actors[signer].key;
		p->actor_seq = g->actors[signer].next_seq++;
		g->ntype[p->type]++;
	}
	/* Every actor signs lot events: keep all the keys rather than derive
	 * one per event. */
	g->nsigners = g->nkeys;
	rc = 0;
done:
	free(ship_q);
	free(transit_q);
	free(work);
	return rc;
}

static void actor_id(char *buf, size_t size, const gen *g, uint32_t idx)
{
	const actor *a = &g->actors[idx];

	if (a->kind == KIND_OPERATOR)
		snprintf(buf, size, "operator");
	else
		snprintf(buf, size, "%c%c.bench-%s-%06" PRIu32,
			 countries[a->country][0] + 'a' - 'A',
			 countries[a->country][1] + 'a' - 'A',
			 kind_names[a->kind], idx);
}

static uint32_t kind_roles(uint8_t kind, uint64_t *rng)
{
	switch (kind) {
	case KIND_REGISTRAR: return MLEDGER_ROLE_REGISTRAR;
	case KIND_MINER: return MLEDGER_ROLE_MINER;
	case KIND_PROCESSOR:
		/* Some refiners also make precursor or cathode. */
		return MLEDGER_ROLE_PROCESSOR |
		       (draw(rng, 4) == 0 ? MLEDGER_ROLE_MANUFACTURER : 0u);
	case KIND_MANUFACTURER: return MLEDGER_ROLE_MANUFACTURER;
	case KIND_RECYCLER:
		return MLEDGER_ROLE_RECYCLER |
		       (draw(rng, 2) == 0 ? MLEDGER_ROLE_PROCESSOR : 0u);
	default: return MLEDGER_ROLE_CARRIER;
	}
}

static void set_pub(mledger_pubkey *k, const gen *g, uint32_t key)
{
	memset(k, 0, sizeof(*k));
	k->alg = MLEDGER_ALG_ED25519;
	k->len = 32;
	memcpy(k->pub, g->pubs[key], 32);
}

/* Phase 1: the public key of key index i. */
static void derive_one(gen *g, size_t i)
{
	mledger_key *key = NULL;
	size_t len;
	uint8_t pub[MLEDGER_PUBKEY_MAX];

	if (key_make(&key, g->seed, i) < 0 ||
	    mledger_key_public(pub, &len, key) < 0 || len != 32) {
		fail(g, "deriving a key");
		mledger_key_free(key);
		return;
	}
	memcpy(g->pubs[i], pub, 32);
	if (i < g->nsigners)
		g->signers[i] = key;
	else
		mledger_key_free(key);
}

/* What a lot event points into while it is signed. */
typedef struct lot_text {
	char lot[LOT_ID_MAX];
	char to[ACTOR_ID_MAX];
	char site[ACTOR_ID_MAX + 8];
	char ref[32];
	char inputs[CUSTODY_BATCH][LOT_ID_MAX];
	mledger_lot_input in[CUSTODY_BATCH];
	mledger_lot_output out;
	mledger_element li;
} lot_text;

static void lot_id(char *buf, size_t size, uint32_t lot)
{
	snprintf(buf, size, "bench-lot-%08" PRIu32, lot);
}

/* Fill in lot event p of the custody mix; ev->actor is its signer. */
static void lot_event(mledger_event *ev, lot_text *t, const gen *g,
		      const planned *p, size_t at)
{
	const lot_rec *l = &g->lots[p->lot];
	const char *cc = countries[g->actors[p->signer].country];

	lot_id(t->lot, sizeof(t->lot), p->lot);
	/* The one facility each custody actor is enrolled with. */
	snprintf(t->site, sizeof(t->site), "%s.site-1", ev->actor);
	memcpy(t->li.symbol, "Li", 3);
	t->li.ppm = l->ppm;
	switch (p->type) {
	case MLEDGER_EV_LOT_REGISTER: {
		mledger_ev_register *r = &ev->u.reg;

		r->lot = t->lot;
		r->material = lot_kinds[l->kind].material;
		r->mass_g = l->mass_g;
		r->content = &t->li;
		r->ncontent = 1;
		r->origin = MLEDGER_ORIGIN_EXTRACTION;
		memcpy(r->country, cc, 3);
		r->site = t->site;
		break;
	}
	case MLEDGER_EV_LOT_SHIP:
		actor_id(t->to, sizeof(t->to), g, p->to);
		snprintf(t->ref, sizeof(t->ref), "BL-%08zu", at);
		ev->u.ship.lot = t->lot;
		ev->u.ship.to = t->to;
		ev->u.ship.ref = t->ref;
		break;
	case MLEDGER_EV_LOT_RECEIVE:
		/* All of it arrives: the lot was shipped whole. */
		ev->u.receive.lot = t->lot;
		ev->u.receive.mass_g = l->mass_g;
		break;
	default: {
		mledger_ev_transform *tr = &ev->u.transform;

		for (uint8_t k = 0; k < p->ninputs; k++) {
			lot_id(t->inputs[k], sizeof(t->inputs[k]), p->inputs[k]);
			t->in[k].lot = t->inputs[k];
			t->in[k].mass_g = g->lots[p->inputs[k]].mass_g;
		}
		memset(&t->out, 0, sizeof(t->out));
		t->out.lot = t->lot;
		t->out.material = lot_kinds[l->kind].material;
		t->out.mass_g = l->mass_g;
		t->out.content = &t->li;
		t->out.ncontent = 1;
		tr->inputs = t->in;
		tr->ninputs = p->ninputs;
		tr->outputs = &t->out;
		tr->noutputs = 1;
		tr->facility = t->site;
		memcpy(tr->country, cc, 3);
		if (l->kind == LOT_HYDROXIDE) {
			tr->stage = MLEDGER_STAGE_REFINING;
			/* The hydroxide holds only the named concentrate. */
			tr->model = MLEDGER_MODEL_SEGREGATED;
		} else {
			/* Cathode holds untraced metals too: no model. */
			tr->stage = MLEDGER_STAGE_CATHODE;
		}
		break;
	}
	}
}

/* Phase 2: sign event first + i into out[i]. */
static void sign_one(gen *g, size_t i)
{
	size_t at = g->first + i;
	const planned *p = &g->plan[at];
	const actor *a = &g->actors[p->subject];
	char signer_id[ACTOR_ID_MAX], id[ACTOR_ID_MAX];
	char name[MLEDGER_NAME_MAX];
	char fac_ids[3][MLEDGER_ID_MAX];
	mledger_facility facs[3];
	mledger_pubkey keys[2];
	lot_text lt;
	mledger_key *owned = NULL;
	const mledger_key *key;
	mledger_event ev;
	uint64_t rng = g->seed ^ ((uint64_t)p->subject << 20) ^ 0xac7042ull;

	memset(&ev, 0, sizeof(ev));
	actor_id(signer_id, sizeof(signer_id), g, p->signer);
	actor_id(id, sizeof(id), g, p->subject);
	ev.type = (mledger_event_type)p->type;
	ev.actor = signer_id;
	ev.actor_seq = p->actor_seq;
	ev.time = BASE_TIME + (uint64_t)at;
	if (p->type == MLEDGER_EV_ACTOR_ENROLL) {
		mledger_actor_record *r = &ev.u.enroll.subject;
		size_t nfac = 0;

		r->id = id;
		r->roles = kind_roles(a->kind, &rng);
		memcpy(r->country, countries[a->country], 3);
		/* The custody mix's lot events name site 1 in the actor's
		 * country: it enrols just that one. */
		if (g->custody)
			nfac = 1;
		else if (a->kind != KIND_REGISTRAR)
			nfac = 1 + draw(&rng, 3);
		for (size_t f = 0; f < nfac; f++) {
			/* Mostly at home; now and then a site abroad. */
			uint32_t cc = g->custody ? a->country
				: draw(&rng, 5) == 0
				? draw(&rng, NCOUNTRIES) : a->country;

			snprintf(fac_ids[f], sizeof(fac_ids[f]), "%s.site-%zu",
				 id, f + 1);
			facs[f].id = fac_ids[f];
			memcpy(facs[f].country, countries[cc], 3);
		}
		r->facilities = facs;
		r->nfacilities = nfac;
		if (a->kind != KIND_REGISTRAR && draw(&rng, 10) == 0) {
			/* A foreign parent: a FEOC check will look at it. */
			memcpy(r->owner_country,
			       countries[draw(&rng, 3) == 0 ? 6 : draw(&rng, NCOUNTRIES)],
			       3);
			r->owner_share_bp = 1000 + draw(&rng, 9001);
			r->state_owned = draw(&rng, 3) == 0;
		}
		snprintf(name, sizeof(name), "Bench %s %" PRIu32 " (%s)",
			 kind_names[a->kind], p->subject, countries[a->country]);
		r->name = name;
		for (uint8_t k = 0; k < p->nkeys; k++)
			set_pub(&keys[k], g, p->new_key + k);
		r->keys = keys;
		r->nkeys = p->nkeys;
	} else if (p->type == MLEDGER_EV_ACTOR_REKEY) {
		ev.u.rekey.subject = id;
		set_pub(&ev.u.rekey.add, g, p->new_key);
		ev.u.rekey.has_retire = true;
		if (mledger_kid_compute(ev.u.rekey.retire, MLEDGER_ALG_ED25519,
					g->pubs[p->signer_key], 32) < 0) {
			fail(g, "computing a key id");
			return;
		}
	} else {
		lot_event(&ev, &lt, g, p, at);
	}
	if (p->signer_key < g->nsigners) {
		key = g->signers[p->signer_key];
	} else if (key_make(&owned, g->seed, p->signer_key) < 0) {
		fail(g, "deriving a signing key");
		return;
	} else {
		key = owned;
	}
	if (mledger_event_sign(&g->out[i], &g->out_len[i], &ev, key) < 0) {
		char what[64];

		snprintf(what, sizeof(what), "signing event %zu", at);
		fail(g, what);
	}
	mledger_key_free(owned);
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wx");

	if (f == NULL) {
		fprintf(stderr, "bench_gen: cannot create %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	fputs(text, f);
	if (fclose(f) != 0) {
		fprintf(stderr, "bench_gen: cannot write %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Sign events [first, first + n) and write them to path. */
static int write_file(gen *g, const char *path, size_t first, size_t n,
		      unsigned threads)
{
	FILE *f;
	int rc = 0;

	g->first = first;
	memset(g->out, 0, n * sizeof(*g->out));
	parallel(g, n, threads, sign_one);
	if (atomic_load(&g->failed)) {
		fprintf(stderr, "bench_gen: %s\n", g->message);
		rc = -1;
		goto done;
	}
	if ((f = fopen(path, "wbx")) == NULL) {
		fprintf(stderr, "bench_gen: cannot create %s: %s\n", path,
			strerror(errno));
		rc = -1;
		goto done;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		if (fwrite(g->out[i], 1, g->out_len[i], f) != g->out_len[i])
			rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "bench_gen: cannot write %s: %s\n", path,
			strerror(errno));
done:
	for (size_t i = 0; i < n; i++)
		free(g->out[i]);
	return rc;
}

static int parse_u64(uint64_t *out, const char *s, uint64_t max)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_gen [--seed S] [--singles K] [--mix actors|custody] DIR N\n");
	return 2;
}

int main(int argc, char **argv)
{
	gen g;
	uint64_t n = 0, seed = 1, singles = 0;
	const char *dir = NULL;
	char path[4096], origin[128];
	size_t nfiles;
	long cores;
	unsigned threads;
	int npos = 0, rc = 1;
	bool custody = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			if (parse_u64(&seed, argv[++i], UINT64_MAX) < 0) {
				fprintf(stderr, "bench_gen: --seed must be an unsigned integer, not %s\n",
					argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--singles") == 0 && i + 1 < argc) {
			if (parse_u64(&singles, argv[++i], EVENTS_MAX) < 0) {
				fprintf(stderr, "bench_gen: --singles must be 0..%lu, not %s\n",
					EVENTS_MAX, argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--mix") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "custody") == 0) {
				custody = true;
			} else if (strcmp(argv[i], "actors") != 0) {
				fprintf(stderr, "bench_gen: --mix must be actors or custody, not %s\n",
					argv[i]);
				return 2;
			}
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return usage();
		} else if (npos == 0) {
			dir = argv[i];
			npos++;
		} else if (npos == 1) {
			if (parse_u64(&n, argv[i], EVENTS_MAX) < 0 || n == 0) {
				fprintf(stderr, "bench_gen: N must be 1..%lu, not %s\n",
					EVENTS_MAX, argv[i]);
				return 2;
			}
			npos++;
		} else {
			return usage();
		}
	}
	if (npos != 2)
		return usage();
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "bench_gen: cannot create %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	threads = cores < 1 ? 1u : cores > THREADS_MAX ? THREADS_MAX
						       : (unsigned)cores;

	memset(&g, 0, sizeof(g));
	pthread_mutex_init(&g.lock, NULL);
	atomic_init(&g.failed, 0);
	g.seed = seed;
	g.nevents = (size_t)(n + singles);
	g.custody = custody;
	if ((custody ? plan_custody(&g) : plan_make(&g)) < 0)
		goto nomem;
	g.pubs = calloc(g.nkeys, sizeof(*g.pubs));
	g.signers = calloc(g.nsigners, sizeof(*g.signers));
	g.out = calloc(EVENTS_PER_FILE, sizeof(*g.out));
	g.out_len = calloc(EVENTS_PER_FILE, sizeof(*g.out_len));
	if (g.pubs == NULL || g.signers == NULL || g.out == NULL ||
	    g.out_len == NULL)
		goto nomem;
	parallel(&g, g.nkeys, threads, derive_one);
	if (atomic_load(&g.failed)) {
		fprintf(stderr, "bench_gen: %s\n", g.message);
		goto done;
	}

	snprintf(path, sizeof(path), "%s/operator.key", dir);
	if (mledger_key_save_private(g.signers[0], path) < 0) {
		fprintf(stderr, "bench_gen: %s\n", mledger_error_last());
		goto done;
	}
	snprintf(origin, sizeof(origin),
		 "bench.mineral-ledger.example/seed-%" PRIu64 "\n", seed);
	snprintf(path, sizeof(path), "%s/genesis-origin.txt", dir);
	if (write_text(path, origin) < 0)
		goto done;
	nfiles = (size_t)((n + EVENTS_PER_FILE - 1) / EVENTS_PER_FILE);
	for (size_t f = 0; f < nfiles; f++) {
		size_t first = f * EVENTS_PER_FILE, m = (size_t)n - first;

		if (m > EVENTS_PER_FILE)
			m = EVENTS_PER_FILE;
		snprintf(path, sizeof(path), "%s/events-%04zu.mle", dir, f);
		if (write_file(&g, path, first, m, threads) < 0)
			goto done;
	}
	for (size_t k = 0; k < (size_t)singles; k++) {
		snprintf(path, sizeof(path), "%s/single-%04zu.mle", dir, k);
		if (write_file(&g, path, (size_t)n + k, 1, 1) < 0)
			goto done;
	}
	printf("bench_gen: %" PRIu64 " events in %zu files and %" PRIu64
	       " single events (%zu actors, %zu keys) in %s\n",
	       n, nfiles, singles, g.nactors, g.nkeys, dir);
	if (custody)
		printf("bench_gen: custody mix: %zu actor.enroll, %zu lot.register, %zu lot.ship, %zu lot.receive, %zu lot.transform (%zu lots)\n",
		       g.ntype[MLEDGER_EV_ACTOR_ENROLL],
		       g.ntype[MLEDGER_EV_LOT_REGISTER],
		       g.ntype[MLEDGER_EV_LOT_SHIP],
		       g.ntype[MLEDGER_EV_LOT_RECEIVE],
		       g.ntype[MLEDGER_EV_LOT_TRANSFORM], g.nlots);
	rc = 0;
	goto done;
nomem:
	fprintf(stderr, "bench_gen: out of memory\n");
done:
	for (size_t i = 0; g.signers != NULL && i < g.nsigners; i++)
		mledger_key_free(g.signers[i]);
	free(g.signers);
	free(g.pubs);
	free(g.out);
	free(g.out_len);
	free(g.plan);
	free(g.lots);
	free(g.actors);
	pthread_mutex_destroy(&g.lock);
	return rc;
}
