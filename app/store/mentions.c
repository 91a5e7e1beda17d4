/*
 * mentions.c - the mention index and tag names by prefix (store/mentions.h).
 *
 * A page of the mentions stream is one seek plus one step per entry, like
 * the streams of posts.c. The tag listing seeks once per distinct name:
 * after a name it jumps to name + 0x01, past all of that name's entries
 * (index keys are name + 0x00 + T + id, and names hold no byte below 0x20).
 */
#include "store/mentions.h"

#include <string.h>

#include "core/error.h"
#include "store/store_internal.h"

#define DB_IDX_MENTION      "idx_mention"
#define DB_MENTIONS_BY_POST "mentions_by_post"
#define DB_IDX_TAG          "idx_tag"
#define T_LEN               8
#define MENTION_KEY         (8 + T_LEN + 8)
#define TAG_KEY_MAX         (STORE_POST_TAG_MAX + 1 + T_LEN + 8)
#define REMOVE_BATCH        64

static int
db_get(struct store_txn *txn, bool write, const char *name, MDB_dbi *out)
{
    if (!txn || (write && !txn->write))
        return POD_ERR_INVAL;
    return store_dbi_find(txn, name, out);
}

static void
time_put(uint8_t out[T_LEN], int64_t t)
{
    store_be64_put(out, (uint64_t)t ^ (UINT64_C(1) << 63));
}

static int64_t
time_get(const uint8_t in[T_LEN])
{
    uint64_t u = store_be64_get(in) ^ (UINT64_C(1) << 63);

    return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

static int
put_raw(struct store_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v, size_t vlen)
{
    MDB_val key = {klen, (void *)k};
    MDB_val val = {vlen, (void *)v};

    return store_err_map(mdb_put(txn->txn, dbi, &key, &val, 0));
}

static int
del_raw(struct store_txn *txn, MDB_dbi dbi, const void *k, size_t klen)
{
    MDB_val key = {klen, (void *)k};
    int rc = store_err_map(mdb_del(txn->txn, dbi, &key, NULL));

    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}

int
store_mention_add(struct store_txn *txn, uint64_t person, int64_t created_at, uint64_t post)
{
    MDB_dbi idx, by_post;
    uint8_t k[MENTION_KEY];
    uint8_t bk[16];
    int rc;

    if (person == 0 || post == 0)
        return POD_ERR_INVAL;
    rc = db_get(txn, true, DB_IDX_MENTION, &idx);
    if (rc == POD_OK)
        rc = db_get(txn, true, DB_MENTIONS_BY_POST, &by_post);
    if (rc != POD_OK)
        return rc;
    store_be64_put(k, person);
    time_put(k + 8, created_at);
    store_be64_put(k + 8 + T_LEN, post);
    store_be64_put(bk, post);
    store_be64_put(bk + 8, person);
    rc = put_raw(txn, idx, k, sizeof k, "", 0);
    if (rc == POD_OK)
        rc = put_raw(txn, by_post, bk, sizeof bk, k + 8, T_LEN);
    return rc;
}

int
store_mentions_remove_post(struct store_txn *txn, uint64_t post)
{
    struct {
        uint8_t bk[16];
        uint8_t t[T_LEN];
    } batch[REMOVE_BATCH];
    MDB_dbi idx, by_post;
    MDB_cursor *cur = NULL;
    uint8_t prefix[8];
    uint8_t k[MENTION_KEY];
    MDB_val key, val;
    size_t n;
    int rc;

    if (post == 0)
        return POD_ERR_INVAL;
    rc = db_get(txn, true, DB_IDX_MENTION, &idx);
    if (rc == POD_OK)
        rc = db_get(txn, true, DB_MENTIONS_BY_POST, &by_post);
    if (rc != POD_OK)
        return rc;
    store_be64_put(prefix, post);
    /* Collect a batch with a cursor, close it, delete, and seek again:
     * no cursor lives across the deletes. */
    do {
        n = 0;
        key.mv_size = sizeof prefix;
        key.mv_data = prefix;
        rc = store_err_map(mdb_cursor_open(txn->txn, by_post, &cur));
        if (rc == POD_OK)
            rc = store_err_map(mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE));
        while (rc == POD_OK && n < REMOVE_BATCH && key.mv_size == 16 &&
               memcmp(key.mv_data, prefix, 8) == 0) {
            if (val.mv_size != T_LEN) {
                rc = POD_ERR_CORRUPT;
                break;
            }
            memcpy(batch[n].bk, key.mv_data, 16);
            memcpy(batch[n].t, val.mv_data, T_LEN);
            n++;
            rc = store_err_map(mdb_cursor_get(cur, &key, &val, MDB_NEXT));
        }
        if (cur)
            mdb_cursor_close(cur);
        cur = NULL;
        if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK;
        for (size_t i = 0; rc == POD_OK && i < n; i++) {
            memcpy(k, batch[i].bk + 8, 8); /* person */
            memcpy(k + 8, batch[i].t, T_LEN);
            memcpy(k + 8 + T_LEN, batch[i].bk, 8); /* post */
            rc = del_raw(txn, idx, k, sizeof k);
            if (rc == POD_OK)
                rc = del_raw(txn, by_post, batch[i].bk, 16);
        }
    } while (rc == POD_OK && n == REMOVE_BATCH);
    return rc;
}

int
store_stream_mentions(struct store_txn *txn, uint64_t person, int64_t max_time, uint64_t before_id,
                      size_t limit, store_stream_fn fn, void *ctx)
{
    MDB_cursor *cur = NULL;
    uint8_t seek[MENTION_KEY];
    const uint8_t *e;
    MDB_dbi dbi;
    MDB_val k, v;
    size_t n = 0;
    int rc;

    if (!fn || person == 0)
        return POD_ERR_INVAL;
    rc = db_get(txn, false, DB_IDX_MENTION, &dbi);
    if (rc != POD_OK || limit == 0)
        return rc;
    store_be64_put(seek, person);
    time_put(seek + 8, max_time);
    store_be64_put(seek + 8 + T_LEN, before_id);
    k.mv_size = sizeof seek;
    k.mv_data = seek;
    rc = store_err_map(mdb_cursor_open(txn->txn, dbi, &cur));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
    /* SET_RANGE lands at or after the seek key (not older): step back. */
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_PREV));
    else if (rc == POD_ERR_NOTFOUND)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_LAST));
    while (rc == POD_OK && k.mv_size >= 8 && memcmp(k.mv_data, seek, 8) == 0) {
        if (k.mv_size != MENTION_KEY) {
            rc = POD_ERR_CORRUPT;
            break;
        }
        e = (const uint8_t *)k.mv_data + 8;
        rc = fn(store_be64_get(e + T_LEN), time_get(e), ctx);
        if (rc != 0 || ++n == limit)
            break;
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_PREV));
    }
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_OK;
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

int
store_tags_with_prefix(struct store_txn *txn, const char *prefix, size_t limit,
                       int (*fn)(const char *tag, void *ctx), void *ctx)
{
    char name[STORE_POST_TAG_MAX + 1];
    uint8_t seek[TAG_KEY_MAX];
    MDB_cursor *cur = NULL;
    const uint8_t *end;
    size_t plen, len, n = 0;
    MDB_dbi dbi;
    MDB_val k, v;
    int rc;

    if (!fn || !prefix || !*prefix)
        return POD_ERR_INVAL;
    plen = strnlen(prefix, STORE_POST_TAG_MAX + 1);
    if (plen > STORE_POST_TAG_MAX)
        return POD_ERR_LIMIT;
    rc = db_get(txn, false, DB_IDX_TAG, &dbi);
    if (rc != POD_OK || limit == 0)
        return rc;
    rc = store_err_map(mdb_cursor_open(txn->txn, dbi, &cur));
    if (rc != POD_OK)
        return rc;
    memcpy(seek, prefix, plen);
    k.mv_size = plen;
    k.mv_data = seek;
    rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
    while (rc == POD_OK && k.mv_size >= plen && memcmp(k.mv_data, prefix, plen) == 0) {
        end = memchr(k.mv_data, 0, k.mv_size);
        len = end ? (size_t)(end - (const uint8_t *)k.mv_data) : 0;
        if (len == 0 || len > STORE_POST_TAG_MAX) {
            rc = POD_ERR_CORRUPT;
            break;
        }
        memcpy(name, k.mv_data, len);
        name[len] = '\0';
        rc = fn(name, ctx);
        if (rc != 0 || ++n == limit)
            break;
        /* Past every entry of this name. */
        memcpy(seek, name, len);
        seek[len] = 1;
        k.mv_size = len + 1;
        k.mv_data = seek;
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
    }
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_OK;
    mdb_cursor_close(cur);
    return rc;
}
