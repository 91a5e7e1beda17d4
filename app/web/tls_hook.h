/*
 * tls_hook.h - force-included into civetweb.c only (see CMakeLists.txt).
 *
 * civetweb 1.15 with mbedTLS offers no callback to shape its TLS settings:
 * it takes mbedTLS's defaults. Its setup ends by calling
 * mbedtls_ssl_conf_own_cert(); this macro routes that one call through
 * web_tls_harden() (app/web/tls.c), which pins TLS 1.2 and modern AEAD
 * cipher suites before handing over the certificate. No civetweb code is
 * changed or copied.
 */
#ifndef POD_WEB_TLS_HOOK_H
#define POD_WEB_TLS_HOOK_H

#define mbedtls_ssl_conf_own_cert web_tls_harden

#endif
