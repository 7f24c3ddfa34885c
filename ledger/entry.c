/*
 * Entries: what the ledger appends. {"event": bin, "prev": bin, "seq": uint,
 * "time": uint} in canonical msgpack (proto/entries.md); prev is the SHA-256
 * of the previous entry's bytes, 32 zero bytes for entry 0, which is what
 * chains them.
 */
#include "codec.h"
#include "json_int.h"
#include "ledger_int.h"

#include <stdlib.h>
#include <string.h>

int mledger_entry_encode(uint8_t **out, size_t *out_len, uint64_t seq,
			 uint64_t time, const uint8_t prev[MLEDGER_HASH_BYTES],
			 const uint8_t *event, size_t event_len)
{
	mledger_writer w;

	mledger_w_init(&w);
	mledger_w_map(&w, 4);
	mledger_w_key(&w, "event");
	mledger_w_bin(&w, event, event_len);
	mledger_w_key(&w, "prev");
	mledger_w_bin(&w, prev, MLEDGER_HASH_BYTES);
	mledger_w_key(&w, "seq");
	mledger_w_uint(&w, seq);
	mledger_w_key(&w, "time");
	mledger_w_uint(&w, time);
	return mledger_w_finish(out, out_len, &w);
}

int mledger_entry_parse(mledger_entry *out, const uint8_t *data, size_t len)
{
	static const char *const fields[] = {"event", "prev", "seq", "time"};
	const char *what = "entry";
	const uint8_t *prev;
	size_t prev_len;
	mledger_doc doc;
	int error;

	if ((error = mledger_doc_parse(&doc, data, len, MLEDGER_ENTRY_MAX)) < 0)
		return mledger_error_prefix("entry");
	if (doc.root.type != MSGPACK_OBJECT_MAP) {
		error = mledger_error_set(MLEDGER_EFORMAT, "entry must be a map");
		goto done;
	}
	if ((error = mledger_map_only(&doc.root, what, fields, 4)) < 0 ||
	    (error = mledger_get_bin(&out->event, &out->event_len, &doc.root,
				     "event", what)) < 0 ||
	    (error = mledger_get_bin(&prev, &prev_len, &doc.root, "prev",
				     what)) < 0 ||
	    (error = mledger_get_uint(&out->seq, &doc.root, "seq", what)) < 0 ||
	    (error = mledger_get_uint(&out->time, &doc.root, "time", what)) < 0)
		goto done;
	if (prev_len != MLEDGER_HASH_BYTES) {
		error = mledger_error_set(MLEDGER_EFORMAT,
			"entry: prev must be %d bytes, not %zu",
			MLEDGER_HASH_BYTES, prev_len);
		goto done;
	}
	out->prev = prev;
done:
	mledger_doc_free(&doc);
	return error;
}

static json_t *hex_json(const uint8_t *data, size_t len)
{
	char hex[2 * 64 + 1];

	if (len > 64)
		return NULL;
	mledger_hex(hex, data, len);
	return json_string(hex);
}

int mledger_entry_to_json(char **out, const uint8_t *data, size_t len,
			  bool pretty)
{
	uint8_t hash[MLEDGER_HASH_BYTES];
	mledger_entry e;
	mledger_signed sev;
	mledger_doc body;
	json_t *j, *ev;
	int error;

	*out = NULL;
	if ((error = mledger_entry_parse(&e, data, len)) < 0)
		return error;
	if ((error = mledger_signed_parse(&sev, e.event, e.event_len)) < 0)
		return mledger_error_prefix("entry %llu", (unsigned long long)e.seq);
	if ((error = mledger_doc_parse(&body, sev.body, sev.body_len,
				       MLEDGER_EVENT_MAX)) < 0)
		return mledger_error_prefix("entry %llu: event body",
					    (unsigned long long)e.seq);
	ev = mledger_object_to_json(&body.root);
	mledger_doc_free(&body);
	mledger_sha256(hash, data, len);
	j = json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o}",
		      "seq", (json_int_t)e.seq, "time", (json_int_t)e.time,
		      "hash", hex_json(hash, sizeof(hash)),
		      "prev", hex_json(e.prev, MLEDGER_HASH_BYTES),
		      "kid", hex_json(sev.kid, MLEDGER_KID_BYTES),
		      "sig", hex_json(sev.sig, MLEDGER_SIG_BYTES),
		      "event", ev);
	if (j == NULL)
		return MLEDGER_NOMEM();
	return mledger_json_dump(out, j, pretty);
}
