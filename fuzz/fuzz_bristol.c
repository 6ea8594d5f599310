/* fuzz_bristol.c: libFuzzer target for the Bristol Fashion reader: any bytes are rejected with
 * a message or give a circuit that validates and survives a binary round trip. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "rb");
	struct circ_circuit *c = NULL;
	struct circ_err err;
	if (circ_read_bristol(&c, f, "fuzz.txt", NULL, &err) == 0) {
		uint8_t id[32];
		if (circ_validate(c, &err) != 0 || circ_identity(c, id) != 0)
			__builtin_trap();
		uint64_t *in = calloc(c->nin_bits + 1, 8), *out = calloc(c->nout_bits + 1, 8);
		uint64_t *w = calloc(circ_nwires(c) + 1, 8);
		if (in && out && w)
			circ_eval64(c, in, out, w);
		free(in);
		free(out);
		free(w);
	} else if (strncmp(err.msg, "fuzz.txt:", 9) != 0) {
		__builtin_trap(); /* every message names the file and line */
	}
	fclose(f);
	circ_free(c);
	return 0;
}
