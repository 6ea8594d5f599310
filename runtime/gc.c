/* gc.c: half-gates garbling and evaluation (eprint 2014/756), streamed chunk by chunk.
 *
 * Both parties run the same schedule. A chunk is cut into windows of GC_WINDOW gates; in each
 * window every gate gets a level (an AND gate one more than its inputs, a free gate the most
 * of its inputs; wires from before the window are level 0), and the gates run level by
 * level: first the AND gates of a level, then its free gates (XOR, NOT, CONST) in circuit
 * order. A window written level by level runs as it comes, in one pass; otherwise it is
 * sorted (run_window). The AND gates of one level never read each other, so they are hashed
 * in batches of up to GC_BATCH gates in one call (two tweaks per gate; the garbler hashes
 * two blocks per tweak, the evaluator one), which keeps many independent AES blocks in
 * flight. A gate's tweaks and the place of its table follow its number among the AND gates,
 * not the order it ran in, so the tables come out exactly as a gate-by-gate garbler would
 * write them, whatever the chunks and windows. The evaluator's free gates are the garbler's
 * with delta = 0: NOT copies, CONST gives 0^128.
 *
 * Labels are 128-bit GCC vectors; masks built from permute bits (-(uint64_t)bit) select
 * without branching, as PROTOCOL.md asks; the schedule depends on the circuit only. Tables
 * are T_G || T_E per AND gate, in gate order.
 */
#include "gc.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "hash.h"

typedef uint64_t block __attribute__((vector_size(16)));

enum {
	GC_BATCH = 64,            /* AND gates hashed per flush, at most */
	GC_STRIDE = 2 * GC_BATCH, /* hash layout: block j of tweak i at [j * GC_STRIDE + i] */
	GC_WINDOW = 8192,         /* gates scheduled by level at once */
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
	uint64_t next_gate, next_and; /* the first gate and first AND gate of the next chunk */

	/* the window's schedule (one allocation, sched_mem): key[k + 1] is gate k's sort key
	 * and key[0] = 0 that of older wires; andno[k] numbers the AND gates; order lists the
	 * gates by (level, AND before free, gate); pos is the counting sort's */
	uint32_t *sched_mem, *key, *andno, *order, *pos;

	/* the batch of AND gates waiting to be hashed */
	size_t nwait;
	uint64_t wait_out[GC_BATCH], wait_no[GC_BATCH]; /* output wire, AND number in chunk */
	uint64_t tweak[GC_STRIDE];                        /* 2g and 2g + 1 for AND gate g */
	block hin[2 * GC_STRIDE], hout[2 * GC_STRIDE];    /* the hash's inputs and outputs */
	uint8_t *wtables;       /* garbler: the chunk's tables */
	const uint8_t *rtables; /* evaluator: the chunk's tables */

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
	c->hash.impl = aes_impl_best();
	if (circ->ngates > CIRC_MAX_WIRES || c->nwires > CIRC_MAX_WIRES)
		return fail(c, RT_ERR_INPUT, "circuit has %llu wires, at most %llu allowed",
			    c->nwires, CIRC_MAX_WIRES);
	size_t bytes = (size_t)c->nwires * sizeof(block) + 64;
	c->label_mem = rt_calloc(bytes, 1);
	if (!c->label_mem)
		return fail(c, RT_ERR_NOMEM, "no memory for %llu wire labels", c->nwires, 0);
	uintptr_t p = ((uintptr_t)c->label_mem + 63) & ~(uintptr_t)63;
	c->labels = (block *)p;
#ifdef MADV_HUGEPAGE
	/* Large label arrays are written once from one end to the other: 2 MiB pages save
	 * the operating system most of its page faults. A hint; failure changes nothing. */
	uintptr_t lo = ((uintptr_t)c->label_mem + 4095) & ~(uintptr_t)4095;
	uintptr_t hi = ((uintptr_t)c->label_mem + bytes) & ~(uintptr_t)4095;
	if (bytes >= (4u << 20) && hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
	c->sched_mem = rt_calloc(5 * (size_t)GC_WINDOW + 5, sizeof(uint32_t));
	if (!c->sched_mem)
		return fail(c, RT_ERR_NOMEM, "no memory for the gate schedule", 0, 0);
	c->key = c->sched_mem;
	c->andno = c->key + GC_WINDOW + 1;
	c->order = c->andno + GC_WINDOW;
	c->pos = c->order + GC_WINDOW; /* 2 * GC_WINDOW + 4 keys */
	return RT_OK;
}

static void core_wipe(struct gc_core *c)
{
	if (c->labels)
		secret_wipe(c->labels, (size_t)c->nwires * sizeof(block));
	rt_free(c->label_mem);
	rt_free(c->sched_mem);
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

/* Whether every gate is well formed, as circ_validate() has it: of a known kind, reading only
 * wires defined before it, b = 0 for NOT and CONST, a = 0 or 1 for CONST. gates[0] defines
 * wire base. Counts the AND gates into *nand. Each bound x < limit is checked as the sign of
 * limit - 1 - x, all ORed together: no branch, which would mispredict on kinds that come in
 * no pattern. */
static bool gates_ok(const struct circ_gate *gates, size_t n, uint64_t base, uint64_t *nand)
{
	int64_t acc = 0; /* negative once some bound is broken */
	uint64_t count = 0;
	for (size_t k = 0; k < n; k++) {
		const struct circ_gate *g = &gates[k];
		int64_t w = (int64_t)(base + k);
		int64_t la = g->kind == GATE_CONST ? 2 : w;
		int64_t lb = ((g->kind == GATE_XOR) | (g->kind == GATE_AND)) ? w : 1;
		acc |= (la - 1 - (int64_t)g->a) | (lb - 1 - (int64_t)g->b) |
		       ((int64_t)GATE_KIND_COUNT - 1 - (int64_t)g->kind);
		count += g->kind == GATE_AND;
	}
	*nand = count;
	return acc >= 0;
}

/* Before a chunk runs: the circuit has n more gates, they are well formed, and nand of them
 * are AND gates. */
static rt_err check_chunk(struct gc_core *c, const struct circ_gate *gates, size_t n,
			  uint64_t *nand)
{
	uint64_t base = c->nin_bits + c->next_gate, one;
	if (n > c->ngates - c->next_gate)
		return fail(c, RT_ERR_INPUT, "%llu gates given, only %llu remain", n,
			    c->ngates - c->next_gate);
	if (gates_ok(gates, n, base, nand))
		return RT_OK;
	size_t k = 0;
	while (gates_ok(gates + k, 1, base + k, &one))
		k++;
	return fail(c, RT_ERR_INPUT, "gate %llu is malformed (kind %llu)", c->next_gate + k,
		    gates[k].kind);
}

/* Half-gates garbling of the batch; writes its tables. Gate i's inputs are in hin: A0 and
 * B0 at 2i and 2i + 1, A1 = A0 ^ delta and B1 below them, GC_STRIDE further. */
static void garble_batch(struct gc_core *c)
{
	size_t n = c->nwait;
	block d = c->delta, *in = c->hin, *h = c->hout;
	/* AND gate number g: tweak j = 2g hashes A0, A1; j' = 2g + 1 hashes B0, B1 */
	hash_batch_tweaks(&c->hash, c->tweak, 2 * n, 2, GC_STRIDE, (const uint8_t (*)[16])in,
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
		store(c->wtables + GC_TABLE_BYTES * c->wait_no[i], tg);
		store(c->wtables + GC_TABLE_BYTES * c->wait_no[i] + 16, te);
	}
}

/* Half-gates evaluation of the batch; consumes its tables. Gate i's active input labels are
 * hin[2i] and hin[2i + 1]. */
static void eval_batch(struct gc_core *c)
{
	size_t n = c->nwait;
	block *in = c->hin, *h = c->hout;
	hash_batch_tweaks(&c->hash, c->tweak, 2 * n, 1, GC_STRIDE, (const uint8_t (*)[16])in,
			  (uint8_t (*)[16])h);
	for (size_t i = 0; i < n; i++) {
		block a = in[2 * i];
		block sa = mask(lsb(a)), sb = mask(lsb(in[2 * i + 1]));
		const uint8_t *t = c->rtables + GC_TABLE_BYTES * c->wait_no[i];
		block tg = load(t), te = load(t + 16);
		c->labels[c->wait_out[i]] = h[2 * i] ^ h[2 * i + 1] ^ (sa & tg) ^ (sb & (te ^ a));
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
	c->nwait = 0;
}

/* Queues AND gate number no of the chunk (next_and + no of the run), defining wire w: its
 * input labels go straight to the hash's input. */
static inline void add_and(struct gc_core *c, const struct circ_gate *g, uint64_t w, uint64_t no)
{
	if (c->nwait == GC_BATCH)
		flush(c);
	size_t i = c->nwait++;
	block a = c->labels[g->a], b = c->labels[g->b];
	c->hin[2 * i] = a;
	c->hin[2 * i + 1] = b;
	if (c->garbler) {
		c->hin[GC_STRIDE + 2 * i] = a ^ c->delta;
		c->hin[GC_STRIDE + 2 * i + 1] = b ^ c->delta;
	}
	c->wait_out[i] = w;
	c->wait_no[i] = no;
	c->tweak[2 * i] = 2 * (c->next_and + no);
	c->tweak[2 * i + 1] = 2 * (c->next_and + no) + 1;
}

/* Runs a free gate: XOR a ^ b; NOT a ^ delta; CONST v: v * delta. */
static inline void free_gate(block *L, const struct circ_gate *g, uint64_t w, block d)
{
	if (g->kind == GATE_XOR)
		L[w] = L[g->a] ^ L[g->b];
	else if (g->kind == GATE_NOT)
		L[w] = L[g->a] ^ d;
	else /* GATE_CONST */
		L[w] = mask(g->a) & d;
}

/* Gate g's sort key, from its inputs' keys (see run_window). */
static inline uint32_t gate_key(const uint32_t *key, const struct circ_gate *g, uint64_t base)
{
	uint32_t is_and = g->kind == GATE_AND;
	int64_t da = (int64_t)g->a - (int64_t)base + 1;
	int64_t db = (int64_t)g->b - (int64_t)base + 1;
	uint32_t la = key[da > 0 ? da : 0] >> 1, lb = key[db > 0 ? db : 0] >> 1;
	return 2 * ((la > lb ? la : lb) + is_and) + 1 - is_and;
}

/* Runs gate g (defining wire w, sort key kk, AND gate number no of the chunk) in key order:
 * the AND gates of one key wait in the batch; anything else flushes it first. */
static inline void run_gate(struct gc_core *c, const struct circ_gate *g, uint64_t w,
			    uint32_t kk, uint64_t no, uint32_t *batch_key)
{
	if (g->kind == GATE_XOR) { /* the common case first */
		flush(c);
		c->labels[w] = c->labels[g->a] ^ c->labels[g->b];
	} else if (g->kind == GATE_AND) {
		if (kk != *batch_key)
			flush(c); /* the next level may read this one */
		*batch_key = kk;
		add_and(c, g, w, no);
	} else {
		flush(c);
		free_gate(c->labels, g, w, c->delta);
	}
}

/* Runs gates k0 .. n-1 of the window sorted by key (stable: a counting sort). Every gate
 * before k0 has run; the first AND gate from k0 on is number no of the window. */
static void run_sorted(struct gc_core *c, const struct circ_gate *gates, size_t k0, size_t n,
		       uint64_t base, uint64_t no0, uint32_t no)
{
	/* Gates of one key often come in runs, and a counter bumped in memory once a gate would
	 * make every gate wait for the previous store; so a run is counted in a register, and
	 * its total goes to memory when the run ends (or, so that there is no branch, to a
	 * scratch word while it lasts). */
	uint32_t *key = c->key, *andno = c->andno, *order = c->order, *pos = c->pos;
	uint32_t maxkey = 0, cur = 0, run = 0, scratch;
	for (size_t k = k0; k < n; k++) {
		uint32_t kk = gate_key(key, &gates[k], base);
		key[k + 1] = kk;
		andno[k] = no;
		no += gates[k].kind == GATE_AND;
		uint32_t same = kk == cur, total = pos[cur] + run;
		*(same ? &scratch : &pos[cur]) = total;
		run = same ? run + 1 : 1;
		cur = kk;
		maxkey = kk > maxkey ? kk : maxkey;
	}
	pos[cur] += run;
	for (uint32_t kk = 0, sum = 0; kk <= maxkey; kk++) {
		uint32_t here = pos[kk];
		pos[kk] = sum;
		sum += here;
	}
	uint32_t next = pos[0];
	cur = 0;
	for (size_t k = k0; k < n; k++) {
		uint32_t kk = key[k + 1], same = kk == cur, at = pos[kk];
		*(same ? &scratch : &pos[cur]) = next;
		at = same ? next : at;
		order[at] = (uint32_t)k;
		next = at + 1;
		cur = kk;
	}
	(void)scratch;
	memset(pos, 0, ((size_t)maxkey + 1) * sizeof(*pos));

	uint32_t batch_key = 0;
	for (size_t i = 0; i < n - k0; i++) {
		uint32_t k = order[i];
		run_gate(c, &gates[k], base + k, key[k + 1], no0 + andno[k], &batch_key);
	}
	flush(c);
}

/* Runs n <= GC_WINDOW checked gates, level by level; gates[0] defines wire base and the first
 * AND gate among them is number no0 in the chunk. Returns the number of AND gates.
 *
 * The order: each gate gets a sort key, 2 * level for an AND gate and 2 * level + 1 for a
 * free gate, where an AND gate's level is one more than its inputs' and a free gate's the
 * most of its inputs'. key[k + 1] is gate k's, key[0] = 0 stands for wires older than the
 * window (and for operands that are no wire: b = 0 of NOT and CONST and a = 0 or 1 of CONST
 * read key[0] or key[1], harmlessly). Gates run by key, in circuit order within a key: the AND
 * gates of a level together, then the free gates that read them. As long as the keys do not
 * decrease (a circuit written level by level, or independent AND gates) the gates run as
 * they come, in the same pass; from the first gate whose key decreases on, the rest of the
 * window is sorted. */
static uint32_t run_window(struct gc_core *c, const struct circ_gate *gates, size_t n,
			   uint64_t base, uint64_t no0)
{
	uint32_t *key = c->key, nand = 0, cur = 0, batch_key = 0;
	size_t k = 0;
	for (; k < n; k++) {
		const struct circ_gate *g = &gates[k];
		uint32_t kk = gate_key(key, g, base);
		if (kk < cur)
			break;
		key[k + 1] = kk;
		run_gate(c, g, base + k, kk, no0 + nand, &batch_key);
		nand += g->kind == GATE_AND;
		cur = kk;
	}
	flush(c);
	if (k < n) {
		run_sorted(c, gates, k, n, base, no0, nand);
		nand += (uint32_t)gc_count_and(gates + k, n - k);
	}
	return nand;
}

/* Runs a checked chunk of nand AND gates; tables are c->wtables or c->rtables. */
static void run_chunk(struct gc_core *c, const struct circ_gate *gates, size_t n, uint64_t nand)
{
	uint64_t base = c->nin_bits + c->next_gate, no = 0;
	for (size_t k = 0; k < n; k += GC_WINDOW) {
		size_t w = n - k < GC_WINDOW ? n - k : GC_WINDOW;
		no += run_window(c, gates + k, w, base + k, no);
	}
	c->next_gate += n;
	c->next_and += nand;
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

rt_err gc_garbler_restart(gc_garbler *g, prg *p)
{
	struct gc_core *c = &g->c;
	c->next_gate = 0;
	return prg_bytes(p, c->labels, (size_t)c->nin_bits * sizeof(block));
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
	*nbytes = 0;
	uint64_t nand;
	rt_err err = check_chunk(c, gates, n, &nand);
	if (err != RT_OK)
		return err;
	if (nand > cap / GC_TABLE_BYTES)
		return fail(c, RT_ERR_INPUT, "table buffer of %llu bytes, the chunk needs %llu", cap,
			    nand * GC_TABLE_BYTES);
	c->wtables = tables;
	run_chunk(c, gates, n, nand);
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

rt_err gc_evaluator_restart(gc_evaluator *e)
{
	struct gc_core *c = &e->c;
	c->next_gate = 0;
	secret_wipe(c->labels, (size_t)c->nin_bits * sizeof(block));
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
	run_chunk(c, gates, n, nand);
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
