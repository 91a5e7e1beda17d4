/*
 * url.c - parsing and resolving the URLs of outbound requests (url.h).
 *
 * The accepted grammar is a strict subset of RFC 3986: what a pod needs to
 * reach another pod and nothing a resolver or a server could read
 * differently from us.
 */
#include "http/url.h"

#include "core/error.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool
is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned char
lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* RFC 3986 pchar (without '%', checked separately) plus '/' and '?'. */
static bool
is_path_char(unsigned char c)
{
    if (is_alpha(c) || is_digit(c))
        return true;
    return strchr("-._~!$&'()*+,;=:@/?", c) != NULL && c != '\0';
}

/* Checks "scheme://" case-insensitively; *skip gets its length. */
static int
scheme_parse(const char *s, size_t len, bool *https, size_t *skip)
{
    static const char http[] = "http://", httpsx[] = "https://";

    if (len >= sizeof httpsx - 1 && !strncasecmp(s, httpsx, sizeof httpsx - 1)) {
        *https = true;
        *skip = sizeof httpsx - 1;
        return POD_OK;
    }
    if (len >= sizeof http - 1 && !strncasecmp(s, http, sizeof http - 1)) {
        *https = false;
        *skip = sizeof http - 1;
        return POD_OK;
    }
    return POD_ERR_INVAL;
}

/* A DNS name or IPv4 spelling: letters, digits, '-', '_', '.', no empty label
 * inside (a single trailing dot is fine). */
static int
host_name_check(const char *h, size_t n)
{
    if (n == 0 || h[0] == '.')
        return POD_ERR_INVAL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '.'))
            return POD_ERR_INVAL;
        if (c == '.' && i + 1 < n && h[i + 1] == '.')
            return POD_ERR_INVAL;
    }
    return POD_OK;
}

static int
port_parse(const char *p, size_t n, uint16_t *port)
{
    unsigned long v = 0;

    if (n == 0 || n > 5)
        return POD_ERR_INVAL;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)p[i]))
            return POD_ERR_INVAL;
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    if (v == 0 || v > 65535)
        return POD_ERR_INVAL;
    *port = (uint16_t)v;
    return POD_OK;
}

/* Parses the authority a[0..n): "host", "host:port", "[v6]" or "[v6]:port". */
static int
authority_parse(const char *a, size_t n, struct http_url *out)
{
    const char *host = a, *port = NULL;
    size_t host_len, port_len = 0;
    unsigned char v6[16];

    if (memchr(a, '@', n))
        return POD_ERR_INVAL; /* userinfo: refused, it only ever serves to deceive */
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (!close)
            return POD_ERR_INVAL;
        host = a + 1;
        host_len = (size_t)(close - host);
        if (close + 1 < a + n) {
            if (close[1] != ':')
                return POD_ERR_INVAL;
            port = close + 2;
            port_len = (size_t)(a + n - port);
        }
        /* Only hex digits, ':' and '.' (an embedded IPv4): no zone id. */
        if (host_len == 0 || host_len > 45)
            return POD_ERR_INVAL;
        for (size_t i = 0; i < host_len; i++) {
            unsigned char c = (unsigned char)host[i];
            if (!(is_hex(c) || c == ':' || c == '.'))
                return POD_ERR_INVAL;
        }
        for (size_t i = 0; i < host_len; i++)
            out->host[i] = (char)lower((unsigned char)host[i]);
        out->host[host_len] = '\0';
        if (inet_pton(AF_INET6, out->host, v6) != 1)
            return POD_ERR_INVAL;
        out->ipv6 = true;
    } else {
        const char *colon = memchr(a, ':', n);
        host_len = colon ? (size_t)(colon - a) : n;
        if (colon) {
            port = colon + 1;
            port_len = (size_t)(a + n - port);
        }
        if (host_len > HTTP_URL_HOST_MAX || host_name_check(host, host_len) != POD_OK)
            return POD_ERR_INVAL;
        for (size_t i = 0; i < host_len; i++)
            out->host[i] = (char)lower((unsigned char)host[i]);
        out->host[host_len] = '\0';
        out->ipv6 = false;
    }
    if (port)
        return port_parse(port, port_len, &out->port);
    out->port = out->https ? 443 : 80;
    return POD_OK;
}

/* Checks and copies the path and query p[0..n) (fragment already cut). */
static int
path_parse(const char *p, size_t n, struct http_url *out)
{
    size_t o = 0;

    if (n == 0 || p[0] == '?')
        out->path[o++] = '/';
    if (o + n > HTTP_URL_MAX)
        return POD_ERR_LIMIT;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '%') {
            if (i + 2 >= n || !is_hex((unsigned char)p[i + 1]) || !is_hex((unsigned char)p[i + 2]))
                return POD_ERR_INVAL;
        } else if (!is_path_char(c)) {
            return POD_ERR_INVAL;
        }
        out->path[o++] = (char)c;
    }
    out->path[o] = '\0';
    return POD_OK;
}

int
http_url_parse(const char *text, size_t len, struct http_url *out)
{
    size_t skip, auth_end, end;
    const char *hash;
    int ret;

    memset(out, 0, sizeof *out);
    if (len > HTTP_URL_MAX)
        return POD_ERR_LIMIT;
    ret = scheme_parse(text, len, &out->https, &skip);
    if (ret != POD_OK)
        return ret;
    hash = memchr(text, '#', len);
    end = hash ? (size_t)(hash - text) : len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c <= 0x20 || c >= 0x7f || c == '\\')
            return POD_ERR_INVAL; /* also inside the dropped fragment */
    }
    auth_end = skip;
    while (auth_end < end && text[auth_end] != '/' && text[auth_end] != '?')
        auth_end++;
    ret = authority_parse(text + skip, auth_end - skip, out);
    if (ret != POD_OK)
        return ret;
    return path_parse(text + auth_end, end - auth_end, out);
}

int
http_url_authority(const struct http_url *u, char *out, size_t cap)
{
    bool default_port = u->port == (u->https ? 443 : 80);
    int n;

    if (u->ipv6)
        n = default_port ? snprintf(out, cap, "[%s]", u->host)
                         : snprintf(out, cap, "[%s]:%u", u->host, (unsigned)u->port);
    else
        n = default_port ? snprintf(out, cap, "%s", u->host)
                         : snprintf(out, cap, "%s:%u", u->host, (unsigned)u->port);
    return n < 0 || (size_t)n >= cap ? POD_ERR_LIMIT : POD_OK;
}

int
http_url_format(const struct http_url *u, char *out, size_t cap)
{
    const char *scheme = u->https ? "https://" : "http://";
    size_t sl = strlen(scheme), al, pl = strlen(u->path);

    if (cap <= sl)
        return POD_ERR_LIMIT;
    memcpy(out, scheme, sl);
    if (http_url_authority(u, out + sl, cap - sl) != POD_OK)
        return POD_ERR_LIMIT;
    al = strlen(out + sl);
    if (sl + al + pl >= cap)
        return POD_ERR_LIMIT;
    memcpy(out + sl + al, u->path, pl + 1);
    return POD_OK;
}

int
http_url_resolve(const struct http_url *base, const char *ref, size_t len, struct http_url *out)
{
    char buf[HTTP_URL_MAX + 1];
    size_t n, keep, i;
    const char *q;

    if (len == 0)
        return POD_ERR_INVAL;
    if (len > HTTP_URL_MAX)
        return POD_ERR_LIMIT;
    /* Any scheme: only http and https parse; "javascript:" and such fail. */
    for (i = 0; i < len && (is_alpha((unsigned char)ref[i]) || is_digit((unsigned char)ref[i]) ||
                            ref[i] == '+' || ref[i] == '-' || ref[i] == '.');
         i++)
        ;
    if (i > 0 && i < len && ref[i] == ':' && is_alpha((unsigned char)ref[0]))
        return http_url_parse(ref, len, out);
    if (len >= 2 && ref[0] == '/' && ref[1] == '/') {
        n = (size_t)snprintf(buf, sizeof buf, "%s:", base->https ? "https" : "http");
        if (n + len > HTTP_URL_MAX)
            return POD_ERR_LIMIT;
        memcpy(buf + n, ref, len);
        return http_url_parse(buf, n + len, out);
    }
    /* Same authority: the base up to (and without) its path. */
    if (http_url_format(base, buf, sizeof buf) != POD_OK)
        return POD_ERR_LIMIT;
    n = strlen(buf) - strlen(base->path);
    if (ref[0] == '#') {
        keep = strlen(base->path); /* the same document */
        len = 0;
    } else if (ref[0] == '/') {
        keep = 0;
    } else if (ref[0] == '?') {
        q = strchr(base->path, '?');
        keep = q ? (size_t)(q - base->path) : strlen(base->path);
    } else {
        q = strchr(base->path, '?');
        keep = q ? (size_t)(q - base->path) : strlen(base->path);
        while (keep > 0 && base->path[keep - 1] != '/')
            keep--;
    }
    n += keep; /* buf already holds the base path after the authority */
    if (n + len > HTTP_URL_MAX)
        return POD_ERR_LIMIT;
    memcpy(buf + n, ref, len);
    return http_url_parse(buf, n + len, out);
}

bool
http_url_same_origin(const struct http_url *a, const struct http_url *b)
{
    return a->https == b->https && a->port == b->port && !strcmp(a->host, b->host);
}
