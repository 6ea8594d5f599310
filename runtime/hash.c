/* hash.c: MITCCRH on top of aes_encrypt_multikey: build the keys S ^ t and the inputs
 * sigma(x) for a chunk of tweaks, then one Matyas-Meyer-Oseas pass (AES_K(y) ^ y) in place. */
#include "hash.h"

#include <string.h>

enum { HASH_CHUNK = 128 }; /* keys built per call to AES: 2 KiB on the stack */

void hash_init(struct hash_ctx *h, const uint8_t seed[16], enum aes_impl impl)
{
	memcpy(h->seed, seed, 16);
	h->impl = impl;
}

/* The two 64-bit halves of a block, and back; byte order is the machine's, which is fine
 * for sigma (it only moves and XORs whole halves) and for the key (see hash_key). */
static inline void load_halves(uint64_t *lo, uint64_t *hi, const uint8_t x[16])
{
	memcpy(lo, x, 8);
	memcpy(hi, x + 8, 8);
}

static inline void store_halves(uint8_t x[16], uint64_t lo, uint64_t hi)
{
	memcpy(x, &lo, 8);
	memcpy(x + 8, &hi, 8);
}

void hash_sigma(uint8_t out[16], const uint8_t x[16])
{
	uint64_t lo, hi;
	load_halves(&lo, &hi, x);
	store_halves(out, hi, hi ^ lo);
}

/* t little-endian, as 8 bytes in the machine's order (a byte swap on big-endian only). */
static inline uint64_t tweak_le(uint64_t t)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(t);
#else
	return t;
#endif
}

void hash_one(const struct hash_ctx *h, uint8_t out[16], const uint8_t x[16], uint64_t t)
{
	hash_batch(h, t, 1, 1, 1, (const uint8_t (*)[16])x, (uint8_t (*)[16])out);
}

void hash_batch(const struct hash_ctx *h, uint64_t t0, size_t n, unsigned m, size_t stride,
		const uint8_t (*in)[16], uint8_t (*out)[16])
{
	_Alignas(64) uint8_t keys[HASH_CHUNK][16];
	for (size_t i0 = 0; i0 < n; i0 += HASH_CHUNK) {
		size_t c = n - i0 < HASH_CHUNK ? n - i0 : HASH_CHUNK;
		uint64_t s_lo, s_hi;
		load_halves(&s_lo, &s_hi, h->seed);
		for (size_t i = 0; i < c; i++) /* K_t = S ^ (t || 0): t into bytes 8..15 */
			store_halves(keys[i], s_lo, s_hi ^ tweak_le(t0 + i0 + i));
		for (unsigned j = 0; j < m; j++)
			for (size_t i = 0; i < c; i++)
				hash_sigma(out[j * stride + i0 + i], in[j * stride + i0 + i]);
		aes_encrypt_multikey(h->impl, (const uint8_t (*)[16])keys, c, m, stride,
				     (const uint8_t (*)[16])(out + i0), out + i0, true);
	}
}
