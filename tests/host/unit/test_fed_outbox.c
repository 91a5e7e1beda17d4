/*
 * test_fed_outbox.c - the federation outbox queue and pod health
 * (store/fed_outbox.h) on a real LMDB store: due order, retries moving a
 * job later, payloads byte for byte, deletion, refusals, pod health.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "store/fed_outbox.h"
#include "storetest.h"

static void
job_init(struct store_outbox_job *j, const char *host, int64_t due, const char *payload)
{
    memset(j, 0, sizeof *j);
    j->kind = STORE_OUTBOX_PUBLIC;
    snprintf(j->host, sizeof j->host, "%s", host);
    snprintf(j->url, sizeof j->url, "https://%s/receive/public", host);
    j->author = 1;
    j->created_at = due;
    j->due_at = due;
    j->payload = payload;
    j->payload_len = strlen(payload);
}

static void
test_due_order_and_retry(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_outbox_job a, b, c, got;
    int64_t earliest;
    uint64_t n;

    job_init(&a, "a.example", 100, "<status_message>a</status_message>");
    job_init(&b, "b.example", 50, "<comment>b</comment>");
    job_init(&c, "c.example", 200, "<like>c</like>");
    c.kind = STORE_OUTBOX_PRIVATE;
    c.recipient = 9;
    assert_int_equal(store_outbox_add(txn, &a), POD_OK);
    assert_int_equal(store_outbox_add(txn, &b), POD_OK);
    assert_int_equal(store_outbox_add(txn, &c), POD_OK);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_outbox_count(txn, &n), POD_OK);
    assert_int_equal(n, 3);
    assert_int_equal(store_outbox_earliest(txn, &earliest), POD_OK);
    assert_int_equal(earliest, 50);
    /* Nothing is due before its time. */
    assert_int_equal(store_outbox_next_due(txn, 49, &f->arena, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_outbox_next_due(txn, 150, &f->arena, &got), POD_OK);
    assert_int_equal(got.id, b.id);
    assert_string_equal(got.host, "b.example");
    assert_string_equal(got.payload, "<comment>b</comment>");
    store_txn_abort(txn);

    /* A failed send moves b after a, with the reason kept. */
    txn = wtxn(f);
    assert_int_equal(store_outbox_retry(txn, b.id, 120, "connect: timed out"), POD_OK);
    commit(txn);
    txn = rtxn(f);
    assert_int_equal(store_outbox_next_due(txn, 150, &f->arena, &got), POD_OK);
    assert_int_equal(got.id, a.id);
    store_txn_abort(txn);
    txn = wtxn(f);
    assert_int_equal(store_outbox_delete(txn, a.id), POD_OK);
    assert_int_equal(store_outbox_delete(txn, a.id), POD_ERR_NOTFOUND);
    commit(txn);
    txn = rtxn(f);
    assert_int_equal(store_outbox_next_due(txn, 150, &f->arena, &got), POD_OK);
    assert_int_equal(got.id, b.id);
    assert_int_equal(got.attempts, 1);
    assert_int_equal(got.due_at, 120);
    assert_string_equal(got.last_error, "connect: timed out");
    assert_string_equal(got.payload, "<comment>b</comment>");
    assert_int_equal(store_outbox_next_due(txn, 1000, &f->arena, &got), POD_OK);
    assert_int_equal(got.id, b.id);
    store_txn_abort(txn);
    txn = wtxn(f);
    assert_int_equal(store_outbox_delete(txn, b.id), POD_OK);
    commit(txn);
    txn = rtxn(f);
    assert_int_equal(store_outbox_next_due(txn, 1000, &f->arena, &got), POD_OK);
    assert_int_equal(got.id, c.id);
    assert_int_equal(got.kind, STORE_OUTBOX_PRIVATE);
    assert_int_equal(got.recipient, 9);
    store_txn_abort(txn);
}

/* After an uplink outage every job is due at once, attempts unchanged,
 * and the time offline is not counted in its age. */
static void
test_resume_after_outage(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_outbox_job a, b, got;
    uint64_t n;

    job_init(&a, "a.example", 1000, "<status_message>a</status_message>");
    job_init(&b, "b.example", 1100, "<comment>b</comment>");
    assert_int_equal(store_outbox_add(txn, &a), POD_OK);
    assert_int_equal(store_outbox_add(txn, &b), POD_OK);
    assert_int_equal(store_outbox_retry(txn, a.id, 90000, "connect: no route"), POD_OK);
    commit(txn);
    txn = wtxn(f);
    assert_int_equal(store_outbox_resume(txn, 5000, 3600), POD_OK);
    commit(txn);
    txn = rtxn(f);
    assert_int_equal(store_outbox_count(txn, &n), POD_OK);
    assert_int_equal(n, 2);
    assert_int_equal(store_outbox_next_due(txn, 4999, &f->arena, &got), POD_OK);
    assert_int_equal(got.id, b.id); /* already due: keeps its place */
    assert_int_equal(got.due_at, 1100);
    assert_int_equal(got.created_at, 1100 + 3600);
    store_txn_abort(txn);
    txn = wtxn(f);
    assert_int_equal(store_outbox_delete(txn, b.id), POD_OK);
    commit(txn);
    txn = rtxn(f);
    assert_int_equal(store_outbox_next_due(txn, 4999, &f->arena, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_outbox_next_due(txn, 5000, &f->arena, &got), POD_OK);
    assert_int_equal(got.id, a.id);
    assert_int_equal(got.due_at, 5000);
    assert_int_equal(got.attempts, 1);
    assert_int_equal(got.created_at, 1000 + 3600);
    assert_string_equal(got.payload, "<status_message>a</status_message>");
    store_txn_abort(txn);
    /* An empty queue resumes too. */
    txn = wtxn(f);
    assert_int_equal(store_outbox_delete(txn, a.id), POD_OK);
    assert_int_equal(store_outbox_resume(txn, 6000, 10), POD_OK);
    commit(txn);
}

static void
test_refusals(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_outbox_job j;
    static char big[STORE_OUTBOX_PAYLOAD_MAX + 2];

    job_init(&j, "a.example", 1, "");
    assert_int_equal(store_outbox_add(txn, &j), POD_ERR_INVAL); /* no payload */
    job_init(&j, "a.example", 1, "x");
    j.kind = STORE_OUTBOX_PRIVATE; /* private without a recipient */
    assert_int_equal(store_outbox_add(txn, &j), POD_ERR_INVAL);
    job_init(&j, "", 1, "x");
    assert_int_equal(store_outbox_add(txn, &j), POD_ERR_INVAL);
    memset(big, 'x', sizeof big - 1);
    job_init(&j, "a.example", 1, big);
    assert_int_equal(store_outbox_add(txn, &j), POD_ERR_LIMIT);
    assert_int_equal(store_outbox_retry(txn, 12345, 1, "x"), POD_ERR_NOTFOUND);
    store_txn_abort(txn);
}

static int
count_pods(const struct store_fed_pod *p, void *ctx)
{
    (void)p;
    (*(int *)ctx)++;
    return 0;
}

static void
test_pod_health(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_fed_pod p;
    int n = 0;

    assert_int_equal(store_fed_pod_result(txn, "b.example", false, false, 10, "refused"), POD_OK);
    assert_int_equal(store_fed_pod_result(txn, "b.example", false, true, 20, "timeout"), POD_OK);
    assert_int_equal(store_fed_pod_result(txn, "a.example", true, false, 30, NULL), POD_OK);
    commit(txn);
    txn = rtxn(f);
    assert_int_equal(store_fed_pod_get(txn, "b.example", &p), POD_OK);
    assert_int_equal(p.failures, 2);
    assert_int_equal(p.undeliverable, 1);
    assert_int_equal(p.last_failure, 20);
    assert_string_equal(p.last_error, "timeout");
    assert_int_equal(p.last_success, 0);
    assert_int_equal(store_fed_pods_each(txn, count_pods, &n), POD_OK);
    assert_int_equal(n, 2);
    assert_int_equal(store_fed_pod_get(txn, "c.example", &p), POD_ERR_NOTFOUND);
    store_txn_abort(txn);
    /* A success ends the failure run. */
    txn = wtxn(f);
    assert_int_equal(store_fed_pod_result(txn, "b.example", true, false, 40, NULL), POD_OK);
    commit(txn);
    txn = rtxn(f);
    assert_int_equal(store_fed_pod_get(txn, "b.example", &p), POD_OK);
    assert_int_equal(p.failures, 0);
    assert_int_equal(p.delivered, 1);
    assert_int_equal(p.last_success, 40);
    store_txn_abort(txn);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_due_order_and_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_after_outage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pod_health, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
