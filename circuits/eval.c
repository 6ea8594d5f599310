/* eval.c: plaintext evaluation, bit-sliced: each wire is a uint64_t holding that wire's value
 * in 64 independent evaluations (lanes), so one pass over the gates runs 64 inputs. */
#include "circuit.h"

#include <stdlib.h>
#include <string.h>

void circ_eval64(const struct circ_circuit *c, const uint64_t *in, uint64_t *out,
		 uint64_t *wires)
{
	memcpy(wires, in, sizeof(uint64_t) * c->nin_bits);
	uint64_t *w = wires + c->nin_bits;
	const struct circ_gate *g = c->gates;
	for (uint64_t i = 0, n = c->ngates; i < n; i++) {
		switch (g[i].kind) {
		case GATE_XOR:
			w[i] = wires[g[i].a] ^ wires[g[i].b];
			break;
		case GATE_AND:
			w[i] = wires[g[i].a] & wires[g[i].b];
			break;
		case GATE_NOT:
			w[i] = ~wires[g[i].a];
			break;
		default: /* GATE_CONST */
			w[i] = -(uint64_t)g[i].a;
			break;
		}
	}
	for (uint32_t k = 0; k < c->nout_bits; k++)
		out[k] = wires[c->output_wires[k]];
}

int circ_eval_values(const struct circ_circuit *c, uint64_t *const *in_values,
		     uint64_t *const *out_values)
{
	uint64_t *in = calloc((size_t)c->nin_bits + 1, sizeof(uint64_t));
	uint64_t *out = calloc((size_t)c->nout_bits + 1, sizeof(uint64_t));
	uint64_t *wires = calloc((size_t)circ_nwires(c) + 1, sizeof(uint64_t));
	int rc = -1;
	if (!in || !out || !wires)
		goto done;
	for (uint32_t i = 0; i < c->ninputs; i++) {
		const struct circ_input *ci = &c->inputs[i];
		/* a sum group's members add in (bit-serial, carry in the low bit) */
		uint64_t carry = 0;
		for (uint32_t b = 0; b < ci->width; b++) {
			uint64_t x = (in_values[i][b / 64] >> (b % 64)) & 1;
			if (ci->flags & CIRC_SUM) {
				uint64_t y = in[ci->first + b] & 1, s = x ^ y ^ carry;
				carry = (x & y) | (carry & (x ^ y));
				x = s;
			}
			in[ci->first + b] = -x;
		}
	}
	circ_eval64(c, in, out, wires);
	for (uint32_t i = 0; i < c->noutputs; i++) {
		const struct circ_output *co = &c->outputs[i];
		memset(out_values[i], 0, sizeof(uint64_t) * circ_limbs(co->width));
		for (uint32_t b = 0; b < co->width; b++)
			out_values[i][b / 64] |= (out[co->first + b] & 1) << (b % 64);
	}
	rc = 0;
done:
	free(in);
	free(out);
	free(wires);
	return rc;
}
