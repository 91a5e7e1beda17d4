/*
 * image.c - avatars from uploaded pictures.
 *
 * The pipeline: sniff the format by magic bytes, read the pixel size from
 * the header and refuse decompression bombs before a pixel is allocated,
 * decode (Debian's libstb for JPEG, PNG and GIF; libwebp for WebP), scale
 * the centre square straight out of the decoded buffer (no cropped copy),
 * flatten transparency onto white, turn JPEGs upright by their EXIF
 * orientation, and encode fresh JPEGs with stb_image_write. Only pixels
 * reach the output: EXIF (GPS, serials), ICC, comments are never copied.
 *
 * libstb's stbi_load tries every decoder it has (BMP, PSD, TGA, ...) until
 * one accepts the bytes. We only call it for buffers whose magic bytes are
 * JPEG, PNG or GIF, and none of the other decoders accepts those first
 * bytes, so in practice only those three decoders see uploads.
 */
#include "media/image.h"

#include "autoconf.h"
#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stb/stb_image.h>
#include <stb/stb_image_resize.h>
#include <stb/stb_image_write.h>
#include <webp/decode.h>

#define JPEG_QUALITY 85

/* Decoding a 25 MP picture needs up to ~12 bytes a pixel inside stb
 * (progressive JPEG), so two at once could exhaust a 1 GB board: uploads
 * are decoded one at a time. Held only around the decode and scale. */
static pthread_mutex_t decode_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const size_names[] = {"large", "medium", "small"};
static const unsigned size_pixels[] = {MEDIA_AVATAR_LARGE, MEDIA_AVATAR_MEDIUM,
                                       MEDIA_AVATAR_SMALL};

/* ------------------------------------------------------------- sniffing */

enum media_image_type
media_image_sniff(const uint8_t *buf, size_t len)
{
    if (!buf)
        return MEDIA_IMAGE_UNKNOWN;
    if (len >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF)
        return MEDIA_IMAGE_JPEG;
    if (len >= 8 && memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0)
        return MEDIA_IMAGE_PNG;
    if (len >= 6 && (memcmp(buf, "GIF87a", 6) == 0 || memcmp(buf, "GIF89a", 6) == 0))
        return MEDIA_IMAGE_GIF;
    if (len >= 12 && memcmp(buf, "RIFF", 4) == 0 && memcmp(buf + 8, "WEBP", 4) == 0)
        return MEDIA_IMAGE_WEBP;
    return MEDIA_IMAGE_UNKNOWN;
}

const char *
media_image_type_name(enum media_image_type t)
{
    switch (t) {
    case MEDIA_IMAGE_JPEG:
        return "jpeg";
    case MEDIA_IMAGE_PNG:
        return "png";
    case MEDIA_IMAGE_GIF:
        return "gif";
    case MEDIA_IMAGE_WEBP:
        return "webp";
    case MEDIA_IMAGE_UNKNOWN:
        break;
    }
    return "unknown";
}

/* --------------------------------------------------------------- header */

static unsigned
rd16(const uint8_t *p, int le)
{
    return le ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | (unsigned)p[1];
}

static uint32_t
rd32(const uint8_t *p, int le)
{
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int
media_image_probe(const uint8_t *buf, size_t len, enum media_image_type *type, unsigned *width,
                  unsigned *height)
{
    enum media_image_type t = media_image_sniff(buf, len);
    unsigned w = 0, h = 0;

    if (type)
        *type = t;
    switch (t) {
    case MEDIA_IMAGE_JPEG: {
        int iw, ih, comp;
        /* stb's own header parser: the size it reports is the size its
         * decoder allocates for. */
        if (len > INT_MAX || !stbi_info_from_memory(buf, (int)len, &iw, &ih, &comp))
            return POD_ERR_PARSE;
        w = (unsigned)iw;
        h = (unsigned)ih;
        break;
    }
    case MEDIA_IMAGE_PNG:
        /* IHDR must come first (stb insists too). Read directly: stbi_info
         * refuses huge sizes as "corrupt", and those should be LIMIT. */
        if (len < 24 || memcmp(buf + 12, "IHDR", 4) != 0)
            return POD_ERR_PARSE;
        w = (unsigned)rd32(buf + 16, 0);
        h = (unsigned)rd32(buf + 20, 0);
        break;
    case MEDIA_IMAGE_GIF:
        /* The logical screen; stb allocates that and rejects frames that
         * do not fit inside it. */
        if (len < 10)
            return POD_ERR_PARSE;
        w = rd16(buf + 6, 1);
        h = rd16(buf + 8, 1);
        break;
    case MEDIA_IMAGE_WEBP: {
        int iw, ih;
        if (!WebPGetInfo(buf, len, &iw, &ih))
            return POD_ERR_PARSE;
        w = (unsigned)iw;
        h = (unsigned)ih;
        break;
    }
    case MEDIA_IMAGE_UNKNOWN:
        return POD_ERR_PARSE;
    }
    if (width)
        *width = w;
    if (height)
        *height = h;
    return POD_OK;
}

static int
check_size(unsigned w, unsigned h, char *why, size_t why_len)
{
    if (w == 0 || h == 0) {
        pod_why(why, why_len, "the picture has no pixels");
        return POD_ERR_LIMIT;
    }
    if (w > MEDIA_MAX_SIDE || h > MEDIA_MAX_SIDE ||
        (unsigned long long)w * h > MEDIA_MAX_PIXELS) {
        pod_why(why, why_len, "the picture is too large (at most %u megapixels, %u pixels a side)",
                MEDIA_MAX_PIXELS / 1000000u, MEDIA_MAX_SIDE);
        return POD_ERR_LIMIT;
    }
    return POD_OK;
}

/* ----------------------------------------------------------------- EXIF */

/* The Orientation tag (0x0112) of a TIFF structure, IFD0 only; 1 when
 * missing or malformed. t has n bytes. */
static unsigned
tiff_orientation(const uint8_t *t, size_t n)
{
    int le;
    uint32_t ifd;
    unsigned count;
    size_t e;

    if (n < 8)
        return 1;
    if (t[0] == 'I' && t[1] == 'I')
        le = 1;
    else if (t[0] == 'M' && t[1] == 'M')
        le = 0;
    else
        return 1;
    if (rd16(t + 2, le) != 42)
        return 1;
    ifd = rd32(t + 4, le);
    if (ifd > n - 2)
        return 1;
    count = rd16(t + ifd, le);
    e = (size_t)ifd + 2;
    for (unsigned i = 0; i < count && e + 12 <= n; i++, e += 12) {
        unsigned v;
        if (rd16(t + e, le) != 0x0112)
            continue;
        if (rd16(t + e + 2, le) != 3 || rd32(t + e + 4, le) < 1) /* SHORT, count >= 1 */
            return 1;
        v = rd16(t + e + 8, le);
        return v >= 1 && v <= 8 ? v : 1;
    }
    return 1;
}

/* The EXIF orientation (1..8, 1 = as stored) of a JPEG: walks the marker
 * segments before the first scan and reads the first "Exif" APP1. */
static unsigned
jpeg_orientation(const uint8_t *buf, size_t len)
{
    size_t pos = 2, seg;

    while (pos + 4 <= len) {
        uint8_t m = buf[pos + 1];

        if (buf[pos] != 0xFF)
            return 1;
        if (m == 0xFF) { /* fill byte */
            pos++;
            continue;
        }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* no length */
            pos += 2;
            continue;
        }
        if (m == 0xDA || m == 0xD9) /* scan data or end: EXIF comes before */
            return 1;
        seg = rd16(buf + pos + 2, 0);
        if (seg < 2 || seg > len - pos - 2)
            return 1;
        if (m == 0xE1 && seg >= 2 + 6 && memcmp(buf + pos + 4, "Exif\0\0", 6) == 0)
            return tiff_orientation(buf + pos + 10, seg - 8);
        pos += 2 + seg;
    }
    return 1;
}

/* Writes into out (n*n RGB) the picture in (n*n RGB) as it should be
 * shown for EXIF orientation o. On a square, rotating the centre crop is
 * the same as cropping the rotated picture, so this runs on the small
 * scaled result instead of the full decode. */
static void
orient_square(const uint8_t *in, uint8_t *out, unsigned n, unsigned o)
{
    for (unsigned y = 0; y < n; y++) {
        for (unsigned x = 0; x < n; x++) {
            unsigned sx, sy;
            switch (o) {
            case 2: /* mirrored */
                sx = n - 1 - x, sy = y;
                break;
            case 3: /* rotated 180 */
                sx = n - 1 - x, sy = n - 1 - y;
                break;
            case 4: /* mirrored vertically */
                sx = x, sy = n - 1 - y;
                break;
            case 5: /* transposed */
                sx = y, sy = x;
                break;
            case 6: /* shown rotated 90 clockwise */
                sx = y, sy = n - 1 - x;
                break;
            case 7: /* transversed */
                sx = n - 1 - y, sy = n - 1 - x;
                break;
            case 8: /* shown rotated 90 counter-clockwise */
                sx = n - 1 - y, sy = x;
                break;
            default:
                sx = x, sy = y;
            }
            memcpy(out + ((size_t)y * n + x) * 3, in + ((size_t)sy * n + sx) * 3, 3);
        }
    }
}

/* ------------------------------------------------------------- decoding */

struct decoded {
    uint8_t *px; /* w*h*n bytes, from stb or from libwebp */
    int w, h, n;
    int webp; /* which library's free() releases px */
};

static void
decoded_free(struct decoded *d)
{
    if (!d->px)
        return;
    if (d->webp)
        WebPFree(d->px);
    else
        stbi_image_free(d->px);
    d->px = NULL;
}

static int
decode_pixels(const uint8_t *buf, size_t len, enum media_image_type type, struct decoded *d,
              char *why, size_t why_len)
{
    if (type == MEDIA_IMAGE_WEBP) {
        WebPBitstreamFeatures f;
        if (WebPGetFeatures(buf, len, &f) != VP8_STATUS_OK)
            goto damaged;
        if (f.has_animation) {
            pod_why(why, why_len, "animated WebP pictures are not supported");
            return POD_ERR_PARSE;
        }
        d->webp = 1;
        d->n = f.has_alpha ? 4 : 3;
        d->px = f.has_alpha ? WebPDecodeRGBA(buf, len, &d->w, &d->h)
                            : WebPDecodeRGB(buf, len, &d->w, &d->h);
    } else {
        /* 0 channels requested: the native count (1 to 4), no conversion
         * copy. 16-bit PNGs come back as 8 bits. */
        d->px = stbi_load_from_memory(buf, (int)len, &d->w, &d->h, &d->n, 0);
        if (!d->px && stbi_failure_reason() && strcmp(stbi_failure_reason(), "outofmem") == 0) {
            pod_why(why, why_len, "the pod has not enough memory for this picture");
            return POD_ERR_NOMEM;
        }
    }
    if (!d->px)
        goto damaged;
    if (d->n < 1 || d->n > 4 || d->w <= 0 || d->h <= 0) {
        decoded_free(d);
        goto damaged;
    }
    return POD_OK;
damaged:
    pod_why(why, why_len, "the picture is damaged");
    return POD_ERR_PARSE;
}

/* Composites n-channel pixels (grey, grey+alpha, RGB, RGBA) onto white as
 * RGB. */
static void
flatten_rgb(const uint8_t *in, int n, size_t count, uint8_t *out)
{
    for (size_t i = 0; i < count; i++, in += n, out += 3) {
        unsigned r, g, b, a;
        if (n <= 2) {
            r = g = b = in[0];
            a = n == 2 ? in[1] : 255;
        } else {
            r = in[0], g = in[1], b = in[2];
            a = n == 4 ? in[3] : 255;
        }
        out[0] = (uint8_t)((r * a + 255 * (255 - a) + 127) / 255);
        out[1] = (uint8_t)((g * a + 255 * (255 - a) + 127) / 255);
        out[2] = (uint8_t)((b * a + 255 * (255 - a) + 127) / 255);
    }
}

int
media_image_decode_square(const uint8_t *buf, size_t len, unsigned size, uint8_t **rgb_out,
                          char *why, size_t why_len)
{
    struct decoded d = {0};
    enum media_image_type type;
    uint8_t *scaled = NULL, *rgb = NULL, *turned = NULL;
    unsigned w, h, o = 1;
    int ret, side, alpha;
    const uint8_t *corner;

    if (rgb_out)
        *rgb_out = NULL;
    if (!rgb_out || !buf || size == 0 || size > MEDIA_SQUARE_MAX) {
        pod_why(why, why_len, "bad arguments");
        return POD_ERR_INVAL;
    }
    if (len > INT_MAX) { /* stb counts bytes in an int */
        pod_why(why, why_len, "the picture file is too large");
        return POD_ERR_LIMIT;
    }
    ret = media_image_probe(buf, len, &type, &w, &h);
    if (ret != POD_OK) {
        pod_why(why, why_len,
                type == MEDIA_IMAGE_UNKNOWN ? "not a JPEG, PNG, GIF or WebP picture"
                                            : "the picture is damaged");
        return ret;
    }
    ret = check_size(w, h, why, why_len);
    if (ret != POD_OK)
        return ret;
    ret = decode_pixels(buf, len, type, &d, why, why_len);
    if (ret != POD_OK)
        return ret;
    /* The decoder's size must be the header's; never trust that blindly. */
    ret = check_size((unsigned)d.w, (unsigned)d.h, why, why_len);
    if (ret != POD_OK)
        goto out;

    side = d.w < d.h ? d.w : d.h;
    corner = d.px + ((size_t)((d.h - side) / 2) * (size_t)d.w + (size_t)((d.w - side) / 2)) *
                        (size_t)d.n;
    alpha = d.n == 2 ? 1 : d.n == 4 ? 3 : STBIR_ALPHA_CHANNEL_NONE;
    scaled = malloc((size_t)size * size * (size_t)d.n);
    rgb = malloc((size_t)size * size * 3);
    if (!scaled || !rgb) {
        ret = POD_ERR_NOMEM;
        pod_why(why, why_len, "the pod has not enough memory for this picture");
        goto out;
    }
    /* Mitchell filter when shrinking, Catmull-Rom when enlarging, in linear
     * light; colours are weighted by alpha so transparent pixels do not
     * bleed their (arbitrary) colour into the edges. */
    if (!stbir_resize_uint8_generic(corner, side, side, d.w * d.n, scaled, (int)size, (int)size,
                                    (int)size * d.n, d.n, alpha, 0, STBIR_EDGE_CLAMP,
                                    STBIR_FILTER_DEFAULT, STBIR_COLORSPACE_SRGB, NULL)) {
        ret = POD_ERR_NOMEM;
        pod_why(why, why_len, "the pod has not enough memory for this picture");
        goto out;
    }
    flatten_rgb(scaled, d.n, (size_t)size * size, rgb);

    if (type == MEDIA_IMAGE_JPEG)
        o = jpeg_orientation(buf, len);
    if (o != 1) {
        turned = malloc((size_t)size * size * 3);
        if (!turned) {
            ret = POD_ERR_NOMEM;
            pod_why(why, why_len, "the pod has not enough memory for this picture");
            goto out;
        }
        orient_square(rgb, turned, size, o);
        free(rgb);
        rgb = turned;
    }
    *rgb_out = rgb;
    rgb = NULL;
    ret = POD_OK;
out:
    decoded_free(&d);
    free(scaled);
    free(rgb);
    return ret;
}

/* --------------------------------------------------------------- output */

struct membuf {
    uint8_t *p;
    size_t len, cap;
    int failed;
};

static void
membuf_put(void *ctx, void *data, int size)
{
    struct membuf *m = ctx;
    size_t n = size > 0 ? (size_t)size : 0;

    if (m->failed || n == 0)
        return;
    if (m->len + n > m->cap) {
        size_t cap = m->cap ? m->cap : 16384;
        uint8_t *p;
        while (cap < m->len + n)
            cap *= 2;
        p = realloc(m->p, cap);
        if (!p) {
            m->failed = 1;
            return;
        }
        m->p = p;
        m->cap = cap;
    }
    memcpy(m->p + m->len, data, n);
    m->len += n;
}

static int
encode_jpeg(const uint8_t *rgb, unsigned size, struct membuf *m)
{
    if (!stbi_write_jpg_to_func(membuf_put, m, (int)size, (int)size, 3, rgb, JPEG_QUALITY) ||
        m->failed)
        return POD_ERR_NOMEM;
    return POD_OK;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The one-line reason for a failed write, from errno. */
static int
io_error(const char *what, char *why, size_t why_len)
{
    int e = errno;

    LOG_ERR("media", "avatar %s: %s", what, strerror(e));
    pod_why(why, why_len, e == ENOSPC || e == EDQUOT ? "the pod's storage is full"
                                                     : "the pod could not save the picture");
    return POD_ERR_IO;
}

/* Replaces path with data, mode 0644: a temporary file in the same
 * directory, fsync, rename. The caller fsyncs the directory. */
static int
write_file_atomic(const char *path, const uint8_t *data, size_t len, char *why, size_t why_len)
{
    char tmp[PATH_MAX];
    int fd, ret = POD_OK;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= sizeof tmp) {
        pod_why(why, why_len, "the data directory path is too long");
        return POD_ERR_INVAL;
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return io_error("create", why, why_len);
    if (fchmod(fd, 0644) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        ret = io_error("write", why, why_len);
        close(fd);
        goto fail;
    }
    if (close(fd) != 0) {
        ret = io_error("close", why, why_len);
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        ret = io_error("rename", why, why_len);
        goto fail;
    }
    return POD_OK;
fail:
    unlink(tmp);
    return ret;
}

static int
fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

    if (fd < 0)
        return -1;
    if (fsync(fd) != 0)
        ret = -1;
    close(fd);
    return ret;
}

/* mkdir path (mode 0700, like the data directory) unless it is there;
 * a new directory is made durable by syncing parent. */
static int
ensure_dir(const char *path, const char *parent, char *why, size_t why_len)
{
    struct stat st;

    if (mkdir(path, 0700) == 0) {
        if (fsync_dir(parent) != 0)
            return io_error("sync directory", why, why_len);
        return POD_OK;
    }
    if (errno != EEXIST)
        return io_error("mkdir", why, why_len);
    if (stat(path, &st) != 0)
        return io_error("stat", why, why_len);
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return io_error("mkdir", why, why_len);
    }
    return POD_OK;
}

/* ---------------------------------------------------------------- paths */

static int
is_hash(const char *s)
{
    size_t i;

    for (i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0; /* also stops at the NUL of a short string */
    return s[64] == '\0';
}

int
media_avatar_path(const char *data_dir, const char *hash, const char *size, char *out,
                  size_t cap)
{
    int n;
    size_t i;

    if (!data_dir || !hash || !size || !out || cap == 0 || !is_hash(hash))
        return POD_ERR_INVAL;
    for (i = 0; i < 3; i++)
        if (strcmp(size, size_names[i]) == 0)
            break;
    if (i == 3)
        return POD_ERR_INVAL;
    n = snprintf(out, cap, "%s/media/avatars/%s-%s.jpg", data_dir, hash, size_names[i]);
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return POD_ERR_LIMIT;
    }
    return POD_OK;
}

/* ---------------------------------------------------------------- store */

static int
all_exist(char paths[3][PATH_MAX])
{
    struct stat st;

    for (int i = 0; i < 3; i++)
        if (stat(paths[i], &st) != 0 || !S_ISREG(st.st_mode))
            return 0;
    return 1;
}

/* dst (to*to RGB) = src (from*from RGB) scaled. */
static int
scale_rgb(const uint8_t *src, unsigned from, uint8_t *dst, unsigned to)
{
    return stbir_resize_uint8_generic(src, (int)from, (int)from, (int)from * 3, dst, (int)to,
                                      (int)to, (int)to * 3, 3, STBIR_ALPHA_CHANNEL_NONE, 0,
                                      STBIR_EDGE_CLAMP, STBIR_FILTER_DEFAULT,
                                      STBIR_COLORSPACE_SRGB, NULL)
               ? POD_OK
               : POD_ERR_NOMEM;
}

int
media_avatar_store(const char *data_dir, const uint8_t *buf, size_t len, char hash_out[65],
                   char *why, size_t why_len)
{
    uint8_t digest[CRYPTO_SHA256_LEN];
    char hash[65], media_dir[PATH_MAX], dir[PATH_MAX], paths[3][PATH_MAX];
    uint8_t *px[3] = {NULL, NULL, NULL};
    struct membuf jpg = {0};
    enum media_image_type type;
    unsigned w = 0, h = 0;
    int ret;

    if (!data_dir || !buf || !hash_out) {
        pod_why(why, why_len, "bad arguments");
        return POD_ERR_INVAL;
    }
    hash_out[0] = '\0';
    if (len > (size_t)CONFIG_POD_AVATAR_MAX_BYTES) {
        pod_why(why, why_len, "the picture file is too large (at most %u KiB)",
                (unsigned)CONFIG_POD_AVATAR_MAX_BYTES / 1024u);
        return POD_ERR_LIMIT;
    }
    type = media_image_sniff(buf, len);
    if (type == MEDIA_IMAGE_UNKNOWN) {
        pod_why(why, why_len, "not a JPEG, PNG, GIF or WebP picture");
        return POD_ERR_PARSE;
    }

    crypto_sha256(buf, len, digest);
    crypto_hex(digest, sizeof digest, hash);
    if ((size_t)snprintf(media_dir, sizeof media_dir, "%s/media", data_dir) >= sizeof media_dir ||
        (size_t)snprintf(dir, sizeof dir, "%s/media/avatars", data_dir) >= sizeof dir) {
        pod_why(why, why_len, "the data directory path is too long");
        return POD_ERR_INVAL;
    }
    for (int i = 0; i < 3; i++) {
        ret = media_avatar_path(data_dir, hash, size_names[i], paths[i], sizeof paths[i]);
        if (ret != POD_OK) {
            pod_why(why, why_len, "the data directory path is too long");
            return POD_ERR_INVAL;
        }
    }
    if (all_exist(paths)) { /* same bytes, same avatars: nothing to do */
        memcpy(hash_out, hash, sizeof hash);
        return POD_OK;
    }

    (void)media_image_probe(buf, len, NULL, &w, &h); /* for the log line only */
    pthread_mutex_lock(&decode_lock);
    ret = media_image_decode_square(buf, len, size_pixels[0], &px[0], why, why_len);
    pthread_mutex_unlock(&decode_lock);
    if (ret != POD_OK) {
        LOG_INFO("media", "avatar refused: %s, %zu bytes, %ux%u: %s", media_image_type_name(type),
                 len, w, h, pod_strerror(ret));
        goto out;
    }
    /* The small sizes come from the large one: as sharp, far cheaper. */
    for (int i = 1; i < 3; i++) {
        px[i] = malloc((size_t)size_pixels[i] * size_pixels[i] * 3);
        if (!px[i] || scale_rgb(px[0], size_pixels[0], px[i], size_pixels[i]) != POD_OK) {
            ret = POD_ERR_NOMEM;
            pod_why(why, why_len, "the pod has not enough memory for this picture");
            goto out;
        }
    }

    if ((ret = ensure_dir(media_dir, data_dir, why, why_len)) != POD_OK ||
        (ret = ensure_dir(dir, media_dir, why, why_len)) != POD_OK)
        goto out;
    for (int i = 0; i < 3; i++) {
        jpg.len = 0;
        ret = encode_jpeg(px[i], size_pixels[i], &jpg);
        if (ret != POD_OK) {
            pod_why(why, why_len, "the pod has not enough memory for this picture");
            goto out;
        }
        ret = write_file_atomic(paths[i], jpg.p, jpg.len, why, why_len);
        if (ret != POD_OK)
            goto out;
    }
    if (fsync_dir(dir) != 0) {
        ret = io_error("sync directory", why, why_len);
        goto out;
    }
    memcpy(hash_out, hash, sizeof hash);
    LOG_INFO("media", "avatar stored: %s, %zu bytes, %ux%u", media_image_type_name(type), len, w,
             h);
    ret = POD_OK;
out:
    for (int i = 0; i < 3; i++)
        free(px[i]);
    free(jpg.p);
    return ret;
}
