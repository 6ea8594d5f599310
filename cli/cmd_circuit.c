/* cmd_circuit.c: `mpcc stats`, `mpcc eval` and `mpcc convert`: circuits in the clear. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

static const char stats_help[] =
	"usage: mpcc stats FILE [-D NAME=VALUE]... [--input-parties P,P...] [--json]\n\n"
	"Prints a circuit's gates by kind, AND-depth, wires, peak live wires, input bits per\n"
	"party, output bits, garbled size (32 bytes per AND) and identity (SHA-256 of its\n"
	"canonical encoding). FILE is a .mpc program, a Bristol Fashion file or an mpcc binary\n"
	"circuit. For a Bristol file, --input-parties 0,1,1 says which party (p0, p1, ...) gives\n"
	"each input; by default input i comes from p(i mod 2).\n";

static void hex32(char out[65], const uint8_t id[32])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

int cli_print_stats(FILE *f, const char *label, const struct circ_circuit *c, bool json)
{
	struct circ_stats s;
	struct circ_err err;
	if (circ_compute_stats(c, &s, &err) != 0) {
		fprintf(stderr, "mpcc: %s\n", err.msg);
		return -1;
	}
	char id[65];
	hex32(id, s.identity);
	uint64_t *bits = calloc((size_t)c->nparties + 1, sizeof(uint64_t)); /* per party */
	if (!bits) {
		fprintf(stderr, "mpcc: out of memory\n");
		return -1;
	}
	for (uint32_t i = 0; i < c->ninputs; i++)
		bits[c->inputs[i].party] += c->inputs[i].width;
	if (json) {
		fprintf(f, "{\"file\": \"%s\", \"identity\": \"%s\", \"gates\": %llu, \"and\": %llu, "
			   "\"xor\": %llu, \"not\": %llu, \"const\": %llu, \"and_depth\": %llu, "
			   "\"wires\": %llu, \"peak_live_wires\": %llu, \"input_bits\": %u, "
			   "\"output_bits\": %u, \"garbled_bytes\": %llu, \"parties\": {",
			label, id, (unsigned long long)s.ngates, (unsigned long long)s.gates[GATE_AND],
			(unsigned long long)s.gates[GATE_XOR], (unsigned long long)s.gates[GATE_NOT],
			(unsigned long long)s.gates[GATE_CONST], (unsigned long long)s.and_depth,
			(unsigned long long)s.nwires, (unsigned long long)s.peak_live, s.nin_bits,
			s.nout_bits, (unsigned long long)s.garbled_bytes);
		for (uint32_t p = 0; p < c->nparties; p++)
			fprintf(f, "%s\"%s\": {\"input_bits\": %llu}", p ? ", " : "", c->parties[p],
				(unsigned long long)bits[p]);
		fprintf(f, "}}\n");
		free(bits);
		return 0;
	}
	fprintf(f, "circuit      %s\nidentity     %s\n", label, id);
	fprintf(f, "gates        %llu (AND %llu, XOR %llu, NOT %llu, CONST %llu)\n",
		(unsigned long long)s.ngates, (unsigned long long)s.gates[GATE_AND],
		(unsigned long long)s.gates[GATE_XOR], (unsigned long long)s.gates[GATE_NOT],
		(unsigned long long)s.gates[GATE_CONST]);
	fprintf(f, "AND-depth    %llu\nwires        %llu (peak live %llu)\n",
		(unsigned long long)s.and_depth, (unsigned long long)s.nwires,
		(unsigned long long)s.peak_live);
	fprintf(f, "garbled      %llu bytes (32 per AND)\n", (unsigned long long)s.garbled_bytes);
	fprintf(f, "inputs       %u bits\n", s.nin_bits);
	for (uint32_t p = 0; p < c->nparties; p++)
		fprintf(f, "  party %-12s %llu bits\n", c->parties[p],
			(unsigned long long)bits[p]);
	for (uint32_t i = 0; i < c->ninputs; i++)
		fprintf(f, "  %-18s %s%u from %s%s\n", c->inputs[i].name,
			c->inputs[i].flags & CIRC_SIGNED ? "i" : "u", c->inputs[i].width,
			c->parties[c->inputs[i].party],
			c->inputs[i].flags & CIRC_SUM ? " (sum)" : "");
	fprintf(f, "outputs      %u bits\n", s.nout_bits);
	for (uint32_t i = 0; i < c->noutputs; i++)
		fprintf(f, "  %-18s %s%u to %s\n", c->outputs[i].name,
			c->outputs[i].flags & CIRC_SIGNED ? "i" : "u", c->outputs[i].width,
			c->outputs[i].to == CIRC_ALL ? "all" : c->parties[c->outputs[i].to]);
	free(bits);
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	const char *path = NULL;
	bool json = false;
	struct cli_defines defs = {.items = calloc((size_t)argc + 1, sizeof(char *))};
	int rc = 1;
	struct circ_circuit *c = NULL;
	for (int i = 1; i < argc; i++) {
		int d = cli_take_load_option(argc, argv, &i, &defs);
		if (d < 0)
			goto usage;
		if (d > 0)
			continue;
		if (is_help(argv[i])) {
			fputs(stats_help, stdout);
			rc = 0;
			goto out;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (argv[i][0] == '-' || path) {
			fprintf(stderr, "mpcc stats: unexpected '%s'\n", argv[i]);
			goto usage;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		fprintf(stderr, "mpcc stats: which file?\n");
		goto usage;
	}
	if (cli_load(&c, path, &defs) != 0)
		goto out;
	if (cli_print_stats(stdout, path, c, json) != 0)
		goto out;
	rc = 0;
	goto out;
usage:
	fputs(stats_help, stderr);
	rc = EXIT_USAGE;
out:
	circ_free(c);
	free(defs.items);
	return rc;
}

static const char eval_help[] =
	"usage: mpcc eval FILE [-D NAME=VALUE]... [--input-parties P,P...] --input NAME=VALUE...\n"
	"                 [--json] [--hex]\n\n"
	"Evaluates a circuit in the clear (no parties, no cryptography): the reference the secure\n"
	"runs must match. Every input is given once; VALUE is decimal, 0x hex or 0b binary\n"
	"(negative for signed inputs); bit i of the value is the input's i-th wire, least\n"
	"significant first. A byte string such as an AES key is written as one big-endian hex\n"
	"number. Prints one 'NAME = VALUE' line per output (decimal up to 64 bits, hex beyond;\n"
	"--hex for all), or with --json one object where values wider than 53 bits are\n"
	"\"0x...\" strings.\n\n"
	"example: mpcc eval aes_128.txt --input in0=0x000102030405060708090a0b0c0d0e0f \\\n"
	"             --input in1=0x00112233445566778899aabbccddeeff\n";

int cmd_eval(int argc, char **argv)
{
	const char *path = NULL;
	bool json = false, hex = false;
	struct cli_defines defs = {.items = calloc((size_t)argc + 1, sizeof(char *))};
	const char **items = calloc((size_t)argc + 1, sizeof(char *));
	int nitems = 0, rc = 1;
	struct circ_circuit *c = NULL;
	uint64_t **in = NULL, **outv = NULL;
	if (!defs.items || !items) {
		fprintf(stderr, "mpcc eval: out of memory\n");
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		const char *v;
		int d = cli_take_load_option(argc, argv, &i, &defs);
		if (d < 0)
			goto usage;
		if (d > 0)
			continue;
		if (cli_opt_value(argc, argv, &i, "--input", &v)) {
			if (!v)
				goto usage;
			items[nitems++] = v;
		} else if (is_help(argv[i])) {
			fputs(eval_help, stdout);
			rc = 0;
			goto out;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--hex") == 0) {
			hex = true;
		} else if (argv[i][0] == '-' || path) {
			fprintf(stderr, "mpcc eval: unexpected '%s'\n", argv[i]);
			goto usage;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		fprintf(stderr, "mpcc eval: which file?\n");
		goto usage;
	}
	if (cli_load(&c, path, &defs) != 0)
		goto out;
	in = cli_parse_inputs(c, items, nitems, CIRC_ALL);
	outv = cli_alloc_outputs(c);
	if (!in || !outv)
		goto out;
	if (circ_eval_values(c, in, outv) != 0) {
		fprintf(stderr, "mpcc eval: out of memory\n");
		goto out;
	}
	cli_print_outputs(stdout, c, outv, NULL, json, hex);
	rc = 0;
	goto out;
usage:
	fputs(eval_help, stderr);
	rc = EXIT_USAGE;
out:
	if (c) {
		cli_free_values(in, c->ninputs);
		cli_free_values(outv, c->noutputs);
	}
	circ_free(c);
	free(defs.items);
	free(items);
	return rc;
}

static const char convert_help[] =
	"usage: mpcc convert IN OUT [--to bristol|circ] [-D NAME=VALUE]... [--input-parties P,...]\n\n"
	"Converts between Bristol Fashion text and mpcc's binary format (see circuits/FORMAT.md).\n"
	"IN is read by its content (or compiled, when it is a .mpc program); OUT's format\n"
	"follows its extension (.txt or .bristol: Bristol Fashion; anything else: binary) unless\n"
	"--to says. Bristol Fashion keeps the gates and widths but not names or parties.\n";

int cmd_convert(int argc, char **argv)
{
	const char *paths[2] = {NULL, NULL};
	int npaths = 0, rc = 1;
	enum circ_format fmt = CIRC_FMT_AUTO;
	struct cli_defines defs = {.items = calloc((size_t)argc + 1, sizeof(char *))};
	struct circ_circuit *c = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		int d = cli_take_load_option(argc, argv, &i, &defs);
		if (d < 0)
			goto usage;
		if (d > 0)
			continue;
		if (cli_opt_value(argc, argv, &i, "--to", &v)) {
			if (!v)
				goto usage;
			if (strcmp(v, "bristol") == 0)
				fmt = CIRC_FMT_BRISTOL;
			else if (strcmp(v, "circ") == 0 || strcmp(v, "binary") == 0)
				fmt = CIRC_FMT_BINARY;
			else {
				fprintf(stderr, "mpcc convert: --to %s: say bristol or circ\n", v);
				goto usage;
			}
		} else if (is_help(argv[i])) {
			fputs(convert_help, stdout);
			rc = 0;
			goto out;
		} else if (argv[i][0] == '-' || npaths == 2) {
			fprintf(stderr, "mpcc convert: unexpected '%s'\n", argv[i]);
			goto usage;
		} else {
			paths[npaths++] = argv[i];
		}
	}
	if (npaths != 2) {
		fprintf(stderr, "mpcc convert: give an input and an output file\n");
		goto usage;
	}
	if (cli_load(&c, paths[0], &defs) != 0)
		goto out;
	struct circ_err err;
	if (circ_save(c, paths[1], fmt, &err) != 0) {
		fprintf(stderr, "mpcc convert: %s\n", err.msg);
		goto out;
	}
	rc = 0;
	goto out;
usage:
	fputs(convert_help, stderr);
	rc = EXIT_USAGE;
out:
	circ_free(c);
	free(defs.items);
	return rc;
}
