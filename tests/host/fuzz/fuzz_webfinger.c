/* Fuzz target: the WebFinger JRD parser (app/federation/discovery.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "federation/discovery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    struct fed_webfinger wf;
    volatile size_t total = 0;

    if (fed_webfinger_parse((const char *)data, size, &wf) != POD_OK)
        return 0;
    total += field_len(wf.subject, sizeof wf.subject);
    total += field_len(wf.profile_url, sizeof wf.profile_url);
    /* A successful parse always has a subject and both mandatory links. */
    if (!field_len(wf.hcard_url, sizeof wf.hcard_url) ||
        !field_len(wf.seed_url, sizeof wf.seed_url) || !wf.subject[0])
        __builtin_trap();
    (void)total;
    return 0;
}
