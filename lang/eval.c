/* eval.c: the meaning of each operator on compile-time values, and lang_eval().
 *
 * The checker folds constants with eval_unary/eval_binary/eval_cast as it types each node, and
 * lang_eval() walks an expression with the same functions, so both agree with each other and
 * with the circuit: typed arithmetic wraps modulo 2^N, a typed division by zero gives an
 * all-ones quotient and the dividend as remainder (RISC-V), shifts by N or more give 0 (or
 * the sign, for >> on iN). Untyped values are exact and may not exceed LANG_MAX_WIDTH bits. */
#include "internal.h"

#include <stdlib.h>

static bool is_untyped(const struct lang_type *t)
{
	return t == NULL || t->kind == LANG_T_INT;
}

/* Brings an exact result into the type t: wrap for uN/iN, size check for untyped. */
static int settle(struct lang_int *r, const struct lang_type *t)
{
	if (is_untyped(t)) {
		if (lang_int_bitlen(r) > LANG_MAX_WIDTH)
			return EVAL_TOO_BIG;
		return EVAL_OK;
	}
	if (t->kind == LANG_T_UINT || t->kind == LANG_T_SINT)
		return lang_int_wrap(r, r, t->width, t->kind == LANG_T_SINT);
	return EVAL_OK;
}

static int set_bool(struct lang_int *r, bool v)
{
	return lang_int_set_i64(r, v ? 1 : 0);
}

int eval_unary(struct lang_int *r, enum ast_op op, const struct lang_type *t,
	       const struct lang_int *a)
{
	bool is_bool = t != NULL && t->kind == LANG_T_BOOL;
	int err;
	switch (op) {
	case AST_OP_NEG:
		err = lang_int_neg(r, a);
		break;
	case AST_OP_BNOT:
		if (is_bool)
			return set_bool(r, lang_int_is_zero(a));
		err = lang_int_not(r, a);
		break;
	case AST_OP_LNOT:
		return set_bool(r, lang_int_is_zero(a));
	default:
		return -1;
	}
	return err ? err : settle(r, t);
}

/* Shift amounts are nonnegative; NULL-free: returns false when the amount is >= limit. */
static bool small_amount(const struct lang_int *b, uint64_t limit, uint64_t *k)
{
	return lang_int_get_u64(b, k) && *k < limit;
}

static int eval_shift(struct lang_int *r, enum ast_op op, const struct lang_type *t,
		      const struct lang_int *a, const struct lang_int *b)
{
	uint64_t k;
	if (lang_int_is_neg(b))
		return EVAL_NEGATIVE;
	if (is_untyped(t)) {
		if (op == AST_OP_SHR) {
			if (!small_amount(b, (uint64_t)LANG_MAX_WIDTH + 64, &k))
				return lang_int_set_i64(r, lang_int_is_neg(a) ? -1 : 0);
			return lang_int_sar(r, a, k);
		}
		if (lang_int_is_zero(a))
			return lang_int_set_i64(r, 0);
		if (!small_amount(b, (uint64_t)LANG_MAX_WIDTH + 1, &k))
			return EVAL_TOO_BIG;
		int err = lang_int_shl(r, a, k);
		return err ? err : settle(r, t);
	}
	uint32_t width = t->width;
	if (!small_amount(b, width, &k)) {
		bool fill = op == AST_OP_SHR && lang_int_is_neg(a);
		return lang_int_set_i64(r, fill ? -1 : 0);
	}
	int err = op == AST_OP_SHL ? lang_int_shl(r, a, k) : lang_int_sar(r, a, k);
	return err ? err : settle(r, t);
}

static int eval_div(struct lang_int *r, enum ast_op op, const struct lang_type *t,
		    const struct lang_int *a, const struct lang_int *b)
{
	if (lang_int_is_zero(b)) {
		if (is_untyped(t))
			return EVAL_DIV_ZERO;
		if (op == AST_OP_MOD)
			return lang_int_copy(r, a);
		/* all ones: 2^N - 1 for uN, -1 for iN */
		struct lang_int m1 = {0};
		int err = lang_int_set_i64(&m1, -1);
		if (!err)
			err = lang_int_wrap(r, &m1, t->width, t->kind == LANG_T_SINT);
		lang_int_free(&m1);
		return err;
	}
	int err = op == AST_OP_DIV ? lang_int_divmod(r, NULL, a, b) : lang_int_divmod(NULL, r, a, b);
	return err ? err : settle(r, t);
}

int eval_binary(struct lang_int *r, enum ast_op op, const struct lang_type *t,
		const struct lang_int *a, const struct lang_int *b)
{
	int err;
	switch (op) {
	case AST_OP_ADD:
		err = lang_int_add(r, a, b);
		break;
	case AST_OP_SUB:
		err = lang_int_sub(r, a, b);
		break;
	case AST_OP_MUL:
		err = lang_int_mul(r, a, b);
		break;
	case AST_OP_DIV:
	case AST_OP_MOD:
		return eval_div(r, op, t, a, b);
	case AST_OP_AND:
	case AST_OP_LAND:
		err = lang_int_and(r, a, b);
		break;
	case AST_OP_OR:
	case AST_OP_LOR:
		err = lang_int_or(r, a, b);
		break;
	case AST_OP_XOR:
		err = lang_int_xor(r, a, b);
		break;
	case AST_OP_SHL:
	case AST_OP_SHR:
		return eval_shift(r, op, t, a, b);
	case AST_OP_EQ:
		return set_bool(r, lang_int_cmp(a, b) == 0);
	case AST_OP_NE:
		return set_bool(r, lang_int_cmp(a, b) != 0);
	case AST_OP_LT:
		return set_bool(r, lang_int_cmp(a, b) < 0);
	case AST_OP_LE:
		return set_bool(r, lang_int_cmp(a, b) <= 0);
	case AST_OP_GT:
		return set_bool(r, lang_int_cmp(a, b) > 0);
	case AST_OP_GE:
		return set_bool(r, lang_int_cmp(a, b) >= 0);
	default:
		return -1;
	}
	return err ? err : settle(r, t);
}

int eval_cast(struct lang_int *r, const struct lang_type *to, const struct lang_int *a)
{
	if (to->kind == LANG_T_BOOL)
		return set_bool(r, !lang_int_is_zero(a));
	int err = lang_int_copy(r, a);
	return err ? err : settle(r, to);
}

/* ---- constant aggregates ---- */

static int eval_depth(const struct ast_expr *e, const struct lang_env *env, struct lang_int *out,
		      unsigned depth);

/* The array / struct literal that e denotes, following consts; NULL if none. */
static const struct ast_expr *aggregate(const struct ast_expr *e, const struct lang_env *env,
					unsigned depth)
{
	if (depth > 4 * LANG_MAX_DEPTH)
		return NULL;
	for (;;) {
		switch (e->kind) {
		case AST_E_NAME:
			if (e->decl != NULL && e->decl->kind == AST_D_CONST && e->decl->init != NULL) {
				e = e->decl->init;
				continue;
			}
			/* a param or a loop index: a scalar the caller evaluates */
			return lang_type_is_scalar(e->type) ? e : NULL;
		case AST_E_ARRAY:
		case AST_E_REPEAT:
		case AST_E_STRUCT:
			return e;
		case AST_E_COND: {
			if (lang_type_is_scalar(e->type))
				return e;
			struct lang_int c = {0};
			if (eval_depth(e->a, env, &c, depth + 1) != 0)
				return NULL;
			e = lang_int_is_zero(&c) ? e->c : e->b;
			lang_int_free(&c);
			depth++;
			continue;
		}
		case AST_E_BUILTIN: {
			if (e->builtin != AST_B_MUX || lang_type_is_scalar(e->type))
				return e;
			struct lang_int c = {0};
			if (eval_depth(e->args[0], env, &c, depth + 1) != 0)
				return NULL;
			e = lang_int_is_zero(&c) ? e->args[2] : e->args[1];
			lang_int_free(&c);
			depth++;
			continue;
		}
		case AST_E_INDEX: {
			const struct ast_expr *base = aggregate(e->a, env, depth + 1);
			struct lang_int idx = {0};
			if (base == NULL || eval_depth(e->b, env, &idx, depth + 1) != 0)
				return NULL;
			uint64_t i;
			bool ok = lang_int_get_u64(&idx, &i);
			lang_int_free(&idx);
			if (base->kind == AST_E_REPEAT) {
				if (!ok || i >= base->len)
					return NULL;
				e = base->a;
			} else {
				if (base->kind != AST_E_ARRAY || !ok || i >= base->nargs)
					return NULL;
				e = base->args[i];
			}
			depth++;
			continue;
		}
		case AST_E_FIELD: {
			const struct ast_expr *base = aggregate(e->a, env, depth + 1);
			if (base == NULL || base->kind != AST_E_STRUCT || e->field >= base->nargs)
				return NULL;
			e = base->args[e->field];
			depth++;
			continue;
		}
		default:
			return e; /* a scalar: the caller evaluates it */
		}
	}
}

const struct ast_expr *eval_const_element(const struct ast_expr *e, const struct lang_env *env)
{
	if (e->kind != AST_E_INDEX && e->kind != AST_E_FIELD)
		return NULL;
	const struct ast_expr *x = aggregate(e, env, 0);
	if (x == NULL || x->kind == AST_E_ARRAY || x->kind == AST_E_REPEAT ||
	    x->kind == AST_E_STRUCT)
		return NULL;
	return x;
}

/* Element i of a constant array literal or repeat (aggregate() gave it). */
static const struct ast_expr *element(const struct ast_expr *agg, uint64_t i)
{
	if (agg->kind == AST_E_REPEAT)
		return agg->a;
	if (agg->kind == AST_E_ARRAY && i < agg->nargs)
		return agg->args[i];
	return NULL;
}

/* 1 when constants a and b of type t hold the same bits, 0 when not, -1 when either is not
 * computable here. Walks arrays and structs element by element. */
static int equal_depth(const struct ast_expr *a, const struct ast_expr *b,
		       const struct lang_type *t, unsigned depth)
{
	if (depth > 4 * LANG_MAX_DEPTH || t == NULL)
		return -1;
	if (lang_type_is_scalar(t)) {
		struct lang_int x = {0}, y = {0};
		int r = -1;
		if (eval_depth(a, NULL, &x, depth + 1) == 0 && eval_depth(b, NULL, &y, depth + 1) == 0)
			r = lang_int_cmp(&x, &y) == 0;
		lang_int_free(&x);
		lang_int_free(&y);
		return r;
	}
	a = aggregate(a, NULL, depth + 1);
	b = aggregate(b, NULL, depth + 1);
	if (a == NULL || b == NULL)
		return -1;
	if (t->kind == LANG_T_ARRAY) {
		/* two repeats: one element says it all */
		uint64_t n = a->kind == AST_E_REPEAT && b->kind == AST_E_REPEAT ? 1 : t->len;
		for (uint64_t i = 0; i < n; i++) {
			const struct ast_expr *ea = element(a, i), *eb = element(b, i);
			if (ea == NULL || eb == NULL)
				return -1;
			int r = equal_depth(ea, eb, t->elem, depth + 1);
			if (r != 1)
				return r;
		}
		return 1;
	}
	if (t->kind != LANG_T_STRUCT || a->kind != AST_E_STRUCT || b->kind != AST_E_STRUCT)
		return -1;
	for (uint32_t i = 0; i < t->strct->nfields; i++) {
		if (i >= a->nargs || i >= b->nargs)
			return -1;
		int r = equal_depth(a->args[i], b->args[i], t->strct->fields[i].type, depth + 1);
		if (r != 1)
			return r;
	}
	return 1;
}

int eval_aggregates_equal(const struct ast_expr *a, const struct ast_expr *b)
{
	return equal_depth(a, b, a->type, 0);
}

/* ---- lang_eval ---- */

static int eval_args_minmax(const struct ast_expr *e, const struct lang_env *env,
			    struct lang_int *out, unsigned depth)
{
	struct lang_int best = {0}, cur = {0};
	int err = eval_depth(e->args[0], env, &best, depth + 1);
	for (uint32_t i = 1; i < e->nargs && err == 0; i++) {
		lang_int_free(&cur);
		err = eval_depth(e->args[i], env, &cur, depth + 1);
		if (err)
			break;
		int c = lang_int_cmp(&cur, &best);
		if (e->builtin == AST_B_MIN ? c < 0 : c > 0) {
			struct lang_int t = best;
			best = cur;
			cur = t;
		}
	}
	lang_int_free(&cur);
	if (err) {
		lang_int_free(&best);
		return -1;
	}
	*out = best;
	return 0;
}

static int eval_depth(const struct ast_expr *e, const struct lang_env *env, struct lang_int *out,
		      unsigned depth)
{
	struct lang_int a = {0}, b = {0};
	int err = -1;
	*out = (struct lang_int){0};
	if (depth > 4 * LANG_MAX_DEPTH || e->type == NULL)
		return -1;
	if (e->phase == LANG_CONST && e->value.n > 0)
		return lang_int_copy(out, &e->value) ? -1 : 0;
	switch (e->kind) {
	case AST_E_NAME: {
		const struct lang_int *v = NULL;
		if (e->decl == NULL)
			return -1;
		if (e->decl->kind == AST_D_PARAM || e->decl->kind == AST_D_CONST)
			v = e->decl->value.n > 0 ? &e->decl->value : NULL;
		else if (env != NULL && env->lookup != NULL)
			v = env->lookup(env->ctx, e->decl);
		if (v == NULL || lang_int_copy(out, v) != 0)
			return -1;
		err = settle(out, e->type);
		break;
	}
	case AST_E_UNARY:
		err = eval_depth(e->a, env, &a, depth + 1);
		if (!err)
			err = eval_unary(out, e->op, e->a->type, &a);
		break;
	case AST_E_BINARY:
		err = eval_depth(e->a, env, &a, depth + 1);
		if (!err)
			err = eval_depth(e->b, env, &b, depth + 1);
		if (!err)
			err = eval_binary(out, e->op, e->a->type, &a, &b);
		break;
	case AST_E_COND:
		err = eval_depth(e->a, env, &a, depth + 1);
		if (!err)
			err = eval_depth(lang_int_is_zero(&a) ? e->c : e->b, env, out, depth + 1);
		break;
	case AST_E_CAST:
		err = eval_depth(e->a, env, &a, depth + 1);
		if (!err)
			err = eval_cast(out, e->type, &a);
		break;
	case AST_E_INDEX:
	case AST_E_FIELD: {
		const struct ast_expr *x = eval_const_element(e, env);
		err = x == NULL ? -1 : eval_depth(x, env, out, depth + 1);
		if (!err)
			err = settle(out, e->type);
		break;
	}
	case AST_E_BUILTIN:
		switch (e->builtin) {
		case AST_B_MIN:
		case AST_B_MAX:
			err = eval_args_minmax(e, env, out, depth);
			break;
		case AST_B_MUX:
			err = eval_depth(e->args[0], env, &a, depth + 1);
			if (!err)
				err = eval_depth(lang_int_is_zero(&a) ? e->args[2] : e->args[1], env,
						 out, depth + 1);
			break;
		case AST_B_POPCOUNT: {
			err = eval_depth(e->args[0], env, &a, depth + 1);
			const struct lang_type *t = e->args[0]->type;
			if (err)
				break;
			if (lang_int_is_neg(&a) && (t == NULL || t->kind == LANG_T_INT)) {
				err = -1;
				break;
			}
			uint32_t width = t->kind == LANG_T_INT ? (uint32_t)lang_int_bitlen(&a) + 1
							       : t->width;
			err = lang_int_set_u64(out, lang_int_popcount(&a, width));
			if (!err)
				err = settle(out, e->type); /* i1, i2: the count wraps */
			break;
		}
		}
		break;
	default:
		err = -1;
	}
	lang_int_free(&a);
	lang_int_free(&b);
	if (err != 0) {
		lang_int_free(out);
		return -1;
	}
	return 0;
}

int lang_eval(const struct ast_expr *e, const struct lang_env *env, struct lang_int *out)
{
	return eval_depth(e, env, out, 0);
}
