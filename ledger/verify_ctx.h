/*
 * Ready-made Ed25519 verification contexts, kept per thread and per key, so
 * the signature check of every event does not set one up and tear it down
 * again: that costs a provider lookup under a lock, an allocation and a key
 * reference, about 2 us of the 75 us a check takes.
 */
#ifndef MLEDGER_VERIFY_CTX_H
#define MLEDGER_VERIFY_CTX_H

#include <stdint.h>

#include <openssl/evp.h>

/* A number no other key of this process has had, for the cache below. */
uint64_t mledger_key_serial_next(void);

/*
 * A context of the calling thread initialised for one-shot verification
 * with pkey, known to the cache by serial; NULL when it cannot be made
 * (the caller then uses a context of its own). The context stays the
 * cache's: use it for one EVP_DigestVerify and do not free it. It holds a
 * reference to pkey, so a key freed meanwhile is never read after free.
 */
EVP_MD_CTX *mledger_verify_ctx(uint64_t serial, EVP_PKEY *pkey);

/*
 * Drop the calling thread's context for serial: after a failed check, in
 * case OpenSSL refused to reuse it, so that the retry starts afresh.
 */
void mledger_verify_ctx_drop(uint64_t serial);

/*
 * Stop handing out contexts, in every thread: a signature the cached
 * context refused verified on a fresh one, so this OpenSSL does not let a
 * context be reused and each check would otherwise be done twice.
 */
void mledger_verify_ctx_disable(void);

#endif
