/*
 * Criterion suite for events (ledger/event.c, event_decode.c, signed.c,
 * event_json.c) and the entry format around them. The golden vectors under
 * tests/vectors/ are rebuilt from their inputs (vectors.h) and compared byte
 * for byte with the stored files and their SHA256SUMS, so any change to a
 * wire format fails here first. The decoder is then pinned from the other
 * side: bodies are written as JSON, turned into canonical msgpack by a small
 * independent writer (bodies.c, checked against the vectors), mutated one
 * field at a time, and every mutation that breaks a rule of proto/events.md
 * must be refused with the right code and a message naming the fault. The
 * lot bodies have their own suite, test_lot_events.c.
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bodies.h"
#include "codec.h"
#include "fixture.h"
#include "ledger_int.h"
#include "vectors/vectors.h"

/* ---- bodies as JSON ----------------------------------------------------- */

/* The bodies of the four registry event vectors, field for field. */
static json_t *genesis_json(void)
{
	char pub[2 * MLEDGER_PUBKEY_MAX + 1];

	key_hex(pub, VEC_OPERATOR_SEED);
	return json_pack("{s:s, s:i, s:{s:s, s:[], s:s, s:[{s:s, s:o}], s:s,"
			 " s:[s, s], s:b}, s:s, s:i, s:s}",
		"actor", VEC_OPERATOR_ID, "actor_seq", 1,
		"operator",
		  "country", "CA", "facilities", "id", VEC_OPERATOR_ID,
		  "keys", "alg", "ed25519", "pub", hex_json(pub),
		  "name", "Example Ledger Operator",
		  "roles", "operator", "registrar", "state_owned", 0,
		"origin", VEC_ORIGIN, "time", (int)VEC_TIME_GENESIS,
		"type", "ledger.genesis");
}

static json_t *enroll_json(void)
{
	char pub[2 * MLEDGER_PUBKEY_MAX + 1];

	key_hex(pub, VEC_MINER_SEED);
	return json_pack("{s:s, s:i, s:{s:s, s:[{s:s, s:s}], s:s, s:[{s:s, s:o}],"
			 " s:s, s:{s:s, s:i}, s:[s, s], s:b}, s:i, s:s}",
		"actor", VEC_OPERATOR_ID, "actor_seq", 2,
		"subject",
		  "country", "CA",
		  "facilities", "country", "CA", "id", VEC_MINER_ID ".mine",
		  "id", VEC_MINER_ID,
		  "keys", "alg", "ed25519", "pub", hex_json(pub),
		  "name", "Mini\xc3\xa8re Exemple Whabouchi",
		  "owner", "country", "US", "share_bp", 2500,
		  "roles", "miner", "processor", "state_owned", 0,
		"time", (int)VEC_TIME_ENROLL, "type", "actor.enroll");
}

static json_t *rekey_json(void)
{
	char pub[2 * MLEDGER_PUBKEY_MAX + 1], kid[2 * MLEDGER_KID_BYTES + 1];

	key_hex(pub, VEC_MINER_SEED2);
	kid_hex(kid, VEC_MINER_SEED);
	return json_pack("{s:s, s:i, s:{s:s, s:o}, s:o, s:s, s:i, s:s}",
		"actor", VEC_MINER_ID, "actor_seq", 1,
		"add", "alg", "ed25519", "pub", hex_json(pub),
		"retire", hex_json(kid), "subject", VEC_MINER_ID,
		"time", (int)VEC_TIME_REKEY, "type", "actor.rekey");
}

static json_t *revoke_json(void)
{
	char kid[2 * MLEDGER_KID_BYTES + 1];

	kid_hex(kid, VEC_MINER_SEED2);
	return json_pack("{s:s, s:i, s:o, s:s, s:s, s:i, s:s}",
		"actor", VEC_OPERATOR_ID, "actor_seq", 3,
		"kid", hex_json(kid), "reason", "key reported lost",
		"subject", VEC_MINER_ID, "time", (int)VEC_TIME_REVOKE,
		"type", "actor.revoke");
}

/* The enroll vector's body with one change, which must be refused. */
static void enroll_refused(const char *path, json_t *v, int code,
			   const char *word)
{
	expect_refused(encode_json(with(enroll_json(), path, v)), code, word);
}

/* A signed event map written field by field. */
static fx_bytes signed_of(const uint8_t *body, size_t body_len, size_t kid_len,
			  size_t sig_len, bool extra)
{
	static const uint8_t zeros[128];
	mledger_writer w;
	fx_bytes b = {NULL, 0};

	mledger_w_init(&w);
	mledger_w_map(&w, extra ? 4 : 3);
	mledger_w_key(&w, "body");
	mledger_w_bin(&w, body, body_len);
	mledger_w_key(&w, "kid");
	mledger_w_bin(&w, zeros, kid_len);
	mledger_w_key(&w, "sig");
	mledger_w_bin(&w, zeros, sig_len);
	if (extra) {
		mledger_w_key(&w, "time");
		mledger_w_uint(&w, VEC_TIME_ENROLL);
	}
	cr_assert_eq(mledger_w_finish(&b.data, &b.len, &w), 0);
	return b;
}

static void expect_signed_refused(fx_bytes sev, int code, const char *word)
{
	mledger_signed out;
	int rc;

	mledger_error_clear();
	rc = mledger_signed_parse(&out, sev.data, sev.len);
	cr_expect_eq(rc, code, "expected %d, got %d (%s)", code, rc,
		     mledger_error_last());
	cr_expect_not_null(strstr(mledger_error_last(), word),
			   "message \"%s\" lacks \"%s\"", mledger_error_last(),
			   word);
	free(sev.data);
}

/* ---- golden vectors ----------------------------------------------------- */

Test(vectors, rebuilt_bytes_match_the_files)
{
	vec_file v[VEC_COUNT];

	cr_assert_eq(vec_build(v), 0, "%s", mledger_error_last());
	for (int i = 0; i < VEC_COUNT; i++) {
		fx_bytes f = read_vector(v[i].name);
		size_t at = 0;

		while (at < f.len && at < v[i].len && f.data[at] == v[i].data[at])
			at++;
		cr_expect(f.len == v[i].len && at == f.len,
			  "%s: the code now writes %zu bytes where the file has %zu, first difference at byte %zu: the wire format changed (proto/*.md); if that is intended, run make_vectors and say so",
			  v[i].name, v[i].len, f.len, at);
		free(f.data);
	}
	vec_free(v);
}

Test(vectors, files_match_sha256sums)
{
	fx_bytes sums = read_vector("SHA256SUMS");
	bool seen[VEC_COUNT] = {false};
	vec_file v[VEC_COUNT];
	char *line, *save = NULL;
	size_t lines = 0;

	cr_assert_eq(vec_build(v), 0);
	sums.data[sums.len] = '\0';
	for (line = strtok_r((char *)sums.data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char want[2 * MLEDGER_HASH_BYTES + 1], got[sizeof(want)];
		const char *name;
		fx_bytes f;
		int i;

		cr_assert_gt(strlen(line), 2 * MLEDGER_HASH_BYTES + 2,
			     "bad line \"%s\"", line);
		cr_assert(line[64] == ' ' && line[65] == ' ',
			  "not sha256sum's format: \"%s\"", line);
		memcpy(want, line, 64);
		want[64] = '\0';
		name = line + 66;
		for (i = 0; i < VEC_COUNT; i++)
			if (strcmp(v[i].name, name) == 0)
				break;
		cr_assert_lt(i, VEC_COUNT, "SHA256SUMS lists %s, not a vector",
			     name);
		cr_assert(!seen[i], "%s listed twice", name);
		seen[i] = true;
		f = read_vector(name);
		sha256_hex(got, f.data, f.len);
		cr_expect_str_eq(got, want, "%s: SHA-256 %s, SHA256SUMS says %s",
				 name, got, want);
		free(f.data);
		lines++;
	}
	cr_expect_eq(lines, VEC_COUNT, "SHA256SUMS lists %zu files, not %d",
		     lines, VEC_COUNT);
	free(sums.data);
	vec_free(v);
}

/* Each signed vector: parse, decode, re-encode, re-sign, verify. */
Test(vectors, signed_events_round_trip)
{
	vec_file v[VEC_COUNT];

	cr_assert_eq(vec_build(v), 0, "%s", mledger_error_last());
	for (int i = 0; i < VEC_EVENTS; i++) {
		int which = vec_event_order[i];
		const char *file = v[which].name;
		fx_bytes f = read_vector(file);
		mledger_key *key = vec_key(vec_signer_seed(which));
		uint8_t kid[MLEDGER_KID_BYTES];
		mledger_event *ev = NULL, want;
		vec_storage st;
		mledger_signed sev;
		uint8_t *out;
		size_t out_len;

		cr_assert_not_null(key);
		cr_assert_eq(vec_event(&want, &st, which), 0);
		cr_assert_eq(mledger_signed_parse(&sev, f.data, f.len), 0,
			     "%s: %s", file, mledger_error_last());
		cr_assert_eq(mledger_event_decode(&ev, sev.body, sev.body_len),
			     0, "%s: %s", file, mledger_error_last());
		cr_expect_eq(ev->type, want.type, "%s", file);
		cr_expect_str_eq(ev->actor, want.actor, "%s", file);
		cr_expect_eq(ev->actor_seq, want.actor_seq, "%s", file);

		cr_assert_eq(mledger_event_encode(&out, &out_len, ev), 0);
		cr_expect(out_len == sev.body_len &&
			  memcmp(out, sev.body, out_len) == 0,
			  "%s: body does not re-encode to itself", file);
		free(out);

		cr_assert_eq(mledger_event_sign(&out, &out_len, ev, key), 0);
		cr_expect(out_len == f.len && memcmp(out, f.data, f.len) == 0,
			  "%s: re-signing gives other bytes", file);
		free(out);

		cr_assert_eq(mledger_key_id(kid, key), 0);
		cr_expect_eq(memcmp(sev.kid, kid, sizeof(kid)), 0,
			     "%s: kid is not the signer's", file);
		cr_expect_eq(mledger_signed_verify(&sev, key), 0, "%s: %s",
			     file, mledger_error_last());
		mledger_event_free(ev);
		mledger_key_free(key);
		free(f.data);
	}
	vec_free(v);
}

/* What is signed: exactly "mledger/event/v1\n" || body, nothing else. */
Test(vectors, signature_covers_domain_and_body)
{
	fx_bytes f = read_vector("enroll.mle");
	mledger_key *key = vec_key(VEC_OPERATOR_SEED);
	mledger_signed sev;
	uint8_t *msg, *body;

	cr_assert_eq(mledger_signed_parse(&sev, f.data, f.len), 0);
	msg = malloc(17 + sev.body_len);
	cr_assert_not_null(msg);
	cr_assert_eq(strlen(MLEDGER_SIG_DOMAIN), 17);
	memcpy(msg, "mledger/event/v1\n", 17);
	memcpy(msg + 17, sev.body, sev.body_len);
	cr_expect_eq(mledger_key_verify(key, msg, 17 + sev.body_len, sev.sig,
					MLEDGER_SIG_BYTES), 0);
	cr_expect_eq(mledger_key_verify(key, sev.body, sev.body_len, sev.sig,
					MLEDGER_SIG_BYTES), MLEDGER_EBADSIG);
	cr_expect_eq(mledger_key_verify(key, f.data, f.len, sev.sig,
					MLEDGER_SIG_BYTES), MLEDGER_EBADSIG);

	/* One flipped bit of the body and the signature no longer holds. */
	body = (uint8_t *)sev.body;
	body[sev.body_len - 1] ^= 1;
	cr_expect_eq(mledger_signed_verify(&sev, key), MLEDGER_EBADSIG);
	free(msg);
	free(f.data);
	mledger_key_free(key);
}

Test(vectors, json_writer_agrees_with_the_encoder)
{
	json_t *(*const make[])(void) = {genesis_json, enroll_json, rekey_json,
					 revoke_json};
	static const char *const files[] = {"genesis.mle", "enroll.mle",
					    "rekey.mle", "revoke.mle"};

	for (size_t i = 0; i < 4; i++) {
		fx_bytes f = read_vector(files[i]);
		fx_bytes b = encode_json(make[i]());
		mledger_signed sev;

		cr_assert_eq(mledger_signed_parse(&sev, f.data, f.len), 0);
		cr_expect(b.len == sev.body_len &&
			  memcmp(b.data, sev.body, b.len) == 0,
			  "%s: the test's JSON template is not the vector's body",
			  files[i]);
		free(b.data);
		free(f.data);
	}
}

Test(vectors, entries_chain)
{
	static const uint8_t zero[MLEDGER_HASH_BYTES];
	fx_bytes e0 = read_vector("entry0.bin"), e1 = read_vector("entry1.bin");
	fx_bytes g = read_vector("genesis.mle"), en = read_vector("enroll.mle");
	uint8_t hash[MLEDGER_HASH_BYTES];
	mledger_entry e;
	uint8_t *out;
	size_t out_len;

	cr_assert_eq(mledger_entry_parse(&e, e0.data, e0.len), 0, "%s",
		     mledger_error_last());
	cr_expect_eq(e.seq, 0);
	cr_expect_eq(e.time, VEC_TIME_GENESIS);
	cr_expect_eq(memcmp(e.prev, zero, sizeof(zero)), 0);
	cr_expect(e.event_len == g.len && memcmp(e.event, g.data, g.len) == 0);
	cr_assert_eq(mledger_entry_encode(&out, &out_len, e.seq, e.time, e.prev,
					  e.event, e.event_len), 0);
	cr_expect(out_len == e0.len && memcmp(out, e0.data, e0.len) == 0);
	free(out);

	cr_assert_eq(mledger_entry_parse(&e, e1.data, e1.len), 0);
	mledger_sha256(hash, e0.data, e0.len);
	cr_expect_eq(e.seq, 1);
	cr_expect_eq(e.time, VEC_TIME_ENROLL + 1);
	cr_expect_eq(memcmp(e.prev, hash, sizeof(hash)), 0,
		     "entry 1's prev is not the SHA-256 of entry 0");
	cr_expect(e.event_len == en.len && memcmp(e.event, en.data, en.len) == 0);
	free(e0.data);
	free(e1.data);
	free(g.data);
	free(en.data);
}

/* The vectors make a valid ledger, which appends exactly such entries. */
Test(vectors, ledger_appends_documented_entries)
{
	static const uint8_t zero[MLEDGER_HASH_BYTES];
	static const char *const files[] = {"enroll.mle", "rekey.mle",
					    "revoke.mle"};
	mledger_submit_opts opts = MLEDGER_SUBMIT_OPTS_INIT;
	mledger_submit_result res;
	mledger_verify_result vres;
	fx_bytes g = read_vector("genesis.mle"), ev[3];
	const uint8_t *data[3];
	size_t lens[3];
	uint8_t prev[MLEDGER_HASH_BYTES];
	mledger_ledger *l = NULL;
	char *dir = fx_tmpdir();
	uint8_t *stored, *want;
	size_t stored_len, want_len;
	mledger_entry e;

	cr_assert_eq(mledger_ledger_create(&l, dir, g.data, g.len, NULL), 0,
		     "%s", mledger_error_last());
	for (int i = 0; i < 3; i++) {
		ev[i] = read_vector(files[i]);
		data[i] = ev[i].data;
		lens[i] = ev[i].len;
	}
	opts.time = VEC_TIME_ENROLL + 1;
	cr_assert_eq(mledger_submit(&res, l, data, lens, 3, &opts), 0, "%s",
		     mledger_error_last());
	cr_expect_eq(res.appended, 3);
	mledger_submit_result_free(&res);
	cr_expect_eq(mledger_verify(&vres, l, NULL), 0, "%s",
		     mledger_error_last());

	/* Entry 0: genesis, zero prev (its time is the time of creation). */
	cr_assert_eq(mledger_entry_get(&stored, &stored_len, l, 0), 0);
	cr_assert_eq(mledger_entry_parse(&e, stored, stored_len), 0);
	cr_expect_eq(memcmp(e.prev, zero, sizeof(zero)), 0);
	cr_expect(e.event_len == g.len && memcmp(e.event, g.data, g.len) == 0);
	mledger_sha256(prev, stored, stored_len);
	free(stored);
	for (int i = 0; i < 3; i++) {
		uint64_t seq = (uint64_t)i + 1;

		cr_assert_eq(mledger_entry_get(&stored, &stored_len, l, seq), 0);
		cr_assert_eq(mledger_entry_encode(&want, &want_len, seq,
						  opts.time, prev, ev[i].data,
						  ev[i].len), 0);
		cr_expect(stored_len == want_len &&
			  memcmp(stored, want, want_len) == 0,
			  "entry %" PRIu64 " is not {event, prev, seq, time} as documented",
			  seq);
		mledger_sha256(prev, stored, stored_len);
		free(stored);
		free(want);
		free(ev[i].data);
	}
	mledger_ledger_close(l);
	free(g.data);
	fx_rmdir(dir);
}

/* ---- decoder: what it refuses ------------------------------------------ */

Test(decode, unknown_field)
{
	enroll_refused("zone", json_string("x"), MLEDGER_EFORMAT,
		       "unknown field \"zone\"");
	enroll_refused("subject/email", json_string("a@b.c"), MLEDGER_EFORMAT,
		       "unknown field \"email\"");
	enroll_refused("subject/keys/0/use", json_string("sign"),
		       MLEDGER_EFORMAT, "unknown field");
	enroll_refused("subject/owner/name", json_string("x"), MLEDGER_EFORMAT,
		       "unknown field");
	enroll_refused("subject/facilities/0/name", json_string("x"),
		       MLEDGER_EFORMAT, "unknown field");
	/* A field of another type is unknown here: kid is revoke's. */
	enroll_refused("kid", json_string("hex:00"), MLEDGER_EFORMAT,
		       "unknown field \"kid\"");
}

Test(decode, missing_field)
{
	static const char *const paths[] = {"actor", "actor_seq", "time",
		"subject", "subject/country", "subject/facilities",
		"subject/id", "subject/keys", "subject/name", "subject/roles",
		"subject/state_owned", "subject/keys/0/alg",
		"subject/keys/0/pub", "subject/facilities/0/id",
		"subject/facilities/0/country", "subject/owner/share_bp"};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		enroll_refused(paths[i], NULL, MLEDGER_EFORMAT,
			       strcmp(paths[i], "subject/state_owned") == 0
			       ? "state_owned" : "missing");
	expect_refused(encode_json(with(enroll_json(), "type", NULL)),
		       MLEDGER_EFORMAT, "field \"type\" missing");
	expect_refused(encode_json(with(genesis_json(), "origin", NULL)),
		       MLEDGER_EFORMAT, "\"origin\" missing");
	expect_refused(encode_json(with(genesis_json(), "operator", NULL)),
		       MLEDGER_EFORMAT, "\"operator\" missing");
	expect_refused(encode_json(with(rekey_json(), "add", NULL)),
		       MLEDGER_EFORMAT, "\"add\" missing");
	expect_refused(encode_json(with(revoke_json(), "subject", NULL)),
		       MLEDGER_EFORMAT, "\"subject\" missing");
}

Test(decode, optional_fields_may_be_absent)
{
	fx_bytes b[4];
	mledger_event *ev;

	b[0] = encode_json(with(enroll_json(), "subject/owner", NULL));
	b[1] = encode_json(with(rekey_json(), "retire", NULL));
	b[2] = encode_json(with(revoke_json(), "kid", NULL));
	b[3] = encode_json(with(revoke_json(), "reason", NULL));
	for (int i = 0; i < 4; i++) {
		cr_expect_eq(mledger_event_decode(&ev, b[i].data, b[i].len), 0,
			     "%d: %s", i, mledger_error_last());
		expect_refused_or_same(b[i]);
		if (ev != NULL)
			mledger_event_free(ev);
	}
}

Test(decode, wrong_type)
{
	enroll_refused("actor_seq", json_string("2"), MLEDGER_EFORMAT,
		       "\"actor_seq\" must be an unsigned integer");
	enroll_refused("actor_seq", json_integer(-2), MLEDGER_EFORMAT,
		       "unsigned integer");
	enroll_refused("time", json_true(), MLEDGER_EFORMAT, "unsigned integer");
	enroll_refused("actor", json_integer(7), MLEDGER_EFORMAT,
		       "\"actor\" must be a string");
	enroll_refused("type", json_null(), MLEDGER_EFORMAT, "a string");
	enroll_refused("subject", json_array(), MLEDGER_EFORMAT, "a map");
	enroll_refused("subject/roles", json_string("miner"), MLEDGER_EFORMAT,
		       "an array");
	enroll_refused("subject/roles/0", json_integer(4), MLEDGER_EFORMAT,
		       "role");
	enroll_refused("subject/state_owned", json_integer(0), MLEDGER_EFORMAT,
		       "boolean");
	/* The key as hex text, not as bin. */
	enroll_refused("subject/keys/0/pub",
		       json_string("8139770ea87d175f56a35466c34c7ecc"
				   "cb8d8a91b4ee37a25df60f5b8fc9b394"),
		       MLEDGER_EFORMAT, "byte string");
	enroll_refused("subject/keys/0", json_string("ed25519"),
		       MLEDGER_EFORMAT, "key must be a map");
	enroll_refused("subject/facilities/0", json_string("mine"),
		       MLEDGER_EFORMAT, "facility must be a map");
	enroll_refused("subject/owner", json_string("US"), MLEDGER_EFORMAT,
		       "a map");
	enroll_refused("subject/owner/share_bp", json_string("2500"),
		       MLEDGER_EFORMAT, "unsigned integer");
	enroll_refused("subject/name", json_string("hex:4142"), MLEDGER_EFORMAT,
		       "must be a string");
	expect_refused(encode_json(with(rekey_json(), "retire",
					json_string("00112233445566778899aabbccddeeff"))),
		       MLEDGER_EFORMAT, "byte string");
	expect_refused(encode_json(with(revoke_json(), "reason",
					json_integer(1))),
		       MLEDGER_EFORMAT, "a string");
	/* Not a map at all. */
	expect_refused(encode_json(json_pack("[s]", "actor.enroll")),
		       MLEDGER_EFORMAT, "must be a map");
}

Test(decode, unknown_type)
{
	enroll_refused("type", json_string("actor.teleport"), MLEDGER_EFORMAT,
		       "unknown event type \"actor.teleport\"");
	enroll_refused("type", json_string("Actor.Enroll"), MLEDGER_EFORMAT,
		       "unknown event type");
	enroll_refused("type", json_string(""), MLEDGER_EFORMAT,
		       "unknown event type");
	enroll_refused("type", json_string("actor.enroll.and.a.very.long.suffix"),
		       MLEDGER_EFORMAT, "unknown event type");
	/* A body of another type under this type's name: fields refused. */
	expect_refused(encode_json(with(rekey_json(), "type",
					json_string("actor.revoke"))),
		       MLEDGER_EFORMAT, "unknown field \"add\"");
}

Test(decode, unknown_role)
{
	enroll_refused("subject/roles/1", json_string("wizard"), MLEDGER_EFORMAT,
		       "unknown role");
	enroll_refused("subject/roles/0", json_string("Miner"), MLEDGER_EFORMAT,
		       "unknown role");
	enroll_refused("subject/roles", json_array(), MLEDGER_EFORMAT,
		       "no role");
}

Test(decode, roles_out_of_order_or_repeated)
{
	enroll_refused("subject/roles",
		       json_pack("[s, s]", "processor", "miner"),
		       MLEDGER_EFORMAT, "out of order");
	enroll_refused("subject/roles", json_pack("[s, s]", "miner", "miner"),
		       MLEDGER_EFORMAT, "repeated");
	/* Bit order, not alphabetical: carrier (bit 7) after auditor (bit 6). */
	enroll_refused("subject/roles",
		       json_pack("[s, s]", "carrier", "auditor"),
		       MLEDGER_EFORMAT, "out of order");
}

Test(decode, bad_country)
{
	static const char *const bad[] = {"Canada", "ca", "C", "", "C1", "CAN"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enroll_refused("subject/country", json_string(bad[i]),
			       MLEDGER_EFORMAT, "ISO 3166-1");
		enroll_refused("subject/facilities/0/country",
			       json_string(bad[i]), MLEDGER_EFORMAT, "ISO 3166-1");
		enroll_refused("subject/owner/country", json_string(bad[i]),
			       MLEDGER_EFORMAT, "ISO 3166-1");
	}
}

Test(decode, bad_id)
{
	char long_id[MLEDGER_ID_MAX + 2];

	enroll_refused("subject/id", json_string("ca.example mining"),
		       MLEDGER_EFORMAT, "printable ASCII (or a space)");
	enroll_refused("subject/id", json_string("ca.example\tmining"),
		       MLEDGER_EFORMAT, "printable");
	enroll_refused("subject/id", json_string("ca.mini\xc3\xa8re"),
		       MLEDGER_EFORMAT, "printable");
	enroll_refused("subject/id", json_string(""), MLEDGER_EFORMAT, "empty");
	enroll_refused("actor", json_string("example operator"),
		       MLEDGER_EFORMAT, "signing actor");
	enroll_refused("subject/facilities/0/id", json_string("a mine"),
		       MLEDGER_EFORMAT, "facility id");
	memset(long_id, 'a', MLEDGER_ID_MAX + 1);
	long_id[MLEDGER_ID_MAX + 1] = '\0';
	enroll_refused("subject/id", json_string(long_id), MLEDGER_EFORMAT,
		       "longer than 128 bytes");
	expect_refused(encode_json(with(rekey_json(), "subject",
					json_string(long_id))),
		       MLEDGER_EFORMAT, "longer than 128");
	/* 128 bytes is the limit, and allowed. */
	long_id[MLEDGER_ID_MAX] = '\0';
	expect_refused_or_same(encode_json(with(enroll_json(), "subject/id",
						json_string(long_id))));
}

Test(decode, id_of_128_bytes_decodes)
{
	char id[MLEDGER_ID_MAX + 1];
	fx_bytes b;
	mledger_event *ev = NULL;

	memset(id, 'x', MLEDGER_ID_MAX);
	id[MLEDGER_ID_MAX] = '\0';
	b = encode_json(with(enroll_json(), "subject/id", json_string(id)));
	cr_expect_eq(mledger_event_decode(&ev, b.data, b.len), 0, "%s",
		     mledger_error_last());
	mledger_event_free(ev);
	free(b.data);
}

Test(decode, bad_name)
{
	char name[MLEDGER_NAME_MAX + 2];
	fx_bytes b;
	mledger_event *ev = NULL;

	memset(name, 'n', MLEDGER_NAME_MAX + 1);
	name[MLEDGER_NAME_MAX + 1] = '\0';
	enroll_refused("subject/name", json_string(name), MLEDGER_EFORMAT,
		       "longer than 256 bytes");
	expect_refused(encode_json(with(genesis_json(), "origin",
					json_string(name))),
		       MLEDGER_EFORMAT, "longer than 256");
	expect_refused(encode_json(with(revoke_json(), "reason",
					json_string(name))),
		       MLEDGER_EFORMAT, "longer than 256");
	expect_refused(encode_json(with(genesis_json(), "origin",
					json_string("two\nlines"))),
		       MLEDGER_EFORMAT, "one non-empty line");
	expect_refused(encode_json(with(genesis_json(), "origin",
					json_string(""))),
		       MLEDGER_EFORMAT, "one non-empty line");
	/* 256 bytes of UTF-8 is the limit, and allowed. */
	name[MLEDGER_NAME_MAX] = '\0';
	b = encode_json(with(enroll_json(), "subject/name", json_string(name)));
	cr_expect_eq(mledger_event_decode(&ev, b.data, b.len), 0, "%s",
		     mledger_error_last());
	mledger_event_free(ev);
	free(b.data);
}

Test(decode, too_many_keys)
{
	json_t *keys = json_array();

	for (int i = 0; i < MLEDGER_KEYS_MAX + 1; i++) {
		char pub[2 * MLEDGER_PUBKEY_MAX + 1];

		key_hex(pub, (uint8_t)(0x40 + i));
		json_array_append_new(keys, json_pack("{s:s, s:o}", "alg",
						      "ed25519", "pub",
						      hex_json(pub)));
	}
	enroll_refused("subject/keys", keys, MLEDGER_EFORMAT, "1 to 16 keys");
	enroll_refused("subject/keys", json_array(), MLEDGER_EFORMAT,
		       "1 to 16 keys");
}

Test(decode, sixteen_keys_decode)
{
	json_t *keys = json_array();
	mledger_event *ev = NULL;
	fx_bytes b;

	for (int i = 0; i < MLEDGER_KEYS_MAX; i++) {
		char pub[2 * MLEDGER_PUBKEY_MAX + 1];

		key_hex(pub, (uint8_t)(0x40 + i));
		json_array_append_new(keys, json_pack("{s:s, s:o}", "alg",
						      "ed25519", "pub",
						      hex_json(pub)));
	}
	b = encode_json(with(enroll_json(), "subject/keys", keys));
	cr_expect_eq(mledger_event_decode(&ev, b.data, b.len), 0, "%s",
		     mledger_error_last());
	cr_expect_eq(ev ? ev->u.enroll.subject.nkeys : 0, MLEDGER_KEYS_MAX);
	mledger_event_free(ev);
	free(b.data);
}

Test(decode, bad_key)
{
	char pub[2 * MLEDGER_PUBKEY_MAX + 1];
	char p256[2 * 65 + 1];

	key_hex(pub, VEC_MINER_SEED);
	pub[62] = '\0';
	enroll_refused("subject/keys/0/pub", hex_json(pub), MLEDGER_EFORMAT,
		       "must be 32 bytes, not 31");
	expect_refused(encode_json(with(rekey_json(), "add/pub", hex_json(pub))),
		       MLEDGER_EFORMAT, "not 31");
	enroll_refused("subject/keys/0/alg", json_string("ed448"),
		       MLEDGER_EFORMAT, "unknown key algorithm");
	enroll_refused("subject/keys/0/alg", json_string("ED25519"),
		       MLEDGER_EFORMAT, "unknown key algorithm");
	enroll_refused("subject/keys/0/alg",
		       json_string("ed25519-with-a-long-suffix"),
		       MLEDGER_EFORMAT, "unknown key algorithm");
	/* A 32-byte key under p256 is the wrong size for p256. */
	enroll_refused("subject/keys/0/alg", json_string("p256"),
		       MLEDGER_EFORMAT, "must be 65 bytes, not 32");
	memset(p256, '0', sizeof(p256) - 1);
	p256[sizeof(p256) - 1] = '\0';
	p256[1] = '4';
	enroll_refused("subject/keys/0/pub", hex_json(p256), MLEDGER_EFORMAT,
		       "must be 32 bytes, not 65");
	/* One key listed twice. */
	key_hex(pub, VEC_MINER_SEED);
	enroll_refused("subject/keys/1",
		       json_pack("{s:s, s:o}", "alg", "ed25519", "pub",
				 hex_json(pub)),
		       MLEDGER_EFORMAT, "twice");
}

Test(decode, bad_facilities)
{
	json_t *many = json_array();

	enroll_refused("subject/facilities/1",
		       json_pack("{s:s, s:s}", "country", "US", "id",
				 VEC_MINER_ID ".mine"),
		       MLEDGER_EFORMAT, "listed twice");
	for (int i = 0; i < MLEDGER_FACILITIES_MAX + 1; i++) {
		char id[32];

		snprintf(id, sizeof(id), "site-%02d", i);
		json_array_append_new(many, json_pack("{s:s, s:s}", "country",
						      "CA", "id", id));
	}
	enroll_refused("subject/facilities", many, MLEDGER_ETOOBIG,
		       "more than 64 facilities");
}

Test(decode, bad_owner)
{
	enroll_refused("subject/owner/share_bp", json_integer(10001),
		       MLEDGER_EFORMAT, "over 10000");
	/* An owner share needs the owner's country. */
	enroll_refused("subject/owner/country", NULL, MLEDGER_EFORMAT,
		       "\"country\" missing");
	/* So does state ownership. */
	expect_refused(encode_json(with(with(enroll_json(), "subject/owner",
					     NULL),
					"subject/state_owned", json_true())),
		       MLEDGER_EFORMAT, "needs an owner country");
}

Test(decode, owner_limits_decode)
{
	static const int shares[] = {0, 10000};

	for (int i = 0; i < 2; i++) {
		fx_bytes b = encode_json(with(enroll_json(),
					      "subject/owner/share_bp",
					      json_integer(shares[i])));
		mledger_event *ev = NULL;

		cr_expect_eq(mledger_event_decode(&ev, b.data, b.len), 0, "%s",
			     mledger_error_last());
		cr_expect_eq(ev ? ev->u.enroll.subject.owner_share_bp : 1u,
			     (uint32_t)shares[i]);
		mledger_event_free(ev);
		expect_refused_or_same(b);
	}
}

Test(decode, actor_seq_zero)
{
	enroll_refused("actor_seq", json_integer(0), MLEDGER_EFORMAT,
		       "actor_seq must be at least 1");
}

Test(decode, bad_kid_fields)
{
	expect_refused(encode_json(with(rekey_json(), "retire",
					json_string("hex:00112233445566778899aabbccddee"))),
		       MLEDGER_EFORMAT, "16-byte key id");
	expect_refused(encode_json(with(revoke_json(), "kid",
					json_string("hex:00112233445566778899aabbccddeeff00"))),
		       MLEDGER_EFORMAT, "16-byte key id");
}

Test(decode, body_over_64_kib)
{
	char *name = malloc(70000);

	cr_assert_not_null(name);
	memset(name, 'n', 69999);
	name[69999] = '\0';
	enroll_refused("subject/name", json_string(name), MLEDGER_ETOOBIG,
		       "cap");
	free(name);
}

Test(decode, not_canonical)
{
	fx_bytes b = encode_json(enroll_json());
	uint8_t *longer = malloc(b.len + 1);

	cr_assert_not_null(longer);
	/* A trailing byte. */
	memcpy(longer, b.data, b.len);
	longer[b.len] = 0xc0;
	expect_refused((fx_bytes){longer, b.len + 1}, MLEDGER_EFORMAT,
		       "trailing");
	/* The map header in a longer form: de 00 05 for 85. */
	longer = malloc(b.len + 2);
	cr_assert_not_null(longer);
	longer[0] = 0xde;
	longer[1] = 0x00;
	longer[2] = 0x05;
	memcpy(longer + 3, b.data + 1, b.len - 1);
	expect_refused((fx_bytes){longer, b.len + 2}, MLEDGER_EFORMAT,
		       "shorter form");
	expect_refused((fx_bytes){NULL, 0}, MLEDGER_EFORMAT, "event body");
	free(b.data);
}

/*
 * Text that is valid UTF-8 may still hold a NUL byte. The decoder must
 * refuse it or keep it; cutting the string at the NUL would make a second
 * encoding of the same event (and a name that reads differently in JSON
 * and in summaries).
 */
Test(decode, nul_in_text_is_not_a_second_encoding)
{
	expect_refused_or_same(encode_json(with(enroll_json(), "subject/name",
		json_stringn("Mini\xc3\xa8re\0 Exemple", 17))));
	expect_refused_or_same(encode_json(with(genesis_json(), "origin",
		json_stringn("example.org/mineral-ledger\0x", 28))));
	expect_refused_or_same(encode_json(with(revoke_json(), "reason",
		json_stringn("lost\0", 5))));
}

Test(decode, nul_in_type_or_alg_is_not_a_second_encoding)
{
	expect_refused_or_same(encode_json(with(enroll_json(), "type",
		json_stringn("actor.enroll\0", 13))));
	expect_refused_or_same(encode_json(with(enroll_json(),
		"subject/keys/0/alg", json_stringn("ed25519\0", 8))));
	expect_refused_or_same(encode_json(with(rekey_json(), "add/alg",
		json_stringn("ed25519\0x", 9))));
}

/* ---- signed events ------------------------------------------------------ */

Test(signed, refuses_bad_maps)
{
	fx_bytes body = encode_json(enroll_json());
	fx_bytes big;
	uint8_t *blob;

	expect_signed_refused(signed_of(body.data, body.len, 15, 64, false),
			      MLEDGER_EFORMAT, "key id must be 16 bytes, not 15");
	expect_signed_refused(signed_of(body.data, body.len, 17, 64, false),
			      MLEDGER_EFORMAT, "not 17");
	expect_signed_refused(signed_of(body.data, body.len, 16, 63, false),
			      MLEDGER_EFORMAT, "signature must be 64 bytes, not 63");
	expect_signed_refused(signed_of(body.data, body.len, 16, 65, false),
			      MLEDGER_EFORMAT, "not 65");
	expect_signed_refused(signed_of(body.data, body.len, 16, 64, true),
			      MLEDGER_EFORMAT, "unknown field \"time\"");
	expect_signed_refused(encode_json(json_pack("{s:o, s:o}",
			"body", json_string("hex:80"),
			"kid", json_string("hex:00112233445566778899aabbccddeeff"))),
		MLEDGER_EFORMAT, "\"sig\" missing");
	expect_signed_refused(encode_json(json_pack("{s:s, s:o, s:o}",
			"body", "not bin",
			"kid", json_string("hex:00112233445566778899aabbccddeeff"),
			"sig", json_string("hex:00"))),
		MLEDGER_EFORMAT, "byte string");
	expect_signed_refused(encode_json(json_pack("[i]", 1)),
			      MLEDGER_EFORMAT, "must be a map");

	/* Over 64 KiB in all. */
	blob = calloc(1, 66000);
	cr_assert_not_null(blob);
	big = signed_of(blob, 66000, 16, 64, false);
	expect_signed_refused(big, MLEDGER_ETOOBIG, "cap");
	free(blob);
	free(body.data);
}

Test(signed, parse_points_into_the_input)
{
	fx_bytes f = read_vector("revoke.mle");
	mledger_signed sev;

	cr_assert_eq(mledger_signed_parse(&sev, f.data, f.len), 0);
	cr_expect(sev.body > f.data && sev.body + sev.body_len <= f.data + f.len);
	cr_expect(sev.kid > f.data && sev.kid + 16 <= f.data + f.len);
	cr_expect_eq(sev.sig + 64, f.data + f.len, "sig is the last field");
	free(f.data);
}

/* ---- encoder: argument checks ------------------------------------------- */

static mledger_event ev_base;
static vec_storage st_base;

static void expect_encode_einval(const mledger_event *ev, const char *word)
{
	uint8_t *out = NULL;
	size_t len = 0;
	int rc;

	mledger_error_clear();
	rc = mledger_event_encode(&out, &len, ev);
	cr_expect_eq(rc, MLEDGER_EINVAL, "expected EINVAL, got %d (%s)", rc,
		     mledger_error_last());
	cr_expect_not_null(strstr(mledger_error_last(), word),
			   "message \"%s\" lacks \"%s\"", mledger_error_last(),
			   word);
	cr_expect_null(out);
	free(out);
}

/* ev_base becomes the enroll vector's event. */
static mledger_event *enroll_ev(void)
{
	cr_assert_eq(vec_event(&ev_base, &st_base, VEC_ENROLL), 0);
	return &ev_base;
}

static mledger_event *event_of(int which)
{
	cr_assert_eq(vec_event(&ev_base, &st_base, which), 0);
	return &ev_base;
}

Test(encode, checks_the_head)
{
	mledger_event *ev;

	ev = enroll_ev();
	ev->type = (mledger_event_type)0;
	expect_encode_einval(ev, "unknown event type 0");
	ev = enroll_ev();
	ev->type = (mledger_event_type)99;
	expect_encode_einval(ev, "unknown event type 99");
	ev = enroll_ev();
	ev->actor = NULL;
	expect_encode_einval(ev, "signing actor is empty");
	ev = enroll_ev();
	ev->actor = "example operator";
	expect_encode_einval(ev, "printable");
	ev = enroll_ev();
	ev->actor_seq = 0;
	expect_encode_einval(ev, "at least 1");
}

Test(encode, checks_the_record)
{
	static const mledger_facility twice[2] = {{"site", "CA"}, {"site", "US"}};
	mledger_facility many[MLEDGER_FACILITIES_MAX + 1];
	mledger_pubkey keys[MLEDGER_KEYS_MAX + 1];
	mledger_actor_record *r;
	mledger_event *ev;

#define RECORD() (ev = enroll_ev(), r = &ev->u.enroll.subject)
	RECORD(); r->id = NULL;
	expect_encode_einval(ev, "actor id is empty");
	RECORD(); r->id = "a b";
	expect_encode_einval(ev, "printable");
	RECORD(); r->name = NULL;
	expect_encode_einval(ev, "actor name is missing");
	RECORD(); r->name = "bad \xc3 utf-8";
	expect_encode_einval(ev, "not valid UTF-8");
	RECORD(); r->roles = 0;
	expect_encode_einval(ev, "no valid role");
	RECORD(); r->roles = 1u << 8;
	expect_encode_einval(ev, "no valid role");
	RECORD(); memcpy(r->country, "ca", 3);
	expect_encode_einval(ev, "ISO 3166-1");
	RECORD(); memcpy(r->owner_country, "U", 2);
	expect_encode_einval(ev, "owner country");
	RECORD(); r->owner_country[0] = '\0';
	expect_encode_einval(ev, "needs an owner country");
	RECORD(); r->owner_country[0] = '\0'; r->owner_share_bp = 0;
	r->state_owned = true;
	expect_encode_einval(ev, "needs an owner country");
	RECORD(); r->owner_share_bp = 10001;
	expect_encode_einval(ev, "over 100 %");
	RECORD(); r->facilities = twice; r->nfacilities = 2;
	expect_encode_einval(ev, "listed twice");
	for (size_t i = 0; i < MLEDGER_FACILITIES_MAX + 1; i++) {
		many[i].id = "site";
		memcpy(many[i].country, "CA", 3);
	}
	RECORD(); r->facilities = many; r->nfacilities = MLEDGER_FACILITIES_MAX + 1;
	expect_encode_einval(ev, "more than 64 facilities");
	RECORD(); many[0].id = "a site";
	r->facilities = many; r->nfacilities = 1;
	expect_encode_einval(ev, "facility id");
	RECORD(); many[0].id = "site"; memcpy(many[0].country, "C1", 3);
	r->facilities = many; r->nfacilities = 1;
	expect_encode_einval(ev, "facility site");
	RECORD(); r->nkeys = 0;
	expect_encode_einval(ev, "1 to 16 keys");
	for (size_t i = 0; i < MLEDGER_KEYS_MAX + 1; i++) {
		keys[i] = st_base.keys[0];
		keys[i].pub[0] = (uint8_t)i;
	}
	RECORD(); r->keys = keys; r->nkeys = MLEDGER_KEYS_MAX + 1;
	expect_encode_einval(ev, "1 to 16 keys");
	RECORD(); keys[1] = keys[0]; r->keys = keys; r->nkeys = 2;
	expect_encode_einval(ev, "one key twice");
	RECORD(); st_base.keys[0].len = 31;
	expect_encode_einval(ev, "must be 32 bytes, not 31");
	RECORD(); st_base.keys[0].alg = MLEDGER_ALG_P256;
	expect_encode_einval(ev, "must be 65 bytes, not 32");
	RECORD(); st_base.keys[0].alg = (mledger_alg)7;
	expect_encode_einval(ev, "unknown key algorithm");
#undef RECORD
}

Test(encode, checks_each_type)
{
	char long_text[MLEDGER_NAME_MAX + 2];
	mledger_event *ev;

	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';

	ev = event_of(VEC_GENESIS);
	ev->u.genesis.origin = NULL;
	expect_encode_einval(ev, "origin is missing");
	ev = event_of(VEC_GENESIS);
	ev->u.genesis.origin = "";
	expect_encode_einval(ev, "one non-empty line");
	ev = event_of(VEC_GENESIS);
	ev->u.genesis.origin = "a\nb";
	expect_encode_einval(ev, "one non-empty line");
	ev = event_of(VEC_GENESIS);
	ev->u.genesis.origin = long_text;
	expect_encode_einval(ev, "longer than 256");
	ev = event_of(VEC_GENESIS);
	ev->u.genesis.operator_.nkeys = 0;
	expect_encode_einval(ev, "ledger.genesis");

	ev = event_of(VEC_REKEY);
	ev->u.rekey.subject = NULL;
	expect_encode_einval(ev, "rekey subject is empty");
	ev = event_of(VEC_REKEY);
	ev->u.rekey.add.len = 33;
	expect_encode_einval(ev, "not 33");

	ev = event_of(VEC_REVOKE);
	ev->u.revoke.subject = "";
	expect_encode_einval(ev, "revoke subject is empty");
	ev = event_of(VEC_REVOKE);
	ev->u.revoke.reason = long_text;
	expect_encode_einval(ev, "revoke reason is longer");
	ev = event_of(VEC_REVOKE);
	ev->u.revoke.reason = "\xff";
	expect_encode_einval(ev, "UTF-8");
}

Test(encode, optional_fields_follow_the_struct)
{
	mledger_event *ev, *back = NULL;
	uint8_t *out;
	size_t len;

	ev = event_of(VEC_REVOKE);
	ev->u.revoke.has_kid = false;
	ev->u.revoke.reason = NULL;
	cr_assert_eq(mledger_event_encode(&out, &len, ev), 0);
	cr_assert_eq(mledger_event_decode(&back, out, len), 0);
	cr_expect(!back->u.revoke.has_kid);
	cr_expect_null(back->u.revoke.reason);
	cr_expect_eq(out[0], 0x85, "5 fields: actor actor_seq subject time type");
	mledger_event_free(back);
	free(out);

	ev = event_of(VEC_ENROLL);
	ev->u.enroll.subject.owner_country[0] = '\0';
	ev->u.enroll.subject.owner_share_bp = 0;
	cr_assert_eq(mledger_event_encode(&out, &len, ev), 0);
	cr_assert_eq(mledger_event_decode(&back, out, len), 0);
	cr_expect_eq(back->u.enroll.subject.owner_country[0], '\0');
	mledger_event_free(back);
	free(out);
}

/* ---- names, roles, countries -------------------------------------------- */

Test(names, event_types)
{
	static const char *const names[] = {"ledger.genesis", "actor.enroll",
					    "actor.rekey", "actor.revoke"};
	mledger_event_type t;

	for (int i = 0; i < 4; i++) {
		cr_expect_eq(mledger_event_type_parse(&t, names[i]), 0);
		cr_expect_eq(t, (mledger_event_type)(i + 1));
		cr_expect_str_eq(mledger_event_type_name(t), names[i]);
	}
	cr_expect_eq(mledger_event_type_parse(&t, "actor.teleport"),
		     MLEDGER_EINVAL);
	cr_expect_not_null(strstr(mledger_error_last(), "actor.teleport"));
	cr_expect_eq(mledger_event_type_parse(&t, ""), MLEDGER_EINVAL);
	cr_expect_eq(mledger_event_type_parse(&t, "ACTOR.ENROLL"), MLEDGER_EINVAL);
	cr_expect_null(mledger_event_type_name((mledger_event_type)0));
	cr_expect_null(mledger_event_type_name((mledger_event_type)-1));
	cr_expect_null(mledger_event_type_name((mledger_event_type)1000));
}

Test(names, roles_parse)
{
	uint32_t roles = 0;

	cr_expect_eq(mledger_roles_parse(&roles, "miner"), 0);
	cr_expect_eq(roles, MLEDGER_ROLE_MINER);
	cr_expect_eq(mledger_roles_parse(&roles, "processor,miner"), 0);
	cr_expect_eq(roles, MLEDGER_ROLE_MINER | MLEDGER_ROLE_PROCESSOR);
	cr_expect_eq(mledger_roles_parse(&roles,
		"operator,registrar,miner,processor,manufacturer,recycler,auditor,carrier"),
		0);
	cr_expect_eq(roles, MLEDGER_ROLE_ALL);
	roles = 7;
	cr_expect_eq(mledger_roles_parse(&roles, "miner,wizard"), MLEDGER_EINVAL);
	cr_expect_not_null(strstr(mledger_error_last(), "unknown role \"wizard\""),
			   "%s", mledger_error_last());
	cr_expect_eq(roles, 7, "out changed on failure");
	cr_expect_eq(mledger_roles_parse(&roles, "Miner"), MLEDGER_EINVAL);
	cr_expect_eq(mledger_roles_parse(&roles, "miner, processor"),
		     MLEDGER_EINVAL);
	cr_expect_eq(mledger_roles_parse(&roles, "miner,,processor"),
		     MLEDGER_EINVAL);
	cr_expect_eq(mledger_roles_parse(&roles, ""), MLEDGER_EINVAL);
	cr_expect_not_null(strstr(mledger_error_last(), "no role"));
}

Test(names, roles_format)
{
	char buf[128];

	mledger_roles_format(buf, sizeof(buf), MLEDGER_ROLE_MINER |
			     MLEDGER_ROLE_PROCESSOR);
	cr_expect_str_eq(buf, "miner,processor");
	mledger_roles_format(buf, sizeof(buf), MLEDGER_ROLE_ALL);
	cr_expect_str_eq(buf, "operator,registrar,miner,processor,manufacturer,recycler,auditor,carrier");
	mledger_roles_format(buf, sizeof(buf), 0);
	cr_expect_str_eq(buf, "");
	mledger_roles_format(buf, sizeof(buf), 1u << 20);
	cr_expect_str_eq(buf, "", "unknown bits are not named");
	/* A short buffer gets a terminated prefix of the list. */
	mledger_roles_format(buf, 10, MLEDGER_ROLE_MINER | MLEDGER_ROLE_PROCESSOR);
	cr_expect_leq(strlen(buf), 9);
	cr_expect_eq(strncmp(buf, "miner,processor", strlen(buf)), 0, "%s", buf);
	cr_expect_geq(strlen(buf), 5, "%s", buf);
	mledger_roles_format(buf, 3, MLEDGER_ROLE_MINER);
	cr_expect_leq(strlen(buf), 2);
	buf[0] = 'x';
	mledger_roles_format(buf, 0, MLEDGER_ROLE_MINER);
	cr_expect_eq(buf[0], 'x', "size 0 writes nothing");
	cr_expect_str_eq(mledger_role_name(MLEDGER_ROLE_CARRIER), "carrier");
	cr_expect_null(mledger_role_name(MLEDGER_ROLE_MINER | MLEDGER_ROLE_CARRIER));
	cr_expect_null(mledger_role_name(0));
}

Test(names, country_valid)
{
	cr_expect(mledger_country_valid("CA"));
	cr_expect(mledger_country_valid("ZZ"));
	cr_expect(!mledger_country_valid("Canada"));
	cr_expect(!mledger_country_valid("ca"));
	cr_expect(!mledger_country_valid("Ca"));
	cr_expect(!mledger_country_valid("C"));
	cr_expect(!mledger_country_valid(""));
	cr_expect(!mledger_country_valid("C1"));
	cr_expect(!mledger_country_valid("CAN"));
	cr_expect(!mledger_country_valid(NULL));
}

/* ---- rendering ---------------------------------------------------------- */

static void summary_of(char *buf, size_t size, int which)
{
	mledger_event ev;
	vec_storage st;

	cr_assert_eq(vec_event(&ev, &st, which), 0);
	mledger_event_summary(buf, size, &ev);
}

Test(render, summary_of_each_type)
{
	char buf[256], want[256], kid3[33];

	kid_hex(kid3, VEC_MINER_SEED2);
	summary_of(buf, sizeof(buf), VEC_GENESIS);
	cr_expect_str_eq(buf, "ledger.genesis \"example.org/mineral-ledger\" operated by example.operator");
	summary_of(buf, sizeof(buf), VEC_ENROLL);
	cr_expect_str_eq(buf, "actor.enroll ca.example-mining.whabouchi (miner,processor, CA) by example.operator");
	summary_of(buf, sizeof(buf), VEC_REKEY);
	snprintf(want, sizeof(want), "actor.rekey ca.example-mining.whabouchi adds key %s and retires one by ca.example-mining.whabouchi",
		 kid3);
	cr_expect_str_eq(buf, want);
	summary_of(buf, sizeof(buf), VEC_REVOKE);
	snprintf(want, sizeof(want), "actor.revoke key %s of ca.example-mining.whabouchi by example.operator",
		 kid3);
	cr_expect_str_eq(buf, want);
	/* A whole actor revoked. */
	{
		mledger_event ev;
		vec_storage st;

		cr_assert_eq(vec_event(&ev, &st, VEC_REVOKE), 0);
		ev.u.revoke.has_kid = false;
		mledger_event_summary(buf, sizeof(buf), &ev);
		cr_expect_str_eq(buf, "actor.revoke actor ca.example-mining.whabouchi by example.operator");
	}
	/* Cut to the buffer, terminated. */
	summary_of(buf, 12, VEC_ENROLL);
	cr_expect_str_eq(buf, "actor.enrol");
}

Test(render, body_to_json)
{
	fx_bytes f = read_vector("enroll.mle");
	char pub[2 * MLEDGER_PUBKEY_MAX + 1];
	json_error_t jerr;
	mledger_signed sev;
	char *out = (char *)"x";
	json_t *j;

	key_hex(pub, VEC_MINER_SEED);
	cr_assert_eq(mledger_signed_parse(&sev, f.data, f.len), 0);
	cr_assert_eq(mledger_body_to_json(&out, sev.body, sev.body_len, false),
		     0);
	cr_expect_null(strchr(out, '\n'), "compact JSON has no newline");
	j = json_loads(out, 0, &jerr);
	cr_assert_not_null(j, "not JSON: %s (%s)", out, jerr.text);
	cr_expect_str_eq(json_string_value(json_object_get(j, "type")),
			 "actor.enroll");
	cr_expect_eq(json_integer_value(json_object_get(j, "actor_seq")), 2);
	cr_expect_eq(json_integer_value(json_object_get(j, "time")),
		     VEC_TIME_ENROLL);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
		json_object_get(json_object_get(j, "subject"), "keys"), 0),
		"pub")), pub, "bin is lower-case hex");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j,
		"subject"), "name")), "Mini\xc3\xa8re Exemple Whabouchi");
	cr_expect(json_is_false(json_object_get(json_object_get(j, "subject"),
						"state_owned")));
	for (const char *c = out; *c != '\0'; c++)
		cr_expect_lt((unsigned char)*c, 0x80, "JSON output is ASCII only");
	json_decref(j);
	free(out);

	cr_assert_eq(mledger_body_to_json(&out, sev.body, sev.body_len, true), 0);
	cr_expect_not_null(strstr(out, "\n  \"actor\""), "pretty JSON is indented");
	free(out);

	/* Not canonical: refused, *out cleared. */
	out = (char *)"x";
	cr_expect_eq(mledger_body_to_json(&out, f.data, 3, false),
		     MLEDGER_EFORMAT);
	cr_expect_null(out);
	free(f.data);
}

Test(render, body_to_json_kid_as_hex)
{
	fx_bytes f = read_vector("rekey.mle");
	char kid[33];
	mledger_signed sev;
	char *out;
	json_t *j;

	kid_hex(kid, VEC_MINER_SEED);
	cr_assert_eq(mledger_signed_parse(&sev, f.data, f.len), 0);
	cr_assert_eq(mledger_body_to_json(&out, sev.body, sev.body_len, false), 0);
	j = json_loads(out, 0, NULL);
	cr_assert_not_null(j);
	cr_expect_str_eq(json_string_value(json_object_get(j, "retire")), kid);
	json_decref(j);
	free(out);
	free(f.data);
}

Test(render, entry_to_json)
{
	fx_bytes f = read_vector("entry1.bin"), e0 = read_vector("entry0.bin");
	char hash[65], prev[65];
	char *out;
	json_t *j;

	sha256_hex(hash, f.data, f.len);
	sha256_hex(prev, e0.data, e0.len);
	cr_assert_eq(mledger_entry_to_json(&out, f.data, f.len, false), 0, "%s",
		     mledger_error_last());
	j = json_loads(out, 0, NULL);
	cr_assert_not_null(j, "%s", out);
	cr_expect_eq(json_integer_value(json_object_get(j, "seq")), 1);
	cr_expect_eq(json_integer_value(json_object_get(j, "time")),
		     VEC_TIME_ENROLL + 1);
	cr_expect_str_eq(json_string_value(json_object_get(j, "hash")), hash);
	cr_expect_str_eq(json_string_value(json_object_get(j, "prev")), prev);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j,
		"event"), "type")), "actor.enroll");
	json_decref(j);
	free(out);
	free(f.data);
	free(e0.data);
}

/* ---- streams of signed events ------------------------------------------- */

/* enroll.mle, rekey.mle and revoke.mle laid end to end. */
static fx_bytes stream3(size_t lens[3])
{
	static const char *const files[] = {"enroll.mle", "rekey.mle",
					    "revoke.mle"};
	fx_bytes s = {NULL, 0};

	for (int i = 0; i < 3; i++) {
		fx_bytes f = read_vector(files[i]);

		s.data = realloc(s.data, s.len + f.len);
		cr_assert_not_null(s.data);
		memcpy(s.data + s.len, f.data, f.len);
		s.len += f.len;
		lens[i] = f.len;
		free(f.data);
	}
	return s;
}

Test(stream, three_events)
{
	size_t lens[3], n, at = 0;
	fx_bytes s = stream3(lens);

	for (int i = 0; i < 3; i++) {
		mledger_signed sev;

		cr_assert_eq(mledger_signed_next(&n, s.data + at, s.len - at), 0,
			     "event %d: %s", i, mledger_error_last());
		cr_expect_eq(n, lens[i], "event %d cut at %zu, not %zu", i, n,
			     lens[i]);
		cr_expect_eq(mledger_signed_parse(&sev, s.data + at, n), 0);
		at += n;
	}
	cr_expect_eq(at, s.len);
	/* Nothing left is not an event, nor is a canonical non-event. */
	cr_expect_eq(mledger_signed_next(&n, s.data + at, 0), MLEDGER_EFORMAT);
	cr_expect_eq(mledger_signed_next(&n, (const uint8_t *)"\xc0\xc0", 2),
		     MLEDGER_EFORMAT);
	cr_expect_eq(mledger_signed_next(&n, (const uint8_t *)"\x80", 1),
		     MLEDGER_EFORMAT);
	/* The whole stream is not one signed event. */
	cr_expect_eq(mledger_signed_parse(&(mledger_signed){0}, s.data, s.len),
		     MLEDGER_EFORMAT);
	free(s.data);
}

Test(stream, truncated)
{
	size_t lens[3], n;
	fx_bytes s = stream3(lens);

	/* Every cut inside the first event leaves no whole event. */
	for (size_t cut = 1; cut < lens[0]; cut++) {
		mledger_error_clear();
		cr_assert_eq(mledger_signed_next(&n, s.data, cut), MLEDGER_EFORMAT,
			     "cut %zu", cut);
		cr_assert_not_null(strstr(mledger_error_last(), "truncated"),
				   "cut %zu: %s", cut, mledger_error_last());
		cr_assert_eq(n, 0);
	}
	/* A cut inside the third: the first two still come out whole. */
	{
		size_t cut = lens[0] + lens[1] + lens[2] / 2, at = 0;

		for (int i = 0; i < 2; i++) {
			cr_assert_eq(mledger_signed_next(&n, s.data + at, cut - at), 0);
			cr_expect_eq(n, lens[i]);
			at += n;
		}
		cr_expect_eq(mledger_signed_next(&n, s.data + at, cut - at),
			     MLEDGER_EFORMAT);
		cr_expect_not_null(strstr(mledger_error_last(), "truncated"));
	}
	free(s.data);
}

Test(stream, junk_and_caps)
{
	size_t lens[3], n;
	fx_bytes s = stream3(lens);
	uint8_t *big;

	/* Junk between events stops the stream there. */
	s.data[lens[0]] = 0xc1;
	cr_expect_eq(mledger_signed_next(&n, s.data, s.len), 0);
	cr_expect_eq(mledger_signed_next(&n, s.data + lens[0], s.len - lens[0]),
		     MLEDGER_EFORMAT);
	cr_expect_not_null(strstr(mledger_error_last(), "0xc1"), "%s",
			   mledger_error_last());
	free(s.data);

	/* A stream far longer than the cap is fine; one value past it is not. */
	s = stream3(lens);
	big = calloc(1, 200000);
	cr_assert_not_null(big);
	memcpy(big, s.data, s.len);
	cr_expect_eq(mledger_signed_next(&n, big, 200000), 0);
	cr_expect_eq(n, lens[0]);
	big[0] = 0xc6;      /* bin32 of 0x00010000 + bytes */
	big[1] = 0x00;
	big[2] = 0x01;
	big[3] = 0x10;
	big[4] = 0x00;
	cr_expect_eq(mledger_signed_next(&n, big, 200000), MLEDGER_ETOOBIG);
	cr_expect_not_null(strstr(mledger_error_last(), "cap"), "%s",
			   mledger_error_last());
	free(big);
	free(s.data);
}

/* ---- keys an event names ------------------------------------------------ */

/*
 * proto/keys.md: a P-256 public key is the 65-byte uncompressed point, and
 * one that is not on the curve is refused. An event naming such a key must
 * not get into the ledger, whether the decoder or the rules refuse it.
 */
Test(keys, p256_key_off_the_curve_is_refused)
{
	fx_bytes g = read_vector("genesis.mle");
	mledger_submit_result res;
	mledger_ledger *l = NULL;
	mledger_key *op = vec_key(VEC_OPERATOR_SEED);
	char *dir = fx_tmpdir();
	mledger_event *ev;
	const uint8_t *data;
	uint8_t *body;
	size_t body_len;
	fx_bytes sev;
	int rc;

	cr_assert_eq(mledger_ledger_create(&l, dir, g.data, g.len, NULL), 0);
	ev = enroll_ev();
	st_base.keys[0].alg = MLEDGER_ALG_P256;
	st_base.keys[0].len = 65;
	memset(st_base.keys[0].pub, 0, 65);
	st_base.keys[0].pub[0] = 0x04;      /* (0, 0): not a point */
	cr_assert_eq(mledger_event_encode(&body, &body_len, ev), 0);
	rc = mledger_event_decode(&ev, body, body_len);
	if (rc == 0) {
		mledger_event_free(ev);
		cr_assert_eq(mledger_event_sign(&sev.data, &sev.len, &ev_base,
						op), 0);
		data = sev.data;
		rc = mledger_submit(&res, l, &data, &sev.len, 1, NULL);
		mledger_submit_result_free(&res);
		cr_expect_lt(rc, 0, "an actor was enrolled with a P-256 key that is not on the curve");
		free(sev.data);
	}
	free(body);
	mledger_key_free(op);
	mledger_ledger_close(l);
	free(g.data);
	fx_rmdir(dir);
}

/*
 * mledger_body_to_json renders any canonical map; anything else it either
 * renders too or refuses as malformed. Out of memory is never the answer
 * to odd input. msgpack-c hands an empty string over as a NULL pointer,
 * which jansson refuses as a key and as a string.
 */
Test(render, body_to_json_empty_strings_and_scalars)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *json;
		bool map;             /* else EFORMAT is an answer too */
	} cases[] = {
		{"\x81\xa0\xa0", 3, "{\"\":\"\"}", true},
		{"\x81\xa0\xc0", 3, "{\"\":null}", true},
		{"\x81\xa1" "a" "\xa0", 4, "{\"a\":\"\"}", true},
		{"\x82\xa0\xa0\xa1" "a" "\x91\xa0", 7,
		 "{\"\":\"\",\"a\":[\"\"]}", true},
		{"\x7e", 1, "126", false},
		{"\xa0", 1, "\"\"", false},
		{"\xc0", 1, "null", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		int rc = mledger_body_to_json(&out,
					      (const uint8_t *)cases[i].bytes,
					      cases[i].len, false);

		if (rc == 0) {
			cr_expect_str_eq(out, cases[i].json, "case %zu", i);
		} else {
			cr_expect(!cases[i].map && rc == MLEDGER_EFORMAT,
				  "case %zu: %d (%s)", i, rc,
				  mledger_error_last());
			cr_expect_null(out);
		}
		free(out);
	}
}
