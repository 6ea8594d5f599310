/* party.c: the two-party protocol around the garbler and the evaluator: handshake, base OT,
 * inputs (the garbler's as labels, the evaluator's through the correlated OT extension and a
 * correction), garbled tables (the next run's garbled ahead while the evaluator finishes a
 * run, the rest streamed), and outputs decoded only for the parties entitled to them.
 * Constructions: shared/PROTOCOL.md (free-XOR, half-gates eprint 2014/756, IKNP CRYPTO 2003).
 */
#include "party.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "gc.h"
#include "ot.h"

/* a chunk's tables are garbled and evaluated inside the channel's buffers */
_Static_assert((uint64_t)PARTY_CHUNK_GATES *GC_TABLE_BYTES <= NET_BUF_BYTES,
	       "a chunk's tables must fit the channel's buffer");

static const uint8_t HELLO_MAGIC[8] = {'M', 'P', 'C', 'C', 'H', 'E', 'L', 'O'};
enum {
	/* 2: the evaluator's input labels come with corrections; 3: session binding; 4: one
	 * direction at a time (the OT matrix before the garbler's labels, the decoding bits
	 * before the permute bits) */
	PROTOCOL_VERSION = PARTY_PROTOCOL_VERSION,
	HELLO_BYTES =
	    8 + 4 + 4 + 32 + 16 + 32, /* magic, version, party, identity, nonce, context */
	CONFIRM_BYTES = 32 + 16,      /* H(session id, role), the garbler's hash seed */
	ERR_BYTES = 320,
};

struct party {
	const struct circ_circuit *circ;
	uint32_t me;
	net_chan *ch;
	prg *prg;
	gc_garbler *g;
	gc_evaluator *e;
	gc_plan *plan; /* the circuit's schedule, made once; NULL: stream gates */
	ot_sender *ots;
	ot_receiver *otr;
	uint8_t identity[32];
	uint8_t context[32], session[32]; /* the caller's context; the session id */
	uint64_t my_bits, peer_bits;	  /* input bits of the garbler and of the evaluator */
	uint64_t eval_bits;		  /* the evaluator's input bits (OT count) */
	uint32_t *to_eval, *to_garb;	  /* output bit indices each side may learn */
	uint32_t nto_eval, nto_garb;
	uint8_t (*labels)[16]; /* input labels in transit (secret), two lists of nin_bits */
	uint64_t nlabels;
	uint8_t *ahead; /* the next run's first chunks of tables, garbled ahead */
	size_t ahead_cap, ahead_len, ahead_chunks;
	bool ahead_ready;      /* the garbler holds the next run, restarted and garbled ahead */
	bool garbled;	       /* the garbler has garbled a run: the next one restarts it */
	uint8_t *bits, *bits2; /* packed bits: inputs, decoding and permute bits */
	size_t bits_len;
	struct party_stats st;
	uint64_t runs;
	char err[ERR_BYTES];
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Records why err happened in phase and returns err. */
static rt_err fail(party *pt, rt_err err, const char *phase, const char *fmt, ...)
{
	char detail[ERR_BYTES / 2] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	} else if (pt->ch && *net_chan_errmsg(pt->ch)) {
		snprintf(detail, sizeof(detail), "%s", net_chan_errmsg(pt->ch));
	} else if (pt->g && *gc_garbler_error(pt->g)) {
		snprintf(detail, sizeof(detail), "%s", gc_garbler_error(pt->g));
	} else if (pt->e && *gc_evaluator_error(pt->e)) {
		snprintf(detail, sizeof(detail), "%s", gc_evaluator_error(pt->e));
	}
	snprintf(pt->err, sizeof(pt->err), "%s during %s%s%s", rt_err_str(err), phase,
		 *detail ? ": " : "", detail);
	return err;
}

const char *party_error(const party *pt)
{
	return pt ? pt->err : "out of memory";
}

void party_get_stats(const party *pt, struct party_stats *st)
{
	*st = pt->st;
	st->bytes_sent = net_bytes_sent(pt->ch);
	st->bytes_received = net_bytes_received(pt->ch);
}

void party_free(party *pt)
{
	if (!pt)
		return;
	gc_garbler_free(pt->g);
	gc_evaluator_free(pt->e);
	gc_plan_free(pt->plan);
	ot_sender_free(pt->ots);
	ot_receiver_free(pt->otr);
	secret_free(pt->labels, 2 * pt->nlabels * 16);
	rt_free(pt->ahead);
	secret_free(pt->bits, pt->bits_len);
	secret_free(pt->bits2, pt->bits_len);
	rt_free(pt->to_eval);
	rt_free(pt->to_garb);
	secret_wipe(pt, sizeof(*pt));
	rt_free(pt);
}

static bool learns(uint32_t to, uint32_t who)
{
	return to == CIRC_ALL || to == who;
}

/* The output bit indices party who may learn, in output order. */
static rt_err output_bits_for(const struct circ_circuit *c, uint32_t who, uint32_t **idx,
			      uint32_t *n)
{
	*n = 0;
	*idx = rt_calloc(c->nout_bits + 1, sizeof(uint32_t));
	if (!*idx)
		return RT_ERR_NOMEM;
	for (uint32_t k = 0; k < c->noutputs; k++)
		if (learns(c->outputs[k].to, who))
			for (uint32_t b = 0; b < c->outputs[k].width; b++)
				(*idx)[(*n)++] = c->outputs[k].first + b;
	return RT_OK;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int sha256_parts(uint8_t out[32], const void *const *parts, const size_t *lens, int n)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
	for (int i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(md, parts[i], lens[i]) == 1;
	ok = ok && EVP_DigestFinal_ex(md, out, NULL) == 1;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

static void hex8(char out[17], const uint8_t *b)
{
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Round one: both send a hello and check the other's: same protocol, same circuit, same
 * context, the other role. Each brings a fresh nonce; the session id is
 * SHA-256("mpcc session" || context || identity || garbler's nonce || evaluator's nonce). */
static rt_err hello(party *pt)
{
	uint8_t mine[HELLO_BYTES] = {0}, theirs[HELLO_BYTES], nonce[16];
	rt_err err = prg_bytes(pt->prg, nonce, sizeof(nonce));
	if (err)
		return fail(pt, err, "the handshake", NULL);
	memcpy(mine, HELLO_MAGIC, 8);
	put_u32(mine + 8, PROTOCOL_VERSION);
	put_u32(mine + 12, pt->me);
	memcpy(mine + 16, pt->identity, 32);
	memcpy(mine + 48, nonce, 16);
	memcpy(mine + 64, pt->context, 32);
	err = net_send(pt->ch, mine, sizeof(mine));
	if (!err)
		err = net_flush(pt->ch);
	if (!err)
		err = net_recv(pt->ch, theirs, sizeof(theirs));
	if (net_chan_peer_spoke_tls(pt->ch))
		return fail(pt, RT_ERR_PROTOCOL, "the handshake", NET_HINT_PEER_SPEAKS_TLS);
	if (err && net_chan_closed_before_a_byte(pt->ch))
		return fail(pt, err, "the handshake", "%s; " NET_HINT_PEER_WANTS_TLS,
			    net_chan_errmsg(pt->ch));
	if (err)
		return fail(pt, err, "the handshake", NULL);
	if (memcmp(theirs, HELLO_MAGIC, 8) != 0)
		return fail(pt, RT_ERR_PROTOCOL, "the handshake", "the peer is not an mpcc party");
	if (get_u32(theirs + 8) != PROTOCOL_VERSION)
		return fail(pt, RT_ERR_PROTOCOL, "the handshake",
			    "the peer speaks protocol version %u, we speak %u", get_u32(theirs + 8),
			    PROTOCOL_VERSION);
	uint32_t role = get_u32(theirs + 12);
	if (role != 1 - pt->me)
		return fail(pt, RT_ERR_PROTOCOL, "the handshake",
			    "the peer also runs as party %u (%s)", role,
			    role < pt->circ->nparties ? pt->circ->parties[role] : "?");
	char a[17], b[17];
	if (memcmp(theirs + 16, pt->identity, 32) != 0) {
		hex8(a, pt->identity);
		hex8(b, theirs + 16);
		return fail(pt, RT_ERR_PROTOCOL, "the handshake",
			    "the peer has a different circuit (identity %s..., ours %s...)", b, a);
	}
	if (memcmp(theirs + 64, pt->context, 32) != 0) {
		hex8(a, pt->context);
		hex8(b, theirs + 64);
		return fail(pt, RT_ERR_PROTOCOL, "the handshake",
			    "the peer runs another session set-up (context %s..., ours %s...): a "
			    "different parties file?",
			    b, a);
	}
	const uint8_t *ng = pt->me == PARTY_GARBLER ? nonce : theirs + 48;
	const uint8_t *ne = pt->me == PARTY_GARBLER ? theirs + 48 : nonce;
	const void *parts[] = {"mpcc session", pt->context, pt->identity, ng, ne};
	const size_t lens[] = {12, 32, 32, 16, 16};
	if (sha256_parts(pt->session, parts, lens, 5) != 0)
		return fail(pt, RT_ERR_CRYPTO, "the handshake", "SHA-256 failed");
	/* from here on this party's randomness is the session's own */
	err = prg_mix(pt->prg, pt->session, sizeof(pt->session));
	return err ? fail(pt, err, "the handshake", NULL) : RT_OK;
}

static int confirmation(const party *pt, uint32_t role, uint8_t out[32])
{
	uint8_t r = (uint8_t)role;
	const void *parts[] = {"mpcc confirm", pt->session, &r};
	const size_t lens[] = {12, 32, 1};
	return sha256_parts(out, parts, lens, 3);
}

/* Round two: each proves it computed the same session id (a message replayed from another
 * session fails here); the garbler's carries the hash seed, which the evaluator takes. */
static rt_err confirm(party *pt, uint8_t seed[16])
{
	uint8_t mine[CONFIRM_BYTES] = {0}, theirs[CONFIRM_BYTES], want[32];
	if (confirmation(pt, pt->me, mine) != 0 || confirmation(pt, 1 - pt->me, want) != 0)
		return fail(pt, RT_ERR_CRYPTO, "the handshake", "SHA-256 failed");
	if (pt->me == PARTY_GARBLER)
		memcpy(mine + 32, seed, 16);
	rt_err err = net_send(pt->ch, mine, sizeof(mine));
	if (!err)
		err = net_flush(pt->ch);
	if (!err)
		err = net_recv(pt->ch, theirs, sizeof(theirs));
	if (err)
		return fail(pt, err, "the handshake", NULL);
	if (!secret_equal(theirs, want, 32))
		return fail(pt, RT_ERR_PROTOCOL, "the handshake",
			    "the peer's confirmation belongs to another session (a replayed or "
			    "altered message)");
	if (pt->me == PARTY_EVALUATOR)
		memcpy(seed, theirs + 32, 16);
	return RT_OK;
}

void party_session_id(const party *pt, uint8_t id[32])
{
	memcpy(id, pt->session, 32);
}

rt_err party_new(party **out, const struct circ_circuit *circ, uint32_t me, net_chan *ch, prg *p)
{
	static const uint8_t none[32];
	return party_new_bound(out, circ, me, ch, p, none);
}

rt_err party_new_bound(party **out, const struct circ_circuit *circ, uint32_t me, net_chan *ch,
		       prg *p, const uint8_t context[32])
{
	uint8_t seed[16] = {0}, delta[16];
	rt_err err;
	party *pt = rt_calloc(1, sizeof(*pt));
	*out = pt;
	if (!pt)
		return RT_ERR_NOMEM;
	pt->circ = circ;
	pt->me = me;
	pt->ch = ch;
	pt->prg = p;
	memcpy(pt->context, context, 32);
	if (circ->nparties != 2 || me > 1)
		return fail(pt, RT_ERR_INPUT, "set-up",
			    "a two-party run needs a circuit of two "
			    "parties (this one has %u)",
			    circ->nparties);
	if (circ_identity(circ, pt->identity) != 0)
		return fail(pt, RT_ERR_INPUT, "set-up", "the circuit is invalid");
	if (circ->ngates <= PARTY_PLAN_MAX_GATES) {
		err = gc_plan_new(&pt->plan, circ, PARTY_CHUNK_GATES);
		if (err)
			return fail(pt, err, "set-up", "cannot schedule the circuit");
	}
	for (uint32_t k = 0; k < circ->ninputs; k++) {
		if (circ->inputs[k].party == PARTY_EVALUATOR)
			pt->eval_bits += circ->inputs[k].width;
	}
	pt->nlabels = circ->nin_bits;
	pt->bits_len =
	    (size_t)((circ->nin_bits > circ->nout_bits ? circ->nin_bits : circ->nout_bits) / 8 + 1);
	pt->labels = rt_calloc(2 * pt->nlabels + 1, 16);
	pt->bits = rt_calloc(pt->bits_len, 1);
	pt->bits2 = rt_calloc(pt->bits_len, 1);
	uint64_t table_bytes =
	    pt->plan ? 0 : gc_count_and(circ->gates, circ->ngates) * GC_TABLE_BYTES;
	for (size_t k = 0; pt->plan && k < gc_plan_chunks(pt->plan); k++)
		table_bytes += gc_plan_chunk_bytes(pt->plan, k);
	pt->ahead_cap = table_bytes < PARTY_AHEAD_BYTES ? (size_t)table_bytes : PARTY_AHEAD_BYTES;
	if (me == PARTY_GARBLER)
		pt->ahead = rt_alloc(pt->ahead_cap + 1);
	if (!pt->labels || !pt->bits || !pt->bits2 || (me == PARTY_GARBLER && !pt->ahead) ||
	    output_bits_for(circ, PARTY_EVALUATOR, &pt->to_eval, &pt->nto_eval) ||
	    output_bits_for(circ, PARTY_GARBLER, &pt->to_garb, &pt->nto_garb))
		return fail(pt, RT_ERR_NOMEM, "set-up", NULL);

	double t0 = now();
	err = hello(pt);
	if (err)
		return err;
	if (me == PARTY_GARBLER) {
		err = gc_garbler_new(&pt->g, circ, p);
		if (err)
			return fail(pt, err, "set-up", NULL);
		gc_garbler_seed(pt->g, seed);
	}
	err = confirm(pt, seed);
	if (err)
		return err;
	if (me == PARTY_GARBLER) {
		gc_garbler_delta(pt->g, delta);
		err = ot_sender_new(&pt->ots, ch, delta, p);
		secret_wipe(delta, sizeof(delta));
	} else {
		err = gc_evaluator_new(&pt->e, circ, seed);
		if (err)
			return fail(pt, err, "set-up", NULL);
		err = ot_receiver_new(&pt->otr, ch, p);
	}
	if (err)
		return fail(pt, err, "the base OTs", NULL);
	pt->st.base_ot_s = now() - t0;
	return RT_OK;
}

/* Packs the bits of this party's inputs, in input order, into pt->bits; returns the count. */
static uint64_t pack_my_inputs(party *pt, uint64_t *const *in)
{
	const struct circ_circuit *c = pt->circ;
	uint64_t n = 0;
	memset(pt->bits, 0, pt->bits_len);
	for (uint32_t k = 0; k < c->ninputs; k++) {
		if (c->inputs[k].party != pt->me)
			continue;
		for (uint32_t b = 0; b < c->inputs[k].width; b++, n++) {
			uint8_t bit = (uint8_t)((in[k][b / 64] >> (b % 64)) & 1);
			pt->bits[n / 8] |= (uint8_t)(bit << (n % 8));
		}
	}
	return n;
}

/* Gives the labels at src, in input order, to the inputs of party who (the evaluator's). */
static rt_err place_labels(party *pt, uint32_t who, uint8_t (*src)[16])
{
	const struct circ_circuit *c = pt->circ;
	uint64_t n = 0;
	for (uint32_t k = 0; k < c->ninputs; k++) {
		const struct circ_input *ci = &c->inputs[k];
		if (ci->party != who)
			continue;
		const uint8_t(*labels)[16] = (const uint8_t(*)[16])(src + n);
		rt_err err =
		    pt->g ? gc_garbler_set_input_labels(pt->g, ci->first, ci->width, labels)
			  : gc_evaluator_set_input_labels(pt->e, ci->first, ci->width, labels);
		if (err)
			return err;
		n += ci->width;
	}
	return RT_OK;
}

static uint64_t input_bits_of(const struct circ_circuit *c, uint32_t who)
{
	return circ_party_input_bits(c, who);
}

/* Output k's value from the bits d ^ s of its output bits: for the j-th bit this party may
 * learn (output bit idx[j]), one of d and s is this party's own, bit idx[j] of mine (all
 * nout_bits of them), the other the peer's, bit j of theirs (only the bits it sent). */
static void decode_outputs(party *pt, const uint32_t *idx, uint32_t n, const uint8_t *mine,
			   const uint8_t *theirs, uint64_t *const *out, bool *learned)
{
	const struct circ_circuit *c = pt->circ;
	for (uint32_t k = 0; k < c->noutputs; k++)
		learned[k] = false;
	for (uint32_t j = 0; j < n;) {
		uint32_t bit = idx[j];
		uint32_t k = 0;
		while (!(bit >= c->outputs[k].first &&
			 bit < c->outputs[k].first + c->outputs[k].width))
			k++;
		const struct circ_output *o = &c->outputs[k];
		memset(out[k], 0, circ_limbs(o->width) * sizeof(uint64_t));
		for (uint32_t b = 0; b < o->width; b++, j++) {
			uint64_t v =
			    ((mine[idx[j] / 8] >> (idx[j] % 8)) ^ (theirs[j / 8] >> (j % 8))) & 1;
			out[k][b / 64] |= v << (b % 64);
		}
		learned[k] = true;
	}
}

/* Packs the bits idx[0..n) of all (nout_bits packed bits) into dst. */
static void select_bits(uint8_t *dst, const uint8_t *all, const uint32_t *idx, uint32_t n)
{
	memset(dst, 0, (size_t)n / 8 + 1);
	for (uint32_t j = 0; j < n; j++)
		dst[j / 8] |= (uint8_t)(((all[idx[j] / 8] >> (idx[j] % 8)) & 1) << (j % 8));
}

/* The circuit's chunks of PARTY_CHUNK_GATES gates (the plan's, when there is one). */
static size_t chunk_count(const party *pt)
{
	uint64_t n = pt->circ->ngates;
	return (size_t)((n + PARTY_CHUNK_GATES - 1) / PARTY_CHUNK_GATES);
}

static size_t chunk_gates(const party *pt, size_t k)
{
	uint64_t left = pt->circ->ngates - (uint64_t)k * PARTY_CHUNK_GATES;
	return left < PARTY_CHUNK_GATES ? (size_t)left : PARTY_CHUNK_GATES;
}

/* The table bytes of chunk k. */
static size_t chunk_bytes(const party *pt, size_t k)
{
	if (pt->plan)
		return gc_plan_chunk_bytes(pt->plan, k);
	uint64_t pos = (uint64_t)k * PARTY_CHUNK_GATES;
	return (size_t)gc_count_and(pt->circ->gates + pos, chunk_gates(pt, k)) * GC_TABLE_BYTES;
}

/* Garbles chunk k into tables (cap bytes), setting *nb. */
static rt_err garble_chunk(party *pt, size_t k, uint8_t *tables, size_t cap, size_t *nb)
{
	if (pt->plan)
		return gc_garble_planned(pt->g, pt->plan, k, tables, cap, nb);
	uint64_t pos = (uint64_t)k * PARTY_CHUNK_GATES;
	return gc_garble_chunk(pt->g, pt->circ->gates + pos, chunk_gates(pt, k), tables, cap, nb);
}

/* Readies the next run: fresh zero labels for every input (the evaluator's too: the OT only
 * corrects them), then its tables, which depend on nothing else, garbled ahead into
 * pt->ahead as far as PARTY_AHEAD_BYTES allow. The end of a run calls it while the
 * evaluator finishes, so the garbler works instead of waiting. */
static rt_err garble_ahead(party *pt)
{
	double t0 = now();
	rt_err err = pt->garbled ? gc_garbler_restart(pt->g, pt->prg) : RT_OK;
	pt->ahead_len = pt->ahead_chunks = 0;
	size_t nchunks = chunk_count(pt);
	while (err == RT_OK && pt->ahead_chunks < nchunks &&
	       chunk_bytes(pt, pt->ahead_chunks) <= pt->ahead_cap - pt->ahead_len) {
		size_t nb;
		err = garble_chunk(pt, pt->ahead_chunks, pt->ahead + pt->ahead_len,
				   pt->ahead_cap - pt->ahead_len, &nb);
		pt->ahead_len += nb;
		pt->ahead_chunks++;
	}
	pt->garbled = true;
	pt->ahead_ready = err == RT_OK;
	pt->st.garble_s += now() - t0;
	return err;
}

/* The labels of the inputs of party who, in input order, into out: W^0 ^ x * delta for the
 * packed bits of x (all their inputs' bits one after another), or W^0 when bits is NULL. */
static rt_err garbler_labels(party *pt, uint32_t who, const uint8_t *bits, uint8_t (*out)[16])
{
	const struct circ_circuit *c = pt->circ;
	uint64_t off = 0;
	for (uint32_t k = 0; k < c->ninputs; k++) {
		const struct circ_input *ci = &c->inputs[k];
		if (ci->party != who)
			continue;
		/* the bits of input k start at bit off of bits */
		memset(pt->bits2, 0, pt->bits_len);
		for (uint32_t b = 0; bits && b < ci->width; b++) {
			uint64_t i = off + b;
			pt->bits2[b / 8] |= (uint8_t)(((bits[i / 8] >> (i % 8)) & 1) << (b % 8));
		}
		rt_err err =
		    gc_garbler_input_labels(pt->g, ci->first, ci->width, pt->bits2, out + off);
		if (err)
			return err;
		off += ci->width;
	}
	return RT_OK;
}

static rt_err run_garbler(party *pt, uint64_t *const *in, uint64_t *const *out, bool *learned)
{
	rt_err err = pt->ahead_ready ? RT_OK : garble_ahead(pt);
	if (err)
		return fail(pt, err, "garbling", NULL);
	pt->ahead_ready = false;
	double t0 = now();
	/* Inputs. The evaluator speaks first (its OT extension matrix, which we read whole), then
	 * we send our labels and the corrections: one direction at a time, so no message size
	 * can fill both sockets' buffers and leave each side blocked in a write. */
	/* my inputs: their active labels, in input order, ready while the matrix comes */
	uint64_t n = pack_my_inputs(pt, in);
	err = garbler_labels(pt, PARTY_GARBLER, pt->bits, pt->labels);
	if (err)
		return fail(pt, err, "input", NULL);
	/* the evaluator's inputs: the correlated OT gives q_i, the evaluator holding
	 * t_i = q_i ^ r_i delta; the correction W^0_i ^ q_i turns that into W^0_i ^ r_i delta */
	uint8_t(*q)[16] = pt->labels + pt->nlabels;
	if (pt->eval_bits) {
		err = ot_send_cot(pt->ots, q, pt->eval_bits);
		if (err)
			return fail(pt, err, "the OT extension", NULL);
	}
	err = net_send(pt->ch, pt->labels, n * 16);
	if (err)
		return fail(pt, err, "input", NULL);
	if (pt->eval_bits) {
		err = garbler_labels(pt, PARTY_EVALUATOR, NULL, pt->labels);
		if (err)
			return fail(pt, err, "the OT extension", NULL);
		for (uint64_t i = 0; i < pt->eval_bits; i++)
			for (int b = 0; b < 16; b++)
				pt->labels[i][b] ^= q[i][b];
		err = net_send(pt->ch, pt->labels, pt->eval_bits * 16);
		if (err)
			return fail(pt, err, "the OT extension", NULL);
	}
	double t1 = now();
	pt->st.ot_ext_s += t1 - t0;
	/* the tables garbled ahead, then the rest: each chunk leaves at once, so that the
	 * evaluator works on it while we garble the next */
	for (size_t k = 0, off = 0; k < pt->ahead_chunks; k++) {
		size_t nb = chunk_bytes(pt, k);
		err = net_send_now(pt->ch, pt->ahead + off, nb);
		if (err)
			return fail(pt, err, "garbling", NULL);
		off += nb;
	}
	pt->st.and_gates += pt->ahead_len / GC_TABLE_BYTES;
	size_t nchunks = chunk_count(pt);
	for (size_t k = pt->ahead_chunks; k < nchunks; k++) {
		size_t nb = 0, cap = (size_t)PARTY_CHUNK_GATES * GC_TABLE_BYTES;
		uint8_t *tables;
		err = net_send_reserve(pt->ch, cap, &tables); /* garbled in the channel's buffer */
		if (!err)
			err = garble_chunk(pt, k, tables, cap, &nb);
		if (!err)
			err = net_send_commit(pt->ch, nb);
		if (!err)
			err = net_flush(pt->ch);
		if (err)
			return fail(pt, err, "garbling", NULL);
		pt->st.and_gates += nb / GC_TABLE_BYTES;
	}
	double t2 = now();
	pt->st.garble_s += t2 - t1;
	/* outputs: decoding bits to the evaluator for what it may learn (they follow the
	 * tables); its permute bits come back for what we may learn once it has read them */
	err = gc_garbler_decoding_bits(pt->g, pt->bits);
	if (err)
		return fail(pt, err, "output", NULL);
	select_bits(pt->bits2, pt->bits, pt->to_eval, pt->nto_eval);
	err = net_send(pt->ch, pt->bits2, (pt->nto_eval + 7) / 8);
	if (!err)
		err = net_flush(pt->ch);
	if (err)
		return fail(pt, err, "output", NULL);
	/* while the evaluator finishes, the next run (our decoding bits stay in bits) */
	err = garble_ahead(pt);
	if (err)
		return fail(pt, err, "garbling", NULL);
	double t3 = now();
	err = net_recv(pt->ch, pt->bits2, (pt->nto_garb + 7) / 8);
	if (err)
		return fail(pt, err, "output", NULL);
	decode_outputs(pt, pt->to_garb, pt->nto_garb, pt->bits, pt->bits2, out, learned);
	pt->st.output_s += now() - t3;
	return RT_OK;
}

static rt_err run_evaluator(party *pt, uint64_t *const *in, uint64_t *const *out, bool *learned)
{
	const struct circ_circuit *c = pt->circ;
	rt_err err;
	double t0 = now();
	/* my inputs through the OT: choices are my input bits; the matrix leaves whole before
	 * we read (see run_garbler) */
	uint64_t n = pack_my_inputs(pt, in);
	if (n) {
		err = ot_recv_cot(pt->otr, pt->bits, pt->labels, n);
		if (err)
			return fail(pt, err, "the OT extension", NULL);
	}
	uint8_t(*recvd)[16] = pt->labels + pt->nlabels;
	uint64_t ng = input_bits_of(c, PARTY_GARBLER);
	err = net_recv(pt->ch, recvd, ng * 16);
	if (!err)
		err = place_labels(pt, PARTY_GARBLER, recvd);
	if (err)
		return fail(pt, err, "input", NULL);
	if (n) { /* t_i ^ (W^0_i ^ q_i) = W^0_i ^ r_i delta */
		err = net_recv(pt->ch, recvd, n * 16);
		if (err)
			return fail(pt, err, "the OT extension", NULL);
		for (uint64_t i = 0; i < n; i++)
			for (int b = 0; b < 16; b++)
				pt->labels[i][b] ^= recvd[i][b];
		err = place_labels(pt, PARTY_EVALUATOR, pt->labels);
		if (err)
			return fail(pt, err, "the OT extension", NULL);
	}
	double t1 = now();
	pt->st.ot_ext_s += t1 - t0;
	size_t nchunks = chunk_count(pt);
	for (size_t k = 0; k < nchunks; k++) {
		uint64_t pos = (uint64_t)k * PARTY_CHUNK_GATES;
		size_t n = chunk_gates(pt, k);
		size_t nb = pt->plan ? gc_plan_chunk_bytes(pt->plan, k)
				     : (size_t)gc_count_and(c->gates + pos, n) * GC_TABLE_BYTES;
		const uint8_t *tables; /* evaluated where the channel read them */
		err = net_recv_view(pt->ch, nb, &tables);
		if (err)
			return fail(pt, err, "garbling", NULL);
		err = pt->plan ? gc_eval_planned(pt->e, pt->plan, k, tables, nb)
			       : gc_eval_chunk(pt->e, c->gates + pos, n, tables, nb);
		if (err)
			return fail(pt, err, "garbling", NULL);
		pt->st.and_gates += nb / GC_TABLE_BYTES;
	}
	double t2 = now();
	pt->st.garble_s += t2 - t1;
	/* outputs: the garbler's decoding bits for what we may learn first (they followed the
	 * tables), then our permute bits for what it may learn: one direction at a time */
	err = gc_evaluator_output_bits(pt->e, pt->bits);
	if (!err)
		err = net_recv(pt->ch, pt->bits2, (pt->nto_eval + 7) / 8);
	if (err)
		return fail(pt, err, "output", NULL);
	decode_outputs(pt, pt->to_eval, pt->nto_eval, pt->bits, pt->bits2, out, learned);
	select_bits(pt->bits2, pt->bits, pt->to_garb, pt->nto_garb);
	err = net_send(pt->ch, pt->bits2, (pt->nto_garb + 7) / 8);
	if (!err)
		err = net_flush(pt->ch);
	if (err)
		return fail(pt, err, "output", NULL);
	pt->st.output_s += now() - t2;
	return RT_OK;
}

rt_err party_run(party *pt, uint64_t *const *in, uint64_t *const *out, bool *learned)
{
	rt_err err;
	if (pt->runs > 0 && pt->e) { /* a new evaluation: the garbler restarts ahead */
		err = gc_evaluator_restart(pt->e);
		if (err)
			return fail(pt, err, "set-up", NULL);
	}
	err = pt->me == PARTY_GARBLER ? run_garbler(pt, in, out, learned)
				      : run_evaluator(pt, in, out, learned);
	secret_wipe(pt->labels, 2 * pt->nlabels * 16);
	secret_wipe(pt->bits, pt->bits_len);
	secret_wipe(pt->bits2, pt->bits_len);
	pt->runs++;
	pt->st.runs = pt->runs;
	return err;
}
