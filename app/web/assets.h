/*
 * assets.h - files embedded in the binary (images, later stylesheets and
 * scripts): no file system access to serve them.
 */
#ifndef POD_WEB_ASSETS_H
#define POD_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
    const char *path; /* URL path, e.g. "/assets/user/default.png" */
    const char *content_type;
    const unsigned char *data;
    size_t len;
};

/* The asset served at path, or NULL. */
const struct web_asset *web_asset_find(const char *path);

#define WEB_DEFAULT_AVATAR "/assets/user/default.png"

#endif
