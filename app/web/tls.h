/*
 * tls.h - the TLS policy of the pod's HTTPS listener.
 */
#ifndef POD_WEB_TLS_H
#define POD_WEB_TLS_H

#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

/* Called by civetweb (through civetweb_hook.h) in place of
 * mbedtls_ssl_conf_own_cert(): restricts conf to TLS 1.2 with ECDHE key
 * exchange and AEAD ciphers (AES-GCM, ChaCha20-Poly1305), then installs the
 * certificate and key. cert and key stay owned by civetweb. */
int web_tls_harden(mbedtls_ssl_config *conf, mbedtls_x509_crt *cert, mbedtls_pk_context *key);

/* The IANA names of the cipher suites the listener accepts, NULL-ended. */
const char *const *web_tls_suite_names(void);

#endif
