/*
 * crypto.c - random bytes, SHA-256, hex and base64 over mbedTLS.
 *
 * The RNG is one process-wide CTR-DRBG (AES-256) guarded by a mutex. Its
 * entropy context has exactly one source, the platform driver
 * (drivers/entropy), so what seeds the DRBG is known and testable rather than
 * whatever mbedTLS's build configuration happens to enable.
 *
 * base64 is written here rather than taken from mbedtls_base64_decode: that
 * decoder skips line breaks and spaces, and diaspora* rejects them inside
 * me:data (vector magic_envelope/edge_cases/E), so we must too.
 */
#include "crypto/crypto.h"

#include "core/error.h"
#include "core/log.h"
#include "drivers/entropy/entropy.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#define RNG_SOURCE_THRESHOLD 32 /* bytes the driver must deliver per seeding */

static pthread_mutex_t rng_lock = PTHREAD_MUTEX_INITIALIZER;
static mbedtls_entropy_context rng_entropy;
static mbedtls_ctr_drbg_context rng_drbg;
static bool rng_ready;

/* mbedtls_entropy f_source over the platform driver. */
static int
rng_entropy_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
    (void)data;
    *olen = 0;
    if (drv_entropy_read(output, len) != POD_OK)
        return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    *olen = len;
    return 0;
}

int
crypto_rng_init(void)
{
    static const char pers[] = "plugpod rng";
    int ret = POD_OK;
    int rc;

    pthread_mutex_lock(&rng_lock);
    if (rng_ready)
        goto out;
    mbedtls_entropy_init(&rng_entropy);
    mbedtls_ctr_drbg_init(&rng_drbg);
    /* mbedtls_entropy_init() registers the library's default sources
     * (getrandom, HAVEGE, the cycle counter, depending on its config). Drop
     * them: the driver is to be the only input. The field is public in 2.x. */
    rng_entropy.source_count = 0;
    rc = mbedtls_entropy_add_source(&rng_entropy, rng_entropy_poll, NULL, RNG_SOURCE_THRESHOLD,
                                    MBEDTLS_ENTROPY_SOURCE_STRONG);
    if (rc == 0)
        rc = mbedtls_ctr_drbg_seed(&rng_drbg, mbedtls_entropy_func, &rng_entropy,
                                   (const unsigned char *)pers, sizeof pers - 1);
    if (rc != 0) {
        LOG_ERR("crypto", "cannot seed the RNG (mbedTLS -0x%04x)", (unsigned)-rc);
        mbedtls_ctr_drbg_free(&rng_drbg);
        mbedtls_entropy_free(&rng_entropy);
        ret = POD_ERR_CRYPTO;
        goto out;
    }
    rng_ready = true;
out:
    pthread_mutex_unlock(&rng_lock);
    return ret;
}

void
crypto_rng_free(void)
{
    pthread_mutex_lock(&rng_lock);
    if (rng_ready) {
        mbedtls_ctr_drbg_free(&rng_drbg);
        mbedtls_entropy_free(&rng_entropy);
        rng_ready = false;
    }
    pthread_mutex_unlock(&rng_lock);
}

int
crypto_random(void *buf, size_t len)
{
    unsigned char *p = buf;
    size_t chunk;
    int ret = POD_OK;

    pthread_mutex_lock(&rng_lock);
    if (!rng_ready) {
        LOG_ERR("crypto", "RNG used before crypto_rng_init");
        ret = POD_ERR_CRYPTO;
        goto out;
    }
    /* The DRBG hands out at most MBEDTLS_CTR_DRBG_MAX_REQUEST per call. */
    while (len > 0) {
        chunk = len < MBEDTLS_CTR_DRBG_MAX_REQUEST ? len : MBEDTLS_CTR_DRBG_MAX_REQUEST;
        if (mbedtls_ctr_drbg_random(&rng_drbg, p, chunk) != 0) {
            LOG_ERR("crypto", "CTR-DRBG failed (reseed?)");
            ret = POD_ERR_CRYPTO;
            goto out;
        }
        p += chunk;
        len -= chunk;
    }
out:
    pthread_mutex_unlock(&rng_lock);
    return ret;
}

int
crypto_rng_callback(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    return crypto_random(out, len) == POD_OK ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

void
crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
    /* Fails only with a hardware "alt" implementation; never return a
     * stale digest if it does. */
    if (mbedtls_sha256_ret(data, len, out, 0) != 0) {
        LOG_ERR("crypto", "SHA-256 failed");
        memset(out, 0, CRYPTO_SHA256_LEN);
    }
}

void
crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                   uint8_t out[CRYPTO_SHA256_LEN])
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

    if (!md || mbedtls_md_hmac(md, key, key_len, msg, msg_len, out) != 0) {
        LOG_ERR("crypto", "HMAC-SHA256 failed");
        memset(out, 0, CRYPTO_SHA256_LEN);
    }
}

void
crypto_hex(const void *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = data;
    size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

int
crypto_memcmp_ct(const void *a, const void *b, size_t len)
{
    const volatile unsigned char *x = a;
    const volatile unsigned char *y = b;
    unsigned char diff = 0;
    size_t i;

    for (i = 0; i < len; i++)
        diff |= x[i] ^ y[i];
    return diff != 0;
}

/* ------------------------------------------------------------------ base64 */

static const char b64_std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
crypto_b64_encoded_len(size_t n)
{
    if (n / 3 > (SIZE_MAX - 4) / 4)
        return SIZE_MAX; /* no buffer can be that large; encode says LIMIT */
    return (n / 3 + (n % 3 != 0)) * 4;
}

size_t
crypto_b64_decoded_max(size_t n)
{
    return (n / 4 + (n % 4 != 0)) * 3;
}

static int
b64_encode(const char *alphabet, const void *in, size_t n, char *out, size_t cap, size_t *olen)
{
    const unsigned char *p = in;
    size_t need = crypto_b64_encoded_len(n);
    size_t i, o = 0;
    unsigned v;

    if (need == SIZE_MAX || cap < need + 1)
        return POD_ERR_LIMIT;
    for (i = 0; i + 2 < n; i += 3) {
        v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < n) {
        v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    if (olen)
        *olen = o;
    return POD_OK;
}

int
crypto_b64_encode(const void *in, size_t n, char *out, size_t cap, size_t *olen)
{
    return b64_encode(b64_std_alphabet, in, n, out, cap, olen);
}

int
crypto_b64url_encode(const void *in, size_t n, char *out, size_t cap, size_t *olen)
{
    return b64_encode(b64_url_alphabet, in, n, out, cap, olen);
}

/* The 6-bit value of c in the chosen alphabet, or -1. */
static int
b64_value(unsigned char c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

/*
 * Strict decoder. Accepted: the alphabet's characters, then either nothing or
 * exactly the '=' padding that completes the last 4-character group. Rejected
 * (POD_ERR_PARSE): any other byte (whitespace, line breaks, NUL, the other
 * alphabet's 62/63), '=' anywhere but the end, more than two '=', padding that
 * does not complete the group, a lone trailing character (n % 4 == 1) and
 * non-zero bits in the last character that no output byte uses (so every
 * byte string has exactly one padded and one unpadded encoding).
 */
static int
b64_decode(bool url, const char *in, size_t n, uint8_t *out, size_t cap, size_t *olen)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t pad = 0, m, need, i, o = 0;
    unsigned acc = 0;
    int v, bits = 0;

    while (pad < n && s[n - 1 - pad] == '=')
        pad++;
    m = n - pad;
    if (pad > 2 || m % 4 == 1 || (pad > 0 && (m + pad) % 4 != 0))
        return POD_ERR_PARSE;
    need = m / 4 * 3 + (m % 4 == 0 ? 0 : m % 4 - 1);
    if (cap < need)
        return POD_ERR_LIMIT;
    for (i = 0; i < m; i++) {
        v = b64_value(s[i], url);
        if (v < 0)
            return POD_ERR_PARSE;
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* 2 or 4 bits are left over after a short group; they must be zero. */
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return POD_ERR_PARSE;
    if (olen)
        *olen = o;
    return POD_OK;
}

int
crypto_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *olen)
{
    return b64_decode(false, in, n, out, cap, olen);
}

int
crypto_b64url_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *olen)
{
    return b64_decode(true, in, n, out, cap, olen);
}
