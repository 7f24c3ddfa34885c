/*
 * Signed checkpoints. A checkpoint is a C2SP tlog-checkpoint (the origin
 * line, the tree size, the base64 root) inside a C2SP signed note, signed
 * with the operator's Ed25519 key under the ledger's origin as key name, so
 * witnesses and verifiers of that ecosystem can read it (proto/checkpoints.md).
 */
#ifndef MLEDGER_NOTE_H
#define MLEDGER_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "mledger/error.h"
#include "mledger/key.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLEDGER_NOTE_MAX (64u * 1024u)  /* a signed note, bytes */

typedef struct mledger_ledger mledger_ledger;

/*
 * The verifier key of an Ed25519 key under name, in C2SP vkey form:
 * "<name>+<hex key id>+<base64(0x01 || public key)>". *out malloc'd.
 */
int mledger_note_vkey(char **out, const char *name, const mledger_key *key);

/*
 * Sign text (non-empty, ending in a newline, no blank line) as a C2SP
 * signed note with one signature line. *out malloc'd.
 */
int mledger_note_sign(char **out, const char *text, const char *name,
		      const mledger_key *key);

/*
 * Open a signed note with a verifier key: succeeds if a signature line of
 * that key verifies, and returns the signed text (*text malloc'd).
 * MLEDGER_EBADSIG if the key's line is missing or fails; MLEDGER_EFORMAT for
 * a malformed note or vkey; MLEDGER_ETOOBIG past MLEDGER_NOTE_MAX.
 */
MLEDGER_WARN_UNUSED int mledger_note_open(char **text, const char *note,
					  size_t len, const char *vkey);

typedef struct mledger_checkpoint {
	char origin[257];
	uint64_t size;
	uint8_t root[MLEDGER_HASH_BYTES];
} mledger_checkpoint;

/* Parse checkpoint text (as returned by mledger_note_open). */
int mledger_checkpoint_parse(mledger_checkpoint *out, const char *text);

/*
 * Make, store and return a signed checkpoint of the ledger at its current
 * size. key must be the operator's Ed25519 private key, as enrolled.
 */
int mledger_checkpoint_make(char **note, mledger_ledger *ledger,
			    const mledger_key *key);

/*
 * A checkpoint of every entry of the ledger: the newest stored one if it
 * covers them all, else (with key, as for mledger_checkpoint_make()) a new
 * one made and stored. *size is its tree size. Without key and no covering
 * checkpoint, MLEDGER_ENOTFOUND says how far the newest one reaches and
 * what to do; MLEDGER_EBUSY if the ledger kept growing past every
 * checkpoint made.
 */
int mledger_checkpoint_covering(char **note, uint64_t *size,
				mledger_ledger *ledger, const mledger_key *key);

/* The verifier key of the ledger's operator (from its genesis entry). */
int mledger_ledger_vkey(char **out, mledger_ledger *ledger);

#ifdef __cplusplus
}
#endif
#endif
