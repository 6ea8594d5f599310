/* bench_e2e.c: the whole two-party protocol, garbler and evaluator in two processes over
 * loopback TCP, on the Bristol AES-128 circuit run again and again in one session, then on
 * an 8-bidder Vickrey auction run again and again in another.
 *
 *   bench_e2e [BLOCKS] [BRISTOL_DIR] [CIRCUIT]   (default 10000 blocks = 64 M AND gates)
 *
 * Reports the session set-up (connect + base OTs), the time per further AES block, AND gates
 * per second end to end, traffic, and each party's peak memory, beside this machine's AES
 * throughput. Targets (issue 4): >= 35 M AND/s end to end on the 64 M-AND job, < 1 ms per
 * further AES block, < 64 MiB peak memory per party, < 0.4 ms per further 8-bidder Vickrey
 * auction. BLOCKS 0 skips the AES job. The Vickrey job compiles circuits/programs/vickrey.mpc
 * with N=8 (under $MPCC_SOURCE_ROOT, set by `meson test`, else under the current directory)
 * and gives bidders 0-3 to the garbler and 4-7 to the evaluator, then runs it VICKREY_RUNS
 * times on random bids; both parties check every run's outputs against the plaintext answer,
 * and a wrong one fails the benchmark. With CIRCUIT (any two-party circuit file) it runs that
 * circuit BLOCKS times instead of both jobs, on random inputs, checked the same way. Prints
 * a table, then one JSON line.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "circuit.h"
#include "compiler.h"
#include "net.h"
#include "party.h"
#include "prg.h"

enum { VICKREY_N = 8, VICKREY_RUNS = 1000 };

struct side {
	double setup_s, runs_s, rss_mib;
	struct party_stats st;
	int ok;	    /* the party finished */
	int wrong;  /* runs whose outputs differ from the plaintext answer */
};

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_e2e: %s: %s\n", what, why);
	exit(1);
}

/* Random values for every input (the same sequence in both processes, so either can check
 * every run in the clear afterwards). */
static void random_inputs(const struct circ_circuit *c, uint64_t **in, uint64_t *x)
{
	for (uint32_t k = 0; k < c->ninputs; k++) {
		uint32_t w = c->inputs[k].width;
		for (size_t l = 0; l < circ_limbs(w); l++) {
			*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17; /* xorshift64 */
			in[k][l] = *x;
		}
		if (w % 64)
			in[k][circ_limbs(w) - 1] &= ((uint64_t)1 << (w % 64)) - 1;
	}
}

static uint64_t **alloc_values(const struct circ_circuit *c, bool outputs, size_t extra)
{
	uint32_t n = outputs ? c->noutputs : c->ninputs;
	uint64_t **v = calloc(n + 1, sizeof(*v));
	if (!v)
		die("set-up", "out of memory");
	for (uint32_t k = 0; k < n; k++) {
		uint32_t w = outputs ? c->outputs[k].width : c->inputs[k].width;
		if (!(v[k] = calloc(circ_limbs(w) + extra, 8)))
			die("set-up", "out of memory");
	}
	return v;
}

static void free_values(uint64_t **v, uint32_t n)
{
	for (uint32_t k = 0; v && k < n; k++)
		free(v[k]);
	free(v);
}

/* One party: set up the session on fd, run the circuit `runs` times, fill *s. For the AES
 * circuit the inputs are a key and a counter (each block its own plaintext); for another,
 * random values that change every run, and every run's outputs are kept and checked against
 * the plaintext answer once the clock has stopped. */
static void play(const struct circ_circuit *c, uint32_t me, int fd, long runs, bool aes,
		 struct side *s)
{
	net_chan *ch = NULL;
	prg *p = NULL;
	party *pt = NULL;
	uint64_t **in = alloc_values(c, false, 2), **out = alloc_values(c, true, 1),
		 **want = alloc_values(c, true, 1);
	bool *learned = calloc(c->noutputs + 1, sizeof(*learned));
	size_t olimbs = 0;
	for (uint32_t k = 0; k < c->noutputs; k++)
		olimbs += circ_limbs(c->outputs[k].width);
	uint64_t *kept = aes ? NULL : calloc((size_t)runs * olimbs + 1, 8);
	uint8_t *kept_learned = aes ? NULL : calloc((size_t)runs * c->noutputs + 1, 1);
	if (!learned || (!aes && (!kept || !kept_learned)))
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
	for (long i = 0; i < runs; i++) {
		if (aes)
			in[1][0] = (uint64_t)i; /* counter mode: each block its own plaintext */
		else
			random_inputs(c, in, &x);
		if (party_run(pt, in, out, learned))
			die("run", party_error(pt));
		for (uint32_t k = 0, pos = 0; !aes && k < c->noutputs; k++) {
			size_t nl = circ_limbs(c->outputs[k].width);
			memcpy(kept + (size_t)i * olimbs + pos, out[k], nl * 8);
			kept_learned[(size_t)i * c->noutputs + k] = learned[k];
			pos += (uint32_t)nl;
		}
	}
	double t2 = bench_now();
	s->setup_s = t1 - t0;
	s->runs_s = t2 - t1;
	party_get_stats(pt, &s->st);
	s->rss_mib = bench_peak_rss_mib();
	/* the same inputs again, in the clear: each output this party learned must match */
	x = 0x9e3779b97f4a7c15u;
	for (long i = 0; !aes && i < runs; i++) {
		random_inputs(c, in, &x);
		if (circ_eval_values(c, in, want) != 0)
			die("plaintext evaluation", "out of memory");
		bool bad = false;
		for (uint32_t k = 0, pos = 0; k < c->noutputs; k++) {
			size_t nl = circ_limbs(c->outputs[k].width);
			uint32_t to = c->outputs[k].to;
			bool mine = to == CIRC_ALL || to == me;
			bad |= kept_learned[(size_t)i * c->noutputs + k] != mine ||
			       (mine && memcmp(kept + (size_t)i * olimbs + pos, want[k], nl * 8));
			pos += (uint32_t)nl;
		}
		s->wrong += bad;
	}
	s->ok = 1;
	party_free(pt);
	prg_free(p);
	net_chan_free(ch);
	free_values(in, c->ninputs);
	free_values(out, c->noutputs);
	free_values(want, c->noutputs);
	free(learned);
	free(kept);
	free(kept_learned);
}

/* Runs circuit c `runs` times in one session: the garbler in a child process, the evaluator
 * here, over loopback TCP. */
static void run_job(const struct circ_circuit *c, long runs, bool aes, struct side *g,
		    struct side *e)
{
	char errmsg[NET_ERRMSG_BYTES];
	int lfd, fd, pp[2];
	uint16_t port;
	if (net_listen(&lfd, "127.0.0.1:0", errmsg) || net_local_port(lfd, &port, errmsg) ||
	    pipe(pp))
		die("listen", errmsg);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", "failed");
	if (pid == 0) { /* the garbler */
		struct side me = {0};
		char addr[32];
		close(pp[0]);
		close(lfd);
		snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
		if (net_connect(&fd, addr, 10000, errmsg))
			die("connect", errmsg);
		play(c, PARTY_GARBLER, fd, runs, aes, &me);
		_exit(write(pp[1], &me, sizeof(me)) == sizeof(me) ? 0 : 1);
	}
	close(pp[1]);
	*e = (struct side){0};
	*g = (struct side){0};
	if (net_accept(lfd, 10000, &fd, errmsg))
		die("accept", errmsg);
	close(lfd);
	play(c, PARTY_EVALUATOR, fd, runs, aes, e);
	if (read(pp[0], g, sizeof(*g)) != sizeof(*g) || !g->ok)
		die("garbler", "no report");
	close(pp[0]);
	waitpid(pid, NULL, 0);
}

/* The shipped programs: under $MPCC_SOURCE_ROOT (set by `meson test`), else under the
 * current directory (run from the source root). */
static const char *programs_dir(void)
{
	static char buf[1024];
	const char *root = getenv("MPCC_SOURCE_ROOT");
	snprintf(buf, sizeof(buf), "%s/circuits/programs", root ? root : ".");
	return buf;
}

/* vickrey.mpc with N=8 as a two-party circuit: the first half of the bidders' inputs come
 * from p0 (the garbler), the rest from p1; the same gates and outputs. */
static struct circ_circuit *vickrey_two_party(void)
{
	char path[1100], def[32];
	const char *defs[1] = {def};
	snprintf(path, sizeof(path), "%s/vickrey.mpc", programs_dir());
	snprintf(def, sizeof(def), "N=%d", VICKREY_N);
	struct circ_circuit *c, *two = circ_new();
	if (compiler_compile_file(&c, path, defs, 1, stderr) != 0)
		die(path, "does not compile (run from the source root, or set MPCC_SOURCE_ROOT)");
	struct circ_err err;
	bool bad = !two || circ_add_party(two, "p0") != 0 || circ_add_party(two, "p1") != 1;
	for (uint32_t k = 0; !bad && k < c->ninputs; k++) {
		const struct circ_input *ci = &c->inputs[k];
		uint32_t party = ci->party * 2 >= c->nparties;
		bad = (ci->flags & CIRC_SUM) ||
		      circ_add_input(two, ci->name, ci->width, ci->flags, party) != (int64_t)k ||
		      two->inputs[k].first != ci->first;
	}
	bad = bad || circ_reserve_gates(two, c->ngates) != 0;
	for (uint64_t g = 0; !bad && g < c->ngates; g++)
		bad = circ_add_gate(two, c->gates[g].kind, c->gates[g].a, c->gates[g].b) < 0;
	for (uint32_t k = 0; !bad && k < c->noutputs; k++) {
		const struct circ_output *co = &c->outputs[k];
		uint32_t to = co->to == CIRC_ALL ? CIRC_ALL : co->to * 2 >= c->nparties;
		bad = circ_add_output(two, co->name, co->width, co->flags, to,
				      &c->output_wires[co->first]) < 0;
	}
	if (bad)
		die("vickrey", "cannot make the two-party circuit");
	if (circ_validate(two, &err) != 0)
		die("vickrey", err.msg);
	circ_free(c);
	return two;
}

static void print_side_times(const struct side *g, const struct side *e)
{
	printf("  %-40s %10.3f / %.3f / %.3f / %.3f s\n", "garbler: OT ext / garble / output / all",
	       g->st.ot_ext_s, g->st.garble_s, g->st.output_s, g->runs_s);
	printf("  %-40s %10.3f / %.3f / %.3f / %.3f s\n", "evaluator: OT ext / eval / output / all",
	       e->st.ot_ext_s, e->st.garble_s, e->st.output_s, e->runs_s);
}

int main(int argc, char **argv)
{
	long blocks = argc > 1 ? atol(argv[1]) : 10000;
	const char *dir = argc > 2 ? argv[2] : getenv("MPCC_BRISTOL_DIR");
	const char *other = argc > 3 ? argv[3] : NULL;
	char path[1024];
	if (blocks < 0 || (other && blocks < 1))
		die("usage", "bench_e2e [BLOCKS] [BRISTOL_DIR] [CIRCUIT]");
	struct circ_circuit *c = NULL, *vick = NULL;
	struct circ_err err;
	if (other || blocks > 0) {
		if (other)
			snprintf(path, sizeof(path), "%s", other);
		else
			snprintf(path, sizeof(path), "%s/aes_128.txt",
				 dir ? dir : "../shared/circuits/bristol");
		if (circ_load(&c, path, CIRC_FMT_AUTO, NULL, &err))
			die("load", err.msg);
		if (c->nparties != 2 || (!other && (c->ninputs != 2 || c->noutputs != 1)))
			die("load", "not a two-party circuit (or not the AES-128 one)");
	}
	if (!other)
		vick = vickrey_two_party();
	double aes = bench_aes_blocks_per_s();
	printf("mpcc end-to-end benchmark: two processes, loopback TCP; AES-128 (OpenSSL EVP, one "
	       "core): %.0f M blocks/s\n",
	       aes / 1e6);
	int wrong = 0;

	struct side g = {0}, e = {0};
	double ands = 0, rate = 0, per_block = 0;
	if (c) {
		run_job(c, blocks, !other, &g, &e);
		wrong += g.wrong + e.wrong;
		double wall = e.runs_s > g.runs_s ? e.runs_s : g.runs_s;
		ands = (double)e.st.and_gates;
		rate = ands / wall;
		per_block = wall / (double)blocks;
		printf("%s x %ld in one session\n", other ? path : "AES-128", blocks);
		printf("  %-40s %10.2f ms\n", "session set-up (connect + base OTs)",
		       e.setup_s * 1e3);
		printf("  %-40s %10.1f M   (%.0f bytes/AND on the wire)\n", "AND gates",
		       ands / 1e6, (double)g.st.bytes_sent / ands);
		printf("  %-40s %10.2f M AND/s (target >= 35 on AES-128)\n", "end to end",
		       rate / 1e6);
		printf("  %-40s %10.3f ms%s\n", other ? "per further run" : "per further AES block",
		       per_block * 1e3, other ? "" : "  (target < 1)");
		printf("  %-40s %10.1f / %.1f MiB (target < 64)\n",
		       "peak memory garbler / evaluator", g.rss_mib, e.rss_mib);
		print_side_times(&g, &e);
		if (other)
			printf("  %-40s %10s\n", "every output equals the plaintext",
			       g.wrong + e.wrong ? "NO" : "yes");
	}

	struct side vg = {0}, ve = {0};
	double v_per_run = 0;
	if (vick) {
		run_job(vick, VICKREY_RUNS, false, &vg, &ve);
		wrong += vg.wrong + ve.wrong;
		double wall = ve.runs_s > vg.runs_s ? ve.runs_s : vg.runs_s;
		v_per_run = wall / VICKREY_RUNS;
		printf("Vickrey auction, %d bidders (4 per party), x %d in one session\n", VICKREY_N,
		       VICKREY_RUNS);
		printf("  %-40s %10.2f ms\n", "session set-up (connect + base OTs)",
		       ve.setup_s * 1e3);
		printf("  %-40s %10llu per auction\n", "AND gates",
		       (unsigned long long)(ve.st.and_gates / VICKREY_RUNS));
		printf("  %-40s %10.3f ms  (target < 0.4)\n", "per further auction",
		       v_per_run * 1e3);
		print_side_times(&vg, &ve);
		printf("  %-40s %10s\n", "every output equals the plaintext",
		       vg.wrong + ve.wrong ? "NO" : "yes");
	}

	printf("{\"bench\": \"e2e\", \"aes128_blocks_per_s\": %.0f", aes);
	if (c)
		printf(", \"circuit\": \"%s\", \"blocks\": %ld, \"setup_ms\": %.3f, "
		       "\"and_gates\": %.0f, \"and_per_s\": %.0f, \"ms_per_block\": %.4f, "
		       "\"bytes_garbler_sent\": %llu, \"garbler_rss_mib\": %.1f, "
		       "\"evaluator_rss_mib\": %.1f",
		       other ? path : "aes_128", blocks, e.setup_s * 1e3, ands, rate,
		       per_block * 1e3, (unsigned long long)g.st.bytes_sent, g.rss_mib,
		       e.rss_mib);
	if (vick)
		printf(", \"vickrey8_runs\": %d, \"vickrey8_setup_ms\": %.3f, "
		       "\"vickrey8_ms_per_run\": %.4f, \"vickrey8_and_gates\": %llu",
		       VICKREY_RUNS, ve.setup_s * 1e3, v_per_run * 1e3,
		       (unsigned long long)(ve.st.and_gates / VICKREY_RUNS));
	printf(", \"correct\": %s}\n", wrong ? "false" : "true");
	circ_free(c);
	circ_free(vick);
	return wrong ? 1 : 0;
}
