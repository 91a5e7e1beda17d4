/*
 * record.c - the versioned record codec (store/record.h): a writer that
 * appends tagged fields with bounds checks and a reader that walks them
 * without trusting a single byte.
 */
#include "store/record.h"

#include <string.h>

#include "core/error.h"
#include "store/store_internal.h"

#define LEN_BYTES_MAX     4  /* a field length takes at most 4 LEB128 bytes */
#define UVARINT_BYTES_MAX 10 /* a uint64 takes at most 10 */

/* Writes v as LEB128 into out (UVARINT_BYTES_MAX bytes); returns the count. */
static size_t
leb128_put(uint8_t *out, uint64_t v)
{
    size_t n = 0;

    do {
        uint8_t b = v & 0x7f;

        v >>= 7;
        out[n++] = v ? (uint8_t)(b | 0x80) : b;
    } while (v);
    return n;
}

/* Reads a minimal LEB128 of at most max bytes from p[0, len); *used gets
 * the bytes taken. POD_ERR_CORRUPT if it runs past len or max, is not
 * minimal, or overflows 64 bits. */
static int
leb128_get(const uint8_t *p, size_t len, size_t max, uint64_t *out, size_t *used)
{
    uint64_t v = 0;
    int rc = POD_ERR_CORRUPT;

    for (size_t i = 0; i < max && i < len; i++) {
        uint8_t b = p[i];

        /* The 10th byte of a uint64 holds only its top bit. */
        if (i == UVARINT_BYTES_MAX - 1 && b > 1)
            goto out;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (b & 0x80)
            continue;
        /* A last byte of 0 after others means a longer form than needed. */
        if (i > 0 && b == 0)
            goto out;
        *out = v;
        *used = i + 1;
        rc = POD_OK;
        goto out;
    }
out:
    return rc;
}

/* ------------------------------------------------------------- writer */

void
store_rec_writer_init(struct store_rec_writer *w, void *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : SIZE_MAX;
    w->len = 0;
    w->err = POD_OK;
    if (w->cap < 1) {
        w->err = POD_ERR_LIMIT;
        return;
    }
    if (w->buf)
        w->buf[0] = STORE_RECORD_V1;
    w->len = 1;
}

int
store_rec_put_bytes(struct store_rec_writer *w, uint8_t tag, const void *data, size_t len)
{
    uint8_t hdr[1 + LEN_BYTES_MAX];
    size_t hlen;

    if (w->err != POD_OK)
        goto out;
    if (tag == 0 || (len && !data)) {
        w->err = POD_ERR_INVAL;
        goto out;
    }
    if (len > STORE_REC_FIELD_MAX) {
        w->err = POD_ERR_LIMIT;
        goto out;
    }
    hdr[0] = tag;
    hlen = 1 + leb128_put(hdr + 1, len);
    /* w->len <= w->cap always holds, so neither subtraction wraps. */
    if (hlen > w->cap - w->len || len > w->cap - w->len - hlen) {
        w->err = POD_ERR_LIMIT;
        goto out;
    }
    if (w->buf) {
        memcpy(w->buf + w->len, hdr, hlen);
        if (len)
            memcpy(w->buf + w->len + hlen, data, len);
    }
    w->len += hlen + len;
out:
    return w->err;
}

int
store_rec_put_str(struct store_rec_writer *w, uint8_t tag, const char *s, size_t size)
{
    size_t len;

    if (w->err != POD_OK)
        goto out;
    if (!s || size == 0) {
        w->err = POD_ERR_INVAL;
        goto out;
    }
    len = strnlen(s, size);
    if (len == size) {
        w->err = POD_ERR_INVAL; /* not terminated within its field */
        goto out;
    }
    store_rec_put_bytes(w, tag, s, len);
out:
    return w->err;
}

int
store_rec_put_u64(struct store_rec_writer *w, uint8_t tag, uint64_t v)
{
    uint8_t le[8];

    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    return store_rec_put_bytes(w, tag, le, sizeof(le));
}

int
store_rec_put_uvarint(struct store_rec_writer *w, uint8_t tag, uint64_t v)
{
    uint8_t buf[UVARINT_BYTES_MAX];

    return store_rec_put_bytes(w, tag, buf, leb128_put(buf, v));
}

int
store_rec_put_i64(struct store_rec_writer *w, uint8_t tag, int64_t v)
{
    return store_rec_put_u64(w, tag, (uint64_t)v);
}

int
store_rec_put_bool(struct store_rec_writer *w, uint8_t tag, bool v)
{
    uint8_t b = v ? 1 : 0;

    return store_rec_put_bytes(w, tag, &b, 1);
}

int
store_rec_writer_finish(const struct store_rec_writer *w, size_t *len)
{
    if (len)
        *len = w->err == POD_OK ? w->len : 0;
    return w->err;
}

/* ------------------------------------------------------------- reader */

int
store_rec_reader_init(struct store_rec_reader *r, const void *data, size_t len)
{
    const uint8_t *p = data;

    memset(r, 0, sizeof(*r));
    if (!p || len < 1 || p[0] != STORE_RECORD_V1) {
        r->failed = true;
        return POD_ERR_CORRUPT;
    }
    r->p = p;
    r->len = len;
    r->off = 1;
    return POD_OK;
}

int
store_rec_next(struct store_rec_reader *r, struct store_rec_field *f)
{
    uint64_t flen;
    size_t used;
    uint8_t tag;
    int rc = POD_ERR_CORRUPT;

    if (r->failed)
        goto out;
    if (r->off == r->len) {
        rc = POD_ERR_NOTFOUND;
        goto out;
    }
    tag = r->p[r->off];
    if (tag == 0 || (r->seen[tag / 8] & (1u << (tag % 8))))
        goto out;
    if (leb128_get(r->p + r->off + 1, r->len - r->off - 1, LEN_BYTES_MAX, &flen, &used) != POD_OK)
        goto out;
    if (flen > r->len - r->off - 1 - used)
        goto out; /* truncated */
    r->seen[tag / 8] |= (uint8_t)(1u << (tag % 8));
    f->tag = tag;
    f->data = r->p + r->off + 1 + used;
    f->len = (size_t)flen;
    r->off += 1 + used + (size_t)flen;
    rc = POD_OK;
out:
    if (rc == POD_ERR_CORRUPT)
        r->failed = true;
    return rc;
}

int
store_rec_get_str(const struct store_rec_field *f, char *dst, size_t size)
{
    if (size == 0 || f->len >= size || (f->len && memchr(f->data, '\0', f->len)))
        return POD_ERR_CORRUPT;
    if (f->len)
        memcpy(dst, f->data, f->len);
    dst[f->len] = '\0';
    return POD_OK;
}

int
store_rec_get_fixed(const struct store_rec_field *f, void *dst, size_t size)
{
    if (f->len != size)
        return POD_ERR_CORRUPT;
    if (size)
        memcpy(dst, f->data, size);
    return POD_OK;
}

int
store_rec_get_u64(const struct store_rec_field *f, uint64_t *out)
{
    uint64_t v = 0;

    if (f->len != 8)
        return POD_ERR_CORRUPT;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | f->data[i];
    *out = v;
    return POD_OK;
}

int
store_rec_get_uvarint(const struct store_rec_field *f, uint64_t *out)
{
    uint64_t v;
    size_t used;

    if (leb128_get(f->data, f->len, UVARINT_BYTES_MAX, &v, &used) != POD_OK || used != f->len)
        return POD_ERR_CORRUPT;
    *out = v;
    return POD_OK;
}

int
store_rec_get_u32(const struct store_rec_field *f, uint32_t *out)
{
    uint64_t v;

    if (store_rec_get_uvarint(f, &v) != POD_OK || v > UINT32_MAX)
        return POD_ERR_CORRUPT;
    *out = (uint32_t)v;
    return POD_OK;
}

int
store_rec_get_i64(const struct store_rec_field *f, int64_t *out)
{
    uint64_t v;

    if (store_rec_get_u64(f, &v) != POD_OK)
        return POD_ERR_CORRUPT;
    /* Two's complement without implementation-defined conversion. */
    *out = v <= INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
    return POD_OK;
}

int
store_rec_get_bool(const struct store_rec_field *f, bool *out)
{
    if (f->len != 1 || f->data[0] > 1)
        return POD_ERR_CORRUPT;
    *out = f->data[0] == 1;
    return POD_OK;
}

int
store_rec_decode(const void *data, size_t len,
                 int (*field)(const struct store_rec_field *f, void *ctx), void *ctx)
{
    struct store_rec_reader r;
    struct store_rec_field f;
    int rc;

    rc = store_rec_reader_init(&r, data, len);
    while (rc == POD_OK) {
        rc = store_rec_next(&r, &f);
        if (rc == POD_ERR_NOTFOUND) {
            rc = POD_OK; /* past the last field */
            break;
        }
        if (rc == POD_OK)
            rc = field(&f, ctx);
    }
    return rc;
}
