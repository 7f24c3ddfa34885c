/* Internal side of error.h: how library code records a failure. */
#ifndef MLEDGER_ERROR_INT_H
#define MLEDGER_ERROR_INT_H

#include "mledger/error.h"

#if defined(__GNUC__)
#define MLEDGER_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MLEDGER_PRINTF(a, b)
#endif

/* Record code and a detailed message for this thread; returns code. */
int mledger_error_set(int code, const char *fmt, ...) MLEDGER_PRINTF(2, 3);

/* Put "prefix: " in front of the recorded message; returns the recorded code. */
int mledger_error_prefix(const char *fmt, ...) MLEDGER_PRINTF(1, 2);

/*
 * Internal only: the storage map is full. The write is retried after the map
 * grows, so this code never reaches a caller of the public API.
 */
#define MLEDGER_EMAPFULL (-100)

#define MLEDGER_NOMEM() mledger_error_set(MLEDGER_ENOMEM, "out of memory")

#endif
