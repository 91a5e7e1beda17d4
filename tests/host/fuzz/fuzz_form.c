/* Fuzz target: the form parsers of app/web/form.c. The first input byte
 * chooses: even - a urlencoded body; odd - a multipart body, with the fixed
 * content type "multipart/form-data; boundary=XyZ" when bit 1 is clear
 * ('1') or, when it is set ('3'), with the content type taken from the
 * first line of the input. Whatever parses must keep the promises of
 * form.h; the arena has a limit so refused allocations are exercised too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/error.h"
#include "web/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CT_MAX 256

static void
check(const struct web_form *f, int rc, int binary)
{
    if (rc != POD_OK) {
        if (f->count != 0 || f->fields != NULL)
            abort();
        if (rc != POD_ERR_PARSE && rc != POD_ERR_LIMIT && rc != POD_ERR_NOMEM)
            abort();
        return;
    }
    if (f->count > WEB_FORM_MAX_FIELDS || (f->count && !f->fields))
        abort();
    for (size_t i = 0; i < f->count; i++) {
        const struct web_form_field *x = &f->fields[i];
        size_t n = strlen(x->name);

        if (n == 0 || n > WEB_FORM_MAX_NAME || x->value[x->value_len] != '\0')
            abort();
        if (!binary && (memchr(x->value, 0, x->value_len) || x->filename || x->content_type))
            abort();
        if (x->filename)
            (void)strlen(x->filename);
        if (x->content_type)
            (void)strlen(x->content_type);
        /* The first field of a name is what lookups return. */
        for (size_t j = 0; j < i; j++)
            if (strcmp(f->fields[j].name, x->name) == 0)
                goto dup;
        if (web_form_field(f, x->name) != x || web_form_get(f, x->name) != x->value)
            abort();
    dup:;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char stack[4096];
    char ct[FUZZ_CT_MAX + 1] = "multipart/form-data; boundary=XyZ";
    struct pod_arena a;
    struct web_form f;
    const char *body;
    size_t len;
    int rc;

    if (size == 0 || size > (1u << 20))
        return 0;
    body = (const char *)data + 1;
    len = size - 1;
    pod_arena_init(&a, stack, sizeof stack, 256 * 1024);
    if (!(data[0] & 1)) {
        rc = web_form_parse_urlencoded(body, len, &a, &f);
        check(&f, rc, 0);
    } else {
        if (data[0] & 2) {
            const char *nl = memchr(body, '\n', len);
            size_t n = nl ? (size_t)(nl - body) : len;

            if (n > FUZZ_CT_MAX)
                n = FUZZ_CT_MAX;
            memcpy(ct, body, n);
            ct[n] = '\0';
            body += nl ? n + 1 : len;
            len -= nl ? n + 1 : len;
        }
        rc = web_form_parse_multipart(body, len, ct, &a, &f);
        check(&f, rc, 1);
    }
    pod_arena_free(&a);
    return 0;
}
