/* fuzz_binary.c: libFuzzer target for mpcc's binary circuit reader: any bytes are rejected
 * with a message or give a circuit that validates and re-encodes to the same bytes. */
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
	if (circ_read_binary(&c, f, "fuzz.circ", &err) == 0) {
		if (circ_validate(c, &err) != 0)
			__builtin_trap();
		char *buf = NULL;
		size_t len = 0;
		FILE *g = open_memstream(&buf, &len);
		if (circ_write_binary(c, g, &err) != 0)
			__builtin_trap();
		fclose(g);
		if (len != size || memcmp(buf, data, size) != 0)
			__builtin_trap(); /* the encoding is canonical */
		free(buf);
	}
	fclose(f);
	circ_free(c);
	return 0;
}
