/* test_multi.c: many parties, server-aided (runtime/server.h, README.md "Many parties").
 *
 * - The shipped many-party programs and tests/multi/private.mpc run with 3 and 10 parties,
 *   every party a separate `mpcc run --parties` process over loopback: each prints exactly
 *   the outputs it may learn, with mpcc eval's values for the same inputs.
 * - What an input party sends a compute party: the test plays both compute parties and checks
 *   that the shares look uniformly random over many sessions and rebuild the input.
 * - The session API end to end (sa_compute, sa_input_start/finish in forked children) on a
 *   circuit built here, with sum groups and masked outputs, against circ_eval_values.
 * - Parties that never start, die midway or hold another circuit; parties file errors.
 * - `mpcc local` on many-party programs; the parties file parser.
 * The mpcc binary comes from MPCC_BIN, the programs from MPCC_SOURCE_ROOT (meson test sets
 * both). Failure cases run with a short --timeout. MPCC_TEST_VERBOSE=1 shows what every mpcc
 * process printed.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "circuit.h"
#include "net.h"
#include "server.h"
#include "tls.h"

#include "procs.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum {
	OK_TIMEOUT_S = 30, /* --timeout of sessions that should succeed */
	BAD_TIMEOUT_S = 3, /* --timeout of sessions that should fail */
	MARGIN_S = 5,	   /* how late after the timeout a failing party may end */
	MAX_PROCS = 16,
};

/* ---- helpers: randomness, time, files ---- */

static uint64_t mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15u;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* A fixed-seed random value for (seed, a, b): inputs are functions of their indices. */
static uint64_t rnd_at(uint64_t seed, uint64_t a, uint64_t b)
{
	return mix(mix(mix(seed) ^ a) ^ (b * 0x2545f4914f6cdd1du));
}

/* calloc, or the end of the test (never NULL: the compiler knows). */
static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p)
		abort();
	return p;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	cr_assert(f, "cannot write %s", path);
	cr_assert(fputs(text, f) >= 0 && fclose(f) == 0);
}

static const char *mpcc_bin(void)
{
	const char *bin = getenv("MPCC_BIN");
	cr_assert(bin, "MPCC_BIN is not set (run through meson test)");
	return bin;
}

/* A program's path: FILE under the source root. */
static void source_path(char *out, size_t n, const char *file)
{
	const char *root = getenv("MPCC_SOURCE_ROOT");
	cr_assert(root, "MPCC_SOURCE_ROOT is not set (run through meson test)");
	snprintf(out, n, "%s/%s", root, file);
	cr_assert(access(out, R_OK) == 0, "cannot read %s", out);
}

/* A scratch directory, removed with what is in it by tmp_done. */
struct tmp {
	char dir[64];
	char paths[64][300];
	int n;
};

static void tmp_init(struct tmp *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/mpcc-multi-XXXXXX");
	cr_assert(mkdtemp(t->dir), "mkdtemp: %s", strerror(errno));
	t->n = 0;
}

static const char *tmp_path(struct tmp *t, const char *name)
{
	cr_assert(t->n < (int)ARRAY_LEN(t->paths));
	char buf[sizeof(t->paths[0])];
	snprintf(buf, sizeof(buf), "%s/%s", t->dir, name);
	memcpy(t->paths[t->n], buf, sizeof(buf));
	return t->paths[t->n++];
}

static void tmp_done(struct tmp *t)
{
	for (int i = 0; i < t->n; i++)
		unlink(t->paths[i]);
	rmdir(t->dir);
}

/* Two free loopback ports (both held at once, so they differ). */
static void free_ports(uint16_t port[2])
{
	int fd[2];
	char why[NET_ERRMSG_BYTES];
	for (int k = 0; k < 2; k++)
		cr_assert(net_listen(&fd[k], "127.0.0.1:0", why) == RT_OK &&
			      net_local_port(fd[k], &port[k], why) == RT_OK,
			  "%s", why);
	close(fd[0]);
	close(fd[1]);
}

/* ---- helpers: processes ---- */

/* Starts `mpcc ...` as p, its output in t's directory under name. */
static void spawn(struct proc *p, struct tmp *t, const char *name, struct args *a)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	char file[128];
	snprintf(file, sizeof(file), "%s.out", name);
	snprintf(p->out_path, sizeof(p->out_path), "%s", tmp_path(t, file));
	snprintf(file, sizeof(file), "%s.err", name);
	snprintf(p->err_path, sizeof(p->err_path), "%s", tmp_path(t, file));
	proc_start(p, a);
}

/* Runs one mpcc command to its end; returns its exit status, stdout and stderr in p. */
static int run_mpcc(struct proc *p, struct tmp *t, const char *name, struct args *a)
{
	spawn(p, t, name, a);
	wait_all(p, 1, 120);
	return p->status;
}

/* ---- the programs and their inputs ---- */

/* Inputs are functions of (seed, their indices) that respect each program's preconditions. */
static uint64_t gen_input(const char *name, uint32_t width, uint64_t seed)
{
	unsigned i, j;
	uint64_t v;
	if (sscanf(name, "bid[%u]", &i) == 1) {
		v = rnd_at(seed, 1, i);
		return seed % 2 ? v % 6 : v & 0xffffffffu; /* few distinct bids: ties */
	}
	if (sscanf(name, "demand[%u][%u]", &i, &j) == 2) { /* non-increasing in j */
		int64_t d = 400;
		for (unsigned q = 0; q <= j; q++)
			d -= (int64_t)(rnd_at(seed, 2 + 2 * (uint64_t)i, q) % 61);
		return d > 0 ? (uint64_t)d : 0;
	}
	if (sscanf(name, "supply[%u][%u]", &i, &j) == 2) { /* non-decreasing in j */
		uint64_t s = 0;
		for (unsigned q = 0; q <= j; q++)
			s += rnd_at(seed, 3 + 2 * (uint64_t)i, q) % 61;
		return s;
	}
	if (sscanf(name, "payroll[%u]", &i) == 1)
		return rnd_at(seed, 4, i) & ((UINT64_C(1) << 40) - 1);
	if (sscanf(name, "staff[%u]", &i) == 1) /* head counts > 0 */
		return 1 + rnd_at(seed, 5, i) % 1000;
	if (sscanf(name, "x[%u]", &i) == 1)
		return rnd_at(seed, 6, i) % 12;
	v = rnd_at(seed, 7, strlen(name));
	return width >= 64 ? v : v & ((UINT64_C(1) << width) - 1);
}

/* One session's program: FILE under the source root with -D definitions. */
struct prog {
	const char *file;
	const char *defs[3];
};

static const struct prog vickrey3 = {"circuits/programs/vickrey.mpc", {"N=3"}};
static const struct prog vickrey10 = {"circuits/programs/vickrey.mpc", {"N=10"}};
static const struct prog first3 = {"circuits/programs/first_price.mpc", {"N=3"}};
static const struct prog first10 = {"circuits/programs/first_price.mpc", {"N=10"}};
static const struct prog double3 = {"circuits/programs/double_auction.mpc", {"B=2", "S=1"}};
static const struct prog double10 = {"circuits/programs/double_auction.mpc", {"B=4", "S=6"}};
static const struct prog salary3 = {"circuits/programs/average_salary.mpc", {"N=3"}};
static const struct prog salary10 = {"circuits/programs/average_salary.mpc", {"N=10"}};
static const struct prog private3 = {"tests/multi/private.mpc", {"N=3"}};
static const struct prog private4 = {"tests/multi/private.mpc", {"N=4"}};
static const struct prog private10 = {"tests/multi/private.mpc", {"N=10"}};

static void prog_args(struct args *a, const char *src, const struct prog *pg)
{
	arg(a, "%s", src);
	for (int k = 0; k < (int)ARRAY_LEN(pg->defs) && pg->defs[k]; k++) {
		arg(a, "-D");
		arg(a, "%s", pg->defs[k]);
	}
}

/* A session being set up: the program compiled (its interface), inputs, mpcc eval's outputs
 * and a parties file. */
struct sess {
	struct tmp t;
	const struct prog *pg;
	char src[512];
	const char *circ_path, *parties_path;
	struct circ_circuit *c;
	uint64_t *val;	  /* per input of c */
	char **eval_line; /* per output of c: "NAME = VALUE" as mpcc eval prints it */
	char *eval_out;	  /* all of mpcc eval's stdout */
	uint16_t port[2];
	uint32_t garbler, evaluator; /* the program's parties computing, or UINT32_MAX */
	bool tls;		     /* TLS with keys in t's directory (else --insecure) */
	char cname[2][CIRC_MAX_NAME + 1]; /* the compute parties' names */
};

static void sess_open(struct sess *s, const struct prog *pg, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	tmp_init(&s->t);
	s->pg = pg;
	source_path(s->src, sizeof(s->src), pg->file);
	s->garbler = s->evaluator = UINT32_MAX;
	/* the interface: mpcc compile, then load the circuit */
	struct proc p;
	struct args a = {0};
	s->circ_path = tmp_path(&s->t, "prog.circ");
	arg(&a, "%s", mpcc_bin());
	arg(&a, "compile");
	prog_args(&a, s->src, pg);
	arg(&a, "-o");
	arg(&a, "%s", s->circ_path);
	cr_assert_eq(run_mpcc(&p, &s->t, "compile", &a), 0, "mpcc compile %s: %s", pg->file, p.err);
	proc_free(&p, 1);
	args_free(&a);
	struct circ_err ce;
	cr_assert(circ_load(&s->c, s->circ_path, CIRC_FMT_AUTO, NULL, &ce) == 0, "%s", ce.msg);
	/* inputs, and mpcc eval's answer */
	const struct circ_circuit *c = s->c;
	s->val = xcalloc(c->ninputs + 1, sizeof(uint64_t));
	arg(&a, "%s", mpcc_bin());
	arg(&a, "eval");
	prog_args(&a, s->src, pg);
	for (uint32_t k = 0; k < c->ninputs; k++) {
		cr_assert(c->inputs[k].width <= 64);
		s->val[k] = gen_input(c->inputs[k].name, c->inputs[k].width, seed);
		arg(&a, "--input");
		arg(&a, "%s=%llu", c->inputs[k].name, (unsigned long long)s->val[k]);
	}
	cr_assert_eq(run_mpcc(&p, &s->t, "eval", &a), 0, "mpcc eval %s: %s", pg->file, p.err);
	args_free(&a);
	s->eval_out = strdup(p.out);
	s->eval_line = xcalloc(c->noutputs + 1, sizeof(char *));
	for (char *line = strtok(p.out, "\n"); line; line = strtok(NULL, "\n")) {
		char *eq = strstr(line, " = ");
		cr_assert(eq, "mpcc eval printed '%s'", line);
		char name[CIRC_MAX_NAME + 1];
		snprintf(name, sizeof(name), "%.*s", (int)(eq - line), line);
		int64_t o = circ_find_output(c, name);
		cr_assert(o >= 0 && !s->eval_line[o], "mpcc eval printed '%s'", line);
		s->eval_line[o] = strdup(line);
	}
	proc_free(&p, 1);
	for (uint32_t o = 0; o < c->noutputs; o++)
		cr_assert(s->eval_line[o], "mpcc eval did not print %s", c->outputs[o].name);
}

static void sess_close(struct sess *s)
{
	for (uint32_t o = 0; s->c && o < s->c->noutputs; o++)
		free(s->eval_line[o]);
	free(s->eval_line);
	free(s->eval_out);
	free(s->val);
	circ_free(s->c);
	tmp_done(&s->t);
}

/* The index and prefix of a party "PREFIX[INDEX]", or false. */
static bool indexed(const char *name, char *prefix, size_t n, unsigned long *idx)
{
	const char *open = strrchr(name, '[');
	char *end;
	if (!open || (size_t)(open - name) >= n)
		return false;
	*idx = strtoul(open + 1, &end, 10);
	if (end == open + 1 || strcmp(end, "]") != 0)
		return false;
	snprintf(prefix, n, "%.*s", (int)(open - name), name);
	return true;
}

static void appendf(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void appendf(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	cr_assert(k >= 0 && (size_t)k < cap - *len);
	*len += (size_t)k;
}

/* The key a party uses: a compute party its own, the parties of a range one for all
 * (named by the range's prefix), as a parties file with ranges pins them. */
static void key_name(const struct sess *s, const char *party, char *key, size_t n)
{
	char pre[CIRC_MAX_NAME + 1];
	unsigned long i;
	bool compute = strcmp(party, s->cname[0]) == 0 || strcmp(party, s->cname[1]) == 0;
	if (!compute && indexed(party, pre, sizeof(pre), &i))
		snprintf(key, n, "key-%s", pre);
	else
		snprintf(key, n, "key-%s", party);
}

/* " sha256:..." for party's key (made on first use in the session's directory), or "" without
 * TLS. */
static const char *pin_of(struct sess *s, const char *party)
{
	static char out[TLS_FP_CHARS + 1];
	if (!s->tls)
		return "";
	char key[CIRC_MAX_NAME + 8], kp[400], cp[400], err[400];
	key_name(s, party, key, sizeof(key));
	snprintf(kp, sizeof(kp), "%s/%s.key", s->t.dir, key);
	snprintf(cp, sizeof(cp), "%s/%s.crt", s->t.dir, key);
	uint8_t fp[TLS_FP_BYTES];
	if (access(cp, F_OK) != 0) {
		cr_assert(tls_keygen(kp, cp, "test", false, fp, err, sizeof(err)) == RT_OK, "%s",
			  err);
		snprintf(err, sizeof(err), "%s.key", key);
		tmp_path(&s->t, err);
		snprintf(err, sizeof(err), "%s.crt", key);
		tmp_path(&s->t, err);
	}
	cr_assert(tls_cert_file_fingerprint(cp, fp, err, sizeof(err)) == RT_OK, "%s", err);
	out[0] = ' ';
	tls_fp_format(out + 1, fp);
	return out;
}

/* Writes the parties file: compute parties server-a and server-b of their own, or (with
 * program_computes) the program's first and last parties; the rest input parties, in ranges
 * where the names allow. pin adds the circuit's identity. */
static void sess_parties(struct sess *s, bool program_computes, bool pin)
{
	const struct circ_circuit *c = s->c;
	size_t cap = 200 + (size_t)c->nparties * (CIRC_MAX_NAME + 40), len = 0;
	char *text = xcalloc(1, cap);
	free_ports(s->port);
	appendf(text, cap, &len, "# parties of %s\n", s->pg->file);
	if (program_computes) {
		s->garbler = 0;
		s->evaluator = c->nparties - 1;
	}
	snprintf(s->cname[0], sizeof(s->cname[0]), "%s",
		 program_computes ? c->parties[0] : "server-a");
	snprintf(s->cname[1], sizeof(s->cname[1]), "%s",
		 program_computes ? c->parties[c->nparties - 1] : "server-b");
	appendf(text, cap, &len, "%s garbler 127.0.0.1:%u%s\n", s->cname[0], s->port[0],
		pin_of(s, s->cname[0]));
	appendf(text, cap, &len, "%s\tevaluator\t127.0.0.1:%u%s   # listens\n", s->cname[1],
		s->port[1], pin_of(s, s->cname[1]));
	for (uint32_t p = 0; p < c->nparties;) {
		if (p == s->garbler || p == s->evaluator) {
			p++;
			continue;
		}
		char pre[CIRC_MAX_NAME + 1], pre2[CIRC_MAX_NAME + 1];
		unsigned long i0, i;
		uint32_t q = p + 1;
		if (indexed(c->parties[p], pre, sizeof(pre), &i0))
			while (q < c->nparties && q != s->evaluator &&
			       indexed(c->parties[q], pre2, sizeof(pre2), &i) &&
			       strcmp(pre, pre2) == 0 && i == i0 + (q - p))
				q++;
		if (q - p > 1)
			appendf(text, cap, &len, "%s[%lu..%lu] input%s\n", pre, i0, i0 + (q - p) - 1,
				pin_of(s, c->parties[p]));
		else
			appendf(text, cap, &len, "%s input%s\n", c->parties[p],
				pin_of(s, c->parties[p]));
		p = q;
	}
	if (pin) {
		uint8_t id[32];
		cr_assert(circ_identity(c, id) == 0);
		appendf(text, cap, &len, "circuit ");
		for (int k = 0; k < 32; k++)
			appendf(text, cap, &len, "%02x", id[k]);
		appendf(text, cap, &len, "\n");
	}
	s->parties_path = tmp_path(&s->t, "parties.txt");
	write_file(s->parties_path, text);
	free(text);
}

/* The circuit's party named name, or UINT32_MAX for a compute party of its own. */
static uint32_t party_of(const struct sess *s, const char *name)
{
	int64_t p = circ_find_party(s->c, name);
	return p < 0 ? UINT32_MAX : (uint32_t)p;
}

/* mpcc run NAME's arguments: the program (or src instead), its own inputs. */
static void run_args(struct args *a, const struct sess *s, const char *name, const char *src,
		     int timeout_s)
{
	uint32_t me = party_of(s, name);
	arg(a, "%s", mpcc_bin());
	arg(a, "run");
	prog_args(a, src ? src : s->src, s->pg);
	arg(a, "--parties");
	arg(a, "%s", s->parties_path);
	arg(a, "--as");
	arg(a, "%s", name);
	arg(a, "--timeout");
	arg(a, "%d", timeout_s);
	if (s->tls) {
		char key[CIRC_MAX_NAME + 8];
		key_name(s, name, key, sizeof(key));
		arg(a, "--key");
		arg(a, "%s/%s", s->t.dir, key);
	} else {
		arg(a, "--insecure");
	}
	for (uint32_t k = 0; k < s->c->ninputs; k++)
		if (s->c->inputs[k].party == me) {
			arg(a, "--input");
			arg(a, "%s=%llu", s->c->inputs[k].name, (unsigned long long)s->val[k]);
		}
}

/* What party name (circuit party p, UINT32_MAX for none) may print: its outputs and those to
 * all, with mpcc eval's values, in the circuit's order. */
static char *expected(const struct sess *s, uint32_t p)
{
	size_t len = 0;
	for (uint32_t o = 0; o < s->c->noutputs; o++)
		len += strlen(s->eval_line[o]) + 1;
	char *want = xcalloc(1, len + 1);
	for (uint32_t o = 0; o < s->c->noutputs; o++)
		if (s->c->outputs[o].to == CIRC_ALL || s->c->outputs[o].to == p) {
			strcat(want, s->eval_line[o]);
			strcat(want, "\n");
		}
	return want;
}

/* Names of the session's parties, compute parties first. */
static int sess_names(const struct sess *s, char names[][CIRC_MAX_NAME + 1], int max)
{
	int n = 0;
	const struct circ_circuit *c = s->c;
	snprintf(names[n++], CIRC_MAX_NAME + 1, "%s",
		 s->garbler != UINT32_MAX ? c->parties[s->garbler] : "server-a");
	snprintf(names[n++], CIRC_MAX_NAME + 1, "%s",
		 s->evaluator != UINT32_MAX ? c->parties[s->evaluator] : "server-b");
	for (uint32_t p = 0; p < c->nparties; p++)
		if (p != s->garbler && p != s->evaluator) {
			cr_assert(n < max);
			snprintf(names[n++], CIRC_MAX_NAME + 1, "%s", c->parties[p]);
		}
	return n;
}

TestSuite(multi, .timeout = 300);

/* ---- every party its own process: outputs and who prints what ---- */

/* Starts `mpcc run` for every party of the session (compute parties first) but skip; for
 * odd, src_odd instead of the program. Returns how many. */
static int spawn_session(struct sess *s, struct proc *p, const char *skip, const char *odd,
			 const char *src_odd, int timeout_s)
{
	char names[MAX_PROCS][CIRC_MAX_NAME + 1];
	int n = sess_names(s, names, MAX_PROCS), m = 0;
	for (int i = 0; i < n; i++) {
		if (skip && strcmp(names[i], skip) == 0)
			continue;
		struct args a = {0};
		bool is_odd = odd && strcmp(names[i], odd) == 0;
		run_args(&a, s, names[i], is_odd ? src_odd : NULL, timeout_s);
		spawn(&p[m++], &s->t, names[i], &a);
		args_free(&a);
	}
	return m;
}

/* Each process ended well and printed exactly what it may learn, with mpcc eval's values. */
static void check_outputs(const struct sess *s, const struct proc *p, int n)
{
	for (int i = 0; i < n; i++) {
		cr_assert_eq(p[i].status, 0, "%s %s: exit %d: %s", s->pg->file, p[i].name,
			     p[i].status, p[i].err);
		char *want = expected(s, party_of(s, p[i].name));
		cr_assert_str_eq(p[i].out, want, "%s %s printed\n%s\nbut may learn\n%s",
				 s->pg->file, p[i].name, p[i].out, want);
		free(want);
	}
}

/* Runs a whole session, one `mpcc run` per party, and checks what each printed. */
static void check_session(const struct prog *pg, uint64_t seed, bool program_computes, bool pin)
{
	struct sess s;
	struct proc p[MAX_PROCS];
	sess_open(&s, pg, seed);
	s.tls = true;
	sess_parties(&s, program_computes, pin);
	int n = spawn_session(&s, p, NULL, NULL, NULL, OK_TIMEOUT_S);
	wait_all(p, n, 2 * OK_TIMEOUT_S + 10);
	check_outputs(&s, p, n);
	proc_free(p, n);
	sess_close(&s);
}

Test(multi, vickrey_as_processes)
{
	check_session(&vickrey3, 11, true, false);
	check_session(&vickrey10, 12, false, true);
	check_session(&vickrey10, 13, false, false); /* odd seed: many ties */
}

Test(multi, first_price_as_processes)
{
	check_session(&first3, 21, false, false);
	check_session(&first10, 23, true, true);
}

Test(multi, double_auction_as_processes)
{
	check_session(&double3, 31, false, true);
	check_session(&double10, 32, true, false);
}

Test(multi, average_salary_as_processes)
{
	check_session(&salary3, 41, true, false);
	check_session(&salary10, 42, false, true);
}

/* Outputs to single parties: each input party prints its own rank (and the last party the
 * total), a compute party of its own only the output to all. */
Test(multi, private_outputs_reach_only_their_party)
{
	check_session(&private3, 51, false, false);
	check_session(&private10, 52, false, true);
	check_session(&private4, 53, true, false); /* p[0] and p[3] compute, and learn theirs */
}

/* ---- the session API in-process, on a circuit built here ---- */

/* Parties p[0..2]: x[i] (u32, XOR-shared), t[i] (u16, one sum group: the wires carry
 * t[0] + t[1] + t[2]), w (70 bits, p[1]'s). Outputs: xs = x[0] ^ x[1] ^ x[2] and t to all,
 * y = x[0] & x[1] to p[1], nw = ~w to p[2]. */
static struct circ_circuit *share_circuit(void)
{
	struct circ_circuit *c = circ_new();
	char name[32];
	int64_t x[3], t[3];
	cr_assert(c);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "p[%d]", i);
		cr_assert_eq(circ_add_party(c, name), i);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "x[%d]", i);
		x[i] = circ_add_input(c, name, 32, 0, (uint32_t)i);
		cr_assert(x[i] >= 0);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "t[%d]", i);
		t[i] = circ_add_sum_input(c, name, 16, 0, (uint32_t)i, i ? t[0] : -1);
		cr_assert(t[i] >= 0);
	}
	int64_t w = circ_add_input(c, "w", 70, 0, 1);
	cr_assert(w >= 0);
	uint32_t xs[32], y[32], ts[16], nw[70];
	uint32_t x0 = c->inputs[x[0]].first, x1 = c->inputs[x[1]].first, x2 = c->inputs[x[2]].first;
	for (uint32_t b = 0; b < 32; b++) {
		int64_t a = circ_add_gate(c, GATE_XOR, x0 + b, x1 + b);
		int64_t s = circ_add_gate(c, GATE_XOR, (uint32_t)a, x2 + b);
		int64_t m = circ_add_gate(c, GATE_AND, x0 + b, x1 + b);
		cr_assert(a >= 0 && s >= 0 && m >= 0);
		xs[b] = (uint32_t)s;
		y[b] = (uint32_t)m;
	}
	for (uint32_t b = 0; b < 16; b++)
		ts[b] = c->inputs[t[0]].first + b;
	for (uint32_t b = 0; b < 70; b++) {
		int64_t g = circ_add_gate(c, GATE_NOT, c->inputs[w].first + b, 0);
		cr_assert(g >= 0);
		nw[b] = (uint32_t)g;
	}
	cr_assert(circ_add_output(c, "xs", 32, 0, CIRC_ALL, xs) >= 0);
	cr_assert(circ_add_output(c, "t", 16, 0, CIRC_ALL, ts) >= 0);
	cr_assert(circ_add_output(c, "y", 32, 0, 1, y) >= 0);
	cr_assert(circ_add_output(c, "nw", 70, 0, 2, nw) >= 0);
	struct circ_err ce;
	cr_assert(circ_validate(c, &ce) == 0, "%s", ce.msg);
	return c;
}

/* A listening socket on a free loopback port, and the port. */
static int listen_any(uint16_t *port)
{
	int fd;
	char why[NET_ERRMSG_BYTES];
	cr_assert(net_listen(&fd, "127.0.0.1:0", why) == RT_OK &&
		      net_local_port(fd, port, why) == RT_OK,
		  "%s", why);
	return fd;
}

static void parse_session(struct sa_session *s, const char *text)
{
	char err[SA_ERR_BYTES];
	cr_assert(sa_session_parse(s, text, strlen(text), "test", err) == 0, "%s", err);
}

struct input_thread {
	const sa *x;
	uint32_t me;
	uint64_t *const *in;
	sa_input *h;
	rt_err e;
	char err[SA_ERR_BYTES];
};

static void *input_main(void *arg)
{
	struct input_thread *t = arg;
	t->e = sa_input_start(&t->h, t->x, t->me, 10000, t->in, t->err);
	return NULL;
}

static void read_full(int fd, void *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t k = read(fd, (char *)buf + got, n - got);
		cr_assert(k > 0 || (k < 0 && errno == EINTR), "read: %s",
			  k ? strerror(errno) : "closed");
		got += k > 0 ? (size_t)k : 0;
	}
}

/* Plays a compute party for one connection, by the messages of server.h over a bare socket
 * (a message is its length, 8 bytes little-endian, then its bytes): takes the hello of party
 * name, answers ok, reads n bytes of shares. */
static void fake_compute(int lfd, const char *name, uint8_t *share, size_t n)
{
	int fd;
	char why[NET_ERRMSG_BYTES];
	cr_assert(net_accept(lfd, 10000, &fd, why) == RT_OK, "%s", why);
	struct timeval tv = {10, 0};
	cr_assert(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	uint8_t head[NET_MSG_HEADER_BYTES], hello[8 + 1 + CIRC_MAX_NAME + 64];
	read_full(fd, head, sizeof(head));
	uint64_t len = 0;
	for (int k = 0; k < NET_MSG_HEADER_BYTES; k++)
		len |= (uint64_t)head[k] << (8 * k);
	cr_assert(len <= sizeof(hello), "a hello of %llu bytes", (unsigned long long)len);
	read_full(fd, hello, len);
	size_t nl = strlen(name);
	bool named = len > 9 + nl && memcmp(hello, "MPCCSA1", 8) == 0 && hello[8] == nl &&
		     memcmp(hello + 9, name, nl) == 0;
	cr_assert(named, "the hello does not name %s", name);
	uint8_t ok[NET_MSG_HEADER_BYTES + 1] = {1, 0, 0, 0, 0, 0, 0, 0, RT_OK};
	cr_assert(write(fd, ok, sizeof(ok)) == (ssize_t)sizeof(ok));
	read_full(fd, share, n);
	close(fd);
}

/* Bit b of a little-endian byte string. */
static unsigned bit_at(const uint8_t *p, uint32_t b)
{
	return (p[b / 8] >> (b % 8)) & 1;
}

/* The value of width bits (<= 64) at byte offset off. */
static uint64_t value_at(const uint8_t *p, size_t off, uint32_t width)
{
	uint64_t v = 0;
	for (uint32_t b = 0; b < width; b++)
		v |= (uint64_t)bit_at(p + off, b) << b;
	return v;
}

/* p[1] gives the same inputs session after session; the test plays both compute parties and
 * looks at the shares: they rebuild the inputs (XOR for x and w, mod 2^16 for the sum group
 * t), and every bit of every share, the masks of p[1]'s output y included, is 1 about half
 * the time (400 sessions, 5 sigma: with 300 bits looked at, a false alarm once in 5000 runs). */
Test(multi, compute_party_sees_only_random_shares)
{
	enum { ROUNDS = 400, SHARE = 4 + 2 + 9 + 4, BITS = 8 * SHARE };
	struct circ_circuit *c = share_circuit();
	uint16_t port[2];
	int lfd[2] = {listen_any(&port[0]), listen_any(&port[1])};
	char text[256];
	snprintf(text, sizeof(text),
		 "g garbler 127.0.0.1:%u\ne evaluator 127.0.0.1:%u\np[0..2] input\n", port[0],
		 port[1]);
	struct sa_session s;
	parse_session(&s, text);
	sa *x;
	char err[SA_ERR_BYTES];
	cr_assert(sa_new(&x, c, &s, err) == RT_OK, "%s", err);
	/* p[1]'s inputs: x[1], t[1], w (two limbs); the others are not read */
	uint64_t xv[1] = {0xdeadbeef}, tv[1] = {0xbeef}, wv[2] = {0x0123456789abcdefu, 0x2a};
	uint64_t zero[2] = {0, 0};
	uint64_t *in[7] = {zero, xv, zero, zero, tv, zero, wv};
	static uint32_t ones[2][BITS];
	static uint8_t w_share[ROUNDS][9];
	for (int r = 0; r < ROUNDS; r++) {
		struct input_thread t = {.x = x, .me = 3, .in = in};
		uint8_t sh[2][SHARE];
		pthread_t th;
		cr_assert_str_eq(s.p[3].name, "p[1]");
		cr_assert(pthread_create(&th, NULL, input_main, &t) == 0);
		fake_compute(lfd[0], "p[1]", sh[0], SHARE);
		fake_compute(lfd[1], "p[1]", sh[1], SHARE);
		pthread_join(th, NULL);
		cr_assert_eq(t.e, RT_OK, "%s", t.err);
		sa_input_free(t.h);
		/* x[1] at 0, t[1] at 4, w at 6 (70 bits), then y's mask at 15 */
		cr_assert_eq(value_at(sh[0], 0, 32) ^ value_at(sh[1], 0, 32), xv[0]);
		cr_assert_eq((value_at(sh[0], 4, 16) + value_at(sh[1], 4, 16)) & 0xffff, tv[0]);
		cr_assert_eq(value_at(sh[0], 6, 64) ^ value_at(sh[1], 6, 64), wv[0]);
		cr_assert_eq(value_at(sh[0], 14, 6) ^ value_at(sh[1], 14, 6), wv[1]);
		for (int side = 0; side < 2; side++) {
			cr_assert_eq(sh[side][14] >> 6, 0, "bits above w's 70 are set");
			for (uint32_t b = 0; b < BITS; b++)
				ones[side][b] += bit_at(sh[side], b);
		}
		memcpy(w_share[r], sh[0] + 6, 9);
	}
	double sigma = sqrt(ROUNDS) / 2;
	for (int side = 0; side < 2; side++)
		for (uint32_t b = 0; b < BITS; b++) {
			if (b >= 8 * 14 + 6 && b < 8 * 15)
				continue; /* w's unused top bits, zero as checked */
			double dev = fabs(ones[side][b] - ROUNDS / 2.0);
			cr_assert(dev < 5 * sigma, "%s's share bit %u was 1 in %u of %d sessions",
				  side ? "the evaluator" : "the garbler", b, ones[side][b], ROUNDS);
		}
	/* fresh randomness every session: no 70-bit share twice */
	for (int r = 0; r < ROUNDS; r++)
		for (int q = 0; q < r; q++)
			cr_assert(memcmp(w_share[r], w_share[q], 9) != 0,
				  "sessions %d and %d sent the same share", q, r);
	sa_free(x);
	sa_session_free(&s);
	circ_free(c);
	close(lfd[0]);
	close(lfd[1]);
	cr_assert_eq(rt_alloc_live(), 0);
}

/* What a party in a forked child reports: its error, then per output learned and value. */
enum { REPORT_OUTPUTS = 8, REPORT_LIMBS = 2 };
struct report {
	int32_t e;
	char why[SA_ERR_BYTES];
	bool learned[REPORT_OUTPUTS];
	uint64_t out[REPORT_OUTPUTS][REPORT_LIMBS];
};

static void report_send(int fd, rt_err e, const char *why, uint64_t *const *out,
			const bool *learned, uint32_t nout)
{
	struct report r;
	memset(&r, 0, sizeof(r));
	r.e = (int32_t)e;
	snprintf(r.why, sizeof(r.why), "%s", why);
	for (uint32_t o = 0; out && o < nout && o < REPORT_OUTPUTS; o++) {
		r.learned[o] = learned[o];
		memcpy(r.out[o], out[o], sizeof(r.out[o]));
	}
	bool ok = write(fd, &r, sizeof(r)) == (ssize_t)sizeof(r);
	close(fd);
	_exit(ok ? 0 : 1);
}

/* Reads a report from fd (closes it); false if the child died without one. */
static bool report_read(int fd, struct report *r)
{
	size_t got = 0;
	while (got < sizeof(*r)) {
		ssize_t k = read(fd, (char *)r + got, sizeof(*r) - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	return got == sizeof(*r);
}

static uint64_t **values_new(uint32_t n)
{
	uint64_t **v = xcalloc(n + 1, sizeof(*v));
	for (uint32_t i = 0; i < n; i++)
		v[i] = xcalloc(REPORT_LIMBS, 8);
	return v;
}

static void values_free(uint64_t **v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* One session of the parties file text (two ports to fill in) on c, every party a forked
 * child over loopback; every party learns exactly its outputs and the ones to all, with
 * circ_eval_values' values. */
static void api_session(const struct circ_circuit *c, const char *fmt, uint64_t seed)
{
	uint16_t port[2];
	int lfd[2] = {listen_any(&port[0]), listen_any(&port[1])};
	char text[512], err[SA_ERR_BYTES];
	snprintf(text, sizeof(text), fmt, port[0], port[1]);
	struct sa_session s;
	parse_session(&s, text);
	sa *x;
	cr_assert(sa_new(&x, c, &s, err) == RT_OK, "%s", err);
	cr_assert(c->noutputs <= REPORT_OUTPUTS);
	uint64_t **in = values_new(c->ninputs), **want = values_new(c->noutputs);
	for (uint32_t k = 0; k < c->ninputs; k++) {
		uint32_t w = c->inputs[k].width;
		for (size_t l = 0; l < circ_limbs(w); l++)
			in[k][l] = rnd_at(seed, k, l);
		if (w % 64)
			in[k][circ_limbs(w) - 1] &= (UINT64_C(1) << (w % 64)) - 1;
	}
	cr_assert(circ_eval_values(c, in, want) == 0);
	pid_t pid[8];
	int rfd[8];
	cr_assert(s.n <= 8);
	fflush(stdout);
	fflush(stderr);
	for (uint32_t i = 0; i < s.n; i++) {
		int pp[2];
		cr_assert(pipe(pp) == 0);
		pid[i] = fork();
		cr_assert(pid[i] >= 0);
		if (pid[i] > 0) {
			close(pp[1]);
			rfd[i] = pp[0];
			continue;
		}
		close(pp[0]);
		uint64_t **out = values_new(c->noutputs);
		bool learned[REPORT_OUTPUTS] = {false};
		rt_err e;
		if (s.p[i].role == SA_INPUT) {
			sa_input *h;
			e = sa_input_start(&h, x, i, 10000, in, err);
			if (!e)
				e = sa_input_finish(h, out, learned, err);
		} else {
			e = sa_compute(x, i, lfd[i == s.evaluator], 10000, in, out, learned, NULL,
				       err);
		}
		report_send(pp[1], e, e ? err : "", out, learned, c->noutputs);
	}
	close(lfd[0]);
	close(lfd[1]);
	for (uint32_t i = 0; i < s.n; i++) {
		struct report r;
		int st;
		cr_assert(report_read(rfd[i], &r), "%s ended without a report", s.p[i].name);
		cr_assert(waitpid(pid[i], &st, 0) == pid[i]);
		cr_assert_eq(r.e, RT_OK, "%s: %s", s.p[i].name, r.why);
		int64_t me = circ_find_party(c, s.p[i].name);
		for (uint32_t o = 0; o < c->noutputs; o++) {
			uint32_t to = c->outputs[o].to;
			bool may = to == CIRC_ALL || (me >= 0 && to == (uint32_t)me);
			cr_assert_eq(r.learned[o], may, "%s, output %s", s.p[i].name,
				     c->outputs[o].name);
			bool same = memcmp(r.out[o], want[o], sizeof(r.out[o])) == 0;
			cr_assert(!may || same, "%s's %s: %llx %llx, want %llx %llx", s.p[i].name,
				  c->outputs[o].name, (unsigned long long)r.out[o][1],
				  (unsigned long long)r.out[o][0], (unsigned long long)want[o][1],
				  (unsigned long long)want[o][0]);
		}
	}
	values_free(in, c->ninputs);
	values_free(want, c->noutputs);
	sa_free(x);
	sa_session_free(&s);
}

/* XOR shares, a sum group, masked outputs to input parties: with two compute parties of
 * their own, and with two of the program's parties computing (their own inputs go in
 * directly, p[0] and p[2] add their own member of the sum group, p[2] learns nw itself). */
Test(multi, api_session_with_sums_and_masked_outputs)
{
	struct circ_circuit *c = share_circuit();
	for (uint64_t seed = 1; seed <= 3; seed++) {
		api_session(c, "g garbler 127.0.0.1:%u\ne evaluator 127.0.0.1:%u\np[0..2] input\n",
			    seed);
		api_session(c,
			    "p[0] garbler 127.0.0.1:%u\np[2] evaluator 127.0.0.1:%u\np[1] input\n",
			    seed + 10);
	}
	circ_free(c);
	cr_assert_eq(rt_alloc_live(), 0);
}

/* ---- parties that fail ---- */

/* Each process ended by itself, non-zero, within the timeout and a margin, printed no
 * output, and (when given) named who and said what. */
static void check_failed(const struct proc *p, int n, int timeout_s, const char *who,
			 const char *what)
{
	for (int i = 0; i < n; i++) {
		cr_assert(p[i].status > 0 && p[i].status < 128, "%s: exit %d: %s", p[i].name,
			  p[i].status, p[i].err);
		cr_assert(p[i].elapsed < timeout_s + MARGIN_S, "%s ended after %.1f s: %s",
			  p[i].name, p[i].elapsed, p[i].err);
		cr_assert_str_empty(p[i].out, "%s printed outputs", p[i].name);
		cr_assert(!who || strstr(p[i].err, who), "%s does not name %s: %s", p[i].name, who,
			  p[i].err);
		cr_assert(!what || strstr(p[i].err, what), "%s does not say '%s': %s", p[i].name,
			  what, p[i].err);
	}
}

/* Starts `mpcc run` for the two compute parties server-a and server-b only. */
static void spawn_compute(struct sess *s, struct proc *p, int timeout_s)
{
	for (int k = 0; k < 2; k++) {
		struct args a = {0};
		const char *name = k ? "server-b" : "server-a";
		run_args(&a, s, name, NULL, timeout_s);
		spawn(&p[k], &s->t, name, &a);
		args_free(&a);
	}
}

Test(multi, input_party_that_never_starts_is_named_by_everyone)
{
	struct sess s;
	struct proc p[MAX_PROCS];
	sess_open(&s, &vickrey3, 61);
	sess_parties(&s, false, false);
	int n = spawn_session(&s, p, "bidder[1]", NULL, NULL, BAD_TIMEOUT_S);
	wait_all(p, n, 3 * BAD_TIMEOUT_S + 10);
	check_failed(p, n, BAD_TIMEOUT_S, "bidder[1]", "did not show up");
	proc_free(p, n);
	sess_close(&s);
}

Test(multi, compute_party_that_never_starts_is_named_by_everyone)
{
	struct sess s;
	struct proc p[MAX_PROCS];
	sess_open(&s, &first3, 62);
	sess_parties(&s, false, false);
	int n = spawn_session(&s, p, "server-b", NULL, NULL, BAD_TIMEOUT_S);
	wait_all(p, n, 3 * BAD_TIMEOUT_S + 10);
	check_failed(p, n, BAD_TIMEOUT_S, "server-b", NULL);
	cr_assert(strstr(p[0].err, "server-b did not show up"), "%s", p[0].err);
	proc_free(p, n);
	sess_close(&s);
}

/* bidder[1] runs first_price.mpc, the others vickrey.mpc: the garbler refuses it, naming it,
 * before it sent anything; the session ends everywhere. */
Test(multi, party_with_another_circuit_is_refused)
{
	struct sess s;
	struct proc p[MAX_PROCS];
	char other[512];
	source_path(other, sizeof(other), "circuits/programs/first_price.mpc");
	sess_open(&s, &vickrey3, 63);
	sess_parties(&s, false, false);
	int n = spawn_session(&s, p, NULL, "bidder[1]", other, BAD_TIMEOUT_S);
	wait_all(p, n, 3 * BAD_TIMEOUT_S + 10);
	check_failed(p, n, BAD_TIMEOUT_S, NULL, NULL);
	for (int i = 0; i < n; i++)
		if (strcmp(p[i].name, "server-a") == 0 || strcmp(p[i].name, "bidder[1]") == 0)
			cr_assert(strstr(p[i].err, "bidder[1] holds a different circuit"), "%s: %s",
				  p[i].name, p[i].err);
	proc_free(p, n);
	sess_close(&s);
}

/* Input party name of session s through the API, in a forked child: connects (to the
 * garbler at garbler_addr instead, if given), sends its shares, writes its error to
 * started_fd; with finish, waits for its outputs and reports to report_fd; else exits. */
static pid_t api_input(const struct sess *s, const char *name, const char *garbler_addr,
		       int started_fd, int report_fd, bool finish, int timeout_s)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid > 0)
		return pid;
	const struct circ_circuit *c = s->c;
	struct sa_session ss;
	sa *x = NULL;
	sa_input *h = NULL;
	char err[SA_ERR_BYTES];
	uint64_t **in = values_new(c->ninputs), **out = values_new(c->noutputs);
	bool learned[REPORT_OUTPUTS] = {false};
	for (uint32_t k = 0; k < c->ninputs; k++)
		in[k][0] = s->val[k];
	rt_err e = sa_session_load(&ss, s->parties_path, err) ? RT_ERR_INPUT : RT_OK;
	if (!e)
		e = sa_new(&x, c, &ss, err);
	if (!e && garbler_addr) { /* after sa_new: the session's digest stays the file's */
		free(ss.p[ss.garbler].addr);
		ss.p[ss.garbler].addr = strdup(garbler_addr);
	}
	int64_t me = e ? -1 : sa_session_find(&ss, name);
	if (!e)
		e = sa_input_start(&h, x, (uint32_t)me, timeout_s * 1000, in, err);
	int32_t e32 = (int32_t)e;
	if (write(started_fd, &e32, 4) != 4)
		_exit(2);
	if (!e && finish)
		e = sa_input_finish(h, out, learned, err);
	else
		sa_input_free(h);
	report_send(report_fd, e, e ? err : "", out, learned, c->noutputs);
	return 0; /* not reached */
}

/* Waits for the int32 an api_input child writes when it has sent its shares. */
static rt_err api_started(int fd)
{
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	int32_t e = -1;
	cr_assert(poll(&pf, 1, 30000) == 1 && read(fd, &e, 4) == 4, "an input party hung");
	return (rt_err)e;
}

/* Relays one connection's first message (a hello) to the garbler at addr and the garbler's
 * answer back, then closes both ends: the party behind it is gone before its shares. */
static void cut_after_hello(int lfd, const char *addr)
{
	int a, g;
	char why[NET_ERRMSG_BYTES];
	net_chan *ca, *cg;
	uint8_t buf[1024];
	size_t n;
	cr_assert(net_accept(lfd, 20000, &a, why) == RT_OK, "%s", why);
	cr_assert(net_connect(&g, addr, 10000, why) == RT_OK, "%s", why);
	cr_assert(net_chan_new(&ca, a, 10000) == RT_OK && net_chan_new(&cg, g, 10000) == RT_OK);
	cr_assert(net_recv_msg(ca, buf, sizeof(buf), &n) == RT_OK, "%s", net_chan_errmsg(ca));
	cr_assert(net_send_msg(cg, buf, n) == RT_OK && net_flush(cg) == RT_OK);
	cr_assert(net_recv_msg(cg, buf, sizeof(buf), &n) == RT_OK, "%s", net_chan_errmsg(cg));
	cr_assert(n >= 1 && buf[0] == RT_OK, "the garbler refused the hello");
	cr_assert(net_send_msg(ca, buf, n) == RT_OK && net_flush(ca) == RT_OK);
	net_chan_free(cg);
	net_chan_free(ca);
}

/* bidder[0] and bidder[2] have sent their shares and wait; bidder[1] says hello to the
 * garbler, hears ok, and is gone before its shares: every party ends naming it. */
Test(multi, input_party_gone_before_its_shares_is_named_by_everyone)
{
	enum { T = BAD_TIMEOUT_S + 1 };
	struct sess s;
	struct proc p[2];
	sess_open(&s, &vickrey3, 64);
	sess_parties(&s, false, false);
	char gaddr[32], proxy[32];
	snprintf(gaddr, sizeof(gaddr), "127.0.0.1:%u", s.port[0]);
	spawn_compute(&s, p, T);
	const char *good[2] = {"bidder[0]", "bidder[2]"};
	int started[2], report[2];
	pid_t pid[3];
	for (int k = 0; k < 2; k++) {
		int sp[2], rp[2];
		cr_assert(pipe(sp) == 0 && pipe(rp) == 0);
		pid[k] = api_input(&s, good[k], NULL, sp[1], rp[1], true, T);
		close(sp[1]);
		close(rp[1]);
		started[k] = sp[0];
		report[k] = rp[0];
	}
	for (int k = 0; k < 2; k++)
		cr_assert_eq(api_started(started[k]), RT_OK, "%s could not start", good[k]);
	uint16_t pport;
	int plfd = listen_any(&pport);
	snprintf(proxy, sizeof(proxy), "127.0.0.1:%u", pport);
	int sp[2], rp[2];
	cr_assert(pipe(sp) == 0 && pipe(rp) == 0);
	pid[2] = api_input(&s, "bidder[1]", proxy, sp[1], rp[1], false, T);
	close(sp[1]);
	close(rp[1]);
	cut_after_hello(plfd, gaddr);
	close(plfd);
	(void)api_started(sp[0]); /* whatever it thinks of the cut, it is gone now */
	close(sp[0]);
	close(rp[0]);
	wait_all(p, 2, 3 * T + 10);
	check_failed(p, 2, T, "bidder[1]", NULL);
	cr_assert(strstr(p[0].err, "bidder[1] went away before sending its inputs"), "%s",
		  p[0].err);
	for (int k = 0; k < 2; k++) {
		struct report r;
		cr_assert(report_read(report[k], &r), "%s died", good[k]);
		cr_assert_neq(r.e, RT_OK, "%s got outputs", good[k]);
		cr_assert(strstr(r.why, "bidder[1]"), "%s: %s", good[k], r.why);
		for (uint32_t o = 0; o < s.c->noutputs; o++)
			cr_assert(!r.learned[o]);
		close(started[k]);
	}
	for (int k = 0; k < 3; k++)
		cr_assert(waitpid(pid[k], NULL, 0) == pid[k]);
	proc_free(p, 2);
	sess_close(&s);
}

/* bidder[1] sends its shares and dies before the outputs: the others still get theirs (it
 * only loses its own). */
Test(multi, input_party_gone_after_its_shares_loses_only_its_outputs)
{
	struct sess s;
	struct proc p[MAX_PROCS];
	sess_open(&s, &vickrey3, 65);
	sess_parties(&s, false, false);
	spawn_compute(&s, p, OK_TIMEOUT_S);
	int sp[2], rp[2];
	cr_assert(pipe(sp) == 0 && pipe(rp) == 0);
	pid_t pid = api_input(&s, "bidder[1]", NULL, sp[1], rp[1], false, OK_TIMEOUT_S);
	close(sp[1]);
	close(rp[1]);
	cr_assert_eq(api_started(sp[0]), RT_OK);
	cr_assert(waitpid(pid, NULL, 0) == pid);
	close(sp[0]);
	close(rp[0]);
	int n = 2;
	for (int k = 0; k < 3; k += 2) {
		struct args a = {0};
		char name[16];
		snprintf(name, sizeof(name), "bidder[%d]", k);
		run_args(&a, &s, name, NULL, OK_TIMEOUT_S);
		spawn(&p[n++], &s.t, name, &a);
		args_free(&a);
	}
	wait_all(p, n, 2 * OK_TIMEOUT_S + 10);
	check_outputs(&s, p, n);
	proc_free(p, n);
	sess_close(&s);
}

/* ---- parties file errors and usage, through mpcc run ---- */

static const struct {
	const char *lines, *say; /* the parties after the two compute parties; what to say */
} bad_files[] = {
    {"server-c garbler 127.0.0.1:1\nbidder[0..2] input\n", "exactly one garbler"},
    {"bidder[0..2] input\nbidder[1] input\n", "parties.txt:5: party 'bidder[1]' is listed twice"},
    {"\n# bidders\nbidder[0..2] bidder\n", "parties.txt:6: unknown role 'bidder'"},
    {"bidder[0..1] input\n", "the program's party 'bidder[2]' is not in the parties file"},
    {"bidder[0..3] input\n", "'bidder[3]', an input party the program does not have"},
    {"bidder[0..2] input\ncircuit " /* another circuit's identity */
     "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
     "the parties file pins circuit 00112233..."},
    {"bidder[0..2] input 127.0.0.1:9\n", "parties.txt:4: input parties connect"},
};

/* A bad parties file: every party stops at once with exit status 1, saying what is wrong
 * and (for an error of one line) where. */
Test(multi, parties_file_errors_say_file_and_line)
{
	struct tmp t;
	char src[512], text[1024];
	tmp_init(&t);
	source_path(src, sizeof(src), "circuits/programs/vickrey.mpc");
	const char *pf = tmp_path(&t, "parties.txt");
	for (size_t i = 0; i < ARRAY_LEN(bad_files); i++) {
		snprintf(text, sizeof(text),
			 "# vickrey\nserver-a garbler 127.0.0.1:7100\nserver-b evaluator "
			 "127.0.0.1:7101\n%s",
			 bad_files[i].lines);
		write_file(pf, text);
		for (int who = 0; who < 2; who++) {
			struct args a = {0};
			struct proc p;
			arg(&a, "%s", mpcc_bin());
			arg(&a, "run");
			arg(&a, "%s", src);
			arg(&a, "-D");
			arg(&a, "N=3");
			arg(&a, "--parties");
			arg(&a, "%s", pf);
			arg(&a, "--as");
			arg(&a, "%s", who ? "bidder[0]" : "server-a");
			if (who) {
				arg(&a, "--input");
				arg(&a, "bid[0]=5");
			}
			arg(&a, "--timeout");
			arg(&a, "%d", BAD_TIMEOUT_S);
			arg(&a, "--insecure");
			int st = run_mpcc(&p, &t, "bad", &a);
			cr_assert_eq(st, 1, "file %zu: exit %d: %s", i, st, p.err);
			cr_assert(strstr(p.err, bad_files[i].say), "file %zu: %s", i, p.err);
			cr_assert_str_empty(p.out);
			proc_free(&p, 1);
			args_free(&a);
		}
	}
	tmp_done(&t);
}

static const struct {
	const char *args[8];
	int status;
	const char *say;
} bad_usage[] = {
    {{"--as", "bidder[0]", "--input", "bid[0]=1"}, 2, "--as NAME"},
    {{"--parties", "P"}, 2, "--as NAME"},
    {{"--parties", "P", "--as", "bidder[0]", "--connect", "127.0.0.1:1"}, 2, "the file says"},
    {{"--parties", "P", "--as", "bidder[0]", "--listen", "127.0.0.1:0", "--input", "bid[0]=1"},
     2,
     "listens nowhere"},
    {{"--parties", "P", "--as", "nobody"}, 1, "lists no party 'nobody'"},
    {{"--parties", "P", "--as", "server-a", "--input", "bid[0]=1"}, 1, "no inputs of its own"},
    {{"--parties", "/nonexistent/parties.txt", "--as", "server-a"}, 1, "/nonexistent/parties"},
};

Test(multi, run_usage_errors)
{
	struct tmp t;
	char src[512];
	tmp_init(&t);
	source_path(src, sizeof(src), "circuits/programs/vickrey.mpc");
	const char *pf = tmp_path(&t, "parties.txt");
	write_file(pf, "server-a garbler 127.0.0.1:7100\nserver-b evaluator 127.0.0.1:7101\n"
		       "bidder[0..2] input\n");
	for (size_t i = 0; i < ARRAY_LEN(bad_usage); i++) {
		struct args a = {0};
		struct proc p;
		arg(&a, "%s", mpcc_bin());
		arg(&a, "run");
		arg(&a, "%s", src);
		arg(&a, "-D");
		arg(&a, "N=3");
		for (size_t k = 0; k < ARRAY_LEN(bad_usage[i].args) && bad_usage[i].args[k]; k++)
			arg(&a, "%s",
			    strcmp(bad_usage[i].args[k], "P") ? bad_usage[i].args[k] : pf);
		arg(&a, "--insecure");
		int st = run_mpcc(&p, &t, "usage", &a);
		cr_assert_eq(st, bad_usage[i].status, "case %zu: exit %d: %s", i, st, p.err);
		cr_assert(strstr(p.err, bad_usage[i].say), "case %zu: %s", i, p.err);
		cr_assert_str_empty(p.out);
		proc_free(&p, 1);
		args_free(&a);
	}
	tmp_done(&t);
}

/* ---- mpcc local ---- */

/* mpcc local on a many-party program prints what mpcc eval prints; with --parties too. */
static void check_local(const struct prog *pg, uint64_t seed, bool with_parties)
{
	struct sess s;
	struct proc p;
	struct args a = {0};
	sess_open(&s, pg, seed);
	arg(&a, "%s", mpcc_bin());
	arg(&a, "local");
	prog_args(&a, s.src, pg);
	for (uint32_t k = 0; k < s.c->ninputs; k++) {
		arg(&a, "--input");
		arg(&a, "%s=%llu", s.c->inputs[k].name, (unsigned long long)s.val[k]);
	}
	if (with_parties) {
		sess_parties(&s, true, false);
		arg(&a, "--parties");
		arg(&a, "%s", s.parties_path);
	}
	arg(&a, "--timeout");
	arg(&a, "%d", OK_TIMEOUT_S);
	cr_assert_eq(run_mpcc(&p, &s.t, "local", &a), 0, "%s: %s", pg->file, p.err);
	cr_assert_str_eq(p.out, s.eval_out, "%s: mpcc local printed\n%s\nmpcc eval\n%s", pg->file,
			 p.out, s.eval_out);
	proc_free(&p, 1);
	args_free(&a);
	sess_close(&s);
}

Test(multi, local_prints_what_eval_prints)
{
	check_local(&vickrey3, 81, false);
	check_local(&vickrey10, 82, true);
	check_local(&first10, 83, false);
	check_local(&double3, 84, true);
	check_local(&double10, 85, false);
	check_local(&salary3, 86, false);
	check_local(&salary10, 87, true);
	check_local(&private4, 88, true);
}

/* ---- the parties file parser ---- */

Test(multi, parser_reads_ranges_comments_and_fingerprints)
{
	static const char fp_hex[] =
	    "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff";
	char text[1024];
	snprintf(text, sizeof(text),
		 "# a session\r\n"
		 "\n"
		 "   server-a\tgarbler  10.0.0.1:7000 sha256:%s  # listens\r\n"
		 "server-b evaluator [::1]:7001\n"
		 "bidder[3..5] input sha256:%.2s:%.2s:%s\n"
		 "  # indented comment\n"
		 "alice input #comment\n"
		 "circuit sha256:%s\n"
		 "x[7..7] input", /* no newline at the end */
		 fp_hex, fp_hex, fp_hex + 2, fp_hex + 4, fp_hex);
	struct sa_session s;
	char err[SA_ERR_BYTES];
	int rc = sa_session_parse(&s, text, strlen(text), "p.txt", err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(s.n, 7, "%u parties", s.n);
	cr_assert_str_eq(s.p[0].name, "server-a");
	cr_assert_eq(s.p[0].role, SA_GARBLER);
	cr_assert_str_eq(s.p[0].addr, "10.0.0.1:7000");
	cr_assert_str_eq(s.p[1].addr, "[::1]:7001");
	cr_assert_eq(s.garbler, 0);
	cr_assert_eq(s.evaluator, 1);
	uint8_t fp[32];
	for (int k = 0; k < 32; k++)
		fp[k] = (uint8_t)(k % 16 * 0x11);
	for (uint32_t i = 0; i < s.n; i++) {
		bool has = i == 0 || (i >= 2 && i <= 4);
		cr_assert_eq(s.p[i].has_fp, has, "%s", s.p[i].name);
		cr_assert(!has || memcmp(s.p[i].fp, fp, 32) == 0, "%s", s.p[i].name);
		cr_assert_eq(s.p[i].role == SA_INPUT, i >= 2);
		cr_assert(i < 2 || !s.p[i].addr);
	}
	cr_assert_str_eq(s.p[2].name, "bidder[3]");
	cr_assert_str_eq(s.p[4].name, "bidder[5]");
	cr_assert_str_eq(s.p[5].name, "alice");
	cr_assert_str_eq(s.p[6].name, "x[7]");
	cr_assert_eq(sa_session_find(&s, "bidder[4]"), 3);
	cr_assert_eq(sa_session_find(&s, "bidder[6]"), -1);
	cr_assert(s.has_identity);
	cr_assert(memcmp(s.identity, fp, 32) == 0);
	sa_session_free(&s);
	/* a party may be called circuit; it is no pin */
	static const char named[] = "circuit garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\n";
	cr_assert_eq(sa_session_parse(&s, named, strlen(named), "p.txt", err), 0, "%s", err);
	cr_assert_str_eq(s.p[s.garbler].name, "circuit");
	cr_assert_not(s.has_identity);
	sa_session_free(&s);
}

static const struct {
	const char *text, *err;
} bad_parties[] = {
    {"g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\nb boss\n", "f:3: unknown role 'boss'"},
    {"g garbler 1.2.3.4:5\n\n# x\ne evaluator 1.2.3.4:6\ng input\n",
     "f:5: party 'g' is listed twice"},
    {"g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\nb[0..3] input\nb[2..4] input\n",
     "f:4: party 'b[2]' is listed twice"},
    {"g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\nb\n", "f:3: 'b' needs a role"},
    {"g garbler\ne evaluator 1.2.3.4:6\n", "f:1: the garbler needs HOST:PORT"},
    {"g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\nb input 1.2.3.4:7\n",
     "f:3: input parties connect and listen nowhere"},
    {"g garbler 1.2.3.4:5 1.2.3.4:6\ne evaluator 1.2.3.4:6\n", "f:1: unexpected '1.2.3.4:6'"},
    {"g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\nb input x y z\n", "f:3: too many fields"},
    {"g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\nb input sha256:0011\n",
     "f:3: a fingerprint is sha256: and 64 hex digits"},
    {"g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\nb input sha256:"
     "00112233445566778899aabbccddeeff00112233445566778899aabbccddeefg\n",
     "f:3: a fingerprint"},
    {"g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\nb[3..2] input\n", "f:3: a range is NAME[A..B]"},
    {"g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\nb[1..x] input\n", "f:3: a range is NAME[A..B]"},
    {"g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\nb[0..99999] input\n", "f:3: a range is"},
    {"g[0..1] garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\n", "f:1: only input parties"},
    {"g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\nb\"q input\n", "f:3: 'b\"q' is not a valid"},
    {"g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\ncircuit 0011\n", "f:3: expected 'circuit HEX'"},
    {"g garbler 1.2.3.4:5\ng2 garbler 1.2.3.4:6\ne evaluator 1.2.3.4:7\n",
     "f:2: a second garbler, g2 (the first is g, line 1)"},
    {"g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:7\nf input\ne2 evaluator 1.2.3.4:8\n",
     "f:4: a second evaluator, e2 (the first is e, line 2)"},
    {"g garbler 1.2.3.4:5\nb input\n", "f: a session has exactly one garbler and one evaluator "
     "(no evaluator)"},
    {"", "(no garbler)"},
    {"# nothing but comments\n\n", "(no garbler)"},
    {"circuit 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
     "g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\n"
     "circuit 00112233445566778899aabbccddeeff00112233445566778899aabbccddeef0\n",
     "f:4: the circuit is pinned twice (first on line 1)"},
};

Test(multi, parser_errors_say_file_and_line)
{
	for (size_t i = 0; i < ARRAY_LEN(bad_parties); i++) {
		struct sa_session s;
		char err[SA_ERR_BYTES] = "";
		const char *t = bad_parties[i].text;
		cr_assert_eq(sa_session_parse(&s, t, strlen(t), "f", err), -1, "%s", t);
		cr_assert(strncmp(err, bad_parties[i].err, strlen(bad_parties[i].err)) == 0 ||
			      (bad_parties[i].err[0] == '(' && strstr(err, bad_parties[i].err)),
			  "%s\ngave: %s\nwant: %s", t, err, bad_parties[i].err);
		cr_assert_eq(s.n, 0);
		cr_assert_null(s.p);
	}
	/* a NUL in the text */
	struct sa_session s;
	char err[SA_ERR_BYTES];
	static const char nul[] = "g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\0\nb input\n";
	cr_assert_eq(sa_session_parse(&s, nul, sizeof(nul) - 1, "f", err), -1);
	cr_assert(strstr(err, "not a text file"), "%s", err);
	/* a missing file */
	cr_assert_eq(sa_session_load(&s, "/nonexistent/parties.txt", err), -1);
	cr_assert(strstr(err, "/nonexistent/parties.txt"), "%s", err);
}

/* The largest session parses (and finds its parties by name); one party more does not. */
Test(multi, parser_limits_the_number_of_parties)
{
	char text[256], err[SA_ERR_BYTES];
	struct sa_session s;
	snprintf(text, sizeof(text), "g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\nb[1..%d] input\n",
		 SA_MAX_PARTIES - 2);
	cr_assert_eq(sa_session_parse(&s, text, strlen(text), "f", err), 0, "%s", err);
	cr_assert_eq(s.n, SA_MAX_PARTIES);
	cr_assert_str_eq(s.p[SA_MAX_PARTIES - 1].name, "b[65534]");
	for (int i = 1; i <= SA_MAX_PARTIES - 2; i += 997) {
		char name[32];
		snprintf(name, sizeof(name), "b[%d]", i);
		cr_assert_eq(sa_session_find(&s, name), i + 1, "%s", name);
	}
	cr_assert_eq(sa_session_find(&s, "b[0]"), -1);
	cr_assert_eq(sa_session_find(&s, "e"), 1);
	sa_session_free(&s);
	snprintf(text, sizeof(text), "g garbler 1.2.3.4:5\ne evaluator 1.2.3.4:6\nb[0..%d] input\n",
		 SA_MAX_PARTIES - 2);
	cr_assert_eq(sa_session_parse(&s, text, strlen(text), "f", err), -1);
	cr_assert(strstr(err, "f:3: more than 65536 parties"), "%s", err);
}

/* A connection that never says hello (a port scanner, a health check) must not hold up the
 * others: the session completes while it stays open. */
Test(multi, silent_connection_does_not_stall_the_session)
{
	enum { T = 2 * BAD_TIMEOUT_S };
	struct sess s;
	struct proc p[MAX_PROCS];
	char addr[32], why[NET_ERRMSG_BYTES];
	sess_open(&s, &vickrey3, 91);
	sess_parties(&s, false, false);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", s.port[0]);
	spawn_compute(&s, p, T);
	int fd;
	cr_assert(net_connect(&fd, addr, 10000, why) == RT_OK, "%s", why);
	int n = 2;
	for (int k = 0; k < 3; k++) {
		struct args a = {0};
		char name[16];
		snprintf(name, sizeof(name), "bidder[%d]", k);
		run_args(&a, &s, name, NULL, T);
		spawn(&p[n++], &s.t, name, &a);
		args_free(&a);
	}
	wait_all(p, n, 3 * T + 10);
	close(fd);
	check_outputs(&s, p, n);
	proc_free(p, n);
	sess_close(&s);
}

/* ---- TLS ---- */

/* bidder[1] is played by someone with another key, who pins that key for bidder[1] in its own
 * copy of the parties file: the garbler refuses it, naming it, and everyone ends with the
 * authentication failure's exit status before anything was computed. */
Test(multi, tls_impostor_is_refused_and_named)
{
	struct sess s;
	struct proc p[MAX_PROCS];
	sess_open(&s, &vickrey3, 71);
	s.tls = true;
	sess_parties(&s, false, false);
	/* the impostor's file: the bidders' range split, bidder[1] pinned to key-eve */
	char *text = slurp(s.parties_path);
	char *range = strstr(text, "bidder[0..2] input sha256:");
	cr_assert(range, "%s", text);
	char fp[TLS_FP_CHARS];
	snprintf(fp, sizeof(fp), "%.71s", range + strlen("bidder[0..2] input "));
	*range = '\0';
	const char *eve = pin_of(&s, "eve");
	char *fake = xcalloc(1, strlen(text) + 1024);
	sprintf(fake, "%sbidder[0] input %s\nbidder[1] input%s\nbidder[2] input %s\n", text, fp,
		eve, fp);
	const char *fake_path = tmp_path(&s.t, "impostor.txt");
	write_file(fake_path, fake);
	free(fake);
	free(text);

	int n = spawn_session(&s, p, "bidder[1]", NULL, NULL, BAD_TIMEOUT_S);
	poll(NULL, 0, 300); /* mostly, the others are in when the impostor comes */
	struct args a = {0};
	run_args(&a, &s, "bidder[1]", NULL, BAD_TIMEOUT_S);
	for (int i = 1; i < a.n; i++) {
		char eve_key[400];
		snprintf(eve_key, sizeof(eve_key), "%s/key-eve", s.t.dir);
		bool file = strcmp(a.v[i - 1], "--parties") == 0, key = strcmp(a.v[i - 1], "--key") == 0;
		if (file || key) {
			free(a.v[i]);
			a.v[i] = strdup(file ? fake_path : eve_key);
		}
	}
	spawn(&p[n++], &s.t, "impostor", &a);
	args_free(&a);
	wait_all(p, n, 3 * BAD_TIMEOUT_S + 10);
	/* the garbler and the impostor fail authentication; everyone else ends too, hearing why
	 * (exit 6, naming bidder[1]) unless the garbler was gone before it had let them in (then
	 * naming the garbler) */
	check_failed(p, n, BAD_TIMEOUT_S, NULL, NULL);
	for (int i = 0; i < n; i++) {
		bool key = i == 0 || i == n - 1;
		cr_assert(p[i].status == 6 || (!key && (p[i].status == 3 || p[i].status == 4)),
			  "%s: exit %d: %s", p[i].name, p[i].status, p[i].err);
		cr_assert(strstr(p[i].err, p[i].status == 6 ? "bidder[1]" : "server-a"), "%s: %s",
			  p[i].name, p[i].err);
	}
	cr_assert(strstr(p[0].err, "a peer claiming to be bidder[1] presented certificate"),
		  "%s", p[0].err);
	proc_free(p, n);
	sess_close(&s);
}

/* An input party run with --insecure in a TLS session: it hears that the compute party
 * closed on it and what that likely means; the garbler says the party spoke plain TCP. */
Test(multi, plain_party_in_a_tls_session_is_told_why)
{
	struct sess s;
	struct proc p[MAX_PROCS];
	sess_open(&s, &vickrey3, 73);
	s.tls = true;
	sess_parties(&s, false, false);
	int n = spawn_session(&s, p, "bidder[1]", NULL, NULL, BAD_TIMEOUT_S);
	struct args a = {0};
	run_args(&a, &s, "bidder[1]", NULL, BAD_TIMEOUT_S);
	for (int i = 1; i < a.n; i++)
		if (strcmp(a.v[i - 1], "--key") == 0) { /* --key FILE becomes --insecure */
			free(a.v[i - 1]);
			free(a.v[i]);
			a.v[i - 1] = strdup("--insecure");
			memmove(&a.v[i], &a.v[i + 1], (size_t)(a.n - i) * sizeof(a.v[0]));
			a.n--;
			break;
		}
	spawn(&p[n++], &s.t, "plain", &a);
	args_free(&a);
	wait_all(p, n, 3 * BAD_TIMEOUT_S + 10);
	check_failed(p, n, 2 * BAD_TIMEOUT_S + 5, NULL, NULL);
	cr_assert(strstr(p[n - 1].err, "the garbler server-a did not answer") &&
		      strstr(p[n - 1].err, NET_HINT_PEER_WANTS_TLS),
		  "%s", p[n - 1].err);
	cr_assert(strstr(p[0].err, "is it running without TLS?"), "%s", p[0].err);
	proc_free(p, n);
	sess_close(&s);
}

static const struct {
	const char *args[6];
	bool pins; /* the parties file pins every party */
	int status;
	const char *say;
} tls_errors[] = {
    {{"--as", "server-a"}, true, 2, "give --key NAME"},
    {{"--as", "server-a", "--key", "K:server-a", "--insecure"}, true, 2, "without TLS"},
    {{"--as", "server-a", "--key", "K:server-a", "--peer-fingerprint", "x"}, true, 2,
     "the file pins every party"},
    {{"--as", "server-a", "--key", "K:server-a"}, false, 1, "pins no certificate for server-a"},
    {{"--as", "server-a", "--key", "K:bidder[0]"}, true, 6,
     "but the parties file pins sha256:"},
    {{"--as", "server-a", "--key", "K:nobody"}, true, 1, "key-nobody.crt: No such file"},
};

Test(multi, tls_key_errors_are_clear)
{
	for (size_t i = 0; i < ARRAY_LEN(tls_errors); i++) {
		struct sess s;
		struct proc p;
		sess_open(&s, &vickrey3, 81);
		s.tls = true;
		sess_parties(&s, false, false);
		if (!tls_errors[i].pins) {
			s.tls = false;
			sess_parties(&s, false, false);
		}
		struct args a = {0};
		arg(&a, "%s", mpcc_bin());
		arg(&a, "run");
		prog_args(&a, s.src, s.pg);
		arg(&a, "--parties");
		arg(&a, "%s", s.parties_path);
		for (size_t k = 0; k < ARRAY_LEN(tls_errors[i].args) && tls_errors[i].args[k]; k++) {
			const char *v = tls_errors[i].args[k];
			if (strncmp(v, "K:", 2) == 0) {
				char key[CIRC_MAX_NAME + 8];
				key_name(&s, v + 2, key, sizeof(key));
				arg(&a, "%s/%s", s.t.dir, key);
			} else {
				arg(&a, "%s", v);
			}
		}
		int st = run_mpcc(&p, &s.t, "tls", &a);
		cr_assert_eq(st, tls_errors[i].status, "case %zu: exit %d: %s", i, st, p.err);
		cr_assert(strstr(p.err, tls_errors[i].say), "case %zu: %s", i, p.err);
		cr_assert_str_empty(p.out);
		proc_free(&p, 1);
		args_free(&a);
		sess_close(&s);
	}
}
