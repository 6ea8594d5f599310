/* check.c: names, declarations and statements; the driver of the checker.
 *
 * The order: bind every global name (params, consts, parties, inputs, outputs, structs, fns:
 * usable anywhere in the file), apply -D, resolve each global (lazily, so a const may use one
 * declared below it; a cycle is an error), check the top-level statements in order, then each
 * fn body, then look for recursion. Along the way: definite assignment (a variable is read
 * only after an assignment on every path; every output is assigned), `return` on every path
 * of a fn, and no name declared twice (inner scopes may not reuse a visible name either). */
#include "check.h"

#include <stdlib.h>
#include <string.h>

enum { TODO = 0, BUSY = 1, DONE = 2 };

static bool is_err(const struct lang_type *t)
{
	return t == NULL || t->kind == LANG_T_ERROR;
}

/* ---- the symbol table ---- */

static size_t hash_name(const char *s)
{
	size_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static struct slot *find_slot(struct checker *c, const char *name)
{
	size_t mask = c->nslots - 1;
	for (size_t i = hash_name(name) & mask;; i = (i + 1) & mask)
		if (c->slots[i].name == NULL || strcmp(c->slots[i].name, name) == 0)
			return &c->slots[i];
}

static void grow_table(struct checker *c)
{
	struct slot *old = c->slots;
	size_t n = c->nslots;
	c->nslots = n ? n * 2 : 256;
	c->slots = lang_arena_alloc(c->a, sizeof(struct slot) * c->nslots);
	for (size_t i = 0; i < n; i++)
		if (old[i].name != NULL)
			*find_slot(c, old[i].name) = old[i];
}

struct binding *check_lookup(struct checker *c, const char *name)
{
	if (c->nslots == 0)
		return NULL;
	struct slot *s = find_slot(c, name);
	return s->name ? s->top : NULL;
}

static bool reserved(const char *name)
{
	static const char *const names[] = {"min", "max", "mux", "popcount"};
	for (unsigned i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static void push_scope(struct checker *c)
{
	lang_vec_push(c->a, &c->scopes, NULL);
}

static void pop_scope(struct checker *c)
{
	struct binding *b = c->scopes.items[--c->scopes.n];
	for (; b != NULL; b = b->next_in_scope)
		find_slot(c, b->name)->top = b->shadowed;
}

/* Binds name in the innermost scope; false (after an error) when it is already visible. */
static bool bind(struct checker *c, const char *name, enum sym_kind kind, void *ptr,
		 struct lang_loc loc)
{
	if (reserved(name)) {
		diag_error(c->d, loc, "'%s' is the name of a builtin function", name);
		return false;
	}
	struct binding *old = check_lookup(c, name);
	if (old != NULL) {
		diag_error(c->d, loc, "'%s' is already declared", name);
		diag_note(c->d, old->loc, "the other declaration of '%s' is here", name);
		return false;
	}
	if ((c->used + 1) * 4 > c->nslots * 3)
		grow_table(c);
	struct slot *s = find_slot(c, name);
	if (s->name == NULL) {
		s->name = name;
		c->used++;
	}
	struct binding *b = lang_arena_alloc(c->a, sizeof(*b));
	b->name = name;
	b->kind = kind;
	b->ptr = ptr;
	b->loc = loc;
	b->shadowed = s->top;
	b->next_in_scope = c->scopes.items[c->scopes.n - 1];
	c->scopes.items[c->scopes.n - 1] = b;
	s->top = b;
	return true;
}

/* ---- definite assignment ---- */

static void track(struct checker *c, struct ast_decl *d, bool assigned)
{
	if (c->nlocals == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 64;
		uint8_t *a = lang_arena_alloc(c->a, cap);
		if (c->nlocals > 0)
			memcpy(a, c->assigned, c->nlocals);
		c->assigned = a;
		c->cap = cap;
	}
	d->local = c->nlocals;
	c->assigned[c->nlocals++] = assigned;
}

static bool tracked(const struct checker *c, const struct ast_decl *d)
{
	return (d->kind == AST_D_VAR || d->kind == AST_D_OUTPUT) && d->fn == c->fn &&
	       d->local < c->nlocals && d->state == DONE;
}

void check_use_var(struct checker *c, struct ast_decl *d, struct lang_loc loc)
{
	if (!tracked(c, d) || c->assigned[d->local])
		return;
	diag_error(c->d, loc, "'%s' is used before it is assigned", d->name);
	c->assigned[d->local] = 1; /* once is enough */
}

static void mark_assigned(struct checker *c, struct ast_decl *d)
{
	if (tracked(c, d))
		c->assigned[d->local] = 1;
	d->written = true;
}

static uint8_t *save_state(struct checker *c)
{
	uint8_t *s = malloc(c->nlocals + 1);
	if (s == NULL)
		lang_arena_oom(c->a);
	if (c->nlocals > 0)
		memcpy(s, c->assigned, c->nlocals);
	return s;
}

/* ---- types ---- */

const struct lang_type *check_int_type(struct checker *c, bool is_signed, uint32_t width)
{
	struct lang_type *t = lang_arena_alloc(c->a, sizeof(*t));
	t->kind = is_signed ? LANG_T_SINT : LANG_T_UINT;
	t->width = width;
	t->bits = width;
	return t;
}

const struct lang_type *check_array_type(struct checker *c, const struct lang_type *elem,
					 uint64_t len, struct lang_loc loc)
{
	char tb[96];
	if (is_err(elem))
		return c->t_error;
	if (len == 0) {
		diag_error(c->d, loc, "an array needs at least 1 element");
		return c->t_error;
	}
	if (len > LANG_MAX_ARRAY_LEN) {
		diag_error(c->d, loc, "an array of %llu elements is too large (at most %d)",
			   (unsigned long long)len, LANG_MAX_ARRAY_LEN);
		return c->t_error;
	}
	if (elem->bits > LANG_MAX_BITS / len) {
		diag_error(c->d, loc, "[%s; %llu] is too large (more than %llu bits)",
			   check_type_str(elem, tb), (unsigned long long)len,
			   (unsigned long long)LANG_MAX_BITS);
		return c->t_error;
	}
	struct lang_type *t = lang_arena_alloc(c->a, sizeof(*t));
	t->kind = LANG_T_ARRAY;
	t->elem = elem;
	t->len = len;
	t->bits = elem->bits * len;
	return t;
}

const struct lang_type *check_resolve_type(struct checker *c, struct ast_type *t, bool allow_tuple)
{
	const struct lang_type *r = c->t_error;
	switch (t->kind) {
	case AST_T_BOOL:
		r = c->t_bool;
		break;
	case AST_T_UINT:
	case AST_T_SINT:
		if (t->width < 1 || t->width > LANG_MAX_WIDTH)
			diag_error(c->d, t->loc, "an integer type has 1 to %d bits, not %llu",
				   LANG_MAX_WIDTH, (unsigned long long)t->width);
		else
			r = check_int_type(c, t->kind == AST_T_SINT, (uint32_t)t->width);
		break;
	case AST_T_NAME: {
		struct binding *b = check_lookup(c, t->name);
		if (b == NULL) {
			diag_error(c->d, t->loc, "unknown type '%s'", t->name);
		} else if (b->kind != SYM_STRUCT) {
			diag_error(c->d, t->loc, "'%s' is not a type", t->name);
		} else {
			check_ensure_struct(c, b->ptr);
			r = ((struct ast_struct *)b->ptr)->type;
			if (r == NULL)
				r = c->t_error;
		}
		break;
	}
	case AST_T_ARRAY: {
		const struct lang_type *elem = check_resolve_type(c, t->elem, false);
		uint64_t len;
		check_expr(c, t->len, NULL);
		if (check_const_u64(c, t->len, "the length of an array", &len))
			r = check_array_type(c, elem, len, t->len->loc);
		break;
	}
	case AST_T_TUPLE: {
		if (!allow_tuple) {
			diag_error(c->d, t->loc, "a tuple type can only be a function's return type");
			break;
		}
		struct lang_type *tt = lang_arena_alloc(c->a, sizeof(*tt));
		const struct lang_type **elems = lang_arena_alloc(c->a, sizeof(*elems) * t->nelems);
		tt->kind = LANG_T_TUPLE;
		tt->nelems = t->nelems;
		tt->elems = elems;
		bool bad = false;
		for (uint32_t i = 0; i < t->nelems; i++) {
			elems[i] = check_resolve_type(c, t->elems[i], false);
			bad |= is_err(elems[i]);
			tt->bits += elems[i]->bits;
		}
		if (!bad && tt->bits > LANG_MAX_BITS)
			diag_error(c->d, t->loc, "this tuple is too large (more than %llu bits)",
				   (unsigned long long)LANG_MAX_BITS);
		else if (!bad)
			r = tt;
		break;
	}
	}
	t->type = r;
	return r;
}

/* ---- globals, resolved on first use ---- */

void check_ensure_struct(struct checker *c, struct ast_struct *s)
{
	if (s->state == DONE)
		return;
	if (s->state == BUSY) {
		diag_error(c->d, s->loc, "struct '%s' contains itself", s->name);
		return;
	}
	s->state = BUSY;
	struct lang_type *t = lang_arena_alloc(c->a, sizeof(*t));
	t->kind = LANG_T_STRUCT;
	t->strct = s;
	bool bad = false;
	for (uint32_t i = 0; i < s->nfields; i++) {
		struct ast_field *f = &s->fields[i];
		for (uint32_t k = 0; k < i; k++)
			if (strcmp(s->fields[k].name, f->name) == 0) {
				diag_error(c->d, f->loc, "field '%s' is declared twice", f->name);
				bad = true;
			}
		f->type = check_resolve_type(c, f->tyexpr, false);
		f->offset = t->bits;
		bad |= is_err(f->type);
		if (!bad && t->bits + f->type->bits > LANG_MAX_BITS) {
			diag_error(c->d, s->loc, "struct '%s' is too large (more than %llu bits)",
				   s->name, (unsigned long long)LANG_MAX_BITS);
			bad = true;
		}
		if (!bad)
			t->bits += f->type->bits;
	}
	s->type = bad ? c->t_error : t;
	s->state = DONE;
}

void check_ensure_fn(struct checker *c, struct ast_fn *f)
{
	if (f->state != TODO)
		return; /* signatures never refer to fns, so BUSY cannot recur */
	f->state = BUSY;
	for (uint32_t i = 0; i < f->nparams; i++) {
		struct ast_decl *d = f->params[i];
		d->type = check_resolve_type(c, d->tyexpr, false);
		d->state = DONE;
		for (uint32_t k = 0; k < i; k++)
			if (strcmp(f->params[k]->name, d->name) == 0)
				diag_error(c->d, d->loc, "parameter '%s' is declared twice", d->name);
	}
	if (f->ret_tyexpr == NULL) {
		diag_error(c->d, f->loc,
			   "function '%s' needs a return type (fn %s(...) -> T): functions have no "
			   "other effect",
			   f->name, f->name);
		f->ret = c->t_error;
	} else {
		f->ret = check_resolve_type(c, f->ret_tyexpr, true);
	}
	f->state = DONE;
}

static void resolve_param(struct checker *c, struct ast_decl *d)
{
	char tb[96], vb[64];
	const struct lang_type *t = d->tyexpr ? check_resolve_type(c, d->tyexpr, false) : c->t_int;
	check_expr(c, d->init, lang_type_is_int(t) ? t : NULL);
	d->type = c->t_error;
	if (is_err(t) || is_err(d->init->type))
		return;
	if (d->tyexpr == NULL && lang_type_is_int(d->init->type))
		t = d->init->type; /* param N = 4 as u8; */
	if (t->kind != LANG_T_INT && !lang_type_is_int(t)) {
		diag_error(c->d, d->tyexpr->loc, "a param is an integer, not %s",
			   check_type_str(t, tb));
		return;
	}
	if (!d->overridden) {
		if (!check_coerce(c, d->init, t) || d->init->type->kind == LANG_T_BOOL) {
			diag_error(c->d, d->init->loc, "param '%s' must be an integer, not %s", d->name,
				   check_type_str(d->init->type, tb));
			return;
		}
		if (d->init->phase != LANG_CONST) {
			diag_error(c->d, d->init->loc,
				   "the value of param '%s' must be known at compile time", d->name);
			return;
		}
		d->value = d->init->value;
	} else if (lang_type_is_int(t) && !lang_int_fits(&d->value, t->width, t->kind == LANG_T_SINT)) {
		diag_error(c->d, d->loc, "-D %s=%s does not fit in %s", d->name,
			   lang_int_format(&d->value, vb, sizeof(vb)), check_type_str(t, tb));
		return;
	}
	d->type = t;
}

static void resolve_const(struct checker *c, struct ast_decl *d)
{
	char ta[96], tb[96];
	const struct lang_type *t = d->tyexpr ? check_resolve_type(c, d->tyexpr, false) : NULL;
	check_expr(c, d->init, t);
	d->type = c->t_error;
	if (is_err(d->init->type) || (t != NULL && is_err(t)))
		return;
	if (t != NULL && !check_coerce(c, d->init, t)) {
		diag_error(c->d, d->init->loc, "const '%s' is %s, but its value is %s", d->name,
			   check_type_str(t, ta), check_type_str(d->init->type, tb));
		return;
	}
	if (d->init->phase != LANG_CONST) {
		diag_error(c->d, d->init->loc, "the value of const '%s' must be known at compile time",
			   d->name);
		return;
	}
	d->type = t != NULL ? t : d->init->type;
	if (lang_type_is_scalar(d->type))
		d->value = d->init->value;
}

/* A party has no type: NULL when it is fine, LANG_T_ERROR when its size is wrong. */
static void resolve_party(struct checker *c, struct ast_decl *d)
{
	uint64_t len;
	d->type = NULL;
	if (d->init == NULL)
		return;
	d->type = c->t_error;
	check_expr(c, d->init, NULL);
	if (!check_const_u64(c, d->init, "the size of a party array", &len))
		return;
	if (len == 0 || len > LANG_MAX_PARTIES) {
		diag_error(c->d, d->init->loc, "a party array has 1 to %d parties, not %llu",
			   LANG_MAX_PARTIES, (unsigned long long)len);
		return;
	}
	d->len = len;
	d->type = NULL;
}

static void resolve_io(struct checker *c, struct ast_decl *d)
{
	bool input = d->kind == AST_D_INPUT;
	const struct lang_type *t = check_resolve_type(c, d->tyexpr, false);
	d->type = c->t_error;
	d->elem = t;
	if (d->to_all) {
		if (input) {
			diag_error(c->d, d->loc, "an input comes from one party, not from all");
			return;
		}
		d->slot = UINT32_MAX;
		d->party = NULL;
		d->type = t;
		return;
	}
	struct ast_decl *ref = d->party; /* the placeholder with the party's name */
	struct binding *b = check_lookup(c, ref->name);
	if (b == NULL || b->kind != SYM_DECL || ((struct ast_decl *)b->ptr)->kind != AST_D_PARTY) {
		diag_error(c->d, ref->loc, b == NULL ? "unknown party '%s'" : "'%s' is not a party",
			   ref->name);
		return;
	}
	struct ast_decl *p = b->ptr;
	check_ensure_decl(c, p);
	d->party = p;
	if (is_err(t) || p->type != NULL)
		return;
	if (d->party_index != NULL) {
		uint64_t i;
		check_expr(c, d->party_index, NULL);
		if (p->len == 0) {
			diag_error(c->d, d->party_index->loc, "'%s' is a single party, not an array",
				   p->name);
			return;
		}
		if (!check_const_u64(c, d->party_index, "a party index", &i))
			return;
		if (i >= p->len) {
			diag_error(c->d, d->party_index->loc, "party %s[%llu] does not exist (%s has %llu)",
				   p->name, (unsigned long long)i, p->name, (unsigned long long)p->len);
			return;
		}
		d->slot = p->first + (uint32_t)i;
		d->type = t;
		return;
	}
	d->slot = p->first;
	if (p->len > 0) {
		d->per_party = true;
		d->type = check_array_type(c, t, p->len, d->loc);
	} else {
		d->type = t;
	}
}

void check_ensure_decl(struct checker *c, struct ast_decl *d)
{
	if (d->state == DONE)
		return;
	if (d->state == BUSY) {
		diag_error(c->d, d->loc, "%s '%s' is defined in terms of itself",
			   ast_decl_kind_str(d->kind), d->name);
		d->type = c->t_error;
		return;
	}
	d->state = BUSY;
	switch (d->kind) {
	case AST_D_PARAM:
		resolve_param(c, d);
		break;
	case AST_D_CONST:
		resolve_const(c, d);
		break;
	case AST_D_PARTY:
		resolve_party(c, d);
		break;
	case AST_D_INPUT:
	case AST_D_OUTPUT:
		resolve_io(c, d);
		break;
	default:
		break;
	}
	d->state = DONE;
}

/* ---- -D NAME=VALUE ---- */

static struct lang_loc command_line(void)
{
	return (struct lang_loc){.file = "<command line>"};
}

static void apply_define(struct checker *c, const char *def)
{
	const char *eq = strchr(def, '=');
	if (eq == NULL || eq == def) {
		diag_error(c->d, command_line(), "-D %s: expected NAME=VALUE", def);
		return;
	}
	size_t nlen = (size_t)(eq - def);
	const char *v = eq + 1;
	bool neg = *v == '-';
	const char *digits = v + neg;
	size_t n = strlen(digits);
	unsigned base = 10;
	if (n > 2 && digits[0] == '0' && strchr("xXbBoO", digits[1]) != NULL) {
		base = digits[1] == 'x' || digits[1] == 'X' ? 16 : digits[1] == 'b' || digits[1] == 'B' ? 2 : 8;
		digits += 2;
		n -= 2;
	}
	bool ok = n > 0 && digits[0] != '_';
	for (size_t i = 0; i < n && ok; i++) {
		char ch = digits[i];
		int dv = ch >= '0' && ch <= '9'	  ? ch - '0'
			 : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
						  : (ch == '_' ? 0 : 99);
		ok = dv < (int)base;
	}
	if (!ok) {
		diag_error(c->d, command_line(), "-D %s: not an integer", def);
		return;
	}
	struct ast_decl *target = NULL;
	for (uint32_t i = 0; i < c->p->nparams; i++)
		if (strlen(c->p->params[i]->name) == nlen &&
		    memcmp(c->p->params[i]->name, def, nlen) == 0)
			target = c->p->params[i];
	if (target == NULL) {
		diag_error(c->d, command_line(), "-D %s: there is no param named '%.*s'", def,
			   (int)(nlen > LANG_MAX_NAME ? LANG_MAX_NAME : nlen), def);
		return;
	}
	struct lang_int val = {0};
	bool too_big;
	if (lang_int_parse(&val, digits, n, base, LANG_MAX_WIDTH, &too_big) != 0 ||
	    (neg && !too_big && lang_int_neg(&val, &val) != 0))
		lang_arena_oom(c->a);
	if (too_big) {
		diag_error(c->d, command_line(), "-D %s: the value is too large", def);
		return;
	}
	target->value = lang_arena_int(c->a, &val);
	target->overridden = true;
	lang_int_free(&val);
}

/* ---- statements ---- */

static bool check_block(struct checker *c, struct ast_block *b);

static void declare_var(struct checker *c, struct ast_decl *d, bool assigned)
{
	d->fn = c->fn;
	d->state = DONE;
	if (bind(c, d->name, SYM_DECL, d, d->loc))
		track(c, d, assigned);
	else
		track(c, d, true);
	if (c->fn == NULL)
		lang_vec_push(c->a, &c->main_vars, d);
}

static void check_var(struct checker *c, struct ast_stmt *s)
{
	char ta[96], tb[96];
	struct ast_decl *d = s->decl;
	const struct lang_type *t = d->tyexpr ? check_resolve_type(c, d->tyexpr, false) : NULL;
	if (d->init != NULL) {
		check_expr(c, d->init, t);
		const struct lang_type *ti = d->init->type;
		if (t == NULL) {
			t = ti;
			if (ti->kind == LANG_T_INT) {
				diag_error(c->d, d->loc,
					   "cannot infer the type of '%s' from an untyped integer; "
					   "give it one (var %s: u32 = ...)",
					   d->name, d->name);
				t = c->t_error;
			}
		} else if (!check_coerce(c, d->init, t)) {
			diag_error(c->d, d->init->loc, "'%s' is %s, but its initial value is %s",
				   d->name, check_type_str(t, ta), check_type_str(ti, tb));
		}
	} else if (t == NULL) {
		diag_error(c->d, d->loc, "'%s' needs a type or an initial value", d->name);
		t = c->t_error;
	}
	d->type = t;
	declare_var(c, d, d->init != NULL);
}

/* The variable an assignment target writes (the NAME under INDEX/FIELD), with its type. */
static struct ast_decl *check_lvalue(struct checker *c, struct ast_expr *e)
{
	char tb[96];
	switch (e->kind) {
	case AST_E_NAME: {
		struct binding *b = check_lookup(c, e->name);
		if (b == NULL || b->kind != SYM_DECL) {
			check_expr(c, e, NULL); /* reports what the name is */
			e->type = c->t_error;
			return NULL;
		}
		struct ast_decl *d = b->ptr;
		e->decl = d;
		e->phase = LANG_PUBLIC;
		if (c->fn != NULL && (d->kind == AST_D_INPUT || d->kind == AST_D_OUTPUT)) {
			diag_error(c->d, e->loc,
				   "a function cannot assign %s '%s'; return the value instead",
				   ast_decl_kind_str(d->kind), e->name);
			e->type = c->t_error;
			return NULL;
		}
		if (d->kind != AST_D_VAR && d->kind != AST_D_OUTPUT && d->kind != AST_D_FN_PARAM) {
			diag_error(c->d, e->loc, "cannot assign to %s '%s'", ast_decl_kind_str(d->kind),
				   e->name);
			e->type = c->t_error;
			return NULL;
		}
		check_ensure_decl(c, d);
		e->type = d->type ? d->type : c->t_error;
		return is_err(e->type) ? NULL : d;
	}
	case AST_E_INDEX: {
		struct ast_decl *d = check_lvalue(c, e->a);
		const struct lang_type *ti = check_expr(c, e->b, NULL);
		e->type = c->t_error;
		e->phase = LANG_PUBLIC;
		if (d == NULL || is_err(ti))
			return NULL;
		if (e->a->type->kind != LANG_T_ARRAY) {
			diag_error(c->d, e->oploc, "cannot index %s: it is not an array",
				   check_type_str(e->a->type, tb));
			return NULL;
		}
		if (ti->kind == LANG_T_INT) {
			check_static_untyped(c, e->b);
		} else if (ti->kind != LANG_T_UINT) {
			diag_error(c->d, e->b->loc, "an array index must be an unsigned integer, not %s",
				   check_type_str(ti, tb));
			return NULL;
		}
		check_index_bounds(c, e->b, e->a->type);
		e->type = e->a->type->elem;
		return d;
	}
	case AST_E_FIELD: {
		struct ast_decl *d = check_lvalue(c, e->a);
		e->type = c->t_error;
		e->phase = LANG_PUBLIC;
		if (d == NULL)
			return NULL;
		const struct lang_type *ta = e->a->type;
		if (ta->kind != LANG_T_STRUCT) {
			diag_error(c->d, e->oploc, "'.%s' needs a struct, but this is %s", e->name,
				   check_type_str(ta, tb));
			return NULL;
		}
		for (uint32_t i = 0; i < ta->strct->nfields; i++)
			if (strcmp(ta->strct->fields[i].name, e->name) == 0) {
				e->field = i;
				e->type = ta->strct->fields[i].type;
				return d;
			}
		diag_error(c->d, e->oploc, "struct '%s' has no field '%s'", ta->strct->name, e->name);
		return NULL;
	}
	default:
		diag_error(c->d, e->loc, "cannot assign to this expression");
		return NULL;
	}
}

static void check_assign(struct checker *c, struct ast_stmt *s)
{
	char ta[96], tb[96];
	struct ast_decl *d = check_lvalue(c, s->target);
	const struct lang_type *t = s->target->type;
	if (s->op != AST_OP_NONE && d != NULL)
		check_use_var(c, d, s->target->loc);
	if (s->op == AST_OP_SHL || s->op == AST_OP_SHR) {
		const struct lang_type *tv = check_expr(c, s->value, NULL);
		if (d != NULL && !is_err(t) && !lang_type_is_int(t))
			diag_error(c->d, s->target->loc, "'%s=' needs an integer to shift, not %s",
				   ast_op_str(s->op), check_type_str(t, ta));
		else if (tv->kind == LANG_T_INT)
			check_static_untyped(c, s->value);
		else if (!is_err(tv) && tv->kind != LANG_T_UINT)
			diag_error(c->d, s->value->loc,
				   "a shift amount must be an unsigned integer, not %s",
				   check_type_str(tv, tb));
	} else {
		check_expr(c, s->value, is_err(t) ? NULL : t);
		if (d != NULL && !check_coerce(c, s->value, t)) {
			if (s->target->kind == AST_E_NAME) {
				diag_error(c->d, s->value->loc, "cannot assign %s to '%s', which is %s",
					   check_type_str(s->value->type, tb), d->name,
					   check_type_str(t, ta));
				diag_note(c->d, d->loc, "'%s' is declared here", d->name);
			} else {
				diag_error(c->d, s->value->loc, "cannot assign %s to an element of type %s",
					   check_type_str(s->value->type, tb), check_type_str(t, ta));
			}
		} else if (d != NULL && s->op != AST_OP_NONE && !is_err(t)) {
			bool ok = s->op == AST_OP_AND || s->op == AST_OP_OR || s->op == AST_OP_XOR
					  ? lang_type_is_int(t) || t->kind == LANG_T_BOOL
					  : lang_type_is_int(t);
			if (!ok)
				diag_error(c->d, s->loc, "'%s=' cannot be used on %s", ast_op_str(s->op),
					   check_type_str(t, ta));
		}
	}
	if (d != NULL)
		mark_assigned(c, d);
}

static void check_multi(struct checker *c, struct ast_stmt *s)
{
	char ta[96], tb[96];
	const struct lang_type **want = lang_arena_alloc(c->a, sizeof(*want) * s->ntargets);
	struct ast_decl **decls = lang_arena_alloc(c->a, sizeof(*decls) * s->ntargets);
	if (!s->declares)
		for (uint32_t i = 0; i < s->ntargets; i++) {
			decls[i] = check_lvalue(c, s->targets[i]);
			want[i] = decls[i] ? s->targets[i]->type : NULL;
		}
	struct lang_type wt = {.kind = LANG_T_TUPLE, .nelems = s->ntargets, .elems = want};
	c->allow_tuple = true;
	const struct lang_type *t = check_expr(c, s->value, &wt);
	bool ok = !is_err(t) && t->kind == LANG_T_TUPLE && t->nelems == s->ntargets;
	if (!is_err(t) && !ok)
		diag_error(c->d, s->value->loc, "expected a tuple of %u values, but this is %s",
			   s->ntargets, check_type_str(t, tb));
	for (uint32_t i = 0; i < s->ntargets; i++) {
		const struct lang_type *ti = ok ? t->elems[i] : c->t_error;
		if (s->declares) {
			struct ast_decl *d = s->targets[i]->decl;
			if (ti->kind == LANG_T_INT) {
				diag_error(c->d, d->loc,
					   "cannot infer the type of '%s' from an untyped integer",
					   d->name);
				ti = c->t_error;
			}
			d->type = ti;
			s->targets[i]->type = ti;
			s->targets[i]->phase = LANG_PUBLIC;
			declare_var(c, d, true);
			continue;
		}
		if (decls[i] == NULL || !ok)
			continue;
		if (!is_err(ti) && !lang_type_equal(ti, want[i]))
			diag_error(c->d, s->targets[i]->loc, "cannot assign %s to %s",
				   check_type_str(ti, tb), check_type_str(want[i], ta));
		mark_assigned(c, decls[i]);
	}
}

/* Why an expression is not known at compile time: its first variable, input or call. */
static const char *why_runtime(const struct ast_expr *e, char *buf, size_t size)
{
	if (e->kind == AST_E_NAME && e->decl != NULL && e->decl->kind != AST_D_PARAM &&
	    e->decl->kind != AST_D_CONST && e->decl->kind != AST_D_LOOP_INDEX) {
		snprintf(buf, size, " ('%s' is %s %s)", e->name,
			 e->decl->kind == AST_D_INPUT || e->decl->kind == AST_D_OUTPUT ? "an" : "a",
			 ast_decl_kind_str(e->decl->kind));
		return buf;
	}
	if (e->kind == AST_E_CALL) {
		snprintf(buf, size, " (it calls '%s')", e->name);
		return buf;
	}
	struct ast_expr *few[3];
	uint32_t n = ast_expr_children(e, few, 3);
	for (uint32_t i = 0; i < n; i++) {
		const char *r = why_runtime(n <= 3 ? few[i] : e->args[i], buf, size);
		if (*r)
			return r;
	}
	buf[0] = '\0';
	return buf;
}

static bool check_for(struct checker *c, struct ast_stmt *s)
{
	char ta[96], tb[96], why[300];
	const struct lang_type *tf = check_expr(c, s->from, NULL);
	const struct lang_type *tt = check_expr(c, s->to, NULL);
	const struct lang_type *t = c->t_error;
	if (!is_err(tf) && !is_err(tt)) {
		if (tf->kind == LANG_T_INT && lang_type_is_int(tt))
			check_convert(c, s->from, tt);
		else if (tt->kind == LANG_T_INT && lang_type_is_int(tf))
			check_convert(c, s->to, tf);
		tf = s->from->type;
		tt = s->to->type;
		if (!lang_type_equal(tf, tt))
			diag_error(c->d, s->to->loc, "the bounds of a for loop have different types: %s and %s",
				   check_type_str(tf, ta), check_type_str(tt, tb));
		else if (tf->kind != LANG_T_INT && !lang_type_is_int(tf))
			diag_error(c->d, s->from->loc, "the bounds of a for loop must be integers, not %s",
				   check_type_str(tf, ta));
		else
			t = tf;
	}
	for (int k = 0; k < 2 && !is_err(t); k++) {
		struct ast_expr *b = k == 0 ? s->from : s->to;
		if (b->phase > LANG_LOOP) {
			diag_error(c->d, b->loc, "the bounds of a for loop must be known at compile time%s",
				   why_runtime(b, why, sizeof(why)));
			t = c->t_error;
		}
	}
	if (!is_err(t) && s->from->phase == LANG_CONST && s->to->phase == LANG_CONST) {
		s->count_known = true;
		if (lang_int_cmp(&s->to->value, &s->from->value) > 0) {
			struct lang_int n = {0};
			if (lang_int_sub(&n, &s->to->value, &s->from->value))
				lang_arena_oom(c->a);
			if (!lang_int_get_u64(&n, &s->count)) {
				diag_error(c->d, s->loc, "this loop runs too many times (%s)",
					   lang_int_format(&n, ta, sizeof(ta)));
				s->count_known = false;
			}
			lang_int_free(&n);
		}
	}
	struct ast_decl *d = s->decl;
	d->type = t;
	d->fn = c->fn;
	d->state = DONE;
	d->phase = LANG_LOOP;
	push_scope(c);
	bind(c, d->name, SYM_DECL, d, d->loc);
	uint32_t n0 = c->nlocals;
	uint8_t *saved = save_state(c);
	bool returns = check_block(c, s->body);
	pop_scope(c);
	bool runs = s->count_known && s->count > 0;
	if (!runs && n0 > 0)
		memcpy(c->assigned, saved, n0);
	free(saved);
	return runs && returns;
}

static bool check_if(struct checker *c, struct ast_stmt *s)
{
	char tb[96];
	const struct lang_type *t = check_expr(c, s->cond, NULL);
	if (!is_err(t) && t->kind != LANG_T_BOOL)
		diag_error(c->d, s->cond->loc, "an 'if' condition must be bool, not %s",
			   check_type_str(t, tb));
	uint32_t n0 = c->nlocals;
	uint8_t *saved = save_state(c);
	bool r1 = check_block(c, s->then);
	uint8_t *after_then = save_state(c);
	if (n0 > 0)
		memcpy(c->assigned, saved, n0);
	bool r2 = s->els != NULL && check_block(c, s->els);
	for (uint32_t i = 0; i < n0; i++)
		c->assigned[i] &= after_then[i];
	free(saved);
	free(after_then);
	return r1 && r2;
}

static bool check_return(struct checker *c, struct ast_stmt *s)
{
	char ta[96], tb[96];
	struct ast_fn *f = c->fn;
	if (f == NULL) {
		diag_error(c->d, s->loc, "'return' outside a function");
		if (s->value != NULL) {
			c->allow_tuple = true;
			check_expr(c, s->value, NULL);
		}
		return false;
	}
	s->fn = f;
	if (s->value == NULL) {
		diag_error(c->d, s->loc, "'return' needs a value: '%s' returns %s", f->name,
			   check_type_str(f->ret, tb));
	} else {
		c->allow_tuple = true;
		check_expr(c, s->value, is_err(f->ret) ? NULL : f->ret);
		if (!check_coerce(c, s->value, f->ret))
			diag_error(c->d, s->value->loc, "'%s' returns %s, but this is %s", f->name,
				   check_type_str(f->ret, ta), check_type_str(s->value->type, tb));
	}
	if (c->nlocals > 0)
		memset(c->assigned, 1, c->nlocals); /* nothing after a return runs */
	return true;
}

/* Returns true when the statement returns on every path. */
static bool check_stmt(struct checker *c, struct ast_stmt *s)
{
	switch (s->kind) {
	case AST_S_VAR:
		check_var(c, s);
		return false;
	case AST_S_ASSIGN:
		check_assign(c, s);
		return false;
	case AST_S_MULTI:
		check_multi(c, s);
		return false;
	case AST_S_IF:
		return check_if(c, s);
	case AST_S_FOR:
		return check_for(c, s);
	case AST_S_RETURN:
		return check_return(c, s);
	case AST_S_BLOCK:
		return check_block(c, s->body);
	case AST_S_ERROR:
		return false;
	}
	return false;
}

static bool check_block(struct checker *c, struct ast_block *b)
{
	bool returns = false;
	uint32_t n0 = c->nlocals;
	push_scope(c);
	for (uint32_t i = 0; i < b->n; i++)
		returns |= check_stmt(c, b->stmts[i]);
	pop_scope(c);
	c->nlocals = n0;
	return returns;
}

/* ---- functions ---- */

void check_add_call(struct checker *c, struct ast_fn *callee, struct lang_loc loc)
{
	if (c->fn == NULL)
		return;
	struct call_edge *e = lang_arena_alloc(c->a, sizeof(*e));
	e->callee = callee;
	e->loc = loc;
	lang_vec_push(c->a, &c->edges[c->fn->index], e);
}

static void check_fn_body(struct checker *c, struct ast_fn *f)
{
	c->fn = f;
	c->nlocals = 0;
	push_scope(c);
	for (uint32_t i = 0; i < f->nparams; i++)
		bind(c, f->params[i]->name, SYM_DECL, f->params[i], f->params[i]->loc);
	bool returns = check_block(c, f->body);
	if (!returns && !is_err(f->ret)) {
		struct lang_loc end = f->body->loc;
		end.line = end.end_line;
		end.col = end.end_col;
		diag_error(c->d, end, "function '%s' can reach its end without returning a value",
			   f->name);
	}
	pop_scope(c);
	c->fn = NULL;
}

/* Reports the cycle through f (f's SCC is marked by scc[] == id). */
static void report_cycle(struct checker *c, struct ast_fn *f, const uint32_t *scc, uint32_t id)
{
	struct lang_program *p = c->p;
	struct lang_vec *edges = &c->edges[f->index];
	struct call_edge *first = NULL;
	for (uint32_t i = 0; i < edges->n && first == NULL; i++) {
		struct call_edge *e = edges->items[i];
		if (scc[e->callee->index] == id)
			first = e;
	}
	if (first == NULL)
		return;
	if (first->callee == f) {
		diag_error(c->d, first->loc, "function '%s' calls itself (recursion is not supported)",
			   f->name);
		return;
	}
	/* breadth-first from the callee back to f, inside the SCC, to name the path */
	uint32_t *prev = malloc(sizeof(uint32_t) * p->nfns);
	uint32_t *queue = malloc(sizeof(uint32_t) * p->nfns);
	if (prev == NULL || queue == NULL) {
		free(prev);
		free(queue);
		lang_arena_oom(c->a);
	}
	for (uint32_t i = 0; i < p->nfns; i++)
		prev[i] = UINT32_MAX;
	uint32_t head = 0, tail = 0, start = first->callee->index;
	queue[tail++] = start;
	prev[start] = start;
	while (head < tail && prev[f->index] == UINT32_MAX) {
		uint32_t v = queue[head++];
		for (uint32_t i = 0; i < c->edges[v].n; i++) {
			uint32_t w = ((struct call_edge *)c->edges[v].items[i])->callee->index;
			if (scc[w] == id && prev[w] == UINT32_MAX) {
				prev[w] = v;
				queue[tail++] = w;
			}
		}
	}
	char path[400];
	size_t len = 0;
	path[0] = '\0';
	/* walk back from f to the callee, then print in call order */
	uint32_t n = 0;
	for (uint32_t v = prev[f->index]; v != UINT32_MAX && n < p->nfns; n++) {
		queue[n] = v;
		if (v == start)
			break;
		v = prev[v];
	}
	for (uint32_t i = n + 1; i-- > 0 && len + 8 < sizeof(path);) {
		int k = snprintf(path + len, sizeof(path) - len, "%s'%s'", len ? ", " : "",
				 p->fns[queue[i]]->name);
		if (k > 0)
			len += (size_t)k < sizeof(path) - len ? (size_t)k : sizeof(path) - len - 1;
	}
	diag_error(c->d, first->loc,
		   "function '%s' calls itself through %s (recursion is not supported)", f->name, path);
	free(prev);
	free(queue);
}

/* Tarjan's strongly connected components, iteratively; components come out callees first,
 * which is the order call depths need. */
static void check_recursion(struct checker *c)
{
	struct lang_program *p = c->p;
	uint32_t n = p->nfns;
	if (n == 0)
		return;
	uint32_t *idx = malloc(sizeof(uint32_t) * n), *low = malloc(sizeof(uint32_t) * n);
	uint32_t *scc = malloc(sizeof(uint32_t) * n), *stack = malloc(sizeof(uint32_t) * n);
	uint32_t *frame_v = malloc(sizeof(uint32_t) * n), *frame_i = malloc(sizeof(uint32_t) * n);
	bool *on = calloc(n, sizeof(bool));
	if (!idx || !low || !scc || !stack || !frame_v || !frame_i || !on) {
		free(idx), free(low), free(scc), free(stack), free(frame_v), free(frame_i), free(on);
		lang_arena_oom(c->a);
	}
	for (uint32_t i = 0; i < n; i++)
		idx[i] = scc[i] = UINT32_MAX;
	uint32_t counter = 0, sp = 0, nscc = 0;
	bool reported_depth = false;
	for (uint32_t root = 0; root < n; root++) {
		if (idx[root] != UINT32_MAX)
			continue;
		uint32_t fp = 0;
		frame_v[fp] = root;
		frame_i[fp++] = 0;
		idx[root] = low[root] = counter++;
		stack[sp++] = root;
		on[root] = true;
		while (fp > 0) {
			uint32_t v = frame_v[fp - 1];
			struct lang_vec *ev = &c->edges[v];
			if (frame_i[fp - 1] < ev->n) {
				uint32_t w = ((struct call_edge *)ev->items[frame_i[fp - 1]++])->callee->index;
				if (idx[w] == UINT32_MAX) {
					idx[w] = low[w] = counter++;
					stack[sp++] = w;
					on[w] = true;
					frame_v[fp] = w;
					frame_i[fp++] = 0;
				} else if (on[w] && idx[w] < low[v]) {
					low[v] = idx[w];
				}
				continue;
			}
			fp--;
			if (fp > 0 && low[v] < low[frame_v[fp - 1]])
				low[frame_v[fp - 1]] = low[v];
			if (low[v] != idx[v])
				continue;
			/* v roots a component: pop it */
			uint32_t id = nscc++, first = sp;
			do {
				first--;
				scc[stack[first]] = id;
				on[stack[first]] = false;
			} while (stack[first] != v);
			bool cyclic = sp - first > 1;
			uint32_t lowest = v;
			for (uint32_t k = first; k < sp; k++) {
				uint32_t m = stack[k];
				lowest = m < lowest ? m : lowest;
				for (uint32_t e = 0; e < c->edges[m].n; e++)
					cyclic |= ((struct call_edge *)c->edges[m].items[e])->callee->index == m;
			}
			if (cyclic)
				report_cycle(c, p->fns[lowest], scc, id);
			for (uint32_t k = first; k < sp; k++) {
				struct ast_fn *f = p->fns[stack[k]];
				uint32_t depth = 0;
				for (uint32_t e = 0; e < c->edges[f->index].n; e++) {
					struct ast_fn *g = ((struct call_edge *)c->edges[f->index].items[e])->callee;
					if (scc[g->index] != id && g->call_depth > depth)
						depth = g->call_depth;
				}
				f->call_depth = depth + 1;
				if (f->call_depth > LANG_MAX_DEPTH && depth == LANG_MAX_DEPTH &&
				    !reported_depth) {
					diag_error(c->d, f->loc,
						   "calls nest too deeply below '%s' (more than %d levels)",
						   f->name, LANG_MAX_DEPTH);
					reported_depth = true;
				}
			}
			sp = first;
		}
	}
	free(idx), free(low), free(scc), free(stack), free(frame_v), free(frame_i), free(on);
}

/* ---- the driver ---- */

struct global {
	const char *name;
	enum sym_kind kind;
	void *ptr;
	struct lang_loc loc;
};

static int global_cmp(const void *pa, const void *pb)
{
	const struct global *a = pa, *b = pb;
	if (a->loc.line != b->loc.line)
		return a->loc.line < b->loc.line ? -1 : 1;
	return a->loc.col < b->loc.col ? -1 : a->loc.col > b->loc.col;
}

static void bind_globals(struct checker *c)
{
	struct lang_program *p = c->p;
	size_t n = (size_t)p->nparams + p->nconsts + p->nparties + p->ninputs + p->noutputs +
		   p->nstructs + p->nfns;
	struct global *g = lang_arena_alloc(c->a, sizeof(*g) * (n + 1));
	size_t k = 0;
	struct ast_decl **lists[] = {p->params, p->consts, p->parties, p->inputs, p->outputs};
	uint32_t counts[] = {p->nparams, p->nconsts, p->nparties, p->ninputs, p->noutputs};
	for (unsigned l = 0; l < ARRAY_LEN(lists); l++)
		for (uint32_t i = 0; i < counts[l]; i++)
			g[k++] = (struct global){lists[l][i]->name, SYM_DECL, lists[l][i],
						 lists[l][i]->loc};
	for (uint32_t i = 0; i < p->nstructs; i++)
		g[k++] = (struct global){p->structs[i]->name, SYM_STRUCT, p->structs[i],
					 p->structs[i]->loc};
	for (uint32_t i = 0; i < p->nfns; i++)
		g[k++] = (struct global){p->fns[i]->name, SYM_FN, p->fns[i], p->fns[i]->loc};
	qsort(g, k, sizeof(*g), global_cmp);
	for (size_t i = 0; i < k; i++)
		bind(c, g[i].name, g[i].kind, g[i].ptr, g[i].loc);
}

static void resolve_globals(struct checker *c)
{
	struct lang_program *p = c->p;
	for (uint32_t i = 0; i < p->nparams; i++)
		check_ensure_decl(c, p->params[i]);
	for (uint32_t i = 0; i < p->nstructs; i++)
		check_ensure_struct(c, p->structs[i]);
	for (uint32_t i = 0; i < p->nconsts; i++)
		check_ensure_decl(c, p->consts[i]);
	uint64_t slots = 0;
	for (uint32_t i = 0; i < p->nparties; i++) {
		struct ast_decl *d = p->parties[i];
		check_ensure_decl(c, d);
		d->first = (uint32_t)(slots < LANG_MAX_PARTIES ? slots : LANG_MAX_PARTIES);
		slots += d->len > 0 ? d->len : 1;
		if (slots > LANG_MAX_PARTIES && slots - (d->len > 0 ? d->len : 1) <= LANG_MAX_PARTIES)
			diag_error(c->d, d->loc, "too many parties (more than %d)", LANG_MAX_PARTIES);
	}
	p->nparty_slots = (uint32_t)(slots < LANG_MAX_PARTIES ? slots : LANG_MAX_PARTIES);
	for (uint32_t i = 0; i < p->ninputs; i++)
		check_ensure_decl(c, p->inputs[i]);
	for (uint32_t i = 0; i < p->noutputs; i++)
		check_ensure_decl(c, p->outputs[i]);
	for (uint32_t i = 0; i < p->nfns; i++)
		check_ensure_fn(c, p->fns[i]);
	if (p->nparties == 0 && (p->ninputs > 0 || p->noutputs > 0))
		diag_error(c->d, (p->ninputs ? p->inputs[0] : p->outputs[0])->loc,
			   "no party is declared (party alice, bob;)");
}

static void check_main(struct checker *c)
{
	struct lang_program *p = c->p;
	c->fn = NULL;
	c->nlocals = 0;
	for (uint32_t i = 0; i < p->noutputs; i++)
		track(c, p->outputs[i], false);
	push_scope(c);
	for (uint32_t i = 0; i < p->main->n; i++)
		check_stmt(c, p->main->stmts[i]);
	pop_scope(c);
	for (uint32_t i = 0; i < p->noutputs; i++) {
		struct ast_decl *d = p->outputs[i];
		if (is_err(d->type))
			continue;
		if (!d->written)
			diag_error(c->d, d->loc, "output '%s' is never assigned", d->name);
		else if (!c->assigned[d->local])
			diag_error(c->d, d->loc, "output '%s' is not assigned on every path",
				   d->name);
	}
}

static struct lang_type *basic_type(struct checker *c, enum lang_type_kind kind, uint32_t width)
{
	struct lang_type *t = lang_arena_alloc(c->a, sizeof(*t));
	t->kind = kind;
	t->width = width;
	t->bits = width;
	return t;
}

void check_program(struct lang_program *p, const struct lang_options *opt)
{
	struct checker c = {.p = p, .a = p->arena, .d = p->diags};
	c.t_error = basic_type(&c, LANG_T_ERROR, 0);
	c.t_int = basic_type(&c, LANG_T_INT, 0);
	c.t_bool = basic_type(&c, LANG_T_BOOL, 1);
	c.edges = lang_arena_alloc(c.a, sizeof(struct lang_vec) * (p->nfns + 1));
	push_scope(&c);
	bind_globals(&c);
	for (size_t i = 0; opt != NULL && i < opt->ndefines; i++)
		apply_define(&c, opt->defines[i] ? opt->defines[i] : "");
	resolve_globals(&c);
	check_main(&c);
	for (uint32_t i = 0; i < p->nfns; i++)
		check_fn_body(&c, p->fns[i]);
	check_recursion(&c);
	if (diag_error_count(c.d) == 0)
		check_phases(p);
}
