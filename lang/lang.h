/* lang.h: the front end of the .mpc language: parse, resolve names, check types, fold constants.
 *
 * One call turns source text into a checked program:
 *
 *	struct lang_options opt = { .defines = defs, .ndefines = n };   // "-D N=100"
 *	struct lang_program *p = lang_parse_file("vickrey.mpc", &opt);
 *	if (p == NULL) ...                      // out of memory, nothing else
 *	lang_print_diags(p, stderr);            // errors and warnings, with source lines
 *	if (lang_error_count(p) > 0) ...        // exit 1; otherwise p is fully checked
 *	... walk p->main, p->fns, p->inputs, p->outputs ...
 *	lang_free(p);
 *
 * When lang_error_count() is 0, every field documented below as "set by the checker" is set,
 * every name points at its declaration and every expression has a type. With errors, the tree
 * may be partial: do not lower it.
 *
 * THE TREE. A program is a list of declarations (params, consts, parties, inputs, outputs,
 * structs, fns) plus `main`, the block of top-level `var`s and statements in source order.
 * Statements (struct ast_stmt) hold expressions (struct ast_expr); both carry a `kind` to switch
 * on and a `loc`. Names resolve to a struct ast_decl (variables of every sort), a struct ast_fn
 * or a struct ast_struct. All nodes live in the program's arena: they stay valid, and are freed
 * by lang_free() only.
 *
 * PHASES. Every expression has a phase saying when its value is known:
 *   LANG_CONST   known now: `value` holds it (scalars: integer and bool types);
 *   LANG_LOOP    known once the enclosing for loops are unrolled: built only from literals,
 *                params, consts and loop indices; lang_eval() computes it from index values;
 *   LANG_PUBLIC  does not depend on any input (a var only ever given public values), so its
 *                bits fold to constants when lowered, but the front end did not compute it;
 *   LANG_SECRET  may depend on an input.
 * Loop bounds are always LANG_CONST or LANG_LOOP. An `if` on a SECRET condition runs both arms
 * and merges with muxes; on anything else exactly one arm runs.
 *
 * UNTYPED INTEGERS. Literals, params, consts declared without a type and loop indices over
 * untyped bounds have the type LANG_T_INT ("untyped integer", exact arithmetic). Where an
 * untyped expression meets a typed one, the checker converts the untyped subtree to that type
 * (its nodes then carry the integer type; literals must fit). What stays LANG_T_INT in a checked
 * program is always LANG_CONST or LANG_LOOP, so the lowering never needs bits for it: use
 * `value` or lang_eval(). A NAME node of an untyped loop index may carry an integer type (the
 * index was converted at that use): take the index value modulo 2^width.
 *
 * VALUES. Compile-time integers are exact, two's complement, any width up to LANG_MAX_WIDTH
 * (struct lang_int: 64-bit limbs). A typed constant holds the mathematical value of its type
 * (a u8 200 is +200, an i8 -56 is -56); lang_int_to_bits() gives its bit pattern.
 *
 * DATA LAYOUT (a suggestion the checker follows for `bits` and field offsets): a value is a
 * bit string, least significant first. uN/iN: N bits. bool: 1 bit. [T; n]: element 0 first.
 * struct: fields in declaration order (ast_field.offset). Tuples: elements in order.
 *
 * SEMANTICS the lowering implements (lang/README.md has them all): typed arithmetic wraps;
 * x / 0 is all ones and x % 0 is x; shifts by the width or more give 0 (or -1 for >> of a
 * negative iN); a secret index past the end reads 0 and writes nothing; a variable or output
 * starts as all zeros (the checker only lets it be read after some assignment); in a MULTI
 * statement every right-hand value is computed before any target is written; `return` may
 * sit under a secret `if` (the fn's result is then muxed, and so is everything after it).
 *
 * RECURSION. Expressions and blocks nest at most LANG_MAX_DEPTH deep and fn calls chain at most
 * LANG_MAX_DEPTH deep (recursion is an error), so recursive walks over a checked tree are safe.
 *
 * Nothing here prints unless asked, calls exit(), or keeps global state.
 */
#ifndef MPCC_LANG_H
#define MPCC_LANG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
	LANG_MAX_WIDTH = 65536,       /* widest uN / iN, and the most bits of an untyped constant */
	LANG_MAX_ARRAY_LEN = 1 << 24, /* most elements of one array type */
	LANG_MAX_DEPTH = 256,         /* deepest nesting of expressions, blocks and fn calls */
	LANG_MAX_PARTIES = 1 << 16,   /* most parties, party arrays counted element by element */
	LANG_MAX_NAME = 200,          /* longest identifier */
	LANG_MAX_ERRORS = 100,        /* errors kept per run; then a note and silence */
	LANG_MAX_SOURCE = 64 << 20,   /* largest source file, in bytes */
};
#define LANG_MAX_BITS ((uint64_t)1 << 28) /* largest value of any type, in bits */

/* ---- locations and diagnostics ---- */

/* A span of source: the first character (line, col: 1-based, col counts bytes) and the last
 * one (end_line, end_col, inclusive). file is the name given to lang_parse_*. */
struct lang_loc {
	const char *file;
	uint32_t line, col;
	uint32_t end_line, end_col;
};

enum lang_severity { LANG_ERROR, LANG_WARNING, LANG_NOTE };

struct lang_diag {
	enum lang_severity severity;
	struct lang_loc loc; /* loc.line == 0: no position (command line, whole file) */
	const char *msg;     /* without the "file:line:col: error: " header */
};

/* ---- compile-time integers ---- */

/* Two's complement, n >= 1 limbs, least significant first; the sign is the top bit of
 * w[n-1]; n == 0 means "no value" (e.g. a non-constant expression's `value`). Values in a
 * program belong to the program; values from lang_eval() belong to the caller
 * (lang_int_free). */
struct lang_int {
	uint32_t n;
	uint64_t *w;
};

bool lang_int_is_neg(const struct lang_int *v);
bool lang_int_is_zero(const struct lang_int *v);
/* True and *out set when v fits; false otherwise. */
bool lang_int_get_u64(const struct lang_int *v, uint64_t *out);
bool lang_int_get_i64(const struct lang_int *v, int64_t *out);
/* The low `width` bits of v's two's complement, in (width + 63) / 64 limbs, least significant
 * first; bits above width in the last limb are zero. For blk_const(). */
void lang_int_to_bits(const struct lang_int *v, uint32_t width, uint64_t *limbs);
/* Decimal text of v into buf (truncated with "..." when it does not fit); returns buf. */
char *lang_int_format(const struct lang_int *v, char *buf, size_t size);
void lang_int_free(struct lang_int *v); /* for values the caller owns; leaves v empty */

/* ---- types (set by the checker; compare with lang_type_equal) ---- */

enum lang_type_kind {
	LANG_T_ERROR, /* a type error was reported here; never in a program without errors */
	LANG_T_INT,   /* untyped integer: literals, params, untyped consts and loop indices */
	LANG_T_BOOL,
	LANG_T_UINT,  /* uN: width N */
	LANG_T_SINT,  /* iN: width N, two's complement */
	LANG_T_ARRAY, /* [elem; len] */
	LANG_T_STRUCT,
	LANG_T_TUPLE, /* fn results only: (a, b) */
};

struct lang_type {
	enum lang_type_kind kind;
	uint32_t width;                    /* UINT, SINT: N; BOOL: 1 */
	uint64_t bits;                     /* size of a value in bits (0 for ERROR and INT) */
	const struct lang_type *elem;      /* ARRAY */
	uint64_t len;                      /* ARRAY: number of elements, >= 1 */
	const struct ast_struct *strct;    /* STRUCT: the declaration, with its fields */
	uint32_t nelems;                   /* TUPLE */
	const struct lang_type *const *elems;
};

bool lang_type_equal(const struct lang_type *a, const struct lang_type *b);
bool lang_type_is_int(const struct lang_type *t);    /* UINT or SINT (not untyped) */
bool lang_type_is_scalar(const struct lang_type *t); /* INT, BOOL, UINT, SINT */
/* "u32", "[u8; 4]", "Point", "(u32, bool)", "untyped integer"; truncated to size. */
char *lang_type_format(const struct lang_type *t, char *buf, size_t size);

/* ---- the syntax tree ---- */

enum lang_phase { LANG_CONST, LANG_LOOP, LANG_PUBLIC, LANG_SECRET };

/* A type as written. The checker stores what it means in `type`. */
enum ast_type_kind { AST_T_BOOL, AST_T_UINT, AST_T_SINT, AST_T_NAME, AST_T_ARRAY, AST_T_TUPLE };
struct ast_type {
	enum ast_type_kind kind;
	struct lang_loc loc;
	uint64_t width;               /* UINT, SINT as written (checked: 1..LANG_MAX_WIDTH) */
	const char *name;             /* NAME: a struct */
	struct ast_type *elem;        /* ARRAY */
	struct ast_expr *len;         /* ARRAY: must be LANG_CONST */
	uint32_t nelems;              /* TUPLE */
	struct ast_type **elems;
	const struct lang_type *type; /* set by the checker */
	uint32_t depth;               /* nesting depth, for the parser's limit */
};

enum ast_op {
	AST_OP_NONE, /* plain `=` in an assignment */
	/* binary */
	AST_OP_ADD, AST_OP_SUB, AST_OP_MUL, AST_OP_DIV, AST_OP_MOD,
	AST_OP_AND, AST_OP_OR, AST_OP_XOR, AST_OP_SHL, AST_OP_SHR,
	AST_OP_EQ, AST_OP_NE, AST_OP_LT, AST_OP_LE, AST_OP_GT, AST_OP_GE,
	AST_OP_LAND, AST_OP_LOR,
	/* unary */
	AST_OP_NEG, AST_OP_BNOT, AST_OP_LNOT,
	AST_OP_COUNT
};
/* "+", "<<", "!", ...; "=" for AST_OP_NONE. A compound assignment `x += e` has op AST_OP_ADD. */
const char *ast_op_str(enum ast_op op);

enum ast_builtin { AST_B_MIN, AST_B_MAX, AST_B_MUX, AST_B_POPCOUNT };

enum ast_expr_kind {
	AST_E_ERROR,   /* from a syntax error; never in a program without errors */
	AST_E_INT,     /* integer literal: value */
	AST_E_BOOL,    /* true / false: value 1 / 0 */
	AST_E_NAME,    /* decl */
	AST_E_UNARY,   /* op a: NEG (-), BNOT (~), LNOT (!) */
	AST_E_BINARY,  /* a op b */
	AST_E_COND,    /* a ? b : c */
	AST_E_CAST,    /* a as tyexpr */
	AST_E_INDEX,   /* a[b] */
	AST_E_FIELD,   /* a.name: field is the field's index in a's struct */
	AST_E_CALL,    /* fn(args...) */
	AST_E_BUILTIN, /* min/max(args...), mux(c, x, y), popcount(x) */
	AST_E_ARRAY,   /* [args...] */
	AST_E_REPEAT,  /* [a; b]: len copies of a */
	AST_E_STRUCT,  /* Name { field: value, ... }: args in the struct's field order */
	AST_E_TUPLE,   /* (args...): only as a `return` value or the right side of a destructuring */
};

struct ast_expr {
	enum ast_expr_kind kind;
	struct lang_loc loc;   /* the whole expression */
	struct lang_loc oploc; /* the operator: UNARY BINARY COND('?') CAST('as') INDEX('[') FIELD('.') */
	/* set by the checker */
	const struct lang_type *type;
	enum lang_phase phase;
	struct lang_int value;     /* phase == LANG_CONST and a scalar type */

	enum ast_op op;                 /* UNARY, BINARY */
	struct ast_expr *a, *b, *c;     /* operands, see the kinds */
	uint32_t nargs;                 /* CALL BUILTIN ARRAY STRUCT TUPLE */
	struct ast_expr **args;
	const char *name;               /* NAME, FIELD, CALL, BUILTIN, STRUCT (the struct's name) */
	const char **arg_names;         /* STRUCT: field names, parallel to args */
	struct ast_decl *decl;          /* NAME */
	struct ast_fn *fn;              /* CALL */
	const struct ast_struct *strct; /* STRUCT */
	enum ast_builtin builtin;       /* BUILTIN */
	uint32_t field;                 /* FIELD */
	struct ast_type *tyexpr;        /* CAST */
	uint64_t len;                   /* REPEAT: the count (b's value) */
	bool negated_literal;           /* INT under a unary minus: the checker tests -value's fit */
	uint32_t depth;                 /* nesting depth, for the parser's limit */
};

enum ast_decl_kind {
	AST_D_PARAM,      /* param N = 4;  public integer, overridable with -D */
	AST_D_CONST,      /* const K: T = expr; */
	AST_D_PARTY,      /* party alice;  party bidder[N]; */
	AST_D_INPUT,      /* input x: T from party; */
	AST_D_OUTPUT,     /* output y: T to party | party[i] | all; */
	AST_D_VAR,        /* var x: T = expr; (also each name of var (a, b) = ...) */
	AST_D_FN_PARAM,   /* a parameter of a fn */
	AST_D_LOOP_INDEX, /* the i of for i in A..B */
};

/* Every named value. ids are dense, 0 .. program->ndecls - 1: index your own arrays by them. */
struct ast_decl {
	enum ast_decl_kind kind;
	uint32_t id;
	const char *name;
	struct lang_loc loc;            /* the name in the declaration */
	struct ast_type *tyexpr;        /* as written; NULL when omitted */
	const struct lang_type *type;   /* checked; LANG_T_INT for untyped params/consts/indices;
					 * INPUT/OUTPUT to a whole party array: [elem; len] */
	struct ast_expr *init;          /* PARAM CONST VAR; NULL when a var has none. A NAME of
					 * an array/struct const: lower the const's init */
	struct lang_int value;          /* PARAM, scalar CONST: the value (after -D) */
	bool overridden;                /* PARAM: the value came from -D */
	enum lang_phase phase;          /* the most secret value it ever holds */
	struct ast_fn *fn;              /* FN_PARAM, and VAR / LOOP_INDEX inside a fn; else NULL */

	/* PARTY */
	uint64_t len;   /* 0: one party; n: an array of n parties */
	uint32_t first; /* circuit party index of the party, or of element 0 of the array */

	/* INPUT, OUTPUT */
	struct ast_decl *party;        /* the party or party array; NULL for `to all` */
	struct ast_expr *party_index;  /* `from p[i]` / `to p[i]`: i (LANG_CONST); else NULL */
	bool to_all;                   /* OUTPUT to all */
	bool per_party;                /* from / to a whole party array: element k is p[k]'s */
	uint32_t slot;                 /* circuit party index: the party, p[i], or p[0] for
					* per_party (element k: slot + k); CIRC_ALL-like
					* UINT32_MAX for to_all */
	const struct lang_type *elem;  /* INPUT/OUTPUT: the type as declared (per element) */

	/* LOOP_INDEX */
	struct ast_stmt *loop;

	/* checker bookkeeping; ignore */
	int state;
	uint32_t local;
	bool written;
};

struct ast_field {
	const char *name;
	struct lang_loc loc;
	struct ast_type *tyexpr;
	const struct lang_type *type; /* set by the checker */
	uint64_t offset;              /* bit offset in the struct, set by the checker */
};

struct ast_struct {
	const char *name;
	struct lang_loc loc;
	uint32_t nfields;
	struct ast_field *fields;
	const struct lang_type *type; /* set by the checker */
	int state;                    /* checker bookkeeping */
};

struct ast_block {
	struct lang_loc loc; /* from '{' to '}' (main: the whole file) */
	uint32_t n;
	struct ast_stmt **stmts;
};

enum ast_stmt_kind {
	AST_S_ERROR,  /* from a syntax error */
	AST_S_VAR,    /* decl, with decl->init (may be NULL) */
	AST_S_ASSIGN, /* target op= value; op is AST_OP_NONE for plain `=` */
	AST_S_MULTI,  /* (t0, t1, ...) = value  or  var (x, y) = value: value is a tuple */
	AST_S_IF,     /* if cond then else els; els is NULL, a block, or for `else if` a block
		       * holding one IF */
	AST_S_FOR,    /* for decl in from..to body */
	AST_S_RETURN, /* return value; (value is an AST_E_TUPLE for a tuple result) */
	AST_S_BLOCK,  /* { body } */
};

struct ast_stmt {
	enum ast_stmt_kind kind;
	struct lang_loc loc;
	struct ast_decl *decl;    /* VAR; FOR: the loop index */
	struct ast_expr *target;  /* ASSIGN: a NAME, or INDEX / FIELD chains over a NAME */
	enum ast_op op;           /* ASSIGN */
	struct ast_expr *value;   /* ASSIGN MULTI RETURN */
	uint32_t ntargets;        /* MULTI: lvalues like ASSIGN's target; for `var (..)`, NAMEs */
	struct ast_expr **targets;
	bool declares;            /* MULTI: the `var (x, y) = ...` form */
	struct ast_expr *cond;    /* IF */
	struct ast_block *then, *els; /* IF */
	struct ast_expr *from, *to;   /* FOR: LANG_CONST or LANG_LOOP, same type as decl */
	struct ast_block *body;       /* FOR, BLOCK */
	bool count_known;             /* FOR: both bounds LANG_CONST */
	uint64_t count;               /* FOR, count_known: iterations (to - from, or 0) */
	struct ast_fn *fn;            /* RETURN: the function */
	bool secret_exit;             /* FOR: the body may return under a secret condition */
};

struct ast_fn {
	const char *name;
	struct lang_loc loc;
	uint32_t nparams;
	struct ast_decl **params;
	struct ast_type *ret_tyexpr;  /* NULL when omitted (an error) */
	const struct lang_type *ret;  /* set by the checker */
	struct ast_block *body;
	enum lang_phase ret_phase;    /* the most secret value it returns, over all calls */
	uint32_t call_depth;          /* 1 + the deepest chain of calls below it */
	uint64_t ncalls;              /* call sites in the program */
	uint32_t index;               /* position in program->fns */
	int state;                    /* checker bookkeeping */
};

/* ---- the program ---- */

struct lang_arena;
struct lang_diags;

struct lang_program {
	/* declarations, each list in source order */
	uint32_t nparams, nconsts, nparties, ninputs, noutputs, nstructs, nfns;
	struct ast_decl **params;
	struct ast_decl **consts;
	struct ast_decl **parties;
	struct ast_decl **inputs;
	struct ast_decl **outputs;
	struct ast_struct **structs;
	struct ast_fn **fns;
	uint32_t nparty_slots;  /* circuit parties: a party array counts len */
	struct ast_block *main; /* the top-level vars and statements, in order */
	uint32_t ndecls;        /* every ast_decl has an id below this */

	/* private */
	struct lang_arena *arena;
	struct lang_diags *diags;
};

struct lang_options {
	const char *const *defines; /* "NAME=VALUE" strings, as given to -D */
	size_t ndefines;
};

/* Parse and check. name appears in diagnostics; src need not be NUL-terminated and is copied.
 * opt may be NULL. Returns NULL only when out of memory. */
struct lang_program *lang_parse_string(const char *name, const char *src, size_t len,
				       const struct lang_options *opt);
/* Reads path (a missing or unreadable file is a diagnostic, not NULL). */
struct lang_program *lang_parse_file(const char *path, const struct lang_options *opt);
void lang_free(struct lang_program *p); /* NULL is a no-op */

size_t lang_error_count(const struct lang_program *p);
size_t lang_warning_count(const struct lang_program *p);
/* Diagnostics in source order (a note follows the error it explains). */
size_t lang_diag_count(const struct lang_program *p);
const struct lang_diag *lang_diag_get(const struct lang_program *p, size_t i);
/* "t.mpc:3:14: error: msg" (no source line) into buf, truncated to size; returns buf. */
char *lang_diag_format(const struct lang_diag *d, char *buf, size_t size);
/* Every diagnostic in the compiler's format: header, source line, caret. */
void lang_print_diags(const struct lang_program *p, FILE *f);

/* ---- evaluating and walking ---- */

/* Values of names that are not constants: the lowering gives loop indices (and, if it likes,
 * public vars). Return the value (owned by the caller, valid during the lang_eval call), or
 * NULL when unknown. */
struct lang_env {
	const struct lang_int *(*lookup)(void *ctx, const struct ast_decl *d);
	void *ctx;
};

/* Evaluates a scalar expression of a checked program: literals, names (constants directly,
 * other names through env), operators, casts, min/max/mux/popcount, and elements of constant
 * arrays and structs. LANG_CONST and LANG_LOOP expressions always succeed given the indices.
 * The result follows the expression's type (wrapping, RISC-V division by zero); for an untyped
 * expression it is exact. Returns 0 and a value *out the caller frees with lang_int_free, or
 * -1 (not evaluable: a call, an unknown name, untyped division by zero, out of memory). */
int lang_eval(const struct ast_expr *e, const struct lang_env *env, struct lang_int *out);

/* Whether lang_eval could succeed without env: phase LANG_CONST. */
static inline bool ast_is_const(const struct ast_expr *e)
{
	return e->phase == LANG_CONST;
}

/* Direct sub-expressions of e, in source order (for STRUCT: field order). Returns how many
 * there are; writes at most max of them to out. */
uint32_t ast_expr_children(const struct ast_expr *e, struct ast_expr **out, uint32_t max);

/* A pre-order walk. Return false from a callback to skip that node's children. Either
 * callback may be NULL. Statements' expressions (targets, values, conditions, bounds, the
 * inits of declared vars) are visited after the statement itself, then nested blocks. */
struct ast_visitor {
	bool (*stmt)(void *ctx, const struct ast_stmt *s);
	bool (*expr)(void *ctx, const struct ast_expr *e);
	void *ctx;
};
void ast_walk_block(const struct ast_block *b, const struct ast_visitor *v);
void ast_walk_stmt(const struct ast_stmt *s, const struct ast_visitor *v);
void ast_walk_expr(const struct ast_expr *e, const struct ast_visitor *v);

/* Prints the checked tree as indented text (types, phases, constant values): for
 * `mpcc compile --dump=ast` and for debugging. */
void lang_dump(const struct lang_program *p, FILE *f);

#endif
