/* hash.h: the garbling hash H(x, t), MITCCRH (Guo-Katz-Wang-Weng-Yu, CRYPTO 2020,
 * eprint 2019/1168; Guo-Katz-Wang-Yu, S&P 2020, eprint 2019/074).
 *
 * Per run the garbler draws a 128-bit seed S and sends it to the evaluator. The hash with
 * tweak t uses the AES-128 key K_t = S ^ (t || 0^64) and is
 *     H(x, t) = AES_{K_t}(sigma(x)) ^ sigma(x),   sigma(x_L || x_R) = (x_L ^ x_R || x_L).
 * Byte layout (as EMP-toolkit, read as a little-endian 128-bit integer): the left half
 * x_L is bytes 8..15 and x_R is bytes 0..7, so sigma(x) has bytes 0..7 = x[8..15] and bytes
 * 8..15 = x[8..15] ^ x[0..7]; t goes little-endian into bytes 8..15 of the key.
 *
 * hash_batch() hashes many blocks under consecutive tweaks; the AES keys are expanded on the
 * fly, several per instruction (aes_encrypt_multikey). The context holds no secret (S is
 * public to both parties) and no allocation: copy it freely.
 */
#ifndef MPCC_HASH_H
#define MPCC_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "aes.h"

struct hash_ctx {
	uint8_t seed[16];     /* S */
	enum aes_impl impl;   /* a supported implementation */
};

void hash_init(struct hash_ctx *h, const uint8_t seed[16], enum aes_impl impl);

/* out = H(x, t). out may alias x. */
void hash_one(const struct hash_ctx *h, uint8_t out[16], const uint8_t x[16], uint64_t t);

/* n tweaks t0 .. t0+n-1 with m blocks each (1 <= m <= AES_MAX_PER_KEY), laid out as in
 * aes_encrypt_multikey: out[j * stride + i] = H(in[j * stride + i], t0 + i) for i < n, j < m,
 * stride >= n. in == out is allowed. */
void hash_batch(const struct hash_ctx *h, uint64_t t0, size_t n, unsigned m, size_t stride,
		const uint8_t (*in)[16], uint8_t (*out)[16]);
/* The same with any tweaks: tweak i is tweaks[i]. */
void hash_batch_tweaks(const struct hash_ctx *h, const uint64_t *tweaks, size_t n, unsigned m,
		       size_t stride, const uint8_t (*in)[16], uint8_t (*out)[16]);

#endif
