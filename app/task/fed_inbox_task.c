#include "task/fed_inbox_task.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/log.h"
#include "drivers/clock/clock.h"
#include "drivers/net/net.h"
#include "federation/inbound.h"
#include "store/fed_inbox.h"
#include "store/store.h"
#include "task/runner.h"

#define BACKOFF_SLOTS 64
#define WHY_LEN       256
#define BATCH_BYTES   (256u * 1024) /* bodies read into one batch (one item may be larger) */

struct backoff {
    uint64_t id;     /* 0 = free */
    uint64_t due_ms; /* drv_clock_monotonic_ms() */
};

struct task_fed_inbox {
    struct store *store;
    struct fed_discovery *discovery;
    struct task_runner *runner;
    struct backoff backoff[BACKOFF_SLOTS]; /* the thread's own */
};

static int64_t
wall_now(void)
{
    return drv_clock_wall();
}

static struct backoff *
backoff_find(struct task_fed_inbox *t, uint64_t id)
{
    for (size_t i = 0; i < BACKOFF_SLOTS; i++)
        if (t->backoff[i].id == id)
            return &t->backoff[i];
    return NULL;
}

static void
backoff_forget(struct task_fed_inbox *t, uint64_t id)
{
    struct backoff *b = backoff_find(t, id);

    if (b)
        b->id = 0;
}

static void
backoff_set(struct task_fed_inbox *t, uint64_t id, uint32_t attempts)
{
    struct backoff *b = backoff_find(t, id);
    uint64_t delay = TASK_FED_INBOX_BACKOFF_S;

    for (uint32_t i = 1; i < attempts && delay < TASK_FED_INBOX_BACKOFF_MAX_S; i++)
        delay *= 2;
    if (delay > TASK_FED_INBOX_BACKOFF_MAX_S)
        delay = TASK_FED_INBOX_BACKOFF_MAX_S;
    if (!b)
        b = backoff_find(t, 0);
    if (!b) { /* full: replace the one due first */
        b = &t->backoff[0];
        for (size_t i = 1; i < BACKOFF_SLOTS; i++)
            if (t->backoff[i].due_ms < b->due_ms)
                b = &t->backoff[i];
    }
    b->id = id;
    b->due_ms = drv_clock_monotonic_ms() + delay * 1000;
}

/* One write: delete (drop) or count an attempt of item id. */
static int
queue_write(struct store *st, uint64_t id, bool drop)
{
    struct store_txn *txn = NULL;
    int rc = store_txn_begin(st, true, &txn);

    if (rc != POD_OK)
        return rc;
    rc = drop ? store_inbox_delete(txn, id) : store_inbox_attempted(txn, id);
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
    }
    store_txn_abort(txn);
    return rc;
}

/* Reads the oldest item after after into it (body in a). */
static int
read_next(struct store *st, uint64_t after, struct pod_arena *a, struct store_inbox_item *it)
{
    struct store_txn *txn = NULL;
    int rc = store_txn_begin(st, false, &txn);

    if (rc != POD_OK)
        return rc;
    rc = store_inbox_oldest(txn, after, a, it);
    store_txn_abort(txn);
    return rc;
}

/* The queue policy for item it, processed with outcome o (why: the
 * reason or summary). */
static void
handle(struct task_fed_inbox *t, const struct store_inbox_item *it, enum fed_inbound_outcome o,
       const char *why)
{
    unsigned long long id = (unsigned long long)it->id;
    int rc;

    switch (o) {
    case FED_INBOUND_DONE:
        backoff_forget(t, it->id);
        LOG_INFO("federation", "delivery #%llu applied: %s", id, why);
        return;
    case FED_INBOUND_DROP:
        backoff_forget(t, it->id);
        rc = queue_write(t->store, it->id, true);
        LOG_WARN("federation", "delivery #%llu dropped: %s", id, why);
        break;
    case FED_INBOUND_RETRY:
    default:
        if (!drv_net_uplink_up() || !drv_clock_wall_trusted()) {
            /* Our own link is down (or the clock not set, so TLS cannot
             * check certificates): not the delivery's fault, not counted. */
            backoff_set(t, it->id, 1);
            LOG_INFO("federation", "delivery #%llu waits for the uplink: %s", id, why);
            return;
        }
        if (it->attempts + 1 >= TASK_FED_INBOX_ATTEMPTS &&
            wall_now() - it->received_at >= TASK_FED_INBOX_KEEP_S) {
            backoff_forget(t, it->id);
            rc = queue_write(t->store, it->id, true);
            LOG_WARN("federation", "delivery #%llu dropped after %u attempts: %s", id,
                     (unsigned)it->attempts + 1, why);
        } else {
            rc = queue_write(t->store, it->id, false);
            backoff_set(t, it->id, it->attempts + 1);
            LOG_INFO("federation", "delivery #%llu will be retried (attempt %u): %s", id,
                     (unsigned)it->attempts + 1, why);
        }
        break;
    }
    if (rc != POD_OK && rc != POD_ERR_NOTFOUND)
        LOG_ERR("federation", "cannot update inbox item #%llu: %s", id, pod_strerror(rc));
}

/* One walk over the queue: every due item once, in batches of up to
 * FED_INBOUND_BATCH_MAX items (BATCH_BYTES of bodies) that are applied in
 * one durable commit (fed_inbound_process_batch). */
static void
drain(struct task_fed_inbox *t)
{
    struct fed_inbound_ctx ctx = {t->store, t->discovery, wall_now};
    struct pod_arena a[FED_INBOUND_BATCH_MAX];
    struct store_inbox_item it[FED_INBOUND_BATCH_MAX];
    enum fed_inbound_outcome o[FED_INBOUND_BATCH_MAX];
    char *whys = malloc(FED_INBOUND_BATCH_MAX * WHY_LEN);
    uint64_t after = 0;
    bool end = false;

    if (!whys) {
        LOG_ERR("federation", "cannot process the inbox: out of memory");
        return;
    }
    while (!end && !task_runner_stopping(t->runner)) {
        size_t n = 0, bytes = 0;

        while (n < FED_INBOUND_BATCH_MAX && bytes < BATCH_BYTES) {
            struct backoff *b;
            int rc;

            pod_arena_init(&a[n], NULL, 0, STORE_INBOX_BODY_MAX + 65536);
            rc = read_next(t->store, after, &a[n], &it[n]);
            if (rc != POD_OK) {
                if (rc != POD_ERR_NOTFOUND)
                    LOG_ERR("federation", "cannot read the inbox: %s", pod_strerror(rc));
                pod_arena_free(&a[n]);
                end = true;
                break;
            }
            after = it[n].id;
            b = backoff_find(t, it[n].id);
            if (b && b->due_ms > drv_clock_monotonic_ms()) {
                pod_arena_free(&a[n]);
                continue;
            }
            bytes += it[n].len;
            n++;
        }
        if (n > 0)
            fed_inbound_process_batch(&ctx, it, n, o, whys, WHY_LEN);
        for (size_t i = 0; i < n; i++) {
            handle(t, &it[i], o[i], whys + i * WHY_LEN);
            pod_arena_free(&a[i]);
        }
    }
    free(whys);
}

/* One walk over the queue, then a pause of TASK_FED_INBOX_POLL_S. */
static uint64_t
inbox_step(struct task_runner *r, void *ctx)
{
    (void)r;
    drain(ctx);
    return TASK_FED_INBOX_POLL_S * 1000u;
}

int
task_fed_inbox_start(struct task_fed_inbox **out, struct store *st, struct fed_discovery *discovery)
{
    struct task_fed_inbox *t = calloc(1, sizeof *t);
    int rc;

    if (!t)
        return POD_ERR_NOMEM;
    t->store = st;
    t->discovery = discovery;
    rc = task_runner_start(&t->runner, "federation inbox", 512 * 1024, inbox_step, t);
    if (rc != POD_OK) {
        free(t);
        return rc;
    }
    *out = t;
    return POD_OK;
}

void
task_fed_inbox_wake(struct task_fed_inbox *t)
{
    if (t)
        task_runner_wake(t->runner);
}

void
task_fed_inbox_stop(struct task_fed_inbox *t)
{
    /* A delivery being processed holds store transactions outside
     * enter/leave: wait for it, however long its discovery takes. */
    if (t)
        task_runner_stop(t->runner, 0, free);
}
