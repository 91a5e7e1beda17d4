/*
 * test_notifications.c - app/store/notifications.c (adding and gathering,
 * the actor cap, newest-first paging, unread counts, marking read) and
 * app/social/notify.c through the actions that call it. Every test runs in
 * its own directory under /tmp, removed afterwards.
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
#include "crypto/crypto.h"
#include "social/actions.h"
#include "store/contacts.h"
#include "store/notifications.h"
#include "store/people.h"
#include "store/posts.h"
#include "store/store.h"

#define ALICE 11
#define BOB   12
#define CAROL 13
#define DAVE  14

struct seen {
    uint64_t ids[32];
    struct store_notification n[32];
    size_t count;
};

static int
collect(const struct store_notification *n, void *ctx)
{
    struct seen *s = ctx;

    s->n[s->count] = *n;
    s->ids[s->count++] = n->id;
    return 0;
}

static void
counts(struct fixture *f, uint64_t who, uint32_t *total, uint32_t *by_type)
{
    struct store_txn *txn = rtxn(f);

    assert_int_equal(store_notifications_unread(txn, who, total, by_type), POD_OK);
    store_txn_abort(txn);
}

static void
test_add_and_gather(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_notification n;
    uint64_t id1, id2, id3;
    uint32_t total, by_type[STORE_NOTIF_TYPE_END];

    assert_int_equal(
        store_notification_add(txn, ALICE, STORE_NOTIF_COMMENT_ON_POST, 7, BOB, 100, &id1), POD_OK);
    /* The same unread (recipient, type, target) gathers actors, newest first. */
    assert_int_equal(
        store_notification_add(txn, ALICE, STORE_NOTIF_COMMENT_ON_POST, 7, CAROL, 101, &id2),
        POD_OK);
    assert_int_equal(id1, id2);
    assert_int_equal(
        store_notification_add(txn, ALICE, STORE_NOTIF_COMMENT_ON_POST, 7, BOB, 102, &id2), POD_OK);
    assert_int_equal(id1, id2);
    /* Another type or target is another notification. */
    assert_int_equal(store_notification_add(txn, ALICE, STORE_NOTIF_LIKED, 7, BOB, 103, &id3),
                     POD_OK);
    assert_true(id3 != id1);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_notification_get(txn, id1, &n), POD_OK);
    assert_int_equal(n.recipient, ALICE);
    assert_int_equal(n.type, STORE_NOTIF_COMMENT_ON_POST);
    assert_int_equal(n.target, 7);
    assert_int_equal(n.actor_count, 2);
    assert_int_equal(n.actors[0], BOB);
    assert_int_equal(n.actors[1], CAROL);
    assert_true(n.unread);
    assert_int_equal(n.created_at, 100);
    assert_int_equal(n.updated_at, 102);
    assert_int_equal(store_notification_get(txn, 999, &n), POD_ERR_NOTFOUND);
    store_txn_abort(txn);

    counts(f, ALICE, &total, by_type);
    assert_int_equal(total, 2);
    assert_int_equal(by_type[STORE_NOTIF_COMMENT_ON_POST], 1);
    assert_int_equal(by_type[STORE_NOTIF_LIKED], 1);
    assert_int_equal(by_type[STORE_NOTIF_RESHARED], 0);
    counts(f, BOB, &total, NULL);
    assert_int_equal(total, 0);
}

static void
test_actor_cap(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_notification n;
    uint64_t id;

    for (uint64_t a = 1; a <= 8; a++)
        assert_int_equal(
            store_notification_add(txn, ALICE, STORE_NOTIF_LIKED, 5, 100 + a, (int64_t)a, &id),
            POD_OK);
    assert_int_equal(store_notification_get(txn, id, &n), POD_OK);
    assert_int_equal(n.actor_count, STORE_NOTIF_ACTORS_MAX);
    for (uint32_t i = 0; i < STORE_NOTIF_ACTORS_MAX; i++)
        assert_int_equal(n.actors[i], 108 - i);
    commit(txn);
}

static void
test_list_paging(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct seen s = {0};
    uint64_t ids[7];

    for (int i = 0; i < 7; i++)
        assert_int_equal(store_notification_add(txn, ALICE, STORE_NOTIF_LIKED, (uint64_t)i + 1, BOB,
                                                1000 + i, &ids[i]),
                         POD_OK);
    /* Someone else's never show. */
    assert_int_equal(store_notification_add(txn, BOB, STORE_NOTIF_LIKED, 1, ALICE, 5000, NULL),
                     POD_OK);
    /* A new actor on the oldest moves it to the top. */
    assert_int_equal(store_notification_add(txn, ALICE, STORE_NOTIF_LIKED, 1, CAROL, 2000, NULL),
                     POD_OK);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_notifications_list(txn, ALICE, 1, 3, collect, &s), POD_OK);
    assert_int_equal(s.count, 3);
    assert_int_equal(s.ids[0], ids[0]);
    assert_int_equal(s.ids[1], ids[6]);
    assert_int_equal(s.ids[2], ids[5]);
    s.count = 0;
    assert_int_equal(store_notifications_list(txn, ALICE, 3, 3, collect, &s), POD_OK);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.ids[0], ids[1]);
    s.count = 0;
    assert_int_equal(store_notifications_list(txn, ALICE, 4, 3, collect, &s), POD_OK);
    assert_int_equal(s.count, 0);
    assert_int_equal(store_notifications_list(txn, ALICE, 0, 3, collect, &s), POD_ERR_INVAL);
    assert_int_equal(store_notifications_list(txn, ALICE, 1, 0, collect, &s), POD_ERR_INVAL);
    assert_int_equal(
        store_notifications_list(txn, ALICE, 1, STORE_NOTIF_PER_PAGE_MAX + 1, collect, &s),
        POD_ERR_INVAL);
    s.count = 0;
    assert_int_equal(store_notifications_list(txn, DAVE, 1, 10, collect, &s), POD_OK);
    assert_int_equal(s.count, 0);
    store_txn_abort(txn);
}

static void
test_mark_read(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_notification n;
    uint64_t id, id2, other;
    uint32_t total;

    assert_int_equal(store_notification_add(txn, ALICE, STORE_NOTIF_RESHARED, 3, BOB, 10, &id),
                     POD_OK);
    assert_int_equal(
        store_notification_add(txn, ALICE, STORE_NOTIF_STARTED_SHARING, 0, CAROL, 11, &other),
        POD_OK);
    /* Only the owner may change it. */
    assert_int_equal(store_notification_set_unread(txn, id, BOB, false), POD_ERR_AUTH);
    assert_int_equal(store_notification_set_unread(txn, 12345, ALICE, false), POD_ERR_NOTFOUND);
    assert_int_equal(store_notification_set_unread(txn, id, ALICE, false), POD_OK);
    assert_int_equal(store_notification_set_unread(txn, id, ALICE, false), POD_OK);
    commit(txn);
    counts(f, ALICE, &total, NULL);
    assert_int_equal(total, 1);

    /* Once read, the next event starts a new notification. */
    txn = wtxn(f);
    assert_int_equal(store_notification_add(txn, ALICE, STORE_NOTIF_RESHARED, 3, CAROL, 20, &id2),
                     POD_OK);
    assert_true(id2 != id);
    assert_int_equal(store_notification_get(txn, id, &n), POD_OK);
    assert_false(n.unread);
    assert_int_equal(n.actor_count, 1);
    /* Back to unread, then all read. */
    assert_int_equal(store_notification_set_unread(txn, id, ALICE, true), POD_OK);
    commit(txn);
    counts(f, ALICE, &total, NULL);
    assert_int_equal(total, 3);

    txn = wtxn(f);
    assert_int_equal(store_notifications_read_all(txn, ALICE), POD_OK);
    commit(txn);
    counts(f, ALICE, &total, NULL);
    assert_int_equal(total, 0);
    txn = rtxn(f);
    assert_int_equal(store_notification_get(txn, other, &n), POD_OK);
    assert_false(n.unread);
    store_txn_abort(txn);
}

static void
test_bad_input(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);

    assert_int_equal(store_notification_add(txn, 0, STORE_NOTIF_LIKED, 1, BOB, 1, NULL),
                     POD_ERR_INVAL);
    assert_int_equal(store_notification_add(txn, ALICE, STORE_NOTIF_LIKED, 1, 0, 1, NULL),
                     POD_ERR_INVAL);
    assert_int_equal(store_notification_add(txn, ALICE, (enum store_notif_type)0, 1, BOB, 1, NULL),
                     POD_ERR_INVAL);
    assert_int_equal(store_notification_add(txn, ALICE, STORE_NOTIF_TYPE_END, 1, BOB, 1, NULL),
                     POD_ERR_INVAL);
    store_txn_abort(txn);
    /* Writes need a write transaction. */
    txn = rtxn(f);
    assert_int_equal(store_notification_add(txn, ALICE, STORE_NOTIF_LIKED, 1, BOB, 1, NULL),
                     POD_ERR_INVAL);
    store_txn_abort(txn);
    assert_string_equal(store_notif_type_name(STORE_NOTIF_MENTIONED), "mentioned");
    assert_null(store_notif_type_name(STORE_NOTIF_TYPE_END));
}

/* ---- social/notify.c through the actions ---- */

static uint64_t
local_person(struct store_txn *txn, const char *name)
{
    struct store_person p = {0};

    snprintf(p.guid, sizeof p.guid, "%s0000000000000000000000000000", name);
    snprintf(p.diaspora_id, sizeof p.diaspora_id, "%s@localhost", name);
    snprintf(p.username, sizeof p.username, "%s", name);
    assert_int_equal(store_person_add(txn, &p), POD_OK);
    return p.id;
}

static void
test_actions_notify(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct social_new_post np = {.text = "hi @{carol; carol@localhost}", .public = true};
    struct store_post post, mine;
    struct store_comment c;
    struct store_like l;
    uint64_t alice, bob, carol, dave, blocked;
    uint32_t total, by_type[STORE_NOTIF_TYPE_END];
    char why[128];

    alice = local_person(txn, "alice");
    bob = local_person(txn, "bob");
    carol = local_person(txn, "carol");
    dave = local_person(txn, "dave");
    assert_int_equal(store_block_add(txn, dave, bob, &blocked), POD_OK);
    assert_int_equal(social_post_create(txn, alice, &np, &f->arena, &post, why, sizeof why),
                     POD_OK);
    /* dave comments first; then bob comments and likes. */
    assert_int_equal(
        social_comment_create(txn, dave, post.id, "me too", &f->arena, &c, why, sizeof why),
        POD_OK);
    assert_int_equal(social_comment_create(txn, bob, post.id, "nice @{dave; dave@localhost}",
                                           &f->arena, &c, why, sizeof why),
                     POD_OK);
    assert_int_equal(social_like(txn, bob, STORE_LIKE_POST, post.id, &l), POD_OK);
    assert_int_equal(social_reshare(txn, bob, post.id, &f->arena, &mine), POD_OK);
    /* alice comments on her own post: nobody tells her about it. */
    assert_int_equal(
        social_comment_create(txn, alice, post.id, "thanks", &f->arena, &c, why, sizeof why),
        POD_OK);
    commit(txn);

    counts(f, alice, &total, by_type);
    assert_int_equal(by_type[STORE_NOTIF_COMMENT_ON_POST], 1);
    assert_int_equal(by_type[STORE_NOTIF_LIKED], 1);
    assert_int_equal(by_type[STORE_NOTIF_RESHARED], 1);
    assert_int_equal(total, 3);
    counts(f, carol, &total, by_type);
    assert_int_equal(by_type[STORE_NOTIF_MENTIONED], 1);
    assert_int_equal(total, 1);
    /* dave blocks bob: nothing of bob's reaches him, but alice's comment does. */
    counts(f, dave, &total, by_type);
    assert_int_equal(by_type[STORE_NOTIF_MENTIONED_IN_COMMENT], 0);
    assert_int_equal(by_type[STORE_NOTIF_ALSO_COMMENTED], 1);
    assert_int_equal(total, 1);
    counts(f, bob, &total, by_type);
    assert_int_equal(by_type[STORE_NOTIF_ALSO_COMMENTED], 1);
    assert_int_equal(total, 1);
}

static void
test_limited_mention_and_sharing(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_aspect asp = {0};
    struct store_membership m;
    struct store_post post;
    uint64_t alice, bob, carol, aspect_id;
    struct social_new_post np = {.text = "@{bob; bob@localhost} @{carol; carol@localhost}"};
    uint32_t total, by_type[STORE_NOTIF_TYPE_END];
    char why[128];

    alice = local_person(txn, "alice");
    bob = local_person(txn, "bob");
    carol = local_person(txn, "carol");
    asp.owner = alice;
    snprintf(asp.name, sizeof asp.name, "Friends");
    assert_int_equal(store_aspect_add(txn, &asp), POD_OK);
    aspect_id = asp.id;
    assert_int_equal(social_aspect_add_person(txn, alice, aspect_id, bob, &m), POD_OK);
    np.aspect_ids = &aspect_id;
    np.aspect_count = 1;
    assert_int_equal(social_post_create(txn, alice, &np, &f->arena, &post, why, sizeof why),
                     POD_OK);
    commit(txn);
    counts(f, bob, &total, by_type);
    assert_int_equal(by_type[STORE_NOTIF_STARTED_SHARING], 1);
    assert_int_equal(by_type[STORE_NOTIF_MENTIONED], 1);
    assert_int_equal(total, 2);
    /* carol may not see the limited post: no mention for her. */
    counts(f, carol, &total, NULL);
    assert_int_equal(total, 0);
}

/* GUIDs of the actions come from the RNG. */
static int
group_setup(void **state)
{
    (void)state;
    return crypto_rng_init() == POD_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    crypto_rng_free();
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_and_gather, setup, teardown),
        cmocka_unit_test_setup_teardown(test_actor_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mark_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_actions_notify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limited_mention_and_sharing, setup, teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
