/*
 * test_http_url.c - the URL parser of the outbound client (app/http/url.c):
 * what it accepts, what it refuses, redirect resolution and formatting.
 * Table-driven: each row is one input and the expected result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "http/url.h"

#include <stdio.h>
#include <string.h>

struct ok_case {
    const char *in;
    bool https;
    const char *host;
    unsigned port;
    const char *path;
    bool ipv6;
};

static const struct ok_case ok_cases[] = {
    {"https://example.org", true, "example.org", 443, "/", false},
    {"https://example.org/", true, "example.org", 443, "/", false},
    {"https://Example.ORG/Path", true, "example.org", 443, "/Path", false},
    {"HTTPS://example.org/x", true, "example.org", 443, "/x", false},
    {"http://example.org:8080/a/b?c=d#frag", false, "example.org", 8080, "/a/b?c=d", false},
    {"http://example.org", false, "example.org", 80, "/", false},
    {"https://example.org?x=1", true, "example.org", 443, "/?x=1", false},
    {"https://example.org#top", true, "example.org", 443, "/", false},
    {"https://example.org:443/", true, "example.org", 443, "/", false},
    {"https://example.org:65535/", true, "example.org", 65535, "/", false},
    {"https://example.org:1/", true, "example.org", 1, "/", false},
    {"https://example.org./", true, "example.org.", 443, "/", false},
    {"https://a_b-c.example/", true, "a_b-c.example", 443, "/", false},
    {"https://pod.example/.well-known/webfinger?resource=acct:alice@pod.example", true,
     "pod.example", 443, "/.well-known/webfinger?resource=acct:alice@pod.example", false},
    {"https://pod.example/fetch/post/0123abcd", true, "pod.example", 443, "/fetch/post/0123abcd",
     false},
    {"https://x.org/%41%2f%e2%9c%93", true, "x.org", 443, "/%41%2f%e2%9c%93", false},
    {"https://x.org/a;b=c,d!$&'()*+~", true, "x.org", 443, "/a;b=c,d!$&'()*+~", false},
    {"https://x.org/a?b=/c?d", true, "x.org", 443, "/a?b=/c?d", false},
    {"https://[2001:db8::1]:8443/p", true, "2001:db8::1", 8443, "/p", true},
    {"https://[2001:DB8::A]/", true, "2001:db8::a", 443, "/", true},
    {"https://[::ffff:1.2.3.4]/", true, "::ffff:1.2.3.4", 443, "/", true},
    {"http://[::1]", false, "::1", 80, "/", true},
    /* Numeric spellings are names here; the address guard judges what
     * they resolve to (test_addr_guard.c). */
    {"https://0x7f.1/", true, "0x7f.1", 443, "/", false},
    {"https://2130706433/", true, "2130706433", 443, "/", false},
    {"https://127.0.0.1:8443/", true, "127.0.0.1", 8443, "/", false},
    {"https://017700000001/", true, "017700000001", 443, "/", false},
};

static void
test_parse_ok(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
        const struct ok_case *c = &ok_cases[i];
        struct http_url u;
        int ret = http_url_parse(c->in, strlen(c->in), &u);
        if (ret != POD_OK)
            fail_msg("%s: %s", c->in, pod_strerror(ret));
        assert_int_equal(u.https, c->https);
        assert_string_equal(u.host, c->host);
        assert_int_equal(u.port, c->port);
        assert_string_equal(u.path, c->path);
        assert_int_equal(u.ipv6, c->ipv6);
    }
}

static const char *const bad_cases[] = {
    "",
    "example.org",
    "ftp://example.org/",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "https:/example.org",
    "https:example.org",
    "//example.org/",
    "https://",
    "https:///path",
    "https://?q",
    "https://user@example.org/",
    "https://user:pw@example.org/",
    "https://example.org@evil.example/",
    "https://@example.org/",
    "https://exa mple.org/",
    "https://example.org/a b",
    " https://example.org/",
    "https://example.org/ ",
    "https://example.org/\x01",
    "https://example.org\r\n/",
    "https://example.org/\r\nX-Injected: 1",
    "https://example.org/\x7f",
    "https://ex\xc3\xa4mple.org/",
    "https://example.org/\xc3\xa4",
    "https://example.org/#frag with space",
    "https://example.org\\evil.example/",
    "https://example.org/a\\b",
    "https://example.org:0/",
    "https://example.org:65536/",
    "https://example.org:99999999/",
    "https://example.org:/",
    "https://example.org:80a/",
    "https://example.org:-1/",
    "https://example.org:+443/",
    "https://example.org:443:443/",
    "https://[::1/",
    "https://[::1]x/",
    "https://[::1]:/",
    "https://[]/",
    "https://[fe80::1%25eth0]/",
    "https://[fe80::1%eth0]/",
    "https://[1.2.3.4]/",
    "https://[zz::1]/",
    "https://[::1::2]/",
    "https://::1/",
    "https://exa%6dple.org/",
    "https://a..b/",
    "https://.example.org/",
    "https://exa!mple.org/",
    "https://example.org/<script>",
    "https://example.org/a\"b",
    "https://example.org/{x}",
    "https://example.org/a|b",
    "https://example.org/a^b",
    "https://example.org/a`b",
    "https://example.org/a[0]",
    "https://example.org/%zz",
    "https://example.org/%4",
    "https://example.org/%",
};

static void
test_parse_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        struct http_url u;
        int ret = http_url_parse(bad_cases[i], strlen(bad_cases[i]), &u);
        if (ret != POD_ERR_INVAL)
            fail_msg("accepted or wrong error (%d) for \"%s\"", ret, bad_cases[i]);
    }
}

static void
test_parse_nul_and_length(void **state)
{
    static const char with_nul[] = "https://example.org/a\0b";
    char big[HTTP_URL_MAX + 64], host[300];
    struct http_url u;
    size_t n;

    (void)state;
    /* An embedded NUL within the given length is refused, not cut. */
    assert_int_equal(http_url_parse(with_nul, sizeof with_nul - 1, &u), POD_ERR_INVAL);
    /* The length is honoured: no NUL needed. */
    assert_int_equal(http_url_parse("https://a.example/xyz", 19, &u), POD_OK);
    assert_string_equal(u.path, "/x");

    n = (size_t)snprintf(big, sizeof big, "https://example.org/");
    memset(big + n, 'a', HTTP_URL_MAX - n);
    big[HTTP_URL_MAX] = '\0';
    assert_int_equal(http_url_parse(big, HTTP_URL_MAX, &u), POD_OK);
    big[HTTP_URL_MAX] = 'a';
    big[HTTP_URL_MAX + 1] = '\0';
    assert_int_equal(http_url_parse(big, HTTP_URL_MAX + 1, &u), POD_ERR_LIMIT);

    /* A 253-character name is fine, 254 is not. */
    memset(host, 'a', sizeof host);
    for (size_t i = 63; i < 253; i += 64)
        host[i] = '.';
    n = (size_t)snprintf(big, sizeof big, "https://%.253s/", host);
    assert_int_equal(http_url_parse(big, n, &u), POD_OK);
    assert_int_equal(strlen(u.host), 253);
    n = (size_t)snprintf(big, sizeof big, "https://%.254s/", host);
    assert_int_equal(http_url_parse(big, n, &u), POD_ERR_INVAL);
}

struct resolve_case {
    const char *base;
    const char *ref;
    int ret;
    const char *want; /* formatted result */
};

static const struct resolve_case resolve_cases[] = {
    {"https://a.example/dir/page?q=1", "https://b.example/x", POD_OK, "https://b.example/x"},
    {"https://a.example/dir/page?q=1", "HTTPS://B.example:8443", POD_OK, "https://b.example:8443/"},
    {"https://a.example/dir/page?q=1", "http://b.example/", POD_OK, "http://b.example/"},
    {"https://a.example/dir/page?q=1", "//c.example/y", POD_OK, "https://c.example/y"},
    {"http://a.example/dir/page", "//c.example/y", POD_OK, "http://c.example/y"},
    {"https://a.example/dir/page?q=1", "/abs?z", POD_OK, "https://a.example/abs?z"},
    {"https://a.example/dir/page?q=1", "rel", POD_OK, "https://a.example/dir/rel"},
    {"https://a.example/dir/page?q=/x/y", "rel", POD_OK, "https://a.example/dir/rel"},
    {"https://a.example/", "rel", POD_OK, "https://a.example/rel"},
    {"https://a.example/dir/page?q=1", "?n=2", POD_OK, "https://a.example/dir/page?n=2"},
    {"https://a.example/dir/page?q=1", "#f", POD_OK, "https://a.example/dir/page?q=1"},
    {"https://a.example/dir/page?q=1", "/x#f", POD_OK, "https://a.example/x"},
    {"http://a.example:8080/x", "/y", POD_OK, "http://a.example:8080/y"},
    {"https://[2001:db8::1]:8443/a/b", "c", POD_OK, "https://[2001:db8::1]:8443/a/c"},
    {"https://[2001:db8::1]/a/b", "/c", POD_OK, "https://[2001:db8::1]/c"},
    {"https://a.example/", "https://10.0.0.1/", POD_OK, "https://10.0.0.1/"},
    {"https://a.example/", "", POD_ERR_INVAL, NULL},
    {"https://a.example/", "javascript:alert(1)", POD_ERR_INVAL, NULL},
    {"https://a.example/", "ftp://b.example/", POD_ERR_INVAL, NULL},
    {"https://a.example/", "data:text/html,hi", POD_ERR_INVAL, NULL},
    {"https://a.example/", "//user@evil.example/", POD_ERR_INVAL, NULL},
    {"https://a.example/", "/a b", POD_ERR_INVAL, NULL},
    {"https://a.example/", "/a\r\nSet-Cookie: x", POD_ERR_INVAL, NULL},
    {"https://a.example/", "\\\\evil.example/", POD_ERR_INVAL, NULL},
    {"https://a.example/", "https:evil.example", POD_ERR_INVAL, NULL},
};

static void
test_resolve(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof resolve_cases / sizeof resolve_cases[0]; i++) {
        const struct resolve_case *c = &resolve_cases[i];
        struct http_url base, out;
        char text[HTTP_URL_MAX + 16];
        int ret;

        assert_int_equal(http_url_parse(c->base, strlen(c->base), &base), POD_OK);
        ret = http_url_resolve(&base, c->ref, strlen(c->ref), &out);
        if (ret != c->ret)
            fail_msg("%s + \"%s\": got %d, want %d", c->base, c->ref, ret, c->ret);
        if (ret != POD_OK)
            continue;
        assert_int_equal(http_url_format(&out, text, sizeof text), POD_OK);
        if (strcmp(text, c->want))
            fail_msg("%s + \"%s\": got %s, want %s", c->base, c->ref, text, c->want);
    }
}

static void
test_resolve_too_long(void **state)
{
    char ref[HTTP_URL_MAX];
    struct http_url base, out;

    (void)state;
    assert_int_equal(http_url_parse("https://a.example/", 18, &base), POD_OK);
    memset(ref, 'a', sizeof ref);
    ref[0] = '/';
    assert_int_equal(http_url_resolve(&base, ref, sizeof ref, &out), POD_ERR_LIMIT);
}

static void
test_authority_and_format(void **state)
{
    struct http_url u;
    char buf[HTTP_URL_MAX + 16], tiny[8];

    (void)state;
    assert_int_equal(http_url_parse("https://pod.example/", 20, &u), POD_OK);
    assert_int_equal(http_url_authority(&u, buf, sizeof buf), POD_OK);
    assert_string_equal(buf, "pod.example");
    assert_int_equal(http_url_parse("https://pod.example:8443/x", 26, &u), POD_OK);
    assert_int_equal(http_url_authority(&u, buf, sizeof buf), POD_OK);
    assert_string_equal(buf, "pod.example:8443");
    assert_int_equal(http_url_authority(&u, tiny, sizeof tiny), POD_ERR_LIMIT);
    assert_int_equal(http_url_parse("http://[::1]:80/", 16, &u), POD_OK);
    assert_int_equal(http_url_authority(&u, buf, sizeof buf), POD_OK);
    assert_string_equal(buf, "[::1]");
    assert_int_equal(http_url_format(&u, buf, sizeof buf), POD_OK);
    assert_string_equal(buf, "http://[::1]/");
    assert_int_equal(http_url_format(&u, tiny, sizeof tiny), POD_ERR_LIMIT);
}

static void
test_same_origin(void **state)
{
    struct http_url a, b;

    (void)state;
    assert_int_equal(http_url_parse("https://a.example/x", 19, &a), POD_OK);
    assert_int_equal(http_url_parse("https://A.example:443/y", 23, &b), POD_OK);
    assert_true(http_url_same_origin(&a, &b));
    assert_int_equal(http_url_parse("http://a.example/x", 18, &b), POD_OK);
    assert_false(http_url_same_origin(&a, &b));
    assert_int_equal(http_url_parse("https://a.example:444/x", 23, &b), POD_OK);
    assert_false(http_url_same_origin(&a, &b));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_parse_nul_and_length),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_resolve_too_long),
        cmocka_unit_test(test_authority_and_format),
        cmocka_unit_test(test_same_origin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
