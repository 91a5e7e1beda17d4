/*
 * private_envelope.c - the AES/RSA layer of private deliveries
 * (docs/diaspora-federation.md §5.2; format in private_envelope.h).
 *
 * Memory: the JSON goes through cJSON (after a nesting pre-scan), the
 * decoded ciphertext lives in a malloc'd buffer freed before returning, and
 * only the result is placed in the caller's arena. Every buffer that held
 * the AES key or IV, or the JSON that carries them, is wiped.
 *
 * Timing: the answer to the sender does not depend on the outcome
 * (/receive answers 202 before this runs), and RSA and the PKCS#7 check are
 * constant-time anyway, so there is no padding oracle to query.
 */
#include "federation/private_envelope.h"

#include "core/error.h"
#include "core/json_guard.h"
#include "crypto/aes.h"
#include "crypto/crypto.h"
#include "crypto/rsa.h"

#include <cjson/cJSON.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {"key":"<44>","iv":"<24>"} is 70 bytes; what we write and what we read. */
#define INNER_JSON_MAX      128
#define INNER_JSON_READ_MAX 512

static bool
json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parses s[0..len) as one JSON object (whitespace around it allowed). */
static cJSON *
json_object_parse(const char *s, size_t len)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(s, len, &end, false);

    if (!root)
        return NULL;
    if (!cJSON_IsObject(root) || !end || end < s || end > s + len)
        goto bad;
    for (; end < s + len; end++)
        if (!json_space(*end))
            goto bad;
    return root;
bad:
    cJSON_Delete(root);
    return NULL;
}

/* The string value of obj's member called name, the last one if repeated
 * (as Ruby's JSON.parse keeps), or NULL when absent or not a string. */
static const char *
member_string(const cJSON *obj, const char *name)
{
    const cJSON *it, *found = NULL;

    cJSON_ArrayForEach(it, obj)
    {
        if (it->string && strcmp(it->string, name) == 0)
            found = it;
    }
    return cJSON_IsString(found) ? found->valuestring : NULL;
}

/* Wipes the strings of a cJSON tree (the inner JSON carries key and iv). */
static void
json_wipe(cJSON *node)
{
    for (; node; node = node->next) {
        if (node->valuestring)
            crypto_wipe(node->valuestring, strlen(node->valuestring));
        json_wipe(node->child);
    }
}

/* Decodes the lenient base64 of s into exactly want bytes of out. */
static bool
decode_exact(const char *s, uint8_t *out, size_t want)
{
    uint8_t tmp[64];
    size_t n = strlen(s), got = 0;
    bool ok;

    if (crypto_b64_decoded_max(n) > sizeof tmp)
        return false; /* far longer than any 32-byte key's base64 */
    fed_b64_decode_lenient(s, n, tmp, sizeof tmp, &got);
    ok = got == want;
    if (ok)
        memcpy(out, tmp, want);
    crypto_wipe(tmp, sizeof tmp);
    return ok;
}

int
fed_private_envelope_decrypt(const char *body, size_t len, const char *recipient_priv_pem,
                             struct pod_arena *a, char **xml, size_t *xml_len, char *why,
                             size_t why_len)
{
    uint8_t key[CRYPTO_AES_KEY_LEN], iv[CRYPTO_AES_IV_LEN];
    uint8_t rsa_ct[FED_PRIVATE_AES_KEY_MAX / 4 * 3 + 3], inner[CRYPTO_RSA_MAX_BYTES];
    size_t rsa_ct_len = 0, inner_len = 0, ct_len = 0, pt_len = 0, n;
    const char *aes_key_b64, *env_b64, *s;
    cJSON *outer = NULL, *inner_json = NULL;
    uint8_t *ct = NULL;
    char *pt;
    int ret, rc;

    if (xml)
        *xml = NULL;
    if (xml_len)
        *xml_len = 0;
    if (!body || !recipient_priv_pem || !a || !xml) {
        pod_why(why, why_len, "missing argument");
        return POD_ERR_INVAL;
    }
    if (len > FED_PRIVATE_BODY_MAX_BYTES) {
        pod_why(why, why_len, "body of %zu bytes is over the %d-byte limit", len,
                FED_PRIVATE_BODY_MAX_BYTES);
        return POD_ERR_LIMIT;
    }
    if (pod_json_guard(body, len, FED_PRIVATE_JSON_MAX_DEPTH, 0) != POD_OK) {
        pod_why(why, why_len, "JSON nested too deep");
        return POD_ERR_LIMIT;
    }
    outer = json_object_parse(body, len);
    if (!outer) {
        pod_why(why, why_len, "body is not a JSON object");
        ret = POD_ERR_PARSE;
        goto out;
    }
    aes_key_b64 = member_string(outer, "aes_key");
    env_b64 = member_string(outer, "encrypted_magic_envelope");
    if (!aes_key_b64 || !env_b64) {
        pod_why(why, why_len, "aes_key or encrypted_magic_envelope missing");
        ret = POD_ERR_PARSE;
        goto out;
    }

    /* aes_key -> {"key":..,"iv":..} */
    n = strlen(aes_key_b64);
    if (n > FED_PRIVATE_AES_KEY_MAX) {
        pod_why(why, why_len, "aes_key of %zu characters is too long", n);
        ret = POD_ERR_LIMIT;
        goto out;
    }
    fed_b64_decode_lenient(aes_key_b64, n, rsa_ct, sizeof rsa_ct, &rsa_ct_len);
    rc =
        crypto_rsa_decrypt(recipient_priv_pem, rsa_ct, rsa_ct_len, inner, sizeof inner, &inner_len);
    if (rc != POD_OK) {
        if (rc == POD_ERR_CRYPTO)
            pod_why(why, why_len, "aes_key does not decrypt with the recipient's key");
        else
            pod_why(why, why_len, "the recipient's private key is not usable (%s)",
                    pod_strerror(rc));
        ret = rc;
        goto out;
    }
    if (inner_len > INNER_JSON_READ_MAX ||
        pod_json_guard((const char *)inner, inner_len, FED_PRIVATE_JSON_MAX_DEPTH, 0) != POD_OK ||
        !(inner_json = json_object_parse((const char *)inner, inner_len))) {
        pod_why(why, why_len, "the decrypted aes_key is not a JSON object");
        ret = POD_ERR_PARSE;
        goto out;
    }
    s = member_string(inner_json, "key");
    if (!s || !decode_exact(s, key, sizeof key)) {
        pod_why(why, why_len, "the AES key is missing or not 32 bytes");
        ret = POD_ERR_PARSE;
        goto out;
    }
    s = member_string(inner_json, "iv");
    if (!s || !decode_exact(s, iv, sizeof iv)) {
        pod_why(why, why_len, "the AES IV is missing or not 16 bytes");
        ret = POD_ERR_PARSE;
        goto out;
    }

    /* encrypted_magic_envelope -> the envelope document */
    n = strlen(env_b64);
    ct = malloc(crypto_b64_decoded_max(n) + 1);
    if (!ct) {
        pod_why(why, why_len, "out of memory");
        ret = POD_ERR_NOMEM;
        goto out;
    }
    fed_b64_decode_lenient(env_b64, n, ct, crypto_b64_decoded_max(n) + 1, &ct_len);
    if (ct_len == 0 || ct_len % CRYPTO_AES_BLOCK_LEN != 0) {
        pod_why(why, why_len, "encrypted_magic_envelope is not whole AES blocks");
        ret = POD_ERR_CRYPTO;
        goto out;
    }
    if (ct_len - 1 > FED_ENVELOPE_MAX_BYTES) { /* the padding is at least one byte */
        pod_why(why, why_len, "encrypted envelope of %zu bytes is over the limit", ct_len);
        ret = POD_ERR_LIMIT;
        goto out;
    }
    pt = pod_arena_alloc(a, ct_len + 1);
    if (!pt) {
        pod_why(why, why_len, "out of memory");
        ret = POD_ERR_NOMEM;
        goto out;
    }
    rc = crypto_aes_cbc_decrypt(key, iv, ct, ct_len, (uint8_t *)pt, ct_len, &pt_len);
    if (rc != POD_OK) {
        pod_why(why, why_len, "encrypted_magic_envelope does not decrypt");
        ret = POD_ERR_CRYPTO;
        goto out;
    }
    pt[pt_len] = '\0';
    *xml = pt;
    if (xml_len)
        *xml_len = pt_len;
    ret = POD_OK;
out:
    crypto_wipe(key, sizeof key);
    crypto_wipe(iv, sizeof iv);
    crypto_wipe(inner, sizeof inner);
    if (inner_json) {
        json_wipe(inner_json);
        cJSON_Delete(inner_json);
    }
    cJSON_Delete(outer);
    free(ct);
    return ret;
}

int
fed_private_envelope_encrypt(const char *xml, size_t len, const char *recipient_pub_pem,
                             struct pod_arena *a, char **body, size_t *body_len, char *why,
                             size_t why_len)
{
    static const char head[] = "{\"aes_key\":\"", mid[] = "\",\"encrypted_magic_envelope\":\"",
                      tail[] = "\"}";
    uint8_t key[CRYPTO_AES_KEY_LEN], iv[CRYPTO_AES_IV_LEN], rsa_ct[CRYPTO_RSA_MAX_BYTES];
    char key_b64[48], iv_b64[32], inner[INNER_JSON_MAX];
    size_t rsa_ct_len = 0, ct_len = 0, total, pos = 0, n;
    uint8_t *ct = NULL;
    char *doc;
    int ret, rc, inner_len;

    if (body)
        *body = NULL;
    if (body_len)
        *body_len = 0;
    if ((!xml && len > 0) || !recipient_pub_pem || !a || !body) {
        pod_why(why, why_len, "missing argument");
        return POD_ERR_INVAL;
    }
    if (len > FED_ENVELOPE_MAX_BYTES) {
        pod_why(why, why_len, "envelope of %zu bytes is over the limit", len);
        return POD_ERR_LIMIT;
    }
    ret = crypto_random(key, sizeof key);
    if (ret == POD_OK)
        ret = crypto_random(iv, sizeof iv);
    if (ret != POD_OK) {
        pod_why(why, why_len, "no random bytes");
        goto out;
    }
    /* Cannot fail: the buffers fit 32 and 16 bytes of base64. */
    crypto_b64_encode(key, sizeof key, key_b64, sizeof key_b64, NULL);
    crypto_b64_encode(iv, sizeof iv, iv_b64, sizeof iv_b64, NULL);
    inner_len = snprintf(inner, sizeof inner, "{\"key\":\"%s\",\"iv\":\"%s\"}", key_b64, iv_b64);
    rc = crypto_rsa_encrypt(recipient_pub_pem, inner, (size_t)inner_len, rsa_ct, sizeof rsa_ct,
                            &rsa_ct_len);
    if (rc != POD_OK) {
        pod_why(why, why_len, "cannot encrypt to the recipient's key (%s)", pod_strerror(rc));
        ret = rc;
        goto out;
    }
    ct = malloc(crypto_aes_cbc_padded_len(len));
    if (!ct) {
        pod_why(why, why_len, "out of memory");
        ret = POD_ERR_NOMEM;
        goto out;
    }
    rc = crypto_aes_cbc_encrypt(key, iv, xml, len, ct, crypto_aes_cbc_padded_len(len), &ct_len);
    if (rc != POD_OK) {
        pod_why(why, why_len, "AES failed");
        ret = rc;
        goto out;
    }
    total = sizeof head - 1 + crypto_b64_encoded_len(rsa_ct_len) + sizeof mid - 1 +
            crypto_b64_encoded_len(ct_len) + sizeof tail - 1;
    doc = pod_arena_alloc(a, total + 1);
    if (!doc) {
        pod_why(why, why_len, "out of memory");
        ret = POD_ERR_NOMEM;
        goto out;
    }
    memcpy(doc + pos, head, sizeof head - 1);
    pos += sizeof head - 1;
    crypto_b64_encode(rsa_ct, rsa_ct_len, doc + pos, total + 1 - pos, &n);
    pos += n;
    memcpy(doc + pos, mid, sizeof mid - 1);
    pos += sizeof mid - 1;
    crypto_b64_encode(ct, ct_len, doc + pos, total + 1 - pos, &n);
    pos += n;
    memcpy(doc + pos, tail, sizeof tail);
    pos += sizeof tail - 1;
    *body = doc;
    if (body_len)
        *body_len = pos;
    ret = POD_OK;
out:
    crypto_wipe(key, sizeof key);
    crypto_wipe(iv, sizeof iv);
    crypto_wipe(key_b64, sizeof key_b64);
    crypto_wipe(iv_b64, sizeof iv_b64);
    crypto_wipe(inner, sizeof inner);
    free(ct);
    return ret;
}
