/* blocks.h (internal to compiler/): the gate builder and the arithmetic building blocks.
 *
 * The builder is an XOR-AND graph with complemented edges: a `bit` is a literal,
 * node * 2 + negated, so NOT costs nothing and is folded away. BIT_0 and BIT_1 are the
 * constants. Every constructor folds constants (x & 0 = 0, x ^ 1 = ~x), simplifies
 * (x & x = x, x & ~x = 0, x ^ x = 0) and hashes structurally (the same gate over the same
 * inputs, in either order, is built once). So lowering can be naive and stay small.
 *
 * bld_finish() then keeps only what the outputs need (dead-gate removal), orders gates
 * to keep few wires alive, materialises negations as NOT gates and constants as CONST
 * gates, and appends the gates and outputs to a circ_circuit whose parties and inputs
 * the caller has already declared.
 *
 * Words are plain arrays of bits, least significant first; the caller owns them. Every
 * block states its AND count for n-bit operands; tests hold them to it.
 */
#ifndef MPCC_BLOCKS_H
#define MPCC_BLOCKS_H

#include <stdbool.h>
#include <stdint.h>

#include "circuit.h"

typedef uint32_t bit;
enum { BIT_0 = 0, BIT_1 = 1 };

struct bld;

struct bld *bld_new(void); /* NULL when out of memory */
void bld_free(struct bld *b); /* NULL is a no-op */
/* True once an allocation failed; every constructor then returns BIT_0. */
bool bld_failed(const struct bld *b);
/* Marks the builder failed (a block could not get scratch memory); bld_finish then fails. */
void bld_fail(struct bld *b);

/* The literal of circuit input wire w (w < c->nin_bits of the circuit given to finish). */
bit bld_input(struct bld *b, uint32_t wire);
static inline bit bld_not(bit x)
{
	return x ^ 1u;
}
bit bld_and(struct bld *b, bit x, bit y);
bit bld_xor(struct bld *b, bit x, bit y);
bit bld_or(struct bld *b, bit x, bit y);                /* 1 AND */
bit bld_mux(struct bld *b, bit sel, bit t, bit f);      /* sel ? t : f, 1 AND */
/* ANDs the builder holds now (after folding and hashing, before dead-gate removal). */
uint64_t bld_and_count(const struct bld *b);
/* Nodes (inputs, ANDs, XORs, the constant) the builder holds now. */
uint64_t bld_node_count(const struct bld *b);

/* Declares an output; its bits are copied. Returns 0, or -1 when out of memory. */
int bld_output(struct bld *b, const char *name, uint32_t width, uint32_t flags, uint32_t to,
	       const bit *bits);
/* Appends the live gates and the declared outputs to c (parties and inputs already there,
 * no gates yet). Returns 0, or -1 with a message. Call it once, last: it releases the
 * builder's hash table, so nothing more can be built (only bld_free). */
int bld_finish(struct bld *b, struct circ_circuit *c, struct circ_err *err);

/* ---- words (n >= 1 bits; out may alias an input unless noted) ---- */

void blk_const(bit *out, uint32_t n, const uint64_t *limbs); /* 0 ANDs */
void blk_add(struct bld *b, bit *out, const bit *x, const bit *y, uint32_t n); /* n-1 */
void blk_sub(struct bld *b, bit *out, const bit *x, const bit *y, uint32_t n); /* n-1 */
void blk_neg(struct bld *b, bit *out, const bit *x, uint32_t n);               /* n-2 */
/* out = x * y mod 2^n: n^2 - n + 1 ANDs at most. out must not alias. */
void blk_mul(struct bld *b, bit *out, const bit *x, const bit *y, uint32_t n);
/* Unsigned division: q = x / y, r = x % y; y == 0 gives q = all ones, r = x. Either q or
 * r may be NULL. n = 1: 1 AND. n = 2: 4 for q, 3 for r, 5 for both, the least any circuit
 * takes (so both are over n^2 = 4 in every circuit). n >= 3: q alone n(n+1)/2 + 2n - 3,
 * <= n^2; r alone n(n+1)/2 + 4n - 5, <= n^2 from n = 8 on but over it by 4, 5, 5, 4, 2 for
 * n = 3 .. 7; q and r n(n+1)/2 + 4n - 4, one more. Calls for q alone and for r alone on
 * the same operands share their gates, so a program asking for both pays for both once. */
void blk_udivmod(struct bld *b, bit *q, bit *r, const bit *x, const bit *y, uint32_t n);
/* Signed (truncating) division, RISC-V semantics for y == 0 and overflow. <= n^2 + 9n. */
void blk_sdivmod(struct bld *b, bit *q, bit *r, const bit *x, const bit *y, uint32_t n);
bit blk_eq(struct bld *b, const bit *x, const bit *y, uint32_t n); /* n-1 */
bit blk_lt(struct bld *b, const bit *x, const bit *y, uint32_t n, bool is_signed); /* n */
bit blk_le(struct bld *b, const bit *x, const bit *y, uint32_t n, bool is_signed); /* n */
void blk_mux(struct bld *b, bit *out, bit sel, const bit *t, const bit *f, uint32_t n); /* n */
/* Both out_min and out_max from one comparison: n + n ANDs. */
void blk_minmax(struct bld *b, bit *out_min, bit *out_max, const bit *x, const bit *y, uint32_t n,
		bool is_signed);
/* Shifts: by a constant 0 ANDs; by a secret amount (amt_bits wide) a barrel shifter. */
void blk_shl_const(bit *out, const bit *x, uint32_t n, uint64_t k);
void blk_shr_const(bit *out, const bit *x, uint32_t n, uint64_t k, bool arith);
void blk_shl(struct bld *b, bit *out, const bit *x, uint32_t n, const bit *amt, uint32_t amt_bits);
void blk_shr(struct bld *b, bit *out, const bit *x, uint32_t n, const bit *amt, uint32_t amt_bits,
	     bool arith);
/* out (out_bits wide) = number of set bits of x: n - popcount(n) ANDs. */
void blk_popcount(struct bld *b, bit *out, uint32_t out_bits, const bit *x, uint32_t n);
/* Zero- or sign-extension, or truncation, to m bits: 0 ANDs. */
void blk_resize(bit *out, uint32_t m, const bit *x, uint32_t n, bool sign_extend);

#endif
