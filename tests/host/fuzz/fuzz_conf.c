/* Fuzz target: the runtime configuration-file parser (app/core/conf.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/conf.h"
#include "core/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
touch(const char *key, const char *value, int line, void *ctx)
{
    size_t *total = ctx;

    /* Keys and values are NUL-terminated strings inside the line limit. */
    *total += strlen(key) + strlen(value) + (size_t)(line > 0);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t total = 0;
    int bad;

    pod_conf_parse((const char *)data, size, touch, &total, &bad);
    return 0;
}
