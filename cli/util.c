/* util.c: argument helpers, loading, and value input/output shared by the subcommands. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#ifdef MPCC_HAVE_COMPILER
#include "compiler.h"
#endif

bool cli_opt_value(int argc, char **argv, int *i, const char *opt, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(opt);
	if (strncmp(a, opt, n) != 0)
		return false;
	if (a[n] == '=' && opt[1] == '-') {
		*val = a + n + 1;
		return true;
	}
	if (a[n] != '\0') {
		if (opt[1] != '-') { /* -DNAME=VALUE */
			*val = a + n;
			return true;
		}
		return false;
	}
	if (*i + 1 >= argc) {
		fprintf(stderr, "mpcc: %s needs a value\n", opt);
		*val = NULL;
		return true;
	}
	*val = argv[++*i];
	return true;
}

int cli_take_load_option(int argc, char **argv, int *i, struct cli_defines *defs)
{
	const char *v;
	if (cli_opt_value(argc, argv, i, "-D", &v)) {
		if (!v)
			return -1;
		defs->items[defs->n++] = v;
		return 1;
	}
	if (!cli_opt_value(argc, argv, i, "--input-parties", &v))
		return 0;
	if (!v)
		return -1;
	defs->ninput_party = 0;
	for (const char *p = v; *p;) {
		char *end;
		unsigned long x = strtoul(p, &end, 10);
		if (end == p || x > 255 || defs->ninput_party == 256 || (*end && *end != ',')) {
			fprintf(stderr, "mpcc: --input-parties %s: expected party numbers 0-255 "
					"separated by commas\n",
				v);
			return -1;
		}
		defs->input_party[defs->ninput_party++] = (uint32_t)x;
		p = *end ? end + 1 : end;
	}
	return 1;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int cli_load(struct circ_circuit **out, const char *path, const struct cli_defines *defs)
{
	if (ends_with(path, ".mpc")) {
#ifdef MPCC_HAVE_COMPILER
		return compiler_compile_file(out, path, defs->items, defs->n, stderr) == 0 ? 0 : -1;
#else
		fprintf(stderr, "mpcc: %s: this build has no .mpc compiler\n", path);
		return -1;
#endif
	}
	if (defs && defs->n > 0) {
		fprintf(stderr, "mpcc: -D applies to .mpc programs, and %s is a circuit\n", path);
		return -1;
	}
	struct circ_err err;
	struct circ_bristol_opts opts = {defs ? defs->input_party : NULL,
					 defs ? defs->ninput_party : 0};
	if (circ_load(out, path, CIRC_FMT_AUTO, &opts, &err) != 0) {
		fprintf(stderr, "mpcc: %s\n", err.msg);
		return -1;
	}
	return 0;
}

void cli_free_values(uint64_t **v, uint32_t n)
{
	if (!v)
		return;
	for (uint32_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static uint64_t **alloc_values(const uint32_t *widths, size_t stride, uint32_t n)
{
	uint64_t **v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t w = *(const uint32_t *)((const char *)widths + i * stride);
		v[i] = calloc(circ_limbs(w), sizeof(uint64_t));
		if (!v[i]) {
			cli_free_values(v, n);
			return NULL;
		}
	}
	return v;
}

uint64_t **cli_alloc_outputs(const struct circ_circuit *c)
{
	if (c->noutputs == 0)
		return calloc(1, sizeof(uint64_t *));
	return alloc_values(&c->outputs[0].width, sizeof(c->outputs[0]), c->noutputs);
}

/* The state of one cli_parse_inputs call. */
struct parse {
	const struct circ_circuit *c;
	uint64_t **v;
	bool *given;
	uint32_t party;
	int errors;
};

/* Sets input name to the scalar text, reporting problems against item (the whole --input). */
static void one_input(struct parse *ps, const char *item, const char *name, const char *text)
{
	const struct circ_circuit *c = ps->c;
	int64_t i = circ_find_input(c, name);
	if (i < 0) {
		fprintf(stderr, "mpcc: --input %s: the circuit has no input '%s' (inputs:", item,
			name);
		for (uint32_t j = 0; j < c->ninputs && j < 16; j++)
			fprintf(stderr, " %s", c->inputs[j].name);
		fprintf(stderr, "%s)\n", c->ninputs > 16 ? " ..." : "");
		ps->errors++;
		return;
	}
	if (ps->party != CIRC_ALL && c->inputs[i].party != ps->party) {
		fprintf(stderr, "mpcc: --input %s: '%s' is %s's input, not %s's\n", item, name,
			c->parties[c->inputs[i].party], c->parties[ps->party]);
		ps->errors++;
		return;
	}
	if (ps->given[i]) {
		fprintf(stderr, "mpcc: --input %s: '%s' is given twice\n", item, name);
		ps->errors++;
		return;
	}
	ps->given[i] = true;
	const struct circ_input *in = &c->inputs[i];
	struct circ_err err;
	if (circ_value_parse(ps->v[i], in->width, in->flags & CIRC_SIGNED, text, &err) != 0) {
		fprintf(stderr, "mpcc: --input %s: %s\n", item, err.msg);
		ps->errors++;
	}
}

/* NAME=VALUE where VALUE may be a list [a, b, [c, d]]: element k goes to NAME[k]. text runs
 * from *pp; returns with *pp after the value. */
static void expand_input(struct parse *ps, const char *item, const char *name, const char **pp,
			 int depth)
{
	const char *p = *pp;
	while (*p == ' ')
		p++;
	if (*p != '[') {
		const char *end = p;
		while (*end && *end != ',' && *end != ']' && *end != ' ')
			end++;
		char text[512];
		size_t len = (size_t)(end - p);
		if (len >= sizeof(text) || (depth == 0 && *end)) {
			fprintf(stderr, "mpcc: --input %s: '%s' is not a value\n", item, p);
			ps->errors++;
			*pp = p + strlen(p);
			return;
		}
		memcpy(text, p, len);
		text[len] = '\0';
		one_input(ps, item, name, text);
		*pp = end;
		return;
	}
	if (depth > 8) {
		fprintf(stderr, "mpcc: --input %s: lists nested too deeply\n", item);
		ps->errors++;
		*pp = p + strlen(p);
		return;
	}
	p++;
	for (unsigned k = 0;; k++) {
		char sub[CIRC_MAX_NAME + 1];
		if (snprintf(sub, sizeof(sub), "%s[%u]", name, k) >= (int)sizeof(sub)) {
			fprintf(stderr, "mpcc: --input %s: the name is too long\n", item);
			ps->errors++;
			*pp = p + strlen(p);
			return;
		}
		expand_input(ps, item, sub, &p, depth + 1);
		while (*p == ' ')
			p++;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == ']') {
			p++;
			break;
		}
		fprintf(stderr, "mpcc: --input %s: expected ',' or ']' in the list\n", item);
		ps->errors++;
		*pp = p + strlen(p);
		return;
	}
	while (*p == ' ')
		p++;
	if (depth == 0 && *p) {
		fprintf(stderr, "mpcc: --input %s: unexpected '%s' after the list\n", item, p);
		ps->errors++;
	}
	*pp = p;
}

uint64_t **cli_parse_inputs(const struct circ_circuit *c, const char **items, int n,
			    uint32_t party)
{
	struct parse ps = {.c = c, .party = party};
	ps.v = c->ninputs ? alloc_values(&c->inputs[0].width, sizeof(c->inputs[0]), c->ninputs)
			  : calloc(1, sizeof(uint64_t *));
	ps.given = calloc(c->ninputs + 1, 1);
	if (!ps.v || !ps.given) {
		fprintf(stderr, "mpcc: out of memory\n");
		ps.errors++;
		goto out;
	}
	for (int k = 0; k < n; k++) {
		const char *eq = strchr(items[k], '=');
		if (!eq || eq == items[k]) {
			fprintf(stderr, "mpcc: --input %s: expected NAME=VALUE\n", items[k]);
			ps.errors++;
			continue;
		}
		char name[CIRC_MAX_NAME + 1];
		size_t len = (size_t)(eq - items[k]);
		if (len > CIRC_MAX_NAME) {
			fprintf(stderr, "mpcc: --input %.40s...: the name is too long\n", items[k]);
			ps.errors++;
			continue;
		}
		memcpy(name, items[k], len);
		name[len] = '\0';
		const char *p = eq + 1;
		expand_input(&ps, items[k], name, &p, 0);
	}
	for (uint32_t i = 0; i < c->ninputs; i++)
		if (!ps.given[i] && (party == CIRC_ALL || c->inputs[i].party == party)) {
			fprintf(stderr, "mpcc: missing --input %s=VALUE (%s%u from %s)\n",
				c->inputs[i].name, c->inputs[i].flags & CIRC_SIGNED ? "i" : "u",
				c->inputs[i].width, c->parties[c->inputs[i].party]);
			ps.errors++;
		}
out:
	free(ps.given);
	if (ps.errors) {
		cli_free_values(ps.v, c->ninputs);
		return NULL;
	}
	return ps.v;
}

void cli_print_outputs(FILE *f, const struct circ_circuit *c, uint64_t *const *values,
		       const bool *show, bool json, bool hex)
{
	bool first = true;
	if (json)
		fputc('{', f);
	for (uint32_t i = 0; i < c->noutputs; i++) {
		if (show && !show[i])
			continue;
		const struct circ_output *o = &c->outputs[i];
		size_t len = o->width / 3 + 8;
		char *buf = malloc(len);
		if (!buf)
			continue;
		bool sgn = o->flags & CIRC_SIGNED;
		if (json) {
			bool as_str = hex || o->width > 53;
			circ_value_format(buf, len, values[i], o->width, sgn, as_str);
			fprintf(f, "%s\"%s\": %s%s%s", first ? "" : ", ", o->name,
				as_str ? "\"" : "", buf, as_str ? "\"" : "");
		} else {
			circ_value_format(buf, len, values[i], o->width, sgn, hex || o->width > 64);
			fprintf(f, "%s = %s\n", o->name, buf);
		}
		first = false;
		free(buf);
	}
	if (json)
		fputs("}\n", f);
}
