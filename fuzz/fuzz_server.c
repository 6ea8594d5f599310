/* fuzz_server.c: libFuzzer target for what the garbler of a server-aided session (server.h)
 * reads from the parties that connect to it: hellos (magic, name, circuit identity, session
 * digest), statuses, an input party's shares and output masks, then the two-party protocol's
 * hello on the evaluator's connection. The session: compute parties g and e, one input party
 * alice (peer.h's fuzz_server_session). The input is two connections' bytes,
 * [2-byte little-endian length of the first][the first][the second]; a thread connects them
 * one after the other, each once the garbler has answered the one before, then shuts the
 * garbler's listening socket, so that waiting for a party that did not show up fails at once.
 * Seeds: record.c, from a real input party and an evaluator's hello made from it. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct conns {
	const char *path; /* the listening socket's abstract name, after its leading NUL */
	int listen_fd;
	int stop[2]; /* a pipe: readable once the garbler has returned */
	const uint8_t *part[2];
	size_t len[2];
};

/* Connects, sends len bytes and shuts the sending side; the socket, or -1. */
static int connect_send(const char *path, const uint8_t *p, size_t len)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	memcpy(a.sun_path + 1, path, n);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	int room = 4 * FUZZ_INPUT_MAX;
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &room, sizeof(room));
	if (connect(fd, (struct sockaddr *)&a,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) != 0) {
		close(fd);
		return -1;
	}
	for (size_t off = 0; off < len;) {
		ssize_t k = send(fd, p + off, len - off, MSG_NOSIGNAL);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	shutdown(fd, SHUT_WR);
	return fd;
}

static void *connector(void *arg)
{
	struct conns *c = arg;
	int fd[2] = {-1, -1};
	for (int i = 0; i < 2; i++) {
		fd[i] = connect_send(c->path, c->part[i], c->len[i]);
		/* the garbler answers (a status) or closes once it has read the hello, unless it
		 * has given up on the session */
		struct pollfd p[2] = {{.fd = c->stop[0], .events = POLLIN},
				      {.fd = fd[i], .events = POLLIN}};
		if (poll(p, fd[i] >= 0 ? 2 : 1, 4 * FUZZ_TIMEOUT_MS) > 0 && p[0].revents)
			break;
	}
	/* no more parties: the garbler's poll() wakes up and accept() fails (EINVAL) */
	shutdown(c->listen_fd, SHUT_RDWR);
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned serial;
	uint32_t g;
	sa *x = fuzz_server_session(&g, NULL);
	if (!x)
		__builtin_trap();
	if (size < 2)
		return 0;
	size_t first = (size_t)data[0] | (size_t)data[1] << 8;
	if (first > size - 2)
		first = size - 2;
	if (size - 2 > FUZZ_INPUT_MAX)
		size = FUZZ_INPUT_MAX + 2;
	char path[64];
	snprintf(path, sizeof(path), "mpcc-fuzz-server-%d-%u", (int)getpid(), serial++);
	struct conns c = {
	    .path = path, .part = {data + 2, data + 2 + first}, .len = {first, size - 2 - first}};
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	memcpy(a.sun_path + 1, path, strlen(path));
	c.listen_fd = socket(AF_UNIX, SOCK_STREAM, 0); /* blocking, for accept()'s EINVAL */
	pthread_t t;
	if (pipe(c.stop) != 0) {
		close(c.listen_fd);
		return 0;
	}
	if (c.listen_fd >= 0 &&
	    bind(c.listen_fd, (struct sockaddr *)&a,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path))) == 0 &&
	    listen(c.listen_fd, 4) == 0 && pthread_create(&t, NULL, connector, &c) == 0) {
		char err[SA_ERR_BYTES];
		uint64_t none = 0, y = 0, z = 0, *in[1] = {&none}, *out[2] = {&y, &z};
		bool learned[2];
		(void)sa_compute(x, g, c.listen_fd, FUZZ_TIMEOUT_MS, in, out, learned, NULL,
				 err);
		(void)!write(c.stop[1], "", 1);
		pthread_join(t, NULL);
	}
	close(c.stop[0]);
	close(c.stop[1]);
	if (c.listen_fd >= 0)
		close(c.listen_fd);
	return 0;
}
