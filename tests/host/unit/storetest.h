/*
 * storetest.h - the fixture of unit tests that need a real store: a fresh
 * mkdtemp directory with an open LMDB environment (the pod's own
 * migrations applied), removed again after each test. Header-only: include
 * after <cmocka.h>; use setup/teardown with cmocka_unit_test_setup_teardown.
 */
#ifndef POD_TESTS_STORETEST_H
#define POD_TESTS_STORETEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/error.h"
#include "store/store.h"
#include "testutil.h"

struct fixture {
    char root[64]; /* the mkdtemp directory */
    char dir[128]; /* root/data: the data directory */
    struct store *st;
    struct pod_arena arena; /* for reads that copy text; starts in buf */
    unsigned char buf[4096];
};

static inline int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char why[256];
    int rc;

    if (!f)
        return -1;
    strcpy(f->root, "/tmp/plugpod-unit.XXXXXX");
    if (!mkdtemp(f->root)) {
        free(f);
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "%s/data", f->root);
    /* NULL options: the pod's own migrations create the databases. */
    rc = store_open(&f->st, f->dir, NULL, why, sizeof(why));
    if (rc != POD_OK) {
        print_error("store_open: %s: %s\n", pod_strerror(rc), why);
        test_rm_tree(f->root);
        free(f);
        return -1;
    }
    pod_arena_init(&f->arena, f->buf, sizeof(f->buf), 1 << 20);
    *state = f;
    return 0;
}

static inline int
teardown(void **state)
{
    struct fixture *f = *state;
    int rc;

    pod_arena_free(&f->arena);
    if (f->st)
        store_close(f->st);
    rc = test_rm_tree(f->root);
    free(f);
    return rc;
}

static inline struct store_txn *
txn_begin(struct fixture *f, bool write)
{
    struct store_txn *txn = NULL;

    assert_int_equal(store_txn_begin(f->st, write, &txn), POD_OK);
    return txn;
}

static inline struct store_txn *
wtxn(struct fixture *f)
{
    return txn_begin(f, true);
}

static inline struct store_txn *
rtxn(struct fixture *f)
{
    return txn_begin(f, false);
}

static inline void
commit(struct store_txn *txn)
{
    assert_int_equal(store_txn_commit(txn), POD_OK);
}

#endif
