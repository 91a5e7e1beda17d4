/* Fuzz target: the record codecs of people, contacts and posts
 * (app/store/record_social.c, record_posts.c), of the federation outbox and
 * pod health (fed_outbox.c), notifications and conversations/messages
 * (exposed through store_internal.h); fuzz_record covers the account
 * records, and fed_inbox.c's fixed header needs no codec. The bytes are decoded as every kind;
 * whatever decodes must re-encode (into an exact-size buffer; one byte less must fail) to bytes
 * that decode to the same struct and the same text/tag views, and re-encoding those gives the same
 * bytes again (the encoding is a fixed point). Post tag lists are walked with store_post_tags_next.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "store/contacts.h"
#include "store/conversations.h"
#include "store/fed_outbox.h"
#include "store/notifications.h"
#include "store/people.h"
#include "store/posts.h"
#include "store/record.h"
#include "store/store_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
    if (!ok)
        abort();
}

/* Encodes with enc(w, obj, extra...) into a malloc'd exact-size buffer. */
#define REENCODE(out, outlen, ...)                                                                 \
    do {                                                                                           \
        struct store_rec_writer w_;                                                                \
        size_t n_ = 0;                                                                             \
        store_rec_writer_init(&w_, NULL, 0);                                                       \
        check(ENC(&w_, __VA_ARGS__) == POD_OK);                                                    \
        check(store_rec_writer_finish(&w_, &n_) == POD_OK);                                        \
        (out) = malloc(n_ + 1);                                                                    \
        check((out) != NULL);                                                                      \
        if (n_ > 0) {                                                                              \
            store_rec_writer_init(&w_, (out), n_ - 1);                                             \
            check(ENC(&w_, __VA_ARGS__) == POD_ERR_LIMIT);                                         \
        }                                                                                          \
        store_rec_writer_init(&w_, (out), n_);                                                     \
        check(ENC(&w_, __VA_ARGS__) == POD_OK);                                                    \
        check(store_rec_writer_finish(&w_, &(outlen)) == POD_OK && (outlen) == n_);                \
    } while (0)

/* The simple kinds: struct in, struct out, no views. */
#define SIMPLE(name, type)                                                                         \
    static void name(const uint8_t *data, size_t size)                                             \
    {                                                                                              \
        type *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));                               \
        uint8_t *buf = NULL, *buf2 = NULL;                                                         \
        size_t len = 0, len2 = 0;                                                                  \
        check(a &&b);                                                                              \
        if (store_##name##_decode(data, size, a) == POD_OK) {                                      \
            REENCODE(buf, len, a);                                                                 \
            check(store_##name##_decode(buf, len, b) == POD_OK);                                   \
            check(memcmp(a, b, sizeof(*a)) == 0);                                                  \
            REENCODE(buf2, len2, b);                                                               \
            check(len2 == len && memcmp(buf, buf2, len) == 0);                                     \
        }                                                                                          \
        free(buf);                                                                                 \
        free(buf2);                                                                                \
        free(a);                                                                                   \
        free(b);                                                                                   \
    }

#define ENC(w, ...) store_person_encode(w, __VA_ARGS__)
SIMPLE(person, struct store_person)
#undef ENC
#define ENC(w, ...) store_aspect_encode(w, __VA_ARGS__)
SIMPLE(aspect, struct store_aspect)
#undef ENC
#define ENC(w, ...) store_contact_encode(w, __VA_ARGS__)
SIMPLE(contact, struct store_contact)
#undef ENC
#define ENC(w, ...) store_membership_encode(w, __VA_ARGS__)
SIMPLE(membership, struct store_membership)
#undef ENC
#define ENC(w, ...) store_photo_encode(w, __VA_ARGS__)
SIMPLE(photo, struct store_photo)
#undef ENC
#define ENC(w, ...) store_poll_encode(w, __VA_ARGS__)
SIMPLE(poll, struct store_poll)
#undef ENC
#define ENC(w, ...) store_like_encode(w, __VA_ARGS__)
SIMPLE(like, struct store_like)
#undef ENC
#define ENC(w, ...) store_fed_pod_encode(w, __VA_ARGS__)
SIMPLE(fed_pod, struct store_fed_pod)
#undef ENC
#define ENC(w, ...) store_notif_encode(w, __VA_ARGS__)
SIMPLE(notif, struct store_notification)
#undef ENC
#define ENC(w, ...) store_conv_encode(w, __VA_ARGS__)
SIMPLE(conv, struct store_conversation)
#undef ENC

/* memcmp that takes NULL for n == 0 (views of absent fields are NULL). */
static bool
same(const void *x, const void *y, size_t n)
{
    return n == 0 || memcmp(x, y, n) == 0;
}

static char *
cstr(const char *p, size_t n)
{
    char *s = malloc(n + 1);

    check(s != NULL);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

#define ENC(w, ...) store_post_encode(w, __VA_ARGS__)
static void
post(const uint8_t *data, size_t size)
{
    struct store_post *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    struct store_post_view va, vb;
    uint8_t *buf = NULL, *buf2 = NULL;
    size_t len = 0, len2 = 0, off = 0, tl, walked = 0;
    const char *tag;
    char *text = NULL;

    check(a && b);
    if (store_post_decode(data, size, a, &va) != POD_OK)
        goto out;
    check(a->text == NULL && va.text && (va.text_len == 0 || memchr(data, va.text[0], size)));
    check(va.text_len <= size && va.tags_len <= size);
    check(!memchr(va.text, '\0', va.text_len));
    while (store_post_tags_next(va.tags, va.tags_len, &off, &tag, &tl)) {
        check(tl > 0 && off <= va.tags_len && tag >= (const char *)va.tags &&
              tag + tl <= (const char *)va.tags + va.tags_len);
        walked++;
    }
    check(walked <= va.tags_len);
    a->text = text = cstr(va.text, va.text_len);
    REENCODE(buf, len, a, va.tags, va.tags_len);
    check(store_post_decode(buf, len, b, &vb) == POD_OK);
    check(vb.text_len == va.text_len && same(vb.text, va.text, va.text_len));
    check(vb.tags_len == va.tags_len && same(vb.tags, va.tags, va.tags_len));
    b->text = text;
    check(memcmp(a, b, sizeof(*a)) == 0);
    REENCODE(buf2, len2, b, vb.tags, vb.tags_len);
    check(len2 == len && memcmp(buf, buf2, len) == 0);
out:
    free(text);
    free(buf);
    free(buf2);
    free(a);
    free(b);
}
#undef ENC

#define ENC(w, ...) store_comment_encode(w, __VA_ARGS__)
static void
comment(const uint8_t *data, size_t size)
{
    struct store_comment a, b;
    const char *ta, *tb;
    size_t la, lb, len = 0;
    uint8_t *buf = NULL;
    char *text;

    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    if (store_comment_decode(data, size, &a, &ta, &la) != POD_OK)
        return;
    check(ta && la <= size && !memchr(ta, '\0', la));
    a.text = text = cstr(ta, la);
    REENCODE(buf, len, &a);
    check(store_comment_decode(buf, len, &b, &tb, &lb) == POD_OK);
    check(lb == la && same(ta, tb, la));
    b.text = text;
    check(memcmp(&a, &b, sizeof a) == 0);
    free(text);
    free(buf);
}
#undef ENC

#define ENC(w, ...) store_msg_encode(w, __VA_ARGS__)
static void
msg(const uint8_t *data, size_t size)
{
    struct store_message a, b;
    const char *ta, *tb;
    size_t la, lb, len = 0;
    uint8_t *buf = NULL;
    char *text;

    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    if (store_msg_decode(data, size, &a, &ta, &la) != POD_OK)
        return;
    check(ta && la <= size && !memchr(ta, '\0', la));
    a.text = text = cstr(ta, la);
    REENCODE(buf, len, &a);
    check(store_msg_decode(buf, len, &b, &tb, &lb) == POD_OK);
    check(lb == la && same(ta, tb, la));
    b.text = text;
    check(memcmp(&a, &b, sizeof a) == 0);
    free(text);
    free(buf);
}
#undef ENC

#define ENC(w, ...) store_outbox_job_encode(w, __VA_ARGS__)
static void
job(const uint8_t *data, size_t size)
{
    struct store_outbox_job *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    uint8_t *buf = NULL;
    size_t len = 0;

    check(a && b);
    if (store_outbox_job_decode(data, size, a) == POD_OK) {
        check(a->payload_len <= size && (!a->payload_len || a->payload));
        REENCODE(buf, len, a);
        check(store_outbox_job_decode(buf, len, b) == POD_OK);
        check(b->payload_len == a->payload_len && same(a->payload, b->payload, a->payload_len));
        b->payload = a->payload;
        check(memcmp(a, b, sizeof(*a)) == 0);
    }
    free(buf);
    free(a);
    free(b);
}
#undef ENC

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    person(data, size);
    aspect(data, size);
    contact(data, size);
    membership(data, size);
    photo(data, size);
    poll(data, size);
    like(data, size);
    post(data, size);
    comment(data, size);
    fed_pod(data, size);
    notif(data, size);
    conv(data, size);
    msg(data, size);
    job(data, size);
    return 0;
}
