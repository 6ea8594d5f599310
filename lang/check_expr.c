/* check_expr.c: types every expression, converts untyped integers, folds constants.
 *
 * check_expr() types the children first, then the node: operands must agree exactly, except
 * that an untyped side (literals, params, untyped consts, untyped loop indices) is converted to
 * the other side's integer type by check_convert(), which walks the untyped subtree, tests that
 * each literal and named constant fits, and refolds it in the new type. An expression that
 * stays untyped is computed exactly. A node whose operands are all LANG_CONST is folded with
 * eval.c, so its value is in the node; one built from constants and loop indices is LANG_LOOP;
 * anything else is left LANG_PUBLIC for the phase pass (phase.c) to refine. */
#include "check.h"

#include <string.h>

char *check_type_str(const struct lang_type *t, char buf[static 96])
{
	return lang_type_format(t, buf, 96);
}

static bool is_err(const struct lang_type *t)
{
	return t == NULL || t->kind == LANG_T_ERROR;
}

static bool is_untyped(const struct lang_type *t)
{
	return t != NULL && t->kind == LANG_T_INT;
}

static bool is_intlike(const struct lang_type *t)
{
	return is_untyped(t) || lang_type_is_int(t);
}

static enum lang_phase max_phase(enum lang_phase a, enum lang_phase b)
{
	return a > b ? a : b;
}

static const struct lang_type *fail(struct checker *c, struct ast_expr *e)
{
	e->type = c->t_error;
	e->phase = LANG_PUBLIC;
	return e->type;
}

static const char *fmt_int(const struct lang_int *v, char buf[static 64])
{
	return lang_int_format(v, buf, 64);
}

static void warn_wide_shift(struct checker *c, const struct ast_expr *e);

/* Keeps v (freeing it) as e's constant value. */
static void set_value(struct checker *c, struct ast_expr *e, struct lang_int *v)
{
	e->value = lang_arena_int(c->a, v);
	lang_int_free(v);
	e->phase = LANG_CONST;
}

/* Reports a folding problem; returns false when there was one. */
static bool fold_ok(struct checker *c, struct ast_expr *e, int code)
{
	switch (code) {
	case EVAL_OK:
		return true;
	case EVAL_DIV_ZERO:
		diag_error(c->d, e->oploc, "division by zero in a constant expression");
		break;
	case EVAL_TOO_BIG:
		diag_error(c->d, e->oploc, "constant is too large (more than %d bits)",
			   LANG_MAX_WIDTH);
		break;
	case EVAL_NEGATIVE:
		diag_error(c->d, e->b ? e->b->loc : e->loc, "shift amount is negative");
		break;
	default:
		lang_arena_oom(c->a);
	}
	return false;
}

/* Constant + - * << that wrapped around its type: legal, but rarely meant. */
static void warn_overflow(struct checker *c, const struct ast_expr *e, const struct lang_int *v)
{
	char tb[96], xb[64], vb[64];
	uint64_t k;
	bool arith = e->op == AST_OP_ADD || e->op == AST_OP_SUB || e->op == AST_OP_MUL ||
		     e->op == AST_OP_SHL;
	if (e->kind != AST_E_BINARY || !arith || !lang_type_is_int(e->type))
		return;
	if (e->op == AST_OP_SHL && (!lang_int_get_u64(&e->b->value, &k) || k >= e->type->width))
		return; /* warn_wide_shift said it */
	struct lang_int exact = {0};
	int code = eval_binary(&exact, e->op, NULL, &e->a->value, &e->b->value);
	if (code == 0 && lang_int_cmp(&exact, v) != 0)
		diag_warning(c->d, e->oploc, "constant overflows %s: %s wraps around to %s",
			     check_type_str(e->type, tb), fmt_int(&exact, xb), fmt_int(v, vb));
	else if (code < 0)
		lang_arena_oom(c->a);
	lang_int_free(&exact);
}

/* Computes a scalar node whose operands are all constant. */
static void fold(struct checker *c, struct ast_expr *e)
{
	struct lang_int v = {0};
	int code;
	switch (e->kind) {
	case AST_E_UNARY:
		code = eval_unary(&v, e->op, e->type, &e->a->value);
		break;
	case AST_E_BINARY:
		if ((e->op == AST_OP_EQ || e->op == AST_OP_NE) && !lang_type_is_scalar(e->a->type)) {
			/* arrays and structs: their values are not in ->value */
			int eq = eval_aggregates_equal(e->a, e->b);
			if (eq < 0) {
				e->phase = LANG_PUBLIC; /* left to the lowering */
				return;
			}
			code = lang_int_set_i64(&v, eq == (e->op == AST_OP_EQ));
			if (code < 0)
				lang_arena_oom(c->a);
			set_value(c, e, &v);
			return;
		}
		if ((e->op == AST_OP_DIV || e->op == AST_OP_MOD) && lang_int_is_zero(&e->b->value))
			code = EVAL_DIV_ZERO;
		else
			code = eval_binary(&v, e->op, e->a->type, &e->a->value, &e->b->value);
		break;
	default:
		e->phase = LANG_PUBLIC;
		if (lang_eval(e, NULL, &v) != 0) {
			e->phase = LANG_PUBLIC; /* not computable here: leave it to the lowering */
			return;
		}
		set_value(c, e, &v);
		return;
	}
	if (!fold_ok(c, e, code)) {
		lang_int_free(&v);
		fail(c, e);
		return;
	}
	warn_overflow(c, e, &v);
	set_value(c, e, &v);
}

/* Sets e's phase from its operands' (ph) and folds it when constant. */
static void settle(struct checker *c, struct ast_expr *e, enum lang_phase ph)
{
	bool scalar = lang_type_is_scalar(e->type);
	if (is_err(e->type)) {
		e->phase = LANG_PUBLIC;
	} else if (ph == LANG_CONST) {
		e->phase = LANG_CONST;
		if (scalar)
			fold(c, e);
	} else {
		e->phase = ph == LANG_LOOP && !scalar ? LANG_PUBLIC : ph;
	}
}

/* ---- untyped integers ---- */

static void convert_literal(struct checker *c, struct ast_expr *e, const struct lang_type *t)
{
	char vb[64], tb[96];
	struct lang_int v = {0};
	if ((e->negated_literal ? lang_int_neg(&v, &e->value) : lang_int_copy(&v, &e->value)) != 0)
		lang_arena_oom(c->a);
	if (!lang_int_fits(&v, t->width, t->kind == LANG_T_SINT))
		diag_error(c->d, e->loc, "literal %s does not fit in %s", fmt_int(&v, vb),
			   check_type_str(t, tb));
	lang_int_free(&v);
}

static void convert_name(struct checker *c, struct ast_expr *e, const struct lang_type *t)
{
	char vb[64], tb[96];
	const struct ast_decl *d = e->decl;
	bool is_signed = t->kind == LANG_T_SINT;
	if (d->kind == AST_D_LOOP_INDEX) {
		const struct ast_stmt *loop = d->loop;
		if (loop == NULL || !loop->count_known || loop->count == 0)
			return;
		struct lang_int last = {0}, one = {0};
		if (lang_int_set_i64(&one, 1) || lang_int_sub(&last, &loop->to->value, &one))
			lang_arena_oom(c->a);
		const struct lang_int *bad = !lang_int_fits(&loop->from->value, t->width, is_signed)
						     ? &loop->from->value
					     : !lang_int_fits(&last, t->width, is_signed) ? &last
											  : NULL;
		if (bad != NULL)
			diag_error(c->d, e->loc, "loop index '%s' reaches %s, which does not fit in %s",
				   d->name, fmt_int(bad, vb), check_type_str(t, tb));
		lang_int_free(&last);
		lang_int_free(&one);
		return;
	}
	if (e->phase == LANG_CONST && !lang_int_fits(&e->value, t->width, is_signed))
		diag_error(c->d, e->loc, "%s '%s' is %s, which does not fit in %s",
			   ast_decl_kind_str(d->kind), d->name, fmt_int(&e->value, vb),
			   check_type_str(t, tb));
}

void check_convert(struct checker *c, struct ast_expr *e, const struct lang_type *t)
{
	if (!is_untyped(e->type) || !lang_type_is_int(t))
		return;
	switch (e->kind) {
	case AST_E_INT:
		convert_literal(c, e, t);
		break;
	case AST_E_NAME:
		convert_name(c, e, t);
		break;
	case AST_E_UNARY:
		check_convert(c, e->a, t);
		break;
	case AST_E_BINARY:
		check_convert(c, e->a, t);
		if (e->op != AST_OP_SHL && e->op != AST_OP_SHR)
			check_convert(c, e->b, t);
		else
			warn_wide_shift(c, e);
		break;
	case AST_E_COND:
		check_convert(c, e->b, t);
		check_convert(c, e->c, t);
		break;
	case AST_E_BUILTIN:
		for (uint32_t i = e->builtin == AST_B_MUX ? 1 : 0; i < e->nargs; i++)
			check_convert(c, e->args[i], t);
		break;
	default:
		break;
	}
	e->type = t;
	if (e->phase != LANG_CONST)
		return;
	if (e->kind == AST_E_INT || e->kind == AST_E_NAME) {
		/* keep the value inside the type even when it did not fit (already reported) */
		struct lang_int v = {0};
		if (lang_int_wrap(&v, &e->value, t->width,
				  t->kind == LANG_T_SINT))
			lang_arena_oom(c->a);
		set_value(c, e, &v);
		return;
	}
	fold(c, e);
}

bool check_coerce(struct checker *c, struct ast_expr *e, const struct lang_type *t)
{
	if (is_err(e->type) || is_err(t))
		return true;
	if (is_untyped(e->type) && lang_type_is_int(t)) {
		check_convert(c, e, t);
		return true;
	}
	return lang_type_equal(e->type, t);
}

void check_static_untyped(struct checker *c, struct ast_expr *e)
{
	if (is_untyped(e->type) && e->phase > LANG_LOOP) {
		diag_error(c->d, e->loc,
			   "cannot infer the type of this expression; convert it with 'as'");
		fail(c, e);
	}
}

bool check_const_u64(struct checker *c, struct ast_expr *e, const char *what, uint64_t *out)
{
	char tb[96], vb[64];
	if (is_err(e->type))
		return false;
	if (!is_intlike(e->type)) {
		diag_error(c->d, e->loc, "%s must be an integer, not %s", what,
			   check_type_str(e->type, tb));
		return false;
	}
	if (e->phase != LANG_CONST) {
		diag_error(c->d, e->loc, "%s must be known at compile time", what);
		return false;
	}
	if (lang_int_is_neg(&e->value)) {
		diag_error(c->d, e->loc, "%s must not be negative (it is %s)", what,
			   fmt_int(&e->value, vb));
		return false;
	}
	if (!lang_int_get_u64(&e->value, out)) {
		diag_error(c->d, e->loc, "%s is too large (%s)", what, fmt_int(&e->value, vb));
		return false;
	}
	return true;
}

/* ---- index ranges ---- */

/* The exact range of a loop-dependent index: loop indices over constant bounds, and untyped
 * sums and differences of them with constants. */
static bool static_range(struct checker *c, const struct ast_expr *e, struct lang_int *lo,
			 struct lang_int *hi)
{
	if (e->phase == LANG_CONST)
		return lang_int_copy(lo, &e->value) == 0 && lang_int_copy(hi, &e->value) == 0;
	if (e->kind == AST_E_NAME && e->decl != NULL && e->decl->kind == AST_D_LOOP_INDEX) {
		const struct ast_stmt *loop = e->decl->loop;
		if (loop == NULL || !loop->count_known || loop->count == 0)
			return false;
		struct lang_int one = {0};
		int err = lang_int_set_i64(&one, 1) || lang_int_copy(lo, &loop->from->value) ||
			  lang_int_sub(hi, &loop->to->value, &one);
		lang_int_free(&one);
		if (err)
			lang_arena_oom(c->a);
		return true;
	}
	if (e->kind != AST_E_BINARY || !is_untyped(e->type) ||
	    (e->op != AST_OP_ADD && e->op != AST_OP_SUB))
		return false;
	struct lang_int alo = {0}, ahi = {0}, blo = {0}, bhi = {0};
	bool ok = static_range(c, e->a, &alo, &ahi) && static_range(c, e->b, &blo, &bhi);
	if (ok) {
		int err = e->op == AST_OP_ADD
				  ? lang_int_add(lo, &alo, &blo) || lang_int_add(hi, &ahi, &bhi)
				  : lang_int_sub(lo, &alo, &bhi) || lang_int_sub(hi, &ahi, &blo);
		if (err)
			lang_arena_oom(c->a);
	}
	lang_int_free(&alo);
	lang_int_free(&ahi);
	lang_int_free(&blo);
	lang_int_free(&bhi);
	return ok;
}

void check_index_bounds(struct checker *c, struct ast_expr *idx, const struct lang_type *arr)
{
	char vb[64], tb[96];
	if (arr == NULL || arr->kind != LANG_T_ARRAY || is_err(idx->type))
		return;
	struct lang_int len = {0}, lo = {0}, hi = {0};
	if (lang_int_set_u64(&len, arr->len))
		lang_arena_oom(c->a);
	if (idx->phase == LANG_CONST) {
		if (lang_int_is_neg(&idx->value) || lang_int_cmp(&idx->value, &len) >= 0)
			diag_error(c->d, idx->loc, "index %s is out of bounds for %s",
				   fmt_int(&idx->value, vb), check_type_str(arr, tb));
	} else if (idx->phase == LANG_LOOP && static_range(c, idx, &lo, &hi)) {
		const struct lang_int *bad = lang_int_cmp(&hi, &len) >= 0 ? &hi
					     : lang_int_is_neg(&lo)	  ? &lo
									  : NULL;
		if (bad != NULL)
			diag_error(c->d, idx->loc, "index reaches %s, out of bounds for %s",
				   fmt_int(bad, vb), check_type_str(arr, tb));
	}
	lang_int_free(&len);
	lang_int_free(&lo);
	lang_int_free(&hi);
}

/* ---- names ---- */

static bool is_builtin(const char *name, enum ast_builtin *b)
{
	static const char *const names[] = {"min", "max", "mux", "popcount"};
	for (unsigned i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(name, names[i]) == 0) {
			*b = (enum ast_builtin)i;
			return true;
		}
	return false;
}

static void undeclared(struct checker *c, const struct ast_expr *e)
{
	enum ast_builtin b;
	if (is_builtin(e->name, &b)) {
		diag_error(c->d, e->loc, "'%s' is a builtin function; call it as %s(...)", e->name,
			   e->name);
		return;
	}
	if (c->fn != NULL)
		for (uint32_t i = 0; i < c->main_vars.n; i++) {
			const struct ast_decl *d = c->main_vars.items[i];
			if (strcmp(d->name, e->name) == 0) {
				diag_error(c->d, e->loc,
					   "'%s' is a top-level variable; a function can only use "
					   "its parameters, its own variables, params and consts",
					   e->name);
				return;
			}
		}
	diag_error(c->d, e->loc, "'%s' is not declared", e->name);
}

static const struct lang_type *check_name(struct checker *c, struct ast_expr *e)
{
	struct binding *b = check_lookup(c, e->name);
	if (b == NULL) {
		undeclared(c, e);
		return fail(c, e);
	}
	if (b->kind == SYM_FN) {
		diag_error(c->d, e->loc, "'%s' is a function; call it as %s(...)", e->name, e->name);
		return fail(c, e);
	}
	if (b->kind == SYM_STRUCT) {
		diag_error(c->d, e->loc, "'%s' is a struct type, not a value", e->name);
		return fail(c, e);
	}
	struct ast_decl *d = b->ptr;
	if (d->kind == AST_D_PARTY) {
		diag_error(c->d, e->loc, "'%s' is a party, not a value", e->name);
		return fail(c, e);
	}
	if (c->fn != NULL && (d->kind == AST_D_INPUT || d->kind == AST_D_OUTPUT)) {
		diag_error(c->d, e->loc,
			   "a function cannot use %s '%s'; pass it to the function as an argument",
			   ast_decl_kind_str(d->kind), e->name);
		return fail(c, e);
	}
	check_ensure_decl(c, d);
	e->decl = d;
	e->type = d->type ? d->type : c->t_error;
	if (is_err(e->type))
		return fail(c, e);
	switch (d->kind) {
	case AST_D_PARAM:
	case AST_D_CONST:
		e->phase = LANG_CONST;
		if (lang_type_is_scalar(e->type)) {
			if (d->value.n == 0)
				return fail(c, e); /* its own error was reported */
			e->value = d->value;
		}
		break;
	case AST_D_LOOP_INDEX:
		e->phase = LANG_LOOP;
		break;
	case AST_D_VAR:
	case AST_D_OUTPUT:
		check_use_var(c, d, e->loc);
		e->phase = LANG_PUBLIC;
		break;
	default:
		e->phase = LANG_PUBLIC;
		break;
	}
	return e->type;
}

/* ---- operators ---- */

/* Gives a and b one type, converting an untyped side. NULL after reporting a mismatch. */
static const struct lang_type *unify(struct checker *c, struct ast_expr *a, struct ast_expr *b,
				     struct lang_loc where, const char *what)
{
	char ta[96], tb[96];
	if (is_untyped(a->type) && lang_type_is_int(b->type)) {
		check_convert(c, a, b->type);
		return b->type;
	}
	if (is_untyped(b->type) && lang_type_is_int(a->type)) {
		check_convert(c, b, a->type);
		return a->type;
	}
	if (lang_type_equal(a->type, b->type))
		return a->type;
	diag_error(c->d, where, "mismatched types %s and %s for %s; convert one with 'as'",
		   check_type_str(a->type, ta), check_type_str(b->type, tb), what);
	return NULL;
}

static const struct lang_type *check_unary(struct checker *c, struct ast_expr *e)
{
	char tb[96];
	const struct lang_type *t = check_expr(c, e->a, NULL);
	if (is_err(t))
		return fail(c, e);
	bool ok = e->op == AST_OP_NEG	 ? is_intlike(t)
		  : e->op == AST_OP_BNOT ? is_intlike(t) || t->kind == LANG_T_BOOL
					 : t->kind == LANG_T_BOOL;
	if (!ok) {
		if (e->op == AST_OP_LNOT)
			diag_error(c->d, e->oploc,
				   "'!' needs a bool operand, not %s (for integers, use '~')",
				   check_type_str(t, tb));
		else
			diag_error(c->d, e->oploc, "'%s' needs an integer operand, not %s",
				   ast_op_str(e->op), check_type_str(t, tb));
		return fail(c, e);
	}
	e->type = t;
	settle(c, e, e->a->phase);
	return e->type;
}

/* x << k or x >> k with a constant k >= the width of x: almost surely a mistake. */
static void warn_wide_shift(struct checker *c, const struct ast_expr *e)
{
	char tb[96], vb[64];
	const struct lang_type *t = e->a->type;
	uint64_t k;
	if (!lang_type_is_int(t) || e->b->phase != LANG_CONST)
		return;
	if (!lang_int_get_u64(&e->b->value, &k) || k >= t->width)
		diag_warning(c->d, e->oploc, "shifting %s by %s, not less than its width, gives %s",
			     check_type_str(t, tb), fmt_int(&e->b->value, vb),
			     e->op == AST_OP_SHR && t->kind == LANG_T_SINT ? "0 or -1" : "0");
}

static void check_shift(struct checker *c, struct ast_expr *e)
{
	char tb[96], vb[64];
	const struct lang_type *ta = e->a->type, *tb_ = e->b->type;
	if (!is_intlike(ta)) {
		diag_error(c->d, e->oploc, "'%s' needs an integer to shift, not %s", ast_op_str(e->op),
			   check_type_str(ta, tb));
		fail(c, e);
		return;
	}
	if (is_untyped(tb_)) {
		check_static_untyped(c, e->b);
		if (e->b->phase == LANG_CONST && lang_int_is_neg(&e->b->value)) {
			diag_error(c->d, e->b->loc, "shift amount %s is negative",
				   fmt_int(&e->b->value, vb));
			fail(c, e);
			return;
		}
	} else if (tb_->kind != LANG_T_UINT) {
		diag_error(c->d, e->b->loc, "a shift amount must be an unsigned integer, not %s",
			   check_type_str(tb_, tb));
		fail(c, e);
		return;
	}
	if (is_err(e->b->type)) {
		fail(c, e);
		return;
	}
	e->type = ta;
	warn_wide_shift(c, e);
	settle(c, e, max_phase(e->a->phase, e->b->phase));
}

static const struct lang_type *check_binary(struct checker *c, struct ast_expr *e)
{
	char tb[96];
	bool shift = e->op == AST_OP_SHL || e->op == AST_OP_SHR;
	const struct lang_type *ta = check_expr(c, e->a, NULL);
	const struct lang_type *tb_ =
		check_expr(c, e->b, !shift && !is_untyped(ta) && !is_err(ta) ? ta : NULL);
	if (is_err(ta) || is_err(tb_))
		return fail(c, e);
	if (shift) {
		check_shift(c, e);
		return e->type;
	}
	char what[16];
	snprintf(what, sizeof(what), "'%s'", ast_op_str(e->op));
	if (e->op == AST_OP_LAND || e->op == AST_OP_LOR) {
		const struct lang_type *bad = ta->kind != LANG_T_BOOL ? ta : tb_;
		if (bad->kind != LANG_T_BOOL) {
			diag_error(c->d, e->oploc, "'%s' needs bool operands, not %s",
				   ast_op_str(e->op), check_type_str(bad, tb));
			return fail(c, e);
		}
		e->type = c->t_bool;
		settle(c, e, max_phase(e->a->phase, e->b->phase));
		return e->type;
	}
	const struct lang_type *t = unify(c, e->a, e->b, e->oploc, what);
	if (t == NULL)
		return fail(c, e);
	bool ok;
	switch (e->op) {
	case AST_OP_EQ:
	case AST_OP_NE:
		ok = t->kind != LANG_T_TUPLE;
		break;
	case AST_OP_LT:
	case AST_OP_LE:
	case AST_OP_GT:
	case AST_OP_GE:
		ok = is_intlike(t) || t->kind == LANG_T_BOOL;
		break;
	case AST_OP_AND:
	case AST_OP_OR:
	case AST_OP_XOR:
		ok = is_intlike(t) || t->kind == LANG_T_BOOL;
		break;
	default:
		ok = is_intlike(t);
		break;
	}
	if (!ok) {
		diag_error(c->d, e->oploc, "'%s' cannot be used on %s", ast_op_str(e->op),
			   check_type_str(t, tb));
		return fail(c, e);
	}
	bool compare = e->op >= AST_OP_EQ && e->op <= AST_OP_GE;
	if (compare && is_untyped(t)) {
		check_static_untyped(c, e->a);
		check_static_untyped(c, e->b);
		if (is_err(e->a->type) || is_err(e->b->type))
			return fail(c, e);
	}
	if ((e->op == AST_OP_DIV || e->op == AST_OP_MOD) && e->b->phase == LANG_CONST &&
	    e->a->phase != LANG_CONST && lang_int_is_zero(&e->b->value))
		diag_warning(c->d, e->oploc,
			     "division by zero: the quotient is all ones and the remainder is the "
			     "dividend");
	e->type = compare ? c->t_bool : t;
	settle(c, e, max_phase(e->a->phase, e->b->phase));
	return e->type;
}

static const struct lang_type *check_cond(struct checker *c, struct ast_expr *e,
					  const struct lang_type *want)
{
	char tb[96];
	const struct lang_type *tc = check_expr(c, e->a, NULL);
	const struct lang_type *t1 = check_expr(c, e->b, want);
	const struct lang_type *t2 =
		check_expr(c, e->c, !is_err(t1) && !is_untyped(t1) ? t1 : want);
	if (is_err(tc) || is_err(t1) || is_err(t2))
		return fail(c, e);
	if (tc->kind != LANG_T_BOOL) {
		diag_error(c->d, e->a->loc, "the condition of '?:' must be bool, not %s",
			   check_type_str(tc, tb));
		return fail(c, e);
	}
	const struct lang_type *t = unify(c, e->b, e->c, e->oploc, "'?:'");
	if (t == NULL)
		return fail(c, e);
	e->type = t;
	settle(c, e, max_phase(e->a->phase, max_phase(e->b->phase, e->c->phase)));
	return e->type;
}

static const struct lang_type *check_cast(struct checker *c, struct ast_expr *e)
{
	char ta[96], tb[96];
	const struct lang_type *from = check_expr(c, e->a, NULL);
	const struct lang_type *to = check_resolve_type(c, e->tyexpr, false);
	if (is_err(from) || is_err(to))
		return fail(c, e);
	if (to->kind != LANG_T_BOOL && !lang_type_is_int(to)) {
		diag_error(c->d, e->tyexpr->loc, "cannot convert to %s with 'as' (only to bool, uN, iN)",
			   check_type_str(to, tb));
		return fail(c, e);
	}
	if (from->kind != LANG_T_BOOL && !is_intlike(from)) {
		diag_error(c->d, e->a->loc, "cannot convert %s with 'as'", check_type_str(from, ta));
		return fail(c, e);
	}
	if (is_untyped(from)) {
		check_static_untyped(c, e->a);
		if (is_err(e->a->type))
			return fail(c, e);
	}
	if (to->kind == LANG_T_BOOL && from->kind != LANG_T_BOOL) {
		bool one_bit = lang_type_is_int(from) && from->width == 1;
		bool zero_one = is_untyped(from) && e->a->phase == LANG_CONST &&
				lang_int_bitlen(&e->a->value) <= 1 && !lang_int_is_neg(&e->a->value);
		if (!one_bit && !zero_one) {
			diag_error(c->d, e->oploc,
				   "cannot convert %s to bool with 'as'; compare instead (x != 0)",
				   check_type_str(from, ta));
			return fail(c, e);
		}
	}
	e->type = to;
	settle(c, e, e->a->phase);
	return e->type;
}

static const struct lang_type *check_index(struct checker *c, struct ast_expr *e)
{
	char tb[96];
	const struct lang_type *ta = check_expr(c, e->a, NULL);
	const struct lang_type *ti = check_expr(c, e->b, NULL);
	if (is_err(ta) || is_err(ti))
		return fail(c, e);
	if (ta->kind != LANG_T_ARRAY) {
		diag_error(c->d, e->oploc, "cannot index %s: it is not an array",
			   check_type_str(ta, tb));
		return fail(c, e);
	}
	if (is_untyped(ti)) {
		check_static_untyped(c, e->b);
	} else if (ti->kind != LANG_T_UINT) {
		diag_error(c->d, e->b->loc, "an array index must be an unsigned integer, not %s",
			   check_type_str(ti, tb));
		return fail(c, e);
	}
	if (is_err(e->b->type))
		return fail(c, e);
	check_index_bounds(c, e->b, ta);
	e->type = ta->elem;
	settle(c, e, max_phase(e->a->phase, e->b->phase));
	return e->type;
}

static const struct lang_type *check_field(struct checker *c, struct ast_expr *e)
{
	char tb[96];
	const struct lang_type *ta = check_expr(c, e->a, NULL);
	if (is_err(ta))
		return fail(c, e);
	if (ta->kind != LANG_T_STRUCT) {
		diag_error(c->d, e->oploc, "'.%s' needs a struct, but this is %s", e->name,
			   check_type_str(ta, tb));
		return fail(c, e);
	}
	const struct ast_struct *s = ta->strct;
	for (uint32_t i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].name, e->name) == 0) {
			e->field = i;
			e->type = s->fields[i].type;
			settle(c, e, e->a->phase);
			return e->type;
		}
	diag_error(c->d, e->oploc, "struct '%s' has no field '%s'", s->name, e->name);
	return fail(c, e);
}

/* ---- calls ---- */

static const struct lang_type *check_builtin(struct checker *c, struct ast_expr *e,
					     const struct lang_type *want)
{
	char ta[96], tb[96], vb[64];
	static const char *const names[] = {"min", "max", "mux", "popcount"};
	const char *name = names[e->builtin];
	bool bad = false;
	uint32_t first = e->builtin == AST_B_MUX ? 1 : 0;
	if ((e->builtin <= AST_B_MAX && e->nargs < 2) || (e->builtin == AST_B_MUX && e->nargs != 3) ||
	    (e->builtin == AST_B_POPCOUNT && e->nargs != 1)) {
		if (e->builtin == AST_B_MUX)
			diag_error(c->d, e->loc, "'mux' takes 3 arguments: mux(condition, a, b)");
		else if (e->builtin == AST_B_POPCOUNT)
			diag_error(c->d, e->loc, "'popcount' takes 1 argument");
		else
			diag_error(c->d, e->loc, "'%s' needs at least 2 arguments", name);
		bad = true;
	}
	const struct lang_type *t = NULL;
	enum lang_phase ph = LANG_CONST;
	for (uint32_t i = 0; i < e->nargs; i++) {
		const struct lang_type *ti = check_expr(c, e->args[i], i >= first ? want : NULL);
		bad |= is_err(ti);
		ph = max_phase(ph, e->args[i]->phase);
		if (i >= first && !is_err(ti) && !is_untyped(ti) && t == NULL)
			t = ti;
	}
	if (bad)
		return fail(c, e);
	if (e->builtin == AST_B_MUX && e->args[0]->type->kind != LANG_T_BOOL) {
		diag_error(c->d, e->args[0]->loc, "the condition of 'mux' must be bool, not %s",
			   check_type_str(e->args[0]->type, tb));
		return fail(c, e);
	}
	if (t == NULL)
		t = e->args[first]->type; /* all untyped */
	for (uint32_t i = first; i < e->nargs; i++) {
		if (!check_coerce(c, e->args[i], t)) {
			diag_error(c->d, e->args[i]->loc,
				   "arguments of '%s' have different types: %s and %s", name,
				   check_type_str(t, ta), check_type_str(e->args[i]->type, tb));
			return fail(c, e);
		}
	}
	if (e->builtin != AST_B_MUX && !is_intlike(t)) {
		diag_error(c->d, e->args[0]->loc, "'%s' needs integer arguments, not %s", name,
			   check_type_str(t, tb));
		return fail(c, e);
	}
	if (e->builtin == AST_B_POPCOUNT && is_untyped(t)) {
		check_static_untyped(c, e->args[0]);
		if (e->args[0]->phase == LANG_CONST && lang_int_is_neg(&e->args[0]->value)) {
			diag_error(c->d, e->args[0]->loc,
				   "popcount of the negative untyped value %s; give it a type",
				   fmt_int(&e->args[0]->value, vb));
			return fail(c, e);
		}
	}
	e->type = t;
	settle(c, e, ph);
	return e->type;
}

static const struct lang_type *check_call(struct checker *c, struct ast_expr *e, bool allow_tuple,
					  const struct lang_type *want)
{
	char ta[96], tb[96];
	enum ast_builtin bi;
	if (is_builtin(e->name, &bi)) {
		e->kind = AST_E_BUILTIN;
		e->builtin = bi;
		return check_builtin(c, e, want);
	}
	struct binding *b = check_lookup(c, e->name);
	if (b == NULL || b->kind != SYM_FN) {
		if (b == NULL)
			diag_error(c->d, e->oploc, "function '%s' is not declared", e->name);
		else
			diag_error(c->d, e->oploc, "'%s' is not a function", e->name);
		for (uint32_t i = 0; i < e->nargs; i++)
			check_expr(c, e->args[i], NULL);
		return fail(c, e);
	}
	struct ast_fn *f = b->ptr;
	check_ensure_fn(c, f);
	e->fn = f;
	bool bad = false;
	if (e->nargs != f->nparams) {
		diag_error(c->d, e->oploc, "function '%s' takes %u argument%s, but %u %s given",
			   f->name, f->nparams, f->nparams == 1 ? "" : "s", e->nargs,
			   e->nargs == 1 ? "was" : "were");
		bad = true;
	}
	for (uint32_t i = 0; i < e->nargs; i++) {
		const struct lang_type *pt = i < f->nparams ? f->params[i]->type : NULL;
		check_expr(c, e->args[i], pt);
		if (pt != NULL && !check_coerce(c, e->args[i], pt)) {
			diag_error(c->d, e->args[i]->loc,
				   "argument %u of '%s' is %s, but parameter '%s' is %s", i + 1,
				   f->name, check_type_str(e->args[i]->type, ta), f->params[i]->name,
				   check_type_str(pt, tb));
			bad = true;
		}
	}
	check_add_call(c, f, e->oploc);
	f->ncalls++;
	if (bad || is_err(f->ret))
		return fail(c, e);
	if (f->ret->kind == LANG_T_TUPLE && !allow_tuple) {
		diag_error(c->d, e->loc,
			   "'%s' returns a tuple %s; take it apart with var (a, b) = %s(...)",
			   f->name, check_type_str(f->ret, tb), f->name);
		return fail(c, e);
	}
	e->type = f->ret;
	e->phase = LANG_PUBLIC;
	return e->type;
}

/* ---- aggregates ---- */

static enum lang_phase aggregate_phase(const struct ast_expr *e)
{
	for (uint32_t i = 0; i < e->nargs; i++)
		if (e->args[i]->phase != LANG_CONST)
			return LANG_PUBLIC;
	return LANG_CONST;
}

/* The element type of an array literal: the first typed element's, else the expected one. */
static const struct lang_type *check_array(struct checker *c, struct ast_expr *e,
					   const struct lang_type *want)
{
	char ta[96], tb[96];
	const struct lang_type *welem = want && want->kind == LANG_T_ARRAY ? want->elem : NULL;
	const struct lang_type *t = NULL;
	bool bad = false;
	for (uint32_t i = 0; i < e->nargs; i++) {
		/* [[x, 1], [2, 3]]: a typed element types the untyped ones after it */
		const struct lang_type *ti = check_expr(c, e->args[i], welem ? welem : t);
		bad |= is_err(ti);
		if (!is_err(ti) && !is_untyped(ti) && t == NULL)
			t = ti;
	}
	if (bad)
		return fail(c, e);
	if (t == NULL)
		t = welem;
	if (t == NULL) {
		diag_error(c->d, e->loc,
			   "cannot infer the element type of this array; give the variable a type "
			   "(var a: [u32; %u] = ...)",
			   e->nargs);
		return fail(c, e);
	}
	for (uint32_t i = 0; i < e->nargs; i++)
		if (!check_coerce(c, e->args[i], t)) {
			diag_error(c->d, e->args[i]->loc,
				   "array elements have different types: %s and %s",
				   check_type_str(t, ta), check_type_str(e->args[i]->type, tb));
			return fail(c, e);
		}
	e->type = check_array_type(c, t, e->nargs, e->loc);
	e->phase = is_err(e->type) ? LANG_PUBLIC : aggregate_phase(e);
	return e->type;
}

static const struct lang_type *check_repeat(struct checker *c, struct ast_expr *e,
					    const struct lang_type *want)
{
	const struct lang_type *welem = want && want->kind == LANG_T_ARRAY ? want->elem : NULL;
	check_expr(c, e->b, NULL);
	const struct lang_type *t = check_expr(c, e->a, welem);
	uint64_t n;
	if (!check_const_u64(c, e->b, "the length of an array", &n) || is_err(t))
		return fail(c, e);
	if (is_untyped(t)) {
		if (welem == NULL || !lang_type_is_int(welem)) {
			diag_error(c->d, e->loc,
				   "cannot infer the element type of this array; give the variable "
				   "a type (var a: [u32; N] = [0; N])");
			return fail(c, e);
		}
		check_convert(c, e->a, welem);
		t = welem;
	}
	e->len = n;
	e->type = check_array_type(c, t, n, e->b->loc);
	e->phase = is_err(e->type) || e->a->phase != LANG_CONST ? LANG_PUBLIC : LANG_CONST;
	return e->type;
}

static const struct lang_type *check_struct_literal(struct checker *c, struct ast_expr *e)
{
	char ta[96], tb[96];
	struct binding *b = check_lookup(c, e->name);
	if (b == NULL || b->kind != SYM_STRUCT) {
		diag_error(c->d, e->oploc, b == NULL ? "unknown struct '%s'" : "'%s' is not a struct",
			   e->name);
		for (uint32_t i = 0; i < e->nargs; i++)
			check_expr(c, e->args[i], NULL);
		return fail(c, e);
	}
	struct ast_struct *s = b->ptr;
	check_ensure_struct(c, s);
	struct ast_expr **args = lang_arena_alloc(c->a, sizeof(*args) * (s->nfields + 1));
	bool bad = is_err(s->type);
	for (uint32_t i = 0; i < e->nargs; i++) {
		uint32_t k = 0;
		while (k < s->nfields && strcmp(s->fields[k].name, e->arg_names[i]) != 0)
			k++;
		const struct lang_type *ft = k < s->nfields ? s->fields[k].type : NULL;
		check_expr(c, e->args[i], ft);
		if (k == s->nfields) {
			diag_error(c->d, e->args[i]->loc, "struct '%s' has no field '%s'", s->name,
				   e->arg_names[i]);
			bad = true;
		} else if (args[k] != NULL) {
			diag_error(c->d, e->args[i]->loc, "field '%s' is given twice", e->arg_names[i]);
			bad = true;
		} else if (!check_coerce(c, e->args[i], ft)) {
			diag_error(c->d, e->args[i]->loc, "field '%s' of %s is %s, but the value is %s",
				   e->arg_names[i], s->name, check_type_str(ft, ta),
				   check_type_str(e->args[i]->type, tb));
			bad = true;
		} else {
			args[k] = e->args[i];
		}
	}
	for (uint32_t k = 0; k < s->nfields && !bad; k++)
		if (args[k] == NULL) {
			diag_error(c->d, e->loc, "field '%s' is missing in this %s literal",
				   s->fields[k].name, s->name);
			bad = true;
		}
	if (bad)
		return fail(c, e);
	const char **names = lang_arena_alloc(c->a, sizeof(char *) * (s->nfields + 1));
	for (uint32_t k = 0; k < s->nfields; k++)
		names[k] = s->fields[k].name;
	e->args = args;
	e->arg_names = names;
	e->nargs = s->nfields;
	e->strct = s;
	e->type = s->type;
	e->phase = aggregate_phase(e);
	return e->type;
}

static const struct lang_type *check_tuple(struct checker *c, struct ast_expr *e, bool allow,
					   const struct lang_type *want)
{
	bool fits = want && want->kind == LANG_T_TUPLE && want->nelems == e->nargs;
	bool bad = false;
	for (uint32_t i = 0; i < e->nargs; i++) {
		const struct lang_type *wi = fits ? want->elems[i] : NULL;
		bad |= is_err(check_expr(c, e->args[i], wi));
		if (wi != NULL)
			check_coerce(c, e->args[i], wi); /* a mismatch is the caller's to report */
	}
	if (!allow) {
		diag_error(c->d, e->loc,
			   "a tuple can only be returned or taken apart ((a, b) = ...)");
		return fail(c, e);
	}
	if (bad)
		return fail(c, e);
	struct lang_type *t = lang_arena_alloc(c->a, sizeof(*t));
	const struct lang_type **elems = lang_arena_alloc(c->a, sizeof(*elems) * e->nargs);
	t->kind = LANG_T_TUPLE;
	t->nelems = e->nargs;
	for (uint32_t i = 0; i < e->nargs; i++) {
		elems[i] = e->args[i]->type;
		t->bits += elems[i]->bits;
	}
	t->elems = elems;
	e->type = t;
	e->phase = aggregate_phase(e);
	return e->type;
}

/* ---- the dispatcher ---- */

static const struct lang_type *check_inner(struct checker *c, struct ast_expr *e,
					   const struct lang_type *want, bool allow_tuple)
{
	switch (e->kind) {
	case AST_E_INT:
		e->type = c->t_int;
		e->phase = LANG_CONST;
		return e->type;
	case AST_E_BOOL:
		e->type = c->t_bool;
		e->phase = LANG_CONST;
		return e->type;
	case AST_E_NAME:
		return check_name(c, e);
	case AST_E_UNARY:
		return check_unary(c, e);
	case AST_E_BINARY:
		return check_binary(c, e);
	case AST_E_COND:
		return check_cond(c, e, want);
	case AST_E_CAST:
		return check_cast(c, e);
	case AST_E_INDEX:
		return check_index(c, e);
	case AST_E_FIELD:
		return check_field(c, e);
	case AST_E_CALL:
		return check_call(c, e, allow_tuple, want);
	case AST_E_BUILTIN:
		return check_builtin(c, e, want);
	case AST_E_ARRAY:
		return check_array(c, e, want);
	case AST_E_REPEAT:
		return check_repeat(c, e, want);
	case AST_E_STRUCT:
		return check_struct_literal(c, e);
	case AST_E_TUPLE:
		return check_tuple(c, e, allow_tuple, want);
	case AST_E_ERROR:
		break;
	}
	return fail(c, e);
}

const struct lang_type *check_expr(struct checker *c, struct ast_expr *e,
				   const struct lang_type *want)
{
	bool allow_tuple = c->allow_tuple;
	c->allow_tuple = false;
	const struct lang_type *t = check_inner(c, e, want, allow_tuple);
	if (is_untyped(t) && want != NULL && lang_type_is_int(want))
		check_convert(c, e, want);
	return e->type;
}
