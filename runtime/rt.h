/* rt.h: what every runtime file shares: error codes, counted allocation, secret hygiene.
 *
 * Allocation goes through rt_alloc/rt_free so tests can count live blocks
 * (rt_alloc_live) and make the N-th allocation fail (rt_alloc_fail_after).
 * Secrets are compared with secret_equal (constant time) and wiped with secret_wipe.
 */
#ifndef MPCC_RT_H
#define MPCC_RT_H

#include <stddef.h>
#include <stdint.h>

#define RT_MUST_CHECK __attribute__((warn_unused_result))

typedef enum rt_err {
	RT_OK = 0,
	RT_ERR_NOMEM,    /* out of memory */
	RT_ERR_IO,       /* the connection failed or closed */
	RT_ERR_TIMEOUT,  /* the peer did not answer in time */
	RT_ERR_PROTOCOL, /* the peer sent something malformed */
	RT_ERR_CRYPTO,   /* OpenSSL or the CPU failed us */
	RT_ERR_INPUT,    /* bad local input (argument, value, circuit) */
	RT_ERR_AUTH,     /* the peer is not who the parties file says */
} rt_err;

const char *rt_err_str(rt_err e);

/* Counted allocation; rt_alloc returns NULL on failure (or on the injected failure). */
void *rt_alloc(size_t n);
void *rt_calloc(size_t n, size_t size);
void rt_free(void *p); /* NULL is a no-op */
/* Number of blocks allocated and not yet freed (all threads). */
size_t rt_alloc_live(void);
/* Make the n-th allocation from now fail (n >= 1); 0 turns injection off. */
void rt_alloc_fail_after(size_t n);

/* Constant-time equality (CRYPTO_memcmp): 1 when equal, 0 when not. */
int secret_equal(const void *a, const void *b, size_t n);
/* Overwrites n bytes in a way the compiler cannot drop (OPENSSL_cleanse). */
void secret_wipe(void *p, size_t n);
/* Wipes n bytes, then frees; NULL is a no-op. */
void secret_free(void *p, size_t n);

#endif
