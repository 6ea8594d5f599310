/* test_gc.c: half-gates garbling and evaluation in memory (no network): one AND gate against
 * PROTOCOL.md's formulas, every wire's label against the plaintext value on random circuits,
 * the shared Bristol circuits (AES-128 against FIPS-197 C.1, random inputs against
 * circ_eval64), chunking and AES implementations that must not change a byte, streaming from
 * the binary format, and every error path. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "circuit.h"
#include "gc.h"
#include "hash.h"
#include "prg.h"
#include "rt.h"

TestSuite(gc, .timeout = 120);

/* ---- helpers ---- */

static uint64_t rng_state = 0x2545f4914f6cdd1du;
static uint64_t rnd(void) /* splitmix64, fixed seed: runs repeat */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static prg *seeded_prg(uint8_t tag)
{
	uint8_t seed[16] = {tag, 0x9c};
	prg *p = NULL;
	cr_assert(prg_new_seeded(&p, seed) == RT_OK);
	return p;
}

static void xor16(uint8_t out[16], const uint8_t a[16], const uint8_t b[16])
{
	for (int i = 0; i < 16; i++)
		out[i] = a[i] ^ b[i];
}

static int bit(const uint8_t *bits, size_t i)
{
	return (bits[i / 8] >> (i % 8)) & 1;
}

static void set_bit(uint8_t *bits, size_t i, int v)
{
	bits[i / 8] = (uint8_t)((bits[i / 8] & ~(1u << (i % 8))) | ((unsigned)(v & 1) << (i % 8)));
}

/* Splits n gates into chunks of random sizes up to max (max 0: one chunk). */
static size_t next_chunk(size_t left, size_t max)
{
	if (max == 0 || left == 0)
		return left;
	size_t k = 1 + rnd() % max;
	return k < left ? k : left;
}

struct run_opts {
	enum aes_impl gimpl, eimpl;
	size_t gchunk, echunk; /* largest chunk, 0: all at once */
	uint8_t prg_tag;
	size_t gplan, eplan; /* nonzero: run from a gc_plan of chunks of this many gates */
};

struct run {
	uint8_t *tables; /* every chunk's tables, concatenated */
	size_t ntables;
	uint8_t delta[16];
	uint8_t *dec, *s; /* decoding bits and the evaluator's output bits */
	uint8_t *zero;	  /* zero label of every wire, 16 bytes each */
	uint8_t *active;  /* the evaluator's label of every wire */
	bool *kept;	  /* whether both labels of a wire are known: a planned run keeps only
			   * the input and output wires' */
};

static void run_free(struct run *r)
{
	free(r->tables);
	free(r->dec);
	free(r->s);
	free(r->zero);
	free(r->active);
	free(r->kept);
}

/* Garbles and evaluates c on input bits in (packed, nin_bits), in memory. */
static void garble_and_eval(const struct circ_circuit *c, const uint8_t *in,
			    const struct run_opts *o, struct run *r)
{
	uint64_t nw = circ_nwires(c), nand = gc_count_and(c->gates, c->ngates);
	memset(r, 0, sizeof(*r));
	r->tables = malloc(nand * GC_TABLE_BYTES + 1);
	r->dec = calloc(c->nout_bits / 8 + 1, 1);
	r->s = calloc(c->nout_bits / 8 + 1, 1);
	r->zero = malloc(nw * 16 + 1);
	r->active = malloc(nw * 16 + 1);
	r->kept = calloc(nw + 1, sizeof(bool));
	uint8_t(*lab)[16] = malloc((c->nin_bits + 1) * 16);
	cr_assert(r->tables && r->dec && r->s && r->zero && r->active && r->kept && lab);

	prg *p = seeded_prg(o->prg_tag);
	gc_garbler *g = NULL;
	gc_evaluator *e = NULL;
	uint8_t seed[16];
	cr_assert(gc_garbler_new(&g, c, p) == RT_OK);
	cr_assert(gc_garbler_use_aes(g, o->gimpl) == RT_OK);
	gc_garbler_delta(g, r->delta);
	gc_garbler_seed(g, seed);
	cr_assert(gc_evaluator_new(&e, c, seed) == RT_OK);
	cr_assert(gc_evaluator_use_aes(e, o->eimpl) == RT_OK);
	cr_assert(gc_garbler_input_labels(g, 0, c->nin_bits, in, lab) == RT_OK);
	cr_assert(gc_evaluator_set_input_labels(e, 0, c->nin_bits, (const uint8_t(*)[16])lab) ==
		  RT_OK);

	size_t done = 0, k;
	gc_plan *gp = NULL, *ep = NULL;
	if (o->gplan)
		cr_assert(gc_plan_new(&gp, c, o->gplan) == RT_OK);
	if (o->eplan)
		cr_assert(gc_plan_new(&ep, c, o->eplan) == RT_OK);
	for (size_t i = 0; gp && i < gc_plan_chunks(gp); i++) {
		size_t nb = 0;
		cr_assert(gc_garble_planned(g, gp, i, r->tables + done,
					    nand * GC_TABLE_BYTES - done, &nb) == RT_OK,
			  "%s", gc_garbler_error(g));
		cr_assert(nb == gc_plan_chunk_bytes(gp, i));
		cr_assert(nb <= gc_plan_max_chunk_bytes(gp));
		done += nb;
	}
	for (uint64_t i = 0; !gp && i < c->ngates; i += k) {
		size_t nb = 0;
		k = next_chunk(c->ngates - i, o->gchunk);
		cr_assert(gc_garble_chunk(g, c->gates + i, k, r->tables + done,
					  nand * GC_TABLE_BYTES - done, &nb) == RT_OK,
			  "%s", gc_garbler_error(g));
		cr_assert(nb == gc_count_and(c->gates + i, k) * GC_TABLE_BYTES);
		done += nb;
	}
	cr_assert(done == nand * GC_TABLE_BYTES);
	r->ntables = done;
	done = 0;
	for (size_t i = 0; ep && i < gc_plan_chunks(ep); i++) {
		size_t nb = gc_plan_chunk_bytes(ep, i);
		cr_assert(gc_eval_planned(e, ep, i, r->tables + done, nb) == RT_OK, "%s",
			  gc_evaluator_error(e));
		done += nb;
	}
	for (uint64_t i = 0; !ep && i < c->ngates; i += k) {
		k = next_chunk(c->ngates - i, o->echunk);
		size_t nb = gc_count_and(c->gates + i, k) * GC_TABLE_BYTES;
		cr_assert(gc_eval_chunk(e, c->gates + i, k, r->tables + done, nb) == RT_OK, "%s",
			  gc_evaluator_error(e));
		done += nb;
	}
	cr_assert(gc_garbler_decoding_bits(g, r->dec) == RT_OK);
	cr_assert(gc_evaluator_output_bits(e, r->s) == RT_OK);
	for (uint32_t k = 0; k < c->nout_bits; k++)
		r->kept[c->output_wires[k]] = true;
	for (uint64_t w = 0; w < nw; w++) {
		bool must = w < c->nin_bits || r->kept[w];
		rt_err eg = gc_garbler_zero_label(g, w, r->zero + 16 * w);
		rt_err ee = gc_evaluator_label(e, w, r->active + 16 * w);
		cr_assert(eg == (must || !gp ? RT_OK : RT_ERR_INPUT), "wire %llu",
			  (unsigned long long)w);
		cr_assert(ee == (must || !ep ? RT_OK : RT_ERR_INPUT), "wire %llu",
			  (unsigned long long)w);
		r->kept[w] = eg == RT_OK && ee == RT_OK;
	}
	gc_garbler_free(g);
	gc_evaluator_free(e);
	gc_plan_free(gp);
	gc_plan_free(ep);
	prg_free(p);
	free(lab);
}

/* Plaintext value of every wire for one input (lane 0 of circ_eval64). */
static uint64_t *wire_values(const struct circ_circuit *c, const uint8_t *in)
{
	uint64_t *iw = calloc(c->nin_bits + 1, 8), *ow = calloc(c->nout_bits + 1, 8);
	uint64_t *wires = calloc(circ_nwires(c) + 1, 8);
	cr_assert(iw && ow && wires);
	for (uint32_t i = 0; i < c->nin_bits; i++)
		iw[i] = (uint64_t)bit(in, i);
	circ_eval64(c, iw, ow, wires);
	free(iw);
	free(ow);
	return wires;
}

/* Every wire: active = zero ^ value * delta; every output: s ^ d = value. */
static void check_run(const struct circ_circuit *c, const uint8_t *in, const struct run *r)
{
	uint64_t *val = wire_values(c, in);
	cr_assert(r->delta[0] & 1, "lsb(delta) = 1");
	for (uint64_t w = 0; w < circ_nwires(c); w++) {
		uint8_t want[16];
		if (!r->kept[w])
			continue;
		memcpy(want, r->zero + 16 * w, 16);
		if (val[w] & 1)
			xor16(want, want, r->delta);
		cr_assert(memcmp(r->active + 16 * w, want, 16) == 0, "wire %llu (value %d)",
			  (unsigned long long)w, (int)(val[w] & 1));
	}
	for (uint32_t k = 0; k < c->nout_bits; k++)
		cr_assert((bit(r->s, k) ^ bit(r->dec, k)) == (int)(val[c->output_wires[k]] & 1),
			  "output bit %u", k);
	free(val);
}

/* A random circuit: nin input bits in two inputs, n gates of every kind, n_out outputs. */
static struct circ_circuit *random_circuit(uint32_t nin, uint32_t n, uint32_t nout, int and_pct)
{
	struct circ_circuit *c = circ_new();
	cr_assert(c != NULL);
	cr_assert(circ_add_party(c, "g") == 0 && circ_add_party(c, "e") == 1);
	cr_assert(circ_add_input(c, "x", nin / 2, 0, 0) >= 0);
	cr_assert(circ_add_input(c, "y", nin - nin / 2, 0, 1) >= 0);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t w = nin + i;
		/* mostly recent wires, so AND chains and independent layers both occur */
		uint32_t a = (uint32_t)(rnd() % 4 ? w - 1 - rnd() % (w < 8 ? w : 8) : rnd() % w);
		uint32_t b = (uint32_t)(rnd() % w);
		int r = (int)(rnd() % 100);
		enum circ_gate_kind k = r < and_pct ? GATE_AND
					: r < 90    ? GATE_XOR
					: r < 97    ? GATE_NOT
						    : GATE_CONST;
		if (k == GATE_NOT)
			b = 0;
		if (k == GATE_CONST)
			a = (uint32_t)(rnd() & 1), b = 0;
		cr_assert(circ_add_gate(c, k, a, b) >= 0);
	}
	uint32_t *ow = malloc(nout * sizeof(uint32_t));
	cr_assert(ow != NULL);
	for (uint32_t k = 0; k < nout; k++)
		ow[k] = k == 0	 ? nin + n - 1
			: k == 1 ? (uint32_t)(rnd() % nin)
				 : (uint32_t)(rnd() % (nin + n));
	cr_assert(circ_add_output(c, "out", nout, 0, CIRC_ALL, ow) >= 0);
	free(ow);
	struct circ_err err;
	cr_assert(circ_validate(c, &err) == 0, "%s", err.msg);
	return c;
}

static const struct run_opts default_opts = {0, 0, 0, 0, 1, 0, 0};

static struct run_opts best_opts(void)
{
	struct run_opts o = default_opts;
	o.gimpl = o.eimpl = aes_impl_best();
	return o;
}

/* ---- one AND gate ---- */

/* half-gates, eprint 2014/756: all four input pairs, and the tables against PROTOCOL.md's
 * formulas recomputed with hash_one (itself checked against OpenSSL in test_crypto). */
Test(gc, and_gate_truth_table)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = circ_new();
	uint32_t out = 2;
	cr_assert(circ_add_party(c, "g") == 0 && circ_add_party(c, "e") == 1);
	cr_assert(circ_add_input(c, "a", 1, 0, 0) == 0 && circ_add_input(c, "b", 1, 0, 1) == 1);
	cr_assert(circ_add_gate(c, GATE_AND, 0, 1) == 2);
	cr_assert(circ_add_output(c, "c", 1, 0, CIRC_ALL, &out) == 0);

	prg *p = seeded_prg(2);
	gc_garbler *g = NULL;
	uint8_t delta[16], seed[16], a0[16], b0[16], c0[16], tab[GC_TABLE_BYTES], d;
	size_t nb = 0;
	cr_assert(gc_garbler_new(&g, c, p) == RT_OK);
	gc_garbler_delta(g, delta);
	gc_garbler_seed(g, seed);
	cr_assert(delta[0] & 1);
	cr_assert(gc_garbler_zero_label(g, 0, a0) == RT_OK);
	cr_assert(gc_garbler_zero_label(g, 1, b0) == RT_OK);
	cr_assert(gc_garble_chunk(g, c->gates, 1, tab, sizeof(tab), &nb) == RT_OK);
	cr_assert(nb == GC_TABLE_BYTES);
	cr_assert(gc_garbler_zero_label(g, 2, c0) == RT_OK);
	cr_assert(gc_garbler_decoding_bits(g, &d) == RT_OK);
	cr_assert(d == (c0[0] & 1));

	/* T_G = H(A0, 0) ^ H(A0 ^ D, 0) ^ pb*D;  T_E = H(B0, 1) ^ H(B0 ^ D, 1) ^ A0 */
	struct hash_ctx h;
	uint8_t a1[16], b1[16], x[16], y[16], tg[16], te[16];
	hash_init(&h, seed, aes_impl_best());
	xor16(a1, a0, delta);
	xor16(b1, b0, delta);
	hash_one(&h, x, a0, 0);
	hash_one(&h, y, a1, 0);
	xor16(tg, x, y);
	if (b0[0] & 1)
		xor16(tg, tg, delta);
	hash_one(&h, x, b0, 1);
	hash_one(&h, y, b1, 1);
	xor16(te, x, y);
	xor16(te, te, a0);
	cr_assert(memcmp(tab, tg, 16) == 0, "T_G");
	cr_assert(memcmp(tab + 16, te, 16) == 0, "T_E");

	for (int av = 0; av <= 1; av++) {
		for (int bv = 0; bv <= 1; bv++) {
			gc_evaluator *e = NULL;
			uint8_t in[2][16], wc[16], want[16], s;
			memcpy(in[0], av ? a1 : a0, 16);
			memcpy(in[1], bv ? b1 : b0, 16);
			cr_assert(gc_evaluator_new(&e, c, seed) == RT_OK);
			cr_assert(gc_evaluator_set_input_labels(e, 0, 2, in) == RT_OK);
			cr_assert(gc_eval_chunk(e, c->gates, 1, tab, sizeof(tab)) == RT_OK);
			cr_assert(gc_evaluator_label(e, 2, wc) == RT_OK);
			cr_assert(gc_evaluator_output_bits(e, &s) == RT_OK);
			memcpy(want, c0, 16);
			if (av & bv)
				xor16(want, want, delta);
			cr_assert(memcmp(wc, want, 16) == 0, "W_c, a=%d b=%d", av, bv);
			cr_assert(((s ^ d) & 1) == (av & bv), "decoded, a=%d b=%d", av, bv);
			gc_evaluator_free(e);
		}
	}
	gc_garbler_free(g);
	prg_free(p);
	circ_free(c);
	cr_assert(rt_alloc_live() == live, "nothing leaked");
}

Test(gc, delta_is_fresh_with_lsb_one)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = random_circuit(8, 10, 2, 30);
	uint8_t d[2][16], s[2][16];
	for (int i = 0; i < 2; i++) {
		prg *p = NULL;
		gc_garbler *g = NULL;
		cr_assert(prg_new_random(&p) == RT_OK);
		cr_assert(gc_garbler_new(&g, c, p) == RT_OK);
		gc_garbler_delta(g, d[i]);
		gc_garbler_seed(g, s[i]);
		cr_assert(d[i][0] & 1);
		gc_garbler_free(g);
		prg_free(p);
	}
	cr_assert(memcmp(d[0], d[1], 16) != 0, "two runs, two deltas");
	cr_assert(memcmp(s[0], s[1], 16) != 0, "two runs, two hash seeds");
	circ_free(c);
	cr_assert(rt_alloc_live() == live);
}

/* The evaluator's input zero labels come from the OT: q_i set on the garbler, t_i = q_i ^
 * r_i*delta on the evaluator. */
Test(gc, input_labels_set_from_ot)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = random_circuit(20, 300, 12, 40);
	uint8_t seed[16], delta[16], q[10][16], t[10][16], glab[10][16], in[3] = {0};
	uint8_t dec[2], s[2];
	for (int i = 0; i < 20; i++)
		set_bit(in, (size_t)i, (int)(rnd() & 1));
	prg *p = seeded_prg(3);
	gc_garbler *g = NULL;
	gc_evaluator *e = NULL;
	cr_assert(gc_garbler_new(&g, c, p) == RT_OK);
	gc_garbler_delta(g, delta);
	gc_garbler_seed(g, seed);
	cr_assert(prg_bytes(p, q, sizeof(q)) == RT_OK);
	for (int i = 0; i < 10; i++) {
		memcpy(t[i], q[i], 16);
		if (bit(in, 10 + (size_t)i))
			xor16(t[i], t[i], delta);
	}
	/* x is wires 0..9 (garbler), y is wires 10..19 (evaluator, by OT) */
	cr_assert(gc_garbler_set_input_labels(g, 10, 10, q) == RT_OK);
	cr_assert(gc_garbler_input_labels(g, 0, 10, in, glab) == RT_OK);
	cr_assert(gc_evaluator_new(&e, c, seed) == RT_OK);
	cr_assert(gc_evaluator_set_input_labels(e, 0, 10, glab) == RT_OK);
	cr_assert(gc_evaluator_set_input_labels(e, 10, 10, t) == RT_OK);
	uint8_t *tab = malloc(gc_count_and(c->gates, c->ngates) * GC_TABLE_BYTES + 1);
	size_t nb;
	cr_assert(gc_garble_chunk(g, c->gates, c->ngates, tab, SIZE_MAX, &nb) == RT_OK);
	cr_assert(gc_eval_chunk(e, c->gates, c->ngates, tab, nb) == RT_OK);
	cr_assert(gc_garbler_decoding_bits(g, dec) == RT_OK);
	cr_assert(gc_evaluator_output_bits(e, s) == RT_OK);
	uint64_t *val = wire_values(c, in);
	for (uint32_t k = 0; k < c->nout_bits; k++)
		cr_assert((bit(s, k) ^ bit(dec, k)) == (int)(val[c->output_wires[k]] & 1), "bit %u",
			  k);
	free(val);
	free(tab);
	gc_garbler_free(g);
	gc_evaluator_free(e);
	prg_free(p);
	circ_free(c);
	cr_assert(rt_alloc_live() == live);
}

/* ---- random circuits ---- */

Test(gc, random_circuits_every_wire)
{
	size_t live = rt_alloc_live();
	static const int and_pcts[] = {0, 10, 50, 90};
	for (int t = 0; t < 16; t++) {
		uint32_t nin = 2 + (uint32_t)(rnd() % 100), n = 1 + (uint32_t)(rnd() % 3000);
		struct circ_circuit *c =
		    random_circuit(nin, n, 1 + (uint32_t)(rnd() % 70), and_pcts[t % 4]);
		for (int rep = 0; rep < 3; rep++) {
			uint8_t in[16];
			for (size_t i = 0; i < sizeof(in); i++)
				in[i] = (uint8_t)rnd();
			struct run_opts o = best_opts();
			o.gchunk = rep == 0 ? 0 : 1 + rnd() % 500;
			o.echunk = rep == 2 ? 1 : 1 + rnd() % 700;
			o.prg_tag = (uint8_t)(t * 3 + rep);
			struct run r;
			garble_and_eval(c, in, &o, &r);
			check_run(c, in, &r);
			run_free(&r);
		}
		circ_free(c);
	}
	cr_assert(rt_alloc_live() == live);
}

/* The tables are a function of the seed and the circuit only: neither how the gates are
 * chunked (which changes the batches) nor the AES implementation may change a byte. */
Test(gc, tables_independent_of_chunks_and_aes)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = random_circuit(64, 4000, 64, 45);
	uint8_t in[8];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)rnd();
	struct run_opts o = default_opts;
	o.gimpl = o.eimpl = AES_IMPL_SOFT;
	o.gchunk = 0;
	o.echunk = 0;
	struct run ref;
	garble_and_eval(c, in, &o, &ref);
	check_run(c, in, &ref);
	for (int gi = 0; gi < AES_IMPL_COUNT; gi++) {
		for (int ei = 0; ei < AES_IMPL_COUNT; ei++) {
			if (!aes_impl_supported((enum aes_impl)gi) ||
			    !aes_impl_supported((enum aes_impl)ei))
				continue;
			struct run r;
			o.gimpl = (enum aes_impl)gi;
			o.eimpl = (enum aes_impl)ei;
			o.gchunk = 1 + rnd() % 300;
			o.echunk = 1 + rnd() % 300;
			garble_and_eval(c, in, &o, &r);
			bool same = r.ntables == ref.ntables &&
				    memcmp(r.tables, ref.tables, ref.ntables) == 0;
			cr_assert(same, "garbler %s, evaluator %s", aes_impl_name(gi),
				  aes_impl_name(ei));
			cr_assert(memcmp(r.active, ref.active, 16 * circ_nwires(c)) == 0);
			run_free(&r);
		}
	}
	run_free(&ref);
	circ_free(c);
	cr_assert(rt_alloc_live() == live);
}

/* A circuit written level by level (a layer of AND gates, then XOR and NOT gates over them),
 * longer than a scheduling window: the gates run as they come, without sorting. Then the
 * same shape with every other gate reading the gate just before it, which must be sorted. */
Test(gc, level_ordered_and_interleaved_layers)
{
	size_t live = rt_alloc_live();
	for (int interleave = 0; interleave <= 1; interleave++) {
		struct circ_circuit *c = circ_new();
		cr_assert(circ_add_party(c, "g") == 0 && circ_add_party(c, "e") == 1);
		cr_assert(circ_add_input(c, "x", 32, 0, 0) >= 0 &&
			  circ_add_input(c, "y", 32, 0, 1) >= 0);
		uint32_t lo = 0, hi = 64; /* the previous layer's wires */
		for (int layer = 0; layer < 12; layer++) {
			uint32_t first = 64 + (uint32_t)c->ngates, nand = 1000, nfree = 500;
			for (uint32_t i = 0; i < nand + nfree; i++) {
				uint32_t a = lo + (uint32_t)(rnd() % (hi - lo));
				uint32_t b = lo + (uint32_t)(rnd() % (hi - lo));
				enum circ_gate_kind k = GATE_AND;
				if (i >= nand) { /* free gates over this layer's AND gates */
					a = first + (uint32_t)(rnd() % nand);
					b = first + (uint32_t)(rnd() % nand);
					k = i % 5 ? GATE_XOR : GATE_NOT;
				}
				if (interleave && i % 2)
					a = first + i - 1;
				cr_assert(circ_add_gate(c, k, a, k == GATE_NOT ? 0 : b) >= 0);
			}
			lo = first;
			hi = first + nand + nfree;
		}
		uint32_t ow[16];
		for (int k = 0; k < 16; k++)
			ow[k] = hi - 1 - (uint32_t)k * 37;
		cr_assert(circ_add_output(c, "z", 16, 0, CIRC_ALL, ow) >= 0);
		uint8_t in[8];
		for (size_t i = 0; i < sizeof(in); i++)
			in[i] = (uint8_t)rnd();
		struct run_opts o = best_opts();
		o.gchunk = interleave ? 20000 : 0;
		o.echunk = 5000;
		struct run r;
		garble_and_eval(c, in, &o, &r);
		check_run(c, in, &r);
		run_free(&r);
		circ_free(c);
	}
	cr_assert(rt_alloc_live() == live);
}

/* A circuit of free gates only, and one whose outputs are inputs and constants. */
Test(gc, free_gates_and_constants)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = random_circuit(6, 200, 30, 0);
	for (int v = 0; v < 64; v++) {
		uint8_t in[1] = {(uint8_t)v};
		struct run_opts o = best_opts();
		o.gchunk = 7;
		struct run r;
		garble_and_eval(c, in, &o, &r);
		cr_assert(r.ntables == 0);
		check_run(c, in, &r);
		run_free(&r);
	}
	circ_free(c);
	cr_assert(rt_alloc_live() == live);
}

/* ---- plans ---- */

/* Same tables, and the same labels on every wire both runs kept (all of a streamed run's;
 * the inputs and outputs of a planned one). */
static bool same_run(const struct circ_circuit *c, const struct run *a, const struct run *b)
{
	bool same = a->ntables == b->ntables && memcmp(a->tables, b->tables, a->ntables) == 0;
	for (uint64_t w = 0; same && w < circ_nwires(c); w++)
		if (a->kept[w] && b->kept[w])
			same = memcmp(a->zero + 16 * w, b->zero + 16 * w, 16) == 0 &&
			       memcmp(a->active + 16 * w, b->active + 16 * w, 16) == 0;
	return same;
}

/* A plan only precomputes the order gates run in: garbling or evaluating from one gives the
 * same tables and labels byte for byte as streaming the gates, for any chunk size, and the
 * two kinds of party work together. */
Test(gc, planned_tables_match_streamed)
{
	size_t live = rt_alloc_live();
	static const int and_pcts[] = {0, 15, 45, 90};
	for (int t = 0; t < 8; t++) {
		uint32_t n = 1 + (uint32_t)(rnd() % 6000);
		struct circ_circuit *c =
		    random_circuit(2 + (uint32_t)(rnd() % 90), n, 20, and_pcts[t % 4]);
		uint8_t in[16];
		for (size_t i = 0; i < sizeof(in); i++)
			in[i] = (uint8_t)rnd();
		struct run_opts o = best_opts();
		o.prg_tag = (uint8_t)(60 + t);
		struct run ref;
		garble_and_eval(c, in, &o, &ref);
		check_run(c, in, &ref);
		size_t chunks[] = {1, 7, 1 + rnd() % 500, 4096, n, (size_t)n + 100};
		for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
			for (int who = 1; who <= 3; who++) { /* garbler, evaluator, both planned */
				struct run r;
				o.gplan = who & 1 ? chunks[i] : 0;
				o.eplan = who & 2 ? chunks[i] : 0;
				o.gchunk = 1 + rnd() % 900;
				o.echunk = 1 + rnd() % 900;
				garble_and_eval(c, in, &o, &r);
				cr_assert(same_run(c, &r, &ref),
					  "circuit %d, chunks of %zu, who %d", t, chunks[i], who);
				run_free(&r);
			}
		}
		run_free(&ref);
		circ_free(c);
	}
	cr_assert(rt_alloc_live() == live);
}

/* Runs of a session from one plan give the tables streamed runs give from the same seed, and
 * a circuit without gates plans to no chunk at all. */
Test(gc, planned_runs_restart_like_streamed)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = random_circuit(30, 3000, 10, 40);
	size_t cap = gc_count_and(c->gates, c->ngates) * GC_TABLE_BYTES + 1;
	uint8_t *tab[2] = {malloc(cap), malloc(cap)}, lab[30][16], in[4] = {1, 2, 3, 4};
	gc_garbler *g[2];
	prg *p[2] = {seeded_prg(11), seeded_prg(11)};
	gc_plan *plan = NULL;
	cr_assert(gc_plan_new(&plan, c, 999) == RT_OK);
	cr_assert(gc_plan_chunks(plan) == 4);
	for (int s = 0; s < 2; s++)
		cr_assert(gc_garbler_new(&g[s], c, p[s]) == RT_OK);
	for (int run = 0; run < 3; run++) {
		size_t len[2] = {0, 0}, nb;
		for (int s = 0; s < 2; s++) {
			if (run > 0)
				cr_assert(gc_garbler_restart(g[s], p[s]) == RT_OK);
			cr_assert(gc_garbler_input_labels(g[s], 0, 30, in, lab) == RT_OK);
		}
		for (size_t k = 0; k < gc_plan_chunks(plan); k++) {
			cr_assert(gc_garble_planned(g[0], plan, k, tab[0] + len[0], cap - len[0],
						    &nb) == RT_OK);
			len[0] += nb;
		}
		cr_assert(gc_garble_chunk(g[1], c->gates, c->ngates, tab[1], cap, &len[1]) ==
			  RT_OK);
		cr_assert(len[0] == len[1] && memcmp(tab[0], tab[1], len[0]) == 0, "run %d", run);
	}
	for (int s = 0; s < 2; s++) {
		gc_garbler_free(g[s]);
		prg_free(p[s]);
		free(tab[s]);
	}
	gc_plan_free(plan);
	circ_free(c);

	c = random_circuit(4, 0, 3, 0);
	cr_assert(gc_plan_new(&plan, c, 100) == RT_OK);
	cr_assert(gc_plan_chunks(plan) == 0 && gc_plan_max_chunk_bytes(plan) == 0);
	gc_plan_free(plan);
	gc_plan_free(NULL);
	circ_free(c);
	cr_assert(rt_alloc_live() == live);
}

Test(gc, plan_rejects_bad_use_and_changes_nothing)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = random_circuit(8, 400, 4, 50), *c2 = random_circuit(8, 400, 4, 50);
	prg *p = seeded_prg(12);
	gc_garbler *g = NULL;
	gc_evaluator *e = NULL;
	gc_plan *plan = (gc_plan *)&live, *plan2 = NULL;
	uint8_t seed[16], tab[400 * GC_TABLE_BYTES], want[400 * GC_TABLE_BYTES];
	size_t nb = 99, nb2;
	cr_assert(gc_plan_new(&plan, c, 0) == RT_ERR_INPUT && plan == NULL);
	c->gates[5].a = c->nin_bits + 5; /* reads its own output */
	cr_assert(gc_plan_new(&plan, c, 100) == RT_ERR_INPUT && plan == NULL);
	c->gates[5].a = 0;
	c->gates[7].kind = GATE_KIND_COUNT;
	cr_assert(gc_plan_new(&plan, c, 100) == RT_ERR_INPUT);
	c->gates[7].kind = GATE_XOR;
	cr_assert(gc_plan_new(&plan, c, 100) == RT_OK);
	cr_assert(gc_plan_new(&plan2, c2, 100) == RT_OK);
	cr_assert(gc_plan_chunks(plan) == 4 && gc_plan_chunk_bytes(plan, 4) == 0);
	cr_assert(gc_garbler_new(&g, c, p) == RT_OK);
	gc_garbler_seed(g, seed);
	cr_assert(gc_evaluator_new(&e, c, seed) == RT_OK);

	/* another circuit's plan, a chunk out of turn, too small a buffer */
	cr_assert(gc_garble_planned(g, plan2, 0, tab, sizeof(tab), &nb) == RT_ERR_INPUT);
	cr_assert(nb == 0);
	cr_assert(strstr(gc_garbler_error(g), "another circuit") != NULL);
	cr_assert(gc_garble_planned(g, plan, 1, tab, sizeof(tab), &nb) == RT_ERR_INPUT);
	cr_assert(strstr(gc_garbler_error(g), "not next") != NULL);
	cr_assert(gc_garble_planned(g, plan, 4, tab, sizeof(tab), &nb) == RT_ERR_INPUT);
	size_t need = gc_plan_chunk_bytes(plan, 0);
	cr_assert(need > 0);
	cr_assert(gc_garble_planned(g, plan, 0, tab, need - 1, &nb) == RT_ERR_INPUT);
	cr_assert(gc_eval_planned(e, plan2, 0, tab, need) == RT_ERR_INPUT);
	cr_assert(gc_eval_planned(e, plan, 2, tab, need) == RT_ERR_INPUT);
	/* the evaluator: tables of the wrong length */
	cr_assert(gc_garble_planned(g, plan, 0, tab, sizeof(tab), &nb) == RT_OK);
	cr_assert(nb == need);
	cr_assert(gc_eval_planned(e, plan, 0, tab, nb - 1) == RT_ERR_PROTOCOL);
	cr_assert(gc_eval_planned(e, plan, 0, tab, nb + 32) == RT_ERR_PROTOCOL);
	cr_assert(gc_eval_planned(e, plan, 0, tab, nb) == RT_OK, "%s", gc_evaluator_error(e));
	/* a chunk again is out of turn; a planned run takes no streamed gates, and the other
	 * plan not even a chunk that would be next */
	cr_assert(gc_garble_planned(g, plan, 0, tab, sizeof(tab), &nb2) == RT_ERR_INPUT);
	cr_assert(gc_garble_chunk(g, c->gates + 100, 300, tab + nb, sizeof(tab) - nb, &nb2) ==
		  RT_ERR_INPUT);
	cr_assert(strstr(gc_garbler_error(g), "from its plan") != NULL);
	cr_assert(gc_eval_chunk(e, c->gates + 100, 300, tab + nb, 0) == RT_ERR_INPUT);
	gc_plan *plan3 = NULL;
	cr_assert(gc_plan_new(&plan3, c, 100) == RT_OK);
	cr_assert(gc_garble_planned(g, plan3, 1, tab, sizeof(tab), &nb2) == RT_ERR_INPUT);
	cr_assert(strstr(gc_garbler_error(g), "did not start from this plan") != NULL);
	gc_plan_free(plan3);
	for (size_t k = 1; k < gc_plan_chunks(plan); k++) {
		cr_assert(gc_garble_planned(g, plan, k, tab + nb, sizeof(tab) - nb, &nb2) == RT_OK);
		cr_assert(gc_eval_planned(e, plan, k, tab + nb, nb2) == RT_OK);
		nb += nb2;
	}
	/* a planned run keeps the labels of inputs and outputs only */
	uint8_t l16[16];
	cr_assert(gc_garbler_zero_label(g, 3, l16) == RT_OK);
	cr_assert(gc_garbler_zero_label(g, c->output_wires[0], l16) == RT_OK);
	uint64_t inner = c->nin_bits + 10; /* a wire that is not an output */
	for (uint32_t k = 0; k < c->nout_bits; k++)
		if (c->output_wires[k] == inner)
			inner++, k = UINT32_MAX; /* and look again from the first */
	cr_assert(gc_garbler_zero_label(g, inner, l16) == RT_ERR_INPUT);
	cr_assert(strstr(gc_garbler_error(g), "not kept") != NULL);
	cr_assert(gc_evaluator_label(e, inner, l16) == RT_ERR_INPUT);

	/* the whole run matches a garbler that streamed everything */
	gc_garbler *g2 = NULL;
	prg *p2 = seeded_prg(12);
	cr_assert(gc_garbler_new(&g2, c, p2) == RT_OK);
	cr_assert(gc_garble_chunk(g2, c->gates, c->ngates, want, sizeof(want), &nb2) == RT_OK);
	cr_assert(memcmp(tab, want, nb2) == 0);
	uint8_t d1[1], d2[1], s[1];
	cr_assert(gc_garbler_decoding_bits(g, d1) == RT_OK);
	cr_assert(gc_garbler_decoding_bits(g2, d2) == RT_OK);
	cr_assert(gc_evaluator_output_bits(e, s) == RT_OK);
	cr_assert((d1[0] & 15) == (d2[0] & 15));
	gc_garbler_free(g);
	gc_garbler_free(g2);
	gc_evaluator_free(e);
	gc_plan_free(plan);
	gc_plan_free(plan2);
	prg_free(p);
	prg_free(p2);
	circ_free(c);
	circ_free(c2);
	cr_assert(rt_alloc_live() == live);
}

Test(gc, plan_out_of_memory_leaks_nothing)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = random_circuit(8, 3000, 4, 50);
	for (size_t n = 1; n <= 8; n++) {
		gc_plan *plan = (gc_plan *)&live; /* must be reset to NULL */
		rt_alloc_fail_after(n);
		rt_err err = gc_plan_new(&plan, c, 200);
		rt_alloc_fail_after(0);
		cr_assert(err == RT_OK || (err == RT_ERR_NOMEM && plan == NULL), "n=%zu", n);
		cr_assert(n > 3 || err == RT_ERR_NOMEM, "n=%zu", n);
		gc_plan_free(plan);
	}
	circ_free(c);
	cr_assert(rt_alloc_live() == live);
}

/* ---- the shared Bristol circuits ---- */

static const char *bristol_dir(void)
{
	const char *d = getenv("MPCC_BRISTOL_DIR");
	return d && *d ? d : "../shared/circuits/bristol";
}

static struct circ_circuit *load_shared(const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", bristol_dir(), name);
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "NOTICE: %s not found; set MPCC_BRISTOL_DIR. Skipping.\n", path);
		cr_skip_test("shared Bristol circuits not found at %s", bristol_dir());
	}
	struct circ_circuit *c = NULL;
	struct circ_err err;
	cr_assert(circ_load(&c, path, CIRC_FMT_AUTO, NULL, &err) == 0, "%s", err.msg);
	return c;
}

static void unhex(uint8_t *out, const char *hex)
{
	for (size_t i = 0; hex[2 * i]; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* aes_128.txt: wire i of a 128-bit group is bit i%8 of byte 15 - i/8 (the shared README). */
Test(gc, bristol_aes128_fips197_c1)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = load_shared("aes_128.txt");
	uint8_t key[16], pt[16], ct[16], in[32] = {0};
	unhex(key, "000102030405060708090a0b0c0d0e0f");
	unhex(pt, "00112233445566778899aabbccddeeff");
	unhex(ct, "69c4e0d86a7b0430d8cdb78070b4c55a"); /* FIPS-197 Appendix C.1 */
	cr_assert(c->nin_bits == 256 && c->nout_bits == 128);
	for (int i = 0; i < 128; i++) {
		set_bit(in, (size_t)i, (key[15 - i / 8] >> (i % 8)) & 1);
		set_bit(in, 128 + (size_t)i, (pt[15 - i / 8] >> (i % 8)) & 1);
	}
	struct run_opts o = best_opts();
	o.gchunk = 5000;
	o.echunk = 777;
	struct run r;
	garble_and_eval(c, in, &o, &r);
	cr_assert(r.ntables == 6400 * GC_TABLE_BYTES);
	for (int k = 0; k < 128; k++)
		cr_assert((bit(r.s, (size_t)k) ^ bit(r.dec, (size_t)k)) ==
			      ((ct[15 - k / 8] >> (k % 8)) & 1),
			  "ciphertext bit %d", k);
	check_run(c, in, &r);
	run_free(&r);
	circ_free(c);
	cr_assert(rt_alloc_live() == live);
}

Test(gc, bristol_circuits_random_inputs)
{
	static const char *names[] = {"aes_128.txt",	"adder64.txt", "mult64.txt", "neg64.txt",
				      "zero_equal.txt", "sha256.txt",  "FP-add.txt"};
	size_t live = rt_alloc_live();
	for (size_t f = 0; f < sizeof(names) / sizeof(names[0]); f++) {
		struct circ_circuit *c = load_shared(names[f]);
		for (int rep = 0; rep < 2; rep++) {
			uint8_t *in = malloc(c->nin_bits / 8 + 1);
			for (uint32_t i = 0; i <= c->nin_bits / 8; i++)
				in[i] = (uint8_t)rnd();
			struct run_opts o = best_opts();
			o.gchunk = rep ? 4096 : 0;
			o.echunk = rep ? 1000 : 0;
			o.prg_tag = (uint8_t)(40 + f);
			struct run r;
			garble_and_eval(c, in, &o, &r);
			check_run(c, in, &r);
			run_free(&r);
			free(in);
		}
		circ_free(c);
	}
	cr_assert(rt_alloc_live() == live);
}

/* The shared AES-128 circuit, from plans of a party's chunk size, against streaming. */
Test(gc, planned_bristol_aes_matches_streamed)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = load_shared("aes_128.txt");
	uint8_t in[32];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)rnd();
	struct run_opts o = best_opts();
	o.gchunk = 3000;
	struct run ref, r;
	garble_and_eval(c, in, &o, &ref);
	check_run(c, in, &ref);
	for (size_t chunk = 1024; chunk <= 65536; chunk *= 4) {
		o.gplan = o.eplan = chunk;
		garble_and_eval(c, in, &o, &r);
		cr_assert(same_run(c, &r, &ref), "chunks of %zu", chunk);
		run_free(&r);
	}
	run_free(&ref);
	circ_free(c);
	cr_assert(rt_alloc_live() == live);
}

/* Streaming: the garbler reads gates from the binary format chunk by chunk and holds only
 * the interface; so does the evaluator. */
Test(gc, streams_from_binary_format)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = random_circuit(40, 5000, 20, 40);
	struct circ_err err;
	FILE *f = tmpfile();
	cr_assert(f != NULL);
	cr_assert(circ_write_binary(c, f, &err) == 0, "%s", err.msg);
	uint8_t in[5] = {0x12, 0x34, 0x56, 0x78, 0x9a}, delta[16], seed[16], dec[3], s[3];
	uint8_t(*lab)[16] = malloc(40 * 16);
	struct circ_gate buf[333];
	uint8_t tab[333 * GC_TABLE_BYTES];

	rewind(f);
	struct circ_stream *st = NULL, *st2 = NULL;
	struct circ_circuit *iface = NULL, *iface2 = NULL;
	cr_assert(circ_stream_open(&st, &iface, f, "t.circ", &err) == 0, "%s", err.msg);
	cr_assert(iface->ngates == c->ngates);
	prg *p = seeded_prg(5);
	gc_garbler *g = NULL;
	gc_evaluator *e = NULL;
	cr_assert(gc_garbler_new(&g, iface, p) == RT_OK);
	gc_garbler_delta(g, delta);
	gc_garbler_seed(g, seed);
	cr_assert(gc_garbler_input_labels(g, 0, 40, in, lab) == RT_OK);

	/* the evaluator streams its own copy of the file */
	FILE *f2 = tmpfile();
	cr_assert(circ_write_binary(c, f2, &err) == 0);
	rewind(f2);
	cr_assert(circ_stream_open(&st2, &iface2, f2, "t2.circ", &err) == 0, "%s", err.msg);
	cr_assert(gc_evaluator_new(&e, iface2, seed) == RT_OK);
	cr_assert(gc_evaluator_set_input_labels(e, 0, 40, (const uint8_t(*)[16])lab) == RT_OK);
	for (;;) {
		int64_t k = circ_stream_read(st, buf, 333, &err);
		cr_assert(k >= 0, "%s", err.msg);
		if (k == 0)
			break;
		size_t nb;
		cr_assert(gc_garble_chunk(g, buf, (size_t)k, tab, sizeof(tab), &nb) == RT_OK);
		/* the evaluator reads the same gates from its file, in other chunk sizes */
		size_t used = 0;
		while (used < (size_t)k) {
			struct circ_gate eb[100];
			size_t want = (size_t)k - used < 100 ? (size_t)k - used : 100;
			int64_t got = circ_stream_read(st2, eb, want, &err);
			cr_assert(got == (int64_t)want, "%s", err.msg);
			size_t len = gc_count_and(eb, want) * GC_TABLE_BYTES;
			uint64_t off = gc_count_and(buf, used) * GC_TABLE_BYTES;
			cr_assert(gc_eval_chunk(e, eb, want, tab + off, len) == RT_OK, "%s",
				  gc_evaluator_error(e));
			used += want;
		}
	}
	cr_assert(gc_garbler_decoding_bits(g, dec) == RT_OK);
	cr_assert(gc_evaluator_output_bits(e, s) == RT_OK);
	uint64_t *val = wire_values(c, in);
	for (uint32_t k = 0; k < c->nout_bits; k++)
		cr_assert((bit(s, k) ^ bit(dec, k)) == (int)(val[c->output_wires[k]] & 1));
	free(val);
	gc_garbler_free(g);
	gc_evaluator_free(e);
	prg_free(p);
	circ_stream_close(st);
	circ_stream_close(st2);
	circ_free(iface);
	circ_free(iface2);
	fclose(f);
	fclose(f2);
	free(lab);
	circ_free(c);
	cr_assert(rt_alloc_live() == live);
}

/* ---- errors ---- */

Test(gc, rejects_bad_use_and_changes_nothing)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = random_circuit(8, 50, 4, 50);
	prg *p = seeded_prg(6);
	gc_garbler *g = NULL;
	gc_evaluator *e = NULL;
	uint8_t seed[16], lab[16] = {0}, d[1], tab[50 * GC_TABLE_BYTES];
	uint64_t nand = gc_count_and(c->gates, c->ngates);
	size_t nb = 99;
	cr_assert(gc_garbler_new(&g, c, p) == RT_OK);
	gc_garbler_seed(g, seed);
	cr_assert(gc_evaluator_new(&e, c, seed) == RT_OK);

	/* inputs out of range */
	cr_assert(gc_garbler_set_input_labels(g, 8, 1, &lab) == RT_ERR_INPUT);
	cr_assert(gc_garbler_set_input_labels(g, 7, SIZE_MAX, &lab) == RT_ERR_INPUT);
	cr_assert(gc_evaluator_set_input_labels(e, UINT64_MAX, 1, &lab) == RT_ERR_INPUT);
	cr_assert(gc_garbler_input_labels(g, 3, 6, d, &lab) == RT_ERR_INPUT);
	/* wires not yet defined, outputs before the end */
	cr_assert(gc_garbler_zero_label(g, 8, lab) == RT_ERR_INPUT);
	cr_assert(gc_evaluator_label(e, 8, lab) == RT_ERR_INPUT);
	cr_assert(gc_garbler_decoding_bits(g, d) == RT_ERR_INPUT);
	cr_assert(gc_evaluator_output_bits(e, d) == RT_ERR_INPUT);
	cr_assert(strstr(gc_evaluator_error(e), "gates are done") != NULL, "%s",
		  gc_evaluator_error(e));
	/* too small a table buffer */
	cr_assert(gc_garble_chunk(g, c->gates, c->ngates, tab, nand * GC_TABLE_BYTES - 1, &nb) ==
		  RT_ERR_INPUT);
	cr_assert(nb == 0);
	/* a gate that reads its own output, an unknown kind, a bad constant */
	struct circ_gate bad[3] = {c->gates[0], c->gates[1], c->gates[2]};
	bad[1].kind = GATE_XOR;
	bad[1].a = c->nin_bits + 1;
	cr_assert(gc_garble_chunk(g, bad, 3, tab, sizeof(tab), &nb) == RT_ERR_INPUT);
	cr_assert(gc_eval_chunk(e, bad, 3, tab, 0) == RT_ERR_INPUT);
	bad[1] = c->gates[1];
	bad[2].kind = GATE_KIND_COUNT;
	cr_assert(gc_garble_chunk(g, bad, 3, tab, sizeof(tab), &nb) == RT_ERR_INPUT);
	bad[2].kind = GATE_CONST;
	bad[2].a = 2;
	cr_assert(gc_garble_chunk(g, bad, 3, tab, sizeof(tab), &nb) == RT_ERR_INPUT);
	bad[2].a = 1;
	bad[2].b = 1; /* stray operand, as circ_validate has it */
	cr_assert(gc_garble_chunk(g, bad, 3, tab, sizeof(tab), &nb) == RT_ERR_INPUT);
	bad[2].kind = GATE_NOT;
	bad[2].a = 0;
	cr_assert(gc_garble_chunk(g, bad, 3, tab, sizeof(tab), &nb) == RT_ERR_INPUT);
	bad[2].b = 0;
	bad[0].kind = GATE_NOT;
	bad[0].a = c->nin_bits; /* its own output */
	bad[0].b = 0;
	cr_assert(gc_eval_chunk(e, bad, 3, tab, gc_count_and(bad, 3) * GC_TABLE_BYTES) ==
		  RT_ERR_INPUT);
	cr_assert(strstr(gc_garbler_error(g), "malformed") != NULL);
	/* after all those, the real circuit still garbles and evaluates from gate 0 */
	cr_assert(gc_garble_chunk(g, c->gates, c->ngates, tab, sizeof(tab), &nb) == RT_OK);
	cr_assert(nb == nand * GC_TABLE_BYTES);
	/* more gates than the circuit has */
	size_t nb2 = 99;
	cr_assert(gc_garble_chunk(g, c->gates, 1, tab, sizeof(tab), &nb2) == RT_ERR_INPUT);
	cr_assert(nb2 == 0);
	/* the evaluator: tables of the wrong length */
	cr_assert(gc_eval_chunk(e, c->gates, c->ngates, tab, nb - 1) == RT_ERR_PROTOCOL);
	cr_assert(gc_eval_chunk(e, c->gates, c->ngates, tab, nb + 32) == RT_ERR_PROTOCOL);
	cr_assert(strstr(gc_evaluator_error(e), "expected") != NULL);
	cr_assert(gc_eval_chunk(e, c->gates, c->ngates, tab, nb) == RT_OK, "%s",
		  gc_evaluator_error(e));
	cr_assert(gc_evaluator_output_bits(e, d) == RT_OK);
	cr_assert(gc_garbler_decoding_bits(g, d) == RT_OK);
	cr_assert(gc_garbler_use_aes(g, AES_IMPL_COUNT) == RT_ERR_INPUT);
	gc_garbler_free(g);
	gc_evaluator_free(e);
	gc_garbler_free(NULL);
	gc_evaluator_free(NULL);
	prg_free(p);
	circ_free(c);
	cr_assert(rt_alloc_live() == live);
}

Test(gc, out_of_memory_leaks_nothing)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = random_circuit(8, 50, 4, 50);
	prg *p = seeded_prg(7);
	uint8_t seed[16] = {0};
	for (size_t n = 1; n <= 3; n++) {
		gc_garbler *g = (gc_garbler *)&seed; /* must be reset to NULL */
		gc_evaluator *e = (gc_evaluator *)&seed;
		rt_alloc_fail_after(n);
		rt_err eg = gc_garbler_new(&g, c, p);
		rt_alloc_fail_after(0);
		cr_assert(eg == RT_OK || (eg == RT_ERR_NOMEM && g == NULL));
		gc_garbler_free(g);
		rt_alloc_fail_after(n);
		rt_err ee = gc_evaluator_new(&e, c, seed);
		rt_alloc_fail_after(0);
		cr_assert(ee == RT_OK || (ee == RT_ERR_NOMEM && e == NULL));
		gc_evaluator_free(e);
		cr_assert(n > 2 || (eg == RT_ERR_NOMEM && ee == RT_ERR_NOMEM), "n=%zu", n);
	}
	prg_free(p);
	circ_free(c);
	cr_assert(rt_alloc_live() == live);
}

/* A session runs the circuit again and again: each restart keeps delta and the seed, draws
 * fresh input labels, and moves the tweaks on, so equal input labels still give new tables. */
Test(gc, restart_runs_again_with_new_tweaks)
{
	size_t live = rt_alloc_live();
	struct circ_circuit *c = random_circuit(40, 2000, 30, 50);
	prg *p = seeded_prg(9);
	gc_garbler *g = NULL;
	gc_evaluator *e = NULL;
	uint8_t seed[16], d0[16], d1[16];
	cr_assert(gc_garbler_new(&g, c, p) == RT_OK);
	gc_garbler_seed(g, seed);
	gc_garbler_delta(g, d0);
	cr_assert(gc_evaluator_new(&e, c, seed) == RT_OK);
	size_t cap = gc_count_and(c->gates, c->ngates) * GC_TABLE_BYTES + 1;
	uint8_t *tab[3] = {malloc(cap), malloc(cap), malloc(cap)};
	uint8_t zero0[40][16], zero[40][16], act[40][16], dec[8], s[8];
	size_t nb[3];
	for (int run = 0; run < 3; run++) {
		if (run > 0) {
			cr_assert(gc_garbler_restart(g, p) == RT_OK);
			cr_assert(gc_evaluator_restart(e) == RT_OK);
		}
		for (uint32_t w = 0; w < 40; w++)
			cr_assert(gc_garbler_zero_label(g, w, zero[w]) == RT_OK);
		if (run == 0)
			memcpy(zero0, zero, sizeof(zero));
		else
			cr_assert(memcmp(zero0, zero, sizeof(zero)) != 0, "fresh input labels");
		if (run == 2) /* the first run's labels again: only the tweaks differ */
			cr_assert(gc_garbler_set_input_labels(g, 0, 40, zero0) == RT_OK);
		uint8_t in[5];
		for (int i = 0; i < 5; i++)
			in[i] = (uint8_t)rnd();
		cr_assert(gc_garbler_input_labels(g, 0, 40, in, act) == RT_OK);
		cr_assert(gc_evaluator_set_input_labels(e, 0, 40, act) == RT_OK);
		cr_assert(gc_garble_chunk(g, c->gates, c->ngates, tab[run], cap, &nb[run]) ==
			  RT_OK);
		cr_assert(gc_eval_chunk(e, c->gates, c->ngates, tab[run], nb[run]) == RT_OK);
		cr_assert(gc_garbler_decoding_bits(g, dec) == RT_OK);
		cr_assert(gc_evaluator_output_bits(e, s) == RT_OK);
		uint64_t *val = wire_values(c, in);
		for (uint32_t k = 0; k < c->nout_bits; k++)
			cr_assert((bit(s, k) ^ bit(dec, k)) == (int)(val[c->output_wires[k]] & 1),
				  "run %d bit %u", run, k);
		free(val);
	}
	gc_garbler_delta(g, d1);
	cr_assert(memcmp(d0, d1, 16) == 0, "delta is the session's");
	cr_assert(nb[0] > 0 && memcmp(tab[0], tab[2], nb[0]) != 0, "tweaks moved on");
	for (int i = 0; i < 3; i++)
		free(tab[i]);
	gc_garbler_free(g);
	gc_evaluator_free(e);
	prg_free(p);
	circ_free(c);
	cr_assert(rt_alloc_live() == live);
}
