/* Fuzz target: the hCard scanner (app/federation/discovery.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "federation/discovery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touches every byte of a field up to its NUL, which must lie inside it. */
static size_t
field_len(const char *s, size_t cap)
{
    const char *nul = memchr(s, '\0', cap);

    if (!nul)
        __builtin_trap();
    return (size_t)(nul - s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fed_hcard hc; /* 8 KiB: off the stack */
    volatile size_t total = 0;

    if (fed_hcard_parse((const char *)data, size, &hc) != POD_OK)
        return 0;
    total += field_len(hc.guid, sizeof hc.guid) + field_len(hc.nickname, sizeof hc.nickname);
    total += field_len(hc.full_name, sizeof hc.full_name);
    total += field_len(hc.first_name, sizeof hc.first_name);
    total += field_len(hc.last_name, sizeof hc.last_name);
    total += field_len(hc.public_key_pem, sizeof hc.public_key_pem);
    total += field_len(hc.avatar_large, sizeof hc.avatar_large);
    total += field_len(hc.avatar_medium, sizeof hc.avatar_medium);
    total += field_len(hc.avatar_small, sizeof hc.avatar_small);
    /* A successful parse always has these (discovery.h). */
    if (!hc.guid[0] || !hc.public_key_pem[0])
        __builtin_trap();
    (void)total;
    return 0;
}
