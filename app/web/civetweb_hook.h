/*
 * civetweb_hook.h - force-included into civetweb.c only (see CMakeLists.txt).
 *
 * Two calls inside civetweb are routed to plugpod's code; no civetweb code
 * is changed or copied:
 *
 * - civetweb 1.15 with mbedTLS offers no callback to shape its TLS settings
 *   and takes mbedTLS's defaults. Its setup ends by calling
 *   mbedtls_ssl_conf_own_cert(); that call goes through web_tls_harden()
 *   (app/web/tls.c), which pins TLS 1.2 and modern AEAD suites first.
 * - civetweb's mbedTLS handshake loop spins on a non-blocking socket with
 *   no time limit; mbedtls_ssl_handshake() goes through web_tls_handshake(),
 *   which waits with poll() and ends a handshake that takes too long.
 * - civetweb prints some diagnostics straight to stderr with fprintf (one
 *   per TLS connection a client closes cleanly, for example). They go
 *   through web_civetweb_fprintf() (app/web/civetweb_log.c) instead, and
 *   become log lines in the pod's format at a fitting level.
 */
#ifndef POD_WEB_CIVETWEB_HOOK_H
#define POD_WEB_CIVETWEB_HOOK_H

#define mbedtls_ssl_conf_own_cert web_tls_harden
#define mbedtls_ssl_handshake     web_tls_handshake
#define fprintf                   web_civetweb_fprintf

#endif
