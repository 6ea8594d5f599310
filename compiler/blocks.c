/* blocks.c: arithmetic on words of bits, built with as few AND gates as we know how.
 *
 * XOR is free in a garbled circuit and AND is not, so every block is counted in ANDs
 * (n-bit operands):
 *   add, sub      n-1   ripple carry, one AND per carry: c' = c ^ ((a ^ c) & (b ^ c)),
 *                       no carry out of the top bit; x - y = x + ~y + 1
 *   neg           n-2   ~x + 1, an increment: carries c' = c & ~x
 *   lt, le        n     the carry out of x - y (signed: flip both top bits first)
 *   eq            n-1   a balanced AND tree over the XNORs (depth log n)
 *   mux           n     f ^ (sel & (t ^ f)) per bit
 *   minmax        2n    one comparison, then d = lt & (x ^ y) gives both min and max
 *   mul           n^2 - n + 1   schoolbook keeping only the partial products below 2^n
 *                       (n(n+1)/2 ANDs) and adders that drop what cannot matter
 *   udivmod       non-restoring rows that grow a bit at a time (see udivmod_core):
 *                       quotient n(n+1)/2 + 2n - 3, remainder n(n+1)/2 + 4n - 5, both
 *                       n(n+1)/2 + 4n - 4; 2 bits: a searched circuit, 4 for q, 3 for r,
 *                       5 for both
 *   sdivmod       unsigned division of the absolute values, then sign fixes (<= 5n more)
 *   popcount      n - popcount(n), the Boyar-Peralta count: blocks of 2^k - 1 bits
 *   shifts        by a constant 0; by a secret amount a barrel shifter, n per stage
 * The builder folds constants and hashes, so a block given constant or repeated operands
 * costs less without any special case here.
 */
#include "blocks.h"

#include <stdlib.h>
#include <string.h>

/* Scratch for n bits, or NULL (and a failed builder) when out of memory. */
static bit *scratch(struct bld *b, size_t n)
{
	bit *p = malloc((n ? n : 1) * sizeof(*p));
	if (!p)
		bld_fail(b);
	return p;
}

static void fill(bit *out, uint32_t n, bit v)
{
	if (!out)
		return;
	for (uint32_t j = 0; j < n; j++)
		out[j] = v;
}

/* The carry out of a full adder: maj(a, y, c) = c ^ ((a ^ c) & (y ^ c)), 1 AND. */
static bit carry(struct bld *b, bit a, bit y, bit c)
{
	return bld_xor(b, c, bld_and(b, bld_xor(b, a, c), bld_xor(b, y, c)));
}

/* out = x + (y ^ inv) + cin (mod 2^n), where inv is BIT_0 or BIT_1. Returns the carry out
 * of the top bit when want_cout, else BIT_0 (not built). out may be NULL or alias x or y. */
static bit add_bits(struct bld *b, bit *out, const bit *x, const bit *y, uint32_t n, bit inv,
		    bit cin, bool want_cout)
{
	bit c = cin;
	for (uint32_t j = 0; j < n; j++) {
		bit a = x[j], v = y[j] ^ inv;
		bit s = bld_xor(b, bld_xor(b, a, v), c);
		if (j + 1 < n || want_cout)
			c = carry(b, a, v, c);
		if (out)
			out[j] = s;
	}
	return want_cout ? c : BIT_0;
}

/* out = s ? -x : x, that is (x ^ s) + s: n-1 ANDs. out may alias x. */
static void cond_neg(struct bld *b, bit *out, const bit *x, bit s, uint32_t n)
{
	bit c = s;
	for (uint32_t j = 0; j < n; j++) {
		bit v = bld_xor(b, x[j], s);
		bit o = bld_xor(b, v, c);
		if (j + 1 < n)
			c = bld_and(b, c, v);
		out[j] = o;
	}
}

void blk_const(bit *out, uint32_t n, const uint64_t *limbs)
{
	for (uint32_t j = 0; j < n; j++)
		out[j] = (limbs[j / 64] >> (j % 64)) & 1u ? BIT_1 : BIT_0;
}

void blk_add(struct bld *b, bit *out, const bit *x, const bit *y, uint32_t n)
{
	add_bits(b, out, x, y, n, BIT_0, BIT_0, false);
}

void blk_sub(struct bld *b, bit *out, const bit *x, const bit *y, uint32_t n)
{
	add_bits(b, out, x, y, n, BIT_1, BIT_1, false);
}

void blk_neg(struct bld *b, bit *out, const bit *x, uint32_t n)
{
	cond_neg(b, out, x, BIT_1, n);
}

/* ---- comparisons ---- */

/* x >= y: the carry out of x + ~y + 1, n ANDs. Signed compares as unsigned after flipping
 * both sign bits. */
static bit ge_bits(struct bld *b, const bit *x, const bit *y, uint32_t n, bool is_signed)
{
	bit c = BIT_1;
	for (uint32_t j = 0; j < n; j++) {
		bit a = x[j], v = bld_not(y[j]);
		if (is_signed && j + 1 == n) {
			a = bld_not(a);
			v = bld_not(v);
		}
		c = carry(b, a, v, c);
	}
	return c;
}

bit blk_lt(struct bld *b, const bit *x, const bit *y, uint32_t n, bool is_signed)
{
	return bld_not(ge_bits(b, x, y, n, is_signed));
}

bit blk_le(struct bld *b, const bit *x, const bit *y, uint32_t n, bool is_signed)
{
	return ge_bits(b, y, x, n, is_signed);
}

/* AND of the XNORs of x[lo..hi) and y[lo..hi), as a balanced tree. */
static bit eq_range(struct bld *b, const bit *x, const bit *y, uint32_t lo, uint32_t hi)
{
	if (hi - lo == 1)
		return bld_not(bld_xor(b, x[lo], y[lo]));
	uint32_t mid = lo + (hi - lo) / 2;
	bit l = eq_range(b, x, y, lo, mid);
	return bld_and(b, l, eq_range(b, x, y, mid, hi));
}

bit blk_eq(struct bld *b, const bit *x, const bit *y, uint32_t n)
{
	return n ? eq_range(b, x, y, 0, n) : BIT_1;
}

void blk_mux(struct bld *b, bit *out, bit sel, const bit *t, const bit *f, uint32_t n)
{
	for (uint32_t j = 0; j < n; j++)
		out[j] = bld_mux(b, sel, t[j], f[j]);
}

void blk_minmax(struct bld *b, bit *out_min, bit *out_max, const bit *x, const bit *y, uint32_t n,
		bool is_signed)
{
	bit lt = blk_lt(b, x, y, n, is_signed);
	for (uint32_t j = 0; j < n; j++) {
		bit xj = x[j], yj = y[j];
		bit d = bld_and(b, lt, bld_xor(b, xj, yj)); /* x ^ y where x < y, else 0 */
		if (out_min)
			out_min[j] = bld_xor(b, yj, d);
		if (out_max)
			out_max[j] = bld_xor(b, xj, d);
	}
}

/* ---- multiplication ---- */

/* Row 0 of the schoolbook is x * y[0]; row i adds x * y[i] << i into out[i..n), an adder
 * of n - i bits with no carry into bit n: n(n+1)/2 partial products plus
 * sum over i of (n - i - 1) carries = n^2 - n + 1. */
void blk_mul(struct bld *b, bit *out, const bit *x, const bit *y, uint32_t n)
{
	for (uint32_t j = 0; j < n; j++)
		out[j] = bld_and(b, x[j], y[0]);
	for (uint32_t i = 1; i < n; i++) {
		uint32_t w = n - i;
		bit c = BIT_0;
		for (uint32_t j = 0; j < w; j++) {
			bit a = out[i + j], p = bld_and(b, x[j], y[i]);
			bit s = bld_xor(b, bld_xor(b, a, p), c);
			if (j + 1 < w)
				c = carry(b, a, p, c);
			out[i + j] = s;
		}
	}
}

/* ---- division ---- */

/* z[w] = (y[w..n) are all zero), for w = lowest .. n-1, as a chain from the top: n-1-lowest
 * ANDs (z[n-1] = ~y[n-1] is free). */
static void high_zero(struct bld *b, bit *z, const bit *y, uint32_t n, uint32_t lowest)
{
	z[n - 1] = bld_not(y[n - 1]);
	for (uint32_t w = n - 1; w-- > lowest;)
		z[w] = bld_and(b, bld_not(y[w]), z[w + 1]);
}

/* 2-bit q = x / y and r = x % y (y == 0: q = 3, r = x) with the fewest ANDs any circuit
 * has: 4 for q, 3 for r, 5 for both (tests/test_compiler.c searches every circuit). The
 * gates come from a SAT search for 5 ANDs where r needs only g0..g2 and q only g0, g1, g3,
 * g4, so a program that asks for x / y and x % y apart still builds 5 (the builder shares
 * g0 and g1). They have no arithmetic reading; the tests check all 16 pairs. */
static void udivmod2(struct bld *b, bit *q, bit *r, const bit *x, const bit *y)
{
	bit g0 = bld_and(b, y[0], bld_xor(b, x[0], y[1]));
	bit g1 = bld_and(b, bld_xor(b, y[0], y[1]), bld_xor(b, x[1], g0));
	bit t = bld_not(bld_xor(b, x[1], g1)); /* in g2 and g3 */
	bit u = bld_xor(b, y[1], g0);	       /* in g2, r and q0 */
	if (r) {
		bit g2 = bld_and(b, t, u);
		r[0] = bld_xor(b, bld_xor(b, x[0], u), g2);
		r[1] = bld_xor(b, bld_xor(b, bld_xor(b, x[1], u), g1), g2);
	}
	if (q) {
		bit g3 = bld_and(b, t, bld_not(bld_xor(b, y[0], g0)));
		bit g4 = bld_and(b, bld_not(y[1]), bld_not(bld_xor(b, x[1], g3)));
		q[0] = bld_xor(b, bld_xor(b, bld_xor(b, x[1], y[0]), bld_xor(b, u, g3)), g4);
		q[1] = bld_not(bld_xor(b, y[1], g4));
	}
}

/* The first two rows of udivmod_core (n >= 3) from the top two bits of x, y[0..2], z[1]
 * and z[2]: P mod 8 after them in p[0..2], the quotient bit q[n-2] (returned) and, when q
 * is not NULL, q[n-1]. The plain rows take 5 ANDs (1 + 2 carries, 2 signs) for all of it;
 * a SAT search over every input these signals reach found 4 for p and q[n-2], where the
 * remainder stops, and a fifth for q[n-1], so the quotient pays what it did and a program
 * asking for x / y and x % y apart shares the 4. No arithmetic reading; the tests check
 * every pair at small widths. */
static bit udivmod_head(struct bld *b, bit *p, bit *q, const bit *x, const bit *y, const bit *z,
			uint32_t n)
{
	bit xa = x[n - 1], xb = x[n - 2];
	bit g0 = bld_and(b, bld_not(z[1]), bld_xor(b, xa, bld_xor(b, y[0], y[1])));
	bit e = bld_xor(b, bld_xor(b, xa, y[1]), bld_xor(b, z[1], g0)); /* in g1 and g2 */
	bit g1 = bld_and(b, y[0], bld_not(bld_xor(b, xb, e)));
	bit g2 = bld_and(b, bld_xor(b, bld_xor(b, e, y[1]), g1),
			 bld_xor(b, bld_xor(b, xa, y[0]), g1));
	bit f = bld_xor(b, bld_xor(b, e, y[1]), bld_xor(b, z[2], g1)); /* xa^z1^z2^g0^g1 */
	bit g3 = bld_and(b, f, bld_not(g2));
	p[0] = bld_xor(b, xb, y[0]);
	p[1] = bld_xor(b, bld_xor(b, xa, y[0]), bld_xor(b, y[1], g1));
	p[2] = bld_xor(b, bld_xor(b, y[1], y[2]), g2);
	bit qb = bld_xor(b, bld_xor(b, f, z[1]), bld_xor(b, g2, g3));
	if (q) {
		bit u = bld_xor(b, bld_xor(b, y[1], g0), bld_xor(b, g1, g2));
		bit v = bld_xor(b, bld_xor(b, z[1], z[2]), bld_xor(b, g2, g3));
		q[n - 1] = bld_xor(b, z[1], bld_and(b, u, v));
		q[n - 2] = qb;
	}
	return qb;
}

/* Unsigned q = x / y and r = x % y (either may be NULL; neither aliases x or y).
 *
 * Non-restoring division, on rows that grow one bit at a time. After w bits of x (from
 * the top, X = x >> (n - w)) the partial remainder P is X mod y or X mod y - y: it lies in
 * [-y, y) and below 2^w. Each row forms 2P + x_i and subtracts y when P >= 0 (adds ~y + 1),
 * adds y when P < 0; the quotient bit is P' >= 0. A negative P at the end gets y added.
 *
 * A full row is n + 1 bits (n ANDs), but row w needs only w + 1 bits, P mod 2^(w+1): that
 * residue depends only on the previous one mod 2^w and on the previous sign, and when
 * y < 2^w, P lies in (-2^w, 2^w), so the top bit of the residue is its sign. When y >= 2^w,
 * y > X and P = X - y < 0. So the sign is (y >= 2^w) | top bit: one AND with the chain
 * z[w] = (y < 2^w), which is also the quotient bit ~sign = z[w] & ~top.
 *
 * ANDs: row w has w carries; a sign for w < n; z[1..n-1] n-2; the remainder's correction
 * (y & sign, then an add) 2n-1; but rows 1 and 2 with their signs take 4 for the remainder
 * where the plain rows take 5 (udivmod_head). The quotient alone n(n+1)/2 + 2n - 3, the
 * remainder alone n(n+1)/2 + 4n - 5, both n(n+1)/2 + 4n - 4 (n >= 3; 2 bits go to
 * udivmod2): the remainder 63 for n = 8, 651 for n = 32, 2331 for n = 64. y == 0: every P
 * is X >= 0, so q = all ones and r = x. */
static void udivmod_core(struct bld *b, bit *q, bit *r, const bit *x, const bit *y, uint32_t n)
{
	if (n == 2) {
		udivmod2(b, q, r, x, y);
		return;
	}
	bit *mem = scratch(b, 3 * ((size_t)n + 1));
	if (!mem) {
		fill(q, n, BIT_0);
		fill(r, n, BIT_0);
		return;
	}
	bit *p = mem, *a = p + n + 1, *z = a + n + 1;
	if (n >= 2)
		high_zero(b, z, y, n, 1);
	z[n] = BIT_1;
	p[0] = BIT_0; /* P mod 2^(w+1) for w = 0 */
	bit sign = BIT_0;
	uint32_t first = 1;
	if (n >= 3) {
		sign = bld_not(udivmod_head(b, p, q, x, y, z, n));
		first = 3;
	}
	for (uint32_t w = first; w <= n; w++) {
		uint32_t i = n - w;
		a[0] = x[i]; /* 2P + x_i, w + 1 bits */
		for (uint32_t j = 1; j <= w; j++)
			a[j] = p[j - 1];
		bit pos = bld_not(sign); /* P >= 0: add ~y + 1, else add y */
		bit c = pos;
		for (uint32_t j = 0; j <= w; j++) {
			bit v = j < n ? bld_xor(b, y[j], pos) : pos;
			p[j] = bld_xor(b, bld_xor(b, a[j], v), c);
			if (j < w)
				c = carry(b, a[j], v, c);
		}
		bit qbit = bld_and(b, z[w], bld_not(p[w]));
		if (q)
			q[i] = qbit;
		sign = bld_not(qbit);
	}
	if (r) { /* p is all of P now (n + 1 bits): add y back when negative */
		for (uint32_t j = 0; j < n; j++)
			a[j] = bld_and(b, y[j], sign);
		add_bits(b, r, p, a, n, BIT_0, BIT_0, false);
	}
	free(mem);
}

/* Copies x and y first, so q and r may alias them. */
void blk_udivmod(struct bld *b, bit *q, bit *r, const bit *x, const bit *y, uint32_t n)
{
	if (n == 0 || (!q && !r))
		return;
	bit *xy = scratch(b, 2 * (size_t)n);
	if (!xy) {
		fill(q, n, BIT_0);
		fill(r, n, BIT_0);
		return;
	}
	memcpy(xy, x, (size_t)n * sizeof(*xy));
	memcpy(xy + n, y, (size_t)n * sizeof(*xy));
	udivmod_core(b, q, r, xy, xy + n, n);
	free(xy);
}

/* Truncating signed division: |x| / |y|, then q negated when the signs differ and r when
 * x < 0. RISC-V: y == 0 gives q = -1 (the unsigned all-ones left unnegated), r = x;
 * -2^(n-1) / -1 gives q = -2^(n-1), r = 0, which falls out of the unsigned case.
 * Extra ANDs: 2(n-1) for the absolute values, 2(n-1) for the fixes, 1 for (y != 0) on top
 * of the division's own (y < 2) chain. */
void blk_sdivmod(struct bld *b, bit *q, bit *r, const bit *x, const bit *y, uint32_t n)
{
	if (n == 0 || (!q && !r))
		return;
	bit *mem = scratch(b, 5 * (size_t)n);
	if (!mem) {
		fill(q, n, BIT_0);
		fill(r, n, BIT_0);
		return;
	}
	bit *ax = mem, *ay = ax + n, *uq = ay + n, *ur = uq + n, *z = ur + n;
	bit sx = x[n - 1], sy = y[n - 1];
	cond_neg(b, ax, x, sx, n);
	cond_neg(b, ay, y, sy, n);
	udivmod_core(b, q ? uq : NULL, r ? ur : NULL, ax, ay, n);
	if (q) {
		high_zero(b, z, ay, n, 0); /* shares all but one AND with the division's */
		bit sq = bld_and(b, bld_xor(b, sx, sy), bld_not(z[0]));
		cond_neg(b, q, uq, sq, n);
	}
	if (r)
		cond_neg(b, r, ur, sx, n);
	free(mem);
}

/* ---- shifts ---- */

void blk_shl_const(bit *out, const bit *x, uint32_t n, uint64_t k)
{
	for (uint32_t j = n; j-- > 0;)
		out[j] = j >= k ? x[j - k] : BIT_0;
}

void blk_shr_const(bit *out, const bit *x, uint32_t n, uint64_t k, bool arith)
{
	if (n == 0)
		return;
	bit fill_bit = arith ? x[n - 1] : BIT_0;
	for (uint32_t j = 0; j < n; j++)
		out[j] = k < n - j ? x[j + k] : fill_bit;
}

/* The barrel shifter behind blk_shl and blk_shr: stage i shifts by 2^i where amt[i] is
 * set (n ANDs); the amount bits worth n or more are ORed together and, when any is set,
 * the result becomes the fill (0, or the sign for an arithmetic right shift). */
static void barrel(struct bld *b, bit *out, const bit *x, uint32_t n, const bit *amt,
		   uint32_t amt_bits, bool left, bool arith)
{
	if (n == 0)
		return;
	bit *cur = scratch(b, n);
	if (!cur) {
		fill(out, n, BIT_0);
		return;
	}
	memcpy(cur, x, (size_t)n * sizeof(*cur));
	bit fill_bit = arith ? x[n - 1] : BIT_0;
	bit big = BIT_0;
	for (uint32_t i = 0; i < amt_bits; i++) {
		if (i >= 32 || (1ull << i) >= n) {
			big = bld_or(b, big, amt[i]);
			continue;
		}
		uint32_t s = 1u << i;
		if (left) {
			for (uint32_t j = n; j-- > 0;)
				cur[j] = bld_mux(b, amt[i], j >= s ? cur[j - s] : BIT_0, cur[j]);
		} else {
			for (uint32_t j = 0; j < n; j++)
				cur[j] =
				    bld_mux(b, amt[i], s < n - j ? cur[j + s] : fill_bit, cur[j]);
		}
	}
	for (uint32_t j = 0; j < n; j++)
		out[j] = bld_mux(b, big, fill_bit, cur[j]);
	free(cur);
}

void blk_shl(struct bld *b, bit *out, const bit *x, uint32_t n, const bit *amt, uint32_t amt_bits)
{
	barrel(b, out, x, n, amt, amt_bits, true, false);
}

void blk_shr(struct bld *b, bit *out, const bit *x, uint32_t n, const bit *amt, uint32_t amt_bits,
	     bool arith)
{
	barrel(b, out, x, n, amt, amt_bits, false, arith);
}

/* ---- popcount ---- */

/* Bits needed to hold the number n >= 1. */
static uint32_t bit_width(uint32_t n)
{
	uint32_t w = 0;
	while (n) {
		w++;
		n >>= 1;
	}
	return w;
}

/* out (bit_width(n) bits) = the number of set bits of x[0..n), n >= 1. With 2^k <= n <
 * 2^(k+1): count the first 2^k - 1 bits (k bits wide), the next n - 2^k (at most k
 * wide), and add the two with the last bit as carry in: k full or half adders, one AND
 * each. Cost C(n) = C(2^k - 1) + C(n - 2^k) + k = n - popcount(n) (Boyar and Peralta). */
static void pop_rec(struct bld *b, bit *out, const bit *x, uint32_t n)
{
	if (n == 1) {
		out[0] = x[0];
		return;
	}
	uint32_t k = bit_width(n) - 1;
	uint32_t m = (1u << k) - 1, rest = n - (1u << k);
	bit lo[32], hi[32];
	pop_rec(b, lo, x, m);
	uint32_t hw = 0;
	if (rest) {
		pop_rec(b, hi, x + m, rest);
		hw = bit_width(rest);
	}
	bit c = x[n - 1];
	for (uint32_t j = 0; j < k; j++) {
		bit h = j < hw ? hi[j] : BIT_0;
		out[j] = bld_xor(b, bld_xor(b, lo[j], h), c);
		c = carry(b, lo[j], h, c);
	}
	out[k] = c;
}

void blk_popcount(struct bld *b, bit *out, uint32_t out_bits, const bit *x, uint32_t n)
{
	bit sum[33];
	uint32_t w = 0;
	if (n) {
		pop_rec(b, sum, x, n);
		w = bit_width(n);
	}
	for (uint32_t j = 0; j < out_bits; j++)
		out[j] = j < w ? sum[j] : BIT_0;
}

void blk_resize(bit *out, uint32_t m, const bit *x, uint32_t n, bool sign_extend)
{
	if (m <= n) {
		memmove(out, x, (size_t)m * sizeof(*out));
		return;
	}
	bit fill_bit = sign_extend && n ? x[n - 1] : BIT_0;
	memmove(out, x, (size_t)n * sizeof(*out));
	for (uint32_t j = n; j < m; j++)
		out[j] = fill_bit;
}
