/*
 * test_people.c - app/store/people.c and the person record codec
 * (app/store/record_social.c): adding, finding, updating, deleting and
 * searching people, and the person row of local accounts.
 * Every test runs in its own directory under /tmp, removed afterwards.
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
#include "store/accounts.h"
#include "store/people.h"
#include "store/record.h"
#include "store/store.h"

/* -------------------------------------------------------------- helpers */

static struct store_person
mkperson(const char *guid, const char *did, const char *username)
{
    struct store_person p;

    memset(&p, 0, sizeof(p));
    snprintf(p.guid, sizeof(p.guid), "%s", guid);
    snprintf(p.diaspora_id, sizeof(p.diaspora_id), "%s", did);
    snprintf(p.username, sizeof(p.username), "%s", username ? username : "");
    p.searchable = true;
    p.created_at = 1700000000;
    p.updated_at = 1700000100;
    return p;
}

static uint64_t
add_person(struct fixture *f, const char *guid, const char *did, const char *username)
{
    struct store_txn *txn = wtxn(f);
    struct store_person p = mkperson(guid, did, username);

    assert_int_equal(store_person_add(txn, &p), POD_OK);
    assert_true(p.id != 0);
    commit(txn);
    return p.id;
}

static struct store_user
mkuser(const char *name, const char *guid)
{
    struct store_user u;

    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "%s", name);
    snprintf(u.guid, sizeof(u.guid), "%s", guid);
    snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$v=19$m=65536,t=3,p=1$x");
    snprintf(u.language, sizeof(u.language), "en");
    u.created_at = 1710000000;
    return u;
}

static void
assert_person_equal(const struct store_person *a, const struct store_person *b)
{
    assert_true(a->id == b->id);
    assert_string_equal(a->guid, b->guid);
    assert_string_equal(a->diaspora_id, b->diaspora_id);
    assert_string_equal(a->username, b->username);
    assert_string_equal(a->first_name, b->first_name);
    assert_string_equal(a->last_name, b->last_name);
    assert_string_equal(a->avatar_large, b->avatar_large);
    assert_string_equal(a->avatar_medium, b->avatar_medium);
    assert_string_equal(a->avatar_small, b->avatar_small);
    assert_string_equal(a->pod_url, b->pod_url);
    assert_int_equal(a->searchable, b->searchable);
    assert_true(a->created_at == b->created_at);
    assert_true(a->updated_at == b->updated_at);
}

/* Collects search hits. */
struct hits {
    uint64_t ids[16];
    size_t n;
    size_t stop_after; /* 0 = never */
};

static int
collect(const struct store_person *p, void *ctx)
{
    struct hits *h = ctx;

    assert_true(h->n < 16);
    h->ids[h->n++] = p->id;
    if (h->stop_after && h->n == h->stop_after)
        return 7;
    return 0;
}

static size_t
search(struct fixture *f, const char *query, size_t limit, struct hits *h)
{
    struct store_txn *txn = rtxn(f);

    memset(h, 0, sizeof(*h));
    assert_int_equal(store_person_search(txn, query, limit, collect, h), POD_OK);
    store_txn_abort(txn);
    return h->n;
}

/* ---------------------------------------------------------------- tests */

static void
test_person_add_and_get(void **state)
{
    struct fixture *f = *state;
    struct store_person p = mkperson("guid-remote-0000001", "bob@far.example", NULL);
    struct store_person q = mkperson("guid-local-00000001", "alice@pod.example", "alice");
    struct store_person got;
    struct store_txn *txn = wtxn(f);

    snprintf(p.first_name, sizeof(p.first_name), "Bob");
    snprintf(p.last_name, sizeof(p.last_name), "Builder");
    snprintf(p.avatar_large, sizeof(p.avatar_large), "https://far.example/l.png");
    snprintf(p.avatar_medium, sizeof(p.avatar_medium), "https://far.example/m.png");
    snprintf(p.avatar_small, sizeof(p.avatar_small), "https://far.example/s.png");
    snprintf(p.pod_url, sizeof(p.pod_url), "https://far.example/");
    p.searchable = false;
    p.id = 999; /* ignored: the store assigns */
    assert_int_equal(store_person_add(txn, &p), POD_OK);
    assert_true(p.id == 1);
    assert_int_equal(store_person_add(txn, &q), POD_OK);
    assert_true(q.id == 2);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_person_get(txn, p.id, &got), POD_OK);
    assert_person_equal(&got, &p);
    assert_int_equal(store_person_get_by_guid(txn, "guid-remote-0000001", &got), POD_OK);
    assert_person_equal(&got, &p);
    assert_int_equal(store_person_get_by_diaspora_id(txn, "bob@far.example", &got), POD_OK);
    assert_person_equal(&got, &p);
    assert_int_equal(store_person_get_by_username(txn, "alice", &got), POD_OK);
    assert_person_equal(&got, &q);
    assert_int_equal(store_person_get_by_diaspora_id(txn, "alice@pod.example", &got), POD_OK);
    assert_true(got.id == q.id);

    /* A remote person has no username row; unknown keys are not found. */
    assert_int_equal(store_person_get_by_username(txn, "bob", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get(txn, 3, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get_by_guid(txn, "nope-nope-nope-nope", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get_by_diaspora_id(txn, "BOB@far.example", &got),
                     POD_ERR_NOTFOUND);
    assert_string_equal(got.guid, ""); /* cleared on failure */

    /* Arguments. */
    assert_int_equal(store_person_get(txn, 0, &got), POD_ERR_INVAL);
    assert_int_equal(store_person_get(txn, 1, NULL), POD_ERR_INVAL);
    assert_int_equal(store_person_get(NULL, 1, &got), POD_ERR_INVAL);
    assert_int_equal(store_person_get_by_guid(txn, NULL, &got), POD_ERR_INVAL);
    assert_int_equal(store_person_get_by_guid(txn, "", &got), POD_ERR_INVAL);
    assert_int_equal(store_person_get_by_diaspora_id(txn, "x@y", NULL), POD_ERR_INVAL);
    assert_int_equal(store_person_get_by_username(NULL, "alice", &got), POD_ERR_INVAL);
    store_txn_abort(txn);
}

static void
test_person_add_invalid(void **state)
{
    struct fixture *f = *state;
    struct store_person p;
    struct store_txn *txn = wtxn(f);

    assert_int_equal(store_person_add(txn, NULL), POD_ERR_INVAL);
    p = mkperson("", "bob@far.example", NULL);
    assert_int_equal(store_person_add(txn, &p), POD_ERR_INVAL);
    p = mkperson("guid-remote-0000001", "", NULL);
    assert_int_equal(store_person_add(txn, &p), POD_ERR_INVAL);
    p = mkperson("guid-remote-0000001", "Bob@far.example", NULL);
    assert_int_equal(store_person_add(txn, &p), POD_ERR_INVAL);
    p = mkperson("guid-remote-0000001", "bob.far.example", NULL);
    assert_int_equal(store_person_add(txn, &p), POD_ERR_INVAL);
    /* Strings must end inside their fields. */
    p = mkperson("guid-remote-0000001", "bob@far.example", NULL);
    memset(p.guid, 'g', sizeof(p.guid));
    assert_int_equal(store_person_add(txn, &p), POD_ERR_INVAL);
    p = mkperson("guid-remote-0000001", "bob@far.example", NULL);
    memset(p.pod_url, 'u', sizeof(p.pod_url));
    assert_int_equal(store_person_add(txn, &p), POD_ERR_INVAL);
    assert_int_equal(store_person_add(NULL, &p), POD_ERR_INVAL);
    /* A refused add takes no id: the first good one gets 1. */
    p = mkperson("guid-remote-0000001", "bob@far.example", NULL);
    assert_int_equal(store_person_add(txn, &p), POD_OK);
    assert_true(p.id == 1);
    commit(txn);

    /* Writes need a write transaction. */
    txn = rtxn(f);
    p = mkperson("guid-remote-0000002", "carol@far.example", NULL);
    assert_int_equal(store_person_add(txn, &p), POD_ERR_INVAL);
    p.id = 1;
    assert_int_equal(store_person_update(txn, &p), POD_ERR_INVAL);
    assert_int_equal(store_person_delete(txn, 1), POD_ERR_INVAL);
    store_txn_abort(txn);
}

static void
test_person_clashes(void **state)
{
    struct fixture *f = *state;
    struct store_person p;
    struct store_person got;
    struct store_txn *txn;

    add_person(f, "guid-local-00000001", "alice@pod.example", "alice");
    txn = wtxn(f);
    p = mkperson("guid-local-00000001", "other@pod.example", NULL);
    assert_int_equal(store_person_add(txn, &p), POD_ERR_EXISTS);
    p = mkperson("guid-other-00000001", "alice@pod.example", NULL);
    assert_int_equal(store_person_add(txn, &p), POD_ERR_EXISTS);
    p = mkperson("guid-other-00000001", "alice2@pod.example", "alice");
    assert_int_equal(store_person_add(txn, &p), POD_ERR_EXISTS);
    /* Nothing of the refused adds was written. */
    assert_int_equal(store_person_get_by_guid(txn, "guid-other-00000001", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get_by_diaspora_id(txn, "other@pod.example", &got),
                     POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get_by_diaspora_id(txn, "alice2@pod.example", &got),
                     POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get_by_username(txn, "alice", &got), POD_OK);
    assert_string_equal(got.diaspora_id, "alice@pod.example");
    p = mkperson("guid-other-00000001", "alice2@pod.example", "alice2");
    assert_int_equal(store_person_add(txn, &p), POD_OK);
    assert_true(p.id == 2);
    commit(txn);
}

static void
test_person_update(void **state)
{
    struct fixture *f = *state;
    uint64_t id = add_person(f, "guid-remote-0000001", "bob@far.example", NULL);
    struct store_person p;
    struct store_person got;
    struct store_txn *txn = wtxn(f);

    assert_int_equal(store_person_get(txn, id, &p), POD_OK);
    snprintf(p.first_name, sizeof(p.first_name), "Robert");
    snprintf(p.avatar_small, sizeof(p.avatar_small), "https://far.example/new.png");
    p.searchable = false;
    p.updated_at = 1800000000;
    assert_int_equal(store_person_update(txn, &p), POD_OK);
    assert_int_equal(store_person_get_by_guid(txn, "guid-remote-0000001", &got), POD_OK);
    assert_person_equal(&got, &p);

    /* Identity does not change. */
    got = p;
    snprintf(got.guid, sizeof(got.guid), "guid-remote-0000002");
    assert_int_equal(store_person_update(txn, &got), POD_ERR_INVAL);
    got = p;
    snprintf(got.diaspora_id, sizeof(got.diaspora_id), "rob@far.example");
    assert_int_equal(store_person_update(txn, &got), POD_ERR_INVAL);
    got = p;
    snprintf(got.username, sizeof(got.username), "bob");
    assert_int_equal(store_person_update(txn, &got), POD_ERR_INVAL);
    assert_int_equal(store_person_get_by_diaspora_id(txn, "rob@far.example", &got),
                     POD_ERR_NOTFOUND);

    got = p;
    got.id = 42;
    assert_int_equal(store_person_update(txn, &got), POD_ERR_NOTFOUND);
    got.id = 0;
    assert_int_equal(store_person_update(txn, &got), POD_ERR_INVAL);
    assert_int_equal(store_person_update(txn, NULL), POD_ERR_INVAL);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_person_get(txn, id, &got), POD_OK);
    assert_string_equal(got.first_name, "Robert");
    assert_false(got.searchable);
    store_txn_abort(txn);
}

static void
test_person_delete(void **state)
{
    struct fixture *f = *state;
    uint64_t id = add_person(f, "guid-local-00000001", "alice@pod.example", "alice");
    uint64_t keep = add_person(f, "guid-remote-0000001", "bob@far.example", NULL);
    struct store_person got;
    struct store_person p;
    struct store_txn *txn = wtxn(f);

    assert_int_equal(store_person_delete(txn, id), POD_OK);
    assert_int_equal(store_person_get(txn, id, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get_by_guid(txn, "guid-local-00000001", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get_by_diaspora_id(txn, "alice@pod.example", &got),
                     POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get_by_username(txn, "alice", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get(txn, keep, &got), POD_OK);
    assert_int_equal(store_person_delete(txn, id), POD_ERR_NOTFOUND);
    assert_int_equal(store_person_delete(txn, 0), POD_ERR_INVAL);
    /* The identity is free again, under a new id (ids are never reused). */
    p = mkperson("guid-local-00000001", "alice@pod.example", "alice");
    assert_int_equal(store_person_add(txn, &p), POD_OK);
    assert_true(p.id == 3);
    commit(txn);
}

static void
test_person_search(void **state)
{
    struct fixture *f = *state;
    struct store_person p;
    struct store_txn *txn = wtxn(f);
    struct hits h;

    p = mkperson("guid-local-00000001", "alice@pod.example", "alice");
    assert_int_equal(store_person_add(txn, &p), POD_OK); /* 1 */
    p = mkperson("guid-remote-0000001", "bob@far.example", NULL);
    snprintf(p.first_name, sizeof(p.first_name), "Robert");
    snprintf(p.last_name, sizeof(p.last_name), "Smith");
    assert_int_equal(store_person_add(txn, &p), POD_OK); /* 2 */
    p = mkperson("guid-remote-0000002", "hidden-alice@far.example", NULL);
    p.searchable = false;
    assert_int_equal(store_person_add(txn, &p), POD_OK); /* 3 */
    p = mkperson("guid-remote-0000003", "malice@other.example", NULL);
    snprintf(p.first_name, sizeof(p.first_name), "Mallory");
    assert_int_equal(store_person_add(txn, &p), POD_OK); /* 4 */
    commit(txn);

    /* ASCII case-insensitive, on the diaspora* ID, in id order. */
    assert_int_equal(search(f, "ALIce", 10, &h), 2);
    assert_true(h.ids[0] == 1 && h.ids[1] == 4);
    /* Names; the unsearchable person never shows. */
    assert_int_equal(search(f, "smITH", 10, &h), 1);
    assert_true(h.ids[0] == 2);
    assert_int_equal(search(f, "robert", 10, &h), 1);
    assert_int_equal(search(f, "hidden", 10, &h), 0);
    assert_int_equal(search(f, "mallory", 10, &h), 1);
    assert_true(h.ids[0] == 4);
    assert_int_equal(search(f, "far.example", 10, &h), 1);
    assert_int_equal(search(f, "nobody", 10, &h), 0);
    /* "" matches every searchable person; limit caps the calls. */
    assert_int_equal(search(f, "", 10, &h), 3);
    assert_int_equal(search(f, "", 2, &h), 2);
    assert_true(h.ids[0] == 1 && h.ids[1] == 2);
    assert_int_equal(search(f, "", 0, &h), 0);

    /* A callback's non-zero ends the walk and is returned. */
    txn = rtxn(f);
    memset(&h, 0, sizeof(h));
    h.stop_after = 1;
    assert_int_equal(store_person_search(txn, "", 10, collect, &h), 7);
    assert_int_equal(h.n, 1);
    assert_int_equal(store_person_search(txn, NULL, 10, collect, &h), POD_ERR_INVAL);
    assert_int_equal(store_person_search(txn, "a", 10, NULL, &h), POD_ERR_INVAL);
    assert_int_equal(store_person_search(NULL, "a", 10, collect, &h), POD_ERR_INVAL);
    store_txn_abort(txn);
}

static void
test_account_create(void **state)
{
    struct fixture *f = *state;
    struct store_user u = mkuser("alice", "guid-local-00000001");
    struct store_user v;
    struct store_profile pr;
    struct store_person got;
    struct store_txn *txn = wtxn(f);

    assert_int_equal(store_account_create(txn, &u, "pod.example"), POD_OK);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_person_get_by_username(txn, "alice", &got), POD_OK);
    assert_string_equal(got.diaspora_id, "alice@pod.example");
    assert_string_equal(got.guid, "guid-local-00000001");
    assert_string_equal(got.username, "alice");
    assert_true(got.searchable);
    assert_true(got.created_at == u.created_at);
    assert_int_equal(store_person_get_by_diaspora_id(txn, "alice@pod.example", &got), POD_OK);
    assert_int_equal(store_user_get(txn, "alice", &v), POD_OK);
    assert_string_equal(v.guid, u.guid);
    assert_int_equal(store_profile_get(txn, "alice", &pr), POD_OK);
    assert_true(pr.searchable);
    assert_true(pr.updated_at == u.created_at);
    assert_string_equal(pr.first_name, "");
    /* Creating needs a write transaction. */
    v = mkuser("bob", "guid-local-00000002");
    assert_int_equal(store_account_create(txn, &v, "pod.example"), POD_ERR_INVAL);
    store_txn_abort(txn);

    txn = wtxn(f);
    v = mkuser("alice", "guid-local-00000009");
    assert_int_equal(store_account_create(txn, &v, "pod.example"), POD_ERR_EXISTS);
    v = mkuser("bob", "guid-local-00000001");
    assert_int_equal(store_account_create(txn, &v, "pod.example"), POD_ERR_EXISTS);
    v = mkuser("bob", "guid-local-00000002");
    assert_int_equal(store_account_create(txn, NULL, "pod.example"), POD_ERR_INVAL);
    assert_int_equal(store_account_create(txn, &v, NULL), POD_ERR_INVAL);
    assert_int_equal(store_account_create(txn, &v, ""), POD_ERR_INVAL);
    store_txn_abort(txn);

    /* A person row already holding the diaspora* ID refuses the account. */
    add_person(f, "guid-remote-0000001", "carol@pod.example", NULL);
    txn = wtxn(f);
    v = mkuser("carol", "guid-local-00000003");
    assert_int_equal(store_account_create(txn, &v, "pod.example"), POD_ERR_EXISTS);
    store_txn_abort(txn);
}

static void
test_ensure_local(void **state)
{
    struct fixture *f = *state;
    struct store_user u;
    struct store_profile pr;
    struct store_person got;
    struct store_txn *txn = wtxn(f);
    unsigned added = 99;

    /* Accounts from before people existed: user rows only. */
    u = mkuser("alice", "guid-local-00000001");
    assert_int_equal(store_user_add(txn, &u), POD_OK);
    u = mkuser("bob", "guid-local-00000002");
    assert_int_equal(store_user_add(txn, &u), POD_OK);
    memset(&pr, 0, sizeof(pr));
    pr.searchable = false;
    assert_int_equal(store_profile_put(txn, "bob", &pr), POD_OK);
    u = mkuser("carol", "guid-local-00000003");
    assert_int_equal(store_account_create(txn, &u, "pod.example"), POD_OK);
    commit(txn);

    txn = wtxn(f);
    assert_int_equal(store_people_ensure_local(txn, "pod.example", &added), POD_OK);
    assert_int_equal(added, 2);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_person_get_by_username(txn, "alice", &got), POD_OK);
    assert_string_equal(got.diaspora_id, "alice@pod.example");
    assert_string_equal(got.guid, "guid-local-00000001");
    assert_true(got.searchable); /* no profile: the default of a new account */
    assert_int_equal(store_person_get_by_username(txn, "bob", &got), POD_OK);
    assert_string_equal(got.diaspora_id, "bob@pod.example");
    assert_false(got.searchable); /* from the profile */
    assert_int_equal(store_person_get_by_guid(txn, "guid-local-00000003", &got), POD_OK);
    assert_string_equal(got.username, "carol");
    /* Needs a write transaction and a host. */
    assert_int_equal(store_people_ensure_local(txn, "pod.example", &added), POD_ERR_INVAL);
    store_txn_abort(txn);

    /* Idempotent. */
    txn = wtxn(f);
    added = 99;
    assert_int_equal(store_people_ensure_local(txn, "pod.example", &added), POD_OK);
    assert_int_equal(added, 0);
    assert_int_equal(store_people_ensure_local(txn, "pod.example", NULL), POD_OK);
    assert_int_equal(store_people_ensure_local(txn, NULL, &added), POD_ERR_INVAL);
    assert_int_equal(store_person_get(txn, 4, &got), POD_ERR_NOTFOUND);
    commit(txn);
}

static void
test_person_record_codec(void **state)
{
    struct store_person p = mkperson("guid-remote-0000001", "bob@far.example", NULL);
    struct store_person got;
    struct store_rec_writer w;
    uint8_t buf[512];
    size_t len;

    (void)state;
    snprintf(p.last_name, sizeof(p.last_name), "Builder");
    store_rec_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(store_person_encode(&w, &p), POD_OK);
    assert_int_equal(store_rec_writer_finish(&w, &len), POD_OK);
    assert_int_equal(store_person_decode(buf, len, &got), POD_OK);
    assert_person_equal(&got, &p);

    /* A later version's field is skipped. */
    assert_true(len + 4 <= sizeof(buf));
    buf[len] = 200;
    buf[len + 1] = 2;
    buf[len + 2] = 'x';
    buf[len + 3] = 'y';
    assert_int_equal(store_person_decode(buf, len + 4, &got), POD_OK);
    assert_string_equal(got.last_name, "Builder");

    /* Truncated, or without its GUID: corrupt. */
    assert_int_equal(store_person_decode(buf, len - 1, &got), POD_ERR_CORRUPT);
    store_rec_writer_init(&w, buf, sizeof(buf));
    store_rec_put_str(&w, STORE_PERSON_DIASPORA_ID, "bob@far.example", 64);
    assert_int_equal(store_rec_writer_finish(&w, &len), POD_OK);
    assert_int_equal(store_person_decode(buf, len, &got), POD_ERR_CORRUPT);
    assert_string_equal(got.diaspora_id, "");
    p.guid[0] = '\0';
    store_rec_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(store_person_encode(&w, &p), POD_ERR_INVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_person_add_and_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_person_add_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_person_clashes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_person_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_person_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_person_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ensure_local, setup, teardown),
        cmocka_unit_test(test_person_record_codec),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
