/* cmd_compile.c: `mpcc compile` (a .mpc program to a circuit file) and `mpcc check` (its
 * diagnostics only). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "lang.h"

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static const char compile_help[] =
	"usage: mpcc compile PROG.mpc [-o OUT] [-D NAME=VALUE]... [--emit circ|bristol] [--stats]\n\n"
	"Compiles a .mpc program to a boolean circuit. Writes mpcc's binary format to PROG.circ,\n"
	"or to OUT; Bristol Fashion with --emit bristol (default name PROG.txt) or when OUT ends\n"
	"in .txt or .bristol. Bristol Fashion keeps the gates and widths, not the names and\n"
	"parties. -D NAME=VALUE overrides a param (decimal, 0x, 0b or 0o; may be negative).\n"
	"--stats prints the circuit's statistics, as 'mpcc stats' does, and the compile time.\n"
	"Errors and warnings go to stderr; the exit status is 1 when there were errors.\n";

/* OUT when given, else the program's name with .mpc replaced by ext. */
static char *output_path(const char *prog, const char *out, const char *ext)
{
	if (out)
		return strdup(out);
	size_t n = strlen(prog);
	if (ends_with(prog, ".mpc"))
		n -= 4;
	char *p = malloc(n + strlen(ext) + 1);
	if (p) {
		memcpy(p, prog, n);
		strcpy(p + n, ext);
	}
	return p;
}

int cmd_compile(int argc, char **argv)
{
	const char *prog = NULL, *out = NULL, *v;
	int emit = -1; /* -1: from the output's name */
	bool stats = false;
	int rc = 1;
	char *path = NULL;
	struct circ_circuit *c = NULL;
	struct cli_defines defs = {.items = calloc((size_t)argc + 1, sizeof(char *))};
	if (!defs.items) {
		fprintf(stderr, "mpcc compile: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		int d = cli_take_load_option(argc, argv, &i, &defs);
		if (d < 0)
			goto usage;
		if (d > 0)
			continue;
		if (cli_opt_value(argc, argv, &i, "-o", &v)) {
			if (!v)
				goto usage;
			out = v;
		} else if (cli_opt_value(argc, argv, &i, "--emit", &v)) {
			if (!v)
				goto usage;
			if (strcmp(v, "circ") == 0 || strcmp(v, "binary") == 0) {
				emit = CIRC_FMT_BINARY;
			} else if (strcmp(v, "bristol") == 0) {
				emit = CIRC_FMT_BRISTOL;
			} else {
				fprintf(stderr, "mpcc compile: --emit %s: say circ or bristol\n", v);
				goto usage;
			}
		} else if (strcmp(argv[i], "--stats") == 0) {
			stats = true;
		} else if (is_help(argv[i])) {
			fputs(compile_help, stdout);
			rc = 0;
			goto done;
		} else if (argv[i][0] == '-' || prog) {
			fprintf(stderr, "mpcc compile: unexpected '%s'\n", argv[i]);
			goto usage;
		} else {
			prog = argv[i];
		}
	}
	if (!prog) {
		fprintf(stderr, "mpcc compile: which program?\n");
		goto usage;
	}
	if (defs.ninput_party) {
		fprintf(stderr, "mpcc compile: --input-parties applies to Bristol files\n");
		goto usage;
	}
	path = output_path(prog, out, emit == CIRC_FMT_BRISTOL ? ".txt" : ".circ");
	if (!path) {
		fprintf(stderr, "mpcc compile: out of memory\n");
		goto done;
	}
	enum circ_format fmt = emit >= 0 ? (enum circ_format)emit : circ_format_for_path(path);
	struct compiler_stats st = {0};
	struct compiler_options opt = {.defines = defs.items, .ndefines = defs.n, .stats = &st};
	if (compiler_compile(&c, prog, NULL, 0, &opt, stderr) != 0)
		goto done;
	struct circ_err err;
	if (circ_save(c, path, fmt, &err) != 0) {
		fprintf(stderr, "mpcc compile: %s\n", err.msg);
		goto done;
	}
	rc = 0;
	if (stats) {
		rc = cli_print_stats(stdout, prog, c, false) == 0 ? 0 : 1;
		printf("compiled     %.3f s (lowering %.3f s, gate list %.3f s), %llu statements "
		       "run, %llu builder nodes\n",
		       st.lower_seconds + st.finish_seconds, st.lower_seconds, st.finish_seconds,
		       (unsigned long long)st.steps, (unsigned long long)st.nodes);
	}
	goto done;
usage:
	fputs(compile_help, stderr);
	rc = EXIT_USAGE;
done:
	circ_free(c);
	free(path);
	free(defs.items);
	return rc;
}

static const char check_help[] =
	"usage: mpcc check PROG.mpc [-D NAME=VALUE]...\n\n"
	"Parses and checks a .mpc program and prints its errors and warnings, without building\n"
	"the circuit. The exit status is 1 when there were errors, 0 otherwise.\n";

int cmd_check(int argc, char **argv)
{
	const char *prog = NULL;
	int rc = 1;
	struct cli_defines defs = {.items = calloc((size_t)argc + 1, sizeof(char *))};
	if (!defs.items) {
		fprintf(stderr, "mpcc check: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		int d = cli_take_load_option(argc, argv, &i, &defs);
		if (d < 0)
			goto usage;
		if (d > 0)
			continue;
		if (is_help(argv[i])) {
			fputs(check_help, stdout);
			rc = 0;
			goto done;
		} else if (argv[i][0] == '-' || prog) {
			fprintf(stderr, "mpcc check: unexpected '%s'\n", argv[i]);
			goto usage;
		} else {
			prog = argv[i];
		}
	}
	if (!prog) {
		fprintf(stderr, "mpcc check: which program?\n");
		goto usage;
	}
	if (defs.ninput_party) {
		fprintf(stderr, "mpcc check: --input-parties applies to Bristol files\n");
		goto usage;
	}
	struct lang_options lo = {.defines = defs.items, .ndefines = (size_t)defs.n};
	struct lang_program *p = lang_parse_file(prog, &lo);
	if (!p) {
		fprintf(stderr, "mpcc check: out of memory\n");
		goto done;
	}
	lang_print_diags(p, stderr);
	rc = lang_error_count(p) > 0 ? 1 : 0;
	lang_free(p);
	goto done;
usage:
	fputs(check_help, stderr);
	rc = EXIT_USAGE;
done:
	free(defs.items);
	return rc;
}
