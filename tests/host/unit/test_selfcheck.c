/*
 * test_selfcheck.c - the reachability self-check's local parts
 * (net/selfcheck.h) on a real LMDB store: the time of the last inbound
 * delivery is written with the queued delivery (store_inbox_push) and
 * survives a reopen; selfcheck_run without an outbound client answers
 * SELFCHECK_NO_CLIENT and still reads the last inbound time, and
 * selfcheck_last
 * keeps the result; the NodeInfo documents are read strictly and within
 * their size limit. The network parts run in
 * tests/host/integration/test_admin_reach.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <cmocka.h>

#include "core/settings.h"
#include "net/selfcheck.h"
#include "store/fed_inbox.h"
#include "storetest.h"

static uint64_t
last_inbound_at(struct fixture *f)
{
    struct store_txn *txn = rtxn(f);
    uint64_t v = 0;
    int rc = store_setting_get_u64(txn, POD_SETTING_LAST_INBOUND_AT, &v);

    store_txn_abort(txn);
    return rc == POD_OK ? v : 0;
}

static void
test_push_records_last_inbound(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn;
    uint64_t id;

    /* Never received: not set, and the catalogue keeps it for the pod. */
    assert_int_equal(last_inbound_at(f), 0);
    assert_non_null(pod_setting_find(POD_SETTING_LAST_INBOUND_AT));
    assert_false(pod_setting_find(POD_SETTING_LAST_INBOUND_AT)->admin_writable);

    txn = wtxn(f);
    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, "<me:env/>", 9, 1700000100, &id),
                     POD_OK);
    commit(txn);
    assert_int_equal(last_inbound_at(f), 1700000100);

    /* A private delivery moves it on. */
    txn = wtxn(f);
    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PRIVATE, 7, "{}", 2, 1700000200, &id),
                     POD_OK);
    commit(txn);
    assert_int_equal(last_inbound_at(f), 1700000200);

    /* Written in the queueing transaction: an aborted push leaves no trace. */
    txn = wtxn(f);
    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, "x", 1, 1700000300, &id), POD_OK);
    store_txn_abort(txn);
    assert_int_equal(last_inbound_at(f), 1700000200);

    /* A refused delivery does not count. */
    txn = wtxn(f);
    assert_int_not_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, "", 0, 1700000400, &id),
                         POD_OK);
    store_txn_abort(txn);
    assert_int_equal(last_inbound_at(f), 1700000200);

    /* Durable across a reopen. */
    store_close(f->st);
    f->st = NULL;
    {
        char why[256];
        assert_int_equal(store_open(&f->st, f->dir, NULL, why, sizeof why), POD_OK);
    }
    assert_int_equal(last_inbound_at(f), 1700000200);
}

static void
test_run_without_network(void **state)
{
    struct fixture *f = *state;
    struct selfcheck_result r, kept;
    struct selfcheck_config cfg = {.store = f->st, .host = "pod.example"};
    struct store_txn *txn;
    uint64_t id;

    txn = wtxn(f);
    assert_int_equal(store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, "<x/>", 4, 1700000500, &id),
                     POD_OK);
    commit(txn);

    /* No outbound client: says so, still reports the local facts. */
    selfcheck_run(&cfg, &r);
    assert_int_equal(r.outcome, SELFCHECK_NO_CLIENT);
    assert_true(r.detail[0] != '\0');
    assert_int_equal(r.last_inbound, 1700000500);
    assert_true(r.checked_at > 0);
    selfcheck_last(&kept);
    assert_int_equal(kept.outcome, SELFCHECK_NO_CLIENT);
    assert_int_equal(kept.checked_at, r.checked_at);
    assert_string_equal(kept.detail, r.detail);
}

static void
test_nodeinfo_documents(void **state)
{
    static const char links[] =
        "{\"links\":[{\"rel\":\"http://nodeinfo.diaspora.software/ns/schema/2.1\","
        "\"href\":\"https://pod.example/nodeinfo/2.1\"},"
        "{\"rel\":\"http://nodeinfo.diaspora.software/ns/schema/2.0\","
        "\"href\":\"https://pod.example/nodeinfo/2.0\"},"
        "{\"rel\":\"http://nodeinfo.diaspora.software/ns/schema/1.0\",\"href\":\"x\"}]}";
    static const char only_empty[] =
        "{\"links\":[{\"rel\":\"http://nodeinfo.diaspora.software/ns/schema/2.0\","
        "\"href\":\"\"}]}";
    static const char ni[] = "{\"version\":\"2.1\",\"software\":{\"name\":\"plugpod\"}}";
    static const char other[] = "{\"software\":{\"name\":\"diaspora\"}}";
    char out[64], tiny[8], *big;

    (void)state;
    /* The highest 2.x link wins, whatever the order. */
    assert_int_equal(selfcheck_nodeinfo_link(links, strlen(links), out, sizeof out), POD_OK);
    assert_string_equal(out, "https://pod.example/nodeinfo/2.1");
    assert_int_equal(selfcheck_nodeinfo_link(links, strlen(links), tiny, sizeof tiny),
                     POD_ERR_LIMIT);
    assert_int_equal(selfcheck_nodeinfo_link(only_empty, strlen(only_empty), out, sizeof out),
                     POD_ERR_PARSE);
    assert_int_equal(selfcheck_nodeinfo_link("[1]", 3, out, sizeof out), POD_ERR_PARSE);
    assert_int_equal(selfcheck_nodeinfo_link("{\"links\":", 9, out, sizeof out), POD_ERR_PARSE);
    assert_true(selfcheck_nodeinfo_is_plugpod(ni, strlen(ni)));
    assert_false(selfcheck_nodeinfo_is_plugpod(other, strlen(other)));
    assert_false(selfcheck_nodeinfo_is_plugpod(links, strlen(links)));
    /* Over the size limit: refused unread. */
    big = malloc(SELFCHECK_DOC_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', SELFCHECK_DOC_MAX + 1);
    memcpy(big, links, strlen(links));
    big[SELFCHECK_DOC_MAX + 1] = '\0';
    assert_int_equal(selfcheck_nodeinfo_link(big, SELFCHECK_DOC_MAX + 1, out, sizeof out),
                     POD_ERR_LIMIT);
    assert_int_equal(selfcheck_nodeinfo_link(big, SELFCHECK_DOC_MAX, out, sizeof out), POD_OK);
    free(big);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_push_records_last_inbound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_without_network, setup, teardown),
        cmocka_unit_test(test_nodeinfo_documents),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
