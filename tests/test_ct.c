/* test_ct.c: the constant-time check. tests/ct.sh runs each mode of this program under
 * valgrind's memcheck with --error-exitcode=1.
 *
 * Every secret (delta, wire labels, PRG seeds, AES keys, OT choice bits, input bits) is marked
 * undefined with VALGRIND_MAKE_MEM_UNDEFINED before the code under test sees it. memcheck
 * tracks definedness bit by bit through every computation, so everything derived from a secret
 * is undefined too, and it reports a conditional jump, or a memory address, that depends on an
 * undefined value ("Conditional jump or move depends on uninitialised value(s)", "Use of
 * uninitialised value of size 8"): exactly a secret-dependent branch or index. What a test
 * must look at (an output to check against a reference) is marked defined again first. Bytes
 * sent to the peer are derived from secrets as well; tests/ct.sh suppresses memcheck's report
 * on the send system call only.
 *
 * Modes (one per valgrind run; MPCC_AES_IMPL picks the AES code the OT and the default
 * garbler use, the argument the one aes, hash and gc run on):
 *   impls            lists the AES implementations this CPU (or valgrind's) offers
 *   aes IMPL         key expansion, ECB, many keys, multikey (plain and MMO), MITCCRH
 *   hash IMPL        hash_one, hash_batch, hash_batch_tweaks
 *   prg              prg_new_seeded, prg_bytes
 *   gc IMPL          garbling and evaluation of a random circuit: streamed, planned, restarted
 *   ot               base OT and the IKNP extension, both ends (two threads), every batch
 *                    shape; the 128x128 transposes
 *   party            the two-party protocol end to end (two threads)
 *   leak-branch      a deliberate leak, a branch on a secret bit: must be reported
 *   leak-index       a deliberate leak, a table indexed by a secret byte: must be reported
 * Run natively the marks do nothing and every mode simply passes; only memcheck gives them teeth.
 * Sizes are small: under valgrind the whole check takes well under two minutes.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "aes.h"
#include "circuit.h"
#include "gc.h"
#include "hash.h"
#include "net.h"
#include "ot.h"
#include "party.h"
#include "prg.h"

#if defined(__has_include) && __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HAVE_MEMCHECK 1
#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#define ON_VALGRIND ((int)RUNNING_ON_VALGRIND)
#else
#define HAVE_MEMCHECK 0
#define SECRET(p, n) ((void)(p), (void)(n))
#define PUBLIC(p, n) ((void)(p), (void)(n))
#define ON_VALGRIND 0
#endif

enum { TIMEOUT_MS = 60000 }; /* valgrind runs the two threads one at a time, slowly */

static int failures;

/* Counts a failed check and says which; the mode exits 1 if any failed. */
static void check(bool ok, const char *fmt, ...)
{
	if (ok)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "test_ct: check failed: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	failures++;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) {
		fprintf(stderr, "test_ct: out of memory\n");
		exit(2);
	}
	return p;
}

static uint64_t rng_state = 0x7c3a9e15d2b40f61u;
static uint64_t rnd(void) /* splitmix64, fixed seed: runs repeat */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static void fill(void *buf, size_t n)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static int get_bit(const uint8_t *bits, size_t i)
{
	return (bits[i / 8] >> (i % 8)) & 1;
}

/* Both are made public first: a comparison branches on every byte. */
static bool same(void *a, void *b, size_t n)
{
	PUBLIC(a, n);
	PUBLIC(b, n);
	return memcmp(a, b, n) == 0;
}

/* A PRG whose seed is secret: everything it draws is secret too. */
static prg *secret_prg(uint8_t tag)
{
	uint8_t seed[16];
	fill(seed, sizeof(seed));
	seed[0] = tag;
	SECRET(seed, sizeof(seed));
	prg *p = NULL;
	if (prg_new_seeded(&p, seed) != RT_OK) {
		fprintf(stderr, "test_ct: prg_new_seeded failed\n");
		exit(2);
	}
	return p;
}

static enum aes_impl impl_named(const char *name)
{
	for (int i = 0; i < AES_IMPL_COUNT; i++)
		if (strcmp(name, aes_impl_name((enum aes_impl)i)) == 0 &&
		    aes_impl_supported((enum aes_impl)i))
			return (enum aes_impl)i;
	fprintf(stderr, "test_ct: AES implementation '%s' is not supported here\n", name);
	exit(2);
}

/* ---- the deliberate leaks: memcheck must report each ---- */

/* A branch on a secret bit (volatile, so the compiler cannot turn it into a select). */
__attribute__((noinline)) static int leaky_branch(const uint8_t *secret)
{
	volatile int hits = 0;
	if (secret[0] & 1)
		hits++;
	return hits;
}

/* A table lookup at a secret index, as a table-based AES makes. */
__attribute__((noinline)) static int leaky_index(const uint8_t *secret)
{
	volatile uint8_t table[256];
	for (int i = 0; i < 256; i++)
		table[i] = (uint8_t)(i * 7);
	return table[secret[0]];
}

static int mode_leak(bool branch)
{
	uint8_t key[16];
	fill(key, sizeof(key));
	SECRET(key, sizeof(key));
	int v = branch ? leaky_branch(key) : leaky_index(key);
	PUBLIC(&v, sizeof(v));
	printf("leak-%s ran (%d)\n", branch ? "branch" : "index", v > 0);
	return 0;
}

/* ---- aes.h ---- */

/* AES-128 of one block by OpenSSL, on public data: the reference. */
static void openssl_aes(uint8_t out[16], const uint8_t key[16], const uint8_t in[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0;
	bool ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) == 1 &&
		  EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
		  EVP_EncryptUpdate(ctx, out, &len, in, 16) == 1 && len == 16;
	EVP_CIPHER_CTX_free(ctx);
	check(ok, "OpenSSL AES-128-ECB");
}

/* ECB of n blocks under one expanded key, with impl and with soft. */
static void aes_check_ecb(enum aes_impl impl, size_t n)
{
	uint8_t key[16], pub_key[16], (*in)[16] = xcalloc(n, 16), (*pub_in)[16] = xcalloc(n, 16);
	uint8_t(*out)[16] = xcalloc(n, 16), (*ref)[16] = xcalloc(n, 16), want[16];
	struct aes_key k, ks;
	fill(key, 16);
	fill(in, n * 16);
	memcpy(pub_key, key, 16);
	memcpy(pub_in, in, n * 16);
	SECRET(key, 16);
	SECRET(in, n * 16);
	aes_expand_key(impl, &k, key);
	aes_expand_key(AES_IMPL_SOFT, &ks, key);
	aes_encrypt_ecb(impl, &k, (const uint8_t(*)[16])in, out, n);
	aes_encrypt_ecb(AES_IMPL_SOFT, &ks, (const uint8_t(*)[16])in, ref, n);
	check(same(out, ref, n * 16), "aes %s: ECB of %zu blocks as soft", aes_impl_name(impl), n);
	openssl_aes(want, pub_key, pub_in[n - 1]);
	check(same(out[n - 1], want, 16), "aes %s: ECB as OpenSSL", aes_impl_name(impl));
	/* in place */
	aes_encrypt_ecb(impl, &k, (const uint8_t(*)[16])in, in, n);
	check(same(in, ref, n * 16), "aes %s: ECB in place", aes_impl_name(impl));
	free(in), free(pub_in), free(out), free(ref);
}

/* A few blocks under each of n expanded keys (the OT's column streams). */
static void aes_check_keys(enum aes_impl impl, size_t n, unsigned m)
{
	struct aes_key *keys = xcalloc(n, sizeof(*keys));
	uint8_t key[16], (*in)[16] = xcalloc(m, 16), (*out)[16] = xcalloc(n * m, 16);
	uint8_t(*ref)[16] = xcalloc(n * m, 16);
	for (size_t i = 0; i < n; i++) {
		fill(key, 16);
		SECRET(key, 16);
		aes_expand_key(impl, &keys[i], key);
	}
	fill(in, m * 16);
	SECRET(in, m * 16);
	aes_encrypt_keys(impl, keys, n, (const uint8_t(*)[16])in, m, out);
	aes_encrypt_keys(AES_IMPL_SOFT, keys, n, (const uint8_t(*)[16])in, m, ref);
	check(same(out, ref, n * m * 16), "aes %s: %u blocks under %zu keys", aes_impl_name(impl),
	      m, n);
	free(keys), free(in), free(out), free(ref);
}

/* aes_encrypt_multikey (plain and MMO) and aes_mitccrh_multikey (consecutive and listed
 * tweaks): n keys, m blocks each. */
static void aes_check_multikey(enum aes_impl impl, size_t n, unsigned m)
{
	size_t stride = n + 3, len = stride * m;
	uint8_t(*keys)[16] = xcalloc(n, 16), (*in)[16] = xcalloc(len, 16), seed[16];
	uint8_t(*out)[16] = xcalloc(len, 16), (*ref)[16] = xcalloc(len, 16);
	uint64_t *tweaks = xcalloc(n, sizeof(uint64_t));
	fill(keys, n * 16);
	fill(in, len * 16);
	fill(seed, 16);
	fill(tweaks, n * sizeof(uint64_t));
	SECRET(keys, n * 16);
	SECRET(in, len * 16);
	SECRET(seed, 16); /* public in MITCCRH, but the AES keys derive from it */
	const char *name = aes_impl_name(impl);
	for (int mmo = 0; mmo < 2; mmo++) {
		aes_encrypt_multikey(impl, (const uint8_t(*)[16])keys, n, m, stride,
				     (const uint8_t(*)[16])in, out, mmo);
		aes_encrypt_multikey(AES_IMPL_SOFT, (const uint8_t(*)[16])keys, n, m, stride,
				     (const uint8_t(*)[16])in, ref, mmo);
		for (unsigned j = 0; j < m; j++)
			check(same(out + j * stride, ref + j * stride, n * 16),
			      "aes %s: multikey n=%zu m=%u mmo=%d", name, n, m, mmo);
	}
	for (int listed = 0; listed < 2; listed++) {
		const uint64_t *tw = listed ? tweaks : NULL;
		aes_mitccrh_multikey(impl, seed, tw, 1000, n, m, stride, (const uint8_t(*)[16])in,
				     out);
		aes_mitccrh_multikey(AES_IMPL_SOFT, seed, tw, 1000, n, m, stride,
				     (const uint8_t(*)[16])in, ref);
		for (unsigned j = 0; j < m; j++)
			check(same(out + j * stride, ref + j * stride, n * 16),
			      "aes %s: MITCCRH n=%zu m=%u tweaks=%d", name, n, m, listed);
	}
	free(keys), free(in), free(out), free(ref), free(tweaks);
}

static int mode_aes(enum aes_impl impl)
{
	static const size_t ecb[] = {1, 2, 3, 4, 5, 8, 9, 17};
	for (size_t i = 0; i < sizeof(ecb) / sizeof(ecb[0]); i++)
		aes_check_ecb(impl, ecb[i]);
	for (unsigned m = 1; m <= AES_MAX_PER_KEY; m++) {
		aes_check_keys(impl, 1, m);
		aes_check_keys(impl, 128, m); /* the OT's 128 columns */
	}
	/* n around the implementations' groups of 4, 8 and 16 keys */
	static const size_t nk[] = {1, 3, 4, 7, 16, 17, 33};
	for (size_t i = 0; i < sizeof(nk) / sizeof(nk[0]); i++)
		for (unsigned m = 1; m <= AES_MAX_PER_KEY; m++)
			aes_check_multikey(impl, nk[i], m);
	printf("aes %s: %d failed checks\n", aes_impl_name(impl), failures);
	return failures != 0;
}

/* ---- hash.h ---- */

static int mode_hash(enum aes_impl impl)
{
	enum { N = 40, M = 2, STRIDE = 48 };
	uint8_t seed[16], (*x)[16] = xcalloc(STRIDE * M, 16), (*out)[16] = xcalloc(STRIDE * M, 16);
	uint8_t one[16], (*out2)[16] = xcalloc(STRIDE * M, 16);
	uint64_t tweaks[N];
	fill(seed, 16); /* S is public: the garbler sends it */
	fill(x, STRIDE * M * 16);
	SECRET(x, STRIDE * M * 16);
	for (size_t i = 0; i < N; i++)
		tweaks[i] = 77 + 2 * i;
	struct hash_ctx h;
	hash_init(&h, seed, impl);
	hash_batch(&h, 77, N, M, STRIDE, (const uint8_t(*)[16])x, out);
	for (unsigned m = 1; m <= AES_MAX_PER_KEY; m++) /* every shape runs once */
		hash_batch(&h, 5, 9, m, 9, (const uint8_t(*)[16])x, out2);
	hash_batch_tweaks(&h, tweaks, N, M, STRIDE, (const uint8_t(*)[16])x, out2);
	for (size_t j = 0; j < M; j++)
		for (size_t i = 0; i < N; i += 13) {
			hash_one(&h, one, x[j * STRIDE + i], 77 + i);
			check(same(one, out[j * STRIDE + i], 16), "hash %s: batch %zu,%zu as one",
			      aes_impl_name(impl), j, i);
			hash_one(&h, one, x[j * STRIDE + i], tweaks[i]);
			check(same(one, out2[j * STRIDE + i], 16), "hash %s: tweaks %zu,%zu as one",
			      aes_impl_name(impl), j, i);
		}
	printf("hash %s: %d failed checks\n", aes_impl_name(impl), failures);
	free(x), free(out), free(out2);
	return failures != 0;
}

/* ---- prg.h ---- */

static int mode_prg(void)
{
	uint8_t seed[16], a[5000], b[5000];
	fill(seed, 16);
	SECRET(seed, 16);
	prg *p = NULL, *q = NULL;
	check(prg_new_seeded(&p, seed) == RT_OK && prg_new_seeded(&q, seed) == RT_OK,
	      "prg_new_seeded");
	/* odd pieces: the counter carries across calls */
	check(prg_bytes(p, a, 7) == RT_OK && prg_bytes(p, a + 7, 4993) == RT_OK, "prg_bytes");
	check(prg_bytes(q, b, sizeof(b)) == RT_OK, "prg_bytes");
	check(same(a, b, sizeof(a)), "prg: a stream in pieces as in one");
	prg_free(p);
	prg_free(q);
	printf("prg: %d failed checks\n", failures);
	return failures != 0;
}

/* ---- gc.h ---- */

/* A random two-party circuit of n gates of every kind over nin input bits, whose outputs
 * include the last gate's wire. */
static struct circ_circuit *random_circuit(uint32_t nin, uint32_t n, uint32_t nout)
{
	struct circ_circuit *c = circ_new();
	bool ok = c && circ_add_party(c, "g") == 0 && circ_add_party(c, "e") == 1 &&
		  circ_add_input(c, "x", nin / 2, 0, 0) >= 0 &&
		  circ_add_input(c, "y", nin - nin / 2, 0, 1) >= 0;
	for (uint32_t i = 0; ok && i < n; i++) {
		uint32_t w = nin + i;
		uint32_t a = (uint32_t)(rnd() % 4 ? w - 1 - rnd() % (w < 8 ? w : 8) : rnd() % w);
		uint32_t b = (uint32_t)(rnd() % w);
		unsigned r = (unsigned)(rnd() % 100);
		enum circ_gate_kind k = r < 45	 ? GATE_AND
					: r < 88 ? GATE_XOR
					: r < 96 ? GATE_NOT
						 : GATE_CONST;
		if (k == GATE_NOT)
			b = 0;
		if (k == GATE_CONST)
			a = (uint32_t)(rnd() & 1), b = 0;
		ok = circ_add_gate(c, k, a, b) >= 0;
	}
	uint32_t ow[64];
	for (uint32_t k = 0; k < nout && k < 64; k++)
		ow[k] = k == 0 ? nin + n - 1 : (uint32_t)(rnd() % (nin + n));
	struct circ_err err;
	ok = ok && nout <= 64 && circ_add_output(c, "z", nout, 0, CIRC_ALL, ow) >= 0 &&
	     circ_validate(c, &err) == 0;
	if (!ok) {
		fprintf(stderr, "test_ct: cannot build the circuit\n");
		exit(2);
	}
	return c;
}

/* The plaintext output bits of c on packed input bits in (public). */
static void clear_outputs(const struct circ_circuit *c, const uint8_t *in, uint8_t *out)
{
	uint64_t *iw = xcalloc(c->nin_bits, 8), *ow = xcalloc(c->nout_bits, 8);
	uint64_t *wires = xcalloc(circ_nwires(c), 8);
	for (uint32_t i = 0; i < c->nin_bits; i++)
		iw[i] = (uint64_t)get_bit(in, i);
	circ_eval64(c, iw, ow, wires);
	memset(out, 0, c->nout_bits / 8 + 1);
	for (uint32_t k = 0; k < c->nout_bits; k++)
		out[k / 8] |= (uint8_t)((ow[k] & 1) << (k % 8));
	free(iw), free(ow), free(wires);
}

/* Garbles and evaluates c on secret input bits, streamed in chunks of chunk gates or from a
 * plan; a second run restarts both. Checks the outputs and every kept label. */
static void gc_check(const struct circ_circuit *c, enum aes_impl impl, size_t chunk, bool planned)
{
	uint64_t nand = gc_count_and(c->gates, c->ngates);
	uint8_t *tables = xcalloc(nand + 1, GC_TABLE_BYTES);
	uint8_t(*lab)[16] = xcalloc(c->nin_bits, 16), (*zero)[16] = xcalloc(c->nin_bits, 16);
	uint8_t *in = xcalloc(c->nin_bits / 8 + 1, 1), *pub_in = xcalloc(c->nin_bits / 8 + 1, 1);
	uint8_t *d = xcalloc(c->nout_bits / 8 + 1, 1), *s = xcalloc(c->nout_bits / 8 + 1, 1);
	uint8_t *want = xcalloc(c->nout_bits / 8 + 1, 1), delta[16], seed[16], zl[16], al[16];
	prg *p = secret_prg(1);
	gc_garbler *g = NULL;
	gc_evaluator *e = NULL;
	gc_plan *plan = NULL;
	check(gc_garbler_new(&g, c, p) == RT_OK && gc_garbler_use_aes(g, impl) == RT_OK,
	      "gc_garbler_new");
	gc_garbler_seed(g, seed);
	PUBLIC(seed, 16); /* the hash seed goes to the evaluator in the clear */
	check(gc_evaluator_new(&e, c, seed) == RT_OK && gc_evaluator_use_aes(e, impl) == RT_OK,
	      "gc_evaluator_new");
	if (planned)
		check(gc_plan_new(&plan, c, chunk) == RT_OK, "gc_plan_new");
	for (int run = 0; run < 2; run++) {
		if (run > 0)
			check(gc_garbler_restart(g, p) == RT_OK && gc_evaluator_restart(e) == RT_OK,
			      "restart");
		fill(in, c->nin_bits / 8 + 1);
		memcpy(pub_in, in, c->nin_bits / 8 + 1);
		SECRET(in, c->nin_bits / 8 + 1);
		/* the evaluator's input labels as the OT leaves them: zero labels set by hand */
		uint32_t half = c->inputs[1].first;
		fill(zero, c->nin_bits * 16);
		SECRET(zero, c->nin_bits * 16);
		check(gc_garbler_set_input_labels(g, half, c->nin_bits - half,
						  (const uint8_t(*)[16])zero + half) == RT_OK,
		      "gc_garbler_set_input_labels");
		check(gc_garbler_input_labels(g, 0, c->nin_bits, in, lab) == RT_OK &&
			  gc_evaluator_set_input_labels(e, 0, c->nin_bits,
							(const uint8_t(*)[16])lab) == RT_OK,
		      "input labels");
		size_t done = 0, nb = 0;
		for (size_t k = 0; plan && k < gc_plan_chunks(plan); k++) {
			check(gc_garble_planned(g, plan, k, tables + done,
						nand * GC_TABLE_BYTES - done, &nb) == RT_OK,
			      "gc_garble_planned: %s", gc_garbler_error(g));
			check(gc_eval_planned(e, plan, k, tables + done, nb) == RT_OK,
			      "gc_eval_planned: %s", gc_evaluator_error(e));
			done += nb;
		}
		for (uint64_t i = 0; !plan && i < c->ngates; i += chunk) {
			size_t n = c->ngates - i < chunk ? (size_t)(c->ngates - i) : chunk;
			check(gc_garble_chunk(g, c->gates + i, n, tables + done,
					      nand * GC_TABLE_BYTES - done, &nb) == RT_OK,
			      "gc_garble_chunk: %s", gc_garbler_error(g));
			check(gc_eval_chunk(e, c->gates + i, n, tables + done, nb) == RT_OK,
			      "gc_eval_chunk: %s", gc_evaluator_error(e));
			done += nb;
		}
		check(done == nand * GC_TABLE_BYTES, "every table written");
		check(gc_garbler_decoding_bits(g, d) == RT_OK &&
			  gc_evaluator_output_bits(e, s) == RT_OK,
		      "output bits");
		/* the outputs: d ^ s, revealed */
		for (size_t i = 0; i < c->nout_bits / 8 + 1; i++)
			d[i] ^= s[i];
		clear_outputs(c, pub_in, want);
		PUBLIC(d, c->nout_bits / 8 + 1);
		for (uint32_t k = 0; k < c->nout_bits; k++)
			check(get_bit(d, k) == get_bit(want, k), "gc %s: output bit %u",
			      aes_impl_name(impl), k);
		/* output 0's labels: active = zero ^ value * delta */
		uint32_t w = c->output_wires[0];
		check(gc_garbler_zero_label(g, w, zl) == RT_OK &&
			  gc_evaluator_label(e, w, al) == RT_OK,
		      "labels of wire %u", w);
		gc_garbler_delta(g, delta);
		for (int i = 0; i < 16; i++)
			zl[i] ^= (uint8_t)(-get_bit(want, 0) & delta[i]);
		check(same(zl, al, 16), "gc %s: the output wire's active label",
		      aes_impl_name(impl));
	}
	gc_plan_free(plan);
	gc_garbler_free(g);
	gc_evaluator_free(e);
	prg_free(p);
	free(tables), free(lab), free(zero), free(in), free(pub_in), free(d), free(s), free(want);
}

static int mode_gc(enum aes_impl impl)
{
	struct circ_circuit *c = random_circuit(64, impl == AES_IMPL_SOFT ? 600 : 2500, 40);
	gc_check(c, impl, 97, false); /* streamed in odd chunks */
	gc_check(c, impl, c->ngates, false);
	gc_check(c, impl, 256, true);
	circ_free(c);
	printf("gc %s: %d failed checks\n", aes_impl_name(impl), failures);
	return failures != 0;
}

/* ---- two parties in two threads ---- */

struct peer {
	int fd;
	int (*fn)(net_chan *ch, void *arg);
	void *arg;
	int result;
};

static void *peer_main(void *arg)
{
	struct peer *pe = arg;
	net_chan *ch = NULL;
	pe->result = net_chan_new(&ch, pe->fd, TIMEOUT_MS) == RT_OK ? pe->fn(ch, pe->arg) : 1;
	net_chan_free(ch);
	return NULL;
}

/* Runs a(ch, aa) and b(ch, ba) at the two ends of a socketpair, in two threads; true when both
 * returned 0. */
static bool run_pair(int (*a)(net_chan *, void *), void *aa, int (*b)(net_chan *, void *), void *ba)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return false;
	struct peer pa = {sv[0], a, aa, 1}, pb = {sv[1], b, ba, 1};
	pthread_t t;
	if (pthread_create(&t, NULL, peer_main, &pb) != 0)
		return false;
	peer_main(&pa);
	pthread_join(t, NULL);
	return pa.result == 0 && pb.result == 0;
}

/* ---- ot.h ---- */

static const size_t ot_sizes[] = {1, 100, 300, 900, 3000, 5000};
enum { OT_SIZES = sizeof(ot_sizes) / sizeof(ot_sizes[0]), OT_MAX = 5000 };

struct ot_job {
	uint8_t delta[16];		    /* the sender's, secret */
	uint8_t choices[OT_MAX / 8 + 1];    /* the receiver's, secret */
	uint8_t (*out[OT_SIZES])[16];	    /* q (sender) or t (receiver) per size */
	uint8_t base[OT_BASE_COUNT][2][16]; /* keys of the direct base OTs */
	uint8_t base_got[OT_BASE_COUNT][16];
};

/* The extension's sender, the garbler: base OTs as their receiver (choices: delta's bits). */
static int ot_sender_side(net_chan *ch, void *arg)
{
	struct ot_job *j = arg;
	prg *p = secret_prg(2);
	ot_sender *s = NULL;
	int bad = ot_sender_new(&s, ch, j->delta, p) != RT_OK;
	for (int k = 0; !bad && k < OT_SIZES; k++)
		bad = ot_send_cot(s, j->out[k], ot_sizes[k]) != RT_OK;
	/* and the base OT by itself, the other way round */
	if (!bad)
		bad = ot_base_send(ch, p, j->base, OT_BASE_COUNT) != RT_OK;
	ot_sender_free(s);
	prg_free(p);
	return bad;
}

static int ot_receiver_side(net_chan *ch, void *arg)
{
	struct ot_job *j = arg;
	prg *p = secret_prg(3);
	ot_receiver *r = NULL;
	int bad = ot_receiver_new(&r, ch, p) != RT_OK;
	for (int k = 0; !bad && k < OT_SIZES; k++)
		bad = ot_recv_cot(r, j->choices, j->out[k], ot_sizes[k]) != RT_OK;
	if (!bad)
		bad = ot_base_recv(ch, p, j->choices, j->base_got, OT_BASE_COUNT) != RT_OK;
	ot_receiver_free(r);
	prg_free(p);
	return bad;
}

/* Every transpose this CPU has, on a secret matrix, as the scalar one. */
static void ot_check_transposes(void)
{
	static const ot_simd kinds[] = {OT_SIMD_SCALAR, OT_SIMD_SSE2, OT_SIMD_AVX2, OT_SIMD_AVX512};
	static const char *const names[] = {"scalar", "sse2", "avx2", "avx512"};
	uint8_t in[128 * 24], ref[128][16], out[128][16];
	fill(in, sizeof(in));
	SECRET(in, sizeof(in));
	check(ot_transpose128(ref, in, 24, OT_SIMD_SCALAR) == RT_OK, "scalar transpose");
	for (int k = 0; k < 4; k++) {
		if (ot_transpose128(out, in, 24, kinds[k]) != RT_OK) {
			printf("ot: transpose %s: not on this CPU\n", names[k]);
			continue;
		}
		check(same(out, ref, sizeof(out)), "transpose %s as scalar", names[k]);
		printf("ot: transpose %s: checked\n", names[k]);
	}
}

static int mode_ot(void)
{
	struct ot_job snd = {0}, rcv = {0};
	fill(snd.delta, 16);
	fill(rcv.choices, sizeof(rcv.choices));
	uint8_t delta[16], choices[sizeof(rcv.choices)];
	memcpy(delta, snd.delta, 16);
	memcpy(choices, rcv.choices, sizeof(choices));
	SECRET(snd.delta, 16);
	SECRET(rcv.choices, sizeof(rcv.choices));
	for (int k = 0; k < OT_SIZES; k++) {
		snd.out[k] = xcalloc(ot_sizes[k], 16);
		rcv.out[k] = xcalloc(ot_sizes[k], 16);
	}
	check(run_pair(ot_sender_side, &snd, ot_receiver_side, &rcv), "the OT sessions ran");
	/* t_i = q_i ^ r_i * delta */
	for (int k = 0; k < OT_SIZES; k++) {
		size_t n = ot_sizes[k];
		PUBLIC(snd.out[k], n * 16);
		PUBLIC(rcv.out[k], n * 16);
		size_t bad = 0;
		for (size_t i = 0; i < n; i++)
			for (int b = 0; b < 16; b++)
				bad +=
				    rcv.out[k][i][b] !=
				    (uint8_t)(snd.out[k][i][b] ^ (-get_bit(choices, i) & delta[b]));
		check(bad == 0, "ot: %zu correlated OTs", n);
		free(snd.out[k]), free(rcv.out[k]);
	}
	PUBLIC(snd.base, sizeof(snd.base));
	PUBLIC(rcv.base_got, sizeof(rcv.base_got));
	size_t bad = 0;
	for (size_t i = 0; i < OT_BASE_COUNT; i++)
		bad += memcmp(rcv.base_got[i], snd.base[i][get_bit(choices, i)], 16) != 0;
	check(bad == 0, "ot: base OT keys");
	ot_check_transposes();
	printf("ot (%s): %d failed checks\n", aes_impl_name(aes_impl_best()), failures);
	return failures != 0;
}

/* ---- party.h ---- */

struct party_job {
	const struct circ_circuit *c;
	uint32_t me;
	uint64_t in[2][2];  /* inputs x (garbler), y (evaluator): 64 bits at most here */
	uint64_t out[2][1]; /* output z, run by run */
	bool learned[1];
	char err[320];
};

/* The PRG is not marked secret here: the handshake's nonce comes from it and is public (it is
 * sent), but memcheck cannot know that, and the session id and confirmation hashed from it
 * would look secret. Delta, labels and OT keys from a secret PRG are the gc and ot modes'
 * work; this mode follows the parties' private inputs through party.c. */
static int party_side(net_chan *ch, void *arg)
{
	struct party_job *j = arg;
	uint8_t seed[16] = {(uint8_t)(4 + j->me), 0xc7};
	prg *p = NULL;
	if (prg_new_seeded(&p, seed) != RT_OK)
		return 1;
	party *pt = NULL;
	int bad = party_new(&pt, j->c, j->me, ch, p) != RT_OK;
	for (int run = 0; !bad && run < 2; run++) {
		uint64_t *in[2] = {j->in[run], j->in[run]};
		uint64_t *out[1] = {j->out[run]};
		bad = party_run(pt, in, out, j->learned) != RT_OK;
	}
	if (bad)
		snprintf(j->err, sizeof(j->err), "%s", party_error(pt));
	party_free(pt);
	prg_free(p);
	return bad;
}

static int mode_party(void)
{
	struct circ_circuit *c = random_circuit(48, 1500, 40);
	struct party_job jg = {.c = c, .me = PARTY_GARBLER}, je = {.c = c, .me = PARTY_EVALUATOR};
	uint64_t x[2], y[2];
	for (int run = 0; run < 2; run++) {
		x[run] = rnd() & 0xffffff;
		y[run] = rnd() & 0xffffff;
		jg.in[run][0] = x[run];
		je.in[run][0] = y[run];
	}
	SECRET(jg.in, sizeof(jg.in));
	SECRET(je.in, sizeof(je.in));
	bool ok = run_pair(party_side, &jg, party_side, &je);
	check(ok, "party: the session ran (%s / %s)", jg.err, je.err);
	for (int run = 0; ok && run < 2; run++) {
		uint8_t bits[8] = {0}, want[8];
		for (int i = 0; i < 24; i++) {
			bits[i / 8] |= (uint8_t)(((x[run] >> i) & 1) << (i % 8));
			bits[(24 + i) / 8] |= (uint8_t)(((y[run] >> i) & 1) << ((24 + i) % 8));
		}
		clear_outputs(c, bits, want);
		uint64_t z = 0;
		for (uint32_t k = 0; k < c->nout_bits; k++)
			z |= (uint64_t)get_bit(want, k) << k;
		check(same(&jg.out[run][0], &z, 8) && same(&je.out[run][0], &z, 8),
		      "party: run %d's output", run);
	}
	circ_free(c);
	printf("party: %d failed checks\n", failures);
	return failures != 0;
}

/* ---- main ---- */

static int mode_impls(void)
{
	printf("memcheck %s\n", HAVE_MEMCHECK ? "yes" : "no");
	printf("valgrind %s\n", ON_VALGRIND ? "yes" : "no");
	for (int i = 0; i < AES_IMPL_COUNT; i++)
		if (aes_impl_supported((enum aes_impl)i))
			printf("aes %s\n", aes_impl_name((enum aes_impl)i));
	printf("best %s\n", aes_impl_name(aes_impl_best()));
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	const char *arg = argc > 2 ? argv[2] : "soft";
	if (strcmp(mode, "impls") == 0)
		return mode_impls();
	if (strcmp(mode, "aes") == 0)
		return mode_aes(impl_named(arg));
	if (strcmp(mode, "hash") == 0)
		return mode_hash(impl_named(arg));
	if (strcmp(mode, "prg") == 0)
		return mode_prg();
	if (strcmp(mode, "gc") == 0)
		return mode_gc(impl_named(arg));
	if (strcmp(mode, "ot") == 0)
		return mode_ot();
	if (strcmp(mode, "party") == 0)
		return mode_party();
	if (strcmp(mode, "leak-branch") == 0)
		return mode_leak(true);
	if (strcmp(mode, "leak-index") == 0)
		return mode_leak(false);
	fprintf(stderr, "usage: test_ct impls | aes|hash|gc IMPL | prg | ot | party | "
			"leak-branch | leak-index\n");
	return 2;
}
