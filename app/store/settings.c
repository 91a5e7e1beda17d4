/*
 * settings.c - pod settings: small typed values by name in the database
 * "settings". A value is [format version 1][type][payload]; type 1 is a
 * string (its bytes, no NUL), type 2 a uint64 (8 bytes, little-endian).
 */
#include "store/store.h"

#include <string.h>

#include "core/error.h"
#include "store/store_internal.h"

#define SETTING_NAME_MAX 64   /* bytes */
#define SETTING_STR_MAX  4096 /* bytes, without the NUL */
#define SETTING_HDR_LEN  2
#define SETTING_STR      1
#define SETTING_U64      2

static int
setting_key(const char *name, MDB_val *key)
{
    size_t len;

    if (!name || !*name)
        return POD_ERR_INVAL;
    len = strnlen(name, SETTING_NAME_MAX + 1);
    if (len > SETTING_NAME_MAX)
        return POD_ERR_LIMIT;
    key->mv_size = len;
    key->mv_data = (void *)name;
    return POD_OK;
}

/* Finds the value of name and checks its header; payload is borrowed from
 * the map until txn ends. */
static int
setting_get(struct store_txn *txn, const char *name, unsigned char type, MDB_val *payload)
{
    const unsigned char *p;
    MDB_val key;
    MDB_val val;
    MDB_dbi dbi;
    int rc;

    if (!txn) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = setting_key(name, &key);
    if (rc != POD_OK)
        goto out;
    rc = store_dbi_find(txn, STORE_DB_SETTINGS, &dbi);
    if (rc != POD_OK)
        goto out;
    rc = store_err_map(mdb_get(txn->txn, dbi, &key, &val));
    if (rc != POD_OK)
        goto out;
    p = val.mv_data;
    if (val.mv_size < SETTING_HDR_LEN || p[0] != STORE_RECORD_V1 || p[1] != type) {
        rc = POD_ERR_CORRUPT;
        goto out;
    }
    payload->mv_data = (void *)(p + SETTING_HDR_LEN);
    payload->mv_size = val.mv_size - SETTING_HDR_LEN;
out:
    return rc;
}

static int
setting_put(struct store_txn *txn, const char *name, unsigned char type, const void *payload,
            size_t len)
{
    unsigned char *p;
    MDB_val key;
    MDB_val val;
    MDB_dbi dbi;
    int rc;

    if (!txn || !txn->write) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = setting_key(name, &key);
    if (rc != POD_OK)
        goto out;
    rc = store_dbi_find(txn, STORE_DB_SETTINGS, &dbi);
    if (rc != POD_OK)
        goto out;
    /* MDB_RESERVE: LMDB hands out the space and we fill it in place. */
    val.mv_size = SETTING_HDR_LEN + len;
    val.mv_data = NULL;
    rc = store_err_map(mdb_put(txn->txn, dbi, &key, &val, MDB_RESERVE));
    if (rc != POD_OK)
        goto out;
    p = val.mv_data;
    p[0] = STORE_RECORD_V1;
    p[1] = type;
    if (len)
        memcpy(p + SETTING_HDR_LEN, payload, len);
out:
    return rc;
}

int
store_setting_get_str(struct store_txn *txn, const char *name, char *buf, size_t cap)
{
    MDB_val payload;
    int rc;

    if (!buf || cap == 0) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    buf[0] = '\0';
    rc = setting_get(txn, name, SETTING_STR, &payload);
    if (rc != POD_OK)
        goto out;
    if (payload.mv_size > SETTING_STR_MAX || memchr(payload.mv_data, '\0', payload.mv_size)) {
        rc = POD_ERR_CORRUPT;
        goto out;
    }
    if (payload.mv_size >= cap) {
        rc = POD_ERR_LIMIT;
        goto out;
    }
    memcpy(buf, payload.mv_data, payload.mv_size);
    buf[payload.mv_size] = '\0';
out:
    return rc;
}

int
store_setting_set_str(struct store_txn *txn, const char *name, const char *value)
{
    size_t len;
    int rc;

    if (!value) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    len = strnlen(value, SETTING_STR_MAX + 1);
    if (len > SETTING_STR_MAX) {
        rc = POD_ERR_LIMIT;
        goto out;
    }
    rc = setting_put(txn, name, SETTING_STR, value, len);
out:
    return rc;
}

int
store_setting_get_u64(struct store_txn *txn, const char *name, uint64_t *out)
{
    const unsigned char *p;
    MDB_val payload;
    uint64_t v = 0;
    int rc;

    if (!out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = setting_get(txn, name, SETTING_U64, &payload);
    if (rc != POD_OK)
        goto out;
    if (payload.mv_size != 8) {
        rc = POD_ERR_CORRUPT;
        goto out;
    }
    p = payload.mv_data;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    *out = v;
out:
    return rc;
}

int
store_setting_set_u64(struct store_txn *txn, const char *name, uint64_t value)
{
    unsigned char le[8];

    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(value >> (8 * i));
    return setting_put(txn, name, SETTING_U64, le, sizeof(le));
}

int
store_setting_delete(struct store_txn *txn, const char *name)
{
    MDB_val key;
    MDB_dbi dbi;
    int rc;

    if (!txn || !txn->write) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = setting_key(name, &key);
    if (rc != POD_OK)
        goto out;
    rc = store_dbi_find(txn, STORE_DB_SETTINGS, &dbi);
    if (rc != POD_OK)
        goto out;
    rc = store_err_map(mdb_del(txn->txn, dbi, &key, NULL));
out:
    return rc;
}
