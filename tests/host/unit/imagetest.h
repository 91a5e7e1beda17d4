/*
 * imagetest.h - shared by the picture tests (test_image.c, test_photo.c):
 * a fresh data directory per test, synthetic pictures in every format
 * (made with stb_image_write and libwebp), a JPEG with an EXIF segment,
 * and pixel checks. Header-only: include after <cmocka.h>.
 */
#ifndef POD_TESTS_IMAGETEST_H
#define POD_TESTS_IMAGETEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#include <webp/encode.h>
#include <webp/types.h>

#include "testutil.h"

struct fixture {
    char dir[64]; /* the data directory, from mkdtemp */
};

static inline int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/plugpod-unit-media.XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static inline int
teardown(void **state)
{
    struct fixture *f = *state;
    int rc = test_rm_tree(f->dir);

    free(f);
    return rc;
}

/* ------------------------------------------------------------ test pictures */

struct buf {
    uint8_t *p;
    size_t len;
    size_t cap; /* of p when buf_put allocated it, else 0 */
};

/* stb's JPEG writer hands over one byte at a time: grow by doubling (one
 * realloc per byte took minutes under AddressSanitizer). */
static inline void
buf_put(void *ctx, void *data, int size)
{
    struct buf *b = ctx;
    uint8_t *p = b->p;

    if (b->len + (size_t)size > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + (size_t)size)
            cap *= 2;
        p = realloc(b->p, cap);
        assert_non_null(p);
        b->cap = cap;
    }
    memcpy(p + b->len, data, (size_t)size);
    b->p = p;
    b->len += (size_t)size;
}

enum { GREEN, RED, BLUE };

/* A w x h picture with n channels (3 or 4): four vertical bands, green,
 * red, blue, green, so that the centre square of a 2:1 picture is red on
 * the left and blue on the right, and a wrong crop shows green. A faint
 * diagonal ripple gives the JPEG encoder real work. With transparent_left,
 * the left half is fully transparent green. */
static inline uint8_t *
bands(int w, int h, int n, int transparent_left)
{
    uint8_t *px = malloc((size_t)w * h * n);

    assert_non_null(px);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint8_t *p = px + ((size_t)y * w + x) * n;
            int band = x * 4 / w, c = band == 1 ? RED : band == 2 ? BLUE : GREEN;
            uint8_t ripple = (uint8_t)((x + y) % 8);

            p[0] = c == RED ? 230 + ripple : ripple;
            p[1] = c == GREEN ? 230 + ripple : ripple;
            p[2] = c == BLUE ? 230 + ripple : ripple;
            if (n == 4)
                p[3] = transparent_left && x < w / 2 ? 0 : 255;
            if (n == 4 && p[3] == 0)
                p[0] = 0, p[1] = 255, p[2] = 0;
        }
    }
    return px;
}

static inline struct buf
make_png(int w, int h, int n, int transparent_left)
{
    struct buf b = {0};
    uint8_t *px = bands(w, h, n, transparent_left);

    assert_true(stbi_write_png_to_func(buf_put, &b, w, h, n, px, w * n));
    free(px);
    return b;
}

static inline struct buf
make_jpeg(int w, int h)
{
    struct buf b = {0};
    uint8_t *px = bands(w, h, 3, 0);

    assert_true(stbi_write_jpg_to_func(buf_put, &b, w, h, 3, px, 95));
    free(px);
    return b;
}

static inline struct buf
make_webp(int w, int h, int alpha)
{
    struct buf b = {0};
    uint8_t *px = bands(w, h, alpha ? 4 : 3, alpha), *out = NULL;
    size_t n = alpha ? WebPEncodeLosslessRGBA(px, w, h, w * 4, &out)
                     : WebPEncodeRGB(px, w, h, w * 3, 90, &out);

    assert_true(n > 0);
    b.p = malloc(n);
    assert_non_null(b.p);
    memcpy(b.p, out, n);
    b.len = n;
    WebPFree(out);
    free(px);
    return b;
}

static inline void
put(struct buf *b, const void *data, size_t n)
{
    buf_put(b, (void *)data, (int)n);
}

/* jpg with an APP1 "Exif" segment right after SOI: a big-endian TIFF whose
 * IFD0 holds only Orientation, followed by a text that must never reach
 * an output file. */
static inline struct buf
with_exif(const struct buf *jpg, unsigned orientation)
{
    static const char secret[] = "GPSLatitudeSECRET";
    uint8_t tiff[] = {'M',  'M',  0, 42, 0, 0, 0, 8, /* header, IFD0 at 8 */
                      0,    1,                       /* one entry */
                      0x01, 0x12, 0, 3,  0, 0, 0, 1, 0, (uint8_t)orientation,
                      0,    0,    0, 0,  0, 0}; /* no next IFD */
    size_t seg = 2 + 6 + sizeof tiff + sizeof secret;
    uint8_t head[4] = {0xFF, 0xE1, (uint8_t)(seg >> 8), (uint8_t)seg};
    struct buf b = {0};

    put(&b, jpg->p, 2); /* SOI */
    put(&b, head, 4);
    put(&b, "Exif\0\0", 6);
    put(&b, tiff, sizeof tiff);
    put(&b, secret, sizeof secret);
    put(&b, jpg->p + 2, jpg->len - 2);
    return b;
}

static inline int
is_red(const uint8_t *p)
{
    return p[0] > 160 && p[1] < 90 && p[2] < 90;
}

static inline int
is_blue(const uint8_t *p)
{
    return p[0] < 90 && p[1] < 90 && p[2] > 160;
}

static inline int
is_white(const uint8_t *p)
{
    return p[0] > 235 && p[1] > 235 && p[2] > 235;
}

static inline const uint8_t *
pixel(const uint8_t *rgb, int size, int x, int y)
{
    return rgb + ((size_t)y * size + x) * 3;
}

/* ------------------------------------------------------------------- tests */

#endif
