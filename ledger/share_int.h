/* The share report's contents, shared by the computation and rendering. */
#ifndef MLEDGER_SHARE_INT_H
#define MLEDGER_SHARE_INT_H

#include "policy_int.h"

/* The state of one chain suffix that the value-added rule needs. */
typedef struct va_state {
	int64_t balance;          /* value added in region minus outside */
	bool all_in;              /* every step so far in the region */
	double w;
} va_state;

/* Aluminium: country of smelt and of the most recent cast on a chain. */
typedef struct al_state {
	int16_t smelt;            /* country index, -1 none */
	int16_t cast;
	double w;
} al_state;

typedef struct element_report {
	char symbol[3];
	double mass_g;            /* in the product */
	mledger_shares s;
	double minimum;           /* eu-battery secondary minimum, -1 none */
} element_report;

/* A lot made or registered by a foreign entity of concern. */
typedef struct feoc_step {
	size_t node;
	double share;             /* of the product's element mass through it */
	size_t *path;             /* node indices, origin first, product last */
	size_t npath;
} feoc_step;

typedef struct country_share {
	char country[3];
	double share;
} country_share;

struct mledger_share_report {
	const mledger_trace *trace;
	mledger_policy policy;    /* a copy: the report outlives nothing */
	int year;
	char date[11];
	element_report *el;
	size_t nel;
	mledger_shares by_mass;
	bool has_value;
	mledger_shares by_value;
	feoc_step *feoc;
	size_t nfeoc;
	/* threshold: the share the policy requires and whether it is met */
	bool has_threshold;
	double threshold;
	bool meets;
	bool qualifying_by_value;
	char note[512];
	/* aim: aluminium only */
	bool has_al;
	double al_primary;        /* share of Al that is primary */
	country_share smelt[2];   /* largest and second-largest, of primary */
	size_t nsmelt;
	country_share cast;       /* most recent cast, largest share */
	bool has_cast;
};

#endif
