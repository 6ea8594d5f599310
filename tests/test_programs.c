/* test_programs.c: the shipped programs, the .mpc files of circuits/programs, compiled and run.
 *
 * Each program's `// expect: [-D NAME=VALUE]... INPUT=VALUE... -> OUTPUT=VALUE...` lines
 * (a VALUE may be a list [a,b,...] filling NAME[0], NAME[1], ...) are checked in the clear,
 * and, for programs with exactly two parties, through the two-party protocol (the garbler
 * in a fork()ed child over a socketpair()), where each party must learn exactly the outputs
 * addressed to it or to all. Then every program, with each set of -D values its expect
 * lines use, runs on 64 random inputs against an interpreter over the checked syntax tree
 * written here (it shares no code with compiler/lower.c: real control flow, uint64_t
 * arithmetic). aes128.mpc is also checked against a C AES-128 written here from FIPS-197.
 * Finally the AND counts the programs promise: vickrey and first_price with N = 8, AES.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compiler.h"
#include "lang.h"

#if __has_include("party.h")
#include "net.h"
#include "party.h"
#include "prg.h"
#define HAVE_RUNTIME 1
#endif

TestSuite(programs, .timeout = 120);

enum { LANES = 64, MAX_PROGRAMS = 64, MAX_ITEMS = 512 };

/* ---- finding the programs ---- */

static char *programs_dir(void)
{
	const char *root = getenv("MPCC_SOURCE_ROOT");
	char *dir = malloc(4096);
	cr_assert(dir);
	snprintf(dir, 4096, "%s/circuits/programs", root && *root ? root : "..");
	return dir;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Paths of every .mpc in the programs folder, sorted; returns how many. */
static int list_programs(char **paths)
{
	char *dir = programs_dir();
	DIR *d = opendir(dir);
	cr_assert(d, "cannot open %s (set MPCC_SOURCE_ROOT)", dir);
	int n = 0;
	struct dirent *ent;
	while ((ent = readdir(d)) != NULL) {
		size_t len = strlen(ent->d_name);
		if (len < 5 || strcmp(ent->d_name + len - 4, ".mpc") != 0)
			continue;
		cr_assert_lt(n, MAX_PROGRAMS);
		paths[n] = malloc(strlen(dir) + len + 2);
		sprintf(paths[n], "%s/%s", dir, ent->d_name);
		n++;
	}
	closedir(d);
	free(dir);
	qsort(paths, (size_t)n, sizeof(*paths), cmp_str);
	return n;
}

static void free_list(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
}

/* ---- expect lines ---- */

struct item {
	char name[256];
	char value[256];
};

struct expect {
	int line;
	const char *defines[32];
	int ndefines;
	struct item in[MAX_ITEMS], out[MAX_ITEMS];
	int nin, nout;
	char buf[8192]; /* the defines point here */
};

/* NAME=VALUE with VALUE a scalar or a (nested) list, into scalar items. *p is just past
 * the '='; returns with *p after the value. */
static void expand(struct item *items, int *n, const char *name, const char **p)
{
	if (**p != '[') {
		const char *end = *p;
		while (*end && *end != ',' && *end != ']' && *end != ' ')
			end++;
		cr_assert_lt(*n, MAX_ITEMS);
		struct item *it = &items[(*n)++];
		snprintf(it->name, sizeof(it->name), "%s", name);
		snprintf(it->value, sizeof(it->value), "%.*s", (int)(end - *p), *p);
		*p = end;
		return;
	}
	(*p)++;
	for (int k = 0;; k++) {
		char sub[256];
		snprintf(sub, sizeof(sub), "%s[%d]", name, k);
		expand(items, n, sub, p);
		if (**p == ',') {
			(*p)++;
			continue;
		}
		cr_assert_eq(**p, ']', "bad list near '%s'", *p);
		(*p)++;
		return;
	}
}

/* Parses the text after "expect:". */
static void parse_expect(struct expect *x, const char *text, int line)
{
	memset(x, 0, sizeof(*x));
	x->line = line;
	snprintf(x->buf, sizeof(x->buf), "%s", text);
	bool outputs = false;
	char *save = NULL;
	for (char *tok = strtok_r(x->buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		if (strcmp(tok, "->") == 0) {
			outputs = true;
			continue;
		}
		if (strcmp(tok, "-D") == 0) {
			tok = strtok_r(NULL, " \t\n", &save);
			cr_assert(tok, "line %d: -D without a value", line);
			x->defines[x->ndefines++] = tok;
			continue;
		}
		if (strncmp(tok, "-D", 2) == 0) {
			x->defines[x->ndefines++] = tok + 2;
			continue;
		}
		char *eq = strchr(tok, '=');
		cr_assert(eq, "line %d: '%s' is not NAME=VALUE", line, tok);
		*eq = '\0';
		const char *p = eq + 1;
		if (outputs)
			expand(x->out, &x->nout, tok, &p);
		else
			expand(x->in, &x->nin, tok, &p);
		cr_assert_eq(*p, '\0', "line %d: junk after %s", line, tok);
	}
	cr_assert(outputs && x->nout > 0, "line %d: no '-> OUTPUT=VALUE'", line);
}

/* Every expect line of a program file; returns how many (at most max). */
static int read_expects(const char *path, struct expect *xs, int max)
{
	FILE *f = fopen(path, "r");
	cr_assert(f, "cannot open %s", path);
	char line[8192];
	int n = 0, ln = 0;
	while (fgets(line, sizeof(line), f)) {
		ln++;
		const char *m = strstr(line, "// expect:");
		if (!m)
			continue;
		cr_assert_lt(n, max);
		parse_expect(&xs[n++], m + strlen("// expect:"), ln);
	}
	fclose(f);
	return n;
}

/* Compiles path; no_sums: without sum groups (every input has wires of its own). */
static struct circ_circuit *compile_with(const char *path, const char *const *defs, int n,
					 bool no_sums)
{
	char *diags = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&diags, &len);
	struct circ_circuit *c = NULL;
	struct compiler_options opt = {.defines = defs, .ndefines = n, .no_sum_groups = no_sums};
	int rc = compiler_compile(&c, path, NULL, 0, &opt, f);
	fclose(f);
	cr_assert_eq(rc, 0, "%s does not compile:\n%s", path, diags);
	free(diags);
	return c;
}

static struct circ_circuit *compile_file(const char *path, const char *const *defs, int n)
{
	return compile_with(path, defs, n, false);
}

static bool has_sums(const struct circ_circuit *c)
{
	for (uint32_t k = 0; k < c->ninputs; k++)
		if (c->inputs[k].flags & CIRC_SUM)
			return true;
	return false;
}

static uint64_t **alloc_values(uint32_t n, const uint32_t *widths)
{
	uint64_t **v = calloc(n + 1, sizeof(*v));
	for (uint32_t i = 0; i < n; i++)
		v[i] = calloc(circ_limbs(widths[i]) + 1, 8);
	return v;
}

static void free_values(uint64_t **v, uint32_t n)
{
	for (uint32_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static uint32_t *widths_of(const struct circ_circuit *c, bool outputs)
{
	uint32_t n = outputs ? c->noutputs : c->ninputs;
	uint32_t *w = calloc(n + 1, 4);
	for (uint32_t k = 0; k < n; k++)
		w[k] = outputs ? c->outputs[k].width : c->inputs[k].width;
	return w;
}

/* The inputs of an expect line as values per circuit input; each must be given once. */
static uint64_t **expect_inputs(const struct circ_circuit *c, const struct expect *x,
				const char *path)
{
	uint32_t *w = widths_of(c, false);
	uint64_t **in = alloc_values(c->ninputs, w);
	free(w);
	bool *given = calloc(c->ninputs + 1, 1);
	for (int i = 0; i < x->nin; i++) {
		int64_t k = circ_find_input(c, x->in[i].name);
		cr_assert_geq(k, 0, "%s:%d: no input '%s'", path, x->line, x->in[i].name);
		cr_assert(!given[k], "%s:%d: '%s' twice", path, x->line, x->in[i].name);
		given[k] = true;
		struct circ_err err;
		cr_assert_eq(circ_value_parse(in[k], c->inputs[k].width,
					      c->inputs[k].flags & CIRC_SIGNED, x->in[i].value, &err),
			     0, "%s:%d: %s", path, x->line, err.msg);
	}
	for (uint32_t k = 0; k < c->ninputs; k++)
		cr_assert(given[k], "%s:%d: input '%s' is not given", path, x->line,
			  c->inputs[k].name);
	free(given);
	return in;
}

/* Checks out (values per circuit output) against the expect line's outputs; learned NULL:
 * all learned. */
static void check_outputs(const struct circ_circuit *c, const struct expect *x, uint64_t **out,
			  const bool *learned, const char *who, const char *path)
{
	for (int i = 0; i < x->nout; i++) {
		int64_t k = circ_find_output(c, x->out[i].name);
		cr_assert_geq(k, 0, "%s:%d: no output '%s'", path, x->line, x->out[i].name);
		if (learned && !learned[k])
			continue;
		uint32_t width = c->outputs[k].width;
		uint64_t *want = calloc(circ_limbs(width) + 1, 8);
		struct circ_err err;
		cr_assert_eq(circ_value_parse(want, width, c->outputs[k].flags & CIRC_SIGNED,
					      x->out[i].value, &err),
			     0, "%s:%d: %s", path, x->line, err.msg);
		char got[128];
		circ_value_format(got, sizeof(got), out[k], width, c->outputs[k].flags & CIRC_SIGNED,
				  false);
		bool same = memcmp(want, out[k], circ_limbs(width) * 8) == 0;
		cr_assert(same, "%s:%d (%s): %s = %s, expected %s", path, x->line, who,
			  x->out[i].name, got, x->out[i].value);
		free(want);
	}
}

/* ---- the two-party protocol ---- */

#ifdef HAVE_RUNTIME
static rt_err play(const struct circ_circuit *c, uint32_t me, int fd, uint64_t *const *in,
		   uint64_t *const *out, bool *learned, char *why, size_t whylen)
{
	net_chan *ch = NULL;
	prg *p = NULL;
	party *pt = NULL;
	rt_err err = net_chan_new(&ch, fd, 20000);
	if (!err)
		err = prg_new_random(&p);
	if (!err)
		err = party_new(&pt, c, me, ch, p);
	if (!err)
		err = party_run(pt, in, out, learned);
	if (err)
		snprintf(why, whylen, "%s", pt ? party_error(pt) : rt_err_str(err));
	party_free(pt);
	prg_free(p);
	net_chan_free(ch);
	return err;
}

/* Runs both parties on in; out[p] and learned[p] receive party p's results. */
static void run_pair(const struct circ_circuit *c, uint64_t *const *in, uint64_t **out[2],
		     bool *learned[2])
{
	int sv[2], pp[2];
	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	cr_assert(pipe(pp) == 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		close(sv[1]);
		close(pp[0]);
		char why[256] = "";
		rt_err err = play(c, PARTY_GARBLER, sv[0], in, out[0], learned[0], why, sizeof(why));
		int32_t e = (int32_t)err;
		bool ok = write(pp[1], &e, 4) == 4 && write(pp[1], why, sizeof(why)) == sizeof(why);
		for (uint32_t k = 0; ok && k < c->noutputs; k++) {
			size_t bytes = circ_limbs(c->outputs[k].width) * 8;
			ok = write(pp[1], &learned[0][k], 1) == 1 &&
			     write(pp[1], out[0][k], bytes) == (ssize_t)bytes;
		}
		_exit(ok ? 0 : 1);
	}
	close(sv[0]);
	close(pp[1]);
	char why1[256] = "", why0[256] = "";
	rt_err err1 = play(c, PARTY_EVALUATOR, sv[1], in, out[1], learned[1], why1, sizeof(why1));
	FILE *f = fdopen(pp[0], "rb");
	int32_t e0 = -1;
	cr_assert(fread(&e0, 4, 1, f) == 1, "the garbler died");
	cr_assert(fread(why0, sizeof(why0), 1, f) == 1);
	for (uint32_t k = 0; k < c->noutputs; k++) {
		cr_assert(fread(&learned[0][k], 1, 1, f) == 1);
		cr_assert(fread(out[0][k], circ_limbs(c->outputs[k].width) * 8, 1, f) == 1);
	}
	fclose(f);
	int st;
	cr_assert(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_eq(e0, 0, "garbler: %s", why0);
	cr_assert_eq(err1, RT_OK, "evaluator: %s", why1);
}
#endif

/* ---- the expect lines ---- */

static struct expect xs[16];

Test(programs, expect_lines_hold)
{
	char *paths[MAX_PROGRAMS];
	int np = list_programs(paths);
	cr_assert_geq(np, 6, "only %d programs", np);
	for (int i = 0; i < np; i++) {
		int nx = read_expects(paths[i], xs, 16);
		cr_assert_gt(nx, 0, "%s has no expect lines", paths[i]);
		for (int j = 0; j < nx; j++) {
			const struct expect *x = &xs[j];
			struct circ_circuit *c = compile_file(paths[i], x->defines, x->ndefines);
			uint64_t **in = expect_inputs(c, x, paths[i]);
			uint32_t *w = widths_of(c, true);
			uint64_t **out = alloc_values(c->noutputs, w);
			cr_assert_eq(circ_eval_values(c, in, out), 0);
			check_outputs(c, x, out, NULL, "in the clear", paths[i]);
#ifdef HAVE_RUNTIME
			/* The two-party runtime does not take sum groups yet (the server-aided one
			 * will): a circuit with them runs as the same program compiled without
			 * them, whose outputs random_check holds equal. Once party.c adds up a sum
			 * group's members, run c itself. */
			struct circ_circuit *pc = c;
			if (c->nparties == 2 && has_sums(c))
				pc = compile_with(paths[i], x->defines, x->ndefines, true);
			if (pc->nparties == 2) {
				uint64_t **pout[2] = {alloc_values(c->noutputs, w),
						      alloc_values(c->noutputs, w)};
				bool *learned[2] = {calloc(c->noutputs + 1, 1),
						    calloc(c->noutputs + 1, 1)};
				uint64_t **pin = pc == c ? in : expect_inputs(pc, x, paths[i]);
				run_pair(pc, pin, pout, learned);
				for (int p = 0; p < 2; p++) {
					for (uint32_t k = 0; k < pc->noutputs; k++) {
						uint32_t to = pc->outputs[k].to;
						cr_assert_eq(learned[p][k], to == CIRC_ALL || to == (uint32_t)p,
							     "%s: party %d, output %s", paths[i], p,
							     pc->outputs[k].name);
					}
					check_outputs(pc, x, pout[p], learned[p],
						      p ? "evaluator" : "garbler", paths[i]);
					free_values(pout[p], pc->noutputs);
					free(learned[p]);
				}
				if (pin != in)
					free_values(pin, pc->ninputs);
			}
			if (pc != c)
				circ_free(pc);
#endif
			free(w);
			free_values(in, c->ninputs);
			free_values(out, c->noutputs);
			circ_free(c);
		}
	}
	free_list(paths, np);
}

/* ---- an interpreter over the checked tree ---- *
 *
 * Values are arrays of cells, one unsigned __int128 per scalar (its bit pattern, in the low
 * `width` bits), in the layout order: array elements first to last, struct fields in order.
 * This is also the order of the circuit's flattened inputs and outputs. Untyped
 * (compile-time) integers are int64_t. Widths above 128 are not supported. */

__extension__ typedef unsigned __int128 cell;
__extension__ typedef __int128 scell;

struct interp {
	const struct lang_program *p;
	cell **vars;     /* cells per decl id */
	int64_t *idx;    /* loop index values per decl id */
	bool returning;
	cell *ret; /* where a return writes: the innermost call's result */
	bool unsupported;
};

static uint64_t ncells(const struct lang_type *t)
{
	switch (t->kind) {
	case LANG_T_ARRAY:
		return t->len * ncells(t->elem);
	case LANG_T_STRUCT: {
		uint64_t n = 0;
		for (uint32_t i = 0; i < t->strct->nfields; i++)
			n += ncells(t->strct->fields[i].type);
		return n;
	}
	case LANG_T_TUPLE: {
		uint64_t n = 0;
		for (uint32_t i = 0; i < t->nelems; i++)
			n += ncells(t->elems[i]);
		return n;
	}
	default:
		return 1;
	}
}

static uint64_t field_cell(const struct lang_type *t, uint32_t f)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < f; i++)
		n += ncells(t->strct->fields[i].type);
	return n;
}

static uint32_t width_of(struct interp *I, const struct lang_type *t)
{
	if (t->kind == LANG_T_BOOL)
		return 1;
	if (t->width > 128)
		I->unsupported = true;
	return t->width > 128 ? 128 : t->width;
}

static cell wmask(uint32_t w)
{
	return w >= 128 ? ~(cell)0 : ((cell)1 << w) - 1;
}

static scell sx(cell v, uint32_t w)
{
	cell sign = (cell)1 << (w - 1);
	v &= wmask(w);
	return (scell)((v ^ sign) - sign);
}

static void ev(struct interp *I, const struct ast_expr *e, cell *out);
static void exec_block(struct interp *I, const struct ast_block *b);

static int64_t ev_int(struct interp *I, const struct ast_expr *e)
{
	if (e->phase == LANG_CONST && e->value.n > 0) {
		int64_t v = 0;
		if (!lang_int_get_i64(&e->value, &v))
			I->unsupported = true;
		return v;
	}
	if (e->kind == AST_E_NAME) {
		if (e->decl->kind == AST_D_LOOP_INDEX)
			return I->idx[e->decl->id];
		int64_t v = 0;
		if (!lang_int_get_i64(&e->decl->value, &v))
			I->unsupported = true;
		return v;
	}
	if (e->kind == AST_E_UNARY) {
		int64_t a = ev_int(I, e->a);
		return e->op == AST_OP_NEG ? -a : ~a;
	}
	if (e->kind == AST_E_BINARY) {
		int64_t a = ev_int(I, e->a), b = ev_int(I, e->b);
		switch (e->op) {
		case AST_OP_ADD: return a + b;
		case AST_OP_SUB: return a - b;
		case AST_OP_MUL: return a * b;
		case AST_OP_DIV: return b ? a / b : 0;
		case AST_OP_MOD: return b ? a % b : 0;
		case AST_OP_AND: return a & b;
		case AST_OP_OR: return a | b;
		case AST_OP_XOR: return a ^ b;
		case AST_OP_SHL: return b < 63 ? a << b : 0;
		case AST_OP_SHR: return b < 63 ? a >> b : (a < 0 ? -1 : 0);
		default: break;
		}
	}
	I->unsupported = true;
	return 0;
}

/* A scalar of a typed (or bool) expression. */
static cell ev1(struct interp *I, const struct ast_expr *e)
{
	cell v;
	ev(I, e, &v);
	return v;
}

/* The value of an integer expression that may be untyped (indices, shift amounts, bounds),
 * saturated to UINT64_MAX for what does not fit. */
static uint64_t ev_amount(struct interp *I, const struct ast_expr *e)
{
	if (e->type->kind == LANG_T_INT) {
		int64_t v = ev_int(I, e);
		return v < 0 ? UINT64_MAX : (uint64_t)v;
	}
	cell v = ev1(I, e);
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

static cell arith(struct interp *I, enum ast_op op, const struct lang_type *t, cell a, cell b)
{
	uint32_t w = width_of(I, t);
	bool sg = t->kind == LANG_T_SINT;
	cell m = wmask(w);
	switch (op) {
	case AST_OP_ADD: return (a + b) & m;
	case AST_OP_SUB: return (a - b) & m;
	case AST_OP_MUL: return (a * b) & m;
	case AST_OP_DIV:
	case AST_OP_MOD: {
		bool rem = op == AST_OP_MOD;
		if ((b & m) == 0)
			return rem ? a : m;
		if (!sg)
			return rem ? a % b : a / b;
		scell x = sx(a, w), y = sx(b, w);
		if (y == -1)
			return rem ? 0 : (0 - (cell)x) & m; /* MIN / -1 = MIN */
		return (cell)(rem ? x % y : x / y) & m;
	}
	case AST_OP_AND: return a & b;
	case AST_OP_OR: return a | b;
	case AST_OP_XOR: return a ^ b;
	case AST_OP_SHL: return b >= w ? 0 : (a << b) & m;
	case AST_OP_SHR:
		if (!sg)
			return b >= w ? 0 : a >> b;
		if (b >= w)
			return sx(a, w) < 0 ? m : 0;
		return (cell)(sx(a, w) >> b) & m;
	default: break;
	}
	I->unsupported = true;
	return 0;
}

static bool compare(enum ast_op op, int c)
{
	switch (op) {
	case AST_OP_EQ: return c == 0;
	case AST_OP_NE: return c != 0;
	case AST_OP_LT: return c < 0;
	case AST_OP_LE: return c <= 0;
	case AST_OP_GT: return c > 0;
	default: return c >= 0;
	}
}

static cell ev_binary(struct interp *I, const struct ast_expr *e)
{
	const struct lang_type *t = e->a->type;
	enum ast_op op = e->op;
	if (op >= AST_OP_EQ && op <= AST_OP_GE) {
		int c;
		if (t->kind == LANG_T_INT) {
			int64_t a = ev_int(I, e->a), b = ev_int(I, e->b);
			c = a < b ? -1 : a > b;
		} else if (!lang_type_is_scalar(t)) { /* == and != on aggregates */
			uint64_t n = ncells(t);
			cell *a = calloc(n, sizeof(cell)), *b = calloc(n, sizeof(cell));
			ev(I, e->a, a);
			ev(I, e->b, b);
			c = memcmp(a, b, n * sizeof(cell)) != 0;
			free(a);
			free(b);
		} else {
			cell a = ev1(I, e->a), b = ev1(I, e->b);
			uint32_t w = width_of(I, t);
			if (t->kind == LANG_T_SINT)
				c = sx(a, w) < sx(b, w) ? -1 : sx(a, w) > sx(b, w);
			else
				c = a < b ? -1 : a > b;
		}
		return compare(op, c);
	}
	if (op == AST_OP_LAND || op == AST_OP_LOR) {
		cell a = ev1(I, e->a), b = ev1(I, e->b);
		return op == AST_OP_LAND ? (a & b) : (a | b);
	}
	cell a = ev1(I, e->a);
	cell b = op == AST_OP_SHL || op == AST_OP_SHR ? ev_amount(I, e->b) : ev1(I, e->b);
	return arith(I, op, t, a, b);
}

static cell ev_cast(struct interp *I, const struct ast_expr *e)
{
	const struct lang_type *from = e->a->type, *to = e->type;
	scell v;
	if (from->kind == LANG_T_INT)
		v = ev_int(I, e->a);
	else if (from->kind == LANG_T_SINT)
		v = sx(ev1(I, e->a), width_of(I, from));
	else
		v = (scell)ev1(I, e->a);
	if (to->kind == LANG_T_BOOL)
		return v != 0;
	return (cell)v & wmask(width_of(I, to));
}

static cell ev_builtin(struct interp *I, const struct ast_expr *e)
{
	const struct lang_type *t = e->type;
	uint32_t w = width_of(I, t);
	if (e->builtin == AST_B_POPCOUNT) {
		cell x = ev1(I, e->args[0]), k = 0;
		for (uint32_t j = 0; j < w; j++)
			k += (x >> j) & 1;
		return k & wmask(w);
	}
	/* min, max */
	cell best = ev1(I, e->args[0]);
	for (uint32_t i = 1; i < e->nargs; i++) {
		cell x = ev1(I, e->args[i]);
		bool less = t->kind == LANG_T_SINT ? sx(x, w) < sx(best, w) : x < best;
		bool more = t->kind == LANG_T_SINT ? sx(x, w) > sx(best, w) : x > best;
		if (e->builtin == AST_B_MIN ? less : more)
			best = x;
	}
	return best;
}

static void call(struct interp *I, const struct ast_expr *e, cell *out)
{
	const struct ast_fn *fn = e->fn;
	cell **args = calloc(e->nargs + 1, sizeof(*args));
	for (uint32_t i = 0; i < e->nargs; i++) {
		args[i] = calloc(ncells(e->args[i]->type) + 1, sizeof(cell));
		ev(I, e->args[i], args[i]);
	}
	for (uint32_t i = 0; i < fn->nparams; i++) {
		free(I->vars[fn->params[i]->id]);
		I->vars[fn->params[i]->id] = args[i];
	}
	free(args);
	cell *saved = I->ret;
	I->ret = out;
	exec_block(I, fn->body);
	I->ret = saved;
	I->returning = false;
}

/* The element an index expression names, or NULL out of bounds. */
static cell *place(struct interp *I, const struct ast_expr *t);

static void ev(struct interp *I, const struct ast_expr *e, cell *out)
{
	const struct lang_type *t = e->type;
	if (lang_type_is_scalar(t) && t->kind != LANG_T_INT && e->phase == LANG_CONST &&
	    e->value.n > 0) {
		uint64_t limbs[1024];
		uint32_t w = width_of(I, t);
		lang_int_to_bits(&e->value, w, limbs);
		out[0] = ((cell)(w > 64 ? limbs[1] : 0) << 64 | limbs[0]) & wmask(w);
		return;
	}
	uint64_t n = ncells(t);
	switch (e->kind) {
	case AST_E_NAME: {
		const struct ast_decl *d = e->decl;
		if (d->kind == AST_D_LOOP_INDEX) {
			out[0] = (cell)(scell)I->idx[d->id] & wmask(width_of(I, t));
		} else if (d->kind == AST_D_CONST || d->kind == AST_D_PARAM) {
			ev(I, d->init, out);
		} else {
			cr_assert(I->vars[d->id], "'%s' read before it exists", d->name);
			memcpy(out, I->vars[d->id], n * sizeof(cell));
		}
		return;
	}
	case AST_E_UNARY: {
		cell a = ev1(I, e->a);
		uint32_t w = width_of(I, t);
		if (e->op == AST_OP_NEG)
			out[0] = (0 - a) & wmask(w);
		else if (e->op == AST_OP_LNOT)
			out[0] = !a;
		else
			out[0] = ~a & wmask(w);
		return;
	}
	case AST_E_BINARY:
		out[0] = ev_binary(I, e);
		return;
	case AST_E_COND:
		ev(I, ev1(I, e->a) ? e->b : e->c, out);
		return;
	case AST_E_CAST:
		out[0] = ev_cast(I, e);
		return;
	case AST_E_INDEX:
	case AST_E_FIELD: {
		/* evaluate the aggregate, then pick */
		uint64_t na = ncells(e->a->type);
		cell *a = calloc(na + 1, sizeof(cell));
		ev(I, e->a, a);
		uint64_t off = 0;
		bool ok = true;
		if (e->kind == AST_E_FIELD) {
			off = field_cell(e->a->type, e->field);
		} else {
			uint64_t i = ev_amount(I, e->b);
			ok = i < e->a->type->len;
			off = ok ? i * n : 0;
		}
		if (ok)
			memcpy(out, a + off, n * sizeof(cell));
		else
			memset(out, 0, n * sizeof(cell));
		free(a);
		return;
	}
	case AST_E_CALL:
		call(I, e, out);
		return;
	case AST_E_BUILTIN:
		if (e->builtin == AST_B_MUX)
			ev(I, ev1(I, e->args[0]) ? e->args[1] : e->args[2], out);
		else
			out[0] = ev_builtin(I, e);
		return;
	case AST_E_ARRAY:
	case AST_E_STRUCT:
	case AST_E_TUPLE: {
		uint64_t off = 0;
		for (uint32_t i = 0; i < e->nargs; i++) {
			ev(I, e->args[i], out + off);
			off += ncells(e->args[i]->type);
		}
		return;
	}
	case AST_E_REPEAT: {
		uint64_t m = ncells(e->a->type);
		ev(I, e->a, out);
		for (uint64_t k = 1; k < e->len; k++)
			memcpy(out + k * m, out, m * sizeof(cell));
		return;
	}
	default:
		I->unsupported = true;
	}
}

static cell *place(struct interp *I, const struct ast_expr *t)
{
	if (t->kind == AST_E_NAME) {
		cell **v = &I->vars[t->decl->id];
		if (!*v)
			*v = calloc(ncells(t->type) + 1, sizeof(cell));
		return *v;
	}
	cell *base = place(I, t->a);
	if (!base)
		return NULL;
	if (t->kind == AST_E_FIELD)
		return base + field_cell(t->a->type, t->field);
	uint64_t i = ev_amount(I, t->b);
	if (i >= t->a->type->len)
		return NULL;
	return base + i * ncells(t->type);
}

static void exec_stmt(struct interp *I, const struct ast_stmt *s)
{
	switch (s->kind) {
	case AST_S_VAR: {
		uint64_t n = ncells(s->decl->type);
		cell *v = calloc(n + 1, sizeof(cell));
		if (s->decl->init)
			ev(I, s->decl->init, v);
		free(I->vars[s->decl->id]);
		I->vars[s->decl->id] = v;
		return;
	}
	case AST_S_ASSIGN: {
		uint64_t n = ncells(s->target->type);
		cell *v = calloc(n + 1, sizeof(cell));
		if (s->op == AST_OP_NONE) {
			ev(I, s->value, v);
		} else {
			cell cur = ev1(I, s->target);
			cell b = s->op == AST_OP_SHL || s->op == AST_OP_SHR
					 ? ev_amount(I, s->value)
					 : ev1(I, s->value);
			v[0] = arith(I, s->op, s->target->type, cur, b);
		}
		cell *dst = place(I, s->target);
		if (dst)
			memcpy(dst, v, n * sizeof(cell));
		free(v);
		return;
	}
	case AST_S_MULTI: {
		uint64_t n = ncells(s->value->type), off = 0;
		cell *v = calloc(n + 1, sizeof(cell));
		ev(I, s->value, v);
		cell **dst = calloc(s->ntargets + 1, sizeof(*dst));
		for (uint32_t i = 0; i < s->ntargets && !s->declares; i++)
			dst[i] = place(I, s->targets[i]);
		for (uint32_t i = 0; i < s->ntargets; i++) {
			uint64_t m = ncells(s->value->type->elems[i]);
			if (s->declares) {
				free(I->vars[s->targets[i]->decl->id]);
				I->vars[s->targets[i]->decl->id] = calloc(m + 1, sizeof(cell));
				dst[i] = I->vars[s->targets[i]->decl->id];
			}
			if (dst[i])
				memcpy(dst[i], v + off, m * sizeof(cell));
			off += m;
		}
		free(dst);
		free(v);
		return;
	}
	case AST_S_IF:
		if (ev1(I, s->cond))
			exec_block(I, s->then);
		else if (s->els)
			exec_block(I, s->els);
		return;
	case AST_S_FOR: {
		int64_t from, to;
		if (s->from->type->kind == LANG_T_INT) {
			from = ev_int(I, s->from);
			to = ev_int(I, s->to);
		} else {
			uint32_t w = width_of(I, s->from->type);
			bool sg = s->from->type->kind == LANG_T_SINT;
			cell a = ev1(I, s->from), b = ev1(I, s->to);
			from = (int64_t)(sg ? sx(a, w) : (scell)a);
			to = (int64_t)(sg ? sx(b, w) : (scell)b);
		}
		for (int64_t i = from; i < to && !I->returning; i++) {
			I->idx[s->decl->id] = i;
			exec_block(I, s->body);
		}
		return;
	}
	case AST_S_RETURN:
		ev(I, s->value, I->ret);
		I->returning = true;
		return;
	case AST_S_BLOCK:
		exec_block(I, s->body);
		return;
	default:
		I->unsupported = true;
	}
}

static void exec_block(struct interp *I, const struct ast_block *b)
{
	for (uint32_t i = 0; i < b->n && !I->returning; i++)
		exec_stmt(I, b->stmts[i]);
}

/* Runs p on the flattened input cells in (circuit input order); writes the flattened
 * outputs to out. Returns false when the program uses what the interpreter lacks. */
static bool interpret(const struct lang_program *p, const uint64_t *in, uint64_t *out)
{
	struct interp I = {.p = p};
	I.vars = calloc(p->ndecls + 1, sizeof(*I.vars));
	I.idx = calloc(p->ndecls + 1, sizeof(*I.idx));
	uint64_t off = 0;
	for (uint32_t i = 0; i < p->ninputs; i++) {
		const struct ast_decl *d = p->inputs[i];
		uint64_t n = ncells(d->type);
		I.vars[d->id] = calloc(n + 1, sizeof(cell));
		for (uint64_t k = 0; k < n; k++)
			I.vars[d->id][k] = in[off + k];
		off += n;
	}
	for (uint32_t i = 0; i < p->noutputs; i++)
		I.vars[p->outputs[i]->id] = calloc(ncells(p->outputs[i]->type) + 1, sizeof(cell));
	exec_block(&I, p->main);
	off = 0;
	for (uint32_t i = 0; i < p->noutputs; i++) {
		uint64_t n = ncells(p->outputs[i]->type);
		for (uint64_t k = 0; k < n; k++)
			out[off + k] = (uint64_t)I.vars[p->outputs[i]->id][k];
		off += n;
	}
	for (uint32_t i = 0; i < p->ndecls; i++)
		free(I.vars[i]);
	free(I.vars);
	free(I.idx);
	return !I.unsupported;
}

/* ---- random inputs: circuit against interpreter ---- */

static uint64_t rng_state = 0x6a09e667f3bcc908u;
static uint64_t rnd(void) /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Mostly uniform, sometimes 0, 1, all ones or small. */
static uint64_t rnd_value(uint32_t w)
{
	uint64_t v = rnd();
	switch (rnd() % 8) {
	case 0:
		v = 0;
		break;
	case 1:
		v = 1;
		break;
	case 2:
		v = ~0ull;
		break;
	case 3:
		v %= 16;
		break;
	default:
		break;
	}
	return v & wmask(w);
}

/* 64 lanes of c: in[k * LANES + l] is input k in lane l (inputs up to 64 bits). The members
 * of a sum group add up: their wires get the sum mod 2^width. */
static void eval_lanes(const struct circ_circuit *c, const uint64_t *in, uint64_t *out)
{
	uint64_t *win = calloc(c->nin_bits + 1, 8), *wout = calloc(c->nout_bits + 1, 8);
	uint64_t *wires = calloc(circ_nwires(c) + 1, 8);
	uint64_t *total = calloc((size_t)c->nin_bits * LANES + 1, 8); /* by first wire */
	for (uint32_t k = 0; k < c->ninputs; k++)
		for (int l = 0; l < LANES; l++)
			total[(size_t)c->inputs[k].first * LANES + l] += in[k * LANES + l];
	for (uint32_t k = 0; k < c->ninputs; k++) {
		uint32_t f = c->inputs[k].first;
		for (uint32_t j = 0; j < c->inputs[k].width; j++) {
			uint64_t lanes = 0;
			for (int l = 0; l < LANES; l++)
				lanes |= ((total[(size_t)f * LANES + l] >> j) & 1) << l;
			win[f + j] = lanes;
		}
	}
	free(total);
	circ_eval64(c, win, wout, wires);
	for (uint32_t k = 0; k < c->noutputs; k++)
		for (int l = 0; l < LANES; l++) {
			uint64_t v = 0;
			for (uint32_t j = 0; j < c->outputs[k].width; j++)
				v |= ((wout[c->outputs[k].first + j] >> l) & 1) << j;
			out[k * LANES + l] = v;
		}
	free(win);
	free(wout);
	free(wires);
}

/* The input declarations (names before the first '[' or '.') with sum groups, in order,
 * separated by spaces, into buf. */
static void grouped_inputs(const struct circ_circuit *c, char *buf, size_t size)
{
	buf[0] = '\0';
	char last[256] = "";
	for (uint32_t k = 0; k < c->ninputs; k++) {
		if (!(c->inputs[k].flags & CIRC_SUM))
			continue;
		char name[256];
		snprintf(name, sizeof(name), "%s", c->inputs[k].name);
		name[strcspn(name, "[.")] = '\0';
		if (strcmp(name, last) == 0)
			continue;
		snprintf(last, sizeof(last), "%s", name);
		size_t len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s", len ? " " : "", name);
	}
}

/* Compiles path with defs, with and without sum groups, and checks 64 random input sets
 * against the interpreter and the two circuits against each other (same inputs, same
 * outputs). grouped (NULL: not wanted) receives grouped_inputs(). Returns false when the
 * interpreter cannot run the program. */
static bool random_check_sums(const char *path, const char *const *defs, int ndefs, char *grouped,
			      size_t grouped_size)
{
	struct circ_circuit *c = compile_file(path, defs, ndefs);
	struct circ_circuit *plain = compile_with(path, defs, ndefs, true);
	cr_assert(!has_sums(plain), "%s: sum groups when asked for none", path);
	cr_assert_eq(c->ninputs, plain->ninputs);
	cr_assert_eq(c->noutputs, plain->noutputs);
	for (uint32_t k = 0; k < c->ninputs; k++)
		cr_assert_str_eq(c->inputs[k].name, plain->inputs[k].name);
	if (grouped)
		grouped_inputs(c, grouped, grouped_size);
	struct lang_options lo = {.defines = defs, .ndefines = (size_t)ndefs};
	struct lang_program *p = lang_parse_file(path, &lo);
	cr_assert(p && lang_error_count(p) == 0);
	bool narrow = true; /* these lanes hold 64 bits per value */
	for (uint32_t k = 0; k < c->ninputs; k++)
		narrow = narrow && c->inputs[k].width <= 64;
	for (uint32_t k = 0; k < c->noutputs; k++)
		narrow = narrow && c->outputs[k].width <= 64;
	if (!narrow) {
		lang_free(p);
		circ_free(c);
		circ_free(plain);
		return false;
	}
	uint32_t ni = c->ninputs, no = c->noutputs;
	uint64_t *in = calloc((size_t)ni * LANES + 1, 8), *out = calloc((size_t)no * LANES + 1, 8);
	uint64_t *lin = calloc(ni + 1, 8), *lout = calloc(no + 1, 8);
	for (uint32_t k = 0; k < ni; k++)
		for (int l = 0; l < LANES; l++)
			in[k * LANES + l] = rnd_value(c->inputs[k].width);
	eval_lanes(c, in, out);
	uint64_t *pout = calloc((size_t)no * LANES + 1, 8);
	eval_lanes(plain, in, pout);
	for (uint32_t k = 0; k < no; k++)
		for (int l = 0; l < LANES; l++)
			cr_assert_eq(
			    out[k * LANES + l], pout[k * LANES + l],
			    "%s (%d defines): lane %d, output %s: %llu with sum groups, %llu "
			    "without",
			    path, ndefs, l, c->outputs[k].name,
			    (unsigned long long)out[k * LANES + l],
			    (unsigned long long)pout[k * LANES + l]);
	free(pout);
	bool ok = true;
	for (int l = 0; l < LANES && ok; l++) {
		for (uint32_t k = 0; k < ni; k++)
			lin[k] = in[k * LANES + l];
		ok = interpret(p, lin, lout);
		for (uint32_t k = 0; k < no && ok; k++)
			cr_assert_eq(
			    out[k * LANES + l], lout[k] & wmask(c->outputs[k].width),
			    "%s (%d defines): lane %d, output %s: circuit %llu, interpreter "
			    "%llu",
			    path, ndefs, l, c->outputs[k].name,
			    (unsigned long long)out[k * LANES + l], (unsigned long long)lout[k]);
	}
	free(in);
	free(out);
	free(lin);
	free(lout);
	lang_free(p);
	circ_free(c);
	circ_free(plain);
	return ok;
}

static bool random_check(const char *path, const char *const *defs, int ndefs)
{
	return random_check_sums(path, defs, ndefs, NULL, 0);
}

Test(programs, random_inputs_match_an_interpreter)
{
	char *paths[MAX_PROGRAMS];
	int np = list_programs(paths);
	for (int i = 0; i < np; i++) {
		cr_assert(random_check(paths[i], NULL, 0), "%s: the interpreter cannot run it",
			  paths[i]);
		int nx = read_expects(paths[i], xs, 16);
		for (int j = 0; j < nx; j++)
			if (xs[j].ndefines > 0)
				cr_assert(random_check(paths[i], xs[j].defines, xs[j].ndefines));
	}
	free_list(paths, np);
}

/* More of the language than the shipped programs use, through the same check. */
static const char *const extra_programs[] = {
	"struct P { x: u16, y: i8 }\n"
	"party a, b;\n"
	"input v: [u8; 6] from a;\ninput k: u8 from b;\ninput s: i16 from a;\n"
	"input p: [P; 3] from b;\ninput j: u2 from a;\n"
	"output at: u8 to all;\noutput cls: i16 to all;\noutput q: [P; 3] to all;\n"
	"output w: [u8; 6] to b;\noutput t: u32 to a;\n"
	"fn find(arr: [u8; 6], key: u8) -> u8 {\n"
	"    for i in 0..6 { if arr[i] == key { return i as u8; } }\n"
	"    return 255;\n"
	"}\n"
	"fn classify(z: i16) -> (i16, bool) {\n"
	"    if z < 0 { if z < -100 { return (-2, true); } return (-1, false); }\n"
	"    else if z == 0 { return (0, true); }\n"
	"    var y: i16 = z / 3;\n"
	"    if z % 7 == 1 { y = y ^ -1; }\n"
	"    return (y, z > 1000);\n"
	"}\n"
	"var small: [u8; 6] = v;\n"
	"for i in 0..6 { small[i] &= 7; }\n"
	"at = find(small, k & 7);\n"
	"var (c, big) = classify(s);\n"
	"cls = big ? c : -c;\n"
	"var pp: [P; 3] = p;\n"
	"pp[j].y -= 1;\n"
	"pp[k % 3].x = pp[j].x * 3 + (v[j] as u16 << (k & 7));\n"
	"q = pp;\n"
	"var ww: [u8; 6] = v;\n"
	"ww[k] = popcount(k) + min(v[0], v[1], v[2]);\n"
	"w = ww;\n"
	"var acc: u32 = 0;\n"
	"for i in 0..6 { for m in i..6 { if v[m] > v[i] { acc += (v[m] - v[i]) as u32; } "
	"else { acc ^= (i * m) as u32; } } }\n"
	"t = acc >> (j as u8) | (max(s, -5) as u32);\n",
	/* the whole-language program of test_lang.c */
	"param N = 4;\n"
	"const K: u32 = 3;\n"
	"const T: [u8; 4] = [1, 2, 3, 4];\n"
	"party alice, bob;\n"
	"party p[N];\n"
	"struct Point { x: u32, y: i16 }\n"
	"input a: u32 from alice;\n"
	"input b: [u8; 4] from bob;\n"
	"input c: u16 from p;\n"
	"input d: u64 from p[2];\n"
	"input s: Point from alice;\n"
	"output o: u32 to all;\n"
	"output q: u16 to p;\n"
	"output r: Point to bob;\n"
	"output t: bool to p[1];\n"
	"fn sum(v: [u8; 4]) -> u32 {\n"
	"    var acc: u32 = 0;\n"
	"    for i in 0..4 { acc += v[i] as u32; }\n"
	"    return acc;\n"
	"}\n"
	"fn pair(x: u32, y: u32) -> (u32, u32) {\n"
	"    if x < y { return (x, y); }\n"
	"    return (y, x);\n"
	"}\n"
	"fn wide(x: u128) -> u128 { return (x << 3) ^ 0xffff_ffff_ffff_ffff_ffff; }\n"
	"var total: u32 = sum(b) + K;\n"
	"var (lo, hi) = pair(a, total);\n"
	"(lo, hi) = (hi, lo);\n"
	"var arr: [u16; N] = [0; N];\n"
	"var grid: [[bool; 2]; 3] = [[true, false], [false, true], [true, true]];\n"
	"for i in 0..N {\n"
	"    arr[i] = c[i] * 2 + T[i % 4] as u16;\n"
	"    for j in i + 1..N {\n"
	"        if c[j] > c[i] { arr[i] -= 1; } else if c[j] == c[i] { arr[i] ^= 0x5; }\n"
	"        else { arr[i] = ~arr[i]; }\n"
	"    }\n"
	"    q[i] = mux(arr[i] > 3, arr[i], min(arr[i], c[i], 7)) >> (i as u8);\n"
	"}\n"
	"var pt: Point = Point { y: -3, x: lo };\n"
	"pt.x = pt.x + (d as u32) + (b[2] << (a as u8 & 7)) as u32;\n"
	"pt.y = (pt.y < 0 ? -pt.y : pt.y) * 2;\n"
	"r = pt;\n"
	"o = hi - lo + popcount(a) + (wide(a as u128) as u32);\n"
	"t = !(o == 0) && s.x >= 7 || (s.y as i32) < -5 || grid[2][1] || pt == s;\n",
};

Test(programs, more_of_the_language_matches_the_interpreter)
{
	for (size_t i = 0; i < sizeof(extra_programs) / sizeof(extra_programs[0]); i++) {
		char path[] = "/tmp/mpcc_test_XXXXXX.mpc";
		int fd = mkstemps(path, 4);
		cr_assert(fd >= 0);
		size_t len = strlen(extra_programs[i]);
		cr_assert_eq(write(fd, extra_programs[i], len), (ssize_t)len);
		close(fd);
		bool ok = random_check(path, NULL, 0);
		unlink(path);
		cr_assert(ok);
	}
}

/* ---- sums over a party array ---- *
 *
 * Programs whose sums become sum groups, or must not, each with the input declarations
 * that should (compiler.h, sums.c). Each also runs through random_check_sums: the circuit
 * with sum groups, the circuit without and the interpreter agree on random inputs. */
static const struct {
	const char *src, *grouped;
} sum_programs[] = {
	/* the forms: +=, -=, t = t + x, t = x + t, t = t - x; a sum into an array element, a
	 * transposed loop, struct fields, signed wrap-around, a loop that also does other
	 * work, a loop under a secret if, a sum loop repeated by an outer loop */
	{"param N = 5;\n"
	 "param P = 3;\n"
	 "party a[N], solo;\n"
	 "struct R { q: i16, v: [u8; 2] }\n"
	 "input x: [u32; P] from a;\ninput y: i16 from a;\ninput z: R from a;\n"
	 "input w: u8 from a;\ninput k: u8 from solo;\n"
	 "output o: [u32; P] to all;\noutput s: i16 to all;\noutput q: u8 to all;\n"
	 "output m: u8 to all;\n"
	 "var tot: [u32; P] = [7; P];\n"
	 "for b in 0..N { for p in 0..P { tot[p] += x[b][p]; } }\n"
	 "for p in 0..P {\n"
	 "    var d: u32 = k as u32;\n"
	 "    for b in 0..N { d = d + x[b][p]; }\n"
	 "    o[p] = d ^ (tot[p] << 1);\n"
	 "}\n"
	 "var t: i16 = -3;\nvar mx: u8 = 0;\n"
	 "for b in 0..N { t = t - y[b]; t -= z[b].q; mx = max(mx, w[b]); }\n"
	 "s = t;\nm = mx;\n"
	 "var vs: u8 = 1;\n"
	 "if k > 100 {\n"
	 "    for c in 0..2 { for b in 0..N { vs = z[b].v[1] + vs; vs += z[b].v[0]; } }\n"
	 "}\n"
	 "q = vs;\n",
	 "x y z"},
	/* sums that are not, or inputs used otherwise: only x14 qualifies */
	{"param N = 4;\n"
	 "party a[N];\n"
	 "input x1: u32 from a;\ninput x2: u32 from a;\ninput x3: u16 from a;\n"
	 "input x4: u32 from a;\ninput x5: u32 from a;\ninput x6: u32 from a;\n"
	 "input x7: [u32; N] from a;\ninput x8: u32 from a;\ninput x9: [u32; N] from a;\n"
	 "input x10: u32 from a;\ninput x11: u32 from a;\ninput x12: u32 from a;\n"
	 "input x13: u32 from a;\ninput x14: u32 from a;\n"
	 "output o: [u32; 16] to all;\n"
	 "fn total(v: [u32; N]) -> u32 {\n"
	 "    var s: u32 = 0;\n"
	 "    for i in 0..N { s += v[i]; }\n"
	 "    return s;\n"
	 "}\n"
	 "var d1: u32 = 0;\nfor b in 1..N { d1 += x1[b]; }\n"
	 "var d2: u32 = 0;\nvar m2: u32 = 0;\n"
	 "for b in 0..N { d2 += x2[b]; m2 = max(m2, d2); }\n"
	 "var d3: u64 = 0;\nfor b in 0..N { d3 += x3[b] as u64; }\n"
	 "var d4: u32 = 0;\nfor b in 0..N { if x1[0] > 5 { d4 += x4[b]; } }\n"
	 "var d5: u32 = 0;\nfor b in 0..N { d5 += x5[b]; }\nd5 ^= x5[2];\n"
	 "var d6: u32 = 0;\nfor b in 0..N { var e: u32 = 1; e += x6[b]; d6 ^= e; }\n"
	 "var d7: u32 = 0;\nfor b in 0..N { d7 += x7[b][b]; }\n"
	 "var t8: [u32; N] = [0; N];\nfor b in 0..N { t8[b] += x8[b]; }\n"
	 "var d9: u32 = 0;\nfor b in 0..N { for p in 0..b { d9 += x9[b][p]; } }\n"
	 "var d10: u32 = 3;\nfor b in 0..N { d10 = x10[b] - d10; }\n"
	 "var d11: u32 = 3;\nfor b in 0..N { d11 *= x11[b]; }\n"
	 "var d12: u32 = 0;\nvar f12: u32 = 0;\n"
	 "for b in 0..N { d12 += x12[b]; { f12 += d12; } }\n"
	 "var d13: u32 = total(x13);\n"
	 "var d14: u32 = 0;\nfor b in 0..N { d14 += x14[b]; }\n"
	 "for b in 0..N { d14 -= x14[b]; }\n"
	 "var e14: u32 = 5;\nfor b in 0..N { e14 += x14[b]; }\n"
	 "o = [d1, d2, m2, d3 as u32, (d3 >> 32) as u32, d4, d5, d6, d7, t8[0] ^ t8[3], d9, d10,\n"
	 "     d11, d12 ^ f12, d13, d14 ^ e14];\n",
	 "x14"},
	/* every loop holds only sums (they run once), a typed loop index, two party arrays */
	{"param N = 3;\nparam P = 2;\n"
	 "party a[N], c[N];\n"
	 "input x: [[i8; 2]; P] from a;\ninput y: u64 from c;\n"
	 "output o: [[i8; 2]; P] to all;\noutput s: u64 to all;\n"
	 "var acc: [[i8; 2]; P] = [[0; 2]; P];\n"
	 "for b in 0..N { for p in 0..P { for j in 0..2 { acc[p][j] += x[b][p][j]; } } }\n"
	 "o = acc;\n"
	 "var t: u64 = 0;\n"
	 "for i in 0..(N as u8) { t += y[i]; }\n"
	 "for i in 0..N { t = y[i] + t; }\n"
	 "s = t;\n",
	 "x y"},
};

static char *write_temp(const char *src)
{
	char *path = strdup("/tmp/mpcc_test_XXXXXX.mpc");
	int fd = mkstemps(path, 4);
	cr_assert(fd >= 0);
	size_t len = strlen(src);
	cr_assert_eq(write(fd, src, len), (ssize_t)len);
	close(fd);
	return path;
}

Test(programs, sums_over_party_arrays_become_sum_groups)
{
	for (size_t i = 0; i < sizeof(sum_programs) / sizeof(sum_programs[0]); i++) {
		char *path = write_temp(sum_programs[i].src);
		char grouped[1024];
		bool ok = random_check_sums(path, NULL, 0, grouped, sizeof(grouped));
		unlink(path);
		free(path);
		cr_assert(ok, "program %zu: the interpreter cannot run it", i);
		cr_assert_str_eq(grouped, sum_programs[i].grouped,
				 "program %zu: sum groups for \"%s\", expected \"%s\"", i, grouped,
				 sum_programs[i].grouped);
	}
}

/* A sum group has one member per party of the array, each from its own party, all of the
 * same width; no other input shares wires. */
Test(programs, sum_groups_have_a_member_per_party)
{
	char *dir = programs_dir();
	char path[4200];
	snprintf(path, sizeof(path), "%s/double_auction.mpc", dir);
	free(dir);
	const char *defs[] = {"B=4", "S=3", "P=5"};
	struct circ_circuit *c = compile_file(path, defs, 3);
	cr_assert_eq(c->ninputs, 4 * 5 + 3 * 5);
	cr_assert_eq(c->nin_bits, 2 * 5 * 32, "one group of 32 wires per price and side");
	for (uint32_t k = 0; k < c->ninputs; k++) {
		const struct circ_input *in = &c->inputs[k];
		cr_assert(in->flags & CIRC_SUM, "%s", in->name);
		uint32_t members = 0;
		for (uint32_t j = 0; j < c->ninputs; j++) {
			if (c->inputs[j].first != in->first)
				continue;
			members++;
			cr_assert_eq(c->inputs[j].width, in->width);
			cr_assert(j == k || c->inputs[j].party != in->party, "%s", in->name);
		}
		bool buyer = strncmp(in->name, "demand[", 7) == 0;
		cr_assert_eq(members, buyer ? 4 : 3, "%s", in->name);
	}
	struct circ_err err;
	cr_assert_eq(circ_validate(c, &err), 0, "%s", err.msg);
	circ_free(c);
}

/* ---- AES-128 against a C implementation (FIPS-197) ---- */

static uint8_t gmul(uint8_t a, uint8_t b)
{
	uint8_t r = 0;
	for (int i = 0; i < 8; i++) {
		if (b & 1)
			r ^= a;
		b >>= 1;
		a = (uint8_t)((a << 1) ^ (a & 0x80 ? 0x1b : 0));
	}
	return r;
}

/* The S-box from its definition: the inverse in GF(2^8), then the affine map. */
static uint8_t sbox_ref(uint8_t x)
{
	uint8_t inv = 0;
	for (int y = 1; y < 256 && x; y++)
		if (gmul(x, (uint8_t)y) == 1)
			inv = (uint8_t)y;
	uint8_t s = 0x63;
	for (int k = 0; k < 5; k++)
		s ^= (uint8_t)(inv << k | inv >> (8 - k));
	return s;
}

static void aes128_ref(const uint8_t key[16], const uint8_t in[16], uint8_t out[16],
		       const uint8_t sb[256])
{
	uint8_t w[176], s[16], t[16], rc = 1;
	memcpy(w, key, 16);
	for (int i = 4; i < 44; i++) {
		uint8_t tmp[4] = {w[4 * i - 4], w[4 * i - 3], w[4 * i - 2], w[4 * i - 1]};
		if (i % 4 == 0) {
			uint8_t t0 = tmp[0];
			tmp[0] = sb[tmp[1]] ^ rc;
			tmp[1] = sb[tmp[2]];
			tmp[2] = sb[tmp[3]];
			tmp[3] = sb[t0];
			rc = gmul(rc, 2);
		}
		for (int j = 0; j < 4; j++)
			w[4 * i + j] = w[4 * i - 16 + j] ^ tmp[j];
	}
	for (int j = 0; j < 16; j++)
		s[j] = in[j] ^ w[j];
	for (int round = 1; round <= 10; round++) {
		for (int r = 0; r < 4; r++)
			for (int c = 0; c < 4; c++)
				t[r + 4 * c] = sb[s[r + 4 * ((c + r) % 4)]];
		for (int c = 0; c < 4 && round < 10; c++) {
			uint8_t *a = t + 4 * c, b[4];
			for (int r = 0; r < 4; r++)
				b[r] = gmul(a[r], 2) ^ gmul(a[(r + 1) % 4], 3) ^ a[(r + 2) % 4] ^
				       a[(r + 3) % 4];
			memcpy(a, b, 4);
		}
		for (int j = 0; j < 16; j++)
			s[j] = t[j] ^ w[16 * round + j];
	}
	memcpy(out, s, 16);
}

Test(programs, aes128_matches_fips197)
{
	uint8_t sb[256];
	for (int x = 0; x < 256; x++)
		sb[x] = sbox_ref((uint8_t)x);
	cr_assert_eq(sb[0x00], 0x63); /* FIPS-197 Figure 7 */
	cr_assert_eq(sb[0x53], 0xed);
	char *dir = programs_dir();
	char path[4200];
	snprintf(path, sizeof(path), "%s/aes128.mpc", dir);
	free(dir);
	struct circ_circuit *c = compile_file(path, NULL, 0);
	cr_assert_eq(c->ninputs, 32);
	cr_assert_eq(c->noutputs, 16);
	uint64_t in[32 * LANES], out[16 * LANES];
	for (int k = 0; k < 32; k++)
		for (int l = 0; l < LANES; l++)
			in[k * LANES + l] = rnd() & 0xff;
	eval_lanes(c, in, out);
	for (int l = 0; l < LANES; l++) {
		uint8_t key[16], blk[16], want[16];
		for (int j = 0; j < 16; j++) {
			key[j] = (uint8_t)in[j * LANES + l];
			blk[j] = (uint8_t)in[(16 + j) * LANES + l];
		}
		aes128_ref(key, blk, want, sb);
		for (int j = 0; j < 16; j++)
			cr_assert_eq(out[j * LANES + l], want[j], "lane %d byte %d", l, j);
	}
	circ_free(c);
}

/* ---- what the programs cost ---- */

/* AND gates of a shipped program compiled with up to three -D values (NULL: none). */
static uint64_t ands_with(const char *name, const char *d0, const char *d1, const char *d2)
{
	char *dir = programs_dir();
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	free(dir);
	const char *given[3] = {d0, d1, d2}, *defs[3];
	int n = 0;
	for (int i = 0; i < 3; i++)
		if (given[i])
			defs[n++] = given[i];
	struct circ_circuit *c = compile_file(path, defs, n);
	uint64_t ands = 0;
	for (uint64_t g = 0; g < c->ngates; g++)
		ands += c->gates[g].kind == GATE_AND;
	circ_free(c);
	return ands;
}

static uint64_t ands_of(const char *name, const char *define)
{
	return ands_with(name, define, NULL, NULL);
}

Test(programs, and_counts)
{
	/* vickrey: 7 comparisons of 32 bits, 7 shared min/max muxes, 6 maxes of 64 (the first,
	 * against 0, folds) and the index muxes: 846 is the best known. The default reserve
	 * (0) folds away. */
	uint64_t v = ands_of("vickrey.mpc", "N=8");
	cr_assert_leq(v, 850, "vickrey N=8: %llu ANDs", (unsigned long long)v);
	uint64_t f = ands_of("first_price.mpc", "N=8");
	cr_assert_leq(f, 470, "first_price N=8: %llu ANDs", (unsigned long long)f);
	/* a reserve costs comparisons with it and the output muxes: vickrey three of 32 bits
	 * and the winner's 4 (N = 8 needs 4 bits), first_price two and 4 */
	const char *reserves[] = {"RESERVE=1", "RESERVE=1000", "RESERVE=4294967295"};
	for (int i = 0; i < 3; i++) {
		uint64_t vr = ands_with("vickrey.mpc", "N=8", reserves[i], NULL);
		cr_assert_leq(vr, v + 3 * 32 + 4, "vickrey N=8 %s: %llu ANDs", reserves[i],
			      (unsigned long long)vr);
		uint64_t fr = ands_with("first_price.mpc", "N=8", reserves[i], NULL);
		cr_assert_leq(fr, f + 2 * 32 + 4, "first_price N=8 %s: %llu ANDs", reserves[i],
			      (unsigned long long)fr);
	}
	/* 200 S-boxes of 32 ANDs */
	uint64_t a = ands_of("aes128.mpc", NULL);
	cr_assert_leq(a, 6400, "aes128: %llu ANDs", (unsigned long long)a);
}

/* With sum groups the sums cost nothing, so the circuits do not depend on the number of
 * parties. The double auction costs per price a comparison (32), the first-to-clear flag
 * (1) and picking the two totals (32 + 32); the issue asks for about P (5w + 2). */
Test(programs, sums_make_circuits_independent_of_the_parties)
{
	uint64_t small = ands_with("double_auction.mpc", "B=1", "S=1", "P=64");
	uint64_t large = ands_with("double_auction.mpc", "B=40", "S=25", "P=64");
	cr_assert_eq(small, large, "double auction: %llu ANDs for 1 + 1 parties, %llu for 40 + 25",
		     (unsigned long long)small, (unsigned long long)large);
	cr_assert_leq(large, 64 * (3 * 32 + 1), "double auction P=64: %llu ANDs",
		      (unsigned long long)large);
	uint64_t a3 = ands_with("average_salary.mpc", "N=3", NULL, NULL);
	uint64_t a200 = ands_with("average_salary.mpc", "N=200", NULL, NULL);
	cr_assert_eq(a3, a200, "average_salary: %llu ANDs for N = 3, %llu for N = 200",
		     (unsigned long long)a3, (unsigned long long)a200);
}
