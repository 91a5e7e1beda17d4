/*
 * test_tls_swap.c - web/tls.h's certificate swap (web_tls_use_pem) on the
 * real HTTPS listener, and the HTTP-01 answers (web/acme_challenge.c) on
 * the plain port of a non-dev server:
 *
 * - a keep-alive TLS connection made before a swap answers another
 *   request after it; a new connection gets the new certificate; a third
 *   certificate after that, too;
 * - a PEM whose key does not match its certificate, or that is missing, is
 *   refused with a reason and the current certificate stays;
 * - GET /.well-known/acme-challenge/TOKEN on plain HTTP: the published key
 *   authorization as text/plain, 404 for an unknown token, while other
 *   paths are still redirected to HTTPS.
 * Prints the handshake cost before and after a swap (no assertion on it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "acme/challenge.h"
#include "core/error.h"
#include "crypto/crypto.h"
#include "crypto/tls_cert.h"
#include "storetest.h"
#include "web/server.h"
#include "web/tls.h"
#include "testutil.h"

static int
connect_local(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- a TLS client that does not verify (the test compares certificates) */

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_ssl_config client_conf;

static void
client_init(void)
{
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    assert_int_equal(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0), 0);
    mbedtls_ssl_config_init(&client_conf);
    assert_int_equal(mbedtls_ssl_config_defaults(&client_conf, MBEDTLS_SSL_IS_CLIENT,
                                                 MBEDTLS_SSL_TRANSPORT_STREAM,
                                                 MBEDTLS_SSL_PRESET_DEFAULT),
                     0);
    mbedtls_ssl_conf_authmode(&client_conf, MBEDTLS_SSL_VERIFY_NONE);
    mbedtls_ssl_conf_rng(&client_conf, mbedtls_ctr_drbg_random, &drbg);
}

static void
client_free(void)
{
    mbedtls_ssl_config_free(&client_conf);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
}

struct conn {
    mbedtls_net_context net;
    mbedtls_ssl_context ssl;
};

static void
conn_open(struct conn *c, int port)
{
    int rc;

    mbedtls_net_init(&c->net);
    mbedtls_ssl_init(&c->ssl);
    c->net.fd = connect_local(port);
    assert_int_equal(mbedtls_ssl_setup(&c->ssl, &client_conf), 0);
    assert_int_equal(mbedtls_ssl_set_hostname(&c->ssl, "localhost"), 0);
    mbedtls_ssl_set_bio(&c->ssl, &c->net, mbedtls_net_send, mbedtls_net_recv, NULL);
    while ((rc = mbedtls_ssl_handshake(&c->ssl)) != 0)
        assert_true(rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
}

static void
conn_close(struct conn *c)
{
    mbedtls_ssl_close_notify(&c->ssl);
    mbedtls_ssl_free(&c->ssl);
    mbedtls_net_free(&c->net);
}

/* True when the server's certificate on c is the first one in pem_path. */
static bool
conn_serves(struct conn *c, const char *pem_path)
{
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&c->ssl);
    mbedtls_x509_crt want;
    bool same;

    mbedtls_x509_crt_init(&want);
    assert_true(mbedtls_x509_crt_parse_file(&want, pem_path) >= 0);
    assert_non_null(peer);
    same = peer->raw.len == want.raw.len && memcmp(peer->raw.p, want.raw.p, want.raw.len) == 0;
    mbedtls_x509_crt_free(&want);
    return same;
}

/* GET path on the keep-alive connection c; returns the status. */
static int
conn_get(struct conn *c, const char *path)
{
    char req[256], resp[16384];
    size_t got = 0, need = 0;
    const char *end, *cl;
    int status = 0, n;

    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path);
    assert_int_equal(mbedtls_ssl_write(&c->ssl, (const unsigned char *)req, strlen(req)),
                     (int)strlen(req));
    for (;;) {
        n = mbedtls_ssl_read(&c->ssl, (unsigned char *)resp + got, sizeof resp - 1 - got);
        if (n == MBEDTLS_ERR_SSL_WANT_READ)
            continue;
        assert_true(n > 0);
        got += (size_t)n;
        resp[got] = '\0';
        end = strstr(resp, "\r\n\r\n");
        if (!end)
            continue;
        cl = strcasestr(resp, "Content-Length:");
        assert_non_null(cl);
        need = (size_t)(end + 4 - resp) + strtoul(cl + 15, NULL, 10);
        if (got >= need)
            break;
    }
    assert_int_equal(got, need); /* nothing after: one answer per request */
    sscanf(resp, "HTTP/1.%*d %d", &status);
    return status;
}

/* One request over plain HTTP; status and (optionally) the whole answer. */
static int
plain_get(int port, const char *path, char *out, size_t cap)
{
    char req[256], resp[8192];
    size_t got = 0;
    ssize_t n;
    int fd = connect_local(port), status = 0;

    snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
    assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
    while (got < sizeof resp - 1 && (n = recv(fd, resp + got, sizeof resp - 1 - got, 0)) > 0)
        got += (size_t)n;
    resp[got] = '\0';
    close(fd);
    sscanf(resp, "HTTP/1.%*d %d", &status);
    if (out)
        snprintf(out, cap, "%s", resp);
    return status;
}

/* Mean handshake time (ms) over n new connections. */
static double
handshake_ms(int port, unsigned n)
{
    double t0 = now_ms();

    for (unsigned i = 0; i < n; i++) {
        struct conn c;

        conn_open(&c, port);
        conn_close(&c);
    }
    return (now_ms() - t0) / n;
}

/* cert of a, key of b, into out: a pair that does not match. */
static void
mismatch(const char *a, const char *b, const char *out)
{
    char cmd[2048];

    snprintf(cmd, sizeof cmd,
             "sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' %s > %s && "
             "sed -n '/BEGIN.*PRIVATE KEY/,/END.*PRIVATE KEY/p' %s >> %s",
             a, out, b, out);
    assert_int_equal(system(cmd), 0);
}

static void
test_swap_keeps_connections(void **state)
{
    struct fixture *f = *state;
    struct web_config wc = {.host = "localhost", .bind_address = "127.0.0.1"};
    struct web_server *ws = NULL;
    struct conn kept, fresh, third;
    char a[256], b[256], c[256], bad[256], why[256] = "";
    double before, after;

    snprintf(a, sizeof a, "%s/a.pem", f->root);
    snprintf(b, sizeof b, "%s/b.pem", f->root);
    snprintf(c, sizeof c, "%s/c.pem", f->root);
    snprintf(bad, sizeof bad, "%s/bad.pem", f->root);
    assert_int_equal(crypto_rng_init(), POD_OK);
    assert_int_equal(crypto_tls_selfsigned_create(a, "localhost"), POD_OK);
    assert_int_equal(crypto_tls_selfsigned_create(b, "localhost"), POD_OK);
    assert_int_equal(crypto_tls_selfsigned_create(c, "localhost"), POD_OK);
    mismatch(a, b, bad);
    client_init();
    wc.https_port = test_free_port();
    wc.tls_pem = a;
    assert_int_equal(web_server_start(&ws, &wc, f->st, why, sizeof why), POD_OK);

    before = handshake_ms(wc.https_port, 10);
    /* Within the keep-alive timeout (5 s) from here on, even under valgrind. */
    conn_open(&kept, wc.https_port);
    assert_true(conn_serves(&kept, a));
    assert_int_equal(conn_get(&kept, "/health"), 200);

    /* Bad PEMs are refused and change nothing. */
    assert_int_equal(web_tls_use_pem(bad, why, sizeof why), POD_ERR_INVAL);
    assert_non_null(strstr(why, "does not belong"));
    assert_int_equal(web_tls_use_pem("/nonexistent/x.pem", why, sizeof why), POD_ERR_IO);
    conn_open(&fresh, wc.https_port);
    assert_true(conn_serves(&fresh, a));
    conn_close(&fresh);

    /* The swap: the old connection goes on, a new one gets b. */
    assert_int_equal(web_tls_use_pem(b, why, sizeof why), POD_OK);
    assert_int_equal(conn_get(&kept, "/health"), 200);
    assert_true(conn_serves(&kept, a));
    conn_open(&fresh, wc.https_port);
    assert_true(conn_serves(&fresh, b));
    assert_int_equal(conn_get(&fresh, "/health"), 200);

    /* Again, with both connections open: b is freed after its last user. */
    assert_int_equal(web_tls_use_pem(c, why, sizeof why), POD_OK);
    conn_open(&third, wc.https_port);
    assert_true(conn_serves(&third, c));
    assert_int_equal(conn_get(&kept, "/health"), 200);
    assert_int_equal(conn_get(&fresh, "/health"), 200);
    assert_int_equal(conn_get(&third, "/health"), 200);
    conn_close(&third);
    conn_close(&fresh);
    conn_close(&kept);
    after = handshake_ms(wc.https_port, 10);
    print_message("handshake: %.2f ms with the start certificate, %.2f ms after a swap\n", before,
                  after);

    web_server_stop(ws); /* lets go of c as well (web_tls_forget) */
    client_free();
    crypto_rng_free();
}

static void
test_acme_challenge_on_plain_http(void **state)
{
    struct fixture *f = *state;
    struct web_config wc = {.host = "localhost", .bind_address = "127.0.0.1"};
    struct web_server *ws = NULL;
    char pem[256], why[256] = "", resp[8192];
    const char *token = "tok_EN-123", *keyauthz = "tok_EN-123.thumbprint_ABC-9";

    snprintf(pem, sizeof pem, "%s/a.pem", f->root);
    assert_int_equal(crypto_rng_init(), POD_OK);
    assert_int_equal(crypto_tls_selfsigned_create(pem, "localhost"), POD_OK);
    wc.https_port = test_free_port();
    wc.http_port = test_free_port();
    wc.tls_pem = pem; /* not dev: plain HTTP redirects */
    assert_int_equal(web_server_start(&ws, &wc, f->st, why, sizeof why), POD_OK);

    assert_int_equal(acme_challenge_publish(token, keyauthz), POD_OK);
    assert_int_equal(
        plain_get(wc.http_port, "/.well-known/acme-challenge/tok_EN-123", resp, sizeof resp), 200);
    assert_non_null(strcasestr(resp, "Content-Type: text/plain"));
    assert_string_equal(strstr(resp, "\r\n\r\n") + 4, keyauthz);
    assert_int_equal(
        plain_get(wc.http_port, "/.well-known/acme-challenge/unknown", resp, sizeof resp), 404);
    assert_int_equal(plain_get(wc.http_port, "/stream", NULL, 0), 301);
    acme_challenge_withdraw(token);
    assert_int_equal(plain_get(wc.http_port, "/.well-known/acme-challenge/tok_EN-123", NULL, 0),
                     404);

    web_server_stop(ws);
    crypto_rng_free();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_swap_keeps_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acme_challenge_on_plain_http, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
