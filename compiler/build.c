/* build.c: the gate builder, an XOR-AND graph with complemented edges, and its translation
 * into a circ_circuit.
 *
 * Nodes live in one flat array, two uint32 literals per node (a literal is node * 2 + negated).
 * What a node is follows from its two operands, so no kind field is stored:
 *   node 0           the constant 0 (literal BIT_0; BIT_1 is its complement)
 *   a == b           circuit input wire a
 *   a <  b           AND(a, b): two literals of different nodes, smaller first
 *   a >  b           XOR(a, b): two plain (not negated) literals of different nodes,
 *                    larger first; a negation is pulled out onto the XOR's own literal
 * Every constructor folds constants, applies a few one-level identities and then looks
 * the canonical (a, b) up in an open-addressing hash table, so a gate over the same
 * operands, in either order, is built once. Nodes are only ever appended, and always after
 * their operands, so creation order is a topological order.
 *
 * The hash table keeps node indices; a node's home slot follows its newer operand (see
 * home_slot), so building touches the table near where it last did, not at random.
 *
 * bld_finish() marks what the outputs need (one backward sweep over the node array),
 * then emits the live nodes in creation order, which is the order lowering computed
 * them: statement by statement, so values die soon after they are made. (A depth-first
 * walk from the outputs was measured and rejected: on a chain of 100 32-bit multiply-adds
 * it computes bit 0 of every product first and peaks at 14867 live wires, against 131 in
 * creation order; on a chain of divisions 252 against 147.) A NOT gate is
 * emitted the first time a gate or an output needs a negated wire, and shared after
 * that; a CONST gate only for an output bit that is constant.
 */
#include "blocks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint64_t MAX_NODES = (uint64_t)1 << 31; /* literals are node * 2 + negated */
static const uint32_t NO_WIRE = UINT32_MAX;

struct bld_out {
	char *name;
	uint32_t width, flags, to;
	uint64_t first; /* index into out_bits */
};

struct bld {
	uint32_t *lits; /* node i's operands: lits[2 * i], lits[2 * i + 1] */
	uint64_t nnodes, nodes_cap;
	uint32_t *table; /* slot: a node; 0 is empty (node 0 is never hashed) */
	uint64_t table_mask, table_used;
	uint64_t nands;

	struct bld_out *outs;
	uint32_t nouts, outs_cap;
	bit *out_bits;
	uint64_t nout_bits, out_bits_cap;

	bool failed;
	bool finished; /* bld_finish released the table: nothing more can be built */
};

static inline uint32_t lit_node(bit x)
{
	return x >> 1;
}

static inline bool lit_neg(bit x)
{
	return x & 1u;
}

static inline bit node_lit(uint64_t node)
{
	return (bit)(node << 1);
}

static inline bool node_is_and(const struct bld *b, uint32_t n)
{
	return n != 0 && b->lits[2 * (uint64_t)n] < b->lits[2 * (uint64_t)n + 1];
}

static inline bool node_is_xor(const struct bld *b, uint32_t n)
{
	return n != 0 && b->lits[2 * (uint64_t)n] > b->lits[2 * (uint64_t)n + 1];
}

static inline bool node_is_input(const struct bld *b, uint32_t n)
{
	return n != 0 && b->lits[2 * (uint64_t)n] == b->lits[2 * (uint64_t)n + 1];
}

/* ---- the builder's life ---- */

struct bld *bld_new(void)
{
	struct bld *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->nodes_cap = 1024;
	b->lits = malloc(2 * b->nodes_cap * sizeof(*b->lits));
	b->table = calloc(2048, sizeof(*b->table));
	if (!b->lits || !b->table) {
		bld_free(b);
		return NULL;
	}
	b->table_mask = 2047;
	b->lits[0] = b->lits[1] = 0; /* node 0: the constant */
	b->nnodes = 1;
	return b;
}

void bld_free(struct bld *b)
{
	if (!b)
		return;
	for (uint32_t i = 0; i < b->nouts; i++)
		free(b->outs[i].name);
	free(b->outs);
	free(b->out_bits);
	free(b->table);
	free(b->lits);
	free(b);
}

bool bld_failed(const struct bld *b)
{
	return b->failed;
}

void bld_fail(struct bld *b)
{
	b->failed = true;
}

uint64_t bld_and_count(const struct bld *b)
{
	return b->nands;
}

uint64_t bld_node_count(const struct bld *b)
{
	return b->nnodes;
}

/* ---- hashing ---- */

enum {
	SPREAD = 1024, /* a node's home slot is within this many slots of its operands' place */
	WINDOW = 32,   /* slots probed near home before the overflow probe */
};

static uint32_t hash_pair(uint32_t a, uint32_t b)
{
	uint64_t h = ((uint64_t)a << 32 | b) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h >> 32);
}

/* The home slot of a node over (a, b) lies near 4/3 of its newer operand's index: the table
 * holds at most 3/4 as many nodes as slots, so the homes of all nodes fill it evenly, and
 * a new node, whose operands are usually recent, finds its home among recently touched
 * slots (in cache) rather than at a random place in a table of hundreds of megabytes. */
static uint64_t home_slot(const struct bld *b, uint32_t a, uint32_t bb, uint32_t h)
{
	uint64_t m = lit_node(a > bb ? a : bb);
	return (m + m / 3 + h % SPREAD) & b->table_mask;
}

/* A node goes in the first empty slot of the WINDOW slots from its home; when they are all
 * taken (many nodes share a newer operand), it goes in the first empty slot of the overflow
 * probe, which starts at a random place and steps by a random odd stride (double hashing,
 * so it visits every slot). Slots are never emptied, so a window with an empty slot was
 * never full: a lookup that meets an empty slot in the window can stop there.
 *
 * The stride matters: homes can crowd one part of the table, e.g. every gate over two
 * inputs has its home among the inputs' (a double auction's comparisons of 2^16 input bits
 * made 3 nodes want each of those homes), and a probe by single steps that lands in such a
 * full stretch walks to its end: 57% of that compilation's time. */
static uint32_t *probe(const struct bld *b, uint32_t a, uint32_t bb, uint32_t *found)
{
	uint32_t h = hash_pair(a, bb);
	uint64_t j = home_slot(b, a, bb, h);
	*found = 0;
	for (int k = 0; k < WINDOW; k++) {
		uint32_t n = b->table[j];
		if (n == 0)
			return &b->table[j];
		if (b->lits[2 * (uint64_t)n] == a && b->lits[2 * (uint64_t)n + 1] == bb) {
			*found = n;
			return &b->table[j];
		}
		j = (j + 1) & b->table_mask;
	}
	uint64_t stride = (uint64_t)hash_pair(bb, a) << 1 | 1;
	for (j = h & b->table_mask;; j = (j + stride) & b->table_mask) {
		uint32_t n = b->table[j];
		if (n == 0)
			return &b->table[j];
		if (b->lits[2 * (uint64_t)n] == a && b->lits[2 * (uint64_t)n + 1] == bb) {
			*found = n;
			return &b->table[j];
		}
	}
}

/* Doubles the table and puts every node back, in creation order (the node array is read
 * front to back, the table near its home). */
static bool table_grow(struct bld *b)
{
	uint64_t ncap = (b->table_mask + 1) * 2;
	uint32_t *t = calloc(ncap, sizeof(*t));
	if (!t)
		return false;
	free(b->table);
	b->table = t;
	b->table_mask = ncap - 1;
	for (uint64_t n = 1; n < b->nnodes; n++) {
		uint32_t found;
		*probe(b, b->lits[2 * n], b->lits[2 * n + 1], &found) = (uint32_t)n;
	}
	return true;
}
static bool nodes_grow(struct bld *b)
{
	uint64_t ncap = b->nodes_cap * 2;
	if (ncap > MAX_NODES)
		ncap = MAX_NODES;
	uint32_t *p = realloc(b->lits, 2 * ncap * sizeof(*p));
	if (!p)
		return false;
	b->lits = p;
	b->nodes_cap = ncap;
	return true;
}

/* The node with operands (a, b), made if there is none yet (then *made is set); 0 on
 * failure. */
static uint32_t find_or_add(struct bld *b, uint32_t a, uint32_t bb, bool *made)
{
	if (b->failed || b->finished) {
		b->failed = true;
		return 0;
	}
	uint32_t found;
	uint32_t *slot = probe(b, a, bb, &found);
	if (found)
		return found;
	if (b->nnodes >= MAX_NODES - 1 || (b->nnodes == b->nodes_cap && !nodes_grow(b))) {
		b->failed = true;
		return 0;
	}
	uint64_t n = b->nnodes++;
	*made = true;
	b->lits[2 * n] = a;
	b->lits[2 * n + 1] = bb;
	*slot = (uint32_t)n;
	/* keep the load at most 3/4 */
	if (++b->table_used * 4 > (b->table_mask + 1) * 3 && !table_grow(b)) {
		b->failed = true;
		return 0;
	}
	return (uint32_t)n;
}

/* ---- constructors ---- */

bit bld_input(struct bld *b, uint32_t wire)
{
	if (wire >= CIRC_MAX_WIRES) {
		b->failed = true;
		return BIT_0;
	}
	bool made = false;
	return node_lit(find_or_add(b, wire, wire, &made));
}

/* x & y when one operand, q, is an AND node: the one-level identities
 * p & (p & s) = p & s, p & (~p & s) = 0, p & ~(p & s) = p ^ (p & s), ~p & ~(p & s) = ~p.
 * Returns true with *out set when one applies. */
static bool and_absorb(struct bld *b, bit p, bit q, bit *out)
{
	uint32_t qn = lit_node(q);
	if (!node_is_and(b, qn))
		return false;
	bit r = b->lits[2 * (uint64_t)qn], s = b->lits[2 * (uint64_t)qn + 1];
	if (p == r || p == s) {
		*out = lit_neg(q) ? bld_xor(b, p, node_lit(qn)) : q;
		return true;
	}
	if (p == bld_not(r) || p == bld_not(s)) {
		*out = lit_neg(q) ? p : BIT_0;
		return true;
	}
	return false;
}

/* A literal this builder made (a stray one would index past the node array). */
static bool lits_ok(struct bld *b, bit x, bit y)
{
	if (lit_node(x) < b->nnodes && lit_node(y) < b->nnodes)
		return true;
	b->failed = true;
	return false;
}

bit bld_and(struct bld *b, bit x, bit y)
{
	if (!lits_ok(b, x, y))
		return BIT_0;
	if (x > y) {
		bit t = x;
		x = y;
		y = t;
	}
	if (x == BIT_0)
		return BIT_0;
	if (x == BIT_1)
		return y;
	if (x == y)
		return x;
	if (x == bld_not(y))
		return BIT_0;
	bit r;
	if (and_absorb(b, x, y, &r) || and_absorb(b, y, x, &r))
		return r;
	bool made = false;
	uint32_t n = find_or_add(b, x, y, &made);
	b->nands += made;
	return node_lit(n);
}

bit bld_xor(struct bld *b, bit x, bit y)
{
	if (!lits_ok(b, x, y))
		return BIT_0;
	bit neg = (x ^ y) & 1u;
	x &= ~1u;
	y &= ~1u;
	if (x == y)
		return BIT_0 ^ neg;
	if (x < y) {
		bit t = x;
		x = y;
		y = t;
	}
	if (y == BIT_0)
		return x ^ neg;
	/* (r ^ s) ^ r = s, one level deep, either operand */
	for (int k = 0; k < 2; k++) {
		bit p = k ? x : y, q = k ? y : x;
		uint32_t qn = lit_node(q);
		if (node_is_xor(b, qn)) {
			bit r = b->lits[2 * (uint64_t)qn], s = b->lits[2 * (uint64_t)qn + 1];
			if (p == r)
				return s ^ neg;
			if (p == s)
				return r ^ neg;
		}
	}
	bool made = false;
	return node_lit(find_or_add(b, x, y, &made)) ^ neg;
}

bit bld_or(struct bld *b, bit x, bit y)
{
	return bld_not(bld_and(b, bld_not(x), bld_not(y)));
}

bit bld_mux(struct bld *b, bit sel, bit t, bit f)
{
	if (t == f || sel == BIT_1)
		return t;
	if (sel == BIT_0)
		return f;
	return bld_xor(b, f, bld_and(b, sel, bld_xor(b, t, f)));
}

/* ---- outputs and the finished circuit ---- */

int bld_output(struct bld *b, const char *name, uint32_t width, uint32_t flags, uint32_t to,
	       const bit *bits)
{
	if (b->failed || b->finished || width == 0 || width > CIRC_MAX_WIDTH ||
	    b->nouts == UINT32_MAX)
		return -1;
	for (uint32_t k = 0; k < width; k++)
		if (!lits_ok(b, bits[k], BIT_0))
			return -1;
	if (b->nouts == b->outs_cap) {
		uint32_t ncap = b->outs_cap ? b->outs_cap * 2 : 8;
		struct bld_out *p = realloc(b->outs, (size_t)ncap * sizeof(*p));
		if (!p)
			return -1;
		b->outs = p;
		b->outs_cap = ncap;
	}
	if (b->nout_bits + width > b->out_bits_cap) {
		uint64_t ncap = b->out_bits_cap ? b->out_bits_cap : 64;
		while (ncap < b->nout_bits + width)
			ncap *= 2;
		bit *p = realloc(b->out_bits, (size_t)ncap * sizeof(*p));
		if (!p)
			return -1;
		b->out_bits = p;
		b->out_bits_cap = ncap;
	}
	char *s = strdup(name);
	if (!s)
		return -1;
	b->outs[b->nouts++] = (struct bld_out){
	    .name = s, .width = width, .flags = flags, .to = to, .first = b->nout_bits};
	memcpy(b->out_bits + b->nout_bits, bits, (size_t)width * sizeof(*bits));
	b->nout_bits += width;
	return 0;
}

static int fail(struct circ_err *err, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

enum { LIVE = 1, NEEDS_NOT = 2 };

/* What bld_finish works with: per node, its flags, its wire and its negation's wire. */
struct emit {
	struct bld *b;
	struct circ_circuit *c;
	uint8_t *flags;
	uint32_t *wire, *not_wire;
	uint32_t const_wire[2];
	bool full; /* the circuit ran out of wires */
};

static uint32_t emit_gate(struct emit *e, enum circ_gate_kind kind, uint32_t a, uint32_t b)
{
	int64_t w = circ_add_gate(e->c, kind, a, b);
	if (w < 0) {
		e->full = true;
		return 0;
	}
	return (uint32_t)w;
}

/* The wire carrying literal x, making a NOT or CONST gate the first time one is needed. */
static uint32_t emit_lit(struct emit *e, bit x)
{
	uint32_t n = lit_node(x);
	if (n == 0) {
		unsigned v = lit_neg(x);
		if (e->const_wire[v] == NO_WIRE)
			e->const_wire[v] = emit_gate(e, GATE_CONST, v, 0);
		return e->const_wire[v];
	}
	if (!lit_neg(x))
		return e->wire[n];
	if (e->not_wire[n] == NO_WIRE)
		e->not_wire[n] = emit_gate(e, GATE_NOT, e->wire[n], 0);
	return e->not_wire[n];
}

/* Marks what the outputs need, sweeping the nodes backwards (operands come first). Returns
 * how many gates that takes at most, or -1 when a live input wire is not in c. */
static int64_t mark_live(struct emit *e)
{
	struct bld *b = e->b;
	uint64_t ngates = 0;
	bool consts[2] = {false, false};
	for (uint64_t k = 0; k < b->nout_bits; k++) {
		bit x = b->out_bits[k];
		uint32_t n = lit_node(x);
		if (n == 0)
			consts[lit_neg(x)] = true;
		e->flags[n] |= LIVE | (lit_neg(x) ? NEEDS_NOT : 0);
	}
	ngates += consts[0] + consts[1];
	for (uint64_t i = b->nnodes - 1; i >= 1; i--) {
		uint8_t f = e->flags[i];
		if (!(f & LIVE))
			continue;
		ngates += (f & NEEDS_NOT) != 0;
		bit x = b->lits[2 * i], y = b->lits[2 * i + 1];
		if (node_is_input(b, (uint32_t)i)) {
			if (x >= e->c->nin_bits)
				return -1;
			continue;
		}
		ngates++;
		e->flags[lit_node(x)] |= LIVE | (lit_neg(x) ? NEEDS_NOT : 0);
		e->flags[lit_node(y)] |= LIVE | (lit_neg(y) ? NEEDS_NOT : 0);
	}
	return (int64_t)ngates;
}

static void emit_nodes(struct emit *e)
{
	struct bld *b = e->b;
	for (uint64_t i = 1; i < b->nnodes && !e->full; i++) {
		if (!(e->flags[i] & LIVE))
			continue;
		bit x = b->lits[2 * i], y = b->lits[2 * i + 1];
		if (node_is_input(b, (uint32_t)i)) {
			e->wire[i] = x;
			continue;
		}
		uint32_t wx = emit_lit(e, x), wy = emit_lit(e, y);
		e->wire[i] =
		    emit_gate(e, node_is_and(b, (uint32_t)i) ? GATE_AND : GATE_XOR, wx, wy);
	}
}

static int emit_outputs(struct emit *e, struct circ_err *err)
{
	struct bld *b = e->b;
	uint32_t widest = 0;
	for (uint32_t i = 0; i < b->nouts; i++)
		if (b->outs[i].width > widest)
			widest = b->outs[i].width;
	uint32_t *wires = malloc(((size_t)widest + 1) * sizeof(*wires));
	if (!wires)
		return fail(err, "out of memory");
	for (uint32_t i = 0; i < b->nouts; i++) {
		const struct bld_out *o = &b->outs[i];
		for (uint32_t k = 0; k < o->width; k++)
			wires[k] = emit_lit(e, b->out_bits[o->first + k]);
		if (e->full)
			break;
		if (circ_add_output(e->c, o->name, o->width, o->flags, o->to, wires) < 0) {
			free(wires);
			return fail(err, "cannot add output '%s'", o->name);
		}
	}
	free(wires);
	if (e->full)
		return fail(err, "the circuit has too many wires");
	return 0;
}

int bld_finish(struct bld *b, struct circ_circuit *c, struct circ_err *err)
{
	if (b->failed)
		return fail(err, "out of memory while building the circuit");
	if (b->finished)
		return fail(err, "the builder was already finished");
	if (c->ngates != 0)
		return fail(err, "the circuit already has gates");
	b->finished = true;
	free(b->table); /* not needed any more: make room for the circuit */
	b->table = NULL;

	int ret = -1;
	struct emit e = {.b = b, .c = c, .const_wire = {NO_WIRE, NO_WIRE}};
	e.flags = calloc(b->nnodes, sizeof(*e.flags));
	e.wire = malloc(b->nnodes * sizeof(*e.wire));
	e.not_wire = malloc(b->nnodes * sizeof(*e.not_wire));
	if (!e.flags || !e.wire || !e.not_wire) {
		fail(err, "out of memory");
		goto out;
	}
	memset(e.not_wire, 0xff, b->nnodes * sizeof(*e.not_wire));
	int64_t ngates = mark_live(&e);
	if (ngates < 0) {
		fail(err,
		     "the circuit has no input wire for a builder input (it has %u input bits)",
		     c->nin_bits);
		goto out;
	}
	if (circ_reserve_gates(c, (uint64_t)ngates) != 0) {
		fail(err, "cannot hold %lld gates", (long long)ngates);
		goto out;
	}
	emit_nodes(&e);
	ret = emit_outputs(&e, err);
out:
	free(e.flags);
	free(e.wire);
	free(e.not_wire);
	return ret;
}
