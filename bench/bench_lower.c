/* bench_lower.c: compiling a .mpc program of about 10 million AND gates, end to end (parse,
 * check, lower, optimise, the circuit's gate list), in memory.
 *
 *   bench_lower [ROUNDS]     (default 2440 rounds of a 64-bit multiply-add: ~10 M ANDs)
 *
 * Target (issue 3): under 10 s and under 2 GB. Prints a table, then one JSON line, beside this
 * machine's AES throughput (the figure every mpcc benchmark states).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "circuit.h"
#include "compiler.h"

static const char program[] =
	"// a chain of 64-bit multiply-adds: nothing folds, nothing is dead\n"
	"param K = 10;\n"
	"party a, b;\n"
	"input x: u64 from a;\n"
	"input y: u64 from b;\n"
	"output z: u64 to all;\n"
	"var acc: u64 = x;\n"
	"for i in 0..K { acc = acc * y + x; }\n"
	"z = acc;\n";

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 2440;
	char def[64];
	const char *defs[1] = {def};
	snprintf(def, sizeof(def), "K=%ld", rounds);
	double aes = bench_aes_blocks_per_s();
	struct compiler_stats st = {0};
	struct compiler_options opt = {.defines = defs, .ndefines = 1, .stats = &st};
	struct circ_circuit *c = NULL;
	double t0 = bench_now();
	if (compiler_compile(&c, "chain.mpc", program, sizeof(program) - 1, &opt, stderr) != 0)
		return 1;
	double t = bench_now() - t0;
	uint64_t ands = 0;
	for (uint64_t g = 0; g < c->ngates; g++)
		ands += c->gates[g].kind == GATE_AND;
	double rss = bench_peak_rss_mib();
	printf("mpcc compile benchmark: %ld rounds of a 64-bit multiply-add\n", rounds);
	printf("  %-34s %10.0f M blocks/s\n", "AES-128 (OpenSSL EVP, one core)", aes / 1e6);
	printf("  %-34s %10.2f M AND, %.2f M gates\n", "circuit", (double)ands / 1e6,
	       (double)c->ngates / 1e6);
	printf("  %-34s %10.2f s   (target < 10; lowering %.2f s, gate list %.2f s)\n",
	       "compile, in memory", t, st.lower_seconds, st.finish_seconds);
	printf("  %-34s %10.2f M gates/s\n", "speed", (double)c->ngates / t / 1e6);
	printf("  %-34s %10.0f MiB (target < 2048)\n", "peak memory", rss);
	printf("{\"bench\": \"compile\", \"rounds\": %ld, \"aes128_blocks_per_s\": %.0f, "
	       "\"and_gates\": %llu, \"gates\": %llu, \"seconds\": %.3f, \"gates_per_s\": %.0f, "
	       "\"peak_rss_mib\": %.0f}\n",
	       rounds, aes, (unsigned long long)ands, (unsigned long long)c->ngates, t,
	       (double)c->ngates / t, rss);
	circ_free(c);
	return 0;
}
