/*
 * csr.h - the keys, the certificate signing request and the private files
 * of the ACME client: EC P-256 keys made with mbedTLS over the pod's RNG
 * (crypto/crypto.h, which must be ready), a DER CSR carrying the host name
 * as subjectAltName, and the write-to-temp/fsync/rename of PEM files with
 * mode 0600.
 */
#ifndef POD_ACME_CSR_H
#define POD_ACME_CSR_H

#include <stdbool.h>
#include <stddef.h>

#include <mbedtls/pk.h>

/* Room for the DER of a P-256 CSR with one name of up to 253 bytes. */
#define ACME_CSR_DER_MAX 1024
/* Room for the PEM of a P-256 private key. */
#define ACME_KEY_PEM_MAX 512

/* Makes a new EC P-256 key pair in key (initialised by the caller with
 * mbedtls_pk_init, empty). POD_ERR_CRYPTO on failure. */
int acme_key_generate(mbedtls_pk_context *key);

/* Loads the PEM EC P-256 private key at path into key (initialised and
 * empty), or, when the file does not exist, makes one and writes it there
 * (mode 0600, atomically); *created (may be NULL) says which. Errors:
 * POD_ERR_IO when the file cannot be read or written, POD_ERR_PARSE when
 * it is not a private key, POD_ERR_INVAL when it is not EC P-256,
 * POD_ERR_CRYPTO; why (why_len bytes, may be NULL) gets a reason. */
int acme_key_load_or_create(const char *path, mbedtls_pk_context *key, bool *created, char *why,
                            size_t why_len);

/* Writes the PEM of key's private key (NUL-ended) into out (cap bytes).
 * The caller wipes it. POD_ERR_LIMIT / POD_ERR_CRYPTO. */
int acme_key_pem(mbedtls_pk_context *key, char *out, size_t cap);

/* Makes the DER CSR for host (a DNS name, borrowed): subject CN=host,
 * extensionRequest with subjectAltName dNSName host, signed with key
 * (ECDSA SHA-256). mbedTLS writes at the end of buf (cap bytes): *der
 * points into buf, *der_len is its length. POD_ERR_INVAL for an empty or
 * too long host, POD_ERR_LIMIT, POD_ERR_CRYPTO. */
int acme_csr_der(mbedtls_pk_context *key, const char *host, unsigned char *buf, size_t cap,
                 const unsigned char **der, size_t *der_len);

/* Writes a[0..alen) then b[0..blen) (b may be NULL) to path with mode
 * 0600: a temporary file next to it, fsync, rename over path, fsync of the
 * directory. The old file stays as it was on any failure. POD_ERR_IO with
 * a reason in why. */
int acme_file_write_atomic(const char *path, const void *a, size_t alen, const void *b, size_t blen,
                           char *why, size_t why_len);

#endif
