/*
 * test_ui.c - app/web/html.c and app/web/ui.c without a server: escaping of
 * people's text, messages with a value, pages larger than the first block,
 * person links with dir="auto", and Markdown whose headings stay under the
 * page's <h1> while markup and javascript: links stay inert.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "web/html.h"
#include "web/request.h"
#include "web/ui.h"

struct fx {
    unsigned char stack[4096];
    struct web_req req;
    struct html h;
};

static int
setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);

    assert_non_null(fx);
    pod_arena_init(&fx->req.arena, fx->stack, sizeof fx->stack, 1 << 24);
    html_init(&fx->h, &fx->req);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *fx = *state;

    pod_arena_free(&fx->req.arena);
    free(fx);
    return 0;
}

static void
text_is_escaped(void **state)
{
    struct fx *fx = *state;

    html_text(&fx->h, "<img src=x onerror=\"alert('1')\"> & done");
    html_text(&fx->h, NULL);
    assert_string_equal(fx->h.buf,
                        "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; done");
    assert_int_equal(fx->h.len, strlen(fx->h.buf));
}

static void
fill_escapes_text_and_value(void **state)
{
    struct fx *fx = *state;

    /* A value holding "{}" is not a hole; both parts are escaped. */
    html_fill(&fx->h, "Shared with {} <now>", "<b>{}</b>");
    html_raw(&fx->h, "|");
    html_fill_n(&fx->h, "{} posts, {} left", 3);
    html_raw(&fx->h, "|");
    html_fill(&fx->h, "no hole", "x");
    assert_string_equal(fx->h.buf,
                        "Shared with &lt;b&gt;{}&lt;/b&gt; &lt;now&gt;|3 posts, 3 left|no hole");
}

static void
pages_grow_past_the_first_block(void **state)
{
    struct fx *fx = *state;
    size_t n = 300000;
    char *big = malloc(n + 1);

    assert_non_null(big);
    memset(big, '<', n);
    big[n] = '\0';
    html_raw(&fx->h, "start:");
    html_text(&fx->h, big);
    html_printf(&fx->h, ":%s:%d", "end", 42);
    assert_false(fx->h.failed);
    assert_int_equal(fx->h.len, 6 + 4 * n + 7);
    assert_int_equal(strncmp(fx->h.buf, "start:&lt;&lt;", 14), 0);
    assert_string_equal(fx->h.buf + fx->h.len - 7, ":end:42");
    free(big);
}

static void
person_link_has_dir_auto(void **state)
{
    struct fx *fx = *state;
    cJSON *p = cJSON_Parse("{\"guid\":\"abc\",\"diaspora_id\":\"bob@x\\\"y\","
                           "\"name\":\"<i>\\u05d3\\u05d5\\u05d3</i>\"}");

    assert_non_null(p);
    ui_person_link(&fx->h, p);
    assert_string_equal(fx->h.buf, "<a class=\"name\" dir=\"auto\" href=\"/people/abc\" "
                                   "title=\"bob@x&quot;y\">&lt;i&gt;\xd7\x93\xd7\x95\xd7\x93"
                                   "&lt;/i&gt;</a>");
    cJSON_Delete(p);
}

static void
markdown_headings_start_at_h3(void **state)
{
    struct fx *fx = *state;

    ui_markdown(&fx->h, NULL,
                "# One\n\n## Two\n\n### Three\n\n#### Four\n\n##### Five\n\n###### Six\n\n"
                "<h1>raw</h1> [x](javascript:alert(1)) <script>alert(2)</script>\n\n---\n");
    assert_non_null(strstr(fx->h.buf, "<h3>One</h3>"));
    assert_non_null(strstr(fx->h.buf, "<h4>Two</h4>"));
    assert_non_null(strstr(fx->h.buf, "<h5>Three</h5>"));
    assert_non_null(strstr(fx->h.buf, "<h6>Four</h6>"));
    assert_non_null(strstr(fx->h.buf, "<h6>Five</h6>"));
    assert_non_null(strstr(fx->h.buf, "<h6>Six</h6>"));
    assert_null(strstr(fx->h.buf, "<h1>"));
    assert_null(strstr(fx->h.buf, "<h2>"));
    assert_non_null(strstr(fx->h.buf, "&lt;h1&gt;raw&lt;/h1&gt;"));
    assert_non_null(strstr(fx->h.buf, "<hr"));
    assert_null(strstr(fx->h.buf, "<script"));
    assert_null(strstr(fx->h.buf, "href=\"javascript"));
}

static void
markdown_of_nothing_is_nothing(void **state)
{
    struct fx *fx = *state;

    ui_markdown(&fx->h, NULL, "");
    ui_markdown(&fx->h, NULL, NULL);
    assert_int_equal(fx->h.len, 0);
}

static void
plain_excerpt_reads_as_text(void **state)
{
    struct fx *fx = *state;
    struct web_req *req = &fx->req;

    /* Markup goes, entities are decoded, whitespace runs become one space. */
    assert_string_equal(ui_plain_excerpt(req, NULL, "## Week *end*\n\nA <b> & \"c\" #tag", 100),
                        "Week end A <b> & \"c\" #tag");
    assert_string_equal(ui_plain_excerpt(req, NULL, "", 10), "");
    assert_string_equal(ui_plain_excerpt(req, NULL, NULL, 10), "");
    /* Cut at max bytes, never inside a character. */
    assert_string_equal(ui_plain_excerpt(req, NULL, "abcdefgh", 5), "abcde…");
    assert_string_equal(ui_plain_excerpt(req, NULL,
                                         "abcd\xc3\xa9"
                                         "fgh",
                                         5),
                        "abcd…");
    assert_string_equal(ui_plain_excerpt(req, NULL, "abc\xf0\x9f\x92\xa9", 6), "abc…");
    assert_string_equal(ui_plain_excerpt(req, NULL, "abc\xf0\x9f\x92\xa9", 7),
                        "abc\xf0\x9f\x92\xa9");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(text_is_escaped, setup, teardown),
        cmocka_unit_test_setup_teardown(fill_escapes_text_and_value, setup, teardown),
        cmocka_unit_test_setup_teardown(pages_grow_past_the_first_block, setup, teardown),
        cmocka_unit_test_setup_teardown(person_link_has_dir_auto, setup, teardown),
        cmocka_unit_test_setup_teardown(markdown_headings_start_at_h3, setup, teardown),
        cmocka_unit_test_setup_teardown(markdown_of_nothing_is_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(plain_excerpt_reads_as_text, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
