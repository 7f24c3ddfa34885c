/*
 * Signing keys on OpenSSL 3's EVP interface: Ed25519 (the default) and ECDSA
 * P-256 (for keys held in HSMs). A key object owns one EVP_PKEY, which is
 * built once and afterwards only read, so any number of threads may verify
 * with the same key at once; the raw public key and the key id are computed
 * when the object is made so the hot paths never re-derive them. Key files
 * are PEM (PKCS#8 private, SubjectPublicKeyInfo public) so ordinary tools read
 * them. Every OpenSSL failure is turned into an MLEDGER_E* code with a message
 * and OpenSSL's per-thread error queue is emptied, so a failure here never
 * leaks into an unrelated later call. Wire forms: proto/keys.md.
 */
#define _POSIX_C_SOURCE 200809L

#include "mledger/key.h"

#include "error_int.h"
#include "verify_ctx.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#define ED25519_PUB_BYTES 32
#define P256_PUB_BYTES 65          /* 0x04 || X || Y */
#define P256_SCALAR_BYTES 32
#define P256_DER_SIG_MAX 72        /* SEQUENCE of two INTEGERs of <= 33 bytes */
#define KEY_FILE_MAX (64u * 1024u) /* key files are a few hundred bytes */

/* The kid preimage is "mledger/kid/v1\n" || alg name || "\n" || public key. */
static const char kid_domain[] = "mledger/kid/v1\n";

struct mledger_key {
	mledger_alg alg;
	EVP_PKEY *pkey;                 /* shared read-only once built */
	int has_private;
	size_t pub_len;
	uint8_t pub[MLEDGER_PUBKEY_MAX]; /* raw form, see proto/keys.md */
	uint8_t kid[MLEDGER_KID_BYTES];
	uint64_t serial;                /* names it in verify_ctx.c's cache */
};

/*
 * Record an OpenSSL failure as MLEDGER_ECRYPTO, with OpenSSL's reason when it
 * gave one, and empty its error queue.
 */
static int crypto_error(const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;
	int code;

	if (reason != NULL)
		code = mledger_error_set(MLEDGER_ECRYPTO, "%s: %s", what, reason);
	else
		code = mledger_error_set(MLEDGER_ECRYPTO, "%s", what);
	ERR_clear_error();
	return code;
}

/* ---- hashing and hex ---------------------------------------------------- */

/*
 * SHA-256 is fetched from the provider once: passing EVP_sha256() makes
 * every EVP_Digest call look it up in the method store again, which more than
 * doubles the cost of hashing a 65-byte Merkle node (0.34 vs 0.15 us).
 */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	ERR_clear_error();
}

static const EVP_MD *sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md != NULL ? sha256_md : EVP_sha256();
}

/*
 * mledger_sha256() cannot report a failure (only a NULL buffer or running out
 * of memory cause one), so it records the error for mledger_error_last() and
 * leaves this pattern rather than a stale or all-zero value: 32 zero bytes
 * mean "no previous entry" in the hash chain.
 */
#define CONCAT_COPY_MAX 2048

static void sha256_failed(uint8_t out[MLEDGER_HASH_BYTES])
{
	memset(out, 0xa5, MLEDGER_HASH_BYTES);
}

void mledger_sha256(uint8_t out[MLEDGER_HASH_BYTES], const uint8_t *data,
		    size_t len)
{
	static const uint8_t empty[1];
	unsigned int n = 0;

	if (data == NULL && len != 0) {
		sha256_failed(out);
		mledger_error_set(MLEDGER_EINVAL, "SHA-256 of a NULL buffer");
		return;
	}
	if (EVP_Digest(data != NULL ? data : empty, len, out, &n, sha256(),
		       NULL) != 1 || n != MLEDGER_HASH_BYTES) {
		sha256_failed(out);
		crypto_error("SHA-256 failed");
	}
}

/*
 * Short inputs (Merkle leaves are entries of a few hundred bytes) are copied
 * together and hashed in one call: that costs half as much as a digest
 * context of their own.
 */
void mledger_sha256_concat(uint8_t out[MLEDGER_HASH_BYTES], const uint8_t *a,
			   size_t alen, const uint8_t *b, size_t blen)
{
	uint8_t buf[CONCAT_COPY_MAX];
	EVP_MD_CTX *ctx;

	if ((a == NULL && alen != 0) || (b == NULL && blen != 0)) {
		sha256_failed(out);
		mledger_error_set(MLEDGER_EINVAL, "SHA-256 of a NULL buffer");
		return;
	}
	if (alen <= sizeof(buf) && blen <= sizeof(buf) - alen) {
		if (alen > 0)
			memcpy(buf, a, alen);
		if (blen > 0)
			memcpy(buf + alen, b, blen);
		mledger_sha256(out, buf, alen + blen);
		return;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex2(ctx, sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, a, alen) != 1 ||
	    EVP_DigestUpdate(ctx, b, blen) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, NULL) != 1) {
		sha256_failed(out);
		crypto_error("SHA-256 failed");
	}
	EVP_MD_CTX_free(ctx);
}

void mledger_hex(char *out, const uint8_t *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

/* ---- algorithms and key ids -------------------------------------------- */

const char *mledger_alg_name(mledger_alg alg)
{
	switch (alg) {
	case MLEDGER_ALG_ED25519: return "ed25519";
	case MLEDGER_ALG_P256: return "p256";
	default: return NULL;
	}
}

int mledger_alg_parse(mledger_alg *out, const char *name)
{
	if (out == NULL || name == NULL)
		return mledger_error_set(MLEDGER_EINVAL, "no key algorithm given");
	if (strcmp(name, "ed25519") == 0) {
		*out = MLEDGER_ALG_ED25519;
		return 0;
	}
	if (strcmp(name, "p256") == 0) {
		*out = MLEDGER_ALG_P256;
		return 0;
	}
	return mledger_error_set(MLEDGER_EINVAL,
				 "unknown key algorithm \"%s\" (expected ed25519 or p256)",
				 name);
}

static size_t alg_pub_len(mledger_alg alg)
{
	switch (alg) {
	case MLEDGER_ALG_ED25519: return ED25519_PUB_BYTES;
	case MLEDGER_ALG_P256: return P256_PUB_BYTES;
	default: return 0;
	}
}

int mledger_kid_compute(uint8_t out[MLEDGER_KID_BYTES], mledger_alg alg,
			const uint8_t *pub, size_t len)
{
	uint8_t pre[sizeof(kid_domain) - 1 + 8 + 1 + MLEDGER_PUBKEY_MAX];
	uint8_t digest[MLEDGER_HASH_BYTES];
	const char *name = mledger_alg_name(alg);
	size_t n = 0, name_len;

	if (out == NULL || pub == NULL || name == NULL)
		return mledger_error_set(MLEDGER_EINVAL, "key id: no key given");
	if (len != alg_pub_len(alg))
		return mledger_error_set(MLEDGER_EFORMAT,
					 "key id: a %s public key is %zu bytes, not %zu",
					 name, alg_pub_len(alg), len);
	name_len = strlen(name);
	memcpy(pre, kid_domain, sizeof(kid_domain) - 1);
	n += sizeof(kid_domain) - 1;
	memcpy(pre + n, name, name_len);
	n += name_len;
	pre[n++] = '\n';
	memcpy(pre + n, pub, len);
	n += len;
	mledger_sha256(digest, pre, n);
	memcpy(out, digest, MLEDGER_KID_BYTES);
	return 0;
}

/* ---- building key objects ----------------------------------------------- */

/* "prime256v1" is OpenSSL's name for the curve, "P-256" the NIST one. */
static int is_p256_name(const char *group)
{
	return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0 ||
	       strcmp(group, "secp256r1") == 0;
}

/*
 * Read the P-256 public point in uncompressed form. A key read from a file
 * may carry a compressed point, and OpenSSL then reports (and writes) it
 * compressed, so the key is switched to the uncompressed form first; this
 * runs before the key is shared, so changing it is safe.
 */
static int p256_public(uint8_t out[P256_PUB_BYTES], EVP_PKEY *pkey)
{
	size_t n = 0;

	if (EVP_PKEY_set_utf8_string_param(pkey,
					   OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
					   "uncompressed") != 1)
		return crypto_error("cannot select the uncompressed P-256 point form");
	if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					    out, P256_PUB_BYTES, &n) != 1)
		return crypto_error("cannot read the P-256 public key");
	if (n != P256_PUB_BYTES || out[0] != 0x04)
		return mledger_error_set(MLEDGER_EFORMAT,
					 "P-256 public key is not a 65-byte uncompressed point");
	return 0;
}

/*
 * Wrap pkey (ownership passes in, also on failure) in a key object after
 * checking that it is Ed25519 or P-256. where names the source (a path) for
 * messages.
 */
static int key_wrap(mledger_key **out, EVP_PKEY *pkey, int has_private,
		    const char *where)
{
	mledger_key *key;
	char group[64];
	size_t n = 0;
	int error;

	key = calloc(1, sizeof(*key));
	if (key == NULL) {
		EVP_PKEY_free(pkey);
		return MLEDGER_NOMEM();
	}
	key->pkey = pkey;
	key->has_private = has_private;
	key->serial = mledger_key_serial_next();

	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		key->alg = MLEDGER_ALG_ED25519;
		n = ED25519_PUB_BYTES;
		if (EVP_PKEY_get_raw_public_key(pkey, key->pub, &n) != 1 ||
		    n != ED25519_PUB_BYTES) {
			error = crypto_error("cannot read the Ed25519 public key");
			goto fail;
		}
	} else if (EVP_PKEY_is_a(pkey, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
						   group, sizeof(group), NULL) != 1) {
			ERR_clear_error();
			error = mledger_error_set(MLEDGER_EFORMAT,
						  "%s: EC key on an unnamed curve; only P-256 is supported",
						  where);
			goto fail;
		}
		if (!is_p256_name(group)) {
			error = mledger_error_set(MLEDGER_EFORMAT,
						  "%s: EC key on curve %s; only P-256 is supported",
						  where, group);
			goto fail;
		}
		key->alg = MLEDGER_ALG_P256;
		if ((error = p256_public(key->pub, pkey)) < 0) {
			mledger_error_prefix("%s", where);
			goto fail;
		}
		n = P256_PUB_BYTES;
	} else {
		const char *type = EVP_PKEY_get0_type_name(pkey);

		error = mledger_error_set(MLEDGER_EFORMAT,
					  "%s: %s key; only Ed25519 and P-256 are supported",
					  where, type != NULL ? type : "unknown");
		goto fail;
	}
	key->pub_len = n;
	if ((error = mledger_kid_compute(key->kid, key->alg, key->pub, n)) < 0)
		goto fail;
	*out = key;
	return 0;

fail:
	mledger_key_free(key);
	return error;
}

int mledger_key_generate(mledger_key **out, mledger_alg alg)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int error;

	if (out == NULL)
		return mledger_error_set(MLEDGER_EINVAL, "key generate: no output");
	*out = NULL;
	switch (alg) {
	case MLEDGER_ALG_ED25519:
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "ED25519", NULL);
		if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1)
			goto crypto_fail;
		break;
	case MLEDGER_ALG_P256:
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
		    EVP_PKEY_CTX_set_group_name(ctx, "P-256") != 1)
			goto crypto_fail;
		break;
	default:
		return mledger_error_set(MLEDGER_EINVAL,
					 "key generate: unknown algorithm %d", (int)alg);
	}
	if (EVP_PKEY_generate(ctx, &pkey) != 1)
		goto crypto_fail;
	EVP_PKEY_CTX_free(ctx);
	return key_wrap(out, pkey, 1, "generated key");

crypto_fail:
	error = crypto_error("key generation failed");
	EVP_PKEY_CTX_free(ctx);
	return error;
}

int mledger_key_from_seed(mledger_key **out, const uint8_t *seed, size_t len)
{
	EVP_PKEY *pkey;

	if (out == NULL || seed == NULL)
		return mledger_error_set(MLEDGER_EINVAL, "key from seed: no seed");
	*out = NULL;
	if (len != MLEDGER_ED25519_SEED_BYTES)
		return mledger_error_set(MLEDGER_EINVAL,
					 "an Ed25519 seed is %d bytes, not %zu",
					 MLEDGER_ED25519_SEED_BYTES, len);
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, len);
	if (pkey == NULL)
		return crypto_error("cannot build an Ed25519 key from its seed");
	return key_wrap(out, pkey, 1, "seed");
}

static EVP_PKEY *p256_from_point(const uint8_t *pub, size_t len)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    "prime256v1", 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     pub, len) != 1)
		goto done;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1)
		goto done;
	/* Importing decodes the point and checks that it is on the curve. */
	if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

int mledger_key_from_public(mledger_key **out, mledger_alg alg,
			    const uint8_t *pub, size_t len)
{
	EVP_PKEY *pkey = NULL;

	if (out == NULL || pub == NULL)
		return mledger_error_set(MLEDGER_EINVAL, "public key: no bytes given");
	*out = NULL;
	switch (alg) {
	case MLEDGER_ALG_ED25519:
		if (len != ED25519_PUB_BYTES)
			return mledger_error_set(MLEDGER_EFORMAT,
						 "an Ed25519 public key is 32 bytes, not %zu",
						 len);
		/*
		 * OpenSSL does not decode the point here; an encoding that is
		 * not a curve point makes every verification fail instead.
		 */
		pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, len);
		break;
	case MLEDGER_ALG_P256:
		/* Only the uncompressed form is a wire form (proto/keys.md). */
		if (len != P256_PUB_BYTES || pub[0] != 0x04)
			return mledger_error_set(MLEDGER_EFORMAT,
						 "a P-256 public key is a 65-byte uncompressed point (0x04 || X || Y)");
		pkey = p256_from_point(pub, len);
		break;
	default:
		return mledger_error_set(MLEDGER_EINVAL,
					 "public key: unknown algorithm %d", (int)alg);
	}
	if (pkey == NULL) {
		ERR_clear_error();
		return mledger_error_set(MLEDGER_EFORMAT,
					 "the bytes are not a valid %s public key",
					 mledger_alg_name(alg));
	}
	return key_wrap(out, pkey, 0, "public key");
}

/* ---- key files ------------------------------------------------------------ */

/*
 * Password callback for PEM reading: refuse. Without it OpenSSL would prompt
 * on the terminal for an encrypted key, and the library never talks to the
 * user.
 */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/*
 * Read at most KEY_FILE_MAX bytes of path into *out (malloc'd); one byte more
 * is attempted so that an over-long file is told apart from one of exactly
 * the cap.
 */
static int read_key_file(uint8_t **out, size_t *out_len, const char *path)
{
	uint8_t *buf;
	size_t len = 0;
	int fd, error = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mledger_error_set(MLEDGER_EIO, "cannot read key file %s: %s",
					 path, strerror(errno));
	buf = malloc(KEY_FILE_MAX + 1);
	if (buf == NULL) {
		close(fd);
		return MLEDGER_NOMEM();
	}
	while (len < KEY_FILE_MAX + 1) {
		ssize_t r = read(fd, buf + len, KEY_FILE_MAX + 1 - len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			error = mledger_error_set(MLEDGER_EIO,
						  "cannot read key file %s: %s",
						  path, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > KEY_FILE_MAX)
		error = mledger_error_set(MLEDGER_ETOOBIG,
					  "key file %s is larger than %u bytes",
					  path, KEY_FILE_MAX);
done:
	close(fd);
	if (error < 0) {
		OPENSSL_cleanse(buf, len);
		free(buf);
		return error;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

int mledger_key_load(mledger_key **out, const char *path)
{
	EVP_PKEY *pkey = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	int has_private = 0, error;
	BIO *bio;

	if (out == NULL || path == NULL)
		return mledger_error_set(MLEDGER_EINVAL, "key load: no path");
	*out = NULL;
	if ((error = read_key_file(&buf, &len, path)) < 0)
		return error;

	/* A private key first: a file may hold both, and then we want to sign. */
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio == NULL) {
		error = crypto_error("cannot read key file");
		goto done;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (pkey != NULL) {
		has_private = 1;
	} else {
		unsigned long e = ERR_peek_last_error();

		if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
		    ERR_GET_REASON(e) == PEM_R_BAD_PASSWORD_READ) {
			ERR_clear_error();
			error = mledger_error_set(MLEDGER_EFORMAT,
						  "%s: encrypted private keys are not supported",
						  path);
			goto done;
		}
		ERR_clear_error();
		bio = BIO_new_mem_buf(buf, (int)len);
		if (bio == NULL) {
			error = crypto_error("cannot read key file");
			goto done;
		}
		pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
		BIO_free(bio);
	}
	if (pkey == NULL) {
		ERR_clear_error();
		error = mledger_error_set(MLEDGER_EFORMAT,
					  "%s: no PEM private or public key found", path);
		goto done;
	}
	error = key_wrap(out, pkey, has_private, path);
done:
	OPENSSL_cleanse(buf, len);
	free(buf);
	return error;
}

/*
 * Make the new file's directory entry durable: without this a crash right
 * after "key new" can lose a key whose public half was already handed out.
 */
static int fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, error = 0;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return MLEDGER_NOMEM();
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		error = mledger_error_set(MLEDGER_EIO, "cannot open directory %s: %s",
					  dir, strerror(errno));
	} else {
		/* Some file systems cannot sync a directory; that is not a failure. */
		if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
			error = mledger_error_set(MLEDGER_EIO,
						  "cannot sync directory %s: %s",
						  dir, strerror(errno));
		close(fd);
	}
	free(dir);
	return error;
}

/* Write data to a new file path with mode, fully and durably, or not at all. */
static int write_new_file(const char *path, const char *data, size_t len,
			  mode_t mode)
{
	size_t done = 0;
	int fd, error = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return mledger_error_set(MLEDGER_EEXISTS,
						 "key file %s already exists", path);
		return mledger_error_set(MLEDGER_EIO, "cannot create key file %s: %s",
					 path, strerror(errno));
	}
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			error = mledger_error_set(MLEDGER_EIO,
						  "cannot write key file %s: %s",
						  path, strerror(errno));
			break;
		}
		done += (size_t)w;
	}
	if (error == 0 && fsync(fd) != 0)
		error = mledger_error_set(MLEDGER_EIO, "cannot sync key file %s: %s",
					  path, strerror(errno));
	if (close(fd) != 0 && error == 0)
		error = mledger_error_set(MLEDGER_EIO, "cannot close key file %s: %s",
					  path, strerror(errno));
	if (error == 0)
		error = fsync_parent(path);
	/* A partial key file is worse than none: it blocks the retry. */
	if (error < 0)
		unlink(path);
	return error;
}

/* private != 0: PKCS#8 PEM of the private key; else SubjectPublicKeyInfo PEM. */
static int key_pem(BIO **out, const mledger_key *key, int private)
{
	BIO *bio;
	int ok;

	bio = BIO_new(BIO_s_mem());
	if (bio == NULL)
		return crypto_error("cannot encode key");
	if (private)
		ok = PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0,
					      NULL, NULL);
	else
		ok = PEM_write_bio_PUBKEY(bio, key->pkey);
	if (ok != 1) {
		/* Memory BIOs wipe their buffer when freed. */
		BIO_free(bio);
		return crypto_error("cannot encode key as PEM");
	}
	*out = bio;
	return 0;
}

static int key_save(const mledger_key *key, const char *path, int private,
		    mode_t mode)
{
	BIO *bio = NULL;
	char *data = NULL;
	long len;
	int error;

	if ((error = key_pem(&bio, key, private)) < 0)
		return error;
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0 || data == NULL)
		error = crypto_error("cannot encode key as PEM");
	else
		error = write_new_file(path, data, (size_t)len, mode);
	BIO_free(bio);
	return error;
}

int mledger_key_save_private(const mledger_key *key, const char *path)
{
	if (key == NULL || path == NULL)
		return mledger_error_set(MLEDGER_EINVAL, "key save: no key or path");
	if (!key->has_private)
		return mledger_error_set(MLEDGER_EINVAL,
					 "cannot save %s: the key has no private part",
					 path);
	return key_save(key, path, 1, 0600);
}

int mledger_key_save_public(const mledger_key *key, const char *path)
{
	if (key == NULL || path == NULL)
		return mledger_error_set(MLEDGER_EINVAL, "key save: no key or path");
	return key_save(key, path, 0, 0644);
}

int mledger_key_public_pem(char **out, const mledger_key *key)
{
	BIO *bio = NULL;
	char *data = NULL, *s;
	long len;
	int error;

	if (out == NULL || key == NULL)
		return mledger_error_set(MLEDGER_EINVAL, "public PEM: no key");
	*out = NULL;
	if ((error = key_pem(&bio, key, 0)) < 0)
		return error;
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0 || data == NULL) {
		BIO_free(bio);
		return crypto_error("cannot encode key as PEM");
	}
	s = malloc((size_t)len + 1);
	if (s == NULL) {
		BIO_free(bio);
		return MLEDGER_NOMEM();
	}
	memcpy(s, data, (size_t)len);
	s[len] = '\0';
	BIO_free(bio);
	*out = s;
	return 0;
}

/* ---- accessors ------------------------------------------------------------ */

mledger_alg mledger_key_alg(const mledger_key *key)
{
	return key != NULL ? key->alg : (mledger_alg)0;
}

int mledger_key_has_private(const mledger_key *key)
{
	return key != NULL && key->has_private;
}

int mledger_key_public(uint8_t out[MLEDGER_PUBKEY_MAX], size_t *out_len,
		       const mledger_key *key)
{
	if (out == NULL || out_len == NULL || key == NULL)
		return mledger_error_set(MLEDGER_EINVAL, "public key: no key");
	memcpy(out, key->pub, key->pub_len);
	*out_len = key->pub_len;
	return 0;
}

int mledger_key_id(uint8_t out[MLEDGER_KID_BYTES], const mledger_key *key)
{
	if (out == NULL || key == NULL)
		return mledger_error_set(MLEDGER_EINVAL, "key id: no key");
	memcpy(out, key->kid, MLEDGER_KID_BYTES);
	return 0;
}

/* ---- signing and verifying --------------------------------------------- */

/* ECDSA's DER signature to the fixed r||s form. */
static int p256_der_to_raw(uint8_t out[MLEDGER_SIG_BYTES], const uint8_t *der,
			   size_t len)
{
	const unsigned char *p = der;
	const BIGNUM *r = NULL, *s = NULL;
	ECDSA_SIG *esig;
	int ok;

	esig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	if (esig == NULL)
		return crypto_error("cannot decode the ECDSA signature");
	ECDSA_SIG_get0(esig, &r, &s);
	ok = BN_bn2binpad(r, out, P256_SCALAR_BYTES) == P256_SCALAR_BYTES &&
	     BN_bn2binpad(s, out + P256_SCALAR_BYTES, P256_SCALAR_BYTES) ==
		     P256_SCALAR_BYTES;
	ECDSA_SIG_free(esig);
	if (!ok)
		return crypto_error("ECDSA signature values out of range");
	return 0;
}

int mledger_key_sign(uint8_t out[MLEDGER_SIG_BYTES], const mledger_key *key,
		     const uint8_t *msg, size_t len)
{
	static const uint8_t empty[1];
	uint8_t der[P256_DER_SIG_MAX + 8];
	EVP_MD_CTX *ctx;
	size_t n;
	int error = 0;

	if (out == NULL || key == NULL)
		return mledger_error_set(MLEDGER_EINVAL, "sign: no key");
	if (!key->has_private)
		return mledger_error_set(MLEDGER_EINVAL,
					 "cannot sign with a public key only");
	if (msg == NULL) {
		if (len != 0)
			return mledger_error_set(MLEDGER_EINVAL, "sign: no message");
		msg = empty;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return MLEDGER_NOMEM();
	if (key->alg == MLEDGER_ALG_ED25519) {
		/* Ed25519 hashes internally (SHA-512), so no digest is named. */
		n = MLEDGER_SIG_BYTES;
		if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) != 1 ||
		    EVP_DigestSign(ctx, out, &n, msg, len) != 1 ||
		    n != MLEDGER_SIG_BYTES)
			error = crypto_error("Ed25519 signing failed");
	} else {
		n = sizeof(der);
		if (EVP_DigestSignInit(ctx, NULL, sha256(), NULL, key->pkey) != 1 ||
		    EVP_DigestSign(ctx, der, &n, msg, len) != 1)
			error = crypto_error("P-256 signing failed");
		else
			error = p256_der_to_raw(out, der, n);
		OPENSSL_cleanse(der, sizeof(der));
	}
	EVP_MD_CTX_free(ctx);
	return error;
}

/*
 * r||s to DER into der (at least P256_DER_SIG_MAX bytes); *len set. Returns
 * 0, or -1 when OpenSSL fails (out of memory).
 */
static int p256_raw_to_der(uint8_t *der, size_t *len, const uint8_t *sig)
{
	ECDSA_SIG *esig;
	BIGNUM *r, *s;
	unsigned char *p = der;
	int n;

	esig = ECDSA_SIG_new();
	r = BN_bin2bn(sig, P256_SCALAR_BYTES, NULL);
	s = BN_bin2bn(sig + P256_SCALAR_BYTES, P256_SCALAR_BYTES, NULL);
	if (esig == NULL || r == NULL || s == NULL ||
	    ECDSA_SIG_set0(esig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(esig);
		return -1;
	}
	/* Two INTEGERs below 2^256 encode in at most P256_DER_SIG_MAX bytes. */
	n = i2d_ECDSA_SIG(esig, &p);
	ECDSA_SIG_free(esig);
	if (n <= 0 || n > P256_DER_SIG_MAX)
		return -1;
	*len = (size_t)n;
	return 0;
}

/*
 * The hot path: called tens of thousands of times a second from several
 * threads on one key. An Ed25519 check with a public key goes through the
 * calling thread's ready context for the key; the EVP_PKEY is only read.
 * A check that fails there is decided again on a fresh context, so a
 * refusal to reuse the context could cost time but never passes or fails a
 * signature wrongly.
 */
int mledger_key_verify(const mledger_key *key, const uint8_t *msg, size_t len,
		       const uint8_t *sig, size_t sig_len)
{
	static const uint8_t empty[1];
	uint8_t der[P256_DER_SIG_MAX + 8];
	const uint8_t *s = sig;
	size_t s_len = sig_len;
	EVP_MD_CTX *ctx;
	bool retried = false;
	int rc;

	if (key == NULL || sig == NULL)
		return mledger_error_set(MLEDGER_EINVAL, "verify: no key or signature");
	if (msg == NULL) {
		if (len != 0)
			return mledger_error_set(MLEDGER_EINVAL, "verify: no message");
		msg = empty;
	}
	if (sig_len != MLEDGER_SIG_BYTES)
		return mledger_error_set(MLEDGER_EBADSIG,
					 "signature is %zu bytes, not %d",
					 sig_len, MLEDGER_SIG_BYTES);
	/* Only public keys: a cached context would keep a private one's
	 * seed alive after mledger_key_free() had to wipe it. */
	if (key->alg == MLEDGER_ALG_ED25519 && !key->has_private &&
	    (ctx = mledger_verify_ctx(key->serial, key->pkey)) != NULL) {
		if (EVP_DigestVerify(ctx, sig, sig_len, msg, len) == 1)
			return 0;
		ERR_clear_error();
		mledger_verify_ctx_drop(key->serial);
		retried = true;
	}
	if (key->alg == MLEDGER_ALG_P256) {
		if (p256_raw_to_der(der, &s_len, sig) < 0)
			return crypto_error("cannot encode the ECDSA signature");
		s = der;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return MLEDGER_NOMEM();
	if (EVP_DigestVerifyInit(ctx, NULL,
				 key->alg == MLEDGER_ALG_P256 ? sha256() : NULL,
				 NULL, key->pkey) != 1) {
		EVP_MD_CTX_free(ctx);
		return crypto_error("cannot start verification");
	}
	rc = EVP_DigestVerify(ctx, s, s_len, msg, len);
	EVP_MD_CTX_free(ctx);
	if (rc == 1) {
		if (retried)
			mledger_verify_ctx_disable();
		return 0;
	}
	/* A bad signature may leave entries (e.g. a bad S); drop them. */
	ERR_clear_error();
	return mledger_error_set(MLEDGER_EBADSIG, "%s signature does not verify",
				 key->alg == MLEDGER_ALG_P256 ? "P-256" : "Ed25519");
}

void mledger_key_free(mledger_key *key)
{
	if (key == NULL)
		return;
	/* EVP_PKEY_free wipes the private scalar or seed itself. */
	EVP_PKEY_free(key->pkey);
	OPENSSL_cleanse(key, sizeof(*key));
	free(key);
}
