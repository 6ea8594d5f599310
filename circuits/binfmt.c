/* binfmt.c: mpcc's binary circuit format (circuits/FORMAT.md) and the circuit identity.
 *
 * Writing encodes the body through a small buffer that feeds both the FILE and a SHA-256; the
 * hash is the trailer and the circuit's identity (circ_identity encodes without a FILE).
 * Reading is a stream: a 64 KiB window over the FILE, hashed as it is consumed, so the
 * interface can be read first and the gates handed out in chunks. Every count is checked
 * before it sizes an allocation or indexes anything.
 */
#include "circuit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

_Static_assert(GATE_KIND_COUNT <= 4, "a gate's kind is stored in 2 bits");

static const uint8_t MAGIC[8] = {'M', 'P', 'C', 'C', 'I', 'R', 'C', 0};
enum { VERSION = 1, WBUF = 1 << 16, RBUF = 1 << 16 };

/* ---- writing ---- */

struct enc {
	FILE *f; /* NULL: hash only */
	EVP_MD_CTX *md;
	size_t n;
	bool failed;
	uint8_t buf[WBUF];
};

static void enc_flush(struct enc *e)
{
	if (e->n == 0)
		return;
	if (EVP_DigestUpdate(e->md, e->buf, e->n) != 1)
		e->failed = true;
	if (e->f && fwrite(e->buf, 1, e->n, e->f) != e->n)
		e->failed = true;
	e->n = 0;
}

static void enc_bytes(struct enc *e, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n > 0) {
		if (e->n == WBUF)
			enc_flush(e);
		size_t k = WBUF - e->n < n ? WBUF - e->n : n;
		memcpy(e->buf + e->n, b, k);
		e->n += k;
		b += k;
		n -= k;
	}
}

static void enc_u8(struct enc *e, uint8_t v)
{
	enc_bytes(e, &v, 1);
}

static void enc_u32(struct enc *e, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	enc_bytes(e, b, 4);
}

static void enc_u64(struct enc *e, uint64_t v)
{
	enc_u32(e, (uint32_t)v);
	enc_u32(e, (uint32_t)(v >> 32));
}

/* LEB128: 7 bits a byte, low first, the top bit set on all but the last. */
static void enc_varint(struct enc *e, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;
	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	enc_bytes(e, b, n);
}

static void enc_str(struct enc *e, const char *s)
{
	size_t n = strlen(s);
	enc_u8(e, (uint8_t)n);
	enc_bytes(e, s, n);
}

/* Encodes c's body into e and finishes the hash into id. */
static int encode(const struct circ_circuit *c, struct enc *e, uint8_t id[32],
		  struct circ_err *err)
{
	if (circ_validate(c, err) != 0)
		return -1;
	uint32_t *lead = malloc(sizeof(uint32_t) * ((size_t)c->ninputs + 1));
	if (!lead || circ_input_leads(c, lead) != 0) {
		free(lead);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	e->md = EVP_MD_CTX_new();
	if (!e->md || EVP_DigestInit_ex(e->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(e->md);
		free(lead);
		snprintf(err->msg, sizeof(err->msg), "SHA-256 is unavailable");
		return -1;
	}
	enc_bytes(e, MAGIC, sizeof(MAGIC));
	enc_u32(e, VERSION);
	enc_u32(e, c->nparties);
	for (uint32_t i = 0; i < c->nparties; i++)
		enc_str(e, c->parties[i]);
	enc_u32(e, c->ninputs);
	for (uint32_t i = 0; i < c->ninputs; i++) {
		enc_str(e, c->inputs[i].name);
		enc_u32(e, c->inputs[i].width);
		enc_u32(e, c->inputs[i].flags);
		enc_u32(e, c->inputs[i].party);
		if (c->inputs[i].flags & CIRC_SUM)
			enc_u32(e, lead[i]); /* the group's first input */
	}
	free(lead);
	enc_u32(e, c->noutputs);
	for (uint32_t i = 0; i < c->noutputs; i++) {
		enc_str(e, c->outputs[i].name);
		enc_u32(e, c->outputs[i].width);
		enc_u32(e, c->outputs[i].flags);
		enc_u32(e, c->outputs[i].to);
	}
	for (uint32_t k = 0; k < c->nout_bits; k++)
		enc_u32(e, c->output_wires[k]);
	enc_u64(e, c->ngates);
	for (uint64_t g = 0; g < c->ngates; g++) {
		const struct circ_gate *gt = &c->gates[g];
		uint64_t w = c->nin_bits + g;
		unsigned ar = circ_gate_arity(gt->kind);
		/* head: (distance back to a, or the constant) << 2 | kind; then distance to b */
		uint64_t head = ar >= 1 ? w - gt->a : gt->kind == GATE_CONST ? gt->a : 0;
		enc_varint(e, head << 2 | gt->kind);
		if (ar >= 2)
			enc_varint(e, w - gt->b);
	}
	enc_flush(e);
	unsigned int len = 0;
	if (EVP_DigestFinal_ex(e->md, id, &len) != 1 || len != 32)
		e->failed = true;
	EVP_MD_CTX_free(e->md);
	if (e->failed) {
		snprintf(err->msg, sizeof(err->msg), "write error: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int circ_write_binary(const struct circ_circuit *c, FILE *f, struct circ_err *err)
{
	struct enc *e = calloc(1, sizeof(*e));
	uint8_t id[32];
	if (!e) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	e->f = f;
	int rc = encode(c, e, id, err);
	free(e);
	if (rc == 0 && (fwrite(id, 1, 32, f) != 32 || fflush(f) != 0)) {
		snprintf(err->msg, sizeof(err->msg), "write error: %s", strerror(errno));
		rc = -1;
	}
	return rc;
}

int circ_identity(const struct circ_circuit *c, uint8_t out[32])
{
	struct circ_err err;
	struct enc *e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	int rc = encode(c, e, out, &err);
	free(e);
	return rc;
}

/* ---- reading ---- */

struct circ_stream {
	FILE *f;
	const char *fname;
	EVP_MD_CTX *md;
	uint64_t off;       /* file offset of buf[pos] */
	size_t pos, len;    /* window buf[pos, len) is unread */
	size_t hashed;      /* buf[hashed, pos) is read but not yet hashed */
	uint64_t gates_left;
	uint64_t next_wire; /* the wire the next gate defines */
	bool eof, done;
	uint8_t buf[RBUF];
};

static int sfail(struct circ_stream *s, struct circ_err *err, const char *fmt, ...)
{
	char msg[CIRC_ERR_LEN - 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err->msg, sizeof(err->msg), "%s: byte %llu: %s", s->fname,
		 (unsigned long long)s->off, msg);
	return -1;
}

/* Makes n (<= 4096) contiguous unread bytes available; -1 at a short file. */
static int need(struct circ_stream *s, size_t n, struct circ_err *err)
{
	if (s->len - s->pos >= n)
		return 0;
	if (s->hashed < s->pos && EVP_DigestUpdate(s->md, s->buf + s->hashed,
						   s->pos - s->hashed) != 1)
		return sfail(s, err, "SHA-256 failed");
	memmove(s->buf, s->buf + s->pos, s->len - s->pos);
	s->len -= s->pos;
	s->pos = s->hashed = 0;
	while (s->len < n && !s->eof) {
		size_t k = fread(s->buf + s->len, 1, RBUF - s->len, s->f);
		if (k == 0) {
			if (ferror(s->f))
				return sfail(s, err, "read error: %s", strerror(errno));
			s->eof = true;
		}
		s->len += k;
	}
	if (s->len < n)
		return sfail(s, err, "the file ends early (truncated?)");
	return 0;
}

static uint32_t get_u32(struct circ_stream *s)
{
	const uint8_t *b = s->buf + s->pos;
	s->pos += 4;
	s->off += 4;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static int rd_u32(struct circ_stream *s, uint32_t *v, struct circ_err *err)
{
	if (need(s, 4, err))
		return -1;
	*v = get_u32(s);
	return 0;
}

static int rd_str(struct circ_stream *s, char out[CIRC_MAX_NAME + 1], const char *what,
		  struct circ_err *err)
{
	if (need(s, 1, err))
		return -1;
	size_t n = s->buf[s->pos];
	if (n == 0)
		return sfail(s, err, "%s has an empty name", what);
	s->pos++;
	s->off++;
	if (need(s, n, err))
		return -1;
	memcpy(out, s->buf + s->pos, n);
	out[n] = '\0';
	s->pos += n;
	s->off += n;
	if (memchr(out, '\0', n))
		return sfail(s, err, "%s has a NUL in its name", what);
	return 0;
}

void circ_stream_close(struct circ_stream *s)
{
	if (!s)
		return;
	EVP_MD_CTX_free(s->md);
	free(s);
}

static int read_interface(struct circ_stream *s, struct circ_circuit *c, struct circ_err *err)
{
	char name[CIRC_MAX_NAME + 1];
	uint32_t n, v;
	if (need(s, 8, err))
		return sfail(s, err, "not an mpcc circuit (too short)");
	if (memcmp(s->buf + s->pos, MAGIC, 8) != 0)
		return sfail(s, err, "not an mpcc binary circuit (bad magic)");
	s->pos += 8;
	s->off += 8;
	if (rd_u32(s, &v, err))
		return -1;
	if (v != VERSION)
		return sfail(s, err, "format version %u is not supported (this mpcc reads %u)", v,
			     VERSION);
	/* Each record below takes at least 2 bytes of file, so the counts cannot make us
	 * allocate more than a small multiple of what the file holds; the builder's own limits
	 * stop the rest. */
	if (rd_u32(s, &n, err))
		return -1;
	if (n > 1u << 20)
		return sfail(s, err, "%u parties is too many", n);
	for (uint32_t i = 0; i < n; i++) {
		if (rd_str(s, name, "a party", err))
			return -1;
		if (circ_add_party(c, name) < 0)
			return sfail(s, err, "out of memory");
	}
	if (rd_u32(s, &n, err))
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t width, flags, party;
		if (rd_str(s, name, "an input", err) || rd_u32(s, &width, err) ||
		    rd_u32(s, &flags, err) || rd_u32(s, &party, err))
			return -1;
		if (width == 0 || width > CIRC_MAX_WIDTH)
			return sfail(s, err, "input '%s' has width %u", name, width);
		if (party >= c->nparties)
			return sfail(s, err, "input '%s' names party %u of %u", name, party,
				     c->nparties);
		uint32_t with = i;
		if ((flags & CIRC_SUM) && rd_u32(s, &with, err))
			return -1;
		if (with > i)
			return sfail(s, err, "input '%s' joins the sum of input %u, not yet read",
				     name, with);
		int64_t k = with == i ? circ_add_input(c, name, width, flags, party)
				      : circ_add_sum_input(c, name, width, flags, party, with);
		if (k < 0 && with != i)
			return sfail(s, err, "input '%s' cannot join the sum of input %u", name,
				     with);
		if (k < 0)
			return sfail(s, err, "input '%s' does not fit (too many input bits?)",
				     name);
	}
	if (rd_u32(s, &n, err))
		return -1;
	uint64_t obits = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t width, flags, to;
		if (rd_str(s, name, "an output", err) || rd_u32(s, &width, err) ||
		    rd_u32(s, &flags, err) || rd_u32(s, &to, err))
			return -1;
		if (width == 0 || width > CIRC_MAX_WIDTH)
			return sfail(s, err, "output '%s' has width %u", name, width);
		if (to != CIRC_ALL && to >= c->nparties)
			return sfail(s, err, "output '%s' names party %u of %u", name, to,
				     c->nparties);
		obits += width;
		if (obits >= CIRC_MAX_WIRES)
			return sfail(s, err, "too many output bits");
		/* the wires follow the records; they are read into place below */
		if (circ_add_output(c, name, width, flags, to, NULL) < 0)
			return sfail(s, err, "out of memory");
	}
	for (uint32_t k = 0; k < c->nout_bits; k++)
		if (rd_u32(s, &c->output_wires[k], err))
			return -1;
	return 0;
}

int circ_stream_open(struct circ_stream **out, struct circ_circuit **iface, FILE *f,
		     const char *fname, struct circ_err *err)
{
	struct circ_stream *s = calloc(1, sizeof(*s));
	struct circ_circuit *c = circ_new();
	if (!s || !c) {
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", fname);
		goto fail;
	}
	s->f = f;
	s->fname = fname;
	s->md = EVP_MD_CTX_new();
	if (!s->md || EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1) {
		snprintf(err->msg, sizeof(err->msg), "%s: SHA-256 is unavailable", fname);
		goto fail;
	}
	if (read_interface(s, c, err))
		goto fail;
	if (need(s, 8, err))
		goto fail;
	uint64_t ng = (uint64_t)get_u32(s);
	ng |= (uint64_t)get_u32(s) << 32;
	if (ng >= CIRC_MAX_WIRES || (uint64_t)c->nin_bits + ng >= CIRC_MAX_WIRES) {
		sfail(s, err, "%llu gates is too many", (unsigned long long)ng);
		goto fail;
	}
	c->ngates = ng;
	for (uint64_t k = 0; k < c->nout_bits; k++)
		if (c->output_wires[k] >= circ_nwires(c)) {
			sfail(s, err, "output bit %llu names wire %u, past the last wire",
			      (unsigned long long)k, c->output_wires[k]);
			goto fail;
		}
	s->gates_left = ng;
	s->next_wire = c->nin_bits;
	*out = s;
	*iface = c;
	return 0;
fail:
	circ_free(c);
	circ_stream_close(s);
	return -1;
}

/* Checks the trailer once the last gate is read. */
static int finish(struct circ_stream *s, struct circ_err *err)
{
	uint8_t want[32];
	unsigned int len = 0;
	if (s->hashed < s->pos &&
	    EVP_DigestUpdate(s->md, s->buf + s->hashed, s->pos - s->hashed) != 1)
		return sfail(s, err, "SHA-256 failed");
	s->hashed = s->pos;
	if (EVP_DigestFinal_ex(s->md, want, &len) != 1)
		return sfail(s, err, "SHA-256 failed");
	if (need(s, 32, err))
		return sfail(s, err, "the file ends before its checksum (truncated?)");
	if (memcmp(s->buf + s->pos, want, 32) != 0)
		return sfail(s, err, "checksum mismatch: the file is corrupt");
	s->pos += 32;
	s->off += 32;
	s->hashed = s->pos;
	if (s->len > s->pos || (!s->eof && fgetc(s->f) != EOF))
		return sfail(s, err, "unexpected bytes after the end of the circuit");
	return 0;
}

/* Reads a LEB128 varint of at most 5 bytes (a 32-bit value and 2 more bits) from the window,
 * which holds at least 5 unread bytes or the rest of the file; -1 when malformed. */
static int get_varint(struct circ_stream *s, uint64_t *v)
{
	uint64_t x = 0;
	for (int i = 0; i < 5; i++) {
		if (s->pos == s->len)
			return -1;
		uint8_t b = s->buf[s->pos++];
		s->off++;
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

int64_t circ_stream_read(struct circ_stream *s, struct circ_gate *buf, size_t max,
			 struct circ_err *err)
{
	size_t n = 0;
	while (n < max && s->gates_left > 0) {
		/* a gate is at most 10 bytes; near the end of the file need() may give fewer */
		if (s->len - s->pos < 10 && need(s, 10, err) && need(s, 1, err))
			return -1;
		uint64_t w = s->next_wire, head, db = 0;
		if (get_varint(s, &head))
			return sfail(s, err, "the gate defining wire %llu is malformed",
				     (unsigned long long)w);
		struct circ_gate g = {.kind = (uint32_t)(head & 3)};
		uint64_t da = head >> 2;
		unsigned ar = circ_gate_arity(g.kind);
		if (ar >= 2 && get_varint(s, &db))
			return sfail(s, err, "the gate defining wire %llu is malformed",
				     (unsigned long long)w);
		if (ar == 0) {
			if (da > 1)
				return sfail(s, err, "constant %llu is not 0 or 1",
					     (unsigned long long)da);
			g.a = (uint32_t)da;
		} else if (da == 0 || da > w || (ar >= 2 && (db == 0 || db > w))) {
			return sfail(s, err, "the gate defining wire %llu reads a wire not yet "
					     "defined",
				     (unsigned long long)w);
		} else {
			g.a = (uint32_t)(w - da);
			g.b = ar >= 2 ? (uint32_t)(w - db) : 0;
		}
		buf[n++] = g;
		s->next_wire++;
		s->gates_left--;
	}
	if (s->gates_left == 0 && n < max && !s->done) {
		if (finish(s, err))
			return -1;
		s->done = true;
	}
	return (int64_t)n;
}

int circ_read_binary(struct circ_circuit **out, FILE *f, const char *fname, struct circ_err *err)
{
	struct circ_stream *s;
	struct circ_circuit *c;
	if (circ_stream_open(&s, &c, f, fname, err))
		return -1;
	/* Trust the header's count for at most 2^20 gates (12 MiB) up front, then grow as
	 * gates arrive, so a false count cannot make us allocate much. */
	uint64_t ng = c->ngates;
	c->ngates = 0;
	for (;;) {
		uint64_t want = c->gates_cap ? c->gates_cap * 2 : ng < (1u << 20) ? ng + 1 : 1u << 20;
		if (c->ngates == c->gates_cap && circ_reserve_gates(c, want) != 0) {
			sfail(s, err, "out of memory");
			goto fail;
		}
		int64_t k = circ_stream_read(s, c->gates + c->ngates,
					     (size_t)(c->gates_cap - c->ngates), err);
		if (k < 0)
			goto fail;
		if (k == 0)
			break;
		c->ngates += (uint64_t)k;
	}
	struct circ_err verr; /* the stream checked every gate */
	if (circ_validate_interface(c, &verr) != 0) {
		snprintf(err->msg, sizeof(err->msg), "%.200s: %.300s", fname, verr.msg);
		goto fail;
	}
	circ_stream_close(s);
	*out = c;
	return 0;
fail:
	circ_stream_close(s);
	circ_free(c);
	return -1;
}
