/* Fuzz target: the record codec of app/store (store/record.h). Decodes the
 * bytes as every account record kind and walks them with the generic
 * reader; whatever decodes must re-encode to bytes that decode to the same
 * struct. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "store/accounts.h"
#include "store/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Any non-POD_OK means a bug: abort so libFuzzer reports it. */
static void
check(int ok)
{
    if (!ok)
        abort();
}

/* Measures, encodes into an exact-size buffer (which also proves a buffer
 * one byte short fails), and hands the bytes to the caller. */
#define REENCODE(enc, obj, out, outlen)                                                            \
    do {                                                                                           \
        struct store_rec_writer w_;                                                                \
        size_t n_ = 0;                                                                             \
        store_rec_writer_init(&w_, NULL, 0);                                                       \
        check(enc(&w_, obj) == POD_OK);                                                            \
        check(store_rec_writer_finish(&w_, &n_) == POD_OK);                                        \
        (out) = malloc(n_);                                                                        \
        check((out) != NULL);                                                                      \
        store_rec_writer_init(&w_, (out), n_ - 1);                                                 \
        check(enc(&w_, obj) == POD_ERR_LIMIT);                                                     \
        store_rec_writer_init(&w_, (out), n_);                                                     \
        check(enc(&w_, obj) == POD_OK);                                                            \
        check(store_rec_writer_finish(&w_, &(outlen)) == POD_OK && (outlen) == n_);                \
    } while (0)

static int
count_field(const struct store_rec_field *f, void *ctx)
{
    size_t *total = ctx;

    *total += f->len + (f->tag != 0);
    return POD_OK;
}

static void
user(const uint8_t *data, size_t size)
{
    struct store_user a;
    struct store_user b;
    uint8_t *buf;
    size_t len;

    if (store_user_decode(data, size, &a) != POD_OK)
        return;
    memset(&b, 0xa5, sizeof(b));
    REENCODE(store_user_encode, &a, buf, len);
    check(store_user_decode(buf, len, &b) == POD_OK);
    check(memcmp(&a, &b, sizeof(a)) == 0);
    free(buf);
}

static void
profile(const uint8_t *data, size_t size)
{
    struct store_profile *a = malloc(sizeof(*a));
    struct store_profile *b = malloc(sizeof(*b));
    uint8_t *buf = NULL;
    size_t len;

    check(a && b);
    if (store_profile_decode(data, size, a) == POD_OK) {
        REENCODE(store_profile_encode, a, buf, len);
        check(store_profile_decode(buf, len, b) == POD_OK);
        check(memcmp(a, b, sizeof(*a)) == 0);
    }
    free(buf);
    free(a);
    free(b);
}

static void
session(const uint8_t *data, size_t size)
{
    struct store_session a;
    struct store_session b;
    uint8_t *buf;
    size_t len;

    if (store_session_decode(data, size, &a) != POD_OK)
        return;
    REENCODE(store_session_encode, &a, buf, len);
    check(store_session_decode(buf, len, &b) == POD_OK);
    check(memcmp(&a, &b, sizeof(a)) == 0);
    free(buf);
}

static void
invite(const uint8_t *data, size_t size)
{
    struct store_invite a;
    struct store_invite b;
    uint8_t *buf;
    size_t len;

    if (store_invite_decode(data, size, &a) != POD_OK)
        return;
    REENCODE(store_invite_encode, &a, buf, len);
    check(store_invite_decode(buf, len, &b) == POD_OK);
    check(memcmp(&a, &b, sizeof(a)) == 0);
    free(buf);
}

static void
throttle(const uint8_t *data, size_t size)
{
    struct store_throttle a;
    struct store_throttle b;
    uint8_t *buf;
    size_t len;

    if (store_throttle_decode(data, size, &a) != POD_OK)
        return;
    REENCODE(store_throttle_encode, &a, buf, len);
    check(store_throttle_decode(buf, len, &b) == POD_OK);
    check(memcmp(&a, &b, sizeof(a)) == 0);
    free(buf);
}

static void
keys(const uint8_t *data, size_t size)
{
    struct store_keys_view kv;
    size_t total;

    if (store_keys_decode(data, size, &kv) != POD_OK)
        return;
    /* The views point into data and hold no NUL. */
    check((const uint8_t *)kv.private_pem >= data &&
          (const uint8_t *)kv.private_pem + kv.private_len <= data + size);
    check((const uint8_t *)kv.public_pem >= data &&
          (const uint8_t *)kv.public_pem + kv.public_len <= data + size);
    total = kv.private_len + kv.public_len;
    check(total <= 2 * STORE_PEM_MAX);
    check(!memchr(kv.private_pem, '\0', kv.private_len));
}

static void
guidix(const uint8_t *data, size_t size)
{
    char name[STORE_USERNAME_MAX + 1];

    if (store_guidix_decode(data, size, name) == POD_OK)
        check(name[0] != '\0' && strlen(name) <= STORE_USERNAME_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t total = 0;

    if (size > 1 << 16)
        return 0;
    /* Fields never claim more bytes than the record has. */
    if (store_rec_decode(data, size, count_field, &total) == POD_OK)
        check(total < size);
    user(data, size);
    profile(data, size);
    session(data, size);
    invite(data, size);
    throttle(data, size);
    keys(data, size);
    guidix(data, size);
    return 0;
}
