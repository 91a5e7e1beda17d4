/*
 * test_accounts.c - app/store/accounts.c and the record codec
 * (app/store/record.c): users, keys, profiles, sessions, invitations,
 * throttling, and what the codec does with damaged bytes.
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
#include <lmdb.h>
#include <sys/stat.h>

#include "core/error.h"
#include "store/accounts.h"
#include "store/record.h"
#include "store/store.h"

static struct store *
open_store(const char *dir)
{
    struct store_options o = {0};
    struct store *st = NULL;
    char why[256];
    int rc;

    o.map_size = 16u << 20;
    rc = store_open(&st, dir, &o, why, sizeof(why));
    if (rc != POD_OK)
        print_error("store_open: %s: %s\n", pod_strerror(rc), why);
    assert_int_equal(rc, POD_OK);
    return st;
}

/* -------------------------------------------------------------- helpers */

static struct store_user
mkuser(const char *name, const char *guid)
{
    struct store_user u;

    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "%s", name);
    snprintf(u.guid, sizeof(u.guid), "%s", guid);
    snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$v=19$m=65536,t=3,p=1$%s", name);
    snprintf(u.language, sizeof(u.language), "en");
    u.created_at = 1700000000;
    return u;
}

static void
add_user(struct fixture *f, const char *name, const char *guid)
{
    struct store_txn *txn = wtxn(f);
    struct store_user u = mkuser(name, guid);

    assert_int_equal(store_user_add(txn, &u), POD_OK);
    commit(txn);
}

static void
assert_user_equal(const struct store_user *a, const struct store_user *b)
{
    assert_string_equal(a->username, b->username);
    assert_string_equal(a->guid, b->guid);
    assert_string_equal(a->password_hash, b->password_hash);
    assert_string_equal(a->language, b->language);
    assert_int_equal(a->admin, b->admin);
    assert_true(a->created_at == b->created_at);
    assert_true(a->last_sign_in_at == b->last_sign_in_at);
}

static void
hash_of(uint8_t out[32], unsigned n)
{
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(n * 31u + (unsigned)i * 7u + (n >> 8));
    out[0] = (uint8_t)n;
    out[1] = (uint8_t)(n >> 8);
}

static struct store_session
mksession(const char *name, int64_t expires_at)
{
    struct store_session s;

    memset(&s, 0, sizeof(s));
    snprintf(s.username, sizeof(s.username), "%s", name);
    for (int i = 0; i < 32; i++)
        s.csrf[i] = (uint8_t)(0xc0 + i);
    s.created_at = 10;
    s.last_seen_at = 20;
    s.expires_at = expires_at;
    return s;
}

static void
put_session(struct store_txn *txn, unsigned n, const char *name, int64_t expires_at)
{
    struct store_session s = mksession(name, expires_at);
    uint8_t h[32];

    hash_of(h, n);
    assert_int_equal(store_session_put(txn, h, &s), POD_OK);
}

static int
session_rc(struct store_txn *txn, unsigned n)
{
    struct store_session s;
    uint8_t h[32];

    hash_of(h, n);
    return store_session_get(txn, h, &s);
}

/* A PEM-looking string of exactly len bytes. */
static char *
mkpem(size_t len, char fill)
{
    char *p = malloc(len + 1);

    assert_non_null(p);
    memset(p, fill, len);
    memcpy(p, "-----BEGIN", len < 10 ? len : 10);
    for (size_t i = 64; i < len; i += 65)
        p[i] = '\n';
    p[len] = '\0';
    return p;
}

/* ---------------------------------------------------------------- users */

static void
test_user_add_get(void **state)
{
    struct fixture *f = *state;
    struct store_user u = mkuser("alice", "0123456789abcdef0123456789abcdef");
    struct store_user bad;
    struct store_user got;
    struct store_txn *txn;
    uint64_t n = 99;
    char name33[34];

    u.admin = true;
    u.last_sign_in_at = -42;
    snprintf(u.language, sizeof(u.language), "de");
    txn = wtxn(f);
    assert_int_equal(store_user_add(txn, &u), POD_OK);
    /* Visible inside the same transaction. */
    assert_int_equal(store_user_get(txn, "alice", &got), POD_OK);
    assert_user_equal(&got, &u);
    commit(txn);

    txn = rtxn(f);
    memset(&got, 0x5a, sizeof(got));
    assert_int_equal(store_user_get(txn, "alice", &got), POD_OK);
    assert_user_equal(&got, &u);
    assert_int_equal(store_user_get(txn, "alic", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_user_get(txn, "alicea", &got), POD_ERR_NOTFOUND);
    assert_string_equal(got.username, "");
    assert_int_equal(store_user_get(txn, "", &got), POD_ERR_INVAL);
    assert_int_equal(store_user_get(txn, NULL, &got), POD_ERR_INVAL);
    assert_int_equal(store_user_get(txn, "alice", NULL), POD_ERR_INVAL);
    assert_int_equal(store_user_get(NULL, "alice", &got), POD_ERR_INVAL);
    memset(name33, 'a', 33);
    name33[33] = '\0';
    assert_int_equal(store_user_get(txn, name33, &got), POD_ERR_LIMIT);
    /* A read transaction cannot write. */
    bad = mkuser("bob", "guid-bob-000000000000");
    assert_int_equal(store_user_add(txn, &bad), POD_ERR_INVAL);
    store_txn_abort(txn);

    txn = wtxn(f);
    /* Same username, other GUID; same GUID, other username. */
    bad = mkuser("alice", "another-guid-0000000000");
    assert_int_equal(store_user_add(txn, &bad), POD_ERR_EXISTS);
    bad = mkuser("mallory", u.guid);
    assert_int_equal(store_user_add(txn, &bad), POD_ERR_EXISTS);
    assert_int_equal(store_user_get(txn, "mallory", &got), POD_ERR_NOTFOUND);
    /* Empty or unterminated strings. */
    bad = mkuser("", "guid-empty-name-00000");
    assert_int_equal(store_user_add(txn, &bad), POD_ERR_INVAL);
    bad = mkuser("noguid", "");
    assert_int_equal(store_user_add(txn, &bad), POD_ERR_INVAL);
    bad = mkuser("x", "guid-x-0000000000000");
    memset(bad.username, 'x', sizeof(bad.username));
    assert_int_equal(store_user_add(txn, &bad), POD_ERR_INVAL);
    bad = mkuser("y", "guid-y-0000000000000");
    memset(bad.guid, 'g', sizeof(bad.guid));
    assert_int_equal(store_user_add(txn, &bad), POD_ERR_INVAL);
    /* A bad non-key field is refused before anything is written. */
    bad = mkuser("zed", "guid-zed-000000000000");
    memset(bad.password_hash, 'h', sizeof(bad.password_hash));
    assert_int_equal(store_user_add(txn, &bad), POD_ERR_INVAL);
    bad = mkuser("zed", "guid-zed-000000000000");
    memset(bad.language, 'l', sizeof(bad.language));
    assert_int_equal(store_user_add(txn, &bad), POD_ERR_INVAL);
    assert_int_equal(store_user_get(txn, "zed", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_user_get_by_guid(txn, "guid-zed-000000000000", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_user_add(txn, NULL), POD_ERR_INVAL);
    assert_int_equal(store_user_add(NULL, &u), POD_ERR_INVAL);
    assert_int_equal(store_user_count(txn, &n), POD_OK);
    assert_int_equal(n, 1);
    /* A 32-byte username and a 64-byte GUID fit exactly. */
    bad = mkuser("", "");
    memset(bad.username, 'm', STORE_USERNAME_MAX);
    memset(bad.guid, 'G', STORE_GUID_MAX);
    assert_int_equal(store_user_add(txn, &bad), POD_OK);
    assert_int_equal(store_user_get(txn, bad.username, &got), POD_OK);
    assert_user_equal(&got, &bad);
    commit(txn);
}

static void
test_user_update_and_guid(void **state)
{
    struct fixture *f = *state;
    struct store_user u = mkuser("alice", "guid-alice-0000000000");
    struct store_user got;
    struct store_txn *txn;

    add_user(f, "alice", "guid-alice-0000000000");
    add_user(f, "bob", "guid-bob-00000000000000");

    txn = wtxn(f);
    u.admin = true;
    u.last_sign_in_at = 1800000000;
    snprintf(u.password_hash, sizeof(u.password_hash), "new hash");
    assert_int_equal(store_user_update(txn, &u), POD_OK);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_user_get(txn, "alice", &got), POD_OK);
    assert_user_equal(&got, &u);
    assert_int_equal(store_user_get_by_guid(txn, "guid-alice-0000000000", &got), POD_OK);
    assert_user_equal(&got, &u);
    assert_int_equal(store_user_get_by_guid(txn, "guid-bob-00000000000000", &got), POD_OK);
    assert_string_equal(got.username, "bob");
    assert_int_equal(store_user_get_by_guid(txn, "guid-nobody", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_user_get_by_guid(txn, "", &got), POD_ERR_INVAL);
    assert_int_equal(store_user_update(txn, &u), POD_ERR_INVAL); /* read-only */
    store_txn_abort(txn);

    txn = wtxn(f);
    /* The GUID never changes, not even to a free one. */
    u = mkuser("alice", "guid-other-0000000000");
    assert_int_equal(store_user_update(txn, &u), POD_ERR_INVAL);
    u = mkuser("carol", "guid-carol-0000000000");
    assert_int_equal(store_user_update(txn, &u), POD_ERR_NOTFOUND);
    u = mkuser("alice", "");
    assert_int_equal(store_user_update(txn, &u), POD_ERR_INVAL);
    assert_int_equal(store_user_update(txn, NULL), POD_ERR_INVAL);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_user_get_by_guid(txn, "guid-other-0000000000", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_user_get(txn, "alice", &got), POD_OK);
    assert_string_equal(got.guid, "guid-alice-0000000000");
    assert_true(got.admin);
    assert_int_equal(store_user_get(txn, "carol", &got), POD_ERR_NOTFOUND);
    store_txn_abort(txn);
}

struct visit {
    char names[8][STORE_USERNAME_MAX + 1];
    int count;
    int stop_after; /* 0 = never */
};

static int
visit_user(const struct store_user *u, void *ctx)
{
    struct visit *v = ctx;

    assert_true(v->count < 8);
    snprintf(v->names[v->count], sizeof(v->names[0]), "%s", u->username);
    v->count++;
    return v->count == v->stop_after ? 7 : 0;
}

static void
test_user_count_each(void **state)
{
    struct fixture *f = *state;
    struct visit v = {0};
    struct store_txn *txn;
    uint64_t n = 99;

    txn = rtxn(f);
    assert_int_equal(store_user_count(txn, &n), POD_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_user_each(txn, visit_user, &v), POD_OK);
    assert_int_equal(v.count, 0);
    assert_int_equal(store_user_count(txn, NULL), POD_ERR_INVAL);
    assert_int_equal(store_user_each(txn, NULL, NULL), POD_ERR_INVAL);
    store_txn_abort(txn);

    add_user(f, "carol", "guid-carol-0000000000");
    add_user(f, "alice", "guid-alice-0000000000");
    add_user(f, "bob", "guid-bob-00000000000000");
    add_user(f, "b", "guid-b-0000000000000000");

    txn = rtxn(f);
    assert_int_equal(store_user_count(txn, &n), POD_OK);
    assert_int_equal(n, 4);
    /* Username order (bytewise). */
    assert_int_equal(store_user_each(txn, visit_user, &v), POD_OK);
    assert_int_equal(v.count, 4);
    assert_string_equal(v.names[0], "alice");
    assert_string_equal(v.names[1], "b");
    assert_string_equal(v.names[2], "bob");
    assert_string_equal(v.names[3], "carol");
    /* Early stop: fn's value comes back, nothing more is visited. */
    memset(&v, 0, sizeof(v));
    v.stop_after = 2;
    assert_int_equal(store_user_each(txn, visit_user, &v), 7);
    assert_int_equal(v.count, 2);
    assert_string_equal(v.names[1], "b");
    store_txn_abort(txn);
}

static void
test_user_delete_cascade(void **state)
{
    struct fixture *f = *state;
    struct store_profile p;
    struct store_user u;
    struct store_txn *txn;
    char pem[128];
    uint64_t n;

    add_user(f, "alice", "guid-alice-0000000000");
    add_user(f, "bob", "guid-bob-00000000000000");
    txn = wtxn(f);
    memset(&p, 0, sizeof(p));
    snprintf(p.first_name, sizeof(p.first_name), "Alice");
    assert_int_equal(store_user_keys_put(txn, "alice", "a-private", "a-public"), POD_OK);
    assert_int_equal(store_user_keys_put(txn, "bob", "b-private", "b-public"), POD_OK);
    assert_int_equal(store_profile_put(txn, "alice", &p), POD_OK);
    assert_int_equal(store_profile_put(txn, "bob", &p), POD_OK);
    put_session(txn, 1, "alice", 1000);
    put_session(txn, 2, "bob", 1000);
    put_session(txn, 3, "alice", 1000);
    put_session(txn, 4, "bob", 1000);
    commit(txn);

    txn = wtxn(f);
    assert_int_equal(store_user_delete(txn, "alice"), POD_OK);
    assert_int_equal(store_user_delete(txn, "alice"), POD_ERR_NOTFOUND);
    assert_int_equal(store_user_delete(txn, "nobody"), POD_ERR_NOTFOUND);
    assert_int_equal(store_user_delete(txn, ""), POD_ERR_INVAL);
    assert_int_equal(store_user_delete(txn, NULL), POD_ERR_INVAL);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_user_delete(txn, "bob"), POD_ERR_INVAL); /* read-only */
    assert_int_equal(store_user_get(txn, "alice", &u), POD_ERR_NOTFOUND);
    assert_int_equal(store_user_get_by_guid(txn, "guid-alice-0000000000", &u), POD_ERR_NOTFOUND);
    assert_int_equal(store_user_public_key_get(txn, "alice", pem, sizeof(pem)), POD_ERR_NOTFOUND);
    assert_int_equal(store_user_private_key_get(txn, "alice", pem, sizeof(pem)), POD_ERR_NOTFOUND);
    assert_int_equal(store_profile_get(txn, "alice", &p), POD_ERR_NOTFOUND);
    assert_int_equal(session_rc(txn, 1), POD_ERR_NOTFOUND);
    assert_int_equal(session_rc(txn, 3), POD_ERR_NOTFOUND);
    /* Bob keeps everything. */
    assert_int_equal(store_user_get(txn, "bob", &u), POD_OK);
    assert_int_equal(store_user_get_by_guid(txn, "guid-bob-00000000000000", &u), POD_OK);
    assert_int_equal(store_user_public_key_get(txn, "bob", pem, sizeof(pem)), POD_OK);
    assert_string_equal(pem, "b-public");
    assert_int_equal(store_profile_get(txn, "bob", &p), POD_OK);
    assert_int_equal(session_rc(txn, 2), POD_OK);
    assert_int_equal(session_rc(txn, 4), POD_OK);
    assert_int_equal(store_user_count(txn, &n), POD_OK);
    assert_int_equal(n, 1);
    store_txn_abort(txn);

    /* Name and GUID are free again. */
    add_user(f, "alice", "guid-alice-0000000000");
    txn = rtxn(f);
    assert_int_equal(store_user_public_key_get(txn, "alice", pem, sizeof(pem)), POD_ERR_NOTFOUND);
    store_txn_abort(txn);
}

/* ----------------------------------------------------------------- keys */

static void
test_keys(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn;
    char *priv = mkpem(STORE_PEM_MAX, 'P');
    char *pub = mkpem(800, 'Q');
    char *big = mkpem(STORE_PEM_MAX + 1, 'B');
    char *buf = malloc(STORE_PEM_MAX + 1);
    char small[16];

    assert_non_null(buf);
    txn = wtxn(f);
    /* No user yet: keys cannot hang off nobody. */
    assert_int_equal(store_user_keys_put(txn, "alice", priv, pub), POD_ERR_NOTFOUND);
    commit(txn);
    add_user(f, "alice", "guid-alice-0000000000");

    txn = rtxn(f);
    assert_int_equal(store_user_public_key_get(txn, "alice", buf, STORE_PEM_MAX + 1),
                     POD_ERR_NOTFOUND);
    assert_int_equal(store_user_keys_put(txn, "alice", priv, pub), POD_ERR_INVAL);
    store_txn_abort(txn);

    txn = wtxn(f);
    assert_int_equal(store_user_keys_put(txn, "alice", big, pub), POD_ERR_LIMIT);
    assert_int_equal(store_user_keys_put(txn, "alice", priv, big), POD_ERR_LIMIT);
    assert_int_equal(store_user_keys_put(txn, "alice", "", pub), POD_ERR_INVAL);
    assert_int_equal(store_user_keys_put(txn, "alice", priv, NULL), POD_ERR_INVAL);
    assert_int_equal(store_user_keys_put(txn, "", priv, pub), POD_ERR_INVAL);
    assert_int_equal(store_user_keys_put(txn, "alice", priv, pub), POD_OK);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_user_private_key_get(txn, "alice", buf, STORE_PEM_MAX + 1), POD_OK);
    assert_string_equal(buf, priv);
    assert_int_equal(store_user_public_key_get(txn, "alice", buf, STORE_PEM_MAX + 1), POD_OK);
    assert_string_equal(buf, pub);
    /* cap must hold the NUL too. */
    assert_int_equal(store_user_private_key_get(txn, "alice", buf, STORE_PEM_MAX), POD_ERR_LIMIT);
    assert_string_equal(buf, "");
    assert_int_equal(store_user_public_key_get(txn, "alice", buf, 800), POD_ERR_LIMIT);
    assert_int_equal(store_user_public_key_get(txn, "alice", buf, 801), POD_OK);
    assert_string_equal(buf, pub);
    assert_int_equal(store_user_public_key_get(txn, "alice", small, sizeof(small)), POD_ERR_LIMIT);
    assert_int_equal(store_user_public_key_get(txn, "alice", small, 0), POD_ERR_INVAL);
    assert_int_equal(store_user_public_key_get(txn, "alice", NULL, 10), POD_ERR_INVAL);
    assert_int_equal(store_user_public_key_get(txn, "bob", buf, 801), POD_ERR_NOTFOUND);
    store_txn_abort(txn);

    /* Replaced by a new pair. */
    txn = wtxn(f);
    assert_int_equal(store_user_keys_put(txn, "alice", "priv2", "pub2"), POD_OK);
    commit(txn);
    txn = rtxn(f);
    assert_int_equal(store_user_private_key_get(txn, "alice", small, sizeof(small)), POD_OK);
    assert_string_equal(small, "priv2");
    assert_int_equal(store_user_public_key_get(txn, "alice", small, sizeof(small)), POD_OK);
    assert_string_equal(small, "pub2");
    store_txn_abort(txn);

    free(priv);
    free(pub);
    free(big);
    free(buf);
}

/* ------------------------------------------------------------- profiles */

static struct store_profile *
mkprofile(void)
{
    struct store_profile *p = calloc(1, sizeof(*p));
    const char *snow = "☃ schnee ";
    size_t n = 0;
    size_t step = strlen(snow);

    assert_non_null(p);
    snprintf(p->first_name, sizeof(p->first_name), "Zoë");
    snprintf(p->last_name, sizeof(p->last_name), "Ångström-Łukasiewicz");
    /* A bio of exactly STORE_BIO_MAX bytes, multi-byte characters included. */
    while (n + step <= STORE_BIO_MAX) {
        memcpy(p->bio + n, snow, step);
        n += step;
    }
    memset(p->bio + n, '!', STORE_BIO_MAX - n);
    p->bio[STORE_BIO_MAX] = '\0';
    memset(p->location, 'L', STORE_SHORT_TEXT_MAX);
    snprintf(p->gender, sizeof(p->gender), "nonbinary 🌈");
    snprintf(p->birthday, sizeof(p->birthday), "1990-12-31");
    snprintf(p->tags[0], sizeof(p->tags[0]), "diaspora");
    snprintf(p->tags[1], sizeof(p->tags[1]), "ünïcödé");
    snprintf(p->tags[2], sizeof(p->tags[2]), "c");
    memset(p->tags[3], 't', STORE_TAG_MAX);
    snprintf(p->tags[4], sizeof(p->tags[4]), "last");
    memset(p->avatar, 'f', 64);
    p->searchable = true;
    p->nsfw = false;
    p->public_details = true;
    p->updated_at = 1712345678;
    return p;
}

static void
assert_profile_equal(const struct store_profile *a, const struct store_profile *b)
{
    assert_string_equal(a->first_name, b->first_name);
    assert_string_equal(a->last_name, b->last_name);
    assert_string_equal(a->bio, b->bio);
    assert_string_equal(a->location, b->location);
    assert_string_equal(a->gender, b->gender);
    assert_string_equal(a->birthday, b->birthday);
    for (int i = 0; i < STORE_PROFILE_TAGS; i++)
        assert_string_equal(a->tags[i], b->tags[i]);
    assert_string_equal(a->avatar, b->avatar);
    assert_int_equal(a->searchable, b->searchable);
    assert_int_equal(a->nsfw, b->nsfw);
    assert_int_equal(a->public_details, b->public_details);
    assert_true(a->updated_at == b->updated_at);
}

static void
test_profile(void **state)
{
    struct fixture *f = *state;
    struct store_profile *p = mkprofile();
    struct store_profile *got = malloc(sizeof(*got));
    struct store_txn *txn;

    assert_non_null(got);
    assert_int_equal(strlen(p->bio), STORE_BIO_MAX);
    txn = wtxn(f);
    assert_int_equal(store_profile_put(txn, "alice", p), POD_ERR_NOTFOUND);
    commit(txn);
    add_user(f, "alice", "guid-alice-0000000000");

    txn = rtxn(f);
    assert_int_equal(store_profile_get(txn, "alice", got), POD_ERR_NOTFOUND);
    assert_int_equal(store_profile_put(txn, "alice", p), POD_ERR_INVAL);
    store_txn_abort(txn);

    txn = wtxn(f);
    assert_int_equal(store_profile_put(txn, "alice", p), POD_OK);
    assert_int_equal(store_profile_put(txn, "alice", NULL), POD_ERR_INVAL);
    /* A field without its NUL is refused and changes nothing. */
    p->bio[STORE_BIO_MAX] = 'x';
    assert_int_equal(store_profile_put(txn, "alice", p), POD_ERR_INVAL);
    p->bio[STORE_BIO_MAX] = '\0';
    memset(p->tags[2], 'z', sizeof(p->tags[2]));
    assert_int_equal(store_profile_put(txn, "alice", p), POD_ERR_INVAL);
    snprintf(p->tags[2], sizeof(p->tags[2]), "c");
    commit(txn);

    txn = rtxn(f);
    memset(got, 0x77, sizeof(*got));
    assert_int_equal(store_profile_get(txn, "alice", got), POD_OK);
    assert_profile_equal(got, p);
    assert_int_equal(store_profile_get(txn, "alice", NULL), POD_ERR_INVAL);
    assert_int_equal(store_profile_get(txn, "", got), POD_ERR_INVAL);
    store_txn_abort(txn);

    /* Overwrite with an almost empty one: no field of the old survives. */
    memset(p, 0, sizeof(*p));
    snprintf(p->tags[4], sizeof(p->tags[4]), "only");
    txn = wtxn(f);
    assert_int_equal(store_profile_put(txn, "alice", p), POD_OK);
    commit(txn);
    txn = rtxn(f);
    assert_int_equal(store_profile_get(txn, "alice", got), POD_OK);
    assert_profile_equal(got, p);
    store_txn_abort(txn);
    free(p);
    free(got);
}

/* ------------------------------------------------------------- sessions */

static void
test_sessions(void **state)
{
    struct fixture *f = *state;
    struct store_session s = mksession("alice", 5000);
    struct store_session got;
    struct store_txn *txn;
    unsigned count = 99;
    uint8_t h[32];

    add_user(f, "alice", "guid-alice-0000000000");
    add_user(f, "bob", "guid-bob-00000000000000");
    hash_of(h, 1);

    txn = wtxn(f);
    assert_int_equal(store_session_put(txn, h, &s), POD_OK);
    commit(txn);
    txn = rtxn(f);
    memset(&got, 0, sizeof(got));
    assert_int_equal(store_session_get(txn, h, &got), POD_OK);
    assert_string_equal(got.username, "alice");
    assert_memory_equal(got.csrf, s.csrf, 32);
    assert_true(got.created_at == 10 && got.last_seen_at == 20 && got.expires_at == 5000);
    assert_int_equal(session_rc(txn, 2), POD_ERR_NOTFOUND);
    assert_int_equal(store_session_get(txn, NULL, &got), POD_ERR_INVAL);
    assert_int_equal(store_session_get(txn, h, NULL), POD_ERR_INVAL);
    assert_int_equal(store_session_put(txn, h, &s), POD_ERR_INVAL);
    assert_int_equal(store_session_delete(txn, h), POD_ERR_INVAL);
    assert_int_equal(store_sessions_expire(txn, 0, NULL), POD_ERR_INVAL);
    assert_int_equal(store_sessions_delete_user(txn, "alice", NULL), POD_ERR_INVAL);
    store_txn_abort(txn);

    txn = wtxn(f);
    /* Sessions belong to a user; an empty or unknown one is refused. */
    s = mksession("", 5000);
    assert_int_equal(store_session_put(txn, h, &s), POD_ERR_INVAL);
    s = mksession("nobody", 5000);
    assert_int_equal(store_session_put(txn, h, &s), POD_ERR_NOTFOUND);
    s = mksession("alice", 5000);
    memset(s.username, 'a', sizeof(s.username));
    assert_int_equal(store_session_put(txn, h, &s), POD_ERR_INVAL);
    /* Slide: put again under the same hash replaces. */
    s = mksession("alice", 9000);
    assert_int_equal(store_session_put(txn, h, &s), POD_OK);
    assert_int_equal(store_session_get(txn, h, &got), POD_OK);
    assert_true(got.expires_at == 9000);
    assert_int_equal(store_session_delete(txn, h), POD_OK);
    assert_int_equal(store_session_delete(txn, h), POD_ERR_NOTFOUND);
    assert_int_equal(store_session_get(txn, h, &got), POD_ERR_NOTFOUND);

    /* Many sessions over several pages, interleaved between two users. */
    for (unsigned i = 0; i < 600; i++)
        put_session(txn, 100 + i, i % 3 == 0 ? "alice" : "bob", 1000 + i);
    commit(txn);

    txn = wtxn(f);
    assert_int_equal(store_sessions_delete_user(txn, "alice", &count), POD_OK);
    assert_int_equal(count, 200);
    assert_int_equal(store_sessions_delete_user(txn, "alice", &count), POD_OK);
    assert_int_equal(count, 0);
    assert_int_equal(store_sessions_delete_user(txn, "", &count), POD_ERR_INVAL);
    for (unsigned i = 0; i < 600; i++)
        assert_int_equal(session_rc(txn, 100 + i), i % 3 == 0 ? POD_ERR_NOTFOUND : POD_OK);
    commit(txn);

    /* Expiry: sessions whose expires_at is before now. Bob's expire at
     * 1001, 1002, 1004, 1005, ...: before 1005 are 1001, 1002, 1004. */
    txn = wtxn(f);
    assert_int_equal(store_sessions_expire(txn, 1005, &count), POD_OK);
    assert_int_equal(count, 3);
    assert_int_equal(session_rc(txn, 100 + 4), POD_ERR_NOTFOUND);
    assert_int_equal(session_rc(txn, 100 + 5), POD_OK);
    assert_int_equal(store_sessions_expire(txn, 1005, &count), POD_OK);
    assert_int_equal(count, 0);
    assert_int_equal(store_sessions_expire(txn, 2000, &count), POD_OK);
    assert_int_equal(count, 400 - 3);
    assert_int_equal(store_sessions_expire(txn, INT64_MAX, NULL), POD_OK);
    commit(txn);
}

/* ---------------------------------------------------------- invitations */

struct invite_visit {
    char codes[8][65];
    uint32_t uses[8];
    int count;
    int stop_after;
};

static int
visit_invite(const char *code, const struct store_invite *inv, void *ctx)
{
    struct invite_visit *v = ctx;

    assert_true(v->count < 8);
    snprintf(v->codes[v->count], sizeof(v->codes[0]), "%s", code);
    v->uses[v->count] = inv->uses_left;
    v->count++;
    return v->count == v->stop_after ? -77 : 0;
}

static void
test_invites(void **state)
{
    struct fixture *f = *state;
    struct store_invite inv = {"alice", 3, 100, 0};
    struct invite_visit v = {0};
    struct store_invite got;
    struct store_txn *txn;
    uint32_t left = 99;
    char code64[65];

    txn = wtxn(f);
    assert_int_equal(store_invite_put(txn, "three", &inv), POD_OK);
    commit(txn);

    /* Three uses: 2, 1, 0 left, then it is gone. */
    txn = wtxn(f);
    assert_int_equal(store_invite_use(txn, "three", 200, &left), POD_OK);
    assert_int_equal(left, 2);
    assert_int_equal(store_invite_get(txn, "three", &got), POD_OK);
    assert_int_equal(got.uses_left, 2);
    assert_string_equal(got.created_by, "alice");
    assert_true(got.created_at == 100 && got.expires_at == 0);
    assert_int_equal(store_invite_use(txn, "three", 200, &left), POD_OK);
    assert_int_equal(left, 1);
    commit(txn);
    txn = wtxn(f);
    assert_int_equal(store_invite_use(txn, "three", 200, &left), POD_OK);
    assert_int_equal(left, 0);
    assert_int_equal(store_invite_get(txn, "three", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_invite_use(txn, "three", 200, &left), POD_ERR_NOTFOUND);
    assert_int_equal(store_invite_use(txn, "three", 200, NULL), POD_ERR_NOTFOUND);
    commit(txn);

    /* Expiry: good through expires_at, refused and deleted after it. */
    txn = wtxn(f);
    inv = (struct store_invite){"bob", 5, 100, 1000};
    assert_int_equal(store_invite_put(txn, "expiring", &inv), POD_OK);
    assert_int_equal(store_invite_use(txn, "expiring", 1000, &left), POD_OK);
    assert_int_equal(left, 4);
    assert_int_equal(store_invite_use(txn, "expiring", 1001, &left), POD_ERR_LIMIT);
    commit(txn); /* the caller commits the removal */
    txn = rtxn(f);
    assert_int_equal(store_invite_get(txn, "expiring", &got), POD_ERR_NOTFOUND);
    store_txn_abort(txn);

    /* Never expiring, even at the end of time; NULL left is fine. */
    txn = wtxn(f);
    inv = (struct store_invite){"", 2, 100, 0};
    assert_int_equal(store_invite_put(txn, "forever", &inv), POD_OK);
    assert_int_equal(store_invite_use(txn, "forever", INT64_MAX, NULL), POD_OK);
    assert_int_equal(store_invite_get(txn, "forever", &got), POD_OK);
    assert_int_equal(got.uses_left, 1);
    assert_string_equal(got.created_by, "");

    /* Codes: non-empty, at most 64 bytes. */
    memset(code64, 'c', 64);
    code64[64] = '\0';
    inv = (struct store_invite){"alice", UINT32_MAX, 1, 2};
    assert_int_equal(store_invite_put(txn, code64, &inv), POD_OK);
    assert_int_equal(store_invite_get(txn, code64, &got), POD_OK);
    assert_true(got.uses_left == UINT32_MAX);
    code64[63] = '\0';
    assert_int_equal(store_invite_get(txn, code64, &got), POD_ERR_NOTFOUND);
    code64[63] = 'c';
    {
        char code65[66];

        memset(code65, 'c', 65);
        code65[65] = '\0';
        assert_int_equal(store_invite_put(txn, code65, &inv), POD_ERR_LIMIT);
        assert_int_equal(store_invite_get(txn, code65, &got), POD_ERR_LIMIT);
        assert_int_equal(store_invite_use(txn, code65, 0, &left), POD_ERR_LIMIT);
    }
    assert_int_equal(store_invite_put(txn, "", &inv), POD_ERR_INVAL);
    assert_int_equal(store_invite_put(txn, NULL, &inv), POD_ERR_INVAL);
    assert_int_equal(store_invite_put(txn, "x", NULL), POD_ERR_INVAL);
    inv.uses_left = 0;
    assert_int_equal(store_invite_put(txn, "zero", &inv), POD_ERR_INVAL);
    memset(inv.created_by, 'a', sizeof(inv.created_by));
    inv.uses_left = 1;
    assert_int_equal(store_invite_put(txn, "unterminated", &inv), POD_ERR_INVAL);
    assert_int_equal(store_invite_use(txn, "", 0, &left), POD_ERR_INVAL);
    commit(txn);

    /* each: code order, fn's value stops it. */
    txn = rtxn(f);
    assert_int_equal(store_invite_use(txn, "forever", 0, &left), POD_ERR_INVAL);
    assert_int_equal(store_invite_delete(txn, "forever"), POD_ERR_INVAL);
    assert_int_equal(store_invite_each(txn, visit_invite, &v), POD_OK);
    assert_int_equal(v.count, 2);
    assert_string_equal(v.codes[0], code64);
    assert_true(v.uses[0] == UINT32_MAX);
    assert_string_equal(v.codes[1], "forever");
    assert_int_equal(v.uses[1], 1);
    memset(&v, 0, sizeof(v));
    v.stop_after = 1;
    assert_int_equal(store_invite_each(txn, visit_invite, &v), -77);
    assert_int_equal(v.count, 1);
    assert_int_equal(store_invite_each(txn, NULL, NULL), POD_ERR_INVAL);
    store_txn_abort(txn);

    txn = wtxn(f);
    assert_int_equal(store_invite_delete(txn, "forever"), POD_OK);
    assert_int_equal(store_invite_delete(txn, "forever"), POD_ERR_NOTFOUND);
    assert_int_equal(store_invite_get(txn, "forever", &got), POD_ERR_NOTFOUND);
    commit(txn);
}

/* ------------------------------------------------------------- throttle */

static void
test_throttle(void **state)
{
    struct fixture *f = *state;
    struct store_throttle t = {7, -3, INT64_MAX};
    struct store_throttle got;
    struct store_txn *txn;
    char key300[302];

    memset(key300, 'k', 301);
    key300[301] = '\0';
    txn = wtxn(f);
    assert_int_equal(store_throttle_get(txn, "user:alice", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_throttle_put(txn, "user:alice", &t), POD_OK);
    assert_int_equal(store_throttle_put(txn, key300, &t), POD_ERR_LIMIT);
    assert_int_equal(store_throttle_get(txn, key300, &got), POD_ERR_LIMIT);
    key300[300] = '\0';
    t.failures = UINT32_MAX;
    assert_int_equal(store_throttle_put(txn, key300, &t), POD_OK);
    assert_int_equal(store_throttle_put(txn, "", &t), POD_ERR_INVAL);
    assert_int_equal(store_throttle_put(txn, "addr:::1", NULL), POD_ERR_INVAL);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_throttle_get(txn, "user:alice", &got), POD_OK);
    assert_int_equal(got.failures, 7);
    assert_true(got.last_failure_at == -3 && got.locked_until == INT64_MAX);
    assert_int_equal(store_throttle_get(txn, key300, &got), POD_OK);
    assert_true(got.failures == UINT32_MAX);
    assert_int_equal(store_throttle_get(txn, "addr:::1", &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_throttle_put(txn, "user:alice", &t), POD_ERR_INVAL);
    assert_int_equal(store_throttle_delete(txn, "user:alice"), POD_ERR_INVAL);
    store_txn_abort(txn);

    txn = wtxn(f);
    t = (struct store_throttle){1, 50, 60};
    assert_int_equal(store_throttle_put(txn, "user:alice", &t), POD_OK);
    assert_int_equal(store_throttle_get(txn, "user:alice", &got), POD_OK);
    assert_true(got.failures == 1 && got.last_failure_at == 50 && got.locked_until == 60);
    assert_int_equal(store_throttle_delete(txn, "user:alice"), POD_OK);
    assert_int_equal(store_throttle_delete(txn, "user:alice"), POD_ERR_NOTFOUND);
    assert_int_equal(store_throttle_get(txn, "user:alice", &got), POD_ERR_NOTFOUND);
    commit(txn);
}

/* --------------------------------------------------------------- reopen */

static void
test_survives_reopen(void **state)
{
    struct fixture *f = *state;
    struct store_invite inv = {"alice", 4, 1, 0};
    struct store_throttle t = {3, 4, 5};
    struct store_profile *p = mkprofile();
    struct store_profile *got = malloc(sizeof(*got));
    struct store_user u = mkuser("alice", "guid-alice-0000000000");
    struct store_user ugot;
    struct store_invite igot;
    struct store_throttle tgot;
    struct store_txn *txn;
    char pem[64];
    uint64_t n;

    assert_non_null(got);
    assert_true(store_schema_latest() >= 2);
    assert_int_equal(store_schema_version(f->st), store_schema_latest());
    txn = wtxn(f);
    assert_int_equal(store_user_add(txn, &u), POD_OK);
    assert_int_equal(store_user_keys_put(txn, "alice", "PRIV", "PUB"), POD_OK);
    assert_int_equal(store_profile_put(txn, "alice", p), POD_OK);
    put_session(txn, 9, "alice", 77);
    assert_int_equal(store_invite_put(txn, "code", &inv), POD_OK);
    assert_int_equal(store_throttle_put(txn, "addr:10.0.0.1", &t), POD_OK);
    commit(txn);
    store_close(f->st);
    f->st = open_store(f->dir);

    txn = rtxn(f);
    assert_int_equal(store_user_count(txn, &n), POD_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_user_get_by_guid(txn, "guid-alice-0000000000", &ugot), POD_OK);
    assert_user_equal(&ugot, &u);
    assert_int_equal(store_user_private_key_get(txn, "alice", pem, sizeof(pem)), POD_OK);
    assert_string_equal(pem, "PRIV");
    assert_int_equal(store_profile_get(txn, "alice", got), POD_OK);
    assert_profile_equal(got, p);
    assert_int_equal(session_rc(txn, 9), POD_OK);
    assert_int_equal(store_invite_get(txn, "code", &igot), POD_OK);
    assert_int_equal(igot.uses_left, 4);
    assert_int_equal(store_throttle_get(txn, "addr:10.0.0.1", &tgot), POD_OK);
    assert_int_equal(tgot.failures, 3);
    store_txn_abort(txn);
    free(p);
    free(got);
}

/* --------------------------------------------------------- record codec */

/* A valid user record built field by field, with extra fields if asked. */
static size_t
user_record(uint8_t *buf, size_t cap, bool unknown)
{
    struct store_rec_writer w;
    size_t len = 0;

    store_rec_writer_init(&w, buf, cap);
    if (unknown)
        store_rec_put_bytes(&w, 200, "from the future", 15);
    store_rec_put_str(&w, STORE_USER_USERNAME, "alice", 6);
    if (unknown)
        store_rec_put_uvarint(&w, 99, UINT64_MAX);
    store_rec_put_str(&w, STORE_USER_GUID, "guid-alice", 11);
    store_rec_put_bool(&w, STORE_USER_ADMIN, true);
    store_rec_put_i64(&w, STORE_USER_CREATED_AT, -1);
    if (unknown)
        store_rec_put_bytes(&w, 255, "", 0);
    assert_int_equal(store_rec_writer_finish(&w, &len), POD_OK);
    return len;
}

static void
test_record_unknown_fields(void **state)
{
    struct store_user u;
    uint8_t buf[256];
    size_t len;

    (void)state;
    len = user_record(buf, sizeof(buf), true);
    assert_int_equal(buf[0], 1);
    assert_int_equal(store_user_decode(buf, len, &u), POD_OK);
    assert_string_equal(u.username, "alice");
    assert_string_equal(u.guid, "guid-alice");
    assert_true(u.admin);
    assert_true(u.created_at == -1);
    /* Absent fields decode as empty. */
    assert_string_equal(u.password_hash, "");
    assert_true(u.last_sign_in_at == 0);
}

static void
test_record_corrupt(void **state)
{
    struct store_rec_writer w;
    struct store_session s;
    struct store_invite inv;
    struct store_user u;
    char long_name[41];
    uint8_t buf[512];
    uint8_t bad[512];
    size_t len;
    size_t n;

    (void)state;
    len = user_record(buf, sizeof(buf), false);
    assert_int_equal(store_user_decode(buf, len, &u), POD_OK);

    /* Truncated inside the last field, and everything shorter that does
     * not end on a field boundary. */
    assert_int_equal(store_user_decode(buf, len - 1, &u), POD_ERR_CORRUPT);
    assert_string_equal(u.username, ""); /* nothing half-decoded is left */
    assert_int_equal(store_user_decode(buf, 0, &u), POD_ERR_CORRUPT);
    assert_int_equal(store_user_decode(NULL, 0, &u), POD_ERR_CORRUPT);
    assert_int_equal(store_user_decode(buf, 1, &u), POD_ERR_CORRUPT); /* no username */
    assert_int_equal(store_user_decode(buf, 2, &u), POD_ERR_CORRUPT); /* tag, no length */
    assert_int_equal(store_user_decode(buf, 5, &u), POD_ERR_CORRUPT);

    /* Another format byte. */
    memcpy(bad, buf, len);
    bad[0] = 2;
    assert_int_equal(store_user_decode(bad, len, &u), POD_ERR_CORRUPT);
    bad[0] = 0;
    assert_int_equal(store_user_decode(bad, len, &u), POD_ERR_CORRUPT);

    /* A stored string longer than the struct field. */
    memset(long_name, 'n', 40);
    long_name[40] = '\0';
    store_rec_writer_init(&w, bad, sizeof(bad));
    store_rec_put_bytes(&w, STORE_USER_USERNAME, long_name, 40);
    store_rec_put_str(&w, STORE_USER_GUID, "guid", 5);
    assert_int_equal(store_rec_writer_finish(&w, &n), POD_OK);
    assert_int_equal(store_user_decode(bad, n, &u), POD_ERR_CORRUPT);
    /* Exactly the field's capacity (33 bytes for 32 + NUL) is one too many. */
    store_rec_writer_init(&w, bad, sizeof(bad));
    store_rec_put_bytes(&w, STORE_USER_USERNAME, long_name, STORE_USERNAME_MAX + 1);
    store_rec_put_str(&w, STORE_USER_GUID, "guid", 5);
    assert_int_equal(store_rec_writer_finish(&w, &n), POD_OK);
    assert_int_equal(store_user_decode(bad, n, &u), POD_ERR_CORRUPT);
    store_rec_writer_init(&w, bad, sizeof(bad));
    store_rec_put_bytes(&w, STORE_USER_USERNAME, long_name, STORE_USERNAME_MAX);
    store_rec_put_str(&w, STORE_USER_GUID, "guid", 5);
    assert_int_equal(store_rec_writer_finish(&w, &n), POD_OK);
    assert_int_equal(store_user_decode(bad, n, &u), POD_OK);
    assert_int_equal(strlen(u.username), STORE_USERNAME_MAX);

    /* A NUL inside a string. */
    store_rec_writer_init(&w, bad, sizeof(bad));
    store_rec_put_bytes(&w, STORE_USER_USERNAME, "al\0ce", 5);
    store_rec_put_str(&w, STORE_USER_GUID, "guid", 5);
    assert_int_equal(store_rec_writer_finish(&w, &n), POD_OK);
    assert_int_equal(store_user_decode(bad, n, &u), POD_ERR_CORRUPT);

    /* A repeated tag. */
    store_rec_writer_init(&w, bad, sizeof(bad));
    store_rec_put_str(&w, STORE_USER_USERNAME, "alice", 6);
    store_rec_put_str(&w, STORE_USER_GUID, "guid", 5);
    store_rec_put_str(&w, STORE_USER_USERNAME, "bob", 4);
    assert_int_equal(store_rec_writer_finish(&w, &n), POD_OK);
    assert_int_equal(store_user_decode(bad, n, &u), POD_ERR_CORRUPT);

    /* Values of the wrong size or range. */
    store_rec_writer_init(&w, bad, sizeof(bad));
    store_rec_put_str(&w, STORE_USER_USERNAME, "alice", 6);
    store_rec_put_str(&w, STORE_USER_GUID, "guid", 5);
    store_rec_put_bytes(&w, STORE_USER_ADMIN, "\x02", 1);
    assert_int_equal(store_rec_writer_finish(&w, &n), POD_OK);
    assert_int_equal(store_user_decode(bad, n, &u), POD_ERR_CORRUPT);
    store_rec_writer_init(&w, bad, sizeof(bad));
    store_rec_put_str(&w, STORE_USER_USERNAME, "alice", 6);
    store_rec_put_str(&w, STORE_USER_GUID, "guid", 5);
    store_rec_put_bytes(&w, STORE_USER_CREATED_AT, "1234567", 7);
    assert_int_equal(store_rec_writer_finish(&w, &n), POD_OK);
    assert_int_equal(store_user_decode(bad, n, &u), POD_ERR_CORRUPT);
    store_rec_writer_init(&w, bad, sizeof(bad));
    store_rec_put_uvarint(&w, STORE_INVITE_USES_LEFT, (uint64_t)UINT32_MAX + 1);
    assert_int_equal(store_rec_writer_finish(&w, &n), POD_OK);
    assert_int_equal(store_invite_decode(bad, n, &inv), POD_ERR_CORRUPT);
    store_rec_writer_init(&w, bad, sizeof(bad));
    store_rec_put_str(&w, STORE_SESSION_USERNAME, "alice", 6);
    store_rec_put_bytes(&w, STORE_SESSION_CSRF, "short", 5);
    assert_int_equal(store_rec_writer_finish(&w, &n), POD_OK);
    assert_int_equal(store_session_decode(bad, n, &s), POD_ERR_CORRUPT);

    /* Hand-made framing errors: tag 0, non-minimal length, 5-byte length,
     * a length past the end, a valid prefix with garbage after it. */
    {
        static const uint8_t tag0[] = {1, 0, 0};
        static const uint8_t nonmin[] = {1, 1, 0x81, 0x00, 'a'};
        static const uint8_t five[] = {1, 1, 0x80, 0x80, 0x80, 0x80, 0x00};
        static const uint8_t past[] = {1, 1, 0xff, 0xff, 0xff, 0x7f, 'a'};
        static const uint8_t trailing[] = {1, 1, 1, 'a', 2, 1, 'g', 3};
        static const uint8_t ok[] = {1, 1, 1, 'a', 2, 1, 'g'};

        assert_int_equal(store_user_decode(tag0, sizeof(tag0), &u), POD_ERR_CORRUPT);
        assert_int_equal(store_user_decode(nonmin, sizeof(nonmin), &u), POD_ERR_CORRUPT);
        assert_int_equal(store_user_decode(five, sizeof(five), &u), POD_ERR_CORRUPT);
        assert_int_equal(store_user_decode(past, sizeof(past), &u), POD_ERR_CORRUPT);
        assert_int_equal(store_user_decode(trailing, sizeof(trailing), &u), POD_ERR_CORRUPT);
        assert_int_equal(store_user_decode(ok, sizeof(ok), &u), POD_OK);
        assert_string_equal(u.username, "a");
    }
}

static void
test_record_writer(void **state)
{
    static const uint64_t vals[] = {0, 1, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX};
    struct store_rec_reader r;
    struct store_rec_writer w;
    struct store_rec_field fld;
    uint8_t big[300];
    uint8_t buf[400];
    char unterminated[4] = {'a', 'b', 'c', 'd'};
    size_t measured;
    size_t n;

    (void)state;
    /* Measuring gives the exact size; one byte less does not fit and the
     * error sticks. */
    n = user_record(buf, sizeof(buf), true);
    store_rec_writer_init(&w, NULL, 0);
    store_rec_put_bytes(&w, 200, "from the future", 15);
    store_rec_put_str(&w, STORE_USER_USERNAME, "alice", 6);
    store_rec_put_uvarint(&w, 99, UINT64_MAX);
    store_rec_put_str(&w, STORE_USER_GUID, "guid-alice", 11);
    store_rec_put_bool(&w, STORE_USER_ADMIN, true);
    store_rec_put_i64(&w, STORE_USER_CREATED_AT, -1);
    store_rec_put_bytes(&w, 255, "", 0);
    assert_int_equal(store_rec_writer_finish(&w, &measured), POD_OK);
    assert_int_equal(measured, n);
    {
        struct store_user u = mkuser("alice", "guid-alice");
        struct store_user back;

        store_rec_writer_init(&w, NULL, 0);
        assert_int_equal(store_user_encode(&w, &u), POD_OK);
        assert_int_equal(store_rec_writer_finish(&w, &measured), POD_OK);
        for (size_t cap = 0; cap < measured; cap++) {
            store_rec_writer_init(&w, buf, cap);
            assert_int_equal(store_user_encode(&w, &u), POD_ERR_LIMIT);
            assert_int_equal(store_rec_writer_finish(&w, &n), POD_ERR_LIMIT);
            assert_int_equal(n, 0);
        }
        store_rec_writer_init(&w, buf, measured);
        assert_int_equal(store_user_encode(&w, &u), POD_OK);
        assert_int_equal(store_rec_writer_finish(&w, &n), POD_OK);
        assert_int_equal(n, measured);
        assert_int_equal(store_user_decode(buf, n, &back), POD_OK);
        assert_user_equal(&back, &u);
        /* Required fields. */
        u.guid[0] = '\0';
        store_rec_writer_init(&w, buf, sizeof(buf));
        assert_int_equal(store_user_encode(&w, &u), POD_ERR_INVAL);
    }
    store_rec_writer_init(&w, buf, 4);
    assert_int_equal(store_rec_put_bytes(&w, 1, "abcd", 4), POD_ERR_LIMIT);
    assert_int_equal(store_rec_put_bytes(&w, 1, "", 0), POD_ERR_LIMIT); /* sticky */
    store_rec_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(store_rec_put_bytes(&w, 0, "x", 1), POD_ERR_INVAL);
    store_rec_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(store_rec_put_str(&w, 1, unterminated, sizeof(unterminated)), POD_ERR_INVAL);

    /* Integers round trip; lengths of 127 and 128 take 1 and 2 bytes. */
    store_rec_writer_init(&w, buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
        store_rec_put_uvarint(&w, (uint8_t)(10 + i), vals[i]);
    store_rec_put_i64(&w, 30, INT64_MIN);
    store_rec_put_u64(&w, 31, UINT64_C(0x0102030405060708));
    memset(big, 'b', sizeof(big));
    store_rec_put_bytes(&w, 40, big, 127);
    store_rec_put_bytes(&w, 41, big, 128);
    assert_int_equal(store_rec_writer_finish(&w, &n), POD_OK);
    assert_int_equal(store_rec_reader_init(&r, buf, n), POD_OK);
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        uint64_t v = 0;

        assert_int_equal(store_rec_next(&r, &fld), POD_OK);
        assert_int_equal(fld.tag, 10 + i);
        assert_int_equal(store_rec_get_uvarint(&fld, &v), POD_OK);
        assert_true(v == vals[i]);
    }
    {
        int64_t i64 = 0;
        uint64_t u64 = 0;

        assert_int_equal(store_rec_next(&r, &fld), POD_OK);
        assert_int_equal(store_rec_get_i64(&fld, &i64), POD_OK);
        assert_true(i64 == INT64_MIN);
        assert_int_equal(store_rec_next(&r, &fld), POD_OK);
        assert_int_equal(store_rec_get_u64(&fld, &u64), POD_OK);
        assert_true(u64 == UINT64_C(0x0102030405060708));
        assert_int_equal(fld.data[0], 0x08);
    }
    assert_int_equal(store_rec_next(&r, &fld), POD_OK);
    assert_int_equal(fld.len, 127);
    assert_int_equal(fld.data[-1], 127);
    assert_int_equal(store_rec_next(&r, &fld), POD_OK);
    assert_int_equal(fld.len, 128);
    assert_int_equal(fld.data[-2], 0x80);
    assert_int_equal(fld.data[-1], 0x01);
    assert_int_equal(store_rec_next(&r, &fld), POD_ERR_NOTFOUND);
}

/* Writes raw values into a closed data directory with LMDB itself. */
static void
raw_put(const char *dir, const char *db, const void *key, size_t klen, const void *val, size_t vlen)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {klen, (void *)key};
    MDB_val v = {vlen, (void *)val};

    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
    assert_int_equal(mdb_env_set_mapsize(env, 16u << 20), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static int
count_user(const struct store_user *u, void *ctx)
{
    (void)u;
    (*(int *)ctx)++;
    return 0;
}

static void
test_corrupt_in_store(void **state)
{
    struct fixture *f = *state;
    struct store_rec_writer w;
    struct store_session s;
    struct store_user u;
    struct store_txn *txn;
    char hash[STORE_PWHASH_MAX + 2];
    uint8_t rec[512];
    uint8_t h[32];
    unsigned count;
    int calls = 0;
    size_t n;

    add_user(f, "alice", "guid-alice-0000000000");
    txn = wtxn(f);
    put_session(txn, 1, "alice", 10);
    put_session(txn, 2, "alice", 5000);
    commit(txn);
    store_close(f->st);
    f->st = NULL;

    /* mallory's password hash is one byte longer than the field. */
    memset(hash, 'h', sizeof(hash) - 1);
    hash[sizeof(hash) - 1] = '\0';
    store_rec_writer_init(&w, rec, sizeof(rec));
    store_rec_put_str(&w, STORE_USER_USERNAME, "mallory", 8);
    store_rec_put_str(&w, STORE_USER_GUID, "guid-mallory", 13);
    store_rec_put_bytes(&w, STORE_USER_PWHASH, hash, STORE_PWHASH_MAX + 1);
    assert_int_equal(store_rec_writer_finish(&w, &n), POD_OK);
    raw_put(f->dir, "users", "mallory", 7, rec, n);
    /* A record stored under another name than its own. */
    n = user_record(rec, sizeof(rec), false);
    raw_put(f->dir, "users", "zed", 3, rec, n);
    /* A session record with a future format byte. */
    hash_of(h, 3);
    raw_put(f->dir, "sessions", h, sizeof(h), "\x02\x01\x01x", 4);

    f->st = open_store(f->dir);
    txn = wtxn(f);
    assert_int_equal(store_user_get(txn, "mallory", &u), POD_ERR_CORRUPT);
    assert_string_equal(u.username, "");
    assert_int_equal(store_user_get(txn, "zed", &u), POD_ERR_CORRUPT);
    assert_int_equal(store_user_get(txn, "alice", &u), POD_OK);
    assert_int_equal(store_user_each(txn, count_user, &calls), POD_ERR_CORRUPT);
    assert_int_equal(calls, 1); /* alice, then mallory stops the walk */
    assert_int_equal(store_session_get(txn, h, &s), POD_ERR_CORRUPT);
    /* Expiry sweeps away the session that cannot be read, and the expired one. */
    assert_int_equal(store_sessions_expire(txn, 100, &count), POD_OK);
    assert_int_equal(count, 2);
    assert_int_equal(store_session_get(txn, h, &s), POD_ERR_NOTFOUND);
    assert_int_equal(session_rc(txn, 2), POD_OK);
    commit(txn);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_user_add_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_update_and_guid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_count_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_delete_cascade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_survives_reopen, setup, teardown),
        cmocka_unit_test(test_record_unknown_fields),
        cmocka_unit_test(test_record_corrupt),
        cmocka_unit_test(test_record_writer),
        cmocka_unit_test_setup_teardown(test_corrupt_in_store, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
