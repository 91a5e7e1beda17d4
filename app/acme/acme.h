/*
 * acme.h - an ACME client (RFC 8555) that gets one certificate for one
 * host name with the HTTP-01 challenge, over the pod's outbound HTTPS
 * client (app/http). Keys, the CSR and the JWS signatures are made with
 * mbedTLS; no external program is run.
 *
 * One call, acme_obtain(), does the whole conversation: directory, nonce,
 * account (made once, then found again by its key), order, authorization,
 * challenge, polling, finalization and download. The HTTP-01 answer is
 * published through acme/challenge.h, which the web server reads on its
 * plain-HTTP port. acme_obtain blocks (seconds to a minute) and is run by
 * the ACME task (task/acme_task.h), never by a web worker.
 */
#ifndef POD_ACME_ACME_H
#define POD_ACME_ACME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_client;

/* Directories built in; any https URL is accepted as well. */
#define ACME_DIRECTORY_LETSENCRYPT         "https://acme-v02.api.letsencrypt.org/directory"
#define ACME_DIRECTORY_LETSENCRYPT_STAGING "https://acme-staging-v02.api.letsencrypt.org/directory"

/* Upper bound on any one ACME response body the client accepts. */
#define ACME_RESPONSE_MAX (64u * 1024u)

/* How an attempt ended, for the log, the admin page (which words it in
 * T() strings) and the task's backoff. */
enum acme_result {
    ACME_OK = 0,
    ACME_ERR_CONFIG, /* no host, a host that cannot be certified (IP, localhost, no dot) or bad URL
                      */
    ACME_ERR_UNREACHABLE,  /* the directory could not be reached (DNS, connect, TLS) */
    ACME_ERR_PROTOCOL,     /* the server answered something that is not ACME */
    ACME_ERR_RATE_LIMITED, /* urn:ietf:params:acme:error:rateLimited or 429 */
    ACME_ERR_REJECTED,  /* the server refused the account or the name (rejectedIdentifier, caa, ...)
                         */
    ACME_ERR_CHALLENGE, /* the HTTP-01 challenge did not validate (problem detail in detail) */
    ACME_ERR_TIMEOUT,   /* the order did not become ready/valid within the time allowed */
    ACME_ERR_STORAGE,   /* the account key or the certificate could not be written */
};

struct acme_config {
    const char *directory_url;    /* https URL of the directory; borrowed */
    const char *host;             /* the name to certify, no port; borrowed */
    const char *contact_email;    /* "mailto:" is added; NULL or "": no contact */
    const char *account_key_path; /* PEM EC P-256 key; made (0600) when missing; borrowed */
    struct http_client *http;     /* borrowed; TLS to the directory is verified */
    unsigned poll_timeout_ms;     /* how long to wait for validation; 0: 90 s */
    /* Checked between steps: true aborts the attempt (ACME_ERR_TIMEOUT,
     * detail "stopping"). May be NULL. */
    bool (*should_stop)(void *ctx);
    void *stop_ctx;
};

struct acme_outcome {
    enum acme_result result;
    /* One line for humans: the server's problem type and detail, or what
     * went wrong locally; control characters removed. "" on success. */
    char detail[256];
    /* Seconds the server asked to wait (Retry-After), 0 when it did not. */
    uint32_t retry_after_s;
};

/* Gets a certificate for cfg->host and writes its new private key (ECDSA
 * P-256, made for this order) followed by the certificate chain to
 * out_pem_path as one PEM (mode 0600, temporary file, fsync, rename), the
 * form web/tls.h and civetweb load. The previous file stays untouched on
 * any failure. Fills *out and answers its result. Thread-safe as long as
 * two calls do not share out_pem_path. */
enum acme_result acme_obtain(const struct acme_config *cfg, const char *out_pem_path,
                             struct acme_outcome *out);

/* A short English name of r for log lines ("rate limited", ...). */
const char *acme_result_name(enum acme_result r);

#endif
