/*
 * rsa.c - RSA key pairs over mbedTLS 2.28.
 *
 * The private key PEM is assembled here from mbedtls_pk_write_key_der
 * rather than taken from mbedtls_pk_write_key_pem: that function leaves the
 * private DER in a 5.6 KB stack buffer and its base64 in a freed heap block,
 * neither wiped. Here the DER lives in a buffer we wipe, and the base64 goes
 * straight into the caller's buffer. The text is byte-for-byte what
 * mbedtls_pk_write_key_pem writes (64-column lines, "\n" endings).
 */
#include "crypto/rsa.h"

#include "core/error.h"
#include "crypto/crypto.h"

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>
#include <mbedtls/bignum.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RSA_EXPONENT       65537
#define RSA_GEN_BITS_MIN   1024
#define RSA_GEN_BITS_MAX   MBEDTLS_MPI_MAX_BITS
#define RSA_CHECK_BITS_MIN 1024
#define PEM_LINE_BYTES     48 /* 64 base64 characters */

/* Upper bound of a PKCS#1 RSAPrivateKey DER, as pkwrite.c sizes it. */
#define RSA_PRV_DER_MAX (47 + 3 * MBEDTLS_MPI_MAX_SIZE + 5 * (MBEDTLS_MPI_MAX_SIZE / 2 + 1))

static const char pem_priv_begin[] = "-----BEGIN RSA PRIVATE KEY-----\n";
static const char pem_priv_end[] = "-----END RSA PRIVATE KEY-----\n";

/* Writes der as PEM between begin and end into out (cap bytes, NUL-ended).
 * POD_ERR_LIMIT if it does not fit; out is then left wiped. */
static int
pem_write(const char *begin, const char *end, const unsigned char *der, size_t der_len, char *out,
          size_t cap)
{
    size_t lines = (der_len + PEM_LINE_BYTES - 1) / PEM_LINE_BYTES;
    size_t need = strlen(begin) + crypto_b64_encoded_len(der_len) + lines + strlen(end) + 1;
    size_t pos = 0, off, chunk, olen;

    if (cap < need) {
        mbedtls_platform_zeroize(out, cap);
        return POD_ERR_LIMIT;
    }
    memcpy(out, begin, strlen(begin));
    pos += strlen(begin);
    for (off = 0; off < der_len; off += chunk) {
        chunk = der_len - off < PEM_LINE_BYTES ? der_len - off : PEM_LINE_BYTES;
        /* Cannot fail: need covers every line and its NUL. */
        crypto_b64_encode(der + off, chunk, out + pos, cap - pos, &olen);
        pos += olen;
        out[pos++] = '\n';
    }
    memcpy(out + pos, end, strlen(end) + 1);
    return POD_OK;
}

static int
map_mbedtls_write_error(int rc)
{
    switch (rc) {
    case MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL:
    case MBEDTLS_ERR_ASN1_BUF_TOO_SMALL:
        return POD_ERR_LIMIT;
    case MBEDTLS_ERR_PEM_ALLOC_FAILED:
    case MBEDTLS_ERR_PK_ALLOC_FAILED:
        return POD_ERR_NOMEM;
    default:
        return POD_ERR_CRYPTO;
    }
}

int
crypto_rsa_generate(unsigned bits, char *priv, size_t priv_cap, char *pub, size_t pub_cap)
{
    mbedtls_pk_context pk;
    unsigned char *der = NULL;
    int ret, rc;

    if (!priv || !pub || bits < RSA_GEN_BITS_MIN || bits > RSA_GEN_BITS_MAX || bits % 2 != 0)
        return POD_ERR_INVAL;
    mbedtls_pk_init(&pk);
    der = malloc(RSA_PRV_DER_MAX);
    if (!der) {
        ret = POD_ERR_NOMEM;
        goto out;
    }
    rc = mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
    if (rc != 0) {
        ret = rc == MBEDTLS_ERR_PK_ALLOC_FAILED ? POD_ERR_NOMEM : POD_ERR_CRYPTO;
        goto out;
    }
    rc = mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), crypto_rng_callback, NULL, bits, RSA_EXPONENT);
    if (rc != 0) {
        ret = POD_ERR_CRYPTO;
        goto out;
    }
    /* The DER is written at the end of the buffer; rc is its length. */
    rc = mbedtls_pk_write_key_der(&pk, der, RSA_PRV_DER_MAX);
    if (rc < 0) {
        ret = map_mbedtls_write_error(rc);
        goto out;
    }
    ret = pem_write(pem_priv_begin, pem_priv_end, der + RSA_PRV_DER_MAX - rc, (size_t)rc, priv,
                    priv_cap);
    if (ret != POD_OK)
        goto out;
    rc = mbedtls_pk_write_pubkey_pem(&pk, (unsigned char *)pub, pub_cap);
    if (rc != 0)
        ret = map_mbedtls_write_error(rc);
out:
    if (der) {
        mbedtls_platform_zeroize(der, RSA_PRV_DER_MAX);
        free(der);
    }
    if (ret != POD_OK) {
        mbedtls_platform_zeroize(priv, priv_cap);
        if (pub_cap > 0)
            pub[0] = '\0';
    }
    mbedtls_pk_free(&pk); /* wipes the key's numbers (mbedtls_mpi_free) */
    return ret;
}

int
crypto_rsa_public_check(const char *pem, unsigned *bits)
{
    mbedtls_pk_context pk;
    size_t nbits;
    int ret;

    if (bits)
        *bits = 0;
    if (!pem)
        return POD_ERR_INVAL;
    mbedtls_pk_init(&pk);
    /* For PEM, mbedTLS wants the length including the NUL. */
    if (mbedtls_pk_parse_public_key(&pk, (const unsigned char *)pem, strlen(pem) + 1) != 0) {
        ret = POD_ERR_PARSE;
        goto out;
    }
    if (mbedtls_pk_get_type(&pk) != MBEDTLS_PK_RSA) {
        ret = POD_ERR_INVAL;
        goto out;
    }
    /* The size is reported for a key refused as too small too (for logs). */
    nbits = mbedtls_pk_get_bitlen(&pk);
    if (bits)
        *bits = (unsigned)nbits;
    ret = nbits >= RSA_CHECK_BITS_MIN ? POD_OK : POD_ERR_INVAL;
out:
    mbedtls_pk_free(&pk);
    return ret;
}

/* ------------------------------------------------------- federation ops */

#define RSA_USE_BITS_MIN 1024

/* Parses a public (private = false) or private key PEM into pk and checks
 * it is RSA of at least RSA_USE_BITS_MIN bits. pk must be initialised. */
static int
rsa_load(mbedtls_pk_context *pk, const char *pem, bool private_key)
{
    const unsigned char *p = (const unsigned char *)pem;
    int rc;

    if (!pem)
        return POD_ERR_INVAL;
    /* For PEM, mbedTLS wants the length including the NUL. */
    if (private_key)
        rc = mbedtls_pk_parse_key(pk, p, strlen(pem) + 1, NULL, 0);
    else
        rc = mbedtls_pk_parse_public_key(pk, p, strlen(pem) + 1);
    if (rc != 0)
        return rc == MBEDTLS_ERR_PK_ALLOC_FAILED ? POD_ERR_NOMEM : POD_ERR_PARSE;
    if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA || mbedtls_pk_get_bitlen(pk) < RSA_USE_BITS_MIN)
        return POD_ERR_INVAL;
    /* A parsed key is in PKCS#1 v1.5 mode already; say so anyway, the
     * protocol depends on it. */
    mbedtls_rsa_set_padding(mbedtls_pk_rsa(*pk), MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
    return POD_OK;
}

int
crypto_rsa_sign_digest(const char *priv_pem, const uint8_t digest[32], uint8_t *sig, size_t cap,
                       size_t *sig_len)
{
    mbedtls_pk_context pk;
    size_t n = 0;
    int ret;

    if (sig_len)
        *sig_len = 0;
    if (!digest || !sig)
        return POD_ERR_INVAL;
    mbedtls_pk_init(&pk);
    ret = rsa_load(&pk, priv_pem, true);
    if (ret != POD_OK)
        goto out;
    if (cap < mbedtls_pk_get_len(&pk)) {
        ret = POD_ERR_LIMIT;
        goto out;
    }
    if (mbedtls_pk_sign(&pk, MBEDTLS_MD_SHA256, digest, CRYPTO_SHA256_LEN, sig, &n,
                        crypto_rng_callback, NULL) != 0) {
        ret = POD_ERR_CRYPTO;
        goto out;
    }
    if (sig_len)
        *sig_len = n;
out:
    mbedtls_pk_free(&pk);
    return ret;
}

int
crypto_rsa_sign_sha256(const char *priv_pem, const void *msg, size_t len, uint8_t *sig, size_t cap,
                       size_t *sig_len)
{
    uint8_t digest[CRYPTO_SHA256_LEN];

    if (!msg && len > 0)
        return POD_ERR_INVAL;
    crypto_sha256(msg, len, digest);
    return crypto_rsa_sign_digest(priv_pem, digest, sig, cap, sig_len);
}

/* Public keys parsed for verification, kept by the SHA-256 of their PEM:
 * a pod verifies the same few senders' signatures over and over, and
 * parsing a 4096-bit key (with the Montgomery constant mbedTLS computes at
 * the first use and keeps in the context) costs about half a verification.
 * Least recently used goes first. The lock is held during the
 * verification too, so a context is never used by two threads. */
#define VERIFY_CACHE_SLOTS 8

struct verify_slot {
    uint8_t pem_hash[CRYPTO_SHA256_LEN];
    mbedtls_pk_context pk;
    uint64_t used; /* 0 = empty */
};

static struct verify_slot verify_cache[VERIFY_CACHE_SLOTS];
static uint64_t verify_clock;
static pthread_mutex_t verify_lock = PTHREAD_MUTEX_INITIALIZER;

/* The slot holding pub_pem's key, parsing it into the least recently used
 * slot when it is not cached. Called with verify_lock held. */
static int
verify_slot_get(const char *pub_pem, struct verify_slot **out)
{
    uint8_t h[CRYPTO_SHA256_LEN];
    struct verify_slot *victim = &verify_cache[0];
    int ret;

    crypto_sha256(pub_pem, strlen(pub_pem), h);
    for (size_t i = 0; i < VERIFY_CACHE_SLOTS; i++) {
        struct verify_slot *s = &verify_cache[i];

        if (s->used && memcmp(s->pem_hash, h, sizeof h) == 0) {
            s->used = ++verify_clock;
            *out = s;
            return POD_OK;
        }
        if (s->used < victim->used)
            victim = s;
    }
    if (victim->used)
        mbedtls_pk_free(&victim->pk);
    victim->used = 0;
    mbedtls_pk_init(&victim->pk);
    ret = rsa_load(&victim->pk, pub_pem, false);
    if (ret != POD_OK) {
        mbedtls_pk_free(&victim->pk);
        return ret;
    }
    memcpy(victim->pem_hash, h, sizeof h);
    victim->used = ++verify_clock;
    *out = victim;
    return POD_OK;
}

int
crypto_rsa_verify_digest(const char *pub_pem, const uint8_t digest[32], const uint8_t *sig,
                         size_t sig_len)
{
    struct verify_slot *slot;
    int ret;

    if (!digest || (!sig && sig_len > 0) || !pub_pem)
        return POD_ERR_INVAL;
    pthread_mutex_lock(&verify_lock);
    ret = verify_slot_get(pub_pem, &slot);
    /* Any non-zero answer is a failure: mbedTLS reports a valid signature
     * followed by extra bytes as MBEDTLS_ERR_PK_SIG_LEN_MISMATCH. */
    if (ret == POD_OK && (sig_len != mbedtls_pk_get_len(&slot->pk) ||
                          mbedtls_pk_verify(&slot->pk, MBEDTLS_MD_SHA256, digest, CRYPTO_SHA256_LEN,
                                            sig, sig_len) != 0))
        ret = POD_ERR_SIG;
    pthread_mutex_unlock(&verify_lock);
    return ret;
}

void
crypto_rsa_verify_cache_clear(void)
{
    pthread_mutex_lock(&verify_lock);
    for (size_t i = 0; i < VERIFY_CACHE_SLOTS; i++) {
        if (verify_cache[i].used)
            mbedtls_pk_free(&verify_cache[i].pk);
        verify_cache[i].used = 0;
    }
    pthread_mutex_unlock(&verify_lock);
}

int
crypto_rsa_verify_sha256(const char *pub_pem, const void *msg, size_t len, const uint8_t *sig,
                         size_t sig_len)
{
    uint8_t digest[CRYPTO_SHA256_LEN];

    if (!msg && len > 0)
        return POD_ERR_INVAL;
    crypto_sha256(msg, len, digest);
    return crypto_rsa_verify_digest(pub_pem, digest, sig, sig_len);
}

int
crypto_rsa_encrypt(const char *pub_pem, const void *in, size_t len, uint8_t *out, size_t cap,
                   size_t *olen)
{
    mbedtls_pk_context pk;
    size_t n = 0, klen;
    int ret;

    if (olen)
        *olen = 0;
    if ((!in && len > 0) || !out)
        return POD_ERR_INVAL;
    mbedtls_pk_init(&pk);
    ret = rsa_load(&pk, pub_pem, false);
    if (ret != POD_OK)
        goto out;
    klen = mbedtls_pk_get_len(&pk);
    if (len + 11 > klen || cap < klen) {
        ret = POD_ERR_LIMIT;
        goto out;
    }
    if (mbedtls_pk_encrypt(&pk, in, len, out, &n, cap, crypto_rng_callback, NULL) != 0) {
        ret = POD_ERR_CRYPTO;
        goto out;
    }
    if (olen)
        *olen = n;
out:
    mbedtls_pk_free(&pk);
    return ret;
}

int
crypto_rsa_decrypt(const char *priv_pem, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                   size_t *olen)
{
    mbedtls_pk_context pk;
    size_t n = 0;
    int ret, rc;

    if (olen)
        *olen = 0;
    if ((!in && len > 0) || !out)
        return POD_ERR_INVAL;
    mbedtls_pk_init(&pk);
    ret = rsa_load(&pk, priv_pem, true);
    if (ret != POD_OK)
        goto out;
    /* Room for the longest plaintext the key can carry is required up
     * front, so "too large for out" can never tell a valid padding from an
     * invalid one. */
    if (cap < mbedtls_pk_get_len(&pk) - 11) {
        ret = POD_ERR_LIMIT;
        goto out;
    }
    if (len != mbedtls_pk_get_len(&pk)) {
        ret = POD_ERR_CRYPTO;
        goto out;
    }
    rc = mbedtls_pk_decrypt(&pk, in, len, out, &n, cap, crypto_rng_callback, NULL);
    if (rc != 0) {
        ret = POD_ERR_CRYPTO;
        goto out;
    }
    if (olen)
        *olen = n;
out:
    mbedtls_pk_free(&pk);
    return ret;
}
