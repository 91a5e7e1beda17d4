/*
 * test_image.c - avatars of app/media/image.c. Every test picture is made
 * here: PNG and JPEG with stb_image_write, WebP with libwebp's encoder, GIF
 * by hand (an LZW stream that resets before its code size grows). The
 * results are decoded back and looked at: size, which colour is where,
 * that metadata is gone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "imagetest.h"
#include "testutil.h"

#include "autoconf.h"
#include "core/error.h"
#include "media/image.h"

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#include <webp/encode.h>
#include <webp/types.h>

/* ------------------------------------------------------------ test pictures */

static void
put16le(struct buf *b, unsigned v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, x, 2);
}

/* A GIF89a with a two-colour palette (0 = red, 1 = blue) of the band
 * picture (green bands drawn red). LZW minimum code size 2, so codes are
 * 3 bits: clear (4), two pixels, clear, ... end (5). Clearing every two
 * pixels keeps the table below 8 entries, so the width never grows. */
static struct buf
make_gif(int w, int h)
{
    static const uint8_t palette[] = {255, 0, 0, 0, 0, 255};
    struct buf b = {0}, lzw = {0};
    uint32_t acc = 0;
    int bits = 0, count = 0;

    put(&b, "GIF89a", 6);
    put16le(&b, (unsigned)w);
    put16le(&b, (unsigned)h);
    put(&b, "\x80\x00\x00", 3); /* global table of 2 colours */
    put(&b, palette, sizeof palette);
    put(&b, "\x2c", 1);
    put16le(&b, 0);
    put16le(&b, 0);
    put16le(&b, (unsigned)w);
    put16le(&b, (unsigned)h);
    put(&b, "\x00\x02", 2); /* no local table; LZW minimum code size 2 */

#define CODE(c)                                                                                    \
    do {                                                                                           \
        acc |= (uint32_t)(c) << bits;                                                              \
        bits += 3;                                                                                 \
        while (bits >= 8) {                                                                        \
            uint8_t byte = (uint8_t)acc;                                                           \
            put(&lzw, &byte, 1);                                                                   \
            acc >>= 8;                                                                             \
            bits -= 8;                                                                             \
        }                                                                                          \
    } while (0)
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            if (count++ % 2 == 0)
                CODE(4);
            CODE(x * 4 / w == 2 ? 1 : 0);
        }
    }
    CODE(5);
    if (bits > 0) {
        uint8_t byte = (uint8_t)acc;
        put(&lzw, &byte, 1);
    }
#undef CODE
    for (size_t off = 0; off < lzw.len; off += 255) {
        uint8_t n = (uint8_t)(lzw.len - off > 255 ? 255 : lzw.len - off);
        put(&b, &n, 1);
        put(&b, lzw.p + off, n);
    }
    put(&b, "\x00\x3b", 2); /* end of data, trailer */
    free(lzw.p);
    return b;
}

enum jpeg_kind { JPEG_PROGRESSIVE, JPEG_PROGRESSIVE_444, JPEG_MANY_SCANS, JPEG_CMYK };

/* The band picture through libjpeg's encoder, for what stb_image_write
 * cannot make: progressive files (10 scans, or one scan per coefficient and
 * component: 190), 4:4:4 sampling, Adobe CMYK. */
static struct buf
make_jpeg_lib(int w, int h, enum jpeg_kind kind)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr err;
    static jpeg_scan_info scans[1 + 3 * 63];
    uint8_t *rgb = bands(w, h, 3, 0), *row = malloc((size_t)w * 4);
    unsigned char *out = NULL;
    unsigned long out_len = 0;
    struct buf b = {0};

    assert_non_null(row);
    ci.err = jpeg_std_error(&err);
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, &out, &out_len);
    ci.image_width = (JDIMENSION)w;
    ci.image_height = (JDIMENSION)h;
    ci.input_components = kind == JPEG_CMYK ? 4 : 3;
    ci.in_color_space = kind == JPEG_CMYK ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 90, TRUE);
    if (kind == JPEG_PROGRESSIVE || kind == JPEG_PROGRESSIVE_444)
        jpeg_simple_progression(&ci);
    if (kind == JPEG_PROGRESSIVE_444)
        ci.comp_info[0].h_samp_factor = ci.comp_info[0].v_samp_factor = 1;
    if (kind == JPEG_MANY_SCANS) {
        int n = 0;
        scans[n].comps_in_scan = 3;
        for (int c = 0; c < 3; c++)
            scans[n].component_index[c] = c;
        scans[n].Ss = scans[n].Se = scans[n].Ah = scans[n].Al = 0;
        n++;
        for (int c = 0; c < 3; c++) {
            for (int k = 1; k < 64; k++, n++) {
                scans[n].comps_in_scan = 1;
                scans[n].component_index[0] = c;
                scans[n].Ss = scans[n].Se = k;
                scans[n].Ah = scans[n].Al = 0;
            }
        }
        ci.scan_info = scans;
        ci.num_scans = n;
    }
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < ci.image_height) {
        const uint8_t *src = rgb + (size_t)ci.next_scanline * w * 3;
        for (int x = 0; x < w; x++) {
            if (kind == JPEG_CMYK) { /* Adobe's inverted CMYK: 255 = no ink */
                row[4 * x] = src[3 * x];
                row[4 * x + 1] = src[3 * x + 1];
                row[4 * x + 2] = src[3 * x + 2];
                row[4 * x + 3] = 255;
            } else {
                memcpy(row + 3 * x, src + 3 * x, 3);
            }
        }
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    b.p = malloc(out_len);
    assert_non_null(b.p);
    memcpy(b.p, out, out_len);
    b.len = out_len;
    free(out);
    free(row);
    free(rgb);
    return b;
}

/* 16-bit RGBA through libpng's writer (stb writes 8 bits only). */
static struct buf
make_png16(int w, int h)
{
    uint8_t *rgba = bands(w, h, 4, 1);
    uint16_t *wide = malloc((size_t)w * h * 4 * 2);
    png_image img;
    png_alloc_size_t len = 0;
    struct buf b = {0};

    assert_non_null(wide);
    for (size_t i = 0; i < (size_t)w * h * 4; i++)
        wide[i] = (uint16_t)(rgba[i] * 257); /* linear samples: fine for 0 and 255 */
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = PNG_FORMAT_LINEAR_RGB_ALPHA;
    assert_true(png_image_write_to_memory(&img, NULL, &len, 0, wide, 0, NULL));
    b.p = malloc(len);
    assert_non_null(b.p);
    assert_true(png_image_write_to_memory(&img, b.p, &len, 0, wide, 0, NULL));
    b.len = len;
    free(wide);
    free(rgba);
    return b;
}

/* ------------------------------------------------------------------ checks */

static const char *sizes[] = {"large", "medium", "small"};
static const int pixels[] = {MEDIA_AVATAR_LARGE, MEDIA_AVATAR_MEDIUM, MEDIA_AVATAR_SMALL};

/* Stores pic, then decodes the three files and checks their size and that
 * the left part is left_ok and the right part right_ok (at the edges too:
 * a bad crop would show green there). Writes the hash into hash. */
static void
store_and_check(const char *dir, const struct buf *pic, int (*left_ok)(const uint8_t *),
                int (*right_ok)(const uint8_t *), char hash[65])
{
    char why[128] = "", path[256];

    assert_int_equal(media_avatar_store(dir, pic->p, pic->len, hash, why, sizeof why), POD_OK);
    assert_int_equal(strlen(hash), 64);
    for (int i = 0; i < 3; i++) {
        size_t len;
        char *file;
        uint8_t *rgb;
        int w, h, n, s = pixels[i];
        struct stat st;

        assert_int_equal(media_avatar_path(dir, hash, sizes[i], path, sizeof path), POD_OK);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0644);
        file = test_slurp(path, &len);
        assert_int_equal(media_image_sniff((uint8_t *)file, len), MEDIA_IMAGE_JPEG);
        rgb = stbi_load_from_memory((uint8_t *)file, (int)len, &w, &h, &n, 3);
        assert_non_null(rgb);
        assert_int_equal(w, s);
        assert_int_equal(h, s);
        for (int y = s / 10; y < s; y += s / 5) {
            assert_true(left_ok(pixel(rgb, s, 1, y)));
            assert_true(left_ok(pixel(rgb, s, s / 4, y)));
            assert_true(right_ok(pixel(rgb, s, s * 3 / 4, y)));
            assert_true(right_ok(pixel(rgb, s, s - 2, y)));
        }
        stbi_image_free(rgb);
        free(file);
    }
}

/* ------------------------------------------------------------------- tests */

static void
test_sniff(void **state)
{
    struct buf png = make_png(8, 8, 3, 0), jpg = make_jpeg(8, 8), gif = make_gif(8, 8),
               webp = make_webp(8, 8, 0);
    static const uint8_t garbage[] = "<html><body>not a picture</body></html>";

    (void)state;
    assert_int_equal(media_image_sniff(png.p, png.len), MEDIA_IMAGE_PNG);
    assert_int_equal(media_image_sniff(jpg.p, jpg.len), MEDIA_IMAGE_JPEG);
    assert_int_equal(media_image_sniff(gif.p, gif.len), MEDIA_IMAGE_GIF);
    assert_int_equal(media_image_sniff(webp.p, webp.len), MEDIA_IMAGE_WEBP);
    assert_int_equal(media_image_sniff((const uint8_t *)"GIF87a", 6), MEDIA_IMAGE_GIF);
    assert_int_equal(media_image_sniff(garbage, sizeof garbage), MEDIA_IMAGE_UNKNOWN);
    assert_int_equal(media_image_sniff((const uint8_t *)"GIF88a", 6), MEDIA_IMAGE_UNKNOWN);
    assert_int_equal(media_image_sniff((const uint8_t *)"RIFF\0\0\0\0WAVE", 12),
                     MEDIA_IMAGE_UNKNOWN);
    assert_int_equal(media_image_sniff(png.p, 7), MEDIA_IMAGE_UNKNOWN); /* cut magic */
    assert_int_equal(media_image_sniff(jpg.p, 2), MEDIA_IMAGE_UNKNOWN);
    assert_int_equal(media_image_sniff(NULL, 0), MEDIA_IMAGE_UNKNOWN);
    assert_string_equal(media_image_type_name(MEDIA_IMAGE_WEBP), "webp");
    assert_string_equal(media_image_type_name(MEDIA_IMAGE_UNKNOWN), "unknown");
    free(png.p);
    free(jpg.p);
    free(gif.p);
    free(webp.p);
}

static void
test_store_png(void **state)
{
    struct fixture *f = *state;
    struct buf png = make_png(400, 200, 3, 0);
    char hash[65];

    store_and_check(f->dir, &png, is_red, is_blue, hash);
    free(png.p);
}

static void
test_store_jpeg(void **state)
{
    struct fixture *f = *state;
    struct buf jpg = make_jpeg(640, 320);
    char hash[65];

    store_and_check(f->dir, &jpg, is_red, is_blue, hash);
    free(jpg.p);
}

static void
test_store_gif(void **state)
{
    struct fixture *f = *state;
    struct buf gif = make_gif(120, 60);
    char hash[65];

    store_and_check(f->dir, &gif, is_red, is_blue, hash);
    free(gif.p);
}

static void
test_store_webp(void **state)
{
    struct fixture *f = *state;
    struct buf webp = make_webp(400, 200, 0);
    char hash[65];

    store_and_check(f->dir, &webp, is_red, is_blue, hash);
    free(webp.p);
}

/* Portrait pictures are cropped vertically; a small one is enlarged. */
static void
test_store_portrait_small(void **state)
{
    struct fixture *f = *state;
    /* 4 columns of bands over 20 px, 60 px tall: centre square is 20x20 of
     * all four bands, so check only that it works and is 300 px. */
    struct buf png = make_png(20, 60, 3, 0);
    char hash[65], why[128], path[256];
    uint8_t *rgb;
    char *file;
    size_t len;
    int w, h, n;

    assert_int_equal(media_avatar_store(f->dir, png.p, png.len, hash, why, sizeof why), POD_OK);
    assert_int_equal(media_avatar_path(f->dir, hash, "large", path, sizeof path), POD_OK);
    file = test_slurp(path, &len);
    rgb = stbi_load_from_memory((uint8_t *)file, (int)len, &w, &h, &n, 3);
    assert_non_null(rgb);
    assert_int_equal(w, 300);
    assert_int_equal(h, 300);
    /* bands left to right: green, red, blue, green */
    assert_true(pixel(rgb, 300, 10, 150)[1] > 160);
    assert_true(is_red(pixel(rgb, 300, 110, 150)));
    assert_true(is_blue(pixel(rgb, 300, 190, 150)));
    stbi_image_free(rgb);
    free(file);
    free(png.p);
}

/* Transparency becomes white, and the colour of transparent pixels
 * (green here) does not bleed into the result. */
static void
test_alpha_on_white(void **state)
{
    struct fixture *f = *state;
    struct buf png = make_png(400, 200, 4, 1), webp = make_webp(400, 200, 1);
    char hash[65];

    store_and_check(f->dir, &png, is_white, is_blue, hash);
    store_and_check(f->dir, &webp, is_white, is_blue, hash);
    free(png.p);
    free(webp.p);
}

static void
test_grey_png(void **state)
{
    uint8_t grey[32 * 32], *rgb = NULL;
    struct buf b = {0};
    char why[128];

    (void)state;
    for (int i = 0; i < 32 * 32; i++)
        grey[i] = (uint8_t)(i % 32 * 8);
    assert_true(stbi_write_png_to_func(buf_put, &b, 32, 32, 1, grey, 32));
    assert_int_equal(media_image_decode_square(b.p, b.len, 64, &rgb, why, sizeof why), POD_OK);
    for (int x = 0; x < 64; x += 7) {
        const uint8_t *p = pixel(rgb, 64, x, 20);
        assert_int_equal(p[0], p[1]);
        assert_int_equal(p[1], p[2]);
    }
    assert_true(pixel(rgb, 64, 2, 20)[0] < pixel(rgb, 64, 60, 20)[0]); /* dark left */
    free(rgb);
    free(b.p);
}

static int
file_contains(const char *path, const char *needle)
{
    size_t len;
    char *data = test_slurp(path, &len);
    int found = memmem(data, len, needle, strlen(needle)) != NULL;

    free(data);
    return found;
}

static void
test_exif_stripped(void **state)
{
    struct fixture *f = *state;
    struct buf jpg = make_jpeg(400, 200), exif = with_exif(&jpg, 1);
    char hash[65], path[256];

    assert_non_null(memmem(exif.p, exif.len, "GPSLatitudeSECRET", 17));
    store_and_check(f->dir, &exif, is_red, is_blue, hash);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(media_avatar_path(f->dir, hash, sizes[i], path, sizeof path), POD_OK);
        assert_false(file_contains(path, "GPSLatitude"));
        assert_false(file_contains(path, "SECRET"));
        assert_false(file_contains(path, "Exif"));
    }
    free(jpg.p);
    free(exif.p);
}

/* Orientation 6: the camera was turned, the picture is shown rotated 90
 * degrees clockwise, so the red left side ends up on top. */
static void
test_exif_orientation(void **state)
{
    struct buf jpg = make_jpeg(400, 200), exif;
    uint8_t *rgb = NULL;
    char why[128];
    const unsigned n = 60;

    (void)state;
    exif = with_exif(&jpg, 6);
    assert_int_equal(media_image_decode_square(exif.p, exif.len, n, &rgb, why, sizeof why), POD_OK);
    assert_true(is_red(pixel(rgb, n, n / 2, 5)));
    assert_true(is_blue(pixel(rgb, n, n / 2, n - 5)));
    free(rgb);
    free(exif.p);

    exif = with_exif(&jpg, 8); /* counter-clockwise: red at the bottom */
    assert_int_equal(media_image_decode_square(exif.p, exif.len, n, &rgb, why, sizeof why), POD_OK);
    assert_true(is_blue(pixel(rgb, n, n / 2, 5)));
    assert_true(is_red(pixel(rgb, n, n / 2, n - 5)));
    free(rgb);
    free(exif.p);

    exif = with_exif(&jpg, 2); /* mirrored: blue left */
    assert_int_equal(media_image_decode_square(exif.p, exif.len, n, &rgb, why, sizeof why), POD_OK);
    assert_true(is_blue(pixel(rgb, n, 5, n / 2)));
    assert_true(is_red(pixel(rgb, n, n - 5, n / 2)));
    free(rgb);
    free(exif.p);

    exif = with_exif(&jpg, 99); /* nonsense: as stored */
    assert_int_equal(media_image_decode_square(exif.p, exif.len, n, &rgb, why, sizeof why), POD_OK);
    assert_true(is_red(pixel(rgb, n, 5, n / 2)));
    free(rgb);
    free(exif.p);
    free(jpg.p);
}

static void
assert_no_avatars(const char *dir)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof path, "%s/media", dir);
    assert_int_not_equal(stat(path, &st), 0); /* nothing created for a refusal */
}

static void
test_truncated(void **state)
{
    struct fixture *f = *state;
    struct buf jpg = make_jpeg(300, 300), png = make_png(300, 300, 3, 0),
               webp = make_webp(300, 300, 0);
    char hash[65] = "x", why[128] = "";

    assert_int_equal(media_avatar_store(f->dir, jpg.p, jpg.len * 2 / 3, hash, why, sizeof why),
                     POD_ERR_PARSE);
    assert_string_equal(why, "the picture is damaged");
    assert_string_equal(hash, "");
    assert_int_equal(media_avatar_store(f->dir, png.p, png.len / 2, hash, why, sizeof why),
                     POD_ERR_PARSE);
    assert_int_equal(media_avatar_store(f->dir, webp.p, webp.len / 2, hash, why, sizeof why),
                     POD_ERR_PARSE);
    assert_int_equal(media_avatar_store(f->dir, jpg.p, 40, hash, why, sizeof why),
                     POD_ERR_PARSE); /* cut in the header */
    assert_no_avatars(f->dir);
    free(jpg.p);
    free(png.p);
    free(webp.p);
}

static void
test_not_a_picture(void **state)
{
    struct fixture *f = *state;
    static const uint8_t html[] = "<svg onload=alert(1)>";
    char hash[65], why[128] = "";

    assert_int_equal(media_avatar_store(f->dir, html, sizeof html, hash, why, sizeof why),
                     POD_ERR_PARSE);
    assert_string_equal(why, "not a JPEG, PNG, GIF or WebP picture");
    assert_int_equal(media_avatar_store(f->dir, html, 0, hash, why, sizeof why), POD_ERR_PARSE);
    assert_no_avatars(f->dir);
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
put32be(struct buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, x, 4);
}

/* A PNG signature and IHDR claiming w x h (8-bit RGB; CRCs are zero, stb
 * does not check them), an empty IDAT and IEND: a decompression bomb's
 * header. */
static struct buf
png_header(uint32_t w, uint32_t h)
{
    struct buf b = {0};

    put(&b, "\x89PNG\r\n\x1a\n", 8);
    put32be(&b, 13);
    put(&b, "IHDR", 4);
    put32be(&b, w);
    put32be(&b, h);
    put(&b, "\x08\x02\x00\x00\x00", 5);
    put32be(&b, 0);
    put(&b, "\0\0\0\0IDAT\0\0\0\0\0\0\0\0IEND\0\0\0\0", 24);
    return b;
}

static void
test_pixel_limits(void **state)
{
    struct fixture *f = *state;
    struct buf png = png_header(20000, 20000), wide = png_header(16385, 1),
               empty = png_header(0, 10), gif = make_gif(8, 8), jpg = make_jpeg(16, 16);
    char hash[65], why[128] = "";
    double t0 = now();
    uint8_t *sof;

    assert_int_equal(media_avatar_store(f->dir, png.p, png.len, hash, why, sizeof why),
                     POD_ERR_LIMIT);
    assert_true(now() - t0 < 0.5); /* refused from the header, nothing decoded */
    assert_non_null(strstr(why, "too large"));
    assert_int_equal(media_avatar_store(f->dir, wide.p, wide.len, hash, why, sizeof why),
                     POD_ERR_LIMIT);
    assert_int_equal(media_avatar_store(f->dir, empty.p, empty.len, hash, why, sizeof why),
                     POD_ERR_LIMIT);

    gif.p[6] = gif.p[7] = gif.p[8] = gif.p[9] = 0xFF; /* 65535 x 65535 screen */
    assert_int_equal(media_avatar_store(f->dir, gif.p, gif.len, hash, why, sizeof why),
                     POD_ERR_LIMIT);
    gif.p[6] = 4000 & 0xFF, gif.p[7] = 4000 >> 8, gif.p[8] = 3000 & 0xFF, gif.p[9] = 3000 >> 8;
    assert_int_equal(media_avatar_store(f->dir, gif.p, gif.len, hash, why, sizeof why),
                     POD_ERR_LIMIT); /* 12 MP: fine for others, not for GIF */
    assert_non_null(strstr(why, "GIF"));

    /* A tiny JPEG whose frame header claims 5000 x 5001 (25.005 MP): stb
     * would happily decode the missing data as grey. */
    sof = memmem(jpg.p, jpg.len, "\xFF\xC0\x00\x11\x08", 5);
    assert_non_null(sof);
    sof[5] = 5001 >> 8, sof[6] = 5001 & 0xFF, sof[7] = 5000 >> 8, sof[8] = 5000 & 0xFF;
    t0 = now();
    assert_int_equal(media_avatar_store(f->dir, jpg.p, jpg.len, hash, why, sizeof why),
                     POD_ERR_LIMIT);
    assert_true(now() - t0 < 0.5);
    assert_no_avatars(f->dir);
    free(png.p);
    free(wide.p);
    free(empty.p);
    free(gif.p);
    free(jpg.p);
}

static void
test_store_jpeg_kinds(void **state)
{
    struct fixture *f = *state;
    struct buf prog = make_jpeg_lib(640, 320, JPEG_PROGRESSIVE),
               cmyk = make_jpeg_lib(400, 200, JPEG_CMYK), png16 = make_png16(400, 200);
    char hash[65];

    store_and_check(f->dir, &prog, is_red, is_blue, hash);
    store_and_check(f->dir, &cmyk, is_red, is_blue, hash);
    store_and_check(f->dir, &png16, is_white, is_blue, hash);
    free(prog.p);
    free(cmyk.p);
    free(png16.p);
}

/* A large baseline JPEG is decoded at 1/4 scale in the DCT: still right. */
static void
test_store_jpeg_large(void **state)
{
    struct fixture *f = *state;
    struct buf jpg = make_jpeg(2400, 1200);
    char hash[65];

    store_and_check(f->dir, &jpg, is_red, is_blue, hash);
    free(jpg.p);
}

/* Progressive JPEGs: one scan per coefficient is a CPU bomb; a 25 MP
 * 4:4:4 frame needs 150 MB of coefficients before a pixel comes out. */
static void
test_jpeg_bombs(void **state)
{
    struct fixture *f = *state;
    struct buf scans = make_jpeg_lib(16, 16, JPEG_MANY_SCANS),
               big = make_jpeg_lib(16, 16, JPEG_PROGRESSIVE_444);
    char hash[65], why[128] = "";
    uint8_t *sof;
    double t0;

    assert_int_equal(media_avatar_store(f->dir, scans.p, scans.len, hash, why, sizeof why),
                     POD_ERR_LIMIT);
    assert_string_equal(why, "the picture is too large or too complex to decode");
    sof = memmem(big.p, big.len, "\xFF\xC2\x00\x11\x08", 5);
    assert_non_null(sof);
    sof[5] = 4999 >> 8, sof[6] = 4999 & 0xFF, sof[7] = 5000 >> 8, sof[8] = 5000 & 0xFF;
    t0 = now();
    assert_int_equal(media_avatar_store(f->dir, big.p, big.len, hash, why, sizeof why),
                     POD_ERR_LIMIT);
    assert_true(now() - t0 < 0.5);
    assert_string_equal(why, "the picture is too large or too complex to decode");
    assert_no_avatars(f->dir);
    free(scans.p);
    free(big.p);
}

struct stack_job {
    const char *dir;
    const struct buf *pic;
    int ret;
};

static void *
stack_job_run(void *arg)
{
    struct stack_job *job = arg;
    char hash[65], why[128];

    job->ret = media_avatar_store(job->dir, job->pic->p, job->pic->len, hash, why, sizeof why);
    return NULL;
}

/* Uploads are handled on civetweb workers, whose stacks can be as small as
 * 64 KiB (the Kconfig minimum): every decoder must fit. */
static void
test_small_worker_stack(void **state)
{
    struct fixture *f = *state;
    struct buf pics[] = {make_jpeg(400, 200),      make_jpeg_lib(400, 200, JPEG_PROGRESSIVE),
                         make_png(400, 200, 4, 1), make_png16(200, 100),
                         make_gif(120, 60),        make_webp(400, 200, 1)};
    pthread_attr_t attr;

    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_setstacksize(&attr, 64 * 1024), 0);
    for (size_t i = 0; i < sizeof pics / sizeof pics[0]; i++) {
        struct stack_job job = {f->dir, &pics[i], -100};
        pthread_t t;
        assert_int_equal(pthread_create(&t, &attr, stack_job_run, &job), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
        assert_int_equal(job.ret, POD_OK);
        free(pics[i].p);
    }
    pthread_attr_destroy(&attr);
}

static void
test_byte_limit(void **state)
{
    struct fixture *f = *state;
    size_t len = (size_t)CONFIG_POD_AVATAR_MAX_BYTES + 1;
    struct buf small = make_png(8, 8, 3, 0);
    uint8_t *big = calloc(1, len);
    char hash[65], why[128] = "";

    assert_non_null(big);
    memcpy(big, small.p, small.len); /* a valid PNG with trailing zeros */
    assert_int_equal(media_avatar_store(f->dir, big, len, hash, why, sizeof why), POD_ERR_LIMIT);
    assert_non_null(strstr(why, "too large"));
    assert_int_equal(media_avatar_store(f->dir, big, len - 1, hash, why, sizeof why), POD_OK);
    free(big);
    free(small.p);
}

static void
test_same_upload_twice(void **state)
{
    struct fixture *f = *state;
    struct buf png = make_png(200, 100, 3, 0), other = make_png(200, 100, 4, 1);
    char hash1[65], hash2[65], hash3[65], why[128], path[256];
    struct stat before, after;

    assert_int_equal(media_avatar_store(f->dir, png.p, png.len, hash1, why, sizeof why), POD_OK);
    assert_int_equal(media_avatar_path(f->dir, hash1, "medium", path, sizeof path), POD_OK);
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(media_avatar_store(f->dir, png.p, png.len, hash2, why, sizeof why), POD_OK);
    assert_string_equal(hash1, hash2);
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino); /* not rewritten */

    /* A lost file (crash between renames) is made again. */
    assert_int_equal(media_avatar_path(f->dir, hash1, "small", path, sizeof path), POD_OK);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(media_avatar_store(f->dir, png.p, png.len, hash2, why, sizeof why), POD_OK);
    assert_int_equal(stat(path, &after), 0);

    assert_int_equal(media_avatar_store(f->dir, other.p, other.len, hash3, why, sizeof why),
                     POD_OK);
    assert_string_not_equal(hash1, hash3);
    free(png.p);
    free(other.p);
}

static void
test_io_error(void **state)
{
    struct fixture *f = *state;
    struct buf png = make_png(16, 16, 3, 0);
    char hash[65], why[128] = "", path[256];

    /* media is a file, so the avatars folder cannot be made */
    snprintf(path, sizeof path, "%s/media", f->dir);
    test_spit(path, "x", 1);
    assert_int_equal(media_avatar_store(f->dir, png.p, png.len, hash, why, sizeof why), POD_ERR_IO);
    assert_string_equal(why, "the pod could not save the picture");
    free(png.p);
}

static void
test_avatar_path(void **state)
{
    static const char good[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char out[256], upper[65], short_[64], long_[66];

    (void)state;
    assert_int_equal(media_avatar_path("/data", good, "large", out, sizeof out), POD_OK);
    assert_string_equal(out, "/data/media/avatars/"
                             "0123456789abcdef0123456789abcdef"
                             "0123456789abcdef0123456789abcdef-large.jpg");
    assert_int_equal(media_avatar_path("/data", good, "small", out, sizeof out), POD_OK);
    assert_int_equal(media_avatar_path("/data", good, "medium", out, sizeof out), POD_OK);

    assert_int_equal(media_avatar_path("/data", "../../etc/passwd", "large", out, sizeof out),
                     POD_ERR_INVAL);
    strcpy(upper, good);
    upper[10] = 'A';
    assert_int_equal(media_avatar_path("/data", upper, "large", out, sizeof out), POD_ERR_INVAL);
    memcpy(short_, good, 63);
    short_[63] = '\0';
    assert_int_equal(media_avatar_path("/data", short_, "large", out, sizeof out), POD_ERR_INVAL);
    memcpy(long_, good, 64);
    long_[64] = '0', long_[65] = '\0';
    assert_int_equal(media_avatar_path("/data", long_, "large", out, sizeof out), POD_ERR_INVAL);
    assert_int_equal(media_avatar_path("/data", "", "large", out, sizeof out), POD_ERR_INVAL);
    assert_int_equal(media_avatar_path("/data", good, "huge", out, sizeof out), POD_ERR_INVAL);
    assert_int_equal(media_avatar_path("/data", good, "large/../../x", out, sizeof out),
                     POD_ERR_INVAL);
    assert_int_equal(media_avatar_path("/data", good, "", out, sizeof out), POD_ERR_INVAL);
    assert_int_equal(media_avatar_path("/data", good, "LARGE", out, sizeof out), POD_ERR_INVAL);
    assert_int_equal(media_avatar_path("/data", good, "large", out, 20), POD_ERR_LIMIT);
    assert_int_equal(media_avatar_path(NULL, good, "large", out, sizeof out), POD_ERR_INVAL);
}

static void
test_decode_square_args(void **state)
{
    struct buf png = make_png(16, 16, 3, 0);
    uint8_t *rgb = (uint8_t *)"x";
    char why[128];

    (void)state;
    assert_int_equal(media_image_decode_square(png.p, png.len, 0, &rgb, why, sizeof why),
                     POD_ERR_INVAL);
    assert_null(rgb);
    assert_int_equal(
        media_image_decode_square(png.p, png.len, MEDIA_SQUARE_MAX + 1, &rgb, why, sizeof why),
        POD_ERR_INVAL);
    assert_int_equal(media_image_decode_square(png.p, png.len, 1, &rgb, NULL, 0), POD_OK);
    assert_non_null(rgb);
    free(rgb);
    free(png.p);
}

static void
test_probe(void **state)
{
    struct buf png = make_png(33, 17, 3, 0), jpg = make_jpeg(33, 17), gif = make_gif(33, 17),
               webp = make_webp(33, 17, 0);
    struct buf *all[] = {&png, &jpg, &gif, &webp};
    static const enum media_image_type types[] = {MEDIA_IMAGE_PNG, MEDIA_IMAGE_JPEG,
                                                  MEDIA_IMAGE_GIF, MEDIA_IMAGE_WEBP};
    enum media_image_type t;
    unsigned w, h;

    (void)state;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(media_image_probe(all[i]->p, all[i]->len, &t, &w, &h), POD_OK);
        assert_int_equal(t, types[i]);
        assert_int_equal(w, 33);
        assert_int_equal(h, 17);
        assert_int_equal(media_image_probe(all[i]->p, 7, &t, &w, &h), POD_ERR_PARSE);
        free(all[i]->p);
    }
    assert_int_equal(media_image_probe((const uint8_t *)"hello", 5, &t, &w, &h), POD_ERR_PARSE);
    assert_int_equal(t, MEDIA_IMAGE_UNKNOWN);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_probe),
        cmocka_unit_test_setup_teardown(test_store_png, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_jpeg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_gif, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_webp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_portrait_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alpha_on_white, setup, teardown),
        cmocka_unit_test(test_grey_png),
        cmocka_unit_test_setup_teardown(test_exif_stripped, setup, teardown),
        cmocka_unit_test(test_exif_orientation),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_picture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pixel_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_jpeg_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_jpeg_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jpeg_bombs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_worker_stack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_upload_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_io_error, setup, teardown),
        cmocka_unit_test(test_avatar_path),
        cmocka_unit_test(test_decode_square_args),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
