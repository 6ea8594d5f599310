/* record.c: writes the seed corpora of the protocol fuzz targets from real sessions.
 *
 *   fuzz_record DIR
 *
 * runs peer.h's two-party session between a real garbler and a real evaluator, each in a
 * thread, through a relay that keeps what each side sent: the evaluator's bytes become
 * DIR/party_garbler/session (what fuzz_party_garbler's garbler reads), the garbler's
 * DIR/party_evaluator/session. The same for base OTs of every size fuzz_ot takes (DIR/ot/),
 * a few framed messages for fuzz_net (DIR/net/), and for fuzz_server (DIR/server/) what a
 * real input party sends a compute party, with an evaluator's hello made from its hello, the
 * two connections in either order. The sessions run from fixed seeds, so
 * the files repeat byte for byte until the protocol changes; fuzz/run.sh records them afresh
 * before each run and fuzz/corpus/ keeps a copy. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ot.h"
#include "party.h"
#include "peer.h"

struct bytes {
	uint8_t *p;
	size_t n, cap;
};

static void append(struct bytes *b, const uint8_t *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = 2 * (b->n + n);
		b->p = realloc(b->p, b->cap);
		if (!b->p) {
			fprintf(stderr, "fuzz_record: out of memory\n");
			exit(1);
		}
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

/* Moves what fd a has to fd b, keeping a copy; 0 once a has closed. */
static int pump(int a, int b, struct bytes *kept)
{
	uint8_t buf[1 << 16];
	ssize_t k = recv(a, buf, sizeof(buf), 0);
	if (k <= 0) {
		shutdown(b, SHUT_WR);
		return 0;
	}
	append(kept, buf, (size_t)k);
	for (ssize_t off = 0; off < k;) {
		ssize_t w = send(b, buf + off, (size_t)(k - off), MSG_NOSIGNAL);
		if (w < 0 && errno != EINTR)
			return 0;
		off += w > 0 ? w : 0;
	}
	return 1;
}

struct side {
	int (*fn)(net_chan *ch, void *arg);
	void *arg;
	int fd, result;
};

static void *side_main(void *arg)
{
	struct side *s = arg;
	net_chan *ch = NULL;
	s->result = net_chan_new(&ch, s->fd, 10000) == RT_OK ? s->fn(ch, s->arg) : -1;
	net_chan_free(ch);
	return NULL;
}

/* Runs a and b, each over a socketpair to a relay; a_sent and b_sent get what each sent. */
static int record(struct side *a, struct side *b, struct bytes *a_sent, struct bytes *b_sent)
{
	int sa[2], sb[2];
	pthread_t ta, tb;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sa) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sb) != 0)
		return -1;
	a->fd = sa[0];
	b->fd = sb[0];
	if (pthread_create(&ta, NULL, side_main, a) != 0 ||
	    pthread_create(&tb, NULL, side_main, b) != 0)
		return -1;
	struct pollfd p[2] = {{.fd = sa[1], .events = POLLIN}, {.fd = sb[1], .events = POLLIN}};
	int open_a = 1, open_b = 1;
	while (open_a || open_b) {
		if (poll(p, 2, 30000) <= 0)
			break;
		if (open_a && p[0].revents)
			open_a = pump(sa[1], sb[1], a_sent);
		if (open_b && p[1].revents)
			open_b = pump(sb[1], sa[1], b_sent);
		p[0].fd = open_a ? sa[1] : -1;
		p[1].fd = open_b ? sb[1] : -1;
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	close(sa[1]);
	close(sb[1]);
	return a->result == 0 && b->result == 0 ? 0 : -1;
}

static void save(const char *dir, const char *sub, const char *name, const uint8_t *head,
		 size_t nhead, const struct bytes *b)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(dir, 0777);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	FILE *f = fopen(path, "wb");
	if (!f || (nhead && fwrite(head, 1, nhead, f) != nhead) ||
	    fwrite(b->p, 1, b->n, f) != b->n || fclose(f) != 0) {
		fprintf(stderr, "fuzz_record: cannot write %s\n", path);
		exit(1);
	}
}

static int party_side(net_chan *ch, void *arg)
{
	return fuzz_party_session(ch, (uint32_t)(uintptr_t)arg);
}

struct ot_job {
	uint8_t head; /* fuzz_ot's byte 0 for the receiving side */
	uint8_t keys2[FUZZ_OT_MAX][2][16], keys[FUZZ_OT_MAX][16];
};

static int base_sender(net_chan *ch, void *arg)
{
	struct ot_job *j = arg;
	uint8_t seed[16] = {'r', 's'};
	prg *p = NULL;
	int bad = prg_new_seeded(&p, seed) != RT_OK ||
		  ot_base_send(ch, p, j->keys2, 1 + (j->head >> 1)) != RT_OK;
	prg_free(p);
	return bad;
}

static int base_receiver(net_chan *ch, void *arg)
{
	struct ot_job *j = arg;
	uint8_t seed[16] = {'r', 'r'}, choices[1] = {0x9};
	prg *p = NULL;
	int bad = prg_new_seeded(&p, seed) != RT_OK ||
		  ot_base_recv(ch, p, choices, j->keys, 1 + (j->head >> 1)) != RT_OK;
	prg_free(p);
	return bad;
}

static void net_seeds(const char *dir)
{
	/* three messages: empty, short, the most the target's buffer takes */
	static uint8_t body[4096];
	struct bytes b = {0};
	size_t lens[] = {0, 5, sizeof(body)};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t hdr[8];
		for (int k = 0; k < 8; k++)
			hdr[k] = (uint8_t)(lens[i] >> (8 * k));
		memset(body, 'a' + (int)i, lens[i]);
		append(&b, hdr, 8);
		append(&b, body, lens[i]);
	}
	save(dir, "net", "messages", NULL, 0, &b);
	free(b.p);
}

/* A compute party played by hand for the input party: takes one connection, answers "ok",
 * keeps what arrives. */
struct fake_compute {
	int fd;
	struct bytes got;
};

static void *fake_compute_main(void *arg)
{
	struct fake_compute *f = arg;
	static const uint8_t ok[9] = {1}; /* a status message: length 1, RT_OK */
	uint8_t buf[4096];
	int s = accept(f->fd, NULL, NULL);
	if (s < 0)
		return NULL;
	if (send(s, ok, sizeof(ok), MSG_NOSIGNAL) == (ssize_t)sizeof(ok)) {
		ssize_t k;
		while ((k = recv(s, buf, sizeof(buf), 0)) > 0)
			append(&f->got, buf, (size_t)k);
	}
	close(s);
	return NULL;
}

static int listen_local(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One fuzz_server input: [2-byte length of a][a][b]. */
static void save_two(const char *dir, const char *name, const struct bytes *a,
		     const struct bytes *b)
{
	struct bytes all = {0};
	uint8_t len[2] = {(uint8_t)a->n, (uint8_t)(a->n >> 8)};
	append(&all, len, 2);
	append(&all, a->p, a->n);
	append(&all, b->p, b->n);
	save(dir, "server", name, NULL, 0, &all);
	free(all.p);
}

static int server_seeds(const char *dir)
{
	uint32_t alice;
	sa *x = fuzz_server_session(NULL, &alice);
	struct fake_compute f[2] = {{.fd = listen_local(FUZZ_SERVER_PORT)},
				    {.fd = listen_local(FUZZ_SERVER_PORT + 1)}};
	pthread_t t[2];
	int ok = x && f[0].fd >= 0 && f[1].fd >= 0 &&
		 pthread_create(&t[0], NULL, fake_compute_main, &f[0]) == 0;
	if (ok && pthread_create(&t[1], NULL, fake_compute_main, &f[1]) != 0) {
		shutdown(f[0].fd, SHUT_RDWR); /* its accept() fails */
		pthread_join(t[0], NULL);
		ok = 0;
	}
	if (ok) {
		char err[SA_ERR_BYTES];
		uint64_t v = 0xa5, *in[1] = {&v};
		sa_input *h = NULL;
		if (sa_input_start(&h, x, alice, 5000, in, err) != RT_OK) {
			fprintf(stderr, "fuzz_record: the input party failed: %s\n", err);
			shutdown(f[0].fd, SHUT_RDWR);
			shutdown(f[1].fd, SHUT_RDWR);
			ok = 0;
		}
		sa_input_free(h);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
	}
	for (int i = 0; i < 2; i++)
		if (f[i].fd >= 0)
			close(f[i].fd);
	/* alice's hello: length (8 bytes), magic (8), name length, name, identity, digest */
	const struct bytes *a = &f[0].got;
	if (!ok || a->n < 17 || a->n < 17u + a->p[16] + 64) {
		free(f[0].got.p);
		free(f[1].got.p);
		return -1;
	}
	struct bytes e = {0};
	uint8_t head[18] = {8 + 1 + 1 + 64}, status[9] = {1};
	memcpy(head + 8, a->p + 8, 8);
	head[16] = 1;
	head[17] = 'e';
	append(&e, head, sizeof(head));
	append(&e, a->p + 17 + a->p[16], 64);
	append(&e, status, sizeof(status)); /* after collecting, "all here" */
	save_two(dir, "evaluator_then_alice", &e, a);
	save_two(dir, "alice_then_evaluator", a, &e);
	free(e.p);
	free(f[0].got.p);
	free(f[1].got.p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_record DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	if (!fuzz_circuit()) /* made here, before two threads would make it at once */
		return 1;
	struct bytes g = {0}, e = {0};
	struct side sg = {party_side, (void *)(uintptr_t)PARTY_GARBLER, -1, -1};
	struct side se = {party_side, (void *)(uintptr_t)PARTY_EVALUATOR, -1, -1};
	if (record(&sg, &se, &g, &e) != 0) {
		fprintf(stderr, "fuzz_record: the two-party session failed\n");
		return 1;
	}
	save(dir, "party_garbler", "session", NULL, 0, &e);
	save(dir, "party_evaluator", "session", NULL, 0, &g);
	for (uint8_t n = 1; n <= FUZZ_OT_MAX; n++) {
		struct ot_job j = {.head = (uint8_t)((n - 1) << 1)};
		struct bytes s = {0}, r = {0};
		struct side ss = {base_sender, &j, -1, -1}, sr = {base_receiver, &j, -1, -1};
		if (record(&ss, &sr, &s, &r) != 0) {
			fprintf(stderr, "fuzz_record: the base OTs failed\n");
			return 1;
		}
		char name[32];
		uint8_t as_sender = j.head, as_receiver = j.head | 1;
		snprintf(name, sizeof(name), "send%u", n); /* we send: the receiver's points */
		save(dir, "ot", name, &as_sender, 1, &r);
		snprintf(name, sizeof(name), "recv%u", n); /* we receive: the sender's point */
		save(dir, "ot", name, &as_receiver, 1, &s);
		free(s.p);
		free(r.p);
	}
	net_seeds(dir);
	if (server_seeds(dir) != 0) /* its ports may be taken: fuzz/corpus/server keeps a copy */
		fprintf(stderr, "fuzz_record: no server seeds (ports %d, %d)\n", FUZZ_SERVER_PORT,
			FUZZ_SERVER_PORT + 1);
	printf("fuzz_record: party_garbler %zu bytes, party_evaluator %zu bytes, ot, net -> %s\n",
	       e.n, g.n, dir);
	free(g.p);
	free(e.p);
	return 0;
}
