/*
 * notifications.c - notifications of local users (store/notifications.h).
 *
 * Databases (migration 5); keys big-endian, T is a time with the sign bit
 * flipped so that LMDB order is time order (as in posts.c):
 *
 *   notifications       be64 id -> notification record
 *   notif_by_recipient  be64 recipient + T updated_at + be64 id -> empty
 *   notif_unread        be64 recipient + u8 type + be64 target + be64 id -> empty
 *
 * notif_unread holds exactly the unread notifications: it finds the one to
 * gather into, and counting a user's unread ones reads only those.
 */
#include "store/notifications.h"

#include <string.h>

#include "core/error.h"
#include "store/record.h"
#include "store/store_internal.h"

#define DB_NOTIFS  "notifications"
#define DB_BY_RCPT "notif_by_recipient"
#define DB_UNREAD  "notif_unread"

/* Record tags: the on-disk format, never reuse or renumber one. */
enum {
    NOTIF_RECIPIENT = 1,  /* uvarint, non-zero */
    NOTIF_TYPE = 2,       /* uvarint, enum store_notif_type */
    NOTIF_TARGET = 3,     /* uvarint */
    NOTIF_ACTORS = 4,     /* be64 ids, 1..STORE_NOTIF_ACTORS_MAX */
    NOTIF_UNREAD = 5,     /* bool */
    NOTIF_CREATED_AT = 6, /* i64 */
    NOTIF_UPDATED_AT = 7, /* i64 */
};

#define REC_MAX 128 /* the largest record: 5 varints, 40 bytes of actors, 2 i64 */

static const char *const type_names[STORE_NOTIF_TYPE_END] = {
    [STORE_NOTIF_COMMENT_ON_POST] = "comment_on_post",
    [STORE_NOTIF_ALSO_COMMENTED] = "also_commented",
    [STORE_NOTIF_LIKED] = "liked",
    [STORE_NOTIF_RESHARED] = "reshared",
    [STORE_NOTIF_MENTIONED] = "mentioned",
    [STORE_NOTIF_MENTIONED_IN_COMMENT] = "mentioned_in_comment",
    [STORE_NOTIF_STARTED_SHARING] = "started_sharing",
};

const char *
store_notif_type_name(enum store_notif_type type)
{
    if ((int)type <= 0 || type >= STORE_NOTIF_TYPE_END)
        return NULL;
    return type_names[type];
}

struct dbs {
    MDB_dbi notifs, by_rcpt, unread;
};

static int
dbs_get(struct store_txn *txn, bool write, struct dbs *d)
{
    int rc;

    if (!txn || (write && !txn->write))
        return POD_ERR_INVAL;
    rc = store_dbi_find(txn, DB_NOTIFS, &d->notifs);
    if (rc == POD_OK)
        rc = store_dbi_find(txn, DB_BY_RCPT, &d->by_rcpt);
    if (rc == POD_OK)
        rc = store_dbi_find(txn, DB_UNREAD, &d->unread);
    return rc;
}

static void
time_put(uint8_t out[8], int64_t t)
{
    store_be64_put(out, (uint64_t)t ^ (UINT64_C(1) << 63));
}

static size_t
key_rcpt(uint8_t k[24], const struct store_notification *n)
{
    store_be64_put(k, n->recipient);
    time_put(k + 8, n->updated_at);
    store_be64_put(k + 16, n->id);
    return 24;
}

/* recipient + type + target (+ id when id != 0). */
static size_t
key_unread(uint8_t k[25], uint64_t recipient, enum store_notif_type type, uint64_t target,
           uint64_t id)
{
    store_be64_put(k, recipient);
    k[8] = (uint8_t)type;
    store_be64_put(k + 9, target);
    if (!id)
        return 17;
    store_be64_put(k + 17, id);
    return 25;
}

static int
put_empty(struct store_txn *txn, MDB_dbi dbi, const uint8_t *k, size_t klen)
{
    MDB_val key = {klen, (void *)k}, val = {0, NULL};

    return store_err_map(mdb_put(txn->txn, dbi, &key, &val, 0));
}

static int
del_key(struct store_txn *txn, MDB_dbi dbi, const uint8_t *k, size_t klen)
{
    MDB_val key = {klen, (void *)k};
    int rc = store_err_map(mdb_del(txn->txn, dbi, &key, NULL));

    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}

static int
notif_encode(struct store_rec_writer *w, const struct store_notification *n)
{
    uint8_t actors[8 * STORE_NOTIF_ACTORS_MAX];

    if (!n->recipient || !store_notif_type_name(n->type) || n->actor_count == 0 ||
        n->actor_count > STORE_NOTIF_ACTORS_MAX)
        return POD_ERR_INVAL;
    for (uint32_t i = 0; i < n->actor_count; i++)
        store_be64_put(actors + 8 * i, n->actors[i]);
    store_rec_put_uvarint(w, NOTIF_RECIPIENT, n->recipient);
    store_rec_put_uvarint(w, NOTIF_TYPE, (uint64_t)n->type);
    store_rec_put_uvarint(w, NOTIF_TARGET, n->target);
    store_rec_put_bytes(w, NOTIF_ACTORS, actors, 8 * n->actor_count);
    store_rec_put_bool(w, NOTIF_UNREAD, n->unread);
    store_rec_put_i64(w, NOTIF_CREATED_AT, n->created_at);
    store_rec_put_i64(w, NOTIF_UPDATED_AT, n->updated_at);
    return store_rec_writer_finish(w, NULL);
}

static int
notif_field(const struct store_rec_field *f, void *ctx)
{
    struct store_notification *n = ctx;
    uint64_t v;
    int rc = POD_OK;

    switch (f->tag) {
    case NOTIF_RECIPIENT:
        rc = store_rec_get_uvarint(f, &n->recipient);
        break;
    case NOTIF_TYPE:
        rc = store_rec_get_uvarint(f, &v);
        if (rc == POD_OK && (v == 0 || v >= STORE_NOTIF_TYPE_END))
            rc = POD_ERR_CORRUPT;
        n->type = (enum store_notif_type)v;
        break;
    case NOTIF_TARGET:
        rc = store_rec_get_uvarint(f, &n->target);
        break;
    case NOTIF_ACTORS:
        if (f->len == 0 || f->len % 8 || f->len > 8 * STORE_NOTIF_ACTORS_MAX)
            return POD_ERR_CORRUPT;
        n->actor_count = (uint32_t)(f->len / 8);
        for (uint32_t i = 0; i < n->actor_count; i++)
            n->actors[i] = store_be64_get(f->data + 8 * i);
        break;
    case NOTIF_UNREAD:
        rc = store_rec_get_bool(f, &n->unread);
        break;
    case NOTIF_CREATED_AT:
        rc = store_rec_get_i64(f, &n->created_at);
        break;
    case NOTIF_UPDATED_AT:
        rc = store_rec_get_i64(f, &n->updated_at);
        break;
    default:
        break; /* a later version's field */
    }
    return rc;
}

static int
notif_load(struct store_txn *txn, MDB_dbi dbi, uint64_t id, struct store_notification *out)
{
    uint8_t k[8];
    MDB_val key = {sizeof k, k}, val;
    int rc;

    memset(out, 0, sizeof *out);
    store_be64_put(k, id);
    rc = store_err_map(mdb_get(txn->txn, dbi, &key, &val));
    if (rc == POD_OK)
        rc = store_rec_decode(val.mv_data, val.mv_size, notif_field, out);
    if (rc == POD_OK && (!out->recipient || !out->type || !out->actor_count))
        rc = POD_ERR_CORRUPT;
    if (rc == POD_OK)
        out->id = id;
    return rc;
}

static int
notif_store(struct store_txn *txn, MDB_dbi dbi, const struct store_notification *n)
{
    uint8_t buf[REC_MAX], k[8];
    struct store_rec_writer w;
    MDB_val key = {sizeof k, k}, val;
    size_t len;
    int rc;

    store_rec_writer_init(&w, buf, sizeof buf);
    rc = notif_encode(&w, n);
    if (rc != POD_OK)
        return rc;
    store_rec_writer_finish(&w, &len);
    store_be64_put(k, n->id);
    val.mv_size = len;
    val.mv_data = buf;
    return store_err_map(mdb_put(txn->txn, dbi, &key, &val, 0));
}

/* Writes n with its index entries; old (may be NULL) is the stored state
 * whose entries go first. */
static int
notif_write(struct store_txn *txn, const struct dbs *d, const struct store_notification *old,
            const struct store_notification *n)
{
    uint8_t k[25];
    int rc = POD_OK;

    if (old) {
        rc = del_key(txn, d->by_rcpt, k, key_rcpt(k, old));
        if (rc == POD_OK && old->unread)
            rc = del_key(txn, d->unread, k,
                         key_unread(k, old->recipient, old->type, old->target, old->id));
    }
    if (rc == POD_OK)
        rc = notif_store(txn, d->notifs, n);
    if (rc == POD_OK)
        rc = put_empty(txn, d->by_rcpt, k, key_rcpt(k, n));
    if (rc == POD_OK && n->unread)
        rc = put_empty(txn, d->unread, k, key_unread(k, n->recipient, n->type, n->target, n->id));
    return rc;
}

/* The id of recipient's unread notification of type on target, or 0. */
static int
unread_find(struct store_txn *txn, MDB_dbi dbi, uint64_t recipient, enum store_notif_type type,
            uint64_t target, uint64_t *id)
{
    uint8_t prefix[25];
    size_t plen = key_unread(prefix, recipient, type, target, 0);
    MDB_cursor *cur = NULL;
    MDB_val k = {plen, prefix}, v;
    int rc;

    *id = 0;
    rc = store_err_map(mdb_cursor_open(txn->txn, dbi, &cur));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
    if (rc == POD_OK && k.mv_size == 25 && memcmp(k.mv_data, prefix, plen) == 0)
        *id = store_be64_get((const uint8_t *)k.mv_data + 17);
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_OK;
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

int
store_notification_add(struct store_txn *txn, uint64_t recipient, enum store_notif_type type,
                       uint64_t target, uint64_t actor, int64_t now, uint64_t *id)
{
    struct store_notification old, n;
    struct dbs d;
    uint64_t found;
    uint32_t i, keep;
    int rc;

    if (!recipient || !actor || !store_notif_type_name(type))
        return POD_ERR_INVAL;
    rc = dbs_get(txn, true, &d);
    if (rc == POD_OK)
        rc = unread_find(txn, d.unread, recipient, type, target, &found);
    if (rc != POD_OK)
        goto out;
    if (found) {
        rc = notif_load(txn, d.notifs, found, &old);
        if (rc != POD_OK)
            goto out;
        n = old;
        /* The actor moves to the front; the oldest falls off past the cap. */
        keep = 0;
        n.actors[keep++] = actor;
        for (i = 0; i < old.actor_count && keep < STORE_NOTIF_ACTORS_MAX; i++)
            if (old.actors[i] != actor)
                n.actors[keep++] = old.actors[i];
        n.actor_count = keep;
        n.updated_at = now;
        rc = notif_write(txn, &d, &old, &n);
    } else {
        memset(&n, 0, sizeof n);
        rc = store_seq_next(txn, "notifications", &n.id);
        if (rc != POD_OK)
            goto out;
        n.recipient = recipient;
        n.type = type;
        n.target = target;
        n.actor_count = 1;
        n.actors[0] = actor;
        n.unread = true;
        n.created_at = n.updated_at = now;
        rc = notif_write(txn, &d, NULL, &n);
    }
    if (rc == POD_OK && id)
        *id = n.id;
out:
    return rc;
}

int
store_notification_get(struct store_txn *txn, uint64_t id, struct store_notification *out)
{
    struct dbs d;
    int rc = dbs_get(txn, false, &d);

    if (rc == POD_OK)
        rc = notif_load(txn, d.notifs, id, out);
    return rc;
}

int
store_notifications_list(struct store_txn *txn, uint64_t recipient, size_t page, size_t per_page,
                         int (*fn)(const struct store_notification *n, void *ctx), void *ctx)
{
    struct store_notification n;
    uint8_t prefix[8], seek[24];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    size_t skip, given = 0;
    struct dbs d;
    int rc;

    if (!recipient || !fn || page == 0 || per_page == 0 || per_page > STORE_NOTIF_PER_PAGE_MAX ||
        page > SIZE_MAX / per_page)
        return POD_ERR_INVAL;
    skip = (page - 1) * per_page;
    rc = dbs_get(txn, false, &d);
    if (rc != POD_OK)
        goto out;
    store_be64_put(prefix, recipient);
    memcpy(seek, prefix, 8);
    memset(seek + 8, 0xff, 16);
    k.mv_size = sizeof seek;
    k.mv_data = seek;
    rc = store_err_map(mdb_cursor_open(txn->txn, d.by_rcpt, &cur));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_PREV));
    else if (rc == POD_ERR_NOTFOUND)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_LAST));
    while (rc == POD_OK && k.mv_size == 24 && memcmp(k.mv_data, prefix, 8) == 0 &&
           given < per_page) {
        if (skip) {
            skip--;
        } else {
            rc = notif_load(txn, d.notifs, store_be64_get((const uint8_t *)k.mv_data + 16), &n);
            if (rc != POD_OK)
                break;
            rc = fn(&n, ctx);
            if (rc != 0)
                goto out;
            given++;
        }
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_PREV));
    }
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_OK;
out:
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

int
store_notifications_unread(struct store_txn *txn, uint64_t recipient, uint32_t *total,
                           uint32_t *by_type)
{
    uint8_t prefix[8];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    struct dbs d;
    uint8_t type;
    int rc;

    *total = 0;
    if (by_type)
        memset(by_type, 0, STORE_NOTIF_TYPE_END * sizeof *by_type);
    rc = dbs_get(txn, false, &d);
    if (rc != POD_OK)
        return rc;
    store_be64_put(prefix, recipient);
    k.mv_size = sizeof prefix;
    k.mv_data = prefix;
    rc = store_err_map(mdb_cursor_open(txn->txn, d.unread, &cur));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
    while (rc == POD_OK && k.mv_size == 25 && memcmp(k.mv_data, prefix, 8) == 0) {
        type = ((const uint8_t *)k.mv_data)[8];
        (*total)++;
        if (by_type && type < STORE_NOTIF_TYPE_END)
            by_type[type]++;
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_NEXT));
    }
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_OK;
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

int
store_notification_set_unread(struct store_txn *txn, uint64_t id, uint64_t owner, bool unread)
{
    struct store_notification old, n;
    struct dbs d;
    int rc;

    rc = dbs_get(txn, true, &d);
    if (rc == POD_OK)
        rc = notif_load(txn, d.notifs, id, &old);
    if (rc != POD_OK)
        return rc;
    if (old.recipient != owner)
        return POD_ERR_AUTH;
    if (old.unread == unread)
        return POD_OK;
    n = old;
    n.unread = unread;
    return notif_write(txn, &d, &old, &n);
}

int
store_notifications_read_all(struct store_txn *txn, uint64_t recipient)
{
    struct store_notification old, n;
    uint8_t prefix[8];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    struct dbs d;
    int rc;

    rc = dbs_get(txn, true, &d);
    if (rc != POD_OK)
        return rc;
    store_be64_put(prefix, recipient);
    /* Each round seeks afresh: notif_write changes notif_unread. */
    for (;;) {
        k.mv_size = sizeof prefix;
        k.mv_data = prefix;
        rc = store_err_map(mdb_cursor_open(txn->txn, d.unread, &cur));
        if (rc == POD_OK)
            rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
        if (rc == POD_OK && (k.mv_size != 25 || memcmp(k.mv_data, prefix, 8) != 0))
            rc = POD_ERR_NOTFOUND;
        if (rc == POD_OK)
            rc = notif_load(txn, d.notifs, store_be64_get((const uint8_t *)k.mv_data + 17), &old);
        if (cur)
            mdb_cursor_close(cur);
        cur = NULL;
        if (rc != POD_OK)
            break;
        if (!old.unread) { /* a stray entry: drop it, or the loop would not end */
            rc = del_key(txn, d.unread, k.mv_data, k.mv_size);
            if (rc != POD_OK)
                break;
            continue;
        }
        n = old;
        n.unread = false;
        rc = notif_write(txn, &d, &old, &n);
        if (rc != POD_OK)
            break;
    }
    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}

int
store_notifications_delete_recipient(struct store_txn *txn, uint64_t recipient, unsigned *count)
{
    struct store_notification old;
    uint8_t prefix[8], found[24], k[25];
    MDB_cursor *cur = NULL;
    MDB_val key, val;
    struct dbs d;
    unsigned n = 0;
    int rc;

    rc = dbs_get(txn, true, &d);
    if (rc != POD_OK)
        return rc;
    store_be64_put(prefix, recipient);
    /* Each round seeks afresh: the deletes change the index under a cursor.
     * The index entry found is always deleted, so the loop ends even over
     * damaged rows. */
    for (;;) {
        key.mv_size = sizeof prefix;
        key.mv_data = prefix;
        rc = store_err_map(mdb_cursor_open(txn->txn, d.by_rcpt, &cur));
        if (rc == POD_OK)
            rc = store_err_map(mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE));
        if (rc == POD_OK && (key.mv_size != sizeof found || memcmp(key.mv_data, prefix, 8) != 0))
            rc = POD_ERR_NOTFOUND;
        if (rc == POD_OK)
            memcpy(found, key.mv_data, sizeof found);
        if (cur)
            mdb_cursor_close(cur);
        cur = NULL;
        if (rc != POD_OK)
            break;
        rc = del_key(txn, d.by_rcpt, found, sizeof found);
        if (rc == POD_OK && notif_load(txn, d.notifs, store_be64_get(found + 16), &old) == POD_OK) {
            if (old.unread)
                rc = del_key(txn, d.unread, k,
                             key_unread(k, old.recipient, old.type, old.target, old.id));
            if (rc == POD_OK)
                rc = del_key(txn, d.notifs, found + 16, 8);
        }
        if (rc != POD_OK)
            break;
        n++;
    }
    if (count)
        *count = n;
    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}

/* ------------------------------------------- codecs (store_internal.h) */

int
store_notif_encode(struct store_rec_writer *w, const struct store_notification *n)
{
    return notif_encode(w, n);
}

int
store_notif_decode(const void *data, size_t len, struct store_notification *out)
{
    int rc;

    memset(out, 0, sizeof *out);
    rc = store_rec_decode(data, len, notif_field, out);
    if (rc == POD_OK && (!out->recipient || !out->type || !out->actor_count))
        rc = POD_ERR_CORRUPT;
    return rc;
}
