/*
 * Internal helpers shared by the event encoder, decoder and JSON rendering:
 * the field names of proto/events.md in one place.
 */
#ifndef MLEDGER_EVENT_INT_H
#define MLEDGER_EVENT_INT_H

#include "mledger/event.h"

#include "arena.h"
#include "codec.h"

/* Write an actor record map (proto/events.md "actor record"). */
void mledger_w_actor_record(mledger_writer *w, const mledger_actor_record *r);

/* Write a {"alg", "pub"} key map. */
void mledger_w_pubkey(mledger_writer *w, const mledger_pubkey *k);

/*
 * Decode an actor record map into r; strings and arrays go to arena. what
 * names the structure in messages.
 */
int mledger_decode_record(mledger_actor_record *r, mledger_arena *arena,
			  const msgpack_object *obj, const char *what);

/* Shape checks shared by the encoder and decoder; EINVAL/EFORMAT as code. */
int mledger_check_id(int code, const char *what, const char *s, size_t len);
int mledger_check_text(int code, const char *what, const char *s, size_t len,
		       size_t max);
int mledger_check_pubkey(int code, const char *what, const mledger_pubkey *k);
int mledger_check_record(int code, const char *what,
			 const mledger_actor_record *r);

/* Lot events (event_lot.c): shape checks, body encoding and decoding. */
int mledger_check_content(int code, const char *what,
			  const mledger_element *c, size_t n);
int mledger_check_lot_event(int code, const mledger_event *ev);
void mledger_encode_lot_body(mledger_writer *w, const mledger_event *ev);
int mledger_decode_lot_body(mledger_event *ev, mledger_arena *arena,
			    const msgpack_object *root, const char *what);

/*
 * The event of an entry read back from this ledger's store: the entry and
 * signed-event wrappers are read in place and the body decoded with every
 * field check of mledger_event_decode() but without re-running the
 * canonical check, which append ran on these very bytes. For the store's
 * own bytes only, never for input from outside. EIO when the wrappers are
 * damaged, else as mledger_event_decode(); *out freed by
 * mledger_event_free().
 */
int mledger_event_decode_stored(mledger_event **out, const uint8_t *entry,
				size_t len);

#endif
