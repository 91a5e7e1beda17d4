/*
 * test_fed_account.c - profiles and account deletion/migration over
 * federation: federation/outbound_account.c (profile jobs and XML, the
 * presigned account_deletion of social/account_delete.c, sent by
 * task/fed_outbox_task.c as it is) and social/federated_account.c
 * (received account_deletion and account_migration, with the oracle
 * vectors), on a real store.
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
#include "federation/entity.h"
#include "federation/envelope.h"
#include "federation/inbound.h"
#include "federation/outbound_account.h"
#include "federation/private_envelope.h"
#include "social/account_delete.h"
#include "social/federated.h"
#include "store/accounts.h"
#include "store/contacts.h"
#include "store/fed_inbox.h"
#include "store/fed_outbox.h"
#include "store/people.h"
#include "store/posts.h"
#include "task/fed_outbox_task.h"

#define V         POD_VECTORS_DIR
#define PUB_SPEC  V "/keys/spec_key_1024_public.pem"
#define PRIV_SPEC V "/keys/spec_key_1024_private.pem"
#define PUB_4096  V "/keys/oracle_key_4096_public.pem"
#define PRIV_4096 V "/keys/oracle_key_4096_private.pem"
#define ORA       V "/oracle_envelopes/"

#define NOW      1750000000
#define MAX_JOBS 8

struct jobs {
    struct store_outbox_job j[MAX_JOBS];
    size_t count;
};

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

/* A local account on host with the spec key pair (or none). */
static uint64_t
local_user(struct store_txn *txn, const char *name, const char *host, const char *guid, bool key)
{
    return storetest_local_user_files(txn, name, host, guid, key ? PRIV_SPEC : NULL,
                                      key ? PUB_SPEC : NULL, 1700000000);
}

/* A remote person with the public key in keyfile, on https://<did host>/. */
static uint64_t
remote(struct store_txn *txn, const char *did, const char *guid, const char *keyfile)
{
    return storetest_remote_person_file(txn, did, guid, keyfile, true);
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

static uint64_t
aspect_with(struct store_txn *txn, uint64_t owner, const char *name, uint64_t person)
{
    struct store_aspect as;
    struct store_membership m;

    memset(&as, 0, sizeof as);
    as.owner = owner;
    snprintf(as.name, sizeof as.name, "%s", name);
    assert_int_equal(store_aspect_add(txn, &as), POD_OK);
    memset(&m, 0, sizeof m);
    m.aspect = as.id;
    m.person = person;
    assert_int_equal(store_membership_add(txn, &m), POD_OK);
    return as.id;
}

static uint64_t
post(struct store_txn *txn, const char *guid, uint64_t author, enum store_post_type type,
     uint64_t root)
{
    struct store_post p;

    memset(&p, 0, sizeof p);
    snprintf(p.guid, sizeof p.guid, "%s", guid);
    p.author = author;
    p.type = type;
    p.root = root;
    p.public = true;
    p.text = type == STORE_POST_STATUS ? "a post" : "";
    p.created_at = 1700000000;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    return p.id;
}

static uint64_t
comment(struct store_txn *txn, const char *guid, uint64_t on, uint64_t author)
{
    struct store_comment c;

    memset(&c, 0, sizeof c);
    snprintf(c.guid, sizeof c.guid, "%s", guid);
    c.post = on;
    c.author = author;
    c.text = "a comment";
    c.created_at = 1700000100;
    assert_int_equal(store_comment_add(txn, &c), POD_OK);
    return c.id;
}

static void
like(struct store_txn *txn, const char *guid, uint64_t on, uint64_t author)
{
    struct store_like l;

    memset(&l, 0, sizeof l);
    snprintf(l.guid, sizeof l.guid, "%s", guid);
    l.target_type = STORE_LIKE_POST;
    l.target = on;
    l.author = author;
    l.positive = true;
    l.created_at = 1700000200;
    assert_int_equal(store_like_add(txn, &l), POD_OK);
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

/* The body of job as the task sends it, opened again: the verified
 * envelope (signed by the spec key of sender_did). */
static void
open_job(struct fixture *f, const struct store_outbox_job *job, const char *sender_did,
         struct fed_envelope *env)
{
    struct store_txn *txn = rtxn(f);
    const char *ctype = NULL;
    char why[256] = "", *body = NULL, *xml, *priv;
    size_t len = 0, xml_len;

    assert_int_equal(
        task_fed_outbox_prepare(txn, job, &f->arena, &body, &len, &ctype, why, sizeof why), POD_OK);
    store_txn_abort(txn);
    if (job->kind == STORE_OUTBOX_PRIVATE) {
        assert_string_equal(ctype, FED_PRIVATE_CONTENT_TYPE);
        priv = test_slurp(PRIV_4096, NULL);
        assert_int_equal(fed_private_envelope_decrypt(body, len, priv, &f->arena, &xml, &xml_len,
                                                      why, sizeof why),
                         POD_OK);
        free(priv);
    } else {
        assert_string_equal(ctype, FED_ENVELOPE_CONTENT_TYPE);
        xml = body;
        xml_len = len;
    }
    char *pub = test_slurp(PUB_SPEC, NULL);
    assert_int_equal(fed_envelope_parse(xml, xml_len, &f->arena, env, why, sizeof why), POD_OK);
    assert_int_equal(fed_envelope_verify(env, pub, why, sizeof why), POD_OK);
    free(pub);
    assert_string_equal(env->sender, sender_did);
}

static struct fed_entity *
entity_of(struct fixture *f, const char *xml, size_t len)
{
    struct fed_entity *e;
    char why[256] = "";

    assert_int_equal(fed_entity_parse(xml, len, &f->arena, &e, why, sizeof why), POD_OK);
    if (fed_entity_validate(e, why, sizeof why) != POD_OK)
        fail_msg("invalid entity: %s\n%.*s", why, (int)len, xml);
    return e;
}

static void
alice_profile(struct store_profile *p, bool public_details)
{
    memset(p, 0, sizeof *p);
    snprintf(p->first_name, sizeof p->first_name, "Alice");
    snprintf(p->last_name, sizeof p->last_name, "Smith");
    snprintf(p->bio, sizeof p->bio, "some text about me");
    snprintf(p->birthday, sizeof p->birthday, "1988-07-15");
    snprintf(p->gender, sizeof p->gender, "Male");
    snprintf(p->location, sizeof p->location, "github");
    snprintf(p->tags[0], sizeof p->tags[0], "i");
    snprintf(p->tags[1], sizeof p->tags[1], "love");
    snprintf(p->tags[3], sizeof p->tags[3], "tags");
    p->searchable = true;
    p->public_details = public_details;
    p->updated_at = 1516670396; /* 2018-01-23T01:19:56Z */
}

static const struct fed_profile_images vector_images = {
    "https://example.org/images/thumb_large_a795f872c93309597345.jpg",
    "https://example.org/images/thumb_medium_a795f872c93309597345.jpg",
    "https://example.org/images/thumb_small_a795f872c93309597345.jpg",
};

/* ------------------------------------------------------------ profile */

static void
test_profile_xml_is_the_vector(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_profile p;
    char *xml, *want;
    size_t len, want_len;
    uint64_t alice = local_user(txn, "alice", "example.org", "1111111111111111aaaa", false);

    alice_profile(&p, false);
    assert_int_equal(
        fed_outbound_profile_xml(txn, alice, &p, &vector_images, true, &f->arena, &xml, &len),
        POD_OK);
    commit(txn);
    want = test_slurp(ORA "profile.payload.xml", &want_len);
    assert_int_equal(len, want_len);
    assert_memory_equal(xml, want, len);
    free(want);
    (void)entity_of(f, xml, len);
}

static void
test_profile_public_one_job_per_pod(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_profile p;
    struct fed_envelope env;
    struct fed_entity *e;
    struct jobs js;
    uint64_t alice, bob, dan, carol, eve;

    alice = local_user(txn, "alice", "a.example", "1111111111111111aaaa", true);
    eve = local_user(txn, "eve", "a.example", "5555555555555555eeee", false);
    bob = remote(txn, "bob@b.example", "2222222222222222bbbb", PUB_4096);
    dan = remote(txn, "dan@b.example", "4444444444444444dddd", PUB_4096);
    carol = remote(txn, "carol@c.example", "3333333333333333cccc", PUB_4096);
    contact(txn, alice, bob, false, true);
    contact(txn, alice, dan, true, true);
    contact(txn, alice, carol, true, false);
    contact(txn, alice, eve, true, true); /* local: no job */
    alice_profile(&p, true);
    assert_int_equal(fed_outbound_profile(txn, alice, &p, &vector_images, &f->arena), POD_OK);
    commit(txn);

    drain(f, &js);
    assert_int_equal(js.count, 2);
    for (size_t i = 0; i < js.count; i++) {
        assert_int_equal(js.j[i].kind, STORE_OUTBOX_PUBLIC);
        assert_int_equal(js.j[i].author, alice);
        open_job(f, &js.j[i], "alice@a.example", &env);
        e = entity_of(f, env.payload, env.payload_len);
        assert_string_equal(e->type, "profile");
        assert_string_equal(fed_entity_get(e, "author"), "alice@a.example");
        assert_string_equal(fed_entity_get(e, "public"), "true");
        assert_string_equal(fed_entity_get(e, "bio"), "some text about me");
        assert_string_equal(fed_entity_get(e, "full_name"), "Alice Smith");
        assert_string_equal(fed_entity_get(e, "tag_string"), "#i #love #tags");
        assert_string_equal(fed_entity_get(e, "image_url_small"), vector_images.small);
    }
    assert_true(strcmp(js.j[0].url, "https://b.example/receive/public") == 0 ||
                strcmp(js.j[1].url, "https://b.example/receive/public") == 0);
    assert_true(strcmp(js.j[0].url, "https://c.example/receive/public") == 0 ||
                strcmp(js.j[1].url, "https://c.example/receive/public") == 0);
}

static void
test_profile_private_to_each_contact(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_profile p;
    struct fed_envelope env;
    struct fed_entity *e;
    struct jobs js;
    uint64_t alice, bob, dan;

    alice = local_user(txn, "alice", "a.example", "1111111111111111aaaa", true);
    bob = remote(txn, "bob@b.example", "2222222222222222bbbb", PUB_4096);
    dan = remote(txn, "dan@b.example", "4444444444444444dddd", PUB_4096);
    contact(txn, alice, bob, true, true);
    contact(txn, alice, dan, false, true);
    alice_profile(&p, false);
    p.avatar[0] = '\0';
    assert_int_equal(fed_outbound_profile(txn, alice, &p, NULL, &f->arena), POD_OK);
    /* Not a local person: refused. */
    assert_int_equal(fed_outbound_profile(txn, bob, &p, NULL, &f->arena), POD_ERR_INVAL);
    commit(txn);

    drain(f, &js);
    assert_int_equal(js.count, 2);
    for (size_t i = 0; i < js.count; i++) {
        assert_int_equal(js.j[i].kind, STORE_OUTBOX_PRIVATE);
        assert_true(js.j[i].recipient == bob || js.j[i].recipient == dan);
        open_job(f, &js.j[i], "alice@a.example", &env);
        e = entity_of(f, env.payload, env.payload_len);
        assert_string_equal(fed_entity_get(e, "public"), "false");
        assert_string_equal(fed_entity_get(e, "birthday"), "1988-07-15");
        assert_null(fed_entity_get(e, "image_url"));
    }
}

/* ------------------------------------------------------------ deletion out */

static void
test_account_deletion_presigned(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct social_deleted_files *files = malloc(sizeof *files);
    struct store_person gone;
    struct fed_envelope env;
    struct jobs js;
    char key[STORE_PEM_MAX];
    uint64_t alice, bob, dan, carol, eve, zed, root;
    bool b = false, c = false, e = false;

    assert_non_null(files);
    alice = local_user(txn, "alice", "a.example", "1111111111111111aaaa", true);
    zed = local_user(txn, "zed", "a.example", "6666666666666666ffff", true);
    bob = remote(txn, "bob@b.example", "2222222222222222bbbb", PUB_4096);
    dan = remote(txn, "dan@b.example", "4444444444444444dddd", PUB_4096);
    carol = remote(txn, "carol@c.example", "3333333333333333cccc", PUB_4096);
    eve = remote(txn, "eve@e.example", "7777777777777777eeee", PUB_4096);
    contact(txn, alice, bob, true, true);
    contact(txn, alice, dan, false, true);
    contact(txn, alice, carol, true, false);
    contact(txn, alice, zed, true, true);
    root = post(txn, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", alice, STORE_POST_STATUS, 0);
    (void)post(txn, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", eve, STORE_POST_RESHARE, root);
    assert_int_equal(social_account_delete(txn, "alice", files), POD_OK);
    commit(txn);
    free(files);

    /* The account and its key are gone... */
    txn = rtxn(f);
    assert_int_equal(store_person_get(txn, alice, &gone), POD_ERR_NOTFOUND);
    assert_int_not_equal(store_user_private_key_get(txn, "alice", key, sizeof key), POD_OK);
    store_txn_abort(txn);
    /* ...yet the jobs send a deletion signed by it: one per pod of the
     * contacts and of the resharer. */
    drain(f, &js);
    assert_int_equal(js.count, 3);
    for (size_t i = 0; i < js.count; i++) {
        struct fed_entity *ent;

        assert_int_equal(js.j[i].kind, STORE_OUTBOX_PUBLIC_SIGNED);
        assert_int_equal(js.j[i].author, alice);
        b |= strcmp(js.j[i].url, "https://b.example/receive/public") == 0;
        c |= strcmp(js.j[i].url, "https://c.example/receive/public") == 0;
        e |= strcmp(js.j[i].url, "https://e.example/receive/public") == 0;
        open_job(f, &js.j[i], "alice@a.example", &env);
        assert_string_equal(env.payload, "<account_deletion>\n  <author>alice@a.example</author>\n"
                                         "</account_deletion>");
        ent = entity_of(f, env.payload, env.payload_len);
        assert_string_equal(ent->type, "account_deletion");
    }
    assert_true(b && c && e);
}

static void
test_account_deletion_without_key_or_remotes(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct jobs js;
    uint64_t nokey, lonely, bob;

    nokey = local_user(txn, "nokey", "a.example", "1111111111111111aaaa", false);
    lonely = local_user(txn, "lonely", "a.example", "2222222222222222aaaa", true);
    bob = remote(txn, "bob@b.example", "2222222222222222bbbb", PUB_4096);
    contact(txn, nokey, bob, true, true);
    contact(txn, lonely, nokey, true, true);
    (void)lonely;
    assert_int_equal(social_account_delete(txn, "nokey", NULL), POD_OK);
    assert_int_equal(social_account_delete(txn, "lonely", NULL), POD_OK);
    commit(txn);
    drain(f, &js);
    assert_int_equal(js.count, 0);
}

/* ------------------------------------------------------------ deletion in */

static int
count_contact(const struct store_contact *c, void *ctx)
{
    (void)c;
    (*(int *)ctx)++;
    return 0;
}

static int
count_membership(const struct store_membership *m, void *ctx)
{
    (void)m;
    (*(int *)ctx)++;
    return 0;
}

/* social_fed_apply of the entity xml from stored person sender (author
 * is the other identity of a migration, or NULL). */
static int
apply(struct fixture *f, const char *xml, size_t len, uint64_t sender, uint64_t author,
      bool public_route, char *why, size_t why_len)
{
    struct store_txn *txn = wtxn(f);
    struct store_person s, au;
    struct social_fed_in in;
    int rc;

    memset(&in, 0, sizeof in);
    in.entity = entity_of(f, xml, len);
    assert_int_equal(store_person_get(txn, sender, &s), POD_OK);
    in.sender = &s;
    if (author) {
        assert_int_equal(store_person_get(txn, author, &au), POD_OK);
        in.author = &au;
    }
    in.public_route = public_route;
    in.now = NOW;
    rc = social_fed_apply(txn, &in, &f->arena, why, why_len);
    print_message("  apply: %s %s\n", pod_strerror(rc), why);
    if (rc == POD_OK)
        commit(txn);
    else
        store_txn_abort(txn);
    return rc;
}

static void
test_inbound_deletion(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_person p;
    struct store_post sp;
    struct store_comment cm;
    struct store_like l;
    char *xml, why[256] = "";
    size_t len;
    int n;
    uint64_t bob, alice, mine, hers, ac, bc, carol;

    bob = local_user(txn, "bob", "b.example", "2222222222222222bbbb", true);
    alice = remote(txn, "alice@example.org", "1111111111111111aaaa", PUB_SPEC);
    carol = remote(txn, "carol@c.example", "3333333333333333cccc", PUB_4096);
    contact(txn, bob, alice, true, true);
    contact(txn, bob, carol, true, true);
    (void)aspect_with(txn, bob, "Friends", alice);
    mine = post(txn, "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", bob, STORE_POST_STATUS, 0);
    hers = post(txn, "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", alice, STORE_POST_STATUS, 0);
    ac = comment(txn, "ac0000000000000000000000000000ac", mine, alice);
    bc = comment(txn, "bc0000000000000000000000000000bc", hers, bob);
    like(txn, "a1ce0000000000000000000000000001", mine, alice);
    like(txn, "ca401000000000000000000000000001", mine, carol);
    assert_int_equal(store_participation_set(txn, alice, mine, true), POD_OK);
    commit(txn);

    xml = test_slurp(ORA "account_deletion.payload.xml", &len);
    assert_int_equal(apply(f, xml, len, alice, 0, true, why, sizeof why), POD_OK);
    /* Twice: nothing more to do. */
    assert_int_equal(apply(f, xml, len, alice, 0, true, why, sizeof why), POD_OK);
    free(xml);

    txn = rtxn(f);
    assert_int_equal(store_post_get(txn, hers, &f->arena, &sp), POD_ERR_NOTFOUND);
    assert_int_equal(store_post_get(txn, mine, &f->arena, &sp), POD_OK);
    assert_int_equal(store_comment_get(txn, ac, &f->arena, &cm), POD_ERR_NOTFOUND);
    assert_int_equal(store_comment_get(txn, bc, &f->arena, &cm), POD_ERR_NOTFOUND);
    assert_int_equal(store_like_find(txn, STORE_LIKE_POST, mine, alice, &l), POD_ERR_NOTFOUND);
    assert_int_equal(store_like_find(txn, STORE_LIKE_POST, mine, carol, &l), POD_OK);
    assert_false(store_participation_get(txn, alice, mine));
    struct store_contact c;
    assert_int_equal(store_contact_get(txn, bob, alice, &c), POD_ERR_NOTFOUND);
    assert_int_equal(store_contact_get(txn, bob, carol, &c), POD_OK);
    n = 0;
    assert_int_equal(store_memberships_of_person(txn, bob, alice, count_membership, &n), POD_OK);
    assert_int_equal(n, 0);
    n = 0;
    assert_true(store_followers_each(txn, alice, count_contact, &n) >= 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_person_get(txn, alice, &p), POD_OK);
    assert_true(p.closed);
    assert_int_equal(p.moved_to, 0);
    store_txn_abort(txn);
}

static void
test_inbound_deletion_of_local_refused(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    const char *xml = "<account_deletion>\n  <author>alice@example.org</author>\n"
                      "</account_deletion>";
    char why[256] = "";
    uint64_t alice = local_user(txn, "alice", "example.org", "1111111111111111aaaa", true);

    commit(txn);
    assert_int_equal(apply(f, xml, strlen(xml), alice, 0, true, why, sizeof why), POD_ERR_AUTH);
}

/* ------------------------------------------------------------ migration */

struct migration {
    uint64_t bob, old_p, new_p, other, aspect;
};

static void
migration_setup(struct fixture *f, struct migration *m)
{
    struct store_txn *txn = wtxn(f);
    uint64_t id;

    m->bob = local_user(txn, "bob", "b.example", "2222222222222222bbbb", true);
    m->old_p = remote(txn, "alice@example.org", "1111111111111111aaaa", PUB_SPEC);
    m->new_p = remote(txn, "alice@newpod.example.net", "9999999999999999aaaa", PUB_4096);
    m->other = remote(txn, "carol@c.example", "3333333333333333cccc", PUB_4096);
    contact(txn, m->bob, m->old_p, true, false);
    contact(txn, m->bob, m->other, true, true);
    m->aspect = aspect_with(txn, m->bob, "Friends", m->old_p);
    assert_int_equal(store_block_add(txn, m->bob, m->other, &id), POD_OK);
    commit(txn);
}

static void
test_migration_vector(void **state)
{
    struct fixture *f = *state;
    struct migration m;
    struct store_txn *txn;
    struct store_person p;
    struct store_contact c;
    char *xml, why[256] = "";
    size_t len;
    int n;

    migration_setup(f, &m);
    xml = test_slurp(ORA "account_migration.payload.xml", &len);
    /* The other identity not known (yet): retry later. */
    assert_int_equal(apply(f, xml, len, m.old_p, 0, true, why, sizeof why), POD_ERR_NOTFOUND);
    assert_string_equal(why, "other identity unknown");
    /* The wrong other identity. */
    assert_int_equal(apply(f, xml, len, m.old_p, m.other, true, why, sizeof why), POD_ERR_AUTH);
    assert_int_equal(apply(f, xml, len, m.old_p, m.new_p, true, why, sizeof why), POD_OK);
    assert_int_equal(apply(f, xml, len, m.old_p, m.new_p, true, why, sizeof why), POD_OK);
    free(xml);

    txn = rtxn(f);
    assert_int_equal(store_contact_get(txn, m.bob, m.old_p, &c), POD_ERR_NOTFOUND);
    assert_int_equal(store_contact_get(txn, m.bob, m.new_p, &c), POD_OK);
    assert_true(c.sharing);
    assert_false(c.receiving);
    n = 0;
    assert_int_equal(store_memberships_of_person(txn, m.bob, m.new_p, count_membership, &n),
                     POD_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(store_memberships_of_person(txn, m.bob, m.old_p, count_membership, &n),
                     POD_OK);
    assert_int_equal(n, 0);
    n = 0;
    assert_true(store_followers_each(txn, m.new_p, count_contact, &n) >= 0);
    assert_int_equal(n, 1);
    n = 0;
    assert_true(store_followers_each(txn, m.old_p, count_contact, &n) >= 0);
    assert_int_equal(n, 0);
    assert_true(store_block_exists(txn, m.bob, m.other));
    assert_int_equal(store_person_get(txn, m.old_p, &p), POD_OK);
    assert_true(p.closed);
    assert_int_equal(p.moved_to, m.new_p);
    assert_int_equal(store_person_get(txn, m.new_p, &p), POD_OK);
    assert_false(p.closed);
    assert_string_equal(p.first_name, "my name");
    assert_true(p.searchable);
    store_txn_abort(txn);
}

static void
test_migration_tampered(void **state)
{
    struct fixture *f = *state;
    struct migration m;
    struct store_txn *txn;
    struct store_contact c;
    char *xml, *sig, why[256] = "";
    size_t len;

    migration_setup(f, &m);
    xml = test_slurp(ORA "account_migration.payload.xml", &len);
    sig = strstr(xml, "<signature>");
    assert_non_null(sig);
    sig += strlen("<signature>") + 10;
    *sig = *sig == 'A' ? 'B' : 'A';
    assert_int_equal(apply(f, xml, len, m.old_p, m.new_p, true, why, sizeof why), POD_ERR_SIG);
    free(xml);
    /* Signed by the author itself instead of the other identity. */
    xml = test_slurp(ORA "account_migration.payload.xml", &len);
    txn = wtxn(f);
    {
        struct store_person np;
        char *spec = test_slurp(PUB_SPEC, NULL);

        assert_int_equal(store_person_get(txn, m.new_p, &np), POD_OK);
        snprintf(np.public_key, sizeof np.public_key, "%s", spec);
        assert_int_equal(store_person_update(txn, &np), POD_OK);
        free(spec);
    }
    commit(txn);
    assert_int_equal(apply(f, xml, len, m.old_p, m.new_p, true, why, sizeof why), POD_ERR_SIG);
    free(xml);

    txn = rtxn(f);
    assert_int_equal(store_contact_get(txn, m.bob, m.old_p, &c), POD_OK);
    assert_int_equal(store_contact_get(txn, m.bob, m.new_p, &c), POD_ERR_NOTFOUND);
    store_txn_abort(txn);
}

static int64_t
fixed_now(void)
{
    return NOW;
}

/* The oracle envelope body delivered to /receive/public and processed. */
static enum fed_inbound_outcome
deliver_file(struct fixture *f, const char *path)
{
    struct fed_inbound_ctx ctx = {f->st, NULL, fixed_now};
    struct store_txn *txn = wtxn(f);
    struct store_inbox_item it;
    enum fed_inbound_outcome o;
    char why[256] = "", *body;
    uint64_t id;
    size_t len;

    body = test_slurp(path, &len);
    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, body, len, 1, &id), POD_OK);
    commit(txn);
    free(body);
    txn = rtxn(f);
    assert_int_equal(store_inbox_oldest(txn, id - 1, &f->arena, &it), POD_OK);
    store_txn_abort(txn);
    o = fed_inbound_process(&ctx, &it, why, sizeof why);
    print_message("  outcome %d: %s\n", (int)o, why);
    txn = wtxn(f);
    (void)store_inbox_delete(txn, id);
    commit(txn);
    return o;
}

static void
test_migration_envelope(void **state)
{
    struct fixture *f = *state;
    struct migration m;
    struct store_txn *txn;
    struct store_person p;
    struct store_contact c;

    migration_setup(f, &m);
    assert_int_equal(deliver_file(f, ORA "account_migration.envelope.xml"), FED_INBOUND_DONE);
    assert_int_equal(deliver_file(f, ORA "account_migration.envelope.xml"), FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_int_equal(store_contact_get(txn, m.bob, m.new_p, &c), POD_OK);
    assert_int_equal(store_contact_get(txn, m.bob, m.old_p, &c), POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get(txn, m.old_p, &p), POD_OK);
    assert_int_equal(p.moved_to, m.new_p);
    store_txn_abort(txn);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_profile_xml_is_the_vector, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_public_one_job_per_pod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_private_to_each_contact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_deletion_presigned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_deletion_without_key_or_remotes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_inbound_deletion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbound_deletion_of_local_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_vector, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_tampered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_envelope, setup, teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
