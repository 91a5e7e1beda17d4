/*
 * Fuzz target: the Magic Envelope reader (app/federation/envelope.c).
 *
 * Every parsed envelope must hold together (NUL after the payload, a
 * printable sender, a signature length mbedTLS can handle) and verify to
 * POD_OK or POD_ERR_SIG with the key below; a sample of them is rebuilt and
 * must read back to the same payload. The corpus holds the diaspora*
 * vectors (signed with other keys) and envelopes signed with this key.
 *
 * The key is a throwaway 1024-bit test key made for this fuzzer only.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/error.h"
#include "crypto/crypto.h"
#include "federation/envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_priv[] = "-----BEGIN RSA PRIVATE KEY-----\n"
                                "MIICXQIBAAKBgQCTQBi9sPybS9gwJ7mY7BMwdDJroPyVgovnsjgY9sPStD98X/7I\n"
                                "oe0mgZGxk9du2qFjY6G9PFKVSjOZnMBjWYRLCC3BEzgP7uFpqey0+VejtBDuHQKA\n"
                                "vnjjKcVCv/OhaHLud1CvclijZdWEuAxiQQ2mmv7QtucKOYSKYSCjxjFWaQIDAQAB\n"
                                "AoGAJ6uE/tXHuC7et1p8be5r3Qnw634bjkv1VR52boNMjl9xGxjhkzvMoCsYDTc/\n"
                                "OuY7xIL69/hgZ0fuTtwkGJ/tO8EC++w7hunLT6HCKweN4lafQmm+WQgCg33RpHGV\n"
                                "Bq45l13pEfIKAonQ3QNWNpvtPwK/1JXWlAnBWrPY6rWpLWECQQDCtHdjpQWIqkD0\n"
                                "t+0o8jKuSduBQdNDCxEbbKOsN5nljt1cNwjhv2YfNxiqfN02ImpBsS34i5Uqrkc8\n"
                                "TBMbsm0/AkEAwZsz4+VZ5Pcb/a06vVwibc00lIzJsVCntpRxGLNxIpyIeLOT2DnT\n"
                                "UT2zGMPryGXqVztvKOkPNbuiiC9o5oZKVwJBAI/qBmkfm7SFa1e271QZmT5cFyQ2\n"
                                "PGpMrstfhKcRve4AqDu17hm2eExQVCoH+xY9X97IkJsqyQnwIXU/IcySGM8CQQC+\n"
                                "5DJzn63U7jjxFJ54GqHvtYcEeRRc+nOCuDYS7sq8H68Ho7hAWDOdRMKTxolyW9qF\n"
                                "DBr8MV9H0avdrzE1Km+dAkBsLuY41rmXR2ueQU7E5a4W2nL8ydSFFlM6TmF9S7fe\n"
                                "mcHMR3hM4eelv9vm9DylzpqjIxa7dTuibISmnSW6Pt5x\n"
                                "-----END RSA PRIVATE KEY-----\n";

static const char fuzz_pub[] = "-----BEGIN PUBLIC KEY-----\n"
                               "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCTQBi9sPybS9gwJ7mY7BMwdDJr\n"
                               "oPyVgovnsjgY9sPStD98X/7Ioe0mgZGxk9du2qFjY6G9PFKVSjOZnMBjWYRLCC3B\n"
                               "EzgP7uFpqey0+VejtBDuHQKAvnjjKcVCv/OhaHLud1CvclijZdWEuAxiQQ2mmv7Q\n"
                               "tucKOYSKYSCjxjFWaQIDAQAB\n"
                               "-----END PUBLIC KEY-----\n";

static void
check(const struct fed_envelope *env)
{
    size_t n = strlen(env->sender);

    if (!env->payload || env->payload[env->payload_len] != '\0')
        __builtin_trap();
    if (n == 0 || n > POD_DIASPORA_ID_MAX)
        __builtin_trap();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)env->sender[i] <= ' ' || (unsigned char)env->sender[i] > '~')
            __builtin_trap();
    if (env->sig_len == 0 || env->sig_len > sizeof env->sig)
        __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int rng_ready;
    struct pod_arena a;
    struct fed_envelope env, again;
    char *doc = NULL;
    size_t doc_len = 0;
    int rc;

    if (!rng_ready) {
        if (crypto_rng_init() != POD_OK)
            __builtin_trap();
        rng_ready = 1;
    }
    pod_arena_init(&a, NULL, 0, 8u << 20);
    if (fed_envelope_parse((const char *)data, size, &a, &env, NULL, 0) != POD_OK)
        goto out;
    check(&env);
    rc = fed_envelope_verify(&env, fuzz_pub, NULL, 0);
    if (rc != POD_OK && rc != POD_ERR_SIG)
        __builtin_trap();
    /* Rebuild about one in sixteen (RSA signing is slow). */
    if (env.digest[0] >= 16 || env.payload_len == 0 || env.payload_len > 65536)
        goto out;
    if (fed_envelope_build(env.payload, env.payload_len, env.sender, fuzz_priv, &a, &doc, &doc_len,
                           NULL, 0) != POD_OK)
        __builtin_trap();
    if (fed_envelope_parse(doc, doc_len, &a, &again, NULL, 0) != POD_OK ||
        fed_envelope_verify(&again, fuzz_pub, NULL, 0) != POD_OK ||
        again.payload_len != env.payload_len ||
        memcmp(again.payload, env.payload, env.payload_len) != 0 ||
        strcmp(again.sender, env.sender) != 0)
        __builtin_trap();
out:
    pod_arena_free(&a);
    return 0;
}
