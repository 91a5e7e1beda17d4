#include "task/acme_task.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "core/settings.h"
#include "crypto/tls_cert.h"
#include "drivers/clock/clock.h"
#include "store/store.h"
#include "task/runner.h"
#include "web/tls.h"

#define RETRY_FIRST_S 60              /* first retry after a failure, doubling */
#define RETRY_MAX_S   (24 * 3600)     /* up to a day */
#define CHECK_MAX_MS  (3600u * 1000u) /* a valid certificate is looked at hourly */
#define WAIT_CLOCK_MS 5000u

struct task_acme {
    struct task_runner *runner;
    struct store *store;
    struct http_client *http;
    char *data_dir, *host;
    bool admin_cert;
    atomic_bool renew_now;
    char served[PATH_MAX]; /* the PEM the listener serves (the thread's) */
    char acme_pem[PATH_MAX], account_key[PATH_MAX];
    bool settled;          /* the first round only reports: the listener is starting */
    int64_t retry_at;      /* after a failure: no attempt before (wall s) */
    char failed_with[520]; /* directory and contact of the failed attempt */
    pthread_mutex_t lock;  /* guards status */
    struct task_acme_status status;
};

/* ---- certificates */

/* host without a ":port" into out. */
static void
bare_host(const char *host, char *out, size_t cap)
{
    snprintf(out, cap, "%s", host ? host : "");
    if (out[0] != '[')
        out[strcspn(out, ":")] = '\0';
}

bool
task_acme_pem_usable(const char *pem_path, const char *host)
{
    struct crypto_cert_facts ci;
    char h[256];

    bare_host(host, h, sizeof h);
    if (access(pem_path, R_OK) != 0 || crypto_tls_pem_facts(pem_path, h, &ci) != POD_OK)
        return false;
    return ci.names_host && ci.not_after > drv_clock_wall();
}

static void
iso_time(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!gmtime_r(&tt, &tm) || !strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(out, cap, "%lld", (long long)t);
}

/* ---- settings */

struct acme_settings {
    bool enabled;
    char email[256];
    char directory[256]; /* resolved to a URL */
};

/* Reads the settings (inside enter/leave). */
static void
settings_read(struct task_acme *t, struct acme_settings *s)
{
    struct store_txn *txn = NULL;
    uint64_t on = 0;
    char dir[256] = "";

    memset(s, 0, sizeof *s);
    if (store_txn_begin(t->store, false, &txn) != POD_OK)
        return;
    if (store_setting_get_u64(txn, POD_SETTING_ACME_ENABLED, &on) == POD_OK)
        s->enabled = on != 0;
    if (store_setting_get_str(txn, POD_SETTING_ACME_EMAIL, s->email, sizeof s->email) != POD_OK)
        s->email[0] = '\0';
    if (store_setting_get_str(txn, POD_SETTING_ACME_DIRECTORY, dir, sizeof dir) != POD_OK)
        dir[0] = '\0';
    store_txn_abort(txn);
    if (!dir[0] || !strcmp(dir, "letsencrypt"))
        snprintf(s->directory, sizeof s->directory, "%s", ACME_DIRECTORY_LETSENCRYPT);
    else if (!strcmp(dir, "letsencrypt-staging"))
        snprintf(s->directory, sizeof s->directory, "%s", ACME_DIRECTORY_LETSENCRYPT_STAGING);
    else
        snprintf(s->directory, sizeof s->directory, "%s", dir);
}

/* ---- the task */

static void
set_state(struct task_acme *t, enum task_acme_state st, const char *directory)
{
    pthread_mutex_lock(&t->lock);
    t->status.state = st;
    if (directory)
        snprintf(t->status.directory_url, sizeof t->status.directory_url, "%s", directory);
    pthread_mutex_unlock(&t->lock);
}

/* Puts what the listener serves into the status. */
static void
describe_served(struct task_acme *t)
{
    struct crypto_cert_facts ci;

    if (crypto_tls_pem_facts(t->served, t->host, &ci) != POD_OK)
        memset(&ci, 0, sizeof ci);
    pthread_mutex_lock(&t->lock);
    t->status.cert_not_before = ci.not_before;
    t->status.cert_not_after = ci.not_after;
    snprintf(t->status.cert_issuer, sizeof t->status.cert_issuer, "%s", ci.issuer);
    t->status.cert_self_signed = ci.self_signed;
    pthread_mutex_unlock(&t->lock);
}

static bool
should_stop(void *ctx)
{
    return task_runner_stopping(ctx);
}

static uint64_t
ms_until(int64_t when, int64_t now)
{
    uint64_t ms = when > now ? (uint64_t)(when - now) * 1000u : 0;

    return ms < CHECK_MAX_MS ? ms : CHECK_MAX_MS;
}

/* The delay before the next attempt after `failures` failures in a row. */
static int64_t
retry_delay(unsigned failures, uint32_t retry_after)
{
    int64_t d = RETRY_FIRST_S;
    const char *env = getenv("PLUGPOD_ACME_RETRY_FIRST_S"); /* tests */

    if (env && *env && atoi(env) > 0)
        d = atoi(env);
    for (unsigned i = 1; i < failures && d < RETRY_MAX_S; i++)
        d *= 2;
    if (d > RETRY_MAX_S)
        d = RETRY_MAX_S;
    return d > (int64_t)retry_after ? d : (int64_t)retry_after;
}

/* One attempt; the listener serves the new certificate on success. */
static void
attempt(struct task_runner *r, struct task_acme *t, const struct acme_settings *s, int64_t now)
{
    struct acme_config ac = {.directory_url = s->directory,
                             .host = t->host,
                             .contact_email = s->email,
                             .account_key_path = t->account_key,
                             .http = t->http,
                             .should_stop = should_stop,
                             .stop_ctx = r};
    struct acme_outcome out;
    struct crypto_cert_facts ci;
    char why[256], when[40];
    uint64_t t0 = drv_clock_monotonic_ms();
    enum acme_result res;
    int64_t delay;

    pthread_mutex_lock(&t->lock);
    t->status.state = TASK_ACME_WORKING;
    t->status.last_attempt = now;
    pthread_mutex_unlock(&t->lock);
    LOG_INFO("acme", "asking %s for a certificate for %s", s->directory, t->host);
    memset(&out, 0, sizeof out);
    res = acme_obtain(&ac, t->acme_pem, &out);
    if (task_runner_stopping(r))
        return;
    if (res == ACME_OK && web_tls_use_pem(t->acme_pem, why, sizeof why) != POD_OK) {
        res = ACME_ERR_STORAGE;
        snprintf(out.detail, sizeof out.detail, "the new certificate cannot be served: %.200s",
                 why);
    }
    now = drv_clock_wall();
    if (res == ACME_OK) {
        snprintf(t->served, sizeof t->served, "%s", t->acme_pem);
        if (crypto_tls_pem_facts(t->acme_pem, t->host, &ci) != POD_OK)
            memset(&ci, 0, sizeof ci);
        iso_time(ci.not_after, when, sizeof when);
        LOG_INFO("acme",
                 "new certificate for %s from %s (issuer %s) served, valid until %s; "
                 "took %.1f s",
                 t->host, s->directory, ci.issuer[0] ? ci.issuer : "?", when,
                 (double)(drv_clock_monotonic_ms() - t0) / 1000.0);
        t->retry_at = 0;
        atomic_store(&t->renew_now, false);
        pthread_mutex_lock(&t->lock);
        t->status.last_result = ACME_OK;
        t->status.last_detail[0] = '\0';
        t->status.last_success = now;
        t->status.failures = 0;
        pthread_mutex_unlock(&t->lock);
        describe_served(t);
        return;
    }
    pthread_mutex_lock(&t->lock);
    t->status.failures++;
    delay = retry_delay(t->status.failures, out.retry_after_s);
    t->status.state = TASK_ACME_FAILING;
    t->status.last_result = res;
    snprintf(t->status.last_detail, sizeof t->status.last_detail, "%s", out.detail);
    t->status.next_attempt = now + delay;
    pthread_mutex_unlock(&t->lock);
    t->retry_at = now + delay;
    snprintf(t->failed_with, sizeof t->failed_with, "%s %s", s->directory, s->email);
    atomic_store(&t->renew_now, false);
    if (res == ACME_ERR_RATE_LIMITED)
        LOG_WARN("acme",
                 "%s rate limited the certificate for %s (%s); it asked to wait %u s; keeping "
                 "the current certificate, next attempt in %lld s",
                 s->directory, t->host, out.detail[0] ? out.detail : "no detail",
                 (unsigned)out.retry_after_s, (long long)delay);
    else
        LOG_WARN("acme",
                 "could not get a certificate for %s from %s: %s (%s); keeping the current "
                 "certificate, next attempt in %lld s",
                 t->host, s->directory, acme_result_name(res),
                 out.detail[0] ? out.detail : "no detail", (long long)delay);
}

static uint64_t
acme_step(struct task_runner *r, void *ctx)
{
    struct task_acme *t = ctx;
    struct acme_settings s;
    struct crypto_cert_facts ci;
    int64_t now, renew_at;
    bool have, renew;

    if (!task_runner_enter(r))
        return TASK_RUNNER_IDLE;
    settings_read(t, &s);
    task_runner_leave(r);
    describe_served(t);
    if (t->admin_cert) {
        set_state(t, TASK_ACME_MANUAL, s.directory);
        return TASK_RUNNER_IDLE;
    }
    if (!s.enabled) {
        set_state(t, TASK_ACME_OFF, s.directory);
        t->retry_at = 0;
        return TASK_RUNNER_IDLE;
    }
    if (!t->http) {
        set_state(t, TASK_ACME_WAITING, s.directory);
        pthread_mutex_lock(&t->lock);
        snprintf(t->status.last_detail, sizeof t->status.last_detail,
                 "no outbound HTTPS client (see --ca-bundle)");
        pthread_mutex_unlock(&t->lock);
        return TASK_RUNNER_IDLE;
    }
    if (!t->settled) { /* a moment for the listener that answers the challenge */
        t->settled = true;
        set_state(t, TASK_ACME_WAITING, s.directory);
        return 1000u;
    }
    if (!drv_clock_wall_trusted()) { /* validity cannot be judged yet */
        set_state(t, TASK_ACME_WAITING, s.directory);
        return WAIT_CLOCK_MS;
    }
    now = drv_clock_wall();
    have = crypto_tls_pem_facts(t->acme_pem, t->host, &ci) == POD_OK && ci.names_host &&
           ci.not_after > now;
    if (have && strcmp(t->served, t->acme_pem) != 0) { /* an earlier swap failed */
        char why[256];

        have = web_tls_use_pem(t->acme_pem, why, sizeof why) == POD_OK;
        if (have) {
            snprintf(t->served, sizeof t->served, "%s", t->acme_pem);
            describe_served(t);
        }
    }
    {
        char with[sizeof t->failed_with];

        /* Other settings since the failure (the admin page wakes us): at once. */
        snprintf(with, sizeof with, "%s %s", s.directory, s.email);
        if (t->retry_at && strcmp(with, t->failed_with) != 0)
            t->retry_at = 0;
    }
    renew_at = have ? ci.not_after - ACME_RENEW_BEFORE_S : now;
    renew = !have || now >= renew_at || atomic_load(&t->renew_now);
    if (!renew) {
        t->retry_at = 0;
        pthread_mutex_lock(&t->lock);
        t->status.state = TASK_ACME_VALID;
        t->status.next_attempt = renew_at;
        pthread_mutex_unlock(&t->lock);
        return ms_until(renew_at, now);
    }
    if (t->retry_at > now && !atomic_load(&t->renew_now)) {
        set_state(t, TASK_ACME_FAILING, s.directory);
        return ms_until(t->retry_at, now);
    }
    set_state(t, TASK_ACME_WORKING, s.directory);
    attempt(r, t, &s, now);
    return TASK_RUNNER_AGAIN; /* the next round schedules */
}

static void
task_free(void *ctx)
{
    struct task_acme *t = ctx;

    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t->data_dir);
    free(t->host);
    free(t);
}

int
task_acme_start(struct task_acme **out, const struct task_acme_config *cfg)
{
    struct task_acme *t = calloc(1, sizeof *t);
    char dir[PATH_MAX], h[256];
    int rc;

    *out = NULL;
    if (!t)
        return POD_ERR_NOMEM;
    bare_host(cfg->host, h, sizeof h);
    t->store = cfg->store;
    t->http = cfg->http;
    t->admin_cert = cfg->admin_cert;
    t->data_dir = strdup(cfg->data_dir);
    t->host = strdup(h);
    pthread_mutex_init(&t->lock, NULL);
    if (!t->data_dir || !t->host) {
        task_free(t);
        return POD_ERR_NOMEM;
    }
    snprintf(dir, sizeof dir, "%s/acme", cfg->data_dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        LOG_WARN("acme", "cannot create %s: %s", dir, strerror(errno));
    snprintf(t->account_key, sizeof t->account_key, "%s/acme/account.key", cfg->data_dir);
    snprintf(t->acme_pem, sizeof t->acme_pem, "%s/tls/acme.pem", cfg->data_dir);
    /* The same choice main.c made for the listener. */
    if (cfg->admin_cert)
        snprintf(t->served, sizeof t->served, "%s/tls/server.pem", cfg->data_dir);
    else if (task_acme_pem_usable(t->acme_pem, t->host))
        snprintf(t->served, sizeof t->served, "%s", t->acme_pem);
    else
        snprintf(t->served, sizeof t->served, "%s/tls/selfsigned.pem", cfg->data_dir);
    rc = task_runner_start(&t->runner, "acme", 256 * 1024, acme_step, t);
    if (rc != POD_OK) {
        task_free(t);
        return rc;
    }
    *out = t;
    return POD_OK;
}

void
task_acme_wake(struct task_acme *t)
{
    if (t)
        task_runner_wake(t->runner);
}

void
task_acme_renew_now(struct task_acme *t)
{
    if (!t)
        return;
    atomic_store(&t->renew_now, true);
    task_runner_wake(t->runner);
}

void
task_acme_status(struct task_acme *t, struct task_acme_status *out)
{
    memset(out, 0, sizeof *out);
    if (!t) {
        out->state = TASK_ACME_OFF;
        return;
    }
    pthread_mutex_lock(&t->lock);
    *out = t->status;
    pthread_mutex_unlock(&t->lock);
}

void
task_acme_stop(struct task_acme *t)
{
    if (!t)
        return;
    /* acme_obtain looks at the stop flag between its steps; one HTTP
     * exchange (its own timeout) is the longest wait. The listener is
     * stopped by now: a certificate swapped in late is let go here. */
    task_runner_stop(t->runner, 0, task_free);
    web_tls_forget();
}
