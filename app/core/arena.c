#include "core/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN     16u
#define ARENA_CHUNK_MIN 4096u

struct pod_arena_chunk {
    struct pod_arena_chunk *next;
    size_t size;
    /* data follows, aligned by the allocation */
    _Alignas(16) unsigned char data[];
};

void
pod_arena_init(struct pod_arena *a, void *buf, size_t len, size_t limit)
{
    a->base = buf;
    a->size = buf ? len : 0;
    a->used = 0;
    a->total = 0;
    a->limit = limit;
    a->chunks = NULL;
}

static size_t
align_up(size_t n)
{
    return (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
}

void *
pod_arena_alloc(struct pod_arena *a, size_t size)
{
    size_t start, need;
    struct pod_arena_chunk *c;

    if (size == 0)
        size = 1;
    if (size > SIZE_MAX / 2)
        return NULL;
    if (a->limit && (size > a->limit || a->total > a->limit - size))
        return NULL;
    /* Align the absolute address: the caller's buffer may be unaligned. */
    start = a->base ? align_up((uintptr_t)(a->base + a->used)) - (uintptr_t)a->base : 0;
    if (!a->base || start > a->size || size > a->size - start) {
        need = align_up(size) > ARENA_CHUNK_MIN ? align_up(size) : ARENA_CHUNK_MIN;
        c = malloc(sizeof *c + need);
        if (!c)
            return NULL;
        c->next = a->chunks;
        c->size = need;
        a->chunks = c;
        a->base = c->data;
        a->size = need;
        start = 0;
    }
    a->used = start + size;
    a->total += size;
    return a->base + start;
}

char *
pod_arena_strndup(struct pod_arena *a, const char *s, size_t len)
{
    char *p = pod_arena_alloc(a, len + 1);

    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *
pod_arena_strdup(struct pod_arena *a, const char *s)
{
    return pod_arena_strndup(a, s, strlen(s));
}

char *
pod_arena_printf(struct pod_arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    p = pod_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void
pod_arena_free(struct pod_arena *a)
{
    struct pod_arena_chunk *c = a->chunks, *next;

    while (c) {
        next = c->next;
        free(c);
        c = next;
    }
    a->chunks = NULL;
    a->base = NULL;
    a->size = a->used = a->total = 0;
}
