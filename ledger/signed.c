/*
 * Signed events: {"body": bin, "kid": bin, "sig": bin}, the signature over
 * MLEDGER_SIG_DOMAIN || body (proto/events.md). The domain string keeps an
 * event signature from ever being valid as any other kind of signature made
 * with the same key.
 */
#include "codec.h"
#include "mledger/event.h"

#include <stdlib.h>
#include <string.h>

#define DOMAIN_LEN (sizeof(MLEDGER_SIG_DOMAIN) - 1)

/* The signed message, on the stack when small (the common case). */
typedef struct signed_msg {
	uint8_t small[2048];
	uint8_t *data;
	size_t len;
} signed_msg;

static int msg_build(signed_msg *m, const uint8_t *body, size_t len)
{
	m->len = DOMAIN_LEN + len;
	m->data = m->len <= sizeof(m->small) ? m->small : malloc(m->len);
	if (m->data == NULL)
		return MLEDGER_NOMEM();
	memcpy(m->data, MLEDGER_SIG_DOMAIN, DOMAIN_LEN);
	memcpy(m->data + DOMAIN_LEN, body, len);
	return 0;
}

static void msg_free(signed_msg *m)
{
	if (m->data != m->small)
		free(m->data);
}

int mledger_event_sign(uint8_t **out, size_t *out_len, const mledger_event *ev,
		       const mledger_key *key)
{
	uint8_t kid[MLEDGER_KID_BYTES], sig[MLEDGER_SIG_BYTES];
	uint8_t *body = NULL;
	size_t body_len;
	signed_msg m;
	mledger_writer w;
	int error;

	if (!mledger_key_has_private(key))
		return mledger_error_set(MLEDGER_EINVAL,
			"signing needs a private key, not a public one");
	if ((error = mledger_event_encode(&body, &body_len, ev)) < 0)
		return error;
	if (body_len + 128 > MLEDGER_EVENT_MAX) {
		free(body);
		return mledger_error_set(MLEDGER_ETOOBIG,
			"%s event of %zu bytes is over the %u-byte cap",
			mledger_event_type_name(ev->type), body_len,
			MLEDGER_EVENT_MAX);
	}
	if ((error = msg_build(&m, body, body_len)) < 0) {
		free(body);
		return error;
	}
	error = mledger_key_sign(sig, key, m.data, m.len);
	msg_free(&m);
	if (error == 0)
		error = mledger_key_id(kid, key);
	if (error < 0) {
		free(body);
		return error;
	}
	mledger_w_init(&w);
	mledger_w_map(&w, 3);
	mledger_w_key(&w, "body");
	mledger_w_bin(&w, body, body_len);
	mledger_w_key(&w, "kid");
	mledger_w_bin(&w, kid, sizeof(kid));
	mledger_w_key(&w, "sig");
	mledger_w_bin(&w, sig, sizeof(sig));
	free(body);
	return mledger_w_finish(out, out_len, &w);
}

int mledger_signed_parse(mledger_signed *out, const uint8_t *data, size_t len)
{
	static const char *const fields[] = {"body", "kid", "sig"};
	const char *what = "signed event";
	const uint8_t *kid, *sig;
	size_t kid_len, sig_len;
	mledger_doc doc;
	int error;

	if ((error = mledger_doc_parse(&doc, data, len, MLEDGER_EVENT_MAX)) < 0)
		return mledger_error_prefix("signed event");
	if (doc.root.type != MSGPACK_OBJECT_MAP) {
		error = mledger_error_set(MLEDGER_EFORMAT,
					  "signed event must be a map");
		goto done;
	}
	if ((error = mledger_map_only(&doc.root, what, fields, 3)) < 0 ||
	    (error = mledger_get_bin(&out->body, &out->body_len, &doc.root,
				     "body", what)) < 0 ||
	    (error = mledger_get_bin(&kid, &kid_len, &doc.root, "kid", what)) < 0 ||
	    (error = mledger_get_bin(&sig, &sig_len, &doc.root, "sig", what)) < 0)
		goto done;
	if (kid_len != MLEDGER_KID_BYTES) {
		error = mledger_error_set(MLEDGER_EFORMAT,
			"signed event: key id must be %d bytes, not %zu",
			MLEDGER_KID_BYTES, kid_len);
		goto done;
	}
	if (sig_len != MLEDGER_SIG_BYTES) {
		error = mledger_error_set(MLEDGER_EFORMAT,
			"signed event: signature must be %d bytes, not %zu",
			MLEDGER_SIG_BYTES, sig_len);
		goto done;
	}
	out->kid = kid;
	out->sig = sig;
done:
	mledger_doc_free(&doc);
	return error;
}

int mledger_signed_next(size_t *out_len, const uint8_t *data, size_t len)
{
	mledger_signed sev;
	int error;

	if ((error = mledger_canon_next(out_len, data, len, MLEDGER_EVENT_MAX,
					MLEDGER_DEPTH_MAX)) < 0)
		return error;
	/* A canonical value is not yet an event: it must be a signed one. */
	return mledger_signed_parse(&sev, data, *out_len);
}

int mledger_signed_verify(const mledger_signed *sev, const mledger_key *key)
{
	signed_msg m;
	int error;

	if ((error = msg_build(&m, sev->body, sev->body_len)) < 0)
		return error;
	error = mledger_key_verify(key, m.data, m.len, sev->sig,
				   MLEDGER_SIG_BYTES);
	msg_free(&m);
	return error;
}
