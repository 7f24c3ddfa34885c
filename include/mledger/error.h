/*
 * Error codes of libmledger. Every function that can fail returns int: 0 on
 * success, or one of the negative MLEDGER_E* codes below, one per failure a
 * caller can act on. mledger_strerror() gives static text for a code;
 * mledger_error_last() the detailed message of the last failure on this
 * thread ("lot LI-0042: 1200000 g requested, 800000 g remain").
 */
#ifndef MLEDGER_ERROR_H
#define MLEDGER_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MLEDGER_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define MLEDGER_WARN_UNUSED
#endif

enum {
	MLEDGER_OK = 0,
	MLEDGER_ENOMEM = -1,    /* out of memory */
	MLEDGER_EINVAL = -2,    /* a caller passed an invalid argument */
	MLEDGER_EIO = -3,       /* file or storage I/O failed */
	MLEDGER_ENOTFOUND = -4, /* no such entry, actor, key or lot */
	MLEDGER_EEXISTS = -5,   /* already exists (ledger, actor, lot id) */
	MLEDGER_EFORMAT = -6,   /* bytes are malformed or not canonical */
	MLEDGER_ETOOBIG = -7,   /* input past a size or nesting cap */
	MLEDGER_EBADSIG = -8,   /* a signature does not verify */
	MLEDGER_EKEY = -9,      /* unknown, revoked or retired key */
	MLEDGER_EROLE = -10,    /* actor lacks the role for this event */
	MLEDGER_EREPLAY = -11,  /* actor sequence number not increasing */
	MLEDGER_ECHAIN = -12,   /* hash chain broken: prev or seq mismatch */
	MLEDGER_ERULE = -13,    /* a custody rule is violated */
	MLEDGER_ECUSTODY = -14, /* the signer is not the lot's custodian */
	MLEDGER_EMASS = -15,    /* mass or element balance violated */
	MLEDGER_ETIME = -16,    /* event time earlier than its inputs */
	MLEDGER_ESTATE = -17,   /* stored state differs from the replay */
	MLEDGER_EBUSY = -18,    /* the ledger is locked or in use */
	MLEDGER_ECRYPTO = -19,  /* the crypto library failed */
};

/* Static text for an error code; never NULL. */
const char *mledger_strerror(int code);

/*
 * The detailed message of the last failure on the calling thread, or the
 * static text of the code when no detail was recorded. Valid until the next
 * libmledger call on this thread.
 */
const char *mledger_error_last(void);

/* The code of the last failure on the calling thread (0 if none). */
int mledger_error_code(void);

/* Forget the last failure of the calling thread. */
void mledger_error_clear(void);

#ifdef __cplusplus
}
#endif
#endif
