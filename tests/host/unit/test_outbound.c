/*
 * test_outbound.c - app/federation/outbound.c (entity XML of local objects,
 * who gets a job) through the actions that call it, and the body building
 * and backoff of app/task/fed_outbox_task.c, on a real store. Every test
 * runs in its own directory under /tmp, removed afterwards.
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

#include "core/arena.h"
#include "core/error.h"
#include "crypto/crypto.h"
#include "crypto/rsa.h"
#include "federation/entity.h"
#include "federation/envelope.h"
#include "federation/private_envelope.h"
#include "federation/relayable.h"
#include "social/actions.h"
#include "store/accounts.h"
#include "store/contacts.h"
#include "store/fed_outbox.h"
#include "store/people.h"
#include "store/posts.h"
#include "task/fed_outbox_task.h"

#define LOCAL_HOST "a.example"

/* Keys made once for the whole run (generation is slow). */
static char alice_priv[STORE_PEM_MAX], alice_pub[STORE_PEM_MAX];
static char carol_priv[STORE_PEM_MAX], carol_pub[STORE_PEM_MAX];

#define MAX_JOBS 8

struct jobs {
    struct store_outbox_job j[MAX_JOBS];
    size_t count;
};

static int
group_setup(void **state)
{
    (void)state;
    if (crypto_rng_init() != POD_OK)
        return -1;
    if (crypto_rsa_generate(1024, alice_priv, sizeof alice_priv, alice_pub, sizeof alice_pub) !=
        POD_OK)
        return -1;
    return crypto_rsa_generate(1024, carol_priv, sizeof carol_priv, carol_pub, sizeof carol_pub) ==
                   POD_OK
               ? 0
               : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    crypto_rng_free();
    return 0;
}

static uint64_t
local_user(struct store_txn *txn, const char *name, const char *guid, bool key)
{
    return storetest_local_user(txn, name, LOCAL_HOST, guid, key ? alice_priv : NULL,
                                key ? alice_pub : NULL, 1700000000);
}

static uint64_t
remote_person(struct store_txn *txn, const char *did, const char *guid, const char *pod)
{
    struct store_person p;

    memset(&p, 0, sizeof p);
    snprintf(p.diaspora_id, sizeof p.diaspora_id, "%s", did);
    snprintf(p.guid, sizeof p.guid, "%s", guid);
    snprintf(p.pod_url, sizeof p.pod_url, "%s", pod);
    assert_true(strlen(carol_pub) < sizeof p.public_key);
    memcpy(p.public_key, carol_pub, strlen(carol_pub) + 1);
    p.created_at = 1700000000;
    assert_int_equal(store_person_add(txn, &p), POD_OK);
    return p.id;
}

static void
contact(struct store_txn *txn, uint64_t owner, uint64_t person, bool sharing, bool receiving)
{
    struct store_contact c;

    memset(&c, 0, sizeof c);
    c.owner = owner;
    c.person = person;
    c.sharing = sharing;
    c.receiving = receiving;
    c.created_at = 1700000000;
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
}

/* Takes every job out of the outbox (payloads into f's arena). */
static void
drain(struct fixture *f, struct jobs *out)
{
    struct store_txn *txn = wtxn(f);
    struct store_outbox_job j;

    out->count = 0;
    while (store_outbox_next_due(txn, INT64_MAX, &f->arena, &j) == POD_OK) {
        assert_true(out->count < MAX_JOBS);
        out->j[out->count++] = j;
        assert_int_equal(store_outbox_delete(txn, j.id), POD_OK);
    }
    commit(txn);
}

/* The body of job as the task would send it, opened again: the entity
 * inside, after checking the envelope signature with alice's key. */
static struct fed_entity *
open_job(struct fixture *f, const struct store_outbox_job *job)
{
    struct store_txn *txn = rtxn(f);
    struct fed_envelope env;
    struct fed_entity *e;
    const char *ctype = NULL;
    char why[256] = "", *body = NULL, *xml;
    size_t len = 0, xml_len;

    assert_int_equal(
        task_fed_outbox_prepare(txn, job, &f->arena, &body, &len, &ctype, why, sizeof why), POD_OK);
    store_txn_abort(txn);
    if (job->kind == STORE_OUTBOX_PRIVATE) {
        assert_string_equal(ctype, FED_PRIVATE_CONTENT_TYPE);
        assert_int_equal(fed_private_envelope_decrypt(body, len, carol_priv, &f->arena, &xml,
                                                      &xml_len, why, sizeof why),
                         POD_OK);
    } else {
        assert_string_equal(ctype, FED_ENVELOPE_CONTENT_TYPE);
        xml = body;
        xml_len = len;
    }
    assert_int_equal(fed_envelope_parse(xml, xml_len, &f->arena, &env, why, sizeof why), POD_OK);
    assert_int_equal(fed_envelope_verify(&env, alice_pub, why, sizeof why), POD_OK);
    assert_string_equal(env.sender, "alice@" LOCAL_HOST);
    assert_int_equal(fed_entity_parse(env.payload, env.payload_len, &f->arena, &e, why, sizeof why),
                     POD_OK);
    if (fed_entity_validate(e, why, sizeof why) != POD_OK)
        fail_msg("invalid entity: %s\n%s", why, env.payload);
    return e;
}

static void
test_public_post_one_job_per_pod(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct social_new_post np = {.text = "Hello #fediverse", .public = true};
    struct store_post post;
    struct jobs js;
    struct fed_entity *e;
    char why[128];
    uint64_t alice, bob, dan, carol, eve;

    alice = local_user(txn, "alice", "1111111111111111aaaa", true);
    eve = local_user(txn, "eve", "5555555555555555eeee", false);
    bob = remote_person(txn, "bob@b.example", "2222222222222222bbbb", "https://b.example/");
    dan = remote_person(txn, "dan@b.example", "4444444444444444dddd", "https://b.example/");
    carol = remote_person(txn, "carol@c.example:8443", "3333333333333333cccc",
                          "https://c.example:8443/");
    contact(txn, alice, bob, false, true);
    contact(txn, alice, dan, true, true);
    contact(txn, alice, carol, true, false);
    contact(txn, alice, eve, true, true); /* local: no job */
    assert_int_equal(social_post_create(txn, alice, &np, &f->arena, &post, why, sizeof why),
                     POD_OK);
    commit(txn);

    drain(f, &js);
    assert_int_equal(js.count, 2);
    for (size_t i = 0; i < js.count; i++) {
        assert_int_equal(js.j[i].kind, STORE_OUTBOX_PUBLIC);
        assert_int_equal(js.j[i].author, alice);
        assert_int_equal(js.j[i].recipient, 0);
        e = open_job(f, &js.j[i]);
        assert_string_equal(e->type, "status_message");
        assert_string_equal(fed_entity_get(e, "author"), "alice@" LOCAL_HOST);
        assert_string_equal(fed_entity_get(e, "guid"), post.guid);
        assert_string_equal(fed_entity_get(e, "public"), "true");
        assert_string_equal(fed_entity_get(e, "text"), "Hello #fediverse");
    }
    if (strcmp(js.j[0].host, "b.example") != 0) {
        struct store_outbox_job t = js.j[0];
        js.j[0] = js.j[1];
        js.j[1] = t;
    }
    assert_string_equal(js.j[0].host, "b.example");
    assert_string_equal(js.j[0].url, "https://b.example/receive/public");
    assert_string_equal(js.j[1].host, "c.example:8443");
    assert_string_equal(js.j[1].url, "https://c.example:8443/receive/public");
}

static void
test_limited_post_private_job(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_aspect asp = {0};
    struct store_membership m = {0};
    struct store_post post;
    struct jobs js;
    struct fed_entity *e;
    char why[128];
    uint64_t alice, bob, carol;

    alice = local_user(txn, "alice", "1111111111111111aaaa", true);
    bob = remote_person(txn, "bob@b.example", "2222222222222222bbbb", "https://b.example/");
    carol = remote_person(txn, "carol@c.example", "3333333333333333cccc", "https://c.example/");
    contact(txn, alice, bob, true, true); /* a contact, but not in the aspect */
    contact(txn, alice, carol, true, false);
    asp.owner = alice;
    snprintf(asp.name, sizeof asp.name, "Friends");
    assert_int_equal(store_aspect_add(txn, &asp), POD_OK);
    m.aspect = asp.id;
    m.person = carol;
    assert_int_equal(store_membership_add(txn, &m), POD_OK);
    struct social_new_post np = {
        .text = "just friends", .public = false, .aspect_ids = &asp.id, .aspect_count = 1};
    assert_int_equal(social_post_create(txn, alice, &np, &f->arena, &post, why, sizeof why),
                     POD_OK);
    commit(txn);

    drain(f, &js);
    assert_int_equal(js.count, 1);
    assert_int_equal(js.j[0].kind, STORE_OUTBOX_PRIVATE);
    assert_int_equal(js.j[0].recipient, carol);
    assert_string_equal(js.j[0].url, "https://c.example/receive/users/3333333333333333cccc");
    e = open_job(f, &js.j[0]);
    assert_string_equal(e->type, "status_message");
    assert_string_equal(fed_entity_get(e, "public"), "false");
    assert_string_equal(fed_entity_get(e, "guid"), post.guid);
}

static void
test_comment_on_remote_post(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_post post;
    struct store_comment c;
    struct jobs js;
    struct fed_entity *e;
    const char **names, **values;
    size_t n;
    char why[128];
    uint64_t alice, bob, carol;

    alice = local_user(txn, "alice", "1111111111111111aaaa", true);
    bob = remote_person(txn, "bob@b.example", "2222222222222222bbbb", "https://b.example/");
    carol = remote_person(txn, "carol@c.example", "3333333333333333cccc", "https://c.example/");
    contact(txn, alice, carol, true, true); /* alice's contacts do not matter here */
    memset(&post, 0, sizeof post);
    snprintf(post.guid, sizeof post.guid, "9999999999999999ffff");
    post.author = bob;
    post.type = STORE_POST_STATUS;
    post.public = true;
    post.text = "bob's post";
    post.created_at = 1700000100;
    assert_int_equal(store_post_add(txn, &post, NULL, 0, NULL, 0, NULL), POD_OK);
    assert_int_equal(
        social_comment_create(txn, alice, post.id, "Nice; really", &f->arena, &c, why, sizeof why),
        POD_OK);
    commit(txn);

    drain(f, &js);
    assert_int_equal(js.count, 1);
    assert_int_equal(js.j[0].kind, STORE_OUTBOX_PUBLIC);
    assert_int_equal(js.j[0].author, alice);
    assert_string_equal(js.j[0].url, "https://b.example/receive/public");
    /* Stored unsigned: the task signs outside the transaction. */
    assert_non_null(strstr(js.j[0].payload, "<author_signature/>"));
    e = open_job(f, &js.j[0]);
    assert_string_equal(e->type, "comment");
    assert_string_equal(fed_entity_get(e, "parent_guid"), post.guid);
    assert_string_equal(fed_entity_get(e, "guid"), c.guid);
    assert_string_equal(fed_entity_get(e, "text"), "Nice; really");
    assert_true(strlen(fed_entity_get(e, "author_signature")) > 100);
    assert_int_equal(fed_entity_signature_lists(e, &f->arena, &names, &values, &n), POD_OK);
    assert_int_equal(fed_relayable_verify(names, values, n, fed_entity_get(e, "author_signature"),
                                          alice_pub, why, sizeof why),
                     POD_OK);
    assert_int_equal(fed_relayable_verify(names, values, n, fed_entity_get(e, "author_signature"),
                                          carol_pub, why, sizeof why),
                     POD_ERR_SIG);
}

/* §5.4: remote people mentioned in a public post get it too, though
 * they are no contacts; in a limited post a mention adds nobody. */
static void
test_mentioned_people_get_public_posts(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct social_new_post pub = {.text = "Hi @{Frank; frank@f.example} and @{Bob; bob@b.example}",
                                  .public = true};
    struct store_aspect asp = {0};
    struct store_membership m;
    struct store_post post;
    struct jobs js;
    char why[128];
    uint64_t alice, bob, carol;

    alice = local_user(txn, "alice", "1111111111111111aaaa", true);
    bob = remote_person(txn, "bob@b.example", "2222222222222222bbbb", "https://b.example/");
    carol = remote_person(txn, "carol@c.example", "3333333333333333cccc", "https://c.example/");
    remote_person(txn, "frank@f.example", "6666666666666666ffff", "https://f.example/");
    contact(txn, alice, bob, true, true);
    contact(txn, alice, carol, true, true);
    assert_int_equal(social_post_create(txn, alice, &pub, &f->arena, &post, why, sizeof why),
                     POD_OK);
    commit(txn);
    drain(f, &js);
    assert_int_equal(js.count, 3); /* b.example once, c.example, f.example */
    for (size_t i = 0; i < js.count; i++)
        assert_true(strcmp(js.j[i].host, "b.example") == 0 ||
                    strcmp(js.j[i].host, "c.example") == 0 ||
                    strcmp(js.j[i].host, "f.example") == 0);
    assert_string_not_equal(js.j[0].host, js.j[1].host);
    assert_string_not_equal(js.j[0].host, js.j[2].host);
    assert_string_not_equal(js.j[1].host, js.j[2].host);

    txn = wtxn(f);
    asp.owner = alice;
    snprintf(asp.name, sizeof asp.name, "Friends");
    assert_int_equal(store_aspect_add(txn, &asp), POD_OK);
    assert_int_equal(social_aspect_add_person(txn, alice, asp.id, carol, &m), POD_OK);
    struct social_new_post lim = {.text = "Only @{Frank; frank@f.example} is named",
                                  .public = false,
                                  .aspect_ids = &asp.id,
                                  .aspect_count = 1};
    assert_int_equal(social_post_create(txn, alice, &lim, &f->arena, &post, why, sizeof why),
                     POD_OK);
    commit(txn);
    drain(f, &js);
    assert_int_equal(js.count, 1);
    assert_int_equal(js.j[0].recipient, carol);
}

static void
test_local_only_enqueues_nothing(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_aspect asp = {0};
    struct store_membership m;
    struct store_post post;
    struct store_comment c;
    struct store_like l;
    struct jobs js;
    char why[128];
    uint64_t alice, eve, n;

    alice = local_user(txn, "alice", "1111111111111111aaaa", true);
    eve = local_user(txn, "eve", "5555555555555555eeee", false);
    asp.owner = alice;
    snprintf(asp.name, sizeof asp.name, "Family");
    assert_int_equal(store_aspect_add(txn, &asp), POD_OK);
    assert_int_equal(social_aspect_add_person(txn, alice, asp.id, eve, &m), POD_OK);
    struct social_new_post pub = {.text = "public", .public = true};
    struct social_new_post lim = {
        .text = "limited", .public = false, .aspect_ids = &asp.id, .aspect_count = 1};
    assert_int_equal(social_post_create(txn, alice, &pub, &f->arena, &post, why, sizeof why),
                     POD_OK);
    assert_int_equal(social_comment_create(txn, eve, post.id, "hi", &f->arena, &c, why, sizeof why),
                     POD_OK);
    assert_int_equal(social_like(txn, eve, STORE_LIKE_POST, post.id, &l), POD_OK);
    assert_int_equal(social_post_create(txn, alice, &lim, &f->arena, &post, why, sizeof why),
                     POD_OK);
    assert_int_equal(social_post_delete(txn, alice, post.id), POD_OK);
    assert_int_equal(store_outbox_count(txn, &n), POD_OK);
    assert_int_equal(n, 0);
    commit(txn);
    drain(f, &js);
    assert_int_equal(js.count, 0);
}

static void
test_contact_and_retraction(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_aspect asp = {0};
    struct store_membership m;
    struct store_post post;
    struct jobs js;
    struct fed_entity *e;
    char why[128];
    uint64_t alice, carol;

    alice = local_user(txn, "alice", "1111111111111111aaaa", true);
    carol = remote_person(txn, "carol@c.example", "3333333333333333cccc", "https://c.example/");
    asp.owner = alice;
    snprintf(asp.name, sizeof asp.name, "Friends");
    assert_int_equal(store_aspect_add(txn, &asp), POD_OK);
    assert_int_equal(social_aspect_add_person(txn, alice, asp.id, carol, &m), POD_OK);
    commit(txn);
    drain(f, &js);
    assert_int_equal(js.count, 1);
    assert_int_equal(js.j[0].kind, STORE_OUTBOX_PRIVATE);
    e = open_job(f, &js.j[0]);
    assert_string_equal(e->type, "contact");
    assert_string_equal(fed_entity_get(e, "recipient"), "carol@c.example");
    assert_string_equal(fed_entity_get(e, "sharing"), "true");
    assert_string_equal(fed_entity_get(e, "following"), "true");

    txn = wtxn(f);
    struct social_new_post np = {.text = "soon gone", .public = true};
    assert_int_equal(social_post_create(txn, alice, &np, &f->arena, &post, why, sizeof why),
                     POD_OK);
    assert_int_equal(social_post_delete(txn, alice, post.id), POD_OK);
    assert_int_equal(social_aspect_remove_membership(txn, alice, m.id), POD_OK);
    commit(txn);
    drain(f, &js);
    /* post, its retraction, then the contact that stops sharing (in due
     * order, which is creation order within one second or later). */
    assert_int_equal(js.count, 3);
    bool saw_retraction = false, saw_stop = false;
    for (size_t i = 0; i < js.count; i++) {
        e = open_job(f, &js.j[i]);
        if (strcmp(e->type, "retraction") == 0) {
            saw_retraction = true;
            assert_string_equal(fed_entity_get(e, "target_guid"), post.guid);
            assert_string_equal(fed_entity_get(e, "target_type"), "Post");
            assert_string_equal(js.j[i].url, "https://c.example/receive/public");
        } else if (strcmp(e->type, "contact") == 0) {
            saw_stop = true;
            assert_string_equal(fed_entity_get(e, "sharing"), "false");
            assert_string_equal(fed_entity_get(e, "following"), "false");
        }
    }
    assert_true(saw_retraction);
    assert_true(saw_stop);
}

static void
test_reshare_like_and_unlike(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_post post, rs;
    struct store_like l;
    struct jobs js;
    struct fed_entity *e;
    const char **names, **values;
    size_t n;
    char why[128];
    uint64_t alice, bob, carol, dan;

    alice = local_user(txn, "alice", "1111111111111111aaaa", true);
    bob = remote_person(txn, "bob@b.example", "2222222222222222bbbb", "https://b.example/");
    carol = remote_person(txn, "carol@c.example", "3333333333333333cccc", "https://c.example/");
    dan = remote_person(txn, "dan@b.example", "4444444444444444dddd", "https://b.example/");
    contact(txn, alice, carol, false, true);
    contact(txn, alice, dan, true, true);
    memset(&post, 0, sizeof post);
    snprintf(post.guid, sizeof post.guid, "9999999999999999ffff");
    post.author = bob;
    post.type = STORE_POST_STATUS;
    post.public = true;
    post.text = "bob's post";
    post.created_at = 1700000100;
    assert_int_equal(store_post_add(txn, &post, NULL, 0, NULL, 0, NULL), POD_OK);
    assert_int_equal(social_reshare(txn, alice, post.id, &f->arena, &rs), POD_OK);
    commit(txn);
    /* The contacts' pods and the root author's, b.example once. */
    drain(f, &js);
    assert_int_equal(js.count, 2);
    for (size_t i = 0; i < js.count; i++) {
        assert_int_equal(js.j[i].kind, STORE_OUTBOX_PUBLIC);
        e = open_job(f, &js.j[i]);
        assert_string_equal(e->type, "reshare");
        assert_string_equal(fed_entity_get(e, "guid"), rs.guid);
        assert_string_equal(fed_entity_get(e, "root_author"), "bob@b.example");
        assert_string_equal(fed_entity_get(e, "root_guid"), post.guid);
    }
    assert_true(strcmp(js.j[0].host, js.j[1].host) != 0);

    txn = wtxn(f);
    assert_int_equal(social_like(txn, alice, STORE_LIKE_POST, post.id, &l), POD_OK);
    commit(txn);
    drain(f, &js);
    assert_int_equal(js.count, 1);
    assert_string_equal(js.j[0].url, "https://b.example/receive/public");
    e = open_job(f, &js.j[0]);
    assert_string_equal(e->type, "like");
    assert_string_equal(fed_entity_get(e, "parent_type"), "Post");
    assert_string_equal(fed_entity_get(e, "parent_guid"), post.guid);
    assert_int_equal(fed_entity_signature_lists(e, &f->arena, &names, &values, &n), POD_OK);
    assert_int_equal(fed_relayable_verify(names, values, n, fed_entity_get(e, "author_signature"),
                                          alice_pub, why, sizeof why),
                     POD_OK);

    txn = wtxn(f);
    assert_int_equal(social_like_delete(txn, alice, l.id), POD_OK);
    commit(txn);
    drain(f, &js);
    assert_int_equal(js.count, 1);
    assert_string_equal(js.j[0].url, "https://b.example/receive/public");
    e = open_job(f, &js.j[0]);
    assert_string_equal(e->type, "retraction");
    assert_string_equal(fed_entity_get(e, "target_type"), "Like");
    assert_string_equal(fed_entity_get(e, "target_guid"), l.guid);
    assert_string_equal(fed_entity_get(e, "author"), "alice@" LOCAL_HOST);
}

static void
test_backoff(void **state)
{
    (void)state;
    for (int i = 0; i < 50; i++) {
        int64_t b0 = task_fed_outbox_backoff(0), b2 = task_fed_outbox_backoff(2);
        assert_true(b0 >= 81 && b0 <= 81 + 29);
        assert_true(b2 >= 625 && b2 <= 625 + 29 * 3);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_public_post_one_job_per_pod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limited_post_private_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comment_on_remote_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mentioned_people_get_public_posts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_only_enqueues_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contact_and_retraction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reshare_like_and_unlike, setup, teardown),
        cmocka_unit_test(test_backoff),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
