/* bench_gc.c: this machine's AES throughput (fixed key, and re-keyed as MITCCRH uses it) for
 * each implementation the CPU runs, then half-gates garbling and evaluation in memory, one
 * core: a million independent AND gates, a chain of dependent ones (the worst case for
 * batching), and the Bristol AES-128 circuit run over and over. Prints a table, then one
 * JSON object on the last line. Each figure is the best of several timed runs, timed in CPU
 * time of the thread (so other work on the machine does not count).
 *
 * Shared or virtual machines change their clock under load, so the bench also times a chain
 * of dependent multiplications (3 cycles each) to estimate the clock the core ran at, and
 * gives cycles per AND gate at that clock: the steadier figure when the machine is busy.
 *
 * MPCC_BENCH_SCALE=0.1 (say) shortens every run; MPCC_BRISTOL_DIR locates aes_128.txt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aes.h"
#include "circuit.h"
#include "gc.h"
#include "hash.h"
#include "prg.h"

enum { REPEATS = 5 };

/* CPU time of this thread: a machine shared with other work takes the core away now and
 * then, and the wall clock would count that against us. */
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double scale(void)
{
	const char *s = getenv("MPCC_BENCH_SCALE");
	double x = s ? atof(s) : 1.0;
	return x > 0 ? x : 1.0;
}

/* The core's clock in GHz, from a chain of dependent 64-bit multiplications (3 cycles each on
 * every x86-64 of the last decade); 0 elsewhere. */
static double core_ghz(void)
{
#if defined(__x86_64__)
	double best = 0;
	for (int r = 0; r < 5; r++) {
		uint64_t x = 3;
		long n = 2000000;
		double t = now();
		for (long i = 0; i < n; i++)
			__asm__ volatile("imul %0, %0" : "+r"(x));
		double ghz = 3.0 * (double)n / (now() - t) / 1e9;
		best = ghz > best ? ghz : best;
	}
	return best;
#else
	return 0;
#endif
}

static void die(const char *what)
{
	fprintf(stderr, "bench_gc: %s\n", what);
	exit(1);
}

/* ---- AES ---- */

struct aes_figures {
	double ecb, mitccrh1, mitccrh2; /* M blocks/s, M hashes/s (1 or 2 blocks per tweak) */
};

static struct aes_figures bench_aes(enum aes_impl impl)
{
	enum { N = 2048 };
	static uint8_t buf[2 * N][16];
	struct aes_figures f = {0, 0, 0};
	struct aes_key k;
	uint8_t key[16] = {1, 2, 3};
	struct hash_ctx h;
	long reps = impl == AES_IMPL_SOFT ? 4 : (long)(4000 * scale()) + 1;
	aes_expand_key(impl, &k, key);
	hash_init(&h, key, impl);
	memset(buf, 7, sizeof(buf));
	for (int r = 0; r < REPEATS; r++) {
		double t = now();
		for (long i = 0; i < reps; i++)
			aes_encrypt_ecb(impl, &k, (const uint8_t(*)[16])buf, buf, N);
		double ecb = (double)reps * N / (now() - t) / 1e6;
		for (unsigned m = 1; m <= 2; m++) {
			t = now();
			for (long i = 0; i < reps; i++)
				hash_batch(&h, (uint64_t)i * N, N, m, N, (const uint8_t(*)[16])buf,
					   buf);
			double mh = (double)reps * N * m / (now() - t) / 1e6;
			double *dst = m == 1 ? &f.mitccrh1 : &f.mitccrh2;
			*dst = mh > *dst ? mh : *dst;
		}
		f.ecb = ecb > f.ecb ? ecb : f.ecb;
	}
	return f;
}

/* ---- garbling ---- */

struct gc_figures {
	double garble, eval; /* M AND gates/s */
};

/* Garbles and evaluates c reps times, streaming it in chunks of `chunk` gates, and returns
 * the best rates. Streamed: a fresh garbler and evaluator each time, fed gates with
 * gc_garble_chunk (checked and scheduled as they come). Planned: as in a session, one garbler
 * and evaluator restarted for each run, which replay a gc_plan made once (not timed: see
 * plan_ms). */
static struct gc_figures bench_circuit(const struct circ_circuit *c, int reps, size_t chunk,
				       enum aes_impl impl, bool planned, double *plan_ms)
{
	uint64_t nand = gc_count_and(c->gates, c->ngates);
	uint8_t *tables = malloc(nand * GC_TABLE_BYTES + 1);
	uint8_t(*lab)[16] = malloc(((size_t)c->nin_bits + 1) * 16);
	uint8_t *in = calloc((size_t)c->nin_bits / 8 + 1, 1);
	uint8_t seed[16] = {42}, gseed[16];
	prg *p = NULL;
	gc_plan *plan = NULL;
	gc_garbler *g = NULL;
	gc_evaluator *e = NULL;
	struct gc_figures best = {0, 0};
	if (!tables || !lab || !in || prg_new_seeded(&p, seed) != RT_OK)
		die("out of memory");
	if (planned) {
		double t0 = now();
		if (gc_plan_new(&plan, c, chunk) != RT_OK)
			die("plan failed");
		*plan_ms = (now() - t0) * 1e3;
		if (gc_garbler_new(&g, c, p) != RT_OK || gc_garbler_use_aes(g, impl) != RT_OK)
			die("garbler set-up failed");
		gc_garbler_seed(g, gseed);
		if (gc_evaluator_new(&e, c, gseed) != RT_OK ||
		    gc_evaluator_use_aes(e, impl) != RT_OK)
			die("evaluator set-up failed");
	}
	for (int r = 0; r < REPEATS; r++) {
		double tg = 0, te = 0;
		for (int k = 0; k < reps; k++) {
			double t0 = now();
			if (!planned) {
				if (gc_garbler_new(&g, c, p) != RT_OK ||
				    gc_garbler_use_aes(g, impl) != RT_OK)
					die("garbler set-up failed");
			} else if (gc_garbler_restart(g, p) != RT_OK) {
				die("garbler restart failed");
			}
			if (gc_garbler_input_labels(g, 0, c->nin_bits, in, lab) != RT_OK)
				die("garbler input failed");
			size_t done = 0, nb;
			if (planned) {
				for (size_t i = 0; i < gc_plan_chunks(plan); i++) {
					if (gc_garble_planned(g, plan, i, tables + done,
							      nand * GC_TABLE_BYTES - done,
							      &nb) != RT_OK)
						die(gc_garbler_error(g));
					done += nb;
				}
			}
			for (uint64_t i = 0; !planned && i < c->ngates; i += chunk) {
				size_t n = c->ngates - i < chunk ? (size_t)(c->ngates - i) : chunk;
				if (gc_garble_chunk(g, c->gates + i, n, tables + done,
						    nand * GC_TABLE_BYTES - done, &nb) != RT_OK)
					die(gc_garbler_error(g));
				done += nb;
			}
			double t1 = now();
			if (!planned) {
				gc_garbler_seed(g, gseed);
				if (gc_evaluator_new(&e, c, gseed) != RT_OK ||
				    gc_evaluator_use_aes(e, impl) != RT_OK)
					die("evaluator set-up failed");
			} else if (gc_evaluator_restart(e) != RT_OK) {
				die("evaluator restart failed");
			}
			if (gc_evaluator_set_input_labels(e, 0, c->nin_bits,
							  (const uint8_t(*)[16])lab) != RT_OK)
				die("evaluator input failed");
			done = 0;
			if (planned) {
				for (size_t i = 0; i < gc_plan_chunks(plan); i++) {
					nb = gc_plan_chunk_bytes(plan, i);
					if (gc_eval_planned(e, plan, i, tables + done, nb) != RT_OK)
						die(gc_evaluator_error(e));
					done += nb;
				}
			}
			for (uint64_t i = 0; !planned && i < c->ngates; i += chunk) {
				size_t n = c->ngates - i < chunk ? (size_t)(c->ngates - i) : chunk;
				nb = gc_count_and(c->gates + i, n) * GC_TABLE_BYTES;
				if (gc_eval_chunk(e, c->gates + i, n, tables + done, nb) != RT_OK)
					die(gc_evaluator_error(e));
				done += nb;
			}
			double t2 = now();
			tg += t1 - t0;
			te += t2 - t1;
			if (!planned) {
				gc_garbler_free(g);
				gc_evaluator_free(e);
			}
		}
		double rg = (double)nand * reps / tg / 1e6, re = (double)nand * reps / te / 1e6;
		best.garble = rg > best.garble ? rg : best.garble;
		best.eval = re > best.eval ? re : best.eval;
	}
	if (planned) {
		gc_garbler_free(g);
		gc_evaluator_free(e);
	}
	gc_plan_free(plan);
	prg_free(p);
	free(tables);
	free(lab);
	free(in);
	return best;
}

static struct circ_circuit *and_circuit(uint32_t nin, uint32_t nand, bool chain)
{
	struct circ_circuit *c = circ_new();
	uint64_t x = 88172645463325252ull;
	uint32_t out;
	if (!c || circ_add_party(c, "g") < 0 || circ_add_party(c, "e") < 0 ||
	    circ_add_input(c, "x", nin / 2, 0, 0) < 0 ||
	    circ_add_input(c, "y", nin / 2, 0, 1) < 0 || circ_reserve_gates(c, nand) != 0)
		die("out of memory");
	for (uint32_t i = 0; i < nand; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		uint32_t a = chain && i > 0 ? nin + i - 1 : (uint32_t)(x % nin);
		uint32_t b = (uint32_t)((x >> 32) % nin);
		if (circ_add_gate(c, GATE_AND, a, b) < 0)
			die("out of memory");
	}
	out = nin + nand - 1;
	if (circ_add_output(c, "z", 1, 0, CIRC_ALL, &out) < 0)
		die("out of memory");
	return c;
}

static struct circ_circuit *load_aes_circuit(void)
{
	const char *dir = getenv("MPCC_BRISTOL_DIR");
	char path[1024];
	struct circ_circuit *c = NULL;
	struct circ_err err;
	snprintf(path, sizeof(path), "%s/aes_128.txt",
		 dir && *dir ? dir : "../shared/circuits/bristol");
	if (circ_load(&c, path, CIRC_FMT_AUTO, NULL, &err) != 0) {
		fprintf(stderr, "NOTICE: %s; skipping the AES-128 circuit\n", err.msg);
		return NULL;
	}
	return c;
}

int main(void)
{
	double sc = scale();
	enum aes_impl best = aes_impl_best();
	struct aes_figures af[AES_IMPL_COUNT] = {{0, 0, 0}};

	double ghz0 = core_ghz();
	printf("AES-128 on this machine, one core (best of %d)\n", REPEATS);
	printf("  %-8s %16s %22s %22s\n", "impl", "fixed key Mblk/s", "MITCCRH 1/tweak Mblk/s",
	       "MITCCRH 2/tweak Mblk/s");
	for (int i = 0; i < AES_IMPL_COUNT; i++) {
		if (!aes_impl_supported((enum aes_impl)i))
			continue;
		af[i] = bench_aes((enum aes_impl)i);
		printf("  %-8s %16.1f %22.1f %22.1f%s\n", aes_impl_name(i), af[i].ecb,
		       af[i].mitccrh1, af[i].mitccrh2, i == (int)best ? "   (used)" : "");
	}

	uint32_t nind = (uint32_t)(1000000 * sc) + 1;
	struct circ_circuit *ind = and_circuit(256, nind, false);
	struct circ_circuit *chain = and_circuit(256, (uint32_t)(200000 * sc) + 1, true);
	struct circ_circuit *aes = load_aes_circuit();
	int aes_reps = (int)(100 * sc) + 1;

	/* streamed: one run with fresh handles; planned: a session's runs replaying a plan */
	double pi_ms = 0, pc_ms = 0, pa_ms = 0;
	struct gc_figures si = bench_circuit(ind, 1, 1 << 16, best, false, NULL);
	struct gc_figures fi = bench_circuit(ind, 1, 1 << 16, best, true, &pi_ms);
	struct gc_figures sc_ = bench_circuit(chain, 1, 1 << 16, best, false, NULL);
	struct gc_figures fc = bench_circuit(chain, 1, 1 << 16, best, true, &pc_ms);
	struct gc_figures sa = {0, 0}, fa = {0, 0};
	if (aes) {
		sa = bench_circuit(aes, aes_reps, 1 << 16, best, false, NULL);
		fa = bench_circuit(aes, aes_reps, 1 << 14, best, true, &pa_ms);
	}
	double ghz1 = core_ghz(), ghz = (ghz0 + ghz1) / 2;

	printf("\nHalf-gates with MITCCRH, in memory, one core, AES %s: M AND gates/s (cycles "
	       "per AND gate)\n",
	       aes_impl_name(best));
	printf("  streamed: fresh handles, gates checked and scheduled as they come "
	       "(gc_garble_chunk)\n");
	printf("  planned: one session restarted per run, replaying a plan made once "
	       "(gc_garble_planned)\n");
	printf("  %-44s %16s %16s %9s\n", "circuit", "garble", "evaluate", "plan ms");
	struct {
		const char *name;
		struct gc_figures f;
		double plan_ms;
		bool show;
	} rows[] = {
	    {"independent ANDs (1M, 64K chunks), streamed", si, -1, true},
	    {"independent ANDs, planned", fi, pi_ms, true},
	    {"chain of dependent ANDs, streamed", sc_, -1, true},
	    {"chain of dependent ANDs, planned", fc, pc_ms, true},
	    {"Bristol AES-128 (6400 ANDs) x runs, streamed", sa, -1, aes != NULL},
	    {"Bristol AES-128 x runs, planned (16K chunks)", fa, pa_ms, aes != NULL},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!rows[i].show)
			continue;
		printf("  %-44s %8.1f (%5.0f) %8.1f (%5.0f)", rows[i].name, rows[i].f.garble,
		       1e3 * ghz / rows[i].f.garble, rows[i].f.eval, 1e3 * ghz / rows[i].f.eval);
		if (rows[i].plan_ms >= 0)
			printf(" %9.2f", rows[i].plan_ms);
		printf("\n");
	}
	printf("  %-44s %16s %16s\n", "targets / EMP-toolkit", ">= 60 / 38", ">= 80 / 38");
	printf("  core clock during the runs: ~%.2f GHz before, ~%.2f GHz after (imul chain)\n",
	       ghz0, ghz1);

	printf("{\"bench\":\"gc\",\"aes_impl\":\"%s\",\"clock_ghz\":%.2f", aes_impl_name(best),
	       ghz);
	for (int i = 0; i < AES_IMPL_COUNT; i++)
		if (aes_impl_supported((enum aes_impl)i))
			printf(",\"aes_%s_fixed_mblocks\":%.1f,\"aes_%s_mitccrh_mblocks\":%.1f",
			       aes_impl_name(i), af[i].ecb, aes_impl_name(i), af[i].mitccrh2);
	printf(",\"garble_independent_mand\":%.1f,\"eval_independent_mand\":%.1f", fi.garble,
	       fi.eval);
	printf(",\"garble_independent_streamed_mand\":%.1f,\"eval_independent_streamed_mand\":%.1f",
	       si.garble, si.eval);
	printf(",\"garble_chain_mand\":%.1f,\"eval_chain_mand\":%.1f", fc.garble, fc.eval);
	if (aes)
		printf(",\"garble_aes128_mand\":%.1f,\"eval_aes128_mand\":%.1f"
		       ",\"garble_aes128_streamed_mand\":%.1f,\"eval_aes128_streamed_mand\":%.1f",
		       fa.garble, fa.eval, sa.garble, sa.eval);
	printf("}\n");
	circ_free(ind);
	circ_free(chain);
	circ_free(aes);
	return 0;
}
