/*
 * test_crypto.c - RNG, SHA-256, hex and constant-time compare of
 * app/crypto/crypto.c, and the TLS certificate file of app/crypto/tls_cert.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "core/error.h"
#include "crypto/crypto.h"
#include "crypto/tls_cert.h"
#include "drivers/entropy/entropy.h"

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------ helpers */

static char tmpdir[64];

static void
path_in_tmp(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", tmpdir, name);
}

static int
setup_tmp(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_crypto.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    return crypto_rng_init() == POD_OK ? 0 : -1;
}

static int
teardown_tmp(void **state)
{
    (void)state;
    crypto_rng_free();
    return test_rm_tree(tmpdir);
}

/* ------------------------------------------------------------------ hashes */

static void
test_sha256_fips(void **state)
{
    uint8_t d[CRYPTO_SHA256_LEN];
    char hex[2 * CRYPTO_SHA256_LEN + 1];

    (void)state;
    crypto_sha256("abc", 3, d);
    crypto_hex(d, sizeof d, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    crypto_sha256("", 0, d);
    crypto_hex(d, sizeof d, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_hex(void **state)
{
    static const uint8_t bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char out[2 * sizeof bytes + 1];

    (void)state;
    memset(out, 'x', sizeof out);
    crypto_hex(bytes, sizeof bytes, out);
    assert_string_equal(out, "00017f80abff");
    crypto_hex(bytes, 0, out);
    assert_string_equal(out, "");
}

static void
test_memcmp_ct(void **state)
{
    uint8_t a[64], b[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof a; i++)
        a[i] = b[i] = (uint8_t)i;
    assert_int_equal(crypto_memcmp_ct(a, b, sizeof a), 0);
    assert_int_equal(crypto_memcmp_ct(a, b, 0), 0);
    b[0] ^= 1;
    assert_int_not_equal(crypto_memcmp_ct(a, b, sizeof a), 0);
    b[0] ^= 1;
    b[63] ^= 0x80;
    assert_int_not_equal(crypto_memcmp_ct(a, b, sizeof a), 0);
    assert_int_equal(crypto_memcmp_ct(a, b, 63), 0);
}

/* ------------------------------------------------------------------ RNG */

static int
all_zero(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static void
test_entropy_driver(void **state)
{
    uint8_t a[300], b[300];

    (void)state;
    assert_int_equal(drv_entropy_read(a, sizeof a), POD_OK);
    assert_int_equal(drv_entropy_read(b, sizeof b), POD_OK);
    assert_false(all_zero(a, sizeof a));
    assert_memory_not_equal(a, b, sizeof a);
    assert_int_equal(drv_entropy_read(a, 0), POD_OK);
}

static void
test_random(void **state)
{
    uint8_t a[32], b[32], big[3000];
    unsigned char cb[16];

    (void)state;
    assert_int_equal(crypto_random(a, sizeof a), POD_OK);
    assert_int_equal(crypto_random(b, sizeof b), POD_OK);
    assert_false(all_zero(a, sizeof a));
    assert_false(all_zero(b, sizeof b));
    assert_memory_not_equal(a, b, sizeof a);
    /* more than one DRBG request (1024 bytes) at once */
    memset(big, 0, sizeof big);
    assert_int_equal(crypto_random(big, sizeof big), POD_OK);
    assert_false(all_zero(big + 2048, sizeof big - 2048));
    assert_int_equal(crypto_rng_callback(NULL, cb, sizeof cb), 0);
    /* init again is harmless */
    assert_int_equal(crypto_rng_init(), POD_OK);
}

#define RNG_THREADS 4
#define RNG_ROUNDS  2000

struct rng_job {
    uint8_t last[32];
    int failures;
};

static void *
rng_worker(void *arg)
{
    struct rng_job *job = arg;
    uint8_t prev[32] = {0};
    int i;

    for (i = 0; i < RNG_ROUNDS; i++) {
        if (crypto_random(job->last, sizeof job->last) != POD_OK ||
            memcmp(prev, job->last, sizeof prev) == 0)
            job->failures++;
        memcpy(prev, job->last, sizeof prev);
    }
    return NULL;
}

static void
test_random_threads(void **state)
{
    pthread_t t[RNG_THREADS];
    struct rng_job jobs[RNG_THREADS];
    int i, j;

    (void)state;
    memset(jobs, 0, sizeof jobs);
    for (i = 0; i < RNG_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, rng_worker, &jobs[i]), 0);
    for (i = 0; i < RNG_THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (i = 0; i < RNG_THREADS; i++) {
        assert_int_equal(jobs[i].failures, 0);
        for (j = i + 1; j < RNG_THREADS; j++)
            assert_memory_not_equal(jobs[i].last, jobs[j].last, 32);
    }
}

static void
test_random_uninitialised(void **state)
{
    uint8_t a[8];

    (void)state;
    crypto_rng_free();
    assert_int_not_equal(crypto_random(a, sizeof a), POD_OK);
    assert_int_not_equal(crypto_rng_callback(NULL, a, sizeof a), 0);
    assert_int_equal(crypto_rng_init(), POD_OK);
    assert_int_equal(crypto_random(a, sizeof a), POD_OK);
}

/* ------------------------------------------------------------------ TLS certificate */

/* Finds a SAN entry of the given context tag (2 dNSName, 7 iPAddress). */
static int
san_has(const mbedtls_x509_crt *crt, int tag, const void *val, size_t len)
{
    const mbedtls_x509_sequence *s;

    for (s = &crt->subject_alt_names; s && s->buf.p; s = s->next)
        if (s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | tag) && s->buf.len == len &&
            memcmp(s->buf.p, val, len) == 0)
            return 1;
    return 0;
}

/* Parses the certificate part of a combined PEM file. */
static void
parse_cert_file(const char *path, mbedtls_x509_crt *crt)
{
    size_t len;
    char *pem = test_slurp(path, &len);

    mbedtls_x509_crt_init(crt);
    assert_int_equal(mbedtls_x509_crt_parse(crt, (unsigned char *)pem, len + 1), 0);
    free(pem);
}

static void
test_selfsigned_create(void **state)
{
    char path[128], why[256], fp1[65], fp2[65], dn[256];
    struct stat st;
    mbedtls_x509_crt crt;
    mbedtls_x509_time now_plus;
    size_t i;
    char *pem;

    (void)state;
    path_in_tmp(path, sizeof path, "tls.pem");
    assert_int_equal(crypto_tls_selfsigned_create(path, "pod.example:8443"), POD_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    why[0] = 'x';
    assert_int_equal(crypto_tls_pem_check(path, why, sizeof why), POD_OK);
    assert_string_equal(why, "");

    /* key first, then the certificate */
    pem = test_slurp(path, NULL);
    assert_non_null(strstr(pem, "PRIVATE KEY-----"));
    assert_true(strstr(pem, "PRIVATE KEY-----") < strstr(pem, "-----BEGIN CERTIFICATE-----"));
    free(pem);

    parse_cert_file(path, &crt);
    assert_true(mbedtls_x509_dn_gets(dn, sizeof dn, &crt.subject) > 0);
    assert_string_equal(dn, "CN=pod.example");
    assert_true(mbedtls_x509_dn_gets(dn, sizeof dn, &crt.issuer) > 0);
    assert_string_equal(dn, "CN=pod.example");
    assert_true(san_has(&crt, 2, "pod.example", 11));
    assert_int_equal(crt.version, 3);
    assert_int_equal(mbedtls_pk_get_type(&crt.pk), MBEDTLS_PK_ECKEY);
    assert_int_equal(mbedtls_pk_get_bitlen(&crt.pk), 256);
    assert_int_equal(crt.ca_istrue, 0);
    assert_int_equal(mbedtls_x509_crt_check_key_usage(&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE), 0);
    assert_int_equal(mbedtls_x509_crt_check_extended_key_usage(
                         &crt, MBEDTLS_OID_SERVER_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)),
                     0);
    /* serial: 16 bytes at most, positive */
    assert_true(crt.serial.len >= 1 && crt.serial.len <= 16);
    assert_int_equal(crt.serial.p[0] & 0x80, 0);
    /* valid now, and for about ten years */
    assert_false(mbedtls_x509_time_is_future(&crt.valid_from));
    assert_false(mbedtls_x509_time_is_past(&crt.valid_to));
    now_plus = crt.valid_to;
    now_plus.year -= 9;
    assert_false(mbedtls_x509_time_is_past(&now_plus));
    now_plus.year -= 2;
    assert_true(mbedtls_x509_time_is_past(&now_plus));
    /* self-signed: it verifies against itself */
    {
        uint32_t flags = 0;

        assert_int_equal(
            mbedtls_x509_crt_verify(&crt, &crt, NULL, "pod.example", &flags, NULL, NULL), 0);
    }
    mbedtls_x509_crt_free(&crt);

    assert_int_equal(crypto_tls_fingerprint(path, fp1), POD_OK);
    assert_int_equal(strlen(fp1), 64);
    for (i = 0; i < 64; i++)
        assert_non_null(strchr("0123456789abcdef", fp1[i]));
    assert_int_equal(crypto_tls_fingerprint(path, fp2), POD_OK);
    assert_string_equal(fp1, fp2);

    /* a second certificate replaces the first, with another fingerprint */
    assert_int_equal(crypto_tls_selfsigned_create(path, "pod.example"), POD_OK);
    assert_int_equal(crypto_tls_fingerprint(path, fp2), POD_OK);
    assert_string_not_equal(fp1, fp2);
    path_in_tmp(dn, sizeof dn, "tls.pem.tmp");
    assert_int_not_equal(stat(dn, &st), 0);
}

/* What the admin page and the ACME task read of a certificate. */
static void
test_pem_facts(void **state)
{
    struct crypto_cert_facts f;
    char path[128];
    int64_t now = (int64_t)time(NULL);

    (void)state;
    path_in_tmp(path, sizeof path, "facts.pem");
    assert_int_equal(crypto_tls_selfsigned_create(path, "Pod.Example:8443"), POD_OK);
    assert_int_equal(crypto_tls_pem_facts(path, "pod.example", &f), POD_OK);
    assert_true(f.self_signed);
    assert_true(f.names_host); /* the SAN, whatever the case */
    assert_true(f.issuer[0] != '\0');
    /* Valid from about now for ten years. */
    assert_true(f.not_before <= now + 60 && f.not_before > now - 2 * 86400);
    assert_true(f.not_after > now + 9 * 365 * 86400LL);
    assert_true(f.not_after < now + 11 * 365 * 86400LL);
    assert_int_equal(crypto_tls_pem_facts(path, "other.example", &f), POD_OK);
    assert_false(f.names_host);
    assert_int_equal(crypto_tls_pem_facts(path, NULL, &f), POD_OK);
    assert_false(f.names_host);
    /* Nothing to read: an error and zeroed facts. */
    assert_int_equal(crypto_tls_pem_facts("/nonexistent/tls.pem", NULL, &f), POD_ERR_INVAL);
    assert_int_equal(f.not_after, 0);
    assert_int_equal(crypto_tls_pem_facts(NULL, NULL, &f), POD_ERR_INVAL);
}

static void
test_selfsigned_ip_hosts(void **state)
{
    static const uint8_t v4[4] = {192, 0, 2, 7};
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    char path[128], dn[256];
    mbedtls_x509_crt crt;

    (void)state;
    path_in_tmp(path, sizeof path, "ip.pem");
    assert_int_equal(crypto_tls_selfsigned_create(path, "192.0.2.7:8443"), POD_OK);
    parse_cert_file(path, &crt);
    assert_true(mbedtls_x509_dn_gets(dn, sizeof dn, &crt.subject) > 0);
    assert_string_equal(dn, "CN=192.0.2.7");
    assert_true(san_has(&crt, 7, v4, 4));
    assert_false(san_has(&crt, 2, "192.0.2.7", 9));
    mbedtls_x509_crt_free(&crt);

    assert_int_equal(crypto_tls_selfsigned_create(path, "[2001:db8::1]:443"), POD_OK);
    parse_cert_file(path, &crt);
    assert_true(mbedtls_x509_dn_gets(dn, sizeof dn, &crt.subject) > 0);
    assert_string_equal(dn, "CN=2001:db8::1");
    assert_true(san_has(&crt, 7, v6, 16));
    mbedtls_x509_crt_free(&crt);

    assert_int_equal(crypto_tls_selfsigned_create(path, "2001:db8::1"), POD_OK);
    parse_cert_file(path, &crt);
    assert_true(san_has(&crt, 7, v6, 16));
    mbedtls_x509_crt_free(&crt);

    /* not host names: nothing is written */
    path_in_tmp(path, sizeof path, "bad.pem");
    assert_int_equal(crypto_tls_selfsigned_create(path, ""), POD_ERR_INVAL);
    assert_int_equal(crypto_tls_selfsigned_create(path, ":443"), POD_ERR_INVAL);
    assert_int_equal(crypto_tls_selfsigned_create(path, "a,CN=b"), POD_ERR_INVAL);
    assert_int_equal(crypto_tls_selfsigned_create(path, "[pod.example]:1"), POD_ERR_INVAL);
    assert_int_equal(crypto_tls_selfsigned_create(path, "[::1"), POD_ERR_INVAL);
    {
        struct stat st;

        assert_int_not_equal(stat(path, &st), 0);
    }
}

/* Splits a combined PEM into key.pem and cert.pem under the names given. */
static void
split_pem(const char *combined, const char *key_path, const char *cert_path)
{
    size_t len;
    char *pem = test_slurp(combined, &len);
    char *cert = strstr(pem, "-----BEGIN CERTIFICATE-----");

    assert_non_null(cert);
    test_spit(key_path, pem, (size_t)(cert - pem));
    test_spit(cert_path, cert, len - (size_t)(cert - pem));
    free(pem);
}

static void
test_pem_combine(void **state)
{
    char one[128], two[128], key1[128], cert1[128], key2[128], cert2[128], out[128];
    char why[256], fp_one[65], fp_out[65];
    struct stat st;
    size_t len;
    char *text;

    (void)state;
    path_in_tmp(one, sizeof one, "one.pem");
    path_in_tmp(two, sizeof two, "two.pem");
    path_in_tmp(key1, sizeof key1, "key1.pem");
    path_in_tmp(cert1, sizeof cert1, "cert1.pem");
    path_in_tmp(key2, sizeof key2, "key2.pem");
    path_in_tmp(cert2, sizeof cert2, "cert2.pem");
    path_in_tmp(out, sizeof out, "combined.pem");
    assert_int_equal(crypto_tls_selfsigned_create(one, "one.example"), POD_OK);
    assert_int_equal(crypto_tls_selfsigned_create(two, "two.example"), POD_OK);
    split_pem(one, key1, cert1);
    split_pem(two, key2, cert2);

    why[0] = 'x';
    assert_int_equal(crypto_tls_pem_combine(cert1, key1, out, why, sizeof why), POD_OK);
    assert_string_equal(why, "");
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(crypto_tls_pem_check(out, why, sizeof why), POD_OK);
    assert_int_equal(crypto_tls_fingerprint(one, fp_one), POD_OK);
    assert_int_equal(crypto_tls_fingerprint(out, fp_out), POD_OK);
    assert_string_equal(fp_one, fp_out);
    /* our PEMs are canonical, so the result is the original file */
    text = test_slurp(out, &len);
    {
        size_t olen;
        char *orig = test_slurp(one, &olen);

        assert_int_equal(len, olen);
        assert_memory_equal(text, orig, len);
        free(orig);
    }
    free(text);

    /* mismatching key: refused with a reason, nothing written */
    why[0] = '\0';
    assert_int_not_equal(crypto_tls_pem_combine(cert1, key2, out, why, sizeof why), POD_OK);
    assert_true(strlen(why) > 0);
    assert_non_null(strstr(why, "does not belong"));
    assert_int_equal(crypto_tls_fingerprint(out, fp_out), POD_OK);
    assert_string_equal(fp_one, fp_out);

    /* no key in the key file, no certificate in the certificate file */
    why[0] = '\0';
    assert_int_not_equal(crypto_tls_pem_combine(cert1, cert2, out, why, sizeof why), POD_OK);
    assert_true(strlen(why) > 0);
    why[0] = '\0';
    assert_int_not_equal(crypto_tls_pem_combine(key1, key1, out, why, sizeof why), POD_OK);
    assert_true(strlen(why) > 0);
    why[0] = '\0';
    path_in_tmp(two, sizeof two, "missing.pem");
    assert_int_equal(crypto_tls_pem_combine(two, key1, out, why, sizeof why), POD_ERR_NOTFOUND);
    assert_true(strlen(why) > 0);

    /* a file made of key2 and cert1 does not check */
    {
        size_t klen, clen;
        char *k = test_slurp(key2, &klen), *c = test_slurp(cert1, &clen);
        char *both = malloc(klen + clen);

        assert_non_null(both);
        memcpy(both, k, klen);
        memcpy(both + klen, c, clen);
        path_in_tmp(two, sizeof two, "mixed.pem");
        test_spit(two, both, klen + clen);
        why[0] = '\0';
        assert_int_equal(crypto_tls_pem_check(two, why, sizeof why), POD_ERR_INVAL);
        assert_true(strlen(why) > 0);
        free(both);
        free(c);
        free(k);
    }
}

static void
test_pem_check_garbage(void **state)
{
    static const char junk[] = "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
                               "-----END CERTIFICATE-----\n";
    char path[128], why[256], fp[65];
    char *big;

    (void)state;
    path_in_tmp(path, sizeof path, "garbage.pem");
    test_spit(path, "hello, this is not PEM\n", 23);
    why[0] = '\0';
    assert_int_equal(crypto_tls_pem_check(path, why, sizeof why), POD_ERR_PARSE);
    assert_true(strlen(why) > 0);
    assert_int_equal(crypto_tls_fingerprint(path, fp), POD_ERR_PARSE);

    test_spit(path, junk, sizeof junk - 1);
    why[0] = '\0';
    assert_int_equal(crypto_tls_pem_check(path, why, sizeof why), POD_ERR_PARSE);
    assert_true(strlen(why) > 0);
    assert_int_equal(crypto_tls_fingerprint(path, fp), POD_ERR_PARSE);

    test_spit(path, "", 0);
    assert_int_equal(crypto_tls_pem_check(path, why, sizeof why), POD_ERR_PARSE);

    /* a NULL why is allowed */
    assert_int_equal(crypto_tls_pem_check(path, NULL, 0), POD_ERR_PARSE);

    path_in_tmp(path, sizeof path, "nothing-here.pem");
    why[0] = '\0';
    assert_int_equal(crypto_tls_pem_check(path, why, sizeof why), POD_ERR_NOTFOUND);
    assert_true(strlen(why) > 0);
    assert_int_equal(crypto_tls_fingerprint(path, fp), POD_ERR_NOTFOUND);

    /* larger than the 256 KiB cap */
    big = malloc(300 * 1024);
    assert_non_null(big);
    memset(big, 'A', 300 * 1024);
    path_in_tmp(path, sizeof path, "big.pem");
    test_spit(path, big, 300 * 1024);
    free(big);
    why[0] = '\0';
    assert_int_equal(crypto_tls_pem_check(path, why, sizeof why), POD_ERR_LIMIT);
    assert_true(strlen(why) > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_fips),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_memcmp_ct),
        cmocka_unit_test(test_entropy_driver),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_random_threads),
        cmocka_unit_test(test_random_uninitialised),
        cmocka_unit_test(test_selfsigned_create),
        cmocka_unit_test(test_selfsigned_ip_hosts),
        cmocka_unit_test(test_pem_facts),
        cmocka_unit_test(test_pem_combine),
        cmocka_unit_test(test_pem_check_garbage),
    };

    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
