/*
 * test_fed_media.c - photos and polls across pods on a real store:
 * the nested <photo>s and <poll> of fed_outbound_post_xml (byte for byte
 * against the oracle payloads, photo URLs made this pod's), local votes
 * as <poll_participation> jobs (social_poll_vote), and received status
 * messages with photos / polls and poll_participation relayables
 * (social/federated_media.c through fed_inbound_process).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "federation/entity.h"
#include "federation/envelope.h"
#include "federation/inbound.h"
#include "federation/outbound.h"
#include "federation/private_envelope.h"
#include "federation/relayable.h"
#include "social/actions.h"
#include "store/accounts.h"
#include "store/contacts.h"
#include "store/fed_inbox.h"
#include "store/fed_outbox.h"
#include "store/people.h"
#include "store/posts.h"
#include "storetest.h"
#include "task/fed_outbox_task.h"

#define V         POD_VECTORS_DIR
#define KEY_SPEC  V "/keys/spec_key_1024_public.pem"
#define PRIV_SPEC V "/keys/spec_key_1024_private.pem"
#define KEY_4096  V "/keys/oracle_key_4096_public.pem"
#define PRIV_4096 V "/keys/oracle_key_4096_private.pem"
#define ORA       V "/oracle_envelopes/"

#define POLL_GUID  "2a22d6c029e9013487753131731751e9"
#define YES_GUID   "2a22db2029e9013487753131731751e9"
#define NO_GUID    "2a22e5e029e9013487753131731751e9"
#define MAYBE_GUID "2a22eca029e9013487753131731751e9"
#define HASH_A     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static int64_t
fixed_now(void)
{
    return 1750000000;
}

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

static int64_t
when(const char *s)
{
    int64_t t;

    assert_true(fed_time_parse(s, &t));
    return t;
}

/* A local account on host with the key pair in the files (or none). */
static uint64_t
local(struct fixture *f, const char *name, const char *host, const char *guid, const char *priv,
      const char *pub)
{
    struct store_txn *txn = wtxn(f);
    uint64_t id = storetest_local_user_files(txn, name, host, guid, priv, pub, 1710000000);

    commit(txn);
    return id;
}

/* A remote person with the public key in keyfile, their pod at the host
 * of their diaspora* ID. */
static uint64_t
remote(struct fixture *f, const char *did, const char *guid, const char *keyfile)
{
    struct store_txn *txn = wtxn(f);
    uint64_t id = storetest_remote_person_file(txn, did, guid, keyfile, false);

    commit(txn);
    return id;
}

static void
contact(struct fixture *f, uint64_t owner, uint64_t person)
{
    struct store_txn *txn = wtxn(f);
    struct store_contact c;

    memset(&c, 0, sizeof c);
    c.owner = owner;
    c.person = person;
    c.sharing = c.receiving = true;
    c.created_at = 1700000000;
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    commit(txn);
}

/* The poll of the vectors (Yes / No / Maybe), with or without GUIDs. */
static struct store_poll *
vector_poll(bool guids)
{
    static struct store_poll poll;

    memset(&poll, 0, sizeof poll);
    snprintf(poll.question, sizeof poll.question, "Select an answer");
    poll.answer_count = 3;
    snprintf(poll.answers[0], sizeof poll.answers[0], "Yes");
    snprintf(poll.answers[1], sizeof poll.answers[1], "No");
    snprintf(poll.answers[2], sizeof poll.answers[2], "Maybe");
    if (guids) {
        snprintf(poll.guid, sizeof poll.guid, POLL_GUID);
        snprintf(poll.answer_guids[0], sizeof poll.answer_guids[0], YES_GUID);
        snprintf(poll.answer_guids[1], sizeof poll.answer_guids[1], NO_GUID);
        snprintf(poll.answer_guids[2], sizeof poll.answer_guids[2], MAYBE_GUID);
    }
    return &poll;
}

/* A pending local photo of author with the vectors' size. */
static uint64_t
photo(struct store_txn *txn, uint64_t author, const char *guid, const char *hash, const char *at)
{
    struct store_photo ph;

    memset(&ph, 0, sizeof ph);
    snprintf(ph.guid, sizeof ph.guid, "%s", guid);
    snprintf(ph.hash, sizeof ph.hash, "%s", hash);
    ph.author = author;
    ph.width = 800;
    ph.height = 480;
    ph.created_at = when(at);
    assert_int_equal(store_photo_add(txn, &ph), POD_OK);
    return ph.id;
}

/* s with every from replaced by to (malloc'd). */
static char *
replace(const char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    char *out = malloc(strlen(s) * (tl > fl ? tl / fl + 2 : 1) + 1), *o = out;

    assert_non_null(out);
    for (const char *p = s; *p;) {
        if (strncmp(p, from, fl) == 0) {
            memcpy(o, to, tl);
            o += tl;
            p += fl;
            n++;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    assert_true(n > 0);
    return out;
}

/* The oracle payload file with its photo URLs made this pod's. */
static char *
expected_payload(const char *file, const char *name1, const char *name2)
{
    char *raw = test_slurp(file, NULL), *a, *b, *c;

    a = replace(raw, "https://example.org/uploads/images/", "https://example.org/media/photos/");
    b = replace(a, name1, HASH_A "-raw.jpg");
    c = replace(b, name2, HASH_B "-raw.jpg");
    free(raw);
    free(a);
    free(b);
    return c;
}

static char *
post_xml(struct fixture *f, const char *guid)
{
    struct store_txn *txn = rtxn(f);
    struct store_post p;
    char *xml;
    size_t len;

    assert_int_equal(store_post_get_by_guid(txn, guid, &f->arena, &p), POD_OK);
    assert_int_equal(fed_outbound_post_xml(txn, &p, &f->arena, &xml, &len), POD_OK);
    store_txn_abort(txn);
    assert_int_equal(strlen(xml), len);
    return xml;
}

/* ------------------------------------------------------------- outbound */

static void
test_outbound_photos_byte_exact(void **state)
{
    struct fixture *f = *state;
    uint64_t alice =
        local(f, "alice", "example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", NULL, NULL);
    struct store_txn *txn = wtxn(f);
    struct store_post p;
    char *want;

    memset(&p, 0, sizeof p);
    snprintf(p.guid, sizeof p.guid, "e05828d029e7013487753131731751e9");
    p.author = alice;
    p.type = STORE_POST_STATUS;
    p.public = true;
    p.text = "I am a very interesting status update";
    p.created_at = when("2016-07-11T22:52:56Z");
    p.photo_count = 2;
    p.photos[0] =
        photo(txn, alice, "0788070029e8013487753131731751e9", HASH_A, "2016-07-11T22:52:12Z");
    p.photos[1] =
        photo(txn, alice, "1601f9c029e8013487753131731751e9", HASH_B, "2016-07-11T22:52:36Z");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    commit(txn);

    want = expected_payload(ORA "status_message_with_photos.payload.xml",
                            "ad7631fac432a281b185.jpg", "74bef24b055bd4e6dcf3.jpg");
    assert_string_equal(post_xml(f, p.guid), want);
    free(want);
}

static void
test_outbound_poll_byte_exact(void **state)
{
    struct fixture *f = *state;
    uint64_t alice =
        local(f, "alice", "example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", NULL, NULL);
    struct store_txn *txn = wtxn(f);
    struct store_post p;
    char *want = test_slurp(ORA "status_message_with_poll.payload.xml", NULL);

    memset(&p, 0, sizeof p);
    snprintf(p.guid, sizeof p.guid, "378473f029e9013487753131731751e9");
    p.author = alice;
    p.type = STORE_POST_STATUS;
    p.public = true;
    p.text = "I am a very interesting status update";
    p.created_at = when("2016-07-11T23:00:42Z");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, vector_poll(true)), POD_OK);
    commit(txn);
    assert_string_equal(post_xml(f, p.guid), want);
    free(want);
}

/* Everything but the embed (plugpod has none): provider, photos,
 * location and poll in the library's order. */
static void
test_outbound_all_byte_exact(void **state)
{
    struct fixture *f = *state;
    uint64_t alice =
        local(f, "alice", "example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", NULL, NULL);
    struct store_txn *txn = wtxn(f);
    struct store_post p;
    char *want, *embed, *end;

    memset(&p, 0, sizeof p);
    snprintf(p.guid, sizeof p.guid, "74139da029e9013487753131731751e9");
    p.author = alice;
    p.type = STORE_POST_STATUS;
    p.public = true;
    p.text = "i am a very interesting status update";
    snprintf(p.provider, sizeof p.provider, "mobile");
    snprintf(p.address, sizeof p.address, "Vienna, Austria");
    snprintf(p.lat, sizeof p.lat, "48.208174");
    snprintf(p.lng, sizeof p.lng, "16.373819");
    p.created_at = when("2016-07-11T23:02:24Z");
    p.photo_count = 2;
    p.photos[0] =
        photo(txn, alice, "0788070029e8013487753131731751e9", HASH_A, "2016-07-11T23:02:24Z");
    p.photos[1] =
        photo(txn, alice, "1601f9c029e8013487753131731751e9", HASH_B, "2016-07-11T23:02:24Z");
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, vector_poll(true)), POD_OK);
    commit(txn);

    want = expected_payload(ORA "status_message_with_all.payload.xml", "520d78fbe91fbb6641f7.jpg",
                            "8cf7ca6250b4043a78d8.jpg");
    embed = strstr(want, "\n  <embed>");
    end = strstr(want, "</embed>");
    assert_non_null(embed);
    assert_non_null(end);
    memmove(embed, end + strlen("</embed>"), strlen(end + strlen("</embed>")) + 1);
    assert_string_equal(post_xml(f, p.guid), want);
    free(want);
}

/* A poll stored before GUIDs were kept is left out; a new local poll gets
 * GUIDs from social_post_create. */
static void
test_outbound_poll_guids(void **state)
{
    struct fixture *f = *state;
    uint64_t alice =
        local(f, "alice", "example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", NULL, NULL);
    struct social_new_post np = {.text = "vote", .public = true};
    struct store_txn *txn = wtxn(f);
    struct store_post old, made;
    struct fed_entity *e;
    const struct fed_entity *pe;
    struct store_poll got;
    uint64_t post;
    char why[128], *xml;

    memset(&old, 0, sizeof old);
    snprintf(old.guid, sizeof old.guid, "0101010101010101aaaa");
    old.author = alice;
    old.type = STORE_POST_STATUS;
    old.public = true;
    old.text = "old";
    old.created_at = 1700000000;
    assert_int_equal(store_post_add(txn, &old, NULL, 0, NULL, 0, vector_poll(false)), POD_OK);
    np.poll = vector_poll(false);
    assert_int_equal(social_post_create(txn, alice, &np, &f->arena, &made, why, sizeof why),
                     POD_OK);
    commit(txn);

    xml = post_xml(f, old.guid);
    assert_null(strstr(xml, "<poll>"));
    xml = post_xml(f, made.guid);
    assert_int_equal(fed_entity_parse(xml, strlen(xml), &f->arena, &e, why, sizeof why), POD_OK);
    assert_int_equal(fed_entity_validate(e, why, sizeof why), POD_OK);
    pe = fed_entity_get_entity(e, "poll");
    assert_non_null(pe);
    txn = rtxn(f);
    assert_int_equal(store_poll_get_by_guid(txn, fed_entity_get(pe, "guid"), &post, &got), POD_OK);
    assert_int_equal(post, made.id);
    assert_string_equal(fed_entity_get(fed_entity_get_entity(pe, "poll_answer"), "guid"),
                        got.answer_guids[0]);
    assert_true(strcmp(got.answer_guids[0], got.answer_guids[1]) != 0);
    store_txn_abort(txn);
}

/* --------------------------------------------------------------- inbound */

/* Queues body as an inbox item and processes it once. */
static enum fed_inbound_outcome
deliver_to(struct fixture *f, enum store_inbox_kind kind, uint64_t recipient, const char *body,
           size_t len)
{
    struct fed_inbound_ctx ctx = {f->st, NULL, fixed_now};
    struct store_txn *txn = wtxn(f);
    struct store_inbox_item it;
    enum fed_inbound_outcome o;
    char why[256] = "";
    uint64_t id;

    assert_int_equal(store_inbox_push(txn, kind, recipient, body, len, 1, &id), POD_OK);
    commit(txn);
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

static enum fed_inbound_outcome
deliver(struct fixture *f, const char *body, size_t len)
{
    return deliver_to(f, STORE_INBOX_PUBLIC, 0, body, len);
}

static enum fed_inbound_outcome
deliver_file(struct fixture *f, const char *path)
{
    size_t len;
    char *body = test_slurp(path, &len);
    enum fed_inbound_outcome o = deliver(f, body, len);

    free(body);
    return o;
}

/* Signs payload as sender with the private key in keyfile and delivers it. */
static enum fed_inbound_outcome
deliver_signed(struct fixture *f, const char *payload, const char *sender, const char *keyfile)
{
    struct pod_arena a;
    char *key = test_slurp(keyfile, NULL), *env = NULL, why[256];
    size_t env_len = 0;
    enum fed_inbound_outcome o;

    pod_arena_init(&a, NULL, 0, 1 << 20);
    assert_int_equal(fed_envelope_build(payload, strlen(payload), sender, key, &a, &env, &env_len,
                                        why, sizeof why),
                     POD_OK);
    o = deliver(f, env, env_len);
    pod_arena_free(&a);
    free(key);
    return o;
}

static void
test_inbound_photos(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn;
    struct store_photo ph;
    struct store_post p;
    uint64_t alice;

    local(f, "bob", "example.com", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", NULL, NULL);
    alice = remote(f, "alice@example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    assert_int_equal(deliver_file(f, ORA "status_message_with_photos.envelope.xml"),
                     FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_int_equal(store_post_get_by_guid(txn, "e05828d029e7013487753131731751e9", &f->arena, &p),
                     POD_OK);
    assert_int_equal(p.photo_count, 2);
    assert_int_equal(store_photo_get(txn, p.photos[0], &ph), POD_OK);
    assert_string_equal(ph.guid, "0788070029e8013487753131731751e9");
    assert_string_equal(ph.remote_url,
                        "https://example.org/uploads/images/ad7631fac432a281b185.jpg");
    assert_string_equal(ph.hash, "");
    assert_int_equal(ph.author, alice);
    assert_int_equal(ph.post, p.id);
    assert_true(ph.public);
    assert_int_equal(ph.width, 800);
    assert_int_equal(ph.height, 480);
    assert_int_equal(ph.created_at, when("2016-07-11T22:52:12Z"));
    assert_int_equal(store_photo_get(txn, p.photos[1], &ph), POD_OK);
    assert_string_equal(ph.remote_url,
                        "https://example.org/uploads/images/74bef24b055bd4e6dcf3.jpg");
    store_txn_abort(txn);
    /* Again: nothing new. */
    assert_int_equal(deliver_file(f, ORA "status_message_with_photos.envelope.xml"),
                     FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_int_equal(store_post_get_by_guid(txn, "e05828d029e7013487753131731751e9", &f->arena, &p),
                     POD_OK);
    assert_int_equal(p.photo_count, 2);
    store_txn_abort(txn);
    /* Remote photos are references: they go with their post. */
    txn = wtxn(f);
    assert_int_equal(store_post_delete(txn, p.id), POD_OK);
    assert_int_equal(store_photo_get_by_guid(txn, "0788070029e8013487753131731751e9", &ph),
                     POD_ERR_NOTFOUND);
    assert_int_equal(store_photo_get(txn, p.photos[1], &ph), POD_ERR_NOTFOUND);
    commit(txn);
}

/* Photos that are not https are left out; one by someone else refuses the post. */
static void
test_inbound_photo_rules(void **state)
{
    struct fixture *f = *state;
    char *raw = test_slurp(ORA "status_message_with_photos.payload.xml", NULL), *http, *other;
    struct store_txn *txn;
    struct store_post p;

    remote(f, "alice@example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    remote(f, "carol@example.net", "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", KEY_4096);
    /* The first photo's author is carol: the post is refused. */
    other = strstr(raw, "<photo>");
    other = replace(other, "<author>alice@example.org</author>\n    <public>",
                    "<author>carol@example.net</author>\n    <public>");
    {
        char *doc = malloc(strlen(raw) + strlen(other) + 1);
        size_t head = (size_t)(strstr(raw, "<photo>") - raw);

        memcpy(doc, raw, head);
        strcpy(doc + head, other);
        assert_int_not_equal(deliver_signed(f, doc, "alice@example.org", PRIV_SPEC),
                             FED_INBOUND_DONE);
        free(doc);
    }
    free(other);
    txn = rtxn(f);
    assert_int_equal(store_post_get_by_guid(txn, "e05828d029e7013487753131731751e9", &f->arena, &p),
                     POD_ERR_NOTFOUND);
    store_txn_abort(txn);
    /* http:// pictures are left out, the post stays. */
    http =
        replace(raw, "https://example.org/uploads/images/", "http://example.org/uploads/images/");
    assert_int_equal(deliver_signed(f, http, "alice@example.org", PRIV_SPEC), FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_int_equal(store_post_get_by_guid(txn, "e05828d029e7013487753131731751e9", &f->arena, &p),
                     POD_OK);
    assert_int_equal(p.photo_count, 0);
    store_txn_abort(txn);
    free(http);
    free(raw);
}

static void
test_inbound_poll(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn;
    struct store_poll poll;
    struct store_post p;
    uint64_t post;

    remote(f, "alice@example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    assert_int_equal(deliver_file(f, ORA "status_message_with_poll.envelope.xml"),
                     FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_int_equal(store_post_get_by_guid(txn, "378473f029e9013487753131731751e9", &f->arena, &p),
                     POD_OK);
    assert_int_equal(store_poll_get_by_guid(txn, POLL_GUID, &post, &poll), POD_OK);
    assert_int_equal(post, p.id);
    assert_string_equal(poll.question, "Select an answer");
    assert_int_equal(poll.answer_count, 3);
    assert_string_equal(poll.answers[2], "Maybe");
    assert_string_equal(poll.answer_guids[0], YES_GUID);
    assert_string_equal(poll.answer_guids[1], NO_GUID);
    assert_string_equal(poll.answer_guids[2], MAYBE_GUID);
    store_txn_abort(txn);
    /* with_all: photos, location and poll together. */
    assert_int_equal(deliver_file(f, ORA "status_message_with_all.envelope.xml"), FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_int_equal(store_post_get_by_guid(txn, "74139da029e9013487753131731751e9", &f->arena, &p),
                     POD_OK);
    assert_int_equal(p.photo_count, 2);
    assert_string_equal(p.address, "Vienna, Austria");
    /* Its poll GUID is the first post's already: that poll keeps it. */
    assert_int_equal(store_poll_get_by_guid(txn, POLL_GUID, &post, NULL), POD_OK);
    assert_int_not_equal(post, p.id);
    assert_int_equal(store_poll_get(txn, p.id, &poll), POD_OK);
    assert_string_equal(poll.guid, "");
    store_txn_abort(txn);
}

/* Bob's local post with the vectors' poll; carol (another pod) shares
 * with bob, so a vote on it is relayed to her pod. */
static uint64_t
bob_poll(struct fixture *f, uint64_t *bob_out)
{
    uint64_t bob =
        local(f, "bob", "example.com", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", PRIV_4096, KEY_4096);
    uint64_t carol = remote(f, "carol@c.example", "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", KEY_4096);
    struct store_txn *txn;
    struct store_post p;

    contact(f, bob, carol);
    txn = wtxn(f);
    memset(&p, 0, sizeof p);
    snprintf(p.guid, sizeof p.guid, "378473f029e9013487753131731751e9");
    p.author = bob;
    p.type = STORE_POST_STATUS;
    p.public = true;
    p.text = "vote";
    p.created_at = 1700000000;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, vector_poll(true)), POD_OK);
    commit(txn);
    if (bob_out)
        *bob_out = bob;
    return p.id;
}

static void
tally(struct fixture *f, uint64_t post, uint64_t person, uint32_t *counts, int32_t *own)
{
    struct store_txn *txn = rtxn(f);

    assert_int_equal(store_poll_tally(txn, post, person, counts, own), POD_OK);
    store_txn_abort(txn);
}

/* Takes every job out of the outbox (payloads into f's arena). */
static size_t
drain(struct fixture *f, struct store_outbox_job *out, size_t cap)
{
    struct store_txn *txn = wtxn(f);
    struct store_outbox_job j;
    size_t n = 0;

    while (store_outbox_next_due(txn, INT64_MAX, &f->arena, &j) == POD_OK) {
        assert_true(n < cap);
        out[n++] = j;
        assert_int_equal(store_outbox_delete(txn, j.id), POD_OK);
    }
    commit(txn);
    return n;
}

static void
test_poll_participation_vector(void **state)
{
    struct fixture *f = *state;
    uint64_t alice, post;
    uint32_t counts[STORE_POLL_MAX_ANSWERS];
    struct store_outbox_job jobs[4];
    struct fed_entity *e;
    char *want = test_slurp(ORA "poll_participation.payload.xml", NULL), why[128];
    int32_t own;

    alice = remote(f, "alice@example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    /* The poll is not known yet: kept for later. */
    assert_int_equal(deliver_file(f, ORA "poll_participation.envelope.xml"), FED_INBOUND_RETRY);
    post = bob_poll(f, NULL);
    assert_int_equal(deliver_file(f, ORA "poll_participation.envelope.xml"), FED_INBOUND_DONE);
    tally(f, post, alice, counts, &own);
    assert_int_equal(own, 0);
    assert_int_equal(counts[0], 1);
    assert_int_equal(counts[1] + counts[2], 0);
    /* Relayed to carol's pod as received, alice's author_signature kept. */
    assert_int_equal(drain(f, jobs, 4), 1);
    assert_int_equal(jobs[0].kind, STORE_OUTBOX_PUBLIC);
    assert_string_equal(jobs[0].url, "https://c.example/receive/public");
    assert_int_equal(jobs[0].payload_len, strlen(want));
    assert_memory_equal(jobs[0].payload, want, strlen(want));
    assert_int_equal(
        fed_entity_parse(jobs[0].payload, jobs[0].payload_len, &f->arena, &e, why, sizeof why),
        POD_OK);
    /* Again: one vote, no second relay. */
    assert_int_equal(deliver_file(f, ORA "poll_participation.envelope.xml"), FED_INBOUND_DONE);
    tally(f, post, alice, counts, &own);
    assert_int_equal(counts[0], 1);
    assert_int_equal(drain(f, jobs, 4), 0);
    free(want);
}

/* raw with from replaced by to and a fresh author_signature by alice
 * (spec key): a well-signed variant (in f's arena). */
static char *
resign(struct fixture *f, const char *raw, const char *from, const char *to)
{
    char *xml = replace(raw, from, to), *key = test_slurp(PRIV_SPEC, NULL), *out, why[128];
    char sig[FED_SIGNATURE_B64_CAP];
    const char **names, **values;
    struct fed_entity *e;
    size_t n, len;

    assert_int_equal(fed_entity_parse(xml, strlen(xml), &f->arena, &e, why, sizeof why), POD_OK);
    assert_int_equal(fed_entity_signature_lists(e, &f->arena, &names, &values, &n), POD_OK);
    assert_int_equal(fed_relayable_sign(names, values, n, key, sig, sizeof sig, why, sizeof why),
                     POD_OK);
    assert_int_equal(fed_entity_set(e, &f->arena, "author_signature", sig), POD_OK);
    assert_int_equal(fed_entity_emit(e, &f->arena, &out, &len), POD_OK);
    free(xml);
    free(key);
    return out;
}

static void
test_poll_participation_tampered(void **state)
{
    struct fixture *f = *state;
    char *raw = test_slurp(ORA "poll_participation.payload.xml", NULL), *bad;
    uint32_t counts[STORE_POLL_MAX_ANSWERS];
    struct store_outbox_job jobs[4];
    uint64_t alice, post;
    int32_t own;

    alice = remote(f, "alice@example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    post = bob_poll(f, NULL);
    /* Another answer under alice's signature (the envelope is alice's). */
    bad = replace(raw, "<poll_answer_guid>" YES_GUID, "<poll_answer_guid>" NO_GUID);
    assert_int_equal(deliver_signed(f, bad, "alice@example.org", PRIV_SPEC), FED_INBOUND_DROP);
    tally(f, post, alice, counts, &own);
    assert_int_equal(own, -1);
    assert_int_equal(counts[0] + counts[1] + counts[2], 0);
    assert_int_equal(drain(f, jobs, 4), 0);
    free(bad);
    /* An answer the poll does not have, properly signed: refused. */
    bad = resign(f, raw, "<poll_answer_guid>" YES_GUID,
                 "<poll_answer_guid>ffffffffffffffffffffffffffffffff");
    assert_int_equal(deliver_signed(f, bad, "alice@example.org", PRIV_SPEC), FED_INBOUND_DROP);
    tally(f, post, alice, counts, &own);
    assert_int_equal(own, -1);
    /* A second vote under another GUID, properly signed: the first counts. */
    bad = resign(f, raw, "<guid>f1eb866029f7013487753131731751e9",
                 "<guid>f1eb866029f7013487753131731751ea");
    assert_int_equal(deliver_file(f, ORA "poll_participation.envelope.xml"), FED_INBOUND_DONE);
    assert_int_equal(
        deliver_signed(f,
                       resign(f, bad, "<poll_answer_guid>" YES_GUID, "<poll_answer_guid>" NO_GUID),
                       "alice@example.org", PRIV_SPEC),
        FED_INBOUND_DONE);
    tally(f, post, alice, counts, &own);
    assert_int_equal(own, 0);
    assert_int_equal(counts[0], 1);
    assert_int_equal(counts[1], 0);
    assert_int_equal(drain(f, jobs, 4), 1); /* the first one's relay only */
    free(raw);
}

/* A vote on a remote post, relayed by the post's author: counted here,
 * not relayed again. */
static void
test_poll_participation_relayed(void **state)
{
    struct fixture *f = *state;
    uint64_t bob, alice, post;
    uint32_t counts[STORE_POLL_MAX_ANSWERS];
    struct store_outbox_job jobs[4];
    char *raw = test_slurp(ORA "poll_participation.payload.xml", NULL);
    struct store_txn *txn;
    struct store_post p;
    int32_t own;

    local(f, "dave", "d.example", "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4", NULL, NULL);
    alice = remote(f, "alice@example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    bob = remote(f, "bob@example.com", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", KEY_4096);
    txn = wtxn(f);
    memset(&p, 0, sizeof p);
    snprintf(p.guid, sizeof p.guid, "378473f029e9013487753131731751e9");
    p.author = bob;
    p.type = STORE_POST_STATUS;
    p.public = true;
    p.text = "vote";
    p.created_at = 1700000000;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, vector_poll(true)), POD_OK);
    commit(txn);
    post = p.id;
    /* Signed by someone else than the root author: refused. */
    remote(f, "carol@c.example", "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", KEY_4096);
    assert_int_equal(deliver_signed(f, raw, "carol@c.example", PRIV_4096), FED_INBOUND_DROP);
    /* Relayed by bob, alice's author_signature kept: accepted. */
    assert_int_equal(deliver_signed(f, raw, "bob@example.com", PRIV_4096), FED_INBOUND_DONE);
    tally(f, post, alice, counts, &own);
    assert_int_equal(own, 0);
    assert_int_equal(counts[0], 1);
    assert_int_equal(drain(f, jobs, 4), 0);
    free(raw);
}

/* Only the recipients of a local limited post vote on it. */
static void
test_poll_participation_limited(void **state)
{
    struct fixture *f = *state;
    uint64_t bob, alice, carol, post, both[2];
    uint32_t counts[STORE_POLL_MAX_ANSWERS];
    char *raw = test_slurp(ORA "poll_participation.payload.xml", NULL);
    char *key = test_slurp(PRIV_SPEC, NULL), *pub = test_slurp(KEY_4096, NULL), why[256];
    char *env = NULL, *body = NULL;
    size_t env_len = 0, body_len = 0;
    struct store_txn *txn;
    struct store_post p;
    struct pod_arena a;
    int32_t own;

    bob = local(f, "bob", "example.com", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", PRIV_4096, KEY_4096);
    alice = remote(f, "alice@example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    carol = remote(f, "carol@c.example", "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", KEY_4096);
    txn = wtxn(f);
    memset(&p, 0, sizeof p);
    snprintf(p.guid, sizeof p.guid, "378473f029e9013487753131731751e9");
    p.author = bob;
    p.type = STORE_POST_STATUS;
    p.text = "for carol";
    p.created_at = 1700000000;
    assert_int_equal(store_post_add(txn, &p, &carol, 1, NULL, 0, vector_poll(true)), POD_OK);
    commit(txn);
    post = p.id;
    /* Privately to bob (the public route refuses it anyway). */
    pod_arena_init(&a, NULL, 0, 1 << 20);
    assert_int_equal(fed_envelope_build(raw, strlen(raw), "alice@example.org", key, &a, &env,
                                        &env_len, why, sizeof why),
                     POD_OK);
    assert_int_equal(
        fed_private_envelope_encrypt(env, env_len, pub, &a, &body, &body_len, why, sizeof why),
        POD_OK);
    assert_int_equal(deliver_to(f, STORE_INBOX_PRIVATE, bob, body, body_len), FED_INBOUND_DROP);
    tally(f, post, alice, counts, &own);
    assert_int_equal(own, -1);
    assert_int_equal(counts[0], 0);
    /* The same post shared with alice too: her vote counts. */
    txn = wtxn(f);
    assert_int_equal(store_post_delete(txn, post), POD_OK);
    both[0] = carol;
    both[1] = alice;
    p.id = 0;
    assert_int_equal(store_post_add(txn, &p, both, 2, NULL, 0, vector_poll(true)), POD_OK);
    commit(txn);
    post = p.id;
    assert_int_equal(deliver_to(f, STORE_INBOX_PRIVATE, bob, body, body_len), FED_INBOUND_DONE);
    tally(f, post, alice, counts, &own);
    assert_int_equal(own, 0);
    pod_arena_free(&a);
    free(key);
    free(pub);
    free(raw);
}

/* The poll GUID index of the store. */
static void
test_store_poll_guids(void **state)
{
    struct fixture *f = *state;
    uint64_t bob, post = 0;
    struct store_txn *txn;
    struct store_poll *ids, got;
    struct store_post p, q, r;

    bob = local(f, "bob", "example.com", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", NULL, NULL);
    txn = rtxn(f);
    /* No poll with a GUID yet: nothing (and no index database). */
    assert_int_equal(store_poll_get_by_guid(txn, POLL_GUID, &post, NULL), POD_ERR_NOTFOUND);
    store_txn_abort(txn);
    txn = wtxn(f);
    memset(&p, 0, sizeof p);
    snprintf(p.guid, sizeof p.guid, "0101010101010101aaaa");
    p.author = bob;
    p.type = STORE_POST_STATUS;
    p.public = true;
    p.text = "one";
    p.created_at = 1700000000;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, vector_poll(true)), POD_OK);
    q = p;
    snprintf(q.guid, sizeof q.guid, "0202020202020202bbbb");
    /* A second poll with the same GUID is refused, and nothing is written. */
    assert_int_equal(store_post_add(txn, &q, NULL, 0, NULL, 0, vector_poll(true)), POD_ERR_EXISTS);
    assert_int_equal(store_post_get_by_guid(txn, q.guid, &f->arena, &r), POD_ERR_NOTFOUND);
    /* A poll without GUIDs gets them later. */
    assert_int_equal(store_post_add(txn, &q, NULL, 0, NULL, 0, vector_poll(false)), POD_OK);
    ids = vector_poll(true);
    snprintf(ids->guid, sizeof ids->guid, "3333333333333333cccc");
    ids->answer_count = 2;
    assert_int_equal(store_poll_set_guids(txn, q.id, ids), POD_ERR_INVAL); /* count */
    ids->answer_count = 3;
    snprintf(ids->guid, sizeof ids->guid, POLL_GUID);
    assert_int_equal(store_poll_set_guids(txn, q.id, ids), POD_ERR_EXISTS); /* p's */
    snprintf(ids->guid, sizeof ids->guid, "3333333333333333cccc");
    assert_int_equal(store_poll_set_guids(txn, q.id, ids), POD_OK);
    commit(txn);
    txn = rtxn(f);
    assert_int_equal(store_poll_get_by_guid(txn, "3333333333333333cccc", &post, &got), POD_OK);
    assert_int_equal(post, q.id);
    assert_string_equal(got.answers[1], "No");
    assert_string_equal(got.answer_guids[1], NO_GUID);
    assert_int_equal(store_poll_get_by_guid(txn, POLL_GUID, &post, NULL), POD_OK);
    assert_int_equal(post, p.id);
    store_txn_abort(txn);
    /* A deleted post's poll is no longer found by GUID. */
    txn = wtxn(f);
    assert_int_equal(store_post_delete(txn, p.id), POD_OK);
    assert_int_equal(store_poll_get_by_guid(txn, POLL_GUID, &post, NULL), POD_ERR_NOTFOUND);
    commit(txn);
}

/* ----------------------------------------------------------- local votes */

static struct fed_entity *
job_entity(struct fixture *f, const struct store_outbox_job *j)
{
    struct fed_entity *e;
    char why[128];

    assert_int_equal(fed_entity_parse(j->payload, j->payload_len, &f->arena, &e, why, sizeof why),
                     POD_OK);
    return e;
}

/* A local vote on a remote post goes to its author, signed by the task. */
static void
test_local_vote_on_remote_poll(void **state)
{
    struct fixture *f = *state;
    uint64_t bob =
        local(f, "bob", "example.com", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", PRIV_SPEC, KEY_SPEC);
    uint64_t alice = remote(f, "alice@example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    struct store_outbox_job jobs[4];
    struct fed_envelope env;
    struct fed_entity *e;
    struct store_txn *txn;
    struct store_post p;
    const char **names, **values, *ctype;
    char why[256], *body, *pub = test_slurp(KEY_SPEC, NULL);
    size_t len, n;

    contact(f, bob, alice);
    assert_int_equal(deliver_file(f, ORA "status_message_with_poll.envelope.xml"),
                     FED_INBOUND_DONE);
    drain(f, jobs, 4); /* the participation bob's pod sends for the post */
    txn = wtxn(f);
    assert_int_equal(store_post_get_by_guid(txn, "378473f029e9013487753131731751e9", &f->arena, &p),
                     POD_OK);
    assert_int_equal(social_poll_vote(txn, bob, p.id, 2), POD_OK);
    assert_int_equal(social_poll_vote(txn, bob, p.id, 1), POD_ERR_EXISTS);
    commit(txn);
    assert_int_equal(drain(f, jobs, 4), 1);
    assert_int_equal(jobs[0].author, bob);
    assert_string_equal(jobs[0].url, "https://example.org/receive/public");
    e = job_entity(f, &jobs[0]);
    assert_string_equal(e->type, "poll_participation");
    assert_string_equal(fed_entity_get(e, "author"), "bob@example.com");
    assert_string_equal(fed_entity_get(e, "parent_guid"), POLL_GUID);
    assert_string_equal(fed_entity_get(e, "poll_answer_guid"), MAYBE_GUID);
    assert_string_equal(fed_entity_get(e, "author_signature"), "");
    assert_int_equal(fed_entity_validate(e, why, sizeof why), POD_OK);
    /* The task signs it with bob's key; the signature verifies. */
    txn = rtxn(f);
    assert_int_equal(
        task_fed_outbox_prepare(txn, &jobs[0], &f->arena, &body, &len, &ctype, why, sizeof why),
        POD_OK);
    store_txn_abort(txn);
    assert_int_equal(fed_envelope_parse(body, len, &f->arena, &env, why, sizeof why), POD_OK);
    assert_int_equal(fed_entity_parse(env.payload, env.payload_len, &f->arena, &e, why, sizeof why),
                     POD_OK);
    assert_int_equal(fed_entity_signature_lists(e, &f->arena, &names, &values, &n), POD_OK);
    assert_int_equal(fed_relayable_verify(names, values, n, fed_entity_get(e, "author_signature"),
                                          pub, why, sizeof why),
                     POD_OK);
    free(pub);
}

/* A local vote on a local post goes to the post's audience (like a
 * comment); the author's own vote carries no author_signature. */
static void
test_local_vote_on_local_poll(void **state)
{
    struct fixture *f = *state;
    uint64_t bob, eve, post;
    struct store_outbox_job jobs[4];
    struct store_txn *txn;
    struct fed_entity *e;

    post = bob_poll(f, &bob);
    eve = local(f, "eve", "example.com", "e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5", NULL, NULL);
    txn = wtxn(f);
    assert_int_equal(social_poll_vote(txn, eve, post, 1), POD_OK);
    assert_int_equal(social_poll_vote(txn, bob, post, 0), POD_OK);
    commit(txn);
    assert_int_equal(drain(f, jobs, 4), 2);
    e = job_entity(f, &jobs[0]);
    assert_string_equal(jobs[0].url, "https://c.example/receive/public");
    assert_int_equal(jobs[0].author, bob);
    assert_string_equal(fed_entity_get(e, "author"), "eve@example.com");
    assert_string_equal(fed_entity_get(e, "poll_answer_guid"), NO_GUID);
    assert_string_equal(fed_entity_get(e, "author_signature"), "");
    e = job_entity(f, &jobs[1]);
    assert_string_equal(fed_entity_get(e, "author"), "bob@example.com");
    assert_null(fed_entity_get(e, "author_signature"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_outbound_photos_byte_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbound_poll_byte_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbound_all_byte_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbound_poll_guids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbound_photos, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbound_photo_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbound_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_participation_vector, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_participation_tampered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_participation_relayed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_participation_limited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_poll_guids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_vote_on_remote_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_vote_on_local_poll, setup, teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
