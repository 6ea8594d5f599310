/* gc.c: half-gates garbling and evaluation (eprint 2014/756), streamed chunk by chunk.
 *
 * Both parties run one loop, run_chunk(): a free gate (XOR, NOT, CONST) is computed at once;
 * an AND gate joins a batch of waiting AND gates, and the batch is flushed (hashed and
 * finished) when it is full, when a gate about to run reads one of its outputs, or at the
 * end of the chunk. A flush hashes the whole batch in one call (two tweaks per gate; the
 * garbler hashes two blocks per tweak, the evaluator one), so the AES kernels always have
 * many independent blocks in flight. The evaluator's free gates are the garbler's with
 * delta = 0: NOT copies, CONST gives 0^128.
 *
 * Labels are 128-bit GCC vectors; masks built from permute bits (-(uint64_t)bit) select
 * without branching, as PROTOCOL.md asks. Tables are T_G || T_E per AND gate, in gate order.
 */
#include "gc.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"

typedef uint64_t block __attribute__((vector_size(16)));

enum {
	GC_BATCH = 64,              /* AND gates hashed per flush, at most */
	GC_STRIDE = 2 * GC_BATCH,   /* hash layout: block j of tweak i at [j * GC_STRIDE + i] */
	GC_ERR_LEN = 160,
};

struct gc_core {
	bool garbler;
	const struct circ_circuit *circ;
	uint32_t nin_bits;
	uint64_t ngates, nwires;
	void *label_mem; /* the allocation; labels is inside it, 64-byte aligned */
	block *labels;   /* garbler: zero labels; evaluator: active labels */
	block delta;     /* zero in the evaluator */
	struct hash_ctx hash;
	uint64_t next_gate, next_and;

	/* the batch of waiting AND gates */
	size_t nwait;
	uint64_t wait_from; /* output wire of the first waiting gate; UINT64_MAX when none */
	uint32_t wait_a[GC_BATCH], wait_b[GC_BATCH];
	uint64_t wait_out[GC_BATCH];
	block hin[2 * GC_STRIDE], hout[2 * GC_STRIDE];
	uint8_t *wtables;       /* garbler: where the next tables go */
	const uint8_t *rtables; /* evaluator: the next tables to read */

	char err[GC_ERR_LEN];
};

struct gc_garbler {
	struct gc_core c;
};

struct gc_evaluator {
	struct gc_core c;
};

/* ---- labels ---- */

static inline uint64_t lsb(block x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	unsigned char b[16];
	memcpy(b, &x, 16);
	return b[0] & 1;
#else
	return x[0] & 1;
#endif
}

/* All ones when bit is 1, all zeros when 0. */
static inline block mask(uint64_t bit)
{
	uint64_t m = 0 - bit;
	return (block){m, m};
}

static inline block load(const uint8_t *p)
{
	block x;
	memcpy(&x, p, 16);
	return x;
}

static inline void store(uint8_t *p, block x)
{
	memcpy(p, &x, 16);
}

static inline uint64_t get_bit(const uint8_t *bits, size_t i)
{
	return (bits[i / 8] >> (i % 8)) & 1;
}

/* ---- the shared core ---- */

static rt_err fail(struct gc_core *c, rt_err err, const char *fmt, unsigned long long x,
		   unsigned long long y)
{
	snprintf(c->err, sizeof(c->err), fmt, x, y);
	return err;
}

static rt_err core_init(struct gc_core *c, const struct circ_circuit *circ, bool garbler)
{
	c->garbler = garbler;
	c->circ = circ;
	c->nin_bits = circ->nin_bits;
	c->ngates = circ->ngates;
	c->nwires = circ_nwires(circ);
	c->wait_from = UINT64_MAX;
	c->hash.impl = aes_impl_best();
	if (circ->ngates > CIRC_MAX_WIRES || c->nwires > CIRC_MAX_WIRES)
		return fail(c, RT_ERR_INPUT, "circuit has %llu wires, at most %llu allowed",
			    c->nwires, CIRC_MAX_WIRES);
	c->label_mem = rt_calloc((size_t)c->nwires * sizeof(block) + 64, 1);
	if (!c->label_mem)
		return fail(c, RT_ERR_NOMEM, "no memory for %llu wire labels", c->nwires, 0);
	uintptr_t p = ((uintptr_t)c->label_mem + 63) & ~(uintptr_t)63;
	c->labels = (block *)p;
	return RT_OK;
}

static void core_wipe(struct gc_core *c)
{
	if (c->labels)
		secret_wipe(c->labels, (size_t)c->nwires * sizeof(block));
	rt_free(c->label_mem);
	secret_wipe(c, sizeof(*c));
}

static rt_err core_use_aes(struct gc_core *c, enum aes_impl impl)
{
	if (!aes_impl_supported(impl))
		return fail(c, RT_ERR_INPUT, "AES implementation %llu is not supported here",
			    (unsigned long long)impl, 0);
	c->hash.impl = impl;
	return RT_OK;
}

static rt_err check_inputs(struct gc_core *c, uint64_t first, size_t n)
{
	if (first > c->nin_bits || n > c->nin_bits - first)
		return fail(c, RT_ERR_INPUT, "input wires %llu.. (%llu of them) are not all inputs",
			    first, n);
	return RT_OK;
}

static rt_err check_defined(struct gc_core *c, uint64_t wire)
{
	if (wire >= c->nin_bits + c->next_gate)
		return fail(c, RT_ERR_INPUT, "wire %llu is not defined yet (%llu are)", wire,
			    c->nin_bits + c->next_gate);
	return RT_OK;
}

static rt_err check_finished(struct gc_core *c)
{
	if (c->next_gate != c->ngates)
		return fail(c, RT_ERR_INPUT, "only %llu of %llu gates are done", c->next_gate,
			    c->ngates);
	for (uint32_t k = 0; k < c->circ->nout_bits; k++)
		if (c->circ->output_wires[k] >= c->nwires)
			return fail(c, RT_ERR_INPUT, "output %llu names wire %llu, which is not there",
				    k, c->circ->output_wires[k]);
	return RT_OK;
}

/* Checks a chunk before anything runs: gate kinds, wires defined before use, the count. */
static rt_err check_chunk(struct gc_core *c, const struct circ_gate *gates, size_t n,
			  uint64_t *nand)
{
	uint64_t base = c->nin_bits + c->next_gate;
	*nand = 0;
	if (n > c->ngates - c->next_gate)
		return fail(c, RT_ERR_INPUT, "%llu gates given, only %llu remain", n,
			    c->ngates - c->next_gate);
	for (size_t k = 0; k < n; k++) {
		const struct circ_gate *g = &gates[k];
		uint64_t w = base + k;
		bool ok;
		switch (g->kind) {
		case GATE_XOR:
			ok = g->a < w && g->b < w;
			break;
		case GATE_AND:
			ok = g->a < w && g->b < w;
			*nand += 1;
			break;
		case GATE_NOT:
			ok = g->a < w;
			break;
		case GATE_CONST:
			ok = g->a <= 1;
			break;
		default:
			ok = false;
			break;
		}
		if (!ok)
			return fail(c, RT_ERR_INPUT, "gate %llu (kind %llu) is malformed",
				    c->next_gate + k, g->kind);
	}
	return RT_OK;
}

/* Half-gates garbling of the batch; writes its tables. */
static void garble_batch(struct gc_core *c)
{
	size_t n = c->nwait;
	block d = c->delta, *in = c->hin, *h = c->hout;
	for (size_t i = 0; i < n; i++) {
		block a = c->labels[c->wait_a[i]], b = c->labels[c->wait_b[i]];
		in[2 * i] = a;
		in[2 * i + 1] = b;
		in[GC_STRIDE + 2 * i] = a ^ d;
		in[GC_STRIDE + 2 * i + 1] = b ^ d;
	}
	/* gate i: tweak j = 2(next_and + i) hashes A0, A1; j' = j + 1 hashes B0, B1 */
	hash_batch(&c->hash, 2 * c->next_and, 2 * n, 2, GC_STRIDE, (const uint8_t (*)[16])in,
		   (uint8_t (*)[16])h);
	for (size_t i = 0; i < n; i++) {
		block a = in[2 * i];
		block pa = mask(lsb(a)), pb = mask(lsb(in[2 * i + 1]));
		block ha0 = h[2 * i], ha1 = h[GC_STRIDE + 2 * i];
		block hb0 = h[2 * i + 1], hb1 = h[GC_STRIDE + 2 * i + 1];
		block tg = ha0 ^ ha1 ^ (pb & d);
		block wg = ha0 ^ (pa & tg);
		block te = hb0 ^ hb1 ^ a;
		block we = hb0 ^ (pb & (te ^ a));
		c->labels[c->wait_out[i]] = wg ^ we;
		store(c->wtables, tg);
		store(c->wtables + 16, te);
		c->wtables += GC_TABLE_BYTES;
	}
}

/* Half-gates evaluation of the batch; consumes its tables. */
static void eval_batch(struct gc_core *c)
{
	size_t n = c->nwait;
	block *in = c->hin, *h = c->hout;
	for (size_t i = 0; i < n; i++) {
		in[2 * i] = c->labels[c->wait_a[i]];
		in[2 * i + 1] = c->labels[c->wait_b[i]];
	}
	hash_batch(&c->hash, 2 * c->next_and, 2 * n, 1, GC_STRIDE, (const uint8_t (*)[16])in,
		   (uint8_t (*)[16])h);
	for (size_t i = 0; i < n; i++) {
		block a = in[2 * i];
		block sa = mask(lsb(a)), sb = mask(lsb(in[2 * i + 1]));
		block tg = load(c->rtables), te = load(c->rtables + 16);
		c->labels[c->wait_out[i]] = h[2 * i] ^ h[2 * i + 1] ^ (sa & tg) ^ (sb & (te ^ a));
		c->rtables += GC_TABLE_BYTES;
	}
}

static void flush(struct gc_core *c)
{
	if (c->nwait == 0)
		return;
	if (c->garbler)
		garble_batch(c);
	else
		eval_batch(c);
	c->next_and += c->nwait;
	c->nwait = 0;
	c->wait_from = UINT64_MAX;
}

/* Whether wire x is the output of a waiting AND gate (gates[0] defines wire base). */
static inline bool waiting(const struct gc_core *c, const struct circ_gate *gates,
			   uint64_t base, uint64_t x)
{
	return x >= c->wait_from && gates[x - base].kind == GATE_AND;
}

/* Runs a checked chunk; tables are c->wtables or c->rtables. */
static void run_chunk(struct gc_core *c, const struct circ_gate *gates, size_t n)
{
	uint64_t base = c->nin_bits + c->next_gate;
	block *L = c->labels, d = c->delta;
	for (size_t k = 0; k < n; k++) {
		const struct circ_gate g = gates[k];
		uint64_t w = base + k;
		bool reads_waiting = false;
		if (c->nwait > 0 && g.kind != GATE_CONST)
			reads_waiting = waiting(c, gates, base, g.a) ||
					(g.kind != GATE_NOT && waiting(c, gates, base, g.b));
		if (reads_waiting || (g.kind == GATE_AND && c->nwait == GC_BATCH))
			flush(c);
		switch (g.kind) {
		case GATE_XOR:
			L[w] = L[g.a] ^ L[g.b];
			break;
		case GATE_AND:
			if (c->nwait == 0)
				c->wait_from = w;
			c->wait_a[c->nwait] = g.a;
			c->wait_b[c->nwait] = g.b;
			c->wait_out[c->nwait] = w;
			c->nwait++;
			break;
		case GATE_NOT:
			L[w] = L[g.a] ^ d;
			break;
		default: /* GATE_CONST, a is 0 or 1 */
			L[w] = mask(g.a) & d;
			break;
		}
	}
	flush(c);
	c->next_gate += n;
}

uint64_t gc_count_and(const struct circ_gate *gates, size_t n)
{
	uint64_t count = 0;
	for (size_t k = 0; k < n; k++)
		count += gates[k].kind == GATE_AND;
	return count;
}

/* ---- the garbler ---- */

rt_err gc_garbler_new(gc_garbler **out, const struct circ_circuit *circ, prg *p)
{
	*out = NULL;
	gc_garbler *g = rt_calloc(1, sizeof(*g));
	if (!g)
		return RT_ERR_NOMEM;
	struct gc_core *c = &g->c;
	uint8_t d[16], seed[16];
	rt_err err = core_init(c, circ, true);
	if (err == RT_OK)
		err = prg_bytes(p, d, sizeof(d));
	if (err == RT_OK)
		err = prg_bytes(p, seed, sizeof(seed));
	if (err == RT_OK)
		err = prg_bytes(p, c->labels, (size_t)c->nin_bits * sizeof(block));
	if (err != RT_OK) {
		gc_garbler_free(g);
		secret_wipe(d, sizeof(d));
		return err;
	}
	d[0] |= 1; /* lsb(delta) = 1: the permute bits of W^0 and W^1 differ */
	c->delta = load(d);
	hash_init(&c->hash, seed, c->hash.impl);
	secret_wipe(d, sizeof(d));
	*out = g;
	return RT_OK;
}

void gc_garbler_free(gc_garbler *g)
{
	if (!g)
		return;
	core_wipe(&g->c);
	rt_free(g);
}

const char *gc_garbler_error(const gc_garbler *g)
{
	return g->c.err;
}

rt_err gc_garbler_use_aes(gc_garbler *g, enum aes_impl impl)
{
	return core_use_aes(&g->c, impl);
}

void gc_garbler_delta(const gc_garbler *g, uint8_t delta[16])
{
	store(delta, g->c.delta);
}

void gc_garbler_seed(const gc_garbler *g, uint8_t seed[16])
{
	memcpy(seed, g->c.hash.seed, 16);
}

rt_err gc_garbler_set_input_labels(gc_garbler *g, uint64_t first, size_t n,
				   const uint8_t (*zero)[16])
{
	rt_err err = check_inputs(&g->c, first, n);
	for (size_t i = 0; err == RT_OK && i < n; i++)
		g->c.labels[first + i] = load(zero[i]);
	return err;
}

rt_err gc_garbler_input_labels(gc_garbler *g, uint64_t first, size_t n, const uint8_t *bits,
			       uint8_t (*active)[16])
{
	struct gc_core *c = &g->c;
	rt_err err = check_inputs(c, first, n);
	for (size_t i = 0; err == RT_OK && i < n; i++)
		store(active[i], c->labels[first + i] ^ (mask(get_bit(bits, i)) & c->delta));
	return err;
}

rt_err gc_garble_chunk(gc_garbler *g, const struct circ_gate *gates, size_t n, uint8_t *tables,
		       size_t cap, size_t *nbytes)
{
	struct gc_core *c = &g->c;
	uint64_t nand;
	*nbytes = 0;
	rt_err err = check_chunk(c, gates, n, &nand);
	if (err != RT_OK)
		return err;
	if (nand > cap / GC_TABLE_BYTES)
		return fail(c, RT_ERR_INPUT, "table buffer of %llu bytes, the chunk needs %llu", cap,
			    nand * GC_TABLE_BYTES);
	c->wtables = tables;
	run_chunk(c, gates, n);
	*nbytes = (size_t)nand * GC_TABLE_BYTES;
	return RT_OK;
}

rt_err gc_garbler_decoding_bits(gc_garbler *g, uint8_t *d)
{
	struct gc_core *c = &g->c;
	rt_err err = check_finished(c);
	if (err != RT_OK)
		return err;
	memset(d, 0, ((size_t)c->circ->nout_bits + 7) / 8);
	for (uint32_t k = 0; k < c->circ->nout_bits; k++)
		d[k / 8] |= (uint8_t)(lsb(c->labels[c->circ->output_wires[k]]) << (k % 8));
	return RT_OK;
}

rt_err gc_garbler_zero_label(gc_garbler *g, uint64_t wire, uint8_t out[16])
{
	struct gc_core *c = &g->c;
	rt_err err = check_defined(c, wire);
	if (err == RT_OK)
		store(out, c->labels[wire]);
	return err;
}

/* ---- the evaluator ---- */

rt_err gc_evaluator_new(gc_evaluator **out, const struct circ_circuit *circ, const uint8_t seed[16])
{
	*out = NULL;
	gc_evaluator *e = rt_calloc(1, sizeof(*e));
	if (!e)
		return RT_ERR_NOMEM;
	rt_err err = core_init(&e->c, circ, false);
	if (err != RT_OK) {
		gc_evaluator_free(e);
		return err;
	}
	hash_init(&e->c.hash, seed, e->c.hash.impl);
	*out = e;
	return RT_OK;
}

void gc_evaluator_free(gc_evaluator *e)
{
	if (!e)
		return;
	core_wipe(&e->c);
	rt_free(e);
}

const char *gc_evaluator_error(const gc_evaluator *e)
{
	return e->c.err;
}

rt_err gc_evaluator_use_aes(gc_evaluator *e, enum aes_impl impl)
{
	return core_use_aes(&e->c, impl);
}

rt_err gc_evaluator_set_input_labels(gc_evaluator *e, uint64_t first, size_t n,
				     const uint8_t (*active)[16])
{
	rt_err err = check_inputs(&e->c, first, n);
	for (size_t i = 0; err == RT_OK && i < n; i++)
		e->c.labels[first + i] = load(active[i]);
	return err;
}

rt_err gc_eval_chunk(gc_evaluator *e, const struct circ_gate *gates, size_t n,
		     const uint8_t *tables, size_t len)
{
	struct gc_core *c = &e->c;
	uint64_t nand;
	rt_err err = check_chunk(c, gates, n, &nand);
	if (err != RT_OK)
		return err;
	if (nand > SIZE_MAX / GC_TABLE_BYTES || len != nand * GC_TABLE_BYTES)
		return fail(c, RT_ERR_PROTOCOL, "garbled tables are %llu bytes, expected %llu",
			    len, nand * GC_TABLE_BYTES);
	c->rtables = tables;
	run_chunk(c, gates, n);
	return RT_OK;
}

rt_err gc_evaluator_output_bits(gc_evaluator *e, uint8_t *s)
{
	struct gc_core *c = &e->c;
	rt_err err = check_finished(c);
	if (err != RT_OK)
		return err;
	memset(s, 0, ((size_t)c->circ->nout_bits + 7) / 8);
	for (uint32_t k = 0; k < c->circ->nout_bits; k++)
		s[k / 8] |= (uint8_t)(lsb(c->labels[c->circ->output_wires[k]]) << (k % 8));
	return RT_OK;
}

rt_err gc_evaluator_label(gc_evaluator *e, uint64_t wire, uint8_t out[16])
{
	struct gc_core *c = &e->c;
	rt_err err = check_defined(c, wire);
	if (err == RT_OK)
		store(out, c->labels[wire]);
	return err;
}
