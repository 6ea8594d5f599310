/* aes.h: AES-128 encryption (FIPS-197), with the implementation chosen at run time.
 *
 * Implementations: AES-NI (one block per instruction), VAES on 256-bit registers (two blocks,
 * AVX2), VAES on 512-bit registers (four blocks, AVX-512) and a portable bitsliced one that
 * uses no table and no secret-dependent branch or index (slow: for CPUs without AES-NI).
 * All give the same results; aes_impl_best() picks the fastest the CPU supports, unless the
 * environment variable MPCC_AES_IMPL names another supported one ("soft", "aesni",
 * "vaes256", "vaes512").
 *
 * Two ways to encrypt:
 *  - fixed key: expand the key once (struct aes_key), then aes_encrypt_ecb() any number of
 *    blocks under it;
 *  - many keys: aes_encrypt_multikey() encrypts m blocks under each of n keys, expanding each
 *    key on the fly (the key schedule built from aesenclast, several keys per instruction),
 *    which is what a re-keyed hash such as MITCCRH needs.
 * Keys and round keys are secret: callers wipe a struct aes_key with secret_wipe().
 */
#ifndef MPCC_AES_H
#define MPCC_AES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum aes_impl {
	AES_IMPL_SOFT,	  /* portable, constant time, bitsliced */
	AES_IMPL_AESNI,	  /* AES-NI + SSSE3 */
	AES_IMPL_VAES256, /* VAES + AVX2 */
	AES_IMPL_VAES512, /* VAES + AVX-512 F/BW */
	AES_IMPL_COUNT
};

enum {
	AES_BLOCK_BYTES = 16,
	AES_ROUNDS = 10,
	AES_MAX_PER_KEY = 4, /* most blocks per key in aes_encrypt_multikey */
};

/* The expanded key: round keys 0 (the key itself) to 10. */
struct aes_key {
	_Alignas(16) uint8_t rk[AES_ROUNDS + 1][AES_BLOCK_BYTES];
};

/* True when this CPU (and its OS) can run impl. AES_IMPL_SOFT always can. */
bool aes_impl_supported(enum aes_impl impl);
/* The implementation to use: MPCC_AES_IMPL when it names a supported one, else the fastest
 * supported. */
enum aes_impl aes_impl_best(void);
/* "soft", "aesni", "vaes256", "vaes512"; "?" for anything else. */
const char *aes_impl_name(enum aes_impl impl);

/* The FIPS-197 key expansion. impl must be supported (as for every function below). */
void aes_expand_key(enum aes_impl impl, struct aes_key *k, const uint8_t key[16]);

/* out[i] = AES_k(in[i]) for i < n; in == out is allowed. */
void aes_encrypt_ecb(enum aes_impl impl, const struct aes_key *k, const uint8_t (*in)[16],
		     uint8_t (*out)[16], size_t n);

/* Each of m blocks under each of n expanded keys: out[j * n + i] = AES_{keys[i]}(in[j]) for
 * i < n, j < m. For a few blocks under many keys (AES-CTR streams that all stand at the same
 * counter): the keys run side by side, on AES-NI whatever impl names (but soft). out must
 * not overlap in. */
void aes_encrypt_keys(enum aes_impl impl, const struct aes_key *keys, size_t n,
		      const uint8_t (*in)[16], unsigned m, uint8_t (*out)[16]);

/* Encrypts m blocks (1 <= m <= AES_MAX_PER_KEY) under each of n keys. Block j of key i is
 * in[j * stride + i] (stride >= n): for j < m and i < n,
 *     out[j * stride + i] = AES_{keys[i]}(in[j * stride + i])  (^ in[j * stride + i] if mmo)
 * mmo selects the Matyas-Meyer-Oseas form, which feeds the input forward. in == out is
 * allowed. */
void aes_encrypt_multikey(enum aes_impl impl, const uint8_t (*keys)[16], size_t n, unsigned m,
			  size_t stride, const uint8_t (*in)[16], uint8_t (*out)[16], bool mmo);

/* The core of the MITCCRH hash (hash.h), fused: as aes_encrypt_multikey in MMO form, with
 * key i = seed ^ (tweak_i || 0^64), tweak_i = tweaks[i], or t0 + i (mod 2^64) when tweaks is
 * NULL, little-endian in bytes 8..15; each input is first mapped by sigma (bytes 0..7 <-
 * x[8..15], bytes 8..15 <- x[8..15] ^ x[0..7]):
 *     out[j * stride + i] = AES_{key i}(sigma(x)) ^ sigma(x),  x = in[j * stride + i]. */
void aes_mitccrh_multikey(enum aes_impl impl, const uint8_t seed[16], const uint64_t *tweaks,
			  uint64_t t0, size_t n, unsigned m, size_t stride, const uint8_t (*in)[16],
			  uint8_t (*out)[16]);

#endif
