/* check.h (private to check.c and check_expr.c): the checker's state.
 *
 * Names live in one hash table from name to a stack of bindings; entering a scope records
 * the bindings it adds, leaving pops them. Definite assignment is a byte per tracked variable
 * (`var`s and outputs), saved and merged around branches. */
#ifndef MPCC_LANG_CHECK_H
#define MPCC_LANG_CHECK_H

#include "internal.h"

enum sym_kind { SYM_DECL, SYM_FN, SYM_STRUCT };

struct binding {
	const char *name;
	enum sym_kind kind;
	void *ptr; /* struct ast_decl, ast_fn or ast_struct */
	struct lang_loc loc;
	struct binding *shadowed;      /* the older binding of the same name (outer scope) */
	struct binding *next_in_scope; /* the scope's list, for popping */
};

struct slot {
	const char *name;
	struct binding *top;
};

/* A call from one fn to another, for the recursion check. */
struct call_edge {
	struct ast_fn *callee;
	struct lang_loc loc;
};

struct checker {
	struct lang_program *p;
	struct lang_arena *a;
	struct lang_diags *d;

	struct slot *slots;
	size_t nslots, used;
	struct lang_vec scopes; /* struct binding * heads, innermost last */

	struct ast_fn *fn;        /* the fn being checked, or NULL */
	struct lang_vec main_vars; /* top-level vars, for a better message inside fns */
	bool allow_tuple;         /* a tuple value is acceptable here (return, destructuring) */

	uint8_t *assigned; /* by decl->local */
	uint32_t nlocals, cap;

	struct lang_vec *edges; /* per fn, in program order: struct call_edge * */

	const struct lang_type *t_error, *t_int, *t_bool;
};

/* check.c */
struct binding *check_lookup(struct checker *c, const char *name);
const struct lang_type *check_resolve_type(struct checker *c, struct ast_type *t, bool allow_tuple);
void check_ensure_decl(struct checker *c, struct ast_decl *d);
void check_ensure_fn(struct checker *c, struct ast_fn *f);
void check_ensure_struct(struct checker *c, struct ast_struct *s);
void check_use_var(struct checker *c, struct ast_decl *d, struct lang_loc loc);
const struct lang_type *check_array_type(struct checker *c, const struct lang_type *elem,
					 uint64_t len, struct lang_loc loc);
const struct lang_type *check_int_type(struct checker *c, bool is_signed, uint32_t width);
void check_add_call(struct checker *c, struct ast_fn *callee, struct lang_loc loc);

/* check_expr.c */
/* Types e (want: the type the context expects, or NULL) and folds it. Returns e->type. */
const struct lang_type *check_expr(struct checker *c, struct ast_expr *e,
				   const struct lang_type *want);
/* Converts an untyped expression to the integer type t (literals must fit). */
void check_convert(struct checker *c, struct ast_expr *e, const struct lang_type *t);
/* Makes e's type t (converting an untyped e). False when the types differ: the caller reports
 * that in its own words. True also when either is LANG_T_ERROR (already reported). */
bool check_coerce(struct checker *c, struct ast_expr *e, const struct lang_type *t);
/* An untyped expression where no type will come: it must be computable (CONST or LOOP). */
void check_static_untyped(struct checker *c, struct ast_expr *e);
/* The compile-time value of e as u64, reporting `what` when it is not one. */
bool check_const_u64(struct checker *c, struct ast_expr *e, const char *what, uint64_t *out);
/* Index bound checks against an array of len elements. */
void check_index_bounds(struct checker *c, struct ast_expr *idx, const struct lang_type *arr);
char *check_type_str(const struct lang_type *t, char buf[static 96]);

#endif
