/*
 * store.h - the only door to LMDB.
 *
 * One LMDB environment per data directory, named databases per kind of
 * record, a schema version with forward migrations run at open, and typed
 * accessors. Callers never see LMDB types or codes: errors are POD_ERR_*.
 *
 * Ownership: struct store is opened and closed by the composition root
 * (main.c) and shared by all threads. A struct store_txn belongs to the
 * thread that began it and must end with commit or abort on that thread.
 * Bytes read through a transaction are borrowed until it ends.
 */
#ifndef POD_STORE_STORE_H
#define POD_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_txn;

/* One forward migration: apply() moves the data from version - 1 to
 * version inside the write transaction it is given. */
struct store_migration {
    uint32_t version;
    const char *name;
    int (*apply)(struct store_txn *txn);
};

struct store_options {
    size_t map_size;      /* bytes; 0 = CONFIG_POD_LMDB_MAP_MB. A full map
                           * makes writes fail with POD_ERR_FULL (logged). */
    unsigned max_readers; /* 0 = CONFIG_POD_LMDB_MAX_READERS */
    /* Migrations in ascending version order starting at 1; NULL = the
     * pod's own list (store/migrations.c). Tests pass their own. */
    const struct store_migration *migrations;
    size_t migration_count;
};

/* The schema version this build writes (the last built-in migration). */
uint32_t store_schema_latest(void);

/* Opens (creating if needed) the data directory dir and its environment,
 * takes an exclusive lock on it (a second opener, in this or another
 * process, gets POD_ERR_BUSY), clears the reader slots left by dead
 * processes (logged), and runs pending migrations in one write
 * transaction each. A directory written by a newer schema gives
 * POD_ERR_VERSION and is left untouched. On failure why gets a one-line
 * reason for the operator. opt may be NULL. */
int store_open(struct store **out, const char *dir, const struct store_options *opt, char *why,
               size_t why_len);

/* Closes the environment and releases the lock. No transaction may be open. */
void store_close(struct store *st);

/* The schema version recorded in the data directory. */
uint32_t store_schema_version(const struct store *st);

/* The data directory path (borrowed, valid while st is open). */
const char *store_dir(const struct store *st);

/* Begins a read-only (write = false) or read-write transaction. Only one
 * write transaction runs at a time; a second writer waits. A write at most
 * once a minute also clears reader slots of dead processes (logged). */
int store_txn_begin(struct store *st, bool write, struct store_txn **out);

/* Begins a write transaction nested in parent (a write transaction of
 * this thread): its writes become the parent's on commit and vanish on
 * abort, so one item of a batch can fail without undoing the others. The
 * parent must not be used until the child has ended; ending the parent
 * first is not allowed. Nothing is durable before the parent commits. */
int store_txn_begin_nested(struct store_txn *parent, struct store_txn **out);

/* Commits and frees txn (also for read-only ones). On error the
 * transaction is aborted and freed all the same. */
int store_txn_commit(struct store_txn *txn);

/* Aborts and frees txn. NULL is allowed. */
void store_txn_abort(struct store_txn *txn);

/* Pod settings: small typed values by name (at most 64 bytes of name).
 * get returns POD_ERR_NOTFOUND for a name never set. */
int store_setting_get_str(struct store_txn *txn, const char *name, char *buf, size_t cap);
int store_setting_set_str(struct store_txn *txn, const char *name, const char *value);
int store_setting_get_u64(struct store_txn *txn, const char *name, uint64_t *out);
int store_setting_set_u64(struct store_txn *txn, const char *name, uint64_t value);
int store_setting_delete(struct store_txn *txn, const char *name);

/* Creates the named database name (at most 32 bytes) if missing; for
 * migrations. */
int store_db_create(struct store_txn *txn, const char *name);

#endif
