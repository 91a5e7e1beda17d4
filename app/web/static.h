/*
 * static.h - the web UI's stylesheet, script and icons (app/web/static),
 * embedded in the binary at build time by cmake/embed_static.cmake with a
 * gzip copy and an ETag each. Served at /assets/NAME?v=ETAG with a year's
 * cache lifetime; a page names them through web_static_url so a new build
 * is fetched at once.
 */
#ifndef POD_WEB_STATIC_H
#define POD_WEB_STATIC_H

#include <stddef.h>

#include "web/request.h"

struct web_static {
    const char *name;         /* file name, e.g. "style.css" */
    const char *content_type; /* MIME type with charset for text */
    const unsigned char *data;
    size_t len;
    const unsigned char *gz; /* gzip copy, or NULL when it would not help */
    size_t gz_len;
    const char *etag; /* 16 hex digits of the content's SHA-256 */
};

/* The generated table (static_files.c). */
extern const struct web_static web_static_files[];
extern const unsigned web_static_count;

/* The embedded file called name, or NULL. */
const struct web_static *web_static_find(const char *name);

/* "/assets/NAME?v=ETAG" for an embedded file (a static string per file,
 * made once); "/assets/NAME" when there is no such file. */
const char *web_static_url(const char *name);

/* True when an Accept-Encoding header (may be NULL) takes gzip (and not
 * "gzip;q=0"). Pure, like the next: page_static_file reads the headers. */
bool web_takes_gzip(const char *accept);

/* True when an If-None-Match header (may be NULL) is "*" or names etag
 * (non-empty) quoted, maybe W/. */
bool web_etag_matches(const char *inm, const char *etag);

/* GET /assets/:file: the file with ETag, If-None-Match (304), gzip when
 * the client takes it, and long caching when ?v= names this version. */
int page_static_file(struct web_req *req);

#endif
