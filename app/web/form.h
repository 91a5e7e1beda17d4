/*
 * form.h - what browsers and clients send besides the URL: query strings
 * and form bodies (application/x-www-form-urlencoded and
 * multipart/form-data) and the Cookie header. Pure parsers over a buffer
 * with a length; everything they return lives in the arena passed in.
 */
#ifndef POD_WEB_FORM_H
#define POD_WEB_FORM_H

#include <stddef.h>

#include "core/arena.h"

#define WEB_FORM_MAX_FIELDS 64  /* more fields: POD_ERR_LIMIT */
#define WEB_FORM_MAX_NAME   128 /* longer field names: POD_ERR_LIMIT */

struct web_form_field {
    const char *name;         /* decoded, NUL-terminated */
    const char *value;        /* decoded, NUL-terminated (binary for files) */
    size_t value_len;         /* bytes in value, without the NUL */
    const char *filename;     /* multipart file parts: as sent, else NULL */
    const char *content_type; /* multipart parts that say one, else NULL */
};

struct web_form {
    struct web_form_field *fields;
    size_t count;
};

/* Parses "a=1&b=two+words&c=%C3%A9" (a query string or a urlencoded body).
 * '+' becomes a space, %XX is decoded; %00, a bad escape or a field
 * without a name is POD_ERR_PARSE. Fields without '=' get the value "". */
int web_form_parse_urlencoded(const char *buf, size_t len, struct pod_arena *a,
                              struct web_form *out);

/* Parses a multipart/form-data body; content_type is the request's header
 * (the boundary comes from it). Each part needs a Content-Disposition
 * form-data with a name. POD_ERR_PARSE for a malformed body, POD_ERR_LIMIT
 * beyond the field limits. */
int web_form_parse_multipart(const char *buf, size_t len, const char *content_type,
                             struct pod_arena *a, struct web_form *out);

/* The first field called name, or NULL. */
const struct web_form_field *web_form_field(const struct web_form *f, const char *name);

/* The value of the first field called name, or NULL. */
const char *web_form_get(const struct web_form *f, const char *name);

/* Copies the value of cookie name from a Cookie header ("a=1; b=2") into
 * out (cap bytes). POD_ERR_NOTFOUND if absent, POD_ERR_LIMIT if longer than
 * cap - 1, POD_ERR_PARSE for a header that is not a cookie list. */
int web_cookie_get(const char *header, const char *name, char *out, size_t cap);

#endif
