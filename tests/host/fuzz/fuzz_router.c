/* Fuzz target: what the web layer reads from a request before a handler
 * runs, driven without civetweb: path normalisation and the ".json"
 * suffix (server.c), the route table with its :captures (routes.c), ids
 * from captures (handler_kit.c), the query string (form.c), the
 * Content-Type test (request.c), the session and anonymous cookies as
 * session.c reads them, Accept-Language (i18n.c), Accept-Encoding and
 * If-None-Match with the embedded file an /assets/:file capture names
 * (static.c).
 *
 * Input: lines "path\nquery\nContent-Type\nCookie\nAccept-Language\n
 * Accept-Encoding\nIf-None-Match" (missing lines are absent headers). Oracle: the normalised path
 * starts with '/', has no "//" and no trailing '/' (but "/"), never grows; every capture of an
 * accepted route is non-empty, NUL-terminated, bounded by the path and holds no '/', "..", NUL or
 * control character, and is a substring of the path; query fields are named, NUL-terminated with
 * value_len = strlen (no %00) and bounded in number; cookies fit their buffer. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/error.h"
#include "crypto/crypto.h"
#include "web/form.h"
#include "web/handler_kit.h"
#include "web/i18n.h"
#include "web/request.h"
#include "web/routes.h"
#include "web/session.h"
#include "web/static.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
    if (!ok)
        abort();
}

/* The next line of the input (NUL-cut like a C string header), or NULL. */
static char *
next_line(char **cur)
{
    char *s = *cur, *nl;

    if (!s)
        return NULL;
    nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        *cur = nl + 1;
    } else {
        *cur = NULL;
    }
    return s;
}

static void
check_path(const char *path, size_t before)
{
    size_t n = strlen(path);

    check(n >= 1 && n <= (before ? before : 1) && path[0] == '/');
    check(!strstr(path, "//"));
    check(n == 1 || path[n - 1] != '/');
}

static void
check_capture(const char *c, const char *path)
{
    size_t n;

    check(c != NULL);
    n = strlen(c);
    check(n > 0 && n < strlen(path));
    check(!strchr(c, '/') && !strstr(c, ".."));
    for (size_t i = 0; i < n; i++)
        check((unsigned char)c[i] >= 0x20 && c[i] != 0x7f);
    check(strstr(path, c) != NULL);
    (void)web_parse_id(c);
}

/* An /assets/:file capture: the file it names, if any, answers the
 * conditional request. */
static void
asset(const char *name, const char *inm)
{
    const struct web_static *f = web_static_find(name);
    char quoted[80];

    if (!f)
        return;
    check(f->etag && f->etag[0] && strlen(f->etag) < sizeof quoted - 2);
    (void)web_etag_matches(inm, f->etag);
    snprintf(quoted, sizeof quoted, "W/\"%s\"", f->etag);
    check(web_etag_matches(quoted, f->etag) && web_etag_matches("*", f->etag));
    check(strncmp(web_static_url(name), "/assets/", 8) == 0);
}

static void
route(const char *path, struct pod_arena *a, const char *inm)
{
    static const unsigned methods[] = {WEB_GET, WEB_POST, WEB_PUT, WEB_DELETE, WEB_PATCH};

    for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
        const char *params[WEB_MAX_PARAMS];
        unsigned allowed = 0xdead, flags = 0xbeef;
        const struct web_route *r;

        memset(params, 0x5a, sizeof params);
        r = web_route_find(path, methods[m], a, params, &allowed, &flags);
        if (!r) {
            check((allowed & methods[m]) == 0);
            check(allowed <= 0x1f && flags <= 3);
            continue;
        }
        check(r->handler && (r->methods & methods[m]) && allowed <= 0x1f);
        for (size_t i = 0; i < WEB_MAX_PARAMS; i++)
            if (params[i])
                check_capture(params[i], path);
        if (strcmp(r->pattern, "/assets/:file") == 0)
            asset(params[0], inm);
    }
}

static void
query(const char *q, struct pod_arena *a)
{
    struct web_form f = {0};

    if (web_form_parse_urlencoded(q, strlen(q), a, &f) != POD_OK)
        return;
    check(f.count <= WEB_FORM_MAX_FIELDS && (f.count == 0 || f.fields));
    for (size_t i = 0; i < f.count; i++) {
        const struct web_form_field *fl = &f.fields[i];

        check(fl->name && fl->name[0] && strlen(fl->name) <= WEB_FORM_MAX_NAME);
        check(fl->value && strlen(fl->value) == fl->value_len && fl->value_len <= strlen(q));
        check(web_form_get(&f, fl->name) != NULL);
    }
}

static void
cookie(const char *header, const char *name)
{
    char text[64];
    uint8_t raw[32 + 3];
    size_t len = 0;

    memset(text, 'X', sizeof text);
    if (web_cookie_get(header, name, text, sizeof text) != POD_OK)
        return;
    check(strnlen(text, sizeof text) < sizeof text);
    if (crypto_b64url_decode(text, strlen(text), raw, sizeof raw, &len) == POD_OK)
        check(len <= sizeof raw);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char stack[2048];
    struct pod_arena a;
    char *buf, *cur, *path, *q, *ct, *ck, *al, *ae, *inm, *p;
    size_t before;
    const char *lang;

    if (size > (1u << 14))
        return 0;
    buf = malloc(size + 2);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    cur = buf;
    path = next_line(&cur);
    q = next_line(&cur);
    ct = next_line(&cur);
    ck = next_line(&cur);
    al = next_line(&cur);
    ae = next_line(&cur);
    inm = next_line(&cur);
    pod_arena_init(&a, stack, sizeof stack, 1u << 20);

    /* As dispatch(): civetweb's local_uri, never empty, starts with '/'
     * (anything else is refused before us). */
    p = path[0] == '/' ? path : (char *)"/";
    p = pod_arena_strdup(&a, p);
    if (p) {
        before = strlen(p);
        web_path_normalise(p);
        check_path(p, before);
        if (strlen(p) > 5 && strcmp(p + strlen(p) - 5, ".json") == 0)
            p[strlen(p) - 5] = '\0';
        route(p, &a, inm);
        /* Captures from the raw path too: a path the normaliser never saw. */
        route(path[0] == '/' ? path : "/", &a, inm);
    }
    if (q)
        query(q, &a);
    (void)web_content_type_is(ct, "application/json");
    (void)web_content_type_is(ct, "multipart/form-data");
    if (ck) {
        cookie(ck, WEB_SESSION_COOKIE);
        cookie(ck, WEB_ANON_COOKIE);
    }
    (void)web_takes_gzip(ae);
    lang = web_i18n_accepted(al);
    check(lang && (strcmp(lang, "en") == 0 || web_i18n_catalog(lang) != NULL));
    pod_arena_free(&a);
    free(buf);
    return 0;
}
