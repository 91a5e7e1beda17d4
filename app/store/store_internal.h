/*
 * store_internal.h - private to the .c files of app/store. Nothing else includes it:
 * LMDB types and codes never leave the store.
 *
 * Named databases: LMDB hands out a dbi per name. A dbi opened in a write
 * transaction that aborts is invalid, and mdb_dbi_open must not run in two
 * transactions at once. So:
 *  - store_open opens every existing named database in one read
 *    transaction and commits it, which makes those handles shared;
 *  - afterwards only write transactions open (create) databases. LMDB runs
 *    one writer at a time, so at most one transaction calls mdb_dbi_open;
 *  - a handle opened by a write transaction is "pending" (visible to that
 *    transaction only) until it commits; an abort drops it.
 * Read transactions never call mdb_dbi_open: a name missing from the cache
 * does not exist, and gives POD_ERR_NOTFOUND.
 */
#ifndef POD_STORE_STORE_INTERNAL_H
#define POD_STORE_STORE_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_MAX_DBS     128 /* mdb_env_set_maxdbs; LMDB scans this table linearly */
#define STORE_DB_NAME_MAX 32  /* bytes, without the NUL */
#define STORE_RECORD_V1   1   /* first byte of every record value */
#define STORE_DB_META     "meta"
#define STORE_DB_SETTINGS "settings"
#define STORE_KEY_SCHEMA  "schema_version"

struct store_dbi {
    char name[STORE_DB_NAME_MAX + 1];
    uint32_t hash; /* of name (store.c), compared first */
    MDB_dbi dbi;
};

struct store {
    MDB_env *env;
    int lock_fd;
    char *dir;
    uint32_t schema;
    /* dbis[0, dbi_count) are committed and shared by all transactions;
     * dbis[dbi_count, dbi_count + dbi_pending) belong to the one open write
     * transaction. dbi_lock guards all three fields for writers; read
     * transactions read dbi_count atomically (acquire) without it, so it
     * is only ever raised with a release store after its entries are
     * written. */
    pthread_mutex_t dbi_lock;
    struct store_dbi dbis[STORE_MAX_DBS];
    size_t dbi_count;
    size_t dbi_pending;
    /* Monotonic ms of the last check for reader slots of dead processes
     * (store.c); read and written only inside a write transaction. */
    uint64_t readers_checked_ms;
};

struct store_txn {
    struct store *st;
    MDB_txn *txn;
    bool write;
    bool nested;           /* a child of another write transaction */
    size_t pending_before; /* nested: st->dbi_pending when it began */
};

/* Maps an LMDB return code or errno value (0 = success) to POD_*. */
int store_err_map(int rc);

/* Looks up the handle of the named database for txn. POD_ERR_NOTFOUND if
 * the database does not exist in txn's snapshot. */
int store_dbi_find(struct store_txn *txn, const char *name, MDB_dbi *out);

/* Takes the next number of the sequence kind ("people", "posts", ...),
 * starting at 1, kept in the meta database ("seq:<kind>"). Write
 * transactions only. */
int store_seq_next(struct store_txn *txn, const char *kind, uint64_t *out);

/* Big-endian u64 keys: LMDB's byte order is then numeric order. */
static inline void
store_be64_put(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

static inline uint64_t
store_be64_get(const uint8_t in[8])
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = (v << 8) | in[i];
    return v;
}

/* The handle of database name for txn; write functions pass write = true
 * and get POD_ERR_INVAL in a read-only transaction (or for a NULL txn). */
int store_db_for(struct store_txn *txn, bool write, const char *name, MDB_dbi *dbi);

/* A key from a string argument: POD_ERR_INVAL if NULL or empty,
 * POD_ERR_LIMIT if longer than max bytes. key borrows s. */
int store_str_key(const char *s, size_t max, MDB_val *key);

/* A key from a struct field of size bytes: POD_ERR_INVAL if empty or not
 * NUL-terminated within the field. key borrows s. */
int store_field_key(const char *s, size_t size, MDB_val *key);

struct store_rec_writer;

/* Encoders behind one signature, for store_rec_put. */
typedef int (*store_rec_encoder)(struct store_rec_writer *w, const void *obj);

/* Encodes obj straight into the space LMDB reserves for key (MDB_RESERVE
 * plus flags). The first pass only measures, so invalid input fails
 * before anything is written. */
int store_rec_put(struct store_txn *txn, MDB_dbi dbi, MDB_val *key, store_rec_encoder enc,
                  const void *obj, unsigned flags);

/* The record codecs of fed_outbox.c, notifications.c and conversations.c,
 * which their modules otherwise use only inside (behind store_rec_put and
 * their load functions); exposed for tests/host/fuzz/fuzz_store_records.c.
 * Decoders zero *out first, check what the load functions check (required
 * fields present) and leave the record's key fields (ids, a pod's host) 0;
 * a message's text is a view into data (*text, *text_len, "" when absent),
 * a job's payload likewise. Encoders do not finish the writer. */
struct store_outbox_job;
struct store_fed_pod;
struct store_notification;
struct store_conversation;
struct store_message;
int store_outbox_job_encode(struct store_rec_writer *w, const struct store_outbox_job *j);
int store_outbox_job_decode(const void *data, size_t len, struct store_outbox_job *out);
int store_fed_pod_encode(struct store_rec_writer *w, const struct store_fed_pod *p);
int store_fed_pod_decode(const void *data, size_t len, struct store_fed_pod *out);
int store_notif_encode(struct store_rec_writer *w, const struct store_notification *n);
int store_notif_decode(const void *data, size_t len, struct store_notification *out);
int store_conv_encode(struct store_rec_writer *w, const struct store_conversation *c);
int store_conv_decode(const void *data, size_t len, struct store_conversation *out);
int store_msg_encode(struct store_rec_writer *w, const struct store_message *m);
int store_msg_decode(const void *data, size_t len, struct store_message *out, const char **text,
                     size_t *text_len);

/* The built-in migration list (migrations.c); static storage. */
const struct store_migration *store_builtin_migrations(size_t *count);

#endif
