#include "web/throttle.h"

#include <stdio.h>

#include "autoconf.h"
#include "core/error.h"
#include "core/log.h"

/* Failures older than this are forgiven: counting starts again. */
#define FORGIVE_AFTER_S ((int64_t)CONFIG_POD_SIGNIN_MAX_DELAY_S * 4)

int64_t
web_throttle_delay(uint32_t failures)
{
    uint32_t over;
    int64_t d;

    if (failures <= CONFIG_POD_SIGNIN_FREE_FAILURES)
        return 0;
    over = failures - CONFIG_POD_SIGNIN_FREE_FAILURES;
    d = over >= 31 ? INT64_MAX : ((int64_t)1 << over);
    return d > CONFIG_POD_SIGNIN_MAX_DELAY_S ? CONFIG_POD_SIGNIN_MAX_DELAY_S : d;
}

static void
key_for(char *out, size_t cap, const char *kind, const char *who)
{
    snprintf(out, cap, "%s:%s", kind, who);
}

static int64_t
wait_for(struct store_txn *txn, const char *key, int64_t now)
{
    struct store_throttle t;

    if (store_throttle_get(txn, key, &t) != POD_OK)
        return 0;
    if (now - t.last_failure_at > FORGIVE_AFTER_S)
        return 0;
    return t.locked_until > now ? t.locked_until - now : 0;
}

int64_t
web_throttle_wait(struct store *st, const char *username, const char *addr, int64_t now)
{
    struct store_txn *txn = NULL;
    char key[STORE_USERNAME_MAX + 64];
    int64_t w = 0, w2;

    if (store_txn_begin(st, false, &txn) != POD_OK)
        return 0;
    if (username) {
        key_for(key, sizeof key, "user", username);
        w = wait_for(txn, key, now);
    }
    key_for(key, sizeof key, "addr", addr);
    w2 = wait_for(txn, key, now);
    store_txn_abort(txn);
    return w > w2 ? w : w2;
}

static int
bump(struct store_txn *txn, const char *key, int64_t now)
{
    struct store_throttle t = {0};
    int rc = store_throttle_get(txn, key, &t);

    if (rc != POD_OK && rc != POD_ERR_NOTFOUND)
        return rc;
    if (rc == POD_ERR_NOTFOUND || now - t.last_failure_at > FORGIVE_AFTER_S)
        t = (struct store_throttle){0};
    t.failures++;
    t.last_failure_at = now;
    /* Times are whole seconds: without the extra second a lock set late in
     * one second would be a second short. */
    t.locked_until =
        web_throttle_delay(t.failures) ? now + web_throttle_delay(t.failures) + 1 : now;
    return store_throttle_put(txn, key, &t);
}

void
web_throttle_fail(struct store *st, const char *username, const char *addr, int64_t now)
{
    struct store_txn *txn = NULL;
    char key[STORE_USERNAME_MAX + 64];
    int rc;

    if (store_txn_begin(st, true, &txn) != POD_OK)
        return;
    rc = POD_OK;
    if (username) {
        key_for(key, sizeof key, "user", username);
        rc = bump(txn, key, now);
    }
    key_for(key, sizeof key, "addr", addr);
    if (rc == POD_OK)
        rc = bump(txn, key, now);
    if (rc == POD_OK)
        rc = store_txn_commit(txn);
    else
        store_txn_abort(txn);
    if (rc != POD_OK)
        LOG_WARN("web", "cannot record a failed sign-in: %s", pod_strerror(rc));
}

void
web_throttle_clear(struct store *st, const char *username, const char *addr)
{
    struct store_txn *txn = NULL;
    char key[STORE_USERNAME_MAX + 64];

    if (store_txn_begin(st, true, &txn) != POD_OK)
        return;
    key_for(key, sizeof key, "user", username);
    store_throttle_delete(txn, key);
    key_for(key, sizeof key, "addr", addr);
    store_throttle_delete(txn, key);
    store_txn_commit(txn);
}
