/*
 * Events: the signed statements the ledger records. An event is built as a
 * struct, encoded to its canonical body (proto/events.md), and signed into a
 * signed event {body, kid, sig} whose exact bytes are stored and never
 * re-encoded. Decoding is strict: an event has exactly one encoding.
 */
#ifndef MLEDGER_EVENT_H
#define MLEDGER_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mledger/error.h"
#include "mledger/key.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLEDGER_SIG_DOMAIN "mledger/event/v1\n" /* signed: domain || body */
#define MLEDGER_ID_MAX 128      /* actor, lot and facility ids, bytes */
#define MLEDGER_NAME_MAX 256    /* display names and free text, bytes */
#define MLEDGER_KEYS_MAX 16     /* keys named in one actor record */
#define MLEDGER_FACILITIES_MAX 64
#define MLEDGER_ELEMENTS_MAX 32 /* elements in one content list */
#define MLEDGER_LOT_IO_MAX 256  /* inputs, and outputs, of one transform */
#define MLEDGER_PPM 1000000u    /* content is in parts per million by mass */

typedef enum mledger_event_type {
	MLEDGER_EV_GENESIS = 1,
	MLEDGER_EV_ACTOR_ENROLL,
	MLEDGER_EV_ACTOR_REKEY,
	MLEDGER_EV_ACTOR_REVOKE,
	MLEDGER_EV_LOT_REGISTER,
	MLEDGER_EV_LOT_SHIP,
	MLEDGER_EV_LOT_RECEIVE,
	MLEDGER_EV_LOT_TRANSFORM,
	MLEDGER_EV_LOT_ADJUST,
	MLEDGER_EV_LOT_ATTEST,
} mledger_event_type;

/* "ledger.genesis", "actor.enroll", ...; NULL for an unknown type. */
const char *mledger_event_type_name(mledger_event_type type);
int mledger_event_type_parse(mledger_event_type *out, const char *name);

/* Roles, as bits of mledger_actor_record.roles. */
enum {
	MLEDGER_ROLE_OPERATOR = 1u << 0,
	MLEDGER_ROLE_REGISTRAR = 1u << 1,
	MLEDGER_ROLE_MINER = 1u << 2,
	MLEDGER_ROLE_PROCESSOR = 1u << 3,
	MLEDGER_ROLE_MANUFACTURER = 1u << 4,
	MLEDGER_ROLE_RECYCLER = 1u << 5,
	MLEDGER_ROLE_AUDITOR = 1u << 6,
	MLEDGER_ROLE_CARRIER = 1u << 7,
	MLEDGER_ROLE_ALL = (1u << 8) - 1,
};

/* Name of one role bit ("miner"); NULL if not exactly one known bit. */
const char *mledger_role_name(uint32_t role);

/* Parse "miner,processor" into role bits; EINVAL names an unknown role. */
int mledger_roles_parse(uint32_t *out, const char *list);

/* Write role names, comma-separated, into buf (always NUL-terminated). */
void mledger_roles_format(char *buf, size_t size, uint32_t roles);

/* 1 if cc is two upper-case ASCII letters (ISO 3166-1 alpha-2 shape). */
int mledger_country_valid(const char *cc);

typedef struct mledger_pubkey {
	mledger_alg alg;
	size_t len;                       /* bytes used in pub */
	uint8_t pub[MLEDGER_PUBKEY_MAX];
} mledger_pubkey;

typedef struct mledger_facility {
	const char *id;
	char country[3];
} mledger_facility;

/* An actor as enrolled: who it is, what it may do, who owns it, its keys. */
typedef struct mledger_actor_record {
	const char *id;           /* "ca.example-mining.whabouchi" */
	const char *name;         /* display name */
	uint32_t roles;           /* MLEDGER_ROLE_* bits, at least one */
	char country[3];          /* ISO 3166-1 alpha-2 */
	const mledger_facility *facilities;
	size_t nfacilities;
	char owner_country[3];    /* controlling country, "" when none recorded */
	uint32_t owner_share_bp;  /* its equity share in basis points, 0..10000 */
	bool state_owned;         /* owned by the government of owner_country */
	const mledger_pubkey *keys;
	size_t nkeys;             /* 1..MLEDGER_KEYS_MAX */
} mledger_actor_record;

/* Content of one element in a lot: parts per million by mass. */
typedef struct mledger_element {
	char symbol[3];           /* "Li", "Ni", "Co", "C", "Al", ... */
	uint32_t ppm;             /* 1..1000000 */
} mledger_element;

/* Where a lot comes from when it is registered. */
typedef enum mledger_origin {
	MLEDGER_ORIGIN_EXTRACTION = 1,
	MLEDGER_ORIGIN_RECYCLING,
} mledger_origin;

/* Processing stages of lot.transform (proto/events.md lists them). */
typedef enum mledger_stage {
	MLEDGER_STAGE_REFINING = 1,
	MLEDGER_STAGE_SMELTING,
	MLEDGER_STAGE_CASTING,
	MLEDGER_STAGE_PRECURSOR,
	MLEDGER_STAGE_CATHODE,
	MLEDGER_STAGE_ANODE,
	MLEDGER_STAGE_CELL,
	MLEDGER_STAGE_MODULE,
	MLEDGER_STAGE_PACK,
	MLEDGER_STAGE_ASSEMBLY,
	MLEDGER_STAGE_RECYCLING,
	MLEDGER_STAGE_SPLIT,
	MLEDGER_STAGE_MERGE,
	MLEDGER_STAGE_CONCENTRATION,
	MLEDGER_STAGE_CONVERSION,
	MLEDGER_STAGE_ALLOYING,
} mledger_stage;

/* Chain-of-custody models a transform may declare. */
typedef enum mledger_custody_model {
	MLEDGER_MODEL_NONE = 0,   /* not declared */
	MLEDGER_MODEL_SEGREGATED,
	MLEDGER_MODEL_CONTROLLED_BLENDING,
	MLEDGER_MODEL_MASS_BALANCE,
} mledger_custody_model;

/* Kinds of lot.adjust: mass leaves the lot without going to another lot. */
typedef enum mledger_adjust_kind {
	MLEDGER_ADJUST_LOSS = 1,
	MLEDGER_ADJUST_SAMPLE,
	MLEDGER_ADJUST_SCRAP,
} mledger_adjust_kind;

/* What an attestation is about. */
typedef enum mledger_target_kind {
	MLEDGER_TARGET_LOT = 1,
	MLEDGER_TARGET_ACTOR,
	MLEDGER_TARGET_FACILITY,
} mledger_target_kind;

const char *mledger_origin_name(mledger_origin origin);
int mledger_origin_parse(mledger_origin *out, const char *name);
const char *mledger_stage_name(mledger_stage stage);
int mledger_stage_parse(mledger_stage *out, const char *name);
const char *mledger_model_name(mledger_custody_model model);
int mledger_model_parse(mledger_custody_model *out, const char *name);
const char *mledger_adjust_name(mledger_adjust_kind kind);
int mledger_adjust_parse(mledger_adjust_kind *out, const char *name);
const char *mledger_target_name(mledger_target_kind kind);
int mledger_target_parse(mledger_target_kind *out, const char *name);

/* 1 if symbol is a chemical element symbol ("Li", "C"), else 0. */
int mledger_element_valid(const char *symbol);

/*
 * Parse "Li=60000,Ni=1200" into out (up to MLEDGER_ELEMENTS_MAX), sorted by
 * symbol; EINVAL names the bad item, a repeated element or a total over
 * 1000000 ppm.
 */
int mledger_content_parse(mledger_element *out, size_t *n, const char *list);

/* One input of a transform: mass consumed from a lot. */
typedef struct mledger_lot_input {
	const char *lot;
	uint64_t mass_g;
} mledger_lot_input;

/* One output of a transform: a new lot. */
typedef struct mledger_lot_output {
	const char *lot;
	const char *material;
	uint64_t mass_g;
	const mledger_element *content;
	size_t ncontent;
	const char *hts;          /* may be NULL */
	bool has_value;
	uint64_t value_cents;
} mledger_lot_output;

/* lot.register: a lot enters the ledger at its origin. */
typedef struct mledger_ev_register {
	const char *lot;      /* new lot id */
	const char *material; /* "spodumene-concentrate" */
	uint64_t mass_g;
	const mledger_element *content;
	size_t ncontent;
	mledger_origin origin;
	char country[3];      /* of the site; "ZZ" = unknown */
	const char *site;     /* facility id of the signer */
	const char *hts;      /* may be NULL */
	bool has_value;
	uint64_t value_cents;
	bool secondary;       /* extraction from tailings, slag or other
				 waste rather than ore; extraction only */
} mledger_ev_register;

/* lot.ship: the custodian sends a lot to another actor. */
typedef struct mledger_ev_ship {
	const char *lot;
	const char *to;       /* receiving actor */
	const char *ref;      /* bill of lading, invoice; or NULL */
} mledger_ev_ship;

/* lot.receive: the named receiver takes custody. */
typedef struct mledger_ev_receive {
	const char *lot;
	uint64_t mass_g;      /* received; the rest is transit loss */
} mledger_ev_receive;

/* lot.transform: inputs consumed, new lots made. */
typedef struct mledger_ev_transform {
	const mledger_lot_input *inputs;
	size_t ninputs;
	const mledger_lot_output *outputs;
	size_t noutputs;
	mledger_stage stage;
	const char *facility; /* facility id of the signer */
	char country[3];      /* that facility's country */
	bool has_value_added;
	uint64_t value_added_cents;
	mledger_custody_model model;
} mledger_ev_transform;

/* lot.adjust: mass leaves a lot as loss, sample or scrap. */
typedef struct mledger_ev_adjust {
	const char *lot;
	mledger_adjust_kind kind;
	uint64_t mass_g;      /* removed from the lot */
	const char *reason;   /* may be NULL */
} mledger_ev_adjust;

/* lot.attest: an auditor's finding on a lot, actor or facility. */
typedef struct mledger_ev_attest {
	mledger_target_kind target;
	const char *id;       /* lot, actor or facility id */
	const char *owner;    /* for a facility: its actor */
	const char *scheme;   /* "IRMA", "Copper Mark", ... */
	const char *result;   /* level or finding */
	uint64_t valid_from;  /* Unix seconds; 0 = not stated */
	uint64_t valid_until; /* Unix seconds; 0 = not stated */
	uint8_t doc_sha256[MLEDGER_HASH_BYTES];
} mledger_ev_attest;

typedef struct mledger_event {
	mledger_event_type type;
	const char *actor;        /* id of the signing actor */
	uint64_t actor_seq;       /* strictly increasing per actor */
	uint64_t time;            /* when the signer made it, Unix seconds UTC */
	union {
		struct {
			const char *origin;   /* the ledger's name, C2SP origin line */
			mledger_actor_record operator_;
		} genesis;
		struct {
			mledger_actor_record subject;
		} enroll;
		struct {
			const char *subject;  /* actor whose keys change */
			mledger_pubkey add;
			bool has_retire;
			uint8_t retire[MLEDGER_KID_BYTES];
		} rekey;
		struct {
			const char *subject;  /* actor revoked, or owner of kid */
			bool has_kid;         /* false: the whole actor */
			uint8_t kid[MLEDGER_KID_BYTES];
			const char *reason;   /* may be NULL */
		} revoke;
		mledger_ev_register reg;
		mledger_ev_ship ship;
		mledger_ev_receive receive;
		mledger_ev_transform transform;
		mledger_ev_adjust adjust;
		mledger_ev_attest attest;
	} u;
} mledger_event;

/*
 * Encode the canonical body of ev (proto/events.md). Checks shape only:
 * lengths, country codes, roles, key sizes (MLEDGER_EINVAL naming the field);
 * ledger rules are checked at append. *out is malloc'd.
 */
int mledger_event_encode(uint8_t **out, size_t *out_len,
			 const mledger_event *ev);

/*
 * Decode a canonical body. All strings and arrays of *out live in one
 * allocation freed by mledger_event_free(). MLEDGER_EFORMAT / ETOOBIG with a
 * message naming the field.
 */
int mledger_event_decode(mledger_event **out, const uint8_t *body,
			 size_t len);
void mledger_event_free(mledger_event *ev);

/* Encode ev and sign it with key into signed-event bytes (*out malloc'd). */
int mledger_event_sign(uint8_t **out, size_t *out_len,
		       const mledger_event *ev, const mledger_key *key);

/* A signed event, borrowed: pointers into the bytes it was parsed from. */
typedef struct mledger_signed {
	const uint8_t *body;
	size_t body_len;
	const uint8_t *kid;       /* MLEDGER_KID_BYTES */
	const uint8_t *sig;       /* MLEDGER_SIG_BYTES */
} mledger_signed;

/* Parse signed-event bytes (at most 64 KiB, canonical). */
int mledger_signed_parse(mledger_signed *out, const uint8_t *data,
			 size_t len);

/*
 * Length of the first signed event in a stream of concatenated ones, so a
 * file can carry a batch. MLEDGER_EFORMAT / ETOOBIG if it is not one.
 */
int mledger_signed_next(size_t *out_len, const uint8_t *data, size_t len);

/* Verify sig over MLEDGER_SIG_DOMAIN || body with key. */
MLEDGER_WARN_UNUSED int mledger_signed_verify(const mledger_signed *sev,
					      const mledger_key *key);

/* One-line human summary of an event ("actor.enroll ca.x (miner) by op"). */
void mledger_event_summary(char *buf, size_t size, const mledger_event *ev);

/*
 * JSON of a body: the decoded map with bin fields as lower-case hex. *out is
 * malloc'd, NUL-terminated, compact unless pretty is set.
 */
int mledger_body_to_json(char **out, const uint8_t *body, size_t len,
			 bool pretty);

#ifdef __cplusplus
}
#endif
#endif
