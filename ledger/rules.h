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
 * lot's ancestry but not the whole ledger: a transform input that is not in
 * the state is taken as a lot outside the bundle and skipped, and the
 * transform's element balance, which needs every input, is not checked.
 * Each event so checked in part adds one to *partial. Everything else is
 * checked exactly as by mledger_rules_apply.
 */
int mledger_rules_apply_partial(const mledger_state *st, uint64_t seq,
				const mledger_event *ev,
				const uint8_t kid[MLEDGER_KID_BYTES],
				uint64_t *partial);

#endif
