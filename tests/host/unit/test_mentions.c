/*
 * test_mentions.c - app/store/mentions.c (the mention index, tag names by
 * prefix) and the followed-tags merge of app/web/social_more.c
 * (web_stream_followed). Every test runs in its own directory under /tmp,
 * opened with the built-in migrations, and removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "storetest.h"

#include <ftw.h>
#include <sys/stat.h>

#include "core/error.h"
#include "store/contacts.h"
#include "store/mentions.h"
#include "store/posts.h"
#include "store/store.h"
#include "web/handlers.h"

#define ALICE 101
#define BOB   102
#define CAROL 103

/* Collects a page of stream entries. */
struct ids {
    uint64_t id[64];
    int64_t t[64];
    size_t n;
    size_t stop_after; /* 0 = never */
};

static int
collect(uint64_t post, int64_t created_at, void *ctx)
{
    struct ids *s = ctx;

    assert_true(s->n < 64);
    s->id[s->n] = post;
    s->t[s->n++] = created_at;
    return s->stop_after && s->n == s->stop_after ? 1 : 0;
}

/* Collects tag names joined by ','. */
struct names {
    char buf[512];
    size_t n;
    size_t stop_after;
};

static int
collect_name(const char *tag, void *ctx)
{
    struct names *s = ctx;
    size_t len = strlen(s->buf);

    snprintf(s->buf + len, sizeof s->buf - len, "%s%s", len ? "," : "", tag);
    s->n++;
    return s->stop_after && s->n == s->stop_after ? 1 : 0;
}

static uint64_t
add_post(struct store_txn *txn, const char *guid, uint64_t author, int64_t t,
         const char *const *tags, size_t tag_count)
{
    struct store_post p;

    memset(&p, 0, sizeof p);
    snprintf(p.guid, sizeof p.guid, "%s", guid);
    p.author = author;
    p.type = STORE_POST_STATUS;
    p.public = true;
    p.text = "hello";
    p.created_at = t;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, tags, tag_count, NULL), POD_OK);
    return p.id;
}

static void
test_mention_stream(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = txn_begin(f, true);
    struct ids s = {0};

    assert_int_equal(store_mention_add(txn, BOB, 10, 1), POD_OK);
    assert_int_equal(store_mention_add(txn, BOB, 30, 3), POD_OK);
    assert_int_equal(store_mention_add(txn, BOB, 20, 2), POD_OK);
    assert_int_equal(store_mention_add(txn, BOB, 20, 2), POD_OK); /* again: harmless */
    assert_int_equal(store_mention_add(txn, BOB, -5, 4), POD_OK); /* before 1970 */
    assert_int_equal(store_mention_add(txn, CAROL, 25, 3), POD_OK);
    assert_int_equal(store_mention_add(txn, 0, 25, 3), POD_ERR_INVAL);
    assert_int_equal(store_mention_add(txn, BOB, 25, 0), POD_ERR_INVAL);
    assert_int_equal(store_txn_commit(txn), POD_OK);

    txn = txn_begin(f, false);
    /* Writes need a write transaction. */
    assert_int_equal(store_mention_add(txn, BOB, 1, 9), POD_ERR_INVAL);
    assert_int_equal(store_stream_mentions(txn, BOB, INT64_MAX, UINT64_MAX, 10, collect, &s),
                     POD_OK);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.id[0], 3);
    assert_int_equal(s.id[1], 2);
    assert_int_equal(s.id[2], 1);
    assert_int_equal(s.id[3], 4);
    assert_int_equal(s.t[0], 30);
    assert_int_equal(s.t[3], -5);

    /* Paging: strictly older than max_time; limit; a callback that stops. */
    memset(&s, 0, sizeof s);
    assert_int_equal(store_stream_mentions(txn, BOB, 20, 0, 10, collect, &s), POD_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.id[0], 1);
    memset(&s, 0, sizeof s);
    assert_int_equal(store_stream_mentions(txn, BOB, INT64_MAX, 0, 2, collect, &s), POD_OK);
    assert_int_equal(s.n, 2);
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    assert_int_equal(store_stream_mentions(txn, BOB, INT64_MAX, 0, 10, collect, &s), 1);
    assert_int_equal(s.n, 1);

    /* Nobody else's entries; argument checks. */
    memset(&s, 0, sizeof s);
    assert_int_equal(store_stream_mentions(txn, ALICE, INT64_MAX, 0, 10, collect, &s), POD_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(store_stream_mentions(txn, 0, INT64_MAX, 0, 10, collect, &s), POD_ERR_INVAL);
    assert_int_equal(store_stream_mentions(txn, BOB, INT64_MAX, 0, 10, NULL, &s), POD_ERR_INVAL);
    store_txn_abort(txn);

    /* Removing post 3 takes it from both people's streams. */
    txn = txn_begin(f, true);
    assert_int_equal(store_mentions_remove_post(txn, 3), POD_OK);
    assert_int_equal(store_mentions_remove_post(txn, 3), POD_OK); /* nothing left: fine */
    assert_int_equal(store_mentions_remove_post(txn, 0), POD_ERR_INVAL);
    assert_int_equal(store_txn_commit(txn), POD_OK);
    txn = txn_begin(f, false);
    memset(&s, 0, sizeof s);
    assert_int_equal(store_stream_mentions(txn, BOB, INT64_MAX, 0, 10, collect, &s), POD_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.id[0], 2);
    memset(&s, 0, sizeof s);
    assert_int_equal(store_stream_mentions(txn, CAROL, INT64_MAX, 0, 10, collect, &s), POD_OK);
    assert_int_equal(s.n, 0);
    store_txn_abort(txn);
}

/* More mentions in one post than one removal batch holds. */
static void
test_mentions_remove_many(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = txn_begin(f, true);
    struct ids s = {0};

    for (uint64_t p = 1; p <= 150; p++)
        assert_int_equal(store_mention_add(txn, 1000 + p, 7, 42), POD_OK);
    assert_int_equal(store_mention_add(txn, 1001, 8, 43), POD_OK);
    assert_int_equal(store_mentions_remove_post(txn, 42), POD_OK);
    assert_int_equal(store_txn_commit(txn), POD_OK);
    txn = txn_begin(f, false);
    for (uint64_t p = 1; p <= 150; p++) {
        memset(&s, 0, sizeof s);
        assert_int_equal(store_stream_mentions(txn, 1000 + p, INT64_MAX, 0, 10, collect, &s),
                         POD_OK);
        assert_int_equal(s.n, p == 1 ? 1 : 0);
    }
    store_txn_abort(txn);
}

static void
test_tags_with_prefix(void **state)
{
    struct fixture *f = *state;
    static const char *const t1[] = {"gardening", "garden"};
    static const char *const t2[] = {"gardening", "games"};
    static const char *const t3[] = {"gar", "zoo", "ga"};
    struct store_txn *txn = txn_begin(f, true);
    struct names s = {0};
    char longp[STORE_POST_TAG_MAX + 2];

    add_post(txn, "guid-tags-1", ALICE, 10, t1, 2);
    add_post(txn, "guid-tags-2", ALICE, 20, t2, 2);
    add_post(txn, "guid-tags-3", BOB, 30, t3, 3);
    assert_int_equal(store_txn_commit(txn), POD_OK);

    txn = txn_begin(f, false);
    assert_int_equal(store_tags_with_prefix(txn, "gar", 10, collect_name, &s), POD_OK);
    assert_string_equal(s.buf, "gar,garden,gardening"); /* each name once */
    memset(&s, 0, sizeof s);
    assert_int_equal(store_tags_with_prefix(txn, "ga", 10, collect_name, &s), POD_OK);
    assert_string_equal(s.buf, "ga,games,gar,garden,gardening");
    memset(&s, 0, sizeof s);
    assert_int_equal(store_tags_with_prefix(txn, "ga", 2, collect_name, &s), POD_OK);
    assert_string_equal(s.buf, "ga,games");
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    assert_int_equal(store_tags_with_prefix(txn, "gard", 10, collect_name, &s), 1);
    assert_string_equal(s.buf, "garden");
    memset(&s, 0, sizeof s);
    assert_int_equal(store_tags_with_prefix(txn, "zz", 10, collect_name, &s), POD_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(store_tags_with_prefix(txn, "zoo", 10, collect_name, &s), POD_OK);
    assert_string_equal(s.buf, "zoo");
    assert_int_equal(store_tags_with_prefix(txn, "", 10, collect_name, &s), POD_ERR_INVAL);
    assert_int_equal(store_tags_with_prefix(txn, NULL, 10, collect_name, &s), POD_ERR_INVAL);
    assert_int_equal(store_tags_with_prefix(txn, "ga", 10, NULL, &s), POD_ERR_INVAL);
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    assert_int_equal(store_tags_with_prefix(txn, longp, 10, collect_name, &s), POD_ERR_LIMIT);
    store_txn_abort(txn);
}

/* The followed-tags stream and the main stream merge (social_more.c). */
static void
test_followed_merge(void **state)
{
    struct fixture *f = *state;
    static const char *const garden[] = {"garden"};
    static const char *const food[] = {"food"};
    static const char *const both[] = {"garden", "food"};
    static const char *const other[] = {"other"};
    struct store_txn *txn = txn_begin(f, true);
    uint64_t p1, p2, p3, p4, tag_id;
    struct ids s = {0};

    p1 = add_post(txn, "guid-merge-1", ALICE, 10, garden, 1);
    p2 = add_post(txn, "guid-merge-2", ALICE, 20, food, 1);
    p3 = add_post(txn, "guid-merge-3", ALICE, 30, both, 2);
    p4 = add_post(txn, "guid-merge-4", BOB, 25, NULL, 0); /* in bob's inbox */
    add_post(txn, "guid-merge-5", ALICE, 40, other, 1);
    assert_int_equal(store_txn_commit(txn), POD_OK);

    /* No followed tags: the inbox alone, or nothing. */
    txn = txn_begin(f, false);
    assert_int_equal(web_stream_followed(txn, BOB, INT64_MAX, UINT64_MAX, true, 300, collect, &s),
                     POD_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.id[0], p4);
    memset(&s, 0, sizeof s);
    assert_int_equal(web_stream_followed(txn, BOB, INT64_MAX, UINT64_MAX, false, 300, collect, &s),
                     POD_OK);
    assert_int_equal(s.n, 0);
    store_txn_abort(txn);

    txn = txn_begin(f, true);
    assert_int_equal(store_tag_follow(txn, BOB, "garden", &tag_id), POD_OK);
    assert_int_equal(store_tag_follow(txn, BOB, "food", NULL), POD_OK);
    assert_int_equal(store_txn_commit(txn), POD_OK);

    txn = txn_begin(f, false);
    memset(&s, 0, sizeof s);
    assert_int_equal(web_stream_followed(txn, BOB, INT64_MAX, UINT64_MAX, true, 300, collect, &s),
                     POD_OK);
    assert_int_equal(s.n, 4); /* p3 once although under two tags */
    assert_int_equal(s.id[0], p3);
    assert_int_equal(s.id[1], p4);
    assert_int_equal(s.id[2], p2);
    assert_int_equal(s.id[3], p1);
    memset(&s, 0, sizeof s);
    assert_int_equal(web_stream_followed(txn, BOB, INT64_MAX, UINT64_MAX, false, 300, collect, &s),
                     POD_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.id[0], p3);
    /* max_time: strictly older. */
    memset(&s, 0, sizeof s);
    assert_int_equal(web_stream_followed(txn, BOB, 25, 0, true, 300, collect, &s), POD_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.id[0], p2);
    /* limit bounds what is given; a callback that stops ends the walk. */
    memset(&s, 0, sizeof s);
    assert_int_equal(web_stream_followed(txn, BOB, INT64_MAX, UINT64_MAX, true, 2, collect, &s),
                     POD_OK);
    assert_int_equal(s.n, 2);
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    assert_int_equal(web_stream_followed(txn, BOB, INT64_MAX, UINT64_MAX, true, 300, collect, &s),
                     1);
    assert_int_equal(s.n, 1);
    assert_int_equal(web_stream_followed(txn, 0, INT64_MAX, UINT64_MAX, true, 300, collect, &s),
                     POD_ERR_INVAL);
    store_txn_abort(txn);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mention_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mentions_remove_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags_with_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_followed_merge, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
