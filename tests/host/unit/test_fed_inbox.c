/*
 * test_fed_inbox.c - the federation inbox queue (store/fed_inbox.h) on a
 * real LMDB store: order, bodies byte for byte, attempts, deletion, limits
 * and durability across a reopen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "store/fed_inbox.h"
#include "storetest.h"

static void
test_push_oldest_delete(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_inbox_item it;
    uint64_t a, b, c, n;
    static const uint8_t bin[] = {'<', 0, 0xff, '>'};

    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, "<me:env/>", 9, 100, &a), POD_OK);
    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PRIVATE, 42, bin, sizeof bin, 101, &b),
                     POD_OK);
    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, "x", 1, 102, &c), POD_OK);
    commit(txn);
    assert_true(a < b && b < c);

    txn = rtxn(f);
    assert_int_equal(store_inbox_count(txn, &n), POD_OK);
    assert_int_equal(n, 3);
    assert_int_equal(store_inbox_oldest(txn, 0, &f->arena, &it), POD_OK);
    assert_int_equal(it.id, a);
    assert_int_equal(it.kind, STORE_INBOX_PUBLIC);
    assert_int_equal(it.received_at, 100);
    assert_int_equal(it.len, 9);
    assert_memory_equal(it.body, "<me:env/>", 9);
    assert_int_equal(store_inbox_oldest(txn, a, &f->arena, &it), POD_OK);
    assert_int_equal(it.id, b);
    assert_int_equal(it.kind, STORE_INBOX_PRIVATE);
    assert_int_equal(it.recipient, 42);
    assert_int_equal(it.len, sizeof bin);
    assert_memory_equal(it.body, bin, sizeof bin);
    assert_int_equal(store_inbox_oldest(txn, c, &f->arena, &it), POD_ERR_NOTFOUND);
    store_txn_abort(txn);

    /* A failed attempt is counted and the item stays; deleting removes it. */
    txn = wtxn(f);
    assert_int_equal(store_inbox_attempted(txn, b), POD_OK);
    assert_int_equal(store_inbox_attempted(txn, b), POD_OK);
    assert_int_equal(store_inbox_delete(txn, a), POD_OK);
    assert_int_equal(store_inbox_delete(txn, a), POD_ERR_NOTFOUND);
    commit(txn);
    txn = rtxn(f);
    assert_int_equal(store_inbox_oldest(txn, 0, &f->arena, &it), POD_OK);
    assert_int_equal(it.id, b);
    assert_int_equal(it.attempts, 2);
    assert_memory_equal(it.body, bin, sizeof bin);
    assert_int_equal(store_inbox_count(txn, &n), POD_OK);
    assert_int_equal(n, 2);
    store_txn_abort(txn);
}

static void
test_refusals(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    uint64_t id;
    static char big[STORE_INBOX_BODY_MAX + 1];

    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, "", 0, 1, &id), POD_ERR_INVAL);
    assert_int_equal(store_inbox_push(txn, 7, 0, "x", 1, 1, &id), POD_ERR_INVAL);
    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, big, sizeof big, 1, &id),
                     POD_ERR_LIMIT);
    store_txn_abort(txn);
    /* Read transactions cannot write. */
    txn = rtxn(f);
    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, "x", 1, 1, &id), POD_ERR_INVAL);
    store_txn_abort(txn);
}

static void
test_survives_reopen(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_inbox_item it;
    uint64_t id, id2;
    char why[200];

    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, "kept", 4, 5, &id), POD_OK);
    commit(txn);
    store_close(f->st);
    assert_int_equal(store_open(&f->st, f->dir, NULL, why, sizeof why), POD_OK);
    txn = rtxn(f);
    assert_int_equal(store_inbox_oldest(txn, 0, &f->arena, &it), POD_OK);
    assert_int_equal(it.id, id);
    assert_memory_equal(it.body, "kept", 4);
    store_txn_abort(txn);
    /* Ids keep growing after a reopen: never reused. */
    txn = wtxn(f);
    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, "next", 4, 6, &id2), POD_OK);
    commit(txn);
    assert_true(id2 > id);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_push_oldest_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_survives_reopen, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
