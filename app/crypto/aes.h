/*
 * aes.h - AES-256-CBC with PKCS#7 padding over mbedTLS: the cipher of
 * diaspora*'s private deliveries (docs/diaspora-federation.md §5.2), and a
 * wipe for key material.
 *
 * Buffers are the caller's; nothing is allocated.
 */
#ifndef POD_CRYPTO_AES_H
#define POD_CRYPTO_AES_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_AES_KEY_LEN   32 /* AES-256 */
#define CRYPTO_AES_IV_LEN    16
#define CRYPTO_AES_BLOCK_LEN 16

/* Bytes of the ciphertext of n plaintext bytes: n rounded up to the next
 * whole block, plus a block when n is a multiple of 16 (PKCS#7 always pads). */
size_t crypto_aes_cbc_padded_len(size_t n);

/* out = AES-256-CBC(key, iv) of in[0..len) with PKCS#7 padding; out (cap
 * bytes) may not overlap in. *olen gets crypto_aes_cbc_padded_len(len).
 * POD_ERR_LIMIT when cap is short. */
int crypto_aes_cbc_encrypt(const uint8_t key[CRYPTO_AES_KEY_LEN],
                           const uint8_t iv[CRYPTO_AES_IV_LEN], const void *in, size_t len,
                           uint8_t *out, size_t cap, size_t *olen);

/* out = AES-256-CBC decryption of in[0..len) with the PKCS#7 padding
 * checked and removed; out (cap >= len) may not overlap in. POD_ERR_CRYPTO
 * when len is not a positive multiple of 16 or the padding is wrong (the
 * padding is checked without branching on its bytes). */
int crypto_aes_cbc_decrypt(const uint8_t key[CRYPTO_AES_KEY_LEN],
                           const uint8_t iv[CRYPTO_AES_IV_LEN], const uint8_t *in, size_t len,
                           uint8_t *out, size_t cap, size_t *olen);

/* Overwrites len bytes at p with zeros in a way the compiler keeps. */
void crypto_wipe(void *p, size_t len);

#endif
