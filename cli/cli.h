/* cli.h: what the mpcc subcommands share: argument helpers, loading a program or circuit,
 * printing values. Each subcommand is `int cmd_NAME(int argc, char **argv)` returning the
 * exit status (0 ok, 1 failed, 2 usage error). */
#ifndef MPCC_CLI_H
#define MPCC_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "circuit.h"

enum { EXIT_USAGE = 2 };

/* Options every command that loads a FILE takes: "-D NAME=VALUE" definitions for .mpc
 * programs, and "--input-parties P,P,..." for Bristol files (the party index of input 0, 1,
 * ...; by default input i comes from party i mod 2). */
struct cli_defines {
	int n;
	const char **items; /* "NAME=VALUE" strings from argv */
	uint32_t input_party[256];
	uint32_t ninput_party;
};

/* Takes -D or --input-parties at argv[*i] into defs: 1 when it did, 0 when argv[*i] is
 * something else, -1 (message printed) when its value is missing or wrong. */
int cli_take_load_option(int argc, char **argv, int *i, struct cli_defines *defs);

/* Matches argv[*i] against an option taking a value ("--opt V", "--opt=V", or for a one-letter
 * option "-DV"); on a match sets *val, advances *i past what it used and returns true. On a
 * missing value prints an error and sets *val to NULL. */
bool cli_opt_value(int argc, char **argv, int *i, const char *opt, const char **val);

/* Loads FILE: a .mpc program (compiled in memory with defs) or a circuit in either format.
 * Prints a message and returns -1 on failure. */
int cli_load(struct circ_circuit **out, const char *path, const struct cli_defines *defs);

/* Parses every "NAME=VALUE" into values[k] (limbs per input k); every input of party (or of
 * every party, with CIRC_ALL) must be given exactly once, and no other. Prints messages and
 * returns NULL on error. Free the result with cli_free_values(v, c->ninputs). */
uint64_t **cli_parse_inputs(const struct circ_circuit *c, const char **items, int n,
			    uint32_t party);
uint64_t **cli_alloc_outputs(const struct circ_circuit *c);
void cli_free_values(uint64_t **v, uint32_t n);

/* Prints outputs "NAME = VALUE" per line, or one JSON object; only the outputs for which
 * show[k] is true when show is not NULL. */
void cli_print_outputs(FILE *f, const struct circ_circuit *c, uint64_t *const *values,
		       const bool *show, bool json, bool hex);

/* The report of `mpcc stats` for c (gates, depth, wires, parties, interface, identity),
 * headed by label; one JSON object with json. Returns 0, or -1 after a message. */
int cli_print_stats(FILE *f, const char *label, const struct circ_circuit *c, bool json);

int cmd_stats(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_local(int argc, char **argv);
int cmd_keygen(int argc, char **argv); /* cmd_keygen.c */

#endif
