/* gc.c: half-gates garbling and evaluation (eprint 2014/756), streamed chunk by chunk.
 *
 * Both parties run the same schedule. Gates are scheduled a window at a time (sort_window):
 * every gate gets a level (an AND gate one more than its inputs, a free gate the most of its
 * inputs; wires from before the window are level 0) and, for a free gate, a sub-level (how
 * far down a chain of free gates of its level it sits). The gates run level by level: first
 * the AND gates of a level, then its free gates sub-level by sub-level. The AND gates of one
 * level never read each other, so they are hashed in batches of up to GC_BATCH gates in one
 * call (two tweaks per gate; the garbler hashes two blocks per tweak, the evaluator one),
 * which keeps many independent AES blocks in flight; nor do the free gates of a sub-level, so
 * their loads and stores overlap. A gate's tweaks and the place of its table follow its
 * number among the AND gates, not the order it ran in, so the tables come out exactly as a
 * gate-by-gate garbler would write them, whatever the chunks and windows.
 *
 * A schedule is a flat list of steps (plan_window says how it reads). Free gates all become
 * XORs: NOT a is a ^ one and CONST v is zero ^ (v ? one : zero), where two extra label slots
 * past the last wire hold zero = 0^128 and one = delta on the garbler, 0^128 on the evaluator
 * (whose NOT copies and whose CONST is 0^128). Streamed chunks (gc_garble_chunk) are checked
 * and scheduled as they come, in windows of GC_WINDOW gates. A gc_plan holds the schedule of
 * a whole circuit in memory, checked and made once and run again by every run of a session,
 * a chunk (its window) at a time; its schedule names label slots, not wires, reused once a
 * wire is dead (plan_assign_slots), so a run's labels stay in the first-level cache.
 *
 * Labels are 128-bit GCC vectors; masks built from permute bits (-(uint64_t)bit) select
 * without branching, as PROTOCOL.md asks; the schedule depends on the circuit only. When the
 * hash runs on VAES-512, the AND batches run on AVX-512 too, two gates to a register
 * (garble_ands_wide). Tables are T_G || T_E per AND gate, in gate order.
 */
#include "gc.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "hash.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define GC_WIDE 1 /* the AVX-512 batch paths below exist */
#define WIDE_TARGET __attribute__((target("avx512f,avx512bw")))
#else
#define GC_WIDE 0
#endif

typedef uint64_t block __attribute__((vector_size(16)));

enum {
	GC_BATCH = 64,		  /* AND gates hashed per call, at most */
	GC_STRIDE = 2 * GC_BATCH, /* hash layout: block j of tweak i at [j * GC_STRIDE + i] */
	GC_WINDOW = 8192,	  /* streamed gates scheduled by level at once */
	GC_STEP_MAX = 1 << 30,	  /* most gates in one step of a schedule */
	/* most wires: twice the last label slot (see at()) must fit 32 bits */
	GC_MAX_WIRES = CIRC_MAX_WIRES - 2,
	GC_ERR_LEN = 160,
};

enum { RUN_FRESH, RUN_STREAMED, RUN_PLANNED }; /* how a run's chunks come */

/* Scratch for scheduling one window of up to cap gates. */
struct sched {
	size_t cap;
	uint32_t *mem;		   /* the one allocation */
	uint32_t *key, *sub, *off; /* see sort_window */
	uint32_t *andno, *order, *pos;
	uint32_t *ops; /* the window's schedule, 5 * cap words at most */
};

struct plan_chunk {
	uint64_t first; /* its first gate */
	size_t ngates;
	uint64_t nand;
	size_t op, len; /* its schedule: ops[op .. op + len) */
};

/* A plan's schedules name label slots, not wires (plan_assign_slots): a wire's slot is free
 * again once its last reader ran, so the labels a run touches stay few and close together.
 * Input wires keep their own numbers as slots; they and the output wires are never freed. */
struct gc_plan {
	const struct circ_circuit *circ;
	size_t nchunks;
	struct plan_chunk *chunks;
	uint32_t *ops;
	size_t len, cap; /* words used and allocated */
	size_t max_bytes;
	uint32_t *out_slot; /* the slot of output bit k's wire */
	uint32_t nslots;    /* slots used, below nwires (then zero and one) */
};

struct gc_core {
	bool garbler;
	const struct circ_circuit *circ;
	uint32_t nin_bits;
	uint64_t ngates, nwires;
	uint32_t zero_slot, one_slot; /* the label slots past the last wire */
	void *label_mem;	      /* the allocation; labels is inside it, 64-byte aligned */
	block *labels; /* garbler: zero labels; evaluator: active labels; then zero, one */
	block delta;   /* zero in the evaluator */
	struct hash_ctx hash;
	bool wide; /* the hash runs on VAES-512, so AVX-512 is there for the batches too */
	uint64_t next_gate, next_and; /* the first gate and first AND gate of the next chunk */
	struct sched sched;	      /* for streamed chunks */
	int mode;		      /* this run so far: RUN_FRESH, RUN_STREAMED or RUN_PLANNED */
	const gc_plan *plan;	      /* the plan of a planned run */

	/* one batch of AND gates for the hash */
	uint64_t tweak[GC_STRIDE];		       /* 2g and 2g + 1 for AND gate g */
	block hin[2 * GC_STRIDE], hout[2 * GC_STRIDE]; /* the hash's inputs and outputs */

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

/* The label a schedule word names: words hold twice the slot (or wire), so that the address
 * is base + word * 8, which x86 forms without a shift. */
static inline block *at(block *L, uint32_t word)
{
	return (block *)((char *)L + (size_t)word * 8);
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

/* Scratch for scheduling a window of up to cap gates (see plan_window). */
static rt_err sched_init(struct sched *s, size_t cap)
{
	s->cap = cap;
	/* key, sub: cap + 1 each, off: cap + 2, andno, order: cap each, pos: 2 * cap + 4,
	 * ops: 5 * cap */
	s->mem = rt_calloc(12 * cap + 8, sizeof(uint32_t));
	if (!s->mem)
		return RT_ERR_NOMEM;
	s->key = s->mem;
	s->sub = s->key + cap + 1;
	s->off = s->sub + cap + 1;
	s->andno = s->off + cap + 2;
	s->order = s->andno + cap;
	s->pos = s->order + cap;
	s->ops = s->pos + 2 * cap + 4;
	return RT_OK;
}

static void sched_free(struct sched *s)
{
	rt_free(s->mem);
	s->mem = NULL;
}

static rt_err core_init(struct gc_core *c, const struct circ_circuit *circ, bool garbler)
{
	c->garbler = garbler;
	c->circ = circ;
	c->nin_bits = circ->nin_bits;
	c->ngates = circ->ngates;
	c->nwires = circ_nwires(circ);
	c->hash.impl = aes_impl_best();
	c->wide = GC_WIDE && c->hash.impl == AES_IMPL_VAES512;
	if (circ->ngates > GC_MAX_WIRES || c->nwires > GC_MAX_WIRES)
		return fail(c, RT_ERR_INPUT, "circuit has %llu wires, at most %llu allowed",
			    c->nwires, GC_MAX_WIRES);
	c->zero_slot = (uint32_t)c->nwires;
	c->one_slot = (uint32_t)c->nwires + 1;
	size_t bytes = ((size_t)c->nwires + 2) * sizeof(block) + 64;
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
	if (sched_init(&c->sched, GC_WINDOW) != RT_OK)
		return fail(c, RT_ERR_NOMEM, "no memory for the gate schedule", 0, 0);
	return RT_OK;
}

static void core_wipe(struct gc_core *c)
{
	if (c->labels)
		secret_wipe(c->labels, ((size_t)c->nwires + 2) * sizeof(block));
	rt_free(c->label_mem);
	sched_free(&c->sched);
	secret_wipe(c, sizeof(*c));
}

static rt_err core_use_aes(struct gc_core *c, enum aes_impl impl)
{
	if (!aes_impl_supported(impl))
		return fail(c, RT_ERR_INPUT, "AES implementation %llu is not supported here",
			    (unsigned long long)impl, 0);
	c->hash.impl = impl;
	c->wide = GC_WIDE && impl == AES_IMPL_VAES512;
	return RT_OK;
}

static rt_err check_inputs(struct gc_core *c, uint64_t first, size_t n)
{
	if (first > c->nin_bits || n > c->nin_bits - first)
		return fail(c, RT_ERR_INPUT, "input wires %llu.. (%llu of them) are not all inputs",
			    first, n);
	return RT_OK;
}

/* The label slot of a wire already defined: the wire itself, unless the run is planned, which
 * keeps the labels of input and output wires only. */
static rt_err wire_slot(struct gc_core *c, uint64_t wire, uint64_t *slot)
{
	if (wire >= c->nin_bits + c->next_gate)
		return fail(c, RT_ERR_INPUT, "wire %llu is not defined yet (%llu are)", wire,
			    c->nin_bits + c->next_gate);
	*slot = wire;
	if (c->mode != RUN_PLANNED || wire < c->nin_bits)
		return RT_OK;
	for (uint32_t k = 0; k < c->circ->nout_bits; k++) {
		if (c->circ->output_wires[k] == wire) {
			*slot = c->plan->out_slot[k];
			return RT_OK;
		}
	}
	return fail(c, RT_ERR_INPUT,
		    "wire %llu's label is not kept (a planned run keeps inputs and outputs)", wire,
		    0);
}

/* The label of output bit k's wire, once the run is over. */
static block output_label(const struct gc_core *c, uint32_t k)
{
	uint32_t w = c->circ->output_wires[k];
	return c->labels[c->mode == RUN_PLANNED ? c->plan->out_slot[k] : w];
}

static rt_err check_finished(struct gc_core *c)
{
	if (c->next_gate != c->ngates)
		return fail(c, RT_ERR_INPUT, "only %llu of %llu gates are done", c->next_gate,
			    c->ngates);
	for (uint32_t k = 0; k < c->circ->nout_bits; k++)
		if (c->circ->output_wires[k] >= c->nwires)
			return fail(c, RT_ERR_INPUT,
				    "output %llu names wire %llu, which is not there", k,
				    c->circ->output_wires[k]);
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

/* The first malformed gate among n of which gates_ok found one. */
static size_t first_bad_gate(const struct circ_gate *gates, size_t n, uint64_t base)
{
	size_t k = 0;
	uint64_t one;
	while (k + 1 < n && gates_ok(gates + k, 1, base + k, &one))
		k++;
	return k;
}

/* Before a chunk runs: the circuit has n more gates, they are well formed, and nand of them
 * are AND gates. */
static rt_err check_chunk(struct gc_core *c, const struct circ_gate *gates, size_t n,
			  uint64_t *nand)
{
	uint64_t base = c->nin_bits + c->next_gate;
	if (c->mode == RUN_PLANNED)
		return fail(c, RT_ERR_INPUT, "this run's chunks come from its plan", 0, 0);
	if (n > c->ngates - c->next_gate)
		return fail(c, RT_ERR_INPUT, "%llu gates given, only %llu remain", n,
			    c->ngates - c->next_gate);
	if (gates_ok(gates, n, base, nand))
		return RT_OK;
	size_t k = first_bad_gate(gates, n, base);
	return fail(c, RT_ERR_INPUT, "gate %llu is malformed (kind %llu)", c->next_gate + k,
		    gates[k].kind);
}

/* ---- the schedule: the gates of a window as steps ---- */

/* Sorts the n gates of a window into s->order, the order they run in (see plan_window),
 * with each gate's sort key in s->key[k + 1] and its AND number, no0 on from the first AND
 * gate, in s->andno.
 *
 * First every gate gets a level and a sub-level: an AND gate's level is one more than the
 * higher of its inputs' levels, its sub-level 0; a free gate's level is the higher of its
 * inputs', its sub-level one more than the higher sub-level of its inputs on that level (an
 * input on a lower level counts 0). Wires older than the window are level 0, sub-level 0, as
 * are operands that are no wire (b = 0 of NOT and CONST, a of CONST), or they read an earlier
 * gate of the window instead, which only adds a dependency that is not there. The sort key
 * orders by level, then sub-level; a counting sort keeps circuit order within a key. */
static void sort_window(struct sched *s, const struct circ_gate *gates, size_t n, uint64_t base,
			uint32_t no0)
{
	uint32_t *lvl = s->key, *sub = s->sub, *off = s->off, *pos = s->pos;
	uint32_t no = no0, maxlvl = 0;
	lvl[0] = sub[0] = 0;
	off[0] = 0;
	for (size_t k = 0; k < n; k++) {
		const struct circ_gate *g = &gates[k];
		int64_t da = (int64_t)g->a - (int64_t)base + 1;
		int64_t db = (int64_t)g->b - (int64_t)base + 1;
		/* only gates before k: CONST and NOT may name wires past them */
		size_t ia = da > 0 && da <= (int64_t)k ? (size_t)da : 0;
		size_t ib = db > 0 && db <= (int64_t)k ? (size_t)db : 0;
		uint32_t la = lvl[ia], lb = lvl[ib], l = la > lb ? la : lb;
		uint32_t sa = la == l ? sub[ia] : 0, sb = lb == l ? sub[ib] : 0;
		uint32_t is_and = g->kind == GATE_AND;
		l += is_and;
		uint32_t sl = is_and ? 0 : 1 + (sa > sb ? sa : sb);
		lvl[k + 1] = l;
		sub[k + 1] = sl;
		s->andno[k] = no;
		no += is_and;
		if (l > maxlvl) {
			for (uint32_t x = maxlvl + 1; x <= l; x++)
				off[x] = 0;
			maxlvl = l;
		}
		off[l] = off[l] > sl ? off[l] : sl; /* for now the most sub-level on level l */
	}
	/* level l takes the keys from off[l] on, one per sub-level */
	uint32_t nkeys = 0;
	for (uint32_t l = 0; l <= maxlvl; l++) {
		uint32_t most = off[l];
		off[l] = nkeys;
		nkeys += most + 1;
	}
	for (size_t k = 0; k < n; k++) {
		uint32_t kk = off[lvl[k + 1]] + sub[k + 1];
		s->key[k + 1] = kk;
		pos[kk]++;
	}
	for (uint32_t kk = 0, sum = 0; kk < nkeys; kk++) {
		uint32_t here = pos[kk];
		pos[kk] = sum;
		sum += here;
	}
	for (size_t k = 0; k < n; k++)
		s->order[pos[s->key[k + 1]]++] = (uint32_t)k;
	memset(pos, 0, (size_t)nkeys * sizeof(*pos));
}

/* Writes the schedule of n <= s->cap checked gates (gates[0] defines wire base; the first AND
 * gate among them is number no0 of its chunk) to s->ops and returns its length in words.
 *
 * Gates run by level: the AND gates of a level together, then the free gates that read them,
 * sub-level by sub-level (sort_window). Gates of one key never read each other: the AND gates
 * of a level are hashed in batches, and the free gates of a sub-level keep many independent
 * loads and stores in flight rather than wait for each other along a chain of XORs.
 *
 * The schedule is a list of steps, one per key: a header word (count << 1 | 1 for AND gates,
 * count << 1 for free gates), then per AND gate its words a, b, out, number, per free gate
 * a, b, out, meaning label[out] = label[a] ^ label[b]: NOT reads b = one (delta for the
 * garbler, 0^128 for the evaluator), CONST v reads zero (0^128) and v ? one : zero. Words
 * that name labels hold twice the wire (or slot): see at(). */
static size_t plan_window(struct sched *s, const struct circ_gate *gates, size_t n, uint64_t base,
			  uint32_t no0, uint32_t zero, uint32_t one)
{
	sort_window(s, gates, n, base, no0);
	uint32_t *out = s->ops, *hdr = NULL, cur = 0, count = 0, is_and = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t k = s->order[i], kk = s->key[k + 1];
		const struct circ_gate *g = &gates[k];
		if (hdr == NULL || kk != cur || count == GC_STEP_MAX) {
			if (hdr)
				*hdr = count << 1 | is_and;
			hdr = out++;
			cur = kk;
			count = 0;
			is_and = g->kind == GATE_AND;
		}
		count++;
		uint32_t w = (uint32_t)(base + k);
		if (g->kind == GATE_AND) {
			*out++ = 2 * g->a;
			*out++ = 2 * g->b;
			*out++ = 2 * w;
			*out++ = s->andno[k];
		} else if (g->kind == GATE_XOR) {
			*out++ = 2 * g->a;
			*out++ = 2 * g->b;
			*out++ = 2 * w;
		} else if (g->kind == GATE_NOT) {
			*out++ = 2 * g->a;
			*out++ = 2 * one;
			*out++ = 2 * w;
		} else { /* GATE_CONST */
			*out++ = 2 * zero;
			*out++ = 2 * (g->a ? one : zero);
			*out++ = 2 * w;
		}
	}
	if (hdr)
		*hdr = count << 1 | is_and;
	return (size_t)(out - s->ops);
}

/* ---- running a schedule ---- */

/* Half-gates garbling of n AND gates of one step (op: a, b, out, number each), in batches of
 * GC_BATCH: A0 and B0 go to the hash's input at 2i and 2i + 1, A1 = A0 ^ delta and B1 below
 * them, GC_STRIDE further; AND gate number g hashes A0, A1 with the tweak j = 2g and B0, B1
 * with j' = 2g + 1. Writes each gate's table at its number. */
static void garble_ands(struct gc_core *c, const uint32_t *op, size_t n, uint8_t *tables)
{
	block d = c->delta, *L = c->labels, *in = c->hin, *h = c->hout;
	uint64_t t0 = 2 * c->next_and;
	while (n > 0) {
		size_t m = n < GC_BATCH ? n : GC_BATCH;
		for (size_t i = 0; i < m; i++) {
			const uint32_t *o = op + 4 * i;
			block a = *at(L, o[0]), b = *at(L, o[1]);
			in[2 * i] = a;
			in[2 * i + 1] = b;
			in[GC_STRIDE + 2 * i] = a ^ d;
			in[GC_STRIDE + 2 * i + 1] = b ^ d;
			c->tweak[2 * i] = t0 + 2 * (uint64_t)o[3];
			c->tweak[2 * i + 1] = t0 + 2 * (uint64_t)o[3] + 1;
		}
		hash_batch_tweaks(&c->hash, c->tweak, 2 * m, 2, GC_STRIDE, (const uint8_t(*)[16])in,
				  (uint8_t(*)[16])h);
		for (size_t i = 0; i < m; i++) {
			const uint32_t *o = op + 4 * i;
			block a = in[2 * i];
			block pa = mask(lsb(a)), pb = mask(lsb(in[2 * i + 1]));
			block ha0 = h[2 * i], ha1 = h[GC_STRIDE + 2 * i];
			block hb0 = h[2 * i + 1], hb1 = h[GC_STRIDE + 2 * i + 1];
			block tg = ha0 ^ ha1 ^ (pb & d);
			block wg = ha0 ^ (pa & tg);
			block te = hb0 ^ hb1 ^ a;
			block we = hb0 ^ (pb & (te ^ a));
			*at(L, o[2]) = wg ^ we;
			store(tables + GC_TABLE_BYTES * (size_t)o[3], tg);
			store(tables + GC_TABLE_BYTES * (size_t)o[3] + 16, te);
		}
		op += 4 * m;
		n -= m;
	}
}

/* Half-gates evaluation of n AND gates of one step, in batches: the active labels A and B go
 * to the hash's input at 2i and 2i + 1. Reads each gate's table at its number. */
static void eval_ands(struct gc_core *c, const uint32_t *op, size_t n, const uint8_t *tables)
{
	block *L = c->labels, *in = c->hin, *h = c->hout;
	uint64_t t0 = 2 * c->next_and;
	while (n > 0) {
		size_t m = n < GC_BATCH ? n : GC_BATCH;
		for (size_t i = 0; i < m; i++) {
			const uint32_t *o = op + 4 * i;
			in[2 * i] = *at(L, o[0]);
			in[2 * i + 1] = *at(L, o[1]);
			c->tweak[2 * i] = t0 + 2 * (uint64_t)o[3];
			c->tweak[2 * i + 1] = t0 + 2 * (uint64_t)o[3] + 1;
		}
		hash_batch_tweaks(&c->hash, c->tweak, 2 * m, 1, GC_STRIDE, (const uint8_t(*)[16])in,
				  (uint8_t(*)[16])h);
		for (size_t i = 0; i < m; i++) {
			const uint32_t *o = op + 4 * i;
			block a = in[2 * i];
			block sa = mask(lsb(a)), sb = mask(lsb(in[2 * i + 1]));
			const uint8_t *t = tables + GC_TABLE_BYTES * (size_t)o[3];
			block tg = load(t), te = load(t + 16);
			*at(L, o[2]) = h[2 * i] ^ h[2 * i + 1] ^ (sa & tg) ^ (sb & (te ^ a));
		}
		op += 4 * m;
		n -= m;
	}
}

#if GC_WIDE
/* The same two batches with AVX-512: a 512-bit register holds the labels of two gates,
 * [A, B, A', B'], and the half-gates formulas run on both at once. Per pair the hash's row 0
 * is that register and row 1 the same ^ delta; its results H0 and H1 come back in the same
 * layout. With X = H0 ^ H1 = [HA0 ^ HA1, HB0 ^ HB1, ..] and pa, pb the permute bits:
 *     tables [T_G, T_E, ..] = X ^ [pb delta, A, ..]   (two gates' 32 bytes each, as stored)
 *     Y = H0 ^ ([pa, pb, ..] & (X ^ [pb delta, 0, ..]))
 *     W = Y_A ^ Y_B                                    (the output's zero label)
 * and on the evaluator, with its tables T = [T_G, T_E, ..] and permute bits sa, sb:
 *     Y = H ^ ([sa, sb, ..] & (T ^ [0, A, ..])),  W = Y_A ^ Y_B. */

/* [mask of lsb(lane 0), .., mask of lsb(lane 3)]: each 128-bit lane all ones or all zeros. */
WIDE_TARGET static inline __m512i lane_masks(__m512i x)
{
	__m512i bit = _mm512_and_si512(x, _mm512_set1_epi64(1));
	__m512i m = _mm512_sub_epi64(_mm512_setzero_si512(), bit);
	return _mm512_shuffle_epi32(m, (_MM_PERM_ENUM)0x44); /* low qword into both */
}

/* Gate i's and (if two) gate i + 1's labels as [A, B, A', B'], and their tweaks. */
WIDE_TARGET static inline __m512i wide_gather(struct gc_core *c, const uint32_t *o, bool two,
					      uint64_t t0, size_t i)
{
	block *L = c->labels;
	__m128i a = _mm_load_si128((const __m128i *)at(L, o[0]));
	__m128i b = _mm_load_si128((const __m128i *)at(L, o[1]));
	__m128i a2 = _mm_setzero_si128(), b2 = _mm_setzero_si128();
	uint64_t t = t0 + 2 * (uint64_t)o[3], t2 = 0;
	if (two) {
		a2 = _mm_load_si128((const __m128i *)at(L, o[4]));
		b2 = _mm_load_si128((const __m128i *)at(L, o[5]));
		t2 = t0 + 2 * (uint64_t)o[7];
	}
	_mm256_storeu_si256(
	    (__m256i *)&c->tweak[2 * i],
	    _mm256_set_epi64x((long long)t2 + 1, (long long)t2, (long long)t + 1, (long long)t));
	__m256i lo = _mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1);
	__m256i hi = _mm256_inserti128_si256(_mm256_castsi128_si256(a2), b2, 1);
	return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

/* W's lanes 0 and 2 to the output slots of gate i and (if two) i + 1. */
WIDE_TARGET static inline void wide_put_labels(struct gc_core *c, const uint32_t *o, bool two,
					       __m512i y)
{
	__m512i w = _mm512_xor_si512(y, _mm512_shuffle_i64x2(y, y, _MM_SHUFFLE(2, 3, 0, 1)));
	_mm_store_si128((__m128i *)at(c->labels, o[2]), _mm512_castsi512_si128(w));
	if (two)
		_mm_store_si128((__m128i *)at(c->labels, o[6]), _mm512_extracti32x4_epi32(w, 2));
}

WIDE_TARGET static void garble_ands_wide(struct gc_core *c, const uint32_t *op, size_t n,
					 uint8_t *tables)
{
	__m512i d = _mm512_broadcast_i32x4(_mm_load_si128((const __m128i *)&c->delta));
	uint64_t t0 = 2 * c->next_and;
	while (n > 0) {
		size_t m = n < GC_BATCH ? n : GC_BATCH;
		for (size_t i = 0; i < m; i += 2) {
			__m512i r0 = wide_gather(c, op + 4 * i, i + 1 < m, t0, i);
			_mm512_storeu_si512(&c->hin[2 * i], r0);
			_mm512_storeu_si512(&c->hin[GC_STRIDE + 2 * i], _mm512_xor_si512(r0, d));
		}
		hash_batch_tweaks(&c->hash, c->tweak, 2 * m, 2, GC_STRIDE,
				  (const uint8_t(*)[16])c->hin, (uint8_t(*)[16])c->hout);
		for (size_t i = 0; i < m; i += 2) {
			const uint32_t *o = op + 4 * i;
			__m512i r0 = _mm512_loadu_si512(&c->hin[2 * i]);
			__m512i h0 = _mm512_loadu_si512(&c->hout[2 * i]);
			__m512i x =
			    _mm512_xor_si512(h0, _mm512_loadu_si512(&c->hout[GC_STRIDE + 2 * i]));
			__m512i s = lane_masks(r0); /* [pa, pb, pa', pb'] */
			__m512i pbd = _mm512_and_si512(
			    _mm512_shuffle_i64x2(s, s, _MM_SHUFFLE(3, 3, 1, 1)), d);
			__m512i aa = _mm512_shuffle_i64x2(r0, r0, _MM_SHUFFLE(2, 2, 0, 0));
			__m512i t = _mm512_xor_si512(x, _mm512_mask_blend_epi64(0xcc, pbd, aa));
			__m512i tp = _mm512_xor_si512(x, _mm512_maskz_mov_epi64(0x33, pbd));
			__m512i y = _mm512_xor_si512(h0, _mm512_and_si512(s, tp));
			_mm256_storeu_si256((__m256i *)(tables + GC_TABLE_BYTES * (size_t)o[3]),
					    _mm512_castsi512_si256(t));
			if (i + 1 < m)
				_mm256_storeu_si256(
				    (__m256i *)(tables + GC_TABLE_BYTES * (size_t)o[7]),
				    _mm512_extracti64x4_epi64(t, 1));
			wide_put_labels(c, o, i + 1 < m, y);
		}
		op += 4 * m;
		n -= m;
	}
}

WIDE_TARGET static void eval_ands_wide(struct gc_core *c, const uint32_t *op, size_t n,
				       const uint8_t *tables)
{
	uint64_t t0 = 2 * c->next_and;
	while (n > 0) {
		size_t m = n < GC_BATCH ? n : GC_BATCH;
		for (size_t i = 0; i < m; i += 2)
			_mm512_storeu_si512(&c->hin[2 * i],
					    wide_gather(c, op + 4 * i, i + 1 < m, t0, i));
		hash_batch_tweaks(&c->hash, c->tweak, 2 * m, 1, GC_STRIDE,
				  (const uint8_t(*)[16])c->hin, (uint8_t(*)[16])c->hout);
		for (size_t i = 0; i < m; i += 2) {
			const uint32_t *o = op + 4 * i;
			__m512i r0 = _mm512_loadu_si512(&c->hin[2 * i]);
			__m256i tab = _mm256_loadu_si256(
			    (const __m256i *)(tables + GC_TABLE_BYTES * (size_t)o[3]));
			__m512i t = _mm512_castsi256_si512(tab);
			if (i + 1 < m)
				t = _mm512_inserti64x4(
				    t,
				    _mm256_loadu_si256(
					(const __m256i *)(tables + GC_TABLE_BYTES * (size_t)o[7])),
				    1);
			__m512i aa = _mm512_shuffle_i64x2(r0, r0, _MM_SHUFFLE(2, 2, 0, 0));
			__m512i tp = _mm512_xor_si512(t, _mm512_maskz_mov_epi64(0xcc, aa));
			__m512i y = _mm512_xor_si512(_mm512_loadu_si512(&c->hout[2 * i]),
						     _mm512_and_si512(lane_masks(r0), tp));
			wide_put_labels(c, o, i + 1 < m, y);
		}
		op += 4 * m;
		n -= m;
	}
}
#endif

/* Runs a schedule of len words (plan_window's) against the chunk's tables: the garbler writes
 * them, the evaluator reads them. */
static void run_ops(struct gc_core *c, const uint32_t *op, size_t len, uint8_t *wtables,
		    const uint8_t *rtables)
{
	const uint32_t *end = op + len;
	block *L = c->labels;
	while (op < end) {
		uint32_t h = *op++;
		size_t n = h >> 1;
		if (h & 1) {
#if GC_WIDE
			if (c->wide && c->garbler)
				garble_ands_wide(c, op, n, wtables);
			else if (c->wide)
				eval_ands_wide(c, op, n, rtables);
			else
#endif
			    if (c->garbler)
				garble_ands(c, op, n, wtables);
			else
				eval_ands(c, op, n, rtables);
			op += 4 * n;
		} else {
			/* Four gates at a time, every load before any store: the gates of a step
			 * never read each other's outputs (nor a slot another of them takes, see
			 * rename_to_slot), and loads that need not wait behind stores to
			 * addresses not yet known run about 20% faster (bench_gc, AES-128). */
			size_t i = 0;
			for (; i + 4 <= n; i += 4, op += 12) {
				block x0 = *at(L, op[0]) ^ *at(L, op[1]);
				block x1 = *at(L, op[3]) ^ *at(L, op[4]);
				block x2 = *at(L, op[6]) ^ *at(L, op[7]);
				block x3 = *at(L, op[9]) ^ *at(L, op[10]);
				*at(L, op[2]) = x0;
				*at(L, op[5]) = x1;
				*at(L, op[8]) = x2;
				*at(L, op[11]) = x3;
			}
			for (; i < n; i++, op += 3)
				*at(L, op[2]) = *at(L, op[0]) ^ *at(L, op[1]);
		}
	}
}

/* Runs a checked chunk of n gates with nand AND gates, window by window. */
static void run_chunk(struct gc_core *c, const struct circ_gate *gates, size_t n, uint64_t nand,
		      uint8_t *wtables, const uint8_t *rtables)
{
	uint64_t base = c->nin_bits + c->next_gate;
	uint32_t no = 0;
	for (size_t k = 0; k < n; k += GC_WINDOW) {
		size_t w = n - k < GC_WINDOW ? n - k : GC_WINDOW;
		size_t len =
		    plan_window(&c->sched, gates + k, w, base + k, no, c->zero_slot, c->one_slot);
		run_ops(c, c->sched.ops, len, wtables, rtables);
		no += (uint32_t)gc_count_and(gates + k, w);
	}
	c->next_gate += n;
	c->next_and += nand;
	c->mode = RUN_STREAMED;
}

uint64_t gc_count_and(const struct circ_gate *gates, size_t n)
{
	uint64_t count = 0;
	for (size_t k = 0; k < n; k++)
		count += gates[k].kind == GATE_AND;
	return count;
}

/* ---- plans ---- */

/* Appends n words to the plan's schedule, growing it by half again as needed. */
static rt_err plan_append(gc_plan *p, const uint32_t *w, size_t n)
{
	if (n > p->cap - p->len) {
		size_t cap = p->cap + p->cap / 2 > p->len + n ? p->cap + p->cap / 2 : p->len + n;
		uint32_t *ops = rt_alloc(cap * sizeof(uint32_t));
		if (!ops)
			return RT_ERR_NOMEM;
		if (p->len)
			memcpy(ops, p->ops, p->len * sizeof(uint32_t));
		rt_free(p->ops);
		p->ops = ops;
		p->cap = cap;
	}
	memcpy(p->ops + p->len, w, n * sizeof(uint32_t));
	p->len += n;
	return RT_OK;
}

/* Calls fn(arg, r) on every wire-naming word r of the schedule, in the order the words run:
 * each gate's inputs (read: a, b) before its output (written). */
static void for_each_operand(gc_plan *p, void (*fn)(void *arg, uint32_t *word, bool out), void *arg)
{
	uint32_t *op = p->ops, *end = p->ops + p->len;
	while (op < end) {
		uint32_t h = *op++, n = h >> 1, width = h & 1 ? 4 : 3;
		for (uint32_t i = 0; i < n; i++, op += width) {
			fn(arg, &op[0], false);
			fn(arg, &op[1], false);
			fn(arg, &op[2], true);
		}
	}
}

struct slot_state {
	uint32_t nwires, nin_bits;
	uint64_t at;	/* reads so far, plus one */
	uint64_t *last; /* a wire's last read; 0: never read; UINT64_MAX: never freed */
	uint32_t *slot; /* a wire's slot */
	uint32_t *free; /* free slots, a stack: the last freed is the next used */
	uint32_t nfree, nslots;
	uint32_t pending[2]; /* inputs of the current gate, freed before its output is placed */
	uint32_t npending;
};

static void note_last_read(void *arg, uint32_t *w, bool out)
{
	struct slot_state *s = arg;
	if (out)
		return;
	s->at++;
	uint32_t wire = *w / 2;
	if (wire < s->nwires && s->last[wire] != UINT64_MAX)
		s->last[wire] = s->at;
}

/* Renames wires to slots, in the order the schedule runs: a gate's inputs are freed after
 * their last read, then its output takes the slot freed last (or a new one). In a batch of
 * AND gates all inputs are read before any output is written, so a slot freed by one gate
 * of the batch and taken by another is still safe. */
static void rename_to_slot(void *arg, uint32_t *w, bool out)
{
	struct slot_state *s = arg;
	uint32_t wire = *w / 2; /* see at() */
	if (!out) {
		s->at++;
		if (wire >= s->nwires)
			return; /* zero and one stay */
		*w = 2 * s->slot[wire];
		if (s->last[wire] == s->at)
			s->pending[s->npending++] = s->slot[wire];
		return;
	}
	for (uint32_t i = 0; i < s->npending; i++)
		s->free[s->nfree++] = s->pending[i];
	s->npending = 0;
	uint32_t slot = s->nfree ? s->free[--s->nfree] : s->nslots++;
	s->slot[wire] = slot;
	*w = 2 * slot;
	if (s->last[wire] == 0) /* never read: free again at once */
		s->free[s->nfree++] = slot;
}

/* Gives the plan's schedule slots instead of wires (see struct gc_plan). */
static rt_err plan_assign_slots(gc_plan *p)
{
	const struct circ_circuit *c = p->circ;
	struct slot_state s = {.nwires = (uint32_t)circ_nwires(c), .nin_bits = c->nin_bits};
	s.last = rt_calloc((size_t)s.nwires + 1, sizeof(uint64_t));
	s.slot = rt_calloc((size_t)s.nwires + 1, sizeof(uint32_t));
	s.free = rt_calloc((size_t)s.nwires + 1, sizeof(uint32_t));
	p->out_slot = rt_calloc((size_t)c->nout_bits + 1, sizeof(uint32_t));
	rt_err err = s.last && s.slot && s.free && p->out_slot ? RT_OK : RT_ERR_NOMEM;
	if (err == RT_OK) {
		for (uint32_t w = 0; w < s.nin_bits; w++)
			s.last[w] = UINT64_MAX;
		for (uint32_t k = 0; k < c->nout_bits; k++)
			if (c->output_wires[k] < s.nwires)
				s.last[c->output_wires[k]] = UINT64_MAX;
		for_each_operand(p, note_last_read, &s);
		for (uint32_t w = 0; w < s.nin_bits; w++)
			s.slot[w] = w;
		s.at = 0;
		s.nslots = s.nin_bits;
		s.nfree = 0;
		for_each_operand(p, rename_to_slot, &s);
		for (uint32_t k = 0; k < c->nout_bits; k++)
			p->out_slot[k] =
			    c->output_wires[k] < s.nwires ? s.slot[c->output_wires[k]] : 0;
		p->nslots = s.nslots;
	}
	rt_free(s.last);
	rt_free(s.slot);
	rt_free(s.free);
	return err;
}

rt_err gc_plan_new(gc_plan **out, const struct circ_circuit *circ, size_t chunk_gates)
{
	*out = NULL;
	uint64_t nwires = circ_nwires(circ), nand;
	if (chunk_gates == 0 || circ->ngates > GC_MAX_WIRES || nwires > GC_MAX_WIRES ||
	    (circ->ngates > 0 && !circ->gates))
		return RT_ERR_INPUT;
	if (!gates_ok(circ->gates, (size_t)circ->ngates, circ->nin_bits, &nand))
		return RT_ERR_INPUT;
	gc_plan *p = rt_calloc(1, sizeof(*p));
	if (!p)
		return RT_ERR_NOMEM;
	p->circ = circ;
	size_t window = chunk_gates < circ->ngates ? chunk_gates : (size_t)circ->ngates;
	p->nchunks = window ? (size_t)((circ->ngates + window - 1) / window) : 0;
	p->chunks = rt_calloc(p->nchunks + 1, sizeof(*p->chunks));
	struct sched s = {0};
	rt_err err = p->chunks ? sched_init(&s, window) : RT_ERR_NOMEM;
	for (size_t k = 0; k < p->nchunks && err == RT_OK; k++) {
		struct plan_chunk *ch = &p->chunks[k];
		ch->first = (uint64_t)k * window;
		ch->ngates =
		    circ->ngates - ch->first < window ? (size_t)(circ->ngates - ch->first) : window;
		ch->nand = gc_count_and(circ->gates + ch->first, ch->ngates);
		ch->op = p->len;
		ch->len =
		    plan_window(&s, circ->gates + ch->first, ch->ngates, circ->nin_bits + ch->first,
				0, (uint32_t)nwires, (uint32_t)nwires + 1);
		err = plan_append(p, s.ops, ch->len);
		if (ch->nand * GC_TABLE_BYTES > p->max_bytes)
			p->max_bytes = (size_t)ch->nand * GC_TABLE_BYTES;
	}
	sched_free(&s);
	if (err == RT_OK)
		err = plan_assign_slots(p);
	if (err != RT_OK) {
		gc_plan_free(p);
		return err;
	}
	*out = p;
	return RT_OK;
}

void gc_plan_free(gc_plan *p)
{
	if (!p)
		return;
	rt_free(p->chunks);
	rt_free(p->ops);
	rt_free(p->out_slot);
	rt_free(p);
}

size_t gc_plan_chunks(const gc_plan *p)
{
	return p->nchunks;
}

size_t gc_plan_chunk_bytes(const gc_plan *p, size_t k)
{
	return k < p->nchunks ? (size_t)p->chunks[k].nand * GC_TABLE_BYTES : 0;
}

size_t gc_plan_max_chunk_bytes(const gc_plan *p)
{
	return p->max_bytes;
}

/* Whether chunk k of p is the next to run. */
static rt_err check_planned(struct gc_core *c, const gc_plan *p, size_t k)
{
	if (p->circ != c->circ)
		return fail(c, RT_ERR_INPUT, "the plan is for another circuit", 0, 0);
	if (c->mode == RUN_STREAMED || (c->mode == RUN_PLANNED && c->plan != p))
		return fail(c, RT_ERR_INPUT, "this run did not start from this plan", 0, 0);
	if (k >= p->nchunks || p->chunks[k].first != c->next_gate)
		return fail(c, RT_ERR_INPUT, "plan chunk %llu is not next (gate %llu is)", k,
			    c->next_gate);
	return RT_OK;
}

/* Runs chunk k of p, checked. */
static void run_planned(struct gc_core *c, const gc_plan *p, size_t k, uint8_t *wtables,
			const uint8_t *rtables)
{
	const struct plan_chunk *ch = &p->chunks[k];
	c->mode = RUN_PLANNED;
	c->plan = p;
	run_ops(c, p->ops + ch->op, ch->len, wtables, rtables);
	c->next_gate += ch->ngates;
	c->next_and += ch->nand;
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
	c->labels[c->one_slot] = c->delta; /* NOT and CONST 1 read it */
	hash_init(&c->hash, seed, c->hash.impl);
	secret_wipe(d, sizeof(d));
	*out = g;
	return RT_OK;
}

rt_err gc_garbler_restart(gc_garbler *g, prg *p)
{
	struct gc_core *c = &g->c;
	c->next_gate = 0;
	c->mode = RUN_FRESH;
	c->plan = NULL;
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
		return fail(c, RT_ERR_INPUT, "table buffer of %llu bytes, the chunk needs %llu",
			    cap, nand * GC_TABLE_BYTES);
	run_chunk(c, gates, n, nand, tables, NULL);
	*nbytes = (size_t)nand * GC_TABLE_BYTES;
	return RT_OK;
}

rt_err gc_garble_planned(gc_garbler *g, const gc_plan *p, size_t k, uint8_t *tables, size_t cap,
			 size_t *nbytes)
{
	struct gc_core *c = &g->c;
	*nbytes = 0;
	rt_err err = check_planned(c, p, k);
	if (err != RT_OK)
		return err;
	size_t need = gc_plan_chunk_bytes(p, k);
	if (need > cap)
		return fail(c, RT_ERR_INPUT, "table buffer of %llu bytes, the chunk needs %llu",
			    cap, need);
	run_planned(c, p, k, tables, NULL);
	*nbytes = need;
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
		d[k / 8] |= (uint8_t)(lsb(output_label(c, k)) << (k % 8));
	return RT_OK;
}

rt_err gc_garbler_zero_label(gc_garbler *g, uint64_t wire, uint8_t out[16])
{
	struct gc_core *c = &g->c;
	uint64_t slot;
	rt_err err = wire_slot(c, wire, &slot);
	if (err == RT_OK)
		store(out, c->labels[slot]);
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
	c->mode = RUN_FRESH;
	c->plan = NULL;
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
		return fail(c, RT_ERR_PROTOCOL, "garbled tables are %llu bytes, expected %llu", len,
			    nand * GC_TABLE_BYTES);
	run_chunk(c, gates, n, nand, NULL, tables);
	return RT_OK;
}

rt_err gc_eval_planned(gc_evaluator *e, const gc_plan *p, size_t k, const uint8_t *tables,
		       size_t len)
{
	struct gc_core *c = &e->c;
	rt_err err = check_planned(c, p, k);
	if (err != RT_OK)
		return err;
	if (len != gc_plan_chunk_bytes(p, k))
		return fail(c, RT_ERR_PROTOCOL, "garbled tables are %llu bytes, expected %llu", len,
			    gc_plan_chunk_bytes(p, k));
	run_planned(c, p, k, NULL, tables);
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
		s[k / 8] |= (uint8_t)(lsb(output_label(c, k)) << (k % 8));
	return RT_OK;
}

rt_err gc_evaluator_label(gc_evaluator *e, uint64_t wire, uint8_t out[16])
{
	struct gc_core *c = &e->c;
	uint64_t slot;
	rt_err err = wire_slot(c, wire, &slot);
	if (err == RT_OK)
		store(out, c->labels[slot]);
	return err;
}
