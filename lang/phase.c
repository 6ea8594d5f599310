/* phase.c: which values may depend on an input (LANG_SECRET) and which never do
 * (LANG_PUBLIC), and warnings about what secrecy costs.
 *
 * The checker already marked LANG_CONST and LANG_LOOP expressions. Here every variable, fn
 * parameter, fn result and output gets the most secret phase of anything that flows into it:
 * assigned values, indices used to write it, and the conditions of enclosing ifs (an
 * assignment under a secret `if` is a mux, hence secret). A fn parameter joins all its call
 * sites; after a return under a secret condition, the rest of that fn runs under a secret
 * condition too. Phases only rise, so repeating the walk until nothing changes terminates; a
 * program that needs more than MAX_ROUNDS rounds has everything non-constant made secret.
 * The last walk emits the warnings. */
#include "internal.h"

enum { MAX_ROUNDS = 32 };

struct phaser {
	struct lang_program *p;
	struct lang_diags *d;
	struct ast_fn *fn;
	enum lang_phase ctl; /* the phase of the enclosing conditions */
	bool tainted;        /* a return under a secret condition happened earlier in this fn */
	bool changed;
	bool force;          /* give up on precision: everything non-constant is secret */
	bool emit;           /* the last walk: warn */
};

static enum lang_phase max_phase(enum lang_phase a, enum lang_phase b)
{
	return a > b ? a : b;
}

static void raise_phase(struct phaser *ph, enum lang_phase *x, enum lang_phase p)
{
	if (ph->force)
		p = LANG_SECRET;
	if (p > *x) {
		*x = p;
		ph->changed = true;
	}
}

static enum lang_phase control(const struct phaser *ph)
{
	return ph->tainted ? LANG_SECRET : max_phase(ph->ctl, LANG_PUBLIC);
}

static enum lang_phase var_phase(const struct phaser *ph, const struct ast_decl *d)
{
	switch (d->kind) {
	case AST_D_PARAM:
	case AST_D_CONST:
		return LANG_CONST;
	case AST_D_LOOP_INDEX:
		return LANG_LOOP;
	case AST_D_INPUT:
		return LANG_SECRET;
	default:
		return ph->force ? LANG_SECRET : max_phase(d->phase, LANG_PUBLIC);
	}
}

static uint64_t idx_bits(const struct ast_expr *idx)
{
	return idx->type != NULL && idx->type->width > 0 ? idx->type->width : 64;
}

static void warn_index(struct phaser *ph, const struct ast_expr *e, bool write)
{
	const struct lang_type *arr = e->a->type;
	if (!ph->emit || e->b->phase != LANG_SECRET || arr == NULL || arr->kind != LANG_T_ARRAY)
		return;
	/* a read is a tree of len-1 muxes; a write compares the index with each position and
	 * muxes each element */
	uint64_t k = write ? arr->len * (arr->elem->bits + idx_bits(e->b))
			   : (arr->len - 1) * arr->elem->bits;
	diag_warning(ph->d, e->oploc, "indexing with a secret value costs about %llu AND gates",
		     (unsigned long long)k);
}

/* The AND gates of compiler/blocks.c's division (rem: x % y): n^2 at most, n^2 + 9n signed,
 * but for the unsigned remainder from 3 to 7 bits, n(n+1)/2 + 4n - 5 there. */
static void warn_division(struct phaser *ph, const struct lang_type *t, bool rem,
			  struct lang_loc loc)
{
	if (!ph->emit || t == NULL || !lang_type_is_int(t))
		return;
	uint64_t n = t->width;
	uint64_t k = n * n + (t->kind == LANG_T_SINT ? 9 * n : 0);
	if (rem && t->kind != LANG_T_SINT && n >= 3 && n <= 7)
		k = n * (n + 1) / 2 + 4 * n - 5;
	diag_warning(ph->d, loc, "secret division costs about n^2 AND gates (%llu here)",
		     (unsigned long long)k);
}

static enum lang_phase expr_phase(struct phaser *ph, struct ast_expr *e);

static enum lang_phase call_phase(struct phaser *ph, struct ast_expr *e)
{
	struct ast_fn *f = e->fn;
	for (uint32_t i = 0; i < e->nargs; i++) {
		enum lang_phase a = expr_phase(ph, e->args[i]);
		if (f != NULL && i < f->nparams)
			raise_phase(ph, &f->params[i]->phase, a);
	}
	if (f == NULL || ph->force)
		return LANG_SECRET;
	return max_phase(f->ret_phase, LANG_PUBLIC);
}

static enum lang_phase expr_phase(struct phaser *ph, struct ast_expr *e)
{
	if (e == NULL)
		return LANG_PUBLIC;
	if (e->phase == LANG_CONST || e->phase == LANG_LOOP)
		return e->phase;
	enum lang_phase r = LANG_PUBLIC;
	switch (e->kind) {
	case AST_E_NAME:
		r = e->decl != NULL ? var_phase(ph, e->decl) : LANG_SECRET;
		break;
	case AST_E_CALL:
		r = call_phase(ph, e);
		break;
	default: {
		struct ast_expr *few[3];
		uint32_t n = ast_expr_children(e, few, 3);
		for (uint32_t i = 0; i < n; i++)
			r = max_phase(r, expr_phase(ph, n <= 3 ? few[i] : e->args[i]));
		break;
	}
	}
	e->phase = max_phase(r, LANG_PUBLIC);
	if (e->kind == AST_E_INDEX)
		warn_index(ph, e, false);
	if (e->kind == AST_E_BINARY && (e->op == AST_OP_DIV || e->op == AST_OP_MOD) &&
	    e->phase == LANG_SECRET)
		warn_division(ph, e->type, e->op == AST_OP_MOD, e->oploc);
	return e->phase;
}

/* The phase of an assignment target's indices; sets the target nodes' phases. Returns the
 * variable written. */
static struct ast_decl *target_phase(struct phaser *ph, struct ast_expr *t, enum lang_phase *idx)
{
	switch (t->kind) {
	case AST_E_NAME:
		t->phase = t->decl ? var_phase(ph, t->decl) : LANG_SECRET;
		return t->decl;
	case AST_E_INDEX: {
		struct ast_decl *d = target_phase(ph, t->a, idx);
		enum lang_phase i = expr_phase(ph, t->b);
		*idx = max_phase(*idx, i);
		t->phase = max_phase(t->a->phase, i);
		warn_index(ph, t, true);
		return d;
	}
	case AST_E_FIELD: {
		struct ast_decl *d = target_phase(ph, t->a, idx);
		t->phase = t->a->phase;
		return d;
	}
	default:
		return NULL;
	}
}

static void assign(struct phaser *ph, struct ast_expr *target, enum lang_phase value)
{
	enum lang_phase idx = LANG_PUBLIC;
	bool emit = ph->emit;
	ph->emit = false;
	struct ast_decl *d = target_phase(ph, target, &idx);
	if (d != NULL)
		raise_phase(ph, &d->phase, max_phase(max_phase(value, idx), control(ph)));
	ph->emit = emit;
	target_phase(ph, target, &idx); /* the nodes again, with the raised phase */
}

static bool may_return(const struct ast_block *b);

static bool stmt_may_return(const struct ast_stmt *s)
{
	switch (s->kind) {
	case AST_S_RETURN:
		return true;
	case AST_S_IF:
		return may_return(s->then) || may_return(s->els);
	case AST_S_FOR:
	case AST_S_BLOCK:
		return may_return(s->body);
	default:
		return false;
	}
}

static bool may_return(const struct ast_block *b)
{
	if (b == NULL)
		return false;
	for (uint32_t i = 0; i < b->n; i++)
		if (stmt_may_return(b->stmts[i]))
			return true;
	return false;
}

static void walk_block(struct phaser *ph, struct ast_block *b);

static void walk_stmt(struct phaser *ph, struct ast_stmt *s)
{
	switch (s->kind) {
	case AST_S_VAR: {
		enum lang_phase v = s->decl->init ? expr_phase(ph, s->decl->init) : LANG_PUBLIC;
		raise_phase(ph, &s->decl->phase, max_phase(v, control(ph)));
		break;
	}
	case AST_S_ASSIGN: {
		enum lang_phase v = expr_phase(ph, s->value);
		if (s->op != AST_OP_NONE) {
			enum lang_phase idx = LANG_PUBLIC;
			bool emit = ph->emit;
			ph->emit = false;
			target_phase(ph, s->target, &idx);
			ph->emit = emit;
			v = max_phase(v, s->target->phase);
			if ((s->op == AST_OP_DIV || s->op == AST_OP_MOD) && v == LANG_SECRET)
				warn_division(ph, s->target->type, s->op == AST_OP_MOD, s->loc);
		}
		assign(ph, s->target, v);
		break;
	}
	case AST_S_MULTI: {
		enum lang_phase v = expr_phase(ph, s->value);
		for (uint32_t i = 0; i < s->ntargets; i++) {
			enum lang_phase vi = v;
			if (s->value->kind == AST_E_TUPLE && i < s->value->nargs)
				vi = s->value->args[i]->phase;
			assign(ph, s->targets[i], vi);
		}
		break;
	}
	case AST_S_IF: {
		enum lang_phase c = expr_phase(ph, s->cond);
		enum lang_phase saved = ph->ctl;
		ph->ctl = max_phase(ph->ctl, c);
		walk_block(ph, s->then);
		walk_block(ph, s->els);
		ph->ctl = saved;
		if (c == LANG_SECRET && ph->fn != NULL && (may_return(s->then) || may_return(s->els)))
			ph->tainted = true;
		break;
	}
	case AST_S_FOR: {
		expr_phase(ph, s->from);
		expr_phase(ph, s->to);
		bool before = ph->tainted;
		if (s->secret_exit)
			ph->tainted = true;
		walk_block(ph, s->body);
		if (ph->tainted && !before && !s->secret_exit) {
			s->secret_exit = true; /* the next round runs the body as secret throughout */
			ph->changed = true;
		}
		break;
	}
	case AST_S_RETURN:
		if (s->fn != NULL)
			raise_phase(ph, &s->fn->ret_phase,
				    max_phase(expr_phase(ph, s->value), control(ph)));
		break;
	case AST_S_BLOCK:
		walk_block(ph, s->body);
		break;
	case AST_S_ERROR:
		break;
	}
}

static void walk_block(struct phaser *ph, struct ast_block *b)
{
	if (b == NULL)
		return;
	for (uint32_t i = 0; i < b->n; i++)
		walk_stmt(ph, b->stmts[i]);
}

static void walk_program(struct phaser *ph)
{
	ph->changed = false;
	ph->fn = NULL;
	ph->ctl = LANG_PUBLIC;
	ph->tainted = false;
	walk_block(ph, ph->p->main);
	for (uint32_t i = 0; i < ph->p->nfns; i++) {
		struct ast_fn *f = ph->p->fns[i];
		ph->fn = f;
		ph->ctl = LANG_PUBLIC;
		ph->tainted = false;
		for (uint32_t k = 0; k < f->nparams; k++)
			raise_phase(ph, &f->params[k]->phase, LANG_PUBLIC);
		raise_phase(ph, &f->ret_phase, LANG_PUBLIC);
		walk_block(ph, f->body);
	}
}

void check_phases(struct lang_program *p)
{
	struct phaser ph = {.p = p, .d = p->diags};
	for (uint32_t i = 0; i < p->ninputs; i++)
		p->inputs[i]->phase = LANG_SECRET;
	for (uint32_t i = 0; i < p->noutputs; i++)
		p->outputs[i]->phase = LANG_PUBLIC;
	for (uint32_t i = 0; i < p->nparams; i++)
		p->params[i]->phase = LANG_CONST;
	for (uint32_t i = 0; i < p->nconsts; i++)
		p->consts[i]->phase = LANG_CONST;
	int round = 0;
	do {
		walk_program(&ph);
	} while (ph.changed && ++round < MAX_ROUNDS);
	if (ph.changed) {
		ph.force = true;
		walk_program(&ph);
	}
	ph.emit = true;
	walk_program(&ph);
}
