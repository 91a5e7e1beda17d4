/* Fuzz target: what the reachability self-check reads from the answers
 * at its own name (app/net/selfcheck.c): the NodeInfo links document and
 * the NodeInfo software name.
 *
 * Oracle: a link found is NUL-terminated, fits its buffer, is never empty
 * and is a string of the document (so it appears in the input unless it
 * held escapes); a too-small buffer answers POD_ERR_LIMIT, not a cut link;
 * inputs over SELFCHECK_DOC_MAX are refused without being parsed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "net/selfcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when needle[0..n) occurs in hay[0..size). */
static bool
occurs(const uint8_t *hay, size_t size, const char *needle, size_t n)
{
    for (size_t i = 0; n <= size && i <= size - n; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return true;
    return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    char href[256], tiny[4];
    int rc, rc_tiny;

    rc = selfcheck_nodeinfo_link(json, size, href, sizeof href);
    if (rc == POD_OK) {
        size_t n = strnlen(href, sizeof href);
        if (n == 0 || n == sizeof href)
            abort();
        if (!memchr(data, '\\', size) && !occurs(data, size, href, n))
            abort();
        rc_tiny = selfcheck_nodeinfo_link(json, size, tiny, sizeof tiny);
        if (n < sizeof tiny ? (rc_tiny != POD_OK || strcmp(tiny, href) != 0)
                            : rc_tiny != POD_ERR_LIMIT)
            abort();
    } else if (rc != POD_ERR_PARSE && rc != POD_ERR_LIMIT) {
        abort();
    }
    if (size > SELFCHECK_DOC_MAX &&
        (rc != POD_ERR_LIMIT || selfcheck_nodeinfo_is_plugpod(json, size)))
        abort();
    (void)selfcheck_nodeinfo_is_plugpod(json, size);
    return 0;
}
