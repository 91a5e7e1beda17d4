/*
 * fed_inbox.c - the federation inbox queue (store/fed_inbox.h).
 *
 * Database fed_inbox: key be64 id, value: version byte 1, be64 received_at,
 * kind byte, be64 recipient, be32 attempts, then the body bytes.
 */
#include "store/fed_inbox.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/settings.h"
#include "store/store_internal.h"

#define DB_INBOX   "fed_inbox"
#define HEAD_BYTES (1 + 8 + 1 + 8 + 4)

static void
be32_put(uint8_t out[4], uint32_t v)
{
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
}

static uint32_t
be32_get(const uint8_t in[4])
{
    return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

int
store_inbox_push(struct store_txn *txn, enum store_inbox_kind kind, uint64_t recipient,
                 const void *body, size_t len, int64_t received_at, uint64_t *id)
{
    uint8_t k[8], *v;
    MDB_val key = {sizeof k, k}, val;
    MDB_dbi dbi;
    int rc;

    if (!body || len == 0 || (kind != STORE_INBOX_PUBLIC && kind != STORE_INBOX_PRIVATE))
        return POD_ERR_INVAL;
    if (len > STORE_INBOX_BODY_MAX)
        return POD_ERR_LIMIT;
    rc = store_db_for(txn, true, DB_INBOX, &dbi);
    if (rc == POD_OK)
        rc = store_seq_next(txn, DB_INBOX, id);
    if (rc != POD_OK)
        return rc;
    store_be64_put(k, *id);
    val.mv_size = HEAD_BYTES + len;
    rc = store_err_map(mdb_put(txn->txn, dbi, &key, &val, MDB_RESERVE | MDB_NOOVERWRITE));
    if (rc != POD_OK)
        return rc;
    v = val.mv_data;
    v[0] = STORE_RECORD_V1;
    store_be64_put(v + 1, (uint64_t)received_at);
    v[9] = (uint8_t)kind;
    store_be64_put(v + 10, recipient);
    be32_put(v + 18, 0);
    memcpy(v + HEAD_BYTES, body, len);
    /* The admin page's "last inbound delivery", durable with the item. */
    return store_setting_set_u64(txn, POD_SETTING_LAST_INBOUND_AT, (uint64_t)received_at);
}

/* Decodes a value into out (the body still pointing into LMDB's page). */
static int
decode(const MDB_val *key, const MDB_val *val, struct store_inbox_item *out)
{
    const uint8_t *v = val->mv_data;

    if (key->mv_size != 8 || val->mv_size <= HEAD_BYTES || v[0] != STORE_RECORD_V1)
        return POD_ERR_CORRUPT;
    out->id = store_be64_get(key->mv_data);
    out->received_at = (int64_t)store_be64_get(v + 1);
    out->kind = (enum store_inbox_kind)v[9];
    out->recipient = store_be64_get(v + 10);
    out->attempts = be32_get(v + 18);
    out->body = v + HEAD_BYTES;
    out->len = val->mv_size - HEAD_BYTES;
    return POD_OK;
}

int
store_inbox_oldest(struct store_txn *txn, uint64_t after, struct pod_arena *a,
                   struct store_inbox_item *out)
{
    uint8_t k[8];
    MDB_val key = {sizeof k, k}, val;
    MDB_cursor *cur;
    MDB_dbi dbi;
    uint8_t *copy;
    int rc;

    rc = store_db_for(txn, false, DB_INBOX, &dbi);
    if (rc != POD_OK)
        return rc;
    if (after == UINT64_MAX)
        return POD_ERR_NOTFOUND;
    store_be64_put(k, after + 1);
    rc = store_err_map(mdb_cursor_open(txn->txn, dbi, &cur));
    if (rc != POD_OK)
        return rc;
    rc = store_err_map(mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE));
    if (rc == POD_OK)
        rc = decode(&key, &val, out);
    mdb_cursor_close(cur);
    if (rc != POD_OK)
        return rc;
    copy = pod_arena_alloc(a, out->len + 1);
    if (!copy)
        return POD_ERR_NOMEM;
    memcpy(copy, out->body, out->len);
    copy[out->len] = '\0';
    out->body = copy;
    return POD_OK;
}

int
store_inbox_attempted(struct store_txn *txn, uint64_t id)
{
    uint8_t k[8];
    MDB_val key = {sizeof k, k}, val;
    struct store_inbox_item item;
    MDB_dbi dbi;
    uint8_t *copy;
    int rc;

    rc = store_db_for(txn, true, DB_INBOX, &dbi);
    if (rc != POD_OK)
        return rc;
    store_be64_put(k, id);
    rc = store_err_map(mdb_get(txn->txn, dbi, &key, &val));
    if (rc == POD_OK)
        rc = decode(&key, &val, &item);
    if (rc != POD_OK)
        return rc;
    /* LMDB's pages are read-only: write a changed copy back in place. */
    copy = malloc(val.mv_size);
    if (!copy)
        return POD_ERR_NOMEM;
    memcpy(copy, val.mv_data, val.mv_size);
    be32_put(copy + 18, item.attempts + 1);
    val.mv_data = copy;
    rc = store_err_map(mdb_put(txn->txn, dbi, &key, &val, 0));
    free(copy);
    return rc;
}

int
store_inbox_delete(struct store_txn *txn, uint64_t id)
{
    uint8_t k[8];
    MDB_val key = {sizeof k, k};
    MDB_dbi dbi;
    int rc = store_db_for(txn, true, DB_INBOX, &dbi);

    if (rc != POD_OK)
        return rc;
    store_be64_put(k, id);
    return store_err_map(mdb_del(txn->txn, dbi, &key, NULL));
}

int
store_inbox_count(struct store_txn *txn, uint64_t *count)
{
    MDB_stat st;
    MDB_dbi dbi;
    int rc = store_db_for(txn, false, DB_INBOX, &dbi);

    *count = 0;
    if (rc != POD_OK)
        return rc;
    rc = store_err_map(mdb_stat(txn->txn, dbi, &st));
    if (rc == POD_OK)
        *count = st.ms_entries;
    return rc;
}
