/*
 * C2SP signed notes and tlog checkpoints. A note is text, a blank line, and
 * signature lines "— <name> <base64(key id || signature)>"; the key id is
 * the first four bytes of SHA-256(name || "\n" || 0x01 || Ed25519 public
 * key). Notes are untrusted input when opened: sizes are capped and every
 * line is checked before use.
 */
#include "mledger/note.h"

#include "codec.h"
#include "error_int.h"
#include "ledger_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EM_DASH "\xe2\x80\x94 "
#define ALG_ED25519 0x01

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(char *out, const uint8_t *in, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

/* Strict standard base64 with padding; returns decoded length or -1. */
static long b64_decode(uint8_t *out, size_t cap, const char *in, size_t len)
{
	size_t o = 0;

	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		uint32_t v = 0;
		size_t pad = 0;

		for (size_t j = 0; j < 4; j++) {
			const char *p;

			if (in[i + j] == '=' && i + 4 == len && j >= 2) {
				pad++;
				v <<= 6;
				continue;
			}
			if (pad || in[i + j] == '\0' ||
			    (p = strchr(b64, in[i + j])) == NULL)
				return -1;
			v = (v << 6) | (uint32_t)(p - b64);
		}
		if (o + 3 - pad > cap)
			return -1;
		out[o++] = (uint8_t)(v >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(v >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)v;
		/* Canonical: the bits under the padding are zero. */
		if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
			return -1;
	}
	return (long)o;
}

static int name_valid(const char *name, size_t len)
{
	if (len == 0 || len > 256)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= 0x20 || c == '+' || c == 0x7f)
			return 0;
	}
	return mledger_utf8_valid((const uint8_t *)name, len);
}

static void key_id(uint8_t out[4], const char *name, size_t len,
		   const uint8_t pub[32])
{
	uint8_t buf[256 + 2 + 32], h[MLEDGER_HASH_BYTES];

	memcpy(buf, name, len);
	buf[len] = '\n';
	buf[len + 1] = ALG_ED25519;
	memcpy(buf + len + 2, pub, 32);
	mledger_sha256(h, buf, len + 2 + 32);
	memcpy(out, h, 4);
}

static int ed25519_pub(uint8_t out[MLEDGER_PUBKEY_MAX], const mledger_key *key)
{
	size_t len;
	int error;

	if (mledger_key_alg(key) != MLEDGER_ALG_ED25519)
		return mledger_error_set(MLEDGER_EINVAL,
			"checkpoints are signed with Ed25519 keys only");
	if ((error = mledger_key_public(out, &len, key)) < 0)
		return error;
	return 0;
}

int mledger_note_vkey(char **out, const char *name, const mledger_key *key)
{
	uint8_t pub[MLEDGER_PUBKEY_MAX], id[4], typed[33];
	char enc[64];
	size_t nlen = strlen(name), size;
	int error;

	*out = NULL;
	if (!name_valid(name, nlen))
		return mledger_error_set(MLEDGER_EINVAL,
			"note key name \"%.64s\" is empty, too long, or has a space or '+'",
			name);
	if ((error = ed25519_pub(pub, key)) < 0)
		return error;
	key_id(id, name, nlen, pub);
	typed[0] = ALG_ED25519;
	memcpy(typed + 1, pub, 32);
	b64_encode(enc, typed, sizeof(typed));
	size = nlen + 1 + 8 + 1 + strlen(enc) + 1;
	if ((*out = malloc(size)) == NULL)
		return MLEDGER_NOMEM();
	snprintf(*out, size, "%s+%02x%02x%02x%02x+%s", name, id[0], id[1],
		 id[2], id[3], enc);
	return 0;
}

int mledger_note_sign(char **out, const char *text, const char *name,
		      const mledger_key *key)
{
	uint8_t pub[MLEDGER_PUBKEY_MAX], blob[4 + MLEDGER_SIG_BYTES];
	char enc[4 * (sizeof(blob) + 2) / 3 + 4];
	size_t tlen = strlen(text), nlen = strlen(name), size;
	int error;

	*out = NULL;
	if (tlen == 0 || text[tlen - 1] != '\n' || strstr(text, "\n\n") ||
	    tlen > MLEDGER_NOTE_MAX / 2)
		return mledger_error_set(MLEDGER_EINVAL,
			"note text must be non-empty lines, each ending in a newline");
	if (!name_valid(name, nlen))
		return mledger_error_set(MLEDGER_EINVAL,
			"note key name \"%.64s\" is empty, too long, or has a space or '+'",
			name);
	if ((error = ed25519_pub(pub, key)) < 0)
		return error;
	key_id(blob, name, nlen, pub);
	if ((error = mledger_key_sign(blob + 4, key, (const uint8_t *)text,
				      tlen)) < 0)
		return error;
	b64_encode(enc, blob, sizeof(blob));
	size = tlen + 1 + strlen(EM_DASH) + nlen + 1 + strlen(enc) + 2;
	if ((*out = malloc(size)) == NULL)
		return MLEDGER_NOMEM();
	snprintf(*out, size, "%s\n" EM_DASH "%s %s\n", text, name, enc);
	return 0;
}

/* A parsed vkey: name, key id, public key. */
typedef struct vkey {
	char name[257];
	size_t nlen;
	uint8_t id[4];
	uint8_t pub[32];
} vkey;

static int parse_vkey(vkey *v, const char *s)
{
	const char *p1 = strchr(s, '+'), *p2;
	uint8_t typed[64], id[4];
	long n;

	if (p1 == NULL || (p2 = strchr(p1 + 1, '+')) == NULL ||
	    p2 - p1 != 9 || (size_t)(p1 - s) >= sizeof(v->name))
		goto bad;
	v->nlen = (size_t)(p1 - s);
	memcpy(v->name, s, v->nlen);
	v->name[v->nlen] = '\0';
	if (!name_valid(v->name, v->nlen))
		goto bad;
	for (int i = 0; i < 4; i++) {
		unsigned hi, lo;
		char c1 = p1[1 + 2 * i], c2 = p1[2 + 2 * i];

		hi = c1 >= '0' && c1 <= '9' ? (unsigned)(c1 - '0')
		   : c1 >= 'a' && c1 <= 'f' ? (unsigned)(c1 - 'a' + 10) : 99;
		lo = c2 >= '0' && c2 <= '9' ? (unsigned)(c2 - '0')
		   : c2 >= 'a' && c2 <= 'f' ? (unsigned)(c2 - 'a' + 10) : 99;
		if (hi > 15 || lo > 15)
			goto bad;
		v->id[i] = (uint8_t)(hi << 4 | lo);
	}
	n = b64_decode(typed, sizeof(typed), p2 + 1, strlen(p2 + 1));
	if (n != 33 || typed[0] != ALG_ED25519)
		goto bad;
	memcpy(v->pub, typed + 1, 32);
	key_id(id, v->name, v->nlen, v->pub);
	if (memcmp(id, v->id, 4) != 0)
		return mledger_error_set(MLEDGER_EFORMAT,
			"verifier key: its key id does not match its key");
	return 0;
bad:
	return mledger_error_set(MLEDGER_EFORMAT,
		"verifier key is not NAME+KEYID+BASE64 with an Ed25519 key");
}

int mledger_vkey_check(const char *vkey_s)
{
	vkey v;

	return parse_vkey(&v, vkey_s);
}

int mledger_note_open(char **text, const char *note, size_t len,
		      const char *vkey_s)
{
	mledger_key *key = NULL;
	const char *split = NULL, *p, *end = note + len;
	size_t tlen;
	vkey v;
	int error, lines = 0;

	*text = NULL;
	if (len > MLEDGER_NOTE_MAX)
		return mledger_error_set(MLEDGER_ETOOBIG,
			"signed note of %zu bytes is over the %u-byte cap", len,
			MLEDGER_NOTE_MAX);
	if ((error = parse_vkey(&v, vkey_s)) < 0)
		return error;
	if (memchr(note, '\0', len) != NULL ||
	    !mledger_utf8_valid((const uint8_t *)note, len))
		return mledger_error_set(MLEDGER_EFORMAT,
			"signed note is not UTF-8 text");
	/* The signatures follow the last blank line. */
	for (p = note; p + 1 < end; p++)
		if (p[0] == '\n' && p[1] == '\n')
			split = p;
	if (split == NULL || len == 0 || end[-1] != '\n')
		return mledger_error_set(MLEDGER_EFORMAT,
			"signed note has no signature block");
	tlen = (size_t)(split - note) + 1;
	if ((error = mledger_key_from_public(&key, MLEDGER_ALG_ED25519, v.pub,
					     32)) < 0)
		return error;
	error = mledger_error_set(MLEDGER_EBADSIG,
		"the note carries no signature by %s", v.name);
	for (p = split + 2; p < end; lines++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *sp;
		uint8_t blob[4 + MLEDGER_SIG_BYTES + 4];
		long n;

		if (lines == 100 || eol == NULL ||
		    (size_t)(eol - p) < strlen(EM_DASH) ||
		    memcmp(p, EM_DASH, strlen(EM_DASH)) != 0) {
			error = mledger_error_set(MLEDGER_EFORMAT,
				"signed note: malformed signature line %d",
				lines + 1);
			break;
		}
		p += strlen(EM_DASH);
		sp = memchr(p, ' ', (size_t)(eol - p));
		if (sp == NULL) {
			error = mledger_error_set(MLEDGER_EFORMAT,
				"signed note: malformed signature line %d",
				lines + 1);
			break;
		}
		n = b64_decode(blob, sizeof(blob), sp + 1, (size_t)(eol - sp - 1));
		if (n < 5) {
			error = mledger_error_set(MLEDGER_EFORMAT,
				"signed note: bad base64 in signature line %d",
				lines + 1);
			break;
		}
		/* Lines of other keys are ignored, as the spec asks. */
		if ((size_t)(sp - p) == v.nlen && memcmp(p, v.name, v.nlen) == 0 &&
		    memcmp(blob, v.id, 4) == 0) {
			if (n != 4 + MLEDGER_SIG_BYTES ||
			    mledger_key_verify(key, (const uint8_t *)note, tlen,
					       blob + 4, MLEDGER_SIG_BYTES) != 0)
				error = mledger_error_set(MLEDGER_EBADSIG,
					"the signature of %s on the note does not verify",
					v.name);
			else
				error = 0;
			break;
		}
		p = eol + 1;
	}
	mledger_key_free(key);
	if (error < 0)
		return error;
	if ((*text = malloc(tlen + 1)) == NULL)
		return MLEDGER_NOMEM();
	memcpy(*text, note, tlen);
	(*text)[tlen] = '\0';
	return 0;
}

int mledger_checkpoint_parse(mledger_checkpoint *out, const char *text)
{
	const char *l1 = strchr(text, '\n'), *l2, *l3;
	char *end;
	unsigned long long size;

	memset(out, 0, sizeof(*out));
	if (l1 == NULL || (l2 = strchr(l1 + 1, '\n')) == NULL ||
	    (l3 = strchr(l2 + 1, '\n')) == NULL ||
	    (size_t)(l1 - text) >= sizeof(out->origin) || l1 == text)
		goto bad;
	memcpy(out->origin, text, (size_t)(l1 - text));
	if (l1[1] < '0' || l1[1] > '9' || (l1[1] == '0' && l2 - l1 > 2))
		goto bad;
	size = strtoull(l1 + 1, &end, 10);
	if (end != l2)
		goto bad;
	out->size = size;
	if (b64_decode(out->root, sizeof(out->root), l2 + 1,
		       (size_t)(l3 - l2 - 1)) != MLEDGER_HASH_BYTES)
		goto bad;
	return 0;
bad:
	return mledger_error_set(MLEDGER_EFORMAT,
		"not a checkpoint: ORIGIN, SIZE and base64 ROOT lines expected");
}

int mledger_checkpoint_text(char **out, const char *origin, uint64_t size,
			    const uint8_t root[MLEDGER_HASH_BYTES])
{
	char enc[48];
	size_t n = strlen(origin) + 24 + sizeof(enc) + 4;

	b64_encode(enc, root, MLEDGER_HASH_BYTES);
	if ((*out = malloc(n)) == NULL)
		return MLEDGER_NOMEM();
	snprintf(*out, n, "%s\n%llu\n%s\n", origin, (unsigned long long)size,
		 enc);
	return 0;
}
