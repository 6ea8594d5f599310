/* test_lower.c: the lowering of .mpc programs to circuits (compiler/lower.c).
 *
 * Every operator at widths 1, 7, 8, 32, 64, 65 and 128, signed and unsigned, compiled from a
 * small program and run 64 lanes at a time through circ_eval64 on random inputs (fixed
 * seed, edge values mixed in), against C arithmetic on unsigned __int128 written here; and
 * the AND count of each against the cost table of lang/README.md (division also at every
 * width from 1 to 64, quotient and remainder together). Then the rest of the
 * language (arrays with public and secret indices, structs, tuples, calls that return
 * under secret conditions, nested secret ifs, loops), each against a C reference; the
 * circuit's interface (names, parties, signedness, recipients); and the limits.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

enum { LANES = 64, ROUNDS = 3 };

static const uint32_t widths[] = {1, 7, 8, 32, 64, 65, 128};

/* ---- random values ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void) /* splitmix64 */
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

/* Mostly uniform, sometimes 0, 1, all ones, the sign bit alone, or a short number. */
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

/* ---- compiling and running ---- */

/* Compiles src with options (NULL: none); returns the circuit or NULL, and the diagnostics
 * in *diags (free it). */
static struct circ_circuit *try_compile(const char *src, const struct compiler_options *opt,
					char **diags)
{
	size_t len = 0;
	FILE *f = open_memstream(diags, &len);
	cr_assert(f);
	struct circ_circuit *c = NULL;
	int rc = compiler_compile(&c, "t.mpc", src, strlen(src), opt, f);
	fclose(f);
	cr_assert_eq(rc == 0, c != NULL);
	return c;
}

static struct circ_circuit *compile(const char *src)
{
	char *diags = NULL;
	struct circ_circuit *c = try_compile(src, NULL, &diags);
	cr_assert(c, "does not compile:\n%s\n%s", src, diags);
	free(diags);
	struct circ_err err;
	cr_assert_eq(circ_validate(c, &err), 0, "%s", err.msg);
	return c;
}

static uint64_t and_count(const struct circ_circuit *c)
{
	uint64_t n = 0;
	for (uint64_t g = 0; g < c->ngates; g++)
		n += c->gates[g].kind == GATE_AND;
	return n;
}

/* Evaluates 64 lanes: in[k * LANES + lane] is input k's value, out likewise. */
static void eval64(const struct circ_circuit *c, const u128 *in, u128 *out)
{
	uint64_t *win = calloc(c->nin_bits + 1, 8), *wout = calloc(c->nout_bits + 1, 8);
	uint64_t *wires = calloc(circ_nwires(c) + 1, 8);
	cr_assert(win && wout && wires);
	for (uint32_t k = 0; k < c->ninputs; k++)
		for (uint32_t j = 0; j < c->inputs[k].width && j < 128; j++)
			for (int l = 0; l < LANES; l++)
				win[c->inputs[k].first + j] |=
				    (uint64_t)((in[k * LANES + l] >> j) & 1) << l;
	circ_eval64(c, win, wout, wires);
	for (uint32_t k = 0; k < c->noutputs; k++)
		for (int l = 0; l < LANES; l++) {
			u128 v = 0;
			for (uint32_t j = 0; j < c->outputs[k].width && j < 128; j++)
				v |= (u128)((wout[c->outputs[k].first + j] >> l) & 1) << j;
			out[k * LANES + l] = v;
		}
	free(win);
	free(wout);
	free(wires);
}

/* The C reference: in[k] is input k's value (circuit order), it writes out[k]. */
typedef void ref_fn(const void *ctx, const u128 *in, u128 *out);

/* Runs c on ROUNDS x 64 random inputs and compares every output with ref's. */
static void check_against(const struct circ_circuit *c, ref_fn *ref, const void *ctx,
			  const char *what)
{
	uint32_t ni = c->ninputs, no = c->noutputs;
	u128 *in = calloc((size_t)ni * LANES + 1, sizeof(u128));
	u128 *out = calloc((size_t)no * LANES + 1, sizeof(u128));
	u128 *lin = calloc(ni + 1, sizeof(u128)), *lout = calloc(no + 1, sizeof(u128));
	cr_assert(in && out && lin && lout);
	for (int r = 0; r < ROUNDS; r++) {
		for (uint32_t k = 0; k < ni; k++)
			for (int l = 0; l < LANES; l++)
				in[k * LANES + l] = rnd_value(c->inputs[k].width);
		eval64(c, in, out);
		for (int l = 0; l < LANES; l++) {
			for (uint32_t k = 0; k < ni; k++)
				lin[k] = in[k * LANES + l];
			memset(lout, 0, (no + 1) * sizeof(u128));
			ref(ctx, lin, lout);
			for (uint32_t k = 0; k < no; k++) {
				u128 m = mask(c->outputs[k].width);
				u128 got = out[k * LANES + l] & m, want = lout[k] & m;
				cr_assert(got == want,
					  "%s: output %s: got 0x%016llx%016llx, want 0x%016llx%016llx "
					  "(x = 0x%016llx%016llx)",
					  what, c->outputs[k].name, (unsigned long long)(got >> 64),
					  (unsigned long long)got, (unsigned long long)(want >> 64),
					  (unsigned long long)want, (unsigned long long)(lin[0] >> 64),
					  (unsigned long long)lin[0]);
			}
		}
	}
	free(in);
	free(out);
	free(lin);
	free(lout);
}

/* ---- the operator table ---- */

/* One case: a statement over x (and y, c, x0..x3) of type T, giving z. */
struct opcase {
	const char *name;
	const char *stmt;  /* %s: nothing to fill; the type is declared around it */
	const char *ytype; /* "T" (same as x), "u8" (shift amounts), "" (no y) */
	const char *ztype; /* "T" or "bool" */
	int nargs;         /* min/max: how many x_i */
};

struct opctx {
	const char *op;
	uint32_t n;
	bool sgn;
	int k; /* constant shift amount or min/max arity */
};

static u128 shl_ref(u128 x, u128 k, uint32_t n)
{
	return k >= n ? 0 : (x << (unsigned)k) & mask(n);
}

static u128 shr_ref(u128 x, u128 k, uint32_t n, bool sgn)
{
	if (!sgn)
		return k >= n ? 0 : (x & mask(n)) >> (unsigned)k;
	i128 v = sext(x, n);
	if (k >= n)
		return (u128)(v < 0 ? -1 : 0) & mask(n);
	return (u128)(v >> (unsigned)k) & mask(n); /* gcc: arithmetic */
}

static u128 div_ref(u128 x, u128 y, uint32_t n, bool sgn, bool want_rem)
{
	x &= mask(n);
	y &= mask(n);
	if (y == 0)
		return want_rem ? x : mask(n);
	if (!sgn)
		return want_rem ? x % y : x / y;
	i128 a = sext(x, n), b = sext(y, n);
	u128 min = (u128)1 << (n - 1); /* the bits of -2^(n-1) */
	if (x == min && y == mask(n))
		return want_rem ? 0 : x;
	if (n == 128 && x == min) { /* avoid C's overflow on -2^127 */
		u128 ua = (u128)1 << 127, ub = b < 0 ? -(u128)b : (u128)b;
		u128 q = ua / ub, r = ua % ub;
		if (want_rem)
			return -r;
		return b < 0 ? q : -q;
	}
	return (u128)(want_rem ? a % b : a / b) & mask(n);
}

static bool cmp_ref(const char *op, u128 x, u128 y, uint32_t n, bool sgn)
{
	int c;
	if (sgn) {
		i128 a = sext(x, n), b = sext(y, n);
		c = a < b ? -1 : a > b;
	} else {
		x &= mask(n);
		y &= mask(n);
		c = x < y ? -1 : x > y;
	}
	if (!strcmp(op, "<"))
		return c < 0;
	if (!strcmp(op, "<="))
		return c <= 0;
	if (!strcmp(op, ">"))
		return c > 0;
	if (!strcmp(op, ">="))
		return c >= 0;
	if (!strcmp(op, "=="))
		return c == 0;
	return c != 0;
}

static void binop_ref(const void *vctx, const u128 *in, u128 *out)
{
	const struct opctx *t = vctx;
	const char *op = t->op;
	uint32_t n = t->n;
	u128 x = in[0], y = in[1], m = mask(n);
	if (!strcmp(op, "+"))
		out[0] = (x + y) & m;
	else if (!strcmp(op, "-"))
		out[0] = (x - y) & m;
	else if (!strcmp(op, "*"))
		out[0] = (x * y) & m;
	else if (!strcmp(op, "/"))
		out[0] = div_ref(x, y, n, t->sgn, false);
	else if (!strcmp(op, "%"))
		out[0] = div_ref(x, y, n, t->sgn, true);
	else if (!strcmp(op, "&"))
		out[0] = x & y;
	else if (!strcmp(op, "|"))
		out[0] = x | y;
	else if (!strcmp(op, "^"))
		out[0] = x ^ y;
	else if (!strcmp(op, "<<"))
		out[0] = shl_ref(x, y, n);
	else if (!strcmp(op, ">>"))
		out[0] = shr_ref(x, y, n, t->sgn);
	else
		out[0] = cmp_ref(op, x, y, n, t->sgn);
}

static void type_name(char *buf, size_t size, uint32_t n, bool sgn)
{
	snprintf(buf, size, "%c%u", sgn ? 'i' : 'u', n);
}

static const char *const binops[] = {"+", "-", "*", "/", "%", "&", "|", "^",
				     "==", "!=", "<", "<=", ">", ">="};

/* The table's bound for division on n-bit secret operands, for the quotient (q), the
 * remainder (r) or both: n^2 unsigned, n^2 + 9n signed. Except (blocks.h) both at 2 bits, 5,
 * and the unsigned remainder from 3 to 7 bits, n(n+1)/2 + 4n - 5 alone and one more with the
 * quotient. */
static uint64_t div_cost(uint32_t n, bool sgn, bool q, bool r)
{
	uint64_t nn = n;
	if (sgn)
		return nn * nn + 9 * nn;
	if (n == 2 && q && r)
		return 5;
	if (r && n >= 3 && n <= 7)
		return nn * (nn + 1) / 2 + 4 * nn - (q ? 4 : 5);
	return nn * nn;
}

/* The AND count the table promises for x op y on n-bit secret operands; *exact says
 * whether it is exact or an upper bound. */
static uint64_t binop_cost(const char *op, uint32_t n, bool sgn, bool *exact)
{
	uint64_t nn = n;
	*exact = true;
	if (!strcmp(op, "+") || !strcmp(op, "-") || !strcmp(op, "==") || !strcmp(op, "!="))
		return nn - 1;
	if (!strcmp(op, "*")) {
		*exact = false;
		return nn * nn - nn + 1;
	}
	if (!strcmp(op, "/") || !strcmp(op, "%")) {
		*exact = false;
		return div_cost(n, sgn, !strcmp(op, "/"), !strcmp(op, "%"));
	}
	if (!strcmp(op, "^"))
		return 0;
	return nn; /* & | (one AND per bit) and < <= > >= */
}

Test(lower, binary_operators_every_width)
{
	for (size_t w = 0; w < ARRAY_LEN(widths); w++)
		for (int sgn = 0; sgn < 2; sgn++)
			for (size_t o = 0; o < ARRAY_LEN(binops); o++) {
				uint32_t n = widths[w];
				const char *op = binops[o];
				bool cmp = strchr("<>=!", op[0]) != NULL;
				char t[16], src[512];
				type_name(t, sizeof(t), n, sgn);
				snprintf(src, sizeof(src),
					 "party a, b;\ninput x: %s from a;\ninput y: %s from b;\n"
					 "output z: %s to all;\nz = x %s y;\n",
					 t, t, cmp ? "bool" : t, op);
				struct circ_circuit *c = compile(src);
				struct opctx ctx = {op, n, sgn, 0};
				char what[64];
				snprintf(what, sizeof(what), "%s %s", t, op);
				check_against(c, binop_ref, &ctx, what);
				bool exact;
				uint64_t want = binop_cost(op, n, sgn, &exact), got = and_count(c);
				if (exact)
					cr_assert_eq(got, want, "%s: %llu ANDs, the table says %llu",
						     what, (unsigned long long)got,
						     (unsigned long long)want);
				else
					cr_assert_leq(got, want, "%s: %llu ANDs, over the bound %llu",
						      what, (unsigned long long)got,
						      (unsigned long long)want);
				circ_free(c);
			}
}

static void divmod_ref(const void *vctx, const u128 *in, u128 *out)
{
	const struct opctx *t = vctx;
	out[0] = div_ref(in[0], in[1], t->n, t->sgn, false);
	out[1] = div_ref(in[0], in[1], t->n, t->sgn, true);
}

/* x / y alone, x % y alone, and q = x / y with r = x % y, at every width from 1 to 64 and
 * 128: each against C and within div_cost; and both together no dearer than the remainder
 * alone (the quotient's bits come with it), but for the quotient's sign fix when signed,
 * the 2-bit quotient's own 2 ANDs and from 3 bits on the quotient's top bit, 1 (blocks.h). */
Test(lower, division_every_width)
{
	static const char *const bodies[] = {"output z: %s to all;\nz = x / y;\n",
					     "output z: %s to all;\nz = x %% y;\n",
					     "output q: %s to all;\noutput r: %s to all;\n"
					     "q = x / y;\nr = x %% y;\n"};
	for (uint32_t n = 1; n <= 128; n = n < 64 ? n + 1 : 2 * n)
		for (int sgn = 0; sgn < 2; sgn++) {
			uint64_t ands[ARRAY_LEN(bodies)];
			for (size_t k = 0; k < ARRAY_LEN(bodies); k++) {
				bool q = k != 1, r = k != 0;
				char t[16], body[160], src[512], what[64];
				type_name(t, sizeof(t), n, sgn);
				snprintf(body, sizeof(body), bodies[k], t, t);
				snprintf(src, sizeof(src),
					 "party a, b;\ninput x: %s from a;\ninput y: %s from b;\n%s",
					 t, t, body);
				struct circ_circuit *c = compile(src);
				struct opctx ctx = {q && r ? "/%" : q ? "/" : "%", n, sgn, 0};
				snprintf(what, sizeof(what), "%s %s", t,
					 q && r ? "/ and %" : q ? "/" : "%");
				check_against(c, q && r ? divmod_ref : binop_ref, &ctx, what);
				uint64_t bound = div_cost(n, sgn, q, r);
				ands[k] = and_count(c);
				cr_assert_leq(ands[k], bound, "%s: %llu ANDs, over the bound %llu",
					      what, (unsigned long long)ands[k],
					      (unsigned long long)bound);
				circ_free(c);
			}
			/* signed, the quotient's sign fix: its sign (2) and a negation (n - 1);
			 * the quotient's top bit, which the remainder's first rows skip (1) */
			uint64_t extra = (sgn ? n + 1 : 0) + (n == 2 ? 2 : n >= 3 ? 1 : 0);
			cr_assert_leq(ands[2], ands[1] + extra, "%u bits: %llu ANDs, x %% y alone %llu",
				      n, (unsigned long long)ands[2], (unsigned long long)ands[1]);
		}
}

static void unary_ref(const void *vctx, const u128 *in, u128 *out)
{
	const struct opctx *t = vctx;
	u128 x = in[0];
	if (!strcmp(t->op, "-"))
		out[0] = (0 - x) & mask(t->n);
	else if (!strcmp(t->op, "~"))
		out[0] = ~x & mask(t->n);
	else if (!strcmp(t->op, "popcount")) {
		u128 k = 0;
		for (uint32_t j = 0; j < t->n; j++)
			k += (x >> j) & 1;
		out[0] = k & mask(t->n);
	} else if (!strcmp(t->op, "<<"))
		out[0] = shl_ref(x, (u128)t->k, t->n);
	else
		out[0] = shr_ref(x, (u128)t->k, t->n, t->sgn);
}

static uint32_t popcount32(uint32_t v)
{
	uint32_t k = 0;
	for (; v; v >>= 1)
		k += v & 1;
	return k;
}

Test(lower, unary_operators_and_constant_shifts)
{
	for (size_t w = 0; w < ARRAY_LEN(widths); w++)
		for (int sgn = 0; sgn < 2; sgn++) {
			uint32_t n = widths[w];
			char t[16], src[512], what[128];
			type_name(t, sizeof(t), n, sgn);
			/* (op, constant amount): shifts by 0, 1, n-1, n and past n */
			struct opctx cases[] = {
			    {"-", n, sgn, 0},      {"~", n, sgn, 0},
			    {"popcount", n, sgn, 0}, {"<<", n, sgn, 0},
			    {"<<", n, sgn, 1},     {"<<", n, sgn, (int)n - 1},
			    {"<<", n, sgn, (int)n}, {">>", n, sgn, 1},
			    {">>", n, sgn, (int)n - 1}, {">>", n, sgn, (int)n + 3},
			};
			for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
				const struct opctx *k = &cases[i];
				char expr[64];
				if (!strcmp(k->op, "popcount"))
					snprintf(expr, sizeof(expr), "popcount(x)");
				else if (!strcmp(k->op, "<<") || !strcmp(k->op, ">>"))
					snprintf(expr, sizeof(expr), "x %s %d", k->op, k->k);
				else
					snprintf(expr, sizeof(expr), "%sx", k->op);
				snprintf(src, sizeof(src),
					 "party a, b;\ninput x: %s from a;\noutput z: %s to b;\n"
					 "z = %s;\n",
					 t, t, expr);
				struct circ_circuit *c = compile(src);
				snprintf(what, sizeof(what), "%s: %s", t, expr);
				check_against(c, unary_ref, k, what);
				uint64_t got = and_count(c), want = 0;
				if (!strcmp(k->op, "-"))
					want = n >= 2 ? n - 2 : 0;
				else if (!strcmp(k->op, "popcount"))
					want = n - popcount32(n);
				cr_assert_eq(got, want, "%s: %llu ANDs, want %llu", what,
					     (unsigned long long)got, (unsigned long long)want);
				circ_free(c);
			}
		}
}

Test(lower, shifts_by_secret_amounts)
{
	static const uint32_t amount_bits[] = {3, 8};
	for (size_t w = 0; w < ARRAY_LEN(widths); w++)
		for (int sgn = 0; sgn < 2; sgn++)
			for (size_t a = 0; a < ARRAY_LEN(amount_bits); a++)
				for (int right = 0; right < 2; right++) {
					uint32_t n = widths[w];
					char t[16], src[512], what[64];
					type_name(t, sizeof(t), n, sgn);
					const char *op = right ? ">>" : "<<";
					snprintf(src, sizeof(src),
						 "party a, b;\ninput x: %s from a;\ninput y: u%u from "
						 "b;\noutput z: %s to all;\nz = x %s y;\n",
						 t, amount_bits[a], t, op);
					struct circ_circuit *c = compile(src);
					struct opctx ctx = {op, n, sgn, 0};
					snprintf(what, sizeof(what), "%s %s u%u", t, op,
						 amount_bits[a]);
					check_against(c, binop_ref, &ctx, what);
					/* a barrel shifter: n per stage and n for the fill */
					uint64_t bound = (uint64_t)n * (amount_bits[a] + 1);
					cr_assert_leq(and_count(c), bound, "%s", what);
					circ_free(c);
				}
}

static void logic_ref(const void *vctx, const u128 *in, u128 *out)
{
	(void)vctx;
	bool p = in[0] & 1, q = in[1] & 1;
	out[0] = p && q;
	out[1] = p || q;
	out[2] = !p;
	out[3] = p ^ q;
	out[4] = p == q;
	out[5] = p < q;
	out[6] = !p & q;
	out[7] = !p;
}

Test(lower, bool_operators)
{
	struct circ_circuit *c = compile("party a, b;\ninput p: bool from a;\n"
					 "input q: bool from b;\n"
					 "output o0: bool to all; output o1: bool to all;\n"
					 "output o2: bool to all; output o3: bool to all;\n"
					 "output o4: bool to all; output o5: bool to all;\n"
					 "output o6: bool to all; output o7: bool to all;\n"
					 "o0 = p && q; o1 = p || q; o2 = !p; o3 = p ^ q;\n"
					 "o4 = p == q; o5 = p < q; o6 = !p & q; o7 = ~p;\n");
	check_against(c, logic_ref, NULL, "bool");
	circ_free(c);
}

static void select_ref(const void *vctx, const u128 *in, u128 *out)
{
	(void)vctx;
	out[0] = in[0] & 1 ? in[1] : in[2];
	out[1] = in[0] & 1 ? in[2] : in[1];
}

Test(lower, conditional_and_mux)
{
	for (size_t w = 0; w < ARRAY_LEN(widths); w++) {
		uint32_t n = widths[w];
		char t[16], src[512];
		type_name(t, sizeof(t), n, false);
		snprintf(src, sizeof(src),
			 "party a, b;\ninput c: bool from a;\ninput x: %s from a;\n"
			 "input y: %s from b;\noutput z: %s to all;\noutput m: %s to all;\n"
			 "z = c ? x : y;\nm = mux(c, y, x);\n",
			 t, t, t, t);
		struct circ_circuit *c = compile(src);
		check_against(c, select_ref, NULL, t);
		/* z and m share their ANDs: c & (x ^ y) */
		cr_assert_eq(and_count(c), n, "%s: %llu ANDs", t, (unsigned long long)and_count(c));
		circ_free(c);
	}
}

static void minmax_ref(const void *vctx, const u128 *in, u128 *out)
{
	const struct opctx *t = vctx;
	u128 best = in[0];
	for (int i = 1; i < t->k; i++) {
		bool better = cmp_ref(strcmp(t->op, "min") ? ">" : "<", in[i], best, t->n, t->sgn);
		if (better)
			best = in[i];
	}
	out[0] = best;
}

Test(lower, min_and_max_of_k_values)
{
	for (size_t w = 0; w < ARRAY_LEN(widths); w++)
		for (int sgn = 0; sgn < 2; sgn++)
			for (int k = 2; k <= 4; k++)
				for (int mx = 0; mx < 2; mx++) {
					uint32_t n = widths[w];
					char t[16], src[512], args[64] = "";
					type_name(t, sizeof(t), n, sgn);
					int len = snprintf(src, sizeof(src), "party a, b;\n");
					for (int i = 0; i < k; i++) {
						len += snprintf(src + len, sizeof(src) - len,
								"input x%d: %s from %s;\n", i, t,
								i % 2 ? "b" : "a");
						snprintf(args + strlen(args), sizeof(args) - strlen(args),
							 "%sx%d", i ? ", " : "", i);
					}
					snprintf(src + len, sizeof(src) - len,
						 "output z: %s to all;\nz = %s(%s);\n", t,
						 mx ? "max" : "min", args);
					struct circ_circuit *c = compile(src);
					struct opctx ctx = {mx ? "max" : "min", n, sgn, k};
					check_against(c, minmax_ref, &ctx, src);
					cr_assert_eq(and_count(c), 2ull * n * (uint64_t)(k - 1), "%s",
						     src);
					circ_free(c);
				}
}

static void cast_ref(const void *vctx, const u128 *in, u128 *out)
{
	const struct opctx *t = vctx; /* n: from, k: to (negative: signed), sgn: from */
	u128 x = in[0] & mask(t->n);
	uint32_t to = (uint32_t)(t->k < 0 ? -t->k : t->k);
	out[0] = (t->sgn ? (u128)sext(x, t->n) : x) & mask(to);
}

Test(lower, casts_extend_by_the_source_and_truncate)
{
	for (size_t w = 0; w < ARRAY_LEN(widths); w++)
		for (size_t v = 0; v < ARRAY_LEN(widths); v++)
			for (int sgn = 0; sgn < 2; sgn++)
				for (int tsgn = 0; tsgn < 2; tsgn++) {
					uint32_t n = widths[w], m = widths[v];
					char t[16], u[16], src[512];
					type_name(t, sizeof(t), n, sgn);
					type_name(u, sizeof(u), m, tsgn);
					snprintf(src, sizeof(src),
						 "party a, b;\ninput x: %s from a;\noutput z: %s to b;\n"
						 "z = x as %s;\n",
						 t, u, u);
					struct circ_circuit *c = compile(src);
					struct opctx ctx = {"as", n, sgn, tsgn ? -(int)m : (int)m};
					check_against(c, cast_ref, &ctx, src);
					cr_assert_eq(and_count(c), 0, "%s", src);
					circ_free(c);
				}
}

static void bool_cast_ref(const void *vctx, const u128 *in, u128 *out)
{
	(void)vctx;
	out[0] = in[0] & 1;                  /* u1 as bool */
	out[1] = in[1] & 1 ? 0xffff : 0;     /* (bool as i1) as i16: -1 */
	out[2] = in[1] & 1;                  /* bool as u16 */
	out[3] = in[2] & 1;                  /* i1 as bool: -1 is true */
}

Test(lower, casts_to_and_from_bool)
{
	struct circ_circuit *c = compile("party a, b;\ninput x: u1 from a;\ninput p: bool from b;\n"
					 "input s: i1 from a;\n"
					 "output o0: bool to all; output o1: i16 to all;\n"
					 "output o2: u16 to all; output o3: bool to all;\n"
					 "o0 = x as bool; o1 = (p as i1) as i16; o2 = p as u16;\n"
					 "o3 = s as bool;\n");
	check_against(c, bool_cast_ref, NULL, "bool casts");
	cr_assert_eq(and_count(c), 0);
	circ_free(c);
}

/* ---- arrays, structs, tuples ---- */

static const char arrays_src[] =
	"party a, b;\n"
	"input v: [u8; 5] from a;\n" /* inputs 0..4 */
	"input i: u8 from b;\n"      /* 5 */
	"input j: u3 from b;\n"      /* 6 */
	"input x: u8 from a;\n"      /* 7 */
	"output r0: u8 to all;\n"
	"output r1: u8 to all;\n"
	"output r2: u8 to all;\n"
	"output w: [u8; 5] to all;\n" /* outputs 3..7 */
	"output w2: [u8; 5] to all;\n" /* outputs 8..12 */
	"r0 = v[i];\n"
	"r1 = v[j];\n"
	"r2 = v[2] + v[4];\n"
	"var t: [u8; 5] = v;\n"
	"t[i & 7] = x;\n"
	"w = t;\n"
	"var k: u3 = j;\n"
	"w2 = v;\n"
	"w2[k] += 1;\n"
	"w2[1] = w2[k] ^ w2[0];\n";

static void arrays_ref(const void *ctx, const u128 *in, u128 *out)
{
	(void)ctx;
	const u128 *v = in;
	u128 i = in[5], j = in[6], x = in[7];
	out[0] = i < 5 ? v[i] : 0;
	out[1] = j < 5 ? v[j] : 0;
	out[2] = (v[2] + v[4]) & 0xff;
	for (int k = 0; k < 5; k++)
		out[3 + k] = (u128)k == (i & 7) ? x : v[k];
	u128 w2[5];
	for (int k = 0; k < 5; k++)
		w2[k] = v[k];
	if (j < 5)
		w2[j] = (w2[j] + 1) & 0xff;
	w2[1] = (j < 5 ? w2[j] : 0) ^ w2[0];
	for (int k = 0; k < 5; k++)
		out[8 + k] = w2[k];
}

Test(lower, arrays_with_public_and_secret_indices)
{
	struct circ_circuit *c = compile(arrays_src);
	check_against(c, arrays_ref, NULL, "arrays");
	circ_free(c);
}

static const char nested_src[] =
	"struct P { x: u16, y: i8 }\n"
	"party a, b;\n"
	"input g: [[u8; 3]; 4] from a;\n" /* 0..11: g[r][c] is 3r + c */
	"input r: u2 from b;\n"           /* 12 */
	"input col: u2 from b;\n"         /* 13 */
	"input p: [P; 3] from a;\n"       /* 14..19: p[k].x is 14 + 2k, .y 15 + 2k */
	"input k: u2 from b;\n"           /* 20 */
	"input val: i8 from b;\n"         /* 21 */
	"output o: u8 to all;\n"          /* 0 */
	"output q: [P; 3] to all;\n"      /* 1..6 */
	"output s: i16 to all;\n"         /* 7 */
	"output h: [[u8; 3]; 4] to a;\n"  /* 8..19 */
	"o = g[r][col];\n"
	"var pp: [P; 3] = p;\n"
	"pp[k].y = val;\n"
	"pp[k].x += 1;\n"
	"q = pp;\n"
	"s = (pp[2].y as i16) - (p[k].y as i16);\n"
	"var hh: [[u8; 3]; 4] = g;\n"
	"hh[r][col] = 0xee;\n"
	"hh[0][col] ^= 1;\n"
	"h = hh;\n";

static void nested_ref(const void *ctx, const u128 *in, u128 *out)
{
	(void)ctx;
	u128 r = in[12], col = in[13], k = in[20], val = in[21];
	out[0] = col < 3 ? in[3 * r + col] : 0;
	u128 px[3], py[3];
	for (int i = 0; i < 3; i++) {
		px[i] = in[14 + 2 * i];
		py[i] = in[15 + 2 * i];
	}
	u128 oldy = k < 3 ? py[k] : 0;
	if (k < 3) {
		py[k] = val;
		px[k] = (px[k] + 1) & 0xffff;
	}
	for (int i = 0; i < 3; i++) {
		out[1 + 2 * i] = px[i];
		out[2 + 2 * i] = py[i];
	}
	out[7] = (u128)(sext(py[2], 8) - sext(oldy, 8));
	u128 hh[12];
	for (int i = 0; i < 12; i++)
		hh[i] = in[i];
	if (col < 3) {
		hh[3 * r + col] = 0xee;
		hh[col] ^= 1;
	}
	for (int i = 0; i < 12; i++)
		out[8 + i] = hh[i];
}

Test(lower, nested_arrays_and_structs)
{
	struct circ_circuit *c = compile(nested_src);
	check_against(c, nested_ref, NULL, "nested");
	circ_free(c);
}

static const char tuples_src[] =
	"party a, b;\n"
	"input x: u16 from a;\n"
	"input y: u16 from b;\n"
	"output q: u16 to all;\n"
	"output r: u16 to all;\n"
	"output m: u32 to all;\n"
	"fn divmod(n: u16, d: u16) -> (u16, u16) { return (n / d, n % d); }\n"
	"fn widen(v: [u16; 2]) -> u32 { return (v[0] as u32) << 16 | v[1] as u32; }\n"
	"var (qq, rr) = divmod(x, y);\n"
	"(qq, rr) = (rr, qq);\n"
	"var arr: [u16; 2] = [qq, rr];\n"
	"(arr[1], q) = divmod(arr[0], 3);\n"
	"r = rr;\n"
	"m = widen(arr);\n";

static void tuples_ref(const void *ctx, const u128 *in, u128 *out)
{
	(void)ctx;
	u128 x = in[0], y = in[1];
	u128 qq = div_ref(x, y, 16, false, false), rr = div_ref(x, y, 16, false, true);
	u128 t = qq;
	qq = rr;
	rr = t;
	u128 arr0 = qq, arr1 = qq / 3;
	out[0] = qq % 3;
	out[1] = rr;
	out[2] = arr0 << 16 | arr1;
}

Test(lower, tuples_and_destructuring)
{
	struct circ_circuit *c = compile(tuples_src);
	check_against(c, tuples_ref, NULL, "tuples");
	circ_free(c);
}

/* ---- control flow ---- */

static const char flow_src[] =
	"party a, b;\n"
	"input v: [u8; 6] from a;\n" /* 0..5 */
	"input key: u8 from b;\n"    /* 6 */
	"input x: i16 from a;\n"     /* 7 */
	"output at: u8 to all;\n"
	"output cls: i16 to all;\n"
	"output sum: u16 to all;\n"
	"output first_big: u8 to all;\n"
	"fn find(w: [u8; 6], k: u8) -> u8 {\n"
	"    for i in 0..6 { if w[i] == k { return i as u8; } }\n"
	"    return 255;\n"
	"}\n"
	"fn classify(z: i16) -> i16 {\n"
	"    if z < 0 {\n"
	"        if z < -100 { return -2; }\n"
	"        return -1;\n"
	"    } else if z == 0 { return 0; }\n"
	"    var y: i16 = z;\n"
	"    if z > 100 { y = 100; }\n"
	"    return y;\n"
	"}\n"
	"fn capped(w: [u8; 6]) -> u16 {\n"
	"    var s: u16 = 0;\n"
	"    for i in 0..6 {\n"
	"        s += w[i] as u16;\n"
	"        if s > 300 { return 300; }\n"
	"    }\n"
	"    return s;\n"
	"}\n"
	"fn first_over(w: [u8; 6], t: u8) -> u8 {\n"
	"    var i: u8 = 0;\n"
	"    for k in 0..6 {\n"
	"        if w[k] > t { return i; }\n"
	"        i += 1;\n"
	"    }\n"
	"    return 99;\n"
	"}\n"
	"var small: [u8; 6] = v;\n"
	"for i in 0..6 { small[i] &= 15; }\n"
	"at = find(small, key & 15);\n"
	"cls = classify(x);\n"
	"sum = capped(v);\n"
	"first_big = first_over(v, 200);\n";

static void flow_ref(const void *ctx, const u128 *in, u128 *out)
{
	(void)ctx;
	u128 key = in[6] & 15;
	out[0] = 255;
	for (int i = 0; i < 6; i++)
		if ((in[i] & 15) == key) {
			out[0] = (u128)i;
			break;
		}
	i128 z = sext(in[7], 16);
	i128 c = z < -100 ? -2 : z < 0 ? -1 : z == 0 ? 0 : z > 100 ? 100 : z;
	out[1] = (u128)c;
	u128 s = 0;
	out[2] = 300;
	for (int i = 0; i < 6; i++) {
		s += in[i];
		if (s > 300)
			break;
		if (i == 5)
			out[2] = s;
	}
	out[3] = 99;
	for (int i = 0; i < 6; i++)
		if (in[i] > 200) {
			out[3] = (u128)i;
			break;
		}
}

Test(lower, returns_under_secret_conditions)
{
	struct circ_circuit *c = compile(flow_src);
	check_against(c, flow_ref, NULL, "flow");
	circ_free(c);
}

static const char nested_if_src[] =
	"party a, b;\n"
	"input c1: bool from a;\n"
	"input c2: bool from b;\n"
	"input c3: bool from a;\n"
	"input x: u32 from a;\n"
	"input y: u32 from b;\n"
	"output oa: u32 to all;\n"
	"output ob: u32 to all;\n"
	"output oc: u32 to all;\n"
	"var p: u32 = 0;\n"
	"var q: u32 = x;\n"
	"var r: u32 = 5;\n"
	"if c1 {\n"
	"    p = x;\n"
	"    if c2 { q = y; } else { p = p + 1; r = 6; }\n"
	"} else if c3 {\n"
	"    q = q * 2;\n"
	"    for i in 0..3 { if c2 { r += i as u32; } }\n"
	"} else {\n"
	"    p = 7;\n"
	"    q = 0;\n"
	"}\n"
	"oa = p; ob = q; oc = r;\n";

static void nested_if_ref(const void *ctx, const u128 *in, u128 *out)
{
	(void)ctx;
	bool c1 = in[0] & 1, c2 = in[1] & 1, c3 = in[2] & 1;
	u128 x = in[3], y = in[4], p = 0, q = x, r = 5;
	if (c1) {
		p = x;
		if (c2) {
			q = y;
		} else {
			p = p + 1;
			r = 6;
		}
	} else if (c3) {
		q = q * 2;
		for (int i = 0; i < 3; i++)
			if (c2)
				r += (u128)i;
	} else {
		p = 7;
		q = 0;
	}
	out[0] = p;
	out[1] = q;
	out[2] = r;
}

Test(lower, nested_secret_ifs)
{
	struct circ_circuit *c = compile(nested_if_src);
	check_against(c, nested_if_ref, NULL, "nested ifs");
	circ_free(c);
}

static const char loops_src[] =
	"param N = 5;\n"
	"party a, b;\n"
	"input v: [u16; N] from a;\n"
	"output sorted: [u16; N] to all;\n"
	"output pairs: u16 to all;\n"
	"var s: [u16; N] = v;\n"
	"for i in 0..N {\n"
	"    for j in i + 1..N {\n"
	"        var lo: u16 = min(s[i], s[j]);\n"
	"        s[j] = max(s[i], s[j]);\n"
	"        s[i] = lo;\n"
	"    }\n"
	"}\n"
	"sorted = s;\n"
	"var n: u16 = 0;\n"
	"for i in 0..N { for j in 0..i { if v[j] < v[i] { n += 1; } } }\n"
	"pairs = n;\n";

static int cmp_u128(const void *a, const void *b)
{
	u128 x = *(const u128 *)a, y = *(const u128 *)b;
	return x < y ? -1 : x > y;
}

static void loops_ref(const void *ctx, const u128 *in, u128 *out)
{
	(void)ctx;
	u128 s[5];
	memcpy(s, in, sizeof(s));
	qsort(s, 5, sizeof(u128), cmp_u128);
	memcpy(out, s, sizeof(s));
	u128 n = 0;
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < i; j++)
			n += in[j] < in[i];
	out[5] = n;
}

Test(lower, loops_unroll)
{
	struct circ_circuit *c = compile(loops_src);
	check_against(c, loops_ref, NULL, "loops");
	circ_free(c);
}

/* ---- costs ---- */

static uint32_t public_acc(void)
{
	uint32_t acc = 1;
	for (uint32_t i = 0; i < 10; i++) {
		acc = acc * 3 + i / 2;
		if (acc > 100)
			acc -= 7;
	}
	return acc;
}

static void public_ref(const void *ctx, const u128 *in, u128 *out)
{
	(void)ctx;
	uint32_t acc = public_acc(), t[4] = {1, 2, 3, 4};
	out[0] = ((uint32_t)in[0] ^ acc) + t[acc % 4];
}

Test(lower, public_computation_costs_nothing)
{
	struct circ_circuit *c = compile(
	    "param N = 10;\nconst T: [u32; 4] = [1, 2, 3, 4];\nparty a, b;\n"
	    "input x: u32 from a;\noutput z: u32 to all;\n"
	    "fn step(v: u32, i: u32) -> u32 { var w: u32 = v * 3 + i / 2;\n"
	    "    if w > 100 { w -= 7; } return w; }\n"
	    "var acc: u32 = 1;\n"
	    "for i in 0..N { acc = step(acc, i as u32); }\n"
	    "var pub: [u32; 4] = T;\n"
	    "z = (x ^ acc) + pub[acc % 4];\n");
	check_against(c, public_ref, NULL, "public");
	/* as many ANDs as the same sum with the public values written as literals */
	char src[256];
	uint32_t acc = public_acc();
	snprintf(src, sizeof(src),
		 "party a, b;\ninput x: u32 from a;\noutput z: u32 to all;\nz = (x ^ %u) + %u;\n",
		 acc, acc % 4 + 1);
	struct circ_circuit *lit = compile(src);
	cr_assert_eq(and_count(c), and_count(lit));
	cr_assert_lt(and_count(c), 32);
	circ_free(lit);
	circ_free(c);
}

Test(lower, if_merge_costs_one_mux_per_changed_bit)
{
	/* both arms assign z: one mux of 32; an arm that leaves a variable as it was costs
	 * nothing; assigning a variable to itself costs nothing */
	struct circ_circuit *c = compile("party a, b;\ninput c: bool from a;\ninput x: u32 from a;\n"
					 "input y: u32 from b;\noutput z: u32 to all;\n"
					 "output w: u32 to all;\nvar t: u32 = y;\n"
					 "if c { z = x; t = t; } else { z = y; }\n"
					 "w = t;\n");
	cr_assert_eq(and_count(c), 32);
	circ_free(c);
	c = compile("party a, b;\ninput c: bool from a;\ninput x: u32 from a;\n"
		    "input y: u32 from b;\noutput z: u32 to all;\nz = y;\n"
		    "if c { z = x; }\n");
	cr_assert_eq(and_count(c), 32);
	circ_free(c);
	c = compile("party a, b;\ninput c: bool from a;\ninput x: u32 from a;\n"
		    "output z: u32 to all;\nz = x;\nif c { z = x; } else { z = z; }\n");
	cr_assert_eq(and_count(c), 0);
	circ_free(c);
}

Test(lower, secret_index_costs)
{
	/* reading [u8; 8] with a u3: 7 muxes of 8 bits; writing: 8 decoder lines (4 ANDs
	 * beyond the 2-bit halves) and 8 muxes of 8 bits */
	struct circ_circuit *c = compile("party a, b;\ninput v: [u8; 8] from a;\n"
					 "input s: u3 from b;\noutput z: u8 to all;\nz = v[s];\n");
	cr_assert_eq(and_count(c), 7 * 8);
	circ_free(c);
	c = compile("party a, b;\ninput v: [u8; 8] from a;\ninput s: u3 from b;\n"
		    "input x: u8 from b;\noutput z: [u8; 8] to all;\nz = v;\nz[s] = x;\n");
	cr_assert_leq(and_count(c), 8 * (8 + 3));
	circ_free(c);
	/* a constant power of two divides by shifting */
	c = compile("party a, b;\ninput x: u32 from a;\noutput q: u32 to all;\n"
		    "output r: u32 to all;\nq = x / 16; r = x % 16;\n");
	cr_assert_eq(and_count(c), 0);
	circ_free(c);
}

/* ---- the interface ---- */

Test(lower, interface_names_parties_and_recipients)
{
	struct circ_circuit *c = compile(
	    "param N = 3;\nstruct P { x: u8, y: i4 }\n"
	    "party alice, bidder[N], bob;\n"
	    "input a: i7 from alice;\n"
	    "input bid: u16 from bidder;\n"
	    "input m: [[bool; 2]; 2] from bob;\n"
	    "input p: P from bidder[1];\n"
	    "input d: [u8; 2] from bidder;\n"
	    "output r: u8 to bidder;\n"
	    "output s: P to all;\n"
	    "output t: bool to bob;\n"
	    "r[0] = bid[0] as u8; r[1] = p.x; r[2] = d[2][1];\n"
	    "s = p; t = m[1][0];\n");
	static const char *const parties[] = {"alice", "bidder[0]", "bidder[1]", "bidder[2]", "bob"};
	cr_assert_eq(c->nparties, 5);
	for (uint32_t i = 0; i < 5; i++)
		cr_assert_str_eq(c->parties[i], parties[i]);
	static const struct {
		const char *name;
		uint32_t width, flags, party;
	} inputs[] = {
	    {"a", 7, CIRC_SIGNED, 0},   {"bid[0]", 16, 0, 1}, {"bid[1]", 16, 0, 2},
	    {"bid[2]", 16, 0, 3},       {"m[0][0]", 1, 0, 4}, {"m[0][1]", 1, 0, 4},
	    {"m[1][0]", 1, 0, 4},       {"m[1][1]", 1, 0, 4}, {"p.x", 8, 0, 2},
	    {"p.y", 4, CIRC_SIGNED, 2}, {"d[0][0]", 8, 0, 1}, {"d[0][1]", 8, 0, 1},
	    {"d[1][0]", 8, 0, 2},       {"d[1][1]", 8, 0, 2}, {"d[2][0]", 8, 0, 3},
	    {"d[2][1]", 8, 0, 3},
	};
	cr_assert_eq(c->ninputs, ARRAY_LEN(inputs));
	for (uint32_t i = 0; i < ARRAY_LEN(inputs); i++) {
		cr_assert_str_eq(c->inputs[i].name, inputs[i].name);
		cr_assert_eq(c->inputs[i].width, inputs[i].width, "%s", inputs[i].name);
		cr_assert_eq(c->inputs[i].flags, inputs[i].flags, "%s", inputs[i].name);
		cr_assert_eq(c->inputs[i].party, inputs[i].party, "%s", inputs[i].name);
	}
	static const struct {
		const char *name;
		uint32_t width, flags, to;
	} outputs[] = {
	    {"r[0]", 8, 0, 1}, {"r[1]", 8, 0, 2}, {"r[2]", 8, 0, 3},
	    {"s.x", 8, 0, CIRC_ALL}, {"s.y", 4, CIRC_SIGNED, CIRC_ALL}, {"t", 1, 0, 4},
	};
	cr_assert_eq(c->noutputs, ARRAY_LEN(outputs));
	for (uint32_t i = 0; i < ARRAY_LEN(outputs); i++) {
		cr_assert_str_eq(c->outputs[i].name, outputs[i].name);
		cr_assert_eq(c->outputs[i].width, outputs[i].width, "%s", outputs[i].name);
		cr_assert_eq(c->outputs[i].flags, outputs[i].flags, "%s", outputs[i].name);
		cr_assert_eq(c->outputs[i].to, outputs[i].to, "%s", outputs[i].name);
	}
	circ_free(c);
}

/* ---- regressions found by differential testing (tests/diff) ---- */

/* Constant aggregates: a typed param inside an indexed literal (in a const and in a loop),
 * mux of arrays and structs in consts, == and != of constant arrays and structs, and an
 * untyped inner array typed by the first element of its array. */
static const char const_aggr_src[] =
	"param P: u8 = 7;\n"
	"param Q = 3;\n"
	"struct S { a: u8, b: [u8; 2] }\n"
	"const T: [u8; 3] = mux(Q > 2, [P, 1, P + 1], [0; 3]);\n"
	"const U: S = mux(false, S { a: 1, b: [2, 3] }, S { a: P, b: [4, P] });\n"
	"const E: bool = [1 as u8, 2] == [1 as u8, 3];\n"
	"const F: bool = U != S { a: 7, b: [4, 7] };\n"
	"const G: bool = [[1 as u8, 2], [3, 4]] == [[1, 2], [3, 4]];\n"
	"const H: u8 = [P][0];\n"
	"party a, b;\n"
	"input x: u8 from a;\n"
	"output o: u8 to all;\n"
	"output p: [u8; 3] to all;\n"
	"output f: [bool; 3] to all;\n"
	"o = x + H + U.b[1];\n"
	"for k in 0..3 { p[k] = [P, 1, P][k] ^ T[k] ^ x; }\n"
	"f = [E, F, G];\n";

static void const_aggr_ref(const void *ctx, const u128 *in, u128 *out)
{
	(void)ctx;
	u128 x = in[0];
	out[0] = (x + 14) & 0xff;
	out[1] = x;      /* 7 ^ 7 */
	out[2] = x;      /* 1 ^ 1 */
	out[3] = x ^ 15; /* 7 ^ 8 */
	out[4] = 0;      /* [1, 2] == [1, 3] */
	out[5] = 0;      /* {7, [4, 7]} != {7, [4, 7]} */
	out[6] = 1;
}

Test(lower, constant_aggregates_fold)
{
	struct circ_circuit *c = compile(const_aggr_src);
	cr_assert_eq(c->noutputs, 7);
	check_against(c, const_aggr_ref, NULL, "constant aggregates");
	circ_free(c);
}

/* popcount's count wraps in i1 and i2, folded at compile time as in the circuit. */
static void popcount_fold_ref(const void *ctx, const u128 *in, u128 *out)
{
	(void)ctx;
	out[0] = 0xff; /* popcount(-1 as i1) is -1 */
	out[1] = 0xfe; /* popcount(-1 as i2) is 2, which is -2 */
	out[2] = in[0] & 1 ? 0xff : 0;
	out[3] = 0xff; /* -1 >> 5 */
}

Test(lower, constant_popcount_wraps)
{
	struct circ_circuit *c = compile("party a, b;\ninput x: i8 from a;\noutput o: [i8; 4] to all;\n"
					 "o = [popcount(-1 as i1) as i8, popcount(-1 as i2) as i8,\n"
					 "     popcount(x as i1) as i8, (popcount(-1 as i1) >> 5) as i8];\n");
	check_against(c, popcount_fold_ref, NULL, "constant popcount");
	circ_free(c);
}

/* ---- errors and limits ---- */

Test(lower, front_end_errors_are_printed_and_fail)
{
	char *diags = NULL;
	struct circ_circuit *c = try_compile("party a;\ninput x: u8 from a;\noutput y: u8 to a;\n"
					     "y = x + q;\n",
					     NULL, &diags);
	cr_assert_null(c);
	cr_assert(strstr(diags, "t.mpc:4:9: error:"), "%s", diags);
	free(diags);
}

Test(lower, limits_stop_huge_programs)
{
	static const char src[] = "param N = 1000000;\nparty a, b;\ninput x: u64 from a;\n"
				  "output y: u64 to b;\nvar acc: u64 = x;\n"
				  "for i in 0..N { for j in 0..N { acc = acc * x; } }\ny = acc;\n";
	char *diags = NULL;
	struct compiler_options opt = {.max_steps = 5000};
	struct circ_circuit *c = try_compile(src, &opt, &diags);
	cr_assert_null(c);
	cr_assert(strstr(diags, "t.mpc:6:") && strstr(diags, "more than 5000 steps"), "%s",
		  diags);
	free(diags);
	opt = (struct compiler_options){.max_nodes = 100000};
	c = try_compile(src, &opt, &diags);
	cr_assert_null(c);
	cr_assert(strstr(diags, "grows past 100000 gates"), "%s", diags);
	free(diags);
	opt = (struct compiler_options){.max_bytes = 1 << 20};
	c = try_compile("party a, b;\ninput x: u64 from a;\noutput y: u64 to b;\n"
			"var big: [u64; 100000] = [x; 100000];\ny = big[5];\n",
			&opt, &diags);
	cr_assert_null(c);
	cr_assert(strstr(diags, "more than 1 MiB"), "%s", diags);
	free(diags);
}

Test(lower, stats_are_reported)
{
	struct compiler_stats st = {0};
	struct compiler_options opt = {.stats = &st};
	char *diags = NULL;
	struct circ_circuit *c = try_compile("party a, b;\ninput x: u8 from a;\ninput y: u8 from b;\n"
					     "output z: u8 to all;\nz = x * y;\n",
					     &opt, &diags);
	cr_assert(c, "%s", diags);
	cr_assert_eq(st.ands_built, and_count(c));
	cr_assert_gt(st.nodes, st.ands_built);
	cr_assert_eq(st.steps, 1);
	free(diags);
	circ_free(c);
}
