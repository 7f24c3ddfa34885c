/*
 * Error codes and the per-thread detailed message. The library never prints:
 * a failing function records what went wrong here, in words a user can act
 * on, and returns its code; the CLI prints mledger_error_last().
 */
#include "error_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_message[512];
static _Thread_local int last_code;

const char *mledger_strerror(int code)
{
	switch (code) {
	case MLEDGER_OK: return "success";
	case MLEDGER_ENOMEM: return "out of memory";
	case MLEDGER_EINVAL: return "invalid argument";
	case MLEDGER_EIO: return "I/O error";
	case MLEDGER_ENOTFOUND: return "not found";
	case MLEDGER_EEXISTS: return "already exists";
	case MLEDGER_EFORMAT: return "malformed or non-canonical data";
	case MLEDGER_ETOOBIG: return "input too large";
	case MLEDGER_EBADSIG: return "bad signature";
	case MLEDGER_EKEY: return "unknown, revoked or retired key";
	case MLEDGER_EROLE: return "role not allowed";
	case MLEDGER_EREPLAY: return "sequence number replayed";
	case MLEDGER_ECHAIN: return "hash chain broken";
	case MLEDGER_ERULE: return "rule violated";
	case MLEDGER_ECUSTODY: return "not the custodian";
	case MLEDGER_EMASS: return "mass balance violated";
	case MLEDGER_ETIME: return "event time earlier than its inputs";
	case MLEDGER_ESTATE: return "stored state differs from replay";
	case MLEDGER_EBUSY: return "ledger busy";
	case MLEDGER_ECRYPTO: return "cryptographic library failure";
	default: return "unknown error";
	}
}

int mledger_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	last_code = code;
	if (fmt == NULL) {
		last_message[0] = '\0';
		return code;
	}
	va_start(ap, fmt);
	vsnprintf(last_message, sizeof(last_message), fmt, ap);
	va_end(ap);
	return code;
}

/* Append s to last_message at *used, cutting at the buffer's end. */
static void append(size_t *used, const char *s)
{
	size_t room, n = strlen(s);

	if (*used >= sizeof(last_message) - 1)
		return;
	room = sizeof(last_message) - 1 - *used;
	if (n > room)
		n = room;
	memcpy(last_message + *used, s, n);
	*used += n;
	last_message[*used] = '\0';
}

int mledger_error_prefix(const char *fmt, ...)
{
	char rest[sizeof(last_message)];
	size_t used;
	va_list ap;
	int n;

	snprintf(rest, sizeof(rest), "%s",
		 last_message[0] ? last_message : mledger_strerror(last_code));
	va_start(ap, fmt);
	n = vsnprintf(last_message, sizeof(last_message), fmt, ap);
	va_end(ap);
	/* A message cut short stays a readable prefix of the whole. */
	used = n < 0 ? 0 : (size_t)n;
	append(&used, ": ");
	append(&used, rest);
	return last_code;
}

const char *mledger_error_last(void)
{
	if (last_message[0] != '\0')
		return last_message;
	return mledger_strerror(last_code);
}

int mledger_error_code(void)
{
	return last_code;
}

void mledger_error_clear(void)
{
	last_code = 0;
	last_message[0] = '\0';
}
