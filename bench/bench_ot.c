/* bench_ot.c: how fast the OT layer and the channel run on this machine.
 *
 * States the machine's AES-128 throughput first, then: the 128x128 transpose alone per
 * implementation, the base-OT set-up (128 Chou-Orlandi OTs, both ends in two processes), IKNP
 * correlated OT throughput between two processes over a socketpair and over loopback TCP, and
 * the loopback TCP channel throughput with 1 MiB writes. Prints a table, then one JSON line.
 * The COT runs write 1 Mi OTs (16 MiB) per call, so outputs go to memory, as they would for a
 * large input.
 * Targets (issue 4): >= 60 M COT/s (EMP-toolkit: 41 M on the reference machine); loopback TCP
 * ~4.2 GB/s on the reference machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "ot.h"

enum {
	COT_CALL = 1 << 20, /* OTs per ot_send_cot / ot_recv_cot call */
	TIMEOUT_MS = 60000,
	TCP_WRITE = 1 << 20,
};

static void die(const char *what, rt_err err, const char *detail)
{
	fprintf(stderr, "bench_ot: %s: %s%s%s\n", what, rt_err_str(err), detail ? ": " : "",
		detail ? detail : "");
	exit(1);
}

static void check(rt_err err, const char *what, net_chan *ch)
{
	if (err != RT_OK)
		die(what, err, ch ? net_chan_errmsg(ch) : NULL);
}

/* A two-party run: the child end of a connected pair runs in a forked process. */
struct pair {
	pid_t child;
	net_chan *ch; /* this process's end */
};

/* Forks; in the child returns with p->child == 0 and p->ch its end. fds: a connected pair. */
static void pair_start(struct pair *p, int fds[2])
{
	p->child = fork();
	if (p->child < 0) {
		perror("fork");
		exit(1);
	}
	int mine = p->child == 0 ? fds[1] : fds[0];
	close(p->child == 0 ? fds[0] : fds[1]);
	check(net_chan_new(&p->ch, mine, TIMEOUT_MS), "channel", NULL);
}

static void pair_socketpair(struct pair *p)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		perror("socketpair");
		exit(1);
	}
	pair_start(p, sv);
}

/* A loopback TCP connection: the parent accepts, the child connects. */
static void pair_tcp(struct pair *p)
{
	char msg[NET_ERRMSG_BYTES], addr[64];
	int lfd, fds[2];
	uint16_t port;
	check(net_listen(&lfd, "127.0.0.1:0", msg), msg, NULL);
	check(net_local_port(lfd, &port, msg), msg, NULL);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		close(lfd);
		check(net_connect(&fds[1], addr, TIMEOUT_MS, msg), msg, NULL);
		p->child = 0;
		check(net_chan_new(&p->ch, fds[1], TIMEOUT_MS), "channel", NULL);
		return;
	}
	check(net_accept(lfd, TIMEOUT_MS, &fds[0], msg), msg, NULL);
	close(lfd);
	p->child = pid;
	check(net_chan_new(&p->ch, fds[0], TIMEOUT_MS), "channel", NULL);
}

/* In the child: frees and exits. In the parent: frees and reaps the child. */
static void pair_end(struct pair *p)
{
	net_chan_free(p->ch);
	if (p->child == 0)
		_exit(0);
	int status;
	if (waitpid(p->child, &status, 0) != p->child || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_ot: the peer process failed\n");
		exit(1);
	}
}

static prg *new_prg(void)
{
	prg *p;
	check(prg_new_random(&p), "prg", NULL);
	return p;
}

/* One byte each way so both ends start the clock together. */
static void sync_ends(net_chan *ch, int parent)
{
	uint8_t b = 0x5a;
	if (parent) {
		check(net_send(ch, &b, 1), "sync", ch);
		check(net_recv(ch, &b, 1), "sync", ch);
	} else {
		check(net_recv(ch, &b, 1), "sync", ch);
		check(net_send(ch, &b, 1), "sync", ch);
		check(net_flush(ch), "sync", ch);
	}
}

/* Transposes per second (each is 128 OTs) for one implementation; 0 if the CPU lacks it. */
static double transpose_rate(ot_simd impl)
{
	static uint8_t in[128 * 1024];
	static uint8_t out[128][16];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 131 + 7);
	if (ot_transpose128(out, in, 1024, impl) != RT_OK)
		return 0;
	uint64_t tiles = 0;
	double t0 = bench_now(), t;
	do {
		for (size_t k = 0; k < 64; k++) /* walk across the columns like a batch does */
			if (ot_transpose128(out, in + 16 * k, 1024, impl) != RT_OK)
				return 0;
		tiles += 64;
		in[tiles % sizeof(in)] ^= out[5][3];
	} while ((t = bench_now() - t0) < 0.3);
	return (double)tiles / t;
}

/* Seconds for one base-OT set-up (128 OTs), the best of reps, measured at the garbler. */
static double base_ot_seconds(int reps)
{
	struct pair p;
	pair_socketpair(&p);
	uint8_t delta[16] = {1, 2, 3};
	double best = 1e9;
	prg *g = new_prg();
	for (int r = 0; r < reps; r++) {
		sync_ends(p.ch, p.child != 0);
		if (p.child == 0) {
			ot_receiver *rcv;
			check(ot_receiver_new(&rcv, p.ch, g), "base OT", p.ch);
			ot_receiver_free(rcv);
			continue;
		}
		double t0 = bench_now();
		ot_sender *s;
		check(ot_sender_new(&s, p.ch, delta, g), "base OT", p.ch);
		double t = bench_now() - t0;
		ot_sender_free(s);
		best = t < best ? t : best;
	}
	prg_free(g);
	pair_end(&p);
	return best;
}

/* Correlated OTs per second between two processes: calls of COT_CALL after one warm-up. */
static double cot_rate(struct pair *p, int calls)
{
	uint8_t(*buf)[16] = malloc((size_t)COT_CALL * 16);
	uint8_t *choices = malloc(COT_CALL / 8);
	prg *g = new_prg();
	check(prg_bytes(g, choices, COT_CALL / 8), "prg", NULL);
	double rate = 0;
	if (p->child == 0) {
		ot_receiver *r;
		check(ot_receiver_new(&r, p->ch, g), "base OT", p->ch);
		for (int c = 0; c <= calls; c++) {
			if (c == 1)
				sync_ends(p->ch, 0);
			check(ot_recv_cot(r, choices, buf, COT_CALL), "COT", p->ch);
		}
		ot_receiver_free(r);
	} else {
		uint8_t delta[16];
		check(prg_bytes(g, delta, 16), "prg", NULL);
		delta[0] |= 1;
		ot_sender *s;
		check(ot_sender_new(&s, p->ch, delta, g), "base OT", p->ch);
		check(ot_send_cot(s, buf, COT_CALL), "COT", p->ch); /* warm-up */
		sync_ends(p->ch, 1);
		double t0 = bench_now();
		for (int c = 0; c < calls; c++)
			check(ot_send_cot(s, buf, COT_CALL), "COT", p->ch);
		rate = (double)calls * COT_CALL / (bench_now() - t0);
		ot_sender_free(s);
	}
	prg_free(g);
	free(buf);
	free(choices);
	pair_end(p);
	return rate;
}

/* Bytes per second through a loopback TCP channel, TCP_WRITE bytes per net_send. */
static double tcp_rate(size_t total)
{
	struct pair p;
	pair_tcp(&p);
	uint8_t *buf = calloc(1, TCP_WRITE);
	double rate = 0;
	sync_ends(p.ch, p.child != 0);
	if (p.child == 0) {
		for (size_t off = 0; off < total; off += TCP_WRITE)
			check(net_recv(p.ch, buf, TCP_WRITE), "recv", p.ch);
		check(net_send(p.ch, buf, 1), "ack", p.ch);
		check(net_flush(p.ch), "ack", p.ch);
	} else {
		double t0 = bench_now();
		for (size_t off = 0; off < total; off += TCP_WRITE)
			check(net_send(p.ch, buf, TCP_WRITE), "send", p.ch);
		check(net_flush(p.ch), "send", p.ch);
		check(net_recv(p.ch, buf, 1), "ack", p.ch);
		rate = (double)total / (bench_now() - t0);
	}
	free(buf);
	pair_end(&p);
	return rate;
}

int main(void)
{
	double aes = bench_aes_blocks_per_s();
	double tr_sse2 = transpose_rate(OT_SIMD_SSE2) * 128;
	double tr_avx2 = transpose_rate(OT_SIMD_AVX2) * 128;
	double tr_avx512 = transpose_rate(OT_SIMD_AVX512) * 128;
	double base = base_ot_seconds(5);
	struct pair p;
	pair_socketpair(&p);
	double cot_unix = cot_rate(&p, 32);
	pair_tcp(&p);
	double cot_tcp = cot_rate(&p, 32);
	double tcp = tcp_rate((size_t)4 << 30);

	printf("mpcc OT benchmark (two processes, this machine has %ld cores)\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("  %-44s %10.0f M blocks/s\n", "AES-128-ECB (OpenSSL EVP, one core)", aes / 1e6);
	printf("  %-44s %10.0f M OTs/s\n", "128x128 transpose, SSE2 (one core)", tr_sse2 / 1e6);
	printf("  %-44s %10.0f M OTs/s\n", "128x128 transpose, AVX2 (one core)", tr_avx2 / 1e6);
	printf("  %-44s %10.0f M OTs/s  (0: no AVX-512 VBMI+GFNI)\n",
	       "128x128 transpose, AVX-512+GFNI (one core)", tr_avx512 / 1e6);
	printf("  %-44s %10.2f ms\n", "base OT set-up, 128 Chou-Orlandi P-256", base * 1e3);
	printf("  %-44s %10.1f M COT/s  (target >= 60, EMP 41)\n", "IKNP correlated OT, socketpair",
	       cot_unix / 1e6);
	printf("  %-44s %10.1f M COT/s\n", "IKNP correlated OT, loopback TCP", cot_tcp / 1e6);
	printf("  %-44s %10.2f GB/s   (reference 4.2)\n", "loopback TCP channel, 1 MiB writes",
	       tcp / 1e9);
	printf("{\"bench\": \"ot\", \"aes128_blocks_per_s\": %.0f, "
	       "\"transpose_sse2_ots_per_s\": %.0f, \"transpose_avx2_ots_per_s\": %.0f, "
	       "\"transpose_avx512_ots_per_s\": %.0f, "
	       "\"base_ot_128_ms\": %.3f, \"cot_socketpair_per_s\": %.0f, "
	       "\"cot_tcp_per_s\": %.0f, \"tcp_loopback_bytes_per_s\": %.0f}\n",
	       aes, tr_sse2, tr_avx2, tr_avx512, base * 1e3, cot_unix, cot_tcp, tcp);
	return 0;
}
