/* bigint.c: exact integers for constant folding (struct lang_int).
 *
 * A value is two's complement over n 64-bit limbs, least significant first, kept minimal
 * (no top limb that only repeats the sign). Bitwise operators work on the limbs directly;
 * multiplication and division work on magnitudes (schoolbook, bit-serial long division:
 * plenty for the widths a circuit can have). Every result is a fresh malloc'd limb array. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

static uint64_t ext(const struct lang_int *a, uint64_t i)
{
	if (a->n == 0)
		return 0;
	if (i < a->n)
		return a->w[i];
	return (a->w[a->n - 1] >> 63) ? ~(uint64_t)0 : 0;
}

bool lang_int_is_neg(const struct lang_int *v)
{
	return v->n > 0 && (v->w[v->n - 1] >> 63);
}

bool lang_int_is_zero(const struct lang_int *v)
{
	for (uint32_t i = 0; i < v->n; i++)
		if (v->w[i] != 0)
			return false;
	return true;
}

void lang_int_free(struct lang_int *v)
{
	free(v->w);
	v->w = NULL;
	v->n = 0;
}

/* Takes ownership of w (n limbs), trims it and stores it in r, freeing r's old limbs. */
static int finish(struct lang_int *r, uint64_t *w, uint32_t n)
{
	while (n > 1) {
		uint64_t top = w[n - 1], below = w[n - 2] >> 63;
		if ((top == 0 && below == 0) || (top == ~(uint64_t)0 && below == 1))
			n--;
		else
			break;
	}
	free(r->w);
	r->w = w;
	r->n = n;
	return 0;
}

static uint64_t *limbs(size_t n)
{
	if (n == 0)
		n = 1;
	if (n > ((size_t)1 << 28))
		return NULL;
	return calloc(n, sizeof(uint64_t));
}

int lang_int_set_i64(struct lang_int *r, int64_t v)
{
	uint64_t *w = limbs(1);
	if (w == NULL)
		return -1;
	w[0] = (uint64_t)v;
	return finish(r, w, 1);
}

int lang_int_set_u64(struct lang_int *r, uint64_t v)
{
	uint64_t *w = limbs(2);
	if (w == NULL)
		return -1;
	w[0] = v;
	return finish(r, w, 2);
}

int lang_int_copy(struct lang_int *r, const struct lang_int *a)
{
	uint64_t *w = limbs(a->n);
	if (w == NULL)
		return -1;
	for (uint32_t i = 0; i < a->n; i++)
		w[i] = a->w[i];
	return finish(r, w, a->n ? a->n : 1);
}

static uint32_t max_n(const struct lang_int *a, const struct lang_int *b)
{
	return a->n > b->n ? a->n : b->n;
}

int lang_int_add(struct lang_int *r, const struct lang_int *a, const struct lang_int *b)
{
	uint32_t n = max_n(a, b) + 1;
	uint64_t *w = limbs(n);
	if (w == NULL)
		return -1;
	uint64_t carry = 0;
	for (uint32_t i = 0; i < n; i++) {
		u128 s = (u128)ext(a, i) + ext(b, i) + carry;
		w[i] = (uint64_t)s;
		carry = (uint64_t)(s >> 64);
	}
	return finish(r, w, n);
}

int lang_int_sub(struct lang_int *r, const struct lang_int *a, const struct lang_int *b)
{
	uint32_t n = max_n(a, b) + 1;
	uint64_t *w = limbs(n);
	if (w == NULL)
		return -1;
	uint64_t carry = 1;
	for (uint32_t i = 0; i < n; i++) {
		u128 s = (u128)ext(a, i) + (uint64_t)~ext(b, i) + carry;
		w[i] = (uint64_t)s;
		carry = (uint64_t)(s >> 64);
	}
	return finish(r, w, n);
}

int lang_int_neg(struct lang_int *r, const struct lang_int *a)
{
	struct lang_int zero = {0};
	return lang_int_sub(r, &zero, a);
}

enum bitop { OP_AND, OP_OR, OP_XOR };

static int bitwise(struct lang_int *r, const struct lang_int *a, const struct lang_int *b,
		   enum bitop op)
{
	uint32_t n = max_n(a, b);
	uint64_t *w = limbs(n);
	if (w == NULL)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t x = ext(a, i), y = ext(b, i);
		w[i] = op == OP_AND ? x & y : op == OP_OR ? x | y : x ^ y;
	}
	return finish(r, w, n ? n : 1);
}

int lang_int_and(struct lang_int *r, const struct lang_int *a, const struct lang_int *b)
{
	return bitwise(r, a, b, OP_AND);
}

int lang_int_or(struct lang_int *r, const struct lang_int *a, const struct lang_int *b)
{
	return bitwise(r, a, b, OP_OR);
}

int lang_int_xor(struct lang_int *r, const struct lang_int *a, const struct lang_int *b)
{
	return bitwise(r, a, b, OP_XOR);
}

int lang_int_not(struct lang_int *r, const struct lang_int *a)
{
	uint32_t n = a->n ? a->n : 1;
	uint64_t *w = limbs(n);
	if (w == NULL)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		w[i] = ~ext(a, i);
	return finish(r, w, n);
}

int lang_int_cmp(const struct lang_int *a, const struct lang_int *b)
{
	bool na = lang_int_is_neg(a), nb = lang_int_is_neg(b);
	if (na != nb)
		return na ? -1 : 1;
	for (uint32_t i = max_n(a, b); i-- > 0;) {
		uint64_t x = ext(a, i), y = ext(b, i);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

uint64_t lang_int_bitlen(const struct lang_int *a)
{
	uint64_t fill = lang_int_is_neg(a) ? ~(uint64_t)0 : 0;
	for (uint32_t i = a->n; i-- > 0;) {
		uint64_t x = a->w[i] ^ fill;
		if (x != 0)
			return (uint64_t)i * 64 + 64 - (uint64_t)__builtin_clzll(x);
	}
	return 0;
}

bool lang_int_fits(const struct lang_int *a, uint32_t width, bool is_signed)
{
	if (is_signed)
		return lang_int_bitlen(a) <= (uint64_t)width - 1;
	return !lang_int_is_neg(a) && lang_int_bitlen(a) <= width;
}

int lang_int_wrap(struct lang_int *r, const struct lang_int *a, uint32_t width, bool is_signed)
{
	uint32_t nw = (width + 63) / 64;
	uint64_t *w = limbs((size_t)nw + 1);
	if (w == NULL)
		return -1;
	for (uint32_t i = 0; i < nw; i++)
		w[i] = ext(a, i);
	uint32_t top = width - (nw - 1) * 64; /* bits used in the top limb, 1..64 */
	uint64_t mask = top == 64 ? ~(uint64_t)0 : ((uint64_t)1 << top) - 1;
	bool neg = is_signed && ((w[nw - 1] >> (top - 1)) & 1);
	if (neg) {
		w[nw - 1] |= ~mask;
		w[nw] = ~(uint64_t)0;
	} else {
		w[nw - 1] &= mask;
		w[nw] = 0;
	}
	return finish(r, w, nw + 1);
}

uint64_t lang_int_popcount(const struct lang_int *a, uint32_t width)
{
	uint64_t count = 0;
	uint32_t nw = (width + 63) / 64;
	for (uint32_t i = 0; i < nw; i++) {
		uint64_t x = ext(a, i);
		uint32_t top = width - i * 64;
		if (top < 64)
			x &= ((uint64_t)1 << top) - 1;
		count += (uint64_t)__builtin_popcountll(x);
	}
	return count;
}

int lang_int_shl(struct lang_int *r, const struct lang_int *a, uint64_t k)
{
	uint64_t q = k / 64, s = k % 64;
	uint64_t n = (uint64_t)(a->n ? a->n : 1) + q + 1;
	if (n > UINT32_MAX)
		return -1;
	uint64_t *w = limbs(n);
	if (w == NULL)
		return -1;
	for (uint64_t i = q; i < n; i++) {
		uint64_t lo = ext(a, i - q);
		uint64_t below = i - q > 0 ? ext(a, i - q - 1) : 0;
		w[i] = s == 0 ? lo : (lo << s) | (below >> (64 - s));
	}
	return finish(r, w, (uint32_t)n);
}

int lang_int_sar(struct lang_int *r, const struct lang_int *a, uint64_t k)
{
	uint64_t q = k / 64, s = k % 64;
	uint32_t n = a->n ? a->n : 1;
	uint64_t *w = limbs(n);
	if (w == NULL)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		if (q >= n) {
			w[i] = ext(a, n); /* all sign */
			continue;
		}
		uint64_t lo = ext(a, i + q), hi = ext(a, i + q + 1);
		w[i] = s == 0 ? lo : (lo >> s) | (hi << (64 - s));
	}
	return finish(r, w, n);
}

/* ---- magnitudes: unsigned limb arrays for * / % and text ---- */

/* |a| in *n limbs (at least 1), malloc'd; *neg gets the sign. NULL when out of memory. */
static uint64_t *magnitude(const struct lang_int *a, uint32_t *n, bool *neg)
{
	*neg = lang_int_is_neg(a);
	uint32_t m = a->n ? a->n : 1;
	uint64_t *w = limbs(m);
	if (w == NULL)
		return NULL;
	uint64_t carry = 1;
	for (uint32_t i = 0; i < m; i++) {
		uint64_t x = ext(a, i);
		if (*neg) {
			u128 s = (u128)(uint64_t)~x + carry;
			x = (uint64_t)s;
			carry = (uint64_t)(s >> 64);
		}
		w[i] = x;
	}
	while (m > 1 && w[m - 1] == 0)
		m--;
	*n = m;
	return w;
}

/* r = (neg ? -1 : 1) * mag; takes ownership of mag. */
static int from_magnitude(struct lang_int *r, uint64_t *mag, uint32_t n, bool neg)
{
	uint64_t *w = limbs((size_t)n + 1);
	if (w == NULL) {
		free(mag);
		return -1;
	}
	memcpy(w, mag, sizeof(uint64_t) * n);
	free(mag);
	if (neg) {
		uint64_t carry = 1;
		for (uint32_t i = 0; i <= n; i++) {
			u128 s = (u128)(uint64_t)~w[i] + carry;
			w[i] = (uint64_t)s;
			carry = (uint64_t)(s >> 64);
		}
	}
	return finish(r, w, n + 1);
}

int lang_int_mul(struct lang_int *r, const struct lang_int *a, const struct lang_int *b)
{
	uint32_t na, nb;
	bool sa, sb;
	uint64_t *ma = magnitude(a, &na, &sa);
	uint64_t *mb = magnitude(b, &nb, &sb);
	uint64_t *p = limbs((size_t)na + nb);
	if (ma == NULL || mb == NULL || p == NULL) {
		free(ma);
		free(mb);
		free(p);
		return -1;
	}
	for (uint32_t i = 0; i < na; i++) {
		uint64_t carry = 0;
		for (uint32_t j = 0; j < nb; j++) {
			u128 t = (u128)ma[i] * mb[j] + p[i + j] + carry;
			p[i + j] = (uint64_t)t;
			carry = (uint64_t)(t >> 64);
		}
		p[i + nb] = carry;
	}
	free(ma);
	free(mb);
	return from_magnitude(r, p, na + nb, sa != sb);
}

static int mag_cmp(const uint64_t *a, const uint64_t *b, uint32_t n)
{
	for (uint32_t i = n; i-- > 0;)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* q = a / b, rem = a % b on magnitudes (b nonzero); q has na limbs, rem nb limbs. */
static void mag_divmod(uint64_t *q, uint64_t *rem, const uint64_t *a, uint32_t na,
		       const uint64_t *b, uint32_t nb)
{
	if (nb == 1) {
		u128 rr = 0;
		for (uint32_t i = na; i-- > 0;) {
			u128 cur = (rr << 64) | a[i];
			q[i] = (uint64_t)(cur / b[0]);
			rr = cur % b[0];
		}
		rem[0] = (uint64_t)rr;
		return;
	}
	/* bit-serial: rem = rem * 2 + bit; if rem >= b then rem -= b and set the quotient bit.
	 * rem < 2b fits in nb limbs plus one carry bit. */
	for (uint64_t bit = (uint64_t)na * 64; bit-- > 0;) {
		uint64_t top = rem[nb - 1] >> 63;
		for (uint32_t i = nb; i-- > 1;)
			rem[i] = (rem[i] << 1) | (rem[i - 1] >> 63);
		rem[0] = (rem[0] << 1) | ((a[bit / 64] >> (bit % 64)) & 1);
		if (top || mag_cmp(rem, b, nb) >= 0) {
			uint64_t borrow = 0;
			for (uint32_t i = 0; i < nb; i++) {
				u128 d = (u128)rem[i] - b[i] - borrow;
				rem[i] = (uint64_t)d;
				borrow = (uint64_t)(d >> 64) & 1;
			}
			q[bit / 64] |= (uint64_t)1 << (bit % 64);
		}
	}
}

int lang_int_divmod(struct lang_int *q, struct lang_int *rem, const struct lang_int *a,
		    const struct lang_int *b)
{
	uint32_t na, nb;
	bool sa, sb;
	uint64_t *ma = magnitude(a, &na, &sa);
	uint64_t *mb = magnitude(b, &nb, &sb);
	uint64_t *mq = limbs(na), *mr = limbs(nb);
	if (ma == NULL || mb == NULL || mq == NULL || mr == NULL) {
		free(ma);
		free(mb);
		free(mq);
		free(mr);
		return -1;
	}
	mag_divmod(mq, mr, ma, na, mb, nb);
	free(ma);
	free(mb);
	int err = 0;
	if (q != NULL)
		err |= from_magnitude(q, mq, na, sa != sb);
	else
		free(mq);
	if (rem != NULL)
		err |= from_magnitude(rem, mr, nb, sa);
	else
		free(mr);
	return err ? -1 : 0;
}

/* ---- conversions ---- */

bool lang_int_get_u64(const struct lang_int *v, uint64_t *out)
{
	if (!lang_int_fits(v, 64, false))
		return false;
	*out = ext(v, 0);
	return true;
}

bool lang_int_get_i64(const struct lang_int *v, int64_t *out)
{
	if (!lang_int_fits(v, 64, true))
		return false;
	*out = (int64_t)ext(v, 0);
	return true;
}

void lang_int_to_bits(const struct lang_int *v, uint32_t width, uint64_t *out)
{
	uint32_t nw = (width + 63) / 64;
	for (uint32_t i = 0; i < nw; i++)
		out[i] = ext(v, i);
	uint32_t top = width - (nw - 1) * 64;
	if (nw > 0 && top < 64)
		out[nw - 1] &= ((uint64_t)1 << top) - 1;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

int lang_int_parse(struct lang_int *r, const char *s, size_t n, unsigned base, uint64_t max_bits,
		   bool *too_big)
{
	*too_big = false;
	uint32_t cap = (uint32_t)(max_bits / 64 + 2);
	uint64_t *w = limbs(cap);
	if (w == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int d = digit_value(s[i]);
		if (d >= (int)base)
			continue; /* '_' separators; the scanner admits nothing else */
		uint64_t carry = (uint64_t)d;
		for (uint32_t j = 0; j < cap; j++) {
			u128 t = (u128)w[j] * base + carry;
			w[j] = (uint64_t)t;
			carry = (uint64_t)(t >> 64);
		}
		if (carry != 0 || (w[cap - 1] >> 63)) {
			*too_big = true;
			free(w);
			return 0;
		}
	}
	struct lang_int v = {0};
	if (finish(&v, w, cap) != 0)
		return -1;
	if (lang_int_bitlen(&v) > max_bits) {
		*too_big = true;
		lang_int_free(&v);
		return 0;
	}
	free(r->w);
	*r = v;
	return 0;
}

char *lang_int_format(const struct lang_int *v, char *buf, size_t size)
{
	if (size == 0)
		return buf;
	uint32_t n;
	bool neg;
	uint64_t *m = magnitude(v, &n, &neg);
	size_t cap = (size_t)n * 20 + 2;
	char *digits = malloc(cap);
	if (m == NULL || digits == NULL) {
		free(m);
		free(digits);
		snprintf(buf, size, "?");
		return buf;
	}
	/* digits come out least significant first, 19 at a time */
	size_t nd = 0;
	const uint64_t chunk = 10000000000000000000ull;
	for (;;) {
		u128 rr = 0;
		bool zero = true;
		for (uint32_t i = n; i-- > 0;) {
			u128 cur = (rr << 64) | m[i];
			m[i] = (uint64_t)(cur / chunk);
			rr = cur % chunk;
			zero = zero && m[i] == 0;
		}
		uint64_t part = (uint64_t)rr;
		for (int k = 0; k < 19; k++) {
			digits[nd++] = (char)('0' + part % 10);
			part /= 10;
			if (zero && part == 0)
				break;
		}
		if (zero)
			break;
	}
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	size_t pos = 0;
	if (neg && pos + 1 < size)
		buf[pos++] = '-';
	bool cut = nd + pos >= size;
	size_t keep = cut ? (size > pos + 4 ? size - pos - 4 : 0) : nd;
	for (size_t i = 0; i < keep; i++)
		buf[pos++] = digits[nd - 1 - i];
	if (cut && size >= 4) {
		memcpy(buf + pos, "...", 3);
		pos += 3;
	}
	buf[pos < size ? pos : size - 1] = '\0';
	free(m);
	free(digits);
	return buf;
}
