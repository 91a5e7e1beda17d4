/*
 * image.h - pictures people upload (avatars now, photos later): recognise
 * the format by its bytes, decode within limits, crop and scale, and
 * re-encode. Re-encoding drops every bit of metadata (EXIF location,
 * camera serials, comments): only pixels survive.
 */
#ifndef POD_MEDIA_IMAGE_H
#define POD_MEDIA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

enum media_image_type {
    MEDIA_IMAGE_UNKNOWN = 0,
    MEDIA_IMAGE_JPEG,
    MEDIA_IMAGE_PNG,
    MEDIA_IMAGE_GIF,
    MEDIA_IMAGE_WEBP,
};

/* The format buf starts with, by magic bytes alone (never by file name or
 * the client's Content-Type). */
enum media_image_type media_image_sniff(const uint8_t *buf, size_t len);

/* "jpeg", "png", "gif", "webp" or "unknown". */
const char *media_image_type_name(enum media_image_type t);

/* The avatar sizes, square, in pixels. */
#define MEDIA_AVATAR_LARGE  300
#define MEDIA_AVATAR_MEDIUM 100
#define MEDIA_AVATAR_SMALL  50

/* Makes an avatar set from an uploaded image (len ≤ CONFIG_POD_AVATAR_MAX_BYTES,
 * at most MEDIA_MAX_PIXELS pixels): decodes it (first frame of a GIF),
 * crops the centre square, scales it to 300, 100 and 50 px and writes
 * three JPEG files into DATA/media/avatars/ named <hash>-<size>.jpg, where
 * hash (65 bytes with the NUL, into hash_out) is the hex SHA-256 of the
 * uploaded bytes. Files are written to a temporary name, fsync'd and
 * renamed. Returns POD_ERR_LIMIT (too large), POD_ERR_PARSE (not a
 * picture, or a damaged one), POD_ERR_FULL (no space left) or POD_ERR_IO,
 * with a one-line reason that may be shown to the user in why. */
int media_avatar_store(const char *data_dir, const uint8_t *buf, size_t len, char hash_out[65],
                       char *why, size_t why_len);

/* Writes the path of one avatar file ("large", "medium" or "small") into
 * out. POD_ERR_INVAL for a hash that is not 64 hex digits or an unknown
 * size name, so a request path can never leave the media folder. */
int media_avatar_path(const char *data_dir, const char *hash, const char *size, char *out,
                      size_t cap);

#define MEDIA_MAX_PIXELS (25u * 1000u * 1000u) /* decompression bombs stop here */
#define MEDIA_MAX_SIDE   16384u                /* pixels, either side */
#define MEDIA_SQUARE_MAX 1024u                 /* largest size for decode_square */

/* Reads the format (by magic bytes) and the pixel size from the header
 * alone, without decoding or allocating. POD_ERR_PARSE when buf is not a
 * JPEG, PNG, GIF or WebP header or is cut before the size; the size is not
 * checked against the limits here. Pure: for the web layer and fuzzers. */
int media_image_probe(const uint8_t *buf, size_t len, enum media_image_type *type, unsigned *width,
                      unsigned *height);

/* The decoding half of media_avatar_store, without files: decodes buf (the
 * first frame of a GIF), turns a JPEG upright by its EXIF orientation,
 * flattens transparency onto white, crops the centre square and scales it
 * to size x size pixels (1..MEDIA_SQUARE_MAX). On success *rgb_out is a new
 * buffer of size*size*3 bytes (RGB, rows top to bottom) that the caller
 * frees with free(). Returns POD_ERR_LIMIT (over MEDIA_MAX_PIXELS or
 * MEDIA_MAX_SIDE, checked before the pixels are allocated; GIFs over 10 MP;
 * progressive JPEGs needing over 100 MB or 64 scans), POD_ERR_PARSE (not a
 * picture, damaged or cut short, animated WebP), POD_ERR_NOMEM or
 * POD_ERR_INVAL, with a one-line reason for the user in why. Memory while
 * it runs, all freed before it returns: a few MB for baseline JPEG and
 * WebP (scaled inside the decoder), 3 bytes a pixel more for progressive
 * 4:2:0 JPEG (6 for 4:4:4), 1 to 4 for PNG, 9 for GIF. No byte-count limit here: the caller
 * applies one. Thread-safe; keeps no state. */
int media_image_decode_square(const uint8_t *buf, size_t len, unsigned size, uint8_t **rgb_out,
                              char *why, size_t why_len);

/* ---- photos ---- */

/* The photo sizes diaspora* serves, by name: "thumb_small" (50 px square),
 * "thumb_medium" (100), "thumb_large" (300), "scaled_full" (700 px wide at
 * most) and "raw" (within 2048 x 2048). Neither of the last two is ever
 * scaled up. */
#define MEDIA_PHOTO_SIZES      5
#define MEDIA_PHOTO_FULL_WIDTH 700u
#define MEDIA_PHOTO_RAW_MAX    2048u
extern const char *const media_photo_size_names[MEDIA_PHOTO_SIZES];

/* Makes the photo set of an uploaded image (len <= CONFIG_POD_PHOTO_MAX_BYTES,
 * the limits of media_image_decode_square otherwise): decodes it, turns a
 * JPEG upright by its EXIF orientation, flattens transparency onto white
 * and writes one fresh JPEG per size into DATA/media/photos/ named
 * <hash>-<size>.jpg (hash: hex SHA-256 of the uploaded bytes, into
 * hash_out). Every file is re-encoded, so no metadata survives. *width and
 * *height get the size of the "raw" file. Same errors as
 * media_avatar_store. */
int media_photo_store(const char *data_dir, const uint8_t *buf, size_t len, char hash_out[65],
                      unsigned *width, unsigned *height, char *why, size_t why_len);

/* Writes the path of one photo file into out. POD_ERR_INVAL for a hash
 * that is not 64 lowercase hex digits or an unknown size name. */
int media_photo_path(const char *data_dir, const char *hash, const char *size, char *out,
                     size_t cap);

#endif
