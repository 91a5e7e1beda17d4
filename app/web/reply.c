#include "web/reply.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civetweb.h"
#include "web/i18n.h"
#include "web/static.h"

/* Headers every answer carries: no sniffing, no framing by other sites, no
 * referrer leaks to other pods, and a CSP that allows only the pod itself. */
#define SECURITY_HEADERS                                                                           \
    "X-Content-Type-Options: nosniff\r\n"                                                          \
    "X-Frame-Options: DENY\r\n"                                                                    \
    "Referrer-Policy: same-origin\r\n"                                                             \
    "Content-Security-Policy: default-src 'self'; img-src 'self' https: data:; "                   \
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'\r\n"

const char *
web_status_text(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 507:
        return "Insufficient Storage";
    }
    return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
}

int
web_reply(struct web_req *req, int status, const char *content_type, const void *body, size_t len,
          const char *extra)
{
    if (req->answered)
        return req->status;
    req->answered = true;
    req->status = status;
    mg_printf(req->conn,
              "HTTP/1.1 %d %s\r\n"
              "Content-Type: %s\r\n"
              "Content-Length: %zu\r\n"
              "%s" SECURITY_HEADERS "%s%s"
              "\r\n",
              status, web_status_text(status), content_type, len,
              extra && strstr(extra, "Cache-Control:") ? "" : "Cache-Control: no-store\r\n",
              extra ? extra : "", req->extra_headers ? req->extra_headers : "");
    if (!req->head && len > 0)
        mg_write(req->conn, body, len);
    return status;
}

/* Writes the error body for status/message into buf; returns its length. */
static size_t
format_error_body(struct web_req *req, char *buf, size_t cap, bool json, int status,
                  const char *message)
{
    int n;

    if (json)
        n = snprintf(buf, cap, "{\"error\":{\"status\":%d,\"message\":\"%s\"}}\n", status, message);
    else
        n = snprintf(buf, cap,
                     "<!DOCTYPE html>\n<html lang=\"%s\" dir=\"%s\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width\">"
                     "<title>%d %s</title><link rel=\"stylesheet\" href=\"%s\"></head>\n"
                     "<body><main id=\"content\" class=\"layout\"><section><h1>%d %s</h1>\n"
                     "<p>%s</p>\n<p><a href=\"/\">%s</a></p></section></main>"
                     "</body></html>\n",
                     web_lang(req), web_dir(req), status, web_status_text(status),
                     web_static_url("style.css"), status, web_status_text(status), message,
                     web_tr(req, "Back to the pod"));
    if (n < 0)
        return 0;
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Error messages are fixed strings of ours, but keep them inert anyway:
 * drop characters that would need escaping in JSON or HTML. */
static void
sanitize_message(char *dst, size_t cap, const char *src)
{
    size_t j = 0;

    for (size_t i = 0; src[i] && j + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&')
            continue;
        dst[j++] = (char)c;
    }
    dst[j] = '\0';
}

int
web_reply_error(struct web_req *req, int status, const char *message)
{
    /* After refusing a request we did not read whole, the connection
     * cannot be reused. */
    bool close = status == 413 || status == 400 || status == 408 || status == 431;

    /* Otherwise civetweb drains the unread body and may keep the
     * connection: fine for a 413 on a few MB (the browser gets the page,
     * not a reset), but a malformed request's length cannot be trusted,
     * and draining a huge announced body holds a worker (and overflows
     * civetweb's keep-alive arithmetic near LLONG_MAX): close those. */
    if (close && req->conn && req->ri &&
        (status != 413 || req->ri->content_length < 0 ||
         req->ri->content_length > 64LL * 1024 * 1024))
        mg_disable_keep_alive(req->conn);
    return web_reply_error_hdr(req, status, message, close ? "Connection: close\r\n" : NULL);
}

int
web_reply_json_error(struct web_req *req, int status, const char *message)
{
    req->json = true;
    return web_reply_error(req, status, message);
}

int
web_reply_error_hdr(struct web_req *req, int status, const char *message, const char *extra)
{
    char msg[200], body[1024];
    size_t len;

    /* Pages show the message in the reader's language (the English text
     * is the message id); JSON clients get it as documented, in English. */
    if (message && !req->json)
        message = web_tr(req, message);
    sanitize_message(msg, sizeof msg, message ? message : web_status_text(status));
    len = format_error_body(req, body, sizeof body, req->json, status, msg);
    return web_reply(req, status,
                     req->json ? "application/json; charset=utf-8" : "text/html; charset=utf-8",
                     body, len, extra);
}

void
web_reply_bare_error(struct mg_connection *conn, int status, const char *message)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    const char *accept = mg_get_header(conn, "Accept");
    struct web_req req = {.conn = conn, .ri = ri};
    (void)ri;

    req.json = accept && strstr(accept, "application/json") && !strstr(accept, "text/html");
    web_reply_error(&req, status, message);
}

int
web_reply_redirect(struct web_req *req, int status, const char *location)
{
    char extra[2100];
    int n;

    /* A location with CR or LF would split the header: refuse it. */
    if (strpbrk(location, "\r\n") || strlen(location) > 2000)
        return web_reply_error(req, 500, "Bad redirect target");
    n = snprintf(extra, sizeof extra, "Location: %s\r\n", location);
    if (n < 0 || (size_t)n >= sizeof extra)
        return web_reply_error(req, 500, "Bad redirect target");
    return web_reply(req, status, "text/plain; charset=utf-8", "", 0, extra);
}

char *
web_html_escape(struct web_req *req, const char *s)
{
    size_t need = 1;
    char *out, *p;

    for (const char *q = s; *q; q++)
        need += (*q == '&') ? 5 : (*q == '<' || *q == '>') ? 4 : (*q == '"' || *q == '\'') ? 6 : 1;
    out = pod_arena_alloc(&req->arena, need);
    if (!out)
        return NULL;
    p = out;
    for (; *s; s++) {
        switch (*s) {
        case '&':
            memcpy(p, "&amp;", 5), p += 5;
            break;
        case '<':
            memcpy(p, "&lt;", 4), p += 4;
            break;
        case '>':
            memcpy(p, "&gt;", 4), p += 4;
            break;
        case '"':
            memcpy(p, "&quot;", 6), p += 6;
            break;
        case '\'':
            memcpy(p, "&#39;", 5), p += 5;
            break;
        default:
            *p++ = *s;
        }
    }
    *p = '\0';
    return out;
}

int
web_reply_file(struct web_req *req, const char *path, const char *type, size_t max,
               const char *extra)
{
    struct stat sb;
    char *buf;
    ssize_t n;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return web_reply_error(req, 404, "There is no such file.");
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > max) {
        close(fd);
        return web_reply_error(req, 404, "There is no such file.");
    }
    buf = pod_arena_alloc(&req->arena, (size_t)sb.st_size + 1);
    while (buf && got < (size_t)sb.st_size) {
        n = read(fd, buf + got, (size_t)sb.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf || got != (size_t)sb.st_size)
        return web_reply_error(req, 500, "The file could not be read.");
    return web_reply(req, 200, type, buf, got, extra);
}
