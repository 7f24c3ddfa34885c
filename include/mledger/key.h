/*
 * Signing keys. Ed25519 is the default; ECDSA P-256 is there for keys held
 * in HSMs. A key object holds a public key and, when loaded from a private
 * key file or generated, the private key too. Key files are PEM (PKCS#8 for
 * private keys, SubjectPublicKeyInfo for public keys), so ordinary tools can
 * read them. The key id (kid) is defined in proto/keys.md.
 */
#ifndef MLEDGER_KEY_H
#define MLEDGER_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "mledger/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLEDGER_HASH_BYTES 32   /* SHA-256 digest */
#define MLEDGER_KID_BYTES 16    /* key id: truncated SHA-256, proto/keys.md */
#define MLEDGER_PUBKEY_MAX 65   /* P-256 uncompressed point; Ed25519 is 32 */
#define MLEDGER_SIG_BYTES 64    /* Ed25519 signature or P-256 r||s */
#define MLEDGER_ED25519_SEED_BYTES 32

typedef enum mledger_alg {
	MLEDGER_ALG_ED25519 = 1,
	MLEDGER_ALG_P256 = 2,
} mledger_alg;

typedef struct mledger_key mledger_key;

/* "ed25519" or "p256"; NULL for an unknown value. */
const char *mledger_alg_name(mledger_alg alg);

/* Parse "ed25519" or "p256". MLEDGER_EINVAL names the bad value. */
int mledger_alg_parse(mledger_alg *out, const char *name);

/* Generate a new private key. */
int mledger_key_generate(mledger_key **out, mledger_alg alg);

/* An Ed25519 private key from its 32-byte RFC 8032 seed (tests, vectors). */
int mledger_key_from_seed(mledger_key **out, const uint8_t *seed, size_t len);

/*
 * A public key from its raw bytes: 32 bytes for Ed25519, the 65-byte SEC1
 * uncompressed point for P-256. MLEDGER_EFORMAT if the bytes are not a valid
 * key of that algorithm.
 */
int mledger_key_from_public(mledger_key **out, mledger_alg alg,
			    const uint8_t *pub, size_t len);

/*
 * Load a PEM key file, private or public; files over 64 KiB are refused with
 * MLEDGER_ETOOBIG. MLEDGER_EIO when it cannot be read, MLEDGER_EFORMAT when
 * it holds no Ed25519 or P-256 key. The message names the path.
 */
int mledger_key_load(mledger_key **out, const char *path);

/*
 * Write the private key as PKCS#8 PEM to a new file created with mode 0600.
 * Refuses (MLEDGER_EEXISTS) to overwrite an existing file.
 */
int mledger_key_save_private(const mledger_key *key, const char *path);

/* Write the public key as SubjectPublicKeyInfo PEM (mode 0644, no overwrite). */
int mledger_key_save_public(const mledger_key *key, const char *path);

/* The public key as PEM text; *out is malloc'd and NUL-terminated. */
int mledger_key_public_pem(char **out, const mledger_key *key);

mledger_alg mledger_key_alg(const mledger_key *key);

/* 1 if the key holds a private key, else 0. */
int mledger_key_has_private(const mledger_key *key);

/* Raw public key bytes into out (MLEDGER_PUBKEY_MAX bytes); *out_len set. */
int mledger_key_public(uint8_t out[MLEDGER_PUBKEY_MAX], size_t *out_len,
		       const mledger_key *key);

/* The key id of this key (proto/keys.md). */
int mledger_key_id(uint8_t out[MLEDGER_KID_BYTES], const mledger_key *key);

/* The key id of raw public key bytes, without building a key object. */
int mledger_kid_compute(uint8_t out[MLEDGER_KID_BYTES], mledger_alg alg,
			const uint8_t *pub, size_t len);

/*
 * Sign msg with a private key: a 64-byte signature (Ed25519 as RFC 8032,
 * P-256 as r||s big-endian over SHA-256 of msg). MLEDGER_EINVAL for a public
 * key only.
 */
int mledger_key_sign(uint8_t out[MLEDGER_SIG_BYTES], const mledger_key *key,
		     const uint8_t *msg, size_t len);

/*
 * Verify a signature; 0 if it is valid, MLEDGER_EBADSIG if not. Safe to call
 * on one key from several threads at once.
 */
MLEDGER_WARN_UNUSED int mledger_key_verify(const mledger_key *key,
					   const uint8_t *msg, size_t len,
					   const uint8_t *sig, size_t sig_len);

/* Free a key, wiping private material first. Accepts NULL. */
void mledger_key_free(mledger_key *key);

/* Lower-case hex of bytes into out (2*len+1 bytes). */
void mledger_hex(char *out, const uint8_t *data, size_t len);

/* SHA-256 of data. */
void mledger_sha256(uint8_t out[MLEDGER_HASH_BYTES], const uint8_t *data,
		    size_t len);

/* SHA-256 of a followed by b, without copying them together. */
void mledger_sha256_concat(uint8_t out[MLEDGER_HASH_BYTES], const uint8_t *a,
			   size_t alen, const uint8_t *b, size_t blen);

#ifdef __cplusplus
}
#endif
#endif
