/*
 * test_photo.c - photos of app/media/image.c (media_photo_store,
 * media_photo_path): the five sizes, no enlarging, the centre crops, EXIF
 * orientation applied and every byte of metadata gone, the input checks.
 * The test pictures are made here as in test_image.c.
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
#include "crypto/crypto.h"
#include "media/image.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#include <webp/encode.h>
#include <webp/types.h>

/* ------------------------------------------------------------------- tests */

/* Decodes one stored size: its pixels (RGB, freed by the caller), width
 * and height; checks it is a JPEG of mode 0644 without metadata. */
static uint8_t *
load_size(const char *dir, const char *hash, const char *size, int *w, int *h)
{
    char path[512];
    struct stat st;
    size_t len;
    char *file;
    uint8_t *rgb;
    int n;

    assert_int_equal(media_photo_path(dir, hash, size, path, sizeof path), POD_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    file = test_slurp(path, &len);
    assert_int_equal(media_image_sniff((uint8_t *)file, len), MEDIA_IMAGE_JPEG);
    assert_null(memmem(file, len, "Exif", 4));
    assert_null(memmem(file, len, "SECRET", 6));
    rgb = stbi_load_from_memory((uint8_t *)file, (int)len, w, h, &n, 3);
    assert_non_null(rgb);
    free(file);
    return rgb;
}

static void
expect_dims(const char *dir, const char *hash, const char *size, int ew, int eh)
{
    int w, h;
    uint8_t *rgb = load_size(dir, hash, size, &w, &h);

    assert_int_equal(w, ew);
    assert_int_equal(h, eh);
    stbi_image_free(rgb);
}

/* A 1000 x 500 PNG: squares cropped from the centre (red left, blue
 * right), scaled_full 700 wide, raw as uploaded. */
static void
test_sizes_png(void **state)
{
    struct fixture *f = *state;
    struct buf png = make_png(1000, 500, 3, 0);
    char hash[65], why[128] = "";
    unsigned w = 0, h = 0;
    static const int sq[] = {50, 100, 300};
    static const char *sqn[] = {"thumb_small", "thumb_medium", "thumb_large"};

    assert_int_equal(media_photo_store(f->dir, png.p, png.len, hash, &w, &h, why, sizeof why),
                     POD_OK);
    assert_int_equal(strlen(hash), 64);
    assert_int_equal(w, 1000);
    assert_int_equal(h, 500);
    for (int i = 0; i < 3; i++) {
        int s = sq[i], iw, ih;
        uint8_t *rgb = load_size(f->dir, hash, sqn[i], &iw, &ih);
        assert_int_equal(iw, s);
        assert_int_equal(ih, s);
        assert_true(is_red(pixel(rgb, s, 1, s / 2)));
        assert_true(is_blue(pixel(rgb, s, s - 2, s / 2)));
        stbi_image_free(rgb);
    }
    expect_dims(f->dir, hash, "scaled_full", 700, 350);
    expect_dims(f->dir, hash, "raw", 1000, 500);

    /* The same bytes again: the same files, no work. */
    assert_int_equal(media_photo_store(f->dir, png.p, png.len, hash, &w, &h, why, sizeof why),
                     POD_OK);
    assert_int_equal(w, 1000);
    free(png.p);
}

/* A picture refused half-way (here: the fourth size cannot be written)
 * leaves none of its sizes behind, nor a temporary file; once the way is
 * clear it is stored whole. */
static void
test_half_written_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    struct buf png = make_png(400, 300, 3, 0);
    char hash[65], why[128] = "", path[512], photos[512];
    uint8_t digest[32];
    unsigned w = 0, h = 0;
    struct stat st;
    DIR *d;
    struct dirent *e;

    crypto_sha256(png.p, png.len, digest);
    crypto_hex(digest, sizeof digest, hash);
    snprintf(photos, sizeof photos, "%s/media", f->dir);
    assert_int_equal(mkdir(photos, 0700), 0);
    snprintf(photos, sizeof photos, "%s/media/photos", f->dir);
    assert_int_equal(mkdir(photos, 0700), 0);
    /* A directory where scaled_full goes: its rename fails. */
    assert_int_equal(media_photo_path(f->dir, hash, "scaled_full", path, sizeof path), POD_OK);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_not_equal(media_photo_store(f->dir, png.p, png.len, hash, &w, &h, why, sizeof why),
                         POD_OK);
    d = opendir(photos);
    assert_non_null(d);
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            assert_true(strstr(e->d_name, "scaled_full") && !strstr(e->d_name, "tmp"));
    closedir(d);
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(media_photo_store(f->dir, png.p, png.len, hash, &w, &h, why, sizeof why),
                     POD_OK);
    for (int i = 0; i < MEDIA_PHOTO_SIZES; i++) {
        assert_int_equal(
            media_photo_path(f->dir, hash, media_photo_size_names[i], path, sizeof path), POD_OK);
        assert_int_equal(stat(path, &st), 0);
    }
    free(png.p);
}

/* Small pictures are never enlarged; large ones fit in 2048 x 2048. */
static void
test_no_upscale_and_raw_limit(void **state)
{
    struct fixture *f = *state;
    struct buf small = make_jpeg(200, 100), big = make_jpeg(3000, 1000);
    char hash[65], why[128] = "";
    unsigned w, h;

    assert_int_equal(media_photo_store(f->dir, small.p, small.len, hash, &w, &h, why, sizeof why),
                     POD_OK);
    expect_dims(f->dir, hash, "scaled_full", 200, 100);
    expect_dims(f->dir, hash, "raw", 200, 100);
    expect_dims(f->dir, hash, "thumb_large", 300, 300);
    assert_int_equal(media_photo_store(f->dir, big.p, big.len, hash, &w, &h, why, sizeof why),
                     POD_OK);
    assert_int_equal(w, 2048);
    assert_int_equal(h, 683);
    expect_dims(f->dir, hash, "raw", 2048, 683);
    expect_dims(f->dir, hash, "scaled_full", 700, 233);
    free(small.p);
    free(big.p);
}

/* EXIF orientation 6 turns 400 x 200 into 200 x 400: the bands (green,
 * red, blue, green from left to right) run top to bottom; the
 * EXIF block (and its secret) is in no file. */
static void
test_exif(void **state)
{
    struct fixture *f = *state;
    struct buf jpg = make_jpeg(400, 200), exif = with_exif(&jpg, 6);
    char hash[65], why[128] = "";
    unsigned w, h;
    int iw, ih;
    uint8_t *rgb;

    assert_int_equal(media_photo_store(f->dir, exif.p, exif.len, hash, &w, &h, why, sizeof why),
                     POD_OK);
    assert_int_equal(w, 200);
    assert_int_equal(h, 400);
    rgb = load_size(f->dir, hash, "raw", &iw, &ih);
    assert_int_equal(iw, 200);
    assert_int_equal(ih, 400);
    assert_true(is_red(pixel(rgb, iw, iw / 2, 150)));
    assert_true(is_blue(pixel(rgb, iw, iw / 2, 250)));
    assert_false(is_red(pixel(rgb, iw, iw / 2, 5)));
    stbi_image_free(rgb);
    for (int i = 0; i < MEDIA_PHOTO_SIZES; i++) /* load_size checks for metadata */
        stbi_image_free(load_size(f->dir, hash, media_photo_size_names[i], &iw, &ih));
    free(jpg.p);
    free(exif.p);
}

/* Transparency lands on white; WebP decodes whole, not cropped. */
static void
test_webp_alpha(void **state)
{
    struct fixture *f = *state;
    struct buf webp = make_webp(400, 200, 1);
    char hash[65], why[128] = "";
    unsigned w, h;
    int iw, ih;
    uint8_t *rgb;

    assert_int_equal(media_photo_store(f->dir, webp.p, webp.len, hash, &w, &h, why, sizeof why),
                     POD_OK);
    rgb = load_size(f->dir, hash, "raw", &iw, &ih);
    assert_int_equal(iw, 400);
    assert_int_equal(ih, 200);
    assert_true(is_white(pixel(rgb, iw, 5, 100)));
    assert_true(is_blue(pixel(rgb, iw, 250, 100)));
    stbi_image_free(rgb);
    free(webp.p);
}

static void
test_refused(void **state)
{
    struct fixture *f = *state;
    static const uint8_t text[] = "<?php echo 'not a picture'; ?>";
    struct buf png = make_png(40, 40, 3, 0);
    char hash[65] = "x", why[128] = "";
    unsigned w, h;
    struct stat st;
    char dir[128];

    assert_int_equal(media_photo_store(f->dir, text, sizeof text, hash, &w, &h, why, sizeof why),
                     POD_ERR_PARSE);
    assert_string_equal(hash, "");
    assert_true(strlen(why) > 0);
    assert_int_equal(media_photo_store(f->dir, png.p, png.len / 2, hash, &w, &h, why, sizeof why),
                     POD_ERR_PARSE);
    assert_int_equal(media_photo_store(f->dir, png.p, (size_t)CONFIG_POD_PHOTO_MAX_BYTES + 1, hash,
                                       &w, &h, why, sizeof why),
                     POD_ERR_LIMIT);
    snprintf(dir, sizeof dir, "%s/media/photos", f->dir);
    if (stat(dir, &st) == 0) { /* nothing was left behind */
        char path[256];
        assert_int_equal(media_photo_path(f->dir, hash[0] ? hash : "", "raw", path, sizeof path),
                         POD_ERR_INVAL);
    }
    free(png.p);
}

static void
test_path(void **state)
{
    char out[256];
    const char *h = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    (void)state;
    assert_int_equal(media_photo_path("/d", h, "thumb_small", out, sizeof out), POD_OK);
    assert_string_equal(out, "/d/media/photos/"
                             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                             "-thumb_small.jpg");
    assert_int_equal(media_photo_path("/d", h, "scaled_full", out, sizeof out), POD_OK);
    assert_int_equal(media_photo_path("/d", h, "raw", out, sizeof out), POD_OK);
    assert_int_equal(media_photo_path("/d", h, "large", out, sizeof out), POD_ERR_INVAL);
    assert_int_equal(media_photo_path("/d", h, "../raw", out, sizeof out), POD_ERR_INVAL);
    assert_int_equal(media_photo_path("/d", "../../etc/passwd", "raw", out, sizeof out),
                     POD_ERR_INVAL);
    assert_int_equal(
        media_photo_path("/d", "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
                         "raw", out, sizeof out),
        POD_ERR_INVAL);
    assert_int_equal(media_photo_path("/d", h, "raw", out, 10), POD_ERR_LIMIT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sizes_png, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_upscale_and_raw_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exif, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webp_alpha, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_half_written_leaves_nothing, setup, teardown),
        cmocka_unit_test(test_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
