/* ast.c: building, comparing, walking and printing the syntax tree and its types. */
#include "internal.h"

#include <string.h>

struct ast_expr *ast_new_expr(struct lang_arena *a, enum ast_expr_kind kind, struct lang_loc loc)
{
	struct ast_expr *e = lang_arena_alloc(a, sizeof(*e));
	e->kind = kind;
	e->loc = loc;
	e->oploc = loc;
	e->depth = 1;
	return e;
}

struct ast_stmt *ast_new_stmt(struct lang_arena *a, enum ast_stmt_kind kind, struct lang_loc loc)
{
	struct ast_stmt *s = lang_arena_alloc(a, sizeof(*s));
	s->kind = kind;
	s->loc = loc;
	return s;
}

struct ast_type *ast_new_type(struct lang_arena *a, enum ast_type_kind kind, struct lang_loc loc)
{
	struct ast_type *t = lang_arena_alloc(a, sizeof(*t));
	t->kind = kind;
	t->loc = loc;
	return t;
}

struct ast_decl *ast_new_decl(struct lang_program *p, enum ast_decl_kind kind, const char *name,
			      struct lang_loc loc)
{
	struct ast_decl *d = lang_arena_alloc(p->arena, sizeof(*d));
	d->kind = kind;
	d->id = p->ndecls++;
	d->name = name;
	d->loc = loc;
	return d;
}

const char *ast_op_str(enum ast_op op)
{
	static const char *const names[AST_OP_COUNT] = {
		[AST_OP_NONE] = "=", [AST_OP_ADD] = "+",   [AST_OP_SUB] = "-",  [AST_OP_MUL] = "*",
		[AST_OP_DIV] = "/",  [AST_OP_MOD] = "%",   [AST_OP_AND] = "&",  [AST_OP_OR] = "|",
		[AST_OP_XOR] = "^",  [AST_OP_SHL] = "<<",  [AST_OP_SHR] = ">>", [AST_OP_EQ] = "==",
		[AST_OP_NE] = "!=",  [AST_OP_LT] = "<",    [AST_OP_LE] = "<=",  [AST_OP_GT] = ">",
		[AST_OP_GE] = ">=",  [AST_OP_LAND] = "&&", [AST_OP_LOR] = "||", [AST_OP_NEG] = "-",
		[AST_OP_BNOT] = "~", [AST_OP_LNOT] = "!",
	};
	return (unsigned)op < AST_OP_COUNT && names[op] ? names[op] : "?";
}

const char *ast_decl_kind_str(enum ast_decl_kind k)
{
	switch (k) {
	case AST_D_PARAM:
		return "param";
	case AST_D_CONST:
		return "const";
	case AST_D_PARTY:
		return "party";
	case AST_D_INPUT:
		return "input";
	case AST_D_OUTPUT:
		return "output";
	case AST_D_VAR:
		return "variable";
	case AST_D_FN_PARAM:
		return "parameter";
	case AST_D_LOOP_INDEX:
		return "loop index";
	}
	return "name";
}

/* ---- types ---- */

bool lang_type_equal(const struct lang_type *a, const struct lang_type *b)
{
	for (;;) {
		if (a == b)
			return true;
		if (a == NULL || b == NULL || a->kind != b->kind)
			return false;
		switch (a->kind) {
		case LANG_T_ERROR:
		case LANG_T_INT:
		case LANG_T_BOOL:
			return true;
		case LANG_T_UINT:
		case LANG_T_SINT:
			return a->width == b->width;
		case LANG_T_STRUCT:
			return a->strct == b->strct;
		case LANG_T_ARRAY:
			if (a->len != b->len)
				return false;
			a = a->elem;
			b = b->elem;
			continue;
		case LANG_T_TUPLE:
			if (a->nelems != b->nelems)
				return false;
			for (uint32_t i = 0; i < a->nelems; i++)
				if (!lang_type_equal(a->elems[i], b->elems[i]))
					return false;
			return true;
		}
		return false;
	}
}

bool lang_type_is_int(const struct lang_type *t)
{
	return t != NULL && (t->kind == LANG_T_UINT || t->kind == LANG_T_SINT);
}

bool lang_type_is_scalar(const struct lang_type *t)
{
	return t != NULL && (t->kind == LANG_T_INT || t->kind == LANG_T_BOOL ||
			     t->kind == LANG_T_UINT || t->kind == LANG_T_SINT);
}

/* A bounded string builder. */
struct sbuf {
	char *buf;
	size_t size, len;
};

static void sb_add(struct sbuf *s, const char *fmt, ...) LANG_PRINTF(2, 3);
static void sb_add(struct sbuf *s, const char *fmt, ...)
{
	if (s->len + 1 >= s->size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(s->buf + s->len, s->size - s->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->len = s->len + (size_t)n < s->size ? s->len + (size_t)n : s->size - 1;
}

static void type_str(struct sbuf *s, const struct lang_type *t, unsigned depth)
{
	if (t == NULL) {
		sb_add(s, "?");
		return;
	}
	if (depth > LANG_MAX_DEPTH) {
		sb_add(s, "...");
		return;
	}
	switch (t->kind) {
	case LANG_T_ERROR:
		sb_add(s, "<error>");
		break;
	case LANG_T_INT:
		sb_add(s, "untyped integer");
		break;
	case LANG_T_BOOL:
		sb_add(s, "bool");
		break;
	case LANG_T_UINT:
		sb_add(s, "u%u", t->width);
		break;
	case LANG_T_SINT:
		sb_add(s, "i%u", t->width);
		break;
	case LANG_T_STRUCT:
		sb_add(s, "%s", t->strct ? t->strct->name : "?");
		break;
	case LANG_T_ARRAY:
		sb_add(s, "[");
		type_str(s, t->elem, depth + 1);
		sb_add(s, "; %llu]", (unsigned long long)t->len);
		break;
	case LANG_T_TUPLE:
		sb_add(s, "(");
		for (uint32_t i = 0; i < t->nelems; i++) {
			if (i > 0)
				sb_add(s, ", ");
			type_str(s, t->elems[i], depth + 1);
		}
		sb_add(s, ")");
		break;
	}
}

char *lang_type_format(const struct lang_type *t, char *buf, size_t size)
{
	struct sbuf s = {buf, size, 0};
	if (size == 0)
		return buf;
	buf[0] = '\0';
	type_str(&s, t, 0);
	return buf;
}

/* ---- children and walking ---- */

uint32_t ast_expr_children(const struct ast_expr *e, struct ast_expr **out, uint32_t max)
{
	struct ast_expr *tmp[3];
	struct ast_expr **list = tmp;
	uint32_t n = 0;
	switch (e->kind) {
	case AST_E_UNARY:
	case AST_E_CAST:
	case AST_E_FIELD:
		tmp[n++] = e->a;
		break;
	case AST_E_BINARY:
	case AST_E_INDEX:
	case AST_E_REPEAT:
		tmp[n++] = e->a;
		tmp[n++] = e->b;
		break;
	case AST_E_COND:
		tmp[n++] = e->a;
		tmp[n++] = e->b;
		tmp[n++] = e->c;
		break;
	case AST_E_CALL:
	case AST_E_BUILTIN:
	case AST_E_ARRAY:
	case AST_E_STRUCT:
	case AST_E_TUPLE:
		list = e->args;
		n = e->nargs;
		break;
	default:
		break;
	}
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++)
		if (list[i] != NULL) {
			if (k < max)
				out[k] = list[i];
			k++;
		}
	return k;
}

void ast_walk_expr(const struct ast_expr *e, const struct ast_visitor *v)
{
	if (e == NULL)
		return;
	if (v->expr != NULL && !v->expr(v->ctx, e))
		return;
	struct ast_expr *few[3];
	uint32_t n = ast_expr_children(e, few, 3);
	if (n <= 3) {
		for (uint32_t i = 0; i < n; i++)
			ast_walk_expr(few[i], v);
		return;
	}
	for (uint32_t i = 0; i < e->nargs; i++)
		ast_walk_expr(e->args[i], v);
}

void ast_walk_stmt(const struct ast_stmt *s, const struct ast_visitor *v)
{
	if (s == NULL)
		return;
	if (v->stmt != NULL && !v->stmt(v->ctx, s))
		return;
	switch (s->kind) {
	case AST_S_VAR:
		ast_walk_expr(s->decl->init, v);
		break;
	case AST_S_ASSIGN:
		ast_walk_expr(s->target, v);
		ast_walk_expr(s->value, v);
		break;
	case AST_S_MULTI:
		for (uint32_t i = 0; i < s->ntargets; i++)
			ast_walk_expr(s->targets[i], v);
		ast_walk_expr(s->value, v);
		break;
	case AST_S_IF:
		ast_walk_expr(s->cond, v);
		ast_walk_block(s->then, v);
		ast_walk_block(s->els, v);
		break;
	case AST_S_FOR:
		ast_walk_expr(s->from, v);
		ast_walk_expr(s->to, v);
		ast_walk_block(s->body, v);
		break;
	case AST_S_RETURN:
		ast_walk_expr(s->value, v);
		break;
	case AST_S_BLOCK:
		ast_walk_block(s->body, v);
		break;
	case AST_S_ERROR:
		break;
	}
}

void ast_walk_block(const struct ast_block *b, const struct ast_visitor *v)
{
	if (b == NULL)
		return;
	for (uint32_t i = 0; i < b->n; i++)
		ast_walk_stmt(b->stmts[i], v);
}

/* ---- dump ---- */

static const char *phase_str(enum lang_phase p)
{
	static const char *const names[] = {"const", "loop", "public", "secret"};
	return (unsigned)p < ARRAY_LEN(names) ? names[p] : "?";
}

static const char *expr_kind_str(enum ast_expr_kind k)
{
	static const char *const names[] = {
		"error", "int",  "bool",  "name", "unary",  "binary", "cond",   "cast",
		"index", "field", "call", "builtin", "array", "repeat", "struct", "tuple",
	};
	return (unsigned)k < ARRAY_LEN(names) ? names[k] : "?";
}

static const char *builtin_str(enum ast_builtin b)
{
	static const char *const names[] = {"min", "max", "mux", "popcount"};
	return (unsigned)b < ARRAY_LEN(names) ? names[b] : "?";
}

static void dump_expr(const struct ast_expr *e, FILE *f, int indent)
{
	char tb[128], vb[64];
	if (e == NULL)
		return;
	fprintf(f, "%*s%s", indent, "", expr_kind_str(e->kind));
	switch (e->kind) {
	case AST_E_NAME:
	case AST_E_CALL:
	case AST_E_STRUCT:
		fprintf(f, " %s", e->name);
		break;
	case AST_E_FIELD:
		fprintf(f, " .%s", e->name);
		break;
	case AST_E_UNARY:
	case AST_E_BINARY:
		fprintf(f, " %s", ast_op_str(e->op));
		break;
	case AST_E_BUILTIN:
		fprintf(f, " %s", builtin_str(e->builtin));
		break;
	default:
		break;
	}
	fprintf(f, " : %s %s", lang_type_format(e->type, tb, sizeof(tb)), phase_str(e->phase));
	if (e->phase == LANG_CONST && e->value.n > 0)
		fprintf(f, " = %s", lang_int_format(&e->value, vb, sizeof(vb)));
	fputc('\n', f);
	struct ast_expr *few[3];
	uint32_t n = ast_expr_children(e, few, 3);
	for (uint32_t i = 0; i < n; i++)
		dump_expr(n <= 3 ? few[i] : e->args[i], f, indent + 2);
}

static void dump_block(const struct ast_block *b, FILE *f, int indent);

static void dump_decl_line(const struct ast_decl *d, FILE *f)
{
	char tb[128];
	fprintf(f, "%s %s: %s (id %u, %s)\n", ast_decl_kind_str(d->kind), d->name,
		lang_type_format(d->type, tb, sizeof(tb)), d->id, phase_str(d->phase));
}

static void dump_stmt(const struct ast_stmt *s, FILE *f, int indent)
{
	fprintf(f, "%*s", indent, "");
	switch (s->kind) {
	case AST_S_ERROR:
		fprintf(f, "error\n");
		break;
	case AST_S_VAR:
		dump_decl_line(s->decl, f);
		dump_expr(s->decl->init, f, indent + 2);
		break;
	case AST_S_ASSIGN:
		fprintf(f, "assign %s=\n", s->op == AST_OP_NONE ? "" : ast_op_str(s->op));
		dump_expr(s->target, f, indent + 2);
		dump_expr(s->value, f, indent + 2);
		break;
	case AST_S_MULTI:
		fprintf(f, "%s\n", s->declares ? "var multi" : "assign multi");
		for (uint32_t i = 0; i < s->ntargets; i++)
			dump_expr(s->targets[i], f, indent + 2);
		dump_expr(s->value, f, indent + 2);
		break;
	case AST_S_IF:
		fprintf(f, "if\n");
		dump_expr(s->cond, f, indent + 2);
		dump_block(s->then, f, indent + 2);
		if (s->els != NULL) {
			fprintf(f, "%*selse\n", indent, "");
			dump_block(s->els, f, indent + 2);
		}
		break;
	case AST_S_FOR:
		fprintf(f, "for %s", s->decl->name);
		if (s->count_known)
			fprintf(f, " (%llu times)", (unsigned long long)s->count);
		fputc('\n', f);
		dump_expr(s->from, f, indent + 2);
		dump_expr(s->to, f, indent + 2);
		dump_block(s->body, f, indent + 2);
		break;
	case AST_S_RETURN:
		fprintf(f, "return\n");
		dump_expr(s->value, f, indent + 2);
		break;
	case AST_S_BLOCK:
		fprintf(f, "block\n");
		dump_block(s->body, f, indent + 2);
		break;
	}
}

static void dump_block(const struct ast_block *b, FILE *f, int indent)
{
	if (b == NULL)
		return;
	for (uint32_t i = 0; i < b->n; i++)
		dump_stmt(b->stmts[i], f, indent);
}

void lang_dump(const struct lang_program *p, FILE *f)
{
	char vb[64], tb[128];
	for (uint32_t i = 0; i < p->nparams; i++) {
		const struct ast_decl *d = p->params[i];
		fprintf(f, "param %s = %s%s\n", d->name, lang_int_format(&d->value, vb, sizeof(vb)),
			d->overridden ? " (from -D)" : "");
	}
	for (uint32_t i = 0; i < p->nconsts; i++) {
		dump_decl_line(p->consts[i], f);
		dump_expr(p->consts[i]->init, f, 2);
	}
	for (uint32_t i = 0; i < p->nparties; i++) {
		const struct ast_decl *d = p->parties[i];
		if (d->len > 0)
			fprintf(f, "party %s[%llu] (parties %u..%llu)\n", d->name,
				(unsigned long long)d->len, d->first,
				(unsigned long long)(d->first + d->len - 1));
		else
			fprintf(f, "party %s (party %u)\n", d->name, d->first);
	}
	for (uint32_t i = 0; i < p->ninputs; i++) {
		const struct ast_decl *d = p->inputs[i];
		fprintf(f, "input %s: %s from %s%s (party %u, id %u)\n", d->name,
			lang_type_format(d->type, tb, sizeof(tb)), d->party ? d->party->name : "?",
			d->per_party ? " (one each)" : "", d->slot, d->id);
	}
	for (uint32_t i = 0; i < p->noutputs; i++) {
		const struct ast_decl *d = p->outputs[i];
		fprintf(f, "output %s: %s to %s%s (party %d, id %u)\n", d->name,
			lang_type_format(d->type, tb, sizeof(tb)),
			d->to_all ? "all" : d->party ? d->party->name : "?",
			d->per_party ? " (one each)" : "", d->to_all ? -1 : (int)d->slot, d->id);
	}
	for (uint32_t i = 0; i < p->nstructs; i++) {
		const struct ast_struct *s = p->structs[i];
		fprintf(f, "struct %s\n", s->name);
		for (uint32_t k = 0; k < s->nfields; k++)
			fprintf(f, "  %s: %s @%llu\n", s->fields[k].name,
				lang_type_format(s->fields[k].type, tb, sizeof(tb)),
				(unsigned long long)s->fields[k].offset);
	}
	for (uint32_t i = 0; i < p->nfns; i++) {
		const struct ast_fn *fn = p->fns[i];
		fprintf(f, "fn %s -> %s (returns %s)\n", fn->name,
			lang_type_format(fn->ret, tb, sizeof(tb)), phase_str(fn->ret_phase));
		for (uint32_t k = 0; k < fn->nparams; k++) {
			fprintf(f, "  ");
			dump_decl_line(fn->params[k], f);
		}
		dump_block(fn->body, f, 2);
	}
	fprintf(f, "main\n");
	dump_block(p->main, f, 2);
}
