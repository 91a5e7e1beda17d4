#include "task/keygen.h"

#include <errno.h>
#include <pthread.h>
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

#define SCAN_BATCH 8

struct task_keygen {
    struct store *store;
    unsigned bits;
    pthread_t thread;
    pthread_mutex_t lock; /* guards stop and wake, and every store access */
    pthread_cond_t cond;
    bool stop;
    bool wake;
    bool finished; /* the thread has left its loop */
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

/* Lists up to SCAN_BATCH users without keys; lock held by the caller. */
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
    pthread_mutex_lock(&t->lock);
    if (!t->stop) {
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
    }
    pthread_mutex_unlock(&t->lock);
    memset(priv, 0, sizeof priv);
}

static void *
keygen_main(void *arg)
{
    struct task_keygen *t = arg;
    struct scan s;

    pthread_mutex_lock(&t->lock);
    t->wake = true;
    while (!t->stop) {
        if (!t->wake) {
            pthread_cond_wait(&t->cond, &t->lock);
            continue;
        }
        t->wake = false;
        if (find_keyless(t, &s) != POD_OK) {
            LOG_ERR("keygen", "cannot list users");
            continue;
        }
        if (s.count == SCAN_BATCH)
            t->wake = true; /* more may wait */
        pthread_mutex_unlock(&t->lock);
        for (size_t i = 0; i < s.count; i++)
            generate_for(t, s.names[i]);
        pthread_mutex_lock(&t->lock);
    }
    t->finished = true;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

int
task_keygen_start(struct task_keygen **out, struct store *st, unsigned bits)
{
    struct task_keygen *t = calloc(1, sizeof *t);
    pthread_attr_t attr;
    int rc;

    if (!t)
        return POD_ERR_NOMEM;
    t->store = st;
    t->bits = bits;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    rc = pthread_create(&t->thread, &attr, keygen_main, t);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        free(t);
        return POD_ERR_NOMEM;
    }
    *out = t;
    return POD_OK;
}

void
task_keygen_wake(struct task_keygen *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->wake = true;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

void
task_keygen_stop(struct task_keygen *t)
{
    struct timespec deadline;
    bool finished;

    if (!t)
        return;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 2;
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_broadcast(&t->cond);
    while (!t->finished)
        if (pthread_cond_timedwait(&t->cond, &t->lock, &deadline) == ETIMEDOUT)
            break;
    finished = t->finished;
    pthread_mutex_unlock(&t->lock);
    if (finished) {
        pthread_join(t->thread, NULL);
        pthread_mutex_destroy(&t->lock);
        pthread_cond_destroy(&t->cond);
        free(t);
    } else {
        /* Mid-generation: it will see stop and leave without the store. */
        LOG_INFO("keygen", "stopping while a key is being generated; it is made again at start");
        pthread_detach(t->thread);
    }
}
