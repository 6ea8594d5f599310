/* aes.c: AES-128 encryption (FIPS-197) on AES-NI, VAES (256 and 512 bits) and in portable C.
 *
 * The hardware paths are compiled with __attribute__((target(...))) so the default build
 * runs on any x86-64; aes_impl_supported() asks CPUID (and XGETBV, for the OS saving the
 * wide registers) which of them this CPU can run. The key schedule uses the aesenclast trick
 * (Gueron, "Intel AES-NI instructions set", 2010, and AES-GCM-SIV): broadcast
 * RotWord(w3) to all four columns, then aesenclast with Rcon as the round key computes
 * SubWord(RotWord(w3)) ^ Rcon in every column, since ShiftRows moves nothing when the
 * columns are equal. That instruction works on four keys per 512-bit register, so
 * aes_encrypt_multikey() expands many keys at once, round by round, right beside the blocks
 * they encrypt: the round keys never touch memory.
 *
 * The portable path is bitsliced (Rebeiro-Selvakumar-Devi, INDOCRYPT 2006; Kasper-Schwabe,
 * CHES 2009, for the layout idea): 64 bytes (four blocks) are held as eight 64-bit planes,
 * plane i holding bit i of every byte, so SubBytes becomes boolean algebra on whole words.
 * SubBytes computes the inverse in GF(2^8) as x^254 (4 multiplications, 7 squarings), then
 * the affine map; ShiftRows and MixColumns move bits within 16-bit lanes with shifts and
 * masks. No table, no branch and no index depends on data or key.
 */
#include "aes.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

#if defined(__x86_64__) || defined(__i386__)
#define AES_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint8_t aes_rcon[AES_ROUNDS] = {0x01, 0x02, 0x04, 0x08, 0x10,
					     0x20, 0x40, 0x80, 0x1b, 0x36};

/* ---------------------------------------------------------------------------------------- */
/* Portable bitsliced AES: four blocks (or keys) at once, byte k of the 64 in bit k.          */

/* A 16-bit mask repeated in the four 16-bit lanes (one lane per block). */
static inline uint64_t lanes(uint64_t m16)
{
	return m16 * 0x0001000100010001ull;
}

static void soft_pack(uint64_t p[8], const uint8_t b[64])
{
	for (int i = 0; i < 8; i++)
		p[i] = 0;
	for (int k = 0; k < 64; k++)
		for (int i = 0; i < 8; i++)
			p[i] |= (uint64_t)((b[k] >> i) & 1) << k;
}

static void soft_unpack(uint8_t b[64], const uint64_t p[8])
{
	for (int k = 0; k < 64; k++) {
		unsigned v = 0;
		for (int i = 0; i < 8; i++)
			v |= (unsigned)((p[i] >> k) & 1) << i;
		b[k] = (uint8_t)v;
	}
}

/* Reduces a product of degree <= 14 modulo x^8 + x^4 + x^3 + x + 1. */
static void soft_gf_reduce(uint64_t out[8], uint64_t c[15])
{
	for (int k = 14; k >= 8; k--) {
		c[k - 4] ^= c[k];
		c[k - 5] ^= c[k];
		c[k - 7] ^= c[k];
		c[k - 8] ^= c[k];
	}
	for (int i = 0; i < 8; i++)
		out[i] = c[i];
}

/* out = a * b in GF(2^8), 64 bytes at once; out may alias a or b. */
static void soft_gf_mul(uint64_t out[8], const uint64_t a[8], const uint64_t b[8])
{
	uint64_t c[15] = {0};
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			c[i + j] ^= a[i] & b[j];
	soft_gf_reduce(out, c);
}

/* out = a^2: squaring is linear, it spreads bit i to bit 2i. out may alias a. */
static void soft_gf_square(uint64_t out[8], const uint64_t a[8])
{
	uint64_t c[15] = {0};
	for (int i = 0; i < 8; i++)
		c[2 * i] = a[i];
	soft_gf_reduce(out, c);
}

static void soft_sub_bytes(uint64_t s[8])
{
	uint64_t x2[8], x3[8], x12[8], x14[8], x15[8], t[8];
	soft_gf_square(x2, s);
	soft_gf_mul(x3, x2, s);
	soft_gf_square(t, x3); /* x^6 */
	soft_gf_square(x12, t);
	soft_gf_mul(x14, x12, x2);
	soft_gf_mul(x15, x12, x3);
	soft_gf_square(t, x15);
	for (int i = 0; i < 3; i++)
		soft_gf_square(t, t); /* x^240 */
	soft_gf_mul(t, t, x14);	      /* x^254 = x^-1, and 0 -> 0 */
	/* the affine map: bit i ^= bits i+4, i+5, i+6, i+7 (mod 8), then ^ 0x63 */
	for (int i = 0; i < 8; i++) {
		uint64_t c = 0 - (uint64_t)((0x63 >> i) & 1);
		s[i] = t[i] ^ t[(i + 4) & 7] ^ t[(i + 5) & 7] ^ t[(i + 6) & 7] ^ t[(i + 7) & 7] ^ c;
	}
}

/* Byte k of a block is state row k % 4, column k / 4: bit 4c + r of its 16-bit lane. */

/* ShiftRows: row r rotates left by r columns, new[4c + r] = old[4((c + r) % 4) + r]. */
static uint64_t soft_shift_rows_plane(uint64_t x)
{
	return (x & lanes(0x1111)) | ((x >> 4) & lanes(0x0222)) | ((x << 12) & lanes(0x2000)) |
	       ((x >> 8) & lanes(0x0044)) | ((x << 8) & lanes(0x4400)) |
	       ((x >> 12) & lanes(0x0008)) | ((x << 4) & lanes(0x8880));
}

/* Within each column: new[4c + r] = old[4c + (r + k) % 4], for k = 1, 2, 3. */
static uint64_t soft_rot1(uint64_t x)
{
	return ((x >> 1) & lanes(0x7777)) | ((x << 3) & lanes(0x8888));
}

static uint64_t soft_rot2(uint64_t x)
{
	return ((x >> 2) & lanes(0x3333)) | ((x << 2) & lanes(0xcccc));
}

static uint64_t soft_rot3(uint64_t x)
{
	return ((x >> 3) & lanes(0x1111)) | ((x << 1) & lanes(0xeeee));
}

/* MixColumns: s'_r = 2 (s_r ^ s_{r+1}) ^ s_{r+1} ^ s_{r+2} ^ s_{r+3}. */
static void soft_mix_columns(uint64_t s[8])
{
	uint64_t t[8], rest[8];
	for (int i = 0; i < 8; i++) {
		uint64_t r1 = soft_rot1(s[i]);
		t[i] = s[i] ^ r1;
		rest[i] = r1 ^ soft_rot2(s[i]) ^ soft_rot3(s[i]);
	}
	/* xtime: multiply by x, reducing with 0x1b (bits 0, 1, 3, 4) */
	s[0] = t[7] ^ rest[0];
	s[1] = t[0] ^ t[7] ^ rest[1];
	s[2] = t[1] ^ rest[2];
	s[3] = t[2] ^ t[7] ^ rest[3];
	s[4] = t[3] ^ t[7] ^ rest[4];
	s[5] = t[4] ^ rest[5];
	s[6] = t[5] ^ rest[6];
	s[7] = t[6] ^ rest[7];
}

/* One round of the key schedule for four keys (one per lane). */
static void soft_next_round_key(uint64_t k[8], uint8_t rcon)
{
	uint64_t u[8];
	for (int i = 0; i < 8; i++) {
		/* RotWord(w3), copied into all four columns */
		uint64_t w = (soft_rot1(k[i]) >> 12) & lanes(0x000f);
		u[i] = w | (w << 4) | (w << 8) | (w << 12);
	}
	soft_sub_bytes(u);
	for (int i = 0; i < 8; i++) {
		u[i] ^= (0 - (uint64_t)((rcon >> i) & 1)) & lanes(0x1111);
		/* w'_c = w_0 ^ ... ^ w_c ^ u */
		uint64_t t = k[i] ^ ((k[i] << 4) & lanes(0xfff0));
		t ^= (t << 8) & lanes(0xff00);
		k[i] = t ^ u[i];
	}
}

static void soft_round(uint64_t s[8], const uint64_t rk[8], bool last)
{
	soft_sub_bytes(s);
	for (int i = 0; i < 8; i++)
		s[i] = soft_shift_rows_plane(s[i]);
	if (!last)
		soft_mix_columns(s);
	for (int i = 0; i < 8; i++)
		s[i] ^= rk[i];
}

static void soft_expand_key(struct aes_key *k, const uint8_t key[16])
{
	uint8_t buf[64];
	uint64_t p[8];
	for (int l = 0; l < 4; l++)
		memcpy(buf + 16 * l, key, 16);
	soft_pack(p, buf);
	memcpy(k->rk[0], key, 16);
	for (int r = 1; r <= AES_ROUNDS; r++) {
		soft_next_round_key(p, aes_rcon[r - 1]);
		soft_unpack(buf, p);
		memcpy(k->rk[r], buf, 16);
	}
	secret_wipe(buf, sizeof(buf));
	secret_wipe(p, sizeof(p));
}

/* Encrypts up to four blocks under the expanded key (packed four times in rkp). */
static void soft_encrypt_ecb(const struct aes_key *k, const uint8_t (*in)[16], uint8_t (*out)[16],
			     size_t n)
{
	uint64_t rkp[AES_ROUNDS + 1][8], s[8];
	uint8_t buf[64];
	for (int r = 0; r <= AES_ROUNDS; r++) {
		for (int l = 0; l < 4; l++)
			memcpy(buf + 16 * l, k->rk[r], 16);
		soft_pack(rkp[r], buf);
	}
	for (size_t i = 0; i < n; i += 4) {
		size_t c = n - i < 4 ? n - i : 4;
		memset(buf, 0, sizeof(buf));
		memcpy(buf, in[i], 16 * c);
		soft_pack(s, buf);
		for (int b = 0; b < 8; b++)
			s[b] ^= rkp[0][b];
		for (int r = 1; r <= AES_ROUNDS; r++)
			soft_round(s, rkp[r], r == AES_ROUNDS);
		soft_unpack(buf, s);
		memcpy(out[i], buf, 16 * c);
	}
	secret_wipe(rkp, sizeof(rkp));
	secret_wipe(s, sizeof(s));
	secret_wipe(buf, sizeof(buf));
}

/* One call of aes_encrypt_multikey (keys given) or aes_mitccrh_multikey (keys == NULL). */
struct mk_job {
	const uint8_t (*keys)[16];
	const uint8_t *seed;	/* MITCCRH: key i = seed ^ (tweak i || 0) */
	const uint64_t *tweaks; /* tweak i is tweaks[i], or t0 + i when tweaks is NULL */
	uint64_t t0;
	size_t n, stride;
	unsigned m;
	const uint8_t (*in)[16];
	uint8_t (*out)[16];
	bool mmo; /* given keys: feed the input forward (MITCCRH always does) */
};

/* sigma(x_L || x_R) = (x_L ^ x_R || x_L), x_L being bytes 8..15 (hash.h); in place. */
static void soft_sigma(uint8_t x[16])
{
	for (int k = 0; k < 8; k++) {
		uint8_t r = x[k];
		x[k] = x[8 + k];
		x[8 + k] ^= r;
	}
}

static void soft_multikey(const struct mk_job *job)
{
	uint64_t k[8], s[AES_MAX_PER_KEY][8];
	uint8_t buf[64], x[AES_MAX_PER_KEY][64];
	bool mitccrh = job->keys == NULL;
	for (size_t i = 0; i < job->n; i += 4) {
		size_t c = job->n - i < 4 ? job->n - i : 4;
		memset(buf, 0, sizeof(buf));
		for (size_t l = 0; l < c; l++) {
			if (!mitccrh) {
				memcpy(buf + 16 * l, job->keys[i + l], 16);
				continue;
			}
			uint64_t t = job->tweaks ? job->tweaks[i + l] : job->t0 + i + l;
			memcpy(buf + 16 * l, job->seed, 16);
			for (int b = 0; b < 8; b++)
				buf[16 * l + 8 + b] ^= (uint8_t)(t >> (8 * b));
		}
		soft_pack(k, buf);
		for (unsigned j = 0; j < job->m; j++) {
			memset(x[j], 0, sizeof(x[j]));
			memcpy(x[j], job->in[j * job->stride + i], 16 * c);
			for (size_t l = 0; mitccrh && l < c; l++)
				soft_sigma(x[j] + 16 * l);
			soft_pack(s[j], x[j]);
			for (int b = 0; b < 8; b++)
				s[j][b] ^= k[b];
		}
		for (int r = 1; r <= AES_ROUNDS; r++) {
			soft_next_round_key(k, aes_rcon[r - 1]);
			for (unsigned j = 0; j < job->m; j++)
				soft_round(s[j], k, r == AES_ROUNDS);
		}
		for (unsigned j = 0; j < job->m; j++) {
			soft_unpack(buf, s[j]);
			for (size_t b = 0; (mitccrh || job->mmo) && b < sizeof(buf); b++)
				buf[b] ^= x[j][b];
			memcpy(job->out[j * job->stride + i], buf, 16 * c);
		}
	}
	secret_wipe(k, sizeof(k));
	secret_wipe(s, sizeof(s));
	secret_wipe(buf, sizeof(buf));
	secret_wipe(x, sizeof(x));
}

#ifdef AES_X86
/* ---------------------------------------------------------------------------------------- */
/* AES-NI: one block per instruction.                                                         */

#define NI_TARGET __attribute__((target("aes,ssse3")))
#define NI_INLINE __attribute__((target("aes,ssse3"), always_inline)) static inline

/* The next round key: prefix-XOR of the four words, XOR SubWord(RotWord(w3)) ^ Rcon. */
NI_INLINE __m128i ni_next_round_key(__m128i rk, int rcon)
{
	__m128i t = _mm_shuffle_epi8(rk, _mm_set1_epi32(0x0c0f0e0d));
	t = _mm_aesenclast_si128(t, _mm_set1_epi32(rcon));
	rk = _mm_xor_si128(rk, _mm_slli_si128(rk, 4));
	rk = _mm_xor_si128(rk, _mm_slli_si128(rk, 8));
	return _mm_xor_si128(rk, t);
}

NI_TARGET static void ni_expand_key(struct aes_key *k, const uint8_t key[16])
{
	__m128i rk = _mm_loadu_si128((const __m128i *)key);
	_mm_store_si128((__m128i *)k->rk[0], rk);
	for (int r = 1; r <= AES_ROUNDS; r++) {
		rk = ni_next_round_key(rk, aes_rcon[r - 1]);
		_mm_store_si128((__m128i *)k->rk[r], rk);
	}
}

NI_TARGET static void ni_encrypt_ecb(const struct aes_key *k, const uint8_t (*in)[16],
				     uint8_t (*out)[16], size_t n)
{
	__m128i rk[AES_ROUNDS + 1];
	for (int r = 0; r <= AES_ROUNDS; r++)
		rk[r] = _mm_load_si128((const __m128i *)k->rk[r]);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m128i s[8];
#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			s[j] = _mm_xor_si128(_mm_loadu_si128((const __m128i *)in[i + j]), rk[0]);
		for (int r = 1; r < AES_ROUNDS; r++) {
#pragma GCC unroll 8
			for (int j = 0; j < 8; j++)
				s[j] = _mm_aesenc_si128(s[j], rk[r]);
		}
#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			_mm_storeu_si128((__m128i *)out[i + j],
					 _mm_aesenclast_si128(s[j], rk[AES_ROUNDS]));
	}
	for (; i < n; i++) {
		__m128i s = _mm_xor_si128(_mm_loadu_si128((const __m128i *)in[i]), rk[0]);
		for (int r = 1; r < AES_ROUNDS; r++)
			s = _mm_aesenc_si128(s, rk[r]);
		_mm_storeu_si128((__m128i *)out[i], _mm_aesenclast_si128(s, rk[AES_ROUNDS]));
	}
}

/* G keys from i on, block x: out[i + k] = AES_{keys[i + k]}(x), all G in flight at once (G is
 * a constant once inlined, so s stays in registers). */
NI_INLINE void ni_keys_group(const struct aes_key *keys, size_t i, unsigned G, __m128i x,
			     uint8_t (*out)[16])
{
	__m128i s[8];
#pragma GCC unroll 8
	for (unsigned k = 0; k < G; k++)
		s[k] = _mm_xor_si128(x, _mm_load_si128((const __m128i *)keys[i + k].rk[0]));
	for (int r = 1; r < AES_ROUNDS; r++) {
#pragma GCC unroll 8
		for (unsigned k = 0; k < G; k++)
			s[k] = _mm_aesenc_si128(s[k],
						_mm_load_si128((const __m128i *)keys[i + k].rk[r]));
	}
#pragma GCC unroll 8
	for (unsigned k = 0; k < G; k++) {
		__m128i last = _mm_load_si128((const __m128i *)keys[i + k].rk[AES_ROUNDS]);
		_mm_storeu_si128((__m128i *)out[i + k], _mm_aesenclast_si128(s[k], last));
	}
}

/* out[j * n + i] = AES_{keys[i]}(in[j]): eight keys at a time, so eight blocks are in flight. */
NI_TARGET static void ni_encrypt_keys(const struct aes_key *keys, size_t n, const uint8_t (*in)[16],
				      unsigned m, uint8_t (*out)[16])
{
	for (unsigned j = 0; j < m; j++) {
		__m128i x = _mm_loadu_si128((const __m128i *)in[j]);
		uint8_t(*o)[16] = out + (size_t)j * n;
		size_t i = 0;
		for (; i + 8 <= n; i += 8)
			ni_keys_group(keys, i, 8, x, o);
		for (; i < n; i++)
			ni_keys_group(keys, i, 1, x, o);
	}
}

/* Key i of the job. */
NI_INLINE __m128i ni_first_key(const struct mk_job *job, size_t i, bool mitccrh)
{
	if (!mitccrh)
		return _mm_loadu_si128((const __m128i *)job->keys[i]);
	uint64_t tw = job->tweaks ? job->tweaks[i] : job->t0 + i;
	__m128i t = _mm_set_epi64x((long long)tw, 0);
	return _mm_xor_si128(_mm_loadu_si128((const __m128i *)job->seed), t);
}

/* sigma: swap the halves, then XOR the old high half into the new high half. */
NI_INLINE __m128i ni_sigma(__m128i x)
{
	return _mm_xor_si128(_mm_shuffle_epi32(x, 0x4e), _mm_and_si128(x, _mm_set_epi64x(-1, 0)));
}

/* Keys i0 .. i0+G-1 with m blocks each; G, m and mitccrh are constants once inlined, so
 * the arrays live in registers. */
NI_INLINE void ni_multikey_group(const struct mk_job *job, size_t i0, unsigned G, unsigned m,
				 bool mitccrh)
{
	__m128i rk[4], s[AES_MAX_PER_KEY][4], x[AES_MAX_PER_KEY][4];
	bool ff = mitccrh || job->mmo;
#pragma GCC unroll 4
	for (unsigned g = 0; g < G; g++)
		rk[g] = ni_first_key(job, i0 + g, mitccrh);
#pragma GCC unroll 4
	for (unsigned j = 0; j < m; j++) {
#pragma GCC unroll 4
		for (unsigned g = 0; g < G; g++) {
			x[j][g] =
			    _mm_loadu_si128((const __m128i *)job->in[j * job->stride + i0 + g]);
			if (mitccrh)
				x[j][g] = ni_sigma(x[j][g]);
			s[j][g] = _mm_xor_si128(x[j][g], rk[g]);
		}
	}
	for (int r = 1; r <= AES_ROUNDS; r++) {
#pragma GCC unroll 4
		for (unsigned g = 0; g < G; g++)
			rk[g] = ni_next_round_key(rk[g], aes_rcon[r - 1]);
#pragma GCC unroll 4
		for (unsigned j = 0; j < m; j++) {
#pragma GCC unroll 4
			for (unsigned g = 0; g < G; g++) {
				if (r < AES_ROUNDS)
					s[j][g] = _mm_aesenc_si128(s[j][g], rk[g]);
				else
					s[j][g] = _mm_aesenclast_si128(s[j][g], rk[g]);
			}
		}
	}
#pragma GCC unroll 4
	for (unsigned j = 0; j < m; j++) {
#pragma GCC unroll 4
		for (unsigned g = 0; g < G; g++) {
			if (ff)
				s[j][g] = _mm_xor_si128(s[j][g], x[j][g]);
			_mm_storeu_si128((__m128i *)job->out[j * job->stride + i0 + g], s[j][g]);
		}
	}
}

/* Keys from i0 to the end, m blocks each. */
NI_INLINE void ni_multikey_from(const struct mk_job *job, size_t i0, unsigned m, bool mitccrh)
{
	size_t i = i0;
	for (; i + 4 <= job->n; i += 4)
		ni_multikey_group(job, i, 4, m, mitccrh);
	switch (job->n - i) { /* the rest together, so their rounds overlap */
	case 3:
		ni_multikey_group(job, i, 3, m, mitccrh);
		break;
	case 2:
		ni_multikey_group(job, i, 2, m, mitccrh);
		break;
	case 1:
		ni_multikey_group(job, i, 1, m, mitccrh);
		break;
	}
}

NI_TARGET static void ni_multikey(const struct mk_job *job, size_t i0)
{
	bool mit = job->keys == NULL;
	switch (job->m) {
	case 1:
		mit ? ni_multikey_from(job, i0, 1, true) : ni_multikey_from(job, i0, 1, false);
		break;
	case 2:
		mit ? ni_multikey_from(job, i0, 2, true) : ni_multikey_from(job, i0, 2, false);
		break;
	case 3:
		mit ? ni_multikey_from(job, i0, 3, true) : ni_multikey_from(job, i0, 3, false);
		break;
	default:
		mit ? ni_multikey_from(job, i0, 4, true) : ni_multikey_from(job, i0, 4, false);
		break;
	}
}

/* ---------------------------------------------------------------------------------------- */
/* VAES on 256-bit registers: two blocks per instruction, AVX2.                               */

#define V256_TARGET __attribute__((target("aes,vaes,avx2")))
#define V256_INLINE __attribute__((target("aes,vaes,avx2"), always_inline)) static inline

V256_INLINE __m256i v256_next_round_key(__m256i rk, int rcon)
{
	__m256i t = _mm256_shuffle_epi8(rk, _mm256_set1_epi32(0x0c0f0e0d));
	t = _mm256_aesenclast_epi128(t, _mm256_set1_epi32(rcon));
	rk = _mm256_xor_si256(rk, _mm256_bslli_epi128(rk, 4));
	rk = _mm256_xor_si256(rk, _mm256_bslli_epi128(rk, 8));
	return _mm256_xor_si256(rk, t);
}

V256_TARGET static void v256_encrypt_ecb(const struct aes_key *k, const uint8_t (*in)[16],
					 uint8_t (*out)[16], size_t n)
{
	__m256i rk[AES_ROUNDS + 1];
	for (int r = 0; r <= AES_ROUNDS; r++)
		rk[r] = _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)k->rk[r]));
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m256i s[8];
#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			s[j] = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)in[i + 2 * j]),
						rk[0]);
		for (int r = 1; r < AES_ROUNDS; r++) {
#pragma GCC unroll 8
			for (int j = 0; j < 8; j++)
				s[j] = _mm256_aesenc_epi128(s[j], rk[r]);
		}
#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			_mm256_storeu_si256((__m256i *)out[i + 2 * j],
					    _mm256_aesenclast_epi128(s[j], rk[AES_ROUNDS]));
	}
	if (i < n)
		ni_encrypt_ecb(k, in + i, out + i, n - i);
}

/* Keys i and i+1 of the job. */
V256_INLINE __m256i v256_first_key(const struct mk_job *job, size_t i, bool mitccrh)
{
	if (!mitccrh)
		return _mm256_loadu_si256((const __m256i *)job->keys[i]);
	uint64_t t0 = job->tweaks ? job->tweaks[i] : job->t0 + i;
	uint64_t t1 = job->tweaks ? job->tweaks[i + 1] : job->t0 + i + 1;
	__m256i tw = _mm256_set_epi64x((long long)t1, 0, (long long)t0, 0);
	__m256i seed = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)job->seed));
	return _mm256_xor_si256(seed, tw);
}

V256_INLINE __m256i v256_sigma(__m256i x)
{
	__m256i hi = _mm256_set_epi64x(-1, 0, -1, 0);
	return _mm256_xor_si256(_mm256_shuffle_epi32(x, 0x4e), _mm256_and_si256(x, hi));
}

V256_INLINE void v256_multikey_group(const struct mk_job *job, size_t i0, unsigned G, unsigned m,
				     bool mitccrh)
{
	/* G registers of two keys each */
	__m256i rk[4], s[AES_MAX_PER_KEY][4], x[AES_MAX_PER_KEY][4];
	bool ff = mitccrh || job->mmo;
#pragma GCC unroll 4
	for (unsigned g = 0; g < G; g++)
		rk[g] = v256_first_key(job, i0 + 2 * g, mitccrh);
#pragma GCC unroll 4
	for (unsigned j = 0; j < m; j++) {
#pragma GCC unroll 4
		for (unsigned g = 0; g < G; g++) {
			const void *p = job->in[j * job->stride + i0 + 2 * g];
			x[j][g] = _mm256_loadu_si256((const __m256i *)p);
			if (mitccrh)
				x[j][g] = v256_sigma(x[j][g]);
			s[j][g] = _mm256_xor_si256(x[j][g], rk[g]);
		}
	}
	for (int r = 1; r <= AES_ROUNDS; r++) {
#pragma GCC unroll 4
		for (unsigned g = 0; g < G; g++)
			rk[g] = v256_next_round_key(rk[g], aes_rcon[r - 1]);
#pragma GCC unroll 4
		for (unsigned j = 0; j < m; j++) {
#pragma GCC unroll 4
			for (unsigned g = 0; g < G; g++) {
				if (r < AES_ROUNDS)
					s[j][g] = _mm256_aesenc_epi128(s[j][g], rk[g]);
				else
					s[j][g] = _mm256_aesenclast_epi128(s[j][g], rk[g]);
			}
		}
	}
#pragma GCC unroll 4
	for (unsigned j = 0; j < m; j++) {
#pragma GCC unroll 4
		for (unsigned g = 0; g < G; g++) {
			if (ff)
				s[j][g] = _mm256_xor_si256(s[j][g], x[j][g]);
			void *p = job->out[j * job->stride + i0 + 2 * g];
			_mm256_storeu_si256((__m256i *)p, s[j][g]);
		}
	}
}

V256_INLINE void v256_multikey_m(const struct mk_job *job, unsigned m, bool mitccrh)
{
	size_t i = 0;
	for (; i + 8 <= job->n; i += 8)
		v256_multikey_group(job, i, 4, m, mitccrh);
	switch ((job->n - i) / 2) { /* the rest together, so their rounds overlap */
	case 3:
		v256_multikey_group(job, i, 3, m, mitccrh);
		break;
	case 2:
		v256_multikey_group(job, i, 2, m, mitccrh);
		break;
	case 1:
		v256_multikey_group(job, i, 1, m, mitccrh);
		break;
	}
	i += (job->n - i) / 2 * 2;
	if (i < job->n)
		ni_multikey(job, i);
}

V256_TARGET static void v256_multikey(const struct mk_job *job)
{
	bool mit = job->keys == NULL;
	switch (job->m) {
	case 1:
		mit ? v256_multikey_m(job, 1, true) : v256_multikey_m(job, 1, false);
		break;
	case 2:
		mit ? v256_multikey_m(job, 2, true) : v256_multikey_m(job, 2, false);
		break;
	case 3:
		mit ? v256_multikey_m(job, 3, true) : v256_multikey_m(job, 3, false);
		break;
	default:
		mit ? v256_multikey_m(job, 4, true) : v256_multikey_m(job, 4, false);
		break;
	}
}

/* ---------------------------------------------------------------------------------------- */
/* VAES on 512-bit registers: four blocks per instruction, AVX-512 F and BW.                  */

#define V512_TARGET __attribute__((target("aes,vaes,avx512f,avx512bw")))
#define V512_INLINE                                                                                \
	__attribute__((target("aes,vaes,avx512f,avx512bw"), always_inline)) static inline

V512_TARGET static void v512_encrypt_ecb(const struct aes_key *k, const uint8_t (*in)[16],
					 uint8_t (*out)[16], size_t n)
{
	__m512i rk[AES_ROUNDS + 1];
	for (int r = 0; r <= AES_ROUNDS; r++)
		rk[r] = _mm512_broadcast_i32x4(_mm_load_si128((const __m128i *)k->rk[r]));
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		__m512i s[8];
#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			s[j] = _mm512_xor_si512(_mm512_loadu_si512(in[i + 4 * j]), rk[0]);
		for (int r = 1; r < AES_ROUNDS; r++) {
#pragma GCC unroll 8
			for (int j = 0; j < 8; j++)
				s[j] = _mm512_aesenc_epi128(s[j], rk[r]);
		}
#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			_mm512_storeu_si512(out[i + 4 * j],
					    _mm512_aesenclast_epi128(s[j], rk[AES_ROUNDS]));
	}
	if (i < n)
		ni_encrypt_ecb(k, in + i, out + i, n - i);
}

/* Keys i .. i+3 of the job; qm selects the 64-bit lanes of the keys that exist. */
V512_INLINE __m512i v512_first_key(const struct mk_job *job, size_t i, __mmask8 qm, bool mitccrh)
{
	if (!mitccrh)
		return _mm512_maskz_loadu_epi64(qm, job->keys[i]);
	__m512i tw; /* the tweaks, in the high half of each key */
	if (job->tweaks) {
		tw = _mm512_maskz_expandloadu_epi64(qm & 0xaa, job->tweaks + i);
	} else {
		__m512i step = _mm512_set_epi64(3, 0, 2, 0, 1, 0, 0, 0);
		__m512i t = _mm512_set1_epi64((long long)(job->t0 + i));
		tw = _mm512_maskz_add_epi64(0xaa, t, step);
	}
	__m512i seed = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)job->seed));
	return _mm512_xor_si512(seed, tw);
}

/* sigma: swap the halves, then XOR the old high half into the new high half. */
V512_INLINE __m512i v512_sigma(__m512i x)
{
	__m512i sw = _mm512_shuffle_epi32(x, (_MM_PERM_ENUM)0x4e);
	return _mm512_mask_xor_epi64(sw, 0xaa, sw, x);
}

/* T_r = SubWord(RotWord(w3)) ^ Rcon in all four columns, for the next round key. */
V512_INLINE __m512i v512_key_t(__m512i rk, int rcon)
{
	__m512i t = _mm512_shuffle_epi8(rk, _mm512_set1_epi32(0x0c0f0e0d));
	return _mm512_aesenclast_epi128(t, _mm512_set1_epi32(rcon));
}

/* Keys i0 .. i0+nk-1 (nk <= 4G) in G registers of four keys; masked loads and stores leave
 * alone what lies past the last key.
 *
 * From the third round key on, the schedule looks two rounds back: with P the prefix-XOR of
 * the four words (rk_{r+1} = P(rk_r) ^ T_r, T_r broadcast to the four words), P(P(x)) =
 * x ^ (x << 64) and P(T) = T on words 0 and 2 only, so
 *     rk_{r+1} = rk_{r-1} ^ (rk_{r-1} << 64) ^ T_r ^ (T_{r-1} on words 0, 2):
 * one byte shift instead of two, five instructions a key instead of six. The feed-forward
 * input waits in out, not in registers. */
V512_INLINE void v512_multikey_group(const struct mk_job *job, size_t i0, unsigned G, size_t nk,
				     unsigned m, bool mitccrh)
{
	__m512i prev[4], rk[4], t[4], s[AES_MAX_PER_KEY][4];
	__mmask8 qm[4];
	bool ff = mitccrh || job->mmo;
#pragma GCC unroll 4
	for (unsigned g = 0; g < G; g++) {
		size_t have = nk - 4 * g < 4 ? nk - 4 * g : 4;
		qm[g] = (__mmask8)((1u << (2 * have)) - 1);
		rk[g] = v512_first_key(job, i0 + 4 * g, qm[g], mitccrh);
	}
#pragma GCC unroll 4
	for (unsigned j = 0; j < m; j++) {
#pragma GCC unroll 4
		for (unsigned g = 0; g < G; g++) {
			size_t at = j * job->stride + i0 + 4 * g;
			__m512i x = _mm512_maskz_loadu_epi64(qm[g], job->in[at]);
			if (mitccrh)
				x = v512_sigma(x);
			if (ff)
				_mm512_mask_storeu_epi64(job->out[at], qm[g], x);
			s[j][g] = _mm512_xor_si512(x, rk[g]);
		}
	}
	for (int r = 1; r <= AES_ROUNDS; r++) {
#pragma GCC unroll 4
		for (unsigned g = 0; g < G; g++) {
			__m512i tn = v512_key_t(rk[g], aes_rcon[r - 1]);
			__m512i nk;
			if (r == 1) {
				__m512i u = _mm512_xor_si512(rk[g], _mm512_bslli_epi128(rk[g], 4));
				nk = _mm512_ternarylogic_epi64(u, _mm512_bslli_epi128(u, 8), tn,
							       0x96);
			} else {
				nk = _mm512_ternarylogic_epi64(
				    prev[g], _mm512_bslli_epi128(prev[g], 8), tn, 0x96);
				nk = _mm512_mask_xor_epi32(nk, 0x5555, nk, t[g]);
			}
			prev[g] = rk[g];
			rk[g] = nk;
			t[g] = tn;
		}
#pragma GCC unroll 4
		for (unsigned j = 0; j < m; j++) {
#pragma GCC unroll 4
			for (unsigned g = 0; g < G; g++) {
				if (r < AES_ROUNDS)
					s[j][g] = _mm512_aesenc_epi128(s[j][g], rk[g]);
				else
					s[j][g] = _mm512_aesenclast_epi128(s[j][g], rk[g]);
			}
		}
	}
#pragma GCC unroll 4
	for (unsigned j = 0; j < m; j++) {
#pragma GCC unroll 4
		for (unsigned g = 0; g < G; g++) {
			void *p = job->out[j * job->stride + i0 + 4 * g];
			if (ff)
				s[j][g] =
				    _mm512_xor_si512(s[j][g], _mm512_maskz_loadu_epi64(qm[g], p));
			_mm512_mask_storeu_epi64(p, qm[g], s[j][g]);
		}
	}
}

/* The sixteen keys from i0 (nk of them exist, 0 <= nk <= 16) in transposed words. */
V512_INLINE void v512_mitccrh_words(const struct mk_job *job, size_t i0, size_t nk, __m512i w[4])
{
	__m512i seed = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)job->seed));
	/* the tweaks: qword k of t0, t1 is key k's */
	__mmask8 lo = (__mmask8)(nk >= 8 ? 0xff : (1u << nk) - 1);
	__mmask8 hi = (__mmask8)(nk >= 16 ? 0xff : nk > 8 ? (1u << (nk - 8)) - 1 : 0);
	__m512i t0, t1;
	if (job->tweaks) {
		t0 = _mm512_maskz_loadu_epi64(lo, job->tweaks + i0);
		t1 = _mm512_maskz_loadu_epi64(hi, job->tweaks + i0 + 8);
	} else {
		__m512i base = _mm512_set1_epi64((long long)(job->t0 + i0));
		t0 = _mm512_add_epi64(base, _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
		t1 = _mm512_add_epi64(base, _mm512_set_epi64(15, 14, 13, 12, 11, 10, 9, 8));
	}
	/* dword q = 4p + g of W takes key 4g + p: the low half of its tweak is dword 2(4g + p) */
	const __m512i idx_lo =
	    _mm512_set_epi32(30, 22, 14, 6, 28, 20, 12, 4, 26, 18, 10, 2, 24, 16, 8, 0);
	const __m512i idx_hi = _mm512_add_epi32(idx_lo, _mm512_set1_epi32(1));
	w[0] = _mm512_shuffle_epi32(seed, (_MM_PERM_ENUM)0x00);
	w[1] = _mm512_shuffle_epi32(seed, (_MM_PERM_ENUM)0x55);
	w[2] = _mm512_xor_si512(_mm512_shuffle_epi32(seed, (_MM_PERM_ENUM)0xaa),
				_mm512_permutex2var_epi32(t0, idx_lo, t1));
	w[3] = _mm512_xor_si512(_mm512_shuffle_epi32(seed, (_MM_PERM_ENUM)0xff),
				_mm512_permutex2var_epi32(t0, idx_hi, t1));
}

/* Round keys of keys 4g .. 4g+3 from the transposed words: a 4x4 dword transpose per lane. */
V512_INLINE void v512_untranspose(const __m512i w[4], __m512i r[4])
{
	__m512i u0 = _mm512_unpacklo_epi32(w[0], w[1]), u1 = _mm512_unpackhi_epi32(w[0], w[1]);
	__m512i u2 = _mm512_unpacklo_epi32(w[2], w[3]), u3 = _mm512_unpackhi_epi32(w[2], w[3]);
	r[0] = _mm512_unpacklo_epi64(u0, u2);
	r[1] = _mm512_unpackhi_epi64(u0, u2);
	r[2] = _mm512_unpacklo_epi64(u1, u3);
	r[3] = _mm512_unpackhi_epi64(u1, u3);
}

/* The next round's words: T = SubWord(RotWord(W_3)) ^ Rcon, then W_k ^= T ^ W_0 .. W_{k-1},
 * each one instruction after T. The shuffle rotates each word and also undoes the ShiftRows
 * that aesenclast applies: byte 4c + r of a lane takes byte 4((c - r) % 4) + (r + 1) % 4. */
V512_INLINE void v512_next_words(__m512i w[4], int rcon)
{
	const __m512i pre = _mm512_broadcast_i32x4(
	    _mm_setr_epi8(1, 14, 11, 4, 5, 2, 15, 8, 9, 6, 3, 12, 13, 10, 7, 0));
	__m512i t = _mm512_shuffle_epi8(w[3], pre);
	__m512i a01 = _mm512_xor_si512(w[0], w[1]), a23 = _mm512_xor_si512(w[2], w[3]);
	t = _mm512_aesenclast_epi128(t, _mm512_set1_epi32(rcon));
	w[3] = _mm512_ternarylogic_epi32(a23, a01, t, 0x96);
	w[2] = _mm512_ternarylogic_epi32(w[2], a01, t, 0x96);
	w[1] = _mm512_xor_si512(a01, t);
	w[0] = _mm512_xor_si512(w[0], t);
}

/* MITCCRH keys i0 .. i0+nk-1 (nk <= 16 * NG), m blocks each, in NG groups of sixteen, with the
 * key schedule transposed: word k of a group's sixteen keys sits in one register W_k (dword q
 * of W_k is word k of key 4 * (q % 4) + q / 4), so one round of the schedule for all of them
 * is a shuffle, an aesenclast and four XORs (v512_next_words), not five instructions per four
 * keys. A 4x4 transpose of the dwords in each lane then gives R_g, the round keys of keys
 * 4g .. 4g+3 in the usual layout, beside the blocks of those keys. Words of a key,
 * little-endian: w0, w1 = the seed's, w2, w3 = the seed's ^ the tweak's low and high halves.
 * NG and m are constants once inlined, so everything stays in registers. */
V512_INLINE void v512_mitccrh16(const struct mk_job *job, size_t i0, size_t nk, unsigned NG,
				unsigned m)
{
	__m512i s[AES_MAX_PER_KEY][8], w[2][4], r[2][4];
	__mmask8 qm[8];
#pragma GCC unroll 2
	for (unsigned h = 0; h < NG; h++) {
		size_t left = nk > 16 * h ? nk - 16 * h : 0;
		v512_mitccrh_words(job, i0 + 16 * h, left < 16 ? left : 16, w[h]);
		v512_untranspose(w[h], r[h]);
	}
#pragma GCC unroll 8
	for (unsigned g = 0; g < 4 * NG; g++) {
		size_t have = nk > 4 * g ? (nk - 4 * g < 4 ? nk - 4 * g : 4) : 0;
		qm[g] = (__mmask8)((1u << (2 * have)) - 1);
	}
#pragma GCC unroll 4
	for (unsigned j = 0; j < m; j++) {
#pragma GCC unroll 8
		for (unsigned g = 0; g < 4 * NG; g++) {
			size_t at = j * job->stride + i0 + 4 * g;
			__m512i x = v512_sigma(_mm512_maskz_loadu_epi64(qm[g], job->in[at]));
			_mm512_mask_storeu_epi64(job->out[at], qm[g], x); /* for the feed-forward */
			s[j][g] = _mm512_xor_si512(x, r[g / 4][g % 4]);
		}
	}
	for (int rd = 1; rd <= AES_ROUNDS; rd++) {
#pragma GCC unroll 2
		for (unsigned h = 0; h < NG; h++) {
			v512_next_words(w[h], aes_rcon[rd - 1]);
			v512_untranspose(w[h], r[h]);
		}
#pragma GCC unroll 4
		for (unsigned j = 0; j < m; j++) {
#pragma GCC unroll 8
			for (unsigned g = 0; g < 4 * NG; g++) {
				if (rd < AES_ROUNDS)
					s[j][g] = _mm512_aesenc_epi128(s[j][g], r[g / 4][g % 4]);
				else
					s[j][g] =
					    _mm512_aesenclast_epi128(s[j][g], r[g / 4][g % 4]);
			}
		}
	}
#pragma GCC unroll 4
	for (unsigned j = 0; j < m; j++) {
#pragma GCC unroll 8
		for (unsigned g = 0; g < 4 * NG; g++) {
			void *p = job->out[j * job->stride + i0 + 4 * g];
			__m512i x = _mm512_maskz_loadu_epi64(qm[g], p);
			_mm512_mask_storeu_epi64(p, qm[g], _mm512_xor_si512(s[j][g], x));
		}
	}
}

V512_INLINE void v512_multikey_m(const struct mk_job *job, unsigned m, bool mitccrh)
{
	size_t i = 0, n = job->n;
	if (mitccrh) { /* 32 or 16 keys at a time (32 fit the registers for m <= 2) */
		if (m <= 2)
			for (; i + 32 <= n; i += 32)
				v512_mitccrh16(job, i, 32, 2, m);
		for (; i + 16 <= n; i += 16)
			v512_mitccrh16(job, i, 16, 1, m);
	}
	for (; i + 16 <= n; i += 16)
		v512_multikey_group(job, i, 4, 16, m, mitccrh);
	switch ((n - i + 3) / 4) { /* the rest together, so their rounds overlap */
	case 4:
		v512_multikey_group(job, i, 4, n - i, m, mitccrh);
		break;
	case 3:
		v512_multikey_group(job, i, 3, n - i, m, mitccrh);
		break;
	case 2:
		v512_multikey_group(job, i, 2, n - i, m, mitccrh);
		break;
	case 1:
		v512_multikey_group(job, i, 1, n - i, m, mitccrh);
		break;
	}
}

V512_TARGET static void v512_multikey(const struct mk_job *job)
{
	bool mit = job->keys == NULL;
	switch (job->m) {
	case 1:
		mit ? v512_multikey_m(job, 1, true) : v512_multikey_m(job, 1, false);
		break;
	case 2:
		mit ? v512_multikey_m(job, 2, true) : v512_multikey_m(job, 2, false);
		break;
	case 3:
		mit ? v512_multikey_m(job, 3, true) : v512_multikey_m(job, 3, false);
		break;
	default:
		mit ? v512_multikey_m(job, 4, true) : v512_multikey_m(job, 4, false);
		break;
	}
}

/* ---------------------------------------------------------------------------------------- */
/* What the CPU offers.                                                                       */

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/* Bit i set when implementation i runs here. CPUID traps in a virtual machine, so one
 * call asks everything at once. */
static unsigned cpu_impls(void)
{
	unsigned a, b, c, d, impls = 1u << AES_IMPL_SOFT;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_AES) || !(c & bit_SSSE3))
		return impls;
	impls |= 1u << AES_IMPL_AESNI;
	if (!(c & bit_OSXSAVE) || !(c & bit_AVX) || __get_cpuid_max(0, NULL) < 7)
		return impls;
	uint64_t xcr0 = xgetbv0();
	__cpuid_count(7, 0, a, b, c, d);
	if ((xcr0 & 0x06) != 0x06 || !(b & bit_AVX2) || !(c & bit_VAES))
		return impls;
	impls |= 1u << AES_IMPL_VAES256;
	if ((xcr0 & 0xe6) == 0xe6 && (b & bit_AVX512F) && (b & bit_AVX512BW))
		impls |= 1u << AES_IMPL_VAES512;
	return impls;
}

#else /* not x86 */

static unsigned cpu_impls(void)
{
	return 1u << AES_IMPL_SOFT;
}

#endif

/* ---------------------------------------------------------------------------------------- */
/* Dispatch.                                                                                  */

static const char *const impl_names[AES_IMPL_COUNT] = {"soft", "aesni", "vaes256", "vaes512"};

const char *aes_impl_name(enum aes_impl impl)
{
	return impl < AES_IMPL_COUNT ? impl_names[impl] : "?";
}

bool aes_impl_supported(enum aes_impl impl)
{
	return impl < AES_IMPL_COUNT && (cpu_impls() >> impl) & 1;
}

enum aes_impl aes_impl_best(void)
{
	unsigned impls = cpu_impls();
	const char *want = getenv("MPCC_AES_IMPL");
	for (int i = 0; want && i < AES_IMPL_COUNT; i++)
		if (strcmp(want, impl_names[i]) == 0 && (impls >> i) & 1)
			return (enum aes_impl)i;
	for (int i = AES_IMPL_COUNT - 1; i > 0; i--)
		if ((impls >> i) & 1)
			return (enum aes_impl)i;
	return AES_IMPL_SOFT;
}

void aes_expand_key(enum aes_impl impl, struct aes_key *k, const uint8_t key[16])
{
#ifdef AES_X86
	if (impl != AES_IMPL_SOFT) {
		ni_expand_key(k, key);
		return;
	}
#endif
	(void)impl;
	soft_expand_key(k, key);
}

void aes_encrypt_ecb(enum aes_impl impl, const struct aes_key *k, const uint8_t (*in)[16],
		     uint8_t (*out)[16], size_t n)
{
	switch (impl) {
#ifdef AES_X86
	case AES_IMPL_AESNI:
		ni_encrypt_ecb(k, in, out, n);
		return;
	case AES_IMPL_VAES256:
		v256_encrypt_ecb(k, in, out, n);
		return;
	case AES_IMPL_VAES512:
		v512_encrypt_ecb(k, in, out, n);
		return;
#endif
	default:
		soft_encrypt_ecb(k, in, out, n);
		return;
	}
}

void aes_encrypt_keys(enum aes_impl impl, const struct aes_key *keys, size_t n,
		      const uint8_t (*in)[16], unsigned m, uint8_t (*out)[16])
{
#ifdef AES_X86
	if (impl != AES_IMPL_SOFT) {
		ni_encrypt_keys(keys, n, in, m, out);
		return;
	}
#endif
	(void)impl;
	for (size_t i = 0; i < n; i++)
		for (unsigned j = 0; j < m; j++)
			soft_encrypt_ecb(&keys[i], in + j, out + (size_t)j * n + i, 1);
}

static void run_multikey(enum aes_impl impl, const struct mk_job *job)
{
	assert(job->m >= 1 && job->m <= AES_MAX_PER_KEY && job->stride >= job->n);
	switch (impl) {
#ifdef AES_X86
	case AES_IMPL_AESNI:
		ni_multikey(job, 0);
		return;
	case AES_IMPL_VAES256:
		v256_multikey(job);
		return;
	case AES_IMPL_VAES512:
		v512_multikey(job);
		return;
#endif
	default:
		soft_multikey(job);
		return;
	}
}

void aes_encrypt_multikey(enum aes_impl impl, const uint8_t (*keys)[16], size_t n, unsigned m,
			  size_t stride, const uint8_t (*in)[16], uint8_t (*out)[16], bool mmo)
{
	assert(keys != NULL || n == 0);
	struct mk_job job = {
	    .keys = keys, .n = n, .stride = stride, .m = m, .in = in, .out = out, .mmo = mmo};
	if (n > 0)
		run_multikey(impl, &job);
}

void aes_mitccrh_multikey(enum aes_impl impl, const uint8_t seed[16], const uint64_t *tweaks,
			  uint64_t t0, size_t n, unsigned m, size_t stride, const uint8_t (*in)[16],
			  uint8_t (*out)[16])
{
	struct mk_job job = {.seed = seed,
			     .tweaks = tweaks,
			     .t0 = t0,
			     .n = n,
			     .stride = stride,
			     .m = m,
			     .in = in,
			     .out = out,
			     .mmo = true};
	if (n > 0)
		run_multikey(impl, &job);
}
