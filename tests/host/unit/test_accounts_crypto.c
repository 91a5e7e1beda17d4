/*
 * test_accounts_crypto.c - what accounts need from crypto: argon2id
 * passwords (app/crypto/password.c) and RSA key pairs (app/crypto/rsa.c).
 *
 * Set POD_SLOW_TESTS=1 to also time one 4096-bit key generation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "autoconf.h"
#include "core/error.h"
#include "crypto/crypto.h"
#include "crypto/password.h"
#include "crypto/rsa.h"

#include <argon2.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEYS_DIR     POD_VECTORS_DIR "/keys/"
#define PRIV_PEM_CAP 8192
#define PUB_PEM_CAP  2048

static int
setup(void **state)
{
    (void)state;
    return crypto_rng_init() == POD_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    crypto_rng_free();
    return 0;
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool
all_zero(const char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (buf[i] != 0)
            return false;
    return true;
}

/* ---------------------------------------------------------------- passwords */

static const char pw[] = "correct horse battery staple";

static void
test_password_round_trip(void **state)
{
    char h1[CRYPTO_PWHASH_ENCODED_MAX], h2[CRYPTO_PWHASH_ENCODED_MAX], prefix[64];
    double t0, t1;

    (void)state;
    t0 = now_s();
    assert_int_equal(crypto_password_hash(pw, strlen(pw), h1, sizeof h1), POD_OK);
    t1 = now_s();
    print_message("argon2id hash (t=%d, m=%d KiB, p=%d): %.3f s\n", CONFIG_POD_ARGON2_T_COST,
                  CONFIG_POD_ARGON2_M_KIB, CONFIG_POD_ARGON2_PARALLELISM, t1 - t0);

    snprintf(prefix, sizeof prefix, "$argon2id$v=19$m=%d,t=%d,p=%d$", CONFIG_POD_ARGON2_M_KIB,
             CONFIG_POD_ARGON2_T_COST, CONFIG_POD_ARGON2_PARALLELISM);
    assert_memory_equal(h1, prefix, strlen(prefix));

    t0 = now_s();
    assert_int_equal(crypto_password_verify(h1, pw, strlen(pw)), POD_OK);
    t1 = now_s();
    print_message("argon2id verify: %.3f s\n", t1 - t0);
    assert_int_equal(crypto_password_verify(h1, "correct horse battery stapl", strlen(pw) - 1),
                     POD_ERR_AUTH);
    assert_int_equal(crypto_password_verify(h1, "Correct horse battery staple", strlen(pw)),
                     POD_ERR_AUTH);
    assert_int_equal(crypto_password_verify(h1, "", 0), POD_ERR_AUTH);

    /* a fresh salt each time */
    assert_int_equal(crypto_password_hash(pw, strlen(pw), h2, sizeof h2), POD_OK);
    assert_string_not_equal(h1, h2);
    assert_int_equal(crypto_password_verify(h2, pw, strlen(pw)), POD_OK);
}

static void
test_password_hash_limits(void **state)
{
    char big[CRYPTO_PASSWORD_MAX + 2], h[CRYPTO_PWHASH_ENCODED_MAX];

    (void)state;
    memset(big, 'x', sizeof big);
    assert_int_equal(crypto_password_hash(big, CRYPTO_PASSWORD_MAX + 1, h, sizeof h),
                     POD_ERR_LIMIT);
    /* a buffer too small for the encoded form */
    assert_int_equal(crypto_password_hash(pw, strlen(pw), h, 40), POD_ERR_LIMIT);
    assert_int_equal(crypto_password_hash(NULL, 5, h, sizeof h), POD_ERR_INVAL);
    /* verify never hashes more than hash would accept: cannot match */
    assert_int_equal(crypto_password_hash(big, CRYPTO_PASSWORD_MAX, h, sizeof h), POD_OK);
    assert_int_equal(crypto_password_verify(h, big, CRYPTO_PASSWORD_MAX), POD_OK);
    assert_int_equal(crypto_password_verify(h, big, CRYPTO_PASSWORD_MAX + 1), POD_ERR_AUTH);
}

/*
 * Tampering is defined this way: a hash whose syntax survives (a changed
 * character of the salt or the digest) verifies as a wrong password,
 * POD_ERR_AUTH; a hash that no longer parses, or carries parameters out of
 * bounds, is POD_ERR_PARSE.
 */
static void
test_password_tampered(void **state)
{
    char h[CRYPTO_PWHASH_ENCODED_MAX], t[CRYPTO_PWHASH_ENCODED_MAX];
    char *salt, *digest;

    (void)state;
    assert_int_equal(crypto_password_hash(pw, strlen(pw), h, sizeof h), POD_OK);
    salt = strrchr(h, '$');
    assert_non_null(salt);
    digest = salt + 1;
    *salt = '\0';
    salt = strrchr(h, '$') + 1;
    digest[-1] = '$';

    /* first character of the digest changed: still well-formed base64 */
    strcpy(t, h);
    t[digest - h] = t[digest - h] == 'A' ? 'B' : 'A';
    assert_int_equal(crypto_password_verify(t, pw, strlen(pw)), POD_ERR_AUTH);
    /* first character of the salt changed */
    strcpy(t, h);
    t[salt - h] = t[salt - h] == 'A' ? 'B' : 'A';
    assert_int_equal(crypto_password_verify(t, pw, strlen(pw)), POD_ERR_AUTH);

    /* broken syntax */
    strcpy(t, h);
    t[digest - h] = '!';
    assert_int_equal(crypto_password_verify(t, pw, strlen(pw)), POD_ERR_PARSE);
    strcpy(t, h);
    t[digest - h - 1] = '\0'; /* no digest at all */
    assert_int_equal(crypto_password_verify(t, pw, strlen(pw)), POD_ERR_PARSE);
    strcpy(t, h);
    t[strlen(t) - 5] = '\0'; /* truncated digest */
    assert_int_equal(crypto_password_verify(t, pw, strlen(pw)), POD_ERR_PARSE);
    strcpy(t, h);
    t[3] = 'X'; /* "$arXon2id$" */
    assert_int_equal(crypto_password_verify(t, pw, strlen(pw)), POD_ERR_PARSE);
    assert_int_equal(crypto_password_verify("", pw, strlen(pw)), POD_ERR_PARSE);
    assert_int_equal(crypto_password_verify("$argon2id$", pw, strlen(pw)), POD_ERR_PARSE);
    assert_int_equal(crypto_password_verify(NULL, pw, strlen(pw)), POD_ERR_PARSE);
    assert_int_equal(crypto_password_verify("plaintext", pw, strlen(pw)), POD_ERR_PARSE);
}

/* Swaps the "m=...,t=...,p=..." of a real hash for params and verifies. */
static int
verify_with_params(const char *h, const char *params)
{
    char t[CRYPTO_PWHASH_ENCODED_MAX * 2];
    const char *m = strstr(h, "$m=");
    const char *rest = strchr(m + 1, '$');

    snprintf(t, sizeof t, "%.*s$%s%s", (int)(m - h), h, params, rest);
    return crypto_password_verify(t, pw, strlen(pw));
}

static void
test_password_absurd_params(void **state)
{
    char h[CRYPTO_PWHASH_ENCODED_MAX];
    double t0, t1;

    (void)state;
    assert_int_equal(crypto_password_hash(pw, strlen(pw), h, sizeof h), POD_OK);

    /* 4 GiB would either take the board down or fail to allocate: refused
     * before libargon2 sees it, so it is also instant */
    t0 = now_s();
    assert_int_equal(verify_with_params(h, "m=4194304,t=3,p=1"), POD_ERR_PARSE);
    t1 = now_s();
    assert_true(t1 - t0 < 0.05);
    assert_int_equal(verify_with_params(h, "m=1048577,t=3,p=1"), POD_ERR_PARSE);
    assert_int_equal(verify_with_params(h, "m=99999999999999999999999,t=3,p=1"), POD_ERR_PARSE);
    assert_int_equal(verify_with_params(h, "m=32768,t=65,p=1"), POD_ERR_PARSE);
    assert_int_equal(verify_with_params(h, "m=32768,t=3,p=17"), POD_ERR_PARSE);
    assert_int_equal(verify_with_params(h, "m=32768,p=1,t=3"), POD_ERR_PARSE);
    assert_int_equal(verify_with_params(h, "m=,t=3,p=1"), POD_ERR_PARSE);
    assert_int_equal(verify_with_params(h, "t=3,p=1"), POD_ERR_PARSE);
    /* libargon2's own refusals map to PARSE too: t=0, too little memory */
    assert_int_equal(verify_with_params(h, "m=32768,t=0,p=1"), POD_ERR_PARSE);
    assert_int_equal(verify_with_params(h, "m=4,t=3,p=1"), POD_ERR_PARSE);
    /* in bounds but not what the hash was made with: a mismatch */
    assert_int_equal(verify_with_params(h, "m=8192,t=1,p=1"), POD_ERR_AUTH);
}

static void
test_password_other_params_and_types(void **state)
{
    static const uint8_t salt[16] = "0123456789abcdef";
    char h[CRYPTO_PWHASH_ENCODED_MAX];

    (void)state;
    /* a hash made with other (Kconfig-era) parameters still verifies: the
     * parameters come from the hash */
    assert_int_equal(
        argon2id_hash_encoded(1, 8192, 2, pw, strlen(pw), salt, sizeof salt, 32, h, sizeof h),
        ARGON2_OK);
    assert_int_equal(crypto_password_verify(h, pw, strlen(pw)), POD_OK);
    assert_int_equal(crypto_password_verify(h, "wrong password", 14), POD_ERR_AUTH);

    /* argon2i and argon2d are not what plugpod stores */
    assert_int_equal(
        argon2i_hash_encoded(1, 8192, 1, pw, strlen(pw), salt, sizeof salt, 32, h, sizeof h),
        ARGON2_OK);
    assert_int_equal(crypto_password_verify(h, pw, strlen(pw)), POD_ERR_PARSE);
    assert_int_equal(
        argon2d_hash_encoded(1, 8192, 1, pw, strlen(pw), salt, sizeof salt, 32, h, sizeof h),
        ARGON2_OK);
    assert_int_equal(crypto_password_verify(h, pw, strlen(pw)), POD_ERR_PARSE);
}

static void
test_password_encoded_too_long(void **state)
{
    char h[CRYPTO_PWHASH_ENCODED_MAX], t[CRYPTO_PWHASH_ENCODED_MAX + 64];

    (void)state;
    assert_int_equal(crypto_password_hash(pw, strlen(pw), h, sizeof h), POD_OK);
    /* the same hash with a longer digest part padded beyond the cap */
    snprintf(t, sizeof t, "%s", h);
    while (strlen(t) < CRYPTO_PWHASH_ENCODED_MAX)
        strcat(t, "AAAA");
    assert_int_equal(crypto_password_verify(t, pw, strlen(pw)), POD_ERR_PARSE);
}

struct accept_case {
    const char *pw;
    size_t len;
    int want;
};

static void
test_password_acceptable(void **state)
{
    static const struct accept_case cases[] = {
        {"123456789", 9, POD_ERR_INVAL},
        {"1234567890", 10, POD_OK},
        {"", 0, POD_ERR_INVAL},
        {"p\xc3\xa4ss w\xc3\xb6rd \xe2\x82\xac \xf0\x9d\x84\x9e", 20, POD_OK},
        {"\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3", 9, POD_ERR_INVAL}, /* short */
        {"abcdefghij\x80", 11, POD_ERR_INVAL},                      /* lone continuation */
        {"abcdefghij\xc0\xaf", 12, POD_ERR_INVAL},                  /* overlong '/' */
        {"abcdefghij\xe0\x80\xaf", 13, POD_ERR_INVAL},              /* overlong, 3 bytes */
        {"abcdefghij\xf0\x80\x80\xaf", 14, POD_ERR_INVAL},          /* overlong, 4 bytes */
        {"abcdefghij\xed\xa0\x80", 13, POD_ERR_INVAL},              /* surrogate D800 */
        {"abcdefghij\xf4\x90\x80\x80", 14, POD_ERR_INVAL},          /* above U+10FFFF */
        {"abcdefghij\xe2\x82", 12, POD_ERR_INVAL},                  /* truncated */
        {"abcdefghij\xe2\x82x", 13, POD_ERR_INVAL},                 /* bad continuation */
        {"abcdefghij\xff", 11, POD_ERR_INVAL},
        {"abcde\0fghij", 11, POD_ERR_INVAL},        /* embedded NUL */
        {"abcdefghij\0", 11, POD_ERR_INVAL},        /* trailing NUL counted by len */
        {"abcdefghij\xf4\x8f\xbf\xbf", 14, POD_OK}, /* U+10FFFF */
        {"abcdefghij\xee\x80\x80", 13, POD_OK},     /* U+E000, just past the surrogates */
    };
    char buf[CRYPTO_PASSWORD_MAX + 2];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = crypto_password_acceptable(cases[i].pw, cases[i].len);
        if (got != cases[i].want)
            fail_msg("case %zu: got %d, want %d", i, got, cases[i].want);
    }
    memset(buf, 'a', sizeof buf);
    assert_int_equal(crypto_password_acceptable(buf, 256), POD_OK);
    assert_int_equal(crypto_password_acceptable(buf, 257), POD_ERR_LIMIT);
    assert_int_equal(crypto_password_acceptable(NULL, 12), POD_ERR_INVAL);
}

/* ---------------------------------------------------------------------- RSA */

static void
parse_pair(const char *priv, const char *pub, mbedtls_pk_context *kpriv, mbedtls_pk_context *kpub)
{
    mbedtls_pk_init(kpriv);
    mbedtls_pk_init(kpub);
    assert_int_equal(
        mbedtls_pk_parse_key(kpriv, (const unsigned char *)priv, strlen(priv) + 1, NULL, 0), 0);
    assert_int_equal(mbedtls_pk_parse_public_key(kpub, (const unsigned char *)pub, strlen(pub) + 1),
                     0);
}

static void
test_rsa_generate_2048(void **state)
{
    char *priv = malloc(PRIV_PEM_CAP), *pub = malloc(PUB_PEM_CAP);
    unsigned char again[PRIV_PEM_CAP], sig[MBEDTLS_MPI_MAX_SIZE];
    uint8_t digest[CRYPTO_SHA256_LEN];
    mbedtls_pk_context kpriv, kpub;
    size_t sig_len = 0;
    unsigned bits = 0;
    double t0, t1;

    (void)state;
    assert_non_null(priv);
    assert_non_null(pub);
    t0 = now_s();
    assert_int_equal(crypto_rsa_generate(2048, priv, PRIV_PEM_CAP, pub, PUB_PEM_CAP), POD_OK);
    t1 = now_s();
    print_message("RSA-2048 generation: %.3f s\n", t1 - t0);

    assert_memory_equal(priv, "-----BEGIN RSA PRIVATE KEY-----\n", 32);
    assert_non_null(strstr(priv, "\n-----END RSA PRIVATE KEY-----\n"));
    assert_memory_equal(pub, "-----BEGIN PUBLIC KEY-----\n", 27);
    assert_non_null(strstr(pub, "\n-----END PUBLIC KEY-----\n"));

    parse_pair(priv, pub, &kpriv, &kpub);
    assert_int_equal(mbedtls_pk_get_type(&kpriv), MBEDTLS_PK_RSA);
    assert_int_equal(mbedtls_pk_get_bitlen(&kpriv), 2048);
    assert_int_equal(mbedtls_rsa_check_privkey(mbedtls_pk_rsa(kpriv)), 0);
    assert_int_equal(mbedtls_pk_check_pair(&kpub, &kpriv), 0);

    /* the hand-made PEM is exactly what mbedtls_pk_write_key_pem writes */
    assert_int_equal(mbedtls_pk_write_key_pem(&kpriv, again, sizeof again), 0);
    assert_string_equal((const char *)again, priv);

    /* e = 65537 */
    assert_int_equal(mbedtls_mpi_cmp_int(&mbedtls_pk_rsa(kpub)->E, 65537), 0);

    /* sign with the private key, verify with the public one */
    crypto_sha256("hello, diaspora*", 16, digest);
    assert_int_equal(mbedtls_pk_sign(&kpriv, MBEDTLS_MD_SHA256, digest, sizeof digest, sig,
                                     &sig_len, crypto_rng_callback, NULL),
                     0);
    assert_int_equal(sig_len, 256);
    assert_int_equal(
        mbedtls_pk_verify(&kpub, MBEDTLS_MD_SHA256, digest, sizeof digest, sig, sig_len), 0);
    digest[0] ^= 1;
    assert_int_not_equal(
        mbedtls_pk_verify(&kpub, MBEDTLS_MD_SHA256, digest, sizeof digest, sig, sig_len), 0);

    assert_int_equal(crypto_rsa_public_check(pub, &bits), POD_OK);
    assert_int_equal(bits, 2048);
    /* a private key is not a public key */
    assert_int_equal(crypto_rsa_public_check(priv, &bits), POD_ERR_PARSE);

    mbedtls_platform_zeroize(again, sizeof again);
    mbedtls_pk_free(&kpriv);
    mbedtls_pk_free(&kpub);
    free(priv);
    free(pub);
}

/* Generates 1024-bit keys into cap bytes until one fills them exactly
 * (want_fit) or one is refused for want of a byte; checks every outcome. */
static bool
exact_fit_seen(size_t cap, bool want_fit)
{
    char priv[PRIV_PEM_CAP], pub[PUB_PEM_CAP];
    int i, rc;

    for (i = 0; i < 40; i++) {
        memset(priv, 'x', sizeof priv);
        rc = crypto_rsa_generate(1024, priv, cap, pub, sizeof pub);
        if (rc == POD_OK) {
            assert_true(strlen(priv) + 1 <= cap);
            if (want_fit && strlen(priv) + 1 == cap)
                return true;
        } else {
            assert_int_equal(rc, POD_ERR_LIMIT);
            assert_true(all_zero(priv, cap));
            assert_int_equal(priv[cap], 'x');
            if (!want_fit)
                return true;
        }
    }
    return false;
}

static void
test_rsa_generate_limits(void **state)
{
    char priv[PRIV_PEM_CAP], pub[PUB_PEM_CAP];
    mbedtls_pk_context kpriv, kpub;

    (void)state;
    /* sizes outside what plugpod generates */
    assert_int_equal(crypto_rsa_generate(512, priv, sizeof priv, pub, sizeof pub), POD_ERR_INVAL);
    assert_int_equal(crypto_rsa_generate(1023, priv, sizeof priv, pub, sizeof pub), POD_ERR_INVAL);
    assert_int_equal(crypto_rsa_generate(16384, priv, sizeof priv, pub, sizeof pub), POD_ERR_INVAL);
    assert_int_equal(crypto_rsa_generate(1024, NULL, 0, pub, sizeof pub), POD_ERR_INVAL);

    /* a private buffer too small: LIMIT, and nothing of the key is left */
    memset(priv, 'x', sizeof priv);
    assert_int_equal(crypto_rsa_generate(1024, priv, 200, pub, sizeof pub), POD_ERR_LIMIT);
    assert_true(all_zero(priv, 200));
    assert_int_equal(priv[200], 'x'); /* nothing written past cap */
    assert_string_equal(pub, "");

    /* a public buffer too small: LIMIT, and the private PEM already
     * written is wiped */
    memset(priv, 'x', sizeof priv);
    assert_int_equal(crypto_rsa_generate(1024, priv, sizeof priv, pub, 100), POD_ERR_LIMIT);
    assert_true(all_zero(priv, sizeof priv));
    assert_int_equal(crypto_rsa_generate(1024, priv, sizeof priv, pub, 0), POD_ERR_LIMIT);
    assert_true(all_zero(priv, sizeof priv));

    /* 1024 bits, the smallest */
    assert_int_equal(crypto_rsa_generate(1024, priv, sizeof priv, pub, sizeof pub), POD_OK);
    parse_pair(priv, pub, &kpriv, &kpub);
    assert_int_equal(mbedtls_pk_check_pair(&kpub, &kpriv), 0);
    assert_int_equal(mbedtls_pk_get_bitlen(&kpub), 1024);
    mbedtls_pk_free(&kpriv);
    mbedtls_pk_free(&kpub);
    /* exact fit. The PKCS#1 PEM of a 1024-bit key is 887 characters nine
     * times in ten (883 or 891 otherwise, by the leading zero bytes of its
     * numbers): find one that fills 888 bytes and one refused in 887. */
    assert_true(exact_fit_seen(888, true));
    assert_true(exact_fit_seen(887, false));
    /* The SPKI PEM of any 1024-bit key is 272 characters. */
    assert_int_equal(crypto_rsa_generate(1024, priv, sizeof priv, pub, 273), POD_OK);
    assert_int_equal(strlen(pub), 272);
    assert_int_equal(crypto_rsa_generate(1024, priv, sizeof priv, pub, 272), POD_ERR_LIMIT);
    assert_true(all_zero(priv, sizeof priv));
}

/* The PKCS#1 "BEGIN RSA PUBLIC KEY" PEM of a parsed key. */
static void
write_pkcs1_public_pem(mbedtls_pk_context *pk, char *out, size_t cap)
{
    unsigned char der[2048], *p = der + sizeof der;
    size_t olen;
    int len;

    len = mbedtls_pk_write_pubkey(&p, der, pk);
    assert_true(len > 0);
    assert_int_equal(mbedtls_pem_write_buffer("-----BEGIN RSA PUBLIC KEY-----\n",
                                              "-----END RSA PUBLIC KEY-----\n", p, (size_t)len,
                                              (unsigned char *)out, cap, &olen),
                     0);
}

static void
test_rsa_public_check_vectors(void **state)
{
    char *spec = test_slurp(KEYS_DIR "spec_key_1024_public.pem", NULL);
    char *oracle = test_slurp(KEYS_DIR "oracle_key_4096_public.pem", NULL);
    char *spec_priv = test_slurp(KEYS_DIR "spec_key_1024_private.pem", NULL);
    char *oracle_priv = test_slurp(KEYS_DIR "oracle_key_4096_private.pem", NULL);
    char pkcs1[PUB_PEM_CAP];
    mbedtls_pk_context pk;
    unsigned bits = 0;

    (void)state;
    assert_int_equal(crypto_rsa_public_check(spec, &bits), POD_OK);
    assert_int_equal(bits, 1024);
    assert_int_equal(crypto_rsa_public_check(oracle, &bits), POD_OK);
    assert_int_equal(bits, 4096);
    assert_int_equal(crypto_rsa_public_check(oracle, NULL), POD_OK);

    /* the same key under the PKCS#1 label */
    mbedtls_pk_init(&pk);
    assert_int_equal(
        mbedtls_pk_parse_public_key(&pk, (const unsigned char *)spec, strlen(spec) + 1), 0);
    write_pkcs1_public_pem(&pk, pkcs1, sizeof pkcs1);
    mbedtls_pk_free(&pk);
    assert_memory_equal(pkcs1, "-----BEGIN RSA PUBLIC KEY-----", 30);
    bits = 0;
    assert_int_equal(crypto_rsa_public_check(pkcs1, &bits), POD_OK);
    assert_int_equal(bits, 1024);

    /* private key PEMs are not public keys */
    assert_int_equal(crypto_rsa_public_check(spec_priv, &bits), POD_ERR_PARSE);
    assert_int_equal(bits, 0);
    assert_int_equal(crypto_rsa_public_check(oracle_priv, NULL), POD_ERR_PARSE);

    free(spec);
    free(oracle);
    free(spec_priv);
    free(oracle_priv);
}

static void
test_rsa_public_check_garbage(void **state)
{
    char *spec = test_slurp(KEYS_DIR "spec_key_1024_public.pem", NULL);
    char *p;

    (void)state;
    assert_int_equal(crypto_rsa_public_check("", NULL), POD_ERR_PARSE);
    assert_int_equal(crypto_rsa_public_check("garbage", NULL), POD_ERR_PARSE);
    assert_int_equal(crypto_rsa_public_check(
                         "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", NULL),
                     POD_ERR_PARSE);
    assert_int_equal(crypto_rsa_public_check(NULL, NULL), POD_ERR_INVAL);

    /* a damaged base64 body */
    p = strchr(spec, '\n') + 5;
    *p = '*';
    assert_int_equal(crypto_rsa_public_check(spec, NULL), POD_ERR_PARSE);
    /* cut short */
    spec[strlen(spec) / 2] = '\0';
    assert_int_equal(crypto_rsa_public_check(spec, NULL), POD_ERR_PARSE);
    free(spec);
}

static void
test_rsa_public_check_small_and_ec(void **state)
{
    mbedtls_pk_context pk;
    char pem[PUB_PEM_CAP];
    unsigned bits = 0;

    (void)state;
    /* 512 bits: mbedTLS generates it, plugpod refuses it */
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)), 0);
    assert_int_equal(mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), crypto_rng_callback, NULL, 512, 65537),
                     0);
    assert_int_equal(mbedtls_pk_write_pubkey_pem(&pk, (unsigned char *)pem, sizeof pem), 0);
    assert_int_equal(crypto_rsa_public_check(pem, &bits), POD_ERR_INVAL);
    assert_int_equal(bits, 512);
    write_pkcs1_public_pem(&pk, pem, sizeof pem);
    assert_int_equal(crypto_rsa_public_check(pem, NULL), POD_ERR_INVAL);
    mbedtls_pk_free(&pk);

    /* a well-formed public key that is not RSA */
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
    assert_int_equal(
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), crypto_rng_callback, NULL),
        0);
    assert_int_equal(mbedtls_pk_write_pubkey_pem(&pk, (unsigned char *)pem, sizeof pem), 0);
    assert_int_equal(crypto_rsa_public_check(pem, NULL), POD_ERR_INVAL);
    mbedtls_pk_free(&pk);
}

static void
test_rsa_generate_4096_timed(void **state)
{
    char *priv, *pub;
    unsigned bits = 0;
    double t0, t1;

    (void)state;
    if (!getenv("POD_SLOW_TESTS"))
        skip();
    priv = malloc(PRIV_PEM_CAP);
    pub = malloc(PUB_PEM_CAP);
    assert_non_null(priv);
    assert_non_null(pub);
    t0 = now_s();
    assert_int_equal(crypto_rsa_generate(4096, priv, PRIV_PEM_CAP, pub, PUB_PEM_CAP), POD_OK);
    t1 = now_s();
    print_message("RSA-4096 generation: %.3f s (private PEM %zu bytes, public %zu)\n", t1 - t0,
                  strlen(priv), strlen(pub));
    assert_int_equal(crypto_rsa_public_check(pub, &bits), POD_OK);
    assert_int_equal(bits, 4096);
    mbedtls_platform_zeroize(priv, PRIV_PEM_CAP);
    free(priv);
    free(pub);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_round_trip),
        cmocka_unit_test(test_password_hash_limits),
        cmocka_unit_test(test_password_tampered),
        cmocka_unit_test(test_password_absurd_params),
        cmocka_unit_test(test_password_other_params_and_types),
        cmocka_unit_test(test_password_encoded_too_long),
        cmocka_unit_test(test_password_acceptable),
        cmocka_unit_test(test_rsa_generate_2048),
        cmocka_unit_test(test_rsa_generate_limits),
        cmocka_unit_test(test_rsa_public_check_vectors),
        cmocka_unit_test(test_rsa_public_check_garbage),
        cmocka_unit_test(test_rsa_public_check_small_and_ec),
        cmocka_unit_test(test_rsa_generate_4096_timed),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
