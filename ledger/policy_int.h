/* The policy as the share computation reads it. */
#ifndef MLEDGER_POLICY_INT_H
#define MLEDGER_POLICY_INT_H

#include "mledger/policy.h"

#define POLICY_STEPS_MAX 16
#define POLICY_ELEMENTS_MAX 16

/* A set of countries: one bit per two-letter code, or every country. */
typedef struct country_set {
	bool any;
	uint8_t bits[26 * 26 / 8 + 1];
} country_set;

typedef struct policy_step {
	int from_year;
	unsigned percent;         /* threshold: the share must reach this */
} policy_step;

typedef struct policy_minimums {
	int from_year;
	size_t n;
	char symbol[POLICY_ELEMENTS_MAX][3];
	unsigned percent[POLICY_ELEMENTS_MAX];
} policy_minimums;

struct mledger_policy {
	char name[64];
	char title[256];
	char version[16];
	country_set extraction, processing, recycling;
	country_set feoc_countries;
	uint32_t feoc_share_bp;   /* ownership at or above this is control */
	bool qualifying_any;      /* extracted or processed or recycled */
	policy_step schedule[POLICY_STEPS_MAX];
	size_t nschedule;
	int feoc_disqualifies_from; /* year; 0 = never */
	char not_after[11];       /* "YYYY-MM-DD"; "" = no end */
	policy_minimums minimums[POLICY_STEPS_MAX];
	size_t nminimums;
	bool feoc_only;
	bool aluminium;
};

bool mledger_country_in(const country_set *set, const char cc[3]);

/* Is this actor a foreign entity of concern under the policy? */
bool mledger_policy_feoc(const mledger_policy *p, const mledger_trace_actor *a);

#endif
