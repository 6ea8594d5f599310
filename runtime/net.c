/* net.c: buffered byte channel over a non-blocking socket, with poll()-bounded waits, and
 * the TCP listen/accept/connect helpers.
 *
 * Data path: net_send copies into a 1 MiB buffer (or writes a large block directly), net_recv
 * serves from a 1 MiB read buffer (or reads a large block directly). The socket is
 * non-blocking: send()/recv() are tried first and poll() runs only when they would block, so a
 * busy stream costs one system call per megabyte. send() carries MSG_NOSIGNAL so a closed peer
 * is an EPIPE error, not a SIGPIPE. Errors are sticky: the first one is kept with its message
 * and returned by every later call.
 */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

enum { NET_SOCK_BUF_BYTES = 4 << 20 }; /* kernel buffers asked for on a local socket */

struct net_chan {
	int fd;
	int timeout_ms;
	int spin_us;   /* how long a wait polls without sleeping first */
	rt_err failed; /* first error, returned by every later call */
	uint8_t *wbuf; /* queued output: wbuf[0..wlen) */
	size_t wlen;
	uint8_t *rbuf; /* buffered input: rbuf[rpos..rlen) */
	size_t rpos, rlen;
	uint64_t sent, received;
	EVP_MD_CTX *tx_sent, *tx_recv; /* transcript hashes, NULL until started */
	char errmsg[NET_ERRMSG_BYTES];
};

/* ---- time ---- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Deadline for a timeout (-1 = none). */
static int64_t deadline_after(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* Milliseconds left before the deadline, for poll(): -1 = forever, 0 = expired. */
static int ms_left(int64_t deadline)
{
	if (deadline < 0)
		return -1;
	int64_t left = deadline - now_ms();
	return left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

/* ---- error messages ---- */

static void set_msg(char *errmsg, const char *fmt, va_list ap)
{
	if (errmsg)
		vsnprintf(errmsg, NET_ERRMSG_BYTES, fmt, ap);
}

static rt_err fail_msg(char *errmsg, rt_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static rt_err fail_msg(char *errmsg, rt_err err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_msg(errmsg, fmt, ap);
	va_end(ap);
	return err;
}

static rt_err chan_fail(net_chan *ch, rt_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static rt_err chan_fail(net_chan *ch, rt_err err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_msg(ch->errmsg, fmt, ap);
	va_end(ap);
	ch->failed = err;
	return err;
}

void net_chan_set_error(net_chan *ch, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_msg(ch->errmsg, fmt, ap);
	va_end(ap);
}

const char *net_chan_errmsg(const net_chan *ch)
{
	return ch->errmsg;
}

/* The text for errno value e (the XSI strerror_r, which is thread-safe). */
static const char *errno_text(int e, char buf[96])
{
	if (strerror_r(e, buf, 96) != 0)
		snprintf(buf, 96, "error %d", e);
	return buf;
}

/* ---- channel ---- */

rt_err net_chan_new(net_chan **out, int fd, int timeout_ms)
{
	*out = NULL;
	if (fd < 0)
		return RT_ERR_INPUT;
	net_chan *ch = rt_calloc(1, sizeof(*ch));
	uint8_t *wbuf = rt_alloc(NET_BUF_BYTES);
	uint8_t *rbuf = rt_alloc(NET_BUF_BYTES);
	if (!ch || !wbuf || !rbuf) {
		rt_free(ch);
		rt_free(wbuf);
		rt_free(rbuf);
		close(fd);
		return RT_ERR_NOMEM;
	}
	ch->fd = fd;
	ch->timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
	ch->spin_us = NET_SPIN_US;
	const char *spin = getenv("MPCC_NET_SPIN_US");
	if (spin && *spin) {
		long v = strtol(spin, NULL, 10);
		ch->spin_us = v < 0 ? 0 : v > NET_SPIN_MAX_US ? NET_SPIN_MAX_US : (int)v;
	}
	ch->wbuf = wbuf;
	ch->rbuf = rbuf;
	*out = ch;

	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		char eb[96];
		chan_fail(ch, RT_ERR_IO, "cannot make the socket non-blocking: %s",
			  errno_text(errno, eb));
		net_chan_free(ch);
		*out = NULL;
		return RT_ERR_IO;
	}
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		ss.ss_family = AF_UNSPEC;
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
		int one = 1; /* small protocol messages must not wait for Nagle */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	} else if (ss.ss_family == AF_UNIX) {
		/* TCP sizes its buffers itself; a local socket keeps ~200 KiB unless asked, too
		 * little for two processes to overlap their work (the kernel caps the request) */
		int size = NET_SOCK_BUF_BYTES;
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	}
	return RT_OK;
}

void net_chan_free(net_chan *ch)
{
	if (!ch)
		return;
	close(ch->fd);
	EVP_MD_CTX_free(ch->tx_sent);
	EVP_MD_CTX_free(ch->tx_recv);
	/* the buffers held protocol messages, some of them masked secrets */
	secret_free(ch->wbuf, NET_BUF_BYTES);
	secret_free(ch->rbuf, NET_BUF_BYTES);
	rt_free(ch);
}

uint64_t net_bytes_sent(const net_chan *ch)
{
	return ch->sent;
}

uint64_t net_bytes_received(const net_chan *ch)
{
	return ch->received;
}

void net_chan_set_spin(net_chan *ch, int spin_us)
{
	ch->spin_us = spin_us < 0 ? 0 : spin_us > NET_SPIN_MAX_US ? NET_SPIN_MAX_US : spin_us;
}

/* Waits until the socket is ready for events, at most the channel's timeout: polls without
 * sleeping for spin_us first (see net.h), then sleeps in poll(). */
static rt_err wait_ready(net_chan *ch, short events)
{
	int64_t deadline = deadline_after(ch->timeout_ms);
	struct pollfd p = {.fd = ch->fd, .events = events};
	if (ch->spin_us > 0) { /* within the timeout, which the spin does not extend */
		int64_t end = now_us() + ch->spin_us;
		if (deadline >= 0 && end > deadline * 1000)
			end = deadline * 1000;
		do {
			int r = poll(&p, 1, 0);
			if (r > 0)
				return RT_OK;
			if (r < 0 && errno != EINTR) {
				char eb[96];
				return chan_fail(ch, RT_ERR_IO, "poll: %s", errno_text(errno, eb));
			}
			sched_yield(); /* whoever else waits for this core (the peer?) goes first */
		} while (now_us() < end);
	}
	for (;;) {
		int r = poll(&p, 1, ms_left(deadline));
		if (r > 0)
			return RT_OK; /* ready, or an error the next send/recv reports */
		if (r == 0)
			return chan_fail(ch, RT_ERR_TIMEOUT, "peer %s for %d ms",
					 events == POLLIN ? "sent nothing" : "took no data",
					 ch->timeout_ms);
		if (errno != EINTR) {
			char eb[96];
			return chan_fail(ch, RT_ERR_IO, "poll: %s", errno_text(errno, eb));
		}
	}
}

static rt_err write_all(net_chan *ch, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(ch->fd, p, n, MSG_NOSIGNAL);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			ch->sent += (uint64_t)k;
			continue;
		}
		int e = k < 0 ? errno : EIO;
		if (e == EINTR)
			continue;
		if (e == EAGAIN || e == EWOULDBLOCK) {
			rt_err err = wait_ready(ch, POLLOUT);
			if (err != RT_OK)
				return err;
			continue;
		}
		if (e == EPIPE || e == ECONNRESET)
			return chan_fail(ch, RT_ERR_IO,
					 "peer closed the connection (after %llu bytes sent)",
					 (unsigned long long)ch->sent);
		char eb[96];
		return chan_fail(ch, RT_ERR_IO, "send: %s", errno_text(e, eb));
	}
	return RT_OK;
}

rt_err net_flush(net_chan *ch)
{
	if (ch->failed != RT_OK)
		return ch->failed;
	rt_err err = write_all(ch, ch->wbuf, ch->wlen);
	ch->wlen = 0;
	return err;
}

rt_err net_send(net_chan *ch, const void *buf, size_t n)
{
	if (ch->failed != RT_OK)
		return ch->failed;
	if (n == 0)
		return RT_OK;
	if (ch->tx_sent && EVP_DigestUpdate(ch->tx_sent, buf, n) != 1)
		return chan_fail(ch, RT_ERR_CRYPTO, "transcript hash failed");
	int large = n >= NET_BUF_BYTES / 2; /* not worth a copy: goes straight to the socket */
	if (!large && n <= NET_BUF_BYTES - ch->wlen) {
		memcpy(ch->wbuf + ch->wlen, buf, n);
		ch->wlen += n;
		return RT_OK;
	}
	rt_err err = net_flush(ch);
	if (err != RT_OK)
		return err;
	if (large)
		return write_all(ch, buf, n);
	memcpy(ch->wbuf, buf, n);
	ch->wlen = n;
	return RT_OK;
}

rt_err net_send_now(net_chan *ch, const void *buf, size_t n)
{
	rt_err err = net_flush(ch);
	if (err != RT_OK || n == 0)
		return err;
	if (ch->tx_sent && EVP_DigestUpdate(ch->tx_sent, buf, n) != 1)
		return chan_fail(ch, RT_ERR_CRYPTO, "transcript hash failed");
	return write_all(ch, buf, n);
}

rt_err net_send_reserve(net_chan *ch, size_t n, uint8_t **p)
{
	*p = NULL;
	if (ch->failed != RT_OK)
		return ch->failed;
	if (n > NET_BUF_BYTES)
		return RT_ERR_INPUT;
	if (n > NET_BUF_BYTES - ch->wlen) {
		rt_err err = net_flush(ch);
		if (err != RT_OK)
			return err;
	}
	*p = ch->wbuf + ch->wlen;
	return RT_OK;
}

rt_err net_send_commit(net_chan *ch, size_t n)
{
	if (ch->failed != RT_OK)
		return ch->failed;
	if (n > NET_BUF_BYTES - ch->wlen)
		return RT_ERR_INPUT;
	if (ch->tx_sent && n > 0 && EVP_DigestUpdate(ch->tx_sent, ch->wbuf + ch->wlen, n) != 1)
		return chan_fail(ch, RT_ERR_CRYPTO, "transcript hash failed");
	ch->wlen += n;
	return RT_OK;
}

/* Reads at least one byte (at most cap) into p; flushes our output before waiting. */
static rt_err read_some(net_chan *ch, uint8_t *p, size_t cap, size_t *got)
{
	for (;;) {
		ssize_t k = recv(ch->fd, p, cap, 0);
		if (k > 0) {
			*got = (size_t)k;
			ch->received += (uint64_t)k;
			return RT_OK;
		}
		if (k == 0)
			return chan_fail(ch, RT_ERR_IO,
					 "peer closed the connection (after %llu bytes received)",
					 (unsigned long long)ch->received);
		int e = errno;
		if (e == EINTR)
			continue;
		if (e == EAGAIN || e == EWOULDBLOCK) {
			/* the peer may be waiting for what we queued */
			rt_err err = ch->wlen > 0 ? net_flush(ch) : RT_OK;
			if (err == RT_OK)
				err = wait_ready(ch, POLLIN);
			if (err != RT_OK)
				return err;
			continue;
		}
		if (e == ECONNRESET)
			return chan_fail(ch, RT_ERR_IO,
					 "peer reset the connection (after %llu bytes received)",
					 (unsigned long long)ch->received);
		char eb[96];
		return chan_fail(ch, RT_ERR_IO, "recv: %s", errno_text(e, eb));
	}
}

rt_err net_recv(net_chan *ch, void *buf, size_t n)
{
	if (ch->failed != RT_OK)
		return ch->failed;
	if (n == 0)
		return RT_OK;
	uint8_t *o = buf;
	size_t left = n;
	size_t take = ch->rlen - ch->rpos < left ? ch->rlen - ch->rpos : left;
	memcpy(o, ch->rbuf + ch->rpos, take);
	ch->rpos += take;
	o += take;
	left -= take;
	while (left > 0) {
		size_t got;
		rt_err err;
		if (left >= NET_BUF_BYTES / 2) { /* large: straight into the caller's buffer */
			err = read_some(ch, o, left, &got);
			if (err != RT_OK)
				return err;
			o += got;
			left -= got;
			continue;
		}
		ch->rpos = ch->rlen = 0;
		err = read_some(ch, ch->rbuf, NET_BUF_BYTES, &got);
		if (err != RT_OK)
			return err;
		ch->rlen = got;
		take = got < left ? got : left;
		memcpy(o, ch->rbuf, take);
		ch->rpos = take;
		o += take;
		left -= take;
	}
	if (ch->tx_recv && EVP_DigestUpdate(ch->tx_recv, buf, n) != 1)
		return chan_fail(ch, RT_ERR_CRYPTO, "transcript hash failed");
	return RT_OK;
}

rt_err net_recv_view(net_chan *ch, size_t n, const uint8_t **p)
{
	*p = NULL;
	if (ch->failed != RT_OK)
		return ch->failed;
	if (n > NET_BUF_BYTES)
		return RT_ERR_INPUT;
	if (n > ch->rlen - ch->rpos) {
		/* what is buffered moves to the front, then the rest arrives behind it */
		size_t have = ch->rlen - ch->rpos;
		memmove(ch->rbuf, ch->rbuf + ch->rpos, have);
		ch->rpos = 0;
		ch->rlen = have;
		while (ch->rlen < n) {
			size_t got;
			rt_err err =
			    read_some(ch, ch->rbuf + ch->rlen, NET_BUF_BYTES - ch->rlen, &got);
			if (err != RT_OK)
				return err;
			ch->rlen += got;
		}
	}
	*p = ch->rbuf + ch->rpos;
	ch->rpos += n;
	if (ch->tx_recv && n > 0 && EVP_DigestUpdate(ch->tx_recv, *p, n) != 1)
		return chan_fail(ch, RT_ERR_CRYPTO, "transcript hash failed");
	return RT_OK;
}

rt_err net_send_msg(net_chan *ch, const void *buf, size_t n)
{
	uint8_t hdr[NET_MSG_HEADER_BYTES];
	for (int i = 0; i < NET_MSG_HEADER_BYTES; i++)
		hdr[i] = (uint8_t)((uint64_t)n >> (8 * i));
	rt_err err = net_send(ch, hdr, sizeof(hdr));
	if (err == RT_OK)
		err = net_send(ch, buf, n);
	return err;
}

rt_err net_recv_msg(net_chan *ch, void *buf, size_t max, size_t *len)
{
	uint8_t hdr[NET_MSG_HEADER_BYTES];
	*len = 0;
	rt_err err = net_recv(ch, hdr, sizeof(hdr));
	if (err != RT_OK)
		return err;
	uint64_t n = 0;
	for (int i = 0; i < NET_MSG_HEADER_BYTES; i++)
		n |= (uint64_t)hdr[i] << (8 * i);
	if (n > max)
		return chan_fail(ch, RT_ERR_PROTOCOL,
				 "peer sent a message of %llu bytes, at most %zu expected",
				 (unsigned long long)n, max);
	err = net_recv(ch, buf, (size_t)n);
	if (err == RT_OK)
		*len = (size_t)n;
	return err;
}

/* ---- transcript ---- */

rt_err net_chan_start_transcript(net_chan *ch)
{
	if (ch->tx_sent)
		return RT_OK;
	ch->tx_sent = EVP_MD_CTX_new();
	ch->tx_recv = EVP_MD_CTX_new();
	if (!ch->tx_sent || !ch->tx_recv ||
	    EVP_DigestInit_ex(ch->tx_sent, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestInit_ex(ch->tx_recv, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ch->tx_sent);
		EVP_MD_CTX_free(ch->tx_recv);
		ch->tx_sent = ch->tx_recv = NULL;
		return RT_ERR_CRYPTO;
	}
	return RT_OK;
}

/* Finishes a copy of the running hash, so the original goes on. */
static rt_err digest_copy(const EVP_MD_CTX *running, uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok = c && EVP_MD_CTX_copy_ex(c, running) == 1 &&
		 EVP_DigestFinal_ex(c, out, &len) == 1 && len == 32;
	EVP_MD_CTX_free(c);
	return ok ? RT_OK : RT_ERR_CRYPTO;
}

rt_err net_chan_transcript(net_chan *ch, uint8_t sent[32], uint8_t received[32])
{
	if (!ch->tx_sent)
		return RT_ERR_INPUT;
	rt_err err = digest_copy(ch->tx_sent, sent);
	if (err == RT_OK)
		err = digest_copy(ch->tx_recv, received);
	return err;
}

/* ---- TCP set-up ---- */

enum { HOST_MAX = 256 };

/* Splits "HOST:PORT" or "[V6]:PORT" into host ("" for any) and a decimal port string. */
static rt_err parse_addr(const char *addr, char host[HOST_MAX], char port[6], char *errmsg)
{
	static const char want[] = "expected HOST:PORT or [IPV6]:PORT";
	if (!addr || !*addr)
		return fail_msg(errmsg, RT_ERR_INPUT, "empty address: %s", want);
	const char *h = addr, *colon;
	size_t hlen;
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');
		if (!close || close[1] != ':')
			return fail_msg(errmsg, RT_ERR_INPUT, "bad address '%.100s': %s", addr,
					want);
		h = addr + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return fail_msg(errmsg, RT_ERR_INPUT, "bad address '%.100s': no port, %s",
					addr, want);
		if (memchr(addr, ':', (size_t)(colon - addr)))
			return fail_msg(errmsg, RT_ERR_INPUT,
					"bad address '%.100s': put an IPv6 address in brackets, "
					"as in [::1]:7000",
					addr);
		hlen = (size_t)(colon - addr);
	}
	if (hlen >= HOST_MAX)
		return fail_msg(errmsg, RT_ERR_INPUT, "bad address '%.100s...': host too long",
				addr);
	memcpy(host, h, hlen);
	host[hlen] = '\0';

	const char *p = colon + 1;
	size_t plen = strlen(p);
	unsigned long v = 0;
	int digits = plen >= 1 && plen <= 5;
	for (size_t i = 0; digits && i < plen; i++) {
		digits = p[i] >= '0' && p[i] <= '9';
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (!digits || v > 65535)
		return fail_msg(errmsg, RT_ERR_INPUT,
				"bad address '%.100s': the port must be a number from 0 to 65535",
				addr);
	snprintf(port, 6, "%lu", v);
	return RT_OK;
}

static rt_err resolve(const char *addr, int passive, struct addrinfo **res, char *errmsg)
{
	char host[HOST_MAX], port[6];
	rt_err err = parse_addr(addr, host, port, errmsg);
	if (err != RT_OK)
		return err;
	if (!passive && !host[0])
		return fail_msg(errmsg, RT_ERR_INPUT, "bad address '%.100s': no host to connect to",
				addr);
	struct addrinfo hints = {
	    .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0),
	};
	int r = getaddrinfo(host[0] ? host : NULL, port, &hints, res);
	if (r != 0)
		return fail_msg(errmsg, RT_ERR_INPUT, "cannot resolve '%.100s': %s", host,
				r == EAI_SYSTEM ? "system error" : gai_strerror(r));
	return RT_OK;
}

rt_err net_listen(int *fd, const char *addr, char *errmsg)
{
	*fd = -1;
	struct addrinfo *res;
	rt_err err = resolve(addr, 1, &res, errmsg);
	if (err != RT_OK)
		return err;
	int e = 0;
	const char *what = "socket";
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (s < 0) {
			e = errno;
			what = "socket";
			continue;
		}
		int one = 1;
		(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		int flags;
		if (bind(s, ai->ai_addr, ai->ai_addrlen) < 0) {
			what = "bind";
		} else if (listen(s, SOMAXCONN) < 0) {
			what = "listen";
		} else if ((flags = fcntl(s, F_GETFL)) < 0 ||
			   fcntl(s, F_SETFL, flags | O_NONBLOCK) < 0) {
			what = "fcntl";
		} else {
			*fd = s;
			break;
		}
		e = errno;
		close(s);
	}
	freeaddrinfo(res);
	if (*fd >= 0)
		return RT_OK;
	char eb[96];
	return fail_msg(errmsg, RT_ERR_IO, "cannot listen on %.100s: %s: %s", addr, what,
			errno_text(e, eb));
}

rt_err net_local_port(int fd, uint16_t *port, char *errmsg)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		char eb[96];
		return fail_msg(errmsg, RT_ERR_IO, "getsockname: %s", errno_text(errno, eb));
	}
	if (ss.ss_family == AF_INET)
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		return fail_msg(errmsg, RT_ERR_INPUT, "not an IP socket");
	return RT_OK;
}

rt_err net_accept(int listen_fd, int timeout_ms, int *fd, char *errmsg)
{
	*fd = -1;
	if (listen_fd < 0)
		return fail_msg(errmsg, RT_ERR_INPUT, "no listening socket");
	int64_t deadline = deadline_after(timeout_ms);
	struct pollfd p = {.fd = listen_fd, .events = POLLIN};
	char eb[96];
	for (;;) {
		int r = poll(&p, 1, ms_left(deadline));
		if (r == 0)
			return fail_msg(errmsg, RT_ERR_TIMEOUT, "no peer connected within %d ms",
					timeout_ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return fail_msg(errmsg, RT_ERR_IO, "poll: %s", errno_text(errno, eb));
		}
		int s = accept(listen_fd, NULL, NULL);
		if (s >= 0) {
			(void)fcntl(s, F_SETFD, FD_CLOEXEC);
			*fd = s;
			return RT_OK;
		}
		/* the connection went away between poll and accept: wait for the next */
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			continue;
		return fail_msg(errmsg, RT_ERR_IO, "accept: %s", errno_text(errno, eb));
	}
}

/* Errors after which the peer may still come up: try again until the deadline. */
static int retryable(int e)
{
	return e == ECONNREFUSED || e == ETIMEDOUT || e == ECONNRESET || e == ECONNABORTED ||
	       e == ENETUNREACH || e == EHOSTUNREACH || e == EAGAIN || e == EINTR;
}

/* A connect to a free local port can meet itself (TCP simultaneous open). */
static int connected_to_self(int s)
{
	struct sockaddr_storage a, b;
	socklen_t la = sizeof(a), lb = sizeof(b);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (getsockname(s, (struct sockaddr *)&a, &la) < 0 ||
	    getpeername(s, (struct sockaddr *)&b, &lb) < 0)
		return 0;
	return la == lb && memcmp(&a, &b, la) == 0;
}

/* One attempt on one address; returns the socket or -1 with errno set. */
static int try_connect(const struct addrinfo *ai, int64_t deadline)
{
	int s =
	    socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (s < 0)
		return -1;
	int e = 0;
	if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0) {
		e = errno;
		if (e == EINPROGRESS) {
			struct pollfd p = {.fd = s, .events = POLLOUT};
			int r;
			do
				r = poll(&p, 1, ms_left(deadline));
			while (r < 0 && errno == EINTR);
			socklen_t len = sizeof(e);
			if (r == 0)
				e = ETIMEDOUT;
			else if (r < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
				e = errno;
		}
	}
	if (e == 0 && connected_to_self(s))
		e = ECONNREFUSED;
	if (e != 0) {
		close(s);
		errno = e;
		return -1;
	}
	return s;
}

rt_err net_connect(int *fd, const char *addr, int timeout_ms, char *errmsg)
{
	*fd = -1;
	struct addrinfo *res;
	rt_err err = resolve(addr, 0, &res, errmsg);
	if (err != RT_OK)
		return err;
	int64_t deadline = deadline_after(timeout_ms);
	int delay_ms = 5, e = 0;
	for (;;) {
		int any_retryable = 0;
		for (struct addrinfo *ai = res; ai && *fd < 0; ai = ai->ai_next) {
			*fd = try_connect(ai, deadline);
			if (*fd < 0) {
				e = errno;
				any_retryable |= retryable(e);
			}
		}
		if (*fd >= 0 || !any_retryable || ms_left(deadline) == 0)
			break;
		/* the peer is not up yet: back off a little, then try again */
		int wait = ms_left(deadline);
		if (wait < 0 || wait > delay_ms)
			wait = delay_ms;
		poll(NULL, 0, wait);
		delay_ms = delay_ms < 100 ? delay_ms * 2 : 200;
	}
	freeaddrinfo(res);
	if (*fd >= 0) {
		int flags = fcntl(*fd, F_GETFL); /* hand back an ordinary blocking socket */
		if (flags >= 0)
			(void)fcntl(*fd, F_SETFL, flags & ~O_NONBLOCK);
		return RT_OK;
	}
	char eb[96];
	if (retryable(e))
		return fail_msg(errmsg, RT_ERR_TIMEOUT,
				"could not connect to %.100s within %d ms: %s", addr, timeout_ms,
				errno_text(e, eb));
	return fail_msg(errmsg, RT_ERR_IO, "cannot connect to %.100s: %s", addr, errno_text(e, eb));
}
