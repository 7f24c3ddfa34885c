/*
 * What export and audit share: which entries a bundle of a lot holds. Both
 * sides compute the same set, export over the ledger's state and audit over
 * the state replayed from the bundle, so an audit can tell a bundle that
 * holds exactly what its lot needs from one with entries left out of the
 * ancestry's indexes or swapped in from elsewhere (proto/bundles.md).
 */
#ifndef MLEDGER_BUNDLE_INT_H
#define MLEDGER_BUNDLE_INT_H

#include "mledger/bundle.h"

#include "state.h"

/*
 * The decoded event of entry seq, borrowed until the closure returns.
 * MLEDGER_ENOTFOUND when the caller has no such entry.
 */
typedef int (*mledger_bundle_event_fn)(void *ctx, uint64_t seq,
				       const mledger_event **ev);

/*
 * The seqs of the entries a bundle of trace's lot holds, ascending (*out
 * malloc'd): entry 0; every entry in the lot_events of every lot of the
 * trace; and, for every actor any of these entries names (signer, receiver
 * of a shipment, subject of a registry event, actor or facility owner an
 * attestation is about), every entry in its subjects, closed under the
 * same rule for the entries so added.
 */
int mledger_bundle_closure(uint64_t **out, size_t *n, const mledger_state *st,
			   const mledger_trace *trace,
			   mledger_bundle_event_fn event, void *ctx);

#endif
