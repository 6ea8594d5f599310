/* bench_tls.c: what TLS costs a channel on this machine: plain TCP against TLS 1.3 over
 * loopback, between two processes.
 *
 * States the machine's AES-128 throughput first, then per kind of channel: one-way
 * throughput with 1 MiB writes and the CPU time both ends spend per GiB of it (which, unlike
 * the throughput, does not depend on what else runs on the machine), throughput with 16 KiB
 * writes, the round-trip time of a 32-byte message, and for TLS the time of a mutual, pinned
 * handshake (Ed25519 certificates made afresh in a temporary directory). Prints a table,
 * then one JSON line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "net.h"
#include "tls.h"

enum {
	TIMEOUT_MS = 60000,
	BIG_WRITE = 1 << 20,
	SMALL_WRITE = 16 << 10,
	PINGS = 5000,
	HANDSHAKES = 200,
};

static const size_t bulk_bytes = (size_t)2 << 30;  /* per 1 MiB-write run */
static const size_t small_bytes = (size_t)1 << 30; /* per 16 KiB-write run */

static void die(const char *what, rt_err err, const char *detail)
{
	fprintf(stderr, "bench_tls: %s: %s%s%s\n", what, rt_err_str(err), detail ? ": " : "",
		detail ? detail : "");
	exit(1);
}

static void check(rt_err err, const char *what, net_chan *ch)
{
	if (err != RT_OK)
		die(what, err, ch ? net_chan_errmsg(ch) : NULL);
}

struct ident {
	char key[96], crt[96];
	uint8_t fp[NET_TLS_FP_BYTES];
	net_tls_ctx *t;
};

static void make_ident(struct ident *id, const char *dir, const char *name)
{
	char msg[NET_ERRMSG_BYTES];
	snprintf(id->key, sizeof(id->key), "%s/%s.key", dir, name);
	snprintf(id->crt, sizeof(id->crt), "%s/%s.crt", dir, name);
	if (tls_keygen(id->key, id->crt, name, false, id->fp, msg, sizeof(msg)) != RT_OK)
		die("keygen", RT_ERR_INPUT, msg);
	check(net_tls_new(&id->t, id->key, id->crt, msg), msg, NULL);
}

/* A loopback TCP connection: the parent accepts, the child connects; *child is 0 in the
 * child. Returns this side's socket. */
static int connect_pair(pid_t *child)
{
	char msg[NET_ERRMSG_BYTES], addr[64];
	int lfd, fd;
	uint16_t port;
	check(net_listen(&lfd, "127.0.0.1:0", msg), msg, NULL);
	check(net_local_port(lfd, &port, msg), msg, NULL);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	fflush(NULL);
	*child = fork();
	if (*child < 0) {
		perror("fork");
		exit(1);
	}
	if (*child == 0) {
		close(lfd);
		check(net_connect(&fd, addr, TIMEOUT_MS, msg), msg, NULL);
	} else {
		check(net_accept(lfd, TIMEOUT_MS, &fd, msg), msg, NULL);
		close(lfd);
	}
	return fd;
}

static void wait_child(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_tls: the peer process failed\n");
		exit(1);
	}
}

/* A channel on fd; with TLS, the handshake (parent = server, child = client). */
static net_chan *open_chan(int fd, bool tls, bool parent, struct ident *me, struct ident *peer)
{
	net_chan *ch;
	check(net_chan_new(&ch, fd, TIMEOUT_MS), "channel", NULL);
	if (tls)
		check(net_chan_tls(ch, me->t, parent, peer->fp, NULL), "handshake", ch);
	return ch;
}

struct result {
	double bulk, bulk_cpu, small, rtt_us, handshake_ms;
};

/* CPU seconds this process has used. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The parent measures; the child sends, echoes and hangs up. */
static struct result run(bool tls, struct ident *a, struct ident *b)
{
	struct result r = {0};
	pid_t pid;
	int fd = connect_pair(&pid);
	bool parent = pid != 0;
	net_chan *ch = open_chan(fd, tls, parent, parent ? a : b, parent ? b : a);
	uint8_t *buf = calloc(1, BIG_WRITE);
	uint8_t ping[32] = {0};
	if (!parent) {
		double c0 = cpu_now();
		for (size_t off = 0; off < bulk_bytes; off += BIG_WRITE)
			check(net_send(ch, buf, BIG_WRITE), "send", ch);
		check(net_flush(ch), "flush", ch);
		double cpu = cpu_now() - c0;
		for (size_t off = 0; off < small_bytes; off += SMALL_WRITE)
			check(net_send(ch, buf, SMALL_WRITE), "send", ch);
		check(net_send(ch, &cpu, sizeof(cpu)), "send", ch);
		check(net_flush(ch), "flush", ch);
		for (int i = 0; i < PINGS; i++) {
			check(net_recv(ch, ping, sizeof(ping)), "recv", ch);
			check(net_send(ch, ping, sizeof(ping)), "send", ch);
			check(net_flush(ch), "flush", ch);
		}
		net_chan_free(ch);
		free(buf);
		_exit(0);
	}
	double t0 = bench_now(), c0 = cpu_now();
	for (size_t off = 0; off < bulk_bytes; off += BIG_WRITE)
		check(net_recv(ch, buf, BIG_WRITE), "recv", ch);
	double t1 = bench_now(), c1 = cpu_now(), sender_cpu;
	for (size_t off = 0; off < small_bytes; off += SMALL_WRITE)
		check(net_recv(ch, buf, SMALL_WRITE), "recv", ch);
	check(net_recv(ch, &sender_cpu, sizeof(sender_cpu)), "recv", ch);
	double t2 = bench_now();
	for (int i = 0; i < PINGS; i++) {
		check(net_send(ch, ping, sizeof(ping)), "send", ch);
		check(net_flush(ch), "flush", ch);
		check(net_recv(ch, ping, sizeof(ping)), "recv", ch);
	}
	double t3 = bench_now();
	r.bulk = (double)bulk_bytes / (t1 - t0);
	r.bulk_cpu = (c1 - c0 + sender_cpu) / ((double)bulk_bytes / (1 << 30));
	r.small = (double)small_bytes / (t2 - t1);
	r.rtt_us = (t3 - t2) / PINGS * 1e6;
	net_chan_free(ch);
	free(buf);
	wait_child(pid);
	return r;
}

/* Milliseconds per handshake, as the server sees it (TCP connect not included): the median
 * of HANDSHAKES, each on a fresh connection. */
static double handshake_ms(struct ident *a, struct ident *b)
{
	static double t[HANDSHAKES];
	for (int i = 0; i < HANDSHAKES; i++) {
		pid_t pid;
		int fd = connect_pair(&pid);
		net_chan *ch;
		check(net_chan_new(&ch, fd, TIMEOUT_MS), "channel", NULL);
		double t0 = bench_now();
		check(net_chan_tls(ch, pid ? a->t : b->t, pid != 0, pid ? b->fp : a->fp, NULL),
		      "handshake", ch);
		t[i] = bench_now() - t0;
		net_chan_free(ch);
		if (pid == 0)
			_exit(0);
		wait_child(pid);
	}
	for (int i = 1; i < HANDSHAKES; i++) /* insertion sort: a few hundred values */
		for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
			double x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	return t[HANDSHAKES / 2] * 1e3;
}

int main(void)
{
	char dir[] = "/tmp/bench_tls.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	struct ident a, b;
	make_ident(&a, dir, "a");
	make_ident(&b, dir, "b");
	double aes = bench_aes_blocks_per_s();
	struct result plain = run(false, &a, &b);
	struct result tls = run(true, &a, &b);
	tls.handshake_ms = handshake_ms(&a, &b);
	net_tls_free(a.t);
	net_tls_free(b.t);
	unlink(a.key), unlink(a.crt), unlink(b.key), unlink(b.crt), rmdir(dir);

	printf("mpcc TLS benchmark (loopback TCP, two processes, this machine has %ld cores)\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("  %-40s %10.0f M blocks/s\n", "AES-128-ECB (OpenSSL EVP, one core)", aes / 1e6);
	printf("  %-40s %10s %10s %8s\n", "", "plain", "TLS 1.3", "TLS/plain");
	printf("  %-40s %10.2f %10.2f %8.2f\n", "one way, 1 MiB writes (GB/s)", plain.bulk / 1e9,
	       tls.bulk / 1e9, tls.bulk / plain.bulk);
	printf("  %-40s %10.2f %10.2f %8.2f\n", "  CPU s per GiB, both ends", plain.bulk_cpu,
	       tls.bulk_cpu, tls.bulk_cpu / plain.bulk_cpu);
	printf("  %-40s %10.2f %10.2f %8.2f\n", "one way, 16 KiB writes (GB/s)", plain.small / 1e9,
	       tls.small / 1e9, tls.small / plain.small);
	printf("  %-40s %10.1f %10.1f %8.2f\n", "round trip, 32-byte message (us)", plain.rtt_us,
	       tls.rtt_us, tls.rtt_us / plain.rtt_us);
	printf("  %-40s %10s %10.2f\n", "mutual handshake, Ed25519, median (ms)", "-",
	       tls.handshake_ms);
	printf("{\"bench\": \"tls\", \"aes128_blocks_per_s\": %.0f, "
	       "\"plain_bytes_per_s\": %.0f, \"tls_bytes_per_s\": %.0f, "
	       "\"plain_cpu_s_per_gib\": %.3f, \"tls_cpu_s_per_gib\": %.3f, "
	       "\"plain_16k_bytes_per_s\": %.0f, \"tls_16k_bytes_per_s\": %.0f, "
	       "\"plain_rtt_us\": %.2f, \"tls_rtt_us\": %.2f, \"tls_handshake_ms\": %.3f}\n",
	       aes, plain.bulk, tls.bulk, plain.bulk_cpu, tls.bulk_cpu, plain.small, tls.small,
	       plain.rtt_us, tls.rtt_us, tls.handshake_ms);
	return 0;
}
