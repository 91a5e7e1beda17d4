/*
 * accounts.c - users, keys, profiles, sessions, invitations and sign-in
 * throttling (store/accounts.h), and the codecs of their records
 * (store/record.h).
 *
 * Databases (created by migration 2), keys are raw bytes without NUL:
 *   users          username -> user record
 *   users_by_guid  guid -> record naming the username
 *   user_keys      username -> both PEMs
 *   profiles       username -> profile record
 *   sessions       SHA-256 of the cookie token (32 bytes) -> session record
 *   invites        code -> invite record
 *   throttle       "user:NAME" / "addr:IP" -> throttle record
 *
 * Keys, profiles and sessions hang off a user: writing one for a username
 * that has no user record is POD_ERR_NOTFOUND, so store_user_delete can
 * find everything it must remove.
 *
 * Values are written with MDB_RESERVE: a record is measured, LMDB hands
 * out exactly that many bytes, and the record is encoded in place, so no
 * function needs a buffer the size of a PEM or a bio on its stack.
 */
#include "store/accounts.h"

#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "store/record.h"
#include "store/store_internal.h"

#define DB_USERS         "users"
#define DB_USERS_BY_GUID "users_by_guid"
#define DB_USER_KEYS     "user_keys"
#define DB_PROFILES      "profiles"
#define DB_SESSIONS      "sessions"
#define DB_INVITES       "invites"
#define DB_THROTTLE      "throttle"

#define TOKEN_HASH_LEN   32
#define INVITE_CODE_MAX  64  /* bytes */
#define THROTTLE_KEY_MAX 300 /* bytes */

/* ============================================================ records */

static int
user_field(const struct store_rec_field *f, void *ctx)
{
    struct store_user *u = ctx;

    switch (f->tag) {
    case STORE_USER_USERNAME:
        return store_rec_get_str(f, u->username, sizeof(u->username));
    case STORE_USER_GUID:
        return store_rec_get_str(f, u->guid, sizeof(u->guid));
    case STORE_USER_PWHASH:
        return store_rec_get_str(f, u->password_hash, sizeof(u->password_hash));
    case STORE_USER_LANGUAGE:
        return store_rec_get_str(f, u->language, sizeof(u->language));
    case STORE_USER_ADMIN:
        return store_rec_get_bool(f, &u->admin);
    case STORE_USER_CREATED_AT:
        return store_rec_get_i64(f, &u->created_at);
    case STORE_USER_LAST_SIGN_IN:
        return store_rec_get_i64(f, &u->last_sign_in_at);
    default:
        return POD_OK; /* a later version's field */
    }
}

int
store_user_encode(struct store_rec_writer *w, const struct store_user *u)
{
    if (!u->username[0] || !u->guid[0])
        return POD_ERR_INVAL;
    store_rec_put_str(w, STORE_USER_USERNAME, u->username, sizeof(u->username));
    store_rec_put_str(w, STORE_USER_GUID, u->guid, sizeof(u->guid));
    store_rec_put_str(w, STORE_USER_PWHASH, u->password_hash, sizeof(u->password_hash));
    store_rec_put_str(w, STORE_USER_LANGUAGE, u->language, sizeof(u->language));
    store_rec_put_bool(w, STORE_USER_ADMIN, u->admin);
    store_rec_put_i64(w, STORE_USER_CREATED_AT, u->created_at);
    store_rec_put_i64(w, STORE_USER_LAST_SIGN_IN, u->last_sign_in_at);
    return store_rec_writer_finish(w, NULL);
}

int
store_user_decode(const void *data, size_t len, struct store_user *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_rec_decode(data, len, user_field, out);
    if (rc == POD_OK && (!out->username[0] || !out->guid[0]))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

static int
guidix_field(const struct store_rec_field *f, void *ctx)
{
    if (f->tag == STORE_GUIDIX_USERNAME)
        return store_rec_get_str(f, ctx, STORE_USERNAME_MAX + 1);
    return POD_OK;
}

int
store_guidix_encode(struct store_rec_writer *w, const char *username)
{
    if (!username || !*username)
        return POD_ERR_INVAL;
    store_rec_put_str(w, STORE_GUIDIX_USERNAME, username, STORE_USERNAME_MAX + 1);
    return store_rec_writer_finish(w, NULL);
}

int
store_guidix_decode(const void *data, size_t len, char out[STORE_USERNAME_MAX + 1])
{
    int rc;

    out[0] = '\0';
    rc = store_rec_decode(data, len, guidix_field, out);
    if (rc == POD_OK && !out[0])
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        out[0] = '\0';
    return rc;
}

/* A PEM is borrowed from the record: it must be a string that would fit a
 * STORE_PEM_MAX buffer. */
static int
pem_view(const struct store_rec_field *f, const char **pem, size_t *len)
{
    if (f->len > STORE_PEM_MAX || (f->len && memchr(f->data, '\0', f->len)))
        return POD_ERR_CORRUPT;
    *pem = (const char *)f->data;
    *len = f->len;
    return POD_OK;
}

static int
keys_field(const struct store_rec_field *f, void *ctx)
{
    struct store_keys_view *k = ctx;

    switch (f->tag) {
    case STORE_KEYS_PRIVATE:
        return pem_view(f, &k->private_pem, &k->private_len);
    case STORE_KEYS_PUBLIC:
        return pem_view(f, &k->public_pem, &k->public_len);
    default:
        return POD_OK;
    }
}

int
store_keys_encode(struct store_rec_writer *w, const char *private_pem, const char *public_pem)
{
    if (!private_pem || !*private_pem || !public_pem || !*public_pem)
        return POD_ERR_INVAL;
    store_rec_put_str(w, STORE_KEYS_PRIVATE, private_pem, STORE_PEM_MAX + 1);
    store_rec_put_str(w, STORE_KEYS_PUBLIC, public_pem, STORE_PEM_MAX + 1);
    return store_rec_writer_finish(w, NULL);
}

int
store_keys_decode(const void *data, size_t len, struct store_keys_view *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_rec_decode(data, len, keys_field, out);
    if (rc == POD_OK && (!out->private_len || !out->public_len))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

static int
profile_field(const struct store_rec_field *f, void *ctx)
{
    struct store_profile *p = ctx;

    if (f->tag >= STORE_PROFILE_TAG0 && f->tag < STORE_PROFILE_TAG0 + STORE_PROFILE_TAGS)
        return store_rec_get_str(f, p->tags[f->tag - STORE_PROFILE_TAG0], sizeof(p->tags[0]));
    switch (f->tag) {
    case STORE_PROFILE_FIRST_NAME:
        return store_rec_get_str(f, p->first_name, sizeof(p->first_name));
    case STORE_PROFILE_LAST_NAME:
        return store_rec_get_str(f, p->last_name, sizeof(p->last_name));
    case STORE_PROFILE_BIO:
        return store_rec_get_str(f, p->bio, sizeof(p->bio));
    case STORE_PROFILE_LOCATION:
        return store_rec_get_str(f, p->location, sizeof(p->location));
    case STORE_PROFILE_GENDER:
        return store_rec_get_str(f, p->gender, sizeof(p->gender));
    case STORE_PROFILE_BIRTHDAY:
        return store_rec_get_str(f, p->birthday, sizeof(p->birthday));
    case STORE_PROFILE_AVATAR:
        return store_rec_get_str(f, p->avatar, sizeof(p->avatar));
    case STORE_PROFILE_SEARCHABLE:
        return store_rec_get_bool(f, &p->searchable);
    case STORE_PROFILE_NSFW:
        return store_rec_get_bool(f, &p->nsfw);
    case STORE_PROFILE_PUBLIC_DETAILS:
        return store_rec_get_bool(f, &p->public_details);
    case STORE_PROFILE_UPDATED_AT:
        return store_rec_get_i64(f, &p->updated_at);
    default:
        return POD_OK;
    }
}

int
store_profile_encode(struct store_rec_writer *w, const struct store_profile *p)
{
    store_rec_put_str(w, STORE_PROFILE_FIRST_NAME, p->first_name, sizeof(p->first_name));
    store_rec_put_str(w, STORE_PROFILE_LAST_NAME, p->last_name, sizeof(p->last_name));
    store_rec_put_str(w, STORE_PROFILE_BIO, p->bio, sizeof(p->bio));
    store_rec_put_str(w, STORE_PROFILE_LOCATION, p->location, sizeof(p->location));
    store_rec_put_str(w, STORE_PROFILE_GENDER, p->gender, sizeof(p->gender));
    store_rec_put_str(w, STORE_PROFILE_BIRTHDAY, p->birthday, sizeof(p->birthday));
    store_rec_put_str(w, STORE_PROFILE_AVATAR, p->avatar, sizeof(p->avatar));
    store_rec_put_bool(w, STORE_PROFILE_SEARCHABLE, p->searchable);
    store_rec_put_bool(w, STORE_PROFILE_NSFW, p->nsfw);
    for (int i = 0; i < STORE_PROFILE_TAGS; i++)
        store_rec_put_str(w, (uint8_t)(STORE_PROFILE_TAG0 + i), p->tags[i], sizeof(p->tags[i]));
    store_rec_put_bool(w, STORE_PROFILE_PUBLIC_DETAILS, p->public_details);
    store_rec_put_i64(w, STORE_PROFILE_UPDATED_AT, p->updated_at);
    return store_rec_writer_finish(w, NULL);
}

int
store_profile_decode(const void *data, size_t len, struct store_profile *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_rec_decode(data, len, profile_field, out);
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

static int
session_field(const struct store_rec_field *f, void *ctx)
{
    struct store_session *s = ctx;

    switch (f->tag) {
    case STORE_SESSION_USERNAME:
        return store_rec_get_str(f, s->username, sizeof(s->username));
    case STORE_SESSION_CSRF:
        return store_rec_get_fixed(f, s->csrf, sizeof(s->csrf));
    case STORE_SESSION_CREATED_AT:
        return store_rec_get_i64(f, &s->created_at);
    case STORE_SESSION_LAST_SEEN_AT:
        return store_rec_get_i64(f, &s->last_seen_at);
    case STORE_SESSION_EXPIRES_AT:
        return store_rec_get_i64(f, &s->expires_at);
    default:
        return POD_OK;
    }
}

int
store_session_encode(struct store_rec_writer *w, const struct store_session *s)
{
    if (!s->username[0])
        return POD_ERR_INVAL;
    store_rec_put_str(w, STORE_SESSION_USERNAME, s->username, sizeof(s->username));
    store_rec_put_bytes(w, STORE_SESSION_CSRF, s->csrf, sizeof(s->csrf));
    store_rec_put_i64(w, STORE_SESSION_CREATED_AT, s->created_at);
    store_rec_put_i64(w, STORE_SESSION_LAST_SEEN_AT, s->last_seen_at);
    store_rec_put_i64(w, STORE_SESSION_EXPIRES_AT, s->expires_at);
    return store_rec_writer_finish(w, NULL);
}

int
store_session_decode(const void *data, size_t len, struct store_session *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_rec_decode(data, len, session_field, out);
    if (rc == POD_OK && !out->username[0])
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

static int
invite_field(const struct store_rec_field *f, void *ctx)
{
    struct store_invite *inv = ctx;

    switch (f->tag) {
    case STORE_INVITE_CREATED_BY:
        return store_rec_get_str(f, inv->created_by, sizeof(inv->created_by));
    case STORE_INVITE_USES_LEFT:
        return store_rec_get_u32(f, &inv->uses_left);
    case STORE_INVITE_CREATED_AT:
        return store_rec_get_i64(f, &inv->created_at);
    case STORE_INVITE_EXPIRES_AT:
        return store_rec_get_i64(f, &inv->expires_at);
    default:
        return POD_OK;
    }
}

int
store_invite_encode(struct store_rec_writer *w, const struct store_invite *inv)
{
    store_rec_put_str(w, STORE_INVITE_CREATED_BY, inv->created_by, sizeof(inv->created_by));
    store_rec_put_uvarint(w, STORE_INVITE_USES_LEFT, inv->uses_left);
    store_rec_put_i64(w, STORE_INVITE_CREATED_AT, inv->created_at);
    store_rec_put_i64(w, STORE_INVITE_EXPIRES_AT, inv->expires_at);
    return store_rec_writer_finish(w, NULL);
}

int
store_invite_decode(const void *data, size_t len, struct store_invite *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_rec_decode(data, len, invite_field, out);
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

static int
throttle_field(const struct store_rec_field *f, void *ctx)
{
    struct store_throttle *t = ctx;

    switch (f->tag) {
    case STORE_THROTTLE_FAILURES:
        return store_rec_get_u32(f, &t->failures);
    case STORE_THROTTLE_LAST_FAILURE_AT:
        return store_rec_get_i64(f, &t->last_failure_at);
    case STORE_THROTTLE_LOCKED_UNTIL:
        return store_rec_get_i64(f, &t->locked_until);
    default:
        return POD_OK;
    }
}

int
store_throttle_encode(struct store_rec_writer *w, const struct store_throttle *t)
{
    store_rec_put_uvarint(w, STORE_THROTTLE_FAILURES, t->failures);
    store_rec_put_i64(w, STORE_THROTTLE_LAST_FAILURE_AT, t->last_failure_at);
    store_rec_put_i64(w, STORE_THROTTLE_LOCKED_UNTIL, t->locked_until);
    return store_rec_writer_finish(w, NULL);
}

int
store_throttle_decode(const void *data, size_t len, struct store_throttle *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_rec_decode(data, len, throttle_field, out);
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ============================================================ helpers */

struct keys_pair {
    const char *private_pem;
    const char *public_pem;
};

static int
enc_user(struct store_rec_writer *w, const void *obj)
{
    return store_user_encode(w, obj);
}

static int
enc_guidix(struct store_rec_writer *w, const void *obj)
{
    return store_guidix_encode(w, obj);
}

static int
enc_keys(struct store_rec_writer *w, const void *obj)
{
    const struct keys_pair *k = obj;

    return store_keys_encode(w, k->private_pem, k->public_pem);
}

static int
enc_profile(struct store_rec_writer *w, const void *obj)
{
    return store_profile_encode(w, obj);
}

static int
enc_session(struct store_rec_writer *w, const void *obj)
{
    return store_session_encode(w, obj);
}

static int
enc_invite(struct store_rec_writer *w, const void *obj)
{
    return store_invite_encode(w, obj);
}

static int
enc_throttle(struct store_rec_writer *w, const void *obj)
{
    return store_throttle_encode(w, obj);
}

/* mdb_del that does not mind a missing key. */
static int
del_if_present(struct store_txn *txn, MDB_dbi dbi, MDB_val *key)
{
    int rc = store_err_map(mdb_del(txn->txn, dbi, key, NULL));

    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}

/* POD_OK if key is in dbi, POD_ERR_NOTFOUND if not. */
static int
key_present(struct store_txn *txn, MDB_dbi dbi, MDB_val *key)
{
    MDB_val val;

    return store_err_map(mdb_get(txn->txn, dbi, key, &val));
}

/* Decodes a user record stored under key, which must be its username. */
static int
user_decode_keyed(const MDB_val *key, const MDB_val *val, struct store_user *out)
{
    int rc = store_user_decode(val->mv_data, val->mv_size, out);

    if (rc == POD_OK && (strlen(out->username) != key->mv_size ||
                         memcmp(out->username, key->mv_data, key->mv_size) != 0)) {
        memset(out, 0, sizeof(*out));
        rc = POD_ERR_CORRUPT;
    }
    return rc;
}

static int
user_load(struct store_txn *txn, MDB_dbi users, MDB_val *key, struct store_user *out)
{
    MDB_val val;
    int rc;

    rc = store_err_map(mdb_get(txn->txn, users, key, &val));
    if (rc == POD_OK)
        rc = user_decode_keyed(key, &val, out);
    return rc;
}

/* POD_ERR_NOTFOUND unless username (already a valid key) is a user. */
static int
user_must_exist(struct store_txn *txn, MDB_val *ukey)
{
    MDB_dbi users;
    int rc;

    rc = store_dbi_find(txn, DB_USERS, &users);
    if (rc == POD_OK)
        rc = key_present(txn, users, ukey);
    return rc;
}

/* ============================================================== users */

int
store_user_add(struct store_txn *txn, const struct store_user *u)
{
    MDB_dbi users;
    MDB_dbi by_guid;
    MDB_val ukey;
    MDB_val gkey;
    int rc;

    if (!u) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_field_key(u->username, sizeof(u->username), &ukey);
    if (rc == POD_OK)
        rc = store_field_key(u->guid, sizeof(u->guid), &gkey);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_USERS, &users);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_USERS_BY_GUID, &by_guid);
    if (rc != POD_OK)
        goto out;
    /* Both checks before any write: a refused add changes nothing. */
    rc = key_present(txn, users, &ukey);
    if (rc == POD_OK)
        rc = POD_ERR_EXISTS;
    if (rc == POD_ERR_NOTFOUND)
        rc = key_present(txn, by_guid, &gkey);
    if (rc == POD_OK)
        rc = POD_ERR_EXISTS;
    if (rc != POD_ERR_NOTFOUND)
        goto out;
    rc = store_rec_put(txn, users, &ukey, enc_user, u, MDB_NOOVERWRITE);
    if (rc == POD_OK)
        rc = store_rec_put(txn, by_guid, &gkey, enc_guidix, u->username, MDB_NOOVERWRITE);
out:
    return rc;
}

int
store_user_update(struct store_txn *txn, const struct store_user *u)
{
    struct store_user old;
    MDB_dbi users;
    MDB_val ukey;
    MDB_val gkey;
    int rc;

    if (!u) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_field_key(u->username, sizeof(u->username), &ukey);
    if (rc == POD_OK)
        rc = store_field_key(u->guid, sizeof(u->guid), &gkey);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_USERS, &users);
    if (rc == POD_OK)
        rc = user_load(txn, users, &ukey, &old);
    if (rc != POD_OK)
        goto out;
    /* The GUID is the user's identity on the network; it never changes,
     * which also keeps users_by_guid right without touching it. */
    if (strcmp(old.guid, u->guid) != 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_rec_put(txn, users, &ukey, enc_user, u, 0);
out:
    return rc;
}

int
store_user_get(struct store_txn *txn, const char *username, struct store_user *out)
{
    MDB_dbi users;
    MDB_val key;
    int rc;

    if (!out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    memset(out, 0, sizeof(*out));
    rc = store_str_key(username, STORE_USERNAME_MAX, &key);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_USERS, &users);
    if (rc == POD_OK)
        rc = user_load(txn, users, &key, out);
out:
    return rc;
}

int
store_user_get_by_guid(struct store_txn *txn, const char *guid, struct store_user *out)
{
    char username[STORE_USERNAME_MAX + 1];
    MDB_dbi users;
    MDB_dbi by_guid;
    MDB_val gkey;
    MDB_val ukey;
    MDB_val val;
    int rc;

    if (!out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    memset(out, 0, sizeof(*out));
    rc = store_str_key(guid, STORE_GUID_MAX, &gkey);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_USERS, &users);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_USERS_BY_GUID, &by_guid);
    if (rc == POD_OK)
        rc = store_err_map(mdb_get(txn->txn, by_guid, &gkey, &val));
    if (rc == POD_OK)
        rc = store_guidix_decode(val.mv_data, val.mv_size, username);
    if (rc != POD_OK)
        goto out;
    ukey.mv_size = strlen(username);
    ukey.mv_data = username;
    rc = user_load(txn, users, &ukey, out);
    /* An index entry without its user, or naming a user with another
     * GUID, is damage. */
    if (rc == POD_ERR_NOTFOUND || (rc == POD_OK && strcmp(out->guid, guid) != 0))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
out:
    return rc;
}

int
store_user_delete(struct store_txn *txn, const char *username)
{
    struct store_user u;
    MDB_dbi users;
    MDB_dbi by_guid;
    MDB_dbi keys;
    MDB_dbi profiles;
    MDB_val ukey;
    MDB_val gkey;
    int rc;

    rc = store_str_key(username, STORE_USERNAME_MAX, &ukey);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_USERS, &users);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_USERS_BY_GUID, &by_guid);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_USER_KEYS, &keys);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_PROFILES, &profiles);
    if (rc == POD_OK)
        rc = user_load(txn, users, &ukey, &u);
    if (rc != POD_OK)
        goto out;
    gkey.mv_size = strlen(u.guid);
    gkey.mv_data = u.guid;
    rc = store_err_map(mdb_del(txn->txn, users, &ukey, NULL));
    /* GUIDs are unique among users, so the entry under this one is ours. */
    if (rc == POD_OK)
        rc = del_if_present(txn, by_guid, &gkey);
    if (rc == POD_OK)
        rc = del_if_present(txn, keys, &ukey);
    if (rc == POD_OK)
        rc = del_if_present(txn, profiles, &ukey);
    if (rc == POD_OK)
        rc = store_sessions_delete_user(txn, username, NULL);
out:
    return rc;
}

int
store_user_count(struct store_txn *txn, uint64_t *out)
{
    MDB_stat ms;
    MDB_dbi users;
    int rc;

    if (!out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    *out = 0;
    rc = store_db_for(txn, false, DB_USERS, &users);
    if (rc == POD_OK)
        rc = store_err_map(mdb_stat(txn->txn, users, &ms));
    if (rc == POD_OK)
        *out = ms.ms_entries;
out:
    return rc;
}

int
store_user_each(struct store_txn *txn, int (*fn)(const struct store_user *u, void *ctx), void *ctx)
{
    struct store_user u;
    MDB_cursor *cur = NULL;
    MDB_dbi users;
    MDB_val key;
    MDB_val val;
    int rc;

    if (!fn) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, false, DB_USERS, &users);
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_open(txn->txn, users, &cur));
    while (rc == POD_OK) {
        rc = store_err_map(mdb_cursor_get(cur, &key, &val, MDB_NEXT));
        if (rc == POD_ERR_NOTFOUND) {
            rc = POD_OK;
            break;
        }
        if (rc == POD_OK)
            rc = user_decode_keyed(&key, &val, &u);
        if (rc != POD_OK)
            break;
        rc = fn(&u, ctx);
        if (rc != 0)
            break;
    }
out:
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

/* =============================================================== keys */

int
store_user_keys_put(struct store_txn *txn, const char *username, const char *private_pem,
                    const char *public_pem)
{
    struct keys_pair kp = {private_pem, public_pem};
    MDB_dbi keys;
    MDB_val ukey;
    int rc;

    if (!private_pem || !*private_pem || !public_pem || !*public_pem) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    if (strnlen(private_pem, STORE_PEM_MAX + 1) > STORE_PEM_MAX ||
        strnlen(public_pem, STORE_PEM_MAX + 1) > STORE_PEM_MAX) {
        rc = POD_ERR_LIMIT;
        goto out;
    }
    rc = store_str_key(username, STORE_USERNAME_MAX, &ukey);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_USER_KEYS, &keys);
    if (rc == POD_OK)
        rc = user_must_exist(txn, &ukey);
    if (rc == POD_OK)
        rc = store_rec_put(txn, keys, &ukey, enc_keys, &kp, 0);
out:
    return rc;
}

static int
key_get(struct store_txn *txn, const char *username, bool private_key, char *buf, size_t cap)
{
    struct store_keys_view kv;
    const char *pem;
    size_t len;
    MDB_dbi keys;
    MDB_val ukey;
    MDB_val val;
    int rc;

    if (!buf || cap == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    buf[0] = '\0';
    rc = store_str_key(username, STORE_USERNAME_MAX, &ukey);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_USER_KEYS, &keys);
    if (rc == POD_OK)
        rc = store_err_map(mdb_get(txn->txn, keys, &ukey, &val));
    if (rc == POD_OK)
        rc = store_keys_decode(val.mv_data, val.mv_size, &kv);
    if (rc != POD_OK)
        goto out;
    pem = private_key ? kv.private_pem : kv.public_pem;
    len = private_key ? kv.private_len : kv.public_len;
    if (len >= cap) {
        rc = POD_ERR_LIMIT;
        goto out;
    }
    memcpy(buf, pem, len);
    buf[len] = '\0';
out:
    return rc;
}

int
store_user_public_key_get(struct store_txn *txn, const char *username, char *buf, size_t cap)
{
    return key_get(txn, username, false, buf, cap);
}

int
store_user_private_key_get(struct store_txn *txn, const char *username, char *buf, size_t cap)
{
    return key_get(txn, username, true, buf, cap);
}

/* =========================================================== profiles */

int
store_profile_put(struct store_txn *txn, const char *username, const struct store_profile *p)
{
    MDB_dbi profiles;
    MDB_val ukey;
    int rc;

    if (!p) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_str_key(username, STORE_USERNAME_MAX, &ukey);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_PROFILES, &profiles);
    if (rc == POD_OK)
        rc = user_must_exist(txn, &ukey);
    if (rc == POD_OK)
        rc = store_rec_put(txn, profiles, &ukey, enc_profile, p, 0);
out:
    return rc;
}

int
store_profile_get(struct store_txn *txn, const char *username, struct store_profile *out)
{
    MDB_dbi profiles;
    MDB_val ukey;
    MDB_val val;
    int rc;

    if (!out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    memset(out, 0, sizeof(*out));
    rc = store_str_key(username, STORE_USERNAME_MAX, &ukey);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_PROFILES, &profiles);
    if (rc == POD_OK)
        rc = store_err_map(mdb_get(txn->txn, profiles, &ukey, &val));
    if (rc == POD_OK)
        rc = store_profile_decode(val.mv_data, val.mv_size, out);
out:
    return rc;
}

/* =========================================================== sessions */

static int
token_key(const uint8_t *token_hash, MDB_val *key)
{
    if (!token_hash)
        return POD_ERR_INVAL;
    key->mv_size = TOKEN_HASH_LEN;
    key->mv_data = (void *)token_hash;
    return POD_OK;
}

int
store_session_put(struct store_txn *txn, const uint8_t token_hash[32],
                  const struct store_session *s)
{
    MDB_dbi sessions;
    MDB_val key;
    MDB_val ukey;
    int rc;

    if (!s) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = token_key(token_hash, &key);
    if (rc == POD_OK)
        rc = store_field_key(s->username, sizeof(s->username), &ukey);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_SESSIONS, &sessions);
    if (rc == POD_OK)
        rc = user_must_exist(txn, &ukey);
    if (rc == POD_OK)
        rc = store_rec_put(txn, sessions, &key, enc_session, s, 0);
out:
    return rc;
}

int
store_session_get(struct store_txn *txn, const uint8_t token_hash[32], struct store_session *out)
{
    MDB_dbi sessions;
    MDB_val key;
    MDB_val val;
    int rc;

    if (!out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    memset(out, 0, sizeof(*out));
    rc = token_key(token_hash, &key);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_SESSIONS, &sessions);
    if (rc == POD_OK)
        rc = store_err_map(mdb_get(txn->txn, sessions, &key, &val));
    if (rc == POD_OK)
        rc = store_session_decode(val.mv_data, val.mv_size, out);
out:
    return rc;
}

int
store_session_delete(struct store_txn *txn, const uint8_t token_hash[32])
{
    MDB_dbi sessions;
    MDB_val key;
    int rc;

    rc = token_key(token_hash, &key);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_SESSIONS, &sessions);
    if (rc == POD_OK)
        rc = store_err_map(mdb_del(txn->txn, sessions, &key, NULL));
    return rc;
}

/* Deletes the sessions of username (non-NULL) or those that expired
 * before now (username NULL). A record that does not decode can never
 * authenticate anyone: expiry removes it, a per-user sweep leaves it. */
static int
sessions_sweep(struct store_txn *txn, const char *username, int64_t now, unsigned *count)
{
    struct store_session s;
    MDB_cursor *cur = NULL;
    MDB_dbi sessions;
    MDB_val key;
    MDB_val val;
    unsigned n = 0;
    bool drop;
    int rc;

    rc = store_db_for(txn, true, DB_SESSIONS, &sessions);
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_open(txn->txn, sessions, &cur));
    while (rc == POD_OK) {
        rc = store_err_map(mdb_cursor_get(cur, &key, &val, MDB_NEXT));
        if (rc == POD_ERR_NOTFOUND) {
            rc = POD_OK;
            break;
        }
        if (rc != POD_OK)
            break;
        if (store_session_decode(val.mv_data, val.mv_size, &s) != POD_OK) {
            drop = !username;
            if (drop)
                LOG_WARN("store", "removing a session record that does not decode");
        } else if (username) {
            drop = strcmp(s.username, username) == 0;
        } else {
            drop = s.expires_at < now;
        }
        if (!drop)
            continue;
        /* The cursor then stands on the next entry; MDB_NEXT returns it. */
        rc = store_err_map(mdb_cursor_del(cur, 0));
        if (rc == POD_OK)
            n++;
    }
    if (cur)
        mdb_cursor_close(cur);
    if (count)
        *count = n;
    return rc;
}

int
store_sessions_delete_user(struct store_txn *txn, const char *username, unsigned *count)
{
    MDB_val ukey;
    int rc;

    if (count)
        *count = 0;
    rc = store_str_key(username, STORE_USERNAME_MAX, &ukey);
    if (rc == POD_OK)
        rc = sessions_sweep(txn, username, 0, count);
    return rc;
}

int
store_sessions_expire(struct store_txn *txn, int64_t now, unsigned *count)
{
    if (count)
        *count = 0;
    return sessions_sweep(txn, NULL, now, count);
}

/* ======================================================== invitations */

int
store_invite_put(struct store_txn *txn, const char *code, const struct store_invite *inv)
{
    MDB_dbi invites;
    MDB_val key;
    int rc;

    /* An invite without uses could never be taken. */
    if (!inv || inv->uses_left == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_str_key(code, INVITE_CODE_MAX, &key);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_INVITES, &invites);
    if (rc == POD_OK)
        rc = store_rec_put(txn, invites, &key, enc_invite, inv, 0);
out:
    return rc;
}

int
store_invite_get(struct store_txn *txn, const char *code, struct store_invite *out)
{
    MDB_dbi invites;
    MDB_val key;
    MDB_val val;
    int rc;

    if (!out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    memset(out, 0, sizeof(*out));
    rc = store_str_key(code, INVITE_CODE_MAX, &key);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_INVITES, &invites);
    if (rc == POD_OK)
        rc = store_err_map(mdb_get(txn->txn, invites, &key, &val));
    if (rc == POD_OK)
        rc = store_invite_decode(val.mv_data, val.mv_size, out);
out:
    return rc;
}

int
store_invite_use(struct store_txn *txn, const char *code, int64_t now, uint32_t *left)
{
    struct store_invite inv;
    MDB_dbi invites;
    MDB_val key;
    MDB_val val;
    int rc;

    if (left)
        *left = 0;
    rc = store_str_key(code, INVITE_CODE_MAX, &key);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_INVITES, &invites);
    if (rc == POD_OK)
        rc = store_err_map(mdb_get(txn->txn, invites, &key, &val));
    if (rc == POD_OK)
        rc = store_invite_decode(val.mv_data, val.mv_size, &inv);
    if (rc != POD_OK)
        goto out;
    /* Like sessions, an invite is good through its expires_at second. */
    if (inv.expires_at != 0 && inv.expires_at < now) {
        rc = store_err_map(mdb_del(txn->txn, invites, &key, NULL));
        if (rc == POD_OK)
            rc = POD_ERR_LIMIT;
        goto out;
    }
    if (inv.uses_left == 0) {
        /* Spent (put refuses 0, so only old or damaged data): gone. */
        rc = store_err_map(mdb_del(txn->txn, invites, &key, NULL));
        if (rc == POD_OK)
            rc = POD_ERR_NOTFOUND;
        goto out;
    }
    inv.uses_left--;
    if (inv.uses_left == 0)
        rc = store_err_map(mdb_del(txn->txn, invites, &key, NULL));
    else
        rc = store_rec_put(txn, invites, &key, enc_invite, &inv, 0);
    if (rc == POD_OK && left)
        *left = inv.uses_left;
out:
    return rc;
}

int
store_invite_delete(struct store_txn *txn, const char *code)
{
    MDB_dbi invites;
    MDB_val key;
    int rc;

    rc = store_str_key(code, INVITE_CODE_MAX, &key);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_INVITES, &invites);
    if (rc == POD_OK)
        rc = store_err_map(mdb_del(txn->txn, invites, &key, NULL));
    return rc;
}

int
store_invite_each(struct store_txn *txn,
                  int (*fn)(const char *code, const struct store_invite *inv, void *ctx), void *ctx)
{
    char code[INVITE_CODE_MAX + 1];
    struct store_invite inv;
    MDB_cursor *cur = NULL;
    MDB_dbi invites;
    MDB_val key;
    MDB_val val;
    int rc;

    if (!fn) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, false, DB_INVITES, &invites);
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_open(txn->txn, invites, &cur));
    while (rc == POD_OK) {
        rc = store_err_map(mdb_cursor_get(cur, &key, &val, MDB_NEXT));
        if (rc == POD_ERR_NOTFOUND) {
            rc = POD_OK;
            break;
        }
        if (rc != POD_OK)
            break;
        if (key.mv_size == 0 || key.mv_size > INVITE_CODE_MAX ||
            memchr(key.mv_data, '\0', key.mv_size)) {
            rc = POD_ERR_CORRUPT;
            break;
        }
        memcpy(code, key.mv_data, key.mv_size);
        code[key.mv_size] = '\0';
        rc = store_invite_decode(val.mv_data, val.mv_size, &inv);
        if (rc != POD_OK)
            break;
        rc = fn(code, &inv, ctx);
        if (rc != 0)
            break;
    }
out:
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

/* =========================================================== throttle */

int
store_throttle_get(struct store_txn *txn, const char *key, struct store_throttle *out)
{
    MDB_dbi throttle;
    MDB_val k;
    MDB_val val;
    int rc;

    if (!out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    memset(out, 0, sizeof(*out));
    rc = store_str_key(key, THROTTLE_KEY_MAX, &k);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_THROTTLE, &throttle);
    if (rc == POD_OK)
        rc = store_err_map(mdb_get(txn->txn, throttle, &k, &val));
    if (rc == POD_OK)
        rc = store_throttle_decode(val.mv_data, val.mv_size, out);
out:
    return rc;
}

int
store_throttle_put(struct store_txn *txn, const char *key, const struct store_throttle *t)
{
    MDB_dbi throttle;
    MDB_val k;
    int rc;

    if (!t) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_str_key(key, THROTTLE_KEY_MAX, &k);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_THROTTLE, &throttle);
    if (rc == POD_OK)
        rc = store_rec_put(txn, throttle, &k, enc_throttle, t, 0);
out:
    return rc;
}

int
store_throttle_delete(struct store_txn *txn, const char *key)
{
    MDB_dbi throttle;
    MDB_val k;
    int rc;

    rc = store_str_key(key, THROTTLE_KEY_MAX, &k);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_THROTTLE, &throttle);
    if (rc == POD_OK)
        rc = store_err_map(mdb_del(txn->txn, throttle, &k, NULL));
    return rc;
}
