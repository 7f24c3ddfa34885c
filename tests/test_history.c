/*
 * Randomised custody histories: a model of actors and lots generates long
 * valid histories (registrations, shipments, receipts, transforms,
 * adjustments), appended in random batch sizes; verify must pass and the
 * stored lot state must match the model. Invalid events made by breaking one
 * rule of an otherwise valid event are inserted anywhere and must be
 * rejected without changing the ledger.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define NACTORS 12
#define MAXLOTS 4096

typedef struct mlot {
	char id[32];
	int custodian;            /* actor index */
	int receiver;             /* -1 unless in transit */
	uint64_t remaining;
	uint32_t li_ppm;          /* the one element the model tracks */
	uint64_t last_time;
	bool consumed;
} mlot;

typedef struct model {
	fx_actor actors[NACTORS];
	char ids[NACTORS][32];
	uint32_t roles[NACTORS];
	char facility[NACTORS][16];
	mlot lots[MAXLOTS];
	int nlots;
	uint64_t time;
	unsigned rng;
} model;

static char *dir;
static fx_actor op;
static mledger_ledger *ledger;
static model *m;

static unsigned rnd(unsigned n)
{
	/* xorshift: reproducible per seed, independent of libc's rand(). */
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 17;
	m->rng ^= m->rng << 5;
	return n ? m->rng % n : 0;
}

static void setup(void)
{
	dir = fx_tmpdir();
	op = (fx_actor){"operator", fx_key(1), 1};
	ledger = fx_ledger(dir, &op);
	m = calloc(1, sizeof(*m));
	cr_assert_not_null(m);
}

static void teardown(void)
{
	for (int i = 0; i < NACTORS; i++)
		mledger_key_free(m->actors[i].key);
	free(m);
	mledger_ledger_close(ledger);
	mledger_key_free(op.key);
	fx_rmdir(dir);
}

TestSuite(history, .init = setup, .fini = teardown, .timeout = 300);

static void enroll_all(void)
{
	static const uint32_t kinds[] = {MLEDGER_ROLE_MINER,
		MLEDGER_ROLE_PROCESSOR, MLEDGER_ROLE_MANUFACTURER,
		MLEDGER_ROLE_RECYCLER | MLEDGER_ROLE_MINER};

	for (int i = 0; i < NACTORS; i++) {
		mledger_pubkey pk;
		mledger_facility f;
		mledger_event ev;
		fx_bytes b;

		snprintf(m->ids[i], sizeof(m->ids[i]), "actor-%02d", i);
		snprintf(m->facility[i], sizeof(m->facility[i]), "site-%02d", i);
		m->actors[i] = (fx_actor){m->ids[i], fx_key((uint8_t)(100 + i)), 1};
		m->roles[i] = kinds[i % 4];
		memset(&ev, 0, sizeof(ev));
		ev.type = MLEDGER_EV_ACTOR_ENROLL;
		ev.u.enroll.subject = fx_record(m->ids[i], m->roles[i], &pk,
						m->actors[i].key);
		f.id = m->facility[i];
		memcpy(f.country, i % 3 ? "CA" : "CN", 3);
		ev.u.enroll.subject.facilities = &f;
		ev.u.enroll.subject.nfacilities = 1;
		b = fx_sign(&op, &ev);
		cr_assert_eq(fx_submit1(ledger, b), 0, "%s", mledger_error_last());
		free(b.data);
	}
}

static const char *country_of(int a)
{
	return a % 3 ? "CA" : "CN";
}

/* Active lots held by actor a that can give mass. */
static int pick_lot(int a)
{
	int cand[64], n = 0;

	for (int i = 0; i < m->nlots && n < 64; i++) {
		int j = m->nlots - 1 - i;

		if (m->lots[j].custodian == a && m->lots[j].receiver < 0 &&
		    !m->lots[j].consumed)
			cand[n++] = j;
	}
	return n ? cand[rnd((unsigned)n)] : -1;
}

/* One valid event and the model update it makes, or NULL if none fits. */
typedef struct step {
	mledger_event ev;
	mledger_lot_input in;
	mledger_lot_output out;
	mledger_element el;
	int actor;
	void (*commit)(struct step *s);
	int lot, newlot;
	uint64_t mass;
	int to;
} step;

static void commit_register(step *s)
{
	mlot *l = &m->lots[s->newlot];

	l->custodian = s->actor;
	l->receiver = -1;
	l->remaining = s->mass;
	l->li_ppm = s->el.ppm;
	l->last_time = m->time;
	m->nlots++;
}

static void commit_ship(step *s)
{
	m->lots[s->lot].receiver = s->to;
	m->lots[s->lot].last_time = m->time;
}

static void commit_receive(step *s)
{
	mlot *l = &m->lots[s->lot];

	l->custodian = l->receiver;
	l->receiver = -1;
	l->remaining = s->mass;
	l->last_time = m->time;
}

static void commit_take(step *s)
{
	mlot *l = &m->lots[s->lot];

	l->remaining -= s->mass;
	l->consumed = l->remaining == 0;
	l->last_time = m->time;
}

/* Input mass taken, then the output lot made with the output's mass. */
static void commit_transform(step *s)
{
	commit_take(s);
	s->mass = s->out.mass_g;
	commit_register(s);
}

static bool make_step(step *s)
{
	int a = (int)rnd(NACTORS);
	unsigned kind = rnd(10);

	memset(s, 0, sizeof(*s));
	s->actor = a;
	s->ev.time = m->time;
	if (kind < 2 && (m->roles[a] & MLEDGER_ROLE_MINER) &&
	    m->nlots < MAXLOTS) {
		s->newlot = m->nlots;
		snprintf(m->lots[s->newlot].id, 32, "L%05d", s->newlot);
		s->mass = 1000 + rnd(1000000);
		s->el = (mledger_element){"Li", 1000 + rnd(100000)};
		s->ev.type = MLEDGER_EV_LOT_REGISTER;
		s->ev.u.reg.lot = m->lots[s->newlot].id;
		s->ev.u.reg.material = "ore";
		s->ev.u.reg.mass_g = s->mass;
		s->ev.u.reg.content = &s->el;
		s->ev.u.reg.ncontent = 1;
		s->ev.u.reg.origin = (m->roles[a] & MLEDGER_ROLE_RECYCLER) &&
				     rnd(2) ? MLEDGER_ORIGIN_RECYCLING
					    : MLEDGER_ORIGIN_EXTRACTION;
		memcpy(s->ev.u.reg.country, country_of(a), 3);
		s->ev.u.reg.site = m->facility[a];
		s->commit = commit_register;
		return true;
	}
	/* A lot in transit to a: receive it. */
	for (int i = 0; i < m->nlots; i++) {
		if (m->lots[i].receiver == a && kind < 6) {
			s->lot = i;
			s->mass = m->lots[i].remaining - rnd(2) *
				  rnd((unsigned)(m->lots[i].remaining / 100 + 1));
			s->ev.type = MLEDGER_EV_LOT_RECEIVE;
			s->ev.u.receive.lot = m->lots[i].id;
			s->ev.u.receive.mass_g = s->mass;
			s->commit = commit_receive;
			return true;
		}
	}
	s->lot = pick_lot(a);
	if (s->lot < 0)
		return false;
	if (kind < 6) {
		s->to = (a + 1 + (int)rnd(NACTORS - 1)) % NACTORS;
		s->ev.type = MLEDGER_EV_LOT_SHIP;
		s->ev.u.ship.lot = m->lots[s->lot].id;
		s->ev.u.ship.to = m->ids[s->to];
		s->commit = commit_ship;
		return true;
	}
	s->mass = 1 + rnd((unsigned)(m->lots[s->lot].remaining < 1000000
				     ? m->lots[s->lot].remaining : 1000000));
	if (kind < 8 && (m->roles[a] & (MLEDGER_ROLE_PROCESSOR |
					MLEDGER_ROLE_MANUFACTURER |
					MLEDGER_ROLE_RECYCLER)) &&
	    m->nlots < MAXLOTS) {
		/*
		 * Out mass x ppm may be anything up to in mass x ppm; inputs
		 * hold at least 1000 ppm, so the quotient is at least 1000.
		 */
		uint64_t li_in = s->mass * m->lots[s->lot].li_ppm;
		uint64_t out_g = 1 + rnd((unsigned)s->mass);
		uint64_t ppm = li_in / out_g;

		s->newlot = m->nlots;
		snprintf(m->lots[s->newlot].id, 32, "L%05d", s->newlot);
		s->el = (mledger_element){"Li",
			(uint32_t)(ppm > MLEDGER_PPM ? MLEDGER_PPM : ppm)};
		s->in = (mledger_lot_input){m->lots[s->lot].id, s->mass};
		s->out = (mledger_lot_output){m->lots[s->newlot].id, "product",
			out_g, &s->el, 1, NULL, false, 0};
		s->ev.type = MLEDGER_EV_LOT_TRANSFORM;
		s->ev.u.transform.inputs = &s->in;
		s->ev.u.transform.ninputs = 1;
		s->ev.u.transform.outputs = &s->out;
		s->ev.u.transform.noutputs = 1;
		s->ev.u.transform.stage = (m->roles[a] & MLEDGER_ROLE_RECYCLER)
			? MLEDGER_STAGE_RECYCLING : MLEDGER_STAGE_REFINING;
		s->ev.u.transform.facility = m->facility[a];
		memcpy(s->ev.u.transform.country, country_of(a), 3);
		s->commit = commit_transform;
		return true;
	}
	s->ev.type = MLEDGER_EV_LOT_ADJUST;
	s->ev.u.adjust.lot = m->lots[s->lot].id;
	s->ev.u.adjust.kind = MLEDGER_ADJUST_LOSS;
	s->ev.u.adjust.mass_g = s->mass;
	s->commit = commit_take;
	return true;
}

/* Compare every model lot with the ledger's state. */
static void check_state(void)
{
	for (int i = 0; i < m->nlots; i++) {
		mledger_lot *lot = NULL;
		const mlot *e = &m->lots[i];

		cr_assert_eq(mledger_lot_get(&lot, ledger, e->id), 0, "%s",
			     mledger_error_last());
		cr_assert_eq(lot->remaining_g, e->remaining, "lot %s", e->id);
		cr_assert_str_eq(lot->custodian, m->ids[e->custodian]);
		cr_assert_eq(lot->status, e->consumed ? MLEDGER_LOT_CONSUMED
				: e->receiver >= 0 ? MLEDGER_LOT_IN_TRANSIT
						   : MLEDGER_LOT_ACTIVE,
			     "lot %s", e->id);
		mledger_lot_free(lot);
	}
}

/*
 * Break one rule of a valid step: *key becomes the key to sign with.
 * Returns the code expected, or 0 if this step offers no such fault.
 */
static int corrupt(step *s, const mledger_key **key)
{
	switch (rnd(5)) {
	case 0:   /* signed in its name with another actor's key */
		*key = m->actors[(s->actor + 1) % NACTORS].key;
		return MLEDGER_EKEY;
	case 1:   /* replayed sequence number */
		s->ev.actor_seq = 1;
		return m->actors[s->actor].next_seq > 1 ? MLEDGER_EREPLAY : 0;
	case 2:   /* unknown lot */
		if (s->ev.type != MLEDGER_EV_LOT_SHIP)
			return 0;
		s->ev.u.ship.lot = "NO-SUCH-LOT";
		return MLEDGER_ENOTFOUND;
	case 3:   /* more mass than there is */
		if (s->ev.type != MLEDGER_EV_LOT_ADJUST)
			return 0;
		s->ev.u.adjust.mass_g = m->lots[s->lot].remaining + 1;
		return MLEDGER_EMASS;
	default:  /* dated before the lot's last event */
		if (s->ev.type != MLEDGER_EV_LOT_SHIP ||
		    m->lots[s->lot].last_time == 0)
			return 0;
		s->ev.time = m->lots[s->lot].last_time - 1;
		return MLEDGER_ETIME;
	}
}

/* Submit a broken copy of s alone: refused, nothing changes. */
static bool try_invalid(const step *s, unsigned seed)
{
	step bad = *s;
	const mledger_key *key = m->actors[s->actor].key;
	fx_head before;
	uint8_t *data = NULL;
	size_t len;
	int want, got;

	bad.ev.actor = m->ids[s->actor];
	bad.ev.actor_seq = m->actors[s->actor].next_seq;
	if ((want = corrupt(&bad, &key)) == 0)
		return false;
	cr_assert_eq(mledger_event_sign(&data, &len, &bad.ev, key), 0);
	before = fx_head_of(ledger);
	got = fx_submit1(ledger, (fx_bytes){data, len});
	cr_assert_eq(got, want, "seed %u: expected %s, got %s: %s", seed,
		     mledger_strerror(want), mledger_strerror(got),
		     mledger_error_last());
	cr_assert(fx_head_eq(before, fx_head_of(ledger)));
	free(data);
	return true;
}

/* Append the k signed events of batch in one submit. */
static void flush(fx_bytes *batch, int k, unsigned seed)
{
	const uint8_t *data[64];
	size_t lens[64];
	mledger_submit_result res;

	if (k == 0)
		return;
	for (int i = 0; i < k; i++) {
		data[i] = batch[i].data;
		lens[i] = batch[i].len;
	}
	cr_assert_eq(mledger_submit(&res, ledger, data, lens, (size_t)k, NULL),
		     0, "seed %u: %s", seed, mledger_error_last());
	mledger_submit_result_free(&res);
	for (int i = 0; i < k; i++)
		free(batch[i].data);
}

static void run_history(unsigned seed, int nevents, bool with_invalid)
{
	fx_bytes batch[64];
	int made = 0, rejected = 0;
	mledger_verify_result vr;

	m->rng = seed;
	m->time = FX_TIME;
	enroll_all();
	while (made < nevents) {
		int n = 1 + (int)rnd(64), k = 0;

		while (k < n && made < nevents) {
			step s;

			m->time += rnd(3);
			if (!make_step(&s))
				continue;
			if (with_invalid && rnd(20) == 0) {
				/* What came before must be in to judge it. */
				flush(batch, k, seed);
				k = 0;
				rejected += try_invalid(&s, seed);
			}
			batch[k++] = fx_sign(&m->actors[s.actor], &s.ev);
			s.commit(&s);
			made++;
		}
		flush(batch, k, seed);
	}
	check_state();
	cr_assert_eq(mledger_verify(&vr, ledger, NULL), 0, "seed %u: %s", seed,
		     mledger_error_last());
	if (with_invalid)
		cr_assert_gt(rejected, 5, "too few invalid events were tried");
}

Test(history, long_valid_histories)
{
	for (unsigned seed = 1; seed <= 2; seed++) {
		if (seed > 1) {
			teardown();
			setup();
		}
		run_history(seed * 2654435761u, 2500, false);
	}
}

Test(history, invalid_events_anywhere_change_nothing)
{
	run_history(977u, 2000, true);
}
