/* diag.c: collects errors, warnings and notes, sorts them into source order and prints them
 * like a C compiler: the header, the source line and a caret under the column.
 *
 *     t.mpc:3:14: error: 'carry' is used before it is assigned
 *         out = a + carry;
 *                   ^
 *
 * Nothing is printed until diag_print() is asked to. After LANG_MAX_ERRORS errors (or as many
 * warnings) further ones are dropped, with one note saying so. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	struct lang_diag d;
	size_t group; /* seq of the error or warning a note belongs to; its own seq otherwise */
	size_t seq;
	bool last;    /* the "too many errors" note: sorts after everything */
};

struct source {
	const char *name;
	const char *text;
	size_t len;
	size_t nlines;
	size_t *line_start; /* built on first use */
};

struct lang_diags {
	struct lang_arena *arena;
	struct lang_vec entries; /* struct entry * */
	struct lang_vec sources; /* struct source * */
	size_t nerrors, nwarnings;
	bool capped_errors, capped_warnings;
	bool dropping; /* the last error/warning was dropped: drop its notes too */
};

struct lang_diags *diag_new(struct lang_arena *a)
{
	struct lang_diags *d = lang_arena_alloc(a, sizeof(*d));
	d->arena = a;
	return d;
}

void diag_add_source(struct lang_diags *d, const char *name, const char *text, size_t len)
{
	struct source *s = lang_arena_alloc(d->arena, sizeof(*s));
	s->name = name;
	s->text = text;
	s->len = len;
	lang_vec_push(d->arena, &d->sources, s);
}

static struct entry *add(struct lang_diags *d, enum lang_severity sev, struct lang_loc loc,
			 const char *fmt, va_list ap)
{
	struct entry *e = lang_arena_alloc(d->arena, sizeof(*e));
	e->d.severity = sev;
	e->d.loc = loc;
	e->d.msg = lang_arena_vprintf(d->arena, fmt, ap);
	e->seq = d->entries.n;
	e->group = e->seq;
	lang_vec_push(d->arena, &d->entries, e);
	return e;
}

static void cap_note(struct lang_diags *d, const char *what)
{
	struct lang_loc none = {0};
	struct entry *e = lang_arena_alloc(d->arena, sizeof(*e));
	e->d.severity = LANG_NOTE;
	e->d.loc = none;
	e->d.msg = lang_arena_printf(d->arena, "too many %s; the rest are not shown", what);
	e->seq = d->entries.n;
	e->group = e->seq;
	e->last = true;
	lang_vec_push(d->arena, &d->entries, e);
}

/* Records an error or warning unless its kind already reached LANG_MAX_ERRORS. */
static void record(struct lang_diags *d, enum lang_severity sev, struct lang_loc loc,
		   const char *fmt, va_list ap)
{
	bool err = sev == LANG_ERROR;
	size_t *count = err ? &d->nerrors : &d->nwarnings;
	bool *capped = err ? &d->capped_errors : &d->capped_warnings;
	if (*count >= LANG_MAX_ERRORS) {
		if (!*capped)
			cap_note(d, err ? "errors" : "warnings");
		*capped = true;
		d->dropping = true;
		return;
	}
	add(d, sev, loc, fmt, ap);
	(*count)++;
	d->dropping = false;
}

void diag_error(struct lang_diags *d, struct lang_loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(d, LANG_ERROR, loc, fmt, ap);
	va_end(ap);
}

void diag_warning(struct lang_diags *d, struct lang_loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(d, LANG_WARNING, loc, fmt, ap);
	va_end(ap);
}

void diag_note(struct lang_diags *d, struct lang_loc loc, const char *fmt, ...)
{
	if (d->dropping || d->entries.n == 0)
		return;
	struct entry *prev = d->entries.items[d->entries.n - 1];
	va_list ap;
	va_start(ap, fmt);
	struct entry *e = add(d, LANG_NOTE, loc, fmt, ap);
	va_end(ap);
	e->group = prev->group;
}

static size_t file_order(const struct lang_diags *d, const char *file)
{
	if (file == NULL)
		return 0;
	for (uint32_t i = 0; i < d->sources.n; i++) {
		const struct source *s = d->sources.items[i];
		if (s->name == file || strcmp(s->name, file) == 0)
			return i + 1;
	}
	return d->sources.n + 1;
}

/* Sort key of an entry: its group's position, then its own sequence. */
struct key {
	bool last;
	size_t file;
	uint32_t line, col;
	size_t group, seq;
	struct entry *e;
};

static int key_cmp(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;
	if (a->last != b->last)
		return a->last ? 1 : -1;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void diag_sort(struct lang_diags *d)
{
	size_t n = d->entries.n;
	if (n < 2)
		return;
	struct key *keys = lang_arena_alloc(d->arena, sizeof(*keys) * n);
	for (size_t i = 0; i < n; i++) {
		struct entry *e = d->entries.items[i];
		const struct entry *g = d->entries.items[e->group];
		keys[i] = (struct key){g->last, file_order(d, g->d.loc.file), g->d.loc.line,
				       g->d.loc.col, e->group, e->seq, e};
	}
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < n; i++)
		d->entries.items[i] = keys[i].e;
	/* groups and seqs now refer to old positions: renumber so later notes still attach */
	for (size_t i = 0; i < n; i++) {
		struct entry *e = d->entries.items[i];
		e->seq = i;
		e->group = e->d.severity == LANG_NOTE && i > 0 && !e->last
				   ? ((struct entry *)d->entries.items[i - 1])->group
				   : i;
	}
}

size_t diag_error_count(const struct lang_diags *d)
{
	return d->nerrors;
}

size_t diag_warning_count(const struct lang_diags *d)
{
	return d->nwarnings;
}

size_t diag_count(const struct lang_diags *d)
{
	return d->entries.n;
}

const struct lang_diag *diag_get(const struct lang_diags *d, size_t i)
{
	if (i >= d->entries.n)
		return NULL;
	return &((struct entry *)d->entries.items[i])->d;
}

static const char *severity_str(enum lang_severity s)
{
	switch (s) {
	case LANG_ERROR:
		return "error";
	case LANG_WARNING:
		return "warning";
	case LANG_NOTE:
		return "note";
	}
	return "error";
}

char *lang_diag_format(const struct lang_diag *d, char *buf, size_t size)
{
	const char *file = d->loc.file ? d->loc.file : "mpcc";
	if (d->loc.line > 0)
		snprintf(buf, size, "%s:%u:%u: %s: %s", file, d->loc.line, d->loc.col,
			 severity_str(d->severity), d->msg);
	else
		snprintf(buf, size, "%s: %s: %s", file, severity_str(d->severity), d->msg);
	return buf;
}

static const struct source *find_source(const struct lang_diags *d, const char *file)
{
	size_t i = file_order(d, file);
	if (i == 0 || i > d->sources.n)
		return NULL;
	return d->sources.items[i - 1];
}

static void index_lines(const struct lang_diags *d, struct source *s)
{
	size_t n = 1;
	for (size_t i = 0; i < s->len; i++)
		n += s->text[i] == '\n';
	s->line_start = lang_arena_alloc(d->arena, sizeof(size_t) * (n + 1));
	s->nlines = 0;
	s->line_start[s->nlines++] = 0;
	for (size_t i = 0; i < s->len; i++)
		if (s->text[i] == '\n')
			s->line_start[s->nlines++] = i + 1;
	s->line_start[s->nlines] = s->len + 1;
}

enum { SHOW_MAX = 400 }; /* longest source line shown */

static void print_source_line(const struct lang_diags *d, const struct lang_loc *loc, FILE *f)
{
	struct source *s = (struct source *)find_source(d, loc->file);
	if (s == NULL || s->text == NULL)
		return;
	if (s->line_start == NULL)
		index_lines(d, s);
	if (loc->line == 0 || loc->line > s->nlines)
		return;
	size_t start = s->line_start[loc->line - 1];
	size_t end = start;
	while (end < s->len && s->text[end] != '\n' && end - start < SHOW_MAX)
		end++;
	fputs("    ", f);
	for (size_t i = start; i < end; i++) {
		unsigned char ch = (unsigned char)s->text[i];
		fputc(ch == '\t' || ch >= 0x20 ? ch : ' ', f);
	}
	fputc('\n', f);
	if (loc->col == 0 || loc->col - 1 > end - start)
		return;
	fputs("    ", f);
	for (size_t i = start; i < start + loc->col - 1; i++)
		fputc(s->text[i] == '\t' ? '\t' : ' ', f);
	fputs("^\n", f);
}

void diag_print(const struct lang_diags *d, FILE *f)
{
	char buf[1024];
	for (uint32_t i = 0; i < d->entries.n; i++) {
		const struct entry *e = d->entries.items[i];
		fprintf(f, "%s\n", lang_diag_format(&e->d, buf, sizeof(buf)));
		print_source_line(d, &e->d.loc, f);
	}
}
