/* circuit.c: building a circuit in memory, looking names up, and validating it.
 *
 * The arrays grow by doubling; every limit (CIRC_MAX_WIDTH, CIRC_MAX_WIRES, CIRC_MAX_NAME) is
 * checked before anything is allocated, so a hostile file cannot make us allocate hugely.
 */
#include "circuit.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	unsigned arity, and_cost;
} gate_info[GATE_KIND_COUNT] = {
#define GATE(name, arity, and_cost) {#name, arity, and_cost},
#include "gates.def"
#undef GATE
};

const char *circ_gate_name(uint32_t kind)
{
	return kind < GATE_KIND_COUNT ? gate_info[kind].name : "?";
}


struct circ_circuit *circ_new(void)
{
	return calloc(1, sizeof(struct circ_circuit));
}

void circ_free(struct circ_circuit *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->nparties; i++)
		free(c->parties[i]);
	for (uint32_t i = 0; i < c->ninputs; i++)
		free(c->inputs[i].name);
	for (uint32_t i = 0; i < c->noutputs; i++)
		free(c->outputs[i].name);
	free(c->parties);
	free(c->inputs);
	free(c->outputs);
	free(c->output_wires);
	free(c->gates);
	free(c);
}

/* Grows *arr (of elements of size elem, capacity *cap) to hold need elements. */
static int grow(void **arr, uint64_t *cap, uint64_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	uint64_t ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / elem)
		return -1;
	void *p = realloc(*arr, (size_t)(ncap * elem));
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int grow32(void **arr, uint32_t *cap, uint64_t need, size_t elem)
{
	uint64_t c64 = *cap;
	if (need > UINT32_MAX || grow(arr, &c64, need, elem) != 0)
		return -1;
	*cap = c64 > UINT32_MAX ? UINT32_MAX : (uint32_t)c64;
	return 0;
}

static char *dup_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > CIRC_MAX_NAME)
		return NULL;
	char *s = malloc(n + 1);
	if (s)
		memcpy(s, name, n + 1);
	return s;
}

int64_t circ_add_party(struct circ_circuit *c, const char *name)
{
	if (grow32((void **)&c->parties, &c->parties_cap, (uint64_t)c->nparties + 1,
		   sizeof(*c->parties)) != 0)
		return -1;
	char *s = dup_name(name);
	if (!s)
		return -1;
	c->parties[c->nparties] = s;
	return c->nparties++;
}

static int64_t add_input(struct circ_circuit *c, const char *name, uint32_t width,
			 uint32_t flags, uint32_t party, uint32_t first)
{
	if (grow32((void **)&c->inputs, &c->inputs_cap, (uint64_t)c->ninputs + 1,
		   sizeof(*c->inputs)) != 0)
		return -1;
	char *s = dup_name(name);
	if (!s)
		return -1;
	c->inputs[c->ninputs] = (struct circ_input){
		.name = s, .width = width, .flags = flags, .party = party, .first = first};
	if (first == c->nin_bits)
		c->nin_bits += width;
	return c->ninputs++;
}

int64_t circ_add_input(struct circ_circuit *c, const char *name, uint32_t width, uint32_t flags,
		       uint32_t party)
{
	if (c->ngates != 0 || width == 0 || width > CIRC_MAX_WIDTH ||
	    (uint64_t)c->nin_bits + width >= CIRC_MAX_WIRES)
		return -1;
	return add_input(c, name, width, flags, party, c->nin_bits);
}

int64_t circ_add_sum_input(struct circ_circuit *c, const char *name, uint32_t width,
			   uint32_t flags, uint32_t party, int64_t with)
{
	flags |= CIRC_SUM;
	if (with < 0)
		return circ_add_input(c, name, width, flags, party);
	if (c->ngates != 0 || (uint64_t)with >= c->ninputs)
		return -1;
	const struct circ_input *g = &c->inputs[with];
	if (!(g->flags & CIRC_SUM) || g->width != width || g->flags != flags)
		return -1;
	/* a party that adds twice is caught by circ_validate (a scan here would make building
	 * a million-input circuit quadratic) */
	return add_input(c, name, width, flags, party, g->first);
}

int circ_reserve_gates(struct circ_circuit *c, uint64_t n)
{
	if (n >= CIRC_MAX_WIRES)
		return -1;
	return grow((void **)&c->gates, &c->gates_cap, n, sizeof(*c->gates));
}

int64_t circ_add_gate(struct circ_circuit *c, enum circ_gate_kind kind, uint32_t a, uint32_t b)
{
	uint64_t wire = circ_nwires(c);
	if (wire + 1 >= CIRC_MAX_WIRES || circ_reserve_gates(c, c->ngates + 1) != 0)
		return -1;
	c->gates[c->ngates++] = (struct circ_gate){.kind = kind, .a = a, .b = b};
	return (int64_t)wire;
}

int64_t circ_add_output(struct circ_circuit *c, const char *name, uint32_t width, uint32_t flags,
			uint32_t to, const uint32_t *wires)
{
	if (width == 0 || width > CIRC_MAX_WIDTH || (uint64_t)c->nout_bits + width >= CIRC_MAX_WIRES)
		return -1;
	if (grow32((void **)&c->outputs, &c->outputs_cap, (uint64_t)c->noutputs + 1,
		   sizeof(*c->outputs)) != 0 ||
	    grow32((void **)&c->output_wires, &c->out_bits_cap, (uint64_t)c->nout_bits + width,
		   sizeof(*c->output_wires)) != 0)
		return -1;
	char *s = dup_name(name);
	if (!s)
		return -1;
	c->outputs[c->noutputs] = (struct circ_output){
		.name = s, .width = width, .flags = flags, .to = to, .first = c->nout_bits};
	if (wires)
		memcpy(c->output_wires + c->nout_bits, wires, (size_t)width * sizeof(*wires));
	else
		memset(c->output_wires + c->nout_bits, 0, (size_t)width * sizeof(*wires));
	c->nout_bits += width;
	return c->noutputs++;
}

int64_t circ_find_party(const struct circ_circuit *c, const char *name)
{
	for (uint32_t i = 0; i < c->nparties; i++)
		if (strcmp(c->parties[i], name) == 0)
			return i;
	return -1;
}

int64_t circ_find_input(const struct circ_circuit *c, const char *name)
{
	for (uint32_t i = 0; i < c->ninputs; i++)
		if (strcmp(c->inputs[i].name, name) == 0)
			return i;
	return -1;
}

int64_t circ_find_output(const struct circ_circuit *c, const char *name)
{
	for (uint32_t i = 0; i < c->noutputs; i++)
		if (strcmp(c->outputs[i].name, name) == 0)
			return i;
	return -1;
}

static int fail(struct circ_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

bool circ_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CIRC_MAX_NAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\' || s[i] == '=')
			return false;
	return true;
}

int circ_input_leads(const struct circ_circuit *c, uint32_t *lead)
{
	/* inputs that start a range of wires, in order: their first wires increase */
	uint32_t *starts = malloc(sizeof(uint32_t) * ((size_t)c->ninputs + 1));
	if (!starts)
		return -1;
	uint32_t n = 0;
	uint64_t bits = 0;
	for (uint32_t k = 0; k < c->ninputs; k++) {
		const struct circ_input *in = &c->inputs[k];
		if (in->first == bits) {
			lead[k] = starts[n++] = k;
			bits += in->width;
			continue;
		}
		uint32_t lo = 0, hi = n; /* the start with this first wire, by bisection */
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (c->inputs[starts[mid]].first < in->first)
				lo = mid + 1;
			else
				hi = mid;
		}
		lead[k] = lo < n && c->inputs[starts[lo]].first == in->first ? starts[lo]
									      : UINT32_MAX;
	}
	free(starts);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* A name that occurs twice among n names at base, base + stride, ... (each a char *), or
 * NULL; *nomem when out of memory. Sorting keeps this n log n for a million inputs. */
static const char *duplicate_name(const void *base, size_t stride, size_t n, bool *nomem)
{
	const char **v = malloc(sizeof(char *) * (n + 1));
	const char *dup = NULL;
	*nomem = !v;
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = *(char *const *)((const char *)base + i * stride);
	qsort(v, n, sizeof(char *), cmp_str);
	for (size_t i = 1; i < n && !dup; i++)
		if (strcmp(v[i - 1], v[i]) == 0)
			dup = v[i];
	free(v);
	return dup;
}

int circ_validate_interface(const struct circ_circuit *c, struct circ_err *err)
{
	bool nomem;
	for (uint32_t i = 0; i < c->nparties; i++)
		if (!circ_name_ok(c->parties[i]))
			return fail(err, "party %u has an invalid name", i);
	const char *dup = duplicate_name(c->parties, sizeof(char *), c->nparties, &nomem);
	if (nomem)
		return fail(err, "out of memory");
	if (dup)
		return fail(err, "party '%s' is named twice", dup);
	uint32_t *lead = malloc(sizeof(uint32_t) * ((size_t)c->ninputs + 1));
	uint64_t *member = malloc(sizeof(uint64_t) * ((size_t)c->ninputs + 1));
	int rc = -1;
	uint64_t bits = 0, nmembers = 0;
	if (!lead || !member || circ_input_leads(c, lead) != 0) {
		fail(err, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < c->ninputs; i++) {
		const struct circ_input *in = &c->inputs[i];
		if (!circ_name_ok(in->name)) {
			fail(err, "input %u has an invalid name", i);
			goto out;
		}
		if (in->width == 0 || in->width > CIRC_MAX_WIDTH) {
			fail(err, "input '%s' has width %u", in->name, in->width);
			goto out;
		}
		if (in->party >= c->nparties) {
			fail(err, "input '%s' comes from party %u, but there are %u parties",
			     in->name, in->party, c->nparties);
			goto out;
		}
		if (in->flags & ~(uint32_t)(CIRC_SIGNED | CIRC_SUM)) {
			fail(err, "input '%s' has unknown flags 0x%x", in->name, in->flags);
			goto out;
		}
		if (lead[i] == i) {
			bits += in->width;
		} else if (lead[i] == UINT32_MAX || !(in->flags & CIRC_SUM)) {
			/* only a sum input may share wires, with an earlier one of its group */
			fail(err, "input '%s' does not start at wire %llu", in->name,
			     (unsigned long long)bits);
			goto out;
		} else if (c->inputs[lead[i]].width != in->width ||
			   c->inputs[lead[i]].flags != in->flags) {
			fail(err, "input '%s' differs from '%s', whose sum it joins", in->name,
			     c->inputs[lead[i]].name);
			goto out;
		}
		if (in->flags & CIRC_SUM) /* (group, party): each party adds once */
			member[nmembers++] = (uint64_t)lead[i] << 32 | in->party;
	}
	qsort(member, nmembers, sizeof(uint64_t), cmp_u64);
	for (uint64_t k = 1; k < nmembers; k++)
		if (member[k] == member[k - 1]) {
			fail(err, "input '%s': party %u adds to a sum twice",
			     c->inputs[member[k] >> 32].name, (uint32_t)member[k]);
			goto out;
		}
	dup = c->ninputs ? duplicate_name(&c->inputs[0].name, sizeof(c->inputs[0]), c->ninputs,
					  &nomem)
			 : NULL;
	if (nomem || dup) {
		if (nomem)
			fail(err, "out of memory");
		else
			fail(err, "input '%s' is named twice", dup);
		goto out;
	}
	rc = 0;
out:
	free(lead);
	free(member);
	if (rc)
		return rc;
	if (bits != c->nin_bits)
		return fail(err, "inputs have %llu bits but the circuit says %u",
			    (unsigned long long)bits, c->nin_bits);
	uint64_t nwires = circ_nwires(c);
	if (nwires >= CIRC_MAX_WIRES)
		return fail(err, "too many wires (%llu)", (unsigned long long)nwires);
	uint64_t obits = 0;
	for (uint32_t i = 0; i < c->noutputs; i++) {
		const struct circ_output *o = &c->outputs[i];
		if (!circ_name_ok(o->name))
			return fail(err, "output %u has an invalid name", i);
		if (o->width == 0 || o->width > CIRC_MAX_WIDTH)
			return fail(err, "output '%s' has width %u", o->name, o->width);
		if (o->to != CIRC_ALL && o->to >= c->nparties)
			return fail(err, "output '%s' goes to party %u, but there are %u parties",
				    o->name, o->to, c->nparties);
		if (o->first != obits)
			return fail(err, "output '%s' is out of place", o->name);
		if (o->flags & ~(uint32_t)CIRC_SIGNED)
			return fail(err, "output '%s' has unknown flags 0x%x", o->name, o->flags);
		obits += o->width;
	}
	dup = c->noutputs ? duplicate_name(&c->outputs[0].name, sizeof(c->outputs[0]), c->noutputs,
					   &nomem)
			  : NULL;
	if (nomem)
		return fail(err, "out of memory");
	if (dup)
		return fail(err, "output '%s' is named twice", dup);
	if (obits != c->nout_bits)
		return fail(err, "outputs have %llu bits but the circuit says %u",
			    (unsigned long long)obits, c->nout_bits);
	for (uint32_t k = 0; k < c->nout_bits; k++)
		if (c->output_wires[k] >= nwires)
			return fail(err, "output bit %u names wire %u, past the last wire", k,
				    c->output_wires[k]);
	return 0;
}

int circ_validate(const struct circ_circuit *c, struct circ_err *err)
{
	if (circ_validate_interface(c, err) != 0)
		return -1;
	for (uint64_t g = 0; g < c->ngates; g++) {
		const struct circ_gate *gt = &c->gates[g];
		uint64_t w = c->nin_bits + g;
		if (gt->kind >= GATE_KIND_COUNT)
			return fail(err, "gate %llu has unknown kind %u", (unsigned long long)g,
				    gt->kind);
		unsigned ar = gate_info[gt->kind].arity;
		if (gt->kind == GATE_CONST && gt->a > 1)
			return fail(err, "gate %llu: constant %u is not 0 or 1",
				    (unsigned long long)g, gt->a);
		if ((ar >= 1 && gt->a >= w) || (ar >= 2 && gt->b >= w))
			return fail(err, "gate %llu reads a wire not yet defined",
				    (unsigned long long)g);
		if ((ar < 2 && gt->b != 0) || (ar < 1 && gt->kind != GATE_CONST && gt->a != 0))
			return fail(err, "gate %llu has stray operands", (unsigned long long)g);
	}
	return 0;
}
