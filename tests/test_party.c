/* test_party.c: the two-party protocol end to end. The garbler runs in a fork()ed child over
 * a socketpair(), the evaluator in the test; both parties' outputs must equal the plaintext
 * evaluator's, each party must learn only what is addressed to it, and a peer that closes,
 * stalls or speaks nonsense must end the run with a clear error within the timeout. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "circuit.h"
#include "gc.h"
#include "net.h"
#include "party.h"
#include "prg.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng_state = 0x243f6a8885a308d3u;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t **alloc_values(uint32_t n, const uint32_t *widths)
{
	uint64_t **v = calloc(n + 1, sizeof(*v));
	for (uint32_t i = 0; i < n; i++)
		v[i] = calloc(circ_limbs(widths[i]) + 1, 8);
	return v;
}

static void free_values(uint64_t **v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct result {
	uint64_t **out[2];
	bool *learned[2];
	rt_err err[2];
	char why[2][320];
};

static uint32_t *widths_of_outputs(const struct circ_circuit *c)
{
	uint32_t *w = calloc(c->noutputs + 1, 4);
	for (uint32_t k = 0; k < c->noutputs; k++)
		w[k] = c->outputs[k].width;
	return w;
}

/* One party's whole life over fd. seed NULL: a random PRG. */
static rt_err play(const struct circ_circuit *c, uint32_t me, int fd, int timeout_ms,
		   const uint8_t *seed, uint64_t *const *in, uint64_t *const *out, bool *learned,
		   char *why, size_t whylen)
{
	net_chan *ch = NULL;
	prg *p = NULL;
	party *pt = NULL;
	rt_err err = net_chan_new(&ch, fd, timeout_ms);
	if (!err)
		err = seed ? prg_new_seeded(&p, seed) : prg_new_random(&p);
	if (!err)
		err = party_new(&pt, c, me, ch, p);
	if (!err)
		err = party_run(pt, in, out, learned);
	if (err)
		snprintf(why, whylen, "%s", pt ? party_error(pt) : rt_err_str(err));
	party_free(pt);
	prg_free(p);
	net_chan_free(ch);
	return err;
}

/* Runs both parties: the garbler in a child, which reports through a pipe. */
static void run_pair(const struct circ_circuit *c, uint64_t *const *in, struct result *r)
{
	int sv[2], pp[2];
	uint32_t *w = widths_of_outputs(c);
	for (int p = 0; p < 2; p++) {
		r->out[p] = alloc_values(c->noutputs, w);
		r->learned[p] = calloc(c->noutputs + 1, sizeof(bool));
	}
	free(w);
	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	cr_assert(pipe(pp) == 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		close(sv[1]);
		close(pp[0]);
		char why[320] = "";
		rt_err err = play(c, PARTY_GARBLER, sv[0], 10000, NULL, in, r->out[0],
				  r->learned[0], why, sizeof(why));
		int32_t e = (int32_t)err;
		bool ok = write(pp[1], &e, 4) == 4 && write(pp[1], why, sizeof(why)) == sizeof(why);
		for (uint32_t k = 0; ok && k < c->noutputs; k++)
			ok = write(pp[1], &r->learned[0][k], 1) == 1 &&
			     write(pp[1], r->out[0][k], circ_limbs(c->outputs[k].width) * 8) ==
				 (ssize_t)(circ_limbs(c->outputs[k].width) * 8);
		_exit(ok ? 0 : 1);
	}
	close(sv[0]);
	close(pp[1]);
	r->err[1] = play(c, PARTY_EVALUATOR, sv[1], 10000, NULL, in, r->out[1], r->learned[1],
			 r->why[1], sizeof(r->why[1]));
	int32_t e = -1;
	FILE *f = fdopen(pp[0], "rb");
	cr_assert(fread(&e, 4, 1, f) == 1, "the garbler died");
	cr_assert(fread(r->why[0], sizeof(r->why[0]), 1, f) == 1);
	r->err[0] = (rt_err)e;
	for (uint32_t k = 0; k < c->noutputs; k++) {
		cr_assert(fread(&r->learned[0][k], 1, 1, f) == 1);
		cr_assert(fread(r->out[0][k], circ_limbs(c->outputs[k].width) * 8, 1, f) == 1);
	}
	fclose(f);
	int st;
	cr_assert(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void free_result(const struct circ_circuit *c, struct result *r)
{
	for (int p = 0; p < 2; p++) {
		free_values(r->out[p], c->noutputs);
		free(r->learned[p]);
	}
}

/* Random inputs; both parties' outputs equal circ_eval_values'. */
static void check_random(const struct circ_circuit *c, int rounds)
{
	uint32_t *wi = calloc(c->ninputs + 1, 4), *wo = widths_of_outputs(c);
	for (uint32_t k = 0; k < c->ninputs; k++)
		wi[k] = c->inputs[k].width;
	for (int r = 0; r < rounds; r++) {
		uint64_t **in = alloc_values(c->ninputs, wi),
			 **want = alloc_values(c->noutputs, wo);
		for (uint32_t k = 0; k < c->ninputs; k++) {
			for (size_t l = 0; l < circ_limbs(wi[k]); l++)
				in[k][l] = rnd();
			if (wi[k] % 64)
				in[k][circ_limbs(wi[k]) - 1] &= ((uint64_t)1 << (wi[k] % 64)) - 1;
		}
		cr_assert(circ_eval_values(c, in, want) == 0);
		struct result res;
		run_pair(c, in, &res);
		for (int p = 0; p < 2; p++)
			cr_assert_eq(res.err[p], RT_OK, "party %d: %s", p, res.why[p]);
		for (uint32_t k = 0; k < c->noutputs; k++)
			for (int p = 0; p < 2; p++) {
				bool may =
				    c->outputs[k].to == CIRC_ALL || c->outputs[k].to == (uint32_t)p;
				cr_assert_eq(res.learned[p][k], may, "output %u party %d", k, p);
				if (may)
					cr_assert(memcmp(res.out[p][k], want[k],
							 circ_limbs(wo[k]) * 8) == 0,
						  "output %s differs for party %d",
						  c->outputs[k].name, p);
			}
		free_result(c, &res);
		free_values(in, c->ninputs);
		free_values(want, c->noutputs);
	}
	free(wi);
	free(wo);
}

static struct circ_circuit *load_shared(const char *name)
{
	const char *dir = getenv("MPCC_BRISTOL_DIR");
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "../shared/circuits/bristol", name);
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "NOTICE: %s not found; skipping\n", path);
		cr_skip_test("shared Bristol circuits not found");
	}
	struct circ_circuit *c;
	struct circ_err err;
	cr_assert(circ_load(&c, path, CIRC_FMT_AUTO, NULL, &err) == 0, "%s", err.msg);
	return c;
}

TestSuite(party, .timeout = 120);

static const char *const shared[] = {
    "adder64.txt",
    "sub64.txt",
    "neg64.txt",
    "mult64.txt",
    "mult2_64.txt",
    "divide64.txt",
    "udivide64.txt",
    "zero_equal.txt",
    "aes_128.txt",
    "aes_192.txt",
    "aes_256.txt",
    "sha256.txt",
    "FP-add.txt",
    "FP-mul.txt",
    "FP-eq.txt",
    "FP-lt.txt",
    "FP-f2i.txt",
    "FP-i2f.txt",
    "FP-floor.txt",
    "FP-ceil.txt",
    "bristol_format/AES-non-expanded.txt",
    "bristol_format/adder_32bit.txt",
    "bristol_format/sha-1.txt",
    "bristol_format/sha-256.txt",
};

ParameterizedTestParameters(party, bristol_garbled_equals_plaintext)
{
	static size_t idx[ARRAY_LEN(shared)];
	for (size_t i = 0; i < ARRAY_LEN(shared); i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, ARRAY_LEN(shared));
}

ParameterizedTest(size_t *i, party, bristol_garbled_equals_plaintext)
{
	struct circ_circuit *c = load_shared(shared[*i]);
	check_random(c, 2);
	circ_free(c);
}

Test(party, aes128_fips197_through_the_protocol)
{
	struct circ_circuit *c = load_shared("aes_128.txt");
	uint64_t key[2], pt[2], want[2];
	struct circ_err err;
	cr_assert(circ_value_parse(key, 128, false, "0x000102030405060708090a0b0c0d0e0f", &err) ==
		  0);
	cr_assert(circ_value_parse(pt, 128, false, "0x00112233445566778899aabbccddeeff", &err) ==
		  0);
	cr_assert(circ_value_parse(want, 128, false, "0x69c4e0d86a7b0430d8cdb78070b4c55a", &err) ==
		  0);
	uint64_t *in[2] = {key, pt};
	struct result r;
	run_pair(c, in, &r);
	cr_assert_eq(r.err[0], RT_OK, "%s", r.why[0]);
	cr_assert_eq(r.err[1], RT_OK, "%s", r.why[1]);
	cr_assert(memcmp(r.out[0][0], want, 16) == 0 && memcmp(r.out[1][0], want, 16) == 0);
	free_result(c, &r);
	circ_free(c);
}

/* A random circuit over both parties' inputs with every gate kind and outputs addressed to
 * p0, p1 and all. */
static struct circ_circuit *random_circuit(uint32_t ngates)
{
	struct circ_circuit *c = circ_new();
	circ_add_party(c, "alice");
	circ_add_party(c, "bob");
	circ_add_input(c, "a", 13, 0, 0);
	circ_add_input(c, "b", 20, 0, 1);
	circ_add_input(c, "a2", 3, 0, 0);
	for (uint32_t g = 0; g < ngates; g++) {
		uint32_t w = (uint32_t)circ_nwires(c);
		uint32_t kind = (uint32_t)(rnd() % 10);
		kind = kind < 4 ? GATE_AND : kind < 8 ? GATE_XOR : kind < 9 ? GATE_NOT : GATE_CONST;
		uint32_t a = (uint32_t)(rnd() % w), b = (uint32_t)(rnd() % w);
		if (kind == GATE_NOT)
			b = 0;
		if (kind == GATE_CONST) {
			a = (uint32_t)(rnd() & 1);
			b = 0;
		}
		cr_assert(circ_add_gate(c, kind, a, b) >= 0);
	}
	uint32_t nw = (uint32_t)circ_nwires(c), w[40];
	const uint32_t to[3] = {0, 1, CIRC_ALL};
	const char *names[3] = {"for_alice", "for_bob", "for_all"};
	for (int o = 0; o < 3; o++) {
		for (int k = 0; k < 40; k++)
			w[k] = nw - 1 - (uint32_t)(rnd() % (nw / 2));
		cr_assert(circ_add_output(c, names[o], 40, 0, to[o], w) >= 0);
	}
	struct circ_err err;
	cr_assert(circ_validate(c, &err) == 0, "%s", err.msg);
	return c;
}

Test(party, random_circuits_each_party_learns_only_its_outputs)
{
	for (int t = 0; t < 4; t++) {
		struct circ_circuit *c = random_circuit(500 + 700 * (uint32_t)t);
		check_random(c, 2);
		circ_free(c);
	}
}

Test(party, no_leaks)
{
	size_t before = rt_alloc_live();
	struct circ_circuit *c = random_circuit(300);
	check_random(c, 1);
	circ_free(c);
	cr_assert_eq(rt_alloc_live(), before);
}

/* ---- a peer that misbehaves ---- */

/* Runs the evaluator against a child that does something else, with a short timeout. */
static rt_err against(void (*peer)(int fd, const struct circ_circuit *c),
		      const struct circ_circuit *c, char *why, double *seconds)
{
	int sv[2];
	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		close(sv[1]);
		peer(sv[0], c);
		_exit(0);
	}
	close(sv[0]);
	uint32_t w[4] = {64, 64, 64, 64};
	uint64_t **in = alloc_values(c->ninputs, w), **out = alloc_values(c->noutputs, w);
	bool learned[4];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rt_err err = play(c, PARTY_EVALUATOR, sv[1], 300, NULL, in, out, learned, why, 320);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	free_values(in, c->ninputs);
	free_values(out, c->noutputs);
	return err;
}

/* A real garbler that stops after the handshake and base OTs. */
static void quits_after_setup(int fd, const struct circ_circuit *c)
{
	net_chan *ch;
	prg *p;
	party *pt;
	if (net_chan_new(&ch, fd, 2000) || prg_new_random(&p))
		return;
	if (party_new(&pt, c, PARTY_GARBLER, ch, p) == RT_OK)
		net_chan_free(ch); /* close without another word */
}

static void stalls_after_setup(int fd, const struct circ_circuit *c)
{
	net_chan *ch;
	prg *p;
	party *pt;
	if (net_chan_new(&ch, fd, 2000) || prg_new_random(&p))
		return;
	if (party_new(&pt, c, PARTY_GARBLER, ch, p) == RT_OK)
		pause();
}

static void speaks_nonsense(int fd, const struct circ_circuit *c)
{
	(void)c;
	char junk[256]; /* more than a hello */
	memset(junk, 'x', sizeof(junk));
	if (write(fd, junk, sizeof(junk)) < 0)
		return;
	sleep(2);
}

static void says_too_little(int fd, const struct circ_circuit *c)
{
	(void)c;
	if (write(fd, "MPCCHELO", 8) < 0)
		return;
	close(fd);
}

Test(party, peer_that_closes_midway_is_an_io_error)
{
	struct circ_circuit *c = load_shared("adder64.txt");
	char why[320];
	double s;
	rt_err err = against(quits_after_setup, c, why, &s);
	cr_assert_eq(err, RT_ERR_IO, "%s: %s", rt_err_str(err), why);
	cr_assert(strstr(why, "during") != NULL, "%s", why);
	cr_assert(s < 5, "took %.1f s", s);
	circ_free(c);
}

Test(party, peer_that_stalls_times_out)
{
	struct circ_circuit *c = load_shared("adder64.txt");
	char why[320];
	double s;
	rt_err err = against(stalls_after_setup, c, why, &s);
	cr_assert_eq(err, RT_ERR_TIMEOUT, "%s: %s", rt_err_str(err), why);
	cr_assert(s < 5, "took %.1f s", s);
	circ_free(c);
}

Test(party, peer_that_is_not_mpcc_is_a_protocol_error)
{
	struct circ_circuit *c = load_shared("adder64.txt");
	char why[320];
	double s;
	rt_err err = against(speaks_nonsense, c, why, &s);
	cr_assert_eq(err, RT_ERR_PROTOCOL, "%s: %s", rt_err_str(err), why);
	cr_assert(strstr(why, "not an mpcc party") != NULL, "%s", why);
	err = against(says_too_little, c, why, &s);
	cr_assert_eq(err, RT_ERR_IO, "%s: %s", rt_err_str(err), why);
	circ_free(c);
}

/* ---- session binding ---- */

static uint8_t recorded[96 + 48]; /* a real garbler's hello and confirmation */

static void read_exactly(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, buf + got, n - got);
		cr_assert(k > 0, "the garbler stopped after %zu bytes", got);
		got += (size_t)k;
	}
}

/* Records what a real garbler sends in a session with a (fake) evaluator whose hello is
 * well formed: the garbler's hello, then its confirmation of the session id. */
static void record_garbler(const struct circ_circuit *c)
{
	int sv[2];
	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		close(sv[1]);
		uint32_t w[4] = {64, 64, 64, 64};
		uint64_t **in = alloc_values(c->ninputs, w), **out = alloc_values(c->noutputs, w);
		bool learned[4];
		char why[320];
		play(c, PARTY_GARBLER, sv[0], 2000, NULL, in, out, learned, why, sizeof(why));
		_exit(0);
	}
	close(sv[0]);
	uint8_t hello[96] = {'M', 'P', 'C', 'C', 'H', 'E', 'L', 'O'};
	hello[8] = PARTY_PROTOCOL_VERSION; /* 32 bits little-endian, then the party: 1 */
	hello[12] = 1;
	cr_assert(circ_identity(c, hello + 16) == 0);
	memset(hello + 48, 0x5a, 16); /* the nonce */
	cr_assert(write(sv[1], hello, sizeof(hello)) == (ssize_t)sizeof(hello));
	read_exactly(sv[1], recorded, sizeof(recorded));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(sv[1]);
}

static void replays_recording(int fd, const struct circ_circuit *c)
{
	(void)c;
	if (write(fd, recorded, sizeof(recorded)) < 0)
		return;
	sleep(2);
}

Test(party, a_garbler_replayed_from_another_session_is_refused)
{
	struct circ_circuit *c = load_shared("adder64.txt");
	record_garbler(c);
	char why[320];
	double s;
	rt_err err = against(replays_recording, c, why, &s);
	cr_assert_eq(err, RT_ERR_PROTOCOL, "%s: %s", rt_err_str(err), why);
	cr_assert(strstr(why, "another session") != NULL, "%s", why);
	circ_free(c);
}

Test(party, session_ids_are_fresh_and_bound_to_the_context)
{
	struct circ_circuit *c = load_shared("adder64.txt");
	uint8_t ids[2][2][32];
	for (int run = 0; run < 2; run++) {
		int sv[2], pp[2];
		cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(pp) == 0);
		pid_t pid = fork();
		cr_assert(pid >= 0);
		uint8_t ctx[32];
		memset(ctx, 7, sizeof(ctx));
		int me = pid == 0 ? PARTY_GARBLER : PARTY_EVALUATOR;
		net_chan *ch;
		prg *p;
		party *pt = NULL;
		cr_assert(net_chan_new(&ch, sv[me == PARTY_GARBLER ? 0 : 1], 5000) == RT_OK);
		close(sv[me == PARTY_GARBLER ? 1 : 0]);
		cr_assert(prg_new_random(&p) == RT_OK);
		rt_err err = party_new_bound(&pt, c, (uint32_t)me, ch, p, ctx);
		if (pid == 0) {
			uint8_t id[32] = {0};
			if (!err)
				party_session_id(pt, id);
			if (write(pp[1], id, 32) != 32)
				_exit(1);
			_exit(0);
		}
		cr_assert_eq(err, RT_OK, "%s", party_error(pt));
		party_session_id(pt, ids[run][1]);
		read_exactly(pp[0], ids[run][0], 32);
		waitpid(pid, NULL, 0);
		party_free(pt);
		prg_free(p);
		net_chan_free(ch);
		close(pp[0]);
		close(pp[1]);
		cr_assert(memcmp(ids[run][0], ids[run][1], 32) == 0,
			  "both sides hold the same session id");
	}
	cr_assert(memcmp(ids[0][0], ids[1][0], 32) != 0, "each session has a fresh id");
	circ_free(c);
}

static void other_context(int fd, const struct circ_circuit *c)
{
	net_chan *ch;
	prg *p;
	party *pt = NULL;
	uint8_t ctx[32];
	memset(ctx, 1, sizeof(ctx));
	if (net_chan_new(&ch, fd, 2000) || prg_new_random(&p))
		return;
	if (party_new_bound(&pt, c, PARTY_GARBLER, ch, p, ctx) == RT_OK)
		_exit(1); /* cannot be: the evaluator refuses */
	sleep(1);
}

Test(party, a_peer_of_another_session_set_up_is_refused)
{
	struct circ_circuit *c = load_shared("adder64.txt");
	char why[320];
	double s;
	rt_err err = against(other_context, c, why, &s);
	cr_assert_eq(err, RT_ERR_PROTOCOL, "%s: %s", rt_err_str(err), why);
	cr_assert(strstr(why, "parties file") != NULL, "%s", why);
	circ_free(c);
}

static void runs_another_circuit(int fd, const struct circ_circuit *c)
{
	(void)c;
	struct circ_circuit *other = load_shared("sub64.txt");
	uint32_t w[2] = {64, 64};
	uint64_t **in = alloc_values(2, w), **out = alloc_values(1, w);
	bool learned[1];
	char why[320];
	play(other, PARTY_GARBLER, fd, 2000, NULL, in, out, learned, why, sizeof(why));
}

Test(party, parties_with_different_circuits_stop_at_the_handshake)
{
	struct circ_circuit *c = load_shared("adder64.txt");
	char why[320];
	double s;
	rt_err err = against(runs_another_circuit, c, why, &s);
	cr_assert_eq(err, RT_ERR_PROTOCOL, "%s: %s", rt_err_str(err), why);
	cr_assert(strstr(why, "different circuit") != NULL, "%s", why);
	circ_free(c);
}

/* ---- sessions of several runs, and a pinned transcript ---- */

/* Both parties in one session run c `runs` times on fresh random inputs; the garbler in a
 * child, each party's channel with a timeout of timeout_ms. With seeds, the PRGs are fixed
 * and the channel keeps a transcript hash of each direction, returned in digest (sent by the
 * evaluator, then received). sockbuf > 0 shrinks both kernel buffers of the socketpair to
 * about that many bytes (as on a link that buffers little), after the channel asked for
 * large ones. */
static void session_on(const struct circ_circuit *c, int runs, const uint8_t *seeds,
		       uint8_t digest[64], int timeout_ms, int sockbuf)
{
	int sv[2];
	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	uint32_t *wi = calloc(c->ninputs + 1, 4), *wo = widths_of_outputs(c);
	for (uint32_t k = 0; k < c->ninputs; k++)
		wi[k] = c->inputs[k].width;
	uint64_t rng0 = seeds ? 0x5eed : rng_state; /* a pinned transcript needs pinned inputs */
	pid_t pid = fork();
	cr_assert(pid >= 0);
	uint32_t me = pid == 0 ? PARTY_GARBLER : PARTY_EVALUATOR;
	int fd = pid == 0 ? sv[0] : sv[1];
	close(pid == 0 ? sv[1] : sv[0]);
	net_chan *ch;
	prg *p;
	party *pt;
	cr_assert(net_chan_new(&ch, fd, timeout_ms) == RT_OK);
	if (sockbuf > 0) /* the channel owns fd; only its kernel buffers change */
		cr_assert(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sockbuf, sizeof(sockbuf)) == 0 &&
			  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sockbuf, sizeof(sockbuf)) == 0);
	if (seeds)
		cr_assert(net_chan_start_transcript(ch) == RT_OK);
	cr_assert((seeds ? prg_new_seeded(&p, seeds + 16 * me) : prg_new_random(&p)) == RT_OK);
	rt_err err = party_new(&pt, c, me, ch, p);
	cr_assert(err == RT_OK, "%s", party_error(pt));
	rng_state = rng0; /* both processes draw the same inputs */
	bool ok = true;
	char why[320] = "";
	for (int r = 0; r < runs; r++) {
		uint64_t **in = alloc_values(c->ninputs, wi), **out = alloc_values(c->noutputs, wo);
		uint64_t **want = alloc_values(c->noutputs, wo);
		bool *learned = calloc(c->noutputs + 1, 1);
		for (uint32_t k = 0; k < c->ninputs; k++)
			for (size_t l = 0; l < circ_limbs(wi[k]); l++)
				in[k][l] =
				    wi[k] >= 64 ? rnd() : rnd() & (((uint64_t)1 << wi[k]) - 1);
		cr_assert(circ_eval_values(c, in, want) == 0);
		err = party_run(pt, in, out, learned);
		if (ok && err != RT_OK)
			snprintf(why, sizeof(why), "run %d: %s", r, party_error(pt));
		ok = ok && err == RT_OK;
		for (uint32_t k = 0; ok && k < c->noutputs; k++) {
			uint32_t to = c->outputs[k].to;
			ok = learned[k] == (to == CIRC_ALL || to == me) &&
			     (!learned[k] || memcmp(out[k], want[k], circ_limbs(wo[k]) * 8) == 0);
			if (!ok)
				snprintf(why, sizeof(why), "run %d: output %s is wrong", r,
					 c->outputs[k].name);
		}
		free_values(in, c->ninputs);
		free_values(out, c->noutputs);
		free_values(want, c->noutputs);
		free(learned);
	}
	if (seeds && me == PARTY_EVALUATOR)
		cr_assert(net_chan_transcript(ch, digest, digest + 32) == RT_OK);
	party_free(pt);
	prg_free(p);
	net_chan_free(ch);
	free(wi);
	free(wo);
	if (pid == 0)
		_exit(ok ? 0 : 1);
	cr_assert(ok, "the evaluator: %s", why);
	int st;
	cr_assert(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "the garbler's outputs differ, or it failed");
}

static void session(const struct circ_circuit *c, int runs, const uint8_t *seeds,
		    uint8_t digest[64])
{
	session_on(c, runs, seeds, digest, 10000, 0);
}

Test(party, one_session_many_runs)
{
	struct circ_circuit *c = load_shared("aes_128.txt");
	session(c, 5, NULL, NULL);
	circ_free(c);
	c = random_circuit(800);
	session(c, 4, NULL, NULL);
	circ_free(c);
}

/* A circuit whose inputs all come from one party (no OT, or no garbler labels), a circuit
 * whose tables outgrow what the garbler garbles ahead (PARTY_AHEAD_BYTES, so the rest streams
 * as the run goes), and one without AND gates, each over several runs of a session. */
static struct circ_circuit *one_sided_circuit(uint32_t who, uint32_t nand)
{
	struct circ_circuit *c = circ_new();
	cr_assert(circ_add_party(c, "g") == 0 && circ_add_party(c, "e") == 1);
	cr_assert(circ_add_input(c, "x", 40, 0, who) >= 0);
	cr_assert(circ_add_input(c, "y", 24, 0, who) >= 0);
	for (uint32_t g = 0; g < nand; g++) {
		uint32_t w = (uint32_t)circ_nwires(c);
		cr_assert(circ_add_gate(c, g % 3 ? GATE_AND : GATE_XOR,
					w - 1 - (uint32_t)(rnd() % 40),
					(uint32_t)(rnd() % w)) >= 0);
	}
	uint32_t nw = (uint32_t)circ_nwires(c), w[32];
	for (int k = 0; k < 32; k++)
		w[k] = nw - 1 - (uint32_t)k;
	cr_assert(circ_add_output(c, "z", 32, 0, CIRC_ALL, w) >= 0);
	return c;
}

Test(party, one_sided_inputs_and_tables_past_the_ahead_budget)
{
	struct circ_circuit *c = one_sided_circuit(PARTY_GARBLER, 300);
	session(c, 3, NULL, NULL);
	circ_free(c);
	c = one_sided_circuit(PARTY_EVALUATOR, 300);
	session(c, 3, NULL, NULL);
	circ_free(c);
	c = one_sided_circuit(PARTY_EVALUATOR, 0);
	session(c, 3, NULL, NULL);
	circ_free(c);
	/* 2/3 AND gates: tables of 5/4 the budget */
	c = one_sided_circuit(PARTY_EVALUATOR,
			      (uint32_t)(PARTY_AHEAD_BYTES / GC_TABLE_BYTES * 15 / 8));
	session(c, 2, NULL, NULL);
	circ_free(c);
}

/* Past PARTY_PLAN_MAX_GATES the parties schedule chunks as they stream them, with no plan:
 * a circuit of free gates mostly, just over the limit. */
Test(party, circuit_too_large_to_plan_streams)
{
	struct circ_circuit *c = circ_new();
	cr_assert(circ_add_party(c, "g") == 0 && circ_add_party(c, "e") == 1);
	cr_assert(circ_add_input(c, "x", 32, 0, PARTY_GARBLER) >= 0);
	cr_assert(circ_add_input(c, "y", 32, 0, PARTY_EVALUATOR) >= 0);
	uint32_t n = PARTY_PLAN_MAX_GATES + 1000;
	cr_assert(circ_reserve_gates(c, n) == 0);
	for (uint32_t g = 0; g < n; g++) {
		uint32_t w = 64 + g;
		enum circ_gate_kind k = g % 512 == 0 ? GATE_AND : g % 7 ? GATE_XOR : GATE_NOT;
		uint32_t a = w - 1 - (uint32_t)(rnd() % (w < 64 ? w : 64)),
			 b = (uint32_t)(rnd() % w);
		cr_assert(circ_add_gate(c, k, a, k == GATE_NOT ? 0 : b) >= 0);
	}
	uint32_t out[8];
	for (int k = 0; k < 8; k++)
		out[k] = 64 + n - 1 - (uint32_t)k * 3;
	cr_assert(circ_add_output(c, "z", 8, 0, CIRC_ALL, out) >= 0);
	session(c, 2, NULL, NULL);
	circ_free(c);
}

Test(party, transcript_from_fixed_seeds_is_pinned)
{
	struct circ_circuit *c = random_circuit(400);
	uint8_t seeds[32], d1[64], d2[64], d3[64];
	for (int i = 0; i < 32; i++)
		seeds[i] = (uint8_t)(i * 7 + 1);
	session(c, 2, seeds, d1);
	session(c, 2, seeds, d2);
	cr_assert(memcmp(d1, d2, 64) == 0, "same seeds, same bytes");
	seeds[0] ^= 1; /* the evaluator's PRG: its OT messages change */
	session(c, 2, seeds, d3);
	cr_assert(memcmp(d1, d3, 32) != 0, "another seed, other bytes");
	circ_free(c);
}

/* Wide inputs and outputs, past what the kernel buffers between the parties: a party that
 * writes a large message while its peer also writes one, neither reading, waits forever (in
 * versions up to 3: the garbler's labels against the evaluator's OT matrix, and both sides'
 * output bits at once). Each shape runs over a socketpair whose buffers are shrunk to 16 KiB,
 * with timeouts of 5 s, so a deadlock is a timeout error, not a hang. */
struct wide_shape {
	uint32_t gbits, ebits;	     /* input bits of the garbler and of the evaluator */
	uint32_t to_g, to_e, to_all; /* output bits to the garbler, the evaluator, both */
};

static const struct wide_shape wide_shapes[] = {
    {1 << 18, 1 << 18, 0, 0, 1 << 18}, /* both inputs and the output wide */
    {1 << 18, 0, 0, 0, 64},	       /* the garbler's inputs alone */
    {0, 1 << 18, 0, 0, 64},	       /* the evaluator's inputs alone */
    {64, 64, 1 << 18, 0, 0},	       /* an output to the garbler */
    {64, 64, 0, 1 << 18, 0},	       /* an output to the evaluator */
    {64, 64, 1 << 18, 1 << 18, 0},     /* one to each */
};

/* Each output bit is a gate (an AND every 8th, else XOR) of two random input bits. */
static struct circ_circuit *wide_circuit(const struct wide_shape *s)
{
	struct circ_circuit *c = circ_new();
	cr_assert(circ_add_party(c, "g") == 0 && circ_add_party(c, "e") == 1);
	if (s->gbits)
		cr_assert(circ_add_input(c, "x", s->gbits, 0, PARTY_GARBLER) >= 0);
	if (s->ebits)
		cr_assert(circ_add_input(c, "y", s->ebits, 0, PARTY_EVALUATOR) >= 0);
	uint32_t nin = s->gbits + s->ebits, nout = s->to_g + s->to_e + s->to_all;
	uint32_t *w = calloc(nout + 1, sizeof(uint32_t));
	cr_assert(w && circ_reserve_gates(c, nout) == 0);
	for (uint32_t g = 0; g < nout; g++) {
		int64_t id = circ_add_gate(c, g % 8 ? GATE_XOR : GATE_AND, (uint32_t)(rnd() % nin),
					   (uint32_t)(rnd() % nin));
		cr_assert(id >= 0);
		w[g] = (uint32_t)id;
	}
	const struct {
		const char *name;
		uint32_t width, to;
	} outs[3] = {{"for_g", s->to_g, PARTY_GARBLER},
		     {"for_e", s->to_e, PARTY_EVALUATOR},
		     {"for_all", s->to_all, CIRC_ALL}};
	for (uint32_t k = 0, off = 0; k < 3; off += outs[k].width, k++)
		if (outs[k].width)
			cr_assert(circ_add_output(c, outs[k].name, outs[k].width, 0, outs[k].to,
						  w + off) >= 0);
	free(w);
	struct circ_err err;
	cr_assert(circ_validate(c, &err) == 0, "%s", err.msg);
	return c;
}

ParameterizedTestParameters(party, wide_inputs_and_outputs_do_not_deadlock)
{
	static size_t idx[ARRAY_LEN(wide_shapes)];
	for (size_t i = 0; i < ARRAY_LEN(wide_shapes); i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, ARRAY_LEN(wide_shapes));
}

ParameterizedTest(size_t *i, party, wide_inputs_and_outputs_do_not_deadlock)
{
	struct circ_circuit *c = wide_circuit(&wide_shapes[*i]);
	session_on(c, 2, NULL, NULL, 5000, 16 << 10);
	circ_free(c);
}
