/* prg.h: AES-128-CTR pseudo-random generator (OpenSSL EVP, which uses AES-NI).
 *
 * prg_new_random() seeds from RAND_bytes; prg_new_seeded() takes a fixed 16-byte seed so
 * tests and transcript hashes repeat. The state is secret and wiped by prg_free().
 */
#ifndef MPCC_PRG_H
#define MPCC_PRG_H

#include <stddef.h>
#include <stdint.h>

#include "rt.h"

typedef struct prg prg;

RT_MUST_CHECK rt_err prg_new_seeded(prg **out, const uint8_t seed[16]);
RT_MUST_CHECK rt_err prg_new_random(prg **out);
/* Fills buf with n pseudo-random bytes. */
RT_MUST_CHECK rt_err prg_bytes(prg *p, void *buf, size_t n);
/* Moves the generator into a domain of its own: the new key is SHA-256(16 bytes of the old
 * stream || data), truncated; the counter restarts. The session binds its PRGs this way. */
RT_MUST_CHECK rt_err prg_mix(prg *p, const void *data, size_t n);
void prg_free(prg *p); /* wipes; NULL is a no-op */

#endif
