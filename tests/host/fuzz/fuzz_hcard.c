/* Fuzz target: the hCard scanner (app/federation/discovery.c) and, on what
 * it accepts, the client's judgement of the document
 * (fed_discovery_person_from, app/federation/discovery_client.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "federation/discovery.h"
#include "federation/discovery_client.h"

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

/* Stored text is clean: no control characters. */
static void
clean_text(const char *s, size_t cap)
{
    size_t n = field_len(s, cap);

    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
            __builtin_trap();
}

/* A URL the person keeps is empty or absolute http(s). */
static void
url_or_empty(const char *s, size_t cap)
{
    if (field_len(s, cap) && strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
        __builtin_trap();
}

static void
check_person(const struct fed_hcard *hc)
{
    static const struct fed_webfinger wf = {
        .subject = "alice@pod-a.org",
        .hcard_url = "https://pod-a.org/hcard/users/7dba7ca01d64013485eb3131731751e9",
        .seed_url = "https://pod-a.org/",
    };
    static struct store_person p;
    char why[256];
    size_t n;

    if (fed_discovery_person_from("alice@pod-a.org", &wf, wf.hcard_url, hc, &p, why, sizeof why) !=
        POD_OK) {
        if (p.guid[0] || p.public_key[0])
            __builtin_trap(); /* zeroed on refusal */
        return;
    }
    if (strcmp(p.guid, hc->guid) != 0 || strcmp(p.diaspora_id, "alice@pod-a.org") != 0 ||
        strcmp(p.pod_url, "https://pod-a.org/") != 0)
        __builtin_trap();
    clean_text(p.first_name, sizeof p.first_name);
    clean_text(p.last_name, sizeof p.last_name);
    n = field_len(p.public_key, sizeof p.public_key);
    if (n < 2 || p.public_key[n - 1] != '\n' || strchr(p.public_key, '\r'))
        __builtin_trap();
    url_or_empty(p.avatar_large, sizeof p.avatar_large);
    url_or_empty(p.avatar_medium, sizeof p.avatar_medium);
    url_or_empty(p.avatar_small, sizeof p.avatar_small);
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
    check_person(&hc);
    return 0;
}
