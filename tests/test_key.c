/*
 * Criterion suite for the key module (ledger/key.c). It pins Ed25519 to the
 * RFC 8032 section 7.1 vectors byte for byte, pins the key id to a
 * known answer (also printed in proto/keys.md), checks that P-256 signatures
 * round-trip and reject tampering, exercises the key files (modes, no
 * overwrite, the errors for every kind of bad file a user may point us at)
 * and verifies from two threads on one key. Each test works in its own
 * mkdtemp() directory because Criterion runs tests in parallel processes.
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mledger/key.h"

/* ---- fixture: a private temporary directory per test ------------------- */

static char tmpdir[64];

static void make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || base[0] == '\0' || strlen(base) > 32)
		base = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/mledger-key-XXXXXX", base);
	cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp failed");
}

static void remove_tmpdir(void)
{
	char path[512];
	struct dirent *d;
	DIR *dir;

	dir = opendir(tmpdir);
	if (dir == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, d->d_name);
		unlink(path);
	}
	closedir(dir);
	rmdir(tmpdir);
}

TestSuite(key, .init = make_tmpdir, .fini = remove_tmpdir);

/* A path in this test's directory; returns a static buffer per slot. */
static const char *tmp_path(int slot, const char *name)
{
	static char paths[4][512];

	snprintf(paths[slot], sizeof(paths[slot]), "%s/%s", tmpdir, name);
	return paths[slot];
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "cannot create %s", path);
	if (len > 0)
		cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* ---- hex helpers ---------------------------------------------------------- */

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex into a malloc'd buffer (at least one byte, so never NULL). */
static uint8_t *unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex), i;
	uint8_t *out;

	cr_assert_eq(n % 2, 0, "odd hex length");
	out = malloc(n / 2 + 1);
	cr_assert_not_null(out);
	for (i = 0; i < n / 2; i++) {
		int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);

		cr_assert(hi >= 0 && lo >= 0, "bad hex digit");
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return out;
}

static const char *hex(const uint8_t *data, size_t len)
{
	static char buf[2 * 1024 + 1];

	cr_assert(len <= 1024);
	mledger_hex(buf, data, len);
	return buf;
}

/* ---- RFC 8032 section 7.1 ------------------------------------------------- */

struct rfc8032_vector {
	const char *name;
	const char *seed;
	const char *pub;
	const char *msg;
	const char *sig;
};

static const struct rfc8032_vector rfc8032[] = {
	{
		"TEST 1",
		"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
		"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
		"",
		"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
		"5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
	},
	{
		"TEST 2",
		"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
		"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
		"72",
		"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
		"085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
	},
	{
		"TEST 3",
		"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
		"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
		"af82",
		"6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
		"18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
	},
	{
		"TEST 1024",
		"f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
		"278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
		"08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
		"fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
		"79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
		"658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
		"1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
		"ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
		"06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
		"efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
		"aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
		"85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
		"d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
		"554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
		"88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
		"2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
		"07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
		"b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
		"ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
		"c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
		"51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
		"42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
		"ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
		"f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
		"d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
		"de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
		"88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
		"2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
		"6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
		"b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
		"0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
		"369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
		"b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
		"0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0",
		"0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
		"aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03",
	},
};

/* Flipping any one bit of msg must make the signature fail. */
static void check_msg_bits(const mledger_key *key, uint8_t *msg, size_t len,
			   const uint8_t *sig)
{
	size_t bit;

	for (bit = 0; bit < 8 * len; bit++) {
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		cr_assert_eq(mledger_key_verify(key, msg, len, sig, MLEDGER_SIG_BYTES),
			     MLEDGER_EBADSIG, "message bit %zu flipped still verifies",
			     bit);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

static void check_sig_bits(const mledger_key *key, const uint8_t *msg,
			   size_t len, const uint8_t *sig)
{
	uint8_t bad[MLEDGER_SIG_BYTES];
	size_t bit;

	memcpy(bad, sig, sizeof(bad));
	for (bit = 0; bit < 8 * sizeof(bad); bit++) {
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		cr_assert_eq(mledger_key_verify(key, msg, len, bad, sizeof(bad)),
			     MLEDGER_EBADSIG,
			     "signature bit %zu flipped still verifies", bit);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

/*
 * Flipping any one bit of the public key must make the signature fail, be it
 * because the bytes are no longer a key (P-256 off the curve) or because the
 * key no longer matches.
 */
static void check_pub_bits(mledger_alg alg, const uint8_t *pub, size_t pub_len,
			   const uint8_t *msg, size_t len, const uint8_t *sig)
{
	uint8_t bad[MLEDGER_PUBKEY_MAX];
	size_t bit;

	memcpy(bad, pub, pub_len);
	for (bit = 0; bit < 8 * pub_len; bit++) {
		mledger_key *key = NULL;
		int rc;

		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		rc = mledger_key_from_public(&key, alg, bad, pub_len);
		if (rc == 0) {
			cr_assert_eq(mledger_key_verify(key, msg, len, sig,
							MLEDGER_SIG_BYTES),
				     MLEDGER_EBADSIG,
				     "public key bit %zu flipped still verifies", bit);
			mledger_key_free(key);
		} else {
			cr_assert_eq(rc, MLEDGER_EFORMAT);
		}
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

static void check_rfc8032(const struct rfc8032_vector *v)
{
	uint8_t pub[MLEDGER_PUBKEY_MAX], sig[MLEDGER_SIG_BYTES];
	mledger_key *key = NULL, *pubkey = NULL;
	size_t seed_len, msg_len, pub_len, exp_sig_len, exp_pub_len;
	uint8_t *seed = unhex(v->seed, &seed_len);
	uint8_t *msg = unhex(v->msg, &msg_len);
	uint8_t *exp_pub = unhex(v->pub, &exp_pub_len);
	uint8_t *exp_sig = unhex(v->sig, &exp_sig_len);

	cr_assert_eq(mledger_key_from_seed(&key, seed, seed_len), 0, "%s: %s",
		     v->name, mledger_error_last());
	cr_assert_eq(mledger_key_alg(key), MLEDGER_ALG_ED25519);
	cr_assert_eq(mledger_key_has_private(key), 1);

	/* The public key derived from the seed. */
	cr_assert_eq(mledger_key_public(pub, &pub_len, key), 0);
	cr_assert_eq(pub_len, 32);
	cr_assert_str_eq(hex(pub, pub_len), v->pub, "%s: public key", v->name);

	/* The signature, byte for byte (Ed25519 is deterministic). */
	cr_assert_eq(mledger_key_sign(sig, key, msg, msg_len), 0, "%s: %s",
		     v->name, mledger_error_last());
	cr_assert_str_eq(hex(sig, sizeof(sig)), v->sig, "%s: signature", v->name);

	/* It verifies with the private key object and with the bare public key. */
	cr_assert_eq(mledger_key_verify(key, msg, msg_len, exp_sig, exp_sig_len), 0,
		     "%s: %s", v->name, mledger_error_last());
	cr_assert_eq(mledger_key_from_public(&pubkey, MLEDGER_ALG_ED25519, exp_pub,
					     exp_pub_len), 0);
	cr_assert_eq(mledger_key_has_private(pubkey), 0);
	cr_assert_eq(mledger_key_verify(pubkey, msg, msg_len, exp_sig, exp_sig_len),
		     0, "%s: %s", v->name, mledger_error_last());

	check_msg_bits(pubkey, msg, msg_len, exp_sig);
	check_sig_bits(pubkey, msg, msg_len, exp_sig);
	check_pub_bits(MLEDGER_ALG_ED25519, exp_pub, exp_pub_len, msg, msg_len,
		       exp_sig);
	/* A message one byte longer or shorter is another message. */
	if (msg_len > 0)
		cr_assert_eq(mledger_key_verify(pubkey, msg, msg_len - 1, exp_sig,
						exp_sig_len), MLEDGER_EBADSIG);

	mledger_key_free(pubkey);
	mledger_key_free(key);
	free(seed);
	free(msg);
	free(exp_pub);
	free(exp_sig);
}

Test(key, rfc8032_test1) { check_rfc8032(&rfc8032[0]); }
Test(key, rfc8032_test2) { check_rfc8032(&rfc8032[1]); }
Test(key, rfc8032_test3) { check_rfc8032(&rfc8032[2]); }
Test(key, rfc8032_test1024) { check_rfc8032(&rfc8032[3]); }

/*
 * S + L encodes the same scalar as S but is not canonical; RFC 8032 5.1.7
 * requires rejecting it, which stops signatures from being malleable.
 */
Test(key, ed25519_rejects_noncanonical_s)
{
	static const uint8_t order_le[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
		0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	};
	mledger_key *key = NULL;
	size_t pub_len, sig_len, i;
	uint8_t *pub = unhex(rfc8032[1].pub, &pub_len);
	uint8_t *sig = unhex(rfc8032[1].sig, &sig_len);
	const uint8_t msg[1] = { 0x72 };
	unsigned carry = 0;

	cr_assert_eq(mledger_key_from_public(&key, MLEDGER_ALG_ED25519, pub,
					     pub_len), 0);
	cr_assert_eq(mledger_key_verify(key, msg, 1, sig, sig_len), 0);
	for (i = 0; i < 32; i++) {
		unsigned t = sig[32 + i] + order_le[i] + carry;

		sig[32 + i] = (uint8_t)t;
		carry = t >> 8;
	}
	cr_assert_eq(carry, 0);
	cr_assert_eq(mledger_key_verify(key, msg, 1, sig, sig_len), MLEDGER_EBADSIG);
	mledger_key_free(key);
	free(pub);
	free(sig);
}

/* ---- key ids --------------------------------------------------------------- */

/* SHA-256("mledger/kid/v1\ned25519\n" || RFC 8032 TEST 1 public key)[0:16]. */
#define RFC8032_TEST1_KID "bb3e76bd4bd11849716df799a6453e48"

Test(key, kid_known_answer)
{
	uint8_t kid[MLEDGER_KID_BYTES];
	mledger_key *key = NULL;
	size_t pub_len, seed_len;
	uint8_t *pub = unhex(rfc8032[0].pub, &pub_len);
	uint8_t *seed = unhex(rfc8032[0].seed, &seed_len);

	cr_assert_eq(mledger_kid_compute(kid, MLEDGER_ALG_ED25519, pub, pub_len), 0);
	cr_assert_str_eq(hex(kid, sizeof(kid)), RFC8032_TEST1_KID);

	/* The same id from a key object, private or public. */
	cr_assert_eq(mledger_key_from_seed(&key, seed, seed_len), 0);
	cr_assert_eq(mledger_key_id(kid, key), 0);
	cr_assert_str_eq(hex(kid, sizeof(kid)), RFC8032_TEST1_KID);
	mledger_key_free(key);
	cr_assert_eq(mledger_key_from_public(&key, MLEDGER_ALG_ED25519, pub,
					     pub_len), 0);
	cr_assert_eq(mledger_key_id(kid, key), 0);
	cr_assert_str_eq(hex(kid, sizeof(kid)), RFC8032_TEST1_KID);
	mledger_key_free(key);
	free(pub);
	free(seed);
}

Test(key, kid_deterministic_and_distinct)
{
	uint8_t a[MLEDGER_KID_BYTES], b[MLEDGER_KID_BYTES], c[MLEDGER_KID_BYTES];
	uint8_t pub[MLEDGER_PUBKEY_MAX], p256_pub[MLEDGER_PUBKEY_MAX];
	size_t pub_len, p256_len;
	mledger_key *k1 = NULL, *k2 = NULL, *k3 = NULL, *again = NULL;
	const char *path = tmp_path(0, "k1.pub");

	cr_assert_eq(mledger_key_generate(&k1, MLEDGER_ALG_ED25519), 0);
	cr_assert_eq(mledger_key_generate(&k2, MLEDGER_ALG_ED25519), 0);
	cr_assert_eq(mledger_key_generate(&k3, MLEDGER_ALG_P256), 0);

	/* Deterministic: the same key read back has the same id. */
	cr_assert_eq(mledger_key_id(a, k1), 0);
	cr_assert_eq(mledger_key_save_public(k1, path), 0);
	cr_assert_eq(mledger_key_load(&again, path), 0);
	cr_assert_eq(mledger_key_id(b, again), 0);
	cr_assert_eq(memcmp(a, b, sizeof(a)), 0);
	cr_assert_eq(mledger_key_public(pub, &pub_len, k1), 0);
	cr_assert_eq(mledger_kid_compute(c, MLEDGER_ALG_ED25519, pub, pub_len), 0);
	cr_assert_eq(memcmp(a, c, sizeof(a)), 0);

	/* Distinct keys, distinct ids. */
	cr_assert_eq(mledger_key_id(b, k2), 0);
	cr_assert_neq(memcmp(a, b, sizeof(a)), 0);
	cr_assert_eq(mledger_key_id(c, k3), 0);
	cr_assert_neq(memcmp(a, c, sizeof(a)), 0);
	cr_assert_eq(mledger_key_public(p256_pub, &p256_len, k3), 0);
	cr_assert_eq(mledger_kid_compute(b, MLEDGER_ALG_P256, p256_pub, p256_len), 0);
	cr_assert_eq(memcmp(b, c, sizeof(b)), 0);

	/*
	 * The algorithm is part of the id: the same 32 bytes hashed without
	 * the "ed25519" label give something else.
	 */
	{
		static const char other[] = "mledger/kid/v1\np256\n";
		uint8_t pre[sizeof(other) - 1 + 32], d[MLEDGER_HASH_BYTES];

		memcpy(pre, other, sizeof(other) - 1);
		memcpy(pre + sizeof(other) - 1, pub, 32);
		mledger_sha256(d, pre, sizeof(pre));
		cr_assert_neq(memcmp(a, d, sizeof(a)), 0);
	}

	/* Wrong lengths for the algorithm are malformed keys. */
	cr_assert_eq(mledger_kid_compute(c, MLEDGER_ALG_P256, pub, pub_len),
		     MLEDGER_EFORMAT);
	cr_assert_eq(mledger_kid_compute(c, MLEDGER_ALG_ED25519, p256_pub, p256_len),
		     MLEDGER_EFORMAT);
	cr_assert_eq(mledger_kid_compute(c, (mledger_alg)7, pub, pub_len),
		     MLEDGER_EINVAL);

	mledger_key_free(again);
	mledger_key_free(k1);
	mledger_key_free(k2);
	mledger_key_free(k3);
}

/* ---- small helpers of the module ---------------------------------------- */

Test(key, alg_names)
{
	mledger_alg alg = (mledger_alg)0;

	cr_assert_str_eq(mledger_alg_name(MLEDGER_ALG_ED25519), "ed25519");
	cr_assert_str_eq(mledger_alg_name(MLEDGER_ALG_P256), "p256");
	cr_assert_null(mledger_alg_name((mledger_alg)0));
	cr_assert_eq(mledger_alg_parse(&alg, "ed25519"), 0);
	cr_assert_eq(alg, MLEDGER_ALG_ED25519);
	cr_assert_eq(mledger_alg_parse(&alg, "p256"), 0);
	cr_assert_eq(alg, MLEDGER_ALG_P256);
	cr_assert_eq(mledger_alg_parse(&alg, "rsa"), MLEDGER_EINVAL);
	cr_assert_not_null(strstr(mledger_error_last(), "rsa"));
	cr_assert_eq(mledger_alg_parse(&alg, "Ed25519"), MLEDGER_EINVAL);
	cr_assert_eq(mledger_alg_parse(&alg, NULL), MLEDGER_EINVAL);
}

Test(key, hex_and_sha256)
{
	static const uint8_t bytes[] = { 0x00, 0x01, 0xab, 0xff };
	uint8_t d[MLEDGER_HASH_BYTES];
	char buf[2 * sizeof(bytes) + 1];

	mledger_hex(buf, bytes, sizeof(bytes));
	cr_assert_str_eq(buf, "0001abff");
	mledger_hex(buf, bytes, 0);
	cr_assert_str_eq(buf, "");

	/* FIPS 180-2 example and the empty message. */
	mledger_sha256(d, (const uint8_t *)"abc", 3);
	cr_assert_str_eq(hex(d, sizeof(d)),
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	mledger_sha256(d, NULL, 0);
	cr_assert_str_eq(hex(d, sizeof(d)),
			 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* The concatenated hash equals the hash of the joined bytes, on either side
 * of the size where it stops copying the parts together. */
Test(key, sha256_concat)
{
	static const size_t sizes[] = {0, 1, 2, 63, 64, 1000, 2047, 2048, 2049,
				       5000};
	uint8_t *buf = malloc(10000);
	uint8_t want[MLEDGER_HASH_BYTES], got[MLEDGER_HASH_BYTES];

	cr_assert_not_null(buf);
	for (size_t i = 0; i < 10000; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t a = 0; a < sizeof(sizes) / sizeof(sizes[0]); a++)
		for (size_t b = 0; b < sizeof(sizes) / sizeof(sizes[0]); b++) {
			size_t alen = sizes[a], blen = sizes[b];

			mledger_sha256(want, buf, alen + blen);
			mledger_sha256_concat(got, buf, alen, buf + alen, blen);
			cr_assert_arr_eq(got, want, sizeof(want),
					 "%zu + %zu bytes", alen, blen);
		}
	/* FIPS 180-2 "abc" in two parts. */
	mledger_sha256_concat(got, (const uint8_t *)"a", 1,
			      (const uint8_t *)"bc", 2);
	cr_assert_str_eq(hex(got, sizeof(got)),
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	mledger_sha256_concat(got, NULL, 0, NULL, 0);
	cr_assert_str_eq(hex(got, sizeof(got)),
			 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	free(buf);
}

Test(key, free_null)
{
	mledger_key_free(NULL);
}

/* ---- P-256 ----------------------------------------------------------------- */

Test(key, p256_sign_verify_tamper)
{
	uint8_t sig[MLEDGER_SIG_BYTES], sig2[MLEDGER_SIG_BYTES];
	uint8_t pub[MLEDGER_PUBKEY_MAX];
	uint8_t msg[48];
	size_t pub_len;
	mledger_key *key = NULL, *pubkey = NULL;

	memcpy(msg, "mledger/event/v1\nlot LI-2026-0042 ships 800000 g", sizeof(msg));
	cr_assert_eq(mledger_key_generate(&key, MLEDGER_ALG_P256), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(mledger_key_alg(key), MLEDGER_ALG_P256);
	cr_assert_eq(mledger_key_has_private(key), 1);
	cr_assert_eq(mledger_key_public(pub, &pub_len, key), 0);
	cr_assert_eq(pub_len, 65);
	cr_assert_eq(pub[0], 0x04);

	cr_assert_eq(mledger_key_sign(sig, key, msg, sizeof(msg)), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(mledger_key_verify(key, msg, sizeof(msg), sig, sizeof(sig)), 0,
		     "%s", mledger_error_last());

	/* ECDSA is randomised: a second signature differs and also verifies. */
	cr_assert_eq(mledger_key_sign(sig2, key, msg, sizeof(msg)), 0);
	cr_assert_neq(memcmp(sig, sig2, sizeof(sig)), 0);
	cr_assert_eq(mledger_key_verify(key, msg, sizeof(msg), sig2, sizeof(sig2)), 0);

	/* The bare public key verifies too. */
	cr_assert_eq(mledger_key_from_public(&pubkey, MLEDGER_ALG_P256, pub,
					     pub_len), 0, "%s", mledger_error_last());
	cr_assert_eq(mledger_key_has_private(pubkey), 0);
	cr_assert_eq(mledger_key_verify(pubkey, msg, sizeof(msg), sig, sizeof(sig)),
		     0);

	check_msg_bits(pubkey, msg, sizeof(msg), sig);
	check_sig_bits(pubkey, msg, sizeof(msg), sig);
	check_pub_bits(MLEDGER_ALG_P256, pub, pub_len, msg, sizeof(msg), sig);

	/* Wrong lengths are bad signatures, not crashes. */
	cr_assert_eq(mledger_key_verify(pubkey, msg, sizeof(msg), sig, 63),
		     MLEDGER_EBADSIG);
	cr_assert_eq(mledger_key_verify(pubkey, msg, sizeof(msg), sig, 0),
		     MLEDGER_EBADSIG);
	/* All-zero r and s are out of range. */
	memset(sig2, 0, sizeof(sig2));
	cr_assert_eq(mledger_key_verify(pubkey, msg, sizeof(msg), sig2,
					sizeof(sig2)), MLEDGER_EBADSIG);
	/* No OpenSSL error is left behind for a later caller to trip on. */
	cr_assert_eq(ERR_peek_error(), 0);

	mledger_key_free(pubkey);
	mledger_key_free(key);
}

Test(key, p256_public_forms)
{
	uint8_t pub[MLEDGER_PUBKEY_MAX], bad[MLEDGER_PUBKEY_MAX];
	size_t pub_len;
	mledger_key *key = NULL, *other = NULL;

	cr_assert_eq(mledger_key_generate(&key, MLEDGER_ALG_P256), 0);
	cr_assert_eq(mledger_key_public(pub, &pub_len, key), 0);

	/* Round trip through the raw bytes keeps bytes and id. */
	cr_assert_eq(mledger_key_from_public(&other, MLEDGER_ALG_P256, pub,
					     pub_len), 0);
	{
		uint8_t p2[MLEDGER_PUBKEY_MAX], k1[MLEDGER_KID_BYTES],
			k2[MLEDGER_KID_BYTES];
		size_t n2;

		cr_assert_eq(mledger_key_public(p2, &n2, other), 0);
		cr_assert_eq(n2, pub_len);
		cr_assert_eq(memcmp(p2, pub, n2), 0);
		cr_assert_eq(mledger_key_id(k1, key), 0);
		cr_assert_eq(mledger_key_id(k2, other), 0);
		cr_assert_eq(memcmp(k1, k2, sizeof(k1)), 0);
	}
	mledger_key_free(other);
	other = NULL;

	/* A point off the curve. */
	memcpy(bad, pub, pub_len);
	bad[64] ^= 1;
	cr_assert_eq(mledger_key_from_public(&other, MLEDGER_ALG_P256, bad, pub_len),
		     MLEDGER_EFORMAT);
	cr_assert_null(other);
	/* The compressed form and other lengths are not wire forms. */
	memcpy(bad, pub, 33);
	bad[0] = (uint8_t)(0x02 | (pub[64] & 1));
	cr_assert_eq(mledger_key_from_public(&other, MLEDGER_ALG_P256, bad, 33),
		     MLEDGER_EFORMAT);
	memcpy(bad, pub, pub_len);
	bad[0] = 0x06;
	cr_assert_eq(mledger_key_from_public(&other, MLEDGER_ALG_P256, bad, pub_len),
		     MLEDGER_EFORMAT);
	cr_assert_eq(mledger_key_from_public(&other, MLEDGER_ALG_P256, pub, 64),
		     MLEDGER_EFORMAT);
	cr_assert_eq(mledger_key_from_public(&other, MLEDGER_ALG_ED25519, pub, 33),
		     MLEDGER_EFORMAT);
	cr_assert_eq(mledger_key_from_public(&other, (mledger_alg)9, pub, 32),
		     MLEDGER_EINVAL);
	cr_assert_eq(ERR_peek_error(), 0);
	mledger_key_free(key);
}

Test(key, public_only_cannot_sign)
{
	uint8_t pub[MLEDGER_PUBKEY_MAX], sig[MLEDGER_SIG_BYTES];
	size_t pub_len;
	mledger_alg algs[2] = { MLEDGER_ALG_ED25519, MLEDGER_ALG_P256 };
	int i;

	for (i = 0; i < 2; i++) {
		mledger_key *key = NULL, *pubkey = NULL;

		cr_assert_eq(mledger_key_generate(&key, algs[i]), 0);
		cr_assert_eq(mledger_key_public(pub, &pub_len, key), 0);
		cr_assert_eq(mledger_key_from_public(&pubkey, algs[i], pub, pub_len), 0);
		cr_assert_eq(mledger_key_sign(sig, pubkey, (const uint8_t *)"x", 1),
			     MLEDGER_EINVAL);
		cr_assert_eq(mledger_key_save_private(pubkey, tmp_path(0, "nope")),
			     MLEDGER_EINVAL);
		cr_assert_eq(access(tmp_path(0, "nope"), F_OK), -1);
		/* ...but it verifies what the private key signed. */
		cr_assert_eq(mledger_key_sign(sig, key, (const uint8_t *)"x", 1), 0);
		cr_assert_eq(mledger_key_verify(pubkey, (const uint8_t *)"x", 1, sig,
						sizeof(sig)), 0);
		mledger_key_free(pubkey);
		mledger_key_free(key);
	}
}

Test(key, from_seed_wrong_length)
{
	static const uint8_t seed[33];
	mledger_key *key = NULL;

	cr_assert_eq(mledger_key_from_seed(&key, seed, 31), MLEDGER_EINVAL);
	cr_assert_eq(mledger_key_from_seed(&key, seed, 33), MLEDGER_EINVAL);
	cr_assert_null(key);
}

/* ---- key files ------------------------------------------------------------- */

static void check_file_roundtrip(mledger_alg alg)
{
	const char *priv = tmp_path(0, "key");
	const char *pub = tmp_path(1, "key.pub");
	uint8_t p1[MLEDGER_PUBKEY_MAX], p2[MLEDGER_PUBKEY_MAX];
	uint8_t k1[MLEDGER_KID_BYTES], k2[MLEDGER_KID_BYTES];
	uint8_t sig[MLEDGER_SIG_BYTES];
	size_t n1, n2;
	struct stat st;
	mledger_key *key = NULL, *loaded = NULL, *loaded_pub = NULL;
	static const uint8_t msg[] = "lot NI-7 received 1200000 g";

	/* Key files get exactly the modes we ask for. */
	umask(022);
	cr_assert_eq(mledger_key_generate(&key, alg), 0);
	cr_assert_eq(mledger_key_save_private(key, priv), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(stat(priv, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "private key mode %o",
		     (unsigned)(st.st_mode & 0777));
	cr_assert_eq(mledger_key_save_public(key, pub), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(stat(pub, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644);

	cr_assert_eq(mledger_key_load(&loaded, priv), 0, "%s", mledger_error_last());
	cr_assert_eq(mledger_key_has_private(loaded), 1);
	cr_assert_eq(mledger_key_alg(loaded), alg);
	cr_assert_eq(mledger_key_load(&loaded_pub, pub), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(mledger_key_has_private(loaded_pub), 0);
	cr_assert_eq(mledger_key_alg(loaded_pub), alg);

	cr_assert_eq(mledger_key_public(p1, &n1, key), 0);
	cr_assert_eq(mledger_key_public(p2, &n2, loaded), 0);
	cr_assert_eq(n1, n2);
	cr_assert_eq(memcmp(p1, p2, n1), 0);
	cr_assert_eq(mledger_key_public(p2, &n2, loaded_pub), 0);
	cr_assert_eq(n1, n2);
	cr_assert_eq(memcmp(p1, p2, n1), 0);
	cr_assert_eq(mledger_key_id(k1, key), 0);
	cr_assert_eq(mledger_key_id(k2, loaded_pub), 0);
	cr_assert_eq(memcmp(k1, k2, sizeof(k1)), 0);

	/* The loaded private key signs for the original, and vice versa. */
	cr_assert_eq(mledger_key_sign(sig, loaded, msg, sizeof(msg)), 0);
	cr_assert_eq(mledger_key_verify(key, msg, sizeof(msg), sig, sizeof(sig)), 0);
	cr_assert_eq(mledger_key_verify(loaded_pub, msg, sizeof(msg), sig,
					sizeof(sig)), 0);
	cr_assert_eq(mledger_key_sign(sig, key, msg, sizeof(msg)), 0);
	cr_assert_eq(mledger_key_verify(loaded_pub, msg, sizeof(msg), sig,
					sizeof(sig)), 0);
	cr_assert_eq(mledger_key_sign(sig, loaded_pub, msg, sizeof(msg)),
		     MLEDGER_EINVAL);

	mledger_key_free(loaded_pub);
	mledger_key_free(loaded);
	mledger_key_free(key);
}

Test(key, file_roundtrip_ed25519) { check_file_roundtrip(MLEDGER_ALG_ED25519); }
Test(key, file_roundtrip_p256) { check_file_roundtrip(MLEDGER_ALG_P256); }

static char *read_all(const char *path, size_t *len)
{
	static char buf[8192];
	FILE *f = fopen(path, "rb");

	cr_assert_not_null(f);
	*len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

Test(key, file_formats_are_pem)
{
	const char *priv = tmp_path(0, "key");
	const char *pub = tmp_path(1, "key.pub");
	mledger_key *key = NULL;
	char *pem = NULL, *text;
	size_t len;

	cr_assert_eq(mledger_key_generate(&key, MLEDGER_ALG_ED25519), 0);
	cr_assert_eq(mledger_key_save_private(key, priv), 0);
	cr_assert_eq(mledger_key_save_public(key, pub), 0);
	text = read_all(priv, &len);
	cr_assert_eq(strncmp(text, "-----BEGIN PRIVATE KEY-----\n", 28), 0, "%s",
		     text);
	text = read_all(pub, &len);
	cr_assert_eq(strncmp(text, "-----BEGIN PUBLIC KEY-----\n", 27), 0, "%s",
		     text);
	cr_assert_eq(mledger_key_public_pem(&pem, key), 0);
	cr_assert_str_eq(pem, text);
	free(pem);
	mledger_key_free(key);
}

Test(key, save_refuses_existing_file)
{
	const char *priv = tmp_path(0, "key");
	const char *pub = tmp_path(1, "key.pub");
	mledger_key *a = NULL, *b = NULL, *loaded = NULL;
	uint8_t ka[MLEDGER_KID_BYTES], kl[MLEDGER_KID_BYTES];

	cr_assert_eq(mledger_key_generate(&a, MLEDGER_ALG_ED25519), 0);
	cr_assert_eq(mledger_key_generate(&b, MLEDGER_ALG_ED25519), 0);
	cr_assert_eq(mledger_key_save_private(a, priv), 0);
	cr_assert_eq(mledger_key_save_private(b, priv), MLEDGER_EEXISTS);
	cr_assert_not_null(strstr(mledger_error_last(), priv));
	cr_assert_eq(mledger_key_save_public(a, pub), 0);
	cr_assert_eq(mledger_key_save_public(b, pub), MLEDGER_EEXISTS);

	/* The first key is still the one on disk. */
	cr_assert_eq(mledger_key_load(&loaded, priv), 0);
	cr_assert_eq(mledger_key_id(ka, a), 0);
	cr_assert_eq(mledger_key_id(kl, loaded), 0);
	cr_assert_eq(memcmp(ka, kl, sizeof(ka)), 0);

	/* A directory that does not exist is an I/O error. */
	cr_assert_eq(mledger_key_save_private(a, tmp_path(2, "no/such/dir/key")),
		     MLEDGER_EIO);

	mledger_key_free(loaded);
	mledger_key_free(a);
	mledger_key_free(b);
}

Test(key, load_bad_files)
{
	const char *missing = tmp_path(0, "missing");
	const char *garbage = tmp_path(1, "garbage");
	const char *empty = tmp_path(2, "empty");
	const char *big = tmp_path(3, "big");
	static const char junk[] = "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n"
				   "-----END PRIVATE KEY-----\nand some noise\n";
	mledger_key *key = NULL;
	char *data;

	cr_assert_eq(mledger_key_load(&key, missing), MLEDGER_EIO);
	cr_assert_not_null(strstr(mledger_error_last(), missing));
	cr_assert_null(key);

	write_file(garbage, junk, sizeof(junk) - 1);
	cr_assert_eq(mledger_key_load(&key, garbage), MLEDGER_EFORMAT);
	cr_assert_not_null(strstr(mledger_error_last(), garbage));
	cr_assert_null(key);

	write_file(empty, "", 0);
	cr_assert_eq(mledger_key_load(&key, empty), MLEDGER_EFORMAT);
	cr_assert_not_null(strstr(mledger_error_last(), empty));

	/* 100 KiB: refused for its size before any parsing. */
	data = malloc(100 * 1024);
	cr_assert_not_null(data);
	memset(data, 'A', 100 * 1024);
	write_file(big, data, 100 * 1024);
	cr_assert_eq(mledger_key_load(&key, big), MLEDGER_ETOOBIG);
	cr_assert_not_null(strstr(mledger_error_last(), big));
	unlink(big);

	/* Exactly 64 KiB is within the cap: a format error, not a size error. */
	write_file(big, data, 64 * 1024);
	cr_assert_eq(mledger_key_load(&key, big), MLEDGER_EFORMAT);
	unlink(big);
	write_file(big, data, 64 * 1024 + 1);
	cr_assert_eq(mledger_key_load(&key, big), MLEDGER_ETOOBIG);
	free(data);

	/* A directory cannot be read as a key. */
	cr_assert_eq(mledger_key_load(&key, tmpdir), MLEDGER_EIO);
	cr_assert_null(key);
	cr_assert_eq(ERR_peek_error(), 0);
}

static void write_pem(const char *path, EVP_PKEY *pkey, int private)
{
	BIO *bio = BIO_new_file(path, "w");

	cr_assert_not_null(bio);
	if (private)
		cr_assert_eq(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0,
						      NULL, NULL), 1);
	else
		cr_assert_eq(PEM_write_bio_PUBKEY(bio, pkey), 1);
	BIO_free(bio);
}

Test(key, load_refuses_other_key_types)
{
	const char *rsa_priv = tmp_path(0, "rsa");
	const char *rsa_pub = tmp_path(1, "rsa.pub");
	const char *p384 = tmp_path(2, "p384");
	const char *ed448 = tmp_path(3, "ed448.pub");
	mledger_key *key = NULL;
	EVP_PKEY *pkey;

	pkey = EVP_RSA_gen(1024);
	cr_assert_not_null(pkey);
	write_pem(rsa_priv, pkey, 1);
	write_pem(rsa_pub, pkey, 0);
	EVP_PKEY_free(pkey);

	cr_assert_eq(mledger_key_load(&key, rsa_priv), MLEDGER_EFORMAT);
	cr_assert_not_null(strstr(mledger_error_last(), rsa_priv));
	cr_assert_not_null(strstr(mledger_error_last(), "RSA"), "%s",
			   mledger_error_last());
	cr_assert_null(key);
	cr_assert_eq(mledger_key_load(&key, rsa_pub), MLEDGER_EFORMAT);
	cr_assert_not_null(strstr(mledger_error_last(), "RSA"));

	pkey = EVP_EC_gen("P-384");
	cr_assert_not_null(pkey);
	write_pem(p384, pkey, 1);
	EVP_PKEY_free(pkey);
	cr_assert_eq(mledger_key_load(&key, p384), MLEDGER_EFORMAT);
	cr_assert_not_null(strstr(mledger_error_last(), p384));
	cr_assert_not_null(strstr(mledger_error_last(), "secp384r1"), "%s",
			   mledger_error_last());

	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	cr_assert_not_null(pkey);
	write_pem(ed448, pkey, 0);
	EVP_PKEY_free(pkey);
	cr_assert_eq(mledger_key_load(&key, ed448), MLEDGER_EFORMAT);
	cr_assert_not_null(strstr(mledger_error_last(), "ED448"), "%s",
			   mledger_error_last());
	cr_assert_null(key);
	cr_assert_eq(ERR_peek_error(), 0);
}

/*
 * An encrypted key must fail cleanly: without our passphrase callback
 * OpenSSL would prompt on the terminal from inside the library.
 */
Test(key, load_refuses_encrypted_private_key, .timeout = 30)
{
	const char *path = tmp_path(0, "enc");
	mledger_key *key = NULL;
	EVP_PKEY *pkey;
	BIO *bio;

	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	cr_assert_not_null(pkey);
	bio = BIO_new_file(path, "w");
	cr_assert_not_null(bio);
	cr_assert_eq(PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_256_cbc(),
						   "secret", 6, NULL, NULL), 1);
	BIO_free(bio);
	EVP_PKEY_free(pkey);

	cr_assert_eq(mledger_key_load(&key, path), MLEDGER_EFORMAT);
	cr_assert_not_null(strstr(mledger_error_last(), path));
	cr_assert_not_null(strstr(mledger_error_last(), "encrypted"), "%s",
			   mledger_error_last());
	cr_assert_null(key);
	cr_assert_eq(ERR_peek_error(), 0);
}

/* Files from other tools may hold a compressed point; we still report 65 bytes. */
Test(key, load_p256_compressed_point)
{
	const char *path = tmp_path(0, "compressed.pub");
	const char *plain = tmp_path(1, "plain.pub");
	uint8_t pub[MLEDGER_PUBKEY_MAX], mine[MLEDGER_PUBKEY_MAX];
	size_t pub_len, mine_len;
	mledger_key *key = NULL, *loaded = NULL;
	struct stat a, b;
	EVP_PKEY *pkey;

	pkey = EVP_EC_gen("P-256");
	cr_assert_not_null(pkey);
	write_pem(plain, pkey, 0);
	cr_assert_eq(EVP_PKEY_get_octet_string_param(pkey,
						     OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
						     mine, sizeof(mine), &mine_len), 1);
	cr_assert_eq(mine_len, 65);
	cr_assert_eq(EVP_PKEY_set_utf8_string_param(pkey,
						    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
						    "compressed"), 1);
	write_pem(path, pkey, 0);
	EVP_PKEY_free(pkey);
	cr_assert_eq(stat(path, &a), 0);
	cr_assert_eq(stat(plain, &b), 0);
	cr_assert_lt(a.st_size, b.st_size, "the point was not written compressed");

	cr_assert_eq(mledger_key_load(&loaded, path), 0, "%s", mledger_error_last());
	cr_assert_eq(mledger_key_public(pub, &pub_len, loaded), 0);
	cr_assert_eq(pub_len, 65);
	cr_assert_eq(memcmp(pub, mine, 65), 0);
	cr_assert_eq(mledger_key_load(&key, plain), 0);
	{
		uint8_t k1[MLEDGER_KID_BYTES], k2[MLEDGER_KID_BYTES];

		cr_assert_eq(mledger_key_id(k1, key), 0);
		cr_assert_eq(mledger_key_id(k2, loaded), 0);
		cr_assert_eq(memcmp(k1, k2, sizeof(k1)), 0);
	}
	mledger_key_free(key);
	mledger_key_free(loaded);
}

/* ---- concurrency ------------------------------------------------------------ */

struct verify_job {
	const mledger_key *key;
	const uint8_t *msg;
	size_t len;
	const uint8_t *sig;
	int rounds;
	int ok;          /* how many verifications succeeded */
	int bad_ok;      /* how many tampered ones wrongly succeeded */
};

static void *verify_thread(void *arg)
{
	struct verify_job *job = arg;
	uint8_t bad[MLEDGER_SIG_BYTES];
	int i;

	memcpy(bad, job->sig, sizeof(bad));
	bad[5] ^= 0x10;
	for (i = 0; i < job->rounds; i++) {
		if (mledger_key_verify(job->key, job->msg, job->len, job->sig,
				       MLEDGER_SIG_BYTES) == 0)
			job->ok++;
		/* Interleave some failures to check they do not disturb. */
		if (i % 100 == 0 &&
		    mledger_key_verify(job->key, job->msg, job->len, bad,
				       sizeof(bad)) == 0)
			job->bad_ok++;
	}
	return NULL;
}

/* Two threads verify with one key object at once; every call must agree. */
static void check_concurrent_verify(mledger_alg alg, int rounds)
{
	uint8_t msg[200], sig[MLEDGER_SIG_BYTES];
	struct verify_job jobs[2];
	pthread_t threads[2];
	mledger_key *key = NULL;
	size_t i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	cr_assert_eq(mledger_key_generate(&key, alg), 0);
	cr_assert_eq(mledger_key_sign(sig, key, msg, sizeof(msg)), 0);
	for (i = 0; i < 2; i++) {
		jobs[i] = (struct verify_job){ key, msg, sizeof(msg), sig, rounds,
					       0, 0 };
		cr_assert_eq(pthread_create(&threads[i], NULL, verify_thread,
					    &jobs[i]), 0);
	}
	for (i = 0; i < 2; i++)
		cr_assert_eq(pthread_join(threads[i], NULL), 0);
	for (i = 0; i < 2; i++) {
		cr_assert_eq(jobs[i].ok, rounds, "thread %zu: %d of %d", i,
			     jobs[i].ok, rounds);
		cr_assert_eq(jobs[i].bad_ok, 0);
	}
	mledger_key_free(key);
}

Test(key, concurrent_verify_ed25519, .timeout = 120)
{
	check_concurrent_verify(MLEDGER_ALG_ED25519, 10000);
}

Test(key, concurrent_verify_p256, .timeout = 120)
{
	check_concurrent_verify(MLEDGER_ALG_P256, 2000);
}

/*
 * A fresh Ed25519 key pair: the signature of msg by the private half in
 * sig, the public half (the kind verification contexts are kept for) back.
 */
static mledger_key *signed_by_new_key(uint8_t sig[MLEDGER_SIG_BYTES],
				      const uint8_t *msg, size_t len)
{
	uint8_t pub[MLEDGER_PUBKEY_MAX];
	size_t pub_len = 0;
	mledger_key *priv = NULL, *key = NULL;

	cr_assert_eq(mledger_key_generate(&priv, MLEDGER_ALG_ED25519), 0);
	cr_assert_eq(mledger_key_sign(sig, priv, msg, len), 0);
	cr_assert_eq(mledger_key_public(pub, &pub_len, priv), 0);
	cr_assert_eq(mledger_key_from_public(&key, MLEDGER_ALG_ED25519, pub,
					     pub_len), 0);
	/* A key with its private half verifies too (without the cache). */
	cr_assert_eq(mledger_key_verify(priv, msg, len, sig,
					MLEDGER_SIG_BYTES), 0);
	mledger_key_free(priv);
	return key;
}

/*
 * Each thread keeps a ready verification context per public key. Whatever
 * the order of keys, of good and bad signatures, and of keys freed and made
 * afresh (which reuses the freed one's memory), every verdict must be the
 * right one: a context must never answer for another key.
 */
Test(key, reused_contexts_never_mix_keys, .timeout = 60)
{
	enum { NKEYS = 300 };
	static mledger_key *keys[NKEYS];
	static uint8_t sigs[NKEYS][MLEDGER_SIG_BYTES];
	uint8_t msg[64], bad[MLEDGER_SIG_BYTES];
	size_t same_place = 0;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (size_t i = 0; i < NKEYS; i++)
		keys[i] = signed_by_new_key(sigs[i], msg, sizeof(msg));
	for (size_t i = 0; i < NKEYS; i++) {
		size_t other = (i * 7 + 1) % NKEYS;

		cr_assert_eq(mledger_key_verify(keys[i], msg, sizeof(msg),
						sigs[i], sizeof(sigs[i])),
			     0, "key %zu: %s", i, mledger_error_last());
		/* Another key's signature, and a damaged one. */
		cr_assert_eq(mledger_key_verify(keys[i], msg, sizeof(msg),
						sigs[other], sizeof(sigs[other])),
			     MLEDGER_EBADSIG, "key %zu", i);
		memcpy(bad, sigs[i], sizeof(bad));
		bad[5] ^= 0x04;
		cr_assert_eq(mledger_key_verify(keys[i], msg, sizeof(msg), bad,
						sizeof(bad)), MLEDGER_EBADSIG);
		/* Still good after the failures. */
		cr_assert_eq(mledger_key_verify(keys[i], msg, sizeof(msg),
						sigs[i], sizeof(sigs[i])), 0);
	}
	/* A key freed and another made in its memory: the old signature,
	 * whose context this thread still holds, must not pass. */
	for (size_t i = 0; i < NKEYS; i++) {
		uintptr_t was = (uintptr_t)keys[i];
		uint8_t old[MLEDGER_SIG_BYTES];

		cr_assert_eq(mledger_key_verify(keys[i], msg, sizeof(msg),
						sigs[i], sizeof(sigs[i])), 0);
		memcpy(old, sigs[i], sizeof(old));
		mledger_key_free(keys[i]);
		keys[i] = signed_by_new_key(sigs[i], msg, sizeof(msg));
		same_place += (uintptr_t)keys[i] == was;
		cr_assert_eq(mledger_key_verify(keys[i], msg, sizeof(msg), old,
						sizeof(old)),
			     MLEDGER_EBADSIG, "key %zu made anew", i);
		cr_assert_eq(mledger_key_verify(keys[i], msg, sizeof(msg),
						sigs[i], sizeof(sigs[i])), 0);
	}
	cr_log_info("%zu of %d keys made in a freed key's memory", same_place,
		    NKEYS);
	for (size_t i = 0; i < NKEYS; i++)
		mledger_key_free(keys[i]);
}
