/* Internal split of the rules: registry rules in rules.c, custody rules in
 * rules_lot.c, called after the signer has been checked. */
#ifndef MLEDGER_RULES_INT_H
#define MLEDGER_RULES_INT_H

#include "rules.h"
#include "state.h"

/* partial: NULL for the full rules, else see mledger_rules_apply_partial. */
int mledger_rules_apply_lot(const mledger_state *st, uint64_t seq,
			    const mledger_event *ev,
			    const mledger_actor_state *signer,
			    mledger_partial *partial);

#endif
