/* hash.c: MITCCRH; the work (keys S ^ t, sigma, AES, feed-forward) is one fused pass in
 * aes_mitccrh_multikey, which expands the keys on the fly several per instruction. */
#include "hash.h"

#include <string.h>

void hash_init(struct hash_ctx *h, const uint8_t seed[16], enum aes_impl impl)
{
	memcpy(h->seed, seed, 16);
	h->impl = impl;
}

void hash_one(const struct hash_ctx *h, uint8_t out[16], const uint8_t x[16], uint64_t t)
{
	hash_batch(h, t, 1, 1, 1, (const uint8_t (*)[16])x, (uint8_t (*)[16])out);
}

void hash_batch(const struct hash_ctx *h, uint64_t t0, size_t n, unsigned m, size_t stride,
		const uint8_t (*in)[16], uint8_t (*out)[16])
{
	aes_mitccrh_multikey(h->impl, h->seed, NULL, t0, n, m, stride, in, out);
}

void hash_batch_tweaks(const struct hash_ctx *h, const uint64_t *tweaks, size_t n, unsigned m,
		       size_t stride, const uint8_t (*in)[16], uint8_t (*out)[16])
{
	aes_mitccrh_multikey(h->impl, h->seed, tweaks, 0, n, m, stride, in, out);
}
