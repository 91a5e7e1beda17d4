/*
 * fed_outbox_task.h - the background task that sends the federation
 * outbox (store/fed_outbox.h; docs/diaspora-federation.md §5.1-5.3).
 *
 * One thread takes the job due first, builds its body in a read
 * transaction (relayable author_signature filled in, Magic Envelope signed
 * with the author's key, encrypted for the recipient when private), POSTs
 * it with the shared HTTP client without any transaction open (no
 * redirects, connection not reused), then in a short write transaction
 * deletes the job on a 2xx answer or reschedules it with diaspora*'s
 * backoff, giving up after TASK_FED_OUTBOX_MAX_ATTEMPTS failures or
 * TASK_FED_OUTBOX_HORIZON seconds (Kconfig); pod health is recorded either
 * way. Between jobs it sleeps until the earliest due job, a wake, or at
 * most TASK_FED_OUTBOX_POLL_MS (so jobs written by any thread are seen
 * soon).
 *
 * The pod's own uplink: while no network interface is up with a route
 * (drivers/net/net.h), or while TASK_FED_OUTBOX_DARK_HOSTS different pods
 * in a row could not be reached at all (no connection, no DNS: the home
 * router's line is down), sending pauses. Nothing fails or counts towards
 * giving up meanwhile; the link is checked every poll, and in the second
 * case the earliest job is tried every TASK_FED_OUTBOX_PROBE_S seconds.
 * When the uplink is back every job becomes due at once and the paused
 * time is not counted in its age (store_outbox_resume).
 *
 * While wall time is not trusted yet (drivers/clock/clock.h: a board
 * without RTC before NTP) nothing is signed or sent; jobs just wait.
 */
#ifndef POD_TASK_FED_OUTBOX_TASK_H
#define POD_TASK_FED_OUTBOX_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"
#include "core/arena.h"
#include "store/fed_outbox.h"
#include "store/store.h"

#define TASK_FED_OUTBOX_MAX_ATTEMPTS CONFIG_POD_FED_OUTBOX_MAX_ATTEMPTS /* failed sends */
#define TASK_FED_OUTBOX_HORIZON      (CONFIG_POD_FED_OUTBOX_GIVE_UP_DAYS * 24 * 3600) /* s */
#define TASK_FED_OUTBOX_DARK_HOSTS   3    /* unreachable pods in a row that mean "we are offline" */
#define TASK_FED_OUTBOX_PROBE_S      60   /* while offline that way: one job tried this often */
#define TASK_FED_OUTBOX_POLL_MS      3000 /* longest sleep */
#define TASK_FED_OUTBOX_TIMEOUT_MS   20000               /* one delivery, whole request */
#define TASK_FED_OUTBOX_ARENA_LIMIT  (12u * 1024 * 1024) /* memory for one job's body */

struct store;
struct http_client;
struct task_fed_outbox;

/* Starts the thread over st and http (both borrowed; they must outlive
 * the task). */
int task_fed_outbox_start(struct task_fed_outbox **out, struct store *st, struct http_client *http);

/* Since when sending is paused because the pod's uplink is down (wall
 * seconds), 0 when it is not; for the admin page. NULL answers 0. */
int64_t task_fed_outbox_paused_since(struct task_fed_outbox *t);

/* Asks the task to look for due jobs now. NULL does nothing. */
void task_fed_outbox_wake(struct task_fed_outbox *t);

/* Stops the task: no store or HTTP use after it returns. A delivery in
 * flight is waited for (at most its timeout plus a little); the job stays
 * queued and is sent again at the next start. NULL does nothing. */
void task_fed_outbox_stop(struct task_fed_outbox *t);

/* The body of job (read in txn, any transaction) into *body / *len (in a)
 * and its Content-Type: the Magic Envelope signed by job->author (a local
 * person), encrypted for job->recipient when private. An empty
 * author_signature in a relayable payload is signed here with the
 * relayable author's key. The last few envelopes built are kept (by
 * author and payload) and reused: one signature per post, not per pod.
 * Errors: POD_ERR_NOTFOUND (signer, key or
 * recipient unknown: the key may still be generating), the parse, crypto
 * and limit errors of entity.h / envelope.h / private_envelope.h. */
int task_fed_outbox_prepare(struct store_txn *txn, const struct store_outbox_job *job,
                            struct pod_arena *a, char **body, size_t *len,
                            const char **content_type, char *why, size_t why_len);

/* Seconds to wait after failed attempt number attempts (0 = the first):
 * (n+3)^4 + rand(30)*(n+1), as diaspora* (§5.3). */
int64_t task_fed_outbox_backoff(uint32_t attempts);

#endif
