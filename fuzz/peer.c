/* peer.c: the fuzzed peer and the fixed two-party session of peer.h. */
#include "peer.h"

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "party.h"
#include "prg.h"

int fuzz_peer_start(struct fuzz_peer *pe, net_chan **ch, const uint8_t *data, size_t size)
{
	int sv[2];
	*ch = NULL;
	if (size > FUZZ_INPUT_MAX)
		size = FUZZ_INPUT_MAX;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -1;
	/* the whole input waits in the socket: a blocking send cannot stall on it */
	int room = 4 * FUZZ_INPUT_MAX;
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &room, sizeof(room));
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &room, sizeof(room));
	for (size_t off = 0; off < size;) {
		ssize_t k = send(sv[1], data + off, size - off, MSG_NOSIGNAL);
		if (k < 0 && errno != EINTR) {
			close(sv[0]);
			close(sv[1]);
			return -1;
		}
		off += k > 0 ? (size_t)k : 0;
	}
	shutdown(sv[1], SHUT_WR);
	pe->fd = sv[1];
	if (net_chan_new(ch, sv[0], FUZZ_TIMEOUT_MS) != RT_OK) { /* closes sv[0] */
		close(sv[1]);
		return -1;
	}
	net_chan_set_spin(*ch, 0);
	return 0;
}

void fuzz_peer_finish(struct fuzz_peer *pe, net_chan *ch)
{
	net_chan_free(ch);
	close(pe->fd);
}

/* ---- the session ---- */

enum { WIDTH = 8 };

static int64_t gate(struct circ_circuit *c, enum circ_gate_kind k, int64_t a, int64_t b)
{
	return a < 0 || b < 0 ? -1 : circ_add_gate(c, k, (uint32_t)a, (uint32_t)b);
}

/* x (the garbler's) and y (the evaluator's), 8 bits each: x < y to both, x + y to the
 * evaluator, x ^ y and a constant bit to the garbler. Every gate kind occurs. */
static struct circ_circuit *build_circuit(void)
{
	struct circ_circuit *c = circ_new();
	if (!c || circ_add_party(c, "garbler") != 0 || circ_add_party(c, "evaluator") != 1 ||
	    circ_add_input(c, "x", WIDTH, 0, 0) != 0 || circ_add_input(c, "y", WIDTH, 0, 1) != 1) {
		circ_free(c);
		return NULL;
	}
	uint32_t sum[WIDTH], xor[WIDTH + 1], lt;
	int64_t carry = gate(c, GATE_CONST, 0, 0), borrow = carry;
	for (uint32_t i = 0; i < WIDTH; i++) {
		int64_t x = i, y = WIDTH + i, d = gate(c, GATE_XOR, x, y);
		int64_t s = gate(c, GATE_XOR, d, carry);
		/* carry' = x y ^ carry (x ^ y); borrow' = !x y ^ !(x ^ y) borrow; one gate per
		 * statement, so that every compiler adds them in the same order */
		int64_t xy = gate(c, GATE_AND, x, y), cd = gate(c, GATE_AND, carry, d);
		carry = gate(c, GATE_XOR, xy, cd);
		int64_t nx = gate(c, GATE_NOT, x, 0), nd = gate(c, GATE_NOT, d, 0);
		int64_t nxy = gate(c, GATE_AND, nx, y), ndb = gate(c, GATE_AND, nd, borrow);
		borrow = gate(c, GATE_XOR, nxy, ndb);
		if (s < 0 || carry < 0 || borrow < 0) {
			circ_free(c);
			return NULL;
		}
		xor[i] = (uint32_t)d;
		sum[i] = (uint32_t)s;
	}
	int64_t one = gate(c, GATE_CONST, 1, 0);
	xor[WIDTH] = (uint32_t)one;
	lt = (uint32_t)borrow;
	struct circ_err err;
	if (one < 0 || circ_add_output(c, "lt", 1, 0, CIRC_ALL, &lt) < 0 ||
	    circ_add_output(c, "sum", WIDTH, 0, 1, sum) < 0 ||
	    circ_add_output(c, "xor", WIDTH + 1, 0, 0, xor) < 0 || circ_validate(c, &err) != 0) {
		circ_free(c);
		return NULL;
	}
	return c;
}

const struct circ_circuit *fuzz_circuit(void)
{
	static struct circ_circuit *c;
	if (!c)
		c = build_circuit();
	return c;
}

int fuzz_party_session(net_chan *ch, uint32_t me)
{
	const struct circ_circuit *c = fuzz_circuit();
	uint8_t seed[16] = {'f', 'u', 'z', 'z', (uint8_t)me};
	prg *p = NULL;
	party *pt = NULL;
	if (!c || prg_new_seeded(&p, seed) != RT_OK)
		return -1;
	int bad = party_new(&pt, c, me, ch, p) != RT_OK;
	for (uint64_t run = 0; run < 2 && !bad; run++) {
		uint64_t x = 0x5a + run, y = 0xa7 - 3 * run, out[3] = {0};
		uint64_t *in[2] = {&x, &y}, *outs[3] = {&out[0], &out[1], &out[2]};
		bool learned[3];
		bad = party_run(pt, in, outs, learned) != RT_OK;
	}
	party_free(pt);
	prg_free(p);
	return bad;
}

sa *fuzz_server_session(uint32_t *garbler, uint32_t *alice)
{
	static struct circ_circuit *c;
	static struct sa_session s;
	static sa *x;
	if (!x) {
		char parties[256], err[SA_ERR_BYTES];
		uint32_t y[8] = {0, 1, 2, 3, 4, 5, 6, 7}, z[1] = {9};
		struct circ_err cerr;
		int n = snprintf(parties, sizeof(parties),
				 "g garbler 127.0.0.1:%d\ne evaluator 127.0.0.1:%d\nalice input\n",
				 FUZZ_SERVER_PORT, FUZZ_SERVER_PORT + 1);
		c = circ_new();
		if (!c || circ_add_party(c, "alice") != 0 || circ_add_input(c, "x", 8, 0, 0) != 0 ||
		    circ_add_gate(c, GATE_XOR, 0, 1) < 0 || circ_add_gate(c, GATE_AND, 2, 8) < 0 ||
		    circ_add_output(c, "y", 8, 0, 0, y) < 0 ||
		    circ_add_output(c, "z", 1, 0, CIRC_ALL, z) < 0 ||
		    circ_validate(c, &cerr) != 0 ||
		    sa_session_parse(&s, parties, (size_t)n, "fuzz.parties", err) != 0 ||
		    sa_new(&x, c, &s, err) != RT_OK)
			return NULL;
	}
	if (garbler)
		*garbler = (uint32_t)sa_session_find(&s, "g");
	if (alice)
		*alice = (uint32_t)sa_session_find(&s, "alice");
	return x;
}
