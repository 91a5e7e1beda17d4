/*
 * aes.c - AES-256-CBC + PKCS#7 over mbedtls_aes.
 *
 * The padding is added and checked here rather than through mbedtls_cipher
 * so that the check is branch-free over the padding bytes and the whole
 * thing needs no heap.
 */
#include "crypto/aes.h"

#include "core/error.h"

#include <mbedtls/aes.h>
#include <mbedtls/platform_util.h>

#include <string.h>

size_t
crypto_aes_cbc_padded_len(size_t n)
{
    if (n > SIZE_MAX - CRYPTO_AES_BLOCK_LEN)
        return SIZE_MAX;
    return (n / CRYPTO_AES_BLOCK_LEN + 1) * CRYPTO_AES_BLOCK_LEN;
}

void
crypto_wipe(void *p, size_t len)
{
    if (p && len)
        mbedtls_platform_zeroize(p, len);
}

int
crypto_aes_cbc_encrypt(const uint8_t key[CRYPTO_AES_KEY_LEN], const uint8_t iv[CRYPTO_AES_IV_LEN],
                       const void *in, size_t len, uint8_t *out, size_t cap, size_t *olen)
{
    mbedtls_aes_context aes;
    unsigned char ivbuf[CRYPTO_AES_IV_LEN];
    size_t total = crypto_aes_cbc_padded_len(len);
    uint8_t pad;
    int ret = POD_OK;

    if (olen)
        *olen = 0;
    if (!key || !iv || !out || (!in && len > 0))
        return POD_ERR_INVAL;
    if (total == SIZE_MAX || cap < total)
        return POD_ERR_LIMIT;
    /* The plaintext and its padding are laid out in out, then encrypted in place. */
    pad = (uint8_t)(total - len);
    if (len > 0)
        memmove(out, in, len);
    memset(out + len, pad, pad);
    memcpy(ivbuf, iv, sizeof ivbuf);
    mbedtls_aes_init(&aes);
    if (mbedtls_aes_setkey_enc(&aes, key, CRYPTO_AES_KEY_LEN * 8) != 0 ||
        mbedtls_aes_crypt_cbc(&aes, MBEDTLS_AES_ENCRYPT, total, ivbuf, out, out) != 0) {
        mbedtls_platform_zeroize(out, cap);
        ret = POD_ERR_CRYPTO;
        goto done;
    }
    if (olen)
        *olen = total;
done:
    mbedtls_aes_free(&aes);
    mbedtls_platform_zeroize(ivbuf, sizeof ivbuf);
    return ret;
}

int
crypto_aes_cbc_decrypt(const uint8_t key[CRYPTO_AES_KEY_LEN], const uint8_t iv[CRYPTO_AES_IV_LEN],
                       const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *olen)
{
    mbedtls_aes_context aes;
    unsigned char ivbuf[CRYPTO_AES_IV_LEN];
    unsigned pad, bad, i, in_pad, differs;
    int ret = POD_OK;

    if (olen)
        *olen = 0;
    if (!key || !iv || !out || (!in && len > 0))
        return POD_ERR_INVAL;
    if (len == 0 || len % CRYPTO_AES_BLOCK_LEN != 0)
        return POD_ERR_CRYPTO;
    if (cap < len)
        return POD_ERR_LIMIT;
    memcpy(ivbuf, iv, sizeof ivbuf);
    mbedtls_aes_init(&aes);
    if (mbedtls_aes_setkey_dec(&aes, key, CRYPTO_AES_KEY_LEN * 8) != 0 ||
        mbedtls_aes_crypt_cbc(&aes, MBEDTLS_AES_DECRYPT, len, ivbuf, in, out) != 0) {
        ret = POD_ERR_CRYPTO;
        goto done;
    }
    /* PKCS#7: the last byte p is 1..16 and the last p bytes all equal p.
     * Look at all 16 bytes of the last block whatever p is. */
    pad = out[len - 1];
    bad = (unsigned)((pad - 1u) >> 8) | (unsigned)((16u - pad) >> 8); /* p == 0 or p > 16 */
    for (i = 1; i <= CRYPTO_AES_BLOCK_LEN; i++) {
        in_pad = (unsigned)((i - 1u - pad) >> 8) & 1u; /* i <= pad, i.e. i - 1 < pad */
        differs = (unsigned)out[len - i] ^ pad;
        bad |= in_pad * differs;
    }
    if (bad != 0) {
        ret = POD_ERR_CRYPTO;
        goto done;
    }
    if (olen)
        *olen = len - pad;
done:
    if (ret != POD_OK)
        mbedtls_platform_zeroize(out, cap < len ? cap : len);
    mbedtls_aes_free(&aes);
    mbedtls_platform_zeroize(ivbuf, sizeof ivbuf);
    return ret;
}
