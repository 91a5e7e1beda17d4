/* Fuzz target: the picture path of app/media/image.c without files:
 * sniffing, header probing, decoding (stb for JPEG/PNG/GIF, libwebp), the
 * EXIF orientation reader, cropping, scaling and flattening. Whatever
 * decodes must give a whole size x size RGB buffer. */
#include <stdint.h>
#include <stdlib.h>

#include "core/error.h"
#include "media/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Headers claiming more than this are only probed: the pixel limit itself
 * is a unit test, and big decodes would slow every run to a crawl. */
#define FUZZ_MAX_PIXELS (1u << 18)
#define FUZZ_SIDE       40u

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum media_image_type t;
    unsigned w = 0, h = 0;
    volatile unsigned sum = 0; /* keeps the reads below */
    uint8_t *rgb = NULL;
    char why[128];
    int ret;

    if (size > 1 << 20)
        return 0;
    if (media_image_probe(data, size, &t, &w, &h) != POD_OK) {
        if (t != media_image_sniff(data, size))
            abort();
        return 0;
    }
    if ((unsigned long long)w * h > FUZZ_MAX_PIXELS)
        return 0;
    ret = media_image_decode_square(data, size, FUZZ_SIDE, &rgb, why, sizeof why);
    if (ret == POD_OK) {
        if (!rgb)
            abort();
        for (size_t i = 0; i < FUZZ_SIDE * FUZZ_SIDE * 3; i++) /* all of it is readable */
            sum += rgb[i];
        free(rgb);
    } else if (rgb || (ret != POD_ERR_PARSE && ret != POD_ERR_LIMIT && ret != POD_ERR_NOMEM)) {
        abort();
    }
    return 0;
}
