/* rt.c: error strings, counted allocation and secret wiping for the runtime. */
#include "rt.h"

#include <stdatomic.h>
#include <stdlib.h>

#include <openssl/crypto.h>

static atomic_size_t live_blocks;
static atomic_size_t fail_countdown;

const char *rt_err_str(rt_err e)
{
	switch (e) {
	case RT_OK:
		return "success";
	case RT_ERR_NOMEM:
		return "out of memory";
	case RT_ERR_IO:
		return "connection failed";
	case RT_ERR_TIMEOUT:
		return "timed out";
	case RT_ERR_PROTOCOL:
		return "protocol error";
	case RT_ERR_CRYPTO:
		return "cryptographic failure";
	case RT_ERR_INPUT:
		return "bad input";
	case RT_ERR_AUTH:
		return "authentication failed";
	}
	return "unknown error";
}

static int injected_failure(void)
{
	size_t n = atomic_load(&fail_countdown);
	while (n != 0) {
		if (atomic_compare_exchange_weak(&fail_countdown, &n, n - 1))
			return n == 1;
	}
	return 0;
}

void *rt_alloc(size_t n)
{
	if (injected_failure())
		return NULL;
	void *p = malloc(n ? n : 1);
	if (p)
		atomic_fetch_add(&live_blocks, 1);
	return p;
}

void *rt_calloc(size_t n, size_t size)
{
	if (injected_failure())
		return NULL;
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p)
		atomic_fetch_add(&live_blocks, 1);
	return p;
}

void rt_free(void *p)
{
	if (!p)
		return;
	atomic_fetch_sub(&live_blocks, 1);
	free(p);
}

size_t rt_alloc_live(void)
{
	return atomic_load(&live_blocks);
}

void rt_alloc_fail_after(size_t n)
{
	atomic_store(&fail_countdown, n);
}

int secret_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void secret_wipe(void *p, size_t n)
{
	if (p)
		OPENSSL_cleanse(p, n);
}

void secret_free(void *p, size_t n)
{
	if (!p)
		return;
	secret_wipe(p, n);
	rt_free(p);
}
