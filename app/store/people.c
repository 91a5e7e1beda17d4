/*
 * people.c - everyone the pod knows (store/people.h), and the person row
 * that goes with a local account.
 *
 * Databases (created by migration 3):
 *   people          be64 id -> person record (store/record.h)
 *   people_by_guid  guid -> be64 id
 *   people_by_did   diaspora* ID -> be64 id
 *   people_by_user  username -> be64 id (local users only)
 *
 * Index values are bare 8-byte ids, not records: they hold nothing that a
 * later version could want to extend. An index entry that points at no
 * person, or at one whose field differs from the key, is POD_ERR_CORRUPT.
 *
 * GUID, diaspora* ID and username are a person's identity: update refuses
 * to change them, so the indexes never move.
 */
#include "store/people.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "store/record.h"
#include "store/store_internal.h"

#define DB_PEOPLE         "people"
#define DB_PEOPLE_BY_GUID "people_by_guid"
#define DB_PEOPLE_BY_DID  "people_by_did"
#define DB_PEOPLE_BY_USER "people_by_user"
#define SEQ_PEOPLE        "people"

/* ============================================================ helpers */

/* A diaspora* ID as the store takes it: lowercase (the indexes compare
 * bytes) and with an '@'. The full grammar is core/ids.c's business. */
static bool
did_acceptable(const char *did)
{
    if (!strchr(did, '@'))
        return false;
    for (const char *c = did; *c; c++) {
        if (*c >= 'A' && *c <= 'Z')
            return false;
    }
    return true;
}

static int
enc_person(struct store_rec_writer *w, const void *obj)
{
    return store_person_encode(w, obj);
}

/* POD_OK when p encodes, without writing anything. */
static int
person_check(const struct store_person *p)
{
    struct store_rec_writer w;

    store_rec_writer_init(&w, NULL, 0);
    return store_person_encode(&w, p);
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

/* POD_ERR_EXISTS if key is in dbi, POD_OK if not. */
static int
key_absent(struct store_txn *txn, MDB_dbi dbi, MDB_val *key)
{
    int rc = key_present(txn, dbi, key);

    if (rc == POD_OK)
        return POD_ERR_EXISTS;
    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}

static int
person_load(struct store_txn *txn, MDB_dbi people, uint64_t id, struct store_person *out)
{
    uint8_t kb[8];
    MDB_val key = {sizeof(kb), kb};
    MDB_val val;
    int rc;

    store_be64_put(kb, id);
    rc = store_err_map(mdb_get(txn->txn, people, &key, &val));
    if (rc == POD_OK)
        rc = store_person_decode(val.mv_data, val.mv_size, out);
    if (rc == POD_OK)
        out->id = id;
    return rc;
}

/* Writes one index entry key -> be64 id. */
static int
index_put(struct store_txn *txn, MDB_dbi dbi, MDB_val *key, uint64_t id)
{
    uint8_t vb[8];
    MDB_val val = {sizeof(vb), vb};

    store_be64_put(vb, id);
    return store_err_map(mdb_put(txn->txn, dbi, key, &val, MDB_NOOVERWRITE));
}

enum person_index { BY_GUID, BY_DID, BY_USER };

/* Looks key up in one of the three string indexes and loads the person it
 * names, who must carry key in the indexed field. */
static int
person_get_indexed(struct store_txn *txn, enum person_index which, const char *s, size_t max,
                   struct store_person *out)
{
    static const char *const dbs[] = {DB_PEOPLE_BY_GUID, DB_PEOPLE_BY_DID, DB_PEOPLE_BY_USER};
    const char *field;
    MDB_dbi people;
    MDB_dbi index;
    MDB_val key;
    MDB_val val;
    uint64_t id;
    int rc;

    if (!out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    memset(out, 0, sizeof(*out));
    rc = store_str_key(s, max, &key);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_PEOPLE, &people);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, dbs[which], &index);
    if (rc == POD_OK)
        rc = store_err_map(mdb_get(txn->txn, index, &key, &val));
    if (rc != POD_OK)
        goto out;
    if (val.mv_size != 8 || (id = store_be64_get(val.mv_data)) == 0) {
        rc = POD_ERR_CORRUPT;
        goto out;
    }
    rc = person_load(txn, people, id, out);
    if (rc == POD_ERR_NOTFOUND) {
        rc = POD_ERR_CORRUPT;
        goto out;
    }
    if (rc != POD_OK)
        goto out;
    field = which == BY_GUID ? out->guid : which == BY_DID ? out->diaspora_id : out->username;
    if (strcmp(field, s) != 0)
        rc = POD_ERR_CORRUPT;
out:
    if (rc != POD_OK && out)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ASCII-case-insensitive: does hay contain needle ("" is everywhere)? */
static bool
contains_ci(const char *hay, const char *needle, size_t nlen)
{
    size_t hlen = strlen(hay);

    for (size_t i = 0; i + nlen <= hlen; i++) {
        size_t j = 0;

        while (j < nlen) {
            unsigned char a = (unsigned char)hay[i + j];
            unsigned char b = (unsigned char)needle[j];

            if (a >= 'A' && a <= 'Z')
                a = (unsigned char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (unsigned char)(b - 'A' + 'a');
            if (a != b)
                break;
            j++;
        }
        if (j == nlen)
            return true;
    }
    return false;
}

/* ============================================================= people */

int
store_person_add(struct store_txn *txn, struct store_person *p)
{
    MDB_dbi people;
    MDB_dbi by_guid;
    MDB_dbi by_did;
    MDB_dbi by_user;
    MDB_val gkey;
    MDB_val dkey;
    MDB_val ukey;
    MDB_val key;
    uint8_t kb[8];
    uint64_t id;
    bool local;
    int rc;

    if (!p) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    local = p->username[0] != '\0';
    rc = store_field_key(p->guid, sizeof(p->guid), &gkey);
    if (rc == POD_OK)
        rc = store_field_key(p->diaspora_id, sizeof(p->diaspora_id), &dkey);
    if (rc == POD_OK && !did_acceptable(p->diaspora_id))
        rc = POD_ERR_INVAL;
    if (rc == POD_OK && local)
        rc = store_field_key(p->username, sizeof(p->username), &ukey);
    if (rc == POD_OK)
        rc = person_check(p);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_PEOPLE, &people);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_PEOPLE_BY_GUID, &by_guid);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_PEOPLE_BY_DID, &by_did);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_PEOPLE_BY_USER, &by_user);
    /* Every check before any write (the sequence included): a refused add
     * changes nothing. */
    if (rc == POD_OK)
        rc = key_absent(txn, by_guid, &gkey);
    if (rc == POD_OK)
        rc = key_absent(txn, by_did, &dkey);
    if (rc == POD_OK && local)
        rc = key_absent(txn, by_user, &ukey);
    if (rc == POD_OK)
        rc = store_seq_next(txn, SEQ_PEOPLE, &id);
    if (rc != POD_OK)
        goto out;
    store_be64_put(kb, id);
    key.mv_size = sizeof(kb);
    key.mv_data = kb;
    rc = store_rec_put(txn, people, &key, enc_person, p, MDB_NOOVERWRITE);
    if (rc == POD_OK)
        rc = index_put(txn, by_guid, &gkey, id);
    if (rc == POD_OK)
        rc = index_put(txn, by_did, &dkey, id);
    if (rc == POD_OK && local)
        rc = index_put(txn, by_user, &ukey, id);
    if (rc == POD_OK)
        p->id = id;
out:
    return rc;
}

int
store_person_update(struct store_txn *txn, const struct store_person *p)
{
    struct store_person old;
    MDB_dbi people;
    MDB_val key;
    uint8_t kb[8];
    int rc;

    if (!p || p->id == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = person_check(p);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_PEOPLE, &people);
    if (rc == POD_OK)
        rc = person_load(txn, people, p->id, &old);
    if (rc != POD_OK)
        goto out;
    /* Identity never changes, which keeps all three indexes right without
     * touching them. */
    if (strcmp(old.guid, p->guid) != 0 || strcmp(old.diaspora_id, p->diaspora_id) != 0 ||
        strcmp(old.username, p->username) != 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    store_be64_put(kb, p->id);
    key.mv_size = sizeof(kb);
    key.mv_data = kb;
    rc = store_rec_put(txn, people, &key, enc_person, p, 0);
out:
    return rc;
}

int
store_person_get(struct store_txn *txn, uint64_t id, struct store_person *out)
{
    MDB_dbi people;
    int rc;

    if (!out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    memset(out, 0, sizeof(*out));
    if (id == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, false, DB_PEOPLE, &people);
    if (rc == POD_OK)
        rc = person_load(txn, people, id, out);
out:
    return rc;
}

int
store_person_get_by_guid(struct store_txn *txn, const char *guid, struct store_person *out)
{
    return person_get_indexed(txn, BY_GUID, guid, STORE_GUID_MAX, out);
}

int
store_person_get_by_diaspora_id(struct store_txn *txn, const char *diaspora_id,
                                struct store_person *out)
{
    return person_get_indexed(txn, BY_DID, diaspora_id, STORE_DID_MAX, out);
}

int
store_person_get_by_username(struct store_txn *txn, const char *username, struct store_person *out)
{
    return person_get_indexed(txn, BY_USER, username, STORE_USERNAME_MAX, out);
}

int
store_person_delete(struct store_txn *txn, uint64_t id)
{
    struct store_person p;
    MDB_dbi people;
    MDB_dbi by_guid;
    MDB_dbi by_did;
    MDB_dbi by_user;
    MDB_val key;
    MDB_val ikey;
    uint8_t kb[8];
    int rc;

    if (id == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, true, DB_PEOPLE, &people);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_PEOPLE_BY_GUID, &by_guid);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_PEOPLE_BY_DID, &by_did);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_PEOPLE_BY_USER, &by_user);
    if (rc == POD_OK)
        rc = person_load(txn, people, id, &p);
    if (rc != POD_OK)
        goto out;
    store_be64_put(kb, id);
    key.mv_size = sizeof(kb);
    key.mv_data = kb;
    rc = store_err_map(mdb_del(txn->txn, people, &key, NULL));
    /* The identity fields are unique, so the entries under them are ours. */
    ikey.mv_size = strlen(p.guid);
    ikey.mv_data = p.guid;
    if (rc == POD_OK)
        rc = del_if_present(txn, by_guid, &ikey);
    ikey.mv_size = strlen(p.diaspora_id);
    ikey.mv_data = p.diaspora_id;
    if (rc == POD_OK)
        rc = del_if_present(txn, by_did, &ikey);
    ikey.mv_size = strlen(p.username);
    ikey.mv_data = p.username;
    if (rc == POD_OK && p.username[0])
        rc = del_if_present(txn, by_user, &ikey);
out:
    return rc;
}

/* A home pod knows few people, so a scan of the table is cheap enough and
 * needs no name index to keep in step. */
int
store_person_search(struct store_txn *txn, const char *query, size_t limit,
                    int (*fn)(const struct store_person *p, void *ctx), void *ctx)
{
    struct store_person p;
    MDB_cursor *cur = NULL;
    MDB_dbi people;
    MDB_val key;
    MDB_val val;
    size_t qlen;
    size_t calls = 0;
    int rc;

    if (!query || !fn) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    qlen = strlen(query);
    rc = store_db_for(txn, false, DB_PEOPLE, &people);
    if (rc == POD_OK && limit > 0)
        rc = store_err_map(mdb_cursor_open(txn->txn, people, &cur));
    while (rc == POD_OK && calls < limit) {
        rc = store_err_map(mdb_cursor_get(cur, &key, &val, MDB_NEXT));
        if (rc == POD_ERR_NOTFOUND) {
            rc = POD_OK;
            break;
        }
        if (rc != POD_OK)
            break;
        if (key.mv_size != 8) {
            rc = POD_ERR_CORRUPT;
            break;
        }
        rc = store_person_decode(val.mv_data, val.mv_size, &p);
        if (rc != POD_OK)
            break;
        p.id = store_be64_get(key.mv_data);
        if (!p.searchable ||
            !(contains_ci(p.diaspora_id, query, qlen) || contains_ci(p.username, query, qlen) ||
              contains_ci(p.first_name, query, qlen) || contains_ci(p.last_name, query, qlen)))
            continue;
        calls++;
        rc = fn(&p, ctx);
        if (rc != 0)
            break;
    }
out:
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

/* ========================================================= local users */

/* The person row of local user u on host, unsaved. */
static int
local_person(const struct store_user *u, const char *host, bool searchable, struct store_person *p)
{
    int n;

    memset(p, 0, sizeof(*p));
    n = snprintf(p->diaspora_id, sizeof(p->diaspora_id), "%s@%s", u->username, host);
    if (n < 0 || (size_t)n >= sizeof(p->diaspora_id))
        return POD_ERR_LIMIT;
    memcpy(p->guid, u->guid, sizeof(p->guid));
    memcpy(p->username, u->username, sizeof(p->username));
    p->searchable = searchable;
    p->created_at = u->created_at;
    p->updated_at = u->created_at;
    return POD_OK;
}

int
store_account_create(struct store_txn *txn, const struct store_user *u, const char *host)
{
    struct store_profile profile;
    struct store_person p;
    MDB_dbi people;
    int rc;

    if (!u || !host || !*host || strnlen(u->username, sizeof(u->username)) == sizeof(u->username) ||
        strnlen(u->guid, sizeof(u->guid)) == sizeof(u->guid)) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, true, DB_PEOPLE, &people);
    if (rc == POD_OK)
        rc = local_person(u, host, true, &p);
    if (rc != POD_OK)
        goto out;
    rc = store_user_add(txn, u);
    if (rc == POD_OK) {
        memset(&profile, 0, sizeof(profile));
        profile.searchable = true;
        profile.updated_at = u->created_at;
        rc = store_profile_put(txn, u->username, &profile);
    }
    /* A clash here (a person row left by an earlier account of the same
     * name, or a remote person with this GUID) is POD_ERR_EXISTS too; the
     * caller aborts the transaction, which takes the user back out. */
    if (rc == POD_OK)
        rc = store_person_add(txn, &p);
out:
    return rc;
}

struct ensure_ctx {
    const char *host;
    MDB_dbi by_user;
    struct store_txn *txn;
    unsigned added;
};

static int
ensure_one(const struct store_user *u, void *arg)
{
    struct ensure_ctx *ec = arg;
    struct store_profile profile;
    struct store_person p;
    bool searchable = true; /* what store_account_create gives a new account */
    MDB_val ukey;
    int rc;

    ukey.mv_size = strlen(u->username);
    ukey.mv_data = (void *)u->username;
    rc = key_present(ec->txn, ec->by_user, &ukey);
    if (rc != POD_ERR_NOTFOUND)
        return rc; /* POD_OK: the row is there */
    rc = store_profile_get(ec->txn, u->username, &profile);
    if (rc == POD_OK)
        searchable = profile.searchable;
    else if (rc != POD_ERR_NOTFOUND)
        return rc;
    rc = local_person(u, ec->host, searchable, &p);
    if (rc == POD_OK)
        rc = store_person_add(ec->txn, &p);
    if (rc == POD_OK) {
        ec->added++;
        LOG_INFO("store", "person row added for local user %s", u->username);
    } else if (rc == POD_ERR_EXISTS || rc == POD_ERR_INVAL || rc == POD_ERR_LIMIT) {
        /* Another row holds this GUID or diaspora* ID, or the name does not
         * make one: the pod still starts, and the operator hears of it. */
        LOG_WARN("store", "no person row for local user %s: %s", u->username, pod_strerror(rc));
        rc = POD_OK;
    }
    return rc;
}

int
store_people_ensure_local(struct store_txn *txn, const char *host, unsigned *added)
{
    struct ensure_ctx ec = {host, 0, txn, 0};
    MDB_dbi people;
    int rc;

    if (added)
        *added = 0;
    if (!host || !*host) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, true, DB_PEOPLE, &people);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_PEOPLE_BY_USER, &ec.by_user);
    /* The users cursor stays valid while ensure_one writes: it writes to
     * other databases only. */
    if (rc == POD_OK)
        rc = store_user_each(txn, ensure_one, &ec);
    if (added)
        *added = ec.added;
out:
    return rc;
}
