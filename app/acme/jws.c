/*
 * jws.c - JWK, thumbprint and ES256 flattened JWS for the ACME client
 * (acme/jws.h).
 */
#include "acme/jws.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>

#include "core/error.h"
#include "crypto/crypto.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
acme_b64url(const void *in, size_t n, char *out, size_t cap, size_t *olen)
{
    const unsigned char *p = in;
    size_t need = (n / 3) * 4 + (n % 3 ? n % 3 + 1 : 0);
    size_t o = 0, i = 0;

    if (olen)
        *olen = 0;
    if (!out || cap <= need)
        return POD_ERR_LIMIT;
    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
        out[o++] = b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)p[i] << 16;
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
    }
    out[o] = '\0';
    if (olen)
        *olen = o;
    return POD_OK;
}

/* The P-256 keypair inside key, or NULL for anything else. */
static const mbedtls_ecp_keypair *
p256_of(const mbedtls_pk_context *key)
{
    const mbedtls_ecp_keypair *ec;

    if (!key || mbedtls_pk_get_type(key) != MBEDTLS_PK_ECKEY)
        return NULL;
    ec = mbedtls_pk_ec(*key);
    if (!ec || ec->grp.id != MBEDTLS_ECP_DP_SECP256R1)
        return NULL;
    return ec;
}

int
acme_jwk_json(const mbedtls_pk_context *key, char *out, size_t cap)
{
    const mbedtls_ecp_keypair *ec = p256_of(key);
    unsigned char x[32], y[32];
    char xs[48], ys[48];
    int n;

    if (out && cap)
        out[0] = '\0';
    if (!ec)
        return POD_ERR_INVAL;
    if (mbedtls_mpi_write_binary(&ec->Q.X, x, sizeof x) != 0 ||
        mbedtls_mpi_write_binary(&ec->Q.Y, y, sizeof y) != 0)
        return POD_ERR_INVAL;
    if (acme_b64url(x, sizeof x, xs, sizeof xs, NULL) != POD_OK ||
        acme_b64url(y, sizeof y, ys, sizeof ys, NULL) != POD_OK)
        return POD_ERR_LIMIT;
    n = snprintf(out, cap, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", xs, ys);
    if (n < 0 || (size_t)n >= cap) {
        if (out && cap)
            out[0] = '\0';
        return POD_ERR_LIMIT;
    }
    return POD_OK;
}

int
acme_jwk_thumbprint(const mbedtls_pk_context *key, char out[ACME_JWS_THUMBPRINT_LEN + 1])
{
    char jwk[ACME_JWK_MAX];
    uint8_t digest[CRYPTO_SHA256_LEN];
    int rc;

    out[0] = '\0';
    if ((rc = acme_jwk_json(key, jwk, sizeof jwk)) != POD_OK)
        return rc;
    crypto_sha256(jwk, strlen(jwk), digest);
    return acme_b64url(digest, sizeof digest, out, ACME_JWS_THUMBPRINT_LEN + 1, NULL);
}

/* Copies one DER INTEGER (at most 33 bytes with a sign byte) into the
 * 32-byte big-endian slot dst, left-padded with zeros. */
static int
der_int_to_slot(unsigned char **p, const unsigned char *end, unsigned char dst[32])
{
    size_t len;

    if (mbedtls_asn1_get_tag(p, end, &len, MBEDTLS_ASN1_INTEGER) != 0 || len == 0)
        return POD_ERR_PARSE;
    if (**p & 0x80) /* negative: not an ECDSA value */
        return POD_ERR_PARSE;
    while (len > 1 && **p == 0) { /* leading zeros (sign byte) */
        (*p)++;
        len--;
    }
    if (len > 32)
        return POD_ERR_PARSE;
    memset(dst, 0, 32);
    memcpy(dst + 32 - len, *p, len);
    *p += len;
    return POD_OK;
}

int
acme_jws_der_to_raw(const unsigned char *der, size_t der_len, unsigned char raw[64])
{
    unsigned char *p = (unsigned char *)der;
    const unsigned char *end = der + der_len;
    size_t len;

    if (!der ||
        mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) !=
            0 ||
        p + len != end)
        return POD_ERR_PARSE;
    if (der_int_to_slot(&p, end, raw) != POD_OK || der_int_to_slot(&p, end, raw + 32) != POD_OK ||
        p != end)
        return POD_ERR_PARSE;
    return POD_OK;
}

/* True when s can go into a JSON string as it is (printable ASCII other
 * than '"' and '\\'). */
static bool
json_plain(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            return false;
    }
    return true;
}

int
acme_jws_sign(mbedtls_pk_context *key, const char *kid, const char *nonce, const char *url,
              const char *payload, char **out, size_t *out_len)
{
    char jwk[ACME_JWK_MAX];
    char *header = NULL, *prot = NULL, *pay = NULL, *signing = NULL, *result = NULL;
    size_t header_len, prot_cap, prot_len, pay_cap, pay_len, signing_len, result_len;
    uint8_t digest[CRYPTO_SHA256_LEN];
    unsigned char der[MBEDTLS_ECDSA_MAX_LEN], raw[64];
    size_t der_len = 0;
    char sig[96];
    bool use_kid = kid && kid[0];
    int rc, n;

    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!out || !nonce || !url || !payload || !nonce[0] || !url[0] || !json_plain(nonce) ||
        !json_plain(url) || (use_kid && !json_plain(kid)) || !p256_of(key) ||
        !mbedtls_pk_can_do(key, MBEDTLS_PK_ECDSA))
        return POD_ERR_INVAL;
    if (!use_kid && (rc = acme_jwk_json(key, jwk, sizeof jwk)) != POD_OK)
        return rc;

    header_len = strlen(nonce) + strlen(url) + (use_kid ? strlen(kid) : strlen(jwk)) + 64;
    header = malloc(header_len);
    if (!header) {
        rc = POD_ERR_NOMEM;
        goto out;
    }
    if (use_kid)
        n = snprintf(header, header_len,
                     "{\"alg\":\"ES256\",\"kid\":\"%s\",\"nonce\":\"%s\",\"url\":\"%s\"}", kid,
                     nonce, url);
    else
        n = snprintf(header, header_len,
                     "{\"alg\":\"ES256\",\"jwk\":%s,\"nonce\":\"%s\",\"url\":\"%s\"}", jwk, nonce,
                     url);
    if (n < 0 || (size_t)n >= header_len) {
        rc = POD_ERR_LIMIT;
        goto out;
    }
    header_len = (size_t)n;

    prot_cap = header_len / 3 * 4 + 5;
    pay_cap = strlen(payload) / 3 * 4 + 5;
    prot = malloc(prot_cap);
    pay = malloc(pay_cap);
    signing = malloc(prot_cap + pay_cap + 1);
    if (!prot || !pay || !signing) {
        rc = POD_ERR_NOMEM;
        goto out;
    }
    if ((rc = acme_b64url(header, header_len, prot, prot_cap, &prot_len)) != POD_OK ||
        (rc = acme_b64url(payload, strlen(payload), pay, pay_cap, &pay_len)) != POD_OK)
        goto out;
    memcpy(signing, prot, prot_len);
    signing[prot_len] = '.';
    memcpy(signing + prot_len + 1, pay, pay_len + 1);
    signing_len = prot_len + 1 + pay_len;

    crypto_sha256(signing, signing_len, digest);
    if (mbedtls_pk_sign(key, MBEDTLS_MD_SHA256, digest, sizeof digest, der, &der_len,
                        crypto_rng_callback, NULL) != 0) {
        rc = POD_ERR_CRYPTO;
        goto out;
    }
    if ((rc = acme_jws_der_to_raw(der, der_len, raw)) != POD_OK) {
        rc = POD_ERR_CRYPTO;
        goto out;
    }
    if ((rc = acme_b64url(raw, sizeof raw, sig, sizeof sig, NULL)) != POD_OK)
        goto out;

    result_len = prot_len + pay_len + strlen(sig) + 48;
    result = malloc(result_len);
    if (!result) {
        rc = POD_ERR_NOMEM;
        goto out;
    }
    n = snprintf(result, result_len,
                 "{\"protected\":\"%s\",\"payload\":\"%s\",\"signature\":\"%s\"}", prot, pay, sig);
    if (n < 0 || (size_t)n >= result_len) {
        rc = POD_ERR_LIMIT;
        goto out;
    }
    *out = result;
    result = NULL;
    if (out_len)
        *out_len = (size_t)n;
    rc = POD_OK;
out:
    free(header);
    free(prot);
    free(pay);
    free(signing);
    free(result);
    return rc;
}
