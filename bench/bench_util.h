/*
 * bench_util.h - small helpers shared by the bench/ programs (not part of
 * plugpod).
 */
#ifndef POD_BENCH_UTIL_H
#define POD_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/* The whole file at path, NUL-terminated, malloc'd (the caller frees it);
 * NULL when it cannot be read. */
static inline char *
bench_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
        rewind(f);
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        if (buf)
            buf[n] = '\0';
    }
    fclose(f);
    return buf;
}

#endif
