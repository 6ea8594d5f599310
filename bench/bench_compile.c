/* bench_compile.c: how fast the gate builder and bld_finish make a big circuit.
 *
 * Builds a chain of 64-bit multiplications, acc = acc * y (4033 ANDs each, nothing folds or
 * hashes away), until it holds about 10 million ANDs (or the count given as argv[1]), then
 * finishes it into a circ_circuit. Reports build and finish seconds, gates per second and
 * the peak resident set (getrusage, taken before the statistics pass), and states this
 * machine's AES-128 throughput beside them. Prints a table, then one JSON line.
 * Targets: under 10 s and under 2 GB for 10 M ANDs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "blocks.h"

enum { N = 64 };

int main(int argc, char **argv)
{
	uint64_t target = 10000000;
	if (argc > 1) {
		char *end;
		unsigned long long v = strtoull(argv[1], &end, 10);
		if (*end != '\0' || v == 0 || v > 200000000ull) {
			fprintf(stderr, "usage: bench_compile [ANDS (1 .. 200000000)]\n");
			return 2;
		}
		target = v;
	}
	double aes_rate = bench_aes_blocks_per_s();

	struct circ_circuit *c = circ_new();
	struct bld *b = bld_new();
	struct circ_err err;
	if (!c || !b || circ_add_party(c, "a") < 0 || circ_add_party(c, "b") < 0 ||
	    circ_add_input(c, "x", N, 0, 0) < 0 || circ_add_input(c, "y", N, 0, 1) < 0) {
		fprintf(stderr, "bench_compile: out of memory\n");
		return 1;
	}
	double t0 = bench_now();
	bit acc[N], y[N], t[N];
	for (uint32_t j = 0; j < N; j++) {
		acc[j] = bld_input(b, j);
		y[j] = bld_input(b, N + j);
	}
	uint64_t muls = 0;
	while (bld_and_count(b) < target && !bld_failed(b)) {
		blk_mul(b, t, acc, y, N);
		memcpy(acc, t, sizeof(acc));
		muls++;
	}
	uint64_t nodes = bld_node_count(b), ands_built = bld_and_count(b);
	if (bld_output(b, "p", N, 0, CIRC_ALL, acc) != 0) {
		fprintf(stderr, "bench_compile: out of memory\n");
		return 1;
	}
	double t1 = bench_now();
	if (bld_finish(b, c, &err) != 0) {
		fprintf(stderr, "bench_compile: %s\n", err.msg);
		return 1;
	}
	double t2 = bench_now();
	double rss = bench_peak_rss_mib();
	bld_free(b);

	struct circ_stats st;
	if (circ_compute_stats(c, &st, &err) != 0) {
		fprintf(stderr, "bench_compile: %s\n", err.msg);
		return 1;
	}
	double build_s = t1 - t0, finish_s = t2 - t1, total_s = t2 - t0;
	double gates_per_s = (double)st.ngates / total_s;

	printf("mpcc compile benchmark (one core): %llu chained %u-bit multiplications\n",
	       (unsigned long long)muls, N);
	printf("  %-38s %12.0f M blocks/s\n", "AES-128 (OpenSSL EVP, this machine)",
	       aes_rate / 1e6);
	printf("  %-38s %12llu\n", "builder nodes", (unsigned long long)nodes);
	printf("  %-38s %12llu\n", "AND gates", (unsigned long long)st.gates[GATE_AND]);
	printf("  %-38s %12llu\n", "gates (AND, XOR, NOT, CONST)", (unsigned long long)st.ngates);
	printf("  %-38s %12llu\n", "peak live wires", (unsigned long long)st.peak_live);
	printf("  %-38s %12.2f s\n", "build (blocks, folding, hashing)", build_s);
	printf("  %-38s %12.2f s\n", "bld_finish", finish_s);
	printf("  %-38s %12.2f s    (target < 10 for 10 M ANDs)\n", "total", total_s);
	printf("  %-38s %12.2f M gates/s\n", "rate", gates_per_s / 1e6);
	printf("  %-38s %12.0f MiB  (target < 2048)\n", "peak RSS", rss);
	printf("{\"bench\": \"compile\", \"aes128_blocks_per_s\": %.0f, \"muls\": %llu, "
	       "\"nodes\": %llu, \"ands_built\": %llu, \"ands\": %llu, \"gates\": %llu, "
	       "\"peak_live\": %llu, \"build_s\": %.3f, \"finish_s\": %.3f, \"total_s\": %.3f, "
	       "\"gates_per_s\": %.0f, \"peak_rss_mib\": %.0f}\n",
	       aes_rate, (unsigned long long)muls, (unsigned long long)nodes,
	       (unsigned long long)ands_built, (unsigned long long)st.gates[GATE_AND],
	       (unsigned long long)st.ngates, (unsigned long long)st.peak_live, build_s, finish_s,
	       total_s, gates_per_s, rss);
	circ_free(c);
	return 0;
}
