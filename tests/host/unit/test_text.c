/*
 * test_text.c - mentions, hashtags and the rendering of app/core/text.c:
 * what is found, what is not, and that the HTML of hostile Markdown has no
 * script URL, no event handler and rel="nofollow noopener" on every link.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "core/arena.h"
#include "core/error.h"
#include "core/text.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
    struct pod_arena a;
    unsigned char stack[4096];
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);

    if (!fx)
        return -1;
    pod_arena_init(&fx->a, fx->stack, sizeof fx->stack, 16u << 20);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    pod_arena_free(&fx->a);
    free(fx);
    return 0;
}

static struct pod_arena *
arena(void **state)
{
    return &((struct fixture *)*state)->a;
}

/* ------------------------------------------------------------ mentions */

static size_t
mentions(void **state, const char *text, struct pod_mention **m)
{
    size_t n = 99;

    assert_int_equal(pod_text_mentions(text, strlen(text), arena(state), m, &n), POD_OK);
    return n;
}

static void
test_mentions_forms(void **state)
{
    struct pod_mention *m;

    assert_int_equal(mentions(state, "hi @{Alice Smith; alice@example.org}!", &m), 1);
    assert_string_equal(m[0].name, "Alice Smith");
    assert_string_equal(m[0].diaspora_id, "alice@example.org");

    assert_int_equal(mentions(state, "@{bob@pod.example.net:3000}", &m), 1);
    assert_string_equal(m[0].name, "");
    assert_string_equal(m[0].diaspora_id, "bob@pod.example.net:3000");

    /* Whitespace around the ';' and inside the braces; the ID lowercased. */
    assert_int_equal(mentions(state, "@{  Carol  ;\tCAROL@Example.ORG }", &m), 1);
    assert_string_equal(m[0].name, "Carol");
    assert_string_equal(m[0].diaspora_id, "carol@example.org");
    assert_int_equal(mentions(state, "@{ dave@example.org }", &m), 1);
    assert_string_equal(m[0].name, "");

    /* Any name character but '}' and ';' - Markdown, braces, UTF-8. */
    assert_int_equal(mentions(state, "@{*Ève* _[x]{ @ #; eve@example.org}", &m), 1);
    assert_string_equal(m[0].name, "*Ève* _[x]{ @ #");

    /* Inside code, too (diaspora* does the same). */
    assert_int_equal(mentions(state, "`@{F; f@example.org}`", &m), 1);

    /* Two in a row, with no space between. */
    assert_int_equal(mentions(state, "@{a@example.org}@{b@example.org}", &m), 2);
    assert_string_equal(m[1].diaspora_id, "b@example.org");
}

static void
test_mentions_invalid(void **state)
{
    static const char *const bad[] = {
        "@{Name; not an id}",
        "@{Name; @example.org}",
        "@{Name; user@}",
        "@{Name; us er@example.org}",
        "@{Name; user@exa_mple.org}",
        "@{A; B; user@example.org}",
        "@{}",
        "@{ ; }",
        "@{Name;}",
        "@ {user@example.org}",
        "@{Name; user@example.org",
        "@{user@example.org",
        "@{",
        "@",
        "{user@example.org}",
        "user@example.org",
    };
    struct pod_mention *m;

    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        print_message("%s\n", bad[i]);
        assert_int_equal(mentions(state, bad[i], &m), 0);
        assert_null(m);
    }
    /* An unterminated one does not hide a later good one. */
    assert_int_equal(mentions(state, "@{x @{Ok; ok@example.org}", &m), 1);
    assert_string_equal(m[0].diaspora_id, "ok@example.org");
    /* A NUL inside ends the chance. */
    {
        static const char nul[] = "@{a\0b; c@example.org}";
        size_t n = 9;

        assert_int_equal(pod_text_mentions(nul, sizeof nul - 1, arena(state), &m, &n), POD_OK);
        assert_int_equal(n, 0);
    }
}

static void
test_mentions_duplicates_and_limit(void **state)
{
    struct pod_mention *m;
    char text[8192];
    size_t o = 0;

    assert_int_equal(
        mentions(state, "@{First; a@example.org} @{Second; A@EXAMPLE.org} @{a@example.org}", &m),
        1);
    assert_string_equal(m[0].name, "First");

    for (int i = 0; i < POD_TEXT_MAX_MENTIONS + 10; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "@{U%d; u%d@example.org} ", i, i);
    assert_int_equal(mentions(state, text, &m), POD_TEXT_MAX_MENTIONS);
    assert_string_equal(m[POD_TEXT_MAX_MENTIONS - 1].diaspora_id, "u63@example.org");
}

static void
test_mentions_args(void **state)
{
    struct pod_mention *m = (void *)1;
    struct pod_arena tiny;
    size_t n = 5;

    assert_int_equal(pod_text_mentions(NULL, 0, arena(state), &m, &n), POD_OK);
    assert_int_equal(n, 0);
    assert_null(m);
    assert_int_equal(pod_text_mentions(NULL, 3, arena(state), &m, &n), POD_ERR_INVAL);
    assert_int_equal(pod_text_mentions("x", 1, NULL, &m, &n), POD_ERR_INVAL);
    assert_int_equal(pod_text_mentions("x", 1, arena(state), NULL, &n), POD_ERR_INVAL);
    assert_int_equal(pod_text_mentions("x", 1, arena(state), &m, NULL), POD_ERR_INVAL);

    pod_arena_init(&tiny, NULL, 0, 64);
    assert_int_equal(pod_text_mentions("@{a@example.org}", 16, &tiny, &m, &n), POD_ERR_NOMEM);
    pod_arena_free(&tiny);
}

/* ------------------------------------------------------------ tags */

static size_t
tags(void **state, const char *text, const char ***t)
{
    size_t n = 99;

    assert_int_equal(pod_text_tags(text, strlen(text), arena(state), t, &n), POD_OK);
    return n;
}

/* The tags of text, joined with ',' (a static buffer). */
static const char *
tag_list(void **state, const char *text)
{
    static char out[4096];
    const char **t;
    size_t n = tags(state, text, &t), o = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", i ? "," : "", t[i]);
    return out;
}

static void
test_tags_boundaries(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"#start of text", "start"},
        {"line\n#second", "second"},
        {"a,#comma (#paren) .#dot \"#quoted\" *#em*", "comma,paren,dot,quoted,em"},
        {"a#b c_#d 9#e", ""},
        {"it&#39;s &#x23;nope", ""},
        {"#café au lait", "café"},
        {"#東京 #東京。 #Москва, #Ärger", "東京,Москва,Ärger"},
        {"#foo- #bar-baz #--", "foo,bar-baz"},
        {"#a_b #_x #9", "a_b,_x,9"},
        {"#", ""},
        {"# heading", ""},
        {"##double", "double"},
        {"#party🎉 #end…", "party,end"},
        {"#bad\xff\xfe", "bad"},
        {"#x\xc3", "x"},
        {"#nsfw pics", "nsfw"},
        {"see http://example.com/#frag and www.example.com/#top", ""},
        {"[link](/page#anchor) [ref]: /x#y", ""},
        {"[#inlink](http://example.com)", "inlink"},
        {"`#incode`", "incode"},
        {"\\#escaped", "escaped"},
        {"(#a)#b", "a,b"},
    };

    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        print_message("%s\n", cases[i].in);
        assert_string_equal(tag_list(state, cases[i].in), cases[i].want);
    }
}

static void
test_tags_folding_and_limits(void **state)
{
    char text[8192], name[POD_TAG_MAX + 2];
    const char **t;
    size_t o = 0;

    assert_string_equal(tag_list(state, "#Tag #TAG #tag #tAg #Other"), "tag,other");

    /* POD_TAG_MAX bytes is fine; one more and the tag is skipped whole. */
    memset(name, 'x', POD_TAG_MAX);
    name[POD_TAG_MAX] = '\0';
    snprintf(text, sizeof text, "#%s #y%s #z", name, name);
    assert_int_equal(tags(state, text, &t), 2);
    assert_string_equal(t[0], name);
    assert_string_equal(t[1], "z");
    /* Multibyte letters count in bytes: 33 two-byte letters are too long. */
    o = 0;
    o += (size_t)snprintf(text, sizeof text, "#");
    for (int i = 0; i < 33; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "é");
    assert_int_equal(tags(state, text, &t), 0);

    o = 0;
    for (int i = 0; i < POD_TEXT_MAX_TAGS + 8; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "#t%d ", i);
    assert_int_equal(tags(state, text, &t), POD_TEXT_MAX_TAGS);
    assert_string_equal(t[POD_TEXT_MAX_TAGS - 1], "t31");
}

static void
test_tags_args(void **state)
{
    const char **t = (void *)1;
    struct pod_arena tiny;
    size_t n = 5;

    assert_int_equal(pod_text_tags(NULL, 0, arena(state), &t, &n), POD_OK);
    assert_int_equal(n, 0);
    assert_null(t);
    assert_int_equal(pod_text_tags(NULL, 1, arena(state), &t, &n), POD_ERR_INVAL);
    assert_int_equal(pod_text_tags("#a", 2, NULL, &t, &n), POD_ERR_INVAL);
    assert_int_equal(pod_text_tags("#a", 2, arena(state), NULL, &n), POD_ERR_INVAL);

    pod_arena_init(&tiny, NULL, 0, 16);
    assert_int_equal(pod_text_tags("#a", 2, &tiny, &t, &n), POD_ERR_NOMEM);
    pod_arena_free(&tiny);
}

/* ------------------------------------------------------------ rendering */

static int
resolve(const char *id, const char **name, const char **url, void *ctx)
{
    int *calls = ctx;

    if (calls)
        (*calls)++;
    if (strcmp(id, "alice@example.org") == 0) {
        *name = "Alice *_[]";
        *url = "/people/0123456789abcdef";
        return 0;
    }
    if (strcmp(id, "odd@example.org") == 0) { /* a URL that needs escaping */
        *name = "Odd";
        *url = "https://example.org/u/a b(c)";
        return 0;
    }
    if (strcmp(id, "evil@example.org") == 0) { /* a resolver gone wrong */
        *name = "Evil";
        *url = "javascript:alert(1)";
        return 0;
    }
    if (strcmp(id, "noname@example.org") == 0) {
        *name = "";
        *url = "/people/feed";
        return 0;
    }
    return -1;
}

static bool
attr_name_allowed(const char *s, size_t n)
{
    static const char *const names[] = {"href", "src", "alt", "title", "rel", "class", "start"};

    for (size_t i = 0; i < N_ELEMS(names); i++)
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

/* Every tag of html: only known attributes (so no on*= handler), quoted;
 * href/src only with allowed URLs; each <a> starts with the rel. */
static void
assert_safe_html(const char *html)
{
    for (const char *p = strchr(html, '<'); p; p = strchr(p, '<')) {
        const char *q = p + 1;

        if (*q == '/')
            q++;
        while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9'))
            q++;
        if (q - p == 2 && p[1] == 'a' && strncmp(q, " rel=\"nofollow noopener\"", 24) != 0)
            fail_msg("anchor without rel: %s", p);
        while (*q == ' ') {
            const char *an = ++q, *v, *e;

            if (*q == '/')
                break;
            while ((*q >= 'a' && *q <= 'z') || *q == '-')
                q++;
            if (!attr_name_allowed(an, (size_t)(q - an)))
                fail_msg("attribute %.*s in %s", (int)(q - an), an, p);
            if (q[0] != '=' || q[1] != '"')
                fail_msg("unquoted attribute in %s", p);
            v = q + 2;
            e = strchr(v, '"');
            assert_non_null(e);
            if (((q - an == 4 && memcmp(an, "href", 4) == 0) ||
                 (q - an == 3 && memcmp(an, "src", 3) == 0)) &&
                !url_ok(v, (size_t)(e - v)))
                fail_msg("URL %.*s", (int)(e - v), v);
            q = e + 1;
        }
        if (*q == '/')
            q++;
        if (*q != '>')
            fail_msg("odd tag: %s", p);
        p = q + 1;
    }
}

static const char *
render(void **state, const char *text)
{
    char *html = pod_text_render(text, strlen(text), resolve, NULL, arena(state));

    assert_non_null(html);
    assert_safe_html(html);
    return html;
}

static void
assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("\"%s\" not in \"%s\"", needle, hay);
}

static void
assert_lacks(const char *hay, const char *needle)
{
    if (strstr(hay, needle))
        fail_msg("\"%s\" in \"%s\"", needle, hay);
}

static void
test_render_markdown(void **state)
{
    const char *h;

    h = render(state, "*em* **strong** ~~gone~~");
    assert_string_equal(h, "<p><em>em</em> <strong>strong</strong> <del>gone</del></p>\n");

    h = render(state, "[site](https://example.org/a?b=1&c=2 \"Title\")");
    assert_string_equal(
        h, "<p><a rel=\"nofollow noopener\" href=\"https://example.org/a?b=1&amp;c=2\" "
           "title=\"Title\">site</a></p>\n");

    h = render(state, "http://example.com/x www.example.net <https://example.org> "
                      "<mailto:a@example.org> [p](/posts/1) [f](#top)");
    assert_contains(h, "<a rel=\"nofollow noopener\" href=\"http://example.com/x\">");
    assert_contains(h, "<a rel=\"nofollow noopener\" href=\"http://www.example.net\">");
    assert_contains(h, "<a rel=\"nofollow noopener\" href=\"https://example.org\">");
    assert_contains(h, "<a rel=\"nofollow noopener\" href=\"mailto:a@example.org\">");
    assert_contains(h, "<a rel=\"nofollow noopener\" href=\"/posts/1\">");
    assert_contains(h, "<a rel=\"nofollow noopener\" href=\"#top\">");

    h = render(state, "![cat](https://example.org/cat.png)");
    assert_string_equal(h, "<p><img src=\"https://example.org/cat.png\" alt=\"cat\"></p>\n");

    h = render(state, "# Title\n\n- one\n- two\n\n> quote\n\n1. x\n\n---\n");
    assert_contains(h, "<h3>Title</h3>"); /* two levels under the page */
    assert_contains(h, "<li>one</li>");
    assert_contains(h, "<blockquote>");
    assert_contains(h, "<hr>");

    h = render(state, "");
    assert_string_equal(h, "");
}

static void
test_render_xss(void **state)
{
    static const char *const hostile[] = {
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;&#x61;vascript:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x]( javascript:alert(1))",
        "[x](%20javascript:alert(1))",
        "[x](http://ok/javascript:alert(1))",
        "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](DATA:image/svg+xml,<svg/onload=alert(1)>)",
        "[x](vbscript:msgbox(1))",
        "[x](//evil.example/)",
        "[x](/\\evil.example/)",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "<JAVASCRIPT:alert(1)>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<script>alert(1)</script>",
        "[x](\"onmouseover=alert(1) \")",
        "[x](/ok \"t\\\" onmouseover=alert(1) x=\\\"\")",
        "![a\" onerror=\"alert(1)](/i.png)",
        "``` \"><script>alert(1)</script>\ncode\n```",
        "@{Mallory\" onclick=\"x; evil@example.org}",
        "@{<script>alert(1)</script>; bob@example.org}",
    };

    for (size_t i = 0; i < N_ELEMS(hostile); i++) {
        const char *h;

        print_message("%s\n", hostile[i]);
        h = render(state, hostile[i]); /* asserts the tags are safe */
        assert_lacks(h, "<script");
        assert_lacks(h, "<img src=x");
        assert_lacks(h, "<a href");
        for (const char *p = h; *p; p++)
            if (strncasecmp(p, "javascript:", 11) == 0 || strncasecmp(p, "data:", 5) == 0) {
                /* Only as text, never as an attribute value. */
                const char *lt = p, *gt = p;
                while (lt > h && *lt != '<' && *lt != '>')
                    lt--;
                while (*gt && *gt != '<' && *gt != '>')
                    gt++;
                if (*lt == '<' && *gt == '>')
                    fail_msg("script URL in a tag: %s", h);
            }
    }
    assert_string_equal(render(state, "<img src=x onerror=alert(1)>"),
                        "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n");
    assert_string_equal(render(state, "[x](JaVaScRiPt:alert(1))"),
                        "<p><a rel=\"nofollow noopener\">x</a></p>\n");
}

static void
test_render_mentions(void **state)
{
    const char *h;
    int calls = 0;

    /* Known: a link, named as the resolver says; its Markdown stays text. */
    h = render(state, "hi @{Al; alice@example.org}!");
    assert_string_equal(h, "<p>hi <a rel=\"nofollow noopener\" "
                           "href=\"/people/0123456789abcdef\">Alice *_[]</a>!</p>\n");
    h = render(state, "@{ALICE@example.org}");
    assert_contains(h, ">Alice *_[]</a>");

    /* Unknown: the name as written, still plain text. */
    h = render(state, "cc @{Bob *_[x](http://e.vil)_* ~~s~~; bob@example.org}");
    assert_string_equal(h, "<p>cc Bob *_[x](http://e.vil)_* ~~s~~</p>\n");
    h = render(state, "@{bob@example.org}");
    assert_string_equal(h, "<p>bob@example.org</p>\n");
    h = pod_text_render("@{Al; alice@example.org}", 24, NULL, NULL, arena(state));
    assert_string_equal(h, "<p>Al</p>\n");

    /* A resolver's URL is escaped for Markdown and still filtered. */
    h = render(state, "@{odd@example.org}");
    assert_contains(h, "href=\"https://example.org/u/a%20b%28c%29\">Odd</a>");
    h = render(state, "@{evil@example.org}");
    assert_string_equal(h, "<p><a rel=\"nofollow noopener\">Evil</a></p>\n");
    h = render(state, "@{Written; noname@example.org}");
    assert_contains(h, "href=\"/people/feed\">Written</a>");
    h = render(state, "@{noname@example.org}");
    assert_contains(h, "href=\"/people/feed\">noname@example.org</a>");

    /* Not rewritten: invalid ones, escaped ones, ones in code. */
    h = render(state, "@{Name; not valid} \\@{Al; alice@example.org}");
    assert_string_equal(h, "<p>@{Name; not valid} @{Al; alice@example.org}</p>\n");
    h = render(state, "`@{Al; alice@example.org}`");
    assert_string_equal(h, "<p><code>@{Al; alice@example.org}</code></p>\n");

    /* In link text a mention is its plain name (no link in a link); after
     * '!' it does not become an image. */
    h = render(state, "[see @{Al; alice@example.org}](https://example.org)");
    assert_string_equal(h, "<p><a rel=\"nofollow noopener\" href=\"https://example.org\">see "
                           "Al</a></p>\n");
    h = render(state, "wow!@{Al; alice@example.org}");
    assert_lacks(h, "<img");
    assert_contains(h, "wow!<a ");

    /* Look-ups are bounded. */
    {
        char text[16384];
        size_t o = 0;

        for (int i = 0; i < POD_TEXT_MAX_MENTIONS * 3; i++)
            o += (size_t)snprintf(text + o, sizeof text - o, "@{alice@example.org} ");
        assert_non_null(pod_text_render(text, o, resolve, &calls, arena(state)));
        assert_int_equal(calls, POD_TEXT_MAX_MENTIONS);
    }
}

static void
test_render_tags(void **state)
{
    const char *h;

    h = render(state, "#Tag and (#café) a#b #foo- #a_b");
    assert_string_equal(h, "<p><a rel=\"nofollow noopener\" href=\"/tags/tag\">#Tag</a> and "
                           "(<a rel=\"nofollow noopener\" href=\"/tags/caf%C3%A9\">#café</a>) a#b "
                           "<a rel=\"nofollow noopener\" href=\"/tags/foo\">#foo</a>- "
                           "<a rel=\"nofollow noopener\" href=\"/tags/a_b\">#a_b</a></p>\n");

    /* Not tags: entities, escapes, URLs, headings. */
    h = render(state, "it&#39;s \\#not http://example.com/#frag [l](/p#q)");
    assert_string_equal(h, "<p>it's #not <a rel=\"nofollow noopener\" "
                           "href=\"http://example.com/#frag\">http://example.com/#frag</a> "
                           "<a rel=\"nofollow noopener\" href=\"/p#q\">l</a></p>\n");
    h = render(state, "# Heading #tag");
    assert_string_equal(h, "<h3>Heading <a rel=\"nofollow noopener\" "
                           "href=\"/tags/tag\">#tag</a></h3>\n");

    /* Code is left alone: spans, fenced and indented blocks. */
    h = render(state, "`#x` ``a ` #y`` #z");
    assert_string_equal(h, "<p><code>#x</code> <code>a ` #y</code> "
                           "<a rel=\"nofollow noopener\" href=\"/tags/z\">#z</a></p>\n");
    h = render(state, "```sh\n#!/bin/sh\n# #comment\n```\n\n~~~\n#t\n~~~\n\n    #indented\n");
    assert_string_equal(h, "<pre><code class=\"language-sh\">#!/bin/sh\n# #comment\n</code></pre>\n"
                           "<pre><code>#t\n</code></pre>\n"
                           "<pre><code>#indented\n</code></pre>\n");

    /* Link text keeps its tags plain; '!' does not make a tag an image;
     * overlong tags stay text. */
    h = render(state, "[#inlink](https://example.org) yes!#bang");
    assert_string_equal(h,
                        "<p><a rel=\"nofollow noopener\" href=\"https://example.org\">#inlink</a>"
                        " yes!<a rel=\"nofollow noopener\" href=\"/tags/bang\">#bang</a></p>\n");
    h = render(state, "[x] #t1 [y #t2](/z) #t3 [[#t4]](/w) [#t5]");
    assert_string_equal(h, "<p>[x] <a rel=\"nofollow noopener\" href=\"/tags/t1\">#t1</a> "
                           "<a rel=\"nofollow noopener\" href=\"/z\">y #t2</a> "
                           "<a rel=\"nofollow noopener\" href=\"/tags/t3\">#t3</a> "
                           "<a rel=\"nofollow noopener\" href=\"/w\">[#t4]</a> "
                           "[<a rel=\"nofollow noopener\" href=\"/tags/t5\">#t5</a>]</p>\n");
    {
        char text[POD_TAG_MAX + 8];

        text[0] = '#';
        memset(text + 1, 'x', POD_TAG_MAX + 1);
        text[POD_TAG_MAX + 2] = '\0';
        h = render(state, text);
        assert_lacks(h, "<a");
    }
}

static void
test_render_limits(void **state)
{
    struct pod_arena tiny;
    char *big = malloc(POD_MARKDOWN_MAX_INPUT + 1);
    unsigned char stack[512];

    assert_non_null(big);
    memset(big, 'a', POD_MARKDOWN_MAX_INPUT + 1);
    assert_non_null(pod_text_render(big, POD_MARKDOWN_MAX_INPUT, NULL, NULL, arena(state)));
    assert_null(pod_text_render(big, POD_MARKDOWN_MAX_INPUT + 1, NULL, NULL, arena(state)));
    /* Worst case growth: every two bytes a tag. */
    for (size_t i = 0; i + 1 < POD_MARKDOWN_MAX_INPUT; i += 3)
        memcpy(big + i, " #", 2);
    assert_non_null(pod_text_render(big, POD_MARKDOWN_MAX_INPUT, NULL, NULL, arena(state)));
    free(big);

    assert_null(pod_text_render(NULL, 1, NULL, NULL, arena(state)));
    assert_null(pod_text_render("x", 1, NULL, NULL, NULL));
    pod_arena_init(&tiny, stack, sizeof stack, sizeof stack);
    {
        static const char text[] = "some *text* #tag with a bit of length to it, more than the "
                                   "arena has room for once rendered and post-processed.......";

        assert_null(pod_text_render(text, sizeof text - 1, resolve, NULL, &tiny));
    }
    pod_arena_free(&tiny);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mentions_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mentions_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mentions_duplicates_and_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mentions_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags_folding_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_markdown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_xss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_mentions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_limits, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
