/*
 * rsa.h - the users' RSA key pairs: generation and PEM encoding, and the
 * operations federation needs (docs/diaspora-federation.md §1.4, §4.2, §5.2,
 * §6.1): RSA-SHA256 PKCS#1 v1.5 signatures and PKCS#1 v1.5 encryption.
 *
 * Keys are passed as NUL-terminated PEM text (borrowed): private keys as
 * PKCS#1 ("BEGIN RSA PRIVATE KEY", what diaspora* stores), public keys as
 * SPKI ("BEGIN PUBLIC KEY", what the hCard carries) or PKCS#1 ("BEGIN RSA
 * PUBLIC KEY"). Keys under 1024 bits are refused (POD_ERR_INVAL), an
 * unreadable PEM is POD_ERR_PARSE. Private-key operations use RSA blinding
 * with the shared RNG, so crypto_rng_init() must have run.
 */
#ifndef POD_CRYPTO_RSA_H
#define POD_CRYPTO_RSA_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_RSA_MAX_BYTES 1024 /* largest modulus mbedTLS handles (8192 bits) */

/* Generates an RSA key of bits bits (e = 65537) and writes the private key
 * as PKCS#1 PEM ("BEGIN RSA PRIVATE KEY") into priv and the public key as
 * SPKI PEM ("BEGIN PUBLIC KEY") into pub. Takes seconds for 4096 bits on a
 * Pi: call it from a background task. The RNG must be initialised. */
int crypto_rsa_generate(unsigned bits, char *priv, size_t priv_cap, char *pub, size_t pub_cap);

/* Checks that pem is a public key (SPKI or PKCS#1 PEM) of at least 1024
 * bits; *bits, if given, gets its size. */
int crypto_rsa_public_check(const char *pem, unsigned *bits);

/* sig = RSA-SHA256 PKCS#1 v1.5 signature of the 32-byte SHA-256 digest
 * with priv_pem. The signature is as long as the modulus (cap must be at
 * least that; CRYPTO_RSA_MAX_BYTES always is); *sig_len gets it.
 * Deterministic: same key and digest, same bytes. */
int crypto_rsa_sign_digest(const char *priv_pem, const uint8_t digest[32], uint8_t *sig, size_t cap,
                           size_t *sig_len);

/* As crypto_rsa_sign_digest over SHA-256(msg[0..len)). */
int crypto_rsa_sign_sha256(const char *priv_pem, const void *msg, size_t len, uint8_t *sig,
                           size_t cap, size_t *sig_len);

/* Checks an RSA-SHA256 PKCS#1 v1.5 signature over the SHA-256 digest with
 * pub_pem: POD_OK when it verifies, POD_ERR_SIG when it does not (wrong
 * length included). The padding comparison is mbedTLS's constant-time one.
 * The parsed key is cached (see crypto_rsa_verify_cache_clear). */
int crypto_rsa_verify_digest(const char *pub_pem, const uint8_t digest[32], const uint8_t *sig,
                             size_t sig_len);

/* Drops the parsed public keys crypto_rsa_verify_digest keeps (the last
 * few keys used, by the hash of their PEM; thread-safe). For tests and
 * shutdown; the cache never holds anything secret. */
void crypto_rsa_verify_cache_clear(void);

/* As crypto_rsa_verify_digest over SHA-256(msg[0..len)). */
int crypto_rsa_verify_sha256(const char *pub_pem, const void *msg, size_t len, const uint8_t *sig,
                             size_t sig_len);

/* out = RSA PKCS#1 v1.5 encryption of in[0..len) to pub_pem (random
 * padding from the RNG). len must be at most modulus bytes - 11
 * (POD_ERR_LIMIT otherwise); out gets modulus bytes (cap at least that). */
int crypto_rsa_encrypt(const char *pub_pem, const void *in, size_t len, uint8_t *out, size_t cap,
                       size_t *olen);

/* out = RSA PKCS#1 v1.5 decryption of in[0..len) with priv_pem; *olen gets
 * the plaintext length. POD_ERR_CRYPTO when the ciphertext does not
 * decrypt (wrong key, bad padding, wrong length): one code for every such
 * case, and mbedTLS checks the padding in constant time. cap must hold the
 * longest plaintext the key can carry (modulus bytes - 11, checked before
 * decrypting: POD_ERR_LIMIT), so no error depends on the padding's content. */
int crypto_rsa_decrypt(const char *priv_pem, const uint8_t *in, size_t len, uint8_t *out,
                       size_t cap, size_t *olen);

#endif
