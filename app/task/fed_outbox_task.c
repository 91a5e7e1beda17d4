#include "task/fed_outbox_task.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "drivers/clock/clock.h"
#include "drivers/net/net.h"
#include "federation/entity.h"
#include "federation/envelope.h"
#include "federation/private_envelope.h"
#include "federation/relayable.h"
#include "http/http.h"
#include "store/accounts.h"
#include "store/people.h"
#include "task/runner.h"

struct task_fed_outbox {
    struct store *store;
    struct http_client *http;
    struct task_runner *runner;
    /* The uplink (see the header); the thread's own, inside enter/leave. */
    _Atomic int64_t paused_since; /* wall seconds; 0: sending (read by the admin page) */
    bool paused_by_link;          /* no interface up (else: no pod reachable) */
    int64_t next_probe;           /* paused, no pod reachable: next try */
    char dark[TASK_FED_OUTBOX_DARK_HOSTS][STORE_OUTBOX_HOST_MAX + 1]; /* unreachable in a row */
    unsigned n_dark;
};

int64_t
task_fed_outbox_backoff(uint32_t attempts)
{
    int64_t n = attempts, b = n + 3;
    uint8_t r = 0;

    (void)crypto_random(&r, 1);
    return b * b * b * b + (int64_t)(r % 30) * (n + 1);
}

/* The private key PEM (in a) and diaspora* ID of local person id. */
static int
local_key(struct store_txn *txn, uint64_t id, const char *did, struct pod_arena *a,
          struct store_person *p, char **pem)
{
    int rc = id ? store_person_get(txn, id, p) : store_person_get_by_diaspora_id(txn, did, p);

    if (rc != POD_OK)
        return rc;
    if (!p->username[0])
        return POD_ERR_NOTFOUND; /* not a local person: nobody here can sign */
    *pem = pod_arena_alloc(a, STORE_PEM_MAX);
    if (!*pem)
        return POD_ERR_NOMEM;
    return store_user_private_key_get(txn, p->username, *pem, STORE_PEM_MAX);
}

/* Fills an empty author_signature of a relayable payload (see outbound.h). */
static int
sign_relayable(struct store_txn *txn, const struct store_outbox_job *job, struct pod_arena *a,
               const char **xml, size_t *len, char *why, size_t why_len)
{
    struct fed_entity *e;
    struct store_person au;
    const char **names, **values, *sig0, *author;
    char *pem = NULL, *sig, *out;
    size_t n, olen;
    int rc;

    rc = fed_entity_parse(job->payload, job->payload_len, a, &e, why, why_len);
    if (rc != POD_OK)
        return rc;
    sig0 = fed_entity_get(e, "author_signature");
    if (!fed_entity_is_relayable(e) || !sig0 || *sig0)
        return POD_OK;
    author = fed_entity_get(e, "author");
    if (!author)
        return POD_ERR_INVAL;
    rc = local_key(txn, 0, author, a, &au, &pem);
    if (rc == POD_OK)
        rc = fed_entity_signature_lists(e, a, &names, &values, &n);
    sig = pod_arena_alloc(a, FED_SIGNATURE_B64_CAP);
    if (rc == POD_OK && !sig)
        rc = POD_ERR_NOMEM;
    if (rc == POD_OK)
        rc = fed_relayable_sign(names, values, n, pem, sig, FED_SIGNATURE_B64_CAP, why, why_len);
    if (pem)
        memset(pem, 0, STORE_PEM_MAX);
    if (rc == POD_OK)
        rc = fed_entity_set(e, a, "author_signature", sig);
    if (rc == POD_OK)
        rc = fed_entity_emit(e, a, &out, &olen);
    if (rc == POD_OK) {
        *xml = out;
        *len = olen;
    }
    return rc;
}

/* The last few Magic Envelopes built, by signer and payload: a post goes
 * to every remote pod (public) or recipient (private, then encrypted per
 * recipient) with the same payload, and an RSA-4096 signature costs tens
 * of milliseconds on a Pi; signatures are deterministic (PKCS#1 v1.5), so
 * one per post is enough. Shared by the task and the /fetch handler. */
#define ENV_CACHE_SLOTS     4
#define ENV_CACHE_BYTES_MAX (64u * 1024) /* larger envelopes are not kept */

struct env_slot {
    uint8_t key[CRYPTO_SHA256_LEN]; /* SHA-256(author id, payload) */
    char *env;                      /* malloc'd, NUL-ended; NULL = empty */
    size_t len;
    uint64_t used;
};

static struct env_slot env_cache[ENV_CACHE_SLOTS];
static uint64_t env_clock;
static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;

/* The cache key of job; false when out of memory (then nothing is
 * looked up or kept). */
static bool
env_key(const struct store_outbox_job *job, uint8_t key[CRYPTO_SHA256_LEN])
{
    size_t n = sizeof job->author + job->payload_len;
    uint8_t *buf = malloc(n);

    if (!buf)
        return false;
    memcpy(buf, &job->author, sizeof job->author);
    memcpy(buf + sizeof job->author, job->payload, job->payload_len);
    crypto_sha256(buf, n, key);
    free(buf);
    return true;
}

/* A copy (in a) of the cached envelope for key, or NULL. */
static char *
env_cache_get(const uint8_t key[CRYPTO_SHA256_LEN], struct pod_arena *a, size_t *len)
{
    char *out = NULL;

    pthread_mutex_lock(&env_lock);
    for (size_t i = 0; i < ENV_CACHE_SLOTS; i++) {
        struct env_slot *e = &env_cache[i];

        if (e->env && memcmp(e->key, key, CRYPTO_SHA256_LEN) == 0) {
            out = pod_arena_strndup(a, e->env, e->len);
            if (out) {
                *len = e->len;
                e->used = ++env_clock;
            }
            break;
        }
    }
    pthread_mutex_unlock(&env_lock);
    return out;
}

static void
env_cache_put(const uint8_t key[CRYPTO_SHA256_LEN], const char *env, size_t len)
{
    struct env_slot *victim = &env_cache[0];
    char *copy;

    if (len > ENV_CACHE_BYTES_MAX || !(copy = malloc(len + 1)))
        return;
    memcpy(copy, env, len);
    copy[len] = '\0';
    pthread_mutex_lock(&env_lock);
    for (size_t i = 1; i < ENV_CACHE_SLOTS && victim->env; i++)
        if (!env_cache[i].env || env_cache[i].used < victim->used)
            victim = &env_cache[i];
    free(victim->env);
    memcpy(victim->key, key, CRYPTO_SHA256_LEN);
    victim->env = copy;
    victim->len = len;
    victim->used = ++env_clock;
    pthread_mutex_unlock(&env_lock);
}

/* Frees the envelope cache (at the task's stop: nothing stays behind). */
static void
env_cache_clear(void)
{
    pthread_mutex_lock(&env_lock);
    for (size_t i = 0; i < ENV_CACHE_SLOTS; i++) {
        free(env_cache[i].env);
        env_cache[i].env = NULL;
    }
    pthread_mutex_unlock(&env_lock);
}

int
task_fed_outbox_prepare(struct store_txn *txn, const struct store_outbox_job *job,
                        struct pod_arena *a, char **body, size_t *len, const char **content_type,
                        char *why, size_t why_len)
{
    struct store_person signer, to;
    const char *xml = job->payload;
    size_t xml_len = job->payload_len;
    uint8_t key[CRYPTO_SHA256_LEN];
    bool keyed;
    char *pem = NULL, *env;
    size_t env_len = 0;
    int rc;

    if (job->kind == STORE_OUTBOX_PUBLIC_SIGNED) { /* signed when queued: sent as it is */
        *body = pod_arena_strndup(a, job->payload, job->payload_len);
        *len = job->payload_len;
        *content_type = FED_ENVELOPE_CONTENT_TYPE;
        return *body ? POD_OK : POD_ERR_NOMEM;
    }
    keyed = env_key(job, key);
    env = keyed ? env_cache_get(key, a, &env_len) : NULL;
    if (!env) {
        rc = sign_relayable(txn, job, a, &xml, &xml_len, why, why_len);
        if (rc == POD_OK)
            rc = local_key(txn, job->author, NULL, a, &signer, &pem);
        if (rc == POD_OK)
            rc = fed_envelope_build(xml, xml_len, signer.diaspora_id, pem, a, &env, &env_len, why,
                                    why_len);
        if (pem)
            memset(pem, 0, STORE_PEM_MAX);
        if (rc != POD_OK)
            return rc;
        if (keyed)
            env_cache_put(key, env, env_len);
    }
    if (job->kind != STORE_OUTBOX_PRIVATE) {
        *body = env;
        *len = env_len;
        *content_type = FED_ENVELOPE_CONTENT_TYPE;
        return POD_OK;
    }
    rc = store_person_get(txn, job->recipient, &to);
    if (rc == POD_OK && !to.public_key[0])
        rc = POD_ERR_NOTFOUND;
    if (rc == POD_OK)
        rc = fed_private_envelope_encrypt(env, env_len, to.public_key, a, body, len, why, why_len);
    if (rc == POD_OK)
        *content_type = FED_PRIVATE_CONTENT_TYPE;
    return rc;
}

/* Takes the due job and builds its body; inside enter/leave. POD_ERR_NOTFOUND with
 * *next_due set (or 0) when nothing is due. A job whose body cannot be
 * built counts as a failed attempt (why set, *body NULL). */
static int
take_due(struct task_fed_outbox *t, struct pod_arena *a, struct store_outbox_job *job, char **body,
         size_t *len, const char **ctype, char *why, size_t why_len, int64_t *next_due)
{
    struct store_txn *txn = NULL;
    int64_t now = drv_clock_wall();
    int rc;

    *body = NULL;
    *next_due = 0;
    rc = store_txn_begin(t->store, false, &txn);
    if (rc != POD_OK)
        return rc;
    rc = store_outbox_next_due(txn, now, a, job);
    if (rc == POD_ERR_NOTFOUND) {
        if (store_outbox_earliest(txn, next_due) != POD_OK)
            *next_due = 0;
    } else if (rc == POD_OK) {
        int prc = task_fed_outbox_prepare(txn, job, a, body, len, ctype, why, why_len);
        if (prc != POD_OK) {
            *body = NULL;
            if (!why[0])
                pod_why(why, why_len, "cannot build the delivery: %s", pod_strerror(prc));
        }
    }
    store_txn_abort(txn);
    return rc;
}

/* Records the outcome of job; inside enter/leave. */
static void
finish(struct task_fed_outbox *t, const struct store_outbox_job *job, bool sent, bool ok,
       const char *why)
{
    struct store_txn *txn = NULL;
    int64_t now = drv_clock_wall();
    bool give_up = false;
    int rc;

    if (!ok)
        give_up = job->attempts + 1 >= TASK_FED_OUTBOX_MAX_ATTEMPTS ||
                  now - job->created_at >= TASK_FED_OUTBOX_HORIZON;
    rc = store_txn_begin(t->store, true, &txn);
    if (rc != POD_OK) {
        LOG_ERR("federation", "cannot record delivery %llu: %s", (unsigned long long)job->id,
                pod_strerror(rc));
        return;
    }
    if (ok || give_up)
        rc = store_outbox_delete(txn, job->id);
    else
        rc = store_outbox_retry(txn, job->id, now + task_fed_outbox_backoff(job->attempts), why);
    /* A body that could not be built is no fault of the pod's. */
    if (rc == POD_OK && (sent || give_up))
        rc = store_fed_pod_result(txn, job->host, ok, give_up, now, ok ? NULL : why);
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
    }
    store_txn_abort(txn);
    if (rc != POD_OK)
        LOG_ERR("federation", "cannot record delivery %llu: %s", (unsigned long long)job->id,
                pod_strerror(rc));
    else if (give_up)
        LOG_WARN("federation", "gave up delivering to %s after %u attempts: %s", job->url,
                 job->attempts + 1, why);
}

/* POSTs body; true on a 2xx answer. *unreachable tells a failure where no
 * HTTP answer came at all (no route, no DNS, no connection), which may be
 * our own uplink's fault rather than the pod's. */
static bool
send_body(struct task_fed_outbox *t, const struct store_outbox_job *job, const char *body,
          size_t len, const char *ctype, bool *unreachable, char *why, size_t why_len)
{
    struct http_header h = {"Content-Type", ctype};
    struct http_request rq = {
        .method = "POST",
        .url = job->url,
        .headers = &h,
        .n_headers = 1,
        .body = body,
        .body_len = len,
        .timeout_ms = TASK_FED_OUTBOX_TIMEOUT_MS,
        .max_response_bytes = 64 * 1024,
        .max_redirects = 0,
        .no_reuse = true,
    };
    struct http_response rs;
    bool ok;
    int rc;

    memset(&rs, 0, sizeof rs);
    rc = http_request(t->http, &rq, &rs);
    ok = rc == POD_OK && rs.status >= 200 && rs.status < 300;
    *unreachable = rc == POD_ERR_IO; /* no answer, or the name server unreachable */
    if (rc != POD_OK)
        pod_why(why, why_len, "%s", rs.why[0] ? rs.why : pod_strerror(rc));
    else if (!ok)
        pod_why(why, why_len, "HTTP %d", rs.status);
    http_response_free(&rs);
    return ok;
}

/* How long to pause before the next step: until the next due job (wall
 * seconds; 0: none), at most the poll interval. */
static uint64_t
pause_until(int64_t next_due)
{
    int64_t wait_ms = TASK_FED_OUTBOX_POLL_MS, now = drv_clock_wall();

    if (next_due > 0 && (next_due - now) * 1000 < wait_ms)
        wait_ms = next_due > now ? (next_due - now) * 1000 : 200; /* never spin */
    return (uint64_t)wait_ms;
}

/* Starts a pause (inside enter/leave). */
static void
pause_sending(struct task_fed_outbox *t, bool by_link, int64_t now)
{
    if (t->paused_since)
        return;
    t->paused_since = now;
    t->paused_by_link = by_link;
    t->next_probe = now + TASK_FED_OUTBOX_PROBE_S;
    if (by_link)
        LOG_WARN("federation", "no network link is up: deliveries paused");
    else
        LOG_WARN("federation",
                 "%u pods in a row could not be reached: the uplink seems down, "
                 "deliveries paused (one try every %d s)",
                 t->n_dark, TASK_FED_OUTBOX_PROBE_S);
}

/* Ends a pause (inside enter/leave): every job due now, the paused time not
 * counted in their age. */
static void
resume_sending(struct task_fed_outbox *t, int64_t now)
{
    struct store_txn *txn = NULL;
    int64_t paused_for;
    int rc;

    t->n_dark = 0;
    if (!t->paused_since)
        return;
    paused_for = now - t->paused_since;
    t->paused_since = 0;
    http_client_pool_flush(t->http);
    rc = store_txn_begin(t->store, true, &txn);
    if (rc == POD_OK)
        rc = store_outbox_resume(txn, now, paused_for);
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
    }
    store_txn_abort(txn);
    if (rc != POD_OK)
        LOG_ERR("federation", "cannot reschedule the outbox: %s", pod_strerror(rc));
    LOG_INFO("federation", "uplink back after %lld s: deliveries resumed", (long long)paused_for);
}

/* Before a job (inside enter/leave): false while sending is paused. A pause by
 * "no pod reachable" lets one job through every TASK_FED_OUTBOX_PROBE_S. */
static bool
may_send(struct task_fed_outbox *t, int64_t now)
{
    if (!drv_clock_wall_trusted())
        return false; /* no signing, no TLS before NTP (drivers/clock) */
    if (!drv_net_uplink_up()) {
        pause_sending(t, true, now);
        return false;
    }
    if (!t->paused_since)
        return true;
    if (t->paused_by_link) {
        resume_sending(t, now);
        return true;
    }
    if (now < t->next_probe)
        return false;
    t->next_probe = now + TASK_FED_OUTBOX_PROBE_S;
    return true;
}

/* After a send (inside enter/leave): true when the failure must not count, because
 * sending is (now) paused. */
static bool
uplink_after_send(struct task_fed_outbox *t, const struct store_outbox_job *job, bool ok,
                  bool unreachable, int64_t now)
{
    unsigned i;

    if (ok || !unreachable) {
        resume_sending(t, now); /* someone answered: the uplink works */
        return false;
    }
    if (!drv_net_uplink_up()) {
        pause_sending(t, true, now);
        return true;
    }
    if (t->paused_since)
        return true; /* a probe that failed */
    for (i = 0; i < t->n_dark && strcmp(t->dark[i], job->host) != 0; i++)
        ;
    if (i == t->n_dark && t->n_dark < TASK_FED_OUTBOX_DARK_HOSTS)
        snprintf(t->dark[t->n_dark++], sizeof t->dark[0], "%s", job->host);
    if (t->n_dark < TASK_FED_OUTBOX_DARK_HOSTS)
        return false;
    pause_sending(t, false, now);
    return true;
}

int64_t
task_fed_outbox_paused_since(struct task_fed_outbox *t)
{
    return t ? atomic_load(&t->paused_since) : 0;
}

/* One job: taken and built inside enter/leave, sent outside, its outcome
 * recorded inside again (a stop meanwhile leaves it queued). */
static uint64_t
outbox_step(struct task_runner *r, void *ctx)
{
    struct task_fed_outbox *t = ctx;
    struct store_outbox_job job;
    unsigned char block[4096];
    struct pod_arena a;
    const char *ctype = NULL;
    char why[STORE_OUTBOX_WHY_MAX + 1], *body;
    int64_t next_due;
    size_t len = 0;
    bool ok, unreachable = false;
    int rc;

    if (!task_runner_enter(r))
        return TASK_RUNNER_IDLE;
    if (!may_send(t, drv_clock_wall())) {
        task_runner_leave(r);
        return TASK_FED_OUTBOX_POLL_MS;
    }
    pod_arena_init(&a, block, sizeof block, TASK_FED_OUTBOX_ARENA_LIMIT);
    why[0] = '\0';
    rc = take_due(t, &a, &job, &body, &len, &ctype, why, sizeof why, &next_due);
    task_runner_leave(r);
    if (rc != POD_OK) {
        pod_arena_free(&a);
        if (rc != POD_ERR_NOTFOUND) {
            LOG_ERR("federation", "cannot read the outbox: %s", pod_strerror(rc));
            next_due = 0;
        }
        return pause_until(next_due);
    }
    ok = body && send_body(t, &job, body, len, ctype, &unreachable, why, sizeof why);
    if (task_runner_enter(r)) {
        /* A failure while the uplink is down is not counted: the job is
         * tried again when it is back. */
        if (!body || !uplink_after_send(t, &job, ok, unreachable, drv_clock_wall())) {
            if (!ok)
                LOG_INFO("federation", "delivery to %s failed (attempt %u): %s", job.url,
                         job.attempts + 1, why);
            finish(t, &job, body != NULL, ok, why);
        }
        task_runner_leave(r);
    }
    pod_arena_free(&a);
    return TASK_RUNNER_AGAIN;
}

int
task_fed_outbox_start(struct task_fed_outbox **out, struct store *st, struct http_client *http)
{
    struct task_fed_outbox *t = calloc(1, sizeof *t);
    int rc;

    if (!t)
        return POD_ERR_NOMEM;
    t->store = st;
    t->http = http;
    rc = task_runner_start(&t->runner, "federation outbox", 512 * 1024, outbox_step, t);
    if (rc != POD_OK) {
        free(t);
        return rc;
    }
    *out = t;
    return POD_OK;
}

void
task_fed_outbox_wake(struct task_fed_outbox *t)
{
    if (t)
        task_runner_wake(t->runner);
}

void
task_fed_outbox_stop(struct task_fed_outbox *t)
{
    /* A delivery in flight is given its timeout; after that the thread
     * ends on its own, without the store. */
    if (t)
        task_runner_stop(t->runner, TASK_FED_OUTBOX_TIMEOUT_MS + 5000, free);
    env_cache_clear();
}
