/* compile.c: the compiler's driver: parse and check (lang/), print the diagnostics, lower. */
#include "compiler.h"

#include "lang.h"

int compiler_compile(struct circ_circuit **out, const char *name, const char *src, size_t len,
		     const struct compiler_options *opt, FILE *diag)
{
	*out = NULL;
	struct lang_options lo = {0};
	if (opt) {
		lo.defines = opt->defines;
		lo.ndefines = opt->ndefines > 0 ? (size_t)opt->ndefines : 0;
	}
	struct lang_program *p =
	    src ? lang_parse_string(name, src, len, &lo) : lang_parse_file(name, &lo);
	if (!p) {
		if (diag)
			fprintf(diag, "%s: error: out of memory\n", name);
		return -1;
	}
	if (diag)
		lang_print_diags(p, diag);
	int ret = -1;
	if (lang_error_count(p) == 0) {
		ret = lower_program(out, p, opt, diag);
	}
	lang_free(p);
	return ret;
}

int compiler_compile_file(struct circ_circuit **out, const char *path,
			  const char *const *defines, int ndefines, FILE *diag)
{
	struct compiler_options opt = {.defines = defines, .ndefines = ndefines};
	return compiler_compile(out, path, NULL, 0, &opt, diag);
}

int compiler_compile_string(struct circ_circuit **out, const char *name, const char *src,
			    size_t len, const char *const *defines, int ndefines, FILE *diag)
{
	struct compiler_options opt = {.defines = defines, .ndefines = ndefines};
	return compiler_compile(out, name, src, len, &opt, diag);
}
