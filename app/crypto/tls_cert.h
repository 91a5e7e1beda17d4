/*
 * tls_cert.h - the pod's TLS certificate: a self-signed one made on the device
 * at first start, or the administrator's certificate and key.
 */
#ifndef POD_CRYPTO_TLS_CERT_H
#define POD_CRYPTO_TLS_CERT_H

#include <stddef.h>

/* Writes to pem_path (mode 0600, via a temporary file, fsync and rename) a
 * new ECDSA P-256 private key followed by a self-signed certificate for
 * host (subject CN and subjectAltName DNS; the port, if any, is dropped),
 * valid for ten years. The RNG must be initialised. */
int crypto_tls_selfsigned_create(const char *pem_path, const char *host);

/* Checks that pem_path holds a private key and a certificate that parse
 * and belong together. Fills why (a one-line reason) on failure. */
int crypto_tls_pem_check(const char *pem_path, char *why, size_t why_len);

/* Writes key_path's key and cert_path's certificate chain into one PEM at
 * out_path (mode 0600, temp+rename): civetweb wants both in one file. Fills
 * why on failure (unreadable file, no key, no certificate, mismatch). */
int crypto_tls_pem_combine(const char *cert_path, const char *key_path, const char *out_path,
                           char *why, size_t why_len);

/* Writes the SHA-256 fingerprint of the first certificate in pem_path as
 * lowercase hex (65 bytes with the NUL) into out. */
int crypto_tls_fingerprint(const char *pem_path, char out[65]);

#endif
