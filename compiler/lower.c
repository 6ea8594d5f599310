/* lower.c: turns a checked .mpc program into gates, by running it on bits.
 *
 * Lowering is an interpreter whose values are words of builder literals (blocks.h): it runs
 * the top-level statements in order, unrolls every `for`, inlines every call, and computes
 * each operator with a block of blocks.c. Public values (literals, params, consts, loop
 * indices and what is computed from them) are constant literals, so the builder folds them
 * and they cost nothing; expressions the front end marks LANG_CONST or LANG_LOOP are
 * evaluated with lang_eval() straight to constant bits.
 *
 * Variables. Every declaration (ids are dense) owns a slot: a buffer of literals, one per bit
 * of its type. Reading a variable gives a view of its slot; writing copies bits in. Each fn
 * also owns two pseudo-slots: "has returned" (one bit) and the return value.
 *
 * Secret `if`. When the condition folds to a constant only one arm runs. Otherwise both do,
 * each inside a scope: the first write to a variable inside a scope saves its old value in
 * the scope's log (and in every enclosing scope that does not hold one yet). When the arm
 * ends, each logged variable gets its old value back and the log entry keeps the arm's
 * value; after both arms, every variable either arm wrote becomes mux(c, then, else). The
 * mux is per bit and the builder's mux returns t when t == f, so a variable an arm leaves
 * unchanged (or sets to what the other arm sets) costs nothing. Variables declared inside
 * an arm are not logged: they die with it.
 *
 * `return` under a secret condition sets the "has returned" bit to a secret value. From
 * then on, the rest of the block (and each later iteration of a loop) runs as if under
 * `if !returned { ... }`, a guard scope merged the same way; inside it "has returned" starts
 * false. A `return` on a public path ends the function's lowering there.
 *
 * Secret indices: reading a[s] is a mux tree over the elements per bit (len - 1 muxes per
 * bit), masked with s < len when s can exceed the last index; writing a[s] = x decodes s
 * into one line per element (about len ANDs) and muxes x into each element.
 *
 * Memory: temporaries come from a stack of chunks released after each statement; slots and
 * logs are malloc'd per variable, never per bit. Errors (limits, out of memory) print a
 * diagnostic and longjmp to lower_program, which frees everything reachable from the
 * context. The lowering runs on a thread with a large stack, as calls, blocks and
 * expressions may each nest LANG_MAX_DEPTH deep.
 */
#include "compiler.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blocks.h"
#include "lang.h"
#include "sums.h"

enum {
	CHUNK_BYTES = 1 << 20,     /* temporaries are carved from chunks of at least this */
	MAX_RECURSION = 200000,    /* lowering's own nesting (exprs, stmts, calls) */
};
static const size_t THREAD_STACK = (size_t)512 << 20;

/* A value: n literals, least significant bit first. Either a view into a slot (read only)
 * or a temporary. */
struct word {
	bit *b;
	uint64_t n;
};

struct slot {
	bit *bits;       /* nbits literals, malloc'd; NULL until declared */
	uint64_t nbits;
	uint32_t level;  /* scopes open when it was declared: only newer ones log it */
	uint64_t logged; /* serial of the innermost scope holding its old value (0: none) */
	uint32_t entry;  /* its entry in that scope's log */
	uint32_t mark;   /* during a merge: 1 + its entry in the then-arm's log */
};

struct logent {
	uint32_t slot;
	uint32_t prev_entry; /* the slot's `entry` before this one */
	bit *old;            /* its value when the scope opened; after closing, the result */
	uint64_t prev;       /* the slot's `logged` before this entry */
	uint64_t lo, hi;     /* the bits written while the scope was open: [lo, hi) */
};

struct scope {
	uint64_t serial;
	bit cond; /* guard scopes: the condition their world runs under */
	struct logent *e;
	uint32_t n, cap;
};

struct frame {
	uint32_t ret, val; /* the fn's pseudo-slots */
};

struct tchunk {
	struct tchunk *prev;
	size_t cap, used;
	max_align_t data[];
};

struct tmark {
	struct tchunk *chunk;
	size_t used;
};

/* One secret index step of an assignment target: the element among len that idx selects,
 * then tail bits further in. */
struct lstep {
	struct word idx;
	uint64_t elem_bits, len, tail;
	bit *lines; /* the decoded index, one literal per element */
};

struct lval {
	uint32_t slot;
	uint64_t off; /* bits before the first secret step */
	bool dead;    /* a public index past the end: the write does nothing */
	uint32_t nsteps;
	struct lstep *steps;
};

struct lower {
	const struct lang_program *p;
	struct bld *b;
	struct circ_circuit *c;
	FILE *diag;
	jmp_buf jmp;
	bool ok;
	const struct lang_loc *loc; /* the statement being lowered, for diagnostics */
	uint64_t max_steps, max_nodes, max_bytes;
	uint64_t steps, bytes;
	uint32_t depth;

	struct tchunk *tmp, *spare;
	struct slot *slots;
	uint32_t nslots;
	struct scope *scopes, *held; /* open scopes; closed ones waiting for their merge */
	uint32_t nscopes, scopes_cap, nheld, held_cap;
	uint64_t serial;
	struct frame *frames;
	uint32_t nframes, frames_cap;
	struct lang_int *idx; /* loop index values by decl id; n == 0: not running */
	uint64_t (*idx_limbs)[2];
	bit **consts; /* lowered array and struct consts by decl id */
	struct lang_env env;
	struct lower_sums *sums; /* the sums that become sum groups; NULL: none */
	bool want_sums;
};

/* ---- errors and memory ---- */

static void print_error(FILE *f, const struct lang_loc *loc, const char *fmt, va_list ap)
{
	if (!f)
		return;
	if (loc && loc->file && loc->line)
		fprintf(f, "%s:%u:%u: error: ", loc->file, loc->line, loc->col);
	else if (loc && loc->file)
		fprintf(f, "%s: error: ", loc->file);
	else
		fprintf(f, "error: ");
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

/* Reports an error at loc (NULL: the current statement) and unwinds to lower_program. */
static _Noreturn void fail(struct lower *L, const struct lang_loc *loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	print_error(L->diag, loc ? loc : L->loc, fmt, ap);
	va_end(ap);
	longjmp(L->jmp, 1);
}

static void *mem_alloc(struct lower *L, size_t size)
{
	if (size > L->max_bytes || L->bytes > L->max_bytes - size)
		fail(L, NULL, "compiling this needs more than %llu MiB of memory",
		     (unsigned long long)(L->max_bytes >> 20));
	void *p = malloc(size ? size : 1);
	if (!p)
		fail(L, NULL, "out of memory");
	L->bytes += size;
	return p;
}

static void mem_free(struct lower *L, void *p, size_t size)
{
	if (!p)
		return;
	L->bytes -= size;
	free(p);
}

/* arr (elements of size sz, capacity *cap) grown to hold n + 1; returns the array. */
static void *grow(struct lower *L, void *arr, uint32_t *cap, uint32_t n, size_t sz)
{
	if (n < *cap)
		return arr;
	if (*cap >= UINT32_MAX / 2)
		fail(L, NULL, "too many nested scopes or calls");
	uint32_t ncap = *cap ? *cap * 2 : 16;
	void *p = mem_alloc(L, (size_t)ncap * sz);
	if (arr)
		memcpy(p, arr, (size_t)*cap * sz);
	mem_free(L, arr, (size_t)*cap * sz);
	*cap = ncap;
	return p;
}

static void *tmp_alloc(struct lower *L, size_t size)
{
	size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	struct tchunk *c = L->tmp;
	if (!c || c->cap - c->used < size) {
		if (L->spare && size <= L->spare->cap) {
			c = L->spare;
			L->spare = NULL;
		} else {
			size_t cap = size > CHUNK_BYTES ? size : CHUNK_BYTES;
			if (cap > SIZE_MAX - sizeof(*c))
				fail(L, NULL, "out of memory");
			c = mem_alloc(L, sizeof(*c) + cap);
			c->cap = cap;
		}
		c->used = 0;
		c->prev = L->tmp;
		L->tmp = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

static struct tmark tmp_mark(struct lower *L)
{
	return (struct tmark){L->tmp, L->tmp ? L->tmp->used : 0};
}

static void chunk_free(struct lower *L, struct tchunk *c)
{
	if (!L->spare && c->cap == CHUNK_BYTES) {
		L->spare = c;
		return;
	}
	mem_free(L, c, sizeof(*c) + c->cap);
}

static void tmp_release(struct lower *L, struct tmark m)
{
	while (L->tmp && L->tmp != m.chunk) {
		struct tchunk *c = L->tmp;
		L->tmp = c->prev;
		chunk_free(L, c);
	}
	if (L->tmp)
		L->tmp->used = m.used;
}

static bit *tmp_bits(struct lower *L, uint64_t n)
{
	if (n > SIZE_MAX / sizeof(bit) / 2)
		fail(L, NULL, "out of memory");
	return tmp_alloc(L, (size_t)n * sizeof(bit));
}

static struct word tmp_word(struct lower *L, uint64_t n)
{
	return (struct word){tmp_bits(L, n), n};
}

static struct word zero_word(struct lower *L, uint64_t n)
{
	struct word w = tmp_word(L, n);
	for (uint64_t j = 0; j < n; j++)
		w.b[j] = BIT_0;
	return w;
}

static struct word bit_word(struct lower *L, bit x)
{
	struct word w = tmp_word(L, 1);
	w.b[0] = x;
	return w;
}

/* Gives up when the builder failed or the circuit outgrew the limit. */
static void check_limits(struct lower *L)
{
	if (bld_failed(L->b))
		fail(L, NULL, "out of memory while building the circuit");
	if (bld_node_count(L->b) > L->max_nodes)
		fail(L, NULL, "the circuit grows past %llu gates; this is the compiler's limit",
		     (unsigned long long)L->max_nodes);
}

static void enter(struct lower *L)
{
	if (++L->depth > MAX_RECURSION)
		fail(L, NULL, "calls and blocks nest too deeply to lower");
}

/* ---- compile-time values ---- */

static const struct lang_int *env_lookup(void *ctx, const struct ast_decl *d)
{
	struct lower *L = ctx;
	if (d->kind != AST_D_LOOP_INDEX || L->idx[d->id].n == 0)
		return NULL;
	return &L->idx[d->id];
}

static bool is_compile_time(const struct ast_expr *e)
{
	return e->phase == LANG_CONST || e->phase == LANG_LOOP;
}

/* The value of a LANG_CONST or LANG_LOOP scalar expression: fn(ctx, value). */
static void with_value(struct lower *L, const struct ast_expr *e,
		       void (*fn)(void *ctx, const struct lang_int *v), void *ctx)
{
	if (e->phase == LANG_CONST && e->value.n > 0) {
		fn(ctx, &e->value);
		return;
	}
	struct lang_int v = {0};
	if (lang_eval(e, &L->env, &v) != 0)
		fail(L, &e->loc, "cannot compute this value at compile time");
	fn(ctx, &v);
	lang_int_free(&v);
}

struct to_bits {
	uint32_t width;
	uint64_t *limbs;
};

static void put_bits(void *ctx, const struct lang_int *v)
{
	struct to_bits *t = ctx;
	lang_int_to_bits(v, t->width, t->limbs);
}

/* A compile-time scalar of a typed (or bool) expression, as constant literals. */
static struct word const_scalar(struct lower *L, const struct ast_expr *e)
{
	const struct lang_type *t = e->type;
	if (t->kind != LANG_T_BOOL && !lang_type_is_int(t))
		fail(L, &e->loc, "internal error: an untyped value where bits are needed");
	uint32_t width = t->kind == LANG_T_BOOL ? 1 : t->width;
	struct to_bits tb = {width, tmp_alloc(L, circ_limbs(width) * sizeof(uint64_t))};
	struct word w = tmp_word(L, width);
	with_value(L, e, put_bits, &tb);
	blk_const(w.b, width, tb.limbs);
	return w;
}

struct to_u64 {
	uint64_t v;
	bool neg;
};

static void put_u64(void *ctx, const struct lang_int *v)
{
	struct to_u64 *t = ctx;
	t->neg = lang_int_is_neg(v);
	if (t->neg || !lang_int_get_u64(v, &t->v))
		t->v = UINT64_MAX;
}

/* True when every literal of w is a constant; *v gets its value (UINT64_MAX when larger). */
static bool word_const(struct word w, uint64_t *v)
{
	uint64_t x = 0;
	bool big = false;
	for (uint64_t j = 0; j < w.n; j++) {
		if (w.b[j] > BIT_1)
			return false;
		if (w.b[j] == BIT_1) {
			if (j < 64)
				x |= (uint64_t)1 << j;
			else
				big = true;
		}
	}
	*v = big ? UINT64_MAX : x;
	return true;
}

static struct word lower_expr(struct lower *L, const struct ast_expr *e);

/* An index or shift amount: true with *v when it is known (saturated at UINT64_MAX), false
 * with its literals in *w when it is secret. */
static bool public_u64(struct lower *L, const struct ast_expr *e, struct word *w, uint64_t *v)
{
	if (e->type->kind == LANG_T_INT || is_compile_time(e)) {
		struct to_u64 t;
		with_value(L, e, put_u64, &t);
		*v = t.v;
		return true;
	}
	*w = lower_expr(L, e);
	return word_const(*w, v);
}

/* ---- secret indices ---- */

static uint64_t pow2_or_max(uint32_t k)
{
	return k >= 64 ? UINT64_MAX : (uint64_t)1 << k;
}

/* lines[v] = (x == v) for v < count, x the m-bit number at x, count <= 2^m: the lines of
 * the two halves, then one AND per line. */
static void decode(struct lower *L, bit *lines, const bit *x, uint32_t m, uint64_t count)
{
	if (m == 0) {
		lines[0] = BIT_1;
		return;
	}
	if (m == 1) {
		lines[0] = bld_not(x[0]);
		if (count > 1)
			lines[1] = x[0];
		return;
	}
	uint32_t lo = m / 2;
	uint64_t lo_size = pow2_or_max(lo);
	uint64_t nlo = count < lo_size ? count : lo_size;
	uint64_t nhi = lo_size == UINT64_MAX ? 1 : (count - 1) / lo_size + 1;
	bit *a = tmp_bits(L, nlo), *h = tmp_bits(L, nhi);
	decode(L, a, x, lo, nlo);
	decode(L, h, x + lo, m - lo, nhi);
	for (uint64_t v = 0; v < count; v++) {
		uint64_t i = lo_size == UINT64_MAX ? v : v % lo_size;
		uint64_t k = lo_size == UINT64_MAX ? 0 : v / lo_size;
		lines[v] = bld_and(L->b, a[i], h[k]);
	}
}

/* One line per element of an array of len: lines past what idx can reach are 0. */
static bit *decode_index(struct lower *L, struct word idx, uint64_t len)
{
	bit *lines = tmp_bits(L, len);
	uint64_t reach = pow2_or_max((uint32_t)(idx.n < 64 ? idx.n : 64));
	uint64_t count = len < reach ? len : reach;
	decode(L, lines, idx.b, (uint32_t)idx.n, count);
	for (uint64_t v = count; v < len; v++)
		lines[v] = BIT_0;
	return lines;
}

/* idx < len, free when idx cannot reach len. */
static bit in_range(struct lower *L, struct word idx, uint64_t len)
{
	if (idx.n < 64 && len >= ((uint64_t)1 << idx.n))
		return BIT_1;
	struct word lw = tmp_word(L, idx.n);
	for (uint64_t j = 0; j < idx.n; j++)
		lw.b[j] = j < 64 && (len >> j) & 1 ? BIT_1 : BIT_0;
	return blk_lt(L->b, idx.b, lw.b, (uint32_t)idx.n, false);
}

/* arr[idx] for a secret idx: per bit, a mux tree over the elements driven by idx's low
 * bits (an odd element out passes up unchanged), then ANDed with idx < len. */
static struct word select_elem(struct lower *L, struct word arr, uint64_t elem_bits, uint64_t len,
			       struct word idx)
{
	struct word out = tmp_word(L, elem_bits);
	uint32_t levels = 0;
	while (((uint64_t)1 << levels) < len)
		levels++;
	bit ok = in_range(L, idx, len);
	bit *sc = tmp_bits(L, len);
	for (uint64_t j = 0; j < elem_bits; j++) {
		for (uint64_t k = 0; k < len; k++)
			sc[k] = arr.b[k * elem_bits + j];
		uint64_t cnt = len;
		for (uint32_t lev = 0; lev < levels; lev++) {
			bit s = lev < idx.n ? idx.b[lev] : BIT_0;
			for (uint64_t k = 0; k < cnt / 2; k++)
				sc[k] = bld_mux(L->b, s, sc[2 * k + 1], sc[2 * k]);
			if (cnt % 2)
				sc[cnt / 2] = sc[cnt - 1];
			cnt = (cnt + 1) / 2;
		}
		out.b[j] = bld_and(L->b, sc[0], ok);
	}
	check_limits(L);
	return out;
}

/* ---- operators ---- */

static struct word shift(struct lower *L, enum ast_op op, const struct lang_type *t,
			 struct word a, const struct ast_expr *amount)
{
	uint32_t n = (uint32_t)a.n;
	bool arith = t->kind == LANG_T_SINT;
	struct word out = tmp_word(L, n), amt;
	uint64_t k;
	if (public_u64(L, amount, &amt, &k)) {
		if (op == AST_OP_SHL)
			blk_shl_const(out.b, a.b, n, k);
		else
			blk_shr_const(out.b, a.b, n, k, arith);
	} else if (op == AST_OP_SHL) {
		blk_shl(L->b, out.b, a.b, n, amt.b, (uint32_t)amt.n);
	} else {
		blk_shr(L->b, out.b, a.b, n, amt.b, (uint32_t)amt.n, arith);
	}
	return out;
}

/* x / y or x % y; a constant power-of-two divisor of an unsigned type is a shift. */
static struct word divide(struct lower *L, enum ast_op op, bool sgn, struct word x, struct word y)
{
	uint32_t n = (uint32_t)x.n;
	struct word out = tmp_word(L, n);
	uint64_t v;
	if (!sgn && word_const(y, &v) && v != 0 && v != UINT64_MAX && (v & (v - 1)) == 0) {
		uint32_t k = 0;
		while ((v >> k) != 1)
			k++;
		for (uint32_t j = 0; j < n; j++) {
			if (op == AST_OP_DIV)
				out.b[j] = j + k < n ? x.b[j + k] : BIT_0;
			else
				out.b[j] = j < k ? x.b[j] : BIT_0;
		}
		return out;
	}
	bit *q = op == AST_OP_DIV ? out.b : NULL, *r = op == AST_OP_MOD ? out.b : NULL;
	if (sgn)
		blk_sdivmod(L->b, q, r, x.b, y.b, n);
	else
		blk_udivmod(L->b, q, r, x.b, y.b, n);
	return out;
}

/* a op b, where a has the type t (the left operand's) and b is the expression be. */
static struct word binop(struct lower *L, enum ast_op op, const struct lang_type *t, struct word a,
			 const struct ast_expr *be)
{
	if (op == AST_OP_SHL || op == AST_OP_SHR)
		return shift(L, op, t, a, be);
	struct word y = lower_expr(L, be);
	bool sgn = t->kind == LANG_T_SINT;
	uint32_t n = (uint32_t)a.n;
	struct word out;
	switch (op) {
	case AST_OP_ADD:
	case AST_OP_SUB:
	case AST_OP_MUL:
		out = tmp_word(L, n);
		if (op == AST_OP_ADD)
			blk_add(L->b, out.b, a.b, y.b, n);
		else if (op == AST_OP_SUB)
			blk_sub(L->b, out.b, a.b, y.b, n);
		else
			blk_mul(L->b, out.b, a.b, y.b, n);
		return out;
	case AST_OP_DIV:
	case AST_OP_MOD:
		return divide(L, op, sgn, a, y);
	case AST_OP_AND:
	case AST_OP_OR:
	case AST_OP_XOR:
	case AST_OP_LAND:
	case AST_OP_LOR:
		out = tmp_word(L, n);
		for (uint32_t j = 0; j < n; j++) {
			if (op == AST_OP_XOR)
				out.b[j] = bld_xor(L->b, a.b[j], y.b[j]);
			else if (op == AST_OP_AND || op == AST_OP_LAND)
				out.b[j] = bld_and(L->b, a.b[j], y.b[j]);
			else
				out.b[j] = bld_or(L->b, a.b[j], y.b[j]);
		}
		return out;
	case AST_OP_EQ:
	case AST_OP_NE: {
		bit eq = BIT_1;
		if (a.n > 0)
			eq = blk_eq(L->b, a.b, y.b, (uint32_t)a.n);
		return bit_word(L, op == AST_OP_EQ ? eq : bld_not(eq));
	}
	case AST_OP_LT:
		return bit_word(L, blk_lt(L->b, a.b, y.b, n, sgn));
	case AST_OP_GT:
		return bit_word(L, blk_lt(L->b, y.b, a.b, n, sgn));
	case AST_OP_LE:
		return bit_word(L, blk_le(L->b, a.b, y.b, n, sgn));
	case AST_OP_GE:
		return bit_word(L, blk_le(L->b, y.b, a.b, n, sgn));
	default:
		fail(L, &be->loc, "internal error: operator %s", ast_op_str(op));
	}
}

/* Whether w is the constant that min (want_max false) or max ignores: the type's largest
 * value for min, its smallest for max. */
static bool is_identity(struct word w, bool sgn, bool for_max)
{
	for (uint64_t j = 0; j < w.n; j++) {
		bool top = j + 1 == w.n;
		bit want = (for_max ? (sgn && top) : !(sgn && top)) ? BIT_1 : BIT_0;
		if (w.b[j] != want)
			return false;
	}
	return true;
}

static struct word lower_minmax(struct lower *L, const struct ast_expr *e)
{
	bool want_max = e->builtin == AST_B_MAX, sgn = e->type->kind == LANG_T_SINT;
	struct word acc = lower_expr(L, e->args[0]);
	uint32_t n = (uint32_t)acc.n;
	for (uint32_t i = 1; i < e->nargs; i++) {
		struct word x = lower_expr(L, e->args[i]);
		if (is_identity(x, sgn, want_max))
			continue;
		if (is_identity(acc, sgn, want_max)) {
			acc = x;
			continue;
		}
		struct word out = tmp_word(L, n);
		blk_minmax(L->b, want_max ? NULL : out.b, want_max ? out.b : NULL, acc.b, x.b, n,
			   sgn);
		acc = out;
	}
	return acc;
}

/* c ? t : f, lowering only the arm a constant condition picks. */
static struct word lower_select(struct lower *L, const struct ast_expr *ce,
				const struct ast_expr *te, const struct ast_expr *fe)
{
	bit c = lower_expr(L, ce).b[0];
	if (c == BIT_1)
		return lower_expr(L, te);
	if (c == BIT_0)
		return lower_expr(L, fe);
	struct word t = lower_expr(L, te), f = lower_expr(L, fe);
	struct word out = tmp_word(L, t.n);
	for (uint64_t j = 0; j < t.n; j++)
		out.b[j] = bld_mux(L->b, c, t.b[j], f.b[j]);
	return out;
}

static struct word lower_unary(struct lower *L, const struct ast_expr *e)
{
	struct word a = lower_expr(L, e->a);
	struct word out = tmp_word(L, a.n);
	if (e->op == AST_OP_NEG) {
		blk_neg(L->b, out.b, a.b, (uint32_t)a.n);
		return out;
	}
	for (uint64_t j = 0; j < a.n; j++) /* ~ and ! */
		out.b[j] = bld_not(a.b[j]);
	return out;
}

static struct word lower_cast(struct lower *L, const struct ast_expr *e)
{
	struct word a = lower_expr(L, e->a);
	if (e->type->kind == LANG_T_BOOL) /* from bool, u1 or i1 */
		return bit_word(L, a.b[0]);
	struct word out = tmp_word(L, e->type->width);
	blk_resize(out.b, e->type->width, a.b, (uint32_t)a.n, e->a->type->kind == LANG_T_SINT);
	return out;
}

static struct word lower_index(struct lower *L, const struct ast_expr *e)
{
	const struct lang_type *ta = e->a->type;
	uint64_t eb = ta->elem->bits, i;
	struct word base = lower_expr(L, e->a), idx;
	if (public_u64(L, e->b, &idx, &i)) {
		if (i >= ta->len)
			return zero_word(L, eb);
		return (struct word){base.b + i * eb, eb};
	}
	return select_elem(L, base, eb, ta->len, idx);
}

/* The bits of a list of values laid end to end (array, struct and tuple literals). */
static struct word lower_concat(struct lower *L, const struct ast_expr *e)
{
	struct word out = tmp_word(L, e->type->bits);
	uint64_t off = 0;
	for (uint32_t i = 0; i < e->nargs; i++) {
		struct word a = lower_expr(L, e->args[i]);
		if (e->kind == AST_E_STRUCT)
			off = e->type->strct->fields[i].offset;
		memcpy(out.b + off, a.b, a.n * sizeof(bit));
		off += a.n;
	}
	return out;
}

static struct word lower_call(struct lower *L, const struct ast_expr *e);

static struct word lower_const_decl(struct lower *L, const struct ast_decl *d)
{
	if (!L->consts[d->id]) {
		struct word w = lower_expr(L, d->init);
		bit *keep = mem_alloc(L, w.n * sizeof(bit));
		memcpy(keep, w.b, w.n * sizeof(bit));
		L->consts[d->id] = keep;
	}
	return (struct word){L->consts[d->id], d->type->bits};
}

static struct word lower_name(struct lower *L, const struct ast_expr *e)
{
	const struct ast_decl *d = e->decl;
	if (d->kind == AST_D_CONST || d->kind == AST_D_PARAM)
		return lower_const_decl(L, d);
	if (d->kind == AST_D_LOOP_INDEX) /* always compile-time: handled before */
		fail(L, &e->loc, "internal error: loop index '%s' out of its loop", d->name);
	const struct slot *s = &L->slots[d->id];
	if (!s->bits)
		return zero_word(L, d->type->bits);
	return (struct word){s->bits, s->nbits};
}

static struct word lower_builtin(struct lower *L, const struct ast_expr *e)
{
	switch (e->builtin) {
	case AST_B_MIN:
	case AST_B_MAX:
		return lower_minmax(L, e);
	case AST_B_MUX:
		return lower_select(L, e->args[0], e->args[1], e->args[2]);
	case AST_B_POPCOUNT: {
		struct word x = lower_expr(L, e->args[0]);
		struct word out = tmp_word(L, x.n);
		blk_popcount(L->b, out.b, (uint32_t)x.n, x.b, (uint32_t)x.n);
		return out;
	}
	}
	fail(L, &e->loc, "internal error: builtin %s", e->name);
}

/* e's value as literals: a view of a slot or a constant table (read only), or a temporary. */
static struct word lower_expr(struct lower *L, const struct ast_expr *e)
{
	if (lang_type_is_scalar(e->type) && is_compile_time(e))
		return const_scalar(L, e);
	enter(L);
	struct word w;
	switch (e->kind) {
	case AST_E_NAME:
		w = lower_name(L, e);
		break;
	case AST_E_UNARY:
		w = lower_unary(L, e);
		break;
	case AST_E_BINARY:
		w = binop(L, e->op, e->a->type, lower_expr(L, e->a), e->b);
		break;
	case AST_E_COND:
		w = lower_select(L, e->a, e->b, e->c);
		break;
	case AST_E_CAST:
		w = lower_cast(L, e);
		break;
	case AST_E_INDEX:
		w = lower_index(L, e);
		break;
	case AST_E_FIELD: {
		struct word base = lower_expr(L, e->a);
		w = (struct word){base.b + e->a->type->strct->fields[e->field].offset, e->type->bits};
		break;
	}
	case AST_E_CALL:
		w = lower_call(L, e);
		break;
	case AST_E_BUILTIN:
		w = lower_builtin(L, e);
		break;
	case AST_E_ARRAY:
	case AST_E_STRUCT:
	case AST_E_TUPLE:
		w = lower_concat(L, e);
		break;
	case AST_E_REPEAT: {
		struct word a = lower_expr(L, e->a);
		w = tmp_word(L, e->type->bits);
		for (uint64_t k = 0; k < e->len; k++)
			memcpy(w.b + k * a.n, a.b, a.n * sizeof(bit));
		break;
	}
	default:
		fail(L, &e->loc, "internal error: expression kind %d", (int)e->kind);
	}
	L->depth--;
	return w;
}

/* ---- variables and scopes ---- */

static void slot_declare(struct lower *L, uint32_t id, uint64_t nbits, const bit *init)
{
	struct slot *s = &L->slots[id];
	if (!s->bits || s->nbits != nbits) {
		bit *nb = mem_alloc(L, nbits * sizeof(bit));
		if (init)
			memcpy(nb, init, nbits * sizeof(bit));
		mem_free(L, s->bits, s->nbits * sizeof(bit));
		s->bits = nb;
		s->nbits = nbits;
	} else if (init) {
		memmove(s->bits, init, nbits * sizeof(bit));
	}
	if (!init)
		for (uint64_t j = 0; j < nbits; j++)
			s->bits[j] = BIT_0;
	s->level = L->nscopes;
	s->logged = L->nscopes ? L->scopes[L->nscopes - 1].serial : 0;
	s->mark = 0;
}

static void log_slot(struct lower *L, uint32_t k, uint32_t id)
{
	struct scope *sc = &L->scopes[k];
	struct slot *s = &L->slots[id];
	sc->e = grow(L, sc->e, &sc->cap, sc->n, sizeof(*sc->e));
	bit *old = mem_alloc(L, s->nbits * sizeof(bit));
	memcpy(old, s->bits, s->nbits * sizeof(bit));
	sc->e[sc->n] = (struct logent){id, s->entry, old, s->logged, UINT64_MAX, 0};
	s->entry = sc->n++;
	s->logged = sc->serial;
}

/* Call before changing bits [lo, hi) of slot id: saves its value in every open scope,
 * newer than its declaration, that does not hold it yet, and widens the innermost scope's
 * record of what changed. (A write seen by an inner scope reaches the outer ones when the
 * inner scope is merged, which writes the slot again.) */
static void note_write(struct lower *L, uint32_t id, uint64_t lo, uint64_t hi)
{
	struct slot *s = &L->slots[id];
	if (L->nscopes <= s->level || lo >= hi)
		return;
	uint32_t top = L->nscopes - 1;
	if (L->scopes[top].serial > s->logged) {
		uint32_t k = top;
		while (k > s->level && L->scopes[k - 1].serial > s->logged)
			k--;
		for (; k <= top; k++)
			log_slot(L, k, id);
	}
	struct logent *e = &L->scopes[top].e[s->entry];
	e->lo = lo < e->lo ? lo : e->lo;
	e->hi = hi > e->hi ? hi : e->hi;
}

static void scope_open(struct lower *L, bit cond)
{
	L->scopes = grow(L, L->scopes, &L->scopes_cap, L->nscopes, sizeof(*L->scopes));
	L->scopes[L->nscopes++] = (struct scope){.serial = ++L->serial, .cond = cond};
}

/* Closes the innermost scope: each slot it logged gets its old value back and the entry
 * keeps the value the scope left. The scope goes on the held stack for merge(). */
static void scope_close(struct lower *L)
{
	L->held = grow(L, L->held, &L->held_cap, L->nheld, sizeof(*L->held));
	struct scope *sc = &L->scopes[--L->nscopes];
	for (uint32_t k = sc->n; k-- > 0;) {
		struct logent *e = &sc->e[k];
		struct slot *s = &L->slots[e->slot];
		bit *t = s->bits;
		s->bits = e->old;
		e->old = t;
		s->logged = e->prev;
		s->entry = e->prev_entry;
	}
	L->held[L->nheld++] = *sc;
}

static void scope_free(struct lower *L, struct scope *sc)
{
	for (uint32_t k = 0; k < sc->n; k++)
		mem_free(L, sc->e[k].old, L->slots[sc->e[k].slot].nbits * sizeof(bit));
	mem_free(L, sc->e, (size_t)sc->cap * sizeof(*sc->e));
	sc->e = NULL;
	sc->n = sc->cap = 0;
}

/* Bits [lo, hi) of slot id = c ? tv : fv, bit by bit (outside the range tv and fv both
 * equal the slot). */
static void mux_into(struct lower *L, uint32_t id, bit c, const bit *tv, const bit *fv,
		     uint64_t lo, uint64_t hi)
{
	struct slot *s = &L->slots[id];
	if (lo >= hi)
		return;
	size_t bytes = (hi - lo) * sizeof(bit);
	if (memcmp(tv + lo, fv + lo, bytes) == 0) {
		if (fv != s->bits && memcmp(fv + lo, s->bits + lo, bytes) != 0) {
			note_write(L, id, lo, hi);
			memcpy(s->bits + lo, fv + lo, bytes);
		}
		return;
	}
	note_write(L, id, lo, hi);
	for (uint64_t j = lo; j < hi; j++)
		s->bits[j] = bld_mux(L->b, c, tv[j], fv[j]);
}

/* Merges the held scopes: with two, the top is the else-arm and the one below the then-arm;
 * with one (two_arms false), it is the then-arm and the else world is the slots' values. */
static void merge(struct lower *L, bit c, bool two_arms)
{
	struct scope *t = &L->held[L->nheld - 1 - two_arms];
	struct scope *f = two_arms ? &L->held[L->nheld - 1] : NULL;
	for (uint32_t k = 0; k < t->n; k++)
		L->slots[t->e[k].slot].mark = k + 1;
	for (uint32_t k = 0; f && k < f->n; k++) {
		const struct logent *e = &f->e[k];
		struct slot *s = &L->slots[e->slot];
		const bit *tv = s->bits;
		uint64_t lo = e->lo, hi = e->hi;
		if (s->mark) {
			const struct logent *te = &t->e[s->mark - 1];
			tv = te->old;
			lo = te->lo < lo ? te->lo : lo;
			hi = te->hi > hi ? te->hi : hi;
		}
		s->mark = 0;
		mux_into(L, e->slot, c, tv, e->old, lo, hi);
	}
	for (uint32_t k = 0; k < t->n; k++) {
		const struct logent *e = &t->e[k];
		struct slot *s = &L->slots[e->slot];
		if (!s->mark)
			continue;
		s->mark = 0;
		mux_into(L, e->slot, c, e->old, s->bits, e->lo, e->hi);
	}
	check_limits(L);
	if (f)
		scope_free(L, &L->held[--L->nheld]);
	scope_free(L, &L->held[--L->nheld]);
}

/* ---- statements ---- */

static void exec_block(struct lower *L, const struct ast_block *blk);

/* The current function's "has returned" literal; BIT_0 outside functions. */
static bit returned(const struct lower *L)
{
	if (L->nframes == 0)
		return BIT_0;
	return L->slots[L->frames[L->nframes - 1].ret].bits[0];
}

static void set_slot_bit(struct lower *L, uint32_t id, bit x)
{
	note_write(L, id, 0, 1);
	L->slots[id].bits[0] = x;
}

/* From here on the world where the function has not returned runs alone. */
static void guard_open(struct lower *L)
{
	uint32_t ret = L->frames[L->nframes - 1].ret;
	scope_open(L, bld_not(L->slots[ret].bits[0]));
	set_slot_bit(L, ret, BIT_0);
}

static void guard_close(struct lower *L)
{
	bit cond = L->scopes[L->nscopes - 1].cond;
	scope_close(L);
	merge(L, cond, false);
}

static void secret_if(struct lower *L, bit c, const struct ast_stmt *s)
{
	scope_open(L, c);
	exec_block(L, s->then);
	scope_close(L);
	if (s->els) {
		scope_open(L, bld_not(c));
		exec_block(L, s->els);
		scope_close(L);
	}
	merge(L, c, s->els != NULL);
}

/* Builds the target's path: public offsets fold into off (or a step's tail), secret
 * indices become steps. */
static void resolve(struct lower *L, const struct ast_expr *t, struct lval *lv)
{
	enter(L);
	uint64_t add = 0;
	if (t->kind == AST_E_NAME) {
		lv->slot = t->decl->id;
	} else if (t->kind == AST_E_FIELD) {
		resolve(L, t->a, lv);
		add = t->a->type->strct->fields[t->field].offset;
	} else if (t->kind == AST_E_INDEX) {
		resolve(L, t->a, lv);
		const struct lang_type *ta = t->a->type;
		struct word idx;
		uint64_t i;
		if (public_u64(L, t->b, &idx, &i)) {
			if (i >= ta->len)
				lv->dead = true;
			else
				add = i * ta->elem->bits;
		} else {
			struct lstep *st = &lv->steps[lv->nsteps++];
			*st = (struct lstep){idx, ta->elem->bits, ta->len, 0, NULL};
		}
	} else {
		fail(L, &t->loc, "internal error: not an assignment target");
	}
	if (lv->nsteps)
		lv->steps[lv->nsteps - 1].tail += add;
	else
		lv->off += add;
	L->depth--;
}

static void resolve_lval(struct lower *L, const struct ast_expr *t, struct lval *lv)
{
	uint32_t chain = 0;
	for (const struct ast_expr *x = t; x->kind != AST_E_NAME; x = x->a)
		chain++;
	*lv = (struct lval){.steps = tmp_alloc(L, (chain + 1) * sizeof(struct lstep))};
	resolve(L, t, lv);
	for (uint32_t k = 0; k < lv->nsteps; k++)
		lv->steps[k].lines = decode_index(L, lv->steps[k].idx, lv->steps[k].len);
}

/* Writes v at region through the remaining secret steps: each element takes the written
 * copy where its line is set. */
static void write_at(struct lower *L, bit *region, const struct lstep *st, uint32_t nsteps,
		     struct word v)
{
	if (nsteps == 0) {
		memmove(region, v.b, v.n * sizeof(bit));
		return;
	}
	bit *copy = tmp_bits(L, st->elem_bits);
	for (uint64_t k = 0; k < st->len; k++) {
		bit line = st->lines[k];
		if (line == BIT_0)
			continue;
		bit *elem = region + k * st->elem_bits;
		memcpy(copy, elem, st->elem_bits * sizeof(bit));
		write_at(L, copy + st->tail, st + 1, nsteps - 1, v);
		for (uint64_t j = 0; j < st->elem_bits; j++)
			elem[j] = bld_mux(L->b, line, copy[j], elem[j]);
		if (k % 1024 == 1023)
			check_limits(L);
	}
}

static void store(struct lower *L, const struct lval *lv, struct word v)
{
	if (lv->dead)
		return;
	struct slot *s = &L->slots[lv->slot];
	uintptr_t vb = (uintptr_t)v.b, sb = (uintptr_t)s->bits;
	if (lv->nsteps && vb + v.n * sizeof(bit) > sb && vb < sb + s->nbits * sizeof(bit)) {
		struct word c = tmp_word(L, v.n); /* a view of the slot being written */
		memcpy(c.b, v.b, v.n * sizeof(bit));
		v = c;
	}
	uint64_t span = lv->nsteps ? lv->steps[0].len * lv->steps[0].elem_bits : v.n;
	note_write(L, lv->slot, lv->off, lv->off + span);
	write_at(L, s->bits + lv->off, lv->steps, lv->nsteps, v);
}

static void exec_assign(struct lower *L, const struct ast_stmt *s)
{
	struct lval lv;
	resolve_lval(L, s->target, &lv);
	struct word v;
	if (s->op == AST_OP_NONE)
		v = lower_expr(L, s->value);
	else
		v = binop(L, s->op, s->target->type, lower_expr(L, s->target), s->value);
	store(L, &lv, v);
}

/* (t0, t1, ...) = value: every value and every target's indices first, then the writes. */
static void exec_multi(struct lower *L, const struct ast_stmt *s)
{
	struct word v = lower_expr(L, s->value);
	struct word all = tmp_word(L, v.n);
	memcpy(all.b, v.b, v.n * sizeof(bit));
	struct lval *lv = tmp_alloc(L, (size_t)s->ntargets * sizeof(*lv));
	if (!s->declares)
		for (uint32_t i = 0; i < s->ntargets; i++)
			resolve_lval(L, s->targets[i], &lv[i]);
	uint64_t off = 0;
	for (uint32_t i = 0; i < s->ntargets; i++) {
		uint64_t n = s->value->type->elems[i]->bits;
		struct word part = {all.b + off, n};
		if (s->declares)
			slot_declare(L, s->targets[i]->decl->id, n, part.b);
		else
			store(L, &lv[i], part);
		off += n;
	}
}

static void exec_return(struct lower *L, const struct ast_stmt *s)
{
	struct word v = lower_expr(L, s->value);
	const struct frame *f = &L->frames[L->nframes - 1];
	note_write(L, f->val, 0, v.n);
	memmove(L->slots[f->val].bits, v.b, v.n * sizeof(bit));
	set_slot_bit(L, f->ret, BIT_1);
}

/* A sum over a grouped input (sums.h) runs only in the first iteration of its loop, where
 * element 0 of the input holds the sum of all parties' values. */
static bool sum_done(struct lower *L, const struct ast_stmt *s)
{
	const struct ast_decl *b = lower_sums_loop_of(L->sums, s);
	if (!b)
		return false;
	if (L->idx[b->id].n == 0)
		fail(L, NULL, "internal error: a sum outside its loop");
	return !lang_int_is_zero(&L->idx[b->id]);
}

struct bound {
	int64_t i;
	uint64_t u;
	bool neg, fits_i64, fits_u64;
};

static void put_bound(void *ctx, const struct lang_int *v)
{
	struct bound *b = ctx;
	b->neg = lang_int_is_neg(v);
	b->fits_i64 = lang_int_get_i64(v, &b->i);
	b->fits_u64 = lang_int_get_u64(v, &b->u);
}

static void exec_for(struct lower *L, const struct ast_stmt *s)
{
	struct bound from, to;
	with_value(L, s->from, put_bound, &from);
	with_value(L, s->to, put_bound, &to);
	uint64_t count = 0, first = 0;
	if (from.fits_i64 && to.fits_i64) {
		if (to.i > from.i)
			count = (uint64_t)to.i - (uint64_t)from.i;
		first = (uint64_t)from.i;
	} else if (from.fits_u64 && to.fits_u64) {
		if (to.u > from.u)
			count = to.u - from.u;
		first = from.u;
	} else if (!(!from.neg && (to.neg || to.fits_u64))) {
		/* (a nonnegative start past a negative or 64-bit end runs 0 times) */
		fail(L, &s->loc, "the bounds of this loop do not fit in 64 bits");
	}
	bool unsigned_mode = !(from.fits_i64 && to.fits_i64);
	uint32_t id = s->decl->id;
	if (count > 1 && lower_sums_once(L->sums, s))
		count = 1; /* only sums over the parties, all done in the first iteration */
	for (uint64_t k = 0; k < count; k++) {
		if (returned(L) == BIT_1)
			break;
		if (++L->steps > L->max_steps)
			fail(L, &s->loc, "unrolling this program takes more than %llu steps",
			     (unsigned long long)L->max_steps);
		uint64_t v = first + k;
		L->idx_limbs[id][0] = v;
		L->idx_limbs[id][1] = 0;
		/* one limb is the two's complement value, unless it is >= 2^63 and unsigned */
		L->idx[id] = (struct lang_int){unsigned_mode && (v >> 63) ? 2 : 1, L->idx_limbs[id]};
		bool guard = returned(L) != BIT_0;
		if (guard)
			guard_open(L);
		struct tmark m = tmp_mark(L);
		exec_block(L, s->body);
		tmp_release(L, m);
		if (guard)
			guard_close(L);
	}
	L->idx[id] = (struct lang_int){0, NULL};
}

static void exec_if(struct lower *L, const struct ast_stmt *s)
{
	bit c = lower_expr(L, s->cond).b[0];
	if (c == BIT_1)
		exec_block(L, s->then);
	else if (c == BIT_0) {
		if (s->els)
			exec_block(L, s->els);
	} else {
		secret_if(L, c, s);
	}
}

static void exec_stmt(struct lower *L, const struct ast_stmt *s)
{
	const struct lang_loc *saved = L->loc;
	L->loc = &s->loc;
	enter(L);
	if (++L->steps > L->max_steps)
		fail(L, NULL, "unrolling this program takes more than %llu steps",
		     (unsigned long long)L->max_steps);
	switch (s->kind) {
	case AST_S_VAR: {
		const struct ast_decl *d = s->decl;
		struct word v = d->init ? lower_expr(L, d->init) : (struct word){NULL, 0};
		slot_declare(L, d->id, d->type->bits, v.b);
		break;
	}
	case AST_S_ASSIGN:
		if (!sum_done(L, s))
			exec_assign(L, s);
		break;
	case AST_S_MULTI:
		exec_multi(L, s);
		break;
	case AST_S_IF:
		exec_if(L, s);
		break;
	case AST_S_FOR:
		exec_for(L, s);
		break;
	case AST_S_RETURN:
		exec_return(L, s);
		break;
	case AST_S_BLOCK:
		exec_block(L, s->body);
		break;
	default:
		fail(L, NULL, "internal error: statement kind %d", (int)s->kind);
	}
	check_limits(L);
	L->depth--;
	L->loc = saved;
}

/* Runs the statements in order. Once the function may have returned (a secret "has
 * returned"), the rest runs in a guard scope, closed at the end of the block. */
static void exec_block(struct lower *L, const struct ast_block *blk)
{
	uint32_t guards = 0;
	for (uint32_t i = 0; i < blk->n; i++) {
		if (returned(L) == BIT_1)
			break;
		struct tmark m = tmp_mark(L);
		exec_stmt(L, blk->stmts[i]);
		tmp_release(L, m);
		bit r = returned(L);
		if (r != BIT_0 && r != BIT_1) {
			guard_open(L);
			guards++;
		}
	}
	while (guards-- > 0)
		guard_close(L);
}

static struct word lower_call(struct lower *L, const struct ast_expr *e)
{
	const struct ast_fn *fn = e->fn;
	struct word *args = tmp_alloc(L, (e->nargs + 1) * sizeof(*args));
	for (uint32_t i = 0; i < e->nargs; i++)
		args[i] = lower_expr(L, e->args[i]);
	for (uint32_t i = 0; i < fn->nparams; i++)
		slot_declare(L, fn->params[i]->id, fn->params[i]->type->bits, args[i].b);
	L->frames = grow(L, L->frames, &L->frames_cap, L->nframes, sizeof(*L->frames));
	struct frame f = {L->p->ndecls + 2 * fn->index, L->p->ndecls + 2 * fn->index + 1};
	slot_declare(L, f.ret, 1, NULL);
	slot_declare(L, f.val, fn->ret->bits, NULL);
	L->frames[L->nframes++] = f;
	exec_block(L, fn->body);
	L->nframes--;
	struct word r = tmp_word(L, fn->ret->bits);
	memcpy(r.b, L->slots[f.val].bits, r.n * sizeof(bit));
	return r;
}

/* ---- the interface ---- */

/* Visits every scalar of a value of type t at bit offset off, named name[0..len). */
struct io_walk {
	const struct ast_decl *d;
	bool input;
	uint32_t party; /* CIRC_ALL for outputs to all */
	/* an input of sum groups: the element (party) being walked, its scalar, and the
	 * circuit input of each scalar of element 0, which the others join */
	bool sum;
	uint64_t elem, leaf;
	int64_t *group;
	char name[CIRC_MAX_NAME + 64];
};

/* Scalars in a value of type t. */
static uint64_t count_scalars(const struct lang_type *t)
{
	if (t->kind == LANG_T_ARRAY)
		return t->len * count_scalars(t->elem);
	if (t->kind == LANG_T_STRUCT) {
		uint64_t n = 0;
		for (uint32_t i = 0; i < t->strct->nfields; i++)
			n += count_scalars(t->strct->fields[i].type);
		return n;
	}
	return 1;
}

/* A scalar input of sum groups: element 0 starts a group, whose wires its slot bits get;
 * the other elements join it and have no slot bits (sums.h: they are never read). */
static void io_sum_scalar(struct lower *L, struct io_walk *w, uint32_t width, uint32_t flags,
			  uint64_t off)
{
	int64_t with = w->elem == 0 ? -1 : w->group[w->leaf];
	int64_t k = circ_add_sum_input(L->c, w->name, width, flags, w->party, with);
	if (k < 0)
		fail(L, &w->d->loc, "the circuit cannot hold input '%s' (too many inputs)", w->name);
	if (w->elem == 0) {
		w->group[w->leaf] = k;
		uint32_t first = L->c->inputs[k].first;
		for (uint32_t j = 0; j < width; j++)
			L->slots[w->d->id].bits[off + j] = bld_input(L->b, first + j);
	}
	w->leaf++;
}

static void io_scalar(struct lower *L, struct io_walk *w, const struct lang_type *t,
		      uint64_t off)
{
	uint32_t width = t->kind == LANG_T_BOOL ? 1 : t->width;
	uint32_t flags = t->kind == LANG_T_SINT ? CIRC_SIGNED : 0;
	struct slot *s = &L->slots[w->d->id];
	if (w->input && w->sum) {
		io_sum_scalar(L, w, width, flags, off);
	} else if (w->input) {
		int64_t k = circ_add_input(L->c, w->name, width, flags, w->party);
		if (k < 0)
			fail(L, &w->d->loc, "the circuit cannot hold input '%s' (too many inputs)",
			     w->name);
		uint32_t first = L->c->inputs[k].first;
		for (uint32_t j = 0; j < width; j++)
			s->bits[off + j] = bld_input(L->b, first + j);
	} else if (bld_output(L->b, w->name, width, flags, w->party, s->bits + off) != 0) {
		fail(L, &w->d->loc, "cannot add output '%s' (out of memory)", w->name);
	}
}

static void io_walk(struct lower *L, struct io_walk *w, const struct lang_type *t, uint64_t off,
		    size_t len, int level)
{
	if (len > CIRC_MAX_NAME)
		fail(L, &w->d->loc, "the circuit name '%.40s...' is longer than %d characters",
		     w->name, CIRC_MAX_NAME);
	if (lang_type_is_scalar(t)) {
		io_scalar(L, w, t, off);
		return;
	}
	if (t->kind == LANG_T_ARRAY) {
		for (uint64_t k = 0; k < t->len; k++) {
			uint64_t eoff = off + k * t->elem->bits;
			if (level == 0 && w->d->per_party)
				w->party = w->d->slot + (uint32_t)k;
			if (level == 0 && w->sum) {
				w->elem = k;
				w->leaf = 0;
				eoff = 0; /* only element 0 has slot bits */
			}
			int n = snprintf(w->name + len, sizeof(w->name) - len, "[%llu]",
					 (unsigned long long)k);
			io_walk(L, w, t->elem, eoff, len + (size_t)n, level + 1);
			if ((k & 1023) == 1023)
				check_limits(L);
		}
		return;
	}
	if (t->kind == LANG_T_STRUCT) {
		const struct ast_struct *st = t->strct;
		for (uint32_t i = 0; i < st->nfields; i++) {
			size_t fl = strlen(st->fields[i].name);
			if (len + 1 + fl > CIRC_MAX_NAME)
				fail(L, &w->d->loc, "the circuit name '%s.%.40s...' is longer than %d "
				     "characters", w->name, st->fields[i].name, CIRC_MAX_NAME);
			w->name[len] = '.';
			memcpy(w->name + len + 1, st->fields[i].name, fl + 1);
			io_walk(L, w, st->fields[i].type, off + st->fields[i].offset, len + 1 + fl,
				level + 1);
		}
		return;
	}
	fail(L, &w->d->loc, "internal error: an input or output of an unexpected type");
}

static void io_decl(struct lower *L, const struct ast_decl *d, bool input)
{
	struct io_walk *w = tmp_alloc(L, sizeof(*w));
	*w = (struct io_walk){.d = d, .input = input, .party = d->to_all ? CIRC_ALL : d->slot};
	if (input && lower_sums_grouped(L->sums, d)) {
		uint64_t n = count_scalars(d->type->elem);
		if (n > SIZE_MAX / sizeof(*w->group))
			fail(L, &d->loc, "out of memory");
		w->sum = true;
		w->group = tmp_alloc(L, (size_t)n * sizeof(*w->group));
	}
	size_t len = strlen(d->name);
	if (len > CIRC_MAX_NAME)
		fail(L, &d->loc, "the name '%.40s...' is too long for a circuit", d->name);
	memcpy(w->name, d->name, len + 1);
	io_walk(L, w, d->type, 0, len, 0);
}

static void add_parties(struct lower *L)
{
	const struct lang_program *p = L->p;
	const char **names = tmp_alloc(L, (p->nparty_slots + 1) * sizeof(*names));
	uint32_t *elem = tmp_alloc(L, (p->nparty_slots + 1) * sizeof(*elem));
	for (uint32_t i = 0; i < p->nparties; i++) {
		const struct ast_decl *d = p->parties[i];
		uint64_t n = d->len ? d->len : 1;
		for (uint64_t k = 0; k < n; k++) {
			if (d->first + k >= p->nparty_slots)
				fail(L, &d->loc, "internal error: party index out of range");
			names[d->first + k] = d->name;
			elem[d->first + k] = d->len ? (uint32_t)k : UINT32_MAX;
		}
	}
	for (uint32_t k = 0; k < p->nparty_slots; k++) {
		char buf[CIRC_MAX_NAME + 32];
		if (elem[k] == UINT32_MAX)
			snprintf(buf, sizeof(buf), "%s", names[k]);
		else
			snprintf(buf, sizeof(buf), "%s[%u]", names[k], elem[k]);
		if (strlen(buf) > CIRC_MAX_NAME || circ_add_party(L->c, buf) < 0)
			fail(L, NULL, "cannot add party '%.60s' to the circuit", buf);
	}
}

/* The whole lowering, on the lowering thread. */
static void lower_run(struct lower *L)
{
	const struct lang_program *p = L->p;
	struct lang_loc whole = p->main->loc;
	L->loc = &whole;
	add_parties(L);
	if (L->want_sums && !(L->sums = lower_sums_find(p)))
		fail(L, NULL, "out of memory");
	for (uint32_t i = 0; i < p->ninputs; i++) {
		const struct ast_decl *d = p->inputs[i];
		/* an input of sum groups keeps element 0 only, the sums (sums.h) */
		bool sum = lower_sums_grouped(L->sums, d);
		slot_declare(L, d->id, sum ? d->type->elem->bits : d->type->bits, NULL);
		io_decl(L, d, true);
	}
	for (uint32_t i = 0; i < p->noutputs; i++)
		slot_declare(L, p->outputs[i]->id, p->outputs[i]->type->bits, NULL);
	exec_block(L, p->main);
	L->loc = &whole;
	for (uint32_t i = 0; i < p->noutputs; i++)
		io_decl(L, p->outputs[i], false);
	check_limits(L);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *lower_thread(void *arg)
{
	struct lower *L = arg;
	if (setjmp(L->jmp) == 0) {
		lower_run(L);
		L->ok = true;
	}
	return NULL;
}

static void lower_free(struct lower *L)
{
	while (L->nscopes > 0)
		scope_free(L, &L->scopes[--L->nscopes]);
	while (L->nheld > 0)
		scope_free(L, &L->held[--L->nheld]);
	mem_free(L, L->scopes, (size_t)L->scopes_cap * sizeof(*L->scopes));
	mem_free(L, L->held, (size_t)L->held_cap * sizeof(*L->held));
	mem_free(L, L->frames, (size_t)L->frames_cap * sizeof(*L->frames));
	tmp_release(L, (struct tmark){NULL, 0});
	if (L->spare)
		mem_free(L, L->spare, sizeof(*L->spare) + L->spare->cap);
	for (uint32_t i = 0; L->slots && i < L->nslots; i++)
		free(L->slots[i].bits);
	for (uint32_t i = 0; L->consts && i < L->p->ndecls; i++)
		free(L->consts[i]);
	free(L->slots);
	free(L->consts);
	free(L->idx);
	free(L->idx_limbs);
	lower_sums_free(L->sums);
	bld_free(L->b);
	free(L);
}

int lower_program(struct circ_circuit **out, const struct lang_program *p,
		  const struct compiler_options *opt, FILE *diag)
{
	*out = NULL;
	if (lang_error_count(p) > 0) {
		if (diag)
			fprintf(diag, "error: the program has errors; it cannot be lowered\n");
		return -1;
	}
	struct lower *L = calloc(1, sizeof(*L));
	if (!L) {
		if (diag)
			fprintf(diag, "error: out of memory\n");
		return -1;
	}
	L->p = p;
	L->diag = diag;
	L->max_steps = opt && opt->max_steps ? opt->max_steps : COMPILER_MAX_STEPS;
	L->max_nodes = opt && opt->max_nodes ? opt->max_nodes : COMPILER_MAX_NODES;
	L->max_bytes = opt && opt->max_bytes ? opt->max_bytes : COMPILER_MAX_BYTES;
	L->want_sums = !(opt && opt->no_sum_groups);
	L->env = (struct lang_env){env_lookup, L};
	L->nslots = p->ndecls + 2 * p->nfns;
	L->slots = calloc(L->nslots + 1, sizeof(*L->slots));
	L->consts = calloc(p->ndecls + 1, sizeof(*L->consts));
	L->idx = calloc(p->ndecls + 1, sizeof(*L->idx));
	L->idx_limbs = calloc(p->ndecls + 1, sizeof(*L->idx_limbs));
	L->b = bld_new();
	L->c = circ_new();
	if (!L->slots || !L->consts || !L->idx || !L->idx_limbs || !L->b || !L->c) {
		if (diag)
			fprintf(diag, "error: out of memory\n");
		circ_free(L->c);
		lower_free(L);
		return -1;
	}

	double t0 = now();
	pthread_attr_t attr;
	pthread_t th;
	bool threaded = pthread_attr_init(&attr) == 0;
	if (threaded) {
		threaded = pthread_attr_setstacksize(&attr, THREAD_STACK) == 0 &&
			   pthread_create(&th, &attr, lower_thread, L) == 0;
		pthread_attr_destroy(&attr);
	}
	if (threaded)
		pthread_join(th, NULL);
	else
		lower_thread(L); /* no thread: the calling thread's stack has to do */

	int ret = -1;
	if (L->ok) {
		struct circ_err err;
		double t1 = now();
		int fin = bld_finish(L->b, L->c, &err);
		if (opt && opt->stats)
			*opt->stats = (struct compiler_stats){
			    .steps = L->steps,
			    .nodes = bld_node_count(L->b),
			    .ands_built = bld_and_count(L->b),
			    .lower_seconds = t1 - t0,
			    .finish_seconds = now() - t1,
			};
		if (fin != 0) {
			if (diag)
				fprintf(diag, "%s: error: %s\n", p->main->loc.file, err.msg);
		} else {
			*out = L->c;
			L->c = NULL;
			ret = 0;
		}
	}
	circ_free(L->c);
	lower_free(L);
	return ret;
}
