/* Unit tests for app/core: error strings, the request arena, the
 * configuration-file parser and the settings catalogue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/conf.h"
#include "core/error.h"
#include "core/json_guard.h"
#include "core/settings.h"

static void
test_strerror_covers_every_code(void **state)
{
    (void)state;
    assert_string_equal(pod_strerror(POD_OK), "success");
    for (int e = POD_ERR_NOMEM; e >= POD_ERR_CORRUPT; e--)
        assert_string_not_equal(pod_strerror(e), "unknown error");
    assert_string_equal(pod_strerror(-999), "unknown error");
}

static void
test_arena_stack_then_heap(void **state)
{
    unsigned char buf[64];
    struct pod_arena a;
    char *p, *q, *big;

    (void)state;
    pod_arena_init(&a, buf, sizeof buf, 0);
    p = pod_arena_alloc(&a, 10);
    assert_non_null(p);
    assert_true((unsigned char *)p >= buf && (unsigned char *)p < buf + sizeof buf);
    assert_int_equal((uintptr_t)p % 16, 0);
    q = pod_arena_alloc(&a, 10);
    assert_true(q >= p + 10);
    assert_int_equal((uintptr_t)q % 16, 0);
    /* Does not fit in the caller's block: comes from a chunk. */
    big = pod_arena_alloc(&a, 10000);
    assert_non_null(big);
    assert_true((unsigned char *)big < buf || (unsigned char *)big >= buf + sizeof buf);
    memset(big, 0xab, 10000);
    assert_string_equal(pod_arena_printf(&a, "%d-%s", 42, "x"), "42-x");
    assert_string_equal(pod_arena_strndup(&a, "abcdef", 3), "abc");
    pod_arena_free(&a);
    assert_null(a.chunks);
}

static void
test_arena_limit(void **state)
{
    struct pod_arena a;

    (void)state;
    pod_arena_init(&a, NULL, 0, 1000);
    assert_non_null(pod_arena_alloc(&a, 600));
    assert_null(pod_arena_alloc(&a, 600));
    assert_non_null(pod_arena_alloc(&a, 400));
    assert_null(pod_arena_alloc(&a, 1));
    assert_null(pod_arena_alloc(&a, SIZE_MAX));
    pod_arena_free(&a);
}

struct conf_seen {
    int n;
    char keys[8][32];
    char values[8][64];
    int lines[8];
};

static int
collect(const char *key, const char *value, int line, void *ctx)
{
    struct conf_seen *s = ctx;

    if (s->n >= 8)
        return POD_ERR_LIMIT;
    snprintf(s->keys[s->n], sizeof s->keys[0], "%s", key);
    snprintf(s->values[s->n], sizeof s->values[0], "%s", value);
    s->lines[s->n] = line;
    s->n++;
    return 0;
}

static void
test_conf_parses_lines(void **state)
{
    const char *text = "# plugpod\n\n  host = pod.example:8443  \r\n"
                       "data=/data\n"
                       "cert = \"/etc/pod cert.pem\"\n"
                       "\t# indented comment\n"
                       "empty =\n"
                       "last = no newline";
    struct conf_seen s = {0};
    int bad = -1;

    (void)state;
    assert_int_equal(pod_conf_parse(text, strlen(text), collect, &s, &bad), POD_OK);
    assert_int_equal(bad, 0);
    assert_int_equal(s.n, 5);
    assert_string_equal(s.keys[0], "host");
    assert_string_equal(s.values[0], "pod.example:8443");
    assert_int_equal(s.lines[0], 3);
    assert_string_equal(s.values[1], "/data");
    assert_string_equal(s.values[2], "/etc/pod cert.pem");
    assert_string_equal(s.keys[3], "empty");
    assert_string_equal(s.values[3], "");
    assert_string_equal(s.values[4], "no newline");
}

static void
test_conf_rejects_bad_input(void **state)
{
    struct conf_seen s = {0};
    char big[POD_CONF_MAX_LINE + 10];
    int bad;

    (void)state;
    assert_int_equal(pod_conf_parse("ok = 1\nno equals sign\n", 22, collect, &s, &bad),
                     POD_ERR_PARSE);
    assert_int_equal(bad, 2);
    assert_int_equal(pod_conf_parse("Bad Key = 1\n", 12, collect, &s, &bad), POD_ERR_PARSE);
    assert_int_equal(pod_conf_parse("= value\n", 8, collect, &s, &bad), POD_ERR_PARSE);
    assert_int_equal(pod_conf_parse("a = b\0c\n", 8, collect, &s, &bad), POD_ERR_PARSE);
    memset(big, 'a', sizeof big);
    big[0] = 'k';
    big[1] = '=';
    assert_int_equal(pod_conf_parse(big, sizeof big, collect, &s, &bad), POD_ERR_LIMIT);
    assert_int_equal(bad, 1);
    assert_int_equal(pod_conf_parse(big, POD_CONF_MAX_BYTES + 1, collect, &s, &bad), POD_ERR_LIMIT);
}

static void
test_settings_catalogue(void **state)
{
    const struct pod_setting_def *name = pod_setting_find(POD_SETTING_POD_NAME);
    const struct pod_setting_def *reg = pod_setting_find(POD_SETTING_REGISTRATIONS);
    const struct pod_setting_def *count = pod_setting_find(POD_SETTING_START_COUNT);
    uint64_t v;

    (void)state;
    assert_non_null(name);
    assert_non_null(reg);
    assert_non_null(count);
    assert_null(pod_setting_find("nope"));
    assert_false(count->admin_writable);

    assert_int_equal(pod_setting_parse(name, "Tom & Jerry's pod ✓", &v), POD_OK);
    assert_int_equal(pod_setting_parse(name, "tab\there", &v), POD_ERR_INVAL);
    assert_int_equal(pod_setting_parse(name, "\xc3\x28", &v), POD_ERR_INVAL);     /* bad UTF-8 */
    assert_int_equal(pod_setting_parse(name, "\xc0\xaf", &v), POD_ERR_INVAL);     /* overlong */
    assert_int_equal(pod_setting_parse(name, "\xed\xa0\x80", &v), POD_ERR_INVAL); /* surrogate */
    assert_int_equal(
        pod_setting_parse(name, "12345678901234567890123456789012345678901234567890123456789012345",
                          &v),
        POD_ERR_LIMIT);

    assert_int_equal(pod_setting_parse(reg, "yes", &v), POD_OK);
    assert_int_equal(v, 1);
    assert_int_equal(pod_setting_parse(reg, "false", &v), POD_OK);
    assert_int_equal(v, 0);
    assert_int_equal(pod_setting_parse(reg, "maybe", &v), POD_ERR_INVAL);

    assert_int_equal(pod_setting_parse(count, "18446744073709551615", &v), POD_OK);
    assert_true(v == UINT64_MAX);
    assert_int_equal(pod_setting_parse(count, "18446744073709551616", &v), POD_ERR_LIMIT);
    assert_int_equal(pod_setting_parse(count, "-1", &v), POD_ERR_INVAL);
    assert_int_equal(pod_setting_parse(count, "", &v), POD_ERR_INVAL);
}

/* The pre-scan before cJSON: nesting and value counts, strings skipped. */
static void
test_json_guard(void **state)
{
    static const char deep3[] = "{\"a\":[[1]]}";
    static const char quoted[] = "{\"a\":\"[[[[[[,,,,\\\"[[[[\"}";
    static const char values[] = "[1,2,3,4]";
    char deep[64];

    (void)state;
    assert_int_equal(pod_json_guard(deep3, strlen(deep3), 3, 0), POD_OK);
    assert_int_equal(pod_json_guard(deep3, strlen(deep3), 2, 0), POD_ERR_LIMIT);
    /* Brackets, commas and an escaped quote inside a string do not count. */
    assert_int_equal(pod_json_guard(quoted, strlen(quoted), 1, 3), POD_OK);
    /* [ and three commas: four values. */
    assert_int_equal(pod_json_guard(values, strlen(values), 1, 4), POD_OK);
    assert_int_equal(pod_json_guard(values, strlen(values), 1, 3), POD_ERR_LIMIT);
    assert_int_equal(pod_json_guard(values, strlen(values), 1, 0), POD_OK);
    /* Only len bytes are read: the deep tail is outside. */
    memset(deep, '[', sizeof deep);
    assert_int_equal(pod_json_guard(deep, 2, 2, 0), POD_OK);
    assert_int_equal(pod_json_guard(deep, sizeof deep, 2, 0), POD_ERR_LIMIT);
    /* A backslash as the last byte of an open string ends the scan. */
    assert_int_equal(pod_json_guard("\"\\", 2, 1, 1), POD_OK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror_covers_every_code),
        cmocka_unit_test(test_arena_stack_then_heap),
        cmocka_unit_test(test_arena_limit),
        cmocka_unit_test(test_conf_parses_lines),
        cmocka_unit_test(test_conf_rejects_bad_input),
        cmocka_unit_test(test_settings_catalogue),
        cmocka_unit_test(test_json_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
