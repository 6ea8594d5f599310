/* internal.h: what the files of lang/ share and nobody else sees: the arena, growable arrays,
 * diagnostics recording, exact integers, the parser's context and the passes' entry points.
 * The public API is lang.h. */
#ifndef MPCC_LANG_INTERNAL_H
#define MPCC_LANG_INTERNAL_H

#include <setjmp.h>
#include <stdarg.h>

#include "lang.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define LANG_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---- arena.c: one arena per compilation ---- */

/* Allocations are zeroed and 16-byte aligned. When memory runs out the arena jumps to *oom,
 * which lang_parse_string() set up, so callers never see NULL. */
struct lang_arena *lang_arena_new(void); /* NULL when out of memory */
void lang_arena_free(struct lang_arena *a);
void lang_arena_set_oom(struct lang_arena *a, jmp_buf *oom);
_Noreturn void lang_arena_oom(struct lang_arena *a);
void *lang_arena_alloc(struct lang_arena *a, size_t size);
char *lang_arena_strndup(struct lang_arena *a, const char *s, size_t n);
char *lang_arena_printf(struct lang_arena *a, const char *fmt, ...) LANG_PRINTF(2, 3);
char *lang_arena_vprintf(struct lang_arena *a, const char *fmt, va_list ap);
/* A copy of v in the arena (v itself is untouched). */
struct lang_int lang_arena_int(struct lang_arena *a, const struct lang_int *v);

/* A growable array of pointers in the arena (old storage is simply left behind). */
struct lang_vec {
	uint32_t n, cap;
	void **items;
};
void lang_vec_push(struct lang_arena *a, struct lang_vec *v, void *item);

/* ---- diag.c ---- */

struct lang_diags *diag_new(struct lang_arena *a);
/* The source text of file name, for printing lines under diagnostics (not copied). */
void diag_add_source(struct lang_diags *d, const char *name, const char *text, size_t len);
void diag_error(struct lang_diags *d, struct lang_loc loc, const char *fmt, ...) LANG_PRINTF(3, 4);
void diag_warning(struct lang_diags *d, struct lang_loc loc, const char *fmt, ...)
	LANG_PRINTF(3, 4);
/* Attaches to the last error or warning (dropped when that one was dropped). */
void diag_note(struct lang_diags *d, struct lang_loc loc, const char *fmt, ...) LANG_PRINTF(3, 4);
void diag_sort(struct lang_diags *d);
size_t diag_error_count(const struct lang_diags *d);
size_t diag_warning_count(const struct lang_diags *d);
size_t diag_count(const struct lang_diags *d);
const struct lang_diag *diag_get(const struct lang_diags *d, size_t i);
void diag_print(const struct lang_diags *d, FILE *f);

/* ---- bigint.c: exact integers (struct lang_int) ----
 * Results are malloc'd into *r, whose old limbs are freed afterwards, so r may alias an
 * operand; start an output as (struct lang_int){0}. Each returns 0, or -1 out of memory. */
int lang_int_set_i64(struct lang_int *r, int64_t v);
int lang_int_set_u64(struct lang_int *r, uint64_t v);
int lang_int_copy(struct lang_int *r, const struct lang_int *a);
int lang_int_add(struct lang_int *r, const struct lang_int *a, const struct lang_int *b);
int lang_int_sub(struct lang_int *r, const struct lang_int *a, const struct lang_int *b);
int lang_int_mul(struct lang_int *r, const struct lang_int *a, const struct lang_int *b);
int lang_int_neg(struct lang_int *r, const struct lang_int *a);
/* Truncating division, b != 0; q or rem may be NULL. */
int lang_int_divmod(struct lang_int *q, struct lang_int *rem, const struct lang_int *a,
		    const struct lang_int *b);
int lang_int_and(struct lang_int *r, const struct lang_int *a, const struct lang_int *b);
int lang_int_or(struct lang_int *r, const struct lang_int *a, const struct lang_int *b);
int lang_int_xor(struct lang_int *r, const struct lang_int *a, const struct lang_int *b);
int lang_int_not(struct lang_int *r, const struct lang_int *a);
int lang_int_shl(struct lang_int *r, const struct lang_int *a, uint64_t k); /* k bounded */
int lang_int_sar(struct lang_int *r, const struct lang_int *a, uint64_t k); /* floor(a/2^k) */
/* a modulo 2^width, as a uN (signed false) or iN (signed true) value. */
int lang_int_wrap(struct lang_int *r, const struct lang_int *a, uint32_t width, bool is_signed);
bool lang_int_fits(const struct lang_int *a, uint32_t width, bool is_signed);
int lang_int_cmp(const struct lang_int *a, const struct lang_int *b);
/* Bits of the magnitude: 0 for 0 and -1, 8 for 255 and -256. */
uint64_t lang_int_bitlen(const struct lang_int *a);
uint64_t lang_int_popcount(const struct lang_int *a, uint32_t width); /* of the low width bits */
/* Digits in base 2, 8, 10 or 16 ('_' ignored; no prefix). -1 when out of memory; *too_big
 * when the value needs more than max_bits bits (then r is left empty). */
int lang_int_parse(struct lang_int *r, const char *s, size_t n, unsigned base, uint64_t max_bits,
		   bool *too_big);

/* ---- the parser (parser.y, lexer.l) ---- */

struct lang_parser {
	struct lang_arena *arena;
	struct lang_diags *diags;
	const char *file;
	const char *src; /* the whole source, NUL-terminated copy */
	size_t len;
	size_t offset;   /* bytes consumed by the scanner */
	uint32_t line, col;
	struct lang_program *prog;
	struct lang_vec params, consts, parties, inputs, outputs, structs, fns, main;
	struct lang_loc comment; /* where the open block comment began */
	uint32_t brace_depth;
	bool too_deep; /* the nesting error was reported once */
};

/* Runs the scanner and parser over ps->src; fills ps->prog. */
void lang_parse_source(struct lang_parser *ps);

/* ---- check.c, phase.c ---- */

/* Resolves, type-checks and folds; returns with diagnostics recorded. */
void check_program(struct lang_program *p, const struct lang_options *opt);
/* Computes PUBLIC / SECRET phases (a fixpoint), then warns about costly secret operations. */
void check_phases(struct lang_program *p);

/* ---- eval.c: constant folding shared by the checker and lang_eval ----
 * Each computes into *r per the result type t (NULL or LANG_T_INT: exact). Returns 0, -1 out of
 * memory, or a positive EVAL_* problem. */
enum { EVAL_OK = 0, EVAL_DIV_ZERO = 1, EVAL_TOO_BIG = 2, EVAL_NEGATIVE = 3 };
int eval_unary(struct lang_int *r, enum ast_op op, const struct lang_type *t,
	       const struct lang_int *a);
/* t is the operands' type (for comparisons too; the result is then 0/1). */
int eval_binary(struct lang_int *r, enum ast_op op, const struct lang_type *t,
		const struct lang_int *a, const struct lang_int *b);
int eval_cast(struct lang_int *r, const struct lang_type *to, const struct lang_int *a);
/* Finds the constant scalar element that INDEX / FIELD chains over constant aggregates
 * reach; NULL when e is not such a chain or an index is out of range. */
const struct ast_expr *eval_const_element(const struct ast_expr *e, const struct lang_env *env);
/* Whether two constant arrays or structs of one type are equal: 1, 0, or -1 when either is
 * not a literal (through consts, ?: and mux) the compiler can read. */
int eval_aggregates_equal(const struct ast_expr *a, const struct ast_expr *b);

/* ---- ast.c ---- */

struct ast_expr *ast_new_expr(struct lang_arena *a, enum ast_expr_kind kind, struct lang_loc loc);
struct ast_stmt *ast_new_stmt(struct lang_arena *a, enum ast_stmt_kind kind, struct lang_loc loc);
struct ast_type *ast_new_type(struct lang_arena *a, enum ast_type_kind kind, struct lang_loc loc);
struct ast_decl *ast_new_decl(struct lang_program *p, enum ast_decl_kind kind, const char *name,
			      struct lang_loc loc);
const char *ast_decl_kind_str(enum ast_decl_kind k); /* "param", "loop index", ... */

#endif
