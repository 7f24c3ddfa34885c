/*
 * Bundles: everything needed to judge one lot offline, in one file. A
 * bundle holds the entries of the lot's ancestry and the registry records
 * of every actor they name, each with an RFC 9162 inclusion proof against
 * one signed checkpoint, and the checkpoint itself (proto/bundles.md).
 * `audit` checks a bundle with nothing but the operator's public key: the
 * checkpoint's signature, every proof, every event signature against the
 * key valid at its entry, and the custody rules within the bundle; then it
 * builds the lot's trace from the bundle alone, for the same renderers and
 * share computation as a ledger's trace.
 */
#ifndef MLEDGER_BUNDLE_H
#define MLEDGER_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "mledger/error.h"
#include "mledger/key.h"
#include "mledger/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLEDGER_BUNDLE_VERSION 1
#define MLEDGER_BUNDLE_MAX ((size_t)256 << 20)   /* bytes of one bundle */
#define MLEDGER_BUNDLE_ENTRIES_MAX 2000000u      /* entries in one bundle */

typedef struct mledger_ledger mledger_ledger;
typedef struct mledger_audit mledger_audit;
typedef struct mledger_tiles mledger_tiles;

/*
 * The bundle of lot (*out malloc'd, *out_len bytes). It is made against the
 * latest stored checkpoint if that covers the whole ledger; otherwise, when
 * operator_key (the operator's Ed25519 private key) is given, a checkpoint
 * is made and stored first, and without it the export fails with
 * MLEDGER_ENOTFOUND asking for `mledger checkpoint`. The same ledger, lot
 * and checkpoint always give the same bytes. ENOTFOUND for an unknown lot.
 */
int mledger_bundle_export(uint8_t **out, size_t *out_len,
			  mledger_ledger *ledger, const char *lot,
			  const mledger_key *operator_key);

typedef struct mledger_audit_opts {
	unsigned int version;        /* MLEDGER_AUDIT_OPTS_VERSION */
	const char *trust_vkey;      /* the operator's C2SP verifier key, or */
	const mledger_key *trust_key;/* its Ed25519 public key (one of them) */
	const char *lot;             /* NULL, or the lot the bundle must be of */
	unsigned int threads;        /* signature checks in parallel; 0 = cores */
	/*
	 * Or NULL: a served copy of the log (tiles.h), opened with the same
	 * trusted key. Its checkpoint must then be consistent with the
	 * bundle's, and every entry is proved into it too, with proofs made
	 * from its hash tiles: the bundle's entries are in the log as served
	 * today, not only as it was when the bundle was made.
	 */
	mledger_tiles *tiles;
} mledger_audit_opts;

#define MLEDGER_AUDIT_OPTS_VERSION 1
#define MLEDGER_AUDIT_OPTS_INIT {MLEDGER_AUDIT_OPTS_VERSION, NULL, NULL, \
				 NULL, 0, NULL}

/* What an audit checked; strings live with the audit. */
typedef struct mledger_audit_summary {
	const char *lot;             /* the lot the bundle is of */
	const char *origin;          /* the ledger's, from the checkpoint */
	uint64_t size;               /* the checkpoint's tree size */
	uint8_t root[MLEDGER_HASH_BYTES];
	uint64_t entries;            /* entries checked: proof, rules */
	uint64_t signatures;         /* event signatures verified */
	uint64_t partial;            /* transforms that also consumed lots
					outside the bundle, checked for the
					lots in it only */
	uint64_t lots;               /* lots in the ancestry */
	uint64_t served_size;        /* with opts->tiles: the served tree's
					size, every entry proved into it too */
} mledger_audit_summary;

/*
 * Audit the bundle in data (untrusted, at most MLEDGER_BUNDLE_MAX bytes)
 * and keep its trace in *out. Needs no ledger; works in a scratch store in
 * $TMPDIR, removed before it returns. Fails with the first fault found, as
 * one line: MLEDGER_ETOOBIG / EFORMAT (malformed, over a cap), EBADSIG (the
 * checkpoint or an event signature), ECHAIN (a proof, the order of the
 * entries, a bundle that does not match its lot), EKEY (the trusted key is
 * not the ledger's operator key) or the code of the rule broken; EINVAL
 * without a trusted key.
 */
MLEDGER_WARN_UNUSED int mledger_bundle_audit(mledger_audit **out,
					     const uint8_t *data, size_t len,
					     const mledger_audit_opts *opts);

/* Borrowed; live with the audit. */
const mledger_audit_summary *mledger_audit_summary_of(const mledger_audit *a);
const mledger_trace *mledger_audit_trace(const mledger_audit *a);

/* Free an audit. Accepts NULL. */
void mledger_audit_free(mledger_audit *a);

#ifdef __cplusplus
}
#endif
#endif
