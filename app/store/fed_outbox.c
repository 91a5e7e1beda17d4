/*
 * fed_outbox.c - the federation outbox queue and remote pod health
 * (store/fed_outbox.h).
 *
 * fed_outbox: be64 id -> record (tags below).
 * fed_outbox_due: time(due_at) + be64 id -> empty; time is the big-endian
 *   u64 of due_at with its sign bit flipped, so keys sort by time.
 * fed_pods: host -> record.
 */
#include "store/fed_outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "store/record.h"
#include "store/store_internal.h"

#define DB_OUTBOX "fed_outbox"
#define DB_DUE    "fed_outbox_due"
#define DB_PODS   "fed_pods"

enum {
    T_KIND = 1,
    T_URL = 2,
    T_HOST = 3,
    T_AUTHOR = 4,
    T_RECIPIENT = 5,
    T_CREATED = 6,
    T_DUE = 7,
    T_ATTEMPTS = 8,
    T_ERROR = 9,
    T_PAYLOAD = 10,
};

enum {
    P_SUCCESS = 1,
    P_FAILURE = 2,
    P_FAILURES = 3,
    P_DELIVERED = 4,
    P_UNDELIVERABLE = 5,
    P_ERROR = 6,
};

static void
due_key(uint8_t k[16], int64_t due_at, uint64_t id)
{
    store_be64_put(k, (uint64_t)due_at ^ (UINT64_C(1) << 63));
    store_be64_put(k + 8, id);
}

static int64_t
due_time(const uint8_t k[8])
{
    uint64_t u = store_be64_get(k) ^ (UINT64_C(1) << 63);

    return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

static int
enc_job(struct store_rec_writer *w, const void *obj)
{
    const struct store_outbox_job *j = obj;

    store_rec_put_uvarint(w, T_KIND, (uint64_t)j->kind);
    store_rec_put_str(w, T_URL, j->url, sizeof j->url);
    store_rec_put_str(w, T_HOST, j->host, sizeof j->host);
    store_rec_put_u64(w, T_AUTHOR, j->author);
    store_rec_put_u64(w, T_RECIPIENT, j->recipient);
    store_rec_put_i64(w, T_CREATED, j->created_at);
    store_rec_put_i64(w, T_DUE, j->due_at);
    store_rec_put_uvarint(w, T_ATTEMPTS, j->attempts);
    store_rec_put_str(w, T_ERROR, j->last_error, sizeof j->last_error);
    return store_rec_put_bytes(w, T_PAYLOAD, j->payload, j->payload_len);
}

static int
dec_job_field(const struct store_rec_field *f, void *ctx)
{
    struct store_outbox_job *j = ctx;
    uint64_t v;
    int rc = POD_OK;

    switch (f->tag) {
    case T_KIND:
        rc = store_rec_get_uvarint(f, &v);
        j->kind = (enum store_outbox_kind)v;
        break;
    case T_URL:
        rc = store_rec_get_str(f, j->url, sizeof j->url);
        break;
    case T_HOST:
        rc = store_rec_get_str(f, j->host, sizeof j->host);
        break;
    case T_AUTHOR:
        rc = store_rec_get_u64(f, &j->author);
        break;
    case T_RECIPIENT:
        rc = store_rec_get_u64(f, &j->recipient);
        break;
    case T_CREATED:
        rc = store_rec_get_i64(f, &j->created_at);
        break;
    case T_DUE:
        rc = store_rec_get_i64(f, &j->due_at);
        break;
    case T_ATTEMPTS:
        rc = store_rec_get_u32(f, &j->attempts);
        break;
    case T_ERROR:
        rc = store_rec_get_str(f, j->last_error, sizeof j->last_error);
        break;
    case T_PAYLOAD:
        j->payload = (const char *)f->data; /* borrowed: copied by the caller */
        j->payload_len = f->len;
        break;
    default:
        break; /* a newer plugpod's field */
    }
    return rc;
}

static int
job_get(struct store_txn *txn, MDB_dbi dbi, uint64_t id, struct store_outbox_job *out)
{
    uint8_t k[8];
    MDB_val key = {sizeof k, k}, val;
    int rc;

    store_be64_put(k, id);
    rc = store_err_map(mdb_get(txn->txn, dbi, &key, &val));
    if (rc != POD_OK)
        return rc;
    memset(out, 0, sizeof *out);
    out->id = id;
    return store_rec_decode(val.mv_data, val.mv_size, dec_job_field, out);
}

static int
job_put(struct store_txn *txn, MDB_dbi outbox, MDB_dbi due, const struct store_outbox_job *j,
        unsigned flags)
{
    uint8_t k[8], dk[16];
    MDB_val key = {sizeof k, k}, dkey = {sizeof dk, dk}, empty = {0, NULL};
    int rc;

    store_be64_put(k, j->id);
    rc = store_rec_put(txn, outbox, &key, enc_job, j, flags);
    if (rc != POD_OK)
        return rc;
    due_key(dk, j->due_at, j->id);
    return store_err_map(mdb_put(txn->txn, due, &dkey, &empty, 0));
}

int
store_outbox_add(struct store_txn *txn, struct store_outbox_job *job)
{
    MDB_dbi outbox, due;
    int rc;

    if (!job ||
        (job->kind != STORE_OUTBOX_PUBLIC && job->kind != STORE_OUTBOX_PRIVATE &&
         job->kind != STORE_OUTBOX_PUBLIC_SIGNED) ||
        !job->url[0] || !job->host[0] || !job->payload || job->payload_len == 0 ||
        (job->kind == STORE_OUTBOX_PRIVATE && !job->recipient))
        return POD_ERR_INVAL;
    if (job->payload_len > STORE_OUTBOX_PAYLOAD_MAX)
        return POD_ERR_LIMIT;
    rc = store_db_for(txn, true, DB_OUTBOX, &outbox);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_DUE, &due);
    if (rc == POD_OK)
        rc = store_seq_next(txn, DB_OUTBOX, &job->id);
    if (rc != POD_OK)
        return rc;
    job->attempts = 0;
    job->last_error[0] = '\0';
    return job_put(txn, outbox, due, job, MDB_NOOVERWRITE);
}

/* The first entry of the due index, or POD_ERR_NOTFOUND. */
static int
first_due(struct store_txn *txn, MDB_dbi due, int64_t *at, uint64_t *id)
{
    MDB_val key, val;
    MDB_cursor *cur;
    int rc = store_err_map(mdb_cursor_open(txn->txn, due, &cur));

    if (rc != POD_OK)
        return rc;
    rc = store_err_map(mdb_cursor_get(cur, &key, &val, MDB_FIRST));
    if (rc == POD_OK && key.mv_size != 16)
        rc = POD_ERR_CORRUPT;
    if (rc == POD_OK) {
        *at = due_time(key.mv_data);
        *id = store_be64_get((const uint8_t *)key.mv_data + 8);
    }
    mdb_cursor_close(cur);
    return rc;
}

int
store_outbox_earliest(struct store_txn *txn, int64_t *due_at)
{
    MDB_dbi due;
    uint64_t id;
    int rc = store_db_for(txn, false, DB_DUE, &due);

    return rc == POD_OK ? first_due(txn, due, due_at, &id) : rc;
}

int
store_outbox_next_due(struct store_txn *txn, int64_t now, struct pod_arena *a,
                      struct store_outbox_job *out)
{
    MDB_dbi outbox, due;
    int64_t at;
    uint64_t id;
    char *copy;
    int rc;

    rc = store_db_for(txn, false, DB_OUTBOX, &outbox);
    if (rc == POD_OK)
        rc = store_db_for(txn, false, DB_DUE, &due);
    if (rc == POD_OK)
        rc = first_due(txn, due, &at, &id);
    if (rc != POD_OK)
        return rc;
    if (at > now)
        return POD_ERR_NOTFOUND;
    rc = job_get(txn, outbox, id, out);
    if (rc == POD_ERR_NOTFOUND)
        return POD_ERR_CORRUPT; /* an index entry without its job */
    if (rc != POD_OK)
        return rc;
    copy = pod_arena_alloc(a, out->payload_len + 1);
    if (!copy)
        return POD_ERR_NOMEM;
    memcpy(copy, out->payload, out->payload_len);
    copy[out->payload_len] = '\0';
    out->payload = copy;
    return POD_OK;
}

/* Removes the due index entry of j. */
static int
unindex(struct store_txn *txn, MDB_dbi due, const struct store_outbox_job *j)
{
    uint8_t dk[16];
    MDB_val dkey = {sizeof dk, dk};

    due_key(dk, j->due_at, j->id);
    return store_err_map(mdb_del(txn->txn, due, &dkey, NULL));
}

int
store_outbox_retry(struct store_txn *txn, uint64_t id, int64_t due_at, const char *why)
{
    struct store_outbox_job j;
    MDB_dbi outbox, due;
    int rc;

    rc = store_db_for(txn, true, DB_OUTBOX, &outbox);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_DUE, &due);
    if (rc == POD_OK)
        rc = job_get(txn, outbox, id, &j);
    if (rc == POD_OK)
        rc = unindex(txn, due, &j);
    if (rc != POD_OK)
        return rc;
    j.attempts++;
    j.due_at = due_at;
    snprintf(j.last_error, sizeof j.last_error, "%s", why ? why : "");
    /* The payload still points into the old value: LMDB may move pages on
     * a put, so encode from a copy. */
    {
        char *payload = malloc(j.payload_len ? j.payload_len : 1);
        if (!payload)
            return POD_ERR_NOMEM;
        memcpy(payload, j.payload, j.payload_len);
        j.payload = payload;
        rc = job_put(txn, outbox, due, &j, 0);
        free(payload);
    }
    return rc;
}

int
store_outbox_delete(struct store_txn *txn, uint64_t id)
{
    struct store_outbox_job j;
    uint8_t k[8];
    MDB_val key = {sizeof k, k};
    MDB_dbi outbox, due;
    int rc;

    rc = store_db_for(txn, true, DB_OUTBOX, &outbox);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_DUE, &due);
    if (rc == POD_OK)
        rc = job_get(txn, outbox, id, &j);
    if (rc == POD_OK)
        rc = unindex(txn, due, &j);
    if (rc != POD_OK)
        return rc;
    store_be64_put(k, id);
    return store_err_map(mdb_del(txn->txn, outbox, &key, NULL));
}

int
store_outbox_count(struct store_txn *txn, uint64_t *count)
{
    MDB_stat st;
    MDB_dbi dbi;
    int rc = store_db_for(txn, false, DB_OUTBOX, &dbi);

    *count = 0;
    if (rc == POD_OK)
        rc = store_err_map(mdb_stat(txn->txn, dbi, &st));
    if (rc == POD_OK)
        *count = st.ms_entries;
    return rc;
}

int
store_outbox_resume(struct store_txn *txn, int64_t now, int64_t paused_for)
{
    MDB_dbi outbox, due;
    MDB_cursor *cur = NULL;
    MDB_val key, val;
    uint64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int rc, mrc;

    rc = store_db_for(txn, true, DB_OUTBOX, &outbox);
    if (rc == POD_OK)
        rc = store_db_for(txn, true, DB_DUE, &due);
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_open(txn->txn, outbox, &cur));
    /* The ids first: the records are rewritten below. */
    for (mrc = rc == POD_OK ? mdb_cursor_get(cur, &key, &val, MDB_FIRST) : MDB_NOTFOUND;
         mrc == MDB_SUCCESS; mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        if (key.mv_size != 8)
            continue;
        if (n == cap) {
            uint64_t *more = realloc(ids, (cap ? cap * 2 : 64) * sizeof *ids);
            if (!more) {
                rc = POD_ERR_NOMEM;
                break;
            }
            ids = more;
            cap = cap ? cap * 2 : 64;
        }
        ids[n++] = store_be64_get(key.mv_data);
    }
    if (rc == POD_OK && mrc != MDB_NOTFOUND)
        rc = store_err_map(mrc);
    if (cur)
        mdb_cursor_close(cur);
    for (size_t i = 0; rc == POD_OK && i < n; i++) {
        struct store_outbox_job j;
        char *payload;

        rc = job_get(txn, outbox, ids[i], &j);
        if (rc == POD_OK)
            rc = unindex(txn, due, &j);
        if (rc != POD_OK)
            break;
        if (j.due_at > now)
            j.due_at = now;
        if (paused_for > 0)
            j.created_at += paused_for;
        payload = malloc(j.payload_len ? j.payload_len : 1); /* see store_outbox_retry */
        if (!payload) {
            rc = POD_ERR_NOMEM;
            break;
        }
        memcpy(payload, j.payload, j.payload_len);
        j.payload = payload;
        rc = job_put(txn, outbox, due, &j, 0);
        free(payload);
    }
    free(ids);
    return rc;
}

/* ------------------------------------------------------------ pod health */

static int
enc_pod(struct store_rec_writer *w, const void *obj)
{
    const struct store_fed_pod *p = obj;

    store_rec_put_i64(w, P_SUCCESS, p->last_success);
    store_rec_put_i64(w, P_FAILURE, p->last_failure);
    store_rec_put_uvarint(w, P_FAILURES, p->failures);
    store_rec_put_uvarint(w, P_DELIVERED, p->delivered);
    store_rec_put_uvarint(w, P_UNDELIVERABLE, p->undeliverable);
    return store_rec_put_str(w, P_ERROR, p->last_error, sizeof p->last_error);
}

static int
dec_pod_field(const struct store_rec_field *f, void *ctx)
{
    struct store_fed_pod *p = ctx;

    switch (f->tag) {
    case P_SUCCESS:
        return store_rec_get_i64(f, &p->last_success);
    case P_FAILURE:
        return store_rec_get_i64(f, &p->last_failure);
    case P_FAILURES:
        return store_rec_get_u32(f, &p->failures);
    case P_DELIVERED:
        return store_rec_get_uvarint(f, &p->delivered);
    case P_UNDELIVERABLE:
        return store_rec_get_uvarint(f, &p->undeliverable);
    case P_ERROR:
        return store_rec_get_str(f, p->last_error, sizeof p->last_error);
    default:
        return POD_OK;
    }
}

static int
pod_decode(const MDB_val *key, const MDB_val *val, struct store_fed_pod *out)
{
    memset(out, 0, sizeof *out);
    if (key->mv_size == 0 || key->mv_size > STORE_OUTBOX_HOST_MAX)
        return POD_ERR_CORRUPT;
    memcpy(out->host, key->mv_data, key->mv_size);
    out->host[key->mv_size] = '\0';
    return store_rec_decode(val->mv_data, val->mv_size, dec_pod_field, out);
}

int
store_fed_pod_get(struct store_txn *txn, const char *host, struct store_fed_pod *out)
{
    MDB_val key, val;
    MDB_dbi dbi;
    int rc = store_db_for(txn, false, DB_PODS, &dbi);

    if (rc == POD_OK)
        rc = store_str_key(host, STORE_OUTBOX_HOST_MAX, &key);
    if (rc == POD_OK)
        rc = store_err_map(mdb_get(txn->txn, dbi, &key, &val));
    return rc == POD_OK ? pod_decode(&key, &val, out) : rc;
}

int
store_fed_pod_result(struct store_txn *txn, const char *host, bool ok, bool given_up, int64_t now,
                     const char *why)
{
    struct store_fed_pod p;
    MDB_val key;
    MDB_dbi dbi;
    int rc = store_db_for(txn, true, DB_PODS, &dbi);

    if (rc == POD_OK)
        rc = store_str_key(host, STORE_OUTBOX_HOST_MAX, &key);
    if (rc != POD_OK)
        return rc;
    rc = store_fed_pod_get(txn, host, &p);
    if (rc == POD_ERR_NOTFOUND) {
        memset(&p, 0, sizeof p);
        snprintf(p.host, sizeof p.host, "%s", host);
        rc = POD_OK;
    }
    if (rc != POD_OK)
        return rc;
    if (ok) {
        p.last_success = now;
        p.failures = 0;
        p.delivered++;
    } else {
        p.last_failure = now;
        p.failures++;
        snprintf(p.last_error, sizeof p.last_error, "%s", why ? why : "");
    }
    if (given_up)
        p.undeliverable++;
    return store_rec_put(txn, dbi, &key, enc_pod, &p, 0);
}

int
store_fed_pods_each(struct store_txn *txn, int (*fn)(const struct store_fed_pod *p, void *ctx),
                    void *ctx)
{
    struct store_fed_pod p;
    MDB_val key, val;
    MDB_cursor *cur;
    MDB_dbi dbi;
    int rc = store_db_for(txn, false, DB_PODS, &dbi);

    if (rc != POD_OK)
        return rc;
    rc = store_err_map(mdb_cursor_open(txn->txn, dbi, &cur));
    if (rc != POD_OK)
        return rc;
    rc = store_err_map(mdb_cursor_get(cur, &key, &val, MDB_FIRST));
    while (rc == POD_OK) {
        rc = pod_decode(&key, &val, &p);
        if (rc != POD_OK)
            break;
        rc = fn(&p, ctx);
        if (rc != 0)
            break;
        rc = store_err_map(mdb_cursor_get(cur, &key, &val, MDB_NEXT));
    }
    mdb_cursor_close(cur);
    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}

/* ------------------------------------------- codecs (store_internal.h) */

int
store_outbox_job_encode(struct store_rec_writer *w, const struct store_outbox_job *j)
{
    return enc_job(w, j);
}

int
store_outbox_job_decode(const void *data, size_t len, struct store_outbox_job *out)
{
    memset(out, 0, sizeof *out);
    return store_rec_decode(data, len, dec_job_field, out);
}

int
store_fed_pod_encode(struct store_rec_writer *w, const struct store_fed_pod *p)
{
    return enc_pod(w, p);
}

int
store_fed_pod_decode(const void *data, size_t len, struct store_fed_pod *out)
{
    memset(out, 0, sizeof *out);
    return store_rec_decode(data, len, dec_pod_field, out);
}
