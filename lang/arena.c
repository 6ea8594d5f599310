/* arena.c: the compilation's memory: one growing list of chunks, freed all at once.
 *
 * Every node, string and constant of a program lives here. Running out of memory jumps to the
 * jmp_buf that lang_parse_string() registered, which frees everything and returns NULL, so the
 * rest of lang/ never tests for NULL. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

enum { ARENA_CHUNK = 64 * 1024, ARENA_ALIGN = 16 };

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

struct lang_arena {
	struct chunk *head;
	jmp_buf *oom;
};

struct lang_arena *lang_arena_new(void)
{
	return calloc(1, sizeof(struct lang_arena));
}

void lang_arena_free(struct lang_arena *a)
{
	if (a == NULL)
		return;
	struct chunk *c = a->head;
	while (c != NULL) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	free(a);
}

void lang_arena_set_oom(struct lang_arena *a, jmp_buf *oom)
{
	a->oom = oom;
}

_Noreturn void lang_arena_oom(struct lang_arena *a)
{
	if (a->oom != NULL)
		longjmp(*a->oom, 1);
	abort(); /* only reachable if a caller forgot lang_arena_set_oom: a bug */
}

void *lang_arena_alloc(struct lang_arena *a, size_t size)
{
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (size == 0)
		size = ARENA_ALIGN;
	struct chunk *c = a->head;
	if (c == NULL || c->size - c->used < size) {
		size_t want = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
		if (want > SIZE_MAX - sizeof(struct chunk))
			lang_arena_oom(a);
		c = malloc(sizeof(struct chunk) + want);
		if (c == NULL)
			lang_arena_oom(a);
		c->size = want;
		c->used = 0;
		if (want == ARENA_CHUNK || a->head == NULL) {
			c->next = a->head;
			a->head = c;
		} else {
			/* a big block gets its own chunk behind the current one, which stays open */
			c->next = a->head->next;
			a->head->next = c;
		}
	}
	void *p = c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *lang_arena_strndup(struct lang_arena *a, const char *s, size_t n)
{
	char *p = lang_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *lang_arena_vprintf(struct lang_arena *a, const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(small))
		return lang_arena_strndup(a, small, (size_t)n);
	char *p = lang_arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *lang_arena_printf(struct lang_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = lang_arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

struct lang_int lang_arena_int(struct lang_arena *a, const struct lang_int *v)
{
	struct lang_int r = {0};
	if (v->n == 0)
		return r;
	r.n = v->n;
	r.w = lang_arena_alloc(a, sizeof(uint64_t) * v->n);
	memcpy(r.w, v->w, sizeof(uint64_t) * v->n);
	return r;
}

void lang_vec_push(struct lang_arena *a, struct lang_vec *v, void *item)
{
	if (v->n == v->cap) {
		uint32_t cap = v->cap ? v->cap * 2 : 8;
		void **items = lang_arena_alloc(a, sizeof(void *) * cap);
		if (v->n > 0)
			memcpy(items, v->items, sizeof(void *) * v->n);
		v->items = items;
		v->cap = cap;
	}
	v->items[v->n++] = item;
}
