/*
 * crypto.h - thin wrappers over mbedTLS for the primitives plugpod uses
 * everywhere: random bytes, SHA-256, base64 and base64url.
 *
 * RSA, AES and passwords get their own headers when federation and accounts
 * arrive; they follow the same conventions (POD_ERR_* codes, caller-owned
 * buffers, no hidden allocation unless stated).
 */
#ifndef POD_CRYPTO_CRYPTO_H
#define POD_CRYPTO_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA256_LEN 32

/* Seeds the process-wide CTR-DRBG from the platform entropy driver
 * (drivers/entropy). Call once at start, before any thread uses the RNG.
 * Returns POD_OK or POD_ERR_CRYPTO. */
int crypto_rng_init(void);

/* Releases the RNG. */
void crypto_rng_free(void);

/* Fills buf with len cryptographically strong random bytes. Thread-safe
 * (a mutex guards the DRBG). Reseeds are handled by mbedTLS. */
int crypto_random(void *buf, size_t len);

/* The mbedTLS-style callback (f_rng) over the shared DRBG, for mbedTLS
 * functions that take one; ctx is ignored. */
int crypto_rng_callback(void *ctx, unsigned char *out, size_t len);

/* out = SHA-256(data[0..len)). */
void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN]);

/* out = HMAC-SHA256(key, msg). */
void crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                        uint8_t out[CRYPTO_SHA256_LEN]);

/* Writes the lowercase hex of len bytes into out (2*len+1 bytes, NUL-ended). */
void crypto_hex(const void *data, size_t len, char *out);

/* Constant-time comparison of two equal-length buffers: 0 when equal. */
int crypto_memcmp_ct(const void *a, const void *b, size_t len);

/* Length of the padded base64 text of n bytes, without the NUL. */
size_t crypto_b64_encoded_len(size_t n);

/* Standard base64 (RFC 4648 §4) with '=' padding, no line breaks. Writes
 * the text and a NUL into out (cap bytes); *olen gets the text length.
 * POD_ERR_LIMIT if cap is too small. */
int crypto_b64_encode(const void *in, size_t n, char *out, size_t cap, size_t *olen);

/* base64url (RFC 4648 §5, '-' and '_') WITH '=' padding: the form diaspora*
 * emits and signs over (see docs/diaspora-federation.md §4). */
int crypto_b64url_encode(const void *in, size_t n, char *out, size_t cap, size_t *olen);

/* Decodes standard base64. Padding may be present or absent; whitespace and
 * any other character outside the alphabet are rejected (POD_ERR_PARSE),
 * as are impossible lengths and non-zero trailing bits. out gets *olen
 * bytes (cap must be at least 3 * ceil(n/4)). */
int crypto_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *olen);

/* Decodes base64url under the same rules as crypto_b64_decode. */
int crypto_b64url_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *olen);

/* Largest decoded size of n characters of base64 text. */
size_t crypto_b64_decoded_max(size_t n);

#endif
