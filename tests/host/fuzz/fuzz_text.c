/* Fuzz target: mentions, hashtags and rendering of app/core/text.c over
 * arbitrary bytes, in an arena with a limit (so refused allocations are
 * exercised too). Beyond not crashing, the results must keep text.h's
 * promises: mentions valid, lowercase and unique; tags short, folded and
 * unique. The HTML is read by a small tag scanner (the strict oracle):
 * only the tags md4c writes for our flags (an allow-list per tag of its
 * attributes; no h1/h2, as text.c moves headings down), every <a> with
 * rel="nofollow noopener" first, no href/src but http(s), mailto, a
 * fragment or a local path (not "//host", not "/\host", never
 * "javascript:"), and in text and attribute values no raw '<' or '>' and
 * no '&' that does not start an entity. The resolver knows some people,
 * one of them with a script URL. */
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

/* The HTML the renderer may produce: md4c's own tags for CommonMark with
 * strikethrough and raw HTML off (text.c), headings moved two levels down
 * (so no h1/h2), and per tag the attributes md4c writes plus the rel that
 * text.c adds to every <a>. Anything else coming out is an injection. */
static const struct {
    const char *tag;
    const char *attrs[4];
} allowed[] = {
    {"p", {NULL}},
    {"h3", {NULL}},
    {"h4", {NULL}},
    {"h5", {NULL}},
    {"h6", {NULL}},
    {"em", {NULL}},
    {"strong", {NULL}},
    {"del", {NULL}},
    {"code", {"class", NULL}},
    {"pre", {NULL}},
    {"ul", {NULL}},
    {"ol", {"start", NULL}},
    {"li", {NULL}},
    {"hr", {NULL}},
    {"br", {NULL}},
    {"blockquote", {NULL}},
    {"a", {"rel", "href", "title", NULL}},
    {"img", {"src", "alt", "title", NULL}},
};

static int
tag_index(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strlen(allowed[i].tag) == n && memcmp(allowed[i].tag, s, n) == 0)
            return (int)i;
    return -1;
}

static bool
attr_allowed(int tag, const char *s, size_t n)
{
    for (const char *const *a = allowed[tag].attrs; *a; a++)
        if (strlen(*a) == n && memcmp(*a, s, n) == 0)
            return true;
    return false;
}

/* text.c's url_allowed, stated independently and stricter: http(s) or
 * mailto, a fragment, or a path on this pod - not "//host" and not "/\host"
 * (browsers take both for another host); never "javascript:"; md4c
 * percent-escapes the rest, so no blank, control byte or backslash. */
static bool
url_ok(const char *v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)v[k] <= 0x20 || v[k] == 0x7f || v[k] == '\\')
            return false;
    for (size_t k = 0; k + 11 <= n; k++)
        if (strncasecmp(v + k, "javascript:", 11) == 0)
            return false;
    if ((n >= 7 && strncasecmp(v, "http://", 7) == 0) ||
        (n >= 8 && strncasecmp(v, "https://", 8) == 0) ||
        (n >= 7 && strncasecmp(v, "mailto:", 7) == 0) || (n >= 1 && v[0] == '#'))
        return true;
    return n >= 1 && v[0] == '/' && !(n >= 2 && v[1] == '/');
}

/* Text between tags (and attribute values): '<' and '>' never appear raw,
 * and '&' only starts an entity "&name;" or "&#...;". */
static void
check_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '<' || s[i] == '>')
            abort();
        if (s[i] == '&') {
            size_t k = i + 1;
            if (k < n && s[k] == '#')
                k++;
            while (k < n && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
                             (s[k] >= '0' && s[k] <= '9')))
                k++;
            if (k == i + 1 || k >= n || s[k] != ';')
                abort();
        }
    }
}

static void
check_html(const char *html)
{
    const char *p = html;

    for (;;) {
        const char *lt = strchr(p, '<'), *q, *name;
        int tag;

        check_text(p, lt ? (size_t)(lt - p) : strlen(p));
        if (!lt)
            return;
        q = lt + 1;
        if (*q == '/')
            q++;
        name = q;
        while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9'))
            q++;
        tag = tag_index(name, (size_t)(q - name));
        if (tag < 0)
            abort();
        /* text.c puts rel first on every opening <a>. */
        if (name == lt + 1 && q - name == 1 && *name == 'a' &&
            strncmp(q, " rel=\"nofollow noopener\"", 24) != 0)
            abort();
        while (*q == ' ') {
            const char *an = ++q, *v, *e;

            while ((*q >= 'a' && *q <= 'z') || *q == '-')
                q++;
            if (name != lt + 1 || !attr_allowed(tag, an, (size_t)(q - an)) || q[0] != '=' ||
                q[1] != '"')
                abort();
            v = q + 2;
            e = strchr(v, '"');
            if (!e)
                abort();
            check_text(v, (size_t)(e - v));
            if (((q - an == 4 && memcmp(an, "href", 4) == 0) ||
                 (q - an == 3 && memcmp(an, "src", 3) == 0)) &&
                !url_ok(v, (size_t)(e - v)))
                abort();
            if (q - an == 3 && memcmp(an, "rel", 3) == 0 &&
                (e - v != 17 || memcmp(v, "nofollow noopener", 17) != 0))
                abort();
            q = e + 1;
        }
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
