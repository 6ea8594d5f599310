/* sums.c: finds the sums over a party array whose inputs can arrive as additive shares.
 *
 * A sum statement is an assignment
 *
 *	t += x[b]<suffix>;   t -= x[b]<suffix>;   t = t + x[b]<suffix>;
 *	t = x[b]<suffix> + t;   t = t - x[b]<suffix>;
 *
 * where x is an input from a whole party array (x is [T; N]); b is the index of a loop
 * `for b in 0..N` over all N parties (bounds that are constants, the index as used able to
 * hold 0 .. N-1); <suffix> is a chain of fields and compile-time indices that do not
 * mention b, ending at an integer; t is a variable or output reached through fields and
 * compile-time indices that do not mention b; and the statement sits in that loop only
 * under blocks and inner for loops whose bounds do not mention b (no `if`).
 *
 * Running the statement only in iteration b == 0 with x[0]<suffix> replaced by the sum of
 * every x[b]<suffix> gives t the same final value when nothing else in the loop can tell
 * the difference: inside the loop, t's variable is only ever touched by additive writes
 * like the above (`t op= e` or `t = t +- e`, t's indices compile-time, e not mentioning
 * t's variable; e is anything), and it is not declared in the loop. Additions commute, and
 * every other statement runs as before, so the loop ends with the same values. An input
 * becomes sum groups when every mention of it in the program is the x of such a statement:
 * then no program path needs a single party's value, and x[0]'s wires can carry the sum.
 *
 * Anything else falls back to ordinary inputs: a sum over some of the parties, a prefix sum
 * that is read inside the loop, a widening cast (`t += x[b] as u64` sums mod 2^64, not mod
 * 2^32), a sum under an `if`, or one more use of the input anywhere.
 *
 * A loop whose statements (through blocks and inner loops) are all such sums of grouped
 * inputs over its own index does nothing in iterations after the first: it runs once.
 */
#include "sums.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One sum statement. */
struct cand {
	const struct ast_stmt *s;
	const struct ast_stmt *loop; /* the loop over the parties */
	const struct ast_decl *input, *target;
	bool ok; /* nothing else in the loop touches the target */
};

struct lower_sums {
	uint32_t ndecls;
	bool *grouped;	   /* by decl id */
	struct cand *skip; /* sum statements of grouped inputs, sorted by statement address */
	size_t nskip;
	const struct ast_stmt **once; /* loops that run once, sorted */
	size_t nonce;
	uint32_t ngrouped;
};

/* The search's state. */
struct finder {
	const struct lang_program *p;
	bool oom;
	struct cand *c;
	size_t nc, capc;
	const struct ast_stmt **path; /* the statements enclosing the current one */
	size_t npath, cappath;
	uint8_t *status; /* by decl id, while one loop is examined: see touch_block */
	uint32_t *touched;
	uint32_t ntouched;
	uint64_t *refs, *uses; /* by decl id: mentions of an input; its sum statements */
};

static void *grow(struct finder *F, void *arr, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return arr;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = ncap < SIZE_MAX / sz ? realloc(arr, ncap * sz) : NULL;
	if (!p) {
		F->oom = true;
		return arr;
	}
	*cap = ncap;
	return p;
}

static bool is_compile_time(const struct ast_expr *e)
{
	return e->phase == LANG_CONST || e->phase == LANG_LOOP;
}

/* ---- mentions ---- */

struct mention {
	const struct ast_decl *d;
	uint64_t n;
};

static bool count_mention(void *ctx, const struct ast_expr *e)
{
	struct mention *m = ctx;
	if (e->kind == AST_E_NAME && e->decl == m->d)
		m->n++;
	return true;
}

/* How many times e mentions d. */
static uint64_t mentions(const struct ast_expr *e, const struct ast_decl *d)
{
	struct mention m = {d, 0};
	struct ast_visitor v = {NULL, count_mention, &m};
	ast_walk_expr(e, &v);
	return m.n;
}

/* ---- the shape of a sum statement ---- */

/* Two compile-time integers that are equal for every value of the loop indices: equal
 * constants, or the same tree over the same names and types. */
static bool same_value(const struct ast_expr *a, const struct ast_expr *b)
{
	if (!is_compile_time(a) || !is_compile_time(b) || !lang_type_equal(a->type, b->type))
		return false;
	if (a->phase == LANG_CONST && b->phase == LANG_CONST && a->value.n && b->value.n) {
		int64_t x, y;
		return lang_int_get_i64(&a->value, &x) && lang_int_get_i64(&b->value, &y) && x == y;
	}
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case AST_E_NAME:
		return a->decl == b->decl;
	case AST_E_UNARY:
		return a->op == b->op && same_value(a->a, b->a);
	case AST_E_BINARY:
		return a->op == b->op && same_value(a->a, b->a) && same_value(a->b, b->b);
	case AST_E_CAST:
		return same_value(a->a, b->a);
	default:
		return false;
	}
}

/* a and b name the same place: the same variable, fields and index values. */
static bool same_place(const struct ast_expr *a, const struct ast_expr *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case AST_E_NAME:
		return a->decl == b->decl;
	case AST_E_FIELD:
		return a->field == b->field && same_place(a->a, b->a);
	case AST_E_INDEX:
		return same_value(a->b, b->b) && same_place(a->a, b->a);
	default:
		return false;
	}
}

/* The variable a place of compile-time indices belongs to, or NULL. */
static const struct ast_decl *place_root(const struct ast_expr *t)
{
	for (;;) {
		if (t->kind == AST_E_NAME)
			return t->decl;
		if (t->kind == AST_E_INDEX && !is_compile_time(t->b))
			return NULL;
		if (t->kind != AST_E_INDEX && t->kind != AST_E_FIELD)
			return NULL;
		t = t->a;
	}
}

/* s adds to or subtracts from an integer place of compile-time indices a term that does
 * not mention its variable: returns the variable and *term, else NULL. */
static const struct ast_decl *additive(const struct ast_stmt *s, const struct ast_expr **term)
{
	if (s->kind != AST_S_ASSIGN || !lang_type_is_int(s->target->type))
		return NULL;
	const struct ast_decl *d = place_root(s->target);
	if (!d)
		return NULL;
	const struct ast_expr *v = s->value;
	if (s->op == AST_OP_ADD || s->op == AST_OP_SUB)
		*term = v;
	else if (s->op != AST_OP_NONE || v->kind != AST_E_BINARY)
		return NULL;
	else if ((v->op == AST_OP_ADD || v->op == AST_OP_SUB) && same_place(v->a, s->target))
		*term = v->b;
	else if (v->op == AST_OP_ADD && same_place(v->b, s->target))
		*term = v->a;
	else
		return NULL;
	return mentions(*term, d) == 0 ? d : NULL;
}

/* e is x[b]<suffix>, x an input from a party array, b a loop index, the suffix fields and
 * compile-time indices, the result an integer: returns x and *first, the NAME b. */
static const struct ast_decl *input_access(const struct ast_expr *e, const struct ast_expr **first)
{
	if (!lang_type_is_int(e->type))
		return NULL;
	for (;;) {
		if (e->kind == AST_E_FIELD) {
			e = e->a;
			continue;
		}
		if (e->kind != AST_E_INDEX)
			return NULL;
		if (e->a->kind == AST_E_NAME)
			break;
		if (!is_compile_time(e->b))
			return NULL;
		e = e->a;
	}
	const struct ast_decl *x = e->a->decl;
	const struct ast_expr *i0 = e->b;
	if (x->kind != AST_D_INPUT || !x->per_party || x->type->kind != LANG_T_ARRAY ||
	    i0->kind != AST_E_NAME || i0->decl->kind != AST_D_LOOP_INDEX)
		return NULL;
	*first = i0;
	return x;
}

/* The loop runs its index over 0 .. len-1, and i0 (a use of the index) takes those values. */
static bool over_all(const struct ast_stmt *loop, const struct ast_expr *i0, uint64_t len)
{
	if (!loop || loop->kind != AST_S_FOR || !loop->count_known || loop->count != len ||
	    loop->from->phase != LANG_CONST || loop->from->value.n == 0 ||
	    !lang_int_is_zero(&loop->from->value))
		return false;
	const struct lang_type *t = i0->type;
	uint64_t top = len - 1;
	if (t->kind == LANG_T_INT)
		return true;
	if (t->kind == LANG_T_UINT)
		return t->width >= 64 || top >> t->width == 0;
	if (t->kind == LANG_T_SINT)
		return t->width > 64 || top >> (t->width - 1) == 0;
	return false;
}

/* Between the loop and the statement (the enclosing statements on the path) only blocks
 * and for loops whose bounds do not mention b. */
static bool path_ok(const struct finder *F, const struct ast_stmt *loop, const struct ast_decl *b)
{
	for (size_t k = F->npath; k-- > 0;) {
		const struct ast_stmt *s = F->path[k];
		if (s == loop)
			return true;
		if (s->kind == AST_S_BLOCK)
			continue;
		if (s->kind != AST_S_FOR || mentions(s->from, b) || mentions(s->to, b))
			return false;
	}
	return false;
}

static void consider(struct finder *F, const struct ast_stmt *s)
{
	const struct ast_expr *term, *i0;
	const struct ast_decl *t = additive(s, &term);
	if (!t || (t->kind != AST_D_VAR && t->kind != AST_D_OUTPUT))
		return;
	const struct ast_decl *x = input_access(term, &i0);
	if (!x)
		return;
	const struct ast_decl *b = i0->decl;
	if (!over_all(b->loop, i0, x->type->len) || mentions(term, b) != 1 ||
	    mentions(s->target, b) != 0 || !path_ok(F, b->loop, b))
		return;
	F->c = grow(F, F->c, &F->capc, F->nc, sizeof(*F->c));
	if (F->oom)
		return;
	F->c[F->nc++] = (struct cand){s, b->loop, x, t, false};
}

static void find_block(struct finder *F, const struct ast_block *blk);

static void find_stmt(struct finder *F, const struct ast_stmt *s)
{
	if (s->kind == AST_S_ASSIGN) {
		consider(F, s);
		return;
	}
	F->path = grow(F, F->path, &F->cappath, F->npath, sizeof(*F->path));
	if (F->oom)
		return;
	F->path[F->npath++] = s;
	switch (s->kind) {
	case AST_S_IF:
		find_block(F, s->then);
		find_block(F, s->els);
		break;
	case AST_S_FOR:
	case AST_S_BLOCK:
		find_block(F, s->body);
		break;
	default:
		break;
	}
	F->npath--;
}

static void find_block(struct finder *F, const struct ast_block *blk)
{
	for (uint32_t i = 0; blk && i < blk->n && !F->oom; i++)
		find_stmt(F, blk->stmts[i]);
}

/* ---- what a loop does to the targets ---- *
 *
 * status[id]: 0 not touched, ADDED only by additive writes, OTHER touched otherwise. */

enum { ADDED = 1, OTHER = 2 };

static void set_status(struct finder *F, uint32_t id, uint8_t st)
{
	if (F->status[id] == 0)
		F->touched[F->ntouched++] = id;
	if (st > F->status[id])
		F->status[id] = st;
}

static bool mark_other(void *ctx, const struct ast_expr *e)
{
	struct finder *F = ctx;
	if (e->kind == AST_E_NAME)
		set_status(F, e->decl->id, OTHER);
	return true;
}

static void touch_block(struct finder *F, const struct ast_block *blk)
{
	struct ast_visitor v = {NULL, mark_other, F};
	for (uint32_t i = 0; blk && i < blk->n; i++) {
		const struct ast_stmt *s = blk->stmts[i];
		const struct ast_expr *term;
		const struct ast_decl *d;
		if (s->kind == AST_S_BLOCK) {
			touch_block(F, s->body);
		} else if (s->kind == AST_S_FOR) {
			ast_walk_expr(s->from, &v);
			ast_walk_expr(s->to, &v);
			touch_block(F, s->body);
		} else if ((d = additive(s, &term)) != NULL) {
			set_status(F, d->id, ADDED);
			ast_walk_expr(term, &v);
		} else {
			if (s->kind == AST_S_VAR)
				set_status(F, s->decl->id, OTHER);
			ast_walk_stmt(s, &v);
		}
	}
}

static int cmp_cand_loop(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct cand *)a)->loop;
	uintptr_t y = (uintptr_t)((const struct cand *)b)->loop;
	return x < y ? -1 : x > y;
}

static int cmp_cand_stmt(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct cand *)a)->s;
	uintptr_t y = (uintptr_t)((const struct cand *)b)->s;
	return x < y ? -1 : x > y;
}

static int cmp_ptr(const void *a, const void *b)
{
	const void *const *pa = a, *const *pb = b;
	uintptr_t x = (uintptr_t)*pa, y = (uintptr_t)*pb;
	return x < y ? -1 : x > y;
}

/* Marks the statements whose target nothing else in their loop touches: one walk per
 * loop (the statements grouped by loop). */
static void check_targets(struct finder *F)
{
	if (F->nc > 1)
		qsort(F->c, F->nc, sizeof(*F->c), cmp_cand_loop);
	for (size_t i = 0; i < F->nc;) {
		size_t j = i;
		while (j < F->nc && F->c[j].loop == F->c[i].loop)
			j++;
		touch_block(F, F->c[i].loop->body);
		for (size_t k = i; k < j; k++)
			F->c[k].ok = F->status[F->c[k].target->id] == ADDED;
		while (F->ntouched > 0)
			F->status[F->touched[--F->ntouched]] = 0;
		i = j;
	}
}

static bool count_input(void *ctx, const struct ast_expr *e)
{
	struct finder *F = ctx;
	if (e->kind == AST_E_NAME && e->decl->kind == AST_D_INPUT)
		F->refs[e->decl->id]++;
	return true;
}

/* ---- the result ---- */

static const struct cand *find_skip(const struct lower_sums *S, const struct ast_stmt *st)
{
	struct cand key = {.s = st};
	if (!S || S->nskip == 0)
		return NULL;
	return bsearch(&key, S->skip, S->nskip, sizeof(*S->skip), cmp_cand_stmt);
}

/* Every statement of blk (through blocks and inner loops) is a grouped sum of loop. */
static bool only_sums(const struct lower_sums *S, const struct ast_block *blk,
		      const struct ast_stmt *loop)
{
	for (uint32_t i = 0; i < blk->n; i++) {
		const struct ast_stmt *s = blk->stmts[i];
		if (s->kind == AST_S_BLOCK || s->kind == AST_S_FOR) {
			if (!only_sums(S, s->body, loop))
				return false;
			continue;
		}
		const struct cand *c = find_skip(S, s);
		if (!c || c->loop != loop)
			return false;
	}
	return true;
}

static void finder_free(struct finder *F)
{
	free(F->c);
	free(F->path);
	free(F->status);
	free(F->touched);
	free(F->refs);
	free(F->uses);
}

struct lower_sums *lower_sums_find(const struct lang_program *p)
{
	uint32_t n = p->ndecls;
	struct finder F = {.p = p};
	struct lower_sums *S = calloc(1, sizeof(*S));
	F.status = calloc(n + 1, sizeof(*F.status));
	F.touched = calloc(n + 1, sizeof(*F.touched));
	F.refs = calloc(n + 1, sizeof(*F.refs));
	F.uses = calloc(n + 1, sizeof(*F.uses));
	if (S)
		S->grouped = calloc(n + 1, sizeof(*S->grouped));
	if (!S || !S->grouped || !F.status || !F.touched || !F.refs || !F.uses)
		goto oom;
	S->ndecls = n;

	find_block(&F, p->main);
	if (F.oom)
		goto oom;
	check_targets(&F);

	/* an input is grouped when its sum statements are all its mentions */
	struct ast_visitor v = {NULL, count_input, &F};
	ast_walk_block(p->main, &v);
	for (uint32_t i = 0; i < p->nfns; i++)
		ast_walk_block(p->fns[i]->body, &v);
	for (size_t k = 0; k < F.nc; k++)
		if (F.c[k].ok)
			F.uses[F.c[k].input->id]++;
	for (uint32_t i = 0; i < p->ninputs; i++) {
		uint32_t id = p->inputs[i]->id;
		S->grouped[id] = F.refs[id] > 0 && F.uses[id] == F.refs[id];
		S->ngrouped += S->grouped[id];
	}

	/* the statements that run in the first iteration only, and the loops that run once */
	for (size_t k = 0; k < F.nc; k++)
		if (F.c[k].ok && S->grouped[F.c[k].input->id])
			F.c[S->nskip++] = F.c[k];
	S->skip = F.c;
	F.c = NULL;
	if (S->nskip > 1)
		qsort(S->skip, S->nskip, sizeof(*S->skip), cmp_cand_stmt);
	S->once = calloc(S->nskip + 1, sizeof(*S->once));
	if (!S->once)
		goto oom;
	for (size_t k = 0; k < S->nskip; k++)
		S->once[k] = S->skip[k].loop;
	if (S->nskip > 1)
		qsort(S->once, S->nskip, sizeof(*S->once), cmp_ptr);
	const struct ast_stmt *prev = NULL;
	for (size_t k = 0; k < S->nskip; k++) {
		const struct ast_stmt *loop = S->once[k];
		if (loop == prev)
			continue;
		prev = loop;
		if (only_sums(S, loop->body, loop))
			S->once[S->nonce++] = loop; /* nonce <= k: compacts in place */
	}
	finder_free(&F);
	return S;
oom:
	finder_free(&F);
	lower_sums_free(S);
	return NULL;
}

void lower_sums_free(struct lower_sums *s)
{
	if (!s)
		return;
	free(s->grouped);
	free(s->skip);
	free(s->once);
	free(s);
}

bool lower_sums_grouped(const struct lower_sums *s, const struct ast_decl *d)
{
	return s && d->id < s->ndecls && s->grouped[d->id];
}

const struct ast_decl *lower_sums_loop_of(const struct lower_sums *s, const struct ast_stmt *st)
{
	const struct cand *c = find_skip(s, st);
	return c ? c->loop->decl : NULL;
}

bool lower_sums_once(const struct lower_sums *s, const struct ast_stmt *loop)
{
	if (!s || s->nonce == 0)
		return false;
	return bsearch(&loop, s->once, s->nonce, sizeof(*s->once), cmp_ptr) != NULL;
}

uint32_t lower_sums_count(const struct lower_sums *s)
{
	return s ? s->ngrouped : 0;
}
