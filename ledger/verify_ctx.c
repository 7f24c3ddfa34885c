/*
 * Per-thread verification contexts. Each thread has a small direct-mapped
 * table of contexts indexed by key serial; a key that maps to a taken slot
 * evicts its holder. A thread's table is freed when the thread exits (a
 * pthread key destructor); the main thread's lives as long as the process.
 * A serial is never reused, so a slot cannot be mistaken for another key
 * that happens to get the address of a freed one.
 */
#include "verify_ctx.h"

#include <openssl/err.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#define SLOTS 256             /* more than the signers of a busy ledger */

typedef struct slot {
	uint64_t serial;          /* 0: empty */
	EVP_MD_CTX *ctx;
} slot;

typedef struct table {
	slot slots[SLOTS];
} table;

static atomic_uint_fast64_t last_serial;
static atomic_bool disabled;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t table_key;
static int key_ok;
static _Thread_local table *mine;

uint64_t mledger_key_serial_next(void)
{
	return (uint64_t)atomic_fetch_add(&last_serial, 1) + 1;
}

static void table_free(void *p)
{
	table *t = p;

	for (size_t i = 0; i < SLOTS; i++)
		EVP_MD_CTX_free(t->slots[i].ctx);
	free(t);
}

static void make_key(void)
{
	key_ok = pthread_key_create(&table_key, table_free) == 0;
}

static table *thread_table(void)
{
	if (mine != NULL)
		return mine;
	pthread_once(&key_once, make_key);
	if (!key_ok)
		return NULL;
	mine = calloc(1, sizeof(*mine));
	if (mine != NULL && pthread_setspecific(table_key, mine) != 0) {
		free(mine);
		mine = NULL;
	}
	return mine;
}

EVP_MD_CTX *mledger_verify_ctx(uint64_t serial, EVP_PKEY *pkey)
{
	table *t;
	slot *s;

	if (serial == 0 || atomic_load_explicit(&disabled, memory_order_relaxed))
		return NULL;
	if ((t = thread_table()) == NULL)
		return NULL;
	s = &t->slots[serial % SLOTS];
	if (s->serial == serial)
		return s->ctx;
	EVP_MD_CTX_free(s->ctx);
	s->serial = 0;
	if ((s->ctx = EVP_MD_CTX_new()) == NULL)
		return NULL;
	if (EVP_DigestVerifyInit(s->ctx, NULL, NULL, NULL, pkey) != 1) {
		ERR_clear_error();
		EVP_MD_CTX_free(s->ctx);
		s->ctx = NULL;
		return NULL;
	}
	s->serial = serial;
	return s->ctx;
}

void mledger_verify_ctx_drop(uint64_t serial)
{
	slot *s;

	if (mine == NULL || serial == 0)
		return;
	s = &mine->slots[serial % SLOTS];
	if (s->serial != serial)
		return;
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
	s->serial = 0;
}

void mledger_verify_ctx_disable(void)
{
	atomic_store(&disabled, true);
}
