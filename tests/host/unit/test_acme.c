/*
 * test_acme.c - the ACME client's building blocks (app/acme): base64url,
 * the JWK and its RFC 7638 thumbprint, ES256 JWS (verified with mbedTLS
 * against the key rebuilt from the JWK), the CSR (parsed back, SAN
 * present, signature valid), the account key file, the message parsers
 * on pebble-like documents and broken ones, the challenge table and the
 * host name check. The whole conversation against pebble is in
 * test_acme_pebble.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_csr.h>

#include "acme/acme.h"
#include "acme/acme_msg.h"
#include "acme/challenge.h"
#include "acme/csr.h"
#include "acme/jws.h"
#include "core/error.h"
#include "crypto/crypto.h"
#include "http/http.h"
#include "testutil.h"

/* A fixed P-256 key made with `openssl ecparam -name prime256v1 -genkey`.
 * Its JWK and RFC 7638 thumbprint below were computed with python3
 * (hashlib, base64) from the public point `openssl ec -text` printed, not
 * with the code under test. */
static const char fixed_key_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIBTbnTRVimh2FotPbR/pT88M6esBz13kYJwTJojV34PsoAoGCCqGSM49\n"
    "AwEHoUQDQgAE7cANeTS+5SUELnTuEURIGBaU1WKKHWczc64VjsrnfnldTymmFQ/8\n"
    "lYDNZ5IJNof46BTRZLW4DSaw2lRI7bTfmA==\n"
    "-----END EC PRIVATE KEY-----\n";
static const char fixed_jwk[] = "{\"crv\":\"P-256\",\"kty\":\"EC\","
                                "\"x\":\"7cANeTS-5SUELnTuEURIGBaU1WKKHWczc64Vjsrnfnk\","
                                "\"y\":\"XU8pphUP_JWAzWeSCTaH-OgU0WS1uA0msNpUSO2035g\"}";
static const char fixed_thumbprint[] = "_kCUL_FkMhKSUXpfr0hTDLe4xjwRVSXyXnJDkLOtKxU";

static void
load_fixed_key(mbedtls_pk_context *pk)
{
    mbedtls_pk_init(pk);
    assert_int_equal(mbedtls_pk_parse_key(pk, (const unsigned char *)fixed_key_pem,
                                          sizeof fixed_key_pem, NULL, 0),
                     0);
}

static int
group_setup(void **state)
{
    (void)state;
    return crypto_rng_init() == POD_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    crypto_rng_free();
    return 0;
}

/* ------------------------------------------------------------ base64url */

static void
test_b64url(void **state)
{
    static const unsigned char bin[] = {0xfb, 0xff, 0xbf};
    char out[16];
    size_t n = 99;

    (void)state;
    assert_int_equal(acme_b64url("", 0, out, sizeof out, &n), POD_OK);
    assert_string_equal(out, "");
    assert_int_equal(n, 0);
    assert_int_equal(acme_b64url("f", 1, out, sizeof out, &n), POD_OK);
    assert_string_equal(out, "Zg");
    assert_int_equal(acme_b64url("fo", 2, out, sizeof out, NULL), POD_OK);
    assert_string_equal(out, "Zm8");
    assert_int_equal(acme_b64url("foobar", 6, out, sizeof out, &n), POD_OK);
    assert_string_equal(out, "Zm9vYmFy");
    assert_int_equal(n, 8);
    /* The URL alphabet, no padding. */
    assert_int_equal(acme_b64url(bin, 2, out, sizeof out, NULL), POD_OK);
    assert_string_equal(out, "-_8");
    assert_int_equal(acme_b64url(bin, 3, out, sizeof out, NULL), POD_OK);
    assert_string_equal(out, "-_-_");
    /* Exactly enough room (3 chars + NUL), then one byte short. */
    assert_int_equal(acme_b64url("fo", 2, out, 4, NULL), POD_OK);
    assert_int_equal(acme_b64url("fo", 2, out, 3, NULL), POD_ERR_LIMIT);
}

/* ------------------------------------------------------------ JWK, JWS */

static void
test_jwk_thumbprint(void **state)
{
    mbedtls_pk_context pk;
    char jwk[ACME_JWK_MAX], tp[ACME_JWS_THUMBPRINT_LEN + 1];

    (void)state;
    load_fixed_key(&pk);
    assert_int_equal(acme_jwk_json(&pk, jwk, sizeof jwk), POD_OK);
    assert_string_equal(jwk, fixed_jwk);
    assert_int_equal(acme_jwk_thumbprint(&pk, tp), POD_OK);
    assert_string_equal(tp, fixed_thumbprint);
    assert_int_equal(strlen(tp), ACME_JWS_THUMBPRINT_LEN);
    assert_int_equal(acme_jwk_json(&pk, jwk, 20), POD_ERR_LIMIT);
    mbedtls_pk_free(&pk);

    /* Only EC P-256. */
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
    assert_int_equal(
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP384R1, mbedtls_pk_ec(pk), crypto_rng_callback, NULL),
        0);
    assert_int_equal(acme_jwk_json(&pk, jwk, sizeof jwk), POD_ERR_INVAL);
    assert_int_equal(acme_jwk_thumbprint(&pk, tp), POD_ERR_INVAL);
    mbedtls_pk_free(&pk);
}

/* Decodes base64url text s into a malloc'd NUL-ended buffer. */
static char *
b64url_dec(const char *s, size_t *len)
{
    size_t n = strlen(s), olen = 0;
    uint8_t *buf = malloc(n + 4);

    assert_non_null(buf);
    assert_int_equal(crypto_b64url_decode(s, n, buf, n + 4, &olen), POD_OK);
    buf[olen] = '\0';
    if (len)
        *len = olen;
    return (char *)buf;
}

/* Checks the flattened JWS text jws: its header names alg/nonce/url and
 * kid (when kid) or a jwk whose key verifies the ES256 signature. */
static void
check_jws(const char *jws, const char *kid, const char *nonce, const char *url, const char *payload,
          const mbedtls_pk_context *signer)
{
    cJSON *root = cJSON_Parse(jws), *hdr;
    const char *prot, *pay, *sig;
    char *hdr_txt, *pay_txt, *sig_raw, *signing;
    size_t sig_len = 0;
    uint8_t hash[32];
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;

    assert_non_null(root);
    assert_int_equal(cJSON_GetArraySize(root), 3);
    prot = cJSON_GetStringValue(cJSON_GetObjectItem(root, "protected"));
    pay = cJSON_GetStringValue(cJSON_GetObjectItem(root, "payload"));
    sig = cJSON_GetStringValue(cJSON_GetObjectItem(root, "signature"));
    assert_non_null(prot);
    assert_non_null(pay);
    assert_non_null(sig);
    /* Unpadded base64url everywhere. */
    assert_null(strchr(prot, '='));
    assert_null(strchr(sig, '='));

    hdr_txt = b64url_dec(prot, NULL);
    hdr = cJSON_Parse(hdr_txt);
    assert_non_null(hdr);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(hdr, "alg")), "ES256");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(hdr, "nonce")), nonce);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(hdr, "url")), url);

    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    assert_int_equal(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1), 0);
    if (kid) {
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(hdr, "kid")), kid);
        assert_null(cJSON_GetObjectItem(hdr, "jwk"));
        assert_int_equal(mbedtls_ecp_copy(&q, &mbedtls_pk_ec(*signer)->Q), 0);
    } else {
        /* The key is rebuilt from the JWK of the header alone. */
        const cJSON *jwk = cJSON_GetObjectItem(hdr, "jwk");
        unsigned char point[65];
        size_t xl = 0, yl = 0;
        char *x, *y;

        assert_null(cJSON_GetObjectItem(hdr, "kid"));
        assert_true(cJSON_IsObject(jwk));
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(jwk, "kty")), "EC");
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(jwk, "crv")), "P-256");
        x = b64url_dec(cJSON_GetStringValue(cJSON_GetObjectItem(jwk, "x")), &xl);
        y = b64url_dec(cJSON_GetStringValue(cJSON_GetObjectItem(jwk, "y")), &yl);
        assert_int_equal(xl, 32);
        assert_int_equal(yl, 32);
        point[0] = 0x04;
        memcpy(point + 1, x, 32);
        memcpy(point + 33, y, 32);
        free(x);
        free(y);
        assert_int_equal(mbedtls_ecp_point_read_binary(&grp, &q, point, sizeof point), 0);
        assert_int_equal(mbedtls_ecp_check_pubkey(&grp, &q), 0);
    }

    pay_txt = b64url_dec(pay, NULL);
    assert_string_equal(pay_txt, payload);

    sig_raw = b64url_dec(sig, &sig_len);
    assert_int_equal(sig_len, 64);
    assert_int_equal(mbedtls_mpi_read_binary(&r, (unsigned char *)sig_raw, 32), 0);
    assert_int_equal(mbedtls_mpi_read_binary(&s, (unsigned char *)sig_raw + 32, 32), 0);
    signing = malloc(strlen(prot) + strlen(pay) + 2);
    assert_non_null(signing);
    sprintf(signing, "%s.%s", prot, pay);
    mbedtls_sha256_ret((unsigned char *)signing, strlen(signing), hash, 0);
    assert_int_equal(mbedtls_ecdsa_verify(&grp, hash, sizeof hash, &q, &r, &s), 0);
    /* And a changed message does not verify. */
    hash[0] ^= 1;
    assert_int_not_equal(mbedtls_ecdsa_verify(&grp, hash, sizeof hash, &q, &r, &s), 0);

    free(signing);
    free(sig_raw);
    free(pay_txt);
    free(hdr_txt);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    cJSON_Delete(hdr);
    cJSON_Delete(root);
}

static void
test_jws_sign(void **state)
{
    mbedtls_pk_context pk;
    char *jws = NULL;
    size_t len = 0;

    (void)state;
    load_fixed_key(&pk);
    /* newAccount: jwk in the header. Several times: ECDSA values of every
     * length (short r or s) go through the DER -> r||s conversion. */
    for (int i = 0; i < 20; i++) {
        assert_int_equal(acme_jws_sign(&pk, NULL, "nonce-1_A", "https://ca.example/new-acct",
                                       "{\"termsOfServiceAgreed\":true}", &jws, &len),
                         POD_OK);
        assert_int_equal(strlen(jws), len);
        check_jws(jws, NULL, "nonce-1_A", "https://ca.example/new-acct",
                  "{\"termsOfServiceAgreed\":true}", &pk);
        free(jws);
    }
    /* POST-as-GET with a kid: the payload is "". */
    assert_int_equal(acme_jws_sign(&pk, "https://ca.example/acct/7", "n2", "https://ca.example/o/1",
                                   "", &jws, NULL),
                     POD_OK);
    assert_non_null(strstr(jws, "\"payload\":\"\""));
    check_jws(jws, "https://ca.example/acct/7", "n2", "https://ca.example/o/1", "", &pk);
    free(jws);

    /* Refused: what would need escaping in the header, missing parts. */
    assert_int_equal(acme_jws_sign(&pk, NULL, "n\"", "https://ca.example/", "", &jws, NULL),
                     POD_ERR_INVAL);
    assert_null(jws);
    assert_int_equal(acme_jws_sign(&pk, "k\\", "n", "https://ca.example/", "", &jws, NULL),
                     POD_ERR_INVAL);
    assert_int_equal(acme_jws_sign(&pk, NULL, "", "https://ca.example/", "", &jws, NULL),
                     POD_ERR_INVAL);
    assert_int_equal(acme_jws_sign(&pk, NULL, "n", NULL, "", &jws, NULL), POD_ERR_INVAL);
    assert_int_equal(acme_jws_sign(&pk, NULL, "n", "https://x/", NULL, &jws, NULL), POD_ERR_INVAL);
    mbedtls_pk_free(&pk);
}

static void
test_der_to_raw(void **state)
{
    /* r = 0x00ff.. (sign byte), s = 0x01 (short): both land right-aligned. */
    unsigned char der[2 + 2 + 33 + 2 + 1] = {0x30, 38, 0x02, 33, 0x00};
    unsigned char raw[64];
    static const unsigned char neg[] = {0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01};
    static const unsigned char trailing[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00};
    static const unsigned char one_int[] = {0x30, 0x03, 0x02, 0x01, 0x01};

    (void)state;
    memset(der + 5, 0xff, 32);
    der[37] = 0x02;
    der[38] = 0x01;
    der[39] = 0x01;
    assert_int_equal(acme_jws_der_to_raw(der, sizeof der, raw), POD_OK);
    for (int i = 0; i < 32; i++)
        assert_int_equal(raw[i], 0xff);
    for (int i = 32; i < 63; i++)
        assert_int_equal(raw[i], 0);
    assert_int_equal(raw[63], 1);

    assert_int_equal(acme_jws_der_to_raw(neg, sizeof neg, raw), POD_ERR_PARSE);
    assert_int_equal(acme_jws_der_to_raw(trailing, sizeof trailing, raw), POD_ERR_PARSE);
    assert_int_equal(acme_jws_der_to_raw(one_int, sizeof one_int, raw), POD_ERR_PARSE);
    assert_int_equal(acme_jws_der_to_raw(der, sizeof der - 1, raw), POD_ERR_PARSE);
    /* 33 significant bytes do not fit a P-256 value. */
    der[4] = 0x01;
    assert_int_equal(acme_jws_der_to_raw(der, sizeof der, raw), POD_ERR_PARSE);
}

/* ------------------------------------------------------------ keys, CSR */

static void
test_csr(void **state)
{
    static const char host[] = "pod.example.org";
    static const unsigned char san_oid[] = {0x06, 0x03, 0x55, 0x1d, 0x11};
    static const unsigned char ext_req_oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                                0xf7, 0x0d, 0x01, 0x09, 0x0e};
    unsigned char buf[ACME_CSR_DER_MAX], dns[2 + sizeof host - 1], hash[32];
    const unsigned char *der = NULL;
    size_t der_len = 0;
    mbedtls_pk_context key;
    mbedtls_x509_csr csr;
    char name[128];
    bool found = false;

    (void)state;
    mbedtls_pk_init(&key);
    mbedtls_x509_csr_init(&csr);
    assert_int_equal(acme_key_generate(&key), POD_OK);
    assert_int_equal(acme_csr_der(&key, host, buf, sizeof buf, &der, &der_len), POD_OK);
    assert_true(der >= buf && der + der_len == buf + sizeof buf);
    assert_int_equal(mbedtls_x509_csr_parse_der(&csr, der, der_len), 0);
    assert_true(mbedtls_x509_dn_gets(name, sizeof name, &csr.subject) > 0);
    assert_string_equal(name, "CN=pod.example.org");
    /* The CSR's key is ours and its signature verifies. */
    assert_int_equal(mbedtls_pk_get_type(&csr.pk), MBEDTLS_PK_ECKEY);
    assert_int_equal(mbedtls_ecp_point_cmp(&mbedtls_pk_ec(csr.pk)->Q, &mbedtls_pk_ec(key)->Q), 0);
    mbedtls_sha256_ret(csr.cri.p, csr.cri.len, hash, 0);
    assert_int_equal(csr.sig_md, MBEDTLS_MD_SHA256);
    assert_int_equal(
        mbedtls_pk_verify(&csr.pk, MBEDTLS_MD_SHA256, hash, sizeof hash, csr.sig.p, csr.sig.len),
        0);
    /* extensionRequest holding subjectAltName with dNSName [2] host.
     * (mbedTLS 2.28 does not parse a CSR's SAN; the bytes are looked for
     * in the request info.) */
    dns[0] = 0x82;
    dns[1] = (unsigned char)(sizeof host - 1);
    memcpy(dns + 2, host, sizeof host - 1);
    assert_non_null(memmem(csr.cri.p, csr.cri.len, ext_req_oid, sizeof ext_req_oid));
    for (size_t i = 0; i + sizeof san_oid < csr.cri.len; i++) {
        if (!memcmp(csr.cri.p + i, san_oid, sizeof san_oid)) {
            /* OCTET STRING { SEQUENCE { [2] host } } follows the OID. */
            const unsigned char *p = csr.cri.p + i + sizeof san_oid;
            assert_int_equal(p[0], 0x04);
            assert_int_equal(p[2], 0x30);
            assert_int_equal(p[3], sizeof dns);
            assert_memory_equal(p + 4, dns, sizeof dns);
            found = true;
        }
    }
    assert_true(found);

    /* Bad names and a buffer too small. */
    assert_int_equal(acme_csr_der(&key, "", buf, sizeof buf, &der, &der_len), POD_ERR_INVAL);
    assert_int_equal(acme_csr_der(&key, "a,b=c", buf, sizeof buf, &der, &der_len), POD_ERR_INVAL);
    assert_int_not_equal(acme_csr_der(&key, host, buf, 64, &der, &der_len), POD_OK);
    mbedtls_x509_csr_free(&csr);
    mbedtls_pk_free(&key);
}

static void
test_account_key_file(void **state)
{
    char dir[] = "/tmp/plugpod-acme.XXXXXX", path[128], other[128];
    char tp1[ACME_JWS_THUMBPRINT_LEN + 1], tp2[ACME_JWS_THUMBPRINT_LEN + 1], why[192];
    mbedtls_pk_context k1, k2;
    bool created = false;
    struct stat st;
    size_t len = 0;
    char *text;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/account.key", dir);
    mbedtls_pk_init(&k1);
    mbedtls_pk_init(&k2);
    assert_int_equal(acme_key_load_or_create(path, &k1, &created, why, sizeof why), POD_OK);
    assert_true(created);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(acme_key_load_or_create(path, &k2, &created, why, sizeof why), POD_OK);
    assert_false(created);
    assert_int_equal(acme_jwk_thumbprint(&k1, tp1), POD_OK);
    assert_int_equal(acme_jwk_thumbprint(&k2, tp2), POD_OK);
    assert_string_equal(tp1, tp2);
    mbedtls_pk_free(&k2);

    /* Garbage and a key of another curve are refused, not replaced. */
    snprintf(other, sizeof other, "%s/garbage.key", dir);
    test_spit(other, "not a key\n", 10);
    mbedtls_pk_init(&k2);
    assert_int_equal(acme_key_load_or_create(other, &k2, &created, why, sizeof why), POD_ERR_PARSE);
    text = test_slurp(other, &len);
    assert_int_equal(len, 10);
    free(text);
    mbedtls_pk_free(&k2);

    /* acme_file_write_atomic: replaces, keeps 0600, refuses a missing dir. */
    assert_int_equal(acme_file_write_atomic(other, "ab", 2, "cd", 2, why, sizeof why), POD_OK);
    text = test_slurp(other, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(text, "abcd", 4);
    free(text);
    assert_int_equal(stat(other, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(
        acme_file_write_atomic("/nonexistent-dir/x.pem", "a", 1, NULL, 0, why, sizeof why),
        POD_ERR_IO);
    assert_true(why[0] != '\0');

    mbedtls_pk_free(&k1);
    test_rm_tree(dir);
}

/* ------------------------------------------------------------ messages */

static const char pebble_directory[] =
    "{\n"
    "   \"keyChange\": \"https://localhost:14000/rollover-account-key\",\n"
    "   \"meta\": {\n"
    "      \"externalAccountRequired\": false,\n"
    "      \"termsOfService\": \"data:text/plain,Do%20what%20thou%20wilt\"\n"
    "   },\n"
    "   \"newAccount\": \"https://localhost:14000/sign-me-up\",\n"
    "   \"newNonce\": \"https://localhost:14000/nonce-plz\",\n"
    "   \"newOrder\": \"https://localhost:14000/order-plz\",\n"
    "   \"revokeCert\": \"https://localhost:14000/revoke-cert\"\n"
    "}";

static void
test_msg_directory(void **state)
{
    struct acme_directory d;
    char *big, *deep;

    (void)state;
    assert_int_equal(acme_msg_directory(pebble_directory, strlen(pebble_directory), false, &d),
                     POD_OK);
    assert_string_equal(d.new_nonce, "https://localhost:14000/nonce-plz");
    assert_string_equal(d.new_account, "https://localhost:14000/sign-me-up");
    assert_string_equal(d.new_order, "https://localhost:14000/order-plz");
    assert_false(d.external_account_required);

    const char *eab =
        "{\"newNonce\":\"https://a.example/n\",\"newAccount\":\"https://a.example/a\","
        "\"newOrder\":\"https://a.example/o\",\"meta\":{\"externalAccountRequired\":true}}";
    assert_int_equal(acme_msg_directory(eab, strlen(eab), false, &d), POD_OK);
    assert_true(d.external_account_required);

    /* Plain http only when the client allows it. */
    const char *http = "{\"newNonce\":\"http://a.example/n\",\"newAccount\":\"http://a.example/a\","
                       "\"newOrder\":\"http://a.example/o\"}";
    assert_int_equal(acme_msg_directory(http, strlen(http), false, &d), POD_ERR_PARSE);
    assert_string_equal(d.new_nonce, "");
    assert_int_equal(acme_msg_directory(http, strlen(http), true, &d), POD_OK);

    static const char *const bad[] = {
        "",
        "[]",
        "null",
        "{\"newNonce\":\"https://a.example/n\",\"newAccount\":\"https://a.example/a\"}",
        "{\"newNonce\":\"https://a.example/n\",\"newAccount\":\"https://a.example/a\","
        "\"newOrder\":7}",
        "{\"newNonce\":\"ftp://a.example/n\",\"newAccount\":\"https://a.example/a\","
        "\"newOrder\":\"https://a.example/o\"}",
        "{\"newNonce\":\"https://user@a.example/n\",\"newAccount\":\"https://a.example/a\","
        "\"newOrder\":\"https://a.example/o\"}",
        "{\"newNonce\":\"/relative\",\"newAccount\":\"https://a.example/a\","
        "\"newOrder\":\"https://a.example/o\"}",
        "<html>not json</html>",
        "{\"newNonce\":\"https://a.example/n\"} trailing",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(acme_msg_directory(bad[i], strlen(bad[i]), false, &d), POD_ERR_PARSE);
    /* An inner NUL. */
    assert_int_equal(acme_msg_directory("{}\0{}", 5, false, &d), POD_ERR_PARSE);

    /* Size and depth limits. */
    big = malloc(ACME_RESPONSE_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', ACME_RESPONSE_MAX + 1);
    memcpy(big, pebble_directory, strlen(pebble_directory));
    assert_int_equal(acme_msg_directory(big, ACME_RESPONSE_MAX, false, &d), POD_OK);
    assert_int_equal(acme_msg_directory(big, ACME_RESPONSE_MAX + 1, false, &d), POD_ERR_LIMIT);
    free(big);
    deep = malloc(4002);
    assert_non_null(deep);
    memset(deep, '[', 2000);
    memset(deep + 2000, ']', 2000);
    assert_int_equal(acme_msg_directory(deep, 4000, false, &d), POD_ERR_LIMIT);
    free(deep);
}

static void
test_msg_order(void **state)
{
    static const char pending[] =
        "{\n"
        "   \"status\": \"pending\",\n"
        "   \"expires\": \"2026-11-27T19:23:54Z\",\n"
        "   \"identifiers\": [ { \"type\": \"dns\", \"value\": \"pod.example.org\" } ],\n"
        "   \"finalize\": \"https://localhost:14000/finalize-order/Xq1\",\n"
        "   \"authorizations\": [ \"https://localhost:14000/authZ/AbC\" ]\n"
        "}";
    static const char valid[] =
        "{\"status\":\"valid\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"pod.example.org\"}],"
        "\"finalize\":\"https://localhost:14000/finalize-order/Xq1\","
        "\"authorizations\":[\"https://localhost:14000/authZ/AbC\"],"
        "\"certificate\":\"https://localhost:14000/certZ/55\"}";
    static const char invalid[] =
        "{\"status\":\"invalid\",\"finalize\":\"https://a.example/f\",\"authorizations\":[],"
        "\"error\":{\"type\":\"urn:ietf:params:acme:error:caa\",\"detail\":\"CAA\\nforbids\","
        "\"status\":403}}";
    struct acme_order o;

    (void)state;
    assert_int_equal(acme_msg_order(pending, strlen(pending), false, &o), POD_OK);
    assert_int_equal(o.status, ACME_STATUS_PENDING);
    assert_int_equal(o.n_authz, 1);
    assert_string_equal(o.authz[0], "https://localhost:14000/authZ/AbC");
    assert_string_equal(o.finalize, "https://localhost:14000/finalize-order/Xq1");
    assert_string_equal(o.certificate, "");
    assert_false(o.has_error);

    assert_int_equal(acme_msg_order(valid, strlen(valid), false, &o), POD_OK);
    assert_int_equal(o.status, ACME_STATUS_VALID);
    assert_string_equal(o.certificate, "https://localhost:14000/certZ/55");

    assert_int_equal(acme_msg_order(invalid, strlen(invalid), false, &o), POD_OK);
    assert_int_equal(o.status, ACME_STATUS_INVALID);
    assert_true(o.has_error);
    assert_string_equal(o.error.type, "urn:ietf:params:acme:error:caa");
    assert_string_equal(o.error.detail, "CAA forbids"); /* control character removed */
    assert_int_equal(o.error.status, 403);

    static const char *const bad[] = {
        "{\"status\":\"weird\",\"finalize\":\"https://a.example/f\",\"authorizations\":[]}",
        "{\"finalize\":\"https://a.example/f\",\"authorizations\":[]}",
        "{\"status\":\"pending\",\"authorizations\":[]}",
        "{\"status\":\"pending\",\"finalize\":\"https://a.example/f\"}",
        "{\"status\":\"pending\",\"finalize\":\"https://a.example/f\",\"authorizations\":[1]}",
        "{\"status\":\"pending\",\"finalize\":\"https://a.example/f\",\"authorizations\":[\"x\"]}",
        "{\"status\":\"pending\",\"finalize\":\"https://a.example/f\",\"authorizations\":"
        "[\"https://a/1\",\"https://a/2\",\"https://a/3\",\"https://a/4\",\"https://a/5\","
        "\"https://a/6\",\"https://a/7\",\"https://a/8\",\"https://a/9\"]}",
        ("{\"status\":\"valid\",\"finalize\":\"https://a.example/f\",\"authorizations\":[],"
         "\"certificate\":\"javascript:alert(1)\"}"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(acme_msg_order(bad[i], strlen(bad[i]), false, &o), POD_ERR_PARSE);
        assert_int_equal(o.n_authz, 0);
    }
}

static void
test_msg_authz(void **state)
{
    static const char pending[] =
        "{\n"
        "   \"status\": \"pending\",\n"
        "   \"identifier\": { \"type\": \"dns\", \"value\": \"pod.example.org\" },\n"
        "   \"challenges\": [\n"
        "      { \"type\": \"tls-alpn-01\", \"url\": \"https://localhost:14000/chalZ/1\",\n"
        "        \"token\": \"tls_token\", \"status\": \"pending\" },\n"
        "      { \"type\": \"http-01\", \"url\": \"https://localhost:14000/chalZ/2\",\n"
        "        \"token\": \"Ab-_9zNxKqPNIcaKCY0jG3Yz2fKrxU0aj2BKdQpGVw4\", \"status\": "
        "\"pending\" },\n"
        "      { \"type\": \"dns-01\", \"url\": \"https://localhost:14000/chalZ/3\",\n"
        "        \"token\": \"dns_token\", \"status\": \"pending\" }\n"
        "   ],\n"
        "   \"expires\": \"2026-11-26T20:23:54Z\"\n"
        "}";
    static const char invalid[] =
        "{\"status\":\"invalid\",\"identifier\":{\"type\":\"dns\",\"value\":\"pod.example.org\"},"
        "\"challenges\":[{\"type\":\"http-01\",\"url\":\"https://a.example/c\",\"token\":\"tok\","
        "\"status\":\"invalid\",\"error\":{\"type\":\"urn:ietf:params:acme:error:connection\","
        "\"detail\":\"Fetching http://pod.example.org/.well-known/acme-challenge/tok: "
        "Connection refused\",\"status\":400}}]}";
    static const char no_http[] =
        "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"a.example\"},"
        "\"challenges\":[{\"type\":\"dns-01\",\"url\":\"https://a.example/c\",\"token\":\"t\"}]}";
    struct acme_authz a;

    (void)state;
    assert_int_equal(acme_msg_authz(pending, strlen(pending), false, &a), POD_OK);
    assert_int_equal(a.status, ACME_STATUS_PENDING);
    assert_string_equal(a.identifier, "pod.example.org");
    assert_false(a.wildcard);
    assert_true(a.has_http01);
    assert_string_equal(a.http01_url, "https://localhost:14000/chalZ/2");
    assert_string_equal(a.http01_token, "Ab-_9zNxKqPNIcaKCY0jG3Yz2fKrxU0aj2BKdQpGVw4");
    assert_int_equal(a.http01_status, ACME_STATUS_PENDING);
    assert_false(a.has_error);

    assert_int_equal(acme_msg_authz(invalid, strlen(invalid), false, &a), POD_OK);
    assert_int_equal(a.status, ACME_STATUS_INVALID);
    assert_true(a.has_error);
    assert_string_equal(a.error.type, "urn:ietf:params:acme:error:connection");
    assert_non_null(strstr(a.error.detail, "Connection refused"));

    assert_int_equal(acme_msg_authz(no_http, strlen(no_http), false, &a), POD_OK);
    assert_false(a.has_http01);

    static const char *const bad[] = {
        /* a token that could escape the URL path */
        "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"a.example\"},"
        "\"challenges\":[{\"type\":\"http-01\",\"url\":\"https://a.example/c\",\"token\":\"../"
        "x\"}]}",
        "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"a.example\"},"
        "\"challenges\":[{\"type\":\"http-01\",\"url\":\"https://a.example/c\",\"token\":\"\"}]}",
        "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"a.example\"},"
        "\"challenges\":[{\"type\":\"http-01\",\"token\":\"abc\"}]}",
        "{\"status\":\"pending\",\"identifier\":{\"type\":\"ip\",\"value\":\"192.0.2.1\"},"
        "\"challenges\":[]}",
        "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"a.example\"}}",
        "{\"status\":\"pending\",\"challenges\":[]}",
        "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"a.example\"},"
        "\"challenges\":[7]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(acme_msg_authz(bad[i], strlen(bad[i]), false, &a), POD_ERR_PARSE);
}

static void
test_msg_problem(void **state)
{
    static const char rl[] = "{\"type\":\"urn:ietf:params:acme:error:rateLimited\","
                             "\"detail\":\"too many certificates\\u0007 already issued\","
                             "\"status\":429}";
    static const char compound[] =
        "{\"type\":\"urn:ietf:params:acme:error:compound\",\"status\":400,\"subproblems\":["
        "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\",\"detail\":\"no .local\"}]}";
    struct acme_problem p;
    char long_detail[600];

    (void)state;
    assert_int_equal(acme_msg_problem(rl, strlen(rl), &p), POD_OK);
    assert_string_equal(p.type, "urn:ietf:params:acme:error:rateLimited");
    assert_string_equal(p.detail, "too many certificates  already issued");
    assert_int_equal(p.status, 429);
    assert_int_equal(acme_msg_problem(compound, strlen(compound), &p), POD_OK);
    assert_string_equal(p.detail, "no .local");
    assert_int_equal(acme_msg_problem("{}", 2, &p), POD_OK);
    assert_string_equal(p.type, "");
    assert_string_equal(p.detail, "");
    assert_int_equal(acme_msg_problem("{\"status\":1e300}", 16, &p), POD_OK);
    assert_int_equal(p.status, 0);
    assert_int_equal(acme_msg_problem("oops", 4, &p), POD_ERR_PARSE);
    assert_int_equal(acme_msg_problem("\"str\"", 5, &p), POD_ERR_PARSE);

    /* A long detail is cut, not refused, and not mid-UTF-8. */
    strcpy(long_detail, "{\"detail\":\"");
    for (int i = 0; i < 200; i++)
        strcat(long_detail, "\xc3\xa9"); /* é */
    strcat(long_detail, "\"}");
    assert_int_equal(acme_msg_problem(long_detail, strlen(long_detail), &p), POD_OK);
    assert_true(strlen(p.detail) <= ACME_PROBLEM_TEXT_MAX);
    assert_int_equal(strlen(p.detail) % 2, 0);
}

/* ------------------------------------------------------------ challenges */

static void
test_challenge_table(void **state)
{
    char out[ACME_KEYAUTHZ_MAX + 1], tok[ACME_TOKEN_MAX + 2];

    (void)state;
    assert_int_equal(acme_challenge_find("tok1", out, sizeof out), POD_ERR_NOTFOUND);
    assert_int_equal(acme_challenge_publish("tok1", "tok1.thumb"), POD_OK);
    assert_int_equal(acme_challenge_find("tok1", out, sizeof out), POD_OK);
    assert_string_equal(out, "tok1.thumb");
    /* Publishing again replaces the answer. */
    assert_int_equal(acme_challenge_publish("tok1", "tok1.other"), POD_OK);
    assert_int_equal(acme_challenge_find("tok1", out, sizeof out), POD_OK);
    assert_string_equal(out, "tok1.other");
    /* Prefixes and other tokens do not match. */
    assert_int_equal(acme_challenge_find("tok", out, sizeof out), POD_ERR_NOTFOUND);
    assert_int_equal(acme_challenge_find("tok12", out, sizeof out), POD_ERR_NOTFOUND);
    assert_int_equal(acme_challenge_find("../tok1", out, sizeof out), POD_ERR_NOTFOUND);
    assert_int_equal(acme_challenge_find(NULL, out, sizeof out), POD_ERR_NOTFOUND);

    /* Invalid tokens and answers. */
    assert_int_equal(acme_challenge_publish("", "x.y"), POD_ERR_INVAL);
    assert_int_equal(acme_challenge_publish("a/b", "x.y"), POD_ERR_INVAL);
    assert_int_equal(acme_challenge_publish("a.b", "x.y"), POD_ERR_INVAL);
    assert_int_equal(acme_challenge_publish("a b", "x.y"), POD_ERR_INVAL);
    assert_int_equal(acme_challenge_publish(NULL, "x.y"), POD_ERR_INVAL);
    assert_int_equal(acme_challenge_publish("ok", ""), POD_ERR_INVAL);
    assert_int_equal(acme_challenge_publish("ok", "x\ny"), POD_ERR_INVAL);
    memset(tok, 'A', ACME_TOKEN_MAX);
    tok[ACME_TOKEN_MAX] = '\0';
    assert_int_equal(acme_challenge_publish(tok, "x.y"), POD_OK);
    acme_challenge_withdraw(tok);
    tok[ACME_TOKEN_MAX] = 'A';
    tok[ACME_TOKEN_MAX + 1] = '\0';
    assert_int_equal(acme_challenge_publish(tok, "x.y"), POD_ERR_INVAL);

    /* Full table: POD_ERR_LIMIT, then room again after a withdrawal. */
    int n = 1; /* tok1 */
    for (;; n++) {
        char t[16], ka[32];
        snprintf(t, sizeof t, "fill%d", n);
        snprintf(ka, sizeof ka, "%s.thumb", t);
        int rc = acme_challenge_publish(t, ka);
        if (rc == POD_ERR_LIMIT)
            break;
        assert_int_equal(rc, POD_OK);
        assert_true(n < 1000);
    }
    assert_true(n >= 2);
    acme_challenge_withdraw("tok1");
    assert_int_equal(acme_challenge_find("tok1", out, sizeof out), POD_ERR_NOTFOUND);
    assert_int_equal(acme_challenge_publish("late", "late.thumb"), POD_OK);
    assert_int_equal(acme_challenge_find("fill1", out, sizeof out), POD_OK);
    assert_string_equal(out, "fill1.thumb");
    acme_challenge_withdraw("absent"); /* no-op */
    acme_challenge_withdraw(NULL);
    for (int i = 1; i < n; i++) {
        char t[16];
        snprintf(t, sizeof t, "fill%d", i);
        acme_challenge_withdraw(t);
    }
    acme_challenge_withdraw("late");
    assert_int_equal(acme_challenge_find("late", out, sizeof out), POD_ERR_NOTFOUND);
    assert_int_equal(acme_challenge_find("fill1", out, sizeof out), POD_ERR_NOTFOUND);
}

/* ------------------------------------------------------------ hosts */

static void
test_host_check(void **state)
{
    char out[ACME_HOST_MAX + 1], why[192];
    static const char *const refused[] = {
        "",
        "1.2.3.4",
        "192.168.1.10",
        "0x7f.1",
        "::1",
        "[::1]",
        "2001:db8::1",
        "localhost",
        "LOCALHOST",
        "pod.localhost",
        "pod",
        "pod.example.org:443",
        "pod.example.org.",
        ".example.org",
        "pod..example.org",
        "*.example.org",
        "-pod.example.org",
        "pod-.example.org",
        "pod_1.example.org",
        "pod.example.org/x",
        "p\xc3\xb6\x64.example.org", /* "pöd": \x64 is 'd' */
        "pod example.org",
    };

    (void)state;
    assert_int_equal(acme_host_check("pod.example.org", out, sizeof out, why, sizeof why), POD_OK);
    assert_string_equal(out, "pod.example.org");
    assert_int_equal(acme_host_check("Pod.Example.ORG", out, sizeof out, why, sizeof why), POD_OK);
    assert_string_equal(out, "pod.example.org");
    assert_int_equal(acme_host_check("xn--pd-fka.example", out, sizeof out, why, sizeof why),
                     POD_OK);
    assert_int_equal(acme_host_check("1pod.2example.org", out, sizeof out, why, sizeof why),
                     POD_OK);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        why[0] = '\0';
        if (acme_host_check(refused[i], out, sizeof out, why, sizeof why) != POD_ERR_INVAL)
            fail_msg("host '%s' was accepted", refused[i]);
        assert_string_equal(out, "");
        assert_true(why[0] != '\0');
    }
    assert_int_equal(acme_host_check(NULL, out, sizeof out, why, sizeof why), POD_ERR_INVAL);
}

/* acme_obtain refuses what cannot work before it sends anything. */
static void
test_obtain_config(void **state)
{
    static struct http_client dummy; /* never used: every case fails first */
    char dir[] = "/tmp/plugpod-acme.XXXXXX", key[128], pem[128];
    struct acme_config cfg;
    struct acme_outcome out;
    struct stat st;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(key, sizeof key, "%s/account.key", dir);
    snprintf(pem, sizeof pem, "%s/acme.pem", dir);
    memset(&cfg, 0, sizeof cfg);
    cfg.directory_url = ACME_DIRECTORY_LETSENCRYPT_STAGING;
    cfg.host = "pod.example.org";
    cfg.account_key_path = key;
    /* No client. */
    assert_int_equal(acme_obtain(&cfg, pem, &out), ACME_ERR_CONFIG);
    assert_int_equal(out.result, ACME_ERR_CONFIG);
    assert_true(out.detail[0] != '\0');
    cfg.http = &dummy;

    static const char *const hosts[] = {"127.0.0.1", "localhost", "pod", "pod.example.org:8443",
                                        "[::1]",     ""};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        cfg.host = hosts[i];
        assert_int_equal(acme_obtain(&cfg, pem, &out), ACME_ERR_CONFIG);
        assert_true(out.detail[0] != '\0');
    }
    cfg.host = NULL;
    assert_int_equal(acme_obtain(&cfg, pem, &out), ACME_ERR_CONFIG);
    cfg.host = "pod.example.org";

    cfg.directory_url = "http://acme.example/directory"; /* the client does not allow http */
    assert_int_equal(acme_obtain(&cfg, pem, &out), ACME_ERR_CONFIG);
    assert_non_null(strstr(out.detail, "http://acme.example/directory"));
    cfg.directory_url = "not a url";
    assert_int_equal(acme_obtain(&cfg, pem, &out), ACME_ERR_CONFIG);
    cfg.directory_url = ACME_DIRECTORY_LETSENCRYPT;
    cfg.contact_email = "not an address";
    assert_int_equal(acme_obtain(&cfg, pem, &out), ACME_ERR_CONFIG);
    cfg.contact_email = "a\"@b.example";
    assert_int_equal(acme_obtain(&cfg, pem, &out), ACME_ERR_CONFIG);
    cfg.contact_email = NULL;
    assert_int_equal(acme_obtain(&cfg, NULL, &out), ACME_ERR_CONFIG);
    assert_int_equal(acme_obtain(NULL, pem, &out), ACME_ERR_CONFIG);

    /* Nothing was written: no key, no certificate. */
    assert_int_not_equal(stat(key, &st), 0);
    assert_int_not_equal(stat(pem, &st), 0);
    assert_string_equal(acme_result_name(ACME_ERR_RATE_LIMITED), "rate limited");
    assert_string_equal(acme_result_name(ACME_OK), "ok");
    test_rm_tree(dir);
}

/* ------------------------------------------------------------ fake CA */

/*
 * A scripted ACME server over plain HTTP on loopback (the client allows
 * http and loopback here), for the answers pebble never gives: rate
 * limits, refusals, challenges that fail or never finish, garbage.
 * One request per connection ("Connection: close").
 */
enum fake_scenario {
    FAKE_RATE_LIMITED,  /* newOrder: 429 rateLimited, Retry-After: 3600 */
    FAKE_REJECTED,      /* newOrder: 400 rejectedIdentifier */
    FAKE_CHALLENGE_BAD, /* the authorization turns invalid after the challenge */
    FAKE_NEVER_VALID,   /* the authorization stays pending */
    FAKE_NOT_ACME,      /* the directory is an HTML page */
    FAKE_DOWN,          /* the directory: 503 with Retry-After */
    FAKE_BAD_NONCE,     /* every POST: badNonce */
};

static int fake_fd = -1, fake_port;
static pthread_t fake_thread;
static enum fake_scenario fake_scenario;
static int fake_challenge_posts, fake_posts;
static bool fake_answer_published; /* seen in the table while validating */
static char fake_thumbprint[ACME_JWS_THUMBPRINT_LEN + 1];

static void
fake_reply(int c, int status, const char *ctype, const char *extra, const char *body)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Type: %s\r\nReplay-Nonce: nonce%d\r\n%s"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, ctype, rand() % 100000, extra ? extra : "", strlen(body));
    assert_true(write(c, head, (size_t)n) == n);
    if (body[0])
        assert_true(write(c, body, strlen(body)) == (ssize_t)strlen(body));
}

static void
fake_problem(int c, int status, const char *type, const char *extra)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"type\":\"urn:ietf:params:acme:error:%s\",\"detail\":\"scripted %s\","
             "\"status\":%d}",
             type, type, status);
    fake_reply(c, status, "application/problem+json", extra, body);
}

static void
fake_handle(int c)
{
    char req[16384], method[8], path[128], body[1024], base[64];
    size_t got = 0, clen = 0;
    char *end = NULL, *cl;

    while (got < sizeof req - 1) {
        ssize_t r = read(c, req + got, sizeof req - 1 - got);
        if (r <= 0)
            return;
        got += (size_t)r;
        req[got] = '\0';
        if (!end && (end = strstr(req, "\r\n\r\n"))) {
            cl = strcasestr(req, "\r\ncontent-length:");
            clen = cl ? strtoul(cl + 17, NULL, 10) : 0;
        }
        if (end && got >= (size_t)(end + 4 - req) + clen)
            break;
    }
    if (sscanf(req, "%7s %127s", method, path) != 2)
        return;
    snprintf(base, sizeof base, "http://127.0.0.1:%d", fake_port);
    if (!strcmp(method, "POST")) {
        fake_posts++;
        if (fake_scenario == FAKE_BAD_NONCE) {
            fake_problem(c, 400, "badNonce", NULL);
            return;
        }
    }
    if (!strcmp(path, "/dir")) {
        if (fake_scenario == FAKE_NOT_ACME) {
            fake_reply(c, 200, "text/html", NULL, "<html>hello</html>");
        } else if (fake_scenario == FAKE_DOWN) {
            fake_reply(c, 503, "text/plain", "Retry-After: 120\r\n", "maintenance");
        } else {
            snprintf(body, sizeof body,
                     "{\"newNonce\":\"%s/nonce\",\"newAccount\":\"%s/acct\","
                     "\"newOrder\":\"%s/order\"}",
                     base, base, base);
            fake_reply(c, 200, "application/json", NULL, body);
        }
    } else if (!strcmp(path, "/nonce")) {
        fake_reply(c, 200, "text/plain", NULL, "");
    } else if (!strcmp(path, "/acct")) {
        char loc[128];
        snprintf(loc, sizeof loc, "Location: %s/acct/1\r\n", base);
        fake_reply(c, 201, "application/json", loc, "{\"status\":\"valid\"}");
    } else if (!strcmp(path, "/order")) {
        if (fake_scenario == FAKE_RATE_LIMITED) {
            fake_problem(c, 429, "rateLimited", "Retry-After: 3600\r\n");
        } else if (fake_scenario == FAKE_REJECTED) {
            fake_problem(c, 400, "rejectedIdentifier", NULL);
        } else {
            char loc[128];
            snprintf(loc, sizeof loc, "Location: %s/order/1\r\n", base);
            snprintf(body, sizeof body,
                     "{\"status\":\"pending\",\"finalize\":\"%s/fin/1\","
                     "\"authorizations\":[\"%s/authz/1\"]}",
                     base, base);
            fake_reply(c, 201, "application/json", loc, body);
        }
    } else if (!strcmp(path, "/authz/1")) {
        bool invalid = fake_scenario == FAKE_CHALLENGE_BAD && fake_challenge_posts > 0;
        snprintf(
            body, sizeof body,
            "{\"status\":\"%s\",\"identifier\":{\"type\":\"dns\",\"value\":\"pod.example.org\"},"
            "\"challenges\":[{\"type\":\"http-01\",\"url\":\"%s/chal/1\",\"token\":\"tok123\","
            "\"status\":\"%s\"%s}]}",
            invalid ? "invalid" : "pending", base, invalid ? "invalid" : "pending",
            invalid ? ",\"error\":{\"type\":\"urn:ietf:params:acme:error:connection\","
                      "\"detail\":\"Fetching http://pod.example.org/.well-known/"
                      "acme-challenge/tok123: Connection refused\"}"
                    : "");
        fake_reply(c, 200, "application/json", "Retry-After: 0\r\n", body);
    } else if (!strcmp(path, "/chal/1")) {
        char ka[ACME_KEYAUTHZ_MAX + 1], want[ACME_KEYAUTHZ_MAX + 1];
        snprintf(want, sizeof want, "tok123.%s", fake_thumbprint);
        fake_answer_published =
            acme_challenge_find("tok123", ka, sizeof ka) == POD_OK && !strcmp(ka, want);
        fake_challenge_posts++;
        fake_reply(c, 200, "application/json", NULL,
                   "{\"type\":\"http-01\",\"status\":\"processing\"}");
    } else {
        fake_reply(c, 404, "text/plain", NULL, "no");
    }
}

static void *
fake_main(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(fake_fd, NULL, NULL);
        if (c < 0)
            return NULL;
        fake_handle(c);
        close(c);
    }
}

static void
fake_start(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;

    fake_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fake_fd >= 0);
    assert_int_equal(bind(fake_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fake_fd, (struct sockaddr *)&a, &len), 0);
    assert_int_equal(listen(fake_fd, 16), 0);
    fake_port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&fake_thread, NULL, fake_main, NULL), 0);
}

static void
fake_stop(void)
{
    shutdown(fake_fd, SHUT_RDWR);
    close(fake_fd);
    pthread_join(fake_thread, NULL);
}

/* Runs acme_obtain against the fake CA in scenario sc. */
static enum acme_result
fake_obtain(enum fake_scenario sc, struct acme_outcome *out, const char *dir)
{
    static struct http_client client;
    static bool client_ready;
    struct acme_config cfg;
    char url[96], key[160], pem[160];
    mbedtls_pk_context pk;

    if (!client_ready) {
        struct http_guard g;
        struct http_client_config hc = {.guard = &g, .allow_http = true};
        char why[256] = "";
        http_guard_init(&g);
        assert_int_equal(http_guard_allow_cidr(&g, "127.0.0.0/8"), POD_OK);
        if (http_client_init(&client, &hc, why, sizeof why) != POD_OK)
            fail_msg("http_client_init: %s", why);
        client_ready = true;
    }
    snprintf(key, sizeof key, "%s/account.key", dir);
    snprintf(pem, sizeof pem, "%s/acme.pem", dir);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/dir", fake_port);
    /* The key exists before the run, so the thumbprint is known. */
    mbedtls_pk_init(&pk);
    assert_int_equal(acme_key_load_or_create(key, &pk, NULL, NULL, 0), POD_OK);
    assert_int_equal(acme_jwk_thumbprint(&pk, fake_thumbprint), POD_OK);
    mbedtls_pk_free(&pk);
    fake_scenario = sc;
    fake_challenge_posts = 0;
    fake_posts = 0;
    fake_answer_published = false;
    memset(&cfg, 0, sizeof cfg);
    cfg.directory_url = url;
    cfg.host = "pod.example.org";
    cfg.account_key_path = key;
    cfg.http = &client;
    cfg.poll_timeout_ms = 1500;
    return acme_obtain(&cfg, pem, out);
}

static void
test_obtain_errors(void **state)
{
    char dir[] = "/tmp/plugpod-acme.XXXXXX", pem[160], ka[64];
    struct acme_outcome out;
    struct stat st;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(pem, sizeof pem, "%s/acme.pem", dir);
    fake_start();

    assert_int_equal(fake_obtain(FAKE_RATE_LIMITED, &out, dir), ACME_ERR_RATE_LIMITED);
    assert_int_equal(out.result, ACME_ERR_RATE_LIMITED);
    assert_int_equal(out.retry_after_s, 3600);
    assert_non_null(strstr(out.detail, "rateLimited"));
    assert_non_null(strstr(out.detail, "scripted rateLimited"));

    assert_int_equal(fake_obtain(FAKE_REJECTED, &out, dir), ACME_ERR_REJECTED);
    assert_non_null(strstr(out.detail, "rejectedIdentifier"));
    assert_int_equal(out.retry_after_s, 0);

    /* The answer is published while the CA validates, withdrawn after. */
    assert_int_equal(fake_obtain(FAKE_CHALLENGE_BAD, &out, dir), ACME_ERR_CHALLENGE);
    assert_non_null(strstr(out.detail, "Connection refused"));
    assert_int_equal(fake_challenge_posts, 1);
    assert_true(fake_answer_published);
    assert_int_equal(acme_challenge_find("tok123", ka, sizeof ka), POD_ERR_NOTFOUND);

    /* Never valid: bounded by poll_timeout_ms, then ACME_ERR_TIMEOUT. */
    assert_int_equal(fake_obtain(FAKE_NEVER_VALID, &out, dir), ACME_ERR_TIMEOUT);
    assert_true(out.detail[0] != '\0');
    assert_int_equal(acme_challenge_find("tok123", ka, sizeof ka), POD_ERR_NOTFOUND);

    assert_int_equal(fake_obtain(FAKE_NOT_ACME, &out, dir), ACME_ERR_PROTOCOL);
    assert_non_null(strstr(out.detail, "directory"));

    assert_int_equal(fake_obtain(FAKE_DOWN, &out, dir), ACME_ERR_UNREACHABLE);
    assert_int_equal(out.retry_after_s, 120);
    assert_non_null(strstr(out.detail, "503"));

    /* badNonce every time: retried a bounded number of times, then given up. */
    assert_int_equal(fake_obtain(FAKE_BAD_NONCE, &out, dir), ACME_ERR_PROTOCOL);
    assert_non_null(strstr(out.detail, "badNonce"));
    assert_true(fake_posts > 1 && fake_posts < 100);

    /* No certificate file was written by any of them. */
    assert_int_not_equal(stat(pem, &st), 0);
    fake_stop();
    test_rm_tree(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64url),
        cmocka_unit_test(test_jwk_thumbprint),
        cmocka_unit_test(test_jws_sign),
        cmocka_unit_test(test_der_to_raw),
        cmocka_unit_test(test_csr),
        cmocka_unit_test(test_account_key_file),
        cmocka_unit_test(test_msg_directory),
        cmocka_unit_test(test_msg_order),
        cmocka_unit_test(test_msg_authz),
        cmocka_unit_test(test_msg_problem),
        cmocka_unit_test(test_challenge_table),
        cmocka_unit_test(test_host_check),
        cmocka_unit_test(test_obtain_config),
        cmocka_unit_test(test_obtain_errors),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
