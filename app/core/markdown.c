#include "core/markdown.h"

#include <string.h>
#include <strings.h>

#include <md4c-html.h>

struct out {
    struct pod_arena *a;
    char *buf;
    size_t len, cap;
    int failed;
};

static void
collect(const MD_CHAR *text, MD_SIZE size, void *userdata)
{
    struct out *o = userdata;
    char *bigger;
    size_t want;

    if (o->failed)
        return;
    if (o->len + size + 1 > o->cap) {
        want = o->cap ? o->cap * 2 : 1024;
        while (want < o->len + size + 1)
            want *= 2;
        bigger = pod_arena_alloc(o->a, want);
        if (!bigger) {
            o->failed = 1;
            return;
        }
        if (o->len)
            memcpy(bigger, o->buf, o->len);
        o->buf = bigger;
        o->cap = want;
    }
    memcpy(o->buf + o->len, text, size);
    o->len += size;
    o->buf[o->len] = '\0';
}

/* True for URL values (as md4c wrote them, attribute-escaped) we let
 * through: absolute http(s) and mailto, and paths or fragments on this pod
 * (but not "//host", which leaves it). */
static int
url_allowed(const char *v, size_t n)
{
    if (n >= 7 && strncasecmp(v, "http://", 7) == 0)
        return 1;
    if (n >= 8 && strncasecmp(v, "https://", 8) == 0)
        return 1;
    if (n >= 7 && strncasecmp(v, "mailto:", 7) == 0)
        return 1;
    if (n >= 1 && v[0] == '#')
        return 1;
    if (n >= 1 && v[0] == '/' && !(n >= 2 && v[1] == '/'))
        return 1;
    return 0;
}

/* Blanks href="..." and src="..." values that url_allowed() refuses. md4c
 * escapes '"' inside attribute values, so the closing quote is the next
 * '"'. Text content cannot contain a raw '"' followed by these names in a
 * way that matters: md4c escapes quotes in text as &quot;. */
static void
neutralise_urls(char *html)
{
    static const char *const attrs[] = {" href=\"", " src=\""};

    for (size_t k = 0; k < 2; k++) {
        size_t alen = strlen(attrs[k]);
        for (char *p = strstr(html, attrs[k]); p; p = strstr(p, attrs[k])) {
            char *v = p + alen, *end = strchr(v, '"');
            if (!end)
                return;
            if (!url_allowed(v, (size_t)(end - v)))
                memset(v, ' ', (size_t)(end - v));
            p = end;
        }
    }
}

char *
pod_markdown_html(const char *md, size_t len, struct pod_arena *a)
{
    struct out o = {.a = a};

    if (len > POD_MARKDOWN_MAX_INPUT)
        return NULL;
    collect("", 0, &o);
    if (o.failed)
        return NULL;
    if (md_html(md, (MD_SIZE)len, collect, &o,
                MD_DIALECT_COMMONMARK | MD_FLAG_NOHTML | MD_FLAG_STRIKETHROUGH |
                    MD_FLAG_PERMISSIVEURLAUTOLINKS | MD_FLAG_PERMISSIVEWWWAUTOLINKS,
                0) != 0 ||
        o.failed)
        return NULL;
    neutralise_urls(o.buf);
    return o.buf;
}
