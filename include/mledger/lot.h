/*
 * Lots: quantities of one material under one custodian, as the ledger knows
 * them now. Their state is derived from the entries (verify rebuilds it and
 * compares), kept in the same transactions as the entries that change it.
 */
#ifndef MLEDGER_LOT_H
#define MLEDGER_LOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mledger/error.h"
#include "mledger/event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mledger_ledger mledger_ledger;

typedef enum mledger_lot_status {
	MLEDGER_LOT_ACTIVE = 1,   /* with its custodian, usable */
	MLEDGER_LOT_IN_TRANSIT,   /* shipped, not yet received */
	MLEDGER_LOT_CONSUMED,     /* no mass remains */
} mledger_lot_status;

/* "active", "in-transit", "consumed"; NULL for an unknown value. */
const char *mledger_lot_status_name(mledger_lot_status status);
int mledger_lot_status_parse(mledger_lot_status *out, const char *name);

typedef struct mledger_lot {
	const char *id;
	const char *material;
	const mledger_element *content;
	size_t ncontent;
	uint64_t mass_g;          /* as created */
	uint64_t remaining_g;     /* what is left with the custodian */
	mledger_lot_status status;
	const char *custodian;    /* actor holding it (the shipper while in
				     transit) */
	const char *receiver;     /* in transit to; NULL otherwise */
	const char *hts;          /* NULL if not recorded */
	bool has_value;
	uint64_t value_cents;
	uint64_t created_seq;     /* entry that created it */
	uint64_t last_time;       /* event time of its latest event */
} mledger_lot;

/* Look a lot up; ENOTFOUND if unknown. Free with mledger_lot_free. */
int mledger_lot_get(mledger_lot **out, mledger_ledger *ledger,
		    const char *id);
void mledger_lot_free(mledger_lot *lot);

/*
 * The entries that concern a lot, in order: its creation, shipments,
 * receipts, adjustments, attestations, and the transform that consumed it.
 * *seqs is malloc'd. ENOTFOUND for an unknown lot.
 */
int mledger_lot_history(uint64_t **seqs, size_t *n, mledger_ledger *ledger,
			const char *id);

/*
 * Call fn for every lot in id order, optionally only those whose custodian
 * is custodian (NULL: any) and whose status is status (0: any). lot is
 * valid only during the call; a non-zero return from fn stops the walk.
 */
typedef int (*mledger_lot_fn)(void *ctx, const mledger_lot *lot);
int mledger_lot_list(mledger_ledger *ledger, const char *custodian,
		     mledger_lot_status status, mledger_lot_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
