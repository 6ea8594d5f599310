/* compiler.h: mpcc's compiler, from `.mpc` source to a boolean circuit.
 *
 *	struct circ_circuit *c;
 *	if (compiler_compile_file(&c, "vickrey.mpc", defs, ndefs, stderr) != 0)
 *		return 1;                  // every diagnostic is printed already
 *	...                                // c has parties, inputs, gates, outputs
 *	circ_free(c);
 *
 * The front end (lang/) parses and checks; lower_program() (lower.c) unrolls loops, inlines
 * calls, merges secret `if`s with muxes and bit-blasts every operator with the blocks of
 * blocks.h; the builder folds constants, hashes gates and drops dead ones.
 *
 * The circuit's interface follows the program's declarations: parties in declaration order
 * (a party array `p[N]` becomes "p[0]" .. "p[N-1]"), then inputs and outputs in declaration
 * order, each flattened to scalars: "x", "v[2]", "d[1][0]", "pt.x", "bid[3]" (element i of an
 * input from a whole party array comes from p[i], element i of an output to one goes to
 * p[i]). iN inputs and outputs carry CIRC_SIGNED; bool is 1 bit.
 *
 * Sums over a party array. An input from a party array whose values the program only ever
 * adds up over all the parties (`for b in 0..N { acc += x[b][p]; }`, sums.c has the exact
 * rule) becomes sum groups: each of its scalars, x[0][p] .. x[N-1][p], is a CIRC_SUM input
 * (same names as otherwise), and the members of a group share wires carrying their sum, so
 * parties send additive shares and the circuit does not grow with N.
 *
 * Diagnostics go to the FILE given (NULL: nowhere) in the compiler's format, warnings too.
 */
#ifndef MPCC_COMPILER_H
#define MPCC_COMPILER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "circuit.h"

struct lang_program;

enum {
	/* Limits that keep a compilation finite on any input (0 in the options: these). */
	COMPILER_MAX_STEPS = 1 << 28,   /* statements run while unrolling */
};
#define COMPILER_MAX_NODES ((uint64_t)1 << 28) /* builder nodes (gates before removal) */
#define COMPILER_MAX_BYTES ((uint64_t)2 << 30) /* the lowering's own memory */

/* What one compilation did, for --stats and the benchmarks. */
struct compiler_stats {
	uint64_t steps;        /* statements run (loops unrolled, calls inlined) */
	uint64_t nodes;        /* builder nodes before dead-gate removal */
	uint64_t ands_built;   /* AND gates built, before dead-gate removal */
	double lower_seconds;  /* lowering (after parsing and checking) */
	double finish_seconds; /* dead-gate removal and the circuit's gate list */
};

struct compiler_options {
	const char *const *defines; /* "NAME=VALUE" strings from -D */
	int ndefines;
	uint64_t max_steps, max_nodes, max_bytes; /* 0: the COMPILER_MAX_ defaults */
	struct compiler_stats *stats;             /* filled in when not NULL */
	/* true: no sum groups; every input gets wires of its own (see "Sums over a party
	 * array" below). The outputs are the same either way. */
	bool no_sum_groups;
};

/* Compiles the file at path. Returns 0 with *out set, or -1 after printing every diagnostic
 * to diag (warnings are printed on success too). */
int compiler_compile_file(struct circ_circuit **out, const char *path,
			  const char *const *defines, int ndefines, FILE *diag);
/* The same for source text in memory; name appears in diagnostics. */
int compiler_compile_string(struct circ_circuit **out, const char *name, const char *src,
			    size_t len, const char *const *defines, int ndefines, FILE *diag);
/* Either, with options: src NULL reads the file `name`. */
int compiler_compile(struct circ_circuit **out, const char *name, const char *src, size_t len,
		     const struct compiler_options *opt, FILE *diag);

/* The lowering alone (lower.c): a checked program without errors to a new circuit. Returns 0,
 * or -1 after printing "FILE:LINE:COL: error: ..." lines to diag (a program too large for the
 * limits, out of memory). */
int lower_program(struct circ_circuit **out, const struct lang_program *p,
		  const struct compiler_options *opt, FILE *diag);

#endif
