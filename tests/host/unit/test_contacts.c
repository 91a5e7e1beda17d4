/*
 * test_contacts.c - app/store/contacts.c: aspects and their name rules,
 * contacts and the followers index, aspect memberships, blocks and
 * followed tags. Every test runs in its own directory under /tmp, removed
 * afterwards.
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
#include "store/store.h"

/* Person ids: the store does not look them up, so tests make them up. */
#define ALICE 1
#define BOB   2
#define CAROL 3
#define DAVE  4

/* -------------------------------------------------------------- helpers */

static struct store_aspect
mkaspect(uint64_t owner, const char *name)
{
    struct store_aspect a;

    memset(&a, 0, sizeof(a));
    a.owner = owner;
    snprintf(a.name, sizeof(a.name), "%s", name);
    a.created_at = 1700000000;
    return a;
}

static int
aspect_add_rc(struct store_txn *txn, uint64_t owner, const char *name)
{
    struct store_aspect a = mkaspect(owner, name);

    return store_aspect_add(txn, &a);
}

static uint64_t
add_aspect(struct store_txn *txn, uint64_t owner, const char *name)
{
    struct store_aspect a = mkaspect(owner, name);

    assert_int_equal(store_aspect_add(txn, &a), POD_OK);
    assert_true(a.id != 0);
    return a.id;
}

static struct store_contact
mkcontact(uint64_t owner, uint64_t person, bool sharing, bool receiving)
{
    struct store_contact c;

    memset(&c, 0, sizeof(c));
    c.owner = owner;
    c.person = person;
    c.sharing = sharing;
    c.receiving = receiving;
    c.created_at = 1700000000;
    return c;
}

static uint64_t
add_member(struct store_txn *txn, uint64_t aspect, uint64_t person)
{
    struct store_membership m = {0, aspect, 0, person};

    assert_int_equal(store_membership_add(txn, &m), POD_OK);
    assert_true(m.id != 0);
    return m.id;
}

/* Records what an iterator yields: up to 16 rows of up to 3 numbers. */
struct seen {
    uint64_t v[16][3];
    char names[16][STORE_ASPECT_NAME_BYTES + 1];
    size_t n;
    size_t stop_after; /* 0 = never */
};

static int
seen_next(struct seen *s)
{
    assert_true(s->n < 16);
    s->n++;
    return s->stop_after && s->n == s->stop_after ? 5 : 0;
}

static int
on_aspect(const struct store_aspect *a, void *ctx)
{
    struct seen *s = ctx;

    s->v[s->n][0] = a->id;
    s->v[s->n][1] = a->order;
    s->v[s->n][2] = a->owner;
    snprintf(s->names[s->n], sizeof(s->names[0]), "%s", a->name);
    return seen_next(s);
}

static int
on_contact(const struct store_contact *c, void *ctx)
{
    struct seen *s = ctx;

    s->v[s->n][0] = c->owner;
    s->v[s->n][1] = c->person;
    s->v[s->n][2] = c->id;
    return seen_next(s);
}

static int
on_membership(const struct store_membership *m, void *ctx)
{
    struct seen *s = ctx;

    s->v[s->n][0] = m->id;
    s->v[s->n][1] = m->aspect;
    s->v[s->n][2] = m->person;
    assert_true(m->owner != 0);
    return seen_next(s);
}

static int
on_block(uint64_t id, uint64_t person, void *ctx)
{
    struct seen *s = ctx;

    s->v[s->n][0] = id;
    s->v[s->n][1] = person;
    return seen_next(s);
}

static int
on_tag(uint64_t id, const char *tag, void *ctx)
{
    struct seen *s = ctx;

    s->v[s->n][0] = id;
    snprintf(s->names[s->n], sizeof(s->names[0]), "%s", tag);
    return seen_next(s);
}

static size_t
aspects_of(struct store_txn *txn, uint64_t owner, struct seen *s)
{
    memset(s, 0, sizeof(*s));
    assert_int_equal(store_aspects_each(txn, owner, on_aspect, s), POD_OK);
    return s->n;
}

static size_t
followers_of(struct store_txn *txn, uint64_t person, struct seen *s)
{
    memset(s, 0, sizeof(*s));
    assert_int_equal(store_followers_each(txn, person, on_contact, s), POD_OK);
    return s->n;
}

static size_t
members_of_aspect(struct store_txn *txn, uint64_t aspect, struct seen *s)
{
    memset(s, 0, sizeof(*s));
    assert_int_equal(store_memberships_of_aspect(txn, aspect, on_membership, s), POD_OK);
    return s->n;
}

static size_t
members_of_person(struct store_txn *txn, uint64_t owner, uint64_t person, struct seen *s)
{
    memset(s, 0, sizeof(*s));
    assert_int_equal(store_memberships_of_person(txn, owner, person, on_membership, s), POD_OK);
    return s->n;
}

/* ---------------------------------------------------------------- tests */

static void
test_aspect_names(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_aspect a;
    char name[STORE_ASPECT_NAME_BYTES + 1];

    /* 20 code points, two bytes each: fine; 21: too long. */
    name[0] = '\0';
    for (int i = 0; i < 20; i++)
        strcat(name, "\xc3\xbc"); /* ü */
    assert_int_equal(aspect_add_rc(txn, ALICE, name), POD_OK);
    strcpy(name, "x");
    for (int i = 0; i < 20; i++)
        strcat(name, "\xc3\xa9"); /* é */
    assert_int_equal(aspect_add_rc(txn, ALICE, name), POD_ERR_LIMIT);
    /* 20 four-byte code points fill the field exactly. */
    name[0] = '\0';
    for (int i = 0; i < 20; i++)
        strcat(name, "\xf0\x9f\x98\x80");
    assert_int_equal(strlen(name), STORE_ASPECT_NAME_BYTES);
    assert_int_equal(aspect_add_rc(txn, ALICE, name), POD_OK);
    assert_int_equal(aspect_add_rc(txn, ALICE, "abcdefghijklmnopqrst"), POD_OK);
    assert_int_equal(aspect_add_rc(txn, ALICE, "abcdefghijklmnopqrstu"), POD_ERR_LIMIT);

    /* Not UTF-8, or control characters. */
    assert_int_equal(aspect_add_rc(txn, ALICE, ""), POD_ERR_INVAL);
    assert_int_equal(aspect_add_rc(txn, ALICE, "bad\xc3"), POD_ERR_INVAL);
    assert_int_equal(aspect_add_rc(txn, ALICE, "\xc3("), POD_ERR_INVAL);
    assert_int_equal(aspect_add_rc(txn, ALICE, "\xc0\xaf"), POD_ERR_INVAL);     /* overlong */
    assert_int_equal(aspect_add_rc(txn, ALICE, "\xe0\x80\xaf"), POD_ERR_INVAL); /* overlong */
    assert_int_equal(aspect_add_rc(txn, ALICE, "\xed\xa0\x80"), POD_ERR_INVAL); /* surrogate */
    assert_int_equal(aspect_add_rc(txn, ALICE, "\xf4\x90\x80\x80"), POD_ERR_INVAL);
    assert_int_equal(aspect_add_rc(txn, ALICE, "\xff"), POD_ERR_INVAL);
    assert_int_equal(aspect_add_rc(txn, ALICE, "tab\there"), POD_ERR_INVAL);
    assert_int_equal(aspect_add_rc(txn, ALICE, "del\x7f"), POD_ERR_INVAL);
    assert_int_equal(aspect_add_rc(txn, ALICE, "c1\xc2\x85"), POD_ERR_INVAL);
    a = mkaspect(ALICE, "x");
    memset(a.name, 'x', sizeof(a.name)); /* not NUL-terminated */
    assert_int_equal(store_aspect_add(txn, &a), POD_ERR_INVAL);

    /* Unique per owner, ASCII case-insensitively. */
    assert_int_equal(aspect_add_rc(txn, ALICE, "Family"), POD_OK);
    assert_int_equal(aspect_add_rc(txn, ALICE, "FAMILY"), POD_ERR_EXISTS);
    assert_int_equal(aspect_add_rc(txn, ALICE, "family"), POD_ERR_EXISTS);
    assert_int_equal(aspect_add_rc(txn, ALICE, "Family "), POD_OK);
    assert_int_equal(aspect_add_rc(txn, BOB, "family"), POD_OK);
    /* Beyond ASCII, case is not folded. */
    assert_int_equal(aspect_add_rc(txn, ALICE, "\xc3\x9c"), POD_OK); /* Ü */
    assert_int_equal(aspect_add_rc(txn, ALICE, "\xc3\xbc"), POD_OK); /* ü */

    /* Arguments. */
    assert_int_equal(store_aspect_add(txn, NULL), POD_ERR_INVAL);
    assert_int_equal(aspect_add_rc(txn, 0, "Work"), POD_ERR_INVAL);
    assert_int_equal(aspect_add_rc(NULL, ALICE, "Work"), POD_ERR_INVAL);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(aspect_add_rc(txn, ALICE, "Work"), POD_ERR_INVAL);
    store_txn_abort(txn);
}

static void
test_aspect_order_and_update(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_aspect a;
    struct store_aspect got;
    uint64_t fam;
    uint64_t work;
    uint64_t club;
    uint64_t later;
    struct seen s;

    fam = add_aspect(txn, ALICE, "Family");
    work = add_aspect(txn, ALICE, "Work");
    add_aspect(txn, BOB, "Bob's"); /* another owner does not count */
    club = add_aspect(txn, ALICE, "Club");
    assert_int_equal(aspects_of(txn, ALICE, &s), 3);
    assert_true(s.v[0][0] == fam && s.v[0][1] == 0);
    assert_true(s.v[1][0] == work && s.v[1][1] == 1);
    assert_true(s.v[2][0] == club && s.v[2][1] == 2);
    assert_string_equal(s.names[2], "Club");
    assert_true(s.v[2][2] == ALICE);
    assert_int_equal(aspects_of(txn, CAROL, &s), 0);

    assert_int_equal(store_aspect_get(txn, work, &got), POD_OK);
    assert_true(got.id == work && got.owner == ALICE && got.order == 1);
    assert_string_equal(got.name, "Work");
    assert_false(got.contacts_visible);
    assert_true(got.created_at == 1700000000);

    /* Rename, change visibility; order and created_at stay. */
    a = got;
    snprintf(a.name, sizeof(a.name), "Job");
    a.contacts_visible = true;
    a.order = 7;
    a.created_at = 5;
    assert_int_equal(store_aspect_update(txn, &a), POD_OK);
    assert_int_equal(store_aspect_get(txn, work, &got), POD_OK);
    assert_string_equal(got.name, "Job");
    assert_true(got.contacts_visible);
    assert_true(got.order == 1 && got.created_at == 1700000000);
    /* Its own name in another case is fine, another aspect's is not. */
    snprintf(a.name, sizeof(a.name), "JOB");
    assert_int_equal(store_aspect_update(txn, &a), POD_OK);
    snprintf(a.name, sizeof(a.name), "family");
    assert_int_equal(store_aspect_update(txn, &a), POD_ERR_EXISTS);
    snprintf(a.name, sizeof(a.name), "abcdefghijklmnopqrstu");
    assert_int_equal(store_aspect_update(txn, &a), POD_ERR_LIMIT);
    snprintf(a.name, sizeof(a.name), "Bob's"); /* Bob's aspect: no clash */
    assert_int_equal(store_aspect_update(txn, &a), POD_OK);
    a.owner = BOB;
    assert_int_equal(store_aspect_update(txn, &a), POD_ERR_INVAL);
    a.owner = ALICE;
    a.id = 999;
    assert_int_equal(store_aspect_update(txn, &a), POD_ERR_NOTFOUND);
    assert_int_equal(store_aspect_update(txn, NULL), POD_ERR_INVAL);

    /* After a delete, a new aspect takes the count as its order and sorts
     * after the older one of the same order. */
    assert_int_equal(store_aspect_delete(txn, fam), POD_OK);
    assert_int_equal(store_aspect_get(txn, fam, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_aspect_delete(txn, fam), POD_ERR_NOTFOUND);
    later = add_aspect(txn, ALICE, "Family");
    assert_int_equal(aspects_of(txn, ALICE, &s), 3);
    assert_true(s.v[0][0] == work && s.v[0][1] == 1);
    assert_true(s.v[1][0] == club && s.v[1][1] == 2);
    assert_true(s.v[2][0] == later && s.v[2][1] == 2);

    /* A callback's non-zero stops the walk and is returned. */
    memset(&s, 0, sizeof(s));
    s.stop_after = 2;
    assert_int_equal(store_aspects_each(txn, ALICE, on_aspect, &s), 5);
    assert_int_equal(s.n, 2);
    assert_int_equal(store_aspects_each(txn, ALICE, NULL, &s), POD_ERR_INVAL);
    assert_int_equal(store_aspects_each(txn, 0, on_aspect, &s), POD_ERR_INVAL);
    assert_int_equal(store_aspect_get(txn, 0, &got), POD_ERR_INVAL);
    assert_int_equal(store_aspect_delete(txn, 0), POD_ERR_INVAL);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(aspects_of(txn, ALICE, &s), 3);
    assert_int_equal(store_aspect_delete(txn, work), POD_ERR_INVAL);
    assert_int_equal(store_aspect_get(txn, work, &got), POD_OK);
    a = got;
    assert_int_equal(store_aspect_update(txn, &a), POD_ERR_INVAL);
    store_txn_abort(txn);
}

static void
test_aspect_delete_cascades(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_membership m;
    uint64_t fam = add_aspect(txn, ALICE, "Family");
    uint64_t work = add_aspect(txn, ALICE, "Work");
    uint64_t m1 = add_member(txn, fam, BOB);
    uint64_t m2 = add_member(txn, fam, CAROL);
    uint64_t m3 = add_member(txn, work, BOB);
    struct seen s;

    commit(txn);
    txn = wtxn(f);
    assert_int_equal(store_aspect_delete(txn, fam), POD_OK);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(members_of_aspect(txn, fam, &s), 0);
    assert_int_equal(store_membership_get(txn, m1, &m), POD_ERR_NOTFOUND);
    assert_int_equal(store_membership_get(txn, m2, &m), POD_ERR_NOTFOUND);
    assert_int_equal(members_of_person(txn, ALICE, CAROL, &s), 0);
    assert_int_equal(members_of_person(txn, ALICE, BOB, &s), 1);
    assert_true(s.v[0][0] == m3 && s.v[0][1] == work);
    assert_int_equal(members_of_aspect(txn, work, &s), 1);
    assert_int_equal(aspects_of(txn, ALICE, &s), 1);
    assert_true(s.v[0][0] == work);
    store_txn_abort(txn);
}

static void
test_contacts(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_contact c = mkcontact(ALICE, BOB, true, false);
    struct store_contact d = mkcontact(ALICE, CAROL, false, true);
    struct store_contact got;
    struct seen s;
    uint64_t id;

    c.id = 77; /* ignored for a new contact */
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    assert_true(c.id != 0 && c.id != 77);
    id = c.id;
    assert_int_equal(store_contact_put(txn, &d), POD_OK);
    assert_true(d.id != id);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_contact_get(txn, ALICE, BOB, &got), POD_OK);
    assert_true(got.id == id && got.owner == ALICE && got.person == BOB);
    assert_true(got.sharing && !got.receiving);
    assert_true(got.created_at == 1700000000);
    assert_int_equal(store_contact_get_by_id(txn, d.id, &got), POD_OK);
    assert_true(got.owner == ALICE && got.person == CAROL && got.receiving && !got.sharing);
    /* Contacts are one-way. */
    assert_int_equal(store_contact_get(txn, BOB, ALICE, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_contact_get_by_id(txn, 999, &got), POD_ERR_NOTFOUND);
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_contacts_each(txn, ALICE, on_contact, &s), POD_OK);
    assert_int_equal(s.n, 2);
    assert_true(s.v[0][1] == BOB && s.v[1][1] == CAROL);
    assert_true(s.v[0][2] == id && s.v[1][2] == d.id);
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_contacts_each(txn, BOB, on_contact, &s), POD_OK);
    assert_int_equal(s.n, 0);
    c = mkcontact(ALICE, DAVE, true, true);
    assert_int_equal(store_contact_put(txn, &c), POD_ERR_INVAL); /* read-only */
    store_txn_abort(txn);

    /* Replace keeps the id and the creation time. */
    txn = wtxn(f);
    c = mkcontact(ALICE, BOB, true, true);
    c.created_at = 1800000000;
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    assert_true(c.id == id);
    assert_true(c.created_at == 1700000000);
    assert_int_equal(store_contact_get(txn, ALICE, BOB, &got), POD_OK);
    assert_true(got.id == id && got.sharing && got.receiving);

    /* Neither flag: gone, with its id index. */
    c = mkcontact(ALICE, BOB, false, false);
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    assert_true(c.id == 0);
    assert_int_equal(store_contact_get(txn, ALICE, BOB, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_contact_get_by_id(txn, id, &got), POD_ERR_NOTFOUND);
    assert_int_equal(followers_of(txn, BOB, &s), 0);
    /* ... and for a contact that never was, nothing happens. */
    c = mkcontact(ALICE, DAVE, false, false);
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    assert_int_equal(store_contact_get(txn, ALICE, DAVE, &got), POD_ERR_NOTFOUND);
    /* A new contact after that gets a new id. */
    c = mkcontact(ALICE, BOB, true, false);
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    assert_true(c.id > d.id);

    /* Arguments. */
    assert_int_equal(store_contact_put(txn, NULL), POD_ERR_INVAL);
    c = mkcontact(0, BOB, true, false);
    assert_int_equal(store_contact_put(txn, &c), POD_ERR_INVAL);
    c = mkcontact(ALICE, 0, true, false);
    assert_int_equal(store_contact_put(txn, &c), POD_ERR_INVAL);
    assert_int_equal(store_contact_get(txn, 0, BOB, &got), POD_ERR_INVAL);
    assert_int_equal(store_contact_get(txn, ALICE, BOB, NULL), POD_ERR_INVAL);
    assert_int_equal(store_contact_get_by_id(txn, 0, &got), POD_ERR_INVAL);
    assert_int_equal(store_contacts_each(txn, ALICE, NULL, NULL), POD_ERR_INVAL);
    assert_int_equal(store_followers_each(txn, 0, on_contact, &s), POD_ERR_INVAL);
    commit(txn);
}

static void
test_followers_follow_sharing(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_contact c;
    struct seen s;

    c = mkcontact(ALICE, DAVE, true, false);
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    c = mkcontact(BOB, DAVE, false, true);
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    c = mkcontact(CAROL, DAVE, true, true);
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    c = mkcontact(CAROL, BOB, true, false);
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(followers_of(txn, DAVE, &s), 2);
    assert_true(s.v[0][0] == ALICE && s.v[0][1] == DAVE);
    assert_true(s.v[1][0] == CAROL && s.v[1][1] == DAVE);
    assert_int_equal(followers_of(txn, BOB, &s), 1);
    assert_true(s.v[0][0] == CAROL);
    assert_int_equal(followers_of(txn, ALICE, &s), 0);
    store_txn_abort(txn);

    txn = wtxn(f);
    c = mkcontact(ALICE, DAVE, false, true); /* stops following */
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    c = mkcontact(BOB, DAVE, true, true); /* starts */
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    c = mkcontact(CAROL, DAVE, true, true); /* unchanged */
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    assert_int_equal(followers_of(txn, DAVE, &s), 2);
    assert_true(s.v[0][0] == BOB && s.v[1][0] == CAROL);
    c = mkcontact(CAROL, DAVE, false, false); /* deleted */
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    assert_int_equal(followers_of(txn, DAVE, &s), 1);
    assert_true(s.v[0][0] == BOB);
    /* Rebuilding the index from the contacts (migration 9) gives the same. */
    assert_int_equal(store_followers_rebuild(txn), POD_OK);
    assert_int_equal(followers_of(txn, DAVE, &s), 1);
    assert_true(s.v[0][0] == BOB);
    assert_int_equal(followers_of(txn, BOB, &s), 1);
    assert_true(s.v[0][0] == CAROL);
    commit(txn);
}

static void
test_memberships(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_membership m;
    struct store_membership got;
    uint64_t fam = add_aspect(txn, ALICE, "Family");
    uint64_t work = add_aspect(txn, ALICE, "Work");
    uint64_t bobs = add_aspect(txn, BOB, "Friends");
    uint64_t m1;
    uint64_t m2;
    uint64_t m3;
    struct seen s;

    m = (struct store_membership){0, fam, 0, CAROL};
    assert_int_equal(store_membership_add(txn, &m), POD_OK);
    assert_true(m.id != 0 && m.owner == ALICE);
    m1 = m.id;
    m2 = add_member(txn, fam, BOB);
    m3 = add_member(txn, work, CAROL);
    add_member(txn, bobs, CAROL);

    m = (struct store_membership){0, fam, 0, CAROL};
    assert_int_equal(store_membership_add(txn, &m), POD_ERR_EXISTS);
    m = (struct store_membership){0, 999, 0, CAROL};
    assert_int_equal(store_membership_add(txn, &m), POD_ERR_NOTFOUND);
    m = (struct store_membership){0, bobs, ALICE, DAVE}; /* Bob's aspect */
    assert_int_equal(store_membership_add(txn, &m), POD_ERR_AUTH);
    m = (struct store_membership){0, fam, ALICE, DAVE};
    assert_int_equal(store_membership_add(txn, &m), POD_OK);
    m = (struct store_membership){0, 0, 0, DAVE};
    assert_int_equal(store_membership_add(txn, &m), POD_ERR_INVAL);
    m = (struct store_membership){0, fam, 0, 0};
    assert_int_equal(store_membership_add(txn, &m), POD_ERR_INVAL);
    assert_int_equal(store_membership_add(txn, NULL), POD_ERR_INVAL);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_membership_get(txn, m1, &got), POD_OK);
    assert_true(got.id == m1 && got.aspect == fam && got.owner == ALICE && got.person == CAROL);
    /* Members of an aspect, in person order. */
    assert_int_equal(members_of_aspect(txn, fam, &s), 3);
    assert_true(s.v[0][2] == BOB && s.v[0][0] == m2);
    assert_true(s.v[1][2] == CAROL && s.v[1][0] == m1);
    assert_true(s.v[2][2] == DAVE);
    /* The owner's aspects holding a person, in aspect order. */
    assert_int_equal(members_of_person(txn, ALICE, CAROL, &s), 2);
    assert_true(s.v[0][1] == fam && s.v[1][1] == work);
    assert_true(s.v[1][0] == m3);
    assert_int_equal(members_of_person(txn, BOB, CAROL, &s), 1);
    assert_true(s.v[0][1] == bobs);
    assert_int_equal(members_of_person(txn, ALICE, ALICE, &s), 0);
    assert_int_equal(store_membership_delete(txn, m1), POD_ERR_INVAL); /* read-only */
    assert_int_equal(store_membership_get(txn, 0, &got), POD_ERR_INVAL);
    assert_int_equal(store_memberships_of_aspect(txn, 0, on_membership, &s), POD_ERR_INVAL);
    assert_int_equal(store_memberships_of_person(txn, ALICE, 0, on_membership, &s), POD_ERR_INVAL);
    assert_int_equal(store_memberships_of_person(txn, ALICE, BOB, NULL, &s), POD_ERR_INVAL);
    store_txn_abort(txn);

    txn = wtxn(f);
    assert_int_equal(store_membership_delete(txn, m1), POD_OK);
    assert_int_equal(store_membership_get(txn, m1, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_membership_delete(txn, m1), POD_ERR_NOTFOUND);
    assert_int_equal(store_membership_delete(txn, 0), POD_ERR_INVAL);
    assert_int_equal(members_of_aspect(txn, fam, &s), 2);
    assert_true(s.v[0][2] == BOB && s.v[1][2] == DAVE);
    assert_int_equal(members_of_person(txn, ALICE, CAROL, &s), 1);
    assert_true(s.v[0][0] == m3);
    /* Freed: the person may join the aspect again. */
    m1 = add_member(txn, fam, CAROL);
    assert_int_equal(members_of_person(txn, ALICE, CAROL, &s), 2);
    commit(txn);
}

/* Deletes each membership it is shown: iterators let callbacks write. */
static int
delete_membership(const struct store_membership *m, void *ctx)
{
    struct store_txn *txn = ctx;

    return store_membership_delete(txn, m->id);
}

static void
test_iterator_callbacks_may_write(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    uint64_t fam = add_aspect(txn, ALICE, "Family");
    uint64_t work = add_aspect(txn, ALICE, "Work");
    uint64_t club = add_aspect(txn, ALICE, "Club");
    struct seen s;

    add_member(txn, fam, BOB);
    add_member(txn, work, BOB);
    add_member(txn, club, BOB);
    add_member(txn, work, CAROL);
    assert_int_equal(store_memberships_of_person(txn, ALICE, BOB, delete_membership, txn), POD_OK);
    assert_int_equal(members_of_person(txn, ALICE, BOB, &s), 0);
    assert_int_equal(members_of_aspect(txn, work, &s), 1);
    assert_true(s.v[0][2] == CAROL);
    commit(txn);
}

static void
test_blocks(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    uint64_t b1 = 0;
    uint64_t b2 = 0;
    uint64_t b3 = 0;
    struct seen s;

    assert_int_equal(store_block_add(txn, ALICE, DAVE, &b1), POD_OK);
    assert_int_equal(store_block_add(txn, ALICE, BOB, &b2), POD_OK);
    assert_int_equal(store_block_add(txn, CAROL, DAVE, &b3), POD_OK);
    assert_true(b1 != 0 && b2 != 0 && b3 != 0 && b1 != b2);
    assert_int_equal(store_block_add(txn, ALICE, DAVE, &b3), POD_ERR_EXISTS);
    assert_true(b3 == 0);
    assert_int_equal(store_block_add(txn, ALICE, ALICE, NULL), POD_ERR_INVAL);
    assert_int_equal(store_block_add(txn, 0, DAVE, NULL), POD_ERR_INVAL);
    assert_int_equal(store_block_add(txn, ALICE, 0, NULL), POD_ERR_INVAL);
    commit(txn);

    txn = rtxn(f);
    assert_true(store_block_exists(txn, ALICE, DAVE));
    assert_true(store_block_exists(txn, ALICE, BOB));
    assert_false(store_block_exists(txn, DAVE, ALICE)); /* one-way */
    assert_false(store_block_exists(txn, ALICE, CAROL));
    assert_false(store_block_exists(NULL, ALICE, DAVE));
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_blocks_each(txn, ALICE, on_block, &s), POD_OK);
    assert_int_equal(s.n, 2);
    assert_true(s.v[0][1] == BOB && s.v[0][0] == b2);
    assert_true(s.v[1][1] == DAVE && s.v[1][0] == b1);
    assert_int_equal(store_blocks_each(txn, ALICE, NULL, &s), POD_ERR_INVAL);
    assert_int_equal(store_block_add(txn, ALICE, CAROL, NULL), POD_ERR_INVAL);
    assert_int_equal(store_block_delete(txn, b1, ALICE), POD_ERR_INVAL);
    store_txn_abort(txn);

    txn = wtxn(f);
    /* Only the owner lifts a block. */
    assert_int_equal(store_block_delete(txn, b1, CAROL), POD_ERR_AUTH);
    assert_true(store_block_exists(txn, ALICE, DAVE));
    assert_int_equal(store_block_delete(txn, b1, ALICE), POD_OK);
    assert_false(store_block_exists(txn, ALICE, DAVE));
    assert_true(store_block_exists(txn, CAROL, DAVE));
    assert_int_equal(store_block_delete(txn, b1, ALICE), POD_ERR_NOTFOUND);
    assert_int_equal(store_block_delete(txn, 0, ALICE), POD_ERR_INVAL);
    assert_int_equal(store_block_delete(txn, b2, 0), POD_ERR_INVAL);
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_blocks_each(txn, ALICE, on_block, &s), POD_OK);
    assert_int_equal(s.n, 1);
    assert_true(s.v[0][1] == BOB);
    /* Blocking again after lifting works, under a new id. */
    assert_int_equal(store_block_add(txn, ALICE, DAVE, &b3), POD_OK);
    assert_true(b3 > b2);
    commit(txn);
}

static void
test_tag_follows(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    char tag[STORE_TAG_NAME_MAX + 2];
    uint64_t t1 = 0;
    uint64_t t2 = 0;
    uint64_t t3 = 0;
    uint64_t other = 0;
    struct seen s;

    assert_int_equal(store_tag_follow(txn, ALICE, "photography", &t1), POD_OK);
    assert_int_equal(store_tag_follow(txn, ALICE, "caf\xc3\xa9", &t2), POD_OK);
    assert_int_equal(store_tag_follow(txn, ALICE, "c-3_po", &t3), POD_OK);
    assert_int_equal(store_tag_follow(txn, BOB, "photography", &other), POD_OK);
    assert_true(t1 && t2 && t3 && other && t1 != other);
    assert_int_equal(store_tag_follow(txn, ALICE, "photography", &t3), POD_ERR_EXISTS);
    assert_true(t3 == 0);
    assert_int_equal(store_tag_follow(txn, ALICE, "Photography", NULL), POD_ERR_INVAL);
    assert_int_equal(store_tag_follow(txn, ALICE, "#photo", NULL), POD_ERR_INVAL);
    assert_int_equal(store_tag_follow(txn, ALICE, "two words", NULL), POD_ERR_INVAL);
    assert_int_equal(store_tag_follow(txn, ALICE, "", NULL), POD_ERR_INVAL);
    assert_int_equal(store_tag_follow(txn, ALICE, NULL, NULL), POD_ERR_INVAL);
    assert_int_equal(store_tag_follow(txn, 0, "photo", NULL), POD_ERR_INVAL);
    memset(tag, 'a', STORE_TAG_NAME_MAX);
    tag[STORE_TAG_NAME_MAX] = '\0';
    assert_int_equal(store_tag_follow(txn, ALICE, tag, NULL), POD_OK);
    tag[STORE_TAG_NAME_MAX] = 'a';
    tag[STORE_TAG_NAME_MAX + 1] = '\0';
    assert_int_equal(store_tag_follow(txn, ALICE, tag, NULL), POD_ERR_LIMIT);
    commit(txn);

    txn = rtxn(f);
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_tags_followed_each(txn, ALICE, on_tag, &s), POD_OK);
    assert_int_equal(s.n, 4); /* in byte order */
    assert_int_equal(strlen(s.names[0]), STORE_TAG_NAME_MAX);
    assert_string_equal(s.names[1], "c-3_po");
    assert_string_equal(s.names[2], "caf\xc3\xa9");
    assert_true(s.v[2][0] == t2);
    assert_string_equal(s.names[3], "photography");
    assert_true(s.v[3][0] == t1);
    assert_int_equal(store_tags_followed_each(txn, ALICE, NULL, &s), POD_ERR_INVAL);
    assert_int_equal(store_tag_unfollow(txn, ALICE, t1), POD_ERR_INVAL); /* read-only */
    store_txn_abort(txn);

    txn = wtxn(f);
    /* Someone else's follow cannot be removed. */
    assert_int_equal(store_tag_unfollow(txn, BOB, t1), POD_ERR_AUTH);
    assert_int_equal(store_tag_unfollow(txn, ALICE, t1), POD_OK);
    assert_int_equal(store_tag_unfollow(txn, ALICE, t1), POD_ERR_NOTFOUND);
    assert_int_equal(store_tag_unfollow(txn, ALICE, 0), POD_ERR_INVAL);
    assert_int_equal(store_tag_unfollow(txn, 0, other), POD_ERR_INVAL);
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_tags_followed_each(txn, ALICE, on_tag, &s), POD_OK);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.names[2], "caf\xc3\xa9");
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_tags_followed_each(txn, BOB, on_tag, &s), POD_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.names[0], "photography");
    /* Following again after unfollowing works. */
    assert_int_equal(store_tag_follow(txn, ALICE, "photography", &t3), POD_OK);
    assert_true(t3 > t1);
    commit(txn);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_aspect_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aspect_order_and_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aspect_delete_cascades, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contacts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_followers_follow_sharing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memberships, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iterator_callbacks_may_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tag_follows, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
