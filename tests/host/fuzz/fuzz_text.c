/* Fuzz target: mentions, hashtags and rendering of app/core/text.c over
 * arbitrary bytes, in an arena with a limit (so refused allocations are
 * exercised too). Beyond not crashing, the results must keep text.h's
 * promises: mentions valid, lowercase and unique; tags short, folded and
 * unique; the HTML's tags carry only md4c's own attributes (no on*=), every
 * <a> has rel="nofollow noopener", and no href/src holds anything but an
 * http(s)/mailto/local URL - never "javascript:". The resolver knows some
 * people, one of them with a script URL. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
resolve(const char *id, const char **name, const char **url, void *ctx)
{
    static const char *const urls[] = {
        "/people/0123456789abcdef",
        "https://pod.example/people/x y(z)",
        "javascript:alert(1)",
        "//evil.example/",
        " /people/lead",
        "",
    };
    size_t h = 0;

    (void)ctx;
    for (const char *p = id; *p; p++)
        h = h * 31 + (unsigned char)*p;
    if (h % 7 == 6)
        return -1;
    *name = (h & 8) ? id : "Some *Name* [x](javascript:y) <b>";
    *url = urls[h % 6];
    return 0;
}

static bool
attr_name_allowed(const char *s, size_t n)
{
    static const char *const names[] = {"href", "src", "alt", "title", "rel", "class", "start"};

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return true;
    return false;
}

static bool
url_ok(const char *v, size_t n)
{
    for (size_t k = 0; k + 11 <= n; k++)
        if (strncasecmp(v + k, "javascript:", 11) == 0)
            return false;
    if ((n >= 7 && strncasecmp(v, "http://", 7) == 0) ||
        (n >= 8 && strncasecmp(v, "https://", 8) == 0) ||
        (n >= 7 && strncasecmp(v, "mailto:", 7) == 0) || (n >= 1 && v[0] == '#'))
        return true;
    return n >= 1 && v[0] == '/' && !(n >= 2 && v[1] == '/');
}

static void
check_html(const char *html)
{
    for (const char *p = strchr(html, '<'); p; p = strchr(p, '<')) {
        const char *q = p + 1;

        if (*q == '/')
            q++;
        while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9'))
            q++;
        if (q == p + 1 ||
            (q - p == 2 && p[1] == 'a' && strncmp(q, " rel=\"nofollow noopener\"", 24) != 0))
            abort();
        while (*q == ' ') {
            const char *an = ++q, *v, *e;

            if (*q == '/')
                break;
            while ((*q >= 'a' && *q <= 'z') || *q == '-')
                q++;
            if (!attr_name_allowed(an, (size_t)(q - an)) || q[0] != '=' || q[1] != '"')
                abort();
            v = q + 2;
            e = strchr(v, '"');
            if (!e || memchr(v, '<', (size_t)(e - v)) || memchr(v, '>', (size_t)(e - v)))
                abort();
            if (((q - an == 4 && memcmp(an, "href", 4) == 0) ||
                 (q - an == 3 && memcmp(an, "src", 3) == 0)) &&
                !url_ok(v, (size_t)(e - v)))
                abort();
            q = e + 1;
        }
        if (*q == '/')
            q++;
        if (*q != '>')
            abort();
        p = q + 1;
    }
}

static void
check_mentions(const struct pod_mention *m, size_t n)
{
    if (n > POD_TEXT_MAX_MENTIONS || (n && !m))
        abort();
    for (size_t i = 0; i < n; i++) {
        if (!pod_diaspora_id_parse(m[i].diaspora_id, NULL, 0, NULL, 0) || strpbrk(m[i].name, "};"))
            abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(m[i].diaspora_id, m[j].diaspora_id) == 0)
                abort();
    }
}

static void
check_tags(const char **t, size_t n)
{
    if (n > POD_TEXT_MAX_TAGS || (n && !t))
        abort();
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(t[i]);

        if (len == 0 || len > POD_TAG_MAX || t[i][len - 1] == '-')
            abort();
        for (size_t k = 0; k < len; k++) {
            unsigned char c = (unsigned char)t[i][k];

            if (c < 0x80 && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_' &&
                c != '-')
                abort();
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(t[i], t[j]) == 0)
                abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char stack[4096];
    const char *text = (const char *)data;
    struct pod_mention *m;
    struct pod_arena a;
    const char **t;
    size_t n;
    char *html;
    int rc;

    pod_arena_init(&a, stack, sizeof stack, 8u << 20);
    rc = pod_text_mentions(text, size, &a, &m, &n);
    if (rc == POD_OK)
        check_mentions(m, n);
    else if (rc != POD_ERR_NOMEM)
        abort();
    rc = pod_text_tags(text, size, &a, &t, &n);
    if (rc == POD_OK)
        check_tags(t, n);
    else if (rc != POD_ERR_NOMEM)
        abort();
    html = pod_text_render(text, size, (size & 1) ? resolve : NULL, NULL, &a);
    if (html)
        check_html(html);
    pod_arena_free(&a);
    return 0;
}
