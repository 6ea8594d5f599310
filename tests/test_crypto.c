/* test_crypto.c: AES-128 (every implementation this CPU runs) against FIPS-197 and OpenSSL,
 * and MITCCRH against a slow, separate construction on OpenSSL's AES. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "aes.h"
#include "hash.h"
#include "prg.h"
#include "rt.h"

TestSuite(crypto, .timeout = 60);

static void unhex(uint8_t *out, const char *hex)
{
	for (size_t i = 0; hex[2 * i]; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* Blocks from a fixed seed, so a failure repeats. */
static void random_bytes(void *buf, size_t n, uint8_t tag)
{
	uint8_t seed[16] = {tag, 0x5e, 0xed};
	prg *p = NULL;
	cr_assert(prg_new_seeded(&p, seed) == RT_OK);
	cr_assert(prg_bytes(p, buf, n) == RT_OK);
	prg_free(p);
}

/* The reference: OpenSSL's AES-128-ECB, one block. */
static void openssl_aes(uint8_t out[16], const uint8_t key[16], const uint8_t in[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0;
	cr_assert(ctx != NULL);
	cr_assert(EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) == 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	cr_assert(EVP_EncryptUpdate(ctx, out, &len, in, 16) == 1 && len == 16);
	EVP_CIPHER_CTX_free(ctx);
}

static const struct {
	const char *key, *pt, *ct;
} fips197[] = {
    /* FIPS-197 Appendix B */
    {"2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734",
     "3925841d02dc09fbdc118597196a0b32"},
    /* FIPS-197 Appendix C.1 */
    {"000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff",
     "69c4e0d86a7b0430d8cdb78070b4c55a"},
};

Test(crypto, soft_is_always_supported)
{
	cr_assert(aes_impl_supported(AES_IMPL_SOFT));
	cr_assert(!aes_impl_supported(AES_IMPL_COUNT));
	cr_assert(aes_impl_supported(aes_impl_best()));
	cr_assert_str_eq(aes_impl_name(AES_IMPL_SOFT), "soft");
}

/* FIPS-197 Appendix A.1: the expansion of 2b7e1516...; round keys 1 and 10 (w[4..7],
 * w[40..43]). */
Test(crypto, key_expansion_fips197_a1)
{
	uint8_t key[16], rk1[16], rk10[16];
	unhex(key, "2b7e151628aed2a6abf7158809cf4f3c");
	unhex(rk1, "a0fafe1788542cb123a339392a6c7605");
	unhex(rk10, "d014f9a8c9ee2589e13f0cc8b6630ca6");
	for (int i = 0; i < AES_IMPL_COUNT; i++) {
		if (!aes_impl_supported((enum aes_impl)i))
			continue;
		struct aes_key k;
		aes_expand_key((enum aes_impl)i, &k, key);
		cr_assert(memcmp(k.rk[0], key, 16) == 0, "impl %s", aes_impl_name(i));
		cr_assert(memcmp(k.rk[1], rk1, 16) == 0, "impl %s", aes_impl_name(i));
		cr_assert(memcmp(k.rk[10], rk10, 16) == 0, "impl %s", aes_impl_name(i));
	}
}

Test(crypto, ecb_fips197_vectors)
{
	for (int i = 0; i < AES_IMPL_COUNT; i++) {
		if (!aes_impl_supported((enum aes_impl)i))
			continue;
		for (size_t v = 0; v < sizeof(fips197) / sizeof(fips197[0]); v++) {
			uint8_t key[16], pt[16], ct[16], got[16];
			unhex(key, fips197[v].key);
			unhex(pt, fips197[v].pt);
			unhex(ct, fips197[v].ct);
			struct aes_key k;
			aes_expand_key((enum aes_impl)i, &k, key);
			aes_encrypt_ecb((enum aes_impl)i, &k, (const uint8_t(*)[16])pt,
					(uint8_t(*)[16])got, 1);
			cr_assert(memcmp(got, ct, 16) == 0, "impl %s vector %zu", aes_impl_name(i),
				  v);
		}
	}
}

/* The multi-key path on the FIPS vectors: each key in every position of a batch. */
Test(crypto, multikey_fips197_vectors)
{
	enum { N = 37 };
	uint8_t keys[N][16], in[2 * N][16], out[2 * N][16], ct[2][16];
	for (int i = 0; i < AES_IMPL_COUNT; i++) {
		if (!aes_impl_supported((enum aes_impl)i))
			continue;
		for (int k = 0; k < N; k++) {
			unhex(keys[k], fips197[k % 2].key);
			unhex(in[k], fips197[k % 2].pt);
			unhex(in[N + k], fips197[k % 2].pt);
		}
		unhex(ct[0], fips197[0].ct);
		unhex(ct[1], fips197[1].ct);
		aes_encrypt_multikey((enum aes_impl)i, (const uint8_t(*)[16])keys, N, 2, N,
				     (const uint8_t(*)[16])in, out, false);
		for (int k = 0; k < 2 * N; k++)
			cr_assert(memcmp(out[k], ct[(k % N) % 2], 16) == 0, "impl %s block %d",
				  aes_impl_name(i), k);
	}
}

/* Many lengths (every tail of every path), against OpenSSL, in place and not. */
Test(crypto, ecb_matches_openssl)
{
	enum { N = 100 };
	uint8_t key[16], in[N][16], out[N][16], want[N][16];
	random_bytes(key, sizeof(key), 1);
	random_bytes(in, sizeof(in), 2);
	for (int b = 0; b < N; b++)
		openssl_aes(want[b], key, in[b]);
	for (int i = 0; i < AES_IMPL_COUNT; i++) {
		if (!aes_impl_supported((enum aes_impl)i))
			continue;
		struct aes_key k;
		aes_expand_key((enum aes_impl)i, &k, key);
		for (size_t n = 0; n <= N; n += (n < 40 ? 1 : 13)) {
			memset(out, 0, sizeof(out));
			aes_encrypt_ecb((enum aes_impl)i, &k, (const uint8_t(*)[16])in, out, n);
			for (size_t b = 0; b < n; b++)
				cr_assert(memcmp(out[b], want[b], 16) == 0,
					  "impl %s n %zu block %zu", aes_impl_name(i), n, b);
			for (size_t b = n; b < N; b++)
				cr_assert(out[b][0] == 0 && out[b][15] == 0, "wrote past n");
		}
		memcpy(out, in, sizeof(out));
		aes_encrypt_ecb((enum aes_impl)i, &k, (const uint8_t(*)[16])out, out, N);
		cr_assert(memcmp(out, want, sizeof(out)) == 0, "in place, impl %s",
			  aes_impl_name(i));
	}
}

/* A few blocks under many expanded keys, every key count across the groups of eight and the
 * tails, against OpenSSL one block at a time. */
Test(crypto, encrypt_keys_matches_openssl)
{
	enum { N = 40 };
	uint8_t raw[N][16], in[AES_MAX_PER_KEY][16], out[AES_MAX_PER_KEY * N + 1][16];
	uint8_t want[AES_MAX_PER_KEY][N][16];
	struct aes_key keys[N];
	random_bytes(raw, sizeof(raw), 20);
	random_bytes(in, sizeof(in), 21);
	for (int j = 0; j < AES_MAX_PER_KEY; j++)
		for (int i = 0; i < N; i++)
			openssl_aes(want[j][i], raw[i], in[j]);
	for (int impl = 0; impl < AES_IMPL_COUNT; impl++) {
		if (!aes_impl_supported((enum aes_impl)impl))
			continue;
		for (int i = 0; i < N; i++)
			aes_expand_key((enum aes_impl)impl, &keys[i], raw[i]);
		for (size_t n = 1; n <= N; n += (n < 20 ? 1 : 7)) {
			for (unsigned m = 1; m <= AES_MAX_PER_KEY; m++) {
				memset(out, 0, sizeof(out));
				aes_encrypt_keys((enum aes_impl)impl, keys, n,
						 (const uint8_t(*)[16])in, m, out);
				for (unsigned j = 0; j < m; j++)
					for (size_t i = 0; i < n; i++)
						cr_assert(memcmp(out[j * n + i], want[j][i], 16) ==
							      0,
							  "impl %s n %zu m %u key %zu block %u",
							  aes_impl_name(impl), n, m, i, j);
				cr_assert(out[m * n][0] == 0 && out[m * n][15] == 0,
					  "wrote past m*n");
			}
		}
		secret_wipe(keys, sizeof(keys));
	}
}

/* Every block count per key, batch sizes across every group size and tail, both forms. */
Test(crypto, multikey_matches_openssl)
{
	enum { N = 70, STRIDE = 75 };
	static uint8_t keys[N][16], in[4 * STRIDE][16], out[4 * STRIDE][16], want[4 * STRIDE][16];
	random_bytes(keys, sizeof(keys), 3);
	random_bytes(in, sizeof(in), 4);
	for (int b = 0; b < 4 * STRIDE; b++) {
		if (b % STRIDE < N)
			openssl_aes(want[b], keys[b % STRIDE], in[b]);
	}
	static const size_t counts[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 70};
	for (int i = 0; i < AES_IMPL_COUNT; i++) {
		if (!aes_impl_supported((enum aes_impl)i))
			continue;
		for (unsigned m = 1; m <= AES_MAX_PER_KEY; m++) {
			for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
				size_t n = counts[c];
				for (int mmo = 0; mmo <= 1; mmo++) {
					memset(out, 0xa5, sizeof(out));
					aes_encrypt_multikey(
					    (enum aes_impl)i, (const uint8_t(*)[16])keys, n, m,
					    STRIDE, (const uint8_t(*)[16])in, out, mmo);
					for (size_t b = 0; b < 4 * STRIDE; b++) {
						uint8_t exp[16];
						bool done = b % STRIDE < n && b / STRIDE < m;
						memcpy(exp, done ? want[b] : out[b], 16);
						for (int x = 0; done && mmo && x < 16; x++)
							exp[x] ^= in[b][x];
						if (!done)
							memset(exp, 0xa5, 16);
						cr_assert(memcmp(out[b], exp, 16) == 0,
							  "impl %s m %u n %zu mmo %d block %zu",
							  aes_impl_name(i), m, n, mmo, b);
					}
				}
			}
		}
		/* in place */
		memcpy(out, in, sizeof(out));
		aes_encrypt_multikey((enum aes_impl)i, (const uint8_t(*)[16])keys, N, 2, STRIDE,
				     (const uint8_t(*)[16])out, out, false);
		for (size_t b = 0; b < 2 * STRIDE; b++)
			if (b % STRIDE < N)
				cr_assert(memcmp(out[b], want[b], 16) == 0, "in place, impl %s",
					  aes_impl_name(i));
	}
}

/* ---- MITCCRH ---- */

/* The slow construction, written from the definition with 64-bit halves: x_L is the high
 * half of the little-endian 128-bit value x, K_t = S ^ (t << 64). */
static void slow_mitccrh(uint8_t out[16], const uint8_t seed[16], const uint8_t x[16], uint64_t t)
{
	uint64_t xr, xl, sr, sl;
	memcpy(&xr, x, 8);
	memcpy(&xl, x + 8, 8);
	memcpy(&sr, seed, 8);
	memcpy(&sl, seed + 8, 8);
	uint64_t sig[2] = {xl, xl ^ xr}; /* sigma(x) = (x_L ^ x_R || x_L): low word x_L */
	uint64_t key[2] = {sr, sl ^ t};
	uint8_t y[16], k[16], e[16];
	memcpy(y, sig, 16);
	memcpy(k, key, 16);
	openssl_aes(e, k, y);
	for (int i = 0; i < 16; i++)
		out[i] = e[i] ^ y[i];
}

Test(crypto, mitccrh_matches_slow_construction)
{
	enum { N = 300, STRIDE = 301 };
	static uint8_t in[4 * STRIDE][16], out[4 * STRIDE][16], want[16];
	static const size_t counts[] = {1, 3, 7, 17, 37, N};
	uint8_t seed[16];
	uint64_t t0s[] = {0, 12345, UINT64_MAX - 150};
	random_bytes(seed, sizeof(seed), 5);
	random_bytes(in, sizeof(in), 6);
	for (int i = 0; i < AES_IMPL_COUNT; i++) {
		if (!aes_impl_supported((enum aes_impl)i))
			continue;
		struct hash_ctx h;
		hash_init(&h, seed, (enum aes_impl)i);
		for (size_t z = 0; z < sizeof(t0s) / sizeof(t0s[0]); z++) {
			for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
				size_t n = counts[c];
				unsigned m = 1 + (unsigned)(c + z) % AES_MAX_PER_KEY;
				if (i == AES_IMPL_SOFT && n > 40)
					continue; /* slow */
				hash_batch(&h, t0s[z], n, m, STRIDE, (const uint8_t(*)[16])in, out);
				for (size_t b = 0; b < m * STRIDE; b++) {
					if (b % STRIDE >= n)
						continue;
					slow_mitccrh(want, seed, in[b], t0s[z] + b % STRIDE);
					cr_assert(memcmp(out[b], want, 16) == 0,
						  "impl %s t0 %zu n %zu m %u block %zu",
						  aes_impl_name(i), z, n, m, b);
				}
			}
			uint8_t one[16];
			hash_one(&h, one, in[7], t0s[z] + 3);
			slow_mitccrh(want, seed, in[7], t0s[z] + 3);
			cr_assert(memcmp(one, want, 16) == 0, "hash_one, impl %s",
				  aes_impl_name(i));
		}
	}
}

/* Arbitrary tweaks, as the garbler's level-ordered batches use them. */
Test(crypto, mitccrh_tweak_array_matches_slow_construction)
{
	enum { N = 77 };
	static uint8_t in[2 * N][16], out[2 * N][16], want[16];
	uint64_t tweaks[N];
	uint8_t seed[16];
	random_bytes(seed, sizeof(seed), 9);
	random_bytes(in, sizeof(in), 10);
	random_bytes(tweaks, sizeof(tweaks), 11);
	for (int i = 0; i < AES_IMPL_COUNT; i++) {
		if (!aes_impl_supported((enum aes_impl)i))
			continue;
		struct hash_ctx h;
		hash_init(&h, seed, (enum aes_impl)i);
		for (size_t n = 1; n <= N; n += (n < 20 ? 1 : 19)) {
			for (unsigned m = 1; m <= 2; m++) {
				hash_batch_tweaks(&h, tweaks, n, m, N, (const uint8_t(*)[16])in,
						  out);
				for (size_t b = 0; b < m * N; b++) {
					if (b % N >= n)
						continue;
					slow_mitccrh(want, seed, in[b], tweaks[b % N]);
					cr_assert(memcmp(out[b], want, 16) == 0,
						  "impl %s n %zu m %u block %zu", aes_impl_name(i),
						  n, m, b);
				}
			}
		}
	}
}

Test(crypto, mitccrh_tweak_and_seed_matter)
{
	uint8_t seed[16] = {1}, seed2[16] = {2}, x[16] = {3}, a[16], b[16], c[16];
	struct hash_ctx h, h2;
	hash_init(&h, seed, aes_impl_best());
	hash_init(&h2, seed2, aes_impl_best());
	hash_one(&h, a, x, 10);
	hash_one(&h, b, x, 11);
	hash_one(&h2, c, x, 10);
	cr_assert(memcmp(a, b, 16) != 0);
	cr_assert(memcmp(a, c, 16) != 0);
}
