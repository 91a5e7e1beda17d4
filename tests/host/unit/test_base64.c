/*
 * test_base64.c - base64 and base64url of app/crypto/crypto.c: RFC 4648
 * vectors, the strict decoder's rejections, and the diaspora* Magic Envelope
 * vectors read at run time from POD_VECTORS_DIR/magic_envelope.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "core/error.h"
#include "crypto/crypto.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ME_DIR    POD_VECTORS_DIR "/magic_envelope"
#define EDGE_DIR  ME_DIR "/edge_cases"
#define DATA_OPEN "<me:data type=\"application/xml\">"
#define DATA_END  "</me:data>"

/* ------------------------------------------------------------------ helpers */

/* Copies the text between open and close (first occurrence) into a new
 * NUL-terminated buffer. */
static char *
between(const char *doc, const char *open, const char *close)
{
    const char *s = strstr(doc, open), *e;
    char *out;

    assert_non_null(s);
    s += strlen(open);
    e = strstr(s, close);
    assert_non_null(e);
    out = malloc((size_t)(e - s) + 1);
    assert_non_null(out);
    memcpy(out, s, (size_t)(e - s));
    out[e - s] = '\0';
    return out;
}

/* The text of the me:sig element. */
static char *
sig_of(const char *doc)
{
    const char *s = strstr(doc, "<me:sig ");

    assert_non_null(s);
    return between(s, ">", "</me:sig>");
}

typedef int (*decode_fn)(const char *, size_t, uint8_t *, size_t, size_t *);
typedef int (*encode_fn)(const void *, size_t, char *, size_t, size_t *);

static int
decode_str(decode_fn fn, const char *in, uint8_t *out, size_t cap, size_t *olen)
{
    return fn(in, strlen(in), out, cap, olen);
}

/* Decodes text (must succeed) into a new buffer; *len gets the size. */
static uint8_t *
decode_ok(decode_fn fn, const char *text, size_t *len)
{
    size_t cap = crypto_b64_decoded_max(strlen(text));
    uint8_t *out = malloc(cap + 1);

    assert_non_null(out);
    assert_int_equal(fn(text, strlen(text), out, cap, len), POD_OK);
    assert_true(*len <= cap);
    return out;
}

static char *
encode_new(encode_fn fn, const void *in, size_t n)
{
    size_t cap = crypto_b64_encoded_len(n) + 1, olen = 0;
    char *out = malloc(cap);

    assert_non_null(out);
    assert_int_equal(fn(in, n, out, cap, &olen), POD_OK);
    assert_int_equal(olen, cap - 1);
    assert_int_equal(strlen(out), olen);
    return out;
}

/* ------------------------------------------------------------------ RFC 4648 */

static const struct {
    const char *plain, *b64, *unpadded;
} rfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

static void
test_rfc4648_both_alphabets(void **state)
{
    encode_fn enc[2] = {crypto_b64_encode, crypto_b64url_encode};
    decode_fn dec[2] = {crypto_b64_decode, crypto_b64url_decode};
    char text[16];
    uint8_t bin[16];
    size_t i, k, olen;

    (void)state;
    for (k = 0; k < 2; k++) {
        for (i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
            size_t n = strlen(rfc4648[i].plain);

            assert_int_equal(crypto_b64_encoded_len(n), strlen(rfc4648[i].b64));
            olen = 99;
            assert_int_equal(enc[k](rfc4648[i].plain, n, text, sizeof text, &olen), POD_OK);
            assert_string_equal(text, rfc4648[i].b64);
            assert_int_equal(olen, strlen(rfc4648[i].b64));

            /* padded and unpadded both decode */
            olen = 99;
            assert_int_equal(decode_str(dec[k], rfc4648[i].b64, bin, sizeof bin, &olen), POD_OK);
            assert_int_equal(olen, n);
            assert_memory_equal(bin, rfc4648[i].plain, n);
            olen = 99;
            assert_int_equal(decode_str(dec[k], rfc4648[i].unpadded, bin, sizeof bin, &olen),
                             POD_OK);
            assert_int_equal(olen, n);
            assert_memory_equal(bin, rfc4648[i].plain, n);
        }
    }
}

/* Bytes whose encodings differ between the alphabets: 0xfb 0xff -> "+/8=" / "-_8=". */
static void
test_alphabets_differ(void **state)
{
    static const uint8_t bytes[] = {0xfb, 0xff, 0xbf};
    char text[8];
    uint8_t bin[8];
    size_t olen;

    (void)state;
    assert_int_equal(crypto_b64_encode(bytes, 3, text, sizeof text, &olen), POD_OK);
    assert_string_equal(text, "+/+/");
    assert_int_equal(crypto_b64url_encode(bytes, 3, text, sizeof text, &olen), POD_OK);
    assert_string_equal(text, "-_-_");
    assert_int_equal(crypto_b64url_encode(bytes, 2, text, sizeof text, &olen), POD_OK);
    assert_string_equal(text, "-_8="); /* base64url pads with '=' */

    assert_int_equal(decode_str(crypto_b64_decode, "+/+/", bin, sizeof bin, &olen), POD_OK);
    assert_memory_equal(bin, bytes, 3);
    assert_int_equal(decode_str(crypto_b64url_decode, "-_-_", bin, sizeof bin, &olen), POD_OK);
    assert_memory_equal(bin, bytes, 3);
    /* each alphabet refuses the other's characters */
    assert_int_equal(decode_str(crypto_b64url_decode, "+/+/", bin, sizeof bin, &olen),
                     POD_ERR_PARSE);
    assert_int_equal(decode_str(crypto_b64url_decode, "ab+c", bin, sizeof bin, &olen),
                     POD_ERR_PARSE);
    assert_int_equal(decode_str(crypto_b64url_decode, "ab/c", bin, sizeof bin, &olen),
                     POD_ERR_PARSE);
    assert_int_equal(decode_str(crypto_b64_decode, "-_-_", bin, sizeof bin, &olen), POD_ERR_PARSE);
    assert_int_equal(decode_str(crypto_b64_decode, "ab-c", bin, sizeof bin, &olen), POD_ERR_PARSE);
    assert_int_equal(decode_str(crypto_b64_decode, "ab_c", bin, sizeof bin, &olen), POD_ERR_PARSE);
}

static void
test_decode_rejects(void **state)
{
    static const char *bad[] = {
        "Zm9v\nYmFy",                                      /* line break */
        "Zm9v\r\nYmFy", "Zm9v YmFy",                       /* space */
        "Zm9v\tYmFy",   " Zm9v",     "Zm9v\n", "Zm9v*mFy", /* not in any alphabet */
        "Zm9v.mFy",     "Zg=a",                            /* padding in the middle */
        "Zg==Zm9v",                                        /* padding then more data */
        "Z=g=",         "=Zg=",      "Zm9vY",              /* n % 4 == 1 */
        "Zm9vY===",                                        /* three '=' (and a lone char) */
        "Zg===",                                           /* more than two '=' */
        "Zm8==", /* padding that does not complete the group */
        "Zg=",          "=",         "==",     "====",
        "Zh==",                 /* non-zero trailing bits: 'h' leaves 0001 */
        "Zh",           "Zm9=", /* '9' leaves 01 */
        "Zm9",
    };
    uint8_t out[16];
    size_t i, olen;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (decode_str(crypto_b64_decode, bad[i], out, sizeof out, &olen) != POD_ERR_PARSE)
            fail_msg("std decoder accepted \"%s\"", bad[i]);
        if (decode_str(crypto_b64url_decode, bad[i], out, sizeof out, &olen) != POD_ERR_PARSE)
            fail_msg("url decoder accepted \"%s\"", bad[i]);
    }
    /* an embedded NUL is a bad character too */
    assert_int_equal(crypto_b64_decode("Zm\0v", 4, out, sizeof out, &olen), POD_ERR_PARSE);
}

static void
test_buffer_limits(void **state)
{
    char text[9];
    uint8_t out[6];
    size_t olen;

    (void)state;
    /* "foobar" needs 8 characters and the NUL */
    assert_int_equal(crypto_b64_encode("foobar", 6, text, 8, &olen), POD_ERR_LIMIT);
    assert_int_equal(crypto_b64url_encode("foobar", 6, text, 8, &olen), POD_ERR_LIMIT);
    assert_int_equal(crypto_b64_encode("foobar", 6, text, 9, &olen), POD_OK);
    assert_int_equal(crypto_b64_encode("", 0, text, 0, &olen), POD_ERR_LIMIT);

    assert_int_equal(crypto_b64_decode("Zm9vYmFy", 8, out, 5, &olen), POD_ERR_LIMIT);
    assert_int_equal(crypto_b64url_decode("Zm9vYmFy", 8, out, 5, &olen), POD_ERR_LIMIT);
    assert_int_equal(crypto_b64_decode("Zm9vYmFy", 8, out, 6, &olen), POD_OK);
    assert_int_equal(crypto_b64_decode("Zm9vYg==", 8, out, 3, &olen), POD_ERR_LIMIT);
    assert_int_equal(crypto_b64_decode("Zm9vYg==", 8, out, 4, &olen), POD_OK);
    assert_int_equal(olen, 4);

    assert_int_equal(crypto_b64_decoded_max(0), 0);
    assert_int_equal(crypto_b64_decoded_max(2), 3);
    assert_int_equal(crypto_b64_decoded_max(8), 6);
    assert_int_equal(crypto_b64_decoded_max(10), 9);
    assert_int_equal(crypto_b64_encoded_len(SIZE_MAX), SIZE_MAX);
}

/* Every byte value survives a round trip at every length mod 3. */
static void
test_roundtrip_all_bytes(void **state)
{
    uint8_t bytes[256], back[256];
    char text[400];
    size_t i, n, olen, blen;

    (void)state;
    for (i = 0; i < 256; i++)
        bytes[i] = (uint8_t)(255 - i);
    for (n = 253; n <= 256; n++) {
        assert_int_equal(crypto_b64url_encode(bytes, n, text, sizeof text, &olen), POD_OK);
        assert_int_equal(crypto_b64url_decode(text, olen, back, sizeof back, &blen), POD_OK);
        assert_int_equal(blen, n);
        assert_memory_equal(back, bytes, n);
        assert_int_equal(crypto_b64_encode(bytes, n, text, sizeof text, &olen), POD_OK);
        assert_int_equal(crypto_b64_decode(text, olen, back, sizeof back, &blen), POD_OK);
        assert_int_equal(blen, n);
        assert_memory_equal(back, bytes, n);
    }
}

/* ------------------------------------------------------------------ Magic Envelope */

/* docs/diaspora-federation.md §4.2: B64URL(payload) "." B64URL("application/xml")
 * "." B64URL("base64url") "." B64URL("RSA-SHA256"). */
static void
test_me_base_string(void **state)
{
    static const char consts[] = ".YXBwbGljYXRpb24veG1s.YmFzZTY0dXJs.UlNBLVNIQTI1Ng==";
    size_t plen, blen;
    char *payload = test_slurp(ME_DIR "/status_message.payload.xml", &plen);
    char *expect = test_slurp(ME_DIR "/status_message.base_string.txt", &blen);
    char *data = encode_new(crypto_b64url_encode, payload, plen);
    char *type = encode_new(crypto_b64url_encode, "application/xml", 15);
    char *enc = encode_new(crypto_b64url_encode, "base64url", 9);
    char *alg = encode_new(crypto_b64url_encode, "RSA-SHA256", 10);
    char *base = malloc(blen + 64);
    char built[64];

    (void)state;
    assert_int_equal(plen, 226);
    assert_non_null(base);
    snprintf(built, sizeof built, ".%s.%s.%s", type, enc, alg);
    assert_string_equal(built, consts);

    snprintf(base, blen + 64, "%s%s", data, consts);
    assert_int_equal(strlen(base), blen);
    assert_memory_equal(base, expect, blen);

    free(base);
    free(alg);
    free(enc);
    free(type);
    free(data);
    free(expect);
    free(payload);
}

static void
test_me_envelope_data_and_key_id(void **state)
{
    size_t plen, dlen;
    char *payload = test_slurp(ME_DIR "/status_message.payload.xml", &plen);
    char *doc = test_slurp(ME_DIR "/status_message.envelope.xml", NULL);
    char *data = between(doc, DATA_OPEN, DATA_END);
    char *key_id = between(doc, "key_id=\"", "\"");
    uint8_t *bytes = decode_ok(crypto_b64url_decode, data, &dlen);
    uint8_t *id;

    (void)state;
    assert_int_equal(dlen, plen);
    assert_memory_equal(bytes, payload, plen);

    assert_string_equal(key_id, "YWxpY2VAcG9kLWEub3Jn");
    id = decode_ok(crypto_b64url_decode, key_id, &dlen);
    assert_int_equal(dlen, strlen("alice@pod-a.org"));
    assert_memory_equal(id, "alice@pod-a.org", dlen);

    free(id);
    free(bytes);
    free(key_id);
    free(data);
    free(doc);
    free(payload);
}

/* Decodes the me:data of an edge case and checks it is the status message. */
static void
check_edge_data(const char *data, const char *payload, size_t plen)
{
    size_t dlen;
    uint8_t *bytes = decode_ok(crypto_b64url_decode, data, &dlen);

    assert_int_equal(dlen, plen);
    assert_memory_equal(bytes, payload, plen);
    free(bytes);
}

/*
 * Each file of magic_envelope/edge_cases is handled by its letter. What the
 * gem accepts or rejects about signatures and namespaces belongs to the
 * envelope tests; here only the base64 layer is checked.
 */
static void
test_me_edge_cases(void **state)
{
    size_t plen, dlen, slen;
    char *payload = test_slurp(ME_DIR "/status_message.payload.xml", &plen);
    char *good_doc = test_slurp(ME_DIR "/status_message.envelope.xml", NULL);
    char *good_data = between(good_doc, DATA_OPEN, DATA_END);
    char *good_sig_text = sig_of(good_doc);
    uint8_t *good_sig = decode_ok(crypto_b64url_decode, good_sig_text, &slen);
    DIR *dir = opendir(EDGE_DIR);
    struct dirent *de;
    char path[1024];
    int count = 0, seen_a = 0, seen_e = 0;

    (void)state;
    assert_non_null(dir);
    while ((de = readdir(dir)) != NULL) {
        char *doc, *data, *sig, *again;
        uint8_t *bytes;

        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", EDGE_DIR, de->d_name);
        doc = test_slurp(path, NULL);
        /* D has no me: prefix (default namespace); its base64 is intact. */
        data = de->d_name[0] == 'D' ? between(doc, "<data type=\"application/xml\">", "</data>")
                                    : between(doc, DATA_OPEN, DATA_END);
        count++;
        switch (de->d_name[0]) {
        case 'A': /* unpadded me:data: decodes; our encoder gives the padded form */
            assert_int_not_equal(data[strlen(data) - 1], '=');
            check_edge_data(data, payload, plen);
            again = encode_new(crypto_b64url_encode, payload, plen);
            assert_string_equal(again, good_data);
            assert_int_equal(strncmp(again, data, strlen(data)), 0);
            free(again);
            seen_a = 1;
            break;
        case 'B': /* unpadded me:data that decodes fine: what is wrong with B is
                   * its signature (made over the unpadded base string) */
        case 'C': /* padded data, signature over unpadded constants */
        case 'D': /* namespace problem only */
            check_edge_data(data, payload, plen);
            break;
        case 'E': { /* whitespace inside me:data must be rejected */
            size_t cap = crypto_b64_decoded_max(strlen(data));

            assert_non_null(strpbrk(data, "\r\n"));
            bytes = malloc(cap + 1);
            assert_non_null(bytes);
            assert_int_equal(crypto_b64url_decode(data, strlen(data), bytes, cap, &dlen),
                             POD_ERR_PARSE);
            free(bytes);
            seen_e = 1;
            break;
        }
        case 'F': /* unpadded me:sig == padded me:sig of the good envelope */
            check_edge_data(data, payload, plen);
            sig = sig_of(doc);
            assert_int_not_equal(sig[strlen(sig) - 1], '=');
            bytes = decode_ok(crypto_b64url_decode, sig, &dlen);
            assert_int_equal(dlen, slen);
            assert_memory_equal(bytes, good_sig, slen);
            free(bytes);
            free(sig);
            break;
        default:
            /* a new vector: its data should at least decode, unless it has
             * whitespace in it, which must not */
            if (strpbrk(data, " \t\r\n")) {
                size_t cap = crypto_b64_decoded_max(strlen(data));

                bytes = malloc(cap + 1);
                assert_non_null(bytes);
                assert_int_equal(crypto_b64url_decode(data, strlen(data), bytes, cap, &dlen),
                                 POD_ERR_PARSE);
                free(bytes);
            } else {
                free(decode_ok(crypto_b64url_decode, data, &dlen));
            }
            break;
        }
        free(data);
        free(doc);
    }
    closedir(dir);
    assert_true(count >= 2);
    assert_true(seen_a && seen_e);

    free(good_sig);
    free(good_sig_text);
    free(good_data);
    free(good_doc);
    free(payload);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_both_alphabets),
        cmocka_unit_test(test_alphabets_differ),
        cmocka_unit_test(test_decode_rejects),
        cmocka_unit_test(test_buffer_limits),
        cmocka_unit_test(test_roundtrip_all_bytes),
        cmocka_unit_test(test_me_base_string),
        cmocka_unit_test(test_me_envelope_data_and_key_id),
        cmocka_unit_test(test_me_edge_cases),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
