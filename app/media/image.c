/*
 * image.c - avatars from uploaded pictures.
 *
 * The pipeline: sniff the format by magic bytes, read the pixel size from
 * the header and refuse decompression bombs before a pixel is allocated,
 * decode, scale the centre square, flatten transparency onto white, turn
 * JPEGs upright by their EXIF orientation, and encode fresh JPEGs. Only
 * pixels reach the output: EXIF (GPS, serials), ICC, comments never do.
 *
 * Decoders, chosen for hostile input:
 * - JPEG: libjpeg-turbo, decoding at 1/2, 1/4 or 1/8 scale (in the DCT)
 *   when the picture is large, so a 12 MP photo needs a few MB; progressive
 *   files are capped in memory (JPEG_MAX_MEMORY) and in scans (JPEG_MAX_SCANS).
 * - PNG: libpng's simplified API (CRC checks, its own chunk limits).
 * - GIF: Debian's libstb (stb_image 2.27), first frame only. We call it only
 *   for "GIF8" magic: none of stb's other decoders accepts those bytes.
 * - WebP: libwebp, cropping and scaling inside the decoder.
 * stb_image 2.27's JPEG and PNG decoders are not used: fuzzing them found a
 * heap overflow (DHT counts, stb issue #1289) and reads of uninitialised
 * memory (undefined Huffman tables; PNG filter bytes) within seconds.
 * Scaling (stb_image_resize) and encoding (stb_image_write) only ever see
 * our own pixel buffers.
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
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <jerror.h> /* after jpeglib.h */
#include <png.h>
#include <stb/stb_image.h>
#include <stb/stb_image_resize.h>
#include <stb/stb_image_write.h>
#include <webp/decode.h>

#define JPEG_QUALITY 85
/* libjpeg's whole-image buffers (progressive files: 2 bytes per sample):
 * enough for 25 MP in 4:2:0, refused beyond. */
#define JPEG_MAX_MEMORY (100L * 1024 * 1024)
/* Real progressive files have about 10 scans; each scan costs a pass
 * over the picture, so thousands of tiny scans would be a CPU bomb. */
#define JPEG_MAX_SCANS 64
/* stb's GIF decoder keeps 9 bytes a pixel (canvas, background, history). */
#define GIF_MAX_PIXELS (10u * 1000u * 1000u)

/* Even within the limits a decode can take ~100 MB, so two at once could
 * exhaust a 1 GB board: uploads are decoded one at a time. Held only
 * around the decode and scale. */
static pthread_mutex_t decode_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const size_names[] = {"large", "medium", "small"};
static const unsigned size_pixels[] = {MEDIA_AVATAR_LARGE, MEDIA_AVATAR_MEDIUM, MEDIA_AVATAR_SMALL};

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

struct jpeg_head {
    unsigned w, h;        /* from the first SOFn; 0 when none was found */
    unsigned orientation; /* EXIF, 1..8; 1 = as stored */
};

/* Walks the marker segments of a JPEG up to the first scan: the frame size
 * and the orientation of the first "Exif" APP1. Stops quietly at anything
 * malformed; the decoder judges the rest. */
static void
jpeg_head_read(const uint8_t *buf, size_t len, struct jpeg_head *jh)
{
    size_t pos = 2, seg;

    jh->w = jh->h = 0;
    jh->orientation = 1;
    while (pos + 4 <= len) {
        uint8_t m = buf[pos + 1];

        if (buf[pos] != 0xFF)
            return;
        if (m == 0xFF) { /* fill byte */
            pos++;
            continue;
        }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* no length */
            pos += 2;
            continue;
        }
        if (m == 0xDA || m == 0xD9) /* scan data or end */
            return;
        seg = rd16(buf + pos + 2, 0);
        if (seg < 2 || seg > len - pos - 2)
            return;
        /* SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC) */
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC && jh->w == 0 &&
            seg >= 2 + 5) {
            jh->h = rd16(buf + pos + 5, 0);
            jh->w = rd16(buf + pos + 7, 0);
            if (jh->w == 0) /* keep looking means "no size" below */
                jh->h = 0;
        }
        if (m == 0xE1 && jh->orientation == 1 && seg >= 2 + 6 &&
            memcmp(buf + pos + 4, "Exif\0\0", 6) == 0)
            jh->orientation = tiff_orientation(buf + pos + 10, seg - 8);
        pos += 2 + seg;
    }
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
        struct jpeg_head jh;
        jpeg_head_read(buf, len, &jh);
        if (jh.w == 0)
            return POD_ERR_PARSE;
        w = jh.w;
        h = jh.h;
        break;
    }
    case MEDIA_IMAGE_PNG:
        /* IHDR must come first */
        if (len < 24 || memcmp(buf + 12, "IHDR", 4) != 0)
            return POD_ERR_PARSE;
        w = (unsigned)rd32(buf + 16, 0);
        h = (unsigned)rd32(buf + 20, 0);
        break;
    case MEDIA_IMAGE_GIF:
        /* The logical screen: stb allocates that and rejects frames that
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
check_size(enum media_image_type type, unsigned w, unsigned h, char *why, size_t why_len)
{
    unsigned long long px = (unsigned long long)w * h;

    if (w == 0 || h == 0) {
        pod_why(why, why_len, "the picture has no pixels");
        return POD_ERR_LIMIT;
    }
    if (w > MEDIA_MAX_SIDE || h > MEDIA_MAX_SIDE || px > MEDIA_MAX_PIXELS) {
        pod_why(why, why_len, "the picture is too large (at most %u megapixels, %u pixels a side)",
                MEDIA_MAX_PIXELS / 1000000u, MEDIA_MAX_SIDE);
        return POD_ERR_LIMIT;
    }
    if (type == MEDIA_IMAGE_GIF && px > GIF_MAX_PIXELS) {
        pod_why(why, why_len, "the GIF picture is too large (at most %u megapixels)",
                GIF_MAX_PIXELS / 1000000u);
        return POD_ERR_LIMIT;
    }
    return POD_OK;
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

/* A decoded picture: w*h pixels of n channels (1 grey, 2 grey+alpha, 3 RGB,
 * 4 RGBA), rows top to bottom, released with release(px). */
struct decoded {
    uint8_t *px;
    int w, h, n;
    void (*release)(void *);
};

static void
decoded_free(struct decoded *d)
{
    if (d->px)
        d->release(d->px);
    d->px = NULL;
}

static int
damaged(char *why, size_t why_len)
{
    pod_why(why, why_len, "the picture is damaged");
    return POD_ERR_PARSE;
}

static int
no_memory(char *why, size_t why_len)
{
    pod_why(why, why_len, "the pod has not enough memory for this picture");
    return POD_ERR_NOMEM;
}

struct jpeg_fail {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    int code;    /* what a longjmp means */
    int reading; /* pixels still to come: running out of data is fatal */
};

static void
jpeg_on_error(j_common_ptr c)
{
    struct jpeg_fail *f = (struct jpeg_fail *)c->err;

    if (c->err->msg_code == JERR_NO_BACKING_STORE)
        f->code = POD_ERR_LIMIT; /* over JPEG_MAX_MEMORY */
    else if (c->err->msg_code == JERR_OUT_OF_MEMORY)
        f->code = POD_ERR_NOMEM;
    longjmp(f->jump, 1);
}

/* Warnings (level -1) about corrupt data are tolerated, as browsers do,
 * except a file cut short: libjpeg would paint the rest grey. Nothing is
 * printed. */
static void
jpeg_on_message(j_common_ptr c, int level)
{
    struct jpeg_fail *f = (struct jpeg_fail *)c->err;

    if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF && f->reading)
        longjmp(f->jump, 1);
}

static void
jpeg_on_progress(j_common_ptr c)
{
    struct jpeg_fail *f = (struct jpeg_fail *)c->err;

    if (((j_decompress_ptr)c)->input_scan_number > JPEG_MAX_SCANS) {
        f->code = POD_ERR_LIMIT;
        longjmp(f->jump, 1);
    }
}

/* Adobe CMYK (inverted, as Photoshop writes it) or plain CMYK to RGB, in
 * place: pixel i moves from 4*i to 3*i, never ahead of what is read. */
static void
cmyk_to_rgb(uint8_t *px, size_t count, int inverted)
{
    for (size_t i = 0; i < count; i++) {
        unsigned c = px[4 * i], m = px[4 * i + 1], y = px[4 * i + 2], k = px[4 * i + 3];
        if (!inverted)
            c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
        px[3 * i] = (uint8_t)((c * k + 127) / 255);
        px[3 * i + 1] = (uint8_t)((m * k + 127) / 255);
        px[3 * i + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

/* Chooses RGB, grey or CMYK output, and the smallest DCT scale (1/8 to 1)
 * whose shorter side still has at least size pixels. */
static void
jpeg_choose_output(j_decompress_ptr ci, unsigned size)
{
    unsigned shorter = ci->image_width < ci->image_height ? ci->image_width : ci->image_height;
    unsigned denom = 8;

    if (ci->jpeg_color_space == JCS_GRAYSCALE)
        ci->out_color_space = JCS_GRAYSCALE;
    else if (ci->jpeg_color_space == JCS_CMYK || ci->jpeg_color_space == JCS_YCCK)
        ci->out_color_space = JCS_CMYK;
    else
        ci->out_color_space = JCS_RGB;
    while (denom > 1 && shorter / denom < size)
        denom /= 2;
    ci->scale_num = 1;
    ci->scale_denom = denom;
}

/* libjpeg reports errors by longjmp: nothing but px (volatile) changes
 * between setjmp and a jump back. */
static int
decode_jpeg(const uint8_t *buf, size_t len, unsigned size, struct decoded *d, char *why,
            size_t why_len)
{
    struct jpeg_decompress_struct ci;
    struct jpeg_fail fail;
    struct jpeg_progress_mgr progress;
    uint8_t *volatile px = NULL;
    size_t stride;

    memset(&ci, 0, sizeof ci);
    ci.err = jpeg_std_error(&fail.mgr);
    fail.mgr.error_exit = jpeg_on_error;
    fail.mgr.emit_message = jpeg_on_message;
    fail.code = POD_ERR_PARSE;
    fail.reading = 1;
    if (setjmp(fail.jump)) {
        jpeg_destroy_decompress(&ci);
        free(px);
        if (fail.code == POD_ERR_NOMEM)
            return no_memory(why, why_len);
        if (fail.code == POD_ERR_LIMIT) {
            pod_why(why, why_len, "the picture is too large or too complex to decode");
            return POD_ERR_LIMIT;
        }
        return damaged(why, why_len);
    }
    jpeg_create_decompress(&ci);
    ci.mem->max_memory_to_use = JPEG_MAX_MEMORY;
    progress.progress_monitor = jpeg_on_progress;
    ci.progress = &progress;
    jpeg_mem_src(&ci, buf, (unsigned long)len);
    jpeg_read_header(&ci, TRUE);
    if (check_size(MEDIA_IMAGE_JPEG, ci.image_width, ci.image_height, why, why_len) != POD_OK) {
        jpeg_destroy_decompress(&ci);
        return POD_ERR_LIMIT;
    }
    jpeg_choose_output(&ci, size);
    jpeg_start_decompress(&ci);

    stride = (size_t)ci.output_width * (size_t)ci.output_components;
    px = malloc(stride * ci.output_height);
    if (!px) {
        fail.code = POD_ERR_NOMEM;
        longjmp(fail.jump, 1);
    }
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW row = px + stride * ci.output_scanline;
        if (jpeg_read_scanlines(&ci, &row, 1) != 1)
            longjmp(fail.jump, 1); /* suspended: no more data */
    }
    fail.reading = 0; /* a missing EOI after the last row is harmless */
    jpeg_finish_decompress(&ci);

    d->px = px;
    d->w = (int)ci.output_width;
    d->h = (int)ci.output_height;
    d->n = ci.output_components;
    d->release = free;
    if (ci.out_color_space == JCS_CMYK) {
        cmyk_to_rgb(d->px, (size_t)d->w * (size_t)d->h, ci.saw_Adobe_marker);
        d->n = 3;
    }
    jpeg_destroy_decompress(&ci);
    return POD_OK;
}

/* libpng's simplified reader: 8-bit sRGB samples, gamma and palettes
 * resolved, grey and alpha kept as they are. */
static int
decode_png(const uint8_t *buf, size_t len, struct decoded *d, char *why, size_t why_len)
{
    png_image img;
    uint8_t *px;
    int ret;

    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, buf, len)) {
        png_image_free(&img);
        return damaged(why, why_len);
    }
    ret = check_size(MEDIA_IMAGE_PNG, img.width, img.height, why, why_len);
    if (ret != POD_OK) {
        png_image_free(&img);
        return ret;
    }
    img.format &= PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA;
    px = malloc(PNG_IMAGE_SIZE(img));
    if (!px) {
        png_image_free(&img);
        return no_memory(why, why_len);
    }
    if (!png_image_finish_read(&img, NULL, px, 0, NULL)) {
        png_image_free(&img);
        free(px);
        return damaged(why, why_len);
    }
    d->px = px;
    d->w = (int)img.width;
    d->h = (int)img.height;
    d->n = (int)PNG_IMAGE_PIXEL_CHANNELS(img.format);
    d->release = free;
    png_image_free(&img);
    return POD_OK;
}

static int
decode_gif(const uint8_t *buf, size_t len, struct decoded *d, char *why, size_t why_len)
{
    if (len > INT_MAX) /* stb counts bytes in an int */
        return damaged(why, why_len);
    /* First frame only (stbi_load_gif_from_memory would load them all). */
    d->px = stbi_load_from_memory(buf, (int)len, &d->w, &d->h, &d->n, 4);
    if (!d->px) {
        const char *reason = stbi_failure_reason(); /* thread-local in Debian's build */
        if (reason && strcmp(reason, "outofmem") == 0)
            return no_memory(why, why_len);
        return damaged(why, why_len);
    }
    d->n = 4;
    d->release = stbi_image_free;
    return POD_OK;
}

/* The centre square, cropped by the decoder and, when it is much larger
 * than size, scaled there to 2*size (libwebp averages the pixels); the
 * last step to size is ours, as for every format. */
static int
decode_webp(const uint8_t *buf, size_t len, unsigned size, struct decoded *d, char *why,
            size_t why_len)
{
    WebPDecoderConfig cfg;
    unsigned side, out;
    int n, ret;
    uint8_t *px;

    if (!WebPInitDecoderConfig(&cfg) || WebPGetFeatures(buf, len, &cfg.input) != VP8_STATUS_OK)
        return damaged(why, why_len);
    if (cfg.input.has_animation) {
        pod_why(why, why_len, "animated WebP pictures are not supported");
        return POD_ERR_PARSE;
    }
    ret = check_size(MEDIA_IMAGE_WEBP, (unsigned)cfg.input.width, (unsigned)cfg.input.height, why,
                     why_len);
    if (ret != POD_OK)
        return ret;
    side = (unsigned)(cfg.input.width < cfg.input.height ? cfg.input.width : cfg.input.height);
    cfg.options.use_cropping = 1;
    cfg.options.crop_left = (int)(((unsigned)cfg.input.width - side) / 2 & ~1u); /* even */
    cfg.options.crop_top = (int)(((unsigned)cfg.input.height - side) / 2 & ~1u);
    cfg.options.crop_width = cfg.options.crop_height = (int)side;
    out = side;
    if (side > 2 * size) {
        out = 2 * size;
        cfg.options.use_scaling = 1;
        cfg.options.scaled_width = cfg.options.scaled_height = (int)out;
    }
    n = cfg.input.has_alpha ? 4 : 3;
    px = malloc((size_t)out * out * (size_t)n);
    if (!px)
        return no_memory(why, why_len);
    cfg.output.colorspace = n == 4 ? MODE_RGBA : MODE_RGB;
    cfg.output.is_external_memory = 1;
    cfg.output.u.RGBA.rgba = px;
    cfg.output.u.RGBA.stride = (int)(out * (unsigned)n);
    cfg.output.u.RGBA.size = (size_t)out * out * (size_t)n;
    if (WebPDecode(buf, len, &cfg) != VP8_STATUS_OK) {
        WebPFreeDecBuffer(&cfg.output);
        free(px);
        return damaged(why, why_len);
    }
    WebPFreeDecBuffer(&cfg.output); /* nothing of its own to free: memory is ours */
    d->px = px;
    d->w = d->h = (int)out;
    d->n = n;
    d->release = free;
    return POD_OK;
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
    struct jpeg_head jh = {0, 0, 1};
    enum media_image_type type;
    uint8_t *scaled = NULL, *rgb = NULL, *turned = NULL;
    unsigned w, h;
    int ret, side, alpha;
    const uint8_t *corner;

    if (rgb_out)
        *rgb_out = NULL;
    if (!rgb_out || !buf || size == 0 || size > MEDIA_SQUARE_MAX) {
        pod_why(why, why_len, "bad arguments");
        return POD_ERR_INVAL;
    }
    ret = media_image_probe(buf, len, &type, &w, &h);
    if (ret != POD_OK) {
        if (type == MEDIA_IMAGE_UNKNOWN)
            pod_why(why, why_len, "not a JPEG, PNG, GIF or WebP picture");
        else
            damaged(why, why_len);
        return ret;
    }
    /* From the header, before any decoder allocates; each decoder checks
     * again the size it is about to use. */
    ret = check_size(type, w, h, why, why_len);
    if (ret != POD_OK)
        return ret;
    switch (type) {
    case MEDIA_IMAGE_JPEG:
        jpeg_head_read(buf, len, &jh);
        ret = decode_jpeg(buf, len, size, &d, why, why_len);
        break;
    case MEDIA_IMAGE_PNG:
        ret = decode_png(buf, len, &d, why, why_len);
        break;
    case MEDIA_IMAGE_GIF:
        ret = decode_gif(buf, len, &d, why, why_len);
        break;
    default:
        ret = decode_webp(buf, len, size, &d, why, why_len);
        break;
    }
    if (ret != POD_OK)
        return ret;
    if (d.w <= 0 || d.h <= 0 || d.n < 1 || d.n > 4) {
        ret = damaged(why, why_len);
        goto out;
    }
    ret = check_size(type, (unsigned)d.w, (unsigned)d.h, why, why_len); /* never trust blindly */
    if (ret != POD_OK)
        goto out;

    side = d.w < d.h ? d.w : d.h;
    corner = d.px +
             ((size_t)((d.h - side) / 2) * (size_t)d.w + (size_t)((d.w - side) / 2)) * (size_t)d.n;
    alpha = d.n == 2 ? 1 : d.n == 4 ? 3 : STBIR_ALPHA_CHANNEL_NONE;
    scaled = malloc((size_t)size * size * (size_t)d.n);
    rgb = malloc((size_t)size * size * 3);
    if (!scaled || !rgb) {
        ret = no_memory(why, why_len);
        goto out;
    }
    /* Mitchell filter when shrinking, Catmull-Rom when enlarging, in linear
     * light; colours are weighted by alpha so transparent pixels do not
     * bleed their (arbitrary) colour into the edges. */
    if (!stbir_resize_uint8_generic(corner, side, side, d.w * d.n, scaled, (int)size, (int)size,
                                    (int)size * d.n, d.n, alpha, 0, STBIR_EDGE_CLAMP,
                                    STBIR_FILTER_DEFAULT, STBIR_COLORSPACE_SRGB, NULL)) {
        ret = no_memory(why, why_len);
        goto out;
    }
    flatten_rgb(scaled, d.n, (size_t)size * size, rgb);

    if (jh.orientation != 1) {
        turned = malloc((size_t)size * size * 3);
        if (!turned) {
            ret = no_memory(why, why_len);
            goto out;
        }
        orient_square(rgb, turned, size, jh.orientation);
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

    LOG_ERR("media", "picture %s: %s", what, strerror(e));
    pod_why(why, why_len,
            e == ENOSPC || e == EDQUOT ? "the pod's storage is full"
                                       : "the pod could not save the picture");
    return e == ENOSPC || e == EDQUOT ? POD_ERR_FULL : POD_ERR_IO;
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
media_avatar_path(const char *data_dir, const char *hash, const char *size, char *out, size_t cap)
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

/* Paths of one avatar set, on the heap: 16 KB would be a big bite of a
 * 64 KB worker stack. */
struct avatar_paths {
    char media[PATH_MAX], dir[PATH_MAX], file[3][PATH_MAX];
};

static int
all_exist(const struct avatar_paths *p)
{
    struct stat st;

    for (int i = 0; i < 3; i++)
        if (stat(p->file[i], &st) != 0 || !S_ISREG(st.st_mode))
            return 0;
    return 1;
}

/* dst (to*to RGB) = src (from*from RGB) scaled. */
static int
scale_rgb(const uint8_t *src, unsigned from, uint8_t *dst, unsigned to)
{
    return stbir_resize_uint8_generic(src, (int)from, (int)from, (int)from * 3, dst, (int)to,
                                      (int)to, (int)to * 3, 3, STBIR_ALPHA_CHANNEL_NONE, 0,
                                      STBIR_EDGE_CLAMP, STBIR_FILTER_DEFAULT, STBIR_COLORSPACE_SRGB,
                                      NULL)
               ? POD_OK
               : POD_ERR_NOMEM;
}

int
media_avatar_store(const char *data_dir, const uint8_t *buf, size_t len, char hash_out[65],
                   char *why, size_t why_len)
{
    uint8_t digest[CRYPTO_SHA256_LEN];
    char hash[65];
    struct avatar_paths *p = NULL;
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
    p = malloc(sizeof *p);
    if (!p)
        return no_memory(why, why_len);
    ret = POD_OK;
    if ((size_t)snprintf(p->media, sizeof p->media, "%s/media", data_dir) >= sizeof p->media ||
        (size_t)snprintf(p->dir, sizeof p->dir, "%s/media/avatars", data_dir) >= sizeof p->dir)
        ret = POD_ERR_INVAL;
    for (int i = 0; i < 3 && ret == POD_OK; i++)
        ret = media_avatar_path(data_dir, hash, size_names[i], p->file[i], sizeof p->file[i]);
    if (ret != POD_OK) {
        pod_why(why, why_len, "the data directory path is too long");
        ret = POD_ERR_INVAL;
        goto out;
    }
    if (all_exist(p)) { /* same bytes, same avatars: nothing to do */
        memcpy(hash_out, hash, sizeof hash);
        goto out;
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

    if ((ret = ensure_dir(p->media, data_dir, why, why_len)) != POD_OK ||
        (ret = ensure_dir(p->dir, p->media, why, why_len)) != POD_OK)
        goto out;
    for (int i = 0; i < 3; i++) {
        jpg.len = 0;
        ret = encode_jpeg(px[i], size_pixels[i], &jpg);
        if (ret != POD_OK) {
            pod_why(why, why_len, "the pod has not enough memory for this picture");
            goto out;
        }
        ret = write_file_atomic(p->file[i], jpg.p, jpg.len, why, why_len);
        if (ret != POD_OK)
            goto out;
    }
    if (fsync_dir(p->dir) != 0) {
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
    free(p);
    return ret;
}

/* --------------------------------------------------------------- photos */

const char *const media_photo_size_names[MEDIA_PHOTO_SIZES] = {
    "thumb_small", "thumb_medium", "thumb_large", "scaled_full", "raw",
};
static const unsigned photo_square[3] = {50, 100, 300};

int
media_photo_path(const char *data_dir, const char *hash, const char *size, char *out, size_t cap)
{
    int n;
    size_t i;

    if (!data_dir || !hash || !size || !out || cap == 0 || !is_hash(hash))
        return POD_ERR_INVAL;
    for (i = 0; i < MEDIA_PHOTO_SIZES; i++)
        if (strcmp(size, media_photo_size_names[i]) == 0)
            break;
    if (i == MEDIA_PHOTO_SIZES)
        return POD_ERR_INVAL;
    n = snprintf(out, cap, "%s/media/photos/%s-%s.jpg", data_dir, hash, media_photo_size_names[i]);
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return POD_ERR_LIMIT;
    }
    return POD_OK;
}

/* (w, h) fitted into box x box, never enlarged; at least 1 x 1. */
static void
fit_box(unsigned w, unsigned h, unsigned box, unsigned *ow, unsigned *oh)
{
    if (w <= box && h <= box) {
        *ow = w, *oh = h;
    } else if (w >= h) {
        *ow = box;
        *oh = (unsigned)(((unsigned long long)h * box + w / 2) / w);
    } else {
        *oh = box;
        *ow = (unsigned)(((unsigned long long)w * box + h / 2) / h);
    }
    if (*ow == 0)
        *ow = 1;
    if (*oh == 0)
        *oh = 1;
}

/* The whole WebP picture, scaled inside the decoder to w x h. */
static int
decode_webp_fit(const uint8_t *buf, size_t len, unsigned w, unsigned h, struct decoded *d,
                char *why, size_t why_len)
{
    WebPDecoderConfig cfg;
    int n, ret;
    uint8_t *px;

    if (!WebPInitDecoderConfig(&cfg) || WebPGetFeatures(buf, len, &cfg.input) != VP8_STATUS_OK)
        return damaged(why, why_len);
    if (cfg.input.has_animation) {
        pod_why(why, why_len, "animated WebP pictures are not supported");
        return POD_ERR_PARSE;
    }
    ret = check_size(MEDIA_IMAGE_WEBP, (unsigned)cfg.input.width, (unsigned)cfg.input.height, why,
                     why_len);
    if (ret != POD_OK)
        return ret;
    if (w != (unsigned)cfg.input.width || h != (unsigned)cfg.input.height) {
        cfg.options.use_scaling = 1;
        cfg.options.scaled_width = (int)w;
        cfg.options.scaled_height = (int)h;
    }
    n = cfg.input.has_alpha ? 4 : 3;
    px = malloc((size_t)w * h * (size_t)n);
    if (!px)
        return no_memory(why, why_len);
    cfg.output.colorspace = n == 4 ? MODE_RGBA : MODE_RGB;
    cfg.output.is_external_memory = 1;
    cfg.output.u.RGBA.rgba = px;
    cfg.output.u.RGBA.stride = (int)(w * (unsigned)n);
    cfg.output.u.RGBA.size = (size_t)w * h * (size_t)n;
    if (WebPDecode(buf, len, &cfg) != VP8_STATUS_OK) {
        WebPFreeDecBuffer(&cfg.output);
        free(px);
        return damaged(why, why_len);
    }
    WebPFreeDecBuffer(&cfg.output);
    d->px = px;
    d->w = (int)w;
    d->h = (int)h;
    d->n = n;
    d->release = free;
    return POD_OK;
}

/* out (the shown size: w x h, or h x w for orientations 5..8) = in (w x h
 * RGB as stored) turned upright by EXIF orientation o. */
static void
orient_rect(const uint8_t *in, uint8_t *out, unsigned w, unsigned h, unsigned o)
{
    unsigned ow = o >= 5 ? h : w, oh = o >= 5 ? w : h;

    for (unsigned y = 0; y < oh; y++) {
        for (unsigned x = 0; x < ow; x++) {
            unsigned sx, sy;
            switch (o) {
            case 2:
                sx = w - 1 - x, sy = y;
                break;
            case 3:
                sx = w - 1 - x, sy = h - 1 - y;
                break;
            case 4:
                sx = x, sy = h - 1 - y;
                break;
            case 5:
                sx = y, sy = x;
                break;
            case 6:
                sx = y, sy = h - 1 - x;
                break;
            case 7:
                sx = w - 1 - y, sy = h - 1 - x;
                break;
            case 8:
                sx = w - 1 - y, sy = x;
                break;
            default:
                sx = x, sy = y;
            }
            memcpy(out + ((size_t)y * ow + x) * 3, in + ((size_t)sy * w + sx) * 3, 3);
        }
    }
}

/* Decodes buf into upright RGB fitted in MEDIA_PHOTO_RAW_MAX (rw x rh, as
 * stored before orientation: the caller passes the stored size). */
static int
photo_decode(const uint8_t *buf, size_t len, enum media_image_type type, unsigned rw, unsigned rh,
             unsigned orientation, uint8_t **rgb_out, char *why, size_t why_len)
{
    struct decoded d = {0};
    uint8_t *scaled = NULL, *rgb = NULL, *turned = NULL;
    int ret, alpha;

    switch (type) {
    case MEDIA_IMAGE_JPEG:
        ret = decode_jpeg(buf, len, rw < rh ? rw : rh, &d, why, why_len);
        break;
    case MEDIA_IMAGE_PNG:
        ret = decode_png(buf, len, &d, why, why_len);
        break;
    case MEDIA_IMAGE_GIF:
        ret = decode_gif(buf, len, &d, why, why_len);
        break;
    default:
        ret = decode_webp_fit(buf, len, rw, rh, &d, why, why_len);
        break;
    }
    if (ret != POD_OK)
        return ret;
    if (d.w <= 0 || d.h <= 0 || d.n < 1 || d.n > 4) {
        ret = damaged(why, why_len);
        goto out;
    }
    ret = check_size(type, (unsigned)d.w, (unsigned)d.h, why, why_len);
    if (ret != POD_OK)
        goto out;
    rgb = malloc((size_t)rw * rh * 3);
    if (!rgb) {
        ret = no_memory(why, why_len);
        goto out;
    }
    if ((unsigned)d.w == rw && (unsigned)d.h == rh) {
        flatten_rgb(d.px, d.n, (size_t)rw * rh, rgb);
    } else {
        alpha = d.n == 2 ? 1 : d.n == 4 ? 3 : STBIR_ALPHA_CHANNEL_NONE;
        scaled = malloc((size_t)rw * rh * (size_t)d.n);
        if (!scaled ||
            !stbir_resize_uint8_generic(d.px, d.w, d.h, d.w * d.n, scaled, (int)rw, (int)rh,
                                        (int)rw * d.n, d.n, alpha, 0, STBIR_EDGE_CLAMP,
                                        STBIR_FILTER_DEFAULT, STBIR_COLORSPACE_SRGB, NULL)) {
            ret = no_memory(why, why_len);
            goto out;
        }
        flatten_rgb(scaled, d.n, (size_t)rw * rh, rgb);
    }
    if (orientation != 1) {
        turned = malloc((size_t)rw * rh * 3);
        if (!turned) {
            ret = no_memory(why, why_len);
            goto out;
        }
        orient_rect(rgb, turned, rw, rh, orientation);
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

/* dst (dw x dh RGB) = the region of src (stride sw pixels) at its start,
 * w x h pixels, scaled. */
static int
scale_region(const uint8_t *src, unsigned w, unsigned h, unsigned sw, uint8_t *dst, unsigned dw,
             unsigned dh)
{
    return stbir_resize_uint8_generic(src, (int)w, (int)h, (int)(sw * 3), dst, (int)dw, (int)dh,
                                      (int)dw * 3, 3, STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP,
                                      STBIR_FILTER_DEFAULT, STBIR_COLORSPACE_SRGB, NULL)
               ? POD_OK
               : POD_ERR_NOMEM;
}

static int
encode_jpeg_wh(const uint8_t *rgb, unsigned w, unsigned h, struct membuf *m)
{
    if (!stbi_write_jpg_to_func(membuf_put, m, (int)w, (int)h, 3, rgb, JPEG_QUALITY) || m->failed)
        return POD_ERR_NOMEM;
    return POD_OK;
}

struct photo_paths {
    char media[PATH_MAX], dir[PATH_MAX], file[MEDIA_PHOTO_SIZES][PATH_MAX];
};

int
media_photo_store(const char *data_dir, const uint8_t *buf, size_t len, char hash_out[65],
                  unsigned *width, unsigned *height, char *why, size_t why_len)
{
    uint8_t digest[CRYPTO_SHA256_LEN];
    char hash[65];
    struct photo_paths *p = NULL;
    uint8_t *raw = NULL, *px = NULL;
    struct membuf jpg = {0};
    struct jpeg_head jh = {0, 0, 1};
    struct stat st;
    enum media_image_type type;
    unsigned w = 0, h = 0, sw, sh, rw, rh, ow, oh, side;
    int ret, have = 1, written = 0;

    if (!data_dir || !buf || !hash_out) {
        pod_why(why, why_len, "bad arguments");
        return POD_ERR_INVAL;
    }
    hash_out[0] = '\0';
    if (len > (size_t)CONFIG_POD_PHOTO_MAX_BYTES) {
        pod_why(why, why_len, "the picture file is too large (at most %u KiB)",
                (unsigned)CONFIG_POD_PHOTO_MAX_BYTES / 1024u);
        return POD_ERR_LIMIT;
    }
    ret = media_image_probe(buf, len, &type, &w, &h);
    if (ret != POD_OK) {
        if (type == MEDIA_IMAGE_UNKNOWN)
            pod_why(why, why_len, "not a JPEG, PNG, GIF or WebP picture");
        else
            damaged(why, why_len);
        return ret;
    }
    ret = check_size(type, w, h, why, why_len);
    if (ret != POD_OK)
        return ret;
    if (type == MEDIA_IMAGE_JPEG)
        jpeg_head_read(buf, len, &jh);
    /* The stored size fitted (the box is square, so orientation does not
     * change the fit), then the shown size. */
    fit_box(w, h, MEDIA_PHOTO_RAW_MAX, &sw, &sh);
    rw = jh.orientation >= 5 ? sh : sw;
    rh = jh.orientation >= 5 ? sw : sh;

    crypto_sha256(buf, len, digest);
    crypto_hex(digest, sizeof digest, hash);
    p = malloc(sizeof *p);
    if (!p)
        return no_memory(why, why_len);
    ret = POD_OK;
    if ((size_t)snprintf(p->media, sizeof p->media, "%s/media", data_dir) >= sizeof p->media ||
        (size_t)snprintf(p->dir, sizeof p->dir, "%s/media/photos", data_dir) >= sizeof p->dir)
        ret = POD_ERR_INVAL;
    for (int i = 0; i < MEDIA_PHOTO_SIZES && ret == POD_OK; i++)
        ret = media_photo_path(data_dir, hash, media_photo_size_names[i], p->file[i],
                               sizeof p->file[i]);
    if (ret != POD_OK) {
        pod_why(why, why_len, "the data directory path is too long");
        ret = POD_ERR_INVAL;
        goto out;
    }
    for (int i = 0; i < MEDIA_PHOTO_SIZES; i++)
        if (stat(p->file[i], &st) != 0 || !S_ISREG(st.st_mode))
            have = 0;
    if (have) /* same bytes, same files */
        goto done;

    pthread_mutex_lock(&decode_lock);
    ret = photo_decode(buf, len, type, sw, sh, jh.orientation, &raw, why, why_len);
    pthread_mutex_unlock(&decode_lock);
    if (ret != POD_OK) {
        LOG_INFO("media", "photo refused: %s, %zu bytes, %ux%u: %s", media_image_type_name(type),
                 len, w, h, pod_strerror(ret));
        goto out;
    }
    if ((ret = ensure_dir(p->media, data_dir, why, why_len)) != POD_OK ||
        (ret = ensure_dir(p->dir, p->media, why, why_len)) != POD_OK)
        goto out;
    px = malloc((size_t)MEDIA_PHOTO_FULL_WIDTH * MEDIA_PHOTO_RAW_MAX * 3 + 300 * 300 * 3);
    if (!px) {
        ret = no_memory(why, why_len);
        goto out;
    }
    side = rw < rh ? rw : rh;
    for (int i = 0; i < MEDIA_PHOTO_SIZES; i++) {
        const uint8_t *img = px;
        if (i < 3) {
            ow = oh = photo_square[i];
            ret = scale_region(raw + ((size_t)((rh - side) / 2) * rw + (rw - side) / 2) * 3, side,
                               side, rw, px, ow, oh);
        } else if (i == 3 && rw > MEDIA_PHOTO_FULL_WIDTH) {
            ow = MEDIA_PHOTO_FULL_WIDTH;
            oh = (unsigned)(((unsigned long long)rh * ow + rw / 2) / rw);
            if (oh == 0)
                oh = 1;
            ret = scale_region(raw, rw, rh, rw, px, ow, oh);
        } else {
            ow = rw, oh = rh;
            img = raw;
            ret = POD_OK;
        }
        jpg.len = 0;
        if (ret == POD_OK)
            ret = encode_jpeg_wh(img, ow, oh, &jpg);
        if (ret != POD_OK) {
            ret = no_memory(why, why_len);
            goto out;
        }
        ret = write_file_atomic(p->file[i], jpg.p, jpg.len, why, why_len);
        if (ret != POD_OK)
            goto out;
        written = i + 1;
    }
    if (fsync_dir(p->dir) != 0) {
        ret = io_error("sync directory", why, why_len);
        goto out;
    }
    LOG_INFO("media", "photo stored: %s, %zu bytes, %ux%u", media_image_type_name(type), len, w, h);
done:
    memcpy(hash_out, hash, sizeof hash);
    if (width)
        *width = rw;
    if (height)
        *height = rh;
    ret = POD_OK;
out:
    /* A picture refused half-way (a full disk) leaves none of its sizes
     * behind: no post refers to an incomplete set. */
    for (int i = 0; ret != POD_OK && i < written; i++)
        unlink(p->file[i]);
    free(raw);
    free(px);
    free(jpg.p);
    free(p);
    return ret;
}
