/*
 * test_http_client.c - the outbound HTTPS client (app/http/http.c) against
 * real local TLS servers run in threads of this process, and the response
 * parser under it (app/http/parse.c) on tables of heads and chunked bodies.
 *
 * A test CA, a certificate for "localhost" and one for "wrong.example"
 * (both signed by the CA) and an unrelated second CA are made at start
 * with mbedTLS's x509write. The servers listen on 127.0.0.1, which the
 * address guard refuses, so the positive cases allow 127.0.0.0/8
 * explicitly. Every timeout test uses a short timeout, so the whole
 * program runs in a few seconds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "core/error.h"
#include "crypto/crypto.h"
#include "http/http.h"
#include "http/parse.h"

#include <mbedtls/ecp.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PEM_MAX 4096

static char tmpdir[64];
static char ca_path[128], other_ca_path[128], garbage_path[128];

/* ------------------------------------------------------------------ certificates */

struct keycert {
    mbedtls_pk_context key;
    unsigned char pem[PEM_MAX];
};

static void
key_make(mbedtls_pk_context *pk)
{
    mbedtls_pk_init(pk);
    assert_int_equal(mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
    assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk),
                                         crypto_rng_callback, NULL),
                     0);
}

/* Makes kc's key and a certificate for subject signed by issuer (or by
 * itself when issuer is NULL: a CA). */
static void
cert_make(struct keycert *kc, const char *subject, const struct keycert *issuer,
          const char *issuer_name, int serial)
{
    mbedtls_x509write_cert crt;
    mbedtls_mpi sn;
    bool ca = issuer == NULL;

    key_make(&kc->key);
    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi_init(&sn);
    assert_int_equal(mbedtls_mpi_lset(&sn, serial), 0);
    mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&crt, &kc->key);
    mbedtls_x509write_crt_set_issuer_key(&crt, ca ? &kc->key : (mbedtls_pk_context *)&issuer->key);
    assert_int_equal(mbedtls_x509write_crt_set_subject_name(&crt, subject), 0);
    assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&crt, ca ? subject : issuer_name), 0);
    assert_int_equal(mbedtls_x509write_crt_set_serial(&crt, &sn), 0);
    assert_int_equal(mbedtls_x509write_crt_set_validity(&crt, "20200101000000", "20991231235959"),
                     0);
    assert_int_equal(mbedtls_x509write_crt_set_basic_constraints(&crt, ca, ca ? 0 : -1), 0);
    if (ca)
        assert_int_equal(mbedtls_x509write_crt_set_key_usage(&crt, MBEDTLS_X509_KU_KEY_CERT_SIGN |
                                                                       MBEDTLS_X509_KU_CRL_SIGN),
                         0);
    assert_int_equal(
        mbedtls_x509write_crt_pem(&crt, kc->pem, sizeof kc->pem, crypto_rng_callback, NULL), 0);
    mbedtls_x509write_crt_free(&crt);
    mbedtls_mpi_free(&sn);
}

static struct keycert ca, other_ca, leaf_localhost, leaf_wrong;

/* ------------------------------------------------------------------ test server */

struct server {
    int lfd;
    uint16_t port;
    bool tls;
    pthread_t thread;
    atomic_bool stop;
    atomic_int accepted; /* TCP connections accepted */
    atomic_int live;     /* connection threads still running */
    mbedtls_ssl_config conf;
    mbedtls_x509_crt cert;
    mbedtls_pk_context *key;
    pthread_mutex_t sni_lock;
    char last_sni[64];
};

struct sconn {
    struct server *s;
    int fd;
    mbedtls_ssl_context ssl;
    mbedtls_net_context net;
};

static int
sni_cb(void *arg, mbedtls_ssl_context *ssl, const unsigned char *name, size_t len)
{
    struct server *s = arg;

    (void)ssl;
    pthread_mutex_lock(&s->sni_lock);
    snprintf(s->last_sni, sizeof s->last_sni, "%.*s", (int)len, (const char *)name);
    pthread_mutex_unlock(&s->sni_lock);
    return 0;
}

static int
s_write(struct sconn *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    int n;

    while (len > 0) {
        n = c->s->tls ? mbedtls_ssl_write(&c->ssl, p, len) : mbedtls_net_send(&c->net, p, len);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int
s_read(struct sconn *c, void *buf, size_t cap)
{
    return c->s->tls ? mbedtls_ssl_read(&c->ssl, buf, cap) : mbedtls_net_recv(&c->net, buf, cap);
}

static int s_printf(struct sconn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
s_printf(struct sconn *c, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return s_write(c, buf, (size_t)n);
}

struct srequest {
    char method[16];
    char path[256];
    char x_test[128];
    char body[4096];
    size_t body_len;
};

/* Reads one request; 0 on success, -1 at the end of the connection. */
static int
s_read_request(struct sconn *c, struct srequest *rq)
{
    char buf[8192], *end, *cl, *xt;
    size_t len = 0, head, want = 0;
    int n;

    memset(rq, 0, sizeof *rq);
    for (;;) {
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end)
            break;
        if (len == sizeof buf - 1)
            return -1;
        n = s_read(c, buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            return -1;
        len += (size_t)n;
    }
    head = (size_t)(end - buf) + 4;
    if (sscanf(buf, "%15s %255s", rq->method, rq->path) != 2)
        return -1;
    cl = strcasestr(buf, "\r\ncontent-length:");
    if (cl && cl < end)
        want = strtoul(cl + 17, NULL, 10);
    xt = strcasestr(buf, "\r\nx-test:");
    if (xt && xt < end)
        sscanf(xt + 9, " %127[^\r]", rq->x_test);
    if (want >= sizeof rq->body)
        return -1;
    rq->body_len = len - head < want ? len - head : want;
    memcpy(rq->body, buf + head, rq->body_len);
    while (rq->body_len < want) {
        n = s_read(c, rq->body + rq->body_len, want - rq->body_len);
        if (n <= 0)
            return -1;
        rq->body_len += (size_t)n;
    }
    return 0;
}

static void
s_wait_stop(struct server *s, int max_ms)
{
    for (int waited = 0; waited < max_ms && !atomic_load(&s->stop); waited += 20)
        usleep(20 * 1000);
}

/* Answers one request; returns false when the connection is to be closed. */
static bool
s_respond(struct sconn *c, const struct srequest *rq)
{
    struct server *s = c->s;
    const char *p = rq->path;
    int n;

    if (!strcmp(p, "/hello"))
        return s_printf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                           "Content-Length: 11\r\n\r\nhello world") == 0;
    if (!strcmp(p, "/chunked"))
        return s_printf(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n") == 0;
    if (!strcmp(p, "/big") || !strcmp(p, "/bigchunked") || !strcmp(p, "/bigclose")) {
        static char chunk[10000];
        bool chunked = !strcmp(p, "/bigchunked"), until_close = !strcmp(p, "/bigclose");
        memset(chunk, 'x', sizeof chunk);
        if (chunked)
            s_printf(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        else if (until_close)
            s_printf(c, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        else
            s_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", 10 * sizeof chunk);
        for (int i = 0; i < 10; i++) {
            if (chunked && s_printf(c, "%zx\r\n", sizeof chunk) != 0)
                return false;
            if (s_write(c, chunk, sizeof chunk) != 0 || (chunked && s_write(c, "\r\n", 2) != 0))
                return false; /* the client gave up: fine */
        }
        if (chunked)
            s_printf(c, "0\r\n\r\n");
        return !until_close;
    }
    if (!strncmp(p, "/redirect/", 10)) {
        n = atoi(p + 10);
        if (n == 0)
            return s_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nlanded") == 0;
        return s_printf(c,
                        "HTTP/1.1 302 Found\r\nLocation: /redirect/%d\r\nContent-Length: 0\r\n\r\n",
                        n - 1) == 0;
    }
    if (!strcmp(p, "/loop"))
        return s_printf(c,
                        "HTTP/1.1 301 Moved\r\nLocation: https://localhost:%u/loop\r\n"
                        "Content-Length: 0\r\n\r\n",
                        (unsigned)s->port) == 0;
    if (!strcmp(p, "/to-metadata"))
        return s_printf(c, "HTTP/1.1 302 Found\r\nLocation: https://169.254.169.254/latest/\r\n"
                           "Content-Length: 0\r\n\r\n") == 0;
    if (!strcmp(p, "/to-private-spelling"))
        return s_printf(c,
                        "HTTP/1.1 302 Found\r\nLocation: https://0x0a000001:%u/\r\n"
                        "Content-Length: 0\r\n\r\n",
                        (unsigned)s->port) == 0;
    if (!strcmp(p, "/to-http"))
        return s_printf(c,
                        "HTTP/1.1 302 Found\r\nLocation: http://localhost:%u/hello\r\n"
                        "Content-Length: 0\r\n\r\n",
                        (unsigned)s->port) == 0;
    if (!strcmp(p, "/to-javascript"))
        return s_printf(c, "HTTP/1.1 302 Found\r\nLocation: javascript:alert(1)\r\n"
                           "Content-Length: 0\r\n\r\n") == 0;
    if (!strcmp(p, "/303") || !strcmp(p, "/307"))
        return s_printf(c, "HTTP/1.1 %s\r\nLocation: /echo\r\nContent-Length: 0\r\n\r\n",
                        p[1] == '3' && p[3] == '3' ? "303 See Other" : "307 Temporary") == 0;
    if (!strcmp(p, "/echo")) {
        char body[4400];
        n = snprintf(body, sizeof body, "%s|%s|%.*s", rq->method, rq->x_test, (int)rq->body_len,
                     rq->body);
        return s_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", n, body) == 0;
    }
    if (!strcmp(p, "/close")) {
        s_printf(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        return false;
    }
    if (!strcmp(p, "/drop")) { /* keep-alive promised, then closed anyway */
        s_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        return false;
    }
    if (!strcmp(p, "/nolength")) {
        s_printf(c, "HTTP/1.1 200 OK\r\n\r\nuntil the end");
        return false;
    }
    if (!strcmp(p, "/interim"))
        return s_printf(c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n"
                           "\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") == 0;
    if (!strcmp(p, "/head"))
        return s_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n") == 0;
    if (!strcmp(p, "/smuggle")) {
        s_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "0\r\n\r\n");
        return false;
    }
    if (!strcmp(p, "/garbage")) {
        s_printf(c, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
        return false;
    }
    if (!strcmp(p, "/truncated")) {
        s_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
        return false;
    }
    if (!strcmp(p, "/silent")) {
        s_wait_stop(s, 5000); /* never answers; the client must time out */
        return false;
    }
    if (!strcmp(p, "/slow-body")) {
        s_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        s_wait_stop(s, 5000);
        return false;
    }
    return s_printf(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found") == 0;
}

static void *
sconn_main(void *arg)
{
    struct sconn *c = arg;
    struct srequest rq;
    struct timeval tv = {.tv_sec = 3};
    int rc;

    (void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    c->net.fd = c->fd;
    mbedtls_ssl_init(&c->ssl);
    if (c->s->tls) {
        if (mbedtls_ssl_setup(&c->ssl, &c->s->conf) != 0)
            goto out;
        mbedtls_ssl_set_bio(&c->ssl, &c->net, mbedtls_net_send, mbedtls_net_recv, NULL);
        do
            rc = mbedtls_ssl_handshake(&c->ssl);
        while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
        if (rc != 0)
            goto out; /* the client refused our certificate, or timed out */
    }
    while (!atomic_load(&c->s->stop) && s_read_request(c, &rq) == 0 && s_respond(c, &rq))
        ;
    if (c->s->tls)
        mbedtls_ssl_close_notify(&c->ssl);
out:
    mbedtls_ssl_free(&c->ssl);
    close(c->fd);
    atomic_fetch_sub(&c->s->live, 1);
    free(c);
    return NULL;
}

static void *
server_main(void *arg)
{
    struct server *s = arg;
    struct pollfd p = {.fd = s->lfd, .events = POLLIN};
    pthread_t t;

    while (!atomic_load(&s->stop)) {
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        struct sconn *c = calloc(1, sizeof *c);
        assert_non_null(c);
        c->s = s;
        c->fd = fd;
        atomic_fetch_add(&s->accepted, 1);
        atomic_fetch_add(&s->live, 1);
        assert_int_equal(pthread_create(&t, NULL, sconn_main, c), 0);
        pthread_detach(t);
    }
    return NULL;
}

/* A listening socket on 127.0.0.1 with an ephemeral port. */
static int
listen_loopback(uint16_t *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static void
server_start(struct server *s, struct keycert *leaf, bool tls)
{
    memset(s, 0, sizeof *s);
    s->tls = tls;
    pthread_mutex_init(&s->sni_lock, NULL);
    mbedtls_ssl_config_init(&s->conf);
    mbedtls_x509_crt_init(&s->cert);
    if (tls) {
        assert_int_equal(mbedtls_x509_crt_parse(&s->cert, leaf->pem, strlen((char *)leaf->pem) + 1),
                         0);
        s->key = &leaf->key;
        assert_int_equal(mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
                                                     MBEDTLS_SSL_TRANSPORT_STREAM,
                                                     MBEDTLS_SSL_PRESET_DEFAULT),
                         0);
        mbedtls_ssl_conf_rng(&s->conf, crypto_rng_callback, NULL);
        assert_int_equal(mbedtls_ssl_conf_own_cert(&s->conf, &s->cert, s->key), 0);
        mbedtls_ssl_conf_sni(&s->conf, sni_cb, s);
    }
    s->lfd = listen_loopback(&s->port);
    assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
}

static void
server_stop(struct server *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    close(s->lfd);
    /* Connection threads end within their 3 s socket timeouts at most. */
    for (int i = 0; i < 500 && atomic_load(&s->live) > 0; i++)
        usleep(10 * 1000);
    if (atomic_load(&s->live) > 0)
        return; /* leak rather than free what a thread still uses */
    mbedtls_ssl_config_free(&s->conf);
    mbedtls_x509_crt_free(&s->cert);
    pthread_mutex_destroy(&s->sni_lock);
}

static struct server good, wrong_name, plain;
static int silent_fd = -1;
static uint16_t silent_port;

/* ------------------------------------------------------------------ fixtures */

static void
write_pem(const char *path, const struct keycert *kc)
{
    test_spit(path, kc->pem, strlen((const char *)kc->pem));
}

static int
group_setup(void **state)
{
    (void)state;
    /* The test servers write with mbedtls_net_send(): a client that went
     * away must not kill the program. (The client uses MSG_NOSIGNAL.) */
    signal(SIGPIPE, SIG_IGN);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_http_client.XXXXXX");
    if (!mkdtemp(tmpdir) || crypto_rng_init() != POD_OK)
        return -1;
    cert_make(&ca, "CN=plugpod test CA,O=plugpod", NULL, NULL, 1);
    cert_make(&other_ca, "CN=some other CA,O=elsewhere", NULL, NULL, 1);
    cert_make(&leaf_localhost, "CN=localhost,O=plugpod", &ca, "CN=plugpod test CA,O=plugpod", 2);
    cert_make(&leaf_wrong, "CN=wrong.example,O=plugpod", &ca, "CN=plugpod test CA,O=plugpod", 3);
    snprintf(ca_path, sizeof ca_path, "%s/ca.pem", tmpdir);
    snprintf(other_ca_path, sizeof other_ca_path, "%s/other_ca.pem", tmpdir);
    snprintf(garbage_path, sizeof garbage_path, "%s/garbage.pem", tmpdir);
    write_pem(ca_path, &ca);
    write_pem(other_ca_path, &other_ca);
    test_spit(garbage_path, "not a certificate\n", 18);
    server_start(&good, &leaf_localhost, true);
    server_start(&wrong_name, &leaf_wrong, true);
    server_start(&plain, NULL, false);
    /* Accepts TCP (the kernel does, from the backlog) but never speaks. */
    silent_fd = listen_loopback(&silent_port);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    server_stop(&good);
    server_stop(&wrong_name);
    server_stop(&plain);
    close(silent_fd);
    mbedtls_pk_free(&ca.key);
    mbedtls_pk_free(&other_ca.key);
    mbedtls_pk_free(&leaf_localhost.key);
    mbedtls_pk_free(&leaf_wrong.key);
    crypto_rng_free();
    return test_rm_tree(tmpdir);
}

/* A client trusting bundle, with loopback allowed when allow_loopback. */
static void
client_make(struct http_client *c, const char *bundle, bool allow_loopback, bool allow_http)
{
    struct http_guard g;
    struct http_client_config cfg = {.ca_bundle = bundle, .guard = &g, .allow_http = allow_http};
    char why[256] = "";

    http_guard_init(&g);
    if (allow_loopback)
        assert_int_equal(http_guard_allow_cidr(&g, "127.0.0.0/8"), POD_OK);
    if (http_client_init(c, &cfg, why, sizeof why) != POD_OK)
        fail_msg("http_client_init: %s", why);
}

static char *
url_of(const struct server *s, const char *scheme_host, const char *path)
{
    static _Thread_local char buf[4][256];
    static _Thread_local int next;
    char *u = buf[next++ % 4];

    snprintf(u, sizeof buf[0], "%s:%u%s", scheme_host, (unsigned)s->port, path);
    return u;
}

/* GETs url with short timeouts; returns the result, out filled. */
static int
get(struct http_client *c, const char *url, unsigned redirects, size_t max,
    struct http_response *out)
{
    struct http_request rq = {
        .url = url,
        .connect_timeout_ms = 2000,
        .timeout_ms = 5000,
        .max_redirects = redirects,
        .max_response_bytes = max,
    };
    return http_request(c, &rq, out);
}

/* ------------------------------------------------------------------ parser */

struct head_case {
    const char *in;
    int ret;
    int status;
    int64_t content_length;
    bool chunked, close;
};

static const struct head_case head_cases[] = {
    {"HTTP/1.1 200 OK\r\n\r\n", POD_OK, 200, -1, false, false},
    {"HTTP/1.1 200\r\n\r\n", POD_OK, 200, -1, false, false},
    {"HTTP/1.1 404 Not \xc3\xa4 Found\r\n\r\n", POD_OK, 404, -1, false, false},
    {"HTTP/1.1 200 OK\n\n", POD_OK, 200, -1, false, false},
    {"HTTP/1.0 200 OK\r\n\r\n", POD_OK, 200, -1, false, true},
    {"HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\n\r\n", POD_OK, 200, -1, false, true},
    {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", POD_OK, 200, 5, false, false},
    {"HTTP/1.1 200 OK\r\ncontent-length:   5  \r\ncontent-length: 5\r\n\r\n", POD_OK, 200, 5, false,
     false},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n", POD_OK, 200, -1, true, false},
    {"HTTP/1.1 599 x\r\nX-Empty:\r\n\r\n", POD_OK, 599, -1, false, false},
    {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", POD_ERR_PARSE, 0, 0,
     false, false},
    {"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", POD_ERR_PARSE, 0, 0, false,
     false},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", POD_ERR_PARSE, 0, 0, false,
     false},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
     POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", POD_ERR_PARSE, 0,
     0, false, false},
    {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false}, /* obs-fold */
    {"HTTP/1.1 200 OK\r\nX : a\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 200 OK\r\n: a\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 200 OK\r\nNo colon\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 200 OK\r\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/2 200 OK\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 99 OK\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 600 OK\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"HTTP/1.1 200OK\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"http/1.1 200 OK\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"\r\nHTTP/1.1 200 OK\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
    {"SSH-2.0-OpenSSH\r\n\r\n", POD_ERR_PARSE, 0, 0, false, false},
};

static void
test_head_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof head_cases / sizeof head_cases[0]; i++) {
        const struct head_case *c = &head_cases[i];
        struct http_head h;
        size_t n = strlen(c->in), head_len;
        int ret = http_head_parse(c->in, n, &h, &head_len);
        if (ret != c->ret)
            fail_msg("case %zu: got %d, want %d", i, ret, c->ret);
        if (ret != POD_OK)
            continue;
        assert_int_equal(head_len, n);
        assert_int_equal(h.status, c->status);
        assert_int_equal(h.content_length, c->content_length);
        assert_int_equal(h.chunked, c->chunked);
        assert_int_equal(h.close, c->close);
    }
}

static void
test_head_parse_partial_and_limits(void **state)
{
    static const char full[] = "HTTP/1.1 301 Moved\r\nLocation: /x \r\n\r\nbody";
    static char big[CONFIG_POD_HTTPC_HEAD_MAX + 100];
    struct http_head h;
    const struct http_field *f;
    size_t head_len, n;

    (void)state;
    /* Every prefix of a head is "need more", then the head is found. */
    for (n = 0; n < sizeof full - 5; n++) {
        assert_int_equal(http_head_parse(full, n, &h, &head_len), POD_OK);
        assert_int_equal(head_len, 0);
    }
    assert_int_equal(http_head_parse(full, sizeof full - 1, &h, &head_len), POD_OK);
    assert_int_equal(head_len, sizeof full - 5);
    f = http_head_find(&h, "LOCATION");
    assert_non_null(f);
    assert_int_equal(f->value_len, 2);
    assert_memory_equal(f->value, "/x", 2);
    assert_null(http_head_find(&h, "content-length"));

    /* A head that never ends within the limit. */
    n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n");
    while (n + 16 < sizeof big)
        n += (size_t)snprintf(big + n, sizeof big - n, "X-Pad: 0123456\r\n");
    assert_int_equal(http_head_parse(big, n, &h, &head_len), POD_ERR_LIMIT);

    /* More fields than CONFIG_POD_HTTPC_MAX_HEADERS. */
    n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i <= CONFIG_POD_HTTPC_MAX_HEADERS; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "X-%d: y\r\n", i);
    n += (size_t)snprintf(big + n, sizeof big - n, "\r\n");
    assert_int_equal(http_head_parse(big, n, &h, &head_len), POD_ERR_LIMIT);

    assert_true(http_status_bodyless(204, false));
    assert_true(http_status_bodyless(304, false));
    assert_true(http_status_bodyless(100, false));
    assert_true(http_status_bodyless(200, true));
    assert_false(http_status_bodyless(200, false));
}

struct chunk_case {
    const char *in;
    int ret;
    bool done;
    const char *data;
    size_t unused; /* input bytes left after the end */
};

static const struct chunk_case chunk_cases[] = {
    {"5\r\nhello\r\n0\r\n\r\n", POD_OK, true, "hello", 0},
    {"5;a=b;c\r\nhello\r\n6 ; x\r\n world\r\n0\r\nT: 1\r\nU: 2\r\n\r\nEXTRA", POD_OK, true,
     "hello world", 5},
    {"5\nhello\n0\n\n", POD_OK, true, "hello", 0},
    {"A\r\n0123456789\r\n00\r\n\r\n", POD_OK, true, "0123456789", 0},
    {"0\r\n\r\n", POD_OK, true, "", 0},
    {"5\r\nhel", POD_OK, false, "hel", 0},
    {"5\r\nhello\r\n", POD_OK, false, "hello", 0},
    {"5\r\nhelloX\r\n", POD_ERR_PARSE, false, "hello", 0},
    {"g\r\n", POD_ERR_PARSE, false, "", 0},
    {"\r\n", POD_ERR_PARSE, false, "", 0},
    {" 5\r\nhello\r\n", POD_ERR_PARSE, false, "", 0},
    {"-5\r\n", POD_ERR_PARSE, false, "", 0},
    {"5\r\r\nhello", POD_ERR_PARSE, false, "", 0},
    {"5;\x01\r\nhello", POD_ERR_PARSE, false, "", 0},
    {"ffffffffffffffffff\r\n", POD_ERR_PARSE, false, "", 0},
    {"0\r\n\x01\r\n\r\n", POD_ERR_PARSE, false, "", 0},
    {"0\r\nT: \x01\r\n\r\n", POD_ERR_PARSE, false, "", 0},
    {"0\r\n\rX", POD_ERR_PARSE, false, "", 0},
};

static void
test_chunked_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof chunk_cases / sizeof chunk_cases[0]; i++) {
        const struct chunk_case *c = &chunk_cases[i];
        struct http_chunked st;
        char out[64];
        size_t n = strlen(c->in), used, made;
        int ret;

        http_chunked_init(&st);
        ret = http_chunked_decode(&st, c->in, n, &used, out, sizeof out, &made);
        if (ret != c->ret || st.done != c->done)
            fail_msg("case %zu: got %d/%d, want %d/%d", i, ret, st.done, c->ret, c->done);
        assert_int_equal(made, strlen(c->data));
        assert_memory_equal(out, c->data, made);
        if (ret == POD_OK)
            assert_int_equal(n - used, c->unused);
    }
}

static void
test_chunked_limits(void **state)
{
    static char in[CONFIG_POD_HTTPC_HEAD_MAX + 2048];
    struct http_chunked st;
    char out[16];
    size_t n, used, made;

    (void)state;
    /* An endless chunk extension. */
    n = (size_t)snprintf(in, sizeof in, "5;");
    memset(in + n, 'x', 2000);
    http_chunked_init(&st);
    assert_int_equal(http_chunked_decode(&st, in, n + 2000, &used, out, sizeof out, &made),
                     POD_ERR_LIMIT);
    /* Endless trailers. */
    n = (size_t)snprintf(in, sizeof in, "0\r\n");
    while (n + 10 < sizeof in)
        n += (size_t)snprintf(in + n, sizeof in - n, "T: 12345\r\n");
    http_chunked_init(&st);
    assert_int_equal(http_chunked_decode(&st, in, n, &used, out, sizeof out, &made), POD_ERR_LIMIT);
    /* A full output buffer stops the decoder without losing bytes. */
    http_chunked_init(&st);
    n = (size_t)snprintf(in, sizeof in, "20\r\n0123456789abcdef0123456789ABCDEF\r\n0\r\n\r\n");
    assert_int_equal(http_chunked_decode(&st, in, n, &used, out, sizeof out, &made), POD_OK);
    assert_int_equal(made, 16);
    assert_false(st.done);
    assert_memory_equal(out, "0123456789abcdef", 16);
    assert_int_equal(http_chunked_decode(&st, in + used, n - used, &used, out, sizeof out, &made),
                     POD_OK);
    assert_int_equal(made, 16);
    assert_memory_equal(out, "0123456789ABCDEF", 16);
    assert_true(st.done);
}

/* ------------------------------------------------------------------ tests */

static void
test_init_errors(void **state)
{
    struct http_client c;
    struct http_client_config cfg = {.ca_bundle = "/nonexistent/ca.pem"};
    char why[256] = "";

    (void)state;
    assert_int_equal(http_client_init(&c, &cfg, why, sizeof why), POD_ERR_NOTFOUND);
    assert_non_null(strstr(why, "/nonexistent/ca.pem"));
    cfg.ca_bundle = garbage_path;
    assert_int_equal(http_client_init(&c, &cfg, why, sizeof why), POD_ERR_PARSE);
    /* The system bundle, when this machine has one. */
    if (access(HTTP_CA_BUNDLE_DEFAULT, R_OK) == 0) {
        assert_int_equal(http_client_init(&c, NULL, why, sizeof why), POD_OK);
        http_client_free(&c);
    }
}

static void
test_success_with_ca(void **state)
{
    struct http_client c;
    struct http_response r;

    (void)state;
    client_make(&c, ca_path, true, false);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/hello"), 0, 0, &r), POD_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 11);
    assert_string_equal(r.body, "hello world");
    assert_string_equal(http_response_header(&r, "content-type"), "text/plain");
    assert_string_equal(http_response_header(&r, "Content-Length"), "11");
    assert_null(http_response_header(&r, "location"));
    assert_string_equal(r.url, url_of(&good, "https://localhost", "/hello"));
    pthread_mutex_lock(&good.sni_lock);
    assert_string_equal(good.last_sni, "localhost"); /* SNI was sent */
    pthread_mutex_unlock(&good.sni_lock);
    http_response_free(&r);
    http_response_free(&r); /* twice is harmless */

    /* A 404 is a response, not an error. */
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/nope"), 0, 0, &r), POD_OK);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "not found");
    http_response_free(&r);
    http_client_free(&c);
}

static void
test_wrong_ca(void **state)
{
    struct http_client c;
    struct http_response r;
    int before = atomic_load(&good.accepted);

    (void)state;
    client_make(&c, other_ca_path, true, false);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/hello"), 0, 0, &r),
                     POD_ERR_CRYPTO);
    assert_non_null(strstr(r.why, "not accepted"));
    assert_int_equal(r.status, 0);
    assert_null(r.body);
    assert_true(atomic_load(&good.accepted) > before); /* it did connect, then refused */
    http_response_free(&r);
    http_client_free(&c);
}

static void
test_hostname_mismatch(void **state)
{
    struct http_client c;
    struct http_response r;

    (void)state;
    client_make(&c, ca_path, true, false);
    /* Signed by the trusted CA, but for wrong.example. */
    assert_int_equal(get(&c, url_of(&wrong_name, "https://localhost", "/hello"), 0, 0, &r),
                     POD_ERR_CRYPTO);
    assert_non_null(strstr(r.why, "not accepted"));
    http_response_free(&r);
    /* The localhost certificate does not cover the name 127.0.0.1 either. */
    assert_int_equal(get(&c, url_of(&good, "https://127.0.0.1", "/hello"), 0, 0, &r),
                     POD_ERR_CRYPTO);
    http_response_free(&r);
    http_client_free(&c);
}

static void
test_loopback_refused_unless_allowed(void **state)
{
    struct http_client c;
    struct http_response r;
    int before = atomic_load(&good.accepted);

    (void)state;
    client_make(&c, ca_path, false, false);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/hello"), 0, 0, &r), POD_ERR_AUTH);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://127.0.0.1", "/hello"), 0, 0, &r), POD_ERR_AUTH);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://0x7f.1", "/hello"), 0, 0, &r), POD_ERR_AUTH);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://2130706433", "/hello"), 0, 0, &r),
                     POD_ERR_AUTH);
    assert_non_null(strstr(r.why, "address guard"));
    http_response_free(&r);
    /* Refused before any connection was made. */
    assert_int_equal(atomic_load(&good.accepted), before);
    http_client_free(&c);
}

static void
test_plain_http_needs_option(void **state)
{
    struct http_client c;
    struct http_response r;
    int before = atomic_load(&plain.accepted);

    (void)state;
    client_make(&c, ca_path, true, false);
    assert_int_equal(get(&c, url_of(&plain, "http://localhost", "/hello"), 0, 0, &r), POD_ERR_AUTH);
    http_response_free(&r);
    assert_int_equal(atomic_load(&plain.accepted), before);
    /* An https server redirecting to http is refused the same way. */
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/to-http"), 4, 0, &r),
                     POD_ERR_AUTH);
    http_response_free(&r);
    http_client_free(&c);

    client_make(&c, ca_path, true, true);
    assert_int_equal(get(&c, url_of(&plain, "http://localhost", "/hello"), 0, 0, &r), POD_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello world");
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&plain, "http://localhost", "/chunked"), 0, 0, &r), POD_OK);
    assert_string_equal(r.body, "hello, world");
    http_response_free(&r);
    http_client_free(&c);
}

static void
test_chunked(void **state)
{
    struct http_client c;
    struct http_response r;

    (void)state;
    client_make(&c, ca_path, true, false);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/chunked"), 0, 0, &r), POD_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 12);
    assert_string_equal(r.body, "hello, world");
    http_response_free(&r);
    /* A large chunked body under the limit arrives whole. */
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/bigchunked"), 0, 100000, &r),
                     POD_OK);
    assert_int_equal(r.body_len, 100000);
    assert_int_equal(r.body[0], 'x');
    assert_int_equal(r.body[99999], 'x');
    assert_int_equal(r.body[100000], '\0');
    http_response_free(&r);
    http_client_free(&c);
}

static void
test_other_framings(void **state)
{
    struct http_client c;
    struct http_response r;
    struct http_request rq = {.method = "HEAD", .timeout_ms = 5000};

    (void)state;
    client_make(&c, ca_path, true, false);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/nolength"), 0, 0, &r), POD_OK);
    assert_string_equal(r.body, "until the end");
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/interim"), 0, 0, &r), POD_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok");
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/big"), 0, 100000, &r), POD_OK);
    assert_int_equal(r.body_len, 100000);
    http_response_free(&r);
    /* HEAD: a Content-Length but no body. */
    rq.url = url_of(&good, "https://localhost", "/head");
    assert_int_equal(http_request(&c, &rq, &r), POD_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(r.body, "");
    http_response_free(&r);
    http_client_free(&c);
}

static void
test_malformed_responses(void **state)
{
    struct http_client c;
    struct http_response r;

    (void)state;
    client_make(&c, ca_path, true, false);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/smuggle"), 0, 0, &r),
                     POD_ERR_PARSE);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/garbage"), 0, 0, &r),
                     POD_ERR_PARSE);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/truncated"), 0, 0, &r),
                     POD_ERR_IO);
    http_response_free(&r);
    http_client_free(&c);
}

static void
test_size_limit(void **state)
{
    struct http_client c;
    struct http_response r;

    (void)state;
    client_make(&c, ca_path, true, false);
    /* Content-Length above the limit: refused before the body is read. */
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/big"), 0, 1000, &r),
                     POD_ERR_LIMIT);
    assert_null(r.body);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/bigchunked"), 0, 1000, &r),
                     POD_ERR_LIMIT);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/bigclose"), 0, 1000, &r),
                     POD_ERR_LIMIT);
    http_response_free(&r);
    /* Exactly at the limit is fine, one byte less is not. */
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/hello"), 0, 11, &r), POD_OK);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/hello"), 0, 10, &r),
                     POD_ERR_LIMIT);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/chunked"), 0, 12, &r), POD_OK);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/chunked"), 0, 11, &r),
                     POD_ERR_LIMIT);
    http_response_free(&r);
    http_client_free(&c);
}

static void
test_redirects(void **state)
{
    struct http_client c;
    struct http_response r;

    (void)state;
    client_make(&c, ca_path, true, false);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/redirect/3"), 4, 0, &r), POD_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "landed");
    assert_int_equal(r.redirects, 3);
    assert_string_equal(r.url, url_of(&good, "https://localhost", "/redirect/0"));
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/redirect/4"), 4, 0, &r), POD_OK);
    assert_int_equal(r.redirects, 4);
    http_response_free(&r);
    /* One more than allowed. */
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/redirect/5"), 4, 0, &r),
                     POD_ERR_LIMIT);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/redirect/2"), 1, 0, &r),
                     POD_ERR_LIMIT);
    http_response_free(&r);
    /* More than the Kconfig ceiling is the ceiling. */
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/redirect/5"), 1000, 0, &r),
                     CONFIG_POD_HTTPC_MAX_REDIRECTS >= 5 ? POD_OK : POD_ERR_LIMIT);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/loop"), 4, 0, &r), POD_ERR_LIMIT);
    http_response_free(&r);
    /* 0 redirects (deliveries): the redirect is the answer. */
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/redirect/1"), 0, 0, &r), POD_OK);
    assert_int_equal(r.status, 302);
    assert_string_equal(http_response_header(&r, "location"), "/redirect/0");
    assert_int_equal(r.redirects, 0);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/to-javascript"), 4, 0, &r),
                     POD_ERR_INVAL);
    http_response_free(&r);
    http_client_free(&c);
}

static void
test_redirect_to_refused_address(void **state)
{
    struct http_client c;
    struct http_response r;

    (void)state;
    client_make(&c, ca_path, true, false);
    /* Loopback is allowed, but the hop to the metadata address is not. */
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/to-metadata"), 4, 0, &r),
                     POD_ERR_AUTH);
    assert_non_null(strstr(r.why, "169.254.169.254"));
    http_response_free(&r);
    /* 0x0a000001 is 10.0.0.1 once resolved. */
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/to-private-spelling"), 4, 0, &r),
                     POD_ERR_AUTH);
    http_response_free(&r);
    http_client_free(&c);
}

static void
test_redirect_methods(void **state)
{
    struct http_client c;
    struct http_response r;
    struct http_header h[] = {{"X-Test", "abc"}, {"Content-Type", "text/plain"}};
    struct http_request rq = {.method = "POST",
                              .headers = h,
                              .n_headers = 2,
                              .body = "payload",
                              .body_len = 7,
                              .timeout_ms = 5000,
                              .max_redirects = 4};

    (void)state;
    client_make(&c, ca_path, true, false);
    rq.url = url_of(&good, "https://localhost", "/echo");
    assert_int_equal(http_request(&c, &rq, &r), POD_OK);
    assert_string_equal(r.body, "POST|abc|payload");
    http_response_free(&r);
    /* 303: the next hop is a GET without the body. */
    rq.url = url_of(&good, "https://localhost", "/303");
    assert_int_equal(http_request(&c, &rq, &r), POD_OK);
    assert_string_equal(r.body, "GET|abc|");
    http_response_free(&r);
    /* 307: method and body are kept. */
    rq.url = url_of(&good, "https://localhost", "/307");
    assert_int_equal(http_request(&c, &rq, &r), POD_OK);
    assert_string_equal(r.body, "POST|abc|payload");
    assert_int_equal(r.redirects, 1);
    http_response_free(&r);
    http_client_free(&c);
}

static void
test_large_post_body(void **state)
{
    struct http_client c;
    struct http_response r;
    static char body[4000];
    struct http_request rq = {.method = "POST", .body = body, .timeout_ms = 5000};

    (void)state;
    memset(body, 'b', sizeof body);
    rq.body_len = sizeof body - 10;
    client_make(&c, ca_path, true, false);
    rq.url = url_of(&good, "https://localhost", "/echo");
    assert_int_equal(http_request(&c, &rq, &r), POD_OK);
    assert_int_equal(r.body_len, 6 + sizeof body - 10);
    http_response_free(&r);
    http_client_free(&c);
}

static void
test_timeout_silent_server(void **state)
{
    struct http_client c;
    struct http_response r;
    struct http_request rq = {.timeout_ms = 300, .connect_timeout_ms = 300};
    char url[128];

    (void)state;
    client_make(&c, ca_path, true, false);
    /* TCP connects (the backlog), the TLS handshake never gets an answer. */
    snprintf(url, sizeof url, "https://localhost:%u/", (unsigned)silent_port);
    rq.url = url;
    assert_int_equal(http_request(&c, &rq, &r), POD_ERR_IO);
    assert_non_null(strstr(r.why, "timed out"));
    http_response_free(&r);
    /* The handshake works but no response comes. */
    rq.url = url_of(&good, "https://localhost", "/silent");
    assert_int_equal(http_request(&c, &rq, &r), POD_ERR_IO);
    assert_non_null(strstr(r.why, "in time"));
    http_response_free(&r);
    /* Part of the body, then silence. */
    rq.url = url_of(&good, "https://localhost", "/slow-body");
    assert_int_equal(http_request(&c, &rq, &r), POD_ERR_IO);
    http_response_free(&r);
    http_client_free(&c);
}

static void
test_connection_reuse(void **state)
{
    struct http_client c;
    struct http_response r;
    int before;

    (void)state;
    client_make(&c, ca_path, true, false);
    before = atomic_load(&good.accepted);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/hello"), 0, 0, &r), POD_OK);
    assert_false(r.reused);
    http_response_free(&r);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(get(&c, url_of(&good, "https://localhost", "/chunked"), 0, 0, &r), POD_OK);
        assert_true(r.reused);
        assert_string_equal(r.body, "hello, world");
        http_response_free(&r);
    }
    assert_int_equal(atomic_load(&good.accepted), before + 1);

    /* "Connection: close" is honoured: the next request connects anew. */
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/close"), 0, 0, &r), POD_OK);
    assert_true(r.reused);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/hello"), 0, 0, &r), POD_OK);
    assert_false(r.reused);
    http_response_free(&r);
    assert_int_equal(atomic_load(&good.accepted), before + 2);

    /* A server that closes a keep-alive connection anyway: the next
     * request still succeeds, on a new connection. */
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/drop"), 0, 0, &r), POD_OK);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/hello"), 0, 0, &r), POD_OK);
    assert_string_equal(r.body, "hello world");
    http_response_free(&r);

    /* A failed request (size limit) never returns its connection. */
    before = atomic_load(&good.accepted);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/big"), 0, 10, &r), POD_ERR_LIMIT);
    http_response_free(&r);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/hello"), 0, 0, &r), POD_OK);
    http_response_free(&r);
    assert_int_equal(atomic_load(&good.accepted), before + 1);

    /* no_reuse may use a pooled connection but closes it afterwards. */
    struct http_request rq = {
        .url = url_of(&good, "https://localhost", "/hello"), .timeout_ms = 5000, .no_reuse = true};
    assert_int_equal(http_request(&c, &rq, &r), POD_OK);
    http_response_free(&r);
    before = atomic_load(&good.accepted);
    assert_int_equal(get(&c, url_of(&good, "https://localhost", "/hello"), 0, 0, &r), POD_OK);
    assert_false(r.reused);
    http_response_free(&r);
    assert_int_equal(atomic_load(&good.accepted), before + 1);

    http_client_pool_flush(&c);
    assert_int_equal(c.n_idle, 0);
    http_client_free(&c);
}

struct worker {
    struct http_client *c;
    int ok;
};

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct http_response r;

    for (int i = 0; i < 10; i++) {
        if (get(w->c, url_of(&good, "https://localhost", i % 2 ? "/hello" : "/chunked"), 0, 0,
                &r) == POD_OK &&
            r.status == 200)
            w->ok++;
        http_response_free(&r);
    }
    return NULL;
}

static void
test_threads_share_a_client(void **state)
{
    struct http_client c;
    struct worker w[4];
    pthread_t t[4];

    (void)state;
    client_make(&c, ca_path, true, false);
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.c = &c};
        assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].ok, 10);
    }
    assert_true(c.n_idle <= CONFIG_POD_HTTPC_POOL_PER_HOST);
    http_client_free(&c);
}

static void
test_request_validation(void **state)
{
    struct http_client c;
    struct http_response r;
    struct http_header inject[] = {{"X-Test", "a\r\nEvil: 1"}};
    struct http_header host[] = {{"Host", "evil.example"}};
    struct http_header badname[] = {{"X Test", "1"}};
    struct http_header ua[] = {{"User-Agent", "tester/1"}, {"X-Test", "x"}};
    struct http_request rq = {.url = url_of(&good, "https://localhost", "/echo"),
                              .timeout_ms = 5000};
    int before = atomic_load(&good.accepted);

    (void)state;
    client_make(&c, ca_path, true, false);
    rq.method = "get";
    assert_int_equal(http_request(&c, &rq, &r), POD_ERR_INVAL);
    http_response_free(&r);
    rq.method = "GE T";
    assert_int_equal(http_request(&c, &rq, &r), POD_ERR_INVAL);
    http_response_free(&r);
    rq.method = NULL;
    rq.headers = inject;
    rq.n_headers = 1;
    assert_int_equal(http_request(&c, &rq, &r), POD_ERR_INVAL);
    http_response_free(&r);
    rq.headers = host;
    assert_int_equal(http_request(&c, &rq, &r), POD_ERR_INVAL);
    http_response_free(&r);
    rq.headers = badname;
    assert_int_equal(http_request(&c, &rq, &r), POD_ERR_INVAL);
    http_response_free(&r);
    rq.headers = NULL;
    rq.n_headers = 0;
    rq.url = "https://user@localhost/";
    assert_int_equal(http_request(&c, &rq, &r), POD_ERR_INVAL);
    http_response_free(&r);
    rq.url = "ftp://localhost/";
    assert_int_equal(http_request(&c, &rq, &r), POD_ERR_INVAL);
    http_response_free(&r);
    assert_int_equal(atomic_load(&good.accepted), before); /* nothing was sent */
    /* A caller's User-Agent replaces the client's. */
    rq.url = url_of(&good, "https://localhost", "/echo");
    rq.headers = ua;
    rq.n_headers = 2;
    assert_int_equal(http_request(&c, &rq, &r), POD_OK);
    assert_string_equal(r.body, "GET|x|");
    http_response_free(&r);
    http_client_free(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head_parse_table),
        cmocka_unit_test(test_head_parse_partial_and_limits),
        cmocka_unit_test(test_chunked_table),
        cmocka_unit_test(test_chunked_limits),
        cmocka_unit_test(test_init_errors),
        cmocka_unit_test(test_success_with_ca),
        cmocka_unit_test(test_wrong_ca),
        cmocka_unit_test(test_hostname_mismatch),
        cmocka_unit_test(test_loopback_refused_unless_allowed),
        cmocka_unit_test(test_plain_http_needs_option),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_other_framings),
        cmocka_unit_test(test_malformed_responses),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_redirects),
        cmocka_unit_test(test_redirect_to_refused_address),
        cmocka_unit_test(test_redirect_methods),
        cmocka_unit_test(test_large_post_body),
        cmocka_unit_test(test_timeout_silent_server),
        cmocka_unit_test(test_connection_reuse),
        cmocka_unit_test(test_threads_share_a_client),
        cmocka_unit_test(test_request_validation),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
