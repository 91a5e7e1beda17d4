/*
 * reply.h - the ways to answer a request. Each request is answered exactly
 * once; the later calls of a handler that answered already do nothing.
 */
#ifndef POD_WEB_REPLY_H
#define POD_WEB_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "web/request.h"

struct mg_connection;

/* Sends status with the given content type and body (borrowed). extra is
 * NULL or further header lines, each ending in "\r\n". Adds the pod's
 * security headers and Content-Length. Returns the status. */
int web_reply(struct web_req *req, int status, const char *content_type, const void *body,
              size_t len, const char *extra);

/* Sends a small error page: JSON {"error":{"status":..,"message":..}} when
 * req->json, otherwise HTML. message is shown to the client: no secrets. */
int web_reply_error(struct web_req *req, int status, const char *message);

/* A JSON error body whatever the client asked for (JSON endpoints). */
int web_reply_json_error(struct web_req *req, int status, const char *message);

/* As web_reply_error, with extra header lines (e.g. "Allow: GET\r\n"). */
int web_reply_error_hdr(struct web_req *req, int status, const char *message, const char *extra);

/* Sends the regular file at path (at most max bytes, read into the request
 * arena) with content type type and extra header lines (a Cache-Control
 * line replaces the default no-store). A missing or oversized file is 404.
 * path must already be validated: callers build it from checked names. */
int web_reply_file(struct web_req *req, const char *path, const char *type, size_t max,
                   const char *extra);

/* Sends a redirect (301, 302, 303 or 307) to location. */
int web_reply_redirect(struct web_req *req, int status, const char *location);

/* The reason phrase of an HTTP status ("Not Found"). */
const char *web_status_text(int status);

/* Escapes &, <, >, " and ' of s for HTML text and attribute values into
 * the request arena. Returns NULL when the arena is exhausted. */
char *web_html_escape(struct web_req *req, const char *s);

/* Writes a complete civetweb error answer for connections that have no
 * struct web_req (civetweb's own 400/413/... before routing). */
void web_reply_bare_error(struct mg_connection *conn, int status, const char *message);

#endif
