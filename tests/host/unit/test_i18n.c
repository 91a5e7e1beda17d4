/*
 * test_i18n.c - app/web/i18n.c and the message filling of app/web/html.c:
 * a catalogue lookup finds translations, falls back to the English text for
 * missing and empty ones and without a catalogue; English has none; "{}"
 * takes a value, escaped like the text around it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "web/html.h"
#include "web/i18n.h"
#include "web/request.h"

/* Sorted by the English text (strcmp), as catalogues must be. */
static const char *const test_pairs[][2] = {
    {"Comment", "Kommentieren"},    {"Like", "Gefällt mir"},
    {"Sign in", "Anmelden"},        {"Unlike", ""}, /* not translated yet */
    {"{} likes", "{} gefällt das"},
};

static const struct web_catalog test_catalog = {
    .lang = "xx",
    .rtl = false,
    .pairs = test_pairs,
    .count = sizeof test_pairs / sizeof test_pairs[0],
};

static void
test_lookup_found(void **state)
{
    (void)state;
    assert_string_equal(web_i18n_lookup(&test_catalog, "Comment"), "Kommentieren");
    assert_string_equal(web_i18n_lookup(&test_catalog, "Like"), "Gefällt mir");
    assert_string_equal(web_i18n_lookup(&test_catalog, "Sign in"), "Anmelden");
    assert_string_equal(web_i18n_lookup(&test_catalog, "{} likes"), "{} gefällt das");
}

static void
test_lookup_missing_is_english(void **state)
{
    const char *english = "Not in the catalogue";

    (void)state;
    /* The very same pointer: the message id is the English text. */
    assert_ptr_equal(web_i18n_lookup(&test_catalog, english), english);
    /* Before the first, after the last and between entries. */
    assert_string_equal(web_i18n_lookup(&test_catalog, "AAA"), "AAA");
    assert_string_equal(web_i18n_lookup(&test_catalog, "zzz"), "zzz");
    assert_string_equal(web_i18n_lookup(&test_catalog, "Liked"), "Liked");
    /* A prefix of an entry is another message. */
    assert_string_equal(web_i18n_lookup(&test_catalog, "Sign"), "Sign");
}

static void
test_lookup_empty_translation_is_english(void **state)
{
    (void)state;
    assert_string_equal(web_i18n_lookup(&test_catalog, "Unlike"), "Unlike");
}

static void
test_lookup_without_catalogue(void **state)
{
    const char *english = "Sign in";

    (void)state;
    assert_ptr_equal(web_i18n_lookup(NULL, english), english);
    assert_null(web_i18n_lookup(&test_catalog, NULL));
    assert_null(web_i18n_lookup(NULL, NULL));
}

static void
test_english_has_no_catalogue(void **state)
{
    (void)state;
    assert_null(web_i18n_catalog("en"));
    assert_null(web_i18n_catalog("en-GB"));
    assert_null(web_i18n_catalog(""));
    assert_null(web_i18n_catalog(NULL));
}

/* A request with nothing but its arena: all html_fill needs. */
struct fx {
    unsigned char stack[1024];
    struct web_req req;
    struct html h;
};

static int
setup(void **state)
{
    struct fx *fx = test_calloc(1, sizeof *fx);

    assert_non_null(fx);
    pod_arena_init(&fx->req.arena, fx->stack, sizeof fx->stack, 1 << 20);
    html_init(&fx->h, &fx->req);
    assert_false(fx->h.failed);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *fx = *state;

    pod_arena_free(&fx->req.arena);
    test_free(fx);
    return 0;
}

static void
test_fill(void **state)
{
    struct fx *fx = *state;

    html_fill(&fx->h, "Shared with {}.", "Alice");
    assert_string_equal(fx->h.buf, "Shared with Alice.");
}

static void
test_fill_escapes_text_and_value(void **state)
{
    struct fx *fx = *state;

    html_fill(&fx->h, "<b>{}</b> & co", "<script>\"x'");
    assert_string_equal(fx->h.buf, "&lt;b&gt;&lt;script&gt;&quot;x&#39;&lt;/b&gt; &amp; co");
}

static void
test_fill_every_hole_and_none(void **state)
{
    struct fx *fx = *state;

    html_fill(&fx->h, "{} and {}", "x");
    assert_string_equal(fx->h.buf, "x and x");
    fx->h.len = 0;
    fx->h.buf[0] = '\0';
    html_fill(&fx->h, "No hole at all", "x");
    assert_string_equal(fx->h.buf, "No hole at all");
    fx->h.len = 0;
    fx->h.buf[0] = '\0';
    html_fill(&fx->h, "{}", NULL); /* a NULL value appends nothing */
    assert_string_equal(fx->h.buf, "");
}

static void
test_fill_n(void **state)
{
    struct fx *fx = *state;

    html_fill_n(&fx->h, "{} posts", 12);
    html_raw(&fx->h, "|");
    html_fill_n(&fx->h, "{} below", -3);
    html_raw(&fx->h, "|");
    html_fill_n(&fx->h, "{}", 9223372036854775807LL);
    assert_string_equal(fx->h.buf, "12 posts|-3 below|9223372036854775807");
}

/* A translated message with "%s" in it stays text: never a format. */
static void
test_fill_percent_is_text(void **state)
{
    struct fx *fx = *state;

    html_fill(&fx->h, "100%s {} %d", "%n");
    assert_string_equal(fx->h.buf, "100%s %n %d");
}

/* Long output grows the buffer past its first block. */
static void
test_fill_grows(void **state)
{
    struct fx *fx = *state;
    char value[3000];

    memset(value, 'v', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    for (int i = 0; i < 4; i++)
        html_fill(&fx->h, "[{}]", value);
    assert_false(fx->h.failed);
    assert_int_equal(fx->h.len, 4 * (sizeof value - 1 + 2));
    assert_int_equal(fx->h.buf[0], '[');
    assert_int_equal(fx->h.buf[fx->h.len - 1], ']');
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_found),
        cmocka_unit_test(test_lookup_missing_is_english),
        cmocka_unit_test(test_lookup_empty_translation_is_english),
        cmocka_unit_test(test_lookup_without_catalogue),
        cmocka_unit_test(test_english_has_no_catalogue),
        cmocka_unit_test_setup_teardown(test_fill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_escapes_text_and_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_every_hole_and_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_n, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_percent_is_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_grows, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
