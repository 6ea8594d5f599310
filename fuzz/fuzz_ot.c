/* fuzz_ot.c: libFuzzer target for the base OT's messages (ot.h): byte 0 picks the side, bit 0
 * (0: we send, and the input is the receiver's n points B_i; 1: we receive, and the input
 * is the sender's point A) and n = 1 + (bits 1-2) base OTs; the rest is the peer's bytes.
 * Each point must be refused unless it is on P-256, uncompressed and not infinity, and no
 * input may crash, hang or leak. (The OT extension's messages need no decoding: any bytes are
 * a matrix; fuzz_party reaches them.) */
#include <stdint.h>

#include "ot.h"
#include "peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	int receive = data[0] & 1;
	size_t n = 1 + ((data[0] >> 1) & 3);
	uint8_t seed[16] = {'o', 't', data[0]}, choices[1] = {0x5};
	uint8_t keys2[FUZZ_OT_MAX][2][16], keys[FUZZ_OT_MAX][16];
	struct fuzz_peer pe;
	net_chan *ch;
	prg *p = NULL;
	if (prg_new_seeded(&p, seed) != RT_OK)
		return 0;
	if (fuzz_peer_start(&pe, &ch, data + 1, size - 1) == 0) {
		rt_err e =
		    receive ? ot_base_recv(ch, p, choices, keys, n) : ot_base_send(ch, p, keys2, n);
		(void)e;
		fuzz_peer_finish(&pe, ch);
	}
	prg_free(p);
	return 0;
}
