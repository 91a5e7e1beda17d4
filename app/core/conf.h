/*
 * conf.h - the runtime configuration file: "key = value" lines, '#'
 * comments, blank lines ignored. A pure parser over a buffer, so tests and
 * the fuzzer call it directly; main.c reads the file and applies the keys.
 */
#ifndef POD_CORE_CONF_H
#define POD_CORE_CONF_H

#include <stddef.h>

#define POD_CONF_MAX_BYTES (64 * 1024) /* larger files are refused */
#define POD_CONF_MAX_LINE  1024        /* longer lines are refused */

/* Called once per setting line with NUL-terminated key and value (borrowed
 * for the call only, surrounding blanks and optional double quotes around
 * the value removed). Returning non-zero stops parsing with that code. */
typedef int (*pod_conf_fn)(const char *key, const char *value, int line, void *ctx);

/* Parses buf[0..len). Returns POD_OK, the callback's code, POD_ERR_LIMIT
 * for an oversized file or line, or POD_ERR_PARSE with *bad_line set for a
 * line that is not "key = value". */
int pod_conf_parse(const char *buf, size_t len, pod_conf_fn fn, void *ctx, int *bad_line);

#endif
