/*
 * migrations.c - the pod's schema history, oldest first.
 *
 * To add a migration: write a function that moves the data from the last
 * version to the next one using only the transaction it is given (create
 * databases with store_db_create, rewrite records), never committing or
 * aborting it, and append { next version, "short name", function } to the
 * list. Versions are 1..N without gaps; store_open checks this, runs each
 * pending migration in its own write transaction and records the version
 * in the same transaction. Never edit or remove a migration that has been
 * released: data directories in the field have already run it.
 */
#include "store/store.h"

#include "core/error.h"
#include "store/store_internal.h"

/* 1: the databases every later module relies on. */
static int
m1_core_databases(struct store_txn *txn)
{
    int rc;

    rc = store_db_create(txn, STORE_DB_META);
    if (rc == POD_OK)
        rc = store_db_create(txn, STORE_DB_SETTINGS);
    return rc;
}

/* 2: the databases of store/accounts.c. */
static int
m2_accounts_databases(struct store_txn *txn)
{
    static const char *const names[] = {
        "users", "users_by_guid", "user_keys", "profiles", "sessions", "invites", "throttle",
    };
    int rc = POD_OK;

    for (size_t i = 0; rc == POD_OK && i < sizeof(names) / sizeof(names[0]); i++)
        rc = store_db_create(txn, names[i]);
    return rc;
}

static const struct store_migration builtin[] = {
    {1, "meta and settings databases", m1_core_databases},
    {2, "accounts databases", m2_accounts_databases},
};

const struct store_migration *
store_builtin_migrations(size_t *count)
{
    *count = sizeof(builtin) / sizeof(builtin[0]);
    return builtin;
}
