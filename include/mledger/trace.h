/*
 * Provenance: the ancestry DAG of a lot, back to the lots that entered the
 * ledger by lot.register. Every lot in it is a node; a node made by a
 * lot.transform has edges to the input lots with the mass consumed from
 * each. The DAG is what `trace` prints and what the share computation
 * (policy.h) walks.
 */
#ifndef MLEDGER_TRACE_H
#define MLEDGER_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mledger/error.h"
#include "mledger/event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mledger_ledger mledger_ledger;
typedef struct mledger_trace mledger_trace;

/* How a node's lot came to be. */
typedef enum mledger_node_kind {
	MLEDGER_NODE_REGISTERED = 1, /* lot.register: extraction or recycling */
	MLEDGER_NODE_TRANSFORMED,    /* an output of lot.transform */
} mledger_node_kind;

/* The creator of a lot, with what the foreign-entity test needs. */
typedef struct mledger_trace_actor {
	const char *id;
	const char *name;
	char country[3];
	char owner_country[3];    /* "" when none recorded */
	uint32_t owner_share_bp;
	bool state_owned;
} mledger_trace_actor;

typedef struct mledger_trace_input {
	size_t node;              /* index of the input lot's node */
	uint64_t mass_g;          /* consumed from it */
} mledger_trace_input;

typedef struct mledger_trace_node {
	const char *lot;
	const char *material;
	uint64_t mass_g;          /* as created */
	const mledger_element *content;
	size_t ncontent;
	bool has_value;
	uint64_t value_cents;     /* value of the lot as created */
	uint64_t seq;             /* entry that created it */
	uint64_t time;            /* its event time */
	mledger_node_kind kind;
	mledger_origin origin;    /* REGISTERED: extraction or recycling */
	bool secondary;           /* REGISTERED: marked secondary */
	mledger_stage stage;      /* TRANSFORMED: the step that made it */
	const char *facility;     /* site or facility */
	char country[3];          /* of that site or facility; ZZ unknown */
	bool has_value_added;     /* TRANSFORMED: the step's value added */
	uint64_t value_added_cents;
	mledger_trace_actor actor;
	const mledger_trace_input *inputs; /* TRANSFORMED */
	size_t ninputs;
} mledger_trace_node;

/*
 * Build the ancestry DAG of lot. Node 0 is the lot itself; every node's
 * inputs have larger indices, so walking from the last node to node 0 visits
 * inputs before the lots made from them. ENOTFOUND for an unknown lot.
 */
int mledger_trace_build(mledger_trace **out, mledger_ledger *ledger,
			const char *lot);
void mledger_trace_free(mledger_trace *trace);

size_t mledger_trace_count(const mledger_trace *trace);

/* Node i (0 <= i < count); borrowed, lives with the trace. */
const mledger_trace_node *mledger_trace_node_at(const mledger_trace *trace,
						size_t i);

typedef enum mledger_trace_format {
	MLEDGER_TRACE_TREE = 1,   /* indented text for people */
	MLEDGER_TRACE_JSON,       /* {"lot", "nodes": [...]} */
	MLEDGER_TRACE_DOT,        /* Graphviz */
} mledger_trace_format;

/* Render the trace; *out malloc'd, NUL-terminated. */
int mledger_trace_render(char **out, const mledger_trace *trace,
			 mledger_trace_format format);

#ifdef __cplusplus
}
#endif
#endif
