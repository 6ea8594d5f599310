/* test_tls.c: party identities (runtime/tls.c, `mpcc keygen`) and TLS channels (net_chan_tls
 * in runtime/net.c). Fingerprints are checked against the openssl command and a digest of the
 * DER certificate computed here; channels run between the test and a fork()ed child over a
 * socketpair or loopback TCP, the child being a real peer, a plain-TCP peer, a raw OpenSSL
 * peer without a certificate, a stalling peer or a relay that alters a byte. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "net.h"
#include "tls.h"

enum { TIMEOUT_MS = 20000 }; /* generous: a correct test never waits for it */

/* ---- identities: alice, bob and carol, made afresh for every test in a temporary dir ---- */

struct ident {
	char key[96], crt[96];
	uint8_t fp[TLS_FP_BYTES];
};

static char dir[64];
static struct ident alice, bob, carol;
static char *child_msg; /* a page shared with the child: its error message */

static void make_ident(struct ident *id, const char *name)
{
	char msg[256] = "";
	snprintf(id->key, sizeof(id->key), "%s/%s.key", dir, name);
	snprintf(id->crt, sizeof(id->crt), "%s/%s.crt", dir, name);
	rt_err err = tls_keygen(id->key, id->crt, name, false, id->fp, msg, sizeof(msg));
	cr_assert(eq(int, err, RT_OK), "%s", msg);
}

static void setup(void)
{
	strcpy(dir, "/tmp/test_tls.XXXXXX");
	cr_assert(ne(ptr, mkdtemp(dir), NULL));
	make_ident(&alice, "alice");
	make_ident(&bob, "bob");
	make_ident(&carol, "carol");
	child_msg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert(ne(ptr, child_msg, MAP_FAILED));
	child_msg[0] = '\0';
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (dir[0] && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	munmap(child_msg, 4096);
}

TestSuite(tls, .init = setup, .fini = teardown, .timeout = 60);

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

/* SHA-256 of the certificate's DER encoding, computed here: PEM -> DER -> EVP_Digest. */
static void digest_of_der(const char *crt_path, uint8_t fp[32])
{
	FILE *f = fopen(crt_path, "r");
	cr_assert(ne(ptr, f, NULL));
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	cr_assert(ne(ptr, x, NULL));
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	cr_assert(gt(int, n, 0));
	unsigned int len = 0;
	cr_assert(eq(int, EVP_Digest(der, (size_t)n, fp, &len, EVP_sha256(), NULL), 1));
	cr_assert(eq(u32, len, 32));
	OPENSSL_free(der);
	X509_free(x);
}

/* The same by the openssl command, as the help text tells users; 0 if it is not there. */
static int digest_by_openssl_command(const char *crt_path, uint8_t fp[32])
{
	char cmd[256], out[160] = "";
	snprintf(cmd, sizeof(cmd),
		 "openssl x509 -in '%s' -outform DER 2>/dev/null | sha256sum 2>/dev/null",
		 crt_path);
	FILE *p = popen(cmd, "r");
	if (!p)
		return 0;
	char *line = fgets(out, sizeof(out), p);
	int status = pclose(p);
	if (!line || status != 0 || strlen(out) < 64 ||
	    strncmp(out, "e3b0c442", 8) == 0) /* the digest of nothing: no openssl */
		return 0;
	for (int i = 0; i < 32; i++) {
		unsigned v;
		cr_assert(eq(int, sscanf(out + 2 * i, "%2x", &v), 1));
		fp[i] = (uint8_t)v;
	}
	return 1;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* ---- keys and certificates ---- */

Test(tls, keygen_fingerprint_is_sha256_of_the_der_certificate)
{
	uint8_t want[32], cli[32], file_fp[32];
	char msg[256] = "";
	digest_of_der(alice.crt, want);
	cr_assert(eq(int, memcmp(alice.fp, want, 32), 0));
	if (digest_by_openssl_command(alice.crt, cli))
		cr_assert(eq(int, memcmp(alice.fp, cli, 32), 0));
	cr_assert(eq(int, tls_cert_file_fingerprint(alice.crt, file_fp, msg, sizeof(msg)), RT_OK),
		  "%s", msg);
	cr_assert(eq(int, memcmp(file_fp, want, 32), 0));
	cr_assert(ne(int, memcmp(alice.fp, bob.fp, 32), 0));
}

Test(tls, keygen_files_parse_and_belong_together)
{
	struct stat st;
	cr_assert(eq(int, stat(alice.key, &st), 0));
	cr_assert(eq(int, (int)(st.st_mode & 0777), 0600));
	cr_assert(eq(int, stat(alice.crt, &st), 0));
	cr_assert(eq(int, (int)(st.st_mode & 0600), 0600));

	EVP_PKEY *key;
	X509 *crt;
	char msg[256] = "";
	cr_assert(
	    eq(int, tls_load_identity(alice.key, alice.crt, &key, &crt, msg, sizeof(msg)), RT_OK),
	    "%s", msg);
	cr_assert(eq(int, EVP_PKEY_is_a(key, "ED25519"), 1));
	char cn[80] = "";
	X509_NAME_get_text_by_NID(X509_get_subject_name(crt), NID_commonName, cn, sizeof(cn));
	cr_assert(eq(str, cn, "alice"));
	cr_assert(eq(int, X509_NAME_cmp(X509_get_subject_name(crt), X509_get_issuer_name(crt)), 0));
	cr_assert(eq(int, X509_verify(crt, key), 1)); /* signed by its own key */
	cr_assert(eq(int, X509_check_private_key(crt, key), 1));
	cr_assert(eq(long, X509_get_version(crt), X509_VERSION_3));
	int days, secs; /* valid for a very long time */
	cr_assert(eq(int, ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(crt)), 1));
	cr_assert(gt(int, days, 365 * 1000));
	EVP_PKEY_free(key);
	X509_free(crt);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

Test(tls, keygen_refuses_to_overwrite_without_force)
{
	uint8_t fp[32], fp2[32];
	char msg[256] = "";
	FILE *f = fopen(alice.key, "r");
	char before[512] = "", after[512] = "";
	cr_assert(ne(ptr, f, NULL));
	size_t n = fread(before, 1, sizeof(before) - 1, f);
	fclose(f);
	cr_assert(gt(sz, n, 0));
	cr_assert(eq(int, tls_keygen(alice.key, alice.crt, "alice", false, fp, msg, sizeof(msg)),
		     RT_ERR_INPUT));
	cr_assert(ne(ptr, strstr(msg, "already exists"), NULL), "%s", msg);
	f = fopen(alice.key, "r");
	cr_assert(ne(ptr, f, NULL));
	cr_assert(eq(sz, fread(after, 1, sizeof(after) - 1, f), n));
	fclose(f);
	cr_assert(eq(str, after, before)); /* the key is untouched */

	/* only the certificate there: still refused, and no key is written */
	char key2[128], crt2[128];
	snprintf(key2, sizeof(key2), "%s/lonely.key", dir);
	snprintf(crt2, sizeof(crt2), "%s/lonely.crt", dir);
	cr_assert(eq(int, link(alice.crt, crt2), 0));
	cr_assert(
	    eq(int, tls_keygen(key2, crt2, "lonely", false, fp, msg, sizeof(msg)), RT_ERR_INPUT));
	cr_assert(ne(int, access(key2, F_OK), 0));

	cr_assert(
	    eq(int, tls_keygen(alice.key, alice.crt, "alice", true, fp, msg, sizeof(msg)), RT_OK),
	    "%s", msg);
	cr_assert(ne(int, memcmp(fp, alice.fp, 32), 0)); /* a new key */
	digest_of_der(alice.crt, fp2);
	cr_assert(eq(int, memcmp(fp, fp2, 32), 0));
	struct stat st;
	cr_assert(eq(int, stat(alice.key, &st), 0));
	cr_assert(eq(int, (int)(st.st_mode & 0777), 0600));
}

Test(tls, keygen_checks_the_name)
{
	uint8_t fp[32];
	char msg[256] = "", key[128], crt[128], long_name[TLS_CN_MAX + 2];
	snprintf(key, sizeof(key), "%s/x.key", dir);
	snprintf(crt, sizeof(crt), "%s/x.crt", dir);
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	const char *bad[] = {"", "a\nb", long_name};
	for (size_t i = 0; i < 3; i++) {
		cr_assert(eq(int, tls_keygen(key, crt, bad[i], false, fp, msg, sizeof(msg)),
			     RT_ERR_INPUT));
		cr_assert(ne(int, access(key, F_OK), 0));
	}
	snprintf(key, sizeof(key), "%s/no-such-dir/x.key", dir);
	snprintf(crt, sizeof(crt), "%s/no-such-dir/x.crt", dir);
	cr_assert(eq(int, tls_keygen(key, crt, "x", false, fp, msg, sizeof(msg)), RT_ERR_INPUT));
	cr_assert(ne(ptr, strstr(msg, "no-such-dir"), NULL), "%s", msg);
}

/* Runs cmd, returns its exit status and its first line of output in out. */
static int run_command(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	cr_assert(ne(ptr, p, NULL));
	out[0] = '\0';
	if (!fgets(out, (int)cap, p))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	int status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(tls, keygen_command_prints_the_fingerprint)
{
	const char *bin = getenv("MPCC_BIN");
	if (!bin || !*bin)
		cr_skip_test("MPCC_BIN is not set (run through meson test)");
	char cmd[512], out[256], crt[128], key[128];
	snprintf(cmd, sizeof(cmd), "'%s' keygen --out '%s/dave' --name 'Dave Org' 2>/dev/null", bin,
		 dir);
	cr_assert(eq(int, run_command(cmd, out, sizeof(out)), 0));
	snprintf(crt, sizeof(crt), "%s/dave.crt", dir);
	snprintf(key, sizeof(key), "%s/dave.key", dir);
	uint8_t want[32];
	char want_text[80] = "sha256:";
	digest_of_der(crt, want);
	hex(want_text + 7, want, 32);
	cr_assert(eq(str, out, want_text)); /* exactly "sha256:" and 64 lowercase hex digits */
	struct stat st;
	cr_assert(eq(int, stat(key, &st), 0));
	cr_assert(eq(int, (int)(st.st_mode & 0777), 0600));
	FILE *f = fopen(crt, "r");
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	char cn[80] = "";
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
	X509_free(x);
	cr_assert(eq(str, cn, "Dave Org"));

	snprintf(cmd, sizeof(cmd), "'%s' keygen --fingerprint '%s'", bin, crt);
	cr_assert(eq(int, run_command(cmd, out, sizeof(out)), 0));
	cr_assert(eq(str, out, want_text));

	/* again: refused, nothing printed; with --force: a new key */
	snprintf(cmd, sizeof(cmd), "'%s' keygen --out '%s/dave' 2>/dev/null", bin, dir);
	cr_assert(eq(int, run_command(cmd, out, sizeof(out)), 1));
	cr_assert(eq(str, out, ""));
	snprintf(cmd, sizeof(cmd), "'%s' keygen --out '%s/dave' --force 2>/dev/null", bin, dir);
	cr_assert(eq(int, run_command(cmd, out, sizeof(out)), 0));
	digest_of_der(crt, want);
	hex(want_text + 7, want, 32);
	cr_assert(eq(str, out, want_text));
	cr_assert(eq(int, stat(key, &st), 0));
	cr_assert(eq(int, (int)(st.st_mode & 0777), 0600));

	snprintf(cmd, sizeof(cmd), "'%s' keygen 2>/dev/null", bin);
	cr_assert(eq(int, run_command(cmd, out, sizeof(out)), 2)); /* usage */
}

Test(tls, fingerprint_text_forms)
{
	char text[TLS_FP_CHARS], upper[3 * 32 + 8];
	uint8_t fp[32];
	tls_fp_format(text, alice.fp);
	cr_assert(eq(sz, strlen(text), 7 + 64));
	char want[80] = "sha256:";
	hex(want + 7, alice.fp, 32);
	cr_assert(eq(str, text, want));
	cr_assert(eq(int, tls_fp_parse(text, fp), RT_OK));
	cr_assert(eq(int, memcmp(fp, alice.fp, 32), 0));
	cr_assert(eq(int, tls_fp_parse(text + 7, fp), RT_OK)); /* without the prefix */
	cr_assert(eq(int, memcmp(fp, alice.fp, 32), 0));
	/* as `openssl x509 -fingerprint -sha256` prints it */
	size_t n = 0;
	for (int i = 0; i < 32; i++)
		n +=
		    (size_t)snprintf(upper + n, sizeof(upper) - n, i ? ":%02X" : "%02X", bob.fp[i]);
	cr_assert(eq(int, tls_fp_parse(upper, fp), RT_OK), "%s", upper);
	cr_assert(eq(int, memcmp(fp, bob.fp, 32), 0));

	char bad[8][120];
	snprintf(bad[0], 120, "%.63s", text + 7); /* short */
	snprintf(bad[1], 120, "%s0", text + 7);	  /* long */
	snprintf(bad[2], 120, "%s", text + 7);	  /* not hex */
	bad[2][10] = 'g';
	snprintf(bad[3], 120, "%s", upper); /* a colon missing */
	bad[3][2] = '0';
	snprintf(bad[4], 120, "sha256:");
	snprintf(bad[5], 120, "md5:%s", text + 7);
	snprintf(bad[6], 120, "%s", text + 7); /* a space in it */
	bad[6][0] = ' ';
	snprintf(bad[7], 120, "sha256: %s", text + 7);
	for (int i = 0; i < 8; i++) {
		memset(fp, 0x55, 32);
		cr_assert(eq(int, tls_fp_parse(bad[i], fp), RT_ERR_INPUT), "'%s'", bad[i]);
		cr_assert(eq(u8, fp[0], 0x55)); /* untouched */
	}
	cr_assert(eq(int, tls_fp_parse(NULL, fp), RT_ERR_INPUT));
}

Test(tls, key_open_to_other_users_is_refused)
{
	EVP_PKEY *key;
	X509 *crt;
	char msg[NET_ERRMSG_BYTES] = "";
	cr_assert(eq(int, chmod(alice.key, 0640), 0));
	cr_assert(eq(int, tls_load_identity(alice.key, alice.crt, &key, &crt, msg, sizeof(msg)),
		     RT_ERR_INPUT));
	cr_assert(ne(ptr, strstr(msg, "chmod 600"), NULL), "%s", msg);
	cr_assert(eq(ptr, key, NULL));
	net_tls_ctx *t;
	cr_assert(eq(int, net_tls_new(&t, alice.key, alice.crt, msg), RT_ERR_INPUT));
	cr_assert(eq(ptr, t, NULL));
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

Test(tls, key_of_another_certificate_is_refused)
{
	net_tls_ctx *t;
	char msg[NET_ERRMSG_BYTES] = "";
	cr_assert(eq(int, net_tls_new(&t, alice.key, bob.crt, msg), RT_ERR_INPUT));
	cr_assert(ne(ptr, strstr(msg, "does not belong"), NULL), "%s", msg);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

Test(tls, bad_files_are_input_errors)
{
	char msg[NET_ERRMSG_BYTES] = "", path[128], big[128];
	uint8_t fp[32];
	net_tls_ctx *t;
	snprintf(path, sizeof(path), "%s/garbage.crt", dir);
	FILE *f = fopen(path, "w");
	fputs("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n", f);
	fclose(f);
	cr_assert(eq(int, tls_cert_file_fingerprint(path, fp, msg, sizeof(msg)), RT_ERR_INPUT));
	cr_assert(ne(ptr, strstr(msg, path), NULL), "%s", msg);
	cr_assert(eq(int, net_tls_new(&t, alice.key, path, msg), RT_ERR_INPUT));
	/* a certificate where the key should be */
	cr_assert(eq(int, chmod(bob.crt, 0600), 0));
	cr_assert(eq(int, net_tls_new(&t, bob.crt, alice.crt, msg), RT_ERR_INPUT));
	cr_assert(ne(ptr, strstr(msg, "private key"), NULL), "%s", msg);
	cr_assert(eq(int, net_tls_new(&t, "/nonexistent/k", alice.crt, msg), RT_ERR_INPUT));
	cr_assert(eq(int, tls_cert_file_fingerprint(dir, fp, msg, sizeof(msg)), RT_ERR_INPUT));
	snprintf(big, sizeof(big), "%s/big.crt", dir); /* over the size limit */
	f = fopen(big, "w");
	for (int i = 0; i < TLS_FILE_MAX / 16 + 1; i++)
		fputs("0123456789abcde\n", f);
	fclose(f);
	cr_assert(eq(int, tls_cert_file_fingerprint(big, fp, msg, sizeof(msg)), RT_ERR_INPUT));
	cr_assert(ne(ptr, strstr(msg, "bytes"), NULL), "%s", msg);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* ---- peers ---- */

typedef int (*child_fn)(int fd, void *arg);

/* Runs fn(fd) in a child over a socketpair (or, with tcp, over loopback TCP); returns the
 * child's pid and the parent's end. The child's exit status is fn's result. */
static pid_t start_child(child_fn fn, void *arg, bool tcp, int *parent_fd)
{
	int sv[2] = {-1, -1}, lfd = -1;
	char msg[NET_ERRMSG_BYTES] = "", addr[64];
	if (tcp) {
		uint16_t port;
		cr_assert(eq(int, net_listen(&lfd, "127.0.0.1:0", msg), RT_OK), "%s", msg);
		cr_assert(eq(int, net_local_port(lfd, &port, msg), RT_OK));
		snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	} else {
		cr_assert(eq(int, socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0));
	}
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(ne(int, pid, -1));
	if (pid == 0) {
		int fd = sv[1];
		if (tcp) {
			close(lfd);
			if (net_connect(&fd, addr, TIMEOUT_MS, msg) != RT_OK)
				_exit(80);
		} else {
			close(sv[0]);
		}
		_exit(fn(fd, arg));
	}
	if (tcp) {
		cr_assert(eq(int, net_accept(lfd, TIMEOUT_MS, parent_fd, msg), RT_OK), "%s", msg);
		close(lfd);
	} else {
		close(sv[1]);
		*parent_fd = sv[0];
	}
	return pid;
}

static int wait_child(pid_t pid)
{
	int status = 0;
	cr_assert(eq(int, waitpid(pid, &status, 0), pid));
	int exited = WIFEXITED(status);
	cr_assert(exited, "child died, status %d", status);
	return WEXITSTATUS(status);
}

/* A TLS peer in the child: identity, pin and side, then what to do on the channel. A failed
 * handshake exits with 100 + the error, its message in child_msg. */
struct tls_side {
	const struct ident *me;
	const uint8_t *pin;
	bool server;
	int timeout_ms;
	int (*then)(net_chan *ch, void *arg);
	void *arg;
};

static int tls_child(int fd, void *arg)
{
	const struct tls_side *s = arg;
	net_chan *ch;
	net_tls_ctx *t;
	char msg[NET_ERRMSG_BYTES];
	if (net_tls_new(&t, s->me->key, s->me->crt, msg) != RT_OK)
		return 90;
	if (net_chan_new(&ch, fd, s->timeout_ms) != RT_OK)
		return 91;
	uint8_t peer[32];
	rt_err err = net_chan_tls(ch, t, s->server, s->pin, peer);
	net_tls_free(t);
	int rc;
	if (err != RT_OK) {
		snprintf(child_msg, 4096, "%s", net_chan_errmsg(ch));
		rc = 100 + (int)err;
	} else {
		rc = s->then ? s->then(ch, s->arg) : 0;
	}
	net_chan_free(ch);
	return rc;
}

/* The parent's side of a TLS channel on fd. */
static rt_err parent_tls(int fd, const struct ident *me, const uint8_t *pin, bool server,
			 int timeout_ms, net_chan **ch, uint8_t peer[32])
{
	net_tls_ctx *t;
	char msg[NET_ERRMSG_BYTES] = "";
	cr_assert(eq(int, net_tls_new(&t, me->key, me->crt, msg), RT_OK), "%s", msg);
	uint8_t own[32];
	net_tls_fingerprint(t, own);
	cr_assert(eq(int, memcmp(own, me->fp, 32), 0));
	cr_assert(eq(int, net_chan_new(ch, fd, timeout_ms), RT_OK));
	rt_err err = net_chan_tls(*ch, t, server, pin, peer);
	net_tls_free(t); /* the channel may outlive its context */
	return err;
}

/* ---- a workout over an authenticated channel: the same code runs on both ends ---- */

enum { BIG = 6u << 20 };

static const size_t echo_sizes[] = {
    1, 8, 4096, 16384, 16385, NET_BUF_BYTES - 8, NET_BUF_BYTES, 3u << 20, 0};

static size_t next_piece(uint64_t *state, size_t small, size_t large, size_t left)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	size_t r = (size_t)(*state >> 40);
	size_t n = (*state >> 33) % 3 == 0 ? r % small + 1 : r % large + 1;
	return n < left ? n : left;
}

/* Sends BIG pattern bytes (seed) in pieces, by net_send, net_send_now and reserve/commit. */
static int send_big(net_chan *ch, uint64_t seed)
{
	uint8_t *buf = malloc(BIG);
	uint64_t state = seed, sizes = seed + 1;
	fill_pattern(buf, BIG, &state);
	int bad = 0;
	for (size_t off = 0, i = 0; off < BIG && !bad; i++) {
		size_t n = next_piece(&sizes, 300, 2u << 20, BIG - off);
		uint8_t *p;
		if (i % 3 == 0) {
			bad = net_send(ch, buf + off, n) != RT_OK;
		} else if (i % 3 == 1) {
			bad = net_send_now(ch, buf + off, n) != RT_OK;
		} else {
			n = n < NET_BUF_BYTES ? n : NET_BUF_BYTES;
			bad = net_send_reserve(ch, n, &p) != RT_OK;
			if (!bad) {
				memcpy(p, buf + off, n);
				bad = net_send_commit(ch, n) != RT_OK;
			}
		}
		off += n;
	}
	free(buf);
	return bad || net_flush(ch) != RT_OK;
}

/* Receives what send_big(seed) sent, by net_recv and net_recv_view; 0 when intact. */
static int recv_big(net_chan *ch, uint64_t seed)
{
	uint8_t *want = malloc(BIG), *got = malloc(BIG);
	uint64_t state = seed, sizes = seed + 2;
	fill_pattern(want, BIG, &state);
	int bad = 0;
	for (size_t off = 0, i = 0; off < BIG && !bad; i++) {
		size_t n = next_piece(&sizes, 5000, 3u << 20, BIG - off);
		if (i % 2 == 0 || n > NET_BUF_BYTES) {
			bad = net_recv(ch, got + off, n) != RT_OK;
		} else {
			const uint8_t *v;
			bad = net_recv_view(ch, n, &v) != RT_OK;
			if (!bad)
				memcpy(got + off, v, n);
		}
		off += n;
	}
	bad = bad || memcmp(got, want, BIG) != 0;
	free(want);
	free(got);
	return bad;
}

/* The child's part: binding, echo, big transfers both ways, transcripts and counts. */
static int workout_child(net_chan *ch, void *arg)
{
	(void)arg;
	uint8_t binding[32], sent[32], recvd[32];
	if (!net_chan_is_tls(ch) || net_chan_start_transcript(ch) != RT_OK ||
	    net_chan_tls_binding(ch, binding) != RT_OK || net_send(ch, binding, 32) != RT_OK)
		return 1;
	size_t max = 4u << 20, len = 1;
	uint8_t *buf = malloc(max);
	while (len > 0) { /* echo until an empty message */
		if (net_recv_msg(ch, buf, max, &len) != RT_OK)
			return 2;
		if (net_send_msg(ch, buf, len) != RT_OK || net_flush(ch) != RT_OK)
			return 3;
	}
	free(buf);
	if (recv_big(ch, 1001) != 0)
		return 4;
	if (send_big(ch, 2002) != 0)
		return 5;
	uint64_t received = net_bytes_received(ch);
	if (net_chan_transcript(ch, sent, recvd) != RT_OK || net_send(ch, sent, 32) != RT_OK ||
	    net_send(ch, recvd, 32) != RT_OK || net_send(ch, &received, 8) != RT_OK ||
	    net_flush(ch) != RT_OK)
		return 6;
	return 0;
}

static void workout_parent(net_chan *ch)
{
	uint8_t binding[32], peer_binding[32], zero[32] = {0};
	cr_assert(net_chan_is_tls(ch));
	cr_assert(eq(str, (char *)net_chan_tls_suite(ch), "TLS_AES_128_GCM_SHA256"));
	cr_assert(eq(int, net_chan_start_transcript(ch), RT_OK));
	cr_assert(eq(int, net_chan_tls_binding(ch, binding), RT_OK));
	cr_assert(eq(int, net_recv(ch, peer_binding, 32), RT_OK), "%s", net_chan_errmsg(ch));
	cr_assert(eq(int, memcmp(binding, peer_binding, 32), 0)); /* both ends derive the same */
	cr_assert(ne(int, memcmp(binding, zero, 32), 0));

	uint8_t *out = malloc(4u << 20), *in = malloc(4u << 20);
	uint64_t state = 1, app_bytes = BIG;
	for (size_t i = 0; i < sizeof(echo_sizes) / sizeof(echo_sizes[0]); i++) {
		size_t n = echo_sizes[i], len = 0;
		app_bytes += NET_MSG_HEADER_BYTES + n;
		fill_pattern(out, n, &state);
		cr_assert(eq(int, net_send_msg(ch, out, n), RT_OK));
		cr_assert(eq(int, net_flush(ch), RT_OK));
		cr_assert(eq(int, net_recv_msg(ch, in, 4u << 20, &len), RT_OK), "%s",
			  net_chan_errmsg(ch));
		cr_assert(eq(sz, len, n));
		cr_assert(eq(int, memcmp(in, out, n), 0), "size %zu", n);
	}
	free(out);
	free(in);
	cr_assert(eq(int, send_big(ch, 1001), 0), "%s", net_chan_errmsg(ch));
	cr_assert(eq(int, recv_big(ch, 2002), 0), "%s", net_chan_errmsg(ch));

	uint8_t sent[32], recvd[32], peer_sent[32], peer_recvd[32];
	uint64_t peer_received = 0;
	cr_assert(eq(int, net_chan_transcript(ch, sent, recvd), RT_OK));
	cr_assert(eq(int, net_recv(ch, peer_sent, 32), RT_OK));
	cr_assert(eq(int, net_recv(ch, peer_recvd, 32), RT_OK));
	cr_assert(eq(int, net_recv(ch, &peer_received, 8), RT_OK));
	cr_assert(eq(int, memcmp(sent, peer_recvd, 32), 0));
	cr_assert(eq(int, memcmp(recvd, peer_sent, 32), 0));
	/* application bytes are counted, the same on both ends, TLS's overhead not */
	cr_assert(eq(u64, net_bytes_sent(ch), app_bytes));
	cr_assert(eq(u64, peer_received, app_bytes));
}

static void pinned_round_trip(bool tcp, bool parent_is_server)
{
	struct tls_side child = {.me = &bob,
				 .pin = alice.fp,
				 .server = !parent_is_server,
				 .timeout_ms = TIMEOUT_MS,
				 .then = workout_child};
	int fd;
	pid_t pid = start_child(tls_child, &child, tcp, &fd);
	net_chan *ch;
	uint8_t peer[32];
	rt_err err = parent_tls(fd, &alice, bob.fp, parent_is_server, TIMEOUT_MS, &ch, peer);
	cr_assert(eq(int, err, RT_OK), "%s", net_chan_errmsg(ch));
	cr_assert(eq(int, memcmp(peer, bob.fp, 32), 0));
	workout_parent(ch);
	cr_assert(eq(int, wait_child(pid), 0), "%s", child_msg);
	net_chan_free(ch);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

Test(tls, pinned_peers_exchange_data_both_ways)
{
	pinned_round_trip(false, true);
}

Test(tls, pinned_peers_over_loopback_tcp)
{
	pinned_round_trip(true, false);
}

/* Without a pin any certificate is taken, and its fingerprint reported. */
Test(tls, unpinned_side_reports_the_peer_fingerprint)
{
	struct tls_side child = {
	    .me = &bob, .pin = NULL, .server = false, .timeout_ms = TIMEOUT_MS};
	int fd;
	pid_t pid = start_child(tls_child, &child, false, &fd);
	net_chan *ch;
	uint8_t peer[32];
	cr_assert(eq(int, parent_tls(fd, &alice, NULL, true, TIMEOUT_MS, &ch, peer), RT_OK), "%s",
		  net_chan_errmsg(ch));
	cr_assert(eq(int, memcmp(peer, bob.fp, 32), 0));
	cr_assert(eq(int, wait_child(pid), 0), "%s", child_msg);
	net_chan_free(ch);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

static void wrong_pin(bool parent_is_server)
{
	/* the parent expects carol but bob answers; bob pins alice rightly */
	struct tls_side child = {
	    .me = &bob, .pin = alice.fp, .server = !parent_is_server, .timeout_ms = TIMEOUT_MS};
	int fd;
	pid_t pid = start_child(tls_child, &child, false, &fd);
	net_chan *ch;
	uint8_t peer[32];
	rt_err err = parent_tls(fd, &alice, carol.fp, parent_is_server, TIMEOUT_MS, &ch, peer);
	cr_assert(eq(int, err, RT_ERR_AUTH), "%s", net_chan_errmsg(ch));
	const char *msg = net_chan_errmsg(ch);
	cr_assert(ne(ptr, strstr(msg, "does not match the pinned fingerprint"), NULL), "%s", msg);
	char want[80], got[80];
	hex(want, carol.fp, 8);
	hex(got, bob.fp, 8);
	cr_assert(ne(ptr, strstr(msg, want), NULL), "expected %s in: %s", want, msg);
	cr_assert(ne(ptr, strstr(msg, got), NULL), "got %s in: %s", got, msg);
	cr_assert(eq(int, memcmp(peer, bob.fp, 32), 0)); /* who it was, for the caller's message */
	uint8_t b;
	cr_assert(eq(int, net_recv(ch, &b, 1), RT_ERR_AUTH)); /* the channel stays failed */
	net_chan_free(ch);
	/* the other side learns it was refused, at once and not by timeout */
	cr_assert(eq(int, wait_child(pid), 100 + RT_ERR_AUTH), "%s", child_msg);
	cr_assert(ne(ptr, strstr(child_msg, "refused our certificate"), NULL), "%s", child_msg);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

Test(tls, wrong_pin_on_the_server_is_refused_on_both_sides)
{
	wrong_pin(true);
}

Test(tls, wrong_pin_on_the_client_is_refused_on_both_sides)
{
	wrong_pin(false);
}

/* A raw OpenSSL TLS 1.3 client with no certificate: its first read must fail. */
static int no_cert_client(int fd, void *arg)
{
	(void)arg;
	signal(SIGPIPE, SIG_IGN);
	struct timeval tv = {.tv_sec = 10};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
	SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
	SSL *s = SSL_new(c);
	SSL_set_fd(s, fd);
	int rc = 1;
	if (SSL_connect(s) == 1) { /* TLS 1.3: the client finishes before the server judges */
		char b;
		rc = SSL_read(s, &b, 1) <= 0 ? 0 : 2;
	}
	SSL_free(s);
	SSL_CTX_free(c);
	close(fd);
	return rc;
}

Test(tls, peer_without_certificate_is_refused)
{
	int fd;
	pid_t pid = start_child(no_cert_client, NULL, false, &fd);
	net_chan *ch;
	uint8_t peer[32];
	rt_err err = parent_tls(fd, &alice, bob.fp, true, TIMEOUT_MS, &ch, peer);
	cr_assert(eq(int, err, RT_ERR_AUTH), "%s", net_chan_errmsg(ch));
	cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "no certificate"), NULL), "%s",
		  net_chan_errmsg(ch));
	net_chan_free(ch);
	cr_assert(eq(int, wait_child(pid), 0));
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* A plain-TCP mpcc peer: sends a message and waits for the answer, which cannot come. */
static int plain_talker(int fd, void *arg)
{
	(void)arg;
	net_chan *ch;
	if (net_chan_new(&ch, fd, TIMEOUT_MS) != RT_OK)
		return 90;
	uint8_t buf[64];
	size_t len;
	rt_err err = net_send_msg(ch, "hello, plain", 12);
	if (err == RT_OK)
		err = net_recv_msg(ch, buf, sizeof(buf), &len);
	net_chan_free(ch);
	return 100 + (int)err;
}

/* A plain-TCP mpcc peer that listens first: reads a message (a ClientHello is none). */
static int plain_listener(int fd, void *arg)
{
	(void)arg;
	net_chan *ch;
	if (net_chan_new(&ch, fd, TIMEOUT_MS) != RT_OK)
		return 90;
	uint8_t buf[1024];
	size_t len;
	rt_err err = net_recv_msg(ch, buf, sizeof(buf), &len);
	net_chan_free(ch);
	return 100 + (int)err;
}

Test(tls, plain_peer_against_tls_fails_cleanly)
{
	/* TLS server, plain client: not TLS, said at once */
	int fd;
	pid_t pid = start_child(plain_talker, NULL, false, &fd);
	net_chan *ch;
	uint8_t peer[32];
	rt_err err = parent_tls(fd, &alice, bob.fp, true, TIMEOUT_MS, &ch, peer);
	cr_assert(eq(int, err, RT_ERR_PROTOCOL), "%s", net_chan_errmsg(ch));
	cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "does not speak TLS"), NULL), "%s",
		  net_chan_errmsg(ch));
	net_chan_free(ch);
	int rc = wait_child(pid);
	cr_assert(rc == 100 + RT_ERR_IO || rc == 100 + RT_ERR_PROTOCOL, "child %d", rc);

	/* TLS client, plain server: the server reads a ClientHello as a huge length and hangs
	 * up; the client sees it close */
	pid = start_child(plain_listener, NULL, false, &fd);
	err = parent_tls(fd, &alice, bob.fp, false, TIMEOUT_MS, &ch, peer);
	cr_assert(eq(int, err, RT_ERR_IO), "%s", net_chan_errmsg(ch));
	cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "a party run with --insecure closes like this"),
		     NULL),
		  "%s", net_chan_errmsg(ch));
	net_chan_free(ch);
	cr_assert(eq(int, wait_child(pid), 100 + RT_ERR_PROTOCOL));
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* Starts a TLS record (a handshake record's header and part of its body), then hangs up. */
static int half_record_then_close(int fd, void *arg)
{
	(void)arg;
	static const uint8_t part[] = {0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00};
	return write(fd, part, sizeof(part)) == (ssize_t)sizeof(part) ? 0 : 1;
}

/* A peer that hung up mid-handshake after sending something is no plain party: the message
 * does not suggest --insecure (a peer that sent nothing at all gets the hint, above). */
Test(tls, peer_gone_mid_handshake_gets_no_insecure_hint)
{
	int fd;
	pid_t pid = start_child(half_record_then_close, NULL, false, &fd);
	net_chan *ch;
	uint8_t peer[32];
	rt_err err = parent_tls(fd, &alice, bob.fp, true, TIMEOUT_MS, &ch, peer);
	cr_assert(eq(int, err, RT_ERR_IO), "%s", net_chan_errmsg(ch));
	cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "peer closed the connection"), NULL), "%s",
		  net_chan_errmsg(ch));
	cr_assert(eq(ptr, strstr(net_chan_errmsg(ch), "--insecure"), NULL), "%s",
		  net_chan_errmsg(ch));
	net_chan_free(ch);
	cr_assert(eq(int, wait_child(pid), 0));
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* Says nothing; waits for the parent to hang up. */
static int silent_child(int fd, void *arg)
{
	(void)arg;
	char b[4096];
	while (read(fd, b, sizeof(b)) > 0)
		;
	return 0;
}

Test(tls, silent_peer_times_out_in_the_handshake)
{
	for (int server = 0; server < 2; server++) {
		int fd;
		pid_t pid = start_child(silent_child, NULL, false, &fd);
		net_chan *ch;
		uint8_t peer[32];
		rt_err err = parent_tls(fd, &alice, bob.fp, server, 300, &ch, peer);
		cr_assert(eq(int, err, RT_ERR_TIMEOUT), "%s", net_chan_errmsg(ch));
		cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "300 ms"), NULL), "%s",
			  net_chan_errmsg(ch));
		net_chan_free(ch);
		cr_assert(eq(int, wait_child(pid), 0));
	}
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* Sends a TLS record header, then its body one byte every 40 ms (2.4 s for all of it), so
 * every single wait of the other side is short: only a deadline for the whole handshake
 * stops it before the bytes run out. */
static int trickle_child(int fd, void *arg)
{
	(void)arg;
	static const uint8_t hdr[] = {0x16, 0x03, 0x01, 0x02, 0x00};
	if (send(fd, hdr, sizeof(hdr), MSG_NOSIGNAL) != (ssize_t)sizeof(hdr))
		return 1;
	for (int i = 0; i < 60; i++) {
		poll(NULL, 0, 40);
		uint8_t b = 0x01;
		if (send(fd, &b, 1, MSG_NOSIGNAL) != 1)
			return 0; /* the parent hung up */
	}
	return 0;
}

Test(tls, trickling_peer_cannot_stretch_the_handshake)
{
	int fd;
	pid_t pid = start_child(trickle_child, NULL, false, &fd);
	net_chan *ch;
	uint8_t peer[32];
	rt_err err = parent_tls(fd, &alice, bob.fp, true, 400, &ch, peer);
	cr_assert(eq(int, err, RT_ERR_TIMEOUT), "%s", net_chan_errmsg(ch));
	net_chan_free(ch);
	cr_assert(eq(int, wait_child(pid), 0));
}

/* A raw OpenSSL server (bob's identity) that completes the handshake but never sends
 * mpcc's confirmation. */
static int unconfirming_server(int fd, void *arg)
{
	(void)arg;
	signal(SIGPIPE, SIG_IGN); /* OpenSSL's socket BIO write()s: a closed peer is a SIGPIPE */
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());
	SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
	if (SSL_CTX_use_certificate_file(c, bob.crt, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(c, bob.key, SSL_FILETYPE_PEM) != 1)
		return 1;
	SSL *s = SSL_new(c);
	SSL_set_fd(s, fd);
	int rc = SSL_accept(s) == 1 ? 0 : 2;
	char b;
	while (rc == 0 && SSL_read(s, &b, 1) > 0) /* until the parent hangs up */
		;
	SSL_free(s);
	SSL_CTX_free(c);
	return rc;
}

Test(tls, server_that_never_confirms_times_out)
{
	int fd;
	pid_t pid = start_child(unconfirming_server, NULL, false, &fd);
	net_chan *ch;
	uint8_t peer[32];
	rt_err err = parent_tls(fd, &alice, bob.fp, false, 400, &ch, peer);
	cr_assert(eq(int, err, RT_ERR_TIMEOUT), "%s", net_chan_errmsg(ch));
	cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "confirm"), NULL), "%s", net_chan_errmsg(ch));
	net_chan_free(ch);
	cr_assert(eq(int, wait_child(pid), 0));
}

static int send_1000_and_close(net_chan *ch, void *arg)
{
	(void)arg;
	uint8_t buf[1000] = {1};
	return net_send(ch, buf, sizeof(buf)) == RT_OK && net_flush(ch) == RT_OK ? 0 : 1;
}

Test(tls, peer_closing_midway_is_io_error)
{
	struct tls_side child = {.me = &bob,
				 .pin = alice.fp,
				 .server = false,
				 .timeout_ms = TIMEOUT_MS,
				 .then = send_1000_and_close};
	int fd;
	pid_t pid = start_child(tls_child, &child, false, &fd);
	net_chan *ch;
	uint8_t peer[32], buf[2000];
	cr_assert(eq(int, parent_tls(fd, &alice, bob.fp, true, TIMEOUT_MS, &ch, peer), RT_OK), "%s",
		  net_chan_errmsg(ch));
	cr_assert(eq(int, net_recv(ch, buf, sizeof(buf)), RT_ERR_IO));
	cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "closed"), NULL), "%s", net_chan_errmsg(ch));
	cr_assert(eq(ptr, strstr(net_chan_errmsg(ch), "--insecure"), NULL), "%s",
		  net_chan_errmsg(ch)); /* it spoke TLS: no hint */
	cr_assert(eq(u64, net_bytes_received(ch), 1000));
	cr_assert(eq(int, wait_child(pid), 0), "%s", child_msg);
	net_chan_free(ch);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* OpenSSL's own socket BIO would write() and die of SIGPIPE here. */
Test(tls, writing_to_closed_peer_is_io_error_not_sigpipe)
{
	struct tls_side child = {
	    .me = &bob, .pin = alice.fp, .server = false, .timeout_ms = TIMEOUT_MS};
	int fd;
	pid_t pid = start_child(tls_child, &child, false, &fd);
	net_chan *ch;
	uint8_t peer[32];
	cr_assert(eq(int, parent_tls(fd, &alice, bob.fp, true, TIMEOUT_MS, &ch, peer), RT_OK), "%s",
		  net_chan_errmsg(ch));
	cr_assert(eq(int, wait_child(pid), 0), "%s", child_msg); /* its end is closed now */
	size_t n = 16u << 20;
	uint8_t *buf = calloc(1, n);
	rt_err err = net_send(ch, buf, n);
	if (err == RT_OK)
		err = net_flush(ch);
	cr_assert(eq(int, err, RT_ERR_IO), "%s", net_chan_errmsg(ch)); /* and we are alive */
	cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "closed"), NULL), "%s", net_chan_errmsg(ch));
	net_chan_free(ch);
	free(buf);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

/* Relays between fd and arg's socket, flipping one bit at byte 20000 of what comes from the
 * far side (well past the handshake), then passes everything on. */
static int tamper_relay(int fd, void *arg)
{
	int far = *(int *)arg;
	uint8_t buf[65536];
	uint64_t from_far = 0;
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = far, .events = POLLIN}};
	for (;;) {
		if (poll(p, 2, 10000) <= 0)
			return 1;
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0)
				return 0;
			if (i == 1 && from_far <= 20000 && from_far + (uint64_t)n > 20000)
				buf[20000 - from_far] ^= 0x10;
			if (i == 1)
				from_far += (uint64_t)n;
			if (send(p[1 - i].fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
				return 0;
		}
	}
}

static int send_64k(net_chan *ch, void *arg)
{
	(void)arg;
	uint8_t *buf = calloc(1, 65536);
	rt_err err = net_send(ch, buf, 65536);
	if (err == RT_OK)
		err = net_flush(ch);
	uint8_t b;
	if (err == RT_OK)
		err = net_recv(ch, &b, 1); /* until the parent hangs up */
	free(buf);
	/* the parent hangs up, or first sends an alert (bad_record_mac) */
	return err == RT_ERR_IO || err == RT_ERR_PROTOCOL ? 0 : 1;
}

Test(tls, altered_record_is_detected)
{
	int sv[2];
	cr_assert(eq(int, socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0));
	struct tls_side peer_side = {.me = &bob,
				     .pin = alice.fp,
				     .server = false,
				     .timeout_ms = TIMEOUT_MS,
				     .then = send_64k};
	fflush(NULL);
	pid_t peer_pid = fork();
	cr_assert(ne(int, peer_pid, -1));
	if (peer_pid == 0) {
		close(sv[0]);
		_exit(tls_child(sv[1], &peer_side));
	}
	close(sv[1]);
	int fd;
	pid_t relay_pid = start_child(tamper_relay, &sv[0], false, &fd);
	close(sv[0]);
	net_chan *ch;
	uint8_t peer[32], buf[65536];
	cr_assert(eq(int, parent_tls(fd, &alice, bob.fp, true, TIMEOUT_MS, &ch, peer), RT_OK), "%s",
		  net_chan_errmsg(ch));
	rt_err err = net_recv(ch, buf, sizeof(buf));
	cr_assert(eq(int, err, RT_ERR_PROTOCOL), "%s", net_chan_errmsg(ch));
	cr_assert(ne(ptr, strstr(net_chan_errmsg(ch), "integrity"), NULL), "%s",
		  net_chan_errmsg(ch));
	net_chan_free(ch);
	cr_assert(eq(int, wait_child(relay_pid), 0));
	cr_assert(eq(int, wait_child(peer_pid), 0), "%s", child_msg);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}

Test(tls, handshake_needs_a_fresh_channel)
{
	int sv[2];
	cr_assert(eq(int, socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0));
	net_tls_ctx *t;
	char msg[NET_ERRMSG_BYTES] = "";
	cr_assert(eq(int, net_tls_new(&t, alice.key, alice.crt, msg), RT_OK), "%s", msg);
	net_chan *ch;
	cr_assert(eq(int, net_chan_new(&ch, sv[0], 1000), RT_OK));
	uint8_t b[32];
	cr_assert(not(net_chan_is_tls(ch)));
	cr_assert(eq(str, (char *)net_chan_tls_suite(ch), ""));
	cr_assert(eq(int, net_chan_tls_binding(ch, b), RT_ERR_INPUT)); /* plain */
	cr_assert(eq(int, net_send(ch, "x", 1), RT_OK));
	cr_assert(eq(int, net_chan_tls(ch, t, true, bob.fp, b), RT_ERR_INPUT)); /* queued */
	cr_assert(eq(int, net_chan_tls(ch, NULL, true, bob.fp, b), RT_ERR_INPUT));
	cr_assert(eq(int, net_flush(ch), RT_OK)); /* still a working plain channel */
	net_chan_free(ch);
	net_tls_free(t);
	net_tls_free(NULL);
	close(sv[1]);
	cr_assert(eq(sz, rt_alloc_live(), 0));
}
