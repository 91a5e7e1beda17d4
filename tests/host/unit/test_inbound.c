/*
 * test_inbound.c - processing federation deliveries (federation/inbound.h,
 * social/federated.h, task/fed_inbox_task.h) on a real store with the
 * oracle vectors: the senders are inserted as remote people with their
 * keys (keys/keymap.json), so no network is needed.
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
#include "store/contacts.h"
#include "store/fed_inbox.h"
#include "store/fed_outbox.h"
#include "store/notifications.h"
#include "store/people.h"
#include "store/posts.h"
#include "storetest.h"
#include "task/fed_inbox_task.h"
#include "task/fed_outbox_task.h"

#define V           POD_VECTORS_DIR
#define KEY_SPEC    V "/keys/spec_key_1024_public.pem"
#define KEY_4096    V "/keys/oracle_key_4096_public.pem"
#define PRIV_SPEC   V "/keys/spec_key_1024_private.pem"
#define PRIV_4096   V "/keys/oracle_key_4096_private.pem"
#define ENV_STATUS  V "/magic_envelope/status_message.envelope.xml"
#define ENC_PRIVATE V "/encrypted/private_status_message.body.json"
#define REL         V "/relayable/"
#define ORA         V "/oracle_envelopes/"

#define POST_GUID    "0123456789abcdef0123456789abcdef"
#define PARENT_GUID  "9e269ae0b41201333b8c0f77ba60fa73"
#define PRIVATE_GUID "1111222233334444aaaabbbbccccdddd"

static int64_t
fixed_now(void)
{
    return 1750000000;
}

/* A local account with the key pair in the files (or none). */
static uint64_t
local(struct fixture *f, const char *name, const char *host, const char *guid, const char *priv,
      const char *pub)
{
    struct store_txn *txn = wtxn(f);
    uint64_t id = storetest_local_user_files(txn, name, host, guid, priv, pub, 1710000000);

    commit(txn);
    return id;
}

/* A remote person with the public key in keyfile. */
static uint64_t
remote(struct fixture *f, const char *did, const char *guid, const char *keyfile)
{
    struct store_txn *txn = wtxn(f);
    uint64_t id = storetest_remote_person_file(txn, did, guid, keyfile, false);

    commit(txn);
    return id;
}

static uint64_t
add_post(struct fixture *f, const char *guid, uint64_t author, bool public)
{
    struct store_txn *txn = wtxn(f);
    struct store_post p;

    memset(&p, 0, sizeof p);
    snprintf(p.guid, sizeof p.guid, "%s", guid);
    p.author = author;
    p.type = STORE_POST_STATUS;
    p.public = public;
    p.text = "a post";
    p.created_at = 1700000000;
    assert_int_equal(store_post_add(txn, &p, NULL, 0, NULL, 0, NULL), POD_OK);
    commit(txn);
    return p.id;
}

/* Queues body as an inbox item and processes it once; when applied, the
 * item must be gone. */
static enum fed_inbound_outcome
deliver(struct fixture *f, enum store_inbox_kind kind, uint64_t recipient, const char *body,
        size_t len)
{
    struct fed_inbound_ctx ctx = {f->st, NULL, fixed_now};
    struct store_txn *txn = wtxn(f);
    struct store_inbox_item it;
    enum fed_inbound_outcome o;
    char why[256];
    uint64_t id, n;

    assert_int_equal(store_inbox_push(txn, kind, recipient, body, len, 1, &id), POD_OK);
    commit(txn);
    txn = rtxn(f);
    assert_int_equal(store_inbox_oldest(txn, id - 1, &f->arena, &it), POD_OK);
    store_txn_abort(txn);
    assert_int_equal(it.id, id);
    o = fed_inbound_process(&ctx, &it, why, sizeof why);
    print_message("  outcome %d: %s\n", (int)o, why);
    txn = wtxn(f);
    if (o == FED_INBOUND_DONE) {
        assert_int_equal(store_inbox_delete(txn, id), POD_ERR_NOTFOUND);
    } else {
        assert_int_equal(store_inbox_delete(txn, id), POD_OK); /* the task's job */
    }
    assert_int_equal(store_inbox_count(txn, &n), POD_OK);
    assert_int_equal(n, 0);
    commit(txn);
    return o;
}

static enum fed_inbound_outcome
deliver_file(struct fixture *f, enum store_inbox_kind kind, uint64_t recipient, const char *path)
{
    size_t len;
    char *body = test_slurp(path, &len);
    enum fed_inbound_outcome o = deliver(f, kind, recipient, body, len);

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
    o = deliver(f, STORE_INBOX_PUBLIC, 0, env, env_len);
    pod_arena_free(&a);
    free(key);
    return o;
}

static int
count_one(uint64_t post, int64_t t, void *ctx)
{
    (void)post;
    (void)t;
    ++*(unsigned *)ctx;
    return 0;
}

static unsigned
public_count(struct fixture *f)
{
    struct store_txn *txn = rtxn(f);
    unsigned n = 0;

    assert_int_equal(store_stream_public(txn, INT64_MAX, UINT64_MAX, 100, count_one, &n), POD_OK);
    store_txn_abort(txn);
    return n;
}

static struct store_post
get_post(struct fixture *f, const char *guid, int expect)
{
    struct store_txn *txn = rtxn(f);
    struct store_post p;

    memset(&p, 0, sizeof p);
    assert_int_equal(store_post_get_by_guid(txn, guid, &f->arena, &p), expect);
    store_txn_abort(txn);
    return p;
}

/* ---------------------------------------------------------------- tests */

static void
test_public_status_message_once(void **state)
{
    struct fixture *f = *state;
    uint64_t alice;
    struct store_post p;

    local(f, "bob", "pod-b.org", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", NULL, NULL);
    alice = remote(f, "alice@pod-a.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ENV_STATUS), FED_INBOUND_DONE);
    p = get_post(f, POST_GUID, POD_OK);
    assert_int_equal(p.author, alice);
    assert_true(p.public);
    assert_int_equal(p.type, STORE_POST_STATUS);
    assert_string_equal(p.text, "hello from the oracle");
    assert_int_equal(p.created_at, 1704164645); /* 2024-01-02T03:04:05Z */
    assert_int_equal(public_count(f), 1);
    /* The same delivery again changes nothing. */
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ENV_STATUS), FED_INBOUND_DONE);
    assert_int_equal(public_count(f), 1);
    assert_int_equal(get_post(f, POST_GUID, POD_OK).id, p.id);
}

static void
test_bad_signature_and_unknown_sender(void **state)
{
    struct fixture *f = *state;
    size_t len;
    char *body = test_slurp(ENV_STATUS, &len), *sig = strstr(body, "<me:sig");

    /* Unknown sender and no discovery: passing (kept for a retry). */
    assert_int_equal(deliver(f, STORE_INBOX_PUBLIC, 0, body, len), FED_INBOUND_RETRY);
    remote(f, "alice@pod-a.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    /* One character of the signature changed: dropped. */
    assert_non_null(sig);
    sig = strchr(sig, '>') + 10;
    *sig = *sig == 'A' ? 'B' : 'A';
    assert_int_equal(deliver(f, STORE_INBOX_PUBLIC, 0, body, len), FED_INBOUND_DROP);
    get_post(f, POST_GUID, POD_ERR_NOTFOUND);
    /* Not an envelope at all: dropped. */
    assert_int_equal(deliver(f, STORE_INBOX_PUBLIC, 0, "<x/>", 4), FED_INBOUND_DROP);
    free(body);
}

static void
test_private_status_message(void **state)
{
    struct fixture *f = *state;
    uint64_t bob, carol, alice;
    struct store_post p;
    struct store_txn *txn;
    unsigned n = 0;

    bob = local(f, "bob", "pod-b.org", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", PRIV_4096, KEY_4096);
    carol = local(f, "carol", "pod-b.org", "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0", NULL, NULL);
    alice = remote(f, "alice@pod-a.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    /* Sent to carol, who has no key yet: nobody can read it. */
    assert_int_equal(deliver_file(f, STORE_INBOX_PRIVATE, carol, ENC_PRIVATE), FED_INBOUND_DROP);
    /* The inner envelope on the public route: a limited post is refused. */
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0,
                                  V "/encrypted/private_status_message.inner.envelope.xml"),
                     FED_INBOUND_DROP);
    get_post(f, PRIVATE_GUID, POD_ERR_NOTFOUND);
    /* To bob: decrypted with his key, limited to him. */
    assert_int_equal(deliver_file(f, STORE_INBOX_PRIVATE, bob, ENC_PRIVATE), FED_INBOUND_DONE);
    p = get_post(f, PRIVATE_GUID, POD_OK);
    assert_int_equal(p.author, alice);
    assert_false(p.public);
    txn = rtxn(f);
    assert_true(store_post_is_shared_with(txn, p.id, bob));
    assert_false(store_post_is_shared_with(txn, p.id, carol));
    assert_int_equal(store_stream_inbox(txn, bob, INT64_MAX, UINT64_MAX, 10, count_one, &n),
                     POD_OK);
    store_txn_abort(txn);
    assert_int_equal(n, 1);
    assert_int_equal(public_count(f), 0);
    assert_int_equal(deliver_file(f, STORE_INBOX_PRIVATE, bob, ENC_PRIVATE), FED_INBOUND_DONE);
}

/* A limited post goes to each local recipient in its own encrypted copy
 * (§5.4): the second copy, for erin, makes her a recipient too. */
static void
test_private_status_message_second_recipient(void **state)
{
    struct fixture *f = *state;
    uint64_t bob, erin;
    struct store_post p;
    struct store_txn *txn;
    struct pod_arena a;
    size_t inner_len, body_len;
    char *inner = test_slurp(V "/encrypted/private_status_message.inner.envelope.xml", &inner_len);
    char *pub = test_slurp(KEY_SPEC, NULL), *body, why[256] = "";
    unsigned n = 0;

    pod_arena_init(&a, NULL, 0, 1 << 20);
    bob = local(f, "bob", "pod-b.org", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", PRIV_4096, KEY_4096);
    erin = local(f, "erin", "pod-b.org", "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0", PRIV_SPEC, KEY_SPEC);
    remote(f, "alice@pod-a.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    assert_int_equal(deliver_file(f, STORE_INBOX_PRIVATE, bob, ENC_PRIVATE), FED_INBOUND_DONE);
    p = get_post(f, PRIVATE_GUID, POD_OK);
    txn = rtxn(f);
    assert_false(store_post_is_shared_with(txn, p.id, erin));
    store_txn_abort(txn);
    assert_int_equal(
        fed_private_envelope_encrypt(inner, inner_len, pub, &a, &body, &body_len, why, sizeof why),
        POD_OK);
    assert_int_equal(deliver(f, STORE_INBOX_PRIVATE, erin, body, body_len), FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_true(store_post_is_shared_with(txn, p.id, bob));
    assert_true(store_post_is_shared_with(txn, p.id, erin));
    assert_int_equal(store_stream_inbox(txn, erin, INT64_MAX, UINT64_MAX, 10, count_one, &n),
                     POD_OK);
    store_txn_abort(txn);
    assert_int_equal(n, 1);
    assert_int_equal(deliver(f, STORE_INBOX_PRIVATE, erin, body, body_len), FED_INBOUND_DONE);
    assert_int_equal(get_post(f, PRIVATE_GUID, POD_OK).id, p.id);
    pod_arena_free(&a);
    free(inner);
    free(pub);
}

static void
test_comment_on_local_post(void **state)
{
    struct fixture *f = *state;
    uint64_t bob, alice, post;
    struct store_txn *txn;
    struct store_comment c;
    uint32_t unread = 0;

    bob = local(f, "bob", "pod-b.org", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", PRIV_4096, KEY_4096);
    alice = remote(f, "alice@pod-a.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    /* The parent is not known yet: retried later. */
    assert_int_equal(
        deliver_file(f, STORE_INBOX_PUBLIC, 0, REL "comment_to_parent_author.envelope.xml"),
        FED_INBOUND_RETRY);
    post = add_post(f, PARENT_GUID, bob, true);
    /* Sender = comment author and the post is local: accepted, twice = once. */
    for (int i = 0; i < 2; i++)
        assert_int_equal(
            deliver_file(f, STORE_INBOX_PUBLIC, 0, REL "comment_to_parent_author.envelope.xml"),
            FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_int_equal(
        store_comment_get_by_guid(txn, "fedcba9876543210fedcba9876543210", &f->arena, &c), POD_OK);
    assert_int_equal(c.author, alice);
    assert_int_equal(c.post, post);
    assert_string_equal(c.text, "nice post");
    assert_int_equal(c.created_at, 1704164645);
    assert_int_equal(get_post(f, PARENT_GUID, POD_OK).comments_count, 1);
    assert_int_equal(store_notifications_unread(txn, bob, &unread, NULL), POD_OK);
    assert_int_equal(unread, 1);
    store_txn_abort(txn);
}

static void
test_comment_on_remote_post(void **state)
{
    struct fixture *f = *state;
    uint64_t bob, alice;
    struct store_txn *txn;
    struct store_comment c;
    char *payload, *env = NULL, *key, *at, why[256];
    size_t len, env_len;
    struct pod_arena a;

    local(f, "carol", "pod-c.org", "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0", NULL, NULL);
    bob = remote(f, "bob@pod-b.org", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", KEY_4096);
    alice = remote(f, "alice@pod-a.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    add_post(f, PARENT_GUID, bob, true);
    /* alice sends her comment on bob's post to a third pod: refused (§4.3). */
    assert_int_equal(
        deliver_file(f, STORE_INBOX_PUBLIC, 0, REL "comment_to_parent_author.envelope.xml"),
        FED_INBOUND_DROP);
    assert_int_equal(get_post(f, PARENT_GUID, POD_OK).comments_count, 0);
    /* Relayed by bob, alice's author_signature checked: accepted. */
    assert_int_equal(
        deliver_file(f, STORE_INBOX_PUBLIC, 0, REL "comment_relayed_by_parent_author.envelope.xml"),
        FED_INBOUND_DONE);
    /* bob's own comment: no author_signature needed. */
    assert_int_equal(
        deliver_file(f, STORE_INBOX_PUBLIC, 0, REL "comment_by_parent_author.envelope.xml"),
        FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_int_equal(
        store_comment_get_by_guid(txn, "e21589b0b41101333b870f77ba60fa73", &f->arena, &c), POD_OK);
    assert_int_equal(c.author, alice);
    assert_int_equal(
        store_comment_get_by_guid(txn, "0a0b0c0d0e0f101112131415161718ff", &f->arena, &c), POD_OK);
    assert_int_equal(c.author, bob);
    store_txn_abort(txn);
    assert_int_equal(get_post(f, PARENT_GUID, POD_OK).comments_count, 2);

    /* bob relays a comment whose text was changed after alice signed it:
     * the envelope verifies, the author_signature does not. */
    payload = test_slurp(REL "comment_relayed_by_parent_author.payload.xml", &len);
    at = strstr(payload, "e21589b0");
    memcpy(at, "e21589b1", 8); /* another GUID, so it is not "known already" */
    at = strstr(payload, "informative");
    at[0] = 'I';
    key = test_slurp(PRIV_4096, NULL);
    pod_arena_init(&a, NULL, 0, 1 << 20);
    assert_int_equal(crypto_rng_init(), POD_OK);
    assert_int_equal(
        fed_envelope_build(payload, len, "bob@pod-b.org", key, &a, &env, &env_len, why, sizeof why),
        POD_OK);
    assert_int_equal(deliver(f, STORE_INBOX_PUBLIC, 0, env, env_len), FED_INBOUND_DROP);
    assert_int_equal(get_post(f, PARENT_GUID, POD_OK).comments_count, 2);

    /* bob, the root author, retracts alice's comment (author = alice, §7) */
    assert_int_equal(
        deliver_signed(f,
                       "<retraction>\n  <author>alice@pod-a.org</author>\n"
                       "  <target_guid>e21589b0b41101333b870f77ba60fa73</target_guid>\n"
                       "  <target_type>Comment</target_type>\n</retraction>",
                       "bob@pod-b.org", PRIV_4096),
        FED_INBOUND_DONE);
    assert_int_equal(get_post(f, PARENT_GUID, POD_OK).comments_count, 1);
    pod_arena_free(&a);
    free(key);
    free(payload);
}

/* The oracle_envelopes/ vectors: alice@example.org (spec key) to the local
 * bob@example.com, whose posts are the parents. */
static void
test_oracle_like_retraction_contact_profile(void **state)
{
    struct fixture *f = *state;
    uint64_t bob, alice, liked;
    struct store_txn *txn;
    struct store_contact c;
    struct store_person p;
    struct store_like l;
    char *xml, *pub, *body = NULL, why[256];
    size_t len, body_len;
    struct pod_arena a;
    uint32_t by_type[STORE_NOTIF_TYPE_END] = {0}, total = 0;

    bob = local(f, "bob", "example.com", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", PRIV_4096, KEY_4096);
    alice = remote(f, "alice@example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    liked = add_post(f, "947a854029f7013487753131731751e9", bob, true);
    add_post(f, "c3893bf029e7013487753131731751e9", bob, true);
    add_post(f, "8d89e1f029f6013487753131731751e9", alice, true);

    /* like on bob's post, twice = once */
    for (int i = 0; i < 2; i++)
        assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "like.envelope.xml"),
                         FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_int_equal(store_like_get_by_guid(txn, "947a88f029f7013487753131731751e9", &l), POD_OK);
    assert_int_equal(l.author, alice);
    assert_int_equal(l.target_type, STORE_LIKE_POST);
    assert_int_equal(l.target, liked);
    assert_true(l.positive);
    store_txn_abort(txn);
    assert_int_equal(get_post(f, "947a854029f7013487753131731751e9", POD_OK).likes_count, 1);

    /* comment on bob's post */
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "comment.envelope.xml"),
                     FED_INBOUND_DONE);
    assert_int_equal(get_post(f, "c3893bf029e7013487753131731751e9", POD_OK).comments_count, 1);

    /* retraction of alice's post removes it; again: nothing to do */
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "retraction.envelope.xml"),
                     FED_INBOUND_DONE);
    get_post(f, "8d89e1f029f6013487753131731751e9", POD_ERR_NOTFOUND);
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "retraction.envelope.xml"),
                     FED_INBOUND_DONE);

    /* contact: alice starts sharing with bob */
    for (int i = 0; i < 2; i++)
        assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "contact.envelope.xml"),
                         FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_int_equal(store_contact_get(txn, bob, alice, &c), POD_OK);
    assert_true(c.receiving);
    assert_false(c.sharing);
    assert_int_equal(store_notifications_unread(txn, bob, &total, by_type), POD_OK);
    assert_int_equal(by_type[STORE_NOTIF_STARTED_SHARING], 1);
    store_txn_abort(txn);

    /* profile with public=false and bio: not on the public route ... */
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "profile.envelope.xml"),
                     FED_INBOUND_DROP);
    /* ... but privately to bob */
    xml = test_slurp(ORA "profile.envelope.xml", &len);
    pub = test_slurp(KEY_4096, NULL);
    pod_arena_init(&a, NULL, 0, 1 << 20);
    assert_int_equal(crypto_rng_init(), POD_OK);
    assert_int_equal(
        fed_private_envelope_encrypt(xml, len, pub, &a, &body, &body_len, why, sizeof why), POD_OK);
    assert_int_equal(deliver(f, STORE_INBOX_PRIVATE, bob, body, body_len), FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_int_equal(store_person_get(txn, alice, &p), POD_OK);
    store_txn_abort(txn);
    assert_string_equal(p.first_name, "Alice");
    assert_string_equal(p.last_name, "Smith");
    assert_string_equal(p.avatar_large,
                        "https://example.org/images/thumb_large_a795f872c93309597345.jpg");
    assert_true(p.searchable);
    assert_string_not_equal(p.public_key, ""); /* the key is kept */
    pod_arena_free(&a);
    free(xml);
    free(pub);

    /* alice participates in bob's post */
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "participation.envelope.xml"),
                     FED_INBOUND_DONE);
    liked = get_post(f, "c3893bf029e7013487753131731751e9", POD_OK).id;
    txn = rtxn(f);
    assert_true(store_participation_get(txn, alice, liked));
    store_txn_abort(txn);
    /* alice closes her account (details in test_fed_account.c) */
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "account_deletion.envelope.xml"),
                     FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_false(store_participation_get(txn, alice, liked));
    assert_int_equal(store_person_get(txn, alice, &p), POD_OK);
    assert_true(p.closed);
    store_txn_abort(txn);
    /* A closed account says nothing more: her participation and comment
     * are refused; a second delivery of the deletion is still fine. */
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "participation.envelope.xml"),
                     FED_INBOUND_DROP);
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "comment.envelope.xml"),
                     FED_INBOUND_DROP);
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "account_deletion.envelope.xml"),
                     FED_INBOUND_DONE);
}

#define RETRACT(author, guid, type)                                                                \
    "<retraction>\n  <author>" author "</author>\n  <target_guid>" guid                            \
    "</target_guid>\n  <target_type>" type "</target_type>\n</retraction>"

/* Retractions of likes and comments: by their author or the root author,
 * nobody else; and a reshare of a local post. */
static void
test_retractions_and_reshare(void **state)
{
    struct fixture *f = *state;
    uint64_t bob, alice, root;
    struct store_txn *txn;
    struct store_like l;
    struct store_comment c;
    struct store_post p;

    bob = local(f, "bob", "example.com", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", PRIV_4096, KEY_4096);
    alice = remote(f, "alice@example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    remote(f, "carol@pod-c.org", "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1", KEY_4096);
    add_post(f, "947a854029f7013487753131731751e9", bob, true);
    add_post(f, "c3893bf029e7013487753131731751e9", bob, true);
    root = add_post(f, "a0b53bc029f6013487753131731751e9", bob, true);
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "like.envelope.xml"),
                     FED_INBOUND_DONE);
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "comment.envelope.xml"),
                     FED_INBOUND_DONE);

    /* carol may retract neither */
    assert_int_equal(
        deliver_signed(f, RETRACT("alice@example.org", "947a88f029f7013487753131731751e9", "Like"),
                       "carol@pod-c.org", PRIV_4096),
        FED_INBOUND_DROP);
    assert_int_equal(
        deliver_signed(f,
                       RETRACT("alice@example.org", "5c241a3029f8013487763131731751e9", "Comment"),
                       "carol@pod-c.org", PRIV_4096),
        FED_INBOUND_DROP);
    /* nor may the author field name someone else than the target's author */
    assert_int_equal(
        deliver_signed(f, RETRACT("carol@pod-c.org", "947a88f029f7013487753131731751e9", "Like"),
                       "carol@pod-c.org", PRIV_4096),
        FED_INBOUND_DROP);
    assert_int_equal(get_post(f, "947a854029f7013487753131731751e9", POD_OK).likes_count, 1);
    assert_int_equal(get_post(f, "c3893bf029e7013487753131731751e9", POD_OK).comments_count, 1);

    /* A local user's entities never come from other pods. */
    assert_int_equal(
        deliver_signed(f,
                       RETRACT("alice@example.org", "5c241a3029f8013487763131731751e9", "Comment"),
                       "bob@example.com", PRIV_4096),
        FED_INBOUND_DROP);
    assert_int_equal(get_post(f, "c3893bf029e7013487753131731751e9", POD_OK).comments_count, 1);

    /* alice retracts her like and her comment */
    assert_int_equal(
        deliver_signed(f, RETRACT("alice@example.org", "947a88f029f7013487753131731751e9", "Like"),
                       "alice@example.org", V "/keys/spec_key_1024_private.pem"),
        FED_INBOUND_DONE);
    assert_int_equal(
        deliver_signed(f,
                       RETRACT("alice@example.org", "5c241a3029f8013487763131731751e9", "Comment"),
                       "alice@example.org", V "/keys/spec_key_1024_private.pem"),
        FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_int_equal(store_like_get_by_guid(txn, "947a88f029f7013487753131731751e9", &l),
                     POD_ERR_NOTFOUND);
    assert_int_equal(
        store_comment_get_by_guid(txn, "5c241a3029f8013487763131731751e9", &f->arena, &c),
        POD_ERR_NOTFOUND);
    store_txn_abort(txn);
    assert_int_equal(get_post(f, "947a854029f7013487753131731751e9", POD_OK).likes_count, 0);
    assert_int_equal(get_post(f, "c3893bf029e7013487753131731751e9", POD_OK).comments_count, 0);

    /* a reshare of bob's post, twice = once */
    for (int i = 0; i < 2; i++)
        assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "reshare.envelope.xml"),
                         FED_INBOUND_DONE);
    p = get_post(f, "a0b53e5029f6013487753131731751e9", POD_OK);
    assert_int_equal(p.type, STORE_POST_RESHARE);
    assert_int_equal(p.author, alice);
    assert_int_equal(p.root, root);
    assert_int_equal(get_post(f, "a0b53bc029f6013487753131731751e9", POD_OK).reshares_count, 1);
}

/* ------------------------------------------------------------ relaying */

static void
add_contact(struct fixture *f, uint64_t owner, uint64_t person)
{
    struct store_txn *txn = wtxn(f);
    struct store_contact c;

    memset(&c, 0, sizeof c);
    c.owner = owner;
    c.person = person;
    c.sharing = true;
    c.receiving = true;
    c.created_at = 1700000000;
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
    commit(txn);
}

#define MAX_JOBS 8

/* Takes every outbox job out (payloads into a); returns how many. */
static size_t
drain_jobs(struct fixture *f, struct pod_arena *a, struct store_outbox_job *out)
{
    struct store_txn *txn = wtxn(f);
    size_t n = 0;

    while (store_outbox_next_due(txn, INT64_MAX, a, &out[n]) == POD_OK) {
        assert_int_equal(store_outbox_delete(txn, out[n].id), POD_OK);
        assert_true(++n < MAX_JOBS);
    }
    commit(txn);
    return n;
}

/* The author_signature of relayable payload verifies with pubfile. */
static void
assert_author_signature(const char *payload, size_t len, const char *pubfile)
{
    struct pod_arena a;
    struct fed_entity *e;
    const char **names, **values;
    char *pub = test_slurp(pubfile, NULL), why[256] = "";
    size_t n;

    pod_arena_init(&a, NULL, 0, 1 << 20);
    assert_int_equal(fed_entity_parse(payload, len, &a, &e, why, sizeof why), POD_OK);
    assert_int_equal(fed_entity_signature_lists(e, &a, &names, &values, &n), POD_OK);
    assert_int_equal(fed_relayable_verify(names, values, n, fed_entity_get(e, "author_signature"),
                                          pub, why, sizeof why),
                     POD_OK);
    pod_arena_free(&a);
    free(pub);
}

/* The body the outbox task sends for job: a Magic Envelope (decrypted with
 * recipient_priv first when private) signed by the local bob (diaspora* ID
 * bob_did), verified with his key, whose payload is exactly the job's. */
static void
assert_sent_by_bob(struct fixture *f, const struct store_outbox_job *job, const char *bob_did,
                   const char *recipient_priv)
{
    struct store_txn *txn = rtxn(f);
    struct pod_arena a;
    struct fed_envelope env;
    const char *ctype = NULL;
    char *body = NULL, *xml, *pub = test_slurp(KEY_4096, NULL), why[256] = "";
    size_t len = 0, xml_len;

    pod_arena_init(&a, NULL, 0, 4 << 20);
    assert_int_equal(task_fed_outbox_prepare(txn, job, &a, &body, &len, &ctype, why, sizeof why),
                     POD_OK);
    store_txn_abort(txn);
    xml = body;
    xml_len = len;
    if (recipient_priv) {
        char *priv = test_slurp(recipient_priv, NULL);

        assert_string_equal(ctype, FED_PRIVATE_CONTENT_TYPE);
        assert_int_equal(
            fed_private_envelope_decrypt(body, len, priv, &a, &xml, &xml_len, why, sizeof why),
            POD_OK);
        free(priv);
    } else {
        assert_string_equal(ctype, FED_ENVELOPE_CONTENT_TYPE);
    }
    assert_int_equal(fed_envelope_parse(xml, xml_len, &a, &env, why, sizeof why), POD_OK);
    assert_string_equal(env.sender, bob_did);
    assert_int_equal(fed_envelope_verify(&env, pub, why, sizeof why), POD_OK);
    assert_int_equal(env.payload_len, job->payload_len);
    assert_memory_equal(env.payload, job->payload, job->payload_len);
    pod_arena_free(&a);
    free(pub);
}

static void
assert_payload_is_file(const struct store_outbox_job *job, const char *path)
{
    size_t len;
    char *want = test_slurp(path, &len);

    assert_int_equal(job->payload_len, len);
    assert_memory_equal(job->payload, want, len);
    free(want);
}

/* alice@pod-a.org comments on the public post of the local bob: bob's pod
 * relays her comment, as received and signed by bob, once to every other
 * pod of bob's contacts (pod-c), not to pod-a (§6.3). */
static void
test_relay_public_comment(void **state)
{
    struct fixture *f = *state;
    struct store_outbox_job jobs[MAX_JOBS];
    uint64_t bob, alice, carol, dave, erin;
    struct pod_arena a;
    char *payload;

    pod_arena_init(&a, NULL, 0, 4 << 20);
    bob = local(f, "bob", "pod-b.org", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", PRIV_4096, KEY_4096);
    alice = remote(f, "alice@pod-a.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    carol = remote(f, "carol@pod-c.org", "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1", KEY_4096);
    dave = remote(f, "dave@pod-a.org", "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1", KEY_4096);
    erin = remote(f, "erin@pod-c.org", "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1", KEY_4096);
    add_contact(f, bob, alice);
    add_contact(f, bob, carol);
    add_contact(f, bob, dave); /* on alice's pod: it gets nothing */
    add_contact(f, bob, erin); /* on carol's pod: one delivery per pod */
    add_post(f, PARENT_GUID, bob, true);

    assert_int_equal(
        deliver_file(f, STORE_INBOX_PUBLIC, 0, REL "comment_to_parent_author.envelope.xml"),
        FED_INBOUND_DONE);
    assert_int_equal(get_post(f, PARENT_GUID, POD_OK).comments_count, 1);
    assert_int_equal(drain_jobs(f, &a, jobs), 1);
    assert_int_equal(jobs[0].kind, STORE_OUTBOX_PUBLIC);
    assert_string_equal(jobs[0].url, "https://pod-c.org/receive/public");
    assert_string_equal(jobs[0].host, "pod-c.org");
    assert_int_equal(jobs[0].author, bob);
    /* alice's XML as the reference library wrote it, her signature intact */
    assert_payload_is_file(&jobs[0], REL "comment_to_parent_author.payload.xml");
    assert_author_signature(jobs[0].payload, jobs[0].payload_len, KEY_SPEC);
    assert_sent_by_bob(f, &jobs[0], "bob@pod-b.org", NULL);

    /* Delivered again: already applied, nothing relayed again. */
    assert_int_equal(
        deliver_file(f, STORE_INBOX_PUBLIC, 0, REL "comment_to_parent_author.envelope.xml"),
        FED_INBOUND_DONE);
    assert_int_equal(drain_jobs(f, &a, jobs), 0);

    /* An unknown element keeps its place: the relay is byte for byte the
     * oracle's relayed payload. */
    payload = test_slurp(REL "spec_comment_with_new_data.xml", NULL);
    assert_int_equal(deliver_signed(f, payload, "alice@pod-a.org", PRIV_SPEC), FED_INBOUND_DONE);
    assert_int_equal(drain_jobs(f, &a, jobs), 1);
    assert_string_equal(jobs[0].host, "pod-c.org");
    assert_payload_is_file(&jobs[0], REL "comment_relayed_by_parent_author.payload.xml");
    assert_author_signature(jobs[0].payload, jobs[0].payload_len, KEY_SPEC);
    assert_sent_by_bob(f, &jobs[0], "bob@pod-b.org", NULL);
    assert_int_equal(get_post(f, PARENT_GUID, POD_OK).comments_count, 2);
    free(payload);
    pod_arena_free(&a);
}

/* A like from a remote person on a local post is relayed too; a comment
 * relayed to us by a remote root author is not relayed again. */
static void
test_relay_like_not_remote_post(void **state)
{
    struct fixture *f = *state;
    struct store_outbox_job jobs[MAX_JOBS];
    uint64_t bob, alice, carol, dave, root;
    struct pod_arena a;

    pod_arena_init(&a, NULL, 0, 4 << 20);
    bob = local(f, "bob", "example.com", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", PRIV_4096, KEY_4096);
    alice = remote(f, "alice@example.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    carol = remote(f, "carol@pod-c.org", "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1", KEY_4096);
    dave = remote(f, "dave@pod-a.org", "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1", KEY_4096);
    add_contact(f, bob, alice);
    add_contact(f, bob, carol);
    add_contact(f, bob, dave);
    add_post(f, "947a854029f7013487753131731751e9", bob, true);
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ORA "like.envelope.xml"),
                     FED_INBOUND_DONE);
    assert_int_equal(drain_jobs(f, &a, jobs), 2);
    /* the two other pods, in whichever order; not example.org */
    assert_true(
        (strcmp(jobs[0].host, "pod-c.org") == 0 && strcmp(jobs[1].host, "pod-a.org") == 0) ||
        (strcmp(jobs[0].host, "pod-a.org") == 0 && strcmp(jobs[1].host, "pod-c.org") == 0));
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(jobs[i].author, bob);
        assert_payload_is_file(&jobs[i], ORA "like.payload.xml");
        assert_author_signature(jobs[i].payload, jobs[i].payload_len, KEY_SPEC);
    }
    assert_sent_by_bob(f, &jobs[1], "bob@example.com", NULL);

    /* A post of the remote bob@pod-b.org: the comment he relays is only
     * stored here. */
    root = remote(f, "bob@pod-b.org", "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1", KEY_4096);
    remote(f, "alice@pod-a.org", "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2", KEY_SPEC);
    add_post(f, PARENT_GUID, root, true);
    assert_int_equal(
        deliver_file(f, STORE_INBOX_PUBLIC, 0, REL "comment_relayed_by_parent_author.envelope.xml"),
        FED_INBOUND_DONE);
    assert_int_equal(get_post(f, PARENT_GUID, POD_OK).comments_count, 1);
    assert_int_equal(drain_jobs(f, &a, jobs), 0);
    pod_arena_free(&a);
}

/* alice comments privately on bob's limited post shared with alice, carol
 * and erin (local): relayed encrypted to carol only. */
/* dave's private key in a test: the 4096-bit oracle key (his public key
 * in the store is the same one), read once. */
static const char *
dave_priv(void)
{
    static char *k;

    if (!k)
        k = test_slurp(PRIV_4096, NULL);
    return k;
}

static void
test_relay_limited_comment(void **state)
{
    struct fixture *f = *state;
    struct store_outbox_job jobs[MAX_JOBS];
    uint64_t bob, alice, carol, dave, erin, to[3];
    struct store_txn *txn;
    struct store_post p;
    struct fed_entity *e;
    const char **names, **values;
    char *priv = test_slurp(PRIV_SPEC, NULL), *pub = test_slurp(KEY_4096, NULL), *sig, *xml, *env,
         *body, why[256] = "";
    size_t n, len, env_len, body_len;
    struct pod_arena a;

    pod_arena_init(&a, NULL, 0, 4 << 20);
    bob = local(f, "bob", "pod-b.org", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", PRIV_4096, KEY_4096);
    erin = local(f, "erin", "pod-b.org", "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0", NULL, NULL);
    alice = remote(f, "alice@pod-a.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    carol = remote(f, "carol@pod-c.org", "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1", KEY_4096);
    dave = remote(f, "dave@pod-a.org", "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1", KEY_4096);
    add_contact(f, bob, alice);
    add_contact(f, bob, carol);
    add_contact(f, bob, dave); /* not in the post's audience */
    add_contact(f, bob, erin);
    to[0] = alice;
    to[1] = carol;
    to[2] = erin;
    txn = wtxn(f);
    memset(&p, 0, sizeof p);
    snprintf(p.guid, sizeof p.guid, "%s", PARENT_GUID);
    p.author = bob;
    p.type = STORE_POST_STATUS;
    p.text = "for a few";
    p.created_at = 1700000000;
    assert_int_equal(store_post_add(txn, &p, to, 3, NULL, 0, NULL), POD_OK);
    commit(txn);

    /* alice's comment, signed by her, in an envelope encrypted for bob */
    e = fed_entity_new(&a, "comment");
    assert_non_null(e);
    assert_int_equal(fed_entity_add(e, &a, "author", "alice@pod-a.org"), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "guid", "abababababababababababababababab"), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "parent_guid", PARENT_GUID), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "text", "just us"), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "zz_unknown", "kept"), POD_OK);
    assert_int_equal(fed_entity_signature_lists(e, &a, &names, &values, &n), POD_OK);
    sig = pod_arena_alloc(&a, FED_SIGNATURE_B64_CAP);
    assert_int_equal(
        fed_relayable_sign(names, values, n, priv, sig, FED_SIGNATURE_B64_CAP, why, sizeof why),
        POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "author_signature", sig), POD_OK);
    assert_int_equal(fed_entity_emit(e, &a, &xml, &len), POD_OK);
    assert_int_equal(
        fed_envelope_build(xml, len, "alice@pod-a.org", priv, &a, &env, &env_len, why, sizeof why),
        POD_OK);
    assert_int_equal(
        fed_private_envelope_encrypt(env, env_len, pub, &a, &body, &body_len, why, sizeof why),
        POD_OK);
    assert_int_equal(deliver(f, STORE_INBOX_PRIVATE, bob, body, body_len), FED_INBOUND_DONE);
    assert_int_equal(get_post(f, PARENT_GUID, POD_OK).comments_count, 1);

    assert_int_equal(drain_jobs(f, &a, jobs), 1);
    assert_int_equal(jobs[0].kind, STORE_OUTBOX_PRIVATE);
    assert_int_equal(jobs[0].recipient, carol);
    assert_int_equal(jobs[0].author, bob);
    assert_string_equal(jobs[0].url,
                        "https://pod-c.org/receive/users/c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1");
    assert_int_equal(jobs[0].payload_len, len);
    assert_memory_equal(jobs[0].payload, xml, len);
    assert_author_signature(jobs[0].payload, jobs[0].payload_len, KEY_SPEC);
    assert_sent_by_bob(f, &jobs[0], "bob@pod-b.org", PRIV_4096); /* carol has the 4096 key here */

    /* The same comment on the public route: a limited post's relayables
     * travel encrypted only. */
    assert_int_equal(deliver(f, STORE_INBOX_PUBLIC, 0, env, env_len), FED_INBOUND_DROP);
    /* dave is bob's contact but not a recipient: he may not comment. */
    e = fed_entity_new(&a, "comment");
    assert_int_equal(fed_entity_add(e, &a, "author", "dave@pod-a.org"), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "guid", "dadadadadadadadadadadadadadadada"), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "parent_guid", PARENT_GUID), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "text", "let me in"), POD_OK);
    assert_int_equal(fed_entity_signature_lists(e, &a, &names, &values, &n), POD_OK);
    sig = pod_arena_alloc(&a, FED_SIGNATURE_B64_CAP);
    assert_int_equal(fed_relayable_sign(names, values, n, dave_priv(), sig, FED_SIGNATURE_B64_CAP,
                                        why, sizeof why),
                     POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "author_signature", sig), POD_OK);
    assert_int_equal(fed_entity_emit(e, &a, &xml, &len), POD_OK);
    assert_int_equal(fed_envelope_build(xml, len, "dave@pod-a.org", dave_priv(), &a, &env, &env_len,
                                        why, sizeof why),
                     POD_OK);
    assert_int_equal(
        fed_private_envelope_encrypt(env, env_len, pub, &a, &body, &body_len, why, sizeof why),
        POD_OK);
    assert_int_equal(deliver(f, STORE_INBOX_PRIVATE, bob, body, body_len), FED_INBOUND_DROP);
    assert_int_equal(get_post(f, PARENT_GUID, POD_OK).comments_count, 1);
    assert_int_equal(drain_jobs(f, &a, jobs), 0);

    /* alice retracts her comment: gone here, and bob relays the retraction
     * to the post's remote recipients (§6.4), alice's pod included. */
    e = fed_entity_new(&a, "retraction");
    assert_int_equal(fed_entity_add(e, &a, "author", "alice@pod-a.org"), POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "target_guid", "abababababababababababababababab"),
                     POD_OK);
    assert_int_equal(fed_entity_add(e, &a, "target_type", "Comment"), POD_OK);
    assert_int_equal(fed_entity_emit(e, &a, &xml, &len), POD_OK);
    assert_int_equal(
        fed_envelope_build(xml, len, "alice@pod-a.org", priv, &a, &env, &env_len, why, sizeof why),
        POD_OK);
    assert_int_equal(
        fed_private_envelope_encrypt(env, env_len, pub, &a, &body, &body_len, why, sizeof why),
        POD_OK);
    assert_int_equal(deliver(f, STORE_INBOX_PRIVATE, bob, body, body_len), FED_INBOUND_DONE);
    assert_int_equal(get_post(f, PARENT_GUID, POD_OK).comments_count, 0);
    assert_int_equal(drain_jobs(f, &a, jobs), 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(jobs[i].kind, STORE_OUTBOX_PRIVATE);
        assert_true(jobs[i].recipient == alice || jobs[i].recipient == carol);
        assert_int_equal(jobs[i].author, bob);
        assert_int_equal(jobs[i].payload_len, len);
        assert_memory_equal(jobs[i].payload, xml, len);
    }
    assert_true(jobs[0].recipient != jobs[1].recipient);
    pod_arena_free(&a);
    free(priv);
    free(pub);
}

/* A new public post from a remote author a local user follows makes one
 * participation, private to the author and signed by that follower (§5.4);
 * a second delivery or a post nobody here follows makes none. */
static void
test_participation_sent(void **state)
{
    static const char carol_post[] =
        "<status_message><author>carol@pod-c.org</author>"
        "<guid>c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2</guid>"
        "<created_at>2024-01-02T03:04:05Z</created_at><public>true</public>"
        "<text>nobody follows me</text></status_message>";
    struct fixture *f = *state;
    struct store_outbox_job jobs[MAX_JOBS];
    struct fed_entity *e;
    uint64_t bob, alice;
    struct pod_arena a;
    char why[256] = "";

    pod_arena_init(&a, NULL, 0, 4 << 20);
    bob = local(f, "bob", "pod-b.org", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", PRIV_4096, KEY_4096);
    alice = remote(f, "alice@pod-a.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    remote(f, "carol@pod-c.org", "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1", KEY_4096);
    add_contact(f, bob, alice);

    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ENV_STATUS), FED_INBOUND_DONE);
    assert_int_equal(drain_jobs(f, &a, jobs), 1);
    assert_int_equal(jobs[0].kind, STORE_OUTBOX_PRIVATE);
    assert_string_equal(jobs[0].url,
                        "https://pod-a.org/receive/users/a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1");
    assert_string_equal(jobs[0].host, "pod-a.org");
    assert_int_equal(jobs[0].author, bob);
    assert_int_equal(jobs[0].recipient, alice);
    assert_int_equal(
        fed_entity_parse(jobs[0].payload, jobs[0].payload_len, &a, &e, why, sizeof why), POD_OK);
    assert_int_equal(fed_entity_validate(e, why, sizeof why), POD_OK);
    assert_string_equal(e->type, "participation");
    assert_string_equal(fed_entity_get(e, "author"), "bob@pod-b.org");
    assert_string_equal(fed_entity_get(e, "parent_guid"), POST_GUID);
    assert_string_equal(fed_entity_get(e, "parent_type"), "Post");
    assert_non_null(fed_entity_get(e, "guid"));
    assert_sent_by_bob(f, &jobs[0], "bob@pod-b.org", PRIV_SPEC);

    /* Delivered again: nothing new. */
    assert_int_equal(deliver_file(f, STORE_INBOX_PUBLIC, 0, ENV_STATUS), FED_INBOUND_DONE);
    assert_int_equal(drain_jobs(f, &a, jobs), 0);

    /* A public post of someone no local user follows: stored, no job. */
    assert_int_equal(deliver_signed(f, carol_post, "carol@pod-c.org", PRIV_4096), FED_INBOUND_DONE);
    get_post(f, "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2", POD_OK);
    assert_int_equal(drain_jobs(f, &a, jobs), 0);
    pod_arena_free(&a);
}

/* bob's comment on his public post, through the outbound routing. */
static void
local_comment(struct fixture *f, uint64_t bob, const char *guid)
{
    struct store_txn *txn = wtxn(f);
    struct store_comment c;
    struct store_post p;

    assert_int_equal(store_post_get_by_guid(txn, PARENT_GUID, &f->arena, &p), POD_OK);
    memset(&c, 0, sizeof c);
    snprintf(c.guid, sizeof c.guid, "%s", guid);
    c.post = p.id;
    c.author = bob;
    c.text = "a comment";
    c.created_at = 1700000100;
    assert_int_equal(store_comment_add(txn, &c), POD_OK);
    assert_int_equal(fed_outbound_comment(txn, &c, &p, &f->arena), POD_OK);
    commit(txn);
}

/* alice (no contact of bob) participates in bob's public post: her pod
 * gets the comments on it from then on. */
static void
test_participation_received(void **state)
{
    static const char part[] = "<participation><author>alice@pod-a.org</author>"
                               "<guid>a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9</guid>"
                               "<parent_guid>" PARENT_GUID "</parent_guid>"
                               "<parent_type>Post</parent_type></participation>";
    struct fixture *f = *state;
    struct store_outbox_job jobs[MAX_JOBS];
    struct store_txn *txn;
    uint64_t bob, alice, carol, post;
    struct pod_arena a;

    pod_arena_init(&a, NULL, 0, 4 << 20);
    bob = local(f, "bob", "pod-b.org", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", PRIV_4096, KEY_4096);
    alice = remote(f, "alice@pod-a.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    carol = remote(f, "carol@pod-c.org", "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1", KEY_4096);
    add_contact(f, bob, carol);
    post = add_post(f, PARENT_GUID, bob, true);

    local_comment(f, bob, "cccc0000cccc0000cccc0000cccc0001");
    assert_int_equal(drain_jobs(f, &a, jobs), 1);
    assert_string_equal(jobs[0].host, "pod-c.org");

    assert_int_equal(deliver_signed(f, part, "alice@pod-a.org", PRIV_SPEC), FED_INBOUND_DONE);
    txn = rtxn(f);
    assert_true(store_participation_get(txn, alice, post));
    store_txn_abort(txn);
    /* Again: still one participant, nothing sent. */
    assert_int_equal(deliver_signed(f, part, "alice@pod-a.org", PRIV_SPEC), FED_INBOUND_DONE);
    assert_int_equal(drain_jobs(f, &a, jobs), 0);

    local_comment(f, bob, "cccc0000cccc0000cccc0000cccc0002");
    assert_int_equal(drain_jobs(f, &a, jobs), 2);
    assert_int_equal(jobs[0].kind, STORE_OUTBOX_PUBLIC);
    assert_int_equal(jobs[1].kind, STORE_OUTBOX_PUBLIC);
    assert_true(
        (strcmp(jobs[0].host, "pod-a.org") == 0 && strcmp(jobs[1].host, "pod-c.org") == 0) ||
        (strcmp(jobs[0].host, "pod-c.org") == 0 && strcmp(jobs[1].host, "pod-a.org") == 0));
    pod_arena_free(&a);
}

/* A batch: one durable commit for every item that verifies; an item that
 * fails leaves no trace and does not stop the others; a later item sees
 * what an earlier one of the same batch wrote. */
static void
test_batch(void **state)
{
    struct fixture *f = *state;
    struct fed_inbound_ctx ctx = {f->st, NULL, fixed_now};
    const char *files[] = {ENV_STATUS,
                           NULL,
                           REL "comment_relayed_by_parent_author.envelope.xml",
                           ENV_STATUS,
                           REL "comment_to_parent_author.envelope.xml",
                           NULL};
    const enum fed_inbound_outcome expect[] = {FED_INBOUND_DONE, FED_INBOUND_DROP,
                                               FED_INBOUND_DONE, FED_INBOUND_DONE,
                                               FED_INBOUND_DROP, FED_INBOUND_DONE};
    enum { N = sizeof files / sizeof files[0] };
    struct store_inbox_item items[N];
    enum fed_inbound_outcome o[N];
    char whys[N * 256], *key = test_slurp(PRIV_4096, NULL), *env = NULL, why[256];
    struct store_txn *txn;
    struct store_comment c;
    struct pod_arena a;
    size_t env_len;
    uint64_t id, n, bob, alice;

    local(f, "carol", "pod-c.org", "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0", NULL, NULL);
    bob = remote(f, "bob@pod-b.org", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", KEY_4096);
    alice = remote(f, "alice@pod-a.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    add_post(f, PARENT_GUID, bob, true);
    pod_arena_init(&a, NULL, 0, 1 << 20);
    assert_int_equal(crypto_rng_init(), POD_OK);
    /* bob retracts the comment that item 2 stores. */
    assert_int_equal(fed_envelope_build("<retraction>\n  <author>alice@pod-a.org</author>\n"
                                        "  <target_guid>e21589b0b41101333b870f77ba60fa73"
                                        "</target_guid>\n"
                                        "  <target_type>Comment</target_type>\n</retraction>",
                                        strlen("<retraction>\n  <author>alice@pod-a.org</author>\n"
                                               "  <target_guid>e21589b0b41101333b870f77ba60fa73"
                                               "</target_guid>\n"
                                               "  <target_type>Comment</target_type>\n"
                                               "</retraction>"),
                                        "bob@pod-b.org", key, &a, &env, &env_len, why, sizeof why),
                     POD_OK);
    txn = wtxn(f);
    for (size_t i = 0; i < N; i++) {
        size_t len = 0;
        char *body = files[i] ? test_slurp(files[i], &len) : NULL;

        if (i == 1)
            assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, "<x/>", 4, 1, &id),
                             POD_OK);
        else if (i == N - 1)
            assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, env, env_len, 1, &id),
                             POD_OK);
        else
            assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, body, len, 1, &id),
                             POD_OK);
        free(body);
    }
    commit(txn);
    txn = rtxn(f);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(store_inbox_oldest(txn, i ? items[i - 1].id : 0, &f->arena, &items[i]),
                         POD_OK);
    store_txn_abort(txn);

    fed_inbound_process_batch(&ctx, items, N, o, whys, 256);
    for (size_t i = 0; i < N; i++) {
        print_message("  item %zu: outcome %d: %s\n", i, (int)o[i], whys + i * 256);
        assert_int_equal(o[i], expect[i]);
    }
    /* One post for the two copies; the comment came and went. */
    assert_int_equal(get_post(f, POST_GUID, POD_OK).author, alice);
    assert_int_equal(public_count(f), 2);
    assert_int_equal(get_post(f, PARENT_GUID, POD_OK).comments_count, 0);
    txn = rtxn(f);
    assert_int_equal(
        store_comment_get_by_guid(txn, "e21589b0b41101333b870f77ba60fa73", &f->arena, &c),
        POD_ERR_NOTFOUND);
    /* Applied items are gone from the queue; the dropped ones are the
     * task's to delete. */
    assert_int_equal(store_inbox_count(txn, &n), POD_OK);
    assert_int_equal(n, 2);
    store_txn_abort(txn);
    pod_arena_free(&a);
    free(key);
}

/* The task empties the queue on its own. */
static void
test_task(void **state)
{
    struct fixture *f = *state;
    struct task_fed_inbox *t = NULL;
    struct store_txn *txn;
    size_t len;
    char *body = test_slurp(ENV_STATUS, &len);
    uint64_t id, n = 1;

    remote(f, "alice@pod-a.org", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KEY_SPEC);
    txn = wtxn(f);
    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, "<junk/>", 7, 1, &id), POD_OK);
    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, body, len, 1, &id), POD_OK);
    commit(txn);
    assert_int_equal(task_fed_inbox_start(&t, f->st, NULL), POD_OK);
    task_fed_inbox_wake(t);
    for (int i = 0; i < 300 && n > 0; i++) { /* up to 30 s; normally at once */
        txn = rtxn(f);
        assert_int_equal(store_inbox_count(txn, &n), POD_OK);
        store_txn_abort(txn);
        if (n)
            usleep(100 * 1000);
    }
    task_fed_inbox_stop(t);
    assert_int_equal(n, 0);
    get_post(f, POST_GUID, POD_OK);
    free(body);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_public_status_message_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_signature_and_unknown_sender, setup, teardown),
        cmocka_unit_test_setup_teardown(test_private_status_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_private_status_message_second_recipient, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_comment_on_local_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comment_on_remote_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oracle_like_retraction_contact_profile, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_retractions_and_reshare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relay_public_comment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relay_like_not_remote_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relay_limited_comment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_participation_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_participation_received, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_task, setup, teardown),
    };

    if (crypto_rng_init() != POD_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
