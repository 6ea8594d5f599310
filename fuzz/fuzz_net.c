/* fuzz_net.c: libFuzzer target for the channel's message framing (net.h): the input is the
 * peer's bytes, read as messages (an 8-byte little-endian length, then the bytes) with
 * net_recv_msg into a buffer of 4 KiB until one is refused or the input ends; a length over
 * the buffer must be RT_ERR_PROTOCOL without a read past it or an allocation. */
#include <stdint.h>

#include "peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[4096];
	struct fuzz_peer pe;
	net_chan *ch;
	if (fuzz_peer_start(&pe, &ch, data, size) != 0)
		return 0;
	size_t len = 0;
	rt_err e;
	while ((e = net_recv_msg(ch, buf, sizeof(buf), &len)) == RT_OK)
		if (len > sizeof(buf))
			__builtin_trap();
	fuzz_peer_finish(&pe, ch);
	return 0;
}
