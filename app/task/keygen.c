#include "task/keygen.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "crypto/rsa.h"
#include "drivers/clock/clock.h"
#include "store/accounts.h"
#include "store/store.h"
#include "task/runner.h"

#define SCAN_BATCH 8

struct task_keygen {
    struct store *store;
    unsigned bits;
    struct task_runner *runner;
};

struct scan {
    struct store_txn *txn;
    char names[SCAN_BATCH][STORE_USERNAME_MAX + 1];
    size_t count;
};

static int
collect_keyless(const struct store_user *u, void *ctx)
{
    struct scan *s = ctx;
    char pem[8];
    int rc = store_user_public_key_get(s->txn, u->username, pem, sizeof pem);

    if (rc == POD_ERR_NOTFOUND) {
        memcpy(s->names[s->count], u->username, sizeof s->names[0]);
        s->count++;
    }
    return s->count == SCAN_BATCH ? 1 : 0;
}

/* Lists up to SCAN_BATCH users without keys (inside task_runner_enter). */
static int
find_keyless(struct task_keygen *t, struct scan *s)
{
    int rc;

    s->count = 0;
    rc = store_txn_begin(t->store, false, &s->txn);
    if (rc != POD_OK)
        return rc;
    rc = store_user_each(s->txn, collect_keyless, s);
    store_txn_abort(s->txn);
    return rc < 0 ? rc : POD_OK;
}

static void
generate_for(struct task_keygen *t, const char *username)
{
    static char priv[STORE_PEM_MAX], pub[STORE_PEM_MAX];
    struct store_txn *txn = NULL;
    uint64_t t0 = drv_clock_monotonic_ms();
    int rc;

    /* Only this thread uses the static buffers: big PEMs stay off the stack. */
    rc = crypto_rsa_generate(t->bits, priv, sizeof priv, pub, sizeof pub);
    if (rc != POD_OK) {
        LOG_ERR("keygen", "key generation for %s failed: %s", username, pod_strerror(rc));
        return;
    }
    if (task_runner_enter(t->runner)) {
        rc = store_txn_begin(t->store, true, &txn);
        if (rc == POD_OK)
            rc = store_user_keys_put(txn, username, priv, pub);
        if (rc == POD_OK) {
            rc = store_txn_commit(txn);
            txn = NULL;
        }
        store_txn_abort(txn);
        if (rc == POD_OK)
            LOG_INFO("keygen", "%u-bit key for %s ready in %llu ms", t->bits, username,
                     (unsigned long long)(drv_clock_monotonic_ms() - t0));
        else if (rc != POD_ERR_NOTFOUND) /* the account was deleted meanwhile */
            LOG_ERR("keygen", "cannot store the key of %s: %s", username, pod_strerror(rc));
        task_runner_leave(t->runner);
    }
    memset(priv, 0, sizeof priv);
}

/* One scan: keys for up to SCAN_BATCH keyless users; again at once when
 * more may wait. */
static uint64_t
keygen_step(struct task_runner *r, void *ctx)
{
    struct task_keygen *t = ctx;
    struct scan s;
    int rc;

    if (!task_runner_enter(r))
        return TASK_RUNNER_IDLE;
    rc = find_keyless(t, &s);
    task_runner_leave(r);
    if (rc != POD_OK) {
        LOG_ERR("keygen", "cannot list users");
        return TASK_RUNNER_IDLE;
    }
    for (size_t i = 0; i < s.count && !task_runner_stopping(r); i++)
        generate_for(t, s.names[i]);
    return s.count == SCAN_BATCH ? TASK_RUNNER_AGAIN : TASK_RUNNER_IDLE;
}

int
task_keygen_start(struct task_keygen **out, struct store *st, unsigned bits)
{
    struct task_keygen *t = calloc(1, sizeof *t);
    int rc;

    if (!t)
        return POD_ERR_NOMEM;
    t->store = st;
    t->bits = bits;
    rc = task_runner_start(&t->runner, "keygen", 256 * 1024, keygen_step, t);
    if (rc != POD_OK) {
        free(t);
        return rc;
    }
    *out = t;
    return POD_OK;
}

void
task_keygen_wake(struct task_keygen *t)
{
    if (t)
        task_runner_wake(t->runner);
}

void
task_keygen_stop(struct task_keygen *t)
{
    /* Mid-generation the thread ends on its own without the store; the
     * key is made again at the next start. */
    if (t)
        task_runner_stop(t->runner, 2000, free);
}
