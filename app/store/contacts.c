/*
 * contacts.c - a local user's social graph (store/contacts.h): aspects,
 * contacts, aspect memberships, blocks and followed tags.
 *
 * Databases (created by migration 3); "a+b" is the concatenation of
 * big-endian u64s, so a prefix scan walks one owner's (or aspect's, or
 * person's) entries in numeric order:
 *   aspects            id -> aspect record
 *   aspects_by_owner   owner+order+id -> (empty): the owner's list, in order
 *   contacts           owner+person -> contact record
 *   contacts_by_id     id -> owner+person
 *   followers          person+owner -> (empty), iff the contact is receiving
 *   memberships        id -> membership record
 *   members_by_aspect  aspect+person -> be64 membership id
 *   members_by_person  owner+person+aspect -> be64 membership id
 *   blocks             owner+person -> be64 block id
 *   blocks_by_id       id -> owner+person
 *   tag_follows        owner+tag bytes -> be64 id
 *   tag_follows_by_id  id -> owner+tag bytes
 *
 * Entities with fields of their own (aspects, contacts, memberships) are
 * versioned records (store/record.h); index values are bare keys and ids.
 *
 * Ids are not checked against the people table: callers hold ids they
 * got from it. What the store does check is that an aspect exists before
 * anyone joins it, and that blocks and tag follows are removed by their
 * owner only.
 *
 * The *_each functions re-seek after every callback, so a callback may
 * write (in a write transaction), even delete the entry it was given.
 */
#include "store/contacts.h"

#include <string.h>

#include "core/error.h"
#include "store/record.h"
#include "store/store_internal.h"

#define DB_ASPECTS           "aspects"
#define DB_ASPECTS_BY_OWNER  "aspects_by_owner"
#define DB_CONTACTS          "contacts"
#define DB_CONTACTS_BY_ID    "contacts_by_id"
#define DB_FOLLOWERS         "followers"
#define DB_MEMBERSHIPS       "memberships"
#define DB_MEMBERS_BY_ASPECT "members_by_aspect"
#define DB_MEMBERS_BY_PERSON "members_by_person"
#define DB_BLOCKS            "blocks"
#define DB_BLOCKS_BY_ID      "blocks_by_id"
#define DB_TAG_FOLLOWS       "tag_follows"
#define DB_TAG_FOLLOWS_BY_ID "tag_follows_by_id"

#define KEY_MAX (8 + STORE_TAG_NAME_MAX) /* the longest key: owner+tag */

/* ============================================================ helpers */

static void
k1(uint8_t out[8], uint64_t a)
{
    store_be64_put(out, a);
}

static void
k2(uint8_t out[16], uint64_t a, uint64_t b)
{
    store_be64_put(out, a);
    store_be64_put(out + 8, b);
}

static void
k3(uint8_t out[24], uint64_t a, uint64_t b, uint64_t c)
{
    store_be64_put(out, a);
    store_be64_put(out + 8, b);
    store_be64_put(out + 16, c);
}

static MDB_val
val_of(void *data, size_t len)
{
    MDB_val v = {len, data};

    return v;
}

static int
enc_aspect(struct store_rec_writer *w, const void *obj)
{
    return store_aspect_encode(w, obj);
}

static int
enc_contact(struct store_rec_writer *w, const void *obj)
{
    return store_contact_encode(w, obj);
}

static int
enc_membership(struct store_rec_writer *w, const void *obj)
{
    return store_membership_encode(w, obj);
}

/* Puts key -> data (len bytes) that must not be there yet. */
static int
raw_put(struct store_txn *txn, MDB_dbi dbi, void *key, size_t klen, void *data, size_t len)
{
    static uint8_t empty; /* LMDB copies len bytes from data: never from NULL */
    MDB_val k = val_of(key, klen);
    MDB_val v = val_of(data ? data : &empty, len);

    return store_err_map(mdb_put(txn->txn, dbi, &k, &v, MDB_NOOVERWRITE));
}

/* Puts key -> be64 id, which must not be there yet. */
static int
id_put(struct store_txn *txn, MDB_dbi dbi, void *key, size_t klen, uint64_t id)
{
    uint8_t vb[8];

    k1(vb, id);
    return raw_put(txn, dbi, key, klen, vb, sizeof(vb));
}

/* mdb_del that does not mind a missing key. */
static int
del_if_present(struct store_txn *txn, MDB_dbi dbi, void *key, size_t klen)
{
    MDB_val k = val_of(key, klen);
    int rc = store_err_map(mdb_del(txn->txn, dbi, &k, NULL));

    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}

/* POD_ERR_EXISTS if key is in dbi, POD_OK if not. */
static int
key_absent(struct store_txn *txn, MDB_dbi dbi, void *key, size_t klen)
{
    MDB_val k = val_of(key, klen);
    MDB_val v;
    int rc = store_err_map(mdb_get(txn->txn, dbi, &k, &v));

    if (rc == POD_OK)
        return POD_ERR_EXISTS;
    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}

/* Gets the value under key; it is borrowed from the map. */
static int
raw_get(struct store_txn *txn, MDB_dbi dbi, void *key, size_t klen, MDB_val *val)
{
    MDB_val k = val_of(key, klen);

    return store_err_map(mdb_get(txn->txn, dbi, &k, val));
}

/* A be64 id value: anything else (or id 0) is damage. */
static int
id_of(const MDB_val *val, uint64_t *id)
{
    if (val->mv_size != 8)
        return POD_ERR_CORRUPT;
    *id = store_be64_get(val->mv_data);
    return *id ? POD_OK : POD_ERR_CORRUPT;
}

typedef int (*entry_fn)(struct store_txn *txn, const MDB_val *key, const MDB_val *val, void *arg);

/* Calls fn for each entry of dbi whose key starts with prefix (plen bytes),
 * in key order, until fn returns non-zero (which is returned). Each step
 * seeks past a copy of the last key, so fn may change dbi. The key and
 * value given to fn are borrowed and valid until fn writes. */
static int
prefix_each(struct store_txn *txn, MDB_dbi dbi, const uint8_t *prefix, size_t plen, entry_fn fn,
            void *arg)
{
    uint8_t last[KEY_MAX];
    size_t last_len = plen;
    bool seen = false;
    MDB_cursor *cur = NULL;
    MDB_val key;
    MDB_val val;
    int rc;

    memcpy(last, prefix, plen);
    rc = store_err_map(mdb_cursor_open(txn->txn, dbi, &cur));
    while (rc == POD_OK) {
        key = val_of(last, last_len);
        rc = store_err_map(mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE));
        if (rc == POD_OK && seen && key.mv_size == last_len &&
            memcmp(key.mv_data, last, last_len) == 0)
            rc = store_err_map(mdb_cursor_get(cur, &key, &val, MDB_NEXT));
        if (rc == POD_ERR_NOTFOUND) {
            rc = POD_OK;
            break;
        }
        if (rc != POD_OK)
            break;
        if (key.mv_size < plen || memcmp(key.mv_data, prefix, plen) != 0)
            break;
        if (key.mv_size > sizeof(last)) {
            rc = POD_ERR_CORRUPT;
            break;
        }
        memcpy(last, key.mv_data, key.mv_size);
        last_len = key.mv_size;
        seen = true;
        rc = fn(txn, &key, &val, arg);
    }
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

/* The first entry of dbi under prefix: POD_OK with it in key and val,
 * POD_ERR_NOTFOUND if there is none. */
static int
prefix_first(struct store_txn *txn, MDB_dbi dbi, const uint8_t *prefix, size_t plen, MDB_val *key,
             MDB_val *val)
{
    MDB_cursor *cur = NULL;
    int rc;

    rc = store_err_map(mdb_cursor_open(txn->txn, dbi, &cur));
    if (rc != POD_OK)
        goto out;
    *key = val_of((void *)prefix, plen);
    rc = store_err_map(mdb_cursor_get(cur, key, val, MDB_SET_RANGE));
    if (rc == POD_OK && (key->mv_size < plen || memcmp(key->mv_data, prefix, plen) != 0))
        rc = POD_ERR_NOTFOUND;
out:
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

/* ============================================================ aspects */

/* Checks an aspect name held in a field of size bytes: POD_ERR_INVAL when
 * empty, not NUL-terminated, not UTF-8 (overlong forms and surrogates
 * included) or holding a control character (C0, DEL, C1); POD_ERR_LIMIT
 * over STORE_ASPECT_NAME_MAX code points. */
static int
aspect_name_check(const char *name, size_t size)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t len = strnlen(name, size);
    size_t count = 0;
    size_t i = 0;

    if (len == 0 || len == size)
        return POD_ERR_INVAL;
    while (i < len) {
        uint32_t cp;
        size_t n;

        if (s[i] < 0x80) {
            cp = s[i];
            n = 1;
        } else if (s[i] >= 0xc2 && s[i] <= 0xdf) {
            cp = s[i] & 0x1fu;
            n = 2;
        } else if (s[i] >= 0xe0 && s[i] <= 0xef) {
            cp = s[i] & 0x0fu;
            n = 3;
        } else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
            cp = s[i] & 0x07u;
            n = 4;
        } else {
            return POD_ERR_INVAL;
        }
        if (len - i < n)
            return POD_ERR_INVAL;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return POD_ERR_INVAL;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return POD_ERR_INVAL;
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
            return POD_ERR_INVAL;
        i += n;
        count++;
    }
    return count > STORE_ASPECT_NAME_MAX ? POD_ERR_LIMIT : POD_OK;
}

/* Equal but for the case of ASCII letters. */
static bool
equal_ci(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a;
        unsigned char y = (unsigned char)*b;

        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
        if (!x)
            return true;
    }
}

static int
aspect_load(struct store_txn *txn, MDB_dbi aspects, uint64_t id, struct store_aspect *out)
{
    uint8_t kb[8];
    MDB_val val;
    int rc;

    k1(kb, id);
    rc = raw_get(txn, aspects, kb, sizeof(kb), &val);
    if (rc == POD_OK)
        rc = store_aspect_decode(val.mv_data, val.mv_size, out);
    if (rc == POD_OK)
        out->id = id;
    return rc;
}

/* Walks the owner's list: how many aspects, and POD_ERR_EXISTS if one
 * other than skip is called name. */
struct owner_scan {
    MDB_dbi aspects;
    uint64_t owner;
    uint64_t skip;
    const char *name;
    uint32_t count;
    int (*fn)(const struct store_aspect *a, void *ctx); /* store_aspects_each */
    void *ctx;
};

static int
owner_entry(struct store_txn *txn, const MDB_val *key, const MDB_val *val, void *arg)
{
    struct owner_scan *os = arg;
    struct store_aspect a;
    uint64_t id;
    int rc;

    (void)val;
    if (key->mv_size != 24)
        return POD_ERR_CORRUPT;
    id = store_be64_get((const uint8_t *)key->mv_data + 16);
    rc = aspect_load(txn, os->aspects, id, &a);
    if (rc == POD_ERR_NOTFOUND || (rc == POD_OK && a.owner != os->owner))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        return rc;
    os->count++;
    if (os->fn)
        return os->fn(&a, os->ctx);
    if (os->name && id != os->skip && equal_ci(a.name, os->name))
        return POD_ERR_EXISTS;
    return POD_OK;
}

static int
owner_scan(struct store_txn *txn, MDB_dbi by_owner, struct owner_scan *os)
{
    uint8_t prefix[8];

    k1(prefix, os->owner);
    return prefix_each(txn, by_owner, prefix, sizeof(prefix), owner_entry, os);
}

int
store_aspect_add(struct store_txn *txn, struct store_aspect *a)
{
    struct store_aspect rec;
    struct owner_scan os;
    MDB_dbi aspects;
    MDB_dbi by_owner;
    uint8_t kb[8];
    uint8_t ob[24];
    MDB_val key;
    int rc;

    if (!a || a->owner == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = aspect_name_check(a->name, sizeof(a->name));
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_ASPECTS, &aspects);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_ASPECTS_BY_OWNER, &by_owner);
    if (rc != POD_OK)
        goto out;
    memset(&os, 0, sizeof(os));
    os.aspects = aspects;
    os.owner = a->owner;
    os.name = a->name;
    rc = owner_scan(txn, by_owner, &os);
    if (rc != POD_OK)
        goto out;
    rec = *a;
    rec.order = os.count;
    rc = store_seq_next(txn, "aspects", &rec.id);
    if (rc != POD_OK)
        goto out;
    k1(kb, rec.id);
    key = val_of(kb, sizeof(kb));
    rc = store_rec_put(txn, aspects, &key, enc_aspect, &rec, MDB_NOOVERWRITE);
    k3(ob, rec.owner, rec.order, rec.id);
    if (rc == POD_OK)
        rc = raw_put(txn, by_owner, ob, sizeof(ob), NULL, 0);
    if (rc == POD_OK) {
        a->id = rec.id;
        a->order = rec.order;
    }
out:
    return rc;
}

int
store_aspect_get(struct store_txn *txn, uint64_t id, struct store_aspect *out)
{
    MDB_dbi aspects;
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
    rc = store_db_for(txn, false, DB_ASPECTS, &aspects);
    if (rc == POD_OK)
        rc = aspect_load(txn, aspects, id, out);
out:
    return rc;
}

/* Only the name and contacts_visible change: order and created_at are
 * kept from the stored aspect, so aspects_by_owner stays right. */
int
store_aspect_update(struct store_txn *txn, const struct store_aspect *a)
{
    struct store_aspect old;
    struct owner_scan os;
    MDB_dbi aspects;
    MDB_dbi by_owner;
    uint8_t kb[8];
    MDB_val key;
    int rc;

    if (!a || a->id == 0 || a->owner == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = aspect_name_check(a->name, sizeof(a->name));
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_ASPECTS, &aspects);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_ASPECTS_BY_OWNER, &by_owner);
    if (rc == POD_OK)
        rc = aspect_load(txn, aspects, a->id, &old);
    if (rc != POD_OK)
        goto out;
    if (old.owner != a->owner) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    memset(&os, 0, sizeof(os));
    os.aspects = aspects;
    os.owner = a->owner;
    os.skip = a->id;
    os.name = a->name;
    rc = owner_scan(txn, by_owner, &os);
    if (rc != POD_OK)
        goto out;
    memcpy(old.name, a->name, sizeof(old.name));
    old.contacts_visible = a->contacts_visible;
    k1(kb, a->id);
    key = val_of(kb, sizeof(kb));
    rc = store_rec_put(txn, aspects, &key, enc_aspect, &old, 0);
out:
    return rc;
}

int
store_aspect_delete(struct store_txn *txn, uint64_t id)
{
    struct store_aspect a;
    MDB_dbi aspects;
    MDB_dbi by_owner;
    MDB_dbi memberships;
    MDB_dbi by_aspect;
    MDB_dbi by_person;
    uint8_t prefix[8];
    uint8_t kb[24];
    MDB_val key;
    MDB_val val;
    uint64_t mid;
    uint64_t person;
    int rc;

    if (id == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, true, DB_ASPECTS, &aspects);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_ASPECTS_BY_OWNER, &by_owner);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_MEMBERSHIPS, &memberships);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_MEMBERS_BY_ASPECT, &by_aspect);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_MEMBERS_BY_PERSON, &by_person);
    if (rc == POD_OK)
        rc = aspect_load(txn, aspects, id, &a);
    if (rc != POD_OK)
        goto out;
    /* Memberships first, always from the front of the aspect's range. */
    k1(prefix, id);
    for (;;) {
        rc = prefix_first(txn, by_aspect, prefix, sizeof(prefix), &key, &val);
        if (rc == POD_ERR_NOTFOUND) {
            rc = POD_OK;
            break;
        }
        if (rc == POD_OK && key.mv_size != 16)
            rc = POD_ERR_CORRUPT;
        if (rc == POD_OK)
            rc = id_of(&val, &mid);
        if (rc != POD_OK)
            goto out;
        person = store_be64_get((const uint8_t *)key.mv_data + 8);
        k1(kb, mid);
        rc = del_if_present(txn, memberships, kb, 8);
        k3(kb, a.owner, person, id);
        if (rc == POD_OK)
            rc = del_if_present(txn, by_person, kb, 24);
        k2(kb, id, person);
        if (rc == POD_OK)
            rc = del_if_present(txn, by_aspect, kb, 16);
        if (rc != POD_OK)
            goto out;
    }
    k3(kb, a.owner, a.order, id);
    rc = del_if_present(txn, by_owner, kb, 24);
    k1(kb, id);
    if (rc == POD_OK)
        rc = del_if_present(txn, aspects, kb, 8);
out:
    return rc;
}

int
store_aspects_each(struct store_txn *txn, uint64_t owner,
                   int (*fn)(const struct store_aspect *a, void *ctx), void *ctx)
{
    struct owner_scan os;
    MDB_dbi aspects;
    MDB_dbi by_owner;
    int rc;

    if (!fn || owner == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, false, DB_ASPECTS, &aspects);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_ASPECTS_BY_OWNER, &by_owner);
    if (rc != POD_OK)
        goto out;
    memset(&os, 0, sizeof(os));
    os.aspects = aspects;
    os.owner = owner;
    os.fn = fn;
    os.ctx = ctx;
    rc = owner_scan(txn, by_owner, &os);
out:
    return rc;
}

/* =========================================================== contacts */

static int
contact_load(struct store_txn *txn, MDB_dbi contacts, uint64_t owner, uint64_t person,
             struct store_contact *out)
{
    uint8_t kb[16];
    MDB_val val;
    int rc;

    k2(kb, owner, person);
    rc = raw_get(txn, contacts, kb, sizeof(kb), &val);
    if (rc == POD_OK)
        rc = store_contact_decode(val.mv_data, val.mv_size, out);
    if (rc == POD_OK) {
        out->owner = owner;
        out->person = person;
    }
    return rc;
}

int
store_contact_get(struct store_txn *txn, uint64_t owner, uint64_t person, struct store_contact *out)
{
    MDB_dbi contacts;
    int rc;

    if (!out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    memset(out, 0, sizeof(*out));
    if (owner == 0 || person == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, false, DB_CONTACTS, &contacts);
    if (rc == POD_OK)
        rc = contact_load(txn, contacts, owner, person, out);
out:
    return rc;
}

int
store_contact_get_by_id(struct store_txn *txn, uint64_t id, struct store_contact *out)
{
    MDB_dbi contacts;
    MDB_dbi by_id;
    uint8_t kb[8];
    uint8_t pair[16];
    MDB_val val;
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
    rc = store_db_for(txn, false, DB_CONTACTS, &contacts);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_CONTACTS_BY_ID, &by_id);
    k1(kb, id);
    if (rc == POD_OK)
        rc = raw_get(txn, by_id, kb, sizeof(kb), &val);
    if (rc == POD_OK && val.mv_size != sizeof(pair))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        goto out;
    memcpy(pair, val.mv_data, sizeof(pair));
    rc = contact_load(txn, contacts, store_be64_get(pair), store_be64_get(pair + 8), out);
    if (rc == POD_ERR_NOTFOUND || (rc == POD_OK && out->id != id))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
out:
    return rc;
}

/* On replace the stored id and created_at are kept and written back to
 * *c. When neither flag is set the contact goes away and c->id becomes 0. */
int
store_contact_put(struct store_txn *txn, struct store_contact *c)
{
    struct store_contact old;
    struct store_contact rec;
    MDB_dbi contacts;
    MDB_dbi by_id;
    MDB_dbi followers;
    uint8_t ck[16];
    uint8_t fk[16];
    uint8_t ik[8];
    MDB_val key;
    bool exists;
    int rc;

    if (!c || c->owner == 0 || c->person == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, true, DB_CONTACTS, &contacts);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_CONTACTS_BY_ID, &by_id);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_FOLLOWERS, &followers);
    if (rc == POD_OK)
        rc = contact_load(txn, contacts, c->owner, c->person, &old);
    exists = rc == POD_OK;
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_OK;
    if (rc != POD_OK)
        goto out;
    k2(ck, c->owner, c->person);
    k2(fk, c->person, c->owner);
    if (!c->sharing && !c->receiving) {
        if (exists) {
            k1(ik, old.id);
            rc = del_if_present(txn, contacts, ck, sizeof(ck));
            if (rc == POD_OK)
                rc = del_if_present(txn, by_id, ik, sizeof(ik));
            if (rc == POD_OK)
                rc = del_if_present(txn, followers, fk, sizeof(fk));
        }
        if (rc == POD_OK)
            c->id = 0;
        goto out;
    }
    rec = *c;
    if (exists) {
        rec.id = old.id;
        rec.created_at = old.created_at;
    } else {
        rc = store_seq_next(txn, "contacts", &rec.id);
        if (rc != POD_OK)
            goto out;
    }
    key = val_of(ck, sizeof(ck));
    rc = store_rec_put(txn, contacts, &key, enc_contact, &rec, 0);
    k1(ik, rec.id);
    if (rc == POD_OK && !exists)
        rc = raw_put(txn, by_id, ik, sizeof(ik), ck, sizeof(ck));
    /* The owner follows the person when the person is in one of the
     * owner's aspects (diaspora*'s Person.in_aspects): the person's public
     * posts reach the owner's stream. */
    if (rc == POD_OK && rec.sharing) {
        rc = raw_put(txn, followers, fk, sizeof(fk), NULL, 0);
        if (rc == POD_ERR_EXISTS)
            rc = POD_OK;
    } else if (rc == POD_OK) {
        rc = del_if_present(txn, followers, fk, sizeof(fk));
    }
    if (rc == POD_OK)
        *c = rec;
out:
    return rc;
}

struct contact_walk {
    MDB_dbi contacts;
    uint64_t fixed; /* the owner (contacts) or person (followers) */
    int (*fn)(const struct store_contact *c, void *ctx);
    void *ctx;
};

static int
contact_entry(struct store_txn *txn, const MDB_val *key, const MDB_val *val, void *arg)
{
    struct contact_walk *cw = arg;
    struct store_contact c;
    int rc;

    (void)txn;
    if (key->mv_size != 16)
        return POD_ERR_CORRUPT;
    rc = store_contact_decode(val->mv_data, val->mv_size, &c);
    if (rc != POD_OK)
        return rc;
    c.owner = cw->fixed;
    c.person = store_be64_get((const uint8_t *)key->mv_data + 8);
    return cw->fn(&c, cw->ctx);
}

int
store_contacts_each(struct store_txn *txn, uint64_t owner,
                    int (*fn)(const struct store_contact *c, void *ctx), void *ctx)
{
    struct contact_walk cw = {0, owner, fn, ctx};
    uint8_t prefix[8];
    int rc;

    if (!fn || owner == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, false, DB_CONTACTS, &cw.contacts);
    k1(prefix, owner);
    if (rc == POD_OK)
        rc = prefix_each(txn, cw.contacts, prefix, sizeof(prefix), contact_entry, &cw);
out:
    return rc;
}

static int
follower_entry(struct store_txn *txn, const MDB_val *key, const MDB_val *val, void *arg)
{
    struct contact_walk *cw = arg;
    struct store_contact c;
    int rc;

    (void)val;
    if (key->mv_size != 16)
        return POD_ERR_CORRUPT;
    rc = contact_load(txn, cw->contacts, store_be64_get((const uint8_t *)key->mv_data + 8),
                      cw->fixed, &c);
    /* The index lists following (sharing) contacts only. */
    if (rc == POD_ERR_NOTFOUND || (rc == POD_OK && !c.sharing))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        return rc;
    return cw->fn(&c, cw->ctx);
}

int
store_followers_each(struct store_txn *txn, uint64_t person,
                     int (*fn)(const struct store_contact *c, void *ctx), void *ctx)
{
    struct contact_walk cw = {0, person, fn, ctx};
    MDB_dbi followers;
    uint8_t prefix[8];
    int rc;

    if (!fn || person == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, false, DB_CONTACTS, &cw.contacts);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_FOLLOWERS, &followers);
    k1(prefix, person);
    if (rc == POD_OK)
        rc = prefix_each(txn, followers, prefix, sizeof(prefix), follower_entry, &cw);
out:
    return rc;
}

/* ======================================================== memberships */

static int
membership_load(struct store_txn *txn, MDB_dbi memberships, uint64_t id,
                struct store_membership *out)
{
    uint8_t kb[8];
    MDB_val val;
    int rc;

    k1(kb, id);
    rc = raw_get(txn, memberships, kb, sizeof(kb), &val);
    if (rc == POD_OK)
        rc = store_membership_decode(val.mv_data, val.mv_size, out);
    if (rc == POD_OK)
        out->id = id;
    return rc;
}

/* A caller that names an owner must name the aspect's: POD_ERR_AUTH
 * otherwise, so a request cannot put people into someone else's aspect. */
int
store_membership_add(struct store_txn *txn, struct store_membership *m)
{
    struct store_membership rec;
    struct store_aspect a;
    MDB_dbi aspects;
    MDB_dbi memberships;
    MDB_dbi by_aspect;
    MDB_dbi by_person;
    uint8_t ak[16];
    uint8_t pk[24];
    uint8_t kb[8];
    MDB_val key;
    int rc;

    if (!m || m->aspect == 0 || m->person == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, true, DB_ASPECTS, &aspects);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_MEMBERSHIPS, &memberships);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_MEMBERS_BY_ASPECT, &by_aspect);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_MEMBERS_BY_PERSON, &by_person);
    if (rc == POD_OK)
        rc = aspect_load(txn, aspects, m->aspect, &a);
    if (rc != POD_OK)
        goto out;
    if (m->owner != 0 && m->owner != a.owner) {
        rc = POD_ERR_AUTH;
        goto out;
    }
    k2(ak, m->aspect, m->person);
    k3(pk, a.owner, m->person, m->aspect);
    rc = key_absent(txn, by_aspect, ak, sizeof(ak));
    if (rc != POD_OK)
        goto out;
    rec = *m;
    rec.owner = a.owner;
    rc = store_seq_next(txn, "memberships", &rec.id);
    if (rc != POD_OK)
        goto out;
    k1(kb, rec.id);
    key = val_of(kb, sizeof(kb));
    rc = store_rec_put(txn, memberships, &key, enc_membership, &rec, MDB_NOOVERWRITE);
    if (rc == POD_OK)
        rc = id_put(txn, by_aspect, ak, sizeof(ak), rec.id);
    if (rc == POD_OK)
        rc = id_put(txn, by_person, pk, sizeof(pk), rec.id);
    if (rc == POD_OK)
        *m = rec;
out:
    return rc;
}

int
store_membership_get(struct store_txn *txn, uint64_t id, struct store_membership *out)
{
    MDB_dbi memberships;
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
    rc = store_db_for(txn, false, DB_MEMBERSHIPS, &memberships);
    if (rc == POD_OK)
        rc = membership_load(txn, memberships, id, out);
out:
    return rc;
}

int
store_membership_delete(struct store_txn *txn, uint64_t id)
{
    struct store_membership m;
    MDB_dbi memberships;
    MDB_dbi by_aspect;
    MDB_dbi by_person;
    uint8_t kb[24];
    int rc;

    if (id == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, true, DB_MEMBERSHIPS, &memberships);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_MEMBERS_BY_ASPECT, &by_aspect);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_MEMBERS_BY_PERSON, &by_person);
    if (rc == POD_OK)
        rc = membership_load(txn, memberships, id, &m);
    if (rc != POD_OK)
        goto out;
    k1(kb, id);
    rc = del_if_present(txn, memberships, kb, 8);
    k2(kb, m.aspect, m.person);
    if (rc == POD_OK)
        rc = del_if_present(txn, by_aspect, kb, 16);
    k3(kb, m.owner, m.person, m.aspect);
    if (rc == POD_OK)
        rc = del_if_present(txn, by_person, kb, 24);
out:
    return rc;
}

struct member_walk {
    MDB_dbi memberships;
    size_t key_len; /* 16 (by aspect) or 24 (by person) */
    int (*fn)(const struct store_membership *m, void *ctx);
    void *ctx;
};

static int
member_entry(struct store_txn *txn, const MDB_val *key, const MDB_val *val, void *arg)
{
    struct member_walk *mw = arg;
    struct store_membership m;
    uint64_t id;
    int rc;

    if (key->mv_size != mw->key_len)
        return POD_ERR_CORRUPT;
    rc = id_of(val, &id);
    if (rc == POD_OK)
        rc = membership_load(txn, mw->memberships, id, &m);
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        return rc;
    return mw->fn(&m, mw->ctx);
}

int
store_memberships_of_aspect(struct store_txn *txn, uint64_t aspect,
                            int (*fn)(const struct store_membership *m, void *ctx), void *ctx)
{
    struct member_walk mw = {0, 16, fn, ctx};
    MDB_dbi by_aspect;
    uint8_t prefix[8];
    int rc;

    if (!fn || aspect == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, false, DB_MEMBERSHIPS, &mw.memberships);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_MEMBERS_BY_ASPECT, &by_aspect);
    k1(prefix, aspect);
    if (rc == POD_OK)
        rc = prefix_each(txn, by_aspect, prefix, sizeof(prefix), member_entry, &mw);
out:
    return rc;
}

int
store_memberships_of_person(struct store_txn *txn, uint64_t owner, uint64_t person,
                            int (*fn)(const struct store_membership *m, void *ctx), void *ctx)
{
    struct member_walk mw = {0, 24, fn, ctx};
    MDB_dbi by_person;
    uint8_t prefix[16];
    int rc;

    if (!fn || owner == 0 || person == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, false, DB_MEMBERSHIPS, &mw.memberships);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_MEMBERS_BY_PERSON, &by_person);
    k2(prefix, owner, person);
    if (rc == POD_OK)
        rc = prefix_each(txn, by_person, prefix, sizeof(prefix), member_entry, &mw);
out:
    return rc;
}

/* ============================================================= blocks */

/* id may be NULL. Blocking oneself is POD_ERR_INVAL. */
int
store_block_add(struct store_txn *txn, uint64_t owner, uint64_t person, uint64_t *id)
{
    MDB_dbi blocks;
    MDB_dbi by_id;
    uint8_t pair[16];
    uint8_t ik[8];
    uint64_t bid;
    int rc;

    if (id)
        *id = 0;
    if (owner == 0 || person == 0 || owner == person) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, true, DB_BLOCKS, &blocks);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_BLOCKS_BY_ID, &by_id);
    k2(pair, owner, person);
    if (rc == POD_OK)
        rc = key_absent(txn, blocks, pair, sizeof(pair));
    if (rc == POD_OK)
        rc = store_seq_next(txn, "blocks", &bid);
    if (rc != POD_OK)
        goto out;
    k1(ik, bid);
    rc = id_put(txn, blocks, pair, sizeof(pair), bid);
    if (rc == POD_OK)
        rc = raw_put(txn, by_id, ik, sizeof(ik), pair, sizeof(pair));
    if (rc == POD_OK && id)
        *id = bid;
out:
    return rc;
}

int
store_block_delete(struct store_txn *txn, uint64_t id, uint64_t owner)
{
    MDB_dbi blocks;
    MDB_dbi by_id;
    uint8_t pair[16];
    uint8_t ik[8];
    MDB_val val;
    int rc;

    if (id == 0 || owner == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, true, DB_BLOCKS, &blocks);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_BLOCKS_BY_ID, &by_id);
    k1(ik, id);
    if (rc == POD_OK)
        rc = raw_get(txn, by_id, ik, sizeof(ik), &val);
    if (rc == POD_OK && val.mv_size != sizeof(pair))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        goto out;
    memcpy(pair, val.mv_data, sizeof(pair));
    if (store_be64_get(pair) != owner) {
        rc = POD_ERR_AUTH;
        goto out;
    }
    rc = del_if_present(txn, blocks, pair, sizeof(pair));
    if (rc == POD_OK)
        rc = del_if_present(txn, by_id, ik, sizeof(ik));
out:
    return rc;
}

/* False also when the question cannot be answered (bad arguments, a read
 * error): callers that must fail closed check those themselves. */
bool
store_block_exists(struct store_txn *txn, uint64_t owner, uint64_t person)
{
    MDB_dbi blocks;
    uint8_t pair[16];
    MDB_val val;

    if (owner == 0 || person == 0 || store_db_for(txn, false, DB_BLOCKS, &blocks) != POD_OK)
        return false;
    k2(pair, owner, person);
    return raw_get(txn, blocks, pair, sizeof(pair), &val) == POD_OK;
}

struct block_walk {
    int (*fn)(uint64_t id, uint64_t person, void *ctx);
    void *ctx;
};

static int
block_entry(struct store_txn *txn, const MDB_val *key, const MDB_val *val, void *arg)
{
    struct block_walk *bw = arg;
    uint64_t id;
    int rc;

    (void)txn;
    if (key->mv_size != 16)
        return POD_ERR_CORRUPT;
    rc = id_of(val, &id);
    if (rc != POD_OK)
        return rc;
    return bw->fn(id, store_be64_get((const uint8_t *)key->mv_data + 8), bw->ctx);
}

int
store_blocks_each(struct store_txn *txn, uint64_t owner,
                  int (*fn)(uint64_t id, uint64_t person, void *ctx), void *ctx)
{
    struct block_walk bw = {fn, ctx};
    MDB_dbi blocks;
    uint8_t prefix[8];
    int rc;

    if (!fn || owner == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, false, DB_BLOCKS, &blocks);
    k1(prefix, owner);
    if (rc == POD_OK)
        rc = prefix_each(txn, blocks, prefix, sizeof(prefix), block_entry, &bw);
out:
    return rc;
}

/* ======================================================== tag follows */

/* A followed tag: 1..STORE_TAG_NAME_MAX bytes of [a-z0-9_-] or of UTF-8
 * beyond ASCII (letters of other scripts; core/ extracts tags, the store
 * only keeps the key space clean). POD_ERR_LIMIT when too long. */
static int
tag_check(const char *tag, size_t *len)
{
    size_t n;

    if (!tag || !*tag)
        return POD_ERR_INVAL;
    n = strnlen(tag, STORE_TAG_NAME_MAX + 1);
    if (n > STORE_TAG_NAME_MAX)
        return POD_ERR_LIMIT;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)tag[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c >= 0x80))
            return POD_ERR_INVAL;
    }
    *len = n;
    return POD_OK;
}

/* id may be NULL. */
int
store_tag_follow(struct store_txn *txn, uint64_t owner, const char *tag, uint64_t *id)
{
    MDB_dbi follows;
    MDB_dbi by_id;
    uint8_t kb[KEY_MAX];
    uint8_t ik[8];
    uint64_t tid;
    size_t len = 0;
    int rc;

    if (id)
        *id = 0;
    if (owner == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = tag_check(tag, &len);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_TAG_FOLLOWS, &follows);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_TAG_FOLLOWS_BY_ID, &by_id);
    if (rc != POD_OK)
        goto out;
    k1(kb, owner);
    memcpy(kb + 8, tag, len);
    rc = key_absent(txn, follows, kb, 8 + len);
    if (rc == POD_OK)
        rc = store_seq_next(txn, "tag_follows", &tid);
    if (rc != POD_OK)
        goto out;
    k1(ik, tid);
    rc = id_put(txn, follows, kb, 8 + len, tid);
    if (rc == POD_OK)
        rc = raw_put(txn, by_id, ik, sizeof(ik), kb, 8 + len);
    if (rc == POD_OK && id)
        *id = tid;
out:
    return rc;
}

int
store_tag_unfollow(struct store_txn *txn, uint64_t owner, uint64_t id)
{
    MDB_dbi follows;
    MDB_dbi by_id;
    uint8_t kb[KEY_MAX];
    uint8_t ik[8];
    size_t klen;
    MDB_val val;
    int rc;

    if (owner == 0 || id == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, true, DB_TAG_FOLLOWS, &follows);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_TAG_FOLLOWS_BY_ID, &by_id);
    k1(ik, id);
    if (rc == POD_OK)
        rc = raw_get(txn, by_id, ik, sizeof(ik), &val);
    if (rc == POD_OK && (val.mv_size <= 8 || val.mv_size > sizeof(kb)))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        goto out;
    klen = val.mv_size;
    memcpy(kb, val.mv_data, klen); /* copied: the deletes below free it */
    if (store_be64_get(kb) != owner) {
        rc = POD_ERR_AUTH;
        goto out;
    }
    rc = del_if_present(txn, follows, kb, klen);
    if (rc == POD_OK)
        rc = del_if_present(txn, by_id, ik, sizeof(ik));
out:
    return rc;
}

struct tag_walk {
    int (*fn)(uint64_t id, const char *tag, void *ctx);
    void *ctx;
};

static int
tag_entry(struct store_txn *txn, const MDB_val *key, const MDB_val *val, void *arg)
{
    struct tag_walk *tw = arg;
    char tag[STORE_TAG_NAME_MAX + 1];
    size_t len = key->mv_size - 8;
    uint64_t id;
    int rc;

    (void)txn;
    if (key->mv_size <= 8 || len > STORE_TAG_NAME_MAX ||
        memchr((const uint8_t *)key->mv_data + 8, '\0', len))
        return POD_ERR_CORRUPT;
    rc = id_of(val, &id);
    if (rc != POD_OK)
        return rc;
    memcpy(tag, (const uint8_t *)key->mv_data + 8, len);
    tag[len] = '\0';
    return tw->fn(id, tag, tw->ctx);
}

int
store_tags_followed_each(struct store_txn *txn, uint64_t owner,
                         int (*fn)(uint64_t id, const char *tag, void *ctx), void *ctx)
{
    struct tag_walk tw = {fn, ctx};
    MDB_dbi follows;
    uint8_t prefix[8];
    int rc;

    if (!fn || owner == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = store_db_for(txn, false, DB_TAG_FOLLOWS, &follows);
    k1(prefix, owner);
    if (rc == POD_OK)
        rc = prefix_each(txn, follows, prefix, sizeof(prefix), tag_entry, &tw);
out:
    return rc;
}

int
store_followers_rebuild(struct store_txn *txn)
{
    MDB_dbi contacts, followers;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int rc;

    rc = store_db_for(txn, true, DB_CONTACTS, &contacts);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_FOLLOWERS, &followers);
    if (rc == POD_OK)
        rc = store_err_map(mdb_drop(txn->txn, followers, 0));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_open(txn->txn, contacts, &cur));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_FIRST));
    while (rc == POD_OK) {
        struct store_contact c;
        uint8_t fk[16];
        if (k.mv_size != 16)
            rc = POD_ERR_CORRUPT;
        if (rc == POD_OK)
            rc = store_contact_decode(v.mv_data, v.mv_size, &c);
        if (rc == POD_OK && c.sharing) {
            /* contacts key: owner + person; followers key: person + owner */
            memcpy(fk, (const uint8_t *)k.mv_data + 8, 8);
            memcpy(fk + 8, k.mv_data, 8);
            rc = raw_put(txn, followers, fk, sizeof(fk), NULL, 0);
            if (rc == POD_ERR_EXISTS)
                rc = POD_OK;
        }
        if (rc == POD_OK)
            rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_NEXT));
    }
    if (cur)
        mdb_cursor_close(cur);
    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}
