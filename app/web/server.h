/*
 * server.h - the pod's inbound HTTP(S) server on civetweb: listeners, worker
 * threads, limits, and dispatch of each request to a route.
 */
#ifndef POD_WEB_SERVER_H
#define POD_WEB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fed_discovery;
struct http_client;
struct store;
struct task_fed_inbox;
struct task_fed_outbox;
struct task_keygen;
struct task_acme;
struct portmap;
struct web_req;

struct web_config {
    const char *host;            /* public name, "name" or "name:port"; borrowed */
    const char *bind_address;    /* listen address, NULL = all IPv4 addresses */
    int https_port;              /* 0 = no HTTPS listener */
    int http_port;               /* 0 = no plain listener */
    const char *tls_pem;         /* key + certificate chain in one PEM; borrowed */
    bool dev;                    /* plain HTTP serves the app instead of redirecting */
    unsigned request_timeout_ms; /* 0 = CONFIG_POD_REQUEST_TIMEOUT_MS */
    struct task_keygen *keygen;  /* woken after a sign-up; borrowed, may be NULL */
    /* The pod's one outbound HTTPS client (app/http), shared by everything
     * that talks to other pods; borrowed, NULL when it could not be made. */
    struct http_client *http;
    /* Finds people of other pods by diaspora* ID (search); borrowed, NULL
     * without an outbound client. */
    struct fed_discovery *discovery;
    /* Processes the federation inbox; woken after a delivery is queued.
     * Borrowed, may be NULL. */
    struct task_fed_inbox *fed_inbox;
    /* Sends the federation outbox; asked whether sending is paused (the
     * admin page). Borrowed, may be NULL. */
    struct task_fed_outbox *fed_outbox;
    /* Keeps the HTTPS certificate from ACME (admin page: status, switch,
     * renew now). Borrowed, may be NULL. */
    struct task_acme *acme;
    /* The router's port mapping (admin page: status). Borrowed, may be
     * NULL (off). */
    struct portmap *portmap;
    bool admin_cert; /* --cert/--key given: the administrator's certificate is served */
};

/* What handlers may read of the running server. */
struct web_server {
    struct web_config cfg;  /* copied at start; strings stay borrowed */
    struct store *store;    /* borrowed; outlives the server */
    uint64_t started_ms;    /* drv_clock_monotonic_ms() at start */
    uint8_t secret[32];     /* the pod's secret for derived tokens (LMDB) */
    char pod_url[300];      /* "https://host/" as other pods reach it */
    struct mg_context *ctx; /* civetweb's */
};

/* civetweb's options as plugpod runs it (workers, timeouts, keep-alive,
 * header limit, TLS certificate when tls_pem is not NULL) for the
 * listening ports ports (civetweb's syntax): o->options gets the
 * NULL-ended name/value pairs, the strings living in o (tls_pem is
 * borrowed). tools/bench's ceiling server uses it too, so that both serve
 * with the same settings. */
struct web_civetweb_options {
    const char *options[24];
    char ports[160], threads[16], timeout[16], keepalive[16], reqsize[16];
};
void web_server_civetweb_options(struct web_civetweb_options *o, const char *ports,
                                 unsigned timeout_ms, const char *tls_pem);

/* Starts the listeners and worker threads. On failure (busy port, bad
 * certificate) returns a POD_ERR_* code with a one-line reason in why. */
int web_server_start(struct web_server **out, const struct web_config *cfg, struct store *st,
                     char *why, size_t why_len);

/* Stops accepting, lets in-flight requests finish, joins the workers and
 * frees ws. */
void web_server_stop(struct web_server *ws);

#endif
