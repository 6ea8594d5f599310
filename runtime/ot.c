/* ot.c: Chou-Orlandi base OT on P-256 and the IKNP correlated OT extension.
 *
 * Base OT: "The Simplest Protocol for Oblivious Transfer", Chou and Orlandi, LATINCRYPT 2015,
 * eprint 2015/267, all n transfers in one round each way:
 *     sender:    a random, A = aG                                    -> A
 *     receiver:  b_i random, B_i = b_i G + c_i A                      <- B_1 .. B_n
 *     key:       k = SHA-256(tag | i | A | B_i | P)[0..16), where P = a B_i (choice 0) or
 *                a B_i - aA (choice 1) at the sender and P = b_i A at the receiver.
 * The receiver computes both b_i G and b_i G + A and selects the encoding with a mask, so its
 * choice never steers a branch. Peer points must be uncompressed, on the curve, not infinity.
 * Secret points only go through OpenSSL's constant-time code (on x86-64, ecp_nistz256): scalar
 * multiplications, and encodings as its ECDH has them (affine coordinates, BN_bn2binpad).
 * EC_POINT_add and EC_POINT_point2oct are not constant time (generic BIGNUM arithmetic, a
 * copy as long as the coordinate's significant bytes), so they only see public points: the
 * receiver gets b_i G + A as one multiplication, b_i G + 1 A, and the sender a B_i - aA as
 * a (B_i - A). tests/test_ct.c cannot check OpenSSL's part (its BIGNUM code branches on a
 * number's top words being zero, 2^-64 likely for these), only what is ours.
 *
 * Extension: Ishai, Kilian, Nissim, Petrank, CRYPTO 2003, with the optimisations of Asharov,
 * Lindell, Schneider, Zohner (eprint 2016/602), correlated. The base OTs run with roles
 * reversed: the extension's receiver R is the base sender and keeps seed pairs (k_j^0, k_j^1);
 * the extension's sender S chooses the bits of delta and keeps k_j^{delta_j}, j < 128. Each seed
 * keys an AES-128-CTR stream G (IV 0: block i of the stream is AES_k(i as a 128-bit big-endian
 * number), as OpenSSL's EVP_aes_128_ctr has it) that runs on from call to call. The streams
 * use aes.h with the keys expanded once: all of them stand at the same byte, so one list of
 * counter blocks serves every column, and a call of a few OTs costs a few AES blocks per
 * column, no more. For a batch of m OTs:
 *     R:  t^j = G(k_j^0),   u^j = t^j ^ G(k_j^1) ^ r           (128 columns of m bits) -> S
 *     S:  q^j = G(k_j^{delta_j}) ^ delta_j u^j  = t^j ^ delta_j r
 * Transposing the 128 x m bit matrices gives rows with q_i = t_i ^ r_i delta. Each column
 * carries ceil(m/8) bytes and each stream moves on by as many. The transpose works on 128x128
 * tiles, picked at run time: SSE2 and AVX2 transpose 16x16 bytes by unpacking, then movemask
 * takes one bit of 16 or 32 rows at once; AVX-512 with GFNI transposes 8x8 bit blocks with
 * gf2p8affineqb between two byte shuffles.
 */
#include "ot.h"

#include <string.h>

#include "aes.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define OT_HAVE_X86 1
#else
#define OT_HAVE_X86 0
#endif

/* ---------------------------------------------------------------- base OT */

struct curve {
	EC_GROUP *group;
	BN_CTX *bn;
};

static rt_err curve_new(struct curve *c)
{
	c->bn = BN_CTX_new();
	c->group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	return c->bn && c->group ? RT_OK : RT_ERR_CRYPTO;
}

static void curve_free(struct curve *c)
{
	EC_GROUP_free(c->group);
	BN_CTX_free(c->bn);
}

/* A scalar in [1, order): 384 bits from the PRG reduced mod the order (bias 2^-128). */
static rt_err random_scalar(struct curve *c, prg *p, BIGNUM *out)
{
	uint8_t buf[48];
	rt_err err = prg_bytes(p, buf, sizeof(buf));
	if (err != RT_OK)
		return err;
	BIGNUM *wide = BN_new();
	int ok = wide != NULL;
	if (ok) {
		BN_set_flags(wide, BN_FLG_CONSTTIME);
		BN_set_flags(out, BN_FLG_CONSTTIME);
		ok = BN_bin2bn(buf, sizeof(buf), wide) &&
		     BN_nnmod(out, wide, EC_GROUP_get0_order(c->group), c->bn) && !BN_is_zero(out);
	}
	BN_clear_free(wide);
	secret_wipe(buf, sizeof(buf));
	return ok ? RT_OK : RT_ERR_CRYPTO;
}

/* 0x04 || x || y, 32 bytes each, the bytes EC_POINT_point2oct writes for the uncompressed form,
 * but from fixed-length copies: point2oct copies as many bytes as the coordinate has without
 * leading zeros, which a secret point must not show. */
static rt_err point_encode(struct curve *c, const EC_POINT *pt, uint8_t out[OT_POINT_BYTES])
{
	enum { COORD = (OT_POINT_BYTES - 1) / 2 };
	BN_CTX_start(c->bn);
	BIGNUM *x = BN_CTX_get(c->bn), *y = BN_CTX_get(c->bn);
	int ok = y != NULL && EC_POINT_get_affine_coordinates(c->group, pt, x, y, c->bn) == 1 &&
		 BN_bn2binpad(x, out + 1, COORD) == COORD &&
		 BN_bn2binpad(y, out + 1 + COORD, COORD) == COORD;
	out[0] = 0x04;
	BN_CTX_end(c->bn);
	return ok ? RT_OK : RT_ERR_CRYPTO;
}

/* A point from the peer: uncompressed form, on the curve, not the point at infinity. */
static rt_err point_decode(struct curve *c, net_chan *ch, EC_POINT *pt,
			   const uint8_t in[OT_POINT_BYTES], const char *what)
{
	if (in[0] == 0x04 && EC_POINT_oct2point(c->group, pt, in, OT_POINT_BYTES, c->bn) == 1 &&
	    EC_POINT_is_on_curve(c->group, pt, c->bn) == 1 &&
	    !EC_POINT_is_at_infinity(c->group, pt))
		return RT_OK;
	ERR_clear_error();
	net_chan_set_error(ch, "base OT: the peer's %s is not a point on P-256", what);
	return RT_ERR_PROTOCOL;
}

/* key = SHA-256(tag | index | A | B | shared)[0..16); infinity hashes as 65 zero bytes. */
static rt_err derive_key(struct curve *c, uint8_t key[16], uint64_t index,
			 const uint8_t a_enc[OT_POINT_BYTES], const uint8_t b_enc[OT_POINT_BYTES],
			 const EC_POINT *shared)
{
	static const char tag[] = "mpcc Chou-Orlandi OT";
	uint8_t in[sizeof(tag) - 1 + 8 + 3 * OT_POINT_BYTES], md[32];
	uint8_t *o = in;
	memcpy(o, tag, sizeof(tag) - 1);
	o += sizeof(tag) - 1;
	for (int k = 0; k < 8; k++)
		*o++ = (uint8_t)(index >> (8 * k));
	memcpy(o, a_enc, OT_POINT_BYTES);
	o += OT_POINT_BYTES;
	memcpy(o, b_enc, OT_POINT_BYTES);
	o += OT_POINT_BYTES;
	rt_err err = RT_OK;
	if (EC_POINT_is_at_infinity(c->group, shared))
		memset(o, 0, OT_POINT_BYTES);
	else
		err = point_encode(c, shared, o);
	if (err == RT_OK && EVP_Digest(in, sizeof(in), md, NULL, EVP_sha256(), NULL) != 1)
		err = RT_ERR_CRYPTO;
	memcpy(key, md, 16);
	secret_wipe(in, sizeof(in));
	secret_wipe(md, sizeof(md));
	return err;
}

rt_err ot_base_send(net_chan *ch, prg *p, uint8_t (*keys)[2][16], size_t n)
{
	if (n == 0)
		return RT_OK;
	if (n > OT_BASE_MAX)
		return RT_ERR_INPUT;
	struct curve c = {0};
	BIGNUM *a = BN_new();
	EC_POINT *A = NULL, *minus_A = NULL, *B = NULL, *P = NULL;
	uint8_t a_enc[OT_POINT_BYTES];
	uint8_t *b_enc = rt_alloc(n * OT_POINT_BYTES);
	rt_err err = curve_new(&c);
	if (err != RT_OK || !a)
		goto crypto;
	A = EC_POINT_new(c.group);
	minus_A = EC_POINT_new(c.group);
	B = EC_POINT_new(c.group);
	P = EC_POINT_new(c.group);
	if (!A || !minus_A || !B || !P)
		goto crypto;
	err = b_enc ? random_scalar(&c, p, a) : RT_ERR_NOMEM;
	if (err != RT_OK)
		goto out;
	if (EC_POINT_mul(c.group, A, a, NULL, NULL, c.bn) != 1 ||
	    point_encode(&c, A, a_enc) != RT_OK || EC_POINT_copy(minus_A, A) != 1 ||
	    EC_POINT_invert(c.group, minus_A, c.bn) != 1)
		goto crypto;
	err = net_send(ch, a_enc, OT_POINT_BYTES);
	if (err == RT_OK)
		err = net_flush(ch);
	if (err == RT_OK)
		err = net_recv(ch, b_enc, n * OT_POINT_BYTES);
	for (size_t i = 0; i < n && err == RT_OK; i++) {
		const uint8_t *bi = b_enc + i * OT_POINT_BYTES;
		err = point_decode(&c, ch, B, bi, "base-OT receiver point B");
		if (err != RT_OK)
			break;
		if (EC_POINT_mul(c.group, P, NULL, B, a, c.bn) != 1)
			goto crypto;
		err = derive_key(&c, keys[i][0], i, a_enc, bi, P);
		/* a B - a A as a (B - A): B - A is public, a B is not */
		if (err == RT_OK && (EC_POINT_add(c.group, B, B, minus_A, c.bn) != 1 ||
				     EC_POINT_mul(c.group, P, NULL, B, a, c.bn) != 1))
			goto crypto;
		if (err == RT_OK)
			err = derive_key(&c, keys[i][1], i, a_enc, bi, P);
	}
	goto out;
crypto:
	err = RT_ERR_CRYPTO;
	net_chan_set_error(ch, "base OT: OpenSSL elliptic-curve operation failed");
out:
	if (err != RT_OK)
		secret_wipe(keys, n * sizeof(keys[0]));
	EC_POINT_clear_free(A);
	EC_POINT_clear_free(minus_A);
	EC_POINT_clear_free(B);
	EC_POINT_clear_free(P);
	BN_clear_free(a);
	curve_free(&c);
	rt_free(b_enc);
	ERR_clear_error();
	return err;
}

rt_err ot_base_recv(net_chan *ch, prg *p, const uint8_t *choices, uint8_t (*keys)[16], size_t n)
{
	if (n == 0)
		return RT_OK;
	if (n > OT_BASE_MAX)
		return RT_ERR_INPUT;
	struct curve c = {0};
	BIGNUM *b = BN_new(), *one = BN_new();
	EC_POINT *A = NULL, *B0 = NULL, *B1 = NULL, *P = NULL;
	uint8_t a_enc[OT_POINT_BYTES], e0[OT_POINT_BYTES], e1[OT_POINT_BYTES];
	uint8_t *b_enc = rt_alloc(n * OT_POINT_BYTES);
	rt_err err = curve_new(&c);
	if (err != RT_OK || !b || !one || !BN_one(one))
		goto crypto;
	A = EC_POINT_new(c.group);
	B0 = EC_POINT_new(c.group);
	B1 = EC_POINT_new(c.group);
	P = EC_POINT_new(c.group);
	if (!A || !B0 || !B1 || !P)
		goto crypto;
	err = b_enc ? net_recv(ch, a_enc, OT_POINT_BYTES) : RT_ERR_NOMEM;
	if (err == RT_OK)
		err = point_decode(&c, ch, A, a_enc, "base-OT sender point A");
	for (size_t i = 0; i < n && err == RT_OK; i++) {
		err = random_scalar(&c, p, b);
		if (err != RT_OK)
			break;
		/* B = bG + c*A: compute both, select the encoding with a mask; bG + A as one
		 * multiplication, bG + 1*A (EC_POINT_add is not constant time) */
		if (EC_POINT_mul(c.group, B0, b, NULL, NULL, c.bn) != 1 ||
		    EC_POINT_mul(c.group, B1, b, A, one, c.bn) != 1 ||
		    point_encode(&c, B0, e0) != RT_OK || point_encode(&c, B1, e1) != RT_OK ||
		    EC_POINT_mul(c.group, P, NULL, A, b, c.bn) != 1)
			goto crypto;
		uint8_t mask = (uint8_t)(0u - ((choices[i / 8] >> (i % 8)) & 1u));
		uint8_t *bi = b_enc + i * OT_POINT_BYTES;
		for (size_t k = 0; k < OT_POINT_BYTES; k++)
			bi[k] = (uint8_t)((e0[k] & ~mask) | (e1[k] & mask));
		err = derive_key(&c, keys[i], i, a_enc, bi, P);
	}
	if (err == RT_OK)
		err = net_send(ch, b_enc, n * OT_POINT_BYTES);
	if (err == RT_OK)
		err = net_flush(ch);
	goto out;
crypto:
	err = RT_ERR_CRYPTO;
	net_chan_set_error(ch, "base OT: OpenSSL elliptic-curve operation failed");
out:
	if (err != RT_OK)
		secret_wipe(keys, n * sizeof(keys[0]));
	secret_wipe(e0, sizeof(e0));
	secret_wipe(e1, sizeof(e1));
	EC_POINT_clear_free(A);
	EC_POINT_clear_free(B0);
	EC_POINT_clear_free(B1);
	EC_POINT_clear_free(P);
	BN_clear_free(b);
	BN_free(one);
	curve_free(&c);
	rt_free(b_enc);
	ERR_clear_error();
	return err;
}

/* ---------------------------------------------------------------- transpose */

typedef void transpose_fn(uint8_t (*out)[16], const uint8_t *in, size_t stride);

static void transpose_scalar(uint8_t (*out)[16], const uint8_t *in, size_t stride)
{
	memset(out, 0, 128 * 16);
	for (size_t j = 0; j < 128; j++)
		for (size_t i = 0; i < 128; i++) {
			unsigned bit = (in[j * stride + i / 8] >> (i % 8)) & 1;
			out[i][j / 8] |= (uint8_t)(bit << (j % 8));
		}
}

#if OT_HAVE_X86
/* x[k] holds 16 bytes of row k; afterwards x[c] holds byte c of rows 0..15. Four rounds of
 * unpacking interleave 1-, 2-, 4- and 8-byte units of row pairs. */
static inline void bytes_transpose_sse2(__m128i x[16])
{
	__m128i a[16], b[16];
#pragma GCC unroll 16
	for (int p = 0; p < 8; p++) { /* a[h*8+p]: columns 8h..8h+7 of rows 2p, 2p+1 */
		a[p] = _mm_unpacklo_epi8(x[2 * p], x[2 * p + 1]);
		a[p + 8] = _mm_unpackhi_epi8(x[2 * p], x[2 * p + 1]);
	}
#pragma GCC unroll 16
	for (int h = 0; h < 2; h++) /* b[g*4+q]: columns 4g..4g+3 of rows 4q..4q+3 */
#pragma GCC unroll 16
		for (int q = 0; q < 4; q++) {
			b[8 * h + q] = _mm_unpacklo_epi16(a[8 * h + 2 * q], a[8 * h + 2 * q + 1]);
			b[8 * h + 4 + q] =
			    _mm_unpackhi_epi16(a[8 * h + 2 * q], a[8 * h + 2 * q + 1]);
		}
#pragma GCC unroll 16
	for (int g = 0; g < 4; g++) /* a[P*2+o]: columns 2P, 2P+1 of rows 8o..8o+7 */
#pragma GCC unroll 16
		for (int o = 0; o < 2; o++) {
			a[4 * g + o] = _mm_unpacklo_epi32(b[4 * g + 2 * o], b[4 * g + 2 * o + 1]);
			a[4 * g + 2 + o] =
			    _mm_unpackhi_epi32(b[4 * g + 2 * o], b[4 * g + 2 * o + 1]);
		}
#pragma GCC unroll 16
	for (int P = 0; P < 8; P++) {
		x[2 * P] = _mm_unpacklo_epi64(a[2 * P], a[2 * P + 1]);
		x[2 * P + 1] = _mm_unpackhi_epi64(a[2 * P], a[2 * P + 1]);
	}
}

static void transpose_sse2(uint8_t (*out)[16], const uint8_t *in, size_t stride)
{
	for (int rb = 0; rb < 128; rb += 16) {
		__m128i x[16];
#pragma GCC unroll 16
		for (int k = 0; k < 16; k++)
			x[k] = _mm_loadu_si128((const __m128i *)(in + (size_t)(rb + k) * stride));
		/* bit 7 of every byte of x[c] is bit 8c+7 of rows rb..rb+15; shift for the rest */
		bytes_transpose_sse2(x);
#pragma GCC unroll 16
		for (int c = 0; c < 16; c++) {
			__m128i v = x[c];
#pragma GCC unroll 16
			for (int bit = 7; bit >= 0; bit--) {
				uint16_t w = (uint16_t)_mm_movemask_epi8(v);
				memcpy(&out[8 * c + bit][rb / 8], &w, sizeof(w));
				v = _mm_slli_epi64(v, 1);
			}
		}
	}
}

/* The same on 256-bit registers: the low lane works on rows rb.., the high lane on rb+16.. */
__attribute__((target("avx2"))) static inline void bytes_transpose_avx2(__m256i x[16])
{
	__m256i a[16], b[16];
#pragma GCC unroll 16
	for (int p = 0; p < 8; p++) {
		a[p] = _mm256_unpacklo_epi8(x[2 * p], x[2 * p + 1]);
		a[p + 8] = _mm256_unpackhi_epi8(x[2 * p], x[2 * p + 1]);
	}
#pragma GCC unroll 16
	for (int h = 0; h < 2; h++)
#pragma GCC unroll 16
		for (int q = 0; q < 4; q++) {
			b[8 * h + q] =
			    _mm256_unpacklo_epi16(a[8 * h + 2 * q], a[8 * h + 2 * q + 1]);
			b[8 * h + 4 + q] =
			    _mm256_unpackhi_epi16(a[8 * h + 2 * q], a[8 * h + 2 * q + 1]);
		}
#pragma GCC unroll 16
	for (int g = 0; g < 4; g++)
#pragma GCC unroll 16
		for (int o = 0; o < 2; o++) {
			a[4 * g + o] =
			    _mm256_unpacklo_epi32(b[4 * g + 2 * o], b[4 * g + 2 * o + 1]);
			a[4 * g + 2 + o] =
			    _mm256_unpackhi_epi32(b[4 * g + 2 * o], b[4 * g + 2 * o + 1]);
		}
#pragma GCC unroll 16
	for (int P = 0; P < 8; P++) {
		x[2 * P] = _mm256_unpacklo_epi64(a[2 * P], a[2 * P + 1]);
		x[2 * P + 1] = _mm256_unpackhi_epi64(a[2 * P], a[2 * P + 1]);
	}
}

__attribute__((target("avx2"))) static void transpose_avx2(uint8_t (*out)[16], const uint8_t *in,
							   size_t stride)
{
	for (int rb = 0; rb < 128; rb += 32) {
		__m256i x[16];
#pragma GCC unroll 16
		for (int k = 0; k < 16; k++) {
			__m128i lo =
			    _mm_loadu_si128((const __m128i *)(in + (size_t)(rb + k) * stride));
			__m128i hi =
			    _mm_loadu_si128((const __m128i *)(in + (size_t)(rb + 16 + k) * stride));
			x[k] = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
		}
		bytes_transpose_avx2(x);
#pragma GCC unroll 16
		for (int c = 0; c < 16; c++) {
			__m256i v = x[c];
#pragma GCC unroll 16
			for (int bit = 7; bit >= 0; bit--) {
				uint32_t w = (uint32_t)_mm256_movemask_epi8(v);
				memcpy(&out[8 * c + bit][rb / 8], &w, sizeof(w));
				v = _mm256_slli_epi64(v, 1);
			}
		}
	}
}

/* AVX-512 with GFNI: per group g of 8 input rows, one byte permutation (vpermt2b) gathers the
 * 8x8 bit blocks, gf2p8affineqb transposes each block, and the unpack network of the SSE2
 * version, on 512-bit registers, gathers the output rows; a 4x4 shuffle of 128-bit lanes puts
 * four consecutive output rows in one register. */
#define OT_AVX512 "avx512f,avx512bw,avx512vbmi,gfni"

__attribute__((target(OT_AVX512))) static inline void bytes_transpose_avx512(__m512i x[16])
{
	__m512i a[16], b[16];
#pragma GCC unroll 16
	for (int p = 0; p < 8; p++) {
		a[p] = _mm512_unpacklo_epi8(x[2 * p], x[2 * p + 1]);
		a[p + 8] = _mm512_unpackhi_epi8(x[2 * p], x[2 * p + 1]);
	}
#pragma GCC unroll 16
	for (int h = 0; h < 2; h++)
#pragma GCC unroll 16
		for (int q = 0; q < 4; q++) {
			b[8 * h + q] =
			    _mm512_unpacklo_epi16(a[8 * h + 2 * q], a[8 * h + 2 * q + 1]);
			b[8 * h + 4 + q] =
			    _mm512_unpackhi_epi16(a[8 * h + 2 * q], a[8 * h + 2 * q + 1]);
		}
#pragma GCC unroll 16
	for (int g = 0; g < 4; g++)
#pragma GCC unroll 16
		for (int o = 0; o < 2; o++) {
			a[4 * g + o] =
			    _mm512_unpacklo_epi32(b[4 * g + 2 * o], b[4 * g + 2 * o + 1]);
			a[4 * g + 2 + o] =
			    _mm512_unpackhi_epi32(b[4 * g + 2 * o], b[4 * g + 2 * o + 1]);
		}
#pragma GCC unroll 16
	for (int P = 0; P < 8; P++) {
		x[2 * P] = _mm512_unpacklo_epi64(a[2 * P], a[2 * P + 1]);
		x[2 * P + 1] = _mm512_unpackhi_epi64(a[2 * P], a[2 * P + 1]);
	}
}

/* Four rows of 16 bytes, rows stride bytes apart, in the four 128-bit lanes. */
__attribute__((target(OT_AVX512))) static inline __m512i load_rows4(const uint8_t *p, size_t stride)
{
	__m512i z = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)p));
	z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p + stride)), 1);
	z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p + 2 * stride)), 2);
	return _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p + 3 * stride)), 3);
}

__attribute__((target(OT_AVX512))) static void transpose_avx512(uint8_t (*out)[16],
								const uint8_t *in, size_t stride)
{
	/* Row 8g+a byte c sits at byte 16a+c of the pair (rows 8g..8g+3, rows 8g+4..8g+7).
	 * perm[h] puts it at byte 8c'+(7-a) for c = 8h+c': each qword one 8x8 block, rows
	 * reversed as gf2p8affineqb wants its matrix. */
	static const uint8_t idx[2][64] = {
	    /* idx[h][8c'+k] = 16(7-k) + 8h + c' */
	    {
		112, 96,  80, 64, 48, 32, 16, 0, 113, 97,  81, 65, 49, 33, 17, 1,
		114, 98,  82, 66, 50, 34, 18, 2, 115, 99,  83, 67, 51, 35, 19, 3,
		116, 100, 84, 68, 52, 36, 20, 4, 117, 101, 85, 69, 53, 37, 21, 5,
		118, 102, 86, 70, 54, 38, 22, 6, 119, 103, 87, 71, 55, 39, 23, 7,
	    },
	    {
		120, 104, 88, 72, 56, 40, 24, 8,  121, 105, 89, 73, 57, 41, 25, 9,
		122, 106, 90, 74, 58, 42, 26, 10, 123, 107, 91, 75, 59, 43, 27, 11,
		124, 108, 92, 76, 60, 44, 28, 12, 125, 109, 93, 77, 61, 45, 29, 13,
		126, 110, 94, 78, 62, 46, 30, 14, 127, 111, 95, 79, 63, 47, 31, 15,
	    },
	};
	const __m512i perm0 = _mm512_loadu_si512(idx[0]), perm1 = _mm512_loadu_si512(idx[1]);
	/* byte i = 1 << i: the affine map then picks bit i of every matrix row */
	const __m512i unit = _mm512_set1_epi64(0x8040201008040201LL);
	__m512i t0[16], t1[16]; /* t_h[g] byte p = output row 64h+p, byte g */
#pragma GCC unroll 16
	for (int g = 0; g < 16; g++) {
		__m512i lo = load_rows4(in + (size_t)(8 * g) * stride, stride);
		__m512i hi = load_rows4(in + (size_t)(8 * g + 4) * stride, stride);
		t0[g] =
		    _mm512_gf2p8affine_epi64_epi8(unit, _mm512_permutex2var_epi8(lo, perm0, hi), 0);
		t1[g] =
		    _mm512_gf2p8affine_epi64_epi8(unit, _mm512_permutex2var_epi8(lo, perm1, hi), 0);
	}
	for (int h = 0; h < 2; h++) {
		__m512i *x = h == 0 ? t0 : t1;
		bytes_transpose_avx512(x); /* x[r] lane l = output row 64h+16l+r */
#pragma GCC unroll 16
		for (int r = 0; r < 16; r += 4) {
			__m512i u0 = _mm512_shuffle_i64x2(x[r], x[r + 1], 0x44);
			__m512i u1 = _mm512_shuffle_i64x2(x[r], x[r + 1], 0xee);
			__m512i u2 = _mm512_shuffle_i64x2(x[r + 2], x[r + 3], 0x44);
			__m512i u3 = _mm512_shuffle_i64x2(x[r + 2], x[r + 3], 0xee);
			uint8_t(*o)[16] = out + 64 * h + r;
			_mm512_storeu_si512(o[0], _mm512_shuffle_i64x2(u0, u2, 0x88));
			_mm512_storeu_si512(o[16], _mm512_shuffle_i64x2(u0, u2, 0xdd));
			_mm512_storeu_si512(o[32], _mm512_shuffle_i64x2(u1, u3, 0x88));
			_mm512_storeu_si512(o[48], _mm512_shuffle_i64x2(u1, u3, 0xdd));
		}
	}
}
#endif

/* The implementation for impl, or NULL if this CPU or build lacks it. */
static transpose_fn *pick_transpose(ot_simd impl)
{
#if OT_HAVE_X86
	int avx2 = __builtin_cpu_supports("avx2");
	int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		     __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("gfni");
	switch (impl) {
	case OT_SIMD_AUTO:
		return avx512 ? transpose_avx512 : avx2 ? transpose_avx2 : transpose_sse2;
	case OT_SIMD_SCALAR:
		return transpose_scalar;
	case OT_SIMD_SSE2:
		return transpose_sse2;
	case OT_SIMD_AVX2:
		return avx2 ? transpose_avx2 : NULL;
	case OT_SIMD_AVX512:
		return avx512 ? transpose_avx512 : NULL;
	}
	return NULL;
#else
	return impl == OT_SIMD_AUTO || impl == OT_SIMD_SCALAR ? transpose_scalar : NULL;
#endif
}

rt_err ot_transpose128(uint8_t (*out)[16], const uint8_t *in, size_t stride, ot_simd impl)
{
	transpose_fn *fn = pick_transpose(impl);
	if (!fn || stride < 16)
		return RT_ERR_INPUT;
	fn(out, in, stride);
	return RT_OK;
}

/* ---------------------------------------------------------------- extension */

/* A batch is 64 Ki OTs: each column 8 KiB. Columns sit COL_STRIDE apart, not 8 KiB, so the
 * 128 rows a transpose tile reads do not share L1 sets. Outputs of 2 MiB and more are written
 * with streaming stores: they would not stay in the cache anyway. */
enum {
	BATCH_OTS = 1 << 16,
	BATCH_BYTES = BATCH_OTS / 8,
	COL_STRIDE = BATCH_BYTES + 64,
	STREAM_MIN_OTS = 1 << 17,
	STREAM_WIDE_MIN = 32,		/* keystream blocks per column worth the VAES paths */
	SMALL_BLOCKS = AES_MAX_PER_KEY, /* at most this many per column: all columns at once */
};

/* The column streams G of one end, all at byte pos. A batch of a few blocks per column (as a
 * party's input of a few hundred bits makes) runs through aes_encrypt_keys, every column at
 * once, so many independent AES blocks are in flight; a big one column by column, ECB over
 * the counter blocks under the column's key. Up to two banks of keys (the receiver's
 * G(k_j^0) and G(k_j^1)). */
struct streams {
	enum aes_impl impl, small_impl; /* the best one; AES-NI (when it is) for a few blocks */
	uint64_t pos;
	size_t nblocks;	      /* counter blocks of the current batch */
	uint8_t (*ctr)[16];   /* the counter blocks of the batch, BATCH_BYTES / 16 + 2 */
	uint8_t (*ks)[16];    /* one column's keystream of the batch */
	uint8_t (*small)[16]; /* a small batch: block j of column i of bank b at
			       * [(b * SMALL_BLOCKS + j) * 128 + i] */
};

static rt_err streams_new(struct streams *s)
{
	s->impl = aes_impl_best();
	s->small_impl = s->impl != AES_IMPL_SOFT ? AES_IMPL_AESNI : s->impl;
	s->pos = 0;
	s->ctr = rt_calloc(BATCH_BYTES / 16 + 2, 16);
	s->ks = rt_calloc(BATCH_BYTES / 16 + 2, 16);
	s->small = rt_calloc(2 * SMALL_BLOCKS * OT_BASE_COUNT, 16);
	return s->ctr && s->ks && s->small ? RT_OK : RT_ERR_NOMEM;
}

static void streams_free(struct streams *s)
{
	rt_free(s->ctr);
	secret_free(s->ks, (BATCH_BYTES / 16 + 2) * 16);
	secret_free(s->small, 2 * SMALL_BLOCKS * OT_BASE_COUNT * 16);
}

/* Readies the next n <= BATCH_BYTES bytes of every stream: the counter blocks that cover
 * them, and for a small batch the keystream of each bank b, whose keys are keys[b]. */
static void streams_begin(struct streams *s, size_t n, const struct aes_key *const *keys, int banks)
{
	uint64_t first = s->pos / 16, last = (s->pos + n + 15) / 16;
	for (uint64_t i = first; i < last; i++) {
		uint8_t *c = s->ctr[i - first];
		memset(c, 0, 8);
		for (int b = 0; b < 8; b++)
			c[15 - b] = (uint8_t)(i >> (8 * b));
	}
	s->nblocks = (size_t)(last - first);
	if (s->nblocks == 0 || s->nblocks > SMALL_BLOCKS)
		return;
	for (int b = 0; b < banks; b++)
		aes_encrypt_keys(s->small_impl, keys[b], OT_BASE_COUNT,
				 (const uint8_t(*)[16])s->ctr, (unsigned)s->nblocks,
				 s->small + (size_t)b * SMALL_BLOCKS * OT_BASE_COUNT);
}

/* out = in ^ the next n bytes of column i's stream in bank b, whose expanded key is k (in ==
 * out is fine); in NULL: out = the stream. */
static void stream_xor(struct streams *s, int b, size_t i, const struct aes_key *k, uint8_t *out,
		       const uint8_t *in, size_t n);

/* All columns done: the streams move on by n bytes. */
static void streams_end(struct streams *s, size_t n)
{
	s->pos += n;
}

/* out = a ^ b over n bytes, 16 at a time. */
static void xor_bytes(uint8_t *out, const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t k = 0;
#if OT_HAVE_X86
	for (; k + 16 <= n; k += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(a + k));
		__m128i y = _mm_loadu_si128((const __m128i *)(b + k));
		_mm_storeu_si128((__m128i *)(out + k), _mm_xor_si128(x, y));
	}
#endif
	for (; k < n; k++)
		out[k] = a[k] ^ b[k];
}

static void stream_xor(struct streams *s, int b, size_t i, const struct aes_key *k, uint8_t *out,
		       const uint8_t *in, size_t n)
{
	const uint8_t *ks = s->ks[0] + s->pos % 16;
	if (s->nblocks == 1) {
		ks = s->small[(size_t)b * SMALL_BLOCKS * OT_BASE_COUNT + i] + s->pos % 16;
	} else if (s->nblocks <= SMALL_BLOCKS) {
		for (size_t j = 0; j < s->nblocks; j++)
			memcpy(s->ks[j],
			       s->small[((size_t)b * SMALL_BLOCKS + j) * OT_BASE_COUNT + i], 16);
	} else {
		/* a few blocks go through AES-NI: waking the wide units costs more than it saves */
		enum aes_impl impl = s->nblocks < STREAM_WIDE_MIN ? s->small_impl : s->impl;
		aes_encrypt_ecb(impl, k, (const uint8_t(*)[16])s->ctr, s->ks, s->nblocks);
	}
	if (in) {
		xor_bytes(out, in, ks, n);
		return;
	}
	size_t j = 0; /* a copy, 16 bytes at a time: memcpy here became rep movs, slow to start */
#if OT_HAVE_X86
	for (; j + 16 <= n; j += 16)
		_mm_storeu_si128((__m128i *)(out + j), _mm_loadu_si128((const __m128i *)(ks + j)));
#endif
	for (; j < n; j++)
		out[j] = ks[j];
}

/* buf &= mask (0x00 or 0xff) over n bytes, 16 at a time. */
static void and_bytes(uint8_t *buf, uint8_t mask, size_t n)
{
	size_t k = 0;
#if OT_HAVE_X86
	__m128i m = _mm_set1_epi8((char)mask);
	for (; k + 16 <= n; k += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(buf + k));
		_mm_storeu_si128((__m128i *)(buf + k), _mm_and_si128(x, m));
	}
#endif
	for (; k < n; k++)
		buf[k] &= mask;
}

/* Copies rows to dst; streaming stores bypass the cache for outputs too large to stay in it. */
static void copy_rows(uint8_t (*dst)[16], const uint8_t (*src)[16], size_t rows, int stream)
{
#if OT_HAVE_X86
	if (stream && ((uintptr_t)dst & 15) == 0) {
		for (size_t i = 0; i < rows; i++)
			_mm_stream_si128((__m128i *)dst[i],
					 _mm_load_si128((const __m128i *)src[i]));
		return;
	}
#else
	(void)stream;
#endif
	memcpy(dst, src, rows * 16);
}

/* Transposes a batch of m OTs from the columns into out[0..m), a tile at a time. */
static void transpose_batch(transpose_fn *fn, uint8_t (*out)[16], const uint8_t *cols, size_t m,
			    int stream)
{
	_Alignas(64) uint8_t tile[128][16];
	for (size_t t = 0; t * 128 < m; t++) {
		fn(tile, cols + 16 * t, COL_STRIDE);
		copy_rows(out + 128 * t, (const uint8_t(*)[16])tile,
			  m - 128 * t < 128 ? m - 128 * t : 128, stream);
	}
	secret_wipe(tile, sizeof(tile));
}

/* Whether a call of n OTs writes its output with streaming stores. */
static int stream_output(size_t n)
{
	return n >= STREAM_MIN_OTS;
}

/* Orders streaming stores before what follows (another thread may read the output). */
static void stream_fence(size_t n)
{
#if OT_HAVE_X86
	if (stream_output(n))
		_mm_sfence();
#else
	(void)n;
#endif
}

/* What both ends of the extension keep for one batch. */
struct batch {
	transpose_fn *transpose;
	uint8_t *wire; /* the batch on the wire: 128 columns u^j of ceil(m/8) bytes each */
	uint8_t *cols; /* q^j or t^j, column j at j * COL_STRIDE */
};

static rt_err batch_new(struct batch *b)
{
	b->transpose = pick_transpose(OT_SIMD_AUTO);
	b->wire = rt_alloc((size_t)OT_BASE_COUNT * BATCH_BYTES);
	b->cols = rt_calloc(OT_BASE_COUNT, COL_STRIDE);
	return b->wire && b->cols ? RT_OK : RT_ERR_NOMEM;
}

static void batch_free(struct batch *b)
{
	secret_free(b->wire, (size_t)OT_BASE_COUNT * BATCH_BYTES);
	secret_free(b->cols, (size_t)OT_BASE_COUNT * COL_STRIDE);
}

struct ot_sender {
	net_chan *ch;
	uint8_t delta[16];
	struct aes_key key[OT_BASE_COUNT]; /* of G(k_j^{delta_j}) */
	struct streams streams;
	struct batch batch;
};

struct ot_receiver {
	net_chan *ch;
	struct aes_key key[2][OT_BASE_COUNT]; /* of G(k_j^0) and G(k_j^1) */
	struct streams streams;
	uint8_t *choices; /* a batch of choice bits */
	struct batch batch;
};

rt_err ot_sender_new(ot_sender **out, net_chan *ch, const uint8_t delta[16], prg *p)
{
	*out = NULL;
	uint8_t keys[OT_BASE_COUNT][16];
	ot_sender *s = rt_calloc(1, sizeof(*s));
	if (!s)
		return RT_ERR_NOMEM;
	s->ch = ch;
	memcpy(s->delta, delta, 16);
	rt_err err = batch_new(&s->batch);
	if (err == RT_OK)
		err = streams_new(&s->streams);
	if (err == RT_OK)
		err = ot_base_recv(ch, p, delta, keys, OT_BASE_COUNT);
	for (size_t j = 0; j < OT_BASE_COUNT && err == RT_OK; j++)
		aes_expand_key(s->streams.impl, &s->key[j], keys[j]);
	secret_wipe(keys, sizeof(keys));
	if (err != RT_OK) {
		ot_sender_free(s);
		return err;
	}
	*out = s;
	return RT_OK;
}

void ot_sender_free(ot_sender *s)
{
	if (!s)
		return;
	batch_free(&s->batch);
	streams_free(&s->streams);
	secret_wipe(s, sizeof(*s)); /* delta and the key schedules */
	rt_free(s);
}

rt_err ot_send_cot(ot_sender *s, uint8_t (*q)[16], size_t n)
{
	if (n > 0 && !q)
		return RT_ERR_INPUT;
	for (size_t off = 0; off < n; off += BATCH_OTS) {
		size_t m = n - off < BATCH_OTS ? n - off : BATCH_OTS, nb = (m + 7) / 8;
		rt_err err = net_recv(s->ch, s->batch.wire, OT_BASE_COUNT * nb);
		if (err != RT_OK)
			return err;
		const struct aes_key *keys = s->key;
		streams_begin(&s->streams, nb, &keys, 1);
		for (size_t j = 0; j < OT_BASE_COUNT; j++) {
			/* q^j = G(k_j) ^ delta_j * u^j */
			uint8_t *u = s->batch.wire + j * nb;
			uint8_t mask = (uint8_t)(0u - ((s->delta[j / 8] >> (j % 8)) & 1u));
			and_bytes(u, mask, nb);
			stream_xor(&s->streams, 0, j, &s->key[j], s->batch.cols + j * COL_STRIDE, u,
				   nb);
		}
		streams_end(&s->streams, nb);
		transpose_batch(s->batch.transpose, q + off, s->batch.cols, m, stream_output(n));
	}
	stream_fence(n);
	return RT_OK;
}

rt_err ot_receiver_new(ot_receiver **out, net_chan *ch, prg *p)
{
	*out = NULL;
	uint8_t keys[OT_BASE_COUNT][2][16];
	ot_receiver *r = rt_calloc(1, sizeof(*r));
	if (!r)
		return RT_ERR_NOMEM;
	r->ch = ch;
	rt_err err = batch_new(&r->batch);
	r->choices = rt_alloc(BATCH_BYTES);
	if (err == RT_OK && !r->choices)
		err = RT_ERR_NOMEM;
	if (err == RT_OK)
		err = streams_new(&r->streams);
	if (err == RT_OK)
		err = ot_base_send(ch, p, keys, OT_BASE_COUNT);
	for (size_t j = 0; j < OT_BASE_COUNT && err == RT_OK; j++) {
		for (int b = 0; b < 2; b++)
			aes_expand_key(r->streams.impl, &r->key[b][j], keys[j][b]);
	}
	secret_wipe(keys, sizeof(keys));
	if (err != RT_OK) {
		ot_receiver_free(r);
		return err;
	}
	*out = r;
	return RT_OK;
}

void ot_receiver_free(ot_receiver *r)
{
	if (!r)
		return;
	batch_free(&r->batch);
	streams_free(&r->streams);
	secret_free(r->choices, BATCH_BYTES);
	secret_wipe(r, sizeof(*r)); /* the key schedules */
	rt_free(r);
}

rt_err ot_recv_cot(ot_receiver *r, const uint8_t *choices, uint8_t (*t)[16], size_t n)
{
	if (n > 0 && (!choices || !t))
		return RT_ERR_INPUT;
	rt_err err = RT_OK;
	for (size_t off = 0; off < n && err == RT_OK; off += BATCH_OTS) {
		size_t m = n - off < BATCH_OTS ? n - off : BATCH_OTS, nb = (m + 7) / 8;
		uint8_t *rb = r->choices;
		memcpy(rb, choices + off / 8, nb);
		if (m % 8) /* bits past n are not ours to send */
			rb[nb - 1] &= (uint8_t)((1u << (m % 8)) - 1);
		const struct aes_key *keys[2] = {r->key[0], r->key[1]};
		streams_begin(&r->streams, nb, keys, 2);
		for (size_t j = 0; j < OT_BASE_COUNT; j++) {
			/* t^j = G(k_j^0), u^j = t^j ^ r ^ G(k_j^1) */
			uint8_t *tj = r->batch.cols + j * COL_STRIDE, *u = r->batch.wire + j * nb;
			stream_xor(&r->streams, 0, j, &r->key[0][j], tj, NULL, nb);
			xor_bytes(u, tj, rb, nb);
			stream_xor(&r->streams, 1, j, &r->key[1][j], u, u, nb);
		}
		streams_end(&r->streams, nb);
		if (err == RT_OK)
			err = net_send(r->ch, r->batch.wire, OT_BASE_COUNT * nb);
		if (err == RT_OK)
			transpose_batch(r->batch.transpose, t + off, r->batch.cols, m,
					stream_output(n));
	}
	stream_fence(n);
	if (err == RT_OK)
		err = net_flush(r->ch);
	secret_wipe(r->choices, n < BATCH_OTS ? (n + 7) / 8 : BATCH_BYTES);
	return err;
}
