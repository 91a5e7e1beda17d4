/*
 * tls_cert.h - the pod's TLS certificate: a self-signed one made on the device
 * at first start, or the administrator's certificate and key.
 */
#ifndef POD_CRYPTO_TLS_CERT_H
#define POD_CRYPTO_TLS_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* What the pod says of a certificate (admin page, ACME task, self-check). */
struct crypto_cert_facts {
    int64_t not_before, not_after; /* Unix seconds */
    char issuer[128];              /* the issuer's CN, else its O; control bytes as '?' */
    bool self_signed;              /* issuer and subject are the same name */
    bool names_host;               /* a DNS subjectAltName is the host asked about */
};

/* Reads the first certificate of pem_path (a key block before it is
 * skipped) into *out; host (may be NULL) is compared with its DNS
 * subjectAltNames, ignoring case. POD_ERR_INVAL when no certificate
 * parses. */
int crypto_tls_pem_facts(const char *pem_path, const char *host, struct crypto_cert_facts *out);

#endif
