/*
 * arena.h - a bump allocator for memory that lives exactly as long as one
 * request (or one federation job).
 *
 * The arena starts in a buffer the caller provides (usually on the stack) and
 * grows by malloc'd chunks when that runs out. Everything is released at once
 * by pod_arena_free(); nothing is freed individually. This keeps the request
 * path free of heap churn: a typical page never touches malloc.
 */
#ifndef POD_CORE_ARENA_H
#define POD_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct pod_arena_chunk;

struct pod_arena {
    unsigned char *base;            /* current block (borrowed or a chunk) */
    size_t size;                    /* bytes in the current block */
    size_t used;                    /* bytes handed out from it */
    size_t total;                   /* bytes handed out overall */
    size_t limit;                   /* most bytes this arena may hand out */
    struct pod_arena_chunk *chunks; /* malloc'd blocks, newest first */
};

/* Prepares an arena over buf (borrowed; may be NULL with len 0). limit caps
 * the total bytes handed out (0 = no cap): a request cannot eat the board. */
void pod_arena_init(struct pod_arena *a, void *buf, size_t len, size_t limit);

/* Returns size bytes aligned for any type, or NULL when out of memory or over
 * the limit. Valid until pod_arena_free(). */
void *pod_arena_alloc(struct pod_arena *a, size_t size);

/* Copies len bytes of s and a NUL into the arena. */
char *pod_arena_strndup(struct pod_arena *a, const char *s, size_t len);

/* Copies the NUL-terminated s into the arena. */
char *pod_arena_strdup(struct pod_arena *a, const char *s);

/* printf into the arena; returns NULL on failure. */
char *pod_arena_printf(struct pod_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Releases every chunk; the caller's buffer is left alone. The arena may be
 * reused after pod_arena_init(). */
void pod_arena_free(struct pod_arena *a);

#endif
