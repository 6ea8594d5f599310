/* bench_multi.c: many parties, server-aided, at scale (issue 5): a sealed-bid Vickrey auction
 * between 1,000 bidders and a double auction between 1,000 buyers and sellers on 4,096 prices.
 *
 *   bench_multi [vickrey N] [double B S P] [--timeout SECONDS] [--seed X]
 *   (default: vickrey 1000 double 500 500 4096)
 *
 * Each case compiles circuits/programs/NAME.mpc in-process (timed apart), makes random valid
 * inputs (a double auction's demand is non-increasing in price, supply non-decreasing) and
 * evaluates them in the clear. Then the two compute parties run as two processes (fork; each
 * calls sa_compute on a listening socket bound before the fork, on 127.0.0.1:0), and this
 * process plays every bidder with connections of its own: sa_input_start for each bidder in
 * turn, then sa_input_finish for each. The wall time runs from the first bidder's connection
 * to the last bidder's outputs. Every bidder's outputs, and the compute parties', must equal
 * the plaintext answer, or the run fails (exit 1). The compute parties send their sa_stats
 * back through a pipe, for the time per phase.
 *
 * Targets (issue 5): Vickrey, 1,000 bidders: < 5 s; double auction, 1,000 bidders, P = 4,096,
 * 32-bit quantities: < 10 s and < 700k AND gates in the circuit. Prints a table per case, then
 * one JSON line, with this machine's AES throughput. Finds the programs through
 * $MPCC_SOURCE_ROOT (set by `meson test`), else from the current directory (the source root).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "circuit.h"
#include "compiler.h"
#include "net.h"
#include "server.h"

enum { MAX_CASES = 16, DEFAULT_TIMEOUT_S = 120 };

struct bench_case {
	const char *prog;  /* "vickrey" or "double_auction" */
	long n[3];	   /* N; or B, S, P */
	char label[64];
};

/* What one case measured. */
struct result {
	double compile_s, setup_s, plain_s;
	uint64_t and_prog, and_compute, ngates;
	double inputs_s;     /* first connection until every bidder has sent its shares */
	double wall_s;	     /* first connection until the last bidder has its outputs */
	double collect_s[2]; /* first connection until each compute party had everyone */
	double end_s[2];     /* first connection until each compute party was done */
	struct sa_stats st[2];
	uint32_t bidders;
	double rss_mib[3]; /* garbler, evaluator, this process */
	bool ok;
};

/* A compute party's report through its pipe; its outputs follow. */
struct report {
	int32_t err;
	double t_start, t_end, rss_mib;
	struct sa_stats st;
	char why[SA_ERR_BYTES];
};

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_multi: %s: %s\n", what, why);
	exit(1);
}

/* Peak memory from now on: a forked child inherits its parent's peak (and ru_maxrss keeps it),
 * so each case and each compute party resets the kernel's high-water mark first (Linux). */
static void peak_reset(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

/* Peak resident memory since the last peak_reset, in MiB (VmHWM), or ru_maxrss without
 * /proc. */
static double peak_mib(void)
{
	char line[128];
	double kib = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && kib < 0 && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kib = atof(line + 6);
	if (f)
		fclose(f);
	return kib < 0 ? bench_peak_rss_mib() : kib / 1024.0;
}

static uint64_t rng_next(uint64_t *s) /* xorshift64* */
{
	*s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1du;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t k = read(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Values for every input of c (or output, with outputs true), limbs in one block. */
static uint64_t **alloc_values(const struct circ_circuit *c, bool outputs)
{
	uint32_t n = outputs ? c->noutputs : c->ninputs;
	size_t total = 0;
	for (uint32_t k = 0; k < n; k++)
		total += circ_limbs(outputs ? c->outputs[k].width : c->inputs[k].width);
	uint64_t **v = calloc(n + 1, sizeof(*v));
	uint64_t *block = calloc(total + 1, sizeof(uint64_t));
	if (!v || !block)
		die("values", "out of memory");
	v[n] = block; /* v[n] keeps the block for free_values */
	for (uint32_t k = 0, pos = 0; k < n; k++) {
		v[k] = block + pos;
		pos += (uint32_t)circ_limbs(outputs ? c->outputs[k].width : c->inputs[k].width);
	}
	return v;
}

static void free_values(uint64_t **v, uint32_t n)
{
	if (v)
		free(v[n]);
	free(v);
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Random valid inputs. A party's "demand" values walk down from a random start as its inputs
 * go up the price grid, "supply" values walk up from near zero, so that the totals cross
 * about 5/8 of the way up (sums of 1,000 stay below 2^31); anything else is uniform. */
static void make_inputs(const struct circ_circuit *c, uint64_t **in, uint64_t seed, long nprices)
{
	uint64_t s = seed | 1, *last = calloc(c->nparties + 1, sizeof(uint64_t));
	bool *started = calloc(c->nparties + 1, sizeof(bool));
	if (!last || !started)
		die("inputs", "out of memory");
	uint64_t step = nprices > 0 ? (UINT64_C(1) << 19) / (uint64_t)nprices : 1;
	step = step ? step : 1;
	for (uint32_t k = 0; k < c->ninputs; k++) {
		const struct circ_input *ci = &c->inputs[k];
		uint32_t q = ci->party;
		uint64_t r = rng_next(&s), v;
		if (starts_with(ci->name, "demand")) {
			uint64_t down = r % (2 * step + 1);
			v = !started[q] ? (UINT64_C(1) << 19) + r % (UINT64_C(1) << 18)
			    : last[q] > down ? last[q] - down
					     : 0;
		} else if (starts_with(ci->name, "supply")) {
			v = !started[q] ? r % 1024 : last[q] + r % (2 * step + 1);
		} else {
			for (size_t l = 1; l < circ_limbs(ci->width); l++)
				in[k][l] = rng_next(&s);
			v = r;
		}
		started[q] = true;
		last[q] = v;
		in[k][0] = v;
		uint32_t top = ci->width % 64;
		if (top)
			in[k][circ_limbs(ci->width) - 1] &= (UINT64_C(1) << top) - 1;
	}
	free(last);
	free(started);
}

static uint64_t count_ands(const struct circ_circuit *c)
{
	uint64_t n = 0;
	for (uint64_t g = 0; g < c->ngates; g++)
		n += circ_gate_and_cost(c->gates[g].kind);
	return n;
}

/* The outputs a party learned against the plaintext answer: every output to all (and any to
 * the party itself) learned and equal. */
static bool outputs_match(const struct circ_circuit *c, int64_t me, uint64_t *const *got,
			  const bool *learned, uint64_t *const *want, const char *who)
{
	for (uint32_t o = 0; o < c->noutputs; o++) {
		const struct circ_output *co = &c->outputs[o];
		bool mine = co->to == CIRC_ALL || (me >= 0 && co->to == (uint32_t)me);
		size_t nb = circ_limbs(co->width) * 8;
		if (learned[o] != mine || (mine && memcmp(got[o], want[o], nb) != 0)) {
			fprintf(stderr, "bench_multi: %s: output '%s' is %s\n", who, co->name,
				learned[o] != mine ? (mine ? "missing" : "not its own")
						   : "wrong");
			return false;
		}
	}
	return true;
}

/* A compute party in its own process: runs, reports through wfd, exits. */
static void compute_child(sa *x, const struct circ_circuit *c, uint32_t me, int lfd,
			  int timeout_ms, int wfd)
{
	struct report r = {0};
	uint64_t **out = alloc_values(c, true);
	bool *learned = calloc(c->noutputs + 1, sizeof(bool));
	if (!learned)
		die("compute party", "out of memory");
	peak_reset();
	r.t_start = bench_now();
	r.err = (int32_t)sa_compute(x, me, lfd, timeout_ms, NULL, out, learned, &r.st, r.why);
	r.t_end = bench_now();
	r.rss_mib = peak_mib();
	int bad = write_all(wfd, &r, sizeof(r));
	for (uint32_t o = 0; !bad && o < c->noutputs; o++)
		bad = write_all(wfd, &learned[o], sizeof(bool)) ||
		      write_all(wfd, out[o], circ_limbs(c->outputs[o].width) * 8);
	_exit(bad || r.err ? 1 : 0);
}

/* Session text: the two compute parties at their ports, every party of c an input party. */
static char *session_text(const struct circ_circuit *c, const uint16_t port[2], size_t *len)
{
	size_t cap = 128 + (size_t)c->nparties * (CIRC_MAX_NAME + 8);
	char *t = malloc(cap);
	if (!t)
		die("session", "out of memory");
	*len = (size_t)snprintf(t, cap, "compute-g garbler 127.0.0.1:%u\ncompute-e evaluator "
					"127.0.0.1:%u\n",
				port[0], port[1]);
	for (uint32_t p = 0; p < c->nparties; p++)
		*len += (size_t)snprintf(t + *len, cap - *len, "%s input\n", c->parties[p]);
	return t;
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

static void run_case(const struct bench_case *bc, int timeout_ms, uint64_t seed,
		     struct result *res)
{
	char path[1200], defs[3][40];
	const char *defv[3];
	int ndefs = 0;
	snprintf(path, sizeof(path), "%s/%s.mpc", programs_dir(), bc->prog);
	if (strcmp(bc->prog, "vickrey") == 0) {
		snprintf(defs[ndefs++], sizeof(defs[0]), "N=%ld", bc->n[0]);
	} else {
		snprintf(defs[ndefs++], sizeof(defs[0]), "B=%ld", bc->n[0]);
		snprintf(defs[ndefs++], sizeof(defs[0]), "S=%ld", bc->n[1]);
		snprintf(defs[ndefs++], sizeof(defs[0]), "P=%ld", bc->n[2]);
	}
	for (int i = 0; i < ndefs; i++)
		defv[i] = defs[i];
	memset(res, 0, sizeof(*res));
	peak_reset();

	/* compile, inputs, the plaintext answer */
	fprintf(stderr, "bench_multi: %s: compiling...\n", bc->label);
	struct circ_circuit *c;
	struct compiler_options opt = {.defines = defv, .ndefines = ndefs};
	double t = bench_now();
	if (compiler_compile(&c, path, NULL, 0, &opt, stderr) != 0)
		die(path, "does not compile (run from the source root, or set MPCC_SOURCE_ROOT)");
	res->compile_s = bench_now() - t;
	res->and_prog = count_ands(c);
	res->ngates = c->ngates;
	uint64_t **in = alloc_values(c, false), **want = alloc_values(c, true),
		 **got = alloc_values(c, true);
	bool *learned = calloc(c->noutputs + 1, sizeof(bool));
	if (!learned)
		die("outputs", "out of memory");
	make_inputs(c, in, seed, strcmp(bc->prog, "vickrey") == 0 ? 0 : bc->n[2]);
	t = bench_now();
	if (circ_eval_values(c, in, want) != 0)
		die("plaintext evaluation", "out of memory");
	res->plain_s = bench_now() - t;

	/* the session: listening sockets first, their ports in the parties list */
	fprintf(stderr, "bench_multi: %s: running...\n", bc->label);
	int lfd[2];
	uint16_t port[2];
	char why[SA_ERR_BYTES];
	for (int k = 0; k < 2; k++)
		if (net_listen(&lfd[k], "127.0.0.1:0", why) ||
		    net_local_port(lfd[k], &port[k], why))
			die("listen", why);
	size_t len;
	char *text = session_text(c, port, &len);
	struct sa_session s;
	if (sa_session_parse(&s, text, len, "(bench)", why) != 0)
		die("session", why);
	free(text);
	sa *x = NULL;
	t = bench_now();
	if (sa_new(&x, c, &s, why) != RT_OK)
		die("session", why);
	res->setup_s = bench_now() - t;
	res->and_compute = count_ands(sa_compute_circuit(x));

	/* the compute parties */
	uint32_t cp[2] = {s.garbler, s.evaluator};
	pid_t pid[2];
	int rfd[2];
	fflush(stdout);
	fflush(stderr);
	for (int k = 0; k < 2; k++) {
		int pp[2];
		if (pipe(pp) != 0)
			die("pipe", "failed");
		pid[k] = fork();
		if (pid[k] < 0)
			die("fork", "failed");
		if (pid[k] == 0) {
			close(pp[0]);
			close(lfd[!k]);
			compute_child(x, c, cp[k], lfd[k], timeout_ms, pp[1]);
		}
		close(pp[1]);
		rfd[k] = pp[0];
	}
	close(lfd[0]);
	close(lfd[1]);

	/* every bidder: first all the inputs, then all the outputs */
	uint32_t nb = 0;
	for (uint32_t i = 0; i < s.n; i++)
		nb += s.p[i].role == SA_INPUT;
	sa_input **h = calloc(s.n + 1, sizeof(*h));
	if (!h)
		die("bidders", "out of memory");
	bool ok = true, failed = false;
	double t0 = bench_now();
	for (uint32_t i = 0; !failed && i < s.n; i++)
		if (s.p[i].role == SA_INPUT && sa_input_start(&h[i], x, i, timeout_ms, in, why)) {
			fprintf(stderr, "bench_multi: %s: %s\n", s.p[i].name, why);
			failed = true;
		}
	double t1 = bench_now();
	for (uint32_t i = 0; !failed && i < s.n; i++) {
		if (s.p[i].role != SA_INPUT)
			continue;
		rt_err e = sa_input_finish(h[i], got, learned, why);
		h[i] = NULL;
		if (e) {
			fprintf(stderr, "bench_multi: %s: %s\n", s.p[i].name, why);
			failed = true;
			break;
		}
		ok &= outputs_match(c, circ_find_party(c, s.p[i].name), got, learned, want,
				    s.p[i].name);
	}
	double t2 = bench_now();
	for (uint32_t i = 0; i < s.n; i++)
		sa_input_free(h[i]); /* after a failure: the bidders not finished */
	res->bidders = nb;
	res->inputs_s = t1 - t0;
	res->wall_s = t2 - t0;
	res->rss_mib[2] = peak_mib();

	/* the compute parties' reports */
	for (int k = 0; k < 2; k++) {
		struct report r;
		bool got_all = read_all(rfd[k], &r, sizeof(r)) == 0;
		for (uint32_t o = 0; got_all && o < c->noutputs; o++)
			got_all = read_all(rfd[k], &learned[o], sizeof(bool)) == 0 &&
				  read_all(rfd[k], got[o], circ_limbs(c->outputs[o].width) * 8) ==
					  0;
		close(rfd[k]);
		int status;
		waitpid(pid[k], &status, 0);
		if (!got_all || r.err) {
			fprintf(stderr, "bench_multi: %s: %s\n", s.p[cp[k]].name,
				got_all ? r.why : "ended without a report");
			failed = true;
			continue;
		}
		ok &= outputs_match(c, -1, got, learned, want, s.p[cp[k]].name);
		res->st[k] = r.st;
		res->collect_s[k] = r.t_start + r.st.collect_s - t0;
		res->end_s[k] = r.t_end - t0;
		res->rss_mib[k] = r.rss_mib;
	}
	if (failed)
		die(bc->label, "the session failed");
	res->ok = ok;
	free(h);
	sa_free(x);
	sa_session_free(&s);
	free_values(in, c->ninputs);
	free_values(want, c->noutputs);
	free_values(got, c->noutputs);
	free(learned);
	circ_free(c);
}

static void print_case(const struct bench_case *bc, const struct result *r)
{
	bool vick = strcmp(bc->prog, "vickrey") == 0;
	double target = vick ? 5 : 10;
	const struct party_stats *g = &r->st[0].run, *e = &r->st[1].run;
	printf("%s: %u bidders, two compute parties, one load-generating process, loopback\n",
	       bc->label, r->bidders);
	printf("  %-44s %10.3f s\n", "compile (in-process)", r->compile_s);
	printf("  %-44s %10.3f M AND (%.3f M gates)%s\n", "program circuit", r->and_prog / 1e6,
	       r->ngates / 1e6, vick ? "" : " (target < 0.7 M AND)");
	printf("  %-44s %10.3f M AND\n", "compute circuit", r->and_compute / 1e6);
	printf("  %-44s %10.3f s\n", "plaintext evaluation", r->plain_s);
	printf("  %-44s %10.3f s\n", "sa_new (compute circuit)", r->setup_s);
	printf("  %-44s %10.3f s (target < %.0f)%s\n", "wall: first connection to last output",
	       r->wall_s, target, r->wall_s < target ? "" : "  MISSED");
	printf("  %-44s %10.3f s\n", "  every bidder's shares sent", r->inputs_s);
	printf("  %-44s %10.3f / %.3f s\n", "  garbler / evaluator had every party", r->collect_s[0],
	       r->collect_s[1]);
	printf("  %-44s %10.3f / %.3f / %.3f / %.3f s\n",
	       "  garbler: base OT / OT ext / garble / output", g->base_ot_s, g->ot_ext_s,
	       g->garble_s, g->output_s);
	printf("  %-44s %10.3f / %.3f / %.3f / %.3f s\n",
	       "  evaluator: base OT / OT ext / eval / output", e->base_ot_s, e->ot_ext_s,
	       e->garble_s, e->output_s);
	printf("  %-44s %10.3f / %.3f s\n", "  deliver outputs: garbler / evaluator",
	       r->st[0].deliver_s, r->st[1].deliver_s);
	printf("  %-44s %10.3f / %.3f s\n", "  garbler / evaluator done", r->end_s[0], r->end_s[1]);
	printf("  %-44s %10.1f / %.1f MiB\n", "garbler: from inputs / to evaluator",
	       r->st[0].bytes_from_inputs / 1048576.0, g->bytes_sent / 1048576.0);
	printf("  %-44s %10.1f / %.1f / %.1f MiB\n", "peak memory garbler / evaluator / bidders",
	       r->rss_mib[0], r->rss_mib[1], r->rss_mib[2]);
	printf("  %-44s %10s\n", "every output equals the plaintext answer",
	       r->ok ? "yes" : "NO");
}

static void print_json(const struct bench_case *bc, const struct result *r)
{
	const struct party_stats *g = &r->st[0].run, *e = &r->st[1].run;
	printf("{\"case\": \"%s\", \"bidders\": %u, \"compile_s\": %.4f, \"and_program\": %llu, "
	       "\"and_compute\": %llu, \"wall_s\": %.4f, \"inputs_s\": %.4f, "
	       "\"collect_s\": [%.4f, %.4f], \"base_ot_s\": [%.4f, %.4f], "
	       "\"ot_ext_s\": [%.4f, %.4f], \"garble_eval_s\": [%.4f, %.4f], "
	       "\"output_s\": [%.4f, %.4f], \"deliver_s\": [%.4f, %.4f], "
	       "\"rss_mib\": [%.1f, %.1f, %.1f], \"correct\": %s}",
	       bc->label, r->bidders, r->compile_s, (unsigned long long)r->and_prog,
	       (unsigned long long)r->and_compute, r->wall_s, r->inputs_s, r->collect_s[0],
	       r->collect_s[1], g->base_ot_s, e->base_ot_s, g->ot_ext_s, e->ot_ext_s,
	       g->garble_s, e->garble_s, g->output_s, e->output_s, r->st[0].deliver_s,
	       r->st[1].deliver_s, r->rss_mib[0], r->rss_mib[1], r->rss_mib[2],
	       r->ok ? "true" : "false");
}

static long arg_num(int argc, char **argv, int i)
{
	char *end;
	long v = i < argc ? strtol(argv[i], &end, 10) : 0;
	if (i >= argc || *end || v < 1 || v > 1000000)
		die("usage", "bench_multi [vickrey N] [double B S P] [--timeout SECONDS] "
			     "[--seed X]");
	return v;
}

int main(int argc, char **argv)
{
	struct bench_case cases[MAX_CASES];
	int ncases = 0;
	long timeout_s = DEFAULT_TIMEOUT_S;
	uint64_t seed = 0x5eed5eed5eedull;
	for (int i = 1; i < argc; i++) {
		struct bench_case *bc = &cases[ncases];
		if (ncases == MAX_CASES)
			die("usage", "too many cases");
		if (strcmp(argv[i], "vickrey") == 0) {
			*bc = (struct bench_case){.prog = "vickrey"};
			bc->n[0] = arg_num(argc, argv, ++i);
			snprintf(bc->label, sizeof(bc->label), "vickrey N=%ld", bc->n[0]);
			ncases++;
		} else if (strcmp(argv[i], "double") == 0) {
			*bc = (struct bench_case){.prog = "double_auction"};
			for (int j = 0; j < 3; j++)
				bc->n[j] = arg_num(argc, argv, ++i);
			snprintf(bc->label, sizeof(bc->label), "double_auction B=%ld S=%ld P=%ld",
				 bc->n[0], bc->n[1], bc->n[2]);
			ncases++;
		} else if (strcmp(argv[i], "--timeout") == 0) {
			timeout_s = arg_num(argc, argv, ++i);
		} else if (strcmp(argv[i], "--seed") == 0) {
			seed = (uint64_t)arg_num(argc, argv, ++i);
		} else {
			arg_num(argc, argv, argc); /* prints the usage */
		}
	}
	if (ncases == 0) {
		cases[ncases++] = (struct bench_case){.prog = "vickrey", .n = {1000},
						      .label = "vickrey N=1000"};
		cases[ncases++] = (struct bench_case){.prog = "double_auction",
						      .n = {500, 500, 4096},
						      .label = "double_auction B=500 S=500 P=4096"};
	}
	/* each bidder holds two connections in this process; each compute party one per bidder */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			perror("bench_multi: setrlimit");
	}
	double aes = bench_aes_blocks_per_s();
	printf("mpcc many-party benchmark (server-aided, issue 5); AES-128 (OpenSSL EVP, one "
	       "core): %.0f M blocks/s\n",
	       aes / 1e6);
	static struct result res[MAX_CASES];
	bool all_ok = true;
	for (int i = 0; i < ncases; i++) {
		run_case(&cases[i], (int)timeout_s * 1000, seed, &res[i]);
		print_case(&cases[i], &res[i]);
		fflush(stdout);
		all_ok &= res[i].ok;
	}
	printf("{\"bench\": \"multi\", \"aes128_blocks_per_s\": %.0f, \"cases\": [", aes);
	for (int i = 0; i < ncases; i++) {
		printf("%s", i ? ", " : "");
		print_json(&cases[i], &res[i]);
	}
	printf("]}\n");
	return all_ok ? 0 : 1;
}
