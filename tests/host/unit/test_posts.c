/*
 * test_posts.c - app/store/posts.c and its record codecs
 * (app/store/record_posts.c): posts and their indexes, stream paging,
 * shares, reshares, comments, likes, polls, participations, the
 * commented/liked streams, photos, the follower fan-out and what a delete
 * takes with it. Every test runs in its own directory under /tmp, opened
 * with the built-in migrations, and removed afterwards.
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

#include "core/arena.h"
#include "core/error.h"
#include "store/contacts.h"
#include "store/people.h"
#include "store/posts.h"
#include "store/record.h"
#include "store/store.h"

#define ALICE 101
#define BOB   102
#define CAROL 103

/* -------------------------------------------------------------- helpers */

static struct store_post
mkpost(const char *guid, uint64_t author, int64_t created_at, bool public, const char *text)
{
    struct store_post p;

    memset(&p, 0, sizeof(p));
    snprintf(p.guid, sizeof(p.guid), "%s", guid);
    p.author = author;
    p.type = STORE_POST_STATUS;
    p.public = public;
    p.text = text;
    p.created_at = created_at;
    return p;
}

/* Adds a public status post without extras; returns its id. */
static uint64_t
add_post(struct store_txn *txn, const char *guid, uint64_t author, int64_t t)
{
    struct store_post p = mkpost(guid, author, t, true, "hello");

    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    assert_true(p.id != 0);
    return p.id;
}

static struct store_comment
mkcomment(const char *guid, uint64_t post, uint64_t author, int64_t t, const char *text)
{
    struct store_comment c;

    memset(&c, 0, sizeof(c));
    snprintf(c.guid, sizeof(c.guid), "%s", guid);
    c.post = post;
    c.author = author;
    c.text = text;
    c.created_at = t;
    return c;
}

static uint64_t
add_comment(struct store_txn *txn, const char *guid, uint64_t post, uint64_t author, int64_t t)
{
    struct store_comment c = mkcomment(guid, post, author, t, "a comment");

    assert_int_equal(store_comment_add(txn, &c), POD_OK);
    assert_true(c.id != 0);
    return c.id;
}

static struct store_like
mklike(const char *guid, enum store_like_target type, uint64_t target, uint64_t author, int64_t t)
{
    struct store_like l;

    memset(&l, 0, sizeof(l));
    snprintf(l.guid, sizeof(l.guid), "%s", guid);
    l.target_type = type;
    l.target = target;
    l.author = author;
    l.positive = true;
    l.created_at = t;
    return l;
}

static uint64_t
add_like(struct store_txn *txn, const char *guid, enum store_like_target type, uint64_t target,
         uint64_t author, int64_t t)
{
    struct store_like l = mklike(guid, type, target, author, t);

    assert_int_equal(store_like_add(txn, &l), POD_OK);
    assert_true(l.id != 0);
    return l.id;
}

/* A page of a stream, as the callback saw it. */
struct page {
    size_t n;
    size_t stop_after; /* 0 = never stop */
    uint64_t ids[64];
    int64_t times[64];
};

static int
collect(uint64_t post, int64_t created_at, void *ctx)
{
    struct page *pg = ctx;

    assert_true(pg->n < 64);
    pg->ids[pg->n] = post;
    pg->times[pg->n] = created_at;
    pg->n++;
    return pg->stop_after && pg->n == pg->stop_after ? 1 : 0;
}

enum stream_kind { S_PUBLIC, S_AUTHOR, S_TAG, S_INBOX, S_COMMENTED, S_LIKED };

static struct page
stream(struct store_txn *txn, enum stream_kind kind, uint64_t who, const char *tag,
       int64_t max_time, uint64_t before_id, size_t limit)
{
    struct page pg;
    int rc = POD_ERR_INVAL;

    memset(&pg, 0, sizeof(pg));
    switch (kind) {
    case S_PUBLIC:
        rc = store_stream_public(txn, max_time, before_id, limit, collect, &pg);
        break;
    case S_AUTHOR:
        rc = store_stream_author(txn, who, max_time, before_id, limit, collect, &pg);
        break;
    case S_TAG:
        rc = store_stream_tag(txn, tag, max_time, before_id, limit, collect, &pg);
        break;
    case S_INBOX:
        rc = store_stream_inbox(txn, who, max_time, before_id, limit, collect, &pg);
        break;
    case S_COMMENTED:
        rc = store_stream_commented(txn, who, max_time, before_id, limit, collect, &pg);
        break;
    case S_LIKED:
        rc = store_stream_liked(txn, who, max_time, before_id, limit, collect, &pg);
        break;
    }
    assert_int_equal(rc, POD_OK);
    return pg;
}

/* The whole stream, first page. */
static struct page
first(struct store_txn *txn, enum stream_kind kind, uint64_t who, const char *tag)
{
    return stream(txn, kind, who, tag, INT64_MAX, UINT64_MAX, 64);
}

static void
assert_ids(const struct page *pg, const uint64_t *ids, size_t n)
{
    if (pg->n != n)
        fail_msg("page has %zu entries, expected %zu", pg->n, n);
    for (size_t i = 0; i < n; i++) {
        if (pg->ids[i] != ids[i])
            fail_msg("entry %zu is post %llu, expected %llu", i, (unsigned long long)pg->ids[i],
                     (unsigned long long)ids[i]);
    }
}

static uint32_t
post_counts(struct fixture *f, struct store_txn *txn, uint64_t id, uint32_t *likes,
            uint32_t *reshares)
{
    struct store_post p;

    assert_int_equal(store_post_get(txn, id, &f->arena, &p), POD_OK);
    if (likes)
        *likes = p.likes_count;
    if (reshares)
        *reshares = p.reshares_count;
    return p.comments_count;
}

/* ------------------------------------------------------------ add / get */

static void
test_post_add_get(void **state)
{
    struct fixture *f = *state;
    struct store_post p = mkpost("guid-post-1", ALICE, 1700000000, true, "Hello **world**");
    const char *tags[] = {"cats", "dogs"};
    struct store_post got;
    struct store_txn *txn;

    snprintf(p.provider, sizeof(p.provider), "plugpod");
    snprintf(p.address, sizeof(p.address), "Marienplatz, München");
    snprintf(p.lat, sizeof(p.lat), "48.137");
    snprintf(p.lng, sizeof(p.lng), "11.575");
    p.comments_count = 7; /* kept by the store: reset on add */
    txn = wtxn(f);
    assert_int_equal(store_post_add(txn, &p, NULL, 0, tags, 2, NULL), POD_OK);
    assert_int_equal(p.id, 1);
    assert_int_equal(p.comments_count, 0);
    commit(txn);

    txn = rtxn(f);
    memset(&got, 0x5a, sizeof(got));
    assert_int_equal(store_post_get(txn, p.id, &f->arena, &got), POD_OK);
    assert_int_equal(got.id, p.id);
    assert_string_equal(got.guid, "guid-post-1");
    assert_int_equal(got.author, ALICE);
    assert_int_equal(got.type, STORE_POST_STATUS);
    assert_true(got.public);
    assert_string_equal(got.text, "Hello **world**");
    assert_int_equal(got.root, 0);
    assert_string_equal(got.provider, "plugpod");
    assert_string_equal(got.address, "Marienplatz, München");
    assert_string_equal(got.lat, "48.137");
    assert_string_equal(got.lng, "11.575");
    assert_int_equal(got.photo_count, 0);
    assert_true(got.created_at == 1700000000);
    assert_int_equal(got.comments_count, 0);
    assert_int_equal(got.likes_count, 0);
    assert_int_equal(got.reshares_count, 0);
    /* The text lives in the arena, not in LMDB's map. */
    assert_true((const unsigned char *)got.text >= f->buf &&
                (const unsigned char *)got.text < f->buf + sizeof(f->buf));

    memset(&got, 0, sizeof(got));
    assert_int_equal(store_post_get_by_guid(txn, "guid-post-1", &f->arena, &got), POD_OK);
    assert_int_equal(got.id, p.id);
    assert_string_equal(got.text, "Hello **world**");

    assert_int_equal(store_post_get(txn, 99, &f->arena, &got), POD_ERR_NOTFOUND);
    assert_int_equal(got.id, 0);
    assert_int_equal(store_post_get_by_guid(txn, "guid-post-2", &f->arena, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_post_get_by_guid(txn, "guid-post-", &f->arena, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_post_get(txn, 0, &f->arena, &got), POD_ERR_INVAL);
    assert_int_equal(store_post_get(txn, p.id, NULL, &got), POD_ERR_INVAL);
    assert_int_equal(store_post_get(txn, p.id, &f->arena, NULL), POD_ERR_INVAL);
    assert_int_equal(store_post_get(NULL, p.id, &f->arena, &got), POD_ERR_INVAL);
    assert_int_equal(store_post_get_by_guid(txn, "", &f->arena, &got), POD_ERR_INVAL);
    assert_int_equal(store_post_get_by_guid(txn, NULL, &f->arena, &got), POD_ERR_INVAL);
    store_txn_abort(txn);
}

static void
test_post_text_limits(void **state)
{
    struct fixture *f = *state;
    char *big = malloc(STORE_POST_TEXT_MAX + 2);
    struct store_post p;
    struct store_post got;
    struct store_txn *txn;
    uint64_t empty_id;

    assert_non_null(big);
    for (size_t i = 0; i < STORE_POST_TEXT_MAX; i++)
        big[i] = (char)('a' + i % 26);
    big[STORE_POST_TEXT_MAX] = '\0';

    txn = wtxn(f);
    p = mkpost("guid-big", ALICE, 1, true, big);
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    /* One byte more is refused and writes nothing. */
    big[STORE_POST_TEXT_MAX] = 'x';
    big[STORE_POST_TEXT_MAX + 1] = '\0';
    p = mkpost("guid-too-big", ALICE, 1, true, big);
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_LIMIT);
    big[STORE_POST_TEXT_MAX] = '\0';
    /* Empty and NULL text are both "". */
    p = mkpost("guid-empty", ALICE, 2, true, "");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    empty_id = p.id;
    p = mkpost("guid-null", ALICE, 3, true, NULL);
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_post_get_by_guid(txn, "guid-big", &f->arena, &got), POD_OK);
    assert_int_equal(strlen(got.text), STORE_POST_TEXT_MAX);
    assert_memory_equal(got.text, big, STORE_POST_TEXT_MAX);
    assert_int_equal(store_post_get_by_guid(txn, "guid-too-big", &f->arena, &got),
                     POD_ERR_NOTFOUND);
    assert_int_equal(store_post_get(txn, empty_id, &f->arena, &got), POD_OK);
    assert_string_equal(got.text, "");
    assert_int_equal(store_post_get_by_guid(txn, "guid-null", &f->arena, &got), POD_OK);
    assert_non_null(got.text);
    assert_string_equal(got.text, "");
    store_txn_abort(txn);
    free(big);
}

static void
test_post_add_refused(void **state)
{
    struct fixture *f = *state;
    char tag65[66];
    const char *tags_long[] = {"ok", tag65};
    const char *tags_empty[] = {""};
    const char *tags_null[] = {NULL};
    const char *many[STORE_POST_MAX_TAGS + 1];
    struct store_poll poll;
    uint64_t zero_recipient[] = {BOB, 0};
    struct store_post p;
    struct store_post got;
    struct store_txn *txn;
    struct page pg;

    memset(tag65, 't', 65);
    tag65[65] = '\0';
    for (size_t i = 0; i <= STORE_POST_MAX_TAGS; i++)
        many[i] = "tag";
    memset(&poll, 0, sizeof(poll));
    snprintf(poll.question, sizeof(poll.question), "Which?");
    snprintf(poll.answers[0], sizeof(poll.answers[0]), "only one");
    poll.answer_count = 1;

    txn = wtxn(f);
    p = mkpost("guid-a", ALICE, 10, true, "first");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    /* A known GUID, even from another author. */
    p = mkpost("guid-a", BOB, 11, true, "second");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_EXISTS);
    assert_int_equal(p.id, 0);

    p = mkpost("", ALICE, 1, true, "x");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_INVAL);
    p = mkpost("guid-b", 0, 1, true, "x");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_INVAL);
    p = mkpost("guid-b", ALICE, 1, true, "x");
    memset(p.guid, 'g', sizeof(p.guid)); /* not terminated in its field */
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_INVAL);
    p = mkpost("guid-b", ALICE, 1, true, "x");
    p.type = 0;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_INVAL);
    p = mkpost("guid-b", ALICE, 1, true, "x");
    p.type = STORE_POST_RESHARE; /* without a root */
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_INVAL);
    p = mkpost("guid-b", ALICE, 1, true, "x");
    p.root = 1; /* a status with a root */
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_INVAL);
    p = mkpost("guid-b", ALICE, 1, true, "x");
    memset(p.lat, '1', sizeof(p.lat));
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_INVAL);
    p = mkpost("guid-b", ALICE, 1, true, "x");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, tags_long, 2, NULL), POD_ERR_LIMIT);
    assert_int_equal(store_post_add(txn, &p, NULL, 0, tags_empty, 1, NULL), POD_ERR_INVAL);
    assert_int_equal(store_post_add(txn, &p, NULL, 0, tags_null, 1, NULL), POD_ERR_INVAL);
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 1, NULL), POD_ERR_INVAL);
    assert_int_equal(store_post_add(txn, &p, NULL, 0, many, STORE_POST_MAX_TAGS + 1, NULL),
                     POD_ERR_LIMIT);
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, &poll), POD_ERR_INVAL);
    poll.answer_count = STORE_POLL_MAX_ANSWERS + 1;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, &poll), POD_ERR_INVAL);
    poll.answer_count = 2; /* answers[1] is empty */
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, &poll), POD_ERR_INVAL);
    p.photo_count = STORE_POST_MAX_PHOTOS + 1;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_LIMIT);
    p.photo_count = 1;
    p.photos[0] = 77; /* unknown photo */
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_NOTFOUND);
    p = mkpost("guid-b", ALICE, 1, false, "x");
    assert_int_equal(store_post_add(txn, &p, zero_recipient, 2, NULL, 0, NULL), POD_ERR_INVAL);
    assert_int_equal(store_post_add(txn, &p, NULL, 1, NULL, 0, NULL), POD_ERR_INVAL);
    p = mkpost("guid-b", ALICE, 1, true, "x");
    p.type = STORE_POST_RESHARE;
    p.root = 999; /* unknown root */
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_NOTFOUND);
    assert_int_equal(store_post_add(txn, NULL, NULL, 0, NULL, 0, NULL), POD_ERR_INVAL);
    assert_int_equal(store_post_add(NULL, &p, NULL, 0, NULL, 0, NULL), POD_ERR_INVAL);
    /* None of the refused adds left a trace. */
    assert_int_equal(store_post_get_by_guid(txn, "guid-b", &f->arena, &got), POD_ERR_NOTFOUND);
    pg = first(txn, S_PUBLIC, 0, NULL);
    assert_int_equal(pg.n, 1);
    pg = first(txn, S_AUTHOR, BOB, NULL);
    assert_int_equal(pg.n, 0);
    commit(txn);

    /* A read-only transaction cannot write. */
    txn = rtxn(f);
    p = mkpost("guid-c", ALICE, 1, true, "x");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_INVAL);
    assert_int_equal(store_post_delete(txn, 1), POD_ERR_INVAL);
    store_txn_abort(txn);
}

/* -------------------------------------------------------------- streams */

static void
test_stream_public_paging(void **state)
{
    struct fixture *f = *state;
    struct store_post p;
    struct store_txn *txn;
    uint64_t id[8];
    struct page pg;
    char guid[32];

    /* Times 100, 200, 200, 200, 300, 400; the three at 200 page by id. */
    const int64_t times[] = {100, 200, 200, 200, 300, 400};
    txn = wtxn(f);
    for (int i = 0; i < 6; i++) {
        snprintf(guid, sizeof(guid), "guid-pub-%d", i);
        id[i] = add_post(txn, guid, ALICE, times[i]);
    }
    /* A limited post is not in the public stream. */
    p = mkpost("guid-private", ALICE, 250, false, "secret");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    id[6] = p.id;
    commit(txn);

    txn = rtxn(f);
    pg = first(txn, S_PUBLIC, 0, NULL);
    assert_ids(&pg, (uint64_t[]){id[5], id[4], id[3], id[2], id[1], id[0]}, 6);
    assert_true(pg.times[0] == 400 && pg.times[2] == 200 && pg.times[5] == 100);

    /* Pages of two, each starting below the last entry of the one before. */
    pg = stream(txn, S_PUBLIC, 0, NULL, INT64_MAX, UINT64_MAX, 2);
    assert_ids(&pg, (uint64_t[]){id[5], id[4]}, 2);
    pg = stream(txn, S_PUBLIC, 0, NULL, pg.times[1], pg.ids[1], 2);
    assert_ids(&pg, (uint64_t[]){id[3], id[2]}, 2);
    /* The boundary falls between posts of the same time: the id decides. */
    pg = stream(txn, S_PUBLIC, 0, NULL, pg.times[1], pg.ids[1], 2);
    assert_ids(&pg, (uint64_t[]){id[1], id[0]}, 2);
    pg = stream(txn, S_PUBLIC, 0, NULL, pg.times[1], pg.ids[1], 2);
    assert_int_equal(pg.n, 0);

    /* max_time in the middle: everything strictly older than (200, id). */
    pg = stream(txn, S_PUBLIC, 0, NULL, 200, id[2], 10);
    assert_ids(&pg, (uint64_t[]){id[1], id[0]}, 2);
    pg = stream(txn, S_PUBLIC, 0, NULL, 200, UINT64_MAX, 10);
    assert_ids(&pg, (uint64_t[]){id[3], id[2], id[1], id[0]}, 4);
    pg = stream(txn, S_PUBLIC, 0, NULL, 250, 0, 10);
    assert_ids(&pg, (uint64_t[]){id[3], id[2], id[1], id[0]}, 4);
    pg = stream(txn, S_PUBLIC, 0, NULL, 200, 0, 10);
    assert_ids(&pg, (uint64_t[]){id[0]}, 1);
    pg = stream(txn, S_PUBLIC, 0, NULL, 100, id[0], 10);
    assert_int_equal(pg.n, 0);
    pg = stream(txn, S_PUBLIC, 0, NULL, INT64_MIN, 0, 10);
    assert_int_equal(pg.n, 0);
    /* A limit of 0 gives nothing; fn can stop early. */
    pg = stream(txn, S_PUBLIC, 0, NULL, INT64_MAX, UINT64_MAX, 0);
    assert_int_equal(pg.n, 0);
    memset(&pg, 0, sizeof(pg));
    pg.stop_after = 3;
    assert_int_equal(store_stream_public(txn, INT64_MAX, UINT64_MAX, 10, collect, &pg), 1);
    assert_int_equal(pg.n, 3);
    assert_int_equal(store_stream_public(txn, INT64_MAX, UINT64_MAX, 10, NULL, NULL),
                     POD_ERR_INVAL);
    assert_int_equal(store_stream_public(NULL, INT64_MAX, UINT64_MAX, 10, collect, &pg),
                     POD_ERR_INVAL);
    store_txn_abort(txn);
}

static void
test_stream_negative_times(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn;
    uint64_t a, b, c, d;
    struct page pg;

    txn = wtxn(f);
    a = add_post(txn, "guid-t1", ALICE, 5);
    b = add_post(txn, "guid-t2", ALICE, -5);
    c = add_post(txn, "guid-t3", ALICE, 0);
    d = add_post(txn, "guid-t4", ALICE, INT64_MIN);
    commit(txn);

    txn = rtxn(f);
    pg = first(txn, S_PUBLIC, 0, NULL);
    assert_ids(&pg, (uint64_t[]){a, c, b, d}, 4);
    assert_true(pg.times[2] == -5 && pg.times[3] == INT64_MIN);
    pg = stream(txn, S_AUTHOR, ALICE, NULL, 0, 0, 10);
    assert_ids(&pg, (uint64_t[]){b, d}, 2);
    store_txn_abort(txn);
}

static void
test_stream_author_tag_inbox(void **state)
{
    struct fixture *f = *state;
    const char *tags1[] = {"cat", "photo"};
    const char *tags2[] = {"ca"};
    const char *tags3[] = {"cat"};
    uint64_t recipients[] = {BOB};
    struct store_post p;
    struct store_txn *txn;
    uint64_t a1, a2, b1, lim;
    struct page pg;

    txn = wtxn(f);
    p = mkpost("guid-a1", ALICE, 10, true, "#cat #photo");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, tags1, 2, NULL), POD_OK);
    a1 = p.id;
    p = mkpost("guid-b1", BOB, 20, true, "#ca");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, tags2, 1, NULL), POD_OK);
    b1 = p.id;
    p = mkpost("guid-a2", ALICE, 30, true, "#cat");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, tags3, 1, NULL), POD_OK);
    a2 = p.id;
    /* Limited, to Bob: the author's and Bob's inbox, shares, no public. */
    p = mkpost("guid-lim", ALICE, 40, false, "for bob");
    assert_int_equal(store_post_add(txn, &p, recipients, 1, tags3, 1, NULL), POD_OK);
    lim = p.id;
    commit(txn);

    txn = rtxn(f);
    pg = first(txn, S_AUTHOR, ALICE, NULL);
    assert_ids(&pg, (uint64_t[]){lim, a2, a1}, 3);
    pg = first(txn, S_AUTHOR, BOB, NULL);
    assert_ids(&pg, (uint64_t[]){b1}, 1);
    pg = first(txn, S_AUTHOR, CAROL, NULL);
    assert_int_equal(pg.n, 0);
    pg = stream(txn, S_AUTHOR, ALICE, NULL, 30, a2, 10);
    assert_ids(&pg, (uint64_t[]){a1}, 1);

    /* "ca" is not a prefix match of "cat". */
    pg = first(txn, S_TAG, 0, "cat");
    assert_ids(&pg, (uint64_t[]){lim, a2, a1}, 3);
    pg = first(txn, S_TAG, 0, "ca");
    assert_ids(&pg, (uint64_t[]){b1}, 1);
    pg = first(txn, S_TAG, 0, "photo");
    assert_ids(&pg, (uint64_t[]){a1}, 1);
    pg = first(txn, S_TAG, 0, "c");
    assert_int_equal(pg.n, 0);
    pg = stream(txn, S_TAG, 0, "cat", 40, lim, 1);
    assert_ids(&pg, (uint64_t[]){a2}, 1);

    pg = first(txn, S_PUBLIC, 0, NULL);
    assert_ids(&pg, (uint64_t[]){a2, b1, a1}, 3);
    pg = first(txn, S_INBOX, ALICE, NULL);
    assert_ids(&pg, (uint64_t[]){lim, a2, a1}, 3);
    pg = first(txn, S_INBOX, BOB, NULL);
    assert_ids(&pg, (uint64_t[]){lim, b1}, 2);
    pg = first(txn, S_INBOX, CAROL, NULL);
    assert_int_equal(pg.n, 0);

    assert_true(store_post_is_shared_with(txn, lim, BOB));
    assert_false(store_post_is_shared_with(txn, lim, CAROL));
    assert_false(store_post_is_shared_with(txn, lim, ALICE));
    assert_false(store_post_is_shared_with(txn, a1, BOB));
    assert_false(store_post_is_shared_with(txn, 0, BOB));
    assert_false(store_post_is_shared_with(NULL, lim, BOB));

    assert_int_equal(store_stream_author(txn, 0, INT64_MAX, UINT64_MAX, 5, collect, &pg),
                     POD_ERR_INVAL);
    assert_int_equal(store_stream_inbox(txn, 0, INT64_MAX, UINT64_MAX, 5, collect, &pg),
                     POD_ERR_INVAL);
    assert_int_equal(store_stream_tag(txn, "", INT64_MAX, UINT64_MAX, 5, collect, &pg),
                     POD_ERR_INVAL);
    assert_int_equal(store_stream_tag(txn, NULL, INT64_MAX, UINT64_MAX, 5, collect, &pg),
                     POD_ERR_INVAL);
    store_txn_abort(txn);
}

/* Many posts: a page from the middle is exactly the entries below the
 * cursor, whichever way the pod's posts are spread over authors. */
static void
test_stream_many(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn;
    uint64_t ids[600];
    struct page pg;
    char guid[32];

    txn = wtxn(f);
    for (int i = 0; i < 600; i++) {
        snprintf(guid, sizeof(guid), "guid-many-%d", i);
        ids[i] = add_post(txn, guid, i % 3 ? ALICE : BOB, 1000 + i / 2);
    }
    commit(txn);

    txn = rtxn(f);
    pg = stream(txn, S_PUBLIC, 0, NULL, 1000 + 300 / 2, ids[300], 5);
    assert_ids(&pg, (uint64_t[]){ids[299], ids[298], ids[297], ids[296], ids[295]}, 5);
    pg = stream(txn, S_AUTHOR, BOB, NULL, 1000 + 300 / 2, ids[300], 3);
    assert_ids(&pg, (uint64_t[]){ids[297], ids[294], ids[291]}, 3);
    pg = stream(txn, S_AUTHOR, BOB, NULL, 1000, ids[0], 3);
    assert_int_equal(pg.n, 0);
    store_txn_abort(txn);
}

/* ------------------------------------------------------------- reshares */

struct reshare_list {
    size_t n;
    uint64_t post[8];
    uint64_t author[8];
};

static int
reshare_collect(uint64_t post, uint64_t author, void *ctx)
{
    struct reshare_list *l = ctx;

    assert_true(l->n < 8);
    l->post[l->n] = post;
    l->author[l->n] = author;
    l->n++;
    return 0;
}

static uint64_t
add_reshare(struct store_txn *txn, const char *guid, uint64_t author, uint64_t root, int64_t t)
{
    struct store_post p = mkpost(guid, author, t, true, NULL);

    p.type = STORE_POST_RESHARE;
    p.root = root;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    return p.id;
}

static void
test_reshares(void **state)
{
    struct fixture *f = *state;
    struct reshare_list l;
    struct store_post got;
    struct store_txn *txn;
    uint64_t root, r1, r2, r3;
    uint32_t reshares;
    struct page pg;

    txn = wtxn(f);
    root = add_post(txn, "guid-root", ALICE, 100);
    r2 = add_reshare(txn, "guid-r2", CAROL, root, 300);
    r1 = add_reshare(txn, "guid-r1", BOB, root, 200);
    commit(txn);

    txn = rtxn(f);
    post_counts(f, txn, root, NULL, &reshares);
    assert_int_equal(reshares, 2);
    assert_int_equal(store_post_get(txn, r1, &f->arena, &got), POD_OK);
    assert_int_equal(got.type, STORE_POST_RESHARE);
    assert_int_equal(got.root, root);
    assert_string_equal(got.text, "");
    memset(&l, 0, sizeof(l));
    assert_int_equal(store_reshares_each(txn, root, reshare_collect, &l), POD_OK);
    assert_int_equal(l.n, 2); /* oldest first */
    assert_int_equal(l.post[0], r1);
    assert_int_equal(l.author[0], BOB);
    assert_int_equal(l.post[1], r2);
    assert_int_equal(l.author[1], CAROL);
    assert_int_equal(store_reshares_each(txn, root, NULL, NULL), POD_ERR_INVAL);
    assert_int_equal(store_reshares_each(txn, 0, reshare_collect, &l), POD_ERR_INVAL);
    /* Reshares are posts in their author's stream. */
    pg = first(txn, S_AUTHOR, BOB, NULL);
    assert_ids(&pg, (uint64_t[]){r1}, 1);
    store_txn_abort(txn);

    txn = wtxn(f);
    assert_int_equal(store_post_delete(txn, r1), POD_OK);
    post_counts(f, txn, root, NULL, &reshares);
    assert_int_equal(reshares, 1);
    memset(&l, 0, sizeof(l));
    assert_int_equal(store_reshares_each(txn, root, reshare_collect, &l), POD_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.post[0], r2);
    /* Deleting the root drops its reshare index; the reshare stays and can
     * be deleted later. */
    r3 = add_reshare(txn, "guid-r3", BOB, root, 400);
    post_counts(f, txn, root, NULL, &reshares);
    assert_int_equal(reshares, 2);
    assert_int_equal(store_post_delete(txn, root), POD_OK);
    memset(&l, 0, sizeof(l));
    assert_int_equal(store_reshares_each(txn, root, reshare_collect, &l), POD_OK);
    assert_int_equal(l.n, 0);
    assert_int_equal(store_post_get(txn, r2, &f->arena, &got), POD_OK);
    assert_int_equal(store_post_delete(txn, r2), POD_OK);
    assert_int_equal(store_post_delete(txn, r3), POD_OK);
    assert_int_equal(store_post_delete(txn, r3), POD_ERR_NOTFOUND);
    pg = first(txn, S_PUBLIC, 0, NULL);
    assert_int_equal(pg.n, 0);
    commit(txn);
}

/* ------------------------------------------------------------- comments */

struct comment_list {
    size_t n;
    uint64_t id[8];
    uint64_t author[8];
    char text[8][32];
};

static int
comment_collect(const struct store_comment *c, void *ctx)
{
    struct comment_list *l = ctx;

    assert_true(l->n < 8);
    l->id[l->n] = c->id;
    l->author[l->n] = c->author;
    snprintf(l->text[l->n], sizeof(l->text[0]), "%s", c->text);
    l->n++;
    return 0;
}

static void
test_comments(void **state)
{
    struct fixture *f = *state;
    struct store_comment c;
    struct store_comment got;
    struct comment_list l;
    struct store_txn *txn;
    uint64_t post, other, c1, c2, c3;

    txn = wtxn(f);
    post = add_post(txn, "guid-post", ALICE, 100);
    other = add_post(txn, "guid-other", ALICE, 101);
    c = mkcomment("guid-c2", post, CAROL, 300, "second");
    assert_int_equal(store_comment_add(txn, &c), POD_OK);
    c2 = c.id;
    c = mkcomment("guid-c1", post, BOB, 200, "first");
    assert_int_equal(store_comment_add(txn, &c), POD_OK);
    c1 = c.id;
    c3 = add_comment(txn, "guid-c3", other, BOB, 400);
    /* Refused: known GUID, unknown post, bad arguments. */
    c = mkcomment("guid-c1", post, BOB, 500, "again");
    assert_int_equal(store_comment_add(txn, &c), POD_ERR_EXISTS);
    c = mkcomment("guid-c9", 999, BOB, 500, "nowhere");
    assert_int_equal(store_comment_add(txn, &c), POD_ERR_NOTFOUND);
    c = mkcomment("", post, BOB, 500, "x");
    assert_int_equal(store_comment_add(txn, &c), POD_ERR_INVAL);
    c = mkcomment("guid-c9", post, 0, 500, "x");
    assert_int_equal(store_comment_add(txn, &c), POD_ERR_INVAL);
    c = mkcomment("guid-c9", 0, BOB, 500, "x");
    assert_int_equal(store_comment_add(txn, &c), POD_ERR_INVAL);
    assert_int_equal(store_comment_add(txn, NULL), POD_ERR_INVAL);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(post_counts(f, txn, post, NULL, NULL), 2);
    assert_int_equal(post_counts(f, txn, other, NULL, NULL), 1);
    assert_int_equal(store_comment_get(txn, c1, &f->arena, &got), POD_OK);
    assert_int_equal(got.id, c1);
    assert_string_equal(got.guid, "guid-c1");
    assert_int_equal(got.post, post);
    assert_int_equal(got.author, BOB);
    assert_string_equal(got.text, "first");
    assert_true(got.created_at == 200);
    assert_int_equal(got.likes_count, 0);
    assert_int_equal(store_comment_get_by_guid(txn, "guid-c2", &f->arena, &got), POD_OK);
    assert_int_equal(got.id, c2);
    assert_string_equal(got.text, "second");
    assert_int_equal(store_comment_get_by_guid(txn, "guid-c9", &f->arena, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_comment_get(txn, 999, &f->arena, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_comment_get(txn, c1, NULL, &got), POD_ERR_INVAL);
    assert_int_equal(store_comment_get(txn, 0, &f->arena, &got), POD_ERR_INVAL);
    /* Oldest first, by time, whatever the order they came in. */
    memset(&l, 0, sizeof(l));
    assert_int_equal(store_comments_each(txn, post, &f->arena, comment_collect, &l), POD_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.id[0], c1);
    assert_string_equal(l.text[0], "first");
    assert_int_equal(l.id[1], c2);
    assert_string_equal(l.text[1], "second");
    assert_int_equal(store_comments_each(txn, post, &f->arena, NULL, NULL), POD_ERR_INVAL);
    assert_int_equal(store_comments_each(txn, 0, &f->arena, comment_collect, &l), POD_ERR_INVAL);
    assert_int_equal(store_comment_delete(txn, c1), POD_ERR_INVAL); /* read-only */
    store_txn_abort(txn);

    txn = wtxn(f);
    assert_int_equal(store_comment_delete(txn, c1), POD_OK);
    assert_int_equal(store_comment_delete(txn, c1), POD_ERR_NOTFOUND);
    assert_int_equal(store_comment_delete(txn, 0), POD_ERR_INVAL);
    assert_int_equal(store_comment_get(txn, c1, &f->arena, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_comment_get_by_guid(txn, "guid-c1", &f->arena, &got), POD_ERR_NOTFOUND);
    assert_int_equal(post_counts(f, txn, post, NULL, NULL), 1);
    assert_int_equal(post_counts(f, txn, other, NULL, NULL), 1);
    memset(&l, 0, sizeof(l));
    assert_int_equal(store_comments_each(txn, post, &f->arena, comment_collect, &l), POD_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.id[0], c2);
    /* Its GUID may be used again. */
    c = mkcomment("guid-c1", post, BOB, 600, "back");
    assert_int_equal(store_comment_add(txn, &c), POD_OK);
    assert_int_equal(post_counts(f, txn, post, NULL, NULL), 2);
    assert_int_equal(store_comment_delete(txn, c3), POD_OK);
    assert_int_equal(post_counts(f, txn, other, NULL, NULL), 0);
    commit(txn);
}

/* ---------------------------------------------------------------- likes */

struct like_list {
    size_t n;
    uint64_t author[8];
};

static int
like_collect(const struct store_like *l, void *ctx)
{
    struct like_list *ll = ctx;

    assert_true(ll->n < 8);
    ll->author[ll->n++] = l->author;
    return 0;
}

static uint32_t
comment_likes(struct fixture *f, struct store_txn *txn, uint64_t id)
{
    struct store_comment c;

    assert_int_equal(store_comment_get(txn, id, &f->arena, &c), POD_OK);
    return c.likes_count;
}

static void
test_likes(void **state)
{
    struct fixture *f = *state;
    struct store_like l;
    struct store_like got;
    struct like_list ll;
    struct store_txn *txn;
    uint64_t post, cmt, l1, l2, l3;
    uint32_t likes;

    txn = wtxn(f);
    post = add_post(txn, "guid-post", ALICE, 100);
    cmt = add_comment(txn, "guid-cmt", post, BOB, 150);
    l1 = add_like(txn, "guid-l1", STORE_LIKE_POST, post, CAROL, 200);
    l2 = add_like(txn, "guid-l2", STORE_LIKE_POST, post, BOB, 210);
    /* One like per author and target. */
    l = mklike("guid-l9", STORE_LIKE_POST, post, CAROL, 220);
    assert_int_equal(store_like_add(txn, &l), POD_ERR_EXISTS);
    assert_int_equal(l.id, 0);
    l = mklike("guid-l1", STORE_LIKE_POST, post, ALICE, 220);
    assert_int_equal(store_like_add(txn, &l), POD_ERR_EXISTS);
    /* Liking a comment is another target. */
    l3 = add_like(txn, "guid-l3", STORE_LIKE_COMMENT, cmt, CAROL, 230);
    l = mklike("guid-l9", STORE_LIKE_COMMENT, cmt, CAROL, 240);
    assert_int_equal(store_like_add(txn, &l), POD_ERR_EXISTS);
    l = mklike("guid-l9", STORE_LIKE_POST, 999, CAROL, 240);
    assert_int_equal(store_like_add(txn, &l), POD_ERR_NOTFOUND);
    l = mklike("guid-l9", STORE_LIKE_COMMENT, 999, CAROL, 240);
    assert_int_equal(store_like_add(txn, &l), POD_ERR_NOTFOUND);
    l = mklike("guid-l9", 7, post, CAROL, 240);
    assert_int_equal(store_like_add(txn, &l), POD_ERR_INVAL);
    l = mklike("guid-l9", STORE_LIKE_POST, post, 0, 240);
    assert_int_equal(store_like_add(txn, &l), POD_ERR_INVAL);
    assert_int_equal(store_like_add(txn, NULL), POD_ERR_INVAL);
    /* A dislike is stored but not counted. */
    l = mklike("guid-dis", STORE_LIKE_POST, post, ALICE, 250);
    l.positive = false;
    assert_int_equal(store_like_add(txn, &l), POD_OK);
    commit(txn);

    txn = rtxn(f);
    post_counts(f, txn, post, &likes, NULL);
    assert_int_equal(likes, 2);
    assert_int_equal(comment_likes(f, txn, cmt), 1);
    assert_int_equal(store_like_get(txn, l1, &got), POD_OK);
    assert_int_equal(got.id, l1);
    assert_string_equal(got.guid, "guid-l1");
    assert_int_equal(got.target_type, STORE_LIKE_POST);
    assert_int_equal(got.target, post);
    assert_int_equal(got.author, CAROL);
    assert_true(got.positive);
    assert_true(got.created_at == 200);
    assert_int_equal(store_like_get_by_guid(txn, "guid-l3", &got), POD_OK);
    assert_int_equal(got.id, l3);
    assert_int_equal(got.target_type, STORE_LIKE_COMMENT);
    assert_int_equal(store_like_find(txn, STORE_LIKE_POST, post, BOB, &got), POD_OK);
    assert_int_equal(got.id, l2);
    assert_int_equal(store_like_find(txn, STORE_LIKE_COMMENT, post, BOB, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_like_find(txn, STORE_LIKE_POST, post, 0, &got), POD_ERR_INVAL);
    assert_int_equal(store_like_get(txn, 999, &got), POD_ERR_NOTFOUND);
    memset(&ll, 0, sizeof(ll));
    assert_int_equal(store_likes_each(txn, STORE_LIKE_POST, post, like_collect, &ll), POD_OK);
    assert_int_equal(ll.n, 3); /* the dislike is listed */
    memset(&ll, 0, sizeof(ll));
    assert_int_equal(store_likes_each(txn, STORE_LIKE_COMMENT, cmt, like_collect, &ll), POD_OK);
    assert_int_equal(ll.n, 1);
    assert_int_equal(ll.author[0], CAROL);
    assert_int_equal(store_likes_each(txn, STORE_LIKE_POST, post, NULL, NULL), POD_ERR_INVAL);
    store_txn_abort(txn);

    txn = wtxn(f);
    assert_int_equal(store_like_delete(txn, l1), POD_OK);
    assert_int_equal(store_like_delete(txn, l1), POD_ERR_NOTFOUND);
    post_counts(f, txn, post, &likes, NULL);
    assert_int_equal(likes, 1);
    assert_int_equal(store_like_get_by_guid(txn, "guid-l1", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_like_find(txn, STORE_LIKE_POST, post, CAROL, &got), POD_ERR_NOTFOUND);
    /* Carol may like it again. */
    l1 = add_like(txn, "guid-l1b", STORE_LIKE_POST, post, CAROL, 300);
    post_counts(f, txn, post, &likes, NULL);
    assert_int_equal(likes, 2);
    assert_int_equal(store_like_delete(txn, l3), POD_OK);
    assert_int_equal(comment_likes(f, txn, cmt), 0);
    /* Deleting a comment takes the likes on it along. */
    l3 = add_like(txn, "guid-l3b", STORE_LIKE_COMMENT, cmt, ALICE, 310);
    assert_int_equal(comment_likes(f, txn, cmt), 1);
    assert_int_equal(store_comment_delete(txn, cmt), POD_OK);
    assert_int_equal(store_like_get(txn, l3, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_like_get_by_guid(txn, "guid-l3b", &got), POD_ERR_NOTFOUND);
    commit(txn);
}

/* ---------------------------------------------------------------- polls */

static void
test_poll(void **state)
{
    struct fixture *f = *state;
    uint32_t counts[STORE_POLL_MAX_ANSWERS];
    struct store_poll poll;
    struct store_poll got;
    struct store_post p;
    struct store_txn *txn;
    uint64_t post, plain;
    int32_t own;

    memset(&poll, 0, sizeof(poll));
    snprintf(poll.question, sizeof(poll.question), "Tea or coffee?");
    snprintf(poll.answers[0], sizeof(poll.answers[0]), "tea");
    snprintf(poll.answers[1], sizeof(poll.answers[1]), "coffee");
    snprintf(poll.answers[2], sizeof(poll.answers[2]), "water");
    poll.answer_count = 3;
    txn = wtxn(f);
    p = mkpost("guid-poll", ALICE, 100, true, "vote!");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, &poll), POD_OK);
    post = p.id;
    plain = add_post(txn, "guid-plain", ALICE, 101);
    assert_int_equal(store_poll_vote(txn, post, BOB, 1), POD_OK);
    assert_int_equal(store_poll_vote(txn, post, CAROL, 1), POD_OK);
    assert_int_equal(store_poll_vote(txn, post, ALICE, 2), POD_OK);
    /* Once per person; answers in range; only on posts with a poll. */
    assert_int_equal(store_poll_vote(txn, post, BOB, 0), POD_ERR_EXISTS);
    assert_int_equal(store_poll_vote(txn, post, 104, 3), POD_ERR_INVAL);
    assert_int_equal(store_poll_vote(txn, post, 104, UINT32_MAX), POD_ERR_INVAL);
    assert_int_equal(store_poll_vote(txn, plain, 104, 0), POD_ERR_NOTFOUND);
    assert_int_equal(store_poll_vote(txn, 999, 104, 0), POD_ERR_NOTFOUND);
    assert_int_equal(store_poll_vote(txn, post, 0, 0), POD_ERR_INVAL);
    assert_int_equal(store_poll_vote(txn, 0, 104, 0), POD_ERR_INVAL);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_poll_get(txn, post, &got), POD_OK);
    assert_string_equal(got.question, "Tea or coffee?");
    assert_int_equal(got.answer_count, 3);
    assert_string_equal(got.answers[0], "tea");
    assert_string_equal(got.answers[1], "coffee");
    assert_string_equal(got.answers[2], "water");
    assert_string_equal(got.answers[3], "");
    assert_int_equal(store_poll_get(txn, plain, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_poll_get(txn, 0, &got), POD_ERR_INVAL);

    memset(counts, 0xff, sizeof(counts));
    assert_int_equal(store_poll_tally(txn, post, BOB, counts, &own), POD_OK);
    assert_int_equal(counts[0], 0);
    assert_int_equal(counts[1], 2);
    assert_int_equal(counts[2], 1);
    assert_int_equal(counts[3], 0);
    assert_int_equal(own, 1);
    assert_int_equal(store_poll_tally(txn, post, ALICE, counts, &own), POD_OK);
    assert_int_equal(own, 2);
    assert_int_equal(store_poll_tally(txn, post, 104, counts, &own), POD_OK);
    assert_int_equal(own, -1);
    assert_int_equal(store_poll_tally(txn, post, 0, counts, &own), POD_OK);
    assert_int_equal(own, -1);
    assert_int_equal(counts[1], 2);
    assert_int_equal(store_poll_tally(txn, plain, BOB, counts, &own), POD_ERR_NOTFOUND);
    assert_int_equal(store_poll_tally(txn, post, BOB, NULL, &own), POD_ERR_INVAL);
    assert_int_equal(store_poll_vote(txn, post, 104, 0), POD_ERR_INVAL); /* read-only */
    store_txn_abort(txn);
}

/* ------------------------------------------------------- participations */

struct person_list {
    size_t n;
    uint64_t id[8];
};

static int
person_collect(uint64_t person, void *ctx)
{
    struct person_list *l = ctx;

    assert_true(l->n < 8);
    l->id[l->n++] = person;
    return 0;
}

static void
test_participations(void **state)
{
    struct fixture *f = *state;
    struct person_list l;
    struct store_txn *txn;
    uint64_t post, other;

    txn = wtxn(f);
    post = add_post(txn, "guid-post", ALICE, 100);
    other = add_post(txn, "guid-other", ALICE, 101);
    assert_int_equal(store_participation_set(txn, CAROL, post, true), POD_OK);
    assert_int_equal(store_participation_set(txn, BOB, post, true), POD_OK);
    assert_int_equal(store_participation_set(txn, BOB, post, true), POD_OK); /* idempotent */
    assert_int_equal(store_participation_set(txn, BOB, other, true), POD_OK);
    assert_int_equal(store_participation_set(txn, BOB, 999, true), POD_ERR_NOTFOUND);
    assert_int_equal(store_participation_set(txn, 0, post, true), POD_ERR_INVAL);
    assert_int_equal(store_participation_set(txn, BOB, 0, true), POD_ERR_INVAL);
    commit(txn);

    txn = rtxn(f);
    assert_true(store_participation_get(txn, BOB, post));
    assert_true(store_participation_get(txn, CAROL, post));
    assert_false(store_participation_get(txn, ALICE, post));
    assert_false(store_participation_get(txn, CAROL, other));
    assert_false(store_participation_get(txn, 0, post));
    memset(&l, 0, sizeof(l));
    assert_int_equal(store_participants_each(txn, post, person_collect, &l), POD_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.id[0], BOB);
    assert_int_equal(l.id[1], CAROL);
    assert_int_equal(store_participants_each(txn, post, NULL, NULL), POD_ERR_INVAL);
    assert_int_equal(store_participation_set(txn, BOB, post, false), POD_ERR_INVAL);
    store_txn_abort(txn);

    txn = wtxn(f);
    assert_int_equal(store_participation_set(txn, BOB, post, false), POD_OK);
    assert_int_equal(store_participation_set(txn, BOB, post, false), POD_OK);
    assert_false(store_participation_get(txn, BOB, post));
    assert_true(store_participation_get(txn, BOB, other));
    memset(&l, 0, sizeof(l));
    assert_int_equal(store_participants_each(txn, post, person_collect, &l), POD_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.id[0], CAROL);
    commit(txn);
}

/* ------------------------------------------------ commented / liked */

static void
test_commented_liked_streams(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn;
    uint64_t p1, p2, p3, c1, c2, c3, l1, l2;
    struct page pg;

    txn = wtxn(f);
    p1 = add_post(txn, "guid-p1", ALICE, 10);
    p2 = add_post(txn, "guid-p2", ALICE, 20);
    p3 = add_post(txn, "guid-p3", ALICE, 30);
    c1 = add_comment(txn, "guid-c1", p1, BOB, 100);
    add_comment(txn, "guid-c2", p2, BOB, 200);
    commit(txn);

    txn = rtxn(f);
    pg = first(txn, S_COMMENTED, BOB, NULL);
    assert_ids(&pg, (uint64_t[]){p2, p1}, 2);
    assert_true(pg.times[0] == 200 && pg.times[1] == 100);
    pg = first(txn, S_COMMENTED, CAROL, NULL);
    assert_int_equal(pg.n, 0);
    store_txn_abort(txn);

    /* A second comment on p1 moves p1's one entry to its time. */
    txn = wtxn(f);
    c3 = add_comment(txn, "guid-c3", p1, BOB, 300);
    pg = first(txn, S_COMMENTED, BOB, NULL);
    assert_ids(&pg, (uint64_t[]){p1, p2}, 2);
    assert_true(pg.times[0] == 300);
    /* An older comment arriving late does not move it back. */
    c2 = add_comment(txn, "guid-c4", p1, BOB, 50);
    pg = first(txn, S_COMMENTED, BOB, NULL);
    assert_ids(&pg, (uint64_t[]){p1, p2}, 2);
    assert_true(pg.times[0] == 300);
    /* Deleting the newest falls back to the newest left (c1 at 100). */
    assert_int_equal(store_comment_delete(txn, c3), POD_OK);
    pg = first(txn, S_COMMENTED, BOB, NULL);
    assert_ids(&pg, (uint64_t[]){p2, p1}, 2);
    assert_true(pg.times[1] == 100);
    assert_int_equal(store_comment_delete(txn, c1), POD_OK);
    pg = first(txn, S_COMMENTED, BOB, NULL);
    assert_ids(&pg, (uint64_t[]){p2, p1}, 2);
    assert_true(pg.times[1] == 50);
    /* The last one on p1 takes the entry. */
    assert_int_equal(store_comment_delete(txn, c2), POD_OK);
    pg = first(txn, S_COMMENTED, BOB, NULL);
    assert_ids(&pg, (uint64_t[]){p2}, 1);
    /* Another person's comment does not count as Bob's. */
    add_comment(txn, "guid-c5", p3, CAROL, 400);
    pg = first(txn, S_COMMENTED, BOB, NULL);
    assert_ids(&pg, (uint64_t[]){p2}, 1);

    l1 = add_like(txn, "guid-l1", STORE_LIKE_POST, p3, BOB, 500);
    l2 = add_like(txn, "guid-l2", STORE_LIKE_POST, p1, BOB, 600);
    add_like(txn, "guid-l3", STORE_LIKE_POST, p2, CAROL, 700);
    pg = first(txn, S_LIKED, BOB, NULL);
    assert_ids(&pg, (uint64_t[]){p1, p3}, 2);
    assert_true(pg.times[0] == 600);
    pg = stream(txn, S_LIKED, BOB, NULL, 600, p1, 10);
    assert_ids(&pg, (uint64_t[]){p3}, 1);
    assert_int_equal(store_like_delete(txn, l2), POD_OK);
    pg = first(txn, S_LIKED, BOB, NULL);
    assert_ids(&pg, (uint64_t[]){p3}, 1);
    (void)l1;
    commit(txn);
}

/* --------------------------------------------------------------- photos */

static struct store_photo
mkphoto(const char *guid, uint64_t author)
{
    struct store_photo ph;

    memset(&ph, 0, sizeof(ph));
    snprintf(ph.guid, sizeof(ph.guid), "%s", guid);
    ph.author = author;
    ph.public = true;
    memset(ph.hash, 'a', 64);
    ph.width = 640;
    ph.height = 480;
    ph.created_at = 99;
    return ph;
}

static void
test_photos(void **state)
{
    struct fixture *f = *state;
    struct store_photo ph1 = mkphoto("guid-ph1", ALICE);
    struct store_photo ph2 = mkphoto("guid-ph2", ALICE);
    struct store_photo ph3 = mkphoto("guid-ph3", BOB);
    struct store_photo got;
    struct store_post p;
    struct store_post gp;
    struct store_txn *txn;
    uint64_t post;

    txn = wtxn(f);
    assert_int_equal(store_photo_add(txn, &ph1), POD_OK);
    assert_int_equal(store_photo_add(txn, &ph2), POD_OK);
    assert_int_equal(store_photo_add(txn, &ph3), POD_OK);
    assert_true(ph1.id && ph2.id && ph3.id && ph1.id != ph2.id);
    got = mkphoto("guid-ph1", ALICE);
    assert_int_equal(store_photo_add(txn, &got), POD_ERR_EXISTS);
    got = mkphoto("", ALICE);
    assert_int_equal(store_photo_add(txn, &got), POD_ERR_INVAL);
    got = mkphoto("guid-ph9", 0);
    assert_int_equal(store_photo_add(txn, &got), POD_ERR_INVAL);

    /* A post can only take its author's photos. */
    p = mkpost("guid-post", ALICE, 100, true, "pics");
    p.photo_count = 2;
    p.photos[0] = ph1.id;
    p.photos[1] = ph3.id;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_AUTH);
    p.photos[1] = ph1.id;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_INVAL);
    p.photos[1] = ph2.id;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    post = p.id;
    /* Linked photos are not pending any more. */
    p = mkpost("guid-post2", ALICE, 110, true, "again");
    p.photo_count = 1;
    p.photos[0] = ph1.id;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_ERR_EXISTS);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_photo_get(txn, ph1.id, &got), POD_OK);
    assert_int_equal(got.id, ph1.id);
    assert_string_equal(got.guid, "guid-ph1");
    assert_int_equal(got.author, ALICE);
    assert_int_equal(got.post, post);
    assert_true(got.public);
    assert_int_equal(strlen(got.hash), 64);
    assert_int_equal(got.width, 640);
    assert_int_equal(got.height, 480);
    assert_true(got.created_at == 99);
    assert_int_equal(store_photo_get_by_guid(txn, "guid-ph2", &got), POD_OK);
    assert_int_equal(got.id, ph2.id);
    assert_int_equal(got.post, post);
    assert_int_equal(store_photo_get_by_guid(txn, "guid-ph3", &got), POD_OK);
    assert_int_equal(got.post, 0);
    assert_int_equal(store_photo_get(txn, 999, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_photo_get_by_guid(txn, "nope", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_post_get(txn, post, &f->arena, &gp), POD_OK);
    assert_int_equal(gp.photo_count, 2);
    assert_int_equal(gp.photos[0], ph1.id);
    assert_int_equal(gp.photos[1], ph2.id);
    store_txn_abort(txn);

    txn = wtxn(f);
    /* Update: new size; GUID and author are fixed. */
    assert_int_equal(store_photo_get(txn, ph1.id, &got), POD_OK);
    got.width = 1024;
    assert_int_equal(store_photo_update(txn, &got), POD_OK);
    got.author = BOB;
    assert_int_equal(store_photo_update(txn, &got), POD_ERR_INVAL);
    got.author = ALICE;
    snprintf(got.guid, sizeof(got.guid), "guid-other");
    assert_int_equal(store_photo_update(txn, &got), POD_ERR_INVAL);
    got.id = 999;
    snprintf(got.guid, sizeof(got.guid), "guid-ph1");
    assert_int_equal(store_photo_update(txn, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_photo_get(txn, ph1.id, &got), POD_OK);
    assert_int_equal(got.width, 1024);
    /* Unlinking by update takes it out of the post's list. */
    got.post = 0;
    assert_int_equal(store_photo_update(txn, &got), POD_OK);
    assert_int_equal(store_post_get(txn, post, &f->arena, &gp), POD_OK);
    assert_int_equal(gp.photo_count, 1);
    assert_int_equal(gp.photos[0], ph2.id);
    /* Bob's photo cannot go onto Alice's post. */
    assert_int_equal(store_photo_get(txn, ph3.id, &got), POD_OK);
    got.post = post;
    assert_int_equal(store_photo_update(txn, &got), POD_ERR_AUTH);
    /* Deleting a photo takes it out of its post. */
    assert_int_equal(store_photo_delete(txn, ph2.id), POD_OK);
    assert_int_equal(store_photo_delete(txn, ph2.id), POD_ERR_NOTFOUND);
    assert_int_equal(store_photo_get_by_guid(txn, "guid-ph2", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_post_get(txn, post, &f->arena, &gp), POD_OK);
    assert_int_equal(gp.photo_count, 0);
    /* A photo added for an existing post is linked both ways. */
    got = mkphoto("guid-ph4", ALICE);
    got.post = post;
    assert_int_equal(store_photo_add(txn, &got), POD_OK);
    assert_int_equal(store_post_get(txn, post, &f->arena, &gp), POD_OK);
    assert_int_equal(gp.photo_count, 1);
    assert_int_equal(gp.photos[0], got.id);
    /* Deleting the post unlinks it; the photo stays. */
    assert_int_equal(store_post_delete(txn, post), POD_OK);
    assert_int_equal(store_photo_get_by_guid(txn, "guid-ph4", &got), POD_OK);
    assert_int_equal(got.post, 0);
    commit(txn);
}

/* ----------------------------------------------------- delete cascade */

static void
test_delete_cascade(void **state)
{
    struct fixture *f = *state;
    uint32_t counts[STORE_POLL_MAX_ANSWERS];
    const char *tags[] = {"cat", "dog"};
    uint64_t recipients[] = {BOB, CAROL};
    struct store_photo ph = mkphoto("guid-ph", ALICE);
    struct store_comment gc;
    struct store_poll poll;
    struct store_like gl;
    struct store_post p;
    struct store_post gp;
    struct comment_list cl;
    struct person_list pl;
    struct like_list ll;
    struct store_txn *txn;
    uint64_t post, keep, c1, c2, l1, l2;
    struct page pg;
    int32_t own;

    memset(&poll, 0, sizeof(poll));
    snprintf(poll.question, sizeof(poll.question), "?");
    snprintf(poll.answers[0], sizeof(poll.answers[0]), "yes");
    snprintf(poll.answers[1], sizeof(poll.answers[1]), "no");
    poll.answer_count = 2;

    txn = wtxn(f);
    keep = add_post(txn, "guid-keep", ALICE, 50);
    assert_int_equal(store_photo_add(txn, &ph), POD_OK);
    p = mkpost("guid-doomed", ALICE, 100, false, "limited #cat #dog");
    p.photo_count = 1;
    p.photos[0] = ph.id;
    assert_int_equal(store_post_add(txn, &p, recipients, 2, tags, 2, &poll), POD_OK);
    post = p.id;
    c1 = add_comment(txn, "guid-c1", post, BOB, 200);
    c2 = add_comment(txn, "guid-c2", post, CAROL, 210);
    add_comment(txn, "guid-ck", keep, BOB, 220);
    l1 = add_like(txn, "guid-l1", STORE_LIKE_POST, post, CAROL, 300);
    l2 = add_like(txn, "guid-l2", STORE_LIKE_COMMENT, c1, CAROL, 310);
    add_like(txn, "guid-lk", STORE_LIKE_POST, keep, CAROL, 320);
    assert_int_equal(store_poll_vote(txn, post, BOB, 0), POD_OK);
    assert_int_equal(store_participation_set(txn, BOB, post, true), POD_OK);
    assert_int_equal(store_participation_set(txn, BOB, keep, true), POD_OK);
    commit(txn);

    txn = wtxn(f);
    assert_int_equal(store_post_delete(txn, post), POD_OK);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_post_get(txn, post, &f->arena, &gp), POD_ERR_NOTFOUND);
    assert_int_equal(store_post_get_by_guid(txn, "guid-doomed", &f->arena, &gp), POD_ERR_NOTFOUND);
    /* Gone from every stream; the other post is untouched. */
    pg = first(txn, S_AUTHOR, ALICE, NULL);
    assert_ids(&pg, (uint64_t[]){keep}, 1);
    pg = first(txn, S_INBOX, ALICE, NULL);
    assert_ids(&pg, (uint64_t[]){keep}, 1);
    pg = first(txn, S_INBOX, BOB, NULL);
    assert_int_equal(pg.n, 0);
    pg = first(txn, S_INBOX, CAROL, NULL);
    assert_int_equal(pg.n, 0);
    pg = first(txn, S_TAG, 0, "cat");
    assert_int_equal(pg.n, 0);
    pg = first(txn, S_TAG, 0, "dog");
    assert_int_equal(pg.n, 0);
    pg = first(txn, S_PUBLIC, 0, NULL);
    assert_ids(&pg, (uint64_t[]){keep}, 1);
    pg = first(txn, S_COMMENTED, BOB, NULL);
    assert_ids(&pg, (uint64_t[]){keep}, 1);
    pg = first(txn, S_COMMENTED, CAROL, NULL);
    assert_int_equal(pg.n, 0);
    pg = first(txn, S_LIKED, CAROL, NULL);
    assert_ids(&pg, (uint64_t[]){keep}, 1);
    assert_false(store_post_is_shared_with(txn, post, BOB));
    assert_false(store_post_is_shared_with(txn, post, CAROL));
    /* Comments and likes, on the post and on its comments. */
    assert_int_equal(store_comment_get(txn, c1, &f->arena, &gc), POD_ERR_NOTFOUND);
    assert_int_equal(store_comment_get(txn, c2, &f->arena, &gc), POD_ERR_NOTFOUND);
    assert_int_equal(store_comment_get_by_guid(txn, "guid-c1", &f->arena, &gc), POD_ERR_NOTFOUND);
    memset(&cl, 0, sizeof(cl));
    assert_int_equal(store_comments_each(txn, post, &f->arena, comment_collect, &cl), POD_OK);
    assert_int_equal(cl.n, 0);
    assert_int_equal(store_like_get(txn, l1, &gl), POD_ERR_NOTFOUND);
    assert_int_equal(store_like_get(txn, l2, &gl), POD_ERR_NOTFOUND);
    assert_int_equal(store_like_get_by_guid(txn, "guid-l1", &gl), POD_ERR_NOTFOUND);
    assert_int_equal(store_like_find(txn, STORE_LIKE_POST, post, CAROL, &gl), POD_ERR_NOTFOUND);
    memset(&ll, 0, sizeof(ll));
    assert_int_equal(store_likes_each(txn, STORE_LIKE_POST, post, like_collect, &ll), POD_OK);
    assert_int_equal(ll.n, 0);
    /* Poll and votes, participations. */
    assert_int_equal(store_poll_get(txn, post, &poll), POD_ERR_NOTFOUND);
    assert_int_equal(store_poll_tally(txn, post, BOB, counts, &own), POD_ERR_NOTFOUND);
    assert_false(store_participation_get(txn, BOB, post));
    assert_true(store_participation_get(txn, BOB, keep));
    memset(&pl, 0, sizeof(pl));
    assert_int_equal(store_participants_each(txn, post, person_collect, &pl), POD_OK);
    assert_int_equal(pl.n, 0);
    /* The photo is pending again. */
    assert_int_equal(store_photo_get(txn, ph.id, &ph), POD_OK);
    assert_int_equal(ph.post, 0);
    /* The kept post's counters did not move. */
    assert_int_equal(post_counts(f, txn, keep, NULL, NULL), 1);
    store_txn_abort(txn);

    txn = wtxn(f);
    assert_int_equal(store_post_delete(txn, post), POD_ERR_NOTFOUND);
    assert_int_equal(store_post_delete(txn, 0), POD_ERR_INVAL);
    /* The GUID is free again. */
    p = mkpost("guid-doomed", ALICE, 100, true, "again");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    assert_true(p.id != post);
    commit(txn);
}

/* -------------------------------------------------- follower fan-out */

static uint64_t
add_person(struct store_txn *txn, const char *guid, const char *did, const char *username)
{
    struct store_person p;

    memset(&p, 0, sizeof(p));
    snprintf(p.guid, sizeof(p.guid), "%s", guid);
    snprintf(p.diaspora_id, sizeof(p.diaspora_id), "%s", did);
    snprintf(p.username, sizeof(p.username), "%s", username);
    assert_int_equal(store_person_add(txn, &p), POD_OK);
    return p.id;
}

/* owner's contact with person: follows = person is in one of owner's
 * aspects (sharing); otherwise only person shares with owner. */
static void
set_contact(struct store_txn *txn, uint64_t owner, uint64_t person, bool follows)
{
    struct store_contact c;

    memset(&c, 0, sizeof(c));
    c.owner = owner;
    c.person = person;
    c.sharing = follows;
    c.receiving = !follows;
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
}

static void
test_fanout(void **state)
{
    struct fixture *f = *state;
    uint64_t recipients[1];
    struct store_post p;
    struct store_txn *txn;
    uint64_t author, reader, other, pub, lim;
    struct page pg;

    txn = wtxn(f);
    author = add_person(txn, "guid-person-author", "author@remote.example", "");
    reader = add_person(txn, "guid-person-reader", "reader@pod.example", "reader");
    other = add_person(txn, "guid-person-other", "other@pod.example", "other");
    set_contact(txn, reader, author, true); /* reader has author in an aspect */
    set_contact(txn, other, author, false); /* author only shares with other */
    p = mkpost("guid-fan-pub", author, 100, true, "hello followers");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    pub = p.id;
    recipients[0] = other;
    p = mkpost("guid-fan-lim", author, 200, false, "only for other");
    assert_int_equal(store_post_add(txn, &p, recipients, 1, NULL, 0, NULL), POD_OK);
    lim = p.id;
    commit(txn);

    txn = rtxn(f);
    pg = first(txn, S_INBOX, reader, NULL);
    assert_ids(&pg, (uint64_t[]){pub}, 1);
    pg = first(txn, S_INBOX, other, NULL);
    assert_ids(&pg, (uint64_t[]){lim}, 1);
    pg = first(txn, S_INBOX, author, NULL);
    assert_ids(&pg, (uint64_t[]){lim, pub}, 2);
    store_txn_abort(txn);

    /* The reader stops following; deleting still cleans their inbox. */
    txn = wtxn(f);
    set_contact(txn, reader, author, false);
    assert_int_equal(store_post_delete(txn, pub), POD_OK);
    pg = first(txn, S_INBOX, reader, NULL);
    assert_int_equal(pg.n, 0);
    pg = first(txn, S_INBOX, author, NULL);
    assert_ids(&pg, (uint64_t[]){lim}, 1);
    /* A public post after unfollowing does not reach the reader. */
    p = mkpost("guid-fan-pub2", author, 300, true, "again");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    pg = first(txn, S_INBOX, reader, NULL);
    assert_int_equal(pg.n, 0);
    commit(txn);
}

/* ---------------------------------------------------- record codecs */

/* Encodes a post record by hand: fields as given. */
static size_t
raw_post(uint8_t *buf, size_t cap, bool guid, uint64_t type, uint64_t root, const void *tags,
         size_t tags_len)
{
    struct store_rec_writer w;
    size_t len;

    store_rec_writer_init(&w, buf, cap);
    if (guid)
        store_rec_put_str(&w, STORE_POST_GUID, "guid-raw", 9);
    store_rec_put_uvarint(&w, STORE_POST_AUTHOR, ALICE);
    store_rec_put_uvarint(&w, STORE_POST_TYPE, type);
    if (root)
        store_rec_put_uvarint(&w, STORE_POST_ROOT, root);
    if (tags)
        store_rec_put_bytes(&w, STORE_POST_TAGS, tags, tags_len);
    assert_int_equal(store_rec_writer_finish(&w, &len), POD_OK);
    return len;
}

static void
test_post_record_corrupt(void **state)
{
    struct store_post p = mkpost("guid-rec", ALICE, 5, true, "text");
    struct store_post_view v;
    struct store_rec_writer w;
    struct store_post out;
    uint8_t buf[512];
    uint8_t tl[] = {3, 'c', 'a', 't', 0};
    const char *tag;
    size_t tag_len;
    size_t off = 0;
    size_t len;

    (void)state;
    store_rec_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(store_post_encode(&w, &p, tl, 4), POD_OK);
    assert_int_equal(store_rec_writer_finish(&w, &len), POD_OK);
    assert_int_equal(store_post_decode(buf, len, &out, &v), POD_OK);
    assert_string_equal(out.guid, "guid-rec");
    assert_int_equal(v.text_len, 4);
    assert_memory_equal(v.text, "text", 4);
    assert_int_equal(v.tags_len, 4);
    assert_true(store_post_tags_next(v.tags, v.tags_len, &off, &tag, &tag_len));
    assert_int_equal(tag_len, 3);
    assert_memory_equal(tag, "cat", 3);
    assert_false(store_post_tags_next(v.tags, v.tags_len, &off, &tag, &tag_len));
    /* A cut inside the last field never decodes. */
    assert_int_not_equal(store_post_decode(buf, len - 1, &out, &v), POD_OK);
    /* A malformed tag list (length past the end) is refused both ways. */
    tl[0] = 9;
    store_rec_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(store_post_encode(&w, &p, tl, 4), POD_ERR_INVAL);
    len = raw_post(buf, sizeof(buf), true, STORE_POST_STATUS, 0, tl, 4);
    assert_int_equal(store_post_decode(buf, len, &out, &v), POD_ERR_CORRUPT);
    assert_string_equal(out.guid, "");
    tl[0] = 0; /* an empty name */
    len = raw_post(buf, sizeof(buf), true, STORE_POST_STATUS, 0, tl, 1);
    assert_int_equal(store_post_decode(buf, len, &out, &v), POD_ERR_CORRUPT);
    /* Required fields and their rules. */
    len = raw_post(buf, sizeof(buf), true, STORE_POST_STATUS, 0, NULL, 0);
    assert_int_equal(store_post_decode(buf, len, &out, &v), POD_OK);
    assert_string_equal(v.text, "");
    len = raw_post(buf, sizeof(buf), false, STORE_POST_STATUS, 0, NULL, 0);
    assert_int_equal(store_post_decode(buf, len, &out, &v), POD_ERR_CORRUPT);
    len = raw_post(buf, sizeof(buf), true, 3, 0, NULL, 0);
    assert_int_equal(store_post_decode(buf, len, &out, &v), POD_ERR_CORRUPT);
    len = raw_post(buf, sizeof(buf), true, STORE_POST_RESHARE, 0, NULL, 0);
    assert_int_equal(store_post_decode(buf, len, &out, &v), POD_ERR_CORRUPT);
    len = raw_post(buf, sizeof(buf), true, STORE_POST_STATUS, 7, NULL, 0);
    assert_int_equal(store_post_decode(buf, len, &out, &v), POD_ERR_CORRUPT);
    len = raw_post(buf, sizeof(buf), true, STORE_POST_RESHARE, 7, NULL, 0);
    assert_int_equal(store_post_decode(buf, len, &out, &v), POD_OK);
    assert_int_equal(out.root, 7);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_post_add_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_text_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_add_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_public_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_negative_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_author_tag_inbox, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reshares, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_likes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_participations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commented_liked_streams, setup, teardown),
        cmocka_unit_test_setup_teardown(test_photos, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_cascade, setup, teardown),
        cmocka_unit_test(test_post_record_corrupt),
        cmocka_unit_test_setup_teardown(test_fanout, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
