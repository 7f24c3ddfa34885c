/*
 * The rules every event must satisfy to be appended, and the state change it
 * makes. The same function serves append (on the ledger's own transaction)
 * and verify (replaying into a scratch store), so what is checked at append
 * is exactly what verify re-checks.
 */
#ifndef MLEDGER_RULES_H
#define MLEDGER_RULES_H

#include "state.h"

/*
 * Check ev, signed with key kid and appended as entry seq, against the rules
 * and the state, then apply its effect. The signature itself must already
 * have been verified against the key with this kid. On failure returns the
 * rule's code with a message naming actor, key and numbers, and writes
 * nothing (all checks come before the first write).
 */
int mledger_rules_apply(const mledger_state *st, uint64_t seq,
			const mledger_event *ev,
			const uint8_t kid[MLEDGER_KID_BYTES]);

/*
 * The same rules for the audit of a bundle (bundle_audit.c), which holds a
 * lot's ancestry but not the whole ledger. A transform input whose whole
 * history the bundle does not hold is skipped: one not in the state at all,
 * or one that whole() says is outside the audited ancestry (a lot made
 * beside an ancestry lot, whose shipments the bundle leaves out). The
 * transform's element balance, which needs every input, is then not
 * checked, and count goes up by one. Everything else is checked exactly as
 * by mledger_rules_apply.
 */
typedef struct mledger_partial {
	uint64_t count;           /* events checked in part so far */
	/* 1 if the bundle holds lot's whole history, 0 if not, or an error;
	   NULL: every lot in the state */
	int (*whole)(void *ctx, const char *lot);
	void *ctx;
} mledger_partial;

int mledger_rules_apply_partial(const mledger_state *st, uint64_t seq,
				const mledger_event *ev,
				const uint8_t kid[MLEDGER_KID_BYTES],
				mledger_partial *partial);

#endif
