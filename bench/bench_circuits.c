/* bench_circuits.c: how fast circuits load and evaluate in the clear.
 *
 * Reads sha256.txt (Bristol text) and its binary form, evaluates AES-128 and SHA-256 with the
 * bit-sliced evaluator, and states this machine's AES-128 throughput for comparison. Prints a
 * table, then one JSON line. Targets (issue 2): text load of sha256.txt < 50 ms, binary load
 * >= 10x faster, >= 2e9 gate-evaluations/s on one core (a gate on 64 lanes counts 64).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "circuit.h"

static struct circ_circuit *load(const char *path, enum circ_format fmt)
{
	struct circ_circuit *c;
	struct circ_err err;
	if (circ_load(&c, path, fmt, NULL, &err) != 0) {
		fprintf(stderr, "bench_circuits: %s\n", err.msg);
		exit(1);
	}
	return c;
}

/* Best time of n loads. */
static double time_load(const char *path, enum circ_format fmt, int n)
{
	double best = 1e9;
	for (int i = 0; i < n; i++) {
		double t0 = bench_now();
		struct circ_circuit *c = load(path, fmt);
		double t = bench_now() - t0;
		circ_free(c);
		if (t < best)
			best = t;
	}
	return best;
}

/* Gate evaluations per second (64 per gate per pass) over ~0.5 s. */
static double eval_rate(const struct circ_circuit *c)
{
	uint64_t *in = calloc(c->nin_bits + 1, 8), *out = calloc(c->nout_bits + 1, 8);
	uint64_t *w = calloc(circ_nwires(c) + 1, 8);
	for (uint32_t i = 0; i < c->nin_bits; i++)
		in[i] = (uint64_t)i * 0x9e3779b97f4a7c15u;
	uint64_t passes = 0;
	double t0 = bench_now(), t;
	do {
		circ_eval64(c, in, out, w);
		in[0] ^= out[0];
		passes++;
	} while ((t = bench_now() - t0) < 0.5);
	free(in);
	free(out);
	free(w);
	return (double)passes * (double)c->ngates * 64 / t;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("MPCC_BRISTOL_DIR");
	if (!dir)
		dir = "../shared/circuits/bristol";
	char sha[1024], aes[1024], bin[] = "/tmp/mpcc-bench-XXXXXX";
	snprintf(sha, sizeof(sha), "%s/sha256.txt", dir);
	snprintf(aes, sizeof(aes), "%s/aes_128.txt", dir);
	int fd = mkstemp(bin);
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	struct circ_circuit *c = load(sha, CIRC_FMT_BRISTOL);
	struct circ_err err;
	if (circ_save(c, bin, CIRC_FMT_BINARY, &err) != 0) {
		fprintf(stderr, "bench_circuits: %s\n", err.msg);
		return 1;
	}
	double aes_rate = bench_aes_blocks_per_s();
	double t_text = time_load(sha, CIRC_FMT_BRISTOL, 20);
	double t_bin = time_load(bin, CIRC_FMT_BINARY, 50);
	double r_sha = eval_rate(c);
	struct circ_circuit *a = load(aes, CIRC_FMT_BRISTOL);
	double r_aes = eval_rate(a);
	remove(bin);

	printf("mpcc circuits benchmark (one core)\n");
	printf("  %-36s %12.0f M blocks/s\n", "AES-128 (OpenSSL EVP, this machine)", aes_rate / 1e6);
	printf("  %-36s %12.2f ms   (target < 50)\n", "load sha256.txt (Bristol text)", t_text * 1e3);
	printf("  %-36s %12.2f ms   (%.1fx faster; target >= 10x)\n", "load sha256 (binary)",
	       t_bin * 1e3, t_text / t_bin);
	printf("  %-36s %12.2f G gate-evals/s (target >= 2)\n", "evaluate sha256, 64 lanes",
	       r_sha / 1e9);
	printf("  %-36s %12.2f G gate-evals/s\n", "evaluate aes_128, 64 lanes", r_aes / 1e9);
	printf("{\"bench\": \"circuits\", \"aes128_blocks_per_s\": %.0f, "
	       "\"sha256_text_load_ms\": %.3f, \"sha256_binary_load_ms\": %.3f, "
	       "\"binary_speedup\": %.1f, \"sha256_gate_evals_per_s\": %.0f, "
	       "\"aes128_gate_evals_per_s\": %.0f}\n",
	       aes_rate, t_text * 1e3, t_bin * 1e3, t_text / t_bin, r_sha, r_aes);
	circ_free(c);
	circ_free(a);
	return 0;
}
