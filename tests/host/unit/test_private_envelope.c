/*
 * test_private_envelope.c - the encrypted body of private deliveries
 * (app/federation/private_envelope.c) and its primitives: AES-256-CBC with
 * PKCS#7 (app/crypto/aes.c, NIST SP 800-38A vector, padding checks) and RSA
 * PKCS#1 v1.5 encryption (app/crypto/rsa.c). The encrypted/ vector decrypts
 * with bob's key (oracle_key_4096, see keys/keymap.json) to exactly the inner
 * envelope, which verifies with alice's key; our own bodies round-trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "core/arena.h"
#include "core/error.h"
#include "crypto/aes.h"
#include "crypto/crypto.h"
#include "crypto/rsa.h"
#include "federation/envelope.h"
#include "federation/private_envelope.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VEC(p)      POD_VECTORS_DIR "/" p
#define ENC_DIR     VEC("encrypted")
#define ARENA_LIMIT (16u << 20)

static char *spec_priv, *spec_pub, *oracle_priv, *oracle_pub;

static int
setup(void **state)
{
    (void)state;
    spec_priv = test_slurp(VEC("keys/spec_key_1024_private.pem"), NULL);
    spec_pub = test_slurp(VEC("keys/spec_key_1024_public.pem"), NULL);
    oracle_priv = test_slurp(VEC("keys/oracle_key_4096_private.pem"), NULL);
    oracle_pub = test_slurp(VEC("keys/oracle_key_4096_public.pem"), NULL);
    return crypto_rng_init() == POD_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    free(spec_priv);
    free(spec_pub);
    free(oracle_priv);
    free(oracle_pub);
    crypto_rng_free();
    return 0;
}

static int
decrypt_str(const char *body, const char *priv, char **xml, size_t *xml_len, struct pod_arena *a)
{
    char why[200] = "";
    int rc =
        fed_private_envelope_decrypt(body, strlen(body), priv, a, xml, xml_len, why, sizeof why);

    if (rc != POD_OK)
        assert_true(why[0] != '\0');
    return rc;
}

/* A body with aes_key and encrypted_magic_envelope replaced by the given
 * raw JSON text (free() it). */
static char *
body_with(const char *aes_key_json, const char *env_json)
{
    size_t n = strlen(aes_key_json) + strlen(env_json) + 64;
    char *out = malloc(n);

    assert_non_null(out);
    snprintf(out, n, "{\"aes_key\":%s,\"encrypted_magic_envelope\":%s}", aes_key_json, env_json);
    return out;
}

/* The string member name of the JSON body (free() it). */
static char *
member(const char *body, const char *name)
{
    cJSON *j = cJSON_Parse(body);
    const cJSON *m;
    char *out;

    assert_non_null(j);
    m = cJSON_GetObjectItemCaseSensitive(j, name);
    assert_true(cJSON_IsString(m));
    out = strdup(m->valuestring);
    cJSON_Delete(j);
    return out;
}

/* ------------------------------------------------------------- the vector */

static void
test_vector_decrypts(void **state)
{
    size_t blen, ilen, n = 0;
    char *body = test_slurp(ENC_DIR "/private_status_message.body.json", &blen);
    char *inner = test_slurp(ENC_DIR "/private_status_message.inner.envelope.xml", &ilen);
    struct pod_arena a;
    struct fed_envelope env;
    char *xml = NULL, why[200] = "";

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    assert_int_equal(
        fed_private_envelope_decrypt(body, blen, oracle_priv, &a, &xml, &n, why, sizeof why),
        POD_OK);
    assert_int_equal(ilen, 749);
    assert_int_equal(n, ilen);
    assert_memory_equal(xml, inner, ilen);
    assert_int_equal(xml[n], '\0');
    assert_int_equal(strncmp(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38), 0);
    /* the envelope inside is alice's, and private */
    assert_int_equal(fed_envelope_parse(xml, n, &a, &env, why, sizeof why), POD_OK);
    assert_string_equal(env.sender, "alice@pod-a.org");
    assert_int_equal(fed_envelope_verify(&env, spec_pub, why, sizeof why), POD_OK);
    assert_non_null(strstr(env.payload, "<public>false</public>"));
    pod_arena_free(&a);
    free(body);
    free(inner);
}

/* The RSA layer alone gives aes_key.json, byte for byte. */
static void
test_vector_aes_key_json(void **state)
{
    char *body = test_slurp(ENC_DIR "/private_status_message.body.json", NULL);
    char *expect = test_slurp(ENC_DIR "/private_status_message.aes_key.json", NULL);
    char *aes_key = member(body, "aes_key");
    uint8_t ct[1024], pt[1024];
    size_t ct_len = 0, pt_len = 0;

    (void)state;
    assert_int_equal(crypto_b64_decode(aes_key, strlen(aes_key), ct, sizeof ct, &ct_len), POD_OK);
    assert_int_equal(ct_len, 512);
    assert_int_equal(crypto_rsa_decrypt(oracle_priv, ct, ct_len, pt, sizeof pt, &pt_len), POD_OK);
    assert_int_equal(pt_len, strlen(expect));
    assert_memory_equal(pt, expect, pt_len);
    /* a key that is not the recipient's */
    assert_int_equal(crypto_rsa_decrypt(spec_priv, ct, ct_len, pt, sizeof pt, &pt_len),
                     POD_ERR_CRYPTO);
    free(aes_key);
    free(body);
    free(expect);
}

static void
test_vector_wrong_key(void **state)
{
    char *body = test_slurp(ENC_DIR "/private_status_message.body.json", NULL);
    struct pod_arena a;
    char *xml = NULL;
    size_t n = 0;
    char *mangled;

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    /* alice's key is not bob's */
    assert_int_equal(decrypt_str(body, spec_priv, &xml, &n, &a), POD_ERR_CRYPTO);
    assert_null(xml);
    /* a public key cannot decrypt */
    assert_int_equal(decrypt_str(body, oracle_pub, &xml, &n, &a), POD_ERR_PARSE);
    /* a changed RSA block does not decrypt */
    mangled = strdup(body);
    mangled[20] = mangled[20] == 'A' ? 'B' : 'A';
    assert_int_equal(decrypt_str(mangled, oracle_priv, &xml, &n, &a), POD_ERR_CRYPTO);
    free(mangled);
    pod_arena_free(&a);
    free(body);
}

/* Ruby's Base64.decode64 reads encode64's line breaks and skips junk; the
 * last of repeated members counts. */
static void
test_vector_lenient_reading(void **state)
{
    char *body = test_slurp(ENC_DIR "/private_status_message.body.json", NULL);
    char *inner = test_slurp(ENC_DIR "/private_status_message.inner.envelope.xml", NULL);
    char *aes_key = member(body, "aes_key"), *env = member(body, "encrypted_magic_envelope");
    size_t n = strlen(env), o = 0;
    char *wrapped = malloc(n * 2 + 16), *quoted_key = malloc(strlen(aes_key) + 3), *t;
    struct pod_arena a;
    char *xml = NULL;
    size_t xml_len = 0;

    (void)state;
    assert_non_null(wrapped);
    assert_non_null(quoted_key);
    wrapped[o++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && i % 60 == 0) {
            wrapped[o++] = '\\';
            wrapped[o++] = 'n';
        }
        wrapped[o++] = env[i];
    }
    wrapped[o++] = '"';
    wrapped[o] = '\0';
    snprintf(quoted_key, strlen(aes_key) + 3, "\"%s\"", aes_key);
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    t = body_with(quoted_key, wrapped);
    assert_int_equal(decrypt_str(t, oracle_priv, &xml, &xml_len, &a), POD_OK);
    assert_string_equal(xml, inner);
    free(t);
    /* whitespace around the JSON, members in the other order, an extra member */
    {
        size_t m = strlen(quoted_key) + strlen(wrapped) + 128;
        t = malloc(m);
        assert_non_null(t);
        snprintf(t, m, " \n{\"x\":[1,{}],\"encrypted_magic_envelope\":%s, \"aes_key\" : %s}\n ",
                 wrapped, quoted_key);
        assert_int_equal(decrypt_str(t, oracle_priv, &xml, &xml_len, &a), POD_OK);
        free(t);
        /* repeated member: the last counts */
        t = malloc(m + 32);
        assert_non_null(t);
        snprintf(t, m + 32, "{\"aes_key\":\"AAAA\",\"encrypted_magic_envelope\":%s,\"aes_key\":%s}",
                 wrapped, quoted_key);
        assert_int_equal(decrypt_str(t, oracle_priv, &xml, &xml_len, &a), POD_OK);
        snprintf(t, m + 32, "{\"aes_key\":%s,\"encrypted_magic_envelope\":%s,\"aes_key\":\"AAAA\"}",
                 quoted_key, wrapped);
        assert_int_equal(decrypt_str(t, oracle_priv, &xml, &xml_len, &a), POD_ERR_CRYPTO);
        free(t);
    }
    pod_arena_free(&a);
    free(wrapped);
    free(quoted_key);
    free(aes_key);
    free(env);
    free(body);
    free(inner);
}

/* --------------------------------------------------------------- our own */

static void
test_round_trip(void **state)
{
    size_t ilen, blen = 0, n = 0;
    char *inner = test_slurp(ENC_DIR "/private_status_message.inner.envelope.xml", &ilen);
    struct pod_arena a;
    char *body = NULL, *body2 = NULL, *xml = NULL, *aes_key;

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    /* to bob (4096) and to alice (1024) */
    assert_int_equal(
        fed_private_envelope_encrypt(inner, ilen, oracle_pub, &a, &body, &blen, NULL, 0), POD_OK);
    assert_int_equal(strlen(body), blen);
    assert_int_equal(strncmp(body, "{\"aes_key\":\"", 12), 0);
    assert_non_null(strstr(body, "\",\"encrypted_magic_envelope\":\""));
    assert_int_equal(body[blen - 1], '}');
    assert_null(strpbrk(body, " \n\r\t"));
    aes_key = member(body, "aes_key");
    assert_int_equal(strlen(aes_key), 684); /* 512 bytes, strict base64 */
    free(aes_key);
    assert_int_equal(decrypt_str(body, oracle_priv, &xml, &n, &a), POD_OK);
    assert_int_equal(n, ilen);
    assert_memory_equal(xml, inner, ilen);
    assert_int_equal(decrypt_str(body, spec_priv, &xml, &n, &a), POD_ERR_CRYPTO);
    /* fresh key and IV each time */
    assert_int_equal(
        fed_private_envelope_encrypt(inner, ilen, oracle_pub, &a, &body2, &blen, NULL, 0), POD_OK);
    assert_string_not_equal(body, body2);
    assert_int_equal(fed_private_envelope_encrypt(inner, ilen, spec_pub, &a, &body, &blen, NULL, 0),
                     POD_OK);
    assert_int_equal(decrypt_str(body, spec_priv, &xml, &n, &a), POD_OK);
    assert_memory_equal(xml, inner, ilen);
    /* sizes around the block boundary, the empty document included */
    for (size_t len = 0; len <= 33; len++) {
        assert_int_equal(
            fed_private_envelope_encrypt(inner, len, spec_pub, &a, &body, &blen, NULL, 0), POD_OK);
        assert_int_equal(decrypt_str(body, spec_priv, &xml, &n, &a), POD_OK);
        assert_int_equal(n, len);
        assert_memory_equal(xml, inner, len);
    }
    pod_arena_free(&a);
    free(inner);
}

static void
test_encrypt_refusals(void **state)
{
    struct pod_arena a;
    char *body = NULL, *big;
    size_t n = 0;

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    assert_int_equal(fed_private_envelope_encrypt("x", 1, "junk", &a, &body, &n, NULL, 0),
                     POD_ERR_PARSE);
    assert_int_equal(fed_private_envelope_encrypt("x", 1, NULL, &a, &body, &n, NULL, 0),
                     POD_ERR_INVAL);
    big = calloc(1, FED_ENVELOPE_MAX_BYTES + 1);
    assert_non_null(big);
    assert_int_equal(fed_private_envelope_encrypt(big, FED_ENVELOPE_MAX_BYTES + 1, spec_pub, &a,
                                                  &body, &n, NULL, 0),
                     POD_ERR_LIMIT);
    free(big);
    assert_null(body);
    pod_arena_free(&a);
}

static void
test_malformed_bodies(void **state)
{
    static const struct {
        const char *body;
        int rc;
    } v[] = {
        {"", POD_ERR_PARSE},
        {"not json", POD_ERR_PARSE},
        {"[]", POD_ERR_PARSE},
        {"\"aes_key\"", POD_ERR_PARSE},
        {"{}", POD_ERR_PARSE},
        {"{\"aes_key\":\"AAAA\"}", POD_ERR_PARSE},
        {"{\"encrypted_magic_envelope\":\"AAAA\"}", POD_ERR_PARSE},
        {"{\"aes_key\":1,\"encrypted_magic_envelope\":\"AAAA\"}", POD_ERR_PARSE},
        {"{\"aes_key\":\"AAAA\",\"encrypted_magic_envelope\":null}", POD_ERR_PARSE},
        {"{\"aes_key\":\"AAAA\",\"encrypted_magic_envelope\":\"AAAA\"} x", POD_ERR_PARSE},
        {"{\"aes_key\":\"AAAA\",\"encrypted_magic_envelope\":\"AAAA\"", POD_ERR_PARSE},
        {"{\"AES_KEY\":\"AAAA\",\"encrypted_magic_envelope\":\"AAAA\"}", POD_ERR_PARSE},
        {"{\"aes_key\":\"AAAA\",\"encrypted_magic_envelope\":\"AAAA\"}", POD_ERR_CRYPTO},
        {"{\"aes_key\":\"\",\"encrypted_magic_envelope\":\"\"}", POD_ERR_CRYPTO},
        {"{\"a\":[[[[[[[[[[1]]]]]]]]]],\"aes_key\":\"\",\"encrypted_magic_envelope\":\"\"}",
         POD_ERR_LIMIT},
    };
    struct pod_arena a;
    char *xml = NULL;
    size_t n = 0;

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        int rc = decrypt_str(v[i].body, spec_priv, &xml, &n, &a);
        if (rc != v[i].rc)
            fail_msg("body %zu (%s): got %d, want %d", i, v[i].body, rc, v[i].rc);
        assert_null(xml);
    }
    pod_arena_free(&a);
}

/* Bodies whose RSA layer is right but whose inner JSON or AES layer is not,
 * made with the RSA primitive directly. */
static void
test_bad_inner_layers(void **state)
{
    static const char *const inner_json[] = {
        "not json",
        "{\"key\":\"AAAA\",\"iv\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}",
        "{\"key\":\"a/EnwwsK4rDPbIXWnUza/ZVy6P3uzE88oyd9tCdB5Mw=\",\"iv\":\"AAAA\"}",
        "{\"key\":\"a/EnwwsK4rDPbIXWnUza/ZVy6P3uzE88oyd9tCdB5Mw=\"}",
        "{\"key\":1,\"iv\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}",
        "[\"key\"]",
    };
    uint8_t ct[256];
    char ct_b64[400], aes_json[420], *body;
    size_t ct_len, n;
    struct pod_arena a;
    char *xml = NULL;

    (void)state;
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    for (size_t i = 0; i < sizeof inner_json / sizeof inner_json[0]; i++) {
        assert_int_equal(crypto_rsa_encrypt(spec_pub, inner_json[i], strlen(inner_json[i]), ct,
                                            sizeof ct, &ct_len),
                         POD_OK);
        assert_int_equal(crypto_b64_encode(ct, ct_len, ct_b64, sizeof ct_b64, NULL), POD_OK);
        snprintf(aes_json, sizeof aes_json, "\"%s\"", ct_b64);
        body = body_with(aes_json, "\"AAAAAAAAAAAAAAAAAAAAAA==\"");
        assert_int_equal(decrypt_str(body, spec_priv, &xml, &n, &a), POD_ERR_PARSE);
        free(body);
    }
    /* right key and IV, ciphertext not whole blocks, or wrong padding */
    {
        static const char good[] = "{\"key\":\"a/EnwwsK4rDPbIXWnUza/ZVy6P3uzE88oyd9tCdB5Mw=\","
                                   "\"iv\":\"sagoanie28wPTsqAzInwNA==\"}";
        assert_int_equal(crypto_rsa_encrypt(spec_pub, good, strlen(good), ct, sizeof ct, &ct_len),
                         POD_OK);
        crypto_b64_encode(ct, ct_len, ct_b64, sizeof ct_b64, NULL);
        snprintf(aes_json, sizeof aes_json, "\"%s\"", ct_b64);
        body = body_with(aes_json, "\"AAAAAAAAAAAAAAAAAAAA\""); /* 15 bytes */
        assert_int_equal(decrypt_str(body, spec_priv, &xml, &n, &a), POD_ERR_CRYPTO);
        free(body);
        body = body_with(aes_json, "\"\"");
        assert_int_equal(decrypt_str(body, spec_priv, &xml, &n, &a), POD_ERR_CRYPTO);
        free(body);
    }
    pod_arena_free(&a);
}

static void
test_body_limit(void **state)
{
    size_t n = FED_PRIVATE_BODY_MAX_BYTES + 1;
    char *big = malloc(n);
    struct pod_arena a;
    char *xml = NULL;
    size_t xml_len;

    (void)state;
    assert_non_null(big);
    memset(big, ' ', n);
    pod_arena_init(&a, NULL, 0, ARENA_LIMIT);
    assert_int_equal(fed_private_envelope_decrypt(big, n, spec_priv, &a, &xml, &xml_len, NULL, 0),
                     POD_ERR_LIMIT);
    pod_arena_free(&a);
    free(big);
}

/* -------------------------------------------------------------- AES / RSA */

static void
test_aes_nist_vector(void **state)
{
    /* NIST SP 800-38A F.2.5, CBC-AES256.Encrypt, first block */
    static const uint8_t key[32] = {0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe,
                                    0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
                                    0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7,
                                    0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4};
    static const uint8_t iv[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    static const uint8_t pt[16] = {0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
                                   0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a};
    static const uint8_t ct[16] = {0xf5, 0x8c, 0x4c, 0x04, 0xd6, 0xe5, 0xf1, 0xba,
                                   0x77, 0x9e, 0xab, 0xfb, 0x5f, 0x7b, 0xfb, 0xd6};
    uint8_t out[48], back[48];
    size_t n = 0, m = 0;

    (void)state;
    assert_int_equal(crypto_aes_cbc_padded_len(0), 16);
    assert_int_equal(crypto_aes_cbc_padded_len(15), 16);
    assert_int_equal(crypto_aes_cbc_padded_len(16), 32);
    assert_int_equal(crypto_aes_cbc_encrypt(key, iv, pt, 16, out, sizeof out, &n), POD_OK);
    assert_int_equal(n, 32);
    assert_memory_equal(out, ct, 16);
    assert_int_equal(crypto_aes_cbc_decrypt(key, iv, out, n, back, sizeof back, &m), POD_OK);
    assert_int_equal(m, 16);
    assert_memory_equal(back, pt, 16);
    assert_int_equal(crypto_aes_cbc_encrypt(key, iv, pt, 16, out, 31, &n), POD_ERR_LIMIT);
    assert_int_equal(crypto_aes_cbc_decrypt(key, iv, out, 31, back, sizeof back, &m),
                     POD_ERR_CRYPTO);
    assert_int_equal(crypto_aes_cbc_decrypt(key, iv, out, 0, back, sizeof back, &m),
                     POD_ERR_CRYPTO);
}

/* Decrypting only the first blocks of a longer ciphertext exposes chosen
 * plaintext as "padding": each PKCS#7 rule is checked. */
static void
test_aes_padding_rules(void **state)
{
    static const struct {
        uint8_t last2[2];
        int rc;
        size_t len;
    } v[] = {
        {{0x00, 0x00}, POD_ERR_CRYPTO, 0}, /* 0 is no padding */
        {{0x05, 0x01}, POD_OK, 31},        {{0x02, 0x02}, POD_OK, 30},
        {{0x01, 0x02}, POD_ERR_CRYPTO, 0}, {{0x11, 0x11}, POD_ERR_CRYPTO, 0}, /* 17 > block */
        {{0xff, 0xff}, POD_ERR_CRYPTO, 0},
    };
    uint8_t key[32] = {1}, iv[16] = {2}, pt[32], ct[48], out[48];
    size_t n, m;

    (void)state;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        memset(pt, 'a', sizeof pt);
        pt[30] = v[i].last2[0];
        pt[31] = v[i].last2[1];
        assert_int_equal(crypto_aes_cbc_encrypt(key, iv, pt, 32, ct, sizeof ct, &n), POD_OK);
        m = 99;
        assert_int_equal(crypto_aes_cbc_decrypt(key, iv, ct, 32, out, sizeof out, &m), v[i].rc);
        if (v[i].rc == POD_OK) {
            assert_int_equal(m, v[i].len);
            assert_memory_equal(out, pt, m);
        } else {
            assert_int_equal(m, 0);
        }
    }
    /* a full block of 16s is a valid padding */
    memset(pt, 16, 32);
    assert_int_equal(crypto_aes_cbc_encrypt(key, iv, pt, 32, ct, sizeof ct, &n), POD_OK);
    assert_int_equal(crypto_aes_cbc_decrypt(key, iv, ct, 32, out, sizeof out, &m), POD_OK);
    assert_int_equal(m, 16);
    pt[20] = 15; /* one byte of the sixteen differs */
    assert_int_equal(crypto_aes_cbc_encrypt(key, iv, pt, 32, ct, sizeof ct, &n), POD_OK);
    assert_int_equal(crypto_aes_cbc_decrypt(key, iv, ct, 32, out, sizeof out, &m), POD_ERR_CRYPTO);
}

static void
test_rsa_encrypt_decrypt(void **state)
{
    uint8_t ct[CRYPTO_RSA_MAX_BYTES], ct2[CRYPTO_RSA_MAX_BYTES], pt[CRYPTO_RSA_MAX_BYTES];
    char msg[118];
    size_t n = 0, n2 = 0, m = 0;

    (void)state;
    memset(msg, 'm', sizeof msg);
    /* 1024 bits carry at most 117 bytes */
    assert_int_equal(crypto_rsa_encrypt(spec_pub, msg, 117, ct, sizeof ct, &n), POD_OK);
    assert_int_equal(n, 128);
    assert_int_equal(crypto_rsa_encrypt(spec_pub, msg, 118, ct, sizeof ct, &n), POD_ERR_LIMIT);
    assert_int_equal(crypto_rsa_encrypt(spec_pub, msg, 117, ct, sizeof ct, &n), POD_OK);
    assert_int_equal(crypto_rsa_encrypt(spec_pub, msg, 117, ct2, sizeof ct2, &n2), POD_OK);
    assert_memory_not_equal(ct, ct2, n); /* random padding */
    assert_int_equal(crypto_rsa_decrypt(spec_priv, ct, n, pt, sizeof pt, &m), POD_OK);
    assert_int_equal(m, 117);
    assert_memory_equal(pt, msg, m);
    assert_int_equal(crypto_rsa_decrypt(spec_priv, ct2, n2, pt, sizeof pt, &m), POD_OK);
    /* out must hold the longest plaintext, whatever this one is */
    assert_int_equal(crypto_rsa_decrypt(spec_priv, ct, n, pt, 116, &m), POD_ERR_LIMIT);
    assert_int_equal(crypto_rsa_decrypt(spec_priv, ct, n - 1, pt, sizeof pt, &m), POD_ERR_CRYPTO);
    ct[5] ^= 1;
    assert_int_equal(crypto_rsa_decrypt(spec_priv, ct, n, pt, sizeof pt, &m), POD_ERR_CRYPTO);
    assert_int_equal(m, 0);
    assert_int_equal(crypto_rsa_encrypt(spec_pub, msg, 10, ct, 127, &n), POD_ERR_LIMIT);
    assert_int_equal(crypto_rsa_decrypt(spec_pub, ct, 128, pt, sizeof pt, &m), POD_ERR_PARSE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_decrypts),   cmocka_unit_test(test_vector_aes_key_json),
        cmocka_unit_test(test_vector_wrong_key),  cmocka_unit_test(test_vector_lenient_reading),
        cmocka_unit_test(test_round_trip),        cmocka_unit_test(test_encrypt_refusals),
        cmocka_unit_test(test_malformed_bodies),  cmocka_unit_test(test_bad_inner_layers),
        cmocka_unit_test(test_body_limit),        cmocka_unit_test(test_aes_nist_vector),
        cmocka_unit_test(test_aes_padding_rules), cmocka_unit_test(test_rsa_encrypt_decrypt),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
