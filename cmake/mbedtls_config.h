/*
 * cmake/mbedtls_config.h - mbedTLS 2.28 configuration of the board builds.
 *
 * Board builds (CMakeLists.txt, POD_TARGET_STATIC) compile mbedTLS from
 * Debian's source package (the version of the target's libmbedtls-dev) with
 * this file as MBEDTLS_CONFIG_FILE, instead of linking Debian's .a files
 * (which carry every cipher, hash and curve: cipher_wrap.c alone pulls DES,
 * ARC4, Blowfish, Camellia, ARIA and CCM in). Everything that includes an
 * mbedTLS header in that build (plugpod, civetweb) sees this file too.
 *
 * What plugpod uses and this keeps:
 * - diaspora*: RSA (PKCS#1 v1.5 sign/verify/encrypt; keys generated, parsed
 *   and written as PEM/DER), AES-256-CBC, SHA-256 and HMAC, base64.
 * - TLS 1.2 only (app/web/tls.c, app/http/http.c): server and client,
 *   ECDHE-ECDSA, ECDHE-RSA and (client) DHE-RSA with AES-GCM and
 *   ChaCha20-Poly1305; curves X25519, P-256, P-384 (P-521 kept for
 *   certificate chains); SNI, X.509 parsing and verification, the
 *   self-signed certificate writer (app/crypto/tls_cert.c).
 * - CTR_DRBG over the entropy pool (plus plugpod's own source), threading
 *   (pthread), mbedtls_strerror, civetweb's mbedtls_net_send/recv.
 * - ACME (app/acme): EC P-256 keys, ES256 signatures, the CSR writer.
 * Left out: TLS < 1.2, DTLS, CBC suites, PSA, MD2/4/5, RIPEMD, DES, ARC4,
 * Blowfish, Camellia, ARIA, CCM, CMAC, CRLs, CSR parsing, encrypted PEM keys
 * (PKCS#5/#12), test certificates, self tests, debug output.
 */
#ifndef POD_MBEDTLS_CONFIG_H
#define POD_MBEDTLS_CONFIG_H

/* System */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_FS_IO
#define MBEDTLS_THREADING_C
#define MBEDTLS_THREADING_PTHREAD
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_ERROR_C
#define MBEDTLS_NET_C

/* Randomness */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_HMAC_DRBG_C

/* Symmetric */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_CIPHER_PADDING_PKCS7
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C

/* Hashes */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C

/* Public keys */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_GENPRIME
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_SECP521R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDH_LEGACY_CONTEXT
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDSA_DETERMINISTIC
#define MBEDTLS_DHM_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_PK_PARSE_EC_EXTENDED
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PEM_WRITE_C

/* X.509 */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CRT_WRITE_C
#define MBEDTLS_X509_CSR_WRITE_C
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT

/* TLS 1.2 */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_DHE_RSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_RENEGOTIATION
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE

#include "mbedtls/check_config.h"

#endif
