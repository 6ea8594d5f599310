/* lang.c: the front end's entry points: read the source, parse it, check it, hand back the
 * program with its diagnostics in source order. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Builds the program; io_error, when set, replaces parsing by that one diagnostic. */
static struct lang_program *run(const char *name, const char *src, size_t len,
				const struct lang_options *opt, const char *io_error)
{
	struct lang_arena *a = lang_arena_new();
	if (a == NULL)
		return NULL;
	jmp_buf oom;
	if (setjmp(oom) != 0) {
		lang_arena_free(a);
		return NULL;
	}
	lang_arena_set_oom(a, &oom);
	struct lang_program *p = lang_arena_alloc(a, sizeof(*p));
	p->arena = a;
	p->diags = diag_new(a);
	p->main = lang_arena_alloc(a, sizeof(*p->main));
	const char *file = lang_arena_strndup(a, name ? name : "<input>", strlen(name ? name : "<input>"));
	struct lang_loc whole = {.file = file};
	if (io_error != NULL) {
		diag_error(p->diags, whole, "%s", io_error);
	} else if (len > LANG_MAX_SOURCE) {
		diag_error(p->diags, whole, "the source is too large (%zu bytes; at most %d)", len,
			   LANG_MAX_SOURCE);
	} else {
		struct lang_parser ps = {.arena = a, .diags = p->diags, .file = file, .len = len,
					 .line = 1, .col = 1, .prog = p};
		ps.src = lang_arena_strndup(a, src ? src : "", src ? len : 0);
		diag_add_source(p->diags, file, ps.src, len);
		lang_parse_source(&ps);
		if (diag_error_count(p->diags) == 0)
			check_program(p, opt);
	}
	diag_sort(p->diags);
	lang_arena_set_oom(a, NULL);
	return p;
}

struct lang_program *lang_parse_string(const char *name, const char *src, size_t len,
				       const struct lang_options *opt)
{
	return run(name, src, src ? len : 0, opt, NULL);
}

struct lang_program *lang_parse_file(const char *path, const struct lang_options *opt)
{
	char msg[300];
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(msg, sizeof(msg), "cannot open: %s", strerror(errno));
		return run(path, NULL, 0, opt, msg);
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		len += fread(buf + len, 1, cap - len, f);
		if (len < cap || cap > LANG_MAX_SOURCE)
			break;
		char *bigger = realloc(buf, cap * 2);
		if (bigger == NULL) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	bool bad = buf == NULL || ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		if (buf == NULL)
			return NULL;
		return run(path, NULL, 0, opt, "cannot read the file");
	}
	struct lang_program *p = run(path, buf, len, opt, NULL);
	free(buf);
	return p;
}

void lang_free(struct lang_program *p)
{
	if (p != NULL)
		lang_arena_free(p->arena);
}

size_t lang_error_count(const struct lang_program *p)
{
	return diag_error_count(p->diags);
}

size_t lang_warning_count(const struct lang_program *p)
{
	return diag_warning_count(p->diags);
}

size_t lang_diag_count(const struct lang_program *p)
{
	return diag_count(p->diags);
}

const struct lang_diag *lang_diag_get(const struct lang_program *p, size_t i)
{
	return diag_get(p->diags, i);
}

void lang_print_diags(const struct lang_program *p, FILE *f)
{
	diag_print(p->diags, f);
}
