/*
 * tar.c - the ustar writer of tar.h (POSIX.1-1988 header layout).
 */
#include "web/tar.h"

#include <stdint.h>
#include <string.h>

#include "core/error.h"

/* Offsets and lengths of the header fields used. */
#define H_NAME     0
#define H_MODE     100
#define H_UID      108
#define H_GID      116
#define H_SIZE     124
#define H_MTIME    136
#define H_CHKSUM   148
#define H_TYPEFLAG 156
#define H_MAGIC    257
#define H_VERSION  263

#define TAR_SIZE_MAX 077777777777ull /* 11 octal digits */

void
tar_init(struct tar *t, void *buf, size_t cap)
{
    t->buf = buf;
    t->len = 0;
    t->cap = buf ? cap : 0;
}

size_t
tar_entry_size(size_t size)
{
    size_t pad = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;

    if (size > SIZE_MAX - TAR_BLOCK - pad)
        return SIZE_MAX;
    return TAR_BLOCK + size + pad;
}

/* Writes v as len-1 octal digits and a NUL into field. */
static void
octal(unsigned char *field, size_t len, unsigned long long v)
{
    field[len - 1] = '\0';
    for (size_t i = len - 1; i-- > 0;) {
        field[i] = (unsigned char)('0' + (v & 7));
        v >>= 3;
    }
}

unsigned char *
tar_add_reserve(struct tar *t, const char *name, size_t size, int64_t mtime, int *rc)
{
    size_t nlen = name ? strlen(name) : 0, need = tar_entry_size(size);
    unsigned char *h;
    unsigned sum = 0;

    if (nlen == 0 || nlen > TAR_NAME_MAX) {
        *rc = POD_ERR_INVAL;
        return NULL;
    }
#if SIZE_MAX > TAR_SIZE_MAX /* a 32-bit size_t always fits the header */
    if (size > TAR_SIZE_MAX) {
        *rc = POD_ERR_INVAL;
        return NULL;
    }
#endif
    if (!t->buf || need == SIZE_MAX || need > t->cap - t->len) {
        *rc = POD_ERR_LIMIT;
        return NULL;
    }
    h = t->buf + t->len;
    memset(h, 0, need);
    memcpy(h + H_NAME, name, nlen); /* a 100-byte name has no NUL */
    octal(h + H_MODE, 8, 0644);
    octal(h + H_UID, 8, 0);
    octal(h + H_GID, 8, 0);
    octal(h + H_SIZE, 12, size);
    octal(h + H_MTIME, 12, mtime > 0 ? (unsigned long long)mtime : 0);
    h[H_TYPEFLAG] = '0';
    memcpy(h + H_MAGIC, "ustar", 6); /* with its NUL */
    memcpy(h + H_VERSION, "00", 2);
    /* The checksum counts its own field as eight spaces. */
    memset(h + H_CHKSUM, ' ', 8);
    for (size_t i = 0; i < TAR_BLOCK; i++)
        sum += h[i];
    octal(h + H_CHKSUM, 7, sum); /* six digits, NUL, then the space kept */
    t->len += need;
    *rc = POD_OK;
    return h + TAR_BLOCK;
}

int
tar_add(struct tar *t, const char *name, const void *data, size_t size, int64_t mtime)
{
    int rc;
    unsigned char *p = tar_add_reserve(t, name, size, mtime, &rc);

    if (p && size)
        memcpy(p, data, size);
    return rc;
}

int
tar_finish(struct tar *t)
{
    if (!t->buf || TAR_END_SIZE > t->cap - t->len)
        return POD_ERR_LIMIT;
    memset(t->buf + t->len, 0, TAR_END_SIZE);
    t->len += TAR_END_SIZE;
    return POD_OK;
}
