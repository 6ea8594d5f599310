/* circuit.h: mpcc's boolean circuit, its interface, its file formats and its evaluator.
 *
 * A circuit is a list of gates over numbered wires, in single-assignment topological form:
 * wires 0 .. nin_bits-1 are the input bits (input k occupies inputs[k].first .. + width-1,
 * least significant bit first), and gate g defines wire nin_bits + g. Gates only read wires
 * defined before them. Outputs name any wires (an input, a constant, the same wire twice).
 *
 * The interface says who takes part: named parties, named inputs (width, signedness, which
 * party supplies each) and named outputs (who may learn each).
 *
 * Ownership: a struct circ_circuit owns every array and string it points to;
 * circ_free() releases them all. Functions that can fail return 0 on success and -1 on
 * failure, with a one-line message in *err (for files: "FILE:LINE: what is wrong").
 */
#ifndef MPCC_CIRCUIT_H
#define MPCC_CIRCUIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum circ_gate_kind {
#define GATE(name, arity, and_cost) GATE_##name,
#include "gates.def"
#undef GATE
	GATE_KIND_COUNT
};

/* One gate: out = kind(a, b). The output wire is implicit: nin_bits + index. */
struct circ_gate {
	uint32_t kind; /* enum circ_gate_kind */
	uint32_t a;    /* first input wire; for CONST the constant bit */
	uint32_t b;    /* second input wire; 0 when the gate has arity < 2 */
};

#define CIRC_ALL UINT32_MAX /* output recipient: every party */
#define CIRC_MAX_WIRES (UINT32_C(1) << 31) /* most wires a circuit may have */
enum {
	CIRC_MAX_WIDTH = 1 << 20, /* widest input or output, in bits */
	CIRC_MAX_NAME = 255,      /* longest party, input or output name */
	CIRC_ERR_LEN = 512,
};

/* Input and output flags. */
enum {
	CIRC_SIGNED = 1u << 0, /* two's complement value (iN in the language) */
	/* input: one of several parties' contributions to the same wires, which carry the sum
	 * mod 2^width of them all (a "sum group": the inputs share first and width) */
	CIRC_SUM = 1u << 1,
};

struct circ_err {
	char msg[CIRC_ERR_LEN];
};

struct circ_input {
	char *name;
	uint32_t width;
	uint32_t flags;
	uint32_t party; /* index into parties */
	uint32_t first; /* first wire; the input's bits are first .. first+width-1 */
	/* CIRC_SUM inputs with the same first form a sum group: the wires carry the sum of
	 * their values mod 2^width. Every other input has wires of its own. */
};

struct circ_output {
	char *name;
	uint32_t width;
	uint32_t flags;
	uint32_t to;    /* index into parties, or CIRC_ALL */
	uint32_t first; /* index into output_wires of bit 0 */
};

struct circ_circuit {
	uint32_t nparties;
	char **parties;

	uint32_t ninputs;
	struct circ_input *inputs;
	uint32_t nin_bits; /* total input bits: the first gate defines this wire */

	uint32_t noutputs;
	struct circ_output *outputs;
	uint32_t nout_bits;
	uint32_t *output_wires; /* nout_bits wire ids */

	uint64_t ngates;
	struct circ_gate *gates;

	/* capacities of the growable arrays (builder bookkeeping) */
	uint64_t gates_cap;
	uint32_t parties_cap, inputs_cap, outputs_cap, out_bits_cap;
};

static inline uint64_t circ_nwires(const struct circ_circuit *c)
{
	return (uint64_t)c->nin_bits + c->ngates;
}

/* gates.def as data (inline: the readers and evaluators ask once per gate) */
const char *circ_gate_name(uint32_t kind);

static inline unsigned circ_gate_arity(uint32_t kind)
{
	switch (kind) {
#define GATE(name, arity, and_cost)                                                                \
	case GATE_##name:                                                                          \
		return arity;
#include "gates.def"
#undef GATE
	}
	return 0;
}

static inline unsigned circ_gate_and_cost(uint32_t kind)
{
	switch (kind) {
#define GATE(name, arity, and_cost)                                                                \
	case GATE_##name:                                                                          \
		return and_cost;
#include "gates.def"
#undef GATE
	}
	return 0;
}

/* ---- building (circuit.c) ---- */

/* An empty circuit, or NULL when out of memory. */
struct circ_circuit *circ_new(void);
void circ_free(struct circ_circuit *c); /* NULL is a no-op */

/* Each returns the new party/input index, wire id or output index, or -1 (as int64_t) when
 * out of memory or over a limit. Inputs must all be added before the first gate.
 * circ_add_output copies width wire ids from wires, or sets them to 0 when wires is NULL. */
int64_t circ_add_party(struct circ_circuit *c, const char *name);
int64_t circ_add_input(struct circ_circuit *c, const char *name, uint32_t width, uint32_t flags,
		       uint32_t party);
/* lead[k] (ninputs entries): the input whose wires input k uses: the first input of its sum
 * group, k itself for an input with wires of its own, UINT32_MAX when no earlier input starts
 * at its first wire (an invalid circuit). n log n; 0, or -1 when out of memory. */
int circ_input_leads(const struct circ_circuit *c, uint32_t *lead);

/* Whether a party, input or output name is valid: 1 to CIRC_MAX_NAME printable ASCII
 * characters without space, '"', '\\' or '=', so every format can carry it. */
bool circ_name_ok(const char *s);

/* Adds a CIRC_SUM input (flags gains CIRC_SUM). with < 0 starts a new sum group with wires of
 * its own; otherwise the input joins the group of input `with`, an earlier CIRC_SUM input of
 * the same width and flags. The same party may not contribute twice: circ_validate says so. */
int64_t circ_add_sum_input(struct circ_circuit *c, const char *name, uint32_t width,
			   uint32_t flags, uint32_t party, int64_t with);
int64_t circ_add_gate(struct circ_circuit *c, enum circ_gate_kind kind, uint32_t a, uint32_t b);
int64_t circ_add_output(struct circ_circuit *c, const char *name, uint32_t width, uint32_t flags,
			uint32_t to, const uint32_t *wires);
/* Grows the gate array to hold at least n gates in all; 0 or -1. */
int circ_reserve_gates(struct circ_circuit *c, uint64_t n);

/* Finds a party, input or output by name; -1 when there is none. */
int64_t circ_find_party(const struct circ_circuit *c, const char *name);
int64_t circ_find_input(const struct circ_circuit *c, const char *name);
int64_t circ_find_output(const struct circ_circuit *c, const char *name);

/* Checks every structural rule: names, widths, parties, wire ranges, topological order. */
int circ_validate(const struct circ_circuit *c, struct circ_err *err);
/* The same without the gates (for readers that checked each gate as it arrived). */
int circ_validate_interface(const struct circ_circuit *c, struct circ_err *err);

/* ---- Bristol Fashion (bristol.c) ---- */

struct circ_bristol_opts {
	/* Party of input i is input_party[i] when i < ninput_party, else i % 2. Parties are
	 * named p0, p1, ... (at least two). NULL/0: the default. */
	const uint32_t *input_party;
	uint32_t ninput_party;
};

/* Reads Bristol Fashion, or the older Bristol format (three numbers on line 2, no output
 * line), which it recognises. Accepts XOR, AND, INV, EQ, EQW and MAND. Inputs are named in0,
 * in1, ... and outputs out0, out1, ...; every output goes to all parties. */
int circ_read_bristol(struct circ_circuit **out, FILE *f, const char *fname,
		      const struct circ_bristol_opts *opts, struct circ_err *err);
/* Writes Bristol Fashion (XOR, AND, INV; EQ for constants, EQW where an output repeats a
 * wire). The interface beyond widths is lost. Returns 0, or -1 on a write error. */
int circ_write_bristol(const struct circ_circuit *c, FILE *f, struct circ_err *err);

/* ---- the binary format, circuits/FORMAT.md (binfmt.c) ---- */

int circ_write_binary(const struct circ_circuit *c, FILE *f, struct circ_err *err);
int circ_read_binary(struct circ_circuit **out, FILE *f, const char *fname, struct circ_err *err);

/* Streaming: circ_stream_open reads the header and interface into *iface (which has no
 * gates, but iface->ngates tells how many follow), then circ_stream_read hands out up to
 * max gates at a time, fully checked, returning how many (0 at the end) or -1. */
struct circ_stream;
int circ_stream_open(struct circ_stream **out, struct circ_circuit **iface, FILE *f,
		     const char *fname, struct circ_err *err);
int64_t circ_stream_read(struct circ_stream *s, struct circ_gate *buf, size_t max,
			 struct circ_err *err);
void circ_stream_close(struct circ_stream *s); /* does not close the FILE */

/* SHA-256 of the circuit's canonical encoding (its binary format). */
int circ_identity(const struct circ_circuit *c, uint8_t out[32]);

/* ---- files of either format (file.c) ---- */

enum circ_format { CIRC_FMT_AUTO, CIRC_FMT_BRISTOL, CIRC_FMT_BINARY };

/* By content for reading (the binary magic, else Bristol), by extension for writing
 * (.txt/.bristol: Bristol, anything else: binary) unless fmt says. */
int circ_load(struct circ_circuit **out, const char *path, enum circ_format fmt,
	      const struct circ_bristol_opts *opts, struct circ_err *err);
int circ_save(const struct circ_circuit *c, const char *path, enum circ_format fmt,
	      struct circ_err *err);
enum circ_format circ_format_for_path(const char *path);
/* True when the file starts with the binary format's magic. */
bool circ_is_binary_file(const char *path);

/* ---- evaluation in the clear (eval.c) ---- */

/* Bit-sliced: 64 independent evaluations at once. in[w] holds lane bits of input wire w
 * (nin_bits words); out[k] receives output bit k (nout_bits words). wires is scratch of
 * circ_nwires(c) words. */
void circ_eval64(const struct circ_circuit *c, const uint64_t *in, uint64_t *out,
		 uint64_t *wires);

/* ---- values: arbitrary-width integers as little-endian 64-bit limbs (value.c) ---- */

static inline size_t circ_limbs(uint32_t width)
{
	return ((size_t)width + 63) / 64;
}

/* Parses decimal, 0x hex or 0b binary, with a leading '-' when signed, into width bits
 * (two's complement). Fails, with a message, when the text is not a number or the value
 * does not fit in width bits (unsigned: 0 .. 2^w-1; signed: -2^(w-1) .. 2^(w-1)-1). */
int circ_value_parse(uint64_t *limbs, uint32_t width, bool is_signed, const char *text,
		     struct circ_err *err);
/* Formats a value: decimal when width <= 64 and !hex (negative when signed and the top bit
 * is set), else 0x hex with no leading zeros. Returns buf. buflen >= width/3 + 8 suffices. */
char *circ_value_format(char *buf, size_t buflen, const uint64_t *limbs, uint32_t width,
			bool is_signed, bool hex);

/* Evaluates once on named values: in_values[k] are input k's limbs (circ_limbs(width)),
 * out_values[k] receive output k's. Returns 0, or -1 when out of memory. */
int circ_eval_values(const struct circ_circuit *c, uint64_t *const *in_values,
		     uint64_t *const *out_values);

/* ---- statistics (stats.c) ---- */

struct circ_stats {
	uint64_t gates[GATE_KIND_COUNT];
	uint64_t ngates, nwires;
	uint64_t and_depth;
	uint64_t peak_live; /* most wires alive at once when gates run in order */
	uint64_t garbled_bytes; /* 32 bytes per AND (half-gates) */
	uint32_t nin_bits, nout_bits;
	uint8_t identity[32];
};

int circ_compute_stats(const struct circ_circuit *c, struct circ_stats *s, struct circ_err *err);
/* Input bits supplied by party p. */
uint64_t circ_party_input_bits(const struct circ_circuit *c, uint32_t p);

#endif
