/* parser.y: the .mpc grammar. Builds the tree of lang.h in the arena; declarations go to the
 * program's lists, top-level statements to its main block. Recovers from syntax errors at ';'
 * and at a block's '}', so one run reports several. Operator precedence is C's, with `as`
 * binding tighter than the binary operators and looser than the unary ones (as in Rust). */
%define api.pure full
%define api.prefix {lang_yy}
%define api.location.type {struct lang_loc}
%define parse.error detailed
%locations
%param {yyscan_t scanner}
%parse-param {struct lang_parser *ps}

%code requires {
#include "internal.h"
typedef void *yyscan_t;
}

%code provides {
int lang_yylex(LANG_YYSTYPE *yylval, LANG_YYLTYPE *yylloc, yyscan_t scanner);
}

%code {
#include <string.h>

#define YYLLOC_DEFAULT(cur, rhs, n)                                                 \
	do {                                                                        \
		if (n) {                                                            \
			(cur) = YYRHSLOC(rhs, 1);                                   \
			(cur).end_line = YYRHSLOC(rhs, n).end_line;                 \
			(cur).end_col = YYRHSLOC(rhs, n).end_col;                   \
		} else {                                                            \
			(cur) = YYRHSLOC(rhs, 0);                                   \
			(cur).line = (cur).end_line;                                \
			(cur).col = (cur).end_col;                                  \
		}                                                                   \
	} while (0)

static void lang_yyerror(struct lang_loc *loc, yyscan_t scanner, struct lang_parser *ps,
			 const char *msg)
{
	(void)scanner;
	if (strcmp(msg, "memory exhausted") == 0) /* bison's stack reached YYMAXDEPTH */
		msg = "the program is nested too deeply";
	diag_error(ps->diags, *loc, "%s", msg);
}

/* The nesting limit: a node deeper than LANG_MAX_DEPTH is reported once per run. */
static uint32_t nest(struct lang_parser *ps, struct lang_loc loc, uint32_t depth)
{
	if (depth > LANG_MAX_DEPTH && !ps->too_deep) {
		diag_error(ps->diags, loc, "expression is nested too deeply (more than %d levels)",
			   LANG_MAX_DEPTH);
		ps->too_deep = true;
	}
	return depth;
}

static uint32_t max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

static struct ast_expr *unary(struct lang_parser *ps, struct lang_loc loc, enum ast_op op,
			      struct ast_expr *a)
{
	struct ast_expr *e = ast_new_expr(ps->arena, AST_E_UNARY, loc);
	e->op = op;
	e->a = a;
	e->oploc = loc;
	e->oploc.end_line = loc.line;
	e->oploc.end_col = loc.col;
	if (op == AST_OP_NEG && a->kind == AST_E_INT) {
		a->negated_literal = true;
		a->loc.line = loc.line; /* "literal -1 does not fit" points at the '-' */
		a->loc.col = loc.col;
	}
	e->depth = nest(ps, loc, a->depth + 1);
	return e;
}

static struct ast_expr *binary(struct lang_parser *ps, struct lang_loc loc, struct lang_loc oploc,
			       enum ast_op op, struct ast_expr *a, struct ast_expr *b)
{
	struct ast_expr *e = ast_new_expr(ps->arena, AST_E_BINARY, loc);
	e->op = op;
	e->a = a;
	e->b = b;
	e->oploc = oploc;
	e->depth = nest(ps, loc, max_u32(a->depth, b->depth) + 1);
	return e;
}

/* The arguments of a call, array or tuple: the list's items and the deepest one. */
static void set_args(struct lang_parser *ps, struct ast_expr *e, struct lang_vec *v)
{
	uint32_t depth = 0;
	e->nargs = v ? v->n : 0;
	e->args = v ? (struct ast_expr **)v->items : NULL;
	for (uint32_t i = 0; i < e->nargs; i++)
		depth = max_u32(depth, e->args[i]->depth);
	e->depth = nest(ps, e->loc, depth + 1);
}

static struct lang_vec *vec1(struct lang_parser *ps, void *item)
{
	struct lang_vec *v = lang_arena_alloc(ps->arena, sizeof(*v));
	lang_vec_push(ps->arena, v, item);
	return v;
}

static struct lang_vec *vec_add(struct lang_parser *ps, struct lang_vec *v, void *item)
{
	lang_vec_push(ps->arena, v, item);
	return v;
}

static struct ast_block *block(struct lang_parser *ps, struct lang_loc loc, struct lang_vec *v)
{
	struct ast_block *b = lang_arena_alloc(ps->arena, sizeof(*b));
	b->loc = loc;
	b->n = v ? v->n : 0;
	b->stmts = v ? (struct ast_stmt **)v->items : NULL;
	return b;
}

static struct ast_type *array_type(struct lang_parser *ps, struct lang_loc loc,
				   struct ast_type *elem, struct ast_expr *len)
{
	struct ast_type *t = ast_new_type(ps->arena, AST_T_ARRAY, loc);
	t->elem = elem;
	t->len = len;
	t->depth = nest(ps, loc, max_u32(elem->depth, len->depth) + 1);
	return t;
}

static struct ast_expr *bool_literal(struct lang_parser *ps, struct lang_loc loc, bool v)
{
	struct ast_expr *e = ast_new_expr(ps->arena, AST_E_BOOL, loc);
	struct lang_int t = {0};
	if (lang_int_set_i64(&t, v) != 0)
		lang_arena_oom(ps->arena);
	e->value = lang_arena_int(ps->arena, &t);
	lang_int_free(&t);
	return e;
}

static struct ast_decl *decl(struct lang_parser *ps, enum ast_decl_kind kind, const char *name,
			     struct lang_loc loc)
{
	return ast_new_decl(ps->prog, kind, name, loc);
}

/* The party part of `input x: T from p[i];` / `output y: T to p;`. */
struct party_ref {
	const char *name;
	struct lang_loc loc;
	struct ast_expr *index;
	bool all;
};

static struct party_ref *party_ref(struct lang_parser *ps, const char *name, struct lang_loc loc,
				   struct ast_expr *index, bool all)
{
	struct party_ref *r = lang_arena_alloc(ps->arena, sizeof(*r));
	r->name = name;
	r->loc = loc;
	r->index = index;
	r->all = all;
	return r;
}

/* input / output: the party's name is kept in the decl's party_index slot's sibling fields
 * until the checker resolves it: decl->party stays NULL, the name goes in a dummy party decl. */
static struct ast_decl *io_decl(struct lang_parser *ps, enum ast_decl_kind kind, const char *name,
				struct lang_loc loc, struct ast_type *type, struct party_ref *r)
{
	struct ast_decl *d = decl(ps, kind, name, loc);
	d->tyexpr = type;
	d->to_all = r->all;
	d->party_index = r->index;
	if (!r->all) {
		/* a placeholder naming the party; the checker replaces it with the real one */
		struct ast_decl *p = lang_arena_alloc(ps->arena, sizeof(*p));
		p->kind = AST_D_PARTY;
		p->name = r->name;
		p->loc = r->loc;
		p->state = -1;
		d->party = p;
	}
	return d;
}
}

%union {
	const char *str;
	uint64_t width;
	enum ast_op op;
	struct ast_expr *expr;
	struct ast_stmt *stmt;
	struct ast_block *block;
	struct ast_type *type;
	struct ast_decl *decl;
	struct lang_vec *vec;
	struct party_ref *pref;
	struct ast_field *field;
}

%token <str> IDENT "identifier"
%token <str> STRUCT_NAME "struct literal"
%token <expr> INT "integer"
%token <width> UINT_T "type uN"
%token <width> SINT_T "type iN"
%token <op> OP_ASSIGN "compound assignment"
%token PARAM "'param'" PARTY "'party'" INPUT "'input'" OUTPUT "'output'" FROM "'from'" TO "'to'" ALL "'all'"
%token CONST "'const'" VAR "'var'" FN "'fn'" FOR "'for'" IN "'in'" IF "'if'" ELSE "'else'"
%token RETURN "'return'" STRUCT "'struct'" AS "'as'" TRUE "'true'" FALSE "'false'" BOOL "'bool'"
%token ARROW "'->'" DOTDOT "'..'" EQ "'=='" NE "'!='" LE "'<='" GE "'>='" SHL "'<<'" SHR "'>>'"
%token ANDAND "'&&'" OROR "'||'"

%type <expr> expr postfix primary lvalue
%type <stmt> stmt if_stmt
%type <block> block
%type <type> type opt_type
%type <vec> stmts args expr_list field_inits lvalue_list ident_list type_list fn_params
%type <vec> fields party_list fn_param_list
%type <decl> fn_param party_one
%type <pref> party_ref
%type <field> field
%type <str> any_ident

%right '?' ':'
%left OROR
%left ANDAND
%left '|'
%left '^'
%left '&'
%left EQ NE
%left '<' LE '>' GE
%left SHL SHR
%left '+' '-'
%left '*' '/' '%'
%precedence AS
%precedence UNARY

%%

program
	: %empty
	| program item
	;

item
	: PARAM IDENT opt_type '=' expr ';' {
		struct ast_decl *d = decl(ps, AST_D_PARAM, $2, @2);
		d->tyexpr = $3;
		d->init = $5;
		lang_vec_push(ps->arena, &ps->params, d);
	}
	| CONST IDENT opt_type '=' expr ';' {
		struct ast_decl *d = decl(ps, AST_D_CONST, $2, @2);
		d->tyexpr = $3;
		d->init = $5;
		lang_vec_push(ps->arena, &ps->consts, d);
	}
	| PARTY party_list ';' {
		for (uint32_t i = 0; i < $2->n; i++)
			lang_vec_push(ps->arena, &ps->parties, $2->items[i]);
	}
	| INPUT IDENT ':' type FROM party_ref ';' {
		lang_vec_push(ps->arena, &ps->inputs, io_decl(ps, AST_D_INPUT, $2, @2, $4, $6));
	}
	| OUTPUT IDENT ':' type TO party_ref ';' {
		lang_vec_push(ps->arena, &ps->outputs, io_decl(ps, AST_D_OUTPUT, $2, @2, $4, $6));
	}
	| STRUCT any_ident '{' fields opt_comma '}' {
		struct ast_struct *s = lang_arena_alloc(ps->arena, sizeof(*s));
		s->name = $2;
		s->loc = @2;
		s->nfields = $4->n;
		s->fields = lang_arena_alloc(ps->arena, sizeof(struct ast_field) * $4->n);
		for (uint32_t i = 0; i < $4->n; i++)
			s->fields[i] = *(struct ast_field *)$4->items[i];
		lang_vec_push(ps->arena, &ps->structs, s);
	}
	| FN IDENT '(' fn_params ')' ARROW type block {
		struct ast_fn *f = lang_arena_alloc(ps->arena, sizeof(*f));
		f->name = $2;
		f->loc = @2;
		f->nparams = $4 ? $4->n : 0;
		f->params = $4 ? (struct ast_decl **)$4->items : NULL;
		for (uint32_t i = 0; i < f->nparams; i++)
			f->params[i]->fn = f;
		f->ret_tyexpr = $7;
		f->body = $8;
		lang_vec_push(ps->arena, &ps->fns, f);
	}
	| FN IDENT '(' fn_params ')' block {
		struct ast_fn *f = lang_arena_alloc(ps->arena, sizeof(*f));
		f->name = $2;
		f->loc = @2;
		f->nparams = $4 ? $4->n : 0;
		f->params = $4 ? (struct ast_decl **)$4->items : NULL;
		for (uint32_t i = 0; i < f->nparams; i++)
			f->params[i]->fn = f;
		f->body = $6;
		lang_vec_push(ps->arena, &ps->fns, f);
	}
	| stmt { lang_vec_push(ps->arena, &ps->main, $1); }
	;

any_ident
	: IDENT
	| STRUCT_NAME
	;

opt_type
	: %empty { $$ = NULL; }
	| ':' type { $$ = $2; }
	;

opt_comma
	: %empty
	| ','
	;

party_list
	: party_one { $$ = vec1(ps, $1); }
	| party_list ',' party_one { $$ = vec_add(ps, $1, $3); }
	;

party_one
	: IDENT { $$ = decl(ps, AST_D_PARTY, $1, @1); }
	| IDENT '[' expr ']' {
		$$ = decl(ps, AST_D_PARTY, $1, @1);
		$$->init = $3; /* the array length, until the checker evaluates it */
	}
	;

party_ref
	: IDENT { $$ = party_ref(ps, $1, @1, NULL, false); }
	| IDENT '[' expr ']' { $$ = party_ref(ps, $1, @1, $3, false); }
	| ALL { $$ = party_ref(ps, "all", @1, NULL, true); }
	;

fields
	: field { $$ = vec1(ps, $1); }
	| fields ',' field { $$ = vec_add(ps, $1, $3); }
	;

field
	: IDENT ':' type {
		$$ = lang_arena_alloc(ps->arena, sizeof(*$$));
		$$->name = $1;
		$$->loc = @1;
		$$->tyexpr = $3;
	}
	;

fn_params
	: %empty { $$ = NULL; }
	| fn_param_list opt_comma { $$ = $1; }
	;

fn_param_list
	: fn_param { $$ = vec1(ps, $1); }
	| fn_param_list ',' fn_param { $$ = vec_add(ps, $1, $3); }
	;

fn_param
	: IDENT ':' type {
		$$ = decl(ps, AST_D_FN_PARAM, $1, @1);
		$$->tyexpr = $3;
	}
	;

type
	: BOOL { $$ = ast_new_type(ps->arena, AST_T_BOOL, @1); $$->depth = 1; }
	| UINT_T { $$ = ast_new_type(ps->arena, AST_T_UINT, @1); $$->width = $1; $$->depth = 1; }
	| SINT_T { $$ = ast_new_type(ps->arena, AST_T_SINT, @1); $$->width = $1; $$->depth = 1; }
	| any_ident { $$ = ast_new_type(ps->arena, AST_T_NAME, @1); $$->name = $1; $$->depth = 1; }
	| '[' type ';' expr ']' { $$ = array_type(ps, @$, $2, $4); }
	| '(' type ',' type_list ')' {
		$$ = ast_new_type(ps->arena, AST_T_TUPLE, @$);
		lang_vec_push(ps->arena, $4, NULL);
		memmove($4->items + 1, $4->items, sizeof(void *) * ($4->n - 1));
		$4->items[0] = $2;
		$$->nelems = $4->n;
		$$->elems = (struct ast_type **)$4->items;
		uint32_t depth = 0;
		for (uint32_t i = 0; i < $$->nelems; i++)
			depth = max_u32(depth, $$->elems[i]->depth);
		$$->depth = nest(ps, @$, depth + 1);
	}
	;

type_list
	: type { $$ = vec1(ps, $1); }
	| type_list ',' type { $$ = vec_add(ps, $1, $3); }
	;

block
	: '{' stmts '}' { $$ = block(ps, @$, $2); }
	| '{' stmts error '}' { $$ = block(ps, @$, $2); }
	;

stmts
	: %empty { $$ = NULL; }
	| stmts stmt { $$ = $1 ? vec_add(ps, $1, $2) : vec1(ps, $2); }
	;

stmt
	: VAR IDENT opt_type ';' {
		$$ = ast_new_stmt(ps->arena, AST_S_VAR, @$);
		$$->decl = decl(ps, AST_D_VAR, $2, @2);
		$$->decl->tyexpr = $3;
	}
	| VAR IDENT opt_type '=' expr ';' {
		$$ = ast_new_stmt(ps->arena, AST_S_VAR, @$);
		$$->decl = decl(ps, AST_D_VAR, $2, @2);
		$$->decl->tyexpr = $3;
		$$->decl->init = $5;
	}
	| VAR '(' ident_list ')' '=' expr ';' {
		$$ = ast_new_stmt(ps->arena, AST_S_MULTI, @$);
		$$->declares = true;
		$$->ntargets = $3->n;
		$$->targets = (struct ast_expr **)$3->items;
		$$->value = $6;
	}
	| lvalue '=' expr ';' {
		$$ = ast_new_stmt(ps->arena, AST_S_ASSIGN, @$);
		$$->target = $1;
		$$->op = AST_OP_NONE;
		$$->value = $3;
	}
	| lvalue OP_ASSIGN expr ';' {
		$$ = ast_new_stmt(ps->arena, AST_S_ASSIGN, @$);
		$$->target = $1;
		$$->op = $2;
		$$->value = $3;
	}
	| '(' lvalue ',' lvalue_list ')' '=' expr ';' {
		$$ = ast_new_stmt(ps->arena, AST_S_MULTI, @$);
		lang_vec_push(ps->arena, $4, NULL);
		memmove($4->items + 1, $4->items, sizeof(void *) * ($4->n - 1));
		$4->items[0] = $2;
		$$->ntargets = $4->n;
		$$->targets = (struct ast_expr **)$4->items;
		$$->value = $7;
	}
	| if_stmt
	| FOR IDENT IN expr DOTDOT expr block {
		$$ = ast_new_stmt(ps->arena, AST_S_FOR, @$);
		$$->decl = decl(ps, AST_D_LOOP_INDEX, $2, @2);
		$$->decl->loop = $$;
		$$->from = $4;
		$$->to = $6;
		$$->body = $7;
	}
	| RETURN expr ';' {
		$$ = ast_new_stmt(ps->arena, AST_S_RETURN, @$);
		$$->value = $2;
	}
	| RETURN ';' { $$ = ast_new_stmt(ps->arena, AST_S_RETURN, @$); }
	| block {
		$$ = ast_new_stmt(ps->arena, AST_S_BLOCK, @$);
		$$->body = $1;
	}
	| error ';' { $$ = ast_new_stmt(ps->arena, AST_S_ERROR, @$); }
	;

if_stmt
	: IF expr block {
		$$ = ast_new_stmt(ps->arena, AST_S_IF, @$);
		$$->cond = $2;
		$$->then = $3;
	}
	| IF expr block ELSE block {
		$$ = ast_new_stmt(ps->arena, AST_S_IF, @$);
		$$->cond = $2;
		$$->then = $3;
		$$->els = $5;
	}
	| IF expr block ELSE if_stmt {
		$$ = ast_new_stmt(ps->arena, AST_S_IF, @$);
		$$->cond = $2;
		$$->then = $3;
		$$->els = block(ps, @5, vec1(ps, $5));
	}
	;

ident_list
	: IDENT {
		struct ast_expr *e = ast_new_expr(ps->arena, AST_E_NAME, @1);
		e->name = $1;
		e->decl = decl(ps, AST_D_VAR, $1, @1);
		$$ = vec1(ps, e);
	}
	| ident_list ',' IDENT {
		struct ast_expr *e = ast_new_expr(ps->arena, AST_E_NAME, @3);
		e->name = $3;
		e->decl = decl(ps, AST_D_VAR, $3, @3);
		$$ = vec_add(ps, $1, e);
	}
	;

lvalue
	: IDENT {
		$$ = ast_new_expr(ps->arena, AST_E_NAME, @1);
		$$->name = $1;
	}
	| lvalue '[' expr ']' {
		$$ = ast_new_expr(ps->arena, AST_E_INDEX, @$);
		$$->a = $1;
		$$->b = $3;
		$$->oploc = @2;
		$$->depth = nest(ps, @$, max_u32($1->depth, $3->depth) + 1);
	}
	| lvalue '.' any_ident {
		$$ = ast_new_expr(ps->arena, AST_E_FIELD, @$);
		$$->a = $1;
		$$->name = $3;
		$$->oploc = @2;
		$$->depth = nest(ps, @$, $1->depth + 1);
	}
	;

lvalue_list
	: lvalue { $$ = vec1(ps, $1); }
	| lvalue_list ',' lvalue { $$ = vec_add(ps, $1, $3); }
	;

expr
	: expr OROR expr { $$ = binary(ps, @$, @2, AST_OP_LOR, $1, $3); }
	| expr ANDAND expr { $$ = binary(ps, @$, @2, AST_OP_LAND, $1, $3); }
	| expr '|' expr { $$ = binary(ps, @$, @2, AST_OP_OR, $1, $3); }
	| expr '^' expr { $$ = binary(ps, @$, @2, AST_OP_XOR, $1, $3); }
	| expr '&' expr { $$ = binary(ps, @$, @2, AST_OP_AND, $1, $3); }
	| expr EQ expr { $$ = binary(ps, @$, @2, AST_OP_EQ, $1, $3); }
	| expr NE expr { $$ = binary(ps, @$, @2, AST_OP_NE, $1, $3); }
	| expr '<' expr { $$ = binary(ps, @$, @2, AST_OP_LT, $1, $3); }
	| expr LE expr { $$ = binary(ps, @$, @2, AST_OP_LE, $1, $3); }
	| expr '>' expr { $$ = binary(ps, @$, @2, AST_OP_GT, $1, $3); }
	| expr GE expr { $$ = binary(ps, @$, @2, AST_OP_GE, $1, $3); }
	| expr SHL expr { $$ = binary(ps, @$, @2, AST_OP_SHL, $1, $3); }
	| expr SHR expr { $$ = binary(ps, @$, @2, AST_OP_SHR, $1, $3); }
	| expr '+' expr { $$ = binary(ps, @$, @2, AST_OP_ADD, $1, $3); }
	| expr '-' expr { $$ = binary(ps, @$, @2, AST_OP_SUB, $1, $3); }
	| expr '*' expr { $$ = binary(ps, @$, @2, AST_OP_MUL, $1, $3); }
	| expr '/' expr { $$ = binary(ps, @$, @2, AST_OP_DIV, $1, $3); }
	| expr '%' expr { $$ = binary(ps, @$, @2, AST_OP_MOD, $1, $3); }
	| expr '?' expr ':' expr {
		$$ = ast_new_expr(ps->arena, AST_E_COND, @$);
		$$->a = $1;
		$$->b = $3;
		$$->c = $5;
		$$->oploc = @2;
		$$->depth = nest(ps, @$, max_u32(max_u32($1->depth, $3->depth), $5->depth) + 1);
	}
	| '-' expr %prec UNARY { $$ = unary(ps, @$, AST_OP_NEG, $2); }
	| '~' expr %prec UNARY { $$ = unary(ps, @$, AST_OP_BNOT, $2); }
	| '!' expr %prec UNARY { $$ = unary(ps, @$, AST_OP_LNOT, $2); }
	| expr AS type {
		$$ = ast_new_expr(ps->arena, AST_E_CAST, @$);
		$$->a = $1;
		$$->tyexpr = $3;
		$$->oploc = @2;
		$$->depth = nest(ps, @$, max_u32($1->depth, $3->depth) + 1);
	}
	| postfix
	;

postfix
	: primary
	| postfix '[' expr ']' {
		$$ = ast_new_expr(ps->arena, AST_E_INDEX, @$);
		$$->a = $1;
		$$->b = $3;
		$$->oploc = @2;
		$$->depth = nest(ps, @$, max_u32($1->depth, $3->depth) + 1);
	}
	| postfix '.' any_ident {
		$$ = ast_new_expr(ps->arena, AST_E_FIELD, @$);
		$$->a = $1;
		$$->name = $3;
		$$->oploc = @2;
		$$->depth = nest(ps, @$, $1->depth + 1);
	}
	;

primary
	: INT
	| TRUE { $$ = bool_literal(ps, @1, true); }
	| FALSE { $$ = bool_literal(ps, @1, false); }
	| IDENT {
		$$ = ast_new_expr(ps->arena, AST_E_NAME, @1);
		$$->name = $1;
	}
	| IDENT '(' args ')' {
		$$ = ast_new_expr(ps->arena, AST_E_CALL, @$);
		$$->name = $1;
		$$->oploc = @1;
		set_args(ps, $$, $3);
	}
	| STRUCT_NAME '{' field_inits opt_comma '}' {
		$$ = ast_new_expr(ps->arena, AST_E_STRUCT, @$);
		$$->name = $1;
		$$->oploc = @1;
		/* field_inits alternates name (as a NAME node) and value */
		struct lang_vec *v = $3;
		struct lang_vec vals = {0};
		$$->arg_names = lang_arena_alloc(ps->arena, sizeof(char *) * (v->n / 2));
		for (uint32_t i = 0; i + 1 < v->n; i += 2) {
			$$->arg_names[i / 2] = ((struct ast_expr *)v->items[i])->name;
			lang_vec_push(ps->arena, &vals, v->items[i + 1]);
		}
		set_args(ps, $$, &vals);
	}
	| '[' expr_list opt_comma ']' {
		$$ = ast_new_expr(ps->arena, AST_E_ARRAY, @$);
		set_args(ps, $$, $2);
	}
	| '[' expr ';' expr ']' {
		$$ = ast_new_expr(ps->arena, AST_E_REPEAT, @$);
		$$->a = $2;
		$$->b = $4;
		$$->depth = nest(ps, @$, max_u32($2->depth, $4->depth) + 1);
	}
	| '(' expr ')' { $$ = $2; }
	| '(' expr ',' expr_list opt_comma ')' {
		$$ = ast_new_expr(ps->arena, AST_E_TUPLE, @$);
		lang_vec_push(ps->arena, $4, NULL);
		memmove($4->items + 1, $4->items, sizeof(void *) * ($4->n - 1));
		$4->items[0] = $2;
		set_args(ps, $$, $4);
	}
	;

args
	: %empty { $$ = NULL; }
	| expr_list opt_comma { $$ = $1; }
	;

expr_list
	: expr { $$ = vec1(ps, $1); }
	| expr_list ',' expr { $$ = vec_add(ps, $1, $3); }
	;

field_inits
	: any_ident ':' expr {
		struct ast_expr *n = ast_new_expr(ps->arena, AST_E_NAME, @1);
		n->name = $1;
		$$ = vec_add(ps, vec1(ps, n), $3);
	}
	| field_inits ',' any_ident ':' expr {
		struct ast_expr *n = ast_new_expr(ps->arena, AST_E_NAME, @3);
		n->name = $3;
		$$ = vec_add(ps, vec_add(ps, $1, n), $5);
	}
	;

%%

#define YYSTYPE LANG_YYSTYPE
#define YYLTYPE LANG_YYLTYPE
#include "lexer.h"

static void **vec_items(struct lang_vec *v)
{
	return v->n > 0 ? v->items : NULL;
}

/* Runs the scanner and parser, then moves the collected declarations into the program. */
void lang_parse_source(struct lang_parser *ps)
{
	yyscan_t scanner;
	if (lang_yylex_init_extra(ps, &scanner) != 0)
		lang_arena_oom(ps->arena);
	YY_BUFFER_STATE buf = lang_yy_scan_bytes(ps->src, (int)ps->len, scanner);
	lang_yyparse(scanner, ps);
	lang_yy_delete_buffer(buf, scanner);
	lang_yylex_destroy(scanner);

	struct lang_program *p = ps->prog;
	p->nparams = ps->params.n;
	p->params = (struct ast_decl **)vec_items(&ps->params);
	p->nconsts = ps->consts.n;
	p->consts = (struct ast_decl **)vec_items(&ps->consts);
	p->nparties = ps->parties.n;
	p->parties = (struct ast_decl **)vec_items(&ps->parties);
	p->ninputs = ps->inputs.n;
	p->inputs = (struct ast_decl **)vec_items(&ps->inputs);
	p->noutputs = ps->outputs.n;
	p->outputs = (struct ast_decl **)vec_items(&ps->outputs);
	p->nstructs = ps->structs.n;
	p->structs = (struct ast_struct **)vec_items(&ps->structs);
	p->nfns = ps->fns.n;
	p->fns = (struct ast_fn **)vec_items(&ps->fns);
	for (uint32_t i = 0; i < p->nfns; i++)
		p->fns[i]->index = i;
	p->main = lang_arena_alloc(ps->arena, sizeof(*p->main));
	p->main->n = ps->main.n;
	p->main->stmts = (struct ast_stmt **)vec_items(&ps->main);
	p->main->loc = (struct lang_loc){ps->file, 1, 1, ps->line, ps->col};
}

