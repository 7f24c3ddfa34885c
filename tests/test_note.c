/*
 * Signed notes and checkpoints: the C2SP signed-note example key and
 * signature (from the Go sumdb/note documentation) reproduced byte for byte,
 * every malformed or tampered note refused, and a ledger's checkpoint that
 * verifies under the operator's verifier key and matches its tree.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static const char peter_vkey[] =
	"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char peter_text[] =
	"If you think cryptography is the answer to your problem,\n"
	"then you don't know what your problem is.\n";
static const char peter_note[] =
	"If you think cryptography is the answer to your problem,\n"
	"then you don't know what your problem is.\n"
	"\n"
	"\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

/* The seed of PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+
 * Y7hfZx09iUvxdXHKDFz: its base64 less the leading algorithm byte. */
static const uint8_t peter_seed[32] = {
	0x81, 0x0a, 0x14, 0x02, 0xd5, 0x14, 0x6c, 0x8d, 0x84, 0xf2, 0x44, 0x33,
	0x30, 0xf5, 0x40, 0x80, 0xeb, 0xf9, 0x8e, 0xe1, 0x7d, 0x9c, 0x74, 0xf6,
	0x25, 0x2f, 0xc5, 0xd5, 0xc7, 0x28, 0x31, 0x73};

Test(note, c2sp_example_signs_and_opens)
{
	mledger_key *k = NULL;
	char *vkey = NULL, *note = NULL, *text = NULL;

	cr_assert_eq(mledger_key_from_seed(&k, peter_seed, 32), 0);
	cr_assert_eq(mledger_note_vkey(&vkey, "PeterNeumann", k), 0);
	cr_assert_str_eq(vkey, peter_vkey);
	cr_assert_eq(mledger_note_sign(&note, peter_text, "PeterNeumann", k), 0);
	cr_assert_str_eq(note, peter_note);
	cr_assert_eq(mledger_note_open(&text, peter_note, strlen(peter_note),
				       peter_vkey), 0, "%s", mledger_error_last());
	cr_assert_str_eq(text, peter_text);
	free(text);
	free(note);
	free(vkey);
	mledger_key_free(k);
}

static int open_copy(const char *note, size_t len, const char *vkey)
{
	char *text = NULL;
	int error = mledger_note_open(&text, note, len, vkey);

	free(text);
	return error;
}

Test(note, tampered_or_malformed_notes_are_refused)
{
	char buf[512];
	size_t len = strlen(peter_note);

	/* Every single changed byte of the text or signature. */
	for (size_t i = 0; i < len; i++) {
		memcpy(buf, peter_note, len + 1);
		if (buf[i] == '\n' || (unsigned char)buf[i] >= 0x80)
			continue;
		buf[i] = buf[i] == 'A' ? 'B' : 'A';
		cr_assert_neq(open_copy(buf, len, peter_vkey), 0, "byte %zu", i);
	}
	/* Another key's verifier. */
	cr_assert_eq(open_copy(peter_note, len,
		"EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"),
		MLEDGER_EBADSIG);
	/* Malformed verifier keys. */
	cr_assert_eq(open_copy(peter_note, len, "PeterNeumann"), MLEDGER_EFORMAT);
	cr_assert_eq(open_copy(peter_note, len,
		"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
		MLEDGER_EFORMAT);
	/* No signature block; truncated; oversized. */
	cr_assert_eq(open_copy(peter_text, strlen(peter_text), peter_vkey),
		     MLEDGER_EFORMAT);
	cr_assert_neq(open_copy(peter_note, len - 5, peter_vkey), 0);
	{
		size_t big = MLEDGER_NOTE_MAX + 1;
		char *huge = malloc(big);

		memset(huge, 'a', big);
		cr_assert_eq(open_copy(huge, big, peter_vkey), MLEDGER_ETOOBIG);
		free(huge);
	}
	/* A line of an unknown key is ignored; with no line of ours: refused. */
	snprintf(buf, sizeof(buf), "x\ny\n\n\xe2\x80\x94 Someone AAAAAAAA\n");
	cr_assert_eq(open_copy(buf, strlen(buf), peter_vkey), MLEDGER_EBADSIG);
	snprintf(buf, sizeof(buf), "%.*s\xe2\x80\x94 Someone AAAAAAAA\n%s",
		 (int)(strlen(peter_text) + 1), peter_note,
		 peter_note + strlen(peter_text) + 1);
	cr_assert_eq(open_copy(buf, strlen(buf), peter_vkey), 0, "%s",
		     mledger_error_last());
	/* Text that is no note: a blank line inside, no final newline. */
	{
		mledger_key *k = NULL;
		char *note = NULL;

		cr_assert_eq(mledger_key_from_seed(&k, peter_seed, 32), 0);
		cr_assert_eq(mledger_note_sign(&note, "a\n\nb\n", "x", k),
			     MLEDGER_EINVAL);
		cr_assert_eq(mledger_note_sign(&note, "a", "x", k), MLEDGER_EINVAL);
		cr_assert_eq(mledger_note_sign(&note, "a\n", "with space", k),
			     MLEDGER_EINVAL);
		mledger_key_free(k);
	}
}

Test(note, ledger_checkpoints)
{
	char *dir = fx_tmpdir(), *note = NULL, *vkey = NULL, *text = NULL;
	fx_actor op = {"operator", fx_key(1), 1};
	mledger_ledger *l = fx_ledger(dir, &op);
	mledger_checkpoint cp, cp2;
	uint8_t root[MLEDGER_HASH_BYTES];
	uint8_t (*proof)[MLEDGER_HASH_BYTES] = NULL;
	size_t n;

	cr_assert_eq(mledger_checkpoint_make(&note, l, op.key), 0, "%s",
		     mledger_error_last());
	cr_assert_eq(mledger_ledger_vkey(&vkey, l), 0);
	cr_assert(strncmp(vkey, "test.example/ledger+", 20) == 0, "%s", vkey);
	cr_assert_eq(mledger_note_open(&text, note, strlen(note), vkey), 0,
		     "%s", mledger_error_last());
	cr_assert_eq(mledger_checkpoint_parse(&cp, text), 0);
	cr_assert_str_eq(cp.origin, "test.example/ledger");
	cr_assert_eq(cp.size, 1);
	cr_assert_eq(mledger_ledger_root(root, l, 1), 0);
	cr_assert_eq(memcmp(root, cp.root, sizeof(root)), 0);
	free(text);
	free(note);
	/* The ledger grows; the new checkpoint is consistent with the old. */
	for (int i = 0; i < 5; i++) {
		char id[16];
		fx_actor a = {id, fx_key((uint8_t)(20 + i)), 1};
		fx_bytes ev;

		snprintf(id, sizeof(id), "a-%d", i);
		ev = fx_enroll(&op, &a, MLEDGER_ROLE_MINER);
		cr_assert_eq(fx_submit1(l, ev), 0, "%s", mledger_error_last());
		free(ev.data);
		mledger_key_free(a.key);
	}
	cr_assert_eq(mledger_checkpoint_make(&note, l, op.key), 0);
	cr_assert_eq(mledger_note_open(&text, note, strlen(note), vkey), 0);
	cr_assert_eq(mledger_checkpoint_parse(&cp2, text), 0);
	cr_assert_eq(cp2.size, 6);
	cr_assert_eq(mledger_prove_consistency(&proof, &n, l, cp.size, cp2.size), 0);
	cr_assert_eq(mledger_consistency_verify(cp.size, cp2.size, cp.root,
		cp2.root, (const uint8_t (*)[MLEDGER_HASH_BYTES])proof, n), 0);
	free(proof);
	free(text);
	free(note);
	/* An auditor's daily run: trust the old checkpoint, check the rest. */
	{
		mledger_verify_opts o = MLEDGER_VERIFY_OPTS_INIT;
		mledger_verify_result vr;

		o.trusted_size = cp.size;
		memcpy(o.trusted_root, cp.root, sizeof(cp.root));
		cr_assert_eq(mledger_verify(&vr, l, &o), 0, "%s",
			     mledger_error_last());
		cr_assert_eq(vr.entries, 6);
		o.trusted_root[0] ^= 1;
		cr_assert_eq(mledger_verify(&vr, l, &o), MLEDGER_ECHAIN);
		cr_assert(strstr(mledger_error_last(), "rewritten") != NULL);
		o.trusted_size = 7;
		cr_assert_eq(mledger_verify(&vr, l, &o), MLEDGER_ECHAIN);
		cr_assert(strstr(mledger_error_last(), "truncated") != NULL);
	}
	/* Only an operator key signs. */
	{
		mledger_key *other = fx_key(77);

		cr_assert_eq(mledger_checkpoint_make(&note, l, other), MLEDGER_EKEY);
		mledger_key_free(other);
	}
	cr_assert_eq(mledger_checkpoint_parse(&cp, "x\n01\nAAAA\n"), MLEDGER_EFORMAT);
	free(vkey);
	mledger_ledger_close(l);
	mledger_key_free(op.key);
	fx_rmdir(dir);
}
