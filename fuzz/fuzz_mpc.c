/* fuzz_mpc.c: libFuzzer target for the .mpc front end and the lowering: any bytes must give
 * diagnostics or a valid circuit, never a crash, hang or leak. Lowering runs with small limits
 * so one input cannot take long. */
#include <stdint.h>
#include <stdio.h>

#include "circuit.h"
#include "compiler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink)
		sink = fopen("/dev/null", "w");
	struct compiler_options opt = {.max_steps = 1 << 16, .max_nodes = 1 << 18,
				       .max_bytes = 64 << 20};
	struct circ_circuit *c = NULL;
	if (compiler_compile(&c, "fuzz.mpc", (const char *)data, size, &opt, sink) == 0) {
		struct circ_err err;
		if (circ_validate(c, &err) != 0) {
			fprintf(stderr, "compiled an invalid circuit: %s\n", err.msg);
			__builtin_trap();
		}
	}
	circ_free(c);
	return 0;
}
