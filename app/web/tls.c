#include "web/tls.h"

#include <poll.h>
#include <stdint.h>
#include <time.h>

#include <mbedtls/ssl_ciphersuites.h>

#include "autoconf.h"

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

int
web_tls_handshake(mbedtls_ssl_context *ssl)
{
    /* civetweb calls this in a loop until it answers something other than
     * WANT_READ/WANT_WRITE, so each thread has one handshake at a time;
     * every way out of the loop forgets it. */
    static _Thread_local const mbedtls_ssl_context *current;
    static _Thread_local uint64_t started;
    uint64_t now = monotonic_ms();
    const int *fd = ssl->p_bio;
    struct pollfd p;
    int rc;

    if (ssl != current) {
        current = ssl;
        started = now;
    }
    rc = mbedtls_ssl_handshake(ssl);
    if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
        current = NULL;
        return rc;
    }
    p.fd = fd ? *fd : -1;
    p.events = rc == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT;
    p.revents = 0;
    if (!fd || now - started >= handshake_timeout_ms ||
        poll(&p, 1, (int)(handshake_timeout_ms - (now - started))) <= 0) {
        current = NULL;
        return MBEDTLS_ERR_SSL_TIMEOUT;
    }
    return rc;
}
