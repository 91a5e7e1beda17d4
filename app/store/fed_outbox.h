/*
 * fed_outbox.h - the durable queue of federation deliveries to send, and
 * the health of each remote pod (docs: architecture "A federation delivery
 * out", diaspora-federation.md §5.3).
 *
 * A local action writes its jobs here in the same write transaction as the
 * object itself: one job per remote pod for a public object, one per
 * recipient person for a private one. The federation task takes due jobs
 * in due-time order, signs and sends them outside any transaction, then
 * deletes the job (delivered, or given up) or reschedules it. The payload
 * is the entity XML as it was when the job was made, so a retraction can
 * be sent after its object is gone.
 */
#ifndef POD_STORE_FED_OUTBOX_H
#define POD_STORE_FED_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/store.h"

#define STORE_OUTBOX_URL_MAX     512
#define STORE_OUTBOX_HOST_MAX    255
#define STORE_OUTBOX_PAYLOAD_MAX (1024u * 1024)
#define STORE_OUTBOX_WHY_MAX     200

enum store_outbox_kind {
    STORE_OUTBOX_PUBLIC = 1,  /* POST the Magic Envelope to url (/receive/public) */
    STORE_OUTBOX_PRIVATE = 2, /* encrypt for recipient, POST to url (/receive/users/GUID) */
    /* POST the payload as it is to url (/receive/public): a Magic Envelope
     * signed when the job was made, for messages whose signer's key may be
     * gone by send time (account_deletion, federation/outbound_account.h) */
    STORE_OUTBOX_PUBLIC_SIGNED = 3,
};

struct store_outbox_job {
    uint64_t id;
    enum store_outbox_kind kind;
    char url[STORE_OUTBOX_URL_MAX + 1];   /* where to POST */
    char host[STORE_OUTBOX_HOST_MAX + 1]; /* the remote pod, for its health */
    uint64_t author;                      /* local person who signs (PUBLIC_SIGNED: who signed;
                                             the person may be gone) */
    uint64_t recipient;                   /* PRIVATE: remote person; else 0 */
    int64_t created_at;
    int64_t due_at;
    uint32_t attempts; /* failed sends so far */
    char last_error[STORE_OUTBOX_WHY_MAX + 1];
    const char *payload; /* entity XML (PUBLIC_SIGNED: the envelope); in the arena when read */
    size_t payload_len;
};

/* Adds job (id, attempts and last_error are set here; due_at as given,
 * usually now). Write transactions only. */
int store_outbox_add(struct store_txn *txn, struct store_outbox_job *job);

/* The job due first with due_at <= now, payload copied into a.
 * POD_ERR_NOTFOUND when nothing is due. */
int store_outbox_next_due(struct store_txn *txn, int64_t now, struct pod_arena *a,
                          struct store_outbox_job *out);

/* The due time of the earliest job (any time), for the task's sleep.
 * POD_ERR_NOTFOUND when the queue is empty. */
int store_outbox_earliest(struct store_txn *txn, int64_t *due_at);

/* A failed send of job id: attempts + 1, why kept, due again at due_at. */
int store_outbox_retry(struct store_txn *txn, uint64_t id, int64_t due_at, const char *why);

/* Removes job id (delivered or given up). */
int store_outbox_delete(struct store_txn *txn, uint64_t id);

/* Jobs waiting, all pods together. */
int store_outbox_count(struct store_txn *txn, uint64_t *count);

/* The pod's own uplink is back after paused_for seconds without one:
 * every job becomes due at now at the latest (attempts unchanged), and
 * its created_at moves paused_for later, so time offline does not count
 * towards the give-up horizon. */
int store_outbox_resume(struct store_txn *txn, int64_t now, int64_t paused_for);

/* ------------------------------------------------------------ pod health */

struct store_fed_pod {
    char host[STORE_OUTBOX_HOST_MAX + 1];
    int64_t last_success;   /* 0: never */
    int64_t last_failure;   /* 0: never */
    uint32_t failures;      /* consecutive failed sends */
    uint64_t delivered;     /* jobs delivered, ever */
    uint64_t undeliverable; /* jobs given up, ever */
    char last_error[STORE_OUTBOX_WHY_MAX + 1];
};

/* Records the outcome of one send to host at now: ok resets the failure
 * run; a failure counts it and keeps why; given_up counts a job dropped. */
int store_fed_pod_result(struct store_txn *txn, const char *host, bool ok, bool given_up,
                         int64_t now, const char *why);

/* The health of host; POD_ERR_NOTFOUND if nothing was ever sent there. */
int store_fed_pod_get(struct store_txn *txn, const char *host, struct store_fed_pod *out);

/* Calls fn for each known pod in host order until it returns non-zero
 * (returned). */
int store_fed_pods_each(struct store_txn *txn, int (*fn)(const struct store_fed_pod *p, void *ctx),
                        void *ctx);

#endif
