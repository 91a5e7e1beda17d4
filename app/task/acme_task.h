/*
 * acme_task.h - keeps the pod's HTTPS certificate from an ACME directory
 * (Let's Encrypt by default): obtains one when ACME is switched on,
 * renews it 30 days before it expires, backs off after failures, and
 * swaps each new certificate into the running HTTPS listener
 * (web_tls_use_pem) without dropping connections.
 *
 * What to do comes from the pod settings (store, core/settings.h):
 * acme_enabled, acme_email and acme_directory ("letsencrypt",
 * "letsencrypt-staging" or an https URL), read at every round, so the
 * admin page or `plugpod config set` changes them and wakes the task.
 * Files in the data directory: acme/account.key (the account's key) and
 * tls/acme.pem (key + chain, what the listener serves). An
 * administrator's --cert/--key always wins: the task then only reports.
 * After a failure the next attempt comes 60 s later, doubling up to a day,
 * never sooner than the server's Retry-After (the environment variable
 * PLUGPOD_ACME_RETRY_FIRST_S changes the 60 s, for tests).
 */
#ifndef POD_TASK_ACME_TASK_H
#define POD_TASK_ACME_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "acme/acme.h"

struct store;
struct http_client;
struct task_acme;

/* Setting names (core/settings.c lists them with their help). */
#define POD_SETTING_ACME_ENABLED   "acme_enabled"
#define POD_SETTING_ACME_EMAIL     "acme_email"
#define POD_SETTING_ACME_DIRECTORY "acme_directory"

#define ACME_RENEW_BEFORE_S (30 * 86400) /* renew this long before notAfter */

struct task_acme_config {
    struct store *store;      /* borrowed; outlives the task */
    struct http_client *http; /* borrowed; NULL: the task only reports "no outbound client" */
    const char *data_dir;     /* borrowed */
    const char *host;         /* the pod's host name, a ":port" is dropped; borrowed */
    bool admin_cert;          /* --cert/--key given: never replace it */
};

enum task_acme_state {
    TASK_ACME_OFF,     /* acme_enabled is false */
    TASK_ACME_MANUAL,  /* the administrator's certificate is in use */
    TASK_ACME_WAITING, /* waiting for the clock to be trusted or the uplink */
    TASK_ACME_WORKING, /* an attempt is running */
    TASK_ACME_VALID,   /* a certificate from ACME is served; renewal is scheduled */
    TASK_ACME_FAILING, /* the last attempt failed; a retry is scheduled */
};

/* A copy of what the admin page shows. Times are Unix seconds, 0: none. */
struct task_acme_status {
    enum task_acme_state state;
    char directory_url[256];
    enum acme_result last_result; /* of the last attempt (ACME_OK when none) */
    char last_detail[256];        /* acme_outcome.detail of the last failure */
    int64_t last_attempt;
    int64_t last_success;
    int64_t next_attempt;    /* renewal or retry time */
    unsigned failures;       /* failed attempts in a row */
    int64_t cert_not_before; /* of the certificate being served (any origin) */
    int64_t cert_not_after;
    char cert_issuer[128]; /* its issuer's CN or O */
    bool cert_self_signed;
};

/* True when the PEM at pem_path holds a certificate that names host (a
 * ":port" is dropped) among its DNS names and has not expired: main.c
 * then serves DATA/tls/acme.pem from the start. */
bool task_acme_pem_usable(const char *pem_path, const char *host);

/* Starts the task's thread. POD_ERR_NOMEM when it cannot. */
int task_acme_start(struct task_acme **out, const struct task_acme_config *cfg);

/* Re-reads the settings and acts at once (after the admin page saved). */
void task_acme_wake(struct task_acme *t);

/* Renews now, whatever the expiry (admin page button, tests). */
void task_acme_renew_now(struct task_acme *t);

/* Copies the current status into *out (thread-safe). t may be NULL: the
 * state is then TASK_ACME_OFF and the certificate fields describe
 * nothing. */
void task_acme_status(struct task_acme *t, struct task_acme_status *out);

/* Stops the thread (an attempt in progress is abandoned between steps;
 * the served certificate is never left half-written). Call it after
 * web_server_stop: it also lets go of the certificate it swapped in
 * (web_tls_forget). NULL is a no-op. */
void task_acme_stop(struct task_acme *t);

#endif
