/* server.h: many parties, server-aided (shared/PROTOCOL.md, "Many parties").
 *
 * A session names every party in a parties file: two compute parties (the garbler and the
 * evaluator, who must not collude) and any number of input parties. The compute parties run
 * the two-party protocol of party.h on a "compute circuit" made from the program's circuit:
 *
 *   - an input of a compute party goes in directly;
 *   - an input of an input party arrives as two XOR shares, x = x_G ^ x_E, one from each side;
 *     the circuit rebuilds x with free XOR gates;
 *   - a sum group (CIRC_SUM, circuit.h) arrives as additive shares mod 2^width; each side adds
 *     its shares (and its own value, if it is a member) and the circuit adds the two totals
 *     (width - 1 ANDs), so the circuit does not grow with the number of parties;
 *   - an output addressed to an input party leaves masked: the party sends XOR shares of a
 *     random mask m, the circuit outputs value ^ m to both compute parties, and they pass it
 *     on; neither compute party learns the value. Outputs to all go to everyone in the clear.
 *
 * The wire protocol (each message over a net_chan):
 *   connecting side -> accepting side   hello: "MPCCSA1\0", name, circuit identity, session
 *                                        digest (SHA-256 of the parties list)
 *   accepting side -> connecting side   status: ok, or why the session cannot go on
 *   input party -> each compute party   its shares, then its output masks' shares
 *   compute party <-> compute party     status once every party has shown up (or not)
 *   garbler <-> evaluator               the two-party protocol (party.h)
 *   compute party -> input party        status, then the outputs it may learn
 * so no input leaves a party before the compute parties confirmed they hold the same circuit
 * and the same parties list. A party that does not show up before the deadline, or fails
 * midway, ends the session on every party still there, with a message naming it.
 */
#ifndef MPCC_SERVER_H
#define MPCC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "circuit.h"
#include "net.h"
#include "party.h"
#include "rt.h"

enum sa_role { SA_INPUT = 0, SA_GARBLER, SA_EVALUATOR };

enum {
	SA_ERR_BYTES = 512,	  /* room for an error message */
	SA_MAX_PARTIES = 1 << 16, /* most parties in a session */
	SA_MAX_ADDR = 255,
};

struct sa_party {
	char *name;
	enum sa_role role;
	char *addr;	/* HOST:PORT where a compute party listens; NULL for input parties */
	bool has_fp;	/* a pinned certificate fingerprint */
	uint8_t fp[32];
};

/* A parties file, parsed. */
struct sa_session {
	uint32_t n;
	struct sa_party *p;
	uint32_t *by_name; /* indices of p sorted by name (for sa_session_find), or NULL */
	uint32_t garbler, evaluator; /* indices into p */
	bool has_identity;	     /* the file pins the circuit's identity */
	uint8_t identity[32];
};

/* Parses a parties file's text (the format is in README.md: one party per line,
 * "NAME ROLE [HOST:PORT] [sha256:HEX]", NAME[A..B] for a range, "circuit HEX" to pin the
 * circuit, # comments). Returns 0, or -1 with "FILE:LINE: why" in err. */
int sa_session_parse(struct sa_session *s, const char *text, size_t len, const char *fname,
		     char err[SA_ERR_BYTES]);
int sa_session_load(struct sa_session *s, const char *path, char err[SA_ERR_BYTES]);
void sa_session_free(struct sa_session *s);
/* Index of the party named name, or -1. */
int64_t sa_session_find(const struct sa_session *s, const char *name);

typedef struct sa sa;

/* Joins a circuit and a session: checks that every party of the circuit is in the session
 * and every input party of the session in the circuit, and that a pinned identity matches,
 * and builds the compute circuit. Borrows c and s for the handle's life. */
RT_MUST_CHECK rt_err sa_new(sa **out, const struct circ_circuit *c, const struct sa_session *s,
			    char err[SA_ERR_BYTES]);
void sa_free(sa *x);
/* The two-party circuit the compute parties run (owned by x). */
const struct circ_circuit *sa_compute_circuit(const sa *x);

/* From now on, party me talks TLS 1.3 with identity t (borrowed for x's life): it refuses
 * any peer whose certificate is not the one the parties file pins for the party it claims to
 * be, and is refused likewise. Every party must have a pinned fingerprint (RT_ERR_INPUT names
 * the first without), and t must be me's pinned one (RT_ERR_AUTH). Without this call the
 * session runs over plain TCP: no secrecy from the network and no proof of who is who. */
RT_MUST_CHECK rt_err sa_use_tls(sa *x, net_tls_ctx *t, uint32_t me, char err[SA_ERR_BYTES]);

/* Times and traffic of a compute party. */
struct sa_stats {
	double collect_s;	/* from the start until every party had shown up */
	double deliver_s;	/* sending the outputs to the input parties */
	struct party_stats run; /* the two-party protocol */
	uint64_t bytes_from_inputs, bytes_to_inputs;
};

/* Runs compute party me (session index of the garbler or the evaluator). listen_fd is a
 * listening socket at its address (the caller's; not closed). in[k] holds the value of the
 * circuit's input k for every input of me's own circuit party, if it has one. out and
 * learned as party_run(), for the outputs me may learn. timeout_ms bounds the wait for every
 * party to show up, and every later wait. */
RT_MUST_CHECK rt_err sa_compute(sa *x, uint32_t me, int listen_fd, int timeout_ms,
				uint64_t *const *in, uint64_t *const *out, bool *learned,
				struct sa_stats *st, char err[SA_ERR_BYTES]);

/* A session of the two compute parties alone (no input parties: e.g. a two-party program
 * with sum groups), over an open channel to the other: runs the compute circuit. */
RT_MUST_CHECK rt_err sa_pair(sa *x, uint32_t me, net_chan *ch, uint64_t *const *in,
			     uint64_t *const *out, bool *learned, struct sa_stats *st,
			     char err[SA_ERR_BYTES]);

typedef struct sa_input sa_input;

/* Input party me, in two steps so that one process can play many parties: sa_input_start
 * connects to both compute parties (retrying until timeout_ms), has the circuit confirmed and
 * sends the shares of in[k] (every input of me); sa_input_finish waits for the outputs (up to
 * twice timeout_ms plus 5 s: the compute parties first wait for everyone) and frees h. */
RT_MUST_CHECK rt_err sa_input_start(sa_input **h, const sa *x, uint32_t me, int timeout_ms,
				    uint64_t *const *in, char err[SA_ERR_BYTES]);
RT_MUST_CHECK rt_err sa_input_finish(sa_input *h, uint64_t *const *out, bool *learned,
				     char err[SA_ERR_BYTES]);
void sa_input_free(sa_input *h); /* for a start that is never finished; NULL is a no-op */

#endif
