/*
 * test_form.c - app/web/form.c: urlencoded query strings and bodies (diaspy's
 * sign-in form among them), multipart/form-data with binary file parts, and
 * the Cookie header. Every rule has a case that passes and one that fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "core/arena.h"
#include "core/error.h"
#include "web/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ helpers */

struct fx {
    unsigned char stack[2048];
    struct pod_arena a;
    struct web_form f;
};

static int
setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);

    assert_non_null(fx);
    pod_arena_init(&fx->a, fx->stack, sizeof fx->stack, 1 << 22);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *fx = *state;

    pod_arena_free(&fx->a);
    free(fx);
    return 0;
}

static int
url(struct fx *fx, const char *s)
{
    return web_form_parse_urlencoded(s, strlen(s), &fx->a, &fx->f);
}

static int
mp(struct fx *fx, const char *body, size_t len, const char *ct)
{
    return web_form_parse_multipart(body, len, ct, &fx->a, &fx->f);
}

static int
mps(struct fx *fx, const char *body)
{
    return mp(fx, body, strlen(body), "multipart/form-data; boundary=XyZ");
}

static void
assert_field(const struct web_form *f, size_t i, const char *name, const void *value, size_t len)
{
    assert_true(i < f->count);
    assert_string_equal(f->fields[i].name, name);
    assert_int_equal(f->fields[i].value_len, len);
    assert_memory_equal(f->fields[i].value, value, len);
    assert_int_equal(f->fields[i].value[len], '\0');
}

/* A growing string buffer for generated inputs. */
struct sbuf {
    char *p;
    size_t len, cap;
};

static void
sb_add(struct sbuf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* ---------------------------------------------------------------- urlencoded */

static void
url_diaspy_sign_in(void **state)
{
    struct fx *fx = *state;
    const char *body = "user%5Busername%5D=alice&user%5Bpassword%5D=secret"
                       "&authenticity_token=abc%2B%2F%3D&user%5Bremember_me%5D=1";

    assert_int_equal(url(fx, body), POD_OK);
    assert_int_equal(fx->f.count, 4);
    assert_field(&fx->f, 0, "user[username]", "alice", 5);
    assert_field(&fx->f, 1, "user[password]", "secret", 6);
    assert_field(&fx->f, 2, "authenticity_token", "abc+/=", 6);
    assert_field(&fx->f, 3, "user[remember_me]", "1", 1);
    assert_string_equal(web_form_get(&fx->f, "user[password]"), "secret");
    assert_null(fx->f.fields[0].filename);
    assert_null(fx->f.fields[0].content_type);
}

static void
url_plus_and_hex(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(url(fx, "b=two+words&c=%2f%2F%41a&d=a%26b%3Dc&e=%2B+"), POD_OK);
    assert_int_equal(fx->f.count, 4);
    assert_field(&fx->f, 0, "b", "two words", 9);
    assert_field(&fx->f, 1, "c", "//Aa", 4);
    assert_field(&fx->f, 2, "d", "a&b=c", 5);
    assert_field(&fx->f, 3, "e", "+ ", 2);
    /* Brackets kept literally, raw or encoded; '+' in names too. */
    assert_int_equal(url(fx, "user[x]=1&user%5by%5D=2&a+b=3"), POD_OK);
    assert_field(&fx->f, 0, "user[x]", "1", 1);
    assert_field(&fx->f, 1, "user[y]", "2", 1);
    assert_field(&fx->f, 2, "a b", "3", 1);
}

static void
url_utf8_and_binary(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(url(fx, "c=%C3%A9t%C3%A9&raw=\xc3\xa9&bad=%FF%FE"), POD_OK);
    assert_field(&fx->f, 0, "c", "\xc3\xa9t\xc3\xa9", 5);
    assert_field(&fx->f, 1, "raw", "\xc3\xa9", 2);
    assert_field(&fx->f, 2, "bad", "\xff\xfe", 2); /* callers validate UTF-8 */
    assert_int_equal(url(fx, "%C3%A9=x"), POD_OK);
    assert_string_equal(fx->f.fields[0].name, "\xc3\xa9");
}

static void
url_duplicates(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(url(fx, "a=1&a=2"), POD_OK);
    assert_int_equal(fx->f.count, 2);
    assert_field(&fx->f, 0, "a", "1", 1);
    assert_field(&fx->f, 1, "a", "2", 1);
    assert_string_equal(web_form_get(&fx->f, "a"), "1");
    assert_ptr_equal(web_form_field(&fx->f, "a"), &fx->f.fields[0]);
    assert_null(web_form_get(&fx->f, "b"));
    assert_null(web_form_get(&fx->f, "A"));
    assert_null(web_form_field(&fx->f, ""));
}

static void
url_empty_segments_and_missing_values(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(url(fx, "&a=1&&b=2&"), POD_OK);
    assert_int_equal(fx->f.count, 2);
    assert_field(&fx->f, 0, "a", "1", 1);
    assert_field(&fx->f, 1, "b", "2", 1);
    assert_int_equal(url(fx, "flag&x=&y=b=c"), POD_OK);
    assert_int_equal(fx->f.count, 3);
    assert_field(&fx->f, 0, "flag", "", 0);
    assert_field(&fx->f, 1, "x", "", 0);
    assert_field(&fx->f, 2, "y", "b=c", 3);
    assert_int_equal(url(fx, ""), POD_OK);
    assert_int_equal(fx->f.count, 0);
    assert_null(web_form_get(&fx->f, "a"));
    assert_int_equal(url(fx, "&&&"), POD_OK);
    assert_int_equal(fx->f.count, 0);
    assert_int_equal(web_form_parse_urlencoded(NULL, 0, &fx->a, &fx->f), POD_OK);
    assert_int_equal(fx->f.count, 0);
}

static void
url_semicolon_is_not_a_separator(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(url(fx, "a=1;b=2"), POD_OK);
    assert_int_equal(fx->f.count, 1);
    assert_field(&fx->f, 0, "a", "1;b=2", 5);
}

static void
url_bad_escapes(void **state)
{
    struct fx *fx = *state;
    static const char *const bad[] = {
        "a=%",     "a=%4",   "a=%zz",  "a=%4g", "a=%g4", "%=1",     "a%2=1",
        "a=1&b=%", "a=% 41", "a=%%41", "a=%00", "%00=1", "a=x%00y",
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx->f.count = 99;
        assert_int_equal(url(fx, bad[i]), POD_ERR_PARSE);
        assert_int_equal(fx->f.count, 0);
        assert_null(fx->f.fields);
    }
    /* A raw NUL byte is refused like %00. */
    assert_int_equal(web_form_parse_urlencoded("a=x\0y", 5, &fx->a, &fx->f), POD_ERR_PARSE);
    assert_int_equal(web_form_parse_urlencoded("a\0=1", 4, &fx->a, &fx->f), POD_ERR_PARSE);
    /* The length is honoured: the bytes after it are not read. */
    assert_int_equal(web_form_parse_urlencoded("a=1%4", 3, &fx->a, &fx->f), POD_OK);
    assert_field(&fx->f, 0, "a", "1", 1);
}

static void
url_empty_name(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(url(fx, "=x"), POD_ERR_PARSE);
    assert_int_equal(url(fx, "="), POD_ERR_PARSE);
    assert_int_equal(url(fx, "a=1&=x&b=2"), POD_ERR_PARSE);
    assert_int_equal(url(fx, "+=x"), POD_OK); /* a space is a name */
    assert_field(&fx->f, 0, " ", "x", 1);
}

static void
url_field_limit(void **state)
{
    struct fx *fx = *state;
    struct sbuf b = {0};
    char seg[32];

    for (int i = 0; i < WEB_FORM_MAX_FIELDS; i++) {
        snprintf(seg, sizeof seg, "%sf%d=%d", i ? "&" : "", i, i);
        sb_str(&b, seg);
    }
    assert_int_equal(web_form_parse_urlencoded(b.p, b.len, &fx->a, &fx->f), POD_OK);
    assert_int_equal(fx->f.count, WEB_FORM_MAX_FIELDS);
    assert_field(&fx->f, 63, "f63", "63", 2);
    assert_string_equal(web_form_get(&fx->f, "f0"), "0");
    sb_str(&b, "&&&");
    assert_int_equal(web_form_parse_urlencoded(b.p, b.len, &fx->a, &fx->f), POD_OK);
    sb_str(&b, "f64=64");
    assert_int_equal(web_form_parse_urlencoded(b.p, b.len, &fx->a, &fx->f), POD_ERR_LIMIT);
    assert_int_equal(fx->f.count, 0);
    free(b.p);
}

static void
url_name_limit(void **state)
{
    struct fx *fx = *state;
    char name[3 * WEB_FORM_MAX_NAME + 16];

    memset(name, 'n', WEB_FORM_MAX_NAME);
    strcpy(name + WEB_FORM_MAX_NAME, "=v");
    assert_int_equal(url(fx, name), POD_OK);
    assert_int_equal(strlen(fx->f.fields[0].name), WEB_FORM_MAX_NAME);
    memset(name, 'n', WEB_FORM_MAX_NAME + 1);
    strcpy(name + WEB_FORM_MAX_NAME + 1, "=v");
    assert_int_equal(url(fx, name), POD_ERR_LIMIT);
    memset(name, 'n', WEB_FORM_MAX_NAME + 1); /* without '=' as well */
    name[WEB_FORM_MAX_NAME + 1] = '\0';
    assert_int_equal(url(fx, name), POD_ERR_LIMIT);
    /* The limit is on the decoded name: 128 escapes pass, 129 do not. */
    for (int i = 0; i < WEB_FORM_MAX_NAME; i++)
        memcpy(name + 3 * i, "%41", 3);
    strcpy(name + 3 * WEB_FORM_MAX_NAME, "=v");
    assert_int_equal(url(fx, name), POD_OK);
    assert_int_equal(strlen(fx->f.fields[0].name), WEB_FORM_MAX_NAME);
    memcpy(name + 3 * WEB_FORM_MAX_NAME, "B=v", 4);
    assert_int_equal(url(fx, name), POD_ERR_LIMIT);
}

static void
url_arena_refusal_is_nomem(void **state)
{
    struct pod_arena a;
    struct web_form f;
    char big[1200];

    (void)state;
    memset(big, 'x', sizeof big - 1);
    big[0] = 'a';
    big[1] = '=';
    big[sizeof big - 1] = '\0';
    /* 1024 bytes hold the field array and a short field, not a long one. */
    pod_arena_init(&a, NULL, 0, 1024);
    assert_int_equal(web_form_parse_urlencoded(big, strlen(big), &a, &f), POD_ERR_NOMEM);
    assert_int_equal(f.count, 0);
    pod_arena_free(&a);
    pod_arena_init(&a, NULL, 0, 1024);
    assert_int_equal(web_form_parse_urlencoded("a=1", 3, &a, &f), POD_OK);
    pod_arena_free(&a);
}

static void
url_bad_arguments(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(web_form_parse_urlencoded(NULL, 3, &fx->a, &fx->f), POD_ERR_INVAL);
    assert_int_equal(web_form_parse_urlencoded("a=1", 3, NULL, &fx->f), POD_ERR_INVAL);
    assert_int_equal(web_form_parse_urlencoded("a=1", 3, &fx->a, NULL), POD_ERR_INVAL);
    assert_null(web_form_get(NULL, "a"));
    assert_int_equal(url(fx, "a=1"), POD_OK);
    assert_null(web_form_get(&fx->f, NULL));
}

/* ----------------------------------------------------------------- multipart */

#define BND "----WebKitFormBoundary7MA4YWxkTrZu0gW"
#define CT  "multipart/form-data; boundary=" BND

/* A file whose bytes look like the syntax: line breaks, dashes, the
 * boundary without its line-start "--", and NUL bytes. */
static const char file_bytes[] =
    "\x89PNG\r\n\x1a\n\0\0\0\rIHDR--\r\n-- " BND "\r\n" BND "--\r\n\n-" BND "\0\xff\r\n";
#define FILE_LEN (sizeof file_bytes - 1)

/* The body a browser sends for a text field, a file and an empty file. */
static size_t
browser_body(struct sbuf *b, const char *eol)
{
    sb_str(b, "This is the preamble; browsers send none.");
    sb_str(b, eol);
    sb_str(b, "--" BND);
    sb_str(b, eol);
    sb_str(b, "Content-Disposition: form-data; name=\"status_message[text]\"");
    sb_str(b, eol);
    sb_str(b, eol);
    sb_str(b, "Hello \xc3\xa9");
    sb_str(b, eol);
    sb_str(b, "second line");
    sb_str(b, eol);
    sb_str(b, "--" BND);
    sb_str(b, eol);
    sb_str(b, "Content-Disposition: form-data; name=\"file\"; filename=\"pic.png\"");
    sb_str(b, eol);
    sb_str(b, "Content-Type: image/png");
    sb_str(b, eol);
    sb_str(b, eol);
    sb_add(b, file_bytes, FILE_LEN);
    sb_str(b, eol);
    sb_str(b, "--" BND);
    sb_str(b, eol);
    sb_str(b, "content-disposition: form-data; name=\"empty\"; filename=\"\"");
    sb_str(b, eol);
    sb_str(b, "Content-Type: application/octet-stream");
    sb_str(b, eol);
    sb_str(b, eol);
    sb_str(b, eol);
    sb_str(b, "--" BND "--");
    sb_str(b, eol);
    return b->len;
}

static void
check_browser_form(const struct web_form *f, const char *eol)
{
    char text[64];

    snprintf(text, sizeof text, "Hello \xc3\xa9%ssecond line", eol);
    assert_int_equal(f->count, 3);
    assert_field(f, 0, "status_message[text]", text, strlen(text));
    assert_null(f->fields[0].filename);
    assert_null(f->fields[0].content_type);
    assert_field(f, 1, "file", file_bytes, FILE_LEN);
    assert_string_equal(f->fields[1].filename, "pic.png");
    assert_string_equal(f->fields[1].content_type, "image/png");
    assert_field(f, 2, "empty", "", 0);
    assert_string_equal(f->fields[2].filename, "");
    assert_string_equal(f->fields[2].content_type, "application/octet-stream");
}

static void
mp_browser_upload(void **state)
{
    struct fx *fx = *state;
    struct sbuf b = {0};

    browser_body(&b, "\r\n");
    assert_int_equal(mp(fx, b.p, b.len, CT), POD_OK);
    check_browser_form(&fx->f, "\r\n");
    assert_int_equal(web_form_field(&fx->f, "file")->value_len, FILE_LEN);
    free(b.p);
}

static void
mp_lf_only(void **state)
{
    struct fx *fx = *state;
    struct sbuf b = {0};

    browser_body(&b, "\n");
    assert_int_equal(mp(fx, b.p, b.len, CT), POD_OK);
    check_browser_form(&fx->f, "\n");
    free(b.p);
}

static void
mp_cut_anywhere_is_parse(void **state)
{
    struct fx *fx = *state;
    struct sbuf b = {0};
    size_t full = browser_body(&b, "\r\n") - 2; /* through the final "--" */

    for (size_t n = 0; n < full; n++) {
        int rc = mp(fx, b.p, n, CT);
        if (rc != POD_ERR_PARSE)
            fail_msg("cut at %zu of %zu: %d", n, full, rc);
        assert_int_equal(fx->f.count, 0);
    }
    assert_int_equal(mp(fx, b.p, full, CT), POD_OK); /* no CRLF after the end */
    assert_int_equal(fx->f.count, 3);
    free(b.p);
}

static void
mp_boundary_forms(void **state)
{
    struct fx *fx = *state;
    const char *body_q = "--a b:c\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--a b:c--";
    const char *body = "--XyZ\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--XyZ--\r\n";
    static const char *const good_ct[] = {
        "multipart/form-data; boundary=XyZ",
        "multipart/form-data; boundary=\"XyZ\"",
        "multipart/form-data;boundary=XyZ",
        "Multipart/Form-Data; charset=utf-8; BOUNDARY=XyZ ; x=\"a;b\"",
        "multipart/form-data; x=\"boundary=no\"; Boundary = XyZ",
        "multipart/form-data; boundary=\"X\\yZ\"",
    };
    static const char *const bad_ct[] = {
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"\"",
        "multipart/form-data; boundary=\"XyZ",
        "multipart/form-data; boundary=X\"yZ",
        "multipart/form-data; boundary=XyZ; boundary=XyZ",
        "multipart/form-data; boundary=\"XyZ \"",
        "multipart/form-data; boundary=\"X;Z\"",
        "multipart/form-data; xboundary=XyZ",
        "multipart/form-data; boundary",
        "multipart/form-data boundary=XyZ",
        "",
    };

    for (size_t i = 0; i < sizeof good_ct / sizeof good_ct[0]; i++) {
        int rc = mp(fx, body, strlen(body), good_ct[i]);
        if (rc != POD_OK)
            fail_msg("good content type %zu: %d", i, rc);
        assert_field(&fx->f, 0, "x", "1", 1);
    }
    for (size_t i = 0; i < sizeof bad_ct / sizeof bad_ct[0]; i++) {
        int rc = mp(fx, body, strlen(body), bad_ct[i]);
        if (rc != POD_ERR_PARSE)
            fail_msg("bad content type %zu: %d", i, rc);
    }
    assert_int_equal(mp(fx, body, strlen(body), NULL), POD_ERR_PARSE);
    /* Quoted boundaries may hold spaces and colons (RFC 2046 bchars). */
    assert_int_equal(mp(fx, body_q, strlen(body_q), "multipart/form-data; boundary=\"a b:c\""),
                     POD_OK);
    assert_field(&fx->f, 0, "x", "1", 1);
}

static void
mp_boundary_length(void **state)
{
    struct fx *fx = *state;
    char bnd[80], ct[128];
    struct sbuf b = {0};

    memset(bnd, 'b', 70);
    bnd[70] = '\0';
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%s", bnd);
    sb_str(&b, "--");
    sb_str(&b, bnd);
    sb_str(&b, "\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--");
    sb_str(&b, bnd);
    sb_str(&b, "--\r\n");
    assert_int_equal(mp(fx, b.p, b.len, ct), POD_OK);
    assert_field(&fx->f, 0, "x", "v", 1);
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%sb", bnd);
    assert_int_equal(mp(fx, b.p, b.len, ct), POD_ERR_PARSE);
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=\"%sb\"", bnd);
    assert_int_equal(mp(fx, b.p, b.len, ct), POD_ERR_PARSE);
    free(b.p);
}

static void
mp_delimiter_lookalikes(void **state)
{
    struct fx *fx = *state;
    /* "--XyZ" at a line start followed by other bytes is data; so is a
     * preamble line that starts with it. Transport padding after a
     * delimiter is allowed; the epilogue is ignored. */
    const char *body = "--XyZabc\r\n"
                       "--XyZ \t\r\n"
                       "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
                       "x\r\n--XyZz\r\n--XyZ-\r\n-XyZ\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
                       "second\r\n"
                       "--XyZ--\r\nepilogue\r\n--XyZ\r\ngarbage";

    assert_int_equal(mps(fx, body), POD_OK);
    assert_int_equal(fx->f.count, 2);
    assert_field(&fx->f, 0, "a", "x\r\n--XyZz\r\n--XyZ-\r\n-XyZ", 23);
    assert_field(&fx->f, 1, "a", "second", 6);
    assert_string_equal(web_form_get(&fx->f, "a"), "x\r\n--XyZz\r\n--XyZ-\r\n-XyZ");
}

static void
mp_no_parts(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(mps(fx, "--XyZ--"), POD_OK);
    assert_int_equal(fx->f.count, 0);
    assert_int_equal(mps(fx, "preamble\r\n--XyZ--\r\n"), POD_OK);
    assert_int_equal(fx->f.count, 0);
    assert_int_equal(mps(fx, ""), POD_ERR_PARSE);
    assert_int_equal(mps(fx, "--XyZ"), POD_ERR_PARSE);
    assert_int_equal(mps(fx, "no delimiter at all"), POD_ERR_PARSE);
    assert_int_equal(mps(fx, "x--XyZ--"), POD_ERR_PARSE); /* not at a line start */
}

static void
mp_part_shapes(void **state)
{
    struct fx *fx = *state;

    /* Unquoted name, escapes in quoted strings, parameters in any case,
     * filename* ignored, other headers ignored, white space tolerated. */
    assert_int_equal(mps(fx, "--XyZ\r\n"
                             "X-Other: whatever\r\n"
                             "Content-Disposition:form-data;NAME=plain ;filename*=UTF-8''x\r\n"
                             "\r\n1\r\n"
                             "--XyZ\r\n"
                             "Content-Disposition: form-data; name=\"q\\\"t\\\\\"; "
                             "filename=\"C:\\\\a b;c.txt\"; size=3\r\n"
                             "Content-Type:   text/plain; charset=utf-8  \r\n"
                             "\r\n2\r\n"
                             "--XyZ\r\n"
                             "Content-Disposition: FORM-DATA; name=\"\xc3\xa9\"\r\n"
                             "\r\n"
                             "--XyZ--"),
                     POD_OK);
    assert_int_equal(fx->f.count, 3);
    assert_field(&fx->f, 0, "plain", "1", 1);
    assert_null(fx->f.fields[0].filename);
    assert_field(&fx->f, 1, "q\"t\\", "2", 1);
    assert_string_equal(fx->f.fields[1].filename, "C:\\a b;c.txt");
    assert_string_equal(fx->f.fields[1].content_type, "text/plain; charset=utf-8");
    /* A delimiter right after the empty line: an empty value. */
    assert_field(&fx->f, 2, "\xc3\xa9", "", 0);
}

static void
mp_bad_parts(void **state)
{
    struct fx *fx = *state;
    static const char *const bad[] = {
        /* no name */
        "--XyZ\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--XyZ--",
        /* not form-data, malformed parameters */
        "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; =a\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data name=a\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a b\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
        "Content-Disposition: form-data; name=a\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
        "Content-Type: a\r\nContent-Type: b\r\n\r\nx\r\n--XyZ--",
        /* header lines: no colon, folding, empty name */
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\nnocolon\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\n: x\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--XyZ--",
        /* no empty line between headers and body */
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a",
        /* no final delimiter */
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n",
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--XyZ\r\n",
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--XyZ",
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx--XyZ--",
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = mps(fx, bad[i]);
        if (rc != POD_ERR_PARSE)
            fail_msg("bad body %zu: %d", i, rc);
        assert_int_equal(fx->f.count, 0);
        assert_null(fx->f.fields);
    }
    /* NUL in a header line. */
    static const char nul[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\0b\"\r\n\r\n"
                              "x\r\n--XyZ--";
    assert_int_equal(mp(fx, nul, sizeof nul - 1, "multipart/form-data; boundary=XyZ"),
                     POD_ERR_PARSE);
}

static void
mp_field_limit(void **state)
{
    struct fx *fx = *state;
    struct sbuf b = {0};
    char part[128];

    for (int i = 0; i < WEB_FORM_MAX_FIELDS; i++) {
        snprintf(part, sizeof part,
                 "--XyZ\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\n%d\r\n", i, i);
        sb_str(&b, part);
    }
    sb_str(&b, "--XyZ--\r\n");
    assert_int_equal(mps(fx, b.p), POD_OK);
    assert_int_equal(fx->f.count, WEB_FORM_MAX_FIELDS);
    assert_field(&fx->f, 63, "f63", "63", 2);
    b.len -= strlen("--XyZ--\r\n");
    sb_str(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"f64\"\r\n\r\n64\r\n--XyZ--\r\n");
    assert_int_equal(mps(fx, b.p), POD_ERR_LIMIT);
    assert_int_equal(fx->f.count, 0);
    free(b.p);
}

static void
mp_name_limit(void **state)
{
    struct fx *fx = *state;
    struct sbuf b = {0};
    char name[WEB_FORM_MAX_NAME + 2];

    memset(name, 'n', WEB_FORM_MAX_NAME);
    name[WEB_FORM_MAX_NAME] = '\0';
    sb_str(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"");
    sb_str(&b, name);
    sb_str(&b, "\"\r\n\r\nv\r\n--XyZ--");
    assert_int_equal(mps(fx, b.p), POD_OK);
    assert_int_equal(strlen(fx->f.fields[0].name), WEB_FORM_MAX_NAME);
    b.len = 0;
    sb_str(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"");
    sb_str(&b, name);
    sb_str(&b, "n\"\r\n\r\nv\r\n--XyZ--");
    assert_int_equal(mps(fx, b.p), POD_ERR_LIMIT);
    free(b.p);
}

static void
mp_header_limits(void **state)
{
    struct fx *fx = *state;
    struct sbuf b = {0};
    char pad[8192];

    /* 16 header lines pass, 17 do not. */
    sb_str(&b, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n");
    for (int i = 0; i < 15; i++)
        sb_str(&b, "X-Pad: 1\r\n");
    sb_str(&b, "\r\nv\r\n--XyZ--");
    assert_int_equal(mps(fx, b.p), POD_OK);
    b.len = 0;
    sb_str(&b, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n");
    for (int i = 0; i < 16; i++)
        sb_str(&b, "X-Pad: 1\r\n");
    sb_str(&b, "\r\nv\r\n--XyZ--");
    assert_int_equal(mps(fx, b.p), POD_ERR_LIMIT);

    /* A header block of exactly 8 KiB passes, one byte more does not. */
    static const char head[] = "Content-Disposition: form-data; name=a\r\nX-Pad: ";
    size_t fill = 8192 - (sizeof head - 1) - 4; /* "\r\n\r\n" */
    memset(pad, 'p', fill);
    pad[fill] = '\0';
    b.len = 0;
    sb_str(&b, "--XyZ\r\n");
    sb_str(&b, head);
    sb_str(&b, pad);
    sb_str(&b, "\r\n\r\nv\r\n--XyZ--");
    assert_int_equal(mps(fx, b.p), POD_OK);
    assert_field(&fx->f, 0, "a", "v", 1);
    b.len = 0;
    sb_str(&b, "--XyZ\r\n");
    sb_str(&b, head);
    sb_str(&b, pad);
    sb_str(&b, "q\r\n\r\nv\r\n--XyZ--");
    assert_int_equal(mps(fx, b.p), POD_ERR_LIMIT);
    free(b.p);
}

static void
mp_large_binary_value(void **state)
{
    struct fx *fx = *state;
    struct sbuf b = {0};
    size_t n = 200000;
    unsigned char *data = malloc(n);

    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)(i * 7 + (i >> 8));
    sb_str(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"b.bin\"\r\n\r\n");
    sb_add(&b, data, n);
    sb_str(&b, "\r\n--XyZ--\r\n");
    assert_int_equal(mp(fx, b.p, b.len, "multipart/form-data; boundary=XyZ"), POD_OK);
    assert_field(&fx->f, 0, "f", data, n);
    free(data);
    free(b.p);
}

static void
mp_arena_refusal_is_nomem(void **state)
{
    struct pod_arena a;
    struct web_form f;
    struct sbuf b = {0};
    char big[1024];

    (void)state;
    memset(big, 'v', sizeof big);
    sb_str(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n");
    sb_add(&b, big, sizeof big);
    sb_str(&b, "\r\n--XyZ--\r\n");
    pod_arena_init(&a, NULL, 0, 512);
    assert_int_equal(
        web_form_parse_multipart(b.p, b.len, "multipart/form-data; boundary=XyZ", &a, &f),
        POD_ERR_NOMEM);
    assert_int_equal(f.count, 0);
    pod_arena_free(&a);
    assert_int_equal(
        web_form_parse_multipart(b.p, b.len, "multipart/form-data; boundary=XyZ", NULL, &f),
        POD_ERR_INVAL);
    assert_int_equal(web_form_parse_multipart(NULL, 1, "multipart/form-data; boundary=XyZ", &a, &f),
                     POD_ERR_INVAL);
    free(b.p);
}

/* ------------------------------------------------------------------ cookies */

static void
cookie_basic(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(web_cookie_get("a=1; b=2", "a", out, sizeof out), POD_OK);
    assert_string_equal(out, "1");
    assert_int_equal(web_cookie_get("a=1; b=2", "b", out, sizeof out), POD_OK);
    assert_string_equal(out, "2");
    assert_int_equal(web_cookie_get("a=1; b=2", "c", out, sizeof out), POD_ERR_NOTFOUND);
    assert_string_equal(out, "");
    assert_int_equal(web_cookie_get("a=1; b=2", "A", out, sizeof out), POD_ERR_NOTFOUND);
    assert_int_equal(web_cookie_get("a=1;b=2;c=3", "c", out, sizeof out), POD_OK);
    assert_string_equal(out, "3");
    assert_int_equal(web_cookie_get("a=b=c", "a", out, sizeof out), POD_OK);
    assert_string_equal(out, "b=c");
    assert_int_equal(web_cookie_get("a=; b=2", "a", out, sizeof out), POD_OK);
    assert_string_equal(out, "");
}

static void
cookie_quoted_and_odd(void **state)
{
    const char *h = "_plugpod_session=abc; theme=\"dark\"; x";
    char out[64];

    (void)state;
    assert_int_equal(web_cookie_get(h, "_plugpod_session", out, sizeof out), POD_OK);
    assert_string_equal(out, "abc");
    assert_int_equal(web_cookie_get(h, "theme", out, sizeof out), POD_OK);
    assert_string_equal(out, "dark");
    /* "x" has no '=': skipped, not an error, and not a cookie named x. */
    assert_int_equal(web_cookie_get(h, "x", out, sizeof out), POD_ERR_NOTFOUND);
    assert_int_equal(web_cookie_get("x; =v; a=1", "a", out, sizeof out), POD_OK);
    assert_string_equal(out, "1");
    assert_int_equal(web_cookie_get("q=\"\"", "q", out, sizeof out), POD_OK);
    assert_string_equal(out, "");
    assert_int_equal(web_cookie_get("q=\"", "q", out, sizeof out), POD_OK);
    assert_string_equal(out, "\""); /* a lone quote is kept as sent */
    assert_int_equal(web_cookie_get("q=\"a b\"", "q", out, sizeof out), POD_OK);
    assert_string_equal(out, "a b");
    assert_int_equal(web_cookie_get("q=caf\xc3\xa9", "q", out, sizeof out), POD_OK);
    assert_string_equal(out, "caf\xc3\xa9");
}

static void
cookie_prefix_names_and_first_match(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(web_cookie_get("session2=x; session=y", "session", out, sizeof out), POD_OK);
    assert_string_equal(out, "y");
    assert_int_equal(web_cookie_get("session=y; session2=x", "session2", out, sizeof out), POD_OK);
    assert_string_equal(out, "x");
    assert_int_equal(web_cookie_get("xsession=x; session=y", "session", out, sizeof out), POD_OK);
    assert_string_equal(out, "y");
    assert_int_equal(web_cookie_get("sess=x", "session", out, sizeof out), POD_ERR_NOTFOUND);
    assert_int_equal(web_cookie_get("a=1; a=2", "a", out, sizeof out), POD_OK);
    assert_string_equal(out, "1");
}

static void
cookie_whitespace(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(web_cookie_get("\t a=1 \t;\tb = 2 ;;  ", "b", out, sizeof out), POD_OK);
    assert_string_equal(out, "2");
    assert_int_equal(web_cookie_get("\t a=1 \t;\tb = 2 ;;  ", "a", out, sizeof out), POD_OK);
    assert_string_equal(out, "1");
}

static void
cookie_empty_header(void **state)
{
    char out[8] = "junk";

    (void)state;
    assert_int_equal(web_cookie_get("", "a", out, sizeof out), POD_ERR_NOTFOUND);
    assert_string_equal(out, "");
    assert_int_equal(web_cookie_get(" ; ;\t", "a", out, sizeof out), POD_ERR_NOTFOUND);
    assert_int_equal(web_cookie_get(NULL, "a", out, sizeof out), POD_ERR_NOTFOUND);
}

static void
cookie_limit(void **state)
{
    char out[8];

    (void)state;
    assert_int_equal(web_cookie_get("a=1234567", "a", out, sizeof out), POD_OK);
    assert_string_equal(out, "1234567");
    assert_int_equal(web_cookie_get("a=12345678", "a", out, sizeof out), POD_ERR_LIMIT);
    assert_string_equal(out, "");
    assert_int_equal(web_cookie_get("a=\"1234567\"", "a", out, sizeof out), POD_OK);
    assert_string_equal(out, "1234567");
    assert_int_equal(web_cookie_get("a=", "a", out, 1), POD_OK);
    assert_int_equal(web_cookie_get("a=1", "a", out, 1), POD_ERR_LIMIT);
}

static void
cookie_parse_and_args(void **state)
{
    char out[8];

    (void)state;
    assert_int_equal(web_cookie_get("a=1\r\nb=2", "a", out, sizeof out), POD_ERR_PARSE);
    assert_int_equal(web_cookie_get("a=1; b=\x01", "a", out, sizeof out), POD_ERR_PARSE);
    assert_int_equal(web_cookie_get("a=1; b=\x7f", "zz", out, sizeof out), POD_ERR_PARSE);
    assert_int_equal(web_cookie_get("a=1", "a", out, 0), POD_ERR_INVAL);
    assert_int_equal(web_cookie_get("a=1", "a", NULL, 8), POD_ERR_INVAL);
    assert_int_equal(web_cookie_get("a=1", NULL, out, sizeof out), POD_ERR_INVAL);
    assert_int_equal(web_cookie_get("a=1", "", out, sizeof out), POD_ERR_INVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(url_diaspy_sign_in, setup, teardown),
        cmocka_unit_test_setup_teardown(url_plus_and_hex, setup, teardown),
        cmocka_unit_test_setup_teardown(url_utf8_and_binary, setup, teardown),
        cmocka_unit_test_setup_teardown(url_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(url_empty_segments_and_missing_values, setup, teardown),
        cmocka_unit_test_setup_teardown(url_semicolon_is_not_a_separator, setup, teardown),
        cmocka_unit_test_setup_teardown(url_bad_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(url_empty_name, setup, teardown),
        cmocka_unit_test_setup_teardown(url_field_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(url_name_limit, setup, teardown),
        cmocka_unit_test(url_arena_refusal_is_nomem),
        cmocka_unit_test_setup_teardown(url_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(mp_browser_upload, setup, teardown),
        cmocka_unit_test_setup_teardown(mp_lf_only, setup, teardown),
        cmocka_unit_test_setup_teardown(mp_cut_anywhere_is_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(mp_boundary_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(mp_boundary_length, setup, teardown),
        cmocka_unit_test_setup_teardown(mp_delimiter_lookalikes, setup, teardown),
        cmocka_unit_test_setup_teardown(mp_no_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(mp_part_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(mp_bad_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(mp_field_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(mp_name_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(mp_header_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(mp_large_binary_value, setup, teardown),
        cmocka_unit_test(mp_arena_refusal_is_nomem),
        cmocka_unit_test(cookie_basic),
        cmocka_unit_test(cookie_quoted_and_odd),
        cmocka_unit_test(cookie_prefix_names_and_first_match),
        cmocka_unit_test(cookie_whitespace),
        cmocka_unit_test(cookie_empty_header),
        cmocka_unit_test(cookie_limit),
        cmocka_unit_test(cookie_parse_and_args),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
