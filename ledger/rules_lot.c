/*
 * Custody rules: a lot is registered by a miner or recycler at one of its
 * own sites; only its custodian ships, transforms or adjusts it; only the
 * named receiver receives it; no lot gives more mass than it has; no element
 * comes out of a transform that did not go in; and no event on a lot is
 * dated before the lot's previous event. Every check comes before the first
 * write, so a rejected event leaves the state as it was.
 */
#include "rules.h"
#include "rules_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Element masses are mass_g x ppm: up to 2^50 x 2^20, summed over inputs. */
__extension__ typedef unsigned __int128 wide;

static const mledger_facility *find_facility(const mledger_actor_record *r,
					     const char *id)
{
	for (size_t i = 0; i < r->nfacilities; i++)
		if (strcmp(r->facilities[i].id, id) == 0)
			return &r->facilities[i];
	return NULL;
}

/* The signer's own facility, in the country the event states. */
static int check_facility(const mledger_actor_state *signer, const char *type,
			  const char *facility, const char *country)
{
	const mledger_facility *f = find_facility(&signer->pub.record, facility);

	if (f == NULL)
		return mledger_error_set(MLEDGER_ERULE,
			"%s: %s is not a facility of %s (enroll it with the actor)",
			type, facility, signer->pub.record.id);
	if (strcmp(f->country, country) != 0)
		return mledger_error_set(MLEDGER_ERULE,
			"%s: facility %s of %s is in %s, not %s", type, facility,
			signer->pub.record.id, f->country, country);
	return 0;
}

static int load_lot(mledger_lot_state **out, const mledger_state *st,
		    const char *type, const char *id)
{
	int error = mledger_state_lot_get(out, st, id);

	if (error == MLEDGER_ENOTFOUND)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"%s: lot %s is not in the ledger", type, id);
	return error;
}

static int check_new_lot(const mledger_state *st, const char *type,
			 const char *id)
{
	int error = mledger_state_lot_exists(st, id);

	if (error == 1)
		return mledger_error_set(MLEDGER_EEXISTS,
			"%s: lot %s already exists", type, id);
	return error;
}

/* The signer holds the lot, and the lot is with it (not shipped, not used). */
static int check_custody(const mledger_lot *lot, const char *type,
			 const char *signer)
{
	if (strcmp(lot->custodian, signer) != 0)
		return mledger_error_set(MLEDGER_ECUSTODY,
			"%s: lot %s is in the custody of %s, not %s", type,
			lot->id, lot->custodian, signer);
	if (lot->status == MLEDGER_LOT_IN_TRANSIT)
		return mledger_error_set(MLEDGER_ERULE,
			"%s: lot %s is in transit to %s", type, lot->id,
			lot->receiver);
	if (lot->status == MLEDGER_LOT_CONSUMED)
		return mledger_error_set(MLEDGER_EMASS,
			"%s: lot %s is consumed: 0 g remain", type, lot->id);
	return 0;
}

static int check_time(const mledger_lot *lot, const char *type, uint64_t time)
{
	if (time < lot->last_time)
		return mledger_error_set(MLEDGER_ETIME,
			"%s: event time %llu is before %llu, the time of lot %s's previous event",
			type, (unsigned long long)time,
			(unsigned long long)lot->last_time, lot->id);
	return 0;
}

static int check_take(const mledger_lot *lot, const char *type, uint64_t mass)
{
	if (mass > lot->remaining_g)
		return mledger_error_set(MLEDGER_EMASS,
			"%s: lot %s: %llu g requested, %llu g remain", type,
			lot->id, (unsigned long long)mass,
			(unsigned long long)lot->remaining_g);
	return 0;
}

/* Take mass from a lot that holds it (checked); consumed when empty. */
static void take(mledger_lot *lot, uint64_t mass, uint64_t time)
{
	lot->remaining_g -= mass;
	if (lot->remaining_g == 0)
		lot->status = MLEDGER_LOT_CONSUMED;
	lot->last_time = time;
}

static int put_and_index(const mledger_state *st, const mledger_lot *lot,
			 uint64_t seq)
{
	int error = mledger_state_lot_put(st, lot);

	if (error == 0)
		error = mledger_state_lot_event_add(st, lot->id, seq);
	return error;
}

static int apply_register(const mledger_state *st, uint64_t seq,
			  const mledger_event *ev,
			  const mledger_actor_state *signer)
{
	const mledger_ev_register *r = &ev->u.reg;
	const char *type = "lot.register";
	uint32_t need = r->origin == MLEDGER_ORIGIN_RECYCLING
		? MLEDGER_ROLE_RECYCLER : MLEDGER_ROLE_MINER;
	mledger_lot lot;
	int error;

	if (!(signer->pub.record.roles & need))
		return mledger_error_set(MLEDGER_EROLE,
			"%s: actor %s may not register a lot of %s origin: it needs the %s role",
			type, ev->actor, mledger_origin_name(r->origin),
			mledger_role_name(need));
	if ((error = check_facility(signer, type, r->site, r->country)) < 0 ||
	    (error = check_new_lot(st, type, r->lot)) < 0)
		return error;
	memset(&lot, 0, sizeof(lot));
	lot.id = r->lot;
	lot.material = r->material;
	lot.content = r->content;
	lot.ncontent = r->ncontent;
	lot.mass_g = lot.remaining_g = r->mass_g;
	lot.status = MLEDGER_LOT_ACTIVE;
	lot.custodian = ev->actor;
	lot.hts = r->hts;
	lot.has_value = r->has_value;
	lot.value_cents = r->value_cents;
	lot.created_seq = seq;
	lot.last_time = ev->time;
	return put_and_index(st, &lot, seq);
}

static int apply_ship(const mledger_state *st, uint64_t seq,
		      const mledger_event *ev)
{
	const char *type = "lot.ship";
	mledger_actor_state *to = NULL;
	mledger_lot_state *ls = NULL;
	int error;

	if ((error = load_lot(&ls, st, type, ev->u.ship.lot)) < 0 ||
	    (error = check_custody(&ls->pub, type, ev->actor)) < 0 ||
	    (error = check_time(&ls->pub, type, ev->time)) < 0)
		goto done;
	if (strcmp(ev->u.ship.to, ev->actor) == 0) {
		error = mledger_error_set(MLEDGER_ERULE,
			"%s: %s ships lot %s to itself", type, ev->actor,
			ev->u.ship.lot);
		goto done;
	}
	error = mledger_state_actor_get(&to, st, ev->u.ship.to);
	if (error == MLEDGER_ENOTFOUND)
		error = mledger_error_set(MLEDGER_ERULE,
			"%s: receiver %s is not an enrolled actor", type,
			ev->u.ship.to);
	else if (error == 0 && to->pub.revoked)
		error = mledger_error_set(MLEDGER_ERULE,
			"%s: receiver %s was revoked at entry %llu", type,
			ev->u.ship.to, (unsigned long long)to->pub.revoked_seq);
	if (error < 0)
		goto done;
	ls->pub.status = MLEDGER_LOT_IN_TRANSIT;
	ls->pub.receiver = ev->u.ship.to;
	ls->pub.last_time = ev->time;
	error = put_and_index(st, &ls->pub, seq);
done:
	mledger_actor_state_free(to);
	mledger_lot_state_free(ls);
	return error;
}

static int apply_receive(const mledger_state *st, uint64_t seq,
			 const mledger_event *ev)
{
	const char *type = "lot.receive";
	mledger_lot_state *ls = NULL;
	mledger_lot *lot;
	int error;

	if ((error = load_lot(&ls, st, type, ev->u.receive.lot)) < 0)
		return error;
	lot = &ls->pub;
	if (lot->status != MLEDGER_LOT_IN_TRANSIT ||
	    strcmp(lot->receiver, ev->actor) != 0) {
		error = lot->status == MLEDGER_LOT_IN_TRANSIT
			? mledger_error_set(MLEDGER_ECUSTODY,
				"%s: lot %s is in transit to %s, not to %s",
				type, lot->id, lot->receiver, ev->actor)
			: mledger_error_set(MLEDGER_ECUSTODY,
				"%s: lot %s is not in transit (it is %s with %s)",
				type, lot->id,
				mledger_lot_status_name(lot->status),
				lot->custodian);
		goto done;
	}
	if (ev->u.receive.mass_g > lot->remaining_g) {
		error = mledger_error_set(MLEDGER_EMASS,
			"%s: lot %s: %llu g received, only %llu g were shipped",
			type, lot->id, (unsigned long long)ev->u.receive.mass_g,
			(unsigned long long)lot->remaining_g);
		goto done;
	}
	if ((error = check_time(lot, type, ev->time)) < 0)
		goto done;
	/* What did not arrive is transit loss: the lot holds what did. */
	lot->remaining_g = ev->u.receive.mass_g;
	lot->custodian = ev->actor;
	lot->receiver = NULL;
	lot->status = MLEDGER_LOT_ACTIVE;
	lot->last_time = ev->time;
	error = put_and_index(st, lot, seq);
done:
	mledger_lot_state_free(ls);
	return error;
}

static void grams(char *buf, size_t size, wide micro)
{
	/* micro is grams x 10^6 (mass x ppm): print grams with 6 decimals. */
	wide whole = micro / MLEDGER_PPM;
	unsigned long frac = (unsigned long)(micro % MLEDGER_PPM);

	if (whole > UINT64_MAX)
		snprintf(buf, size, "more than 2^64 g");
	else if (frac == 0)
		snprintf(buf, size, "%llu g", (unsigned long long)whole);
	else
		snprintf(buf, size, "%llu.%06lu g", (unsigned long long)whole,
			 frac);
}

/* Per element: mass out of the transform never exceeds mass in. */
static int check_balance(const mledger_ev_transform *t,
			 mledger_lot_state *const *in)
{
	for (size_t o = 0; o < t->noutputs; o++) {
		for (size_t e = 0; e < t->outputs[o].ncontent; e++) {
			const char *sym = t->outputs[o].content[e].symbol;
			wide out = 0, got = 0;
			char a[48], b[48];

			/* Skip elements already summed for an earlier output. */
			bool seen = false;

			for (size_t p = 0; p < o && !seen; p++)
				for (size_t q = 0; q < t->outputs[p].ncontent; q++)
					if (strcmp(t->outputs[p].content[q].symbol,
						   sym) == 0)
						seen = true;
			if (seen)
				continue;
			for (size_t p = 0; p < t->noutputs; p++)
				for (size_t q = 0; q < t->outputs[p].ncontent; q++)
					if (strcmp(t->outputs[p].content[q].symbol,
						   sym) == 0)
						out += (wide)t->outputs[p].mass_g *
						       t->outputs[p].content[q].ppm;
			for (size_t i = 0; i < t->ninputs; i++)
				for (size_t q = 0; q < in[i]->pub.ncontent; q++)
					if (strcmp(in[i]->pub.content[q].symbol,
						   sym) == 0)
						got += (wide)t->inputs[i].mass_g *
						       in[i]->pub.content[q].ppm;
			if (out > got) {
				grams(a, sizeof(a), out);
				grams(b, sizeof(b), got);
				return mledger_error_set(MLEDGER_EMASS,
					"lot.transform: %s out (%s) exceeds %s in (%s)",
					sym, a, sym, b);
			}
		}
	}
	return 0;
}

static int apply_transform(const mledger_state *st, uint64_t seq,
			   const mledger_event *ev,
			   const mledger_actor_state *signer,
			   mledger_partial *partial)
{
	const mledger_ev_transform *t = &ev->u.transform;
	const char *type = "lot.transform";
	const uint32_t makers = MLEDGER_ROLE_PROCESSOR |
				MLEDGER_ROLE_MANUFACTURER |
				MLEDGER_ROLE_RECYCLER;
	mledger_lot_state **in;
	size_t absent = 0;
	int error = 0;

	if (!(signer->pub.record.roles & makers))
		return mledger_error_set(MLEDGER_EROLE,
			"%s: actor %s may not transform lots: it needs the processor, manufacturer or recycler role",
			type, ev->actor);
	if (t->stage == MLEDGER_STAGE_RECYCLING &&
	    !(signer->pub.record.roles & MLEDGER_ROLE_RECYCLER))
		return mledger_error_set(MLEDGER_EROLE,
			"%s: actor %s may not record a recycling step: it needs the recycler role",
			type, ev->actor);
	if ((error = check_facility(signer, type, t->facility, t->country)) < 0)
		return error;
	in = calloc(t->ninputs, sizeof(*in));
	if (in == NULL)
		return MLEDGER_NOMEM();
	for (size_t i = 0; i < t->ninputs && error == 0; i++) {
		/* Auditing a bundle: an input outside it is skipped (rules.h). */
		if (partial != NULL) {
			int held = mledger_state_lot_exists(st,
							    t->inputs[i].lot);

			if (held > 0 && partial->whole != NULL)
				held = partial->whole(partial->ctx,
						      t->inputs[i].lot);
			if (held < 0) {
				error = held;
				break;
			}
			if (held == 0) {
				absent++;
				continue;
			}
		}
		if ((error = load_lot(&in[i], st, type, t->inputs[i].lot)) < 0 ||
		    (error = check_custody(&in[i]->pub, type, ev->actor)) < 0 ||
		    (error = check_take(&in[i]->pub, type, t->inputs[i].mass_g)) < 0)
			break;
		error = check_time(&in[i]->pub, type, ev->time);
	}
	for (size_t o = 0; o < t->noutputs && error == 0; o++)
		error = check_new_lot(st, type, t->outputs[o].lot);
	if (error == 0 && absent == 0)
		error = check_balance(t, in);
	if (error == 0 && absent > 0)
		partial->count++;

	for (size_t i = 0; i < t->ninputs && error == 0; i++) {
		if (in[i] == NULL)
			continue;
		take(&in[i]->pub, t->inputs[i].mass_g, ev->time);
		error = put_and_index(st, &in[i]->pub, seq);
	}
	for (size_t o = 0; o < t->noutputs && error == 0; o++) {
		const mledger_lot_output *out = &t->outputs[o];
		mledger_lot lot;

		memset(&lot, 0, sizeof(lot));
		lot.id = out->lot;
		lot.material = out->material;
		lot.content = out->content;
		lot.ncontent = out->ncontent;
		lot.mass_g = lot.remaining_g = out->mass_g;
		lot.status = MLEDGER_LOT_ACTIVE;
		lot.custodian = ev->actor;
		lot.hts = out->hts;
		lot.has_value = out->has_value;
		lot.value_cents = out->value_cents;
		lot.created_seq = seq;
		lot.last_time = ev->time;
		error = put_and_index(st, &lot, seq);
	}
	for (size_t i = 0; i < t->ninputs; i++)
		mledger_lot_state_free(in[i]);
	free(in);
	return error;
}

static int apply_adjust(const mledger_state *st, uint64_t seq,
			const mledger_event *ev)
{
	const char *type = "lot.adjust";
	mledger_lot_state *ls = NULL;
	int error;

	if ((error = load_lot(&ls, st, type, ev->u.adjust.lot)) == 0 &&
	    (error = check_custody(&ls->pub, type, ev->actor)) == 0 &&
	    (error = check_take(&ls->pub, type, ev->u.adjust.mass_g)) == 0 &&
	    (error = check_time(&ls->pub, type, ev->time)) == 0) {
		take(&ls->pub, ev->u.adjust.mass_g, ev->time);
		error = put_and_index(st, &ls->pub, seq);
	}
	mledger_lot_state_free(ls);
	return error;
}

static int apply_attest(const mledger_state *st, uint64_t seq,
			const mledger_event *ev,
			const mledger_actor_state *signer)
{
	const mledger_ev_attest *a = &ev->u.attest;
	const char *type = "lot.attest";
	mledger_actor_state *owner = NULL;
	int error;

	if (!(signer->pub.record.roles & MLEDGER_ROLE_AUDITOR))
		return mledger_error_set(MLEDGER_EROLE,
			"%s: actor %s may not attest: it needs the auditor role",
			type, ev->actor);
	switch (a->target) {
	case MLEDGER_TARGET_LOT:
		error = mledger_state_lot_exists(st, a->id);
		if (error == 0)
			return mledger_error_set(MLEDGER_ENOTFOUND,
				"%s: lot %s is not in the ledger", type, a->id);
		if (error < 0)
			return error;
		return mledger_state_lot_event_add(st, a->id, seq);
	case MLEDGER_TARGET_ACTOR:
	case MLEDGER_TARGET_FACILITY: {
		const char *actor = a->target == MLEDGER_TARGET_ACTOR
			? a->id : a->owner;

		error = mledger_state_actor_get(&owner, st, actor);
		if (error == MLEDGER_ENOTFOUND)
			return mledger_error_set(MLEDGER_ENOTFOUND,
				"%s: actor %s is not enrolled", type, actor);
		if (error < 0)
			return error;
		if (a->target == MLEDGER_TARGET_FACILITY &&
		    find_facility(&owner->pub.record, a->id) == NULL)
			error = mledger_error_set(MLEDGER_ENOTFOUND,
				"%s: %s is not a facility of %s", type, a->id,
				actor);
		mledger_actor_state_free(owner);
		/* Indexed under the actor, for a facility its owner. */
		if (error == 0)
			error = mledger_state_subject_add(st, actor, seq);
		return error;
	}
	}
	return mledger_error_set(MLEDGER_ERULE, "%s: unknown target", type);
}

int mledger_rules_apply_lot(const mledger_state *st, uint64_t seq,
			    const mledger_event *ev,
			    const mledger_actor_state *signer,
			    mledger_partial *partial)
{
	switch (ev->type) {
	case MLEDGER_EV_LOT_REGISTER:
		return apply_register(st, seq, ev, signer);
	case MLEDGER_EV_LOT_SHIP:
		return apply_ship(st, seq, ev);
	case MLEDGER_EV_LOT_RECEIVE:
		return apply_receive(st, seq, ev);
	case MLEDGER_EV_LOT_TRANSFORM:
		return apply_transform(st, seq, ev, signer, partial);
	case MLEDGER_EV_LOT_ADJUST:
		return apply_adjust(st, seq, ev);
	case MLEDGER_EV_LOT_ATTEST:
		return apply_attest(st, seq, ev, signer);
	default:
		return mledger_error_set(MLEDGER_ERULE, "unexpected event type");
	}
}
