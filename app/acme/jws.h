/*
 * jws.h - the JSON Web Signature pieces ACME needs (RFC 7515, 7517, 7518,
 * 7638, 8555 §6.2): the JWK of an EC P-256 account key, its thumbprint,
 * unpadded base64url and the flattened JWS signed with ES256.
 *
 * Pure functions over caller-owned buffers (acme_jws_sign allocates its
 * result and says so). The RNG of crypto/crypto.h must be ready for
 * signing.
 */
#ifndef POD_ACME_JWS_H
#define POD_ACME_JWS_H

#include <stddef.h>

#include <mbedtls/pk.h>

/* Unpadded base64url text of a SHA-256 (the thumbprint), without the NUL. */
#define ACME_JWS_THUMBPRINT_LEN 43
/* The JWK JSON of a P-256 key: {"crv":"P-256","kty":"EC","x":"..","y":".."}. */
#define ACME_JWK_MAX 160

/* base64url without padding (RFC 7515 §2) of in[0..n) into out (cap
 * bytes, NUL-ended); *olen (may be NULL) gets the length. POD_ERR_LIMIT
 * when cap is too small. */
int acme_b64url(const void *in, size_t n, char *out, size_t cap, size_t *olen);

/* Writes the JWK of key (borrowed; an EC P-256 key, public or private)
 * with its members in lexicographic order and no white space: the form
 * RFC 7638 hashes. POD_ERR_INVAL for another key type or curve,
 * POD_ERR_LIMIT when cap is too small. */
int acme_jwk_json(const mbedtls_pk_context *key, char *out, size_t cap);

/* The RFC 7638 thumbprint of key: base64url(SHA-256(JWK)), unpadded,
 * ACME_JWS_THUMBPRINT_LEN characters and a NUL. */
int acme_jwk_thumbprint(const mbedtls_pk_context *key, char out[ACME_JWS_THUMBPRINT_LEN + 1]);

/* Converts an ECDSA signature in DER (SEQUENCE of two INTEGERs, as mbedTLS
 * makes it) into the fixed 64-byte r || s form of JWS ES256. POD_ERR_PARSE
 * for anything else. */
int acme_jws_der_to_raw(const unsigned char *der, size_t der_len, unsigned char raw[64]);

/*
 * Makes the flattened JSON serialization of a JWS over payload (the
 * payload text, "" for a POST-as-GET) signed with key (EC P-256 private,
 * borrowed) using ES256. The protected header carries alg, nonce, url and
 * either kid (when kid is non-NULL and not empty: the account URL) or the
 * key's jwk. *out gets a malloc'd NUL-ended text the caller frees; *out_len
 * (may be NULL) its length. Errors: POD_ERR_INVAL (bad key, a nonce, url
 * or kid with characters that would need JSON escaping), POD_ERR_NOMEM,
 * POD_ERR_CRYPTO.
 */
int acme_jws_sign(mbedtls_pk_context *key, const char *kid, const char *nonce, const char *url,
                  const char *payload, char **out, size_t *out_len);

#endif
