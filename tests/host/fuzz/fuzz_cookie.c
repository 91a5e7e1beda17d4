/* Fuzz target: the Cookie header reader of app/web/form.c. The input up to
 * the first newline is the cookie name, the rest the header (both cut at a
 * NUL, as C strings are). Each lookup runs with a roomy and a tight buffer;
 * whatever it returns must fit and be terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "web/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
lookup(const char *header, const char *name, size_t cap)
{
    char out[512];
    int rc;

    memset(out, 'X', sizeof out);
    rc = web_cookie_get(header, name, out, cap);
    if (out[0] != '\0' && rc != POD_OK)
        abort();
    if (rc == POD_OK) {
        size_t n = strnlen(out, cap);
        if (n >= cap || !strstr(header, out))
            abort();
    } else if (rc != POD_ERR_NOTFOUND && rc != POD_ERR_LIMIT && rc != POD_ERR_PARSE &&
               rc != POD_ERR_INVAL) {
        abort();
    }
    if (rc == POD_ERR_INVAL && *name)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf, *name, *header, *nl;

    if (size > (1u << 16))
        return 0;
    buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    nl = strchr(buf, '\n');
    if (nl) {
        *nl = '\0';
        name = buf;
        header = nl + 1;
    } else {
        name = "session";
        header = buf;
    }
    lookup(header, name, 512);
    lookup(header, name, 4);
    lookup(header, name, 1);
    free(buf);
    return 0;
}
