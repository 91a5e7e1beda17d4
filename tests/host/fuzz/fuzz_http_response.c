/*
 * Fuzz target: the outbound client's response parser (app/http/parse.c).
 * The input is a whole response: head, then (when the head says chunked)
 * the chunked body, which is decoded twice: in one call, and again in
 * small pieces into a tiny output buffer. Both must agree byte for byte,
 * which catches state that a split across calls loses.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "http/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_head(const struct http_head *h, const char *buf, size_t head_len, size_t size)
{
    if (head_len > size || head_len > CONFIG_POD_HTTPC_HEAD_MAX)
        __builtin_trap();
    if (h->status < 100 || h->status > 599 || h->n_fields > CONFIG_POD_HTTPC_MAX_HEADERS)
        __builtin_trap();
    if (h->chunked && h->content_length >= 0)
        __builtin_trap();
    for (size_t i = 0; i < h->n_fields; i++) {
        const struct http_field *f = &h->fields[i];
        if (f->name_len == 0 || f->name < buf || f->name + f->name_len > buf + head_len ||
            f->value < buf || f->value + f->value_len > buf + head_len)
            __builtin_trap();
        if (memchr(f->value, '\n', f->value_len) || memchr(f->value, '\r', f->value_len))
            __builtin_trap();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct http_head *head = malloc(sizeof *head);
    struct http_chunked one, split;
    size_t head_len, n, used1, len1, pos = 0, len2 = 0, step = 0;
    char *out1 = NULL, *out2 = NULL;
    int ret1, ret2 = POD_OK;

    if (!head)
        return 0;
    if (http_head_parse(buf, size, head, &head_len) != POD_OK || head_len == 0)
        goto out;
    check_head(head, buf, head_len, size);
    (void)http_head_find(head, "location");
    (void)http_status_bodyless(head->status, false);
    if (!head->chunked)
        goto out;

    n = size - head_len;
    out1 = malloc(n + 1);
    out2 = malloc(n + 1);
    if (!out1 || !out2)
        goto out;
    http_chunked_init(&one);
    ret1 = http_chunked_decode(&one, buf + head_len, n, &used1, out1, n, &len1);
    if (used1 > n || len1 > used1)
        __builtin_trap();

    /* The same bytes in pieces of 1..7 bytes, at most 3 output bytes a call. */
    http_chunked_init(&split);
    while (pos < n && !split.done) {
        size_t piece = 1 + (step++ % 7), used, made, room = 3;
        if (piece > n - pos)
            piece = n - pos;
        if (room > n - len2)
            room = n - len2;
        ret2 = http_chunked_decode(&split, buf + head_len + pos, piece, &used, out2 + len2, room,
                                   &made);
        if (used > piece || made > room)
            __builtin_trap();
        pos += used;
        len2 += made;
        if (ret2 != POD_OK)
            break;
        if (used == 0 && made == 0 && !split.done)
            __builtin_trap(); /* no progress with input and room: a stuck state */
    }
    if (ret1 != ret2 || one.done != split.done || len1 != len2 || memcmp(out1, out2, len1))
        __builtin_trap();
    if (one.done && used1 != pos)
        __builtin_trap();
out:
    free(out1);
    free(out2);
    free(head);
    return 0;
}
