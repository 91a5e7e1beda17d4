/*
 * Fuzz target: the private delivery body (app/federation/private_envelope.c).
 *
 * The body is decrypted with the key below; what comes out must be a
 * NUL-ended document within the envelope limit, and a sample of the
 * results is encrypted again and must decrypt to the same bytes. The corpus
 * holds the diaspora* vector (encrypted to another key, so it exercises the
 * JSON and RSA refusals) and bodies encrypted to this key.
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
#include "federation/private_envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every run is an RSA private-key operation: replay.c mutates less. */
extern const int fuzz_replay_mutations_total;
const int fuzz_replay_mutations_total = 3000;

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int rng_ready;
    struct pod_arena a;
    char *xml = NULL, *body = NULL, *back = NULL;
    size_t xml_len = 0, body_len = 0, back_len = 0;

    if (!rng_ready) {
        if (crypto_rng_init() != POD_OK)
            __builtin_trap();
        rng_ready = 1;
    }
    pod_arena_init(&a, NULL, 0, 16u << 20);
    if (fed_private_envelope_decrypt((const char *)data, size, fuzz_priv, &a, &xml, &xml_len, NULL,
                                     0) != POD_OK) {
        if (xml)
            __builtin_trap();
        goto out;
    }
    if (!xml || xml[xml_len] != '\0' || xml_len > FED_ENVELOPE_MAX_BYTES)
        __builtin_trap();
    /* Round trip about one in eight, by the first byte of the result. */
    if (xml_len > 0 && ((unsigned char)xml[xml_len / 2] & 7) != 0)
        goto out;
    if (fed_private_envelope_encrypt(xml, xml_len, fuzz_pub, &a, &body, &body_len, NULL, 0) !=
            POD_OK ||
        fed_private_envelope_decrypt(body, body_len, fuzz_priv, &a, &back, &back_len, NULL, 0) !=
            POD_OK ||
        back_len != xml_len || memcmp(back, xml, xml_len) != 0)
        __builtin_trap();
out:
    pod_arena_free(&a);
    return 0;
}
