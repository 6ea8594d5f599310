/* server.c: many parties, server-aided: the parties file, the compute circuit, the compute
 * parties' and the input parties' sides of a session (see server.h for the protocol).
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "prg.h"
#include "tls.h"

#define NO_INPUT UINT32_MAX /* no such input of the compute circuit */

static const uint8_t SA_MAGIC[8] = {'M', 'P', 'C', 'C', 'S', 'A', '1', '\0'};
enum {
	HELLO_MAX = 8 + 1 + CIRC_MAX_NAME + 32 + 32,
	STATUS_MAX = 1 + SA_ERR_BYTES,
	RESULT_GRACE_MS = 5000, /* input parties wait this much beyond twice the timeout */
	COLLECT_THREADS = 8,	/* connections a compute party admits at once */
	COLLECT_TICK_MS = 1000, /* how often waiting threads look at the clock */
	SESSION_END_MS = 1000,	/* how long telling why a session ended may take: an input party
				   listening for it, a compute party letting parties in to hear it */
};

/* How an input of the program's circuit reaches the compute circuit. */
enum in_kind {
	IN_DIRECT, /* a compute party's own input: cc[side] */
	IN_XOR,	   /* XOR shares: cc[0] from the garbler, cc[1] from the evaluator */
	IN_SUM,	   /* additive shares summed by each side: cc[] of the group's first input */
};

struct in_map {
	enum in_kind kind;
	int side;      /* IN_DIRECT: which compute party owns it */
	uint32_t cc[2];
};

struct sa {
	const struct circ_circuit *c;
	const struct sa_session *s;
	struct circ_circuit *cc;
	uint32_t *c_to_s;	/* the circuit's party -> session party */
	int64_t *s_to_c;	/* session party -> the circuit's party, or -1 */
	struct in_map *in;	/* per input of c */
	uint32_t (*mask)[2];	/* per output of c: the mask shares' cc inputs, or NO_INPUT */
	size_t *share_bytes;	/* per session party: bytes it sends each compute party */
	uint32_t *mine_at, *mine; /* session party i's inputs: mine[mine_at[i] .. mine_at[i+1]) */
	uint8_t digest[32];	/* SHA-256 of the parties list */
	uint8_t identity[32];	/* of c */
	net_tls_ctx *tls;	/* this party's TLS identity, or NULL: plain TCP */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int errf(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int errf(char *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, SA_ERR_BYTES, fmt, ap);
	va_end(ap);
	return -1;
}

static size_t value_bytes(uint32_t width)
{
	return ((size_t)width + 7) / 8;
}

/* ---- the parties file ---- */

static const char *role_name(enum sa_role r)
{
	return r == SA_GARBLER ? "garbler" : r == SA_EVALUATOR ? "evaluator" : "input";
}

static int hex32(const char *h, uint8_t out[32])
{
	size_t k = 0;
	for (; *h && k < 64; h++) {
		if (*h == ':')
			continue;
		int v = *h >= '0' && *h <= '9'	 ? *h - '0'
			: *h >= 'a' && *h <= 'f' ? *h - 'a' + 10
			: *h >= 'A' && *h <= 'F' ? *h - 'A' + 10
						 : -1;
		if (v < 0)
			return -1;
		if (k % 2 == 0)
			out[k / 2] = (uint8_t)(v << 4);
		else
			out[k / 2] |= (uint8_t)v;
		k++;
	}
	return k == 64 && *h == '\0' ? 0 : -1;
}

/* While a parties file is read: the line each party and the circuit pin came from. */
struct parse {
	struct sa_session *s;
	const char *fname;
	unsigned lineno, circuit_line;
	unsigned *line; /* per party */
};

static int add_party(struct parse *ps, const char *name, enum sa_role role, const char *addr,
		     const uint8_t *fp, const char *where, char *err)
{
	struct sa_session *s = ps->s;
	if (!circ_name_ok(name))
		return errf(err, "%s: '%.60s' is not a valid party name", where, name);
	if (s->n >= SA_MAX_PARTIES)
		return errf(err, "%s: more than %d parties", where, SA_MAX_PARTIES);
	if (s->n % 64 == 0) {
		struct sa_party *p = realloc(s->p, sizeof(*p) * (s->n + 64));
		if (p)
			s->p = p;
		unsigned *l = p ? realloc(ps->line, sizeof(*l) * (s->n + 64)) : NULL;
		if (!l)
			return errf(err, "out of memory");
		ps->line = l;
	}
	struct sa_party *p = &s->p[s->n];
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	p->addr = addr ? strdup(addr) : NULL;
	if (!p->name || (addr && !p->addr)) {
		free(p->name);
		free(p->addr);
		return errf(err, "out of memory");
	}
	p->role = role;
	if (fp) {
		p->has_fp = true;
		memcpy(p->fp, fp, 32);
	}
	ps->line[s->n] = ps->lineno;
	s->n++;
	return 0;
}

/* One line's tokens (at most 5 kept; more is an error). */
static int tokens(char *line, char **tok, int max)
{
	int n = 0;
	for (char *p = strtok(line, " \t\r"); p; p = strtok(NULL, " \t\r")) {
		if (p[0] == '#')
			break;
		if (n == max)
			return max + 1;
		tok[n++] = p;
	}
	return n;
}

static int parse_line(struct parse *ps, char *line, const char *where, char *err)
{
	struct sa_session *s = ps->s;
	char *tok[5];
	int n = tokens(line, tok, 4);
	if (n == 0)
		return 0;
	if (n > 4)
		return errf(err, "%s: too many fields (NAME ROLE [HOST:PORT] [sha256:HEX])", where);
	bool is_role = n >= 2 && (strcmp(tok[1], "garbler") == 0 ||
				  strcmp(tok[1], "evaluator") == 0 || strcmp(tok[1], "input") == 0);
	if (strcmp(tok[0], "circuit") == 0 && !is_role) { /* a party may be named circuit */
		if (n != 2 || hex32(strncmp(tok[1], "sha256:", 7) == 0 ? tok[1] + 7 : tok[1],
				    s->identity) != 0)
			return errf(err, "%s: expected 'circuit HEX' with the circuit's 64-digit "
				    "identity (mpcc stats shows it)", where);
		if (s->has_identity)
			return errf(err, "%s: the circuit is pinned twice (first on line %u)", where,
				    ps->circuit_line);
		s->has_identity = true;
		ps->circuit_line = ps->lineno;
		return 0;
	}
	if (n < 2)
		return errf(err, "%s: '%s' needs a role: garbler, evaluator or input", where,
			    tok[0]);
	enum sa_role role;
	if (strcmp(tok[1], "garbler") == 0)
		role = SA_GARBLER;
	else if (strcmp(tok[1], "evaluator") == 0)
		role = SA_EVALUATOR;
	else if (strcmp(tok[1], "input") == 0)
		role = SA_INPUT;
	else
		return errf(err, "%s: unknown role '%.40s' (garbler, evaluator or input)", where,
			    tok[1]);
	const char *addr = NULL;
	uint8_t fp[32];
	bool has_fp = false;
	for (int k = 2; k < n; k++) {
		if (strncmp(tok[k], "sha256:", 7) == 0) {
			if (has_fp || hex32(tok[k] + 7, fp) != 0)
				return errf(err, "%s: a fingerprint is sha256: and 64 hex digits",
					    where);
			has_fp = true;
		} else if (!addr && strchr(tok[k], ':') && strlen(tok[k]) <= SA_MAX_ADDR) {
			addr = tok[k];
		} else {
			return errf(err, "%s: unexpected '%.60s' (HOST:PORT or sha256:HEX)", where,
				    tok[k]);
		}
	}
	if (role != SA_INPUT && !addr)
		return errf(err, "%s: the %s needs HOST:PORT to listen on", where,
			    role_name(role));
	if (role == SA_INPUT && addr)
		return errf(err, "%s: input parties connect and listen nowhere: drop '%s'", where,
			    addr);
	/* NAME[A..B]: one party per index */
	char *dots = strstr(tok[0], "..");
	char *open = strrchr(tok[0], '[');
	size_t len = strlen(tok[0]);
	if (dots && open && open < dots && tok[0][len - 1] == ']') {
		char *e1, *e2;
		unsigned long a = strtoul(open + 1, &e1, 10), b = strtoul(dots + 2, &e2, 10);
		if (e1 != dots || e2 != tok[0] + len - 1 || a > b || b - a >= SA_MAX_PARTIES)
			return errf(err, "%s: a range is NAME[A..B] with A <= B", where);
		if (role != SA_INPUT)
			return errf(err, "%s: only input parties come in ranges", where);
		*open = '\0';
		for (unsigned long i = a; i <= b; i++) {
			char name[CIRC_MAX_NAME + 32];
			snprintf(name, sizeof(name), "%s[%lu]", tok[0], i);
			if (add_party(ps, name, role, NULL, has_fp ? fp : NULL, where, err) != 0)
				return -1;
		}
		return 0;
	}
	return add_party(ps, tok[0], role, addr, has_fp ? fp : NULL, where, err);
}

struct name_ix {
	const char *name;
	uint32_t i;
};

static int name_ix_cmp(const void *a, const void *b)
{
	const struct name_ix *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

/* Sorts the parties by name into s->by_name; a name listed twice is an error. */
static int index_names(struct parse *ps, char *err)
{
	struct sa_session *s = ps->s;
	struct name_ix *v = malloc(sizeof(*v) * (s->n + 1));
	s->by_name = malloc(sizeof(uint32_t) * (s->n + 1));
	if (!v || !s->by_name) {
		free(v);
		return errf(err, "out of memory");
	}
	for (uint32_t i = 0; i < s->n; i++)
		v[i] = (struct name_ix){s->p[i].name, i};
	if (s->n > 1)
		qsort(v, s->n, sizeof(*v), name_ix_cmp);
	int rc = 0;
	for (uint32_t k = 0; k < s->n; k++) {
		s->by_name[k] = v[k].i;
		if (rc == 0 && k > 0 && strcmp(v[k - 1].name, v[k].name) == 0)
			rc = errf(err, "%.250s:%u: party '%s' is listed twice (first on line %u)",
				  ps->fname, ps->line[v[k].i], v[k].name, ps->line[v[k - 1].i]);
	}
	free(v);
	return rc;
}

int sa_session_parse(struct sa_session *s, const char *text, size_t len, const char *fname,
		     char err[SA_ERR_BYTES])
{
	memset(s, 0, sizeof(*s));
	char *buf = malloc(len + 1);
	if (!buf)
		return errf(err, "out of memory");
	memcpy(buf, text, len);
	buf[len] = '\0';
	struct parse ps = {.s = s, .fname = fname};
	int rc = 0;
	for (char *line = buf, *next; line && rc == 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		ps.lineno++;
		char where[300];
		snprintf(where, sizeof(where), "%.250s:%u", fname, ps.lineno);
		rc = parse_line(&ps, line, where, err);
	}
	free(buf);
	if (rc == 0 && memchr(text, '\0', len)) /* a NUL would cut a line short */
		rc = errf(err, "%s: not a text file", fname);
	if (rc == 0)
		rc = index_names(&ps, err);
	uint32_t ng = 0, ne = 0;
	for (uint32_t i = 0; rc == 0 && i < s->n; i++) {
		enum sa_role r = s->p[i].role;
		if (r == SA_INPUT)
			continue;
		uint32_t *first = r == SA_GARBLER ? &s->garbler : &s->evaluator;
		uint32_t *count = r == SA_GARBLER ? &ng : &ne;
		if (*count > 0)
			rc = errf(err, "%.250s:%u: a second %s, %s (the first is %s, line %u): a "
				  "session has exactly one garbler and one evaluator",
				  fname, ps.line[i], role_name(r), s->p[i].name, s->p[*first].name,
				  ps.line[*first]);
		*first = i;
		++*count;
	}
	if (rc == 0 && (ng != 1 || ne != 1))
		rc = errf(err, "%s: a session has exactly one garbler and one evaluator (no %s)",
			  fname, ng ? "evaluator" : "garbler");
	free(ps.line);
	if (rc != 0)
		sa_session_free(s);
	return rc;
}

int sa_session_load(struct sa_session *s, const char *path, char err[SA_ERR_BYTES])
{
	memset(s, 0, sizeof(*s));
	FILE *f = fopen(path, "rb");
	if (!f)
		return errf(err, "%s: %s", path, strerror(errno));
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		len += fread(buf + len, 1, cap - len, f);
		if (len < cap)
			break;
		if (cap >= (size_t)64 << 20) {
			free(buf);
			fclose(f);
			return errf(err, "%s: too large for a parties file", path);
		}
		char *b = realloc(buf, cap * 2);
		if (!b) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = b;
		cap *= 2;
	}
	bool bad = ferror(f);
	fclose(f);
	if (!buf)
		return errf(err, "out of memory");
	if (bad) {
		free(buf);
		return errf(err, "%s: read error", path);
	}
	int rc = sa_session_parse(s, buf, len, path, err);
	free(buf);
	return rc;
}

void sa_session_free(struct sa_session *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		free(s->p[i].name);
		free(s->p[i].addr);
	}
	free(s->p);
	free(s->by_name);
	memset(s, 0, sizeof(*s));
}

int64_t sa_session_find(const struct sa_session *s, const char *name)
{
	if (!s->by_name) {
		for (uint32_t i = 0; i < s->n; i++)
			if (strcmp(s->p[i].name, name) == 0)
				return i;
		return -1;
	}
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->p[s->by_name[mid]].name, name);
		if (c == 0)
			return s->by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int session_digest(const struct sa_session *s, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
	for (uint32_t i = 0; ok && i < s->n; i++) {
		const struct sa_party *p = &s->p[i];
		uint8_t role = (uint8_t)p->role;
		ok = EVP_DigestUpdate(md, p->name, strlen(p->name) + 1) == 1 &&
		     EVP_DigestUpdate(md, &role, 1) == 1 &&
		     EVP_DigestUpdate(md, p->addr ? p->addr : "", strlen(p->addr ? p->addr : "") + 1) ==
			     1 &&
		     EVP_DigestUpdate(md, &p->has_fp, 1) == 1 &&
		     (!p->has_fp || EVP_DigestUpdate(md, p->fp, 32) == 1);
	}
	ok = ok && EVP_DigestFinal_ex(md, out, NULL) == 1;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

/* ---- the compute circuit ---- */

void sa_free(sa *x)
{
	if (!x)
		return;
	circ_free(x->cc);
	free(x->c_to_s);
	free(x->s_to_c);
	free(x->in);
	free(x->mask);
	free(x->share_bytes);
	free(x->mine_at);
	free(x->mine);
	free(x);
}

const struct circ_circuit *sa_compute_circuit(const sa *x)
{
	return x->cc;
}

/* The compute side (0 garbler, 1 evaluator) of the circuit's party p, or -1. */
static int side_of(const sa *x, uint32_t p)
{
	uint32_t sp = x->c_to_s[p];
	return sp == x->s->garbler ? 0 : sp == x->s->evaluator ? 1 : -1;
}

static int add_share_inputs(struct circ_circuit *cc, const char *name, const char *sfx0,
			    const char *sfx1, uint32_t width, uint32_t flags, uint32_t cc_in[2])
{
	for (int side = 0; side < 2; side++) {
		char n[2 * CIRC_MAX_NAME];
		snprintf(n, sizeof(n), "%s%s", name, side ? sfx1 : sfx0);
		if (strlen(n) > CIRC_MAX_NAME)
			return -1;
		int64_t k = circ_add_input(cc, n, width, flags, (uint32_t)side);
		if (k < 0)
			return -1;
		cc_in[side] = (uint32_t)k;
	}
	return 0;
}

static int64_t gate(struct circ_circuit *cc, enum circ_gate_kind kind, uint32_t a, uint32_t b)
{
	return circ_add_gate(cc, kind, a, b);
}

/* Defines the wires of one input group of c in cc: wmap[first + b]. */
static int build_input(sa *x, uint32_t k, uint32_t *wmap)
{
	const struct circ_input *in = &x->c->inputs[k];
	const struct in_map *m = &x->in[k];
	struct circ_circuit *cc = x->cc;
	if (m->kind == IN_DIRECT) {
		uint32_t f = cc->inputs[m->cc[m->side]].first;
		for (uint32_t b = 0; b < in->width; b++)
			wmap[in->first + b] = f + b;
		return 0;
	}
	uint32_t g = cc->inputs[m->cc[0]].first, e = cc->inputs[m->cc[1]].first, carry = 0;
	for (uint32_t b = 0; b < in->width; b++) {
		int64_t s;
		if (m->kind == IN_XOR || b == 0) {
			s = gate(cc, GATE_XOR, g + b, e + b);
			if (m->kind == IN_SUM && in->width > 1) {
				int64_t cy = gate(cc, GATE_AND, g + b, e + b);
				if (cy < 0)
					return -1;
				carry = (uint32_t)cy;
			}
		} else {
			/* s = g ^ e ^ carry; carry' = carry ^ ((g ^ carry) & (e ^ carry)) */
			int64_t t1 = gate(cc, GATE_XOR, g + b, carry);
			int64_t t2 = gate(cc, GATE_XOR, e + b, carry);
			if (t1 < 0 || t2 < 0)
				return -1;
			s = gate(cc, GATE_XOR, (uint32_t)t1, e + b);
			if (b + 1 < in->width) {
				int64_t a = gate(cc, GATE_AND, (uint32_t)t1, (uint32_t)t2);
				int64_t cy = a < 0 ? -1 : gate(cc, GATE_XOR, carry, (uint32_t)a);
				if (cy < 0)
					return -1;
				carry = (uint32_t)cy;
			}
		}
		if (s < 0)
			return -1;
		wmap[in->first + b] = (uint32_t)s;
	}
	return 0;
}

static rt_err build_cc(sa *x, char *err)
{
	const struct circ_circuit *c = x->c;
	const struct sa_session *s = x->s;
	struct circ_circuit *cc = x->cc = circ_new();
	uint32_t *wmap = calloc(circ_nwires(c) + 1, sizeof(uint32_t));
	uint32_t *ow = calloc(c->nout_bits + 1, sizeof(uint32_t));
	uint32_t *lead = malloc(sizeof(uint32_t) * ((size_t)c->ninputs + 1));
	uint32_t *members = calloc((size_t)c->ninputs + 1, sizeof(uint32_t));
	rt_err e = RT_ERR_NOMEM;
	if (!cc || !wmap || !ow || !lead || !members || circ_input_leads(c, lead) != 0)
		goto out;
	for (uint32_t k = 0; k < c->ninputs; k++)
		members[lead[k]]++;
	if ( circ_add_party(cc, s->p[s->garbler].name) != 0 ||
	    circ_add_party(cc, s->p[s->evaluator].name) != 1)
		goto out;
	e = RT_ERR_INPUT;
	for (uint32_t k = 0; k < c->ninputs; k++) {
		const struct circ_input *in = &c->inputs[k];
		struct in_map *m = &x->in[k];
		uint32_t flags = in->flags & CIRC_SIGNED;
		int side = side_of(x, in->party);
		if (in->flags & CIRC_SUM) {
			if (lead[k] != k) {
				*m = x->in[lead[k]];
				continue;
			}
			if (members[k] > 1 || side < 0) {
				m->kind = IN_SUM;
				if (add_share_inputs(cc, in->name, "#g", "#e", in->width, flags,
						     m->cc) != 0)
					goto name;
				continue;
			}
		}
		if (side >= 0) {
			m->kind = IN_DIRECT;
			m->side = side;
			int64_t j = circ_add_input(cc, in->name, in->width, flags, (uint32_t)side);
			if (j < 0)
				goto name;
			m->cc[side] = (uint32_t)j;
		} else {
			m->kind = IN_XOR;
			if (add_share_inputs(cc, in->name, "#g", "#e", in->width, flags, m->cc) != 0)
				goto name;
		}
	}
	for (uint32_t k = 0; k < c->noutputs; k++) {
		const struct circ_output *o = &c->outputs[k];
		x->mask[k][0] = x->mask[k][1] = NO_INPUT;
		if (o->to != CIRC_ALL && side_of(x, o->to) < 0 &&
		    add_share_inputs(cc, o->name, "#mask_g", "#mask_e", o->width, 0, x->mask[k]) !=
			    0) {
			errf(err, "output '%s': its name is too long for a masked output", o->name);
			goto out;
		}
	}
	for (uint32_t k = 0; k < c->ninputs; k++)
		if (lead[k] == k && build_input(x, k, wmap) != 0)
			goto nomem;
	for (uint64_t g = 0; g < c->ngates; g++) {
		const struct circ_gate *gt = &c->gates[g];
		unsigned ar = circ_gate_arity(gt->kind);
		int64_t w = gate(cc, gt->kind, ar >= 1 ? wmap[gt->a] : gt->a,
				 ar >= 2 ? wmap[gt->b] : 0);
		if (w < 0)
			goto nomem;
		wmap[c->nin_bits + g] = (uint32_t)w;
	}
	for (uint32_t k = 0; k < c->noutputs; k++) {
		const struct circ_output *o = &c->outputs[k];
		uint32_t to = o->to == CIRC_ALL ? CIRC_ALL : (uint32_t)side_of(x, o->to);
		for (uint32_t b = 0; b < o->width; b++) {
			uint32_t w = wmap[c->output_wires[o->first + b]];
			if (x->mask[k][0] != NO_INPUT) {
				int64_t t = gate(cc, GATE_XOR, w,
						 cc->inputs[x->mask[k][0]].first + b);
				t = t < 0 ? -1
					  : gate(cc, GATE_XOR, (uint32_t)t,
						 cc->inputs[x->mask[k][1]].first + b);
				if (t < 0)
					goto nomem;
				w = (uint32_t)t;
				to = CIRC_ALL;
			}
			ow[b] = w;
		}
		if (circ_add_output(cc, o->name, o->width, o->flags, to, ow) < 0)
			goto nomem;
	}
	struct circ_err ce;
	if (circ_validate(cc, &ce) != 0) {
		errf(err, "the compute circuit is invalid: %s", ce.msg);
		goto out;
	}
	e = RT_OK;
	goto out;
name:
	errf(err, "an input name is too long for its shares, or the circuit too large");
	goto out;
nomem:
	e = RT_ERR_NOMEM;
	errf(err, "out of memory building the compute circuit");
out:
	free(wmap);
	free(ow);
	free(lead);
	free(members);
	return e;
}

rt_err sa_new(sa **out, const struct circ_circuit *c, const struct sa_session *s,
	      char err[SA_ERR_BYTES])
{
	*out = NULL;
	sa *x = calloc(1, sizeof(*x));
	if (!x)
		return errf(err, "out of memory"), RT_ERR_NOMEM;
	x->c = c;
	x->s = s;
	x->c_to_s = calloc(c->nparties + 1, sizeof(uint32_t));
	x->s_to_c = calloc(s->n + 1, sizeof(int64_t));
	x->in = calloc(c->ninputs + 1, sizeof(*x->in));
	x->mask = calloc(c->noutputs + 1, sizeof(*x->mask));
	x->share_bytes = calloc(s->n + 1, sizeof(size_t));
	if (!x->c_to_s || !x->s_to_c || !x->in || !x->mask || !x->share_bytes) {
		sa_free(x);
		return errf(err, "out of memory"), RT_ERR_NOMEM;
	}
	rt_err e = RT_ERR_INPUT;
	for (uint32_t i = 0; i < s->n; i++)
		x->s_to_c[i] = -1;
	for (uint32_t p = 0; p < c->nparties; p++) {
		int64_t i = sa_session_find(s, c->parties[p]);
		if (i < 0) {
			errf(err, "the program's party '%s' is not in the parties file", c->parties[p]);
			goto fail;
		}
		x->c_to_s[p] = (uint32_t)i;
		x->s_to_c[i] = p;
	}
	for (uint32_t i = 0; i < s->n; i++)
		if (s->p[i].role == SA_INPUT && x->s_to_c[i] < 0) {
			errf(err, "the parties file lists '%s', an input party the program does not "
				  "have", s->p[i].name);
			goto fail;
		}
	if (circ_identity(c, x->identity) != 0 || session_digest(s, x->digest) != 0) {
		errf(err, "SHA-256 failed");
		e = RT_ERR_CRYPTO;
		goto fail;
	}
	if (s->has_identity && memcmp(s->identity, x->identity, 32) != 0) {
		errf(err, "the parties file pins circuit %02x%02x%02x%02x..., but this one is "
			  "%02x%02x%02x%02x... (a different program or -D parameters)",
		     s->identity[0], s->identity[1], s->identity[2], s->identity[3], x->identity[0],
		     x->identity[1], x->identity[2], x->identity[3]);
		goto fail;
	}
	/* each party's inputs, by a counting sort: an input party's shares take its inputs only */
	x->mine_at = calloc((size_t)s->n + 2, sizeof(uint32_t));
	x->mine = malloc(sizeof(uint32_t) * ((size_t)c->ninputs + 1));
	if (!x->mine_at || !x->mine) {
		errf(err, "out of memory");
		e = RT_ERR_NOMEM;
		goto fail;
	}
	for (uint32_t k = 0; k < c->ninputs; k++) {
		uint32_t sp = x->c_to_s[c->inputs[k].party];
		x->share_bytes[sp] += value_bytes(c->inputs[k].width);
		x->mine_at[sp + 2]++;
	}
	for (uint32_t i = 0; i < s->n; i++)
		x->mine_at[i + 2] += x->mine_at[i + 1];
	for (uint32_t k = 0; k < c->ninputs; k++)
		x->mine[x->mine_at[x->c_to_s[c->inputs[k].party] + 1]++] = k;
	for (uint32_t k = 0; k < c->noutputs; k++)
		if (c->outputs[k].to != CIRC_ALL)
			x->share_bytes[x->c_to_s[c->outputs[k].to]] +=
				value_bytes(c->outputs[k].width);
	e = build_cc(x, err);
	if (e)
		goto fail;
	*out = x;
	return RT_OK;
fail:
	sa_free(x);
	return e;
}

/* ---- values as bytes ---- */

static void to_bytes(uint8_t *dst, const uint64_t *v, uint32_t width)
{
	for (size_t i = 0; i < value_bytes(width); i++)
		dst[i] = (uint8_t)(v[i / 8] >> (8 * (i % 8)));
}

/* Reads a value; false when bits above width are set. */
static bool from_bytes(uint64_t *v, const uint8_t *src, uint32_t width)
{
	memset(v, 0, circ_limbs(width) * 8);
	for (size_t i = 0; i < value_bytes(width); i++)
		v[i / 8] |= (uint64_t)src[i] << (8 * (i % 8));
	uint32_t top = width % 64;
	return !top || (v[(width - 1) / 64] >> top) == 0;
}

static void clear_top(uint64_t *v, uint32_t width)
{
	if (width % 64)
		v[(width - 1) / 64] &= (UINT64_C(1) << (width % 64)) - 1;
}

/* v = v + a (sub: v - a) mod 2^width */
static void add_mod(uint64_t *v, const uint64_t *a, uint32_t width, bool sub)
{
	uint64_t carry = sub;
	for (size_t i = 0; i < circ_limbs(width); i++) {
		uint64_t y = sub ? ~a[i] : a[i], s = v[i] + y;
		uint64_t c1 = s < y;
		s += carry;
		carry = c1 | (s < carry);
		v[i] = s;
	}
	clear_top(v, width);
}

/* ---- messages ---- */

static rt_err send_status(net_chan *ch, rt_err code, const char *text)
{
	uint8_t buf[STATUS_MAX];
	size_t n = strlen(text);
	if (n > SA_ERR_BYTES - 1)
		n = SA_ERR_BYTES - 1;
	buf[0] = (uint8_t)code;
	memcpy(buf + 1, text, n);
	rt_err e = net_send_msg(ch, buf, 1 + n);
	return e ? e : net_flush(ch);
}

/* Reads a status; *code is the peer's verdict, text its reason (NUL-terminated, printable). */
static rt_err recv_status(net_chan *ch, rt_err *code, char text[SA_ERR_BYTES])
{
	uint8_t buf[STATUS_MAX];
	size_t n;
	rt_err e = net_recv_msg(ch, buf, sizeof(buf), &n);
	if (e)
		return e;
	if (n < 1 || buf[0] > RT_ERR_AUTH)
		return RT_ERR_PROTOCOL;
	*code = (rt_err)buf[0];
	for (size_t i = 1; i < n; i++)
		text[i - 1] = buf[i] >= ' ' && buf[i] <= '~' ? (char)buf[i] : '?';
	text[n - 1] = '\0';
	return RT_OK;
}

static rt_err send_hello(net_chan *ch, const sa *x, const char *name)
{
	uint8_t buf[HELLO_MAX];
	size_t n = strlen(name);
	memcpy(buf, SA_MAGIC, 8);
	buf[8] = (uint8_t)n;
	memcpy(buf + 9, name, n);
	memcpy(buf + 9 + n, x->identity, 32);
	memcpy(buf + 41 + n, x->digest, 32);
	rt_err e = net_send_msg(ch, buf, 73 + n);
	return e ? e : net_flush(ch);
}

struct hello {
	char name[CIRC_MAX_NAME + 1];
	uint8_t identity[32], digest[32];
};

static rt_err recv_hello(net_chan *ch, struct hello *h)
{
	uint8_t buf[HELLO_MAX];
	size_t n;
	rt_err e = net_recv_msg(ch, buf, sizeof(buf), &n);
	if (e)
		return e;
	if (n < 9 || memcmp(buf, SA_MAGIC, 8) != 0 || buf[8] == 0 || n != 73u + buf[8])
		return RT_ERR_PROTOCOL;
	memcpy(h->name, buf + 9, buf[8]);
	h->name[buf[8]] = '\0';
	memcpy(h->identity, buf + 9 + buf[8], 32);
	memcpy(h->digest, buf + 41 + buf[8], 32);
	return circ_name_ok(h->name) ? RT_OK : RT_ERR_PROTOCOL;
}

/* Whether the hello's circuit and parties list are ours; if not, why in err. */
static rt_err check_hello(const sa *x, const struct hello *h, char *err)
{
	if (memcmp(h->identity, x->identity, 32) != 0) {
		errf(err, "%s holds a different circuit (%02x%02x%02x%02x..., here "
			  "%02x%02x%02x%02x...): another program or other -D parameters",
		     h->name, h->identity[0], h->identity[1], h->identity[2], h->identity[3],
		     x->identity[0], x->identity[1], x->identity[2], x->identity[3]);
		return RT_ERR_PROTOCOL;
	}
	if (memcmp(h->digest, x->digest, 32) != 0) {
		errf(err, "%s holds a different parties file", h->name);
		return RT_ERR_PROTOCOL;
	}
	return RT_OK;
}

/* Connects to compute party cp (retrying for connect_ms) and, over TLS, makes sure it holds
 * the key the parties file pins for it. */
static rt_err dial(const sa *x, uint32_t cp, int connect_ms, int timeout_ms, net_chan **ch,
		   char *why)
{
	int fd;
	rt_err e = net_connect(&fd, x->s->p[cp].addr, connect_ms, why);
	if (!e)
		e = net_chan_new(ch, fd, timeout_ms);
	if (!e && x->tls)
		e = net_chan_tls(*ch, x->tls, false, x->s->p[cp].fp, NULL);
	if (e && *ch)
		snprintf(why, SA_ERR_BYTES, "%s", net_chan_errmsg(*ch));
	return e;
}

rt_err sa_use_tls(sa *x, net_tls_ctx *t, uint32_t me, char err[SA_ERR_BYTES])
{
	const struct sa_session *s = x->s;
	if (me >= s->n)
		return errf(err, "no such party"), RT_ERR_INPUT;
	for (uint32_t i = 0; i < s->n; i++)
		if (!s->p[i].has_fp)
			return errf(err, "the parties file pins no certificate for %s: add its "
				    "fingerprint (sha256:..., as `mpcc keygen` printed it), or run "
				    "every party with --insecure",
				    s->p[i].name),
			       RT_ERR_INPUT;
	uint8_t fp[32];
	net_tls_fingerprint(t, fp);
	if (memcmp(fp, s->p[me].fp, 32) != 0) {
		char have[TLS_FP_CHARS], want[TLS_FP_CHARS];
		tls_fp_format(have, fp);
		tls_fp_format(want, s->p[me].fp);
		return errf(err, "this key's certificate is %s, but the parties file pins %s for %s",
			    have, want, s->p[me].name),
		       RT_ERR_AUTH;
	}
	x->tls = t;
	return RT_OK;
}

static int ms_left(double deadline)
{
	double left = (deadline - now()) * 1000;
	return left < 1 ? 1 : left > 86400000 ? 86400000 : (int)left;
}

/* ---- the compute parties ---- */

struct compute {
	sa *x;
	uint32_t me; /* session index */
	int side;    /* 0 garbler, 1 evaluator */
	net_chan **ch; /* per session party */
	uint8_t **shares; /* per session party: what it sent (share_bytes) */
	uint64_t **ccin, **ccout;
	bool *cclearned;
	struct sa_stats *st;
	char *err;
};

static void compute_free(struct compute *k)
{
	const sa *x = k->x;
	for (uint32_t i = 0; k->ch && k->shares && i < x->s->n; i++) {
		net_chan_free(k->ch[i]);
		if (k->shares[i])
			secret_free(k->shares[i], x->share_bytes[i]);
	}
	free(k->ch);
	free(k->shares);
	for (uint32_t i = 0; k->ccin && i < x->cc->ninputs; i++)
		if (k->ccin[i])
			secret_free(k->ccin[i], circ_limbs(x->cc->inputs[i].width) * 8);
	for (uint32_t i = 0; k->ccout && i < x->cc->noutputs; i++)
		free(k->ccout[i]);
	free(k->ccin);
	free(k->ccout);
	free(k->cclearned);
}

/* Collecting the parties: COLLECT_THREADS threads accept and admit connections (TLS
 * handshake, hello, shares) at once, so a connection that stalls holds up only its thread,
 * while this thread watches the deadline and the other compute party's channel. */
struct collector {
	struct compute *k;
	int lfd, timeout_ms;
	double deadline;
	pthread_mutex_t mu;
	bool *claimed;	  /* per session party: a connection names it (k->ch set once admitted) */
	uint32_t missing; /* parties not yet admitted */
	bool stop;
	rt_err fatal; /* the first error that ends the session; why in k->err */
	int busy[COLLECT_THREADS]; /* the socket each thread is admitting, or -1 */
	int note[2];		   /* a pipe: threads wake the collector (a party in, a failure) */
	int stop_fd[2];		   /* a pipe: readable once the threads are to stop */
};

/* Wakes the collecting thread: something changed. */
static void poke(struct collector *c)
{
	ssize_t r = write(c->note[1], "", 1); /* a full pipe is already a wake-up */
	(void)r;
}

struct collect_thread {
	struct collector *c;
	int t;
};

static bool collector_done(struct collector *c)
{
	pthread_mutex_lock(&c->mu);
	bool done = c->stop || c->fatal || c->missing == 0;
	pthread_mutex_unlock(&c->mu);
	return done;
}

/* Stopped, a failure no longer matters (a connection cut short by the stop). */
static void collector_fail(struct collector *c, rt_err e, const char *why)
{
	pthread_mutex_lock(&c->mu);
	if (!c->fatal && !c->stop) {
		c->fatal = e;
		errf(c->k->err, "%s", why);
	}
	pthread_mutex_unlock(&c->mu);
	poke(c);
}

/* Whether fingerprint got is the one pinned for party i; if not, why in err. */
static bool pin_ok(const sa *x, uint32_t i, const uint8_t got[32], char *err)
{
	if (memcmp(got, x->s->p[i].fp, 32) == 0)
		return true;
	char g[TLS_FP_CHARS], want[TLS_FP_CHARS];
	tls_fp_format(g, got);
	tls_fp_format(want, x->s->p[i].fp);
	errf(err, "a peer claiming to be %s presented certificate %s, but the parties file pins "
		  "%s for %s",
	     x->s->p[i].name, g, want, x->s->p[i].name);
	return false;
}

/* One connection: TLS, hello, checks, shares. Admitted, it becomes k->ch[i]; a connection
 * that is no party of ours is refused and forgotten; a party that fails ends the session. */
static bool admit_chan(struct collector *c, int t, net_chan *ch)
{
	struct compute *k = c->k;
	const sa *x = k->x;
	const struct sa_session *s = x->s;
	char err[SA_ERR_BYTES];
	uint8_t got[32];
	if (x->tls && net_chan_tls(ch, x->tls, true, NULL, got) != RT_OK) {
		/* who it was is unknown: say so, and go on waiting for the parties */
		fprintf(stderr, "mpcc: %s: refused a connection: %s\n", s->p[k->me].name,
			net_chan_errmsg(ch));
		return false;
	}
	struct hello h;
	rt_err e = recv_hello(ch, &h);
	if (e && net_chan_peer_spoke_tls(ch)) {
		fprintf(stderr, "mpcc: %s: refused a connection: %s\n", s->p[k->me].name,
			NET_HINT_PEER_SPEAKS_TLS);
		return false;
	}
	int64_t i = e ? -1 : sa_session_find(s, h.name);
	bool ours = i >= 0 && (uint32_t)i != k->me && (s->p[i].role == SA_INPUT || k->side == 0);
	if (ours && x->tls && !pin_ok(x, (uint32_t)i, got, err)) {
		(void)send_status(ch, RT_ERR_AUTH, err);
		collector_fail(c, RT_ERR_AUTH, err);
		return false;
	}
	bool twice = false;
	if (ours) {
		pthread_mutex_lock(&c->mu);
		twice = c->claimed[i];
		c->claimed[i] = true;
		pthread_mutex_unlock(&c->mu);
	}
	if (!ours || twice) {
		/* not one of ours, or twice: refuse this connection and go on */
		if (!e)
			(void)send_status(ch, RT_ERR_INPUT,
					  !ours ? "no such party in this session"
						: "that party is already connected here");
		return false;
	}
	e = check_hello(x, &h, err);
	if (e) {
		(void)send_status(ch, e, err);
		collector_fail(c, e, err);
		return false;
	}
	e = send_status(ch, RT_OK, "");
	uint8_t *shares = NULL;
	if (!e && x->share_bytes[i] && s->p[i].role == SA_INPUT) {
		shares = rt_alloc(x->share_bytes[i]);
		e = shares ? net_recv(ch, shares, x->share_bytes[i]) : RT_ERR_NOMEM;
	}
	if (e) {
		errf(err, "%s %s before sending its inputs (%s)", h.name,
		     e == RT_ERR_TIMEOUT ? "stalled" : "went away", net_chan_errmsg(ch));
		if (shares)
			secret_free(shares, x->share_bytes[i]);
		collector_fail(c, e, err);
		return false;
	}
	pthread_mutex_lock(&c->mu);
	k->shares[i] = shares;
	k->ch[i] = ch;
	if (k->st)
		k->st->bytes_from_inputs += shares ? x->share_bytes[i] : 0;
	c->missing--;
	c->busy[t] = -1; /* the channel is the session's now */
	pthread_mutex_unlock(&c->mu);
	poke(c);
	return true;
}

/* Admits the connection fd as thread t; a stop shuts it down meanwhile (see collect). */
static void admit(struct collector *c, int t, int fd)
{
	int wait = ms_left(c->deadline);
	pthread_mutex_lock(&c->mu);
	c->busy[t] = fd;
	pthread_mutex_unlock(&c->mu);
	net_chan *ch;
	if (net_chan_new(&ch, fd, wait < c->timeout_ms ? wait : c->timeout_ms) != RT_OK)
		ch = NULL; /* fd is closed */
	if (ch && admit_chan(c, t, ch))
		return;
	pthread_mutex_lock(&c->mu);
	c->busy[t] = -1;
	pthread_mutex_unlock(&c->mu);
	net_chan_free(ch);
}

static void *collect_thread(void *arg)
{
	const struct collect_thread *me = arg;
	struct collector *c = me->c;
	while (!collector_done(c)) {
		int fd;
		char why[NET_ERRMSG_BYTES];
		int wait = ms_left(c->deadline);
		struct pollfd pf[2] = {{.fd = c->lfd, .events = POLLIN},
				       {.fd = c->stop_fd[0], .events = POLLIN}};
		if (poll(pf, 2, wait < COLLECT_TICK_MS ? wait : COLLECT_TICK_MS) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		if (now() > c->deadline)
			break;
		if (!pf[0].revents)
			continue;
		rt_err e = net_accept(c->lfd, 0, &fd, why);
		if (e == RT_ERR_TIMEOUT)
			continue; /* another thread took it */
		if (e) {
			char msg[SA_ERR_BYTES];
			snprintf(msg, sizeof(msg), "accepting connections: %s", why);
			collector_fail(c, e, msg);
			break;
		}
		admit(c, me->t, fd);
	}
	return NULL;
}

/* Who did not show up, for the timeout's message. */
static void name_missing(struct collector *c)
{
	struct compute *k = c->k;
	const struct sa_session *s = k->x->s;
	char names[300] = "";
	uint32_t shown = 0;
	for (uint32_t i = 0; i < s->n && shown < 4; i++)
		if (i != k->me && !k->ch[i]) {
			size_t l = strlen(names);
			snprintf(names + l, sizeof(names) - l, "%s%s", shown ? ", " : "",
				 s->p[i].name);
			shown++;
		}
	errf(k->err, "%s%s did not show up within %.0f s", names,
	     c->missing > shown ? " and others" : "", c->timeout_ms / 1000.0);
}

/* Accepts connections until every party this side waits for has shown up; err says who did
 * not. The evaluator has connected to the garbler before. Meanwhile watches the other compute
 * party's channel: if it speaks first, *peer_verdict (and peer_why) is its status, and
 * *heard is set; if it goes away, the session ends naming it. */
static rt_err collect(struct compute *k, int lfd, int timeout_ms, double deadline, uint32_t peer,
		      bool *heard, rt_err *peer_verdict, char *peer_why)
{
	const struct sa_session *s = k->x->s;
	struct collector c = {.k = k, .lfd = lfd, .timeout_ms = timeout_ms, .deadline = deadline};
	for (uint32_t i = 0; i < s->n; i++)
		c.missing += i != k->me && !k->ch[i];
	c.claimed = calloc(s->n + 1, sizeof(bool));
	if (!c.claimed)
		return errf(k->err, "out of memory"), RT_ERR_NOMEM;
	for (uint32_t i = 0; i < s->n; i++)
		c.claimed[i] = k->ch[i] != NULL;
	if (pipe(c.note) != 0 || pipe(c.stop_fd) != 0) {
		free(c.claimed);
		return errf(k->err, "cannot make a pipe: %s", strerror(errno)), RT_ERR_IO;
	}
	(void)fcntl(c.note[1], F_SETFL, O_NONBLOCK);
	pthread_mutex_init(&c.mu, NULL);
	pthread_t tid[COLLECT_THREADS];
	struct collect_thread arg[COLLECT_THREADS];
	uint32_t nt = 0;
	for (int t = 0; t < COLLECT_THREADS; t++)
		c.busy[t] = -1;
	while (nt < COLLECT_THREADS && nt < c.missing) {
		arg[nt] = (struct collect_thread){&c, (int)nt};
		if (pthread_create(&tid[nt], NULL, collect_thread, &arg[nt]) != 0)
			break;
		nt++;
	}
	if (nt == 0 && c.missing > 0)
		collector_fail(&c, RT_ERR_NOMEM, "cannot start a thread");
	while (!collector_done(&c)) {
		pthread_mutex_lock(&c.mu);
		net_chan *pc = k->ch[peer];
		pthread_mutex_unlock(&c.mu);
		if (now() > deadline) {
			pthread_mutex_lock(&c.mu);
			c.stop = true;
			pthread_mutex_unlock(&c.mu);
			break;
		}
		bool watch = pc && !*heard;
		if (!watch || !net_chan_readable(pc, 0)) {
			/* wait for a thread's news, the other compute party, or the clock */
			struct pollfd pf[2] = {{.fd = c.note[0], .events = POLLIN},
					       {.fd = watch ? net_chan_fd(pc) : -1, .events = POLLIN}};
			int wait = ms_left(deadline);
			if (poll(pf, 2, wait < COLLECT_TICK_MS ? wait : COLLECT_TICK_MS) > 0 &&
			    pf[0].revents) {
				char buf[64];
				ssize_t r = read(c.note[0], buf, sizeof(buf));
				(void)r;
			}
			if (!pf[1].revents)
				continue;
		}
		/* the other compute party spoke (or went) before we have everyone */
		char why[SA_ERR_BYTES];
		rt_err e = recv_status(pc, peer_verdict, peer_why);
		if (e) {
			snprintf(why, sizeof(why), "the other compute party %s went away while the "
				 "parties were connecting (%s)", s->p[peer].name, net_chan_errmsg(pc));
			collector_fail(&c, e, why);
		} else if (*peer_verdict) {
			snprintf(why, sizeof(why), "%s: %s", s->p[peer].name, peer_why);
			collector_fail(&c, *peer_verdict, why);
		}
		*heard = true;
	}
	/* after a failure, parties being admitted get a moment to be in, so that they hear why
	 * the session ended (abort_inputs); the rest are no party we wait for: cut them short */
	pthread_mutex_lock(&c.mu);
	c.stop = true;
	pthread_mutex_unlock(&c.mu);
	ssize_t r = write(c.stop_fd[1], "", 1);
	(void)r;
	for (double until = now() + SESSION_END_MS / 1000.0; c.fatal && now() < until;) {
		bool busy = false;
		pthread_mutex_lock(&c.mu);
		for (int t = 0; t < COLLECT_THREADS; t++)
			busy |= c.busy[t] >= 0;
		pthread_mutex_unlock(&c.mu);
		if (!busy)
			break;
		struct pollfd pf = {.fd = c.note[0], .events = POLLIN};
		if (poll(&pf, 1, 50) > 0) {
			char buf[64];
			r = read(c.note[0], buf, sizeof(buf));
		}
	}
	pthread_mutex_lock(&c.mu);
	for (int t = 0; t < COLLECT_THREADS; t++)
		if (c.busy[t] >= 0)
			shutdown(c.busy[t], SHUT_RDWR);
	pthread_mutex_unlock(&c.mu);
	for (uint32_t t = 0; t < nt; t++)
		pthread_join(tid[t], NULL);
	for (int i = 0; i < 2; i++) {
		close(c.note[i]);
		close(c.stop_fd[i]);
	}
	rt_err e = c.fatal;
	if (!e && c.missing > 0) {
		name_missing(&c);
		e = RT_ERR_TIMEOUT;
	}
	pthread_mutex_destroy(&c.mu);
	free(c.claimed);
	return e;
}

/* This side's values for the compute circuit's inputs. */
static rt_err assemble(struct compute *k, uint64_t *const *in)
{
	const sa *x = k->x;
	const struct circ_circuit *c = x->c, *cc = x->cc;
	for (uint32_t i = 0; i < cc->ninputs; i++)
		if (cc->inputs[i].party == (uint32_t)k->side) {
			k->ccin[i] = rt_calloc(circ_limbs(cc->inputs[i].width), 8);
			if (!k->ccin[i])
				return RT_ERR_NOMEM;
		}
	uint64_t *tmp = rt_calloc(circ_limbs(CIRC_MAX_WIDTH), 8);
	size_t *pos = calloc(x->s->n + 1, sizeof(size_t));
	rt_err e = tmp && pos ? RT_OK : RT_ERR_NOMEM;
	for (uint32_t j = 0; !e && j < c->ninputs; j++) {
		const struct circ_input *ci = &c->inputs[j];
		const struct in_map *m = &x->in[j];
		uint32_t sp = x->c_to_s[ci->party];
		int owner = side_of(x, ci->party);
		const uint64_t *v;
		if (owner == k->side) {
			v = in[j];
		} else if (owner < 0) {
			if (!from_bytes(tmp, k->shares[sp] + pos[sp], ci->width)) {
				errf(k->err, "%s sent a malformed share of '%s'", x->s->p[sp].name,
				     ci->name);
				e = RT_ERR_PROTOCOL;
				break;
			}
			pos[sp] += value_bytes(ci->width);
			v = tmp;
		} else {
			continue; /* the other compute party's own input */
		}
		uint64_t *dst = k->ccin[m->cc[k->side]];
		size_t nl = circ_limbs(ci->width);
		if (m->kind == IN_SUM)
			add_mod(dst, v, ci->width, false);
		else
			memcpy(dst, v, nl * 8);
	}
	for (uint32_t o = 0; !e && o < c->noutputs; o++) {
		if (x->mask[o][0] == NO_INPUT)
			continue;
		uint32_t sp = x->c_to_s[c->outputs[o].to];
		uint32_t w = c->outputs[o].width;
		if (!from_bytes(k->ccin[x->mask[o][k->side]], k->shares[sp] + pos[sp], w)) {
			errf(k->err, "%s sent a malformed mask for '%s'", x->s->p[sp].name,
			     c->outputs[o].name);
			e = RT_ERR_PROTOCOL;
		}
		pos[sp] += value_bytes(w);
	}
	if (tmp)
		secret_free(tmp, circ_limbs(CIRC_MAX_WIDTH) * 8);
	free(pos);
	return e;
}

static void abort_inputs(struct compute *k, rt_err code, const char *why)
{
	char msg[SA_ERR_BYTES];
	snprintf(msg, sizeof(msg), "%s: %s", k->x->s->p[k->me].name, why);
	for (uint32_t i = 0; i < k->x->s->n; i++)
		if (k->ch[i] && k->x->s->p[i].role == SA_INPUT)
			(void)send_status(k->ch[i], code, msg);
}

/* Sends each input party the outputs it may learn; a party that went away only loses its
 * own outputs (a warning on stderr). */
static void deliver(struct compute *k)
{
	const sa *x = k->x;
	const struct circ_circuit *c = x->c;
	uint8_t *buf = malloc(value_bytes(CIRC_MAX_WIDTH));
	for (uint32_t i = 0; buf && i < x->s->n; i++) {
		net_chan *ch = k->ch[i];
		if (!ch || x->s->p[i].role != SA_INPUT)
			continue;
		uint64_t before = net_bytes_sent(ch);
		rt_err e = send_status(ch, RT_OK, "");
		for (uint32_t o = 0; !e && o < c->noutputs; o++) {
			uint32_t to = c->outputs[o].to;
			if (to != CIRC_ALL && x->c_to_s[to] != i)
				continue;
			to_bytes(buf, k->ccout[o], c->outputs[o].width);
			e = net_send(ch, buf, value_bytes(c->outputs[o].width));
		}
		if (!e)
			e = net_flush(ch);
		if (e)
			fprintf(stderr, "mpcc: %s: could not send %s its outputs: %s\n",
				x->s->p[k->me].name, x->s->p[i].name, net_chan_errmsg(ch));
		if (k->st)
			k->st->bytes_to_inputs += net_bytes_sent(ch) - before;
	}
	free(buf);
}

static rt_err compute_init(struct compute *k, sa *x, uint32_t me, struct sa_stats *st,
			   char *err)
{
	const struct sa_session *s = x->s;
	const struct circ_circuit *cc = x->cc;
	*k = (struct compute){.x = x, .me = me, .side = me == s->garbler ? 0 : 1, .st = st,
			      .err = err};
	memset(st, 0, sizeof(*st));
	if (me != s->garbler && me != s->evaluator)
		return errf(err, "%s is no compute party", me < s->n ? s->p[me].name : "?"),
		       RT_ERR_INPUT;
	k->ch = calloc(s->n + 1, sizeof(net_chan *));
	k->shares = calloc(s->n + 1, sizeof(uint8_t *));
	k->ccin = calloc(cc->ninputs + 1, sizeof(uint64_t *));
	k->ccout = calloc(cc->noutputs + 1, sizeof(uint64_t *));
	k->cclearned = calloc(cc->noutputs + 1, sizeof(bool));
	err[0] = '\0';
	if (!k->ch || !k->shares || !k->ccin || !k->ccout || !k->cclearned)
		return errf(err, "out of memory"), RT_ERR_NOMEM;
	for (uint32_t o = 0; o < cc->noutputs; o++)
		if (!(k->ccout[o] = calloc(circ_limbs(cc->outputs[o].width), 8)))
			return errf(err, "out of memory"), RT_ERR_NOMEM;
	return RT_OK;
}

/* The two-party protocol between the compute parties, over ch. */
static rt_err run_two(struct compute *k, net_chan *ch)
{
	prg *p = NULL;
	party *pt = NULL;
	rt_err e = prg_new_random(&p);
	if (!e)
		e = party_new_bound(&pt, k->x->cc, (uint32_t)k->side, ch, p, k->x->digest);
	if (!e)
		e = party_run(pt, k->ccin, k->ccout, k->cclearned);
	if (e) {
		const struct sa_party *peer =
		    &k->x->s->p[k->side ? k->x->s->garbler : k->x->s->evaluator];
		errf(k->err, "with the %s %s: %s", role_name(peer->role), peer->name,
		     pt ? party_error(pt) : rt_err_str(e));
	} else {
		party_get_stats(pt, &k->st->run);
	}
	party_free(pt);
	prg_free(p);
	return e;
}

/* The outputs of the program that this compute party may learn itself. */
static void own_outputs(struct compute *k, uint64_t *const *out, bool *learned)
{
	const struct circ_circuit *c = k->x->c;
	int64_t mine = k->x->s_to_c[k->me];
	for (uint32_t o = 0; o < c->noutputs; o++) {
		learned[o] = c->outputs[o].to == CIRC_ALL ||
			     (mine >= 0 && c->outputs[o].to == (uint32_t)mine);
		memcpy(out[o], k->ccout[o], circ_limbs(c->outputs[o].width) * 8);
		if (!learned[o])
			memset(out[o], 0, circ_limbs(c->outputs[o].width) * 8);
	}
}

rt_err sa_compute(sa *x, uint32_t me, int listen_fd, int timeout_ms, uint64_t *const *in,
		  uint64_t *const *out, bool *learned, struct sa_stats *st, char err[SA_ERR_BYTES])
{
	const struct sa_session *s = x->s;
	double t0 = now(), deadline = t0 + timeout_ms / 1000.0;
	struct sa_stats dummy;
	struct compute k;
	rt_err e = compute_init(&k, x, me, st ? st : &dummy, err);
	st = k.st;
	if (e)
		goto out;
	uint32_t peer = k.side ? s->garbler : s->evaluator;
	if (k.side == 1) {
		/* the evaluator connects to the garbler first */
		char why[SA_ERR_BYTES];
		e = dial(x, peer, timeout_ms, timeout_ms, &k.ch[peer], why);
		rt_err verdict = RT_OK;
		if (!e)
			e = send_hello(k.ch[peer], x, s->p[me].name);
		if (!e)
			e = recv_status(k.ch[peer], &verdict, why);
		if (e && k.ch[peer])
			snprintf(why, sizeof(why), "%s", net_chan_errmsg(k.ch[peer]));
		if (e || verdict) {
			errf(err, "the garbler %s %s: %s", s->p[s->garbler].name,
			     e == RT_ERR_AUTH ? "and we did not authenticate each other"
			     : e	      ? "is unreachable"
					      : "refused us",
			     why);
			e = e ? e : verdict;
			goto out;
		}
	}
	char peer_why[SA_ERR_BYTES] = "";
	rt_err peer_verdict = RT_OK;
	bool heard = false;
	e = collect(&k, listen_fd, timeout_ms, deadline, peer, &heard, &peer_verdict, peer_why);
	st->collect_s = now() - t0;
	/* tell each other whether everyone showed up; on an abort, say why */
	if (k.ch[peer] && e) {
		(void)send_status(k.ch[peer], e, err); /* no need to hear back */
	} else if (k.ch[peer]) {
		rt_err re = send_status(k.ch[peer], RT_OK, "");
		if (!re && !heard)
			re = recv_status(k.ch[peer], &peer_verdict, peer_why);
		if (re) {
			e = re;
			errf(err, "the other compute party %s went away (%s)", s->p[peer].name,
			     net_chan_errmsg(k.ch[peer]));
		}
	}
	if (!e && peer_verdict) {
		e = peer_verdict;
		errf(err, "%s: %s", s->p[peer].name, peer_why);
	}
	if (!e)
		e = assemble(&k, in);
	if (e) {
		abort_inputs(&k, e, err);
		goto out;
	}
	e = run_two(&k, k.ch[peer]);
	if (e) {
		abort_inputs(&k, e, err);
		goto out;
	}
	double t1 = now();
	deliver(&k);
	st->deliver_s = now() - t1;
	own_outputs(&k, out, learned);
out:
	compute_free(&k);
	return e;
}

rt_err sa_pair(sa *x, uint32_t me, net_chan *ch, uint64_t *const *in, uint64_t *const *out,
	       bool *learned, struct sa_stats *st, char err[SA_ERR_BYTES])
{
	const struct sa_session *s = x->s;
	for (uint32_t i = 0; i < s->n; i++)
		if (s->p[i].role == SA_INPUT)
			return errf(err, "%s is an input party: run the session with sa_compute",
				    s->p[i].name),
			       RT_ERR_INPUT;
	struct sa_stats dummy;
	struct compute k;
	rt_err e = compute_init(&k, x, me, st ? st : &dummy, err);
	if (!e)
		e = assemble(&k, in);
	if (!e)
		e = run_two(&k, ch);
	if (!e)
		own_outputs(&k, out, learned);
	compute_free(&k);
	return e;
}

/* ---- the input parties ---- */

struct sa_input {
	const sa *x;
	uint32_t me;
	net_chan *ch[2];
	uint64_t **mask; /* per output of c to me: m = m_g ^ m_e */
};

void sa_input_free(sa_input *h)
{
	if (!h)
		return;
	net_chan_free(h->ch[0]);
	net_chan_free(h->ch[1]);
	for (uint32_t o = 0; h->mask && o < h->x->c->noutputs; o++)
		if (h->mask[o])
			secret_free(h->mask[o], circ_limbs(h->x->c->outputs[o].width) * 8);
	free(h->mask);
	free(h);
}

/* The two shares (sh[0] for the garbler, sh[1] for the evaluator) of every input of me, and
 * of a fresh mask per output to me, in the order the compute parties read them. */
static rt_err make_shares(sa_input *h, uint64_t *const *in, prg *p, uint8_t *sh[2])
{
	const sa *x = h->x;
	const struct circ_circuit *c = x->c;
	size_t nl = circ_limbs(CIRC_MAX_WIDTH), pos = 0;
	uint64_t *r = rt_calloc(nl, 8), *t = rt_calloc(nl, 8);
	rt_err e = r && t ? RT_OK : RT_ERR_NOMEM;
	for (uint32_t q = x->mine_at[h->me]; !e && q < x->mine_at[h->me + 1]; q++) {
		uint32_t j = x->mine[q];
		const struct circ_input *ci = &c->inputs[j];
		size_t l = circ_limbs(ci->width);
		e = prg_bytes(p, r, l * 8);
		if (e)
			break;
		clear_top(r, ci->width);
		memcpy(t, in[j], l * 8);
		clear_top(t, ci->width);
		if (x->in[j].kind == IN_SUM) {
			add_mod(t, r, ci->width, true); /* x - r */
		} else {
			for (size_t i = 0; i < l; i++)
				t[i] ^= r[i];
		}
		to_bytes(sh[0] + pos, r, ci->width);
		to_bytes(sh[1] + pos, t, ci->width);
		pos += value_bytes(ci->width);
	}
	for (uint32_t o = 0; !e && o < c->noutputs; o++) {
		const struct circ_output *co = &c->outputs[o];
		if (co->to == CIRC_ALL || x->c_to_s[co->to] != h->me)
			continue;
		size_t l = circ_limbs(co->width);
		h->mask[o] = rt_calloc(l, 8);
		e = h->mask[o] ? prg_bytes(p, r, l * 8) : RT_ERR_NOMEM;
		if (!e)
			e = prg_bytes(p, t, l * 8);
		if (e)
			break;
		clear_top(r, co->width);
		clear_top(t, co->width);
		for (size_t i = 0; i < l; i++)
			h->mask[o][i] = r[i] ^ t[i];
		to_bytes(sh[0] + pos, r, co->width);
		to_bytes(sh[1] + pos, t, co->width);
		pos += value_bytes(co->width);
	}
	if (r)
		secret_free(r, nl * 8);
	if (t)
		secret_free(t, nl * 8);
	return e;
}

rt_err sa_input_start(sa_input **out, const sa *x, uint32_t me, int timeout_ms,
		      uint64_t *const *in, char err[SA_ERR_BYTES])
{
	*out = NULL;
	const struct sa_session *s = x->s;
	if (me >= s->n || s->p[me].role != SA_INPUT)
		return errf(err, "%s is no input party", me < s->n ? s->p[me].name : "?"),
		       RT_ERR_INPUT;
	sa_input *h = calloc(1, sizeof(*h));
	if (!h || !(h->mask = calloc(x->c->noutputs + 1, sizeof(uint64_t *)))) {
		free(h);
		return errf(err, "out of memory"), RT_ERR_NOMEM;
	}
	h->x = x;
	h->me = me;
	double wait_s = 2.0 * timeout_ms / 1000.0 + RESULT_GRACE_MS / 1000.0;
	int wait_ms = wait_s > 86400 ? 86400000 : (int)(wait_s * 1000);
	size_t nb = x->share_bytes[me];
	uint8_t *sh[2] = {rt_alloc(nb + 1), rt_alloc(nb + 1)};
	prg *p = NULL;
	rt_err e = sh[0] && sh[1] ? prg_new_random(&p) : RT_ERR_NOMEM;
	if (!e)
		e = make_shares(h, in, p, sh);
	prg_free(p);
	if (e)
		errf(err, "%s", e == RT_ERR_NOMEM ? "out of memory" : "no randomness");
	/* each compute party gets its share as soon as it has confirmed the circuit: a share
	 * alone says nothing, and neither side waits on the other */
	for (int side = 0; !e && side < 2; side++) {
		uint32_t cp = side ? s->evaluator : s->garbler;
		char why[SA_ERR_BYTES] = "";
		e = dial(x, cp, timeout_ms, wait_ms, &h->ch[side], why);
		if (!e)
			e = send_hello(h->ch[side], x, s->p[me].name);
		rt_err verdict = RT_OK;
		if (!e)
			e = recv_status(h->ch[side], &verdict, why);
		if (!e && !verdict && nb) {
			e = net_send(h->ch[side], sh[side], nb);
			if (!e)
				e = net_flush(h->ch[side]);
		}
		if (e && h->ch[side])
			snprintf(why, sizeof(why), "%s%s", net_chan_errmsg(h->ch[side]),
				 net_chan_closed_before_a_byte(h->ch[side])
				     ? "; " NET_HINT_PEER_WANTS_TLS
				     : "");
		if (e || verdict) {
			errf(err, "the %s %s %s: %s", role_name(s->p[cp].role), s->p[cp].name,
			     e == RT_ERR_AUTH ? "and we did not authenticate each other"
			     : e	      ? "did not answer"
					      : "refused us",
			     why[0] ? why : rt_err_str(e));
			e = e ? e : verdict;
			/* the evaluator may be gone because the session ended: the garbler says why */
			rt_err gv;
			if (side == 1 && net_chan_readable(h->ch[0], SESSION_END_MS) &&
			    recv_status(h->ch[0], &gv, why) == RT_OK && gv != RT_OK) {
				errf(err, "the session ended: %s", why);
				e = gv;
			}
		}
	}
	for (int side = 0; side < 2; side++)
		if (sh[side])
			secret_free(sh[side], nb + 1);
	if (e) {
		sa_input_free(h);
		return e;
	}
	*out = h;
	return RT_OK;
}

rt_err sa_input_finish(sa_input *h, uint64_t *const *out, bool *learned, char err[SA_ERR_BYTES])
{
	const sa *x = h->x;
	const struct sa_session *s = x->s;
	const struct circ_circuit *c = x->c;
	uint8_t *buf[2] = {malloc(value_bytes(CIRC_MAX_WIDTH)), malloc(value_bytes(CIRC_MAX_WIDTH))};
	rt_err e = buf[0] && buf[1] ? RT_OK : RT_ERR_NOMEM;
	if (e)
		errf(err, "out of memory");
	for (int side = 0; !e && side < 2; side++) {
		uint32_t cp = side ? s->evaluator : s->garbler;
		rt_err verdict;
		char why[SA_ERR_BYTES];
		e = recv_status(h->ch[side], &verdict, why);
		if (e)
			errf(err, "the %s %s %s", role_name(s->p[cp].role), s->p[cp].name,
			     e == RT_ERR_TIMEOUT ? "sent no outputs in time" : "went away");
		else if (verdict)
			errf(err, "the session ended: %s", why), e = verdict;
	}
	for (uint32_t o = 0; o < c->noutputs; o++)
		learned[o] = false;
	for (uint32_t o = 0; !e && o < c->noutputs; o++) {
		const struct circ_output *co = &c->outputs[o];
		if (co->to != CIRC_ALL && x->c_to_s[co->to] != h->me)
			continue;
		size_t nb = value_bytes(co->width);
		for (int side = 0; !e && side < 2; side++)
			e = net_recv(h->ch[side], buf[side], nb);
		if (e) {
			errf(err, "a compute party went away while sending the outputs");
			break;
		}
		if (memcmp(buf[0], buf[1], nb) != 0 || !from_bytes(out[o], buf[0], co->width)) {
			errf(err, "the compute parties disagree on '%s'", co->name);
			e = RT_ERR_PROTOCOL;
			break;
		}
		if (h->mask[o])
			for (size_t i = 0; i < circ_limbs(co->width); i++)
				out[o][i] ^= h->mask[o][i];
		learned[o] = true;
	}
	free(buf[0]);
	free(buf[1]);
	sa_input_free(h);
	return e;
}
