/*
 * http.h - the outbound HTTPS client of the pod (federation: deliveries,
 * discovery, fetches).
 *
 * One struct http_client per process, made at start and shared by every
 * thread that sends: it holds the trust store, the TLS settings, the
 * address guard and a small pool of idle keep-alive connections. Each
 * request is one blocking call, http_request(), that resolves the host,
 * refuses addresses the guard refuses (on every redirect hop), connects
 * with a timeout, verifies the server's certificate against the trust
 * store and its name (TLS 1.2, SNI), sends one HTTP/1.1 request and reads
 * the response within a total deadline and a body size limit.
 *
 * Certificate verification cannot be turned off. Plain http:// is refused
 * unless the client was made with allow_http (tests, --dev).
 */
#ifndef POD_HTTP_HTTP_H
#define POD_HTTP_HTTP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "autoconf.h"
#include "http/addr_guard.h"
#include "http/url.h"

#define HTTP_CA_BUNDLE_DEFAULT "/etc/ssl/certs/ca-certificates.crt"
#define HTTP_USER_AGENT_MAX    96

struct http_client_config {
    const char *ca_bundle;          /* PEM trust store, read at init; NULL: the system's */
    const struct http_guard *guard; /* copied; NULL: no allow-list */
    bool allow_http;                /* accept http:// URLs (tests, --dev) */
    const char *user_agent;         /* copied; NULL: "plugpod/<version>" */
};

struct http_conn; /* one open connection (http.c) */

/* Fields are private to http.c; the struct is public so the caller can
 * own it (no hidden allocation of the context itself). */
struct http_client {
    mbedtls_ssl_config tls;
    mbedtls_x509_crt ca;
    struct http_guard guard;
    bool allow_http;
    char user_agent[HTTP_USER_AGENT_MAX];
    pthread_mutex_t lock; /* guards the idle pool */
    struct http_conn *idle[CONFIG_POD_HTTPC_POOL_SIZE > 0 ? CONFIG_POD_HTTPC_POOL_SIZE : 1];
    size_t n_idle;
};

/* Loads the trust store and prepares the TLS settings. The RNG
 * (crypto_rng_init) must be ready. POD_ERR_NOTFOUND / POD_ERR_IO when the
 * CA bundle cannot be read, POD_ERR_PARSE when it holds no certificate;
 * why (why_len bytes, may be NULL) gets a reason. Pair with
 * http_client_free. */
int http_client_init(struct http_client *c, const struct http_client_config *cfg, char *why,
                     size_t why_len);

/* Closes the pooled connections and frees everything init made. No request
 * may be running. */
void http_client_free(struct http_client *c);

/* True when c was made with allow_http (tests, --dev): plain http:// URLs
 * are then accepted, so callers that vet URLs themselves (ACME) may too. */
bool http_client_allows_http(const struct http_client *c);

/* Closes every idle pooled connection (for example when the uplink
 * changed). Thread-safe. */
void http_client_pool_flush(struct http_client *c);

/* One extra request header. Both strings are borrowed. */
struct http_header {
    const char *name;
    const char *value;
};

struct http_request {
    const char *method; /* "GET", "POST", "HEAD", ...; NULL means GET */
    const char *url;    /* absolute http(s) URL (url.h), borrowed */
    /* Extra headers, borrowed. Host, Content-Length, Transfer-Encoding,
     * Connection and the like are the client's and are refused; a
     * User-Agent here replaces the client's. */
    const struct http_header *headers;
    size_t n_headers;
    const void *body; /* borrowed; sent with a Content-Length */
    size_t body_len;
    unsigned connect_timeout_ms; /* per address; 0: CONFIG_POD_HTTPC_CONNECT_TIMEOUT_MS */
    unsigned timeout_ms;         /* whole request; 0: CONFIG_POD_HTTPC_TIMEOUT_MS */
    size_t max_response_bytes;   /* body limit; 0: CONFIG_POD_HTTPC_RESPONSE_MAX */
    /* Redirects to follow (301, 302, 303, 307, 308; the last three keep the
     * method and body, 303 and a POST's 301/302 become GET). 0: a redirect
     * is returned as the response (deliveries); more than
     * CONFIG_POD_HTTPC_MAX_REDIRECTS counts as that. */
    unsigned max_redirects;
    bool no_reuse; /* close the connection after this request */
};

struct http_response {
    int status; /* of the final response; 0 when none was read */
    char *body; /* owned, NUL-ended (the NUL not counted); "" when empty */
    size_t body_len;
    char *fields; /* owned: the final head's fields as "name\0value\0"..., names lowercase */
    size_t fields_len;
    char url[HTTP_URL_MAX + 16]; /* the URL that gave the final response */
    unsigned redirects;          /* redirects followed */
    bool reused;                 /* the final response came over a pooled connection */
    char why[192];               /* on failure: a one-line reason for the log */
};

/*
 * Sends rq and reads the response into out (which the caller frees with
 * http_response_free, whatever the result). Any status counts as success;
 * the caller judges out->status. Errors:
 *   POD_ERR_INVAL    the URL, method or a header is not acceptable, or a
 *                    redirect's Location is not an http(s) URL
 *   POD_ERR_AUTH     the scheme is http without allow_http, or every
 *                    address of the host is refused by the guard
 *   POD_ERR_NOTFOUND the host name does not resolve
 *   POD_ERR_IO       connect, send or receive failed or timed out
 *   POD_ERR_CRYPTO   TLS handshake failed, including certificate checks
 *   POD_ERR_PARSE    the response is not well-formed HTTP/1.1
 *   POD_ERR_LIMIT    the body, the head or the redirect chain is too long
 *   POD_ERR_NOMEM
 * Thread-safe: any number of threads may call it on one client.
 */
int http_request(struct http_client *c, const struct http_request *rq, struct http_response *out);

/* The value of the final response's first header field named name
 * (case-insensitive), borrowed from r; NULL when absent. */
const char *http_response_header(const struct http_response *r, const char *name);

/* Frees the body and fields of r (r itself is the caller's). Safe on a
 * zeroed or already freed response. */
void http_response_free(struct http_response *r);

#endif
