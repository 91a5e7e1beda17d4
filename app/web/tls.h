/*
 * tls.h - the TLS policy of the pod's HTTPS listener, and the swap of its
 * certificate while it runs (ACME renewals).
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

/* Called by civetweb (through civetweb_hook.h) in place of
 * mbedtls_ssl_handshake(), which civetweb 1.15 retries in a busy loop on a
 * non-blocking socket with no time limit: a client that connects and sends
 * nothing would hold a worker and a CPU core for ever. This one waits for
 * the socket with poll() and gives up (MBEDTLS_ERR_SSL_TIMEOUT) once the
 * handshake has taken the request timeout. */
int web_tls_handshake(mbedtls_ssl_context *ssl);

/* Makes the key and certificate chain in the PEM at pem_path (one file,
 * as civetweb loads it) the certificate of every handshake from now on;
 * connections already established, and handshakes under way, go on with
 * the one they started with, which is freed after the last of them ends.
 * Checks that the key belongs to the first certificate. Answers POD_OK, or
 * POD_ERR_IO (unreadable), POD_ERR_INVAL (not a matching key and chain) or
 * POD_ERR_NOMEM with a one-line reason in why; the current certificate
 * then stays. Thread-safe. */
int web_tls_use_pem(const char *pem_path, char *why, size_t why_len);

/* Goes back to the certificate the listener started with (frees the one
 * web_tls_use_pem installed once no handshake uses it). For tests and
 * the server's stop. */
void web_tls_forget(void);

/* Sets the handshake time limit in ms (0 keeps CONFIG_POD_REQUEST_TIMEOUT_MS);
 * called once before the server starts. */
void web_tls_set_handshake_timeout(unsigned ms);

/* The IANA names of the cipher suites the listener accepts, NULL-ended. */
const char *const *web_tls_suite_names(void);

#endif
