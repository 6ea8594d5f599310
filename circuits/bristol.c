/* bristol.c: Bristol Fashion circuits in and out.
 *
 * Reading: the whole file is read into memory and scanned line by line with a small
 * hand-written tokenizer (a 3.5 MB SHA-256 circuit reads in a few milliseconds). Bristol wire
 * numbers are mapped onto our single-assignment numbering (gate g defines wire nin_bits + g);
 * EQW becomes an alias and EQ a CONST gate, MAND a run of ANDs. Everything is checked, with the
 * line number: header counts against the file's size before any allocation, wire ranges, use
 * before definition, double assignment, the gate count, the outputs, trailing garbage.
 *
 * The older Bristol format (2012: "n1 n2 n3" on line 2, no output line) is recognised by its
 * second line having three numbers followed directly by a gate line.
 *
 * Writing: inputs keep wires 0.., gates follow in order, and the gates that produce outputs are
 * numbered last so outputs sit on the highest wires, as the format requires. An output that
 * repeats a wire, or is an input, gets an EQW copy.
 */
#include "circuit.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define NO_WIRE UINT32_MAX

struct scan {
	const char *p, *end;
	uint64_t line;
	const char *fname;
	struct circ_err *err;
};

static int scan_fail(struct scan *s, const char *fmt, ...)
{
	char msg[CIRC_ERR_LEN - 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(s->err->msg, sizeof(s->err->msg), "%s:%llu: %s", s->fname,
		 (unsigned long long)s->line, msg);
	return -1;
}

static void skip_blanks(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r'))
		s->p++;
}

/* Skips blank lines; leaves p at the first token of the next non-empty line (or end). */
static void skip_empty_lines(struct scan *s)
{
	for (;;) {
		skip_blanks(s);
		if (s->p < s->end && *s->p == '\n') {
			s->p++;
			s->line++;
			continue;
		}
		return;
	}
}

/* Length of the token at p, for messages (the buffer ends with a NUL). */
static int token_len(const char *p)
{
	int n = 0;
	while (p[n] && !isspace((unsigned char)p[n]) && n < 24)
		n++;
	return n;
}

static bool at_eol(struct scan *s)
{
	skip_blanks(s);
	return s->p >= s->end || *s->p == '\n';
}

/* Consumes the end of the current line; anything else there is an error. */
static int expect_eol(struct scan *s)
{
	if (!at_eol(s))
		return scan_fail(s, "unexpected '%.*s' at the end of the line", token_len(s->p),
				 s->p);
	if (s->p < s->end) {
		s->p++;
		s->line++;
	}
	return 0;
}

static int read_u64(struct scan *s, uint64_t *out, const char *what)
{
	skip_blanks(s);
	if (s->p >= s->end || *s->p == '\n')
		return scan_fail(s, "expected %s, found the end of the line", what);
	if (!isdigit((unsigned char)*s->p))
		return scan_fail(s, "expected %s, found '%.*s'", what, token_len(s->p), s->p);
	const char *b = s->p;
	uint64_t v = 0;
	while (s->p < s->end && isdigit((unsigned char)*s->p)) {
		unsigned d = (unsigned)(*s->p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return scan_fail(s, "%s is too large", what);
		v = v * 10 + d;
		s->p++;
	}
	if (s->p < s->end && !isspace((unsigned char)*s->p))
		return scan_fail(s, "expected %s, found '%.*s'", what, token_len(b), b);
	*out = v;
	return 0;
}

/* Reads the rest of a line of numbers into v (at most max); returns how many, or -1. */
static int64_t read_numbers(struct scan *s, uint64_t *v, size_t max)
{
	size_t n = 0;
	while (!at_eol(s)) {
		if (n == max)
			return scan_fail(s, "too many numbers on this line");
		if (read_u64(s, &v[n], "a number") != 0)
			return -1;
		n++;
	}
	return (int64_t)n;
}

/* The word ending a gate line. */
static int read_word(struct scan *s, const char **w, size_t *len)
{
	skip_blanks(s);
	const char *b = s->p;
	while (s->p < s->end && !isspace((unsigned char)*s->p))
		s->p++;
	if (s->p == b)
		return scan_fail(s, "expected a gate type, found the end of the line");
	*w = b;
	*len = (size_t)(s->p - b);
	return 0;
}

static bool word_is(const char *w, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(w, lit, len) == 0;
}

/* Does the line at p end with a word (a gate line) rather than a number? */
static bool line_ends_with_word(const char *p, const char *end)
{
	const char *e = p;
	while (e < end && *e != '\n')
		e++;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	return e > p && isalpha((unsigned char)e[-1]);
}

struct reader {
	struct scan s;
	struct circ_circuit *c;
	uint32_t *map; /* Bristol wire -> our wire, NO_WIRE while undefined */
	uint64_t nwires;
	uint32_t nin_bits;
};

static int wire_in(struct reader *r, uint64_t w, uint32_t *out)
{
	if (w >= r->nwires)
		return scan_fail(&r->s, "wire %llu is out of range (the circuit has %llu wires)",
				 (unsigned long long)w, (unsigned long long)r->nwires);
	if (r->map[w] == NO_WIRE)
		return scan_fail(&r->s, "wire %llu is read before it is assigned",
				 (unsigned long long)w);
	*out = r->map[w];
	return 0;
}

static int wire_out(struct reader *r, uint64_t w, uint32_t ours)
{
	if (w >= r->nwires)
		return scan_fail(&r->s, "wire %llu is out of range (the circuit has %llu wires)",
				 (unsigned long long)w, (unsigned long long)r->nwires);
	if (w < r->nin_bits)
		return scan_fail(&r->s, "wire %llu is an input and cannot be assigned",
				 (unsigned long long)w);
	if (r->map[w] != NO_WIRE)
		return scan_fail(&r->s, "wire %llu is assigned twice", (unsigned long long)w);
	r->map[w] = ours;
	return 0;
}

static int add_gate(struct reader *r, enum circ_gate_kind k, uint32_t a, uint32_t b,
		    uint32_t *out)
{
	int64_t w = circ_add_gate(r->c, k, a, b);
	if (w < 0)
		return scan_fail(&r->s, "out of memory");
	*out = (uint32_t)w;
	return 0;
}

enum { MAX_LINE_NUMBERS = 1 << 16 };

/* One gate line: "#in #out in... out... TYPE". */
static int read_gate(struct reader *r, uint64_t *nums)
{
	struct scan *s = &r->s;
	uint64_t nin, nout;
	if (read_u64(s, &nin, "the gate's input count") != 0 ||
	    read_u64(s, &nout, "the gate's output count") != 0)
		return -1;
	if (nin + nout > MAX_LINE_NUMBERS || nin > MAX_LINE_NUMBERS || nout > MAX_LINE_NUMBERS)
		return scan_fail(s, "a gate with %llu inputs and %llu outputs is too large",
				 (unsigned long long)nin, (unsigned long long)nout);
	for (uint64_t i = 0; i < nin + nout; i++)
		if (read_u64(s, &nums[i], "a wire number") != 0)
			return -1;
	const char *w = NULL;
	size_t len = 0;
	if (read_word(s, &w, &len) != 0)
		return -1;
	uint32_t a = 0, b = 0, o = 0;
	if (word_is(w, len, "XOR") || word_is(w, len, "AND")) {
		if (nin != 2 || nout != 1)
			return scan_fail(s, "%.*s takes 2 inputs and 1 output, not %llu and %llu",
					 (int)len, w, (unsigned long long)nin,
					 (unsigned long long)nout);
		if (wire_in(r, nums[0], &a) || wire_in(r, nums[1], &b) ||
		    add_gate(r, w[0] == 'X' ? GATE_XOR : GATE_AND, a, b, &o))
			return -1;
		return wire_out(r, nums[2], o);
	}
	if (word_is(w, len, "INV") || word_is(w, len, "NOT") || word_is(w, len, "EQW") ||
	    word_is(w, len, "EQ")) {
		if (nin != 1 || nout != 1)
			return scan_fail(s, "%.*s takes 1 input and 1 output, not %llu and %llu",
					 (int)len, w, (unsigned long long)nin,
					 (unsigned long long)nout);
		if (word_is(w, len, "EQ")) {
			if (nums[0] > 1)
				return scan_fail(s, "EQ takes a constant 0 or 1, not %llu",
						 (unsigned long long)nums[0]);
			if (add_gate(r, GATE_CONST, (uint32_t)nums[0], 0, &o))
				return -1;
			return wire_out(r, nums[1], o);
		}
		if (wire_in(r, nums[0], &a))
			return -1;
		if (word_is(w, len, "EQW"))
			return wire_out(r, nums[1], a);
		if (add_gate(r, GATE_NOT, a, 0, &o))
			return -1;
		return wire_out(r, nums[1], o);
	}
	if (word_is(w, len, "MAND")) {
		if (nout == 0 || nin != 2 * nout)
			return scan_fail(s, "MAND takes 2n inputs and n outputs, not %llu and %llu",
					 (unsigned long long)nin, (unsigned long long)nout);
		/* All inputs are read before any output is assigned. */
		for (uint64_t i = 0; i < nin; i++)
			if (wire_in(r, nums[i], &a))
				return -1;
		for (uint64_t i = 0; i < nout; i++) {
			if (wire_in(r, nums[i], &a) || wire_in(r, nums[nout + i], &b) ||
			    add_gate(r, GATE_AND, a, b, &o) || wire_out(r, nums[nin + i], o))
				return -1;
		}
		return 0;
	}
	return scan_fail(s, "unknown gate type '%.*s'", (int)(len > 32 ? 32 : len), w);
}

static int read_body(struct reader *r, const struct circ_bristol_opts *opts)
{
	struct scan *s = &r->s;
	/* one buffer: a gate line's numbers, then the input widths, then the output widths */
	uint64_t *nums = malloc(sizeof(uint64_t) * (MAX_LINE_NUMBERS * 4 + 2));
	uint64_t *in_w = nums + MAX_LINE_NUMBERS * 2 + 2, *out_w = in_w + MAX_LINE_NUMBERS;
	uint64_t ngates, nwires;
	int64_t niv = 0, nov = 0;
	int rc = -1;
	if (!nums)
		return scan_fail(s, "out of memory");

	skip_empty_lines(s);
	uint64_t line1 = s->line;
	if (read_u64(s, &ngates, "the gate count") || read_u64(s, &nwires, "the wire count") ||
	    expect_eol(s))
		goto out;
	skip_empty_lines(s);
	uint64_t line2 = s->line, line3 = s->line;
	int64_t n2 = read_numbers(s, nums, MAX_LINE_NUMBERS);
	if (n2 < 0 || expect_eol(s))
		goto out;
	skip_empty_lines(s);
	if (n2 == 3 && line_ends_with_word(s->p, s->end)) {
		/* the older format: "n1 n2 n3", two inputs (a zero width means none), one output */
		for (int i = 0; i < 2; i++)
			if (nums[i] > 0)
				in_w[niv++] = nums[i];
		nov = 1;
		out_w[0] = nums[2];
	} else {
		if (n2 < 1 || nums[0] != (uint64_t)(n2 - 1)) {
			s->line = line2;
			scan_fail(s, "expected the input count and one width per input");
			goto out;
		}
		niv = n2 - 1;
		memcpy(in_w, nums + 1, sizeof(uint64_t) * (size_t)niv);
		line3 = s->line;
		nov = read_numbers(s, nums, MAX_LINE_NUMBERS);
		if (nov < 0 || expect_eol(s))
			goto out;
		if (nov < 1 || nums[0] != (uint64_t)(nov - 1)) {
			s->line = line3;
			scan_fail(s, "expected the output count and one width per output");
			goto out;
		}
		nov--;
		memcpy(out_w, nums + 1, sizeof(uint64_t) * (size_t)nov);
	}

	/* Sizes, checked against the file before allocating anything for them; errors name the
	 * header line at fault. */
	uint64_t in_bits = 0, out_bits = 0, gates_line = s->line;
	s->line = line2;
	for (int64_t i = 0; i < niv; i++) {
		if (in_w[i] == 0 || in_w[i] > CIRC_MAX_WIDTH) {
			scan_fail(s, "input %lld has width %llu (1 to %u allowed)", (long long)i,
				  (unsigned long long)in_w[i], CIRC_MAX_WIDTH);
			goto out;
		}
		in_bits += in_w[i];
	}
	s->line = line3;
	for (int64_t i = 0; i < nov; i++) {
		if (out_w[i] == 0 || out_w[i] > CIRC_MAX_WIDTH) {
			scan_fail(s, "output %lld has width %llu (1 to %u allowed)", (long long)i,
				  (unsigned long long)out_w[i], CIRC_MAX_WIDTH);
			goto out;
		}
		out_bits += out_w[i];
	}
	s->line = line1;
	uint64_t size = (uint64_t)(s->end - s->p);
	/* a gate line is at least 11 bytes ("1 1 0 1 EQ\n"), and defines at most
	 * (bytes/2) wires */
	if (ngates > size / 8 + 1) {
		scan_fail(s, "the header promises %llu gates, more than the file can hold",
			  (unsigned long long)ngates);
		goto out;
	}
	if (nwires >= CIRC_MAX_WIRES || nwires > in_bits + size / 2 + 1) {
		scan_fail(s, "the header promises %llu wires, more than the file can define",
			  (unsigned long long)nwires);
		goto out;
	}
	if (in_bits + out_bits > nwires || in_bits > nwires) {
		scan_fail(s, "inputs and outputs need %llu + %llu wires but the header says %llu",
			  (unsigned long long)in_bits, (unsigned long long)out_bits,
			  (unsigned long long)nwires);
		goto out;
	}

	s->line = gates_line;
	r->nwires = nwires;
	r->nin_bits = (uint32_t)in_bits;
	r->map = malloc(sizeof(uint32_t) * (nwires ? nwires : 1));
	if (!r->map || circ_reserve_gates(r->c, ngates) != 0) {
		scan_fail(s, "out of memory");
		goto out;
	}
	memset(r->map, 0xff, sizeof(uint32_t) * nwires);

	for (int p = 0; p < 2; p++) { /* p0 and p1 at least, more if opts asks */
		char name[16];
		snprintf(name, sizeof(name), "p%d", p);
		if (circ_add_party(r->c, name) < 0) {
			scan_fail(s, "out of memory");
			goto out;
		}
	}
	for (int64_t i = 0; i < niv; i++) {
		char name[32];
		uint32_t party = (uint32_t)(i % 2);
		if (opts && (uint64_t)i < opts->ninput_party)
			party = opts->input_party[i];
		if (party > 255) {
			scan_fail(s, "input %lld: party %u is out of range", (long long)i, party);
			goto out;
		}
		while (party >= r->c->nparties) {
			snprintf(name, sizeof(name), "p%u", r->c->nparties);
			if (circ_add_party(r->c, name) < 0) {
				scan_fail(s, "out of memory");
				goto out;
			}
		}
		snprintf(name, sizeof(name), "in%lld", (long long)i);
		if (circ_add_input(r->c, name, (uint32_t)in_w[i], 0, party) < 0) {
			scan_fail(s, "out of memory");
			goto out;
		}
	}
	for (uint32_t w = 0; w < in_bits; w++)
		r->map[w] = w;

	uint64_t lines = 0;
	for (;;) {
		skip_empty_lines(s);
		if (s->p >= s->end)
			break;
		if (lines == ngates) {
			scan_fail(s, "more gate lines than the %llu the header promises "
				     "(or trailing garbage)",
				  (unsigned long long)ngates);
			goto out;
		}
		if (read_gate(r, nums) != 0 || expect_eol(s))
			goto out;
		lines++;
	}
	if (lines != ngates) {
		scan_fail(s, "the header promises %llu gates but the file has %llu",
			  (unsigned long long)ngates, (unsigned long long)lines);
		goto out;
	}

	/* Outputs are the highest-numbered wires, output 0 first. */
	uint32_t *ow = malloc(sizeof(uint32_t) * (out_bits ? out_bits : 1));
	if (!ow) {
		scan_fail(s, "out of memory");
		goto out;
	}
	uint64_t base = nwires - out_bits;
	for (uint64_t k = 0; k < out_bits; k++) {
		ow[k] = r->map[base + k];
		if (ow[k] == NO_WIRE) {
			scan_fail(s, "output wire %llu is never assigned",
				  (unsigned long long)(base + k));
			free(ow);
			goto out;
		}
	}
	uint64_t off = 0;
	for (int64_t i = 0; i < nov; i++) {
		char name[32];
		snprintf(name, sizeof(name), "out%lld", (long long)i);
		if (circ_add_output(r->c, name, (uint32_t)out_w[i], 0, CIRC_ALL, ow + off) < 0) {
			scan_fail(s, "out of memory");
			free(ow);
			goto out;
		}
		off += out_w[i];
	}
	free(ow);
	rc = 0;
out:
	free(nums);
	return rc;
}

int circ_read_bristol(struct circ_circuit **out, FILE *f, const char *fname,
		      const struct circ_bristol_opts *opts, struct circ_err *err)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1);
	if (!buf) {
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", fname);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			char *nb = cap > SIZE_MAX / 4 ? NULL : realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				snprintf(err->msg, sizeof(err->msg), "%s: out of memory", fname);
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err->msg, sizeof(err->msg), "%s: read error: %s", fname, strerror(errno));
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		snprintf(err->msg, sizeof(err->msg), "%s: binary data in a text circuit", fname);
		free(buf);
		return -1;
	}

	struct reader r = {.s = {.p = buf, .end = buf + len, .line = 1, .fname = fname,
				 .err = err}};
	r.c = circ_new();
	int rc = r.c ? read_body(&r, opts) : scan_fail(&r.s, "out of memory");
	free(r.map);
	free(buf);
	if (rc == 0) {
		struct circ_err verr;
		if (circ_validate(r.c, &verr) != 0) {
			snprintf(err->msg, sizeof(err->msg), "%.200s: %.300s", fname, verr.msg);
			rc = -1;
		}
	}
	if (rc != 0) {
		circ_free(r.c);
		return -1;
	}
	*out = r.c;
	return 0;
}

int circ_write_bristol(const struct circ_circuit *c, FILE *f, struct circ_err *err)
{
	uint64_t nwires = circ_nwires(c);
	uint32_t *id = malloc(sizeof(uint32_t) * (nwires ? nwires : 1));
	uint8_t *copy = calloc(c->nout_bits ? c->nout_bits : 1, 1);
	int rc = -1;
	if (!id || !copy) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		goto out;
	}
	memset(id, 0xff, sizeof(uint32_t) * nwires);
	uint64_t ncopies = 0;
	for (uint32_t k = 0; k < c->nout_bits; k++) {
		uint32_t w = c->output_wires[k];
		if (w < c->nin_bits || id[w] != NO_WIRE) {
			copy[k] = 1;
			ncopies++;
		} else {
			id[w] = 0; /* claimed; numbered below */
		}
	}
	uint64_t total = nwires + ncopies;
	uint64_t base = total - c->nout_bits;
	for (uint32_t k = 0; k < c->nout_bits; k++)
		if (!copy[k])
			id[c->output_wires[k]] = (uint32_t)(base + k);
	uint64_t next = c->nin_bits;
	for (uint32_t w = 0; w < c->nin_bits; w++)
		id[w] = w;
	for (uint64_t g = 0; g < c->ngates; g++) {
		uint64_t w = c->nin_bits + g;
		if (id[w] == NO_WIRE)
			id[w] = (uint32_t)next++;
	}

	/* a sum group is one Bristol input: its wires carry the sum */
	uint32_t nin = 0;
	for (uint32_t i = 0, bits = 0; i < c->ninputs; i++)
		if (c->inputs[i].first == bits) {
			bits += c->inputs[i].width;
			nin++;
		}
	fprintf(f, "%llu %llu\n%u", (unsigned long long)(c->ngates + ncopies),
		(unsigned long long)total, nin);
	for (uint32_t i = 0, bits = 0; i < c->ninputs; i++)
		if (c->inputs[i].first == bits) {
			bits += c->inputs[i].width;
			fprintf(f, " %u", c->inputs[i].width);
		}
	fprintf(f, "\n%u", c->noutputs);
	for (uint32_t i = 0; i < c->noutputs; i++)
		fprintf(f, " %u", c->outputs[i].width);
	fputs("\n\n", f);
	for (uint64_t g = 0; g < c->ngates; g++) {
		const struct circ_gate *gt = &c->gates[g];
		uint32_t o = id[c->nin_bits + g];
		switch (gt->kind) {
		case GATE_XOR:
		case GATE_AND:
			fprintf(f, "2 1 %u %u %u %s\n", id[gt->a], id[gt->b], o,
				gt->kind == GATE_XOR ? "XOR" : "AND");
			break;
		case GATE_NOT:
			fprintf(f, "1 1 %u %u INV\n", id[gt->a], o);
			break;
		case GATE_CONST:
			fprintf(f, "1 1 %u %u EQ\n", gt->a, o);
			break;
		}
	}
	for (uint32_t k = 0; k < c->nout_bits; k++)
		if (copy[k])
			fprintf(f, "1 1 %u %llu EQW\n", id[c->output_wires[k]],
				(unsigned long long)(base + k));
	if (fflush(f) != 0 || ferror(f)) {
		snprintf(err->msg, sizeof(err->msg), "write error: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(id);
	free(copy);
	return rc;
}
