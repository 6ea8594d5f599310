/* test_compiler.c: the gate builder and the arithmetic blocks (compiler/blocks.h).
 *
 * Builder: folding, structural hashing, the one-level identities, dead-gate removal, the
 * gate order's peak of live wires, NOT and CONST gates, and bld_finish's errors.
 * Blocks: every block at widths 1, 2, 7, 8, 32, 64, 65 and 128, signed and unsigned, on
 * random inputs from a fixed seed (edge values mixed in), 64 lanes at a time through
 * circ_eval64, against C arithmetic on unsigned __int128; and the AND count of each, on
 * fresh secret inputs after bld_finish, against the table in blocks.c. Division also at
 * every width from 1 to 64, exhaustively up to 6 bits, and a search over all circuits of
 * up to 5 ANDs showing that 2-bit division with remainder cannot take n^2 = 4 and that
 * blk_udivmod's 2-bit circuits are as small as any. Every finished circuit must pass
 * circ_validate.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "blocks.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

static const uint32_t widths[] = {1, 2, 7, 8, 32, 64, 65, 128};

/* ---- random values ---- */

static uint64_t rng_state = 0x2545f4914f6cdd1du;
static uint64_t rnd(void) /* splitmix64, fixed seed: runs repeat */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static u128 mask(uint32_t n)
{
	return n >= 128 ? ~(u128)0 : ((u128)1 << n) - 1;
}

static i128 sext(u128 v, uint32_t n)
{
	u128 sign = (u128)1 << (n - 1);
	v &= mask(n);
	return (i128)((v ^ sign) - sign);
}

/* A value of n bits: mostly uniform, sometimes an edge (0, 1, all ones, the sign bit alone,
 * a short number). */
static u128 rnd_value(uint32_t n)
{
	u128 v = (u128)rnd() << 64 | rnd();
	switch (rnd() % 10) {
	case 0:
		v = 0;
		break;
	case 1:
		v = 1;
		break;
	case 2:
		v = ~(u128)0;
		break;
	case 3:
		v = (u128)1 << (n - 1);
		break;
	case 4:
		v &= mask((uint32_t)(rnd() % n) + 1);
		break;
	default:
		break;
	}
	return v & mask(n);
}

/* ---- building and running circuits ---- */

enum { MAX_IO = 8, LANES = 64 };

/* A circuit under construction: parties a and b, inputs in0, in1, ... (each of width[k]
 * bits, party k % 2), their literals in[k]. */
struct run {
	struct circ_circuit *c;
	struct bld *b;
	uint32_t nin;
	uint32_t width[MAX_IO];
	bit *in[MAX_IO];
};

static void run_begin(struct run *r, const uint32_t *width, uint32_t nin, bool is_signed)
{
	memset(r, 0, sizeof(*r));
	r->c = circ_new();
	r->b = bld_new();
	cr_assert(r->c && r->b);
	cr_assert(circ_add_party(r->c, "a") == 0 && circ_add_party(r->c, "b") == 1);
	r->nin = nin;
	for (uint32_t k = 0; k < nin; k++) {
		char name[16];
		snprintf(name, sizeof(name), "in%u", k);
		int64_t idx =
		    circ_add_input(r->c, name, width[k], is_signed ? CIRC_SIGNED : 0, k % 2);
		cr_assert(idx == k);
		r->width[k] = width[k];
		r->in[k] = malloc(width[k] * sizeof(bit));
		cr_assert(r->in[k]);
		for (uint32_t j = 0; j < width[k]; j++)
			r->in[k][j] = bld_input(r->b, r->c->inputs[k].first + j);
	}
}

static void run_output(struct run *r, const char *name, uint32_t width, const bit *bits)
{
	cr_assert(bld_output(r->b, name, width, 0, CIRC_ALL, bits) == 0);
}

/* Finishes the circuit (it must validate) and frees the builder. */
static void run_finish(struct run *r)
{
	struct circ_err err = {{0}};
	int rc = bld_finish(r->b, r->c, &err);
	cr_assert(rc == 0, "bld_finish: %s", err.msg);
	rc = circ_validate(r->c, &err);
	cr_assert(rc == 0, "circ_validate: %s", err.msg);
	bld_free(r->b);
	r->b = NULL;
}

static void run_end(struct run *r)
{
	for (uint32_t k = 0; k < r->nin; k++)
		free(r->in[k]);
	bld_free(r->b);
	circ_free(r->c);
}

static uint64_t count_kind(const struct circ_circuit *c, enum circ_gate_kind kind)
{
	uint64_t n = 0;
	for (uint64_t g = 0; g < c->ngates; g++)
		n += c->gates[g].kind == kind;
	return n;
}

/* Evaluates 64 lanes: in[k][l] is input k in lane l, out[k][l] receives output k (its low
 * 128 bits). */
static void run_eval(const struct circ_circuit *c, u128 in[][LANES], u128 out[][LANES])
{
	uint64_t *iw = calloc(c->nin_bits + 1, 8), *ow = calloc(c->nout_bits + 1, 8);
	uint64_t *wires = calloc(circ_nwires(c) + 1, 8);
	cr_assert(iw && ow && wires);
	for (uint32_t k = 0; k < c->ninputs; k++)
		for (uint32_t j = 0; j < c->inputs[k].width; j++)
			for (int l = 0; l < LANES; l++)
				iw[c->inputs[k].first + j] |= (uint64_t)((in[k][l] >> j) & 1) << l;
	circ_eval64(c, iw, ow, wires);
	for (uint32_t k = 0; k < c->noutputs; k++)
		for (int l = 0; l < LANES; l++) {
			out[k][l] = 0;
			for (uint32_t j = 0; j < c->outputs[k].width && j < 128; j++)
				out[k][l] |= (u128)((ow[c->outputs[k].first + j] >> l) & 1) << j;
		}
	free(iw);
	free(ow);
	free(wires);
}

static void hex128(char buf[40], u128 v)
{
	snprintf(buf, 40, "0x%016llx%016llx", (unsigned long long)(v >> 64), (unsigned long long)v);
}

/* ---- the builder ---- */

TestSuite(compiler, .timeout = 120);

Test(compiler, folds_constants_and_trivial_gates)
{
	struct bld *b = bld_new();
	cr_assert(b);
	bit x = bld_input(b, 0), y = bld_input(b, 1);
	cr_assert(x != y && x > BIT_1 && y > BIT_1);
	cr_assert_eq(bld_and(b, x, BIT_0), BIT_0);
	cr_assert_eq(bld_and(b, BIT_0, x), BIT_0);
	cr_assert_eq(bld_and(b, x, BIT_1), x);
	cr_assert_eq(bld_and(b, x, x), x);
	cr_assert_eq(bld_and(b, x, bld_not(x)), BIT_0);
	cr_assert_eq(bld_xor(b, x, x), BIT_0);
	cr_assert_eq(bld_xor(b, x, bld_not(x)), BIT_1);
	cr_assert_eq(bld_xor(b, x, BIT_0), x);
	cr_assert_eq(bld_xor(b, x, BIT_1), bld_not(x));
	cr_assert_eq(bld_xor(b, BIT_1, BIT_1), BIT_0);
	cr_assert_eq(bld_or(b, x, BIT_1), BIT_1);
	cr_assert_eq(bld_or(b, x, BIT_0), x);
	cr_assert_eq(bld_or(b, x, bld_not(x)), BIT_1);
	cr_assert_eq(bld_mux(b, BIT_1, x, y), x);
	cr_assert_eq(bld_mux(b, BIT_0, x, y), y);
	cr_assert_eq(bld_mux(b, y, x, x), x);
	cr_assert_eq(bld_mux(b, y, BIT_1, BIT_0), y);
	cr_assert_eq(bld_not(bld_not(x)), x);
	cr_assert_eq(bld_and_count(b), 0, "folding made an AND");
	cr_assert(!bld_failed(b));
	bld_free(b);
}

Test(compiler, hashes_gates_in_either_order)
{
	struct bld *b = bld_new();
	cr_assert(b);
	bit x = bld_input(b, 0), y = bld_input(b, 1);
	cr_assert_eq(bld_input(b, 0), x, "an input wire is one node");
	bit a = bld_and(b, x, y);
	cr_assert_eq(bld_and(b, x, y), a);
	cr_assert_eq(bld_and(b, y, x), a);
	cr_assert_eq(bld_and_count(b), 1);
	bit na = bld_and(b, bld_not(x), y);
	cr_assert(na != a && na != bld_not(a));
	cr_assert_eq(bld_and(b, y, bld_not(x)), na);
	cr_assert_eq(bld_and_count(b), 2);
	bit o = bld_or(b, x, y);
	cr_assert_eq(bld_or(b, y, x), o);
	cr_assert_eq(bld_and_count(b), 3);
	uint64_t nodes = bld_node_count(b);
	bit s = bld_xor(b, x, y);
	cr_assert_eq(bld_xor(b, y, x), s);
	cr_assert_eq(bld_xor(b, bld_not(x), y), bld_not(s), "NOT is pulled out of XOR");
	cr_assert_eq(bld_xor(b, bld_not(y), bld_not(x)), s);
	cr_assert_eq(bld_node_count(b), nodes + 1);
	bld_free(b);
}

/* Many gates sharing their newer operand overflow its neighbourhood of the hash table;
 * they must still be found again. */
Test(compiler, hashes_gates_with_a_shared_operand)
{
	enum { K = 20000 };
	struct bld *b = bld_new();
	cr_assert(b);
	bit *x = malloc(K * sizeof(bit)), *g = malloc(K * sizeof(bit));
	cr_assert(x && g);
	for (uint32_t k = 0; k < K; k++)
		x[k] = bld_input(b, k);
	bit s = bld_xor(b, x[0], x[1]); /* newer than every x */
	for (uint32_t k = 2; k < K; k++)
		g[k] = bld_and(b, s, x[k]);
	cr_assert_eq(bld_and_count(b), K - 2);
	for (uint32_t k = K; k-- > 2;) {
		cr_assert_eq(bld_and(b, x[k], s), g[k], "k=%u", k);
		cr_assert_eq(bld_input(b, k), x[k]);
	}
	cr_assert_eq(bld_and_count(b), K - 2);
	cr_assert_eq(bld_node_count(b), 1 + K + 1 + (K - 2));
	free(x);
	free(g);
	bld_free(b);
}

Test(compiler, applies_one_level_identities)
{
	struct bld *b = bld_new();
	cr_assert(b);
	bit x = bld_input(b, 0), y = bld_input(b, 1);
	bit a = bld_and(b, x, y), s = bld_xor(b, x, y);
	cr_assert_eq(bld_and(b, x, a), a, "x & (x & y) = x & y");
	cr_assert_eq(bld_and(b, a, y), a);
	cr_assert_eq(bld_and(b, bld_not(x), a), BIT_0, "~x & (x & y) = 0");
	cr_assert_eq(bld_and(b, bld_not(x), bld_not(a)), bld_not(x), "~x & ~(x & y) = ~x");
	cr_assert_eq(bld_xor(b, x, s), y, "x ^ (x ^ y) = y");
	cr_assert_eq(bld_xor(b, bld_not(s), y), bld_not(x));
	cr_assert_eq(bld_and_count(b), 1);
	bit d = bld_and(b, x, bld_not(a)); /* x & ~(x & y) = x ^ (x & y): no new AND */
	cr_assert_eq(bld_and_count(b), 1);
	cr_assert_eq(bld_xor(b, d, x), a);
	bld_free(b);
}

Test(compiler, removes_dead_gates)
{
	struct run r;
	uint32_t w[2] = {32, 32};
	run_begin(&r, w, 2, false);
	bit sum[32], prod[32];
	blk_add(r.b, sum, r.in[0], r.in[1], 32);
	blk_mul(r.b, prod, r.in[0], r.in[1], 32);
	cr_assert(bld_and_count(r.b) > 900);
	run_output(&r, "x", 32, r.in[0]);
	run_output(&r, "low", 1, prod); /* bit 0 of the product: one AND */
	run_finish(&r);
	cr_assert_eq(r.c->ngates, 1, "only x0 & y0 is live, got %llu gates",
		     (unsigned long long)r.c->ngates);
	cr_assert_eq(count_kind(r.c, GATE_AND), 1);
	for (uint32_t k = 0; k < 32; k++)
		cr_assert_eq(r.c->output_wires[k], k, "outputs name the input wires");
	run_end(&r);
}

Test(compiler, nothing_live_leaves_no_gates)
{
	struct run r;
	uint32_t w[2] = {16, 16};
	run_begin(&r, w, 2, false);
	bit q[16];
	blk_udivmod(r.b, q, NULL, r.in[0], r.in[1], 16);
	bit e = blk_eq(r.b, r.in[0], r.in[0], 16);
	run_output(&r, "e", 1, &e);
	run_finish(&r);
	cr_assert_eq(r.c->ngates, 1, "x == x folds to one CONST gate");
	cr_assert_eq(r.c->gates[0].kind, GATE_CONST);
	cr_assert_eq(r.c->gates[0].a, 1);
	run_end(&r);
}

Test(compiler, materialises_not_and_const_once)
{
	struct run r;
	uint32_t w[2] = {2, 1};
	run_begin(&r, w, 2, false);
	bit x0 = r.in[0][0], x1 = r.in[0][1], y = r.in[1][0];
	bit nand = bld_not(bld_and(r.b, x0, x1));
	bit g = bld_and(r.b, bld_not(x0), y); /* needs ~x0 as a wire */
	bit outs[] = {bld_not(x0), bld_not(x0), BIT_1, BIT_0, x0, nand, BIT_1, g, x1};
	run_output(&r, "o", ARRAY_LEN(outs), outs);
	run_finish(&r);
	cr_assert_eq(count_kind(r.c, GATE_NOT), 2, "one NOT for ~x0, one for the NAND");
	cr_assert_eq(count_kind(r.c, GATE_CONST), 2, "one CONST per constant");
	cr_assert_eq(count_kind(r.c, GATE_AND), 2);
	u128 in[2][LANES], out[1][LANES];
	for (int l = 0; l < LANES; l++) {
		in[0][l] = l & 3;
		in[1][l] = (l >> 2) & 1;
	}
	run_eval(r.c, in, out);
	for (int l = 0; l < LANES; l++) {
		unsigned a0 = l & 1, a1 = (l >> 1) & 1, b0 = (l >> 2) & 1;
		unsigned want[] = {!a0, !a0, 1, 0, a0, !(a0 & a1), 1, (!a0) & b0, a1};
		for (unsigned k = 0; k < ARRAY_LEN(want); k++)
			cr_assert_eq((unsigned)(out[0][l] >> k) & 1, want[k], "lane %d bit %u", l,
				     k);
	}
	run_end(&r);
}

Test(compiler, keeps_few_wires_live_on_a_long_chain)
{
	enum { N = 32, STEPS = 400 };
	struct run r;
	uint32_t w[2] = {N, N};
	run_begin(&r, w, 2, false);
	bit acc[N], t[N];
	memcpy(acc, r.in[0], sizeof(acc));
	for (int i = 0; i < STEPS; i++) {
		blk_mul(r.b, t, acc, r.in[1], N);
		blk_add(r.b, acc, t, r.in[0], N);
	}
	run_output(&r, "acc", N, acc);
	run_finish(&r);
	struct circ_stats st;
	struct circ_err err;
	cr_assert(circ_compute_stats(r.c, &st, &err) == 0, "%s", err.msg);
	cr_assert(st.ngates > 100000);
	cr_assert(st.peak_live <= 8 * N, "peak live %llu wires for %llu gates",
		  (unsigned long long)st.peak_live, (unsigned long long)st.ngates);
	/* and it still computes the chain */
	u128 in[2][LANES], out[1][LANES];
	for (int l = 0; l < LANES; l++) {
		in[0][l] = rnd_value(N);
		in[1][l] = rnd_value(N);
	}
	run_eval(r.c, in, out);
	for (int l = 0; l < LANES; l++) {
		uint32_t a = (uint32_t)in[0][l], m = (uint32_t)in[1][l], v = a;
		for (int i = 0; i < STEPS; i++)
			v = v * m + a;
		cr_assert_eq((uint32_t)out[0][l], v, "lane %d", l);
	}
	run_end(&r);
}

Test(compiler, finish_rejects_what_it_cannot_build)
{
	struct circ_err err = {{0}};
	/* an input wire the circuit does not have */
	struct run r;
	uint32_t w[1] = {4};
	run_begin(&r, w, 1, false);
	bit stray = bld_input(r.b, 9);
	bit o = bld_and(r.b, stray, r.in[0][0]);
	run_output(&r, "o", 1, &o);
	cr_assert_eq(bld_finish(r.b, r.c, &err), -1);
	cr_assert(strstr(err.msg, "input") != NULL, "%s", err.msg);
	cr_assert_eq(bld_finish(r.b, r.c, &err), -1, "a second finish fails");
	cr_assert_eq(bld_output(r.b, "late", 1, 0, CIRC_ALL, r.in[0]), -1,
		     "no outputs after finish");
	cr_assert_eq(bld_and(r.b, r.in[0][1], r.in[0][2]), BIT_0, "no gates after finish");
	run_end(&r);

	/* a wire number past every limit fails the builder, and finish says so */
	run_begin(&r, w, 1, false);
	cr_assert_eq(bld_input(r.b, CIRC_MAX_WIRES), BIT_0);
	cr_assert(bld_failed(r.b));
	cr_assert_eq(bld_and(r.b, r.in[0][0], r.in[0][1]), BIT_0, "a failed builder makes nothing");
	cr_assert_eq(bld_finish(r.b, r.c, &err), -1);
	run_end(&r);

	/* a literal the builder never made */
	run_begin(&r, w, 1, false);
	bit bogus = (bit)(bld_node_count(r.b) + 100) * 2;
	cr_assert_eq(bld_output(r.b, "bogus", 1, 0, CIRC_ALL, &bogus), -1);
	cr_assert_eq(bld_xor(r.b, bogus, r.in[0][0]), BIT_0);
	cr_assert(bld_failed(r.b));
	run_end(&r);

	/* a circuit that already has gates */
	run_begin(&r, w, 1, false);
	cr_assert(circ_add_gate(r.c, GATE_XOR, 0, 1) >= 0);
	cr_assert_eq(bld_finish(r.b, r.c, &err), -1);
	run_end(&r);
}

Test(compiler, output_may_repeat_and_mix_wires)
{
	struct run r;
	uint32_t w[2] = {8, 8};
	run_begin(&r, w, 2, true);
	bit sum[8];
	blk_add(r.b, sum, r.in[0], r.in[1], 8);
	run_output(&r, "s", 8, sum);
	run_output(&r, "again", 8, sum);
	bit mixed[4] = {sum[0], r.in[1][3], BIT_1, bld_not(sum[7])};
	cr_assert(bld_output(r.b, "m", 4, CIRC_SIGNED, 1, mixed) == 0);
	run_finish(&r);
	cr_assert_eq(r.c->noutputs, 3);
	cr_assert_eq(r.c->outputs[2].to, 1);
	cr_assert_eq(r.c->outputs[2].flags, CIRC_SIGNED);
	u128 in[2][LANES], out[3][LANES];
	for (int l = 0; l < LANES; l++) {
		in[0][l] = rnd_value(8);
		in[1][l] = rnd_value(8);
	}
	run_eval(r.c, in, out);
	for (int l = 0; l < LANES; l++) {
		unsigned s = (unsigned)(in[0][l] + in[1][l]) & 0xff;
		unsigned m = (s & 1) | (unsigned)((in[1][l] >> 3) & 1) << 1 | 4 | (!(s >> 7)) << 3;
		cr_assert_eq((unsigned)out[0][l], s);
		cr_assert_eq((unsigned)out[1][l], s);
		cr_assert_eq((unsigned)out[2][l], m, "lane %d", l);
	}
	run_end(&r);
}

/* ---- the blocks ---- */

enum op {
	OP_ADD,
	OP_SUB,
	OP_NEG,
	OP_MUL,
	OP_DIV,
	OP_MOD,
	OP_DIVMOD,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_EQ,
	OP_MUX,
	OP_MINMAX,
	OP_SHL,
	OP_SHR,
	OP_POPCOUNT,
};

static const char *const op_names[] = {
    "add", "sub", "neg", "mul", "div",	  "mod", "divmod", "lt",
    "le",  "gt",  "eq",	 "mux", "minmax", "shl", "shr",	   "popcount",
};

static uint32_t bit_width(uint32_t n)
{
	uint32_t w = 0;
	for (; n; n >>= 1)
		w++;
	return w;
}

/* Bits of the secret shift amount: enough to reach past n, so both sides get tested. */
static uint32_t amount_bits(uint32_t n)
{
	return bit_width(n) + 1;
}

/* Builds op on inputs x = in0, y = in1 (n bits) and s = in2 (16 bits: a select bit or a
 * shift amount); declares its outputs. */
static void build_op(struct run *r, enum op op, uint32_t n, bool sg)
{
	struct bld *b = r->b;
	const bit *x = r->in[0], *y = r->in[1], *s = r->in[2];
	bit *o1 = calloc(n + 1, sizeof(bit)), *o2 = calloc(n + 1, sizeof(bit));
	cr_assert(o1 && o2);
	bit one;
	switch (op) {
	case OP_ADD:
		blk_add(b, o1, x, y, n);
		break;
	case OP_SUB:
		blk_sub(b, o1, x, y, n);
		break;
	case OP_NEG:
		blk_neg(b, o1, x, n);
		break;
	case OP_MUL:
		blk_mul(b, o1, x, y, n);
		break;
	case OP_DIV:
		(sg ? blk_sdivmod : blk_udivmod)(b, o1, NULL, x, y, n);
		break;
	case OP_MOD:
		(sg ? blk_sdivmod : blk_udivmod)(b, NULL, o1, x, y, n);
		break;
	case OP_DIVMOD:
		(sg ? blk_sdivmod : blk_udivmod)(b, o1, o2, x, y, n);
		run_output(r, "r", n, o2);
		break;
	case OP_LT:
		one = blk_lt(b, x, y, n, sg);
		run_output(r, "o", 1, &one);
		break;
	case OP_LE:
		one = blk_le(b, x, y, n, sg);
		run_output(r, "o", 1, &one);
		break;
	case OP_GT:
		one = blk_lt(b, y, x, n, sg);
		run_output(r, "o", 1, &one);
		break;
	case OP_EQ:
		one = blk_eq(b, x, y, n);
		run_output(r, "o", 1, &one);
		break;
	case OP_MUX:
		blk_mux(b, o1, s[0], x, y, n);
		break;
	case OP_MINMAX:
		blk_minmax(b, o1, o2, x, y, n, sg);
		run_output(r, "max", n, o2);
		break;
	case OP_SHL:
		blk_shl(b, o1, x, n, s, amount_bits(n));
		break;
	case OP_SHR:
		blk_shr(b, o1, x, n, s, amount_bits(n), sg);
		break;
	case OP_POPCOUNT:
		blk_popcount(b, o1, bit_width(n), x, n);
		run_output(r, "o", bit_width(n), o1);
		break;
	}
	bool one_bit =
	    op == OP_LT || op == OP_LE || op == OP_GT || op == OP_EQ || op == OP_POPCOUNT;
	if (!one_bit)
		run_output(r, "q", n, o1);
	free(o1);
	free(o2);
}

/* The reference: out[0] (and out[1]) for inputs x, y, s, as the circuit's outputs come. */
static void ref_op(enum op op, uint32_t n, bool sg, u128 x, u128 y, u128 s, u128 out[2])
{
	u128 m = mask(n);
	i128 sx = sext(x, n), sy = sext(y, n);
	bool lt = sg ? sx < sy : x < y;
	uint32_t amt = (uint32_t)(s & mask(amount_bits(n)));
	out[1] = 0;
	switch (op) {
	case OP_ADD:
		out[0] = x + y;
		break;
	case OP_SUB:
		out[0] = x - y;
		break;
	case OP_NEG:
		out[0] = -x;
		break;
	case OP_MUL:
		out[0] = x * y;
		break;
	case OP_DIV:
	case OP_MOD:
	case OP_DIVMOD:
		if (y == 0) { /* RISC-V: q = -1, r = x */
			out[0] = m;
			out[1] = x;
		} else if (!sg) {
			out[0] = x / y;
			out[1] = x % y;
		} else if (sy == -1) { /* also covers the overflow of the most negative x */
			out[0] = -x;
			out[1] = 0;
		} else {
			out[0] = (u128)(sx / sy);
			out[1] = (u128)(sx % sy);
		}
		if (op == OP_MOD)
			out[0] = out[1];
		/* the circuit declares q first, r second: for divmod, "r" was added first */
		if (op == OP_DIVMOD) {
			u128 t = out[0];
			out[0] = out[1];
			out[1] = t;
		}
		break;
	case OP_LT:
		out[0] = lt;
		break;
	case OP_LE:
		out[0] = sg ? sx <= sy : x <= y;
		break;
	case OP_GT:
		out[0] = sg ? sx > sy : x > y;
		break;
	case OP_EQ:
		out[0] = x == y;
		break;
	case OP_MUX:
		out[0] = (s & 1) ? x : y;
		break;
	case OP_MINMAX: /* "max" is declared before "q" (the min) */
		out[0] = lt ? y : x;
		out[1] = lt ? x : y;
		break;
	case OP_SHL:
		out[0] = amt >= n ? 0 : x << amt;
		break;
	case OP_SHR:
		if (sg)
			out[0] = (u128)(amt >= n ? (sx < 0 ? -1 : 0) : sx >> amt);
		else
			out[0] = amt >= n ? 0 : x >> amt;
		break;
	case OP_POPCOUNT:
		out[0] = (u128)(__builtin_popcountll((uint64_t)x) +
				__builtin_popcountll((uint64_t)(x >> 64)));
		break;
	}
	out[0] &= m;
	out[1] &= m;
}

/* blocks.h's AND count for unsigned division of secret n-bit operands, for the quotient
 * (q), the remainder (r) or both: at 2 bits the least any circuit takes (see
 * two_bit_division_takes_the_fewest_ands), from 3 bits on non-restoring rows, where the
 * remainder adds its final correction to the quotient's gates, but alone saves one of them
 * (its first two rows take 4 ANDs, the quotient's 5). */
static uint64_t udiv_table(uint32_t n, bool q, bool r)
{
	uint64_t nn = n;
	if (n == 1)
		return 1;
	if (n == 2)
		return q && r ? 5 : q ? 4 : 3;
	return nn * (nn + 1) / 2 + (r ? (q ? 4 * nn - 4 : 4 * nn - 5) : 2 * nn - 3);
}

/* Where unsigned division takes more than n^2 ANDs: both at 2 bits (5, and no circuit
 * takes 4), the remainder from 3 to 7 bits (blocks.h). */
static bool udiv_over_n2(uint32_t n, bool q, bool r)
{
	return (n == 2 && q && r) || (r && n >= 3 && n <= 7);
}

/* The bound for division, n^2 unsigned and n^2 + 9n signed, held also to blocks.h's
 * table (signed: the unsigned division of |x| by |y|, plus 2(n-1) for the absolute values,
 * up to 2(n-1) for the sign fixes and 2 for the quotient's sign). Where unsigned division
 * is over n^2 (udiv_over_n2), the table alone. */
static uint64_t div_bound(uint32_t n, bool sg, bool q, bool r)
{
	uint64_t nn = n, table = udiv_table(n, q, r), spec = nn * nn;
	if (sg) {
		table += 4 * nn - 2;
		spec += 9 * nn;
	} else if (udiv_over_n2(n, q, r)) {
		return table;
	}
	return table < spec ? table : spec;
}

/* The most ANDs op may take for n-bit secret operands (blocks.c's table). */
static uint64_t and_bound(enum op op, uint32_t n, bool sg)
{
	uint64_t nn = n;
	switch (op) {
	case OP_ADD:
	case OP_SUB:
		return nn - 1;
	case OP_NEG:
		return nn >= 2 ? nn - 2 : 0;
	case OP_MUL:
		return nn * nn - nn + 1;
	case OP_DIV:
	case OP_MOD:
	case OP_DIVMOD:
		return div_bound(n, sg, op != OP_MOD, op != OP_DIV);
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_MUX:
		return nn;
	case OP_EQ:
		return nn - 1;
	case OP_MINMAX:
		return 2 * nn;
	case OP_SHL:
	case OP_SHR: {
		/* n per stage that can move a bit, then n to fill and the OR of the big bits */
		uint64_t stages = bit_width(n - 1 ? n - 1 : 0);
		return nn * stages + nn + amount_bits(n);
	}
	case OP_POPCOUNT:
		return nn - (uint64_t)__builtin_popcount(n);
	}
	return 0;
}

/* Builds op at width n, checks its AND count, and checks it on 4 x 64 random lanes.
 * Returns the AND count. */
static uint64_t check_op(enum op op, uint32_t n, bool sg)
{
	struct run r;
	uint32_t w[3] = {n, n, 16};
	run_begin(&r, w, 3, sg);
	build_op(&r, op, n, sg);
	run_finish(&r);
	uint64_t ands = count_kind(r.c, GATE_AND), bound = and_bound(op, n, sg);
	cr_log_info("%s n=%u %s: %llu ANDs (bound %llu)", op_names[op], n,
		    sg ? "signed" : "unsigned", (unsigned long long)ands,
		    (unsigned long long)bound);
	cr_assert(ands <= bound, "%s n=%u %s: %llu ANDs, more than %llu", op_names[op], n,
		  sg ? "signed" : "unsigned", (unsigned long long)ands, (unsigned long long)bound);
	for (int round = 0; round < 4; round++) {
		u128 in[3][LANES], out[2][LANES];
		for (int l = 0; l < LANES; l++) {
			in[0][l] = rnd_value(n);
			in[1][l] = rnd_value(n);
			in[2][l] = rnd() & 0xffff;
			switch (rnd() % 8) {
			case 0:
				in[1][l] = in[0][l]; /* equal operands */
				break;
			case 1: /* the signed overflow: most negative / -1 */
				in[0][l] = (u128)1 << (n - 1);
				in[1][l] = mask(n);
				break;
			case 2: /* a shift amount below n */
				in[2][l] &= mask(bit_width(n));
				break;
			default:
				break;
			}
		}
		run_eval(r.c, in, out);
		for (int l = 0; l < LANES; l++) {
			u128 want[2];
			ref_op(op, n, sg, in[0][l], in[1][l], in[2][l], want);
			for (uint32_t k = 0; k < r.c->noutputs; k++) {
				char hx[40], hy[40], hg[40], hw[40];
				hex128(hx, in[0][l]);
				hex128(hy, in[1][l]);
				hex128(hg, out[k][l]);
				hex128(hw, want[k]);
				cr_assert(out[k][l] == want[k],
					  "%s n=%u %s x=%s y=%s s=%u: output %u is %s, want %s",
					  op_names[op], n, sg ? "signed" : "unsigned", hx, hy,
					  (unsigned)in[2][l], k, hg, hw);
			}
		}
	}
	run_end(&r);
	return ands;
}

static void check_all_widths(enum op op)
{
	for (size_t i = 0; i < ARRAY_LEN(widths); i++)
		for (int sg = 0; sg < 2; sg++)
			check_op(op, widths[i], sg);
}

Test(compiler, add)
{
	check_all_widths(OP_ADD);
}
Test(compiler, sub)
{
	check_all_widths(OP_SUB);
}
Test(compiler, neg)
{
	check_all_widths(OP_NEG);
}
Test(compiler, mul)
{
	check_all_widths(OP_MUL);
}
Test(compiler, div)
{
	check_all_widths(OP_DIV);
}
Test(compiler, mod)
{
	check_all_widths(OP_MOD);
}
Test(compiler, divmod)
{
	check_all_widths(OP_DIVMOD);
}
Test(compiler, lt)
{
	check_all_widths(OP_LT);
}
Test(compiler, le)
{
	check_all_widths(OP_LE);
}
Test(compiler, gt)
{
	check_all_widths(OP_GT);
}
Test(compiler, eq)
{
	check_all_widths(OP_EQ);
}
Test(compiler, mux)
{
	check_all_widths(OP_MUX);
}
Test(compiler, minmax)
{
	check_all_widths(OP_MINMAX);
}
Test(compiler, shl_secret)
{
	check_all_widths(OP_SHL);
}
Test(compiler, shr_secret)
{
	check_all_widths(OP_SHR);
}
Test(compiler, popcount)
{
	check_all_widths(OP_POPCOUNT);
}

/* max of k values: k-1 comparisons and k-1 mux differences, 2n(k-1) ANDs */
Test(compiler, max_of_k_values)
{
	enum { K = 5 };
	for (size_t i = 0; i < ARRAY_LEN(widths); i++)
		for (int sg = 0; sg < 2; sg++) {
			uint32_t n = widths[i], w[K];
			for (int k = 0; k < K; k++)
				w[k] = n;
			struct run r;
			run_begin(&r, w, K, sg);
			bit *acc = malloc(n * sizeof(bit));
			cr_assert(acc);
			memcpy(acc, r.in[0], n * sizeof(bit));
			for (int k = 1; k < K; k++)
				blk_minmax(r.b, NULL, acc, acc, r.in[k], n, sg);
			run_output(&r, "max", n, acc);
			free(acc);
			run_finish(&r);
			uint64_t ands = count_kind(r.c, GATE_AND);
			cr_assert(ands <= 2ull * n * (K - 1), "n=%u: %llu ANDs", n,
				  (unsigned long long)ands);
			u128 in[K][LANES], out[1][LANES];
			for (int l = 0; l < LANES; l++)
				for (int k = 0; k < K; k++)
					in[k][l] = rnd_value(n);
			run_eval(r.c, in, out);
			for (int l = 0; l < LANES; l++) {
				u128 best = in[0][l];
				for (int k = 1; k < K; k++) {
					bool gt = sg ? sext(in[k][l], n) > sext(best, n)
						     : in[k][l] > best;
					if (gt)
						best = in[k][l];
				}
				cr_assert(out[0][l] == best, "n=%u lane %d", n, l);
			}
			run_end(&r);
		}
}

/* Shifts by constants, casts, constants and ~, ^: no AND at all. */
Test(compiler, free_operations_cost_no_and)
{
	for (size_t i = 0; i < ARRAY_LEN(widths); i++)
		for (int sg = 0; sg < 2; sg++) {
			uint32_t n = widths[i], w[2] = {n, n};
			uint64_t ks[] = {0, 1, n / 2, n - 1, n, n + 3, UINT64_MAX};
			uint32_t ms[] = {1, n / 2 + 1, n, n + 1, 2 * n};
			struct run r;
			run_begin(&r, w, 2, sg);
			bit *t = malloc(2 * (n + 1) * sizeof(bit));
			cr_assert(t);
			char name[32];
			for (size_t k = 0; k < ARRAY_LEN(ks); k++) {
				blk_shl_const(t, r.in[0], n, ks[k]);
				snprintf(name, sizeof(name), "shl%zu", k);
				run_output(&r, name, n, t);
				memcpy(t, r.in[0], n * sizeof(bit));
				blk_shr_const(t, t, n, ks[k], sg); /* in place */
				snprintf(name, sizeof(name), "shr%zu", k);
				run_output(&r, name, n, t);
			}
			for (size_t k = 0; k < ARRAY_LEN(ms); k++) {
				blk_resize(t, ms[k], r.in[0], n, sg);
				snprintf(name, sizeof(name), "rs%zu", k);
				run_output(&r, name, ms[k], t);
			}
			for (uint32_t j = 0; j < n; j++)
				t[j] = bld_xor(r.b, r.in[0][j], bld_not(r.in[1][j]));
			run_output(&r, "xnor", n, t);
			uint64_t limbs[2] = {rnd(), rnd()};
			blk_const(t, n, limbs);
			run_output(&r, "const", n, t);
			free(t);
			run_finish(&r);
			cr_assert_eq(count_kind(r.c, GATE_AND), 0, "n=%u", n);
			u128 in[2][LANES], out[2 * ARRAY_LEN(ks) + ARRAY_LEN(ms) + 2][LANES];
			for (int l = 0; l < LANES; l++) {
				in[0][l] = rnd_value(n);
				in[1][l] = rnd_value(n);
			}
			run_eval(r.c, in, out);
			for (int l = 0; l < LANES; l++) {
				u128 x = in[0][l];
				i128 sx = sext(x, n);
				uint32_t o = 0;
				for (size_t k = 0; k < ARRAY_LEN(ks); k++) {
					uint64_t s = ks[k];
					u128 shl = s >= n ? 0 : (x << s) & mask(n);
					u128 shr = sg ? (u128)(s >= n ? (sx < 0 ? -1 : 0) : sx >> s)
						      : (s >= n ? 0 : x >> s);
					cr_assert(out[o++][l] == shl, "n=%u shl %llu", n,
						  (unsigned long long)s);
					cr_assert(out[o++][l] == (shr & mask(n)), "n=%u shr %llu",
						  n, (unsigned long long)s);
				}
				for (size_t k = 0; k < ARRAY_LEN(ms); k++) {
					uint32_t m = ms[k];
					u128 want =
					    sg ? (u128)sx : x; /* the low 128 bits are compared */
					if (m < 128)
						want &= mask(m);
					cr_assert(out[o++][l] == want, "n=%u resize to %u", n, m);
				}
				cr_assert(out[o++][l] == (~(x ^ in[1][l]) & mask(n)));
				u128 c = ((u128)limbs[1] << 64 | limbs[0]) & mask(n);
				cr_assert(out[o++][l] == c, "n=%u const", n);
			}
			run_end(&r);
		}
}

/* Outputs may alias inputs ("out may alias an input unless noted"). */
Test(compiler, blocks_allow_out_to_alias_an_input)
{
	enum { N = 16 };
	struct run r;
	uint32_t w[3] = {N, N, 16};
	run_begin(&r, w, 3, true);
	bit a[N], c[N], q[N], rr[N], sh[N], mn[N], mx[N];
	memcpy(a, r.in[0], sizeof(a));
	blk_add(r.b, a, a, r.in[1], N); /* a = x + y */
	blk_sub(r.b, a, a, r.in[1], N); /* a = x */
	blk_neg(r.b, a, a, N);		/* a = -x */
	memcpy(c, r.in[1], sizeof(c));
	blk_mux(r.b, c, r.in[2][0], a, c, N); /* c = s ? -x : y */
	memcpy(q, r.in[0], sizeof(q));
	memcpy(rr, r.in[1], sizeof(rr));
	blk_sdivmod(r.b, q, rr, q, rr, N); /* q, r = x / y, x % y in place */
	memcpy(sh, r.in[0], sizeof(sh));
	blk_shr(r.b, sh, sh, N, r.in[2], 5, true);
	memcpy(mn, r.in[0], sizeof(mn));
	memcpy(mx, r.in[1], sizeof(mx));
	blk_minmax(r.b, mn, mx, mn, mx, N, true);
	bit *outs[] = {a, c, q, rr, sh, mn, mx};
	for (size_t k = 0; k < ARRAY_LEN(outs); k++) {
		char name[8];
		snprintf(name, sizeof(name), "o%zu", k);
		run_output(&r, name, N, outs[k]);
	}
	run_finish(&r);
	u128 in[3][LANES], out[ARRAY_LEN(outs)][LANES];
	for (int l = 0; l < LANES; l++) {
		in[0][l] = rnd_value(N);
		in[1][l] = rnd_value(N);
		in[2][l] = rnd() & 0xffff;
	}
	run_eval(r.c, in, out);
	for (int l = 0; l < LANES; l++) {
		int16_t x = (int16_t)in[0][l], y = (int16_t)in[1][l];
		unsigned s = (unsigned)in[2][l];
		int16_t want[7];
		want[0] = (int16_t)-x;
		want[1] = (s & 1) ? (int16_t)-x : y;
		if (y == 0) {
			want[2] = -1;
			want[3] = x;
		} else if (y == -1) {
			want[2] = (int16_t)-x;
			want[3] = 0;
		} else {
			want[2] = (int16_t)(x / y);
			want[3] = (int16_t)(x % y);
		}
		want[4] = (s & 31) >= N ? (x < 0 ? -1 : 0) : (int16_t)(x >> (s & 31));
		want[5] = x < y ? x : y;
		want[6] = x < y ? y : x;
		for (int k = 0; k < 7; k++)
			cr_assert_eq((uint16_t)out[k][l], (uint16_t)want[k], "lane %d output %d", l,
				     k);
	}
	run_end(&r);
}

/* popcount into fewer or more bits than it needs: truncated or zero-extended. */
Test(compiler, popcount_any_output_width)
{
	uint32_t n = 100, w[1] = {n};
	struct run r;
	run_begin(&r, w, 1, false);
	bit t[12];
	blk_popcount(r.b, t, 3, r.in[0], n);
	run_output(&r, "low3", 3, t);
	blk_popcount(r.b, t, 12, r.in[0], n);
	run_output(&r, "wide", 12, t);
	run_finish(&r);
	cr_assert(count_kind(r.c, GATE_AND) <= n - (uint64_t)__builtin_popcount(n));
	u128 in[1][LANES], out[2][LANES];
	for (int l = 0; l < LANES; l++)
		in[0][l] = rnd_value(n);
	run_eval(r.c, in, out);
	for (int l = 0; l < LANES; l++) {
		unsigned pc = (unsigned)(__builtin_popcountll((uint64_t)in[0][l]) +
					 __builtin_popcountll((uint64_t)(in[0][l] >> 64)));
		cr_assert_eq((unsigned)out[0][l], pc & 7);
		cr_assert_eq((unsigned)out[1][l], pc);
	}
	run_end(&r);
}

/* The multiplication's AND count for every width up to 64. */
Test(compiler, mul_ands_every_width)
{
	for (uint32_t n = 1; n <= 64; n++) {
		struct run r;
		uint32_t w[2] = {n, n};
		run_begin(&r, w, 2, false);
		bit *p = malloc(n * sizeof(bit));
		cr_assert(p);
		blk_mul(r.b, p, r.in[0], r.in[1], n);
		run_output(&r, "p", n, p);
		free(p);
		run_finish(&r);
		uint64_t ands = count_kind(r.c, GATE_AND), bound = (uint64_t)n * n - n + 1;
		cr_assert(ands <= bound, "mul n=%u: %llu ANDs", n, (unsigned long long)ands);
		run_end(&r);
	}
}

/* Division at every width from 1 to 64, and 128: the quotient, the remainder and both,
 * unsigned and signed, on random inputs (zero divisors and -2^(n-1) / -1 among them)
 * against C, and their AND counts: n^2 unsigned, n^2 + 9n signed (div_bound). */
Test(compiler, division_every_width)
{
	static const enum op ops[] = {OP_DIV, OP_MOD, OP_DIVMOD};
	for (uint32_t n = 1; n <= 128; n = n < 64 ? n + 1 : 2 * n)
		for (int sg = 0; sg < 2; sg++)
			for (size_t o = 0; o < ARRAY_LEN(ops); o++) {
				uint64_t ands = check_op(ops[o], n, sg), nn = n;
				uint64_t spec = sg ? nn * nn + 9 * nn : nn * nn;
				bool over_ok =
				    !sg && udiv_over_n2(n, ops[o] != OP_MOD, ops[o] != OP_DIV);
				cr_assert(ands <= spec || over_ok, "%s n=%u %s: %llu ANDs",
					  op_names[ops[o]], n, sg ? "signed" : "unsigned",
					  (unsigned long long)ands);
			}
}

/* Every pair of operands at 1 to 6 bits: the quotient alone, the remainder alone (its
 * first rows are not the quotient's) and both together. */
Test(compiler, division_exhaustive_small_widths)
{
	static const enum op ops[] = {OP_DIV, OP_MOD, OP_DIVMOD};
	for (uint32_t n = 1; n <= 6; n++)
		for (int sg = 0; sg < 2; sg++)
			for (size_t o = 0; o < ARRAY_LEN(ops); o++) {
				struct run r;
				uint32_t w[3] = {n, n, 16};
				run_begin(&r, w, 3, sg);
				build_op(&r, ops[o], n, sg);
				run_finish(&r);
				int nout = ops[o] == OP_DIVMOD ? 2 : 1;
				uint32_t pairs = 1u << (2 * n);
				for (uint32_t base = 0; base < pairs; base += LANES) {
					u128 in[3][LANES] = {{0}}, out[2][LANES] = {{0}};
					for (uint32_t l = 0; l < LANES; l++) {
						uint32_t v = (base + l) % pairs;
						in[0][l] = v & (uint32_t)mask(n);
						in[1][l] = v >> n;
					}
					run_eval(r.c, in, out);
					for (uint32_t l = 0; l < LANES; l++) {
						u128 want[2] = {0, 0};
						ref_op(ops[o], n, sg, in[0][l], in[1][l], 0, want);
						bool ok = out[0][l] == want[0] &&
							  (nout == 1 || out[1][l] == want[1]);
						cr_assert(ok, "%s n=%u %s x=%u y=%u: %u %u, want %u %u",
							  op_names[ops[o]], n,
							  sg ? "signed" : "unsigned", (unsigned)in[0][l],
							  (unsigned)in[1][l], (unsigned)out[0][l],
							  (unsigned)out[1][l], (unsigned)want[0],
							  (unsigned)want[1]);
					}
				}
				run_end(&r);
			}
}

/* ---- a lower bound: no circuit divides 2-bit numbers with 4 ANDs ---- */

/* A linear span of functions of 4 bits (16-bit truth tables), in reduced echelon form: each
 * basis vector's pivot bit is set in it alone. */
struct span {
	uint16_t basis[16];
	int pivot[16];
	int dim;
};

static uint16_t span_reduce(const struct span *v, uint16_t f)
{
	for (int i = 0; i < v->dim; i++)
		if ((f >> v->pivot[i]) & 1)
			f ^= v->basis[i];
	return f;
}

/* Adds f to the span; returns whether the span grew. */
static bool span_add(struct span *v, uint16_t f)
{
	f = span_reduce(v, f);
	if (!f)
		return false;
	int p = 15;
	while (!((f >> p) & 1))
		p--;
	for (int i = 0; i < v->dim; i++)
		if ((v->basis[i] >> p) & 1)
			v->basis[i] ^= f;
	v->basis[v->dim] = f;
	v->pivot[v->dim] = p;
	v->dim++;
	return true;
}

/* Whether `ands` more AND gates can bring every output into the span v of what is already
 * computed (XOR and NOT are free, so a circuit computes exactly the span of its inputs, 1
 * and its AND gates). Each AND multiplies two members of the span; what it adds to the span
 * depends only on the product's coset, so each coset is tried once. Exhaustive. */
static bool reachable(const struct span *v, const uint16_t *outs, int nouts, int ands)
{
	struct span w = *v;
	int missing = 0;
	for (int k = 0; k < nouts; k++)
		missing += span_add(&w, outs[k]);
	if (missing == 0)
		return true;
	if (missing > ands) /* an AND grows the span by one dimension at most */
		return false;
	cr_assert(v->dim <= 10);
	uint16_t el[1024] = {0};
	for (int i = 0; i < v->dim; i++)
		for (int j = 0; j < (1 << i); j++)
			el[(1 << i) + j] = el[j] ^ v->basis[i];
	uint64_t seen[1024] = {0};
	for (int a = 1; a < (1 << v->dim); a++)
		for (int b = a + 1; b < (1 << v->dim); b++) {
			uint16_t coset = span_reduce(v, el[a] & el[b]);
			if (!coset || (seen[coset / 64] >> (coset % 64)) & 1)
				continue;
			seen[coset / 64] |= 1ull << (coset % 64);
			w = *v;
			span_add(&w, coset);
			if (reachable(&w, outs, nouts, ands - 1))
				return true;
		}
	return false;
}

/* The least ANDs of any circuit for q and/or r of 2-bit x / y (RISC-V at y = 0), found by
 * exhausting the circuits of 1, 2, ... ANDs. */
static int min_ands_div2(bool want_q, bool want_r)
{
	uint16_t in[4] = {0}, outs[4] = {0};
	for (unsigned m = 0; m < 16; m++) { /* m = x | y << 2 */
		unsigned x = m & 3, y = m >> 2, q = y ? x / y : 3, r = y ? x % y : x;
		for (int i = 0; i < 4; i++)
			in[i] |= (uint16_t)(((m >> i) & 1) << m);
		for (int j = 0; j < 2; j++) {
			outs[j] |= (uint16_t)(((q >> j) & 1) << m);
			outs[2 + j] |= (uint16_t)(((r >> j) & 1) << m);
		}
	}
	struct span v = {.dim = 0};
	span_add(&v, 0xffff);
	for (int i = 0; i < 4; i++)
		span_add(&v, in[i]);
	int nouts = want_q && want_r ? 4 : 2;
	const uint16_t *o = want_q ? outs : outs + 2;
	for (int ands = 0; ands < 8; ands++)
		if (reachable(&v, o, nouts, ands))
			return ands;
	return -1;
}

/* Why division_every_width lets 2-bit divmod past n^2 = 4: no circuit computes the quotient
 * and the remainder with fewer than 5 ANDs. And blk_udivmod takes the least any circuit
 * does at 2 bits: for the quotient alone, the remainder alone, and both. */
Test(compiler, two_bit_division_takes_the_fewest_ands)
{
	cr_assert_eq(min_ands_div2(true, false), 4);
	cr_assert_eq(min_ands_div2(false, true), 3);
	cr_assert_eq(min_ands_div2(true, true), 5);
	static const enum op ops[] = {OP_DIV, OP_MOD, OP_DIVMOD};
	for (size_t o = 0; o < ARRAY_LEN(ops); o++) {
		uint64_t ands = check_op(ops[o], 2, false);
		int least = min_ands_div2(ops[o] != OP_MOD, ops[o] != OP_DIV);
		cr_assert_eq(ands, (uint64_t)least, "%s: %llu ANDs, the least is %d",
			     op_names[ops[o]], (unsigned long long)ands, least);
	}
}
