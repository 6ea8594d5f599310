/* peer.h: what the protocol fuzz targets (fuzz_party.c, fuzz_ot.c, fuzz_net.c) and the seed
 * recorder (record.c) share.
 *
 * The fuzzed peer: a socketpair whose far end holds the fuzz input (its first FUZZ_INPUT_MAX
 * bytes), written before the session starts, and is then shut for sending: a read past the
 * input fails at once (no timeout is waited for). What the near end sends stays unread in
 * the socket, which has room for all of it (a party of peer.h's session sends some 12 KiB).
 * No thread: one input is one plain function call.
 *
 * The two-party session: a small fixed circuit (inputs and outputs of both parties and one
 * to both), fixed PRG seeds and inputs, two runs. record.c runs it between a real garbler
 * and a real evaluator and keeps the bytes each sent; fuzz_party.c plays one side with the
 * same seed, so a recorded peer's bytes replay exactly and a mutation of a later message
 * gets past the handshake (whose confirmation hashes both sides' nonces).
 */
#ifndef MPCC_FUZZ_PEER_H
#define MPCC_FUZZ_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "circuit.h"
#include "net.h"
#include "server.h"

enum {
	FUZZ_TIMEOUT_MS = 2000,	  /* bounds a wait; the peer's closing normally ends one first */
	FUZZ_OT_MAX = 4,	  /* fuzz_ot: most base OTs per input */
	FUZZ_INPUT_MAX = 1 << 16, /* bytes of an input the peer sends (run.sh's -max_len) */
	FUZZ_SERVER_PORT = 47211, /* fuzz_server_session's garbler; the evaluator's is next */
};

struct fuzz_peer {
	int fd; /* the far end */
};

/* Starts the peer on data; *ch becomes the near end. 0, or -1 (nothing to finish). */
int fuzz_peer_start(struct fuzz_peer *pe, net_chan **ch, const uint8_t *data, size_t size);
/* Frees ch (closing the near end) and closes the far end. */
void fuzz_peer_finish(struct fuzz_peer *pe, net_chan *ch);

/* The session's circuit, built at the first call (NULL when out of memory): make that call
 * before threads start. */
const struct circ_circuit *fuzz_circuit(void);
/* Plays party me (PARTY_GARBLER or PARTY_EVALUATOR) of the session over ch: party_new with
 * me's fixed seed, then two runs with me's fixed inputs. 0 when everything succeeded. */
int fuzz_party_session(net_chan *ch, uint32_t me);

/* A server-aided session (server.h), made once: compute parties g and e, at 127.0.0.1 ports
 * FUZZ_SERVER_PORT and FUZZ_SERVER_PORT + 1, and the input party alice, whose 8-bit input
 * gives an output to all and one to her. Sets the session indices of g and of alice (either
 * pointer may be NULL). NULL when it cannot be made. */
sa *fuzz_server_session(uint32_t *garbler, uint32_t *alice);

#endif
