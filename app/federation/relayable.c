/*
 * relayable.c - signed strings and author_signature (docs/diaspora-federation.md
 * §6.1; the rules are in relayable.h).
 *
 * sign and verify build the signed string in a malloc'd buffer that lives
 * only for the call, so they need no arena.
 */
#include "federation/relayable.h"

#include "core/error.h"
#include "crypto/crypto.h"
#include "crypto/rsa.h"
#include "federation/envelope.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* True when element i is part of the signed string: its name does not
 * contain "signature" and did not occur before (the gem keeps the elements
 * in a hash, so a repeated name counts once, at its first place, with its
 * first value). */
static bool
signed_field(const char *const *names, size_t i)
{
    if (strstr(names[i], "signature"))
        return false;
    for (size_t j = 0; j < i; j++)
        if (strcmp(names[j], names[i]) == 0)
            return false;
    return true;
}

/* Checks the list and counts the signed string's length into *len. */
static int
signed_len(const char *const *names, const char *const *values, size_t n, size_t *len)
{
    size_t total = 0, fields = 0, v;

    *len = 0;
    if (n > 0 && (!names || !values))
        return POD_ERR_INVAL;
    if (n > FED_RELAYABLE_MAX_FIELDS)
        return POD_ERR_LIMIT;
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            return POD_ERR_INVAL;
        if (!signed_field(names, i))
            continue;
        v = values[i] ? strlen(values[i]) : 0;
        if (v > FED_RELAYABLE_MAX_BYTES || total + v + (fields > 0) > FED_RELAYABLE_MAX_BYTES)
            return POD_ERR_LIMIT;
        total += v + (fields > 0);
        fields++;
    }
    *len = total;
    return POD_OK;
}

/* Writes the signed string (len bytes, from signed_len) and a NUL to out. */
static void
signed_write(const char *const *names, const char *const *values, size_t n, char *out)
{
    size_t pos = 0, v;
    bool first = true;

    for (size_t i = 0; i < n; i++) {
        if (!signed_field(names, i))
            continue;
        if (!first)
            out[pos++] = ';';
        first = false;
        v = values[i] ? strlen(values[i]) : 0;
        memcpy(out + pos, values[i] ? values[i] : "", v);
        pos += v;
    }
    out[pos] = '\0';
}

/* The signed string in a new malloc'd buffer. */
static int
signed_malloc(const char *const *names, const char *const *values, size_t n, char **out,
              size_t *out_len)
{
    size_t len;
    int rc = signed_len(names, values, n, &len);

    *out = NULL;
    if (rc != POD_OK)
        return rc;
    *out = malloc(len + 1);
    if (!*out)
        return POD_ERR_NOMEM;
    signed_write(names, values, n, *out);
    *out_len = len;
    return POD_OK;
}

int
fed_relayable_signed_string(const char *const *names, const char *const *values, size_t n,
                            struct pod_arena *a, char **out, size_t *out_len)
{
    size_t len;
    int rc;

    if (out)
        *out = NULL;
    if (!a || !out)
        return POD_ERR_INVAL;
    rc = signed_len(names, values, n, &len);
    if (rc != POD_OK)
        return rc;
    *out = pod_arena_alloc(a, len + 1);
    if (!*out)
        return POD_ERR_NOMEM;
    signed_write(names, values, n, *out);
    if (out_len)
        *out_len = len;
    return POD_OK;
}

const char *
fed_relayable_author_signature(const char *const *names, const char *const *values, size_t n)
{
    if (!names || !values)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], "author_signature") == 0)
            return values[i];
    return NULL;
}

static void
list_why(int rc, char *why, size_t why_len)
{
    if (rc == POD_ERR_LIMIT)
        pod_why(why, why_len, "relayable over %d elements or %d bytes", FED_RELAYABLE_MAX_FIELDS,
                FED_RELAYABLE_MAX_BYTES);
    else if (rc == POD_ERR_NOMEM)
        pod_why(why, why_len, "out of memory");
    else
        pod_why(why, why_len, "bad element list");
}

int
fed_relayable_sign(const char *const *names, const char *const *values, size_t n,
                   const char *author_priv_pem, char *sig_b64, size_t cap, char *why,
                   size_t why_len)
{
    char *msg = NULL;
    size_t len = 0;
    int rc;

    if (sig_b64 && cap > 0)
        sig_b64[0] = '\0';
    rc = signed_malloc(names, values, n, &msg, &len);
    if (rc != POD_OK) {
        list_why(rc, why, why_len);
        return rc;
    }
    rc = fed_signature_sign(msg, len, author_priv_pem, sig_b64, cap, why, why_len);
    free(msg);
    return rc;
}

int
fed_relayable_verify(const char *const *names, const char *const *values, size_t n,
                     const char *sig_b64, const char *author_pub_pem, char *why, size_t why_len)
{
    char *msg = NULL;
    size_t len = 0;
    int rc;

    if (!sig_b64 || !sig_b64[0]) {
        pod_why(why, why_len, "no author_signature");
        return POD_ERR_INVAL;
    }
    rc = signed_malloc(names, values, n, &msg, &len);
    if (rc != POD_OK) {
        list_why(rc, why, why_len);
        return rc;
    }
    rc = fed_signature_verify(msg, len, sig_b64, author_pub_pem, why, why_len);
    free(msg);
    return rc;
}

int
fed_signature_sign(const void *msg, size_t len, const char *priv_pem, char *sig_b64, size_t cap,
                   char *why, size_t why_len)
{
    uint8_t sig[CRYPTO_RSA_MAX_BYTES];
    size_t sig_len = 0;
    int rc;

    if (sig_b64 && cap > 0)
        sig_b64[0] = '\0';
    if ((!msg && len > 0) || !priv_pem || !sig_b64) {
        pod_why(why, why_len, "missing argument");
        return POD_ERR_INVAL;
    }
    rc = crypto_rsa_sign_sha256(priv_pem, msg, len, sig, sizeof sig, &sig_len);
    if (rc != POD_OK) {
        pod_why(why, why_len, "cannot sign (%s)", pod_strerror(rc));
        return rc;
    }
    rc = crypto_b64_encode(sig, sig_len, sig_b64, cap, NULL);
    if (rc != POD_OK)
        pod_why(why, why_len, "signature buffer too small");
    return rc;
}

int
fed_signature_verify(const void *msg, size_t len, const char *sig_b64, const char *pub_pem,
                     char *why, size_t why_len)
{
    uint8_t sig[FED_SIGNATURE_B64_MAX / 4 * 3 + 3];
    size_t sig_len = 0, n;
    int rc;

    if ((!msg && len > 0) || !sig_b64 || !pub_pem) {
        pod_why(why, why_len, "missing argument");
        return POD_ERR_INVAL;
    }
    n = strlen(sig_b64);
    if (n > FED_SIGNATURE_B64_MAX) {
        pod_why(why, why_len, "signature of %zu characters is too long", n);
        return POD_ERR_LIMIT;
    }
    fed_b64_decode_lenient(sig_b64, n, sig, sizeof sig, &sig_len);
    rc = crypto_rsa_verify_sha256(pub_pem, msg, len, sig, sig_len);
    if (rc == POD_ERR_SIG)
        pod_why(why, why_len, "signature does not verify");
    else if (rc != POD_OK)
        pod_why(why, why_len, "public key not usable (%s)", pod_strerror(rc));
    return rc;
}
