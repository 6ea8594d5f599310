/* test_faults.c: faults injected on loopback into a running `mpcc run` session (issue 6).
 *
 * Two parties run AES-128 (the shared Bristol circuit, FIPS-197 vector) over TLS 1.3 with
 * pinned certificates: p0 (garbler) listens, p1 (evaluator) connects through a proxy thread
 * of this test. The proxy forwards bytes both ways with poll(), counts them per direction,
 * and at byte N of one direction does one fault:
 *   CUT    closes both connections;
 *   KILL   SIGKILLs the party that sent that byte;
 *   FLIP   xors that byte with 0x01 and goes on forwarding;
 *   STALL  stops forwarding, connections left open.
 * A clean session through the proxy gives each direction's length; the offsets are spread
 * over it (0, 50, 500, 5000, 30%, 60%, 90%, last byte) so the TLS handshake, base OT, OT
 * extension, garbled tables and outputs are all hit. REPLAY records the bytes p1 sent in one
 * session and, in a fresh one, sends them to p0 in place of p1's.
 * Every party still alive must end by itself within --timeout and a margin, with a non-zero
 * exit, nothing on stdout and a message naming its peer, or (the fault came too late to
 * matter) exit 0 with the correct output: never a hang, a crash or a wrong output.
 * The mpcc binary comes from MPCC_BIN, the circuit from MPCC_BRISTOL_DIR (meson test sets
 * both). MPCC_TEST_VERBOSE=1 shows what every mpcc process printed.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tls.h"

#include "procs.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum {
	TIMEOUT_S = 2, /* --timeout of every two-party session */
	MANY_TIMEOUT_S = 10, /* --timeout of the many-party session: five processes start on a
				loaded machine (ASan, 2 cores) well within it; the faults end it early */
	MARGIN_S = 5,  /* how late after the timeout a party may end */
};

static const char *const aes_in0 = "in0=0x000102030405060708090a0b0c0d0e0f";
static const char *const aes_in1 = "in1=0x00112233445566778899aabbccddeeff";
static const char *const aes_out = "out0 = 0x69c4e0d86a7b0430d8cdb78070b4c55a\n"; /* FIPS-197 */

/* ---- helpers: a scratch directory (processes: procs.h) ---- */

/* A scratch directory with both parties' keys; fx_done removes it. */
struct fx {
	char dir[64];
	char circuit[512];
	char path[32][300];
	int npath;
	const char *out_path[2], *err_path[2]; /* what each party printed, in the last session */
	bool insecure;				 /* plain TCP (--insecure) instead of TLS */
};

static const char *fx_path(struct fx *f, const char *name)
{
	cr_assert(f->npath < (int)ARRAY_LEN(f->path));
	char buf[sizeof(f->path[0])];
	snprintf(buf, sizeof(buf), "%s/%s", f->dir, name);
	memcpy(f->path[f->npath], buf, sizeof(buf));
	return f->path[f->npath++];
}

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	const char *dir = getenv("MPCC_BRISTOL_DIR");
	snprintf(f->circuit, sizeof(f->circuit), "%s/aes_128.txt", dir ? dir : "");
	if (!dir || access(f->circuit, R_OK) != 0) {
		fprintf(stderr, "NOTICE: shared Bristol circuits not found; skipping\n");
		cr_skip_test("shared Bristol circuits not found");
	}
	snprintf(f->dir, sizeof(f->dir), "/tmp/mpcc-faults-XXXXXX");
	cr_assert(mkdtemp(f->dir), "mkdtemp: %s", strerror(errno));
	for (int k = 0; k < 2; k++) {
		char name[16], err[400];
		uint8_t fp[TLS_FP_BYTES];
		snprintf(name, sizeof(name), "p%d.key", k);
		const char *kp = fx_path(f, name);
		snprintf(name, sizeof(name), "p%d.crt", k);
		const char *cp = fx_path(f, name);
		cr_assert(tls_keygen(kp, cp, "test", false, fp, err, sizeof(err)) == RT_OK, "%s",
			  err);
		snprintf(name, sizeof(name), "p%d.out", k);
		f->out_path[k] = fx_path(f, name);
		snprintf(name, sizeof(name), "p%d.err", k);
		f->err_path[k] = fx_path(f, name);
	}
}

static void fx_done(struct fx *f)
{
	for (int i = 0; i < f->npath; i++)
		unlink(f->path[i]);
	rmdir(f->dir);
}

/* ---- the proxy ---- */

enum fault { F_NONE, F_CUT, F_KILL, F_FLIP, F_STALL, F_REPLAY };
static const char *const fault_name[] = {"none", "cut", "kill", "flip", "stall", "replay"};

enum { MAX_CONN = 8 };

/* One connection through the proxy: fd[0] the party that connected, fd[1] the listening
 * party; direction d carries what fd[d] sends. */
struct relay {
	struct proxy *px;
	int fd[2];
	size_t count[2]; /* bytes seen per direction */
	pthread_t th;
};

/* Direction 0: the connecting party to the listening one; direction 1 back. */
struct proxy {
	int lfd;
	uint16_t port;	 /* where the proxy listens */
	uint16_t target; /* where the listening party listens */
	enum fault mode;
	int dir;	    /* the direction the fault is in */
	size_t at;	    /* its byte offset there, on whichever connection gets there first */
	pid_t sender[2];    /* who sends each direction (for KILL; 0: none) */
	atomic_bool fired;  /* the fault happened */
	double fired_at;    /* when (now()), read after the proxy thread ended */
	uint8_t *rec;	    /* the first connection's direction 0, recorded */
	size_t rec_len, rec_cap;
	const uint8_t *replay; /* REPLAY: sent to the listening party in place of direction 0 */
	size_t replay_len;
	double deadline;
	atomic_bool stop;
	pthread_t th;
	struct relay conn[MAX_CONN];
	int nconn;
};

static void proxy_open(struct proxy *px, enum fault mode, int dir, size_t at)
{
	memset(px, 0, sizeof(*px));
	px->mode = mode;
	px->dir = dir;
	px->at = at;
	px->lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	cr_assert(px->lfd >= 0 &&
		  setsockopt(px->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
		  bind(px->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		  listen(px->lfd, 4) == 0 &&
		  getsockname(px->lfd, (struct sockaddr *)&sa, &len) == 0);
	px->port = ntohs(sa.sin_port);
	px->target = free_port();
}

static bool proxy_done(struct proxy *px)
{
	return atomic_load(&px->stop) || now() > px->deadline;
}

/* Connects to the listening party, retrying while it is not listening yet. */
static bool connect_target(struct proxy *px, int *s)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons(px->target)};
	while (!proxy_done(px)) {
		*s = socket(AF_INET, SOCK_STREAM, 0);
		if (*s >= 0 && connect(*s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return true;
		if (*s >= 0)
			close(*s);
		sleep_ms(5);
	}
	return false;
}

static bool send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

static void record(struct proxy *px, const uint8_t *p, size_t n)
{
	if (px->rec_len + n > px->rec_cap) {
		px->rec_cap = 2 * (px->rec_len + n);
		px->rec = realloc(px->rec, px->rec_cap);
		if (!px->rec)
			abort();
	}
	memcpy(px->rec + px->rec_len, p, n);
	px->rec_len += n;
}

/* Forwards n bytes of direction d of r, doing the fault where it falls. Returns false when
 * the proxy stops forwarding this connection (cut, stall, or the receiver is gone). */
static bool forward(struct relay *r, int d, uint8_t *buf, size_t n)
{
	struct proxy *px = r->px;
	int out = r->fd[1 - d];
	size_t start = r->count[d];
	r->count[d] += n;
	if (d == 0 && r == &px->conn[0])
		record(px, buf, n);
	if (d == 0 && px->mode == F_REPLAY)
		return true; /* the connecting party's bytes go nowhere */
	if (px->mode == F_NONE || px->mode == F_REPLAY || d != px->dir || px->at < start ||
	    px->at >= start + n || atomic_exchange(&px->fired, true))
		return send_all(out, buf, n);
	px->fired_at = now();
	size_t k = px->at - start; /* the fault falls on buf[k] */
	switch (px->mode) {
	case F_FLIP:
		buf[k] ^= 0x01;
		return send_all(out, buf, n);
	case F_KILL:
		send_all(out, buf, k);
		if (px->sender[d] > 0)
			kill(px->sender[d], SIGKILL);
		return false; /* what the dead party wrote after byte N never arrives */
	default: /* F_CUT, F_STALL */
		send_all(out, buf, k);
		return false;
	}
}

static void *relay_main(void *arg)
{
	struct relay *r = arg;
	struct proxy *px = r->px;
	bool open_in[2] = {true, true};
	uint8_t *buf = malloc(1 << 16);
	if (!buf)
		abort();
	if (px->mode == F_REPLAY && !send_all(r->fd[1], px->replay, px->replay_len))
		open_in[0] = open_in[1] = false;
	while (!proxy_done(px) && (open_in[0] || open_in[1])) {
		struct pollfd pf[2] = {{.fd = open_in[0] ? r->fd[0] : -1, .events = POLLIN},
				       {.fd = open_in[1] ? r->fd[1] : -1, .events = POLLIN}};
		if (poll(pf, 2, 20) <= 0)
			continue;
		for (int d = 0; d < 2; d++) {
			if (!open_in[d] || !(pf[d].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = recv(r->fd[d], buf, sizeof(buf[0]) << 16, 0);
			if (n > 0 && forward(r, d, buf, (size_t)n))
				continue;
			if (n <= 0 || px->mode == F_KILL) { /* pass the end on */
				open_in[d] = false;
				shutdown(r->fd[1 - d], SHUT_WR);
				continue;
			}
			if (px->mode == F_STALL) /* hold both open until told to stop */
				while (!proxy_done(px))
					sleep_ms(20);
			open_in[0] = open_in[1] = false; /* cut (or a receiver gone): close both */
		}
	}
	free(buf);
	close(r->fd[0]);
	close(r->fd[1]);
	return NULL;
}

/* Accepts connections until told to stop, each relayed by a thread of its own. */
static void *proxy_main(void *arg)
{
	struct proxy *px = arg;
	struct pollfd pf = {.fd = px->lfd, .events = POLLIN};
	while (!proxy_done(px) && px->nconn < MAX_CONN) {
		int c, t;
		if (poll(&pf, 1, 20) <= 0 || (c = accept(px->lfd, NULL, NULL)) < 0)
			continue;
		if (!connect_target(px, &t)) {
			close(c);
			break;
		}
		struct relay *r = &px->conn[px->nconn];
		r->px = px;
		r->fd[0] = c;
		r->fd[1] = t;
		if (pthread_create(&r->th, NULL, relay_main, r) != 0)
			abort();
		px->nconn++;
	}
	for (int i = 0; i < px->nconn; i++)
		pthread_join(px->conn[i].th, NULL);
	return NULL;
}

/* ---- one session ---- */

/* Runs p0 (listening) and p1 (connecting through the proxy px, already set up), waits for
 * both; p[0], p[1] hold what they did. */
static void run_session(struct fx *f, struct proxy *px, struct proc p[2])
{
	for (int k = 0; k < 2; k++) {
		struct args a = {0};
		memset(&p[k], 0, sizeof(p[k]));
		snprintf(p[k].name, sizeof(p[k].name), "p%d", k);
		snprintf(p[k].out_path, sizeof(p[k].out_path), "%s", f->out_path[k]);
		snprintf(p[k].err_path, sizeof(p[k].err_path), "%s", f->err_path[k]);
		arg(&a, "%s", getenv("MPCC_BIN"));
		arg(&a, "run");
		arg(&a, "%s", f->circuit);
		arg(&a, "--as");
		arg(&a, "p%d", k);
		arg(&a, k ? "--connect" : "--listen");
		arg(&a, "127.0.0.1:%u", k ? px->port : px->target);
		if (f->insecure) {
			arg(&a, "--insecure");
		} else {
			arg(&a, "--key");
			arg(&a, "%s/p%d", f->dir, k);
			arg(&a, "--peer-fingerprint");
			arg(&a, "%s/p%d.crt", f->dir, 1 - k);
		}
		arg(&a, "--timeout");
		arg(&a, "%d", TIMEOUT_S);
		arg(&a, "--input");
		arg(&a, "%s", k ? aes_in1 : aes_in0);
		proc_start(&p[k], &a);
		args_free(&a);
	}
	px->sender[0] = p[1].pid;
	px->sender[1] = p[0].pid;
	px->deadline = now() + 3 * TIMEOUT_S + 2 * MARGIN_S;
	cr_assert(pthread_create(&px->th, NULL, proxy_main, px) == 0);
	wait_all(p, 2, 2 * TIMEOUT_S + 2 * MARGIN_S);
	atomic_store(&px->stop, true);
	pthread_join(px->th, NULL);
	close(px->lfd);
}

static void proxy_free(struct proxy *px)
{
	free(px->rec);
	px->rec = NULL;
}

/* A clean session through the proxy: both print the FIPS-197 ciphertext; len[d] is how many
 * bytes direction d carried; rec (if not NULL) gets p1's bytes. */
static void clean_session(struct fx *f, size_t len[2], uint8_t **rec, size_t *rec_len)
{
	struct proxy px;
	struct proc p[2];
	proxy_open(&px, F_NONE, 0, 0);
	run_session(f, &px, p);
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(p[k].status, 0, "clean session: %s exit %d: %s", p[k].name,
			     p[k].status, p[k].err);
		cr_assert_str_eq(p[k].out, aes_out, "clean session: %s printed %s", p[k].name,
				 p[k].out);
		len[k] = px.conn[0].count[k];
	}
	cr_assert(len[0] > 1000 && len[1] > 100000, "clean session carried %zu and %zu bytes",
		  len[0], len[1]);
	if (rec) {
		*rec = px.rec;
		*rec_len = px.rec_len;
		px.rec = NULL;
	}
	proxy_free(&px);
	proc_free(p, 2);
}

/* Every party still alive ended by itself within the timeout and a margin: non-zero with no
 * output and a message naming its peer, or 0 with the right output (late faults only). At
 * least one party noticed an early fault. */
static void check_survivors(const struct proxy *px, const struct proc p[2], bool late)
{
	const char *what = fault_name[px->mode];
	int failed = 0;
	for (int k = 0; k < 2; k++) {
		const struct proc *q = &p[k];
		bool victim = px->mode == F_KILL && px->fired && px->sender[px->dir] == q->pid;
		if (victim) {
			cr_assert(q->status == 128 + SIGKILL || q->status == 0,
				  "%s dir %d at %zu: the killed %s ended with %d", what, px->dir,
				  px->at, q->name, q->status);
			continue;
		}
		cr_assert(q->status >= 0 && q->status < 128,
			  "%s dir %d at %zu: %s %s (status %d): %s", what, px->dir, px->at,
			  q->name, q->status < 0 ? "hung" : "crashed", q->status, q->err);
		/* within the timeout of the fault (a slow start under ASan does not count) */
		double since = q->t0 + q->elapsed - (px->fired ? px->fired_at : q->t0);
		cr_assert(since < TIMEOUT_S + MARGIN_S,
			  "%s dir %d at %zu: %s ended %.1f s after the fault (%.1f s after its start)",
			  what, px->dir, px->at, q->name, since, q->elapsed);
		if (q->status == 0) {
			cr_assert_str_eq(q->out, aes_out, "%s dir %d at %zu: %s printed a wrong output",
					 what, px->dir, px->at, q->name);
			continue;
		}
		failed++;
		cr_assert(q->status >= 3 && q->status <= 6, "%s dir %d at %zu: %s exit %d: %s", what,
			  px->dir, px->at, q->name, q->status, q->err);
		cr_assert_str_empty(q->out, "%s dir %d at %zu: %s failed (%d) but printed %s", what,
				    px->dir, px->at, q->name, q->status, q->out);
		cr_assert(px->mode != F_STALL || q->status == 4,
			  "stall dir %d at %zu: %s exit %d, not a timeout: %s", px->dir, px->at,
			  q->name, q->status, q->err);
		/* "mpcc run: p1: ... p0 ...": names the peer */
		char me[200], peer[8];
		snprintf(me, sizeof(me), "mpcc run: %s: ", q->name);
		snprintf(peer, sizeof(peer), "%s", k ? "p0" : "p1");
		const char *line = strstr(q->err, me); /* after --insecure's warning, if any */
		bool named = line && strstr(line, peer);
		cr_assert(named, "%s dir %d at %zu: %s does not say what went wrong: %s", what,
			  px->dir, px->at, q->name, q->err);
	}
	cr_assert(late || failed > 0 || (px->mode == F_KILL && px->fired),
		  "%s dir %d at %zu: no party noticed", what, px->dir, px->at);
	cr_assert(px->fired || px->mode == F_REPLAY, "%s dir %d at %zu: the fault never happened",
		  what, px->dir, px->at);
}

/* The offsets of direction d's faults: across its clean length len. */
static int offsets(size_t len, size_t out[8])
{
	size_t want[8] = {0, 50, 500, 5000, len * 3 / 10, len * 6 / 10, len * 9 / 10, len - 1};
	int n = 0;
	for (int i = 0; i < 8; i++)
		if (want[i] < len && (n == 0 || want[i] > out[n - 1]))
			out[n++] = want[i];
	return n;
}

/* Runs a session with fault mode at every offset of both directions. */
static void fault_sweep(enum fault mode)
{
	struct fx f;
	size_t len[2];
	fx_init(&f);
	clean_session(&f, len, NULL, NULL);
	for (int d = 0; d < 2; d++) {
		size_t at[8];
		int n = offsets(len[d], at);
		for (int i = 0; i < n; i++) {
			struct proxy px;
			struct proc p[2];
			proxy_open(&px, mode, d, at[i]);
			run_session(&f, &px, p);
			check_survivors(&px, p, i == n - 1);
			proxy_free(&px);
			proc_free(p, 2);
		}
	}
	fx_done(&f);
}

TestSuite(faults, .timeout = 120);

Test(faults, cut_connection_at_each_phase)
{
	fault_sweep(F_CUT);
}

Test(faults, kill_party_at_each_phase)
{
	fault_sweep(F_KILL);
}

Test(faults, flipped_byte_at_each_phase)
{
	fault_sweep(F_FLIP);
}

/* The proxy stops forwarding in the handshake, mid-protocol and near the end, in either
 * direction: both parties time out (exit 4) by themselves. Each run lasts --timeout. */
Test(faults, stalled_connection_times_out)
{
	struct fx f;
	size_t len[2];
	fx_init(&f);
	clean_session(&f, len, NULL, NULL);
	const struct {
		int dir;
		size_t at;
	} stall[] = {{0, 500}, {0, len[0] * 6 / 10}, {1, 50}, {1, len[1] * 3 / 10},
		     {1, len[1] * 9 / 10}};
	for (size_t i = 0; i < ARRAY_LEN(stall); i++) {
		struct proxy px;
		struct proc p[2];
		proxy_open(&px, F_STALL, stall[i].dir, stall[i].at);
		run_session(&f, &px, p);
		check_survivors(&px, p, false);
		proxy_free(&px);
		proc_free(p, 2);
	}
	fx_done(&f);
}

/* p0 gets, in place of p1's bytes, what p1 sent in an earlier session with the same keys
 * and inputs: p0 refuses it (and p1, whose handshake p0 answered, fails too). */
static void replay(bool insecure)
{
	struct fx f;
	size_t len[2], rec_len;
	uint8_t *rec;
	fx_init(&f);
	f.insecure = insecure;
	clean_session(&f, len, &rec, &rec_len);
	struct proxy px;
	struct proc p[2];
	proxy_open(&px, F_REPLAY, 0, 0);
	px.replay = rec;
	px.replay_len = rec_len;
	run_session(&f, &px, p);
	check_survivors(&px, p, false);
	cr_assert(p[0].status != 0, "p0 accepted a replayed session: %s", p[0].out);
	proxy_free(&px);
	proc_free(p, 2);
	free(rec);
	fx_done(&f);
}

Test(faults, replayed_session_is_refused_over_tls)
{
	replay(false);
}

Test(faults, replayed_session_is_refused_without_tls)
{
	replay(true);
}

/* ---- many parties ---- */

/* vickrey.mpc with N=3 (every bidder learns the winner and the second-highest bid): compute
 * parties server-a (garbler) and server-b (evaluator), bidders as input parties. The parties
 * file puts server-a at the proxy, which relays every connection to server-a's real port.
 * Returns how many processes it started (server-a first). */
static const int bids[3] = {120, 340, 275};
static const char *const vickrey_out = "winner = 1\nprice = 275\n"; /* second price: 275 */

static int run_many(struct fx *f, struct proxy *px, struct proc p[5], bool tls_keys_made)
{
	const char *names[5] = {"server-a", "server-b", "bidder[0]", "bidder[1]", "bidder[2]"};
	const char *keys[3] = {"server-a", "server-b", "bidder"};
	static const char *out_path[5], *err_path[5], *parties;
	char pin[3][TLS_FP_CHARS], src[600], err[400], name[64];
	const char *root = getenv("MPCC_SOURCE_ROOT");
	snprintf(src, sizeof(src), "%s/circuits/programs/vickrey.mpc", root ? root : "");
	cr_assert(access(src, R_OK) == 0, "cannot read %s (MPCC_SOURCE_ROOT)", src);
	for (int k = 0; k < 3; k++) {
		uint8_t fp[TLS_FP_BYTES];
		char kp[400], cp[400];
		snprintf(kp, sizeof(kp), "%s/%s.key", f->dir, keys[k]);
		snprintf(cp, sizeof(cp), "%s/%s.crt", f->dir, keys[k]);
		if (!tls_keys_made) {
			cr_assert(tls_keygen(kp, cp, "test", false, fp, err, sizeof(err)) == RT_OK,
				  "%s", err);
			snprintf(name, sizeof(name), "%s.key", keys[k]);
			fx_path(f, name);
			snprintf(name, sizeof(name), "%s.crt", keys[k]);
			fx_path(f, name);
		}
		cr_assert(tls_cert_file_fingerprint(cp, fp, err, sizeof(err)) == RT_OK, "%s", err);
		tls_fp_format(pin[k], fp);
	}
	if (!tls_keys_made) {
		for (int i = 0; i < 5; i++) {
			snprintf(name, sizeof(name), "m%d.out", i);
			out_path[i] = fx_path(f, name);
			snprintf(name, sizeof(name), "m%d.err", i);
			err_path[i] = fx_path(f, name);
		}
		parties = fx_path(f, "parties.txt");
	}
	FILE *pf = fopen(parties, "w");
	cr_assert(pf);
	fprintf(pf, "server-a garbler 127.0.0.1:%u %s\n", px->port, pin[0]);
	fprintf(pf, "server-b evaluator 127.0.0.1:%u %s\n", free_port(), pin[1]);
	fprintf(pf, "bidder[0..2] input %s\n", pin[2]);
	cr_assert(fclose(pf) == 0);
	for (int i = 0; i < 5; i++) {
		struct args a = {0};
		memset(&p[i], 0, sizeof(p[i]));
		snprintf(p[i].name, sizeof(p[i].name), "%s", names[i]);
		snprintf(p[i].out_path, sizeof(p[i].out_path), "%s", out_path[i]);
		snprintf(p[i].err_path, sizeof(p[i].err_path), "%s", err_path[i]);
		arg(&a, "%s", getenv("MPCC_BIN"));
		arg(&a, "run");
		arg(&a, "%s", src);
		arg(&a, "-D");
		arg(&a, "N=3");
		arg(&a, "--parties");
		arg(&a, "%s", parties);
		arg(&a, "--as");
		arg(&a, "%s", names[i]);
		arg(&a, "--key");
		arg(&a, "%s/%s", f->dir, keys[i < 2 ? i : 2]);
		arg(&a, "--timeout");
		arg(&a, "%d", MANY_TIMEOUT_S);
		if (i == 0) {
			arg(&a, "--listen");
			arg(&a, "127.0.0.1:%u", px->target);
		}
		if (i >= 2) {
			arg(&a, "--input");
			arg(&a, "bid[%d]=%d", i - 2, bids[i - 2]);
		}
		proc_start(&p[i], &a);
		args_free(&a);
	}
	px->sender[1] = p[0].pid;
	px->deadline = now() + 4 * MANY_TIMEOUT_S + 3 * MARGIN_S;
	cr_assert(pthread_create(&px->th, NULL, proxy_main, px) == 0);
	/* input parties wait for their outputs up to twice the timeout plus 5 s (README.md) */
	wait_all(p, 5, 3 * MANY_TIMEOUT_S + 2 * MARGIN_S);
	atomic_store(&px->stop, true);
	pthread_join(px->th, NULL);
	close(px->lfd);
	return 5;
}

/* A clean session through the proxy, then one where server-a is killed once the evaluator's
 * connection (the only big one) has carried 90% of its bytes (garbled tables): server-b and
 * every bidder end non-zero within their time limits, printing nothing; bidders (and with
 * evaluator_too, server-b) name server-a. */
static void kill_garbler(bool evaluator_too)
{
	struct fx f;
	struct proxy px;
	struct proc p[5];
	fx_init(&f);
	proxy_open(&px, F_NONE, 1, 0);
	int n = run_many(&f, &px, p, false);
	size_t big = 0, second = 0;
	for (int i = 0; i < px.nconn; i++) {
		size_t c = px.conn[i].count[1];
		second = c > big ? big : (c > second ? c : second);
		big = c > big ? c : big;
	}
	for (int i = 0; i < n; i++) {
		cr_assert_eq(p[i].status, 0, "clean: %s exit %d: %s", p[i].name, p[i].status,
			     p[i].err);
		cr_assert_str_eq(p[i].out, vickrey_out, "clean: %s printed %s", p[i].name, p[i].out);
	}
	cr_assert(px.nconn == 4 && big > 4 * second, "%d connections to server-a, %zu and %zu bytes",
		  px.nconn, big, second);
	proxy_free(&px);
	proc_free(p, n);

	proxy_open(&px, F_KILL, 1, big * 9 / 10);
	n = run_many(&f, &px, p, true);
	cr_assert(px.fired, "the session ended before the kill: server-a %d %s, server-b %d %s",
		  p[0].status, p[0].err, p[1].status, p[1].err);
	cr_assert_eq(p[0].status, 128 + SIGKILL, "server-a ended with %d", p[0].status);
	for (int i = 1; i < n; i++) {
		double limit = i < 2 ? MANY_TIMEOUT_S + MARGIN_S : 2 * MANY_TIMEOUT_S + 5 + MARGIN_S;
		cr_assert(p[i].status > 0 && p[i].status < 128, "%s: exit %d: %s", p[i].name,
			  p[i].status, p[i].err);
		cr_assert(p[i].elapsed < limit, "%s ended after %.1f s", p[i].name, p[i].elapsed);
		cr_assert_str_empty(p[i].out, "%s printed %s", p[i].name, p[i].out);
		bool named = strstr(p[i].err, "server-a") || (i == 1 && !evaluator_too);
		cr_assert(named, "%s does not name server-a: %s", p[i].name, p[i].err);
	}
	proxy_free(&px);
	proc_free(p, n);
	fx_done(&f);
}

Test(faults, garbler_killed_mid_session_ends_every_party)
{
	kill_garbler(false);
}

/* The evaluator names the garbler and the phase ("with the garbler server-a: connection
 * failed during garbling: ..."), like the bidders. */
Test(faults, garbler_killed_mid_session_is_named_by_the_evaluator)
{
	kill_garbler(true);
}
