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

#endif
