/* net.c: buffered byte channel over a non-blocking socket, with poll()-bounded waits, and
 * the TCP listen/accept/connect helpers.
 *
 * Data path: net_send copies into a 1 MiB buffer (or writes a large block directly), net_recv
 * serves from a 1 MiB read buffer (or reads a large block directly). The socket is
 * non-blocking: send()/recv() are tried first and poll() runs only when they would block, so a
 * busy stream costs one system call per megabyte. send() carries MSG_NOSIGNAL so a closed peer
 * is an EPIPE error, not a SIGPIPE. Errors are sticky: the first one is kept with its message
 * and returned by every later call.
 *
 * TLS (net_chan_tls): an OpenSSL SSL object runs over the same non-blocking socket through a
 * small BIO of our own (send with MSG_NOSIGNAL, recv), and SSL_write/SSL_read take the place
 * of send/recv: "want read/write" from OpenSSL leads to the same poll() waits. The verify
 * callback accepts any certificate chain, self-signed included, and decides by the SHA-256
 * fingerprint of the leaf alone; the pin is checked once more after the handshake. In TLS 1.3
 * the client finishes its handshake before the server has checked the client's certificate,
 * so the server then sends one byte that says it accepted: net_chan_tls returns on both sides
 * only when both are authenticated, and a refused client learns it there, not at some later
 * read. Session tickets are off (no resumption: every connection proves its key afresh).
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

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls.h"

enum {
	NET_SOCK_BUF_BYTES = 4 << 20, /* kernel buffers asked for on a local socket */
	TLS_WRITE_MAX = 1 << 30,      /* most bytes handed to one SSL_write (it takes an int) */
	TLS_READ_BUF_BYTES = 1 << 17, /* OpenSSL's read buffer: reads ahead many records at once */
	TLS_ACCEPTED = 0x5a,	      /* the server's "I accept your certificate" byte */
};

/* AES-128-GCM first: ~15% less CPU per byte than OpenSSL's default first choice, AES-256-GCM
 * (`openssl speed -evp`), at the 128-bit level the garbling itself has. */
static const char TLS_SUITES[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

_Static_assert((int)NET_TLS_FP_BYTES == (int)TLS_FP_BYTES, "one fingerprint size");

/* What the verify callback checks and finds, for one channel. */
struct tls_pin {
	bool pinned;   /* expect is set */
	bool seen;     /* got is the peer's fingerprint */
	bool mismatch; /* got differs from expect */
	uint8_t expect[TLS_FP_BYTES];
	uint8_t got[TLS_FP_BYTES];
};

struct net_chan {
	int fd;
	int timeout_ms;
	int spin_us;   /* how long a wait polls without sleeping first */
	rt_err failed; /* first error, returned by every later call */
	uint8_t *wbuf; /* queued output: wbuf[0..wlen) */
	size_t wlen;
	uint8_t *rbuf; /* buffered input: rbuf[rpos..rlen) */
	size_t rpos, rlen;
	size_t wused, rused; /* how far each buffer was ever written: what the free wipes */
	uint64_t sent, received;
	EVP_MD_CTX *tx_sent, *tx_recv; /* transcript hashes, NULL until started */
	SSL *ssl;		       /* NULL: plain socket */
	BIO_METHOD *bio_meth;	       /* the socket BIO under ssl */
	bool tls_ready;		       /* handshake done, both sides accepted */
	const char *tls_what;	       /* "TLS handshake", then "TLS": for messages */
	uint8_t head[2], nhead;	       /* the first bytes received (plain channels) */
	bool tls_heard;		       /* the TLS peer sent a byte (handshake included) */
	struct tls_pin pin;
	char errmsg[NET_ERRMSG_BYTES];
};

static void used(size_t *mark, size_t end)
{
	if (end > *mark)
		*mark = end;
}

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
	if (ch->ssl) {
		if (ch->tls_ready && ch->failed == RT_OK)
			(void)SSL_shutdown(ch->ssl); /* close_notify, if the socket takes it now */
		SSL_free(ch->ssl);		     /* wipes the session keys */
		ERR_clear_error();
	}
	BIO_meth_free(ch->bio_meth);
	close(ch->fd);
	EVP_MD_CTX_free(ch->tx_sent);
	EVP_MD_CTX_free(ch->tx_recv);
	/* the buffers held protocol messages, some of them masked secrets: wipe what was used
	 * (wiping all of a fresh 1 MiB buffer would fault in pages never touched) */
	secret_wipe(ch->wbuf, ch->wused);
	secret_wipe(ch->rbuf, ch->rused);
	rt_free(ch->wbuf);
	rt_free(ch->rbuf);
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

/* Waits until the socket is ready for events, at most until deadline: polls without sleeping
 * for spin_us first (see net.h), then sleeps in poll(). */
static rt_err wait_until(net_chan *ch, short events, int64_t deadline)
{
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

/* Waits for events, at most the channel's timeout. */
static rt_err wait_ready(net_chan *ch, short events)
{
	return wait_until(ch, events, deadline_after(ch->timeout_ms));
}

static rt_err tls_write_some(net_chan *ch, const uint8_t *p, size_t n, size_t *k, short *wait);
static rt_err tls_read_some(net_chan *ch, uint8_t *p, size_t cap, size_t *k, short *wait);

/* Hands the kernel some of p[0..n): *k bytes (0 when it takes none now: then wait for *wait,
 * or 0 for none, and try again). */
static rt_err sock_write_some(net_chan *ch, const uint8_t *p, size_t n, size_t *k, short *wait)
{
	ssize_t r = send(ch->fd, p, n, MSG_NOSIGNAL);
	if (r > 0) {
		*k = (size_t)r;
		return RT_OK;
	}
	int e = r < 0 ? errno : EIO;
	if (e == EINTR)
		return RT_OK;
	if (e == EAGAIN || e == EWOULDBLOCK) {
		*wait = POLLOUT;
		return RT_OK;
	}
	if (e == EPIPE || e == ECONNRESET)
		return chan_fail(ch, RT_ERR_IO,
				 "peer closed the connection (after %llu bytes sent)",
				 (unsigned long long)ch->sent);
	char eb[96];
	return chan_fail(ch, RT_ERR_IO, "send: %s", errno_text(e, eb));
}

static rt_err write_all(net_chan *ch, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t k = 0;
		short wait = 0;
		rt_err err = ch->ssl ? tls_write_some(ch, p, n, &k, &wait)
				     : sock_write_some(ch, p, n, &k, &wait);
		if (err == RT_OK && wait != 0)
			err = wait_ready(ch, wait);
		if (err != RT_OK)
			return err;
		p += k;
		n -= k;
		ch->sent += (uint64_t)k;
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
		used(&ch->wused, ch->wlen);
		return RT_OK;
	}
	rt_err err = net_flush(ch);
	if (err != RT_OK)
		return err;
	if (large)
		return write_all(ch, buf, n);
	memcpy(ch->wbuf, buf, n);
	ch->wlen = n;
	used(&ch->wused, n);
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
	used(&ch->wused, ch->wlen + n); /* the caller may write all n */
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

/* Takes up to cap bytes from the kernel into p: *k of them (0: none yet, as for
 * sock_write_some). */
static rt_err sock_read_some(net_chan *ch, uint8_t *p, size_t cap, size_t *k, short *wait)
{
	ssize_t r = recv(ch->fd, p, cap, 0);
	if (r > 0) {
		*k = (size_t)r;
		return RT_OK;
	}
	if (r == 0)
		return chan_fail(ch, RT_ERR_IO,
				 "peer closed the connection (after %llu bytes received)",
				 (unsigned long long)ch->received);
	int e = errno;
	if (e == EINTR)
		return RT_OK;
	if (e == EAGAIN || e == EWOULDBLOCK) {
		*wait = POLLIN;
		return RT_OK;
	}
	if (e == ECONNRESET)
		return chan_fail(ch, RT_ERR_IO,
				 "peer reset the connection (after %llu bytes received)",
				 (unsigned long long)ch->received);
	char eb[96];
	return chan_fail(ch, RT_ERR_IO, "recv: %s", errno_text(e, eb));
}

/* Reads at least one byte (at most cap) into p; flushes our output before waiting. */
static rt_err read_some(net_chan *ch, uint8_t *p, size_t cap, size_t *got)
{
	for (;;) {
		size_t k = 0;
		short wait = 0;
		rt_err err = ch->ssl ? tls_read_some(ch, p, cap, &k, &wait)
				     : sock_read_some(ch, p, cap, &k, &wait);
		if (err != RT_OK)
			return err;
		if (k > 0) {
			for (size_t i = 0; !ch->ssl && ch->nhead < 2 && i < k; i++)
				ch->head[ch->nhead++] = p[i];
			*got = k;
			ch->received += (uint64_t)k;
			return RT_OK;
		}
		if (wait != 0) {
			/* the peer may be waiting for what we queued */
			err = ch->wlen > 0 ? net_flush(ch) : RT_OK;
			if (err == RT_OK)
				err = wait_ready(ch, wait);
			if (err != RT_OK)
				return err;
		}
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
		used(&ch->rused, got);
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

bool net_chan_readable(net_chan *ch, int timeout_ms)
{
	if (ch->failed != RT_OK || ch->rpos < ch->rlen || (ch->ssl && SSL_pending(ch->ssl) > 0))
		return true;
	struct pollfd p = {.fd = ch->fd, .events = POLLIN};
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r != 0;
}

int net_chan_fd(const net_chan *ch)
{
	return ch->fd;
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
			used(&ch->rused, ch->rlen);
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

/* ---- TLS ---- */

struct net_tls_ctx {
	SSL_CTX *ssl;
	uint8_t fp[TLS_FP_BYTES]; /* our own certificate's */
};

/* Accepts any chain and judges the leaf (depth 0) by its fingerprint alone: there is no CA, a
 * self-signed certificate is the norm, and dates do not matter (the parties file is the trust
 * anchor: a party's key is revoked by removing its fingerprint). */
static int verify_pin(int preverify_ok, X509_STORE_CTX *x)
{
	(void)preverify_ok;
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_pin *pin = ssl ? SSL_get_app_data(ssl) : NULL;
	if (!pin)
		return 0;
	if (X509_STORE_CTX_get_error_depth(x) != 0)
		return 1;
	uint8_t fp[TLS_FP_BYTES];
	if (tls_cert_fingerprint(X509_STORE_CTX_get_current_cert(x), fp) != RT_OK)
		return 0;
	memcpy(pin->got, fp, TLS_FP_BYTES);
	pin->seen = true;
	if (pin->pinned && memcmp(fp, pin->expect, TLS_FP_BYTES) != 0) {
		pin->mismatch = true;
		X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_REJECTED); /* alert: bad_certificate */
		return 0;
	}
	X509_STORE_CTX_set_error(x, X509_V_OK);
	return 1;
}

/* A context for key and crt (whose references it takes: freed here either way); what names
 * them in a message. */
static rt_err tls_ctx_new(net_tls_ctx **out, EVP_PKEY *key, X509 *crt, const char *what,
			  char *errmsg)
{
	rt_err err = RT_OK;
	net_tls_ctx *t = rt_calloc(1, sizeof(*t));
	SSL_CTX *c = t ? SSL_CTX_new(TLS_method()) : NULL;
	if (!t || !c) {
		err =
		    fail_msg(errmsg, t ? RT_ERR_CRYPTO : RT_ERR_NOMEM, "cannot make a TLS context");
		goto out;
	}
	t->ssl = c;
	if (SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_ciphersuites(c, TLS_SUITES) != 1 || SSL_CTX_use_certificate(c, crt) != 1 ||
	    SSL_CTX_use_PrivateKey(c, key) != 1 || SSL_CTX_check_private_key(c) != 1 ||
	    SSL_CTX_set_num_tickets(c, 0) != 1 || tls_cert_fingerprint(crt, t->fp) != RT_OK) {
		const char *why = ERR_reason_error_string(ERR_peek_last_error());
		err = fail_msg(errmsg, RT_ERR_CRYPTO, "cannot use %s for TLS: %s", what,
			       why ? why : "unknown reason");
		goto out;
	}
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_pin);
	SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE); /* SSL_write returns per record */
	SSL_CTX_set_read_ahead(c, 1);
	SSL_CTX_set_default_read_buffer_len(c, TLS_READ_BUF_BYTES);
	*out = t;
out:
	EVP_PKEY_free(key); /* the context holds its own references */
	X509_free(crt);
	if (err != RT_OK)
		net_tls_free(t);
	ERR_clear_error();
	return err;
}

rt_err net_tls_new(net_tls_ctx **out, const char *key_path, const char *crt_path, char *errmsg)
{
	*out = NULL;
	EVP_PKEY *key;
	X509 *crt;
	rt_err err = tls_load_identity(key_path, crt_path, &key, &crt, errmsg, NET_ERRMSG_BYTES);
	if (err != RT_OK)
		return err;
	char what[2 * 300];
	snprintf(what, sizeof(what), "%.290s and %.290s", key_path, crt_path);
	return tls_ctx_new(out, key, crt, what, errmsg);
}

rt_err net_tls_ephemeral(net_tls_ctx **out, const char *name, char *errmsg)
{
	*out = NULL;
	EVP_PKEY *key;
	X509 *crt;
	rt_err err = tls_new_identity(name, &key, &crt, errmsg, NET_ERRMSG_BYTES);
	return err != RT_OK ? err : tls_ctx_new(out, key, crt, "a new key", errmsg);
}

void net_tls_free(net_tls_ctx *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ssl);
	rt_free(t);
}

void net_tls_fingerprint(const net_tls_ctx *t, uint8_t fp[NET_TLS_FP_BYTES])
{
	memcpy(fp, t->fp, TLS_FP_BYTES);
}

bool net_chan_is_tls(const net_chan *ch)
{
	return ch->tls_ready;
}

bool net_chan_closed_before_a_byte(const net_chan *ch)
{
	return !ch->ssl && ch->failed == RT_ERR_IO && ch->received == 0;
}

bool net_chan_peer_spoke_tls(const net_chan *ch)
{
	/* a TLS record: content type 22 (handshake), then version 3.x */
	return !ch->ssl && ch->nhead == 2 && ch->head[0] == 0x16 && ch->head[1] == 0x03;
}

const char *net_chan_tls_suite(const net_chan *ch)
{
	const SSL_CIPHER *c = ch->tls_ready ? SSL_get_current_cipher(ch->ssl) : NULL;
	const char *name = c ? SSL_CIPHER_standard_name(c) : NULL;
	return name ? name : "";
}

/* The socket BIO under the SSL: send() with MSG_NOSIGNAL, so that a closed peer is an error
 * and not a SIGPIPE (OpenSSL's own socket BIO uses write()). */
static int bio_sock_write(BIO *b, const char *buf, int len)
{
	net_chan *ch = BIO_get_data(b);
	BIO_clear_retry_flags(b);
	ssize_t r = send(ch->fd, buf, (size_t)len, MSG_NOSIGNAL);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_write(b);
	return (int)r;
}

static int bio_sock_read(BIO *b, char *buf, int len)
{
	net_chan *ch = BIO_get_data(b);
	BIO_clear_retry_flags(b);
	ssize_t r = recv(ch->fd, buf, (size_t)len, 0);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_read(b);
	ch->tls_heard |= r > 0;
	return (int)r;
}

static long bio_sock_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b, (void)num, (void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0; /* nothing is buffered here */
}

static int bio_sock_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/* The peer's certificate alerts, and OpenSSL's name for "no certificate came". */
static bool is_cert_refusal(int reason)
{
	switch (reason) {
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
	case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
	case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
		return true;
	}
	return false;
}

/* Records why an SSL call failed: e is SSL_get_error's verdict. */
static rt_err tls_fail(net_chan *ch, int e)
{
	const char *what = ch->tls_what;
	unsigned long code = ERR_peek_last_error();
	int reason = ERR_GET_REASON(code);
	const char *text = ERR_reason_error_string(code);
	if (!text)
		text = "unknown reason";
	char eb[96];
	rt_err err;
	if (ch->pin.mismatch) {
		char want[TLS_FP_CHARS], got[TLS_FP_CHARS];
		tls_fp_format(want, ch->pin.expect);
		tls_fp_format(got, ch->pin.got);
		err = chan_fail(ch, RT_ERR_AUTH,
				"%s: the peer's certificate does not match the pinned fingerprint: "
				"expected %.23s..., got %.23s...",
				what, want, got);
	} else if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0) ||
		   (e == SSL_ERROR_SSL && reason == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
		err = chan_fail(
		    ch, RT_ERR_IO, "%s: peer closed the connection (after %llu bytes received)%s",
		    what, (unsigned long long)ch->received,
		    ch->tls_heard
			? ""
			: "; a party run with --insecure closes like this: " NET_HINT_TLS_FIX);
	} else if (e == SSL_ERROR_SYSCALL) {
		int sys = errno;
		if (sys == EPIPE || sys == ECONNRESET)
			err = chan_fail(ch, RT_ERR_IO, "%s: peer closed the connection", what);
		else
			err = chan_fail(ch, RT_ERR_IO, "%s: %s", what, errno_text(sys, eb));
	} else if (e != SSL_ERROR_SSL) {
		err = chan_fail(ch, RT_ERR_CRYPTO, "%s: OpenSSL error %d", what, e);
	} else if (is_cert_refusal(reason)) {
		err = chan_fail(ch, RT_ERR_AUTH,
				"%s: the peer refused our certificate (%s): does it pin our "
				"fingerprint?",
				what, text);
	} else if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
		err = chan_fail(ch, RT_ERR_AUTH, "%s: the peer presented no certificate", what);
	} else if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
		err = chan_fail(ch, RT_ERR_AUTH, "%s: the peer's certificate is not acceptable",
				what);
	} else if (reason == SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC) {
		err = chan_fail(ch, RT_ERR_PROTOCOL,
				"%s: a record failed its integrity check (altered in transit?)",
				what);
	} else if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
		   reason == SSL_R_HTTP_REQUEST || reason == SSL_R_UNSUPPORTED_PROTOCOL ||
		   reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION) {
		err = chan_fail(
		    ch, RT_ERR_PROTOCOL,
		    "%s: the peer does not speak TLS 1.3 (%s); is it running without TLS?", what,
		    text);
	} else {
		err = chan_fail(ch, RT_ERR_PROTOCOL, "%s failed: %s", what, text);
	}
	ERR_clear_error();
	return err;
}

/* After SSL_* returned r <= 0: what to wait for, or the error. */
static rt_err tls_want(net_chan *ch, int r, short *wait)
{
	int e = SSL_get_error(ch->ssl, r);
	if (e == SSL_ERROR_WANT_READ) {
		*wait = POLLIN;
		return RT_OK;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		*wait = POLLOUT;
		return RT_OK;
	}
	return tls_fail(ch, e);
}

static rt_err tls_write_some(net_chan *ch, const uint8_t *p, size_t n, size_t *k, short *wait)
{
	ERR_clear_error();
	errno = 0;
	/* after "want", OpenSSL needs the same arguments again: the caller keeps p and n */
	int r = SSL_write(ch->ssl, p, (int)(n < TLS_WRITE_MAX ? n : TLS_WRITE_MAX));
	if (r > 0) {
		*k = (size_t)r;
		return RT_OK;
	}
	return tls_want(ch, r, wait);
}

static rt_err tls_read_some(net_chan *ch, uint8_t *p, size_t cap, size_t *k, short *wait)
{
	ERR_clear_error();
	errno = 0;
	int r = SSL_read(ch->ssl, p, (int)(cap < INT32_MAX ? cap : INT32_MAX));
	if (r > 0) {
		*k = (size_t)r;
		return RT_OK;
	}
	return tls_want(ch, r, wait);
}

/* After the handshake: the server tells the client it accepted it (see the top). */
static rt_err tls_confirm(net_chan *ch, bool server, int64_t deadline)
{
	uint8_t b = TLS_ACCEPTED;
	for (;;) {
		size_t k = 0;
		short wait = 0;
		rt_err err = server ? tls_write_some(ch, &b, 1, &k, &wait)
				    : tls_read_some(ch, &b, 1, &k, &wait);
		if (err != RT_OK)
			return err;
		if (k == 1)
			break;
		if (wait != 0 && (err = wait_until(ch, wait, deadline)) != RT_OK)
			return err;
	}
	if (b != TLS_ACCEPTED)
		return chan_fail(ch, RT_ERR_PROTOCOL,
				 "TLS handshake: the peer's confirmation is 0x%02x, not 0x%02x", b,
				 TLS_ACCEPTED);
	return RT_OK;
}

/* The handshake, the pin checked again, and the confirmation; errors recorded in ch. */
static rt_err tls_handshake(net_chan *ch, net_tls_ctx *t, bool server)
{
	static const char what[] = "TLS handshake";
	ch->tls_what = what;
	/* a fixed type, not BIO_get_new_index(): that hands out only 128 numbers per process */
	ch->bio_meth = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "mpcc socket");
	BIO *bio = NULL;
	if (!ch->bio_meth || BIO_meth_set_write(ch->bio_meth, bio_sock_write) != 1 ||
	    BIO_meth_set_read(ch->bio_meth, bio_sock_read) != 1 ||
	    BIO_meth_set_ctrl(ch->bio_meth, bio_sock_ctrl) != 1 ||
	    BIO_meth_set_create(ch->bio_meth, bio_sock_create) != 1 ||
	    !(ch->ssl = SSL_new(t->ssl)) || !(bio = BIO_new(ch->bio_meth))) {
		ERR_clear_error();
		return chan_fail(ch, RT_ERR_CRYPTO, "%s: cannot set up OpenSSL", what);
	}
	BIO_set_data(bio, ch);
	SSL_set_bio(ch->ssl, bio, bio); /* the SSL owns the BIO */
	SSL_set_app_data(ch->ssl, &ch->pin);
	if (server)
		SSL_set_accept_state(ch->ssl);
	else
		SSL_set_connect_state(ch->ssl);

	/* one deadline for the whole handshake: a peer trickling bytes cannot stretch it */
	int64_t deadline = deadline_after(ch->timeout_ms);
	rt_err err = RT_OK;
	for (;;) {
		ERR_clear_error();
		errno = 0;
		int r = SSL_do_handshake(ch->ssl);
		if (r == 1)
			break;
		short wait = 0;
		err = tls_want(ch, r, &wait);
		if (err == RT_OK)
			err = wait_until(ch, wait, deadline);
		if (err != RT_OK)
			break;
	}
	if (err == RT_ERR_TIMEOUT)
		return chan_fail(ch, RT_ERR_TIMEOUT,
				 "%s did not finish within %d ms (the peer stalled, or does not "
				 "speak TLS)",
				 what, ch->timeout_ms);
	if (err != RT_OK)
		return err;

	/* the verify callback judged the leaf; make sure it did, on the certificate in use */
	X509 *peer = SSL_get0_peer_certificate(ch->ssl);
	if (!peer)
		return chan_fail(ch, RT_ERR_AUTH, "%s: the peer presented no certificate", what);
	if (tls_cert_fingerprint(peer, ch->pin.got) != RT_OK)
		return chan_fail(ch, RT_ERR_CRYPTO, "%s: cannot hash the peer's certificate", what);
	ch->pin.seen = true;
	if (ch->pin.pinned && memcmp(ch->pin.got, ch->pin.expect, TLS_FP_BYTES) != 0) {
		ch->pin.mismatch = true;
		return tls_fail(ch, SSL_ERROR_SSL);
	}
	if (SSL_version(ch->ssl) != TLS1_3_VERSION)
		return chan_fail(ch, RT_ERR_PROTOCOL, "%s: not TLS 1.3", what);

	err = tls_confirm(ch, server, deadline);
	if (err == RT_ERR_TIMEOUT)
		return chan_fail(ch, RT_ERR_TIMEOUT, "%s: the peer did not confirm it within %d ms",
				 what, ch->timeout_ms);
	return err;
}

rt_err net_chan_tls(net_chan *ch, net_tls_ctx *t, bool server,
		    const uint8_t expect_fp[NET_TLS_FP_BYTES], uint8_t peer_fp[NET_TLS_FP_BYTES])
{
	if (ch->failed != RT_OK)
		return ch->failed;
	/* bytes already queued or buffered would travel, or have travelled, in the clear */
	if (!t || ch->ssl || ch->wlen > 0 || ch->rpos != ch->rlen || ch->sent > 0 ||
	    ch->received > 0)
		return RT_ERR_INPUT;
	memset(&ch->pin, 0, sizeof(ch->pin));
	if (expect_fp) {
		ch->pin.pinned = true;
		memcpy(ch->pin.expect, expect_fp, TLS_FP_BYTES);
	}
	rt_err err = tls_handshake(ch, t, server);
	if (peer_fp && ch->pin.seen)
		memcpy(peer_fp, ch->pin.got, TLS_FP_BYTES);
	else if (peer_fp)
		memset(peer_fp, 0, TLS_FP_BYTES);
	ERR_clear_error();
	if (err != RT_OK) {
		ch->failed = err;
		return err;
	}
	ch->tls_ready = true;
	ch->tls_what = "TLS";
	return RT_OK;
}

rt_err net_chan_tls_binding(net_chan *ch, uint8_t out[NET_TLS_BINDING_BYTES])
{
	static const char label[] = "EXPORTER-mpcc-channel";
	if (!ch->tls_ready)
		return RT_ERR_INPUT;
	if (SSL_export_keying_material(ch->ssl, out, NET_TLS_BINDING_BYTES, label,
				       sizeof(label) - 1, NULL, 0, 0) != 1) {
		ERR_clear_error();
		return RT_ERR_CRYPTO;
	}
	return RT_OK;
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
