/* test_net.c: the byte channel (runtime/net.c) between two processes over a socketpair, and
 * the TCP helpers over loopback. The peer runs in a fork()ed child; the parent asserts. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

TestSuite(net, .timeout = 60);

enum { TIMEOUT_MS = 20000 }; /* generous: a correct test never waits for it */

/* Deterministic test data: xorshift64* from a seed. */
static void fill_pattern(uint8_t *buf, size_t n, uint64_t *state)
{
	for (size_t i = 0; i < n; i++) {
		*state ^= *state >> 12;
		*state ^= *state << 25;
		*state ^= *state >> 27;
		buf[i] = (uint8_t)((*state * 0x2545F4914F6CDD1DULL) >> 56);
	}
}

typedef int (*peer_fn)(net_chan *ch, void *arg);

/* Runs fn(channel) in a child over a socketpair; returns the child's pid and the parent's end
 * as a channel with the given timeout. */
static pid_t start_peer(peer_fn fn, void *arg, int parent_timeout_ms, net_chan **parent)
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
	cr_assert(eq(int, net_chan_new(parent, sv[0], parent_timeout_ms), RT_OK));
	return pid;
}

static int wait_peer(pid_t pid)
{
	int status = 0;
	cr_assert(eq(int, waitpid(pid, &status, 0), pid));
	int exited = WIFEXITED(status);
	cr_assert(exited, "peer died, status %d", status);
	return WEXITSTATUS(status);
}

/* ---- round trips ---- */

/* Echoes length-prefixed messages until an empty one. */
static int echo_peer(net_chan *ch, void *arg)
{
	(void)arg;
	size_t max = 4u << 20;
	uint8_t *buf = malloc(max);
	size_t len = 1;
	while (len > 0) {
		if (net_recv_msg(ch, buf, max, &len) != RT_OK)
			return 1;
		if (net_send_msg(ch, buf, len) != RT_OK || net_flush(ch) != RT_OK)
			return 2;
	}
	free(buf);
	return 0;
}

Test(net, messages_round_trip)
{
	static const size_t sizes[] = {1,
				       7,
				       8,
				       4096,
				       NET_BUF_BYTES - 9,
				       NET_BUF_BYTES - 8,
				       NET_BUF_BYTES,
				       NET_BUF_BYTES + 1,
				       3u << 20,
				       0};
	net_chan *ch;
	pid_t pid = start_peer(echo_peer, NULL, TIMEOUT_MS, &ch);
	uint8_t *out = malloc(4u << 20), *in = malloc(4u << 20);
	uint64_t state = 1, total = 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i], len = 0;
		fill_pattern(out, n, &state);
		cr_assert(eq(int, net_send_msg(ch, out, n), RT_OK));
		cr_assert(eq(int, net_flush(ch), RT_OK));
		cr_assert(eq(int, net_recv_msg(ch, in, 4u << 20, &len), RT_OK), "%s",
			  net_chan_errmsg(ch));
		cr_assert(eq(sz, len, n));
		cr_assert(eq(int, memcmp(in, out, n), 0), "size %zu", n);
		total += NET_MSG_HEADER_BYTES + n;
	}
	cr_assert(eq(int, net_send(ch, NULL, 0), RT_OK)); /* empty transfers are no-ops */
	cr_assert(eq(int, net_recv(ch, NULL, 0), RT_OK));
	cr_assert(eq(u64, net_bytes_sent(ch), total));
	cr_assert(eq(u64, net_bytes_received(ch), total));
	cr_assert(eq(int, wait_peer(pid), 0));
	net_chan_free(ch);
	free(out);
	free(in);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* Unflushed small sends must still reach a peer that answers: net_recv flushes first. */
static int answer_peer(net_chan *ch, void *arg)
{
	(void)arg;
	uint8_t b[3];
	if (net_recv(ch, b, 3) != RT_OK)
		return 1;
	b[0] ^= 0xff;
	if (net_send(ch, b, 1) != RT_OK || net_flush(ch) != RT_OK)
		return 2;
	return 0;
}

Test(net, recv_flushes_queued_sends)
{
	net_chan *ch;
	pid_t pid = start_peer(answer_peer, NULL, TIMEOUT_MS, &ch);
	uint8_t q[3] = {0x12, 0x34, 0x56}, a = 0;
	cr_assert(eq(int, net_send(ch, q, 3), RT_OK));
	cr_assert(eq(int, net_recv(ch, &a, 1), RT_OK), "%s", net_chan_errmsg(ch));
	cr_assert(eq(u8, a, 0xed));
	cr_assert(eq(int, wait_peer(pid), 0));
	net_chan_free(ch);
}

/* ---- large transfers ---- */

enum { BIG = 48u << 20 };

/* The next piece size, up to left: often small (below small), otherwise up to large. */
static size_t next_piece(uint64_t *state, size_t small, size_t large, size_t left)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	size_t r = (size_t)(*state >> 40);
	size_t n = (*state >> 33) % 3 == 0 ? r % small + 1 : r % large;
	return n < left ? n : left;
}

/* Sends BIG pattern bytes in pieces of varied size, then reads a one-byte acknowledgement. */
static int big_sender_peer(net_chan *ch, void *arg)
{
	(void)arg;
	uint8_t *buf = malloc(BIG);
	uint64_t state = 7, sizes = 99;
	fill_pattern(buf, BIG, &state);
	for (size_t off = 0; off < BIG;) {
		size_t n = next_piece(&sizes, 100, 3u << 20, BIG - off);
		if (net_send(ch, buf + off, n) != RT_OK)
			return 1;
		off += n;
	}
	uint8_t ack;
	if (net_flush(ch) != RT_OK || net_recv(ch, &ack, 1) != RT_OK || ack != 0xac)
		return 2;
	free(buf);
	return 0;
}

Test(net, large_transfer_arrives_intact)
{
	net_chan *ch;
	pid_t pid = start_peer(big_sender_peer, NULL, TIMEOUT_MS, &ch);
	uint8_t *want = malloc(BIG), *got = malloc(BIG);
	uint64_t state = 7, sizes = 5;
	fill_pattern(want, BIG, &state);
	for (size_t off = 0; off < BIG;) {
		size_t n = next_piece(&sizes, 5000, 2u << 20, BIG - off);
		cr_assert(eq(int, net_recv(ch, got + off, n), RT_OK), "%s", net_chan_errmsg(ch));
		off += n;
	}
	cr_assert(eq(int, memcmp(got, want, BIG), 0));
	cr_assert(eq(u64, net_bytes_received(ch), BIG));
	uint8_t ack = 0xac;
	cr_assert(eq(int, net_send(ch, &ack, 1), RT_OK));
	cr_assert(eq(int, net_flush(ch), RT_OK));
	cr_assert(eq(int, wait_peer(pid), 0));
	net_chan_free(ch);
	free(want);
	free(got);
}

/* ---- failures ---- */

static int half_then_close_peer(net_chan *ch, void *arg)
{
	(void)arg;
	uint8_t buf[1000] = {1};
	return net_send(ch, buf, sizeof(buf)) == RT_OK && net_flush(ch) == RT_OK ? 0 : 1;
}

Test(net, peer_closing_midway_is_io_error)
{
	net_chan *ch;
	/* a long timeout: RT_ERR_IO (not TIMEOUT) shows the close was seen at once */
	pid_t pid = start_peer(half_then_close_peer, NULL, TIMEOUT_MS, &ch);
	uint8_t buf[2000];
	rt_err err = net_recv(ch, buf, sizeof(buf));
	cr_assert(eq(int, err, RT_ERR_IO));
	cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "closed"), NULL), "%s", net_chan_errmsg(ch));
	cr_assert(eq(u64, net_bytes_received(ch), 1000));
	/* errors stick */
	cr_assert(eq(int, net_recv(ch, buf, 1), RT_ERR_IO));
	cr_assert(eq(int, wait_peer(pid), 0));
	net_chan_free(ch);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

static int close_at_once_peer(net_chan *ch, void *arg)
{
	(void)ch;
	(void)arg;
	return 0;
}

Test(net, writing_to_closed_peer_is_io_error_not_sigpipe)
{
	net_chan *ch;
	pid_t pid = start_peer(close_at_once_peer, NULL, TIMEOUT_MS, &ch);
	cr_assert(eq(int, wait_peer(pid), 0)); /* the peer's end is closed now */
	size_t n = 16u << 20;
	uint8_t *buf = calloc(1, n);
	rt_err err = net_send(ch, buf, n);
	if (err == RT_OK)
		err = net_flush(ch);
	cr_assert(eq(int, err, RT_ERR_IO)); /* and we are still alive: no SIGPIPE */
	cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "closed"), NULL), "%s", net_chan_errmsg(ch));
	net_chan_free(ch);
	free(buf);
}

/* Blocks reading its own socket until the parent closes the channel. */
static int silent_peer(net_chan *ch, void *arg)
{
	(void)arg;
	uint8_t b;
	rt_err err = net_recv(ch, &b, 1);
	return err == RT_ERR_IO ? 0 : 1;
}

Test(net, stalled_peer_times_out_on_read)
{
	net_chan *ch;
	pid_t pid = start_peer(silent_peer, NULL, 200, &ch);
	uint8_t b;
	cr_assert(eq(int, net_recv(ch, &b, 1), RT_ERR_TIMEOUT));
	cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "200 ms"), NULL), "%s", net_chan_errmsg(ch));
	net_chan_free(ch); /* the close wakes the peer */
	cr_assert(eq(int, wait_peer(pid), 0));
}

/* A wait spins at most as long as the timeout allows: a stalled peer still times out on time,
 * whatever the spin. */
Test(net, spinning_wait_keeps_the_timeout)
{
	static const int spins[] = {0, 1000, 5000000};
	for (size_t i = 0; i < sizeof(spins) / sizeof(spins[0]); i++) {
		net_chan *ch;
		pid_t pid = start_peer(silent_peer, NULL, 200, &ch);
		net_chan_set_spin(ch, spins[i]);
		uint8_t b;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		cr_assert(eq(int, net_recv(ch, &b, 1), RT_ERR_TIMEOUT));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double s =
		    (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
		cr_assert(s < 5.0, "spin %d us: the wait took %.2f s", spins[i], s);
		net_chan_free(ch);
		cr_assert(eq(int, wait_peer(pid), 0));
	}
}

/* Never reads the socket: waits on a pipe the parent closes when done. */
static int not_reading_peer(net_chan *ch, void *arg)
{
	(void)ch;
	int *pipefd = arg;
	close(pipefd[1]);
	char c;
	return read(pipefd[0], &c, 1) == 0 ? 0 : 1;
}

Test(net, stalled_peer_times_out_on_write)
{
	int pipefd[2];
	cr_assert(eq(int, pipe(pipefd), 0));
	net_chan *ch;
	pid_t pid = start_peer(not_reading_peer, pipefd, 200, &ch);
	close(pipefd[0]);
	size_t n = 64u << 20; /* far more than the socket buffers hold */
	uint8_t *buf = calloc(1, n);
	rt_err err = net_send(ch, buf, n);
	if (err == RT_OK)
		err = net_flush(ch);
	cr_assert(eq(int, err, RT_ERR_TIMEOUT));
	close(pipefd[1]);
	cr_assert(eq(int, wait_peer(pid), 0));
	net_chan_free(ch);
	free(buf);
}

/* Sends a raw length prefix (arg) with only 16 bytes behind it. */
static int lying_length_peer(net_chan *ch, void *arg)
{
	uint64_t n = *(uint64_t *)arg;
	uint8_t hdr[NET_MSG_HEADER_BYTES + 16] = {0};
	for (int i = 0; i < NET_MSG_HEADER_BYTES; i++)
		hdr[i] = (uint8_t)(n >> (8 * i));
	if (net_send(ch, hdr, sizeof(hdr)) != RT_OK || net_flush(ch) != RT_OK)
		return 1;
	uint8_t b;
	return net_recv(ch, &b, 1) == RT_ERR_IO ? 0 : 2; /* wait for the parent to hang up */
}

Test(net, length_over_maximum_is_protocol_error)
{
	static uint64_t lengths[] = {17, 1ull << 40, UINT64_MAX};
	for (size_t i = 0; i < 3; i++) {
		net_chan *ch;
		pid_t pid = start_peer(lying_length_peer, &lengths[i], TIMEOUT_MS, &ch);
		uint8_t buf[16];
		size_t len = 99;
		size_t live = rt_alloc_live();
		rt_err err = net_recv_msg(ch, buf, sizeof(buf), &len);
		cr_assert(eq(int, err, RT_ERR_PROTOCOL), "length %llu",
			  (unsigned long long)lengths[i]);
		cr_assert(eq(sz, rt_alloc_live(), live)); /* nothing allocated for the peer */
		cr_assert(eq(sz, len, 0));
		cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "at most 16"), NULL), "%s",
			  net_chan_errmsg(ch));
		net_chan_free(ch);
		cr_assert(eq(int, wait_peer(pid), 0));
	}
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

Test(net, length_at_maximum_is_accepted)
{
	uint64_t n = 16;
	net_chan *ch;
	pid_t pid = start_peer(lying_length_peer, &n, TIMEOUT_MS, &ch);
	uint8_t buf[16];
	size_t len = 0;
	cr_assert(eq(int, net_recv_msg(ch, buf, sizeof(buf), &len), RT_OK));
	cr_assert(eq(sz, len, 16));
	net_chan_free(ch);
	cr_assert(eq(int, wait_peer(pid), 0));
}

/* ---- transcript ---- */

/* Exchanges some bytes with transcripts on, then sends its own digests. */
static int transcript_peer(net_chan *ch, void *arg)
{
	(void)arg;
	uint8_t buf[5000], sent[32], recvd[32];
	uint64_t state = 3;
	if (net_chan_start_transcript(ch) != RT_OK || net_recv(ch, buf, 3000) != RT_OK)
		return 1;
	fill_pattern(buf, sizeof(buf), &state);
	if (net_send(ch, buf, 5000) != RT_OK || net_chan_transcript(ch, sent, recvd) != RT_OK)
		return 2;
	if (net_send(ch, sent, 32) != RT_OK || net_send(ch, recvd, 32) != RT_OK ||
	    net_flush(ch) != RT_OK)
		return 3;
	return 0;
}

Test(net, transcripts_match_across_the_channel)
{
	net_chan *ch;
	uint8_t a[32], b[32];
	pid_t pid = start_peer(transcript_peer, NULL, TIMEOUT_MS, &ch);
	cr_assert(eq(int, net_chan_transcript(ch, a, b), RT_ERR_INPUT)); /* not started */
	cr_assert(eq(int, net_chan_start_transcript(ch), RT_OK));
	uint8_t buf[5000], sent[32], recvd[32], peer_sent[32], peer_recvd[32];
	uint64_t state = 4;
	fill_pattern(buf, 3000, &state);
	cr_assert(eq(int, net_send(ch, buf, 3000), RT_OK));
	cr_assert(eq(int, net_recv(ch, buf, 5000), RT_OK));
	cr_assert(eq(int, net_chan_transcript(ch, sent, recvd), RT_OK));
	cr_assert(eq(int, net_recv(ch, peer_sent, 32), RT_OK));
	cr_assert(eq(int, net_recv(ch, peer_recvd, 32), RT_OK));
	cr_assert(eq(int, memcmp(sent, peer_recvd, 32), 0));
	cr_assert(eq(int, memcmp(recvd, peer_sent, 32), 0));
	cr_assert(ne(int, memcmp(sent, recvd, 32), 0));
	cr_assert(eq(int, wait_peer(pid), 0));
	net_chan_free(ch);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* ---- without a copy: reserve/commit, send_now and views ---- */

enum { VIEW_ROUNDS = 12 };

/* Size of round i's block: small ones, ones that overflow what is buffered, the whole buffer. */
static size_t view_size(int i)
{
	static const size_t sizes[VIEW_ROUNDS] = {1,
						  16,
						  1000,
						  NET_BUF_BYTES / 2,
						  700000,
						  4096,
						  NET_BUF_BYTES,
						  3,
						  NET_BUF_BYTES - 1,
						  65536,
						  12345,
						  2};
	return sizes[i];
}

/* Reads each block as a view and sends it back with reserve/commit, reversed, in the same
 * size; a pattern block follows through plain net_send. */
static int view_echo_peer(net_chan *ch, void *arg)
{
	(void)arg;
	if (net_chan_start_transcript(ch) != RT_OK)
		return 1;
	for (int i = 0; i < VIEW_ROUNDS; i++) {
		size_t n = view_size(i);
		const uint8_t *in;
		uint8_t *out;
		if (net_recv_view(ch, n, &in) != RT_OK)
			return 2;
		uint8_t *copy = malloc(n);
		memcpy(copy, in, n); /* the view lasts until the next call */
		size_t room = n + 10 < NET_BUF_BYTES ? n + 10 : NET_BUF_BYTES; /* more than used */
		if (net_send_reserve(ch, room, &out) != RT_OK)
			return 3;
		for (size_t k = 0; k < n; k++)
			out[k] = copy[n - 1 - k];
		free(copy);
		if (net_send_commit(ch, n) != RT_OK || net_flush(ch) != RT_OK)
			return 4;
	}
	uint8_t sent[32], recvd[32];
	if (net_chan_transcript(ch, sent, recvd) != RT_OK || net_send(ch, sent, 32) != RT_OK ||
	    net_send(ch, recvd, 32) != RT_OK || net_flush(ch) != RT_OK)
		return 5;
	return 0;
}

Test(net, reserve_commit_and_views_round_trip)
{
	net_chan *ch;
	pid_t pid = start_peer(view_echo_peer, NULL, TIMEOUT_MS, &ch);
	cr_assert(eq(int, net_chan_start_transcript(ch), RT_OK));
	uint8_t *out = malloc(NET_BUF_BYTES), *in = malloc(NET_BUF_BYTES);
	uint64_t state = 21;
	for (int i = 0; i < VIEW_ROUNDS; i++) {
		size_t n = view_size(i);
		fill_pattern(out, n, &state);
		/* blocks go out both ways, and come back in pieces of other sizes */
		if (i % 2) {
			uint8_t *p;
			cr_assert(eq(int, net_send_reserve(ch, n, &p), RT_OK));
			memcpy(p, out, n);
			cr_assert(eq(int, net_send_commit(ch, n), RT_OK));
		} else if (i % 4 == 2) { /* queued bytes first, then the block without a copy */
			cr_assert(eq(int, net_send(ch, out, 1), RT_OK));
			cr_assert(eq(int, net_send_now(ch, out + 1, n - 1), RT_OK));
		} else {
			cr_assert(eq(int, net_send(ch, out, n), RT_OK));
		}
		cr_assert(eq(int, net_flush(ch), RT_OK));
		size_t got = 0;
		while (got < n) {
			size_t piece =
			    n - got < 1 + (size_t)i * 70001 ? n - got : 1 + (size_t)i * 70001;
			const uint8_t *v;
			cr_assert(eq(int, net_recv_view(ch, piece, &v), RT_OK), "%s",
				  net_chan_errmsg(ch));
			memcpy(in + got, v, piece);
			got += piece;
		}
		for (size_t k = 0; k < n; k++)
			cr_assert(in[k] == out[n - 1 - k], "round %d byte %zu", i, k);
	}
	uint8_t sent[32], recvd[32], peer_sent[32], peer_recvd[32];
	cr_assert(eq(int, net_chan_transcript(ch, sent, recvd), RT_OK));
	cr_assert(eq(int, net_recv(ch, peer_sent, 32), RT_OK));
	cr_assert(eq(int, net_recv(ch, peer_recvd, 32), RT_OK));
	cr_assert(eq(int, memcmp(sent, peer_recvd, 32), 0), "views and commits are hashed");
	cr_assert(eq(int, memcmp(recvd, peer_sent, 32), 0));
	cr_assert(eq(int, wait_peer(pid), 0));
	net_chan_free(ch);
	free(out);
	free(in);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

Test(net, reserve_and_view_refuse_more_than_the_buffer)
{
	net_chan *ch;
	pid_t pid = start_peer(close_at_once_peer, NULL, TIMEOUT_MS, &ch);
	uint8_t *p = (uint8_t *)&ch;
	const uint8_t *v = p;
	cr_assert(eq(int, net_send_reserve(ch, NET_BUF_BYTES + 1, &p), RT_ERR_INPUT));
	cr_assert(eq(ptr, p, NULL));
	cr_assert(eq(int, net_recv_view(ch, NET_BUF_BYTES + 1, &v), RT_ERR_INPUT));
	cr_assert(eq(ptr, (void *)v, NULL));
	cr_assert(eq(int, net_send(ch, "abc", 3), RT_OK));
	cr_assert(eq(int, net_send_reserve(ch, 10, &p), RT_OK));
	cr_assert(
	    eq(int, net_send_commit(ch, NET_BUF_BYTES - 2), RT_ERR_INPUT)); /* past the room */
	cr_assert(eq(int, net_send_commit(ch, 0), RT_OK));
	cr_assert(eq(int, wait_peer(pid), 0));
	net_chan_free(ch);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* ---- TCP ---- */

struct tcp_arg {
	char addr[64];
	int pipe_w; /* -1, or a pipe to write one byte to before connecting */
	int timeout_ms;
};

/* Connects to arg->addr, then echoes one 4 MiB block. */
static void tcp_client(struct tcp_arg *a)
{
	char msg[NET_ERRMSG_BYTES];
	int fd;
	if (a->pipe_w >= 0 && write(a->pipe_w, "x", 1) != 1)
		_exit(10);
	if (net_connect(&fd, a->addr, a->timeout_ms, msg) != RT_OK)
		_exit(11);
	net_chan *ch;
	if (net_chan_new(&ch, fd, TIMEOUT_MS) != RT_OK)
		_exit(12);
	size_t n = 4u << 20;
	uint8_t *buf = malloc(n);
	if (net_recv(ch, buf, n) != RT_OK || net_send(ch, buf, n) != RT_OK ||
	    net_flush(ch) != RT_OK)
		_exit(13);
	free(buf);
	net_chan_free(ch);
	_exit(0);
}

/* Accepts on lfd and checks the echo of a 4 MiB block. */
static void tcp_serve_echo(int lfd)
{
	char msg[NET_ERRMSG_BYTES];
	int fd;
	cr_assert(eq(int, net_accept(lfd, TIMEOUT_MS, &fd, msg), RT_OK), "%s", msg);
	net_chan *ch;
	cr_assert(eq(int, net_chan_new(&ch, fd, TIMEOUT_MS), RT_OK));
	size_t n = 4u << 20;
	uint8_t *out = malloc(n), *in = malloc(n);
	uint64_t state = 11;
	fill_pattern(out, n, &state);
	cr_assert(eq(int, net_send(ch, out, n), RT_OK));
	cr_assert(eq(int, net_flush(ch), RT_OK));
	cr_assert(eq(int, net_recv(ch, in, n), RT_OK), "%s", net_chan_errmsg(ch));
	cr_assert(eq(int, memcmp(in, out, n), 0));
	net_chan_free(ch);
	free(out);
	free(in);
}

static void tcp_round_trip(const char *listen_addr, const char *host_fmt)
{
	char msg[NET_ERRMSG_BYTES];
	int lfd;
	rt_err err = net_listen(&lfd, listen_addr, msg);
	if (err != RT_OK && strstr(listen_addr, "::1"))
		cr_skip_test("no IPv6 loopback here: %s", msg);
	cr_assert(eq(int, err, RT_OK), "%s", msg);
	uint16_t port = 0;
	cr_assert(eq(int, net_local_port(lfd, &port, msg), RT_OK));
	cr_assert(ne(u16, port, 0));
	struct tcp_arg a = {.pipe_w = -1, .timeout_ms = TIMEOUT_MS};
	snprintf(a.addr, sizeof(a.addr), host_fmt, port);
	pid_t pid = fork();
	cr_assert(ne(int, pid, -1));
	if (pid == 0) {
		close(lfd);
		tcp_client(&a);
	}
	tcp_serve_echo(lfd);
	close(lfd);
	cr_assert(eq(int, wait_peer(pid), 0));
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

Test(net, tcp_loopback_ipv4)
{
	tcp_round_trip("127.0.0.1:0", "127.0.0.1:%u");
}

Test(net, tcp_loopback_ipv6)
{
	tcp_round_trip("[::1]:0", "[::1]:%u");
}

/* A TCP socket bound to a free loopback port but not listening: connects are refused. */
static int bound_not_listening(uint16_t *port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(ge(int, s, 0));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(eq(int, bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0));
	cr_assert(eq(int, net_local_port(s, port, NULL), RT_OK));
	return s;
}

Test(net, connect_retries_until_listener_is_up)
{
	uint16_t port;
	int s = bound_not_listening(&port);
	int pipefd[2];
	cr_assert(eq(int, pipe(pipefd), 0));
	struct tcp_arg a = {.pipe_w = pipefd[1], .timeout_ms = TIMEOUT_MS};
	snprintf(a.addr, sizeof(a.addr), "127.0.0.1:%u", port);
	pid_t pid = fork();
	cr_assert(ne(int, pid, -1));
	if (pid == 0) {
		close(s);
		tcp_client(&a);
	}
	char c;
	cr_assert(eq(int, (int)read(pipefd[0], &c, 1), 1)); /* the client is connecting now */
	cr_assert(eq(int, listen(s, 4), 0));
	tcp_serve_echo(s);
	close(s);
	close(pipefd[0]);
	close(pipefd[1]);
	cr_assert(eq(int, wait_peer(pid), 0));
}

Test(net, connect_times_out_without_listener)
{
	uint16_t port;
	int s = bound_not_listening(&port);
	char addr[64], msg[NET_ERRMSG_BYTES] = "";
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	int fd = 5;
	cr_assert(eq(int, net_connect(&fd, addr, 200, msg), RT_ERR_TIMEOUT));
	cr_assert(eq(int, fd, -1));
	cr_assert(ne(ptr, strstr(msg, "200 ms"), NULL), "%s", msg);
	close(s);
}

Test(net, accept_times_out)
{
	char msg[NET_ERRMSG_BYTES];
	int lfd, fd;
	cr_assert(eq(int, net_listen(&lfd, "127.0.0.1:0", msg), RT_OK), "%s", msg);
	cr_assert(eq(int, net_accept(lfd, 100, &fd, msg), RT_ERR_TIMEOUT));
	cr_assert(eq(int, fd, -1));
	cr_assert(eq(int, net_accept(-1, 100, &fd, msg), RT_ERR_INPUT));
	close(lfd);
}

static const struct {
	const char *addr, *text;
} bad_addrs[] = {
    {"", "empty address"},
    {"localhost", "no port"},
    {"127.0.0.1:", "port must be a number"},
    {"127.0.0.1:99999", "port must be a number"},
    {"127.0.0.1:12a", "port must be a number"},
    {"127.0.0.1:-1", "port must be a number"},
    {"::1:7000", "brackets"},
    {"[::1]7000", "expected HOST:PORT"},
    {"[::1", "expected HOST:PORT"},
    {":7000", "no host"},
};

ParameterizedTestParameters(net, bad_address_is_input_error)
{
	static size_t idx[sizeof(bad_addrs) / sizeof(bad_addrs[0])];
	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, sizeof(idx) / sizeof(idx[0]));
}

ParameterizedTest(size_t *i, net, bad_address_is_input_error)
{
	char msg[NET_ERRMSG_BYTES] = "";
	int fd = 5;
	rt_err err = net_connect(&fd, bad_addrs[*i].addr, 1000, msg);
	cr_assert(eq(int, err, RT_ERR_INPUT), "'%s'", bad_addrs[*i].addr);
	cr_assert(eq(int, fd, -1));
	cr_assert(ne(ptr, strstr(msg, bad_addrs[*i].text), NULL), "'%s' -> %s", bad_addrs[*i].addr,
		  msg);
}

Test(net, listen_rejects_bad_address)
{
	char msg[NET_ERRMSG_BYTES] = "";
	int fd;
	cr_assert(eq(int, net_listen(&fd, "127.0.0.1", msg), RT_ERR_INPUT));
	cr_assert(ne(ptr, strstr(msg, "no port"), NULL), "%s", msg);
}
