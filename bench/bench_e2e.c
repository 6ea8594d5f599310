/* bench_e2e.c: the whole two-party protocol, garbler and evaluator in two processes over
 * loopback TCP, on the Bristol AES-128 circuit run again and again in one session.
 *
 *   bench_e2e [BLOCKS] [BRISTOL_DIR] [CIRCUIT]   (default 10000 blocks = 64 M AND gates)
 *
 * Reports the session set-up (connect + base OTs), the time per further AES block, AND gates
 * per second end to end, traffic, and each party's peak memory, beside this machine's AES
 * throughput. Targets (issue 4): >= 35 M AND/s end to end on the 64 M-AND job, < 1 ms per
 * further AES block, < 64 MiB peak memory per party. Prints a table, then one JSON line.
 * With CIRCUIT (any two-party circuit file, as `mpcc compile PROG.mpc -D N=8 -o x.txt` makes
 * of vickrey.mpc, whose Bristol form gives the inputs to p0 and p1 in turn) it runs that
 * circuit BLOCKS times instead, on random inputs (target for an 8-bidder Vickrey auction:
 * < 0.4 ms per further run).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "circuit.h"
#include "net.h"
#include "party.h"
#include "prg.h"

struct side {
	double setup_s, runs_s, rss_mib;
	struct party_stats st;
	int ok;
};

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_e2e: %s: %s\n", what, why);
	exit(1);
}

/* One party: set up the session on fd, run the circuit `blocks` times, fill *s. For the AES
 * circuit the inputs are a key and a counter (each block its own plaintext); for another,
 * random values that change every run. */
static void play(const struct circ_circuit *c, uint32_t me, int fd, long blocks, bool aes,
		 struct side *s)
{
	net_chan *ch = NULL;
	prg *p = NULL;
	party *pt = NULL;
	uint64_t **in = calloc(c->ninputs + 1, sizeof(*in)),
		 **out = calloc(c->noutputs + 1, sizeof(*out));
	bool *learned = calloc(c->noutputs + 1, sizeof(*learned));
	if (!in || !out || !learned)
		die("set-up", "out of memory");
	for (uint32_t k = 0; k < c->ninputs; k++)
		if (!(in[k] = calloc(circ_limbs(c->inputs[k].width) + 2, 8)))
			die("set-up", "out of memory");
	for (uint32_t k = 0; k < c->noutputs; k++)
		if (!(out[k] = calloc(circ_limbs(c->outputs[k].width) + 1, 8)))
			die("set-up", "out of memory");
	if (aes) {
		in[0][0] = 0x0706050403020100u;
		in[0][1] = 0x0f0e0d0c0b0a0908u;
	}
	uint64_t x = 0x9e3779b97f4a7c15u;
	double t0 = bench_now();
	if (net_chan_new(&ch, fd, 60000) || prg_new_random(&p))
		die("set-up", "out of memory");
	if (party_new(&pt, c, me, ch, p))
		die("set-up", party_error(pt));
	double t1 = bench_now();
	for (long i = 0; i < blocks; i++) {
		if (aes)
			in[1][0] = (uint64_t)i; /* counter mode: each block its own plaintext */
		for (uint32_t k = 0; !aes && k < c->ninputs; k++) {
			uint32_t w = c->inputs[k].width;
			for (size_t l = 0; l < circ_limbs(w); l++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
				in[k][l] = x;
			}
			if (w % 64)
				in[k][circ_limbs(w) - 1] &= ((uint64_t)1 << (w % 64)) - 1;
		}
		if (party_run(pt, in, out, learned))
			die("run", party_error(pt));
	}
	double t2 = bench_now();
	s->setup_s = t1 - t0;
	s->runs_s = t2 - t1;
	party_get_stats(pt, &s->st);
	s->rss_mib = bench_peak_rss_mib();
	s->ok = 1;
	party_free(pt);
	prg_free(p);
	net_chan_free(ch);
	for (uint32_t k = 0; k < c->ninputs; k++)
		free(in[k]);
	for (uint32_t k = 0; k < c->noutputs; k++)
		free(out[k]);
	free(in);
	free(out);
	free(learned);
}

int main(int argc, char **argv)
{
	long blocks = argc > 1 ? atol(argv[1]) : 10000;
	const char *dir = argc > 2 ? argv[2] : getenv("MPCC_BRISTOL_DIR");
	char path[1024], errmsg[NET_ERRMSG_BYTES];
	bool is_aes = argc <= 3;
	if (is_aes)
		snprintf(path, sizeof(path), "%s/aes_128.txt",
			 dir ? dir : "../shared/circuits/bristol");
	else
		snprintf(path, sizeof(path), "%s", argv[3]);
	struct circ_circuit *c;
	struct circ_err err;
	if (blocks < 1)
		die("usage", "bench_e2e [BLOCKS] [BRISTOL_DIR] [CIRCUIT]");
	if (circ_load(&c, path, CIRC_FMT_AUTO, NULL, &err))
		die("load", err.msg);
	if (c->nparties != 2 || (is_aes && (c->ninputs != 2 || c->noutputs != 1)))
		die("load", "not a two-party circuit (or not the AES-128 one)");
	double aes = bench_aes_blocks_per_s();

	int lfd, fd, pp[2];
	uint16_t port;
	if (net_listen(&lfd, "127.0.0.1:0", errmsg) || net_local_port(lfd, &port, errmsg) ||
	    pipe(pp))
		die("listen", errmsg);
	pid_t pid = fork();
	if (pid == 0) { /* the garbler */
		struct side g = {0};
		char addr[32];
		close(pp[0]);
		close(lfd);
		snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
		if (net_connect(&fd, addr, 10000, errmsg))
			die("connect", errmsg);
		play(c, PARTY_GARBLER, fd, blocks, is_aes, &g);
		_exit(write(pp[1], &g, sizeof(g)) == sizeof(g) ? 0 : 1);
	}
	close(pp[1]);
	struct side e = {0}, g = {0};
	if (net_accept(lfd, 10000, &fd, errmsg))
		die("accept", errmsg);
	close(lfd);
	play(c, PARTY_EVALUATOR, fd, blocks, is_aes, &e);
	if (read(pp[0], &g, sizeof(g)) != sizeof(g) || !g.ok)
		die("garbler", "no report");
	waitpid(pid, NULL, 0);

	double ands = (double)e.st.and_gates, wall = e.runs_s > g.runs_s ? e.runs_s : g.runs_s;
	double rate = ands / wall, per_block = wall / (double)blocks;
	printf("mpcc end-to-end benchmark: %s x %ld in one session, two processes, loopback "
	       "TCP\n",
	       is_aes ? "AES-128" : path, blocks);
	printf("  %-40s %10.0f M blocks/s\n", "AES-128 (OpenSSL EVP, one core)", aes / 1e6);
	printf("  %-40s %10.2f ms\n", "session set-up (connect + base OTs)", e.setup_s * 1e3);
	printf("  %-40s %10.1f M   (%.0f bytes/AND on the wire)\n", "AND gates", ands / 1e6,
	       (double)g.st.bytes_sent / ands);
	printf("  %-40s %10.2f M AND/s (target >= 35)\n", "end to end", rate / 1e6);
	printf("  %-40s %10.3f ms  (target < %s)\n",
	       is_aes ? "per further AES block" : "per further run", per_block * 1e3,
	       is_aes ? "1" : "0.4 for an 8-bidder Vickrey auction");
	printf("  %-40s %10.1f / %.1f MiB (target < 64)\n", "peak memory garbler / evaluator",
	       g.rss_mib, e.rss_mib);
	printf("  %-40s %10.3f / %.3f / %.3f / %.3f s\n", "garbler: OT ext / garble / output / all",
	       g.st.ot_ext_s, g.st.garble_s, g.st.output_s, g.runs_s);
	printf("  %-40s %10.3f / %.3f / %.3f / %.3f s\n", "evaluator: OT ext / eval / output / all",
	       e.st.ot_ext_s, e.st.garble_s, e.st.output_s, e.runs_s);
	printf("{\"bench\": \"e2e\", \"blocks\": %ld, \"aes128_blocks_per_s\": %.0f, "
	       "\"setup_ms\": %.3f, \"and_gates\": %.0f, \"and_per_s\": %.0f, "
	       "\"ms_per_block\": %.4f, \"bytes_garbler_sent\": %llu, \"garbler_rss_mib\": %.1f, "
	       "\"evaluator_rss_mib\": %.1f}\n",
	       blocks, aes, e.setup_s * 1e3, ands, rate, per_block * 1e3,
	       (unsigned long long)g.st.bytes_sent, g.rss_mib, e.rss_mib);
	circ_free(c);
	return 0;
}
