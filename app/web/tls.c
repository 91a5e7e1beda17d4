#include "web/tls.h"

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <mbedtls/error.h>
#include <mbedtls/ssl_ciphersuites.h>

#include "autoconf.h"
#include "core/error.h"

/* Forward secrecy and AEAD only; ECDSA first (the self-signed certificate is
 * P-256, cheap to handshake on a Pi), RSA for administrators' certificates. */
static const int pod_tls_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    0,
};

/* X25519 first: the cheapest key exchange on a small CPU. Without this list
 * mbedTLS 2.28 prefers the largest curve the client offers. */
static const mbedtls_ecp_group_id pod_tls_curves[] = {
    MBEDTLS_ECP_DP_CURVE25519,
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE,
};

static const char *const pod_tls_suite_names[] = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    NULL,
};

int
web_tls_harden(mbedtls_ssl_config *conf, mbedtls_x509_crt *cert, mbedtls_pk_context *key)
{
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(conf, pod_tls_suites);
    mbedtls_ssl_conf_curves(conf, pod_tls_curves);
    mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    return mbedtls_ssl_conf_own_cert(conf, cert, key);
}

const char *const *
web_tls_suite_names(void)
{
    return pod_tls_suite_names;
}

static unsigned handshake_timeout_ms = CONFIG_POD_REQUEST_TIMEOUT_MS;

/* This file is linked with civetweb, apart from the drivers: its own clock. */
static uint64_t
monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
web_tls_set_handshake_timeout(unsigned ms)
{
    if (ms)
        handshake_timeout_ms = ms;
}

/* A certificate installed after the start (web_tls_use_pem): the chain
 * and key, and how many handshakes still use them. */
struct tls_gen {
    mbedtls_x509_crt chain;
    mbedtls_pk_context key;
    unsigned refs; /* handshakes using it, +1 while it is the current one */
};

static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tls_gen *gen_current; /* NULL: civetweb's own (from the start) */

static void
gen_free(struct tls_gen *g)
{
    mbedtls_x509_crt_free(&g->chain);
    mbedtls_pk_free(&g->key);
    free(g);
}

/* Drops one reference; the last one frees g. */
static void
gen_release(struct tls_gen *g)
{
    bool last;

    if (!g)
        return;
    pthread_mutex_lock(&gen_lock);
    last = --g->refs == 0;
    pthread_mutex_unlock(&gen_lock);
    if (last)
        gen_free(g);
}

/* The current generation with a reference for the caller, or NULL. */
static struct tls_gen *
gen_acquire(void)
{
    struct tls_gen *g;

    pthread_mutex_lock(&gen_lock);
    g = gen_current;
    if (g)
        g->refs++;
    pthread_mutex_unlock(&gen_lock);
    return g;
}

int
web_tls_use_pem(const char *pem_path, char *why, size_t why_len)
{
    struct tls_gen *g = calloc(1, sizeof *g), *old;
    char err[128];
    int rc;

    if (!g) {
        snprintf(why, why_len, "out of memory");
        return POD_ERR_NOMEM;
    }
    mbedtls_x509_crt_init(&g->chain);
    mbedtls_pk_init(&g->key);
    rc = mbedtls_x509_crt_parse_file(&g->chain, pem_path);
    if (rc != 0) { /* > 0: some blocks did not parse */
        mbedtls_strerror(rc < 0 ? rc : MBEDTLS_ERR_X509_INVALID_FORMAT, err, sizeof err);
        snprintf(why, why_len, "%s: certificate chain: %s", pem_path, err);
        rc = rc == MBEDTLS_ERR_X509_FILE_IO_ERROR || rc == MBEDTLS_ERR_PK_FILE_IO_ERROR
                 ? POD_ERR_IO
                 : POD_ERR_INVAL;
        goto fail;
    }
    rc = mbedtls_pk_parse_keyfile(&g->key, pem_path, NULL);
    if (rc != 0) {
        mbedtls_strerror(rc, err, sizeof err);
        snprintf(why, why_len, "%s: private key: %s", pem_path, err);
        rc = POD_ERR_INVAL;
        goto fail;
    }
    rc = mbedtls_pk_check_pair(&g->chain.pk, &g->key);
    if (rc != 0) {
        snprintf(why, why_len, "%s: the key does not belong to the first certificate", pem_path);
        rc = POD_ERR_INVAL;
        goto fail;
    }
    g->refs = 1;
    pthread_mutex_lock(&gen_lock);
    old = gen_current;
    gen_current = g;
    pthread_mutex_unlock(&gen_lock);
    gen_release(old);
    return POD_OK;
fail:
    gen_free(g);
    return rc;
}

void
web_tls_forget(void)
{
    struct tls_gen *old;

    pthread_mutex_lock(&gen_lock);
    old = gen_current;
    gen_current = NULL;
    pthread_mutex_unlock(&gen_lock);
    gen_release(old);
}

int
web_tls_handshake(mbedtls_ssl_context *ssl)
{
    /* civetweb calls this in a loop until it answers something other than
     * WANT_READ/WANT_WRITE, so each thread has one handshake at a time;
     * every way out of the loop forgets it. */
    static _Thread_local const mbedtls_ssl_context *current;
    static _Thread_local uint64_t started;
    static _Thread_local struct tls_gen *held; /* the certificate this handshake offers */
    uint64_t now = monotonic_ms();
    const int *fd = ssl->p_bio;
    struct pollfd p;
    int rc;

    if (ssl != current) {
        current = ssl;
        started = now;
        gen_release(held);
        /* Before the ClientHello is read: a certificate set on the
         * handshake wins over the configuration's (mbedTLS picks from
         * handshake->sni_key_cert when there is one). */
        held = NULL;
        if (ssl->handshake && ssl->state == MBEDTLS_SSL_HELLO_REQUEST &&
            ssl->conf->endpoint == MBEDTLS_SSL_IS_SERVER)
            held = gen_acquire();
        if (held && mbedtls_ssl_set_hs_own_cert(ssl, &held->chain, &held->key) != 0) {
            gen_release(held);
            held = NULL;
        }
    }
    rc = mbedtls_ssl_handshake(ssl);
    if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
        current = NULL;
        gen_release(held);
        held = NULL;
        return rc;
    }
    p.fd = fd ? *fd : -1;
    p.events = rc == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT;
    p.revents = 0;
    if (!fd || now - started >= handshake_timeout_ms ||
        poll(&p, 1, (int)(handshake_timeout_ms - (now - started))) <= 0) {
        current = NULL;
        gen_release(held);
        held = NULL;
        return MBEDTLS_ERR_SSL_TIMEOUT;
    }
    return rc;
}
