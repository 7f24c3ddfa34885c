/*
 * Sourcing policies and the share report. A policy names the regions where
 * extraction, processing and recycling count, the foreign-entity-of-concern
 * test, and, where a rule has them, thresholds by year. The share report
 * says, per element of a product and in total, which part of its content
 * was extracted, processed, recycled or fully sourced in the region, what
 * part is of unknown origin, and what part passed through a foreign entity
 * of concern (README "Provenance and sourcing" defines each share).
 */
#ifndef MLEDGER_POLICY_H
#define MLEDGER_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mledger/error.h"
#include "mledger/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLEDGER_POLICY_MAX (64u * 1024u) /* a policy file, bytes */

typedef struct mledger_policy mledger_policy;

/* A policy shipped with the library: usmca, ira-30d, feoc, eu-battery, aim. */
int mledger_policy_builtin(mledger_policy **out, const char *name);

/* Names of the shipped policies, NULL-terminated. */
const char *const *mledger_policy_builtin_names(void);

/* A policy from JSON text or a file (format: README, policies/). */
int mledger_policy_parse(mledger_policy **out, const char *json, size_t len);
int mledger_policy_load(mledger_policy **out, const char *path);
void mledger_policy_free(mledger_policy *policy);

const char *mledger_policy_name(const mledger_policy *policy);

/* The shares of one element, or of the total: fractions in [0, 1]. */
typedef struct mledger_shares {
	double extracted;         /* origin: extraction in the region */
	double processed;         /* every processing step in the region (or
				     half its value added, where recorded) */
	double recycled;          /* origin: recycling in the recycling region */
	double sourced;           /* (extracted or recycled) and processed */
	double unknown_origin;    /* origin country ZZ */
	double feoc;              /* a step by a foreign entity of concern */
	double secondary;         /* recycled anywhere, or marked secondary */
	double qualifying;        /* what the policy counts (ira-30d) */
} mledger_shares;

typedef struct mledger_share_options {
	unsigned int version;     /* MLEDGER_SHARE_OPTIONS_VERSION */
	int year;                 /* for thresholds; 0 = the current year */
	const char *date;         /* "YYYY-MM-DD" acquired/placed in service;
				     NULL = not stated */
} mledger_share_options;

#define MLEDGER_SHARE_OPTIONS_VERSION 1
#define MLEDGER_SHARE_OPTIONS_INIT {MLEDGER_SHARE_OPTIONS_VERSION, 0, NULL}

typedef struct mledger_share_report mledger_share_report;

/*
 * Compute the report for the lot at node 0 of trace under policy, in one
 * pass over the DAG per element.
 */
int mledger_share_compute(mledger_share_report **out,
			  const mledger_trace *trace,
			  const mledger_policy *policy,
			  const mledger_share_options *opts);
void mledger_share_report_free(mledger_share_report *report);

/* Shares of element symbol (NULL: the total by mass). ENOTFOUND if the
 * product holds no such element. */
int mledger_share_get(mledger_shares *out, const mledger_share_report *report,
		      const char *symbol);

/* The total by value; ENOTFOUND when values are not recorded throughout. */
int mledger_share_by_value(mledger_shares *out,
			   const mledger_share_report *report);

/* Render as JSON (the fields README lists) or as a table for people. */
int mledger_share_render(char **out, const mledger_share_report *report,
			 bool json);

#ifdef __cplusplus
}
#endif
#endif
