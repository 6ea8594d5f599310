/* party.h: one party of a two-party garbled-circuit computation (semi-honest).
 *
 * The circuit's party 0 garbles and party 1 evaluates (shared/PROTOCOL.md). A session starts
 * with a handshake, in which both sides check that they hold the same circuit (its identity)
 * and play opposite roles, and the base OTs; then it runs the circuit any number of times.
 * Each run is:
 *
 *   evaluator -> garbler   the OT extension matrix for the evaluator's input bits
 *   garbler -> evaluator   the garbler's input labels (W^0 ^ x*delta)
 *                          a correction W^0_i ^ q_i per evaluator input bit, which turns the
 *                          OT's t_i = q_i ^ r_i*delta into the active label W^0_i ^ r_i*delta
 *                          the garbled tables, in chunks (each chunk leaves at once, so the
 *                          evaluator works while the garbler does), then the decoding bits of
 *                          the outputs the evaluator may learn
 *   evaluator -> garbler   the permute bits of the outputs the garbler may learn
 *
 * Only one direction carries data at a time: each side reads all the other sent before it
 * writes, so no size of inputs or outputs can fill both directions' socket buffers and leave
 * both parties blocked in a write (versions up to 3 sent the garbler's labels while the
 * evaluator sent its matrix, and both sent their output bits at once: a deadlock when both
 * were larger than the buffers).
 * so each party learns exactly the outputs addressed to it or to all. Delta and the OT keys
 * are the session's; the AND-gate counter, and so every hash tweak, runs on across runs.
 * Secrets (delta, labels, inputs, OT state) are wiped when the handle is freed.
 *
 * The garbler picks every input's zero label itself (the corrections cost 16 bytes per
 * evaluator input bit), so a run's tables depend on nothing the evaluator sends: while the
 * evaluator finishes run k, the garbler already garbles run k+1 (up to PARTY_AHEAD_BYTES of
 * tables; the rest as the run goes). Protocol version 4; version 1 used q_i itself as the
 * zero label, which made the garbler wait for the OT before garbling; version 2 had no
 * session binding (see party_new_bound); version 3 had both directions carry data at once.
 */
#ifndef MPCC_PARTY_H
#define MPCC_PARTY_H

#include <stdbool.h>
#include <stdint.h>

#include "circuit.h"
#include "net.h"
#include "prg.h"
#include "rt.h"

enum {
	PARTY_GARBLER = 0,
	PARTY_EVALUATOR = 1,
	PARTY_CHUNK_GATES = 1 << 14, /* gates garbled and sent per chunk */
	/* Circuits of at most this many gates are scheduled once per session (a gc_plan, about
	 * 13 bytes a gate); larger ones are scheduled as their chunks stream. */
	PARTY_PLAN_MAX_GATES = 1 << 22,
	/* The garbler garbles the next run's tables, up to this many bytes, while it waits for
	 * the evaluator to finish a run. */
	PARTY_AHEAD_BYTES = 4 << 20,
	PARTY_PROTOCOL_VERSION = 4, /* in the hello; both parties must speak the same */
};

typedef struct party party;

/* Time per phase (seconds, summed over runs) and traffic, for --stats. */
struct party_stats {
	double base_ot_s, ot_ext_s, garble_s, output_s;
	uint64_t bytes_sent, bytes_received;
	uint64_t and_gates; /* AND gates garbled or evaluated, summed over runs */
	uint64_t runs;
};

/* Starts a session as party me (PARTY_GARBLER or PARTY_EVALUATOR) of circ, which must have
 * exactly two parties, over ch. Borrows circ, ch and p for the handle's life. On failure
 * *out is still set (when memory allowed) so party_error() can say why; free it. */
RT_MUST_CHECK rt_err party_new(party **out, const struct circ_circuit *circ, uint32_t me,
			       net_chan *ch, prg *p);

/* party_new within a session: context (e.g. the SHA-256 of a parties file; party_new uses
 * zeros) must be the same on both sides. The handshake makes a session id from the context,
 * the circuit and a fresh nonce from each side, moves this party's PRG into the session's
 * domain (prg_mix) before any key, Δ, label or hash seed is drawn, and has each side prove
 * it holds the same id, so a message replayed from another session ends the handshake. */
RT_MUST_CHECK rt_err party_new_bound(party **out, const struct circ_circuit *circ, uint32_t me,
				     net_chan *ch, prg *p, const uint8_t context[32]);
/* The session id (after a successful party_new). */
void party_session_id(const party *pt, uint8_t id[32]);

/* One evaluation. in[k] is input k's value (circ_limbs(width) limbs) for every input of this
 * party (others are not read and may be NULL). out[k] receives output k when this party may
 * learn it, and learned[k] says whether it did. */
RT_MUST_CHECK rt_err party_run(party *pt, uint64_t *const *in, uint64_t *const *out, bool *learned);

/* What went wrong, naming the phase: "during the OT extension: peer closed ...". */
const char *party_error(const party *pt);
void party_get_stats(const party *pt, struct party_stats *st);
void party_free(party *pt); /* wipes; NULL is a no-op */

#endif
