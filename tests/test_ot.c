/* test_ot.c: Chou-Orlandi base OT and the IKNP correlated extension (runtime/ot.c), two
 * processes over a socketpair: the peer runs in a fork()ed child, the parent asserts. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ot.h"

TestSuite(ot, .timeout = 60);

enum { TIMEOUT_MS = 20000 };

/* Deterministic test data: xorshift64* from a seed. */
static void fill_pattern(void *out, size_t n, uint64_t seed)
{
	uint8_t *buf = out;
	uint64_t s = (seed + 1) * 0x9E3779B97F4A7C15ULL; /* nonzero */
	for (size_t i = 0; i < n; i++) {
		s ^= s >> 12;
		s ^= s << 25;
		s ^= s >> 27;
		buf[i] = (uint8_t)((s * 0x2545F4914F6CDD1DULL) >> 56);
	}
}

static unsigned bit_at(const uint8_t *bits, size_t i)
{
	return (bits[i / 8] >> (i % 8)) & 1;
}

static prg *seeded_prg(uint64_t seed)
{
	uint8_t key[16];
	fill_pattern(key, sizeof(key), seed);
	prg *p;
	if (prg_new_seeded(&p, key) != RT_OK)
		return NULL;
	return p;
}

typedef int (*peer_fn)(net_chan *ch, const void *arg);

/* Runs fn(channel, arg) in a child over a socketpair; the parent's end becomes *parent. */
static pid_t start_peer(peer_fn fn, const void *arg, net_chan **parent)
{
	int sv[2];
	cr_assert(eq(int, socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0));
	pid_t pid = fork();
	cr_assert(ne(int, pid, -1));
	if (pid == 0) {
		close(sv[0]);
		net_chan *ch;
		if (net_chan_new(&ch, sv[1], TIMEOUT_MS) != RT_OK)
			_exit(90);
		int rc = fn(ch, arg);
		net_chan_free(ch);
		_exit(rc);
	}
	close(sv[1]);
	cr_assert(eq(int, net_chan_new(parent, sv[0], TIMEOUT_MS), RT_OK));
	return pid;
}

static void wait_peer(pid_t pid)
{
	int status = 0;
	cr_assert(eq(int, waitpid(pid, &status, 0), pid));
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	cr_assert(ok, "peer failed, status 0x%x", status);
}

/* ---- base OT ---- */

enum { BASE_N = 200 };

/* Message b of transfer i, known to both sides of the test. */
static void chosen_message(uint8_t out[16], size_t i, unsigned b)
{
	fill_pattern(out, 16, 1000 + 2 * i + b);
}

/* Base-OT sender: sends m_b ^ k_b for every transfer, then (for the test) its key pairs. */
static int base_sender_peer(net_chan *ch, const void *arg)
{
	(void)arg;
	static uint8_t keys[BASE_N][2][16];
	prg *p = seeded_prg(21);
	if (!p || ot_base_send(ch, p, keys, BASE_N) != RT_OK)
		return 1;
	for (size_t i = 0; i < BASE_N; i++)
		for (unsigned b = 0; b < 2; b++) {
			uint8_t m[16];
			chosen_message(m, i, b);
			for (int k = 0; k < 16; k++)
				m[k] ^= keys[i][b][k];
			if (net_send(ch, m, 16) != RT_OK)
				return 2;
		}
	if (net_send(ch, keys, sizeof(keys)) != RT_OK || net_flush(ch) != RT_OK)
		return 3;
	prg_free(p);
	return 0;
}

Test(ot, base_ot_receiver_gets_chosen_message)
{
	static uint8_t keys[BASE_N][16], pairs[BASE_N][2][16], boxes[BASE_N][2][16];
	uint8_t choices[(BASE_N + 7) / 8];
	fill_pattern(choices, sizeof(choices), 5);
	net_chan *ch;
	pid_t pid = start_peer(base_sender_peer, NULL, &ch);
	prg *p = seeded_prg(22);
	cr_assert(eq(int, ot_base_recv(ch, p, choices, keys, BASE_N), RT_OK), "%s",
		  net_chan_errmsg(ch));
	cr_assert(eq(int, net_recv(ch, boxes, sizeof(boxes)), RT_OK));
	cr_assert(eq(int, net_recv(ch, pairs, sizeof(pairs)), RT_OK));
	wait_peer(pid);
	unsigned ones = 0;
	for (size_t i = 0; i < BASE_N; i++) {
		unsigned c = bit_at(choices, i);
		ones += c;
		uint8_t got[16], want[16];
		chosen_message(want, i, c);
		for (int k = 0; k < 16; k++)
			got[k] = boxes[i][c][k] ^ keys[i][k];
		cr_assert(eq(int, memcmp(got, want, 16), 0), "transfer %zu", i);
		cr_assert(eq(int, memcmp(keys[i], pairs[i][c], 16), 0), "transfer %zu", i);
		cr_assert(ne(int, memcmp(keys[i], pairs[i][1 - c], 16), 0), "transfer %zu", i);
		if (i > 0)
			cr_assert(ne(int, memcmp(pairs[i][0], pairs[i - 1][0], 16), 0));
	}
	cr_assert(gt(uint, ones, 0)); /* both choices occur */
	cr_assert(lt(uint, ones, BASE_N));
	prg_free(p);
	net_chan_free(ch);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* ---- correlated OT ---- */

struct cot_plan {
	uint64_t prg_seed;    /* the receiver's PRG */
	uint64_t choice_seed; /* its choice bits */
	size_t calls;
	size_t n[12];
};

/* Extension receiver: runs plan->calls COT calls in one session, then sends back, per call,
 * its traffic for the call (8 bytes), its choices and its t. */
static int cot_receiver_peer(net_chan *ch, const void *arg)
{
	const struct cot_plan *plan = arg;
	prg *p = seeded_prg(plan->prg_seed);
	ot_receiver *r;
	if (!p || ot_receiver_new(&r, ch, p) != RT_OK)
		return 1;
	for (size_t c = 0; c < plan->calls; c++) {
		size_t n = plan->n[c];
		uint8_t *choices = malloc(n / 8 + 1);
		uint8_t(*t)[16] = malloc(16 * n + 1);
		fill_pattern(choices, n / 8 + 1, plan->choice_seed + c);
		uint64_t before = net_bytes_sent(ch);
		if (ot_recv_cot(r, choices, t, n) != RT_OK)
			return 2;
		uint64_t traffic = net_bytes_sent(ch) - before;
		if (net_send(ch, &traffic, 8) != RT_OK ||
		    net_send(ch, choices, (n + 7) / 8) != RT_OK ||
		    net_send(ch, t, 16 * n) != RT_OK || net_flush(ch) != RT_OK)
			return 3;
		free(choices);
		free(t);
	}
	ot_receiver_free(r);
	prg_free(p);
	return 0;
}

static void test_delta(uint8_t delta[16])
{
	fill_pattern(delta, 16, 77);
	delta[0] |= 1; /* as the garbler sets it */
}

/* Runs the plan with the child as receiver and checks every t_i == q_i ^ r_i delta. */
static void check_cot_plan(const struct cot_plan *plan)
{
	uint8_t delta[16];
	test_delta(delta);
	net_chan *ch;
	pid_t pid = start_peer(cot_receiver_peer, plan, &ch);
	prg *p = seeded_prg(31);
	ot_sender *s;
	cr_assert(eq(int, ot_sender_new(&s, ch, delta, p), RT_OK), "%s", net_chan_errmsg(ch));
	uint8_t prev_first[16] = {0};
	for (size_t c = 0; c < plan->calls; c++) {
		size_t n = plan->n[c];
		uint8_t(*q)[16] = malloc(16 * n + 1);
		uint8_t(*t)[16] = malloc(16 * n + 1);
		uint8_t *choices = malloc(n / 8 + 1);
		uint64_t traffic = 0;
		cr_assert(eq(int, ot_send_cot(s, q, n), RT_OK), "%s", net_chan_errmsg(ch));
		cr_assert(eq(int, net_recv(ch, &traffic, 8), RT_OK));
		cr_assert(eq(int, net_recv(ch, choices, (n + 7) / 8), RT_OK));
		cr_assert(eq(int, net_recv(ch, t, 16 * n), RT_OK));
		cr_assert(eq(u64, traffic, 128 * ((n + 7) / 8)), "call %zu, n %zu", c, n);
		size_t bad = 0, first_bad = 0;
		for (size_t i = 0; i < n; i++) {
			uint8_t want[16];
			uint8_t mask = (uint8_t)-bit_at(choices, i);
			for (int k = 0; k < 16; k++)
				want[k] = q[i][k] ^ (delta[k] & mask);
			if (memcmp(t[i], want, 16) != 0 && bad++ == 0)
				first_bad = i;
		}
		cr_assert(eq(sz, bad, 0), "call %zu: %zu of %zu OTs wrong, first %zu", c, bad, n,
			  first_bad);
		if (n > 0) { /* the streams run on: a new call does not repeat the last */
			cr_assert(ne(int, memcmp(q[0], prev_first, 16), 0), "call %zu", c);
			memcpy(prev_first, q[0], 16);
		}
		if (n > 1)
			cr_assert(ne(int, memcmp(q[0], q[n - 1], 16), 0));
		free(q);
		free(t);
		free(choices);
	}
	wait_peer(pid);
	ot_sender_free(s);
	prg_free(p);
	net_chan_free(ch);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

Test(ot, cot_correlation_holds_for_100k_over_two_calls)
{
	struct cot_plan plan = {
	    .prg_seed = 41, .choice_seed = 42, .calls = 2, .n = {100000, 70001}};
	check_cot_plan(&plan);
}

Test(ot, cot_correlation_holds_for_small_and_odd_n)
{
	struct cot_plan plan = {.prg_seed = 43,
				.choice_seed = 44,
				.calls = 12,
				.n = {1, 0, 7, 8, 9, 127, 128, 129, 255, 256, 1000, 65537}};
	check_cot_plan(&plan);
}

/* ---- transcript ---- */

struct transcript_run {
	uint64_t sender_seed, receiver_seed;
	int flip_padding; /* flip the choice bits past n: they must not reach the wire */
	uint8_t sent[32], received[32]; /* the parent's (sender's) view */
};

static const struct cot_plan transcript_plan_base = {
    .choice_seed = 52, .calls = 2, .n = {1000, 777}};
enum { FLIP_PADDING = 1 << 20 }; /* added to the choice seed: flip the bits past n */

/* Receiver with transcript on; the plan's choice seed is fixed, its PRG seed varies. */
static int transcript_receiver_peer(net_chan *ch, const void *arg)
{
	const struct cot_plan *plan = arg;
	if (net_chan_start_transcript(ch) != RT_OK)
		return 9;
	prg *p = seeded_prg(plan->prg_seed);
	ot_receiver *r;
	if (!p || ot_receiver_new(&r, ch, p) != RT_OK)
		return 1;
	for (size_t c = 0; c < plan->calls; c++) {
		uint8_t choices[1000 / 8 + 1], t[1000][16];
		size_t n = plan->n[c];
		fill_pattern(choices, sizeof(choices), (plan->choice_seed & ~FLIP_PADDING) + c);
		if (plan->choice_seed & FLIP_PADDING && n % 8)
			choices[n / 8] ^= (uint8_t)(0xff << (n % 8));
		if (ot_recv_cot(r, choices, t, n) != RT_OK)
			return 2;
	}
	ot_receiver_free(r);
	prg_free(p);
	return 0;
}

static void run_transcript(struct transcript_run *run)
{
	struct cot_plan plan = transcript_plan_base;
	plan.prg_seed = run->receiver_seed;
	plan.choice_seed |= run->flip_padding ? FLIP_PADDING : 0;
	uint8_t delta[16];
	test_delta(delta);
	net_chan *ch;
	pid_t pid = start_peer(transcript_receiver_peer, &plan, &ch);
	cr_assert(eq(int, net_chan_start_transcript(ch), RT_OK));
	prg *p = seeded_prg(run->sender_seed);
	ot_sender *s;
	cr_assert(eq(int, ot_sender_new(&s, ch, delta, p), RT_OK), "%s", net_chan_errmsg(ch));
	for (size_t c = 0; c < plan.calls; c++) {
		uint8_t q[1000][16];
		cr_assert(eq(int, ot_send_cot(s, q, plan.n[c]), RT_OK));
	}
	cr_assert(eq(int, net_chan_transcript(ch, run->sent, run->received), RT_OK));
	wait_peer(pid);
	ot_sender_free(s);
	prg_free(p);
	net_chan_free(ch);
}

Test(ot, transcript_repeats_from_fixed_seeds)
{
	struct transcript_run a = {.sender_seed = 61, .receiver_seed = 62};
	struct transcript_run b = a, c = a, d = a, e = a;
	c.receiver_seed = 63;
	d.sender_seed = 64;
	e.flip_padding = 1;
	run_transcript(&a);
	run_transcript(&b);
	run_transcript(&c);
	run_transcript(&d);
	run_transcript(&e);
	cr_assert(eq(int, memcmp(a.sent, b.sent, 32), 0));
	cr_assert(eq(int, memcmp(a.received, b.received, 32), 0));
	cr_assert(eq(int, memcmp(a.received, e.received, 32), 0)); /* bits past n stay home */
	/* not trivially constant: another receiver seed changes what the receiver sends ... */
	cr_assert(ne(int, memcmp(a.received, c.received, 32), 0));
	cr_assert(ne(int, memcmp(a.sent, c.sent, 32), 0)); /* B_i = b_i G + c_i A */
	/* ... and another sender seed what the sender sends */
	cr_assert(ne(int, memcmp(a.sent, d.sent, 32), 0));
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* ---- garbage from the peer ---- */

static const uint8_t not_on_curve[OT_POINT_BYTES] = {0x04, [32] = 1, [64] = 1};

/* After a bad point: the error names it; frees the parent's side and reaps the peer. */
static void expect_bad_point_message(net_chan *ch, prg *p, pid_t pid)
{
	cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "not a point"), NULL), "%s",
		  net_chan_errmsg(ch));
	prg_free(p);
	net_chan_free(ch);
	wait_peer(pid);
}

/* Sends a bad point where the base-OT sender's A belongs, then waits for the hang-up. */
static int bad_a_peer(net_chan *ch, const void *arg)
{
	if (net_send(ch, arg, OT_POINT_BYTES) != RT_OK || net_flush(ch) != RT_OK)
		return 1;
	uint8_t b;
	while (net_recv(ch, &b, 1) == RT_OK)
		;
	return 0;
}

Test(ot, bad_point_from_base_sender_is_protocol_error)
{
	static uint8_t compressed[OT_POINT_BYTES] = {0x02, 1}, zeros[OT_POINT_BYTES];
	const uint8_t *bad[] = {not_on_curve, compressed, zeros};
	uint8_t delta[16];
	test_delta(delta);
	for (size_t k = 0; k < 3; k++) {
		net_chan *ch;
		pid_t pid = start_peer(bad_a_peer, bad[k], &ch);
		prg *p = seeded_prg(71);
		ot_sender *s = (ot_sender *)&pid; /* any non-NULL value: it must be cleared */
		cr_assert(eq(int, ot_sender_new(&s, ch, delta, p), RT_ERR_PROTOCOL), "case %zu", k);
		cr_assert(eq(ptr, s, NULL));
		expect_bad_point_message(ch, p, pid);
	}
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* Base-OT receiver that answers A with 128 points of which number 5 is off the curve. */
static int bad_b_peer(net_chan *ch, const void *arg)
{
	(void)arg;
	uint8_t a[OT_POINT_BYTES], b[OT_BASE_COUNT][OT_POINT_BYTES];
	if (net_recv(ch, a, sizeof(a)) != RT_OK)
		return 1;
	for (size_t i = 0; i < OT_BASE_COUNT; i++)
		memcpy(b[i], a, OT_POINT_BYTES); /* valid points */
	memcpy(b[5], not_on_curve, OT_POINT_BYTES);
	if (net_send(ch, b, sizeof(b)) != RT_OK || net_flush(ch) != RT_OK)
		return 2;
	uint8_t x;
	while (net_recv(ch, &x, 1) == RT_OK)
		;
	return 0;
}

Test(ot, bad_point_from_base_receiver_is_protocol_error)
{
	net_chan *ch;
	pid_t pid = start_peer(bad_b_peer, NULL, &ch);
	prg *p = seeded_prg(72);
	ot_receiver *r;
	cr_assert(eq(int, ot_receiver_new(&r, ch, p), RT_ERR_PROTOCOL));
	expect_bad_point_message(ch, p, pid);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

Test(ot, peer_closing_during_extension_is_io_error)
{
	struct cot_plan plan = {.prg_seed = 81, .choice_seed = 82, .calls = 1, .n = {1000}};
	uint8_t delta[16];
	test_delta(delta);
	net_chan *ch;
	pid_t pid = start_peer(cot_receiver_peer, &plan, &ch);
	prg *p = seeded_prg(83);
	ot_sender *s;
	cr_assert(eq(int, ot_sender_new(&s, ch, delta, p), RT_OK));
	static uint8_t q[2000][16];
	/* the peer sends one call of 1000 (and its check data), then hangs up */
	cr_assert(eq(int, ot_send_cot(s, q, 1000), RT_OK));
	uint8_t check[8 + 125 + 16000];
	cr_assert(eq(int, net_recv(ch, check, sizeof(check)), RT_OK));
	cr_assert(eq(int, ot_send_cot(s, q, 2000), RT_ERR_IO));
	wait_peer(pid);
	ot_sender_free(s);
	prg_free(p);
	net_chan_free(ch);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

Test(ot, allocation_failure_is_nomem_without_leaks)
{
	uint8_t delta[16];
	test_delta(delta);
	for (size_t k = 1; k <= 4; k++) {
		int sv[2];
		cr_assert(eq(int, socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0));
		net_chan *ch;
		prg *p = seeded_prg(91);
		cr_assert(eq(int, net_chan_new(&ch, sv[0], 100), RT_OK));
		size_t live = rt_alloc_live();
		ot_sender *s;
		ot_receiver *r;
		rt_alloc_fail_after(k);
		cr_assert(eq(int, ot_sender_new(&s, ch, delta, p), RT_ERR_NOMEM), "k %zu", k);
		rt_alloc_fail_after(k);
		cr_assert(eq(int, ot_receiver_new(&r, ch, p), RT_ERR_NOMEM), "k %zu", k);
		rt_alloc_fail_after(0);
		cr_assert(eq(sz, rt_alloc_live(), live));
		net_chan_free(ch);
		prg_free(p);
		close(sv[1]);
	}
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* ---- transpose ---- */

/* Bit i of row j, rows stride bytes apart, read the slow way. */
static unsigned matrix_bit(const uint8_t *m, size_t stride, size_t j, size_t i)
{
	return (m[j * stride + i / 8] >> (i % 8)) & 1;
}

Test(ot, transpose_matches_bit_by_bit)
{
	enum { STRIDE = 40 };
	static uint8_t in[128 * STRIDE];
	static const ot_simd impls[] = {OT_SIMD_AUTO, OT_SIMD_SCALAR, OT_SIMD_SSE2, OT_SIMD_AVX2,
					OT_SIMD_AVX512};
	for (uint64_t seed = 1; seed <= 3; seed++) {
		fill_pattern(in, sizeof(in), seed);
		for (size_t k = 0; k < sizeof(impls) / sizeof(impls[0]); k++) {
			uint8_t out[128][16];
			memset(out, 0xa5, sizeof(out));
			rt_err err = ot_transpose128(out, in, STRIDE, impls[k]);
			if (err == RT_ERR_INPUT && impls[k] != OT_SIMD_AUTO &&
			    impls[k] != OT_SIMD_SCALAR)
				continue; /* not on this CPU */
			cr_assert(eq(int, err, RT_OK));
			for (size_t i = 0; i < 128; i++)
				for (size_t j = 0; j < 128; j++)
					cr_assert(eq(uint, matrix_bit(out[0], 16, i, j),
						     matrix_bit(in, STRIDE, j, i)),
						  "impl %d, out row %zu bit %zu", (int)impls[k], i,
						  j);
		}
	}
	uint8_t out[128][16];
	cr_assert(eq(int, ot_transpose128(out, in, 8, OT_SIMD_AUTO), RT_ERR_INPUT));
}
