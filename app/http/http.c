/*
 * http.c - the outbound HTTP/1.1 client over mbedTLS (http.h).
 *
 * Sockets are non-blocking from the start; every wait is a poll() bounded
 * by the request's deadline, so one slow or silent server can hold a
 * thread for at most the total timeout (name resolution aside). mbedTLS
 * reads and writes through bio_send/bio_recv, which do those waits.
 *
 * A connection is only ever used by one request at a time: it is taken out
 * of the idle pool under the lock, used without it, and put back (or
 * closed) when the response has been read completely.
 */
#include "http/http.h"

#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "drivers/clock/clock.h"
#include "http/parse.h"

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl_ciphersuites.h>

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define IO_MAX           16384 /* bytes asked of one read or write */
#define INLINE_BODY_MAX  16384 /* bodies up to this go out with the head */
#define INTERIM_MAX      8     /* 1xx responses skipped before the real one */
#define HEADER_VALUE_MAX 4096  /* a caller's request header value */

struct http_conn {
    int fd;
    bool tls; /* ssl is set up */
    bool https;
    bool timed_out; /* the last wait hit the deadline */
    uint16_t port;
    uint64_t deadline_ms;   /* monotonic; every wait ends here */
    uint64_t idle_since_ms; /* when it went into the pool */
    char host[HTTP_URL_HOST_MAX + 1];
    mbedtls_ssl_context ssl;
};

/* Forward secrecy and AEAD only, like the pod's own listener; DHE for the
 * odd server without ECDHE. */
static const int client_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
    0,
};

/* Request headers that only the client itself may write. */
static const char *const reserved_headers[] = {
    "host",    "content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer",
    "upgrade", "expect",         "proxy-connection",  NULL,
};

/* ------------------------------------------------------------------ I/O */

/* Waits until fd is ready for events or the deadline passes. */
static int
conn_wait(struct http_conn *c, short events)
{
    struct pollfd p = {.fd = c->fd, .events = events};
    uint64_t now, left;
    int rc;

    for (;;) {
        now = drv_clock_monotonic_ms();
        if (now >= c->deadline_ms) {
            c->timed_out = true;
            return POD_ERR_IO;
        }
        left = c->deadline_ms - now;
        rc = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (rc > 0)
            return POD_OK; /* errors and hang-ups show in the next send/recv */
        if (rc < 0 && errno != EINTR)
            return POD_ERR_IO;
    }
}

/* mbedTLS's send callback, also used directly for plain http. */
static int
bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct http_conn *c = ctx;
    ssize_t n;

    if (len > IO_MAX)
        len = IO_MAX;
    for (;;) {
        n = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0)
            return (int)n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
                                                         : MBEDTLS_ERR_NET_SEND_FAILED;
        if (conn_wait(c, POLLOUT) != POD_OK)
            return c->timed_out ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_NET_SEND_FAILED;
    }
}

/* mbedTLS's receive callback: 0 at the end of the stream. */
static int
bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct http_conn *c = ctx;
    ssize_t n;

    if (len > IO_MAX)
        len = IO_MAX;
    for (;;) {
        n = recv(c->fd, buf, len, 0);
        if (n >= 0)
            return (int)n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
        if (conn_wait(c, POLLIN) != POD_OK)
            return c->timed_out ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_NET_RECV_FAILED;
    }
}

static int
conn_write(struct http_conn *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    int n;

    while (len > 0) {
        n = c->tls ? mbedtls_ssl_write(&c->ssl, p, len < IO_MAX ? len : IO_MAX)
                   : bio_send(c, p, len);
        if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
            continue;
        if (n <= 0)
            return POD_ERR_IO;
        p += n;
        len -= (size_t)n;
    }
    return POD_OK;
}

/* Reads at most cap bytes: their count, 0 at the end of the stream, or
 * POD_ERR_IO. A TLS stream cut without close_notify also counts as ended:
 * bodies without a length end that way in practice. */
static int
conn_read(struct http_conn *c, void *buf, size_t cap)
{
    int n;

    if (cap > IO_MAX)
        cap = IO_MAX;
    for (;;) {
        n = c->tls ? mbedtls_ssl_read(&c->ssl, buf, cap) : bio_recv(c, buf, cap);
        if (n >= 0)
            return n;
        if (n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || n == MBEDTLS_ERR_SSL_CONN_EOF)
            return 0;
        if (n != MBEDTLS_ERR_SSL_WANT_READ && n != MBEDTLS_ERR_SSL_WANT_WRITE)
            return POD_ERR_IO;
    }
}

static void
conn_close(struct http_conn *c)
{
    if (!c)
        return;
    if (c->tls) {
        c->deadline_ms = drv_clock_monotonic_ms(); /* one attempt, never a wait */
        mbedtls_ssl_close_notify(&c->ssl);
        mbedtls_ssl_free(&c->ssl);
    }
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

/* Connects a non-blocking TCP socket to sa before deadline_ms. */
static int
tcp_connect(const struct sockaddr *sa, socklen_t len, uint64_t deadline_ms, int *fd_out)
{
    struct http_conn tmp = {.deadline_ms = deadline_ms};
    int fd, one = 1, err = 0;
    socklen_t err_len = sizeof err;

    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0)
        return POD_ERR_IO;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, sa, len) != 0) {
        if (errno != EINPROGRESS)
            goto fail;
        tmp.fd = fd;
        if (conn_wait(&tmp, POLLOUT) != POD_OK)
            goto fail;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0 || err != 0)
            goto fail;
    }
    *fd_out = fd;
    return POD_OK;
fail:
    close(fd);
    return POD_ERR_IO;
}

/* Turns mbedTLS's multi-line certificate verdict into one line. */
static void
verify_reason(uint32_t flags, char *out, size_t cap)
{
    int n = mbedtls_x509_crt_verify_info(out, cap, "", flags);

    if (n <= 0) {
        snprintf(out, cap, "verification failed");
        return;
    }
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
        out[--n] = '\0';
    for (char *p = out; *p; p++)
        if (*p == '\n')
            *p = ';';
}

static int
tls_start(struct http_client *cl, struct http_conn *c, char *why, size_t why_len)
{
    char reason[128];
    int rc;

    mbedtls_ssl_init(&c->ssl);
    c->tls = true;
    rc = mbedtls_ssl_setup(&c->ssl, &cl->tls);
    /* Sets both the SNI name and the name the certificate must carry. */
    if (rc == 0)
        rc = mbedtls_ssl_set_hostname(&c->ssl, c->host);
    if (rc != 0) {
        pod_why(why, why_len, "cannot set up TLS for %s", c->host);
        return rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? POD_ERR_NOMEM : POD_ERR_CRYPTO;
    }
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
    do
        rc = mbedtls_ssl_handshake(&c->ssl);
    while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (rc == 0)
        return POD_OK;
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        verify_reason(mbedtls_ssl_get_verify_result(&c->ssl), reason, sizeof reason);
        pod_why(why, why_len, "certificate of %s not accepted: %s", c->host, reason);
        return POD_ERR_CRYPTO;
    }
    if (c->timed_out) {
        pod_why(why, why_len, "TLS handshake with %s timed out", c->host);
        return POD_ERR_IO;
    }
    mbedtls_strerror(rc, reason, sizeof reason);
    pod_why(why, why_len, "TLS handshake with %s failed: %s", c->host, reason);
    if (rc == MBEDTLS_ERR_NET_CONN_RESET || rc == MBEDTLS_ERR_NET_SEND_FAILED ||
        rc == MBEDTLS_ERR_NET_RECV_FAILED || rc == MBEDTLS_ERR_SSL_CONN_EOF)
        return POD_ERR_IO;
    return POD_ERR_CRYPTO;
}

/* Resolves u's host, keeps what the guard allows, connects to the first
 * address that answers and, for https, does the TLS handshake. */
static int
conn_open(struct http_client *cl, const struct http_url *u, unsigned connect_ms,
          uint64_t deadline_ms, struct http_conn **out, char *why, size_t why_len)
{
    struct http_addrs addrs;
    struct http_conn *c = NULL;
    uint64_t until;
    int fd = -1, ret;

    *out = NULL;
    ret = http_guard_resolve(&cl->guard, u->host, u->port, &addrs);
    if (ret == POD_ERR_AUTH) {
        pod_why(why, why_len, "%s resolves only to addresses the address guard refuses", u->host);
        return ret;
    }
    if (ret != POD_OK) {
        pod_why(why, why_len, "cannot resolve %s", u->host);
        return ret;
    }
    ret = POD_ERR_IO;
    for (size_t i = 0; i < addrs.n && ret != POD_OK; i++) {
        until = drv_clock_monotonic_ms() + connect_ms;
        ret = tcp_connect((const struct sockaddr *)&addrs.addr[i], addrs.len[i],
                          until < deadline_ms ? until : deadline_ms, &fd);
    }
    if (ret != POD_OK) {
        pod_why(why, why_len, "cannot connect to %s port %u", u->host, (unsigned)u->port);
        return ret;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return POD_ERR_NOMEM;
    }
    c->fd = fd;
    c->https = u->https;
    c->port = u->port;
    c->deadline_ms = deadline_ms;
    memcpy(c->host, u->host, sizeof c->host);
    if (u->https) {
        ret = tls_start(cl, c, why, why_len);
        if (ret != POD_OK) {
            conn_close(c);
            return ret;
        }
    }
    *out = c;
    return POD_OK;
}

/* ------------------------------------------------------------------ pool */

static bool
conn_matches(const struct http_conn *c, const struct http_url *u)
{
    return c->https == u->https && c->port == u->port && !strcmp(c->host, u->host);
}

/* Removes idle[i], keeping the others in age order. */
static struct http_conn *
pool_remove(struct http_client *cl, size_t i)
{
    struct http_conn *c = cl->idle[i];

    memmove(&cl->idle[i], &cl->idle[i + 1], (cl->n_idle - i - 1) * sizeof cl->idle[0]);
    cl->n_idle--;
    return c;
}

/* An idle connection to u's origin that still looks open, or NULL. */
static struct http_conn *
pool_take(struct http_client *cl, const struct http_url *u)
{
    struct http_conn *drop[sizeof cl->idle / sizeof cl->idle[0]], *c = NULL;
    size_t n_drop = 0;
    uint64_t now = drv_clock_monotonic_ms();
    struct pollfd p;

    if (CONFIG_POD_HTTPC_POOL_SIZE == 0)
        return NULL;
    pthread_mutex_lock(&cl->lock);
    for (size_t i = cl->n_idle; i-- > 0;) {
        if (now - cl->idle[i]->idle_since_ms > CONFIG_POD_HTTPC_POOL_IDLE_S * 1000ull) {
            drop[n_drop++] = pool_remove(cl, i);
            continue;
        }
        if (c || !conn_matches(cl->idle[i], u))
            continue;
        c = pool_remove(cl, i);
        /* Readable while idle means the server closed it (or sent junk). */
        p = (struct pollfd){.fd = c->fd, .events = POLLIN};
        if (poll(&p, 1, 0) != 0) {
            drop[n_drop++] = c;
            c = NULL;
        }
    }
    pthread_mutex_unlock(&cl->lock);
    for (size_t i = 0; i < n_drop; i++)
        conn_close(drop[i]);
    return c;
}

/* Keeps c for reuse, closing the oldest idle connection (of its host, or
 * of all) when the pool is full. */
static void
pool_put(struct http_client *cl, struct http_conn *c)
{
    struct http_conn *evict = NULL;
    size_t same = 0, oldest_same = 0;

    if (CONFIG_POD_HTTPC_POOL_SIZE == 0) {
        conn_close(c);
        return;
    }
    c->idle_since_ms = drv_clock_monotonic_ms();
    pthread_mutex_lock(&cl->lock);
    for (size_t i = cl->n_idle; i-- > 0;)
        if (cl->idle[i]->https == c->https && cl->idle[i]->port == c->port &&
            !strcmp(cl->idle[i]->host, c->host)) {
            same++;
            oldest_same = i;
        }
    if (same >= CONFIG_POD_HTTPC_POOL_PER_HOST)
        evict = pool_remove(cl, oldest_same);
    else if (cl->n_idle == sizeof cl->idle / sizeof cl->idle[0])
        evict = pool_remove(cl, 0);
    cl->idle[cl->n_idle++] = c;
    pthread_mutex_unlock(&cl->lock);
    conn_close(evict);
}

void
http_client_pool_flush(struct http_client *c)
{
    struct http_conn *drop[sizeof c->idle / sizeof c->idle[0]];
    size_t n;

    pthread_mutex_lock(&c->lock);
    n = c->n_idle;
    memcpy(drop, c->idle, n * sizeof drop[0]);
    c->n_idle = 0;
    pthread_mutex_unlock(&c->lock);
    for (size_t i = 0; i < n; i++)
        conn_close(drop[i]);
}

/* ------------------------------------------------------------------ client */

int
http_client_init(struct http_client *c, const struct http_client_config *cfg, char *why,
                 size_t why_len)
{
    const char *bundle = cfg && cfg->ca_bundle ? cfg->ca_bundle : HTTP_CA_BUNDLE_DEFAULT;
    char msg[128];
    int rc, ret = POD_OK;

    memset(c, 0, sizeof *c);
    mbedtls_ssl_config_init(&c->tls);
    mbedtls_x509_crt_init(&c->ca);
    pthread_mutex_init(&c->lock, NULL);
    if (cfg && cfg->guard)
        c->guard = *cfg->guard;
    else
        http_guard_init(&c->guard);
    c->allow_http = cfg && cfg->allow_http;
    snprintf(c->user_agent, sizeof c->user_agent, "%s",
             cfg && cfg->user_agent ? cfg->user_agent : "plugpod/" POD_VERSION);
    if (access(bundle, R_OK) != 0) {
        ret = errno == ENOENT ? POD_ERR_NOTFOUND : POD_ERR_IO;
        pod_why(why, why_len, "cannot read the CA bundle %s: %s", bundle, strerror(errno));
        goto out;
    }
    /* A positive result counts certificates mbedTLS could not parse (the
     * system bundle may hold a few); only an empty store is fatal. */
    rc = mbedtls_x509_crt_parse_file(&c->ca, bundle);
    if (rc < 0 || c->ca.raw.len == 0) {
        mbedtls_strerror(rc, msg, sizeof msg);
        ret = rc == MBEDTLS_ERR_X509_ALLOC_FAILED ? POD_ERR_NOMEM : POD_ERR_PARSE;
        pod_why(why, why_len, "no usable certificate in %s (%s)", bundle, msg);
        goto out;
    }
    if (rc > 0)
        LOG_DEBUG("http", "%d certificate(s) of %s skipped", rc, bundle);
    rc = mbedtls_ssl_config_defaults(&c->tls, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) {
        ret = POD_ERR_CRYPTO;
        pod_why(why, why_len, "cannot set up TLS");
        goto out;
    }
    mbedtls_ssl_conf_authmode(&c->tls, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&c->tls, &c->ca, NULL);
    mbedtls_ssl_conf_rng(&c->tls, crypto_rng_callback, NULL);
    mbedtls_ssl_conf_min_version(&c->tls, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(&c->tls, client_suites);
    mbedtls_ssl_conf_renegotiation(&c->tls, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    mbedtls_ssl_conf_dhm_min_bitlen(&c->tls, 2048);
out:
    if (ret != POD_OK) {
        mbedtls_ssl_config_free(&c->tls);
        mbedtls_x509_crt_free(&c->ca);
        pthread_mutex_destroy(&c->lock);
        memset(c, 0, sizeof *c);
    }
    return ret;
}

void
http_client_free(struct http_client *c)
{
    http_client_pool_flush(c);
    mbedtls_ssl_config_free(&c->tls);
    mbedtls_x509_crt_free(&c->ca);
    pthread_mutex_destroy(&c->lock);
    memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------------ request */

static bool
is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
method_check(const char *m)
{
    size_t n = strlen(m);

    if (n == 0 || n > 16)
        return POD_ERR_INVAL;
    for (size_t i = 0; i < n; i++)
        if (m[i] < 'A' || m[i] > 'Z')
            return POD_ERR_INVAL;
    return POD_OK;
}

static int
header_check(const struct http_header *h, char *why, size_t why_len)
{
    size_t n = strlen(h->name), v = strlen(h->value);

    if (n == 0 || n > 64 || v > HEADER_VALUE_MAX)
        goto bad;
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((unsigned char)h->name[i]))
            goto bad;
    for (size_t i = 0; i < v; i++) {
        unsigned char c = (unsigned char)h->value[i];
        if (c != '\t' && (c < 0x20 || c == 0x7f))
            goto bad; /* CR and LF above all: no header injection */
    }
    for (size_t i = 0; reserved_headers[i]; i++)
        if (!strcasecmp(h->name, reserved_headers[i])) {
            pod_why(why, why_len, "the %s header is the client's own", reserved_headers[i]);
            return POD_ERR_INVAL;
        }
    return POD_OK;
bad:
    pod_why(why, why_len, "invalid request header");
    return POD_ERR_INVAL;
}

struct sbuf {
    char *p;
    size_t len, cap;
};

static void
sbuf_add(struct sbuf *b, const void *s, size_t n)
{
    if (b->len + n <= b->cap) /* cap is computed from the same pieces */
        memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void
sbuf_str(struct sbuf *b, const char *s)
{
    sbuf_add(b, s, strlen(s));
}

/* The request head, followed by the body when it is small. */
static int
request_build(const struct http_client *cl, const struct http_url *u, const char *method,
              const struct http_request *rq, const void *body, size_t body_len,
              bool drop_content_type, struct sbuf *b, bool *body_inline)
{
    char authority[HTTP_URL_HOST_MAX + 16], clen[32];
    bool own_ua = true, send_len;

    if (http_url_authority(u, authority, sizeof authority) != POD_OK)
        return POD_ERR_LIMIT;
    send_len = body_len > 0 || !strcmp(method, "POST") || !strcmp(method, "PUT") ||
               !strcmp(method, "PATCH");
    snprintf(clen, sizeof clen, "%zu", body_len);
    *body_inline = body_len <= INLINE_BODY_MAX;
    b->cap = strlen(method) + strlen(u->path) + strlen(authority) + strlen(cl->user_agent) +
             strlen(clen) + 128 + (*body_inline ? body_len : 0);
    for (size_t i = 0; i < rq->n_headers; i++)
        b->cap += strlen(rq->headers[i].name) + strlen(rq->headers[i].value) + 4;
    b->p = malloc(b->cap);
    if (!b->p)
        return POD_ERR_NOMEM;
    b->len = 0;
    sbuf_str(b, method);
    sbuf_str(b, " ");
    sbuf_str(b, u->path);
    sbuf_str(b, " HTTP/1.1\r\nHost: ");
    sbuf_str(b, authority);
    sbuf_str(b, "\r\n");
    for (size_t i = 0; i < rq->n_headers; i++) {
        const struct http_header *h = &rq->headers[i];
        if (drop_content_type && !strcasecmp(h->name, "content-type"))
            continue;
        if (!strcasecmp(h->name, "user-agent"))
            own_ua = false;
        sbuf_str(b, h->name);
        sbuf_str(b, ": ");
        sbuf_str(b, h->value);
        sbuf_str(b, "\r\n");
    }
    if (own_ua) {
        sbuf_str(b, "User-Agent: ");
        sbuf_str(b, cl->user_agent);
        sbuf_str(b, "\r\n");
    }
    if (send_len) {
        sbuf_str(b, "Content-Length: ");
        sbuf_str(b, clen);
        sbuf_str(b, "\r\n");
    }
    if (rq->no_reuse)
        sbuf_str(b, "Connection: close\r\n");
    sbuf_str(b, "\r\n");
    if (*body_inline && body_len)
        sbuf_add(b, body, body_len);
    return b->len <= b->cap ? POD_OK : POD_ERR_LIMIT;
}

/* Grows *buf (capacity *cap) to hold at least need bytes. */
static int
reserve(char **buf, size_t *cap, size_t need)
{
    size_t n = *cap ? *cap : 4096;
    char *p;

    if (need <= *cap)
        return POD_OK;
    while (n < need)
        n *= 2;
    p = realloc(*buf, n);
    if (!p)
        return POD_ERR_NOMEM;
    *buf = p;
    *cap = n;
    return POD_OK;
}

/* Copies the head's fields into out->fields as "name\0value\0" pairs. */
static int
fields_store(const struct http_head *h, struct http_response *out)
{
    size_t n = 1, o = 0;

    for (size_t i = 0; i < h->n_fields; i++)
        n += h->fields[i].name_len + h->fields[i].value_len + 2;
    out->fields = malloc(n);
    if (!out->fields)
        return POD_ERR_NOMEM;
    for (size_t i = 0; i < h->n_fields; i++) {
        const struct http_field *f = &h->fields[i];
        for (size_t k = 0; k < f->name_len; k++) {
            char ch = f->name[k];
            out->fields[o++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
        }
        out->fields[o++] = '\0';
        memcpy(out->fields + o, f->value, f->value_len);
        o += f->value_len;
        out->fields[o++] = '\0';
    }
    out->fields[o] = '\0';
    out->fields_len = o;
    return POD_OK;
}

struct reader {
    struct http_conn *c;
    const char *host;
    char *buf; /* CONFIG_POD_HTTPC_HEAD_MAX bytes: the head, then raw body bytes */
    size_t len;
    bool any;      /* a byte of the response arrived */
    bool reusable; /* the response ended cleanly where the connection can go on */
};

/* More bytes into buf[len..cap): POD_ERR_IO at the end of the stream. */
static int
read_more(struct reader *r, char *dst, size_t cap, size_t *got, struct http_response *out)
{
    int n = conn_read(r->c, dst, cap);

    if (n > 0) {
        r->any = true;
        *got = (size_t)n;
        return POD_OK;
    }
    if (r->c->timed_out)
        pod_why(out->why, sizeof out->why, "%s did not answer in time", r->host);
    else if (n == 0)
        pod_why(out->why, sizeof out->why, "%s closed the connection mid-response", r->host);
    else
        pod_why(out->why, sizeof out->why, "connection to %s failed", r->host);
    return POD_ERR_IO;
}

static int
body_chunked(struct reader *r, const char *in, size_t in_n, size_t max, struct http_response *out)
{
    struct http_chunked st;
    size_t cap = 0, used, made, room;
    int ret;

    http_chunked_init(&st);
    while (!st.done) {
        if (in_n == 0) {
            ret = read_more(r, r->buf, CONFIG_POD_HTTPC_HEAD_MAX, &in_n, out);
            if (ret != POD_OK)
                return ret;
            in = r->buf;
        }
        /* Data is never longer than its framing; one byte past max tells
         * "too long" from "exactly max". */
        room = max + 1 - out->body_len;
        if (room > in_n)
            room = in_n;
        ret = reserve(&out->body, &cap, out->body_len + room + 1);
        if (ret != POD_OK)
            return ret;
        ret = http_chunked_decode(&st, in, in_n, &used, out->body + out->body_len, room, &made);
        out->body_len += made;
        in += used;
        in_n -= used;
        if (out->body_len > max)
            return POD_ERR_LIMIT;
        if (ret != POD_OK)
            return ret;
        if (used == 0 && !st.done)
            return POD_ERR_LIMIT; /* no room left: cannot happen below max */
    }
    if (!out->body && reserve(&out->body, &cap, 1) != POD_OK)
        return POD_ERR_NOMEM;
    r->reusable = in_n == 0;
    return POD_OK;
}

static int
body_length(struct reader *r, const char *in, size_t in_n, uint64_t length,
            struct http_response *out)
{
    size_t got;
    int ret;

    out->body = malloc((size_t)length + 1);
    if (!out->body)
        return POD_ERR_NOMEM;
    if (in_n > length) {
        in_n = (size_t)length; /* junk after the body: do not reuse */
        r->reusable = false;
    } else {
        r->reusable = true;
    }
    memcpy(out->body, in, in_n);
    out->body_len = in_n;
    while (out->body_len < length) {
        ret = read_more(r, out->body + out->body_len, (size_t)length - out->body_len, &got, out);
        if (ret != POD_OK)
            return ret;
        out->body_len += got;
    }
    return POD_OK;
}

/* A body without a length: everything until the server closes. */
static int
body_until_close(struct reader *r, const char *in, size_t in_n, size_t max,
                 struct http_response *out)
{
    size_t cap = 0;
    int n, ret;

    r->reusable = false;
    if (in_n > max)
        return POD_ERR_LIMIT;
    ret = reserve(&out->body, &cap, in_n + IO_MAX + 1);
    if (ret != POD_OK)
        return ret;
    memcpy(out->body, in, in_n);
    out->body_len = in_n;
    for (;;) {
        ret = reserve(&out->body, &cap, out->body_len + IO_MAX + 1);
        if (ret != POD_OK)
            return ret;
        n = conn_read(r->c, out->body + out->body_len, IO_MAX);
        if (n == 0)
            return POD_OK;
        if (n < 0) {
            pod_why(out->why, sizeof out->why, "%s while reading from %s",
                    r->c->timed_out ? "timed out" : "connection failed", r->host);
            return POD_ERR_IO;
        }
        out->body_len += (size_t)n;
        if (out->body_len > max)
            return POD_ERR_LIMIT;
    }
}

/* Reads one response (skipping 1xx interim ones) into out. */
static int
response_read(struct reader *r, bool head_request, size_t max, struct http_response *out)
{
    struct http_head *head = malloc(sizeof *head);
    size_t head_len = 0, got, in_n;
    const char *in;
    int interim = 0, ret;

    if (!head)
        return POD_ERR_NOMEM;
    for (;;) {
        ret = http_head_parse(r->buf, r->len, head, &head_len);
        if (ret != POD_OK)
            goto out;
        if (head_len == 0) {
            ret = read_more(r, r->buf + r->len, CONFIG_POD_HTTPC_HEAD_MAX - r->len, &got, out);
            if (ret != POD_OK)
                goto out;
            r->len += got;
            continue;
        }
        if (head->status >= 200)
            break;
        if (++interim > INTERIM_MAX) {
            ret = POD_ERR_PARSE;
            goto out;
        }
        memmove(r->buf, r->buf + head_len, r->len - head_len);
        r->len -= head_len;
    }
    out->status = head->status;
    ret = fields_store(head, out);
    if (ret != POD_OK)
        goto out;
    in = r->buf + head_len;
    in_n = r->len - head_len;
    if (http_status_bodyless(head->status, head_request)) {
        out->body = calloc(1, 1);
        ret = out->body ? POD_OK : POD_ERR_NOMEM;
        r->reusable = in_n == 0;
    } else if (head->chunked) {
        ret = body_chunked(r, in, in_n, max, out);
    } else if (head->content_length >= 0) {
        ret = (uint64_t)head->content_length > max
                  ? POD_ERR_LIMIT
                  : body_length(r, in, in_n, (uint64_t)head->content_length, out);
    } else {
        ret = body_until_close(r, in, in_n, max, out);
    }
    if (ret == POD_OK) {
        out->body[out->body_len] = '\0';
        if (head->close)
            r->reusable = false;
    }
out:
    if (ret == POD_ERR_LIMIT && !out->why[0])
        pod_why(out->why, sizeof out->why, "the response of %s exceeds a limit (body max %zu)",
                r->host, max);
    else if (ret == POD_ERR_PARSE && !out->why[0])
        pod_why(out->why, sizeof out->why, "malformed HTTP response from %s", r->host);
    free(head);
    return ret;
}

static void
response_clear(struct http_response *r)
{
    free(r->body);
    free(r->fields);
    r->body = NULL;
    r->fields = NULL;
    r->body_len = r->fields_len = 0;
    r->status = 0;
}

/* One request to u and its response, over a pooled or a new connection. */
static int
request_once(struct http_client *cl, const struct http_url *u, const char *method,
             const struct http_request *rq, const void *body, size_t body_len,
             bool drop_content_type, uint64_t deadline_ms, struct http_response *out)
{
    unsigned connect_ms =
        rq->connect_timeout_ms ? rq->connect_timeout_ms : CONFIG_POD_HTTPC_CONNECT_TIMEOUT_MS;
    size_t max = rq->max_response_bytes ? rq->max_response_bytes : CONFIG_POD_HTTPC_RESPONSE_MAX;
    struct reader r = {.host = u->host};
    struct sbuf req = {0};
    bool body_inline, fresh = true;
    int ret;

    if (max > SIZE_MAX / 2)
        max = SIZE_MAX / 2; /* max + 1 and friends must not wrap */
    if (!u->https && !cl->allow_http) {
        pod_why(out->why, sizeof out->why, "plain http:// to %s is not allowed", u->host);
        return POD_ERR_AUTH;
    }
    ret = request_build(cl, u, method, rq, body, body_len, drop_content_type, &req, &body_inline);
    if (ret != POD_OK)
        goto out;
    r.buf = malloc(CONFIG_POD_HTTPC_HEAD_MAX);
    if (!r.buf) {
        ret = POD_ERR_NOMEM;
        goto out;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        r.c = attempt == 0 ? pool_take(cl, u) : NULL;
        fresh = r.c == NULL;
        if (fresh) {
            ret = conn_open(cl, u, connect_ms, deadline_ms, &r.c, out->why, sizeof out->why);
            if (ret != POD_OK)
                goto out;
        }
        r.c->deadline_ms = deadline_ms;
        r.c->timed_out = false;
        r.len = 0;
        r.any = false;
        r.reusable = false;
        ret = conn_write(r.c, req.p, req.len);
        if (ret == POD_OK && !body_inline)
            ret = conn_write(r.c, body, body_len);
        if (ret != POD_OK)
            pod_why(out->why, sizeof out->why, "%s while sending to %s",
                    r.c->timed_out ? "timed out" : "connection failed", u->host);
        if (ret == POD_OK)
            ret = response_read(&r, !strcmp(method, "HEAD"), max, out);
        /* A pooled connection the server closed meanwhile fails before any
         * byte of the response: try once more on a new one. */
        if (ret == POD_ERR_IO && !fresh && !r.any && !r.c->timed_out) {
            LOG_DEBUG("http", "pooled connection to %s was closed; reconnecting", u->host);
            conn_close(r.c);
            r.c = NULL;
            response_clear(out);
            out->why[0] = '\0';
            continue;
        }
        break;
    }
    out->reused = !fresh;
out:
    if (r.c) {
        /* Bytes mbedTLS already decrypted past the response: not reusable. */
        if (r.reusable && r.c->tls && mbedtls_ssl_get_bytes_avail(&r.c->ssl) > 0)
            r.reusable = false;
        if (ret == POD_OK && r.reusable && !rq->no_reuse)
            pool_put(cl, r.c);
        else
            conn_close(r.c);
    }
    free(r.buf);
    free(req.p);
    return ret;
}

static bool
is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

int
http_request(struct http_client *c, const struct http_request *rq, struct http_response *out)
{
    unsigned timeout = rq->timeout_ms ? rq->timeout_ms : CONFIG_POD_HTTPC_TIMEOUT_MS;
    unsigned max_redirects = rq->max_redirects < CONFIG_POD_HTTPC_MAX_REDIRECTS
                                 ? rq->max_redirects
                                 : CONFIG_POD_HTTPC_MAX_REDIRECTS;
    uint64_t deadline = drv_clock_monotonic_ms() + timeout;
    const char *method = rq->method ? rq->method : "GET", *loc;
    const void *body = rq->body;
    size_t body_len = rq->body_len;
    bool drop_content_type = false;
    struct http_url cur, next;
    int ret;

    memset(out, 0, sizeof *out);
    if (!rq->url || method_check(method) != POD_OK) {
        pod_why(out->why, sizeof out->why, "invalid method or no URL");
        return POD_ERR_INVAL;
    }
    for (size_t i = 0; i < rq->n_headers; i++) {
        ret = header_check(&rq->headers[i], out->why, sizeof out->why);
        if (ret != POD_OK)
            return ret;
    }
    ret = http_url_parse(rq->url, strlen(rq->url), &cur);
    if (ret != POD_OK) {
        pod_why(out->why, sizeof out->why, "not an acceptable http(s) URL");
        return ret;
    }
    for (;;) {
        if (http_url_format(&cur, out->url, sizeof out->url) != POD_OK)
            out->url[0] = '\0';
        ret = request_once(c, &cur, method, rq, body, body_len, drop_content_type, deadline, out);
        if (ret != POD_OK)
            break;
        LOG_DEBUG("http", "%s %s: %d, %zu bytes%s", method, out->url, out->status, out->body_len,
                  out->reused ? " (reused connection)" : "");
        loc = http_response_header(out, "location");
        if (rq->max_redirects == 0 || !is_redirect(out->status) || !loc)
            break;
        if (out->redirects >= max_redirects) {
            pod_why(out->why, sizeof out->why, "more than %u redirects", max_redirects);
            ret = POD_ERR_LIMIT;
            break;
        }
        ret = http_url_resolve(&cur, loc, strlen(loc), &next);
        if (ret != POD_OK) {
            pod_why(out->why, sizeof out->why, "%s redirected to an unacceptable location",
                    cur.host);
            break;
        }
        if (out->status == 303 || ((out->status == 301 || out->status == 302) &&
                                   strcmp(method, "GET") && strcmp(method, "HEAD"))) {
            method = "GET";
            body = NULL;
            body_len = 0;
            drop_content_type = true;
        }
        response_clear(out);
        out->redirects++;
        cur = next;
    }
    if (ret != POD_OK) {
        response_clear(out);
        LOG_DEBUG("http", "%s %s failed: %s (%s)", method, out->url, pod_strerror(ret), out->why);
    }
    return ret;
}

const char *
http_response_header(const struct http_response *r, const char *name)
{
    const char *p = r->fields, *value;

    if (!p)
        return NULL;
    while (*p) {
        value = p + strlen(p) + 1;
        if (!strcasecmp(p, name))
            return value;
        p = value + strlen(value) + 1;
    }
    return NULL;
}

void
http_response_free(struct http_response *r)
{
    response_clear(r);
}

bool
http_client_allows_http(const struct http_client *c)
{
    return c->allow_http;
}
