/* value.c: reading and printing integers of any width (little-endian 64-bit limbs).
 *
 * Text is decimal, 0x hex or 0b binary, with '-' allowed for signed values; the magnitude is
 * built in a buffer one limb wider than the value so overflow is seen, then range-checked
 * against the width and, for a negative value, negated in two's complement.
 */
#include "circuit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

/* v = v * mul + add over n limbs; returns the carry out. */
static uint64_t limbs_muladd(uint64_t *v, size_t n, uint64_t mul, uint64_t add)
{
	u128 carry = add;
	for (size_t i = 0; i < n; i++) {
		carry += (u128)v[i] * mul;
		v[i] = (uint64_t)carry;
		carry >>= 64;
	}
	return (uint64_t)carry;
}

/* Number of significant bits of v (n limbs). */
static uint64_t limbs_bitlen(const uint64_t *v, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (v[i])
			return i * 64 + 64 - (uint64_t)__builtin_clzll(v[i]);
	return 0;
}

/* Is v exactly 2^k? */
static bool limbs_is_pow2(const uint64_t *v, size_t n, uint64_t k)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t want = i == k / 64 ? (uint64_t)1 << (k % 64) : 0;
		if (v[i] != want)
			return false;
	}
	return true;
}

static int digit_value(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return 99;
}

int circ_value_parse(uint64_t *limbs, uint32_t width, bool is_signed, const char *text,
		     struct circ_err *err)
{
	size_t n = circ_limbs(width), nb = n + 1;
	uint64_t *mag = calloc(nb, sizeof(uint64_t));
	const char *p = text;
	bool neg = false;
	int rc = -1;
	if (!mag) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	if (*p == '-') {
		neg = true;
		p++;
	}
	unsigned base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		base = 2;
		p += 2;
	}
	if (*p == '\0') {
		snprintf(err->msg, sizeof(err->msg), "'%.64s' is not a number", text);
		goto out;
	}
	for (; *p; p++) {
		if (*p == '_')
			continue; /* 1_000_000 */
		int d = digit_value((unsigned char)*p);
		if (d >= (int)base) {
			snprintf(err->msg, sizeof(err->msg), "'%.64s' is not a number", text);
			goto out;
		}
		if (limbs_muladd(mag, nb, base, (uint64_t)d) != 0 || mag[nb - 1] != 0) {
			snprintf(err->msg, sizeof(err->msg), "%.64s%s does not fit in %s%u", text,
				 strlen(text) > 64 ? "..." : "", is_signed ? "i" : "u", width);
			goto out;
		}
	}
	uint64_t bits = limbs_bitlen(mag, nb);
	bool fits;
	if (neg && !is_signed)
		fits = bits == 0;
	else if (!is_signed)
		fits = bits <= width;
	else if (!neg)
		fits = bits <= width - 1;
	else
		fits = bits <= width - 1 || (bits == width && limbs_is_pow2(mag, nb, width - 1));
	if (!fits) {
		if (neg && !is_signed)
			snprintf(err->msg, sizeof(err->msg),
				 "%.64s is negative, but the value is unsigned", text);
		else
			snprintf(err->msg, sizeof(err->msg), "%.64s%s does not fit in %s%u", text,
				 strlen(text) > 64 ? "..." : "", is_signed ? "i" : "u", width);
		goto out;
	}
	if (neg) { /* two's complement: ~mag + 1 */
		for (size_t i = 0; i < nb; i++)
			mag[i] = ~mag[i];
		limbs_muladd(mag, nb, 1, 1);
	}
	memcpy(limbs, mag, n * sizeof(uint64_t));
	if (width % 64)
		limbs[n - 1] &= ((uint64_t)1 << (width % 64)) - 1;
	rc = 0;
out:
	free(mag);
	return rc;
}

char *circ_value_format(char *buf, size_t buflen, const uint64_t *limbs, uint32_t width,
			bool is_signed, bool hex)
{
	size_t n = circ_limbs(width);
	uint64_t top_mask = width % 64 ? ((uint64_t)1 << (width % 64)) - 1 : ~(uint64_t)0;
	if (buflen == 0)
		return buf;
	if (width <= 64 && !hex) {
		uint64_t v = limbs[0] & top_mask;
		if (is_signed && (v >> (width - 1)) & 1) {
			uint64_t mag = (~v & top_mask) + 1; /* |v| */
			snprintf(buf, buflen, "-%llu", (unsigned long long)mag);
		} else {
			snprintf(buf, buflen, "%llu", (unsigned long long)v);
		}
		return buf;
	}
	size_t o = 0;
	bool started = false;
	if (buflen < 4) {
		buf[0] = '\0';
		return buf;
	}
	buf[o++] = '0';
	buf[o++] = 'x';
	for (size_t i = n; i-- > 0;) {
		uint64_t v = i == n - 1 ? limbs[i] & top_mask : limbs[i];
		for (int s = 60; s >= 0; s -= 4) {
			unsigned d = (unsigned)(v >> s) & 15;
			if (!started && d == 0)
				continue;
			started = true;
			if (o + 1 < buflen)
				buf[o++] = "0123456789abcdef"[d];
		}
	}
	if (!started)
		buf[o++] = '0';
	buf[o] = '\0';
	return buf;
}
