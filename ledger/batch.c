/*
 * The parallel half of append and verify. Decoding and signature checks are
 * independent per event and take nearly all the time, so they run on every
 * core; key resolution is ordered (an enrolment earlier in the batch makes a
 * key known) and cheap, so it runs on the calling thread.
 */
#include "batch.h"

#include "codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"

void mledger_item_fail(mledger_item *it, int error)
{
	it->error = error;
	snprintf(it->message, sizeof(it->message), "%s", mledger_error_last());
}

void mledger_item_decode(mledger_item *it)
{
	int error;

	if ((error = mledger_signed_parse(&it->sev, it->data, it->len)) < 0 ||
	    (error = mledger_event_decode(&it->ev, it->sev.body,
					  it->sev.body_len)) < 0)
		mledger_item_fail(it, error);
}

static void decode_one(void *ctx, size_t i)
{
	mledger_item_decode(&((mledger_item *)ctx)[i]);
}

void mledger_batch_decode(mledger_item *items, size_t n, unsigned threads)
{
	mledger_parallel_for(n, threads, decode_one, items);
}

void mledger_batch_decode_start(mledger_job *job, mledger_item *items,
				size_t n, unsigned threads)
{
	mledger_job_start(job, n, threads, decode_one, items);
}

/* Cache the keys an event introduces, so later events can be checked. */
static int add_introduced(mledger_keycache *c, const mledger_event *ev)
{
	const mledger_pubkey *keys = NULL;
	size_t n = 0;

	switch (ev->type) {
	case MLEDGER_EV_GENESIS:
		keys = ev->u.genesis.operator_.keys;
		n = ev->u.genesis.operator_.nkeys;
		break;
	case MLEDGER_EV_ACTOR_ENROLL:
		keys = ev->u.enroll.subject.keys;
		n = ev->u.enroll.subject.nkeys;
		break;
	case MLEDGER_EV_ACTOR_REKEY:
		keys = &ev->u.rekey.add;
		n = 1;
		break;
	default:
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t kid[MLEDGER_KID_BYTES];
		int error;

		if ((error = mledger_kid_compute(kid, keys[i].alg, keys[i].pub,
						 keys[i].len)) < 0)
			return error;
		/* Noted, parsed only if it signs; bad bytes are refused by the
		 * rules when the event that introduces them is applied. */
		if (mledger_keycache_note(c, kid, &keys[i]) == MLEDGER_ENOMEM)
			return MLEDGER_ENOMEM;
	}
	return 0;
}

static int resolve_one(const mledger_key **out, mledger_keycache *c,
		       const mledger_state *st,
		       const uint8_t kid[MLEDGER_KID_BYTES])
{
	mledger_key_state ks;
	int error;

	if ((*out = mledger_keycache_find(c, kid)) != NULL)
		return 0;
	if (st == NULL)
		return 0;
	error = mledger_state_key_get(&ks, st, kid);
	if (error == MLEDGER_ENOTFOUND)
		return 0;
	if (error < 0)
		return error;
	return mledger_keycache_add(out, c, kid, &ks.pub);
}

int mledger_batch_resolve(mledger_item *items, size_t n, mledger_keycache *c,
			  const mledger_state *st)
{
	int error;

	for (size_t i = 0; i < n; i++) {
		mledger_item *it = &items[i];

		if (it->error)
			continue;
		if ((error = add_introduced(c, it->ev)) < 0 ||
		    (error = resolve_one(&it->key, c, st, it->sev.kid)) < 0)
			return error;
	}
	return 0;
}

/*
 * Verify the item's signature with its resolved key. Only EBADSIG is a
 * verdict on the event; running out of memory or a failing crypto library
 * is reported as what it is, not as a forged signature.
 */
static int check_sig(mledger_item *it)
{
	char hex[2 * MLEDGER_KID_BYTES + 1];
	int error = mledger_signed_verify(&it->sev, it->key);

	if (error == 0) {
		it->sig_checked = true;
		return 0;
	}
	if (error != MLEDGER_EBADSIG)
		return error;
	mledger_hex(hex, it->sev.kid, MLEDGER_KID_BYTES);
	return mledger_error_set(MLEDGER_EBADSIG,
		"%s by %s: signature does not verify with key %s",
		mledger_event_type_name(it->ev->type), it->ev->actor, hex);
}

/* A signature fault, kept in the item for whoever reports it in order. */
static void sig_fail(mledger_item *it, int error)
{
	it->sig_error = error;
	snprintf(it->message, sizeof(it->message), "%s", mledger_error_last());
}

static void verify_one(void *ctx, size_t i)
{
	mledger_item *it = &((mledger_item *)ctx)[i];
	int error;

	if (!it->async || it->sig_checked || it->sig_error)
		return;
	if ((error = check_sig(it)) < 0)
		sig_fail(it, error);
}

void mledger_sigjob_start(mledger_sigjob *j, mledger_item *items, size_t n,
			  unsigned threads)
{
	for (size_t i = 0; i < n; i++) {
		mledger_item *it = &items[i];

		it->async = it->error == 0 && it->key != NULL &&
			    !it->sig_checked && it->sig_error == 0;
	}
	j->items = items;
	j->n = n;
	mledger_job_start(&j->job, n, threads, verify_one, items);
}

size_t mledger_sigjob_finish(mledger_sigjob *j, size_t upto)
{
	if (upto > j->n)
		upto = j->n;
	mledger_job_finish(&j->job, upto);
	for (size_t i = 0; i < upto; i++)
		if (j->items[i].sig_error)
			return i;
	return upto;
}

void mledger_batch_verify(mledger_item *items, size_t n, unsigned threads)
{
	mledger_sigjob j;

	mledger_sigjob_start(&j, items, n, threads);
	mledger_sigjob_finish(&j, n);
}

int mledger_item_ensure_signed(mledger_item *it, mledger_keycache *c,
			       const mledger_state *st)
{
	char hex[2 * MLEDGER_KID_BYTES + 1];
	int error;

	if (it->sig_checked)
		return 0;
	if (it->sig_error)
		return mledger_error_set(it->sig_error, "%s", it->message);
	if (it->key == NULL) {
		if ((error = resolve_one(&it->key, c, st, it->sev.kid)) < 0)
			return error;
		if (it->key == NULL) {
			mledger_hex(hex, it->sev.kid, MLEDGER_KID_BYTES);
			return mledger_error_set(MLEDGER_EKEY,
				"%s by %s is signed with key %s, which the ledger does not know",
				mledger_event_type_name(it->ev->type),
				it->ev->actor, hex);
		}
	}
	return check_sig(it);
}

void mledger_batch_free(mledger_item *items, size_t n)
{
	if (items == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		mledger_event_free(items[i].ev);
	free(items);
}
