/* ot.h: 1-out-of-2 oblivious transfer, semi-honest.
 *
 * Base OT: Chou-Orlandi "simplest OT" (LATINCRYPT 2015, eprint 2015/267) on P-256, in its
 * random form: the sender gets n key pairs (k0, k1), the receiver k_c for its choice bit c.
 * Extension: IKNP (CRYPTO 2003) with the ALSZ optimisations (eprint 2016/602) in the
 * correlated form. The extension's sender (the garbler) holds a 128-bit delta and gets q_i;
 * the receiver (the evaluator), choosing bit r_i, gets t_i = q_i xor r_i*delta. One base-OT
 * set-up (128 base OTs, roles reversed) per session; then any number of ot_send_cot /
 * ot_recv_cot pairs, of any n. Traffic per extension call: 128*ceil(n/8) bytes (128 bits per
 * OT), receiver to sender, nothing else.
 *
 * Bit strings (choices, delta) are packed LSB-first: bit i is bit i%8 of byte i/8. Choice bits,
 * delta, q, t and all keys are secrets; the handles wipe theirs on free.
 */
#ifndef MPCC_OT_H
#define MPCC_OT_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "prg.h"
#include "rt.h"

enum {
	OT_BASE_COUNT = 128,   /* base OTs per extension session (kappa) */
	OT_BASE_MAX = 1 << 16, /* most base OTs in one ot_base_send/recv call */
	OT_POINT_BYTES = 65,   /* an uncompressed P-256 point on the wire */
};

/* Base OT sender: sends one point, receives n; keys[i][b] is the key for choice b.
 * Draws its secret scalar from p. A bad point from the peer is RT_ERR_PROTOCOL. */
RT_MUST_CHECK rt_err ot_base_send(net_chan *ch, prg *p, uint8_t (*keys)[2][16], size_t n);
/* Base OT receiver with n choice bits (ceil(n/8) bytes): keys[i] = the sender's keys[i][c_i]. */
RT_MUST_CHECK rt_err ot_base_recv(net_chan *ch, prg *p, const uint8_t *choices, uint8_t (*keys)[16],
				  size_t n);

/* The extension's sender: the garbler. */
typedef struct ot_sender ot_sender;
/* Runs the base OTs (as their receiver, choosing the bits of delta). Borrows ch for the
 * handle's life; uses p only during the call. */
RT_MUST_CHECK rt_err ot_sender_new(ot_sender **out, net_chan *ch, const uint8_t delta[16], prg *p);
/* n correlated OTs: q[i] is the zero label, q[i] xor delta the one label. Each call pairs with
 * an ot_recv_cot of the same n on the other side (n is not sent). */
RT_MUST_CHECK rt_err ot_send_cot(ot_sender *s, uint8_t (*q)[16], size_t n);
void ot_sender_free(ot_sender *s); /* wipes; NULL is a no-op */

/* The extension's receiver: the evaluator. */
typedef struct ot_receiver ot_receiver;
/* Runs the base OTs (as their sender). Borrows ch; uses p only during the call. */
RT_MUST_CHECK rt_err ot_receiver_new(ot_receiver **out, net_chan *ch, prg *p);
/* n correlated OTs with choice bits choices (ceil(n/8) bytes): t[i] = q[i] xor r_i*delta. */
RT_MUST_CHECK rt_err ot_recv_cot(ot_receiver *r, const uint8_t *choices, uint8_t (*t)[16],
				 size_t n);
void ot_receiver_free(ot_receiver *r); /* wipes; NULL is a no-op */

/* The 128x128 bit-matrix transpose the extension spends its time in, public for tests and
 * benchmarks. Row j of in starts at in + j*stride (16 bytes); out[i] bit j = row j bit i. */
typedef enum ot_simd {
	OT_SIMD_AUTO,	/* the best this CPU has */
	OT_SIMD_SCALAR, /* portable C */
	OT_SIMD_SSE2,
	OT_SIMD_AVX2,
	OT_SIMD_AVX512, /* AVX-512 BW and VBMI with GFNI */
} ot_simd;
/* RT_ERR_INPUT if this CPU (or build) lacks impl. */
RT_MUST_CHECK rt_err ot_transpose128(uint8_t (*out)[16], const uint8_t *in, size_t stride,
				     ot_simd impl);

#endif
