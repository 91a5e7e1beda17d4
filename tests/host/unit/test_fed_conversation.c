/*
 * test_fed_conversation.c - private conversations over federation:
 * social/conversations.c (local start and reply), the jobs of
 * federation/outbound_conversation.c (one encrypted copy per remote
 * participant, XML as the reference library writes it: vectors
 * oracle_envelopes/conversation and message), and applying received
 * <conversation> and <message> entities (social/federated_conversation.c
 * through social_fed_apply), on a real store.
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
#include "federation/outbound_conversation.h"
#include "federation/private_envelope.h"
#include "social/conversations.h"
#include "social/federated.h"
#include "store/accounts.h"
#include "store/contacts.h"
#include "store/conversations.h"
#include "store/fed_outbox.h"
#include "store/people.h"
#include "task/fed_outbox_task.h"

#define V        POD_VECTORS_DIR
#define CONV_XML V "/oracle_envelopes/conversation.payload.xml"
#define MSG_XML  V "/oracle_envelopes/message.payload.xml"
#define ENT_CONV V "/entities/conversation.xml"

#define CONV_GUID "9b1376a029eb013487753131731751e9"
#define MSG_GUID  "5cc5692029eb013487753131731751e9"
#define VEC_TIME  1468279068 /* 2016-07-11T23:17:48Z */
#define NOW       1750000000

/* Keys made once for the whole run (generation is slow). */
static char local_priv[STORE_PEM_MAX], local_pub[STORE_PEM_MAX];
static char remote_priv[STORE_PEM_MAX], remote_pub[STORE_PEM_MAX];

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
    if (crypto_rsa_generate(1024, local_priv, sizeof local_priv, local_pub, sizeof local_pub) !=
        POD_OK)
        return -1;
    return crypto_rsa_generate(1024, remote_priv, sizeof remote_priv, remote_pub,
                               sizeof remote_pub) == POD_OK
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

/* A local account name@host (with the local key pair when key). */
static uint64_t
local_user(struct store_txn *txn, const char *name, const char *host, const char *guid, bool key)
{
    return storetest_local_user(txn, name, host, guid, key ? local_priv : NULL,
                                key ? local_pub : NULL, 1700000000);
}

static uint64_t
remote_person(struct store_txn *txn, const char *did, const char *guid)
{
    return storetest_remote_person(txn, did, guid, remote_pub, false);
}

static void
mutual(struct store_txn *txn, uint64_t owner, uint64_t person)
{
    struct store_contact c;

    memset(&c, 0, sizeof c);
    c.owner = owner;
    c.person = person;
    c.sharing = c.receiving = true;
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

/* The job's body as the task would send it, decrypted with the remote
 * key and verified with the local one: the payload inside. */
static char *
open_job(struct fixture *f, const struct store_outbox_job *job, const char *signer)
{
    struct store_txn *txn = rtxn(f);
    struct fed_envelope env;
    const char *ctype = NULL;
    char why[256] = "", *body = NULL, *xml, *out;
    size_t len = 0, xml_len;

    assert_int_equal(job->kind, STORE_OUTBOX_PRIVATE);
    assert_int_equal(
        task_fed_outbox_prepare(txn, job, &f->arena, &body, &len, &ctype, why, sizeof why), POD_OK);
    store_txn_abort(txn);
    assert_string_equal(ctype, FED_PRIVATE_CONTENT_TYPE);
    assert_int_equal(fed_private_envelope_decrypt(body, len, remote_priv, &f->arena, &xml, &xml_len,
                                                  why, sizeof why),
                     POD_OK);
    assert_int_equal(fed_envelope_parse(xml, xml_len, &f->arena, &env, why, sizeof why), POD_OK);
    assert_int_equal(fed_envelope_verify(&env, local_pub, why, sizeof why), POD_OK);
    assert_string_equal(env.sender, signer);
    out = pod_arena_strndup(&f->arena, env.payload, env.payload_len);
    assert_non_null(out);
    return out;
}

static const struct store_outbox_job *
job_to(const struct jobs *js, uint64_t recipient)
{
    for (size_t i = 0; i < js->count; i++)
        if (js->j[i].recipient == recipient)
            return &js->j[i];
    fail_msg("no job to person %llu", (unsigned long long)recipient);
    return NULL;
}

/* ------------------------------------------------------------ outbound */

/* The XML of the vectors' conversation and message, byte for byte. */
static void
test_xml_matches_vectors(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_conversation c;
    struct store_message m;
    char *xml, *want;
    size_t len, want_len;

    memset(&c, 0, sizeof c);
    memset(&m, 0, sizeof m);
    c.author = local_user(txn, "alice", "example.org", "aaaaaaaaaaaaaaaa1111", true);
    c.participants[0] = c.author;
    c.participants[1] = remote_person(txn, "bob@example.com", "bbbbbbbbbbbbbbbb2222");
    c.participant_count = 2;
    snprintf(c.guid, sizeof c.guid, CONV_GUID);
    snprintf(c.subject, sizeof c.subject, "this is a very informative subject");
    c.created_at = c.updated_at = VEC_TIME;
    snprintf(m.guid, sizeof m.guid, MSG_GUID);
    m.author = c.author;
    m.text = "this is a very informative text";
    m.created_at = VEC_TIME;

    want = test_slurp(CONV_XML, &want_len);
    assert_int_equal(fed_outbound_conversation_xml(txn, &c, &m, &f->arena, &xml, &len), POD_OK);
    assert_string_equal(xml, want);
    assert_int_equal(len, want_len);
    free(want);

    want = test_slurp(MSG_XML, &want_len);
    assert_int_equal(fed_outbound_message_xml(txn, &c, &m, &f->arena, &xml, &len), POD_OK);
    assert_string_equal(xml, want);
    assert_int_equal(len, want_len);
    free(want);

    /* No subject: the protocol needs one. */
    c.subject[0] = '\0';
    assert_int_equal(fed_outbound_conversation_xml(txn, &c, &m, &f->arena, &xml, &len), POD_OK);
    assert_non_null(strstr(xml, "<subject>" FED_CONVERSATION_NO_SUBJECT "</subject>"));
    store_txn_abort(txn);
}

static void
test_start_and_reply_one_job_per_remote(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_conversation c;
    struct store_message m;
    struct fed_entity *e;
    const struct fed_entity *nested;
    const struct store_outbox_job *j;
    struct jobs js;
    char why[160], *payload;
    uint64_t alice, eve, bob, carol, dan, people[4];
    uint32_t unread = 0;

    alice = local_user(txn, "alice", "a.example", "aaaaaaaaaaaaaaaa1111", true);
    eve = local_user(txn, "eve", "a.example", "eeeeeeeeeeeeeeee5555", false);
    bob = remote_person(txn, "bob@b.example", "bbbbbbbbbbbbbbbb2222");
    carol = remote_person(txn, "carol@c.example:8443", "cccccccccccccccc3333");
    dan = remote_person(txn, "dan@b.example", "dddddddddddddddd4444");
    mutual(txn, alice, eve);
    mutual(txn, alice, bob);
    mutual(txn, alice, carol);
    /* dan only shares with alice: no recipient. */
    {
        struct store_contact ct = {.owner = alice, .person = dan, .receiving = true};
        assert_int_equal(store_contact_put(txn, &ct), POD_OK);
    }
    people[0] = dan;
    assert_int_equal(social_conversation_start(txn, alice, people, 1, "Hi", "text", &f->arena, &c,
                                               why, sizeof why),
                     POD_ERR_INVAL);
    assert_string_equal(why,
                        "You can only write to people who share with you and with whom you share.");
    assert_int_equal(social_conversation_start(txn, alice, people, 0, "Hi", "text", &f->arena, &c,
                                               why, sizeof why),
                     POD_ERR_INVAL);
    people[0] = bob;
    people[1] = eve;
    people[2] = carol;
    people[3] = bob;
    assert_int_equal(social_conversation_start(txn, alice, people, 4, "Tea <4pm>",
                                               "Shall we have **tea**? \xc3\xa9", &f->arena, &c,
                                               why, sizeof why),
                     POD_OK);
    assert_int_equal(c.participant_count, 4);
    commit(txn);

    txn = rtxn(f);
    assert_true(store_conversation_visible(txn, c.id, eve, &unread));
    assert_int_equal(unread, 1);
    store_txn_abort(txn);

    drain(f, &js);
    assert_int_equal(js.count, 2); /* bob and carol; eve is local */
    j = job_to(&js, bob);
    assert_int_equal(j->author, alice);
    assert_string_equal(j->url, "https://b.example/receive/users/bbbbbbbbbbbbbbbb2222");
    j = job_to(&js, carol);
    assert_string_equal(j->url, "https://c.example:8443/receive/users/cccccccccccccccc3333");
    payload = open_job(f, j, "alice@a.example");
    assert_int_equal(fed_entity_parse(payload, strlen(payload), &f->arena, &e, why, sizeof why),
                     POD_OK);
    assert_int_equal(fed_entity_validate(e, why, sizeof why), POD_OK);
    assert_string_equal(e->type, "conversation");
    assert_string_equal(fed_entity_get(e, "author"), "alice@a.example");
    assert_string_equal(fed_entity_get(e, "guid"), c.guid);
    assert_string_equal(fed_entity_get(e, "subject"), "Tea <4pm>");
    assert_string_equal(fed_entity_get(e, "participants"),
                        "alice@a.example;bob@b.example;eve@a.example;carol@c.example:8443");
    nested = fed_entity_get_entity(e, "message");
    assert_non_null(nested);
    assert_string_equal(fed_entity_get(nested, "author"), "alice@a.example");
    assert_string_equal(fed_entity_get(nested, "text"), "Shall we have **tea**? \xc3\xa9");
    assert_string_equal(fed_entity_get(nested, "conversation_guid"), c.guid);
    assert_non_null(strstr(payload, "&#xE9;"));

    /* eve answers: both remote participants get it, signed by eve. */
    txn = wtxn(f);
    assert_int_equal(store_user_keys_put(txn, "eve", local_priv, local_pub), POD_OK);
    assert_int_equal(social_message_add(txn, eve, c.id, "Yes!", &f->arena, &m, why, sizeof why),
                     POD_OK);
    assert_int_equal(social_message_add(txn, eve, c.id, "", &f->arena, &m, why, sizeof why),
                     POD_ERR_INVAL);
    assert_int_equal(social_message_add(txn, dan, c.id, "me too", &f->arena, &m, why, sizeof why),
                     POD_ERR_NOTFOUND);
    commit(txn);
    drain(f, &js);
    assert_int_equal(js.count, 2);
    payload = open_job(f, job_to(&js, bob), "eve@a.example");
    assert_int_equal(fed_entity_parse(payload, strlen(payload), &f->arena, &e, why, sizeof why),
                     POD_OK);
    assert_int_equal(fed_entity_validate(e, why, sizeof why), POD_OK);
    assert_string_equal(e->type, "message");
    assert_string_equal(fed_entity_get(e, "author"), "eve@a.example");
    assert_string_equal(fed_entity_get(e, "text"), "Yes!");
    assert_string_equal(fed_entity_get(e, "conversation_guid"), c.guid);
    (void)job_to(&js, carol);

    /* Only local people: nothing to send. */
    txn = wtxn(f);
    people[0] = eve;
    assert_int_equal(social_conversation_start(txn, alice, people, 1, "", "local", &f->arena, &c,
                                               why, sizeof why),
                     POD_OK);
    commit(txn);
    drain(f, &js);
    assert_int_equal(js.count, 0);
}

/* ------------------------------------------------------------ inbound */

struct world {
    uint64_t alice, bob, dave, eve, carol, mallory;
    struct store_person alice_p, carol_p, mallory_p;
};

/* alice@example.org and carol@example.net remote (the senders), bob and
 * dave local on example.com (participants), eve local (not one), mallory
 * remote (not one). */
static void
world(struct fixture *f, struct world *w)
{
    struct store_txn *txn = wtxn(f);

    w->alice = remote_person(txn, "alice@example.org", "a1a1a1a1a1a1a1a1a1a1");
    w->carol = remote_person(txn, "carol@example.net", "c3c3c3c3c3c3c3c3c3c3");
    w->mallory = remote_person(txn, "mallory@example.net", "m9m9m9m9m9m9m9m9m9m9");
    w->bob = local_user(txn, "bob", "example.com", "b2b2b2b2b2b2b2b2b2b2", true);
    w->dave = local_user(txn, "dave", "example.com", "d4d4d4d4d4d4d4d4d4d4", false);
    w->eve = local_user(txn, "eve", "example.com", "e5e5e5e5e5e5e5e5e5e5", false);
    assert_int_equal(store_person_get(txn, w->alice, &w->alice_p), POD_OK);
    assert_int_equal(store_person_get(txn, w->carol, &w->carol_p), POD_OK);
    assert_int_equal(store_person_get(txn, w->mallory, &w->mallory_p), POD_OK);
    commit(txn);
}

/* Parses, validates and applies xml from sender to local recipient. */
static int
apply(struct fixture *f, const char *xml, const struct store_person *sender, uint64_t recipient,
      bool public_route)
{
    struct social_fed_in in = {
        .sender = sender, .public_route = public_route, .recipient = recipient, .now = NOW};
    struct fed_entity *e;
    struct store_txn *txn;
    char why[256] = "";
    int rc;

    assert_int_equal(fed_entity_parse(xml, strlen(xml), &f->arena, &e, why, sizeof why), POD_OK);
    assert_int_equal(fed_entity_validate(e, why, sizeof why), POD_OK);
    in.entity = e;
    txn = wtxn(f);
    rc = social_fed_apply(txn, &in, &f->arena, why, sizeof why);
    print_message("  %s -> %d %s\n", e->type, rc, why);
    if (rc == POD_OK)
        commit(txn);
    else
        store_txn_abort(txn);
    return rc;
}

static int
apply_file(struct fixture *f, const char *path, const struct store_person *sender,
           uint64_t recipient)
{
    char *xml = test_slurp(path, NULL);
    int rc = apply(f, xml, sender, recipient, false);

    free(xml);
    return rc;
}

struct texts {
    const char *t[8];
    uint64_t author[8];
    size_t n;
};

static int
collect(const struct store_message *m, void *ctx)
{
    struct texts *t = ctx;

    assert_true(t->n < 8);
    t->author[t->n] = m->author;
    t->t[t->n++] = m->text;
    return POD_OK;
}

/* The stored conversation CONV_GUID, its messages and person's unread. */
static void
stored(struct fixture *f, struct store_conversation *c, struct texts *t, uint64_t person,
       uint32_t *unread)
{
    struct store_txn *txn = rtxn(f);

    assert_int_equal(store_conversation_get_by_guid(txn, CONV_GUID, c), POD_OK);
    memset(t, 0, sizeof *t);
    assert_int_equal(store_messages_each(txn, c->id, &f->arena, collect, t), POD_OK);
    *unread = UINT32_MAX;
    if (!store_conversation_visible(txn, c->id, person, unread))
        *unread = UINT32_MAX;
    store_txn_abort(txn);
}

static void
test_vector_conversation_applied_once(void **state)
{
    struct fixture *f = *state;
    struct store_conversation c;
    struct texts t;
    struct world w;
    struct store_txn *txn;
    uint32_t unread, sum;

    world(f, &w);
    /* The route and the recipient are checked first. */
    {
        char *xml = test_slurp(CONV_XML, NULL);
        assert_int_equal(apply(f, xml, &w.alice_p, w.bob, true), POD_ERR_AUTH);
        assert_int_equal(apply(f, xml, &w.alice_p, 0, false), POD_ERR_AUTH);
        free(xml);
    }
    assert_int_equal(apply_file(f, CONV_XML, &w.alice_p, w.eve), POD_ERR_AUTH);
    assert_int_equal(apply_file(f, CONV_XML, &w.carol_p, w.bob), POD_ERR_AUTH); /* not author */
    txn = rtxn(f);
    assert_int_equal(store_conversation_get_by_guid(txn, CONV_GUID, &c), POD_ERR_NOTFOUND);
    store_txn_abort(txn);

    assert_int_equal(apply_file(f, ENT_CONV, &w.alice_p, w.bob), POD_OK);
    stored(f, &c, &t, w.bob, &unread);
    assert_string_equal(c.subject, "this is a very informative subject");
    assert_int_equal(c.author, w.alice);
    assert_int_equal(c.created_at, VEC_TIME);
    assert_int_equal(c.participant_count, 2);
    assert_int_equal(c.participants[0], w.alice);
    assert_int_equal(c.participants[1], w.bob);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.t[0], "this is a very informative text");
    assert_int_equal(t.author[0], w.alice);
    assert_int_equal(unread, 1);
    txn = rtxn(f);
    assert_int_equal(store_conversations_unread(txn, w.bob, &sum), POD_OK);
    assert_int_equal(sum, 1);
    store_txn_abort(txn);

    /* Again (the library's form this time): nothing changes. */
    assert_int_equal(apply_file(f, CONV_XML, &w.alice_p, w.bob), POD_OK);
    stored(f, &c, &t, w.bob, &unread);
    assert_int_equal(t.n, 1);
    assert_int_equal(unread, 1);
    assert_int_equal(c.participant_count, 2);
    /* The vector message has the nested message's GUID: a repeat too. */
    assert_int_equal(apply_file(f, MSG_XML, &w.alice_p, w.bob), POD_OK);
    stored(f, &c, &t, w.bob, &unread);
    assert_int_equal(t.n, 1);
    assert_int_equal(unread, 1);
}

#define CONV3                                                                                      \
    "<conversation><author>alice@example.org</author><guid>" CONV_GUID "</guid>"                   \
    "<subject>three</subject><created_at>2016-07-11T23:17:48Z</created_at>"                        \
    "<participants>alice@example.org;bob@example.com;zed@nowhere.example;"                         \
    "dave@example.com;carol@example.net</participants>"                                            \
    "<message><author>alice@example.org</author><guid>m1m1m1m1m1m1m1m1m1m1</guid>"                 \
    "<text>first</text><created_at>2016-07-11T23:17:48Z</created_at>"                              \
    "<conversation_guid>" CONV_GUID "</conversation_guid></message>"                               \
    "<message><author>alice@example.org</author><guid>m2m2m2m2m2m2m2m2m2m2</guid>"                 \
    "<text>second</text><created_at>2016-07-11T23:17:49Z</created_at>"                             \
    "<conversation_guid>" CONV_GUID "</conversation_guid></message></conversation>"

#define MESSAGE(author, guid, text)                                                                \
    "<message><author>" author "</author><guid>" guid "</guid><text>" text "</text>"               \
    "<created_at>2016-07-12T00:00:00Z</created_at>"                                                \
    "<conversation_guid>" CONV_GUID "</conversation_guid></message>"

static void
test_messages_and_participants(void **state)
{
    struct fixture *f = *state;
    struct store_conversation c;
    struct texts t;
    struct world w;
    struct jobs js;
    struct store_message m;
    struct store_txn *txn;
    uint32_t unread;
    char why[160];

    world(f, &w);
    /* A message before its conversation: retried later. */
    assert_int_equal(apply(f, MESSAGE("carol@example.net", "r1r1r1r1r1r1r1r1r1r1", "early"),
                           &w.carol_p, w.bob, false),
                     POD_ERR_NOTFOUND);

    /* To dave first: bob, dave and carol are in; zed is unknown. */
    assert_int_equal(apply(f, CONV3, &w.alice_p, w.dave, false), POD_OK);
    stored(f, &c, &t, w.dave, &unread);
    assert_int_equal(c.participant_count, 4);
    assert_int_equal(c.participants[0], w.alice);
    assert_int_equal(c.participants[1], w.dave);
    assert_int_equal(c.participants[2], w.bob);
    assert_int_equal(c.participants[3], w.carol);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.t[0], "first");
    assert_string_equal(t.t[1], "second");
    assert_int_equal(unread, 2);
    stored(f, &c, &t, w.bob, &unread);
    assert_int_equal(unread, 2);
    /* bob's copy: already there. */
    assert_int_equal(apply(f, CONV3, &w.alice_p, w.bob, false), POD_OK);
    stored(f, &c, &t, w.bob, &unread);
    assert_int_equal(t.n, 2);
    assert_int_equal(unread, 2);
    assert_int_equal(c.participant_count, 4);

    /* carol writes: once per local participant, stored once. */
    assert_int_equal(apply(f, MESSAGE("carol@example.net", "r1r1r1r1r1r1r1r1r1r1", "hello all"),
                           &w.carol_p, w.bob, false),
                     POD_OK);
    assert_int_equal(apply(f, MESSAGE("carol@example.net", "r1r1r1r1r1r1r1r1r1r1", "hello all"),
                           &w.carol_p, w.dave, false),
                     POD_OK);
    stored(f, &c, &t, w.bob, &unread);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.t[2], "hello all");
    assert_int_equal(t.author[2], w.carol);
    assert_int_equal(unread, 3);
    stored(f, &c, &t, w.dave, &unread);
    assert_int_equal(unread, 3);

    /* Not from a participant, not to one, not on the public route. */
    assert_int_equal(apply(f, MESSAGE("mallory@example.net", "x1x1x1x1x1x1x1x1x1x1", "let me in"),
                           &w.mallory_p, w.bob, false),
                     POD_ERR_AUTH);
    assert_int_equal(apply(f, MESSAGE("carol@example.net", "x2x2x2x2x2x2x2x2x2x2", "eve?"),
                           &w.carol_p, w.eve, false),
                     POD_ERR_AUTH);
    assert_int_equal(apply(f, MESSAGE("carol@example.net", "x3x3x3x3x3x3x3x3x3x3", "public"),
                           &w.carol_p, 0, true),
                     POD_ERR_AUTH);
    /* Signed by someone else than its author. */
    assert_int_equal(apply(f, MESSAGE("carol@example.net", "x4x4x4x4x4x4x4x4x4x4", "forged"),
                           &w.alice_p, w.bob, false),
                     POD_ERR_AUTH);
    stored(f, &c, &t, w.bob, &unread);
    assert_int_equal(t.n, 3);

    /* The same GUID from another author is someone else's conversation. */
    assert_int_equal(apply(f,
                           "<conversation><author>carol@example.net</author><guid>" CONV_GUID
                           "</guid><subject>mine</subject><participants>carol@example.net;"
                           "eve@example.com</participants><message><author>carol@example.net"
                           "</author><guid>y1y1y1y1y1y1y1y1y1y1</guid><text>t</text>"
                           "<conversation_guid>" CONV_GUID "</conversation_guid></message>"
                           "</conversation>",
                           &w.carol_p, w.eve, false),
                     POD_ERR_AUTH);

    /* bob answers the remote conversation: alice (its author) and carol. */
    drain(f, &js);
    assert_int_equal(js.count, 0);
    txn = wtxn(f);
    assert_int_equal(social_message_add(txn, w.bob, c.id, "Sure", &f->arena, &m, why, sizeof why),
                     POD_OK);
    commit(txn);
    drain(f, &js);
    assert_int_equal(js.count, 2);
    assert_int_equal(job_to(&js, w.alice)->author, w.bob);
    {
        char *payload = open_job(f, job_to(&js, w.carol), "bob@example.com");
        assert_non_null(strstr(payload, "<conversation_guid>" CONV_GUID "</conversation_guid>"));
        assert_non_null(strstr(payload, "<text>Sure</text>"));
    }
}

/* store_conversation_join: a late local participant gets a visibility. */
static void
test_store_join(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_conversation c, got;
    uint64_t alice, eve, dave, people[1];
    uint32_t unread = 0, sum = 0;
    char why[160];

    alice = local_user(txn, "alice", "a.example", "aaaaaaaaaaaaaaaa1111", false);
    eve = local_user(txn, "eve", "a.example", "eeeeeeeeeeeeeeee5555", false);
    dave = local_user(txn, "dave", "a.example", "dddddddddddddddd4444", false);
    mutual(txn, alice, eve);
    people[0] = eve;
    assert_int_equal(
        social_conversation_start(txn, alice, people, 1, "s", "t", &f->arena, &c, why, sizeof why),
        POD_OK);
    assert_false(store_conversation_visible(txn, c.id, dave, NULL));
    assert_int_equal(store_conversation_join(txn, c.id, dave, 1), POD_OK);
    assert_int_equal(store_conversation_join(txn, c.id, dave, 5), POD_OK); /* no change */
    assert_int_equal(store_conversation_join(txn, c.id + 99, dave, 1), POD_ERR_NOTFOUND);
    commit(txn);
    txn = rtxn(f);
    assert_true(store_conversation_visible(txn, c.id, dave, &unread));
    assert_int_equal(unread, 1);
    assert_int_equal(store_conversations_unread(txn, dave, &sum), POD_OK);
    assert_int_equal(sum, 1);
    assert_int_equal(store_conversation_get_by_guid(txn, c.guid, &got), POD_OK);
    assert_int_equal(got.id, c.id);
    assert_int_equal(got.participant_count, 3);
    assert_int_equal(got.participants[2], dave);
    assert_int_equal(store_conversation_get_by_guid(txn, "nonexistentguid0000", &got),
                     POD_ERR_NOTFOUND);
    store_txn_abort(txn);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_xml_matches_vectors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_and_reply_one_job_per_remote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vector_conversation_applied_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_messages_and_participants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_join, setup, teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
