/*
 * url.h - the URLs the outbound client accepts: http(s)://host[:port]/path?query.
 *
 * Deliberately narrow: no userinfo, no control characters, spaces or
 * non-ASCII bytes anywhere, no percent-escapes in the host (IDNs arrive as
 * punycode), IPv6 literals only in brackets and without a zone. Anything
 * the client will connect to first went through here, so an odd spelling
 * cannot make the parser and the resolver disagree about the host. Numeric
 * host spellings such as "0x7f.1" parse as names; the address guard judges
 * what they resolve to. Pure functions, no I/O: inputs are borrowed for
 * the call, results go into the caller's struct or buffer.
 */
#ifndef POD_HTTP_URL_H
#define POD_HTTP_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_URL_HOST_MAX 253  /* longest DNS name; an IPv6 literal is shorter */
#define HTTP_URL_MAX      2048 /* whole URL text, and the path with its query */

struct http_url {
    bool https;
    bool ipv6;                        /* host is an IPv6 literal (bracketed on output) */
    uint16_t port;                    /* the scheme's default when absent */
    char host[HTTP_URL_HOST_MAX + 1]; /* lowercase, without brackets */
    char path[HTTP_URL_MAX + 1];      /* "/" at least, with "?query"; no fragment */
};

/* Parses text[0..len) (no NUL needed) into out. The fragment is dropped.
 * POD_ERR_INVAL for anything else than an absolute http or https URL of
 * the shape above, POD_ERR_LIMIT when longer than HTTP_URL_MAX. */
int http_url_parse(const char *text, size_t len, struct http_url *out);

/* Resolves a redirect target ref[0..len) (a Location value: absolute URL,
 * "//host/path", "/path" or "relative/path") against base into out (which
 * may not be base). Dot segments are left to the server. Same errors as
 * http_url_parse. */
int http_url_resolve(const struct http_url *base, const char *ref, size_t len,
                     struct http_url *out);

/* Writes "host", "host:port" or "[v6]:port" (the port only when not the
 * scheme's default) into out (cap bytes, NUL-ended): the Host header.
 * POD_ERR_LIMIT if it does not fit. */
int http_url_authority(const struct http_url *u, char *out, size_t cap);

/* Writes the whole URL ("https://host[:port]/path?query") into out (cap
 * bytes). POD_ERR_LIMIT if it does not fit. */
int http_url_format(const struct http_url *u, char *out, size_t cap);

/* True when a and b have the same scheme, host and port. */
bool http_url_same_origin(const struct http_url *a, const struct http_url *b);

#endif
