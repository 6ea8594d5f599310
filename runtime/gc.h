/* gc.h: garbled circuits with free-XOR (Kolesnikov-Schneider, ICALP 2008), point-and-permute
 * and half-gates (Zahur-Rosulek-Evans, EUROCRYPT 2015, eprint 2014/756), hashed with MITCCRH
 * (hash.h). The constructions are those of shared/PROTOCOL.md.
 *
 * Streaming: neither party needs the whole circuit or the whole garbled circuit in memory.
 * Both are created from a circuit's interface (counts and output wires; the one
 * circ_stream_open returns will do), then fed the gates in order, in chunks of any size:
 * the garbler writes GC_TABLE_BYTES (T_G then T_E) per AND gate of each chunk, the
 * evaluator consumes exactly those bytes with the same chunk. Both hold one 16-byte label per
 * wire (64-byte aligned) and fixed buffers.
 *
 * Labels: wire w has the zero label W_w^0 and the one label W_w^0 ^ delta, lsb(delta) = 1;
 * the lsb of a label (bit 0 of byte 0) is its permute bit. The evaluator holds one active
 * label per wire. NOT: the garbler flips (W^0 ^ delta), the evaluator copies. CONST v: the
 * evaluator's label is 0^128 and the garbler's zero label is v*delta, so no message is
 * needed. AND gate number g (counting AND gates from 0 over the whole run) hashes with the
 * tweaks 2g and 2g+1.
 *
 * Bit strings (input bits, decoding bits, permute bits) are packed LSB-first: bit i is bit
 * i%8 of byte i/8. Delta and every label are secrets: nothing here branches or indexes on
 * them, and the handles wipe them on free. Functions that can fail return an rt_err and
 * leave a one-line reason for gc_*_error().
 */
#ifndef MPCC_GC_H
#define MPCC_GC_H

#include <stddef.h>
#include <stdint.h>

#include "aes.h"
#include "circuit.h"
#include "prg.h"
#include "rt.h"

enum {
	GC_LABEL_BYTES = 16,
	GC_TABLE_BYTES = 32, /* garbled table of one AND gate: T_G || T_E */
};

/* Number of AND gates among gates[0 .. n-1]: a chunk's tables are GC_TABLE_BYTES each. */
uint64_t gc_count_and(const struct circ_gate *gates, size_t n);

/* ---- plans: the schedule of a circuit in memory, made once ---- */

/* A plan cuts a circuit held in memory (circ->gates) into chunks of chunk_gates gates (the
 * last one shorter), checks every gate once and works out the order each chunk's gates run
 * in. gc_garble_planned and gc_eval_planned then run chunk after chunk without checking or
 * scheduling again: every run of a session replays the same plan, and either party can use
 * it. The tables are byte for byte those gc_garble_chunk writes. A plan holds no secret;
 * it borrows circ and takes about 13 bytes per gate.
 *
 * A run is planned from its first chunk on or streamed: it cannot mix the two. A planned run
 * keeps the labels of its input and output wires only (the places of the others are used
 * again once nothing reads them, so that the labels in use stay few and in the cache):
 * gc_garbler_zero_label and gc_evaluator_label refuse other wires with RT_ERR_INPUT. */
typedef struct gc_plan gc_plan;

/* RT_ERR_INPUT for a malformed gate (as gc_garble_chunk) or chunk_gates = 0. */
RT_MUST_CHECK rt_err gc_plan_new(gc_plan **out, const struct circ_circuit *circ,
				 size_t chunk_gates);
void gc_plan_free(gc_plan *p); /* NULL is a no-op */
size_t gc_plan_chunks(const gc_plan *p);
/* The table bytes of chunk k (GC_TABLE_BYTES per AND gate), and the most of any chunk. */
size_t gc_plan_chunk_bytes(const gc_plan *p, size_t k);
size_t gc_plan_max_chunk_bytes(const gc_plan *p);

/* ---- the garbler ---- */

typedef struct gc_garbler gc_garbler;

/* Borrows circ for the garbler's life (reads nin_bits, ngates and the output wires). Draws
 * delta (lsb 1), the hash seed and a zero label for every input wire from p, which it uses
 * during the call only. */
RT_MUST_CHECK rt_err gc_garbler_new(gc_garbler **out, const struct circ_circuit *circ, prg *p);
void gc_garbler_free(gc_garbler *g); /* wipes; NULL is a no-op */
/* The line explaining the last error. */
const char *gc_garbler_error(const gc_garbler *g);
/* Switches the AES implementation (default aes_impl_best()); RT_ERR_INPUT if unsupported. */
RT_MUST_CHECK rt_err gc_garbler_use_aes(gc_garbler *g, enum aes_impl impl);

/* Starts another evaluation of the same circuit in this session: gates from the first again
 * and fresh zero labels for the input wires, drawn from p (used during the call only). Delta,
 * the hash seed and the AND-gate count, and so every tweak, carry on: no tweak repeats. */
RT_MUST_CHECK rt_err gc_garbler_restart(gc_garbler *g, prg *p);

/* delta, a secret: for the OT extension, whose sender chooses its bits. */
void gc_garbler_delta(const gc_garbler *g, uint8_t delta[16]);
/* The hash seed S: public, send it to the evaluator. */
void gc_garbler_seed(const gc_garbler *g, uint8_t seed[16]);

/* Replaces the zero labels of input wires first .. first+n-1 (the evaluator's inputs, whose
 * zero labels come from the OT). */
RT_MUST_CHECK rt_err gc_garbler_set_input_labels(gc_garbler *g, uint64_t first, size_t n,
						 const uint8_t (*zero)[16]);
/* active[i] = W^0 ^ bit_i * delta for input wires first .. first+n-1: what the garbler sends
 * for its own input bits (bits packed, n bits). */
RT_MUST_CHECK rt_err gc_garbler_input_labels(gc_garbler *g, uint64_t first, size_t n,
					     const uint8_t *bits, uint8_t (*active)[16]);

/* Garbles the next n gates of the circuit (they must come in order: gate k of the chunk is
 * circuit gate next+k and defines wire nin_bits+next+k). Writes GC_TABLE_BYTES per AND gate
 * to tables, which holds cap bytes, and their total to *nbytes. Too many gates, too small a
 * buffer or a gate circ_validate() would reject (unknown kind, a wire not defined before it,
 * a constant other than 0 or 1, b not 0 for NOT and CONST) is RT_ERR_INPUT and changes
 * nothing. */
RT_MUST_CHECK rt_err gc_garble_chunk(gc_garbler *g, const struct circ_gate *gates, size_t n,
				     uint8_t *tables, size_t cap, size_t *nbytes);

/* Garbles chunk k of plan p, made from this garbler's circuit; chunk k must be next (its
 * first gate the next to garble), else RT_ERR_INPUT, as for too small a buffer. */
RT_MUST_CHECK rt_err gc_garble_planned(gc_garbler *g, const gc_plan *p, size_t k, uint8_t *tables,
				       size_t cap, size_t *nbytes);

/* After the last gate: the decoding bit d_k = lsb(W^0) of every output bit k (nout_bits
 * bits, packed). Output k's value is d_k ^ (the evaluator's permute bit s_k). */
RT_MUST_CHECK rt_err gc_garbler_decoding_bits(gc_garbler *g, uint8_t *d);
/* The zero label of a wire already defined (an input, or a gate garbled so far). */
RT_MUST_CHECK rt_err gc_garbler_zero_label(gc_garbler *g, uint64_t wire, uint8_t out[16]);

/* ---- the evaluator ---- */

typedef struct gc_evaluator gc_evaluator;

/* Borrows circ for the evaluator's life; seed is the garbler's hash seed. Input labels
 * start as zero bytes until set. */
RT_MUST_CHECK rt_err gc_evaluator_new(gc_evaluator **out, const struct circ_circuit *circ,
				      const uint8_t seed[16]);
void gc_evaluator_free(gc_evaluator *e); /* wipes; NULL is a no-op */
const char *gc_evaluator_error(const gc_evaluator *e);
RT_MUST_CHECK rt_err gc_evaluator_use_aes(gc_evaluator *e, enum aes_impl impl);

/* Starts another evaluation in this session, like gc_garbler_restart (input labels are zero
 * until set). */
RT_MUST_CHECK rt_err gc_evaluator_restart(gc_evaluator *e);

/* Sets the active labels of input wires first .. first+n-1. */
RT_MUST_CHECK rt_err gc_evaluator_set_input_labels(gc_evaluator *e, uint64_t first, size_t n,
						   const uint8_t (*active)[16]);

/* Evaluates the next n gates with their garbled tables: len must be exactly GC_TABLE_BYTES
 * times the chunk's AND gates (else RT_ERR_PROTOCOL); too many gates or a malformed gate is
 * RT_ERR_INPUT. Either way nothing changes. */
RT_MUST_CHECK rt_err gc_eval_chunk(gc_evaluator *e, const struct circ_gate *gates, size_t n,
				   const uint8_t *tables, size_t len);

/* Evaluates chunk k of plan p (as gc_garble_planned); len must be gc_plan_chunk_bytes(p, k),
 * else RT_ERR_PROTOCOL. */
RT_MUST_CHECK rt_err gc_eval_planned(gc_evaluator *e, const gc_plan *p, size_t k,
				     const uint8_t *tables, size_t len);

/* After the last gate: the permute bit s_k = lsb of every output bit's active label
 * (nout_bits bits, packed). */
RT_MUST_CHECK rt_err gc_evaluator_output_bits(gc_evaluator *e, uint8_t *s);
/* The active label of a wire already defined. */
RT_MUST_CHECK rt_err gc_evaluator_label(gc_evaluator *e, uint64_t wire, uint8_t out[16]);

#endif
