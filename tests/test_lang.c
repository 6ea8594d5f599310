/* test_lang.c: the .mpc front end: parsing, checking, constant folding and diagnostics.
 *
 * Constant folding is checked against C's own integer arithmetic (64-bit and __int128) on
 * random operands from a fixed seed; diagnostics against a corpus of bad programs, each with
 * the exact first message; robustness by feeding random bytes and mutated programs. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

TestSuite(lang, .timeout = 120);

static const char vickrey[] =
	"// vickrey.mpc: sealed-bid second-price auction; every bidder learns the winner and the "
	"price.\n"
	"param N = 4;                      // compile-time parameter; mpcc compile -D N=100\n"
	"party bidder[N];                  // a party array; single parties: party alice, bob;\n"
	"\n"
	"input bid: u32 from bidder;       // one u32 from each bidder[i]: bid is [u32; N]\n"
	"output winner: u8 to all;\n"
	"output price: u32 to all;\n"
	"\n"
	"fn max2(a: u32, b: u32) -> u32 {\n"
	"    if a > b { return a; }\n"
	"    return b;\n"
	"}\n"
	"\n"
	"var best: u32 = bid[0];\n"
	"var second: u32 = 0;\n"
	"var who: u8 = 0;\n"
	"for i in 1..N {                   // bounds are compile-time constants\n"
	"    if bid[i] > best {            // secret condition: both arms run, results merged by "
	"muxes\n"
	"        second = best;\n"
	"        best = bid[i];\n"
	"        who = i as u8;\n"
	"    } else {\n"
	"        second = max2(second, bid[i]);\n"
	"    }\n"
	"}\n"
	"winner = who;\n"
	"price = second;\n";

static struct lang_program *parse_with(const char *src, const char *const *defs, size_t n)
{
	struct lang_options opt = {defs, n};
	struct lang_program *p = lang_parse_string("t.mpc", src, strlen(src), &opt);
	cr_assert_not_null(p);
	return p;
}

static struct lang_program *parse(const char *src)
{
	return parse_with(src, NULL, 0);
}

/* The first diagnostic's header line, or "" when there is none. */
static const char *first_diag(const struct lang_program *p, char *buf, size_t size)
{
	buf[0] = '\0';
	if (lang_diag_count(p) > 0)
		lang_diag_format(lang_diag_get(p, 0), buf, size);
	return buf;
}

/* Fails the test with every diagnostic when the program has errors. */
static void assert_clean(const struct lang_program *p)
{
	char buf[512];
	for (size_t i = 0; i < lang_diag_count(p); i++)
		if (lang_diag_get(p, i)->severity == LANG_ERROR)
			cr_assert_fail("unexpected: %s",
				       lang_diag_format(lang_diag_get(p, i), buf, sizeof(buf)));
}

static const struct ast_stmt *main_stmt(const struct lang_program *p, uint32_t i)
{
	cr_assert_lt(i, p->main->n);
	return p->main->stmts[i];
}

static int64_t value_i64(const struct lang_int *v)
{
	int64_t x = 0;
	cr_assert(lang_int_get_i64(v, &x), "value does not fit in 64 bits");
	return x;
}

/* ---- the example program ---- */

Test(lang, vickrey_checks_clean)
{
	struct lang_program *p = parse(vickrey);
	assert_clean(p);
	cr_assert_eq(lang_warning_count(p), 0);
	cr_assert_eq(p->nparties, 1);
	cr_assert_eq(p->parties[0]->len, 4);
	cr_assert_eq(p->nparty_slots, 4);

	const struct ast_decl *bid = p->inputs[0];
	cr_assert_str_eq(bid->name, "bid");
	cr_assert(bid->per_party);
	cr_assert_eq(bid->party, p->parties[0]);
	cr_assert_eq(bid->type->kind, LANG_T_ARRAY);
	cr_assert_eq(bid->type->len, 4);
	cr_assert_eq(bid->type->elem->kind, LANG_T_UINT);
	cr_assert_eq(bid->type->elem->width, 32);
	cr_assert_eq(bid->phase, LANG_SECRET);

	cr_assert_eq(p->noutputs, 2);
	cr_assert(p->outputs[0]->to_all);
	cr_assert_eq(p->outputs[0]->type->width, 8);
	cr_assert_eq(p->outputs[1]->type->width, 32);

	cr_assert_eq(p->nfns, 1);
	cr_assert_str_eq(p->fns[0]->name, "max2");
	cr_assert_eq(p->fns[0]->nparams, 2);
	cr_assert_eq(p->fns[0]->ret->width, 32);
	cr_assert_eq(p->fns[0]->ncalls, 1);
	cr_assert_eq(p->fns[0]->ret_phase, LANG_SECRET);

	cr_assert_eq(p->main->n, 6);
	const struct ast_stmt *loop = main_stmt(p, 3);
	cr_assert_eq(loop->kind, AST_S_FOR);
	cr_assert(loop->count_known);
	cr_assert_eq(loop->count, 3);
	cr_assert_eq(loop->decl->type->kind, LANG_T_INT);
	const struct ast_stmt *cond = loop->body->stmts[0];
	cr_assert_eq(cond->kind, AST_S_IF);
	cr_assert_eq(cond->cond->phase, LANG_SECRET);
	cr_assert_eq(cond->cond->type->kind, LANG_T_BOOL);
	/* who = i as u8: a cast of the loop index, known once the loop is unrolled */
	const struct ast_stmt *who = cond->then->stmts[2];
	cr_assert_eq(who->value->kind, AST_E_CAST);
	cr_assert_eq(who->value->phase, LANG_LOOP);
	cr_assert_eq(who->target->decl, main_stmt(p, 2)->decl);
	/* the call resolves to the fn and its argument bid[i] is an element of the input */
	const struct ast_expr *call = cond->els->stmts[0]->value;
	cr_assert_eq(call->kind, AST_E_CALL);
	cr_assert_eq(call->fn, p->fns[0]);
	cr_assert_eq(call->args[1]->a->decl, bid);
	lang_free(p);
}

Test(lang, define_overrides_param)
{
	const char *defs[] = {"N=100"};
	struct lang_program *p = parse_with(vickrey, defs, 1);
	assert_clean(p);
	cr_assert(p->params[0]->overridden);
	cr_assert_eq(value_i64(&p->params[0]->value), 100);
	cr_assert_eq(p->inputs[0]->type->len, 100);
	cr_assert_eq(p->nparty_slots, 100);
	cr_assert_eq(main_stmt(p, 3)->count, 99);
	lang_free(p);

	/* a param computed from an overridden one follows it */
	const char *chain[] = {"N=10"};
	p = parse_with("param N = 4; param M = N * 2; const K: i8 = -M;", chain, 1);
	assert_clean(p);
	cr_assert_eq(value_i64(&p->params[1]->value), 20);
	cr_assert_eq(value_i64(&p->consts[0]->value), -20);
	lang_free(p);

	const char *hex[] = {"N=0x10", "N=7"}; /* the last one wins */
	p = parse_with(vickrey, hex, 2);
	assert_clean(p);
	cr_assert_eq(value_i64(&p->params[0]->value), 7);
	lang_free(p);
}

static const struct {
	const char *def, *diag;
} bad_defines[] = {
	{"N=abc", "<command line>: error: -D N=abc: not an integer"},
	{"N=", "<command line>: error: -D N=: not an integer"},
	{"N", "<command line>: error: -D N: expected NAME=VALUE"},
	{"M=3", "<command line>: error: -D M=3: there is no param named 'M'"},
	{"N=0", "t.mpc:3:14: error: a party array has 1 to 65536 parties, not 0"},
	{"N=-2", "t.mpc:3:14: error: the size of a party array must not be negative (it is -2)"},
};

Test(lang, define_errors)
{
	char buf[512];
	for (size_t i = 0; i < ARRAY_LEN(bad_defines); i++) {
		const char *defs[] = {bad_defines[i].def};
		struct lang_program *p = parse_with(vickrey, defs, 1);
		cr_assert_geq(lang_error_count(p), 1, "%s", bad_defines[i].def);
		cr_expect_str_eq(first_diag(p, buf, sizeof(buf)), bad_defines[i].diag);
		lang_free(p);
	}
	const char *typed[] = {"K=300"};
	struct lang_program *p = parse_with("param K: u8 = 3;", typed, 1);
	cr_assert_str_eq(first_diag(p, buf, sizeof(buf)), "t.mpc:1:7: error: -D K=300 does not fit in u8");
	lang_free(p);
}

/* ---- the corpus of bad programs, each with its exact first diagnostic ---- */

static const struct {
	const char *src, *diag;
} bad[] = {
	{"x = ;", "t.mpc:1:5: error: syntax error, unexpected ';'"},
	{"var x: u32 = 1 @ 2;", "t.mpc:1:16: error: unexpected character '@'"},
	{"var x: u32 = 1;\n/* never closed", "t.mpc:2:1: error: unterminated comment"},
	{"var x: u32 = y;", "t.mpc:1:14: error: 'y' is not declared"},
	{"var x: u32 = 1; var x: u32 = 2;", "t.mpc:1:21: error: 'x' is already declared"},
	{"var x: u8 = 300;", "t.mpc:1:13: error: literal 300 does not fit in u8"},
	{"var x: u8 = -1;", "t.mpc:1:13: error: literal -1 does not fit in u8"},
	{"var x: i8 = 128;", "t.mpc:1:13: error: literal 128 does not fit in i8"},
	{"var x: u32 = 0x1_0000_0000;", "t.mpc:1:14: error: literal 4294967296 does not fit in u32"},
	{"var x: u0 = 1;", "t.mpc:1:8: error: an integer type has 1 to 65536 bits, not 0"},
	{"var x: u70000 = 1;", "t.mpc:1:8: error: an integer type has 1 to 65536 bits, not 70000"},
	{"var x: u32 = 5 / 0;", "t.mpc:1:16: error: division by zero in a constant expression"},
	{"param Z = 3 - 3;\nconst K: u8 = 7 % Z;",
	 "t.mpc:2:17: error: division by zero in a constant expression"},
	{"param N = 4; N = 5;", "t.mpc:1:14: error: cannot assign to param 'N'"},
	{"const K: u32 = 1; K = 2;", "t.mpc:1:19: error: cannot assign to const 'K'"},
	{"party a; input x: u32 from a; x = 3;", "t.mpc:1:31: error: cannot assign to input 'x'"},
	{"for i in 0..4 { i = 1; }", "t.mpc:1:17: error: cannot assign to loop index 'i'"},
	{"return 1;", "t.mpc:1:1: error: 'return' outside a function"},
	{"fn f(a: u32) -> u32 { return f(a); }",
	 "t.mpc:1:30: error: function 'f' calls itself (recursion is not supported)"},
	{"fn f(a: u32) -> u32 { return g(a); }\nfn g(a: u32) -> u32 { return f(a); }",
	 "t.mpc:1:30: error: function 'f' calls itself through 'g' (recursion is not supported)"},
	{"fn f(a: u32) -> u32 {\n    if a > 1 { return a; }\n}",
	 "t.mpc:3:1: error: function 'f' can reach its end without returning a value"},
	{"fn f(a: u32) -> u32 { return a; } var x: u32 = f(1, 2);",
	 "t.mpc:1:48: error: function 'f' takes 1 argument, but 2 were given"},
	{"fn f(a: u32) -> u32 { return a; } var y: u8 = 1; var x: u32 = f(y);",
	 "t.mpc:1:65: error: argument 1 of 'f' is u8, but parameter 'a' is u32"},
	{"party a; output o: u32 to a;", "t.mpc:1:17: error: output 'o' is never assigned"},
	{"party a; output o: u32 to a; var c: bool = true; if c { o = 1; }",
	 "t.mpc:1:17: error: output 'o' is not assigned on every path"},
	{"party a;\noutput out: u32 to a;\nvar carry: u32;\nout = 1 + carry;",
	 "t.mpc:4:11: error: 'carry' is used before it is assigned"},
	{"party a; input x: u32 from b;", "t.mpc:1:28: error: unknown party 'b'"},
	{"party a; input x: u32 from a; input y: u8 from a; output o: u32 to a; o = x + y;",
	 "t.mpc:1:77: error: mismatched types u32 and u8 for '+'; convert one with 'as'"},
	{"var a: [u32; 4] = [0; 4]; var b: u32 = a[4];",
	 "t.mpc:1:42: error: index 4 is out of bounds for [u32; 4]"},
	{"var a: [u8; 4] = [1, 2, 3, 4]; for i in 0..4 { a[i + 1] = 0; }",
	 "t.mpc:1:50: error: index reaches 4, out of bounds for [u8; 4]"},
	{"party a; input n: u32 from a; for i in 0..n { }",
	 "t.mpc:1:43: error: the bounds of a for loop must be known at compile time ('n' is an "
	 "input)"},
	{"var n: u32 = 3; for i in 0..n { }",
	 "t.mpc:1:29: error: the bounds of a for loop must be known at compile time ('n' is a "
	 "variable)"},
	{"var a: [u32; 16777217] = [0; 16777217];",
	 "t.mpc:1:14: error: an array of 16777217 elements is too large (at most 16777216)"},
	{"var a: [u65536; 8192] = [0; 8192];",
	 "t.mpc:1:17: error: [u65536; 8192] is too large (more than 268435456 bits)"},
	{"var a: [u32; 0] = [0; 0];", "t.mpc:1:14: error: an array needs at least 1 element"},
	{"var x: u32 = 3; var y: u32 = x << -1;", "t.mpc:1:35: error: shift amount -1 is negative"},
	{"party a; input s: i8 from a; var x: u32 = 3; var y: u32 = x << s;",
	 "t.mpc:1:64: error: a shift amount must be an unsigned integer, not i8"},
	{"party a; input x: u32 from a; var b: bool = x as bool;",
	 "t.mpc:1:47: error: cannot convert u32 to bool with 'as'; compare instead (x != 0)"},
	{"var x: u32 = true + 1;",
	 "t.mpc:1:19: error: mismatched types bool and untyped integer for '+'; convert one with "
	 "'as'"},
	{"var x: bool = !3;",
	 "t.mpc:1:15: error: '!' needs a bool operand, not untyped integer (for integers, use '~')"},
	{"var x = 5;",
	 "t.mpc:1:5: error: cannot infer the type of 'x' from an untyped integer; give it one (var "
	 "x: u32 = ...)"},
	{"struct P { x: u32, y: u8 } var q: P = P { x: 1 };",
	 "t.mpc:1:39: error: field 'y' is missing in this P literal"},
	{"struct P { x: u32, y: u8 } var q: P = P { x: 1, y: 2 }; var r: u32 = q.z;",
	 "t.mpc:1:71: error: struct 'P' has no field 'z'"},
	{"struct P { x: u32, y: u8 } var q: P = P { x: 1, y: 2, x: 3 };",
	 "t.mpc:1:58: error: field 'x' is given twice"},
	{"struct S { s: S }", "t.mpc:1:8: error: struct 'S' contains itself"},
	{"fn f(a: u32) -> (u32, u8) { return (a, 1); } var z: u32 = f(3);",
	 "t.mpc:1:59: error: 'f' returns a tuple (u32, u8); take it apart with var (a, b) = "
	 "f(...)"},
	{"fn f(a: u32) -> (u32, u8) { return (a, 1); } var (x, y, z) = f(3);",
	 "t.mpc:1:62: error: expected a tuple of 3 values, but this is (u32, u8)"},
	{"var x: u32 = min(1);", "t.mpc:1:14: error: 'min' needs at least 2 arguments"},
	{"var x: u32 = mux(1, 2, 3);",
	 "t.mpc:1:18: error: the condition of 'mux' must be bool, not untyped integer"},
	{"var x: u8 = 1; var y: u32 = max(x, 3 as u32);",
	 "t.mpc:1:36: error: arguments of 'max' have different types: u8 and u32"},
	{"party p[0];", "t.mpc:1:9: error: a party array has 1 to 65536 parties, not 0"},
	{"param N = 4; party p[N]; input x: u32 from p[4];",
	 "t.mpc:1:46: error: party p[4] does not exist (p has 4)"},
	{"party a; output o: u32 to a; fn f(b: u32) -> u32 { return b + o; } o = 1;",
	 "t.mpc:1:63: error: a function cannot use output 'o'; pass it to the function as an "
	 "argument"},
	{"var top: u32 = 1; fn f(b: u32) -> u32 { return b + top; }",
	 "t.mpc:1:52: error: 'top' is a top-level variable; a function can only use its "
	 "parameters, its own variables, params and consts"},
	{"var min: u32 = 1;", "t.mpc:1:5: error: 'min' is the name of a builtin function"},
	{"fn f(a: u32) { }",
	 "t.mpc:1:4: error: function 'f' needs a return type (fn f(...) -> T): functions have no "
	 "other effect"},
	{"fn f(a: u32) -> u32 { return; }", "t.mpc:1:23: error: 'return' needs a value: 'f' returns u32"},
	{"fn f(a: u32) -> u8 { return a; }", "t.mpc:1:29: error: 'f' returns u8, but this is u32"},
	{"var x: u32 = 1; if x { x = 2; }", "t.mpc:1:20: error: an 'if' condition must be bool, not u32"},
	{"var x: u32 = 1; var y: u8 = x as u8 + x;",
	 "t.mpc:1:37: error: mismatched types u8 and u32 for '+'; convert one with 'as'"},
	{"var x: u32 = 1; var y: u8 = 2; x = y;",
	 "t.mpc:1:36: error: cannot assign u8 to 'x', which is u32"},
	{"var a: [u32; 2] = [1, 2]; var y: u8 = 2; a[0] = y;",
	 "t.mpc:1:49: error: cannot assign u8 to an element of type u32"},
	{"const K: u32 = A; const A: u32 = K;",
	 "t.mpc:1:7: error: const 'K' is defined in terms of itself"},
	{"var x: [u8; 2] = [1, 2]; var y: u8 = x[true];",
	 "t.mpc:1:40: error: an array index must be an unsigned integer, not bool"},
	{"var x: u32 = 12abc;", "t.mpc:1:14: error: invalid integer literal '12abc'"},
	{"var x: u32 = 1 ? 2 : 3;",
	 "t.mpc:1:14: error: the condition of '?:' must be bool, not untyped integer"},
	{"party a; party a;", "t.mpc:1:16: error: 'a' is already declared"},
	{"var t: (u32, u8) = 1;", "t.mpc:1:8: error: a tuple type can only be a function's return type"},
	{"var x: u32 = (1, 2);",
	 "t.mpc:1:14: error: a tuple can only be returned or taken apart ((a, b) = ...)"},
	{"var q: u32 = foo(3);", "t.mpc:1:14: error: function 'foo' is not declared"},
	{"var a: u32 = 1;\nvar b: u32 = 2\nvar c: u32 = 3;", "t.mpc:3:1: error: syntax error, unexpected 'var'"},
	{"fn f( -> u32 { }", "t.mpc:1:7: error: syntax error, unexpected '->', expecting ')'"},
	{"var x: Foo = 1;", "t.mpc:1:8: error: unknown type 'Foo'"},
	{"for i in 0..300 { var x: u8 = 0; x = i; }",
	 "t.mpc:1:38: error: loop index 'i' reaches 299, which does not fit in u8"},
	{"param N = 300; var x: u8 = N;", "t.mpc:1:28: error: param 'N' is 300, which does not fit in u8"},
	{"party a; input x: u32 from all;", "t.mpc:1:16: error: an input comes from one party, not from all"},
	{"party a; input x: u8 from a; var t: [u8; 2] = [1, 2]; var y: u8 = t[1 << x];",
	 "t.mpc:1:69: error: cannot infer the type of this expression; convert it with 'as'"},
	{"var a: [u8; 2] = [1, 2]; var b: u8 = a.x;",
	 "t.mpc:1:39: error: '.x' needs a struct, but this is [u8; 2]"},
	{"var x: u8 = 1; var y: u8 = x[0];", "t.mpc:1:29: error: cannot index u8: it is not an array"},
	{"var x: u32 = popcount(-3);", "t.mpc:1:23: error: literal -3 does not fit in u32"},
	{"const K = popcount(-3);",
	 "t.mpc:1:20: error: popcount of the negative untyped value -3; give it a type"},
	{"var x: u32 = 1 << 70000;", "t.mpc:1:16: error: constant is too large (more than 65536 bits)"},
};

ParameterizedTestParameters(lang, reports_first_error)
{
	static size_t idx[ARRAY_LEN(bad)]; /* plain data: a fresh process runs each */
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, ARRAY_LEN(bad));
}

ParameterizedTest(size_t *i, lang, reports_first_error)
{
	char buf[512];
	struct lang_program *p = parse(bad[*i].src);
	cr_assert_geq(lang_error_count(p), 1, "no error for: %s", bad[*i].src);
	first_diag(p, buf, sizeof(buf));
	cr_assert_str_eq(buf, bad[*i].diag, "program: %s\n  got:  %s\n  want: %s", bad[*i].src,
			 buf, bad[*i].diag);
	lang_free(p);
}

Test(lang, corpus_is_large_enough)
{
	cr_assert_geq(ARRAY_LEN(bad), 40);
}

/* ---- the rest of the language ---- */

static const char rich[] =
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
	"t = !(o == 0) && s.x >= 7 || (s.y as i32) < -5 || grid[2][1] || pt == s;\n";

Test(lang, whole_language_checks_clean)
{
	struct lang_program *p = parse(rich);
	assert_clean(p);
	cr_assert_eq(lang_warning_count(p), 0);
	cr_assert_eq(p->nparty_slots, 6); /* alice, bob, p[0..3] */
	cr_assert_eq(p->parties[2]->first, 2);
	/* from p: one each, an array; from p[2]: that party only */
	const struct ast_decl *c = p->inputs[2], *d = p->inputs[3];
	cr_assert(c->per_party);
	cr_assert_eq(c->type->len, 4);
	cr_assert_eq(c->slot, 2);
	cr_assert(!d->per_party);
	cr_assert_eq(d->slot, 4);
	cr_assert_eq(d->type->width, 64);
	/* to p: element i goes to p[i] */
	const struct ast_decl *q = p->outputs[1];
	cr_assert(q->per_party);
	cr_assert_eq(q->type->kind, LANG_T_ARRAY);
	cr_assert_eq(q->elem->width, 16);
	cr_assert_eq(p->outputs[3]->slot, 3);
	/* the struct: fields and offsets */
	const struct ast_struct *pt = p->structs[0];
	cr_assert_eq(pt->type->bits, 48);
	cr_assert_eq(pt->fields[1].offset, 32);
	cr_assert_eq(pt->fields[1].type->kind, LANG_T_SINT);
	/* the literal's values are put in field order */
	const struct ast_stmt *ptv = main_stmt(p, 6);
	cr_assert_eq(ptv->decl->init->kind, AST_E_STRUCT);
	cr_assert_str_eq(ptv->decl->init->arg_names[0], "x");
	cr_assert_eq(ptv->decl->init->args[0]->kind, AST_E_NAME);
	/* tuples: var (lo, hi) = pair(...) declares two u32; (lo, hi) = (hi, lo) assigns both */
	const struct ast_stmt *m = main_stmt(p, 1);
	cr_assert_eq(m->kind, AST_S_MULTI);
	cr_assert(m->declares);
	cr_assert_eq(m->targets[1]->decl->type->width, 32);
	cr_assert_eq(main_stmt(p, 2)->kind, AST_S_MULTI);
	cr_assert(!main_stmt(p, 2)->declares);
	cr_assert_eq(p->fns[1]->ret->kind, LANG_T_TUPLE);
	/* else if is an else block holding one if */
	const struct ast_stmt *loop = main_stmt(p, 5);
	const struct ast_stmt *inner = loop->body->stmts[1];
	cr_assert(!inner->count_known);
	const struct ast_stmt *cond = inner->body->stmts[0];
	cr_assert_eq(cond->els->n, 1);
	cr_assert_eq(cond->els->stmts[0]->kind, AST_S_IF);
	lang_free(p);
}

/* ---- several errors in one run ---- */

Test(lang, reports_several_errors)
{
	static const char src[] = "party a;\n"
				  "input x: u32 from a;\n"
				  "output o: u32 to a;\n"
				  "var y: u8 = 300;\n"        /* 4:13 */
				  "var z: u32 = x + w;\n"     /* 4:18 */
				  "x = 1;\n"                  /* 6:1 */
				  "o = z;\n";
	static const char *want[] = {
		"t.mpc:4:13: error: literal 300 does not fit in u8",
		"t.mpc:5:18: error: 'w' is not declared",
		"t.mpc:6:1: error: cannot assign to input 'x'",
	};
	char buf[512];
	struct lang_program *p = parse(src);
	cr_assert_eq(lang_error_count(p), ARRAY_LEN(want));
	for (size_t i = 0; i < ARRAY_LEN(want); i++)
		cr_assert_str_eq(lang_diag_format(lang_diag_get(p, i), buf, sizeof(buf)), want[i]);
	lang_free(p);

	/* the parser recovers at ';' and at '}' */
	static const char syntax[] = "var a: u32 = ;\n"
				     "fn f(x: u32) -> u32 { return x + ; }\n"
				     "var b: u32 = 2 2;\n";
	p = parse(syntax);
	cr_assert_eq(lang_error_count(p), 3);
	cr_assert_eq(lang_diag_get(p, 0)->loc.line, 1);
	cr_assert_eq(lang_diag_get(p, 1)->loc.line, 2);
	cr_assert_eq(lang_diag_get(p, 2)->loc.line, 3);
	lang_free(p);
}

Test(lang, stops_after_too_many_errors)
{
	char *src = malloc(200 * 20);
	size_t n = 0;
	for (int i = 0; i < 200; i++)
		n += (size_t)sprintf(src + n, "var v%d: u8 = 999;\n", i);
	struct lang_program *p = parse(src);
	cr_assert_eq(lang_error_count(p), LANG_MAX_ERRORS);
	const struct lang_diag *last = lang_diag_get(p, lang_diag_count(p) - 1);
	cr_assert_eq(last->severity, LANG_NOTE);
	cr_assert_str_eq(last->msg, "too many errors; the rest are not shown");
	lang_free(p);
	free(src);
}

/* ---- printing ---- */

static char *printed(const struct lang_program *p)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	cr_assert_not_null(f);
	lang_print_diags(p, f);
	fclose(f);
	return text;
}

Test(lang, prints_source_line_and_caret)
{
	struct lang_program *p = parse("party a;\noutput out: u32 to a;\nvar carry: u32;\n"
				       "out = a1 + carry;\n");
	char *text = printed(p);
	cr_assert_str_eq(text, "t.mpc:4:7: error: 'a1' is not declared\n"
			       "    out = a1 + carry;\n"
			       "          ^\n"
			       "t.mpc:4:12: error: 'carry' is used before it is assigned\n"
			       "    out = a1 + carry;\n"
			       "               ^\n");
	free(text);
	lang_free(p);

	/* a tab in the source line stays a tab under it, so the caret lines up */
	p = parse("\tvar x: u8 = 256;");
	text = printed(p);
	cr_assert_str_eq(text, "t.mpc:1:14: error: literal 256 does not fit in u8\n"
			       "    \tvar x: u8 = 256;\n"
			       "    \t            ^\n");
	free(text);
	lang_free(p);

	/* a note follows its error */
	p = parse("var x: u8 = 1;\nvar x: u8 = 2;");
	cr_assert_eq(lang_diag_count(p), 2);
	cr_assert_eq(lang_diag_get(p, 1)->severity, LANG_NOTE);
	cr_assert_eq(lang_diag_get(p, 1)->loc.line, 1);
	lang_free(p);
}

Test(lang, missing_file_is_a_diagnostic)
{
	char buf[512];
	struct lang_program *p = lang_parse_file("/nonexistent/x.mpc", NULL);
	cr_assert_not_null(p);
	cr_assert_eq(lang_error_count(p), 1);
	cr_assert_str_eq(first_diag(p, buf, sizeof(buf)),
			 "/nonexistent/x.mpc: error: cannot open: No such file or directory");
	lang_free(p);

	char path[] = "/tmp/test_lang_XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	fputs(vickrey, f);
	fclose(f);
	p = lang_parse_file(path, NULL);
	remove(path);
	assert_clean(p);
	cr_assert_eq(p->nfns, 1);
	lang_free(p);
}

/* ---- types of literals ---- */

Test(lang, literals_take_their_type_from_context)
{
	struct lang_program *p = parse("party a; input x: u8 from a; output o: u8 to a;\n"
				       "const K = 5;\n"
				       "var s: i8 = -128;\n"
				       "var w: u128 = 0xffff_ffff_ffff_ffff_ffff_ffff_ffff_ffff;\n"
				       "var y: u8 = x + 1;\n"
				       "var k: u16 = K;\n"
				       "var m: u8 = ~0;\n"
				       "var b: bool = K > 3;\n"
				       "o = y;\n");
	assert_clean(p);
	const struct ast_expr *s = main_stmt(p, 0)->decl->init;
	cr_assert_eq(s->type->kind, LANG_T_SINT);
	cr_assert_eq(value_i64(&s->value), -128);

	const struct ast_expr *w = main_stmt(p, 1)->decl->init;
	uint64_t limbs[2];
	cr_assert_eq(w->type->width, 128);
	lang_int_to_bits(&w->value, 128, limbs);
	cr_assert_eq(limbs[0], UINT64_MAX);
	cr_assert_eq(limbs[1], UINT64_MAX);
	cr_assert(!lang_int_is_neg(&w->value)); /* a u128 constant is its mathematical value */

	const struct ast_expr *y = main_stmt(p, 2)->decl->init;
	cr_assert_eq(y->kind, AST_E_BINARY);
	cr_assert_eq(y->b->type->kind, LANG_T_UINT); /* the literal 1 became a u8 */
	cr_assert_eq(y->b->type->width, 8);
	cr_assert_eq(y->phase, LANG_SECRET);

	const struct ast_expr *k = main_stmt(p, 3)->decl->init;
	cr_assert_eq(k->type->width, 16);
	cr_assert_eq(value_i64(&k->value), 5);
	cr_assert_eq(p->consts[0]->type->kind, LANG_T_INT); /* the const itself stays untyped */

	cr_assert_eq(value_i64(&main_stmt(p, 4)->decl->init->value), 255);
	cr_assert_eq(value_i64(&main_stmt(p, 5)->decl->init->value), 1);
	lang_free(p);
}

Test(lang, constants_fold_through_params_consts_and_loops)
{
	static const char src[] = "param N = 3;\n"
				  "const M: u32 = N * 7 + 1;\n"       /* 22 */
				  "const T: [u16; 3] = [10, 20, M as u16];\n"
				  "const S = T[2] - T[0];\n"          /* 12, u16 */
				  "param Q = (1 << 70) / (1 << 68);\n" /* 4: exact, untyped */
				  "var a: [u8; S] = [0; S];\n"
				  "for i in N..M { }\n"
				  "for i in M..N { }\n"
				  "for i in -2..Q { for j in i..i * 2 + 1 { } }\n";
	struct lang_program *p = parse(src);
	assert_clean(p);
	cr_assert_eq(value_i64(&p->consts[0]->value), 22);
	cr_assert_eq(value_i64(&p->consts[2]->value), 12);
	cr_assert_eq(p->consts[2]->type->width, 16);
	cr_assert_eq(value_i64(&p->params[1]->value), 4);
	cr_assert_eq(main_stmt(p, 0)->decl->type->len, 12);
	cr_assert_eq(main_stmt(p, 1)->count, 19);
	cr_assert(main_stmt(p, 2)->count_known);
	cr_assert_eq(main_stmt(p, 2)->count, 0); /* empty when B <= A */
	const struct ast_stmt *outer = main_stmt(p, 3);
	cr_assert_eq(outer->count, 6);
	const struct ast_stmt *inner = outer->body->stmts[0];
	cr_assert(!inner->count_known);
	cr_assert_eq(inner->to->phase, LANG_LOOP);
	lang_free(p);
}

/* lang_eval with loop index values from the caller */
struct env_values {
	const struct ast_decl *decl[2];
	struct lang_int value[2];
};

static const struct lang_int *lookup(void *ctx, const struct ast_decl *d)
{
	struct env_values *e = ctx;
	for (int i = 0; i < 2; i++)
		if (e->decl[i] == d)
			return &e->value[i];
	return NULL;
}

static struct lang_int small(int64_t v)
{
	static uint64_t store[16][1];
	static int next;
	uint64_t *w = store[next++ % 16];
	w[0] = (uint64_t)v;
	return (struct lang_int){1, w};
}

Test(lang, eval_uses_loop_index_values)
{
	struct lang_program *p = parse("const T: [u8; 4] = [9, 8, 7, 6];\n"
				       "for i in 0..4 { for j in i..i * 2 + 1 { var x: u8 = T[i] / (j as u8); } }\n");
	assert_clean(p);
	const struct ast_stmt *outer = main_stmt(p, 0);
	const struct ast_stmt *inner = outer->body->stmts[0];
	struct env_values ev = {{outer->decl, inner->decl}, {small(3), small(0)}};
	struct lang_env env = {lookup, &ev};
	struct lang_int v = {0};
	cr_assert_eq(lang_eval(inner->to, &env, &v), 0);
	cr_assert_eq(value_i64(&v), 7);
	lang_int_free(&v);
	/* T[i] / (j as u8) with i = 3, j = 0: u8 division by zero gives all ones (RISC-V) */
	const struct ast_expr *div = inner->body->stmts[0]->decl->init;
	cr_assert_eq(div->phase, LANG_LOOP);
	cr_assert_eq(lang_eval(div, &env, &v), 0);
	cr_assert_eq(value_i64(&v), 255);
	lang_int_free(&v);
	ev.value[1] = small(4);
	cr_assert_eq(lang_eval(div, &env, &v), 0);
	cr_assert_eq(value_i64(&v), 6 / 4);
	lang_int_free(&v);
	/* without the indices it cannot be evaluated */
	cr_assert_eq(lang_eval(div, NULL, &v), -1);
	lang_free(p);
}

/* ---- constant arithmetic against C ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const char *const ops[] = {"+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>",
				  "==", "!=", "<", "<=", ">", ">="};

/* The value of a op b in a w-bit type (w <= 64), computed with C's 64-bit arithmetic. */
static int64_t reference(const char *op, int64_t a, int64_t b, unsigned w, bool sgn)
{
	uint64_t mask = w == 64 ? UINT64_MAX : (((uint64_t)1 << w) - 1);
	uint64_t ua = (uint64_t)a & mask, ub = (uint64_t)b & mask, r;
	if (!strcmp(op, "==") || !strcmp(op, "!=") || !strcmp(op, "<") || !strcmp(op, "<=") ||
	    !strcmp(op, ">") || !strcmp(op, ">=")) {
		int c = sgn ? (a < b ? -1 : a > b) : (ua < ub ? -1 : ua > ub);
		return !strcmp(op, "==") ? c == 0 : !strcmp(op, "!=") ? c != 0 : !strcmp(op, "<") ? c < 0
		       : !strcmp(op, "<=") ? c <= 0 : !strcmp(op, ">") ? c > 0 : c >= 0;
	}
	if (!strcmp(op, "+"))
		r = ua + ub;
	else if (!strcmp(op, "-"))
		r = ua - ub;
	else if (!strcmp(op, "*"))
		r = ua * ub;
	else if (!strcmp(op, "&"))
		r = ua & ub;
	else if (!strcmp(op, "|"))
		r = ua | ub;
	else if (!strcmp(op, "^"))
		r = ua ^ ub;
	else if (!strcmp(op, "<<")) /* b is the shift amount, a u8, not a w-bit value */
		r = (uint64_t)b >= w ? 0 : ua << b;
	else if (!strcmp(op, ">>"))
		r = (uint64_t)b >= w ? (sgn && a < 0 ? UINT64_MAX : 0)
				     : sgn ? (uint64_t)(a >> b) : ua >> b;
	else if (sgn && a == (w == 64 ? INT64_MIN : -((int64_t)1 << (w - 1))) && b == -1)
		r = !strcmp(op, "/") ? (uint64_t)a : 0; /* overflow: RISC-V keeps the dividend */
	else if (!strcmp(op, "/"))
		r = sgn ? (uint64_t)(a / b) : ua / ub;
	else
		r = sgn ? (uint64_t)(a % b) : ua % ub;
	r &= mask;
	if (sgn && w < 64 && (r >> (w - 1)) & 1)
		r |= ~mask;
	return (int64_t)r;
}

static int64_t random_in(unsigned w, bool sgn)
{
	uint64_t x = rnd();
	switch (rnd() % 4) { /* small values and edges are where bugs live */
	case 0:
		x %= 5;
		break;
	case 1:
		x = UINT64_MAX - x % 3;
		break;
	default:
		break;
	}
	if (w < 64)
		x &= ((uint64_t)1 << w) - 1;
	if (sgn && w < 64 && (x >> (w - 1)) & 1)
		x |= ~(((uint64_t)1 << w) - 1);
	return (int64_t)x;
}

Test(lang, constant_arithmetic_matches_c)
{
	static const unsigned widths[] = {1, 8, 13, 32, 64};
	enum { N = 600 };
	char *src = malloc(N * 160);
	int64_t want[N];
	size_t n = 0;
	for (int i = 0; i < N; i++) {
		unsigned w = widths[rnd() % ARRAY_LEN(widths)];
		bool sgn = rnd() & 1;
		const char *op = ops[rnd() % ARRAY_LEN(ops)];
		int64_t a = random_in(w, sgn), b = random_in(w, sgn);
		bool shift = !strcmp(op, "<<") || !strcmp(op, ">>");
		bool cmp = !shift && (op[0] == '<' || op[0] == '>' || op[0] == '=' || op[0] == '!');
		bool div = op[0] == '/' || op[0] == '%';
		uint64_t mask = w == 64 ? UINT64_MAX : (((uint64_t)1 << w) - 1);
		if (div && b == 0)
			b = 1; /* a constant division by zero is an error: tested elsewhere */
		if (shift)
			b = (int64_t)(rnd() % (w + 4));
		want[i] = reference(op, a, b, w, sgn);
		char t[8];
		snprintf(t, sizeof(t), "%c%u", sgn ? 'i' : 'u', w);
		if (shift)
			n += (size_t)sprintf(src + n, "const R%d: %s = (0x%llx as %s) %s (%lld as u8);\n", i,
					     t, (unsigned long long)((uint64_t)a & mask), t, op,
					     (long long)b);
		else
			n += (size_t)sprintf(src + n, "const R%d: %s = (0x%llx as %s) %s (0x%llx as %s);\n",
					     i, cmp ? "bool" : t, (unsigned long long)((uint64_t)a & mask), t,
					     op, (unsigned long long)((uint64_t)b & mask), t);
	}
	struct lang_program *p = parse(src);
	assert_clean(p);
	cr_assert_eq(p->nconsts, N);
	for (int i = 0; i < N; i++) {
		const struct lang_type *t = p->consts[i]->type;
		const struct lang_int *v = &p->consts[i]->value;
		if (t->kind == LANG_T_UINT && t->width == 64) {
			uint64_t u;
			cr_assert(lang_int_get_u64(v, &u));
			cr_assert_eq(u, (uint64_t)want[i], "line %d", i + 1);
		} else {
			int64_t got = value_i64(v);
			const char *line = src;
			for (int k = 0; k < i; k++)
				line = strchr(line, '\n') + 1;
			cr_assert_eq(got, want[i], "%.*s got %lld, want %lld",
				     (int)(strchr(line, '\n') - line), line, (long long)got,
				     (long long)want[i]);
		}
	}
	lang_free(p);
	free(src);
}

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

static void hex128(char *buf, u128 x)
{
	sprintf(buf, "0x%016llx%016llx", (unsigned long long)(x >> 64), (unsigned long long)x);
}

Test(lang, wide_constants_match_int128)
{
	enum { N = 300 };
	static const char *const wops[] = {"+", "-", "*", "/", "%", "^", "<<", ">>"};
	char *src = malloc(N * 200);
	u128 want[N];
	size_t n = 0;
	for (int i = 0; i < N; i++) {
		bool sgn = rnd() & 1;
		const char *op = wops[rnd() % ARRAY_LEN(wops)];
		u128 a = ((u128)rnd() << 64) | rnd(), b = ((u128)rnd() << 64) | rnd();
		if (rnd() & 1)
			b >>= rnd() % 128; /* divisors of every length */
		if (b == 0)
			b = 3;
		unsigned k = (unsigned)(rnd() % 130);
		u128 r;
		i128 sa = (i128)a, sb = (i128)b;
		switch (op[0]) {
		case '+': r = a + b; break;
		case '-': r = a - b; break;
		case '*': r = a * b; break;
		case '^': r = a ^ b; break;
		case '/': r = sgn ? (sb == -1 ? (u128)0 - a : (u128)(sa / sb)) : a / b; break;
		case '%': r = sgn ? (u128)(sb == -1 ? 0 : sa % sb) : a % b; break;
		case '<': r = k >= 128 ? 0 : a << k; break;
		default: r = k >= 128 ? (sgn && sa < 0 ? ~(u128)0 : 0) : sgn ? (u128)(sa >> k) : a >> k; break;
		}
		want[i] = r;
		char ha[40], hb[40];
		hex128(ha, a);
		hex128(hb, b);
		const char *t = sgn ? "i128" : "u128";
		if (op[0] == '<' || op[0] == '>')
			n += (size_t)sprintf(src + n, "const R%d: %s = (%s as %s) %s %u;\n", i, t, ha, t, op, k);
		else
			n += (size_t)sprintf(src + n, "const R%d: %s = (%s as %s) %s (%s as %s);\n", i, t, ha,
					     t, op, hb, t);
	}
	struct lang_program *p = parse(src);
	assert_clean(p);
	for (int i = 0; i < N; i++) {
		uint64_t limbs[2];
		lang_int_to_bits(&p->consts[i]->value, 128, limbs);
		cr_assert_eq(limbs[0], (uint64_t)want[i], "line %d", i + 1);
		cr_assert_eq(limbs[1], (uint64_t)(want[i] >> 64), "line %d", i + 1);
	}
	lang_free(p);
	free(src);
}

Test(lang, very_wide_arithmetic_identities)
{
	/* in u1024, (a * b) / b == a and (a * b + r) % b == r for any a, b < 2^500, r < b */
	enum { N = 40 };
	char *src = malloc(N * 800);
	size_t n = 0;
	for (int i = 0; i < N; i++) {
		char a[140], b[140], r[140];
		int la = 1 + (int)(rnd() % 125), lb = 1 + (int)(rnd() % 125);
		a[0] = b[0] = '1';
		for (int k = 1; k < la; k++)
			a[k] = "0123456789abcdef"[rnd() % 16];
		for (int k = 1; k < lb; k++)
			b[k] = "0123456789abcdef"[rnd() % 16];
		a[la] = b[lb] = '\0';
		memcpy(r, b, (size_t)lb + 1);
		r[0] = '0'; /* r < b */
		n += (size_t)sprintf(src + n,
				     "const A%d: bool = ((0x%s as u1024) * 0x%s) / 0x%s == 0x%s;\n"
				     "const B%d: bool = ((0x%s as u1024) * 0x%s + 0x%s) %% 0x%s == 0x%s;\n",
				     i, a, b, b, a, i, a, b, r, b, r);
	}
	struct lang_program *p = parse(src);
	assert_clean(p);
	cr_assert_eq(p->nconsts, 2 * N);
	for (uint32_t i = 0; i < p->nconsts; i++)
		cr_assert_eq(value_i64(&p->consts[i]->value), 1, "const %u", i);
	lang_free(p);
	free(src);
}

Test(lang, casts_extend_by_source_signedness)
{
	struct lang_program *p = parse("const A: u16 = (200 as u8) as u16;\n"   /* zero-extends */
				       "const B: u16 = (0xC8 as i8) as u16;\n"  /* sign-extends */
				       "const C: u8 = 0x1234 as u8;\n"          /* truncates */
				       "const D: u8 = true as u8;\n"
				       "const E: bool = (1 as u1) as bool;\n"
				       "const F: i8 = -1 as i8;\n"
				       "const G: u32 = popcount(0xF0F0 as u32);\n"
				       "const H: i16 = min(3 as i16, -7, 5);\n"
				       "const I: u8 = mux(2 > 1, 10, 20);\n");
	assert_clean(p);
	static const int64_t want[] = {200, 0xFFC8, 0x34, 1, 1, -1, 8, -7, 10};
	for (size_t i = 0; i < ARRAY_LEN(want); i++)
		cr_assert_eq(value_i64(&p->consts[i]->value), want[i], "const %zu", i);
	lang_free(p);
}

/* ---- secrecy and warnings ---- */

Test(lang, phases_follow_the_data)
{
	struct lang_program *p = parse("party a;\n"
				       "input x: u32 from a;\n"
				       "output o: u32 to a;\n"
				       "fn twice(v: u32) -> u32 { return v * 2; }\n"
				       "fn inc(v: u32) -> u32 { return v + 1; }\n"
				       "var pub: u32 = 5;\n"
				       "pub += 1;\n"
				       "var sec: u32 = twice(x);\n"
				       "var flag: u32 = 0;\n"
				       "if x > 3 { flag = 1; }\n"
				       "var k: u32 = inc(pub);\n"
				       "o = sec + flag + k;\n");
	assert_clean(p);
	cr_assert_eq(main_stmt(p, 0)->decl->phase, LANG_PUBLIC);
	cr_assert_eq(main_stmt(p, 2)->decl->phase, LANG_SECRET);
	cr_assert_eq(main_stmt(p, 3)->decl->phase, LANG_SECRET); /* assigned under a secret if */
	cr_assert_eq(main_stmt(p, 5)->decl->phase, LANG_PUBLIC);
	cr_assert_eq(p->fns[0]->params[0]->phase, LANG_SECRET);
	cr_assert_eq(p->fns[1]->params[0]->phase, LANG_PUBLIC);
	cr_assert_eq(p->fns[1]->ret_phase, LANG_PUBLIC);
	lang_free(p);
}

Test(lang, warns_about_costly_secret_operations)
{
	char buf[512];
	struct lang_program *p = parse("party a;\n"
				       "input x: u32 from a;\n"
				       "input k: u8 from a;\n"
				       "output o: u32 to a;\n"
				       "var t: [u32; 8] = [0; 8];\n"
				       "t[k] = x;\n"
				       "o = t[k] / x;\n");
	assert_clean(p);
	cr_assert_eq(lang_warning_count(p), 3);
	cr_assert_str_eq(lang_diag_format(lang_diag_get(p, 0), buf, sizeof(buf)),
			 "t.mpc:6:2: warning: indexing with a secret value costs about 320 AND gates");
	cr_assert_str_eq(lang_diag_format(lang_diag_get(p, 1), buf, sizeof(buf)),
			 "t.mpc:7:6: warning: indexing with a secret value costs about 224 AND gates");
	cr_assert_str_eq(lang_diag_format(lang_diag_get(p, 2), buf, sizeof(buf)),
			 "t.mpc:7:10: warning: secret division costs about n^2 AND gates (1024 here)");
	lang_free(p);
}

/* ---- walking ---- */

static bool count_names(void *ctx, const struct ast_expr *e)
{
	if (e->kind == AST_E_NAME)
		++*(int *)ctx;
	return true;
}

static bool count_ifs(void *ctx, const struct ast_stmt *s)
{
	if (s->kind == AST_S_IF)
		++*(int *)ctx;
	return true;
}

Test(lang, walks_the_tree)
{
	struct lang_program *p = parse(vickrey);
	assert_clean(p);
	int names = 0, ifs = 0;
	struct ast_visitor v = {NULL, count_names, &names};
	ast_walk_block(p->main, &v);
	/* bid; N; bid i best; second best; best bid i; who i; second second bid i; winner who;
	 * price second */
	cr_assert_eq(names, 20);
	struct ast_visitor vs = {count_ifs, NULL, &ifs};
	ast_walk_block(p->fns[0]->body, &vs);
	ast_walk_block(p->main, &vs);
	cr_assert_eq(ifs, 2);
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	lang_dump(p, f);
	fclose(f);
	cr_assert_not_null(strstr(text, "for i (3 times)"));
	cr_assert_not_null(strstr(text, "input bid: [u32; 4] from bidder"));
	free(text);
	lang_free(p);
}

/* ---- robustness ---- */

Test(lang, deep_and_huge_inputs_are_errors)
{
	char buf[512];
	size_t n = 200000;
	char *src = malloc(2 * n + 64);
	size_t k = (size_t)sprintf(src, "var x: u32 = ");
	memset(src + k, '(', n);
	src[k + n] = '1';
	memset(src + k + n + 1, ')', n);
	strcpy(src + k + 2 * n + 1, ";");
	struct lang_program *p = parse(src);
	cr_assert_geq(lang_error_count(p), 1);
	cr_assert_not_null(strstr(first_diag(p, buf, sizeof(buf)), "nested too deeply"));
	lang_free(p);

	k = (size_t)sprintf(src, "var x: u32 = ");
	memset(src + k, '-', 400);
	strcpy(src + k + 400, "1;");
	p = parse(src);
	cr_assert_str_eq(first_diag(p, buf, sizeof(buf)),
			 "t.mpc:1:158: error: expression is nested too deeply (more than 256 levels)");
	lang_free(p);

	/* a literal of 30000 digits: more than 65536 bits */
	k = (size_t)sprintf(src, "var x: u32 = ");
	memset(src + k, '7', 30000);
	strcpy(src + k + 30000, ";");
	p = parse(src);
	cr_assert_str_eq(first_diag(p, buf, sizeof(buf)),
			 "t.mpc:1:14: error: integer literal is too large (more than 65536 bits)");
	lang_free(p);

	/* an identifier longer than LANG_MAX_NAME */
	k = (size_t)sprintf(src, "var ");
	memset(src + k, 'v', 300);
	strcpy(src + k + 300, ": u8 = 1;");
	p = parse(src);
	cr_assert_str_eq(first_diag(p, buf, sizeof(buf)),
			 "t.mpc:1:5: error: identifier is too long (300 characters; at most 200)");
	lang_free(p);
	free(src);

	p = parse("var a: [[[u32; 4096]; 4096]; 4096] = [[[0; 4096]; 4096]; 4096];");
	cr_assert_geq(lang_error_count(p), 1);
	lang_free(p);
}

static const char *const fragments[] = {
	"var ", "x", ": ", "u32", "u8", "i16", " = ", ";", "{", "}", "(", ")", "[", "]",
	"for i in 0..4 ", "if ", "else ", "return ", "fn f(a: u32) -> u32 ", "param N = 3;",
	"party p[N];", "input b: u32 from p;", "output o: u32 to all;", "o = ", "b[i]", " + ",
	" << ", " as u8", "struct P { x: u32 }", "P { x: 1 }", ".x", "mux(", "min(", ",", "0xff",
	"-", "~", "!", "true", "?", ":", "/* ", "*/", "//", "\n", "popcount(", "(a, b)",
	"var (a, b) = ", "1", "300", "N", "i", "const K = ", "[0; N]", " == ", " / ", "%", "u65536",
	"-0x8000000000000000", "1 << 65535", "i1", "[u8; 16777216]",
};

/* What a program without errors promises the lowering, checked on every expression. */
static bool expr_invariants(void *ctx, const struct ast_expr *e)
{
	(void)ctx;
	cr_assert_not_null(e->type);
	cr_assert_neq(e->type->kind, LANG_T_ERROR);
	bool untyped_static = e->type->kind != LANG_T_INT || e->phase <= LANG_LOOP;
	bool const_value = e->phase != LANG_CONST || !lang_type_is_scalar(e->type) || e->value.n > 0;
	bool resolved = (e->kind != AST_E_NAME || e->decl != NULL) &&
			(e->kind != AST_E_CALL || e->fn != NULL);
	cr_assert(untyped_static && const_value && resolved, "expression at %u:%u", e->loc.line,
		  e->loc.col);
	return true;
}

static void check_invariants(const struct lang_program *p)
{
	struct ast_visitor v = {NULL, expr_invariants, NULL};
	ast_walk_block(p->main, &v);
	for (uint32_t i = 0; i < p->nfns; i++)
		ast_walk_block(p->fns[i]->body, &v);
	for (uint32_t i = 0; i < p->nconsts; i++)
		ast_walk_expr(p->consts[i]->init, &v);
}

static bool word_char(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Replaces k words (identifiers, numbers) of src by others: mostly still valid syntax. */
static size_t swap_words(char *buf, const char *src, int k)
{
	static const char *const words[] = {
		"0", "1", "N", "300", "65536", "u1", "i1", "u65536", "bool", "a", "b", "c", "o",
		"q", "t", "i", "j", "arr", "pt", "lo", "hi", "sum", "pair", "x", "y", "Point", "K",
		"T", "p", "alice", "-1", "0xffffffffffffffffffffffffffffffffff", "total", "true",
		"all", "u8", "i64"};
	size_t n = strlen(src);
	memcpy(buf, src, n);
	while (k-- > 0) {
		size_t pos = rnd() % n, end;
		while (pos < n && !word_char(buf[pos]))
			pos++;
		for (end = pos; end < n && word_char(buf[end]); end++)
			;
		const char *w = words[rnd() % ARRAY_LEN(words)];
		size_t l = strlen(w);
		memmove(buf + pos + l, buf + end, n - end);
		memcpy(buf + pos, w, l);
		n = n - (end - pos) + l;
	}
	return n;
}

/* Random bytes, random fragments and edits of the example: never a crash, always a result. */
Test(lang, garbage_never_crashes, .timeout = 300)
{
	static char buf[1 << 16];
	size_t base = strlen(vickrey);
	FILE *sink = fopen("/dev/null", "w");
	cr_assert_not_null(sink);
	int clean = 0;
	for (int it = 0; it < 8000; it++) {
		size_t n = 0;
		switch (it % 4) {
		case 3:
			n = swap_words(buf, rich, 1 + (int)(rnd() % 3));
			break;
		case 0:
			n = rnd() % 400;
			for (size_t i = 0; i < n; i++)
				buf[i] = (char)rnd();
			break;
		case 1:
			for (int k = (int)(rnd() % 60); k > 0; k--) {
				const char *s = fragments[rnd() % ARRAY_LEN(fragments)];
				size_t l = strlen(s);
				memcpy(buf + n, s, l);
				n += l;
			}
			break;
		default:
			memcpy(buf, vickrey, base);
			n = base;
			for (int k = 1 + (int)(rnd() % 6); k > 0; k--) {
				size_t pos = rnd() % (n + 1);
				const char *s = fragments[rnd() % ARRAY_LEN(fragments)];
				size_t l = strlen(s), cut = rnd() % 8;
				if (cut > n - pos)
					cut = n - pos;
				memmove(buf + pos + l, buf + pos + cut, n - pos - cut);
				memcpy(buf + pos, s, l);
				n = n - cut + l;
			}
			break;
		}
		struct lang_program *p = lang_parse_string("fuzz.mpc", buf, n, NULL);
		cr_assert_not_null(p);
		lang_print_diags(p, sink);
		if (lang_error_count(p) == 0) {
			lang_dump(p, sink);
			check_invariants(p);
			clean++;
		}
		lang_free(p);
	}
	fclose(sink);
	cr_assert_gt(clean, 200); /* the checked trees were exercised too */
}
