/*
 * The trace builder reads lots and actors through a source, so the same
 * code builds a trace from a ledger and, offline, from an audit bundle.
 */
#ifndef MLEDGER_TRACE_INT_H
#define MLEDGER_TRACE_INT_H

#include "mledger/ledger.h"
#include "mledger/trace.h"

typedef struct mledger_trace_source {
	void *ctx;
	/*
	 * The decoded event that created lot (lot.register or the
	 * lot.transform that output it) and its entry seq; the caller frees
	 * *ev. MLEDGER_ENOTFOUND if the source has no such lot.
	 */
	int (*creator)(void *ctx, const char *lot, uint64_t *seq,
		       mledger_event **ev);
	/* Actor id as enrolled; the caller frees *out with mledger_actor_free. */
	int (*actor)(void *ctx, const char *id, mledger_actor **out);
	/*
	 * Optional, both or neither: creator split in two, so the builder can
	 * batch a whole level of the walk. locate gives the seq of the entry
	 * that created lot (MLEDGER_ENOTFOUND if none); event_at the decoded
	 * event of entry seq, which the caller frees. The builder calls locate
	 * in bytewise lot order and event_at once per distinct seq in rising
	 * order, so a source over a sorted store reads it front to back.
	 */
	int (*locate)(void *ctx, const char *lot, uint64_t *seq);
	int (*event_at)(void *ctx, uint64_t seq, mledger_event **ev);
} mledger_trace_source;

int mledger_trace_build_from(mledger_trace **out,
			     const mledger_trace_source *src,
			     const char *lot);

#endif
