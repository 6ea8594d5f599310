/* stats.c: what a circuit costs: gates by kind, AND-depth, wires, peak live wires, the
 * garbled size, and its identity.
 *
 * AND-depth: each wire's depth is the number of ANDs on its longest path from an input; the
 * circuit's is the largest over all wires (as the published tables count it).
 * Peak live wires: a wire lives from the step that defines it (inputs at step 0, gate g at
 * step g+1) to the last step that reads it (outputs live to the end); a difference array over
 * the steps gives the count alive at each step.
 */
#include "circuit.h"

#include <stdlib.h>
#include <string.h>

uint64_t circ_party_input_bits(const struct circ_circuit *c, uint32_t p)
{
	uint64_t bits = 0;
	for (uint32_t i = 0; i < c->ninputs; i++)
		if (c->inputs[i].party == p)
			bits += c->inputs[i].width;
	return bits;
}

int circ_compute_stats(const struct circ_circuit *c, struct circ_stats *s, struct circ_err *err)
{
	uint64_t nw = circ_nwires(c), steps = c->ngates + 2;
	uint32_t *depth = calloc(nw + 1, sizeof(uint32_t));
	uint64_t *last = calloc(nw + 1, sizeof(uint64_t));
	int64_t *diff = calloc(steps + 1, sizeof(int64_t));
	int rc = -1;
	memset(s, 0, sizeof(*s));
	if (!depth || !last || !diff) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		goto out;
	}
	for (uint64_t g = 0; g < c->ngates; g++) {
		const struct circ_gate *gt = &c->gates[g];
		uint64_t w = c->nin_bits + g, step = g + 1;
		unsigned ar = circ_gate_arity(gt->kind);
		uint32_t d = 0;
		s->gates[gt->kind]++;
		if (ar >= 1) {
			d = depth[gt->a];
			last[gt->a] = step;
		}
		if (ar >= 2) {
			if (depth[gt->b] > d)
				d = depth[gt->b];
			last[gt->b] = step;
		}
		depth[w] = d + circ_gate_and_cost(gt->kind);
		if (depth[w] > s->and_depth)
			s->and_depth = depth[w];
		last[w] = step;
	}
	for (uint32_t k = 0; k < c->nout_bits; k++) {
		uint32_t w = c->output_wires[k];
		last[w] = steps - 1;
	}
	for (uint64_t w = 0; w < nw; w++) {
		uint64_t def = w < c->nin_bits ? 0 : w - c->nin_bits + 1;
		uint64_t end = last[w] < def ? def : last[w];
		diff[def]++;
		diff[end + 1]--;
	}
	int64_t live = 0;
	for (uint64_t t = 0; t < steps; t++) {
		live += diff[t];
		if ((uint64_t)live > s->peak_live)
			s->peak_live = (uint64_t)live;
	}
	s->ngates = c->ngates;
	s->nwires = nw;
	s->nin_bits = c->nin_bits;
	s->nout_bits = c->nout_bits;
	s->garbled_bytes = 32 * s->gates[GATE_AND];
	if (circ_identity(c, s->identity) != 0) {
		snprintf(err->msg, sizeof(err->msg), "the circuit is invalid");
		goto out;
	}
	rc = 0;
out:
	free(depth);
	free(last);
	free(diff);
	return rc;
}
