/* fuzz_party.c: libFuzzer targets for everything a party of the two-party protocol (party.h)
 * reads from its peer, built twice: fuzz_party_garbler plays the garbler (FUZZ_ME 0) and the
 * input is what an evaluator sends (hello, confirmation, base-OT points, the OT extension's
 * matrix, the permute bits of the garbler's outputs), fuzz_party_evaluator plays the
 * evaluator (FUZZ_ME 1) and the input is what a garbler sends (hello, confirmation with the
 * hash seed, base-OT point, input labels, corrections, garbled tables, decoding bits). Any
 * bytes must end the session with an error or a result, never a crash, hang or leak. The
 * seeds (record.c) are a real peer's bytes for this side's fixed seed, so mutations reach the
 * messages after the handshake. */
#include <stdint.h>

#include "peer.h"

#ifndef FUZZ_ME
#error "build with -DFUZZ_ME=0 (garbler) or 1 (evaluator)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_peer pe;
	net_chan *ch;
	if (fuzz_peer_start(&pe, &ch, data, size) != 0)
		return 0;
	(void)fuzz_party_session(ch, FUZZ_ME);
	fuzz_peer_finish(&pe, ch);
	return 0;
}
