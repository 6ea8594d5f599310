/* net.h: a buffered, timed byte channel between two parties, and TCP set-up helpers.
 *
 * A net_chan wraps one connected stream socket (TCP, or a socketpair in tests). Writes are
 * buffered (NET_BUF_BYTES) and leave with net_flush(), one flush per protocol round; reads are
 * exact-length. A read that has to wait for the peer flushes pending writes first, so a
 * forgotten flush cannot deadlock a round trip. Every wait is bounded by the channel's
 * timeout: a peer that makes no progress for timeout_ms gives RT_ERR_TIMEOUT, a peer that
 * closes gives RT_ERR_IO. After an error the channel is unusable; net_chan_errmsg() tells why.
 *
 * The channel counts the bytes it hands to and takes from the kernel, and can keep a SHA-256
 * of everything sent and received (net_chan_start_transcript) so tests can pin transcripts.
 * A channel is not thread-safe: one thread uses it at a time.
 *
 * TLS: net_chan_tls turns a new channel into a TLS 1.3 one (OpenSSL), both sides
 * authenticated by certificates pinned by SHA-256 fingerprint (tls.h), no CA. Every call
 * below then works as before, with the same timeouts, over the encrypted stream; byte counts
 * and transcripts are of the application bytes (TLS's own overhead is not counted).
 */
#ifndef MPCC_NET_H
#define MPCC_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt.h"

enum {
	NET_BUF_BYTES = 1 << 20,   /* write and read buffer size */
	NET_ERRMSG_BYTES = 256,	   /* room for an error message, terminating NUL included */
	NET_MSG_HEADER_BYTES = 8,  /* length prefix of net_send_msg: 64-bit little-endian */
	NET_SPIN_US = 500,	   /* default time a wait polls before it sleeps */
	NET_SPIN_MAX_US = 1000000, /* the most that may be asked for */
};

typedef struct net_chan net_chan;

/* Wraps the connected socket fd, which the channel owns from now on (closed by
 * net_chan_free, or at once if this fails). Sets it non-blocking and, for TCP, TCP_NODELAY.
 * timeout_ms > 0 bounds every wait for the peer; -1 waits forever. */
RT_MUST_CHECK rt_err net_chan_new(net_chan **out, int fd, int timeout_ms);
/* Sets how long each wait polls before it sleeps, in microseconds (0: sleep at once). */
void net_chan_set_spin(net_chan *ch, int spin_us);
/* Closes the socket without flushing (a TLS channel sends its close_notify alert if it can at
 * once); NULL is a no-op. */
void net_chan_free(net_chan *ch);

/* Queues n bytes; writes to the socket when the buffer fills. A large block (half the buffer
 * or more) is written at once, after what was queued. */
RT_MUST_CHECK rt_err net_send(net_chan *ch, const void *buf, size_t n);
/* Writes everything queued. */
RT_MUST_CHECK rt_err net_flush(net_chan *ch);
/* Reads exactly n bytes. */
RT_MUST_CHECK rt_err net_recv(net_chan *ch, void *buf, size_t n);

/* net_send then net_flush, without copying buf: what was queued leaves first, then buf
 * straight from where it is. */
RT_MUST_CHECK rt_err net_send_now(net_chan *ch, const void *buf, size_t n);
/* Without a copy: room for n <= NET_BUF_BYTES bytes at *p, in the write buffer (flushed first
 * if it has less room). Write up to n bytes there, then queue the first m <= n of them with
 * net_send_commit(ch, m), before any other call on the channel. n > NET_BUF_BYTES (or m over
 * the room) is RT_ERR_INPUT. */
RT_MUST_CHECK rt_err net_send_reserve(net_chan *ch, size_t n, uint8_t **p);
RT_MUST_CHECK rt_err net_send_commit(net_chan *ch, size_t m);
/* Without a copy: the next n <= NET_BUF_BYTES bytes, read into the read buffer; *p points
 * at them until the next call on the channel. n > NET_BUF_BYTES is RT_ERR_INPUT. */
RT_MUST_CHECK rt_err net_recv_view(net_chan *ch, size_t n, const uint8_t **p);

/* Whether input is waiting: bytes already buffered, or the socket readable (data, a close or
 * an error, which the next read reports) within timeout_ms (0: just look). Waits without
 * reading, so a caller can watch a channel while doing something else; after a true, a read
 * may still wait if what came is not yet a whole TLS record. Flushes nothing. */
bool net_chan_readable(net_chan *ch, int timeout_ms);
/* The channel's socket, to poll() for input beside other descriptors (after net_chan_readable
 * with 0 says nothing is buffered). Never read, write or close it. */
int net_chan_fd(const net_chan *ch);

/* A message: its length as 8 bytes little-endian, then its bytes (queued like net_send). */
RT_MUST_CHECK rt_err net_send_msg(net_chan *ch, const void *buf, size_t n);
/* Reads one message into buf (max bytes of room) and sets *len. A length over max is
 * RT_ERR_PROTOCOL; nothing is allocated from the peer's length. */
RT_MUST_CHECK rt_err net_recv_msg(net_chan *ch, void *buf, size_t max, size_t *len);

/* Bytes written to / read from the socket so far (buffered bytes count once they move). */
uint64_t net_bytes_sent(const net_chan *ch);
uint64_t net_bytes_received(const net_chan *ch);

/* The last error's detail ("peer closed the connection after 1024 bytes"); "" if none. */
const char *net_chan_errmsg(const net_chan *ch);
/* Records an error detail found by a protocol above the channel (ot.c, party.c). */
void net_chan_set_error(net_chan *ch, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* From now on, hashes (SHA-256) every byte passed to net_send and returned by net_recv. */
RT_MUST_CHECK rt_err net_chan_start_transcript(net_chan *ch);
/* The digests of the bytes sent and received since net_chan_start_transcript (the running
 * hashes go on). RT_ERR_INPUT if the transcript was not started. */
RT_MUST_CHECK rt_err net_chan_transcript(net_chan *ch, uint8_t sent[32], uint8_t received[32]);

/* ---- TLS ---- */

enum {
	NET_TLS_FP_BYTES = 32,	    /* a certificate fingerprint: SHA-256 of its DER encoding */
	NET_TLS_BINDING_BYTES = 32, /* net_chan_tls_binding */
};

/* This party's TLS identity and settings (TLS 1.3 only, peer certificate required), shared by
 * any number of channels and threads. A channel made with it may outlive it. */
typedef struct net_tls_ctx net_tls_ctx;

/* Loads key_path (PEM, mode 0600, unencrypted) and crt_path (its PEM certificate), as made by
 * `mpcc keygen` (see tls_load_identity). A bad or unreadable file is RT_ERR_INPUT, with
 * errmsg (NET_ERRMSG_BYTES of room, or NULL) naming it. */
RT_MUST_CHECK rt_err net_tls_new(net_tls_ctx **out, const char *key_path, const char *crt_path,
				 char *errmsg);
/* A fresh key and self-signed certificate that live in memory only (name: its common name),
 * for parties that all run on this machine (`mpcc local`). */
RT_MUST_CHECK rt_err net_tls_ephemeral(net_tls_ctx **out, const char *name, char *errmsg);
/* Wipes the key; NULL is a no-op. */
void net_tls_free(net_tls_ctx *t);
/* This party's own certificate fingerprint (what the peers pin). */
void net_tls_fingerprint(const net_tls_ctx *t, uint8_t fp[NET_TLS_FP_BYTES]);

/* TLS handshake over ch's connection, which must be fresh (nothing sent or received yet);
 * server is true on the accepting side. Both sides present their certificates; the peer's
 * must hash to expect_fp, or with expect_fp NULL may be any (the caller then checks peer_fp).
 * Returns once both sides have accepted each other. peer_fp (may be NULL) receives the peer's
 * fingerprint whenever it was seen, on failure too. The whole handshake must finish within
 * the channel's timeout (RT_ERR_TIMEOUT). Errors:
 *   RT_ERR_AUTH      the peer's certificate does not match expect_fp, the peer presented no
 *                    certificate, or the peer refused ours;
 *   RT_ERR_PROTOCOL  the peer does not speak TLS 1.3 (a plain-TCP peer, say) or broke it;
 *   RT_ERR_IO        the connection closed;
 * with net_chan_errmsg telling which. After any error the channel is unusable. */
RT_MUST_CHECK rt_err net_chan_tls(net_chan *ch, net_tls_ctx *t, bool server,
				  const uint8_t expect_fp[NET_TLS_FP_BYTES],
				  uint8_t peer_fp[NET_TLS_FP_BYTES]);
/* Whether net_chan_tls succeeded on ch. */
bool net_chan_is_tls(const net_chan *ch);
/* Whether ch failed as a plain channel does when the peer expects TLS: closed before a byte
 * came. Then NET_HINT_PEER_WANTS_TLS says what to do. */
bool net_chan_closed_before_a_byte(const net_chan *ch);
/* Whether the first bytes a plain channel received are a TLS handshake record: the peer runs
 * with TLS (say so with NET_HINT_PEER_SPEAKS_TLS). */
bool net_chan_peer_spoke_tls(const net_chan *ch);
#define NET_HINT_TLS_FIX "run every party with --insecure, or none"
#define NET_HINT_PEER_SPEAKS_TLS "the peer speaks TLS: " NET_HINT_TLS_FIX
#define NET_HINT_PEER_WANTS_TLS "a party that expects TLS closes like this: " NET_HINT_TLS_FIX
/* The TLS 1.3 cipher suite in use ("TLS_AES_128_GCM_SHA256" between two mpcc parties), or
 * "" on a plain channel. */
const char *net_chan_tls_suite(const net_chan *ch);
/* 32 bytes both ends of a TLS channel share and no one else knows (the TLS 1.3 exporter,
 * RFC 8446 section 7.5, label "EXPORTER-mpcc-channel"): binds a session to this channel.
 * A secret: wipe it after use. RT_ERR_INPUT on a plain channel. */
RT_MUST_CHECK rt_err net_chan_tls_binding(net_chan *ch, uint8_t out[NET_TLS_BINDING_BYTES]);

/* TCP set-up. addr is "HOST:PORT" or "[IPV6]:PORT"; an empty HOST (":PORT") listens on every
 * address. Each takes errmsg, NET_ERRMSG_BYTES of room or NULL, for a readable reason. */

/* Binds and listens; PORT 0 picks a free port (see net_local_port). The listening socket is
 * non-blocking and belongs to the caller (close() it). */
RT_MUST_CHECK rt_err net_listen(int *fd, const char *addr, char *errmsg);
/* The port a socket is bound to. */
RT_MUST_CHECK rt_err net_local_port(int fd, uint16_t *port, char *errmsg);
/* Waits up to timeout_ms (-1: forever) for one connection on listen_fd. */
RT_MUST_CHECK rt_err net_accept(int listen_fd, int timeout_ms, int *fd, char *errmsg);
/* Connects, retrying until timeout_ms has passed while the peer is not up yet; a bad address
 * is RT_ERR_INPUT, running out of time RT_ERR_TIMEOUT. */
RT_MUST_CHECK rt_err net_connect(int *fd, const char *addr, int timeout_ms, char *errmsg);

#endif
