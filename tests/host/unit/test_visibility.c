/*
 * test_visibility.c - the whole truth table of app/core/visibility.c:
 * public/limited x author/recipient/other/signed-out x who ignores whom,
 * for seeing, listing, interacting and resharing; then comment deletion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/visibility.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define AUTHOR_ID UINT64_C(7)
#define OTHER_ID  UINT64_C(9)

enum role { AUTHOR, RECIPIENT, OTHER, SIGNED_OUT };

struct row {
    bool public;
    enum role role;
    bool viewer_blocks_author;
    bool author_blocks_viewer;
    bool visible, listed, interactable, resharable;
};

/* Signed-out rows carry block flags on purpose: a visitor ignores nobody
 * and is ignored by nobody, whatever the caller passes. So do author rows:
 * nobody ignores themselves. */
/* clang-format off */
static const struct row table[] = {
    /* public role         v_blocks a_blocks vis lst int rsh */
    {true,  AUTHOR,     false, false, 1, 1, 1, 0},
    {true,  AUTHOR,     false, true,  1, 1, 1, 0},
    {true,  AUTHOR,     true,  false, 1, 1, 1, 0},
    {true,  AUTHOR,     true,  true,  1, 1, 1, 0},
    {true,  RECIPIENT,  false, false, 1, 1, 1, 1},
    {true,  RECIPIENT,  false, true,  1, 1, 0, 1},
    {true,  RECIPIENT,  true,  false, 1, 0, 1, 1},
    {true,  RECIPIENT,  true,  true,  1, 0, 0, 1},
    {true,  OTHER,      false, false, 1, 1, 1, 1},
    {true,  OTHER,      false, true,  1, 1, 0, 1},
    {true,  OTHER,      true,  false, 1, 0, 1, 1},
    {true,  OTHER,      true,  true,  1, 0, 0, 1},
    {true,  SIGNED_OUT, false, false, 1, 1, 0, 0},
    {true,  SIGNED_OUT, false, true,  1, 1, 0, 0},
    {true,  SIGNED_OUT, true,  false, 1, 1, 0, 0},
    {true,  SIGNED_OUT, true,  true,  1, 1, 0, 0},
    {false, AUTHOR,     false, false, 1, 1, 1, 0},
    {false, AUTHOR,     false, true,  1, 1, 1, 0},
    {false, AUTHOR,     true,  false, 1, 1, 1, 0},
    {false, AUTHOR,     true,  true,  1, 1, 1, 0},
    {false, RECIPIENT,  false, false, 1, 1, 1, 0},
    {false, RECIPIENT,  false, true,  1, 1, 0, 0},
    {false, RECIPIENT,  true,  false, 1, 0, 1, 0},
    {false, RECIPIENT,  true,  true,  1, 0, 0, 0},
    {false, OTHER,      false, false, 0, 0, 0, 0},
    {false, OTHER,      false, true,  0, 0, 0, 0},
    {false, OTHER,      true,  false, 0, 0, 0, 0},
    {false, OTHER,      true,  true,  0, 0, 0, 0},
    {false, SIGNED_OUT, false, false, 0, 0, 0, 0},
    {false, SIGNED_OUT, false, true,  0, 0, 0, 0},
    {false, SIGNED_OUT, true,  false, 0, 0, 0, 0},
    {false, SIGNED_OUT, true,  true,  0, 0, 0, 0},
};
/* clang-format on */

static void
test_truth_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(table); i++) {
        const struct row *r = &table[i];
        struct pod_post_facts f = {
            .author = AUTHOR_ID,
            .public = r->public,
            .viewer_is_recipient = r->role == RECIPIENT,
            .viewer_blocks_author = r->viewer_blocks_author,
        };
        uint64_t viewer = r->role == AUTHOR ? AUTHOR_ID : r->role == SIGNED_OUT ? 0 : OTHER_ID;

        print_message("row %zu\n", i);
        assert_int_equal(pod_post_visible(&f, viewer), r->visible);
        assert_int_equal(pod_post_listed(&f, viewer), r->listed);
        assert_int_equal(pod_post_interactable(&f, viewer, r->author_blocks_viewer),
                         r->interactable);
        assert_int_equal(pod_post_resharable(&f, viewer), r->resharable);
    }
}

/* Facts that cannot be true still never open a limited post to visitors. */
static void
test_inconsistent_facts(void **state)
{
    struct pod_post_facts f = {.author = AUTHOR_ID, .public = false, .viewer_is_recipient = true};

    (void)state;
    assert_false(pod_post_visible(&f, 0));
    assert_false(pod_post_listed(&f, 0));
    assert_false(pod_post_interactable(&f, 0, false));
    /* An author who is also listed as a recipient is still the author. */
    f.viewer_is_recipient = true;
    assert_true(pod_post_visible(&f, AUTHOR_ID));
    assert_false(pod_post_resharable(&f, AUTHOR_ID));
    /* No facts, no access. */
    assert_false(pod_post_visible(NULL, OTHER_ID));
    assert_false(pod_post_listed(NULL, OTHER_ID));
    assert_false(pod_post_interactable(NULL, OTHER_ID, false));
    assert_false(pod_post_resharable(NULL, OTHER_ID));
}

static void
test_comment_deletable(void **state)
{
    const uint64_t post_author = 1, comment_author = 2, other = 3;

    (void)state;
    assert_true(pod_comment_deletable(comment_author, post_author, comment_author));
    assert_true(pod_comment_deletable(comment_author, post_author, post_author));
    assert_false(pod_comment_deletable(comment_author, post_author, other));
    assert_false(pod_comment_deletable(comment_author, post_author, 0));
    /* The post author's own comment. */
    assert_true(pod_comment_deletable(post_author, post_author, post_author));
    assert_false(pod_comment_deletable(post_author, post_author, other));
    /* A zero id (unknown author) never matches a signed-out viewer. */
    assert_false(pod_comment_deletable(0, post_author, 0));
    assert_false(pod_comment_deletable(comment_author, 0, 0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truth_table),
        cmocka_unit_test(test_inconsistent_facts),
        cmocka_unit_test(test_comment_deletable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
